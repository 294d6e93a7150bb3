#!/bin/sh
# tests: mz-pca
# requires: mzgen, mz-info; python3 with numpy (and scikit-learn) for the
# comparisons of tests/cli/mz-pca-ref.py, mz-cat for the closed-form check
# of apply (each skipped without)
. "$(dirname "$0")/lib.sh"

REF=$TOP/tests/cli/mz-pca-ref.py
if [ -n "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
	NP=$PY
else
	NP=
fi

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -o features.mzs
mzgen -s 1 -i 1 -n 50 -o small.mzs
mzgen -s 1 -i 2 -n 500 -k 1 -o two.mzs
mzgen -s 3 -i 2 -n 7000 -k 4 -m 13 -c none -o big.mzs
mzgen -s 2 -i 1 -n 5000 -k 4 -m 11 -c none -o big2.mzs

# jarr FILE KEY: the numbers of the one-line array KEY of a JSON file
# written by mz-pca, one a line.
jarr() {
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\[\(.*\)\],\{0,1\}\$/\1/p" \
	    "$1" | tr ',' '\n' | tr -d ' \t'
}
# jval FILE KEY: the scalar value of KEY.
jval() {
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([^[{]*\),\{0,1\}\$/\1/p" \
	    "$1" | sed 's/,$//' | head -1
}
# f64 FILE: the float64 values of a binary file, one a line.
f64() {
	od -An -v -tf8 "$1" | tr -s ' ' '\n' | sed '/^$/d'
}
# close TOL A B: "ok" if the lists of numbers A and B (one a line) have
# the same length and agree to TOL relative (or 1e-300 absolute).
close() {
	printf '%s\n' "$2" > "$T/.a"
	printf '%s\n' "$3" > "$T/.b"
	if [ "$(wc -l < "$T/.a")" -ne "$(wc -l < "$T/.b")" ]; then
		echo "lengths differ"
		return
	fi
	paste -d ' ' "$T/.a" "$T/.b" | awk -v t="$1" '
		{ d = $1 - $2; if (d < 0) d = -d; m = $2 < 0 ? -$2 : $2
		  if (d > t * m && d > 1e-300) { bad = 1; print "differ: " $0 } }
		END { if (!bad && NR > 0) print "ok" }' | head -3
}
# info_json FILE EXPR: EXPR evaluated over mz-info -j's document d (with
# p = its parts) by python, when present.
info_json() {
	mz-info -j "$1" > "$T/.json" && "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); p = d["parts"]
print(eval(sys.argv[2]))' "$T/.json" "$2"
}

# ------------------------------------------------------------ usage
t_ok "--help" mz-pca --help
t_is "--help prints the synopsis" \
"usage: mz-pca fit [-q] [-c columns] [--conf-threshold t] [--max-frames n] [--seed n] [--threads n] -o dir [file ...]
       mz-pca partial [-q] [-c columns] [--conf-threshold t] [--threads n] [-o file] [file ...]
       mz-pca merge [-q] -o dir shard ...
       mz-pca apply [-fqw] [--codec codec] [-k columns] [-n components | -v fraction] [-m max] [-o file] model [file ...]
       mz-pca info [-jq] [-v fraction] [-m max] model" "$(cat "$T/.out")"
t_ok "fit --help" mz-pca fit --help
t_like "fit --help prints the synopsis" '^usage: mz-pca fit' "$(cat "$T/.out")"
t_ok "--version" mz-pca --version
t_is "--version prints the version" "mz-pca 0.1.0" "$(cat "$T/.out")"
t_fails "no command" 2 '^mz-pca: no command' mz-pca
t_fails "unknown command" 2 "^mz-pca: unknown command 'fits'" mz-pca fits x
t_fails "unknown option" 2 '^usage: mz-pca' mz-pca fit -x -o m tracks.mzs
t_fails "fit without -o" 2 '^mz-pca: fit needs -o dir' mz-pca fit tracks.mzs
t_fails "merge without -o" 2 '^mz-pca: merge needs -o dir' mz-pca merge a.json
t_fails "merge without shards" 2 '^mz-pca: merge needs at least one shard' \
    mz-pca merge -o m
t_fails "apply without a model" 2 '^mz-pca: apply needs a model' mz-pca apply
t_fails "info with two models" 2 '^mz-pca: info needs one model' \
    mz-pca info a b
for v in -1 abc 1.5 99999; do
	t_fails "--threads '$v'" 2 "^mz-pca: bad thread count '$v'" \
	    mz-pca fit --threads "$v" -o m tracks.mzs
done
for v in 0 1 abc -3; do
	t_fails "--max-frames '$v'" 2 "^mz-pca: bad frame count '$v'" \
	    mz-pca fit --max-frames "$v" -o m tracks.mzs
done
t_fails "--seed -5" 2 "^mz-pca: bad seed '-5'" \
    mz-pca fit --max-frames 10 --seed -5 -o m tracks.mzs
t_fails "--conf-threshold abc" 2 "^mz-pca: bad confidence threshold 'abc'" \
    mz-pca fit --conf-threshold abc -o m tracks.mzs
t_fails "--conf-threshold nan" 2 "^mz-pca: bad confidence threshold 'nan'" \
    mz-pca fit --conf-threshold nan -o m tracks.mzs
t_fails "-c with an empty name" 2 "^mz-pca: bad column list 'a,,b'" \
    mz-pca fit -c a,,b -o m tracks.mzs
t_fails "-c ''" 2 "^mz-pca: bad column list ''" mz-pca fit -c '' -o m tracks.mzs
t_fails "partial has no --max-frames" 2 '^usage: mz-pca' \
    mz-pca partial --max-frames 10 tracks.mzs
t_fails "partial has no --seed" 2 '^usage: mz-pca' \
    mz-pca partial --seed 10 tracks.mzs
t_ok "no model directory left by failed runs" test ! -e m

# ------------------------------------------------------------ fit
t_ok "fit -c '*.x,*.y'" mz-pca fit -c '*.x,*.y' -o pca tracks.mzs
t_is "fit: nothing on standard output" "" "$(cat "$T/.out")"
t_is "the model's files" "_SUCCESS components.f64 mean.f64 model.json" \
    "$(ls pca | tr '\n' ' ' | sed 's/ $//')"
t_is "no temporary directory left" "" "$(ls -a | grep '^\.pca\.')"
t_is "model.json: columns, in the stream's order" \
    "bp0.x bp0.y bp1.x bp1.y bp2.x bp2.y" \
    "$(jarr pca/model.json columns | tr -d '"' | tr '\n' ' ' | sed 's/ $//')"
t_is "model.json: no confidence columns without a threshold" "" \
    "$(jarr pca/model.json confidence_columns)"
t_is "model.json: counts" "1200 1200 4" \
    "$(jval pca/model.json n_frames) $(jval pca/model.json n_rows) $(jval pca/model.json n_parts)"
t_is "model.json: kind, format, tool, version" \
    '"mz-pca model" 1 "mz-pca" "0.1.0"' \
    "$(jval pca/model.json kind) $(jval pca/model.json format) $(jval pca/model.json tool) $(jval pca/model.json version)"
t_is "model.json: options" '"*.x,*.y" null null null' \
    "$(jval pca/model.json columns) $(jval pca/model.json conf_threshold) $(jval pca/model.json max_frames) $(jval pca/model.json seed)"
hash=$(mz-info -j tracks.mzs | grep -o '"processing": *"[0-9a-f]*"' | head -1 |
    grep -o '[0-9a-f]\{16\}')
t_is "model.json: the input's processing hash" "\"$hash\"" \
    "$(jarr pca/model.json input_processing)"
t_is "components.f64: 6 x 6 float64" "288 48" \
    "$(wc -c < pca/components.f64 | tr -d ' ') $(wc -c < pca/mean.f64 | tr -d ' ')"
t_is "mean.f64 equals model.json's mean" "ok" \
    "$(close 0 "$(jarr pca/model.json mean)" "$(f64 pca/mean.f64)")"
t_is "explained_variance equals eigenvalues" \
    "$(jarr pca/model.json eigenvalues)" \
    "$(jarr pca/model.json explained_variance)"
t_is "eigenvalues decrease" "ok" "$(jarr pca/model.json eigenvalues |
    awk 'NR > 1 && $1 > p { bad = 1 } { p = $1 } END { print bad ? "no" : "ok" }')"
t_is "ratios: eigenvalue / total, cumulative their sum" "ok" "$(paste -d ' ' \
    "$(jarr pca/model.json eigenvalues > e.txt; echo e.txt)" \
    "$(jarr pca/model.json explained_variance_ratio > r.txt; echo r.txt)" \
    "$(jarr pca/model.json cumulative > c.txt; echo c.txt)" |
    awk -v tot="$(jval pca/model.json total_variance)" '
	{ s += $2; d = $1 / tot - $2; if (d < 0) d = -d; if (d > 1e-15) bad = 1
	  d = s - $3; if (d < 0) d = -d; if (d > 1e-15) bad = 1 }
	END { print bad ? "no" : "ok" }')"

# The components are orthonormal rows, each with its largest loading
# positive.
f64 pca/components.f64 > comp.txt
t_is "components: orthonormal rows" "ok" "$(awk -v d=6 '
	{ v[int((NR - 1) / d), (NR - 1) % d] = $1 }
	END { for (i = 0; i < d; i++) for (j = 0; j < d; j++) {
		s = 0; for (k = 0; k < d; k++) s += v[i, k] * v[j, k]
		s -= (i == j); if (s < 0) s = -s; if (s > 1e-13) bad = 1 }
	      print bad ? "no" : "ok" }' comp.txt)"
t_is "components: the largest loading of each is positive" "ok" \
    "$(awk -v d=6 '{ i = int((NR - 1) / d); a = $1 < 0 ? -$1 : $1
	if (a > big[i]) { big[i] = a; sgn[i] = $1 } }
	END { for (i = 0; i < d; i++) if (sgn[i] <= 0) bad = 1
	      print bad ? "no" : "ok" }' comp.txt)"

# Closed form: two columns (mzgen -k 1: x = 100 + 50 sin(0.01 f) + 10 id,
# y = 80 + 40 cos(0.013 f) - 5 id), whose 2 x 2 covariance awk computes
# and diagonalises exactly as the formulas say.
t_ok "fit of two columns (default choice)" mz-pca fit -o two two.mzs
t_is "default columns: every float column but frame, time, id, *.p" \
    '"bp0.x","bp0.y"' "$(jarr two/model.json columns | paste -sd, -)"
awk 'BEGIN { n = 0
	for (id = 0; id < 2; id++) for (f = 0; f < 500; f++) {
		x[n] = 100 + 50 * sin(0.01 * f + 0) + 10 * id
		y[n] = 80 + 40 * cos(0.013 * f + 0) - 5 * id; n++ }
	for (i = 0; i < n; i++) { mx += x[i]; my += y[i] }
	mx /= n; my /= n
	for (i = 0; i < n; i++) { dx = x[i] - mx; dy = y[i] - my
		a += dx * dx; b += dx * dy; c += dy * dy }
	a /= n - 1; b /= n - 1; c /= n - 1
	l1 = (a + c) / 2 + sqrt(((a - c) / 2) ^ 2 + b * b)
	l2 = (a * c - b * b) / l1
	u = b; v = l1 - a; r = sqrt(u * u + v * v); u /= r; v /= r
	if ((u < 0 ? -u : u) >= (v < 0 ? -v : v) ? u < 0 : v < 0) { u = -u; v = -v }
	p = -v; q = u
	if ((p < 0 ? -p : p) >= (q < 0 ? -q : q) ? p < 0 : q < 0) { p = -p; q = -q }
	printf "%.17g\n%.17g\n", mx, my > "two-mean.txt"
	printf "%.17g\n%.17g\n", l1, l2 > "two-eig.txt"
	printf "%.17g\n%.17g\n%.17g\n%.17g\n", u, v, p, q > "two-comp.txt"
	printf "%.17g\n%.17g\n", l1 / (l1 + l2), l2 / (l1 + l2) > "two-ratio.txt"
}'
t_is "closed form: means to 1e-13" "ok" \
    "$(close 1e-13 "$(f64 two/mean.f64)" "$(cat two-mean.txt)")"
