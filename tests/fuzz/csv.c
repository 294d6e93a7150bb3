/*
 * csv.c - libFuzzer targets for mz-convert's CSV readers: DeepLabCut CSV
 * (tools/mz-convert/dlc_csv.c, also Lightning Pose), SLEAP's analysis CSV
 * (sleap_csv.c) and anipose's 3-D CSV (anipose.c), all on the shared CSV
 * splitter and number parser of conv.c.  One source, three targets:
 * compile with -DFUZZ_READER=1 (DLC), 2 (SLEAP) or 3 (anipose).
 *
 * The readers take a path, so each input is written to one scratch file
 * (made once per process with mkstemp under $TMPDIR, removed at exit)
 * and read back; the reader copies it into an exactly sized heap buffer,
 * where AddressSanitizer sees any read past its end.  Options that change
 * the DLC reader's path (prefixed bodyparts split at "_", --zero-missing)
 * are chosen from the input's last byte.
 *
 * Invariants, checked after every read (abort, a crash for libFuzzer,
 * when one does not hold):
 *   - a rejection says why, in a message that starts with the file name;
 *   - a success is a well-formed conv_set (conv.h): dims 2 or 3, z arrays
 *     exactly when dims is 3, at least one bodypart, bodypart names
 *     unique and non-NULL, skeleton edges inside the bodyparts, at least
 *     one sequence, strictly increasing frame numbers, every individual
 *     named and unique within its sequence, every coordinate of every
 *     frame readable; a missing point (NaN x) is NaN in y (and z) with
 *     confidence 0, and a present point has finite x and y;
 *   - reading the same bytes twice gives the same set, bit for bit;
 *   - DLC: read again through a sink (conv.h), which takes one
 *     individual's predictions a batch at a time, the rows collected are
 *     the set's, bit for bit, and a file refused whole is refused
 *     streamed.
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conv.h"

#ifndef FUZZ_READER
#define FUZZ_READER 1
#endif
#if FUZZ_READER == 1
#define READ conv_read_dlc_csv
#elif FUZZ_READER == 2
#define READ conv_read_sleap_csv
#else
#define READ conv_read_anipose
#endif

/* check: abort with a message when an invariant does not hold. */
#define check(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s " \
	"(%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

static char path[4096];
static int fd = -1;

/* cleanup: remove the scratch file (atexit). */
static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

/* put: make the scratch file hold exactly data[0..size). */
static void
put(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (fd < 0) {
		const char *tmp = getenv("TMPDIR");

		snprintf(path, sizeof path, "%s/fuzz-csv-XXXXXX.csv",
		    tmp && *tmp ? tmp : "/tmp");
		check((fd = mkstemps(path, 4)) >= 0);
		atexit(cleanup);
	}
	check(ftruncate(fd, 0) == 0);
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
		check(n > 0);
		done += (size_t)n;
	}
}

/* same_f64: a and b hold the same n doubles bit for bit (NULL alike). */
static int
same_f64(const double *a, const double *b, size_t n)
{
	if (a == NULL || b == NULL)
		return a == b;
	return memcmp(a, b, n * sizeof *a) == 0;
}

/* check_set: the well-formedness invariants above. */
static void
check_set(const conv_set *s)
{
	check(s->dims == 2 || s->dims == 3);
	check(s->format != NULL && s->units != NULL);
	check(s->nbp >= 1 && s->bodyparts != NULL);
	for (size_t i = 0; i < s->nbp; i++) {
		check(s->bodyparts[i] != NULL);
		for (size_t j = 0; j < i; j++)
			check(strcmp(s->bodyparts[i], s->bodyparts[j]) != 0);
	}
	for (size_t e = 0; e < s->nedges; e++)
		check(s->edges[e][0] >= 0 && (size_t)s->edges[e][0] < s->nbp &&
		    s->edges[e][1] >= 0 && (size_t)s->edges[e][1] < s->nbp);
	check(s->fps >= 0 && isfinite(s->fps));
	check(s->nseq >= 1);
	for (size_t k = 0; k < s->nseq; k++) {
		const conv_seq *q = &s->seq[k];
		size_t n = q->nframes * s->nbp;

		check(q->sequence != NULL);
		check(q->nind >= 1);
		check(q->nframes == 0 || q->frame != NULL);
		for (size_t f = 1; f < q->nframes; f++)
			check(q->frame[f] > q->frame[f - 1]);
		for (size_t f = 0; q->time != NULL && f < q->nframes; f++)
			check(q->time[f] == q->time[f]);
		for (size_t i = 0; i < q->nind; i++) {
			const conv_ind *d = &q->ind[i];

			check(d->name != NULL);
			for (size_t j = 0; j < i; j++)
				check(strcmp(d->name, q->ind[j].name) != 0);
			check(d->x && d->y && d->p);
			check((d->z != NULL) == (s->dims == 3));
			for (size_t v = 0; v < n; v++) {
				if (isnan(d->x[v])) {
					check(isnan(d->y[v]));
					check(d->z == NULL || isnan(d->z[v]));
					check(d->p[v] == 0);
				} else {
					check(isfinite(d->x[v]) &&
					    isfinite(d->y[v]));
					check(d->z == NULL || !isnan(d->z[v]));
					check(!isnan(d->p[v]));
				}
			}
		}
	}
}

