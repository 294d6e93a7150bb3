/*
 * mz-features - per-frame kinematic, postural, social and spectral
 * features of standard tracks (see mz-features(1)).
 *
 * Every output part is one input part (one individual of one sequence, or
 * one segment of it).  Its features are computed over a sliding window of
 * frames: a batch of the part's rows plus a margin on each side as wide
 * as the features' context (2 rows for derivatives of derivatives, half
 * the longest wavelet kernel for wavelets), clipped to the rows that
 * exist.  A row's features depend only on rows within the margin, so the
 * result equals a computation over the whole recording while memory stays
 * that of one batch and its margins.  A first pass learns each part's
 * header, rows and frames (skimming a mapping of the file: only the
 * frame column's pages, checksums left to the later readers); then one
 * reader (a cursor) brings the focal individual's rows into the window,
 * with the part's own columns that are passed through, and the other
 * individuals of the sequence (social features) are read by further
 * readers on the same file, each positioned at its own part, as are the
 * neighbouring segments (--overlap) by the focal cursor; a pipe is first
 * copied to a temporary file so that it can be read that way.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-features [-fkq] [-a bodyparts] [-b bodyparts] [-c codec] " \
	"[-F feature] [-j threads] [-o file] [-p bodyparts] [--fps fps] " \
	"[--frames A:B] " \
	"[--freqs lo:hi:n] [--overlap frames|auto] [--time A:B] [file ...]"

#define MORLET_B 1.5     /* cmor1.5-1.0: bandwidth */
#define MORLET_C 1.0     /* and centre frequency */
#define MORLET_T 8.0     /* kernel support: |t| <= 8, as PyWavelets */

/* ------------------------------------------------------------ features */

/* The kinds of output columns. */
enum kind {
	K_VX, K_VY, K_SPEED, K_AX, K_AY, K_HEADING, K_ANGVEL, K_ANGLE,
	K_DIST, K_BODYLEN, K_IDIST, K_APPROACH, K_RELORI, K_FACING,
	K_NNID, K_NNDIST, K_NNDX, K_NNDY, K_WAVELET
};

/* Feature names as -F takes them, and what each needs. */
enum ftype { F_VEL, F_SPEED, F_ACCEL, F_HEADING, F_ANGVEL, F_ANGLE, F_DIST,
	F_BODYLEN, F_IDIST, F_NN, F_RELORI, F_FACING, F_APPROACH, F_WAVELET };
static const struct {
	const char *name;
	int heading;    /* needs -a and -p */
	int social;     /* needs the other individuals */
	int args;       /* 0 none, 1 optional list, 2 exactly 3, 3 pairs
	                   (list of 2 or none), 4 required list */
} ftab[] = {
	{ "velocity", 0, 0, 1 }, { "speed", 0, 0, 1 }, { "accel", 0, 0, 1 },
	{ "heading", 1, 0, 0 }, { "angvel", 1, 0, 0 }, { "angle", 0, 0, 2 },
	{ "dist", 0, 0, 3 }, { "bodylength", 1, 0, 0 }, { "idist", 0, 1, 0 },
	{ "nn", 1, 1, 0 }, { "relori", 1, 1, 0 }, { "facing", 1, 1, 0 },
	{ "approach", 0, 1, 0 }, { "wavelet", 0, 0, 4 }
};
#define NFTYPE (sizeof(ftab) / sizeof(ftab[0]))

/* One -F option, parsed: its type and argument names. */
struct feat {
	enum ftype t;
	char **arg;        /* from split_list: arg[1..narg] */
	size_t narg;
	const char *spec;  /* as given */
};

/* One computed output column of a part. */
struct ocol {
	enum kind k;
	int a, b, c;       /* points (bodypart index, K = centroid) */
	int j;             /* other individual (1..P-1) */
	int src;           /* wavelet: the computed column it transforms, or
	                      -2 - (2k + d) for bodypart k's coordinate d */
	size_t f;          /* wavelet: frequency index */
	char *name;
};

/* What the options ask for. */
struct opts {
	const char *anterior, *posterior, *centroid;
	struct feat *feat;
	size_t nfeat;
	int keep, heading, social, overlap_auto;
	size_t overlap;
	double fps;                 /* > 0: overrides metadata */
	int frange, trange;
	int64_t fa, fb;             /* --frames */
	double ta, tb;              /* --time */
	double flo, fhi;            /* --freqs */
	size_t nfreq;
	int deriv;                  /* rows of context derivatives need */
};

/*
 * parse_feature: parse "NAME[:ARG,...]" into f; usage error for an unknown
 * name or arguments that do not fit it.
 */
static void
parse_feature(struct feat *f, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s), t;

	for (t = 0; t < NFTYPE; t++)
		if (strlen(ftab[t].name) == len &&
		    strncmp(ftab[t].name, s, len) == 0)
			break;
	if (t == NFTYPE)
		usage_error("unknown feature '%.*s' (known: velocity, speed, "
		    "accel, heading, angvel, angle, dist, bodylength, idist, "
		    "nn, relori, facing, approach, wavelet)", (int)len, s);
	memset(f, 0, sizeof(*f));
	f->t = (enum ftype)t;
	f->spec = s;
	if (colon != NULL)
		f->arg = comma_list(colon + 1, &f->narg, "feature arguments");
	switch (ftab[t].args) {
	case 0:
		if (colon != NULL)
			usage_error("feature '%s' takes no arguments", s);
		break;
	case 2:
		if (f->narg != 3)
			usage_error("feature '%s': angle takes three bodyparts "
			    "A,B,C (the angle at B)", s);
		break;
	case 3:
		if (colon != NULL && f->narg != 2)
			usage_error("feature '%s': dist takes two bodyparts, or "
			    "none for all pairs", s);
		break;
	case 4:
		if (colon == NULL)
			usage_error("feature '%s': wavelet needs the columns to "
			    "transform", s);
		break;
	}
}

/* --------------------------------------------------------------- input */

/* What pass 1 learns about each part of the input. */
struct pinfo {
	char *group, *seq, *indiv;   /* malloc'd; NULL when absent */
	int64_t f0, f1;              /* first and last frame */
	size_t nrows;
	double fps;                  /* metadata, or 0 */
	mz_header *hdr;              /* a copy of the part's header */
};

static char *spool_path;   /* a temporary copy of a pipe, removed at exit */

/* spool_remove: atexit handler removing the temporary copy. */
static void
spool_remove(void)
{
	if (spool_path != NULL)
		unlink(spool_path);
}

/*
 * spool: copy descriptor in (a pipe; name for messages) to a temporary
 * file (memory stays bounded; the file is removed at exit) and return its
 * path, valid until the next call.
 */
static const char *
spool(int in, const char *name)
{
	const char *dir = getenv("TMPDIR");
	char buf[1 << 16];
	ssize_t n;
	int fd;

	if (spool_path != NULL) {
		unlink(spool_path);
		free(spool_path);
	}
	spool_path = xmalloc(strlen(dir ? dir : "/tmp") + 32);
	sprintf(spool_path, "%s/mz-features.XXXXXX", dir ? dir : "/tmp");
	if ((fd = mkstemp(spool_path)) < 0) {
		free(spool_path);
		spool_path = NULL;
		die("cannot create a temporary file for standard input:");
	}
	for (;;) {
		char *p = buf;
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("%s:", name);
		if (n == 0)
			break;
		while (n > 0) {
			ssize_t m = write(fd, p, (size_t)n);
			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0)
				die("%s:", spool_path);
			p += m;
			n -= m;
		}
	}
	if (close(fd) != 0)
		die("%s:", spool_path);
	return spool_path;
}

/*
 * open_reader: a reader on path, named name in messages (a spooled pipe
 * keeps the name "<stdin>"); dies on failure.
 */
static mz_reader *
open_reader(const char *path, const char *name)
{
	mz_reader *r;
	mz_err e;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		die("%s:", name);
	if ((r = mz_reader_fdopen(fd, name, &e)) == NULL)
		die_err(&e);
	return r;
}

/*
 * The reader pool of the current input.  A reader only moves forward, and
 * skipping to a part reads everything before it, so readers are kept and
 * reused: a request for part q takes an idle reader that has not yet
 * entered q (the one nearest before it), or opens a new one.  Each reader
 * thus reads the input at most once in all, and the pool stays as small as
 * the most readers one part needs at once plus the ones context needs
 * behind (a few per individual of a sequence).
 */
struct pooled {
	mz_reader *r;
	int started, busy;
};
static struct pooled *pool;
static size_t npool;

/*
 * pool_get: the index in pool of a reader at the start of part q of path
 * (its header read, no block), marked busy; dies if the part is missing.
 */
static size_t
pool_get(const char *path, const char *name, size_t q)
{
	size_t best = npool;
	mz_err e;
	int rc;

	for (size_t i = 0; i < npool; i++) {
		if (pool[i].busy || (pool[i].started &&
		    mz_reader_part_index(pool[i].r) >= q))
			continue;
		if (best == npool || !pool[best].started || (pool[i].started &&
		    mz_reader_part_index(pool[i].r) >
		    mz_reader_part_index(pool[best].r)))
			best = i;
	}
	if (best == npool) {
		pool = xrealloc(pool, (npool + 1) * sizeof(*pool));
		pool[npool].r = open_reader(path, name);
		pool[npool].started = pool[npool].busy = 0;
		npool++;
	}
	pool[best].busy = 1;
	while (!pool[best].started || mz_reader_part_index(pool[best].r) != q) {
		if ((rc = mz_reader_next_part(pool[best].r, &e)) < 0)
			die_err(&e);
		if (rc == 0)
			die("%s: part %zu vanished on a second read", name, q);
		pool[best].started = 1;
	}
	return best;
}

/* pool_clear: close every reader of the pool (at the end of an input). */
static void
pool_clear(void)
{
	for (size_t i = 0; i < npool; i++)
		mz_reader_close(pool[i].r);
	free(pool);
	pool = NULL;
	npool = 0;
}

/* meta_dup: a copy of string metadata key of h, or NULL. */
static char *
meta_dup(const mz_header *h, const char *key)
{
	const char *s = mz_meta_str(h, key);

	return s ? xstrdup(s) : NULL;
}

/* pinfo_free: release the n parts' records pi. */
static void
pinfo_free(struct pinfo *pi, size_t n)
{
	for (size_t p = 0; p < n; p++) {
		free(pi[p].group);
		free(pi[p].seq);
		free(pi[p].indiv);
		mz_header_free(pi[p].hdr);
	}
	free(pi);
}

/*
 * scan_reader: pass 1's reader over path (a regular file): mapped and
 * skimming (mz_reader_skim: only the frame column's pages are touched;
 * the window's readers verify every byte later) when skim is set and the
 * file maps, else an ordinary verifying reader.  *map and *len get the
 * mapping to unmap (NULL when there is none).
 */
static mz_reader *
scan_reader(const char *path, const char *name, int skim, void **map,
    size_t *len)
{
	struct stat st;
	mz_reader *r;
	mz_err e;
	int fd;

	*map = NULL;
	*len = 0;
	if (!skim)
		return open_reader(path, name);
	if ((fd = open(path, O_RDONLY)) < 0)
		die("%s:", name);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size <= SIZE_MAX) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    fd, 0);
		if (m != MAP_FAILED) {
			close(fd);
			*map = m;
			*len = (size_t)st.st_size;
			if ((r = mz_reader_memopen(m, *len, name, &e)) == NULL)
				die_err(&e);
			mz_reader_skim(r);
			return r;
		}
	}
	close(fd);
	return open_reader(path, name);
}

/*
 * scan: pass 1 over path (shown as name): per part its identity, frame
 * range and row count into a malloc'd array (*np parts).  Dies on a part
 * without an integer frame column or with frames not increasing.  The
 * pass skims (scan_reader); frames found out of order, or any error, are
 * looked at again with a verifying reader, so that damage is reported as
 * such.
 */
