#!/bin/sh
# tests: mz-filter
# requires: mzgen, mz-info, mz-select (to make odd column names); python3
# with numpy for the value checks (skipped with a message without it)
. "$(dirname "$0")/lib.sh"

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -c none -o raw.mzs
mzgen -s 2 -i 2 -n 300 -c zstd -o zstd.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -o features.mzs
mzgen -s 2 -i 2 -n 300 -m 7 -c none -o nan.mzs
mzgen -s 1 -i 2 -n 0 -o empty-parts.mzs
mzgen -s 1 -i 1 -n 15000 -c shuffle -o long.mzs

# ref.py: the independent computation.  "filter IN OUT MASK PARTS" reads
# both streams with share/python/mzs.py and checks that OUT holds exactly
# the parts of IN for which the Python expression PARTS (of m, the part's
# metadata, and i, its index) is true, each with exactly the rows where
# the numpy expression MASK (of c, the columns as float64, and np) is
# true: values bit for bit (NaN included, tolerance 0), columns, metadata
# and earlier history unchanged, one mz-filter history entry added.  With
# a 5th argument "drop-empty", parts that keep no rows must be absent.
# "codecs FILE" prints the sorted set of block codecs stored in FILE.
cat > ref.py <<'EOF'
import struct, sys
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
        tag, _, n = b[at:at + 4], b[at + 4:at + 8], struct.unpack_from("<Q", b, at + 8)[0]
        if tag == b"BLCK":
            c = struct.unpack_from("<I", b, at + 24 + 8)[0]
            for j in range(c):
                seen.add(b[at + 24 + 16 + 24 * j])
        at += 24 + n + (8 - n % 8) % 8
    return sorted(seen)

def check(inp, out, mask, parts, drop_empty):
    want = []
    for i, p in enumerate(mzs.read(inp)):
        m = p.meta
        if not eval(parts):
            continue
        c = {k: np.asarray(v, dtype=np.float64) for k, v in p.columns.items()}
        k = np.ones(p.nrows, bool) & eval(mask)
        if drop_empty and not k.any():
            continue
        want.append((p, k))
    got = list(mzs.read(out))
    if len(got) != len(want):
        return "%d parts, want %d" % (len(got), len(want))
    for n, ((p, k), q) in enumerate(zip(want, got)):
        if q.schema != p.schema or q.meta != p.meta:
            return "part %d: columns or metadata differ" % n
        if q.history[:-1] != p.history or q.history[-1]["tool"] != "mz-filter":
            return "part %d: history %r" % (n, q.history)
        if q.nrows != int(k.sum()):
            return "part %d: %d rows, want %d" % (n, q.nrows, k.sum())
        for name, a in p.columns.items():
            if np.asarray(a)[k].tobytes() != np.asarray(q.columns[name]).tobytes():
                return "part %d: column %s differs" % (n, name)
        if not q.verify_processing():
            return "part %d: processing hash" % n
    return "ok"

if sys.argv[2] == "codecs":
    print(codecs(sys.argv[3]))
elif sys.argv[2] == "batch":
    for line in open(sys.argv[3]):
        f = line.rstrip("\n").split("\037")
        try:
            print(check(f[0], f[1], f[2], f[3], f[4] != ""))
        except Exception as e:
            print("error: %r" % e)
else:
    print(check(sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6],
                len(sys.argv) > 7))
EOF

