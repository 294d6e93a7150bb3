#!/bin/sh
# bench-convert.sh - mz-convert against what users would otherwise run,
# side by side on the same files (best of 3 runs, warm cache).
#
# usage: scripts/bench-convert.sh [build-dir]   (default: build)
# BENCH_ROWS (default 200000) frames x BENCH_BP (default 20) bodyparts.
# BENCH_DIR (default: a temporary directory) holds the generated files.
#
# Each section is self-contained (its own files, helpers and output), so
# that sections for other formats can be appended below.
set -eu
B=${1:-build}
PATH=$PWD/$B/bin:$PATH
PY=$(scripts/find-python 2>/dev/null || true)
D=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mz-bench-convert.XXXXXX")}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$D"' EXIT
ROWS=${BENCH_ROWS:-200000}
BP=${BENCH_BP:-20}

# best CMD: the best wall-clock seconds of 3 runs of the shell command.
best() {
	for _i in 1 2 3; do
		_t0=$(date +%s.%N)
		sh -c "$1" > /dev/null
		_t1=$(date +%s.%N)
		echo "$_t1 - $_t0" | bc -l
	done | sort -n | head -1
}
# cpu CMD: the least user+system CPU seconds of 3 runs of the shell
# command (the machine may be shared: CPU time is steadier than wall
# time), as "TOTAL USER".
cpu() {
	for _i in 1 2 3; do
		/usr/bin/time -f '%U %S' -o "$D/cpu.txt" sh -c "$1" > /dev/null
		awk '{ printf "%.3f %.3f\n", $1 + $2, $1 }' "$D/cpu.txt"
	done | sort -n | head -1
}
row() { printf '%-52s %8.3f s\n' "$1" "$2"; }
cpurow() { printf '%-52s %8.3f s CPU (%.3f s user)\n' "$1" "$2" "$3"; }
ratio() { printf '%-52s %8.2fx\n' "$1" "$(echo "$2 / $3" | bc -l)"; }

# ----------------------------------------------------------------- DLC CSV
# A DeepLabCut-style prediction CSV: 3 header rows, frame index, x, y and
# likelihood per bodypart with full float64 repr digits (as pandas writes
# DeepLabCut's float64 frames), 1% of points missing (empty cells).
if [ -z "$PY" ] || ! "$PY" -c 'import pandas' 2>/dev/null; then
	echo "## DLC CSV: skipped (needs python3 with numpy and pandas)"
else
	echo "# files in $D"
	"$PY" - "$D/dlc.csv" "$ROWS" "$BP" <<'EOF'
import sys
import numpy as np, pandas as pd
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
sc = "DLC_resnet50_benchJan1shuffle1_100000"
cols = pd.MultiIndex.from_product([[sc], ["bp%d" % j for j in range(k)],
    ["x", "y", "likelihood"]], names=["scorer", "bodyparts", "coords"])
v = rng.uniform(0, 1000, (n, 3 * k))
v[:, 2::3] = rng.uniform(0, 1, (n, k))
v[rng.uniform(size=v.shape) < 0.01] = np.nan
pd.DataFrame(v, columns=cols).to_csv(path)
EOF
	cat "$D/dlc.csv" > /dev/null
	MB=$(echo "$(wc -c < "$D/dlc.csv") / 1000000" | bc -l)
	echo "## DLC CSV -> tracks: $ROWS frames x $BP bodyparts," \
	    "$(printf %.0f "$MB") MB"
	# pandas is timed two ways: the whole process (python start-up and
	# imports included, as for mz-convert) and the read_csv call alone.
	cat > "$D/pd.py" <<'EOF'
import resource, sys, time
import pandas as pd
best = None
for _ in range(3):
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    pd.read_csv(sys.argv[1], header=[0, 1, 2], index_col=0,
                **({"float_precision": "round_trip"} if sys.argv[2] == "x" else {}))
    t = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    u = r1.ru_utime - r0.ru_utime
    c = u + r1.ru_stime - r0.ru_stime
    best = (t, c, u) if best is None else min(best, (t, c, u))