#define RELEASE_BYTES ((size_t)8 << 20)
static struct pinfo *
scan(const char *path, const char *name, size_t *np)
{
	struct pinfo *pi = NULL;
	size_t n = 0, cap = 0, maplen, released = 0;
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;
	int skim = 1;
	void *map;
	mz_reader *r;
	mz_err e;
	int rc;

again:
	r = scan_reader(path, name, skim, &map, &maplen);
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		const mz_header *h = mz_reader_header(r);
		int fc = mz_header_find(h, "frame");
		unsigned char *want;
		struct pinfo *p;
		mz_block b;

		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			pi = xrealloc(pi, cap * sizeof(*pi));
		}
		p = &pi[n++];
		memset(p, 0, sizeof(*p));
		p->group = meta_dup(h, "group");
		p->seq = meta_dup(h, "sequence");
		p->indiv = meta_dup(h, "individual");
		p->fps = mz_meta_num(h, "fps", 0);
		if ((p->hdr = mz_header_copy(h)) == NULL)
			die("out of memory");
		if (fc < 0 || mz_type_isfloat(h->cols[fc].type))
			die("%s: part %zu: no integer \"frame\" column (not "
			    "standard tracks)", name, n - 1);
		want = xcalloc(h->ncols, 1);
		want[fc] = 1;
		mz_reader_want(r, want);
		free(want);
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			for (size_t i = 0; i < b.nrows; i++) {
				int64_t f = mz_get_i64(b.cols[fc],
				    h->cols[fc].type, i);
				if (p->nrows > 0 && f <= p->f1) {
					if (skim)
						goto verify;
					die("%s: part %zu: frame %lld follows "
					    "frame %lld (frames must increase)",
					    name, n - 1, (long long)f,
					    (long long)p->f1);
				}
				if (p->nrows++ == 0)
					p->f0 = f;
				p->f1 = f;
			}
			/* The pages read so far leave the mapping (they stay
			 * in the page cache): what the pass keeps resident is
			 * at most RELEASE_BYTES, however long the file. */
			if (map != NULL) {
				size_t at = (size_t)mz_reader_offset(r) /
				    page * page;
				if (at - released >= RELEASE_BYTES) {
					(void)madvise((char *)map + released,
					    at - released, MADV_DONTNEED);
					released = at;
				}
			}
		}
		if (rc < 0 && skim)
			goto verify;
		if (rc < 0)
			die_err(&e);
	}
	if (rc < 0 && skim)
		goto verify;
	if (rc < 0)
		die_err(&e);
	mz_reader_close(r);
	if (map != NULL)
		munmap(map, maplen);
	*np = n;
	return pi;
verify:
	mz_reader_close(r);
	if (map != NULL)
		munmap(map, maplen);
	pinfo_free(pi, n);
	pi = NULL;
	n = cap = released = 0;
	skim = 0;
	goto again;
}

/* same_str: strings equal, both NULL counting as equal. */
static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* same_run: parts a and b belong to one sequence (adjacent parts with the
 * same group and a sequence name). */
static int
same_run(const struct pinfo *a, const struct pinfo *b)
{
	return a->seq != NULL && same_str(a->seq, b->seq) &&
	    same_str(a->group, b->group);
}

/* same_indiv: parts a and b are of one individual (a name is needed). */
static int
same_indiv(const struct pinfo *a, const struct pinfo *b)
{
	return a->indiv != NULL && same_str(a->indiv, b->indiv);
}

/* -------------------------------------------------------------- cursor */

/*
 * A cursor reads the rows of one individual in frame order, across its
 * parts (the chain, stream part indices), with its own reader: per row
 * the x and y of the K bodyparts of the focal part (by name), the frame
 * and the id.
 */
struct cursor {
	mz_reader *r;
	const char *name;
	const size_t *chain;
	size_t nchain, ci;
	char **bpname;            /* K names (borrowed) */
	size_t K;
	int *xy;                  /* 2K column indices in the current part */
	int fc, idc;
	mz_type *types;           /* of the current part's columns */
	mz_block b;
	size_t i;
	size_t slot;              /* in the reader pool */
	size_t full;              /* the part read whole, or SIZE_MAX */
	int valid;                /* a row is loaded in frame/v/id */
	int64_t frame;
	double *v, id;
};

/* cursor_part: move c's reader to stream part idx (forward), resolve its
 * columns and ask for only those. */
static void
cursor_part(struct cursor *c, size_t idx)
{
	const mz_header *h;
	unsigned char *want;
	char col[600];
	mz_err e;
	int rc;

	while (mz_reader_part_index(c->r) != idx) {
		if ((rc = mz_reader_next_part(c->r, &e)) < 0)
			die_err(&e);
		if (rc == 0)
			die("%s: part %zu vanished on a second read", c->name,
			    idx);
	}
	h = mz_reader_header(c->r);
	want = xcalloc(h->ncols, 1);
	c->fc = mz_header_find(h, "frame");
	c->idc = mz_header_find(h, "id");
	memset(want, idx == c->full, h->ncols);
	want[c->fc] = 1;
	if (c->idc >= 0)
		want[c->idc] = 1;
	for (size_t k = 0; k < 2 * c->K; k++) {
		snprintf(col, sizeof(col), "%s.%c", c->bpname[k / 2],
		    "xy"[k % 2]);
		if ((c->xy[k] = mz_header_find(h, col)) < 0)
			die("%s: part %zu: no column '%s' (the focal part's "
			    "bodyparts are needed)", c->name, idx, col);
		if (!mz_type_isfloat(h->cols[c->xy[k]].type))
			die("%s: part %zu: column '%s' is %s, not a float type",
			    c->name, idx, col,
			    mz_type_name(h->cols[c->xy[k]].type));
		want[c->xy[k]] = 1;
	}
	c->types = xrealloc(c->types, h->ncols * sizeof(mz_type));
	for (size_t j = 0; j < h->ncols; j++)
		c->types[j] = h->cols[j].type;
	mz_reader_want(c->r, want);
	free(want);
	c->b.nrows = 0;
	c->i = 0;
}

/* cursor_open: a cursor over chain[ci..nchain) of path, before its first
 * row; every column of part full (SIZE_MAX: none) is read, for the
 * caller to take from c->b. */
static void
cursor_open(struct cursor *c, const char *path, const char *name,
    const size_t *chain, size_t nchain, size_t ci, char **bpname, size_t K,
    size_t full)
{
	memset(c, 0, sizeof(*c));
	c->full = full;
	c->name = name;
	c->chain = chain;
	c->nchain = nchain;
	c->ci = ci;
	c->bpname = bpname;
	c->K = K;
	c->xy = xmalloc(2 * K * sizeof(int));
	c->v = xmalloc(2 * K * sizeof(double));
	c->slot = pool_get(path, name, chain[ci]);
	c->r = pool[c->slot].r;
	cursor_part(c, chain[ci]);
}

/* cursor_avail: the rows of c's current block from row c->i on, the next
 * block (of the chain's next part at the end of one) loaded when none is
 * left; 0 at the end of the chain. */
static size_t
cursor_avail(struct cursor *c)
{
	mz_err e;
	int rc;

	while (c->i >= c->b.nrows) {
		if ((rc = mz_reader_next_block(c->r, &c->b, &e)) < 0)
			die_err(&e);
		c->i = 0;
		if (rc > 0)
			continue;
		c->b.nrows = 0;
		if (++c->ci >= c->nchain)
			return 0;
		cursor_part(c, c->chain[c->ci]);
	}
	return c->b.nrows - c->i;
}

/* cursor_next: load the next row into c (frame, v, id); returns c->valid
 * (0 at the end of the chain). */
static int
cursor_next(struct cursor *c)
{
	if (cursor_avail(c) == 0)
		return c->valid = 0;
	c->frame = mz_get_i64(c->b.cols[c->fc], c->types[c->fc], c->i);
	c->id = c->idc >= 0 ? mz_get_f64(c->b.cols[c->idc], c->types[c->idc],
	    c->i) : NAN;
	for (size_t k = 0; k < 2 * c->K; k++) {
		mz_type t = c->types[c->xy[k]];
		c->v[k] = t == MZ_F64 ?
		    ((const double *)c->b.cols[c->xy[k]])[c->i] :
		    mz_get_f64(c->b.cols[c->xy[k]], t, c->i);
	}
	c->i++;
	return c->valid = 1;
}

/*
 * cursor_end_part: with every row of c's current part taken, read the
 * part's trailer (verifying it); where names the part in messages.
 */
static void
cursor_end_part(struct cursor *c, const char *where)
{
	mz_err e;
	int rc;

	if (c->i < c->b.nrows ||
	    (rc = mz_reader_next_block(c->r, &c->b, &e)) > 0)
		die("%s: more rows than on the first read", where);
	if (rc < 0)
		die_err(&e);
	c->b.nrows = c->i = 0;
}

/* cursor_close: release c (its reader goes back to the pool). */
static void
cursor_close(struct cursor *c)
{
	pool[c->slot].busy = 0;
	free(c->xy);
	free(c->v);
	free(c->types);
}

/* ---------------------------------------------------------------- maths */

/* norm: sqrt(x^2 + y^2), without hypot's care for overflow (coordinates
 * are far from 1e154) and several times faster; within an ulp or two of
 * hypot. */
static inline double
norm(double x, double y)
{
	return sqrt(x * x + y * y);
}

/* wrap: x reduced to (-pi, pi]. */
static double
wrap(double x)
{
	return x - 2 * M_PI * ceil((x - M_PI) / (2 * M_PI));
}

/*
 * gradient: numpy.gradient(f) * fps over n values: second-order central
 * differences inside, first-order one-sided at the ends; NaN when n < 2.
 * With wrapped set, each difference is wrapped to (-pi, pi] first (the
 * gradient of the unwrapped angle).
 */
static void
gradient(const double *f, double *g, size_t n, double fps, int wrapped)
{
	double h = 0.5 * fps;

	if (n < 2) {
		for (size_t i = 0; i < n; i++)
			g[i] = NAN;
		return;
	}
	if (!wrapped) {
		g[0] = (f[1] - f[0]) * fps;
		for (size_t i = 1; i + 1 < n; i++)
			g[i] = (f[i + 1] - f[i - 1]) * h;
		g[n - 1] = (f[n - 1] - f[n - 2]) * fps;
		return;
	}
	g[0] = wrap(f[1] - f[0]) * fps;
	for (size_t i = 1; i + 1 < n; i++)
		g[i] = (wrap(f[i + 1] - f[i]) + wrap(f[i] - f[i - 1])) * h;
	g[n - 1] = wrap(f[n - 1] - f[n - 2]) * fps;
}

/* A Morlet kernel at one scale: psi(k/s)/sqrt(s) for k = -L..L. */
struct kernel {
	size_t L;
	double *re, *im;   /* 2L+1 values */
};

/*
 * kernel_make: the complex Morlet (cmor B-C) kernel for frequency freq Hz
 * at fps: s = C fps / freq, psi(t) = (pi B)^-1/2 exp(-t^2/B)
 * exp(2 pi i C t), L = floor(8 s).
 */
static void
kernel_make(struct kernel *k, double freq, double fps)
{
	double s = MORLET_C * fps / freq, norm = 1 / sqrt(M_PI * MORLET_B *
	    s);

	k->L = (size_t)floor(MORLET_T * s);
	k->re = xmalloc((2 * k->L + 1) * sizeof(double));
	k->im = xmalloc((2 * k->L + 1) * sizeof(double));
	for (size_t i = 0; i <= 2 * k->L; i++) {
		double t = ((double)i - (double)k->L) / s;
		double g = norm * exp(-t * t / MORLET_B);
		k->re[i] = g * cos(2 * M_PI * MORLET_C * t);
		k->im[i] = g * sin(2 * M_PI * MORLET_C * t);
	}
}

/* Eight doubles as one SIMD value (GCC and Clang vector extension; the
 * compiler splits it into the registers the target has). */
typedef double v8d __attribute__((vector_size(64)));

/* LD8: v = p[0..7] (any alignment; a macro, since a function taking or
 * returning a v8d would depend on the ABI). */
#define LD8(v, p) memcpy(&(v), (p), sizeof(v8d))
#define ST8(p, v) memcpy((p), &(v), sizeof(v8d))

/* morlet_rows and the FFT are MULTIVERSION (common.h): the same bytes on
 * every machine. */

/*
 * morlet_rows: for r in [0, m), re[r] + i im[r] = sum_j xp[r + j] kern[j],
 * j = 0..2L, each sum taken in the order j = 0, 1, ... from 0; out[r] gets
 * its modulus.  Sixteen rows at a time, in vector registers.
 */
