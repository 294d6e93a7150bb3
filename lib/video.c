/*
 * video.c - probing and exact frame access (see mz_video.h).
 *
 * The frame table: every packet of the video stream is read once (no
 * decoding) and its presentation timestamp kept; packets the demuxer marks
 * for discarding (edit lists) are left out, since the decoder drops their
 * frames.  Sorted, the timestamps are the frames in presentation order:
 * frame N is the one whose timestamp is fpts[N].  Keyframe packets give a
 * second sorted table, of the places decoding may start.  A decoded frame
 * is identified by its timestamp, never by counting, except in streams
 * without timestamps, which are decoded from the start.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "mz_video.h"

#define MAX_SIDE 16384

struct keyent {
	int64_t pts;    /* presentation timestamp of the keyframe */
	int64_t dts;    /* its decoding timestamp (AV_NOPTS_VALUE if none) */
	int64_t index;  /* its frame number */
};

struct mzv_video {
	char *path;
	AVFormatContext *fmt;
	AVCodecContext *dec;
	const AVCodec *codec;
	AVStream *st;
	int sidx;
	AVPacket *pkt;
	AVFrame *frame;
	mzv_info info;

	/* The frame table (after indexing). */
	int64_t *fpts;          /* frame N's timestamp, ascending */
	int64_t nframes;
	struct keyent *keys;    /* keyframes, ascending pts */
	int64_t nkeys;

	/* Decoding state. */
	int read_any;           /* packets were read from fmt since opening */
	int pos_valid;          /* decoding continues right after `last` */
	int64_t last;           /* number of the last frame delivered, or -1 */
	int need_key;           /* drop packets until a keyframe */
	int eof_sent;           /* the decoder has been sent the flush */
	int damaged;            /* forward_to found its frame damaged */
	AVPacket *primer;       /* the stream's first packet (after indexing) */
	int primed;             /* the decoder has seen the first packet */
	int at_start;           /* no seek since the decoder was opened */
	int64_t skip_before;    /* skip non-reference frames before this
	                           timestamp (AV_NOPTS_VALUE: none) */

	/* Output. */
	mzv_output out;
	int cx, cy, cw, ch;     /* clamped crop */
	int ow, oh;             /* delivered size */
	struct SwsContext *sws_full;   /* decoded -> full-size pixfmt */
	struct SwsContext *sws_crop;   /* cropped -> ow x oh */
	uint8_t *full;          /* full-size converted picture */
	int full_stride;
	uint8_t *scaled;        /* resized picture */
	int scaled_stride;
	mzv_frame fr;
};

/* ------------------------------------------------------------ logging */

static _Thread_local char lastlog[256];

/*
 * log_cb: FFmpeg's log callback: never prints; keeps the last message of
 * level error or worse logged on this thread in lastlog (newline dropped).
 */
static void
log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
	size_t n;

	(void)avcl;
	if (level > AV_LOG_ERROR)
		return;
	vsnprintf(lastlog, sizeof lastlog, fmt, vl);
	n = strlen(lastlog);
	while (n > 0 && (lastlog[n - 1] == '\n' || lastlog[n - 1] == ' '))
		lastlog[--n] = '\0';
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/* log_install: install log_cb (once per process). */
static void
log_install(void)
{
	av_log_set_callback(log_cb);
}

/*
 * seterr: fill err (if not NULL) with code and "PATH: message", adding
 * FFmpeg's last logged error in brackets when ff is nonzero and there is
 * one; returns -code.
 */
static int
seterr(mz_err *err, int code, const char *path, int ff, const char *fmt,
    ...)
{
	va_list ap;
	size_t n;

	if (err == NULL)
		return -code;
	err->code = code;
	n = (size_t)snprintf(err->msg, sizeof err->msg, "%s: ", path);
	if (n >= sizeof err->msg)
		n = sizeof err->msg - 1;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (ff && lastlog[0] != '\0' && n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - n, " (%s)", lastlog);
	lastlog[0] = '\0';
	return -code;
}

/* averr: FFmpeg's text for an AVERROR code (static per thread). */
static const char *
averr(int rc)
{
	static _Thread_local char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(rc, buf, sizeof buf);
	return buf;
}

/* ------------------------------------------------------------- opening */

/* q2d: num/den as a double, 0 when den is 0. */
static double
q2d(AVRational q)
{
	return q.den != 0 ? (double)q.num / q.den : 0.0;
}

/* copy_str: strncpy that always terminates; s NULL gives "". */
static void
copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s != NULL ? s : "");
}

/*
 * open_decoder: a fresh decoder context for v's stream in v->dec (freeing
 * any old one), not yet primed.  Returns 0 or -code.
 */
static int
open_decoder(mzv_video *v, mz_err *err)
{
	int rc;

	avcodec_free_context(&v->dec);
	v->dec = avcodec_alloc_context3(v->codec);
	if (v->dec == NULL)
		return seterr(err, MZ_ENOMEM, v->path, 0, "out of memory");
	rc = avcodec_parameters_to_context(v->dec, v->st->codecpar);
	if (rc < 0)
		return seterr(err, MZ_EFORMAT, v->path, 1,
		    "codec parameters: %s", averr(rc));
	v->dec->pkt_timebase = v->st->time_base;
	v->dec->thread_count = 0;
	rc = avcodec_open2(v->dec, v->codec, NULL);
	if (rc < 0)
		return seterr(err, MZ_EFORMAT, v->path, 1,
		    "cannot open the %s decoder: %s", v->codec->name,
		    averr(rc));
	v->primed = 0;
	v->at_start = 1;
	return 0;
}

