/*
 * dlc_csv.c - DeepLabCut CSV (also Lightning Pose, which writes the same
 * layout): reading into a conv_set, and writing standard tracks back out.
 *
 * The layout, as pandas writes a DataFrame with a column MultiIndex:
 *
 *   scorer,S,S,S,...            (pandas may have appended .1, .2, ...)
 *   individuals,I1,I1,I1,...    (multi-animal files only)
 *   bodyparts,B1,B1,B1,...
 *   coords,x,y,likelihood,...   (likelihood absent in labelled data)
 *   0,1.5,2.5,0.9,...           (index: frame number or image path)
 *
 * Newer DeepLabCut splits an image-path index over several columns
 * ("labeled-data", video, image); the header rows then start with empty
 * cells, one per extra index column.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "conv.h"

enum { C_X, C_Y, C_Z, C_P, C_N };

/* A data column: which individual, bodypart and coordinate it holds. */
struct dcol {
	int ind, bp, coord;
};

/* fail: set err (MZ_EFORMAT) and return -1. */
#define FAIL(...) conv_fail(err, __VA_ARGS__)

/* find_name: index of name in names[0..n), or -1. */
static int
find_name(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/* strip_dup_suffix: the scorer without the ".N" pandas appends to
 * repeated header cells (written into a copy). */
static char *
strip_dup_suffix(const char *s)
{
	char *c = conv_strdup(s), *dot;

	if (c != NULL && (dot = strrchr(c, '.')) != NULL && dot[1] != '\0' &&
	    strspn(dot + 1, "0123456789") == strlen(dot + 1))
		*dot = '\0';
	return c;
}

/* The state of one read, freed by reader_free. */
struct reader {
	conv_csv c;
	size_t nf, nidx;         /* fields per row; index columns */
	struct dcol *cols;       /* [nf - nidx] */
	double **dst;            /* [nf - nidx] where column j's value of
	                            row r goes: dst[j][r * nbp] */
	double **absent;         /* [nabsent] slots no column fills: */
	double *absval;          /* set to these (NaN, or 0 for p) */
	size_t nabsent;
	struct pts {             /* [npts] (individual, bodypart) pairs with */
		double *x, *y, *z, *p;   /* columns: their slots */
		int hasp;        /* a likelihood column */
	} *pts;
	size_t npts;
	char **inds;             /* individual names (copies) */
	size_t nind;
	char **index;            /* [rows] index text (own copies), only
	                            while every index so far was not an
	                            integer, or for image paths */
	int64_t *iframe;         /* [rows] integer index values */
	size_t *line;            /* [rows] line numbers */
	size_t rows;
	int all_int;             /* every index so far is an integer */
	char **dirs;             /* image sequences: [rows] directory */
	size_t icap;             /* entries of index */
	char **hrow[3];          /* the header rows' cells (arrays owned) */
};

/* reader_free: release everything r holds. */
static void
reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->nind; i++)
		free(r->inds[i]);
	free(r->inds);
	free(r->cols);
	free(r->dst);
	free(r->absent);
	free(r->absval);
	free(r->pts);
	if (r->index != NULL)
		for (size_t i = 0; i < r->icap; i++)
			free(r->index[i]);
	for (int k = 0; k < 3; k++)
		free(r->hrow[k]);
	if (r->dirs != NULL)
		for (size_t i = 0; i < r->rows; i++)
			free(r->dirs[i]);
	free(r->dirs);
	free(r->index);
	free(r->iframe);
	free(r->line);
	conv_csv_close(&r->c);
}

/*
 * read_header: the header rows of r->c into s (bodyparts) and r (column
 * map, individuals); -1 with err set on a malformed header.
 */
static int
read_header(struct reader *r, conv_set *s, const conv_opts *o, mz_err *err)
{
	conv_csv *c = &r->c;
	char **ind_row = NULL, **bp_row = NULL, **co_row = NULL;
	size_t co_line = 0, nd;
	int rc, have_z = 0;
	unsigned char *seen;

	if ((rc = conv_csv_row(c, err)) < 0)
		return -1;
	if (rc == 0)
		return FAIL("%s: empty file", c->path);
	if (strcmp(c->f[0], "scorer") != 0)
		return FAIL("%s: line %zu: not a DeepLabCut CSV (the first row "
		    "must start with 'scorer', found '%.40s')", c->path,
		    c->line, c->f[0]);
	r->nf = c->nf;
	for (r->nidx = 1; r->nidx < r->nf && c->flen[r->nidx] == 0; r->nidx++)
		;
	if (r->nidx >= r->nf)
		return FAIL("%s: line %zu: no data columns", c->path,
		    c->line);
	s->meta = cJSON_CreateObject();
	{
		char *sc = strip_dup_suffix(c->f[r->nidx]);

		if (s->meta == NULL || sc == NULL ||
		    !cJSON_AddItemToObject(s->meta, "scorer",
		    cJSON_CreateString(sc))) {
			free(sc);
			return mz_seterr(err, MZ_ENOMEM, "%s: out of memory",
			    c->path), -1;
		}
		free(sc);
	}
	/* The header rows up to "coords": their cells are copies that live
	 * until conv_csv_close (c->copy is set). */
	for (int k = 0; k < 3 && co_row == NULL; k++) {
		char ***dst;
		char **copy;

		if ((rc = conv_csv_row(c, err)) < 0)
			return -1;
		if (rc == 0)
			return FAIL("%s: line %zu: the file ends in its header "
			    "(no 'coords' row)", c->path, c->nextline);
		if (c->nf != r->nf)
			return FAIL("%s: line %zu: %zu fields, the header has "
			    "%zu", c->path, c->line, c->nf, r->nf);
		if (strcmp(c->f[0], "individuals") == 0 && ind_row == NULL &&
		    bp_row == NULL)
			dst = &ind_row;
		else if (strcmp(c->f[0], "bodyparts") == 0 && bp_row == NULL)
			dst = &bp_row;
		else if (strcmp(c->f[0], "coords") == 0 && bp_row != NULL) {
			dst = &co_row;
			co_line = c->line;
		} else
			return FAIL("%s: line %zu: expected the header row "
			    "'%s', found '%.40s'", c->path, c->line,
			    bp_row ? "coords" : "individuals' or 'bodyparts",
			    c->f[0]);
		if ((copy = malloc(r->nf * sizeof *copy)) == NULL)
			goto nomem;
		memcpy(copy, c->f, r->nf * sizeof *copy);
		*dst = copy;
		r->hrow[k] = copy;      /* freed by reader_free */
	}
	if (co_row == NULL) {
		return FAIL("%s: line %zu: expected the header row 'coords'",
		    c->path, c->line);
	}
	if (ind_row != NULL && o->prefix_sep != NULL) {
		return FAIL("%s: --prefix-individuals: the file already has "
		    "an 'individuals' row", c->path);
	}
	nd = r->nf - r->nidx;
	if ((r->cols = calloc(nd, sizeof *r->cols)) == NULL)
		goto nomem;
	for (size_t j = 0; j < nd; j++) {
		size_t f = r->nidx + j;
		const char *bp = bp_row[f], *co = co_row[f];
		char *iname = NULL;
		int ii, bi;

		if (ind_row != NULL)
			iname = conv_strdup(ind_row[f]);
		else if (o->prefix_sep != NULL) {
			const char *sep = strstr(bp, o->prefix_sep);

			if (sep != NULL && sep != bp &&
			    sep[strlen(o->prefix_sep)] != '\0') {
				iname = malloc((size_t)(sep - bp) + 1);
				if (iname != NULL) {
					memcpy(iname, bp, (size_t)(sep - bp));
					iname[sep - bp] = '\0';
				}
				bp = sep + strlen(o->prefix_sep);
			} else
				iname = conv_strdup("single");
		} else
			iname = conv_strdup(CONV_SINGLE_NAME);
		if (iname == NULL)
			goto nomem;
		if (*iname == '\0' || *bp == '\0') {
			free(iname);
			return FAIL("%s: column %zu: empty %s name", c->path,
			    f + 1, *bp ? "individual" : "bodypart");
		}
		if ((ii = find_name(r->inds, r->nind, iname)) < 0) {
			char **ni = realloc(r->inds, (r->nind + 1) *
			    sizeof *ni);
			if (ni == NULL) {
				free(iname);
				goto nomem;
			}
			r->inds = ni;
			r->inds[r->nind] = iname;
			ii = (int)r->nind++;
		} else
			free(iname);
		if ((bi = conv_set_bodypart(s, bp)) < 0)
			goto nomem;
		r->cols[j].ind = ii;
		r->cols[j].bp = bi;
		if (strcmp(co, "x") == 0)
			r->cols[j].coord = C_X;
		else if (strcmp(co, "y") == 0)
			r->cols[j].coord = C_Y;
		else if (strcmp(co, "z") == 0) {
			r->cols[j].coord = C_Z;
			have_z = 1;
		} else if (strcmp(co, "likelihood") == 0)
			r->cols[j].coord = C_P;
		else {
			return FAIL("%s: line %zu, column %zu: unknown "
			    "coordinate '%.40s' (x, y, z or likelihood)",
			    c->path, co_line, f + 1, co);
		}
	}
	s->dims = have_z ? 3 : 2;
	/* Every (individual, bodypart, coordinate) once; x and y present. */
	if ((seen = calloc(r->nind * s->nbp * C_N + 1, 1)) == NULL)
		goto nomem;
	for (size_t j = 0; j < nd; j++) {
		size_t k = ((size_t)r->cols[j].ind * s->nbp +
		    (size_t)r->cols[j].bp) * C_N + (size_t)r->cols[j].coord;

		if (seen[k]) {
			size_t f = r->nidx + j;

			FAIL("%s: column %zu: duplicate bodypart column "
			    "%s/%s/%s", c->path, f + 1,
			    r->inds[r->cols[j].ind],
			    s->bodyparts[r->cols[j].bp], co_row[f]);
			free(seen);
			return -1;
		}
		seen[k] = 1;
	}
	for (size_t i = 0; i < r->nind; i++)
		for (size_t b = 0; b < s->nbp; b++) {
			unsigned char *q = seen + (i * s->nbp + b) * C_N;
			int any = q[C_X] | q[C_Y] | q[C_Z] | q[C_P];

			if (any && (!q[C_X] || !q[C_Y] || (have_z &&
			    !q[C_Z]))) {
				char msg[512];

				snprintf(msg, sizeof msg, "%s/%s",
				    r->inds[i], s->bodyparts[b]);
				FAIL("%s: bodypart %s lacks its %s column",
				    c->path, msg, !q[C_X] ? "x" : !q[C_Y] ?
				    "y" : "z");
				free(seen);
				return -1;
			}
		}
	free(seen);
	return 0;
nomem:
	return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", c->path), -1;
}

