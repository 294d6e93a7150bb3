#!/bin/sh
# tests: mz-syllables
# requires: mz-simulate (syllable streams from its state column), python3
# with numpy/pandas for the references (skipped without), h5py and h5dump
# for the results.h5 checks (skipped without each).
. "$(dirname "$0")/lib.sh"

REF="$TOP/tests/cli/syllables-ref.py"
# mk OUT JSON: a stream made by the reference's own mzs(5) writer.
mk() {
	"$PY" "$REF" make "$@"
}
# ref CHECK ARGS: a numpy reference check; prints ok or what differs.
ref() {
	"$PY" "$REF" "$@" 2>&1
}

# --------------------------------------------------------------- fixtures
# The true states of a simulation: 4 sequences in 2 groups, 5 states.
mz-simulate -s 4 -g 2 -n 3000 -z 5 --truth-only -o sim.mzs
# Upstream's documented example: {'name1': [1,1,2,2,2,3], 'name2': [0,0,0,1]};
# merge.mzs: runs that meet at a recording boundary (b ends with 1, c
# starts with 1); merge3.mzs: b is one run, merged with a's last and c's
# first; neg, big, wide, nofps, dup: bad inputs.
if [ -n "$PY" ]; then
	mk ex.mzs '[{"meta":{"sequence":"name1","fps":30},"columns":[["syllable","i32",[1,1,2,2,2,3]]]},{"meta":{"sequence":"name2","fps":30},"columns":[["syllable","i64",[0,0,0,1]]]}]' \
	    merge.mzs '[{"meta":{"sequence":"c","fps":10},"columns":[["syllable","i32",[1,1,0]]]},{"meta":{"sequence":"b","fps":10},"columns":[["syllable","i32",[0,1]]]}]' \
	    merge3.mzs '[{"meta":{"sequence":"c","fps":10},"columns":[["syllable","i32",[1,2]]]},{"meta":{"sequence":"a","fps":10},"columns":[["syllable","i32",[0,1]]]},{"meta":{"sequence":"b","fps":20},"columns":[["syllable","i32",[1,1,1]]]}]' \
	    neg.mzs '[{"meta":{"sequence":"a","fps":30},"columns":[["syllable","i32",[0,1,-3,1]]]}]' \
	    big.mzs '[{"meta":{"sequence":"a","fps":30},"columns":[["syllable","i64",[0,16777216]]]}]' \
	    wide.mzs '[{"meta":{"sequence":"a","fps":30},"columns":[["syllable","i32",[0,5000]]]}]' \
	    nofps.mzs '[{"meta":{"sequence":"a"},"columns":[["syllable","i32",[0,1]]]}]' \
	    dup.mzs '[{"meta":{"sequence":"a","fps":30},"columns":[["syllable","i32",[0]]]},{"meta":{"sequence":"a","fps":30},"columns":[["syllable","i32",[1]]]}]'
else
	echo "# no python3 with numpy: the upstream example and references are skipped"
fi

# ------------------------------------------------- upstream's examples
if [ -n "$PY" ]; then
	t_is "durations: upstream's example [2,3,1,3,1]" "2 3 1 3 1" \
	    "$(mz-syllables durations ex.mzs | awk -F, 'NR > 1 { printf "%s%s", s, $5; s = " " }')"
	mz-syllables stats ex.mzs > ex.csv
	t_is "stats: run-length frequencies [0.2,0.4,0.2,0.2]" \
	    "0.2 0.4 0.2 0.2" \
	    "$(awk -F, 'NR > 1 { printf "%s%s", s, $3; s = " " }' ex.csv)"
	t_is "stats: per-frame usage [0.3,0.3,0.3,0.1]" "0.3 0.3 0.3 0.1" \
	    "$(awk -F, 'NR > 1 { printf "%s%s", s, $5; s = " " }' ex.csv)"
	t_is "stats: the whole table" \
	    "syllable,instances,frequency,frames,usage,duration_mean,duration_median,duration_mean_ms,duration_median_ms
0,1,0.2,3,0.3,3,3,100,100
1,2,0.4,3,0.3,1.5,1.5,50,50
2,1,0.2,3,0.3,3,3,100,100
3,1,0.2,1,0.1,1,1,33.333333333333336,33.333333333333336" "$(cat ex.csv)"
	t_is "durations -s: 5 runs, median 2 frames, 66.7 ms" \
	    "instances,mean,median,min,max,mean_ms,median_ms,min_ms,max_ms
