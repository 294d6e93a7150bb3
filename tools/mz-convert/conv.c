/*
 * conv.c - the in-memory pose set of mz-convert (see conv.h): building,
 * growing and freeing it.  Format readers live in the other files here.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "conv.h"

/* conv_strdup: a malloc'd copy of str, or NULL when str is NULL or out of
 * memory. */
char *
conv_strdup(const char *str)
{
	size_t n;
	char *d;

	if (str == NULL)
		return NULL;
	n = strlen(str) + 1;
	if ((d = malloc(n)) != NULL)
		memcpy(d, str, n);
	return d;
}

/* conv_set_new: see conv.h. */
conv_set *
conv_set_new(const char *format)
{
	conv_set *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->dims = 2;
	s->format = conv_strdup(format ? format : "");
	s->units = conv_strdup("px");
	if (s->format == NULL || s->units == NULL) {
		conv_set_free(s);
		return NULL;
	}
	return s;
}

/* ind_free: release the arrays and name of one individual (not ind). */
static void
ind_free(conv_ind *ind)
{
	free(ind->name);
	free(ind->x);
	free(ind->y);
	free(ind->z);
	free(ind->p);
	free(ind->angle);
	cJSON_Delete(ind->meta);
}

/* seq_free: release everything a sequence owns (not q itself). */
static void
seq_free(conv_seq *q)
{
	size_t i;

	free(q->group);
	free(q->sequence);
	free(q->frame);
	free(q->time);
	for (i = 0; i < q->nind; i++)
		ind_free(&q->ind[i]);
	free(q->ind);
	cJSON_Delete(q->meta);
}

/* conv_set_free: see conv.h; accepts NULL. */
void
conv_set_free(conv_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->format);
	for (i = 0; i < s->nbp; i++)
		free(s->bodyparts[i]);
	free(s->bodyparts);
	free(s->edges);
	free(s->units);
	for (i = 0; i < s->nseq; i++)
		seq_free(&s->seq[i]);
	free(s->seq);
	cJSON_Delete(s->meta);
	free(s);
}

/* fill_array: n doubles all set to v, or NULL (out of memory or n*8
 * overflows).  n == 0 still returns a valid (1-element) allocation. */