MULTIVERSION static void
morlet_rows(const double *restrict xp, size_t m, const double *restrict kr,
    const double *restrict ki, size_t L, double *restrict out)
{
	size_t r = 0, nk = 2 * L + 1;

	for (; r + 16 <= m; r += 16) {
		v8d re0 = { 0 }, re1 = re0, im0 = re0, im1 = re0, x0, x1;
		const double *x = xp + r;
		for (size_t j = 0; j < nk; j++) {
			v8d a = { kr[j], kr[j], kr[j], kr[j], kr[j], kr[j],
			    kr[j], kr[j] };
			v8d b = { ki[j], ki[j], ki[j], ki[j], ki[j], ki[j],
			    ki[j], ki[j] };
			LD8(x0, x + j);
			LD8(x1, x + j + 8);
			re0 += a * x0;
			re1 += a * x1;
			im0 += b * x0;
			im1 += b * x1;
		}
		re0 = re0 * re0 + im0 * im0;
		re1 = re1 * re1 + im1 * im1;
		for (int q = 0; q < 8; q++) {
			out[r + (size_t)q] = sqrt(re0[q]);
			out[r + 8 + (size_t)q] = sqrt(re1[q]);
		}
	}
	for (; r < m; r++) {
		double re = 0, im = 0;
		for (size_t j = 0; j < nk; j++) {
			re += kr[j] * xp[r + j];
			im += ki[j] * xp[r + j];
		}
		out[r] = sqrt(re * re + im * im);
	}
}

/*
 * morlet: out[i] = |sum_k x[i-k] kern[k]| for i in [lo, hi) of x[0..n),
 * values outside [0, n) being 0 (a window edge that is the recording's):
 * the rows' inputs are copied, zero-padded, to a buffer on which
 * morlet_rows runs.  A row's sum is taken in the same order whatever
 * window holds it (the padding adds exact zeros).
 */
static void
morlet(const double *x, size_t n, const struct kernel *k, double *out,
    size_t lo, size_t hi)
{
	size_t L = k->L, m = hi - lo, np = m + 2 * L;
	double *xp;

	if (hi <= lo)
		return;
	xp = xmalloc(np * sizeof(double));
	/* xp[q] = x[lo - L + q], 0 outside [0, n). */
	for (size_t q = 0; q < np; q++) {
		size_t i = lo + q;   /* the index in x, plus L */
		xp[q] = i >= L && i - L < n ? x[i - L] : 0;
	}
	morlet_rows(xp, m, k->re, k->im, L, out + lo);
	free(xp);
}

/*
 * The wavelets of long kernels are computed by FFT, overlap-save: the
 * rows are cut into tiles of S rows at the frames that are multiples of S
 * (whatever window holds them, so that a row's tile, its input and hence
 * the bytes of its result do not depend on the window); a tile's input,
 * its rows with L (the longest kernel's half-width) more on each side,
 * N = S + 2L values (N a power of 2), is transformed once and multiplied
 * by each frequency's kernel spectrum, and the products transformed back.
 * Rows with a non-finite input within their kernel are summed directly,
 * as morlet does (NaN or infinity propagates as in numpy's convolve).
 */
#define FFT_MIN_L 32    /* the shortest longest kernel worth an FFT */
#define FFT_MAX_BYTES (64u << 20)   /* the most the kernel spectra take */

/* Threads sharing the wavelet frequencies (--threads); set by main. */

/*
 * The last tile a window computed for one wavelet source (its first
 * output column c), all S rows of each of its nf frequencies: the window
 * reaches S + L rows past its block, so the tile's rows past the block
 * were computed from the same input as the next window would use, and
 * that window takes them from here instead of computing the tile again.
 */
struct tcache {
	size_t c, nf;
	int64_t kt;           /* the tile, or INT64_MIN: none */
	double *v;            /* nf x S */
};
static int fft_threads = 1;

/* A radix-2 FFT of size N: per-stage twiddles, spectra, scratch. */
struct fft {
	size_t N, S, L;       /* size, tile rows, input rows each side */
	double *twr, *twi;    /* N - 1: stage h at [h - 1, 2h - 1) */
	double *hr, *hi;      /* nfreq x N: kernel spectra, over N */
	int nth;              /* threads sharing the frequencies */
	double *scr;          /* nth x 4N: each thread's ur, ui, zr, zi */
	struct tcache *tc;    /* per wavelet source: its last tile */
	size_t ntc;
	size_t *bad;          /* prefix counts of non-finite inputs */
	size_t badcap;
};

/*
 * fft_init: the tables of an FFT of size N (a power of 2, >= 2) into t.
 */
static void
fft_init(struct fft *t, size_t N)
{
	t->N = N;
	t->twr = xmalloc(N * sizeof(double));
	t->twi = xmalloc(N * sizeof(double));
	for (size_t h = 1; h < N; h *= 2)
		for (size_t j = 0; j < h; j++) {
			double a = -M_PI * (double)j / (double)h;
			t->twr[h - 1 + j] = cos(a);
			t->twi[h - 1 + j] = sin(a);
		}
	t->nth = fft_threads > 0 ? fft_threads : 1;
	t->scr = xmalloc((size_t)t->nth * 4 * N * sizeof(double));
}

/* fft_free: release what fft_init and the plan allocated in t. */
static void
fft_free(struct fft *t)
{
	free(t->twr);
	free(t->twi);
	free(t->hr);
	free(t->hi);
	free(t->scr);
	free(t->bad);
	for (size_t i = 0; i < t->ntc; i++)
		free(t->tc[i].v);
	free(t->tc);
}

/* tile_cache: the cache of source c (nf frequencies) in t, made empty the
 * first time. */
static struct tcache *
tile_cache(struct fft *t, size_t c, size_t nf)
{
	for (size_t i = 0; i < t->ntc; i++)
		if (t->tc[i].c == c)
			return &t->tc[i];
	t->tc = xrealloc(t->tc, (t->ntc + 1) * sizeof(*t->tc));
	t->tc[t->ntc] = (struct tcache){ c, nf, INT64_MIN,
		xmalloc(nf * t->S * sizeof(double)) };
	return &t->tc[t->ntc++];
}

/*
 * fft_stages: the butterflies of a decimation-in-time FFT of size N on
 * (re, im), in bit-reversed order, in place, with twiddles (twr, twi):
 * X[k] = sum_n x[n] exp(-2 pi i k n / N) in natural order.  Radix-2
 * stages h = 1, 2, 4, ... are done two at a time (h and 2h on each group
 * of 4h values, then the next pair), one pass over the data instead of
 * two: the same operations on the same values in the same order as one
 * stage at a time, so the same bits, with half the loads and stores.
 * From h = 8 on, eight butterflies (consecutive j) are done at once in
 * vector registers: the same operations on each, so again the same bits.
 */
/* BFLY: the radix-2 butterfly s = x + y w, d = x - y w (complex; tr, ti
 * scratch in scope), on doubles or v8d alike: the same operations in
 * the same order either way. */
#define BFLY(xr, xi, yr, yi, wr_, wi_, sr, si, dr_, di_) do {		\
	tr = (yr) * (wr_) - (yi) * (wi_);				\
	ti = (yr) * (wi_) + (yi) * (wr_);				\
	sr = (xr) + tr;							\
	si = (xi) + ti;							\
	dr_ = (xr) - tr;						\
	di_ = (xi) - ti;						\
} while (0)

MULTIVERSION static void
fft_stages(double *restrict re, double *restrict im, size_t N,
    const double *restrict twr, const double *restrict twi)
{
	size_t h = 1;

	for (; 4 * h <= N; h *= 4) {
		/* Stage h's twiddles, and stage 2h's (j and j + h). */
		const double *wr = twr + h - 1, *wi = twi + h - 1;
		const double *vr = twr + 2 * h - 1, *vi = twi + 2 * h - 1;
		for (size_t b = 0; b < N; b += 4 * h) {
			double *restrict ar = re + b, *restrict ai = im + b;
			double *restrict br = ar + h, *restrict bi = ai + h;
			double *restrict cr = br + h, *restrict ci = bi + h;
			double *restrict dr = cr + h, *restrict di = ci + h;
			size_t j = 0;
			for (; h % 8 == 0 && j < h; j += 8) {
				v8d Ar, Ai, Br, Bi, Cr, Ci, Dr, Di, Wr, Wi, Vr,
				    Vi, Xr, Xi;
				v8d tr, ti, a1r, a1i, b1r, b1i, c1r, c1i, d1r,
				    d1i;
				LD8(Ar, ar + j); LD8(Ai, ai + j);
				LD8(Br, br + j); LD8(Bi, bi + j);
				LD8(Cr, cr + j); LD8(Ci, ci + j);
				LD8(Dr, dr + j); LD8(Di, di + j);
				LD8(Wr, wr + j); LD8(Wi, wi + j);
				LD8(Vr, vr + j); LD8(Vi, vi + j);
				LD8(Xr, vr + j + h); LD8(Xi, vi + j + h);
				/* Stage h, then stage 2h (twiddles j, j + h). */
				BFLY(Ar, Ai, Br, Bi, Wr, Wi, a1r, a1i, b1r, b1i);
				BFLY(Cr, Ci, Dr, Di, Wr, Wi, c1r, c1i, d1r, d1i);
				BFLY(a1r, a1i, c1r, c1i, Vr, Vi, Ar, Ai, Cr, Ci);
				BFLY(b1r, b1i, d1r, d1i, Xr, Xi, Br, Bi, Dr, Di);
				ST8(ar + j, Ar); ST8(ai + j, Ai);
				ST8(br + j, Br); ST8(bi + j, Bi);
				ST8(cr + j, Cr); ST8(ci + j, Ci);
				ST8(dr + j, Dr); ST8(di + j, Di);
			}
			for (; j < h; j++) {
				double tr, ti, a1r, a1i, b1r, b1i, c1r, c1i,
				    d1r, d1i;
				/* Stage h: (a, b) and (c, d); stage 2h: (a, c)
				 * with twiddle j, (b, d) with twiddle j + h. */
				BFLY(ar[j], ai[j], br[j], bi[j], wr[j], wi[j],
				    a1r, a1i, b1r, b1i);
				BFLY(cr[j], ci[j], dr[j], di[j], wr[j], wi[j],
				    c1r, c1i, d1r, d1i);
				BFLY(a1r, a1i, c1r, c1i, vr[j], vi[j], ar[j],
				    ai[j], cr[j], ci[j]);
				BFLY(b1r, b1i, d1r, d1i, vr[j + h], vi[j + h],
				    br[j], bi[j], dr[j], di[j]);
			}
		}
	}
	if (h < N) {
		/* An odd number of stages: the last one alone. */
		const double *wr = twr + h - 1, *wi = twi + h - 1;
		for (size_t b = 0; b < N; b += 2 * h) {
			double *restrict pr = re + b, *restrict pi = im + b;
			double *restrict qr = re + b + h, *restrict qi = im + b + h;
			size_t j = 0;
			for (; h % 8 == 0 && j < h; j += 8) {
				v8d Pr, Pi, Qr, Qi, Wr, Wi, Sr, Si, Dr, Di, tr,
				    ti;
				LD8(Pr, pr + j); LD8(Pi, pi + j);
				LD8(Qr, qr + j); LD8(Qi, qi + j);
				LD8(Wr, wr + j); LD8(Wi, wi + j);
				BFLY(Pr, Pi, Qr, Qi, Wr, Wi, Sr, Si, Dr, Di);
				ST8(pr + j, Sr); ST8(pi + j, Si);
				ST8(qr + j, Dr); ST8(qi + j, Di);
			}
			for (; j < h; j++) {
				double xr = pr[j], xi = pi[j], tr, ti;
				BFLY(xr, xi, qr[j], qi[j], wr[j], wi[j], pr[j],
				    pi[j], qr[j], qi[j]);
			}
		}
	}
}

/*
 * fft_dif: the butterflies of a decimation-in-frequency FFT of size N on
 * (re, im) in natural order, in place: the transform, in bit-reversed
 * order (which fft_stages takes back to natural order).  Eight
 * butterflies at a time from h = 8 on, as in fft_stages.
 */
