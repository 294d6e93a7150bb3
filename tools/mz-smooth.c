/*
 * mz-smooth - median or Savitzky-Golay filtering of the coordinate columns
 * of standard tracks, NaN-aware (see mz-smooth(1)).
 *
 * A part is read block by block into per-column buffers that keep only
 * the rows a window still needs: the block being read plus the window's
 * lookback (w - 1 rows), so memory is a block plus a window per column,
 * whatever the length of a recording.  Rows are written as soon as every
 * row their window needs has been read.
 *
 * Savitzky-Golay: the value at t is the least-squares polynomial of the
 * given order through the window's samples, evaluated at t.  Without NaN
 * this is a fixed convolution (precomputed, one coefficient row per
 * position of t in the window); a window with NaN fits the valid samples
 * only.  Windows are centred, and shifted inside the part at its ends
 * (scipy's mode='interp').
 */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-smooth [-fq] [-c codec] [-k columns] [-m method] [-o file] " \
	"[-r order] [-w window] [file ...]"

enum { M_SAVGOL, M_MEDIAN };

/* The options, as parsed. */
struct opts {
	int method;
	long wframes;       /* window in frames (odd), or 0 when in seconds */
	double wsec;        /* window in seconds when wframes is 0 */
	int order;
	const char *columns; /* comma-separated globs, or NULL */
};

/* One part being filtered. */
struct part {
	const mz_header *h;
	size_t ncols;
	unsigned char *filt;  /* per column: filtered */
	double **x;           /* filtered columns: values of rows [base, end) */
	unsigned char **raw;  /* other columns: bytes of rows [base, end) */
	size_t *sz;           /* per column: bytes per value */
	void **out;           /* per column: output values of a batch */
	const void **cols;    /* per column: what is appended */
	size_t cap, len;      /* rows the buffers hold / hold now */
	size_t ocap;          /* rows the out buffers hold */
	uint64_t base;        /* part row of buffer row 0 */
	uint64_t next;        /* next part row to write */
	long w, hw;           /* window, half window */
	int method, order;
	double *coef;         /* savgol: w x w, row s = weights for t at s */
	double *tmp, *u, *q;  /* scratch: w values, positions, w x (order+1) */
	/* savgol, w <= 64: weights of windows with non-finite samples, by
	 * (mask of the non-finite positions, position of t). */
	struct wcache *cache;
	double *cw;           /* CACHE_SLOTS x w weights */
	double *sorted;       /* median: the window's finite values, sorted */
	size_t nsorted;
};

#define CACHE_SLOTS 4096

/* A cached weight row: key = mask and position; c = NaN when no fit. */
struct wcache {
	uint64_t mask;
	int s;              /* position of t in the window, -1: empty slot */
};

/*
 * lsq_weights: the weights c[0..m) such that sum c[i] v[i] is the value
 * at position 0 of the least-squares polynomial of degree deg through the
 * points (pos[i], v[i]); q is scratch of m*(deg+1) doubles.  Uses modified
 * Gram-Schmidt (twice, for accuracy) on the Vandermonde matrix of pos
 * scaled by scale: c = Q Q^T e0, with e0 the row of a point at 0 (so c[i]
 * = sum_l Q0[l] Q[i][l], where Q0 is the projection of position 0).
 * Returns 0, or -1 if fewer than deg+1 points (no unique fit).
 */
static int
lsq_weights(double *c, const double *pos, size_t m, int deg, double scale,
    double *q)
{
	size_t n = (size_t)deg + 1;
	double r0[64];  /* the coefficients of position 0 in the basis */

	if (m < n || n > 64)
		return -1;
	for (size_t i = 0; i < m; i++) {
		double p = 1, u = pos[i] / scale;
		for (size_t l = 0; l < n; l++, p *= u)
			q[i * n + l] = p;
	}
	/* Row vector of position 0: (1, 0, ..., 0); track its expansion
	 * through the same column operations (R^-1 applied on the right). */
	for (size_t l = 0; l < n; l++)
		r0[l] = l == 0;
	for (size_t l = 0; l < n; l++) {
		for (int pass = 0; pass < 2; pass++)
			for (size_t k = 0; k < l; k++) {
				double d = 0;
				for (size_t i = 0; i < m; i++)
					d += q[i * n + k] * q[i * n + l];
				for (size_t i = 0; i < m; i++)
					q[i * n + l] -= d * q[i * n + k];
				r0[l] -= d * r0[k];
			}
		double nn = 0;
		for (size_t i = 0; i < m; i++)
			nn += q[i * n + l] * q[i * n + l];
		nn = sqrt(nn);
		if (!(nn > 1e-12 * sqrt((double)m)))
			return -1;
		for (size_t i = 0; i < m; i++)
			q[i * n + l] /= nn;
		r0[l] /= nn;
	}
	for (size_t i = 0; i < m; i++) {
		double s = 0;
		for (size_t l = 0; l < n; l++)
			s += r0[l] * q[i * n + l];
		c[i] = s;
	}
	return 0;
}