/*
 * setup_slots: where each column's values go in q's arrays (r->dst), the
 * slots no column fills (r->absent) and the pairs whose confidence rule
 * finish_row applies (r->pts); -1 when out of memory.
 */
static int
setup_slots(struct reader *r, const conv_set *s, conv_seq *q)
{
	size_t nd = r->nf - r->nidx, npair = r->nind * s->nbp;
	unsigned char *have;

	if ((r->dst = calloc(nd + 1, sizeof *r->dst)) == NULL ||
	    (r->absent = calloc(npair * C_N + 1, sizeof *r->absent)) == NULL ||
	    (r->absval = calloc(npair * C_N + 1, sizeof *r->absval)) == NULL ||
	    (r->pts = calloc(npair + 1, sizeof *r->pts)) == NULL ||
	    (have = calloc(npair * C_N + 1, 1)) == NULL)
		return -1;
	for (size_t j = 0; j < nd; j++) {
		conv_ind *d = &q->ind[r->cols[j].ind];
		double *arr[C_N] = { d->x, d->y, d->z, d->p };

		r->dst[j] = arr[r->cols[j].coord] + r->cols[j].bp;
		have[((size_t)r->cols[j].ind * s->nbp + (size_t)r->cols[j].bp) *
		    C_N + (size_t)r->cols[j].coord] = 1;
	}
	for (size_t i = 0; i < r->nind; i++)
		for (size_t b = 0; b < s->nbp; b++) {
			conv_ind *d = &q->ind[i];
			double *arr[C_N] = { d->x, d->y, d->z, d->p };
			const unsigned char *h = have + (i * s->nbp + b) * C_N;

			for (int c = 0; c < C_N; c++)
				if (arr[c] != NULL && !h[c]) {
					r->absent[r->nabsent] = arr[c] + b;
					r->absval[r->nabsent++] = c == C_P ? 0 :
					    NAN;
				}
			if (h[C_X]) {
				struct pts *t = &r->pts[r->npts++];

				t->x = d->x + b;
				t->y = d->y + b;
				t->z = d->z ? d->z + b : NULL;
				t->p = d->p + b;
				t->hasp = h[C_P];
			}
		}
	free(have);
	return 0;
}

/* finish_row: fill row row's slots no column gave, and apply the
 * missing-point rules: a point with any coordinate empty or not finite
 * is missing as a whole (every coordinate NaN, p 0); a present one
 * without a likelihood column gets p 1, a NaN likelihood 0. */
static inline void
finish_row(const struct reader *r, size_t nbp, size_t row)
{
	size_t at = row * nbp;

	for (size_t k = 0; k < r->nabsent; k++)
		r->absent[k][at] = r->absval[k];
	for (size_t k = 0; k < r->npts; k++) {
		const struct pts *t = &r->pts[k];

		if (!isfinite(t->x[at]) || !isfinite(t->y[at]) ||
		    (t->z != NULL && !isfinite(t->z[at]))) {
			t->x[at] = t->y[at] = NAN;
			if (t->z != NULL)
				t->z[at] = NAN;
			t->p[at] = 0;
		} else if (!t->hasp)
			t->p[at] = 1;
		else if (isnan(t->p[at]))
			t->p[at] = 0;
	}
}

/* add_ind_raw: an individual of q with arrays for q->nframes frames left
 * unset (every row is written by the reader); NULL when out of memory. */
