#!/bin/sh
# bench-cat.sh - mz-cat against the tools users would otherwise use,
# measured side by side on the same files (best of 3 runs, warm cache):
#
#   stream copy      mz-cat F > /dev/null       vs  cat F > /dev/null   (1 GB raw)
#   zstd decode      mz-cat -c none F           vs  zstd -dc F.zst      (same data)
#   CSV -> stream    mz-cat F.csv > /dev/null   vs  pandas.read_csv     (100 MB CSV)
#   stream -> CSV    mz-cat --csv F > /dev/null (MB/s of CSV written)
#   memory           max RSS of mz-cat and mz-cat --csv, 1e5 vs 1e7 rows
#
# usage: scripts/bench-cat.sh [build-dir]   (default: build); needs mzgen.
# BENCH_DIR (default: a temporary directory) holds about 3 GB of files.
set -eu
B=${1:-build}
PATH=$PWD/$B/bin:$PWD/$B/tests/tools:$PATH
PY=$(scripts/find-python 2>/dev/null || true)
D=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mz-bench.XXXXXX")}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$D"' EXIT

# best CMD: the best wall-clock seconds of 3 runs of the shell command.
best() {
	for _i in 1 2 3; do
		_t0=$(date +%s.%N)
		sh -c "$1" > /dev/null
		_t1=$(date +%s.%N)
		echo "$_t1 - $_t0" | bc -l
	done | sort -n | head -1
}

# rss CMD: the maximum resident set size in KiB.
rss() {
	/usr/bin/time -f %M sh -c "$1 > /dev/null" 2>&1 | tail -1
}

mb() { echo "$(wc -c < "$1") / 1000000" | bc -l; }
row() { printf '%-40s %8.3f s %9.1f MB/s\n' "$1" "$2" "$(echo "$3 / $2" | bc -l)"; }
ratio() { printf '%-40s %8.2fx\n' "$1" "$(echo "$2 / $3" | bc -l)"; }

echo "# files in $D"
mzgen -s 1 -i 1 -n 4000000 -k 10 -c none -o "$D/g.mzs"
mzgen -s 1 -i 1 -n 4000000 -k 10 -c shuffle -o "$D/gs.mzs"
mzgen -s 1 -i 1 -n 4000000 -k 10 -c zstd -o "$D/gz.mzs"
zstd -q -3 -f "$D/g.mzs" -o "$D/g.zst"
mzgen -s 1 -i 1 -n 400000 -k 6 -c none -o "$D/f.mzs"
mz-cat --csv "$D/f.mzs" > "$D/f.csv"
cat "$D/g.mzs" "$D/gs.mzs" "$D/gz.mzs" "$D/g.zst" "$D/f.csv" > /dev/null
G=$(mb "$D/g.mzs")
F=$(mb "$D/f.csv")

echo "## stream copy, $(printf %.0f "$G") MB raw stream"
t_cat=$(best "cat $D/g.mzs")
t_mz=$(best "mz-cat $D/g.mzs")
row "cat F > /dev/null" "$t_cat" "$G"
row "mz-cat F > /dev/null" "$t_mz" "$G"
ratio "mz-cat / cat speed" "$t_cat" "$t_mz"

echo "## decoding to raw bytes ($(printf %.0f "$G") MB out)"
t_zstd=$(best "zstd -dc $D/g.zst")
t_s=$(best "mz-cat -c none $D/gs.mzs")
t_z=$(best "mz-cat -c none $D/gz.mzs")
row "zstd -dc F.zst" "$t_zstd" "$G"
row "mz-cat -c none F (shuffle codec)" "$t_s" "$G"
row "mz-cat -c none F (zstd codec)" "$t_z" "$G"
ratio "mz-cat (shuffle) / zstd -dc speed" "$t_zstd" "$t_s"
ratio "mz-cat (zstd) / zstd -dc speed" "$t_zstd" "$t_z"

echo "## CSV -> stream, $(printf %.0f "$F") MB CSV, 21 columns"
t_1=$(best "mz-cat -j 1 $D/f.csv")
t_n=$(best "mz-cat $D/f.csv")
t_f=$(best "mz-cat -o $D/f2.mzs $D/f.csv")
row "mz-cat -j 1 F.csv (raw to a pipe)" "$t_1" "$F"
row "mz-cat F.csv (all cores)" "$t_n" "$F"
row "mz-cat -o F.mzs F.csv (shuffle codec)" "$t_f" "$F"
if [ -n "$PY" ] && "$PY" -c 'import pandas' 2>/dev/null; then
	t_pd=$(for _i in 1 2 3; do "$PY" -c "import pandas, time
t = time.time(); pandas.read_csv('$D/f.csv'); print(time.time() - t)"; done |
	    sort -n | head -1)
	row "pandas.read_csv(F.csv)" "$t_pd" "$F"
	ratio "mz-cat -j 1 / pandas speed" "$t_pd" "$t_1"
	ratio "mz-cat / pandas speed" "$t_pd" "$t_n"
else
	echo "# pandas absent: no comparison"
fi

echo "## stream -> CSV"
t_c=$(best "mz-cat --csv $D/f.mzs")
row "mz-cat --csv F (MB/s of CSV)" "$t_c" "$F"

echo "## memory (max RSS, KiB)"
mzgen -s 1 -i 1 -n 100000 -k 6 -c none -o "$D/m5.mzs"
mzgen -s 1 -i 1 -n 10000000 -k 6 -c none -o "$D/m7.mzs"
printf '%-40s %8s %8s\n' "" "1e5 rows" "1e7 rows"
printf '%-40s %8s %8s\n' "mz-cat F" "$(rss "mz-cat $D/m5.mzs")" \
    "$(rss "mz-cat $D/m7.mzs")"
printf '%-40s %8s %8s\n' "mz-cat -c zstd F" "$(rss "mz-cat -c zstd $D/m5.mzs")" \
    "$(rss "mz-cat -c zstd $D/m7.mzs")"
printf '%-40s %8s %8s\n' "mz-cat --csv F" "$(rss "mz-cat --csv $D/m5.mzs")" \
    "$(rss "mz-cat --csv $D/m7.mzs")"
