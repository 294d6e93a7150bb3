#!/bin/sh
# tests: mz-dataset (and tools/dataset.c: manifest, index.csv, locks,
# safe names, path maps)
# requires: python3 with pandas for the reference comparisons
# (tests/cli/dataset-ref.py; skipped with a message without it)
. "$(dirname "$0")/lib.sh"

REF="$TOP/tests/cli/dataset-ref.py"
HAVE_PD=
[ -n "$PY" ] && "$PY" -c 'import pandas' 2>/dev/null && HAVE_PD=1
HAVE_YAML=
[ -n "$PY" ] && "$PY" -c 'import yaml' 2>/dev/null && HAVE_YAML=1
ref() { "$PY" "$REF" "$@"; }
# allfiles DIR: a checksum of the names and contents of the files in DIR.
allfiles() {
	(cd "$1" && find . -type f ! -name '*.lock' | sort |
	    while IFS= read -r f; do echo "$f"; cat "$f"; done | cksum)
}
sum() { cksum < "$1"; }

# ---------------------------------------------------------------- init, show

t_ok "init writes a YAML manifest" mz-dataset init --name demo ds
for r in media_raw media tracks_raw tracks features labels models \
    media/frames; do
	[ -d "ds/$r" ] || echo "missing $r" >> missing
done
t_is "init creates every default root" "" "$(cat missing 2>/dev/null)"
t_is "show: name, version, type" "demo 0.1.0 discrete" \
    "$(mz-dataset show ds | awk -F'\t' '$1=="name"||$1=="version"||
        $1=="dataset_type" { printf "%s%s", s, $2; s=" " }')"
t_is "get-root: frames defaults to media/frames" "$T/ds/media/frames" \
    "$(mz-dataset get-root ds frames)"
t_is "get-root accepts the manifest file itself" "$T/ds/tracks" \
    "$(mz-dataset get-root ds/dataset.yaml tracks)"
if [ -n "$HAVE_YAML" ]; then
	t_is "PyYAML reads the manifest: keys, roots, types" \
	    'demo|0.1.0|discrete|group/sequence|True|media/frames|8' \
	    "$("$PY" -c 'import yaml,sys
d = yaml.safe_load(open(sys.argv[1]))
print("|".join(map(str, [d["name"], d["version"], d["dataset_type"],
    d["index_format"], isinstance(d["created_at"], str),
    d["roots"]["frames"], len(d["roots"])])))' ds/dataset.yaml)"
else
	echo "# skip: PyYAML absent, manifest not checked with PyYAML"
fi
t_fails "init refuses an existing manifest" 1 "already there" \
    mz-dataset init ds
uuid=$(grep '^uuid:' ds/dataset.yaml)
t_ok "init -f replaces it" mz-dataset init -f --name demo2 --version 1.0 ds
t_like "a new uuid" '^uuid: ' "$(grep '^uuid:' ds/dataset.yaml)"
t_is "a version that looks like a number stays text" "1.0" \
    "$(mz-dataset show ds | awk -F'\t' '$1=="version" { print $2 }')"
t_like "  ... quoted in the YAML" "^version: '1.0'" "$(cat ds/dataset.yaml)"
[ "$uuid" != "$(grep '^uuid:' ds/dataset.yaml)" ]
t_is "  ... with a different uuid" 0 $?

t_ok "init --json, continuous" mz-dataset init --json --type continuous \
    --segment-duration 1H --time-column timestamp --name dj \
    --root tracks=std --root media_raw=/nonexistent-mz/videos-x dj
t_is "JSON manifest found in the directory" "$T/dj/dataset.json" \
    "$(mz-dataset show dj | awk -F'\t' '$1=="manifest" { print $2 }')"
t_is "show: continuous fields" "continuous 1H timestamp" \
    "$(mz-dataset show dj | awk -F'\t' '$1=="dataset_type"||
        $1=="segment_duration"||$1=="time_column" { printf "%s%s", s, $2;
        s=" " }')"