# check DESC MASK PARTS ARGS...: mz-filter ARGS > out.mzs; the output is
# kept as cN.mzs and checked by ref.py at the end (check_all: one python
# run for all of them), or, without python, read by mz-info at once.
_nchk=0
: > checks.txt
check() {
	_d=$1 _mask=$2 _parts=$3
	shift 3
	if ! mz-filter "$@" > out.mzs 2> err.txt; then
		_result 1 "$_d"
		sed 's/^/# stderr: /' err.txt
		return
	fi
	if [ -n "$PY" ]; then
		_in=$(for a in "$@"; do :; done; echo "$a")
		_nchk=$((_nchk + 1))
		cp out.mzs "c$_nchk.mzs"
		printf '%s\037%s\037%s\037%s\037%s\n' "$_in" "c$_nchk.mzs" \
		    "$_mask" "$_parts" "$CHECK_EXTRA" >> checks.txt
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
CHECK_EXTRA=

# rows DESC WANT FILE: the total rows of FILE.
rows() {
	t_like "$1" "^rows: +$2\$" "$(mz-info "$3")"
}

# ------------------------------------------------------------ comparisons
check "-e col > number" 'c["bp0.p"] > 0.5' True -e 'bp0.p > 0.5' tracks.mzs
check "-e with no blanks, >=" 'c["bp0.p"] >= 0.5' True -e 'bp0.p>=0.5' tracks.mzs
check "-e number < col (flipped)" 'c["bp0.x"] > 120' True -e '120 < bp0.x' tracks.mzs
check "-e <= and ==, !=" '(c["bp1.p"] <= 0.3) & (c["id"] == 1) & (c["bp2.p"] != 0.25)' True \
    -e 'bp1.p <= 0.3' -e 'id == 1' -e 'bp2.p != 0.25' tracks.mzs
check "-e column against column" 'c["bp0.x"] > c["bp1.x"]' True -e 'bp0.x > bp1.x' tracks.mzs
check "-e chained range" '(0.2 <= c["bp0.p"]) & (c["bp0.p"] < 0.4)' True \
    -e '0.2 <= bp0.p < 0.4' tracks.mzs
check "-e exponent and negative literals" '(c["bp0.y"] > 1e2) & (c["frame"] > -1)' True \
    -e 'bp0.y > 1e2' -e 'frame > -1' tracks.mzs
check "-e inf" 'c["bp0.x"] < np.inf' True -e 'bp0.x < inf' nan.mzs
check "--or" '(c["bp0.x"] < 60) | (c["bp0.x"] > 140)' True \
    --or -e 'bp0.x < 60' -e 'bp0.x > 140' tracks.mzs
check "--or with a range: the range applies to every row" \
    '((c["bp0.p"] < 0.1) | (c["bp1.p"] < 0.1)) & (c["frame"] < 100)' True \
    --or -e 'bp0.p < 0.1' -e 'bp1.p < 0.1' --frames :100 tracks.mzs
check "compressed (zstd) input" 'c["bp2.y"] < 70' True -e 'bp2.y < 70' zstd.mzs
check "several blocks (15000 rows, shuffle)" \
    'c["bp0.p"] > 0.3' True -e 'bp0.p > 0.3' long.mzs
check "several blocks: frames across the block boundary" \
    '(c["frame"] >= 4000) & (c["frame"] < 14000)' True --frames 4000:14000 long.mzs

# -------------------------------------------------------------------- NaN
check "NaN: > is false with NaN" 'c["bp0.x"] > 100' True -e 'bp0.x > 100' nan.mzs
check "NaN: != is true with NaN" 'c["bp0.x"] != 100' True -e 'bp0.x != 100' nan.mzs
check "isnan()" 'np.isnan(c["bp1.y"])' True -e 'isnan(bp1.y)' nan.mzs
check "!isnan()" '~np.isnan(c["bp1.y"])' True -e '!isnan( bp1.y )' nan.mzs
check "--drop-nan with globs" \
    '~np.isnan(c["bp0.x"]) & ~np.isnan(c["bp1.x"]) & ~np.isnan(c["bp2.x"])' True \
    --drop-nan 'bp*.x' nan.mzs
check "--drop-nan on an integer column drops nothing" 'c["frame"] >= 0' True \
    --drop-nan frame nan.mzs
if [ -n "$PY" ]; then
	t_is "NaN: the test data has NaN rows" "True" "$("$PY" -c '
import sys; sys.path.insert(0, sys.argv[1]); import mzs, numpy as np
print(all(np.isnan(p.columns["bp0.x"]).sum() > 0 for p in mzs.read("nan.mzs")))' "$TOP/share/python")"
fi

# ---------------------------------------------------------------- ranges
check "--frames 10:20 is half-open" '(c["frame"] >= 10) & (c["frame"] < 20)' True \
    --frames 10:20 tracks.mzs
rows "--frames 10:20: 10 rows in each of 4 parts" 40 out.mzs
check "--frames 0:300 keeps whole parts" 'c["frame"] >= 0' True --frames 0:300 raw.mzs
check "--frames 299: keeps the last row" 'c["frame"] == 299' True --frames 299: tracks.mzs
check "--frames :1 keeps the first row" 'c["frame"] == 0' True --frames :1 tracks.mzs
check "--frames 300: keeps zero-row parts" 'c["frame"] < 0' True --frames 300: tracks.mzs
t_like "... 4 parts of 0 rows" '^parts: +4$' "$(mz-info out.mzs)"
check "--frames 7:7 is empty" 'c["frame"] < 0' True --frames 7:7 tracks.mzs
CHECK_EXTRA=drop-empty
check "--drop-empty drops them" 'c["frame"] < 0' True --drop-empty --frames 300: tracks.mzs
t_like "... no parts" '^parts: +0$' "$(mz-info out.mzs)"
check "--drop-empty keeps parts with rows" 'c["id"] == 1' True --drop-empty -e 'id == 1' tracks.mzs
t_like "... 2 parts" '^parts: +2$' "$(mz-info out.mzs)"
CHECK_EXTRA=
check "--time 0:1 is half-open (frame 30 is t = 1 s)" '(c["time"] >= 0) & (c["time"] < 1)' True \
    --time 0:1 tracks.mzs
rows "--time 0:1: 30 rows of each part" 120 out.mzs
check "--time 9.5:" 'c["time"] >= 9.5' True --time 9.5: tracks.mzs
check "--time with -e" '(c["time"] < 2.5) & (c["bp0.p"] > 0.5)' True \
    --time :2.5 -e 'bp0.p > 0.5' tracks.mzs

# ----------------------------------------------------------------- parts
check "--group" 'True' 'm["group"] == "treated"' --group treated tracks.mzs
check "--sequence glob" 'True' 'm["sequence"].startswith("seq")' --sequence 'seq*' tracks.mzs
check "--individual repeated: any matches" 'True' 'm["individual"] in ("mouse1", "mouse0")' \
    --individual mouse1 --individual 'mouse[0]' tracks.mzs
check "--group and --individual: both must match" 'True' \
    'm["group"] == "control" and m["individual"] == "mouse1"' \
    --group control --individual mouse1 tracks.mzs
check "--part 0,3" 'True' 'i in (0, 3)' --part 0,3 tracks.mzs
check "--part repeated, and rows" 'c["frame"] < 5' 'i in (1, 2)' --part 1 --part 2 --frames :5 tracks.mzs
check "no part matches: an empty stream" 'True' 'False' --group nobody tracks.mzs
t_like "... with no parts" '^parts: +0$' "$(mz-info out.mzs)"
cat tracks.mzs features.mzs > both.mzs
check "--part counts across the parts of all inputs" 'True' 'i in (3, 4)' --part 3,4 both.mzs
mz-filter --part 3,4 tracks.mzs features.mzs > two.mzs
t_is "--part across two files: the same stream as from their concatenation" \
    "$(cksum < out.mzs)" "$(cksum < two.mzs)"

# A part without a group key, and one whose individual is a number: an
# absent or non-string key never matches, not even '*'.
if [ -n "$PY" ]; then
	"$PY" - "$TOP/share/python" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[1])
