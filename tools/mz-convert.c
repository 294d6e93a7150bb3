/*
 * mz-convert - pose-tracking files (DeepLabCut, Lightning Pose, SLEAP,
 * TRex, NWB, CalMS21, anipose) to standard tracks, and standard tracks
 * back to DeepLabCut CSV (see mz-convert(1)).
 *
 * Each input is read whole by its format's reader (tools/mz-convert/) into
 * a conv_set; this file detects formats, settles fps, and writes one part
 * per (sequence, individual).  A reader that can stream a set of one
 * sequence and one individual (DeepLabCut CSV predictions and HDF5
 * tables) sends its rows to a sink here instead, which writes them as
 * they come.  TRex files of one sequence (one file per individual) that
 * follow each other on the command line are merged into one sequence
 * before writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dlfcn.h>
#include <libavformat/avformat.h>
#include <libavformat/version.h>
#include <libavutil/log.h>

#include "common.h"
#include "mz-convert/conv.h"
#include "mz-convert/dsconv.h"

#define SYNOPSIS \
	"mz-convert [-fq] [-c codec] [-o file] [--from format] " \
	"[--fps n | --video file] [--group name] [--key key] " \
	"[--prefix-individuals sep] [--sequence name] [--zero-missing] " \
	"[file ...]\n" \
	"mz-convert --to dlc-csv [-q] [-o file] [--sequence name] [file]\n" \
	"mz-convert --dataset dir [-q] [-c codec] [--fps n] " \
	"[--group-from infile|filename|both] [--overwrite] [--zero-missing]"

enum { OPT_FROM = OPT_FIRST_TOOL_OPT, OPT_TO, OPT_FPS, OPT_VIDEO, OPT_KEY,
	OPT_ZERO, OPT_GROUP, OPT_SEQUENCE, OPT_PREFIX };

#define CHUNK_ROWS 8192       /* rows gathered per mz_writer_append */
#define SNIFF_BYTES (1 << 20) /* bytes read for content detection */

/* A format: its --from name, reader, the name recorded in metadata, and
 * whether its reader hashes the file itself (conv_set.xxh64). */
static const struct format {
	const char *name;
	conv_read_fn read;
	const char *source_format;
	int self_hash;
} formats[] = {
	{ "dlc-csv", conv_read_dlc_csv, "dlc-csv", 1 },
	{ "lightning-pose", conv_read_dlc_csv, "lightning-pose", 1 },
	{ "dlc-h5", conv_read_dlc_h5, "dlc-h5", 0 },
	{ "sleap-slp", conv_read_sleap_slp, "sleap-slp", 0 },
	{ "sleap-h5", conv_read_sleap_h5, "sleap-h5", 0 },
	{ "sleap-csv", conv_read_sleap_csv, "sleap-csv", 1 },
	{ "trex", conv_read_trex, "trex", 0 },
	{ "nwb", conv_read_nwb, "nwb", 0 },
	{ "calms21", conv_read_calms21, "calms21", 0 },
	{ "anipose", conv_read_anipose, "anipose", 1 },
};
#define NFORMATS (sizeof formats / sizeof formats[0])

/* The options that shape every part. */
struct opts {
	const struct format *from; /* --from, or NULL: detect */
	double fps;                /* --fps or the video's, 0: none */
	const char *fps_source;    /* "option", "video" or NULL */
	const char *video;         /* --video */
	const char *group;         /* --group */
	const char *sequence;      /* --sequence */
	conv_opts co;              /* what readers see */
	cJSON *history;            /* canonical options (borrowed) */
};

/* opt_str: key = v in the history options, or null when v is NULL. */
static void
opt_str(cJSON *o, const char *key, const char *v)
{
	if (v != NULL)
		opts_str(o, key, v);
	else if (cJSON_AddNullToObject(o, key) == NULL)
		die("out of memory");
}

/* find_format: the format named name, or NULL. */
static const struct format *
find_format(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}

/* ---------------------------------------------------------- detection */

/* has_suffix: s ends in suf (ASCII case-insensitive). */
static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/* csv_header_anipose: the first line (NUL-terminated, commas) names
 * NAME_x and NAME_y columns and at least one NAME_score, NAME_error or
 * NAME_ncams column, as anipose's 3-D CSV does. */