/*
 * smooth_at: the Savitzky-Golay value of column x (buffer values, part row
 * t at index t - base) for part row t, with n rows in the part (n known:
 * the window is within [0, n)).
 */
static double
smooth_at(struct part *p, const double *x, uint64_t t, uint64_t n)
{
	long hw = p->hw, w = p->w;
	int64_t a = (int64_t)t - hw, b = (int64_t)t + hw;
	const double *v;
	size_t m = 0;

	if (!isfinite(x[t - p->base]))
		return x[t - p->base];
	/* The window, shifted inside [0, n). */
	if ((uint64_t)w > n) {
		a = 0;
		b = (int64_t)n - 1;
	} else if (a < 0) {
		a = 0;
		b = w - 1;
	} else if (b > (int64_t)n - 1) {
		b = (int64_t)n - 1;
		a = b - w + 1;
	}
	v = x + (a - (int64_t)p->base);
	if (b - a + 1 == w) {
		const double *c = p->coef + (size_t)(t - a) * (size_t)w;
		double s = 0;
		for (long i = 0; i < w; i++)
			s += c[i] * v[i];
		if (isfinite(s))
			return s;
	}
	/* A window with NaN: cached weights by (mask, position). */
	if (b - a + 1 == w && p->cache != NULL) {
		uint64_t mask = 0, hsh;
		double *cw, s = 0;
		for (long i = 0; i < w; i++)
			mask |= (uint64_t)!isfinite(v[i]) << i;
		hsh = (mask * 0x9E3779B97F4A7C15u + (uint64_t)(t - a) *
		    0xC2B2AE3D27D4EB4Fu) >> 52;
		for (int probe = 0;; probe++, hsh = (hsh + 1) % CACHE_SLOTS) {
			struct wcache *e = &p->cache[hsh];
			cw = p->cw + hsh * (size_t)w;
			if (e->s == (int)(t - a) && e->mask == mask)
				break;
			if (e->s >= 0 && probe < 16)
				continue;
			if (e->s >= 0) {
				/* A crowded table: compute without caching. */
				cw = NULL;
				break;
			}
			/* A free slot: compute the row (NaN if no fit). */
			for (long i = 0; i < w; i++)
				if (!(mask >> i & 1))
					p->u[m++] = (double)(a + i - (int64_t)t);
			double *c = p->q + (size_t)w * (size_t)(p->order + 1);
			int ok = lsq_weights(c, p->u, m, p->order, hw > 0 ?
			    (double)hw : 1, p->q) == 0;
			for (long i = 0, k = 0; i < w; i++)
				cw[i] = !ok ? NAN : mask >> i & 1 ? 0 : c[k++];
			e->mask = mask;
			e->s = (int)(t - a);
			break;
		}
		if (cw != NULL) {
			if (isnan(cw[0]))
				return NAN;
			for (long i = 0; i < w; i++)
				if (!(mask >> i & 1))
					s += cw[i] * v[i];
			return s;
		}
		m = 0;
	}
	/* A part shorter than the window, or a window too long to cache:
	 * fit the valid samples. */
	for (int64_t i = 0; i <= b - a; i++)
		if (isfinite(v[i])) {
			p->u[m] = (double)(a + i - (int64_t)t);
			p->tmp[m++] = v[i];
		}
	double *c = p->q + (size_t)w * (size_t)(p->order + 1);
	if (lsq_weights(c, p->u, m, p->order, hw > 0 ? (double)hw : 1,
	    p->q) < 0)
		return NAN;
	double s = 0;
	for (size_t i = 0; i < m; i++)
		s += c[i] * p->tmp[i];
	return s;
}

