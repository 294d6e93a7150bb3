#!/bin/sh
# tests: mz-features
# requires: mzgen, mz-info; python3 with numpy for tests/cli/features-ref.py
# (closed forms: circular motion, a rigid body, two animals on a line; the
# numpy reference; split-versus-whole equality; skipped without)
. "$(dirname "$0")/lib.sh"

REF=$TOP/tests/cli/features-ref.py
if [ -n "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
	NP=$PY
else
	NP=
	echo "# python3 with numpy not found: reference comparisons skipped"
fi

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 1 -i 2 -n 0 -o empty.mzs
mzgen -s 1 -i 2 -n 60 -m 7 -o nan.mzs
if [ -n "$NP" ]; then
	cat > inputs <<-EOF
	circle nofps.mzs --nofps
	circle circle.mzs --rows 400 --radius 100 --omega 2 --fps 30
	circle circle2.mzs --rows 300 --radius 40 --omega -7.5 --fps 120
	line line.mzs --rows 200 --speed 20 --gap 500 --fps 25
	gen g.mzs --rows 900 --parts 3 --nan-every 37 --seed 3
	gen g1.mzs --rows 2 --parts 1 --seed 5
	gen long.mzs --rows 3000 --parts 2 --nan-every 101 --seed 9
	split long.mzs segs.mzs --at 1000,1900
	gen clean.mzs --rows 14000 --parts 2 --nan-every 4999 --seed 11
	split clean.mzs csegs.mzs --at 5000,6100,11000
	EOF
	"$NP" "$REF" batch inputs > made
	t_is "the python inputs" "ok ok ok ok ok ok ok ok ok ok" \
	    "$(echo $(cat made))"
fi

# ------------------------------------------------------------- usage
t_ok "--help" mz-features --help
t_is "--help prints the synopsis" \
    "usage: mz-features [-fkq] [-a bodyparts] [-b bodyparts] [-c codec] [-F feature] [-j threads] [-o file] [-p bodyparts] [--fps fps] [--frames A:B] [--freqs lo:hi:n] [--overlap frames|auto] [--time A:B] [file ...]" \
    "$(cat "$T/.out")"
t_ok "--version" mz-features --version
t_is "--version prints the version" "mz-features 0.1.0" "$(cat "$T/.out")"

# ------------------------------------------------------- bad input
t_fails "no -F" 2 '^mz-features: no features asked for' \
    mz-features tracks.mzs
t_fails "an unknown feature" 2 "^mz-features: unknown feature 'sped' \\(known:" \
    mz-features -F sped tracks.mzs
t_fails "angle with two bodyparts" 2 "^mz-features: feature 'angle:bp0,bp1': angle takes three" \
    mz-features -F angle:bp0,bp1 tracks.mzs
t_fails "dist with one bodypart" 2 "^mz-features: feature 'dist:bp0': dist takes two" \
    mz-features -F dist:bp0 tracks.mzs
t_fails "arguments to angvel" 2 "^mz-features: feature 'angvel:bp0' takes no arguments" \
    mz-features -a bp0 -p bp1 -F angvel:bp0 tracks.mzs
t_fails "wavelet without columns" 2 "^mz-features: feature 'wavelet': wavelet needs the columns" \
    mz-features -F wavelet tracks.mzs
t_fails "an empty name" 2 "^mz-features: bad feature arguments 'bp0,'" \
    mz-features -F speed:bp0, tracks.mzs
t_fails "angvel without -a/-p" 2 '^mz-features: heading, angvel, .* need -a \(anterior\) and -p' \
    mz-features -F angvel tracks.mzs
t_fails "nn without -p" 2 '^mz-features: heading, angvel' \
    mz-features -a bp0 -F nn tracks.mzs
t_fails "--frames 5" 2 "^mz-features: bad --frames '5' \\(want A:B\\)" \
    mz-features -F speed --frames 5 tracks.mzs
t_fails "--frames 9:3" 2 "^mz-features: bad --frames '9:3' \\(B must exceed A\\)" \
    mz-features -F speed --frames 9:3 tracks.mzs
t_fails "--frames 1.5:3" 2 "^mz-features: bad --frames '1.5:3' \\(want integers" \
    mz-features -F speed --frames 1.5:3 tracks.mzs
t_fails "--time a:b" 2 "^mz-features: bad --time" \
    mz-features -F speed --time a:b tracks.mzs
t_fails "--freqs 5:1:10" 2 "^mz-features: bad --freqs '5:1:10'" \
    mz-features -F wavelet:speed.centroid --freqs 5:1:10 tracks.mzs
t_fails "--fps 0" 2 '^mz-features: --fps must be positive' \
    mz-features -F speed --fps 0 tracks.mzs
t_fails "--overlap -1" 2 "^mz-features: " \
    mz-features -F speed --overlap -1 tracks.mzs
t_fails "an unknown bodypart" 1 \
    "^mz-features: tracks\\.mzs: part 0 seq0 mouse0: speed:nose: bodypart 'nose' is not in the part's bodyparts" \
    mz-features -F speed:nose tracks.mzs
t_fails "an unknown angle bodypart" 1 \
    "^mz-features: tracks\\.mzs: part 0 seq0 mouse0: angle:bp0,bp1,tail: bodypart 'tail'" \
    mz-features -F angle:bp0,bp1,tail tracks.mzs
t_fails "an unknown anterior bodypart" 1 \
    "^mz-features: tracks\\.mzs: part 0 seq0 mouse0: anterior \\(-a\\): bodypart 'snout'" \
    mz-features -a snout -p bp1 -F angvel tracks.mzs
t_fails "a wavelet of an unknown column" 1 \
    "^mz-features: tracks\\.mzs: part 0 seq0 mouse0: wavelet:speed\\.bp0: 'speed\\.bp0' is neither a feature column" \
    mz-features -F speed -F wavelet:speed.bp0 tracks.mzs
t_fails "a feature given twice" 1 "cannot add column 'speed\\.centroid': the name is already used" \
    mz-features -F speed -F speed:centroid tracks.mzs
t_fails "a missing file" 1 '^mz-features: nosuch\.mzs: No such file' \
    mz-features -F speed nosuch.mzs
head -c 3000 tracks.mzs > trunc.mzs
t_fails "a truncated stream" 1 '^mz-features: trunc\.mzs: .*truncated' \
    mz-features -F speed trunc.mzs
t_fails "a truncated stream on stdin" 1 '^mz-features: <stdin>: .*truncated' \
    sh -c 'cat trunc.mzs | mz-features -F speed'
t_fails "-o: nothing left behind" 1 'truncated' \
    mz-features -F speed -o out.mzs trunc.mzs
t_ok "... no out.mzs" test ! -e out.mzs
t_fails "not a stream" 1 '^mz-features: ' sh -c 'echo hello | mz-features -F speed'
if [ -n "$NP" ]; then
	t_fails "no fps metadata" 1 \
	    '^mz-features: nofps\.mzs: part 0 seq0 m0: no "fps" metadata \(give --fps\)' \
	    mz-features -F speed nofps.mzs
	t_ok "... --fps gives it" sh -c 'mz-features --fps 30 -F speed nofps.mzs > nf.mzs'
	t_like "... and is recorded" '"fps": ?30' "$(mz-info -j nf.mzs)"
	# The first pass skims a mapped file (block checksums unchecked, only
	# the frame column's pages read); frames found out of order are read
	# again with checksums, so damage is still told from bad frames, and
	# damage elsewhere is found by the window's verifying readers.
	"$NP" - "$REF" <<'EOF'
import importlib.util, struct, sys
import numpy as np
spec = importlib.util.spec_from_file_location("fr", sys.argv[1])
fr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fr)
T, names = 3000, ["nose", "tail"]
f = np.arange(T)
X = np.stack([np.sin(f / 50.0), np.cos(f / 50.0)], 1)
ok = fr.part_cols(f, 30.0, 0, names, X, X)
fr.write_stream("ok.mzs", [(ok, fr.meta(names, "m0", 30.0))])
g = f.copy()
g[2000] = 10
fr.write_stream("dec.mzs", [(fr.part_cols(g, 30.0, 0, names, X, X),
                             fr.meta(names, "m0", 30.0))])
