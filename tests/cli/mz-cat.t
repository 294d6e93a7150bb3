#!/bin/sh
# tests: mz-cat
# requires: mzgen, mz-info, mz-head; python3 with numpy ($PY) for the
# independent checks of values (share/python/mzs.py reads the streams),
# skipped with a message without it
. "$(dirname "$0")/lib.sh"

PYTHONPATH=$TOP/share/python
export PYTHONPATH

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -c none -o raw.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -o features.mzs
mzgen -s 1 -i 2 -n 300 -m 7 -o miss.mzs
mzgen -s 1 -i 2 -n 0 -o empty-parts.mzs

# blocks FILE: cksum of the bytes of every part from its first BLCK chunk
# to its TAIL (the rows as stored, without header or trailer).
blocks() {
	grep -obUa 'HEAD\|BLCK\|TAIL' "$1" | awk -F: '
		$2 == "HEAD" { s = -1 }
		$2 == "BLCK" && s < 0 { s = $1 }
		$2 == "TAIL" && s >= 0 { print s, $1 - s; s = -1 }' |
	while read -r off len; do
		tail -c +$((off + 1)) "$1" | head -c "$len"
	done | cksum
}

# info FILE KEY: the "KEY:" line of mz-info's summary, without the label.
info() {
	mz-info "$1" | sed -n "s/^$2: *//p"
}

# py SCRIPT ARGS...: run python3 with numpy and mzs.py.
py() {
	_s=$1
	shift
	"$PY" -c "$_s" "$@" 2>&1
}

# ------------------------------------------------------- concatenation
t_ok "two files" sh -c 'mz-cat tracks.mzs features.mzs > both.mzs'
t_is "two files: 8 parts" "8" "$(info both.mzs parts)"
t_is "two files: 2400 rows" "2400" "$(info both.mzs rows)"
t_like "two files: parts with different schemas kept" '2 schemas of 9 to 12' \
    "$(info both.mzs columns)"
cat tracks.mzs features.mzs | mz-cat > both-pipe.mzs
t_is "the same as cat a b | mz-cat" "$(cksum < both.mzs)" \
    "$(cksum < both-pipe.mzs)"
mz-cat < tracks.mzs > stdin.mzs
mz-cat tracks.mzs > file.mzs
t_is "standard input when no file is given" "$(cksum < file.mzs)" \
    "$(cksum < stdin.mzs)"
cat tracks.mzs | mz-cat - features.mzs > dash.mzs
t_is "'-' is standard input (a pipe)" "$(cksum < both.mzs)" \
    "$(cksum < dash.mzs)"
t_is "blocks copied as stored (shuffled zstd)" "$(blocks tracks.mzs)" \
    "$(blocks file.mzs)"
mz-cat raw.mzs raw.mzs | cat > raw2.mzs
t_is "blocks copied as stored (raw), twice" \
    "$( (cat raw.mzs raw.mzs) > rr.mzs; blocks rr.mzs)" "$(blocks raw2.mzs)"
t_ok "-o FILE" mz-cat -o out.mzs tracks.mzs features.mzs
t_is "-o FILE: the same stream" "$(cksum < both.mzs)" "$(cksum < out.mzs)"
t_is "-o FILE: no temporary file left" "0" "$(ls -a | grep -c '^\.out\.mzs\.')"
t_ok "zero-row parts" sh -c 'mz-cat empty-parts.mzs tracks.mzs > z.mzs'
t_is "zero-row parts: 6 parts, 1200 rows" "6 1200" \
    "$(info z.mzs parts) $(info z.mzs rows)"
t_ok "-q is accepted" sh -c 'mz-cat -q tracks.mzs > /dev/null'
mz-cat file.mzs | mz-cat > twice.mzs
if [ -n "$PY" ]; then
	t_is "history: one entry per pass, options {}, hashes as mzs(5) says" \
	    "['mzgen', 'mz-cat', 'mz-cat', 'mz-cat'] {} True 1" \
	    "$(py 'import mzs, sys
ps = list(mzs.read(sys.argv[1]))
print([e["tool"] for e in ps[0].history], ps[0].history[-1]["options"],
      all(p.verify_processing() for p in ps), len(set(p.processing for p in ps)))' twice.mzs)"
	t_is "history: the same chain gives the same hashes" \
	    "$(py 'import mzs, sys; print([p.processing for p in mzs.read(sys.argv[1])])' twice.mzs)" \
	    "$(mz-cat tracks.mzs | mz-cat | mz-cat | cat > twice2.mzs; py 'import mzs, sys; print([p.processing for p in mzs.read(sys.argv[1])])' twice2.mzs)"