MULTIVERSION static void
fft_dif(double *restrict re, double *restrict im, size_t N,
    const double *restrict twr, const double *restrict twi)
{
	for (size_t h = N / 2; h >= 1; h /= 2) {
		const double *wr = twr + h - 1, *wi = twi + h - 1;
		for (size_t b = 0; b < N; b += 2 * h) {
			double *restrict pr = re + b, *restrict pi = im + b;
			double *restrict qr = re + b + h, *restrict qi = im + b + h;
			size_t j = 0;
			for (; h % 8 == 0 && j < h; j += 8) {
				v8d Pr, Pi, Qr, Qi, Wr, Wi, dr, di;
				LD8(Pr, pr + j); LD8(Pi, pi + j);
				LD8(Qr, qr + j); LD8(Qi, qi + j);
				LD8(Wr, wr + j); LD8(Wi, wi + j);
				dr = Pr - Qr; di = Pi - Qi;
				Pr = Pr + Qr; Pi = Pi + Qi;
				Qr = dr * Wr - di * Wi;
				Qi = dr * Wi + di * Wr;
				ST8(pr + j, Pr); ST8(pi + j, Pi);
				ST8(qr + j, Qr); ST8(qi + j, Qi);
			}
			for (; j < h; j++) {
				double ar = pr[j], ai = pi[j];
				double dr = ar - qr[j], di = ai - qi[j];
				pr[j] = ar + qr[j];
				pi[j] = ai + qi[j];
				qr[j] = dr * wr[j] - di * wi[j];
				qi[j] = dr * wi[j] + di * wr[j];
			}
		}
	}
}

/*
 * fft_plan: set up t for the nf kernels k (k[0] the longest), or leave t
 * unused (N = 0) when they are too short for an FFT to pay or their
 * spectra would take more than FFT_MAX_BYTES: N the
 * smallest power of 2 >= 4L + 2, S = N - 2L, and each kernel's spectrum
 * (bit-reversed), that of h[(N - m) mod N] = kern[m - (L - l)] for m in
 * [L - l, L + l] (l its own half-width, 0 elsewhere), over N.
 */
static void
fft_plan(struct fft *t, const struct kernel *k, size_t nf)
{
	size_t L, N = 2;
	double *br, *bi;

	memset(t, 0, sizeof(*t));
	if (nf == 0 || k[0].L < FFT_MIN_L)
		return;
	L = k[0].L;
	while (N < 4 * L + 2)
		N *= 2;
	if (nf * N * 2 * sizeof(double) > FFT_MAX_BYTES)
		return;
	fft_init(t, N);
	t->L = L;
	t->S = N - 2 * L;
	t->hr = xmalloc(nf * N * sizeof(double));
	t->hi = xmalloc(nf * N * sizeof(double));
	br = xcalloc(N, sizeof(double));
	bi = xcalloc(N, sizeof(double));
	for (size_t f = 0; f < nf; f++) {
		size_t l = k[f].L;
		memset(br, 0, N * sizeof(double));
		memset(bi, 0, N * sizeof(double));
		for (size_t j = 0; j <= 2 * l; j++) {
			size_t m = j + L - l;
			br[(N - m) % N] = k[f].re[j];
			bi[(N - m) % N] = k[f].im[j];
		}
		fft_dif(br, bi, N, t->twr, t->twi);
		memcpy(t->hr + f * N, br, N * sizeof(double));
		memcpy(t->hi + f * N, bi, N * sizeof(double));
		for (size_t i = 0; i < N; i++) {
			t->hr[f * N + i] /= (double)N;
			t->hi[f * N + i] /= (double)N;
		}
	}
	free(br);
	free(bi);
}

/*
 * spectrum_mul: (zr, zi) = the conjugate of (ur, ui) times (hr, hi),
 * elementwise over N.
 */
MULTIVERSION static void
spectrum_mul(double *restrict zr, double *restrict zi,
    const double *restrict ur, const double *restrict ui,
    const double *restrict hr, const double *restrict hi, size_t N)
{
	for (size_t i = 0; i < N; i++) {
		zr[i] = ur[i] * hr[i] - ui[i] * hi[i];
		zi[i] = -(ur[i] * hi[i] + ui[i] * hr[i]);
	}
}

/* modulus: o[i] = |zr[i] + i zi[i]| for i in [0, n) (sqrt is correctly
 * rounded in every variant: the same bits). */
MULTIVERSION static void
modulus(const double *restrict zr, const double *restrict zi,
    double *restrict o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		o[i] = sqrt(zr[i] * zr[i] + zi[i] * zi[i]);
}

/* The tiles of one morlet_fft call, and which of them a thread does. */
struct tiles {
	struct fft *t;
	const struct kernel *k;
	size_t f0, nf, n, lo, hi;
	const double *x;
	int64_t frame0, k0, k1;
	double **out;
	int id, nth;          /* this thread does frequencies id + j nth */
};

/*
 * morlet_tile: tile kt of ts with the scratch of thread ts->id: its input
 * transformed, then for each of the thread's frequencies the product with
 * the kernel's spectrum transformed back and the moduli of the tile's
 * rows within [lo, hi) stored.
 */
static void
morlet_tile(const struct tiles *ts, int64_t kt)
{
	const struct fft *t = ts->t;
	size_t N = t->N, S = t->S, L = t->L, n = ts->n;
	double *ur = t->scr + (size_t)ts->id * 4 * N, *ui = ur + N;
	double *zr = ui + N, *zi = zr + N;
	const double *x = ts->x;
	/* u[q] = x[base + q], window row base = kt S - L - frame0. */
	int64_t base = kt * (int64_t)S - (int64_t)L - ts->frame0;
	int64_t r0 = (int64_t)ts->lo - (base + (int64_t)L);
	int64_t r1 = (int64_t)ts->hi - (base + (int64_t)L);

	for (size_t q = 0; q < N; q++) {
		int64_t i = base + (int64_t)q;
		double v = i >= 0 && i < (int64_t)n ? x[i] : 0;
		ur[q] = isfinite(v) ? v : 0;
		ui[q] = 0;
	}
	fft_dif(ur, ui, N, t->twr, t->twi);
	/* The tile's rows within [lo, hi). */
	if (r0 < 0)
		r0 = 0;
	if (r1 > (int64_t)S)
		r1 = (int64_t)S;
	for (size_t f = (size_t)ts->id; f < ts->nf; f += (size_t)ts->nth) {
		const struct kernel *kf = &ts->k[f];
		size_t l = kf->L;
		double *o = ts->out[f];
		spectrum_mul(zr, zi, ur, ui, t->hr + (ts->f0 + f) * N,
		    t->hi + (ts->f0 + f) * N, N);
		/* (zr, zi) = conj(U H), bit-reversed; its FFT is N times the
		 * conjugate of the wanted inverse: the same modulus. */
		fft_stages(zr, zi, N, t->twr, t->twi);
		if (r0 < r1) {
			/* No non-finite input in any row's kernel: all at
			 * once. */
			size_t i0 = (size_t)(base + (int64_t)L + r0);
			size_t i1 = (size_t)(base + (int64_t)L + r1) - 1;
			size_t wa = i0 >= l ? i0 - l : 0;
			size_t wb = i1 + l + 1 < n ? i1 + l + 1 : n;
			if (t->bad[wb] == t->bad[wa]) {
				modulus(zr + r0, zi + r0, o + i0,
				    (size_t)(r1 - r0));
				continue;
			}
		}
		for (int64_t r = r0; r < r1; r++) {
			size_t i = (size_t)(base + (int64_t)L + r);
			size_t wa = i >= l ? i - l : 0;
			size_t wb = i + l + 1 < n ? i + l + 1 : n;
			if (t->bad[wb] != t->bad[wa])
				morlet(x, n, kf, o, i, i + 1);
			else
				o[i] = sqrt(zr[r] * zr[r] + zi[r] * zi[r]);
		}
	}
}

/* tiles_body: a thread's share: its frequencies of every tile. */
static void *
tiles_body(void *arg)
{
	const struct tiles *ts = arg;

	for (int64_t kt = ts->k0; kt <= ts->k1; kt++)
		morlet_tile(ts, kt);
	return NULL;
}

/*
 * morlet_fft: the wavelet amplitudes of x[0..n) for the nf kernels k
 * (spectra in t from index f0) of source c into out[f][i] for rows i in
 * [lo, hi), and rows on to the end of the last tile (kept in the source's
 * tile cache; a first tile found there is not computed again); frame0 is
 * the frame of row 0 (rows are consecutive frames).  Values outside
 * [0, n) are 0, as in morlet.  The frequencies are shared among
 * t->nth threads (each transforms the tiles' input itself); a frequency's
 * values are computed the same way whichever thread does them, so the
 * bytes do not depend on their number.
 */
static void
morlet_fft(struct fft *t, const struct kernel *k, size_t f0, size_t nf,
    size_t c, const double *x, size_t n, int64_t frame0, double **out,
    size_t lo, size_t hi)
{
	size_t S = t->S, hi2;
	int64_t a = frame0 + (int64_t)lo, b = frame0 + (int64_t)hi - 1, t0;
	struct tiles ts[64];
	int nth = t->nth > 64 ? 64 : t->nth;
	struct tcache *cc;

	if (hi <= lo)
		return;
	cc = tile_cache(t, c, nf);
	if (n + 1 > t->badcap) {
		t->badcap = n + 1;
		t->bad = xrealloc(t->bad, t->badcap * sizeof(size_t));
	}
	t->bad[0] = 0;
	for (size_t i = 0; i < n; i++)
		t->bad[i + 1] = t->bad[i] + !isfinite(x[i]);
	ts[0] = (struct tiles){ t, k, f0, nf, n, lo, hi, x, frame0,
		a >= 0 ? a / (int64_t)S : -((-a + (int64_t)S - 1) / (int64_t)S),
		b >= 0 ? b / (int64_t)S : -((-b + (int64_t)S - 1) / (int64_t)S),
		out, 0, 0 };
	/* The first tile from the cache. */
	if (cc->kt == ts[0].k0) {
		t0 = ts[0].k0 * (int64_t)S - frame0;  /* its row 0 */
		for (size_t i = lo; i < hi && (int64_t)i < t0 + (int64_t)S;
		    i++)
			for (size_t f = 0; f < nf; f++)
				out[f][i] = cc->v[f * S + (size_t)((int64_t)i -
				    t0)];
		ts[0].k0++;
	}
	/* The last tile in full, for the next window. */
	t0 = ts[0].k1 * (int64_t)S - frame0;
	hi2 = (size_t)(t0 + (int64_t)S) < n ? (size_t)(t0 + (int64_t)S) : n;
	ts[0].hi = hi2;
	if (ts[0].k0 > ts[0].k1)
		return;
	if ((size_t)nth > nf)
		nth = (int)nf;
	ts[0].nth = nth;
	for (int i = 1; i < nth; i++) {
		ts[i] = ts[0];
		ts[i].id = i;
	}
	mz_fork_join(tiles_body, ts, sizeof(ts[0]), (size_t)nth);
	/* Keep the last tile's rows computed here (those before lo are not
	 * needed again: windows move forward). */
	cc->kt = ts[0].k1;
	for (size_t i = lo > (size_t)(t0 > 0 ? t0 : 0) ? lo : (size_t)(t0 > 0 ?
	    t0 : 0); i < hi2; i++)
		for (size_t f = 0; f < nf; f++)
			cc->v[f * S + (size_t)((int64_t)i - t0)] = out[f][i];
}

/* ---------------------------------------------------------------- plan */

/*
 * The wavelet kernels and their FFT plan, made for the first part and
 * kept for the next ones with the same fps (the frequencies are the same
 * for every part): the spectra of long kernels take a while to compute.
 * none: no FFT (N = 0), for plans without wavelets.
 */
static struct {
	double fps;
	size_t nfreq;
	struct kernel *kern;
	struct fft fft, none;
} wcache;

/* wcache_free: release the kernels and plan of wcache, leaving it empty. */
static void
wcache_free(void)
{
	for (size_t q = 0; wcache.kern != NULL && q < wcache.nfreq; q++) {
		free(wcache.kern[q].re);
		free(wcache.kern[q].im);
	}
	free(wcache.kern);
	fft_free(&wcache.fft);
	memset(&wcache, 0, sizeof(wcache));
}