# wall seconds; with "cpu": "CPU USER" seconds of the same best run
print("%.4f %.4f" % best[1:] if len(sys.argv) > 3 else "%.4f" % best[0])
EOF
	t_pd=$(best "$PY -c 'import pandas as pd; pd.read_csv(\"$D/dlc.csv\", header=[0, 1, 2], index_col=0)'")
	t_pdcall=$("$PY" "$D/pd.py" "$D/dlc.csv" -)
	t_pdx=$("$PY" "$D/pd.py" "$D/dlc.csv" x)
	t_mz=$(best "mz-convert -c none -o $D/dlc.mzs $D/dlc.csv")
	t_mzs=$(best "mz-convert -o $D/dlcs.mzs $D/dlc.csv")
	t_mzn=$(best "mz-convert -c none $D/dlc.csv > /dev/null")
	t_mzsn=$(best "mz-convert -c shuffle $D/dlc.csv > /dev/null")
	row "pandas: python process with read_csv" "$t_pd"
	row "pandas.read_csv(header=[0,1,2]) call alone" "$t_pdcall"
	row "  ... float_precision=round_trip (exact)" "$t_pdx"
	row "mz-convert -c none (raw stream file)" "$t_mz"
	row "mz-convert (default codec: shuffle)" "$t_mzs"
	row "mz-convert -c none > /dev/null (no disk)" "$t_mzn"
	row "mz-convert -c shuffle > /dev/null (no disk)" "$t_mzsn"
	ratio "speed-up, processes (raw)" "$t_pd" "$t_mz"
	ratio "speed-up vs the read_csv call (raw)" "$t_pdcall" "$t_mz"
	ratio "speed-up vs the read_csv call (shuffle)" "$t_pdcall" "$t_mzs"
	ratio "speed-up vs the read_csv call (raw, no disk)" "$t_pdcall" "$t_mzn"
	ratio "speed-up vs the read_csv call (shuffle, no disk)" "$t_pdcall" "$t_mzsn"
	ratio "speed-up vs exact read_csv call (raw)" "$t_pdx" "$t_mz"
	# CPU time (user + system; user alone in parentheses): what each
	# costs whatever else runs on the machine.  mz-convert's whole
	# process against the read_csv call alone.
	set -- $("$PY" "$D/pd.py" "$D/dlc.csv" - cpu)
	c_pd=$1 u_pd=$2
	set -- $(cpu "mz-convert -c none -o $D/dlc.mzs $D/dlc.csv")
	c_mz=$1 u_mz=$2
	cpurow "pandas.read_csv(header=[0,1,2]) call, CPU" "$c_pd" "$u_pd"
	cpurow "mz-convert -c none, whole process, CPU" "$c_mz" "$u_mz"
	ratio "CPU-time ratio (user + system)" "$c_pd" "$c_mz"
	ratio "CPU-time ratio (user)" "$u_pd" "$u_mz"
	echo "## tracks -> DLC CSV (the same data)"
	t_back=$(best "mz-convert --to dlc-csv -o $D/back.csv $D/dlc.mzs")
	t_pdw=$(best "$PY -c 'import pandas as pd; d = pd.read_csv(\"$D/dlc.csv\", header=[0, 1, 2], index_col=0); import time; t = time.time(); d.to_csv(\"$D/pd.csv\"); print(time.time() - t)' > $D/pdw.txt")
	row "mz-convert --to dlc-csv" "$t_back"
	row "pandas DataFrame.to_csv (write only)" "$(cat "$D/pdw.txt")"
fi

# ---- DeepLabCut HDF5 at size: the CSV's frame written as DeepLabCut
# writes its predictions (DataFrame.to_hdf, key df_with_missing, PyTables
# table format), then mz-convert against the pandas.read_hdf call alone.
if [ -n "$PY" ] && [ -f "$D/dlc.csv" ] && "$PY" -c 'import tables' 2>/dev/null; then
	"$PY" - "$D/dlc.csv" "$D/dlc.h5" <<'EOF'
import sys
import pandas as pd
d = pd.read_csv(sys.argv[1], header=[0, 1, 2], index_col=0)
d.to_hdf(sys.argv[2], key="df_with_missing", format="table", mode="w")
EOF
	cat "$D/dlc.h5" > /dev/null
	echo "## DLC HDF5 (table format) -> tracks: $ROWS frames x $BP" \
	    "bodyparts, $(printf %.0f "$(echo "$(wc -c < "$D/dlc.h5") / 1000000" | bc -l)") MB"
	# pandas is timed as one conversion runs: a fresh process per try
	# (imports before the clock), the read_hdf call alone; and, for
	# reference, the best of 3 calls in one process (the 2nd and 3rd
	# reuse memory the 1st faulted in, which no single run can).
	cat > "$D/pdh.py" <<'EOF'
