/* reader.c - reading mzs(5) streams from files, pipes and memory. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>

#include "mz.h"
#include "internal.h"

enum { ST_SEGSTART, ST_TOP, ST_PART, ST_FAILED };
enum { SRC_FD, SRC_MEM };

struct mz_reader {
	char *name;
	int src, fd, ownfd;
	const unsigned char *map;  /* SRC_MEM: the whole input */
	size_t maplen;
	uint64_t pos;              /* offset of the next unread byte */
	unsigned char *buf;        /* SRC_FD without a worker: the current item */
	size_t bufcap;
	struct mz__src *pf;        /* SRC_FD: the prefetching worker, or NULL */
	const unsigned char *item; /* the worker's current item */
	size_t itemlen;
	uint64_t itemhash;         /* the worker's XXH64 of its payload, */
	int itemhashed;            /* when it computed one */
	const unsigned char *chunk;/* current chunk: frame, payload, pad */
	uint64_t chunklen, chunkoff;
	int state, nsegs;
	int skim;                  /* block payloads' checksums not checked */
	uint64_t segparts, partidx, nparts;
	mz_header *hdr;
	XXH64_state_t *ph;         /* part hash */
	uint64_t rows, blocks;
	const void **cols;
	void **colbuf;
	size_t *colcap, ncolbuf;
	unsigned char *want;
	unsigned char *tmp;        /* shuffled bytes before unshuffling */
	size_t tmpcap;
	ZSTD_DCtx *dctx;
	struct djob *jobs;         /* the compressed columns of a block */
	size_t jobcap;
	struct dhelper *helper;    /* decodes half of them, or NULL */
};

/*
 * Decoding the compressed columns of a block: each is a job; with more
 * than one and enough bytes, a helper thread decodes about half of them
 * (by raw size) while the caller decodes the rest.  Results do not depend
 * on the split: each job writes only its own column, and errors are
 * reported for the first failing column in column order.
 */
struct djob {
	size_t j;                  /* column */
	unsigned codec;
	const unsigned char *src;
	size_t sz, raw, n, w;
	void *dst;
	int side;                  /* 1: the helper's */
	const char *msg;           /* NULL, or what went wrong */
	int code;
};

struct dhelper {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct djob *jobs;
	size_t njobs;
	int go, stop;
	ZSTD_DCtx *dctx;
	unsigned char *tmp;
	size_t tmpcap;
};

#define PAR_MIN_BYTES ((size_t)256 << 10)  /* smaller blocks: one thread */

static void helper_free(struct dhelper *hp);

static mz_reader *
reader_new(const char *name, mz_err *err)
{
	mz_reader *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->name = strdup(name)) == NULL ||
	    (r->ph = XXH64_createState()) == NULL) {
		if (r)
			free(r->name);
		free(r);
		mz_seterr(err, MZ_ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	r->fd = -1;
	r->state = ST_SEGSTART;
	return r;
}

void
mz_reader_close(mz_reader *r)
{
	if (r == NULL)
		return;
	mz__src_free(r->pf);
	if (r->ownfd && r->fd >= 0)
		close(r->fd);
	for (size_t i = 0; i < r->ncolbuf; i++)
		free(r->colbuf[i]);
	free(r->colbuf);
	free(r->colcap);
	free(r->cols);
	free(r->want);
	free(r->tmp);
	helper_free(r->helper);
	free(r->jobs);
	free(r->buf);
	ZSTD_freeDCtx(r->dctx);
	XXH64_freeState(r->ph);
	mz_header_free(r->hdr);
	free(r->name);
	free(r);
}

mz_reader *
mz_reader_fdopen(int fd, const char *name, mz_err *err)
{
	struct stat st;
	mz_reader *r;

	if ((r = reader_new(name, err)) == NULL) {
		close(fd);
		return NULL;
	}
	r->fd = fd;
	r->ownfd = 1;
	r->src = SRC_FD;
	/*
	 * Files are read with read(2) into a chunk buffer rather than mapped:
	 * measured on the target machines, hashing a block that read(2) just
	 * put in cache runs at 7-9 GB/s, hashing a mapped page-cache file at
	 * under 2 GB/s.  Callers who want a mapping use mz_reader_memopen.
	 */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/* Without a worker thread, reading goes on in this one. */
	r->pf = mz__src_new(fd);
	return r;
}

mz_reader *
mz_reader_open(const char *path, mz_err *err)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0)
		return mz_reader_fdopen(dup(STDIN_FILENO), "<stdin>", err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return mz_reader_fdopen(fd, path, err);
}

