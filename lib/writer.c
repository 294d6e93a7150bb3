/* writer.c - writing mzs(5) streams. */
#define _GNU_SOURCE             /* sync_file_range */
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

#define OBUF_CAP (256 * 1024)
/* Output files: start writing back every this many bytes, so that the
 * fsync before the rename waits for little more than the tail. */
#define KICK_BYTES ((off_t)8 << 20)
#define MAX_ZTHREADS 16

/* One column of a block to compress (encode). */
struct zjob {
	const void *src;
	size_t raw, wsz;
	unsigned char *dst;      /* room for ZSTD_compressBound(raw) */
	size_t cap, sz;          /* out: bytes at dst */
	int codec;               /* in: the writer's; out: the column's */
	const char *zerr;        /* out: zstd's error, or NULL */
};

/* What one compressing thread owns. */
struct zctx {
	ZSTD_CCtx *cctx;
	unsigned char *tmp;
	size_t tmpcap;
};

/* The compression threads of a writer: encode hands out a block's
 * columns, the calling thread takes its share, and waits for the rest. */
struct zpool {
	pthread_t t[MAX_ZTHREADS];
	struct zctx ctx[MAX_ZTHREADS + 1];  /* [0]: the calling thread */
	int nt;                  /* threads started */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long gen;       /* bumped for every block */
	int stop;
	struct zjob *jobs;
	size_t njobs, next, left;
	int level;
};

struct zarg {
	struct zpool *p;
	int id;
};

struct mz_writer {
	char *name;
	mz_atomic *atomic;         /* NULL when writing to a given fd */
	int fd;
	int codec, level;
	size_t block_bytes;
	unsigned char *obuf;
	size_t olen;
	int started, failed;
	uint64_t segparts;
	int inpart;
	mz_header *hdr;
	size_t blockrows, pendrows;
	unsigned char **pend;      /* per column: rows of the block to come, */
	unsigned char *pslab;      /* all in this one block, kept for the */
	size_t pslabcap;           /* next part when it is big enough */
	const void **view;
	uint64_t rows, blocks;
	XXH64_state_t *ph;
	off_t written, kicked;     /* bytes written; written back from 0 */
	int threads;               /* compression threads wanted */
	struct zpool *pool;        /* NULL: compress in the calling thread */
	struct zctx zc;            /* the calling thread's, without a pool */
	struct zarg zargs[MAX_ZTHREADS];
	struct zjob *jobs;
	size_t jobcap;
	unsigned char *chunk;
	size_t chunkcap;
};

struct mz_atomic {
	char *path, *tmp;
	FILE *fp;
	int fd;
};

/* ------------------------------------------------------------ atomic */

static char *
tmpname(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t n = strlen(path) + 16;
	char *t = malloc(n);

	if (t != NULL)
		snprintf(t, n, "%.*s.%s.XXXXXX", (int)dlen, path,
		    slash ? slash + 1 : path);
	return t;
}

static mode_t
current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

