#!/bin/sh
# tests: mz-eval
# requires: mz-cat (CSV fixtures); $PY with scikit-learn for the reference
# comparisons (tests/cli/eval-ref.py; tolerance 1e-12 absolute)
. "$(dirname "$0")/lib.sh"
REF="$TOP/tests/cli/eval-ref.py"

# mk NAME CSV-TEXT [mz-cat options]: a stream NAME.mzs from CSV text, with
# the label columns as i32.
mk() {
	_name=$1 _text=$2
	shift 2
	printf '%s\n' "$_text" > "$_name.csv"
	mz-cat --from csv -t label:i32,prediction:i32 "$@" "$_name.csv" \
	    -o "$_name.mzs"
}
# val FILE SECTION CLASS METRIC [AT]: a value of mz-eval's CSV output
# (scope all).
val() {
	awk -F, -v s="$2" -v c="$3" -v m="$4" -v a="${5-}" '$1 == "all" &&
	    $4 == s && $5 == c && $6 == a && $7 == m { print $8 }' "$1"
}
# vals FILE SECTION METRIC: "class=value" for every class, one line.
vals() {
	awk -F, -v s="$2" -v m="$3" '$1 == "all" && $4 == s && $7 == m &&
	    $5 != "" { printf "%s%s=%s", n++ ? " " : "", $5, $8 } END {
	    print "" }' "$1"
}

# ------------------------------------------------------ hand-worked cases
mk perfect "label,prediction
0,0
0,0
1,1
1,1
2,2"
t_ok "perfect: runs" sh -c 'mz-eval --cluster --confusion perfect.mzs > p.csv'
t_is "perfect: the CSV header" "scope,group,sequence,section,class,at,metric,value" \
    "$(head -1 p.csv)"
t_is "perfect: F1 1 for every class and average" \
    "0=1 1=1 2=1 macro avg=1 weighted avg=1" "$(vals p.csv frame f1)"
t_is "perfect: support" "0=2 1=2 2=1 macro avg=5 weighted avg=5" \
    "$(vals p.csv frame support)"
t_is "perfect: accuracy 1" "1" "$(val p.csv frame '' accuracy)"
t_is "perfect: NMI, ARI, V-measure, purity 1" "1 1 1 1" \
    "$(val p.csv cluster '' nmi) $(val p.csv cluster '' ari) $(val p.csv cluster '' v_measure) $(val p.csv cluster '' purity)"
t_is "perfect: diagonal confusion matrix" "2 0 0 0 2 0 0 0 1" \
    "$(awk -F, '$4 == "confusion" { printf "%s ", $8 }' p.csv | sed 's/ $//')"

mk wrong "label,prediction
1,2
1,2
2,1
2,1"
mz-eval --cluster wrong.mzs > w.csv
t_is "all wrong: F1 0 everywhere" "1=0 2=0 macro avg=0 weighted avg=0" \
    "$(vals w.csv frame f1)"
t_is "all wrong: accuracy 0" "0" "$(val w.csv frame '' accuracy)"
t_is "all wrong but a relabelling: NMI 1, ARI 1, purity 1" "1 1 1" \
    "$(val w.csv cluster '' nmi) $(val w.csv cluster '' ari) $(val w.csv cluster '' purity)"
t_is "all wrong: the many-to-one mapping 1->2, 2->1" "1:2 2:1" \
    "$(awk -F, '$4 == "mapping" && $7 == "label" { printf "%s:%s ", $5, $8 }' w.csv | sed 's/ $//')"

mk absent "label,prediction
0,0
0,2
1,1
1,1"
mz-eval absent.mzs > a.csv
t_is "class absent from truth: per-class F1" \
    "0=0.6666666666666666 1=1 2=0 macro avg=0.5555555555555555 weighted avg=0.8333333333333333" \
    "$(vals a.csv frame f1)"
t_is "class absent from truth: precision, recall, support of it" "0 0 0" \
    "$(val a.csv frame 2 precision) $(val a.csv frame 2 recall) $(val a.csv frame 2 support)"
t_is "class absent: accuracy 3/4" "0.75" "$(val a.csv frame '' accuracy)"
mz-eval --ignore 0 absent.mzs > a0.csv
t_is "--ignore 0: class 0 left out of the table and averages" \
    "1=1 2=0 macro avg=0.5 weighted avg=1" "$(vals a0.csv frame f1)"