mz_reader *
mz_reader_memopen(const void *buf, size_t len, const char *name, mz_err *err)
{
	mz_reader *r = reader_new(name, err);

	if (r == NULL)
		return NULL;
	r->src = SRC_MEM;
	r->map = buf;
	r->maplen = len;
	return r;
}

void
mz_reader_skim(mz_reader *r)
{
	r->skim = 1;
}

const char *
mz_reader_name(const mz_reader *r)
{
	return r->name;
}

const mz_header *
mz_reader_header(const mz_reader *r)
{
	return r->hdr;
}

size_t
mz_reader_part_index(const mz_reader *r)
{
	return (size_t)r->partidx;
}

uint64_t
mz_reader_offset(const mz_reader *r)
{
	return r->pos;
}

const void *
mz_reader_raw_block(const mz_reader *r, size_t *len)
{
	*len = (size_t)r->chunklen;
	return r->chunk;
}

int
mz_reader_block_codec(const mz_reader *r, size_t j)
{
	const unsigned char *c = r->chunk;

	/* The chunk was verified when it was read: its descriptors are
	 * complete. */
	if (c == NULL || r->chunklen < MZ_FRAME + MZ_BLKHDR ||
	    memcmp(c, "BLCK", 4) != 0 || j >= rd32(c + MZ_FRAME + 8))
		return -1;
	return c[MZ_FRAME + MZ_BLKHDR + MZ_COLDESC * j];
}

/* fail: record the error and make later calls fail too. */
static int
fail(mz_reader *r, mz_err *err, int code, uint64_t off, const char *what)
{
	r->state = ST_FAILED;
	return mz_seterr(err, code, "%s: byte %llu: %s", r->name,
	    (unsigned long long)off, what);
}

/*
 * get: make n bytes at the current position available at *p (the caller
 * keeps at most one such region: in fd mode it lives in r->buf at offset
 * boff).  Returns the number of bytes available, < n only at end of input,
 * or -1 on a read error (errno set).
 */
