#!/bin/sh
# tests: mz-arhmm
# requires: arhmm-sim, mz-cat, mz-info (python3 with numpy and scikit-learn
# for the independent references, skipped without them)
. "$(dirname "$0")/lib.sh"

REF="$TOP/tests/cli/arhmm-ref.py"
command -v arhmm-sim >/dev/null 2>&1 ||
    t_skip_all "arhmm-sim not built (make $B/tests/tools/arhmm-sim)"

# nmi CSV A B: the normalised mutual information (arithmetic mean of the
# entropies, sklearn's default) of columns A and B, in awk.
nmi() {
	awk -F, -v a="$2" -v b="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == a) ia = i;
		    if ($i == b) ib = i }; next }
		{ n++; u[$ia]++; v[$ib]++; j[$ia SUBSEP $ib]++ }
		END {
			for (k in u) hu -= u[k] / n * log(u[k] / n)
			for (k in v) hv -= v[k] / n * log(v[k] / n)
			for (k in j) { split(k, p, SUBSEP)
			    mi += j[k] / n * log(j[k] * n / (u[p[1]] * v[p[2]])) }
			printf "%.6f\n", ((hu + hv) > 0 ? mi / ((hu + hv) / 2) : 1)
		}' "$1"
}

# median_dur CSV COL: the median run length of column COL, runs cut at
# the start of each part (frame 0).
median_dur() {
	awk -F, -v c="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == c) ic = i;
		    if ($i == "frame") fr = i }; next }
		$fr == 0 || $ic != prev { if (len) d[n++] = len; len = 0 }
		{ len++; prev = $ic }
		END { d[n++] = len
			for (i = 1; i < n; i++) { x = d[i]
			    for (k = i - 1; k >= 0 && d[k] > x; k--) d[k + 1] = d[k]
			    d[k + 1] = x }
			print n % 2 ? d[int(n / 2)] : (d[n / 2 - 1] + d[n / 2]) / 2
		}' "$1"
}

# --------------------------------------------------------------- usage
t_fails "no command: usage error" 2 'no command' mz-arhmm
t_fails "unknown command" 2 "unknown command 'fitt'" mz-arhmm fitt
t_fails "fit without -o" 2 'fit needs -o dir' mz-arhmm fit x.mzs
t_fails "fit: bad --nlags" 2 "bad lag count '0'" mz-arhmm fit --nlags 0 -o m
t_fails "fit: bad --num-states" 2 "bad state count '1'" \
    mz-arhmm fit --num-states 1 -o m
t_fails "fit: bad --kappa" 2 "bad kappa" mz-arhmm fit --kappa -1 -o m
t_fails "fit: bad --alpha" 2 "bad alpha" mz-arhmm fit --alpha 0 -o m
t_fails "fit: bad --target-duration" 2 "bad target duration '9:3'" \
    mz-arhmm fit --target-duration 9:3 -o m
t_fails "fit: --resume with a hyperparameter" 2 'resume takes the model' \
    mz-arhmm fit --resume --kappa 1e4 -o m
t_fails "apply without a model" 2 'apply needs a model' mz-arhmm apply
t_fails "apply: -n with --viterbi" 2 'exclude each other' \
    mz-arhmm apply -n 3 --viterbi m
t_fails "fit: missing input" 1 'nope\.mzs: No such file' \
    mz-arhmm fit -o m nope.mzs

# ---------------------------------------------------- sampler pieces
mz-arhmm selftest labels 1,1,2,2,2,3 0,0,0,1 > labels.txt
t_is "durations of upstream's example" "durations 2 3 1 3 1" \
    "$(grep '^durations' labels.txt)"
t_is "run-length frequencies of upstream's example" \
    "freq_runlength 0.2 0.4 0.2 0.2" "$(grep '^freq_runlength' labels.txt)"
t_is "frame frequencies of upstream's example" \
    "freq_frames 0.3 0.3 0.3 0.1" "$(grep '^freq_frames' labels.txt)"
# Onsets 1, 2, 1, 1 and frames 3, 3, 3, 1: state 1 first, then 0 and 2
# (one onset, three frames each: the lower index first), then 3.
t_is "reindexing order: by onsets, then frames, then index" "order 1 0 2 3" \
    "$(grep '^order' labels.txt)"
