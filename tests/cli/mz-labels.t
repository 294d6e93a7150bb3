#!/bin/sh
# tests: mz-labels
# requires: mz-info, mz-cat, mz-eval (the round trip)
. "$(dirname "$0")/lib.sh"

# ev FILE: the first 12 columns of an event table, header dropped, sorted.
ev() {
	sed 1d "$1" | cut -d, -f1-12 | sort
}
# q ARGS: mz-labels query without its header line.
q() {
	mz-labels query "$@" | sed 1d
}

# ------------------------------------------------- BORIS: the real files
if [ -n "$DATA" ] && [ -d "$DATA/boris" ]; then
	BD=$DATA/boris
	t_ok "tabular export (pre-v8 CSV)" mz-labels convert -e tab.csv \
	    -o tab.mzs "$BD/test_export_events_tabular.csv"
	t_ok "tabular export (pre-v8 TSV)" mz-labels convert -e tabt.csv \
	    -o tabt.mzs "$BD/test_export_events_tabular.tsv"
	t_ok "project file, observation #1" mz-labels convert \
	    --observation 'observation #1' -e obs1.csv -o obs1.mzs \
	    "$BD/test.boris"
	# Worked by hand from test.boris, observation #1 (25 fps): s of
	# subject1 3.3-7.75, 9.9-16.2, 18.35-24.475; of subject2
	# 38.425-46.1; frames int(t * 25); s is label 1 of the export's
	# map (its only behaviour), 5 of the project's (m p q r s).
	t_is "tabular: the events test.boris states (by hand)" \
",observation #1,subject1,,individual,s,1,state,18.35,24.475,458,611
,observation #1,subject1,,individual,s,1,state,3.3,7.75,82,193
,observation #1,subject1,,individual,s,1,state,9.9,16.2,247,405
,observation #1,subject2,,individual,s,1,state,38.425,46.1,960,1152" \
	    "$(ev tab.csv)"
	t_is "TSV: the same events as CSV" "$(ev tab.csv)" "$(ev tabt.csv)"
	t_is "project file: the same events, label 5 of m,p,q,r,s" \
	    "$(ev tab.csv | sed 's/,s,1,/,s,5,/')" "$(ev obs1.csv)"
	t_is "project file: the label map is the sorted ethogram" \
	    "id,name
0,none
1,m
2,p
3,q
4,r
5,s" "$(mz-labels map obs1.mzs)"
	t_is "tabular: 2 parts of 9000 frames (359.96 s at 25 fps)" \
	    "9000 subject1 9000 subject2" "$(q tab.mzs | cut -d, -f3 | uniq -c |
	    tr -s ' \n' '  ' | sed 's/^ //; s/ $//')"
	t_is "tabular: frames 81..83 and 192..194 of subject1" \
",observation #1,subject1,81,3.24,0,none,
,observation #1,subject1,82,3.28,1,s,
,observation #1,subject1,83,3.32,1,s,
,observation #1,subject1,192,7.68,1,s,
,observation #1,subject1,193,7.72,1,s,
,observation #1,subject1,194,7.76,0,none," \
	    "$(q -i subject1 -r 81:83 tab.mzs; q -i subject1 -r 192:194 tab.mzs)"
	t_is "tabular: subject2 at frame 82 is none, at 960 s" \
",observation #1,subject2,82,3.28,0,none,
,observation #1,subject2,960,38.4,1,s," \
	    "$(q -i subject2 -n 82 tab.mzs; q -i subject2 -n 960 tab.mzs)"
	t_is "tabular: 112 + 159 + 154 s frames of subject1, 193 of subject2" \
	    "425 193" "$(q -i subject1 tab.mzs | awk -F, '$6 == 1' | wc -l |
	    tr -d ' ') $(q -i subject2 tab.mzs | awk -F, '$6 == 1' | wc -l |
	    tr -d ' ')"

	t_fails "project file: live observations need --fps" 1 \
	    "test\\.boris: 'live not paired': no fps in the file: give --fps" \
	    mz-labels convert -q -o never.mzs "$BD/test.boris"
	t_ok "project file, every observation, --fps 25" sh -c \
	    "mz-labels convert --fps 25 -e all.csv -o all.mzs '$BD/test.boris' 2> all.err"
	t_like "project file: the unpaired START of 'live not paired' is a warning" \
	    "observation 'live not paired', event 11: START of 's' without a STOP: dropped" \
	    "$(cat all.err)"
	t_like "project file: the warning count" \
	    '1 START events without a STOP dropped' "$(cat all.err)"
	t_is "project file: 91 events" "91" "$(sed 1d all.csv | wc -l |
	    tr -d ' ')"
	t_is "project file: 12 observations with events or media" "12" \
	    "$(mz-info -j all.mzs | tr '{' '\n' | grep -o '"sequence":"[^"]*"' |
	    sort -u | wc -l | tr -d ' ')"
	mz-labels convert --fps 25 --observation 'observation #2' -q \
	    -o o2.mzs "$BD/test.boris"
	if [ -n "$PY" ]; then
		t_is "project file: every event as python's json reads it" \
		    "$("$PY" "$TOP/tests/cli/labels-ref.py" boris \
		    "$BD/test.boris" 25)" "$(ev all.csv)"
		t_is "tabular export: the events python's csv reads" \
		    "$("$PY" "$TOP/tests/cli/labels-ref.py" tabular \
		    "$BD/test_export_events_tabular.tsv")" "$(ev tabt.csv)"
		# Per-frame labels of observation #2 (events overlap there).
		grep -E '^,observation #2,|^group' all.csv > o2.csv
		t_is "observation #2: every frame as painted by python" \
		    "$("$PY" "$TOP/tests/cli/labels-ref.py" frames o2.csv 13500 |
		    sort)" "$(q o2.mzs | cut -d, -f2,3,4,6 | sort)"
	else
		echo "# python3 absent: independent JSON reading skipped"
	fi
	# observation #2 plays two files (179.96 s + 359.96 s at 25 fps).
	t_like "observation #2: 4500 + 9000 frames" \
	    '"sequence":"observation #2","individual":"subject1"' \
	    "$(mz-info -j all.mzs)"
	t_is "observation #2: 13500 frames" "13500" \
	    "$(q -i subject1 o2.mzs 2>/dev/null | wc -l | tr -d ' ')"
	t_fails "--observation that the project lacks" 1 \
	    "test\\.boris: no observation 'nope'" \
	    mz-labels convert --observation nope -o never.mzs "$BD/test.boris"
	t_fails "project file: a behaviour outside --labels" 1 \
	    "test\\.boris: behaviors_conf: unknown behaviour 'q'" \
	    mz-labels convert --labels s,p -o never.mzs "$BD/test.boris"
