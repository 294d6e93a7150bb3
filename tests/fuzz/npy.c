/*
 * npy.c - libFuzzer target for mz-convert's .npy parser (npy_parse in
 * tools/mz-convert/trex.c, which decodes the members of TRex's .npz
 * files).  The parser is static, so this file includes trex.c itself.
 *
 * The input is the bytes of one member, copied into an exactly sized heap
 * buffer (AddressSanitizer then sees any read past its end).  Besides "no
 * crash, no leak, no undefined behaviour", the target checks what the
 * parser promises, and aborts (a crash for libFuzzer) otherwise:
 *   - a success has 0 to 8 dimensions whose product is the element
 *     count, a non-NULL value array of that many doubles (every one is
 *     read), and the input holds exactly the header plus count * itemsize
 *     data bytes for one of the supported item sizes (1, 2, 4, 8);
 *   - a success is deterministic: parsing again gives the same values
 *     bit for bit;
 *   - a rejection leaves the array empty and says why, in a message that
 *     starts "FILE: MEMBER: ".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/mz-convert/trex.c"

/* check: abort with a message when an invariant does not hold. */
#define check(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s " \
	"(%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

/* LLVMFuzzerTestOneInput: parse data[0..size) as a .npy member and check
 * the invariants above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	struct npy a, b;
	mz_err err;

	check(buf != NULL);
	memcpy(buf, data, size);
	memset(&err, 0, sizeof err);
	if (npy_parse(buf, size, "f.npz", "m.npy", &a, &err) < 0) {
		check(a.v == NULL && a.n == 0);
		check(err.code != 0);
		check(strncmp(err.msg, "f.npz: m.npy: ", 14) == 0);
		check(strlen(err.msg) > 14);
		free(buf);
		return 0;
	}
	{
		size_t total = 1, data_bytes, hdr;
		double sum = 0;

		check(a.v != NULL && a.ndim <= MAX_DIMS);
		for (size_t d = 0; d < a.ndim; d++)
			total *= a.shape[d];
		check(total == a.n);
		hdr = buf[6] == 1 ? 10 + ((size_t)buf[8] | (size_t)buf[9] << 8)
		    : 12 + (size_t)get_u(buf + 8, 4, 0);
		check(hdr <= size);
		data_bytes = size - hdr;
		check(data_bytes == a.n || data_bytes == 2 * a.n ||
		    data_bytes == 4 * a.n || data_bytes == 8 * a.n);
		for (size_t i = 0; i < a.n; i++)
			sum += a.v[i] == a.v[i] ? 0 : 1;   /* reads each */
		check(sum <= (double)a.n);
	}
	check(npy_parse(buf, size, "f.npz", "m.npy", &b, &err) == 0);
	check(b.n == a.n && b.ndim == a.ndim);
	check(a.n == 0 || memcmp(a.v, b.v, a.n * sizeof *a.v) == 0);
	free(a.v);
	free(b.v);
	free(buf);
	return 0;
}
