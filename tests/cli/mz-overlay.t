#!/bin/sh
# tests: mz-overlay
# requires: mkvideo, mz-cat, $PY (numpy, to write the tracks and read the
# pixels); ffprobe and ffmpeg as the independent reference for sizes,
# counts and pixels (those checks are skipped without them)
. "$(dirname "$0")/lib.sh"

command -v mkvideo > /dev/null 2>&1 || t_skip_all "mkvideo not built"
command -v mz-cat > /dev/null 2>&1 || t_skip_all "mz-cat not built"
[ -n "$PY" ] || t_skip_all "no python3 with numpy to write the tracks"
FFPROBE=$(command -v ffprobe || true)
FFMPEG=$(command -v ffmpeg || true)
[ -n "$FFPROBE" ] || echo "# ffprobe absent: sizes and counts not checked"
[ -n "$FFMPEG" ] || echo "# ffmpeg absent: pixel checks skipped"

# probe FILE: "WIDTHxHEIGHT FRAMES RATE" (the container's frame count).
probe() {
	"$FFPROBE" -v error -select_streams v:0 -show_entries \
	    stream=width,height,nb_frames,r_frame_rate -of csv=p=0 "$1" |
	    awk -F, '{ print $1 "x" $2 " " $4 " " $3 }'
}
# rgb FILE OUT: decode FILE to raw RGB24 frames.
rgb() {
	"$FFMPEG" -v error -i "$1" -f rawvideo -pix_fmt rgb24 -y "$2"
}

# A 160 x 120 video of 60 frames (mkvideo: stripes, a moving square, the
# frame number in a band of 16 blocks at the top), and one animal of 3
# bodyparts at known places: p0 (30 + f, 60), p1 (80, 40 + f / 2), p2
# (120, 90), p2 missing on frames 10..14; syllable f / 20, none (-1) on
# frames 50..59; skeleton p0-p1.
mkvideo -s 160x120 -n 60 -r 30 -q 1 -o v.mp4
"$PY" - <<'EOF'
import json
meta = {"group": "g", "sequence": "ov", "individual": "a", "fps": 30,
        "bodyparts": ["p0", "p1", "p2"], "skeleton": [["p0", "p1"]]}
json.dump(meta, open("meta.json", "w"))
json.dump(dict(meta, individual="b"), open("metab.json", "w"))
json.dump(dict(meta, sequence="ov2"), open("meta2.json", "w"))
with open("t.csv", "w") as f, open("syl.csv", "w") as g:
    f.write("frame,p0.x,p0.y,p1.x,p1.y,p2.x,p2.y,syllable\n")
    g.write("frame,syllable\n")
    for t in range(60):
        p2 = ("nan", "nan") if 10 <= t < 15 else (120.0, 90.0)
        s = -1 if t >= 50 else t // 20
        f.write("%d,%r,%r,%r,%r,%s,%s,%d\n" % (t, 30.0 + t, 60.0, 80.0, 40 + t / 2, p2[0], p2[1], s))
        g.write("%d,%d\n" % (t, s))
EOF
mz-cat --from csv -t frame:i64,syllable:i32 --meta-file meta.json -o t.mzs \
    t.csv
mz-cat --from csv -t frame:i64,syllable:i32 --meta-file meta.json \
    -o syl.mzs syl.csv
cut -d, -f1-7 t.csv > t-nosyl.csv
mz-cat --from csv -t frame:i64 --meta-file meta.json -o t-nosyl.mzs \
    t-nosyl.csv

# --------------------------------------------------------- the output
t_ok "keypoints, skeleton, syllables and frame numbers on the video" \
    mz-overlay --video v.mp4 --quality 1 -o o.mp4 t.mzs
if [ -n "$FFPROBE" ]; then
	t_is "the video's size, frame count and rate (ffprobe)" \
	    "160x120 60 30/1" "$(probe o.mp4)"