else
	echo "# ../shared/data absent: real BORIS files skipped"
fi

# ------------------------------------------------- BORIS 8 tabular export
cat > v8.csv <<'EOF'
Observation id,Observation date,Description,Observation duration,Observation type,Source,Time offset (s),Media duration (s),FPS,Subject,Behavior,Behavioral category,Modifier #1,Behavior type,Time,Media file name,Image index,Image file path,Comment
obs A,2024-01-01,"multi
line, description",20.0,Media file(s),player #1:a.mp4,0.0,9.96,25.0,mouse1,walk,,,START,1.0,a.mp4,25,NA,
obs A,2024-01-01,"multi
line, description",20.0,Media file(s),player #1:a.mp4,0.0,9.96,25.0,mouse1,sniff,,left,POINT,1.5,a.mp4,37,NA,
obs A,2024-01-01,x,20.0,Media file(s),player #1:a.mp4,0.0,9.96,25.0,mouse1,walk,,,STOP,2.0,a.mp4,50,NA,
obs A,2024-01-01,x,20.0,Media file(s),player #1:a.mp4,0.0,9.96,25.0,No focal subject,light,,,START,0.0,a.mp4,0,NA,
obs A,2024-01-01,x,20.0,Media file(s),player #1:a.mp4,0.0,9.96,25.0,No focal subject,light,,,STOP,0.5,a.mp4,12,NA,
obs B,2024-01-02,,5.0,Media file(s),player #1:b.mp4,0.0,4.96,50.0,mouse2,walk,,fast,START,0.1,b.mp4,5,NA,
obs B,2024-01-02,,5.0,Media file(s),player #1:b.mp4,0.0,4.96,50.0,mouse2,walk,,slow,START,0.2,b.mp4,10,NA,
obs B,2024-01-02,,5.0,Media file(s),player #1:b.mp4,0.0,4.96,50.0,mouse2,walk,,fast,STOP,0.3,b.mp4,15,NA,
obs B,2024-01-02,,5.0,Media file(s),player #1:b.mp4,0.0,4.96,50.0,mouse2,walk,,slow,STOP,0.4,b.mp4,20,NA,
EOF
t_ok "v8 tabular" mz-labels convert -e v8ev.csv -o v8.mzs v8.csv
# By hand: labels light 1, sniff 2, walk 3; obs A at 25 fps, obs B at 50;
# walk pairs per modifier (fast 0.1-0.3, slow 0.2-0.4).
t_is "v8 tabular: events" \
",obs A,,,scene,light,1,state,0,0.5,0,12
,obs A,mouse1,,individual,sniff,2,point,1.5,1.5,37,37
,obs A,mouse1,,individual,walk,3,state,1,2,25,50
,obs B,mouse2,,individual,walk,3,state,0.1,0.3,5,15
,obs B,mouse2,,individual,walk,3,state,0.2,0.4,10,20" "$(ev v8ev.csv)"
t_is "v8 tabular: the source lines (a quoted field spans lines)" \
    "v8.csv: line 10
v8.csv: line 2
v8.csv: line 4
v8.csv: line 7
v8.csv: line 9" "$(sed 1d v8ev.csv | awk -F, '{ print $13 }' | sort)"
t_is "v8 tabular: parts (individuals, then the scene where it has events)" \
    "obs A,mouse1 250
obs A,mouse2 250
obs A,scene 250
obs B,mouse1 249
obs B,mouse2 249" "$(q v8.mzs | cut -d, -f2,3 | uniq -c |
    awk '{ n = $1; sub(/^ *[0-9]+ /, ""); print $0 " " n }')"
t_is "v8 tabular: the point event is one frame, inside walk" \
    "36,3
