#!/bin/sh
# tests: mz-head
# requires: mzgen, mz-info (mz-cat for the CSV comparison, skipped without it)
. "$(dirname "$0")/lib.sh"

# mzgen's values depend only on (part, frame, bodypart), so the first N
# rows of a stream of long parts are the rows of a stream of N-row parts:
# with raw blocks, their BLCK chunks must be byte for byte the same.
mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -c none -o raw.mzs
mzgen -s 2 -i 2 -n 5 -c none -o raw5.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -o features.mzs
mzgen -s 1 -i 2 -n 0 -o empty-parts.mzs
mzgen -s 1 -i 1 -n 30000 -c none -o long.mzs
mzgen -s 1 -i 1 -n 12000 -c none -o long12k.mzs

# info FILE EXPR: a value of mz-info -j's document, with python3 if
# present; else the whole document (the callers then grep).
json() {
	mz-info -j "$1" > "$T/.json" || return 1
	if [ -n "$PY" ]; then
		"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
p = d["parts"]
print(eval(sys.argv[2]))' "$T/.json" "$2"
	else
		cat "$T/.json"
	fi
}

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

# --------------------------------------------------------------- defaults
t_ok "default: 10 rows of each part" sh -c 'mz-head tracks.mzs > d.mzs'
if [ -n "$PY" ]; then
	t_is "default: 4 parts of 10 rows, frames 0..9" \
	    "(4, 40, [10, 10, 10, 10], [(0, 9), (0, 9), (0, 9), (0, 9)])" \
	    "$(json d.mzs '(d["total_parts"], d["total_rows"], [x["rows"] for x in p], [(x["frame_min"], x["frame_max"]) for x in p])')"
	t_is "default: the history entry" \
	    "[{'tool': 'mz-head', 'version': '0.1.0', 'options': {'rows': 10, 'parts': None}}]" \
	    "$(json d.mzs '[{k: v for k, v in x["history"][-1].items() if k != "processing"} for x in p][:1]')"
else
	t_like "default: 40 rows" '"total_rows":40,' "$(json d.mzs)"
fi
mz-info -j tracks.mzs > t.json
mz-info -j d.mzs > d.json
if [ -n "$PY" ]; then
	t_is "default: metadata, columns and parts' metadata kept" "True" \
	    "$("$PY" -c 'import json
a = json.load(open("t.json")); b = json.load(open("d.json"))
print(a["meta"] == b["meta"] and a["columns"] == b["columns"] and
      [x["meta"] for x in a["parts"]] == [x["meta"] for x in b["parts"]] and
      all(y["history"][:-1] == x["history"] for x, y in zip(a["parts"], b["parts"])))')"
fi
t_like "default: the history in the summary" \
    'history: +mzgen 0\.1\.0 \{[^}]*\} -> mz-head 0\.1\.0 \{"rows":10,"parts":null\}' \
    "$(mz-info d.mzs)"

# -------------------------------------------------------------------- -n
mz-head -n 5 -c none raw.mzs > h5.mzs
t_is "-n 5: the rows are those of 5-row parts" "$(blocks raw5.mzs)" \
    "$(blocks h5.mzs)"
t_like "-n 5: 20 rows" '^rows: +20$' "$(mz-info h5.mzs)"
mz-head -n 5 raw.mzs | cat > h5p.mzs
t_is "-n 5 to a pipe: blocks cut and written raw" "$(blocks raw5.mzs)" \
    "$(blocks h5p.mzs)"
mz-head -n 5 tracks.mzs | mz-head -n 1000 -c none > h5b.mzs
t_is "-n 5 of a compressed stream, recoded raw: the same rows" \
    "$(blocks raw5.mzs)" "$(blocks h5b.mzs)"
t_like "-n 1000 keeps parts of 300 rows whole" '^rows: +1200$' \
    "$(mz-head -n 1000 tracks.mzs | mz-info)"
