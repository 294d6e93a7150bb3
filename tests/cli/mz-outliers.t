#!/bin/sh
# tests: mz-outliers
# requires: mzgen, mz-info; python3 with numpy for tests/cli/filters-ref.py
# (the data with planted outliers and the numpy reference; skipped
# without); mz-convert and ../shared/data for the real files (skipped
# without)
. "$(dirname "$0")/lib.sh"

REF=$TOP/tests/cli/filters-ref.py
if [ -n "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
	NP=$PY
else
	NP=
	echo "# python3 with numpy not found: reference comparisons skipped"
fi

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 1 -i 2 -n 400 -m 9 -c none -o nan.mzs
mzgen -s 1 -i 2 -n 0 -o empty.mzs

# ------------------------------------------------------------- usage
t_ok "--help" mz-outliers --help
t_is "--help prints the synopsis" \
    "usage: mz-outliers [-fq] [-c codec] [-g frames] [-o file] [-r file] [-s scale] [-t threshold] [file ...]" \
    "$(cat "$T/.out")"
t_ok "--version" mz-outliers --version
t_is "--version prints the version" "mz-outliers 0.1.0" "$(cat "$T/.out")"

# ------------------------------------------------- mzgen data, no python
t_ok "mzgen tracks" sh -c 'mz-outliers -o out.mzs tracks.mzs 2> rep.txt'
t_like "the report on stderr: a table per part" \
    '^mz-outliers: part 3 seq1 mouse1: 300 frames$' "$(cat rep.txt)"
t_is "... with a row per bodypart" "12" "$(grep -c '^  bp[0-2] ' rep.txt)"
t_like "the same parts and rows" '^rows: +1200$' "$(mz-info out.mzs)"
t_like "the history entry" \
    'mz-outliers 0\.1\.0 \{"scale":6,"conf_threshold":null,"max_gap":null\}' \
    "$(mz-info out.mzs)"
t_ok "-q: nothing on stderr" sh -c 'mz-outliers -q tracks.mzs > q.mzs 2> q.err && test ! -s q.err'
t_ok "stdin to stdout, through a pipe" \
    sh -c 'cat nan.mzs | mz-outliers -q | cat > piped.mzs'
t_like "... every row written" '^rows: +800$' "$(mz-info piped.mzs)"
t_ok "zero-row parts" sh -c 'mz-outliers -r e.json empty.mzs > e.mzs'
t_like "... stay zero-row parts" '^parts: +2$' "$(mz-info e.mzs)"
t_like "... reported with 0 frames" '"frames":[[:space:]]*0' "$(cat e.json)"
TMPDIR=$T/spool
export TMPDIR
mkdir spool
mz-outliers -q -o s.mzs nan.mzs
t_is "spool files are unlinked: TMPDIR left empty" "" "$(ls -A spool)"
unset TMPDIR

# ------------------------------------------------ against numpy (planted)
if [ -n "$NP" ]; then
	"$NP" "$REF" gen plant.mzs --rows 3000 --parts 3 --plant 60
	mz-outliers -q -r plant.json -o plant.out.mzs plant.mzs
	t_is "planted outliers: all found, none invented" "ok" \
	    "$("$NP" "$REF" planted plant.mzs plant.out.mzs)"
	t_is "planted outliers: thresholds, counts, fills = numpy" "ok" \
	    "$("$NP" "$REF" outliers plant.mzs plant.out.mzs plant.json)"

	# The upstream bug case: NaN (and TRex's +inf) in the recording.
	# np.median would make every threshold NaN and flag nothing.
	"$NP" "$REF" gen nanp.mzs --rows 2500 --parts 2 --plant 40 \
	    --nan-every 11 --nan-run 200:230:2,2490:2500:1 \
	    --inf-run 0:15:3 --seed 7
	mz-outliers -q -r nanp.json -o nanp.out.mzs nanp.mzs
	t_is "NaN recording: = numpy with nanmedian" "ok" \
	    "$("$NP" "$REF" outliers nanp.mzs nanp.out.mzs nanp.json)"
	t_is "NaN recording: the planted outliers are flagged" "0" \
	    "$("$NP" -c '
import sys; sys.path.insert(0, sys.argv[1]); import mzs
import numpy as np
src = list(mzs.read("nanp.mzs")); dst = list(mzs.read("nanp.out.mzs"))
miss = 0
for line in open("nanp.mzs.planted"):
    p, f, k = map(int, line.split())
    if not np.isfinite(src[p].columns["bp%d.x" % k][f]):
        continue
    miss += dst[p].columns["bp%d.p" % k][f] != 0
print(miss)' "$TOP/share/python")"
	t_like "NaN recording: outliers reported" '"outliers":[[:space:]]*[1-9]' \
	    "$(cat nanp.json)"

	# --max-gap, --conf-threshold, --scale, an all-NaN bodypart.
	"$NP" "$REF" gen gap.mzs --rows 1500 --parts 1 --plant 20 \
	    --nan-run 100:105:0,300:340:0,0:8:1,1480:1500:2 --allnan 4 \
	    --lowconf 25
	mz-outliers -q -g 10 -t 0.3 -s 5 -r gap.json -o gap.out.mzs gap.mzs
	t_is "-g 10 -t 0.3 -s 5, an all-NaN bodypart: = numpy" "ok" \
	    "$("$NP" "$REF" outliers gap.mzs gap.out.mzs gap.json --max-gap 10 \
	        --conf 0.3 --scale 5)"
	t_is "-g 10: the 40-frame gap stays NaN, the 5-frame one is filled, the edge gap of 20 stays" \
	    "40 0 20 1500" "$("$NP" -c '
import sys; sys.path.insert(0, sys.argv[1]); import mzs
import numpy as np
p = list(mzs.read("gap.out.mzs"))[0].columns
print(int(np.isnan(p["bp0.x"][300:340]).sum()),
      int(np.isnan(p["bp0.x"][100:105]).sum()),
      int(np.isnan(p["bp2.x"][1480:1500]).sum()),
      int(np.isnan(p["bp4.x"]).sum()))' "$TOP/share/python")"
	t_is "the report's all-NaN bodyparts" '["bp4"]' "$("$NP" -c '
import json; print(json.dumps(json.load(open("gap.json"))["parts"][0]["all_nan"]))')"
	mz-outliers -q -t 0.3 -r nogap.json -o nogap.out.mzs gap.mzs
	t_is "no -g: every gap filled, edges held (np.interp)" "ok" \
	    "$("$NP" "$REF" outliers gap.mzs nogap.out.mzs nogap.json --conf 0.3)"
	"$NP" "$REF" gen f32.mzs --rows 800 --parts 1 --plant 10 --f32 --dim 3 \
	    --nan-every 13
	mz-outliers -q -r f32.json -o f32.out.mzs f32.mzs
	t_is "3-D, f32 coordinates: = numpy (f32 rounding)" "ok" \
	    "$("$NP" "$REF" outliers f32.mzs f32.out.mzs f32.json)"
	# Long parts: the selection goes through the histogram passes (more
	# than 65536 distances per bodypart) and the fills cross chunks.
	"$NP" "$REF" gen long.mzs --rows 150000 --parts 1 --plant 300 \
	    --nan-every 7 --nan-run 60000:140000:1
	mz-outliers -q -r long.json -o long.out.mzs long.mzs
	t_is "150000 frames, an 80000-frame gap: = numpy" "ok" \
	    "$("$NP" "$REF" outliers long.mzs long.out.mzs long.json)"
	# Its end is found by reading ahead of the chunk in memory: the
	# max-gap decision and the fill come from there.
	for g in 70000 90000; do
		mz-outliers -q -g $g -t 0.3 -r lg.json -o lg.out.mzs long.mzs
		t_is "... -g $g -t 0.3 (the gap not filled / filled) = numpy" \
		    "ok" "$("$NP" "$REF" outliers long.mzs lg.out.mzs lg.json \
		        --max-gap $g --conf 0.3)"
	done
	t_is "... all planted found, none invented (no NaN frames)" "ok" \
	    "$("$NP" "$REF" gen long2.mzs --rows 140000 --parts 1 --plant 200 \
	        --seed 5; mz-outliers -q -o long2.out.mzs long2.mzs;
	        "$NP" "$REF" planted long2.mzs long2.out.mzs)"
	# Coordinates on a 4-pixel grid: the distances tie so much that the
	# values between the sample's bracketing quantiles are too many to
	# collect, and the selection falls back to the histogram passes.
	"$NP" "$REF" gen grid.mzs --rows 100000 --parts 1 --quantum 4 \
	    --plant 100 --nan-every 11
	mz-outliers -q -r grid.json -o grid.out.mzs grid.mzs
	t_is "100000 frames on a grid (tied distances): = numpy" "ok" \
	    "$("$NP" "$REF" outliers grid.mzs grid.out.mzs grid.json)"
	t_ok "--report - with -o" sh -c \
	    'mz-outliers -q -r - -o x.mzs plant.mzs > x.json'
	t_is "... writes the same report to stdout" "$(cat plant.json)" \
	    "$(cat x.json)"