else
	echo "# python3 with numpy absent: history checks skipped"
fi
t_like "history in the summary" 'mzgen 0\.1\.0 .* -> mz-cat 0\.1\.0$' \
    "$(mz-info file.mzs)"

# -------------------------------------------------------------- recoding
mz-cat --csv tracks.mzs > tracks.csv
for c in none zstd shuffle auto; do
	mz-cat -c "$c" -o "rc-$c.mzs" tracks.mzs
	t_is "-c $c: the same values" "$(cksum < tracks.csv)" \
	    "$(mz-cat --csv "rc-$c.mzs" | cksum)"
done
t_ok "-c zstd: smaller than -c none" \
    test "$(wc -c < rc-zstd.mzs)" -lt "$(wc -c < rc-none.mzs)"
t_is "-c none of a raw stream copies the blocks" "$(blocks raw.mzs)" \
    "$(mz-cat -c none raw.mzs > rn.mzs; blocks rn.mzs)"
t_is "-c shuffle of a shuffled stream: the same blocks" "$(blocks tracks.mzs)" \
    "$(blocks rc-shuffle.mzs)"
t_is "-c none to a pipe, then -c zstd: the same values" "$(cksum < tracks.csv)" \
    "$(mz-cat -c none rc-zstd.mzs | mz-cat -c zstd | mz-cat --csv | cksum)"

# ------------------------------------------------------------ text out
t_is "--csv: a header and 1200 rows" "1201" "$(wc -l < tracks.csv | tr -d ' ')"
t_is "--csv: the header row" "frame,time,id,bp0.x,bp0.y,bp0.p,bp1.x,bp1.y,bp1.p,bp2.x,bp2.y,bp2.p" \
    "$(head -1 tracks.csv)"
# mzgen's formulas (tests/tools/mzgen.c), in awk's doubles: p is the same
# IEEE division, so equal exactly; x and y go through sin and cos, equal
# within 1e-12 (both libm's, usually exactly).
t_is "--csv: values against mzgen's formulas (awk)" "1200 0" \
    "$(awk -F, 'NR > 1 { f = $1; id = $3; n++
	if ($2 != f / 30) bad++
	for (k = 0; k < 3; k++) {
		x = 100 + 50 * sin(0.01 * f + k) + 10 * id
		y = 80 + 40 * cos(0.013 * f + 2 * k) - 5 * id
		p = ((f * 7 + k * 13 + id) % 100) / 100
		dx = $(4 + 3 * k) - x; dy = $(5 + 3 * k) - y
		if (dx < -1e-12 || dx > 1e-12 || dy < -1e-12 || dy > 1e-12 ||
		    $(6 + 3 * k) != p) bad++ } }
	END { print n, bad + 0 }' tracks.csv)"
t_is "--csv: NaN is an empty cell" "0,0,0,,,0" \
    "$(mz-cat --csv miss.mzs | sed -n 2p | cut -d, -f1-6)"
t_is "--nan nan" "0,0,0,nan,nan,0" \
    "$(mz-cat --csv --nan nan miss.mzs | sed -n 2p | cut -d, -f1-6)"
t_is "--tsv: the CSV with tabs" "$(tr , '\t' < tracks.csv | cksum)" \
    "$(mz-cat --tsv tracks.mzs | cksum)"
t_is "--no-header" "$(sed 1d tracks.csv | cksum)" \
    "$(mz-cat --csv --no-header tracks.mzs | cksum)"
t_fails "--csv: parts with different schemas" 1 \
    '^mz-cat: features\.mzs: part 0: parts with different schemas' \
    sh -c 'mz-cat --csv tracks.mzs features.mzs > schema.csv'
t_is "--header-per-part: a header row before each part" "8" \
    "$(mz-cat --csv --header-per-part tracks.mzs features.mzs | grep -c '^frame,')"
t_is "--part-columns" "group,sequence,individual,frame
treated,seq1,mouse1,299" \
    "$(mz-cat --csv --part-columns tracks.mzs | sed -n '1p;$p' | cut -d, -f1-4)"
