#!/bin/sh
# tests: mz-ls
# requires: nothing else (the indexes are written here, as mosaic and
# mz-index write them); $PY (pandas) for the comparisons with mosaic's
# query_sequences, get_sequence_metadata and parse_hierarchy.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/tracks ds/media ds/tracks_raw
cat > ds/dataset.yaml <<'EOF'
name: fishes
version: 0.1.0
roots:
  media: media
  tracks_raw: tracks_raw
  tracks: tracks
dataset_type: discrete
EOF
# A tracks index as pandas writes it: an empty group is NaN, a name with
# a comma quoted.
cat > ds/tracks/index.csv <<'EOF'
group,sequence,group_safe,sequence_safe,collection,collection_safe,abs_path,std_format,source_abs_path,source_md5,n_rows
fish1,speed_3__loop_1,fish1,speed_3__loop_1,,,tracks/fish1__speed_3__loop_1.mzs,mzs,/raw/a.csv,,100
fish1,speed_5__loop_2,fish1,speed_5__loop_2,,,tracks/fish1__speed_5__loop_2.mzs,mzs,/raw/b.csv,,100
fish2,speed_3__loop_1,fish2,speed_3__loop_1,,,tracks/fish2__speed_3__loop_1.mzs,mzs,/raw/c.csv,,90
exp_A__arena_1,day_015__hour_14,exp_A__arena_1,day_015__hour_14,,,x.mzs,mzs,/raw/d.csv,,10
,solo,,solo,,,tracks/solo.mzs,mzs,/raw/e.csv,,5
fish2,"odd, name",fish2,odd%2C%20name,,,tracks/fish2__odd%2C%20name.mzs,mzs,/raw/f.csv,,1
EOF

t_is "default: group and sequence of every row, in index order" \
    'group,sequence
fish1,speed_3__loop_1
fish1,speed_5__loop_2
fish2,speed_3__loop_1
exp_A__arena_1,day_015__hour_14
,solo
fish2,"odd, name"' "$(mz-ls -d ds)"
t_is "-G: distinct groups, sorted (the empty one first)" '
exp_A__arena_1
fish1
fish2' "$(mz-ls -d ds -G)"
t_is "-S: distinct sequences, sorted" 'day_015__hour_14
odd, name
solo
speed_3__loop_1
speed_5__loop_2' "$(mz-ls -d ds -S)"
t_is "-S -g: the sequences of one group" 'speed_3__loop_1
speed_5__loop_2' "$(mz-ls -d ds/dataset.yaml -S -g fish1)"
t_is "-s: one sequence" 'group,sequence
fish1,speed_3__loop_1
fish2,speed_3__loop_1' "$(mz-ls -d ds -s speed_3__loop_1)"
t_is "--group-startswith and --sequence-endswith together" 'group,sequence
fish1,speed_3__loop_1' \
    "$(mz-ls -d ds --group-startswith fish1 --sequence-endswith loop_1)"
t_is "--sequence-contains: plain text (a dot is a dot)" 'group,sequence' \
    "$(mz-ls -d ds --sequence-contains 'speed.3')"
t_is "--group-contains, --group-endswith, --sequence-startswith" 'group,sequence
fish2,speed_3__loop_1' \
    "$(mz-ls -d ds --group-contains sh --group-endswith 2 --sequence-startswith speed)"
t_is "-G with a filter" 'fish1
fish2' "$(mz-ls -d ds -G --sequence-contains loop)"

t_is "-l: every column, cells as stored" \
    "$(cat ds/tracks/index.csv)" "$(mz-ls -d ds -l)"
t_is "-L: levels from group then sequence; missing levels empty" \
    'group,sequence,fish,speed,loop