b = bytearray(open("ok.mzs", "rb").read())
i = b.find(struct.pack("<qq", 2000, 2001))
b[i:i + 8] = struct.pack("<q", 10)
open("dmgframe.mzs", "wb").write(b)
b = bytearray(open("ok.mzs", "rb").read())
i = b.find(struct.pack("<d", np.sin(2000 / 50.0)))
b[i] ^= 1
open("dmgx.mzs", "wb").write(b)
EOF
	t_fails_clean "frames out of order" 1 \
	    '^mz-features: dec\.mzs: part 0: frame 10 follows frame 1999 \(frames must increase\)' \
	    o.mzs mz-features -F speed -o o.mzs dec.mzs
	t_fails_clean "a damaged frame (out of order): a checksum error" 1 \
	    '^mz-features: dmgframe\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
	    o.mzs mz-features -F speed -o o.mzs dmgframe.mzs
	t_fails_clean "a damaged coordinate: a checksum error" 1 \
	    '^mz-features: dmgx\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
	    o.mzs mz-features -F speed -o o.mzs dmgx.mzs
	t_ok "... the same file undamaged" sh -c 'mz-features -F speed ok.mzs > ok.out'
	# A damaged compressed frame column: the skimming pass fails to
	# decode it, and the verifying read names the damage.
	mzgen -s 1 -i 1 -k 2 -n 5000 -c zstd -o z.mzs
	"$NP" - <<'EOF'
