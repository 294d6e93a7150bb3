/*
 * mz_videnc.h - image and video output for mz tools: PNG files and MP4 (or
 * AVI, MKV) videos from RGB24/GRAY8 frames, with FFmpeg's libraries.
 *
 * Every output is atomic: it is written to a temporary file beside the
 * destination ("DIR/.NAME.XXXXXX") and renamed over it only when complete;
 * on any error or abort the temporary file is removed and the destination
 * is left as it was.
 *
 * Ownership and errors as in mz_video.h: an mzv_encoder belongs to the
 * caller until mzv_enc_close or mzv_enc_abort (each frees it, both accept
 * NULL); failures return a negative MZ_E* code and fill the mz_err (may be
 * NULL) with "FILE: ...".  Never prints, never exits.  One encoder per
 * thread at a time; different encoders may run in different threads.
 *
 * Link with: videnc.o video.o -lavformat -lavcodec -lswscale -lavutil.
 */
#ifndef MZ_VIDENC_H
#define MZ_VIDENC_H

#include <stdint.h>

#include "mz.h"
#include "mz_video.h"

/*
 * mzv_write_png: write a w x h image (rows of stride bytes, pixfmt
 * MZV_RGB24 or MZV_GRAY8) to path as a PNG (RGB24 or 8-bit gray), with
 * libavcodec's png encoder; atomic.  Returns 0 or a negative code.
 */
int mzv_write_png(const char *path, const uint8_t *data, int w, int h,
	int stride, int pixfmt, mz_err *err);

/*
 * mzv_encopts: encoder settings; zero-initialised means the defaults.
 *   codec: "auto" or NULL (H.264 via libx264 when this libavcodec has it,
 *     else MPEG-4 Part 2), or an encoder name: "libx264", "mpeg4",
 *     "mjpeg", "png", ... (MZ_EFORMAT if absent, naming it).
 *   pix_fmt: the stored pixel format, e.g. "yuv420p" (default: yuv420p
 *     for H.264/MPEG-4, yuvj420p for MJPEG, or the encoder's first), or
 *     "yuv444p" etc.
 *   gop: keyframe interval in frames (0: 12 for MPEG-4, 250 for H.264, the
 *     encoder's default otherwise); for H.264 a gop given is exact (no
 *     extra keyframes at scene cuts); bframes: max consecutive B-frames (0:
 *     none; -1: the encoder's default).
 *   quality: 0 default; for libx264 the CRF (e.g. 18); for others the
 *     fixed quantiser (qscale 1..31, lower is better).
 *   timebase: 0: the time base is 1/fps (pts = frame number); > 0: the
 *     time base is 1/timebase, and mzv_enc_put_pts gives each frame's pts
 *     (for variable frame rate).
 *   threads: encoder threads (0: 1).
 * The container follows the path's extension (.mp4, .mov, .avi, .mkv;
 * anything else: MP4).
 */
typedef struct mzv_encopts {
	const char *codec;
	const char *pix_fmt;
	int gop;
	int bframes;
	int quality;
	int timebase;
	int threads;
} mzv_encopts;

typedef struct mzv_encoder mzv_encoder;

/*
 * mzv_enc_open: start a video of w x h RGB24 frames at fps_num/fps_den
 * frames per second (both > 0) to path (atomic; nothing appears at path
 * before mzv_enc_close succeeds).  H.264 and MPEG-4 need even w and h:
 * odd sizes are MZ_EINVAL.  o may be NULL.  Returns NULL on failure.
 */
mzv_encoder *mzv_enc_open(const char *path, int w, int h, int fps_num,
	int fps_den, const mzv_encopts *o, mz_err *err);

/*
 * mzv_enc_put: add one frame (w x h RGB24, rows of stride bytes); its pts
 * is the count of frames put before it (or, with timebase > 0, that count
 * times the frame duration in that time base).
 */
int mzv_enc_put(mzv_encoder *e, const uint8_t *rgb, int stride,
	mz_err *err);

/*
 * mzv_enc_put_pts: add one frame with an explicit pts in the time base
 * (strictly increasing; MZ_EINVAL otherwise).
 */
int mzv_enc_put_pts(mzv_encoder *e, const uint8_t *rgb, int stride,
	int64_t pts, mz_err *err);

/*
 * mzv_enc_close: flush the encoder, finish the file and rename it into
 * place; frees e whatever happens (on failure the temporary is removed).
 * Accepts NULL (returns 0).
 */
int mzv_enc_close(mzv_encoder *e, mz_err *err);

/* mzv_enc_abort: stop, remove the temporary file, free e; accepts NULL. */
void mzv_enc_abort(mzv_encoder *e);

/* mzv_enc_codec: the encoder actually used, e.g. "libx264" (borrowed). */
const char *mzv_enc_codec(const mzv_encoder *e);

/* mzv_enc_frames: frames put so far. */
int64_t mzv_enc_frames(const mzv_encoder *e);

/*
 * mzv_enc_remove_temps: remove the temporary files of every encoder still
 * open in the process (the encoders stay allocated).  For a tool's atexit
 * handler, so that dying mid-encode leaves no partial file; thread-safe,
 * but not async-signal-safe.
 */
void mzv_enc_remove_temps(void);

/* mzv_have_h264: 1 if libx264 (an H.264 encoder) is available, else 0. */
int mzv_have_h264(void);

#endif