/*
 * prime: let the decoder see the stream's first packet (then forget its
 * pictures), once per decoder.  Decoders learn things from it that later
 * keyframes do not repeat: FFmpeg's h264 decoder reads the x264 version
 * from its SEI and works around that encoder's old bugs (x264 before build
 * 151 coded High 4:4:4 intra prediction wrongly), so a keyframe decoded
 * without it comes out damaged.  Returns 0 or -code.
 */
static int
prime(mzv_video *v, mz_err *err)
{
	int rc;

	if (v->primed || v->primer == NULL)
		return 0;
	lastlog[0] = '\0';
	rc = avcodec_send_packet(v->dec, v->primer);
	if (rc >= 0)
		rc = avcodec_send_packet(v->dec, NULL);
	while (rc >= 0)
		rc = avcodec_receive_frame(v->dec, v->frame);
	av_frame_unref(v->frame);
	if (rc != AVERROR_EOF && rc != AVERROR(EAGAIN))
		return seterr(err, MZ_EFORMAT, v->path, 1,
		    "frame 0: cannot decode: %s", averr(rc));
	avcodec_flush_buffers(v->dec);
	v->primed = 1;
	return 0;
}

/*
 * open_streams: open v->path into v->fmt and v->dec (both NULL on entry),
 * choosing the first video stream that is not a cover picture.  Fills the
 * container fields of v->info when fill.  Returns 0 or -code.
 */
static int
open_streams(mzv_video *v, int fill, mz_err *err)
{
	AVCodecParameters *par;
	int rc, i;

	lastlog[0] = '\0';
	rc = avformat_open_input(&v->fmt, v->path, NULL, NULL);
	if (rc < 0) {
		if (rc == AVERROR(ENOENT) || rc == AVERROR(EACCES) ||
		    rc == AVERROR(EISDIR) || rc == AVERROR(EIO))
			return seterr(err, MZ_EIO, v->path, 0, "cannot open: %s",
			    averr(rc));
		return seterr(err, MZ_EFORMAT, v->path, 1,
		    "not a readable video file: %s", averr(rc));
	}
	rc = avformat_find_stream_info(v->fmt, NULL);
	if (rc < 0)
		return seterr(err, MZ_EFORMAT, v->path, 1,
		    "cannot read stream information: %s", averr(rc));
	v->sidx = -1;
	for (i = 0; i < (int)v->fmt->nb_streams; i++) {
		AVStream *s = v->fmt->streams[i];
		if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
		    !(s->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
			v->sidx = i;
			break;
		}
	}
	if (v->sidx < 0)
		return seterr(err, MZ_EFORMAT, v->path, 0,
		    "no video stream (format %s)", v->fmt->iformat->name);
	v->st = v->fmt->streams[v->sidx];
	par = v->st->codecpar;
	for (i = 0; i < (int)v->fmt->nb_streams; i++)
		if (i != v->sidx)
			v->fmt->streams[i]->discard = AVDISCARD_ALL;
	v->codec = avcodec_find_decoder(par->codec_id);
	if (v->codec == NULL) {
		char tag[AV_FOURCC_MAX_STRING_SIZE];
		av_fourcc_make_string(tag, par->codec_tag);
		if (par->codec_id == AV_CODEC_ID_NONE)
			return seterr(err, MZ_EFORMAT, v->path, 0,
			    "no decoder for codec tag '%s' (unknown codec)",
			    tag);
		return seterr(err, MZ_EFORMAT, v->path, 0,
		    "no decoder for codec '%s' in this FFmpeg build",
		    avcodec_get_name(par->codec_id));
	}
	if (par->width <= 0 || par->height <= 0 ||
	    par->width > MAX_SIDE || par->height > MAX_SIDE)
		return seterr(err, MZ_EFORMAT, v->path, 0,
		    "bad picture size %dx%d", par->width, par->height);
	if ((rc = open_decoder(v, err)) < 0)
		return rc;
	if (fill) {
		mzv_info *in = &v->info;
		const AVCodecDescriptor *cd = avcodec_descriptor_get(
		    par->codec_id);
		const char *pf = av_get_pix_fmt_name(par->format);
		const char *prof = avcodec_profile_name(par->codec_id,
		    par->profile);
		AVRational avg = v->st->avg_frame_rate;
		AVRational r = v->st->r_frame_rate;

		copy_str(in->path, sizeof in->path, v->path);
		copy_str(in->container, sizeof in->container,
		    v->fmt->iformat->name);
		copy_str(in->codec, sizeof in->codec,
		    avcodec_get_name(par->codec_id));
		copy_str(in->codec_long, sizeof in->codec_long,
		    cd != NULL ? cd->long_name : v->codec->long_name);
		copy_str(in->profile, sizeof in->profile, prof);
		copy_str(in->pix_fmt, sizeof in->pix_fmt,
		    pf != NULL ? pf : "unknown");
		in->width = par->width;
		in->height = par->height;
		in->stream_index = v->sidx;
		if (avg.num <= 0 || avg.den <= 0)
			avg = (AVRational){ 0, 1 };
		if (r.num <= 0 || r.den <= 0)
			r = (AVRational){ 0, 1 };
		av_reduce(&in->avg_fps_num, &in->avg_fps_den, avg.num,
		    avg.den, INT32_MAX);
		av_reduce(&in->r_fps_num, &in->r_fps_den, r.num, r.den,
		    INT32_MAX);
		in->avg_fps = q2d(avg);
		in->r_fps = q2d(r);
		in->tb_num = v->st->time_base.num;
		in->tb_den = v->st->time_base.den;
		if (v->st->duration != AV_NOPTS_VALUE && v->st->duration > 0)
			in->duration = v->st->duration * q2d(v->st->time_base);
		else if (v->fmt->duration != AV_NOPTS_VALUE &&
		    v->fmt->duration > 0)
			in->duration = v->fmt->duration / (double)AV_TIME_BASE;
		in->start_time = v->st->start_time != AV_NOPTS_VALUE ?
		    v->st->start_time * q2d(v->st->time_base) : 0.0;
		in->bit_rate = par->bit_rate > 0 ? par->bit_rate :
		    (v->fmt->bit_rate > 0 ? v->fmt->bit_rate : 0);
		in->container_frames = v->st->nb_frames > 0 ?
		    v->st->nb_frames : -1;
		in->frames = in->container_frames;
		in->frames_source = MZV_COUNT_UNKNOWN;
		in->timestamps = 1;
	}
	v->read_any = 0;
	v->pos_valid = 1;
	v->skip_before = AV_NOPTS_VALUE;
	v->last = -1;
	v->need_key = 0;
	v->eof_sent = 0;
	return 0;
}