fi
if [ -n "$FFMPEG" ]; then
	rgb v.mp4 v.rgb
	rgb o.mp4 o.rgb
	# autumn for 3 bodyparts: (255, 0, 0), (255, 128, 0), (255, 255, 0),
	# matplotlib's colours of linspace(0, 1, 3) as int(255 v).  The
	# means of 3 x 3 pixels at each keypoint must be within 40 levels
	# per channel (H.264 4:2:0; measured under 12).  p0 is not checked
	# where p1, drawn after it, covers it (frames 46..52).
	t_is "each keypoint in its colour at its place, frames 0..59 (numpy)" \
	    "ok" "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("o.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
want = [(255, 0, 0), (255, 128, 0), (255, 255, 0)]
bad, worst = [], 0
for t in range(60):
    pts = [(30 + t, 60), (80, 40 + t / 2), (120, 90)]
    for k, (x, y) in enumerate(pts):
        if k == 2 and 10 <= t < 15:
            continue
        # a later keypoint's disc (radius 5) covering this one's centre
        if any(np.hypot(x - u, y - v) < 8 for u, v in pts[k + 1:]):
            continue
        x, y = int(x), int(y)
        got = o[t, y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0)
        d = np.abs(got - want[k]).max()
        worst = max(worst, d)
        if d > 40:
            bad.append("frame %d p%d: %s" % (t, k, got.round()))
print("ok" if not bad else "; ".join(bad[:4]))
EOF
)"
	t_is "a missing keypoint is not drawn (p2, frames 10..14)" "ok" \
	    "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("o.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
v = np.fromfile("v.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
d = max(np.abs(o[t, 84:97, 114:127] - v[t, 84:97, 114:127]).mean() for t in range(10, 15))
print("ok" if d < 4 else "differs from the video by %.1f" % d)
EOF
)"
	t_is "pixels away from the drawing are the video's (mean error < 3)" \
	    "ok" "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("o.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
v = np.fromfile("v.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
d = np.abs(o[:, 100:, :24] - v[:, 100:, :24]).mean()
print("ok" if d < 3 else "mean error %.2f" % d)
EOF
)"
	t_ok "--line-width 6 --node-size 0 --text-scale 0" \
	    mz-overlay --video v.mp4 --quality 1 --line-width 6 --node-size 0 \
	    --text-scale 0 -o line.mp4 t.mzs
	rgb line.mp4 line.rgb
	t_is "the skeleton edge p0-p1 in p0's colour, nothing at p2" "ok" \
	    "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("line.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
v = np.fromfile("v.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
bad = []
for t in (0, 30, 59):
    a, b = np.array([30 + t, 60.0]), np.array([80, 40 + t / 2])
    m = ((a + b) / 2).astype(int)
    got = o[t, m[1] - 1:m[1] + 2, m[0] - 1:m[0] + 2].reshape(-1, 3).mean(0)
    if np.abs(got - (255, 0, 0)).max() > 40:
        bad.append("frame %d midpoint %s" % (t, got.round()))
    if np.abs(o[t, 84:97, 114:127] - v[t, 84:97, 114:127]).mean() > 4:
        bad.append("frame %d: p2 drawn" % t)
print("ok" if not bad else "; ".join(bad))
EOF
)"
	t_ok "--no-frame-numbers --text-scale 2" \
	    mz-overlay --video v.mp4 --quality 1 --no-frame-numbers -o nf.mp4 \
	    t.mzs
	rgb nf.mp4 nf.rgb
	# The label is centred above the highest keypoint: white pixels in
	# the 60 x 20 box above it while there is a syllable, none after.
	t_is "syllable numbers above the animal on frames 0..49, none on 50..59" \
	    "ok" "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("nf.rgb", np.uint8).reshape(-1, 120, 160, 3)
bad = []
for t in range(60):
    xs = [30 + t, 80] + ([] if 10 <= t < 15 else [120])
    top = min([60, 40 + t / 2] + ([] if 10 <= t < 15 else [90]))
    cx, y1 = int(sum(xs) / len(xs)), int(top) - 5
    box = o[t, max(y1 - 20, 15):y1, max(cx - 30, 0):cx + 30]
    n = int((box.min(2) > 200).sum())
    if (t < 50) != (n >= 10):
        bad.append("frame %d: %d white pixels" % (t, n))
