/*
 * conv.c - the in-memory pose set of mz-convert (see conv.h): building,
 * growing and freeing it.  Format readers live in the other files here.
 */
#include <errno.h>
#include <float.h>
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
	if ((a = malloc((n ? n : 1) * sizeof *a)) == NULL)
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

/* Powers of ten: exact as doubles up to 1e22, as x87 long doubles (64-bit
 * significand) up to 1e27. */
static const double p10d[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};
#if LDBL_MANT_DIG == 64
static const long double p10l[28] = {
	1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L,
	1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
	1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L
};
#endif

/* eight_digits: the 8 bytes of w (little-endian load) are all ASCII
 * digits. */
static inline int
eight_digits(uint64_t w)
{
	return (((w & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
	    (((w + UINT64_C(0x0606060606060606)) &
	    UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) ==
	    UINT64_C(0x3333333333333333));
}

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
 * m and a power of ten e:
 *  - m <= 2^53, |e| <= 22: one correctly rounded double operation
 *    (Clinger's fast path);
 *  - |e| <= 27 with a 64-bit long double: q = m / 10^-e (or m * 10^e) is
 *    one correctly rounded long double operation (m and 10^|e| are exact).
 *    Rounding q to double gives the correctly rounded result unless q is
 *    exactly halfway between two doubles (its 11 bits below double
 *    precision are 10000000000b): rounding is monotonic and halfway points
 *    are long doubles, so the exact value lies on q's side of every
 *    halfway point or q is one; that one case goes to the slow path;
 *  - everything else: mz_parse_f64 (strtod), by slow_scan.
 */
int
conv_scan_f64(const char *s, const char *end, double *v, const char **stop)
{
	const char *p = s;
	uint64_t m = 0;
	int neg = 0, ndig = 0, e = 0, any = 0;

	if (p < end && (*p == '-' || *p == '+'))
		neg = (*p++ == '-');
	for (; p < end && (unsigned)(*p - '0') < 10; p++, any = 1) {
		if (m == 0 && *p == '0')
			continue;
		if (ndig == 19)
			return slow_scan(s, end, v, stop);
		m = m * 10 + (uint64_t)(*p - '0');
		ndig++;
	}
	if (p < end && *p == '.') {
		for (p++; p < end && m == 0 && *p == '0'; p++, any = 1)
			e--;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* Eight digits at a time while they fit in 19. */
		while (ndig <= 11 && end - p >= 8) {
			uint64_t w8;

			memcpy(&w8, p, 8);
			if (!eight_digits(w8))
				break;
			m = m * 100000000 + eight_value(w8);
			if (m != 0)
				ndig += 8;
			e -= 8;
			p += 8;
			any = 1;
		}
#endif
		for (; p < end && (unsigned)(*p - '0') < 10; p++, any = 1) {
			if (m == 0 && *p == '0') {
				e--;
				continue;
			}
			if (ndig == 19)
				return slow_scan(s, end, v, stop);
			m = m * 10 + (uint64_t)(*p - '0');
			ndig++;
			e--;
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
	if (m <= (UINT64_C(1) << 53) && e >= -22 && e <= 22) {
		double d = (double)m;

		d = e < 0 ? d / p10d[-e] : d * p10d[e];
		*v = neg ? -d : d;
		return 0;
	}
#if LDBL_MANT_DIG == 64 && (defined(__x86_64__) || defined(__i386__))
	if (e >= -27 && e <= 27) {
		long double q = (long double)m;
		uint64_t sig;

		q = e < 0 ? q / p10l[-e] : q * p10l[e];
		memcpy(&sig, &q, sizeof sig);   /* x87: significand first */
		if ((sig & 0x7ff) != 0x400) {
			double d = (double)q;

			*v = neg ? -d : d;
			return 0;
		}
	}
#endif
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

/* conv_csv_open: see conv.h.  Large files go into memory marked for
 * transparent huge pages (reading is then cheaper than mapping the file
 * on this kind of machine: no page fault per 4 kB). */
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
	if (c->len >= ((size_t)4 << 20)) {
		void *p;

		if (posix_memalign(&p, (size_t)2 << 20, c->len + 1) != 0)
			p = NULL;
#ifdef MADV_HUGEPAGE
		else
			madvise(p, c->len + 1, MADV_HUGEPAGE);
#endif
		own = p;
	} else
		own = malloc(c->len + 1);
	if (own == NULL) {
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
	snprintf(c->xxh64, sizeof c->xxh64, "%016llx",
	    (unsigned long long)XXH64(own, c->len, 0));
	/* A UTF-8 byte order mark is not part of the first field. */
	if (c->len >= 3 && memcmp(c->buf, "\xef\xbb\xbf", 3) == 0)
		c->pos = 3;
	return 0;
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
	if (c->len > 0)
		free((void *)c->buf);
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