/* Four doubles as one SIMD value (GCC and Clang vector extension). */
typedef double v4d __attribute__((vector_size(32)));

/* LD4: v = p[0..3]; ST4: p[0..3] = v; LD8, ST8 the same for eight
 * (any alignment; macros, since a function taking or returning a vector
 * would depend on the ABI). */
#define LD4(v, p) memcpy(&(v), (p), sizeof(v4d))
#define ST4(p, v) memcpy((p), &(v), sizeof(v4d))
#define LD8(v, p) memcpy(&(v), (p), 64)
#define ST8(p, v) memcpy((p), &(v), 64)

/* fir and median_net are MULTIVERSION (common.h): the same bytes on
 * every machine. */

/*
 * fir: o[i] = sum_k c[k] xs[i + k] for i in [0, m), k = 0..w-1, each sum
 * taken in the order k = 0..w-1 from 0 (the same sums as smooth_at's);
 * sixteen rows at a time, in vector registers.
 */
MULTIVERSION static void
fir(double *restrict o, const double *restrict xs, size_t m,
    const double *restrict c, long w)
{
	size_t i = 0;

	for (; i + 16 <= m; i += 16) {
		v4d a0 = { 0, 0, 0, 0 }, a1 = a0, a2 = a0, a3 = a0;
		const double *x = xs + i;
		for (long k = 0; k < w; k++) {
			v4d ck = { c[k], c[k], c[k], c[k] }, x0, x1, x2, x3;
			LD4(x0, x + k);
			LD4(x1, x + k + 4);
			LD4(x2, x + k + 8);
			LD4(x3, x + k + 12);
			a0 += ck * x0;
			a1 += ck * x1;
			a2 += ck * x2;
			a3 += ck * x3;
		}
		ST4(o + i, a0);
		ST4(o + i + 4, a1);
		ST4(o + i + 8, a2);
		ST4(o + i + 12, a3);
	}
	for (; i < m; i++) {
		double a = 0;
		for (long k = 0; k < w; k++)
			a += c[k] * xs[i + (size_t)k];
		o[i] = a;
	}
}

/*
 * savgol_run: the Savitzky-Golay values of column x for the n part rows
 * from t0 into out (end rows read; ended: the part has end rows).  Rows
 * whose centred window lies inside the rows read get the convolution with
 * the centre weights, a loop the compiler vectorises; where that gives a
 * non-finite value (a NaN or infinite sample in the window), and at the
 * part's ends, smooth_at decides.
 */
static void
savgol_run(struct part *p, const double *x, uint64_t t0, size_t n,
    uint64_t end, double *out, int ended)
{
	long w = p->w, hw = p->hw;
	const double *c = p->coef + (size_t)hw * (size_t)w;
	uint64_t lo = t0, hi = t0 + n;   /* interior rows [lo, hi) */

	if (lo < (uint64_t)hw)
		lo = (uint64_t)hw;
	if (ended && hi + (uint64_t)hw > end)
		hi = end > (uint64_t)hw ? end - (uint64_t)hw : 0;
	if (end < (uint64_t)w || hi <= lo)
		lo = hi = t0;
	for (uint64_t t = t0; t < lo; t++)
		out[t - t0] = smooth_at(p, x, t, end);
	if (hi > lo) {
		size_t m = (size_t)(hi - lo), i;
		double *restrict o = out + (lo - t0);
		const double *restrict xs = x + (lo - (uint64_t)hw - p->base);
		fir(o, xs, m, c, w);
		for (i = 0; i < m; i++)
			if (!isfinite(o[i]))
				o[i] = smooth_at(p, x, lo + i, end);
	}
	for (uint64_t t = hi > lo ? hi : lo; t < t0 + n; t++)
		out[t - t0] = smooth_at(p, x, t, end);
}

/* sorted_insert: insert v into the sorted array a of *n values (a linear
 * scan for short arrays: one branch misprediction instead of one per
 * bisection step). */
static void
sorted_insert(double *a, size_t *n, double v)
{
	size_t lo = 0, hi = *n;

	if (hi <= 64) {
		size_t i = hi;
		for (; i > 0 && a[i - 1] > v; i--)
			a[i] = a[i - 1];
		a[i] = v;
		(*n)++;
		return;
	}

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(a + lo + 1, a + lo, (*n - lo) * sizeof(double));
	a[lo] = v;
	(*n)++;
}