/* atomic_fd: open path for an atomic write; fills a and returns its fd. */
static int
atomic_fd(mz_atomic *a, const char *path, mz_err *err)
{
	struct stat st;

	a->fd = -1;
	if (path == NULL || strcmp(path, "-") == 0) {
		a->fd = STDOUT_FILENO;
		return a->fd;
	}
	if ((a->path = strdup(path)) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or FIFO: nothing to rename, write in place. */
		if ((a->fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			return mz_seterr(err, MZ_EIO, "%s: %s", path,
			    strerror(errno));
		return a->fd;
	}
	if ((a->tmp = tmpname(path)) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
	if ((a->fd = mkstemp(a->tmp)) < 0) {
		int e = errno;
		free(a->tmp);
		a->tmp = NULL;
		return mz_seterr(err, MZ_EIO, "%s: cannot create a temporary "
		    "file beside it: %s", path, strerror(e));
	}
	fchmod(a->fd, 0666 & ~current_umask());
	return a->fd;
}

static void
atomic_free(mz_atomic *a)
{
	if (a == NULL)
		return;
	free(a->path);
	free(a->tmp);
	free(a);
}

/* atomic_finish: close and rename (ok) or close and remove (!ok). */
static int
atomic_finish(mz_atomic *a, int ok, mz_err *err)
{
	int rc = 0;
	const char *name = a->path ? a->path : "<stdout>";

	if (a->fp != NULL) {
		if (fflush(a->fp) != 0 || ferror(a->fp))
			ok = ok ? (rc = mz_seterr(err, MZ_EIO, "%s: %s", name,
			    strerror(errno)), 0) : 0;
	}
	if (a->tmp != NULL && ok && fsync(a->fd) != 0)
		rc = mz_seterr(err, MZ_EIO, "%s: %s", name, strerror(errno)),
		    ok = 0;
	if (a->fp != NULL && a->fd != STDOUT_FILENO) {
		if (fclose(a->fp) != 0 && ok)
			rc = mz_seterr(err, MZ_EIO, "%s: %s", name,
			    strerror(errno)), ok = 0;
	} else if (a->fp == NULL && a->fd >= 0 && a->fd != STDOUT_FILENO) {
		if (close(a->fd) != 0 && ok)
			rc = mz_seterr(err, MZ_EIO, "%s: %s", name,
			    strerror(errno)), ok = 0;
	}
	if (a->tmp != NULL) {
		if (ok && rename(a->tmp, a->path) != 0)
			rc = mz_seterr(err, MZ_EIO, "%s: %s", name,
			    strerror(errno)), ok = 0;
		if (!ok)
			unlink(a->tmp);
	}
	atomic_free(a);
	return rc;
}

mz_atomic *
mz_atomic_open(const char *path, mz_err *err)
{
	mz_atomic *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		mz_seterr(err, MZ_ENOMEM, "out of memory");
		return NULL;
	}
	if (atomic_fd(a, path, err) < 0) {
		atomic_free(a);
		return NULL;
	}
	a->fp = a->fd == STDOUT_FILENO ? stdout : fdopen(a->fd, "w");
	if (a->fp == NULL) {
		mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(errno));
		atomic_finish(a, 0, NULL);
		return NULL;
	}
	return a;
}

FILE *
mz_atomic_file(mz_atomic *a)
{
	return a->fp;
}

int
mz_atomic_commit(mz_atomic *a, mz_err *err)
{
	return a ? atomic_finish(a, 1, err) : 0;
}

void
mz_atomic_abort(mz_atomic *a)
{
	if (a)
		atomic_finish(a, 0, NULL);
}

/* ------------------------------------------------------------ output */

static int
werr(mz_writer *w, mz_err *err, int code, const char *what)
{
	w->failed = 1;
	return mz_seterr(err, code, "%s: %s", w->name, what);
}

static int
write_all(mz_writer *w, const void *buf, size_t n, mz_err *err)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return werr(w, err, MZ_EIO, strerror(errno));
		p += k;
		n -= (size_t)k;
		w->written += k;
	}
#ifdef SYNC_FILE_RANGE_WRITE
	if (w->atomic != NULL && w->written - w->kicked >= KICK_BYTES) {
		/* Asynchronous: the pages go to the disk while we go on. */
		(void)sync_file_range(w->fd, w->kicked, w->written - w->kicked,
		    SYNC_FILE_RANGE_WRITE);
		w->kicked = w->written;
	}
#endif
	return 0;
}

static int
flush_obuf(mz_writer *w, mz_err *err)
{
	int rc = write_all(w, w->obuf, w->olen, err);

	w->olen = 0;
	return rc;
}

static int
out(mz_writer *w, const void *buf, size_t n, mz_err *err)
{
	int rc;

	/* Large pieces bypass the buffer, but only after what is already
	 * buffered has gone out: bytes must leave in order. */
	if ((w->olen + n > OBUF_CAP || (n >= OBUF_CAP / 2 && w->olen > 0)) &&
	    (rc = flush_obuf(w, err)) < 0)
		return rc;
	if (n >= OBUF_CAP / 2)
		return write_all(w, buf, n, err);
	memcpy(w->obuf + w->olen, buf, n);
	w->olen += n;
	return 0;
}

static int
ensure(unsigned char **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	unsigned char *nb = mz_bigrealloc(*buf, n);
	if (nb == NULL)
		return -1;
	*buf = nb;
	*cap = n;
	return 0;
}

/* ------------------------------------------------------- compression */

/* compress_one: job j with context z (shuffle first for SHUFFLE); a
 * column that does not shrink is stored raw. */