mz-head -n 300 raw.mzs | cat > whole.mzs
t_is "-n at the part length copies the blocks" "$(blocks raw.mzs)" \
    "$(blocks whole.mzs)"
mz-head --rows=12000 long.mzs | cat > l12k.mzs
t_is "-n across blocks: whole blocks copied, the last one cut" \
    "$(blocks long12k.mzs)" "$(blocks l12k.mzs)"
if [ -n "$PY" ]; then
	t_is "-n across blocks: 12000 rows in 2 blocks, frames 0..11999" \
	    "[(12000, 2, 0, 11999)]" \
	    "$(json l12k.mzs '[(x["rows"], x["blocks"], x["frame_min"], x["frame_max"]) for x in p]')"
fi
mz-head -n 0 tracks.mzs > h0.mzs
t_like "-n 0: the parts without rows" '^rows: +0$' "$(mz-info h0.mzs)"
t_like "-n 0: 4 parts" '^parts: +4$' "$(mz-info h0.mzs)"
t_like "-n 0: the columns kept" '^columns: +12$' "$(mz-info h0.mzs)"

# -------------------------------------------------------------------- -p
mz-head -p 2 raw.mzs > p2.mzs
if [ -n "$PY" ]; then
	t_is "-p 2: all rows of the first 2 parts" \
	    "(2, [300, 300], [('control', 'seq0', 'mouse0'), ('control', 'seq0', 'mouse1')], {'rows': None, 'parts': 2})" \
	    "$(json p2.mzs '(d["total_parts"], [x["rows"] for x in p], [(x["meta"]["group"], x["meta"]["sequence"], x["meta"]["individual"]) for x in p], p[0]["history"][-1]["options"])')"
else
	t_like "-p 2: 600 rows" '"total_rows":600,' "$(json p2.mzs)"
fi
mz-head -p 4 raw.mzs > p4.mzs
t_is "-p: whole parts are copied as stored" "$(blocks raw.mzs)" \
    "$(blocks p4.mzs)"
mz-head -p 2 -n 7 tracks.mzs > p2n7.mzs
t_like "-p 2 -n 7: 14 rows" '^rows: +14$' "$(mz-info p2n7.mzs)"
t_like "-p 2 -n 7: the options" '\{"rows":7,"parts":2\}' "$(mz-info p2n7.mzs)"
t_like "-p 10 of 4 parts: all 4" '^parts: +4$' \
    "$(mz-head -p 10 tracks.mzs | mz-info)"
mz-head -p 6 -n 3 tracks.mzs features.mzs > two.mzs
mz-info two.mzs > two.txt
t_like "-p counts parts across files" '^parts: +6$' "$(cat two.txt)"
t_like "-p across files: 2 schemas" '^columns: +2 schemas of 9 to 12' \
    "$(cat two.txt)"
t_is "-p across files: 2 parts of the second file" "2" \
    "$(grep -c '^ *[45]  control  seq0 .* 3  0\.\.2' two.txt)"
mz-head -p 0 tracks.mzs > p0.mzs
t_is "-p 0: an empty stream (48 bytes)" "48" "$(wc -c < p0.mzs | tr -d ' ')"
t_like "-p 0: no parts" '^parts: +0$' "$(mz-info p0.mzs)"

# ------------------------------------------------------- inputs, outputs
mz-head -n 5 < tracks.mzs > stdin.mzs
mz-head -n 5 tracks.mzs > file.mzs
t_is "standard input when no file is given" "$(cksum < file.mzs)" \
    "$(cksum < stdin.mzs)"
cat tracks.mzs | mz-head -n 5 - > dash.mzs
t_is "'-' is standard input" "$(blocks file.mzs)" "$(blocks dash.mzs)"
t_ok "-o FILE" mz-head -n 5 -o out.mzs tracks.mzs
t_is "-o FILE: nothing on standard output" "" "$(cat "$T/.out")"
t_is "-o FILE: the same stream as standard output" "$(cksum < file.mzs)" \
    "$(cksum < out.mzs)"