5,2,2,1,3,66.66666666666666,66.66666666666667,33.333333333333336,100" \
	    "$(mz-syllables durations -s ex.mzs)"
	t_is "transitions: run pairs, bigram-normalised" \
	    "0 1 1 0.3333333333333333|1 2 1 0.3333333333333333|2 3 1 0.3333333333333333" \
	    "$(mz-syllables transitions ex.mzs | awk -F, 'NR > 1 && $3 > 0 { printf "%s%s %s %s %s", s, $1, $2, $3, $4; s = "|" }')"
	t_is "transitions -U: upstream drops each recording's first run" \
	    "2 3 1 1" \
	    "$(mz-syllables transitions -U ex.mzs | awk -F, 'NR > 1 && $3 > 0 { print $1, $2, $3, $4 }')"
	t_is "transitions -N rows: an empty row is NaN" "nan,nan,nan,nan" \
	    "$(mz-syllables transitions -N rows ex.mzs | awk -F, '$1 == 3 { printf "%s%s", s, $4; s = "," }')"
	t_is "transitions --self: the frame pairs" \
	    '{"counts":[[2,1,0,0],[0,1,1,0],[0,0,2,1],[0,0,0,0]],"normalized":[[0.25,0.125,0,0],[0,0.125,0.125,0],[0,0,0.25,0.125],[0,0,0,0]]}' \
	    "$(mz-syllables transitions -j --self ex.mzs | sed -n 2p)"
	t_is "stats -j: an array of objects" \
	    '{"syllable":3,"instances":1,"frequency":0.2,"frames":1,"usage":0.1,"duration_mean":1,"duration_median":1,"duration_mean_ms":33.333333333333336,"duration_median_ms":33.333333333333336}' \
	    "$(mz-syllables stats -j ex.mzs | sed -n 5p)"
	t_ok "stats -j: valid JSON" sh -c \
	    'mz-syllables stats -j -b part ex.mzs | "$0" -c "import json, sys; d = json.load(sys.stdin); assert len(d) == 8 and d[4][\"name\"] == \"name2\""' "$PY"
	t_is "durations: runs end at recording boundaries" "2 1 1 1" \
	    "$(mz-syllables durations merge.mzs | awk -F, 'NR > 1 { printf "%s%s", s, $5; s = " " }')"
	t_is "durations -U: upstream merges them (names in order: b, c)" \
	    "1 3 1" \
	    "$(mz-syllables durations -U merge.mzs | awk -F, 'NR > 1 { printf "%s%s", s, $5; s = " " }')"
	t_is "durations -U: a recording of one run merged on both sides (a, b, c)" \
	    "a 0 1 100|a 1 5 350|c 2 1 100" \
	    "$(mz-syllables durations -U merge3.mzs | awk -F, 'NR > 1 { printf "%s%s %s %s %s", s, $2, $3, $5, $6; s = "|" }')"
	mz-syllables stats -U -o m3.csv merge3.mzs
	mz-syllables durations -U -o m3d.csv merge3.mzs
	printf '%s\n' "stats merge3.mzs m3.csv --upstream" \
	    "durations merge3.mzs m3d.csv --upstream" > m3.txt
	t_is "... stats -U and durations -U = numpy" "ok ok" \
	    "$(ref batch m3.txt | tr '\n' ' ' | sed 's/ $//')"
fi

