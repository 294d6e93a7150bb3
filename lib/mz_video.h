/*
 * mz_video.h - video input for mz tools: probing and exact frame access,
 * built on FFmpeg's libraries (libavformat, libavcodec, libswscale).
 *
 * Frame numbering.  Frame N (from 0) of a video is the N-th frame that a
 * sequential decode of its first video stream delivers, in presentation
 * order.  Exact access finds it by its presentation timestamp: the table of
 * every frame's timestamp (built once per open video from the packets,
 * without decoding) maps N to a timestamp; mzv_frame_at seeks to the last
 * keyframe at or before it and decodes forward to the frame carrying that
 * timestamp.  Nothing is counted after a seek, so B-frames, open GOPs and
 * variable frame rates do not shift the result.  A stream whose packets
 * carry no timestamps (e.g. raw H.264) is still exact: it is decoded from
 * the start, counting.
 *
 * Ownership follows mz.h: an mzv_video is owned by the caller and freed with
 * mzv_close (which accepts NULL); frames and info returned through const
 * pointers are borrowed from the video and stay valid until the next call
 * that reads, seeks, changes the output or closes it.  One mzv_video must
 * be used by one thread at a time; different videos may be used by
 * different threads at once.
 *
 * Errors: functions that can fail return a negative MZ_E* code (or NULL)
 * and fill the mz_err passed (which may be NULL); the message names the
 * file and, where there is one, the frame ("FILE: frame 12: ...").  A
 * stream without a decoder gives MZ_EFORMAT and a message naming the codec
 * ("no decoder for codec 'hevc'").  This library never prints and never
 * exits.  The first open installs an FFmpeg log callback that keeps
 * FFmpeg's own messages out of stderr (process-wide; the last error line
 * FFmpeg logged on the calling thread is appended to messages where it
 * helps).
 *
 * Link with: video.o -lavformat -lavcodec -lswscale -lavutil.  video.c
 * does not need libmz.a (it uses only the mz_err type and codes of mz.h).
 */
#ifndef MZ_VIDEO_H
#define MZ_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "mz.h"

/* Where mzv_info.frames came from. */
enum mzv_count_source {
	MZV_COUNT_UNKNOWN = 0,   /* not yet known (info before indexing) */
	MZV_COUNT_CONTAINER = 1, /* the container's frame count, confirmed */
	MZV_COUNT_PACKETS = 2    /* counted packets (container absent/wrong) */
};

/*
 * mzv_info: what a probe finds.  Strings are NUL-terminated; numbers that
 * are unknown are 0 (fractions 0/1, counts -1 where stated).
 */
typedef struct mzv_info {
	char path[1024];
	char container[64];    /* demuxer short name, e.g. "mov,mp4,m4a,..." */
	char codec[32];        /* decoder short name, e.g. "h264", "mjpeg" */
	char codec_long[128];  /* e.g. "H.264 / AVC / MPEG-4 AVC / ..." */
	char profile[64];      /* e.g. "High 4:4:4 Predictive", or "" */
	char pix_fmt[32];      /* e.g. "yuv420p", "yuvj420p" */
	int width, height;     /* coded picture size in pixels */
	int stream_index;      /* the video stream used */
	/* Frame rates as fractions and decimals (num/den, den > 0). */
	int avg_fps_num, avg_fps_den;   /* average frame rate */
	double avg_fps;
	int r_fps_num, r_fps_den;       /* real (base) frame rate */
	double r_fps;
	int tb_num, tb_den;             /* the stream's time base */
	double duration;       /* seconds: stream duration, else container's */
	double start_time;     /* seconds of the first frame's timestamp */
	int64_t bit_rate;      /* bits/s, 0 if unknown */
	/* Frame count.  frames is exact after indexing (mzv_index, mzv_probe):
	 * the number of frames a sequential decode delivers.  Before that it is
	 * the container's figure or -1. */
	int64_t frames;
	int frames_source;     /* enum mzv_count_source */
	int64_t container_frames; /* the container's own count, -1 if none */
	/* Keyframes (known after indexing; 0 before): count, and the gaps in
	 * frames between consecutive keyframes (min, max, mean; a single
	 * keyframe gives gap = frames). */
	int64_t keyframes;
	int keyint_min, keyint_max;
	double keyint_mean;
	int reordered;         /* 1 if presentation order differs from decode
	                          order (B-frames), known after indexing */
	int vfr;               /* 1 if frame durations vary (> 1 tick) */
	int timestamps;        /* 1 if exact seeking by timestamp is possible;
	                          0: frames are found by decoding from start */
	int indexed;           /* 1 once the fields above are final */
} mzv_info;

/* Pixel formats delivered. */
enum mzv_pixfmt {
	MZV_RGB24 = 0,  /* 3 bytes per pixel, R G B */
	MZV_GRAY8 = 1,  /* 1 byte per pixel, luma scaled to full range */
	MZV_NOPIX = 2   /* no pixels (data NULL): frame numbers, timestamps
	                   and keyframe flags only, at the decoder's speed */
};

/* Scaling filters (libswscale's). */
enum mzv_scaler {
	MZV_SCALE_BILINEAR = 0,
	MZV_SCALE_AREA = 1,      /* averaging, for shrinking (cv2 INTER_AREA) */
	MZV_SCALE_BICUBIC = 2,
	MZV_SCALE_POINT = 3      /* nearest neighbour */
};