import struct
b = bytearray(open("z.mzs", "rb").read())
at = b.find(b"BLCK")
p = at + 24
off = struct.unpack_from("<Q", b, p + 16 + 8)[0]
b[p + off] ^= 0x55   # the zstd magic: not a zstd frame
open("zdmg.mzs", "wb").write(b)
EOF
	t_fails_clean "a damaged compressed frame column: a checksum error" 1 \
	    '^mz-features: zdmg\.mzs: byte [0-9]+: chunk BLCK checksum mismatch' \
	    o.mzs mz-features -F speed -o o.mzs zdmg.mzs
fi
# Memory does not grow with the recording (the first pass's mapping of the
# file is released as it goes).  Not under the sanitizers, whose
# quarantine grows with what is allocated.
case ${MZ_TEST_FLAGS:-} in
*sanitize*) echo "# under the sanitizers: memory check skipped" ;;
*)
if [ -x /usr/bin/time ]; then
	mzgen -s 1 -i 2 -k 4 -n 3000 -c zstd -o small.mzs
	mzgen -s 1 -i 2 -k 4 -n 600000 -c zstd -o large.mzs
	for f in small large; do
		/usr/bin/time -f %M -o $f.rss mz-features -a bp0 -p bp3 \
		    -F speed -F accel -F angvel -c none $f.mzs > /dev/null
	done
	t_ok "memory: 600000 frames ($(wc -c < large.mzs) bytes) within 12 MB of 3000 ($(cat small.rss) vs $(cat large.rss) kB)" \
	    test "$(cat large.rss)" -lt $(($(cat small.rss) + 12288))
fi ;;
esac

# ------------------------------------------------- mzgen data, no python
t_ok "speed, angvel, angle, dist" sh -c 'mz-features -a bp0 -p bp2 -F speed \
    -F angvel -F angle:bp0,bp1,bp2 -F dist:bp0,bp2 tracks.mzs > f.mzs'