# ----------------------------------------------- against numpy references
if [ -n "$PY" ]; then
	: > batch.txt
	for by in all group part; do
		for u in "" -U; do
			mz-syllables stats -c state -b $by $u -o st-$by$u.csv sim.mzs
			echo "stats sim.mzs st-$by$u.csv --column state --by $by" \
			    "${u:+--upstream}" >> batch.txt
		done
	done
	mz-syllables durations -c state -o d.csv sim.mzs
	echo "durations sim.mzs d.csv --column state" >> batch.txt
	mz-syllables durations -U -c state -o du.csv sim.mzs
	echo "durations sim.mzs du.csv --column state --upstream" >> batch.txt
	ref batch batch.txt > batch.out
	i=0
	for what in "stats -b all" "stats -b all -U" "stats -b group" \
	    "stats -b group -U" "stats -b part" "stats -b part -U" \
	    "durations = get_durations per recording" \
	    "durations -U = get_durations of the concatenation"; do
		i=$((i + 1))
		t_is "$what = numpy (1e-12)" ok "$(sed -n ${i}p batch.out)"
	done
	: > batch.txt
	for n in bigram rows columns none; do
		for by in all group part; do
			for x in "" --self; do
				for u in "" -U; do
					f=t-$n-$by$x$u.json
					mz-syllables transitions -j -c state \
					    -N $n -b $by $x $u sim.mzs > $f
					echo "transitions sim.mzs $f --column" \
					    "state --norm $n --by $by $x" \
					    "${u:+--upstream}" >> batch.txt
				done
			done
		done
	done
	t_is "transitions: 48 combinations of -N, -b, --self, -U = numpy" \
	    "48 ok" "$(ref batch batch.txt | sort | uniq -c | sed 's/^ *//')"
	mz-syllables transitions -j -c state -U -m 3 --smoothing 0.5 \
	    -N rows sim.mzs > t.json
	t_is "transitions -m 3 --smoothing 0.5 = get_transition_matrix" ok \
	    "$(ref transitions sim.mzs t.json --column state --max 3 --smoothing 0.5 --norm rows --upstream)"
	mz-syllables transitions -c state -N columns -o tl.csv sim.mzs
	mz-syllables transitions -j -c state -N columns -o tj.json sim.mzs
	t_is "transitions: the CSV holds the JSON's matrices" "True" \
	    "$("$PY" -c 'import json, pandas as pd, numpy as np
c = pd.read_csv("tl.csv", float_precision="round_trip"); j = json.load(open("tj.json"))["matrices"][0]
S = int(c["from"].max()) + 1
n = np.array([[np.nan if x is None else x for x in r] for r in j["normalized"]])
print(c["count"].to_numpy().reshape(S, S).tolist() == j["counts"] and
      np.allclose(c["normalized"].to_numpy().reshape(S, S), n, rtol=0, atol=0, equal_nan=True))')"
fi
t_like "stats -b group: a group column, groups g0 and g1" \
    '^group,syllable,instances' \
    "$(mz-syllables stats -b group -c state sim.mzs | head -1)"
t_is "stats -b group: 5 syllables x 2 groups" "10" \
    "$(mz-syllables stats -b group -c state sim.mzs | awk 'NR > 1' | wc -l | tr -d ' ')"
t_is "stats -b part: usage of each recording sums to 1" \
    "1 1 1 1" \
    "$(mz-syllables stats -b part -c state sim.mzs | awk -F, 'NR > 1 { u[$2] += $7 } END { for (k in u) { printf "%s%g", s, u[k]; s = " " } }')"
t_is "durations -s -b group: two rows" "3" \
    "$(mz-syllables durations -s -b group -c state sim.mzs | wc -l | tr -d ' ')"

# The simulation's truth: median duration 12 frames (400 ms at 30 fps).
mz-simulate -s 2 -n 20000 -z 4 --truth-only -o long.mzs
t_like "durations -s on the truth: median 12 frames, 400 ms" \
    '^[0-9]+,[0-9.]+,12,1,[0-9]+,[0-9.]+,400,' \
    "$(mz-syllables durations -s -c state long.mzs | tail -1)"
t_like "--fps overrides the metadata" '^[0-9]+,[0-9.]+,12,1,[0-9]+,[0-9.]+,200,' \
    "$(mz-syllables durations -s --fps 60 -c state long.mzs | tail -1)"

# ------------------------------------------------------------------ export
mz-simulate -s 3 -n 5000 --latent -o lat.mzs
if [ -n "$PY" ]; then
	# A recording with everything export reads: syllable, centroid,
	# heading and pc columns, values over many magnitudes, a NaN.
	"$PY" - <<'EOF'