37,2
38,3" "$(q -i mouse1 -r 36:38 v8.mzs | grep '^,obs A' | cut -d, -f4,6)"
t_is "v8 tabular: overlapping walks in obs B: the later onset wins" \
    "4,0
5,3
10,3
15,3
20,3
21,0" "$(q -i mouse2 v8.mzs | grep '^,obs B' | cut -d, -f4,6 |
    grep -E '^(4|5|10|15|20|21),')"

# --------------------------------------------- BORIS aggregated events
cat > agg.tsv <<'EOF'
Observation id	Observation date	Observation type	Media duration (s)	FPS	Subject	Behavior	Behavioral category	Behavior type	Start (s)	Stop (s)	Duration (s)	Media file name
o1	2024-01-01	Media file(s)	3.96	25.0	rat	groom		STATE	0.50	1.02	0.52	v.mp4
o1	2024-01-01	Media file(s)	3.96	25.0	rat	rear		POINT	2.00	NA	NA	v.mp4
o1	2024-01-01	Media file(s)	3.96	25.0		click		POINT	0.04	0.04	NA	v.mp4
o1	2024-01-01	Media file(s)	3.96	25.0	rat	groom		STATE	1.00	1.50	0.50	v.mp4
EOF
t_ok "aggregated (TSV)" mz-labels convert -q -e agg.csv -o agg.mzs agg.tsv
t_is "aggregated: events (POINT rows one frame; NA stop)" \
",o1,,,scene,click,1,point,0.04,0.04,1,1
,o1,rat,,individual,groom,2,state,0.5,1.02,12,25
,o1,rat,,individual,groom,2,state,1,1.5,25,37
,o1,rat,,individual,rear,3,point,2,2,50,50" "$(ev agg.csv)"
t_is "aggregated: 100 frames (3.96 s at 25 fps)" "100" \
    "$(q -i rat agg.mzs | wc -l | tr -d ' ')"
t_ok "aggregated: two groom bouts sharing frame 25 are no overlap warning" sh -c \
    'mz-labels convert -o /dev/null agg.tsv 2> agg.err && test ! -s agg.err'
tr '\t' ',' < agg.tsv > agg.csv.in
t_ok "aggregated (CSV), -F" mz-labels convert -q -F boris-aggregated \
    -e aggc.csv -o aggc.mzs agg.csv.in
t_is "aggregated: CSV and TSV agree" "$(ev agg.csv)" "$(ev aggc.csv)"

# --------------------------------------------------------- CalMS21
cat > calms.json <<'EOF'
{"annotator-id_0": {
  "task1/train/seq1": {"keypoints": [], "annotations": [3, 3, 1, 1, 1, 0, 0, 3],
    "metadata": {"vocab": {"attack": 0, "investigation": 1, "mount": 2, "other": 3}, "fps": 30}},
  "task1/train/seq2": {"annotations": [[2, 0], [2, 1], [0, 1]],
    "metadata": {"vocab": {"attack": 0, "investigation": 1, "mount": 2, "other": 3}, "fps": 30}}}}
EOF
t_ok "CalMS21" mz-labels convert -e cal.csv -o cal.mzs calms.json
t_is "CalMS21: the label map from the vocabulary, shifted by one" \
    "id,name
0,none
1,attack
2,investigation
3,mount
4,other" "$(mz-labels map cal.mzs)"
t_is "CalMS21: runs as pair events, both directions" \
"annotator-id_0,task1/train/seq1,mouse0,mouse1,pair,attack,1,state,0.16666666666666666,0.2,5,6
annotator-id_0,task1/train/seq1,mouse0,mouse1,pair,investigation,2,state,0.06666666666666667,0.13333333333333333,2,4
annotator-id_0,task1/train/seq1,mouse0,mouse1,pair,other,4,state,0,0.03333333333333333,0,1
annotator-id_0,task1/train/seq1,mouse0,mouse1,pair,other,4,state,0.23333333333333334,0.23333333333333334,7,7
annotator-id_0,task1/train/seq2,mouse0,mouse1,pair,attack,1,state,0.06666666666666667,0.06666666666666667,2,2
annotator-id_0,task1/train/seq2,mouse0,mouse1,pair,mount,3,state,0,0.03333333333333333,0,1" \
    "$(ev cal.csv | grep ',mouse0,mouse1,')"
t_is "CalMS21: mirrored rows for mouse1" \
    "$(ev cal.csv | grep ',mouse0,mouse1,' | sed 's/,mouse0,mouse1,/,mouse1,mouse0,/' | sort)" \
    "$(ev cal.csv | grep ',mouse1,mouse0,')"
t_is "CalMS21: per frame, with the partner" \
    "4,mouse1 4,mouse1 2,mouse1 2,mouse1 2,mouse1 1,mouse1 1,mouse1 4,mouse1" \
    "$(q -i mouse0 cal.mzs | grep seq1 | cut -d, -f6,8 | tr '\n' ' ' |
    sed 's/ $//')"
t_is "CalMS21: both mice get the pair's labels" \
    "$(q -i mouse0 cal.mzs | cut -d, -f4,6)" "$(q -i mouse1 cal.mzs |
    cut -d, -f4,6)"