t_is "median duration of the example" "median_duration 2" \
    "$(grep '^median_duration' labels.txt)"
t_is "runs do not continue across sequences" "durations 2 2" \
    "$(mz-arhmm selftest labels 0,0 0,0 | grep '^durations')"

# CRT(50, 3.7): mean sum_r c/(r+c), variance sum_r p(1-p); Binomial(50,
# 0.3); Dirichlet(0.001, 0.5, 2, 30): means a/a0, variances
# a(a0-a)/(a0^2(a0+1)).  20000 draws; each mean within 5 standard errors,
# each variance within 10 %.
mz-arhmm selftest counts > counts.txt
t_is "auxiliary table counts and Dirichlet draws: moments" "ok" \
    "$(awk -v n=20000 '
	function chk(name, got, mean, var) {
		if ((got - mean) ^ 2 > 25 * var / n) {
			print name, got, "want", mean; bad = 1 } }
	function chkv(name, got, var) {
		if (got < 0.9 * var || got > 1.1 * var) {
			print name, got, "want", var; bad = 1 } }
	$1 == "crt" { m = 0; v = 0
		for (r = 0; r < 50; r++) { p = 3.7 / (r + 3.7); m += p
		    v += p * (1 - p) }
		chk("crt mean", $2, m, v); chkv("crt var", $3, v) }
	$1 == "binom" { chk("binom mean", $2, 15, 10.5)
		chkv("binom var", $3, 10.5) }
	$1 == "dir_mean" { a0 = 32.501; split("0.001 0.5 2 30", a, " ")
		for (i = 1; i <= 4; i++) {
			v = a[i] * (a0 - a[i]) / (a0 * a0 * (a0 + 1))
			chk("dir mean " i, $(i + 1), a[i] / a0, v); w[i] = v } }
	# The variance of the tiny-shape component rests on a few rare large
	# draws (its estimate is too noisy to check); its mean is checked.
	$1 == "dir_var" { for (i = 2; i <= 4; i++)
		chkv("dir var " i, $(i + 1), w[i]) }
	END { if (!bad) print "ok" }' counts.txt)"

if [ -n "$PY" ] && "$PY" -c 'import sklearn' 2>/dev/null; then
	HAVE_SK=1
else
	HAVE_SK=
fi
if [ -n "$PY" ]; then
	mz-arhmm selftest ffbs > ffbs.txt
	t_is "FFBS: exact marginals and log normaliser equal brute force; \
draw frequencies within 5 SE" "ok" "$("$PY" "$REF" ffbs ffbs.txt 2>&1)"
	mz-arhmm selftest mniw > mniw.txt
	t_is "MNIW posterior equals the closed form; draw moments" "ok" \
	    "$("$PY" "$REF" mniw mniw.txt 2>&1)"
else
	echo "# skip: no python3 with numpy for the FFBS and MNIW references"
fi

# ------------------------------------------------------------ recovery
# 8 true states, D 6, 2 x 5000 frames, 30 sweeps with the defaults
# (the full-size figures are in the report; this keeps the test short).
arhmm-sim -s 2 -n 5000 -K 8 -d 6 -m 15 -e 0.2 -S 11 -o sim.mzs
t_ok "fit: 30 sweeps, defaults" mz-arhmm fit -q -n 30 -c 'x*' -k state \
    --threads 2 -o model -s syl.mzs sim.mzs
mz-cat --csv syl.mzs > syl.csv
t_is "output columns: frame, time, id, kept, syllable" \
    "frame,time,id,state,syllable" "$(head -1 syl.csv)"
t_is "output rows: every frame" "10000" "$(($(wc -l < syl.csv) - 1))"
n=$(nmi syl.csv state syllable)
t_like "recovery: NMI >= 0.95 (got $n)" 'ok' \
    "$(awk -v x="$n" 'BEGIN { print (x >= 0.95 ? "ok" : "low") }')"
if [ -n "$HAVE_SK" ]; then
	t_is "awk NMI equals scikit-learn's" "$n" \
	    "$("$PY" "$REF" nmi syl.csv state syllable)"