mz-info f.mzs > f.txt
mz-info -j f.mzs > f.json
t_like "every row" '^rows: +1200$' "$(cat f.txt)"
t_like "every part" '^parts: +4$' "$(cat f.txt)"
t_like "columns and units in the header" \
    '"name": ?"id", ?"type": ?"i32"(, ?"unit": ?null)?\}, ?\{"name": ?"speed\.centroid", ?"type": ?"f64", ?"unit": ?"px/s"\}, ?\{"name": ?"angvel", ?"type": ?"f64", ?"unit": ?"rad/s"\}, ?\{"name": ?"angle\.bp0\.bp1\.bp2", ?"type": ?"f64", ?"unit": ?"rad"\}, ?\{"name": ?"dist\.bp0\.bp2", ?"type": ?"f64", ?"unit": ?"px"\}' \
    "$(tr -d '\n' < f.json)"
t_like "options in the history" \
    '"tool": ?"mz-features", ?"version": ?"0\.1\.0", ?"options": ?\{"features": ?\["speed", ?"angvel", ?"angle:bp0,bp1,bp2", ?"dist:bp0,bp2"\], ?"anterior": ?"bp0", ?"posterior": ?"bp2"' \
    "$(tr -d '\n' < f.json)"
t_like "formulas in the metadata" '"features": ?\{"formulas": ?\{"derivative": ?"numpy\.gradient' \
    "$(tr -d '\n' < f.json)"
t_ok "accel, velocity of bodyparts" sh -c 'mz-features -F accel:bp0 \
    -F velocity:bp1,centroid tracks.mzs > a.mzs'
t_like "... in px/s and px/s^2" \
    '"bp0\.ax", ?"type": ?"f64", ?"unit": ?"px/s\^2".*"bp1\.vx", ?"type": ?"f64", ?"unit": ?"px/s".*"centroid\.vy"' \
    "$(mz-info -j a.mzs | tr -d '\n')"
t_ok "-k keeps the input columns" sh -c 'mz-features -k -F speed tracks.mzs > k.mzs'
t_like "... all 12 of them, then speed" '^columns: +13$' "$(mz-info k.mzs)"
# f32 coordinates (converted on reading) against the same values in f64:
# the same features to within f32's rounding: mzgen's coordinates are
# below 512, off by at most 2^-16 (1.5e-5) in f32, so a speed (a central
# difference times 30/s) by at most 4.6e-4 per axis and a distance by
# 4.4e-5; the test allows 7e-4.
mz-cat --csv --part-columns tracks.mzs > t.csv
T32=bp0.x:f32,bp0.y:f32,bp1.x:f32,bp1.y:f32,bp2.x:f32,bp2.y:f32
t_ok "f32 and f64 coordinates" sh -c "mz-cat --split group,sequence,individual \
    -m fps=30 -m 'bodyparts=[\"bp0\",\"bp1\",\"bp2\"]' -t $T32 t.csv > t32.mzs &&
    mz-cat --split group,sequence,individual -m fps=30 \
    -m 'bodyparts=[\"bp0\",\"bp1\",\"bp2\"]' t.csv > t64.mzs &&
    mz-features -k -F speed:bp0,centroid -F dist t32.mzs > s32.mzs &&
    mz-features -k -F speed:bp0,centroid -F dist t64.mzs > s64.mzs"
t_like "... f32 input columns kept as f32" '"bp1\.y", ?"type": ?"f32"' \
    "$(mz-info -j s32.mzs | tr -d '\n')"
t_is "... the same features to 7e-4" "1200 rows, 0 differ" \
    "$(paste -d, "$(mz-cat --csv s32.mzs > s32.csv; echo s32.csv)" \
    "$(mz-cat --csv s64.mzs > s64.csv; echo s64.csv)" | awk -F, '
    NR == 1 { n = NF / 2; next }
    { r++; for (i = 13; i <= n; i++) { a = $i; b = $(i + n)
      d = a - b; if (d < 0) d = -d; if (d > 7e-4) bad++ } }
    END { printf "%d rows, %d differ\n", r, bad }')"