t_is "closed form: eigenvalues to 1e-9" "ok" \
    "$(close 1e-9 "$(jarr two/model.json eigenvalues)" "$(cat two-eig.txt)")"
t_is "closed form: ratios to 1e-9" "ok" \
    "$(close 1e-9 "$(jarr two/model.json explained_variance_ratio)" \
    "$(cat two-ratio.txt)")"
t_is "closed form: components to 1e-7, with the sign rule" "ok" \
    "$(paste -d ' ' two-comp.txt "$(f64 two/components.f64 > tc.txt; echo tc.txt)" |
    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-7) bad = 1 }
	END { print bad ? "no" : "ok" }')"

# Reading: standard input, multiple files, parts with no rows.
t_ok "fit from standard input" sh -c 'mz-pca fit -c "*.x,*.y" -o pca-in < tracks.mzs'
t_is "standard input: the same model" "$(cksum < pca/components.f64)" \
    "$(cksum < pca-in/components.f64)"
mzgen -s 1 -i 2 -n 0 -o empty-parts.mzs
t_ok "parts with no rows among others" \
    sh -c 'cat empty-parts.mzs tracks.mzs empty-parts.mzs |
        mz-pca fit -c "*.x,*.y" -o pca-z'
t_is "... the same components" "$(cksum < pca/components.f64)" \
    "$(cksum < pca-z/components.f64)"