/* sorted_remove: remove one value equal to v from the sorted array a of
 * *n values (v is there). */
static void
sorted_remove(double *a, size_t *n, double v)
{
	size_t lo = 0, hi = *n;

	if (hi <= 64) {
		size_t i = 0;
		while (a[i] != v)
			i++;
		for (; i + 1 < hi; i++)
			a[i] = a[i + 1];
		(*n)--;
		return;
	}

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(a + lo, a + lo + 1, (*n - lo - 1) * sizeof(double));
	(*n)--;
}

/*
 * sorted_replace: in the sorted array a of m values (m >= 1), remove one
 * value equal to o (o is there) and insert v, with the result of
 * sorted_remove and then sorted_insert (the first value equal to o goes;
 * v goes after the values <= v): v moves from o's place towards its own,
 * over the values between, usually few in a smooth signal.
 */
static void
sorted_replace(double *a, size_t m, double o, double v)
{
	size_t i = 0;

	for (size_t k = 0; k < m; k++)
		i += a[k] < o;
	if (v >= o)
		for (; i + 1 < m && a[i + 1] <= v; i++)
			a[i] = a[i + 1];
	else
		for (; i > 0 && a[i - 1] > v; i--)
			a[i] = a[i - 1];
	a[i] = v;
}

/* Eight doubles, and eight 64-bit integers (the masks of v8d
 * comparisons). */
typedef double v8d __attribute__((vector_size(64)));
typedef long long v8l __attribute__((vector_size(64)));

#define NET_MAX 15   /* the longest window median_net sorts */

/*
 * median_net: out[r] = the median of xs[r .. r + w - 1] for r in [0, 8),
 * w odd and at most NET_MAX, every value finite: the eight windows are
 * sorted side by side, one per vector lane, by odd-even transposition (w
 * rounds of compare-exchanges, each a min and a max), and the middle
 * taken.  Compiled for the widest vectors the machine has; the value is
 * the same whatever the variant (there is no rounding in a min or max).
 */
MULTIVERSION static void
median_net(const double *restrict xs, double *restrict out, long w)
{
	v8d v[NET_MAX];

	for (long j = 0; j < w; j++)
		LD8(v[j], xs + j);
	for (long r = 0; r < w; r++)
		for (long j = r & 1; j + 1 < w; j += 2) {
			v8d a = v[j], b = v[j + 1];
			v8l lt = a < b, ia, ib;
			memcpy(&ia, &a, sizeof(ia));
			memcpy(&ib, &b, sizeof(ib));
			v8l lo = (ia & lt) | (ib & ~lt);
			v8l hi = (ib & lt) | (ia & ~lt);
			memcpy(&v[j], &lo, sizeof(lo));
			memcpy(&v[j + 1], &hi, sizeof(hi));
		}
	ST8(out, v[w / 2]);
}

/*
 * median_run: the running median (of the finite samples of the window
 * cut to the part; a non-finite input is copied) of column x for the
 * n part rows from t0, into out, with `end` rows in the part (windows
 * within [0, end)): the window's finite values are kept sorted, one value
 * in and one out per row.
 */