/* The plan for one output part. */
struct plan {
	size_t K;                 /* bodyparts (x/y) */
	char **bpname;            /* K names, borrowed from the header */
	unsigned char *ant, *post, *cen;
	size_t P;                 /* individuals: 0 focal, 1.. others */
	char **oname;             /* P names (others' individual names) */
	size_t nc;                /* computed columns */
	struct ocol *oc;
	mz_header *out;
	int *src;                 /* per output column: input column or -1 */
	int *cidx;                /* per output column: computed index */
	double fps;
	size_t nfreq;
	double *freq;
	struct kernel *kern;      /* wcache's (borrowed) */
	struct fft *fft;          /* wavelets by FFT (fft->N > 0) */
	size_t margin;            /* rows of context on each side */
};

/* bp_index: index of bodypart name (or K for "centroid"); dies naming
 * the part when it is unknown. */
static int
bp_index(const struct plan *pl, const char *name, const char *what,
    const char *where)
{
	if (strcmp(name, "centroid") == 0)
		return (int)pl->K;
	for (size_t k = 0; k < pl->K; k++)
		if (strcmp(pl->bpname[k], name) == 0)
			return (int)k;
	die("%s: %s: bodypart '%s' is not in the part's bodyparts", where,
	    what, name);
}

/* mark: flags for the comma-separated bodyparts s (all when NULL). */
static void
mark(const struct plan *pl, unsigned char *flag, const char *s,
    const char *what, const char *where)
{
	size_t n;
	char **v;

	memset(flag, s == NULL, pl->K);
	if (s == NULL)
		return;
	v = comma_list(s, &n, what);
	for (size_t i = 1; i <= n; i++) {
		int k = bp_index(pl, v[i], what, where);
		if (k == (int)pl->K)
			die("%s: %s: 'centroid' is not a bodypart here", where,
			    what);
		flag[k] = 1;
	}
	comma_list_free(v);
}

/* pt_name: the name of point k (a bodypart or "centroid"). */
static const char *
pt_name(const struct plan *pl, int k)
{
	return k == (int)pl->K ? "centroid" : pl->bpname[k];
}

/*
 * add_oc: append a computed column of kind k named by the printf format to
 * the plan and the output header (f64, unit); returns its index.
 */
static size_t
add_oc(struct plan *pl, enum kind k, const char *unit, const char *where,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static size_t
add_oc(struct plan *pl, enum kind k, const char *unit, const char *where,
    const char *fmt, ...)
{
	char name[1024];
	struct ocol *c;
	va_list ap;
	mz_err e;
	int j;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if ((j = mz_header_add_column(pl->out, name, MZ_F64, unit, &e)) < 0)
		die("%s: cannot add column '%s': %s", where, name,
		    j == -MZ_ESCHEMA ? "the name is already used (a feature "
		    "given twice, or an input column of that name with -k)" :
		    e.msg);
	pl->oc = xrealloc(pl->oc, (pl->nc + 1) * sizeof(*pl->oc));
	c = &pl->oc[pl->nc];
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->a = c->b = c->c = -1;
	c->src = -1;
	c->name = xstrdup(name);
	return pl->nc++;
}

/* add_str: set key of object o to string s; dies when out of memory. */
static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (cJSON_AddStringToObject(o, key, s) == NULL)
		die("out of memory");
}

/*
 * plan_part: the output header and computed columns for input header h
 * (the focal part) with others P-1 individuals named oname[1..].
 */
static void
plan_part(struct plan *pl, const mz_header *h, const struct opts *o,
    const cJSON *hopts, double fps, const char *where)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(h->meta,
	    "bodyparts"), *it;
	char u1[200], u2[200];
	const char *unit;
	cJSON *info, *formula, *fr;
	size_t k = 0;
	mz_err e;

	if (list == NULL || !cJSON_IsArray(list) ||
	    cJSON_GetArraySize(list) == 0)
		die("%s: no \"bodyparts\" metadata list (not standard tracks)",
		    where);
	pl->K = (size_t)cJSON_GetArraySize(list);
	pl->bpname = xcalloc(pl->K, sizeof(char *));
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			die("%s: \"bodyparts\" metadata is not a list of names",
			    where);
		pl->bpname[k++] = it->valuestring;
	}
	pl->fps = fps;
	pl->ant = xcalloc(pl->K, 1);
	pl->post = xcalloc(pl->K, 1);
	pl->cen = xcalloc(pl->K, 1);
	mark(pl, pl->cen, o->centroid, "centroid (-b)", where);
	if (o->heading) {
		mark(pl, pl->ant, o->anterior, "anterior (-a)", where);
		mark(pl, pl->post, o->posterior, "posterior (-p)", where);
	}
	{
		char col[600];
		int j;
		snprintf(col, sizeof(col), "%s.x", pl->bpname[0]);
		j = mz_header_find(h, col);
		unit = j >= 0 && h->cols[j].unit ? h->cols[j].unit :
		    mz_meta_str(h, "units") ? mz_meta_str(h, "units") : "px";
	}
	snprintf(u1, sizeof(u1), "%s/s", unit);
	snprintf(u2, sizeof(u2), "%s/s^2", unit);

	/* Output: frame, time, id (or every input column with -k). */
	if ((pl->out = mz_header_copy(h)) == NULL)
		die("out of memory");
	for (size_t j = h->ncols; j-- > 0;)
		if (!o->keep && strcmp(h->cols[j].name, "frame") != 0 &&
		    strcmp(h->cols[j].name, "time") != 0 &&
		    strcmp(h->cols[j].name, "id") != 0)
			mz_header_drop_column(pl->out, j);
	cJSON_DeleteItemFromObjectCaseSensitive(pl->out->meta, "features");
	pl->nfreq = 0;
	for (size_t f = 0; f < o->nfeat; f++)
		if (o->feat[f].t == F_WAVELET)
			pl->nfreq = o->nfreq;
	if (pl->nfreq) {
		pl->freq = xmalloc(pl->nfreq * sizeof(double));
		for (size_t i = 0; i < pl->nfreq; i++)
			pl->freq[i] = pl->nfreq == 1 ? o->flo : o->flo *
			    pow(o->fhi / o->flo, (double)i /
			    (double)(pl->nfreq - 1));
		if (wcache.kern == NULL || wcache.fps != fps) {
			wcache_free();
			wcache.fps = fps;
			wcache.nfreq = pl->nfreq;
			wcache.kern = xcalloc(pl->nfreq, sizeof(*wcache.kern));
			for (size_t i = 0; i < pl->nfreq; i++)
				kernel_make(&wcache.kern[i], pl->freq[i], fps);
			fft_plan(&wcache.fft, wcache.kern, pl->nfreq);
		}
		/* The tiles kept are the last part's. */
		for (size_t i = 0; i < wcache.fft.ntc; i++)
			wcache.fft.tc[i].kt = INT64_MIN;
		pl->kern = wcache.kern;
		pl->fft = &wcache.fft;
	} else
		pl->fft = &wcache.none;
	pl->margin = (size_t)o->deriv + (pl->nfreq ? pl->kern[0].L : 0) +
	    pl->fft->S;

	for (size_t f = 0; f < o->nfeat; f++) {
		const struct feat *ft = &o->feat[f];
		size_t c;
		switch (ft->t) {
		case F_VEL: case F_SPEED: case F_ACCEL:
			for (size_t i = 0; i < (ft->narg ? ft->narg : 1); i++) {
				int p = ft->narg ? bp_index(pl, ft->arg[i + 1],
				    ft->spec, where) : (int)pl->K;
				const char *n = pt_name(pl, p);
				if (ft->t == F_SPEED) {
					c = add_oc(pl, K_SPEED, u1, where,
					    "speed.%s", n);
					pl->oc[c].a = p;
					continue;
				}
				c = add_oc(pl, ft->t == F_VEL ? K_VX : K_AX,
				    ft->t == F_VEL ? u1 : u2, where, "%s.%s", n,
				    ft->t == F_VEL ? "vx" : "ax");
				pl->oc[c].a = p;
				c = add_oc(pl, ft->t == F_VEL ? K_VY : K_AY,
				    ft->t == F_VEL ? u1 : u2, where, "%s.%s", n,
				    ft->t == F_VEL ? "vy" : "ay");
				pl->oc[c].a = p;
			}
			break;
		case F_HEADING:
			add_oc(pl, K_HEADING, "rad", where, "heading");
			break;
		case F_ANGVEL:
			add_oc(pl, K_ANGVEL, "rad/s", where, "angvel");
			break;
		case F_BODYLEN:
			add_oc(pl, K_BODYLEN, unit, where, "bodylength");
			break;
		case F_ANGLE: {
			int a = bp_index(pl, ft->arg[1], ft->spec, where);
			int b = bp_index(pl, ft->arg[2], ft->spec, where);
			int cc = bp_index(pl, ft->arg[3], ft->spec, where);
			c = add_oc(pl, K_ANGLE, "rad", where, "angle.%s.%s.%s",
			    pt_name(pl, a), pt_name(pl, b), pt_name(pl, cc));
			pl->oc[c].a = a;
			pl->oc[c].b = b;
			pl->oc[c].c = cc;
			break;
		}
		case F_DIST:
			if (ft->narg) {
				int a = bp_index(pl, ft->arg[1], ft->spec, where);
				int b = bp_index(pl, ft->arg[2], ft->spec, where);
				c = add_oc(pl, K_DIST, unit, where, "dist.%s.%s",
				    pt_name(pl, a), pt_name(pl, b));
				pl->oc[c].a = a;
				pl->oc[c].b = b;
				break;
			}
			for (size_t a = 0; a < pl->K; a++)
				for (size_t b = a + 1; b < pl->K; b++) {
					c = add_oc(pl, K_DIST, unit, where,
					    "dist.%s.%s", pl->bpname[a],
					    pl->bpname[b]);
					pl->oc[c].a = (int)a;
					pl->oc[c].b = (int)b;
				}
			break;
		case F_IDIST: case F_APPROACH: case F_RELORI: case F_FACING:
			for (size_t j = 1; j < pl->P; j++) {
				static const char *pre[] = { [F_IDIST] = "idist",
				    [F_APPROACH] = "approach", [F_RELORI] =
				    "relori", [F_FACING] = "facing" };
				enum kind kk = ft->t == F_IDIST ? K_IDIST :
				    ft->t == F_APPROACH ? K_APPROACH :
				    ft->t == F_RELORI ? K_RELORI : K_FACING;
				c = add_oc(pl, kk, ft->t == F_IDIST ? unit :
				    ft->t == F_APPROACH ? u1 : "rad", where,
				    "%s.%s", pre[ft->t], pl->oname[j]);
				pl->oc[c].j = (int)j;
			}
			break;
		case F_NN:
			add_oc(pl, K_NNID, NULL, where, "nn.id");
			add_oc(pl, K_NNDIST, unit, where, "nn.dist");
			add_oc(pl, K_NNDX, unit, where, "nn.dx");
			add_oc(pl, K_NNDY, unit, where, "nn.dy");
			break;
		case F_WAVELET:
			break;
		}
	}
	/* Wavelets last: they may transform any column above. */
	for (size_t f = 0; f < o->nfeat; f++) {
		const struct feat *ft = &o->feat[f];
		if (ft->t != F_WAVELET)
			continue;
		for (size_t i = 1; i <= ft->narg; i++) {
			int src = -1;
			const char *su = NULL;
			for (size_t c = 0; c < pl->nc; c++)
				if (pl->oc[c].k != K_WAVELET &&
				    strcmp(pl->oc[c].name, ft->arg[i]) == 0) {
					src = (int)c;
					su = pl->out->cols[pl->out->ncols - pl->nc +
					    c].unit;
				}
			if (src < 0) {
				/* A bodypart coordinate NAME.x / NAME.y. */
				size_t len = strlen(ft->arg[i]);
				for (size_t kk = 0; kk < 2 * pl->K && src < 0;
				    kk++)
					if (len == strlen(pl->bpname[kk / 2]) + 2 &&
					    strncmp(ft->arg[i], pl->bpname[kk / 2],
					    len - 2) == 0 && ft->arg[i][len - 2] ==
					    '.' && ft->arg[i][len - 1] ==
					    "xy"[kk % 2]) {
						src = -2 - (int)kk;
						su = unit;
						break;
					}
				if (src == -1)
					die("%s: %s: '%s' is neither a feature "
					    "column computed here nor a bodypart "
					    "coordinate", where, ft->spec,
					    ft->arg[i]);
			}
			for (size_t q = 0; q < pl->nfreq; q++) {
				size_t c = add_oc(pl, K_WAVELET, su, where,
				    "%s.w%zu", ft->arg[i], q);
				pl->oc[c].src = src;
				pl->oc[c].f = q;
			}
		}
	}

	/* Output column sources. */
	pl->src = xmalloc(pl->out->ncols * sizeof(int));
	pl->cidx = xmalloc(pl->out->ncols * sizeof(int));
	for (size_t j = 0; j < pl->out->ncols; j++) {
		size_t base = pl->out->ncols - pl->nc;
		pl->src[j] = j < base ? mz_header_find(h,
		    pl->out->cols[j].name) : -1;
		pl->cidx[j] = j < base ? -1 : (int)(j - base);
	}

	/* Metadata: how the columns were computed. */
	if ((info = cJSON_CreateObject()) == NULL ||
	    (formula = cJSON_AddObjectToObject(info, "formulas")) == NULL ||
	    cJSON_AddNumberToObject(info, "fps", fps) == NULL)
		die("out of memory");
	{
		cJSON *a = cJSON_AddArrayToObject(info, "centroid");
		for (size_t q = 0; q < pl->K; q++)
			if (pl->cen[q])
				cJSON_AddItemToArray(a,
				    cJSON_CreateString(pl->bpname[q]));
		a = cJSON_AddArrayToObject(info, "anterior");
		for (size_t q = 0; q < pl->K; q++)
			if (pl->ant[q])
				cJSON_AddItemToArray(a,
				    cJSON_CreateString(pl->bpname[q]));
		a = cJSON_AddArrayToObject(info, "posterior");
		for (size_t q = 0; q < pl->K; q++)
			if (pl->post[q])
				cJSON_AddItemToArray(a,
				    cJSON_CreateString(pl->bpname[q]));
	}
	add_str(formula, "derivative", "numpy.gradient * fps: (f[i+1] - "
	    "f[i-1]) fps/2 inside, one-sided (f[1] - f[0]) fps at the ends");
	add_str(formula, "centroid", "mean of the finite centroid bodyparts");
	add_str(formula, "heading", "atan2(mean(anterior.y) - "
	    "mean(posterior.y), mean(anterior.x) - mean(posterior.x))");
	add_str(formula, "angvel", "derivative of heading, each difference "
	    "wrapped to (-pi, pi]");
	add_str(formula, "angle", "atan2(|u x v|, u . v), u = A - B, v = C - B");
	add_str(formula, "idist", "|centroid(other) - centroid|");
	add_str(formula, "approach", "derivative of idist (negative: "
	    "approach)");
	add_str(formula, "relori", "wrap(heading(other) - heading)");
	add_str(formula, "facing", "|wrap(atan2(d.y, d.x) - heading)|, d = "
	    "centroid(other) - centroid");
	add_str(formula, "nn", "nearest other by idist: its id, idist, and d "
	    "rotated by -heading");
	add_str(formula, "wavelet", "|sum_k x[i-k] psi(k/s)/sqrt(s)|, psi(t) "
	    "= (pi B)^-1/2 exp(-t^2/B) exp(2 pi i C t), B = 1.5, C = 1, s = C "
	    "fps/f, |k| <= 8 s, x = 0 outside the recording");
	if (pl->nfreq) {
		if ((fr = cJSON_AddArrayToObject(info, "wavelet_freqs")) == NULL)
			die("out of memory");
		for (size_t q = 0; q < pl->nfreq; q++)
			cJSON_AddItemToArray(fr, cJSON_CreateNumber(pl->freq[q]));
	}
	if (mz_meta_set(pl->out, "features", info, &e) < 0 ||
	    mz_meta_set(pl->out, "fps", cJSON_CreateNumber(fps), &e) < 0)
		die_err(&e);
	{
		cJSON *hist = cJSON_Duplicate(hopts, 1);
		if (hist == NULL)
			die("out of memory");
		history_add(pl->out, hist);
	}
}