t_like "--jsonl" '^\{"frame":0,"time":0,"id":0,"bp0\.x":,*' \
    "$(mz-cat --jsonl tracks.mzs | head -1)"
t_is "--jsonl: NaN is null; --part-columns" \
    '{"group":"control","sequence":"seq0","individual":"mouse0","frame":0,"time":0,"id":0,"bp0.x":null,"bp0.y":null,"bp0.p":0' \
    "$(mz-cat --jsonl --part-columns miss.mzs | head -1 | cut -d, -f1-9)"
t_is "--jsonl: parts with different schemas" "2400" \
    "$(mz-cat --jsonl tracks.mzs features.mzs | wc -l | tr -d ' ')"
if [ -n "$PY" ]; then
	# Every value of the stream against the text: equal doubles (NaN with
	# NaN), and each f64 written as mz_fmt_f64 does (the first of %.15g,
	# %.16g, %.17g reading back exactly; integers below 1e15 as %d).
	cat > check.py <<'EOF'
import json, math, sys, mzs
def fmt(v):
    if math.isnan(v): return None
    if math.isinf(v): return "inf" if v > 0 else "-inf"
    if v == 0: return "-0" if math.copysign(1, v) < 0 else "0"
    if abs(v) < 1e15 and v == int(v): return "%d" % v
    for p in (15, 16):
        s = "%.*g" % (p, v)
        if float(s) == v: return s
    return "%.17g" % v
kind, stream, text = sys.argv[1:4]
parts = list(mzs.read(stream))
bad = n = 0
if kind == "jsonl":
    rows = [json.loads(l) for l in open(text)]
    k = 0
    for p in parts:
        for i in range(p.nrows):
            r = rows[k]; k += 1
            if list(r) != list(p.columns): bad += 1
            for name, a in p.columns.items():
                v = a[i].item(); n += 1
                if isinstance(v, float) and math.isnan(v):
                    bad += r[name] is not None
                elif r[name] != v or (type(v) == int and type(r[name]) != int): bad += 1
    bad += k != len(rows)
else:
    sep = "," if kind == "csv" else "\t"
    lines = open(text).read().split("\n")[1:-1]
    k = 0
    for p in parts:
        for i in range(p.nrows):
            cells = lines[k].split(sep); k += 1
            for c, (name, a) in zip(cells, p.columns.items()):
                v = a[i].item(); n += 1
                if isinstance(v, float):
                    want = fmt(v)
                    bad += (c != "") if want is None else (c != want)
                else:
                    bad += c != str(v)
    bad += k != len(lines)
print(n, bad)
EOF
	t_is "--csv: every value as mz_fmt_f64 writes it (python)" "14400 0" \
	    "$(py "$(cat check.py)" csv tracks.mzs tracks.csv)"
	mz-cat --csv miss.mzs > miss.csv
	t_is "--csv with NaN (python)" "7200 0" \
	    "$(py "$(cat check.py)" csv miss.mzs miss.csv)"
	mz-cat --jsonl miss.mzs > miss.jsonl
	t_is "--jsonl: every value, keys in column order (python)" "7200 0" \
	    "$(py "$(cat check.py)" jsonl miss.mzs miss.jsonl)"
	# Random doubles over 40 orders of magnitude, written by python's
	# repr (shortest), read by mz-cat, written back.
	py 'import random
random.seed(7)
print("a,b,c")
for i in range(3000):
    e = random.uniform(-20, 20)
    print("%r,%r,%r" % (random.uniform(-1, 1) * 10 ** e,
        random.uniform(0, 1e-3), float(random.randint(-10**15, 10**15)) / 8))' > rnd.csv
	mz-cat rnd.csv > rnd.mzs
	mz-cat --csv rnd.mzs > rnd2.csv
	t_is "random doubles: read exactly, written as mz_fmt_f64 (python)" "9000 0" \
	    "$(py "$(cat check.py)" csv rnd.mzs rnd2.csv)"
	t_is "random doubles: the stream holds python's values exactly" "True" \
	    "$(py 'import csv, sys, mzs
p = next(mzs.read(sys.argv[1]))
rows = list(csv.reader(open(sys.argv[2])))[1:]
print(all(float(r[j]) == p.columns[n][i] for i, r in enumerate(rows) for j, n in enumerate("abc")))' rnd.mzs rnd.csv)"
else
	echo "# python3 with numpy absent: value-by-value checks skipped"
fi

