/*
 * mz-pca - principal component analysis of the columns of mzs streams
 * (see mz-pca(1)): fit a model in one pass, or per shard and merge the
 * shards; project streams onto a model; describe a model.
 *
 * A fit never holds the data.  Valid rows are gathered, in input order,
 * into blocks of BLOCK_ROWS rows (column-major float64); each block is
 * centred on its own mean and its co-moment (scatter) matrix computed
 * with dsyrk; the blocks are then combined with the exact pairwise update
 * of Chan, Golub and LeVeque, in a binary tree over the block sequence.
 * Blocks are cut by the count of valid rows and combined in sequence
 * order, whichever thread computed them, so the model depends on the
 * values alone, never on --threads.  OpenBLAS is kept to one thread per
 * call: the parallelism is ours, and deterministic.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cblas.h>
#include <lapacke.h>

#include "common.h"

#define SYNOPSIS \
	"mz-pca fit [-q] [-c columns] [--conf-threshold t] " \
	"[--max-frames n] [--seed n] [--threads n] -o dir [file ...]\n" \
	"mz-pca partial [-q] [-c columns] [--conf-threshold t] " \
	"[--threads n] [-o file] [file ...]\n" \
	"mz-pca merge [-q] -o dir shard ...\n" \
	"mz-pca apply [-fqw] [--codec codec] [-k columns] " \
	"[-n components | -v fraction] [-m max] [-o file] model [file ...]\n" \
	"mz-pca info [-jq] [-v fraction] [-m max] model"

enum { OPT_CODEC = OPT_FIRST_TOOL_OPT, OPT_CONF, OPT_MAXFRAMES, OPT_SEED,
	OPT_THREADS };

#define BLOCK_ROWS 4096        /* valid rows per block of a fit */
#define MAX_COLUMNS 16384      /* d x d doubles must fit in memory */
#define MAX_JSON ((size_t)1 << 30) /* longest model.json or shard read */
#define MODEL_KIND "mz-pca model"
#define SHARD_KIND "mz-pca partial"
#define FORMAT 1

static const char *const model_files[] = { "model.json", "components.f64",
	"mean.f64", "_SUCCESS", NULL };

/* ------------------------------------------------------------ helpers */

/* jexact: make every number in the tree at item print exactly (see
 * jnum), as cJSON's printing may round the last digit. */
static void
jexact(cJSON *item)
{
	char buf[32];
	cJSON *c;

	if (cJSON_IsNumber(item)) {
		mz_fmt_f64(item->valuedouble, buf);
		item->type = cJSON_Raw;
		item->valuestring = xstrdup(buf);
	}
	cJSON_ArrayForEach(c, item)
		jexact(c);
}

/* jstrs: a JSON array of the n strings s[]. */
static cJSON *
jstrs(char *const *s, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	if (a == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		jadd(a, NULL, cJSON_CreateString(s[i]));
	return a;
}

/* jvals: fill out[n] from the JSON array a, which must hold exactly n
 * finite numbers; dies naming where and key otherwise. */
static void
jvals(const cJSON *a, double *out, size_t n, const char *key,
    const char *where)
{
	const cJSON *v;
	size_t i = 0;

	if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
		die("%s: '%s' is not an array of %zu numbers", where, key, n);
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
			die("%s: '%s': item %zu is not a finite number", where,
			    key, i);
		out[i++] = v->valuedouble;
	}
}

/* jarray_nums: fill out[n] from member key of o (see jvals). */
static void
jarray_nums(const cJSON *o, const char *key, double *out, size_t n,
    const char *where)
{
	jvals(jget(o, key, cJSON_IsArray, "an array", where), out, n, key,
	    where);
}

/* jarray_strs: the strings of member key of o (an array of non-empty
 * strings; *n set to their count), malloc'd; dies otherwise. */
static char **
jarray_strs(const cJSON *o, const char *key, size_t *n, const char *where)
{
	const cJSON *a = jget(o, key, cJSON_IsArray, "an array", where), *v;
	char **s = xmalloc(((size_t)cJSON_GetArraySize(a) + 1) * sizeof(*s));

	*n = 0;
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
			die("%s: '%s': item %zu is not a column name", where,
			    key, *n);
		s[(*n)++] = xstrdup(v->valuestring);
	}
	return s;
}

/* parse_json: the JSON document in the file path, which must be an object
 * whose "kind" is kind and "format" FORMAT; *text (when not NULL) gets the
 * file's bytes and *len their count.  Dies naming path otherwise. */
static cJSON *
parse_json(const char *path, const char *kind, char **text, size_t *len)
{
	size_t n;
	char *buf = read_all(path, MAX_JSON, &n);
	cJSON *doc = cJSON_ParseWithLength(buf, n);
	const cJSON *k;
	uint64_t format;

	if (doc == NULL || !cJSON_IsObject(doc))
		die("%s: not a JSON object", path);
	k = cJSON_GetObjectItemCaseSensitive(doc, "kind");
	if (!cJSON_IsString(k) || strcmp(k->valuestring, kind) != 0)
		die("%s: not an %s file", path, kind);
	if ((format = jcount(doc, "format", JCOUNT_MAX, path)) != FORMAT)
		die("%s: unknown format %llu (this mz-pca reads %d)", path,
		    (unsigned long long)format, FORMAT);
	if (text) {
		*text = buf;
		*len = n;
	} else
		free(buf);
	return doc;
}

/* -------------------------------------------------------- statistics */

/* The sufficient statistics of n rows of d columns. */
struct stats {
	size_t d;
	uint64_t n;
	double *mean;    /* d */
	double *m2;      /* d x d co-moment sum (x-mean)(x-mean)^T, column-
	                    major; only the upper triangle is kept */
};

static void
stats_init(struct stats *s, size_t d)
{
	s->d = d;
	s->n = 0;
	s->mean = xcalloc(d, sizeof(double));
	s->m2 = xcalloc(d * d, sizeof(double));
}

static void
stats_free(struct stats *s)
{
	free(s->mean);
	free(s->m2);
}

/* stats_copy: dst <- src (both of the same d). */
static void
stats_copy(struct stats *dst, const struct stats *src)
{
	dst->n = src->n;
	memcpy(dst->mean, src->mean, src->d * sizeof(double));
	memcpy(dst->m2, src->m2, src->d * src->d * sizeof(double));
}

/*
 * stats_block: set s to the statistics of the n >= 1 rows of the
 * column-major block X (leading dimension ld, s->d columns), centring X
 * in place.  Each mean is summed relative to the column's first value,
 * so that a constant column has exactly that value as its mean and an
 * exactly zero co-moment.
 */
static void
stats_block(struct stats *s, double *X, size_t ld, size_t n)
{
	for (size_t j = 0; j < s->d; j++) {
		double *x = X + j * ld, x0 = x[0], a[4] = { 0, 0, 0, 0 }, m;
		size_t i = 0;
		for (; i + 4 <= n; i += 4)
			for (int k = 0; k < 4; k++)
				a[k] += x[i + k] - x0;
		for (; i < n; i++)
			a[0] += x[i] - x0;
		m = x0 + ((a[0] + a[1]) + (a[2] + a[3])) / (double)n;
		s->mean[j] = m;
		for (i = 0; i < n; i++)
			x[i] -= m;
	}
	s->n = n;
	cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)s->d, (int)n,
	    1.0, X, (int)ld, 0.0, s->m2, (int)s->d);
}

/*
 * stats_merge: a <- the statistics of a's rows and b's together (Chan,
 * Golub and LeVeque): with delta = mean_b - mean_a and n = na + nb,
 * mean = mean_a + delta nb/n and M2 = M2a + M2b + (na nb/n) delta delta^T.
 */