static double *
fill_array(size_t n, double v)
{
	double *a;
	size_t i;

	if (n > SIZE_MAX / sizeof(double) - 1)
		return NULL;
	if ((a = mz_bigalloc(n * sizeof *a)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		a[i] = v;
	return a;
}

/* regrow: *a, laid out [nframes * oldn], becomes [nframes * newn] with the
 * new trailing entries of each frame set to v; -1 when out of memory (then
 * *a is unchanged).  A NULL *a stays NULL. */
static int
regrow(double **a, size_t nframes, size_t oldn, size_t newn, double v)
{
	double *b;
	size_t f, j;

	if (*a == NULL)
		return 0;
	if (newn && nframes > SIZE_MAX / sizeof(double) / newn)
		return -1;
	if ((b = fill_array(nframes * newn, v)) == NULL)
		return -1;
	for (f = 0; f < nframes; f++)
		for (j = 0; j < oldn; j++)
			b[f * newn + j] = (*a)[f * oldn + j];
	free(*a);
	*a = b;
	return 0;
}

/* conv_set_bodypart: see conv.h.  All-or-nothing: on failure s is as it
 * was. */
int
conv_set_bodypart(conv_set *s, const char *name)
{
	size_t i, k, nind = 0, m = 0, oldn = s->nbp, newn = s->nbp + 1;
	double **grown = NULL;
	char **bp, *copy;
	int c;

	for (i = 0; i < s->nbp; i++)
		if (strcmp(s->bodyparts[i], name) == 0)
			return (int)i;
	if (s->nbp >= (size_t)INT32_MAX)
		return -1;
	if ((copy = conv_strdup(name)) == NULL)
		return -1;
	if ((bp = realloc(s->bodyparts, newn * sizeof *bp)) == NULL) {
		free(copy);
		return -1;
	}
	s->bodyparts = bp;
	/* Pass 1: the regrown arrays of every individual, 4 per individual
	 * (x, y, z, p; z may stay NULL). */
	for (i = 0; i < s->nseq; i++)
		nind += s->seq[i].nind;
	if (nind && (grown = calloc(nind * 4, sizeof *grown)) == NULL)
		goto fail;
	for (i = 0; i < s->nseq; i++) {
		conv_seq *q = &s->seq[i];

		for (k = 0; k < q->nind; k++, m += 4) {
			conv_ind *d = &q->ind[k];
			double *o[4] = { d->x, d->y, d->z, d->p };
			double fillv[4] = { NAN, NAN, NAN, 0.0 };

			for (c = 0; c < 4; c++) {
				grown[m + c] = o[c];
				if (regrow(&grown[m + c], q->nframes, oldn, newn,
				    fillv[c]) < 0) {
					grown[m + c] = NULL;
					goto fail;
				}
			}
		}
	}
	/* Pass 2: nothing can fail any more. */
	m = 0;
	for (i = 0; i < s->nseq; i++) {
		conv_seq *q = &s->seq[i];

		for (k = 0; k < q->nind; k++, m += 4) {
			conv_ind *d = &q->ind[k];

			free(d->x);
			free(d->y);
			free(d->z);
			free(d->p);
			d->x = grown[m];
			d->y = grown[m + 1];
			d->z = grown[m + 2];
			d->p = grown[m + 3];
		}
	}
	free(grown);
	s->bodyparts[oldn] = copy;
	s->nbp = newn;
	return (int)oldn;
fail:
	if (grown != NULL) {
		/* Free only the new arrays: an entry equal to the old
		 * pointer is the individual's own (z NULL, or not yet
		 * regrown). */
		m = 0;
		for (i = 0; i < s->nseq; i++) {
			conv_seq *q = &s->seq[i];

			for (k = 0; k < q->nind; k++, m += 4) {
				conv_ind *d = &q->ind[k];
				double *o[4] = { d->x, d->y, d->z, d->p };

				for (c = 0; c < 4; c++)
					if (grown[m + c] != o[c])
						free(grown[m + c]);
			}
		}
	}
	free(grown);
	free(copy);
	return -1;
}

/* conv_set_edge: see conv.h.  Edges (a, b) and (b, a) are the same. */
int
conv_set_edge(conv_set *s, int a, int b)
{
	size_t i;
	int (*e)[2];

	for (i = 0; i < s->nedges; i++)
		if ((s->edges[i][0] == a && s->edges[i][1] == b) ||
		    (s->edges[i][0] == b && s->edges[i][1] == a))
			return 0;
	if ((e = realloc(s->edges, (s->nedges + 1) * sizeof *e)) == NULL)
		return -1;
	s->edges = e;
	s->edges[s->nedges][0] = a;
	s->edges[s->nedges][1] = b;
	s->nedges++;
	return 0;
}

/* conv_set_add_seq: see conv.h. */
conv_seq *
conv_set_add_seq(conv_set *s, const char *sequence, size_t nframes)
{
	conv_seq *seq, *q;
	size_t f;

	if (nframes > SIZE_MAX / sizeof(int64_t) - 1)
		return NULL;
	if ((seq = realloc(s->seq, (s->nseq + 1) * sizeof *seq)) == NULL)
		return NULL;
	s->seq = seq;
	q = &s->seq[s->nseq];
	memset(q, 0, sizeof *q);
	q->sequence = conv_strdup(sequence ? sequence : "");
	q->frame = malloc((nframes ? nframes : 1) * sizeof *q->frame);
	if (q->sequence == NULL || q->frame == NULL) {
		free(q->sequence);
		free(q->frame);
		return NULL;
	}
	for (f = 0; f < nframes; f++)
		q->frame[f] = (int64_t)f;
	q->nframes = nframes;
	s->nseq++;
	return q;
}

/* conv_seq_add_ind: see conv.h. */
conv_ind *
conv_seq_add_ind(conv_set *s, conv_seq *q, const char *name)
{
	conv_ind *ind, *d;
	size_t n;

	if (s->nbp && q->nframes > SIZE_MAX / sizeof(double) / s->nbp)
		return NULL;
	n = q->nframes * s->nbp;
	if ((ind = realloc(q->ind, (q->nind + 1) * sizeof *ind)) == NULL)
		return NULL;
	q->ind = ind;
	d = &q->ind[q->nind];
	memset(d, 0, sizeof *d);
	d->name = conv_strdup(name ? name : "");
	d->x = fill_array(n, NAN);
	d->y = fill_array(n, NAN);
	d->p = fill_array(n, 0.0);
	if (s->dims == 3)
		d->z = fill_array(n, NAN);
	if (d->name == NULL || d->x == NULL || d->y == NULL || d->p == NULL ||
	    (s->dims == 3 && d->z == NULL)) {
		ind_free(d);
		memset(d, 0, sizeof *d);
		return NULL;
	}
	q->nind++;
	return d;
}

/* same_name: two possibly-NULL strings are equal. */
static int
same_name(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* remap: a [nframes * sn] array a of src's layout as [nframes * dn] in
 * dst's bodypart order (map[j]: dst index of src bodypart j), the other
 * entries v; NULL when out of memory (a is not freed). */
static double *
remap(const double *a, size_t nframes, size_t sn, size_t dn, const int *map,
    double v)
{
	double *b;
	size_t f, j;

	if (dn && nframes > SIZE_MAX / sizeof(double) / dn)
		return NULL;
	if ((b = fill_array(nframes * dn, v)) == NULL)
		return NULL;
	for (f = 0; f < nframes; f++)
		for (j = 0; j < sn; j++)
			b[f * dn + (size_t)map[j]] = a[f * sn + j];
	return b;
}

/* conv_set_merge: see conv.h. */
int
conv_set_merge(conv_set *dst, conv_set *src, const char *src_name,
    mz_err *err)
{
	int *map = NULL, rc = -1;
	size_t i, j, k;

	if (dst->dims != src->dims) {
		mz_seterr(err, MZ_ESCHEMA, "%s: %d-D points, earlier files "
		    "of the sequence have %d-D", src_name, src->dims,
		    dst->dims);
		goto out;
	}
	if ((map = malloc((src->nbp ? src->nbp : 1) * sizeof *map)) == NULL)
		goto nomem;
	for (j = 0; j < src->nbp; j++)
		if ((map[j] = conv_set_bodypart(dst, src->bodyparts[j])) < 0)
			goto nomem;
	for (j = 0; j < src->nedges; j++)
		if (conv_set_edge(dst, map[src->edges[j][0]],
		    map[src->edges[j][1]]) < 0)
			goto nomem;
	if (dst->fps == 0)
		dst->fps = src->fps;
	for (i = 0; i < src->nseq; i++) {
		conv_seq *sq = &src->seq[i], *dq = NULL;

		for (k = 0; k < dst->nseq && dq == NULL; k++)
			if (same_name(dst->seq[k].group, sq->group) &&
			    same_name(dst->seq[k].sequence, sq->sequence))
				dq = &dst->seq[k];
		if (dq == NULL) {
			if ((dq = conv_set_add_seq(dst, sq->sequence,
			    sq->nframes)) == NULL)
				goto nomem;
			memcpy(dq->frame, sq->frame,
			    sq->nframes * sizeof *dq->frame);
			if (sq->group && (dq->group = conv_strdup(sq->group))
			    == NULL)
				goto nomem;
			dq->meta = sq->meta;
			sq->meta = NULL;
			dq->time = sq->time;
			sq->time = NULL;
		} else {
			if (dq->nframes != sq->nframes ||
			    (sq->nframes && memcmp(dq->frame, sq->frame,
			    sq->nframes * sizeof *sq->frame) != 0)) {
				mz_seterr(err, MZ_ESCHEMA, "%s: sequence %s: "
				    "frames %lld..%lld (%zu), other files of "
				    "the sequence have %lld..%lld (%zu): its "
				    "individuals must cover the same frames",
				    src_name, sq->sequence,
				    sq->nframes ? (long long)sq->frame[0] : 0,
				    sq->nframes ? (long long)
				    sq->frame[sq->nframes - 1] : -1,
				    sq->nframes,
				    dq->nframes ? (long long)dq->frame[0] : 0,
				    dq->nframes ? (long long)
				    dq->frame[dq->nframes - 1] : -1,
				    dq->nframes);
				goto out;
			}
			if (sq->meta != NULL) {
				cJSON *it;

				if (dq->meta == NULL &&
				    (dq->meta = cJSON_CreateObject()) == NULL)
					goto nomem;
				cJSON_ArrayForEach(it, sq->meta)
					if (!cJSON_HasObjectItem(dq->meta,
					    it->string)) {
						cJSON *c = cJSON_Duplicate(it,
						    1);
						if (c == NULL)
							goto nomem;
						cJSON_AddItemToObject(dq->meta,
						    it->string, c);
					}
			}
		}
		for (k = 0; k < sq->nind; k++) {
			conv_ind *si = &sq->ind[k], *di;
			double *nx, *ny, *nz = NULL, *np;

			for (j = 0; j < dq->nind; j++)
				if (strcmp(dq->ind[j].name, si->name) == 0) {
					mz_seterr(err, MZ_ESCHEMA, "%s: "
					    "sequence %s: individual %s "
					    "appears twice", src_name,
					    sq->sequence, si->name);
					goto out;
				}
			/* dq may have moved if it was added above: it is
			 * the pointer into dst->seq, still current. */
			if ((di = conv_seq_add_ind(dst, dq, si->name)) == NULL)
				goto nomem;
			nx = remap(si->x, sq->nframes, src->nbp, dst->nbp, map,
			    NAN);
			ny = remap(si->y, sq->nframes, src->nbp, dst->nbp, map,
			    NAN);
			np = remap(si->p, sq->nframes, src->nbp, dst->nbp, map,
			    0.0);
			if (si->z != NULL)
				nz = remap(si->z, sq->nframes, src->nbp,
				    dst->nbp, map, NAN);
			if (nx == NULL || ny == NULL || np == NULL ||
			    (si->z != NULL && nz == NULL)) {
				free(nx);
				free(ny);
				free(nz);
				free(np);
				goto nomem;
			}
			free(di->x);
			free(di->y);
			free(di->z);
			free(di->p);
			di->x = nx;
			di->y = ny;
			di->z = nz;
			di->p = np;
			di->angle = si->angle;
			si->angle = NULL;
			di->meta = si->meta;
			si->meta = NULL;
		}
	}
	if (src->meta != NULL) {
		cJSON *it;

		if (dst->meta == NULL && (dst->meta = cJSON_CreateObject())
		    == NULL)
			goto nomem;
		cJSON_ArrayForEach(it, src->meta)
			if (!cJSON_HasObjectItem(dst->meta, it->string)) {
				cJSON *c = cJSON_Duplicate(it, 1);
				if (c == NULL)
					goto nomem;
				cJSON_AddItemToObject(dst->meta, it->string, c);
			}
	}
	rc = 0;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", src_name);
out:
	free(map);
	conv_set_free(src);
	return rc;
}

/* conv_fail: see conv.h. */
int
conv_fail(mz_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = MZ_EFORMAT;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* conv_set_drop_seq: see conv.h. */
void
conv_set_drop_seq(conv_set *s, size_t i)
{
	if (i >= s->nseq)
		return;
	seq_free(&s->seq[i]);
	memmove(&s->seq[i], &s->seq[i + 1], (s->nseq - i - 1) *
	    sizeof *s->seq);
	s->nseq--;
}

/* Powers of ten, exact as doubles up to 1e22. */
static const double p10d[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};
#ifdef __SIZEOF_INT128__
/* The 128 most significant bits of 10^q for q = -27..27 (row q + 27),
 * rounded down (the high word first): 5^q shifted left to set bit 127 for q >= 0,
 * floor(2^(127 + L) / 5^-q) for q < 0, where L is the bit length of
 * 5^-q (5^27 < 2^63).  Written by Python's exact integers. */
static const uint64_t p10m[55][2] = {
	{ UINT64_C(0x9e74d1b791e07e48), UINT64_C(0x775ea264cf55347d) },
	{ UINT64_C(0xc612062576589dda), UINT64_C(0x95364afe032a819d) },
	{ UINT64_C(0xf79687aed3eec551), UINT64_C(0x3a83ddbd83f52204) },
	{ UINT64_C(0x9abe14cd44753b52), UINT64_C(0xc4926a9672793542) },
	{ UINT64_C(0xc16d9a0095928a27), UINT64_C(0x75b7053c0f178293) },
	{ UINT64_C(0xf1c90080baf72cb1), UINT64_C(0x5324c68b12dd6338) },
	{ UINT64_C(0x971da05074da7bee), UINT64_C(0xd3f6fc16ebca5e03) },
	{ UINT64_C(0xbce5086492111aea), UINT64_C(0x88f4bb1ca6bcf584) },
	{ UINT64_C(0xec1e4a7db69561a5), UINT64_C(0x2b31e9e3d06c32e5) },
	{ UINT64_C(0x9392ee8e921d5d07), UINT64_C(0x3aff322e62439fcf) },
	{ UINT64_C(0xb877aa3236a4b449), UINT64_C(0x09befeb9fad487c2) },
	{ UINT64_C(0xe69594bec44de15b), UINT64_C(0x4c2ebe687989a9b3) },
	{ UINT64_C(0x901d7cf73ab0acd9), UINT64_C(0x0f9d37014bf60a10) },
	{ UINT64_C(0xb424dc35095cd80f), UINT64_C(0x538484c19ef38c94) },
	{ UINT64_C(0xe12e13424bb40e13), UINT64_C(0x2865a5f206b06fb9) },
	{ UINT64_C(0x8cbccc096f5088cb), UINT64_C(0xf93f87b7442e45d3) },
	{ UINT64_C(0xafebff0bcb24aafe), UINT64_C(0xf78f69a51539d748) },
	{ UINT64_C(0xdbe6fecebdedd5be), UINT64_C(0xb573440e5a884d1b) },
	{ UINT64_C(0x89705f4136b4a597), UINT64_C(0x31680a88f8953030) },
	{ UINT64_C(0xabcc77118461cefc), UINT64_C(0xfdc20d2b36ba7c3d) },
	{ UINT64_C(0xd6bf94d5e57a42bc), UINT64_C(0x3d32907604691b4c) },
	{ UINT64_C(0x8637bd05af6c69b5), UINT64_C(0xa63f9a49c2c1b10f) },
	{ UINT64_C(0xa7c5ac471b478423), UINT64_C(0x0fcf80dc33721d53) },
	{ UINT64_C(0xd1b71758e219652b), UINT64_C(0xd3c36113404ea4a8) },
	{ UINT64_C(0x83126e978d4fdf3b), UINT64_C(0x645a1cac083126e9) },
	{ UINT64_C(0xa3d70a3d70a3d70a), UINT64_C(0x3d70a3d70a3d70a3) },
	{ UINT64_C(0xcccccccccccccccc), UINT64_C(0xcccccccccccccccc) },
	{ UINT64_C(0x8000000000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xa000000000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xc800000000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xfa00000000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x9c40000000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xc350000000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xf424000000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x9896800000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xbebc200000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xee6b280000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x9502f90000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xba43b74000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xe8d4a51000000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x9184e72a00000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xb5e620f480000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xe35fa931a0000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x8e1bc9bf04000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xb1a2bc2ec5000000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xde0b6b3a76400000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x8ac7230489e80000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xad78ebc5ac620000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xd8d726b7177a8000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x878678326eac9000), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xa968163f0a57b400), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xd3c21bcecceda100), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0x84595161401484a0), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xa56fa5b99019a5c8), UINT64_C(0x0000000000000000) },
	{ UINT64_C(0xcecb8f27f4200f3a), UINT64_C(0x0000000000000000) },
};

