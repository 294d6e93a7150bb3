#!/bin/sh
# bench-pca.sh - time mz-pca fit against scikit-learn's PCA(svd_solver=
# "full") on the same ROWS x COLS float64 values (default 1,000,000 x 32),
# side by side, and report the ratio, mz-pca's peak memory, and the
# floating-point rate of its covariance step against a dgemm peak measured
# here.  Timings are the best of REPEAT runs (default 3).  Needs python3
# with numpy and scikit-learn (scipy for the BLAS rates), which also write
# the data: random correlated columns, an .mzs stream for mz-pca and an
# .npy of the same values for scikit-learn (loaded before its clock starts).
#
# usage: scripts/bench-pca.sh   (environment: MZ_BUILD, ROWS, COLS, REPEAT;
#        BLAS_RATES=0 leaves the BLAS rates out)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${MZ_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
ROWS=${ROWS:-1000000}
COLS=${COLS:-32}
REPEAT=${REPEAT:-3}
PY=$("$TOP/scripts/find-python")
if [ -z "$PY" ] || ! "$PY" -c 'import numpy, sklearn' 2>/dev/null; then
	echo "bench-pca: needs python3 with numpy and scikit-learn; skipped" >&2
	exit 0
fi
[ -x "$B/bin/mz-pca" ] || make -C "$TOP" -s B="$B" "$B/bin/mz-pca"
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-pca.XXXXXX")
trap 'rm -rf "$W"' EXIT

"$PY" - "$W" "$ROWS" "$COLS" <<'EOF'
import ctypes, ctypes.util, json, os, struct, sys
import numpy as np

work, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
lib.XXH64.restype = ctypes.c_uint64
lib.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
xxh = lambda b: lib.XXH64(b, len(b), 0)

def chunk(tag, payload):
    h = xxh(payload)
    return tag + struct.pack("<IQQ", 0, len(payload), h) + payload + \
        b"\0" * ((8 - len(payload) % 8) % 8), h

# The data: Gaussian along random axes with decaying scales, far from 0.
rng = np.random.default_rng(42)
q, _ = np.linalg.qr(rng.standard_normal((cols, cols)))
x = (rng.standard_normal((rows, cols)) * (50 * 0.85 ** np.arange(cols))) @ q.T
x += rng.uniform(-500, 500, cols)
np.save(os.path.join(work, "data.npy"), x)
names = ["c%d" % j for j in range(cols)]
out = [b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0)]
c, h = chunk(b"HEAD", json.dumps({"columns": [{"name": n, "type": "f64"}
                                              for n in names]}).encode())
out.append(c)
sums, step = [h], 16384
for a in range(0, rows, step):
    b = min(rows, a + step)
    off, desc, data = 16 + 24 * cols, b"", b""
    for j in range(cols):
        raw = np.ascontiguousarray(x[a:b, j]).astype("<f8").tobytes()
        desc += struct.pack("<B7xQQ", 0, off, len(raw))
        data += raw
        off += len(raw)
    c, h = chunk(b"BLCK", struct.pack("<QII", b - a, cols, 0) + desc + data)
    out.append(c)
    sums.append(h)
out.append(chunk(b"TAIL", struct.pack("<QQQ", rows, len(sums) - 1,
    xxh(b"".join(struct.pack("<Q", s) for s in sums))))[0])
out.append(chunk(b"ENDS", struct.pack("<Q", 1))[0])
with open(os.path.join(work, "data.mzs"), "wb") as f:
    f.write(b"".join(out))
EOF