# f32 columns: the shortest decimal that reads back as the same float.
printf 'v\n0.1\n1.1\n16777217\n3.14159274\n1e-45\n3.4028235e38\n-2.5\n' > f32.csv
t_is "f32: shortest text" "v
0.1
1.1
16777216
3.1415927
1e-45
3.4028235e+38
-2.5" "$(mz-cat -t v:f32 f32.csv | mz-cat --csv)"

# -------------------------------------------------------------- text in
printf 'x\n1.5\n2.5\n3.5\n' > x.csv
t_is "CSV to stream and back" "$(cat x.csv)" "$(mz-cat x.csv | mz-cat --csv)"
mz-cat -o tr.mzs tracks.csv
t_is "inferred types" "frame i64, time f64, id i64, bp0.x f64, bp0.y f64, bp0.p f64, bp1.x f64, bp1.y f64, bp1.p f64, bp2.x f64, bp2.y f64, bp2.p f64" \
    "$(mz-info -j tr.mzs | tr '{' '\n' | sed -n 's/^"name":"\([^"]*\)","type":"\([^"]*\)".*/\1 \2/p' | head -12 | paste -sd, - | sed 's/,/, /g')"
t_is "round trip: stream, CSV, stream, CSV" "$(cksum < tracks.csv)" \
    "$(mz-cat --csv tr.mzs | cksum)"
mz-cat --csv miss.mzs | mz-cat | mz-cat --csv > miss2.csv
t_is "round trip with NaN" "$(mz-cat --csv miss.mzs | cksum)" "$(cksum < miss2.csv)"
mz-cat --csv --part-columns miss.mzs > long.csv
mz-cat --split group,sequence,individual -t frame:i64,id:i32 long.csv > back.mzs
t_is "--split back to the parts" "2 600" "$(info back.mzs parts) $(info back.mzs rows)"
if [ -n "$PY" ]; then
	t_is "round trip: the same columns, types, values (NaN too) and part metadata" \
	    "True" "$(py 'import sys, mzs, numpy
a = list(mzs.read(sys.argv[1])); b = list(mzs.read(sys.argv[2]))
ok = len(a) == len(b)
for p, q in zip(a, b):
    ok &= [(c["name"], c["type"]) for c in p.schema] == [(c["name"], c["type"]) for c in q.schema]
    ok &= all(p.meta[k] == q.meta[k] for k in ("group", "sequence", "individual"))
    for n in p.columns:
        x, y = p.columns[n], q.columns[n]
        ok &= x.tobytes() == y.tobytes()
print(ok)' miss.mzs back.mzs)"
	t_is "text input: history entry and hash from 0000000000000000" \
	    "[{'tool': 'mz-cat', 'version': '0.1.0', 'options': {'from': 'csv', 'types': 'frame:i64,id:i32', 'split': 'group,sequence,individual', 'nan': None}}] True" \
	    "$(py 'import sys, mzs
p = next(mzs.read(sys.argv[1]))
print([{k: v for k, v in e.items() if k != "processing"} for e in p.history], p.verify_processing())' back.mzs)"
fi
mzgen -s 1 -i 1 -n 6000 -k 6 -o mid.mzs
mz-cat --csv mid.mzs > mid.csv
t_ok "parallel parsing: input over 1 MiB" test "$(wc -c < mid.csv)" -gt 1048576
mz-cat -j 1 mid.csv > j1.mzs
mz-cat -j 2 mid.csv > j2.mzs
mz-cat --threads=3 mid.csv > j3.mzs
t_is "-j 2: byte for byte the output of -j 1" "$(cksum < j1.mzs)" "$(cksum < j2.mzs)"
t_is "-j 3: byte for byte the output of -j 1" "$(cksum < j1.mzs)" "$(cksum < j3.mzs)"
t_is "-j 2: the values" "$(cksum < mid.csv)" "$(mz-cat --csv j2.mzs | cksum)"
mzgen -s 2 -i 2 -n 2500 -k 6 -o mid4.mzs
mz-cat --csv --part-columns mid4.mzs > mid4.csv
mz-cat -j 1 --split group,sequence,individual mid4.csv > s1.mzs
mz-cat -j 3 --split group,sequence,individual mid4.csv > s3.mzs
t_is "--split with parallel chunks: byte for byte the output of -j 1" \
    "$(cksum < s1.mzs)" "$(cksum < s3.mzs)"
