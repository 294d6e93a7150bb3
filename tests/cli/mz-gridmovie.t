#!/bin/sh
# tests: mz-gridmovie
# requires: mkvideo, mz-simulate, mz-cat; ffprobe and ffmpeg (the
# independent reference for frame counts, sizes and pixels; those checks
# are skipped without them); $PY (numpy) for the pixel and instance checks
. "$(dirname "$0")/lib.sh"

command -v mkvideo > /dev/null 2>&1 || t_skip_all "mkvideo not built"
command -v mz-simulate > /dev/null 2>&1 || t_skip_all "mz-simulate not built"
command -v mz-cat > /dev/null 2>&1 || t_skip_all "mz-cat not built"
FFPROBE=$(command -v ffprobe || true)
FFMPEG=$(command -v ffmpeg || true)
[ -n "$FFPROBE" ] || echo "# ffprobe absent: frame counts and sizes not checked"
[ -n "$FFMPEG" ] && [ -n "$PY" ] ||
    echo "# ffmpeg or numpy absent: pixel checks skipped"

# probe FILE: "WIDTHxHEIGHT FRAMES RATE" of the first video stream (the
# frame count from the container).
probe() {
	"$FFPROBE" -v error -select_streams v:0 -show_entries \
	    stream=width,height,nb_frames,r_frame_rate -of csv=p=0 "$1" |
	    awk -F, '{ print $1 "x" $2 " " $4 " " $3 }'
}

# Two simulated recordings of 600 frames in a 240 x 240 arena, and a video
# of each (mkvideo: stripes, a moving square, the frame number in a band).
mz-simulate -s 2 -n 600 --arena 120 --seed 1 -o sim.mzs
mkdir vids
mkvideo -s 240x240 -n 600 -r 30 -o vids/sim0.mp4
cp vids/sim0.mp4 vids/sim1.mp4
mz-cat --csv sim.mzs > sim.csv 2>/dev/null

# ------------------------------------------------------ geometry, counts
t_ok "2 x 3 tiles of 64 px, 10 + 20 frames" \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids -r 2 -c 3 --pre 10 --post 20 --window 96 --tile 64 \
    -o gm sim.mzs
ls gm > gm.list
t_like "one movie per syllable, named as upstream" \
    '^instances\.csv syllable[0-9]+\.mp4( syllable[0-9]+\.mp4)*$' \
    "$(tr '\n' ' ' < gm.list | sed 's/ $//')"
if [ -n "$FFPROBE" ]; then
	for f in $(ls gm/syllable*.mp4 | sed -n '1p;$p'); do
		t_is "$f: 192x128, 30 frames at 30/1 fps (ffprobe)" \
		    "192x128 30 30/1" "$(probe "$f")"
	done
	t_ok "default tile: the window (96 px) when under max-size" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 2 -c 3 --pre 10 --post 20 --window 96 \
	    -s 1 -o gm2 sim.mzs
	t_is "... 288x192" "288x192 30 30/1" "$(probe gm2/syllable1.mp4)"
	t_ok "default tile under --max-size 100: 32 px (100/3 to 16s)" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 2 -c 3 --pre 10 --post 20 --window 96 \
	    --max-size 100 -s 1 -o gm3 sim.mzs
	t_is "... 96x64" "96x64 30 30/1" "$(probe gm3/syllable1.mp4)"
	t_ok "default pre and post: 1 s and 2 s at the video's 30 fps" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 1 -c 2 --window 64 -s 1 -o gm4 sim.mzs
	t_is "... 90 frames of 128x64" "128x64 90 30/1" \
	    "$(probe gm4/syllable1.mp4)"
	t_ok "--fps 15: the movie's rate, and pre/post of 15 and 30" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 1 -c 2 --window 64 --fps 15 -s 1 -o gm5 \
	    sim.mzs
	t_is "... 45 frames at 15/1" "128x64 45 15/1" \
	    "$(probe gm5/syllable1.mp4)"
	t_ok "--codec mpeg4" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 1 -c 2 --pre 3 --post 5 --window 64 \
	    --codec mpeg4 -s 1 -o gm6 sim.mzs
	t_is "... an MPEG-4 Part 2 stream" "mpeg4" \
	    "$("$FFPROBE" -v error -select_streams v:0 -show_entries \
	    stream=codec_name -of csv=p=0 gm6/syllable1.mp4)"
	t_ok "--keypoints-only: no video needed" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --keypoints-only -r 2 -c 2 --pre 4 --post 8 -s 1 -o gm7 sim.mzs
	# Upstream's automatic window, computed here with numpy from the CSV
	# and the instances shown: keypoints of frames onset-4..onset+7 in
	# the egocentric frame of the onset (centroid: mean of all bodyparts,
	# heading: nose minus tailbase, both through a running median of 9,
	# mirrored at the ends), 2.2 x the 90th percentile of the largest |x|
	# and |y| per frame, up to a multiple of 16; the tile (2 x 2 grid,
	# under --max-size) is the window.
	if [ -n "$PY" ]; then
		t_is "... the automatic window as upstream computes it (numpy)" \
		    "$("$PY" - <<'EOF2'