static conv_ind *
add_ind_raw(conv_set *s, conv_seq *q, const char *name)
{
	size_t n = q->nframes, bytes;
	conv_ind *d;

	q->nframes = 0;
	d = conv_seq_add_ind(s, q, name);
	q->nframes = n;
	if (d == NULL)
		return NULL;
	if (s->nbp && n > SIZE_MAX / sizeof(double) / s->nbp)
		return NULL;
	bytes = (n * s->nbp + 1) * sizeof(double);
	free(d->x);
	free(d->y);
	free(d->z);
	free(d->p);
	d->z = NULL;
	d->x = mz_bigalloc(bytes);
	d->y = mz_bigalloc(bytes);
	d->p = mz_bigalloc(bytes);
	if (s->dims == 3)
		d->z = mz_bigalloc(bytes);
	if (d->x == NULL || d->y == NULL || d->p == NULL ||
	    (s->dims == 3 && d->z == NULL))
		return NULL;   /* conv_set_free releases what was made */
	return d;
}

/*
 * fast_row: read the row at c->pos in one pass when it is plain: an
 * integer index, then exactly the header's number of cells, each empty
 * or a plain decimal, then a line end.  Returns 1 with the row stored
 * (values, r->iframe[row], r->line[row]) and c advanced, or 0 with c
 * unchanged (the caller reads the row the general way).
 */
static int
fast_row(struct reader *r, conv_csv *c, size_t row, size_t at)
{
	const char *b = c->buf, *p = b + c->pos, *end = b + c->len, *stop;
	size_t nd = r->nf - r->nidx;
	int64_t fr = 0;
	int neg = 0, dig = 0;

	if (r->nidx != 1 || p >= end)
		return 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && (unsigned)(*p - '0') < 10 && dig < 18; p++, dig++)
		fr = fr * 10 + (*p - '0');
	if (!dig || p >= end || *p != ',')
		return 0;
	p++;
	for (size_t j = 0; j < nd; j++) {
		if (p < end && (*p == ',' || *p == '\n' || *p == '\r')) {
			r->dst[j][at] = NAN;
		} else {
			if (p >= end || conv_scan_f64(p, end, &r->dst[j][at],
			    &stop) < 0)
				return 0;
			p = stop;
		}
		if (j + 1 < nd) {
			if (p >= end || *p != ',')
				return 0;
			p++;
		}
	}
	if (p < end && *p == '\r')
		p++;
	if (p < end) {
		if (*p != '\n')
			return 0;
		p++;
	}
	r->iframe[row] = neg ? -fr : fr;
	r->line[row] = c->nextline++;
	c->pos = (size_t)(p - b);
	return 1;
}

/* index_text: the current row's index as text (index columns joined by
 * '/', empty ones skipped), malloc'd; NULL when out of memory. */
static char *
index_text(const struct reader *r)
{
	const conv_csv *c = &r->c;
	size_t len = 1, at = 0;
	char *t;

	for (size_t k = 0; k < r->nidx; k++)
		len += c->flen[k] + 1;
	if ((t = malloc(len)) == NULL)
		return NULL;
	t[0] = '\0';
	for (size_t k = 0; k < r->nidx; k++) {
		if (c->flen[k] == 0)
			continue;
		if (at)
			t[at++] = '/';
		memcpy(t + at, c->f[k], c->flen[k]);
		at += c->flen[k];
		t[at] = '\0';
	}
	return t;
}

/*
 * read_rows: every data row of r->c into the individuals of q (sized for
 * an upper bound of the row count), the index into r->iframe or
 * r->index; -1 with err set on a ragged row or a cell that is not a
 * number.
 */
static int
read_rows(struct reader *r, const conv_set *s, conv_seq *q, mz_err *err)
{
	conv_csv *c = &r->c;
	size_t nd = r->nf - r->nidx, cap = q->nframes;
	int rc;

	if ((r->iframe = malloc((cap + 1) * sizeof *r->iframe)) == NULL ||
	    (r->line = malloc((cap + 1) * sizeof *r->line)) == NULL)
		goto nomem;
	r->all_int = 1;
	c->copy = 0;    /* data cells are read in place (use flen) */
	for (;;) {
		size_t at;

		if (r->rows < cap && r->all_int && fast_row(r, c, r->rows,
		    r->rows * s->nbp)) {
			finish_row(r, s->nbp, r->rows);
			r->rows++;
			continue;
		}
		if ((rc = conv_csv_row(c, err)) <= 0)
			break;
		if (c->nf != r->nf)
			return FAIL("%s: line %zu: %zu fields, the header has "
			    "%zu", c->path, c->line, c->nf, r->nf);
		if (r->rows >= cap)
			return mz_seterr(err, MZ_EFORMAT, "%s: line %zu: more "
			    "rows than lines", c->path, c->line), -1;
		if (r->all_int && (r->nidx > 1 || mz_parse_i64(c->f[0],
		    c->flen[0], &r->iframe[r->rows]) < 0)) {
			/* Not frame numbers: keep every index as text. */
			r->all_int = 0;
			if ((r->index = calloc(cap + 1, sizeof *r->index)) ==
			    NULL)
				goto nomem;
			r->icap = cap + 1;
			for (size_t i = 0; i < r->rows; i++) {
				char t[32];

				snprintf(t, sizeof t, "%lld",
				    (long long)r->iframe[i]);
				if ((r->index[i] = conv_strdup(t)) == NULL)
					goto nomem;
			}
		}
		if (!r->all_int && (r->index[r->rows] = index_text(r)) ==
		    NULL)
			goto nomem;
		r->line[r->rows] = c->line;
		at = r->rows * s->nbp;
		for (size_t j = 0; j < nd; j++) {
			size_t f = r->nidx + j;

			if (c->flen[f] == 0) {
				r->dst[j][at] = NAN;
				continue;
			}
			if (conv_csv_num(c, f, NULL, &r->dst[j][at], err) < 0) {
				char name[1024];
				const struct dcol *d = &r->cols[j];
				static const char *const cn[] = { "x", "y",
					"z", "likelihood" };

				snprintf(name, sizeof name, "%s/%s/%s",
				    r->inds[d->ind], s->bodyparts[d->bp],
				    cn[d->coord]);
				return conv_csv_num(c, f, name,
				    &r->dst[j][at], err);
			}
		}
		finish_row(r, s->nbp, r->rows);
		r->rows++;
	}
	return rc;
nomem:
	return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", c->path), -1;
}

/*
 * Large prediction files are parsed by several threads, each taking a
 * range of whole lines: the line counts of the ranges (counted in
 * parallel first) give each range its first row slot and line number, so
 * rows land where a sequential read puts them; ranges that held blank
 * lines leave gaps, closed afterwards.  Only files with a one-column index
 * take this path; an index that is not a frame number, or a quoted cell
 * (which may hold a line break, and a range may start inside it), sends
 * the file back to the sequential reader.
 */
#define PAR_MIN_BYTES (4 << 20)
#define PAR_MAX 8

struct chunk {
	struct reader *r;
	const conv_set *s;
	size_t start, end;  /* bytes [start, end) of the file, whole lines */
	size_t nl;          /* '\n' in the range */
	size_t row0, line0; /* first row slot, line number at start */
	size_t rows;        /* rows parsed */
	int fallback;       /* an index that is not an integer, or a
	                       quoted cell (it may hold a line break, and
	                       the range split at it) */
	size_t nquoted;     /* quoted cells met */
	int rc;
	mz_err err;
};

/* count_chunk: thread body counting the newlines of a chunk. */
static void *
count_chunk(void *arg)
{
	struct chunk *k = arg;
	const char *b = k->r->c.buf, *p = b + k->start, *e = b + k->end;

	size_t nl = 0;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		nl++;
		p++;
	}
	k->nl = nl;
	return NULL;
}