static void
median_run(struct part *p, const double *x, uint64_t t0, size_t n,
    uint64_t end, double *out)
{
	int64_t hw = p->hw, lo, hi;  /* the sorted window: rows [lo, hi] */
	double *a = p->sorted;
	size_t m = 0;

	lo = (int64_t)t0 - hw < 0 ? 0 : (int64_t)t0 - hw;
	hi = lo - 1;
	for (size_t i = 0; i < n; i++) {
		int64_t t = (int64_t)t0 + (int64_t)i;
		/* Eight rows whose windows are inside the part and finite:
		 * sorted apart; the sorted window restarts after them. */
		if (p->w <= NET_MAX && p->w > 1 && i + 8 <= n && t - hw >= 0 &&
		    t + 7 + hw < (int64_t)end) {
			const double *xs = x + (t - hw - (int64_t)p->base);
			int fin = 1;
			for (long j = 0; j < p->w + 7; j++)
				fin &= isfinite(xs[j]) != 0;
			if (fin) {
				median_net(xs, out + i, p->w);
				m = 0;
				lo = t + 8 - hw;
				hi = lo - 1;
				i += 7;
				continue;
			}
		}
		int64_t na = t - hw < 0 ? 0 : t - hw;
		int64_t nb = t + hw > (int64_t)end - 1 ? (int64_t)end - 1 :
		    t + hw;
		if (lo == na - 1 && hi == nb - 1 && lo <= hi && m <= 64 &&
		    m > 0 && isfinite(x[lo - (int64_t)p->base]) &&
		    isfinite(x[nb - (int64_t)p->base])) {
			/* The common step: one finite value out, one in. */
			sorted_replace(a, m, x[lo - (int64_t)p->base],
			    x[nb - (int64_t)p->base]);
			lo++;
			hi++;
		}
		for (; lo < na; lo++)
			if (lo <= hi && isfinite(x[lo - (int64_t)p->base]))
				sorted_remove(a, &m, x[lo - (int64_t)p->base]);
		if (hi < lo - 1)
			hi = lo - 1;
		for (; hi < nb; hi++)
			if (isfinite(x[hi + 1 - (int64_t)p->base]))
				sorted_insert(a, &m, x[hi + 1 -
				    (int64_t)p->base]);
		double v = x[t - (int64_t)p->base];
		out[i] = !isfinite(v) ? v : m % 2 ? a[m / 2] :
		    (a[m / 2 - 1] + a[m / 2]) / 2;
	}
}

/*
 * part_init: set up p for the part with header h and window w (odd).
 * filt marks the columns to filter (taken over).
 */
static void
part_init(struct part *p, const mz_header *h, unsigned char *filt, long w,
    int method, int order)
{
	memset(p, 0, sizeof(*p));
	p->h = h;
	p->ncols = h->ncols;
	p->filt = filt;
	p->w = w;
	p->hw = w / 2;
	p->method = method;
	p->order = order;
	p->x = xcalloc(h->ncols, sizeof(*p->x));
	p->raw = xcalloc(h->ncols, sizeof(*p->raw));
	p->sz = xcalloc(h->ncols, sizeof(*p->sz));
	p->out = xcalloc(h->ncols, sizeof(*p->out));
	p->cols = xcalloc(h->ncols, sizeof(*p->cols));
	for (size_t j = 0; j < h->ncols; j++)
		p->sz[j] = mz_type_size(h->cols[j].type);
	p->tmp = xmalloc((size_t)w * sizeof(double));
	p->u = xmalloc((size_t)w * sizeof(double));
	/* q: the fit's scratch matrix, then its weights. */
	p->q = xmalloc((size_t)w * (size_t)(order + 2) * sizeof(double));
	if (method == M_SAVGOL && w <= 64) {
		p->cache = xmalloc(CACHE_SLOTS * sizeof(*p->cache));
		p->cw = xmalloc(CACHE_SLOTS * (size_t)w * sizeof(double));
		for (size_t i = 0; i < CACHE_SLOTS; i++)
			p->cache[i].s = -1;
	}
	if (method == M_MEDIAN)
		p->sorted = xmalloc((size_t)w * sizeof(double));
	if (method == M_SAVGOL) {
		p->coef = xmalloc((size_t)w * (size_t)w * sizeof(double));
		for (long s = 0; s < w; s++) {
			for (long i = 0; i < w; i++)
				p->u[i] = (double)(i - s);
			if (lsq_weights(p->coef + s * w, p->u, (size_t)w, order,
			    p->hw > 0 ? (double)p->hw : 1, p->q) < 0)
				die("internal error: Savitzky-Golay weights");
		}
	}
}

/* part_free: release what part_init and the buffers allocated. */
static void
part_free(struct part *p)
{
	for (size_t j = 0; j < p->ncols; j++) {
		free(p->x[j]);
		free(p->raw[j]);
		free(p->out[j]);
	}
	free(p->x);
	free(p->raw);
	free(p->sz);
	free(p->out);
	free(p->cols);
	free(p->filt);
	free(p->coef);
	free(p->cache);
	free(p->cw);
	free(p->sorted);
	free(p->tmp);
	free(p->u);
	free(p->q);
}

