/*
 * videnc.c - PNG files and MP4/AVI/MKV videos from RGB frames (see
 * mz_videnc.h).  Outputs go to a temporary file beside the destination and
 * are renamed into place when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "mz_videnc.h"

struct mzv_encoder {
	char *path;             /* destination */
	char *tmp;              /* temporary file being written */
	AVFormatContext *oc;
	AVCodecContext *enc;
	AVStream *st;
	AVFrame *frame;
	AVPacket *pkt;
	struct SwsContext *sws;
	int w, h;
	int64_t nput;
	int64_t last_pts;
	int64_t step;           /* pts per frame for mzv_enc_put */
	char codec[32];
	struct mzv_encoder *next, *prev;  /* the list of open encoders */
};

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mzv_encoder *open_list;

/*
 * seterr: fill err (if not NULL) with code and "PATH: message"; returns
 * -code.
 */
static int
seterr(mz_err *err, int code, const char *path, const char *fmt, ...)
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

/*
 * tmp_name: a fresh temporary file "DIR/.BASE.PID.N" beside path, created
 * empty with mode 0666 less the umask (O_EXCL: never an existing file) and
 * closed; malloc'd name, or NULL with errno set.
 */
static char *
tmp_name(const char *path)
{
	static _Atomic unsigned long counter;
	const char *slash = strrchr(path, '/');
	size_t dl = slash != NULL ? (size_t)(slash - path + 1) : 0;
	size_t n = strlen(path) + 48;
	char *t = malloc(n);
	int fd, tries;

	if (t == NULL)
		return NULL;
	for (tries = 0; tries < 100; tries++) {
		snprintf(t, n, "%.*s.%s.%ld.%lu", (int)dl, path, path + dl,
		    (long)getpid(), counter++);
		fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0) {
			close(fd);
			return t;
		}
		if (errno != EEXIST)
			break;
	}
	free(t);
	return NULL;
}