/* parse_chunk: thread body parsing a chunk's rows into their slots; stops
 * at the first error (k->rc -1, k->err) or non-integer index. */
static void *
parse_chunk(void *arg)
{
	struct chunk *k = arg;
	struct reader *r = k->r;
	size_t nd = r->nf - r->nidx, nbp = k->s->nbp;
	conv_csv c = r->c;  /* a private cursor over the shared bytes */
	int rc;

	c.pos = k->start;
	c.len = k->end;
	c.nextline = k->line0;
	c.f = NULL;
	c.flen = NULL;
	c.nf = c.cap = 0;
	c.copy = 0;
	c.arena = NULL;
	k->rc = 0;
	for (;;) {
		size_t row = k->row0 + k->rows, at = row * nbp;

		/* The common row in one pass; anything else (blank line,
		 * quotes, spaces, nan, a bad cell) is read again by the
		 * general code below, which also words the errors. */
		if (fast_row(r, &c, row, at)) {
			finish_row(r, nbp, row);
			k->rows++;
			continue;
		}
		if ((rc = conv_csv_row(&c, &k->err)) <= 0)
			break;
		if (c.nf != r->nf) {
			k->rc = conv_fail(&k->err, "%s: line %zu: %zu fields, "
			    "the header has %zu", c.path, c.line, c.nf,
			    r->nf);
			break;
		}
		if (c.nquoted > 0 || mz_parse_i64(c.f[0], c.flen[0],
		    &r->iframe[row]) < 0) {
			k->fallback = 1;
			break;
		}
		r->line[row] = c.line;
		for (size_t j = 0; j < nd; j++) {
			size_t f = r->nidx + j;

			if (c.flen[f] == 0)
				r->dst[j][at] = NAN;
			else if (conv_csv_num(&c, f, NULL, &r->dst[j][at],
			    &k->err) < 0) {
				char name[1024];
				const struct dcol *d = &r->cols[j];
				static const char *const cn[] = { "x", "y",
					"z", "likelihood" };

				snprintf(name, sizeof name, "%s/%s/%s",
				    r->inds[d->ind], k->s->bodyparts[d->bp],
				    cn[d->coord]);
				k->rc = conv_csv_num(&c, f, name,
				    &r->dst[j][at], &k->err);
				break;
			}
		}
		if (k->rc < 0)
			break;
		finish_row(r, nbp, row);
		k->rows++;
	}
	if (rc < 0)
		k->rc = -1;
	k->nquoted = c.nquoted;
	conv_csv_done(&c);
	return NULL;
}

/* par_split: the data bytes [from, len) of r cut into n chunks at line
 * starts; returns the number of chunks (1 when the data is small or the
 * index has several columns). */
static size_t
par_split(struct reader *r, size_t from, struct chunk *k, size_t n)
{
	const char *b = r->c.buf;
	size_t len = r->c.len, got = 0, at = from;

	if (n < 2 || r->nidx != 1 || len - from < PAR_MIN_BYTES)
		return 1;
	if (n > PAR_MAX)
		n = PAR_MAX;
	for (size_t i = 0; i < n && at < len; i++) {
		size_t end = i + 1 == n ? len : from + (len - from) / n *
		    (i + 1);
		const char *nl;

		if (end < at)
			end = at;
		if (end < len && (nl = memchr(b + end, '\n', len - end)) !=
		    NULL)
			end = (size_t)(nl - b) + 1;
		else
			end = len;
		memset(&k[got], 0, sizeof k[got]);
		k[got].r = r;
		k[got].start = at;
		k[got].end = end;
		got++;
		at = end;
	}
	return got;
}

/* close_gaps: the rows of chunks k[0..n) (parsed into their row0 slots)
 * moved down over the slots blank lines left empty; returns the rows. */
static size_t
close_gaps(struct reader *r, const conv_set *s, conv_seq *q,
    const struct chunk *k, size_t n)
{
	size_t row = 0;

	for (size_t i = 0; i < n; i++) {
		if (k[i].row0 != row && k[i].rows > 0) {
			for (size_t m = 0; m < q->nind; m++) {
				conv_ind *d = &q->ind[m];
				double *arr[C_N] = { d->x, d->y, d->z, d->p };

				for (int a = 0; a < C_N; a++)
					if (arr[a] != NULL)
						memmove(arr[a] + row * s->nbp,
						    arr[a] + k[i].row0 * s->nbp,
						    k[i].rows * s->nbp *
						    sizeof(double));
			}
			memmove(r->iframe + row, r->iframe + k[i].row0,
			    k[i].rows * sizeof *r->iframe);
			memmove(r->line + row, r->line + k[i].row0,
			    k[i].rows * sizeof *r->line);
		}
		row += k[i].rows;
	}
	return row;
}

/* par_read: the threaded read of chunks k[0..n) (split by par_split) into
 * q; 1 done, 0 the file needs the sequential reader after all, -1 with
 * err set. */
static int
par_read(struct reader *r, const conv_set *s, conv_seq *q, struct chunk *k,
    size_t n, size_t line0, mz_err *err)
{
	size_t slot = 0;

	if ((r->iframe = malloc((q->nframes + 1) * sizeof *r->iframe)) ==
	    NULL || (r->line = malloc((q->nframes + 1) * sizeof *r->line)) ==
	    NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory",
		    r->c.path), -1;
	for (size_t i = 0; i < n; i++) {
		k[i].s = s;
		k[i].row0 = slot;
		k[i].line0 = line0;
		slot += k[i].nl + 1;
		line0 += k[i].nl;
	}
	mz_fork_join(parse_chunk, k, sizeof *k, n);
	for (size_t i = 0; i < n; i++)
		if (k[i].nquoted > 0)
			return 0;
	for (size_t i = 0; i < n; i++) {
		if (k[i].fallback)
			return 0;
		if (k[i].rc < 0) {
			*err = k[i].err;
			return -1;
		}
	}
	/* Close the gaps left by blank lines. */
	r->rows = close_gaps(r, s, q, k, n);
	r->all_int = 1;
	return 1;
}

/* copy_rows: rows rows[0..n) of individual sets of all into q (same set,
 * so same bodyparts and dims). */
static void
copy_rows(const conv_set *s, const conv_seq *all, conv_seq *q,
    const size_t *rows, size_t n)
{
	for (size_t i = 0; i < q->nind; i++) {
		const conv_ind *a = &all->ind[i];
		conv_ind *d = &q->ind[i];

		for (size_t k = 0; k < n; k++) {
			size_t from = rows[k] * s->nbp, to = k * s->nbp;

			memcpy(d->x + to, a->x + from, s->nbp * sizeof(double));
			memcpy(d->y + to, a->y + from, s->nbp * sizeof(double));
			memcpy(d->p + to, a->p + from, s->nbp * sizeof(double));
			if (d->z != NULL)
				memcpy(d->z + to, a->z + from,
				    s->nbp * sizeof(double));
		}
	}
}

/* A hash of the file's bytes, computed in a thread of its own while the
 * rows are parsed (XXH64 is one sequential pass over the whole file). */
struct hashjob {
	const char *buf;
	size_t len;
	char hex[17];
	pthread_t t;
	int running;
};

/* hash_thread: thread body of a hashjob. */
static void *
hash_thread(void *arg)
{
	struct hashjob *h = arg;

	conv_hash_hex(h->buf, h->len, h->hex);
	return NULL;
}