/* part_append: add the n rows of block b to the buffers. */
static void
part_append(struct part *p, const mz_block *b)
{
	size_t n = b->nrows;

	if (p->len + n > p->cap) {
		size_t cap = p->len + n + (size_t)p->w;
		for (size_t j = 0; j < p->ncols; j++)
			if (p->filt[j])
				p->x[j] = xrealloc(p->x[j], cap * sizeof(double));
			else
				p->raw[j] = xrealloc(p->raw[j], cap * p->sz[j]);
		p->cap = cap;
	}
	for (size_t j = 0; j < p->ncols; j++) {
		mz_type t = p->h->cols[j].type;
		if (!p->filt[j])
			memcpy(p->raw[j] + p->len * p->sz[j], b->cols[j],
			    n * p->sz[j]);
		else if (t == MZ_F64)
			memcpy(p->x[j] + p->len, b->cols[j], n * sizeof(double));
		else
			for (size_t i = 0; i < n; i++)
				p->x[j][p->len + i] = mz_get_f64(b->cols[j], t, i);
	}
	p->len += n;
}

/*
 * part_emit: write the rows from p->next whose windows are complete: all
 * of them when the part has ended (n = its row count), else those whose
 * window ends within the rows read.  Then drop the rows no later window
 * needs.
 */
static void
part_emit(struct part *p, mz_writer *w, int ended)
{
	uint64_t end = p->base + p->len, upto, keep;
	mz_err e;

	if (ended)
		upto = end;
	else {
		/* Row t is ready when row max(t + hw, w - 1) (savgol) or
		 * t + hw (median) has been read. */
		uint64_t need = (uint64_t)p->hw;
		if (end < (uint64_t)p->w && p->method == M_SAVGOL)
			upto = 0;
		else
			upto = end > need ? end - need : 0;
	}
	if (upto > p->next) {
		size_t n = (size_t)(upto - p->next), off = (size_t)(p->next -
		    p->base);
		if (n > p->ocap) {
			for (size_t j = 0; j < p->ncols; j++)
				if (p->filt[j])
					p->out[j] = xrealloc(p->out[j], n *
					    p->sz[j]);
			p->ocap = n;
		}
		for (size_t j = 0; j < p->ncols; j++) {
			if (!p->filt[j]) {
				p->cols[j] = p->raw[j] + off * p->sz[j];
				continue;
			}
			mz_type t = p->h->cols[j].type;
			if (p->method == M_MEDIAN && t == MZ_F64)
				median_run(p, p->x[j], p->next, n, end,
				    p->out[j]);
			else if (p->method == M_MEDIAN) {
				double *tmp = xmalloc(n * sizeof(double));
				median_run(p, p->x[j], p->next, n, end, tmp);
				for (size_t i = 0; i < n; i++)
					mz_put_f64(p->out[j], t, i, tmp[i]);
				free(tmp);
			} else if (t == MZ_F64)
				savgol_run(p, p->x[j], p->next, n, end,
				    p->out[j], ended);
			else {
				double *tmp = xmalloc(n * sizeof(double));
				savgol_run(p, p->x[j], p->next, n, end, tmp,
				    ended);
				for (size_t i = 0; i < n; i++)
					mz_put_f64(p->out[j], t, i, tmp[i]);
				free(tmp);
			}
			p->cols[j] = p->out[j];
		}
		if (mz_writer_append(w, n, (const void *const *)p->cols,
		    &e) < 0)
			die_err(&e);
		p->next = upto;
	}
	/* Keep rows from next - (w - 1): the earliest a later window uses. */
	keep = p->next > (uint64_t)(p->w - 1) ? p->next - (uint64_t)(p->w -
	    1) : 0;
	if (keep > p->base) {
		size_t d = (size_t)(keep - p->base), rest = p->len - d;
		for (size_t j = 0; j < p->ncols; j++)
			if (p->filt[j])
				memmove(p->x[j], p->x[j] + d, rest *
				    sizeof(double));
			else
				memmove(p->raw[j], p->raw[j] + d * p->sz[j],
				    rest * p->sz[j]);
		p->base = keep;
		p->len = rest;
	}
}

/*
 * choose_columns: the columns of h to filter (a malloc'd flag per
 * column): those matching a glob of the comma-separated list globs, or
 * when NULL every NAME.x, NAME.y and NAME.z of the bodyparts metadata.
 * Dies if none is chosen, or a chosen one is not a float column.
 */