from mzs import xxh64
def chunk(tag, p):
    return tag + struct.pack("<IQQ", 0, len(p), xxh64(p)) + p + b"\0" * ((8 - len(p) % 8) % 8)
out = b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0)
for meta in ('{"sequence":"s0"}', '{"group":"g","individual":5}'):
    head = ('{"columns":[{"name":"frame","type":"i64"}],"meta":%s}' % meta).encode()
    out += chunk(b"HEAD", head)
    out += chunk(b"TAIL", struct.pack("<QQQ", 0, 0, xxh64(struct.pack("<Q", xxh64(head)))))
out += chunk(b"ENDS", struct.pack("<Q", 2))
open("nokey.mzs", "wb").write(out)
EOF
	t_like "absent group: '*' does not match it" '^parts: +1$' \
	    "$(mz-filter --group '*' nokey.mzs | mz-info)"
	t_like "a number as individual: '*' does not match it" '^parts: +0$' \
	    "$(mz-filter --individual '*' nokey.mzs | mz-info)"
	t_like "--sequence s0 matches the part that has it" '^parts: +1$' \
	    "$(mz-filter --sequence s0 nokey.mzs | mz-info)"
else
	echo "# no python3 with numpy: absent-key cases skipped"
fi

# -------------------------------------------------- inputs, outputs, codecs
mz-filter -e 'bp0.p > 0.5' tracks.mzs > file.mzs
mz-filter -e 'bp0.p > 0.5' < tracks.mzs > stdin.mzs
t_is "standard input when no file is given" "$(cksum < file.mzs)" "$(cksum < stdin.mzs)"
cat tracks.mzs | mz-filter -e 'bp0.p > 0.5' - > dash.mzs
t_is "'-' is standard input" "$(cksum < file.mzs)" "$(cksum < dash.mzs)"
t_is "-o FILE: the same stream as standard output" "$(cksum < file.mzs)" \
    "$(mz-filter -o o.mzs -e 'bp0.p > 0.5' tracks.mzs; cksum < o.mzs)"