t_is "--root sets a root" "$T/dj/std" "$(mz-dataset get-root dj tracks)"
rm -rf /nonexistent-mz
if [ -n "$PY" ]; then
	t_is "python's json reads it; 2-space indent" \
	    'dj continuous 1H std   "name": "dj",' \
	    "$("$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["name"], d["dataset_type"], d["segment_duration"], d["roots"]["tracks"], end=" ")' dj/dataset.json; sed -n 2p dj/dataset.json)"
fi
t_fails "init: --segment-duration needs continuous" 2 "continuous" \
    mz-dataset init --segment-duration 1H x1
t_fails "init: bad --type" 2 "discrete or continuous" \
    mz-dataset init --type weekly x2
t_fails "init: unknown --root name" 2 "unknown root \"videos\"" \
    mz-dataset init --root videos=v x3
t_is "failed inits left nothing" "" "$(ls -d x1 x2 x3 2>/dev/null)"
t_fails "no command" 2 "no command" mz-dataset
t_fails "unknown command" 2 "unknown command \"frob\"" mz-dataset frob ds

# ------------------------------------------------------- set-root round trips

for fmt in yaml json; do
	d=rt-$fmt
	if [ $fmt = json ]; then mz-dataset init --json $d; else
		mz-dataset init $d; fi
	m=$(ls $d/dataset.*)
	before=$(grep -v -e media_raw -e '"tracks"' -e '^  tracks:' $m)
	t_ok "$fmt: set-root relative" mz-dataset set-root $d tracks std/v2
	t_ok "$fmt: set-root absolute" mz-dataset set-root $d media_raw \
	    "$T/videos-$fmt"
	t_is "$fmt: the directories exist" "yes yes" \
	    "$([ -d $d/std/v2 ] && echo yes) $([ -d "$T/videos-$fmt" ] &&
	    echo yes)"
	t_is "$fmt: get-root" "$T/$d/std/v2 $T/videos-$fmt" \
	    "$(mz-dataset get-root $d tracks) $(mz-dataset get-root $d \
	    media_raw)"
	t_is "$fmt: other keys (uuid, created_at, roots) unchanged" \
	    "$before" "$(grep -v -e media_raw -e '"tracks"' -e '^  tracks:' $m)"
	cp $m saved
	t_ok "$fmt: set-root back and forth" mz-dataset set-root $d tracks x
	mz-dataset set-root $d tracks std/v2
	t_is "$fmt: the same bytes again" "$(sum saved)" "$(sum $m)"
done
t_fails "get-root: unknown root" 2 "unknown root \"video\"" \
    mz-dataset get-root rt-yaml video
t_fails "set-root: missing directory argument" 2 "wants a dataset" \
    mz-dataset set-root rt-yaml tracks

# meta of any shape survives a save (YAML types as PyYAML reads them).
mkdir meta
cat > meta/dataset.yml <<'EOF'
# a hand-written manifest
name: meta-test
version: 2
roots: {tracks: tr, labels: lb}
meta:
  fps: 30.0
  n: 2
  flag: yes
  quoted: '1.0'
  stamp: 2026-06-03
  list: [a, 1, null]
  nested: {k: [1.5, "x: y"]}
notes: |
  free text
  two lines
dataset_type: discrete
EOF
sed 's/labels: lb}/labels: lb2}/' meta/dataset.yml > meta.want.yml
t_ok "a .yml manifest is found" mz-dataset set-root meta labels lb2
t_is "unset roots stay unset" "" \
    "$(mz-dataset show meta | awk -F'\t' '$2=="media" { print }')"
t_fails "get-root of an unset root" 1 "root media is not set" \
    mz-dataset get-root meta media
if [ -n "$HAVE_YAML" ]; then
	t_is "PyYAML reads the same meta, notes and version after a save" \
	    same "$(ref same-yaml meta.want.yml meta/dataset.yml)"
else
	echo "# skip: PyYAML absent, meta round trip not compared"
fi

# ----------------------------------------------------------- bad manifests