t_is "--split with parallel chunks: 4 parts of 2500 rows" "4 10000" \
    "$(info s3.mzs parts) $(info s3.mzs rows)"
t_is "--split with parallel chunks: the CSV back" "$(cksum < mid4.csv)" \
    "$(mz-cat --csv --part-columns s3.mzs | cksum)"

# Quoting, CRLF, a byte order mark, TSV.
printf '\357\273\277"a,b","say ""x""",c\r\n"1","2.5",\r\n3,"-4",NA\r\n"5",6,"7"\r\n' > q.csv
t_is "quoted fields, CRLF and a BOM" '"a,b","say ""x""",c
1,2.5,
3,-4,
5,6,7' "$(mz-cat q.csv | mz-cat --csv)"
printf 'x,"multi\nline"\n1,2\n' > ml.csv
t_fails "a column name with a line feed" 1 \
    '^mz-cat: ml\.csv: line 1, column 2: .*control character' \
    mz-cat -o never.mzs ml.csv
printf 'a\tb\n1\t2.5\n3\t\n' > t.tsv
t_is "TSV detected (tabs and no commas in the first line)" "a,b
1,2.5
3," "$(mz-cat t.tsv | mz-cat --csv)"
t_is "--from tsv from a pipe" "a,b
1,2.5
3," "$(cat t.tsv | mz-cat --from tsv | mz-cat --csv)"
printf 'a,b\n1,2\n' > ab.csv
t_is "--from csv" "a,b
1,2" "$(mz-cat --from csv < ab.csv | mz-cat --csv)"
printf 'a\n1\n\n3\n' > blank.csv
t_is "a blank line in one column is a NaN" "a
1

3" "$(mz-cat blank.csv | mz-cat --csv)"
printf 'a,b\r\n1,2\r\n\r\n3,4\n\n\n' > blank2.csv
t_is "blank lines in more columns are skipped" "a,b
1,2
3,4" "$(mz-cat blank2.csv | mz-cat --csv)"
printf 'a,b\n' > hdr.csv
t_is "a header row only: a part of 0 rows, f64 columns" "0 a f64, b f64" \
    "$(info "$(mz-cat hdr.csv > hdr.mzs; echo hdr.mzs)" rows) $(mz-info hdr.mzs | sed -n 's/^ *\(a f64, b f64\)$/\1/p')"

# Inference and exact conversion.
printf 'i,z,big,over,e,f,na\n1,-0,9223372036854775807,9223372036854775808,1e3,0.1,1\n2,0,-9223372036854775808,1,2,0.30000000000000004,NaN\n' > inf.csv
t_like "inference: i64 unless a cell is not an integer in range, -0 a float" \
    'i i64, z f64, big i64, over f64, e f64, f f64,[[:space:]]+na f64' \
    "$(mz-cat inf.csv | mz-info)"
t_is "inference: values" "i,z,big,over,e,f,na
1,-0,9223372036854775807,9.223372036854776e+18,1000,0.1,1
2,0,-9223372036854775808,1,2,0.30000000000000004," \
    "$(mz-cat inf.csv | mz-cat --csv)"
if [ -n "$PY" ]; then
	printf 'v\n2.2250738585072014e-308\n1.7976931348623157e308\n4.9e-324\n9007199254740993\n9007199254740993.0\n0.1e-3\n123456789012345678901234567890\n1.00000000000000011102230246251565404236316680908203125\n1.00000000000000011102230246251565404236316680908203124\n.5\n-7.\n+3e+2\n' > exact.csv
	t_is "decimal text to the nearest double (python's float)" "True" \
	    "$(mz-cat -t v:f64 exact.csv > exact.mzs; py 'import sys, mzs
p = next(mzs.read(sys.argv[1]))
want = [float(l) for l in open(sys.argv[2]).read().split()[1:]]
print(list(p.columns["v"]) == want)' exact.mzs exact.csv)"
fi
printf 'a,b,c\n1,2,3\n' > ty.csv
t_like "--types" 'a u8, b f32, c i32' "$(mz-cat -t a:u8,b:f32,c:i32 ty.csv | mz-info)"
t_like "--types for some columns, the rest inferred" 'a i64, b f32, c i64' \
    "$(mz-cat --types=b:f32 ty.csv | mz-info)"

# Metadata.
printf '{"fps": 25, "bodyparts": ["nose", "tail"], "group": "a"}\n' > meta.json
mz-cat --meta-file meta.json -m group=b -m fps=30 -m name=m3v1 -m 'list=[1,2]' \
    -m 'quoted="7"' x.csv > meta.mzs
