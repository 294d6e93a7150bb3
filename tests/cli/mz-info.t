#!/bin/sh
# tests: mz-info
# requires: mzgen (mz-head for the provenance cases, skipped without it)
. "$(dirname "$0")/lib.sh"

# Fixtures: 4 parts x 300 rows with 12 columns (shuffle and raw), 4 parts
# with 9 columns, 2 parts with no rows, 25 small parts, 1 part of 3 blocks.
mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -c none -o raw.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -o features.mzs
mzgen -s 1 -i 2 -n 0 -o empty-parts.mzs
mzgen -s 5 -i 5 -n 3 -o many.mzs
mzgen -s 1 -i 1 -n 30000 -c none -o long.mzs

# field FILE KEY: the value after "KEY:" on the summary line of that label.
field() {
	sed -n "s/^$2: *//p" "$1"
}

# ---------------------------------------------------------------- summary
t_ok "summary of a 4-part stream" mz-info tracks.mzs
cp "$T/.out" sum.txt
t_is "files line" "tracks.mzs (4 parts)" "$(field sum.txt files)"
t_is "part count" "4" "$(field sum.txt parts)"
t_is "row count" "1200" "$(field sum.txt rows)"
t_is "duration: 4 x 300 rows at 30 fps" "40.0s" "$(field sum.txt duration)"
t_is "column count" "12" "$(field sum.txt columns)"
t_is "column list with types and units, wrapped" \
"             frame i64, time f64 [s], id i32, bp0.x f64 [px], bp0.y f64 [px],
             bp0.p f64, bp1.x f64 [px], bp1.y f64 [px], bp1.p f64,
             bp2.x f64 [px], bp2.y f64 [px], bp2.p f64" \
    "$(sed -n '/^columns:/,/^groups:/p' sum.txt | sed '1d;$d')"
t_is "groups" "2 (control, treated)" "$(field sum.txt groups)"
t_is "sequences" "2 (seq0, seq1)" "$(field sum.txt sequences)"
t_is "individuals" "2 (mouse0, mouse1)" "$(field sum.txt individuals)"
t_is "common metadata with values" \
"meta:        individuals [mouse0, mouse1]
             fps 30
             units px
             bodyparts [bp0, bp1, bp2]
varies:      group, sequence, individual" \
    "$(sed -n '/^meta:/,/^varies:/p' sum.txt)"
t_like "one processing hash" '^[0-9a-f]{16}$' "$(field sum.txt processing)"
t_is "history chain" 'mzgen 0.1.0 {"rows":300,"bodyparts":3,"missing_every":0}' "$(field sum.txt history)"
t_like "bytes stored and raw: 4 x 300 x 92 raw bytes" \
    '^[0-9.]+ KiB stored, 107\.8 KiB raw \(ratio [0-9]\.[0-9][0-9]\)$' \
    "$(field sum.txt bytes)"
t_is "table of parts" \
"part  group    sequence  individual  rows  frames  duration
   0  control  seq0      mouse0       300  0..299     10.0s
   1  control  seq0      mouse1       300  0..299     10.0s
   2  treated  seq1      mouse0       300  0..299     10.0s
   3  treated  seq1      mouse1       300  0..299     10.0s" \
    "$(sed -n '/^part /,$p' sum.txt)"

mz-info < tracks.mzs > stdin.txt
t_is "standard input is read when no file is given" \
    "<stdin> (4 parts)" "$(field stdin.txt files)"
t_is "... and gives the same description" \
    "$(sed 1d sum.txt)" "$(sed 1d stdin.txt)"
mz-info - < tracks.mzs > dash.txt
t_is "'-' is standard input" "$(cat stdin.txt)" "$(cat dash.txt)"

t_ok "-q is accepted" mz-info -q raw.mzs
t_is "raw and compressed streams hold the same rows" \
    "$(sed -n '/^part /,$p' sum.txt)" "$(sed -n '/^part /,$p' "$T/.out")"
t_like "an uncompressed stream stores about its raw size" \
    '^109\.[0-9] KiB stored, 107\.8 KiB raw \(ratio 0\.9[0-9]\)$' \
    "$(field "$T/.out" bytes)"

