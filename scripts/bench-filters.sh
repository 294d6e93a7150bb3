#!/bin/sh
# bench-filters.sh - time mz-outliers, mz-smooth and mz-align against the
# numpy/scipy/pandas code a user would write for the same job, on the same
# FRAMES x 8 bodyparts (default 1,000,000 frames; 0.5% of the points NaN,
# 0.1% displaced outliers), side by side, and report the ratios; then the
# peak RSS of each tool over RSS_SIZES frames (default 1e4 1e5 1e6 1e7, read
# from mzgen through a pipe) to show that memory does not grow with the
# recording.  Timings are the best of REPEAT runs (default 3).
#
# mz times are whole runs: reading the .mzs file and writing the output
# stream (raw blocks, to /dev/null).  Each time is given as wall seconds
# and as CPU seconds (user + system; on a shared machine the steadier
# figure).  Python times are given twice: the
# computation alone on arrays already in memory, and with np.load of the
# same values from .npy and np.save of the result (the cheapest I/O a
# Python pipeline has).  Needs python3 with numpy, scipy and pandas.
#
# usage: scripts/bench-filters.sh  (environment: MZ_BUILD, FRAMES, REPEAT,
#        RSS_SIZES)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${MZ_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
FRAMES=${FRAMES:-1000000}
REPEAT=${REPEAT:-3}
RSS_SIZES=${RSS_SIZES:-10000 100000 1000000 10000000}
PY=$("$TOP/scripts/find-python")
if [ -z "$PY" ] || ! "$PY" -c 'import numpy, scipy, pandas' 2>/dev/null; then
	echo "bench-filters: needs python3 with numpy, scipy and pandas; skipped" >&2
	exit 0
fi
for t in mz-outliers mz-smooth mz-align; do
	[ -x "$B/bin/$t" ] || make -C "$TOP" -s B="$B" "$B/bin/$t"
done
[ -x "$B/tests/tools/mzgen" ] || make -C "$TOP" -s B="$B" \
    "$B/tests/tools/mzgen"
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-filters.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# The data, as .mzs for mz and .npy for Python.
"$PY" - "$W" "$FRAMES" <<'EOF'
import ctypes, ctypes.util, json, os, struct, sys
import numpy as np

work, T = sys.argv[1], int(sys.argv[2])
K = 8
lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
lib.XXH64.restype = ctypes.c_uint64
lib.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
xxh = lambda b: lib.XXH64(b, len(b), 0)

def chunk(tag, payload):
    h = xxh(payload)
    return tag + struct.pack("<IQQ", 0, len(payload), h) + payload + \
        b"\0" * ((8 - len(payload) % 8) % 8), h

rng = np.random.default_rng(42)
t = np.arange(T)
c = np.stack([300 + 200 * np.sin(0.001 * t), 200 + 150 * np.cos(0.0007 * t)], 1)
th = 0.002 * t + 0.5 * np.sin(0.01 * t)
body = np.stack([np.linspace(30, -40, K), 8 * np.sin(np.arange(K))], 1)
R = np.stack([np.stack([np.cos(th), -np.sin(th)], -1),
              np.stack([np.sin(th), np.cos(th)], -1)], -2)