t_is "-o FILE: no temporary file left" "0" "$(ls -a | grep -c '^\.out\.mzs\.')"
t_ok "--output, --parts, --codec" \
    mz-head --output=long.out.mzs --parts=1 --codec=zstd -n 12000 long.mzs
t_is "-c zstd: the rows are the same" "$(blocks l12k.mzs)" \
    "$(mz-head -c none -n 1000000 long.out.mzs | cat > back.mzs; blocks back.mzs)"
t_ok "-c zstd: smaller than raw" \
    test "$(wc -c < long.out.mzs)" -lt "$(wc -c < l12k.mzs)"
t_ok "-q is accepted" sh -c 'mz-head -q tracks.mzs > /dev/null'

# Zero-row parts stay zero-row parts.
t_ok "zero-row parts" sh -c 'mz-head -n 5 empty-parts.mzs > z.mzs'
t_is "zero-row parts: 2 parts of 0 rows" "parts:       2
rows:        0" "$(mz-info z.mzs | sed -n '/^parts:/p;/^rows:/p')"
cat empty-parts.mzs tracks.mzs | mz-head -n 2 > z2.mzs
t_like "zero-row parts among others" '^rows: +8$' "$(mz-info z2.mzs)"
t_like "zero-row parts among others: 6 parts" '^parts: +6$' "$(mz-info z2.mzs)"

if [ -x "$B/bin/mz-cat" ]; then
	mz-cat --csv raw.mzs > all.csv 2>/dev/null
	mz-cat --csv h5.mzs > h5.csv 2>/dev/null
	t_is "mz-cat: the first 5 rows of each part" \
	    "$(awk -F, 'NR == 1 { print; next } $1 < 5' all.csv)" \
	    "$(cat h5.csv)"
else
	echo "# mz-cat not built: CSV comparison skipped"
fi

# ---------------------------------------------------------- reading early
# mz-head reads standard input through a shared descriptor, so what it
# leaves unread of a file is still there for the next command.
mzgen -s 1 -i 3 -n 200000 -c none -o huge.mzs
hsize=$(wc -c < huge.mzs)
left=$( (mz-head -p 1 -n 5 -o early.mzs; wc -c | tr -d ' ') < huge.mzs)
t_ok "-p 1 stops reading after the first part's rows (left $left of $hsize)" \
    test "$left" -gt $((hsize / 2))
t_like "... and writes them" '^rows: +5$' "$(mz-info early.mzs)"
left=$( (mz-head -n 5 -o late.mzs; wc -c | tr -d ' ') < huge.mzs)
t_is "-n alone reads every part" "0" "$left"
t_like "... and writes 5 rows of each" '^rows: +15$' "$(mz-info late.mzs)"
t_ok "a pipe left unread: mz-head ends, the writer gets SIGPIPE" \
    sh -c 'mzgen -s 1 -i 1 -n 2000000 -c none | mz-head -p 1 -n 3 | mz-info > pipe.txt'
t_like "... with the rows" '^rows: +3$' "$(cat pipe.txt)"

# ------------------------------------------------------------- bad input
size=$(wc -c < raw.mzs)
head -c $((size - 100)) raw.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-head: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-head -n 5 -o never.mzs trunc.mzs
t_ok "truncated stream: no output file" test ! -e never.mzs
t_fails "truncated stream to standard output" 1 \
    '^mz-head: trunc\.mzs: byte [0-9]+: stream truncated' \
    sh -c '{ mz-head -n 5 trunc.mzs; echo $? > st; } | cat > /dev/null;
        exit $(cat st)'
t_fails "truncated stream on standard input, -p 4" 1 \
    '^mz-head: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-head -p 4 < trunc.mzs > /dev/null'
t_ok "a truncation after the parts kept is not read" \
    mz-head -p 3 -o first3.mzs trunc.mzs