/* write_all: write n bytes to fd; 0 or -1 (errno). */
static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
mzv_write_png(const char *path, const uint8_t *data, int w, int h,
    int stride, int pixfmt, mz_err *err)
{
	const AVCodec *c = avcodec_find_encoder(AV_CODEC_ID_PNG);
	AVCodecContext *cx = NULL;
	AVFrame *f = NULL;
	AVPacket *pkt = NULL;
	char *tmp = NULL;
	int rc, fd = -1, ret = 0, bpp = mzv_pixfmt_bpp(pixfmt), y;

	mzv_log_init();
	if (bpp == 0 || w <= 0 || h <= 0 || stride < w * bpp)
		return seterr(err, MZ_EINVAL, path,
		    "bad image %dx%d (stride %d, format %d)", w, h, stride,
		    pixfmt);
	if (c == NULL)
		return seterr(err, MZ_EFORMAT, path,
		    "no png encoder in this FFmpeg build");
	cx = avcodec_alloc_context3(c);
	f = av_frame_alloc();
	pkt = av_packet_alloc();
	if (cx == NULL || f == NULL || pkt == NULL) {
		ret = seterr(err, MZ_ENOMEM, path, "out of memory");
		goto out;
	}
	cx->width = w;
	cx->height = h;
	cx->pix_fmt = pixfmt == MZV_GRAY8 ? AV_PIX_FMT_GRAY8 :
	    AV_PIX_FMT_RGB24;
	cx->time_base = (AVRational){ 1, 25 };
	if ((rc = avcodec_open2(cx, c, NULL)) < 0) {
		ret = seterr(err, MZ_EFORMAT, path, "png encoder: %s",
		    averr(rc));
		goto out;
	}
	f->width = w;
	f->height = h;
	f->format = cx->pix_fmt;
	if ((rc = av_frame_get_buffer(f, 0)) < 0) {
		ret = seterr(err, MZ_ENOMEM, path, "out of memory");
		goto out;
	}
	for (y = 0; y < h; y++)
		memcpy(f->data[0] + (size_t)y * f->linesize[0],
		    data + (size_t)y * stride, (size_t)w * bpp);
	if ((rc = avcodec_send_frame(cx, f)) < 0 ||
	    (rc = avcodec_receive_packet(cx, pkt)) < 0) {
		ret = seterr(err, MZ_EFORMAT, path, "png encoding: %s",
		    averr(rc));
		goto out;
	}
	if ((tmp = tmp_name(path)) == NULL) {
		ret = seterr(err, MZ_EIO, path, "cannot create: %s",
		    strerror(errno));
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_TRUNC);
	if (fd < 0 || write_all(fd, pkt->data, (size_t)pkt->size) < 0 ||
	    fsync(fd) < 0) {
		ret = seterr(err, MZ_EIO, path, "cannot write: %s",
		    strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = seterr(err, MZ_EIO, path, "cannot write: %s",
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = seterr(err, MZ_EIO, path, "cannot rename %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	av_packet_free(&pkt);
	av_frame_free(&f);
	avcodec_free_context(&cx);
	return ret;
}

int
mzv_have_h264(void)
{
	return avcodec_find_encoder_by_name("libx264") != NULL;
}

/* list_add, list_remove: keep e in (or take it out of) open_list. */
static void
list_add(mzv_encoder *e)
{
	pthread_mutex_lock(&open_lock);
	e->next = open_list;
	e->prev = NULL;
	if (open_list != NULL)
		open_list->prev = e;
	open_list = e;
	pthread_mutex_unlock(&open_lock);
}

static void
list_remove(mzv_encoder *e)
{
	pthread_mutex_lock(&open_lock);
	if (e->prev != NULL)
		e->prev->next = e->next;
	else if (open_list == e)
		open_list = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	e->next = e->prev = NULL;
	pthread_mutex_unlock(&open_lock);
}

void
mzv_enc_remove_temps(void)
{
	mzv_encoder *e;

	pthread_mutex_lock(&open_lock);
	for (e = open_list; e != NULL; e = e->next)
		if (e->tmp != NULL)
			unlink(e->tmp);
	pthread_mutex_unlock(&open_lock);
}

/* enc_free: free everything of e, removing the temporary file if any. */
static void
enc_free(mzv_encoder *e)
{
	if (e == NULL)
		return;
	list_remove(e);
	if (e->oc != NULL) {
		if (e->oc->pb != NULL)
			avio_closep(&e->oc->pb);
		avformat_free_context(e->oc);
	}
	avcodec_free_context(&e->enc);
	av_frame_free(&e->frame);
	av_packet_free(&e->pkt);
	sws_freeContext(e->sws);
	if (e->tmp != NULL) {
		unlink(e->tmp);
		free(e->tmp);
	}
	free(e->path);
	free(e);
}

/* muxer_for: the muxer name for path's extension (mp4 by default). */
static const char *
muxer_for(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (dot == NULL || (slash != NULL && dot < slash))
		return "mp4";
	if (strcasecmp(dot, ".avi") == 0)
		return "avi";
	if (strcasecmp(dot, ".mkv") == 0)
		return "matroska";
	if (strcasecmp(dot, ".mov") == 0)
		return "mov";
	return "mp4";
}

mzv_encoder *
mzv_enc_open(const char *path, int w, int h, int fps_num, int fps_den,
    const mzv_encopts *o, mz_err *err)
{
	mzv_encopts d = { 0 };
	mzv_encoder *e;
	const AVCodec *c;
	enum AVPixelFormat pf = AV_PIX_FMT_NONE;
	int rc;
	char val[32];

	mzv_log_init();
	if (o != NULL)
		d = *o;
	if (w <= 0 || h <= 0 || w > 16384 || h > 16384 || fps_num <= 0 ||
	    fps_den <= 0) {
		seterr(err, MZ_EINVAL, path, "bad video size %dx%d or rate %d/%d",
		    w, h, fps_num, fps_den);
		return NULL;
	}
	if (d.codec == NULL || strcmp(d.codec, "auto") == 0) {
		c = avcodec_find_encoder_by_name("libx264");
		if (c == NULL)
			c = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
	} else {
		c = avcodec_find_encoder_by_name(d.codec);
	}
	if (c == NULL) {
		seterr(err, MZ_EFORMAT, path,
		    "no encoder '%s' in this FFmpeg build",
		    d.codec != NULL ? d.codec : "mpeg4");
		return NULL;
	}
	if ((c->id == AV_CODEC_ID_H264 || c->id == AV_CODEC_ID_MPEG4) &&
	    ((w & 1) || (h & 1))) {
		seterr(err, MZ_EINVAL, path,
		    "%s needs an even width and height, not %dx%d", c->name,
		    w, h);
		return NULL;
	}
	if (d.pix_fmt != NULL) {
		pf = av_get_pix_fmt(d.pix_fmt);
		if (pf == AV_PIX_FMT_NONE) {
			seterr(err, MZ_EINVAL, path, "unknown pixel format '%s'",
			    d.pix_fmt);
			return NULL;
		}
	} else if (c->id == AV_CODEC_ID_MJPEG) {
		pf = AV_PIX_FMT_YUVJ420P;
	} else if (c->id == AV_CODEC_ID_H264 || c->id == AV_CODEC_ID_MPEG4) {
		pf = AV_PIX_FMT_YUV420P;
	} else if (c->pix_fmts != NULL) {
		pf = c->pix_fmts[0];
	} else {
		pf = AV_PIX_FMT_YUV420P;
	}
	if (c->pix_fmts != NULL) {
		const enum AVPixelFormat *p;
		for (p = c->pix_fmts; *p != AV_PIX_FMT_NONE && *p != pf; p++)
			;
		if (*p == AV_PIX_FMT_NONE) {
			seterr(err, MZ_EINVAL, path,
			    "encoder %s cannot store pixel format %s", c->name,
			    av_get_pix_fmt_name(pf));
			return NULL;
		}
	}
	e = calloc(1, sizeof *e);
	if (e == NULL || (e->path = strdup(path)) == NULL) {
		free(e);
		seterr(err, MZ_ENOMEM, path, "out of memory");
		return NULL;
	}
	e->w = w;
	e->h = h;
	e->last_pts = INT64_MIN;
	snprintf(e->codec, sizeof e->codec, "%s", c->name);
	list_add(e);
	if ((e->tmp = tmp_name(path)) == NULL) {
		seterr(err, MZ_EIO, path, "cannot create: %s", strerror(errno));
		goto fail;
	}
	rc = avformat_alloc_output_context2(&e->oc, NULL, muxer_for(path),
	    e->tmp);
	if (rc < 0 || e->oc == NULL) {
		seterr(err, MZ_EFORMAT, path, "no muxer: %s", averr(rc));
		goto fail;
	}
	e->enc = avcodec_alloc_context3(c);
	e->frame = av_frame_alloc();
	e->pkt = av_packet_alloc();
	e->st = avformat_new_stream(e->oc, NULL);
	if (e->enc == NULL || e->frame == NULL || e->pkt == NULL ||
	    e->st == NULL) {
		seterr(err, MZ_ENOMEM, path, "out of memory");
		goto fail;
	}
	e->enc->width = w;
	e->enc->height = h;
	e->enc->pix_fmt = pf;
	e->enc->framerate = (AVRational){ fps_num, fps_den };
	if (d.timebase > 0) {
		e->enc->time_base = (AVRational){ 1, d.timebase };
		e->step = av_rescale_q(1, (AVRational){ fps_den, fps_num },
		    e->enc->time_base);
		if (e->step < 1)
			e->step = 1;
	} else {
		e->enc->time_base = (AVRational){ fps_den, fps_num };
		e->step = 1;
	}
	e->enc->thread_count = d.threads > 0 ? d.threads : 1;
	if (d.gop > 0)
		e->enc->gop_size = d.gop;
	else if (c->id == AV_CODEC_ID_MPEG4)
		e->enc->gop_size = 12;
	else if (c->id == AV_CODEC_ID_H264)
		e->enc->gop_size = 250;
	if (d.bframes >= 0)
		e->enc->max_b_frames = d.bframes;
	if (c->id == AV_CODEC_ID_H264) {
		snprintf(val, sizeof val, "%d", d.quality > 0 ? d.quality : 20);
		av_opt_set(e->enc->priv_data, "crf", val, 0);
		av_opt_set(e->enc->priv_data, "preset", "veryfast", 0);
		/* A gop given is exact: no extra keyframes at scene cuts. */
		if (d.bframes >= 0 || d.gop > 0) {
			char par[64] = "";
			if (d.bframes >= 0)
				snprintf(par, sizeof par, "bframes=%d",
				    d.bframes);
			if (d.gop > 0)
				snprintf(par + strlen(par), sizeof par -
				    strlen(par), "%sscenecut=0:keyint-min=%d",
				    par[0] ? ":" : "", d.gop);
			av_opt_set(e->enc->priv_data, "x264-params", par, 0);
		}
	} else if (d.quality > 0) {
		e->enc->flags |= AV_CODEC_FLAG_QSCALE;
		e->enc->global_quality = FF_QP2LAMBDA * d.quality;
	} else if (c->id == AV_CODEC_ID_MPEG4 || c->id == AV_CODEC_ID_MJPEG) {
		e->enc->flags |= AV_CODEC_FLAG_QSCALE;
		e->enc->global_quality = FF_QP2LAMBDA * 3;
	}
	if (e->oc->oformat->flags & AVFMT_GLOBALHEADER)
		e->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	if ((rc = avcodec_open2(e->enc, c, NULL)) < 0) {
		seterr(err, MZ_EFORMAT, path, "cannot open encoder %s: %s",
		    c->name, averr(rc));
		goto fail;
	}
	if ((rc = avcodec_parameters_from_context(e->st->codecpar,
	    e->enc)) < 0) {
		seterr(err, MZ_EFORMAT, path, "encoder parameters: %s",
		    averr(rc));
		goto fail;
	}
	e->st->time_base = e->enc->time_base;
	e->st->avg_frame_rate = e->enc->framerate;
	if ((rc = avio_open(&e->oc->pb, e->tmp, AVIO_FLAG_WRITE)) < 0) {
		seterr(err, MZ_EIO, path, "cannot write %s: %s", e->tmp,
		    averr(rc));
		goto fail;
	}
	if ((rc = avformat_write_header(e->oc, NULL)) < 0) {
		seterr(err, MZ_EFORMAT, path, "cannot write the header: %s",
		    averr(rc));
		goto fail;
	}
	e->frame->width = w;
	e->frame->height = h;
	e->frame->format = pf;
	if ((rc = av_frame_get_buffer(e->frame, 0)) < 0) {
		seterr(err, MZ_ENOMEM, path, "out of memory");
		goto fail;
	}
	e->sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, pf,
	    SWS_BICUBIC, NULL, NULL, NULL);
	if (e->sws == NULL) {
		seterr(err, MZ_EFORMAT, path, "cannot convert RGB to %s",
		    av_get_pix_fmt_name(pf));
		goto fail;
	}
	return e;
fail:
	enc_free(e);
	return NULL;
}

/*
 * drain: write every packet the encoder has ready to the muxer.  Returns 0
 * or -code.
 */
static int
drain(mzv_encoder *e, mz_err *err)
{
	int rc;

	for (;;) {
		rc = avcodec_receive_packet(e->enc, e->pkt);
		if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
			return 0;
		if (rc < 0)
			return seterr(err, MZ_EFORMAT, e->path, "encoding: %s",
			    averr(rc));
		av_packet_rescale_ts(e->pkt, e->enc->time_base,
		    e->st->time_base);
		e->pkt->stream_index = e->st->index;
		rc = av_interleaved_write_frame(e->oc, e->pkt);
		if (rc < 0)
			return seterr(err, rc == AVERROR(ENOSPC) ||
			    rc == AVERROR(EIO) ? MZ_EIO : MZ_EFORMAT, e->path,
			    "cannot write: %s", averr(rc));
	}
}

int
mzv_enc_put_pts(mzv_encoder *e, const uint8_t *rgb, int stride,
    int64_t pts, mz_err *err)
{
	const uint8_t *sd[4] = { rgb, NULL, NULL, NULL };
	int sl[4] = { stride, 0, 0, 0 };
	int rc;

	if (pts <= e->last_pts)
		return seterr(err, MZ_EINVAL, e->path,
		    "frame %lld: pts %lld not after %lld",
		    (long long)e->nput, (long long)pts,
		    (long long)e->last_pts);
	if (stride < e->w * 3)
		return seterr(err, MZ_EINVAL, e->path, "stride %d < 3 * %d",
		    stride, e->w);
	if ((rc = av_frame_make_writable(e->frame)) < 0)
		return seterr(err, MZ_ENOMEM, e->path, "out of memory");
	sws_scale(e->sws, sd, sl, 0, e->h, e->frame->data,
	    e->frame->linesize);
	e->frame->pts = pts;
	rc = avcodec_send_frame(e->enc, e->frame);
	if (rc < 0)
		return seterr(err, MZ_EFORMAT, e->path,
		    "frame %lld: encoding: %s", (long long)e->nput, averr(rc));
	e->last_pts = pts;
	e->nput++;
	return drain(e, err);
}

int
mzv_enc_put(mzv_encoder *e, const uint8_t *rgb, int stride, mz_err *err)
{
	return mzv_enc_put_pts(e, rgb, stride, e->nput * e->step, err);
}

int
mzv_enc_close(mzv_encoder *e, mz_err *err)
{
	int rc;

	if (e == NULL)
		return 0;
	rc = avcodec_send_frame(e->enc, NULL);
	if (rc < 0 && rc != AVERROR_EOF) {
		rc = seterr(err, MZ_EFORMAT, e->path, "flushing: %s",
		    averr(rc));
		goto out;
	}
	if ((rc = drain(e, err)) < 0)
		goto out;
	if ((rc = av_write_trailer(e->oc)) < 0) {
		rc = seterr(err, MZ_EIO, e->path, "cannot finish: %s",
		    averr(rc));
		goto out;
	}
	if ((rc = avio_closep(&e->oc->pb)) < 0) {
		rc = seterr(err, MZ_EIO, e->path, "cannot write: %s",
		    averr(rc));
		goto out;
	}
	if (rename(e->tmp, e->path) < 0) {
		rc = seterr(err, MZ_EIO, e->path, "cannot rename %s: %s",
		    e->tmp, strerror(errno));
		goto out;
	}
	free(e->tmp);
	e->tmp = NULL;
	rc = 0;
out:
	enc_free(e);
	return rc;
}

void
mzv_enc_abort(mzv_encoder *e)
{
	enc_free(e);
}

const char *
mzv_enc_codec(const mzv_encoder *e)
{
	return e->codec;
}

int64_t
mzv_enc_frames(const mzv_encoder *e)
{
	return e->nput;
}