print("ok" if not bad else "; ".join(bad[:4]))
EOF
)"
	t_is "frame numbers: white text on black at the top left" "ok" \
	    "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("o.rgb", np.uint8).reshape(-1, 120, 160, 3)
n = o[:, 8:26, 8:100]
w, b = (n.min(3) > 200).sum((1, 2)), (n.max(3) < 50).sum((1, 2))
print("ok" if (w > 40).all() and (b > 200).all() else "white %s black %s" % (w.min(), b.min()))
EOF
)"
	t_ok "--start 20 --end 30" \
	    mz-overlay --video v.mp4 --no-frame-numbers --start 20 --end 30 \
	    -o part.mp4 t.mzs
	rgb part.mp4 part.rgb
	t_is "... frames 20..29 of the video (read from mkvideo's band)" \
	    "20 21 22 23 24 25 26 27 28 29" "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("part.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(int)
print(" ".join(str(sum(1 << b for b in range(16) if o[j, 7, b * 10 + 5].mean() > 128))
               for j in range(len(o))))
EOF
)"
	t_ok "-s: the syllables from another stream" \
	    mz-overlay --video v.mp4 --quality 1 -s syl.mzs -o s.mp4 t-nosyl.mzs
	t_ok "... the same video as with the column in the tracks" \
	    cmp s.mp4 o.mp4
	t_ok "without syllables" \
	    mz-overlay --video v.mp4 --quality 1 --no-frame-numbers \
	    -o nosyl.mp4 t-nosyl.mzs
	rgb nosyl.mp4 nosyl.rgb
	t_is "... no label: the rows above the animal are the video's (mean error < 3)" \
	    "ok" "$("$PY" -c '
import numpy as np
o = np.fromfile("nosyl.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
v = np.fromfile("v.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
d = np.abs(o[:, 17:40] - v[:, 17:40]).mean()
print("ok" if d < 3 else "mean error %.2f" % d)')"
	t_ok "--size 160x120: on black, at the tracks' fps" \
	    mz-overlay --size 160x120 --quality 1 --text-scale 0 -o blank.mp4 \
	    t.mzs
	rgb blank.mp4 blank.rgb
	t_is "... keypoints in their colours, black elsewhere" "ok" \
	    "$("$PY" - <<'EOF'
import numpy as np
o = np.fromfile("blank.rgb", np.uint8).reshape(-1, 120, 160, 3).astype(float)
bad = []
if len(o) != 60: bad.append("%d frames" % len(o))
for t in (0, 25, 59):
    got = o[t, 59:62, 29 + t:32 + t].reshape(-1, 3).mean(0)
    if np.abs(got - (255, 0, 0)).max() > 40: bad.append("p0 %s" % got.round())
if o[:, 100:, :20].mean() > 3: bad.append("background %.1f" % o[:, 100:, :20].mean())
print("ok" if not bad else "; ".join(bad))
EOF
)"
fi
if [ -n "$FFPROBE" ]; then
	t_ok "--size with --fps 12.5 and --colormap jet" \
	    mz-overlay --size 64x48 --fps 12.5 --colormap jet -o fps.mp4 t.mzs
	t_is "... 64x48, 60 frames at 25/2" "64x48 60 25/2" "$(probe fps.mp4)"
	t_ok "--codec mpeg4 to .avi" \
	    mz-overlay --video v.mp4 --codec mpeg4 -o o.avi t.mzs
	t_is "... an MPEG-4 Part 2 stream of 60 frames" "mpeg4 60" \
	    "$("$FFPROBE" -v error -count_frames -select_streams v:0 \
	    -show_entries stream=codec_name,nb_read_frames -of csv=p=0 o.avi |
	    tr , ' ')"