fi

# ------------------------------------------------------ real data
CONVERT=$B/bin/mz-convert
if [ -n "$DATA" ] && [ -x "$CONVERT" ] && [ -n "$NP" ]; then
	for f in dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5 \
	    sleap/predictions.analysis.h5 trex/locusts-noqr_20250117_5_id0.npz; do
		b=$(basename "$f")
		if ! mz-convert -o "$b.mzs" "$DATA/$f" 2> conv.err; then
			echo "# mz-convert could not read $f: skipped ($(head -1 conv.err))"
			continue
		fi
		mz-outliers -q -r "$b.json" -o "$b.out.mzs" "$b.mzs"
		t_is "real data $f: = numpy" "ok" \
		    "$("$NP" "$REF" outliers "$b.mzs" "$b.out.mzs" "$b.json")"
	done
else
	echo "# real data: needs \$DATA, $CONVERT and numpy: skipped"
fi

# ------------------------------------------------------------ bad input
size=$(wc -c < nan.mzs)
head -c $((size - 200)) nan.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-outliers: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-outliers -q -r never.json -o never.mzs trunc.mzs
t_ok "truncated: no output file, no report" \
    test ! -e never.mzs -a ! -e never.json
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never')"
t_fails "truncated on stdin" 1 '^mz-outliers: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-outliers -q < trunc.mzs > /dev/null'
if [ -n "$NP" ]; then
	"$NP" "$REF" gen nometa.mzs --rows 50 --parts 1 --no-meta
	t_fails "no bodyparts metadata" 1 \
	    '^mz-outliers: nometa\.mzs: part 0 seq0: no "bodyparts" metadata' \
	    mz-outliers -q -o never.mzs nometa.mzs
	"$NP" "$REF" gen nocol.mzs --rows 50 --parts 1 --no-col bp2.y
	t_fails "a bodypart without its .y column" 1 \
	    "^mz-outliers: nocol\\.mzs: part 0 seq0: bodypart 'bp2' has no column 'bp2\\.y'" \
	    mz-outliers -q -o never.mzs nocol.mzs
	t_ok "failed runs left no output" test ! -e never.mzs