/* plan_free: release what plan_part allocated. */
static void
plan_free(struct plan *pl)
{
	for (size_t c = 0; c < pl->nc; c++)
		free(pl->oc[c].name);
	free(pl->freq);
	free(pl->oc);
	free(pl->src);
	free(pl->cidx);
	free(pl->ant);
	free(pl->post);
	free(pl->cen);
	free(pl->bpname);
	mz_header_free(pl->out);
}

/* -------------------------------------------------------------- window */

/*
 * The window: rows [start, start + n) of the focal individual's extended
 * rows (context before, the part's own rows, context after), with the
 * other individuals' values at the same frames (NaN where they have no
 * row).  Per individual: 2K coordinates and the id, each an array.
 */
struct window {
	size_t P, K, cap, n, start;
	double **v;       /* P * (2K + 1) arrays of cap rows */
	/* per-window derived arrays, P * 6 of cap rows: cx, cy, ax, ay,
	 * px, py (centroid, anterior and posterior means) and heading */
	double **d;
	double **col;     /* computed columns */
	double *tmp, *tmp2;
	int64_t *fr;      /* the focal rows' frames */
	/* The focal part's own input columns that are output or select
	 * rows (others NULL, ptsz 0): npt arrays of cap values of ptsz
	 * bytes; rows of context parts are left unset. */
	void **pt;
	size_t *ptsz, npt;
	/* Every array above lives in this one block (mz_bigalloc: huge
	 * pages where the kernel gives them, which spares most of the
	 * window's first-touch page faults). */
	char *slab;
	size_t slabsz;
};

/* The last part's slab, kept for the next part (its pages are faulted in
 * already); freed at exit. */
static char *spare_slab;
static size_t spare_size;

/* The focal rows a window advances by (more when the margins are wide). */
#define BATCH_ROWS 4096

/* slab_room: bytes for n values of sz bytes, rounded up to a cache line. */
static size_t
slab_room(size_t n, size_t sz)
{
	return (n * sz + 63) & ~(size_t)63;
}

/*
 * win_grow: make room for cap rows in every array of w (nc computed
 * columns): a new slab, the n rows held copied over.
 */
static void
win_grow(struct window *w, size_t nc, size_t cap)
{
	size_t nv = w->P * (2 * w->K + 1), nd = w->P * 7, dsz = sizeof(double);
	size_t room = slab_room(cap, dsz), total, n = w->n;
	char *slab, *at;

	if (cap <= w->cap)
		return;
	total = (nv + nd + nc + 2) * room + slab_room(cap, sizeof(int64_t));
	for (size_t j = 0; j < w->npt; j++)
		total += slab_room(cap, w->ptsz[j]);
	if (w->slab == NULL && spare_slab != NULL && spare_size >= total) {
		/* A new part: the last one's slab (nothing to copy). */
		slab = spare_slab;
		total = spare_size;
		spare_slab = NULL;
	} else if ((slab = mz_bigalloc(total)) == NULL)
		die("out of memory");
	at = slab;
#define CARVE(p, sz) do {						\
	if (w->slab != NULL)						\
		memcpy(at, (p), n * (sz));				\
	(p) = (void *)at;						\
	at += slab_room(cap, (sz));					\
} while (0)
	for (size_t i = 0; i < nv; i++)
		CARVE(w->v[i], dsz);
	for (size_t i = 0; i < nd; i++)
		CARVE(w->d[i], dsz);
	for (size_t i = 0; i < nc; i++)
		CARVE(w->col[i], dsz);
	CARVE(w->tmp, dsz);
	CARVE(w->tmp2, dsz);
	CARVE(w->fr, sizeof(int64_t));
	for (size_t j = 0; j < w->npt; j++)
		if (w->ptsz[j])
			CARVE(w->pt[j], w->ptsz[j]);
#undef CARVE
	free(w->slab);
	w->slab = slab;
	w->slabsz = total;
	w->cap = cap;
}

/* win_drop: remove the first dr rows (at most all) of w. */
static void
win_drop(struct window *w, size_t dr)
{
	size_t nv = w->P * (2 * w->K + 1);

	if (dr > w->n)
		dr = w->n;
	for (size_t i = 0; i < nv; i++)
		memmove(w->v[i], w->v[i] + dr, (w->n - dr) * sizeof(double));
	memmove(w->fr, w->fr + dr, (w->n - dr) * sizeof(int64_t));
	for (size_t j = 0; j < w->npt; j++)
		if (w->ptsz[j])
			memmove(w->pt[j], (char *)w->pt[j] + dr * w->ptsz[j],
			    (w->n - dr) * w->ptsz[j]);
	w->n -= dr;
	w->start += dr;
}

/*
 * win_load: k rows of c's current block from row c->i on (k at most what
 * cursor_avail gave) into window rows [i, i + k) of the focal individual:
 * coordinates, id and frame, and with own (the rows are the focal part's)
 * the kept input columns; c moves past them, its last row loaded.
 */
static void
win_load(struct window *w, struct cursor *c, size_t i, size_t k, int own)
{
	const mz_block *b = &c->b;
	size_t r0 = c->i;

	for (size_t q = 0; q < 2 * w->K; q++) {
		mz_type t = c->types[c->xy[q]];
		const void *src = b->cols[c->xy[q]];
		double *d = w->v[q] + i;
		if (t == MZ_F64)
			memcpy(d, (const double *)src + r0, k * sizeof(double));
		else
			for (size_t r = 0; r < k; r++)
				d[r] = mz_get_f64(src, t, r0 + r);
	}
	for (size_t r = 0; r < k; r++) {
		w->v[2 * w->K][i + r] = c->idc >= 0 ?
		    mz_get_f64(b->cols[c->idc], c->types[c->idc], r0 + r) : NAN;
		w->fr[i + r] = mz_get_i64(b->cols[c->fc], c->types[c->fc],
		    r0 + r);
	}
	for (size_t j = 0; own && j < w->npt; j++)
		if (w->ptsz[j])
			memcpy((char *)w->pt[j] + i * w->ptsz[j],
			    (const char *)b->cols[j] + r0 * w->ptsz[j],
			    k * w->ptsz[j]);
	c->i += k;
	c->frame = w->fr[i + k - 1];
	c->valid = 1;
}

/*
 * derive: centroid, anterior/posterior means and heading of every
 * individual over the n window rows.
 */
static void
derive(struct window *w, const struct plan *pl, int heading)
{
	size_t K = w->K;

	for (size_t j = 0; j < w->P; j++) {
		double **v = w->v + j * (2 * K + 1), **d = w->d + j * 7;
		for (size_t i = 0; i < w->n; i++) {
			double c[2] = { 0, 0 }, a[2] = { 0, 0 }, p[2] = { 0, 0 };
			size_t nc = 0, na = 0, np = 0;
			for (size_t k = 0; k < K; k++) {
				double x = v[2 * k][i], y = v[2 * k + 1][i];
				if (!isfinite(x) || !isfinite(y))
					continue;
				if (pl->cen[k]) {
					c[0] += x;
					c[1] += y;
					nc++;
				}
				if (pl->ant[k]) {
					a[0] += x;
					a[1] += y;
					na++;
				}
				if (pl->post[k]) {
					p[0] += x;
					p[1] += y;
					np++;
				}
			}
			d[0][i] = nc ? c[0] / (double)nc : NAN;
			d[1][i] = nc ? c[1] / (double)nc : NAN;
			d[2][i] = na ? a[0] / (double)na : NAN;
			d[3][i] = na ? a[1] / (double)na : NAN;
			d[4][i] = np ? p[0] / (double)np : NAN;
			d[5][i] = np ? p[1] / (double)np : NAN;
			d[6][i] = heading ? atan2(d[3][i] - d[5][i],
			    d[2][i] - d[4][i]) : NAN;
		}
	}
}

/* point: the x (d = 0) or y array of focal point k (K: centroid). */
static const double *
point(const struct window *w, int k, int d)
{
	return k == (int)w->K ? w->d[d] : w->v[2 * k + d];
}

/*
 * compute: every computed column over the n window rows; wavelets only
 * for rows [lo, hi) (the others are never output); frame0 is the frame
 * of window row 0.
 */