fi
dt=$(median_dur syl.csv state)
di=$(median_dur syl.csv syllable)
t_like "recovery: median duration $di within 15 % of the truth $dt" 'ok' \
    "$(awk -v a="$di" -v b="$dt" 'BEGIN { d = a / b - 1
        print (d < 0.15 && d > -0.15 ? "ok" : "off") }')"
t_is "model directory: files" \
    "Ab.f64 Q.f64 _SUCCESS beta.f64 history.csv model.json pi.f64 z.i32" \
    "$(cd model && echo *)"
t_is "history: a header and 31 rows (32 lines) (sweep 0 = initialisation)" \
    "sweep,log_joint,log_lik_z,log_lik_x,used_states,median_duration,kappa 32 30" \
    "$(head -1 model/history.csv) $(wc -l < model/history.csv | tr -d ' ') \
$(tail -1 model/history.csv | cut -d, -f1)"
t_is "history: log_joint = log_lik_z + log_lik_x on every row" "ok" \
    "$(awk -F, 'NR > 1 { d = $2 - $3 - $4; if (d * d > 1e-12 * $2 * $2)
        bad = 1 } END { print bad ? "bad" : "ok" }' model/history.csv)"
t_is "z.i32 holds the syllables of the stream" \
    "$(awk -F, 'NR > 1 { printf "%d\n", $5 }' syl.csv | cksum)" \
    "$(od -An -v -t d4 -w4 model/z.i32 | tr -d ' ' | cksum)"
# Syllable 0 is the most frequent by onsets: count onsets in the stream
# and compare with the model's metrics.
t_is "syllables ordered by run-length frequency; metrics agree" "ok" \
    "$(awk -F, 'NR > 1 { if ($1 == 0 || $5 != p) on[$5]++; p = $5 }
        END { for (k = 1; k in on; k++) if (on[k] > on[k - 1]) bad = 1
              print bad ? "bad" : "ok" }' syl.csv)"
if [ -n "$PY" ]; then
	t_is "model.json: onsets metric equals the stream's onsets" "True" \
	    "$("$PY" -c 'import json, sys
import numpy as np
d = json.load(open("model/model.json"))
x = np.genfromtxt("syl.csv", delimiter=",", names=True)
s = x["syllable"].astype(int); f = x["frame"]
on = np.bincount(s[(f == 0) | np.r_[True, s[1:] != s[:-1]]],
    minlength=len(d["metrics"]["onsets"]))
print(list(on) == d["metrics"]["onsets"] and d["sweeps_done"] == 30 and
      d["complete"] and d["options"]["kappa"] == 1e6 and
      d["options"]["num_states"] == 100 and d["priors"]["nu0"] == 8)')"
fi

# --------------------------------------------------------- determinism
# The mechanics below use a smaller run: 2 x 1000 frames, 20 states.
arhmm-sim -s 2 -n 1000 -K 4 -d 4 -m 15 -e 0.2 -S 13 -o mini.mzs
# (The stream's metadata names the model directory: the same name in
# two directories.)
mkdir d1 d2
t_ok "fit: --threads 1" sh -c "cd d1 && mz-arhmm fit -q -n 4 -c 'x*' \
    --num-states 20 --threads 1 -o m -s s.mzs ../mini.mzs"
t_ok "fit: --threads 2" sh -c "cd d2 && mz-arhmm fit -q -n 4 -c 'x*' \
    --num-states 20 --threads 2 -o m -s s.mzs ../mini.mzs"
t_is "same seed: the same stream bytes for 1 and 2 threads" \
    "$(cksum < d1/s.mzs)" "$(cksum < d2/s.mzs)"
t_is "same seed: the same model files for 1 and 2 threads" \
    "$(cat d1/m/* | cksum)" "$(cat d2/m/* | cksum)"
mz-arhmm fit -q -n 4 -c 'x*' --num-states 20 --seed 5 -o t3 mini.mzs
t_like "another seed: another chain" 'differ' \
    "$(cmp -s d1/m/z.i32 t3/z.i32 && echo same || echo differ)"

