/*
 * mz-overlay - draw keypoints, skeletons and syllable numbers onto a
 * video, for checking tracking and syllables by eye (see mz-overlay(1)).
 *
 * The tracks (every individual of one sequence) are read into memory
 * first and checked against the video; then the video is decoded in
 * order, drawn on and encoded, one frame at a time.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "draw.h"
#include "mz_video.h"
#include "mz_videnc.h"
#include "posevid.h"

#define SYNOPSIS \
	"mz-overlay [-qv] [-c column] [-s file] [--codec name] " \
	"[--colormap name] [--end n] [--line-width n] [--no-frame-numbers] " \
	"[--node-size n] [--quality n] [--sequence name] [--skeleton edges] " \
	"[--start n] [--text-scale n] --video file | --size WxH [--fps fps] " \
	"-o file [file]"

/* One individual: a part of the tracks. */
struct ind {
	char *group, *seq, *indiv, *where;
	size_t T;
	int64_t *frame;         /* T frames, increasing */
	float *kp;              /* T x K x 2 */
	int32_t *syl;           /* T syllables (INT32_MIN: none), or NULL */
	cJSON *levels;          /* names of the syllables, or NULL */
	size_t cur;             /* the row of the frame being drawn */
	double fps;             /* metadata fps, or 0 */
};

static struct {
	const char *column, *syllables, *out, *sequence;
	long start, end, text;
	int frame_numbers, column_given, width, height;
	pv_opts pv;             /* the options mz-gridmovie has too */
} o = {
	.column = "syllable", .start = 0, .end = -1, .text = 2,
	.frame_numbers = 1, .pv = { .node = 5, .line = 2 }
};

static struct ind *ind;
static size_t nind;
static pv_body body;

/* syl_levels: a copy of the "levels" of column j of h, or NULL. */
static cJSON *
syl_levels(const mz_header *h, int j)
{
	const cJSON *l = h->cols[j].extra ?
	    cJSON_GetObjectItemCaseSensitive(h->cols[j].extra, "levels") :
	    NULL;
	cJSON *c;

	if (!cJSON_IsObject(l))
		return NULL;
	if ((c = cJSON_Duplicate(l, 1)) == NULL)
		die("out of memory");
	return c;
}

/*
 * read_tracks: the parts of the tracks stream path (of --sequence, or of
 * the one sequence the stream has): frames, keypoints, and the syllable
 * column when there is one (required when -c was given and -s was not).
 */
