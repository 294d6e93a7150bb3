#!/bin/sh
# demo.sh - mz's main pipeline end to end on data it generates, then a
# summary: simulated keypoints with known syllables -> DeepLabCut CSV ->
# mz-convert -> mz-outliers -> mz-align --embed -> mz-pca -> mz-arhmm (kappa
# tuned to the simulated durations) -> mz-syllables, and the agreement of
# the syllables with the truth (mz-eval --cluster).
#
# usage: scripts/demo.sh [dir]   (default: a new directory under $TMPDIR,
#        kept so the results can be looked at; environment: MZ_BUILD,
#        DEMO_FRAMES (per sequence, default 12500), DEMO_SWEEPS (100))
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${MZ_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
PATH=$B/bin:$PATH
export PATH
FRAMES=${DEMO_FRAMES:-12500}
SWEEPS=${DEMO_SWEEPS:-100}
VAR=${DEMO_VARIANCE:-0.9}
SEQS=4
W=${1:-$(mktemp -d "${TMPDIR:-/tmp}/mz-demo.XXXXXX")}
mkdir -p "$W"
cd "$W"

for t in mz-simulate mz-convert mz-outliers mz-align mz-pca mz-arhmm \
    mz-syllables mz-eval mz-info mz-filter mz-select mz-cat; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "demo: $t is not built (run make first)" >&2
		exit 1
	}
done

step() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)

step "1. simulate $SEQS recordings x $FRAMES frames, 8 syllables, 1% missing points, 0.2% outliers"
mz-simulate -q -s $SEQS -n "$FRAMES" -z 8 --missing 0.01 --outliers 0.002 \
    --seed 7 -o sim.mzs
truth_median=$(mz-info -j sim.mzs |
    sed -n 's/.*"median_duration_frames": *\([0-9.]*\).*/\1/p' | head -1)
mz-info sim.mzs | sed -n '1,5p'

step "2. write each recording as a DeepLabCut CSV, convert them back"
s=0
: > tracks.mzs
while [ $s -lt $SEQS ]; do
	mz-filter -q --sequence "sim$s" sim.mzs |
	    mz-select -q -x state | mz-convert -q --to dlc-csv -o "sim$s.csv"
	mz-convert -q --fps 30 --group sim --sequence "sim$s" -o "sim$s.mzs" \
	    "sim$s.csv"
	cat "sim$s.mzs" >> tracks.mzs
	s=$((s + 1))
done
ls -l sim0.csv | awk '{ printf "sim0.csv: %d bytes, ", $5 }'
head -3 sim0.csv | cut -c1-60 | tr '\n' ' '; echo
mz-info tracks.mzs | sed -n '1,3p'

# keypoint-MoSeq's outlier rule with scale 10 instead of its 6: on this
# simulation 6 also flags 0.4-1.3 % of genuine extreme poses at the nose and
# the tailbase and interpolates them away (NMI about 0.94 instead of 0.97);
# 10 flags the planted outliers and little else (compare outliers.json
# with the 0.2 % planted).
step "3. outliers (keypoint-MoSeq's rule, scale 10), egocentric alignment, centre embedding"
mz-outliers -q -s 10 -r outliers.json tracks.mzs |
    mz-align -q -a nose -p tailbase --embed -o ego.mzs
sed -n 's/.*"outliers":[[:space:]]*\([0-9]*\).*/\1/p' outliers.json |
    awk '{ n += $1 } END { printf "points flagged as outliers: %d\n", n }'

# The number of components: where the eigenvalues drop most, the largest
# ratio lambda_k / lambda_k+1 among the first 20 (the eigenvalue-ratio rule
# of Ahn and Horenstein, 2013), eigenvalues that are zero but for rounding
# (the alignment removes one dimension) left out: the components above the
# noise floor.
# keypoint-MoSeq's "90 % of the variance" would keep too few here, and a
# dropped dimension that carries a syllable's dynamics costs more than
# anything else in this pipeline.  The scores are whitened, as
# keypoint-MoSeq's init_model does by default.
step "4. PCA of the embedded keypoints"
mz-pca fit -q -c 'e*' -o pca ego.mzs
mz-pca info pca | sed -n '1,12p'
ncomp=$(mz-pca info pca | awk '$1 ~ /^[0-9]+$/ && $1 < 21 { l[$1] = $2; n = $1 }
    END { best = 1; r = 0
          for (k = 0; k < n; k++) if (l[k + 1] > 1e-9 * l[0] &&
              l[k] / l[k + 1] > r) {
              r = l[k] / l[k + 1]; best = k + 1 }
          print best }')
echo "components above the noise floor (largest eigenvalue ratio): $ncomp;" \
    "$VAR of the variance would take $(mz-pca info -v "$VAR" pca)"
mz-pca apply -q -w -n "$ncomp" -k 'centroid.*,heading' -o latents.mzs \
    pca ego.mzs

step "5. AR-HMM, kappa searched for the simulated median duration"
lo=$(awk -v m="$truth_median" 'BEGIN { printf "%d", m * 0.85 }')
hi=$(awk -v m="$truth_median" 'BEGIN { printf "%d", m * 1.15 + 0.999 }')
echo "true median duration: $truth_median frames; target $lo:$hi"
mz-arhmm fit -q -n "$SWEEPS" --seed 1 --target-duration "$lo:$hi" \
    -k 'centroid.*,heading' -o arhmm -s syllables.mzs latents.mzs
tail -n +1 arhmm.kappa.csv

step "6. syllable statistics"
mz-syllables stats syllables.mzs | head -12

step "7. agreement with the simulated truth"
mz-select -q -c frame,state sim.mzs -o truth.mzs
mz-eval --cluster -t state -p syllable truth.mzs syllables.mzs > eval.csv
awk -F, '$4 == "cluster" && $1 == "all" { printf "%-18s %s\n", $7, $8 }' \
    eval.csv

t1=$(date +%s)
step "summary"
val() { awk -F, -v k="$1" '$1 == "all" && $4 == "cluster" && $7 == k {
    printf "%.4f", $8; exit }' eval.csv; }
kappa=$(awk -F, 'NR > 1 && $4 == "ok" { k = $2 } END { print k }' \
    arhmm.kappa.csv)
med=$(awk -F, 'NR > 1 && $4 == "ok" { m = $3 } END { print m }' \
    arhmm.kappa.csv)
used=$(sed -n 's/.*"used_states":[[:space:]]*\([0-9]*\).*/\1/p' \
    arhmm/model.json | head -1)
cat <<EOF
recordings:              $SEQS x $FRAMES frames at 30 fps, 8 true syllables
median duration:         $med frames inferred, $truth_median true (log10 kappa $kappa)
states used:             $used of 100
NMI with the truth:      $(val nmi)  (adjusted Rand $(val ari), purity $(val purity))
results in:              $W
wall time:               $((t1 - t0)) s
EOF