static void
stats_merge(struct stats *a, const struct stats *b)
{
	size_t d = a->d;
	double na, nb, n, f;

	if (b->n == 0)
		return;
	if (a->n == 0) {
		stats_copy(a, b);
		return;
	}
	na = (double)a->n;
	nb = (double)b->n;
	n = na + nb;
	f = na * nb / n;
	for (size_t j = 0; j < d; j++) {
		double dj = b->mean[j] - a->mean[j];
		for (size_t i = 0; i <= j; i++)
			a->m2[j * d + i] += b->m2[j * d + i] +
			    f * (b->mean[i] - a->mean[i]) * dj;
	}
	for (size_t j = 0; j < d; j++)
		a->mean[j] += (b->mean[j] - a->mean[j]) * (nb / n);
	a->n += b->n;
}

/*
 * A binary-counter tree over a sequence of statistics: node k of the
 * stack holds 2^level[k] consecutive blocks, and two nodes of one level
 * are merged as soon as both exist, so rounding grows with the log of
 * the number of blocks.
 */
struct tree {
	size_t d, depth, cap;
	struct stats *node;
	unsigned *level;
};

/* tree_add: append s, the next statistics of the sequence. */
static void
tree_add(struct tree *t, const struct stats *s)
{
	if (t->depth == t->cap) {
		t->node = xrealloc(t->node, (t->cap + 8) * sizeof(*t->node));
		t->level = xrealloc(t->level, (t->cap + 8) * sizeof(*t->level));
		for (size_t k = t->cap; k < t->cap + 8; k++)
			stats_init(&t->node[k], t->d);
		t->cap += 8;
	}
	stats_copy(&t->node[t->depth], s);
	t->level[t->depth++] = 0;
	while (t->depth >= 2 &&
	    t->level[t->depth - 1] == t->level[t->depth - 2]) {
		stats_merge(&t->node[t->depth - 2], &t->node[t->depth - 1]);
		t->level[t->depth - 2]++;
		t->depth--;
	}
}

/* tree_result: out <- the statistics of the whole sequence (the smaller,
 * later nodes are merged first); frees t. */
static void
tree_result(struct tree *t, struct stats *out)
{
	for (size_t k = t->depth; k > 1; k--)
		stats_merge(&t->node[k - 2], &t->node[k - 1]);
	if (t->depth > 0)
		stats_copy(out, &t->node[0]);
	for (size_t k = 0; k < t->cap; k++)
		stats_free(&t->node[k]);
	free(t->node);
	free(t->level);
}

/* -------------------------------------------------------------- pool */

/*
 * Blocks go round a ring of slots: block s uses slot s mod nslots.  The
 * main thread fills a slot and submits it; a worker computes its
 * statistics; the main thread, before it reuses the slot (and at the end),
 * adds them to the tree, in block order.  Without workers (one thread),
 * a block's statistics are computed when it is submitted.
 */
struct slot {
	double *x;          /* BLOCK_ROWS x d, column-major */
	size_t n;
	struct stats st;
	int done;
};

struct pool {
	size_t d, nslots, nworkers;
	struct slot *slot;
	uint64_t submitted, taken, combined;
	double *cur;        /* the block being filled */
	size_t fill;        /* its rows so far */
	struct tree tree;
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int quit;
};

/* pool_worker: compute the statistics of submitted blocks until told to
 * quit. */
static void *
pool_worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct slot *sl;
		while (!p->quit && p->taken == p->submitted)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->taken == p->submitted)
			break;
		sl = &p->slot[p->taken++ % p->nslots];
		pthread_mutex_unlock(&p->mu);
		stats_block(&sl->st, sl->x, BLOCK_ROWS, sl->n);
		pthread_mutex_lock(&p->mu);
		sl->done = 1;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* pool_combine: wait for the oldest block not yet combined and add it to
 * the tree. */
static void
pool_combine(struct pool *p)
{
	struct slot *sl = &p->slot[p->combined % p->nslots];

	pthread_mutex_lock(&p->mu);
	while (!sl->done)
		pthread_cond_wait(&p->done, &p->mu);
	sl->done = 0;
	pthread_mutex_unlock(&p->mu);
	tree_add(&p->tree, &sl->st);
	p->combined++;
}

/* pool_next: make p->cur the buffer of the next block, combining the
 * block that used its slot before. */
static void
pool_next(struct pool *p)
{
	while (p->submitted >= p->nslots + p->combined)
		pool_combine(p);
	p->cur = p->slot[p->submitted % p->nslots].x;
	p->fill = 0;
}

/* The pool whose threads are running, for pool_atexit. */
static struct pool *live_pool;

/* pool_stop: tell p's threads to quit (after the blocks already handed
 * over) and join them. */
static void
pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (size_t k = 0; k < p->nworkers; k++)
		pthread_join(p->tid[k], NULL);
	p->nworkers = 0;
}

/* pool_atexit: an exit (die) while the threads run BLAS would race
 * OpenBLAS's own exit-time teardown (a crash seen under load): stop them
 * first.  atexit handlers run before the libraries' destructors. */
static void
pool_atexit(void)
{
	if (live_pool != NULL)
		pool_stop(live_pool);
}

/* pool_init: a pool for blocks of d columns with threads threads. */
static void
pool_init(struct pool *p, size_t d, int threads)
{
	static int registered;

	if (!registered && atexit(pool_atexit) == 0)
		registered = 1;
	memset(p, 0, sizeof(*p));
	p->d = d;
	p->nworkers = threads > 1 ? (size_t)threads : 0;
	p->nslots = p->nworkers ? 2 * p->nworkers : 1;
	p->slot = xcalloc(p->nslots, sizeof(*p->slot));
	for (size_t k = 0; k < p->nslots; k++) {
		p->slot[k].x = xmalloc((size_t)BLOCK_ROWS * d * sizeof(double));
		stats_init(&p->slot[k].st, d);
	}
	p->tree.d = d;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->tid = xcalloc(p->nworkers ? p->nworkers : 1, sizeof(*p->tid));
	for (size_t k = 0; k < p->nworkers; k++)
		if ((errno = pthread_create(&p->tid[k], NULL, pool_worker, p))) {
			p->nworkers = k;
			live_pool = p;
			die("cannot start a thread:");
		}
	live_pool = p;
	pool_next(p);
}

