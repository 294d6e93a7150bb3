#!/bin/sh
# bench-features.sh - time mz-features against the numpy code a user would
# write for the same features, on the same FRAMES frames (default
# 1,000,000) of 2 animals x 8 bodyparts (0.5% of the points NaN), side by
# side, and report the ratios; then the peak RSS of mz-features over
# RSS_SIZES frames (default 1e4 1e5 1e6 1e7; mzgen, 1 sequence x 2
# animals x 4 bodyparts, zstd-compressed file) to show that memory does not
# grow with the recording.  Timings are the best of REPEAT runs (default 3).
#
# Two feature sets:
#   kinematic+social: velocity and speed of every bodypart and the centroid,
#     acceleration of the centroid, heading, angvel, 2 joint angles, all 28
#     keypoint distances, body length, idist, approach, relori, facing, nn;
#   wavelet: the 25 default Morlet amplitudes of the centroid's speed (on
#     WFRAMES frames, default 100,000); numpy convolves with np.convolve
#     (direct) and, faster, through np.fft (one transform of the signal
#     shared by the frequencies; mz-features uses FFT tiles for long
#     kernels); and with PyWavelets' cwt (cmor1.5-1.0), which is what
#     mosaic runs, when python3-pywt is installed.
#
# mz times are whole runs (reading the .mzs file, writing the output
# stream to /dev/null).  Each time is given as wall seconds and as CPU
# seconds (user + system; on a shared machine the steadier figure).  Python times are given twice: the computation
# alone on arrays already in memory, and with np.load of the same values
# from .npy (the cheapest input a Python pipeline has).  Needs python3 with
# numpy.
#
# usage: scripts/bench-features.sh  (environment: MZ_BUILD, FRAMES, WFRAMES,
#        REPEAT, RSS_SIZES)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${MZ_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
FRAMES=${FRAMES:-1000000}
WFRAMES=${WFRAMES:-100000}
REPEAT=${REPEAT:-3}
RSS_SIZES=${RSS_SIZES:-10000 100000 1000000 10000000}
PY=$("$TOP/scripts/find-python")
if [ -z "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then
	echo "bench-features: needs python3 with numpy; skipped" >&2
	exit 0
fi
[ -x "$B/bin/mz-features" ] || make -C "$TOP" -s B="$B" "$B/bin/mz-features"
[ -x "$B/tests/tools/mzgen" ] || make -C "$TOP" -s B="$B" \
    "$B/tests/tools/mzgen"
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-features.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' HUP INT PIPE TERM
export BENCH_W="$W" BENCH_TOP="$TOP"

# The data, as .mzs for mz and .npy for Python.
"$PY" - "$W" "$FRAMES" "$WFRAMES" <<'EOF'
import importlib.util, os, sys
import numpy as np
w, T, TW = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
spec = importlib.util.spec_from_file_location(
    "fr", os.path.join(os.environ["BENCH_TOP"], "tests/cli/features-ref.py"))
fr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fr)
rng = np.random.default_rng(7)
K = 8
names = ["bp%d" % k for k in range(K)]
body = np.stack([np.linspace(30, -40, K), 6 * np.sin(np.arange(K))], 1)
for tag, n in (("kin", T), ("wav", TW)):
    parts, arrs = [], {}
    for a in range(2):
        t = np.arange(n)
        cx = 300 + 200 * np.sin(0.001 * t + a) + rng.normal(0, 1, n)
        cy = 200 + 150 * np.cos(0.0007 * t + 2 * a) + rng.normal(0, 1, n)
        th = 0.002 * t + 0.5 * np.sin(0.01 * t) + a
        X = cx[:, None] + np.cos(th)[:, None] * body[:, 0] - \
            np.sin(th)[:, None] * body[:, 1]
        Y = cy[:, None] + np.sin(th)[:, None] * body[:, 0] + \
            np.cos(th)[:, None] * body[:, 1]
        m = rng.random((n, K)) < 0.005
        X[m] = Y[m] = np.nan
        parts.append((fr.part_cols(np.arange(n), 30.0, a, names, X, Y),
                      fr.meta(names, "m%d" % a, 30.0)))
        np.save(os.path.join(w, "%s%d.npy" % (tag, a)), np.stack([X, Y], -1))
    fr.write_stream(os.path.join(w, tag + ".mzs"), parts,
                    rows_per_block=16384)
EOF

best() {  # "WALL CPU": best wall and CPU (user + system) seconds of REPEAT runs
	bw= bc=
	for _ in $(seq "$REPEAT"); do
		/usr/bin/time -f '%e %U %S' -o "$W/time" "$@" > /dev/null
		bw=$(awk -v b="${bw:-1e99}" '{ print ($1 < b ? $1 : b) }' "$W/time")
		bc=$(awk -v b="${bc:-1e99}" '{ c = $2 + $3; print (c < b ? c : b) }' \
		    "$W/time")
	done
	echo "$bw $bc"
}

