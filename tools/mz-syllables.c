/*
 * mz-syllables - syllable statistics as keypoint-MoSeq computes them, and
 * export to keypoint-MoSeq's results.h5 and per-recording CSV files (see
 * mz-syllables(1)).
 *
 * The statistics read the syllable column of every part into runs
 * (syllable, start, length; 32 bytes each): memory grows with the number
 * of runs, not of frames; every number is then computed from the runs.
 * The export streams the parts block by block into extendible HDF5
 * datasets and CSV files written under temporary names, renamed into place
 * only when every input has been read without error.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "common.h"

#define SYNOPSIS \
	"mz-syllables stats [-jqU] [-b by] [-c column] [-o file] [--fps fps] " \
	"[file ...]\n" \
	"mz-syllables durations [-jqsU] [-b by] [-c column] [-o file] " \
	"[--fps fps] [file ...]\n" \
	"mz-syllables transitions [-jqU] [-b by] [-c column] [-m max] " \
	"[-N normalize] [-o file] [--self] [--smoothing s] [file ...]\n" \
	"mz-syllables export [-q] [-c column] [-C dir] [-H file] " \
	"[--centroid prefix] [--heading column] [--latent pattern] [file ...]"

#define MAX_SYLLABLE 16777215   /* 2^24 - 1 */
#define MAX_MATRIX 1024         /* largest transition matrix side */
#define H5_CHUNK 4096           /* rows per HDF5 chunk */

enum { CMD_STATS, CMD_DURATIONS, CMD_TRANSITIONS, CMD_EXPORT };
enum { BY_ALL, BY_GROUP, BY_PART };
enum { NORM_BIGRAM, NORM_ROWS, NORM_COLUMNS, NORM_NONE };

struct opts {
	int cmd, by, json, upstream, summary, self, norm;
	long max;                 /* -m, or 0 */
	double fps, smoothing;    /* fps 0: from the metadata */
	const char *column, *outpath, *h5path, *csvdir;
	const char *centroid, *heading, *latent;
};

/* A part (recording) of the input. */
struct part {
	char *name;        /* keypoint-MoSeq's recording name */
	char *group;       /* "default" when the metadata has none */
	double fps;
	uint64_t rows;
	size_t run0, nruns;  /* its runs: runs[run0 .. run0+nruns) */
	int key;           /* index of its -b key */
};

/* A run of one syllable. */
struct run {
	int32_t syl;
	int32_t part;
	uint64_t start, len;   /* len 0: merged into an earlier run (-U) */
	double ms;
};

static struct part *parts;
static size_t nparts, capparts;
static struct run *runs;
static size_t nruns, capruns;
static int32_t maxsyl = -1;
static char **keys;        /* names of the -b keys */
static int nkeys;

/* -------------------------------------------------------------- input */

/* part_name: keypoint-MoSeq's name of the recording of header h, index
 * i: the sequence, with "_individual" when the sequence has several
 * individuals (as its DeepLabCut loader names them); "part<i>" without
 * a sequence.  Malloc'd. */
static char *
part_name(const mz_header *h, size_t i)
{
	const char *seq = mz_meta_str(h, "sequence");
	const char *ind = mz_meta_str(h, "individual");
	const cJSON *inds = cJSON_GetObjectItemCaseSensitive(h->meta,
	    "individuals");
	char buf[64];
	char *s;

	if (seq == NULL) {
		snprintf(buf, sizeof(buf), "part%zu", i);
		return xstrdup(buf);
	}
	if (ind == NULL || !cJSON_IsArray(inds) ||
	    cJSON_GetArraySize(inds) < 2)
		return xstrdup(seq);
	s = xmalloc(strlen(seq) + strlen(ind) + 2);
	sprintf(s, "%s_%s", seq, ind);
	return s;
}

/* key_of: the index of key name in keys, added when new. */
static int
key_of(const char *name)
{
	for (int i = 0; i < nkeys; i++)
		if (strcmp(keys[i], name) == 0)
			return i;
	keys = xrealloc(keys, (size_t)(nkeys + 1) * sizeof(*keys));
	keys[nkeys] = xstrdup(name);
	return nkeys++;
}

/* add_run: append a run of syllable syl to part p. */
static void
add_run(int32_t syl, size_t p, uint64_t start, uint64_t len, double fps)
{
	if (nruns == capruns) {
		capruns = capruns ? 2 * capruns : 4096;
		runs = xrealloc(runs, capruns * sizeof(*runs));
	}
	runs[nruns].syl = syl;
	runs[nruns].part = (int32_t)p;
	runs[nruns].start = start;
	runs[nruns].len = len;
	runs[nruns].ms = (double)len * 1000.0 / fps;
	nruns++;
}

/*
 * find_syllable: the index of column name in h; dies (naming the file
 * and part) if it is absent or not an integer column.
 */
static int
find_syllable(const mz_header *h, const char *name, const char *file,
    size_t pi)
{
	int j = mz_header_find(h, name);

	if (j < 0)
		die("%s: part %zu: no column '%s'", file, pi, name);
	if (mz_type_isfloat(h->cols[j].type))
		die("%s: part %zu: column '%s' is %s, not an integer type",
		    file, pi, name, mz_type_name(h->cols[j].type));
	return j;
}

/* syllable_at: value i of a syllable column, checked: dies for a negative
 * value or one above MAX_SYLLABLE. */
static int32_t
syllable_at(const void *col, mz_type t, size_t i, const char *file,
    size_t pi, uint64_t row)
{
	int64_t v;

	if (t == MZ_U64 && ((const uint64_t *)col)[i] > MAX_SYLLABLE)
		v = MAX_SYLLABLE + 1;
	else
		v = mz_get_i64(col, t, i);
	if (v < 0)
		die("%s: part %zu: row %llu: negative syllable %lld", file, pi,
		    (unsigned long long)row, (long long)v);
	if (v > MAX_SYLLABLE)
		die("%s: part %zu: row %llu: syllable %lld above %d (syllables "
		    "are small integers, reindexed by frequency)", file, pi,
		    (unsigned long long)row, (long long)v, MAX_SYLLABLE);
	return (int32_t)v;
}