/* pool_submit: hand over the current block (p->fill rows). */
static void
pool_submit(struct pool *p)
{
	struct slot *sl = &p->slot[p->submitted % p->nslots];

	sl->n = p->fill;
	pthread_mutex_lock(&p->mu);
	if (p->nworkers == 0) {
		stats_block(&sl->st, sl->x, BLOCK_ROWS, sl->n);
		sl->done = 1;
	}
	p->submitted++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* pool_added: k more rows were written at p->cur + p->fill. */
static void
pool_added(struct pool *p, size_t k)
{
	p->fill += k;
	if (p->fill == BLOCK_ROWS) {
		pool_submit(p);
		pool_next(p);
	}
}

/* pool_finish: out <- the statistics of every row added; frees p. */
static void
pool_finish(struct pool *p, struct stats *out)
{
	if (p->fill > 0)
		pool_submit(p);
	while (p->combined < p->submitted)
		pool_combine(p);
	live_pool = NULL;
	pool_stop(p);
	tree_result(&p->tree, out);
	for (size_t k = 0; k < p->nslots; k++) {
		free(p->slot[k].x);
		stats_free(&p->slot[k].st);
	}
	free(p->slot);
	free(p->tid);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
}

/* ------------------------------------------------------------- rows */

/* Columns of a part, found by name: their indices and types. */
struct colset {
	size_t n;
	size_t *idx;
	mz_type *type;
};

/*
 * colset_find: resolve names[0..n) in h into cs (allocated once, reused
 * for later parts); dies naming where and every name h lacks.
 */
static void
colset_find(struct colset *cs, const mz_header *h, char *const *names,
    size_t n, const char *where, const char *why)
{
	char *missing = NULL;
	size_t len = 0;

	if (cs->idx == NULL) {
		cs->idx = xcalloc(n ? n : 1, sizeof(*cs->idx));
		cs->type = xcalloc(n ? n : 1, sizeof(*cs->type));
	}
	cs->n = n;
	for (size_t j = 0; j < n; j++) {
		int k = mz_header_find(h, names[j]);
		if (k >= 0) {
			cs->idx[j] = (size_t)k;
			cs->type[j] = h->cols[k].type;
			continue;
		}
		missing = xrealloc(missing, len + strlen(names[j]) + 5);
		len += (size_t)sprintf(missing + len, "%s'%s'", len ? ", " : "",
		    names[j]);
	}
	if (missing)
		die("%s: no column %s (%s)", where, missing, why);
}

/* colset_want: mark cs's columns in want. */
static void
colset_want(const struct colset *cs, unsigned char *want)
{
	for (size_t j = 0; j < cs->n; j++)
		want[cs->idx[j]] = 1;
}

/*
 * load_rows: copy rows off..off+m-1 of block b's columns cs into the
 * column-major array X (leading dimension ld) as float64, and set
 * valid[i] to 1 if every value of row i is finite, else 0.  fin[j], when
 * fin is not NULL, counts column j's finite values.
 */
static void
load_rows(double *X, size_t ld, const mz_block *b, const struct colset *cs,
    size_t off, size_t m, unsigned char *valid, uint64_t *fin)
{
	memset(valid, 1, m);
	for (size_t j = 0; j < cs->n; j++) {
		double *x = X + j * ld;
		const void *c = b->cols[cs->idx[j]];
		size_t nf = 0;
		if (cs->type[j] == MZ_F64)
			memcpy(x, (const double *)c + off, m * sizeof(double));
		else
			for (size_t i = 0; i < m; i++)
				x[i] = mz_get_f64(c, cs->type[j], off + i);
		for (size_t i = 0; i < m; i++) {
			int ok = isfinite(x[i]) != 0;
			valid[i] &= ok;
			nf += (size_t)ok;
		}
		if (fin)
			fin[j] += nf;
	}
}

/* mask_conf: clear valid[i] for rows off+i of b where a confidence
 * column of cs is not above thr (NaN included). */
static void
mask_conf(const mz_block *b, const struct colset *cs, size_t off, size_t m,
    double thr, unsigned char *valid)
{
	for (size_t j = 0; j < cs->n; j++) {
		const void *c = b->cols[cs->idx[j]];
		for (size_t i = 0; i < m; i++)
			if (!(mz_get_f64(c, cs->type[j], off + i) > thr))
				valid[i] = 0;
	}
}

/* compact_rows: move the valid rows of the m-row, d-column array X (leading
 * dimension ld) up, in order; returns their count. */
static size_t
compact_rows(double *X, size_t ld, size_t d, size_t m,
    const unsigned char *valid)
{
	size_t k = 0;

	for (size_t i = 0; i < m; i++)
		k += valid[i];
	if (k == m)
		return m;
	for (size_t j = 0; j < d; j++) {
		double *x = X + j * ld;
		size_t w = 0;
		for (size_t i = 0; i < m; i++)
			if (valid[i])
				x[w++] = x[i];
	}
	return k;
}

/* -------------------------------------------------------- reservoir */

/*
 * A uniform random sample, without replacement, of at most cap of the
 * valid rows: each row offered draws a 64-bit key from one random stream
 * (seed, 0), and the cap rows with the smallest keys are kept (a max-heap
 * of keys says which to evict).  The draws follow the input order, so the
 * sample depends on the seed and the data, not on threads.
 */
struct reservoir {
	size_t d, cap, n, alloc;
	double *rows;        /* alloc rows of d values, row-major */
	uint64_t *key, *index;
	size_t *heap;        /* slots, a max-heap on key */
	uint64_t seen;       /* rows offered so far */
	mz_rng rng;
};

/* res_sift: restore the heap below position k. */
static void
res_sift(struct reservoir *r, size_t k)
{
	for (;;) {
		size_t l = 2 * k + 1, big = k;
		if (l < r->n && r->key[r->heap[l]] > r->key[r->heap[big]])
			big = l;
		if (l + 1 < r->n && r->key[r->heap[l + 1]] >
		    r->key[r->heap[big]])
			big = l + 1;
		if (big == k)
			return;
		size_t t = r->heap[k];
		r->heap[k] = r->heap[big];
		r->heap[big] = t;
		k = big;
	}
}

/* res_offer: offer the m rows of the column-major X (leading dim. ld). */
static void
res_offer(struct reservoir *r, const double *X, size_t ld, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		uint64_t key = mz_rng_next(&r->rng);
		size_t slot;
		if (r->n < r->cap) {
			if (r->n == r->alloc) {
				r->alloc = r->alloc ? 2 * r->alloc : 1024;
				if (r->alloc > r->cap)
					r->alloc = r->cap;
				r->rows = xrealloc(r->rows, r->alloc * r->d *
				    sizeof(double));
				r->key = xrealloc(r->key, r->alloc *
				    sizeof(*r->key));
				r->index = xrealloc(r->index, r->alloc *
				    sizeof(*r->index));
				r->heap = xrealloc(r->heap, r->alloc *
				    sizeof(*r->heap));
			}
			slot = r->n;
			r->key[slot] = key;
			/* Sift the new slot up from the end. */
			size_t k = r->n++;
			while (k > 0 && r->key[r->heap[(k - 1) / 2]] < key) {
				r->heap[k] = r->heap[(k - 1) / 2];
				k = (k - 1) / 2;
			}
			r->heap[k] = slot;
		} else if (key < r->key[r->heap[0]]) {
			slot = r->heap[0];
			r->key[slot] = key;
			res_sift(r, 0);
		} else {
			r->seen++;
			continue;
		}
		r->index[slot] = r->seen++;
		for (size_t j = 0; j < r->d; j++)
			r->rows[slot * r->d + j] = X[j * ld + i];
	}
}

/* A kept row's input position and its slot, for sorting. */
struct rowref {
	uint64_t index;
	size_t slot;
};

