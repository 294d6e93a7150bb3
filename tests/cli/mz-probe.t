#!/bin/sh
# tests: mz-probe (and lib/video.c's probing and frame table)
# requires: mkvideo; ffprobe as an independent reference (skipped without
# it); $DATA for the real videos (skipped without it)
. "$(dirname "$0")/lib.sh"

have_ffprobe=
command -v ffprobe >/dev/null 2>&1 && have_ffprobe=1

# field FILE NAME: the value of column NAME of mz-probe's CSV for FILE
# (CSV split honouring quotes, with awk: the container holds commas).
# mz-probe runs once per file; its output is kept in $T/probe.N.
field() {
	_k=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	[ -f "$T/probe.$_k" ] || mz-probe "$1" > "$T/probe.$_k"
	awk -v want="$2" '
		function split_csv(s, out,    n, i, c, q, f) {
			n = 0; f = ""; q = 0
			for (i = 1; i <= length(s); i++) {
				c = substr(s, i, 1)
				if (q) { if (c == "\"") q = 0; else f = f c }
				else if (c == "\"") q = 1
				else if (c == ",") { out[++n] = f; f = "" }
				else f = f c
			}
			out[++n] = f
			return n
		}
		NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
		{ split_csv($0, v); print v[col[want]] }' "$T/probe.$_k"
}

# ffp FILE ENTRY: ffprobe's value of a stream entry of the first video
# stream (ffprobe runs once per file; kept in $T/ffp.N).
ffp() {
	_k=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	[ -f "$T/ffp.$_k" ] || ffprobe -v error -select_streams v:0 \
	    -show_entries stream=width,height,codec_name,pix_fmt,r_frame_rate,avg_frame_rate,nb_frames,duration \
	    -of default=nw=1 "$1" > "$T/ffp.$_k"
	sed -n "s/^$2=//p" "$T/ffp.$_k"
}

# ------------------------------------------------------- generated videos
mkvideo -n 50 -s 128x96 -r 30000/1001 -g 10 -b 2 -o b.mp4
mkvideo -c mpeg4 -n 40 -s 96x64 -r 25 -g 12 -o m4.avi
mkvideo -c mjpeg -n 12 -s 80x60 -r 30 -o mj.avi
mkvideo -V -n 30 -s 64x48 -o vfr.mp4
mkvideo -n 20 -s 64x48 -o mk.mkv

t_is "h264 mp4: size" "128 96" "$(field b.mp4 width) $(field b.mp4 height)"
t_is "h264 mp4: codec, pixel format" "h264 yuv420p" \
    "$(field b.mp4 codec) $(field b.mp4 pix_fmt)"
t_is "h264 mp4: frame rates as fractions" "30000/1001 30000/1001" \
    "$(field b.mp4 avg_frame_rate) $(field b.mp4 r_frame_rate)"
t_is "h264 mp4: the decimal rate (shortest exact)" 29.97002997002997 \
    "$(field b.mp4 avg_fps)"
t_is "h264 mp4: 50 frames, from the container" "50 container 50" \
    "$(field b.mp4 frames) $(field b.mp4 frames_source) $(field b.mp4 container_frames)"
t_is "h264 mp4: keyframes every 10 frames (gop 10)" "5 10 10 10" \
    "$(field b.mp4 keyframes) $(field b.mp4 keyint_min) $(field b.mp4 keyint_max) $(field b.mp4 keyint_mean)"
t_is "h264 mp4: B-frames seen, constant rate" "1 0" \
    "$(field b.mp4 b_frames) $(field b.mp4 vfr)"
t_like "h264 mp4: duration 50 * 1001/30000 s" '^1\.66833[0-9]$' \
    "$(field b.mp4 duration)"
t_is "mpeg4 avi: codec, frames, gop 12 (keyframes 0,12,24,36)" \
    "mpeg4 40 4 12 12 0" \
    "$(field m4.avi codec) $(field m4.avi frames) $(field m4.avi keyframes) $(field m4.avi keyint_min) $(field m4.avi keyint_max) $(field m4.avi b_frames)"