t_is "... 8 parts counted" "8" "$(jval pca-z/model.json n_parts)"
t_ok "two files" mz-pca fit -o pca-2f big.mzs big2.mzs
t_is "two files: their rows" "52000" "$(jval pca-2f/model.json n_rows)"
t_ok "two files, one as '-'" sh -c 'mz-pca fit -o pca-2s big.mzs - < big2.mzs'
t_is "... the same model" "$(cksum < pca-2f/model.json)" \
    "$(cksum < pca-2s/model.json)"

# Rows with NaN are skipped: mzgen -m 13 makes point k of frame f missing
# when (f + k) mod 13 = 0, so with 4 bodyparts 4 frames in 13 are missing.
t_is "rows with a NaN are skipped" "$(awk 'BEGIN {
	for (f = 0; f < 7000; f++) { m = 0; for (k = 0; k < 4; k++)
		if ((f + k) % 13 == 0) m = 1; n += !m }
	print 6 * n }')" "$(mz-pca fit -o nan big.mzs && jval nan/model.json n_frames)"
t_is "... of 42000" "42000" "$(jval nan/model.json n_rows)"

# --conf-threshold: mzgen's p = ((7 f + 13 k + id) mod 100) / 100; a row is
# kept when every bodypart's p > t.
t_ok "--conf-threshold 0.3" mz-pca fit --conf-threshold 0.3 -o conf tracks.mzs
t_is "--conf-threshold: the rows kept" "$(awk 'BEGIN { n = 0
	for (id = 0; id < 2; id++) for (f = 0; f < 300; f++) { ok = 1
		for (k = 0; k < 3; k++) if (!(((f * 7 + k * 13 + id) % 100) / 100 > 0.3)) ok = 0
		n += ok }
	print 2 * n }')" "$(jval conf/model.json n_frames)"
t_is "--conf-threshold: recorded" "0.3" "$(jval conf/model.json conf_threshold)"
t_is "--conf-threshold: the confidence columns" '"bp0.p","bp1.p","bp2.p"' \
    "$(jarr conf/model.json confidence_columns | paste -sd, -)"

# A constant column is kept, with eigenvalue 0; whitening it is refused.
mzgen -s 1 -i 1 -n 400 -k 2 -o one.mzs
t_ok "a constant column (id)" mz-pca fit -c 'id,bp0.x,bp1.y' -o const one.mzs
t_is "... its eigenvalue is exactly 0" "0" \
    "$(jarr const/model.json eigenvalues | tail -1)"
t_is "... its component is the unit vector of id" "1 0 0" \
    "$(f64 const/components.f64 | tail -3 | awk '{ printf "%s%g", (NR > 1 ? " " : ""), $1 }')"
t_fails "apply -w of a zero-variance component" 1 \
    '^mz-pca: const: cannot whiten: component 2 has variance 0' \
    mz-pca apply -w -o never.mzs const one.mzs
t_ok "apply -w -n 2 of the others" mz-pca apply -w -n 2 -o w2.mzs const one.mzs

# Fewer rows than columns: a warning; -q silences it.
mzgen -s 1 -i 1 -n 4 -k 4 -o four.mzs
t_ok "4 rows, 8 columns" mz-pca fit -o four four.mzs
t_like "... warns" '^mz-pca: warning: 4 valid rows for 8 columns: the eigenvalues past the first 3 are 0' \
    "$(cat "$T/.err")"