/*
 * mzv_output: how frames are delivered.  The crop (in source pixels) is
 * clamped to the picture (w or h <= 0: to the right/bottom edge); the
 * cropped area is then resized to out_w x out_h (0: the crop's size; one
 * of them 0 and the other > 0: keep the aspect ratio).  Zero-initialised,
 * it means: RGB24, whole picture, no resize, bilinear.
 */
typedef struct mzv_output {
	int pixfmt;                 /* enum mzv_pixfmt */
	int crop_x, crop_y, crop_w, crop_h;
	int out_w, out_h;
	int scaler;                 /* enum mzv_scaler */
} mzv_output;

/*
 * mzv_frame: one delivered frame.  data has height rows of stride bytes
 * (stride >= width * bytes per pixel); borrowed from the video.
 */
typedef struct mzv_frame {
	uint8_t *data;
	int width, height, stride;
	int pixfmt;          /* enum mzv_pixfmt */
	int64_t index;       /* frame number N */
	int64_t pts;         /* presentation timestamp, stream time base */
	double time;         /* seconds from the first frame */
	int key;             /* 1 if a keyframe */
} mzv_frame;

typedef struct mzv_video mzv_video;

/*
 * mzv_open: open path and its first video stream, and find a decoder.
 * Reads the container's header only (cheap); the frame table is built on
 * first need.  Errors: MZ_EIO (cannot open), MZ_EFORMAT (not a video, no
 * video stream, no decoder for the codec, corrupt header), MZ_ENOMEM.
 */
mzv_video *mzv_open(const char *path, mz_err *err);

/* mzv_close: free everything; accepts NULL. */
void mzv_close(mzv_video *v);

/* mzv_path: the path given to mzv_open (borrowed). */
const char *mzv_path(const mzv_video *v);

/*
 * mzv_get_info: the video's info (borrowed).  Before mzv_index, frames is
 * the container's count (or -1) and the keyframe fields are 0.
 */
const mzv_info *mzv_get_info(const mzv_video *v);

/*
 * mzv_index: build the frame table by reading every packet of the stream
 * (no decoding), so that info is final: exact frame count, keyframes,
 * reordering.  Idempotent.  Errors: MZ_EIO, MZ_EFORMAT (a corrupt or
 * truncated file: "FILE: packet N: ..."), MZ_ENOMEM.
 */
int mzv_index(mzv_video *v, mz_err *err);

/* mzv_frame_count: mzv_index, then the exact frame count (>= 0), or a
 * negative error code. */
int64_t mzv_frame_count(mzv_video *v, mz_err *err);

/*
 * mzv_probe: open path, index it, copy the info into *info, close.
 * quick != 0 skips indexing (container values only; info->indexed == 0).
 * Returns 0 or a negative error code.
 */
int mzv_probe(const char *path, mzv_info *info, int quick, mz_err *err);

/*
 * mzv_set_output: choose how frames are delivered (o NULL: defaults).  The
 * crop is clamped to the picture; a crop that clamps to nothing, or a
 * size too large (> 16384), is MZ_EINVAL.  May be called at any time.
 */
int mzv_set_output(mzv_video *v, const mzv_output *o, mz_err *err);

/*
 * mzv_output_size: the size frames will be delivered at (after crop and
 * resize) into *w, *h.
 */
void mzv_output_size(const mzv_video *v, int *w, int *h);

/*
 * mzv_read: the next frame of a sequential decode (the first call: frame
 * 0; after mzv_frame_at(N): frame N+1).  Returns 1 and sets *f (borrowed),
 * 0 at the end of the video, or a negative code (MZ_EFORMAT for corrupt
 * data, naming the frame; MZ_ETRUNC when the file ends before the frame
 * count its index promised).
 */
int mzv_read(mzv_video *v, const mzv_frame **f, mz_err *err);

/*
 * mzv_frame_at: exactly frame n (0 <= n < frame count): seek to the last
 * keyframe at or before it and decode forward (or simply decode forward
 * when n is close ahead of the current position).  Returns 0 and sets *f
 * (borrowed), or a negative code: MZ_EINVAL for n out of range ("frame n
 * out of range 0..count-1"), MZ_EFORMAT/MZ_ETRUNC for bad data.
 */
int mzv_frame_at(mzv_video *v, int64_t n, const mzv_frame **f, mz_err *err);

/*
 * mzv_frame_pts: the presentation timestamp (stream time base) of frame n
 * after indexing, or INT64_MIN when n is out of range or the stream has no
 * timestamps.
 */
int64_t mzv_frame_pts(mzv_video *v, int64_t n);

/*
 * mzv_log_init: install the FFmpeg log callback that keeps FFmpeg's
 * messages off stderr (process-wide, idempotent, thread-safe).  mzv_open,
 * mzv_enc_open and mzv_write_png call it; call it before using FFmpeg
 * directly.
 */
void mzv_log_init(void);

/* mzv_pixfmt_bpp: bytes per pixel of an enum mzv_pixfmt (3, 1, or 0 for
 * MZV_NOPIX or an invalid value). */
int mzv_pixfmt_bpp(int pixfmt);

#endif