static void
read_tracks(const char *path)
{
	mz_reader *r = pv_open(path);
	const mz_header *h;

	while ((h = pv_next_part(r)) != NULL) {
		struct ind *c;
		int *jx, *jy, jf, js = -1;
		size_t cap = 0;
		mz_block b;
		char *seq = pv_meta_dup(h, "sequence");

		if (o.sequence != NULL && !pv_same_str(seq, o.sequence)) {
			free(seq);
			continue;
		}
		if (nind > 0 && (!pv_same_str(seq, ind[0].seq) ||
		    !pv_same_str(mz_meta_str(h, "group"), ind[0].group)))
			die("%s: the input has more than one sequence ('%s' "
			    "and '%s'): choose one with --sequence",
			    mz_reader_name(r), ind[0].seq ? ind[0].seq : "",
			    seq ? seq : "");
		ind = xrealloc(ind, (nind + 1) * sizeof(*ind));
		c = &ind[nind++];
		memset(c, 0, sizeof(*c));
		c->seq = seq;
		c->group = pv_meta_dup(h, "group");
		c->indiv = pv_meta_dup(h, "individual");
		c->where = pv_where(r, seq);
		c->fps = mz_meta_num(h, "fps", 0);
		pv_read_body(&body, h, c->where, o.pv.skeleton == NULL);
		if ((jf = mz_header_find(h, "frame")) < 0 ||
		    h->cols[jf].type == MZ_NOTYPE)
			die("%s: no column 'frame'", c->where);
		pv_kp_cols(&body, h, c->where, 0, &jx, &jy);
		if (o.syllables == NULL) {
			js = mz_header_find(h, o.column);
			if (js < 0 && o.column_given)
				die("%s: no column '%s' (the syllables)",
				    c->where, o.column);
			if (js >= 0) {
				pv_syl_int(h, js, o.column, c->where);
				c->levels = syl_levels(h, js);
			}
		}
		while (pv_next_block(r, &b)) {
			if (c->T + b.nrows > cap) {
				cap = (c->T + b.nrows) * 2;
				c->frame = xrealloc(c->frame, cap * 8);
				c->kp = xrealloc(c->kp, cap * body.K * 2 *
				    sizeof(float));
				if (js >= 0)
					c->syl = xrealloc(c->syl, cap * 4);
			}
			for (size_t i = 0; i < b.nrows; i++) {
				size_t t = c->T + i;
				c->frame[t] = mz_get_i64(b.cols[jf],
				    h->cols[jf].type, i);
				pv_check_frame(c->frame, t, c->where);
				pv_kp_row(&b, h, jx, jy, body.K, i,
				    c->kp + t * body.K * 2);
				if (js >= 0) {
					int64_t s = mz_get_i64(b.cols[js],
					    h->cols[js].type, i);
					c->syl[t] = s < 0 || s > INT32_MAX ?
					    INT32_MIN : (int32_t)s;
				}
			}
			c->T += b.nrows;
		}
		free(jx);
		free(jy);
	}
	mz_reader_close(r);
	if (nind == 0 && o.sequence != NULL)
		die("%s: no part of sequence '%s'", path, o.sequence);
	if (nind == 0)
		die("%s: no parts", path);
}

/*
 * read_syllables: the syllable column of the stream path, for the
 * individuals of the same group, sequence and individual, matched by
 * frame (frames the syllables lack get none).  Every individual must have
 * a part.
 */
static void
read_syllables(const char *path)
{
	mz_reader *r = pv_open(path);
	const mz_header *h;

	while ((h = pv_next_part(r)) != NULL) {
		char *seq = pv_meta_dup(h, "sequence");
		char *where = pv_where(r, seq);
		int jf = mz_header_find(h, "frame"), js = mz_header_find(h,
		    o.column);
		struct ind *c = NULL;
		size_t lo = 0;
		int64_t prev = -1;
		mz_block b;

		for (size_t i = 0; i < nind && c == NULL; i++)
			if (pv_same_str(seq, ind[i].seq) &&
			    pv_same_str(mz_meta_str(h, "group"),
			    ind[i].group) &&
			    pv_same_str(mz_meta_str(h, "individual"),
			    ind[i].indiv) && ind[i].syl == NULL)
				c = &ind[i];
		free(seq);
		if (c == NULL) {
			free(where);
			continue;
		}
		pv_syl_cols(h, jf, js, o.column, "-c", where);
		c->levels = syl_levels(h, js);
		c->syl = xmalloc((c->T + 1) * sizeof(int32_t));
		for (size_t t = 0; t < c->T; t++)
			c->syl[t] = INT32_MIN;
		while (pv_next_block(r, &b))
			for (size_t i = 0; i < b.nrows; i++) {
				int64_t f = mz_get_i64(b.cols[jf],
				    h->cols[jf].type, i);
				int64_t s = mz_get_i64(b.cols[js],
				    h->cols[js].type, i);
				if (f <= prev)
					die("%s: frame %lld is not after the "
					    "previous row's", where,
					    (long long)f);
				prev = f;
				while (lo < c->T && c->frame[lo] < f)
					lo++;
				if (lo < c->T && c->frame[lo] == f)
					c->syl[lo] = s < 0 || s > INT32_MAX ?
					    INT32_MIN : (int32_t)s;
			}
		free(where);
	}
	mz_reader_close(r);
	for (size_t i = 0; i < nind; i++)
		if (ind[i].syl == NULL)
			die("%s: no part for %s (group, sequence and "
			    "individual)", path, ind[i].where);
}

