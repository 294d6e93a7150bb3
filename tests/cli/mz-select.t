#!/bin/sh
# tests: mz-select
# requires: mzgen, mz-info; python3 with numpy for the value checks
# (skipped with a message without it)
. "$(dirname "$0")/lib.sh"

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -c none -o raw.mzs
mzgen -s 2 -i 2 -n 300 -c zstd -o zstd.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -o features.mzs
mzgen -s 1 -i 2 -n 200 -m 5 -c none -o nan.mzs
mzgen -s 1 -i 2 -n 0 -o empty-parts.mzs
mzgen -s 1 -i 1 -n 15000 -c shuffle -o long.mzs

# ref.py: the independent check.  "select IN OUT SPEC" reads both streams
# with share/python/mzs.py; SPEC is a Python expression giving, for each
# input part p (its column names in p.schema), the list of (input name,
# output name) pairs the output part must have, in order.  Values must be
# equal bit for bit (NaN included, tolerance 0); each output column keeps
# its input column's type, unit and other keys; metadata and earlier
# history are unchanged; one mz-select entry is added; processing hashes
# verify.  "codecs FILE" prints the sorted set of block codecs in FILE.
cat > ref.py <<'EOF'
import fnmatch, struct, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import mzs

def codecs(path):
    b = open(path, "rb").read()
    seen, at = set(), 0
    while at < len(b):
        if b[at:at + 4] == b"\x89MZS":
            at += 16
            continue
        tag, n = b[at:at + 4], struct.unpack_from("<Q", b, at + 8)[0]
        if tag == b"BLCK":
            c = struct.unpack_from("<I", b, at + 24 + 8)[0]
            for j in range(c):
                seen.add(b[at + 24 + 16 + 24 * j])
        at += 24 + n + (8 - n % 8) % 8
    return sorted(seen)

def names(p, pats):
    """Column names of p matching any of pats (fnmatchcase), stored order."""
    return [c["name"] for c in p.schema
            if any(fnmatch.fnmatchcase(c["name"], x) for x in pats)]

def check(inp, out, spec):
    want = list(mzs.read(inp))
    got = list(mzs.read(out))
    if len(got) != len(want):
        return "%d parts, want %d" % (len(got), len(want))
    for n, (p, q) in enumerate(zip(want, got)):
        pairs = eval(spec)
        if [c["name"] for c in q.schema] != [b for a, b in pairs]:
            return "part %d: columns %r, want %r" % (
                n, [c["name"] for c in q.schema], [b for a, b in pairs])
        byname = {c["name"]: c for c in p.schema}
        for (a, b), c in zip(pairs, q.schema):
            if dict(byname[a], name=b) != c:
                return "part %d: column %s: %r, want %r" % (n, b, c, byname[a])
            if np.asarray(p.columns[a]).tobytes() != np.asarray(q.columns[b]).tobytes():
                return "part %d: column %s differs from %s" % (n, b, a)
        if q.meta != p.meta or q.nrows != p.nrows:
            return "part %d: metadata or rows differ" % n
        if q.history[:-1] != p.history or q.history[-1]["tool"] != "mz-select":
            return "part %d: history %r" % (n, q.history)
        if not q.verify_processing():
            return "part %d: processing hash" % n
    return "ok"

if sys.argv[2] == "codecs":
    print(codecs(sys.argv[3]))
elif sys.argv[2] == "batch":
    for line in open(sys.argv[3]):
        f = line.rstrip("\n").split("\037")
        try:
            print(check(f[0], f[1], f[2]))
        except Exception as e:
            print("error: %r" % e)
else:
    print(check(sys.argv[3], sys.argv[4], sys.argv[5]))
EOF