static void
compress_one(struct zctx *z, struct zjob *j, int level)
{
	const void *src = j->src;

	j->zerr = NULL;
	j->sz = j->raw;
	if (j->codec != MZ_CODEC_RAW) {
		if (z->cctx == NULL && (z->cctx = ZSTD_createCCtx()) == NULL) {
			j->zerr = "out of memory";
			return;
		}
		if (j->codec == MZ_CODEC_SHUFFLE && j->wsz > 1) {
			if (ensure(&z->tmp, &z->tmpcap, j->raw) < 0) {
				j->zerr = "out of memory";
				return;
			}
			mz__shuffle(z->tmp, src, j->raw / j->wsz, j->wsz);
			src = z->tmp;
		}
		j->sz = ZSTD_compressCCtx(z->cctx, j->dst, j->cap, src,
		    j->raw, level);
		if (ZSTD_isError(j->sz)) {
			j->zerr = ZSTD_getErrorName(j->sz);
			return;
		}
		if (j->sz >= j->raw)
			j->codec = MZ_CODEC_RAW;
	}
	if (j->codec == MZ_CODEC_RAW) {
		memcpy(j->dst, j->src, j->raw);
		j->sz = j->raw;
	}
}

/* take_jobs: compress jobs of the current block until none is left to
 * take (p->mu held on entry and on return). */
static void
take_jobs(struct zpool *p, struct zctx *z)
{
	while (p->next < p->njobs) {
		struct zjob *j = &p->jobs[p->next++];

		pthread_mutex_unlock(&p->mu);
		compress_one(z, j, p->level);
		pthread_mutex_lock(&p->mu);
		if (--p->left == 0)
			pthread_cond_signal(&p->done);
	}
}

/* zworker: a compression thread's body. */
static void *
zworker(void *arg)
{
	struct zarg *a = arg;
	struct zpool *p = a->p;
	unsigned long seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		take_jobs(p, &p->ctx[a->id]);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
zctx_free(struct zctx *z)
{
	ZSTD_freeCCtx(z->cctx);
	free(z->tmp);
	memset(z, 0, sizeof(*z));
}

/* pool_free: stop and join the threads, free the pool. */
static void
pool_free(struct zpool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nt; i++)
		pthread_join(p->t[i], NULL);
	for (int i = 0; i <= MAX_ZTHREADS; i++)
		zctx_free(&p->ctx[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p);
}

/* pool_new: w->threads - 1 compression threads besides the caller; NULL
 * when none could be started (the caller then compresses alone). */
static struct zpool *
pool_new(mz_writer *w)
{
	struct zpool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return NULL;
	}
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->level = w->level;
	for (int i = 0; i < w->threads - 1 && i < MAX_ZTHREADS; i++) {
		w->zargs[i].p = p;
		w->zargs[i].id = i + 1;
		if (pthread_create(&p->t[i], NULL, zworker, &w->zargs[i]) != 0)
			break;
		p->nt++;
	}
	if (p->nt == 0) {
		pool_free(p);
		return NULL;
	}
	return p;
}

