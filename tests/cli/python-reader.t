#!/bin/sh
# tests: share/python/mzs.py, the reader written from mzs(5) alone
# requires: mzgen, a python3 (numpy and the zstandard module optional: the
# reader is also run with both blocked, and then uses array.array and the
# zstd program)
. "$(dirname "$0")/lib.sh"

PYTHON=${PY:-$(command -v python3)}
[ -n "$PYTHON" ] || t_skip_all "no python3"
MZS=$TOP/share/python/mzs.py
PYTHONPATH=$TOP/share/python
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE

# block MODULE...: blocked modules for the scripts below (see prelude.py).
cat > prelude.py <<'EOF'
import os, sys
for m in os.environ.get("MZS_BLOCK", "").split():
    sys.modules[m] = None
import mzs
EOF

# check.py FILE S I N K M CODEC: every part, row, meta key and value of a
# stream written by "mzgen -s S -i I -n N -k K -m M", against mzgen's
# closed forms.  frame, id, p and time are computed exactly as mzgen does;
# x and y use math.sin/cos as mzgen uses libm, with an absolute tolerance
# of 1e-11 (about 200 ulp at these magnitudes) in case the two sins differ
# in the last bit.  Prints "ok" or the first difference.
cat > check.py <<'EOF'
exec(open("prelude.py").read())
import math
path, S, I, N, K, M = sys.argv[1], *map(int, sys.argv[2:7])
codec = sys.argv[7]
np = mzs.numpy
want_codes = {"frame": "q", "id": "i", "time": "d"}
def fail(msg):
    print(msg); sys.exit(0)
parts = list(mzs.read(path))
if len(parts) != S * I:
    fail("parts: %d, want %d" % (len(parts), S * I))
worst = 0.0
for n, p in enumerate(parts):
    s, ind = divmod(n, I)
    if p.nrows != N or (p.nblocks == 0) != (N == 0):
        fail("part %d: %d rows in %d blocks" % (n, p.nrows, p.nblocks))
    meta = {"group": "treated" if s % 2 else "control",
            "sequence": "seq%d" % s, "individual": "mouse%d" % ind,
            "individuals": ["mouse%d" % i for i in range(I)], "fps": 30,
            "units": "px", "bodyparts": ["bp%d" % k for k in range(K)]}
    if p.meta != meta:
        fail("part %d: meta %r" % (n, p.meta))
    names = ["frame", "time", "id"] + ["bp%d.%s" % (k, a)
                                       for k in range(K) for a in "xyp"]
    if [c["name"] for c in p.schema] != names or list(p.columns) != names:
        fail("part %d: columns %r" % (n, list(p.columns)))
    types = [c["type"] for c in p.schema]
    if types != ["i64", "f64", "i32"] + ["f64"] * 3 * K:
        fail("part %d: types %r" % (n, types))
    units = [c.get("unit") for c in p.schema]
    if units != [None, "s", None] + ["px", "px", None] * K:
        fail("part %d: units %r" % (n, units))
    if (len(p.history) != 1 or p.history[0]["tool"] != "mzgen" or
            p.history[0]["options"] !=
            {"rows": N, "bodyparts": K, "missing_every": M} or
            p.processing != p.history[0]["processing"] or
            not p.verify_processing()):
        fail("part %d: history %r / %s" % (n, p.history, p.processing))
    for name, c in p.columns.items():
        if np is not None:
            want = {"frame": "<i8", "id": "<i4"}.get(name, "<f8")
            if c.dtype != np.dtype(want) or not isinstance(c, np.ndarray):
                fail("column %s: %r" % (name, c.dtype))
        else:
            code = "q" if name == "frame" else "d"
            if name == "id":
                ok = c.typecode in "il" and c.itemsize == 4
            else:
                ok = c.typecode == code
            if not ok:
                fail("column %s: array %r" % (name, c.typecode))
        if len(c) != N:
            fail("column %s: %d values" % (name, len(c)))
    col = {k: v.tolist() for k, v in p.columns.items()}
    for f in range(N):
        if col["frame"][f] != f or col["id"][f] != ind or \
                col["time"][f] != f / 30.0:
            fail("part %d row %d: frame/id/time" % (n, f))
        for k in range(K):
            miss = M and (f + k) % M == 0
            x, y, pv = (col["bp%d.%s" % (k, a)][f] for a in "xyp")
            if miss:
                if not (math.isnan(x) and math.isnan(y) and pv == 0):
                    fail("part %d row %d bp%d: not missing" % (n, f, k))
                continue
            wx = 100 + 50 * math.sin(0.01 * f + k) + 10 * ind
            wy = 80 + 40 * math.cos(0.013 * f + 2 * k) - 5 * ind
            wp = ((f * 7 + k * 13 + ind) % 100) / 100.0
            if pv != wp:
                fail("part %d row %d: p %r, want %r" % (n, f, pv, wp))
            worst = max(worst, abs(x - wx), abs(y - wy))
            if not worst <= 1e-11:
                fail("part %d row %d bp%d: %r %r want %r %r"
                     % (n, f, k, x, y, wx, wy))