static int
csv_header_anipose(const char *line)
{
	int x = 0, y = 0, extra = 0;
	const char *s = line;

	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
			n--;
		if (n > 2 && memcmp(s + n - 2, "_x", 2) == 0)
			x = 1;
		else if (n > 2 && memcmp(s + n - 2, "_y", 2) == 0)
			y = 1;
		else if ((n > 6 && memcmp(s + n - 6, "_score", 6) == 0) ||
		    (n > 6 && memcmp(s + n - 6, "_error", 6) == 0) ||
		    (n > 6 && memcmp(s + n - 6, "_ncams", 6) == 0))
			extra = 1;
		if (e == NULL)
			break;
		s = e + 1;
	}
	return x && y && extra;
}

/*
 * detect: the format of path from its content, then its name; dies with a
 * message naming the file (as display) when it is empty, already a
 * stream, or of no known format.
 */
static const struct format *
detect(const char *path, const char *display)
{
	static const unsigned char mzs[8] = { 0x89, 'M', 'Z', 'S', '\r', '\n',
		0x1a, '\n' };
	static const unsigned char hdf[8] = { 0x89, 'H', 'D', 'F', '\r', '\n',
		0x1a, '\n' };
	unsigned char *b = xmalloc(SNIFF_BYTES + 1);
	const char *name = NULL;
	size_t n = 0, off = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		die("%s:", display);
	while (n < SNIFF_BYTES && (r = read(fd, b + n, SNIFF_BYTES - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("%s:", display);
		}
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	if (n == 0)
		die("%s: empty file", display);
	if (n >= 8 && memcmp(b, mzs, 8) == 0)
		die("%s: already an mzs stream (mz-convert reads pose files; "
		    "use mz-cat or mz-head on streams)", display);
	/* HDF5 signature at 0, or after a user block of 512 * 2^k bytes. */
	for (size_t at = 0; at + 8 <= n; at = at ? at * 2 : 512)
		if (memcmp(b + at, hdf, 8) == 0) {
			name = conv_h5_detect(path);
			if (name == NULL)
				die("%s: an HDF5 file of no known layout "
				    "(DeepLabCut, SLEAP, NWB ndx-pose); name "
				    "its format with --from", display);
			break;
		}
	if (name == NULL && n >= 30 && memcmp(b, "PK\003\004", 4) == 0) {
		size_t fl = (size_t)b[26] | (size_t)b[27] << 8;

		if (30 + fl <= n && fl >= 4 &&
		    memcmp(b + 30 + fl - 4, ".npy", 4) == 0)
			name = "trex";
		else if (!has_suffix(path, ".npz"))
			die("%s: a zip archive without .npy members (not a "
			    "TRex .npz)", display);
	}
	if (name == NULL) {
		if (n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
			off = 3;
		while (off < n && (b[off] == ' ' || b[off] == '\t' ||
		    b[off] == '\n' || b[off] == '\r'))
			off++;
	}
	if (name == NULL && off < n && b[off] == '{' &&
	    strstr((char *)b + off, "\"keypoints\"") != NULL)
		name = "calms21";
	if (name == NULL && off < n && b[off] != '{' &&
	    memchr(b, '\0', n) == NULL) {
		char *line = (char *)b + off, *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (strncmp(line, "scorer,", 7) == 0)
			name = "dlc-csv";
		else if (strncmp(line, "track,frame_idx", 15) == 0)
			name = "sleap-csv";
		else if (csv_header_anipose(line))
			name = "anipose";
	}
	if (name == NULL) {
		if (has_suffix(path, ".npz"))
			name = "trex";
		else if (has_suffix(path, ".json"))
			name = "calms21";
		else if (has_suffix(path, ".slp"))
			name = "sleap-slp";
		else if (has_suffix(path, ".nwb"))
			name = "nwb";
	}
	free(b);
	if (name != NULL && find_format(name) == NULL)
		die("%s: detected as '%s', which this build cannot read",
		    display, name);
	if (name == NULL)
		die("%s: unknown format (not a DeepLabCut or Lightning Pose "
		    "CSV, SLEAP analysis CSV, anipose CSV, TRex .npz, CalMS21 "
		    "json or HDF5 file); name it with --from", display);
	return find_format(name);
}

/* ---------------------------------------------------------------- video */

/*
 * libavformat is loaded only when --video asks for it: linked in, it and
 * the codec libraries it pulls in (over a hundred) cost every run tens of
 * milliseconds of start-up.  The library of the major version the headers
 * describe is opened, so that the structures read here match.
 */
static struct {
	__typeof__(avformat_open_input) *open_input;
	__typeof__(avformat_find_stream_info) *find_stream_info;
	__typeof__(av_find_best_stream) *find_best_stream;
	__typeof__(avformat_close_input) *close_input;
	__typeof__(av_strerror) *strerror_;
	__typeof__(av_log_set_level) *log_set_level;
} av;

/* av_sym: *slot = the symbol name of library h (or of its dependencies);
 * dies if it is missing. */
static void
av_sym(void *h, const char *lib, const char *name, void *slot)
{
	void *p = dlsym(h, name);

	if (p == NULL)
		die("--video: %s: no symbol %s", lib, name);
	memcpy(slot, &p, sizeof p);  /* POSIX: object to function pointer */
}

/* av_load: open libavformat (and through it libavutil); dies if it
 * cannot. */
static void
av_load(void)
{
	char lib[64];
	void *h;

	snprintf(lib, sizeof lib, "libavformat.so.%d",
	    LIBAVFORMAT_VERSION_MAJOR);
	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL)
		die("--video: cannot load %s: %s", lib, dlerror());
	av_sym(h, lib, "avformat_open_input", &av.open_input);
	av_sym(h, lib, "avformat_find_stream_info", &av.find_stream_info);
	av_sym(h, lib, "av_find_best_stream", &av.find_best_stream);
	av_sym(h, lib, "avformat_close_input", &av.close_input);
	av_sym(h, lib, "av_strerror", &av.strerror_);
	av_sym(h, lib, "av_log_set_level", &av.log_set_level);
}

/*
 * video_fps: the frame rate of the best video stream of path, probed with
 * libavformat (r_frame_rate, else avg_frame_rate); dies when the file
 * cannot be opened or has no video stream with a rate.  *rational gets
 * "num/den" (static storage).
 */
static double
video_fps(const char *path, const char **rational)
{
	static char rat[64];
	AVFormatContext *ctx = NULL;
	AVRational q;
	int rc, si;

	av_load();
	av.log_set_level(AV_LOG_QUIET);
	if ((rc = av.open_input(&ctx, path, NULL, NULL)) < 0) {
		char msg[AV_ERROR_MAX_STRING_SIZE];

		av.strerror_(rc, msg, sizeof msg);
		die("%s: %s", path, msg);
	}
	if ((rc = av.find_stream_info(ctx, NULL)) < 0) {
		char msg[AV_ERROR_MAX_STRING_SIZE];

		av.strerror_(rc, msg, sizeof msg);
		av.close_input(&ctx);
		die("%s: %s", path, msg);
	}
	si = av.find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (si < 0) {
		av.close_input(&ctx);
		die("%s: no video stream", path);
	}
	q = ctx->streams[si]->r_frame_rate;
	if (q.num <= 0 || q.den <= 0)
		q = ctx->streams[si]->avg_frame_rate;
	av.close_input(&ctx);
	if (q.num <= 0 || q.den <= 0)
		die("%s: the video stream does not state a frame rate", path);
	snprintf(rat, sizeof rat, "%d/%d", q.num, q.den);
	*rational = rat;
	return (double)q.num / q.den;
}

/* ---------------------------------------------------------------- input */

static char *spool_path;   /* standard input copied to a file, or NULL */

/* unlink_spool: atexit handler removing the copy of standard input. */
static void
unlink_spool(void)
{
	if (spool_path != NULL)
		unlink(spool_path);
}

/* spool_stdin: copy standard input to a temporary file (the readers need
 * a file they can map, seek or open twice) and return its path. */
static const char *
spool_stdin(void)
{
	const char *dir = getenv("TMPDIR");
	char buf[1 << 16];
	ssize_t n;
	int fd;

	if (spool_path != NULL)
		usage_error("standard input can be read only once");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	spool_path = xmalloc(strlen(dir) + 32);
	/* Readers name a sequence after the file: "stdin". */
	sprintf(spool_path, "%s/stdin.XXXXXX", dir);
	if ((fd = mkstemp(spool_path)) < 0)
		die("%s:", spool_path);
	atexit(unlink_spool);
	while ((n = read(0, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("<stdin>:");
		}
		for (ssize_t w = 0, k; w < n; w += k)
			if ((k = write(fd, buf + w, (size_t)(n - w))) < 0)
				die("%s:", spool_path);
	}
	if (close(fd) < 0)
		die("%s:", spool_path);
	return spool_path;
}

/* ---------------------------------------------------------------- output */

/* add_missing: copy the keys of extra that meta lacks into meta. */
static void
add_missing(cJSON *meta, const cJSON *extra)
{
	const cJSON *it;

	if (extra == NULL)
		return;
	cJSON_ArrayForEach(it, extra) {
		cJSON *c;

		if (it->string == NULL || cJSON_HasObjectItem(meta, it->string))
			continue;
		if ((c = cJSON_Duplicate(it, 1)) == NULL)
			die("out of memory");
		cJSON_AddItemToObject(meta, it->string, c);
	}
}

/* xadd: add item under key to obj, dying when out of memory. */
static void
xadd(cJSON *obj, const char *key, cJSON *item)
{
	if (item == NULL || !cJSON_AddItemToObject(obj, key, item))
		die("out of memory");
}

/* part_header: the header of the part of individual k of sequence q. */
static mz_header *
part_header(const conv_set *s, const conv_seq *q, size_t k,
    const struct format *fmt, const struct opts *o, double fps,
    const char *fps_source)
{
	mz_header *h = mz_header_new();
	const conv_ind *d = &q->ind[k];
	cJSON *m, *a;
	mz_err e;
	char name[4096];

	if (h == NULL)
		die("out of memory");
	if (mz_header_add_column(h, "frame", MZ_I64, NULL, &e) < 0 ||
	    mz_header_add_column(h, "time", MZ_F64, "s", &e) < 0 ||
	    mz_header_add_column(h, "id", MZ_I32, NULL, &e) < 0)
		die_err(&e);
	for (size_t j = 0; j < s->nbp; j++) {
		static const char *const ax[] = { "x", "y", "z" };

		for (int c = 0; c < s->dims; c++) {
			snprintf(name, sizeof name, "%s.%s", s->bodyparts[j],
			    ax[c]);
			if (mz_header_add_column(h, name, MZ_F64, s->units,
			    &e) < 0)
				die("bodypart '%s': %s", s->bodyparts[j],
				    e.msg);
		}
		snprintf(name, sizeof name, "%s.p", s->bodyparts[j]);
		if (mz_header_add_column(h, name, MZ_F64, NULL, &e) < 0)
			die("bodypart '%s': %s", s->bodyparts[j], e.msg);
	}
	if (d->angle != NULL &&
	    mz_header_add_column(h, "angle", MZ_F64, "rad", &e) < 0)
		die_err(&e);

	m = h->meta;
	if (o->group != NULL || q->group != NULL)
		xadd(m, "group", cJSON_CreateString(o->group ? o->group :
		    q->group));
	xadd(m, "sequence", cJSON_CreateString(o->sequence ? o->sequence :
	    q->sequence));
	xadd(m, "individual", cJSON_CreateString(d->name));
	a = cJSON_CreateArray();
	for (size_t i = 0; a && i < q->nind; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(
		    q->ind[i].name)))
			die("out of memory");
	xadd(m, "individuals", a);
	if (fps > 0)
		xadd(m, "fps", cJSON_CreateNumber(fps));
	else
		xadd(m, "fps", cJSON_CreateNull());
	xadd(m, "fps_source", cJSON_CreateString(fps_source));
	xadd(m, "units", cJSON_CreateString(s->units ? s->units : "px"));
	a = cJSON_CreateArray();
	for (size_t j = 0; a && j < s->nbp; j++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(
		    s->bodyparts[j])))
			die("out of memory");
	xadd(m, "bodyparts", a);
	a = cJSON_CreateArray();
	for (size_t j = 0; a && j < s->nedges; j++) {
		cJSON *pair = cJSON_CreateArray();

		if (pair == NULL ||
		    !cJSON_AddItemToArray(pair, cJSON_CreateString(
		    s->bodyparts[s->edges[j][0]])) ||
		    !cJSON_AddItemToArray(pair, cJSON_CreateString(
		    s->bodyparts[s->edges[j][1]])) ||
		    !cJSON_AddItemToArray(a, pair))
			die("out of memory");
	}
	xadd(m, "skeleton", a);
	xadd(m, "source_format", cJSON_CreateString(fmt->source_format));
	add_missing(m, d->meta);   /* source_file, source_xxh64 */
	if (o->video != NULL)
		xadd(m, "video", cJSON_CreateString(o->video));
	add_missing(m, q->meta);
	add_missing(m, s->meta);
	history_add(h, cJSON_Duplicate(o->history, 1));
	return h;
}

/* clean_missing: enforce the standard's missing-point rule on frame f of
 * individual d (a NaN or infinite coordinate, or (0, 0) with
 * --zero-missing, makes the point NaN with confidence 0), whatever the
 * reader. */
static void
clean_missing(const conv_set *s, conv_ind *d, size_t f, int zero_missing)
{
	for (size_t j = 0; j < s->nbp; j++) {
		size_t i = f * s->nbp + j;
		int miss = !isfinite(d->x[i]) || !isfinite(d->y[i]) ||
		    (d->z != NULL && !isfinite(d->z[i]));

		if (!miss && zero_missing && d->x[i] == 0 && d->y[i] == 0 &&
		    (d->z == NULL || d->z[i] == 0))
			miss = 1;
		if (miss) {
			d->x[i] = d->y[i] = NAN;
			if (d->z != NULL)
				d->z[i] = NAN;
			d->p[i] = 0;
		}
	}
}

/*
 * append_rows: append rows [f0, f0 + n) of individual k of q (n at most
 * CHUNK_ROWS; the arrays' row f0 at index f0 - base) to w's current part,
 * gathered into cols (CHUNK_ROWS values per column); the missing-point
 * rule is applied on the way.
 */
static void
append_rows(mz_writer *w, const conv_set *s, conv_seq *q, size_t k,
    size_t base, size_t f0, size_t n, void **cols, double fps,
    int zero_missing)
{
	conv_ind *d = &q->ind[k];
	size_t c = 3;
	mz_err e;

	for (size_t r = 0; r < n; r++) {
		size_t f = f0 - base + r;

		clean_missing(s, d, f, zero_missing);
		((int64_t *)cols[0])[r] = q->frame[f];
		((double *)cols[1])[r] = q->time ? q->time[f] : fps > 0 ?
		    (double)q->frame[f] / fps : NAN;
		((int32_t *)cols[2])[r] = (int32_t)k;
	}
	for (size_t j = 0; j < s->nbp; j++) {
		double *src[4] = { d->x, d->y, d->z, d->p };

		for (int a = 0; a < 4; a++) {
			double *dst;

			if (a == 2 && s->dims != 3)
				continue;
			dst = cols[c++];
			for (size_t r = 0; r < n; r++)
				dst[r] = src[a][(f0 - base + r) * s->nbp + j];
		}
	}
	if (d->angle != NULL)
		memcpy(cols[c], d->angle + (f0 - base), n * sizeof(double));
	if (mz_writer_append(w, n, (const void *const *)cols, &e) < 0)
		die_err(&e);
}

/* set_fps: the fps of s's parts (--fps or --video, else the file's, else
 * 0) and where it comes from. */
static double
set_fps(const conv_set *s, const struct opts *o, const char **source)
{
	*source = o->fps > 0 ? o->fps_source : s->fps > 0 ? "file" :
	    "unknown";
	return o->fps > 0 ? o->fps : s->fps;
}

/* gather_cols: the column buffers of append_rows for s (free with
 * free_cols). */
static void **
gather_cols(const conv_set *s, size_t *ncols)
{
	void **cols;

	*ncols = 3 + s->nbp * (size_t)(s->dims + 1) + 1;
	cols = xcalloc(*ncols, sizeof *cols);
	for (size_t c = 0; c < *ncols; c++)
		cols[c] = xmalloc(CHUNK_ROWS * 8);
	return cols;
}

/* free_cols: release what gather_cols made. */
static void
free_cols(void **cols, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++)
		free(cols[c]);
	free(cols);
}