t_ok "... -q" mz-pca fit -q -o four four.mzs
t_is "... -q silences the warning" "" "$(cat "$T/.err")"
t_is "... eigenvalues past 3 are 0 up to rounding" "ok" \
    "$(jarr four/model.json eigenvalues | awk 'NR == 1 { m = $1 }
	NR > 3 && $1 > 1e-12 * m { bad = 1 } END { print bad ? "no" : "ok" }')"

# ------------------------------------------------------- determinism
mz-pca fit --threads 1 -o t1 big.mzs big2.mzs
for n in 2 3 8; do
	mz-pca fit --threads $n -o t$n big.mzs big2.mzs
	t_is "--threads 1 and $n: the same model.json" \
	    "$(cksum < t1/model.json)" "$(cksum < t$n/model.json)"
	t_is "--threads 1 and $n: the same components" \
	    "$(cksum < t1/components.f64)" "$(cksum < t$n/components.f64)"
done
t_ok "--threads auto" mz-pca fit --threads auto -o ta big.mzs big2.mzs
t_is "--threads auto: the same components" \
    "$(cksum < t1/components.f64)" "$(cksum < ta/components.f64)"

# ------------------------------------------------------ --max-frames
t_ok "--max-frames above the rows" mz-pca fit --max-frames 100000 -o mall big.mzs big2.mzs
t_is "... the same components as without" "$(cksum < t1/components.f64)" \
    "$(cksum < mall/components.f64)"
t_is "... recorded, with the seed" "100000 0" \
    "$(jval mall/model.json max_frames) $(jval mall/model.json seed)"
mz-pca fit --max-frames 5000 --seed 3 --threads 1 -o s1 big.mzs big2.mzs
mz-pca fit --max-frames 5000 --seed 3 --threads 3 -o s3 big.mzs big2.mzs
mz-pca fit --max-frames 5000 --seed 4 -o s4 big.mzs big2.mzs
t_is "--max-frames 5000: 5000 frames fitted" "5000" "$(jval s1/model.json n_frames)"
t_is "... the same sample for any thread count" "$(cksum < s1/model.json)" \
    "$(cksum < s3/model.json)"
t_ok "... another seed, another sample" \
    test "$(cksum < s1/mean.f64)" != "$(cksum < s4/mean.f64)"
t_is "... near the full fit (the first ratio within 5%)" "ok" \
    "$(close 0.05 "$(jarr s1/model.json explained_variance_ratio | head -1)" \
    "$(jarr t1/model.json explained_variance_ratio | head -1)")"

# ------------------------------------------------------ partial, merge
mzgen -s 3 -i 1 -n 2000 -m 7 -o other.mzs
mz-pca fit -c '*.x,*.y' -o whole tracks.mzs other.mzs
t_ok "partial -o" mz-pca partial -c '*.x,*.y' -o a.json tracks.mzs
t_ok "partial to standard output" sh -c 'mz-pca partial -c "*.x,*.y" < other.mzs > b.json'
t_is "partial: counts" "1200 1200 4" \
    "$(jval a.json n_frames) $(jval a.json n_rows) $(jval a.json n_parts)"
t_is "partial: kind" '"mz-pca partial"' "$(jval a.json kind)"
t_ok "merge" mz-pca merge -o merged a.json b.json
t_is "merge: the counts of both" "$(jval whole/model.json n_frames) 7200 7" \
    "$(jval merged/model.json n_frames) $(jval merged/model.json n_rows) $(jval merged/model.json n_parts)"
t_is "merge: shards recorded" "2" "$(jval merged/model.json shards)"
t_is "merge = fit: means to 1e-12" "ok" \
    "$(close 1e-12 "$(f64 merged/mean.f64)" "$(f64 whole/mean.f64)")"
t_is "merge = fit: eigenvalues to 1e-12" "ok" \
    "$(close 1e-12 "$(jarr merged/model.json eigenvalues | head -5)" \
    "$(jarr whole/model.json eigenvalues | head -5)")"
t_is "merge = fit: components to 1e-10" "ok" "$(paste -d ' ' \
    "$(f64 merged/components.f64 > mc.txt; echo mc.txt)" \
    "$(f64 whole/components.f64 > wc.txt; echo wc.txt)" | head -30 |
    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-10) bad = 1 }
	END { print bad ? "no" : "ok" }')"
t_ok "merge in the other order" mz-pca merge -o merged2 b.json a.json
t_is "... the same to 1e-12" "ok" \
    "$(close 1e-12 "$(jarr merged2/model.json eigenvalues | head -5)" \
    "$(jarr merged/model.json eigenvalues | head -5)")"
t_ok "one shard" mz-pca merge -o merged1 a.json
t_is "one shard = its fit" "ok" \
    "$(close 1e-14 "$(jarr merged1/model.json eigenvalues)" \
    "$(jarr pca/model.json eigenvalues)")"
mzgen -s 1 -i 1 -n 50 -m 1 -o nan50.mzs
t_ok "a shard with no valid row" \
    mz-pca partial -c '*.x,*.y' --conf-threshold 0.3 -o none.json nan50.mzs
t_is "... n_frames 0 of 50" "0 50" "$(jval none.json n_frames) $(jval none.json n_rows)"
mz-pca partial -c '*.x,*.y' --conf-threshold 0.3 -o a3.json tracks.mzs
t_ok "... merged with others" mz-pca merge -o merged3 none.json a3.json
t_is "... = the other's fit" "$(jarr conf/model.json eigenvalues)" \
    "$(jarr merged3/model.json eigenvalues)"
t_fails "merge: only empty shards" 1 \
    "^mz-pca: column 'bp0\\.x' has no finite value in the 50 rows read" \
    mz-pca merge -o never none.json
mz-pca partial -c '*.x,*.y' --conf-threshold 1 -o none1.json tracks.mzs
t_fails "merge: a shard with every row masked" 1 \
    '^mz-pca: no valid row: each of the 1200 rows read has a missing value or a confidence at or below 1$' \
    mz-pca merge -o never none1.json
