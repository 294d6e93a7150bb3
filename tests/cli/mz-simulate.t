#!/bin/sh
# tests: mz-simulate
# requires: mz-info, mz-head, mz-syllables (run lists of the truth),
# python3 with numpy for the statistical checks (skipped without).
. "$(dirname "$0")/lib.sh"

REF="$TOP/tests/cli/syllables-ref.py"
# json FILE EXPR: a value of mz-info -j's document (p: the parts).
json() {
	mz-info -j "$1" > "$T/.json" || return 1
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
p = d["parts"]
print(eval(sys.argv[2]))' "$T/.json" "$2"
}

# ------------------------------------------------------ shapes, metadata
t_ok "defaults" mz-simulate -q -n 500 -o d.mzs
mz-info d.mzs > d.txt
t_like "defaults: 5 sequences" '^parts: +5$' "$(cat d.txt)"
t_like "defaults: 500 rows each" '^rows: +2500$' "$(cat d.txt)"
t_like "defaults: 8 bodyparts x (x, y, p), frame/time/id, state: 28 columns" \
    '^columns: +28$' "$(cat d.txt)"
t_like "defaults: the columns" \
    'frame i64, time f64 \[s\], id i32, nose\.x f64 \[px\],' "$(cat d.txt)"
t_like "defaults: the state column last" 'tailbase\.p f64, +state i32' \
    "$(tr -s '\n ' '  ' < d.txt)"
if [ -n "$PY" ]; then
	t_is "metadata: bodyparts" \
	    "['nose', 'head', 'neck', 'spine1', 'spine2', 'spine3', 'spine4', 'tailbase']" \
	    "$(json d.mzs 'p[0]["meta"]["bodyparts"]')"
	t_is "metadata: the skeleton chain" \
	    "[['nose', 'head'], ['head', 'neck'], ['neck', 'spine1'], ['spine1', 'spine2'], ['spine2', 'spine3'], ['spine3', 'spine4'], ['spine4', 'tailbase']]" \
	    "$(json d.mzs 'p[0]["meta"]["skeleton"]')"
	t_is "metadata: sequence, group, individual, fps, units, source" \
	    "[('sim0', 'sim', 'animal', 30, 'px', 'mz-simulate'), ('sim4', 'sim', 'animal', 30, 'px', 'mz-simulate')]" \
	    "$(json d.mzs '[(x["meta"]["sequence"], x["meta"]["group"], x["meta"]["individual"], x["meta"]["fps"], x["meta"]["units"], x["meta"]["source_format"]) for x in p[::4]]')"
	t_is "metadata: the true parameters" \
	    "(8, 6, 3, 12, 12, 'geometric:12', 0.9415, 17.096, 400, (8, 8))" \
	    "$(json d.mzs 'tuple([(s["states"], s["latent_dim"], s["order"], s["median_duration_frames"], s["duration"]["median_frames"], s["duration"]["spec"], round(s["duration"]["self_transition"], 4), round(s["duration"]["mean_frames"], 3), s["duration"]["median_ms"], (len(s["jumps"]), len(s["jumps"][0]))) for s in [p[0]["meta"]["simulate"]]][0])')"
	t_is "metadata: jump rows sum to 1, zero diagonal; spectral radii in [0.75, 0.95]" \
	    "True" \
	    "$(json d.mzs 'all(abs(sum(r) - 1) < 1e-12 and r[i] == 0 for i, r in enumerate(p[0]["meta"]["simulate"]["jumps"])) and all(0.75 - 1e-9 <= x <= 0.95 + 1e-9 for x in p[0]["meta"]["simulate"]["spectral_radius"])')"
	t_is "metadata: the history options" \
	    "{'sequences': 5, 'frames': 500, 'states': 8, 'dim': 6, 'order': 3, 'bodyparts': 8, 'groups': 1, 'duration': 'geometric:12', 'fps': 30, 'arena': 250, 'noise': 1, 'missing': 0, 'outliers': 0, 'seed': 0, 'columns': 'keypoints+truth', 'latent': False}" \
	    "$(json d.mzs 'p[0]["history"][-1]["options"]')"