printf '{"chase": 1, "rest": 0}\n' > vocab.json
printf '{"g": {"s": {"annotations": [[1, 1], [1, 0], [0, 1]], "metadata": {"fps": 30}}}}\n' > calms2.json
t_ok "CalMS21 with --vocabulary and --individuals" mz-labels convert \
    --vocabulary vocab.json --individuals res,intr -e cal2.csv \
    -o cal2.mzs calms2.json
t_is "CalMS21: ids follow the vocabulary's values, not the names" "id,name
0,none
1,rest
2,chase" "$(mz-labels map cal2.mzs)"
t_is "CalMS21: values 1 1 0 are chase chase rest (first column)" "2 2 1" \
    "$(q -i res cal2.mzs | cut -d, -f6 | tr '\n' ' ' | sed 's/ $//')"
t_is "CalMS21: --individuals names the mice" "intr res" \
    "$(sed 1d cal2.csv | cut -d, -f3 | sort -u | tr '\n' ' ' | sed 's/ $//')"
sed 's/"fps": 30//; s/, }/}/g' calms.json > nofps.json
t_fails "CalMS21 without fps" 1 "nofps\\.json: 'task1/train/seq1': no fps in the file: give --fps" \
    mz-labels convert -o never.mzs nofps.json
printf '{"g": {"s": {"annotations": [0, 7], "metadata": {"fps": 30}}}}\n' > bad7.json
t_fails "CalMS21: a value outside the vocabulary" 1 \
    'bad7\.json: g/s: annotations\[1\]: 7 is not in the vocabulary' \
    mz-labels convert -o never.mzs bad7.json
printf '{"g": {"s": {"annotations": [0, 1.5], "metadata": {"fps": 30}}}}\n' > badf.json
t_fails "CalMS21: a fractional value" 1 \
    'badf\.json: g/s: annotations\[1\]: not an integer' \
    mz-labels convert -o never.mzs badf.json
printf '{"g": {"s": {"annotations": [0, \n1,]}}}\n' > badj.json
t_fails "CalMS21: invalid JSON names the line" 1 'badj\.json: line 2: invalid JSON' \
    mz-labels convert -o never.mzs badj.json

# --------------------------------------------------------- intervals
cat > iv.txt <<'EOF'
# hand-scored, fps stated in a comment
# fps: 10
0.00 0.25 groom mouse0
0.2  0.5  attack mouse0 mouse1   # a pair
1.0  1.0  jump
0.99 0.99 blink mouse1
EOF
t_ok "intervals" mz-labels convert -q -e iv.csv -o iv.mzs iv.txt
# By hand, at 10 fps: groom 0..int(2.5)=2, attack 2..5 (wins frame 2:
# later onset), jump frame 10 (the scene), blink frame int(9.9)=9.
t_is "intervals: events" \
",iv,,,scene,jump,4,point,1,1,10,10
,iv,mouse0,,individual,groom,3,state,0,0.25,0,2
,iv,mouse0,mouse1,pair,attack,1,state,0.2,0.5,2,5
,iv,mouse1,,individual,blink,2,point,0.99,0.99,9,9
,iv,mouse1,mouse0,pair,attack,1,state,0.2,0.5,2,5" "$(ev iv.csv)"
t_is "intervals: mouse0 per frame" "3 3 1 1 1 1 0 0 0 0 0" \
    "$(q -i mouse0 iv.mzs | cut -d, -f6 | tr '\n' ' ' | sed 's/ $//')"
t_is "intervals: mouse1 per frame, partner" \
    "0, 0, 1,mouse0 1,mouse0 1,mouse0 1,mouse0 0, 0, 0, 2, 0," \
    "$(q -i mouse1 iv.mzs | cut -d, -f6,8 | tr '\n' ' ' | sed 's/ $//')"
t_is "intervals: the scene part" "10,4,jump" \
    "$(q -i scene iv.mzs | awk -F, '$6 != 0' | cut -d, -f4,6,7)"
t_is "intervals: times are frame / fps" "0.3" \
    "$(q -i mouse0 -n 3 iv.mzs | cut -d, -f5)"
printf 'onset\toffset\tlabel\tindividual\n0.0\t0.1\tlong name, with comma\tm\n' > iv.tsv
t_ok "intervals (TSV with a header)" mz-labels convert -q --fps 10 \
    -e ivt.csv -o ivt.mzs iv.tsv
t_is "intervals (TSV): a label with spaces and a comma" \
    ',iv,m,,individual,"long name, with comma",1,state,0,0.1,0,1' \
    "$(sed 1d ivt.csv | sed 's/,[^,]*$//')"
printf 'start,stop,behaviour\n0,0.3,a\n0.3,0.6,b\n' > ivc.csv
t_ok "intervals (CSV with a header), --frames, --group, --sequence" \
    mz-labels convert -q -F intervals --fps 10 --frames 5 --group G \
    --sequence S -e ivc.ev -o ivc.mzs ivc.csv
t_is "--frames 5: b cut at frame 4" "G,S,scene,0,0,1,a, G,S,scene,1,0.1,1,a, G,S,scene,2,0.2,1,a, G,S,scene,3,0.3,2,b, G,S,scene,4,0.4,2,b," \
    "$(q ivc.mzs | tr '\n' ' ' | sed 's/ $//')"