print("ok")
EOF

# rejects.py FILE: the reader must reject every truncation of FILE (each
# prefix, including the empty one) and FILE with any single byte changed
# (xor 0xff and xor 0x01 at every offset, xor 0x20 on every chunk tag's
# first byte), except the minor version (bytes 10-11), which may be any.
# Each rejection must be a FormatError whose message starts "byte N: ".
cat > rejects.py <<'EOF'
exec(open("prelude.py").read())
import io, re
data = open(sys.argv[1], "rb").read()
def rejected(b):
    try:
        for _ in mzs.read(io.BytesIO(b)):
            pass
    except mzs.FormatError as e:
        return re.match(r"byte \d+: ", str(e)) is not None
    return False
list(mzs.read(io.BytesIO(data)))
bad = [n for n in range(len(data)) if not rejected(data[:n])]
if bad:
    print("truncations accepted at", bad[:10]); sys.exit(0)
tags = [m.start() for m in re.finditer(rb"HEAD|BLCK|TAIL|ENDS", data)]
for x in (0xff, 0x01, 0x20):
    for i in (tags if x == 0x20 else range(len(data))):
        if i in (10, 11):
            continue
        b = bytearray(data)
        b[i] ^= x
        if not rejected(bytes(b)):
            print("byte %d xor %#x accepted" % (i, x)); sys.exit(0)
print("ok %d" % len(data))
EOF

# spec.py: hand-made streams, byte by byte from mzs(5): the man page's
# examples, then one stream per rule of "What a reader must reject".
# Prints one line per case: "ok DESC" or "not ok DESC: why".
cat > spec.py <<'EOF'
exec(open("prelude.py").read())
import io, json, math, shutil, struct, subprocess
X = mzs._xxh64_py
def ok(cond, desc, why=""):
    print(("ok " if cond else "not ok ") + desc + ("" if cond else ": " + why))

# XXH64 vectors: the spec's two, two published ones ("abc", python-xxhash's
# README), and lengths exercising every tail path (derived with libxxhash).
vec = [(b"", 0xEF46DB3751D8E999), (b"\0" * 8, 0x34C96ACDCADB1BBB),
       (b"abc", 0x44BC2CF5AD770999), (b"a", 0xD24EC4F1A98C6E5B),
       (b"Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1),
       (b"\0" * 32, 0xF6E9BE5D70632CF5),
       (b"0123456789abcdef" * 2 + b"0", 0xE87684F08D6D0816),
       (bytes(range(256)), 0x1FACBE8406CD904B)]
for v, h in vec:
    ok(X(v) == h and mzs.xxh64(v) == h, "XXH64 of %d bytes %r..." % (len(v), v[:8]),
       "%016X" % X(v))

def zc(b):
    if mzs.zstandard is not None:
        return mzs.zstandard.ZstdCompressor(level=3).compress(b)
    return subprocess.run(["zstd", "-cq"], input=b, stdout=subprocess.PIPE,
                          check=True).stdout
SIG = b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0)
def chunk(tag, payload, flags=0, pad=None, ck=None):
    pad = bytes(-len(payload) % 8) if pad is None else pad
    ck = X(payload) if ck is None else ck
    return tag + struct.pack("<IQQ", flags, len(payload), ck) + payload + pad
def head(cols=(("x", "f64"),), **extra):
    h = {"columns": [{"name": n, "type": t} for n, t in cols]}
    h.update(extra)
    return chunk(b"HEAD", json.dumps(h, separators=(",", ":")).encode())
