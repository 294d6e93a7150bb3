"""mzs - a reader for the mz columnar stream format, written from mzs(5) alone.

    import mzs
    for part in mzs.read("tracks.mzs"):            # or "-", a Path, a file
        print(part.meta.get("sequence"), part.nrows, part.columns["bp0.x"][:5])

The stream is read front to back, one chunk at a time, without seeking, so
pipes work.  A part is yielded only after its TAIL has been checked; the
iteration ends normally only if the whole stream is valid, and any violation
of mzs(5) raises FormatError, whose message includes the byte offset.

Standard library only.  numpy is used when importable (columns are numpy
arrays); otherwise columns are array.array.  Zstandard blocks use the
zstandard module when importable, else the zstd program.

Command line:  python3 mzs.py [--csv] FILE|-
"""

import array
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import unicodedata

try:
    import numpy
except ImportError:
    numpy = None
try:
    import zstandard
except ImportError:
    zstandard = None

__all__ = ["read", "Part", "FormatError", "xxh64", "processing_hash"]

SIGNATURE = b"\x89MZS\r\n\x1a\n"
MAX_SMALL = 64 << 20            # HEAD and skippable chunks
MAX_BLCK = 4 << 30
TYPES = {"i8": ("b", 1), "u8": ("B", 1), "i16": ("h", 2), "u16": ("H", 2),
         "i32": ("i", 4), "u32": ("I", 4), "i64": ("q", 8), "u64": ("Q", 8),
         "f32": ("f", 4), "f64": ("d", 8)}
_HEX16 = re.compile(r"[0-9a-f]{16}\Z")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\Z")


class FormatError(Exception):
    """The input is not a valid mzs stream; .offset is the byte offset."""

    def __init__(self, offset, msg):
        super().__init__("byte %d: %s" % (offset, msg))
        self.offset = offset


# ------------------------------------------------------------------ XXH64
_M = (1 << 64) - 1
_P1, _P2, _P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_P4, _P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5


def _round(acc, lane):
    acc = (acc + lane * _P2) & _M
    return (((acc << 31) | (acc >> 33)) * _P1) & _M


def _xxh64_py(data, seed=0):
    """XXH64 per the xxHash specification, in pure Python."""
    data = bytes(data)
    n = len(data)
    p = 0
    if n >= 32:
        v1, v2 = (seed + _P1 + _P2) & _M, (seed + _P2) & _M
        v3, v4 = seed & _M, (seed - _P1) & _M
        stripes = n // 32
        lanes = struct.unpack_from("<%dQ" % (4 * stripes), data)
        for i in range(0, 4 * stripes, 4):
            a = (v1 + lanes[i] * _P2) & _M
            v1 = (((a << 31) | (a >> 33)) * _P1) & _M
            a = (v2 + lanes[i + 1] * _P2) & _M
            v2 = (((a << 31) | (a >> 33)) * _P1) & _M
            a = (v3 + lanes[i + 2] * _P2) & _M
            v3 = (((a << 31) | (a >> 33)) * _P1) & _M
            a = (v4 + lanes[i + 3] * _P2) & _M
            v4 = (((a << 31) | (a >> 33)) * _P1) & _M
        p = 32 * stripes
        acc = (((v1 << 1) | (v1 >> 63)) + ((v2 << 7) | (v2 >> 57)) +
               ((v3 << 12) | (v3 >> 52)) + ((v4 << 18) | (v4 >> 46))) & _M
        for v in (v1, v2, v3, v4):
            acc = (((acc ^ _round(0, v)) * _P1) + _P4) & _M
    else:
        acc = (seed + _P5) & _M
    acc = (acc + n) & _M
    while n - p >= 8:
        acc ^= _round(0, struct.unpack_from("<Q", data, p)[0])
        acc = ((((acc << 27) | (acc >> 37)) & _M) * _P1 + _P4) & _M
        p += 8
    if n - p >= 4:
        acc ^= (struct.unpack_from("<I", data, p)[0] * _P1) & _M
        acc = ((((acc << 23) | (acc >> 41)) & _M) * _P2 + _P3) & _M
        p += 4
    while p < n:
        acc ^= (data[p] * _P5) & _M
        acc = ((((acc << 11) | (acc >> 53)) & _M) * _P1) & _M
        p += 1
    acc ^= acc >> 33
    acc = (acc * _P2) & _M
    acc ^= acc >> 29
    acc = (acc * _P3) & _M
    return acc ^ (acc >> 32)