/* close_streams: free v->fmt and v->dec (and set them NULL). */
static void
close_streams(mzv_video *v)
{
	avcodec_free_context(&v->dec);
	avformat_close_input(&v->fmt);
	v->st = NULL;
}

/* reopen: close and open v's file again, positioned at the start. */
static int
reopen(mzv_video *v, mz_err *err)
{
	close_streams(v);
	return open_streams(v, 0, err);
}

void
mzv_log_init(void)
{
	pthread_once(&log_once, log_install);
}

mzv_video *
mzv_open(const char *path, mz_err *err)
{
	mzv_video *v;

	mzv_log_init();
	if (path == NULL) {
		seterr(err, MZ_EINVAL, "(null)", 0, "no file name");
		return NULL;
	}
	v = calloc(1, sizeof *v);
	if (v == NULL || (v->path = strdup(path)) == NULL ||
	    (v->pkt = av_packet_alloc()) == NULL ||
	    (v->frame = av_frame_alloc()) == NULL) {
		seterr(err, MZ_ENOMEM, path, 0, "out of memory");
		mzv_close(v);
		return NULL;
	}
	if (open_streams(v, 1, err) < 0 ||
	    mzv_set_output(v, NULL, err) < 0) {
		mzv_close(v);
		return NULL;
	}
	return v;
}

void
mzv_close(mzv_video *v)
{
	if (v == NULL)
		return;
	close_streams(v);
	av_packet_free(&v->pkt);
	av_packet_free(&v->primer);
	av_frame_free(&v->frame);
	sws_freeContext(v->sws_full);
	sws_freeContext(v->sws_crop);
	av_free(v->full);
	av_free(v->scaled);
	free(v->fpts);
	free(v->keys);
	free(v->path);
	free(v);
}

const char *
mzv_path(const mzv_video *v)
{
	return v->path;
}

const mzv_info *
mzv_get_info(const mzv_video *v)
{
	return &v->info;
}

int
mzv_pixfmt_bpp(int pixfmt)
{
	return pixfmt == MZV_RGB24 ? 3 : pixfmt == MZV_GRAY8 ? 1 : 0;
}

/* ------------------------------------------------------------ indexing */

/* cmp_i64: qsort comparison of int64_t. */
static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* cmp_key: qsort comparison of keyents by pts. */
static int
cmp_key(const void *a, const void *b)
{
	int64_t x = ((const struct keyent *)a)->pts;
	int64_t y = ((const struct keyent *)b)->pts;
	return (x > y) - (x < y);
}