/* write_set: write every (sequence, individual) of s as a part of w. */
static void
write_set(mz_writer *w, conv_set *s, const struct format *fmt,
    const struct opts *o)
{
	const char *fps_source;
	double fps = set_fps(s, o, &fps_source);
	uint64_t total = 0, done = 0;
	size_t ncols;
	void **cols;
	progress *pb;
	mz_err e;

	if (o->sequence != NULL && s->nseq > 1)
		die("--sequence names one sequence, but the input holds %zu",
		    s->nseq);
	for (size_t i = 0; i < s->nseq; i++)
		total += (uint64_t)s->seq[i].nframes * s->seq[i].nind;
	cols = gather_cols(s, &ncols);
	pb = progress_start("mz-convert", total);
	for (size_t i = 0; i < s->nseq; i++) {
		conv_seq *q = &s->seq[i];

		for (size_t k = 0; k < q->nind; k++) {
			mz_header *h = part_header(s, q, k, fmt, o, fps,
			    fps_source);

			if (mz_writer_begin_part(w, h, &e) < 0)
				die_err(&e);
			mz_header_free(h);
			for (size_t f0 = 0; f0 < q->nframes;
			    f0 += CHUNK_ROWS) {
				size_t n = q->nframes - f0 < CHUNK_ROWS ?
				    q->nframes - f0 : CHUNK_ROWS;

				append_rows(w, s, q, k, 0, f0, n, cols, fps,
				    o->co.zero_missing);
				done += n;
				progress_update(pb, done);
			}
			if (mz_writer_end_part(w, &e) < 0)
				die_err(&e);
		}
	}
	progress_end(pb);
	free_cols(cols, ncols);
}