import csv
import numpy as np
rows = list(csv.DictReader(open("sim.csv")))
names = [k[:-2] for k in rows[0] if k.endswith(".x")]
parts = []
for r in rows:
    if r["frame"] == "0": parts.append([])
    parts[-1].append([[float(r[b + ".x"]), float(r[b + ".y"])] for b in names])
parts = [np.array(p) for p in parts]
nose, tail = names.index("nose"), names.index("tailbase")
def med(x):
    T = len(x)
    idx = np.array([[min(max(i, -i - 1), 2 * T - i - 1) for i in range(t - 4, t + 5)] for t in range(T)])
    return np.median(x[idx], axis=1)
vals = []
for r in csv.DictReader(open("gm7/instances.csv")):
    y = parts[int(r["sequence"][3:])]
    c = np.stack([med(y[:, :, 0].mean(1)), med(y[:, :, 1].mean(1))], 1)
    d = y[:, nose] - y[:, tail]
    hh = np.arctan2(d[:, 1], d[:, 0])
    h = np.arctan2(med(np.sin(hh)), med(np.cos(hh)))
    s = int(r["start"])
    R = np.array([[np.cos(h[s]), np.sin(h[s])], [-np.sin(h[s]), np.cos(h[s])]])
    for t in range(s - 4, s + 8):
        e = (y[t] - c[s]) @ R.T
        vals.append(np.abs(e).max(0))
w = int(np.ceil(np.percentile(np.array(vals), 90) * 1.1 * 2 / 16) * 16)
print("%dx%d 12 30/1" % (2 * w, 2 * w))
EOF2
)" "$(probe gm7/syllable1.mp4)"
	fi
fi

# ------------------------------------------------------------- instances
# Every instance listed is a whole run of its syllable (state), of
# min..max length, with pre frames before it and post after; rows x cols
# distinct instances per movie; and the syllables shown are exactly those
# with enough such runs and a run-length frequency >= 0.005 (computed
# here from the CSV, independently of the tool).
check_instances() { # DIR PRE POST MIN MAX TILES
	"$PY" - "$@" <<'EOF'
import csv, sys
import numpy as np
d, pre, post, mn, mx, tiles = sys.argv[1], *map(int, sys.argv[2:])
rows = list(csv.DictReader(open("sim.csv")))
seqs = {}
for r in rows:
    seqs.setdefault(r["sequence"] if "sequence" in r else None, [])
# sim.csv has no sequence column: parts follow each other, frames restart.
state, parts = [], []
for r in rows:
    if r["frame"] == "0":
        parts.append([])
    parts[-1].append(int(r["state"]))
names = ["sim%d" % i for i in range(len(parts))]
runs = {}
onsets = {}
for name, z in zip(names, parts):
    z = np.array(z)
    ch = np.flatnonzero(np.diff(z)) + 1
    st = np.r_[0, ch]; en = np.r_[ch, len(z)]
    for s, e in zip(st, en):
        k = int(z[s]); onsets[k] = onsets.get(k, 0) + 1
        if e - s >= mn and (mx == 0 or e - s <= mx) and s >= pre and s < len(z) - post:
            runs.setdefault(k, []).append((name, int(s), int(e)))
tot = sum(onsets.values())
want = sorted(k for k in onsets if onsets[k] / tot >= 0.005 and len(runs.get(k, [])) >= tiles)
got = {}
for r in csv.DictReader(open(d + "/instances.csv")):
    got.setdefault(int(r["syllable"]), []).append(
        (r["sequence"], int(r["start"]), int(r["end"])))
bad = []
if sorted(got) != want:
    bad.append("syllables %s, want %s" % (sorted(got), want))
for k, v in got.items():
    if len(v) != tiles or len(set(v)) != tiles:
        bad.append("syllable %d: %d tiles, %d distinct" % (k, len(v), len(set(v))))
    for x in v:
        if x not in runs.get(k, []):
            bad.append("syllable %d: %s is not a qualifying run" % (k, x))
print("ok" if not bad else "; ".join(bad[:5]))
EOF
}
if [ -n "$PY" ]; then
	t_is "instances: whole runs, 3+ frames, room for pre/post (numpy)" \
	    "ok" "$(check_instances gm 10 20 3 0 6)"
	mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 1 -c 2 --pre 5 --post 5 --window 32 \
	    --min-length 8 --max-length 20 -o len sim.mzs 2> len.err
	t_is "--min-length 8 --max-length 20: only such runs (numpy)" "ok" \
	    "$(check_instances len 5 5 8 20 2)"
	t_is "... lengths in instances.csv within 8..20" "" \
	    "$(awk -F, 'NR > 1 && ($10 < 8 || $10 > 20 || $9 - $8 != $10)' \
	    len/instances.csv)"