/* find_pts: the frame number whose timestamp is t, or -1. */
static int64_t
find_pts(const mzv_video *v, int64_t t)
{
	int64_t lo = 0, hi = v->nframes;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (v->fpts[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nframes && v->fpts[lo] == t ? lo : -1;
}

/* grow: make *p hold at least n items of size sz (doubling); 0 or -1. */
static int
grow(void *p, int64_t *cap, int64_t n, size_t sz)
{
	void *q;
	int64_t c = *cap;

	if (n <= c)
		return 0;
	while (c < n)
		c = c < 1024 ? 1024 : c * 2;
	q = realloc(*(void **)p, (size_t)c * sz);
	if (q == NULL)
		return -1;
	*(void **)p = q;
	*cap = c;
	return 0;
}

/*
 * key_stats: keyframe count and the gaps between consecutive keyframes (in
 * frames) into v->info.
 */
static void
key_stats(mzv_video *v)
{
	mzv_info *in = &v->info;
	int64_t i, gap, sum = 0;

	in->keyframes = v->nkeys;
	if (v->nkeys <= 1) {
		in->keyint_min = in->keyint_max = (int)(v->nframes < INT32_MAX ?
		    v->nframes : INT32_MAX);
		in->keyint_mean = (double)v->nframes;
		return;
	}
	in->keyint_min = INT32_MAX;
	in->keyint_max = 0;
	for (i = 1; i < v->nkeys; i++) {
		gap = v->keys[i].index - v->keys[i - 1].index;
		if (gap < in->keyint_min)
			in->keyint_min = (int)gap;
		if (gap > in->keyint_max)
			in->keyint_max = (int)gap;
		sum += gap;
	}
	in->keyint_mean = (double)sum / (double)(v->nkeys - 1);
}

int
mzv_index(mzv_video *v, mz_err *err)
{
	int64_t cap = 0, kcap = 0, npk = 0, i;
	int64_t prev_pts = INT64_MIN;
	int rc, have_ts = 1, reordered = 0;
	int intra = 0;
	int64_t *fdts = NULL;
	int64_t dcap = 0;
	const AVCodecDescriptor *cd;

	if (v->info.indexed)
		return 0;
	if (v->read_any && (rc = reopen(v, err)) < 0)
		return rc;
	cd = avcodec_descriptor_get(v->st->codecpar->codec_id);
	intra = cd != NULL && (cd->props & AV_CODEC_PROP_INTRA_ONLY);
	free(v->fpts);
	free(v->keys);
	v->fpts = NULL;
	v->keys = NULL;
	v->nframes = v->nkeys = 0;
	v->read_any = 1;
	v->pos_valid = 0;
	for (;;) {
		int64_t t;
		lastlog[0] = '\0';
		rc = av_read_frame(v->fmt, v->pkt);
		if (rc == AVERROR_EOF)
			break;
		if (rc < 0) {
			free(fdts);
			return seterr(err, MZ_EFORMAT, v->path, 1,
			    "packet %lld: %s", (long long)npk, averr(rc));
		}
		if (v->pkt->stream_index != v->sidx) {
			av_packet_unref(v->pkt);
			continue;
		}
		npk++;
		if (v->primer == NULL && (v->primer = av_packet_clone(
		    v->pkt)) == NULL) {
			av_packet_unref(v->pkt);
			free(fdts);
			return seterr(err, MZ_ENOMEM, v->path, 0,
			    "out of memory");
		}
		if (v->pkt->flags & AV_PKT_FLAG_CORRUPT) {
			av_packet_unref(v->pkt);
			free(fdts);
			return seterr(err, MZ_EFORMAT, v->path, 1,
			    "packet %lld: corrupt or truncated data",
			    (long long)npk - 1);
		}
		if (v->pkt->flags & AV_PKT_FLAG_DISCARD) {
			av_packet_unref(v->pkt);
			continue;
		}
		t = v->pkt->pts;
		if (grow(&v->fpts, &cap, v->nframes + 1, sizeof *v->fpts) < 0 ||
		    grow(&fdts, &dcap, v->nframes + 1, sizeof *fdts) < 0) {
			av_packet_unref(v->pkt);
			free(fdts);
			return seterr(err, MZ_ENOMEM, v->path, 0,
			    "out of memory");
		}
		fdts[v->nframes] = v->pkt->dts;
		if (t == AV_NOPTS_VALUE)
			have_ts = 0;
		else if (t < prev_pts)
			reordered = 1;
		if (t != AV_NOPTS_VALUE)
			prev_pts = t;
		v->fpts[v->nframes] = t;
		if (v->pkt->flags & AV_PKT_FLAG_KEY) {
			if (grow(&v->keys, &kcap, v->nkeys + 1,
			    sizeof *v->keys) < 0) {
				av_packet_unref(v->pkt);
				free(fdts);
				return seterr(err, MZ_ENOMEM, v->path, 0,
				    "out of memory");
			}
			v->keys[v->nkeys].pts = t;
			v->keys[v->nkeys].dts = v->pkt->dts;
			v->keys[v->nkeys].index = v->nframes;
			v->nkeys++;
		}
		v->nframes++;
		av_packet_unref(v->pkt);
	}
	/* Intra-only streams without pts: the decoding order is the
	 * presentation order, so dts serves. */
	if (!have_ts && intra) {
		have_ts = 1;
		for (i = 0; i < v->nframes && have_ts; i++) {
			v->fpts[i] = fdts[i];
			if (fdts[i] == AV_NOPTS_VALUE ||
			    (i > 0 && fdts[i] <= fdts[i - 1]))
				have_ts = 0;
		}
		for (i = 0; i < v->nkeys && have_ts; i++)
			v->keys[i].pts = v->fpts[v->keys[i].index];
	}
	free(fdts);
	if (have_ts) {
		qsort(v->fpts, (size_t)v->nframes, sizeof *v->fpts, cmp_i64);
		for (i = 1; i < v->nframes; i++)
			if (v->fpts[i] == v->fpts[i - 1])
				have_ts = 0;   /* duplicates: not usable */
	}
	if (have_ts) {
		qsort(v->keys, (size_t)v->nkeys, sizeof *v->keys, cmp_key);
		for (i = 0; i < v->nkeys; i++)
			v->keys[i].index = find_pts(v, v->keys[i].pts);
	}
	v->info.timestamps = have_ts;
	v->info.reordered = reordered;
	v->info.frames = v->nframes;
	v->info.frames_source = v->info.container_frames == v->nframes ?
	    MZV_COUNT_CONTAINER : MZV_COUNT_PACKETS;
	v->info.vfr = 0;
	if (have_ts && v->nframes > 2) {
		int64_t d0 = v->fpts[1] - v->fpts[0];
		for (i = 2; i < v->nframes; i++) {
			int64_t d = v->fpts[i] - v->fpts[i - 1];
			if (d - d0 > 1 || d0 - d > 1)
				v->info.vfr = 1;
		}
	}
	if (have_ts && v->nframes > 0)
		v->info.start_time = v->fpts[0] * q2d(v->st->time_base);
	key_stats(v);
	v->info.indexed = 1;
	return 0;
}

int64_t
mzv_frame_count(mzv_video *v, mz_err *err)
{
	int rc = mzv_index(v, err);
	return rc < 0 ? rc : v->nframes;
}

int64_t
mzv_frame_pts(mzv_video *v, int64_t n)
{
	if (!v->info.indexed || !v->info.timestamps || n < 0 ||
	    n >= v->nframes)
		return INT64_MIN;
	return v->fpts[n];
}

int
mzv_probe(const char *path, mzv_info *info, int quick, mz_err *err)
{
	mzv_video *v = mzv_open(path, err);
	int rc = 0;

	if (v == NULL)
		return err != NULL ? -err->code : -MZ_EFORMAT;
	if (!quick)
		rc = mzv_index(v, err);
	if (rc == 0)
		*info = v->info;
	mzv_close(v);
	return rc;
}

/* -------------------------------------------------------------- output */

int
mzv_set_output(mzv_video *v, const mzv_output *o, mz_err *err)
{
	mzv_output d = { 0 };
	int W = v->info.width, H = v->info.height;
	int x, y, w, h;

	if (o != NULL)
		d = *o;
	if (mzv_pixfmt_bpp(d.pixfmt) == 0 && d.pixfmt != MZV_NOPIX)
		return seterr(err, MZ_EINVAL, v->path, 0, "bad pixel format %d",
		    d.pixfmt);
	if (d.scaler < MZV_SCALE_BILINEAR || d.scaler > MZV_SCALE_POINT)
		return seterr(err, MZ_EINVAL, v->path, 0, "bad scaler %d",
		    d.scaler);
	x = d.crop_x < 0 ? 0 : d.crop_x;
	y = d.crop_y < 0 ? 0 : d.crop_y;
	if (x >= W || y >= H)
		return seterr(err, MZ_EINVAL, v->path, 0,
		    "crop origin %d,%d outside the %dx%d picture", d.crop_x,
		    d.crop_y, W, H);
	w = d.crop_w <= 0 || d.crop_w > W - x ? W - x : d.crop_w;
	h = d.crop_h <= 0 || d.crop_h > H - y ? H - y : d.crop_h;
	if (d.out_w < 0 || d.out_h < 0 || d.out_w > MAX_SIDE ||
	    d.out_h > MAX_SIDE)
		return seterr(err, MZ_EINVAL, v->path, 0,
		    "bad output size %dx%d", d.out_w, d.out_h);
	v->out = d;
	v->cx = x;
	v->cy = y;
	v->cw = w;
	v->ch = h;
	if (d.out_w == 0 && d.out_h == 0) {
		v->ow = w;
		v->oh = h;
	} else if (d.out_w == 0) {
		v->oh = d.out_h;
		v->ow = (int)((int64_t)w * d.out_h / h);
	} else if (d.out_h == 0) {
		v->ow = d.out_w;
		v->oh = (int)((int64_t)h * d.out_w / w);
	} else {
		v->ow = d.out_w;
		v->oh = d.out_h;
	}
	if (v->ow < 1)
		v->ow = 1;
	if (v->oh < 1)
		v->oh = 1;
	sws_freeContext(v->sws_full);
	sws_freeContext(v->sws_crop);
	v->sws_full = v->sws_crop = NULL;
	av_freep(&v->full);
	av_freep(&v->scaled);
	return 0;
}

void
mzv_output_size(const mzv_video *v, int *w, int *h)
{
	*w = v->ow;
	*h = v->oh;
}

/* sws_flags: libswscale flags for an enum mzv_scaler. */
static int
sws_flags(int scaler)
{
	switch (scaler) {
	case MZV_SCALE_AREA:
		return SWS_AREA;
	case MZV_SCALE_BICUBIC:
		return SWS_BICUBIC;
	case MZV_SCALE_POINT:
		return SWS_POINT;
	default:
		return SWS_BILINEAR;
	}
}

/*
 * luma_copy: GRAY8 of a planar YUV frame with 8-bit luma, straight from
 * its Y plane into v->full: copied when full range (yuvj*), else expanded
 * from 16..235 to 0..255 (rounded, clamped), as libswscale does but
 * without its general (slow) path.  Returns 0, or -1 when f is not such a
 * frame (the caller then uses libswscale).
 */
static int
luma_copy(mzv_video *v, const AVFrame *f)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	int full, x, y;
	uint8_t lut[256];

	if (d == NULL || !(d->flags & AV_PIX_FMT_FLAG_PLANAR) ||
	    (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL |
	    AV_PIX_FMT_FLAG_BE | AV_PIX_FMT_FLAG_FLOAT)) ||
	    d->nb_components < 3 || d->comp[0].depth != 8 ||
	    d->comp[0].plane != 0 || d->comp[0].step != 1)
		return -1;
	full = f->color_range == AVCOL_RANGE_JPEG ||
	    f->format == AV_PIX_FMT_YUVJ420P ||
	    f->format == AV_PIX_FMT_YUVJ422P ||
	    f->format == AV_PIX_FMT_YUVJ444P ||
	    f->format == AV_PIX_FMT_YUVJ440P ||
	    f->format == AV_PIX_FMT_YUVJ411P;
	for (x = 0; x < 256; x++) {
		int t = ((x - 16) * 255 * 2 + 219) / (2 * 219);
		if (x < 16)
			t = 0;
		lut[x] = (uint8_t)(full ? x : t > 255 ? 255 : t);
	}
	for (y = 0; y < f->height; y++) {
		const uint8_t *src = f->data[0] + (size_t)y * f->linesize[0];
		uint8_t *dst = v->full + (size_t)y * v->full_stride;
		if (full) {
			memcpy(dst, src, (size_t)f->width);
		} else {
			for (x = 0; x < f->width; x++)
				dst[x] = lut[src[x]];
		}
	}
	return 0;
}