try:
    import xxhash as _xxhash

    def xxh64(data, seed=0):
        return _xxhash.xxh64_intdigest(bytes(data), seed)
except ImportError:
    xxh64 = _xxh64_py


# -------------------------------------------------------------- Zstandard
def _zstd_frame(data, nw, at):
    """Check that data is exactly one Zstandard frame (RFC 8878) that may
    decompress to nw bytes (so that nw is never allocated in vain)."""
    def bad(msg):
        raise FormatError(at, "zstd data: " + msg)
    if len(data) < 6 or data[:4] != b"\x28\xb5\x2f\xfd":
        bad("not a Zstandard frame")
    fhd = data[4]
    single, dict_flag, fcs_flag = fhd >> 5 & 1, fhd & 3, fhd >> 6
    if fhd & 8:
        bad("reserved bit set in frame header")
    p = 5
    window = None
    if not single:
        wd = data[p]
        base = 1 << (10 + (wd >> 3))
        window = base + (base >> 3) * (wd & 7)
        p += 1
    p += (0, 1, 2, 4)[dict_flag]
    fcs_len = (1 if single else 0, 2, 4, 8)[fcs_flag]
    if p + fcs_len > len(data):
        bad("truncated frame header")
    fcs = None
    if fcs_len:
        fcs = int.from_bytes(data[p:p + fcs_len], "little")
        fcs += 256 if fcs_len == 2 else 0
        p += fcs_len
        if fcs != nw:
            bad("frame content size %d, expected %d" % (fcs, nw))
    if window is None:
        window = fcs
    most = 0                    # the most bytes the blocks can produce
    while True:
        if p + 3 > len(data):
            bad("truncated frame")
        bh = int.from_bytes(data[p:p + 3], "little")
        btype, bsize = bh >> 1 & 3, bh >> 3
        p += 3 + (1 if btype == 1 else bsize)
        if btype == 3 or (btype == 2 and bsize > min(window, 128 << 10)):
            bad("invalid block")
        most += min(window, 128 << 10) if btype == 2 else bsize
        if bh & 1:
            break
    p += 4 if fhd & 4 else 0
    if p != len(data):
        bad("truncated frame" if p > len(data) else
            "%d bytes after the frame" % (len(data) - p))
    if most < nw:
        bad("frame cannot decode to %d bytes" % nw)