fi
t_is "instances.csv: rows x cols lines per movie" \
    "$(( $(ls gm/syllable*.mp4 | wc -l) * 6 + 1 ))" \
    "$(wc -l < gm/instances.csv | tr -d ' ')"
t_like "instances.csv: the header" \
    '^syllable,tile,row,col,group,sequence,individual,start,end,length,video$' \
    "$(head -1 gm/instances.csv)"

# ------------------------------------------------------------ the seed
run_seed() { # SEED DIR
	mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 2 -c 2 --pre 3 --post 6 --window 48 \
	    --seed "$1" -s 1,4 -o "$2" sim.mzs
}
run_seed 7 sa
run_seed 7 sb
run_seed 8 sc
t_is "the same seed: the same picks" "$(cksum < sa/instances.csv)" \
    "$(cksum < sb/instances.csv)"
t_ok "the same seed: the same movie, byte for byte" \
    cmp sa/syllable1.mp4 sb/syllable1.mp4
t_ok "another seed: other picks" \
    sh -c '! cmp -s sa/instances.csv sc/instances.csv'
t_is "-s 1,4: those two movies only" "instances.csv syllable1.mp4 syllable4.mp4" \
    "$(ls sa | tr '\n' ' ' | sed 's/ $//')"
t_is "a syllable's picks do not depend on the others shown" \
    "$(grep '^1,' sa/instances.csv)" \
    "$(mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids -r 2 -c 2 --pre 3 --post 6 --window 48 --seed 7 \
    -s 1 -o sd sim.mzs; grep '^1,' sd/instances.csv)"

# ---------------------------------------------------- crop and rotation
# A recording of 120 frames whose syllable 1 occurs once, rows 40..59,
# with a fixed centroid c and heading h given as columns (no tracks, no
# smoothing needed: they are constant).  mkvideo's moving square (r > 180,
# b < 100, the only such pixels) is found in each decoded video frame, its
# centre p; tile frame j shows video frame 40 - 5 + j, where the square
# must appear at q = s R(-h) (p - c) + (W/2) s.
# Checked: the centroid of the square's pixels in each decoded tile frame
# (tolerance 1 px; measured 0.15), and the whole tile against numpy's own
# bilinear warp of the decoded source frames: the means of 4 x 4 blocks
# (which average out the encoder's error on the fine stripes) differ by
# less than 3 levels on average (measured 1.3).
mkvideo -s 320x240 -n 120 -r 30 -q 1 -o cal.mp4
if [ -n "$PY" ]; then
	"$PY" - <<'EOF'