mkdir bad1 bad2 bad3 bad4 bad5 bad6 bad7 bad8
printf 'name: x\nroots:\n  tracks: t\n   media: m\n' > bad1/dataset.yaml
t_fails "invalid YAML: line and column" 1 \
    'bad1/dataset.yaml: line 4, column [0-9]+: invalid YAML' \
    mz-dataset show bad1
printf '{\n  "name": "x",\n  "roots": {"tracks": "t",}\n}\n' \
    > bad2/dataset.json
t_fails "invalid JSON: line and column" 1 \
    'bad2/dataset.json: line 3, column [0-9]+: invalid JSON' \
    mz-dataset show bad2
printf 'name: x\nroots:\n  tracks: t\n  videos: v\n' > bad3/dataset.yaml
t_fails "unknown root in YAML: named, with its line" 1 \
    'line 4, column 3: unknown root "videos" \(known: media_raw' \
    mz-dataset show bad3
printf '{"name": "x",\n "roots": {\n  "tracks": "t",\n  "vids": "v"}}\n' \
    > bad4/dataset.json
t_fails "unknown root in JSON: named, with its line" 1 \
    'line 4, column 3: unknown root "vids"' mz-dataset show bad4
t_fails "a directory without a manifest" 1 \
    'bad5: no dataset.yaml, dataset.yml or dataset.json' \
    mz-dataset show bad5
t_fails "a missing dataset" 1 'nowhere: No such file' \
    mz-dataset show nowhere
printf 'name: x\ndataset_type: hourly\n' > bad6/dataset.yaml
t_fails "bad dataset_type" 1 'line 2, column 15: dataset_type must be' \
    mz-dataset show bad6
printf -- '- a\n- b\n' > bad7/dataset.yaml
t_fails "a manifest that is a list" 1 'line 1, column 1: .*not a mapping' \
    mz-dataset show bad7
printf 'name: x\nroots: [a, b]\n' > bad8/dataset.yaml
t_fails "roots that are a list" 1 'line 2, column 8: roots must be' \
    mz-dataset show bad8
: > empty.yaml
t_fails "an empty manifest" 1 'empty.yaml: the manifest is empty' \
    mz-dataset show empty.yaml
t_fails "a bad manifest stops set-root (and is not rewritten)" 1 \
    'unknown root' mz-dataset set-root bad3 tracks u
t_is "  ... bad3 unchanged" "$(printf 'name: x\nroots:\n  tracks: t\n  videos: v\n' | cksum)" \
    "$(sum bad3/dataset.yaml)"

# -------------------------------------------------- safe names, entry keys

# mosaic's own examples (ref/mosaic.md section 8).
t_is "safe names: / space % é" "a%2Fb a%20b 100%25 %C3%A9" \
    "$(mz-dataset safe-name a/b 'a b' 100% é | tr '\n' ' ' | sed 's/ $//')"
t_is "safe names: unreserved kept, stripped" "Az09_.-~ x" \
    "$(mz-dataset safe-name ' Az09_.-~' "$(printf '\t x \n')" |
    tr '\n' ' ' | sed 's/ $//')"
t_is "entry keys: group__sequence, no group" \
    "cohort%20A__m1%2C%20day%201 s%2F2" \
    "$(mz-dataset entry-key 'cohort A' 'm1, day 1') $(mz-dataset \
    entry-key '' s/2)"
if [ -n "$PY" ]; then
	set -- "a/b" "x y" "%41" "é" "日本" " lead" "trail	" \
	    "$(printf '\302\240nbsp\342\200\203')" "$(printf '\034x\037')" \
	    "q\"'!*()" "a+b=c&d" "semi;colon:" "tab	in" "~tilde" "." ".." \
	    "#hash?" "[b]{c}" "$(printf 'e\314\201')" "\\back"
	t_is "safe names equal urllib.parse.quote(s.strip(), safe='')" \
	    "$(ref safe "$@")" "$(mz-dataset safe-name "$@")"
	t_is "entry keys equal mosaic's make_entry_key" \
	    "$(ref key 'g/1 é' ' s 2 ')" "$(mz-dataset entry-key 'g/1 é' ' s 2 ')"