static void
compute(struct window *w, struct plan *pl, size_t lo, size_t hi,
    int64_t frame0)
{
	size_t n = w->n, K = w->K;
	double fps = pl->fps, *t = w->tmp, *t2 = w->tmp2;
	const double *h0 = w->d[6], *cx = w->d[0], *cy = w->d[1];

	for (size_t c = 0; c < pl->nc; c++) {
		const struct ocol *oc = &pl->oc[c];
		double *out = w->col[c];
		switch (oc->k) {
		case K_VX: case K_VY:
			gradient(point(w, oc->a, oc->k == K_VY), out, n, fps, 0);
			break;
		case K_AX: case K_AY:
			gradient(point(w, oc->a, oc->k == K_AY), t, n, fps, 0);
			gradient(t, out, n, fps, 0);
			break;
		case K_SPEED:
			gradient(point(w, oc->a, 0), t, n, fps, 0);
			gradient(point(w, oc->a, 1), t2, n, fps, 0);
			for (size_t i = 0; i < n; i++)
				out[i] = norm(t[i], t2[i]);
			break;
		case K_HEADING:
			memcpy(out, h0, n * sizeof(double));
			break;
		case K_ANGVEL:
			gradient(h0, out, n, fps, 1);
			break;
		case K_ANGLE: {
			const double *ax = point(w, oc->a, 0), *ay = point(w,
			    oc->a, 1), *bx = point(w, oc->b, 0), *by = point(w,
			    oc->b, 1), *qx = point(w, oc->c, 0), *qy = point(w,
			    oc->c, 1);
			for (size_t i = 0; i < n; i++) {
				double ux = ax[i] - bx[i], uy = ay[i] - by[i];
				double vx = qx[i] - bx[i], vy = qy[i] - by[i];
				out[i] = (ux == 0 && uy == 0) || (vx == 0 &&
				    vy == 0) ? NAN : atan2(fabs(ux * vy - uy * vx),
				    ux * vx + uy * vy);
			}
			break;
		}
		case K_DIST: {
			const double *ax = point(w, oc->a, 0), *ay = point(w,
			    oc->a, 1), *bx = point(w, oc->b, 0), *by = point(w,
			    oc->b, 1);
			for (size_t i = 0; i < n; i++)
				out[i] = norm(ax[i] - bx[i], ay[i] - by[i]);
			break;
		}
		case K_BODYLEN:
			for (size_t i = 0; i < n; i++)
				out[i] = norm(w->d[2][i] - w->d[4][i],
				    w->d[3][i] - w->d[5][i]);
			break;
		case K_IDIST: case K_APPROACH: {
			double **d = w->d + oc->j * 7;
			double *dst = oc->k == K_IDIST ? out : t;
			for (size_t i = 0; i < n; i++)
				dst[i] = norm(d[0][i] - cx[i], d[1][i] - cy[i]);
			if (oc->k == K_APPROACH)
				gradient(t, out, n, fps, 0);
			break;
		}
		case K_RELORI: {
			const double *hj = w->d[oc->j * 7 + 6];
			for (size_t i = 0; i < n; i++)
				out[i] = wrap(hj[i] - h0[i]);
			break;
		}
		case K_FACING: {
			double **d = w->d + oc->j * 7;
			for (size_t i = 0; i < n; i++)
				out[i] = fabs(wrap(atan2(d[1][i] - cy[i],
				    d[0][i] - cx[i]) - h0[i]));
			break;
		}
		case K_NNID:
			/* nn.id, nn.dist, nn.dx, nn.dy come in this order. */
			for (size_t i = 0; i < n; i++) {
				double best = INFINITY, id = NAN, dx = NAN, dy = NAN;
				for (size_t j = 1; j < w->P; j++) {
					double **d = w->d + j * 7;
					double ex = d[0][i] - cx[i];
					double ey = d[1][i] - cy[i];
					double r = norm(ex, ey);
					if (r < best) {
						best = r;
						id = w->v[j * (2 * K + 1) + 2 * K][i];
						dx = ex;
						dy = ey;
					}
				}
				out[i] = id;
				w->col[c + 1][i] = isfinite(best) ? best : NAN;
				w->col[c + 2][i] = cos(h0[i]) * dx +
				    sin(h0[i]) * dy;
				w->col[c + 3][i] = -sin(h0[i]) * dx +
				    cos(h0[i]) * dy;
			}
			break;
		case K_NNDIST: case K_NNDX: case K_NNDY:
			break;
		case K_WAVELET: {
			const double *x = oc->src >= 0 ? w->col[oc->src] :
			    w->v[-2 - oc->src];
			size_t m = 0;
			if (pl->fft->N == 0) {
				morlet(x, n, &pl->kern[oc->f], out, lo, hi);
				break;
			}
			/* The frequencies of one source at once (its columns
			 * are consecutive): one transform of each tile. */
			if (c > 0 && pl->oc[c - 1].k == K_WAVELET &&
			    pl->oc[c - 1].src == oc->src)
				break;
			while (c + m < pl->nc && pl->oc[c + m].k == K_WAVELET &&
			    pl->oc[c + m].src == oc->src)
				m++;
			morlet_fft(pl->fft, pl->kern + oc->f, oc->f, m, c, x,
			    n, frame0, w->col + c, lo, hi);
			break;
		}
		}
	}
}

/* ------------------------------------------------------------ per part */

/* Everything about one input: its parts and where to read them. */
struct input {
	const char *path, *name;
	struct pinfo *pi;
	size_t np;
};

/* in_range: whether a row with frame f and time t is to be output. */
static int
in_range(const struct opts *o, int64_t f, double t)
{
	if (o->frange && (f < o->fa || f >= o->fb))
		return 0;
	if (o->trange && !(t >= o->ta && t < o->tb))
		return 0;
	return 1;
}

/*
 * do_part: compute and write the output part for input part p (its run
 * is parts [r0, r1) of in).
 */
static void
do_part(const struct input *in, size_t p, size_t r0, size_t r1,
    mz_writer *wr, const struct opts *o, const cJSON *hopts)
{
	const struct pinfo *pi = in->pi;
	size_t *chain = xmalloc((r1 - r0) * sizeof(size_t)), nch = 0, pos = 0;
	size_t **och = NULL, *nog = NULL, nother = 0;
	struct cursor fc, *oc = NULL;
	struct window w;
	struct plan pl;
	char where[700];
	mz_err e;
	size_t cb = 0, ca = 0, skip = 0, qs, total, loaded = 0, done = 0;
	size_t batch;
	int64_t frame_first = 0;   /* the frame of the first row loaded */
	const mz_header *h = pi[p].hdr;
	double fps;

	snprintf(where, sizeof(where), "%s: part %zu%s%s%s%s", in->name, p,
	    pi[p].seq ? " " : "", pi[p].seq ? pi[p].seq : "",
	    pi[p].indiv ? " " : "", pi[p].indiv ? pi[p].indiv : "");
	/* The focal individual's parts in the run, and its neighbours. */
	for (size_t q = r0; q < r1; q++)
		if (q == p || same_indiv(&pi[q], &pi[p])) {
			if (q == p)
				pos = nch;
			if (nch > 0 && pi[q].nrows > 0 &&
			    pi[chain[nch - 1]].nrows > 0 &&
			    pi[q].f0 <= pi[chain[nch - 1]].f1)
				die("%s: parts %zu and %zu of individual %s "
				    "overlap in frames", in->name,
				    chain[nch - 1], q, pi[p].indiv);
			chain[nch++] = q;
		}
	if (o->social)
		for (size_t q = r0; q < r1; q++) {
			size_t g;
			if (q == p || same_indiv(&pi[q], &pi[p]))
				continue;
			for (g = 0; g < nother; g++)
				if (same_indiv(&pi[och[g][0]], &pi[q]))
					break;
			if (g == nother) {
				och = xrealloc(och, (nother + 1) * sizeof(*och));
				nog = xrealloc(nog, (nother + 1) * sizeof(*nog));
				och[g] = xmalloc((r1 - r0) * sizeof(size_t));
				nog[g] = 0;
				nother++;
			}
			och[g][nog[g]++] = q;
		}

	/* The plan. */
	fps = o->fps > 0 ? o->fps : pi[p].fps;
	if (!(fps > 0) || !isfinite(fps))
		die("%s: no \"fps\" metadata (give --fps)", where);
	memset(&pl, 0, sizeof(pl));
	pl.P = 1 + nother;
	pl.oname = xcalloc(pl.P, sizeof(char *));
	for (size_t g = 0; g < nother; g++) {
		/* Parts without "individual" metadata are named by index. */
		char nm[32];
		snprintf(nm, sizeof(nm), "part%zu", och[g][0]);
		pl.oname[g + 1] = xstrdup(pi[och[g][0]].indiv ?
		    pi[och[g][0]].indiv : nm);
	}
	plan_part(&pl, h, o, hopts, fps, where);
	if (mz_writer_begin_part(wr, pl.out, &e) < 0)
		die_err(&e);

	/* Context rows from consecutive neighbouring segments. */
	{
		size_t N = o->overlap_auto ? pl.margin : o->overlap;
		qs = pos;
		while (cb < N && qs > 0 && pi[chain[qs - 1]].nrows > 0 &&
		    pi[chain[qs]].nrows > 0 &&
		    pi[chain[qs]].f0 == pi[chain[qs - 1]].f1 + 1) {
			qs--;
			cb += pi[chain[qs]].nrows;
		}
		if (cb > N) {
			skip = cb - N;
			cb = N;
		}
		for (size_t q = pos; ca < N && q + 1 < nch &&
		    pi[chain[q]].nrows > 0 && pi[chain[q + 1]].nrows > 0 &&
		    pi[chain[q + 1]].f0 == pi[chain[q]].f1 + 1; q++)
			ca += pi[chain[q + 1]].nrows;
		if (ca > N)
			ca = N;
	}
	total = cb + pi[p].nrows + ca;
	cursor_open(&fc, in->path, in->name, chain, nch, qs, pl.bpname, pl.K,
	    p);
	for (size_t s = 0; s < skip; s++)
		if (!cursor_next(&fc))
			die("%s: context rows vanished", where);
	oc = xcalloc(nother ? nother : 1, sizeof(*oc));
	for (size_t g = 0; g < nother; g++)
		oc[g].valid = -1;   /* opened at the first focal row */

	memset(&w, 0, sizeof(w));
	w.P = pl.P;
	w.K = pl.K;
	w.v = xcalloc(w.P * (2 * w.K + 1), sizeof(double *));
	w.d = xcalloc(w.P * 7, sizeof(double *));
	w.col = xcalloc(pl.nc ? pl.nc : 1, sizeof(double *));

	/* The part's rows, a batch at a time. */
	batch = 2 * pl.margin > BATCH_ROWS ? 2 * pl.margin : BATCH_ROWS;
	w.pt = xcalloc(h->ncols, sizeof(*w.pt));
	w.ptsz = xcalloc(h->ncols, sizeof(*w.ptsz));
	w.npt = h->ncols;
	{
		const void **cols = xcalloc(pl.out->ncols, sizeof(*cols));
		void **gat = xcalloc(pl.out->ncols, sizeof(*gat));
		size_t *sel = xmalloc(batch * sizeof(size_t)), n = pi[p].nrows;
		int tc = mz_header_find(h, "time"), fcol = mz_header_find(h,
		    "frame");
		if (o->trange && tc < 0)
			die("%s: --time needs a \"time\" column", where);
		/* The input columns kept for output and row selection. */
		for (size_t j = 0; j < pl.out->ncols; j++)
			if (pl.src[j] >= 0)
				w.ptsz[pl.src[j]] = 1;
		w.ptsz[fcol] = 1;
		if (tc >= 0)
			w.ptsz[tc] = 1;
		for (size_t j = 0; j < h->ncols; j++)
			if (w.ptsz[j])
				w.ptsz[j] = mz_type_size(h->cols[j].type);
		while (done < n) {
			size_t g0 = cb + done;
			size_t g1 = g0 + (n - done < batch ? n - done : batch);
			size_t ws = g0 > pl.margin ? g0 - pl.margin : 0;
			size_t we = g1 + pl.margin < total ? g1 + pl.margin :
			    total, ns = 0, nb = g1 - g0, r0 = g0 - ws;
			/* Drop rows before ws, load rows up to we. */
			if (ws > w.start)
				win_drop(&w, ws - w.start);
			win_grow(&w, pl.nc, we - w.start);
			while (loaded < we) {
				size_t i = w.n, k = cursor_avail(&fc);
				if (k == 0)
					die("%s: rows vanished on a second read",
					    where);
				if (k > we - loaded)
					k = we - loaded;
				win_load(&w, &fc, i, k, fc.chain[fc.ci] == p);
				if (loaded == 0)
					frame_first = w.fr[0];
				for (size_t g = 0; g < nother; g++) {
					struct cursor *c = &oc[g];
					double **v = w.v + (g + 1) * (2 * w.K + 1);
					for (size_t r = i; r < i + k; r++) {
						int64_t f = w.fr[r];
						if (c->valid == -1) {
							size_t q = 0;
							while (q + 1 < nog[g] &&
							    pi[och[g][q]].f1 < f)
								q++;
							cursor_open(c, in->path,
							    in->name, och[g],
							    nog[g], q, pl.bpname,
							    pl.K, SIZE_MAX);
							cursor_next(c);
						}
						while (c->valid && c->frame < f)
							cursor_next(c);
						for (size_t q = 0; q < 2 * w.K; q++)
							v[q][r] = c->valid &&
							    c->frame == f ?
							    c->v[q] : NAN;
						v[2 * w.K][r] = c->valid &&
						    c->frame == f ? c->id : NAN;
					}
				}
				w.n += k;
				loaded += k;
			}
			derive(&w, &pl, o->heading);
			compute(&w, &pl, r0, r0 + nb,
			    frame_first + (int64_t)w.start);
			/* The rows to output. */
			for (size_t i = 0; i < nb; i++)
				if (in_range(o, mz_get_i64(w.pt[fcol],
				    h->cols[fcol].type, r0 + i), tc >= 0 ?
				    mz_get_f64(w.pt[tc], h->cols[tc].type,
				    r0 + i) : NAN))
					sel[ns++] = i;
			for (size_t j = 0; j < pl.out->ncols; j++) {
				size_t sz = mz_type_size(pl.out->cols[j].type);
				const char *srcp = pl.src[j] >= 0 ?
				    (const char *)w.pt[pl.src[j]] + r0 * sz :
				    (const char *)(w.col[pl.cidx[j]] + r0);
				if (ns == nb) {
					cols[j] = srcp;
					continue;
				}
				gat[j] = xrealloc(gat[j], nb * sz + 1);
				for (size_t i = 0; i < ns; i++)
					memcpy((char *)gat[j] + i * sz,
					    srcp + sel[i] * sz, sz);
				cols[j] = gat[j];
			}
			if (ns > 0 && mz_writer_append(wr, ns,
			    (const void *const *)cols, &e) < 0)
				die_err(&e);
			done += nb;
		}
		/* The part's trailer, unless the cursor went on past it
		 * (for context rows after it). */
		if (fc.ci < fc.nchain && fc.chain[fc.ci] == p)
			cursor_end_part(&fc, where);
		if (mz_writer_end_part(wr, &e) < 0)
			die_err(&e);
		for (size_t j = 0; j < pl.out->ncols; j++)
			free(gat[j]);
		free(gat);
		free(cols);
		free(sel);
	}

	if (w.slab != NULL) {
		free(spare_slab);
		spare_slab = w.slab;
		spare_size = w.slabsz;
	}
	free(w.pt);
	free(w.ptsz);
	free(w.v);
	free(w.d);
	free(w.col);
	cursor_close(&fc);
	for (size_t g = 0; g < nother; g++) {
		if (oc[g].valid != -1)
			cursor_close(&oc[g]);
		free(och[g]);
	}
	free(oc);
	free(och);
	free(nog);
	for (size_t g = 1; g < pl.P; g++)
		free(pl.oname[g]);
	free(pl.oname);
	plan_free(&pl);
	free(chain);
}