# check DESC SPEC IN ARGS...: mz-select ARGS IN > out.mzs; the output is
# kept as cN.mzs (and IN as iN.mzs) and checked by ref.py at the end
# (check_all: one python run for all), or, without python, read by
# mz-info at once.
_nchk=0
: > checks.txt
check() {
	_d=$1 _spec=$2 _in=$3
	shift 3
	if ! mz-select "$@" "$_in" > out.mzs 2> err.txt; then
		_result 1 "$_d"
		sed 's/^/# stderr: /' err.txt
		return
	fi
	if [ -n "$PY" ]; then
		_nchk=$((_nchk + 1))
		cp out.mzs "c$_nchk.mzs"
		cp "$_in" "i$_nchk.mzs"
		printf '%s\037%s\037%s\n' "i$_nchk.mzs" "c$_nchk.mzs" "$_spec" \
		    >> checks.txt
		printf '%s\n' "$_d" >> checks-desc.txt
	else
		t_ok "$_d (mz-info reads it; values not checked: no python3 with numpy)" \
		    mz-info out.mzs
	fi
}

check_all() {
	[ -n "$PY" ] || return 0
	"$PY" ref.py "$TOP/share/python" batch checks.txt > checks-out.txt
	_i=0
	while IFS= read -r _d; do
		_i=$((_i + 1))
		t_is "$_d" ok "$(sed -n "${_i}p" checks-out.txt)"
	done < checks-desc.txt
}

# cols FILE: the column names of each part of FILE, comma-separated, one
# line a part (from mz-info -j, read with python3 when there is one, else
# from the summary's column list of the first schema).
cols() {
	if [ -n "$PY" ]; then
		mz-info -j "$1" | "$PY" -c 'import json, sys
for p in json.load(sys.stdin)["parts"]:
    print(",".join(c["name"] for c in p["columns"]))' | uniq
	else
		mz-info "$1" | sed -n '/^columns:/,/^[a-z]/p' | sed '1d;$d' |
		    tr -d '\n' | sed 's/ \[[^]]*\]//g; s/ [iuf][0-9][0-9]*//g; s/  *//g'
	fi
}

# ------------------------------------------------------------ selection
check "-c names, in the order given" \
    '[(x, x) for x in ["bp1.x", "frame", "time"]]' tracks.mzs -c bp1.x,frame,time
t_is "... the columns" "bp1.x,frame,time" "$(cols out.mzs)"
check "-c globs: matches in stored order" \
    '[(x, x) for x in ["frame", "time", "bp2.x", "bp2.y", "bp2.p", "bp0.p", "bp1.p"]]' \
    tracks.mzs -c 'frame,time,bp2.*,*.p'
t_is "... a column matched twice is kept at its first place" \
    "frame,time,bp2.x,bp2.y,bp2.p,bp0.p,bp1.p" "$(cols out.mzs)"
check "-c 'id,*' moves id to the front" \
    '[("id", "id")] + [(x, x) for x in names(p, ["*"]) if x != "id"]' tracks.mzs -c 'id,*'
check "-c repeated: the lists are joined" \
    '[(x, x) for x in ["bp0.y", "frame", "bp1.x", "bp1.y"]]' tracks.mzs \
    -c bp0.y,frame -c 'bp1.[xy]'
check "--columns, ? glob" '[(x, x) for x in ["bp0.x", "bp1.x", "bp2.x"]]' \
    tracks.mzs --columns 'bp?.x'
check "no options: every column" '[(x, x) for x in names(p, ["*"])]' tracks.mzs
check "-x drops" '[(x, x) for x in names(p, ["*"]) if not x.endswith(".p")]' \
    tracks.mzs -x '*.p'
check "-x with -c, repeated" '[(x, x) for x in ["frame", "bp0.x", "bp2.x"]]' \
    tracks.mzs -c 'frame,*.x' -x bp1.x --drop id
check "-r renames" '[("frame", "f"), ("bp0.x", "nose.x"), ("bp0.y", "nose.y")]' \
    tracks.mzs -c frame,bp0.x,bp0.y -r frame=f,bp0.x=nose.x --rename bp0.y=nose.y
check "-r a=b,b=a swaps" \
    '[("frame", "frame"), ("bp0.x", "bp0.y"), ("bp0.y", "bp0.x")]' tracks.mzs \
    -c frame,bp0.x,bp0.y -r bp0.x=bp0.y,bp0.y=bp0.x
check "-r without -c renames within all columns" \
    '[(x, "t" if x == "time" else x) for x in names(p, ["*"])]' tracks.mzs -r time=t