/*
 * convert: turn the decoded v->frame into v->fr (format, crop, size) and
 * stamp it with index n.  Returns 0 or -code.
 */
static int
convert(mzv_video *v, int64_t n, mz_err *err)
{
	AVFrame *f = v->frame;
	enum AVPixelFormat dst = v->out.pixfmt == MZV_GRAY8 ?
	    AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
	int bpp = mzv_pixfmt_bpp(v->out.pixfmt);
	int W = v->info.width, H = v->info.height;
	uint8_t *dd[4] = { 0 };
	int dl[4] = { 0 };
	const uint8_t *sd[4] = { 0 };
	int sl[4] = { 0 };

	if (f->width != W || f->height != H)
		return seterr(err, MZ_EFORMAT, v->path, 0,
		    "frame %lld: picture size changed to %dx%d",
		    (long long)n, f->width, f->height);
	v->fr.pixfmt = v->out.pixfmt;
	v->fr.index = n;
	v->fr.pts = f->pts != AV_NOPTS_VALUE ? f->pts : f->pkt_dts;
	v->fr.time = v->info.timestamps && v->nframes > 0 &&
	    v->fr.pts != AV_NOPTS_VALUE ?
	    (v->fr.pts - v->fpts[0]) * q2d(v->st->time_base) :
	    (v->info.avg_fps > 0 ? n / v->info.avg_fps : 0.0);
	v->fr.key = f->key_frame;
	if (v->out.pixfmt == MZV_NOPIX) {
		v->fr.data = NULL;
		v->fr.stride = 0;
		v->fr.width = v->ow;
		v->fr.height = v->oh;
		return 0;
	}
	if (v->full == NULL) {
		v->full_stride = FFALIGN(W * bpp, 64);
		v->full = av_malloc((size_t)v->full_stride * H + 64);
		if (v->full == NULL)
			return seterr(err, MZ_ENOMEM, v->path, 0,
			    "out of memory");
	}
	if (dst == AV_PIX_FMT_GRAY8 && luma_copy(v, f) == 0)
		goto crop;
	v->sws_full = sws_getCachedContext(v->sws_full, W, H, f->format, W,
	    H, dst, SWS_BICUBIC, NULL, NULL, NULL);
	if (v->sws_full == NULL)
		return seterr(err, MZ_EFORMAT, v->path, 0,
		    "frame %lld: cannot convert pixel format %s",
		    (long long)n, av_get_pix_fmt_name(f->format));
	dd[0] = v->full;
	dl[0] = v->full_stride;
	sws_scale(v->sws_full, (const uint8_t *const *)f->data, f->linesize,
	    0, H, dd, dl);
crop:
	sd[0] = v->full + (size_t)v->cy * v->full_stride + (size_t)v->cx * bpp;
	sl[0] = v->full_stride;
	if (v->ow == v->cw && v->oh == v->ch) {
		v->fr.data = (uint8_t *)sd[0];
		v->fr.stride = v->full_stride;
	} else {
		v->sws_crop = sws_getCachedContext(v->sws_crop, v->cw, v->ch,
		    dst, v->ow, v->oh, dst, sws_flags(v->out.scaler), NULL,
		    NULL, NULL);
		if (v->sws_crop == NULL)
			return seterr(err, MZ_EINVAL, v->path, 0,
			    "cannot resize %dx%d to %dx%d", v->cw, v->ch,
			    v->ow, v->oh);
		if (v->scaled == NULL) {
			v->scaled_stride = FFALIGN(v->ow * bpp, 64);
			v->scaled = av_malloc((size_t)v->scaled_stride *
			    v->oh + 64);
			if (v->scaled == NULL)
				return seterr(err, MZ_ENOMEM, v->path, 0,
				    "out of memory");
		}
		dd[0] = v->scaled;
		dl[0] = v->scaled_stride;
		sws_scale(v->sws_crop, sd, sl, 0, v->ch, dd, dl);
		v->fr.data = v->scaled;
		v->fr.stride = v->scaled_stride;
	}
	v->fr.width = v->ow;
	v->fr.height = v->oh;
	return 0;
}