import json, subprocess, sys, numpy as np
rng = np.random.default_rng(3)
parts = []
for seq, grp, n in (("rec/a", "g1", 7), ("rec2", "g2", 5000), ("rec3", "g1", 0)):
    v = rng.normal(size=(n, 6)) * [100, 100, 1, 1e-5, 1e17, 3]
    v[:, 0] = np.round(v[:, 0], 5)
    if n:
        v[n // 2, 2] = np.nan
        v[0, 1] = 0.00005     # a tie that numpy rounds half to even
        v[1, 1] = -0.00004
    cols = [["syllable", "i32", rng.integers(0, 4, n).tolist()],
            ["centroid.x", "f64", v[:, 0].tolist()],
            ["centroid.y", "f64", v[:, 1].tolist()],
            ["heading", "f64", [None if x != x else x for x in v[:, 2]]],
            ["pc0", "f64", v[:, 3].tolist()], ["pc1", "f32", v[:, 4].tolist()],
            ["pc2", "f64", v[:, 5].tolist()]]
    parts.append({"meta": {"sequence": seq, "group": grp, "fps": 30},
                  "columns": cols})
json.dump(parts, open("exp.json", "w"))
EOF
	mk exp.mzs @exp.json
	t_ok "export -H -C" mz-syllables export -q -H out/results.h5 -C out exp.mzs
	t_is "export: the files (the part without rows skipped)" \
	    "rec-a.csv rec2.csv results.h5" "$(ls out | tr '\n' ' ' | sed 's/ $//')"
	if "$PY" -c 'import h5py' 2>/dev/null; then
		mz-syllables export -c state --latent 'latent*' -H lat.h5 -C latcsv lat.mzs
		printf '%s\n' "export exp.mzs out/results.h5 out" \
		    "export lat.mzs lat.h5 latcsv --column state --latent latent*" \
		    > xbatch.txt
		ref batch xbatch.txt > xbatch.out
		t_is "export = h5py read-back and pandas' save_results_as_csv, byte for byte" \
		    ok "$(sed -n 1p xbatch.out)"
		t_is "export -c state --latent 'latent*' (no centroid/heading columns)" \
		    ok "$(sed -n 2p xbatch.out)"
		t_is "... the CSV columns" \
		    "syllable,latent_state 0,latent_state 1,latent_state 2,latent_state 3,latent_state 4,latent_state 5" \
		    "$(head -1 latcsv/sim0.csv)"
		t_is "export: upstream's load_hdf5 reads it back" "['rec-a', 'rec2'] (7,) (7, 2) (5000, 3)" \
		    "$("$PY" -c 'import h5py
def load(leaf):
    if isinstance(leaf, h5py.Dataset):
        return leaf[()]
    assert leaf.attrs["type"] == "dict"
    return dict(zip(leaf.keys(), map(load, leaf.values())))
with h5py.File("out/results.h5", "r") as f:
    d = {k: load(f[k]) for k in f}
print(list(d), d["rec-a"]["syllable"].shape, d["rec-a"]["centroid"].shape, d["rec2"]["latent_state"].shape)')"
	else
		echo "# h5py absent: results.h5 read-back skipped"
	fi
	t_is "export CSV: header and the rounding of ties (0.00005 -> 0.0, -0.00004 -> -0.0)" \
	    "syllable,centroid x,centroid y,heading,latent_state 0,latent_state 1,latent_state 2" \
	    "$(head -1 out/rec2.csv)"
	t_like "export CSV: a NaN heading is an empty cell" '^[0-9]+,[-0-9.e+]+,[-0-9.e+]+,,' \
	    "$(sed -n 2502p out/rec2.csv)"
	if command -v h5dump > /dev/null 2>&1; then
		h5dump -H out/results.h5 > dump.txt
		t_is "h5dump: one group per recording" 'GROUP "rec-a" GROUP "rec2"' \
		    "$(grep -o 'GROUP "rec[^"]*"' dump.txt | tr '\n' ' ' | sed 's/ $//')"
		t_is "h5dump: datasets and dtypes of rec2" \
		    'centroid H5T_IEEE_F64LE ( 5000, 2 )|heading H5T_IEEE_F64LE ( 5000 )|latent_state H5T_IEEE_F64LE ( 5000, 3 )|syllable H5T_STD_I64LE ( 5000 )' \
		    "$(h5dump -H -g rec2 out/results.h5 | awk '/DATASET/ { gsub(/"/, "", $2); n = $2 } /DATATYPE/ && n { t = $2 } /DATASPACE/ && n { sub(/.*SIMPLE \{ /, ""); sub(/ \/.*/, ""); printf "%s%s %s %s", s, n, t, $0; s = "|"; n = "" }')"
		t_like "h5dump: the type attribute is \"dict\"" '"dict"' \
		    "$(h5dump -a /rec2/type out/results.h5)"
		t_is "h5dump: the syllables of rec-a" \
		    "$("$PY" -c 'import json; print(", ".join(map(str, json.load(open("exp.json"))[0]["columns"][0][2])))')" \
		    "$(h5dump -d /rec-a/syllable -y out/results.h5 | awk '/DATA \{/ { d = 1; next } d && /\}/ { d = 0 } d' | tr -d ' \n' | sed 's/,/, /g')"
	else
		echo "# h5dump absent (hdf5-tools): h5dump checks skipped"
	fi
fi
t_ok "export -C alone" mz-syllables export -c state -C only lat.mzs
t_is "export -C alone: one CSV per recording" "sim0.csv sim1.csv sim2.csv" \
    "$(ls only | tr '\n' ' ' | sed 's/ $//')"
t_is "export: CSV rows" "5001" "$(wc -l < only/sim1.csv | tr -d ' ')"
t_ok "export -H alone, from standard input" \
    sh -c 'mz-syllables export -c state -H only.h5 < lat.mzs'
t_ok "export: a file, not a directory" test -f only.h5

# --------------------------------------------------------- inputs, outputs
mz-syllables stats -c state sim.mzs > a.csv
mz-syllables stats -c state < sim.mzs > b.csv
t_is "standard input" "$(cat a.csv)" "$(cat b.csv)"
mz-head -p 2 sim.mzs > first.mzs
t_ok "-o FILE" mz-syllables stats -c state -o o.csv sim.mzs
t_is "-o FILE: nothing on standard output" "" "$(cat "$T/.out")"
t_is "-o FILE: the same table" "$(cat a.csv)" "$(cat o.csv)"
t_is "several inputs read as one stream" \
    "$(cat first.mzs sim.mzs | mz-syllables stats -b part -c state)" \
    "$(mz-syllables stats -b part -c state first.mzs sim.mzs)"
t_is "... '-' among them" \
    "$(cat first.mzs sim.mzs | mz-syllables stats -b group -c state)" \
    "$(mz-syllables stats -b group -c state first.mzs - < sim.mzs)"
mz-simulate -s 1 -n 100 --truth-only | mz-head -n 0 > empty-part.mzs
cat empty-part.mzs sim.mzs > withempty.mzs
t_ok "a part without rows: skipped" \
    sh -c 'mz-syllables stats -c state withempty.mzs > we.csv 2> we.err'
t_like "... with a warning" 'part 0 \(sim0\): no rows; skipped' "$(cat we.err)"
t_is "... the same statistics" "$(cat a.csv)" "$(cat we.csv)"
t_is "-q: no warning" "" \
    "$(mz-syllables stats -q -c state withempty.mzs 2>&1 > /dev/null)"

# --------------------------------------------------------------- bad input
t_fails "no syllable column" 1 \
    "^mz-syllables: sim\.mzs: part 0: no column 'syllable'" \
    mz-syllables stats -o never.csv sim.mzs
t_fails "no such column (export)" 1 "^mz-syllables: sim\.mzs: part 0: no column 'nope'" \
    mz-syllables export -c nope -H never.h5 -C neverdir sim.mzs
t_ok "export failure: no output left" \
    sh -c 'test ! -e never.h5 && test -z "$(ls -A neverdir 2>/dev/null)"'
t_fails "a float column" 1 "column 'time' is f64, not an integer type" \
    mz-syllables stats -c time sim.mzs
t_fails "only empty parts" 1 '^mz-syllables: no syllables in the input' \
    mz-syllables stats -q -c state empty-part.mzs
t_fails "only empty parts (export)" 1 '^mz-syllables: no rows in the input' \
    mz-syllables export -q -c state -H never.h5 empty-part.mzs
if [ -n "$PY" ]; then
	t_fails "a negative syllable" 1 \
	    '^mz-syllables: neg\.mzs: part 0: row 2: negative syllable -3$' \
	    mz-syllables stats -o never.csv neg.mzs
	t_fails "a negative syllable (export)" 1 'row 2: negative syllable -3' \
	    mz-syllables export -H never.h5 -C never neg.mzs
	t_ok "... no output left" sh -c 'test ! -e never.h5 && test -z "$(ls -A never 2>/dev/null)"'
	t_fails "a syllable too large" 1 'row 1: syllable 16777216 above 16777215' \
	    mz-syllables stats big.mzs
	t_fails "a transition matrix too large" 1 'syllable 5000: a 5001 x 5001 transition matrix is too large \(at most 1024' \
	    mz-syllables transitions wide.mzs
	t_ok "... -m caps it" sh -c 'mz-syllables transitions -m 10 wide.mzs > /dev/null'
	t_fails "no fps" 1 '^mz-syllables: nofps\.mzs: part 0 \(a\): no fps in the metadata \(give --fps\)' \
	    mz-syllables durations nofps.mzs
	t_ok "... --fps" sh -c 'mz-syllables durations --fps 25 nofps.mzs > /dev/null'
	t_ok "... transitions need none" sh -c 'mz-syllables transitions nofps.mzs > /dev/null'
	t_fails "export: two recordings of one name" 1 "part 1 \\(a\\): recording name 'a' used twice" \
	    mz-syllables export -H never.h5 dup.mzs
	t_ok "... no output left" test ! -e never.h5
fi
size=$(wc -c < lat.mzs)
head -c $((size - 5000)) lat.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-syllables: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-syllables stats -c state -o never.csv trunc.mzs
t_ok "... no output file" test ! -e never.csv
t_fails "truncated stream (export)" 1 '^mz-syllables: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-syllables export -c state -H never.h5 -C nevercsv trunc.mzs
t_ok "... no output left" \
    sh -c 'test ! -e never.h5 && test -z "$(ls -A nevercsv 2>/dev/null)"'
t_is "... and no temporary file" "0" "$(ls -a . nevercsv 2>/dev/null | grep -c '^\.never')"
t_fails "truncated standard input" 1 '^mz-syllables: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-syllables stats -c state < trunc.mzs'
: > empty.mzs
t_fails "empty input" 1 '^mz-syllables: empty\.mzs: byte 0: empty input' \
    mz-syllables stats empty.mzs
t_fails "not a stream" 1 'not an mzs stream' \
    sh -c 'echo hello > x.txt; mz-syllables stats x.txt'
t_fails "nonexistent file" 1 '^mz-syllables: nonexistent\.mzs: No such file' \
    mz-syllables stats -c state sim.mzs nonexistent.mzs
t_fails "-o /dev/full" 1 '^mz-syllables: /dev/full: No space left' \
    mz-syllables stats -c state -o /dev/full sim.mzs
t_fails "standard output on /dev/full" 1 'No space left' \
    sh -c 'mz-syllables stats -c state sim.mzs > /dev/full'
t_fails "export -H in a missing directory" 1 '^mz-syllables: nodir/r\.h5: No such file' \
    mz-syllables export -c state -H nodir/r.h5 sim.mzs

# ------------------------------------------------------------ bad options
t_fails "no command" 2 '^mz-syllables: no command' mz-syllables
t_fails "unknown command" 2 "^mz-syllables: unknown command 'stat'" \
    mz-syllables stat sim.mzs
t_fails "-b bad" 2 "^mz-syllables: bad -b 'sequence'" \
    mz-syllables stats -b sequence sim.mzs
t_fails "-N bad" 2 "^mz-syllables: bad normalization 'row'" \
    mz-syllables transitions -N row sim.mzs
t_fails "-m 0" 2 "^mz-syllables: bad maximum '0'" \
    mz-syllables transitions -m 0 sim.mzs
t_fails "--smoothing -1" 2 "^mz-syllables: bad smoothing '-1'" \
    mz-syllables transitions --smoothing -1 sim.mzs
t_fails "--fps 0" 2 "^mz-syllables: bad frame rate '0'" \
    mz-syllables stats --fps 0 sim.mzs
t_fails "an option of another command" 2 \
    '^mz-syllables: stats: option --self does not apply' \
    mz-syllables stats --self sim.mzs
t_fails "-H for stats" 2 '^mz-syllables: stats: option -H does not apply' \
    mz-syllables stats -H x.h5 sim.mzs
t_fails "export without -H or -C" 2 '^mz-syllables: export: give -H file, -C dir' \
    mz-syllables export sim.mzs
t_fails "durations -b without -s" 2 'durations: -b needs -s' \
    mz-syllables durations -b group sim.mzs
t_fails "unknown option" 2 '^usage: mz-syllables' mz-syllables stats -x sim.mzs

t_ok "--help" mz-syllables --help
t_like "--help prints the four synopsis lines" \
    '^usage: mz-syllables stats .*
       mz-syllables durations .*
       mz-syllables transitions .*
       mz-syllables export ' "$(cat "$T/.out")"
t_ok "stats --help" mz-syllables stats --help
t_ok "--version" mz-syllables --version
t_is "--version prints the version" "mz-syllables 0.1.0" "$(cat "$T/.out")"
t_done
