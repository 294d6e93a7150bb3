/* shuffle.c - byte shuffling for codec 2 of mzs(5). */
#include <stddef.h>

#include "internal.h"

void
mz__shuffle(unsigned char *dst, const unsigned char *src, size_t n, size_t w)
{
	if (w == 8) {
		for (size_t i = 0; i < n; i++)
			for (size_t b = 0; b < 8; b++)
				dst[b * n + i] = src[i * 8 + b];
		return;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < w; b++)
			dst[b * n + i] = src[i * w + b];
}

void
mz__unshuffle(unsigned char *dst, const unsigned char *src, size_t n,
    size_t w)
{
	if (w == 8) {
		const unsigned char *s0 = src, *s1 = src + n, *s2 = src + 2 * n,
		    *s3 = src + 3 * n, *s4 = src + 4 * n, *s5 = src + 5 * n,
		    *s6 = src + 6 * n, *s7 = src + 7 * n;
		for (size_t i = 0; i < n; i++) {
			unsigned char *d = dst + i * 8;
			d[0] = s0[i]; d[1] = s1[i]; d[2] = s2[i]; d[3] = s3[i];
			d[4] = s4[i]; d[5] = s5[i]; d[6] = s6[i]; d[7] = s7[i];
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < w; b++)
			dst[i * w + b] = src[b * n + i];
}