static int
cmp_rowref(const void *a, const void *b)
{
	const struct rowref *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* res_drain: add the kept rows to the pool in input order; frees r. */
static void
res_drain(struct reservoir *r, struct pool *p)
{
	struct rowref *ord = xmalloc((r->n ? r->n : 1) * sizeof(*ord));

	for (size_t s = 0; s < r->n; s++)
		ord[s] = (struct rowref){ r->index[s], s };
	qsort(ord, r->n, sizeof(*ord), cmp_rowref);
	for (size_t s = 0; s < r->n; s++) {
		const double *row = r->rows + ord[s].slot * r->d;
		for (size_t j = 0; j < r->d; j++)
			p->cur[j * BLOCK_ROWS + p->fill] = row[j];
		pool_added(p, 1);
	}
	free(ord);
	free(r->rows);
	free(r->key);
	free(r->index);
	free(r->heap);
}

/* --------------------------------------------------------------- scan */

/* A fit's settings and what reading its input found. */
struct scan {
	/* settings */
	const struct patlist *pats;  /* -c, NULL for the default columns */
	int use_conf;                /* --conf-threshold given */
	double thr;
	uint64_t max_frames;         /* --max-frames, 0: every row */
	uint64_t seed;
	int threads;
	const char *label;           /* progress label */
	/* found */
	size_t d, nc;
	char **names, **cnames;      /* the columns, their confidences */
	uint64_t rows, parts;
	uint64_t *finite;            /* per column: finite values read */
	cJSON *hashes;               /* distinct input processing hashes */
	struct stats st;
};

static void
scan_free(struct scan *s)
{
	for (size_t j = 0; j < s->d; j++)
		free(s->names[j]);
	for (size_t j = 0; j < s->nc; j++)
		free(s->cnames[j]);
	free(s->names);
	free(s->cnames);
	free(s->finite);
	cJSON_Delete(s->hashes);
	stats_free(&s->st);
}

/* default_column: nonzero for a column chosen without -c: a float column
 * other than frame, time and id and whose name does not end in ".p". */
static int
default_column(const mz_column *c)
{
	size_t n = strlen(c->name);

	return mz_type_isfloat(c->type) && strcmp(c->name, "frame") != 0 &&
	    strcmp(c->name, "time") != 0 && strcmp(c->name, "id") != 0 &&
	    !(n >= 2 && strcmp(c->name + n - 2, ".p") == 0);
}

/*
 * choose_columns: set s->names from the first part's header h: the
 * columns matching -c (or the default ones), in h's order; and, with
 * --conf-threshold, s->cnames: for each chosen "B.s", the column "B.p"
 * when h has it (once each).
 */
static void
choose_columns(struct scan *s, const mz_header *h, const char *where)
{
	s->names = xcalloc(h->ncols + 1, sizeof(char *));
	s->cnames = xcalloc(h->ncols + 1, sizeof(char *));
	if (s->pats)
		patlist_check(s->pats, h, where);
	for (size_t j = 0; j < h->ncols; j++)
		if (s->pats ? patlist_match(s->pats, h->cols[j].name) :
		    default_column(&h->cols[j]))
			s->names[s->d++] = xstrdup(h->cols[j].name);
	if (s->d == 0)
		die("%s: no column to analyse (the default is every float "
		    "column but frame, time, id and *.p; see -c)", where);
	if (s->d > MAX_COLUMNS)
		die("%s: %zu columns chosen, more than %d", where, s->d,
		    MAX_COLUMNS);
	for (size_t j = 0; s->use_conf && j < s->d; j++) {
		const char *dot = strrchr(s->names[j], '.');
		char *p;
		size_t k;
		if (dot == NULL)
			continue;
		p = xmalloc((size_t)(dot - s->names[j]) + 3);
		memcpy(p, s->names[j], (size_t)(dot - s->names[j]));
		strcpy(p + (dot - s->names[j]), ".p");
		for (k = 0; k < s->nc && strcmp(s->cnames[k], p) != 0; k++)
			;
		if (k == s->nc && mz_header_find(h, p) >= 0)
			s->cnames[s->nc++] = p;
		else
			free(p);
	}
	if (s->use_conf && s->nc == 0)
		die("%s: --conf-threshold: no confidence column (NAME.p) for "
		    "the chosen columns", where);
	s->finite = xcalloc(s->d, sizeof(uint64_t));
}

/* add_hash: record the processing hash of an input part once. */
static void
add_hash(cJSON *hashes, const char *hash)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, hashes)
		if (strcmp(v->valuestring, hash) == 0)
			return;
	jadd(hashes, NULL, cJSON_CreateString(hash));
}

/*
 * scan_inputs: read every part of the files (nfiles of them; "-" is
 * standard input) and set s's columns, counts and statistics over the
 * valid rows (or over a sample of --max-frames of them).
 */
static void
scan_inputs(struct scan *s, char **files, int nfiles)
{
	struct colset cs = { 0 }, cc = { 0 };
	struct reservoir res = { 0 };
	struct pool pool;
	unsigned char *valid = xmalloc(BLOCK_ROWS), *want = NULL;
	double *stage = NULL;
	progress *pr = progress_start(s->label, 0);
	char where[4200];
	mz_err e;

	s->hashes = cJSON_CreateArray();
	if (s->hashes == NULL)
		die("out of memory");
	for (int f = 0; f < nfiles; f++) {
		mz_reader *r = mz_reader_open(files[f], &e);
		int rc;
		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0) {
			const mz_header *h = mz_reader_header(r);
			mz_block b;
			snprintf(where, sizeof(where), "%s: part %zu",
			    mz_reader_name(r), mz_reader_part_index(r));
			if (s->parts == 0) {
				choose_columns(s, h, where);
				pool_init(&pool, s->d, s->threads);
				if (s->max_frames) {
					res.d = s->d;
					res.cap = s->max_frames;
					mz_rng_seed(&res.rng, s->seed, 0);
					stage = xmalloc((size_t)BLOCK_ROWS *
					    s->d * sizeof(double));
				}
			}
			colset_find(&cs, h, s->names, s->d, where,
			    "chosen in the first part");
			if (s->use_conf)
				colset_find(&cc, h, s->cnames, s->nc, where,
				    "the confidence of a chosen column");
			want = xrealloc(want, h->ncols ? h->ncols : 1);
			memset(want, 0, h->ncols);
			colset_want(&cs, want);
			if (s->use_conf)
				colset_want(&cc, want);
			mz_reader_want(r, want);
			add_hash(s->hashes, h->processing);
			while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
				for (size_t off = 0, m; off < b.nrows;
				    off += m) {
					double *X = stage ? stage :
					    pool.cur + pool.fill;
					m = BLOCK_ROWS - (stage ? 0 : pool.fill);
					if (m > b.nrows - off)
						m = b.nrows - off;
					load_rows(X, BLOCK_ROWS, &b, &cs, off, m,
					    valid, s->finite);
					if (s->use_conf)
						mask_conf(&b, &cc, off, m,
						    s->thr, valid);
					size_t k = compact_rows(X, BLOCK_ROWS,
					    s->d, m, valid);
					if (stage)
						res_offer(&res, X, BLOCK_ROWS, k);
					else
						pool_added(&pool, k);
				}
				s->rows += b.nrows;
				progress_update(pr, s->rows);
			}
			if (rc < 0)
				die_err(&e);
			s->parts++;
		}
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	progress_end(pr);
	if (s->parts == 0 && nfiles == 1)
		die("%s: no parts", strcmp(files[0], "-") == 0 ? "<stdin>" :
		    files[0]);
	if (s->parts == 0)
		die("no parts in the %d inputs", nfiles);
	stats_init(&s->st, s->d);
	if (stage)
		res_drain(&res, &pool);
	pool_finish(&pool, &s->st);
	free(stage);
	free(valid);
	free(want);
	free(cs.idx);
	free(cs.type);
	free(cc.idx);
	free(cc.type);
}

/* scan_options: the fit options that shape the statistics, as recorded
 * in shards and models (and compared by merge). */
static cJSON *
scan_options(const struct scan *s)
{
	cJSON *o = opts_new();

	if (s->pats)
		opts_str(o, "columns", s->pats->text);
	else
		jadd(o, "columns", cJSON_CreateNull());
	jadd(o, "conf_threshold", s->use_conf ? jnum(s->thr) :
	    cJSON_CreateNull());
	return o;
}

/*
 * check_fit: die unless s's statistics can make a model (at least 2
 * valid rows), naming the cause: a column with no finite value, or rows
 * all masked; warn when there are fewer rows than columns.
 */
static void
check_fit(const struct scan *s)
{
	if (s->rows == 0)
		die("no rows in the %llu parts read",
		    (unsigned long long)s->parts);
	if (s->st.n == 0) {
		for (size_t j = 0; j < s->d; j++)
			if (s->finite[j] == 0)
				die("column '%s' has no finite value in the "
				    "%llu rows read", s->names[j],
				    (unsigned long long)s->rows);
		if (s->use_conf)
			die("no valid row: each of the %llu rows read has a "
			    "missing value or a confidence at or below %g",
			    (unsigned long long)s->rows, s->thr);
		die("no valid row: each of the %llu rows read has a missing "
		    "value", (unsigned long long)s->rows);
	}
	if (s->st.n < 2)
		die("only 1 valid row: a fit needs at least 2");
	if (s->st.n <= s->d && !quiet)
		warnx_("warning: %llu valid rows for %zu columns: the "
		    "eigenvalues past the first %llu are 0 up to rounding",
		    (unsigned long long)s->st.n, s->d,
		    (unsigned long long)s->st.n - 1);
}