/* ------------------------------------------------------------ decoding */

/* corrupt: 1 if the decoder flagged v->frame as damaged. */
static int
corrupt(const mzv_video *v)
{
	return (v->frame->flags & AV_FRAME_FLAG_CORRUPT) ||
	    v->frame->decode_error_flags != 0;
}

/*
 * decode_next: decode the next frame (presentation order) into v->frame,
 * damaged or not (see corrupt).
 * Returns 1, 0 at the end of the stream, or -code with a message naming
 * the frame near which it failed (near: the caller's best guess).
 */
static int
decode_next(mzv_video *v, int64_t near, mz_err *err)
{
	int rc;

	for (;;) {
		lastlog[0] = '\0';
		rc = avcodec_receive_frame(v->dec, v->frame);
		if (rc == 0)
			return 1;
		if (rc == AVERROR_EOF)
			return 0;
		if (rc != AVERROR(EAGAIN))
			return seterr(err, MZ_EFORMAT, v->path, 1,
			    "frame %lld: cannot decode: %s", (long long)near,
			    averr(rc));
		if (v->eof_sent)
			return 0;
		v->read_any = 1;
		rc = av_read_frame(v->fmt, v->pkt);
		if (rc == AVERROR_EOF) {
			v->eof_sent = 1;
			rc = avcodec_send_packet(v->dec, NULL);
			if (rc < 0 && rc != AVERROR_EOF)
				return seterr(err, MZ_EFORMAT, v->path, 1,
				    "frame %lld: cannot decode: %s",
				    (long long)near, averr(rc));
			continue;
		}
		if (rc < 0)
			return seterr(err, MZ_EFORMAT, v->path, 1,
			    "frame %lld: cannot read: %s", (long long)near,
			    averr(rc));
		if (v->pkt->stream_index != v->sidx ||
		    (v->need_key && !(v->pkt->flags & AV_PKT_FLAG_KEY))) {
			av_packet_unref(v->pkt);
			continue;
		}
		v->need_key = 0;
		if (v->at_start)
			v->primed = 1;
		if (v->pkt->flags & AV_PKT_FLAG_CORRUPT) {
			av_packet_unref(v->pkt);
			return seterr(err, MZ_EFORMAT, v->path, 1,
			    "frame %lld: corrupt or truncated data",
			    (long long)near);
		}
		/* Frames no other frame refers to need not be decoded when
		 * they come before the frame sought. */
		v->dec->skip_frame = v->skip_before != AV_NOPTS_VALUE &&
		    v->pkt->pts != AV_NOPTS_VALUE &&
		    v->pkt->pts < v->skip_before ? AVDISCARD_NONREF :
		    AVDISCARD_DEFAULT;
		rc = avcodec_send_packet(v->dec, v->pkt);
		av_packet_unref(v->pkt);
		if (rc < 0 && rc != AVERROR(EAGAIN))
			return seterr(err, MZ_EFORMAT, v->path, 1,
			    "frame %lld: cannot decode: %s", (long long)near,
			    averr(rc));
	}
}