fi
mz-simulate -k 3 -s 12 -g 3 -z 2 -l 2 -r 1 -n 50 -o small.mzs
mz-info small.mzs > small.txt
t_like "-k 3: nose, head, tailbase" 'nose\.x .*head\.x .*tailbase\.x' \
    "$(tr '\n' ' ' < small.txt)"
t_like "-s 12: names zero-padded" 'sequences: +12 \(sim00, sim01, ' "$(cat small.txt)"
t_like "-g 3: groups g0, g1, g2" '^groups: +3 \(g0, g1, g2\)' "$(cat small.txt)"
t_like "--truth-only: frame, time, id, state" \
    '^columns: +4$' "$(mz-simulate --truth-only -n 10 -s 1 | mz-info)"
t_like "--no-truth: no state column" '^columns: +27$' \
    "$(mz-simulate --no-truth -n 10 -s 1 | mz-info)"
t_like "--latent: 6 latent columns" 'state i32, latent0 f64, .*latent5 f64' \
    "$(mz-simulate --latent -n 10 -s 1 | mz-info | tr '\n' ' ')"
t_like "--fps 60: time step 1/60" '^duration: +1\.0s' \
    "$(mz-simulate --fps 60 -n 61 -s 1 | mz-info)"
t_like "-z 1: one state, every frame state 0" '^sim,sim0,0,0,10,' \
    "$(mz-simulate -z 1 -n 10 -s 1 --truth-only | mz-syllables durations -c state | tail -1)"

# ------------------------------------------------------------ determinism
mz-simulate -s 3 -n 3000 -o a.mzs
mz-simulate -s 3 -n 3000 -o b.mzs
t_is "same seed, same bytes" "$(cksum < a.mzs)" "$(cksum < b.mzs)"
mz-simulate -s 3 -n 3000 | cat > a-pipe.mzs
mz-simulate -s 3 -n 3000 -c none -o a-raw.mzs
t_is "to a pipe: raw blocks, the same bytes as -c none" \
    "$(cksum < a-raw.mzs)" "$(cksum < a-pipe.mzs)"
mz-simulate -s 3 -n 3000 --seed 1 -o c.mzs
t_ok "another seed, other bytes" sh -c '! cmp -s a.mzs c.mzs'
mz-simulate -s 3 -n 3000 --seed 18446744073709551615 -o max.mzs
t_ok "--seed 2^64-1" test -s max.mzs
runs() {
	mz-syllables durations -c state "$@" | cut -d, -f2-
}
t_is "--truth-only: the same truth" "$(runs a.mzs)" \
    "$(mz-simulate -s 3 -n 3000 --truth-only | runs)"
t_is "--missing/--outliers/--noise do not change the truth" "$(runs a.mzs)" \
    "$(mz-simulate -s 3 -n 3000 --missing 0.2 --outliers 0.1 --noise 3 | runs)"
t_is "sequence 1 does not depend on the number of sequences" \
    "$(runs a.mzs | awk -F, '$1 == "sim1"')" \
    "$(mz-simulate -s 2 -n 3000 | runs | awk -F, '$1 == "sim1"')"
if [ -n "$PY" ]; then
	mz-simulate -s 1 -n 1000 -o first.mzs
	t_is "the first frames do not depend on the length" "True" \
	    "$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1])
import mzs, numpy as np
a = next(iter(mzs.read("a.mzs"))); b = next(iter(mzs.read("first.mzs")))
print(list(a.columns) == list(b.columns) and all(np.array_equal(np.asarray(a.columns[c])[:1000], np.asarray(b.columns[c]), equal_nan=True) for c in b.columns))' "$TOP/share/python")"
fi