/* ------------------------------------------------------------- model */

/*
 * eigen: the principal axes of the statistics st: eig[k] (decreasing;
 * negative rounding clamped to 0) are the eigenvalues of the covariance
 * M2/(n-1), comp[k*d ..] the unit eigenvectors (row k, component k), each
 * signed so that its entry of largest magnitude (the first of equals) is
 * positive.
 */
static void
eigen(const struct stats *st, double *eig, double *comp)
{
	size_t d = st->d;
	double *cov = xmalloc(d * d * sizeof(double));
	double *z = xmalloc(d * d * sizeof(double)), *w = xmalloc(d *
	    sizeof(double));
	lapack_int *isuppz = xmalloc(2 * d * sizeof(lapack_int));
	lapack_int m, info;

	for (size_t j = 0; j < d; j++)
		for (size_t i = 0; i <= j; i++) {
			cov[j * d + i] = st->m2[j * d + i] / (double)(st->n - 1);
			if (!isfinite(cov[j * d + i]))
				die("the covariance of columns %zu and %zu is "
				    "not finite (values too large)", i, j);
		}
	info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'A', 'U', (lapack_int)d,
	    cov, (lapack_int)d, 0, 0, 0, 0, LAPACKE_dlamch('S'), &m, w, z,
	    (lapack_int)d, isuppz);
	if (info != 0 || (size_t)m != d)
		die("the eigendecomposition failed (LAPACK dsyevr: %d)",
		    (int)info);
	for (size_t k = 0; k < d; k++) {
		const double *v = z + (d - 1 - k) * d;
		size_t big = 0;
		double sign;
		for (size_t j = 1; j < d; j++)
			if (fabs(v[j]) > fabs(v[big]))
				big = j;
		sign = v[big] < 0 ? -1.0 : 1.0;
		for (size_t j = 0; j < d; j++)
			comp[k * d + j] = sign * v[j];
		eig[k] = w[d - 1 - k] > 0 ? w[d - 1 - k] : 0.0;
	}
	free(cov);
	free(z);
	free(w);
	free(isuppz);
}

/* xxh64 of n doubles as 16 hex digits. */
static void
hash_doubles(const double *v, size_t n, char out[17])
{
	mz_hash64_hex(v, n * sizeof(double), out);
}

/* array_info: {"shape": [rows(, cols)], "xxh64": hash of v} for a model
 * file of rows x cols doubles (cols 0: a vector). */
static cJSON *
array_info(const double *v, size_t rows, size_t cols)
{
	cJSON *o = opts_new(), *shape = cJSON_CreateArray();
	char hash[17];

	jadd(o, "shape", shape);
	jadd(shape, NULL, jint(rows));
	if (cols)
		jadd(shape, NULL, jint(cols));
	hash_doubles(v, rows * (cols ? cols : 1), hash);
	opts_str(o, "xxh64", hash);
	return o;
}

/*
 * model_write: finish a fit (s: columns, counts and statistics; opts: the
 * options to record, taken over; shards: shards merged, 0 for a fit) and
 * write the model directory dir: model.json, components.f64 (d x d
 * row-major little-endian float64, one component a row), mean.f64 (d),
 * then _SUCCESS, in a temporary directory renamed to dir.
 */
static void
model_write(const struct scan *s, cJSON *opts, unsigned shards,
    const char *dir)
{
	size_t d = s->d;
	double *eig = xmalloc(d * sizeof(double));
	double *comp = xmalloc(d * d * sizeof(double));
	double *ratio = xmalloc(d * sizeof(double));
	double *cum = xmalloc(d * sizeof(double));
	double total = 0, run = 0;
	cJSON *doc = opts_new(), *arrays = opts_new();
	char *text;

	model_dir_check(dir);
	eigen(&s->st, eig, comp);
	for (size_t k = 0; k < d; k++)
		total += eig[k];
	if (!(total > 0))
		die("the total variance is 0: every chosen column is constant");
	for (size_t k = 0; k < d; k++) {
		ratio[k] = eig[k] / total;
		run += ratio[k];
		cum[k] = run;
	}

	opts_str(doc, "kind", MODEL_KIND);
	opts_num(doc, "format", FORMAT);
	opts_str(doc, "tool", prog);
	opts_str(doc, "version", MZ_VERSION);
	jadd(doc, "columns", jstrs(s->names, d));
	jadd(doc, "confidence_columns", jstrs(s->cnames, s->nc));
	jadd(doc, "options", opts);
	if (shards)
		jadd(doc, "shards", jint(shards));
	jadd(doc, "n_frames", jint(s->st.n));
	jadd(doc, "n_rows", jint(s->rows));
	jadd(doc, "n_parts", jint(s->parts));
	jadd(doc, "input_processing", cJSON_Duplicate(s->hashes, 1));
	jadd(doc, "total_variance", jnum(total));
	jadd(doc, "mean", jnums(s->st.mean, d));
	jadd(doc, "eigenvalues", jnums(eig, d));
	jadd(doc, "explained_variance", jnums(eig, d));
	jadd(doc, "explained_variance_ratio", jnums(ratio, d));
	jadd(doc, "cumulative", jnums(cum, d));
	jadd(arrays, "components.f64", array_info(comp, d, d));
	jadd(arrays, "mean.f64", array_info(s->st.mean, d, 0));
	jadd(doc, "arrays", arrays);
	if ((text = cJSON_Print(doc)) == NULL)
		die("out of memory");
	text = xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");

	model_dir_begin(dir, model_files);
	model_dir_write("model.json", text, strlen(text));
	model_dir_write("components.f64", comp, d * d * sizeof(double));
	model_dir_write("mean.f64", s->st.mean, d * sizeof(double));
	model_dir_commit();
	free(text);
	cJSON_Delete(doc);
	free(eig);
	free(comp);
	free(ratio);
	free(cum);
}

/* ---------------------------------------------------- fit and shards */

/* The options fit and partial share. */
struct fitopts {
	struct scan s;
	struct patlist cols;
	char *out;                   /* -o */
	int maxgiven;
};

/* parse_fit: parse the options of fit (allow_sample) or partial into f;
 * returns the index of the first operand. */
