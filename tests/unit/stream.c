/* stream.c - unit tests of the mzs reader and writer: round trips in every
 * codec, concatenation, zero-row parts, and rejection of damaged input
 * (truncation at every offset, every flipped byte, bad versions). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mz.h"
#include "tap.h"

static int wthreads;  /* the writer's compression threads (0: default) */

/* A two-part stream in memory: part 0 has n rows of (i64 frame, f64 x,
 * f32 p, u8 flag), part 1 has no rows. */
static unsigned char *
make_stream(int codec, size_t n, size_t block_bytes, size_t *len)
{
	char path[] = "/tmp/mz-unit-XXXXXX";
	int fd = mkstemp(path);
	mz_wopts o = { codec, 0, block_bytes, wthreads };
	mz_err e;
	mz_writer *w = mz_writer_fdopen(fd, "mem", &o, &e);
	mz_header *h = mz_header_new();
	int64_t *fr = malloc(n * 8);
	double *x = malloc(n * 8);
	float *p = malloc(n * 4);
	uint8_t *fl = malloc(n);
	const void *cols[4] = { fr, x, p, fl };

	for (size_t i = 0; i < n; i++) {
		fr[i] = (int64_t)i;
		x[i] = i % 7 == 3 ? NAN : (double)i * 0.1 - 3.0;
		p[i] = (float)(i % 100) / 100.0f;
		fl[i] = (uint8_t)(i & 1);
	}
	mz_header_add_column(h, "frame", MZ_I64, NULL, &e);
	mz_header_add_column(h, "nose.x", MZ_F64, "px", &e);
	mz_header_add_column(h, "nose.p", MZ_F32, NULL, &e);
	mz_header_add_column(h, "flag", MZ_U8, NULL, &e);
	mz_meta_set(h, "sequence", cJSON_CreateString("s1"), &e);
	mz_writer_begin_part(w, h, &e);
	mz_writer_append(w, n / 3, cols, &e);
	const void *rest[4] = { fr + n / 3, x + n / 3, p + n / 3, fl + n / 3 };
	mz_writer_append(w, n - n / 3, rest, &e);
	mz_writer_end_part(w, &e);
	mz_writer_begin_part(w, h, &e);
	mz_writer_end_part(w, &e);
	if (mz_writer_close(w, &e) < 0)
		diag("close: %s", e.msg);
	*len = (size_t)lseek(fd, 0, SEEK_END);
	unsigned char *buf = malloc(*len);
	pread(fd, buf, *len, 0);
	close(fd);
	unlink(path);
	mz_header_free(h);
	free(fr); free(x); free(p); free(fl);
	return buf;
}

/* read_all: read every part and block; returns rows read or a negative
 * code; checks values when check is set. */
static int via_file;  /* read through a file and read(2), not memory */
static int skim;      /* mz_reader_skim the reader */

/* find4: the first place of the 4 bytes tag in buf[0..len), or NULL. */
static unsigned char *
find4(unsigned char *buf, size_t len, const char *tag)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(buf + i, tag, 4) == 0)
			return buf + i;
	return NULL;
}

static long
read_all(const unsigned char *buf, size_t len, int check, mz_err *e)
{
	mz_reader *r;
	long rows = 0;

	if (via_file) {
		char path[] = "/tmp/mz-unit-XXXXXX";
		int fd = mkstemp(path);
		if (write(fd, buf, len) != (ssize_t)len)
			return -99;
		lseek(fd, 0, SEEK_SET);
		unlink(path);
		r = mz_reader_fdopen(fd, "file", e);
	} else
		r = mz_reader_memopen(buf, len, "mem", e);
	int rc;

	if (r == NULL)
		return -e->code;
	if (skim)
		mz_reader_skim(r);
	while ((rc = mz_reader_next_part(r, e)) > 0) {
		mz_block b;
		while ((rc = mz_reader_next_block(r, &b, e)) > 0) {
			for (size_t i = 0; check && i < b.nrows; i++) {
				int64_t f = ((const int64_t *)b.cols[0])[i];
				double x = ((const double *)b.cols[1])[i];
				double want = f % 7 == 3 ? NAN : f * 0.1 - 3.0;
				if (f != rows + (long)i || (isnan(want) ?
				    !isnan(x) : x != want) ||
				    ((const uint8_t *)b.cols[3])[i] != (f & 1)) {
					mz_reader_close(r);
					return -100;
				}
			}
			rows += (long)b.nrows;
		}
		if (rc < 0)
			break;
	}
	mz_reader_close(r);
	return rc < 0 ? rc : rows;
}