mz-pca partial -o d3.json tracks.mzs
mz-pca partial -o d2.json features.mzs
t_fails "merge: different columns" 1 \
    '^mz-pca: d2\.json: its columns differ from those of the first shard' \
    mz-pca merge -o never d3.json d2.json
t_fails "merge: different options" 1 \
    '^mz-pca: a3\.json: its options differ from those of the first shard' \
    mz-pca merge -o never a.json a3.json
echo '{"kind": "mz-pca partial", "format": 1, "columns": ["x"]' > bad.json
t_fails "merge: a shard that is not JSON" 1 '^mz-pca: bad\.json: not a JSON object' \
    mz-pca merge -o never bad.json
t_fails "merge: a model.json as a shard" 1 \
    '^mz-pca: pca/model\.json: not an mz-pca partial file' \
    mz-pca merge -o never pca/model.json
sed 's/"format":	1/"format":	2/' a.json > a2.json
t_fails "merge: an unknown format" 1 '^mz-pca: a2\.json: unknown format 2' \
    mz-pca merge -o never a2.json
sed '/"mean":/s/\[[-0-9.e]*,/[/' a.json > short.json
t_fails "merge: a short mean" 1 "^mz-pca: short\\.json: 'mean' is not an array of 6 numbers" \
    mz-pca merge -o never short.json
t_fails "merge: a missing shard" 1 '^mz-pca: nope\.json: No such file' \
    mz-pca merge -o never a.json nope.json
t_fails "partial -o /dev/full" 1 '^mz-pca: /dev/full: No space left' \
    mz-pca partial -o /dev/full tracks.mzs
t_fails "partial > /dev/full" 1 '^mz-pca: <stdout>: No space left' \
    sh -c 'mz-pca partial tracks.mzs > /dev/full'
t_ok "no model left by failed merges" test ! -e never

# ------------------------------------------------------ model directory
t_ok "fit over an existing model replaces it" \
    mz-pca fit -c 'bp0.*' -o pca-r tracks.mzs
t_ok "... again" mz-pca fit -c '*.x' -o pca-r tracks.mzs
t_is "... with the new columns" '"bp0.x","bp1.x","bp2.x"' \
    "$(jarr pca-r/model.json columns | paste -sd, -)"
t_is "... no directory left beside it" "" "$(ls -a | grep '^\.pca-r\.')"
t_ok "fit -o DIR/" mz-pca fit -o slash/ tracks.mzs
t_ok "... makes DIR" test -f slash/_SUCCESS
t_is "... and no temporary directory" "" "$(ls -a | grep '^\.slash')"
mkdir emptydir
t_ok "fit into an empty directory" mz-pca fit -o emptydir tracks.mzs
t_ok "... a model" test -f emptydir/_SUCCESS
mkdir notmodel
: > notmodel/keep.txt
t_fails "fit over a directory that is not a model" 1 \
    '^mz-pca: notmodel: not replacing a directory that holds no mz-pca model' \
    mz-pca fit -o notmodel tracks.mzs
t_ok "... left alone" test -f notmodel/keep.txt
: > afile
t_fails "fit over a file" 1 '^mz-pca: afile: exists and is not a directory' \
    mz-pca fit -o afile tracks.mzs
t_fails "fit -o /dev/full" 1 '^mz-pca: /dev/full: exists and is not a directory' \
    mz-pca fit -o /dev/full tracks.mzs
t_fails "fit -o in a missing directory" 1 \
    '^mz-pca: nodir/pca: cannot create a temporary directory beside it' \
    mz-pca fit -o nodir/pca tracks.mzs
size=$(wc -c < big.mzs)
head -c $((size - 100)) big.mzs > trunc.mzs
t_fails "fit of a truncated stream" 1 \
    '^mz-pca: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-pca fit -o never trunc.mzs
t_fails "fit of a truncated stream on standard input" 1 \
    '^mz-pca: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-pca fit -o never < trunc.mzs'
t_ok "... no model, no temporary directory" \
    sh -c 'test ! -e never && ! ls -a | grep -q "^\.never\."'
# A fit killed while it waits for the rest of its input (the writing end
# of the FIFO stays open).
mkfifo slow
mz-pca fit -o killed < slow 2>/dev/null &
pid=$!
exec 3> slow
cat big.mzs >&3
kill -9 $pid
wait $pid 2>/dev/null
exec 3>&-
t_ok "a killed fit leaves no model" \
    sh -c 'test ! -e killed && ! ls -a | grep -q "^\.killed\."'

cp -r pca incomplete
rm incomplete/_SUCCESS
t_fails "apply: a model without _SUCCESS" 1 \
    '^mz-pca: incomplete: incomplete model \(no _SUCCESS\)' \
    mz-pca apply -o never.mzs incomplete tracks.mzs
t_fails "info: a model without _SUCCESS" 1 \
    '^mz-pca: incomplete: incomplete model \(no _SUCCESS\)' mz-pca info incomplete
t_fails "info: no such model" 1 '^mz-pca: nomodel: No such file' mz-pca info nomodel
t_fails "info: a file as model" 1 '^mz-pca: afile: not a model directory' \
    mz-pca info afile
cp -r pca damaged
printf '\001' | dd of=damaged/components.f64 bs=1 seek=100 conv=notrunc 2>/dev/null
t_fails "a damaged components.f64" 1 \
    '^mz-pca: damaged/components\.f64: its checksum differs from model\.json' \
    mz-pca info damaged
cp -r pca short
head -c 200 pca/components.f64 > short/components.f64
t_fails "a short components.f64" 1 \
    '^mz-pca: short/components\.f64: 200 bytes, not 288' mz-pca info short