check "escapes: a comma and an equals sign in a name" \
    '[("frame", "a,b=c"), ("time", "time")]' tracks.mzs -c frame,time -r 'frame=a\,b\=c'
mv out.mzs comma.mzs
check "escapes: selecting a name with a comma" '[("a,b=c", "a,b=c")]' comma.mzs -c 'a\,b=c'
check "escapes: a literal star" '[("a*", "a*")]' \
    "$(mz-select -c frame -r 'frame=a\*' -o star.mzs tracks.mzs; echo star.mzs)" -c 'a\*'
check "units and types are kept, renamed or not" \
    '[("bp0.x", "X"), ("id", "id"), ("time", "T")]' tracks.mzs -c bp0.x,id,time -r bp0.x=X,time=T
t_like "... the unit shows in mz-info" 'X f64 \[px\], id i32, T f64 \[s\]' "$(mz-info out.mzs)"

# ---------------------------------------------------------- kinds of input
check "NaN values are kept" '[(x, x) for x in names(p, ["bp*.x"])]' nan.mzs -c 'bp*.x'
check "compressed (zstd) input" '[(x, x) for x in ["bp2.y", "frame"]]' zstd.mzs -c bp2.y,frame
check "several blocks" '[(x, x) for x in ["frame", "bp0.p"]]' long.mzs -c frame,bp0.p
check "zero-row parts stay zero-row parts" '[("frame", "frame")]' empty-parts.mzs -c frame
t_like "... 2 parts" '^parts: +2$' "$(mz-info out.mzs)"
cat tracks.mzs features.mzs > both.mzs
check "several parts of two schemas" '[(x, x) for x in ["frame"] + names(p, ["bp1.*"])]' \
    both.mzs -c 'frame,bp1.*'
check "--ignore-missing: patterns a part lacks are skipped" \
    '[(x, x) for x in ["frame"] + names(p, ["bp2.*"])]' both.mzs \
    --ignore-missing -c 'frame,bp2.*' -x bp9.x -r bp9.y=z
[ -n "$PY" ] && t_is "... the parts without bp2 keep frame only" \
    "frame,bp2.x,bp2.y,bp2.p
frame" "$(cols out.mzs)"
mz-select -c 'frame,bp1.*' tracks.mzs features.mzs > two.mzs
mz-select -c 'frame,bp1.*' both.mzs > one.mzs
t_is "two files: the same stream as their concatenation" "$(cksum < one.mzs)" "$(cksum < two.mzs)"
mz-select -c frame,time < tracks.mzs > stdin.mzs
mz-select -c frame,time tracks.mzs > file.mzs
t_is "standard input when no file is given" "$(cksum < file.mzs)" "$(cksum < stdin.mzs)"
cat tracks.mzs | mz-select -c frame,time - > dash.mzs
t_is "'-' is standard input" "$(cksum < file.mzs)" "$(cksum < dash.mzs)"
t_ok "-q is accepted" sh -c 'mz-select -q tracks.mzs > /dev/null'

# A part with no columns (and so no rows) is valid: kept as it is without
# -c, an error when a pattern asks for a column.
if [ -n "$PY" ]; then
	"$PY" - "$TOP/share/python" <<'EOF2'
import struct, sys
sys.path.insert(0, sys.argv[1])
from mzs import xxh64
def chunk(tag, p):
    return tag + struct.pack("<IQQ", 0, len(p), xxh64(p)) + p + b"\0" * ((8 - len(p) % 8) % 8)
head = b'{"columns":[],"meta":{"sequence":"s0"}}'
out = b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0) + chunk(b"HEAD", head)
out += chunk(b"TAIL", struct.pack("<QQQ", 0, 0, xxh64(struct.pack("<Q", xxh64(head)))))
out += chunk(b"ENDS", struct.pack("<Q", 1))
open("nocols.mzs", "wb").write(out)
EOF2
	t_like "a part with no columns passes through" '^columns: +0$' \
	    "$(mz-select nocols.mzs | mz-info)"
	t_fails "... and -c frame on it fails" 1 \
	    "^mz-select: nocols\.mzs: part 0: no column matches 'frame'" \
	    mz-select -c frame -o never.mzs nocols.mzs