t_is "--ignore 0: accuracy still over all frames" "0.75" \
    "$(val a0.csv frame '' accuracy)"

# ------------------------------------------------------------ events
# truth 1-runs at 2..4 and 7..8; predicted 1-runs at 1..3 and 9..10.
mk ev "label,prediction
0,0
0,1
1,1
1,1
1,0
0,0
0,0
1,0
1,0
0,1
0,1
0,0" -m fps=10
for tc in "0 0" "1 1" "2 2" "0.2s 2" "0.15s 1"; do
	set -- $tc
	mz-eval --ignore 0 --tolerance "$1" ev.mzs > e.csv
	t_is "events, tolerance $1: true, predicted, matched" "2 2 $2" \
	    "$(val e.csv event 1 true) $(val e.csv event 1 predicted) $(val e.csv event 1 matched)"
done
mz-eval --ignore 0 --tolerance 1 ev.mzs > e.csv
t_is "events, tolerance 1: precision, recall, F1 1/2" "0.5 0.5 0.5" \
    "$(val e.csv event 1 precision) $(val e.csv event 1 recall) $(val e.csv event 1 f1)"
mz-eval --tolerance 0 ev.mzs > e.csv
t_is "events of class 0 counted without --ignore" "3 3 1" \
    "$(val e.csv event 0 true) $(val e.csv event 0 predicted) $(val e.csv event 0 matched)"
t_is "events: micro average over classes" "5 5 1" \
    "$(val e.csv event 'micro avg' true) $(val e.csv event 'micro avg' predicted) $(val e.csv event 'micro avg' matched)"

# Nearest onset wins: true onsets 3 and 6, predicted onset 5 (tolerance
# 2 reaches both); it takes 6, and a second prediction at onset 1 then
# takes 3 only if 3 is still free.
mk near "label,prediction
0,0
0,1
0,0
1,0
1,0
0,1
1,1
1,1
0,0"
mz-eval --ignore 0 --tolerance 2 near.mzs > n.csv
t_is "events: each prediction to the nearest free true onset" "2 2 2" \
    "$(val n.csv event 1 true) $(val n.csv event 1 predicted) $(val n.csv event 1 matched)"
mz-eval --ignore 0 --tolerance 1 near.mzs > n.csv
t_is "events: the first prediction (onset 1) is 2 frames from 3" "2 2 1" \
    "$(val n.csv event 1 true) $(val n.csv event 1 predicted) $(val n.csv event 1 matched)"
# Runs end at part boundaries.
printf 'sequence,label,prediction\na,1,1\na,1,1\nb,1,1\nb,1,1\n' > parts.csv
mz-cat --from csv --split sequence -t label:i32,prediction:i32 parts.csv \
    -o parts.mzs
mz-eval --tolerance 0 parts.mzs > pt.csv
t_is "events: a run does not continue into the next part" "2 2 2" \
    "$(val pt.csv event 1 true) $(val pt.csv event 1 predicted) $(val pt.csv event 1 matched)"
mz-eval --by sequence parts.mzs > bs.csv
t_is "--by sequence: one scope per sequence after the whole" \
    "all:: sequence::a sequence::b" \
    "$(awk -F, 'NR > 1 && $7 == "frames" { printf "%s%s:%s:%s", n++ ? " " : "", $1, $2, $3 }' bs.csv)"

# ------------------------------------------------------------ probabilities
mk pr "label,prediction,p_1
0,0,0
0,0,0.25
1,1,0.5
1,0,0.75
0,1,1"
mz-eval --proba 'p_*' --thresholds 4 --calibration 2 pr.mzs > pr.csv
t_is "thresholds: tp at 0, .25, .5, .75, 1" "2 2 2 1 0" \
    "$(for t in 0 0.25 0.5 0.75 1; do val pr.csv threshold 1 tp $t; done | tr '\n' ' ' | sed 's/ $//')"
t_is "thresholds: fp at 0, .25, .5, .75, 1" "3 2 1 1 1" \
    "$(for t in 0 0.25 0.5 0.75 1; do val pr.csv threshold 1 fp $t; done | tr '\n' ' ' | sed 's/ $//')"
t_is "best threshold by F1: 0.5 (P 2/3, R 1)" "0.5 0.8" \
    "$(val pr.csv best_threshold 1 threshold) $(val pr.csv best_threshold 1 f1)"
