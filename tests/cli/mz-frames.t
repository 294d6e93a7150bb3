#!/bin/sh
# tests: mz-frames (and lib/video.c's exact frame access, lib/videnc.c's
# PNG writer)
# requires: mkvideo, vcheck (library checks; skipped without it), ffmpeg
# as an independent decoder (skipped without it), $PY (numpy reference of
# the uniform rule and of the run_id hash; skipped without it), $DATA (the
# real videos; skipped without it)
. "$(dirname "$0")/lib.sh"

have_vcheck=
command -v vcheck >/dev/null 2>&1 && have_vcheck=1
have_ffmpeg=
command -v ffmpeg >/dev/null 2>&1 && have_ffmpeg=1
[ -n "$have_vcheck" ] || echo "# vcheck not built: library checks skipped"
[ -n "$have_ffmpeg" ] || echo "# ffmpeg not installed: reference decodes skipped"

# sel DIR: the selected_frame_indices of DIR/run_info.json, comma-separated.
sel() {
	tr -d ' \t\n' < "$1/run_info.json" |
	    sed -n 's/.*"selected_frame_indices":\[\([^]]*\)\].*/\1/p'
}
# maxdiff: "ok" when the bytes cmp -l lists (octal) differ by at most 2,
# else the largest difference.
maxdiff() {
	awk 'function oct(s,    v, i) { v = 0
		for (i = 1; i <= length(s); i++) v = v * 8 + substr(s, i, 1)
		return v }
	{ d = oct($2) - oct($3); if (d < 0) d = -d; if (d > m) m = d }
	END { print m <= 2 ? "ok" : "max " m " over " NR " bytes" }'
}
# jget DIR KEY: a scalar of DIR/run_info.json.
jget() {
	tr -d '\t\n' < "$1/run_info.json" |
	    sed -n "s/.*\"$2\":[ ]*\([^,}]*\).*/\1/p" | head -1
}

mkvideo -n 400 -s 64x48 -g 25 -b 2 -o v400.mp4
mkvideo -n 100 -s 64x48 -o v100.mp4

# ----------------------------------------------------------- uniform rule
# Hand-worked cases: candidates arange(start, end+1, step) of a 400-frame
# video, positions rint(linspace(0, M-1, n)) half to even.
#   M=10 (5,15..95), n=7: 0 1.5 3 4.5 6 7.5 9 -> 0 2 3 4 6 8 9
#   M=6 (0..5), n=3: 0 2.5 5 -> 0 2 5
#   M=5 (0..4), n=9: all five (n > M)
#   M=400, n=1: position 0
#   M=4 (396..399 after clamping end=1000), n=2: 0 3
#   M=11 (0..100 step 10), n=4: 0 3.333 6.667 10 -> 0 3 7 10
u=0
ucase() {
	u=$((u + 1))
	want=$1
	shift
	mz-frames uniform -o "u$u" "$@" v400.mp4 > /dev/null 2> "u$u.err" ||
	    cat "u$u.err"
	t_is "uniform $*: frames" "$want" "$(sel u$u/uniform/*/v400)"
}
ucase 5,25,35,45,65,85,95 -n 7 -s 5 -e 95 -S 10
ucase 0,2,5 -n 3 -s 0 -e 5
ucase 0,1,2,3,4 -n 9 -e 4
ucase 0 -n 1
ucase 396,399 -n 2 -s 396 -e 1000
ucase 0,30,70,100 -n 4 -e 100 -S 10
ucase 399 -n 3 -s 399
t_is "clamped end recorded" "399" "$(jget u5/uniform/*/v400 end_frame)"
t_is "n_requested and n_extracted when n > candidates" "9 5" \
    "$(jget u3/uniform/*/v400 n_requested) $(jget u3/uniform/*/v400 n_extracted)"

if [ -n "$PY" ]; then
	# numpy as the reference, on many (start, end, step, n) cases of the
	# 400-frame video, all computed in one run.
	cases="0 399 1 20,0 399 1 7,3 398 7 13,0 399 3 29,10 310 1 45,0 399 2 101,1 399 1 399,0 399 5 80,7 377 11 6,0 11 1 12,0 120 1 25,0 59 1 14"
	"$PY" - "$cases" > ref.txt <<'PYEOF'