/* hash_start: hash c's bytes into h->hex: in a thread when c has no hash
 * yet (a large file) and one can be started, else at once. */
static void
hash_start(struct hashjob *h, const conv_csv *c)
{
	memset(h, 0, sizeof *h);
	if (c->xxh64[0] != '\0') {
		memcpy(h->hex, c->xxh64, sizeof h->hex);
		return;
	}
	h->buf = c->buf;
	h->len = c->len;
	h->running = pthread_create(&h->t, NULL, hash_thread, h) == 0;
	if (!h->running)
		hash_thread(h);
}

/* hash_wait: wait for h's thread, if any (before the bytes go). */
static void
hash_wait(struct hashjob *h)
{
	if (h->running)
		pthread_join(h->t, NULL);
	h->running = 0;
}

/*
 * Streaming (o->sink, one individual, a one-column index): the data lines
 * are scanned first, in parallel ranges, for what the fast parse needs (an
 * integer index starting every line that is not blank, and no quote
 * anywhere), cutting each range into segments of SEG_LINES lines; then
 * the segments are parsed a batch at a time (one segment per thread)
 * into arrays for one batch, which go to the sink.  Memory stays that of
 * a batch.
 */
#define SEG_LINES 2048

struct lscan {
	const char *buf;
	size_t start, end;   /* bytes [start, end): whole lines */
	size_t lines;        /* lines in the range (a last one unended) */
	int plain;           /* streamable, as far as this range goes */
	size_t *cut, ncut;   /* starts of lines SEG_LINES, 2 SEG_LINES... */
	int nomem;
};

/* scan_lines: thread body filling a struct lscan. */
static void *
scan_lines(void *arg)
{
	struct lscan *l = arg;
	const char *p = l->buf + l->start, *e = l->buf + l->end, *q;
	size_t cap = 0;

	l->plain = 1;
	while (l->plain && p < e) {
		if (l->lines > 0 && l->lines % SEG_LINES == 0) {
			if (l->ncut == cap) {
				size_t *nc = realloc(l->cut, (cap ? 2 * cap :
				    16) * sizeof *nc);
				if (nc == NULL) {
					l->nomem = 1;
					return NULL;
				}
				l->cut = nc;
				cap = cap ? 2 * cap : 16;
			}
			l->cut[l->ncut++] = (size_t)(p - l->buf);
		}
		/* An integer index and a comma, or a blank line. */
		q = p + (*p == '-');
		while (q < e && (unsigned)(*q - '0') < 10 && q - p < 19)
			q++;
		if (!(q > p + (*p == '-') && q < e && *q == ',') &&
		    *p != '\n' && !(*p == '\r' && p + 1 < e && p[1] == '\n'))
			l->plain = 0;
		q = memchr(p, '\n', (size_t)(e - p));
		if (q == NULL)
			q = e;
		/* No quote (the line is in the cache now). */
		if (memchr(p, '"', (size_t)(q - p)) != NULL)
			l->plain = 0;
		p = q < e ? q + 1 : e;
		l->lines++;
	}
	return NULL;
}

/*
 * stream_rows: stream the data rows of r (from byte data, line line0) of
 * set s (header read, one individual) to sink, as a sequence named stem;
 * the file's hash from hj before the first rows go.  Returns 1 when
 * streamed, 0 when the file is not for streaming (nothing was sent, s
 * and r unchanged but for r's scratch), -1 with err set.
 */
static int
stream_rows(struct reader *r, conv_set *s, conv_sink *sink, const char *stem,
    size_t data, size_t line0, struct hashjob *hj, mz_err *err)
{
	struct chunk ck[PAR_MAX], *k = NULL;
	struct lscan ls[PAR_MAX];
	size_t nr, nseg = 0, si, line = line0, total = 0, nth;
	size_t (*seg)[3] = NULL;   /* start, end, lines */
	int64_t last = 0;
	int rc = -1, begun = 0, have = 0;   /* have: last is a frame */
	conv_seq *q;

	nth = (size_t)mz_ncpu();
	if (nth > PAR_MAX)
		nth = PAR_MAX;
	nr = par_split(r, data, ck, nth);
	if (nr == 1) {
		ck[0].start = data;
		ck[0].end = r->c.len;
	}
	memset(ls, 0, sizeof ls);
	for (size_t i = 0; i < nr; i++) {
		ls[i].buf = r->c.buf;
		ls[i].start = ck[i].start;
		ls[i].end = ck[i].end;
	}
	mz_fork_join(scan_lines, ls, sizeof *ls, nr);
	for (size_t i = 0; i < nr; i++) {
		if (ls[i].nomem)
			goto nomem;
		if (!ls[i].plain) {
			rc = 0;
			goto out;
		}
		nseg += ls[i].ncut + 1;
	}
	/* The segments, in order. */
	if ((seg = malloc(nseg * sizeof *seg)) == NULL)
		goto nomem;
	nseg = 0;
	for (size_t i = 0; i < nr; i++) {
		size_t a = ls[i].start;

		for (size_t j = 0; j <= ls[i].ncut; j++) {
			size_t b = j < ls[i].ncut ? ls[i].cut[j] : ls[i].end;

			seg[nseg][0] = a;
			seg[nseg][1] = b;
			seg[nseg][2] = j < ls[i].ncut ? SEG_LINES :
			    ls[i].lines - SEG_LINES * ls[i].ncut;
			total += seg[nseg][2];
			nseg++;
			a = b;
		}
	}
	/* Arrays for one batch: nth segments. */
	if ((q = conv_set_add_seq(s, stem, nth * SEG_LINES + 1)) == NULL ||
	    add_ind_raw(s, q, r->inds[0]) == NULL || setup_slots(r, s, q) < 0 ||
	    (r->iframe = malloc((q->nframes + 1) * sizeof *r->iframe)) ==
	    NULL || (r->line = malloc((q->nframes + 1) * sizeof *r->line)) ==
	    NULL || (k = calloc(nth, sizeof *k)) == NULL)
		goto nomem;
	/* Quotes met in the header do not matter to the data (none). */
	r->c.nquoted = 0;
	for (si = 0; si < nseg;) {
		size_t n = 0, row = 0, rows;

		for (; n < nth && si < nseg; n++, si++) {
			memset(&k[n], 0, sizeof k[n]);
			k[n].r = r;
			k[n].s = s;
			k[n].start = seg[si][0];
			k[n].end = seg[si][1];
			k[n].row0 = row;
			k[n].line0 = line;
			row += seg[si][2];
			line += seg[si][2];
		}
		mz_fork_join(parse_chunk, k, sizeof *k, n);
		for (size_t i = 0; i < n; i++) {
			if (k[i].rc < 0) {
				*err = k[i].err;
				goto out;
			}
			if (k[i].fallback || k[i].nquoted > 0) {
				FAIL("%s: line %zu: the index is not a frame "
				    "number", r->c.path, k[i].line0 +
				    k[i].rows);
				goto out;
			}
		}
		rows = close_gaps(r, s, q, k, n);
		for (size_t i = 0; i < rows; i++) {
			if (have && r->iframe[i] <= last) {
				FAIL("%s: line %zu: frame %lld after %lld: "
				    "frames must increase", r->c.path,
				    r->line[i], (long long)r->iframe[i],
				    (long long)last);
				goto out;
			}
			q->frame[i] = last = r->iframe[i];
			have = 1;
		}
		if (!begun) {
			hash_wait(hj);
			memcpy(s->xxh64, hj->hex, sizeof s->xxh64);
			if (sink->begin(sink, s, total, err) < 0)
				goto out;
			begun = 1;
		}
		if (rows > 0 && sink->rows(sink, s, rows, err) < 0)
			goto out;
	}
	/* There is at least one segment (an empty one for no data): the
	 * part was begun in the first batch, rows or none. */
	rc = sink->end(sink, s, err) < 0 ? -1 : 1;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", r->c.path);
	rc = -1;
out:
	for (size_t i = 0; i < nr; i++)
		free(ls[i].cut);
	free(seg);
	free(k);
	return rc;
}