static unsigned char *
choose_columns(const mz_header *h, const char *globs, const char *where)
{
	unsigned char *f = xcalloc(h->ncols ? h->ncols : 1, 1);
	size_t cnt = 0;

	if (globs == NULL) {
		const cJSON *bps = cJSON_GetObjectItemCaseSensitive(h->meta,
		    "bodyparts"), *it;
		if (bps == NULL)
			die("%s: no \"bodyparts\" metadata (not standard tracks; "
			    "name the columns with -k)", where);
		if (!cJSON_IsArray(bps))
			die("%s: \"bodyparts\" metadata is not an array of "
			    "names", where);
		cJSON_ArrayForEach(it, bps) {
			static const char *const sfx[] = { "x", "y", "z" };
			char name[512];
			if (!cJSON_IsString(it))
				die("%s: \"bodyparts\" metadata is not an array "
				    "of names", where);
			for (int d = 0; d < 3; d++) {
				int j;
				snprintf(name, sizeof(name), "%s.%s",
				    it->valuestring, sfx[d]);
				if ((j = mz_header_find(h, name)) >= 0)
					f[j] = 1;
				else if (d < 2)
					die("%s: bodypart '%s' has no column "
					    "'%s'", where, it->valuestring, name);
			}
		}
	} else {
		char *copy = xstrdup(globs), *save = NULL;
		for (char *g = strtok_r(copy, ",", &save); g != NULL;
		    g = strtok_r(NULL, ",", &save)) {
			int hit = 0;
			for (size_t j = 0; j < h->ncols; j++)
				if (fnmatch(g, h->cols[j].name, 0) == 0)
					f[j] = hit = 1;
			if (!hit)
				die("%s: no column matches '%s'", where, g);
		}
		free(copy);
	}
	for (size_t j = 0; j < h->ncols; j++)
		if (f[j]) {
			if (!mz_type_isfloat(h->cols[j].type))
				die("%s: column '%s' is %s, not a float type",
				    where, h->cols[j].name,
				    mz_type_name(h->cols[j].type));
			cnt++;
		}
	if (cnt == 0)
		die("%s: no column to smooth", where);
	return f;
}

/*
 * part_window: the window in frames for a part with header h: wframes,
 * or wsec times the part's fps rounded to the nearest integer and made
 * odd by adding 1 if even.  Dies if fps is missing, or the window is too
 * short for the order.
 */
static long
part_window(const mz_header *h, const struct opts *o, const char *where)
{
	long w = o->wframes;

	if (w == 0) {
		double fps = mz_meta_num(h, "fps", NAN);
		double f = o->wsec * fps;
		if (!(fps > 0) || isinf(fps))
			die("%s: no \"fps\" metadata for a window in seconds",
			    where);
		if (!(f < 1e7))
			die("%s: window of %gs at %g fps is too long", where,
			    o->wsec, fps);
		w = lround(f);
		if (w % 2 == 0)
			w++;
	}
	if (o->method == M_SAVGOL && w <= o->order)
		die("%s: window of %ld frames is too short for order %d", where,
		    w, o->order);
	return w;
}

/* smooth_part: filter the current part of r into w. */
static void
smooth_part(mz_reader *r, mz_writer *wr, const struct opts *o,
    const cJSON *opts)
{
	const mz_header *h = mz_reader_header(r);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(h->meta,
	    "sequence");
	char where[600];
	struct part p;
	mz_header *oh;
	cJSON *hist, *info;
	mz_block b;
	mz_err e;
	long w;
	int rc;

	snprintf(where, sizeof(where), "%s: part %zu%s%s", mz_reader_name(r),
	    mz_reader_part_index(r), cJSON_IsString(seq) ? " " : "",
	    cJSON_IsString(seq) ? seq->valuestring : "");
	w = part_window(h, o, where);
	part_init(&p, h, choose_columns(h, o->columns, where), w, o->method,
	    o->order);
	if ((oh = mz_header_copy(h)) == NULL ||
	    (hist = cJSON_Duplicate(opts, 1)) == NULL ||
	    (info = cJSON_CreateObject()) == NULL)
		die("out of memory");
	if (!cJSON_AddStringToObject(info, "method", o->method == M_SAVGOL ?
	    "savgol" : "median") ||
	    !cJSON_AddNumberToObject(info, "window", (double)w) ||
	    (o->method == M_SAVGOL &&
	    !cJSON_AddNumberToObject(info, "order", o->order)))
		die("out of memory");
	{
		cJSON *cols = cJSON_AddArrayToObject(info, "columns");
		if (cols == NULL)
			die("out of memory");
		for (size_t j = 0; j < h->ncols; j++)
			if (p.filt[j] && !cJSON_AddItemToArray(cols,
			    cJSON_CreateString(h->cols[j].name)))
				die("out of memory");
	}
	if (mz_meta_set(oh, "smooth", info, &e) < 0)
		die_err(&e);
	history_add(oh, hist);
	if (mz_writer_begin_part(wr, oh, &e) < 0)
		die_err(&e);
	mz_header_free(oh);
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
		part_append(&p, &b);
		part_emit(&p, wr, 0);
	}
	if (rc < 0)
		die_err(&e);
	part_emit(&p, wr, 1);
	if (mz_writer_end_part(wr, &e) < 0)
		die_err(&e);
	part_free(&p);
}