fi
t_ok "standard input" sh -c 'mz-overlay --video v.mp4 -o stdin.mp4 < t.mzs'
t_ok "-q is accepted" mz-overlay -q --video v.mp4 -o q.mp4 t.mzs

# ------------------------------------------------------- sequences
mz-cat --from csv -t frame:i64,syllable:i32 --meta-file meta2.json \
    -o t2.mzs t.csv
cat t.mzs t2.mzs > both.mzs
t_fails "two sequences without --sequence" 1 \
    "^mz-overlay: both\.mzs: the input has more than one sequence \('ov' and 'ov2'\): choose one with --sequence" \
    mz-overlay --video v.mp4 -o never.mp4 both.mzs
t_ok "--sequence ov2" mz-overlay --video v.mp4 --quality 1 --sequence ov2 \
    -o seq2.mp4 both.mzs
t_ok "... the same as that sequence alone" cmp seq2.mp4 o.mp4
mz-cat --from csv -t frame:i64,syllable:i32 --meta-file metab.json \
    -o tb.mzs t.csv
cat t.mzs tb.mzs > two.mzs
t_ok "two individuals of one sequence" \
    mz-overlay --video v.mp4 -o two.mp4 two.mzs
t_fails "-s without a part for an individual" 1 \
    "^mz-overlay: syl\.mzs: no part for two\.mzs: part 1 ov \(group, sequence and individual\)" \
    mz-overlay --video v.mp4 -s syl.mzs -o never.mp4 two.mzs

# ------------------------------------------------ real data (DeepLabCut)
h5=${DATA:+$DATA/dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5}
mp4=${DATA:+$DATA/deeplabcut/m3v1mp4.mp4}
if [ -n "$DATA" ] && [ -f "$h5" ] && [ -f "$mp4" ] &&
    command -v mz-convert > /dev/null 2>&1; then
	mz-convert -o m3.mzs "$h5"
	t_ok "DeepLabCut tracks on their video (H.264 4:4:4), frames 0..29" \
	    mz-overlay --video "$mp4" --end 30 --quality 1 -o m3.mp4 m3.mzs
	if [ -n "$FFPROBE" ]; then
		t_is "... 640x480, 30 frames at the video's rate" \
		    "640x480 30 1000000/33333" "$(probe m3.mp4)"
	fi
	if [ -n "$FFMPEG" ]; then
		mz-cat --csv m3.mzs > m3.csv 2>/dev/null
		rgb m3.mp4 m3.rgb
		# autumn for 4 bodyparts: snout (255, 0, 0), tailbase
		# (255, 255, 0); 40 levels per channel, as above.
		t_is "... snout red and tailbase yellow where DeepLabCut put them" \
		    "ok" "$("$PY" - <<'EOF'
import csv
import numpy as np
o = np.fromfile("m3.rgb", np.uint8).reshape(-1, 480, 640, 3).astype(float)
rows = list(csv.DictReader(open("m3.csv")))
bad = []
for t in (0, 10, 29):
    for b, want in (("snout", (255, 0, 0)), ("tailbase", (255, 255, 0))):
        x, y = int(float(rows[t][b + ".x"])), int(float(rows[t][b + ".y"]))
        got = o[t, y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0)
        if np.abs(got - want).max() > 40:
            bad.append("frame %d %s (%d,%d): %s" % (t, b, x, y, got.round()))
print("ok" if not bad else "; ".join(bad))
EOF
)"
	fi
else
	echo "# real data or mz-convert absent: DeepLabCut case skipped"
fi

# ------------------------------------------------------------- bad input
mkvideo -s 160x120 -n 30 -r 30 -o short.mp4
t_fails "a video shorter than the tracks" 1 \
    '^mz-overlay: short\.mp4: 30 frames, but t\.mzs: part 0 ov has frame 59 \(the tracks are longer than the video\)' \
    mz-overlay --video short.mp4 -o never.mp4 t.mzs
t_fails "a missing video" 1 '^mz-overlay: nosuch\.mp4: No such file' \
    mz-overlay --video nosuch.mp4 -o never.mp4 t.mzs