cp -r pca badjson
echo '{' > badjson/model.json
t_fails "a model.json that is not JSON" 1 \
    '^mz-pca: badjson/model\.json: not a JSON object' mz-pca info badjson
cp -r pca noeig
sed '/"eigenvalues"/d' pca/model.json > noeig/model.json
t_fails "a model.json without eigenvalues" 1 \
    "^mz-pca: noeig/model\\.json: 'eigenvalues' is missing or not an array" \
    mz-pca info noeig
t_ok "no output file left by failed applies" test ! -e never.mzs

# ------------------------------------------------------ fit errors
mzgen -s 1 -i 2 -n 100 -k 2 -m 1 -o allnan.mzs
t_fails "a column with no finite value" 1 \
    "^mz-pca: column 'bp0\\.x' has no finite value in the 200 rows read" \
    mz-pca fit -o never allnan.mzs
mzgen -s 1 -i 1 -n 1 -o onerow.mzs
t_fails "one valid row" 1 '^mz-pca: only 1 valid row: a fit needs at least 2' \
    mz-pca fit -o never onerow.mzs
t_fails "no rows" 1 '^mz-pca: no rows in the 2 parts read' \
    mz-pca fit -o never empty-parts.mzs
mzgen -s 0 -o noparts.mzs
t_fails "no parts" 1 '^mz-pca: noparts\.mzs: no parts' \
    mz-pca fit -o never noparts.mzs
t_fails "no parts on standard input" 1 '^mz-pca: <stdin>: no parts' \
    sh -c 'mz-pca fit -o never < noparts.mzs'
t_fails "every row masked by confidence" 1 \
    '^mz-pca: no valid row: each of the 1200 rows read has a missing value or a confidence at or below 0\.99' \
    mz-pca fit --conf-threshold 0.99 -o never tracks.mzs
t_fails "every column constant" 1 \
    '^mz-pca: the total variance is 0: every chosen column is constant' \
    mz-pca fit -c id -o never one.mzs
t_fails "-c matching nothing" 1 \
    "^mz-pca: tracks\\.mzs: part 0: no column matches 'nose\\.\\*'" \
    mz-pca fit -c 'bp0.x,nose.*' -o never tracks.mzs
t_fails "a later part without a chosen column" 1 \
    "^mz-pca: features\\.mzs: part 0: no column 'bp2\\.x', 'bp2\\.y' \\(chosen in the first part\\)" \
    mz-pca fit -o never tracks.mzs features.mzs
t_fails "--conf-threshold without confidence columns" 1 \
    '^mz-pca: tracks\.mzs: part 0: --conf-threshold: no confidence column' \
    mz-pca fit -c time --conf-threshold 0.5 -o never tracks.mzs
mzgen -s 1 -i 1 -n 5 -k 0 -o noflt.mzs
t_fails "no column to analyse (frame, time and id only)" 1 \
    '^mz-pca: noflt\.mzs: part 0: no column to analyse' \
    mz-pca fit -o never noflt.mzs
t_fails "nonexistent file" 1 '^mz-pca: nope\.mzs: No such file' \
    mz-pca fit -o never tracks.mzs nope.mzs
echo hello > text.mzs
t_fails "not a stream" 1 '^mz-pca: text\.mzs: byte 0: not an mzs stream' \
    mz-pca fit -o never text.mzs
t_ok "no model left by failed fits" test ! -e never

# ------------------------------------------------------------ apply
t_ok "apply -n 3" mz-pca apply -n 3 -o lat.mzs pca tracks.mzs
t_is "apply: nothing on standard output" "" "$(cat "$T/.out")"
mz-info lat.mzs > lat.txt
t_like "apply: 1200 rows" '^rows: +1200$' "$(cat lat.txt)"
t_like "apply: 4 parts" '^parts: +4$' "$(cat lat.txt)"
if [ -n "$PY" ]; then
	t_is "apply: the columns" \
	    "['frame', 'time', 'id', 'pc0', 'pc1', 'pc2']" \
	    "$(info_json lat.mzs '[c["name"] for c in d["columns"]]')"
	mhash=$(mz-pca info -j pca | sed -n 's/^[[:space:]]*"model_hash":[[:space:]]*"\([0-9a-f]*\)".*/\1/p')
	t_is "apply: the history entry" \
	    "{'tool': 'mz-pca', 'version': '0.1.0', 'options': {'model': '$mhash', 'components': 3, 'whiten': False, 'keep': None}}" \
	    "$(info_json lat.mzs '{k: v for k, v in p[0]["history"][-1].items() if k != "processing"}')"
	t_is "apply: the metadata, with the model" \
	    "('control', 'seq0', 'mouse0', {'model': 'pca', 'model_hash': '$mhash', 'components': 3, 'whiten': False})" \
	    "$(info_json lat.mzs '(p[0]["meta"]["group"], p[0]["meta"]["sequence"], p[0]["meta"]["individual"], p[0]["meta"]["pca"])')"
fi
t_ok "apply from standard input to standard output" \
    sh -c 'mz-pca apply -n 3 --codec none pca < tracks.mzs > lat2.mzs'
t_ok "apply -v 0.99 -k '*.p' --codec zstd" \
    mz-pca apply -v 0.99 -k '*.p' --codec zstd -o latv.mzs pca tracks.mzs
ncomp=$(mz-pca info -v 0.99 pca)
t_like "apply -v: the components info -v gives, and the kept columns" \
    "^columns: +$((3 + 3 + ncomp))\$" "$(mz-info latv.mzs)"
t_ok "apply -v 0.999 -m 2" mz-pca apply -v 0.999 -m 2 -o latm.mzs pca tracks.mzs
t_like "apply -v -m: capped at 2" '^columns: +5$' "$(mz-info latm.mzs)"
t_ok "apply: all components by default" mz-pca apply -o lata.mzs pca tracks.mzs
t_like "... 6" '^columns: +9$' "$(mz-info lata.mzs)"
t_ok "apply of parts with no rows" \
    sh -c 'mz-pca apply -n 2 pca empty-parts.mzs > z.mzs'