# Wavelet kernels are made for the first part and kept while the fps
# stays the same: parts at 30 and 60 fps in one stream give what each
# file gives alone.
t_ok "wavelets of parts at two fps" sh -c "mz-cat --split \
    group,sequence,individual -m fps=60 \
    -m 'bodyparts=[\"bp0\",\"bp1\",\"bp2\"]' t.csv > t60.mzs &&
    mz-cat tracks.mzs t60.mzs > t3060.mzs &&
    mz-features -F wavelet:bp0.x --freqs 1:5:4 t3060.mzs |
    mz-cat --csv > w3060.csv &&
    mz-features -F wavelet:bp0.x --freqs 1:5:4 tracks.mzs |
    mz-cat --csv > w30.csv &&
    mz-features -F wavelet:bp0.x --freqs 1:5:4 t60.mzs |
    mz-cat --csv --no-header > w60.csv"
t_is "... the same bytes as each file alone" "same" \
    "$(cat w30.csv w60.csv | cmp - w3060.csv >/dev/null && echo same)"
t_ok "social features" sh -c 'mz-features -a bp0 -p bp2 -F idist -F nn \
    -F relori -F facing -F approach tracks.mzs > s.mzs'
t_like "... named after the other individual" \
    '"idist\.mouse1".*"nn\.id".*"nn\.dist".*"nn\.dx".*"nn\.dy".*"relori\.mouse1".*"facing\.mouse1".*"approach\.mouse1"' \
    "$(mz-info -j s.mzs | tr -d '\n')"
t_ok "the wavelet, default frequencies" sh -c 'mz-features -F speed \
    -F wavelet:speed.centroid tracks.mzs > w.mzs'
t_like "... 25 columns, unit of the source" \
    '"speed\.centroid\.w24", ?"type": ?"f64", ?"unit": ?"px/s"' \
    "$(mz-info -j w.mzs | tr -d '\n')"
t_like "... the frequencies in the metadata" \
    '"wavelet_freqs": ?\[0\.2, ?0\.228705967216584.*, ?5\]' \
    "$(mz-info -j w.mzs | tr -d '\n')"
t_ok "--freqs 1:2:3" sh -c 'mz-features -F wavelet:bp0.x --freqs 1:2:3 tracks.mzs > w3.mzs'
t_like "... 3 columns" '^columns: +6$' "$(mz-info w3.mzs)"
t_ok "--frames 10:20" sh -c 'mz-features -F speed --frames 10:20 tracks.mzs > fr.mzs'
t_like "... 10 rows a part" '^rows: +40$' "$(mz-info fr.mzs)"
t_like "... frames 10..19" '10\.\.19' "$(mz-info fr.mzs)"
t_ok "--time 1:2" sh -c 'mz-features -F speed --time 1:2 tracks.mzs > tr.mzs'
t_like "... 30 rows a part (30 fps)" '^rows: +120$' "$(mz-info tr.mzs)"
t_ok "zero-row parts" sh -c 'mz-features -a bp0 -p bp1 -F speed -F nn empty.mzs > z.mzs'
t_like "... stay" '^parts: +2$' "$(mz-info z.mzs)"
t_ok "file and pipe give the same bytes" sh -c '
    mz-features -c none -a bp0 -p bp2 -F speed -F nn -F wavelet:speed.centroid -o file.mzs tracks.mzs &&
    cat tracks.mzs | mz-features -c none -a bp0 -p bp2 -F speed -F nn -F wavelet:speed.centroid | cmp - file.mzs'
t_ok "-j 1, 2 and 3 threads give the same bytes (wavelets by FFT)" sh -c '
    mz-features -j 1 -c none -F speed -F wavelet:speed.centroid,bp0.x -o j1.mzs tracks.mzs &&
    mz-features -j 2 -c none -F speed -F wavelet:speed.centroid,bp0.x tracks.mzs | cmp - j1.mzs &&
    mz-features --threads 3 -c none -F speed -F wavelet:speed.centroid,bp0.x tracks.mzs | cmp - j1.mzs'
t_fails "-j: a bad thread count" 2 "bad thread count 'x'" \
    mz-features -j x -F speed tracks.mzs
