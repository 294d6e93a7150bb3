/* util.c - threads, seeds and random streams. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mz.h"

int
mz_ncpu(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

void
mz_fork_join(void *(*fn)(void *), void *items, size_t size, size_t n)
{
	unsigned char *it = items;
	pthread_t *th = n > 1 ? malloc((n - 1) * sizeof(*th)) : NULL;
	unsigned char *ok = n > 1 ? calloc(n - 1, 1) : NULL;

	for (size_t i = 1; i < n && th != NULL && ok != NULL; i++)
		ok[i - 1] = pthread_create(&th[i - 1], NULL, fn, it + i *
		    size) == 0;
	if (n > 0)
		fn(it);
	for (size_t i = 1; i < n; i++) {
		if (th != NULL && ok != NULL && ok[i - 1])
			pthread_join(th[i - 1], NULL);
		else
			fn(it + i * size);
	}
	free(th);
	free(ok);
}

/* advise_big: ask for huge pages over the whole pages inside [p, p+n). */
static void *
advise_big(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	long v;
	size_t pg;
	uintptr_t a, b;

	if (p == NULL || n < MZ_BIG_BYTES)
		return p;
	v = sysconf(_SC_PAGESIZE);
	pg = v > 0 ? (size_t)v : 4096;
	a = ((uintptr_t)p + pg - 1) & ~(uintptr_t)(pg - 1);
	b = ((uintptr_t)p + n) & ~(uintptr_t)(pg - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
	(void)n;
#endif
	return p;
}

void *
mz_bigalloc(size_t n)
{
	void *p;

	/* Huge pages need 2 MB aligned ranges: from half a huge page up the
	 * block is aligned and rounded up to whole huge pages. */
	if (n >= MZ_BIG_BYTES / 2) {
		if (n > SIZE_MAX - MZ_BIG_BYTES)
			return NULL;
		n = (n + MZ_BIG_BYTES - 1) / MZ_BIG_BYTES * MZ_BIG_BYTES;
		return posix_memalign(&p, MZ_BIG_BYTES, n) == 0 ?
		    advise_big(p, n) : NULL;
	}
	return malloc(n ? n : 1);
}

void *
mz_bigrealloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (n < MZ_BIG_BYTES / 2)
		return realloc(p, n ? n : 1);
	old = p != NULL ? malloc_usable_size(p) : 0;
	/* A block rounded up to huge pages often has the room already. */
	if (old >= n && ((uintptr_t)p & (MZ_BIG_BYTES - 1)) == 0)
		return p;
	/* A new aligned block (realloc would not keep the alignment huge
	 * pages need), the old contents copied. */
	if ((q = mz_bigalloc(n)) == NULL)
		return NULL;
	if (p != NULL) {
		memcpy(q, p, old < n ? old : n);
		free(p);
	}
	return q;
}

int
mz_parse_threads(const char *s, mz_err *err)
{
	char *end;
	long v;

	if (strcmp(s, "auto") == 0)
		return mz_ncpu();
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 4096)
		return mz_seterr(err, MZ_EINVAL, "bad thread count '%s' "
		    "(want 0..4096 or auto)", s);
	return v == 0 ? mz_ncpu() : (int)v;
}

int
mz_parse_seed(const char *s, uint64_t *seed, mz_err *err)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return mz_seterr(err, MZ_EINVAL, "bad seed '%s' (want a "
		    "decimal integer 0..18446744073709551615)", s);
	*seed = v;
	return 0;
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
mz_rng_seed(mz_rng *g, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ splitmix(&stream);

	for (int i = 0; i < 4; i++)
		g->s[i] = splitmix(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
mz_rng_next(mz_rng *g)
{
	uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

double
mz_rng_uniform(mz_rng *g)
{
	return (double)(mz_rng_next(g) >> 11) * 0x1.0p-53;
}