# Blocks: one part of 30000 rows in several blocks; frames over all.
mz-info long.mzs > long.txt
t_is "frames over all blocks of a part" \
"part  group    sequence  individual   rows  frames    duration
   0  control  seq0      mouse0      30000  0..29999  16m40.0s" \
    "$(sed -n '/^part /,$p' long.txt)"

# Many parts: the table stops at 20 unless -p.
mz-info many.mzs > many.txt
t_is "25 parts" "25" "$(field many.txt parts)"
t_is "the table lists 20 parts" "20" \
    "$(sed -n '/^part /,$p' many.txt | grep -c '^ *[0-9]')"
t_is "and says how many more" "... and 5 more parts (-p lists all)" \
    "$(tail -n 1 many.txt)"
t_is "groups are counted over all parts" "2 (control, treated)" \
    "$(field many.txt groups)"
t_is "sequences: the first eight, then the count" \
    "5 (seq0, seq1, seq2, seq3, seq4)" "$(field many.txt sequences)"
mz-info -p many.mzs > manyp.txt
t_is "-p lists all 25 parts" "25" \
    "$(sed -n '/^part /,$p' manyp.txt | grep -c '^ *[0-9]')"
t_is "-p: the last part is 24" "24  control  seq4      mouse4         3  0..2        0.1s" \
    "$(tail -n 1 manyp.txt | sed 's/^ *//')"
mz-info --parts many.mzs > manyp2.txt
t_is "--parts is -p" "$(cat manyp.txt)" "$(cat manyp2.txt)"

# Zero-row parts.
t_ok "zero-row parts" mz-info empty-parts.mzs
cp "$T/.out" zero.txt
t_is "zero-row parts: 2 parts" "2" "$(field zero.txt parts)"
t_is "zero-row parts: 0 rows" "0" "$(field zero.txt rows)"
t_is "zero-row parts: no bytes" "0 B stored, 0 B raw" "$(field zero.txt bytes)"
t_is "zero-row parts: no frames in the table" \
"part  group    sequence  individual  rows  duration
   0  control  seq0      mouse0         0      0.0s
   1  control  seq0      mouse1         0      0.0s" \
    "$(sed -n '/^part /,$p' zero.txt)"

# A stream with no parts (mzs(5) EXAMPLES: the smallest stream, 48 bytes).
printf '\211MZS\r\n\032\n\001\000\000\000\000\000\000\000' > noparts.mzs
printf 'ENDS\000\000\000\000\010\000\000\000\000\000\000\000' >> noparts.mzs
printf '\273\033\333\312\315\152\311\064\000\000\000\000\000\000\000\000' \
    >> noparts.mzs
t_ok "a stream with no parts" mz-info noparts.mzs
t_is "no parts: the counts and nothing else" \
"files:       noparts.mzs (0 parts)
parts:       0
rows:        0" "$(cat "$T/.out")"

# Several files, different columns.
t_ok "two files with different columns" mz-info tracks.mzs features.mzs
cp "$T/.out" two.txt
t_is "two files: both named" "tracks.mzs (4 parts), features.mzs (4 parts)" \
    "$(field two.txt files)"
t_is "two files: 8 parts" "8" "$(field two.txt parts)"
t_is "two files: 2400 rows" "2400" "$(field two.txt rows)"
t_is "two files: the schemas are counted" \
    "2 schemas of 9 to 12 columns (see the table)" "$(field two.txt columns)"
t_like "two files: bodyparts differ" '^group, sequence, individual, bodyparts$' \
    "$(field two.txt varies)"
t_is "two files: table with file and schema" \
"   3  tracks.mzs    treated  seq1      mouse1           0   300  0..299     10.0s
   4  features.mzs  control  seq0      mouse0           1   300  0..299     10.0s" \
    "$(grep -E '^   [34]  ' two.txt)"
for i in 1 2 3 4 5 6 7 8 9 10; do cp empty-parts.mzs e$i.mzs; done
mz-info e1.mzs e2.mzs e3.mzs e4.mzs e5.mzs e6.mzs e7.mzs e8.mzs e9.mzs \
    > nine.txt
