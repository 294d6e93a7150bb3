#!/bin/sh
# tests: mz-index
# requires: mzgen, mz-convert (--to dlc-csv), mkvideo (media tests, skipped
# without it); ffprobe and md5sum as independent references where present;
# $PY (pandas) for the mosaic-compatibility checks; $DATA for real videos.
. "$(dirname "$0")/lib.sh"

# mkds DIR [media_raw]: a dataset manifest as mosaic writes one (every
# root at its default; media_raw only when asked).
mkds() {
	mkdir -p "$1"
	{
		echo "name: test"
		echo "version: 0.1.0"
		echo "roots:"
		[ -n "${2:-}" ] && echo "  media_raw: media_raw"
		for r in media tracks_raw tracks features labels models; do
			echo "  $r: $r"
		done
		echo "  frames: media/frames"
		echo "dataset_type: discrete"
	} > "$1/dataset.yaml"
}

# col FILE NAME: the values of column NAME of a CSV file (no quoting in
# these files), one per line, in row order.
col() {
	awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		{ print $k }' "$1"
}

# rows FILE: the number of data rows.
rows() {
	echo $(($(wc -l < "$1") - 1))
}

# ------------------------------------------------------------ raw files
mzgen -s 1 -i 2 -n 40 -o g.mzs
mz-convert --to dlc-csv g.mzs > g.csv
mkdir -p raw/sub rawtrex
for f in grpA_sess01 grpB_sess02 grpA_skip; do cp g.csv raw/$f.csv; done
cp g.csv raw/sub/grpA_sess03.csv
cp g.csv raw/._grpA_sess01.csv
echo notes > raw/notes.txt
for i in 0 1 2; do printf 'x%s' $i > rawtrex/fish_run1_id$i.npz; done
printf 'y' > rawtrex/fish_run2_fish0.npz
mkds ds
RAW=$(cd raw && pwd -P)

# ------------------------------------------------------------ tracks
t_ok "tracks: top level only" mz-index -q -d ds tracks raw
t_is "tracks: mosaic's columns" \
    "group,sequence,abs_path,src_format,size_bytes,mtime_iso,md5" \
    "$(head -1 ds/tracks_raw/index.csv)"
t_is "tracks: the wanted files of the top level, by name; ._* and .txt skipped" \
    "$RAW/grpA_sess01.csv
$RAW/grpA_skip.csv
$RAW/grpB_sess02.csv" "$(col ds/tracks_raw/index.csv abs_path)"
t_is "tracks: sequence is the stem, group empty, format auto" \
    ",grpA_sess01,auto|,grpA_skip,auto|,grpB_sess02,auto|" \
    "$(awk -F, 'NR > 1 { printf "%s,%s,%s|", $1, $2, $4 }' ds/tracks_raw/index.csv)"
t_is "tracks: size_bytes is the file's size" "$(wc -c < g.csv | tr -d ' ')" \
    "$(col ds/tracks_raw/index.csv size_bytes | sort -u)"
if [ -n "$PY" ]; then
	t_is "tracks: mtime_iso is datetime.fromtimestamp(st_mtime, utc).isoformat()" \
	    "True" "$("$PY" -c '
import csv, os, sys
from datetime import datetime, timezone
rows = list(csv.DictReader(open(sys.argv[1])))
print(all(r["mtime_iso"] == datetime.fromtimestamp(os.stat(r["abs_path"]).st_mtime, tz=timezone.utc).isoformat() for r in rows) and len(rows) == 3)' ds/tracks_raw/index.csv)"
	t_is "tracks: pandas reads the index (md5 NaN, size int64)" \
	    "3 int64 True" "$("$PY" -c '
import pandas as pd, sys
d = pd.read_csv(sys.argv[1])
print(len(d), d["size_bytes"].dtype, d["md5"].isna().all())' ds/tracks_raw/index.csv)"
fi

t_ok "tracks -r: again, recursively" mz-index -q -d ds tracks -r raw
t_is "tracks -r: one new row (sub/), none twice" "4 4" \
    "$(rows ds/tracks_raw/index.csv) $(col ds/tracks_raw/index.csv abs_path | sort -u | wc -l)"
t_like "tracks -r: the subdirectory's file" "$RAW/sub/grpA_sess03.csv" \
    "$(cat ds/tracks_raw/index.csv)"