# ------------------------------------------------- checkpoints, resume
mz-arhmm fit -q -n 6 --checkpoint-every 3 --num-states 20 -c 'x*' \
    -o full mini.mzs
mz-arhmm fit -q -n 3 --num-states 20 -c 'x*' -o part mini.mzs
t_ok "--resume continues a fit" mz-arhmm fit -q --resume -n 6 -o part \
    mini.mzs
t_is "a resumed fit equals the uninterrupted one" \
    "$(cat full/* | cksum)" "$(cat part/* | cksum)"
arhmm-sim -s 2 -n 1000 -K 4 -d 4 -S 12 -o other.mzs
t_fails "--resume with other data" 1 'differs from the data' \
    mz-arhmm fit -q --resume -n 8 -o part other.mzs
t_fails "--resume without a model" 1 'nomodel: No such file' \
    mz-arhmm fit -q --resume -o nomodel mini.mzs

# --------------------------------------------------------------- apply
t_ok "apply: one posterior draw" sh -c \
    'mz-arhmm apply -k state model sim.mzs > ap.mzs'
mz-cat --csv ap.mzs > ap.csv
n=$(nmi ap.csv state syllable)
t_like "apply: NMI with the truth >= 0.9 (got $n)" 'ok' \
    "$(awk -v x="$n" 'BEGIN { print (x >= 0.9 ? "ok" : "low") }')"
t_ok "apply --threads 1" sh -c \
    'mz-arhmm apply --threads 1 -n 3 d1/m mini.mzs > a1.mzs'
t_ok "apply --threads 2" sh -c \
    'mz-arhmm apply --threads 2 -n 3 d1/m mini.mzs > a2.mzs'
t_is "apply: the same bytes for 1 and 2 threads" "$(cksum < a1.mzs)" \
    "$(cksum < a2.mzs)"
t_ok "apply --viterbi" sh -c \
    'mz-arhmm apply --viterbi -k state model sim.mzs > vi.mzs'
mz-cat --csv vi.mzs > vi.csv
n=$(nmi vi.csv state syllable)
t_like "apply --viterbi: NMI with the truth >= 0.9 (got $n)" 'ok' \
    "$(awk -v x="$n" 'BEGIN { print (x >= 0.9 ? "ok" : "low") }')"
mz-head -n 1500 sim.mzs > sim1500.mzs
mz-arhmm apply --viterbi --marginals -k 'x*' model sim1500.mzs |
    mz-cat --csv > mg.csv
t_is "apply --marginals: 100 columns p0..p99 after syllable" \
    "syllable p0 p99 110" \
    "$(head -1 mg.csv | awk -F, '{ print $10, $11, $NF, NF }')"
t_is "apply --marginals: each row sums to 1" "ok" \
    "$(awk -F, 'NR > 1 { s = 0; for (i = 11; i <= NF; i++) s += $i
        if ((s - 1) ^ 2 > 1e-20) bad = 1 } END { print bad ? "bad" : "ok" }' \
        mg.csv)"
if [ -n "$PY" ]; then
	t_is "apply --marginals equal numpy's forward-backward (1e-10)" "ok" \
	    "$("$PY" "$REF" marginals model mg.csv 2>&1)"
fi
t_fails "apply: not a model" 1 'sim\.mzs: not a model directory' \
    mz-arhmm apply sim.mzs sim.mzs
mkdir notmodel
t_fails "apply: a directory without _SUCCESS" 1 'incomplete model' \
    mz-arhmm apply notmodel sim.mzs
cp -r d1/m damaged
printf 'x' | dd of=damaged/pi.f64 bs=1 seek=9 conv=notrunc 2>/dev/null
t_fails "apply: a damaged array" 1 'pi\.f64: its checksum differs' \
    mz-arhmm apply damaged mini.mzs
t_fails "apply: input without the model's columns" 1 \
    "part 0: no column 'x0', 'x1'" sh -c \
    'mz-cat --csv sim1500.mzs | sed "1s/x0/y0/; 1s/x1/y1/" |
        mz-cat --from csv | mz-arhmm apply model'

# ---------------------------------------------------------- bad input
t_fails "fit: no column matches -c" 1 "no column matches 'pc\\*'" \
    mz-arhmm fit -c 'pc*' -o bad sim.mzs