# ------------------------------------------- durations, statistics (numpy)
if [ -n "$PY" ]; then
	mz-simulate -s 4 -n 50000 --truth-only -o g12.mzs
	mz-simulate -s 4 -n 50000 --truth-only -d sticky:0.9 -o s09.mzs
	mz-simulate -s 4 -n 50000 --truth-only -d geometric:30 -z 3 -o g30.mzs
	mz-simulate -s 2 -n 20000 --truth-only -d fixed:10 -o f10.mzs
	mz-simulate -s 2 -n 40000 --truth-only -d uniform:5:15 -o u.mzs
	mz-simulate -s 5 -n 2000 --missing 0.1 --outliers 0.05 -o mo.mzs
	mz-simulate -s 5 -n 2000 -o mo0.mzs
	mz-simulate -s 5 -n 2000 --missing 0.02 -z 3 -k 5 -o m2.mzs
	mz-simulate -s 3 -n 20000 --arena 130 --noise 2 -o arena.mzs
	mz-simulate -s 1 -n 1000000 --truth-only --latent -c none -o long.mzs
	mz-simulate -s 2 -n 100000 --truth-only --latent -r 1 -l 3 -c none -o long1.mzs
	# The median of a geometric with p = 0.5^(1/11.5) is 12, with
	# P(d <= 11) = 0.485 and P(d <= 12) = 0.515: over ~11,700 runs the
	# empirical median is 12 (the CDF's sd is 0.005); tolerance 0.5.
	cat > batch.txt <<-EOF
	durations-sim g12.mzs 12 0.5
	durations-sim s09.mzs 7 0.5
	durations-sim g30.mzs 30 0.5
	durations-dist f10.mzs fixed 10
	durations-dist u.mzs uniform 5 15
	fractions mo.mzs 0.1 0.05
	fractions m2.mzs 0.02 0
	fractions a.mzs 0 0
	same-clean mo0.mzs mo.mzs
	arena arena.mzs
	stable long.mzs
	stable long1.mzs
	EOF
	"$PY" "$REF" batch batch.txt > batch.out 2>&1
	i=0
	for what in "geometric:12: median run length 12 (+-0.5, 46,000 runs)" \
	    "sticky:0.9: median 7 = ceil(log 0.5 / log 0.9)" \
	    "geometric:30, 3 states: median 30" \
	    "fixed:10: every complete run 10 frames" \
	    "uniform:5:15: runs in [5, 15], each length's share 1/11 (5 sigma)" \
	    "--missing 0.1 --outliers 0.05: fractions within 4 binomial sigmas" \
	    "--missing 0.02, 5 bodyparts: within 4 sigmas, no outliers" \
	    "no --missing, no --outliers: none" \
	    "the points neither missing nor outliers: the clean run's, bit for bit" \
	    "arena of radius 130: every point inside (up to 6 noise sd)" \
	    "AR(3): 10^6 frames without blow-up, spread steady" \
	    "AR(1), dim 3: 2 x 10^5 frames without blow-up"; do
		i=$((i + 1))
		t_is "$what" ok "$(sed -n ${i}p batch.out)"
	done
	t_is "the states are all used (8 states over 2500 frames)" "8" \
	    "$(mz-syllables stats -c state d.mzs | awk -F, 'NR > 1 && $2 > 0' | wc -l | tr -d ' ')"
else
	echo "# no python3 with numpy: statistical checks skipped"
fi

# Memory does not depend on the number of frames.  (Not under the
# sanitizers: AddressSanitizer keeps freed blocks in quarantine, so its
# peak grows with the number of blocks allocated, not with what is kept.)
case ${MZ_TEST_FLAGS:-} in
*sanitize*) echo "# under the sanitizers: memory check skipped" ;;
*)
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M mz-simulate -s 1 -n 20000 -c none -o /dev/null 2> m1
	/usr/bin/time -f %M mz-simulate -s 1 -n 2000000 -c none -o /dev/null 2> m2
	t_ok "memory: 2e6 frames within 2 MB of 2e4 frames ($(cat m1) vs $(cat m2) kB)" \
	    test "$(cat m2)" -lt $(($(cat m1) + 2048))
else
	echo "# /usr/bin/time absent: memory check skipped"
fi ;;
esac

# ---------------------------------------------------------------- output
t_ok "-o FILE: nothing on standard output" mz-simulate -n 10 -s 1 -o o.mzs
t_is "... empty" "" "$(cat "$T/.out")"
t_is "... no temporary file left" "0" "$(ls -a | grep -c '^\.o\.mzs\.')"
t_ok "-c zstd" sh -c 'mz-simulate -n 1000 -s 1 -c zstd | mz-info > /dev/null'
t_fails "-o /dev/full" 1 '^mz-simulate: /dev/full: No space left' \
    mz-simulate -n 1000 -o /dev/full