/* floor_shift16: floor(v / 65536) for any int v. */
static inline int
floor_shift16(int v)
{
	return v >= 0 ? v >> 16 : -((-v + 65535) >> 16);
}

/*
 * eisel_lemire: m * 10^e (m != 0), negated when neg, correctly rounded
 * into *v by the Eisel-Lemire algorithm (as in Go's strconv
 * eiselLemire64): one 64 x 128-bit product with the truncated power of
 * ten, widened when its low bits leave the rounding in doubt.  Returns
 * 1, or 0 (nothing stored) when e is outside -27..27, the result would
 * be subnormal or infinite, or the product cannot decide the rounding
 * (the caller then parses the text exactly).
 */
static int
eisel_lemire(uint64_t m, int e, int neg, double *v)
{
	const uint64_t *pw;
	unsigned __int128 x;
	uint64_t xhi, xlo, rm, re, bits, msb;
	int clz;

	if (e < -27 || e > 27 || m == 0)
		return 0;
	pw = p10m[e + 27];
	clz = __builtin_clzll(m);
	m <<= clz;
	re = (uint64_t)(floor_shift16(217706 * e) + 64 + 1023) -
	    (uint64_t)clz;
	x = (unsigned __int128)m * pw[0];
	xhi = (uint64_t)(x >> 64);
	xlo = (uint64_t)x;
	if ((xhi & 0x1FF) == 0x1FF && xlo + m < m) {
		unsigned __int128 y = (unsigned __int128)m * pw[1];
		uint64_t yhi = (uint64_t)(y >> 64), ylo = (uint64_t)y;
		uint64_t mhi = xhi, mlo = xlo + yhi;

		if (mlo < xlo)
			mhi++;
		if ((mhi & 0x1FF) == 0x1FF && mlo + 1 == 0 && ylo + m < m)
			return 0;
		xhi = mhi;
		xlo = mlo;
	}
	msb = xhi >> 63;
	rm = xhi >> (msb + 9);
	re -= 1 ^ msb;
	/* Exactly halfway between two doubles: let the exact path decide. */
	if (xlo == 0 && (xhi & 0x1FF) == 0 && (rm & 3) == 1)
		return 0;
	rm += rm & 1;
	rm >>= 1;
	if (rm >> 53 > 0) {
		rm >>= 1;
		re++;
	}
	if (re - 1 >= 0x7FF - 1)
		return 0;
	bits = re << 52 | (rm & UINT64_C(0x000FFFFFFFFFFFFF));
	if (neg)
		bits |= UINT64_C(0x8000000000000000);
	memcpy(v, &bits, sizeof *v);
	return 1;
}
#endif