/* conv_read_dlc_csv: see conv.h. */
int
conv_read_dlc_csv(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	struct reader r;
	struct chunk chunks[PAR_MAX];
	struct hashjob hj = { .running = 0 };
	conv_set *s;
	conv_seq *q;
	size_t *rows = NULL, est = 1, data, line0, nk;
	char *stem = NULL;
	int par;

	memset(&r, 0, sizeof r);
	if ((s = conv_set_new("dlc-csv")) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path),
		    -1;
	if (conv_csv_open(&r.c, path, err) < 0)
		goto fail;
	hash_start(&hj, &r.c);
	if (read_header(&r, s, o, err) < 0)
		goto fail;
	/* The rows left are at most the lines left: size the arrays once
	 * and parse straight into them, in parallel for large files. */
	data = r.c.pos;
	line0 = r.c.nextline;
	if ((stem = conv_stem(path)) == NULL)
		goto nomem;
	if (o != NULL && o->sink != NULL && r.nind == 1 && r.nidx == 1) {
		/* One individual's predictions: a batch at a time. */
		int st = stream_rows(&r, s, o->sink, stem, data, line0, &hj,
		    err);

		if (st < 0)
			goto fail;
		if (st > 0) {
			hash_wait(&hj);
			free(stem);
			reader_free(&r);
			conv_set_free(s);
			*out = NULL;
			return 0;
		}
	}
	nk = par_split(&r, data, chunks, (size_t)mz_ncpu());
	if (nk > 1) {
		mz_fork_join(count_chunk, chunks, sizeof *chunks, nk);
		for (size_t i = 0; i < nk; i++)
			est += chunks[i].nl + 1;
	} else
		for (const char *p = r.c.buf + data; (p = memchr(p, '\n',
		    r.c.len - (size_t)(p - r.c.buf))) != NULL; p++)
			est++;
	if ((q = conv_set_add_seq(s, stem, est)) == NULL)
		goto nomem;
	for (size_t i = 0; i < r.nind; i++)
		if (add_ind_raw(s, q, r.inds[i]) == NULL)
			goto nomem;
	if (setup_slots(&r, s, q) < 0)
		goto nomem;
	if ((par = nk > 1 ? par_read(&r, s, q, chunks, nk, line0, err) : 0) <
	    0)
		goto fail;
	if (par == 0) {
		/* Sequential, from the first data row. */
		free(r.iframe);
		free(r.line);
		r.iframe = NULL;
		r.line = NULL;
		r.rows = 0;
		r.c.pos = data;
		r.c.nextline = line0;
		if (read_rows(&r, s, q, err) < 0)
			goto fail;
	}
	q->nframes = r.rows;
	if (r.all_int) {
		/* Predictions: the index is the frame number. */
		for (size_t i = 0; i < r.rows; i++) {
			q->frame[i] = r.iframe[i];
			if (i > 0 && q->frame[i] <= q->frame[i - 1]) {
				FAIL("%s: line %zu: frame %lld after %lld: "
				    "frames must increase", path, r.line[i],
				    (long long)q->frame[i],
				    (long long)q->frame[i - 1]);
				goto fail;
			}
		}
	} else {
		/* Labelled images: one sequence per image directory (the
		 * video's name), in order of first appearance; frames are
		 * the image numbers when they increase, else positions.
		 * The sequences are built from the one read (seq[0]), which
		 * is then dropped. */
		if ((rows = malloc((r.rows + 1) * sizeof *rows)) == NULL ||
		    (r.dirs = calloc(r.rows + 1, sizeof *r.dirs)) == NULL)
			goto nomem;
		for (size_t i = 0; i < r.rows; i++) {
			r.dirs[i] = conv_image_dir(r.index[i]);
			if (r.dirs[i] == NULL && (r.dirs[i] =
			    conv_strdup(stem)) == NULL)
				goto nomem;
		}
		for (size_t i = 0; i < r.rows; i++) {
			size_t n = 0, k;
			int seen = 0, byimg = 1;
			conv_seq *nq;
			cJSON *imgs;

			for (k = 0; k < i && !seen; k++)
				seen = strcmp(r.dirs[k], r.dirs[i]) == 0;
			if (seen)
				continue;
			for (k = i; k < r.rows; k++)
				if (strcmp(r.dirs[k], r.dirs[i]) == 0)
					rows[n++] = k;
			if ((nq = conv_set_add_seq(s, r.dirs[i], n)) == NULL)
				goto nomem;
			for (size_t m = 0; m < r.nind; m++)
				if (conv_seq_add_ind(s, nq, r.inds[m]) == NULL)
					goto nomem;
			copy_rows(s, &s->seq[0], nq, rows, n);
			for (k = 0; k < n; k++) {
				int64_t fr = conv_image_frame(r.index[rows[k]]);

				if (fr < 0 || (k > 0 && fr <= nq->frame[k - 1]))
					byimg = 0;
				if (byimg)
					nq->frame[k] = fr;
			}
			if (!byimg)
				for (k = 0; k < n; k++)
					nq->frame[k] = (int64_t)k;
			if ((nq->meta = cJSON_CreateObject()) == NULL ||
			    (imgs = cJSON_AddArrayToObject(nq->meta,
			    "images")) == NULL)
				goto nomem;
			for (k = 0; k < n; k++)
				if (!cJSON_AddItemToArray(imgs,
				    cJSON_CreateString(r.index[rows[k]])))
					goto nomem;
		}
		conv_set_drop_seq(s, 0);
	}
	hash_wait(&hj);
	memcpy(s->xxh64, hj.hex, sizeof s->xxh64);
	free(stem);
	free(rows);
	reader_free(&r);
	*out = s;
	return 0;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
fail:
	hash_wait(&hj);
	free(stem);
	free(rows);
	reader_free(&r);
	conv_set_free(s);
	return -1;
}

/* ------------------------------------------------------------- writing */

/* One part of the sequence being written. */
struct wpart {
	char *name;        /* individual */
	size_t n;          /* rows */
	int64_t *frame;    /* [n] */
	double *v;         /* [n * nbp * (dims + 1)] x, y[, z], p */
};

/* free_names: free the n strings of a and a. */
static void
free_names(const char **a, size_t n)
{
	if (a == NULL)
		return;
	for (size_t j = 0; j < n; j++)
		free((char *)a[j]);
	free(a);
}

/* meta_bodyparts: the part's bodyparts from its metadata, or from its
 * NAME.x columns: *n malloc'd copies (free with free_names), or NULL when
 * out of memory. */