/* frame_ts: the timestamp identifying the decoded v->frame. */
static int64_t
frame_ts(const mzv_video *v)
{
	return v->frame->pts != AV_NOPTS_VALUE ? v->frame->pts :
	    v->frame->pkt_dts;
}

/*
 * seek_key: position the demuxer at keyframe k (of v->keys) and reset the
 * decoder, so that decoding starts at a keyframe.  Returns 0 or -code.
 */
static int
seek_key(mzv_video *v, int64_t k, mz_err *err)
{
	int rc = -1;
	int64_t t;

	if (k <= 0) {
		/* The start: reopening is exact for every format. */
		if ((rc = reopen(v, err)) < 0)
			return rc;
		v->pos_valid = 1;
		return 0;
	}
	t = v->keys[k].dts != AV_NOPTS_VALUE ? v->keys[k].dts :
	    v->keys[k].pts;
	rc = av_seek_frame(v->fmt, v->sidx, t, AVSEEK_FLAG_BACKWARD);
	if (rc < 0 && v->keys[k].pts != t)
		rc = av_seek_frame(v->fmt, v->sidx, v->keys[k].pts,
		    AVSEEK_FLAG_BACKWARD);
	if (rc < 0)
		return seterr(err, MZ_EFORMAT, v->path, 1,
		    "frame %lld: cannot seek: %s", (long long)v->keys[k].index,
		    averr(rc));
	if ((rc = prime(v, err)) < 0) {
		v->pos_valid = 0;
		return rc;
	}
	avcodec_flush_buffers(v->dec);
	v->at_start = 0;
	v->read_any = 1;
	v->need_key = 1;
	v->eof_sent = 0;
	v->pos_valid = 1;
	return 0;
}

/* key_for: the last keyframe (index into v->keys) whose pts is <= t, or
 * 0 when there is none. */