import sys, numpy as np
for c in sys.argv[1].split(","):
    start, end, step, n = map(int, c.split())
    end = min(end, 399)
    cand = np.arange(start, end + 1, step)
    pos = np.round(np.linspace(0, len(cand) - 1, n)).astype(int)
    u = sorted(set(pos.tolist()))
    i = 0
    while len(u) < min(n, len(cand)):
        if i not in u:
            u.append(i)
        i += 1
    print(",".join(str(cand[p]) for p in sorted(u)))
PYEOF
	i=0
	echo "$cases" | tr ',' '\n' | while read -r a b c n; do
		i=$((i + 1))
		rm -rf ur
		mz-frames uniform -o ur -s "$a" -e "$b" -S "$c" -n "$n" \
		    v400.mp4 > /dev/null
		echo "$(sel ur/uniform/*/v400)"
	done > got.txt
	t_is "uniform = numpy rint(linspace), 12 cases (start end step n: $cases)" \
	    "$(cat ref.txt)" "$(cat got.txt)"
else
	echo "# no python3 with numpy: numpy reference of the uniform rule skipped"
fi

# ------------------------------------------------------------ the run_id
mz-frames uniform -o r v100.mp4 > r.out
t_is "uniform, 20 frames, defaults: mosaic's run_id" \
    "v100	uniform-eea049edfd	extracted	20" "$(cat r.out)"