t_is "... parts with no rows" "parts:       2
rows:        0" "$(mz-info z.mzs | sed -n '/^parts:/p;/^rows:/p')"
t_ok "apply: the same model and options, the same processing hash" \
    test "$(mz-info -j lat.mzs | grep -o '"processing": *"[0-9a-f]*"' | sort -u)" = \
    "$(mz-info -j lat2.mzs | grep -o '"processing": *"[0-9a-f]*"' | sort -u)"
mz-pca fit -c '*.y,*.x' -o pca-yx tracks.mzs
mz-pca apply -n 3 -o latyx.mzs pca-yx tracks.mzs
t_ok "apply: another model, another processing hash" \
    test "$(mz-info -j lat.mzs | grep -o '"processing": *"[0-9a-f]*"' | sort -u | head -1)" != \
    "$(mz-info -j latyx.mzs | grep -o '"processing": *"[0-9a-f]*"' | sort -u | head -1)"
t_fails "apply: -n above the components" 1 \
    '^mz-pca: pca: -n 7: the model has 6 components' \
    mz-pca apply -n 7 -o never.mzs pca tracks.mzs
t_fails "apply: input without the model's columns" 1 \
    "^mz-pca: features\\.mzs: part 0: no column 'bp2\\.x', 'bp2\\.y' \\(needed by the model\\)" \
    mz-pca apply -o never.mzs pca features.mzs
t_fails "apply: -k matching nothing" 1 \
    "^mz-pca: tracks\\.mzs: part 0: no column matches 'nose'" \
    mz-pca apply -k nose -o never.mzs pca tracks.mzs
t_fails "apply: a truncated stream" 1 \
    '^mz-pca: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-pca apply -o never.mzs nan trunc.mzs
t_fails "apply: nonexistent input" 1 '^mz-pca: nope\.mzs: No such file' \
    mz-pca apply -o never.mzs pca nope.mzs
t_fails "apply: -n and -v" 2 '^mz-pca: -n and -v exclude each other' \
    mz-pca apply -n 2 -v 0.9 pca tracks.mzs
t_fails "apply: -n 0" 2 "^mz-pca: bad component count '0'" \
    mz-pca apply -n 0 pca tracks.mzs
t_fails "apply: -n x" 2 "^mz-pca: bad component count 'x'" \
    mz-pca apply -n x pca tracks.mzs
for v in 0 1.5 -0.2 x; do
	t_fails "apply: -v '$v'" 2 "^mz-pca: bad variance fraction '$v'" \
	    mz-pca apply -v "$v" pca tracks.mzs
done
t_fails "apply: -m without -v" 2 '^mz-pca: -m needs -v' \
    mz-pca apply -m 3 pca tracks.mzs
t_fails "apply: --codec lz4" 2 "^mz-pca: bad compression 'lz4'" \
    mz-pca apply --codec lz4 pca tracks.mzs
t_fails "apply: -o /dev/full" 1 '^mz-pca: /dev/full: No space left' \
    mz-pca apply -o /dev/full pca tracks.mzs
t_fails "apply: standard output on /dev/full" 1 '^mz-pca: <stdout>: No space left' \
    sh -c 'mz-pca apply pca tracks.mzs > /dev/full'
t_ok "no output file left" test ! -e never.mzs
if command -v script > /dev/null 2>&1; then
	t_fails "apply refuses to write to a terminal" 1 \
	    'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-pca apply pca tracks.mzs" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
	t_ok "apply -f writes to a terminal" \
	    sh -c 'script -qec "mz-pca apply -f -n 1 pca small.mzs" /dev/null > /dev/null'
else
	echo "# script absent: terminal cases skipped"
fi

# The values of apply, without numpy: the closed-form model of two.mzs,
# through mz-cat's CSV.
if [ -x "$B/bin/mz-cat" ]; then
	mz-pca apply -o two-lat.mzs two two.mzs
	mz-pca apply -w -o two-w.mzs two two.mzs
	mz-cat --csv two-lat.mzs > two-lat.csv 2>/dev/null
	mz-cat --csv two-w.mzs > two-w.csv 2>/dev/null
	t_is "apply: scores = (x - mean) . component (closed form)" "ok" \
	    "$(awk -F, -v m="$(paste -sd, two-mean.txt)" -v c="$(paste -sd, two-comp.txt)" '
		BEGIN { split(m, mu, ","); split(c, v, ",") }
		NR == 1 { for (j = 1; j <= NF; j++) col[$j] = j; next }
		{ id = $col["id"]; f = $col["frame"]
		  x = 100 + 50 * sin(0.01 * f + 0) + 10 * id - mu[1]
		  y = 80 + 40 * cos(0.013 * f + 0) - 5 * id - mu[2]
		  s0 = x * v[1] + y * v[2]; s1 = x * v[3] + y * v[4]
		  d0 = s0 - $col["pc0"]; d1 = s1 - $col["pc1"]
		  if (d0 < 0) d0 = -d0; if (d1 < 0) d1 = -d1
		  if (d0 > 1e-9 * (1 + (s0 < 0 ? -s0 : s0)) || d1 > 1e-9 * (1 + (s1 < 0 ? -s1 : s1))) bad = 1; n++ }
		END { print (bad || n != 1000) ? "no" : "ok" }' two-lat.csv)"
	t_is "apply -w: the fitted rows' scores have unit variance" "ok" \
	    "$(awk -F, 'NR == 1 { for (j = 1; j <= NF; j++) col[$j] = j; next }
		{ for (k = 0; k < 2; k++) { s[k] += $col["pc" k]; q[k] += $col["pc" k] ^ 2 } n++ }
		END { for (k = 0; k < 2; k++) { m = s[k] / n; v = (q[k] - n * m * m) / (n - 1)
		      if ((m < 0 ? -m : m) > 1e-9 || (v - 1 < 0 ? 1 - v : v - 1) > 1e-9) bad = 1 }
		      print bad ? "no" : "ok" }' two-w.csv)"