t_ok "--frames: the warning" sh -c \
    'mz-labels convert --fps 10 --frames 5 -o /dev/null ivc.csv 2>&1 |
    grep -q "1 events cut at the last frame"'
t_ok "--labels fixes the map" mz-labels convert -q --fps 10 \
    --labels b,a,c -o ivl.mzs ivc.csv
t_is "--labels: ids in the order given" "id,name
0,none
1,b
2,a
3,c" "$(mz-labels map ivl.mzs)"
t_ok "--no-scene" mz-labels convert -q --no-scene -o ivn.mzs iv.txt
t_is "--no-scene: only the individuals' parts" "mouse0 mouse1" \
    "$(q ivn.mzs | cut -d, -f3 | sort -u | tr '\n' ' ' | sed 's/ $//')"

# ------------------------------------------------------ metadata
mz-info -j iv.mzs > iv.json
t_like "metadata: the label map" '"label_map":\{"0":"none","1":"attack","2":"blink","3":"groom","4":"jump"\}' \
    "$(cat iv.json)"
t_like "metadata: levels on the label column" \
    '"name":"label","type":"i32","unit":null,"levels":\{"0":"none","1":"attack"' \
    "$(cat iv.json)"
t_like "metadata: fps, individuals, target" \
    '"individual":"mouse0","label_target":"individual","individual_id":0,"individuals":\["mouse0","mouse1"\],"fps":10' \
    "$(cat iv.json)"
t_like "metadata: scene target id -1" \
    '"individual":"scene","label_target":"scene","individual_id":-1' \
    "$(cat iv.json)"

# ------------------------------------------------- round trip to mz-eval
# The prediction: the labels of mouse0 and mouse1, with frame 3 of each
# called groom (3).  Truth attack 8 frames, groom 2, blink 1; predicted
# attack 6 (all right), groom 4 (2 right), blink 1 (right).  attack P 1
# R 0.75 F1 6/7; groom P 0.5 R 1 F1 2/3; blink 1; none 11 frames right.
q iv.mzs | awk -F, '$3 != "scene" { p = $6; if ($4 == 3) p = 3;
    print $2 "," $3 "," $4 "," p }' | sed '1i sequence,individual,frame,prediction' > pred.csv
mz-cat --from csv --split sequence,individual -t frame:i64,prediction:i32 \
    -o pred.mzs pred.csv 2>/dev/null
t_ok "mz-eval reads the labels (--no-scene) against a prediction" sh -c \
    'mz-eval --confusion ivn.mzs pred.mzs > eval.csv'
t_is "mz-eval: F1 per class (hand-worked)" \
    "attack,0.8571428571428571 blink,1 groom,0.6666666666666666 none,1" \
    "$(awk -F, '$4 == "frame" && $7 == "f1" && $5 !~ /avg/ { print $5 "," $8 }' eval.csv |
    sort | tr '\n' ' ' | sed 's/ $//')"
t_is "mz-eval: accuracy 20/22" "0.9090909090909091" \
    "$(awk -F, '$7 == "accuracy" { print $8 }' eval.csv)"
t_is "mz-eval: attack called groom twice" "2" \
    "$(awk -F, '$4 == "confusion" && $5 == "attack" && $7 == "groom" { print $8 }' eval.csv)"
t_ok "mz-eval --cluster on labels" sh -c \
    'mz-eval --cluster ivn.mzs pred.mzs > clu.csv'
t_is "mz-eval --cluster: purity 20/22" "0.9090909090909091" \
    "$(awk -F, '$4 == "cluster" && $7 == "purity" { print $8 }' clu.csv)"

# A BORIS aggregated export written from mz-simulate's true states (bout
# times at frame centres, so int(t * fps) gives the bout's frames back):
# the labels must be the states, one to one (NMI 1, purity 1).
if [ -x "$B/bin/mz-simulate" ] && [ -x "$B/bin/mz-select" ]; then
	mz-simulate -q -s 2 -n 400 --seed 3 -o sim.mzs
	mz-select -c frame,state sim.mzs | mz-cat --csv --part-columns |
	    awk -F, '
	    NR == 1 { print "Observation id,Subject,Behavior,Behavior type,Start (s),Stop (s),FPS"; next }
	    function bout() { if (s != "") printf "%s,%s,state%s,STATE,%.4f,%.4f,30\n", q, a, s, (f0 + 0.5) / 30, (f1 + 0.5) / 30 }
	    $2 != q || $5 != s { bout(); q = $2; a = $3; s = $5; f0 = $4 }
	    { f1 = $4 }
	    END { bout() }' > simboris.csv
	t_ok "simulated states as a BORIS export" mz-labels convert -q \
	    --group sim --frames 400 --no-scene -o simlab.mzs simboris.csv
	t_is "simulated: labels and true states agree one to one" \
	    "nmi,1 purity,1" "$(mz-eval --cluster -t state -p label sim.mzs simlab.mzs |
	    awk -F, '$4 == "cluster" && ($7 == "nmi" || $7 == "purity") { print $7 "," $8 }' |
	    tr '\n' ' ' | sed 's/ $//')"