else
	echo "# skip: no python3, safe names not compared with urllib"
fi

# ------------------------------------------------ remap (roots) round trip

mz-dataset init rm >/dev/null
mz-dataset set-root rm media_raw /data/videos
mz-dataset set-root rm tracks_raw /data/videos-raw/dlc
rm -rf /data/videos /data/videos-raw 2>/dev/null
rmdir /data 2>/dev/null
cp rm/dataset.yaml rm.saved
t_ok "remap -n" mz-dataset remap -n rm /data=/mnt/nas
t_is "  ... dry run: the manifest unchanged" "$(sum rm.saved)" \
    "$(sum rm/dataset.yaml)"
t_is "  ... but reports the roots" \
    "media_raw	/data/videos	/mnt/nas/videos
tracks_raw	/data/videos-raw/dlc	/mnt/nas/videos-raw/dlc" "$(cat "$T/.out")"
t_ok "remap: whole components only" mz-dataset remap rm /data/vid=/x
t_is "  ... /data/videos is not under /data/vid" "/data/videos" \
    "$(mz-dataset get-root rm media_raw)"
t_ok "remap: longest prefix wins" mz-dataset remap rm /data=/A \
    /data/videos-raw=/B
t_is "  ... roots" "/A/videos /B/dlc" "$(mz-dataset get-root rm \
    media_raw) $(mz-dataset get-root rm tracks_raw)"
t_ok "remap back" mz-dataset remap rm /A=/data /B=/data/videos-raw
t_is "  ... the original manifest, byte for byte" "$(sum rm.saved)" \
    "$(sum rm/dataset.yaml)"
rm -rf /A /B
t_fails "remap: a pair without =" 2 "SRC=DST" mz-dataset remap rm /a
t_fails "remap: no pairs" 2 "no src=dst" mz-dataset remap rm

# ------------------------------------------------ a dataset made by mosaic

if [ -z "$HAVE_PD" ]; then
	echo "# skip: no python3 with pandas: mosaic-made dataset tests"
else
	IDX="tracks/index.csv tracks_raw/index.csv media_raw/index.csv
	    labels/behavior/index.csv media/frames/uniform/index.csv"
	MIDX=$(for f in $IDX; do printf 'mm/%s ' $f; done)
	mkdir want pwant
	# The dataset, pandas' row counts, and mosaic's rewrite_index_paths
	# and make_portable results on it, in one python run.
	ref mosaic mm ';' rows $MIDX ';' remap want $MIDX -- \
	    "$T/mm/tracks=/srv/tracks" "$T/mm=/srv/mm" ';' \
	    portable pwant "$T/mm" $MIDX > rows
	t_is "show reads mosaic's manifest" "mosaic-made 0.1.0 discrete" \
	    "$(mz-dataset show mm | awk -F'\t' '$1=="name"||$1=="version"||
	    $1=="dataset_type" { printf "%s%s", s, $2; s=" " }')"
	t_is "show counts the rows of every index (pandas' counts)" \
	    "$(tr '\n' ' ' < rows)" \
	    "$(mz-dataset show mm | awk -F'\t' '$1=="index" { printf "%s ",
	    $3 }')"
	t_is "  ... and lists them in mosaic's order" "$(echo $IDX)" \
	    "$(mz-dataset show mm | awk -F'\t' '$1=="index" { printf "%s%s",
	    s, $2; s=" " }')"
	t_ok "validate: every file there, sizes and MD5s right" \
	    mz-dataset validate mm
	t_like "  ... summary" "9 files in 5 indexes, 0 problems" \
	    "$(cat "$T/.err")"
	t_fails "validate --sources: a label source that is elsewhere" 1 \
	    'labels/behavior/index.csv: line 2: /elsewhere/boris.tsv: source file does not exist' \
	    mz-dataset validate -s mm

	# A read-modify-write that changes one row leaves every other byte
	# as pandas wrote it (quotes, NaN cells, the extra column).
	cp -r mm mm.orig
	t_ok "upsert into mosaic's labels index (extra column kept)" \
	    mz-dataset upsert mm labels/behavior group="cohort A" \
	    "sequence=m1, day 1" n_frames=300
	t_is "  ... byte for byte unchanged" \
	    "$(sum mm.orig/labels/behavior/index.csv)" \
	    "$(sum mm/labels/behavior/index.csv)"

	# rewrite-paths against mosaic's rewrite_index_paths (pandas).
	t_ok "rewrite-paths --dry-run" mz-dataset rewrite-paths -n mm \
	    "$T/mm=/srv/mm" "$T/mm/tracks=/srv/tracks"
	t_is "  ... counts per file (abs_path, source_abs_path, video_abs_path)" \
	    "6	tracks/index.csv