/*
 * parse_window: a window of N frames (a positive odd integer) or Ns
 * seconds (a positive number followed by 's') into o; usage error
 * otherwise.
 */
static void
parse_window(const char *s, struct opts *o)
{
	size_t n = strlen(s);
	double v;

	if (n > 1 && s[n - 1] == 's') {
		if (mz_parse_f64(s, n - 1, &v) < 0 || !(v > 0) || isinf(v))
			usage_error("bad window '%s' (want a positive number "
			    "of seconds, such as 0.2s)", s);
		o->wframes = 0;
		o->wsec = v;
		return;
	}
	uint64_t w = parse_count(s, "window");
	if (w % 2 == 0 || w > 1000001)
		usage_error("bad window '%s' (want an odd number of frames, "
		    "1 to 1000001, or seconds such as 0.2s)", s);
	o->wframes = (long)w;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "columns", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "method", required_argument, NULL, 'm' },
		{ "order", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "window", required_argument, NULL, 'w' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	struct opts o = { M_SAVGOL, 5, 0, 2, NULL };
	const char *outpath = NULL, *wtext = "5";
	int c, force = 0, rflag = 0;
	uint64_t ord;
	mz_writer *w;
	cJSON *opts;
	mz_err e;

	tool_init("mz-smooth", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:fhk:m:o:qr:w:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			wo.codec = parse_codec(optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'k':
			if (optarg[0] == '\0' || strstr(optarg, ",,") ||
			    optarg[0] == ',' ||
			    optarg[strlen(optarg) - 1] == ',')
				usage_error("bad column list '%s'", optarg);
			o.columns = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "savgol") == 0)
				o.method = M_SAVGOL;
			else if (strcmp(optarg, "median") == 0)
				o.method = M_MEDIAN;
			else
				usage_error("bad method '%s' (want savgol or "
				    "median)", optarg);
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'r':
			ord = parse_count(optarg, "order");
			if (ord > 20)
				usage_error("bad order '%s' (want 0 to 20)",
				    optarg);
			o.order = (int)ord;
			rflag = 1;
			break;
		case 'w':
			parse_window(optarg, &o);
			wtext = optarg;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (rflag && o.method == M_MEDIAN)
		usage_error("-r (order) applies to -m savgol only");
	if (o.method == M_SAVGOL && o.wframes > 0 && o.wframes <= o.order)
		usage_error("window %ld is too short for order %d (want "
		    "window > order)", o.wframes, o.order);
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	check_inputs(argv, argc);
	opts = opts_new();
	opts_str(opts, "method", o.method == M_SAVGOL ? "savgol" : "median");
	opts_str(opts, "window", wtext);
	if (o.method == M_SAVGOL)
		opts_num(opts, "order", o.order);
	if (o.columns)
		opts_str(opts, "columns", o.columns);
	else if (cJSON_AddNullToObject(opts, "columns") == NULL)
		die("out of memory");

	w = out_writer(outpath, force, &wo);
	for (int i = 0; i < argc; i++) {
		mz_reader *r = mz_reader_open(argv[i], &e);
		int rc;

		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0)
			smooth_part(r, w, &o, opts);
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	cJSON_Delete(opts);
	out_close(w);
	return 0;
}
