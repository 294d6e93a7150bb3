#!/bin/sh
# bench-arhmm.sh - seconds per Gibbs sweep of mz-arhmm fit on the issue's
# shape: 100,000 frames (10 recordings of 10,000), D = 10, 100 states,
# nlags 3, and the cost per frame x state x sweep, for 1 and 2 threads;
# then the recovery figures on 8 true states (5 x 10,000 frames, D 6).
#
# usage: scripts/bench-arhmm.sh [build-dir]   (default: build)
#
# Upstream (jax-moseq, the figures on this shape): 469 ns per
# frame.state.sweep on 2 CPU cores, 212 ns on 16, 195 ns on an H100.
# CPU seconds are reported beside wall seconds: on a shared machine the
# wall clock also measures the other users.
set -eu
B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B/bin:$B/tests/tools:$PATH
SWEEPS=${SWEEPS:-10}
T=$(mktemp -d "${TMPDIR:-/tmp}/mz-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

arhmm-sim -s 10 -n 10000 -K 20 -d 10 -m 12 -e 0.3 -S 5 -o bench.mzs
echo "mz-arhmm fit: 100000 frames (10 x 10000), D 10, K 100, nlags 3," \
    "$SWEEPS sweeps after the initialisation"
for th in 1 2; do
	# Time the whole fit, and the initialisation alone, to get the
	# sweeps' share.
	/usr/bin/time -f "%e %U %S" -o t0 mz-arhmm fit -q -n 0 -c 'x*' \
	    --checkpoint-every 0 --threads "$th" -o m0 bench.mzs
	/usr/bin/time -f "%e %U %S" -o t1 mz-arhmm fit -q -n "$SWEEPS" \
	    -c 'x*' --checkpoint-every 0 --threads "$th" -o m1 bench.mzs
	awk -v th="$th" -v n="$SWEEPS" 'NR == FNR { w0 = $1; c0 = $2 + $3; next }
	    { w = ($1 - w0) / n; c = ($2 + $3 - c0) / n
	      printf "threads %d: %.3f s/sweep wall (%.1f ns/frame.state.sweep),", th, w, w / 1e7 * 1e9
	      printf " %.3f CPU s/sweep (%.1f ns per thread-frame.state.sweep)\n", c, c / 1e7 * 1e9 }' t0 t1
done
cmp -s m1/z.i32 m0/z.i32 || true

echo "recovery: 8 true states, 5 x 10000 frames, D 6, 100 sweeps, defaults"
arhmm-sim -s 5 -n 10000 -K 8 -d 6 -m 15 -e 0.2 -S 3 -o sim.mzs
/usr/bin/time -f "%e s wall, %U s user" -o tr mz-arhmm fit -q -n 100 \
    -c 'x*' -k state -o rec -s rec.mzs sim.mzs
mz-arhmm fit -q -n 100 -c 'x*' -k state --seed 1 -o rec1 -s rec1.mzs sim.mzs
mz-cat --csv rec.mzs > rec.csv
mz-cat --csv rec1.mzs | cut -d, -f5 | sed 1s/syllable/syllable1/ > s1
paste -d, rec.csv s1 > both.csv
awk -F, '
	function nmi(a, b,   n, u, v, j, k, p, hu, hv, mi) {
		for (k in U) delete U[k]; for (k in V) delete V[k]
		for (k in J) delete J[k]
		for (i = 1; i <= N; i++) { U[A[a, i]]++; V[A[b, i]]++
		    J[A[a, i] SUBSEP A[b, i]]++ }
		for (k in U) hu -= U[k] / N * log(U[k] / N)
		for (k in V) hv -= V[k] / N * log(V[k] / N)
		for (k in J) { split(k, p, SUBSEP)
		    mi += J[k] / N * log(J[k] * N / (U[p[1]] * V[p[2]])) }
		return mi / ((hu + hv) / 2) }
	NR > 1 { N++; A[1, N] = $4; A[2, N] = $5; A[3, N] = $6 }
	END { printf "NMI truth vs seed 0: %.4f, truth vs seed 1: %.4f, seed 0 vs seed 1: %.4f\n",
	    nmi(1, 2), nmi(1, 3), nmi(2, 3) }' both.csv
for c in state syllable; do
	awk -F, -v c="$c" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == c) ic = i
		    if ($i == "frame") fr = i }; next }
		$fr == 0 || $ic != prev { if (len) d[n++] = len; len = 0 }
		{ len++; prev = $ic }
		END { d[n++] = len
			for (i = 1; i < n; i++) { x = d[i]
			    for (k = i - 1; k >= 0 && d[k] > x; k--) d[k + 1] = d[k]
			    d[k + 1] = x }
			printf "median duration (%s): %g frames\n", c,
			    n % 2 ? d[int(n / 2)] : (d[n / 2 - 1] + d[n / 2]) / 2
		}' rec.csv
done
echo "fit time: $(cat tr)"