3	tracks_raw/index.csv
1	media_raw/index.csv
1	labels/behavior/index.csv
2	media/frames/uniform/index.csv" "$(cat "$T/.out")"
	t_is "  ... nothing written" "$(cd mm.orig && cat */index.csv \
	    */*/index.csv */*/*/index.csv | cksum)" "$(cd mm && cat \
	    */index.csv */*/index.csv */*/*/index.csv | cksum)"
	t_ok "rewrite-paths" mz-dataset rewrite-paths mm \
	    "$T/mm=/srv/mm" "$T/mm/tracks=/srv/tracks"
	ok=0
	for f in $IDX; do
		w=want/$(echo mm/$f | tr / _)
		cmp -s mm/$f $w || { ok=1; echo "# differs: $f"; diff mm/$f $w |
		    head -5 | sed 's/^/# /'; }
	done
	t_is "  ... every index equals pandas' rewrite" 0 $ok
	t_is "  ... longest prefix: tracks under /srv/tracks" "3 0" \
	    "$(grep -c ',/srv/tracks/cohort' mm/tracks/index.csv) $(grep -c \
	    '/srv/mm/tracks/' mm/tracks/index.csv)"
	t_ok "rewrite-paths back" mz-dataset rewrite-paths mm \
	    "/srv/mm=$T/mm" "/srv/tracks=$T/mm/tracks"
	t_is "  ... the original indexes again" "$(cd mm.orig && cat \
	    */index.csv */*/index.csv */*/*/index.csv | cksum)" \
	    "$(cd mm && cat */index.csv */*/index.csv */*/*/index.csv |
	    cksum)"
	t_is "  ... no temporary files left" "" \
	    "$(find mm -name '.*' -type f ! -name '*.lock' | head -3)"

	# make-portable against mosaic's make_portable (pandas).
	t_ok "make-portable --dry-run" mz-dataset make-portable -n mm
	t_is "  ... counts: roots, indexes, run_info.json" "1	dataset.yaml