t_ok "two inputs" sh -c 'mz-features -F speed tracks.mzs tracks.mzs > two.mzs'
t_like "... 8 parts" '^parts: +8$' "$(mz-info two.mzs)"

# ------------------------------------------------- closed forms, numpy
# One python start for the inputs and one for the checks (each check is
# one output line of the batch, in order).
if [ -n "$NP" ]; then
	ALL="-F velocity:nose,neck,tail,side,centroid -F speed:nose,centroid
	    -F accel:centroid,tail -F heading -F angvel -F angle:nose,neck,tail
	    -F dist -F bodylength -F idist -F approach -F relori -F facing -F nn"
	CIRC="-a nose -p tail -b nose,tail -F speed -F angvel
	    -F angle:nose,neck,tail -F angle:neck,tail,side
	    -F angle:side,nose,neck -F bodylength -F dist:nose,tail -F accel"
	FE="-a nose -p tail -F speed -F accel -F angvel -F approach -F nn
	    -F wavelet:speed.centroid,nose.x"
	KIN="-a nose -p tail -F speed -F accel -F approach"
	mz-features $CIRC -o cf.mzs circle.mzs
	mz-features $CIRC -o cf2.mzs circle2.mzs
	mz-features -a nose -p tail -F idist -F approach -F relori -F facing \
	    -F nn -o lf.mzs line.mzs
	mz-features -a nose -p tail $ALL \
	    -F wavelet:speed.centroid,angvel,nose.x -o gf.mzs g.mzs
	mz-features -a nose -p tail -F speed -F accel -F angvel -F dist \
	    -F wavelet:speed.centroid --freqs 2:8:4 -o g1f.mzs g1.mzs
	mz-features -F speed:bp0 -o nanf.mzs nan.mzs
	mz-features $FE -o whole.mzs long.mzs
	mz-features $FE --overlap auto -o sauto.mzs segs.mzs
	mz-features $FE -o snone.mzs segs.mzs
	mz-features $KIN -o kin.mzs long.mzs
	mz-features $KIN --overlap 2 -o k2.mzs segs.mzs
	mz-features $KIN --overlap 1 -o k1.mzs segs.mzs
	mz-features $FE --overlap auto --frames 950:1050 -o sr.mzs segs.mzs
	mz-features $FE --frames 950:1050 -o wr.mzs long.mzs
	# Wavelets by FFT (rows far from a NaN) and directly (near one).
	CW="-a nose -p tail -F speed -F wavelet:speed.centroid,nose.x
	    --freqs 0.2:5:4"
	mz-features $CW -o cwhole.mzs clean.mzs
	mz-features $CW --overlap auto -o cauto.mzs csegs.mzs
	cat > checks <<-EOF
	circle-check circle.mzs cf.mzs --radius 100 --omega 2 --fps 30
	circle-check circle2.mzs cf2.mzs --radius 40 --omega -7.5 --fps 120
	line-check line.mzs lf.mzs --speed 20 --gap 500 --fps 25
	np-check g.mzs gf.mzs
	np-check g1.mzs g1f.mzs --freqs 2:8:4
	nan-rows nanf.mzs speed.bp0
	same sauto.mzs whole.mzs
	same snone.mzs whole.mzs --differ
	same k2.mzs kin.mzs
	same k1.mzs kin.mzs --differ
	same sr.mzs wr.mzs
	rows whole.mzs wr.mzs 950 1050
	np-check clean.mzs cwhole.mzs --freqs 0.2:5:4
	same cauto.mzs cwhole.mzs
	EOF
	"$NP" "$REF" batch checks > results
	r() { sed -n "$1p" results; }
	t_is "uniform circular motion: speed r omega, angvel omega (through pi), constant joint angles, accel r omega^2" \
	    ok "$(r 1)"
	t_is "... clockwise, 120 fps" ok "$(r 2)"
	t_is "two animals on a line: distance, approach -V, facing 0 and pi, nearest neighbour" \
	    ok "$(r 3)"
	t_is "every feature = numpy (gradient 1e-12, Morlet 1e-9), NaN positions exact, 3 animals" \
	    ok "$(r 4)"
	t_is "two rows: one-sided differences" ok "$(r 5)"
	# NaN propagation, stated in mz-features(1): mzgen -m 7 makes bp0
	# NaN at frames 0, 7, 14: speed is NaN at 0, 1 (one-sided and central
	# at the start), 6, 8, 13, 15 (central differences), not at 7 or 14.
	t_is "NaN at row i: speed NaN at i-1 and i+1 only" "0 1 6 8 13 15" \
	    "$(r 6)"
	# Segments: the recording cut in three consecutive parts per
	# individual (the middle one shorter than the wavelet context).
	t_is "--overlap auto: split = unsplit, bitwise" ok "$(r 7)"
	t_is "without --overlap the segment edges differ" ok "$(r 8)"
	t_is "--overlap 2 suffices for derivatives of derivatives" ok "$(r 9)"
	t_is "... and --overlap 1 does not for accel" ok "$(r 10)"
	t_is "--frames keeps the context: split = unsplit across an edge" ok \
	    "$(r 11)"
	t_is "... and a range's rows equal the full run's rows" ok "$(r 12)"
	t_like "... 100 rows an individual" '^rows: +200$' "$(mz-info wr.mzs)"
	# 14000 rows, a NaN point every 4999: most rows' wavelets by FFT
	# tiles, those within a kernel of a NaN summed directly.
	t_is "wavelets by FFT and direct sums = numpy (1e-9 of max), NaN positions exact" \
	    ok "$(r 13)"
	t_is "... segments (one shorter than the context) with --overlap auto = unsplit, bitwise" \
	    ok "$(r 14)"