/* The checksum of an input, computed beside its reader. */
struct hashjob {
	const char *path;
	char hash[17];
	int rc;
	mz_err err;
	pthread_t t;
	int running;   /* t is computing it */
};

/* hash_body: thread body computing job->hash. */
static void *
hash_body(void *arg)
{
	struct hashjob *j = arg;

	j->rc = conv_file_xxh64(j->path, j->hash, &j->err);
	return NULL;
}

/* hash_wait: wait for j's thread, if it runs. */
static void
hash_wait(struct hashjob *j)
{
	if (j->running)
		pthread_join(j->t, NULL);
	j->running = 0;
}

/* label_source: every individual of s gets source_file display and
 * source_xxh64 hash; video_frame_rate (when not NULL) goes to the set's
 * metadata unless the reader set it. */
static void
label_source(conv_set *s, const char *display, const char *hash,
    const char *video_rate)
{
	for (size_t i = 0; i < s->nseq; i++)
		for (size_t k = 0; k < s->seq[i].nind; k++) {
			conv_ind *d = &s->seq[i].ind[k];

			if (d->meta == NULL &&
			    (d->meta = cJSON_CreateObject()) == NULL)
				die("out of memory");
			cJSON_DeleteItemFromObject(d->meta, "source_file");
			cJSON_DeleteItemFromObject(d->meta, "source_xxh64");
			xadd(d->meta, "source_file",
			    cJSON_CreateString(display));
			xadd(d->meta, "source_xxh64", cJSON_CreateString(hash));
		}
	if (video_rate != NULL) {
		if (s->meta == NULL && (s->meta = cJSON_CreateObject()) == NULL)
			die("out of memory");
		if (!cJSON_HasObjectItem(s->meta, "video_frame_rate"))
			xadd(s->meta, "video_frame_rate",
			    cJSON_CreateString(video_rate));
	}
}