else
	echo "# mz-simulate or mz-select not built: simulated round trip skipped"
fi

# ------------------------------------------------------------ queries
t_is "query: header" "group,sequence,individual,frame,time,label,name,partner" \
    "$(mz-labels query -n 0 iv.mzs | head -1)"
t_is "query -n: every part at that frame" ",iv,mouse0,2,0.2,1,attack,mouse1
,iv,mouse1,2,0.2,1,attack,mouse0
,iv,scene,2,0.2,0,none," "$(q -n 2 iv.mzs)"
t_is "query from standard input" "$(q -n 2 iv.mzs)" "$(q -n 2 < iv.mzs)"
t_is "query -i unknown: nothing" "" "$(q -i nobody iv.mzs)"
t_fails "query: not a label stream" 1 'part 0: not a label stream' \
    sh -c 'mzgen -s 1 -i 1 -n 5 | mz-labels query'
t_fails "map: not a label stream" 1 'part 0: not a label stream' \
    sh -c 'mzgen -s 1 -i 1 -n 5 | mz-labels map'
t_fails "query: -n and -r" 2 'exclude each other' mz-labels query -n 1 -r 1:2 iv.mzs
t_fails "query: bad range" 2 "bad range '5:2'" mz-labels query -r 5:2 iv.mzs
t_fails "query: bad range syntax" 2 "bad range '5'" mz-labels query -r 5 iv.mzs
t_fails "map: differing maps" 1 'part 3: a different label map from part 0' \
    sh -c 'cat iv.mzs ivl.mzs | mz-labels map'

# ------------------------------------------------------------ id-tags
printf 'group,sequence,focal_id\ng1,s1,2\ng1,s2,\ng2,s1,10\n' > focal.csv
t_ok "id-tags focal" mz-labels id-tags -m focal --ids 1,2,10 -o focal.json focal.csv
t_is "id-tags focal: booleans for every id, ids sorted as text" \
    '{"label_format":"id_tags_v1","mode":"focal","entries":[{"group":"g1","sequence":"s1","ids":["1","10","2"],"fields":{"focal":[false,false,true]}},{"group":"g1","sequence":"s2","ids":["1","10","2"],"fields":{"focal":[false,false,false]}},{"group":"g2","sequence":"s1","ids":["1","10","2"],"fields":{"focal":[false,true,false]}}]}' \
    "$(tr -d ' \t\n' < focal.json)"
printf 'group,sequence,id,strain\ng,s,b,wt\ng,s,a,ko\n' > cat.csv
t_ok "id-tags category" mz-labels id-tags -m category --category-column strain \
    --ids a,b,c -o cat.json cat.csv
t_is "id-tags category: null for ids without a row" \
    '{"label_format":"id_tags_v1","mode":"category","entries":[{"group":"g","sequence":"s","ids":["a","b","c"],"fields":{"strain":["ko","wt",null]}}]}' \
    "$(tr -d ' \t\n' < cat.json)"
printf 'group,sequence,id,sex,age\ng,s,x,f,3\ng,s,y,m,\n' > multi.csv
t_ok "id-tags multi (fields from the header)" mz-labels id-tags -m multi multi.csv
t_is "id-tags multi: fields sorted" \
    '{"label_format":"id_tags_v1","mode":"multi","entries":[{"group":"g","sequence":"s","ids":["x","y"],"fields":{"age":["3",null],"sex":["f","m"]}}]}' \
    "$(tr -d ' \t\n' < "$T/.out")"
t_ok "id-tags multi --fields" sh -c 'mz-labels id-tags -m multi --fields sex multi.csv > m2.json'
t_like "id-tags multi --fields: only sex" '"fields":\{"sex":\["f","m"\]\}' \
    "$(tr -d ' \t\n' < m2.json)"
t_fails "id-tags focal without --ids" 2 'needs --ids' \
    mz-labels id-tags -m focal focal.csv
t_fails "id-tags focal: an id outside --ids" 1 "focal\\.csv: line 4: focal id '10' is not in --ids" \
    mz-labels id-tags -m focal --ids 1,2 -o never.json focal.csv
printf 'group,sequence,focal_id\ng,s,1\ng,s,2\n' > focal2.csv
t_fails "id-tags focal: two focal ids" 1 'focal2\.csv: line 3: a second focal id for g/s' \
    mz-labels id-tags -m focal --ids 1,2 -o never.json focal2.csv
t_fails "id-tags: a missing column" 1 "multi\\.csv: line 1: no column 'weight'" \
    mz-labels id-tags -m multi --fields weight -o never.json multi.csv
t_fails "id-tags: no group column" 1 'line 1: no group and sequence columns' \
    sh -c 'printf "id,x\n1,2\n" > nog.csv; mz-labels id-tags -m multi -o never.json nog.csv'
t_fails "id-tags: bad mode" 2 "bad mode 'single'" mz-labels id-tags -m single cat.csv
t_fails "id-tags: no mode" 2 'mode is required' mz-labels id-tags cat.csv

# ------------------------------------------------------------ dataset
mkdir ds
printf 'name: demo\nversion: 0.1.0\nroots:\n  labels: lab\ndataset_type: discrete\n' > ds/dataset.yaml
t_ok "--dataset: labels/behavior/ENTRY.mzs" mz-labels convert -q --dataset ds \
    --group G iv.txt
