#!/bin/sh
# bench-video.sh - the video core against the ffmpeg program, side by side.
#
# 1. A synthetic 1080p H.264 video of SECONDS seconds (default 600: ten
#    minutes at 25 fps, 15000 frames, keyframe every 250 frames, up to 3
#    B-frames) is made with mkvideo (lib/videnc.c; libx264 veryfast).
# 2. 20 uniform frames: `mz-frames uniform -n 20` (probe, frame table,
#    exact seek + decode + PNG for each) against a loop of
#    `ffmpeg -ss T -i FILE -frames:v 1 -y out.png` over the same 20
#    frames' times (input seeking: keyframe, then decode to T).
# 3. Decode throughput: every frame through lib/video.c (vcheck decode -n:
#    decode only, MZV_NOPIX, the like of ffmpeg's; -g: handed over as
#    GRAY8; and as RGB24) against `ffmpeg -i FILE -f null -` (decode only,
#    no conversion).
# Times are wall seconds, the best of REPEAT runs (default 3); ratios are
# ffmpeg time / mz time (above 1: mz faster).
#
#    scripts/bench-video.sh -c  instead checks every real video in
#    ../shared/data whole (seek = sequential decode at many frames).
#
# usage: scripts/bench-video.sh [-c]  (environment: MZ_BUILD, SECONDS_,
#        REPEAT, KEEP=file to reuse a generated video)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${MZ_BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
PATH=$B/bin:$B/tests/tools:$PATH
SECS=${SECONDS_:-600}
REPEAT=${REPEAT:-3}
for t in mz-frames mkvideo vcheck; do
	command -v $t >/dev/null 2>&1 || {
		echo "bench-video: $t not built (make tests; vcheck needs its rule)" >&2
		exit 1
	}
done

if [ "${1:-}" = -c ]; then
	DATA=$TOP/../shared/data
	for f in deeplabcut/m3v1mp4.mp4 sleap/20190128_113421.120s.mp4 \
	    sleap/centered_pair_low_quality.mp4 sleap/clip.mp4 \
	    deeplabcut-history/reachingvideo1short.avi vame/cropped_video.mp4; do
		[ -f "$DATA/$f" ] || { echo "$f: absent"; continue; }
		printf '%s: ' "$f"
		vcheck seek -m 100 -k 40 "$DATA/$f"
	done
	exit 0
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/mz-bench-video.XXXXXX")
trap 'rm -rf "$W"' EXIT
NF=$((SECS * 25))

# best CMD...: the best wall time of REPEAT runs of CMD (output dropped).
best() {
	_b=
	_i=0
	while [ $_i -lt "$REPEAT" ]; do
		_s=$(date +%s.%N)
		"$@" > /dev/null 2>&1
		_e=$(date +%s.%N)
		_t=$(echo "$_e - $_s" | bc -l)
		if [ -z "$_b" ] || [ "$(echo "$_t < $_b" | bc -l)" = 1 ]; then
			_b=$_t
		fi
		_i=$((_i + 1))
	done
	printf '%.3f' "$_b"
}

if [ -n "${KEEP:-}" ] && [ -f "$KEEP" ]; then
	V=$KEEP
else
	V=${KEEP:-$W/bench.mp4}
	echo "making a ${SECS} s 1920x1080 H.264 video ($NF frames)..."
	s=$(date +%s.%N)
	mkvideo -s 1920x1080 -n $NF -r 25 -g 250 -b 3 -t 2 -o "$V"
	e=$(date +%s.%N)
	printf 'made in %.1f s (%s bytes)\n' "$(echo "$e - $s" | bc -l)" \
	    "$(wc -c < "$V")"
fi
NF=$(mz-probe "$V" | tail -1 | awk -F, '{ print $(NF - 9) }')
mz-probe -j "$V" | grep -E '"(codec|width|height|frames|keyframes|keyint_max|b_frames)"' |
    tr -d '\t\n'; echo

# The 20 frames mz-frames picks, and their times for ffmpeg -ss.
mz-frames uniform -n 20 -o "$W/sel" "$V" > /dev/null
idx=$(cat "$W"/sel/uniform/*/*/run_info.json | tr -d ' \t\n' |
    sed -n 's/.*"selected_frame_indices":\[\([^]]*\)\].*/\1/p' | tr ',' ' ')
ffloop() {
	for i in $idx; do
		ffmpeg -v error -ss "$(echo "$i / 25" | bc -l)" -i "$V" \
		    -frames:v 1 -y "$W/ff.png" || return 1
	done
}
mzrun() {
	mz-frames uniform -f -n 20 -o "$W/mz" "$V"
}
if command -v ffmpeg >/dev/null 2>&1; then
	t_mz=$(best mzrun)
	t_ff=$(best ffloop)
	printf '20 uniform frames: mz-frames %s s, ffmpeg -ss loop %s s, ratio %.2f\n' \
	    "$t_mz" "$t_ff" "$(echo "$t_ff / $t_mz" | bc -l)"
	t_dn=$(best vcheck decode -n "$V")
	t_dg=$(best vcheck decode -g "$V")
	t_dr=$(best vcheck decode "$V")
	t_fn=$(best ffmpeg -v error -i "$V" -f null -)
	printf 'decode %d frames: ffmpeg -f null %s s (%.0f fps); lib decode only %s s (%.0f fps), ratio %.2f\n' \
	    "$NF" "$t_fn" "$(echo "$NF / $t_fn" | bc -l)" \
	    "$t_dn" "$(echo "$NF / $t_dn" | bc -l)" \
	    "$(echo "$t_fn / $t_dn" | bc -l)"
	printf '  with conversion: lib GRAY8 %s s (%.0f fps), ratio %.2f; lib RGB24 %s s (%.0f fps), ratio %.2f\n' \
	    "$t_dg" "$(echo "$NF / $t_dg" | bc -l)" \
	    "$(echo "$t_fn / $t_dg" | bc -l)" \
	    "$t_dr" "$(echo "$NF / $t_dr" | bc -l)" \
	    "$(echo "$t_fn / $t_dr" | bc -l)"
else
	echo "ffmpeg not installed: mz times only"
	printf '20 uniform frames: mz-frames %s s\n' "$(best mzrun)"
	printf 'decode: lib GRAY8 %s s\n' "$(best vcheck decode -g "$V")"
fi