static int
parse_fit(struct fitopts *f, int argc, char **argv, int allow_sample)
{
	static const struct option longopts[] = {
		{ "columns", required_argument, NULL, 'c' },
		{ "conf-threshold", required_argument, NULL, OPT_CONF },
		{ "max-frames", required_argument, NULL, OPT_MAXFRAMES },
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "threads", required_argument, NULL, OPT_THREADS },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c;
	mz_err e;

	memset(f, 0, sizeof(*f));
	f->s.threads = mz_ncpu();
	while ((c = getopt_long(argc, argv, "c:ho:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			patlist_parse(&f->cols, optarg, "column list");
			f->s.pats = &f->cols;
			break;
		case 'o':
			f->out = optarg;
			break;
		case OPT_CONF:
			f->s.thr = parse_double(optarg, "confidence threshold");
			f->s.use_conf = 1;
			break;
		case OPT_MAXFRAMES:
			if (!allow_sample)
				tool_usage(2);
			f->s.max_frames = parse_count(optarg, "frame count");
			if (f->s.max_frames < 2)
				usage_error("bad frame count '%s' (want at "
				    "least 2)", optarg);
			f->maxgiven = 1;
			break;
		case OPT_SEED:
			if (!allow_sample)
				tool_usage(2);
			if (mz_parse_seed(optarg, &f->s.seed, &e) < 0)
				usage_error("%s", e.msg);
			break;
		case OPT_THREADS:
			if ((f->s.threads = mz_parse_threads(optarg, &e)) < 0)
				usage_error("%s", e.msg);
			break;
		default:
			tool_stdopt(c);
		}
	}
	return optind;
}

/* cmd_fit: mz-pca fit. */
static int
cmd_fit(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct fitopts f;
	int first = parse_fit(&f, argc, argv, 1);
	cJSON *opts;

	if (f.out == NULL)
		usage_error("fit needs -o dir");
	trim_slashes(f.out);
	model_dir_check(f.out);
	f.s.label = "mz-pca fit";
	if (first == argc)
		scan_inputs(&f.s, stdin_only, 1);
	else
		scan_inputs(&f.s, argv + first, argc - first);
	check_fit(&f.s);
	opts = scan_options(&f.s);
	jadd(opts, "max_frames", f.maxgiven ? jint(f.s.max_frames) :
	    cJSON_CreateNull());
	jadd(opts, "seed", f.maxgiven ? jint(f.s.seed) : cJSON_CreateNull());
	model_write(&f.s, opts, 0, f.out);
	scan_free(&f.s);
	patlist_free(&f.cols);
	finish_stdout();
	return 0;
}

/* cmd_partial: mz-pca partial: write a shard's sufficient statistics. */
static int
cmd_partial(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct fitopts f;
	int first = parse_fit(&f, argc, argv, 0);
	size_t d;
	cJSON *doc = opts_new(), *m2, *fin;
	mz_atomic *a;
	char *text;
	mz_err e;

	f.s.label = "mz-pca partial";
	if (first == argc)
		scan_inputs(&f.s, stdin_only, 1);
	else
		scan_inputs(&f.s, argv + first, argc - first);
	d = f.s.d;
	opts_str(doc, "kind", SHARD_KIND);
	opts_num(doc, "format", FORMAT);
	opts_str(doc, "tool", prog);
	opts_str(doc, "version", MZ_VERSION);
	jadd(doc, "columns", jstrs(f.s.names, d));
	jadd(doc, "confidence_columns", jstrs(f.s.cnames, f.s.nc));
	jadd(doc, "options", scan_options(&f.s));
	jadd(doc, "n_frames", jint(f.s.st.n));
	jadd(doc, "n_rows", jint(f.s.rows));
	jadd(doc, "n_parts", jint(f.s.parts));
	jadd(doc, "input_processing", cJSON_Duplicate(f.s.hashes, 1));
	fin = cJSON_CreateArray();
	jadd(doc, "finite", fin);
	for (size_t j = 0; j < d; j++)
		jadd(fin, NULL, jint(f.s.finite[j]));
	jadd(doc, "mean", jnums(f.s.st.mean, d));
	m2 = cJSON_CreateArray();
	/* Row i of the symmetric M2, from the upper triangle. */
	for (size_t i = 0; i < d; i++) {
		cJSON *row = cJSON_CreateArray();
		if (row == NULL)
			die("out of memory");
		for (size_t j = 0; j < d; j++)
			jadd(row, NULL, jnum(i <= j ? f.s.st.m2[j * d + i] :
			    f.s.st.m2[i * d + j]));
		jadd(m2, NULL, row);
	}
	jadd(doc, "m2", m2);
	if ((text = cJSON_Print(doc)) == NULL)
		die("out of memory");
	if ((a = mz_atomic_open(f.out, &e)) == NULL)
		die_err(&e);
	fputs(text, mz_atomic_file(a));
	fputc('\n', mz_atomic_file(a));
	if (mz_atomic_commit(a, &e) < 0)
		die_err(&e);
	free(text);
	cJSON_Delete(doc);
	scan_free(&f.s);
	patlist_free(&f.cols);
	finish_stdout();
	return 0;
}

/*
 * read_shard: add the shard file path to s (columns, counts, hashes; on
 * the first shard, s->st is made empty) and set st, which it allocates, to
 * the shard's statistics; *opts gets the first shard's options.  Dies
 * unless the shard's columns and options equal those of the first.
 */
static void
read_shard(struct scan *s, struct stats *st, cJSON **opts, const char *path)
{
	cJSON *doc = parse_json(path, SHARD_KIND, NULL, NULL);
	const cJSON *m2, *row, *hash, *o;
	size_t d, nc, i = 0;
	char **names = jarray_strs(doc, "columns", &d, path);
	char **cnames = jarray_strs(doc, "confidence_columns", &nc, path);
	double *fin;

	o = jget(doc, "options", cJSON_IsObject, "an object", path);
	if (*opts == NULL)
		*opts = cJSON_Duplicate(o, 1);
	else if (!cJSON_Compare(*opts, o, 1))
		die("%s: its options differ from those of the first shard",
		    path);
	if (d == 0 || d > MAX_COLUMNS)
		die("%s: bad column count %zu", path, d);
	if (s->names == NULL) {
		s->d = d;
		s->names = names;
		s->nc = nc;
		s->cnames = cnames;
		s->finite = xcalloc(d, sizeof(uint64_t));
		stats_init(&s->st, d);
	} else {
		int same = d == s->d && nc == s->nc;
		for (size_t j = 0; same && j < d; j++)
			same = strcmp(names[j], s->names[j]) == 0;
		for (size_t j = 0; same && j < nc; j++)
			same = strcmp(cnames[j], s->cnames[j]) == 0;
		if (!same)
			die("%s: its columns differ from those of the first "
			    "shard", path);
		for (size_t j = 0; j < d; j++)
			free(names[j]);
		for (size_t j = 0; j < nc; j++)
			free(cnames[j]);
		free(names);
		free(cnames);
	}
	stats_init(st, d);
	st->n = jcount(doc, "n_frames", JCOUNT_MAX, path);
	s->rows += jcount(doc, "n_rows", JCOUNT_MAX, path);
	s->parts += jcount(doc, "n_parts", JCOUNT_MAX, path);
	jarray_nums(doc, "mean", st->mean, d, path);
	m2 = jget(doc, "m2", cJSON_IsArray, "an array", path);
	if ((size_t)cJSON_GetArraySize(m2) != d)
		die("%s: 'm2' has %d rows, not %zu", path,
		    cJSON_GetArraySize(m2), d);
	/* Row i of the symmetric M2 is its column i. */
	cJSON_ArrayForEach(row, m2)
		jvals(row, st->m2 + i++ * d, d, "m2", path);
	fin = xmalloc(d * sizeof(double));
	jarray_nums(doc, "finite", fin, d, path);
	for (size_t j = 0; j < d; j++)
		s->finite[j] += (uint64_t)fin[j];
	free(fin);
	cJSON_ArrayForEach(hash, jget(doc, "input_processing", cJSON_IsArray,
	    "an array", path)) {
		if (!cJSON_IsString(hash))
			die("%s: 'input_processing' holds a non-string", path);
		add_hash(s->hashes, hash->valuestring);
	}
	cJSON_Delete(doc);
}

/* cmd_merge: mz-pca merge: combine shards, in the order given, into a
 * model. */
static int
cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct scan s = { 0 };
	struct stats st;
	char *out = NULL;
	cJSON *opts = NULL;
	const cJSON *thr;
	int c;

	while ((c = getopt_long(argc, argv, "ho:q", longopts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else
			tool_stdopt(c);
	}
	if (out == NULL)
		usage_error("merge needs -o dir");
	trim_slashes(out);
	model_dir_check(out);
	if (optind == argc)
		usage_error("merge needs at least one shard");
	if ((s.hashes = cJSON_CreateArray()) == NULL)
		die("out of memory");
	for (int k = optind; k < argc; k++) {
		read_shard(&s, &st, &opts, argv[k]);
		stats_merge(&s.st, &st);
		stats_free(&st);
	}
	thr = cJSON_GetObjectItemCaseSensitive(opts, "conf_threshold");
	s.use_conf = cJSON_IsNumber(thr);
	s.thr = s.use_conf ? thr->valuedouble : 0;
	check_fit(&s);
	jadd(opts, "max_frames", cJSON_CreateNull());
	jadd(opts, "seed", cJSON_CreateNull());
	model_write(&s, opts, (unsigned)(argc - optind), out);
	scan_free(&s);
	finish_stdout();
	return 0;
}

/* ------------------------------------------------------ reading models */

/* A model, as read from its directory. */
struct model {
	const char *path;
	size_t d;
	char **names;
	double *mean, *comp, *eig, *ratio, *cum;
	char hash[17];       /* XXH64 of model.json */
	cJSON *doc;
};

/* load_array: read the model file name of n doubles into a new array,
 * checking its size and its hash against model.json's "arrays". */
static double *
load_array(const struct model *m, const char *name, size_t n)
{
	char *p = path_join(m->path, name), hash[17];
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(m->doc, "arrays"), name);
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(info, "xxh64");
	size_t len;
	char *buf = read_all(p, n * sizeof(double) + 1, &len);
	double *v = xmalloc(n * sizeof(double));

	if (len != n * sizeof(double))
		die("%s: %zu bytes, not %zu", p, len, n * sizeof(double));
	memcpy(v, buf, len);
	hash_doubles(v, n, hash);
	if (!cJSON_IsString(want) || strcmp(want->valuestring, hash) != 0)
		die("%s: its checksum differs from model.json's (damaged "
		    "model)", p);
	free(buf);
	free(p);
	return v;
}

/* model_load: read the model directory path into m; dies naming the
 * directory or file at fault (an incomplete model has no _SUCCESS). */
static void
model_load(struct model *m, const char *path)
{
	char *p, *text, where[4200];
	struct stat sb;
	size_t len, d;

	memset(m, 0, sizeof(*m));
	m->path = path;
	if (stat(path, &sb) != 0)
		die("%s:", path);
	if (!S_ISDIR(sb.st_mode))
		die("%s: not a model directory", path);
	p = path_join(path, "_SUCCESS");
	if (access(p, F_OK) != 0)
		die("%s: incomplete model (no _SUCCESS)", path);
	free(p);
	p = path_join(path, "model.json");
	m->doc = parse_json(p, MODEL_KIND, &text, &len);
	mz_hash64_hex(text, len, m->hash);
	free(text);
	snprintf(where, sizeof(where), "%s", p);
	m->names = jarray_strs(m->doc, "columns", &d, where);
	if (d == 0 || d > MAX_COLUMNS)
		die("%s: bad column count %zu", where, d);
	m->d = d;
	m->eig = xmalloc(d * sizeof(double));
	m->ratio = xmalloc(d * sizeof(double));
	m->cum = xmalloc(d * sizeof(double));
	jarray_nums(m->doc, "eigenvalues", m->eig, d, where);
	jarray_nums(m->doc, "explained_variance_ratio", m->ratio, d, where);
	jarray_nums(m->doc, "cumulative", m->cum, d, where);
	jcount(m->doc, "n_frames", JCOUNT_MAX, where);
	m->comp = load_array(m, "components.f64", d * d);
	m->mean = load_array(m, "mean.f64", d);
	free(p);
}

static void
model_free(struct model *m)
{
	for (size_t j = 0; j < m->d; j++)
		free(m->names[j]);
	free(m->names);
	free(m->mean);
	free(m->comp);
	free(m->eig);
	free(m->ratio);
	free(m->cum);
	cJSON_Delete(m->doc);
}

/*
 * components_for: the number of leading components whose cumulative
 * explained variance ratio reaches frac (all d if rounding keeps the
 * last below it), capped at max (0: no cap).
 */
static size_t
components_for(const struct model *m, double frac, uint64_t max)
{
	size_t k = 0;

	while (k + 1 < m->d && m->cum[k] < frac)
		k++;
	k++;
	return max && k > max ? (size_t)max : k;
}

/* parse_fraction: a variance fraction in (0, 1]. */
static double
parse_fraction(const char *s)
{
	double v = parse_double(s, "variance fraction");

	if (!(v > 0 && v <= 1))
		usage_error("bad variance fraction '%s' (want a number in "
		    "(0, 1])", s);
	return v;
}

/* ------------------------------------------------------------- apply */

/* An apply run: the model, the projection and the output. */
struct apply {
	struct model m;
	size_t k;                /* components kept */
	int whiten;
	struct patlist keep;     /* -k, or n == 0 */
	cJSON *opts;             /* history options */
	double *X, *S;           /* BLOCK_ROWS x d input, x k scores */
	unsigned char *valid;
	const void **out;        /* output column arrays of one append */
	uint64_t rows;
	progress *pr;
};

/* kept_column: nonzero for a column apply passes through: frame, time,
 * id, and those matching -k. */
static int
kept_column(const struct apply *a, const char *name)
{
	return strcmp(name, "frame") == 0 || strcmp(name, "time") == 0 ||
	    strcmp(name, "id") == 0 || (a->keep.n && patlist_match(&a->keep,
	    name));
}

/*
 * apply_part: project the current part of r onto the model and write it
 * to w: the kept columns, then pc0..pc{k-1}; rows with a value that is
 * not finite in a model column get NaN scores.
 */
static void
apply_part(struct apply *a, mz_reader *r, mz_writer *w, struct colset *cs)
{
	const mz_header *h = mz_reader_header(r);
	mz_header *oh = mz_header_copy(h);
	size_t d = a->m.d, nkept = 0, ncols = h->ncols;
	size_t *kept = xmalloc((ncols ? ncols : 1) * sizeof(size_t));
	unsigned char *want = xcalloc(ncols ? ncols : 1, 1);
	cJSON *info = opts_new();
	char where[4200], name[32];
	mz_block b;
	mz_err e;
	int rc;

	if (oh == NULL)
		die("out of memory");
	snprintf(where, sizeof(where), "%s: part %zu", mz_reader_name(r),
	    mz_reader_part_index(r));
	colset_find(cs, h, a->m.names, d, where, "needed by the model");
	if (a->keep.n)
		patlist_check(&a->keep, h, where);
	colset_want(cs, want);
	for (size_t j = 0; j < ncols; j++)
		if (kept_column(a, h->cols[j].name)) {
			kept[nkept++] = j;
			want[j] = 1;
		}
	for (size_t j = ncols; j-- > 0;)
		if (!kept_column(a, h->cols[j].name))
			mz_header_drop_column(oh, j);
	for (size_t i = 0; i < a->k; i++) {
		snprintf(name, sizeof(name), "pc%zu", i);
		if (mz_header_add_column(oh, name, MZ_F64, NULL, &e) < 0)
			die("%s: %s", where, e.msg);
	}
	history_add(oh, cJSON_Duplicate(a->opts, 1));
	opts_str(info, "model", a->m.path);
	opts_str(info, "model_hash", a->m.hash);
	opts_num(info, "components", (double)a->k);
	opts_bool(info, "whiten", a->whiten);
	if (mz_meta_set(oh, "pca", info, &e) < 0)
		die_err(&e);
	if (mz_writer_begin_part(w, oh, &e) < 0)
		die_err(&e);
	mz_header_free(oh);
	mz_reader_want(r, want);
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
		for (size_t off = 0, m; off < b.nrows; off += m) {
			m = b.nrows - off < BLOCK_ROWS ? b.nrows - off :
			    BLOCK_ROWS;
			load_rows(a->X, BLOCK_ROWS, &b, cs, off, m, a->valid,
			    NULL);
			for (size_t j = 0; j < d; j++)
				for (size_t i = 0; i < m; i++)
					a->X[j * BLOCK_ROWS + i] -= a->m.mean[j];
			cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans,
			    (int)m, (int)a->k, (int)d, 1.0, a->X, BLOCK_ROWS,
			    a->m.comp, (int)d, 0.0, a->S, BLOCK_ROWS);
			for (size_t c = 0; c < a->k; c++) {
				double *s = a->S + c * BLOCK_ROWS;
				double sd = a->whiten ? sqrt(a->m.eig[c]) : 1;
				for (size_t i = 0; i < m; i++)
					s[i] = a->valid[i] ? s[i] / sd : NAN;
			}
			for (size_t j = 0; j < nkept; j++)
				a->out[j] = (const char *)b.cols[kept[j]] + off *
				    mz_type_size(h->cols[kept[j]].type);
			for (size_t c = 0; c < a->k; c++)
				a->out[nkept + c] = a->S + c * BLOCK_ROWS;
			if (mz_writer_append(w, m, a->out, &e) < 0)
				die_err(&e);
		}
		a->rows += b.nrows;
		progress_update(a->pr, a->rows);
	}
	if (rc < 0 || mz_writer_end_part(w, &e) < 0)
		die_err(&e);
	free(kept);
	free(want);
}