mkds ds2
t_ok "tracks: a directory given twice, and inside another" \
    mz-index -q -d ds2 tracks -r raw raw/ raw/sub
t_is "tracks: de-duplicated by absolute path" "4" "$(rows ds2/tracks_raw/index.csv)"
ln -s "$RAW/grpA_sess01.csv" raw/sub/link.csv
mkds ds3
mz-index -q -d ds3 tracks -r raw
t_is "tracks: a symbolic link is its target's row" "4" \
    "$(rows ds3/tracks_raw/index.csv)"
rm raw/sub/link.csv

mkds ds4
t_ok "tracks -x: exclude patterns" mz-index -q -d ds4 tracks -r -x 'grpA_skip*' \
    -x 'sub/*' raw
t_is "tracks -x: by name and by relative path" "grpA_sess01 grpB_sess02" \
    "$(col ds4/tracks_raw/index.csv sequence | tr '\n' ' ' | sed 's/ $//')"

mkds ds5
t_ok "tracks -g: group from a regex capture" \
    mz-index -q -d ds5 tracks -r -g '^(grp[A-Z])_sess\d+$' raw
t_is "tracks -g: group 1 of the match; no match gives no group" \
    "grpA,grpA_sess01|,grpA_skip|grpB,grpB_sess02|grpA,grpA_sess03|" \
    "$(awk -F, 'NR > 1 { printf "%s,%s|", $1, $2 }' ds5/tracks_raw/index.csv)"

mkds ds6
t_ok "tracks -p: TRex files, auto format" mz-index -q -d ds6 tracks -p '*.npz' rawtrex
t_is "tracks: TRex suffixes _idN and _fishN stripped from sequences" \
    "fish_run1 fish_run1 fish_run1 fish_run2" \
    "$(col ds6/tracks_raw/index.csv sequence | tr '\n' ' ' | sed 's/ $//')"
mkds ds7
mz-index -q -d ds7 tracks -p '*.npz' -f dlc-csv rawtrex
t_is "tracks -f: another format keeps the suffix, and is recorded" \
    "dlc-csv:fish_run1_id0" \
    "$(awk -F, 'NR == 2 { print $4 ":" $2 }' ds7/tracks_raw/index.csv)"
mkds ds8
mz-index -q -d ds8 tracks -p '*.npz' -f trex_npz -g '^([a-z]+)_' rawtrex
t_is "tracks -f trex_npz -g: stripped, then the group taken from the sequence" \
    "fish,fish_run1,trex_npz" \
    "$(awk -F, 'NR == 2 { print $1 "," $2 "," $4 }' ds8/tracks_raw/index.csv)"

mkds ds9
t_ok "tracks -M filename" mz-index -q -d ds9 tracks -M filename -p '*.csv' raw/sub
t_is "tracks -M filename: group is the stem, sequence empty" "grpA_sess03," \
    "$(awk -F, 'NR == 2 { print $1 "," $2 }' ds9/tracks_raw/index.csv)"
mkds ds10
mz-index -q -d ds10 tracks -M parent -p '*.csv' raw/sub
t_is "tracks -M parent: group is the directory's name" "sub," \
    "$(awk -F, 'NR == 2 { print $1 "," $2 }' ds10/tracks_raw/index.csv)"

mkds ds11
t_ok "tracks --md5" mz-index -q -d ds11 tracks -r --md5 raw
t_is "tracks --md5: md5sum's digests" \
    "$(cd raw && md5sum grpA_sess01.csv grpA_skip.csv grpB_sess02.csv sub/grpA_sess03.csv | cut -c1-32)" \
    "$(col ds11/tracks_raw/index.csv md5)"
mz-index -q -d ds11 tracks -r raw
t_is "tracks: a run without --md5 keeps the digests of unchanged files" \
    "4" "$(col ds11/tracks_raw/index.csv md5 | grep -c .)"
sleep 1
echo "more" >> raw/grpB_sess02.csv
mz-index -q -d ds11 tracks -r raw
rm raw/sub/grpA_sess03.csv
mz-index -q -d ds11 tracks raw
t_is "tracks: a run over the top level keeps the row of a deleted file below" \
    "4" "$(rows ds11/tracks_raw/index.csv)"