/* eight_value: the number the 8 digits of w spell, first byte most
 * significant (w loaded little-endian). */
static inline uint64_t
eight_value(uint64_t w)
{
	const uint64_t mask = UINT64_C(0x000000FF000000FF);
	const uint64_t mul1 = UINT64_C(0x000F424000000064); /* 100 + 1e6<<32 */
	const uint64_t mul2 = UINT64_C(0x0000271000000001); /* 1 + 1e4<<32 */

	w -= UINT64_C(0x3030303030303030);
	w = (w * 10) + (w >> 8);
	return (((w & mask) * mul1) + (((w >> 16) & mask) * mul2)) >> 32;
}

/* Powers of ten as integers, for runs of up to 8 digits. */
static const uint64_t p10u[9] = { 1, 10, 100, 1000, 10000, 100000,
	1000000, 10000000, 100000000 };

/* digit_run: the number k (0 to 8) of ASCII digits that start at p
 * (before end), their value in *val.  Eight bytes at a time when eight
 * are left: a byte is a digit when it is 0x30-0x39; the first that is not
 * ends the run (carries of the test only run towards later bytes), and
 * the run, shifted to the end of the word behind '0' bytes, is read by
 * eight_value. */
static inline int
digit_run(const char *p, const char *end, uint64_t *val)
{
	uint64_t v = 0;
	int k = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - p >= 8) {
		uint64_t w, x, t;

		memcpy(&w, p, 8);
		x = w ^ UINT64_C(0x3030303030303030);
		t = ((x + UINT64_C(0x7676767676767676)) | x) &
		    UINT64_C(0x8080808080808080);
		k = t ? __builtin_ctzll(t) >> 3 : 8;
		if (k == 0)
			return 0;
		if (k < 8)
			w = (w << (8 * (8 - k))) |
			    (UINT64_C(0x3030303030303030) >> (8 * k));
		*val = eight_value(w);
		return k;
	}