/* ---------------------------------------------------------------- main */

/* parse_range: "A:B" into *a, *b (integers when integer); usage error
 * otherwise or when B <= A. */
static void
parse_range(const char *s, const char *what, int integer, double *a,
    double *b)
{
	const char *c = strchr(s, ':');
	char *l;

	if (c == NULL)
		usage_error("bad %s '%s' (want A:B)", what, s);
	l = xstrdup(s);
	l[c - s] = '\0';
	if (integer) {
		int64_t x, y;
		if (mz_parse_i64(l, strlen(l), &x) < 0 ||
		    mz_parse_i64(c + 1, strlen(c + 1), &y) < 0)
			usage_error("bad %s '%s' (want integers A:B)", what, s);
		*a = (double)x;
		*b = (double)y;
	} else {
		*a = parse_double(l, what);
		*b = parse_double(c + 1, what);
	}
	free(l);
	if (!(*b > *a))
		usage_error("bad %s '%s' (B must exceed A)", what, s);
}

int
main(int argc, char **argv)
{
	enum { OPT_FPS = OPT_FIRST_TOOL_OPT, OPT_FRAMES, OPT_FREQS, OPT_OVERLAP,
		OPT_TIME };
	static const struct option longopts[] = {
		{ "anterior", required_argument, NULL, 'a' },
		{ "bodyparts", required_argument, NULL, 'b' },
		{ "codec", required_argument, NULL, 'c' },
		{ "feature", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'f' },
		{ "fps", required_argument, NULL, OPT_FPS },
		{ "frames", required_argument, NULL, OPT_FRAMES },
		{ "freqs", required_argument, NULL, OPT_FREQS },
		{ "keep", no_argument, NULL, 'k' },
		{ "threads", required_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "overlap", required_argument, NULL, OPT_OVERLAP },
		{ "posterior", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, OPT_TIME },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	struct opts o;
	const char *outpath = NULL, *frames = NULL, *times = NULL,
	    *freqs = NULL, *overlap = NULL;
	int c, force = 0;
	mz_writer *w;
	cJSON *hopts, *fa;
	size_t n;

	memset(&o, 0, sizeof(o));
	o.flo = 0.2;
	o.fhi = 5;
	o.nfreq = 25;
	tool_init("mz-features", SYNOPSIS);
	fft_threads = mz_ncpu();
	while ((c = getopt_long(argc, argv, "a:b:c:F:fhj:ko:p:q", longopts,
	    NULL)) != -1) {
		mz_err e;

		switch (c) {
		case 'j':
			if ((fft_threads = mz_parse_threads(optarg, &e)) < 0)
				usage_error("%s", e.msg);
			break;
		case 'a':
			o.anterior = optarg;
			break;
		case 'b':
			o.centroid = optarg;
			break;
		case 'c':
			wo.codec = parse_codec(optarg);
			break;
		case 'F':
			o.feat = xrealloc(o.feat, (o.nfeat + 1) *
			    sizeof(*o.feat));
			parse_feature(&o.feat[o.nfeat++], optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'k':
			o.keep = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			o.posterior = optarg;
			break;
		case OPT_FPS:
			o.fps = parse_double(optarg, "--fps");
			if (!(o.fps > 0))
				usage_error("--fps must be positive");
			break;
		case OPT_FRAMES:
			frames = optarg;
			break;
		case OPT_FREQS:
			freqs = optarg;
			break;
		case OPT_OVERLAP:
			overlap = optarg;
			break;
		case OPT_TIME:
			times = optarg;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.nfeat == 0)
		usage_error("no features asked for (give -F)");
	for (size_t f = 0; f < o.nfeat; f++) {
		o.heading |= ftab[o.feat[f].t].heading;
		o.social |= ftab[o.feat[f].t].social;
		if (o.feat[f].t == F_ACCEL && o.deriv < 2)
			o.deriv = 2;
		if ((o.feat[f].t == F_VEL || o.feat[f].t == F_SPEED ||
		    o.feat[f].t == F_ANGVEL || o.feat[f].t == F_APPROACH) &&
		    o.deriv < 1)
			o.deriv = 1;
	}
	if (o.heading && (o.anterior == NULL || o.posterior == NULL))
		usage_error("heading, angvel, bodylength, nn, relori and facing "
		    "need -a (anterior) and -p (posterior) bodyparts");
	if (o.anterior)
		comma_list_free(comma_list(o.anterior, &n, "anterior"));
	if (o.posterior)
		comma_list_free(comma_list(o.posterior, &n, "posterior"));
	if (o.centroid)
		comma_list_free(comma_list(o.centroid, &n, "bodyparts"));
	if (frames) {
		double a, b;
		parse_range(frames, "--frames", 1, &a, &b);
		o.frange = 1;
		o.fa = (int64_t)a;
		o.fb = (int64_t)b;
	}
	if (times) {
		parse_range(times, "--time", 0, &o.ta, &o.tb);
		o.trange = 1;
	}
	if (freqs) {
		char *s = xstrdup(freqs), *c1 = strchr(s, ':'), *c2;
		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
			usage_error("bad --freqs '%s' (want lo:hi:n)", freqs);
		*c1 = *c2 = '\0';
		o.flo = parse_double(s, "--freqs");
		o.fhi = parse_double(c1 + 1, "--freqs");
		o.nfreq = parse_count(c2 + 1, "--freqs");
		free(s);
		if (!(o.flo > 0) || o.fhi < o.flo || o.nfreq == 0 ||
		    (o.nfreq == 1) != (o.fhi == o.flo) || o.nfreq > 1000)
			usage_error("bad --freqs '%s' (want 0 < lo < hi, 2 <= n "
			    "<= 1000, or lo:lo:1)", freqs);
	}
	if (overlap) {
		if (strcmp(overlap, "auto") == 0)
			o.overlap_auto = 1;
		else
			o.overlap = parse_count(overlap, "--overlap");
	}
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	check_inputs(argv, argc);

	/* The history options, canonical. */
	hopts = opts_new();
	if ((fa = cJSON_AddArrayToObject(hopts, "features")) == NULL)
		die("out of memory");
	for (size_t f = 0; f < o.nfeat; f++)
		if (!cJSON_AddItemToArray(fa, cJSON_CreateString(o.feat[f].spec)))
			die("out of memory");
	opts_str(hopts, "anterior", o.anterior ? o.anterior : "");
	opts_str(hopts, "posterior", o.posterior ? o.posterior : "");
	opts_str(hopts, "bodyparts", o.centroid ? o.centroid : "");
	if (o.fps > 0)
		opts_num(hopts, "fps", o.fps);
	if (o.overlap_auto)
		opts_str(hopts, "overlap", "auto");
	else
		opts_num(hopts, "overlap", (double)o.overlap);
	if (frames)
		opts_str(hopts, "frames", frames);
	if (times)
		opts_str(hopts, "time", times);
	opts_num(hopts, "freq_lo", o.flo);
	opts_num(hopts, "freq_hi", o.fhi);
	opts_num(hopts, "freq_n", (double)o.nfreq);
	opts_bool(hopts, "keep", o.keep);

	atexit(spool_remove);
	w = out_writer(outpath, force, &wo);
	for (int i = 0; i < argc; i++) {
		struct input in;
		struct stat st;
		in.name = strcmp(argv[i], "-") == 0 ? "<stdin>" : argv[i];
		in.path = argv[i];
		if (strcmp(argv[i], "-") == 0)
			in.path = spool(0, in.name);
		else if (stat(argv[i], &st) != 0)
			die("%s:", argv[i]);
		else if (!S_ISREG(st.st_mode)) {
			int fd = open(argv[i], O_RDONLY);
			if (fd < 0)
				die("%s:", argv[i]);
			in.path = spool(fd, in.name);
			close(fd);
		}
		in.pi = scan(in.path, in.name, &in.np);
		for (size_t r0 = 0, r1; r0 < in.np; r0 = r1) {
			for (r1 = r0 + 1; r1 < in.np && same_run(&in.pi[r0],
			    &in.pi[r1]); r1++)
				;
			for (size_t p = r0; p < r1; p++)
				do_part(&in, p, r0, r1, w, &o, hopts);
		}
		pool_clear();
		pinfo_free(in.pi, in.np);
	}
	for (size_t f = 0; f < o.nfeat; f++)
		comma_list_free(o.feat[f].arg);
	free(o.feat);
	cJSON_Delete(hopts);
	wcache_free();
	free(spare_slab);
	out_close(w);
	return 0;
}