t_is "nine files are all named" \
"files:       e1.mzs (2 parts), e2.mzs (2 parts), e3.mzs (2 parts),
             e4.mzs (2 parts), e5.mzs (2 parts), e6.mzs (2 parts),
             e7.mzs (2 parts), e8.mzs (2 parts), e9.mzs (2 parts)" \
    "$(sed -n '1,3p' nine.txt)"
mz-info e1.mzs e2.mzs e3.mzs e4.mzs e5.mzs e6.mzs e7.mzs e8.mzs e9.mzs \
    e10.mzs > ten.txt
t_is "ten files: eight named, then the count" \
    "             e7.mzs (2 parts), e8.mzs (2 parts), ... (10 in all)" \
    "$(sed -n 3p ten.txt)"
t_is "ten files: 20 parts" "20" "$(field ten.txt parts)"
cat tracks.mzs features.mzs empty-parts.mzs > mixed.mzs
t_ok "concatenated streams with mixed schemas and zero-row parts" \
    mz-info mixed.mzs
cp "$T/.out" mixed.txt
t_is "mixed: 10 parts" "10" "$(field mixed.txt parts)"
t_is "mixed: the zero-row parts have no frames" \
"   8  control  seq0      mouse0           0     0  -           0.0s
   9  control  seq0      mouse1           0     0  -           0.0s" \
    "$(grep -E '^   [89]  ' mixed.txt)"