check "zero-row input parts stay zero-row parts" 'c["frame"] >= 0' True -e 'bp0.p > 0.5' empty-parts.mzs
t_like "... 2 parts" '^parts: +2$' "$(mz-info out.mzs)"
check "two inputs of different schemas" 'c["bp1.p"] > 0.5' True -e 'bp1.p > 0.5' both.mzs
t_ok "-q is accepted" sh -c 'mz-filter -q tracks.mzs > /dev/null'

# blocks FILE: cksum of every part's bytes from its first BLCK to its TAIL.
blocks() {
	grep -obUa 'HEAD\|BLCK\|TAIL' "$1" | awk -F: '
		$2 == "HEAD" { s = -1 }
		$2 == "BLCK" && s < 0 { s = $1 }
		$2 == "TAIL" && s >= 0 { print s, $1 - s; s = -1 }' |
	while read -r off len; do
		tail -c +$((off + 1)) "$1" | head -c "$len"
	done | cksum
}
mz-filter -e 'frame >= 0' long.mzs > kept.mzs
t_is "blocks kept whole are copied as stored" "$(blocks long.mzs)" "$(blocks kept.mzs)"
mz-filter -c shuffle -e 'frame >= 0' -o kept2.mzs long.mzs
t_is "... also with -c naming their codec" "$(blocks long.mzs)" "$(blocks kept2.mzs)"
if [ -n "$PY" ]; then
	t_is "the default codec follows the input: raw" "[0]" \
	    "$(mz-filter -e 'bp0.p > 0.5' -o c.mzs raw.mzs; "$PY" ref.py "$TOP/share/python" codecs c.mzs)"
	t_is "the default codec follows the input: zstd" "[1]" \
	    "$(mz-filter -e 'bp0.p > 0.5' zstd.mzs | cat > c.mzs; "$PY" ref.py "$TOP/share/python" codecs c.mzs)"
	t_is "-c none recodes" "[0]" \
	    "$(mz-filter -c none -e 'frame >= 0' -o c.mzs long.mzs; "$PY" ref.py "$TOP/share/python" codecs c.mzs)"
	t_like "-c zstd recodes (columns it does not shrink stay raw)" '^\[(0, )?1\]$' \
	    "$(mz-filter -c zstd -e 'frame < 100' -o c.mzs raw.mzs; "$PY" ref.py "$TOP/share/python" codecs c.mzs)"
	check "-c none: the same rows" 'c["bp0.p"] > 0.5' True -c none -e 'bp0.p > 0.5' long.mzs
fi

# ------------------------------------------------------------- provenance
mz-info -j file.mzs > h.json
if [ -n "$PY" ]; then
	t_is "history: the canonical options" \
	    '{"expr": ["bp0.p > 0.5"], "or": false, "drop_nan": [], "frames": null, "time": null, "group": [], "sequence": [], "individual": [], "parts": [], "drop_empty": false}' \
	    "$("$PY" -c 'import json; d = json.load(open("h.json"))
print(json.dumps(d["parts"][0]["history"][-1]["options"]))')"
fi
t_like "history: ranges with an open bound, parts" \
    '"frames":\[10,null\],"time":\[null,2\.5\],.*"parts":\[1\]' \
    "$(mz-filter --frames 10: --time :2.5 --part 1 tracks.mzs | mz-info -j)"