/* compress_all: the n jobs, in the pool's threads when there is one. */
static void
compress_all(mz_writer *w, struct zjob *jobs, size_t n)
{
	struct zpool *p = w->pool;

	if (p == NULL) {
		for (size_t i = 0; i < n; i++)
			compress_one(&w->zc, &jobs[i], w->level);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->jobs = jobs;
	p->njobs = n;
	p->next = 0;
	p->left = n;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	take_jobs(p, &p->ctx[0]);
	while (p->left > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* chunk_out: frame the payload at w->chunk + MZ_FRAME and write it;
 * *sum receives the checksum. */
static int
chunk_out(mz_writer *w, const char *tag, size_t len, uint64_t *sum,
    mz_err *err)
{
	unsigned char *f = w->chunk;
	size_t pad = (size_t)pad8(len);
	uint64_t h = XXH64(f + MZ_FRAME, len, 0);

	memcpy(f, tag, 4);
	wr32(f + 4, 0);
	wr64(f + 8, len);
	wr64(f + 16, h);
	memset(f + MZ_FRAME + len, 0, pad);
	if (sum)
		*sum = h;
	return out(w, f, MZ_FRAME + len + pad, err);
}

static int
small_chunk(mz_writer *w, const char *tag, const void *payload, size_t len,
    uint64_t *sum, mz_err *err)
{
	if (ensure(&w->chunk, &w->chunkcap, MZ_FRAME + len + 8) < 0)
		return werr(w, err, MZ_ENOMEM, "out of memory");
	memcpy(w->chunk + MZ_FRAME, payload, len);
	return chunk_out(w, tag, len, sum, err);
}

static int
start(mz_writer *w, mz_err *err)
{
	unsigned char sig[MZ_SIGLEN] = MZ_SIG;

	if (w->started)
		return 0;
	w->started = 1;
	sig[8] = MZ_FORMAT_MAJOR;
	sig[10] = MZ_FORMAT_MINOR;
	return out(w, sig, sizeof(sig), err);
}

/* ------------------------------------------------------------ writer */

static mz_writer *
writer_new(const char *name, const mz_wopts *o, mz_err *err)
{
	mz_writer *w = calloc(1, sizeof(*w));

	if (w == NULL || (w->name = strdup(name)) == NULL ||
	    (w->obuf = malloc(OBUF_CAP)) == NULL ||
	    (w->ph = XXH64_createState()) == NULL) {
		if (w) {
			free(w->name);
			free(w->obuf);
		}
		free(w);
		mz_seterr(err, MZ_ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	w->codec = o ? o->codec : MZ_CODEC_AUTO;
	w->level = o && o->level ? o->level : 3;
	w->block_bytes = o && o->block_bytes ? o->block_bytes : 1 << 20;
	w->threads = o && o->threads > 0 ? o->threads : mz_ncpu();
	if (w->threads > MAX_ZTHREADS + 1)
		w->threads = MAX_ZTHREADS + 1;
	w->fd = -1;
	return w;
}

static void
writer_free(mz_writer *w)
{
	if (w == NULL)
		return;
	free(w->pend);
	free(w->pslab);
	free(w->view);
	mz_header_free(w->hdr);
	XXH64_freeState(w->ph);
	pool_free(w->pool);
	zctx_free(&w->zc);
	free(w->jobs);
	free(w->chunk);
	free(w->obuf);
	free(w->name);
	free(w);
}

static void
resolve_codec(mz_writer *w)
{
	struct stat st;

	if (w->codec == MZ_CODEC_AUTO)
		w->codec = fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) ?
		    MZ_CODEC_SHUFFLE : MZ_CODEC_RAW;
}

mz_writer *
mz_writer_fdopen(int fd, const char *name, const mz_wopts *o, mz_err *err)
{
	mz_writer *w = writer_new(name, o, err);

	if (w == NULL)
		return NULL;
	w->fd = fd;
	resolve_codec(w);
	return w;
}

mz_writer *
mz_writer_open(const char *path, const mz_wopts *o, mz_err *err)
{
	const char *name = path && strcmp(path, "-") ? path : "<stdout>";
	mz_writer *w = writer_new(name, o, err);

	if (w == NULL)
		return NULL;
	if ((w->atomic = calloc(1, sizeof(*w->atomic))) == NULL) {
		writer_free(w);
		mz_seterr(err, MZ_ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	if ((w->fd = atomic_fd(w->atomic, path, err)) < 0) {
		atomic_free(w->atomic);
		writer_free(w);
		return NULL;
	}
	resolve_codec(w);
	return w;
}

/* pend_room: bytes of the slab before column j's pending rows (j = ncols:
 * the slab's size), each column's room rounded up to 64 bytes. */
static size_t
pend_room(const mz_writer *w, const mz_header *h, size_t j)
{
	size_t n = 0;

	for (size_t i = 0; i < j; i++)
		n += (w->blockrows * mz_type_size(h->cols[i].type) + 63) &
		    ~(size_t)63;
	return n;
}

int
mz_writer_begin_part(mz_writer *w, const mz_header *h, mz_err *err)
{
	char *json;
	uint64_t sum;
	size_t rs;
	int rc;

	if (w->failed)
		return mz_seterr(err, MZ_EINVAL, "%s: writer failed", w->name);
	if (w->inpart)
		return mz_seterr(err, MZ_EINVAL, "%s: part already open",
		    w->name);
	if ((rc = start(w, err)) < 0)
		return rc;
	free(w->pend);
	free(w->view);
	w->view = NULL;
	mz_header_free(w->hdr);
	w->hdr = NULL;
	if ((w->pend = calloc(h->ncols + 1, sizeof(*w->pend))) == NULL ||
	    (w->view = calloc(h->ncols + 1, sizeof(*w->view))) == NULL ||
	    (w->hdr = mz_header_copy(h)) == NULL ||
	    (json = mz_header_to_json(h)) == NULL)
		return werr(w, err, MZ_ENOMEM, "out of memory");
	rc = small_chunk(w, "HEAD", json, strlen(json), &sum, err);
	free(json);
	if (rc < 0)
		return rc;
	rs = mz_header_row_size(h);
	w->blockrows = rs ? w->block_bytes / rs : 1;
	if (w->blockrows == 0)
		w->blockrows = 1;
	/* The pending rows' columns in one slab (huge pages when large, no
	 * new page faults for the next part), each column 64-byte aligned. */
	rs = pend_room(w, h, h->ncols);
	if (rs > w->pslabcap) {
		free(w->pslab);
		w->pslabcap = 0;
		if ((w->pslab = mz_bigalloc(rs)) == NULL)
			return werr(w, err, MZ_ENOMEM, "out of memory");
		w->pslabcap = rs;
	}
	for (size_t j = 0; j < h->ncols; j++)
		w->pend[j] = w->pslab + pend_room(w, h, j);
	w->pendrows = 0;
	w->rows = w->blocks = 0;
	XXH64_reset(w->ph, 0);
	XXH64_update(w->ph, &sum, 8);
	w->inpart = 1;
	return 0;
}

/* encode: write one block of n rows from the column arrays.  Columns are
 * compressed independently (in the pool's threads when there is one),
 * each into room of its worst-case size, then packed in column order:
 * the bytes do not depend on the number of threads. */
static int
encode(mz_writer *w, const void *const *cols, size_t n, mz_err *err)
{
	const mz_header *h = w->hdr;
	size_t c = h->ncols, hdr = MZ_BLKHDR + MZ_COLDESC * c, cap = hdr + 8;
	unsigned char *p;
	size_t pos;
	uint64_t sum;
	int rc;

	if (c + 1 > w->jobcap) {
		struct zjob *nj = realloc(w->jobs, (c + 1) * sizeof(*nj));

		if (nj == NULL)
			return werr(w, err, MZ_ENOMEM, "out of memory");
		w->jobs = nj;
		w->jobcap = c + 1;
	}
	for (size_t j = 0; j < c; j++) {
		size_t raw = n * mz_type_size(h->cols[j].type);
		cap += 8 + (w->codec == MZ_CODEC_RAW ? raw :
		    ZSTD_compressBound(raw));
	}
	if (ensure(&w->chunk, &w->chunkcap, MZ_FRAME + cap) < 0)
		return werr(w, err, MZ_ENOMEM, "out of memory");
	if (w->codec != MZ_CODEC_RAW && w->pool == NULL && w->threads > 1 &&
	    c > 1 && (w->pool = pool_new(w)) == NULL)
		w->threads = 1;   /* no threads to be had: do not ask again */
	p = w->chunk + MZ_FRAME;
	memset(p, 0, hdr);
	wr64(p, n);
	wr32(p + 8, (uint32_t)c);
	/* Room for each column at its worst case, 8-byte aligned. */
	pos = hdr;
	for (size_t j = 0; j < c; j++) {
		struct zjob *jb = &w->jobs[j];
		size_t wsz = mz_type_size(h->cols[j].type), raw = n * wsz;

		pos += (size_t)pad8(pos);
		jb->src = cols[j];
		jb->raw = raw;
		jb->wsz = wsz;
		jb->dst = p + pos;
		jb->codec = w->codec;
		jb->cap = w->codec == MZ_CODEC_RAW ? raw :
		    ZSTD_compressBound(raw);
		pos += jb->cap;
	}
	compress_all(w, w->jobs, c);
	/* Pack the columns down, in order, and describe them. */
	pos = hdr;
	for (size_t j = 0; j < c; j++) {
		struct zjob *jb = &w->jobs[j];
		size_t at = pos + (size_t)pad8(pos);
		unsigned char *d = p + MZ_BLKHDR + MZ_COLDESC * j;

		if (jb->zerr != NULL)
			return werr(w, err, MZ_EINVAL, jb->zerr);
		memset(p + pos, 0, at - pos);
		if (p + at != jb->dst)
			memmove(p + at, jb->dst, jb->sz);
		d[0] = (unsigned char)jb->codec;
		wr64(d + 8, at);
		wr64(d + 16, jb->sz);
		pos = at + jb->sz;
	}
	if ((rc = chunk_out(w, "BLCK", pos, &sum, err)) < 0)
		return rc;
	XXH64_update(w->ph, &sum, 8);
	w->rows += n;
	w->blocks++;
	return 0;
}

static int
flush_pending(mz_writer *w, mz_err *err)
{
	int rc;

	if (w->pendrows == 0)
		return 0;
	rc = encode(w, (const void *const *)w->pend, w->pendrows, err);
	w->pendrows = 0;
	return rc;
}

int
mz_writer_append(mz_writer *w, size_t nrows, const void *const *cols,
    mz_err *err)
{
	const mz_header *h;
	size_t done = 0;
	int rc;

	if (w->failed || !w->inpart)
		return mz_seterr(err, MZ_EINVAL, "%s: no part open", w->name);
	h = w->hdr;
	if (h->ncols == 0 && nrows > 0)
		return werr(w, err, MZ_ESCHEMA, "rows for a part with no "
		    "columns");
	while (done < nrows) {
		size_t k = nrows - done;
		if (w->pendrows == 0 && k >= w->blockrows) {
			/* A whole block straight from the caller's arrays. */
			for (size_t j = 0; j < h->ncols; j++)
				w->view[j] = (const char *)cols[j] + done *
				    mz_type_size(h->cols[j].type);
			if ((rc = encode(w, w->view, w->blockrows, err)) < 0)
				return rc;
			done += w->blockrows;
			continue;
		}
		if (k > w->blockrows - w->pendrows)
			k = w->blockrows - w->pendrows;
		for (size_t j = 0; j < h->ncols; j++) {
			size_t wsz = mz_type_size(h->cols[j].type);
			memcpy(w->pend[j] + w->pendrows * wsz,
			    (const char *)cols[j] + done * wsz, k * wsz);
		}
		w->pendrows += k;
		done += k;
		if (w->pendrows == w->blockrows &&
		    (rc = flush_pending(w, err)) < 0)
			return rc;
	}
	return 0;
}

int
mz_writer_copy_block(mz_writer *w, const mz_reader *r, mz_err *err)
{
	const unsigned char *raw;
	size_t len;
	uint64_t sum;
	int rc;

	if (w->failed || !w->inpart)
		return mz_seterr(err, MZ_EINVAL, "%s: no part open", w->name);
	raw = mz_reader_raw_block(r, &len);
	if (raw == NULL || len < MZ_FRAME + MZ_BLKHDR ||
	    memcmp(raw, "BLCK", 4) != 0 ||
	    rd32(raw + MZ_FRAME + 8) != w->hdr->ncols)
		return werr(w, err, MZ_EINVAL, "no block to copy");
	if ((rc = flush_pending(w, err)) < 0)
		return rc;
	if ((rc = out(w, raw, len, err)) < 0)
		return rc;
	sum = rd64(raw + 16);
	XXH64_update(w->ph, &sum, 8);
	w->rows += rd64(raw + MZ_FRAME);
	w->blocks++;
	return 0;
}

int
mz_writer_end_part(mz_writer *w, mz_err *err)
{
	unsigned char tail[24];
	int rc;

	if (w->failed || !w->inpart)
		return mz_seterr(err, MZ_EINVAL, "%s: no part open", w->name);
	if ((rc = flush_pending(w, err)) < 0)
		return rc;
	wr64(tail, w->rows);
	wr64(tail + 8, w->blocks);
	wr64(tail + 16, XXH64_digest(w->ph));
	if ((rc = small_chunk(w, "TAIL", tail, sizeof(tail), NULL, err)) < 0)
		return rc;
	w->inpart = 0;
	w->segparts++;
	return 0;
}

uint64_t
mz_writer_rows(const mz_writer *w)
{
	return w->rows + w->pendrows;
}

int
mz_writer_close(mz_writer *w, mz_err *err)
{
	unsigned char ends[8];
	int rc = 0;

	if (w == NULL)
		return 0;
	if (w->failed)
		rc = mz_seterr(err, MZ_EINVAL, "%s: writer failed", w->name);
	else if (w->inpart)
		rc = mz_seterr(err, MZ_EINVAL, "%s: closing with a part open",
		    w->name);
	if (rc == 0 && (rc = start(w, err)) == 0) {
		wr64(ends, w->segparts);
		if ((rc = small_chunk(w, "ENDS", ends, 8, NULL, err)) == 0)
			rc = flush_obuf(w, err);
	}
	if (w->atomic != NULL) {
		mz_err e2;
		int rc2 = atomic_finish(w->atomic, rc == 0, rc == 0 ? &e2 : NULL);
		if (rc == 0 && rc2 < 0) {
			rc = rc2;
			if (err)
				*err = e2;
		}
	}
	writer_free(w);
	return rc;
}

void
mz_writer_abort(mz_writer *w)
{
	if (w == NULL)
		return;
	if (w->atomic != NULL)
		atomic_finish(w->atomic, 0, NULL);
	writer_free(w);
}