t_like "--meta and --meta-file in mz-info --json" \
    '"meta":\{"fps":30,"bodyparts":\["nose","tail"\],"group":"b","name":"m3v1","list":\[1,2\],"quoted":"7"\}' \
    "$(mz-info -j meta.mzs)"

# Text inputs among streams.
t_ok "a CSV among streams" sh -c 'mz-cat tracks.mzs x.csv features.mzs > mixed.mzs'
t_is "... one more part" "9 2403" "$(info mixed.mzs parts) $(info mixed.mzs rows)"

# ----------------------------------------------------------- bad input
# Truncation at every chunk boundary of a small 2-part stream and at
# offsets inside each chunk's frame and payload (every byte offset would
# take too long for this suite): always exit 1, a message, no output.
mzgen -s 1 -i 2 -n 2 -k 1 -c none -o tiny.mzs
tsize=$(wc -c < tiny.mzs)
cuts="1 7 8 15 $(grep -obUa 'HEAD\|BLCK\|TAIL\|ENDS' tiny.mzs | cut -d: -f1 |
    while read -r o; do
	for d in 0 1 23 24 40; do echo $((o + d)); done
    done) $((tsize - 1))"
nbad=0 ncut=0
for cut in $cuts; do
	[ "$cut" -lt "$tsize" ] || continue
	ncut=$((ncut + 1))
	head -c "$cut" tiny.mzs > cut.mzs
	mz-cat -o never.mzs cut.mzs 2> cut.err
	s=$?
	if [ $s -ne 1 ] || [ -e never.mzs ] ||
	    ! grep -Eq '^mz-cat: cut\.mzs: byte [0-9]+: .*(truncated|empty input)' cut.err; then
		nbad=$((nbad + 1))
		echo "# cut at $cut: exit $s: $(cat cut.err)"
	fi
done
t_is "truncated at $ncut offsets: each exit 1 with a message, no output" 0 "$nbad"
size=$(wc -c < raw.mzs)
for cut in 9 $((size / 2)) $((size - 1)); do
	head -c "$cut" raw.mzs > cut.mzs
	t_fails "stream truncated at byte $cut" 1 \
	    '^mz-cat: cut\.mzs: byte [0-9]+: .*(truncated|no ENDS)' \
	    mz-cat -o never.mzs cut.mzs
	t_fails "... and with --csv" 1 '^mz-cat: cut\.mzs: byte [0-9]+: .*truncated' \
	    mz-cat --csv -o never.csv cut.mzs
	t_fails "... and from a pipe" 1 '^mz-cat: <stdin>: byte [0-9]+: .*truncated' \
	    sh -c 'cat cut.mzs | mz-cat > pipe.mzs'
done
t_ok "truncated input: no output file" test ! -e never.mzs -a ! -e never.csv
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never\.')"