/*
 * syl_text: the label of syllable s of c into buf: "N", or "N name" when
 * the column's levels name it.
 */
static void
syl_text(const struct ind *c, int32_t s, char *buf, size_t len)
{
	char key[16];
	const cJSON *n;

	snprintf(key, sizeof(key), "%d", s);
	n = c->levels ? cJSON_GetObjectItemCaseSensitive(c->levels, key) :
	    NULL;
	if (cJSON_IsString(n))
		snprintf(buf, len, "%d %s", s, n->valuestring);
	else
		snprintf(buf, len, "%d", s);
}

/*
 * draw_frame: everything of video frame f onto im: per individual with a
 * row for f, the skeleton, the keypoints and the syllable label above the
 * keypoints' top; then the frame number.
 */
static void
draw_frame(draw_img *im, int64_t f)
{
	static const draw_rgb white = { 255, 255, 255 }, black = { 0, 0, 0 };

	for (size_t i = 0; i < nind; i++) {
		struct ind *c = &ind[i];
		const float *p;
		double sx = 0, top = INFINITY;
		int n = 0;

		while (c->cur < c->T && c->frame[c->cur] < f)
			c->cur++;
		if (c->cur >= c->T || c->frame[c->cur] != f)
			continue;
		p = c->kp + c->cur * body.K * 2;
		for (size_t k = 0; k < body.nedges && o.pv.line > 0; k++) {
			int a = body.edges[k][0], b = body.edges[k][1];
			draw_line(im, p[2 * a], p[2 * a + 1], p[2 * b],
			    p[2 * b + 1], (double)o.pv.line,
			    draw_cmap_k(o.pv.cmap, a, (int)body.K), 1);
		}
		for (size_t k = 0; k < body.K; k++) {
			if (o.pv.node > 0)
				draw_circle(im, p[2 * k], p[2 * k + 1],
				    (double)o.pv.node,
				    draw_cmap_k(o.pv.cmap, (int)k, (int)body.K),
				    1);
			if (isfinite(p[2 * k]) && isfinite(p[2 * k + 1])) {
				sx += p[2 * k];
				n++;
				top = fmin(top, p[2 * k + 1]);
			}
		}
		if (c->syl != NULL && c->syl[c->cur] != INT32_MIN && n > 0 &&
		    o.text > 0) {
			char buf[300];
			int w, h = draw_text_height((int)o.text);
			double x, y;
			syl_text(c, c->syl[c->cur], buf, sizeof(buf));
			w = draw_text_width(buf, (int)o.text);
			x = sx / n - w / 2.0;
			y = top - (double)o.pv.node - h - 2 * (double)o.text;
			x = fmax(o.text, fmin(x, im->w - w - (double)o.text));
			y = fmax(o.text, fmin(y, im->h - h - (double)o.text));
			draw_text(im, (int)x, (int)y, buf, (int)o.text, white,
			    &black);
		}
	}
	if (o.frame_numbers && o.text > 0) {
		char buf[40];
		snprintf(buf, sizeof(buf), "Frame %lld", (long long)f);
		draw_text(im, 10, 10, buf, (int)o.text, white, &black);
	}
}

/* parse_size: --size WxH into o.width, o.height (even, 2..16384). */
static void
parse_size(const char *s)
{
	char *end;
	long w, h;

	errno = 0;
	w = strtol(s, &end, 10);
	if (*end != 'x' || end == s || errno)
		usage_error("bad size '%s' (want WxH)", s);
	h = strtol(end + 1, &end, 10);
	if (*end != '\0' || errno || w < 2 || h < 2 || w > 16384 ||
	    h > 16384 || w % 2 || h % 2)
		usage_error("bad size '%s' (want WxH, even, 2 to 16384)", s);
	o.width = (int)w;
	o.height = (int)h;
}