def _zstd_decompress(data, nw, at):
    _zstd_frame(data, nw, at)
    if zstandard is not None:
        try:
            out = zstandard.ZstdDecompressor().decompress(
                data, max_output_size=nw)
        except zstandard.ZstdError as e:
            raise FormatError(at, "zstd data: %s" % e) from None
    else:
        prog = shutil.which("zstd")
        if prog is None:
            raise RuntimeError("byte %d: a compressed column, but neither "
                               "the zstandard module nor the zstd program"
                               % at)
        with subprocess.Popen([prog, "-dcq"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as proc:
            def feed():
                try:
                    proc.stdin.write(data)
                    proc.stdin.close()
                except OSError:
                    pass
            t = threading.Thread(target=feed)
            t.start()
            out = proc.stdout.read(nw + 1)
            proc.stdout.close()
            if len(out) > nw:
                proc.kill()
            t.join()
            if proc.wait() != 0 and len(out) <= nw:
                raise FormatError(at, "zstd data: zstd failed")
    if len(out) != nw:
        raise FormatError(at, "zstd data decodes to %d bytes, expected %d"
                          % (len(out), nw))
    return out


def _unshuffle(buf, n, w):
    if w == 1:
        return buf
    if numpy is not None:
        return numpy.frombuffer(buf, numpy.uint8).reshape(w, n).T.tobytes()
    out = bytearray(n * w)
    for b in range(w):
        out[b::w] = buf[b * n:(b + 1) * n]
    return bytes(out)


# ------------------------------------------------------------------ input
class _Input:
    def __init__(self, f):
        self.f, self.pos = f, 0

    def read(self, n, what, eof_ok=False):
        """Exactly n bytes, or b"" at the end of input if eof_ok."""
        parts, got = [], 0
        while got < n:
            b = self.f.read(n - got)
            if not b:
                break
            parts.append(b)
            got += len(b)
        data = b"".join(parts)
        if len(data) != n and (data or not eof_ok):
            raise FormatError(self.pos + len(data),
                              "unexpected end of input in " + what)
        self.pos += len(data)
        return data


def _dup_check(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r" % k)
        d[k] = v
    return d


def _no_constant(s):
    raise ValueError("%s is not JSON" % s)


def _parse_head(payload, at):
    def bad(msg):
        raise FormatError(at, "HEAD: " + msg)
    if payload.startswith(b"\xef\xbb\xbf") or b"\0" in payload:
        bad("byte order mark or NUL in JSON")
    try:
        text = payload.decode("utf-8")
        h = json.loads(text, object_pairs_hook=_dup_check,
                       parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as e:
        bad("invalid JSON: %s" % e)
    if not isinstance(h, dict):
        bad("not a JSON object")
    cols = h.get("columns")
    if not isinstance(cols, list):
        bad("columns missing or not an array")
    names = set()
    for c in cols:
        if not isinstance(c, dict):
            bad("a column is not an object")
        name = c.get("name")
        if (not isinstance(name, str) or not name or
                any(unicodedata.category(ch) == "Cc" for ch in name)):
            bad("bad column name %r" % (name,))
        if name in names:
            bad("duplicate column name %r" % name)
        names.add(name)
        if c.get("type") not in TYPES:
            bad("column %r: bad type %r" % (name, c.get("type")))
        if "unit" in c and not isinstance(c["unit"], str):
            bad("column %r: unit is not a string" % name)
        lv = c.get("levels", {})
        if not isinstance(lv, dict) or not all(
                _DECIMAL.match(k) and isinstance(v, str)
                for k, v in lv.items()):
            bad("column %r: bad levels" % name)
    if not isinstance(h.get("meta", {}), dict):
        bad("meta is not an object")
    hist = h.get("history", [])
    if not isinstance(hist, list):
        bad("history is not an array")
    for e in hist:
        if not (isinstance(e, dict) and isinstance(e.get("tool"), str) and
                isinstance(e.get("version"), str) and
                isinstance(e.get("options"), dict) and
                isinstance(e.get("processing"), str) and
                _HEX16.match(e["processing"])):
            bad("bad history entry %r" % (e,))
        par = e.get("parents", [])
        if not (isinstance(par, list) and
                all(isinstance(x, str) and _HEX16.match(x) for x in par)):
            bad("bad parents in history entry")
    proc = h.get("processing", "0" * 16)
    if not isinstance(proc, str) or not _HEX16.match(proc):
        bad("bad processing hash %r" % (proc,))
    if hist and hist[-1]["processing"] != proc:
        bad("processing %s differs from the last history entry's" % proc)
    return h, text


# ----------------------------------------------------------------- parts
class Part:
    """One table of a stream.

    columns     dict name -> numpy array (or array.array), storage order
    schema      list of the header's column objects (name, type, unit, ...)
    meta        dict of part metadata; history: list; processing: str
    nrows       rows; nblocks: blocks; header: the whole HEAD object
    segment     index of the segment holding the part; offset: its HEAD's
    header_text the HEAD's JSON; verify_processing() checks its hashes
    """

    def __init__(self, header, text, offset, segment):
        self.header, self.header_text = header, text
        self.schema = header["columns"]
        self.meta = header.get("meta", {})
        self.history = header.get("history", [])
        self.processing = header.get("processing", "0" * 16)
        self.offset, self.segment = offset, segment
        self.nrows = self.nblocks = 0
        self.columns = {}
        self._data = [bytearray() for _ in self.schema]

    def _finish(self):
        for c, buf in zip(self.schema, self._data):
            code, w = TYPES[c["type"]]
            if numpy is not None:
                a = numpy.frombuffer(buf, numpy.dtype("<" + code))
            else:
                a = array.array(_CODES[code])
                a.frombytes(bytes(buf))
                if sys.byteorder == "big":
                    a.byteswap()
            self.columns[c["name"]] = a
        del self._data

    def verify_processing(self):
        """True if every history entry's processing hash matches mzs(5)."""
        raw = json.loads(self.header_text, parse_int=_Raw, parse_float=_Raw,
                         parse_constant=_Raw)
        parent = "0" * 16
        for e in raw.get("history", []):
            if e.get("parents"):
                parent = e["parents"][0]
            if processing_hash(parent, e) != e["processing"]:
                return False
            parent = e["processing"]
        return True

    def __repr__(self):
        return "<mzs.Part %d rows, %d columns, meta %r>" % (
            self.nrows, len(self.schema), self.meta)


# array.array type codes with the same sizes as the mzs types
_CODES = {c: c for c in "bBhHqQfd"}
_CODES.update(i="i" if array.array("i").itemsize == 4 else "l",
              I="I" if array.array("I").itemsize == 4 else "L")


class _Raw(str):
    """A JSON number kept as the text the tool wrote."""


def _canon(v):
    if isinstance(v, _Raw):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if v is True or v is False or v is None:
        return json.dumps(v)
    if isinstance(v, dict):
        return "{%s}" % ",".join(_canon(str(k)) + ":" + _canon(x)
                                 for k, x in v.items())
    if isinstance(v, list):
        return "[%s]" % ",".join(_canon(x) for x in v)
    return json.dumps(v)


def processing_hash(parent, entry):
    """hex(XXH64(parent + "\\n" + canonical entry)) as in mzs(5).  To
    reproduce the numbers "as the tool wrote them", entry should come from
    json.loads with parse_int=_Raw, parse_float=_Raw (see verify_processing);
    other numbers are printed by json.dumps."""
    keys = [k for k in ("tool", "version", "options", "parents") if k in entry]
    canon = "{%s}" % ",".join(_canon(k) + ":" + _canon(entry[k]) for k in keys)
    return "%016x" % xxh64((parent + "\n" + canon).encode("utf-8"))


def _read_block(payload, part, at):
    def bad(msg):
        raise FormatError(at, "BLCK: " + msg)
    L = len(payload)
    if L < 16:
        bad("payload of %d bytes is too short" % L)
    n, c, res = struct.unpack_from("<QII", payload)
    if n == 0:
        bad("row count is 0")
    if c != len(part.schema):
        bad("%d columns, header has %d" % (c, len(part.schema)))
    if res:
        bad("nonzero reserved field")
    if c == 0:
        bad("a part with no columns cannot have rows")
    end = 16 + 24 * c
    view = memoryview(payload)
    if end > L:
        bad("descriptors run past the payload")
    for j, col in enumerate(part.schema):
        d = 16 + 24 * j
        codec = payload[d]
        off, size = struct.unpack_from("<QQ", payload, d + 8)
        w = TYPES[col["type"]][1]
        want = (end + 7) & ~7
        if codec > 2 or any(payload[d + 1:d + 8]):
            bad("column %d: bad codec or reserved bytes" % j)
        if off != want or size > L - off or (codec == 0 and size != n * w):
            bad("column %d: bad offset %d or size %d" % (j, off, size))
        if any(payload[end:off]):
            bad("nonzero bytes before column %d" % j)
        end = off + size
        data = view[off:end]
        if codec:
            data = _zstd_decompress(data, n * w, at)
            if codec == 2:
                data = _unshuffle(data, n, w)
        part._data[j] += data
    if end != L:
        bad("payload has %d bytes after the last column" % (L - end))
    part.nrows += n
    part.nblocks += 1


def _open(src):
    if isinstance(src, (str, os.PathLike)):
        if str(src) == "-":
            return sys.stdin.buffer, False
        return open(src, "rb"), True
    return src, False


def read(src):
    """Iterate over the parts of the mzs stream src: a path, "-" for
    standard input, or a binary file object."""
    f, close = _open(src)
    try:
        yield from _read(_Input(f))
    finally:
        if close:
            f.close()


def _read(inp):
    segment = 0
    while True:
        at = inp.pos
        sig = inp.read(16, "signature", eof_ok=True)
        if not sig:
            if segment == 0:
                raise FormatError(0, "empty input")
            return
        if sig[:8] != SIGNATURE:
            raise FormatError(at, "not an mzs stream (bad signature)")
        major, _minor, res = struct.unpack_from("<HHI", sig, 8)
        if major != 1:
            raise FormatError(at + 8, "unknown major version %d" % major)
        if res:
            raise FormatError(at + 12, "nonzero reserved field in signature")
        nparts, part, hashes = 0, None, b""
        while True:
            at = inp.pos
            frame = inp.read(24, "chunk frame")
            tag, flags, L, cksum = struct.unpack("<4sIQQ", frame)
            name = tag.decode("latin-1")
            if not tag.isalpha():
                raise FormatError(at, "not a chunk (bad tag bytes %r)" % name)
            skip = 0x61 <= tag[0] <= 0x7A
            if not skip and tag not in (b"HEAD", b"BLCK", b"TAIL", b"ENDS"):
                raise FormatError(at, "unknown critical chunk %r" % name)
            if flags:
                raise FormatError(at + 4, "%s: nonzero flags" % name)
            limit = {b"BLCK": MAX_BLCK, b"TAIL": 24, b"ENDS": 8}.get(tag,
                                                                  MAX_SMALL)
            if L > limit or (tag in (b"TAIL", b"ENDS") and L != limit):
                raise FormatError(at + 8, "%s: bad payload length %d"
                                  % (name, L))
            payload = inp.read(L, name + " payload")
            pad = inp.read(-L % 8, name + " padding")
            if xxh64(payload) != cksum:
                raise FormatError(at + 16, "%s: checksum mismatch" % name)
            if any(pad):
                raise FormatError(at + 24 + L, "%s: nonzero padding" % name)
            if skip:
                continue
            if (tag in (b"HEAD", b"ENDS")) == (part is not None):
                raise FormatError(at, "%s chunk %s a part" % (
                    name, "inside" if part is not None else "outside"))
            if tag == b"HEAD":
                h, text = _parse_head(payload, at)
                part = Part(h, text, at, segment)
                hashes = frame[16:24]
            elif tag == b"BLCK":
                _read_block(payload, part, at)
                hashes += frame[16:24]
            elif tag == b"TAIL":
                rows, blocks, phash = struct.unpack("<QQQ", payload)
                if (rows, blocks) != (part.nrows, part.nblocks):
                    raise FormatError(at, "TAIL: %d rows in %d blocks, read "
                                      "%d in %d" % (rows, blocks, part.nrows,
                                                    part.nblocks))
                if phash != xxh64(hashes):
                    raise FormatError(at, "TAIL: part hash mismatch")
                part._finish()
                nparts += 1
                yield part
                part = None
            else:  # ENDS, outside a part
                count = struct.unpack("<Q", payload)[0]
                if count != nparts:
                    raise FormatError(at, "ENDS: %d parts, segment has %d"
                                      % (count, nparts))
                break
        segment += 1


# ------------------------------------------------------------------- CLI
def _fmt(v):
    return repr(float(v)) if isinstance(v, float) else str(v)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    csv = argv[:1] == ["--csv"]
    args = argv[1:] if csv else argv
    if len(args) != 1:
        sys.stderr.write("usage: mzs.py [--csv] FILE|-\n")
        return 2
    out = sys.stdout
    try:
        parts, rows, lines, header = 0, 0, [], None
        for i, p in enumerate(read(args[0])):
            parts, rows = parts + 1, rows + p.nrows
            if csv:
                names = [c["name"] for c in p.schema]
                if names != header:
                    header = names
                    out.write(",".join(["part"] + names) + "\n")
                cols = [c.tolist() for c in p.columns.values()]
                for r in range(p.nrows):
                    out.write(",".join([str(i)] + [_fmt(c[r]) for c in cols])
                              + "\n")
                continue
            cols = ", ".join("%s %s%s" % (c["name"], c["type"],
                             " [%s]" % c["unit"] if "unit" in c else "")
                             for c in p.schema)
            meta = " ".join("%s=%s" % (k, v) for k, v in p.meta.items()
                            if isinstance(v, (str, int, float)))
            lines.append("part %d: %d rows, %d blocks, %d columns: %s%s" % (
                i, p.nrows, p.nblocks, len(p.schema), cols,
                "; " + meta if meta else ""))
        if not csv:
            out.write("parts: %d\nrows: %d\n" % (parts, rows))
            out.write("".join(s + "\n" for s in lines))
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (FormatError, OSError, RuntimeError) as e:
        out.flush()
        sys.stderr.write("mzs: %s: %s\n" % (args[0], e))
        return 1
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