static const char **
meta_bodyparts(const mz_header *h, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItem(h->meta, "bodyparts"), *it;
	const char **bp = calloc(h->ncols + 1, sizeof *bp);

	*n = 0;
	if (bp == NULL)
		return NULL;
	if (cJSON_IsArray(a)) {
		cJSON_ArrayForEach(it, a)
			if (cJSON_IsString(it) && *n < h->ncols) {
				if ((bp[*n] = conv_strdup(it->valuestring)) ==
				    NULL)
					goto nomem;
				(*n)++;
			}
		return bp;
	}
	for (size_t j = 0; j < h->ncols; j++) {
		const char *c = h->cols[j].name;
		size_t l = strlen(c);

		if (l > 2 && strcmp(c + l - 2, ".x") == 0) {
			char *b = malloc(l - 1);

			if (b == NULL)
				goto nomem;
			memcpy(b, c, l - 2);
			b[l - 2] = '\0';
			bp[(*n)++] = b;
		}
	}
	return bp;
nomem:
	free_names(bp, *n);
	return NULL;
}

/* Exact powers of ten as x87 long doubles (64-bit significand). */
#if LDBL_MANT_DIG == 64
static const long double tenl[28] = {
	1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L,
	1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
	1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L
};
#endif

/* format_g: the "%.Ng" text of the N-digit significand d (10^(N-1) <= d
 * < 10^N) with decimal exponent x, sign neg, into buf; its length. */
static int
format_g(uint64_t d, int N, int x, int neg, char *buf)
{
	char dig[24];
	int nd = N, n = 0;

	for (int i = N - 1; i >= 0; i--, d /= 10)
		dig[i] = (char)('0' + d % 10);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (neg)
		buf[n++] = '-';
	if (x < -4 || x >= N) {
		int ax = x < 0 ? -x : x;

		buf[n++] = dig[0];
		if (nd > 1) {
			buf[n++] = '.';
			memcpy(buf + n, dig + 1, (size_t)nd - 1);
			n += nd - 1;
		}
		n += sprintf(buf + n, "e%c%02d", x < 0 ? '-' : '+', ax);
	} else if (x >= 0) {
		int ip = x + 1;

		memcpy(buf + n, dig, (size_t)ip);   /* ip <= N */
		n += ip;
		if (nd > ip) {
			buf[n++] = '.';
			memcpy(buf + n, dig + ip, (size_t)(nd - ip));
			n += nd - ip;
		}
	} else {
		buf[n++] = '0';
		buf[n++] = '.';
		for (int i = 0; i < -x - 1; i++)
			buf[n++] = '0';
		memcpy(buf + n, dig, (size_t)nd);
		n += nd;
	}
	buf[n] = '\0';
	return n;
}

/*
 * fmt_fast: the text fmt_shortest would give for v (|v| in [1e-5, 1e15),
 * not an integer), or -1 when this method cannot be sure.  s = |v| * 10^k
 * in [1e16, 1e17) is one correctly rounded long double product (error
 * below 0.006); its roundings to 15, 16 and 17 digits are decided unless
 * the part below the last digit is within 0.01 of one half (then -1).
 * Each candidate is checked by parsing it back.
 */
static int
fmt_fast(double v, char *buf)
{
#if LDBL_MANT_DIG == 64 && (defined(__x86_64__) || defined(__i386__))
	double a = fabs(v), back;
	int x, k;
	long double s;

	if (!(a >= 1e-5 && a < 1e15))
		return -1;
	x = (int)floor(log10(a));
	k = 16 - x;
	if (k < 1 || k > 26)
		return -1;
	s = (long double)a * tenl[k];
	if (s >= 1e17L) {
		k--;
		x++;
		s = (long double)a * tenl[k];
	} else if (s < 1e16L) {
		k++;
		x--;
		s = (long double)a * tenl[k];
	}
	if (s < 1e16L || s >= 1e17L)
		return -1;
	{
		/* s = D + fr: the digits below the N-th are r (integer) +
		 * fr, compared with half of 10^(17-N). */
		uint64_t D = (uint64_t)s;
		double fr = (double)(s - (long double)D);
		static const uint64_t p[3] = { 100, 10, 1 };

		for (int N = 15; N <= 17; N++) {
			uint64_t m = p[N - 15], d = D / m;
			double below = (double)(D % m) + fr, half = m / 2.0;
			int n;

			if (fabs(below - half) < 0.01)
				return -1;
			if (below > half)
				d++;
			if (d >= (uint64_t)1e17 / m)
				return -1;
			n = format_g(d, N, x, v < 0, buf);
			if (conv_parse_f64(buf, (size_t)n, &back) == 0 &&
			    back == v)
				return n;
		}
	}
	return -1;
#else
	(void)v;
	(void)buf;
	return -1;
#endif
}

/* fmt_shortest: the shortest "%.Ng" text (N 15..17) that reads back as v
 * (mz_fmt_f64's text: integers, infinities and zeros as it writes them),
 * into buf[32]; its length.  The common case goes through fmt_fast. */
static int
fmt_shortest(double v, char buf[32])
{
	double back;
	int n;

	if (!isfinite(v) || v == 0 || (fabs(v) < 1e15 &&
	    v == (double)(int64_t)v))
		return mz_fmt_f64(v, buf);
	if ((n = fmt_fast(v, buf)) >= 0)
		return n;
	for (int prec = 15; prec <= 16; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, v);
		if (conv_parse_f64(buf, (size_t)n, &back) == 0 && back == v)
			return n;
	}
	return snprintf(buf, 32, "%.17g", v);
}

/* csv_cell: write v (empty for NaN) after a comma. */
static void
csv_cell(FILE *f, double v)
{
	char buf[40];

	if (isnan(v)) {
		putc(',', f);
		return;
	}
	buf[0] = ',';
	fwrite(buf, 1, (size_t)fmt_shortest(v, buf + 1) + 1, f);
}