/*
 * The sink a reader streams a set of one sequence and one individual to:
 * its part written as the rows come, with the header write_set would
 * give it (the input's checksum is waited for first).
 */
struct sink {
	conv_sink k;               /* first: the callbacks */
	mz_writer *w;
	const struct format *fmt;
	const struct opts *o;
	const char *display, *video_rate;
	struct hashjob *job;
	double fps;
	void **cols;
	size_t ncols;
	uint64_t done;
	progress *pb;
};

/* sink_begin: conv_sink.begin: the part's header. */
static int
sink_begin(conv_sink *k, conv_set *s, size_t rows, mz_err *err)
{
	struct sink *sk = (struct sink *)k;
	const char *fps_source, *hash = s->xxh64;
	mz_header *h;

	if (*hash == '\0') {
		/* Not hashed by the reader: the thread's, or now. */
		hash_wait(sk->job);
		if (sk->job->hash[0] == '\0' && sk->job->rc == 0)
			hash_body(sk->job);
		if (sk->job->rc < 0) {
			*err = sk->job->err;
			return -1;
		}
		hash = sk->job->hash;
	}
	label_source(s, sk->display, hash, sk->video_rate);
	sk->fps = set_fps(s, sk->o, &fps_source);
	h = part_header(s, &s->seq[0], 0, sk->fmt, sk->o, sk->fps,
	    fps_source);
	if (mz_writer_begin_part(sk->w, h, err) < 0) {
		mz_header_free(h);
		return -1;
	}
	mz_header_free(h);
	sk->cols = gather_cols(s, &sk->ncols);
	sk->pb = progress_start("mz-convert", rows);
	return 0;
}

