/*
 * prefetch.c - read a stream's items (signatures and chunks) from a file
 * descriptor in a second thread, so that reading the next chunk overlaps
 * verifying and using the current one.  The worker knows only the framing
 * of mzs(5) (a signature at the start and after each ENDS chunk, 24-byte
 * chunk frames with a payload length); every check that decides whether
 * the input is valid stays in reader.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "mz.h"
#include "internal.h"

#define NSLOT 3

struct slot {
	unsigned char *buf;
	size_t cap, len;
	int err;          /* errno of a failed read, else 0 */
	int hashed;       /* hash is XXH64 of the chunk's payload */
	uint64_t hash;
};

struct mz__src {
	int fd;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slot[NSLOT];
	int head, count;  /* ready items: slot[head], ... count of them */
	int held;         /* the consumer holds slot[head] */
	int done, stop;   /* worker finished (EOF or error) / asked to stop */
};

/* readn: read up to n bytes; returns the count (short only at EOF) or -1. */
static ssize_t
readn(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int old;
		/* The only place the worker may be cancelled (mz__src_free on
		 * an idle pipe): it holds no lock here. */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		ssize_t k = read(fd, p + got, n - got);
		pthread_setcancelstate(old, NULL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int
reserve(struct slot *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	/* Blocks of a few hundred kB (compressed 1 MiB blocks) get a whole
	 * huge page: a slot is refilled for every chunk, and first touches
	 * a page at a time cost more than the memory. */
	if (n > MZ_BIG_BYTES / 8 && n < MZ_BIG_BYTES / 2)
		n = MZ_BIG_BYTES / 2;
	unsigned char *nb = mz_bigrealloc(s->buf, n);
	if (nb == NULL)
		return -1;
	s->buf = nb;
	s->cap = n;
	return 0;
}

/*
 * fill: read one item into s.  Returns 1 if more items may follow, 0 if
 * this is the last (end of input, an error, or a frame the reader will
 * reject anyway, whose payload is not read).
 */
static int
fill(struct mz__src *src, struct slot *s, int *want_sig)
{
	ssize_t k;
	uint64_t len;
	int ok = 1;

	s->len = 0;
	s->err = 0;
	s->hashed = 0;
	if (reserve(s, *want_sig ? MZ_SIGLEN : MZ_FRAME) < 0)
		goto nomem;
	if (*want_sig) {
		*want_sig = 0;
		if ((k = readn(src->fd, s->buf, MZ_SIGLEN)) < 0)
			goto ioerr;
		s->len = (size_t)k;
		return k == MZ_SIGLEN;
	}
	if ((k = readn(src->fd, s->buf, MZ_FRAME)) < 0)
		goto ioerr;
	s->len = (size_t)k;
	if (k < MZ_FRAME)
		return 0;
	for (int i = 0; i < 4; i++)
		if (s->buf[i] < 0x21 || s->buf[i] > 0x7e)
			ok = 0;
	len = rd64(s->buf + 8);
	if (!ok || rd32(s->buf + 4) != 0 ||
	    len > (memcmp(s->buf, "BLCK", 4) == 0 ? MZ_MAX_BLOCK : MZ_MAX_HEAD))
		return 0;
	len += pad8(len);
	if (reserve(s, MZ_FRAME + (size_t)len) < 0)
		goto nomem;
	if ((k = readn(src->fd, s->buf + MZ_FRAME, (size_t)len)) < 0)
		goto ioerr;
	s->len += (size_t)k;
	if ((uint64_t)k < len)
		return 0;
	/* Hash here, while the payload is in this core's cache. */
	s->hash = XXH64(s->buf + MZ_FRAME, (size_t)rd64(s->buf + 8), 0);
	s->hashed = 1;
	if (memcmp(s->buf, "ENDS", 4) == 0)
		*want_sig = 1;
	return 1;
nomem:
	errno = ENOMEM;
ioerr:
	s->err = errno;
	return 0;
}

static void *
worker(void *arg)
{
	struct mz__src *src = arg;
	int want_sig = 1, more = 1;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	while (more) {
		struct slot *s;
		pthread_mutex_lock(&src->mu);
		while (!src->stop && src->count == NSLOT)
			pthread_cond_wait(&src->cv, &src->mu);
		if (src->stop) {
			pthread_mutex_unlock(&src->mu);
			break;
		}
		s = &src->slot[(src->head + src->count) % NSLOT];
		pthread_mutex_unlock(&src->mu);
		/* The slot is ours alone until published; read unlocked. */
		more = fill(src, s, &want_sig);
		pthread_mutex_lock(&src->mu);
		src->count++;
		if (!more)
			src->done = 1;
		pthread_cond_broadcast(&src->cv);
		pthread_mutex_unlock(&src->mu);
	}
	return NULL;
}

struct mz__src *
mz__src_new(int fd)
{
	struct mz__src *src = calloc(1, sizeof(*src));

	if (src == NULL)
		return NULL;
	src->fd = fd;
	if (pthread_mutex_init(&src->mu, NULL) != 0) {
		free(src);
		return NULL;
	}
	if (pthread_cond_init(&src->cv, NULL) != 0 ||
	    pthread_create(&src->th, NULL, worker, src) != 0) {
		pthread_cond_destroy(&src->cv);
		pthread_mutex_destroy(&src->mu);
		free(src);
		return NULL;
	}
	return src;
}

int
mz__src_next(struct mz__src *src, const unsigned char **buf, size_t *len,
    uint64_t *hash, int *hashed)
{
	struct slot *s;

	pthread_mutex_lock(&src->mu);
	if (src->held) {
		src->head = (src->head + 1) % NSLOT;
		src->count--;
		src->held = 0;
		pthread_cond_broadcast(&src->cv);
	}
	while (src->count == 0 && !src->done)
		pthread_cond_wait(&src->cv, &src->mu);
	if (src->count == 0) {
		/* Past the last item: end of input. */
		pthread_mutex_unlock(&src->mu);
		*buf = NULL;
		*len = 0;
		*hashed = 0;
		return 0;
	}
	s = &src->slot[src->head];
	src->held = 1;
	pthread_mutex_unlock(&src->mu);
	if (s->err) {
		errno = s->err;
		return -1;
	}
	*buf = s->buf;
	*len = s->len;
	*hash = s->hash;
	*hashed = s->hashed;
	return 0;
}

void
mz__src_free(struct mz__src *src)
{
	int done;

	if (src == NULL)
		return;
	pthread_mutex_lock(&src->mu);
	src->stop = 1;
	done = src->done;
	pthread_cond_broadcast(&src->cv);
	pthread_mutex_unlock(&src->mu);
	/* A worker blocked in read(2) on an idle pipe is cancelled there;
	 * it holds no lock while reading. */
	if (!done)
		pthread_cancel(src->th);
	pthread_join(src->th, NULL);
	for (int i = 0; i < NSLOT; i++)
		free(src->slot[i].buf);
	pthread_cond_destroy(&src->cv);
	pthread_mutex_destroy(&src->mu);
	free(src);
}