fish1,speed_3__loop_1,fish1,speed_3,loop_1
fish1,speed_5__loop_2,fish1,speed_5,loop_2
fish2,speed_3__loop_1,fish2,speed_3,loop_1
exp_A__arena_1,day_015__hour_14,exp_A,arena_1,day_015
,solo,solo,,
fish2,"odd, name",fish2,"odd, name",' "$(mz-ls -d ds -L fish,speed,loop)"
t_is "-L --separator: split as str.split (empty parts kept)" 'group,sequence,a,b,c
exp_A__arena_1,day_015__hour_14,exp,A,' \
    "$(mz-ls -d ds -L a,b,c --separator _ -g exp_A__arena_1)"
t_is "-t: TSV, no quoting" "group	sequence	n
fish2	odd, name	fish2" "$(mz-ls -d ds -t -L n -s 'odd, name')"

if [ -n "$PY" ]; then
	cat > ref.py <<'EOF'
# mosaic's query_sequences / get_sequence_metadata / parse_hierarchy
# (d531c9f), restated, over the index: the reference for mz-ls.
import sys, pandas as pd, io
def parse_compound_name(name, sep):
    return name.split(sep) if name else []
def parse_hierarchy(g, s, levels, sep):
    parts = parse_compound_name(g, sep) + parse_compound_name(s, sep)
    return {n: (parts[i] if i < len(parts) else None) for i, n in enumerate(levels)}
df = pd.read_csv(sys.argv[1])
df["group"] = df["group"].fillna("")
df["sequence"] = df["sequence"].fillna("")
kind = sys.argv[2]
if kind == "query":
    f = dict(a.split("=", 1) for a in sys.argv[3:])
    m = pd.Series([True] * len(df))
    for k, v in f.items():
        col, op = k.split("_")
        s = df["group" if col == "group" else "sequence"]
        m &= getattr(s.str, op)(v, **({"regex": False} if op == "contains" else {}))
    out = df[m][["group", "sequence"]]
else:
    levels = sys.argv[3].split(",")
    p = pd.DataFrame([parse_hierarchy(r["group"], r["sequence"], levels, "__") for _, r in df.iterrows()])
    out = pd.concat([df[["group", "sequence"]], p], axis=1)
b = io.StringIO()
out.to_csv(b, index=False)
print(b.getvalue(), end="")
EOF
	t_is "like mosaic's query_sequences (startswith, contains)" \
	    "$("$PY" ref.py ds/tracks/index.csv query group_startswith=fish sequence_contains=loop_1)" \
	    "$(mz-ls -d ds --group-startswith fish --sequence-contains loop_1)"
	t_is "like mosaic's query_sequences (endswith)" \
	    "$("$PY" ref.py ds/tracks/index.csv query group_endswith=1 sequence_endswith=2)" \
	    "$(mz-ls -d ds --group-endswith 1 --sequence-endswith 2)"
	t_is "like mosaic's get_sequence_metadata(level_names)" \
	    "$("$PY" ref.py ds/tracks/index.csv levels exp,arena,day,hour)" \
	    "$(mz-ls -d ds -L exp,arena,day,hour)"
	t_is "pandas reads -l's output as it reads the index" "True" \
	    "$(mz-ls -d ds -l > l.csv && "$PY" -c 'import pandas as pd, sys
print(pd.read_csv(sys.argv[1]).equals(pd.read_csv(sys.argv[2])))' l.csv ds/tracks/index.csv)"
else
	echo "# mosaic comparisons skipped: no python3 with pandas"
fi

# -i: other indexes.
printf 'group,sequence,abs_path,src_format,size_bytes,mtime_iso,md5\ng,s,/raw/a.csv,auto,1,x,\n' \
    > ds/tracks_raw/index.csv
t_is "-i tracks_raw" 'group,sequence
g,s' "$(mz-ls -d ds -i tracks_raw)"