mz-index -q -d ds11 tracks -r raw
t_is "tracks: ... and a recursive run removes it" "3" "$(rows ds11/tracks_raw/index.csv)"
cp g.csv raw/sub/grpA_sess03.csv
t_is "tracks: ... and clears the digest of a changed file" \
    "2|" "$(col ds11/tracks_raw/index.csv md5 | grep -c .)|$(awk -F, '$2 == "grpB_sess02" { print $7 }' ds11/tracks_raw/index.csv)"
cp g.csv raw/grpB_sess02.csv

# Rows stored relative (make-portable) are found again and stay relative.
mkdir -p ds12/raw && cp g.csv ds12/raw/r1.csv && mkds ds12
mz-index -q -d ds12 tracks ds12/raw
sed -i "s|$(cd ds12 && pwd -P)/||" ds12/tracks_raw/index.csv
t_like "tracks: a relative row (as make-portable leaves it)" ',raw/r1.csv,' \
    "$(cat ds12/tracks_raw/index.csv)"
cp g.csv ds12/raw/r2.csv
mz-index -q -d ds12 tracks ds12/raw
t_is "tracks: re-indexing keeps the relative row and adds the new file" \
    "raw/r1.csv
$(cd ds12 && pwd -P)/raw/r2.csv" "$(col ds12/tracks_raw/index.csv abs_path)"
t_ok "tracks: the dataset directory itself, every CSV" \
    mz-index -q -d ds12 tracks -r ds12
t_is "tracks: the dataset's own index.csv is not indexed" "2" \
    "$(rows ds12/tracks_raw/index.csv)"

# Upserts keep other rows and columns a user or mosaic added.
mkds ds13
mkdir -p ds13/tracks_raw
printf 'group,sequence,abs_path,src_format,size_bytes,mtime_iso,md5,note\nold,seq,/nowhere/x.csv,deeplabcut,1,2020-01-01T00:00:00+00:00,,kept\n' \
    > ds13/tracks_raw/index.csv
mz-index -q -d ds13 tracks raw/sub
t_is "tracks: rows of other files and extra columns kept" \
    "group,sequence,abs_path,src_format,size_bytes,mtime_iso,md5,note
old,seq,/nowhere/x.csv,deeplabcut,1,2020-01-01T00:00:00+00:00,,kept" \
    "$(head -2 ds13/tracks_raw/index.csv)"

# Two writers at once: nothing lost.
mkdir -p par/a par/b
for i in 1 2 3 4 5 6 7 8; do cp g.csv par/a/a$i.csv; cp g.csv par/b/b$i.csv; done
mkds dsp
for k in 1 2 3; do
	mz-index -q -d dsp tracks par/a & p1=$!
	mz-index -q -d dsp tracks par/b & p2=$!
	wait $p1; s1=$?
	wait $p2; s2=$?
done
t_is "tracks: two runs in parallel, three times: both succeed, 16 rows" \
    "0 0 16" "$s1 $s2 $(rows dsp/tracks_raw/index.csv)"

# ------------------------------------------------------------ bad input
t_fails "no sub-command" 2 'sub-command is needed' mz-index -d ds
t_fails "unknown sub-command" 2 "unknown sub-command 'videos'" \
    mz-index -d ds videos raw
t_fails "no directory" 2 'no directory' mz-index -d ds tracks
t_fails "a missing directory" 1 'nope: No such file' \
    mz-index -d ds tracks raw nope
t_fails "a file, not a directory" 1 'g.csv: not a directory' \
    mz-index -d ds tracks g.csv
t_fails "-g: a bad regex" 2 "-g '\(': " mz-index -d ds tracks -g '(' raw
t_fails "-g: no capturing group" 2 'needs a capturing group' \
    mz-index -d ds tracks -g 'grp' raw
t_fails "-g with -M" 2 '-g and -M both' \
    mz-index -d ds tracks -g '(a)' -M parent raw
t_fails "-M: a bad value" 2 "-M: 'filename' or 'parent'" \
    mz-index -d ds tracks -M stem raw
t_fails "a media option with tracks" 2 'options of mz-index media' \
    mz-index -d ds tracks -m prefix raw
t_fails "a tracks option with media" 2 'options of mz-index tracks' \
    mz-index -d ds media --md5 raw
t_fails "-m: a bad mode" 2 "-m: 'exact' or 'prefix'" \
    mz-index -d ds media -m fuzzy raw