t_is "mjpeg avi: every frame a keyframe" "mjpeg yuvj420p 12 12 1" \
    "$(field mj.avi codec) $(field mj.avi pix_fmt) $(field mj.avi frames) $(field mj.avi keyframes) $(field mj.avi keyint_max)"
t_is "variable frame rate flagged" "1 30" \
    "$(field vfr.mp4 vfr) $(field vfr.mp4 frames)"
t_is "mkv (no frame count in the container): counted packets" \
    "20 packets -1" \
    "$(field mk.mkv frames) $(field mk.mkv frames_source) $(field mk.mkv container_frames)"

# -Q reads only the header.
t_is "-Q: the container's count, unverified, no keyframe fields" \
    "50 unverified " \
    "$(mz-probe -Q b.mp4 | sed -n 2p | awk -F, '{ n = NF; print $(n - 9), $(n - 8), $(n - 6) }')"
t_is "-Q on mkv: no count at all" "-1" "$(mz-probe -Q mk.mkv | sed -n 2p | awk -F, '{ print $(NF - 9) }')"

# Several files: one header, one row each.
t_is "three files: header and three rows" "4" \
    "$(mz-probe b.mp4 m4.avi mj.avi | wc -l | tr -d ' ')"

if [ -n "$PY" ]; then
	t_is "-j: a JSON array with numbers as numbers" \
	    "[(128, 96, '30000/1001', 50, 'container', 5, 1), (80, 60, '30/1', 12, 'container', 12, 0)]" \
	    "$(mz-probe -j b.mp4 mj.avi | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
print([(x["width"], x["height"], x["avg_frame_rate"], x["frames"], x["frames_source"], x["keyframes"], x["b_frames"]) for x in d])')"
	t_is "-j -Q: keyframe fields null" "[None, None, 'unverified']" \
	    "$(mz-probe -j -Q b.mp4 | "$PY" -c 'import json, sys
x = json.load(sys.stdin)[0]
print([x["keyframes"], x["b_frames"], x["frames_source"]])')"
else
	echo "# no python3 with numpy: JSON parse checks skipped"
fi

# ffprobe as the reference on the generated files: frame count by counting
# packets, keyframes by packet flags.
if [ -n "$have_ffprobe" ]; then
	for f in b.mp4 m4.avi mj.avi vfr.mp4 mk.mkv; do
		want=$(ffprobe -v error -select_streams v:0 -count_packets \
		    -show_entries stream=nb_read_packets -of csv=p=0 "$f")
		t_is "$f: frames = ffprobe's packet count" "$want" \
		    "$(field "$f" frames)"
		want=$(ffprobe -v error -select_streams v:0 \
		    -show_entries packet=flags -of csv=p=0 "$f" | grep -c K)
		t_is "$f: keyframes = ffprobe's key packets" "$want" \
		    "$(field "$f" keyframes)"
	done
else
	echo "# ffprobe not installed: reference checks skipped"
fi