/* same_set: a and b (two reads of the same bytes) are equal. */
static void
same_set(const conv_set *a, const conv_set *b)
{
	check(a->nbp == b->nbp && a->nseq == b->nseq && a->dims == b->dims);
	for (size_t k = 0; k < a->nseq; k++) {
		const conv_seq *p = &a->seq[k], *q = &b->seq[k];
		size_t n = p->nframes * a->nbp;

		check(p->nframes == q->nframes && p->nind == q->nind);
		check(p->nframes == 0 || memcmp(p->frame, q->frame,
		    p->nframes * sizeof *p->frame) == 0);
		for (size_t i = 0; i < p->nind; i++) {
			check(strcmp(p->ind[i].name, q->ind[i].name) == 0);
			check(same_f64(p->ind[i].x, q->ind[i].x, n));
			check(same_f64(p->ind[i].y, q->ind[i].y, n));
			check(same_f64(p->ind[i].z, q->ind[i].z, n));
			check(same_f64(p->ind[i].p, q->ind[i].p, n));
		}
	}
}

#if FUZZ_READER == 1
/* A sink collecting what a reader streams: the frames and x, y, p of its
 * one individual, row after row. */
struct coll {
	conv_sink k;
	size_t n, nbp;
	int dims, begun, ended;
	int64_t *frame;
	double *x, *y, *z, *p;
};

static int
coll_begin(conv_sink *k, conv_set *s, size_t rows, mz_err *err)
{
	struct coll *c = (struct coll *)k;

	(void)rows;
	(void)err;
	check(!c->begun && s->nseq == 1 && s->seq[0].nind == 1);
	c->begun = 1;
	c->nbp = s->nbp;
	c->dims = s->dims;
	return 0;
}

static int
coll_rows(conv_sink *k, conv_set *s, size_t n, mz_err *err)
{
	struct coll *c = (struct coll *)k;
	const conv_seq *q = &s->seq[0];
	size_t m = c->n + n, b = c->nbp * sizeof(double);

	(void)err;
	check(c->begun && !c->ended && n <= q->nframes);
	c->frame = realloc(c->frame, (m + 1) * sizeof *c->frame);
	c->x = realloc(c->x, m * b + 1);
	c->y = realloc(c->y, m * b + 1);
	c->p = realloc(c->p, m * b + 1);
	c->z = realloc(c->z, m * b + 1);
	check(c->frame && c->x && c->y && c->p && c->z);
	check((c->dims == 3) == (q->ind[0].z != NULL));
	if (c->dims == 3)
		memcpy(c->z + c->n * c->nbp, q->ind[0].z, n * b);
	memcpy(c->frame + c->n, q->frame, n * sizeof *c->frame);
	memcpy(c->x + c->n * c->nbp, q->ind[0].x, n * b);
	memcpy(c->y + c->n * c->nbp, q->ind[0].y, n * b);
	memcpy(c->p + c->n * c->nbp, q->ind[0].p, n * b);
	c->n = m;
	return 0;
}

static int
coll_end(conv_sink *k, conv_set *s, mz_err *err)
{
	struct coll *c = (struct coll *)k;

	(void)s;
	(void)err;
	check(c->begun && !c->ended);
	c->ended = 1;
	return 0;
}

/* streamed: read again through a sink; compare with s (the whole read,
 * or NULL when it was refused). */
static void
streamed(const conv_opts *o, const conv_set *s)
{
	struct coll c;
	conv_opts so = *o;
	conv_set *u = NULL;
	mz_err err;
	int rc;

	memset(&c, 0, sizeof c);
	c.k.begin = coll_begin;
	c.k.rows = coll_rows;
	c.k.end = coll_end;
	so.sink = &c.k;
	memset(&err, 0, sizeof err);
	rc = READ(path, &so, &u, &err);
	if (s == NULL)
		check(rc < 0);
	else if (rc == 0 && u != NULL) {
		same_set(s, u);
		check(!c.begun);
	} else {
		const conv_seq *q = &s->seq[0];
		size_t n = q->nframes * s->nbp;

		check(rc == 0 && c.ended && s->nseq == 1 && q->nind == 1);
		check(c.n == q->nframes && c.nbp == s->nbp &&
		    c.dims == s->dims);
		check(c.n == 0 || memcmp(c.frame, q->frame,
		    c.n * sizeof *c.frame) == 0);
		check(n == 0 || (same_f64(c.x, q->ind[0].x, n) &&
		    same_f64(c.y, q->ind[0].y, n) &&
		    same_f64(c.p, q->ind[0].p, n)));
		check(n == 0 || s->dims != 3 || same_f64(c.z, q->ind[0].z, n));
	}
	conv_set_free(u);
	free(c.frame);
	free(c.x);
	free(c.y);
	free(c.z);
	free(c.p);
}
#endif

/* LLVMFuzzerTestOneInput: read data[0..size) with the target's reader
 * and check the invariants above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	conv_opts o;
	conv_set *s = NULL, *t = NULL;
	mz_err err;
	int rc;

	put(data, size);
	memset(&o, 0, sizeof o);
	if (size > 0 && FUZZ_READER == 1) {
		o.prefix_sep = (data[size - 1] & 1) ? "_" : NULL;
		o.zero_missing = (data[size - 1] & 2) != 0;
	}
	memset(&err, 0, sizeof err);
	rc = READ(path, &o, &s, &err);
	if (rc < 0) {
		check(s == NULL);
		check(err.code != 0);
		check(strncmp(err.msg, path, strlen(path)) == 0);
		check(strlen(err.msg) > strlen(path) + 2);
#if FUZZ_READER == 1
		streamed(&o, NULL);
#endif
		return 0;
	}
	check(rc == 0 && s != NULL);
	check_set(s);
	check(READ(path, &o, &t, &err) == 0);
	same_set(s, t);
#if FUZZ_READER == 1
	streamed(&o, s);
#endif
	conv_set_free(s);
	conv_set_free(t);
	return 0;
}