a=$(mz-filter -e 'bp0.p>=.5' -e '"bp1.x"<1E2' tracks.mzs | mz-info -j | grep -o '"processing":"[0-9a-f]*"' | sort -u)
b=$(mz-filter -e 'bp0.p >= 0.5' -e 'bp1.x < 100' tracks.mzs | mz-info -j | grep -o '"processing":"[0-9a-f]*"' | sort -u)
t_is "two spellings of one filter: the same processing hashes" "$a" "$b"
c=$(mz-filter -e 'bp0.p >= 0.6' tracks.mzs | mz-info -j | grep -o '"processing":"[0-9a-f]*"' | sort -u)
t_ok "a different filter: different hashes" test "$a" != "$c"
t_like "canonical spelling in the history" '"expr":\["bp0.p >= 0.5","bp1.x < 100"\]' \
    "$(mz-filter -e 'bp0.p>=.5' -e '"bp1.x"<1E2' tracks.mzs | mz-info -j)"

# Odd names: quoted in expressions.
mz-select -r 'bp0.x=speed (cm/s),bp0.y=1e3,bp0.p=a"b' -o odd.mzs tracks.mzs
check "a quoted name with blanks and parentheses" 'c["speed (cm/s)"] > 120' True \
    -e '"speed (cm/s)" > 120' odd.mzs
check "a quoted name that reads as a number" 'c["1e3"] < 60' True -e '"1e3" < 60' odd.mzs
check "a quote inside a quoted name" 'c["a\"b"] == 0.5' True -e '"a\"b" == 0.5' odd.mzs
t_like "odd names are quoted in the history" \
    '"expr":\["\\"speed \(cm/s\)\\" > 120","\\"1e3\\" < 60"\]' \
    "$(mz-filter -e '"speed (cm/s)" > 120' -e '"1e3"<60' odd.mzs | mz-info -j)"

# ----------------------------------------------------------- missing columns
t_fails "a missing column names the file, part and column" 1 \
    "^mz-filter: tracks\.mzs: part 0: no column 'speed' \(in -e 'speed > 2'\)" \
    mz-filter -e 'speed > 2' -o never.mzs tracks.mzs
t_ok "... no output file" test ! -e never.mzs
t_fails "a column missing only in a later input's parts" 1 \
    "^mz-filter: features\.mzs: part 0: no column 'bp2\.x'" \
    mz-filter -e 'bp2.x > 0' -o never.mzs tracks.mzs features.mzs
t_fails "... on standard input" 1 "^mz-filter: <stdin>: part 4: no column 'bp2\.x'" \
    sh -c "mz-filter -e 'bp2.x > 0' < both.mzs > /dev/null"
t_ok "a column missing in parts left out by the part filters is no error" \
    sh -c "mz-filter --part 0,1 -e 'bp2.x > 0' both.mzs > /dev/null"
mz-select -x frame -o noframe.mzs tracks.mzs
t_fails "--frames without a frame column" 1 \
    "^mz-filter: noframe\.mzs: part 0: no column 'frame' \(for --frames\)" \
    mz-filter --frames 1:2 -o never.mzs noframe.mzs
mz-select -x time -o notime.mzs tracks.mzs
t_fails "--time without a time column" 1 \
    "^mz-filter: notime\.mzs: part 0: no column 'time' \(for --time\)" \
    mz-filter --time 1:2 -o never.mzs notime.mzs
t_fails "--drop-nan pattern matching nothing" 1 \
    "^mz-filter: tracks\.mzs: part 0: no column matches 'nose\.\*' \(for --drop-nan\)" \
    mz-filter --drop-nan 'nose.*' -o never.mzs tracks.mzs
t_fails "isnan() of a missing column" 1 "^mz-filter: tracks\.mzs: part 0: no column 'bp9\.x'" \
    mz-filter -e 'isnan(bp9.x)' -o never.mzs tracks.mzs

# ------------------------------------------------------- bad expressions
for e in '' 'bp0.x' 'bp0.x >' '> 1' 'bp0.x ~ 1' 'bp0.x >> 1' '1 < 2' \
    'bp0.x > nan' 'isnan(bp0.x' 'isnan()' 'isnan(bp0.x) > 1' '!bp0.x > 1' \
    '"bp0.x > 1' '"" > 1' 'bp0.x = 1' 'bp0.x > 1 <'; do
	t_fails "bad expression '$e'" 2 "^mz-filter: bad expression '" \
	    mz-filter -e "$e" -o never.mzs tracks.mzs