fi
for v in abc -1 1e400 ''; do
	t_fails "-s '$v'" 2 "^mz-outliers: bad scale" \
	    mz-outliers -s "$v" -o never.mzs tracks.mzs
done
for v in x -3 1.5; do
	t_fails "-g '$v'" 2 "^mz-outliers: bad maximum gap '$v'" \
	    mz-outliers -g "$v" -o never.mzs tracks.mzs
done
t_fails "-t nan" 2 "^mz-outliers: bad confidence threshold 'nan'" \
    mz-outliers -t nan -o never.mzs tracks.mzs
t_fails "--report - to stdout" 2 '^mz-outliers: --report - needs the stream in a file' \
    mz-outliers -r - tracks.mzs
t_fails "unknown option" 2 '^usage: mz-outliers' mz-outliers -x tracks.mzs
t_fails "nonexistent file" 1 '^mz-outliers: nope\.mzs: No such file' \
    mz-outliers -o never.mzs tracks.mzs nope.mzs
t_fails "-r in a missing directory" 1 '^mz-outliers: nodir/r\.json' \
    mz-outliers -q -r nodir/r.json -o never.mzs tracks.mzs
t_ok "no output file after any failure" test ! -e never.mzs
t_fails "standard output on /dev/full" 1 '^mz-outliers: <stdout>: No space left' \
    sh -c 'mz-outliers -q tracks.mzs > /dev/full'
t_done