KIN="-a bp0 -p bp7 -F velocity:bp0,bp1,bp2,bp3,bp4,bp5,bp6,bp7,centroid
    -F speed:bp0,bp1,bp2,bp3,bp4,bp5,bp6,bp7,centroid -F accel -F heading
    -F angvel -F angle:bp0,bp3,bp7 -F angle:bp2,bp4,bp6 -F dist
    -F bodylength -F idist -F approach -F relori -F facing -F nn"
mz_kin=$(best "$B/bin/mz-features" -c none $KIN "$W/kin.mzs")
mz_wav=$(best "$B/bin/mz-features" -c none -F speed \
    -F wavelet:speed.centroid "$W/wav.mzs")

"$PY" - "$W" "$REPEAT" <<'EOF' > "$W/py.txt"
import os, sys, time
import numpy as np
w, R = sys.argv[1], int(sys.argv[2])
fps = 30.0

def wrap(x):
    return x - 2 * np.pi * np.ceil((x - np.pi) / (2 * np.pi))

def feats(P, Q):
    """P, Q: (T, K, 2) of the focal and the other animal."""
    out = {}
    def cen(A):
        return np.nanmean(A, 1)
    c, co = cen(P), cen(Q)
    for k in range(P.shape[1]):
        v = np.gradient(P[:, k], axis=0) * fps
        out["v%d" % k] = v
        out["s%d" % k] = np.hypot(v[:, 0], v[:, 1])
    v = np.gradient(c, axis=0) * fps
    out["vc"], out["sc"] = v, np.hypot(v[:, 0], v[:, 1])
    out["ac"] = np.gradient(v, axis=0) * fps
    def head(A):
        d = A[:, 0] - A[:, -1]
        return np.arctan2(d[:, 1], d[:, 0])
    h, ho = head(P), head(Q)
    out["h"] = h
    out["angvel"] = np.gradient(np.unwrap(h)) * fps
    for a, b, cc in ((0, 3, 7), (2, 4, 6)):
        u, x = P[:, a] - P[:, b], P[:, cc] - P[:, b]
        out["ang%d" % a] = np.arctan2(np.abs(u[:, 0] * x[:, 1] -
                                             u[:, 1] * x[:, 0]),
                                      (u * x).sum(1))
    i, j = np.triu_indices(P.shape[1], 1)
    out["dist"] = np.linalg.norm(P[:, i] - P[:, j], axis=-1)
    out["bl"] = np.linalg.norm(P[:, 0] - P[:, -1], axis=-1)
    d = co - c
    r = np.hypot(d[:, 0], d[:, 1])
    out["idist"], out["appr"] = r, np.gradient(r) * fps
    out["relori"] = wrap(ho - h)
    out["facing"] = np.abs(wrap(np.arctan2(d[:, 1], d[:, 0]) - h))
    out["nndx"] = np.cos(h) * d[:, 0] + np.sin(h) * d[:, 1]
    out["nndy"] = -np.sin(h) * d[:, 0] + np.cos(h) * d[:, 1]
    return out

def kin(A, B):
    return feats(A, B), feats(B, A)

def morlet_direct(x, freqs):
    out = []
    for f in freqs:
        s = fps / f
        L = int(8 * s)
        t = np.arange(-L, L + 1) / s
        k = (np.pi * 1.5) ** -0.5 * np.exp(-t * t / 1.5) * \
            np.exp(2j * np.pi * t) / np.sqrt(s)
        out.append(np.abs(np.convolve(x, k)[L:L + len(x)]))
    return out

def morlet_fft(x, freqs):
    # One transform of the signal, padded for the longest kernel, shared
    # by every frequency.
    out = []
    n = len(x)
    Lmax = int(8 * fps / min(freqs))
    m = 1 << int(np.ceil(np.log2(n + 2 * Lmax + 1)))
    X = np.fft.fft(np.nan_to_num(x), m)
    for f in freqs:
        s = fps / f
        L = int(8 * s)
        t = np.arange(-L, L + 1) / s
        k = (np.pi * 1.5) ** -0.5 * np.exp(-t * t / 1.5) * \
            np.exp(2j * np.pi * t) / np.sqrt(s)
        y = np.fft.ifft(X * np.fft.fft(k, m))
        out.append(np.abs(y[L:L + n]))
    return out

def wav(A, B, conv):
    freqs = np.geomspace(0.2, 5, 25)
    r = []
    for P in (A, B):
        c = np.nanmean(P, 1)
        v = np.gradient(c, axis=0) * fps
        r.append(conv(np.hypot(v[:, 0], v[:, 1]), freqs))
    return r

def cpu():
    t = os.times()
    return t.user + t.system