head -c 2000 v.mp4 > trunc.mp4
t_fails "a truncated video" 1 '^mz-overlay: trunc\.mp4: ' \
    mz-overlay --video trunc.mp4 -o never.mp4 t.mzs
t_fails "-c naming no column" 1 \
    "^mz-overlay: t\.mzs: part 0 ov: no column 'state' \(the syllables\)" \
    mz-overlay -c state --video v.mp4 -o never.mp4 t.mzs
t_fails "a float syllable column" 1 "column 'p0\.x' is not an integer column" \
    mz-overlay -c p0.x --video v.mp4 -o never.mp4 t.mzs
t_fails "-s stream without the column" 1 \
    "^mz-overlay: t-nosyl\.mzs: part 0 ov: no column 'syllable' \(the syllables; see -c\)" \
    mz-overlay -s t-nosyl.mzs --video v.mp4 -o never.mp4 t.mzs
t_fails "--sequence naming none" 1 "^mz-overlay: t\.mzs: no part of sequence 'x'" \
    mz-overlay --sequence x --video v.mp4 -o never.mp4 t.mzs
mz-cat --from csv -t frame:i64 -o nobp.mzs t-nosyl.csv
t_fails "no bodyparts metadata" 1 'no "bodyparts" metadata \(not standard tracks\)' \
    mz-overlay --video v.mp4 -o never.mp4 nobp.mzs
size=$(wc -c < t.mzs)
head -c $((size - 50)) t.mzs > trunc.mzs
t_fails "truncated tracks" 1 '^mz-overlay: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-overlay --video v.mp4 -o never.mp4 trunc.mzs
t_fails "--start past the end" 1 '^mz-overlay: v\.mp4: 60 frames; --start 60 is past the last' \
    mz-overlay --video v.mp4 --start 60 -o never.mp4 t.mzs
t_fails "--skeleton naming no bodyparts" 1 "--skeleton: 'p0-p9' is not two bodyparts" \
    mz-overlay --video v.mp4 --skeleton p0-p9 -o never.mp4 t.mzs
t_fails "an output in a missing directory" 1 '^mz-overlay: nodir/' \
    mz-overlay --video v.mp4 -o nodir/x.mp4 t.mzs
t_ok "no output file left" test ! -e never.mp4
t_is "... and no temporary file" "" "$(ls -a | grep '^\.never' | head -3)"
t_fails "no -o" 2 '^mz-overlay: no output file \(-o\)' \
    mz-overlay --video v.mp4 t.mzs
t_fails "no video and no --size" 2 '^mz-overlay: no video \(--video\) and no --size' \
    mz-overlay -o never.mp4 t.mzs
t_fails "--video and --size" 2 'exclude each other' \
    mz-overlay --video v.mp4 --size 64x64 -o never.mp4 t.mzs
t_fails "--fps with a video" 2 '^mz-overlay: --fps is for --size' \
    mz-overlay --video v.mp4 --fps 10 -o never.mp4 t.mzs
t_fails "--end before --start" 2 '^mz-overlay: --end 5 is not after --start 10' \
    mz-overlay --video v.mp4 --start 10 --end 5 -o never.mp4 t.mzs
for a in "--size 3x3" "--size 64" "--node-size -1" "--colormap nope" \
    "--start x"; do
	t_fails "bad value: $a" 2 '^mz-overlay: bad ' \
	    mz-overlay $a -o never.mp4 t.mzs
done
t_fails "two tracks files" 2 '^mz-overlay: more than one tracks file' \
    mz-overlay --video v.mp4 -o never.mp4 t.mzs t.mzs

# ---------------------------------------------------------- usage, version
t_ok "--help" mz-overlay --help
t_like "--help prints the synopsis" '^usage: mz-overlay \[-qv\] ' \
    "$(cat "$T/.out")"
t_ok "--version" mz-overlay --version
t_is "--version prints the version" "mz-overlay 0.1.0" "$(cat "$T/.out")"
t_done
