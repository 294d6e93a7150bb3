/* internal.h - libmz definitions shared between its files, not installed. */
#ifndef MZ_INTERNAL_H
#define MZ_INTERNAL_H

#include <stdint.h>
#include <string.h>

#define MZ_SIG "\x89MZS\r\n\x1a\n"
#define MZ_SIGLEN 16
#define MZ_FRAME 24
#define MZ_COLDESC 24
#define MZ_BLKHDR 16
#define MZ_MAX_HEAD ((uint64_t)64 << 20)
#define MZ_MAX_BLOCK ((uint64_t)4 << 30)

static inline uint64_t
rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);  /* the format and every supported host are LE */
	return v;
}

static inline uint32_t
rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline void
wr64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static inline void
wr32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static inline uint64_t
pad8(uint64_t n)
{
	return (8 - (n & 7)) & 7;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libmz assumes a little-endian host"
#endif

/* Byte (un)shuffle of n values of w bytes. */
void mz__shuffle(unsigned char *dst, const unsigned char *src, size_t n,
	size_t w);
void mz__unshuffle(unsigned char *dst, const unsigned char *src, size_t n,
	size_t w);

/*
 * The prefetching source (prefetch.c): mz__src_new starts a thread reading
 * items (signatures, chunks with payload and padding) from fd; NULL if it
 * cannot.  mz__src_next releases the previous item and gives the next, in
 * full or, at end of input, as far as it goes (*len 0: no more bytes);
 * returns -1 with errno on a read error.  For a chunk read in full the
 * worker has also computed XXH64 of its payload (the length its frame
 * gives): *hashed is 1 and *hash holds it, so that the reader's check
 * costs the consuming thread nothing; else *hashed is 0.  Whether the
 * hash matches is for the reader to decide.  mz__src_free stops the
 * thread.
 */
struct mz__src;
struct mz__src *mz__src_new(int fd);
int mz__src_next(struct mz__src *s, const unsigned char **buf, size_t *len,
	uint64_t *hash, int *hashed);
void mz__src_free(struct mz__src *s);

#endif