# -m: videos of sequences.
VDIR=$(cd ds && pwd)
cat > ds/media/index.csv <<EOF
name,group,sequence,group_safe,sequence_safe,abs_path,size_bytes,mtime_iso,width,height,fps,codec,media_type,video_order
fish1_s3_b.mp4,fish1,speed_3__loop_1,fish1,speed_3__loop_1,media/v/fish1_s3_b.mp4,1,x,64,48,25.0,h264,video,1
fish1_s3_a.mp4,fish1,speed_3__loop_1,fish1,speed_3__loop_1,/abs/fish1_s3_a.mp4,1,x,64,48,25.0,h264,video,0
other.mp4,zzz,zzz,x%20y,speed_5__loop_2,/abs/other.mp4,1,x,64,48,25.0,h264,video,0
Recording_SOLO_cam1.avi,,Recording_SOLO_cam1,,Recording_SOLO_cam1,/abs/Recording_SOLO_cam1.avi,1,x,,,,,video,0
EOF
t_is "-m: by group and sequence, in video_order; relative paths resolved" \
    "/abs/fish1_s3_a.mp4
$VDIR/media/v/fish1_s3_b.mp4" "$(mz-ls -d ds -m -g fish1 -s speed_3__loop_1)"
t_fails "-m: a sequence without a video: the others listed, then an error" 1 \
    "no video for group 'fish2', sequence 'speed_3__loop_1'" \
    sh -c 'mz-ls -d ds -m -g fish2 -s speed_3__loop_1'
t_is "-m: the safe names as a fallback, the name fallback last" \
    "/abs/Recording_SOLO_cam1.avi" "$(mz-ls -d ds -m -s solo)"
out=$(mz-ls -d ds -m --group-startswith fish1 2> "$T/err"); st=$?
t_is "-m over several sequences: each once; the missing one is an error" \
    "1|/abs/fish1_s3_a.mp4
$VDIR/media/v/fish1_s3_b.mp4" "$st|$out"
t_like "... naming it" "sequence 'speed_5__loop_2'" "$(cat "$T/err")"

# ------------------------------------------------------------ bad input
t_fails "modes are exclusive" 2 '-G, -S, -l and -m are exclusive' mz-ls -d ds -G -S
t_fails "-i: not a root" 2 "-i: 'videos' is not a root" mz-ls -d ds -i videos
t_fails "-L with -G" 2 '--levels adds columns' mz-ls -d ds -G -L a
t_fails "-L: an empty name" 2 'empty name' mz-ls -d ds -L a,,b
t_fails "-L: a name twice" 2 "'a' twice" mz-ls -d ds -L a,a
t_fails "-L: a level named like a column" 1 "'group' is already a column" \
    mz-ls -d ds -L group
t_fails "--separator: empty" 2 'must not be empty' mz-ls -d ds --separator ''
t_fails "-t with -S" 2 '-t chooses the table format' mz-ls -d ds -t -S
t_fails "an operand" 2 "unexpected argument 'x'" mz-ls -d ds x
t_fails "no manifest" 1 'no dataset.yaml' mz-ls -d ds/tracks
mkdir -p d2 && sed 's/  media: media/  media: m2/' ds/dataset.yaml > d2/dataset.yaml
t_fails "no index yet" 1 'tracks/index.csv: no index yet' mz-ls -d d2
mkdir -p d2/tracks d2/m2 && printf 'group,sequence\n"a,b\n' > d2/tracks/index.csv
t_fails "a damaged index" 1 'tracks/index.csv: line 2' mz-ls -d d2
printf 'group,sequence\ng,s\n' > d2/tracks/index.csv
t_fails "-m without a media index" 1 'm2/index.csv.*mz-index media' mz-ls -d d2 -m
printf 'a,b\n1,2\n' > d2/tracks/index.csv
t_fails "an index without a sequence column" 1 "no 'sequence' column" mz-ls -d d2
t_ok "... which -l still lists" mz-ls -d d2 -l
t_fails "a write error" 1 'mz-ls: .*(No space|write)' sh -c 'mz-ls -d ds -l > /dev/full'
t_done
