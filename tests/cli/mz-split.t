#!/bin/sh
# tests: mz-split
# requires: mz-cat (fixtures from CSV)
. "$(dirname "$0")/lib.sh"

# 30 sequences in 6 groups, two individuals each (two parts per sequence),
# 100..499 frames, label compositions that vary by sequence; speed rises
# with the sequence number (s * 0.5 plus noise below 1).
awk 'BEGIN { srand(3); print "group,sequence,individual,frame,label,speed"
	for (s = 0; s < 30; s++) {
		n = 100 + int(rand() * 400); g = "g" (s % 6)
		for (ind = 0; ind < 2; ind++)
			for (f = 0; f < n; f++) {
				l = int((f * (s % 5 + 1) / 37) % 4)
				if (s % 7 == 0) l = 3
				print g ",s" s ",m" ind "," f "," l "," s * 0.5 + rand()
			}
	} }' > seqs.csv
mz-cat --from csv --split group,sequence,individual -t label:i32 seqs.csv \
    -o seqs.mzs
mz-cat --csv --part-columns seqs.mzs > rows.csv

# per_class SPLIT.csv KEYCOL: "fold class fraction" of each class's frames
# (over the rows of rows.csv) that KEYCOL (4 split, 5 fold) assigns.
per_class() {
	awk -F, -v k="$2" 'NR == FNR { if (FNR > 1) a[$1 "," $2] = $k; next }
	    FNR > 1 { c[a[$1 "," $2] "," $5]++; t[$5]++ }
	    END { for (x in c) { split(x, p, ","); printf "%s %s %.4f\n",
	    p[1], p[2], c[x] / t[p[2]] } }' "$1" rows.csv | sort
}

# ------------------------------------------------------------ folds
t_ok "-k 5 --stratify label" sh -c 'mz-split -k 5 --stratify label seqs.mzs > k5.csv'
t_is "the header" "group,sequence,frames,split,fold" "$(head -1 k5.csv)"
t_is "one row per sequence, each once" "30 30" \
    "$(($(wc -l < k5.csv) - 1)) $(tail -n +2 k5.csv | cut -d, -f1,2 | sort -u | wc -l | tr -d ' ')"
t_is "frames: both individuals of a sequence counted" \
    "$(awk -F, 'NR > 1 { n[$2]++ } END { for (s in n) print s, n[s] }' seqs.csv | sort)" \
    "$(awk -F, 'NR > 1 { print $2, $3 }' k5.csv | sort)"
t_is "every fold used, all rows train" "0 1 2 3 4 train" \
    "$(tail -n +2 k5.csv | cut -d, -f5 | sort -u | tr '\n' ' ')$(tail -n +2 k5.csv | cut -d, -f4 | sort -u)"
# Balance: each class's frames are split near 1/5 per fold.
per_class k5.csv 5 > bal.txt
t_is "balance: 5 folds x 4 classes" "20" "$(wc -l < bal.txt | tr -d ' ')"
t_is "balance: every class within 0.2 +- 0.05 in every fold" "" \
    "$(awk '$3 < 0.15 || $3 > 0.25' bal.txt)"
t_is "balance: frames within 20% of a fifth per fold" "" \
    "$(awk -F, 'NR > 1 { f[$5] += $3; t += $3 } END { for (k in f)
	if (f[k] < 0.8 * t / 5 || f[k] > 1.2 * t / 5) print k, f[k] }' k5.csv)"
t_ok "same seed: same bytes" sh -c 'mz-split -k 5 --stratify label seqs.mzs | cmp - k5.csv'
mz-split -k 5 --stratify label --seed 99 seqs.mzs > k5b.csv
t_ok "another seed: another assignment" sh -c '! cmp -s k5.csv k5b.csv'
t_is "another seed: still balanced" "" \
    "$(per_class k5b.csv 5 | awk '$3 < 0.15 || $3 > 0.25')"
t_ok "-o" mz-split -k 5 --stratify label -o k5o.csv seqs.mzs
t_ok "-o: the same bytes" cmp k5o.csv k5.csv
t_ok "standard input" sh -c 'mz-split -k 5 --stratify label < seqs.mzs | cmp - k5.csv'
mz-split -k 4 seqs.mzs > k4.csv
t_is "without --stratify: frames balanced within 20%" "" \
    "$(awk -F, 'NR > 1 { f[$5] += $3; t += $3 } END { for (k in f)
	if (f[k] < 0.8 * t / 4 || f[k] > 1.2 * t / 4) print k, f[k] }' k4.csv)"

# ------------------------------------------------------------ by group
mz-split -k 3 --by group --stratify label seqs.mzs > g3.csv
t_is "--by group: each group in one fold" "6" \
    "$(tail -n +2 g3.csv | cut -d, -f1,5 | sort -u | wc -l | tr -d ' ')"
t_is "--by group: 3 folds used" "0 1 2" \
    "$(tail -n +2 g3.csv | cut -d, -f5 | sort -u | tr '\n' ' ' | sed 's/ $//')"

# ------------------------------------------------------------ test split
mz-split --test 0.25 --stratify label seqs.mzs > tt.csv
t_is "--test: train and test, no folds" ",test ,train" \
    "$(tail -n +2 tt.csv | awk -F, '{ print $5 "," $4 }' | sort -u | tr '\n' ' ' | sed 's/ $//')"