# Bins (0, .5] and (.5, 1]: {0, .25, .5} (1 positive), {.75, 1} (1).
t_is "calibration: counts per bin" "3 2" \
    "$(val pr.csv calibration 1 count 0) $(val pr.csv calibration 1 count 1)"
t_is "calibration: mean predicted, observed frequency" "0.25 0.3333333333333333 0.875 0.5" \
    "$(val pr.csv calibration 1 mean_predicted 0) $(val pr.csv calibration 1 fraction_positive 0) $(val pr.csv calibration 1 mean_predicted 1) $(val pr.csv calibration 1 fraction_positive 1)"
t_is "calibration: ECE = 3/5 * 1/12 + 2/5 * 3/8" "0.2" \
    "$(printf '%.15g' "$(val pr.csv calibration 1 ece)")"

# ------------------------------------------------------------ output
t_ok "-o writes the file" mz-eval -o out.csv perfect.mzs
t_is "-o: the same as standard output" "$(mz-eval perfect.mzs)" "$(cat out.csv)"
t_fails "-o: no file after an error" 1 "no truth column" \
    mz-eval -t nope -o bad.csv perfect.mzs
t_ok "-o: really no file" test ! -e bad.csv
t_ok "standard input" sh -c 'mz-eval < perfect.mzs > stdin.csv'
t_is "standard input: the same result" "$(cat p.csv | grep -v -e cluster -e confusion -e mapping)" \
    "$(cat stdin.csv)"

# ------------------------------------------------------------ bad input
t_fails "missing truth column" 1 "perfect.mzs: part 0: no truth column 'lbl'" \
    mz-eval -t lbl perfect.mzs
t_fails "missing prediction column" 1 "no prediction column 'syllable'" \
    mz-eval -p syllable perfect.mzs
printf 'label,prediction\n0.5,1\n1.5,0\n' > fl.csv
mz-cat --from csv fl.csv -o fl.mzs
t_fails "float label column" 1 "column label is f64, not an integer label column" \
    mz-eval fl.mzs
mk neg "label,prediction
0,0
-1,1"
t_fails "negative label, with its row" 1 "neg.mzs: part 0: row 1: column label: negative label -1" \
    mz-eval neg.mzs
mk negp "label,prediction
0,0
1,-3"
t_fails "negative prediction" 1 "column prediction: negative label -3" \
    mz-eval negp.mzs
printf 'frame,label\n0,0\n1,1\n2,1\n' > t3.csv
printf 'frame,prediction\n0,0\n1,1\n' > p2.csv
printf 'frame,prediction\n0,0\n2,1\n3,1\n' > pf.csv
printf 'frame,prediction\n0,0\n1,1\n2,1\n' > p3.csv
for f in t3 p2 pf p3; do
	mz-cat --from csv -t label:i32,prediction:i32 $f.csv -o $f.mzs 2>/dev/null ||
	    mz-cat --from csv $f.csv -o $f.mzs
done
t_fails "two streams: rows differ" 1 "t3.mzs: part 0: t3.mzs has more rows than p2.mzs" \
    mz-eval t3.mzs p2.mzs
t_fails "two streams: frames differ, named" 1 "part 0: row 1: frame 1 but pf.mzs has frame 2" \
    mz-eval t3.mzs pf.mzs
mz-cat t3.mzs t3.mzs > t33.mzs
t_fails "two streams: part counts differ" 1 "p3.mzs has 1 parts but t33.mzs has more" \
    mz-eval t33.mzs p3.mzs
mz-cat --from csv -m sequence=x t3.csv -t label:i32 -o t3x.mzs
mz-cat --from csv -m sequence=y pf.csv -t prediction:i32 -o pfy.mzs
t_fails "two streams: sequences differ" 1 "part 0 \(/x\) does not match pfy.mzs: part 0 \(/y\)" \
    mz-eval t3x.mzs pfy.mzs
mk bp "label,prediction,p_1
0,0,0.5
1,1,1.5"
t_fails "probability above 1" 1 "bp.mzs: part 0: row 1: column p_1: 1.5 is not a probability" \
    mz-eval --proba 'p_*' bp.mzs