t_ok "--dataset: the stream is there" test -s ds/lab/behavior/G__iv.mzs
t_is "--dataset: the stream is the one -o writes" "$(q iv.mzs | sed 's/^/G/')" \
    "$(q ds/lab/behavior/G__iv.mzs)"
t_is "--dataset: index.csv in mosaic's columns, then fps, source_format" \
    "kind,label_format,group,sequence,group_safe,sequence_safe,abs_path,source_abs_path,source_md5,n_frames,label_ids,label_names,fps,source_format
behavior,mz_labels_v1,G,iv,G,iv,lab/behavior/G__iv.mzs,$T/iv.txt,,11,\"0,1,2,3,4\",\"none,attack,blink,groom,jump\",10,intervals" \
    "$(cat ds/lab/behavior/index.csv)"
t_ok "--dataset again, with another file and kind" mz-labels convert -q \
    --dataset ds --group G --kind behavior --fps 10 iv.txt ivc.csv
t_is "--dataset: rows upserted by (group, sequence)" "G,iv G,ivc" \
    "$(sed 1d ds/lab/behavior/index.csv | cut -d, -f3,4 | tr '\n' ' ' |
    sed 's/ $//')"
t_ok "--kind" mz-labels convert -q --dataset ds --kind scored iv.txt
t_is "--kind: its own directory and index; no group: a bare entry key" \
    "lab/scored/iv.mzs" "$(sed 1d ds/lab/scored/index.csv | cut -d, -f7)"
t_ok "id-tags --dataset" mz-labels id-tags -m category --category-column strain --dataset ds cat.csv
t_is "id-tags --dataset: the index row" \
    'id_tags,id_tags_v1,g,s,g,s,lab/id_tags/g__s.json,,,2,"a,b",strain' \
    "$(sed 1d ds/lab/id_tags/index.csv)"
t_like "id-tags --dataset: the entry" '"ids":\["a","b"\],"fields":\{"strain":\["ko","wt"\]\}' \
    "$(tr -d ' \t\n' < ds/lab/id_tags/g__s.json)"
t_fails "--dataset: no manifest" 1 'nods' \
    mz-labels convert -q --dataset nods iv.txt
t_fails "--kind with a slash" 2 "bad kind 'a/b'" \
    mz-labels convert --dataset ds --kind a/b iv.txt

# ------------------------------------------------------------ bad rows
hdr='Time,Media file path,Total length,FPS,Subject,Behavior,Behavioral category,Comment,Status'
meta='Observation id,obs,,,,,,,'
badtab() {
	printf '%s\n%s\n%s\n' "$meta" "$hdr" "$1" > "$2"
}
badtab '1.0,v.mp4,10,25,a,s,,,STOP' stop.csv
t_fails "STOP without START" 1 "stop\\.csv: line 3: STOP of 's' for a without a START" \
    mz-labels convert -o never.mzs stop.csv
badtab '1.0,v.mp4,10,25,a,s,,,START
2.0,v.mp4,10,25,a,s,,,START' start2.csv
t_fails "START while started" 1 "start2\\.csv: line 4: START of 's' while the one at start2\\.csv: line 3 is not stopped" \
    mz-labels convert -o never.mzs start2.csv
badtab '-1.0,v.mp4,10,25,a,s,,,POINT' neg.csv
t_fails "negative time" 1 'neg\.csv: line 3: negative time -1\.0' \
    mz-labels convert -o never.mzs neg.csv
badtab 'x,v.mp4,10,25,a,s,,,POINT' nan.csv
t_fails "time not a number" 1 "nan\\.csv: line 3: time 'x' is not a number" \
    mz-labels convert -o never.mzs nan.csv
badtab '1.0,v.mp4,10,25,a,s,,,BEGIN' st.csv
t_fails "bad status" 1 "st\\.csv: line 3: status 'BEGIN' is not START, STOP or POINT" \
    mz-labels convert -o never.mzs st.csv
badtab '1.0,v.mp4,10,25,a,zz,,,POINT' unk.csv
t_fails "unknown behaviour (--labels)" 1 "unk\\.csv: line 3: unknown behaviour 'zz'" \
    mz-labels convert --labels s -o never.mzs unk.csv
t_fails "unknown individual (--individuals)" 1 "unk\\.csv: line 3: unknown individual 'a'" \
    mz-labels convert --individuals b -o never.mzs unk.csv
badtab '1.0,v.mp4,10,25,a,s,,,POINT,extra' wide.csv
t_fails "a row wider than the header" 1 'wide\.csv: line 3: 10 fields, the header has 9' \
    mz-labels convert -o never.mzs wide.csv
badtab '1.0,"v.mp4,10,25,a,s,,,POINT' quote.csv
t_fails "unterminated quote" 1 'quote\.csv: line 3: unterminated quoted field' \
    mz-labels convert -o never.mzs quote.csv
badtab '1.0,v.mp4,10,NA,a,s,,,POINT' nofps.csv
t_fails "no fps (NA) and no --fps" 1 "nofps\\.csv: 'obs': no fps in the file: give --fps" \
    mz-labels convert -o never.mzs nofps.csv