else
	echo "# no python3 with numpy: the part without columns is skipped"
fi

# ----------------------------------------------------------------- codecs
if [ -n "$PY" ]; then
	codecs() { "$PY" ref.py "$TOP/share/python" codecs "$1"; }
	mz-select -c 'bp*' -o c.mzs raw.mzs
	t_is "the default codec follows the input: raw to a file stays raw" "[0]" "$(codecs c.mzs)"
	mz-select -c 'bp*' zstd.mzs | cat > c.mzs
	t_like "... zstd to a pipe stays zstd" '^\[(0, )?1\]$' "$(codecs c.mzs)"
	mz-select -c 'bp*' long.mzs | cat > c.mzs
	t_like "... shuffle to a pipe stays shuffle" '^\[(0, )?2\]$' "$(codecs c.mzs)"
	mz-select --codec none -c 'bp*' -o c.mzs long.mzs
	t_is "--codec none" "[0]" "$(codecs c.mzs)"
	mz-select --codec zstd -c 'bp*' -o c.mzs raw.mzs
	t_like "--codec zstd" '^\[(0, )?1\]$' "$(codecs c.mzs)"
	check "--codec: the same values" '[(x, x) for x in names(p, ["bp*"])]' long.mzs \
	    --codec none -c 'bp*'
fi

# ------------------------------------------------------------- provenance
t_like "history: the canonical options" \
    '"options":\{"columns":\["frame","bp\*"\],"drop":\["bp1\.p"\],"rename":\{"frame":"f"\},"ignore_missing":false\}' \
    "$(mz-select -c frame,'bp*' -x bp1.p -r frame=f tracks.mzs | mz-info -j)"
t_like "history: no -c is null" \
    '"options":\{"columns":null,"drop":\["id"\],"rename":\{\},"ignore_missing":true\}' \
    "$(mz-select -x id --ignore-missing tracks.mzs | mz-info -j)"
a=$(mz-select -c frame tracks.mzs | mz-info -j | grep -o '"processing":"[0-9a-f]*"' | sort -u)
b=$(mz-select -c frame --codec none tracks.mzs | mz-info -j | grep -o '"processing":"[0-9a-f]*"' | sort -u)
c=$(mz-select -c time tracks.mzs | mz-info -j | grep -o '"processing":"[0-9a-f]*"' | sort -u)
t_is "the codec does not change the processing hash" "$a" "$b"
t_ok "another selection changes it" test "$a" != "$c"

# ----------------------------------------------------------------- errors
t_fails "a -c name matching nothing names the file, part and name" 1 \
    "^mz-select: tracks\.mzs: part 0: no column matches 'nose\.\*'" \
    mz-select -c 'frame,nose.*' -o never.mzs tracks.mzs
t_ok "... no output file" test ! -e never.mzs
t_fails "... in a later part of another schema" 1 \
    "^mz-select: features\.mzs: part 0: no column matches 'bp2\.x'" \
    mz-select -c bp2.x -o never.mzs tracks.mzs features.mzs
t_fails "... on standard input, counting its parts" 1 \
    "^mz-select: <stdin>: part 4: no column matches 'bp2\.x'" \
    sh -c 'mz-select -c bp2.x < both.mzs > /dev/null'
t_fails "a -x pattern matching nothing" 1 \
    "^mz-select: tracks\.mzs: part 0: no column matches 'speed' \(-x\)" \
    mz-select -x speed -o never.mzs tracks.mzs
t_fails "renaming a column not selected" 1 \
    "^mz-select: tracks\.mzs: part 0: no selected column 'time' to rename" \
    mz-select -c frame -r time=t -o never.mzs tracks.mzs
t_fails "a rename onto a selected name" 1 \
    "^mz-select: tracks\.mzs: part 0: duplicate output column 'time' \(from 'frame' and 'time'\)" \
    mz-select -c frame,time -r frame=time -o never.mzs tracks.mzs
t_ok "a rename onto a name not selected is fine" \
    sh -c 'mz-select -c frame -r frame=time tracks.mzs > /dev/null'