6	tracks/index.csv
3	tracks_raw/index.csv
1	media_raw/index.csv
1	labels/behavior/index.csv
2	media/frames/uniform/index.csv
3	media/frames/uniform/uniform-eea049edfd/cohort%20A__m1%2C%20day%201/run_info.json" \
	    "$(cat "$T/.out")"
	t_is "  ... nothing written" "$(sum mm.orig/dataset.yaml)" \
	    "$(sum mm/dataset.yaml)"
	t_ok "make-portable" mz-dataset make-portable mm
	ok=0
	for f in $IDX; do
		w=pwant/$(echo mm/$f | tr / _)
		cmp -s mm/$f $w || { ok=1; echo "# differs: $f"; diff mm/$f $w |
		    head -5 | sed 's/^/# /'; }
	done
	t_is "  ... every index equals pandas' make_portable" 0 $ok
	t_is "  ... media_raw root now relative" "media_raw" \
	    "$(mz-dataset show mm | awk -F'\t' '$2=="media_raw" { print $3 }')"
	t_is "  ... an outside path stays absolute" 1 \
	    "$(grep -c ',/elsewhere/boris.tsv,' mm/labels/behavior/index.csv)"
	ri=$(find mm -name run_info.json)
	t_is "  ... run_info.json: output_dir, video_path, files[].path" \
	    "media/frames/uniform/uniform-eea049edfd/cohort%20A__m1%2C%20day%201 media_raw/cohort A__m1.mp4 frame_000000.png 30.0" \
	    "$("$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["output_dir"], d["video_path"], d["files"][0]["path"], float(d["fps"]))' "$ri")"
	cp -r mm mm.portable
	t_ok "make-portable again" mz-dataset make-portable mm
	t_is "  ... idempotent: nothing to change" "" "$(cat "$T/.out")"
	t_is "  ... nothing changed" "$(allfiles mm.portable)" \
	    "$(allfiles mm)"
	# The portable dataset moves: everything resolves at the new place.
	mv mm moved
	t_ok "validate after moving the portable dataset" \
	    mz-dataset validate moved
	t_is "  ... media_raw resolves inside the new place" \
	    "$T/moved/media_raw" "$(mz-dataset get-root moved media_raw)"
	if [ -n "$HAVE_YAML" ]; then
		t_like "mosaic (PyYAML) reads the rewritten manifest" \
		    '"media_raw": "media_raw".*"uuid": "0b7c9a8e' \
		    "$(ref yaml moved/dataset.yaml)"
	fi

	# validate finds what is wrong, and says where.
	printf 'ONE' > "$T/moved/tracks_raw/cohort%20A__m1%2C%20day%201.csv"
	rm "$T/moved/tracks/cohort%2FB__%C3%A9-3.mzs"
	printf 'x' >> "$T/moved/media_raw/cohort A__m1.mp4"
	t_fails "validate: three problems, exit 1" 1 \
	    'moved: 9 files in 5 indexes, 3 problems' \
	    mz-dataset validate moved
	t_like "  ... a wrong MD5 (file and line)" \
	    'tracks_raw/index.csv: line 2: .*m1%2C%20day%201.csv: file has MD5 [0-9a-f]{32}, the index says f97c5d29941bfb1b2fdab0874906ab82' \
	    "$(cat "$T/.err")"
	t_like "  ... a wrong size" \
	    'media_raw/index.csv: line 2: .*: file is 113 bytes, the index says 112' \
	    "$(cat "$T/.err")"
	t_like "  ... a missing file" \
	    'tracks/index.csv: line 4: .*B__%C3%A9-3.mzs: file does not exist' \
	    "$(cat "$T/.err")"
	t_fails "validate --no-md5 skips the checksum" 1 \
	    'moved: 9 files in 5 indexes, 2 problems' \
	    mz-dataset validate --no-md5 moved
fi

# ------------------------------------------------------- index files

mz-dataset init ix >/dev/null
printf 'a,b\n1,2,3\n' > ix/tracks/index.csv
t_fails "an index row with too many fields: file and line" 1 \
    'tracks/index.csv: line 2: 3 fields, the header has 2' \
    mz-dataset upsert ix tracks group=g sequence=s
printf 'group,sequence\n"g,1\n' > ix/tracks/index.csv
t_fails "an unclosed quote" 1 'line 2: a quoted field is not closed' \
    mz-dataset validate ix
printf 'group,group\n' > ix/tracks/index.csv
t_fails "a column twice" 1 'line 1: column group appears twice' \
    mz-dataset validate ix
printf 'group,sequence,n_rows\r\ng1,s1\r\n\r\n' > ix/tracks/index.csv
t_ok "CRLF, short rows and blank lines read as pandas reads them" \
    mz-dataset upsert ix tracks group=g1 sequence=s1 abs_path=x
t_is "  ... written back with LF, short row padded" \
    "group,sequence,n_rows,abs_path
g1,s1,,x" "$(cat ix/tracks/index.csv)"
t_fails "upsert: key column without a value" 2 "key column sequence" \
    mz-dataset upsert ix tracks group=g1 n_rows=3
t_fails "upsert: unknown root" 2 'unknown root "trax"' \
    mz-dataset upsert ix trax group=g
t_fails "upsert: not column=value" 2 'want column=value' \
    mz-dataset upsert ix tracks group
rm ix/tracks/index.csv
t_ok "upsert creates an index with mosaic's columns" \
    mz-dataset upsert ix tracks group=g sequence=s n_rows=5