#endif
	for (; k < 8 && p + k < end && (unsigned)(p[k] - '0') < 10; k++)
		v = v * 10 + (uint64_t)(p[k] - '0');
	*val = v;
	return k;
}

/* slow_scan: the number at s (its extent: sign, digits, point, exponent
 * characters) by mz_parse_f64; *stop after it.  -1 if it is none. */
static int
slow_scan(const char *s, const char *end, double *v, const char **stop)
{
	const char *p = s;

	while (p < end && (((unsigned)(*p - '0') < 10) || *p == '.' ||
	    *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
		p++;
	*stop = p;
	return p > s ? mz_parse_f64(s, (size_t)(p - s), v) : -1;
}

/*
 * conv_scan_f64 (see conv.h): a decimal of at most 19 significant digits
 * m and a power of ten e, tried in this order:
 *  - |e| <= 27: the Eisel-Lemire algorithm (eisel_lemire), which is
 *    correctly rounded or declines (about one case in 10^9, and exact
 *    halfway cases);
 *  - m <= 2^53, |e| <= 22: one correctly rounded double operation
 *    (Clinger's fast path);
 *  - everything else: mz_parse_f64 (strtod), by slow_scan.
 */
int
conv_scan_f64(const char *s, const char *end, double *v, const char **stop)
{
	const char *p = s;
	uint64_t m = 0, val;
	int neg = 0, ndig = 0, e = 0, any = 0, k;

	if (p < end && (*p == '-' || *p == '+'))
		neg = (*p++ == '-');
	/* The integer part: leading zeros, then runs of up to 8 digits. */
	for (; p < end && *p == '0'; p++)
		any = 1;
	while ((k = digit_run(p, end, &val)) > 0) {
		if (ndig + k > 19)
			return slow_scan(s, end, v, stop);
		m = m * p10u[k] + val;
		ndig += k;
		p += k;
		any = 1;
		if (k < 8)
			break;
	}
	if (p < end && *p == '.') {
		p++;
		if (m == 0)
			for (; p < end && *p == '0'; p++, any = 1)
				e--;
		while ((k = digit_run(p, end, &val)) > 0) {
			if (ndig + k > 19)
				return slow_scan(s, end, v, stop);
			m = m * p10u[k] + val;
			ndig += k;
			e -= k;
			p += k;
			any = 1;
			if (k < 8)
				break;
		}
	}
	if (!any)
		return slow_scan(s, end, v, stop);
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, x = 0, ed = 0;

		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = (*p++ == '-');
		for (; p < end && (unsigned)(*p - '0') < 10; p++, ed++)
			if (x < 100000)
				x = x * 10 + (*p - '0');
		if (!ed)
			return slow_scan(s, end, v, stop);
		e += eneg ? -x : x;
	}
	*stop = p;
	if (m == 0) {
		*v = neg ? -0.0 : 0.0;
		return 0;
	}
#ifdef __SIZEOF_INT128__
	if (eisel_lemire(m, e, neg, v))
		return 0;
#endif
	if (m <= (UINT64_C(1) << 53) && e >= -22 && e <= 22) {
		double d = (double)m;

		d = e < 0 ? d / p10d[-e] : d * p10d[e];
		*v = neg ? -d : d;
		return 0;
	}
	return slow_scan(s, end, v, stop);
}

/* conv_parse_f64: see conv.h (conv_scan_f64 over the whole text, which
 * must be one number; "nan", "inf" and the like go to mz_parse_f64). */
int
conv_parse_f64(const char *s, size_t n, double *v)
{
	const char *stop;

	if (conv_scan_f64(s, s + n, v, &stop) == 0 && stop == s + n)
		return 0;
	return mz_parse_f64(s, n, v);
}

/* conv_stem: see conv.h. */
char *
conv_stem(const char *path)
{
	const char *b = strrchr(path, '/'), *dot;
	char *s;

	b = b ? b + 1 : path;
	if ((s = conv_strdup(b)) == NULL)
		return NULL;
	if ((dot = strrchr(s, '.')) != NULL && dot != s)
		s[dot - s] = '\0';
	return s;
}

#define HASH_BUF ((size_t)1 << 20)

/* conv_file_xxh64: see conv.h.  The file is read a buffer at a time
 * (faster here than mapping it: no page faults). */
int
conv_file_xxh64(const char *path, char out[17], mz_err *err)
{
	XXH64_state_t *st;
	ssize_t n;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(HASH_BUF)) == NULL) {
		close(fd);
		mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
		return -1;
	}
	if ((st = XXH64_createState()) == NULL) {
		close(fd);
		free(buf);
		mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
		return -1;
	}
	XXH64_reset(st, 0);
	while ((n = read(fd, buf, HASH_BUF)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			mz_seterr(err, MZ_EIO, "%s: %s", path,
			    strerror(errno));
			XXH64_freeState(st);
			close(fd);
			free(buf);
			return -1;
		}
		XXH64_update(st, buf, (size_t)n);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)XXH64_digest(st));
	XXH64_freeState(st);
	close(fd);
	free(buf);
	return 0;
}