t_ok "run_params.json written" test -f r/uniform/uniform-eea049edfd/run_params.json
if [ -n "$PY" ]; then
	for args in "uniform -n 7 -s 5 -e 95 -S 10" "uniform -c 1,2,30,40 -r 7" \
	    "kmeans -n 3 -c 0,6,64,42 --kmeans-batch 64"; do
		set -- $args
		rm -rf rh
		got=$(mz-frames "$@" -o rh v100.mp4 | cut -f2)
		want=$("$PY" -c 'import json, hashlib, sys
p = json.load(open(sys.argv[1]))
print(p["method"] + "-" + hashlib.sha1(json.dumps(p, sort_keys=True).encode()).hexdigest()[:10])' rh/$1/$got/run_params.json)
		t_is "run_id = sha1 of json.dumps(params) ($args)" "$want" "$got"
	done
	t_is "run_params.json as mosaic's hash_params input" \
	    "{'candidate_step': 10, 'crop': None, 'end_frame': 95, 'method': 'uniform', 'n_frames': 7, 'random_state': 42, 'start_frame': 5}" \
	    "$("$PY" -c 'import json, glob; print(json.load(open(glob.glob("u1/uniform/*/run_params.json")[0])))')"
fi

# ----------------------------------------------------- frames and pixels
d=$(ls -d r/uniform/uniform-eea049edfd/v100)
t_is "20 PNG files named by frame" "20" "$(ls "$d"/frame_*.png | wc -l | tr -d ' ')"
t_is "the frames: rint(linspace(0, 99, 20))" \
    "0,5,10,16,21,26,31,36,42,47,52,57,63,68,73,78,83,89,94,99" "$(sel "$d")"
if [ -n "$have_vcheck" ]; then
	# Each PNG shows its own frame number in mkvideo's ID band.
	ok=1
	for f in "$d"/frame_000000.png "$d"/frame_000016.png \
	    "$d"/frame_000063.png "$d"/frame_000094.png "$d"/frame_000099.png; do
		n=$(basename "$f" .png | sed 's/frame_0*//; s/^$/0/')
		id=$(vcheck ids "$f" 0 | cut -d' ' -f2)
		[ "$id" = "$n" ] || { ok=0; echo "# $f shows frame $id"; }
	done
	t_is "PNGs show the frame their names say (0, 16, 63, 94, 99)" 1 "$ok"
	t_is "PNG size" "64 48" \
	    "$(tr -d ' \t\n' < "$d/run_info.json" | sed -n 's/.*"frame_index":0,"path":"frame_000000.png","width":\([0-9]*\),"height":\([0-9]*\)}.*/\1 \2/p')"
fi
if [ -n "$have_ffmpeg" ] && [ -n "$have_vcheck" ]; then
	# PNG pixels = the frame decoded by the library (PNG round trip).
	ffmpeg -v error -i "$d/frame_000063.png" -f rawvideo -pix_fmt rgb24 - > png63.raw
	vcheck raw v100.mp4 63 > lib63.raw
	t_ok "PNG pixels equal the library's frame 63" cmp png63.raw lib63.raw
	# The frame = ffmpeg's own decode of frame 63 (select filter), within
	# 2 levels (RGB conversion rounding may differ).
	ffmpeg -v error -i v100.mp4 -vf 'select=eq(n\,63)' -frames:v 1 \
	    -f rawvideo -pix_fmt rgb24 - > ff63.raw
	t_is "frame 63 as ffmpeg decodes it (max difference <= 2)" "ok" \
	    "$(cmp -l lib63.raw ff63.raw | maxdiff)"
fi

# Crop: PNG size and content.
mz-frames uniform -n 2 -c 8,10,40,30 -o c v100.mp4 > /dev/null
cd_=$(ls -d c/uniform/*/v100)
t_is "crop: recorded" '{"x":8,"y":10,"w":40,"h":30}' \
    "$(tr -d ' \t\n' < "$cd_/run_info.json" | sed -n 's/.*"crop":\({[^}]*}\).*/\1/p')"
if [ -n "$have_ffmpeg" ] && [ -n "$have_vcheck" ]; then
	t_is "crop: PNG is 40x30" "40x30" \
	    "$(ffprobe -v error -show_entries stream=width,height -of csv=p=0:s=x "$cd_/frame_000099.png")"
	ffmpeg -v error -i "$cd_/frame_000099.png" -f rawvideo -pix_fmt rgb24 - > c99.raw
	vcheck raw v100.mp4 99 | "$TOP/scripts/find-python" >/dev/null 2>&1
	# Rows 10..39, columns 8..47 of the full frame, cut with dd.
	vcheck raw v100.mp4 99 > full99.raw
	: > cut99.raw
	r=10
	while [ $r -lt 40 ]; do
		dd if=full99.raw bs=1 skip=$((r * 64 * 3 + 8 * 3)) count=120 \
		    2>/dev/null >> cut99.raw
		r=$((r + 1))
	done
	t_ok "crop: PNG = the cropped region of the frame" cmp c99.raw cut99.raw
fi
t_fails "crop outside the picture: error names the file" 1 \
    'v100\.mp4: crop origin 70,0 outside the 64x48 picture' \
    mz-frames uniform -c 70,0,10,10 -o cbad v100.mp4

# ------------------------------------------------------ reuse, overwrite
before=$(ls -l --time-style=+%s.%N r/uniform/uniform-eea049edfd/v100 | cksum)
t_is "second run: reused" "v100	uniform-eea049edfd	reused	20" \
    "$(mz-frames uniform -o r v100.mp4)"
t_is "... files untouched" "$before" \
    "$(ls -l --time-style=+%s.%N r/uniform/uniform-eea049edfd/v100 | cksum)"
t_is "... no new index row" "2" "$(wc -l < r/uniform/index.csv | tr -d ' ')"
t_is "--overwrite: extracted again" "v100	uniform-eea049edfd	extracted	20" \
    "$(mz-frames uniform --overwrite -o r v100.mp4)"
t_is "... the index row replaced, not added" "2" \
    "$(wc -l < r/uniform/index.csv | tr -d ' ')"
t_is "index.csv columns" \
    "abs_path,run_id,started_at,finished_at,method,group,sequence,video_abs_path,params_hash,n_frames_extracted,n_frames_requested" \
    "$(head -1 r/uniform/index.csv)"
t_like "index.csv row" "^$T/r/uniform/uniform-eea049edfd/v100,uniform-eea049edfd,20[0-9-]+T[0-9:]+Z,20[0-9-]+T[0-9:]+Z,uniform,,v100,$T/v100.mp4,eea049edfd,20,20\$" \
    "$(sed -n 2p r/uniform/index.csv)"
mz-frames uniform -n 5 -o r v100.mp4 > /dev/null
t_is "another run: a second row" "3" "$(wc -l < r/uniform/index.csv | tr -d ' ')"
t_is "no temporary directories left" "" \
    "$(find r -name '.*tmp*')"

# ------------------------------------------ several videos, one sequence
mz-frames uniform -m -T both -n 4 -o mv v100.mp4 v400.mp4 > mv.out
mvd=mv/uniform/$(cut -f2 mv.out)/both
t_is "-m: global indices over 500 frames" "0,166,333,499" "$(sel "$mvd")"
t_like "-m: video_meta of several videos" \
    "\"total_frames\":500,\"video_count\":2,\"video_paths\":\\[\"$T/v100.mp4\",\"$T/v400.mp4\"\\]" \
    "$(tr -d ' \t\n' < "$mvd/run_info.json")"
t_like "-m: video_path is a JSON list as a string" \
    "\"video_path\":\"\\[\\\\\"$T/v100.mp4\\\\\", \\\\\"$T/v400.mp4\\\\\"\\]\"" \
    "$(tr -d '\t\n' < "$mvd/run_info.json")"
if [ -n "$have_vcheck" ]; then
	t_is "-m: global frame 166 is frame 66 of the second video" "0 66" \
	    "$(vcheck ids "$mvd/frame_000166.png" 0)"
	t_is "-m: global frame 499 is the second video's last" "0 399" \
	    "$(vcheck ids "$mvd/frame_000499.png" 0)"
fi

# ----------------------------------------------------------- the dataset
mkdir -p ds/media
cp v100.mp4 ds/media/a.mp4
cp v100.mp4 ds/media/b2.mp4
cp v400.mp4 ds/media/b1.mp4
cat > ds/dataset.yaml <<'YEOF'
name: t
version: 0.1.0
roots:
  media: media
  frames: media/frames
dataset_type: discrete
YEOF
cat > ds/media/index.csv <<'CEOF'
name,group,sequence,group_safe,sequence_safe,abs_path,size_bytes,mtime_iso,width,height,fps,codec,media_type,video_order
a.mp4,g1,s1,g1,s1,media/a.mp4,1,2026-01-01,64,48,25.0,h264,video,0
b2.mp4,g1,s 2,g1,s%202,media/b2.mp4,1,2026-01-01,64,48,25.0,h264,video,1
b1.mp4,g1,s 2,g1,s%202,media/b1.mp4,1,2026-01-01,64,48,25.0,h264,video,0
CEOF
t_ok "dataset: runs" sh -c 'mz-frames uniform -n 3 -d ds > ds.out'
t_is "dataset: one entry per sequence, entry keys" \
    "g1__s%202 g1__s1" "$(cut -f1 ds.out | sort | tr '\n' ' ' | sed 's/ $//')"
dsd=$(ls -d ds/media/frames/uniform/uniform-*/g1__s%202)
t_is "dataset: videos in video_order, global numbering" "0,250,499" "$(sel "$dsd")"
t_like "dataset: paths relative to the dataset" \
    '"video_path":"\[\\"media/b1.mp4\\", \\"media/b2.mp4\\"\]","output_dir":"media/frames/uniform/uniform-[0-9a-f]+/g1__s%202"' \
    "$(tr -d '\t\n' < "$dsd/run_info.json")"
t_is "dataset: frames index rows" "3" \
    "$(wc -l < ds/media/frames/uniform/index.csv | tr -d ' ')"
t_like "dataset: index row of the two-video sequence" \
    ',uniform,g1,s 2,"\[""[^"]*/ds/media/b1.mp4"", ""[^"]*/ds/media/b2.mp4""\]",[0-9a-f]{10},3,3$' \
    "$(grep 's 2' ds/media/frames/uniform/index.csv)"
t_is "dataset: a named sequence only" "g1__s1	reused" \
    "$(mz-frames uniform -n 3 -d ds s1 | cut -f1,3)"
t_fails "dataset: unknown sequence" 1 "no sequence 'zz'" \
    mz-frames uniform -d ds zz

# ---------------------------------------------------------------- kmeans
# Synthetic videos with K distinct scenes (the ID band cropped away): the
# K frames chosen must come from K different scenes, for several seeds.
for K in 5 8; do
	mkvideo -n 240 -k $K -s 96x72 -g 30 -o k$K.mp4
	for seed in 1 42; do
		rm -rf km
		mz-frames kmeans -n $K -r $seed -c 0,9,96,63 -o km k$K.mp4 \
		    > /dev/null
		scenes=$(sel km/kmeans/*/k$K | tr ',' '\n' |
		    awk -v K=$K '{ print int($1 * K / 240) }' | sort -u |
		    wc -l | tr -d ' ')
		t_is "kmeans: $K frames cover all $K scenes (seed $seed)" \
		    "$K" "$scenes"
	done
done
t_like "kmeans: sampling recorded" \
    '"sampling":\{"kmeans_batch_size":1024,"kmeans_max_iter":100,"kmeans_max_candidates":5000,"kmeans_resize":64,"effective_step":1,"candidate_count":240\}' \
    "$(tr -d ' \t\n' < "$(ls -d km/kmeans/*/k8)/run_info.json")"
rm -rf km
mz-frames kmeans -n 4 --kmeans-pool 50 -c 0,9,96,63 -o km k8.mp4 > /dev/null
t_like "kmeans: pool cap raises the step (240 > 50: step 5, 48 candidates)" \
    '"effective_step":5,"candidate_count":48' \
    "$(tr -d ' \t\n' < "$(ls -d km/kmeans/*/k8)/run_info.json")"
t_like "kmeans: frames on the raised step" '^[0-9]*[05](,[0-9]*[05])*$' \
    "$(sel km/kmeans/*/k8)"
mz-frames kmeans -n 4 -r 3 -o km1 -j 1 k5.mp4 k8.mp4 > /dev/null
mz-frames kmeans -n 4 -r 3 -o km2 -j 2 k5.mp4 k8.mp4 > /dev/null
t_is "kmeans: same seed, 1 or 2 threads: same frames" \
    "$(sel km1/kmeans/*/k5) $(sel km1/kmeans/*/k8)" \
    "$(sel km2/kmeans/*/k5) $(sel km2/kmeans/*/k8)"
t_ok "threads: identical PNG files" \
    sh -c 'for f in km1/kmeans/*/k8/*.png; do cmp "$f" "km2/${f#km1/}" || exit 1; done'
mz-frames kmeans -n 20 -e 9 -o km3 k5.mp4 > /dev/null
t_is "kmeans: more frames than candidates: all of them" \
    "0,1,2,3,4,5,6,7,8,9" "$(sel km3/kmeans/*/k5)"

# ------------------------------------------- exact frames, generated videos
if [ -n "$have_vcheck" ]; then
	# B-frames, short GOP, variable frame rate, MPEG-4, MJPEG: the frame
	# number read from every frame's picture, fetched by seeking in order
	# and in reverse, equals the number asked for.
	mkvideo -n 60 -s 64x48 -g 7 -b 3 -o bf.mp4
	mkvideo -V -n 45 -s 64x48 -g 9 -b 2 -o vf.mp4
	mkvideo -c mpeg4 -n 50 -s 64x48 -g 6 -b 2 -o m4.mp4
	mkvideo -c mjpeg -n 20 -s 64x48 -o mj.avi
	mkvideo -n 40 -s 64x48 -g 8 -b 2 -o bf.mkv
	for f in bf.mp4 vf.mp4 m4.mp4 mj.avi bf.mkv; do
		t_is "$f: sequential decode numbers every frame" "0" \
		    "$(vcheck ids "$f" | awk '$1 != $2' | wc -l | tr -d ' ')"
		t_is "$f: seeking to each frame gets it" "0" \
		    "$(vcheck ids -s "$f" | awk '$1 != $2' | wc -l | tr -d ' ')"
		n=$(vcheck ids "$f" | wc -l)
		t_is "$f: seeking backwards from the end" "0" \
		    "$(vcheck ids "$f" $(seq $((n - 1)) -3 0) | awk '$1 != $2' | wc -l | tr -d ' ')"
		t_like "$f: seek = sequential pixels" 'mismatches 0$' \
		    "$(vcheck seek -m 30 -k 10 "$f")"
	done
	t_fails "frame out of range" 1 'v100\.mp4: frame 100 out of range 0\.\.99' \
	    vcheck ids v100.mp4 100
fi

# ----------------------------------------------- exact frames, real videos
if [ -n "$DATA" ] && [ -n "$have_vcheck" ]; then
	# Seek vs sequential decode (luma hashes): the first 3, the last 5,
	# keyframes and neighbours, random frames.  To keep this file fast,
	# m3v1mp4 is checked over its first 800 frames (keyframes 182, 366,
	# 548, 797) and the two 1024x1024 SLEAP videos over their first 260
	# (keyframe 250); the others to the end.  scripts/bench-video.sh -c
	# checks every video whole.
	while read -r f opts; do
		if [ ! -f "$DATA/$f" ]; then
			echo "# $f absent: skipped"
			continue
		fi
		t_like "$f: frames by seeking = sequential decode" \
		    'mismatches 0$' "$(vcheck seek -g $opts "$DATA/$f" 2>&1)"
	done <<'EOV'
deeplabcut/m3v1mp4.mp4 -l 800 -m 4 -k 3
sleap/centered_pair_low_quality.mp4 -m 4 -k 3
sleap/20190128_113421.120s.mp4 -l 260 -m 2 -k 1
sleap/clip.mp4 -l 260 -m 2 -k 1
deeplabcut-history/reachingvideo1short.avi -m 5 -k 3
vame/cropped_video.mp4 -m 6 -k 4
EOV
	if [ -n "$have_ffmpeg" ] && [ -f "$DATA/sleap/centered_pair_low_quality.mp4" ]; then
		# mz-frames' PNG of frame 1099 (the last) = ffmpeg's decode.
		p=$DATA/sleap/centered_pair_low_quality.mp4
		mz-frames uniform -n 2 -o real "$p" > /dev/null
		ffmpeg -v error -i real/uniform/*/centered_pair_low_quality/frame_001099.png \
		    -f rawvideo -pix_fmt rgb24 - > r1099.raw
		ffmpeg -v error -i "$p" -vf 'select=eq(n\,1099)' -frames:v 1 \
		    -f rawvideo -pix_fmt rgb24 - > f1099.raw
		t_is "real: last frame's PNG as ffmpeg decodes it (max diff <= 2)" "ok" \
		    "$(cmp -l r1099.raw f1099.raw | maxdiff)"
		t_is "real: same size" "$(wc -c < f1099.raw)" "$(wc -c < r1099.raw)"
	fi
else
	echo "# no ../shared/data or no vcheck: real-video exactness skipped"
fi

# -------------------------------------------------------------- bad input
t_fails "no method" 2 'no method given' mz-frames
t_fails "unknown method" 2 "unknown method 'random'" mz-frames random -o x v100.mp4
t_fails "no output" 2 'exactly one of -d dataset and -o dir' \
    mz-frames uniform v100.mp4
t_fails "no file" 2 'no video file given' mz-frames uniform -o x
t_fails "zero frames" 2 'at least 1' mz-frames uniform -n 0 -o x v100.mp4
t_fails "end before start" 2 'end frame 3 before start frame 9' \
    mz-frames uniform -s 9 -e 3 -o x v100.mp4
t_fails "bad crop" 2 "bad crop '1,2,3'" mz-frames uniform -c 1,2,3 -o x v100.mp4
t_fails "missing video" 1 'nope\.mp4' mz-frames uniform -o x nope.mp4
echo "not a video" > text.mp4
t_fails "not a video" 1 'text\.mp4: not a readable video file' \
    mz-frames uniform -o x text.mp4
head -c $(($(wc -c < v400.mp4) / 2)) v400.mp4 > trunc.mp4
t_fails "truncated video" 1 'trunc\.mp4: not a readable video file.*moov atom not found' \
    mz-frames uniform -o x trunc.mp4
mkvideo -c mjpeg -n 20 -s 64x48 -o mj2.avi
sed 's/MJPG/AVS2/g' mj2.avi > avs2.avi
if ! mz-probe avs2.avi > /dev/null 2>&1; then
	t_fails "no decoder: names the codec" 1 "avs2\.avi: no decoder for codec 'avs2'" \
	    mz-frames uniform -o x avs2.avi
fi
# Damaged MJPEG data: frame 10's JPEG headers wiped (300 zero bytes).  A clear error
# naming the file and frame, the good video beside it still done, nothing
# left half written.
soi=$(printf '\377\330\377')
off=$(grep -obUa "$soi" mj2.avi | sed -n 11p | cut -d: -f1)
cp mj2.avi dmg.avi
head -c 300 /dev/zero | dd of=dmg.avi bs=1 seek="$off" conv=notrunc 2>/dev/null
mz-frames uniform -n 20 -o dm dmg.avi v100.mp4 > dm.out 2> dm.err
t_is "damaged video: exit 1" 1 "$?"
t_like "damaged video: error names file and frame" \
    'mz-frames: .*dmg\.avi: frame [0-9]+: ' "$(cat dm.err)"
t_is "damaged video: the other entry done" "v100	extracted" \
    "$(cut -f1,3 dm.out)"
t_is "damaged video: no entry directory, no temporary" "" \
    "$(ls -a dm/uniform/*/ | grep dmg)"
t_is "damaged video: not in the index" "" "$(grep dmg dm/uniform/index.csv)"

t_done