# ------------------------------------------------------------ real videos
# MANIFEST.md: size, codec, pixel format (where stated), frames, fps.
if [ -n "$DATA" ]; then
	while read -r f w h codec pixfmt frames rate; do
		p=$DATA/$f
		if [ ! -f "$p" ]; then
			echo "# $f absent: skipped"
			continue
		fi
		t_is "$f: MANIFEST size, codec, frames, rate" \
		    "$w $h $codec $frames $rate" \
		    "$(field "$p" width) $(field "$p" height) $(field "$p" codec) $(field "$p" frames) $(field "$p" r_frame_rate)"
		[ "$pixfmt" = - ] ||
		    t_is "$f: MANIFEST pixel format" "$pixfmt" \
		    "$(field "$p" pix_fmt)"
		if [ -n "$have_ffprobe" ]; then
			for e in width height codec_name pix_fmt r_frame_rate \
			    avg_frame_rate nb_frames duration; do
				case $e in
				codec_name) col=codec ;;
				r_frame_rate|avg_frame_rate) col=$e ;;
				nb_frames) col=container_frames ;;
				*) col=$e ;;
				esac
				want=$(ffp "$p" $e)
				got=$(field "$p" $col)
				# ffprobe writes the fraction unreduced.
				case $e in *rate) want=$(echo "$want" | awk -F/ '
					function g(a, b) { return b ? g(b, a % b) : a }
					{ d = g($1, $2); print $1 / d "/" $2 / d }') ;;
				esac
				t_is "$f: $e as ffprobe" "$want" "$got"
			done
			want=$(ffprobe -v error -select_streams v:0 \
			    -show_entries packet=flags -of csv=p=0 "$p" |
			    grep -c K)
			t_is "$f: keyframes as ffprobe's key packets" "$want" \
			    "$(field "$p" keyframes)"
		fi
	done <<'EOV'
deeplabcut/m3v1mp4.mp4 640 480 h264 yuv444p 2330 1000000/33333
sleap/20190128_113421.120s.mp4 1024 1024 h264 - 3000 25/1
sleap/centered_pair_low_quality.mp4 384 384 h264 - 1100 15/1
sleap/clip.mp4 1024 1024 h264 - 1500 25/1
deeplabcut-history/reachingvideo1short.avi 832 747 mjpeg - 12 30/1
vame/cropped_video.mp4 1064 1070 mpeg4 - 749 25/1
EOV
	if [ -f "$DATA/deeplabcut/m3v1mp4.mp4" ]; then
		t_is "m3v1mp4: B-frames, High 4:4:4 profile" \
		    "1 High 4:4:4 Predictive" \
		    "$(field "$DATA/deeplabcut/m3v1mp4.mp4" b_frames) $(field "$DATA/deeplabcut/m3v1mp4.mp4" profile)"
	fi
else
	echo "# no ../shared/data: real-video checks skipped"
fi

# -------------------------------------------------------------- bad input
t_fails "no file: usage error" 2 'usage: mz-probe' mz-probe
t_fails "unknown option: usage error" 2 'usage: mz-probe' mz-probe -Z b.mp4
t_fails "missing file: exit 1, names it" 1 \
    '^mz-probe: nope\.mp4: cannot open: No such file' mz-probe nope.mp4
echo "not a video" > text.mp4
t_fails "text file: not a readable video" 1 \
    '^mz-probe: text\.mp4: not a readable video file' mz-probe text.mp4
head -c $(($(wc -c < b.mp4) / 2)) b.mp4 > trunc.mp4
t_fails "truncated mp4 (index lost): clear error" 1 \
    'trunc\.mp4: not a readable video file: .*moov atom not found' \
    mz-probe trunc.mp4
: > empty.avi
t_fails "empty file" 1 '^mz-probe: empty\.avi: ' mz-probe empty.avi
# Unknown codec: the AVI's fourcc changed to one nobody knows.
sed 's/MJPG/ZZZZ/g' mj.avi > zz.avi
t_fails "unknown fourcc: no decoder, names the tag" 1 \
    "zz\.avi: no decoder for codec tag 'ZZZZ'" mz-probe zz.avi
# A codec FFmpeg knows but has no decoder for here (AVS2).
sed 's/MJPG/AVS2/g' mj.avi > avs2.avi
if mz-probe avs2.avi >/dev/null 2>&1; then
	echo "# this FFmpeg decodes AVS2: missing-decoder check skipped"
else
	t_fails "known codec without a decoder: names the codec" 1 \
	    "avs2\.avi: no decoder for codec 'avs2'" mz-probe avs2.avi
fi
mz-probe b.mp4 nope.mp4 mj.avi > mixed.csv 2> mixed.err
t_is "a bad file among good ones: exit 1" 1 "$?"
t_is "... the good ones still described" "3" \
    "$(wc -l < mixed.csv | tr -d ' ')"
t_like "... the bad one reported" 'nope\.mp4: cannot open' "$(cat mixed.err)"
t_fails "write error on stdout" 1 'mz-probe: .*(No space|write)' \
    sh -c 'mz-probe b.mp4 > /dev/full'

t_done