t_is "  ... header" "group,sequence,group_safe,sequence_safe,collection,collection_safe,abs_path,std_format,source_abs_path,source_md5,n_rows" \
    "$(head -1 ix/tracks/index.csv)"
t_ok "upsert into labels/KIND with -k" mz-dataset upsert -k group,sequence \
    ix labels/id_tags group=g sequence=s 'label_names=a,"b"' note=new
t_is "  ... mosaic's columns, the extra one last, quoted as pandas" \
    'kind,label_format,group,sequence,group_safe,sequence_safe,abs_path,source_abs_path,source_md5,n_frames,label_ids,label_names,note
,,g,s,,,,,,,,"a,""b""",new' "$(cat ix/labels/id_tags/index.csv)"

# A crash while writing leaves the previous index: the writer is killed
# (SIGXFSZ) once its temporary file passes the size limit.
i=0
while [ $i -lt 40 ]; do
	echo "g$i,s$i,,,,,/some/long/path/to/a/track/file/number/$i.mzs,,,,$i"
	i=$((i + 1))
done >> ix/tracks/index.csv
cp ix/tracks/index.csv crash.saved
sh -c 'ulimit -f 2; exec mz-dataset upsert ix tracks group=new \
    sequence=row abs_path=/x/y.mzs' >/dev/null 2>&1
st=$?
t_is "a writer killed mid-write" "yes" "$([ $st -ne 0 ] && echo yes)"
t_is "  ... leaves the previous index intact" "$(sum crash.saved)" \
    "$(sum ix/tracks/index.csv)"
rm -f ix/tracks/.index.csv.*

# ---------------------------------------------- concurrent index updates

# Two writers, 100 upserts each (a process each), in parallel, while a reader copies the
# index as often as it can: nothing lost, never a torn file.
mz-dataset init cc >/dev/null
writer() {
	i=0
	while [ $i -lt 100 ]; do
		mz-dataset upsert cc tracks group="w$1" sequence="s$i" \
		    n_rows=$i || echo "writer $1 failed at $i" >> errors
		i=$((i + 1))
	done
}
hdr="group,sequence,group_safe,sequence_safe,collection,collection_safe,abs_path,std_format,source_abs_path,source_md5,n_rows"
reader() {
	while [ ! -f done ]; do
		if [ -f cc/tracks/index.csv ]; then
			cat cc/tracks/index.csv > snap
			awk -F, -v h="$hdr" 'NR == 1 && $0 != h { bad = 1 }
			    NR > 1 && NF != 11 { bad = 1 }
			    END { exit bad }' snap ||
			    { echo torn >> errors; cp snap torn.csv; }
			: $((reads += 1))
			sleep 0.05
		fi
	done
	echo $reads > reads
}
: > errors
reader &
rp=$!
writer 1 &
w1=$!
writer 2 &
w2=$!
wait $w1
wait $w2
touch done
wait $rp
t_is "two parallel writers: no failures, no torn reads" "" "$(cat errors)"
t_is "  ... all 200 rows there" 200 "$(($(wc -l < cc/tracks/index.csv) - 1))"
t_is "  ... each (group, sequence) once" 200 \
    "$(cut -d, -f1,2 cc/tracks/index.csv | sed 1d | sort -u | wc -l)"
t_is "  ... each writer's rows in its order" "0 99 0 99" \
    "$(awk -F, '$1=="w1" { if (!s1) f1 = $11; s1 = 1; l1 = $11 }
    $1=="w2" { if (!s2) f2 = $11; s2 = 1; l2 = $11 }
    END { print f1, l1, f2, l2 }' cc/tracks/index.csv)"
echo "# the reader checked $(cat reads) snapshots"
if [ -n "$HAVE_PD" ]; then
	t_is "  ... pandas reads 200 rows" 200 "$(ref rows cc/tracks/index.csv)"
fi
t_is "  ... the lock file stays beside the index" "yes" \
    "$([ -f cc/tracks/index.csv.lock ] && echo yes)"

t_done