/*
 * read_runs: read every part of file into parts[] and runs[] (-b keys
 * assigned); parts without rows are skipped with a warning.
 */
static void
read_runs(const char *file, const struct opts *o)
{
	mz_err e;
	mz_reader *r = mz_reader_open(file, &e);
	int rc;

	if (r == NULL)
		die_err(&e);
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		const mz_header *h = mz_reader_header(r);
		size_t pi = nparts, gi = mz_reader_part_index(r);
		const char *fn = mz_reader_name(r);
		int j = find_syllable(h, o->column, fn, gi);
		unsigned char *want = xcalloc(h->ncols, 1);
		struct part *p;
		int32_t cur = -1;
		uint64_t start = 0, row = 0;
		int nofps;
		mz_block b;

		if (nparts == capparts) {
			capparts = capparts ? 2 * capparts : 64;
			parts = xrealloc(parts, capparts * sizeof(*parts));
		}
		p = &parts[nparts];
		memset(p, 0, sizeof(*p));
		p->name = part_name(h, pi);
		p->group = xstrdup(mz_meta_str(h, "group") ?
		    mz_meta_str(h, "group") : "default");
		p->fps = o->fps > 0 ? o->fps : mz_meta_num(h, "fps", 0);
		nofps = !(p->fps > 0 && isfinite(p->fps));
		if (nofps)
			p->fps = 1;   /* checked below, if the part has rows */
		p->run0 = nruns;
		want[j] = 1;
		mz_reader_want(r, want);
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			mz_type t = h->cols[j].type;
			for (size_t i = 0; i < b.nrows; i++, row++) {
				int32_t s = syllable_at(b.cols[j], t, i, fn, gi,
				    row);
				if (s != cur) {
					if (cur >= 0)
						add_run(cur, pi, start,
						    row - start, p->fps);
					cur = s;
					start = row;
				}
				if (s > maxsyl)
					maxsyl = s;
			}
		}
		free(want);
		if (rc < 0)
			die_err(&e);
		if (cur >= 0)
			add_run(cur, pi, start, row - start, p->fps);
		p->rows = row;
		p->nruns = nruns - p->run0;
		if (row > 0 && nofps && o->cmd != CMD_TRANSITIONS)
			die("%s: part %zu (%s): no fps in the metadata (give "
			    "--fps)", fn, gi, p->name);
		if (row == 0) {
			if (!quiet)
				warnx_("%s: part %zu (%s): no rows; skipped", fn,
				    gi, p->name);
			free(p->name);
			free(p->group);
			continue;
		}
		p->key = key_of(o->by == BY_ALL ? "all" : o->by == BY_GROUP ?
		    p->group : p->name);
		nparts++;
	}
	if (rc < 0)
		die_err(&e);
	mz_reader_close(r);
}