mk np "label,prediction,p_1
0,0,0.5
1,1,"
t_fails "missing (NaN) probability" 1 "row 1: column p_1: nan is not a probability" \
    mz-eval --proba 'p_*' np.mzs
t_fails "--proba matching nothing" 1 "no column matches the --proba pattern" \
    mz-eval --proba 'q_*' pr.mzs
mk bn "label,prediction,p_x
0,0,0.5"
t_fails "--proba class that is no label" 1 "probability column p_x: 'x' is no label name or number" \
    mz-eval --proba 'p_*' bn.mzs
t_fails "--proba without a star" 2 "exactly one" mz-eval --proba p_1 pr.mzs
t_fails "--calibration without --proba" 2 "needs --proba" \
    mz-eval --calibration 10 pr.mzs
t_fails "bad --tolerance" 2 "bad tolerance" mz-eval --tolerance 1.5 pr.mzs
t_fails "seconds without fps" 1 "needs the part's fps" \
    mz-eval --tolerance 0.5s pr.mzs
t_fails "--ignore of an unknown name" 1 "--ignore walk: no such label name" \
    mz-eval --ignore walk pr.mzs
t_fails "--by other" 2 "group or sequence" mz-eval --by x pr.mzs
t_fails "three inputs" 2 "at most two" mz-eval pr.mzs pr.mzs pr.mzs
t_fails "text is not a stream" 1 "pr.csv" mz-eval pr.csv
t_fails "missing input file" 1 "nope.mzs" mz-eval nope.mzs

# ------------------------------------------------------------ scikit-learn
if [ -z "$PY" ] || ! "$PY" -c 'import sklearn' 2>/dev/null; then
	echo "# skipping the scikit-learn comparisons: no python3 with sklearn"
	t_done
	exit $?
fi
mkdir ref
"$PY" "$REF" gen ref 7
t_ok "levels: label names in the report" grep -q '^all,,,frame,attack,,f1,' \
    "$(mz-eval ref/one.mzs > ref/names.csv; echo ref/names.csv)"
t_like "levels: an unnamed value is reported by number" '^all,,,frame,5,,f1,' \
    "$(cat ref/names.csv)"
set -- "" "--ignore none --confusion" "--by sequence --confusion" \
    "--by group --ignore 0,investigation" \
    "-p syllable --cluster" "-p syllable --cluster --ignore none --by sequence" \
    "--cluster --by group" \
    "--proba p_* --thresholds 20 --calibration 10" \
    "--proba p_* --thresholds 7 --calibration 3 --by sequence" \
    "--tolerance 0 --ignore none" "--tolerance 4 --by sequence" \
    "--tolerance 0.1s" "-p syllable --tolerance 2"
i=0
for o in "$@"; do
	i=$((i + 1))
	mz-eval --json $o ref/one.mzs > ref/out$i.json
done
# One python run checks them all: one line "OPTS: ok N" or the differences.
i=0
for o in "$@"; do
	i=$((i + 1))
	printf '%s\n%s\n' "$o" ref/out$i.json
done > ref/cases
"$PY" "$REF" check ref ref/cases > ref/results 2>&1
i=0
for o in "$@"; do
	i=$((i + 1))
	t_like "scikit-learn: ${o:-defaults}" "^case $i: ok [0-9]+" \
	    "$(grep "^case $i:" ref/results || cat ref/results)"
done
"$PY" "$REF" gen ref 8
mz-eval --json --cluster --confusion --proba 'p_*' --calibration 5 \
    --tolerance 3 --by sequence ref/one.mzs > ref/out.json
printf '%s\n%s\n' "--cluster --confusion --proba p_* --calibration 5 --tolerance 3 --by sequence" ref/out.json > ref/cases
t_like "scikit-learn, second seed, everything at once" '^case 1: ok [0-9]+' \
    "$("$PY" "$REF" check ref ref/cases 2>&1)"
o="--cluster --confusion --proba p_* --calibration 5 --tolerance 3 --by group"
t_is "two streams give the same report as one" \
    "$(mz-eval $o ref/one.mzs | cksum)" \
    "$(mz-eval $o ref/truth.mzs ref/pred.mzs | cksum)"
t_is "prediction from standard input" \
    "$(mz-eval $o ref/one.mzs | cksum)" \
    "$(mz-eval $o ref/truth.mzs - < ref/pred.mzs | cksum)"
t_done