t_fails "-e: an empty extension" 2 'empty item' mz-index -d ds media -e 'mp4,,avi' raw
t_fails "no manifest" 1 'no dataset.yaml, dataset.yml or dataset.json' \
    mz-index -d raw tracks raw
cp ds/tracks_raw/index.csv before.csv
printf 'group,sequence,abs_path\na,b,c,d\n' > ds/tracks_raw/index.csv
t_fails "a damaged index: an error naming it and the line" 1 \
    'tracks_raw/index.csv: line 2' mz-index -d ds tracks raw
t_is "a damaged index is left as it was" 'group,sequence,abs_path
a,b,c,d' "$(cat ds/tracks_raw/index.csv)"
cp before.csv ds/tracks_raw/index.csv

# ------------------------------------------------------------ media
if ! command -v mkvideo > /dev/null 2>&1; then
	echo "# media tests skipped: no mkvideo test tool in this build"
	t_done
fi

# probe FILE: width,height,fps,codec,frames from ffprobe (counting
# frames), fps as Python's repr of avg_frame_rate.
probe() {
	ffprobe -v error -select_streams v:0 -count_frames -show_entries \
	    stream=width,height,avg_frame_rate,codec_name,nb_read_frames \
	    -of default=nw=1 "$1" | awk -F= '
		{ v[$1] = $2 }
		END { print v["width"] "," v["height"] "," v["avg_frame_rate"] "," v["codec_name"] "," v["nb_read_frames"] }'
}

mkdir -p vid/more
mkvideo -n 30 -r 25 -o vid/Sess01.mp4
mkvideo -n 12 -r 30000/1001 -s 80x64 -o vid/session02_002.mp4
mkvideo -n 10 -o vid/session02_001.mp4
mkvideo -n 8 -c mpeg4 -o vid/sess03.avi
mkvideo -n 5 -o vid/more/other.mp4
mkvideo -n 5 -o vid/._sess01.mp4
mkvideo -n 5 -o vid/sess04.mov
echo "not a video" > vid/broken.mp4
VID=$(cd vid && pwd -P)

mkds dm media_raw
mkdir -p dm/tracks
printf '%s\n' 'group,sequence,group_safe,sequence_safe,collection,collection_safe,abs_path,std_format,source_abs_path,source_md5,n_rows' \
    'g1,sess01,g1,sess01,,,tracks/g1__sess01.mzs,mzs,,,1' \
    'g1,session02,g1,session02,,,tracks/g1__session02.mzs,mzs,,,1' \
    'g2,sess03DLC_resnet50_demoMay1shuffle1_100,g2,sess03DLC_resnet50_demoMay1shuffle1_100,,,x.mzs,mzs,,,1' \
    > dm/tracks/index.csv
t_fails "media: a file that is no video: indexed, with a warning, exit 1" 1 \
    'broken.mp4: .*indexed without video fields' mz-index -d dm media vid
t_is "media: mosaic's columns, then frame_count" \
    "name,group,sequence,group_safe,sequence_safe,abs_path,size_bytes,mtime_iso,width,height,fps,codec,media_type,video_order,frame_count" \
    "$(head -1 dm/media_raw/index.csv)"
t_is "media: the media_raw root when set; media untouched" "no" \
    "$([ -e dm/media/index.csv ] && echo yes || echo no)"
t_is "media: .mp4 and .avi at the top level (._* skipped), by name" \
    "Sess01.mp4 broken.mp4 sess03.avi session02_001.mp4 session02_002.mp4" \
    "$(col dm/media_raw/index.csv name | tr '\n' ' ' | sed 's/ $//')"
t_is "media: exact matching (case-insensitive), else the stem" \
    "Sess01.mp4,g1,sess01,g1,sess01,0|broken.mp4,,broken,,broken,0|sess03.avi,,sess03,,sess03,0|session02_001.mp4,,session02_001,,session02_001,0|session02_002.mp4,,session02_002,,session02_002,0|" \
    "$(awk -F, 'NR > 1 { printf "%s,%s,%s,%s,%s,%s|", $1, $2, $3, $4, $5, $14 }' dm/media_raw/index.csv)"
t_is "media: the broken file's video fields are empty" ",,,," \
    "$(awk -F, '$1 == "broken.mp4" { print $9 "," $10 "," $11 "," $12 "," $15 }' dm/media_raw/index.csv)"