t_fails "dropping everything" 1 "^mz-select: tracks\.mzs: part 0: no columns selected" \
    mz-select -x '*' -o never.mzs tracks.mzs
t_fails "--ignore-missing leaving nothing" 1 "^mz-select: tracks\.mzs: part 0: no columns selected" \
    mz-select --ignore-missing -c nothing -o never.mzs tracks.mzs
t_fails "-r without =" 2 "^mz-select: bad rename 'frame': expected old=new" \
    mz-select -r frame -o never.mzs tracks.mzs
t_fails "-r with an empty name" 2 "^mz-select: bad rename 'frame=': empty column name" \
    mz-select -r frame= -o never.mzs tracks.mzs
t_fails "-r renaming a column twice" 2 "^mz-select: column 'frame' renamed twice" \
    mz-select -r frame=a -r frame=b -o never.mzs tracks.mzs
for l in 'a,,b' ',a' 'a,' ''; do
	t_fails "-c '$l': an empty name" 2 "^mz-select: empty column name in -c" \
	    mz-select -c "$l" -o never.mzs tracks.mzs
done
t_fails "-x ''" 2 "^mz-select: empty column name in -x" mz-select -x '' -o never.mzs tracks.mzs
t_fails "--codec bad" 2 "^mz-select: bad compression 'lz4'" \
    mz-select --codec lz4 -o never.mzs tracks.mzs
t_fails "unknown option" 2 '^usage: mz-select' mz-select -z tracks.mzs
t_fails "-c without a value" 2 '^usage: mz-select' mz-select -o never.mzs -c

size=$(wc -c < raw.mzs)
head -c $((size - 100)) raw.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-select: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-select -c frame -o never.mzs trunc.mzs
t_fails "truncated stream on standard input" 1 '^mz-select: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-select -c frame < trunc.mzs > /dev/null'
cp raw.mzs corrupt.mzs
_b=$(od -An -tu1 -j 20000 -N1 corrupt.mzs | tr -d ' ')
printf "$(printf '\\%03o' $(((_b + 1) % 256)))" |
    dd of=corrupt.mzs bs=1 seek=20000 conv=notrunc 2>/dev/null
t_fails "a corrupt byte in a column not selected is still detected" 1 \
    '^mz-select: corrupt\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-select -c frame -o never.mzs corrupt.mzs
: > empty.mzs
t_fails "empty input" 1 '^mz-select: empty\.mzs: byte 0: empty input' \
    mz-select -o never.mzs empty.mzs
t_fails "not a stream" 1 '^mz-select: text\.txt: byte 0: not an mzs stream' \
    sh -c 'echo hello > text.txt; mz-select -o never.mzs text.txt'
t_fails "nonexistent file" 1 '^mz-select: nonexistent\.mzs: No such file' \
    mz-select -o never.mzs tracks.mzs nonexistent.mzs
t_ok "failed runs left no output file" test ! -e never.mzs
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never\.mzs\.')"
t_fails "-o /dev/full" 1 '^mz-select: /dev/full: No space left' \
    mz-select -o /dev/full tracks.mzs
t_fails "standard output on /dev/full" 1 '^mz-select: <stdout>: No space left' \
    sh -c 'mz-select -c frame tracks.mzs > /dev/full'
if command -v script > /dev/null 2>&1; then
	t_fails "refuses to write to a terminal" 1 'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-select tracks.mzs" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
	t_ok "-f writes to a terminal" \
	    sh -c 'script -qec "mz-select -f -c id empty-parts.mzs" /dev/null > /dev/null'
else
	echo "# script absent: terminal cases skipped"
fi

# The value checks of every check above, against numpy.
check_all

# ---------------------------------------------------------- usage, version
t_ok "--help" mz-select --help
t_is "--help prints the synopsis" \
    "usage: mz-select [-fq] [-c columns] [-r old=new,...] [-x columns] [--codec codec] [--ignore-missing] [-o file] [file ...]" \
    "$(cat "$T/.out")"
t_ok "--version" mz-select --version
t_is "--version prints the version" "mz-select 0.1.0" "$(cat "$T/.out")"
t_done