int
main(int argc, char **argv)
{
	enum {
		O_END = PV_O_NEXT, O_NOFN, O_SEQ, O_START, O_TEXT, O_SIZE
	};
	static const struct option longopts[] = {
		{ "column", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "syllables", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "codec", required_argument, NULL, PV_O_CODEC },
		{ "colormap", required_argument, NULL, PV_O_CMAP },
		{ "end", required_argument, NULL, O_END },
		{ "fps", required_argument, NULL, PV_O_FPS },
		{ "line-width", required_argument, NULL, PV_O_LINE },
		{ "no-frame-numbers", no_argument, NULL, O_NOFN },
		{ "node-size", required_argument, NULL, PV_O_NODE },
		{ "quality", required_argument, NULL, PV_O_QUALITY },
		{ "sequence", required_argument, NULL, O_SEQ },
		{ "size", required_argument, NULL, O_SIZE },
		{ "skeleton", required_argument, NULL, PV_O_SKEL },
		{ "start", required_argument, NULL, O_START },
		{ "text-scale", required_argument, NULL, O_TEXT },
		{ "video", required_argument, NULL, PV_O_VIDEO },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *input = "-";
	mzv_encopts eo = { 0 };
	mzv_output vo = { 0 };
	const mzv_info *inf;
	mzv_encoder *enc;
	mzv_video *v = NULL;
	progress *pg;
	int64_t nframes, end;
	int c, w, h, fps_num, fps_den;
	const char *where;
	uint8_t *canvas = NULL;
	mz_err e;

	tool_init("mz-overlay", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:ho:qs:v", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'c':
			o.column = optarg;
			o.column_given = 1;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 's':
			o.syllables = optarg;
			break;
		case O_END:
			o.end = pv_parse_long(optarg, "end frame", 1,
			    INT32_MAX);
			break;
		case O_SIZE:
			parse_size(optarg);
			break;
		case O_NOFN:
			o.frame_numbers = 0;
			break;
		case O_SEQ:
			o.sequence = optarg;
			break;
		case O_START:
			o.start = pv_parse_long(optarg, "start frame", 0,
			    INT32_MAX);
			break;
		case O_TEXT:
			o.text = pv_parse_long(optarg, "text scale", 0, 100);
			break;
		default:
			pv_option(&o.pv, c, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage_error("more than one tracks file");
	if (argc == 1)
		input = argv[0];
	if (o.out == NULL)
		usage_error("no output file (-o)");
	if ((o.pv.video == NULL) == (o.width == 0))
		usage_error(o.pv.video ?
		    "--video and --size exclude each other" :
		    "no video (--video) and no --size");
	if (o.pv.video != NULL && o.pv.fps > 0)
		usage_error("--fps is for --size (a video has its own)");
	if (o.end >= 0 && o.end <= o.start)
		usage_error("--end %ld is not after --start %ld", o.end,
		    o.start);
	check_inputs((char *const *)&input, 1);
	if (o.syllables != NULL)
		check_inputs((char *const *)&o.syllables, 1);
	if (o.pv.video != NULL && access(o.pv.video, R_OK) != 0)
		die("%s:", o.pv.video);

	read_tracks(input);
	if (o.pv.skeleton != NULL)
		pv_parse_skeleton(&body, o.pv.skeleton, input);
	if (o.syllables != NULL)
		read_syllables(o.syllables);
	eo.codec = o.pv.codec;
	eo.quality = (int)o.pv.quality;
	if (o.pv.video != NULL) {
		if ((v = mzv_open(o.pv.video, &e)) == NULL ||
		    (nframes = mzv_frame_count(v, &e)) < 0)
			die_err(&e);
		inf = mzv_get_info(v);
		for (size_t i = 0; i < nind; i++)
			if (ind[i].T > 0 && ind[i].frame[ind[i].T - 1] >=
			    nframes)
				die("%s: %lld frames, but %s has frame %lld "
				    "(the tracks are longer than the video)",
				    o.pv.video, (long long)nframes,
				    ind[i].where,
				    (long long)ind[i].frame[ind[i].T - 1]);
		/* The encoders need even sizes: drop an odd last column
		 * or row. */
		vo.crop_w = inf->width & ~1;
		vo.crop_h = inf->height & ~1;
		if (vo.crop_w == 0 || vo.crop_h == 0)
			die("%s: a picture of %dx%d is too small", o.pv.video,
			    inf->width, inf->height);
		if (mzv_set_output(v, &vo, &e) < 0)
			die_err(&e);
		mzv_output_size(v, &w, &h);
		fps_num = inf->avg_fps_num > 0 ? inf->avg_fps_num : 30;
		fps_den = inf->avg_fps_num > 0 ? inf->avg_fps_den : 1;
		where = o.pv.video;
	} else {
		nframes = 0;
		for (size_t i = 0; i < nind; i++)
			if (ind[i].T > 0 && ind[i].frame[ind[i].T - 1] >=
			    nframes)
				nframes = ind[i].frame[ind[i].T - 1] + 1;
		w = o.width;
		h = o.height;
		canvas = xcalloc((size_t)w * (size_t)h, 3);
		if (o.pv.fps == 0 && !(ind[0].fps > 0))
			die("%s: no frame rate (no \"fps\" metadata); give "
			    "--fps", ind[0].where);
		pv_fps_fraction(o.pv.fps > 0 ? o.pv.fps : ind[0].fps, &fps_num,
		    &fps_den);
		where = input;
	}
	end = o.end >= 0 ? o.end : nframes;
	if (end > nframes)
		die("%s: %lld frames; --end %ld is past the last", where,
		    (long long)nframes, o.end);
	if (o.start >= end)
		die("%s: %lld frames; --start %ld is past the last", where,
		    (long long)nframes, o.start);
	atexit(pv_remove_temps);
	if ((enc = mzv_enc_open(o.out, w, h, fps_num, fps_den, &eo, &e)) ==
	    NULL)
		die_err(&e);
	pg = progress_start("mz-overlay", (uint64_t)(end - o.start));
	for (int64_t f = o.start; f < end; f++) {
		const mzv_frame *fr;
		draw_img im = { canvas, w, h, (size_t)w * 3 };

		if (v != NULL) {
			/* mzv_frame_at gives 0 on success, mzv_read 1 (0
			 * at the end). */
			int rc = f == o.start ? mzv_frame_at(v, f, &fr, &e) :
			    mzv_read(v, &fr, &e);
			if (rc == 0 && f != o.start)
				die("%s: frame %lld: the video ended early",
				    o.pv.video, (long long)f);
			if (rc < 0)
				die_err(&e);
			im = (draw_img){ fr->data, fr->width, fr->height,
				(size_t)fr->stride };
		} else
			memset(canvas, 0, (size_t)w * (size_t)h * 3);
		draw_frame(&im, f);
		if (mzv_enc_put(enc, im.px, (int)im.stride, &e) < 0)
			die_err(&e);
		progress_update(pg, (uint64_t)(f - o.start + 1));
	}
	progress_end(pg);
	if (o.pv.verbose)
		fprintf(stderr, "%s: %s: frames %ld..%lld of %s, %zu "
		    "individuals, %s\n", prog, o.out, o.start,
		    (long long)end - 1, where, nind, mzv_enc_codec(enc));
	if (mzv_enc_close(enc, &e) < 0)
		die_err(&e);
	mzv_close(v);
	free(canvas);
	for (size_t i = 0; i < nind; i++) {
		free(ind[i].group);
		free(ind[i].seq);
		free(ind[i].indiv);
		free(ind[i].where);
		free(ind[i].frame);
		free(ind[i].kp);
		free(ind[i].syl);
		cJSON_Delete(ind[i].levels);
	}
	free(ind);
	pv_body_free(&body);
	finish_stdout();
	return 0;
}