for f in Sess01.mp4 session02_002.mp4 sess03.avi; do
	want=$(probe "vid/$f")
	if [ -n "$PY" ]; then
		want=$("$PY" -c 'import sys
w, h, r, c, n = sys.argv[1].split(",")
a, b = r.split("/")
print(",".join([w, h, repr(int(a) / int(b)), c, n]))' "$want")
	fi
	t_is "media: $f: width, height, fps, codec, frames as ffprobe finds them" \
	    "$want" "$(awk -F, -v f="$f" '$1 == f { print $9 "," $10 "," $11 "," $12 "," $15 }' dm/media_raw/index.csv)"
done
t_is "media: abs_path, size" "$VID/Sess01.mp4,$(wc -c < vid/Sess01.mp4 | tr -d ' ')" \
    "$(awk -F, '$1 == "Sess01.mp4" { print $6 "," $7 }' dm/media_raw/index.csv)"

t_fails "media -m prefix -r -e: again; the broken file is probed again" 1 \
    '7 files \(2 new, 3 probed\)' mz-index -d dm media -m prefix -r \
    -e mp4,.AVI,mov vid
t_is "media -m prefix: longest prefix, the DLC way round, ordered; other videos by stem" \
    "Sess01.mp4,g1,sess01,0|broken.mp4,,broken,0|sess03.avi,g2,sess03DLC_resnet50_demoMay1shuffle1_100,0|session02_001.mp4,g1,session02,0|session02_002.mp4,g1,session02,1|other.mp4,,other,0|sess04.mov,,sess04,0|" \
    "$(awk -F, 'NR > 1 { printf "%s,%s,%s,%s|", $1, $2, $3, $14 }' dm/media_raw/index.csv)"
t_is "media: no row twice, ._* never" "7 0" \
    "$(rows dm/media_raw/index.csv) $(grep -c '^\._' dm/media_raw/index.csv)"
mkvideo -n 4 -o vid/session02_000.mp4
rm vid/broken.mp4
t_ok "media: a third run" mz-index -d dm media -m prefix vid
t_like "media: only the new file probed; the deleted file's row removed" \
    '5 files \(1 new, 1 probed\), 1 rows of deleted files removed' \
    "$(cat "$T/.err")"
t_is "media: video_order is recomputed when a later run adds a file" \
    "session02_000.mp4:0 session02_001.mp4:1 session02_002.mp4:2" \
    "$(awk -F, '$3 == "session02" { print $1 ":" $14 }' dm/media_raw/index.csv | sort | tr '\n' ' ' | sed 's/ $//')"

mkds dq
t_ok "media --quick: container values only" mz-index -q -d dq media --quick vid
t_is "media: the media root when media_raw is not set" \
    "$VID/Sess01.mp4" "$(awk -F, 'NR == 2 { print $6 }' dq/media/index.csv)"
t_is "media --quick: size and fps still known" "80,64,30000/1001" \
    "$(awk -F, '$1 == "session02_002.mp4" { print $9 "," $10 "," ($11 == "29.97002997002997" ? "30000/1001" : $11) }' dq/media/index.csv)"

if [ -n "$DATA" ]; then
	mkds dr
	mkdir -p rv && ln -s "$DATA/deeplabcut/m3v1mp4.mp4" \
	    "$DATA/deeplabcut-history/reachingvideo1short.avi" rv/
	t_ok "media: real videos" mz-index -q -d dr media rv
	t_is "media: m3v1mp4.mp4 (MANIFEST: 640x480 H.264, 2330 frames)" \
	    "640,480,h264,2330" \
	    "$(awk -F, '$1 == "m3v1mp4.mp4" { print $9 "," $10 "," $12 "," $15 }' dr/media/index.csv)"
	t_is "media: reachingvideo1short.avi (MANIFEST: MJPEG 832x747, 30 fps, 12 frames)" \
	    "832,747,30.0,mjpeg,12" \
	    "$(awk -F, '$1 == "reachingvideo1short.avi" { print $9 "," $10 "," $11 "," $12 "," $15 }' dr/media/index.csv)"
	t_is "media: real files indexed by their resolved path" \
	    "$DATA/deeplabcut/m3v1mp4.mp4" \
	    "$(awk -F, '$1 == "m3v1mp4.mp4" { print $6 }' dr/media/index.csv | sed "s|$(cd "$DATA" && pwd -P)|$DATA|")"
else
	echo "# real-video tests skipped: no ../shared/data"
fi
t_done