# -H: the full history.
t_ok "-H" mz-info -H tracks.mzs
hash=$(field sum.txt processing)
t_is "-H: the history of each processing hash" \
"history of $hash (4 parts):
   1. mzgen 0.1.0 {\"rows\":300,\"bodyparts\":3,\"missing_every\":0}
      processing $hash" "$(sed -n '/^history of/,$p' "$T/.out")"

# ------------------------------------------------------------------- JSON
t_ok "-j" mz-info -j tracks.mzs
cp "$T/.out" info.json
t_is "-j prints one line" "1" "$(wc -l < info.json | tr -d ' ')"
t_like "-j: total_parts" '"total_parts":4,' "$(cat info.json)"
t_like "-j: total_rows" '"total_rows":1200,' "$(cat info.json)"
t_like "-j: raw bytes, 4 x 300 x 92" '"raw_bytes":110400,' "$(cat info.json)"
if [ -n "$PY" ]; then
	size=$(wc -c < tracks.mzs | tr -d ' ')
	got=$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = d["parts"]
print(d["files"], d["total_parts"], d["total_rows"], len(p))
print([x["index"] for x in p], [x["rows"] for x in p], [x["blocks"] for x in p])
print([(x["frame_min"], x["frame_max"], x["duration"]) for x in p])
print(sum(x["stored_bytes"] for x in p) == d["stored_bytes"],
      [x["raw_bytes"] for x in p], d["raw_bytes"])
print(len(d["schemas"]), d["schemas"][0] == d["columns"],
      [x["schema"] for x in p])
print(" ".join("%s:%s:%s" % (c["name"], c["type"], c["unit"]) for c in d["columns"]))
print(sorted(d["meta"].items()))
print(d["groups"], d["sequences"], d["individuals"])
print(len(d["processing"]), all(x["processing"] == d["processing"][0]
      and x["history"][-1]["processing"] == x["processing"] for x in p))
print([x["history"][0]["tool"] for x in p], [x["file"] for x in p])
print([(x["meta"]["group"], x["meta"]["sequence"], x["meta"]["individual"]) for x in p])
' info.json)
	t_is "-j: the document's values" \
"[{'name': 'tracks.mzs', 'parts': 4, 'rows': 1200, 'bytes': $size}] 4 1200 4
[0, 1, 2, 3] [300, 300, 300, 300] [1, 1, 1, 1]
[(0, 299, 10), (0, 299, 10), (0, 299, 10), (0, 299, 10)]
True [27600, 27600, 27600, 27600] 110400
1 True [0, 0, 0, 0]
frame:i64:None time:f64:s id:i32:None bp0.x:f64:px bp0.y:f64:px bp0.p:f64:None bp1.x:f64:px bp1.y:f64:px bp1.p:f64:None bp2.x:f64:px bp2.y:f64:px bp2.p:f64:None
[('bodyparts', ['bp0', 'bp1', 'bp2']), ('fps', 30), ('individuals', ['mouse0', 'mouse1']), ('units', 'px')]
['control', 'treated'] ['seq0', 'seq1'] ['mouse0', 'mouse1']
1 True
['mzgen', 'mzgen', 'mzgen', 'mzgen'] ['tracks.mzs', 'tracks.mzs', 'tracks.mzs', 'tracks.mzs']
[('control', 'seq0', 'mouse0'), ('control', 'seq0', 'mouse1'), ('treated', 'seq1', 'mouse0'), ('treated', 'seq1', 'mouse1')]" \
	    "$got"

	# Stored bytes of an uncompressed block: frame 24, block header 16,
	# 12 descriptors of 24, then 300 rows x 92 bytes (all 8-aligned).
	got=$(mz-info -j raw.mzs | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print([x["stored_bytes"] for x in d["parts"]])')
	t_is "-j: stored bytes of raw blocks" \
	    "[27928, 27928, 27928, 27928]" "$got"

	got=$(mz-info -j mixed.mzs | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
p = d["parts"]
print(d["total_parts"], d["total_rows"], len(d["schemas"]), d["columns"])
print([x["schema"] for x in p], [len(x["columns"]) for x in p])
print([len(s) for s in d["schemas"]], sorted(d["meta"]))
print([(x["rows"], x["blocks"], x["frame_min"], x["frame_max"]) for x in p[7:]])')
	t_is "-j: mixed schemas and zero-row parts" \
"10 2400 2 None
[0, 0, 0, 0, 1, 1, 1, 1, 0, 0] [12, 12, 12, 12, 9, 9, 9, 9, 12, 12]
[12, 9] ['fps', 'individuals', 'units']
[(300, 1, 0, 299), (0, 0, None, None), (0, 0, None, None)]" "$got"

	got=$(mz-info -j long.mzs noparts.mzs | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
p = d["parts"][0]
print(p["rows"], p["blocks"], p["frame_min"], p["frame_max"], p["duration"])
print([(f["name"], f["parts"], f["rows"], f["bytes"]) for f in d["files"]])')
	t_is "-j: a part of several blocks; a file with no parts" \
"30000 3 0 29999 1000
[('long.mzs', 1, 30000, $(wc -c < long.mzs | tr -d ' ')), ('noparts.mzs', 0, 0, 48)]" \
	    "$got"
else
	echo "# python3 absent: JSON checked with grep only"
fi

# ------------------------------------------------------------- provenance
if [ -x "$B/bin/mz-head" ]; then
	mz-head -n 5 tracks.mzs > head.mzs
	mz-info head.mzs > head.txt
	t_is "provenance: the chain of tools" \
	    'mzgen 0.1.0 {"rows":300,"bodyparts":3,"missing_every":0} -> mz-head 0.1.0 {"rows":5,"parts":null}' \
	    "$(field head.txt history)"
	t_is "provenance: the rows kept" "20" "$(field head.txt rows)"
	t_like "provenance: a new processing hash" '^[0-9a-f]{16}$' \
	    "$(field head.txt processing)"
	t_ok "provenance: the hashes differ" \
	    test "$(field head.txt processing)" != "$hash"
	cat tracks.mzs head.mzs > both.mzs
	mz-info both.mzs > both.txt
	t_is "provenance: two chains" \
"processing:  2 distinct
             $hash (4 parts): mzgen 0.1.0 {\"rows\":300,\"bodyparts\":3,\"missing_every\":0}
             $(field head.txt processing) (4 parts): mzgen 0.1.0 {\"rows\":300,\"bodyparts\":3,\"missing_every\":0} -> mz-head 0.1.0 {\"rows\":5,\"parts\":null}" \
	    "$(sed -n '/^processing:/,/^bytes:/p' both.txt | sed '$d')"
	mz-info -H both.mzs > bothh.txt
	t_is "provenance: -H lists each chain in full" \
"history of $hash (4 parts):
   1. mzgen 0.1.0 {\"rows\":300,\"bodyparts\":3,\"missing_every\":0}
      processing $hash

history of $(field head.txt processing) (4 parts):
   1. mzgen 0.1.0 {\"rows\":300,\"bodyparts\":3,\"missing_every\":0}
      processing $hash
   2. mz-head 0.1.0 {\"rows\":5,\"parts\":null}
      processing $(field head.txt processing)" \
	    "$(sed -n '/^history of/,$p' bothh.txt)"
else
	echo "# mz-head not built: provenance cases skipped"
fi

# ------------------------------------------------------------- bad input
size=$(wc -c < tracks.mzs)
head -c $((size / 2)) tracks.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-info: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-info trunc.mzs
head -c $((size - 8)) tracks.mzs > trunc2.mzs
t_fails "stream cut inside its ENDS chunk" 1 \
    '^mz-info: trunc2\.mzs: byte [0-9]+: stream truncated' mz-info trunc2.mzs
t_fails "truncated stream on standard input" 1 \
    '^mz-info: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-info < trunc.mzs'
t_fails "a damaged second file prints nothing" 1 \
    '^mz-info: trunc\.mzs: byte [0-9]+: ' mz-info tracks.mzs trunc.mzs
t_fails "-j: a damaged input prints nothing" 1 'trunc\.mzs: byte' \
    mz-info -j tracks.mzs trunc.mzs

# flip FILE OFFSET: change the byte at OFFSET (to its value + 1).
flip() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(((_b + 1) % 256)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp raw.mzs corrupt.mzs
flip corrupt.mzs 50000
t_fails "a corrupt byte in a block" 1 \
    '^mz-info: corrupt\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
    mz-info corrupt.mzs
cp raw.mzs corrupt2.mzs
flip corrupt2.mzs 100
t_fails "a corrupt byte in a header" 1 \
    '^mz-info: corrupt2\.mzs: byte 16: chunk HEAD checksum mismatch' \
    mz-info corrupt2.mzs
cp raw.mzs corrupt3.mzs
flip corrupt3.mzs $(($(wc -c < raw.mzs) - 1))
t_fails "a corrupt byte in the last chunk" 1 \
    '^mz-info: corrupt3\.mzs: byte [0-9]+: ' mz-info corrupt3.mzs
cat tracks.mzs > trailing.mzs
printf 'garbage!' >> trailing.mzs
t_fails "bytes after the end of a stream" 1 \
    '^mz-info: trailing\.mzs: byte [0-9]+: bytes after the end' \
    mz-info trailing.mzs
: > empty.mzs
t_fails "empty file" 1 '^mz-info: empty\.mzs: byte 0: empty input' \
    mz-info empty.mzs
t_fails "empty standard input" 1 '^mz-info: <stdin>: byte 0: empty input' \
    sh -c 'mz-info < /dev/null'
t_fails "not a stream" 1 '^mz-info: sum\.txt: byte 0: not an mzs stream' \
    mz-info sum.txt
t_fails "nonexistent file" 1 '^mz-info: nonexistent\.mzs: No such file' \
    mz-info tracks.mzs nonexistent.mzs
t_fails "unknown option" 2 '^usage: mz-info' mz-info -x tracks.mzs
t_fails "-j with -p" 2 '^mz-info: -j lists every part' mz-info -j -p tracks.mzs
t_fails "-j with -H" 2 '^mz-info: -j lists every part' mz-info -jH tracks.mzs
t_fails "-p takes no value" 2 'usage: mz-info' mz-info --parts=3 tracks.mzs
t_fails "full output device" 1 '^mz-info: <stdout>: No space left' \
    sh -c 'mz-info tracks.mzs > /dev/full'
t_fails "full output device, -j" 1 '^mz-info: <stdout>: No space left' \
    sh -c 'mz-info -j tracks.mzs > /dev/full'

# ---------------------------------------------------------- usage, version
t_ok "--help" mz-info --help
t_is "--help prints the synopsis" "usage: mz-info [-Hjpq] [file ...]" \
    "$(cat "$T/.out")"
t_ok "--version" mz-info --version
t_is "--version prints the version" "mz-info 0.1.0" "$(cat "$T/.out")"
t_done