/* sink_rows: conv_sink.rows: the batch appended. */
static int
sink_rows(conv_sink *k, conv_set *s, size_t n, mz_err *err)
{
	struct sink *sk = (struct sink *)k;

	(void)err;
	for (size_t f0 = 0; f0 < n; f0 += CHUNK_ROWS)
		append_rows(sk->w, s, &s->seq[0], 0, 0, f0, n - f0 <
		    CHUNK_ROWS ? n - f0 : CHUNK_ROWS, sk->cols, sk->fps,
		    sk->o->co.zero_missing);
	sk->done += n;
	progress_update(sk->pb, sk->done);
	return 0;
}

/* sink_end: conv_sink.end: the part's trailer. */
static int
sink_end(conv_sink *k, conv_set *s, mz_err *err)
{
	struct sink *sk = (struct sink *)k;

	(void)s;
	progress_end(sk->pb);
	free_cols(sk->cols, sk->ncols);
	sk->cols = NULL;
	return mz_writer_end_part(sk->w, err);
}

/*
 * read_input: read path (as given: display) with its format into a set,
 * each individual carrying source_file and source_xxh64 (from the reader
 * when it hashed the bytes it read, else hashed in a second thread while
 * the reader runs), and video_rate (when not NULL) in its metadata; dies
 * on error.  With w not NULL, a reader that can streams a set of one
 * sequence and one individual straight to w (--sequence, fps and the
 * metadata as write_set would give them): NULL is then returned.
 */
