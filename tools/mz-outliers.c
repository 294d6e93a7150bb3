/*
 * mz-outliers - keypoint-MoSeq's outlier rule on standard tracks, NaN-aware,
 * with gaps filled by linear interpolation in time (see mz-outliers(1)).
 *
 * The thresholds are statistics of the whole recording, so each part is
 * read twice.  The input (which may be a pipe) is spooled to three unlinked
 * temporary files: the keypoints as fixed-size records of K * (D + 1)
 * doubles per frame (coordinates, confidence), their distances to the
 * frame's median point (K doubles per frame), and the other columns block
 * by block.  The per-keypoint medians are then selected exactly by radix
 * selection over the distances (histograms of 12-bit digits of their bit
 * patterns, a few passes, then the few candidates left collected and
 * selected in memory), then the points flagged, the gaps filled and the
 * output written in one last pass (a gap's end is found ahead in the
 * chunk in memory or, for a gap that runs past it, in the spools).
 * Memory is a chunk of records, one input block
 * and the histograms, whatever the length of a recording; disk is the size
 * of the part.
 */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-outliers [-fq] [-c codec] [-g frames] [-o file] [-r file] " \
	"[-s scale] [-t threshold] [file ...]"

#define DIGIT 12                  /* bits per radix-selection pass */
#define NBIN (1u << DIGIT)
#define COLLECT_MAX 65536         /* candidates selected in memory */
#define CHUNK_BYTES (4u << 20)    /* records in memory at once */
#define SPOOL_BUF (1u << 20)      /* stdio buffer of a spool being written */
#define SAMPLE_MAX 16384          /* sampled distances per keypoint */
#define GATHER_FRAMES 512         /* records gathered or scattered at once */
#define PROBE_FRAMES 256          /* records read ahead at once for a gap's end */

/* Status of a point after flagging. */
enum { ST_OK, ST_OUTLIER, ST_LOWCONF, ST_MISSING };

/* How a gap is filled: not (left NaN), by interpolation between the valid
 * points either side, with the next valid point (a gap that starts the
 * part), with the last one (a gap that ends it). */
enum { FILL_NONE, FILL_INTERP, FILL_NEXT, FILL_LAST };

/* The options. */
struct opts {
	double scale;
	double conf;        /* NaN: no confidence threshold */
	uint64_t max_gap;   /* UINT64_MAX: no limit */
};

/* One bodypart of the current part. */
struct bp {
	const char *name;
	int c[3], p;        /* input columns of x, y[, z] and p (-1 absent) */
	/* Statistics and counts. */
	uint64_t valid, missing, outliers, lowconf, after;
	double med, mad, thr;
	/* A deterministic sample of the valid distances: those whose index
	 * among them is a multiple of stride (at most SAMPLE_MAX). */
	double *samp;
	size_t nsamp;
	uint64_t stride;
	/* Pass 2 state: last valid frame (or -1) and its coordinates; the
	 * open gap (frames not valid from gap, or -1), its end (the next valid
	 * frame, or n) and the values it is filled with: FILL_*. */
	int64_t last, gap, gend;
	double lastv[3], gendv[3];
	int fill;
};

/* One target of a radix selection: an order statistic of a keypoint. */
struct target {
	uint64_t rank;      /* rank among the values with the prefix */
	uint64_t prefix;    /* the top `bits` bits of the answer */
	int bits;           /* bits resolved */
	int collect;        /* 1: the next pass collects candidates */
	uint64_t count;     /* values with the prefix */
	double *buf;        /* collected candidates */
	size_t nbuf;
	int done;
	double value;
};

/* The part being processed. */
struct part {
	const mz_header *h;
	const char *where;
	size_t K, D, rec;   /* bodyparts, dimensions, doubles per record */
	struct bp *bp;
	unsigned char *kp;  /* per input column: a keypoint column */
	int pfd, rfd, dfd;  /* spools: points, rest, distances */
	FILE *pf, *rf, *df;
	uint64_t n;         /* frames */
	double *chunk;      /* records of a chunk */
	size_t chunk_frames;
	double *tmp;        /* K scratch values */
	double *dist;       /* chunk_frames * K distances */
	double *probe;      /* PROBE_FRAMES records read ahead, */
	double *pdist;      /* and their distances */
	char *sbuf;         /* 3 * SPOOL_BUF: the spools' stdio buffers */
};

static mz_atomic *report_out;   /* the --report file, while open */

/* abort_report: atexit handler: a run that dies leaves no report. */
static void
abort_report(void)
{
	mz_atomic_abort(report_out);
	report_out = NULL;
}

/*
 * spool_open: an unlinked temporary file in $TMPDIR (or /tmp) for reading
 * and writing; *f gets a stdio stream on it for sequential writing, with
 * buf (SPOOL_BUF bytes, the caller's until *f is closed) as its buffer.
 */