/* cmd_apply: mz-pca apply. */
static int
cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, OPT_CODEC },
		{ "components", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "keep", required_argument, NULL, 'k' },
		{ "max", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "variance", required_argument, NULL, 'v' },
		{ "whiten", no_argument, NULL, 'w' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	struct apply a = { 0 };
	struct colset cs = { 0 };
	const char *outpath = NULL;
	uint64_t n = 0, max = 0;
	double frac = 0;
	int c, force = 0, nflag = 0, mflag = 0;
	char **files;
	int nfiles;
	mz_writer *w;
	mz_err e;

	while ((c = getopt_long(argc, argv, "fhk:m:n:o:qv:w", longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_CODEC:
			wo.codec = parse_codec(optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'k':
			patlist_parse(&a.keep, optarg, "column list");
			break;
		case 'm':
			max = parse_count(optarg, "component count");
			mflag = 1;
			break;
		case 'n':
			n = parse_count(optarg, "component count");
			nflag = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'v':
			frac = parse_fraction(optarg);
			break;
		case 'w':
			a.whiten = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	if (nflag && frac > 0)
		usage_error("-n and -v exclude each other");
	if ((nflag && n == 0) || (mflag && max == 0))
		usage_error("bad component count '0' (want at least 1)");
	if (mflag && frac == 0)
		usage_error("-m needs -v");
	if (optind == argc)
		usage_error("apply needs a model");
	model_load(&a.m, argv[optind++]);
	files = optind < argc ? argv + optind : stdin_only;
	nfiles = optind < argc ? argc - optind : 1;
	if (nflag && n > a.m.d)
		die("%s: -n %llu: the model has %zu components", a.m.path,
		    (unsigned long long)n, a.m.d);
	a.k = nflag ? (size_t)n : frac > 0 ? components_for(&a.m, frac, max) :
	    a.m.d;
	for (size_t i = 0; a.whiten && i < a.k; i++)
		if (!(a.m.eig[i] > 0))
			die("%s: cannot whiten: component %zu has variance 0",
			    a.m.path, i);
	a.opts = opts_new();
	opts_str(a.opts, "model", a.m.hash);
	opts_num(a.opts, "components", (double)a.k);
	opts_bool(a.opts, "whiten", a.whiten);
	if (a.keep.n)
		opts_str(a.opts, "keep", a.keep.text);
	else
		jadd(a.opts, "keep", cJSON_CreateNull());
	a.X = xmalloc((size_t)BLOCK_ROWS * a.m.d * sizeof(double));
	a.S = xmalloc((size_t)BLOCK_ROWS * a.k * sizeof(double));
	a.valid = xmalloc(BLOCK_ROWS);

	w = out_writer(outpath, force, &wo);
	a.pr = progress_start("mz-pca apply", 0);
	for (int f = 0; f < nfiles; f++) {
		mz_reader *r = mz_reader_open(files[f], &e);
		int rc;
		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0) {
			a.out = xrealloc(a.out, (mz_reader_header(r)->ncols +
			    a.k) * sizeof(*a.out));
			apply_part(&a, r, w, &cs);
		}
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	progress_end(a.pr);
	out_close(w);
	model_free(&a.m);
	patlist_free(&a.keep);
	cJSON_Delete(a.opts);
	free(a.X);
	free(a.S);
	free(a.valid);
	free(a.out);
	free(cs.idx);
	free(cs.type);
	return 0;
}

/* -------------------------------------------------------------- info */

/* cmd_info: mz-pca info: the scree table, a component count, or the
 * model as JSON. */
static int
cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "max", required_argument, NULL, 'm' },
		{ "variance", required_argument, NULL, 'v' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct model m;
	uint64_t max = 0;
	double frac = 0;
	int c, json = 0, mflag = 0;

	while ((c = getopt_long(argc, argv, "hjm:qv:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'm':
			max = parse_count(optarg, "component count");
			if (max == 0)
				usage_error("bad component count '0' (want at "
				    "least 1)");
			mflag = 1;
			break;
		case 'v':
			frac = parse_fraction(optarg);
			break;
		default:
			tool_stdopt(c);
		}
	}
	if (mflag && frac == 0)
		usage_error("-m needs -v");
	if (argc - optind != 1)
		usage_error("info needs one model");
	model_load(&m, argv[optind]);
	if (json) {
		char *text;
		opts_str(m.doc, "model", m.path);
		opts_str(m.doc, "model_hash", m.hash);
		if (frac > 0) {
			jadd(m.doc, "variance", jnum(frac));
			jadd(m.doc, "max", mflag ? jint(max) :
			    cJSON_CreateNull());
			opts_num(m.doc, "components_for_variance",
			    (double)components_for(&m, frac, max));
		}
		jexact(m.doc);
		if ((text = cJSON_Print(m.doc)) == NULL)
			die("out of memory");
		puts(text);
		free(text);
	} else if (frac > 0)
		printf("%zu\n", components_for(&m, frac, max));
	else {
		const cJSON *doc = m.doc;
		printf("model:     %s (%s)\n", m.path, m.hash);
		printf("columns:   %zu:", m.d);
		for (size_t j = 0; j < m.d; j++)
			printf(" %s", m.names[j]);
		printf("\nframes:    %llu of %llu rows in %llu parts\n",
		    (unsigned long long)jcount(doc, "n_frames", JCOUNT_MAX, m.path),
		    (unsigned long long)jcount(doc, "n_rows", JCOUNT_MAX, m.path),
		    (unsigned long long)jcount(doc, "n_parts", JCOUNT_MAX, m.path));
		printf("%-9s  %-22s  %-8s  %s\n", "component", "eigenvalue",
		    "ratio", "cumulative");
		for (size_t k = 0; k < m.d; k++)
			printf("%-9zu  %-22.15g  %.6f  %.6f\n", k, m.eig[k],
			    m.ratio[k], m.cum[k]);
	}
	model_free(&m);
	finish_stdout();
	return 0;
}

/* -------------------------------------------------------------- main */

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} cmds[] = {
		{ "fit", cmd_fit }, { "partial", cmd_partial },
		{ "merge", cmd_merge }, { "apply", cmd_apply },
		{ "info", cmd_info }
	};

	tool_init("mz-pca", SYNOPSIS);
	openblas_set_num_threads(1);
	if (argc < 2)
		usage_error("no command (want fit, partial, merge, apply or "
		    "info)");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		tool_stdopt('h');
	if (strcmp(argv[1], "--version") == 0)
		tool_stdopt(OPT_VERSION);
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(argv[1], cmds[k].name) == 0) {
			/* The command's options follow; getopt's messages
			 * name the program. */
			argv[1] = argv[0];
			return cmds[k].run(argc - 1, argv + 1);
		}
	usage_error("unknown command '%s' (want fit, partial, merge, apply "
	    "or info)", argv[1]);
}