static conv_set *
read_input(const char *path, const char *display, const struct format *fmt,
    const struct opts *o, const char *video_rate, mz_writer *w)
{
	struct hashjob job;
	struct sink sk;
	conv_opts co = o->co;
	conv_set *s = NULL;
	int rc;
	mz_err e;

	memset(&e, 0, sizeof e);
	memset(&job, 0, sizeof job);
	memset(&sk, 0, sizeof sk);
	job.path = path;
	job.running = !fmt->self_hash &&
	    pthread_create(&job.t, NULL, hash_body, &job) == 0;
	if (w != NULL) {
		sk.k.begin = sink_begin;
		sk.k.rows = sink_rows;
		sk.k.end = sink_end;
		sk.w = w;
		sk.fmt = fmt;
		sk.o = o;
		sk.display = display;
		sk.video_rate = video_rate;
		sk.job = &job;
		co.sink = &sk.k;
	}
	rc = fmt->read(path, &co, &s, &e);
	hash_wait(&job);
	if (rc == 0 && s == NULL)
		return NULL;   /* streamed */
	if (rc == 0 && job.hash[0] == '\0' && job.rc == 0) {
		/* Not hashed yet: the reader's hash, or one now. */
		if (s->xxh64[0] != '\0')
			memcpy(job.hash, s->xxh64, sizeof job.hash);
		else
			hash_body(&job);
	}
	if (rc < 0) {
		/* Messages name the spooled copy of stdin as "<stdin>". */
		if (path != display && strncmp(e.msg, path, strlen(path)) == 0)
			die("%s%s", display, e.msg + strlen(path));
		die_err(&e);
	}
	if (job.rc < 0)
		die_err(&job.err);
	label_source(s, display, job.hash, video_rate);
	return s;
}

/* same_sequences: a and b hold the same (group, sequence) names, so that
 * b's individuals belong with a's (TRex: one file per individual). */