mz-head -n 3 sim.mzs > short.mzs
t_fails "fit: a part of 3 frames (nlags 3)" 1 \
    'part 0: 3 frames; the AR model needs more than nlags' \
    mz-arhmm fit -c 'x*' -o bad short.mzs
mkdir other && touch other/file
t_fails "fit: not replacing a directory without a model" 1 \
    'not replacing a directory that holds no mz-arhmm model' \
    mz-arhmm fit -c 'x*' -n 1 -o other mini.mzs
t_is "a failed fit leaves no model" "no" \
    "$([ -e bad ] && echo yes || echo no)"
# Values near the largest double overflow the statistics: the sampler
# stops, naming the sweep and the state, and says what to try.
mz-cat --csv mini.mzs | awk -F, -v OFS=, 'NR > 1 { $4 = $4 * 1e306 } 1' |
    mz-cat --from csv > huge.mzs
t_fails "fit: values that overflow: the NaN message" 1 \
    'sweep [0-9]+: (state [0-9]+|sequence [0-9]+): .*try whitened input' \
    mz-arhmm fit -q -c 'x*' -n 2 --num-states 20 -o bad huge.mzs
# Missing values: frames with a NaN (and the nlags after it) are left out
# of the likelihood and the statistics, and still get a syllable.
arhmm-sim -s 1 -n 2000 -K 4 -d 4 -S 3 -x 100 -o gaps.mzs
t_ok "fit: input with NaN every 100 frames" mz-arhmm fit -q -n 5 -c 'x*' \
    --num-states 10 -o gaps -s gaps-syl.mzs gaps.mzs
if [ -n "$PY" ]; then
	# 2000 frames: 3 without lags; NaN at 99, 199, .., 1999, each
	# masking itself and the 3 after it (1999 only itself): 2000 - 3 -
	# 19 x 4 - 1.
	t_is "NaN frames: n_observed counts the usable frames" "1920 2000" \
	    "$("$PY" -c 'import json
d = json.load(open("gaps/model.json"))["data"]
print(d["n_observed"], d["n_frames"])')"
fi

# ---------------------------------------------------- kappa search
t_ok "--target-duration: a search from a kappa of 1e10.5" \
    mz-arhmm fit -q -n 3 -c 'x*' --num-states 20 \
    --target-duration 1:100000 -o ks mini.mzs
t_is "--target-duration: the tries are logged" \
    "try,log10_kappa,median_duration,result 0,10.5" \
    "$(head -1 ks.kappa.csv) $(sed -n 2p ks.kappa.csv | cut -d, -f1,2)"
t_is "--target-duration: the model records the chosen kappa" "ok" \
    "$(grep -q '"kappa":[[:space:]]*31622776601' ks/model.json &&
        echo ok || grep kappa ks/model.json)"
t_ok "--target-duration in ms (30 fps)" mz-arhmm fit -q -n 3 -c 'x*' \
    --num-states 20 --target-duration 30:3000000ms -o ksm mini.mzs
t_is "--target-duration in ms: the same first try" \
    "$(sed -n 2p ks.kappa.csv)" "$(sed -n 2p ksm.kappa.csv)"
t_fails "--target-duration in ms without fps" 1 'no fps in its metadata' \
    mz-arhmm fit -q -n 3 -c 'x*' --target-duration 300:400ms -o kx huge.mzs
t_fails "--target-duration: bad unit" 2 "bad target duration '3:4s'" \
    mz-arhmm fit --target-duration 3:4s -o m
t_ok "--kappa-range: the search's bounds" mz-arhmm fit -q -n 2 -c 'x*' \
    --num-states 20 --kappa-range 1e2:1e4 --target-duration 1:100000 \
    -o kr mini.mzs
t_is "--kappa-range 1e2:1e4: the first try is kappa 1e3" "0,3" \
    "$(sed -n 2p kr.kappa.csv | cut -d, -f1,2)"
t_fails "--kappa-range: min must be below max" 2 "bad kappa range '5:5'" \
    mz-arhmm fit --kappa-range 5:5 -o m

t_done