def blck(cols, n=None, codecs=None, mangle=None):
    """cols: raw bytes per column; codecs: per column 0, 1 or 2."""
    codecs = codecs or [0] * len(cols)
    ws = [len(c) // n for c in cols] if n else None
    stored = []
    for c, k in zip(cols, codecs):
        if k == 2:
            w = ws[len(stored)]
            c = b"".join(c[b::w] for b in range(w))
        stored.append(zc(c) if k else c)
    desc, data, off = b"", b"", 16 + 24 * len(cols)
    for s, k in zip(stored, codecs):
        off8 = (off + 7) & ~7
        desc += struct.pack("<B7xQQ", k, off8, len(s))
        data += bytes(off8 - off) + s
        off = off8 + len(s)
    p = struct.pack("<QII", n, len(cols), 0) + desc + data
    if mangle:
        p = mangle(bytearray(p))
    return chunk(b"BLCK", bytes(p))
def ck(c):
    return c[16:24]
def tail(chs, rows=None, blocks=None, h=None):
    if h is None:
        h = X(b"".join(ck(c) for c in chs))
    nb = len(chs) - 1
    return chunk(b"TAIL", struct.pack("<QQQ", rows, nb if blocks is None
                                      else blocks, h))
def ends(n):
    return chunk(b"ENDS", struct.pack("<Q", n))
def part(hd, *bls, rows=None, **kw):
    return hd + b"".join(bls) + tail([hd, *bls], rows=rows, **kw)
def parts(b):
    return list(mzs.read(io.BytesIO(b)))
def rejects(desc, b, like=""):
    try:
        parts(b)
    except mzs.FormatError as e:
        m = str(e)
        return ok(m.startswith("byte ") and like in m, "rejects " + desc, m)
    ok(False, "rejects " + desc, "accepted")

# The man page's examples.
smallest = SIG + ends(0)
ok(smallest == bytes.fromhex(
    "894d5a530d0a1a0a 0100000000000000 454e445300000000 0800000000000000"
    "bb1bdbcacd6ac934 0000000000000000".replace(" ", "")),
   "the smallest stream, byte for byte", smallest.hex())
ok(parts(smallest) == [], "smallest stream has no parts")
f64 = struct.pack("<2d", 1.5, float("nan"))
hd = head()
bl = blck([f64], 2)
# The page says the HEAD payload is 38 bytes with 2 of padding; the JSON
# it quotes is 39 bytes, so 1 byte of padding.
ok(len(hd) == 24 + 40 and hd[8:16] == struct.pack("<Q", 39) and
   bl[8:16] == struct.pack("<Q", 56) and bl[40:64] ==
   struct.pack("<B7xQQ", 0, 40, 16), "example part: HEAD 39+1, BLCK 56")
ex = SIG + part(hd, bl, rows=2) + ends(1)
p = parts(ex)
ok(len(p) == 1 and p[0].nrows == 2 and p[0].columns["x"][0] == 1.5 and
   math.isnan(p[0].columns["x"][1]), "example part reads 1.5, NaN")
ok(p[0].meta == {} and p[0].history == [] and
   p[0].processing == "0" * 16, "defaults of meta, history, processing")

# Every type, every codec, several blocks, skippable chunks everywhere.
types = [("a", "i8", "b"), ("b", "u8", "B"), ("c", "i16", "h"),
         ("d", "u16", "H"), ("e", "i32", "i"), ("f", "u32", "I"),
         ("g", "i64", "q"), ("h", "u64", "Q"), ("i", "f32", "f"),
         ("j", "f64", "d")]
hd = head([(n, t) for n, t, _ in types])
vals = lambda c, lo: [(-1) ** i * (i + lo) if c in "bhiqfd" else i + lo
                      for i in range(3)]
bls = [blck([struct.pack("<3" + c, *vals(c, lo)) for _, _, c in types], 3,
            [(j + lo) % 3 for j in range(len(types))]) for lo in (1, 5, 9)]
skip = chunk(b"zSKP", b"anything at all")
stream = (SIG + skip + hd + skip + bls[0] + bls[1] + skip + bls[2] + skip +
          tail([hd] + bls, rows=9) + skip + ends(1))
p = parts(stream)
got = {k: list(v) for k, v in p[0].columns.items()} if p else {}
want = {n: sum((vals(c, lo) for lo in (1, 5, 9)), []) for n, _, c in types}
ok(got == want, "10 types x 3 codecs x 3 blocks, skippable chunks", repr(got))
minor = SIG[:10] + b"\x07\x00" + SIG[12:]
ok(len(parts(minor + part(hd, *bls, rows=9) + ends(1))) == 1,
   "a higher minor version is accepted")
ok(len(parts(ex + smallest + ex)) == 2, "concatenated segments")
hz = head([])
ok(parts(SIG + part(hz, rows=0) + ends(1))[0].columns == {},
   "a part with no columns and no rows")

# What a reader must reject.
b1 = blck([f64], 2)
good = SIG + part(hd := head(), b1, rows=2) + ends(1)
rejects("an empty input", b"", "empty")
for i in range(8):
    rejects("signature byte %d changed" % i, good[:i] + b"?" + good[i + 1:],
            "signature")
rejects("major version 2", good[:8] + b"\2" + good[9:], "version")
rejects("major version 0", good[:8] + b"\0" + good[9:], "version")
rejects("nonzero signature reserved field", good[:12] + b"\1" + good[13:])
accepted = []
for n in range(len(good)):
    try:
        parts(good[:n])
        accepted.append(n)
    except mzs.FormatError:
        pass
ok(not accepted, "rejects every truncation of the example stream",
   repr(accepted))
rejects("end of input after a part", SIG + part(hd, b1, rows=2), "end of input")
rejects("a partial signature after ENDS", good + SIG[:8], "end of input")
rejects("garbage after ENDS", good + bytes(16), "signature")
rejects("a chunk checksum mismatch", SIG + chunk(b"HEAD", hd[24:-2], ck=1) +
        b1 + ends(1), "checksum")
rejects("a skippable chunk's checksum mismatch",
        SIG + chunk(b"zzzz", b"x", ck=5) + ends(0), "checksum")
rejects("nonzero flags", SIG + chunk(b"zzzz", b"x", flags=1) + ends(0), "flags")
rejects("nonzero padding", SIG + chunk(b"zzzz", b"x", pad=b"\0" * 6 + b"\1") +
        ends(0), "padding")
hp = chunk(b"HEAD", hd[24:-2], pad=b"\0\1")
rejects("nonzero padding of a HEAD", SIG + hp + b1 + tail([hp, b1], rows=2) +
        ends(1), "padding")
rejects("an unknown critical tag", SIG + chunk(b"XHDR", b"") + ends(0),
        "critical")
rejects("a tag starting with a digit", SIG + chunk(b"0abc", b"") + ends(0))
rejects("a BLCK outside a part", SIG + b1 + ends(0), "outside")
rejects("a TAIL outside a part", SIG + tail([hd, b1], rows=2) + ends(0),
        "outside")
rejects("a HEAD inside a part", SIG + hd + part(hd, b1, rows=2) + ends(1),
        "inside")
rejects("an ENDS inside a part", SIG + hd + b1 + ends(0), "inside")
rejects("an ENDS count too high", SIG + part(hd, b1, rows=2) + ends(2), "ENDS")
rejects("an ENDS count too low", SIG + part(hd, b1, rows=2) + ends(0), "ENDS")
rejects("an ENDS count of a later segment", ex + SIG + ends(1), "ENDS")
rejects("a HEAD longer than 64 MiB (frame only)",
        SIG + b"HEAD" + struct.pack("<IQQ", 0, (64 << 20) + 1, 0), "length")
rejects("a skippable chunk longer than 64 MiB (frame only)",
        SIG + b"zzzz" + struct.pack("<IQQ", 0, (64 << 20) + 8, 0), "length")
rejects("a BLCK longer than 4 GiB (frame only)", SIG + hd +
        b"BLCK" + struct.pack("<IQQ", 0, (4 << 30) + 8, 0), "length")
rejects("a TAIL of 32 bytes", SIG + hd + chunk(b"TAIL", bytes(32)) + ends(1),
        "length")
rejects("an ENDS of 16 bytes", SIG + chunk(b"ENDS", bytes(16)), "length")
for desc, text in [("not JSON", b'{"columns":[}'),
                   ("with a byte order mark", b'\xef\xbb\xbf{"columns":[]}'),
                   ("with a NUL", b'{"columns":[]}\0'),
                   ("not UTF-8", b'{"columns":[],"meta":{"a":"\xff"}}'),
                   ("with NaN", b'{"columns":[],"meta":{"a":NaN}}'),
                   ("an array", b'[]'),
                   ("without columns", b'{"meta":{}}'),
                   ("with a duplicate key", b'{"columns":[],"columns":[]}'),
                   ("with a column type f16",
                    b'{"columns":[{"name":"x","type":"f16"}]}'),
                   ("with a column without a type", b'{"columns":[{"name":"x"}]}'),
                   ("with an empty column name",
                    b'{"columns":[{"name":"","type":"f64"}]}'),
                   ("with a control character in a name",
                    b'{"columns":[{"name":"a\\nb","type":"f64"}]}'),
                   ("with an escaped NUL in a name",
                    b'{"columns":[{"name":"x\\u0000y","type":"f64"}]}'),
                   ("starting with a byte order mark",
                    b'\xef\xbb\xbf{"columns":[]}'),
                   ("with a repeated column name",
                    b'{"columns":[{"name":"x","type":"f64"},'
                    b'{"name":"x","type":"i8"}]}'),
                   ("with a numeric unit",
                    b'{"columns":[{"name":"x","type":"f64","unit":1}]}'),
                   ("with levels keyed by a non-integer",
                    b'{"columns":[{"name":"x","type":"i8","levels":{"a":"b"}}]}'),
                   ("with meta an array", b'{"columns":[],"meta":[]}'),
                   ("with history an object", b'{"columns":[],"history":{}}'),
                   ("with a history entry without tool",
                    b'{"columns":[],"history":[{"version":"1","options":{},'
                    b'"processing":"0123456789abcdef"}],'
                    b'"processing":"0123456789abcdef"}'),
                   ("with processing in upper case",
                    b'{"columns":[],"processing":"0123456789ABCDEF"}'),
                   ("whose processing is not the last history entry's",
                    b'{"columns":[],"history":[{"tool":"t","version":"1",'
                    b'"options":{},"processing":"0123456789abcdef"}],'
                    b'"processing":"0123456789abcdee"}')]:
    h = chunk(b"HEAD", text)
    rejects("a HEAD " + desc, SIG + h + tail([h], rows=0) + ends(1), "HEAD")
ok(len(parts(SIG + part(head(levels=1), rows=0) + ends(1))) == 1,
   "unknown HEAD keys are allowed")
rejects("a BLCK in a part with no columns",
        SIG + hz + blck([], 1) + tail([hz], rows=1) + ends(1), "BLCK")
def mz(f):
    return SIG + hd + blck([f64], 2, mangle=f) + ends(1)
def setb(off, v, fmt="<B"):
    def f(p):
        struct.pack_into(fmt, p, off, v)
        return p
    return f
rejects("a BLCK with 0 rows", mz(setb(0, 0, "<Q")), "row count")
rejects("a BLCK with a column count off by one", mz(setb(8, 2, "<I")),
        "columns")
rejects("a BLCK with a nonzero reserved field", mz(setb(12, 1, "<I")),
        "reserved")
rejects("a BLCK with codec 3", mz(setb(16, 3)), "codec")
rejects("a descriptor with a nonzero reserved byte", mz(setb(17, 1)),
        "reserved")
rejects("a descriptor with an unaligned offset", mz(setb(24, 44, "<Q")),
        "offset")
rejects("a descriptor with a later offset", mz(setb(24, 48, "<Q")), "offset")
rejects("a raw column whose size is not n w", mz(setb(32, 8, "<Q")), "size")
rejects("a BLCK with bytes after the last column",
        mz(lambda p: p + bytes(8)), "after the last")
rejects("a BLCK whose descriptors overrun it",
        SIG + hd + chunk(b"BLCK", struct.pack("<QII", 1, 1, 0)) + ends(1),
        "descriptors")
# y (2 bytes) at 64, x at 72: payload bytes 66-71 are the gap
two = [struct.pack("<2b", 1, 2), struct.pack("<2d", 1, 2)]
h2 = head([("y", "i8"), ("x", "f64")])
ok(len(parts(SIG + part(h2, blck(two, 2), rows=2) + ends(1))) == 1,
   "a BLCK with a gap between columns")
rejects("nonzero bytes between column regions",
        SIG + h2 + blck(two, 2, mangle=setb(70, 1)) + ends(1), "before column")
for k in (1, 2):
    zbl = blck([f64], 2, [k])
    zs = zc(f64)
    ok(len(parts(SIG + part(hd, zbl, rows=2) + ends(1))) == 1,
       "codec %d column reads" % k)
    def withz(z, n=2):
        zb = chunk(b"BLCK", struct.pack("<QII", n, 1, 0) +
                   struct.pack("<B7xQQ", k, 40, len(z)) + z)
        return SIG + part(hd, zb, rows=n) + ends(1)
    rejects("codec %d data that is not zstd" % k, withz(b"\0" * 16), "zstd")
    rejects("codec %d data with bytes after the frame" % k,
            withz(zs + b"\0"), "zstd")
    rejects("codec %d data of two frames" % k, withz(zs + zs), "zstd")
    rejects("codec %d data decoding to 24 bytes" % k,
            withz(zc(f64 + f64[:8])), "zstd")
    rejects("codec %d data decoding to 8 bytes" % k, withz(zc(f64[:8])),
            "zstd")
    rejects("codec %d data cut short" % k, withz(zs[:-3]), "zstd")
    rejects("codec %d data for 2^50 rows (no allocation)" % k,
            withz(zs, 1 << 50), "zstd")
    if mzs.zstandard is not None:
        zn = mzs.zstandard.ZstdCompressor(write_content_size=False).compress
        ok(len(parts(withz(zn(f64)))) == 1,
           "codec %d frame without a content size" % k)
        rejects("codec %d data decoding to 24 bytes, no content size" % k,
                withz(zn(f64 + f64[:8])), "zstd")
        rejects("codec %d data for 2^50 rows, no content size" % k,
                withz(zn(f64), 1 << 50), "cannot decode")
b2 = blck([struct.pack("<3d", 1, 2, 3)], 3)
rejects("a TAIL with a wrong row count",
        SIG + part(hd, b1, b2, rows=4) + ends(1), "TAIL")
rejects("a TAIL with a wrong block count",
        SIG + part(hd, b1, b2, rows=5, blocks=1) + ends(1), "TAIL")
rejects("a TAIL after reordered blocks", SIG + hd + b2 + b1 +
        tail([hd, b1, b2], rows=5) + ends(1), "hash")
rejects("a TAIL after a dropped block", SIG + hd + b2 +
        tail([hd, b1, b2], rows=3, blocks=1,
             h=X(ck(hd) + ck(b1) + ck(b2))) + ends(1), "hash")
rejects("a TAIL after a repeated block", SIG + hd + b1 + b1 +
        tail([hd, b1, b2], rows=4, blocks=2, h=X(ck(hd) + ck(b1) + ck(b2))) +
        ends(1), "hash")
rejects("a TAIL whose hash covers a skippable chunk", SIG + hd + skip + b1 +
        tail([hd, skip, b1], rows=2, blocks=1) + ends(1), "hash")
EOF

# ------------------------------------------------------------- fixtures
for c in none zstd shuffle; do
	mzgen -s 2 -i 3 -n 500 -k 2 -c $c -o $c.mzs
done
mzgen -s 1 -i 2 -n 200 -k 3 -m 7 -o missing.mzs
mzgen -s 1 -i 1 -n 30000 -k 3 -c none -o long.mzs
mzgen -s 1 -i 1 -n 30000 -k 3 -c shuffle -o longz.mzs
mzgen -s 1 -i 2 -n 0 -o empty-parts.mzs
mzgen -s 1 -i 1 -n 3 -k 1 -c zstd -o small.mzs
mzgen -s 1 -i 1 -n 3 -k 1 -c shuffle -o small2.mzs

# ------------------------------------------------- values, with and without
# numpy / the zstandard module (blocked modules import as missing).
run_checks() {
	_b=$1
	for c in none zstd shuffle; do
		t_is "$c: 6 parts x 500 rows${_b:+ without $_b}" ok \
		    "$(MZS_BLOCK=$_b "$PYTHON" check.py $c.mzs 2 3 500 2 0 $c 2>&1)"
	done
	t_is "missing values every 7${_b:+ without $_b}" ok \
	    "$(MZS_BLOCK=$_b "$PYTHON" check.py missing.mzs 1 2 200 3 7 x 2>&1)"
	t_is "parts of 0 rows${_b:+ without $_b}" ok \
	    "$(MZS_BLOCK=$_b "$PYTHON" check.py empty-parts.mzs 1 2 0 3 0 x 2>&1)"
}
run_checks ""
run_checks numpy
run_checks "numpy zstandard"
t_is "long raw part, several blocks" ok \
    "$("$PYTHON" check.py long.mzs 1 1 30000 3 0 none 2>&1)"
t_is "long shuffled part, several blocks" ok \
    "$("$PYTHON" check.py longz.mzs 1 1 30000 3 0 shuffle 2>&1)"
t_is "long shuffled part without numpy" ok \
    "$(MZS_BLOCK=numpy "$PYTHON" check.py longz.mzs 1 1 30000 3 0 shuffle 2>&1)"
t_like "the long part has several blocks" '^part 0: 30000 rows, [2-9] blocks' \
    "$("$PYTHON" "$MZS" long.mzs | sed -n 3p)"
if [ "$(command -v python3)" != "$PYTHON" ] && command -v python3 >/dev/null
then
	t_is "with the other python3 on PATH too" ok \
	    "$(python3 check.py shuffle.mzs 2 3 500 2 0 shuffle 2>&1)"
fi

# ------------------------------------------------------------ the CLI
t_ok "summary" "$PYTHON" "$MZS" shuffle.mzs
cp "$T/.out" sum.txt
t_is "summary: parts and rows" "parts: 6
rows: 3000" "$(sed -n 1,2p sum.txt)"
t_is "summary: a part" "part 5: 500 rows, 1 blocks, 9 columns: frame i64, \
time f64 [s], id i32, bp0.x f64 [px], bp0.y f64 [px], bp0.p f64, bp1.x f64 \
[px], bp1.y f64 [px], bp1.p f64; group=treated sequence=seq1 \
individual=mouse2 fps=30 units=px" "$(sed -n 8p sum.txt)"
t_is "same summary for every codec" "$(cat sum.txt)" \
    "$("$PYTHON" "$MZS" none.mzs)"
t_is "standard input through a pipe" "$(cat sum.txt)" \
    "$(cat shuffle.mzs | "$PYTHON" "$MZS" -)"
t_ok "csv" "$PYTHON" "$MZS" --csv missing.mzs
t_is "csv: header and first rows" \
"part,frame,time,id,bp0.x,bp0.y,bp0.p,bp1.x,bp1.y,bp1.p,bp2.x,bp2.y,bp2.p
0,0,0.0,0,nan,nan,0.0,142.0735492403948,63.3541265381143,0.13,145.4648713412841,53.85425516545553,0.26" \
    "$(head -2 "$T/.out")"
t_is "csv: 400 rows and a header" 401 "$(wc -l < "$T/.out" | tr -d ' ')"
t_is "csv: same values for every codec" \
    "$("$PYTHON" "$MZS" --csv none.mzs | cksum)" \
    "$("$PYTHON" "$MZS" --csv zstd.mzs | cksum)"
t_is "csv: without numpy nor zstandard" \
    "$("$PYTHON" "$MZS" --csv shuffle.mzs | cksum)" \
    "$("$PYTHON" -c 'import sys; sys.modules["numpy"] = None
sys.modules["zstandard"] = None; import mzs; sys.exit(mzs.main())' \
    --csv shuffle.mzs | cksum)"

# Without the zstandard module and without a zstd program on PATH, raw
# streams still read and compressed ones fail with a clear message.
REALPY=$("$PYTHON" -c 'import sys; print(sys.executable)')
nozstd() {
	env PATH=/nonexistent MZS_BLOCK=zstandard "$REALPY" -c '
exec(open("prelude.py").read()); sys.exit(mzs.main())' "$@"
}
t_ok "no zstd at all: a raw stream reads" nozstd none.mzs
t_fails "no zstd at all: a compressed stream fails clearly" 1 \
    "^mzs: zstd.mzs: byte [0-9]+: a compressed column, but neither the zstandard module nor the zstd program" \
    nozstd zstd.mzs

# ----------------------------------------------------------- concatenation
cat none.mzs shuffle.mzs missing.mzs > cat.mzs
t_ok "a concatenation of three files" "$PYTHON" "$MZS" cat.mzs
t_is "... has all their parts" "parts: 14
rows: 6400" "$(sed -n 1,2p "$T/.out")"
t_is "... in order, from three segments" "0 0 0 0 0 0 1 1 1 1 1 1 2 2" \
    "$(cat none.mzs shuffle.mzs missing.mzs | "$PYTHON" -c '
import sys, mzs
print(*[p.segment for p in mzs.read(sys.stdin.buffer)])')"
t_is "... and the same values as the files" \
    "$({ "$PYTHON" "$MZS" --csv none.mzs; "$PYTHON" "$MZS" --csv \
    shuffle.mzs | awk -F, -v OFS=, 'NR > 1 { $1 += 6; print }'; } | cksum)" \
    "$(cat none.mzs shuffle.mzs | "$PYTHON" "$MZS" --csv - | cksum)"

# ---------------------------------------------------------- rejections
: > empty.mzs
t_fails "an empty input" 1 "^mzs: empty.mzs: byte 0: empty input" \
    "$PYTHON" "$MZS" empty.mzs
printf 'XMZS' | dd of=badsig.mzs bs=1 count=4 2>/dev/null
tail -c +5 none.mzs >> badsig.mzs
t_fails "a bad signature" 1 "byte 0: not an mzs stream" \
    "$PYTHON" "$MZS" badsig.mzs
{ head -c 8 none.mzs; printf '\002'; tail -c +10 none.mzs; } > v2.mzs
t_fails "major version 2" 1 "byte 8: unknown major version 2" \
    "$PYTHON" "$MZS" v2.mzs
{ head -c 10 none.mzs; printf '\003'; tail -c +12 none.mzs; } > minor.mzs
t_is "minor version 3 is read" "$(cat sum.txt)" \
    "$("$PYTHON" "$MZS" minor.mzs 2>&1)"
{ head -c 5000 none.mzs; printf '\377'; tail -c +5002 none.mzs; } > flip.mzs
t_fails "a flipped byte" 1 "byte [0-9]+: BLCK: checksum mismatch" \
    "$PYTHON" "$MZS" flip.mzs
head -c 20000 shuffle.mzs > cut.mzs
t_fails "a truncated file" 1 "byte 20000: unexpected end of input" \
    "$PYTHON" "$MZS" cut.mzs
t_fails "a truncated file through a pipe" 1 "byte 20000: unexpected end" \
    sh -c "cat cut.mzs | '$PYTHON' '$MZS' -"
size=$(wc -c < shuffle.mzs | tr -d ' ')
head -c $((size - 1)) shuffle.mzs > cut1.mzs
t_fails "the last byte missing" 1 "unexpected end of input in ENDS" \
    "$PYTHON" "$MZS" cut1.mzs
cat none.mzs cut1.mzs > catcut.mzs
t_fails "a concatenation with a truncated second file" 1 \
    "byte [0-9]+: unexpected end of input in ENDS" \
    "$PYTHON" "$MZS" catcut.mzs
t_is "every truncation and changed byte of a zstd stream" \
    "ok $(wc -c < small.mzs | tr -d ' ')" "$("$PYTHON" rejects.py small.mzs 2>&1)"
t_is "every truncation and changed byte of a shuffle stream, no numpy" \
    "ok $(wc -c < small2.mzs | tr -d ' ')" \
    "$(MZS_BLOCK=numpy "$PYTHON" rejects.py small2.mzs 2>&1)"

# ------------------------------------------------- mzs(5), rule by rule
run_spec() {
	"$PYTHON" spec.py > spec.txt 2>&1 || echo "not ok spec.py: exit $?" \
	    >> spec.txt
	while IFS= read -r line; do
		case $line in
		"ok "*) t_is "${line#ok }$1" ok ok ;;
		"not ok "*) t_is "${line#not ok }$1" ok "$line" ;;
		*) t_is "spec.py output$1" "" "$line" ;;
		esac
	done < spec.txt
}
run_spec ""
MZS_BLOCK="numpy zstandard"
export MZS_BLOCK
run_spec " (no numpy, zstd program)"
unset MZS_BLOCK

t_done