# mz-pca fit, timed by the shell; its peak RSS measured by GNU time when
# present (a large parent, such as python, would inflate the child's).
# fit THREADS: "seconds peak-KiB" of the best of REPEAT runs (KiB 0: not
# measured).
fit() {
	best= rss=0
	for _ in $(seq "$REPEAT"); do
		s=$(date +%s.%N)
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%M' -o "$W/rss" "$B/bin/mz-pca" fit -q \
			    --threads "$1" -o "$W/model" "$W/data.mzs"
		else
			echo 0 > "$W/rss"
			"$B/bin/mz-pca" fit -q --threads "$1" -o "$W/model" \
			    "$W/data.mzs"
		fi
		best=$(awk -v s="$s" -v e="$(date +%s.%N)" -v b="$best" \
		    'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
		m=$(cat "$W/rss")
		[ "$m" -gt "$rss" ] && rss=$m
	done
	echo "$best $rss"
}
NCPU=$(nproc)
FIT1=$(fit 1)
FITN=$(fit "$NCPU")

"$PY" - "$W" "$ROWS" "$COLS" "$REPEAT" "$NCPU" $FIT1 $FITN <<'EOF'
import json, os, sys, time
import numpy as np

work = sys.argv[1]
rows, cols, repeat, ncpu = map(int, sys.argv[2:6])
t1, rss1, tn, rssn = float(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8]), int(sys.argv[9])
rng = np.random.default_rng(1)
model = json.load(open(os.path.join(work, "model", "model.json")))

from sklearn.decomposition import PCA
x = np.load(os.path.join(work, "data.npy"))
tsk = float("inf")
for _ in range(repeat):
    t = time.perf_counter()
    p = PCA(svd_solver="full").fit(x)
    tsk = min(tsk, time.perf_counter() - t)
diff = np.max(np.abs(np.array(model["explained_variance_ratio"]) -
                     p.explained_variance_ratio_) / p.explained_variance_ratio_)

# BLAS rates: dsyrk on mz-pca's 4096-row blocks (one thread, as mz-pca
# calls it) and a large dgemm (one thread and all), through scipy.
flops = rows * cols * (cols + 1)
rates = {}
try:
    from scipy.linalg import blas
    from threadpoolctl import threadpool_limits
except ImportError:
    blas = None
if os.environ.get("BLAS_RATES") == "0":
    blas = None
if blas is not None:
    def rate(fn, nflop, reps):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            for _ in range(reps):
                fn()
            best = min(best, time.perf_counter() - t)
        return nflop * reps / best / 1e9
    blk = np.asfortranarray(rng.standard_normal((4096, cols)))
    big = np.asfortranarray(rng.standard_normal((3000, 3000)))
    with threadpool_limits(1):
        rates["dsyrk"] = rate(lambda: blas.dsyrk(1.0, blk, trans=1),
                              4096 * cols * (cols + 1), 200)
        rates["dgemm1"] = rate(lambda: blas.dgemm(1.0, big, big), 2 * 3000 ** 3, 1)
    rates["dgemmN"] = rate(lambda: blas.dgemm(1.0, big, big), 2 * 3000 ** 3, 2)

print("data:                %d x %d float64 (%.0f MB as .mzs)" % (
    rows, cols, os.path.getsize(os.path.join(work, "data.mzs")) / 1e6))
rss = lambda k: "peak RSS %.1f MB" % (k / 1024) if k else "(peak RSS needs GNU time)"
print("mz-pca fit, 1 thread:  %.3f s   %s" % (t1, rss(rss1)))
print("mz-pca fit, %d threads: %.3f s   %s" % (ncpu, tn, rss(rssn)))
print("scikit-learn PCA(svd_solver='full').fit: %.3f s (data in memory)" % tsk)
print("speed-up:            %.1fx (1 thread), %.1fx (%d threads)" % (
    tsk / t1, tsk / tn, ncpu))
print("explained variance ratios: max relative difference %.1e" % diff)
print("covariance step:     %.2f GFLOP (dsyrk); whole fit at %.2f GFLOP/s" % (
    flops / 1e9, flops / 1e9 / min(t1, tn)))
if rates:
    print("BLAS rates:          dsyrk on 4096 x %d blocks %.1f GFLOP/s (1 thread); "
          "dgemm 3000^3 peak %.1f GFLOP/s (1 thread), %.1f (%d threads)" % (
              cols, rates["dsyrk"], rates["dgemm1"], rates["dgemmN"], ncpu))
else:
    print("BLAS rates:          skipped (%s)" % ("BLAS_RATES=0"
          if os.environ.get("BLAS_RATES") == "0" else
          "needs scipy and threadpoolctl"))
EOF