/* conv_write_dlc_csv: see conv.h. */
int
conv_write_dlc_csv(mz_reader *r, FILE *out, const char *sequence,
    mz_err *err)
{
	const char *name = mz_reader_name(r);
	struct wpart *parts = NULL;
	size_t nparts = 0, nbp = 0, *at = NULL;
	const char **bps = NULL;
	char *seqname = NULL, *grp = NULL, *scorer = NULL;
	int dims = 2, rc, ret = -1, nseqs = 0;
	char *other = NULL;

	while ((rc = mz_reader_next_part(r, err)) > 0) {
		const mz_header *h = mz_reader_header(r);
		const char *sq = mz_meta_str(h, "sequence");
		const char *g = mz_meta_str(h, "group");
		const char *ind = mz_meta_str(h, "individual");
		size_t pnbp, ncomp;
		const char **pbp;
		int *cidx, fcol = mz_header_find(h, "frame");
		struct wpart *p;
		mz_block b;

		if (sq == NULL)
			sq = "";
		if (sequence != NULL && strcmp(sq, sequence) != 0)
			continue;
		if (seqname == NULL) {
			if ((seqname = conv_strdup(sq)) == NULL ||
			    (g && (grp = conv_strdup(g)) == NULL))
				goto nomem;
			nseqs = 1;
		} else if (strcmp(seqname, sq) != 0 || (g == NULL) !=
		    (grp == NULL) || (g && strcmp(g, grp) != 0)) {
			if (other == NULL && (other = conv_strdup(sq)) == NULL)
				goto nomem;
			nseqs++;
			continue;
		}
		if (fcol < 0) {
			mz_seterr(err, MZ_ESCHEMA, "%s: part %zu: no 'frame' "
			    "column (not standard tracks)", name,
			    mz_reader_part_index(r));
			goto out;
		}
		if ((pbp = meta_bodyparts(h, &pnbp)) == NULL)
			goto nomem;
		if (nparts == 0) {
			char zc[4096];

			bps = pbp;
			nbp = pnbp;
			snprintf(zc, sizeof zc, "%s.z", nbp ? bps[0] : "");
			dims = nbp && mz_header_find(h, zc) >= 0 ? 3 : 2;
			if (cJSON_IsString(cJSON_GetObjectItem(h->meta,
			    "scorer")))
				scorer = conv_strdup(mz_meta_str(h, "scorer"));
		} else {
			int same = pnbp == nbp;

			for (size_t j = 0; same && j < nbp; j++)
				same = strcmp(pbp[j], bps[j]) == 0;
			free_names(pbp, pnbp);
			if (!same) {
				mz_seterr(err, MZ_ESCHEMA, "%s: part %zu: "
				    "bodyparts differ from the sequence's "
				    "first part", name,
				    mz_reader_part_index(r));
				goto out;
			}
		}
		ncomp = (size_t)dims + 1;
		if ((cidx = malloc((nbp * ncomp + 1) * sizeof *cidx)) == NULL)
			goto nomem;
		for (size_t j = 0; j < nbp; j++) {
			static const char *const sfx[] = { "x", "y", "z", "p" };

			for (size_t c = 0; c < ncomp; c++) {
				char cn[4096];
				const char *s = sfx[c == (size_t)dims ? 3 : c];

				snprintf(cn, sizeof cn, "%s.%s", bps[j], s);
				cidx[j * ncomp + c] = mz_header_find(h, cn);
				if (cidx[j * ncomp + c] < 0 && c < 2) {
					mz_seterr(err, MZ_ESCHEMA, "%s: part "
					    "%zu: no column %s", name,
					    mz_reader_part_index(r), cn);
					free(cidx);
					goto out;
				}
			}
		}
		if ((p = realloc(parts, (nparts + 1) * sizeof *p)) == NULL) {
			free(cidx);
			goto nomem;
		}
		parts = p;
		p = &parts[nparts++];
		memset(p, 0, sizeof *p);
		if (ind != NULL)
			p->name = conv_strdup(ind);
		else {
			char nm[32];
			snprintf(nm, sizeof nm, "ind%zu", nparts);
			p->name = conv_strdup(nm);
		}
		if (p->name == NULL) {
			free(cidx);
			goto nomem;
		}
		while ((rc = mz_reader_next_block(r, &b, err)) > 0) {
			size_t cap = p->n + b.nrows;
			int64_t *nf = realloc(p->frame, (cap ? cap : 1) *
			    sizeof *nf);
			double *nv;

			if (nf == NULL) {
				free(cidx);
				goto nomem;
			}
			p->frame = nf;
			nv = realloc(p->v, (cap * nbp * ncomp + 1) *
			    sizeof *nv);
			if (nv == NULL) {
				free(cidx);
				goto nomem;
			}
			p->v = nv;
			for (size_t i = 0; i < b.nrows; i++) {
				size_t row = p->n + i;

				p->frame[row] = mz_get_i64(b.cols[fcol],
				    h->cols[fcol].type, i);
				if (row > 0 && p->frame[row] <=
				    p->frame[row - 1]) {
					mz_seterr(err, MZ_ESCHEMA, "%s: part "
					    "%zu: frame %lld after %lld: "
					    "frames must increase", name,
					    mz_reader_part_index(r),
					    (long long)p->frame[row],
					    (long long)p->frame[row - 1]);
					free(cidx);
					goto out;
				}
				for (size_t k = 0; k < nbp * ncomp; k++) {
					int ci = cidx[k];
					p->v[row * nbp * ncomp + k] = ci < 0 ?
					    NAN : mz_get_f64(b.cols[ci],
					    h->cols[ci].type, i);
				}
			}
			p->n = cap;
		}
		free(cidx);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (nparts == 0) {
		if (sequence != NULL)
			mz_seterr(err, MZ_EINVAL, "%s: no part of sequence "
			    "'%s'", name, sequence);
		else
			mz_seterr(err, MZ_EINVAL, "%s: no parts", name);
		goto out;
	}
	if (nseqs > 1) {
		mz_seterr(err, MZ_EINVAL, "%s: the stream holds several "
		    "sequences ('%s', '%s'%s); choose one with --sequence",
		    name, seqname, other, nseqs > 2 ? ", ..." : "");
		goto out;
	}
	/* The header rows. */
	{
		const char *sc = scorer ? scorer : "mz";
		size_t ncomp = (size_t)dims + 1;
		static const char *const cn[] = { "x", "y", "z" };

		fputs("scorer", out);
		for (size_t k = 0; k < nparts * nbp * ncomp; k++) {
			putc(',', out);
			csv_field(out, sc);
		}
		putc('\n', out);
		if (nparts > 1) {
			fputs("individuals", out);
			for (size_t i = 0; i < nparts; i++)
				for (size_t k = 0; k < nbp * ncomp; k++) {
					putc(',', out);
					csv_field(out, parts[i].name);
				}
			putc('\n', out);
		}
		fputs("bodyparts", out);
		for (size_t i = 0; i < nparts; i++)
			for (size_t j = 0; j < nbp; j++)
				for (size_t c = 0; c < ncomp; c++) {
					putc(',', out);
					csv_field(out, bps[j]);
				}
		putc('\n', out);
		fputs("coords", out);
		for (size_t i = 0; i < nparts; i++)
			for (size_t j = 0; j < nbp; j++)
				for (size_t c = 0; c < ncomp; c++)
					fprintf(out, ",%s", c == (size_t)dims ?
					    "likelihood" : cn[c]);
		putc('\n', out);
		/* Rows: the union of the parts' frames, in order. */
		if ((at = calloc(nparts, sizeof *at)) == NULL)
			goto nomem;
		for (;;) {
			int64_t fr = INT64_MAX;
			int any = 0;

			for (size_t i = 0; i < nparts; i++)
				if (at[i] < parts[i].n &&
				    parts[i].frame[at[i]] <= fr) {
					fr = parts[i].frame[at[i]];
					any = 1;
				}
			if (!any)
				break;
			fprintf(out, "%lld", (long long)fr);
			for (size_t i = 0; i < nparts; i++) {
				struct wpart *p = &parts[i];
				int here = at[i] < p->n &&
				    p->frame[at[i]] == fr;

				for (size_t k = 0; k < nbp * ncomp; k++)
					csv_cell(out, here ? p->v[at[i] * nbp *
					    ncomp + k] : NAN);
				if (here)
					at[i]++;
			}
			putc('\n', out);
		}
	}
	if (ferror(out)) {
		mz_seterr(err, MZ_EIO, "write error");
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", name);
out:
	for (size_t i = 0; i < nparts; i++) {
		free(parts[i].name);
		free(parts[i].frame);
		free(parts[i].v);
	}
	free_names(bps, nbp);
	free(parts);
	free(at);
	free(seqname);
	free(grp);
	free(scorer);
	free(other);
	return ret;
}