static int
same_sequences(const conv_set *a, const conv_set *b)
{
	if (a->nseq != b->nseq)
		return 0;
	for (size_t i = 0; i < a->nseq; i++) {
		const conv_seq *p = &a->seq[i], *q = &b->seq[i];

		if (strcmp(p->sequence, q->sequence) != 0)
			return 0;
		if ((p->group == NULL) != (q->group == NULL) ||
		    (p->group && strcmp(p->group, q->group) != 0))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ dlc-csv */

static mz_atomic *csv_out;  /* the --to output while it is written */

/* abort_csv: atexit handler removing an unfinished --to output file. */
static void
abort_csv(void)
{
	if (csv_out != NULL)
		mz_atomic_abort(csv_out);
	csv_out = NULL;
}

/* to_dlc_csv: write the stream path (NULL: stdin) as a DeepLabCut CSV to
 * outpath (NULL: stdout). */
static void
to_dlc_csv(const char *path, const char *outpath, const char *sequence)
{
	mz_reader *r;
	mz_err e;
	FILE *f;

	if ((r = mz_reader_open(path, &e)) == NULL)
		die_err(&e);
	if ((csv_out = mz_atomic_open(outpath, &e)) == NULL)
		die_err(&e);
	atexit(abort_csv);
	f = mz_atomic_file(csv_out);
	if (conv_write_dlc_csv(r, f, sequence, &e) < 0)
		die_err(&e);
	mz_reader_close(r);
	if (outpath == NULL || strcmp(outpath, "-") == 0) {
		if (fflush(f) != 0)
			die("<stdout>:");
	}
	if (mz_atomic_commit(csv_out, &e) < 0) {
		csv_out = NULL;
		die_err(&e);
	}
	csv_out = NULL;
	finish_stdout();
}

/* ---------------------------------------------------------------- main */

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "fps", required_argument, NULL, OPT_FPS },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "output", required_argument, NULL, 'o' },
		{ "prefix-individuals", required_argument, NULL, OPT_PREFIX },
		{ "sequence", required_argument, NULL, OPT_SEQUENCE },
		{ "to", required_argument, NULL, OPT_TO },
		{ "video", required_argument, NULL, OPT_VIDEO },
		{ "zero-missing", no_argument, NULL, OPT_ZERO },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	const char *outpath = NULL, *to = NULL, *video_rate = NULL;
	const struct format *pend_fmt = NULL;
	conv_set *pending = NULL;
	struct opts o;
	int c, force = 0, cflag = 0;
	cJSON *hist;
	mz_writer *w;
	mz_err e;

	memset(&o, 0, sizeof o);
	/* A dataset run has options of its own (tools/mz-convert/dataset.c). */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--dataset") == 0 ||
		    strncmp(argv[i], "--dataset=", 10) == 0)
			return conv_dataset_main(argc, argv, SYNOPSIS);
	tool_init("mz-convert", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:fho:q", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			wo.codec = parse_codec(optarg);
			cflag = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case OPT_FPS:
			o.fps = parse_double(optarg, "fps");
			if (!(o.fps > 0))
				usage_error("--fps must be positive");
			o.fps_source = "option";
			break;
		case OPT_FROM:
			if ((o.from = find_format(optarg)) == NULL)
				usage_error("unknown format '%s' (dlc-csv, "
				    "lightning-pose, dlc-h5, sleap-slp, "
				    "sleap-h5, sleap-csv, trex, nwb, calms21, "
				    "anipose)", optarg);
			break;
		case OPT_GROUP:
			o.group = optarg;
			break;
		case OPT_KEY:
			o.co.key = optarg;
			break;
		case OPT_PREFIX:
			if (*optarg == '\0')
				usage_error("--prefix-individuals needs a "
				    "non-empty separator");
			o.co.prefix_sep = optarg;
			break;
		case OPT_SEQUENCE:
			o.sequence = optarg;
			break;
		case OPT_TO:
			if (strcmp(optarg, "dlc-csv") != 0)
				usage_error("--to: only dlc-csv can be "
				    "written");
			to = optarg;
			break;
		case OPT_VIDEO:
			o.video = optarg;
			break;
		case OPT_ZERO:
			o.co.zero_missing = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;

	if (to != NULL) {
		if (argc > 1)
			usage_error("--to reads one stream");
		if (o.from || o.fps > 0 || o.video || o.group || o.co.key ||
		    o.co.prefix_sep || o.co.zero_missing || cflag || force)
			usage_error("--to takes only -o, -q and --sequence");
		to_dlc_csv(argc ? argv[0] : NULL, outpath, o.sequence);
		return 0;
	}
	if (o.fps > 0 && o.video != NULL)
		usage_error("--fps and --video both give the frame rate");
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") != 0 && access(argv[i], R_OK) != 0)
			die("%s:", argv[i]);
	if (o.video != NULL) {
		o.fps = video_fps(o.video, &video_rate);
		o.fps_source = "video";
	}
	o.co.fps = o.fps;

	hist = opts_new();
	opt_str(hist, "from", o.from ? o.from->name : NULL);
	if (o.fps_source && strcmp(o.fps_source, "option") == 0)
		opts_num(hist, "fps", o.fps);
	else
		opt_str(hist, "fps", NULL);
	opt_str(hist, "video", o.video);
	opt_str(hist, "group", o.group);
	opt_str(hist, "sequence", o.sequence);
	opt_str(hist, "key", o.co.key);
	opt_str(hist, "prefix_individuals", o.co.prefix_sep);
	opts_bool(hist, "zero_missing", o.co.zero_missing);
	o.history = hist;

	w = out_writer(outpath, force, &wo);
	for (int i = 0; i < argc; i++) {
		const char *path = argv[i], *display = argv[i];
		const struct format *fmt;
		conv_set *s;

		if (strcmp(path, "-") == 0) {
			path = spool_stdin();
			display = "<stdin>";
		}
		fmt = o.from ? o.from : detect(path, display);
		/* Only TRex sets wait (to merge with the next file's):
		 * write what waits before anything else is read, which may
		 * stream its part to w as it reads. */
		if (pending != NULL && strcmp(fmt->name, "trex") != 0) {
			write_set(w, pending, pend_fmt, &o);
			conv_set_free(pending);
			pending = NULL;
		}
		s = read_input(path, display, fmt, &o, video_rate,
		    strcmp(fmt->name, "trex") != 0 ? w : NULL);
		if (s == NULL)
			continue;   /* streamed */
		/* TRex: consecutive files of the same sequence merge. */
		if (pending != NULL && pend_fmt == fmt &&
		    strcmp(fmt->name, "trex") == 0 &&
		    same_sequences(pending, s)) {
			if (conv_set_merge(pending, s, display, &e) < 0)
				die_err(&e);
			continue;
		}
		if (pending != NULL) {
			write_set(w, pending, pend_fmt, &o);
			conv_set_free(pending);
		}
		pending = s;
		pend_fmt = fmt;
	}
	if (pending != NULL) {
		write_set(w, pending, pend_fmt, &o);
		conv_set_free(pending);
	}
	cJSON_Delete(hist);
	out_close(w);
	return 0;
}