else
	echo "# skipped: closed forms, numpy reference, segment equality (no numpy)"
fi

# ------------------------------------------------------------ real data
# SLEAP's analysis export of two flies (13 nodes, ~2% NaN, 3000 frames):
# every feature against numpy, and split-versus-whole on real tracks
# (the export has no fps: its video's 25 is given).
CONVERT=$B/bin/mz-convert
if [ -n "$DATA" ] && [ -x "$CONVERT" ] && [ -n "$NP" ]; then
	f=sleap/predictions.analysis.h5
	if mz-convert -o fly.mzs "$DATA/$f" 2> conv.err; then
		set -- $("$NP" -c '
import sys
sys.path.insert(0, "'"$TOP"'/share/python")
import mzs
b = next(mzs.read("fly.mzs")).meta["bodyparts"]
print(b[0], b[-1], ",".join(b[:3]), ",".join(b))')
		mz-features --fps 25 -a "$1" -p "$2" -F velocity:"$4",centroid \
		    -F speed:"$4",centroid -F accel -F heading -F angvel \
		    -F angle:"$3" -F dist -F bodylength -F idist -F approach \
		    -F relori -F facing -F nn -F wavelet:speed.centroid,angvel \
		    -o fly.out.mzs fly.mzs
		"$NP" "$REF" split fly.mzs flyseg.mzs --at 1100,1600
		mz-features --fps 25 -a "$1" -p "$2" -F accel -F approach \
		    -F wavelet:speed.centroid -F speed -o fly.w.mzs fly.mzs
		mz-features --fps 25 -a "$1" -p "$2" -F accel -F approach \
		    -F wavelet:speed.centroid -F speed --overlap auto \
		    -o fly.s.mzs flyseg.mzs
		cat > realchecks <<-EOF
		np-check fly.mzs fly.out.mzs --ant $1 --post $2
		same fly.s.mzs fly.w.mzs
		EOF
		"$NP" "$REF" batch realchecks > realres
		t_is "real data $f: every feature = numpy" ok "$(sed -n 1p realres)"
		t_is "real data $f: segments with --overlap auto = whole" ok \
		    "$(sed -n 2p realres)"
	else
		echo "# mz-convert could not read $f: skipped ($(head -1 conv.err))"
	fi
else
	echo "# real data: needs \$DATA, $CONVERT and numpy: skipped"
fi

t_done