/* ---------------------------------------------------------------- CSV */

/* A block of the arena holding copied fields. */
struct conv_csv_block {
	conv_csv_block *next;
	size_t used, size;
	char data[];
};

/* arena_alloc: n bytes from c's arena, or NULL when out of memory. */
static char *
arena_alloc(conv_csv *c, size_t n)
{
	conv_csv_block *b = c->arena;

	if (b == NULL || b->size - b->used < n) {
		size_t size = n > (1 << 16) ? n : (1 << 16);

		if ((b = malloc(sizeof *b + size)) == NULL)
			return NULL;
		b->next = c->arena;
		b->used = 0;
		b->size = size;
		c->arena = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

/* map_file: map the len bytes of regular file fd read-only, every page
 * at once (MAP_POPULATE: no page fault per 4 kB, no copy and no zeroing
 * of fresh memory, which read() into a new buffer costs); NULL when it
 * cannot be, or when len is a multiple of the page size (the byte at
 * len must exist and be 0, as the read path guarantees: the rest of the
 * last page of a mapping is zero-filled). */
static char *
map_file(int fd, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;
	int flags = MAP_PRIVATE;

	if (pg <= 0 || len % (size_t)pg == 0)
		return NULL;
#ifdef MAP_POPULATE
	flags |= MAP_POPULATE;
#endif
	p = mmap(NULL, len, PROT_READ, flags, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* conv_csv_open: see conv.h.  Large files are mapped (map_file), else
 * read into memory (mz_bigalloc: huge pages when large). */
int
conv_csv_open(conv_csv *c, const char *path, mz_err *err)
{
	struct stat sb;
	size_t got = 0;
	char *own;
	int fd;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->nextline = 1;
	c->copy = 1;
	c->buf = "";
	snprintf(c->xxh64, sizeof c->xxh64, "%016llx",
	    (unsigned long long)XXH64("", 0, 0));
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &sb) < 0) {
		mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size >= SIZE_MAX - 1) {
		close(fd);
		mz_seterr(err, MZ_EIO, "%s: not a regular file", path);
		return -1;
	}
	if (sb.st_size == 0) {
		close(fd);
		return 0;
	}
	c->len = (size_t)sb.st_size;
	if (c->len >= ((size_t)4 << 20) && (own = map_file(fd, c->len)) !=
	    NULL) {
		close(fd);
		c->buf = own;
		c->maplen = c->len;
		c->xxh64[0] = '\0';   /* conv_csv_hash computes it */
		goto loaded;
	}
	if ((own = mz_bigalloc(c->len + 1)) == NULL) {
		close(fd);
		c->len = 0;
		mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
		return -1;
	}
	while (got < c->len) {
		ssize_t n = read(fd, own + got, c->len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			mz_seterr(err, MZ_EIO, "%s: %s", path,
			    n < 0 ? strerror(errno) : "file shrank while "
			    "being read");
			close(fd);
			free(own);
			c->len = 0;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	own[got] = '\0';
	c->buf = own;
	conv_hash_hex(c->buf, c->len, c->xxh64);
loaded:
	/* A UTF-8 byte order mark is not part of the first field. */
	if (c->len >= 3 && memcmp(c->buf, "\xef\xbb\xbf", 3) == 0)
		c->pos = 3;
	return 0;
}

/* conv_hash_hex: see conv.h. */
void
conv_hash_hex(const void *p, size_t n, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)XXH64(p, n, 0));
}

/* conv_csv_hash: see conv.h. */
void
conv_csv_hash(conv_csv *c)
{
	if (c->xxh64[0] == '\0')
		conv_hash_hex(c->buf, c->len, c->xxh64);
}

/* push_field: record field [s, s+n) of the current row; -1 when out of
 * memory. */
static int
push_field(conv_csv *c, char *s, size_t n)
{
	if (c->nf == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		char **f = realloc(c->f, cap * sizeof *f);
		size_t *fl;

		if (f == NULL)
			return -1;
		c->f = f;
		if ((fl = realloc(c->flen, cap * sizeof *fl)) == NULL)
			return -1;
		c->flen = fl;
		c->cap = cap;
	}
	c->f[c->nf] = s;
	c->flen[c->nf] = n;
	c->nf++;
	return 0;
}

/* conv_csv_row: see conv.h. */
int
conv_csv_row(conv_csv *c, mz_err *err)
{
	const char *b = c->buf;
	size_t p = c->pos, n = c->len;

	/* Skip blank lines (as pandas does). */
	while (p < n && (b[p] == '\n' || b[p] == '\r')) {
		if (b[p] == '\n')
			c->nextline++;
		p++;
	}
	c->nf = 0;
	if (p >= n) {
		c->pos = n;
		return 0;
	}
	c->line = c->nextline;
	for (;;) {
		size_t start = p, stop;
		char *field;
		size_t flen;

		if (b[p] == '"') {
			/* Quoted: an unescaped copy, up to the delimiter. */
			size_t q = p + 1, k = 0;
			char *w;

			c->nquoted++;
			/* Its length first: at most the bytes to the
			 * delimiter after the closing quote. */
			for (;;) {
				if (q >= n) {
					mz_seterr(err, MZ_EFORMAT, "%s: line "
					    "%zu: unterminated quoted field",
					    c->path, c->line);
					return -1;
				}
				if (b[q] == '"') {
					if (q + 1 < n && b[q + 1] == '"') {
						q += 2;
						continue;
					}
					q++;
					break;
				}
				q++;
			}
			while (q < n && b[q] != ',' && b[q] != '\n' &&
			    b[q] != '\r')
				q++;
			if ((w = arena_alloc(c, q - p + 1)) == NULL)
				goto nomem;
			for (p++;;) {
				if (b[p] == '"') {
					if (p + 1 < n && b[p + 1] == '"') {
						w[k++] = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (b[p] == '\n')
					c->nextline++;
				w[k++] = b[p++];
			}
			while (p < q)
				w[k++] = b[p++];
			w[k] = '\0';
			field = w;
			flen = k;
		} else {
			/* Unquoted: up to a comma or the end of the line. */
			while (p < n && b[p] != ',' && b[p] != '\n')
				p++;
			stop = p;
			if (stop > start && b[stop - 1] == '\r' &&
			    (stop == n || b[stop] == '\n'))
				stop--;
			flen = stop - start;
			if (c->copy) {
				if ((field = arena_alloc(c, flen + 1)) == NULL)
					goto nomem;
				memcpy(field, b + start, flen);
				field[flen] = '\0';
			} else
				field = (char *)b + start;
		}
		if (push_field(c, field, flen) < 0)
			goto nomem;
		if (p < n && b[p] == '\r' && (p + 1 >= n || b[p + 1] == '\n'))
			p++;
		if (p >= n || b[p] == '\n') {
			if (p < n) {
				p++;
				c->nextline++;
			}
			break;
		}
		/* b[p] is ',' (or a stray CR, read as a delimiter). */
		p++;
		if (p >= n || b[p] == '\n' || (b[p] == '\r' &&
		    (p + 1 >= n || b[p + 1] == '\n'))) {
			/* A trailing comma: one more, empty, field. */
			if (push_field(c, (char *)"", 0) < 0)
				goto nomem;
			if (p < n && b[p] == '\r')
				p++;
			if (p < n) {
				p++;
				c->nextline++;
			}
			break;
		}
	}
	c->pos = p;
	return 1;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", c->path);
	return -1;
}

/* conv_csv_num: see conv.h. */
int
conv_csv_num(const conv_csv *c, size_t j, const char *name, double *v,
    mz_err *err)
{
	const char *s = c->f[j];
	size_t n = c->flen[j];

	if (n == 0) {
		*v = NAN;
		return 0;
	}
	if (conv_parse_f64(s, n, v) == 0)
		return 0;
	/* Surrounding spaces are tolerated. */
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0) {
		*v = NAN;
		return 0;
	}
	if (conv_parse_f64(s, n, v) == 0)
		return 0;
	mz_seterr(err, MZ_EFORMAT, "%s: line %zu, column %zu%s%s%s: "
	    "'%.*s' is not a number", c->path, c->line, j + 1,
	    name ? " (" : "", name ? name : "", name ? ")" : "",
	    (int)(c->flen[j] < 40 ? c->flen[j] : 40), c->f[j]);
	return -1;
}

/* conv_csv_close: release c's memory and mapping; c may be reused with
 * conv_csv_open. */
void
conv_csv_close(conv_csv *c)
{
	if (c->maplen > 0)
		munmap((void *)c->buf, c->maplen);
	else if (c->len > 0)
		free((void *)c->buf);
	c->maplen = 0;
	c->buf = "";
	c->len = 0;
	conv_csv_done(c);
}

/* conv_csv_done: see conv.h. */
void
conv_csv_done(conv_csv *c)
{
	while (c->arena != NULL) {
		conv_csv_block *b = c->arena;
		c->arena = b->next;
		free(b);
	}
	free(c->f);
	free(c->flen);
	c->f = NULL;
	c->flen = NULL;
	c->nf = c->cap = 0;
}

/* conv_image_frame: the number in the last run of digits of path's last
 * component ("img0042.png" -> 42), or -1 if there is none. */
int64_t
conv_image_frame(const char *path)
{
	const char *b = strrchr(path, '/'), *end = NULL, *p;
	int64_t v = 0;

	b = b ? b + 1 : path;
	for (p = b; *p; p++)
		if (*p >= '0' && *p <= '9' && (p[1] < '0' || p[1] > '9'))
			end = p + 1;
	if (end == NULL)
		return -1;
	for (p = end; p > b && p[-1] >= '0' && p[-1] <= '9'; p--)
		;
	if (end - p > 15)
		return -1;
	for (; p < end; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* conv_image_dir: a malloc'd copy of the directory part of path's last
 * directory ("labeled-data/m4s1/img0.png" -> "m4s1"), or NULL if path has
 * no directory. */
char *
conv_image_dir(const char *path)
{
	const char *e = strrchr(path, '/'), *b;
	char *d;

	if (e == NULL || e == path)
		return NULL;
	for (b = e; b > path && b[-1] != '/'; b--)
		;
	if ((d = malloc((size_t)(e - b) + 1)) == NULL)
		return NULL;
	memcpy(d, b, (size_t)(e - b));
	d[e - b] = '\0';
	return d;
}