/* cmp_part_name: order part indices by (key, name), bytewise. */
static int
cmp_part_name(const void *a, const void *b)
{
	const struct part *x = &parts[*(const size_t *)a];
	const struct part *y = &parts[*(const size_t *)b];

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * merge_upstream: keypoint-MoSeq's get_durations and get_frequencies
 * concatenate the recordings (in name order, as results.h5 lists them):
 * a run that ends one recording and a run of the same syllable that
 * starts the next become one.  Do that within each -b key; a merged run
 * keeps len 0.
 */
static void
merge_upstream(void)
{
	size_t *ord = xmalloc((nparts ? nparts : 1) * sizeof(*ord));

	for (size_t i = 0; i < nparts; i++)
		ord[i] = i;
	qsort(ord, nparts, sizeof(*ord), cmp_part_name);
	struct run *tail = NULL;    /* the concatenation's last live run */
	for (size_t i = 0; i < nparts; i++) {
		struct part *b = &parts[ord[i]];
		struct run *first = &runs[b->run0];
		if (i > 0 && parts[ord[i - 1]].key != b->key)
			tail = NULL;
		if (b->nruns == 0)
			continue;
		if (tail != NULL && tail->syl == first->syl) {
			tail->len += first->len;
			tail->ms += first->ms;
			first->len = 0;
		}
		/* A part of one run merged away leaves the tail where it
		 * was. */
		if (runs[b->run0 + b->nruns - 1].len > 0)
			tail = &runs[b->run0 + b->nruns - 1];
	}
	free(ord);
}

/* ------------------------------------------------------------- output */

/* A table written as CSV or as a JSON array of objects. */
struct table {
	FILE *f;
	int json;
	const char *const *names;
	int ncols, col;
	uint64_t rows;
};

/* json_str: s as a JSON string. */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* table_begin: start a table of ncols columns on f. */
static void
table_begin(struct table *t, FILE *f, int json, const char *const *names,
    int ncols)
{
	t->f = f;
	t->json = json;
	t->names = names;
	t->ncols = ncols;
	t->col = 0;
	t->rows = 0;
	if (json)
		fputs("[", f);
	else
		for (int i = 0; i < ncols; i++) {
			if (i)
				fputc(',', f);
			csv_field(f, names[i]);
		}
	if (!json)
		fputc('\n', f);
}

/* cell_start: the separator and, in JSON, the key of the next cell. */
static void
cell_start(struct table *t)
{
	if (t->json) {
		if (t->col == 0)
			fputs(t->rows ? ",\n{" : "\n{", t->f);
		else
			fputc(',', t->f);
		json_str(t->f, t->names[t->col]);
		fputc(':', t->f);
	} else if (t->col)
		fputc(',', t->f);
}

/* cell_end: after a cell: end the row after the last column. */
static void
cell_end(struct table *t)
{
	if (++t->col == t->ncols) {
		fputs(t->json ? "}" : "\n", t->f);
		t->col = 0;
		t->rows++;
	}
}

/* cell_str: a string cell (quoted as CSV or JSON needs). */
static void
cell_str(struct table *t, const char *s)
{
	cell_start(t);
	if (t->json)
		json_str(t->f, s);
	else
		csv_field(t->f, s);
	cell_end(t);
}

/* cell_int: an integer cell. */
static void
cell_int(struct table *t, long long v)
{
	cell_start(t);
	fprintf(t->f, "%lld", v);
	cell_end(t);
}

/* cell_num: a number; NaN is "nan" in CSV and null in JSON. */
static void
cell_num(struct table *t, double v)
{
	char buf[32];

	cell_start(t);
	if (t->json && !isfinite(v))
		fputs("null", t->f);
	else {
		mz_fmt_f64(v, buf);
		fputs(buf, t->f);
	}
	cell_end(t);
}

/* table_end: close the table (the JSON array; nothing for CSV). */
static void
table_end(struct table *t)
{
	if (t->json)
		fputs(t->rows ? "\n]\n" : "]\n", t->f);
}

/* out_open: the text output (file or stdout), opened only once every
 * input has been read. */
static mz_atomic *
out_open(const struct opts *o)
{
	mz_err e;
	mz_atomic *a = mz_atomic_open(o->outpath, &e);

	if (a == NULL)
		die_err(&e);
	return a;
}

/* out_done: commit the text output to path (dying on a write error). */
static void
out_done(mz_atomic *a, const char *path)
{
	mz_err e;
	FILE *f = mz_atomic_file(a);

	if (fflush(f) != 0 || ferror(f)) {
		int err = errno;
		mz_atomic_abort(a);
		errno = err;
		die("%s:", path && strcmp(path, "-") ? path : "<stdout>");
	}
	if (mz_atomic_commit(a, &e) < 0)
		die_err(&e);
	finish_stdout();
}

/* ---------------------------------------------------------- statistics */

/* The key columns written before the statistics for -b. */
static int
key_columns(int by, const char **names)
{
	if (by == BY_ALL)
		return 0;
	names[0] = "group";
	if (by == BY_GROUP)
		return 1;
	names[1] = "name";
	return 2;
}

/* key_cells: the key cells of key k for -b by. */
static void
key_cells(struct table *t, int by, int k)
{
	if (by == BY_GROUP)
		cell_str(t, keys[k]);
	else if (by == BY_PART) {
		for (size_t i = 0; i < nparts; i++)
			if (parts[i].key == k) {
				cell_str(t, parts[i].group);
				break;
			}
		cell_str(t, keys[k]);
	}
}

/* cmp_len, cmp_ms: order runs by length, by duration in ms. */
static int
cmp_len(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->len < y->len ? -1 : x->len > y->len;
}

/* cmp_ms: see cmp_len. */
static int
cmp_ms(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->ms < y->ms ? -1 : x->ms > y->ms;
}

/* median_len, median_ms: numpy's median of the lengths (ms) of the n
 * runs r, sorted by them; NaN when n is 0. */
static double
median_len(const struct run *r, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? (double)r[n / 2].len :
	    ((double)r[n / 2 - 1].len + (double)r[n / 2].len) / 2;
}

/* median_ms: see median_len. */
static double
median_ms(const struct run *r, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? r[n / 2].ms : (r[n / 2 - 1].ms + r[n / 2].ms) / 2;
}

/* cmp_input: order runs as they were read (part, then start). */
static int
cmp_input(const struct run *x, const struct run *y)
{
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* cmp_key_syl: order runs by (key, syllable), then as read. */
static int
cmp_key_syl(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	int kx = parts[x->part].key, ky = parts[y->part].key;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->syl != y->syl)
		return x->syl < y->syl ? -1 : 1;
	return cmp_input(x, y);
}

/* cmp_key: order runs by key, then as read. */
static int
cmp_key(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	int kx = parts[x->part].key, ky = parts[y->part].key;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return cmp_input(x, y);
}

/*
 * live_runs: the live runs (len > 0) copied and sorted by cmp; their
 * number in *n.  Malloc'd.
 */
static struct run *
live_runs(int (*cmp)(const void *, const void *), size_t *n)
{
	struct run *buf = xmalloc((nruns ? nruns : 1) * sizeof(*buf));

	*n = 0;
	for (size_t i = 0; i < nruns; i++)
		if (runs[i].len > 0)
			buf[(*n)++] = runs[i];
	qsort(buf, *n, sizeof(*buf), cmp);
	return buf;
}

/*
 * cmd_stats: per key and syllable 0..max: instances, run-length frequency,
 * frames, per-frame usage, mean and median duration in frames and ms.
 * One sort by (key, syllable) makes each (key, syllable) a contiguous
 * stretch in input order (sums are taken in that order, as numpy would
 * over the recordings' runs), sorted again by length and by ms for the
 * medians.
 */
static void
cmd_stats(const struct opts *o)
{
	static const char *stat_names[] = { "syllable", "instances",
		"frequency", "frames", "usage", "duration_mean",
		"duration_median", "duration_mean_ms", "duration_median_ms" };
	const char *names[16];
	int nk = key_columns(o->by, names);
	size_t S = (size_t)maxsyl + 1, n, at = 0;
	uint64_t *ti = xcalloc((size_t)nkeys, sizeof(*ti));
	uint64_t *tf = xcalloc((size_t)nkeys, sizeof(*tf));
	struct run *buf = live_runs(cmp_key_syl, &n);
	mz_atomic *a;
	struct table t;

	for (size_t i = 0; i < n; i++) {
		ti[parts[buf[i].part].key]++;
		tf[parts[buf[i].part].key] += buf[i].len;
	}
	for (int i = 0; i < 9; i++)
		names[nk + i] = stat_names[i];
	a = out_open(o);
	table_begin(&t, mz_atomic_file(a), o->json, names, nk + 9);
	for (int k = 0; k < nkeys; k++)
		for (size_t s = 0; s < S; s++) {
			struct run *seg = buf + at;
			size_t m = 0;
			uint64_t frames = 0;
			double msum = 0, med;
			while (at < n && parts[buf[at].part].key == k &&
			    (size_t)buf[at].syl == s) {
				frames += buf[at].len;
				msum += buf[at].ms;
				at++;
				m++;
			}
			qsort(seg, m, sizeof(*seg), cmp_len);
			med = median_len(seg, m);
			qsort(seg, m, sizeof(*seg), cmp_ms);
			key_cells(&t, o->by, k);
			cell_int(&t, (long long)s);
			cell_int(&t, (long long)m);
			cell_num(&t, (double)m / (double)ti[k]);
			cell_int(&t, (long long)frames);
			cell_num(&t, (double)frames / (double)tf[k]);
			cell_num(&t, m ? (double)frames / (double)m : NAN);
			cell_num(&t, med);
			cell_num(&t, m ? msum / (double)m : NAN);
			cell_num(&t, median_ms(seg, m));
		}
	table_end(&t);
	out_done(a, o->outpath);
	free(ti);
	free(tf);
	free(buf);
}

/*
 * cmd_durations: every run (the duration distribution), or with -s per
 * key: count, mean, median, min and max in frames and ms.
 */
static void
cmd_durations(const struct opts *o)
{
	static const char *list_names[] = { "group", "name", "syllable",
		"start", "frames", "ms" };
	static const char *sum_names[] = { "instances", "mean", "median",
		"min", "max", "mean_ms", "median_ms", "min_ms", "max_ms" };
	const char *names[16];
	mz_atomic *a;
	struct table t;

	if (!o->summary) {
		/* Input order; with -U, recordings in name order as upstream
		 * concatenates them. */
		size_t *ord = xmalloc((nparts ? nparts : 1) * sizeof(*ord));
		for (size_t i = 0; i < nparts; i++)
			ord[i] = i;   /* one key: -b needs -s */
		if (o->upstream)
			qsort(ord, nparts, sizeof(*ord), cmp_part_name);
		a = out_open(o);
		table_begin(&t, mz_atomic_file(a), o->json, list_names, 6);
		for (size_t pi = 0; pi < nparts; pi++)
		for (size_t i = parts[ord[pi]].run0; i < parts[ord[pi]].run0 +
		    parts[ord[pi]].nruns; i++) {
			const struct run *r = &runs[i];
			if (r->len == 0)
				continue;
			cell_str(&t, parts[r->part].group);
			cell_str(&t, parts[r->part].name);
			cell_int(&t, r->syl);
			cell_int(&t, (long long)r->start);
			cell_int(&t, (long long)r->len);
			cell_num(&t, r->ms);
		}
		table_end(&t);
		out_done(a, o->outpath);
		free(ord);
		return;
	}
	int nk = key_columns(o->by, names);
	size_t n, at = 0;
	struct run *buf = live_runs(cmp_key, &n);
	for (int i = 0; i < 9; i++)
		names[nk + i] = sum_names[i];
	a = out_open(o);
	table_begin(&t, mz_atomic_file(a), o->json, names, nk + 9);
	for (int k = 0; k < nkeys; k++) {
		struct run *seg = buf + at;
		size_t m = 0;
		double sum = 0, summs = 0;
		while (at < n && parts[buf[at].part].key == k) {
			sum += (double)buf[at].len;
			summs += buf[at].ms;
			at++;
			m++;
		}
		qsort(seg, m, sizeof(*seg), cmp_len);
		key_cells(&t, o->by, k);
		cell_int(&t, (long long)m);
		cell_num(&t, m ? sum / (double)m : NAN);
		cell_num(&t, median_len(seg, m));
		cell_num(&t, m ? (double)seg[0].len : NAN);
		cell_num(&t, m ? (double)seg[m - 1].len : NAN);
		qsort(seg, m, sizeof(*seg), cmp_ms);
		cell_num(&t, m ? summs / (double)m : NAN);
		cell_num(&t, median_ms(seg, m));
		cell_num(&t, m ? seg[0].ms : NAN);
		cell_num(&t, m ? seg[m - 1].ms : NAN);
	}
	table_end(&t);
	out_done(a, o->outpath);
	free(buf);
}

/*
 * cmd_transitions: per key, the matrix of transitions between runs (or,
 * with --self, between consecutive frames) within recordings, plus the
 * smoothing, normalised as keypoint-MoSeq's get_transition_matrix:
 * bigram (by the sum), rows, columns or none.  A row or column of zeros
 * normalises to NaN, as in numpy.
 */
static void
cmd_transitions(const struct opts *o)
{
	static const char *tr_names[] = { "from", "to", "count",
		"normalized" };
	static const char *norm_names[] = { "bigram", "rows", "columns",
		"none" };
	const char *names[16];
	int nk = key_columns(o->by, names);
	size_t S = o->max > 0 ? (size_t)o->max : (size_t)maxsyl + 1;
	double *cnt, *nrm, *rs, *cs;
	mz_atomic *a;
	struct table t;
	FILE *f;

	if (S > MAX_MATRIX)
		die("syllable %d: a %zu x %zu transition matrix is too large "
		    "(at most %d; use -m)", maxsyl, S, S, MAX_MATRIX);
	cnt = xcalloc(S * S, sizeof(double));
	nrm = xcalloc(S * S, sizeof(double));
	rs = xcalloc(S, sizeof(double));
	cs = xcalloc(S, sizeof(double));
	for (int i = 0; i < 4; i++)
		names[nk + i] = tr_names[i];
	a = out_open(o);
	f = mz_atomic_file(a);
	if (o->json)
		fprintf(f, "{\"normalize\":\"%s\",\"self\":%s,\"smoothing\":",
		    norm_names[o->norm], o->self ? "true" : "false");
	if (o->json) {
		char buf[32];
		mz_fmt_f64(o->smoothing, buf);
		fprintf(f, "%s,\"syllables\":%zu,\"matrices\":[", buf, S);
	} else
		table_begin(&t, f, 0, names, nk + 4);
	for (int k = 0; k < nkeys; k++) {
		double total = 0;
		memset(cnt, 0, S * S * sizeof(double));
		for (size_t pi = 0; pi < nparts; pi++) {
			const struct part *p = &parts[pi];
			size_t first = o->upstream ? 1 : 0;
			if (p->key != k)
				continue;
			for (size_t i = first; i < p->nruns; i++) {
				const struct run *r = &runs[p->run0 + i];
				if ((size_t)r->syl >= S)
					continue;
				if (o->self && r->len > 1)
					cnt[(size_t)r->syl * S + r->syl] +=
					    (double)(r->len - 1);
				if (i + 1 < p->nruns) {
					const struct run *n = r + 1;
					if ((size_t)n->syl < S)
						cnt[(size_t)r->syl * S +
						    n->syl] += 1;
				}
			}
		}
		memset(rs, 0, S * sizeof(double));
		memset(cs, 0, S * sizeof(double));
		for (size_t i = 0; i < S; i++)
			for (size_t j = 0; j < S; j++) {
				double v = cnt[i * S + j] + o->smoothing;
				nrm[i * S + j] = v;
				rs[i] += v;
				cs[j] += v;
				total += v;
			}
		for (size_t i = 0; i < S; i++)
			for (size_t j = 0; j < S; j++) {
				double *v = &nrm[i * S + j];
				switch (o->norm) {
				case NORM_BIGRAM:
					*v /= total;
					break;
				case NORM_ROWS:
					*v /= rs[i];
					break;
				case NORM_COLUMNS:
					*v /= cs[j];
					break;
				default:
					break;
				}
			}
		if (o->json) {
			fputs(k ? ",\n{" : "\n{", f);
			if (o->by == BY_GROUP) {
				fputs("\"group\":", f);
				json_str(f, keys[k]);
				fputc(',', f);
			} else if (o->by == BY_PART) {
				for (size_t pi = 0; pi < nparts; pi++)
					if (parts[pi].key == k) {
						fputs("\"group\":", f);
						json_str(f, parts[pi].group);
						break;
					}
				fputs(",\"name\":", f);
				json_str(f, keys[k]);
				fputc(',', f);
			}
			for (int m = 0; m < 2; m++) {
				const double *M = m ? nrm : cnt;
				fputs(m ? ",\"normalized\":[" : "\"counts\":[", f);
				for (size_t i = 0; i < S; i++) {
					fputs(i ? ",[" : "[", f);
					for (size_t j = 0; j < S; j++) {
						char buf[32];
						double v = M[i * S + j];
						if (isfinite(v))
							mz_fmt_f64(v, buf);
						else
							strcpy(buf, "null");
						fprintf(f, "%s%s", j ? "," : "",
						    buf);
					}
					fputc(']', f);
				}
				fputc(']', f);
			}
			fputc('}', f);
			continue;
		}
		for (size_t i = 0; i < S; i++)
			for (size_t j = 0; j < S; j++) {
				key_cells(&t, o->by, k);
				cell_int(&t, (long long)i);
				cell_int(&t, (long long)j);
				cell_int(&t, (long long)cnt[i * S + j]);
				cell_num(&t, nrm[i * S + j]);
			}
	}
	if (o->json)
		fputs("\n]}\n", f);
	out_done(a, o->outpath);
	free(cnt);
	free(nrm);
	free(rs);
	free(cs);
}

/* ------------------------------------------------------------- export */

/* Temporary files of the export, removed at exit unless committed. */
static char **tmp_paths, **final_paths;
static size_t ntmp;
static int committed;

/* remove_tmps: atexit handler: a failed export leaves nothing behind. */
static void
remove_tmps(void)
{
	if (committed)
		return;
	for (size_t i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
}

/*
 * make_tmp: create a temporary file beside final (".NAME.XXXXXX" in its
 * directory), registered for removal at exit; returns its path.  With fp,
 * the file is also opened for writing into *fp.
 */
static char *
make_tmp(const char *final, FILE **fp)
{
	const char *slash = strrchr(final, '/');
	size_t dl = slash ? (size_t)(slash - final) + 1 : 0;
	char *t = xmalloc(strlen(final) + 16);
	int fd;

	memcpy(t, final, dl);
	sprintf(t + dl, ".%s.XXXXXX", final + dl);
	if ((fd = mkstemp(t)) < 0)
		die("%s:", final);
	tmp_paths = xrealloc(tmp_paths, (ntmp + 1) * sizeof(*tmp_paths));
	final_paths = xrealloc(final_paths, (ntmp + 1) * sizeof(*final_paths));
	tmp_paths[ntmp] = t;
	final_paths[ntmp] = xstrdup(final);
	ntmp++;
	/* mkstemp makes the file 0600: give it the usual 0666 & ~umask. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0)
		die("%s:", final);
	if (fp != NULL) {
		if ((*fp = fdopen(fd, "w")) == NULL)
			die("%s:", final);
	} else
		close(fd);
	return t;
}

/* commit_tmps: rename every temporary file into place. */
static void
commit_tmps(void)
{
	for (size_t i = 0; i < ntmp; i++)
		if (rename(tmp_paths[i], final_paths[i]) != 0)
			die("%s:", final_paths[i]);
	committed = 1;
	for (size_t i = 0; i < ntmp; i++) {
		free(tmp_paths[i]);
		free(final_paths[i]);
	}
	free(tmp_paths);
	free(final_paths);
}

/*
 * py_float: v as pandas writes a float64 to CSV after keypoint-MoSeq's
 * round(4): numpy's round (rint(v * 1e4) / 1e4), then the shortest repr
 * (positional for 1e-4 <= |v| < 1e16, else d.ddde+XX), NaN as "".
 */
static void
py_float(FILE *f, double v)
{
	char buf[40], digits[24];
	int exp10, nd = 0;

	if (isnan(v))
		return;
	v = rint(v * 10000.0) / 10000.0;
	if (isinf(v)) {
		fputs(v > 0 ? "inf" : "-inf", f);
		return;
	}
	if (v == 0) {
		fputs(signbit(v) ? "-0.0" : "0.0", f);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* buf: [-]d[.ddd]e(+|-)XX */
	const char *p = buf;
	if (*p == '-') {
		fputc('-', f);
		p++;
	}
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp10 = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			fputs("0.", f);
			for (int i = 0; i < -exp10 - 1; i++)
				fputc('0', f);
			fputs(digits, f);
		} else if (nd <= exp10 + 1) {
			fputs(digits, f);
			for (int i = nd; i < exp10 + 1; i++)
				fputc('0', f);
			fputs(".0", f);
		} else
			fprintf(f, "%.*s.%s", exp10 + 1, digits,
			    digits + exp10 + 1);
	} else {
		fputc(digits[0], f);
		if (nd > 1)
			fprintf(f, ".%s", digits + 1);
		fprintf(f, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	}
}

/* An extendible HDF5 dataset of rows of width values. */
struct h5set {
	hid_t id;
	hsize_t rows, width;   /* width 0: one-dimensional */
};

/* h5_create: dataset name of type t in group g, empty, extendible. */
static void
h5_create(struct h5set *d, hid_t g, const char *name, hid_t t,
    hsize_t width, const char *where)
{
	hsize_t dims[2] = { 0, width }, maxd[2] = { H5S_UNLIMITED, width };
	hsize_t chunk[2] = { H5_CHUNK, width ? width : 1 };
	int rank = width ? 2 : 1;
	hid_t sp = H5Screate_simple(rank, dims, maxd);
	hid_t pl = H5Pcreate(H5P_DATASET_CREATE);

	if (sp < 0 || pl < 0 || H5Pset_chunk(pl, rank, chunk) < 0 ||
	    (d->id = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, pl,
	    H5P_DEFAULT)) < 0)
		die("%s: %s: cannot create the HDF5 dataset", where, name);
	H5Sclose(sp);
	H5Pclose(pl);
	d->rows = 0;
	d->width = width;
}

/* h5_append: append n rows (n * max(width, 1) values of memory type mt
 * at buf) to d. */
static void
h5_append(struct h5set *d, hid_t mt, const void *buf, size_t n,
    const char *where)
{
	int rank = d->width ? 2 : 1;
	hsize_t size[2] = { d->rows + n, d->width };
	hsize_t off[2] = { d->rows, 0 }, cnt[2] = { n, d->width };
	hid_t fs, ms;

	if (n == 0)
		return;
	if (H5Dset_extent(d->id, size) < 0 ||
	    (fs = H5Dget_space(d->id)) < 0 ||
	    H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
	    (ms = H5Screate_simple(rank, cnt, NULL)) < 0 ||
	    H5Dwrite(d->id, mt, ms, fs, H5P_DEFAULT, buf) < 0)
		die("%s: cannot write to the HDF5 file", where);
	H5Sclose(ms);
	H5Sclose(fs);
	d->rows += n;
}

/* h5_type_attr: the string attribute type="dict" that keypoint-MoSeq's
 * save_hdf5 (h5py) puts on each recording's group, and load_hdf5 needs. */
static void
h5_type_attr(hid_t g, const char *where)
{
	hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), at;
	const char *v = "dict";

	if (t < 0 || sp < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 ||
	    H5Tset_cset(t, H5T_CSET_UTF8) < 0 ||
	    (at = H5Acreate2(g, "type", t, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
	    H5Awrite(at, t, &v) < 0)
		die("%s: cannot write the HDF5 attribute", where);
	H5Aclose(at);
	H5Sclose(sp);
	H5Tclose(t);
}

/* What one part exports: column indices and their output. */
struct xpart {
	int syl, cen[3], ncen, head, *lat, nlat;
	struct h5set dsyl, dcen, dhead, dlat;
	hid_t group;
	FILE *csv;
	int64_t *bsyl;
	double *bcen, *bhead, *blat;
	size_t cap;
};

/* float_col: index of the column name of h, or -1 (every column type
 * converts to float64). */
static int
float_col(const mz_header *h, const char *name)
{
	return mz_header_find(h, name);
}

/*
 * export_part: export the current part of r (its index gi in the file)
 * to the HDF5 file h5 (or not, h5 < 0) and a CSV file in o->csvdir;
 * names[] collects the names used, to refuse duplicates.
 */
static void
export_part(mz_reader *r, const struct opts *o, hid_t h5, char ***names,
    size_t *nnames)
{
	const mz_header *h = mz_reader_header(r);
	const char *fn = mz_reader_name(r);
	size_t gi = mz_reader_part_index(r);
	char *name = part_name(h, gi), where[512];
	unsigned char *want = xcalloc(h->ncols, 1);
	struct xpart x;
	mz_block b;
	mz_err e;
	uint64_t row = 0;
	int rc;
	char cname[512];

	memset(&x, 0, sizeof(x));
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '-';
	snprintf(where, sizeof(where), "%s: part %zu (%s)", fn, gi, name);
	x.syl = find_syllable(h, o->column, fn, gi);
	want[x.syl] = 1;
	for (int d = 0; d < 3; d++) {
		snprintf(cname, sizeof(cname), "%s.%c", o->centroid, "xyz"[d]);
		x.cen[d] = float_col(h, cname);
		if (x.cen[d] >= 0 && d == x.ncen)
			x.ncen++;
	}
	if (x.ncen == 1)
		die("%s: %s.x without %s.y", where, o->centroid, o->centroid);
	for (int d = 0; d < x.ncen; d++)
		want[x.cen[d]] = 1;
	x.head = float_col(h, o->heading);
	if (x.head >= 0)
		want[x.head] = 1;
	x.lat = xcalloc(h->ncols, sizeof(int));
	for (size_t j = 0; j < h->ncols; j++)
		if (fnmatch(o->latent, h->cols[j].name, 0) == 0 &&
		    (int)j != x.syl && (int)j != x.head &&
		    !(x.ncen > 0 && ((int)j == x.cen[0] || (int)j == x.cen[1] ||
		    (x.ncen > 2 && (int)j == x.cen[2])))) {
			x.lat[x.nlat++] = (int)j;
			want[j] = 1;
		}
	mz_reader_want(r, want);
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
		size_t n = b.nrows;
		if (row == 0) {
			/* The first rows: create the outputs. */
			for (size_t i = 0; i < *nnames; i++)
				if (strcmp((*names)[i], name) == 0)
					die("%s: recording name '%s' used twice",
					    where, name);
			*names = xrealloc(*names, (*nnames + 1) *
			    sizeof(**names));
			(*names)[(*nnames)++] = xstrdup(name);
			if (h5 >= 0) {
				if ((x.group = H5Gcreate2(h5, name, H5P_DEFAULT,
				    H5P_DEFAULT, H5P_DEFAULT)) < 0)
					die("%s: cannot create the HDF5 group",
					    where);
				h5_type_attr(x.group, where);
				h5_create(&x.dsyl, x.group, "syllable",
				    H5T_STD_I64LE, 0, where);
				if (x.ncen)
					h5_create(&x.dcen, x.group, "centroid",
					    H5T_IEEE_F64LE, (hsize_t)x.ncen,
					    where);
				if (x.head >= 0)
					h5_create(&x.dhead, x.group, "heading",
					    H5T_IEEE_F64LE, 0, where);
				if (x.nlat)
					h5_create(&x.dlat, x.group,
					    "latent_state", H5T_IEEE_F64LE,
					    (hsize_t)x.nlat, where);
			}
			if (o->csvdir) {
				char *path = xmalloc(strlen(o->csvdir) +
				    strlen(name) + 8);
				sprintf(path, "%s/%s.csv", o->csvdir, name);
				make_tmp(path, &x.csv);
				free(path);
				fputs("syllable", x.csv);
				for (int d = 0; d < x.ncen; d++)
					fprintf(x.csv, ",centroid %c", "xyz"[d]);
				if (x.head >= 0)
					fputs(",heading", x.csv);
				for (int d = 0; d < x.nlat; d++)
					fprintf(x.csv, ",latent_state %d", d);
				fputc('\n', x.csv);
			}
		}
		if (n > x.cap) {
			x.cap = n;
			x.bsyl = xrealloc(x.bsyl, n * sizeof(int64_t));
			x.bcen = xrealloc(x.bcen, n * 3 * sizeof(double));
			x.bhead = xrealloc(x.bhead, n * sizeof(double));
			x.blat = xrealloc(x.blat, n * (size_t)(x.nlat + 1) *
			    sizeof(double));
		}
		for (size_t i = 0; i < n; i++) {
			x.bsyl[i] = syllable_at(b.cols[x.syl],
			    h->cols[x.syl].type, i, fn, gi, row + i);
			for (int d = 0; d < x.ncen; d++)
				x.bcen[i * (size_t)x.ncen + (size_t)d] =
				    mz_get_f64(b.cols[x.cen[d]],
				    h->cols[x.cen[d]].type, i);
			if (x.head >= 0)
				x.bhead[i] = mz_get_f64(b.cols[x.head],
				    h->cols[x.head].type, i);
			for (int d = 0; d < x.nlat; d++)
				x.blat[i * (size_t)x.nlat + (size_t)d] =
				    mz_get_f64(b.cols[x.lat[d]],
				    h->cols[x.lat[d]].type, i);
		}
		if (h5 >= 0) {
			h5_append(&x.dsyl, H5T_NATIVE_INT64, x.bsyl, n, where);
			if (x.ncen)
				h5_append(&x.dcen, H5T_NATIVE_DOUBLE, x.bcen, n,
				    where);
			if (x.head >= 0)
				h5_append(&x.dhead, H5T_NATIVE_DOUBLE, x.bhead,
				    n, where);
			if (x.nlat)
				h5_append(&x.dlat, H5T_NATIVE_DOUBLE, x.blat, n,
				    where);
		}
		if (x.csv != NULL)
			for (size_t i = 0; i < n; i++) {
				fprintf(x.csv, "%lld", (long long)x.bsyl[i]);
				for (int d = 0; d < x.ncen; d++) {
					fputc(',', x.csv);
					py_float(x.csv,
					    x.bcen[i * (size_t)x.ncen + (size_t)d]);
				}
				if (x.head >= 0) {
					fputc(',', x.csv);
					py_float(x.csv, x.bhead[i]);
				}
				for (int d = 0; d < x.nlat; d++) {
					fputc(',', x.csv);
					py_float(x.csv,
					    x.blat[i * (size_t)x.nlat + (size_t)d]);
				}
				fputc('\n', x.csv);
			}
		row += n;
	}
	if (rc < 0)
		die_err(&e);
	if (row == 0 && !quiet)
		warnx_("%s: no rows; skipped", where);
	if (row > 0 && h5 >= 0) {
		H5Dclose(x.dsyl.id);
		if (x.ncen)
			H5Dclose(x.dcen.id);
		if (x.head >= 0)
			H5Dclose(x.dhead.id);
		if (x.nlat)
			H5Dclose(x.dlat.id);
		H5Gclose(x.group);
	}
	if (x.csv != NULL && (fflush(x.csv) != 0 || ferror(x.csv) ||
	    fsync(fileno(x.csv)) != 0 || fclose(x.csv) != 0))
		die("%s/%s.csv:", o->csvdir, name);
	free(x.bsyl);
	free(x.bcen);
	free(x.bhead);
	free(x.blat);
	free(x.lat);
	free(want);
	free(name);
}

/* cmd_export: the export of every input part. */
static void
cmd_export(const struct opts *o, char **files, int nfiles)
{
	hid_t h5 = -1;
	char **names = NULL, *h5tmp = NULL;
	size_t nnames = 0;
	mz_err e;

	atexit(remove_tmps);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	if (o->csvdir && mkdir(o->csvdir, 0777) != 0 && errno != EEXIST)
		die("%s:", o->csvdir);
	if (o->h5path) {
		h5tmp = make_tmp(o->h5path, NULL);
		if ((h5 = H5Fcreate(h5tmp, H5F_ACC_TRUNC, H5P_DEFAULT,
		    H5P_DEFAULT)) < 0)
			die("%s: cannot create the HDF5 file", o->h5path);
	}
	for (int i = 0; i < nfiles; i++) {
		mz_reader *r = mz_reader_open(files[i], &e);
		int rc;
		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0)
			export_part(r, o, h5, &names, &nnames);
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	if (nnames == 0)
		die("no rows in the input: nothing to export");
	if (h5 >= 0 && H5Fclose(h5) < 0)
		die("%s: cannot write the HDF5 file", o->h5path);
	commit_tmps();
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
}

/* ---------------------------------------------------------------- main */

/* parse_by: "all", "group" or "part". */
static int
parse_by(const char *s)
{
	if (strcmp(s, "all") == 0)
		return BY_ALL;
	if (strcmp(s, "group") == 0)
		return BY_GROUP;
	if (strcmp(s, "part") == 0)
		return BY_PART;
	usage_error("bad -b '%s' (want all, group or part)", s);
}

/* parse_norm: keypoint-MoSeq's normalize values, and none. */
static int
parse_norm(const char *s)
{
	static const char *v[] = { "bigram", "rows", "columns", "none" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, v[i]) == 0)
			return i;
	usage_error("bad normalization '%s' (want bigram, rows, columns or "
	    "none)", s);
}

/* opt_name: "-x" or "--name" of option value c, for messages. */
static const char *
opt_name(const struct option *lo, int c)
{
	static char buf[64];

	if (c < 128) {
		snprintf(buf, sizeof(buf), "-%c", c);
		return buf;
	}
	for (; lo->name; lo++)
		if (lo->val == c) {
			snprintf(buf, sizeof(buf), "--%s", lo->name);
			break;
		}
	return buf;
}

int
main(int argc, char **argv)
{
	enum { OPT_FPS = OPT_FIRST_TOOL_OPT, OPT_SELF, OPT_SMOOTH,
		OPT_CENTROID, OPT_HEADING, OPT_LATENT };
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "centroid", required_argument, NULL, OPT_CENTROID },
		{ "column", required_argument, NULL, 'c' },
		{ "csv-dir", required_argument, NULL, 'C' },
		{ "fps", required_argument, NULL, OPT_FPS },
		{ "h5", required_argument, NULL, 'H' },
		{ "heading", required_argument, NULL, OPT_HEADING },
		{ "json", no_argument, NULL, 'j' },
		{ "latent", required_argument, NULL, OPT_LATENT },
		{ "max", required_argument, NULL, 'm' },
		{ "normalize", required_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "self", no_argument, NULL, OPT_SELF },
		{ "smoothing", required_argument, NULL, OPT_SMOOTH },
		{ "summary", no_argument, NULL, 's' },
		{ "upstream", no_argument, NULL, 'U' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char *cmds[] = { "stats", "durations", "transitions",
		"export" };
	static char *stdin_only[] = { "-" };
	struct opts o = { .column = "syllable", .centroid = "centroid",
		.heading = "heading", .latent = "pc*" };
	int c, i;
	/* Which options each command takes. */
	static const char *allowed[] = { "bcjoqUF", "bcjoqsUF", "bcjmNoqUSM",
		"cCHqZEL" };

	tool_init("mz-syllables", SYNOPSIS);
	if (argc < 2)
		usage_error("no command (want stats, durations, transitions "
		    "or export)");
	if (argv[1][0] == '-') {
		/* -h, --version and unknown options before a command. */
		while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1)
			tool_stdopt(c);
		usage_error("no command (want stats, durations, transitions "
		    "or export)");
	}
	for (i = 0; i < 4 && strcmp(argv[1], cmds[i]) != 0; i++)
		;
	if (i == 4)
		usage_error("unknown command '%s' (want stats, durations, "
		    "transitions or export)", argv[1]);
	o.cmd = i;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "b:c:C:hH:jm:N:o:qsU", longopts,
	    NULL)) != -1) {
		char flag = (char)c;
		switch (c) {
		case 'b':
			o.by = parse_by(optarg);
			break;
		case 'c':
			o.column = optarg;
			break;
		case 'C':
			o.csvdir = optarg;
			break;
		case 'H':
			o.h5path = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'm':
			o.max = (long)parse_count(optarg, "maximum");
			if (o.max < 1 || o.max > MAX_MATRIX)
				usage_error("bad maximum '%s' (want 1 to %d)",
				    optarg, MAX_MATRIX);
			break;
		case 'N':
			o.norm = parse_norm(optarg);
			break;
		case 'o':
			o.outpath = optarg;
			break;
		case 's':
			o.summary = 1;
			break;
		case 'U':
			o.upstream = 1;
			break;
		case OPT_FPS:
			o.fps = parse_double(optarg, "frame rate");
			if (!(o.fps > 0))
				usage_error("bad frame rate '%s' (want a "
				    "positive number)", optarg);
			flag = 'F';
			break;
		case OPT_SELF:
			o.self = 1;
			flag = 'S';
			break;
		case OPT_SMOOTH:
			o.smoothing = parse_double(optarg, "smoothing");
			if (o.smoothing < 0)
				usage_error("bad smoothing '%s' (want a "
				    "non-negative pseudo-count)", optarg);
			flag = 'M';
			break;
		case OPT_CENTROID:
			o.centroid = optarg;
			flag = 'Z';
			break;
		case OPT_HEADING:
			o.heading = optarg;
			flag = 'E';
			break;
		case OPT_LATENT:
			o.latent = optarg;
			flag = 'L';
			break;
		default:
			tool_stdopt(c);
			flag = 'q';
		}
		if (strchr(allowed[o.cmd], flag) == NULL)
			usage_error("%s: option %s does not apply",
			    cmds[o.cmd], opt_name(longopts, c));
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	if (o.cmd == CMD_EXPORT && o.h5path == NULL && o.csvdir == NULL)
		usage_error("export: give -H file, -C dir, or both");
	if (o.by != BY_ALL && o.cmd == CMD_DURATIONS && !o.summary)
		usage_error("durations: -b needs -s (the list has every run)");
	check_inputs(argv, argc);
	if (o.cmd == CMD_EXPORT) {
		cmd_export(&o, argv, argc);
		return 0;
	}
	for (i = 0; i < argc; i++)
		read_runs(argv[i], &o);
	if (nruns == 0)
		die("no syllables in the input (no rows)");
	if (o.upstream && o.cmd != CMD_TRANSITIONS && o.by != BY_PART)
		merge_upstream();
	switch (o.cmd) {
	case CMD_STATS:
		cmd_stats(&o);
		break;
	case CMD_DURATIONS:
		cmd_durations(&o);
		break;
	default:
		cmd_transitions(&o);
	}
	for (size_t p = 0; p < nparts; p++) {
		free(parts[p].name);
		free(parts[p].group);
	}
	free(parts);
	free(runs);
	for (int k = 0; k < nkeys; k++)
		free(keys[k]);
	free(keys);
	return 0;
}