static ssize_t
get(mz_reader *r, size_t boff, size_t n, const unsigned char **p)
{
	size_t got = 0;

	if (r->pf != NULL) {
		if (boff == 0 && mz__src_next(r->pf, &r->item, &r->itemlen,
		    &r->itemhash, &r->itemhashed) < 0)
			return -1;
		got = boff < r->itemlen ? r->itemlen - boff : 0;
		if (got > n)
			got = n;
		*p = r->item + boff;
		r->pos += got;
		return (ssize_t)got;
	}
	if (r->src != SRC_FD) {
		size_t left = r->pos < r->maplen ? r->maplen - (size_t)r->pos : 0;
		*p = r->map + r->pos;
		got = n < left ? n : left;
		r->pos += got;
		return (ssize_t)got;
	}
	if (boff + n > r->bufcap) {
		size_t cap = r->bufcap ? r->bufcap : 4096;
		while (cap < boff + n)
			cap *= 2;
		unsigned char *nb = realloc(r->buf, cap);
		if (nb == NULL) {
			errno = ENOMEM;
			return -1;
		}
		r->buf = nb;
		r->bufcap = cap;
	}
	while (got < n) {
		ssize_t k = read(r->fd, r->buf + boff + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	*p = r->buf + boff;
	r->pos += got;
	return (ssize_t)got;
}

static int
ioerr(mz_reader *r, mz_err *err)
{
	int code = errno == ENOMEM ? MZ_ENOMEM : MZ_EIO;

	r->state = ST_FAILED;
	return mz_seterr(err, code, "%s: byte %llu: %s", r->name,
	    (unsigned long long)r->pos, strerror(errno));
}

/*
 * read_chunk: read and verify the next chunk.  Returns 1 with the chunk in
 * r->chunk, 0 at end of input exactly at a chunk boundary, or an error.
 */
static int
read_chunk(mz_reader *r, mz_err *err)
{
	const unsigned char *f, *p;
	uint64_t len, pad, off = r->pos;
	ssize_t k;
	char what[160];

	if ((k = get(r, 0, MZ_FRAME, &f)) < 0)
		return ioerr(r, err);
	if (k == 0)
		return 0;
	if (k < MZ_FRAME)
		return fail(r, err, MZ_ETRUNC, off,
		    "stream truncated inside a chunk frame");
	for (int i = 0; i < 4; i++)
		if (!((f[i] >= 'A' && f[i] <= 'Z') ||
		    (f[i] >= 'a' && f[i] <= 'z')))
			return fail(r, err, MZ_EFORMAT, off,
			    "not a chunk (bad tag bytes)");
	len = rd64(f + 8);
	if (rd32(f + 4) != 0) {
		snprintf(what, sizeof(what), "chunk %.4s has nonzero flags",
		    (const char *)f);
		return fail(r, err, MZ_EFORMAT, off, what);
	}
	if (len > (memcmp(f, "BLCK", 4) == 0 ? MZ_MAX_BLOCK : MZ_MAX_HEAD)) {
		snprintf(what, sizeof(what), "chunk %.4s length %llu exceeds "
		    "the limit", (const char *)f, (unsigned long long)len);
		return fail(r, err, MZ_ENOMEM, off, what);
	}
	pad = pad8(len);
	if ((k = get(r, MZ_FRAME, (size_t)(len + pad), &p)) < 0)
		return ioerr(r, err);
	if ((uint64_t)k < len + pad) {
		snprintf(what, sizeof(what), "stream truncated inside chunk "
		    "%.4s (%llu of %llu bytes)", r->src == SRC_FD &&
		    r->pf == NULL ? (const char *)r->buf : (const char *)f,
		    (unsigned long long)k, (unsigned long long)(len + pad));
		return fail(r, err, MZ_ETRUNC, off, what);
	}
	if (r->src == SRC_FD && r->pf == NULL)
		f = r->buf;   /* get() may have moved the buffer */
	for (uint64_t i = 0; i < pad; i++)
		if (p[len + i] != 0)
			return fail(r, err, MZ_EFORMAT, off + MZ_FRAME + len,
			    "nonzero chunk padding");
	if (!(r->skim && memcmp(f, "BLCK", 4) == 0) &&
	    (r->pf != NULL && r->itemhashed ? r->itemhash :
	    XXH64(p, (size_t)len, 0)) != rd64(f + 16)) {
		snprintf(what, sizeof(what), "chunk %.4s checksum mismatch "
		    "(corrupt data)", (const char *)f);
		return fail(r, err, MZ_ECHECKSUM, off, what);
	}
	r->chunk = f;
	r->chunkoff = off;
	r->chunklen = MZ_FRAME + len + pad;
	return 1;
}

#define TAG(t) (memcmp(r->chunk, (t), 4) == 0)
#define PAYLOAD (r->chunk + MZ_FRAME)
#define PLEN (rd64(r->chunk + 8))

static int
read_signature(mz_reader *r, mz_err *err)
{
	const unsigned char *s;
	uint64_t off = r->pos;
	ssize_t k;
	char what[128];

	if ((k = get(r, 0, MZ_SIGLEN, &s)) < 0)
		return ioerr(r, err);
	if (k == 0 && r->nsegs > 0)
		return 0;
	if (k == 0)
		return fail(r, err, MZ_ETRUNC, off,
		    "empty input (not an mzs stream)");
	if (memcmp(s, MZ_SIG, (size_t)k < 8 ? (size_t)k : 8) != 0)
		return fail(r, err, MZ_EFORMAT, off, r->nsegs ?
		    "bytes after the end of a stream (not an mzs signature)" :
		    "not an mzs stream (bad signature)");
	if (k < MZ_SIGLEN)
		return fail(r, err, MZ_ETRUNC, off,
		    "stream truncated inside its signature");
	if ((s[8] | s[9] << 8) != MZ_FORMAT_MAJOR) {
		snprintf(what, sizeof(what), "mzs format version %d.%d is not "
		    "supported (this reader knows %d.x)", s[8] | s[9] << 8,
		    s[10] | s[11] << 8, MZ_FORMAT_MAJOR);
		return fail(r, err, MZ_EVERSION, off, what);
	}
	if (rd32(s + 12) != 0)
		return fail(r, err, MZ_EFORMAT, off + 12,
		    "nonzero reserved signature field");
	r->nsegs++;
	r->segparts = 0;
	return 1;
}

static int
skippable(const unsigned char *tag)
{
	return tag[0] >= 'a' && tag[0] <= 'z';
}

static int
unexpected(mz_reader *r, mz_err *err, const char *where)
{
	char what[128];

	snprintf(what, sizeof(what), "%s chunk %.4s %s",
	    skippable(r->chunk) ? "misplaced" : "unknown or misplaced",
	    (const char *)r->chunk, where);
	return fail(r, err, MZ_EFORMAT, r->chunkoff, what);
}

int
mz_reader_next_part(mz_reader *r, mz_err *err)
{
	int rc;

	if (r->state == ST_FAILED)
		return mz_seterr(err, MZ_EINVAL, "%s: reading after an error",
		    r->name);
	if (r->state == ST_PART) {
		mz_block b;
		unsigned char *keep = r->want;
		r->want = NULL;
		free(keep);
		if ((r->want = calloc(r->hdr->ncols + 1, 1)) == NULL)
			return fail(r, err, MZ_ENOMEM, r->pos, "out of memory");
		while ((rc = mz_reader_next_block(r, &b, err)) > 0)
			;
		if (rc < 0)
			return rc;
	}
	for (;;) {
		if (r->state == ST_SEGSTART) {
			if ((rc = read_signature(r, err)) <= 0)
				return rc;
			r->state = ST_TOP;
		}
		if ((rc = read_chunk(r, err)) < 0)
			return rc;
		if (rc == 0)
			return fail(r, err, MZ_ETRUNC, r->pos,
			    "stream truncated (no ENDS chunk)");
		if (TAG("HEAD")) {
			mz_header *h;
			char where[64];
			snprintf(where, sizeof(where), "%s: byte %llu", r->name,
			    (unsigned long long)r->chunkoff);
			h = mz_header_from_json((const char *)PAYLOAD,
			    (size_t)PLEN, where, err);
			if (h == NULL) {
				r->state = ST_FAILED;
				return -(err ? err->code : MZ_EFORMAT);
			}
			mz_header_free(r->hdr);
			r->hdr = h;
			r->partidx = r->nparts++;
			r->segparts++;
			r->rows = r->blocks = 0;
			XXH64_reset(r->ph, 0);
			XXH64_update(r->ph, r->chunk + 16, 8);
			free(r->want);
			r->want = NULL;
			r->state = ST_PART;
			return 1;
		} else if (TAG("ENDS")) {
			if (PLEN != 8 || rd64(PAYLOAD) != r->segparts) {
				char what[128];
				snprintf(what, sizeof(what), "ENDS says %llu "
				    "parts but the segment has %llu",
				    PLEN == 8 ? (unsigned long long)rd64(PAYLOAD)
				    : 0ULL, (unsigned long long)r->segparts);
				return fail(r, err, MZ_ECHECKSUM, r->chunkoff,
				    what);
			}
			r->state = ST_SEGSTART;
		} else if (!skippable(r->chunk))
			return unexpected(r, err, "outside a part");
	}
}

void
mz_reader_want(mz_reader *r, const unsigned char *want)
{
	free(r->want);
	r->want = NULL;
	if (want == NULL || r->hdr == NULL)
		return;
	if ((r->want = malloc(r->hdr->ncols + 1)) != NULL)
		memcpy(r->want, want, r->hdr->ncols);
}

static int
ensure_cols(mz_reader *r, size_t nc)
{
	if (nc <= r->ncolbuf)
		return 0;
	void **cb = realloc(r->colbuf, nc * sizeof(*cb));
	if (cb == NULL)
		return -1;
	r->colbuf = cb;
	size_t *cc = realloc(r->colcap, nc * sizeof(*cc));
	if (cc == NULL)
		return -1;
	r->colcap = cc;
	const void **c = realloc(r->cols, nc * sizeof(*c));
	if (c == NULL)
		return -1;
	r->cols = c;
	for (size_t i = r->ncolbuf; i < nc; i++) {
		r->colbuf[i] = NULL;
		r->colcap[i] = 0;
	}
	r->ncolbuf = nc;
	return 0;
}

static void *
grow(void **buf, size_t *cap, size_t n)
{
	if (n > *cap) {
		void *nb = realloc(*buf, n);
		if (nb == NULL)
			return NULL;
		*buf = nb;
		*cap = n;
	}
	return *buf;
}

/* decode_job: decode job jb with dctx, unshuffling through *tmp; sets
 * jb->msg and jb->code on failure. */
static void
decode_job(struct djob *jb, ZSTD_DCtx *dctx, unsigned char **tmp,
    size_t *tmpcap)
{
	void *into = jb->dst;

	if (jb->codec == 2 && jb->w > 1) {
		if (jb->raw > *tmpcap) {
			unsigned char *t = realloc(*tmp, jb->raw);
			if (t == NULL) {
				jb->msg = "out of memory";
				jb->code = MZ_ENOMEM;
				return;
			}
			*tmp = t;
			*tmpcap = jb->raw;
		}
		into = *tmp;
	}
	size_t fsz = ZSTD_findFrameCompressedSize(jb->src, jb->sz);
	size_t got = ZSTD_isError(fsz) || fsz != jb->sz ? 0 :
	    ZSTD_decompressDCtx(dctx, into, jb->raw, jb->src, jb->sz);
	if (ZSTD_isError(fsz) || fsz != jb->sz || ZSTD_isError(got) ||
	    got != jb->raw) {
		jb->msg = ZSTD_isError(fsz) ? ZSTD_getErrorName(fsz) :
		    fsz != jb->sz ? "not exactly one zstd frame" :
		    ZSTD_isError(got) ? ZSTD_getErrorName(got) :
		    "decompressed size is not rows x type size";
		jb->code = MZ_EFORMAT;
		return;
	}
	if (into != jb->dst)
		mz__unshuffle(jb->dst, into, jb->n, jb->w);
}

/* helper_main: the helper thread: decode the jobs of side 1 whenever
 * asked, until told to stop. */
static void *
helper_main(void *arg)
{
	struct dhelper *hp = arg;

	pthread_mutex_lock(&hp->mu);
	for (;;) {
		while (!hp->go && !hp->stop)
			pthread_cond_wait(&hp->cv, &hp->mu);
		if (hp->stop)
			break;
		pthread_mutex_unlock(&hp->mu);
		for (size_t i = 0; i < hp->njobs; i++)
			if (hp->jobs[i].side == 1)
				decode_job(&hp->jobs[i], hp->dctx, &hp->tmp,
				    &hp->tmpcap);
		pthread_mutex_lock(&hp->mu);
		hp->go = 0;
		pthread_cond_broadcast(&hp->cv);
	}
	pthread_mutex_unlock(&hp->mu);
	return NULL;
}

/* helper_free: stop and free the helper (NULL is fine). */
static void
helper_free(struct dhelper *hp)
{
	if (hp == NULL)
		return;
	pthread_mutex_lock(&hp->mu);
	hp->stop = 1;
	pthread_cond_broadcast(&hp->cv);
	pthread_mutex_unlock(&hp->mu);
	pthread_join(hp->th, NULL);
	pthread_cond_destroy(&hp->cv);
	pthread_mutex_destroy(&hp->mu);
	ZSTD_freeDCtx(hp->dctx);
	free(hp->tmp);
	free(hp);
}

/* helper_new: a helper thread, or NULL if one cannot be had (the caller
 * then decodes everything itself). */
static struct dhelper *
helper_new(void)
{
	struct dhelper *hp = calloc(1, sizeof(*hp));

	if (hp == NULL)
		return NULL;
	if ((hp->dctx = ZSTD_createDCtx()) == NULL ||
	    pthread_mutex_init(&hp->mu, NULL) != 0) {
		ZSTD_freeDCtx(hp->dctx);
		free(hp);
		return NULL;
	}
	if (pthread_cond_init(&hp->cv, NULL) != 0 ||
	    pthread_create(&hp->th, NULL, helper_main, hp) != 0) {
		pthread_cond_destroy(&hp->cv);
		pthread_mutex_destroy(&hp->mu);
		ZSTD_freeDCtx(hp->dctx);
		free(hp);
		return NULL;
	}
	return hp;
}

/* decode_jobs: decode r->jobs[0..nj) (total raw bytes), split with the
 * helper when worth it; returns the first failed job in column order, or
 * NULL. */
static struct djob *
decode_jobs(mz_reader *r, size_t nj, size_t total)
{
	struct dhelper *hp = NULL;

	if (nj > 1 && total >= PAR_MIN_BYTES && mz_ncpu() > 1) {
		if (r->helper == NULL)
			r->helper = helper_new();
		hp = r->helper;
	}
	if (hp != NULL) {
		/* Each job to the side with fewer bytes so far. */
		size_t load[2] = { 0, 0 };
		for (size_t i = 0; i < nj; i++) {
			int side = load[1] < load[0];
			r->jobs[i].side = side;
			load[side] += r->jobs[i].raw;
		}
		pthread_mutex_lock(&hp->mu);
		hp->jobs = r->jobs;
		hp->njobs = nj;
		hp->go = 1;
		pthread_cond_broadcast(&hp->cv);
		pthread_mutex_unlock(&hp->mu);
	}
	for (size_t i = 0; i < nj; i++)
		if (hp == NULL || r->jobs[i].side == 0)
			decode_job(&r->jobs[i], r->dctx, &r->tmp, &r->tmpcap);
	if (hp != NULL) {
		pthread_mutex_lock(&hp->mu);
		while (hp->go)
			pthread_cond_wait(&hp->cv, &hp->mu);
		pthread_mutex_unlock(&hp->mu);
	}
	for (size_t i = 0; i < nj; i++)
		if (r->jobs[i].msg != NULL)
			return &r->jobs[i];
	return NULL;
}

static int
read_block(mz_reader *r, mz_block *b, mz_err *err)
{
	const unsigned char *p = PAYLOAD;
	const mz_header *h = r->hdr;
	uint64_t len = PLEN, n, c, expect;
	size_t nj = 0, total = 0;
	char what[192];

	if (len < MZ_BLKHDR)
		return fail(r, err, MZ_EFORMAT, r->chunkoff, "BLCK too short");
	n = rd64(p);
	c = rd32(p + 8);
	if (n == 0)
		return fail(r, err, MZ_EFORMAT, r->chunkoff, "BLCK with 0 rows");
	if (c != h->ncols) {
		snprintf(what, sizeof(what), "BLCK has %llu columns, the part "
		    "header %zu", (unsigned long long)c, h->ncols);
		return fail(r, err, MZ_EFORMAT, r->chunkoff, what);
	}
	if (c == 0)
		return fail(r, err, MZ_EFORMAT, r->chunkoff,
		    "BLCK in a part with no columns");
	if (rd32(p + 12) != 0)
		return fail(r, err, MZ_EFORMAT, r->chunkoff,
		    "BLCK reserved field is not 0");
	if (len < MZ_BLKHDR + MZ_COLDESC * c)
		return fail(r, err, MZ_EFORMAT, r->chunkoff,
		    "BLCK too short for its column descriptors");
	if (ensure_cols(r, (size_t)c) < 0 ||
	    grow((void **)&r->jobs, &r->jobcap, c * sizeof(*r->jobs)) == NULL)
		return fail(r, err, MZ_ENOMEM, r->chunkoff, "out of memory");
	expect = MZ_BLKHDR + MZ_COLDESC * c;
	for (uint64_t j = 0; j < c; j++) {
		const unsigned char *d = p + MZ_BLKHDR + MZ_COLDESC * j;
		unsigned codec = d[0];
		uint64_t off = rd64(d + 8), sz = rd64(d + 16);
		size_t w = mz_type_size(h->cols[j].type);
		uint64_t raw = n * w;
		int reserved = 0;

		for (int i = 1; i < 8; i++)
			reserved |= d[i];
		if (n > MZ_MAX_BLOCK || raw > MZ_MAX_BLOCK || codec > 2 ||
		    reserved || off != expect + pad8(expect) || off > len ||
		    sz > len - off || (codec == 0 && sz != raw)) {
			snprintf(what, sizeof(what), "BLCK column %llu ('%s'): "
			    "bad descriptor", (unsigned long long)j,
			    h->cols[j].name);
			return fail(r, err, MZ_EFORMAT, r->chunkoff, what);
		}
		for (uint64_t i = expect; i < off; i++)
			if (p[i] != 0)
				return fail(r, err, MZ_EFORMAT, r->chunkoff,
				    "BLCK has nonzero bytes between columns");
		expect = off + sz;
		/* A zstd frame that says it holds another size than n x w
		 * is rejected before anything is allocated for it (a few
		 * bytes must not make the reader reserve GiBs), and also
		 * when the column is not wanted. */
		unsigned long long fcs = codec == 0 ? raw :
		    ZSTD_getFrameContentSize(p + off, (size_t)sz);
		if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != raw) {
			snprintf(what, sizeof(what), "BLCK column %llu ('%s'): "
			    "%s", (unsigned long long)j, h->cols[j].name,
			    fcs == ZSTD_CONTENTSIZE_ERROR ? "not a zstd frame" :
			    "decompressed size is not rows x type size");
			return fail(r, err, MZ_EFORMAT, r->chunkoff, what);
		}
		if (r->want != NULL && !r->want[j]) {
			r->cols[j] = NULL;
			continue;
		}
		if (codec == 0) {
			r->cols[j] = p + off;
			continue;
		}
		if (r->dctx == NULL && (r->dctx = ZSTD_createDCtx()) == NULL)
			return fail(r, err, MZ_ENOMEM, r->chunkoff,
			    "out of memory");
		void *dst = grow(&r->colbuf[j], &r->colcap[j], raw ? raw : 1);
		if (dst == NULL)
			return fail(r, err, MZ_ENOMEM, r->chunkoff,
			    "out of memory");
		r->jobs[nj++] = (struct djob){ (size_t)j, codec, p + off,
		    (size_t)sz, (size_t)raw, (size_t)n, w, dst, 0, NULL, 0 };
		total += (size_t)raw;
		r->cols[j] = dst;
	}
	if (expect != len)
		return fail(r, err, MZ_EFORMAT, r->chunkoff,
		    "BLCK payload length does not match its columns");
	struct djob *bad = decode_jobs(r, nj, total);
	if (bad != NULL) {
		snprintf(what, sizeof(what), "BLCK column %llu ('%s'): %s",
		    (unsigned long long)bad->j, h->cols[bad->j].name,
		    bad->msg);
		return fail(r, err, bad->code, r->chunkoff, what);
	}
	r->rows += n;
	r->blocks++;
	XXH64_update(r->ph, r->chunk + 16, 8);
	b->nrows = (size_t)n;
	b->ncols = (size_t)c;
	b->cols = r->cols;
	return 1;
}

static int
read_tail(mz_reader *r, mz_err *err)
{
	const unsigned char *p = PAYLOAD;
	char what[192];

	if (PLEN != 24)
		return fail(r, err, MZ_EFORMAT, r->chunkoff,
		    "TAIL payload is not 24 bytes");
	if (rd64(p) != r->rows || rd64(p + 8) != r->blocks) {
		snprintf(what, sizeof(what), "TAIL says %llu rows in %llu "
		    "blocks, read %llu rows in %llu blocks",
		    (unsigned long long)rd64(p), (unsigned long long)rd64(p + 8),
		    (unsigned long long)r->rows, (unsigned long long)r->blocks);
		return fail(r, err, MZ_ECHECKSUM, r->chunkoff, what);
	}
	if (rd64(p + 16) != XXH64_digest(r->ph))
		return fail(r, err, MZ_ECHECKSUM, r->chunkoff,
		    "part hash mismatch (blocks dropped, repeated or "
		    "reordered)");
	r->state = ST_TOP;
	return 0;
}

int
mz_reader_next_block(mz_reader *r, mz_block *b, mz_err *err)
{
	int rc;

	if (r->state == ST_FAILED)
		return mz_seterr(err, MZ_EINVAL, "%s: reading after an error",
		    r->name);
	if (r->state != ST_PART)
		return 0;
	for (;;) {
		if ((rc = read_chunk(r, err)) < 0)
			return rc;
		if (rc == 0)
			return fail(r, err, MZ_ETRUNC, r->pos,
			    "stream truncated inside a part (no TAIL)");
		if (TAG("BLCK"))
			return read_block(r, b, err);
		if (TAG("TAIL"))
			return read_tail(r, err);
		if (!skippable(r->chunk))
			return unexpected(r, err, "inside a part");
	}
}