t_is "--test 0.25: each class 0.25 +- 0.07 in test" "" \
    "$(per_class tt.csv 4 | awk '$1 == "test" && ($3 < 0.18 || $3 > 0.32)')"

# ------------------------------------------------------------ calibration
mz-split --calibration 0.2 --quantile speed --bins 5 seqs.mzs > cal.csv
# Speed grows with the sequence number, so the quintiles are s0-5, s6-11..
t_is "calibration: one sequence from each speed quintile" "0 1 2 3 4" \
    "$(awk -F, '$4 == "calibration" { sub(/s/, "", $2); print int($2 / 6) }' cal.csv | sort | tr '\n' ' ' | sed 's/ $//')"
mz-split --calibration 0.2 --quantile speed --bins 5 --test 0.2 -k 3 \
    --stratify label seqs.mzs > all.csv
t_is "all at once: 5 calibration, test without folds, folds on all train" \
    "calibration 5 0 test 0 train 1" \
    "$(awk -F, 'NR > 1 { n[$4]++; if ($5 != "") f[$4]++ } END {
	print "calibration", n["calibration"], f["calibration"] + 0, "test",
	    f["test"] + 0, "train", (n["train"] == f["train"] && n["test"] > 0) }' all.csv)"
t_is "all at once: calibration subset as without the rest" \
    "$(awk -F, '$4 == "calibration"' cal.csv)" "$(awk -F, '$4 == "calibration"' all.csv)"

# ------------------------------------------------------------ CSV input
printf 'group,sequence,frames,n_a,n_b,speed\n' > table.csv
for i in 1 2 3 4 5 6 7 8; do
	printf 'g%d,"s%d, take 1",%d,%d,%d,%s\n' $((i % 2)) $i $((i * 100)) \
	    $((i * 60)) $((i * 40)) "0.$i" >> table.csv
done
t_ok "CSV of sequences" sh -c 'mz-split -k 2 --stratify n_a,n_b table.csv > tab.csv'
t_is "CSV: names with commas quoted back" '"s1, take 1"' \
    "$(sed -n 2p tab.csv | cut -d, -f2-3)"
t_is "CSV: frames from the table, both folds used" "0:1800 1:1800" \
    "$(awk -F, 'NR > 1 { f[$NF] += $(NF - 2) } END { for (k in f) print k ":" f[k] }' tab.csv | sort | tr '\n' ' ' | sed 's/ $//')"
t_ok "--json" sh -c 'mz-split -k 2 --json table.csv > tab.json'
t_like "--json: the sequences" '"sequence":[[:space:]]+"s1, take 1",' "$(cat tab.json)"
if [ -n "$PY" ]; then
	t_is "--json: the same assignment as the CSV" "$(tail -n +2 tab.csv | awk -F, '{ print $NF }' | tr '\n' ' ')" \
	    "$("$PY" -c 'import json,sys; print(" ".join(str(s["fold"]) for s in json.load(open("tab.json"))["sequences"]), end=" ")')"
fi

# ------------------------------------------------------------ bad input
t_fails "more folds than sequences" 1 "9 folds but only 8 sequences to split" \
    mz-split -k 9 table.csv
t_fails "more folds than groups" 1 "3 folds but only 2 groups" \
    mz-split -k 3 --by group table.csv
t_fails "missing stratify column" 1 "seqs.mzs: part 0: no column 'lbl'" \
    mz-split -k 2 --stratify lbl seqs.mzs
t_fails "non-integer stratify column" 1 "column speed is f64, not an integer label column" \
    mz-split -k 2 --stratify speed seqs.mzs
printf 'sequence,label\na,1\na,-2\nb,0\n' > neg.csv
mz-cat --from csv --split sequence -t label:i32 neg.csv -o neg.mzs
t_fails "negative label" 1 "neg.mzs: part 0 \(a\): column label: negative" \
    mz-split -k 2 --stratify label neg.mzs
printf 'label\n1\n2\n' > noseq.csv
mz-cat --from csv noseq.csv -o noseq.mzs
t_fails "part without sequence metadata" 1 "noseq.mzs: part 0: no sequence in the metadata" \
    mz-split -k 2 noseq.mzs
t_fails "CSV without a sequence column" 1 "noseq.csv: line 1: no column 'sequence'" \
    mz-split -k 2 noseq.csv
printf 'sequence,frames\na,10\nb,x\n' > badf.csv
t_fails "CSV: bad frame count" 1 "badf.csv: line 3: column frames: bad count 'x'" \
    mz-split -k 2 badf.csv
printf 'sequence,frames\na,10\nb,1,2\n' > ragged.csv
t_fails "CSV: ragged row" 1 "ragged.csv: line 3: 3 fields, the header has 2" \
    mz-split -k 2 ragged.csv
t_fails "calibration of too few units" 1 "selects none" \
    mz-split --calibration 0.01 table.csv
t_fails "fraction out of range" 2 "between 0 and 1" mz-split --test 1.5 table.csv
t_fails "nothing to do" 2 "nothing to do" mz-split table.csv
t_fails "--quantile without --calibration" 2 "needs --calibration" \
    mz-split -k 2 --quantile speed table.csv
t_fails "-k 1" 2 "at least 2" mz-split -k 1 table.csv
t_fails "missing input" 1 "nope.csv" mz-split -k 2 nope.csv
t_fails "-o: no file after an error" 1 "9 folds" mz-split -k 9 -o out.csv table.csv
t_ok "-o: really no file" test ! -e out.csv
t_done