t_like "... and they are complete" '^rows: +900$' "$(mz-info first3.mzs)"
head -c $((size * 3 / 8)) raw.mzs > half.mzs
t_fails "truncated inside the last part kept" 1 \
    '^mz-head: half\.mzs: byte [0-9]+: stream truncated' \
    mz-head -p 2 -o never.mzs half.mzs

# flip FILE OFFSET: change the byte at OFFSET (to its value + 1).
flip() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(((_b + 1) % 256)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp raw.mzs corrupt.mzs
flip corrupt.mzs 20000
t_fails "a corrupt byte in the first block" 1 \
    '^mz-head: corrupt\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-head -n 5 -o never.mzs corrupt.mzs
t_ok "corrupt input: no output file" test ! -e never.mzs
cp raw.mzs corrupt2.mzs
flip corrupt2.mzs $((size - 20000))
t_fails "a corrupt byte in a later part's rows, skipped by -n" 1 \
    '^mz-head: corrupt2\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-head -n 5 -o never.mzs corrupt2.mzs
t_fails "a damaged second input" 1 '^mz-head: trunc\.mzs: byte [0-9]+: ' \
    mz-head -o never.mzs tracks.mzs trunc.mzs
: > empty.mzs
t_fails "empty input" 1 '^mz-head: empty\.mzs: byte 0: empty input' \
    mz-head -o never.mzs empty.mzs
t_fails "empty standard input" 1 '^mz-head: <stdin>: byte 0: empty input' \
    sh -c 'mz-head -o never.mzs < /dev/null'
t_fails "not a stream" 1 '^mz-head: flip\.txt: byte 0: not an mzs stream' \
    sh -c 'echo hello > flip.txt; mz-head -o never.mzs flip.txt'
t_fails "nonexistent file" 1 '^mz-head: nonexistent\.mzs: No such file' \
    mz-head -o never.mzs tracks.mzs nonexistent.mzs
t_fails "nonexistent file, with -p 1" 1 '^mz-head: nonexistent\.mzs: No such file' \
    mz-head -p 1 -o never.mzs tracks.mzs nonexistent.mzs
t_ok "failed runs left no output file" test ! -e never.mzs
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never\.mzs\.')"
for v in abc -1 '' 1.5 5x 99999999999999999999; do
	t_fails "-n '$v'" 2 "^mz-head: bad row count '$v'" \
	    mz-head -n "$v" -o never.mzs tracks.mzs
done
t_fails "-p -3" 2 "^mz-head: bad part count '-3'" \
    mz-head -p -3 -o never.mzs tracks.mzs
t_fails "-c bad" 2 "^mz-head: bad compression 'lz4'" \
    mz-head -c lz4 -o never.mzs tracks.mzs
t_fails "-n without a value" 2 '^usage: mz-head' mz-head -o never.mzs -n
t_fails "unknown option" 2 '^usage: mz-head' mz-head -x tracks.mzs
t_fails "-o /dev/full" 1 '^mz-head: /dev/full: No space left' \
    mz-head -o /dev/full tracks.mzs
t_fails "standard output on /dev/full" 1 '^mz-head: <stdout>: No space left' \
    sh -c 'mz-head tracks.mzs > /dev/full'
t_fails "-o in a missing directory" 1 '^mz-head: nodir/x\.mzs: ' \
    mz-head -o nodir/x.mzs tracks.mzs
if command -v script > /dev/null 2>&1; then
	t_fails "refuses to write to a terminal" 1 'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-head tracks.mzs" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
	t_ok "-f writes to a terminal" \
	    sh -c 'script -qec "mz-head -f -n 1 tracks.mzs" /dev/null > /dev/null'
else
	echo "# script absent: terminal cases skipped"
fi

# ---------------------------------------------------------- usage, version
t_ok "--help" mz-head --help
t_is "--help prints the synopsis" \
    "usage: mz-head [-fq] [-c codec] [-n rows] [-o file] [-p parts] [file ...]" \
    "$(cat "$T/.out")"
t_ok "--version" mz-head --version
t_is "--version prints the version" "mz-head 0.1.0" "$(cat "$T/.out")"
t_done