int
main(void)
{
	mz_err e;
	size_t len, len2;

	for (int codec = 0; codec <= 2; codec++) {
		unsigned char *s = make_stream(codec, 10000, 4096, &len);
		long got = read_all(s, len, 1, &e);
		ok(got == 10000, "codec %d: 10000 rows round trip (%ld)", codec,
		    got);
		if (got < 0)
			diag("%s", e.msg);
		free(s);
	}

	/* Compression threads: the same bytes whatever their number (1, 2,
	 * 5), blocks of several columns compressed at once. */
	for (int codec = 1; codec <= 2; codec++) {
		size_t l1, l2, l5;
		unsigned char *s1, *s2, *s5;

		wthreads = 1;
		s1 = make_stream(codec, 50000, 65536, &l1);
		wthreads = 2;
		s2 = make_stream(codec, 50000, 65536, &l2);
		wthreads = 5;
		s5 = make_stream(codec, 50000, 65536, &l5);
		wthreads = 0;
		ok(l1 == l2 && l1 == l5 && memcmp(s1, s2, l1) == 0 &&
		    memcmp(s1, s5, l1) == 0, "codec %d: 1, 2 and 5 compression "
		    "threads write the same %zu bytes", codec, l1);
		ok(read_all(s5, l5, 1, &e) == 50000, "codec %d: 5 threads: "
		    "50000 rows round trip", codec);
		free(s1);
		free(s2);
		free(s5);
	}

	/* A block of 128-256 kB (half to all of the output buffer) right after
	 * the buffered signature and header, must follow them (regression:
	 * it used to overtake them). */
	for (int codec = 0; codec <= 2; codec++) {
		unsigned char *s = make_stream(codec, 7000, 1 << 20, &len);
		long got = read_all(s, len, 1, &e);
		ok(len >= 16 && memcmp(s, "\x89MZS", 4) == 0 && got == 7000,
		    "codec %d: a 147 kB block after the header stays in order",
		    codec);
		if (got < 0)
			diag("%s", e.msg);
		free(s);
	}

	/* mz_reader_block_codec names the codec each column is stored with. */
	for (int codec = 0; codec <= 2; codec++) {
		unsigned char *s = make_stream(codec, 100, 0, &len);
		mz_reader *r = mz_reader_memopen(s, len, "mem", &e);
		mz_block b;
		int before = mz_reader_block_codec(r, 1);
		int ok1 = mz_reader_next_part(r, &e) > 0 &&
		    mz_reader_next_block(r, &b, &e) > 0;
		ok(before == -1 && ok1 && mz_reader_block_codec(r, 1) == codec &&
		    mz_reader_block_codec(r, 4) == -1,
		    "codec %d: mz_reader_block_codec", codec);
		mz_reader_close(r);
		free(s);
	}

	/* Concatenation of two writers' output is one stream of 4 parts. */
	{
		size_t l1, l2;
		unsigned char *a = make_stream(2, 50, 0, &l1);
		unsigned char *b = make_stream(0, 50, 0, &l2);
		unsigned char *ab = malloc(l1 + l2);
		memcpy(ab, a, l1);
		memcpy(ab + l1, b, l2);
		mz_reader *r = mz_reader_memopen(ab, l1 + l2, "ab", &e);
		int parts = 0, rc;
		while ((rc = mz_reader_next_part(r, &e)) > 0)
			parts++;
		ok(rc == 0 && parts == 4, "cat of two streams has 4 parts");
		mz_reader_close(r);
		free(a); free(b); free(ab);
	}

	/* Truncation at every byte offset is an error, never a short read. */
	{
		unsigned char *s = make_stream(2, 300, 512, &len);
		size_t bad = 0;
		for (size_t cut = 0; cut < len; cut++) {
			long got = read_all(s, cut, 0, &e);
			if (got >= 0) {
				bad++;
				diag("cut at %zu read %ld rows", cut, got);
			}
		}
		ok(bad == 0, "every one of %zu truncations is detected", len);
		via_file = 1;
		for (size_t cut = 0; cut < len; cut++)
			if (read_all(s, cut, 0, &e) >= 0)
				bad++;
		ok(bad == 0, "... also when read from a file by the worker "
		    "thread");
		ok(read_all(s, len, 1, &e) == 300, "the file reads in full");
		via_file = 0;

		/* Every single flipped byte is detected. */
		bad = 0;
		for (size_t i = 0; i < len; i++) {
			s[i] ^= 0x40;
			if (read_all(s, len, 1, &e) >= 0 && i != 10 &&
			    i != 11) {
				bad++;
				diag("flip at %zu not detected", i);
			}
			s[i] ^= 0x40;
		}
		ok(bad == 0, "every one of %zu flipped bytes is detected "
		    "(but the minor version, which readers accept)", len);
		/* ... and through a file, where the worker thread computes
		 * the payload checksums the reader compares. */
		bad = 0;
		via_file = 1;
		for (size_t i = 0; i < len; i++) {
			s[i] ^= 0x40;
			if (read_all(s, len, 1, &e) >= 0 && i != 10 &&
			    i != 11)
				bad++;
			s[i] ^= 0x40;
		}
		via_file = 0;
		ok(bad == 0, "... also when read from a file by the worker "
		    "thread (%zu bytes)", len);
		ok(read_all(s, len, 1, &e) == 300, "undamaged copy still reads");

		s[8] = 2;
		ok(read_all(s, len, 0, &e) == -MZ_EVERSION &&
		    strstr(e.msg, "version 2.0") != NULL,
		    "unknown major version: %s", e.msg);
		s[8] = 1;
		s[0] = 'X';
		ok(read_all(s, len, 0, &e) == -MZ_EFORMAT &&
		    strstr(e.msg, "bad signature") != NULL,
		    "wrong magic: %s", e.msg);
		free(s);
	}

	/* Skimming: a block's column data is not checked against its
	 * checksum; the block's header and descriptors, the stored checksums
	 * (the part's chain in TAIL) and the other chunks still are. */
	{
		unsigned char *s = make_stream(0, 300, 512, &len), *bl;
		unsigned char *z = make_stream(2, 300, 512, &len2);
		size_t pl, at;

		skim = 1;
		ok(read_all(z, len2, 1, &e) == 300 &&
		    read_all(s, len, 1, &e) == 300,
		    "skim: undamaged streams read (shuffle, raw)");
		bl = find4(s, len, "BLCK");
		pl = 24 + 16 + 24 * (size_t)(bl[24 + 8] | bl[24 + 9] << 8);
		at = (size_t)(bl - s);
		s[at + pl] ^= 0x40;
		ok(read_all(s, len, 0, &e) == 300,
		    "skim: a flipped byte of raw column data is not seen");
		skim = 0;
		ok(read_all(s, len, 0, &e) == -MZ_ECHECKSUM,
		    "... without skim it is: %s", e.msg);
		s[at + pl] ^= 0x40;
		skim = 1;
		s[at + 16] ^= 0x40;
		ok(read_all(s, len, 0, &e) == -MZ_ECHECKSUM,
		    "skim: a flipped stored checksum breaks the part's chain: "
		    "%s", e.msg);
		s[at + 16] ^= 0x40;
		s[at + 24] ^= 0x40;
		ok(read_all(s, len, 0, &e) < 0,
		    "skim: a flipped block row count is seen: %s", e.msg);
		s[at + 24] ^= 0x40;
		bl = find4(s, len, "HEAD");
		bl[30] ^= 0x40;
		ok(read_all(s, len, 0, &e) == -MZ_ECHECKSUM,
		    "skim: a header's checksum is still checked: %s", e.msg);
		bl[30] ^= 0x40;
		skim = 0;
		free(s);
		free(z);
	}

	/* The processing hash is deterministic and chains. */
	{
		mz_header *h1 = mz_header_new(), *h2 = mz_header_new();
		cJSON *o1 = cJSON_CreateObject(), *o2 = cJSON_CreateObject();
		cJSON_AddNumberToObject(o1, "n", 3);
		cJSON_AddNumberToObject(o2, "n", 3);
		mz_header_add_history(h1, "mz-x", "1", o1, NULL, &e);
		mz_header_add_history(h2, "mz-x", "1", o2, NULL, &e);
		ok(strcmp(h1->processing, h2->processing) == 0,
		    "same entry, same hash (%s)", h1->processing);
		char buf[] = "0000000000000000\n{\"tool\":\"mz-x\","
		    "\"version\":\"1\",\"options\":{\"n\":3}}", hex[17];
		mz_hash64_hex(buf, strlen(buf), hex);
		ok(strcmp(hex, h1->processing) == 0,
		    "hash is XXH64(parent \\n canonical) as mzs(5) says");
		mz_header_add_history(h2, "mz-y", "1", NULL, NULL, &e);
		ok(strcmp(h1->processing, h2->processing) != 0,
		    "a longer chain differs");
		mz_header_free(h1);
		mz_header_free(h2);
	}
	return done_testing();
}