done
t_fails "the message says what was expected" 2 \
    "^mz-filter: bad expression 'bp0\.x >': expected a column or a number after '>' at offset 7" \
    mz-filter -e 'bp0.x >' -o never.mzs tracks.mzs
t_fails "nan is refused with a hint" 2 "use isnan\(column\)" \
    mz-filter -e 'bp0.x == nan' -o never.mzs tracks.mzs
for r in 5 a:b 10:5 1:2:3 1.5:3; do
	t_fails "--frames '$r'" 2 "^mz-filter: bad frame range '$r'" \
	    mz-filter --frames "$r" -o never.mzs tracks.mzs
done
for r in 1 x: 3:1 :inf nan:; do
	t_fails "--time '$r'" 2 "^mz-filter: bad time range '$r'" \
	    mz-filter --time "$r" -o never.mzs tracks.mzs
done
for r in x -1 '1,' ',1'; do
	t_fails "--part '$r'" 2 "^mz-filter: bad part" \
	    mz-filter --part "$r" -o never.mzs tracks.mzs
done
t_fails "--drop-nan with an empty name" 2 "^mz-filter: empty column name" \
    mz-filter --drop-nan 'a,,b' -o never.mzs tracks.mzs
t_fails "-c bad" 2 "^mz-filter: bad compression 'lz4'" mz-filter -c lz4 -o never.mzs tracks.mzs
t_fails "unknown option" 2 '^usage: mz-filter' mz-filter -x tracks.mzs
t_fails "-e without a value" 2 '^usage: mz-filter' mz-filter -o never.mzs -e

# ------------------------------------------------------------- bad input
size=$(wc -c < raw.mzs)
head -c $((size - 100)) raw.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-filter: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-filter -e 'bp0.p > 0.5' -o never.mzs trunc.mzs
t_fails "truncated stream on standard input" 1 '^mz-filter: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-filter --frames 0:1 < trunc.mzs > /dev/null'
t_fails "truncated in a part left out by --part: still verified" 1 \
    '^mz-filter: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-filter --part 0 -o never.mzs trunc.mzs
cp raw.mzs corrupt.mzs
_b=$(od -An -tu1 -j 20000 -N1 corrupt.mzs | tr -d ' ')
printf "$(printf '\\%03o' $(((_b + 1) % 256)))" |
    dd of=corrupt.mzs bs=1 seek=20000 conv=notrunc 2>/dev/null
t_fails "a corrupt byte" 1 '^mz-filter: corrupt\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-filter -e 'bp0.p > 0.5' -o never.mzs corrupt.mzs
: > empty.mzs
t_fails "empty input" 1 '^mz-filter: empty\.mzs: byte 0: empty input' \
    mz-filter -o never.mzs empty.mzs
t_fails "nonexistent file" 1 '^mz-filter: nonexistent\.mzs: No such file' \
    mz-filter -o never.mzs tracks.mzs nonexistent.mzs
t_ok "failed runs left no output file" test ! -e never.mzs
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never\.mzs\.')"
t_fails "-o /dev/full" 1 '^mz-filter: /dev/full: No space left' \
    mz-filter -o /dev/full tracks.mzs
t_fails "standard output on /dev/full" 1 '^mz-filter: <stdout>: No space left' \
    sh -c 'mz-filter -e "bp0.p > 0.5" tracks.mzs > /dev/full'
if command -v script > /dev/null 2>&1; then
	t_fails "refuses to write to a terminal" 1 'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-filter tracks.mzs" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
	t_ok "-f writes to a terminal" \
	    sh -c 'script -qec "mz-filter -f --frames :1 tracks.mzs" /dev/null > /dev/null'
else
	echo "# script absent: terminal cases skipped"
fi

# The value checks of every check above, against numpy.
check_all

# ---------------------------------------------------------- usage, version
t_ok "--help" mz-filter --help
t_like "--help prints the synopsis" \
    '^usage: mz-filter \[-fq\] \[-c codec\] \[-e expr\] \[--or\]' "$(cat "$T/.out")"
t_ok "--version" mz-filter --version
t_is "--version prints the version" "mz-filter 0.1.0" "$(cat "$T/.out")"
t_done