static int64_t
key_for(const mzv_video *v, int64_t t)
{
	int64_t lo = 0, hi = v->nkeys;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (v->keys[mid].pts <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? lo - 1 : 0;
}

/*
 * forward_to: decode forward from the current position until the frame
 * with timestamp t (frame n), skipping earlier ones (which may be damaged
 * after a seek).  Returns 1 when found intact (in v->frame); 0 when a later
 * frame came first or frame n was damaged (v->damaged set), with
 * v->pos_valid 0; or -code (end of stream before it: MZ_ETRUNC).
 */
static int
forward_to(mzv_video *v, int64_t n, int64_t t, mz_err *err)
{
	int rc;

	v->skip_before = v->info.reordered ? t : AV_NOPTS_VALUE;
	for (;;) {
		int64_t ts;
		rc = decode_next(v, n, err);
		if (rc <= 0)
			v->skip_before = AV_NOPTS_VALUE;
		if (rc < 0) {
			v->pos_valid = 0;
			return rc;
		}
		if (rc == 0) {
			v->pos_valid = 0;
			return seterr(err, MZ_ETRUNC, v->path, 0,
			    "frame %lld: the stream ends before it",
			    (long long)n);
		}
		ts = frame_ts(v);
		if (ts >= t)
			v->skip_before = AV_NOPTS_VALUE;
		if (ts == t && corrupt(v)) {
			/* Decoding did not start at a real recovery point. */
			v->pos_valid = 0;
			v->damaged = 1;
			return 0;
		}
		if (ts == t)
			return 1;
		if (ts > t) {
			v->pos_valid = 0;
			return 0;
		}
	}
}

/* counted_to: in a stream without timestamps, decode from the current
 * position (frame v->last + 1) up to frame n by counting. */
static int
counted_to(mzv_video *v, int64_t n, mz_err *err)
{
	int rc;

	if (!v->pos_valid || n <= v->last) {
		if ((rc = reopen(v, err)) < 0)
			return rc;
	}
	while (v->last < n) {
		rc = decode_next(v, v->last + 1, err);
		if (rc <= 0) {
			v->pos_valid = 0;
			if (rc == 0)
				return seterr(err, MZ_ETRUNC, v->path, 0,
				    "frame %lld: the stream ends before it",
				    (long long)v->last + 1);
			return rc;
		}
		if (corrupt(v)) {
			v->pos_valid = 0;
			return seterr(err, MZ_EFORMAT, v->path, 1,
			    "frame %lld: corrupt data", (long long)v->last + 1);
		}
		v->last++;
	}
	return 0;
}

int
mzv_frame_at(mzv_video *v, int64_t n, const mzv_frame **f, mz_err *err)
{
	int rc;
	int64_t t, k, tries;

	if ((rc = mzv_index(v, err)) < 0)
		return rc;
	if (n < 0 || n >= v->nframes)
		return seterr(err, MZ_EINVAL, v->path, 0,
		    "frame %lld out of range 0..%lld", (long long)n,
		    (long long)v->nframes - 1);
	if (!v->info.timestamps) {
		if ((rc = counted_to(v, n, err)) < 0)
			return rc;
		if ((rc = convert(v, n, err)) < 0)
			return rc;
		*f = &v->fr;
		return 0;
	}
	t = v->fpts[n];
	k = key_for(v, t);
	rc = 0;
	/* Decode forward when no keyframe lies between here and n. */
	if (v->pos_valid && v->last < n && v->last + 1 >= v->keys[k].index)
		rc = forward_to(v, n, t, err);
	v->damaged = 0;
	for (tries = 0; rc == 0; tries++) {
		if (k < 0 || tries > 8) {
			if (v->damaged)
				return seterr(err, MZ_EFORMAT, v->path, 0,
				    "frame %lld: corrupt data", (long long)n);
			return seterr(err, MZ_EFORMAT, v->path, 0,
			    "frame %lld: not found by seeking (timestamp %lld)",
			    (long long)n, (long long)t);
		}
		if ((rc = seek_key(v, k, err)) < 0)
			return rc;
		rc = forward_to(v, n, t, err);
		k = k > 0 ? k - 1 : -1;
	}
	if (rc < 0)
		return rc;
	v->last = n;
	v->pos_valid = 1;
	if ((rc = convert(v, n, err)) < 0)
		return rc;
	*f = &v->fr;
	return 0;
}

int
mzv_read(mzv_video *v, const mzv_frame **f, mz_err *err)
{
	int rc;
	int64_t n;

	if (!v->pos_valid) {
		/* After indexing or an error: find the next frame exactly. */
		if (!v->info.indexed)
			return seterr(err, MZ_EINVAL, v->path, 0,
			    "read after a failure");
		if (v->last + 1 >= v->nframes)
			return 0;
		rc = mzv_frame_at(v, v->last + 1, f, err);
		return rc < 0 ? rc : 1;
	}
	rc = decode_next(v, v->last + 1, err);
	if (rc < 0) {
		v->pos_valid = 0;
		return rc;
	}
	if (rc == 0) {
		if (v->info.indexed && v->last + 1 < v->nframes)
			return seterr(err, MZ_ETRUNC, v->path, 0,
			    "frame %lld: the stream ends before its %lld frames",
			    (long long)v->last + 1, (long long)v->nframes);
		return 0;
	}
	n = v->last + 1;
	if (corrupt(v)) {
		v->pos_valid = 0;
		return seterr(err, MZ_EFORMAT, v->path, 1,
		    "frame %lld: corrupt data", (long long)n);
	}
	if (v->info.indexed && v->info.timestamps) {
		n = find_pts(v, frame_ts(v));
		if (n < 0)
			n = v->last + 1;
	}
	v->last = n;
	if ((rc = convert(v, n, err)) < 0)
		return rc;
	*f = &v->fr;
	return 1;
}