# flip FILE OFFSET: change the byte at OFFSET (to its value + 1).
flip() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(((_b + 1) % 256)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp raw.mzs magic.mzs
flip magic.mzs 1
t_fails "wrong magic" 1 '^mz-cat: magic\.mzs: byte 0: not an mzs stream \(bad signature\)' \
    mz-cat -o never.mzs magic.mzs
t_fails "wrong magic, --csv" 1 '^mz-cat: magic\.mzs: byte 0: not an mzs stream \(bad signature\)' \
    mz-cat --csv magic.mzs
cp raw.mzs version.mzs
flip version.mzs 8
t_fails "unknown version" 1 '^mz-cat: version\.mzs: byte 0: mzs format version 2\.0 is not supported' \
    mz-cat -o never.mzs version.mzs
cp raw.mzs corrupt.mzs
flip corrupt.mzs 20000
t_fails "checksum mismatch (a flipped byte in a block)" 1 \
    '^mz-cat: corrupt\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-cat -o never.mzs corrupt.mzs
t_fails "checksum mismatch, --csv" 1 \
    '^mz-cat: corrupt\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-cat --csv -o never.csv corrupt.mzs
t_fails "checksum mismatch, -c zstd" 1 \
    '^mz-cat: corrupt\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-cat -c zstd -o never.mzs corrupt.mzs
: > empty.mzs
t_fails "empty input" 1 '^mz-cat: empty\.mzs: byte 0: empty input' \
    mz-cat -o never.mzs empty.mzs
t_fails "empty standard input" 1 '^mz-cat: <stdin>: byte 0: empty input' \
    sh -c 'mz-cat -o never.mzs < /dev/null'
t_fails "empty input, --csv" 1 '^mz-cat: empty\.mzs: byte 0: empty input' \
    mz-cat --csv empty.mzs
t_fails "empty input, --from csv" 1 '^mz-cat: empty\.mzs: empty input \(no header row\)' \
    mz-cat --from csv -o never.mzs empty.mzs
t_fails "CSV input to --csv" 1 '^mz-cat: x\.csv: byte 0: not an mzs stream' \
    mz-cat --csv x.csv
t_fails "nonexistent file" 1 '^mz-cat: nonexistent\.mzs: No such file' \
    mz-cat -o never.mzs tracks.mzs nonexistent.mzs

printf 'a,b,speed\n1,2,3\n4,5,6\n1,2,3\n4,5,6\n1,2,3\n7,8,abc\n' > data.csv
t_fails "a non-numeric cell: file, line, column and name" 1 \
    "^mz-cat: data\\.csv: line 7, column 3 \\(speed\\): not a number: 'abc'\$" \
    mz-cat -o never.mzs data.csv
printf 'a,b,speed\n1,2,3\n4,5\n' > rag.csv
t_fails "a ragged row: too few fields" 1 \
    '^mz-cat: rag\.csv: line 3, column 3 \(speed\): missing field \(the row has 2, the header 3\)$' \
    mz-cat -o never.mzs rag.csv
printf 'a,b\n1,2\n4,5\n6,7,8\n' > rag2.csv
t_fails "a ragged row: too many fields" 1 \
    '^mz-cat: rag2\.csv: line 4, column 3: extra field \(the header has 2\)$' \
    mz-cat -o never.mzs rag2.csv
printf 'a,b\r\n1,2\r\n"3\n",x\r\n' > crlf.csv
t_fails "a bad cell after a quoted line end: the line where the row starts" 1 \
    "^mz-cat: crlf\\.csv: line 3, column 1 \\(a\\): not a number: '3\\?'" \
    mz-cat -o never.mzs crlf.csv
printf 'a,b\n1,"2\n' > unq.csv
t_fails "an unclosed quote" 1 '^mz-cat: unq\.csv: line 2, column 2 \(b\): a quoted field has no closing quote' \
    mz-cat -o never.mzs unq.csv
printf 'a,b\n1,2"x\n' > inq.csv
t_fails "a quote inside an unquoted field" 1 '^mz-cat: inq\.csv: line 2, column 2 \(b\): a quote inside an unquoted field' \
    mz-cat -o never.mzs inq.csv
printf 'a,b\n1,"2"x\n' > aftq.csv
t_fails "text after a closing quote" 1 '^mz-cat: aftq\.csv: line 2, column 2 \(b\): text after the closing quote' \
    mz-cat -o never.mzs aftq.csv
printf 'a,b\n1,2\r3,4\n' > cr.csv
t_fails "a lone carriage return" 1 '^mz-cat: cr\.csv: line 2, column 2 \(b\): a carriage return not followed by a line feed' \
    mz-cat -o never.mzs cr.csv
printf 'a,a\n1,2\n' > dup.csv
t_fails "a repeated column name" 1 "^mz-cat: dup\\.csv: line 1, column 2: .*'a'" \
    mz-cat -o never.mzs dup.csv
printf 'x\n300\n' > u8.csv
t_fails "--types: out of range" 1 "^mz-cat: u8\\.csv: line 2, column 1 \\(x\\): not in the range of u8: '300'" \
    mz-cat -t x:u8 -o never.mzs u8.csv
t_fails "--types: not an integer" 1 "^mz-cat: x\\.csv: line 2, column 1 \\(x\\): not an integer: '1\\.5'" \
    mz-cat -t x:i32 -o never.mzs x.csv
t_fails "--types: a missing value in an integer column" 1 \
    "^mz-cat: blank\\.csv: line 3, column 1 \\(a\\): not an integer: ''" \
    mz-cat -t a:i64 -o never.mzs blank.csv
t_fails "--types: no such column" 1 "^mz-cat: x\\.csv: --types: no column 'y'" \
    mz-cat -t y:f64 -o never.mzs x.csv
t_fails "--split: no such column" 1 "^mz-cat: x\\.csv: --split: no column 'g'" \
    mz-cat --split g -o never.mzs x.csv
t_fails "--meta-file: not an object" 1 '^mz-cat: x\.csv: not a JSON object' \
    mz-cat --meta-file x.csv -o never.mzs x.csv
t_ok "failed runs left no output file" test ! -e never.mzs
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never\.')"

t_fails "--csv to /dev/full" 1 '^mz-cat: <stdout>: No space left' \
    sh -c 'mz-cat --csv tracks.mzs > /dev/full'
t_fails "--csv -o /dev/full" 1 '^mz-cat: /dev/full: No space left' \
    mz-cat --csv -o /dev/full tracks.mzs
t_fails "a stream to /dev/full" 1 '^mz-cat: <stdout>: No space left' \
    sh -c 'mz-cat tracks.mzs > /dev/full'
t_fails "CSV to a stream on /dev/full" 1 '^mz-cat: <stdout>: No space left' \
    sh -c 'mz-cat x.csv > /dev/full'
t_fails "-o in a missing directory" 1 '^mz-cat: nodir/x\.csv: ' \
    mz-cat --csv -o nodir/x.csv tracks.mzs
if command -v script > /dev/null 2>&1; then
	t_fails "refuses to write a stream to a terminal" 1 \
	    'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-cat tracks.mzs" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
	t_fails "... also made from CSV" 1 \
	    'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-cat x.csv" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
	t_ok "-f writes to a terminal" \
	    sh -c 'script -qec "mz-cat -f x.csv" /dev/null > /dev/null'
	mz-cat x.csv > x.mzs
	t_is "--csv writes to a terminal" "1.5" \
	    "$(script -qec "mz-cat --csv x.mzs" /dev/null 2>&1 | tr -d '\r' | sed -n 2p)"
else
	echo "# script absent: terminal cases skipped"
fi

# -------------------------------------------------------------- usage
t_fails "--csv with --tsv" 2 '^mz-cat: --csv, --tsv and --jsonl exclude' \
    mz-cat --csv --tsv tracks.mzs
t_fails "--from with --csv" 2 '^mz-cat: --from reads text' \
    mz-cat --from csv --csv x.csv
t_fails "--from xml" 2 "^mz-cat: bad --from 'xml'" mz-cat --from xml x.csv
t_fails "-c with --csv" 2 '^mz-cat: -c, -f, .* are for writing streams' \
    mz-cat --csv -c zstd tracks.mzs
t_fails "-t with --jsonl" 2 '^mz-cat: -c, -f, .* are for writing streams' \
    mz-cat --jsonl -t a:f64 tracks.mzs
t_fails "--no-header without text output" 2 '^mz-cat: --header-per-part, --no-header' \
    mz-cat --no-header -o never.mzs tracks.mzs
t_fails "--nan with --jsonl" 2 '^mz-cat: --nan is for CSV and TSV' \
    mz-cat --jsonl --nan x tracks.mzs
t_fails "--nan with a comma" 2 "^mz-cat: bad --nan 'a,b'" \
    mz-cat --csv --nan a,b tracks.mzs
t_fails "-c lz4" 2 "^mz-cat: bad compression 'lz4'" mz-cat -c lz4 tracks.mzs
t_fails "-j abc" 2 "^mz-cat: bad thread count 'abc'" mz-cat -j abc x.csv
t_fails "-m without =" 2 "^mz-cat: bad --meta 'fps'" mz-cat -m fps x.csv
t_fails "-t without a type" 1 "^mz-cat: --types: bad entry 'x'" \
    mz-cat -t x -o never.mzs x.csv
t_fails "-t with an unknown type" 1 "^mz-cat: --types: bad entry 'x:f16'" \
    mz-cat -t x:f16 -o never.mzs x.csv
t_fails "unknown option" 2 '^usage: mz-cat' mz-cat -x tracks.mzs
t_fails "-o without a value" 2 '^usage: mz-cat' mz-cat tracks.mzs -o
t_ok "--help" mz-cat --help
t_like "--help prints the synopsis" \
    '^usage: mz-cat \[-fq\] \[-c codec\] \[-o file\] \[file \.\.\.\]$' \
    "$(head -1 "$T/.out")"
t_ok "--version" mz-cat --version
t_is "--version prints the version" "mz-cat 0.1.0" "$(cat "$T/.out")"
t_done