t_fails "standard output on /dev/full" 1 '^mz-simulate: <stdout>: No space left' \
    sh -c 'mz-simulate -n 1000 > /dev/full'
t_fails "-o in a missing directory" 1 '^mz-simulate: nodir/x\.mzs: ' \
    mz-simulate -o nodir/x.mzs
if command -v script > /dev/null 2>&1; then
	t_fails "refuses to write to a terminal" 1 'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-simulate -n 10" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
fi

# ----------------------------------------------------------- bad options
bad() {
	t_fails "$1" 2 "$2" sh -c "mz-simulate $3 -o never.mzs"
}
bad "-z 0" "^mz-simulate: bad state count '0' \\(want 1 to 1000\\)" "-z 0"
bad "-z 1001" "bad state count '1001'" "-z 1001"
bad "-r 0" "^mz-simulate: bad AR order '0' \\(want 1 to 3\\)" "-r 0"
bad "-r 4" "bad AR order '4'" "-r 4"
bad "-k 1" "bad bodypart count '1' \\(want 2 to 100\\)" "-k 1"
bad "-l 0" "bad latent dimension '0'" "-l 0"
bad "-n 0" "bad frame count '0'" "-n 0"
bad "-n -5" "bad frame count '-5'" "-n -5"
bad "-n abc" "bad frame count 'abc'" "-n abc"
bad "-s 0" "bad sequence count '0'" "-s 0"
bad "-g 0" "bad group count '0'" "-g 0"
bad "--missing 1.5" "bad missing fraction '1.5'" "--missing 1.5"
bad "--outliers -0.1" "bad outlier fraction '-0.1'" "--outliers -0.1"
bad "--missing 0.6 --outliers 0.6" "add up to more than 1" \
    "--missing 0.6 --outliers 0.6"
bad "--no-truth --truth-only" "exclude each other" "--no-truth --truth-only"
bad "-d bogus" "^mz-simulate: bad duration 'bogus' \\(want geometric:MEDIAN, sticky:P, fixed:N or uniform:A:B\\)" "-d bogus"
bad "-d geometric:0" "bad duration 'geometric:0'" "-d geometric:0"
bad "-d geometric:1.5" "bad duration 'geometric:1.5'" "-d geometric:1.5"
bad "-d sticky:1" "bad duration 'sticky:1' \\(sticky:P wants 0 <= P < 1\\)" "-d sticky:1"
bad "-d fixed:" "bad duration 'fixed:'" "-d fixed:"
bad "-d uniform:5:3" "bad duration 'uniform:5:3'" "-d uniform:5:3"
bad "-d uniform:5" "bad duration 'uniform:5'" "-d uniform:5"
bad "-d fixed:3:4" "bad duration 'fixed:3:4'" "-d fixed:3:4"
bad "--arena 50" "bad arena radius '50' \\(want at least 120 px" "--arena 50"
bad "--fps 0" "bad frame rate '0'" "--fps 0"
bad "--noise -1" "bad noise '-1'" "--noise -1"
bad "--noise nan" "bad noise 'nan'" "--noise nan"
bad "--seed -1" "bad seed '-1'" "--seed -1"
bad "--seed 2^64" "bad seed '18446744073709551616'" "--seed 18446744073709551616"
bad "-c lz4" "bad compression 'lz4'" "-c lz4"
bad "an argument" "unexpected argument 'x\\.mzs'" "x.mzs"
bad "unknown option" "^usage: mz-simulate" "-x"
t_ok "no output file after bad options" test ! -e never.mzs

t_ok "--help" mz-simulate --help
t_like "--help prints the synopsis" '^usage: mz-simulate \[-fq\] \[-c codec\]' \
    "$(cat "$T/.out")"
t_ok "--version" mz-simulate --version
t_is "--version prints the version" "mz-simulate 0.1.0" "$(cat "$T/.out")"
t_done