import sys, time
import pandas as pd, tables
t = time.perf_counter(); d = pd.read_hdf(sys.argv[1]); r = time.perf_counter() - t
if len(sys.argv) > 2:
    # the whole conversion: read, then write the frame (fixed format,
    # uncompressed: pandas' fastest writer here; mosaic writes parquet)
    t = time.perf_counter(); d.to_hdf(sys.argv[2], key="df", mode="w"); w = time.perf_counter() - t
    print("%.4f" % (r + w))
else:
    print("%.4f" % r)
EOF
	t_pdh=$(for _i in 1 2 3; do "$PY" "$D/pdh.py" "$D/dlc.h5"; done | sort -n | head -1)
	t_pdhw=$(for _i in 1 2 3; do "$PY" "$D/pdh.py" "$D/dlc.h5" "$D/pdout.h5"; done | sort -n | head -1)
	t_pdh3=$("$PY" -c '
import sys, time
import pandas as pd
b = None
for _ in range(3):
    t = time.perf_counter(); pd.read_hdf(sys.argv[1]); t = time.perf_counter() - t
    b = t if b is None else min(b, t)
print("%.4f" % b)' "$D/dlc.h5")
	t_mzh=$(best "mz-convert -c none -o $D/h5big.mzs $D/dlc.h5")
	t_mzhs=$(best "mz-convert -o $D/h5bigs.mzs $D/dlc.h5")
	t_mzhn=$(best "mz-convert -c none $D/dlc.h5 > /dev/null")
	t_mzhsn=$(best "mz-convert -c shuffle $D/dlc.h5 > /dev/null")
	row "pandas.read_hdf call, fresh process" "$t_pdh"
	row "  ... best of 3 calls in one process" "$t_pdh3"
	row "pandas.read_hdf + DataFrame.to_hdf (fixed)" "$t_pdhw"
	row "mz-convert -c none > /dev/null (no disk)" "$t_mzhn"
	row "mz-convert -c shuffle > /dev/null (no disk)" "$t_mzhsn"
	row "mz-convert -c none -o FILE (fsync'd)" "$t_mzh"
	row "mz-convert -o FILE (shuffle, fsync'd)" "$t_mzhs"
	ratio "read_hdf call / mz-convert (raw, no disk)" "$t_pdh" "$t_mzhn"
	ratio "read_hdf + to_hdf / mz-convert (shuffle, file)" "$t_pdhw" "$t_mzhs"
fi

# ---- DeepLabCut HDF5 (pandas/PyTables) -> standard tracks.  No generator
# writes pandas HDF5 without PyTables, so this section times the real
# files of ../shared/data (skipped when absent), absolute figures, and
# pandas.read_hdf beside them when PyTables is installed.
H5DATA=${BENCH_DATA:-../shared/data}
if [ -d "$H5DATA" ]; then
	echo "DLC HDF5 -> standard tracks (real files, best of 3):"
	for f in dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5 \
	    deepof/testDLC_h5_table_madlc.h5; do
		[ -f "$H5DATA/$f" ] || continue
		sz=$(wc -c < "$H5DATA/$f")
		t=$(best "mz-convert -q -o $D/h5.mzs $H5DATA/$f")
		rows=$(mz-info "$D/h5.mzs" | awk '$1 == "rows:" { print $2 }')
		row "mz-convert $(basename "$f")" "$t"
		printf '%-52s %8.1f MB/s %10.0f rows/s\n' "" \
		    "$(echo "$sz / $t / 1000000" | bc -l)" \
		    "$(echo "$rows / $t" | bc -l)"
		if [ -n "$PY" ] && "$PY" -c 'import tables' 2>/dev/null; then
			t_pd=$(best "$PY -c 'import pandas as pd; pd.read_hdf(\"$H5DATA/$f\")'")
			row "pandas.read_hdf (with interpreter start)" "$t_pd"
		else
			echo "    (pandas.read_hdf: PyTables not installed)"
		fi
	done
fi