static int
spool_open(FILE **f, char *buf)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/mz-outliers.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		die("%s: temporary file:", path);
	unlink(path);
	if ((*f = fdopen(dup(fd), "w")) == NULL)
		die("temporary file:");
	/* Large writes: far fewer system calls than stdio's default (glibc
	 * ignores the size given without a buffer). */
	if (setvbuf(*f, buf, _IOFBF, SPOOL_BUF) != 0)
		die("temporary file: setvbuf:");
	return fd;
}

/* swrite: write n bytes to a spool stream, dying on error. */
static void
swrite(FILE *f, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, f) != n)
		die("temporary file: write:");
}

/* sread: read exactly n bytes at offset off of fd, dying on error. */
static void
sread(int fd, void *p, size_t n, uint64_t off)
{
	char *c = p;

	while (n > 0) {
		ssize_t k = pread(fd, c, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die("temporary file: read:");
		c += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
}

/* find_col: column "NAME.sfx" of h or -1; dies unless it is a float. */
static int
find_col(const mz_header *h, const char *name, const char *sfx,
    const char *where)
{
	char col[512];
	int j;

	snprintf(col, sizeof(col), "%s.%s", name, sfx);
	if ((j = mz_header_find(h, col)) >= 0 &&
	    !mz_type_isfloat(h->cols[j].type))
		die("%s: column '%s' is %s, not a float type", where, col,
		    mz_type_name(h->cols[j].type));
	return j;
}

/*
 * read_bodyparts: resolve the bodyparts metadata of p->h and their columns
 * into p->bp, p->K, p->D and p->kp; dies on missing metadata or columns.
 */
static void
read_bodyparts(struct part *p)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(p->h->meta,
	    "bodyparts"), *it;
	size_t k = 0;

	if (list == NULL)
		die("%s: no \"bodyparts\" metadata (not standard tracks)",
		    p->where);
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		die("%s: \"bodyparts\" metadata is not a non-empty array of "
		    "names", p->where);
	p->K = (size_t)cJSON_GetArraySize(list);
	p->bp = xcalloc(p->K, sizeof(*p->bp));
	p->kp = xcalloc(p->h->ncols, 1);
	cJSON_ArrayForEach(it, list) {
		struct bp *b = &p->bp[k];
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			die("%s: \"bodyparts\" metadata is not a non-empty array "
			    "of names", p->where);
		b->name = it->valuestring;
		b->c[0] = find_col(p->h, b->name, "x", p->where);
		b->c[1] = find_col(p->h, b->name, "y", p->where);
		b->c[2] = find_col(p->h, b->name, "z", p->where);
		b->p = find_col(p->h, b->name, "p", p->where);
		if (b->c[0] < 0 || b->c[1] < 0)
			die("%s: bodypart '%s' has no column '%s.%s'", p->where,
			    b->name, b->name, b->c[0] < 0 ? "x" : "y");
		if ((b->c[2] >= 0) != (p->bp[0].c[2] >= 0))
			die("%s: bodyparts '%s' and '%s' differ in dimension",
			    p->where, p->bp[0].name, b->name);
		for (size_t i = 0; i < k; i++)
			if (strcmp(p->bp[i].name, b->name) == 0)
				die("%s: bodypart '%s' is listed twice",
				    p->where, b->name);
		for (int d = 0; d < 3; d++)
			if (b->c[d] >= 0)
				p->kp[b->c[d]] = 1;
		if (b->p >= 0)
			p->kp[b->p] = 1;
		k++;
	}
	p->D = p->bp[0].c[2] >= 0 ? 3 : 2;
	p->rec = p->K * (p->D + 1);
}

/*
 * small_median: numpy's median of the m values at v (sorted in place):
 * the middle one, or the mean of the two middle ones; NaN when m is 0.
 */
static double
small_median(double *v, size_t m)
{
	if (m == 0)
		return NAN;
	for (size_t i = 1; i < m; i++) {
		double x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/*
 * sample_add: note the valid distance v of keypoint b (before b->valid
 * counts it) in its sample: kept when its index is a multiple of the
 * stride; a full sample keeps every other value and doubles the stride.
 */
static void
sample_add(struct bp *b, double v)
{
	if (b->samp == NULL) {
		b->samp = xmalloc(SAMPLE_MAX * sizeof(double));
		b->stride = 1;
	}
	/* The stride is a power of 2: a mask, not a division. */
	if ((b->valid & (b->stride - 1)) != 0)
		return;
	if (b->nsamp == SAMPLE_MAX) {
		for (size_t i = 0; 2 * i < SAMPLE_MAX; i++)
			b->samp[i] = b->samp[2 * i];
		b->nsamp = SAMPLE_MAX / 2;
		b->stride *= 2;
		if ((b->valid & (b->stride - 1)) != 0)
			return;
	}
	b->samp[b->nsamp++] = v;
}

/*
 * pass1_block: spool block b: its other columns to the rest spool, and
 * per frame the keypoint records with each point's distance to the
 * coordinate-wise median of the frame's valid points (NaN for a point
 * with a NaN coordinate).
 */
static void
pass1_block(struct part *p, const mz_block *b)
{
	size_t K = p->K, D = p->D, R = D + 1, n = b->nrows;
	uint64_t rows = n;
	double m[3];

	swrite(p->rf, &rows, sizeof(rows));
	for (size_t j = 0; j < p->h->ncols; j++)
		if (!p->kp[j])
			swrite(p->rf, b->cols[j], n *
			    mz_type_size(p->h->cols[j].type));
	/* GATHER_FRAMES frames at a time (their records stay in cache while
	 * they are gathered column by column): records and distances are
	 * built in memory and spooled with one write each. */
	for (size_t i0 = 0, gmax = p->chunk_frames < GATHER_FRAMES ?
	    p->chunk_frames : GATHER_FRAMES; i0 < n; i0 += gmax) {
		size_t g = n - i0 < gmax ? n - i0 : gmax;

		/* The records, column by column (sequential reads). */
		for (size_t k = 0; k < K; k++) {
			const struct bp *q = &p->bp[k];
			for (size_t d = 0; d <= D; d++) {
				int c = d < D ? q->c[d] : q->p;
				double *v = p->chunk + k * R + d;
				if (c < 0)
					for (size_t i = 0; i < g; i++)
						v[i * p->rec] = 1;
				else if (p->h->cols[c].type == MZ_F64) {
					const double *x = (const double *)
					    b->cols[c] + i0;
					for (size_t i = 0; i < g; i++)
						v[i * p->rec] = x[i];
				} else
					for (size_t i = 0; i < g; i++)
						v[i * p->rec] = mz_get_f64(
						    b->cols[c], p->h->cols[c].type,
						    i0 + i);
			}
		}
		for (size_t i = 0; i < g; i++) {
			double *r = p->chunk + i * p->rec;
			double *dist = p->dist + i * K;

			for (size_t k = 0; k < K; k++) {
				int ok = 1;
				for (size_t d = 0; d < D; d++)
					ok &= isfinite(r[k * R + d]) != 0;
				dist[k] = ok ? 0 : NAN;
			}
			for (size_t d = 0; d < D; d++) {
				size_t cnt = 0;
				for (size_t k = 0; k < K; k++)
					if (!isnan(dist[k]))
						p->tmp[cnt++] = r[k * R + d];
				m[d] = small_median(p->tmp, cnt);
			}
			for (size_t k = 0; k < K; k++) {
				double *v = r + k * R, s = 0;
				if (isnan(dist[k])) {
					p->bp[k].missing++;
					continue;
				}
				for (size_t d = 0; d < D; d++)
					s += (v[d] - m[d]) * (v[d] - m[d]);
				dist[k] = sqrt(s);
				sample_add(&p->bp[k], dist[k]);
				p->bp[k].valid++;
			}
		}
		swrite(p->pf, p->chunk, g * p->rec * sizeof(double));
		swrite(p->df, p->dist, g * K * sizeof(double));
	}
	p->n += n;
}

/* key: the bits of a non-negative double, ordered as the values are. */
static uint64_t
key(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

/* digit: the bits the next pass of target t resolves. */
static int
digit(const struct target *t)
{
	return 64 - t->bits < DIGIT ? 64 - t->bits : DIGIT;
}

/* cmp_double: qsort order of doubles (no NaN here). */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * kth: the k-th smallest of the n values a (k < n, no NaN), a rearranged
 * so that a[k] is it, with no greater value before and no smaller one
 * after (quickselect, median-of-three pivots).
 */
static double
kth(double *a, size_t n, size_t k)
{
	ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < r) {
		double x = a[l], y = a[l + (r - l) / 2], z = a[r], pv;
		ptrdiff_t i = l, j = r;
		pv = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ?
		    z : y);
		while (i <= j) {
			while (a[i] < pv)
				i++;
			while (a[j] > pv)
				j--;
			if (i <= j) {
				double t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		/* Now a[l..j] <= pv <= a[i..r], and a[j+1..i-1] = pv. */
		if (kk <= j)
			r = j;
		else if (kk >= i)
			l = i;
		else
			break;
	}
	return a[kk];
}

/* kth_next: after kth(a, n, k), the (k+1)-th smallest (k + 1 < n). */
static double
kth_next(const double *a, size_t n, size_t k)
{
	double v = a[k + 1];

	for (size_t i = k + 2; i < n; i++)
		if (a[i] < v)
			v = a[i];
	return v;
}

/*
 * bracket_select: the targets tg (2 per keypoint, the two middle ranks)
 * of stage (as select_stats) in one pass, where a keypoint's sample
 * brackets them: the values between two sample quantiles a few standard
 * errors either side of the middle are counted below and collected
 * within (at most COLLECT_MAX); when the ranks fall among those collected
 * they are selected from them, else the targets are left for the radix
 * selection.  *left counts the targets not done.
 */
static void
bracket_select(struct part *p, int stage, struct target *tg, size_t *left)
{
	size_t K = p->K, any = 0;
	double *lo = xcalloc(K, sizeof(double)), *hi = xcalloc(K,
	    sizeof(double));
	uint64_t *below = xcalloc(K, sizeof(uint64_t));
	size_t *nb = xcalloc(K, sizeof(size_t));
	unsigned char *use = xcalloc(K, 1), *over = xcalloc(K, 1);
	double **buf = xcalloc(K, sizeof(double *));

	for (size_t k = 0; k < K; k++) {
		struct bp *b = &p->bp[k];
		struct target *t0 = &tg[2 * k], *t1 = &tg[2 * k + 1];
		size_t m = b->nsamp;
		if (t0->done || t1->done || t0->collect || m < 64)
			continue;
		double *a = xmalloc(m * sizeof(double));
		for (size_t i = 0; i < m; i++)
			a[i] = stage ? fabs(b->samp[i] - b->med) : b->samp[i];
		double sc = (double)(m - 1) / (double)(b->valid - 1);
		double d = 2 * sqrt((double)m) + 2;
		double plo = floor((double)t0->rank * sc - d);
		double phi = ceil((double)t1->rank * sc + d);
		lo[k] = plo < 0 ? -INFINITY : kth(a, m, (size_t)plo);
		hi[k] = phi > (double)(m - 1) ? INFINITY : kth(a, m,
		    (size_t)phi);
		free(a);
		buf[k] = xmalloc(COLLECT_MAX * sizeof(double));
		use[k] = 1;
		any = 1;
	}
	for (uint64_t f0 = 0; any && f0 < p->n; f0 += p->chunk_frames) {
		size_t nf = p->n - f0 < p->chunk_frames ? (size_t)(p->n - f0) :
		    p->chunk_frames;
		sread(p->dfd, p->dist, nf * K * sizeof(double),
		    f0 * K * sizeof(double));
		/* Frame by frame, in the order the distances lie (each
		 * keypoint's candidates are still collected in frame order). */
		for (size_t i = 0; i < nf; i++)
			for (size_t k = 0; k < K; k++) {
				double v = p->dist[i * K + k];
				if (!use[k] || isnan(v))
					continue;
				if (stage)
					v = fabs(v - p->bp[k].med);
				/* Half the values fall below the bracket and
				 * half above: counted and tested without a
				 * branch to mispredict (v is not NaN here). */
				size_t ge = v >= lo[k], le = v <= hi[k];
				below[k] += 1 - ge;
				if (ge + le == 2) {
					if (nb[k] < COLLECT_MAX)
						buf[k][nb[k]++] = v;
					else
						over[k] = 1;
				}
			}
	}
	for (size_t k = 0; k < K; k++) {
		struct target *t0 = &tg[2 * k], *t1 = &tg[2 * k + 1];
		if (!use[k] || over[k] || below[k] > t0->rank ||
		    t1->rank - below[k] >= nb[k])
			continue;
		size_t r0 = (size_t)(t0->rank - below[k]);
		t0->value = kth(buf[k], nb[k], r0);
		t1->value = t1->rank == t0->rank ? t0->value :
		    kth_next(buf[k], nb[k], r0);
		t0->done = t1->done = 1;
		*left -= 2;
	}
	for (size_t k = 0; k < K; k++)
		free(buf[k]);
	free(buf);
	free(lo);
	free(hi);
	free(below);
	free(nb);
	free(use);
	free(over);
}

/*
 * select_stats: exact order statistics of each keypoint's distances
 * (stage 0) or of their absolute deviations from the keypoint's median
 * (stage 1), over the valid points: the ranks (n-1)/2 and n/2, averaged
 * as numpy's median does; stored in med (stage 0) or mad (stage 1).
 */
static void
select_stats(struct part *p, int stage)
{
	size_t K = p->K, T = 2 * K, left = 0;
	struct target *tg = xcalloc(T, sizeof(*tg));
	uint64_t *hist = xcalloc(T * NBIN, sizeof(uint64_t));

	for (size_t k = 0; k < K; k++)
		for (int s = 0; s < 2; s++) {
			struct target *t = &tg[2 * k + s];
			uint64_t n = p->bp[k].valid;
			if (n == 0) {
				t->done = 1;
				t->value = NAN;
				continue;
			}
			t->rank = s == 0 ? (n - 1) / 2 : n / 2;
			t->count = n;
			t->collect = n <= COLLECT_MAX;
			if (t->collect)
				t->buf = xmalloc(n * sizeof(double));
			left++;
		}
	bracket_select(p, stage, tg, &left);
	unsigned char *share = xcalloc(K, 1);

	while (left > 0) {
		/* The two middle ranks usually fall in the same bins: one
		 * histogram (or one collection) serves both. */
		for (size_t k = 0; k < K; k++) {
			struct target *a = &tg[2 * k], *b = &tg[2 * k + 1];
			share[k] = !a->done && !b->done && a->bits == b->bits &&
			    a->prefix == b->prefix && a->collect == b->collect;
		}
		memset(hist, 0, T * NBIN * sizeof(uint64_t));
		for (uint64_t f0 = 0; f0 < p->n; f0 += p->chunk_frames) {
			size_t nf = p->n - f0 < p->chunk_frames ?
			    (size_t)(p->n - f0) : p->chunk_frames;
			sread(p->dfd, p->dist, nf * K * sizeof(double),
			    f0 * K * sizeof(double));
			for (size_t i = 0; i < nf; i++)
				for (size_t k = 0; k < K; k++) {
					double v = p->dist[i * K + k];
					if (isnan(v))
						continue;
					if (stage)
						v = fabs(v - p->bp[k].med);
					uint64_t u = key(v);
					for (int s = 0; s < 2 - share[k]; s++) {
						struct target *t = &tg[2 * k + s];
						if (t->done || (t->bits > 0 &&
						    u >> (64 - t->bits) != t->prefix))
							continue;
						if (t->collect)
							t->buf[t->nbuf++] = v;
						else
							hist[(2 * k + s) * NBIN +
							    ((u << t->bits) >>
							    (64 - digit(t)))]++;
					}
				}
		}
		for (size_t k = 0; k < K; k++)
			if (share[k]) {
				struct target *a = &tg[2 * k], *b = &tg[2 * k + 1];
				if (a->collect) {
					memcpy(b->buf, a->buf, a->nbuf *
					    sizeof(double));
					b->nbuf = a->nbuf;
				} else
					memcpy(hist + (2 * k + 1) * NBIN, hist +
					    2 * k * NBIN, NBIN * sizeof(uint64_t));
			}
		for (size_t i = 0; i < T; i++) {
			struct target *t = &tg[i];
			uint64_t *hh = hist + i * NBIN, below = 0;
			unsigned bin;
			if (t->done)
				continue;
			if (t->collect) {
				qsort(t->buf, t->nbuf, sizeof(double),
				    cmp_double);
				t->value = t->buf[t->rank];
				t->done = 1;
				left--;
				continue;
			}
			for (bin = 0; below + hh[bin] <= t->rank; bin++)
				below += hh[bin];
			t->rank -= below;
			t->count = hh[bin];
			t->prefix = (t->prefix << digit(t)) | bin;
			t->bits += digit(t);
			if (t->bits == 64) {
				/* Every bit known: the value itself. */
				memcpy(&t->value, &t->prefix, sizeof(double));
				t->done = 1;
				left--;
			} else if (t->count <= COLLECT_MAX) {
				t->collect = 1;
				t->buf = xmalloc((size_t)t->count *
				    sizeof(double));
			}
		}
	}
	for (size_t k = 0; k < K; k++) {
		double v = (tg[2 * k].value + tg[2 * k + 1].value) / 2;
		if (stage == 0)
			p->bp[k].med = v;
		else
			p->bp[k].mad = v;
	}
	for (size_t i = 0; i < T; i++)
		free(tg[i].buf);
	free(share);
	free(tg);
	free(hist);
}

/*
 * put_column: coordinate d (D: the confidence) of keypoint k of the m
 * records at r into its output column buf[c] from row at, if it has one.
 */
static void
put_column(const struct part *p, void **buf, size_t k, size_t d, size_t at,
    const double *r, size_t m)
{
	int c = d < p->D ? p->bp[k].c[d] : p->bp[k].p;
	const double *v = r + k * (p->D + 1) + d;
	mz_type ty;

	if (c < 0)
		return;
	ty = p->h->cols[c].type;
	if (ty == MZ_F64) {
		double *o = (double *)buf[c] + at;
		for (size_t i = 0; i < m; i++)
			o[i] = v[i * p->rec];
	} else
		for (size_t i = 0; i < m; i++)
			mz_put_f64(buf[c], ty, at + i, v[i * p->rec]);
}

/* status: the status of a point at distance dk with confidence cf. */
static int
status(const struct bp *b, double dk, double cf, const struct opts *o)
{
	if (isnan(dk))
		return ST_MISSING;
	if (dk > b->thr)
		return ST_OUTLIER;
	if (!isnan(o->conf) && !(cf >= o->conf))
		return ST_LOWCONF;
	return ST_OK;
}

/*
 * gap_end: keypoint k is not valid at frame f, which starts a gap: find
 * the gap's end (the next valid frame, or n) and how it is filled.  The
 * frames [f0, f0 + nf) are in p->chunk and p->dist; later ones are read
 * from the spools PROBE_FRAMES at a time into p->probe and p->pdist.
 */
static void
gap_end(struct part *p, size_t k, uint64_t f, uint64_t f0, size_t nf,
    const struct opts *o)
{
	struct bp *b = &p->bp[k];
	size_t K = p->K, D = p->D;
	const double *rec = NULL;
	uint64_t t = f + 1;

	for (; t < f0 + nf; t++) {
		rec = p->chunk + (t - f0) * p->rec + k * (D + 1);
		if (status(b, p->dist[(t - f0) * K + k], rec[D], o) == ST_OK)
			break;
	}
	while (t >= f0 + nf && t < p->n) {
		size_t m = p->n - t < PROBE_FRAMES ? (size_t)(p->n - t) :
		    PROBE_FRAMES, i;
		sread(p->pfd, p->probe, m * p->rec * sizeof(double), t *
		    p->rec * sizeof(double));
		sread(p->dfd, p->pdist, m * K * sizeof(double), t * K *
		    sizeof(double));
		for (i = 0; i < m; i++) {
			rec = p->probe + i * p->rec + k * (D + 1);
			if (status(b, p->pdist[i * K + k], rec[D], o) == ST_OK)
				break;
		}
		t += i;
		if (i < m)
			break;
	}
	b->gap = (int64_t)f;
	b->gend = (int64_t)t;
	if (t - f > o->max_gap)
		b->fill = FILL_NONE;
	else if (t == p->n)
		b->fill = b->last < 0 ? FILL_NONE : FILL_LAST;
	else {
		b->fill = b->last < 0 ? FILL_NEXT : FILL_INTERP;
		memcpy(b->gendv, rec, D * sizeof(double));
	}
}

/*
 * flag_chunk: flag the points of the nf frames from f0 in p->chunk (with
 * their distances in p->dist): a point not valid gets confidence 0 and
 * the coordinates its gap is filled with (np.interp's formula between the
 * valid points either side, the nearest valid point at the part's ends),
 * or NaN.
 */
static void
flag_chunk(struct part *p, uint64_t f0, size_t nf, const struct opts *o)
{
	size_t K = p->K, D = p->D;

	for (size_t i = 0; i < nf; i++)
		for (size_t k = 0; k < K; k++) {
			struct bp *b = &p->bp[k];
			double *v = p->chunk + i * p->rec + k * (D + 1);
			int64_t t = (int64_t)(f0 + i);
			int st = status(b, p->dist[i * K + k], v[D], o);
			if (st == ST_OK) {
				b->gap = -1;
				b->last = t;
				memcpy(b->lastv, v, D * sizeof(double));
				continue;
			}
			if (st == ST_OUTLIER)
				b->outliers++;
			else if (st == ST_LOWCONF)
				b->lowconf++;
			if (b->gap < 0)
				gap_end(p, k, (uint64_t)t, f0, nf, o);
			v[D] = 0;
			for (size_t d = 0; d < D; d++) {
				switch (b->fill) {
				case FILL_INTERP: {
					double slope = (b->gendv[d] -
					    b->lastv[d]) / (double)(b->gend -
					    b->last);
					v[d] = slope * (double)(t - b->last) +
					    b->lastv[d];
					break;
				}
				case FILL_NEXT:
					v[d] = b->gendv[d];
					break;
				case FILL_LAST:
					v[d] = b->lastv[d];
					break;
				default:
					v[d] = NAN;
				}
			}
			if (b->fill == FILL_NONE)
				b->after++;
		}
}

/*
 * pass2: flag the points and write the part: the rest spool's blocks, each
 * with the keypoint columns of its frames from the point spool, flagged
 * and filled a chunk at a time.
 */
static void
pass2(struct part *p, mz_writer *w, const struct opts *o)
{
	size_t K = p->K, D = p->D, ncols = p->h->ncols, cap = 0;
	const void **cols = xcalloc(ncols, sizeof(*cols));
	void **buf = xcalloc(ncols, sizeof(*buf));
	uint64_t roff = 0, f0 = 0, rows;
	mz_err e;

	for (size_t k = 0; k < K; k++) {
		struct bp *b = &p->bp[k];
		b->thr = b->med + o->scale * b->mad;
		b->last = b->gap = -1;
	}
	while (f0 < p->n) {
		size_t n;
		sread(p->rfd, &rows, sizeof(rows), roff);
		roff += sizeof(rows);
		n = (size_t)rows;
		if (n > cap) {
			for (size_t j = 0; j < ncols; j++)
				buf[j] = xrealloc(buf[j], n *
				    mz_type_size(p->h->cols[j].type));
			cap = n;
		}
		for (size_t j = 0; j < ncols; j++) {
			size_t sz = n * mz_type_size(p->h->cols[j].type);
			if (!p->kp[j]) {
				sread(p->rfd, buf[j], sz, roff);
				roff += sz;
			}
			cols[j] = buf[j];
		}
		for (size_t i0 = 0; i0 < n; i0 += p->chunk_frames) {
			size_t nf = n - i0 < p->chunk_frames ? n - i0 :
			    p->chunk_frames;
			sread(p->pfd, p->chunk, nf * p->rec * sizeof(double),
			    (f0 + i0) * p->rec * sizeof(double));
			sread(p->dfd, p->dist, nf * K * sizeof(double),
			    (f0 + i0) * K * sizeof(double));
			flag_chunk(p, f0 + i0, nf, o);
			/* Into the columns, GATHER_FRAMES records at a time
			 * (in cache), one column at a time. */
			for (size_t s0 = 0; s0 < nf; s0 += GATHER_FRAMES) {
				size_t m = nf - s0 < GATHER_FRAMES ? nf - s0 :
				    GATHER_FRAMES;
				for (size_t k = 0; k < K; k++)
					for (size_t d = 0; d <= D; d++)
						put_column(p, buf, k, d, i0 + s0,
						    p->chunk + s0 * p->rec, m);
			}
		}
		if (mz_writer_append(w, n, (const void *const *)cols, &e) < 0)
			die_err(&e);
		f0 += n;
	}
	for (size_t j = 0; j < ncols; j++)
		free(buf[j]);
	free(buf);
	free(cols);
}

/* pct: 100 a / b, or 0 when b is 0. */
static double
pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

/* num_or_null: v as a JSON number, or null when not finite. */
static cJSON *
num_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/*
 * report_part: the report of part p (a JSON object), and unless quiet
 * its summary on stderr.
 */
static cJSON *
report_part(const struct part *p, size_t index)
{
	const char *seq = mz_meta_str(p->h, "sequence");
	const char *ind = mz_meta_str(p->h, "individual");
	cJSON *o = cJSON_CreateObject(), *bps, *nan;

	if (o == NULL)
		die("out of memory");
	cJSON_AddNumberToObject(o, "part", (double)index);
	if (seq)
		cJSON_AddStringToObject(o, "sequence", seq);
	if (ind)
		cJSON_AddStringToObject(o, "individual", ind);
	cJSON_AddNumberToObject(o, "frames", (double)p->n);
	bps = cJSON_AddArrayToObject(o, "bodyparts");
	nan = cJSON_AddArrayToObject(o, "all_nan");
	if (!quiet)
		fprintf(stderr, "%s: part %zu%s%s%s%s: %llu frames\n"
		    "  %-16s %10s %10s %10s %10s %9s %9s\n", prog, index,
		    seq ? " " : "", seq ? seq : "", ind ? " " : "",
		    ind ? ind : "", (unsigned long long)p->n, "bodypart",
		    "threshold", "outliers", "low-conf", "filled", "missing%",
		    "after%");
	for (size_t k = 0; k < p->K; k++) {
		const struct bp *b = &p->bp[k];
		uint64_t removed = b->missing + b->outliers + b->lowconf;
		cJSON *x = cJSON_CreateObject();
		if (x == NULL || bps == NULL || nan == NULL)
			die("out of memory");
		cJSON_AddStringToObject(x, "name", b->name);
		cJSON_AddItemToObject(x, "median", num_or_null(b->med));
		cJSON_AddItemToObject(x, "mad", num_or_null(b->mad));
		cJSON_AddItemToObject(x, "threshold", num_or_null(b->thr));
		cJSON_AddNumberToObject(x, "missing", (double)b->missing);
		cJSON_AddNumberToObject(x, "outliers", (double)b->outliers);
		cJSON_AddNumberToObject(x, "low_confidence",
		    (double)b->lowconf);
		cJSON_AddNumberToObject(x, "filled", (double)(removed -
		    b->after));
		cJSON_AddNumberToObject(x, "missing_after", (double)b->after);
		cJSON_AddNumberToObject(x, "percent_missing",
		    pct(b->missing, p->n));
		cJSON_AddNumberToObject(x, "percent_missing_after",
		    pct(b->after, p->n));
		cJSON_AddItemToArray(bps, x);
		if (b->valid == 0 && p->n > 0)
			cJSON_AddItemToArray(nan, cJSON_CreateString(b->name));
		if (!quiet)
			fprintf(stderr, "  %-16s %10.4g %10llu %10llu %10llu "
			    "%8.2f%% %8.2f%%\n", b->name, b->thr,
			    (unsigned long long)b->outliers,
			    (unsigned long long)b->lowconf,
			    (unsigned long long)(removed - b->after),
			    pct(b->missing, p->n), pct(b->after, p->n));
	}
	if (!quiet && cJSON_GetArraySize(nan) > 0) {
		const cJSON *it;
		fprintf(stderr, "  all NaN:");
		cJSON_ArrayForEach(it, nan)
			fprintf(stderr, " %s", it->valuestring);
		fputc('\n', stderr);
	}
	return o;
}

/*
 * outliers_part: process the current part of r into w; returns its
 * report.
 */
static cJSON *
outliers_part(mz_reader *r, mz_writer *w, const struct opts *o,
    const cJSON *opts)
{
	const mz_header *h = mz_reader_header(r);
	const char *seq = mz_meta_str(h, "sequence");
	char where[600];
	struct part p;
	mz_header *oh;
	cJSON *hist, *rep;
	mz_block b;
	mz_err e;
	int rc;

	snprintf(where, sizeof(where), "%s: part %zu%s%s", mz_reader_name(r),
	    mz_reader_part_index(r), seq ? " " : "", seq ? seq : "");
	memset(&p, 0, sizeof(p));
	p.h = h;
	p.where = where;
	read_bodyparts(&p);
	p.chunk_frames = CHUNK_BYTES / (p.rec * sizeof(double));
	if (p.chunk_frames == 0)
		p.chunk_frames = 1;
	p.chunk = xmalloc(p.chunk_frames * p.rec * sizeof(double));
	p.tmp = xmalloc(p.K * sizeof(double));
	p.dist = xmalloc(p.chunk_frames * p.K * sizeof(double));
	p.probe = xmalloc(PROBE_FRAMES * p.rec * sizeof(double));
	p.pdist = xmalloc(PROBE_FRAMES * p.K * sizeof(double));
	p.sbuf = xmalloc(3 * (size_t)SPOOL_BUF);
	p.pfd = spool_open(&p.pf, p.sbuf);
	p.dfd = spool_open(&p.df, p.sbuf + SPOOL_BUF);
	p.rfd = spool_open(&p.rf, p.sbuf + 2 * (size_t)SPOOL_BUF);

	/* Pass 1: spool, with distances, a chunk of frames at a time. */
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0)
		pass1_block(&p, &b);
	if (rc < 0)
		die_err(&e);
	if (fflush(p.pf) != 0 || fflush(p.rf) != 0 || fflush(p.df) != 0)
		die("temporary file: write:");
	fclose(p.df);
	fclose(p.pf);
	fclose(p.rf);
	free(p.sbuf);

	select_stats(&p, 0);
	select_stats(&p, 1);

	if ((oh = mz_header_copy(h)) == NULL ||
	    (hist = cJSON_Duplicate(opts, 1)) == NULL)
		die("out of memory");
	history_add(oh, hist);
	if (mz_writer_begin_part(w, oh, &e) < 0)
		die_err(&e);
	mz_header_free(oh);
	pass2(&p, w, o);
	if (mz_writer_end_part(w, &e) < 0)
		die_err(&e);
	rep = report_part(&p, mz_reader_part_index(r));
	close(p.pfd);
	close(p.dfd);
	free(p.dist);
	free(p.probe);
	free(p.pdist);
	close(p.rfd);
	free(p.chunk);
	free(p.tmp);
	for (size_t k = 0; k < p.K; k++)
		free(p.bp[k].samp);
	free(p.bp);
	free(p.kp);
	return rep;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "conf-threshold", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "max-gap", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "report", required_argument, NULL, 'r' },
		{ "scale", required_argument, NULL, 's' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	struct opts o = { 6.0, NAN, UINT64_MAX };
	const char *outpath = NULL, *repath = NULL;
	int c, force = 0;
	cJSON *opts, *report = NULL, *parts = NULL;
	mz_writer *w;
	mz_err e;

	tool_init("mz-outliers", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:fg:ho:qr:s:t:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			wo.codec = parse_codec(optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'g':
			o.max_gap = parse_count(optarg, "maximum gap");
			if (o.max_gap == UINT64_MAX)
				o.max_gap--;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'r':
			repath = optarg;
			break;
		case 's':
			o.scale = parse_double(optarg, "scale");
			if (o.scale < 0)
				usage_error("bad scale '%s' (want a number >= "
				    "0)", optarg);
			break;
		case 't':
			o.conf = parse_double(optarg, "confidence threshold");
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (repath != NULL && strcmp(repath, "-") == 0 &&
	    (outpath == NULL || strcmp(outpath, "-") == 0))
		usage_error("--report - needs the stream in a file (-o)");
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	check_inputs(argv, argc);
	opts = opts_new();
	opts_num(opts, "scale", o.scale);
	if (isnan(o.conf))
		cJSON_AddNullToObject(opts, "conf_threshold");
	else
		opts_num(opts, "conf_threshold", o.conf);
	if (o.max_gap == UINT64_MAX)
		cJSON_AddNullToObject(opts, "max_gap");
	else
		opts_num(opts, "max_gap", (double)o.max_gap);
	if (repath != NULL) {
		atexit(abort_report);
		if ((report_out = mz_atomic_open(repath, &e)) == NULL)
			die_err(&e);
		if ((report = cJSON_Duplicate(opts, 1)) == NULL ||
		    (parts = cJSON_AddArrayToObject(report, "parts")) == NULL)
			die("out of memory");
	}

	w = out_writer(outpath, force, &wo);
	for (int i = 0; i < argc; i++) {
		mz_reader *r = mz_reader_open(argv[i], &e);
		int rc;

		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0) {
			cJSON *rep = outliers_part(r, w, &o, opts);
			if (parts != NULL)
				cJSON_AddItemToArray(parts, rep);
			else
				cJSON_Delete(rep);
		}
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	cJSON_Delete(opts);
	if (report != NULL) {
		char *text = cJSON_Print(report);
		FILE *f = mz_atomic_file(report_out);
		if (text == NULL)
			die("out of memory");
		if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
			die("%s:", repath);
		free(text);
		cJSON_Delete(report);
	}
	if (report_out != NULL && strcmp(repath, "-") == 0) {
		mz_atomic *a = report_out;
		report_out = NULL;
		if (mz_atomic_commit(a, &e) < 0)
			die_err(&e);
	}
	out_close(w);
	if (report_out != NULL) {
		mz_atomic *a = report_out;
		report_out = NULL;
		if (mz_atomic_commit(a, &e) < 0)
			die_err(&e);
	}
	return 0;
}
