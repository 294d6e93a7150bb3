#!/bin/sh
# tests: mz-smooth
# requires: mzgen, mz-info; python3 with numpy and scipy for
# tests/cli/filters-ref.py (scipy.signal.savgol_filter and medfilt; skipped
# without); mz-convert and ../shared/data for the real files (skipped
# without)
. "$(dirname "$0")/lib.sh"

REF=$TOP/tests/cli/filters-ref.py
if [ -n "$PY" ] && "$PY" -c 'import numpy, scipy.signal' 2>/dev/null; then
	NP=$PY
else
	NP=
	echo "# python3 with numpy and scipy not found: reference comparisons skipped"
fi

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 1 -i 1 -n 30000 -m 17 -c none -o long.mzs
mzgen -s 1 -i 2 -n 0 -o empty.mzs

# ------------------------------------------------------------- usage
t_ok "--help" mz-smooth --help
t_is "--help prints the synopsis" \
    "usage: mz-smooth [-fq] [-c codec] [-k columns] [-m method] [-o file] [-r order] [-w window] [file ...]" \
    "$(cat "$T/.out")"
t_ok "--version" mz-smooth --version
t_is "--version prints the version" "mz-smooth 0.1.0" "$(cat "$T/.out")"

# ------------------------------------------------- mzgen data, no python
t_ok "defaults" sh -c 'mz-smooth tracks.mzs > d.mzs'
mz-info d.mzs > d.txt
mz-info -j d.mzs > d.json
t_like "the same rows" '^rows: +1200$' "$(cat d.txt)"
t_like "the same columns" '^columns: +12$' "$(cat d.txt)"
t_like "the smooth metadata" \
    '"smooth": ?\{"method": ?"savgol", ?"window": ?5, ?"order": ?2, ?"columns": ?\["bp0\.x", ?"bp0\.y", ?"bp1\.x", ?"bp1\.y", ?"bp2\.x", ?"bp2\.y"\]\}' \
    "$(cat d.json)"
t_like "the history entry" \
    '"options": ?\{"method": ?"savgol", ?"window": ?"5", ?"order": ?2, ?"columns": ?null\}' \
    "$(cat d.json)"
t_ok "-w 0.2s at 30 fps" sh -c 'mz-smooth -w 0.2s tracks.mzs > s.mzs'
t_like "... is 7 frames (6 made odd)" '"window": ?7' "$(mz-info -j s.mzs)"
t_like "-w 0.1s is 3 frames" '"window": ?3' \
    "$(mz-smooth -w 0.1s tracks.mzs | mz-info -j)"
t_ok "zero-row parts" sh -c 'mz-smooth empty.mzs > e.mzs'
t_like "... stay" '^parts: +2$' "$(mz-info e.mzs)"
t_ok "a stream through a pipe" sh -c 'cat long.mzs | mz-smooth -m median -w 31 | cat > lp.mzs'
t_like "... all rows" '^rows: +30000$' "$(mz-info lp.mzs)"

# ------------------------------------------------- against scipy, numpy
if [ -n "$NP" ]; then
	"$NP" "$REF" gen clean.mzs --rows 2000 --parts 2 --dim 3
	"$NP" "$REF" gen holes.mzs --rows 400 --parts 2 --nan-every 4 \
	    --nan-run 10:40:1,390:400:2,0:3:3 --inf-run 100:104:0 --seed 3
	: > jobs
	for args in "savgol 5 2" "savgol 11 3" "savgol 31 5" "savgol 51 4" \
	    "savgol 1 0" "median 3" "median 9" "median 1"; do
		set -- $args
		r=${3:+-r $3}
		mz-smooth -m "$1" -w "$2" $r -o "c$1$2.mzs" clean.mzs
		mz-smooth -m "$1" -w "$2" $r -o "h$1$2.mzs" holes.mzs
		echo "smooth clean.mzs c$1$2.mzs $args" >> jobs
		echo "smooth holes.mzs h$1$2.mzs $args" >> jobs
	done
	"$NP" "$REF" batch jobs > results
	exec 3< results
	for args in "savgol 5 2" "savgol 11 3" "savgol 31 5" "savgol 51 4" \
	    "savgol 1 0" "median 3" "median 9" "median 1"; do
		read -r res <&3
		t_is "$args: = scipy and the exact weights (3-D, no NaN, 'interp' edges)" \
		    "ok" "$res"
		read -r res <&3
		t_is "$args: windows with NaN/inf = fit of their valid samples" \
		    "ok" "$res"
	done
	exec 3<&-
	"$NP" "$REF" gen short.mzs --rows 6 --parts 1 --nan-run 2:3:0
	mz-smooth -w 9 -r 2 -o sh.mzs short.mzs
	t_is "a part shorter than the window: fitted whole" "ok" \
	    "$("$NP" "$REF" smooth short.mzs sh.mzs savgol 9 2)"
	"$NP" "$REF" gen f32.mzs --rows 900 --parts 1 --f32
	mz-smooth -w 9 -r 3 -o f.mzs f32.mzs
	t_is "f32 columns stay f32 (one rounding)" "ok" \
	    "$("$NP" "$REF" smooth f32.mzs f.mzs savgol 9 3)"
	mz-smooth -w 7 -r 2 -k 'bp1.*,bp3.x' -o k.mzs clean.mzs
	t_is "-k 'bp1.*,bp3.x': those columns only (bp1.p too)" "ok" \
	    "$("$NP" "$REF" smooth clean.mzs k.mzs savgol 7 2 \
	        --columns bp1.x,bp1.y,bp1.z,bp1.p,bp3.x)"
	# Long parts: blocks of 700 rows, windows across block boundaries.
	"$NP" "$REF" gen big.mzs --rows 20000 --parts 1 --nan-every 400
	mz-smooth -w 51 -r 4 big.mzs | cat > b.mzs
	t_is "20000 rows through a pipe, -w 51 -r 4" "ok" \
	    "$("$NP" "$REF" smooth big.mzs b.mzs savgol 51 4)"