Y = c[:, None] + np.einsum("tij,kj->tki", R, body) + rng.normal(0, 1, (T, K, 2))
conf = rng.uniform(0.3, 1, (T, K))
n = T * K
idx = rng.choice(n, n // 1000, replace=False)
Y.reshape(n, 2)[idx] += rng.normal(0, 150, (len(idx), 2))
idx = rng.choice(n, n // 200, replace=False)
Y.reshape(n, 2)[idx] = np.nan
conf.reshape(n)[idx] = 0
np.save(os.path.join(work, "Y.npy"), Y)
np.save(os.path.join(work, "conf.npy"), conf)
names = ["bp%d" % k for k in range(K)]
cols = [("frame", "i64", t), ("time", "f64", t / 30.0), ("id", "i32", np.zeros(T))]
for k, nm in enumerate(names):
    cols += [(nm + ".x", "f64", Y[:, k, 0]), (nm + ".y", "f64", Y[:, k, 1]),
             (nm + ".p", "f64", conf[:, k])]
npt = {"f64": "<f8", "i64": "<i8", "i32": "<i4"}
head = {"columns": [{"name": a, "type": b} for a, b, _ in cols],
        "meta": {"sequence": "bench", "fps": 30, "bodyparts": names}}
with open(os.path.join(work, "data.mzs"), "wb") as f:
    f.write(b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0))
    c, h = chunk(b"HEAD", json.dumps(head).encode())
    f.write(c)
    sums, step = [h], 16384
    for a in range(0, T, step):
        b = min(T, a + step)
        off, desc, data = 16 + 24 * len(cols), b"", b""
        for _, ty, v in cols:
            raw = np.ascontiguousarray(v[a:b]).astype(npt[ty]).tobytes()
            pad = (8 - len(raw) % 8) % 8
            desc += struct.pack("<B7xQQ", 0, off, len(raw))
            data += raw + b"\0" * pad
            off += len(raw) + pad
        c, h = chunk(b"BLCK", struct.pack("<QII", b - a, len(cols), 0) + desc + data)
        f.write(c)
        sums.append(h)
    f.write(chunk(b"TAIL", struct.pack("<QQQ", T, len(sums) - 1,
        xxh(b"".join(struct.pack("<Q", s) for s in sums))))[0])
    f.write(chunk(b"ENDS", struct.pack("<Q", 1))[0])
EOF

# best CMD...: "WALL CPU", the best wall time and the best CPU time (user +
# system) of REPEAT runs of CMD (stdout discarded).  The machine may be
# shared: CPU seconds are the steadier figure.
best() {
	bw= bc=
	for _ in $(seq "$REPEAT"); do
		/usr/bin/time -f '%e %U %S' -o "$W/time" "$@" > /dev/null
		bw=$(awk -v b="${bw:-1e99}" '{ print ($1 < b ? $1 : b) }' "$W/time")
		bc=$(awk -v b="${bc:-1e99}" '{ c = $2 + $3; print (c < b ? c : b) }' \
		    "$W/time")
	done
	echo "$bw $bc"
}

# The Python side: "name compute-wall compute-cpu io-wall io-cpu" lines
# (cpu: user + system seconds of the process, os.times()).
"$PY" - "$W" "$REPEAT" > "$W/py.txt" <<'EOF'
import os, sys, time, warnings
import numpy as np, pandas as pd, scipy.ndimage, scipy.signal

work, rep = sys.argv[1], int(sys.argv[2])
warnings.simplefilter("ignore")

def outliers(Y, conf, scale=6.0):
    # keypoint-MoSeq's rule with nanmedian (upstream's np.median flags
    # nothing when there is NaN), then its interpolation (np.interp per
    # keypoint and coordinate) and confidence 0.
    T, K, D = Y.shape
    m = np.nanmedian(Y, axis=1)
    d = np.linalg.norm(Y - m[:, None], axis=-1)
    med = np.nanmedian(d, axis=0)
    mad = np.nanmedian(np.abs(d - med), axis=0)
    bad = ~(d <= med + scale * mad)
    Y = np.where(bad[..., None], np.nan, Y)
    t = np.arange(T)
    for k in range(K):
        g = ~bad[:, k]
        for j in range(D):
            Y[~g, k, j] = np.interp(t[~g], t[g], Y[g, k, j])
    return Y, np.where(bad, 0.0, conf)

def savgol(Y, conf):
    return scipy.signal.savgol_filter(Y, 11, 3, axis=0, mode="interp"), conf

def median_scipy(Y, conf):
    return scipy.ndimage.median_filter(Y, size=(11, 1, 1), mode="nearest"), conf

def median_pandas(Y, conf):
    # NaN-aware, edges cut: the closest to mz-smooth -m median.
    T, K, D = Y.shape
    df = pd.DataFrame(Y.reshape(T, K * D))
    return df.rolling(11, center=True, min_periods=1).median().to_numpy() \
        .reshape(T, K, D), conf

def center_embedding(k):
    X = np.tril(np.ones((k, k)), k=-1)[1:]
    X = np.eye(k)[1:] - X / X.sum(1)[:, None]
    return (X / np.sqrt((X ** 2).sum(1))[:, None]).T

def align(Y, conf, embed=False):
    v = np.nanmean(Y, axis=1)
    a, p = Y[:, 0, :2], Y[:, -1, :2]
    h = np.arctan2(a[:, 1] - p[:, 1], a[:, 0] - p[:, 0])
    c, s = np.cos(h)[:, None], np.sin(h)[:, None]
    d = Y - v[:, None]
    out = np.stack([c * d[..., 0] + s * d[..., 1],
                    -s * d[..., 0] + c * d[..., 1]], -1)
    if embed:
        out = np.einsum("ij,tid->tjd", center_embedding(Y.shape[1]), out)
    return out, v, h

jobs = [("outliers", outliers), ("savgol", savgol),
        ("median-scipy", median_scipy), ("median-pandas", median_pandas),
        ("align", align), ("align-embed", lambda Y, c: align(Y, c, True))]
Y0 = np.load(os.path.join(work, "Y.npy"))
C0 = np.load(os.path.join(work, "conf.npy"))
def cpu():
    t = os.times()
    return t.user + t.system

def with_io(fn):
    Y, C = np.load(os.path.join(work, "Y.npy")), \
        np.load(os.path.join(work, "conf.npy"))
    r = fn(Y, C)
    np.save(os.path.join(work, "out.npy"), r[0])

for name, fn in jobs:
    b = [1e99] * 4
    for _ in range(rep):
        for i, f in ((0, lambda: fn(Y0, C0)), (2, lambda: with_io(fn))):
            w0, c0 = time.perf_counter(), cpu()
            f()
            b[i] = min(b[i], time.perf_counter() - w0)
            b[i + 1] = min(b[i + 1], cpu() - c0)
    print(name, *b)
EOF

D=$W/data.mzs
export TMPDIR=$W
echo "bench-filters: $FRAMES frames x 8 bodyparts (2-D), best of $REPEAT;"
echo "seconds of wall time and of CPU time (user + system); ratios = python / mz"
# The like-for-like ratios are the last two: mz's whole run (reading and
# writing streams) against Python with its I/O (np.load, np.save).
printf '%-14s %13s %13s %13s %8s %8s %8s %8s\n' "" "mz" "python" \
    "python+io" "ratio" "ratio" "ratio" "ratio"
printf '%-14s %6s %6s %6s %6s %6s %6s %8s %8s %8s %8s\n' job wall cpu wall \
    cpu wall cpu wall cpu wall+io cpu+io
row() {   # row NAME PYNAME "MZ-WALL MZ-CPU"
	awk -v n="$1" -v m="$3" -v p="$2" 'BEGIN { split(m, t, " ") }
	    $1 == p { printf "%-14s %6.3f %6.3f %6.3f %6.3f %6.3f %6.3f " \
	    "%7.1fx %7.1fx %7.1fx %7.1fx\n", n, t[1], t[2], $2, $3, $4, $5,
	    $2 / t[1], $3 / t[2], $4 / t[1], $5 / t[2] }' "$W/py.txt"
}
row outliers outliers "$(best "$B/bin/mz-outliers" -q -c none "$D")"
row savgol-11-3 savgol "$(best "$B/bin/mz-smooth" -w 11 -r 3 -c none "$D")"
m=$(best "$B/bin/mz-smooth" -m median -w 11 -c none "$D")
row median-11 median-scipy "$m"
row "  (pandas)" median-pandas "$m"
row align align "$(best "$B/bin/mz-align" -a bp0 -p bp7 -c none "$D")"
row align-embed align-embed \
    "$(best "$B/bin/mz-align" -a bp0 -p bp7 --embed -c none "$D")"
echo "(python: savgol = scipy.signal.savgol_filter(mode='interp'), median ="
echo " scipy.ndimage.median_filter / pandas rolling(center, min_periods=1);"
echo " outliers = keypoint-MoSeq's rule with nanmedian + np.interp)"

echo
echo "peak RSS (MiB) against frames (mzgen -k 8 | tool > /dev/null):"
printf '%-12s' frames
for n in $RSS_SIZES; do printf ' %10s' "$n"; done
echo
for tool in "mz-outliers -q" "mz-smooth -w 11 -r 3" "mz-smooth -m median -w 11" \
    "mz-align -a bp0 -p bp7 --embed"; do
	printf '%-12s' "$(echo "$tool" | awk '{ print $1 ($2 == "-m" ? "-med" : "") }')"
	for n in $RSS_SIZES; do
		"$B/tests/tools/mzgen" -s 1 -i 1 -n "$n" -k 8 -c none |
		    /usr/bin/time -f %M -o "$W/rss" $B/bin/$tool -c none > /dev/null
		printf ' %10.1f' "$(awk '{ print $1 / 1024 }' "$W/rss")"
	done
	echo
done