else
	echo "# mz-cat not built: the closed-form check of apply's values skipped"
fi

# ------------------------------------------------------------- info
t_ok "info" mz-pca info pca
t_is "info: 4 + 6 lines" "10" "$(wc -l < "$T/.out" | tr -d ' ')"
t_like "info: the columns" '^columns: +6: bp0\.x bp0\.y bp1\.x bp1\.y bp2\.x bp2\.y$' \
    "$(cat "$T/.out")"
t_like "info: the counts" '^frames: +1200 of 1200 rows in 4 parts$' "$(cat "$T/.out")"
t_like "info: the table header" '^component +eigenvalue +ratio +cumulative$' \
    "$(cat "$T/.out")"
t_is "info: the table's eigenvalues" "ok" "$(close 1e-14 \
    "$(sed -n '5,$p' "$T/.out" | awk '{ print $2 }')" \
    "$(jarr pca/model.json eigenvalues)")"
for v in 0.5 0.9 0.99 0.9999 1; do
	want=$(jarr pca/model.json cumulative |
	    awk -v f=$v '!done && ($1 >= f) { print NR; done = 1 } END { if (!done) print NR }')
	t_is "info -v $v: the count where the cumulative ratio reaches it" \
	    "$want" "$(mz-pca info -v $v pca)"
done
t_is "info -v 0.9999 -m 2" "2" "$(mz-pca info -v 0.9999 -m 2 pca)"
t_is "info -v 0.5 -m 10: below the cap" "1" "$(mz-pca info -v 0.5 -m 10 pca)"
t_ok "info -j" mz-pca info -j -v 0.99 -m 10 pca
if [ -n "$PY" ]; then
	t_is "info -j: the model.json keys and the count" \
	    "True $ncomp 0.99 10 pca" \
	    "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); m = json.load(open("pca/model.json"))
print(all(d[k] == m[k] for k in m), d["components_for_variance"], d["variance"], d["max"], d["model"])' "$T/.out")"
else
	t_like "info -j: the count" "\"components_for_variance\":[[:space:]]*$ncomp" \
	    "$(cat "$T/.out")"
fi
t_fails "info -m without -v" 2 '^mz-pca: -m needs -v' mz-pca info -m 2 pca
t_fails "info -m 0" 2 "^mz-pca: bad component count '0'" mz-pca info -v 0.9 -m 0 pca
t_fails "info > /dev/full" 1 '^mz-pca: <stdout>: No space left' \
    sh -c 'mz-pca info pca > /dev/full'

# ------------------------------------------- numpy and scikit-learn
if [ -n "$NP" ] && "$NP" -c "import sys; sys.path.insert(0, '$TOP/share/python'); import mzs" 2>/dev/null; then
	"$NP" "$REF" gen g1.mzs --rows 9000 --parts 3 --nan-every 7 --seed 1
	"$NP" "$REF" gen g2.mzs --rows 5000 --parts 2 --nan-every 5 --seed 2
	mz-pca fit -o g g1.mzs g2.mzs
	t_is "numpy: fit equals eigh of np.cov and scikit-learn's PCA" "ok" \
	    "$("$NP" "$REF" fit g g1.mzs g2.mzs | tail -3)"
	mz-pca fit --conf-threshold 0.2 -o gc g1.mzs g2.mzs
	t_is "numpy: fit --conf-threshold 0.2" "ok" \
	    "$("$NP" "$REF" fit gc g1.mzs g2.mzs --conf 0.2 | tail -3)"
	mz-pca partial -o g1.json g1.mzs
	mz-pca partial -o g2.json g2.mzs
	mz-pca merge -o gm g1.json g2.json
	t_is "numpy: partial + merge" "ok" "$("$NP" "$REF" fit gm g1.mzs g2.mzs | tail -3)"
	"$NP" "$REF" gen g3.mzs --rows 3000 --parts 3 --nan-every 4 --seed 3
	mz-pca apply -n 5 -o ga.mzs g g3.mzs
	t_is "numpy: apply -n 5" "ok" "$("$NP" "$REF" apply g g3.mzs ga.mzs 5 | tail -3)"
	mz-pca apply -w -o gw.mzs g g3.mzs
	t_is "numpy: apply -w" "ok" \
	    "$("$NP" "$REF" apply g g3.mzs gw.mzs 8 --whiten | tail -3)"
	"$NP" "$REF" gen gk.mzs --rows 3000 --const --seed 5
	mz-pca fit -o gk gk.mzs
	t_is "numpy: a constant column" "ok" "$("$NP" "$REF" fit gk gk.mzs | tail -3)"
	"$NP" "$REF" gen gs.mzs --rows 6 --parts 1 --seed 6
	mz-pca fit -q -o gs gs.mzs
	t_is "numpy: fewer rows than columns" "ok" "$("$NP" "$REF" fit gs gs.mzs | tail -3)"
	"$NP" "$REF" gen gb.mzs --rows 20000 --bodyparts 12 --parts 4 --seed 7 --nan-every 3
	mz-pca fit --threads 2 -o gb gb.mzs
	t_is "numpy: 24 columns, 20000 rows, 2 threads" "ok" \
	    "$("$NP" "$REF" fit gb gb.mzs | tail -3)"
else
	echo "# python3 with numpy (or share/python/mzs.py) absent: numpy comparisons skipped"
fi
t_done