fi

# ------------------------------------------------------ real data
CONVERT=$B/bin/mz-convert
if [ -n "$DATA" ] && [ -x "$CONVERT" ] && [ -n "$NP" ]; then
	for f in dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5 \
	    sleap/predictions.analysis.h5; do
		b=$(basename "$f")
		if ! mz-convert -o "$b.mzs" "$DATA/$f" 2> conv.err; then
			echo "# mz-convert could not read $f: skipped ($(head -1 conv.err))"
			continue
		fi
		mz-smooth -w 7 -r 3 -o "$b.out.mzs" "$b.mzs"
		t_is "real data $f: = scipy / direct fit" "ok" \
		    "$("$NP" "$REF" smooth "$b.mzs" "$b.out.mzs" savgol 7 3)"
	done
else
	echo "# real data: needs \$DATA, $CONVERT and numpy/scipy: skipped"
fi

# ------------------------------------------------------------ bad input
size=$(wc -c < long.mzs)
head -c $((size / 2)) long.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-smooth: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-smooth -o never.mzs trunc.mzs
t_ok "truncated: no output file" test ! -e never.mzs
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never')"
t_fails "truncated on stdin" 1 '^mz-smooth: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-smooth < trunc.mzs > /dev/null'
for v in 4 0 -3 abc 1.5 '' 0s -1s xs 2000001; do
	t_fails "-w '$v'" 2 "^mz-smooth: bad window '$v'" \
	    mz-smooth -w "$v" -o never.mzs tracks.mzs
done
for v in -1 21 x; do
	t_fails "-r '$v'" 2 "^mz-smooth: bad order '$v'" \
	    mz-smooth -r "$v" -o never.mzs tracks.mzs
done
t_fails "-w 5 -r 5: order not below the window" 2 \
    '^mz-smooth: window 5 is too short for order 5' \
    mz-smooth -w 5 -r 5 -o never.mzs tracks.mzs
t_fails "-w 0.1s -r 3: 3 frames at 30 fps" 1 \
    '^mz-smooth: tracks\.mzs: part 0 seq0: window of 3 frames is too short for order 3' \
    mz-smooth -w 0.1s -r 3 -o never.mzs tracks.mzs
t_fails "-m mean" 2 "^mz-smooth: bad method 'mean'" \
    mz-smooth -m mean -o never.mzs tracks.mzs
t_fails "-r with -m median" 2 '^mz-smooth: -r \(order\) applies to -m savgol only' \
    mz-smooth -m median -r 2 -o never.mzs tracks.mzs
t_fails "-k matching nothing" 1 \
    "^mz-smooth: tracks\\.mzs: part 0 seq0: no column matches 'nose\\.\\*'" \
    mz-smooth -k 'nose.*' -o never.mzs tracks.mzs
t_fails "-k on an integer column" 1 \
    "^mz-smooth: tracks\\.mzs: part 0 seq0: column 'frame' is i64, not a float type" \
    mz-smooth -k frame -o never.mzs tracks.mzs
t_fails "-k with an empty pattern" 2 "^mz-smooth: bad column list 'bp0.x,'" \
    mz-smooth -k bp0.x, -o never.mzs tracks.mzs
if [ -n "$NP" ]; then
	"$NP" "$REF" gen nometa.mzs --rows 50 --parts 1 --no-meta
	t_fails "no bodyparts metadata, no -k" 1 \
	    '^mz-smooth: nometa\.mzs: part 0 seq0: no "bodyparts" metadata' \
	    mz-smooth -o never.mzs nometa.mzs
	t_ok "... but -k works" sh -c 'mz-smooth -k "*.x" nometa.mzs > nk.mzs'
	"$NP" "$REF" gen nocol.mzs --rows 50 --parts 1 --no-col bp1.x
	t_fails "a bodypart without its .x column" 1 \
	    "^mz-smooth: nocol\\.mzs: part 0 seq0: bodypart 'bp1' has no column 'bp1\\.x'" \
	    mz-smooth -o never.mzs nocol.mzs
	"$NP" "$REF" gen nofps.mzs --rows 20 --parts 1 --no-fps
	t_fails "a window in seconds without fps" 1 \
	    '^mz-smooth: nofps\.mzs: part 0 seq0: no "fps" metadata' \
	    mz-smooth -w 0.2s -o never.mzs nofps.mzs
	t_ok "... in frames it works" sh -c 'mz-smooth -w 3 nofps.mzs > nf.mzs'
fi
t_fails "unknown option" 2 '^usage: mz-smooth' mz-smooth -x tracks.mzs
t_fails "nonexistent file" 1 '^mz-smooth: nope\.mzs: No such file' \
    mz-smooth -o never.mzs tracks.mzs nope.mzs
t_ok "no output file after any failure" test ! -e never.mzs
t_fails "standard output on /dev/full" 1 '^mz-smooth: <stdout>: No space left' \
    sh -c 'mz-smooth tracks.mzs > /dev/full'
t_done