def best(fn):
    """"wall cpu": the best wall and CPU (user + system) seconds of R runs"""
    w = c = 1e9
    for _ in range(R):
        w0, c0 = time.perf_counter(), cpu()
        fn()
        w = min(w, time.perf_counter() - w0)
        c = min(c, cpu() - c0)
    return "%.6f %.6f" % (w, c)

import warnings
warnings.simplefilter("ignore")
ld = lambda tag: (np.load(os.path.join(w, tag + "0.npy")),
                  np.load(os.path.join(w, tag + "1.npy")))
A, B = ld("kin")
print("kin_compute", best(lambda: kin(A, B)))
print("kin_load", best(lambda: kin(*ld("kin"))))
A, B = ld("wav")
print("wav_direct", best(lambda: wav(A, B, morlet_direct)))
print("wav_direct_load", best(lambda: wav(*ld("wav"), morlet_direct)))
print("wav_fft", best(lambda: wav(A, B, morlet_fft)))
print("wav_fft_load", best(lambda: wav(*ld("wav"), morlet_fft)))
try:
    # What mosaic runs for its wavelet features: PyWavelets' CWT with the
    # complex Morlet cmor1.5-1.0 (its default method, convolution).
    import pywt
    def morlet_pywt(x, freqs):
        s = pywt.central_frequency("cmor1.5-1.0") * fps / freqs
        return np.abs(pywt.cwt(x, s, "cmor1.5-1.0",
                               sampling_period=1 / fps)[0])
    print("wav_pywt", best(lambda: wav(A, B, morlet_pywt)))
    print("wav_pywt_load", best(lambda: wav(*ld("wav"), morlet_pywt)))
except ImportError:
    pass
EOF
py() { awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$W/py.txt"; }
ratio() { echo "$1 $2" | awk '{ printf "%.1fx", $2 / $1 }'; }
# line LABEL "MZ-WALL MZ-CPU" PYKEY [PYLOADKEY]
line() {
	set -- "$1" "${2% *}" "${2#* }" "$3" "${4:-}"
	if [ -n "$5" ]; then
		rl="$(ratio "$2" "$(py "$5" 2)") $(ratio "$3" "$(py "$5" 3)")"
		lw=$(printf %.3f "$(py "$5" 2)") lc=$(printf %.3f "$(py "$5" 3)")
	else
		lw=- lc=- rl="- -"
	fi
	printf '%-30s %6.3f %6.3f %6.3f %6.3f %6s %6s %6s %6s %6s %6s\n' "$1" \
	    "$2" "$3" "$(py "$4" 2)" "$(py "$4" 3)" "$lw" "$lc" \
	    "$(ratio "$2" "$(py "$4" 2)")" "$(ratio "$3" "$(py "$4" 3)")" $rl
}

echo "mz-features vs numpy, $FRAMES frames x 2 animals x 8 bodyparts (best of $REPEAT)"
echo "seconds of wall time and of CPU time (user + system); ratios = numpy / mz"
printf '%-30s %13s %13s %13s %13s %13s\n' "" mz numpy numpy+load ratio \
    ratio+load
printf '%-30s %6s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n' features wall cpu \
    wall cpu wall cpu wall cpu wall cpu
line "kinematic+social (101 cols)" "$mz_kin" kin_compute kin_load
line "wavelet $WFRAMES fr: direct" "$mz_wav" wav_direct wav_direct_load
line "wavelet $WFRAMES fr: np.fft" "$mz_wav" wav_fft wav_fft_load
if grep -q '^wav_pywt ' "$W/py.txt"; then
	line "wavelet $WFRAMES fr: pywt.cwt" "$mz_wav" wav_pywt wav_pywt_load
else
	echo "(pywt.cwt: PyWavelets not installed)"
fi
echo
echo "peak RSS of mz-features (kinematic+social, 2 animals x 4 bodyparts)"
for n in $RSS_SIZES; do
	"$B/tests/tools/mzgen" -s 1 -i 2 -k 4 -n "$n" -c zstd -o "$W/rss.mzs"
	kb=$( { /usr/bin/time -f '%M' "$B/bin/mz-features" -c none -a bp0 \
	    -p bp3 -F speed:bp0,bp1,bp2,bp3,centroid -F accel -F angvel \
	    -F dist -F idist -F approach -F nn "$W/rss.mzs" > /dev/null; } \
	    2>&1 | tail -1)
	kbw=$( { /usr/bin/time -f '%M' "$B/bin/mz-features" -c none -F speed \
	    -F wavelet:speed.centroid --freqs 1:5:5 "$W/rss.mzs" > /dev/null; } \
	    2>&1 | tail -1)
	printf '%10s frames: %8s kB (kinematic)  %8s kB (wavelet 1-5 Hz)\n' \
	    "$n" "$kb" "$kbw"
	rm -f "$W/rss.mzs"
done