t_ok "... --fps supplies it" mz-labels convert --fps 30 -o /dev/null nofps.csv
badtab '1.0,v.mp4,10,25,a,s,,,START
2.0,v.mp4,10,25,b,s,,,START
3.0,v.mp4,10,25,a,s,,,STOP' open.csv
t_ok "START without STOP at the end: converted" sh -c \
    'mz-labels convert -e open.ev -o open.mzs open.csv 2> open.err'
t_like "... with a warning naming the line" "open\\.csv: line 4: START of 's' without a STOP: dropped" \
    "$(cat open.err)"
t_like "... and the count" '1 START events without a STOP dropped' "$(cat open.err)"
t_is "... the paired event kept" "1" "$(sed 1d open.ev | wc -l | tr -d ' ')"
t_ok "-q silences the warnings" sh -c \
    'mz-labels convert -q -o /dev/null open.csv 2> q.err && test ! -s q.err'
printf 'Observation id,Subject,Behavior,Start (s),Stop (s)\no,a,s,2.0,1.0\n' > rev.csv
t_fails "aggregated: stop before start" 1 'rev\.csv: line 2: stop 1 before start 2' \
    mz-labels convert --fps 10 -o never.mzs rev.csv
printf '0 1\n' > short.txt
t_fails "intervals: too few fields" 1 'short\.txt: line 1: 2 fields' \
    mz-labels convert --fps 10 -o never.mzs short.txt
printf '1 0.5 x\n' > back.txt
t_fails "intervals: offset before onset" 1 'back\.txt: line 1: offset 0\.5 before onset 1' \
    mz-labels convert --fps 10 -o never.mzs back.txt
printf '0 1 x a a\n' > self.txt
t_fails "intervals: a pair of one individual" 1 'self\.txt: line 1: a pair needs two different individuals' \
    mz-labels convert --fps 10 -o never.mzs self.txt
printf '0 1 x\n' > nofps.txt
t_fails "intervals: no fps" 1 "nofps\\.txt: 'nofps': no fps in the file" \
    mz-labels convert -o never.mzs nofps.txt
printf '# fps: -3\n' > badfps.txt
t_fails "intervals: a bad fps comment" 1 "badfps\\.txt: line 1: bad fps" \
    mz-labels convert -o never.mzs badfps.txt
printf '0 1 x scene\n' > scene.txt
t_fails "intervals: 'scene' is reserved" 1 "scene\\.txt: line 1: 'scene' is reserved" \
    mz-labels convert --fps 10 -o never.mzs scene.txt
printf 'a,b\n1,2\n' > notboris.csv
t_fails "-F boris-tabular on another table" 1 'notboris\.csv: no header line with Subject and Behavior' \
    mz-labels convert -F boris-tabular -o never.mzs notboris.csv
t_fails "a missing input" 1 'nothere\.csv: No such file' \
    mz-labels convert -o never.mzs nothere.csv
t_fails "bad rows leave no event table" 1 'STOP of' \
    mz-labels convert -e never.csv -o never.mzs stop.csv
t_ok "failed runs left no output" test ! -e never.mzs -a ! -e never.csv -a ! -e never.json
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never')"

# ------------------------------------------------------------ usage
t_fails "no command" 2 'a command is required' mz-labels
t_fails "unknown command" 2 "unknown command 'frobnicate'" mz-labels frobnicate
t_fails "convert: no input" 2 'convert: no input file' mz-labels convert -o x.mzs
t_fails "convert: bad format" 2 "bad format 'xml'" mz-labels convert -F xml iv.txt
t_fails "convert: bad fps" 2 "bad fps '0'" mz-labels convert --fps 0 iv.txt
t_fails "convert: bad frame count" 2 "bad frame count '-1'" mz-labels convert --frames -1 iv.txt
t_fails "convert: 'none' in --labels" 2 "'none' is label 0" mz-labels convert --labels none,a iv.txt
t_fails "convert: a name twice" 2 "'a' twice" mz-labels convert --labels a,a iv.txt
t_fails "convert: --sequence with two sequences" 2 "--sequence names one sequence, but the input has more \\('iv', 'ivc'\\)" \
    mz-labels convert --sequence x -o never.mzs iv.txt ivc.csv
t_fails "convert: -o and --dataset" 2 'exclude each other' \
    mz-labels convert -o x.mzs --dataset d iv.txt
t_fails "convert -o /dev/full" 1 '/dev/full' mz-labels convert -q -o /dev/full iv.txt
if command -v script > /dev/null 2>&1; then
	t_fails "convert refuses a terminal" 1 'refusing to write a binary stream to a terminal' \
	    sh -c 'script -qec "mz-labels convert -q iv.txt" /dev/null > tty.txt 2>&1;
	        s=$?; cat tty.txt >&2; exit $s'
fi
t_ok "--help" mz-labels --help
t_like "--help: the synopsis" '^usage: mz-labels convert ' "$(cat "$T/.out")"
t_ok "convert --help" mz-labels convert --help
t_ok "--version" mz-labels --version
t_is "--version prints the version" "mz-labels 0.1.0" "$(cat "$T/.out")"
t_done