import json
with open("cal.csv", "w") as f:
    f.write("frame,syllable,centroid.x,centroid.y,heading\n")
    for t in range(120):
        s = 1 if 40 <= t < 60 else (0 if (t // 10) % 2 else 2)
        f.write("%d,%d,%r,%r,%r\n" % (t, s, 158.5, 140.0, 0.6))
json.dump({"sequence": "cal", "fps": 30}, open("cal.json", "w"))
EOF
	mz-cat --from csv -t frame:i64,syllable:i32 --meta-file cal.json \
	    -o cal.mzs cal.csv
fi
check_tile() { # MOVIE WINDOW TILE HEADING
	"$FFMPEG" -v error -i "$1" -f rawvideo -pix_fmt rgb24 -y out.rgb &&
	"$PY" - "$@" <<'EOF'
import sys
import numpy as np
W, S, h = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
out = np.fromfile("out.rgb", np.uint8).reshape(-1, S, S, 3).astype(float)
src = np.fromfile("src.rgb", np.uint8).reshape(-1, 240, 320, 3).astype(float)
c = np.array([158.5, 140.0]); s = S / W; half = (W // 2) * s
R = lambda a: np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
worst, errs = 0.0, []
jj, ii = np.mgrid[0:S, 0:S].astype(float)
for j in range(out.shape[0]):
    f = 35 + j
    sm = (src[f][..., 0] > 180) & (src[f][..., 2] < 100)
    sy, sx = np.nonzero(sm)
    p = np.array([sx.mean(), sy.mean()])
    q = s * R(-h) @ (p - c) + half
    img = out[j]
    m = (img[..., 0] > 180) & (img[..., 2] < 100)
    yy, xx = np.nonzero(m)
    got = np.array([xx.mean(), yy.mean()])
    worst = max(worst, np.abs(got - q).max())
    if j % 4:
        continue
    # numpy's warp: tile pixel (i, j) <- source at c + R(h) ((i, j) - half) / s
    u, v = (ii - half) / s, (jj - half) / s
    px = c[0] + np.cos(h) * u - np.sin(h) * v
    py = c[1] + np.sin(h) * u + np.cos(h) * v
    x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
    fx, fy = (px - x0)[..., None], (py - y0)[..., None]
    def at(x, y):
        ok = (x >= 0) & (y >= 0) & (x < 320) & (y < 240)
        v = np.zeros(x.shape + (3,))
        v[ok] = src[f][y[ok], x[ok]]
        return v
    want = (at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy)
            + at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy)
    bm = lambda a: a.reshape(S // 4, 4, S // 4, 4, 3).mean((1, 3))
    errs.append(np.abs(bm(img) - bm(want)).mean())
print("marker %s, pixels %s" % ("ok" if worst <= 1.0 else "off by %.2f px" % worst,
      "ok" if max(errs) < 3 else "mean abs error %.2f" % max(errs)))
EOF
}
if [ -n "$FFMPEG" ] && [ -n "$PY" ]; then
	"$FFMPEG" -v error -i cal.mp4 -f rawvideo -pix_fmt rgb24 -y src.rgb
	t_ok "one tile of syllable 1, window 192 at scale 1, heading 0.6" \
	    mz-gridmovie --video cal.mp4 --window 192 --tile 192 -r 1 -c 1 \
	    -s 1 --pre 5 --post 10 --dot-radius 0 --quality 1 -o cal1 cal.mzs
	t_is "... the square where the transform puts it; the pixels as numpy's warp" \
	    "marker ok, pixels ok" "$(check_tile cal1/syllable1.mp4 192 192 0.6)"
	sed 's/,0\.6$/,-2.0/' cal.csv > cal2.csv
	mz-cat --from csv -t frame:i64,syllable:i32 --meta-file cal.json \
	    -o cal2.mzs cal2.csv
	t_ok "the same at scale 0.5 (tile 96), heading -2.0" \
	    mz-gridmovie --video cal.mp4 --window 192 --tile 96 -r 1 -c 1 \
	    -s 1 --pre 5 --post 10 --dot-radius 0 --quality 1 -o cal2 cal2.mzs
	t_is "... the square where the transform puts it; the pixels as numpy's warp" \
	    "marker ok, pixels ok" "$(check_tile cal2/syllable1.mp4 192 96 -2.0)"
	# The dot: on the tile frames of the syllable's rows (5..24), at the
	# centroid, the tile's centre: white there, not before.
	mz-gridmovie --video cal.mp4 --window 192 --tile 192 -r 1 -c 1 -s 1 \
	    --pre 5 --post 30 --dot-radius 6 --dot-color 0,255,0 --quality 1 \
	    -o cal3 cal.mzs
	"$FFMPEG" -v error -i cal3/syllable1.mp4 -f rawvideo -pix_fmt rgb24 \
	    -y dot.rgb
	t_is "--dot-color 0,255,0: green at the centre on frames 5..24 only" \
	    "4 5 24 25" "$("$PY" -c '
import numpy as np
o = np.fromfile("dot.rgb", np.uint8).reshape(-1, 192, 192, 3).astype(int)
g = [j for j in range(len(o)) if o[j, 96, 96, 1] > 200 and o[j, 96, 96, 0] < 80 and o[j, 96, 96, 2] < 80]
print(min(g) - 1, min(g), max(g), max(g) + 1 if len(g) == max(g) - min(g) + 1 else "gaps")')"
fi

# ------------------------------------------------------ keypoint overlay
if [ -n "$FFMPEG" ] && [ -n "$PY" ]; then
	t_ok "-k: keypoints drawn" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -k -r 1 -c 1 --pre 2 --post 4 --window 96 \
	    --node-size 4 --line-width 0 --dot-radius 0 --quality 1 -s 1 \
	    -o kp sim.mzs
	t_ok "... the same without -k" \
	    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
	    --video-dir vids -r 1 -c 1 --pre 2 --post 4 --window 96 \
	    --dot-radius 0 --quality 1 -s 1 -o nokp sim.mzs
	# At the onset frame the nose (autumn 0: red) and the tailbase
	# (autumn 1: yellow) must be where the tracks and the heading put
	# them; the heading makes the nose lie right of the tailbase.
	"$FFMPEG" -v error -i kp/syllable1.mp4 -f rawvideo -pix_fmt rgb24 -y kp.rgb
	t_is "-k: nose red and tailbase yellow at their transformed places, nose to the right" \
	    "ok" "$("$PY" - <<'EOF'
import csv
import numpy as np
import subprocess
inst = next(csv.DictReader(open("kp/instances.csv")))
seq, start = inst["sequence"], int(inst["start"])
rows = [r for r in csv.DictReader(open("sim.csv"))]
part = []
for r in rows:
    if r["frame"] == "0": part.append([])
    part[-1].append(r)
z = part[int(seq[3:])]
P = lambda t, b: np.array([float(z[t][b + ".x"]), float(z[t][b + ".y"])])
names = [k[:-2] for k in rows[0] if k.endswith(".x")]
def pose(t):
    pts = np.array([P(t, b) for b in names])
    return pts.mean(0), np.arctan2(*(P(t, "nose") - P(t, "tailbase"))[::-1])
# the median filter of 9 (reflect) on centroid and heading sin/cos
T = len(z)
def filt(t):
    idx = [min(max(i, -i - 1), 2 * T - i - 1) for i in range(t - 4, t + 5)]
    cs = np.array([pose(i)[0] for i in idx]); hs = np.array([pose(i)[1] for i in idx])
    return np.median(cs, 0), np.arctan2(np.median(np.sin(hs)), np.median(np.cos(hs)))
c, h = filt(start)
o = np.fromfile("kp.rgb", np.uint8).reshape(-1, 96, 96, 3).astype(int)[2]
Rm = np.array([[np.cos(h), np.sin(h)], [-np.sin(h), np.cos(h)]])
bad = []
for b, want in (("nose", (255, 0, 0)), ("tailbase", (255, 255, 0))):
    q = Rm @ (P(start, b) - c) + 48
    x, y = int(round(q[0])), int(round(q[1]))
    got = o[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0)
    if np.abs(got - want).max() > 40:
        bad.append("%s at (%d,%d): %s, want %s" % (b, x, y, got.round(), want))
qn = Rm @ (P(start, "nose") - c); qt = Rm @ (P(start, "tailbase") - c)
if not qn[0] > qt[0]:
    bad.append("nose not right of tailbase")
print("ok" if not bad else "; ".join(bad))
EOF
)"
fi

# ------------------------------------------------- real data (DeepLabCut)
h5=${DATA:+$DATA/dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5}
mp4=${DATA:+$DATA/deeplabcut/m3v1mp4.mp4}
if [ -n "$DATA" ] && [ -f "$h5" ] && [ -f "$mp4" ] && [ -n "$PY" ] &&
    command -v mz-convert > /dev/null 2>&1; then
	mz-convert -o m3.mzs "$h5"
	mz-cat --csv m3.mzs > m3.csv 2>/dev/null
	mz-info -j m3.mzs > m3.json
	"$PY" - <<'EOF'
import json
m = json.load(open("m3.json"))["parts"][0]["meta"]
json.dump({k: m[k] for k in ("group", "sequence", "individual", "fps") if k in m},
          open("m3meta.json", "w"))
with open("m3syl.csv", "w") as f:
    f.write("frame,syllable\n")
    for t in range(2330):
        f.write("%d,%d\n" % (t, (t // 25) % 4))
EOF
	mz-cat --from csv -t frame:i64,syllable:i32 --meta-file m3meta.json \
	    -o m3syl.mzs m3syl.csv
	t_ok "real video (H.264 4:4:4, 2330 frames): 2 movies of 1 x 2" \
	    mz-gridmovie -t m3.mzs -a snout -p tailbase -k --video "$mp4" \
	    -r 1 -c 2 --pre 5 --post 10 --max-size 256 -s 0,3 -o real \
	    m3syl.mzs
	t_is "... syllables 0 and 3" "syllable0.mp4 syllable3.mp4" \
	    "$(ls real | grep mp4 | tr '\n' ' ' | sed 's/ $//')"
	if [ -n "$FFPROBE" ]; then
		t_is "... 15 frames of 2 tiles of 128 px, at the video's rate" \
		    "256x128 15 1000000/33333" "$(probe real/syllable3.mp4)"
	fi
	t_is "... every instance 25 frames long (the runs of the syllables)" \
	    "" "$(awk -F, 'NR > 1 && $10 != 25' real/instances.csv)"
else
	echo "# real data, mz-convert or numpy absent: DeepLabCut case skipped"
fi

# ------------------------------------------------------------- bad input
no_out() { # DIR
	t_ok "... and no output" test ! -e "$1"
}
t_fails "a missing video" 1 '^mz-gridmovie: nosuch\.mp4: No such file' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video nosuch.mp4 -o bad1 sim.mzs
no_out bad1
t_fails "--video with two sequences" 1 \
    "^mz-gridmovie: sim\.mzs: part 1 sim1: --video gives one video, but the input has sequences 'sim0' and 'sim1'" \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video vids/sim0.mp4 -o bad2 sim.mzs
no_out bad2
mkdir vids2
cp vids/sim0.mp4 vids2/
t_fails "no video for a sequence in --video-dir" 1 \
    "^mz-gridmovie: sim\.mzs: part 1 sim1: no video in vids2 matches sequence 'sim1'" \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids2 -o bad3 sim.mzs
no_out bad3
mkdir vids3
mkvideo -s 240x240 -n 100 -r 30 -o vids3/sim0.mp4
cp vids/sim1.mp4 vids3/
t_fails "a video shorter than the tracks" 1 \
    '^mz-gridmovie: vids3/sim0\.mp4: 100 frames, but sim\.mzs: part 0 sim0 has frame 599 \(the tracks are longer than the video\)' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids3 -o bad4 sim.mzs
no_out bad4
t_fails "no syllable column" 1 \
    "^mz-gridmovie: sim\.mzs: part 0 sim0: no column 'syllable' \(the syllables; see --column\)" \
    mz-gridmovie -t sim.mzs -a nose -p tailbase --video-dir vids -o bad5 \
    sim.mzs
no_out bad5
t_fails "a float syllable column" 1 \
    "column 'nose\.x' is not an integer column" \
    mz-gridmovie --column nose.x -t sim.mzs -a nose -p tailbase \
    --video-dir vids -o bad6 sim.mzs
t_fails "an unknown syllable" 1 \
    '^mz-gridmovie: sim\.mzs: syllable 57 does not occur in the input' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids -r 1 -c 1 -s 1,57 -o bad7 sim.mzs
no_out bad7
t_fails "a syllable with too few instances" 1 \
    'syllable 1: [0-9]+ instances of 3 frames or more with 30 frames before and 60 after, fewer than the 64 tiles' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids -r 8 -c 8 -s 1 -o bad8 sim.mzs
no_out bad8
t_fails "no syllable qualifies" 1 \
    '^mz-gridmovie: sim\.mzs: no syllable has 64 instances of 3 frames or more \(with 30 frames before and 60 after\)' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids -r 8 -c 8 -o bad9 sim.mzs
no_out bad9
t_fails "no centroid and heading, no tracks" 1 \
    'no centroid\.x, centroid\.y and heading columns; give the tracks' \
    mz-gridmovie --column state --video-dir vids --window 64 -o bad10 \
    sim.mzs
t_fails "tracks without -a and -p" 2 'no heading column in the syllables: -a and -p' \
    mz-gridmovie --column state -t sim.mzs --video-dir vids -o bad11 sim.mzs
t_fails "-a naming no bodypart" 1 "^mz-gridmovie: sim\.mzs: -a: no bodypart 'snout'" \
    mz-gridmovie --column state -t sim.mzs -a snout -p tailbase \
    --video-dir vids -o bad12 sim.mzs
mz-simulate -s 1 -n 50 --seed 2 | mz-cat -o other.mzs 2>/dev/null
t_fails "tracks of other recordings" 1 \
    'sim\.mzs: part 1 sim1: other\.mzs: no part with this group, sequence and individual' \
    mz-gridmovie --column state -t other.mzs -a nose -p tailbase \
    --video-dir vids -o bad13 sim.mzs
size=$(wc -c < sim.mzs)
head -c $((size - 300)) sim.mzs > trunc.mzs
t_fails "a truncated syllable stream" 1 '^mz-gridmovie: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids -o bad14 trunc.mzs
no_out bad14
mkdir vids4
head -c 3000 vids/sim0.mp4 > vids4/sim0.mp4
cp vids/sim1.mp4 vids4/
t_fails "a truncated video" 1 '^mz-gridmovie: vids4/sim0\.mp4: ' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids4 -o bad15 sim.mzs
no_out bad15
t_fails "--skeleton naming no bodyparts" 1 "--skeleton: 'nose-ear' is not two bodyparts" \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase -k \
    --skeleton nose-head,nose-ear --video-dir vids -o bad16 sim.mzs
t_fails "no -o" 2 '^mz-gridmovie: no output directory \(-o\)' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids sim.mzs
t_fails "no video" 2 '^mz-gridmovie: no video' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase -o bad sim.mzs
t_fails "--video and --video-dir" 2 'exclude each other' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video vids/sim0.mp4 --video-dir vids -o bad sim.mzs
t_fails "-k without tracks" 2 '^mz-gridmovie: -k needs the keypoints \(-t\)' \
    mz-gridmovie -k --window 64 --video-dir vids -o bad sim.mzs
t_fails "no window and no tracks" 2 'no --window, and no tracks' \
    mz-gridmovie --video-dir vids -o bad sim.mzs
t_fails "--max-length below --min-length" 2 \
    '--max-length 2 is below --min-length 3' \
    mz-gridmovie --video-dir vids --window 64 --max-length 2 -o bad sim.mzs
t_fails "odd grid" 2 'odd size' \
    mz-gridmovie --column state -t sim.mzs -a nose -p tailbase \
    --video-dir vids -r 1 -c 1 --tile 33 -o bad sim.mzs
for a in "-r 0" "--post 0" "--tile 1" "--min-frequency 2" "-s 1,,2"; do
	t_fails "bad value: $a" 2 '^mz-gridmovie: bad ' \
	    mz-gridmovie $a --video-dir vids --window 64 -o bad sim.mzs
done
t_fails "--colormap nope" 2 "^mz-gridmovie: bad colour map 'nope' \(want one of autumn" \
    mz-gridmovie --colormap nope --video-dir vids --window 64 -o bad sim.mzs
t_fails "--dot-color 300,0,0" 2 "^mz-gridmovie: bad colour '300,0,0'" \
    mz-gridmovie --dot-color 300,0,0 --video-dir vids --window 64 -o bad \
    sim.mzs
t_ok "none of the failures left a directory" test ! -e bad
t_is "... or a temporary movie" "" "$(find . -name '.syllable*' | head -3)"

# ---------------------------------------------------------- usage, version
t_ok "--help" mz-gridmovie --help
t_like "--help prints the synopsis" '^usage: mz-gridmovie \[-kqv\] ' \
    "$(cat "$T/.out")"
t_ok "--version" mz-gridmovie --version
t_is "--version prints the version" "mz-gridmovie 0.1.0" "$(cat "$T/.out")"
t_done
