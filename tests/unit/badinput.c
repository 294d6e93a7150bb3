/*
 * badinput.c - unit tests of the reader on damaged and unusual streams
 * that tests/unit/stream.c does not build: streams assembled here byte by
 * byte (with correct checksums, so that each defect is the only one) to
 * check that every rule of "What a reader must reject" in mzs(5) is
 * enforced with the right error code and a message naming the place, and
 * that what the format allows (zero-row and zero-column parts, skippable
 * chunks, higher minor versions) is read.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>

#include "mz.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* ------------------------------------------------ a stream builder */

/* sb: a stream being assembled in memory, with what the TAIL of the
 * current part needs. */
struct sb {
	unsigned char *b;
	size_t len, cap;
	uint64_t sums[64];   /* chunk checksums of the part's HEAD and BLCKs */
	int nsums;
	uint64_t rows, blocks, parts;
	size_t last;         /* offset of the last chunk added */
};

/* sb_put: append len bytes at p. */
static void
sb_put(struct sb *s, const void *p, size_t len)
{
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2 + 256;
		s->b = realloc(s->b, s->cap);
		if (s->b == NULL)
			abort();
	}
	memcpy(s->b + s->len, p, len);
	s->len += len;
}

/* sb_sig: the 16-byte signature with the given versions. */
static void
sb_sig(struct sb *s, uint16_t major, uint16_t minor)
{
	unsigned char v[8] = { 0 };

	sb_put(s, "\x89MZS\r\n\x1a\n", 8);
	memcpy(v, &major, 2);
	memcpy(v + 2, &minor, 2);
	sb_put(s, v, 8);
	s->parts = 0;
}

/* sb_chunk: a chunk (frame, payload, zero padding); HEAD starts a part's
 * bookkeeping, BLCK adds to it.  Returns the payload checksum. */
static uint64_t
sb_chunk(struct sb *s, const char *tag, const void *p, size_t len)
{
	uint64_t l = len, h = XXH64(p, len, 0), zero = 0;
	uint32_t flags = 0;

	s->last = s->len;
	sb_put(s, tag, 4);
	sb_put(s, &flags, 4);
	sb_put(s, &l, 8);
	sb_put(s, &h, 8);
	sb_put(s, p, len);
	sb_put(s, &zero, (8 - len % 8) % 8);
	if (memcmp(tag, "HEAD", 4) == 0) {
		s->nsums = 0;
		s->rows = s->blocks = 0;
		s->parts++;
	}
	if (memcmp(tag, "HEAD", 4) == 0 || memcmp(tag, "BLCK", 4) == 0)
		s->sums[s->nsums++] = h;
	return h;
}

/* sb_head: a HEAD chunk with the JSON text. */
static void
sb_head(struct sb *s, const char *json)
{
	sb_chunk(s, "HEAD", json, strlen(json));
}

/*
 * blk_payload: the payload of a BLCK of n rows with c columns, column j
 * stored with codec codec[j] from the size[j] bytes at data[j]; into *len.
 * Descriptors and offsets follow mzs(5).
 */
static unsigned char *
blk_payload(uint64_t n, uint32_t c, const int *codec, const void **data,
    const size_t *size, size_t *len)
{
	size_t off = 16 + 24 * (size_t)c, total = off;

	for (uint32_t j = 0; j < c; j++)
		total = (total + 7) / 8 * 8 + size[j];
	unsigned char *p = calloc(total + 1, 1);
	memcpy(p, &n, 8);
	memcpy(p + 8, &c, 4);
	for (uint32_t j = 0; j < c; j++) {
		uint64_t o, sz = size[j];
		off = (off + 7) / 8 * 8;
		o = off;
		p[16 + 24 * j] = (unsigned char)codec[j];
		memcpy(p + 16 + 24 * j + 8, &o, 8);
		memcpy(p + 16 + 24 * j + 16, &sz, 8);
		memcpy(p + off, data[j], size[j]);
		off += size[j];
	}
	*len = total;
	return p;
}

/* sb_f64: a BLCK of the n doubles v as one raw column. */
static void
sb_f64(struct sb *s, const double *v, uint64_t n)
{
	int codec = 0;
	const void *d = v;
	size_t sz = n * 8, len;
	unsigned char *p = blk_payload(n, 1, &codec, &d, &sz, &len);

	sb_chunk(s, "BLCK", p, len);
	s->rows += n;
	s->blocks++;
	free(p);
}

/* sb_tail: the TAIL of the current part from what was added. */
static void
sb_tail(struct sb *s)
{
	uint64_t t[3] = { s->rows, s->blocks,
	    XXH64(s->sums, (size_t)s->nsums * 8, 0) };

	sb_chunk(s, "TAIL", t, 24);
}

/* sb_ends: the ENDS of the segment with its part count. */
static void
sb_ends(struct sb *s)
{
	sb_chunk(s, "ENDS", &s->parts, 8);
}

/* ------------------------------------------------------ reading */

/* readall: read every part and block of buf[0..len); returns the rows
 * read, or the negative code of the first error (message in *e). Parts
 * and blocks are counted in *parts and *blocks when not NULL. */
static long
readall(const unsigned char *buf, size_t len, mz_err *e, long *parts,
    long *blocks)
{
	mz_reader *r = mz_reader_memopen(buf, len, "in", e);
	long rows = 0, np = 0, nb = 0;
	int rc;

	while ((rc = mz_reader_next_part(r, e)) > 0) {
		mz_block b;
		np++;
		while ((rc = mz_reader_next_block(r, &b, e)) > 0) {
			rows += (long)b.nrows;
			nb++;
		}
		if (rc < 0)
			break;
	}
	mz_reader_close(r);
	if (parts)
		*parts = np;
	if (blocks)
		*blocks = nb;
	return rc < 0 ? rc : rows;
}

/* rejects: 1 if reading s fails with code and a message containing
 * both "byte OFF" (OFF < 0: not checked) and what. */
static int
rejects(const struct sb *s, int code, long off, const char *what, mz_err *e)
{
	char at[40];
	long got = readall(s->b, s->len, e, NULL, NULL);

	snprintf(at, sizeof(at), "byte %ld:", off);
	if (got != -code || strstr(e->msg, what) == NULL ||
	    (off >= 0 && strstr(e->msg, at) == NULL)) {
		diag("got %ld (%s), want -%d with '%s' at %ld", got,
		    got < 0 ? e->msg : "no error", code, what, off);
		return 0;
	}
	return 1;
}

static const char XHEAD[] = "{\"columns\":[{\"name\":\"x\",\"type\":\"f64\"}]}";
static const double V[6] = { 1.5, NAN, -2, 0, 1e300, 7 };

/* good: a valid one-segment stream: part 0 has V in blocks of 2 and 4
 * rows, part 1 has no rows.  sb_ends is left to the caller when ends is
 * 0. */
static void
good(struct sb *s, int ends)
{
	memset(s, 0, sizeof(*s));
	sb_sig(s, 1, 0);
	sb_head(s, XHEAD);
	sb_f64(s, V, 2);
	sb_f64(s, V + 2, 4);
	sb_tail(s);
	sb_head(s, XHEAD);
	sb_tail(s);
	if (ends)
		sb_ends(s);
}

/* headonly: a stream whose only part has the HEAD text json. */
static void
headonly(struct sb *s, const char *json, size_t len)
{
	memset(s, 0, sizeof(*s));
	sb_sig(s, 1, 0);
	sb_chunk(s, "HEAD", json, len);
	sb_tail(s);
	sb_ends(s);
}

int
main(void)
{
	mz_err e;
	struct sb s;
	long parts, blocks;

	/* The builder makes what the library reads: the mzs(5) example. */
	good(&s, 1);
	ok(readall(s.b, s.len, &e, &parts, &blocks) == 6 && parts == 2 &&
	    blocks == 2, "hand-built stream: 6 rows, 2 parts, 2 blocks");
	{
		mz_reader *r = mz_reader_memopen(s.b, s.len, "in", &e);
		mz_block b;
		int rc = mz_reader_next_part(r, &e);
		rc = rc > 0 ? mz_reader_next_block(r, &b, &e) : rc;
		const double *x = rc > 0 ? b.cols[0] : NULL;
		ok(x && b.nrows == 2 && x[0] == 1.5 && isnan(x[1]) &&
		    memcmp(s.b + 16 + 24 + 40 + 24, "\x02\0\0\0\0\0\0\0", 8) == 0,
		    "... values 1.5 and NaN as mzs(5) lays them out");
		mz_reader_close(r);
	}
	free(s.b);

	/* ------------------------------------------ checksum mismatch */
	good(&s, 1);
	size_t blk1 = 16 + 64;   /* signature, HEAD frame + 40 payload */
	ok(memcmp(s.b + blk1, "BLCK", 4) == 0, "(first BLCK at byte %zu)",
	    blk1);
	s.b[blk1 + 24 + 40] ^= 1;   /* a bit of the first value */
	ok(rejects(&s, MZ_ECHECKSUM, (long)blk1, "checksum mismatch", &e),
	    "a flipped data bit: checksum mismatch at the chunk: %s", e.msg);
	s.b[blk1 + 24 + 40] ^= 1;
	s.b[blk1 + 16] ^= 0x80;     /* the stored checksum itself */
	ok(rejects(&s, MZ_ECHECKSUM, (long)blk1, "checksum mismatch", &e),
	    "a damaged stored checksum: %s", e.msg);
	free(s.b);

	/* ------------------------------------ part trailer and ENDS */
	good(&s, 0);
	memcpy(s.b + s.last + 24, "\x07", 1);  /* part 1 TAIL: 7 rows */
	{
		uint64_t h = XXH64(s.b + s.last + 24, 24, 0);
		memcpy(s.b + s.last + 16, &h, 8);
	}
	sb_ends(&s);
	ok(rejects(&s, MZ_ECHECKSUM, -1, "TAIL says 7 rows in 0 blocks, read "
	    "0 rows in 0 blocks", &e), "TAIL row count mismatch: %s", e.msg);
	free(s.b);

	/* Two blocks swapped: each chunk is intact, the order is not. */
	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_head(&s, XHEAD);
	sb_f64(&s, V, 2);
	size_t b1 = s.last;
	sb_f64(&s, V + 2, 2);
	size_t b2 = s.last, bl = s.len - b2;
	sb_tail(&s);
	sb_ends(&s);
	{
		unsigned char *t = malloc(bl);
		memcpy(t, s.b + b1, bl);
		memcpy(s.b + b1, s.b + b2, bl);
		memcpy(s.b + b2, t, bl);
		free(t);
	}
	ok(rejects(&s, MZ_ECHECKSUM, -1, "part hash mismatch", &e),
	    "reordered blocks: %s", e.msg);
	free(s.b);

	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_head(&s, XHEAD);
	sb_tail(&s);
	s.parts = 2;
	sb_ends(&s);
	ok(rejects(&s, MZ_ECHECKSUM, (long)s.last, "ENDS says 2 parts but the "
	    "segment has 1", &e), "ENDS count mismatch: %s", e.msg);
	free(s.b);

	/* ------------------------------------------ invalid header JSON */
	static const struct { const char *json, *what; } heads[] = {
		{ "{\"columns\":[{\"name\":\"x\",\"type\":\"f64\"}]", "not valid JSON" },
		{ "", "not valid JSON" },
		{ "[]", "not a JSON object" },
		{ "{\"columns\":[]} x", "bytes after its JSON object" },
		{ "{}", "no columns array" },
		{ "{\"columns\":{}}", "no columns array" },
		{ "{\"columns\":[{\"name\":\"x\"}]}", "needs a name and a type" },
		{ "{\"columns\":[{\"name\":\"x\",\"type\":\"f16\"}]}", "unknown type 'f16'" },
		{ "{\"columns\":[{\"name\":\"x\",\"type\":\"f64\",\"unit\":3}]}", "unit is not a string" },
		{ "{\"columns\":[{\"name\":\"x\",\"type\":\"f64\"},{\"name\":\"x\",\"type\":\"u8\"}]}", "header column 1" },
		{ "{\"columns\":[{\"name\":\"\",\"type\":\"f64\"}]}", "header column 0" },
		{ "{\"columns\":[],\"columns\":[]}", "repeated key" },
		{ "{\"columns\":[],\"meta\":{\"a\":{\"b\":1,\"b\":2}}}", "repeated key" },
		{ "{\"columns\":[],\"meta\":[]}", "meta is not an object" },
		{ "{\"columns\":[],\"history\":{}}", "history is not an array" },
		{ "{\"columns\":[],\"processing\":\"0123456789ABCDEF\"}", "processing is not" },
		{ "{\"columns\":[],\"processing\":\"0123\"}", "processing is not" },
	};
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		headonly(&s, heads[i].json, strlen(heads[i].json));
		ok(rejects(&s, MZ_EFORMAT, 16, heads[i].what, &e),
		    "HEAD %zu (%s): %s", i, heads[i].what, e.msg);
		free(s.b);
	}
	/* mzs(5): "UTF-8, no byte order mark" (cJSON skips one). */
	headonly(&s, "\xef\xbb\xbf{\"columns\":[]}", 17);
	{
		long got = readall(s.b, s.len, &e, NULL, NULL);
		ok(got == -MZ_EFORMAT, "HEAD "
		    "starting with a byte order mark is rejected (got %ld)", got);
	}
	free(s.b);
	/* A \u0000 escape is a NUL too (and cJSON cuts strings at it). */
	{
		static const char j[] = "{\"columns\":[{\"name\":\"x\\u0000y\","
		    "\"type\":\"f64\"}]}";
		headonly(&s, j, strlen(j));
		long got = readall(s.b, s.len, &e, NULL, NULL);
		ok(got == -MZ_EFORMAT,
		    "a column named x\\u0000y is rejected (got %ld)", got);
		free(s.b);
		static const char k[] = "{\"columns\":[{\"name\":\"x\\\\u0000y\","
		    "\"type\":\"f64\"}]}";
		headonly(&s, k, strlen(k));
		mz_reader *r = mz_reader_memopen(s.b, s.len, "in", &e);
		ok(mz_reader_next_part(r, &e) == 1 && strcmp(mz_reader_header(r)
		    ->cols[0].name, "x\\u0000y") == 0,
		    "... but an escaped backslash before u0000 is no escape");
		mz_reader_close(r);
		free(s.b);
	}
	headonly(&s, "{\"columns\":[]}\0", 15);
	ok(rejects(&s, MZ_EFORMAT, 16, "NUL", &e), "HEAD with a NUL byte: %s",
	    e.msg);
	free(s.b);
	headonly(&s, "\n {\"columns\" : [] }\r\n\t", 22);
	ok(readall(s.b, s.len, &e, &parts, NULL) == 0 && parts == 1,
	    "JSON white space around the header object is accepted");
	free(s.b);

	/* ---------------------------------------- column length mismatch */
	{
		double v[4] = { 1, 2, 3, 4 };
		const void *d[2] = { v, v };
		int raw[2] = { 0, 0 }, z[2] = { 1, 1 };
		size_t sz[2] = { 32, 24 }, len;
		unsigned char *p;
		static const char two[] = "{\"columns\":[{\"name\":\"a\","
		    "\"type\":\"f64\"},{\"name\":\"b\",\"type\":\"f64\"}]}";

		/* Raw column b stored with 3 values for 4 rows. */
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, two);
		p = blk_payload(4, 2, raw, d, sz, &len);
		sb_chunk(&s, "BLCK", p, len);
		free(p);
		ok(rejects(&s, MZ_EFORMAT, (long)s.last, "column 1 ('b'): bad "
		    "descriptor", &e), "raw column shorter than its rows: %s",
		    e.msg);
		free(s.b);

		/* A block with one column in a two-column part. */
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, two);
		sz[1] = 32;
		p = blk_payload(4, 1, raw, d, sz, &len);
		sb_chunk(&s, "BLCK", p, len);
		free(p);
		ok(rejects(&s, MZ_EFORMAT, (long)s.last, "BLCK has 1 columns, "
		    "the part header 2", &e), "block column count: %s", e.msg);
		free(s.b);

		/* zstd frames that decode to 3 values where 4 are due. */
		char zb[2][256];
		size_t zs = ZSTD_compress(zb[0], sizeof(zb[0]), v, 32, 3);
		size_t zs3 = ZSTD_compress(zb[1], sizeof(zb[1]), v, 24, 3);
		const void *zd[2] = { zb[0], zb[1] };
		size_t zsz[2] = { zs, zs3 };
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, two);
		p = blk_payload(4, 2, z, zd, zsz, &len);
		sb_chunk(&s, "BLCK", p, len);
		free(p);
		ok(rejects(&s, MZ_EFORMAT, (long)s.last, "column 1 ('b')", &e) &&
		    strstr(e.msg, "Destination buffer is too small") == NULL,
		    "zstd column decoding short of its rows: %s", e.msg);
		free(s.b);

		/* The same with trailing bytes after a complete frame. */
		memcpy(zb[1], zb[0], zs);
		memcpy(zb[1] + zs, "\0\0\0\0", 4);
		zsz[1] = zs + 4;
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, two);
		p = blk_payload(4, 2, z, zd, zsz, &len);
		sb_chunk(&s, "BLCK", p, len);
		free(p);
		ok(rejects(&s, MZ_EFORMAT, (long)s.last, "not exactly one zstd "
		    "frame", &e), "bytes after a zstd frame: %s", e.msg);
		free(s.b);

		/* A payload longer than its columns. */
		zsz[1] = zs;
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, two);
		p = blk_payload(4, 2, z, zd, zsz, &len);
		p = realloc(p, len + 8);
		memset(p + len, 0, 8);
		sb_chunk(&s, "BLCK", p, len + 8);
		free(p);
		ok(rejects(&s, MZ_EFORMAT, (long)s.last, "payload length does "
		    "not match", &e), "payload past the last column: %s", e.msg);
		free(s.b);

		/* Nonzero bytes between columns (zs is not a multiple of 8). */
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, two);
		p = blk_payload(4, 2, z, zd, zsz, &len);
		size_t gap = 16 + 48 + zs;
		ok(zs % 8 != 0, "(zstd frame of %zu bytes leaves a gap)", zs);
		p[gap] = 1;
		sb_chunk(&s, "BLCK", p, len);
		free(p);
		ok(rejects(&s, MZ_EFORMAT, (long)s.last, "nonzero bytes between "
		    "columns", &e), "nonzero gap between columns: %s", e.msg);
		free(s.b);
	}

	/* ----------------------------------------------- zero-row parts */
	{
		/* Written by the library: rows, no rows, no columns. */
		char path[] = "/tmp/mz-badinput-XXXXXX";
		int fd = mkstemp(path);
		mz_wopts o = { MZ_CODEC_SHUFFLE, 0, 0, 0 };
		mz_writer *w = mz_writer_fdopen(fd, "zero", &o, &e);
		mz_header *h = mz_header_new(), *z = mz_header_new();
		const void *cols[1] = { V };
		mz_header_add_column(h, "x", MZ_F64, "px", &e);
		mz_meta_set(h, "sequence", cJSON_CreateString("empty"), &e);
		int wr = mz_writer_begin_part(w, h, &e) == 0 &&
		    mz_writer_append(w, 6, cols, &e) == 0 &&
		    mz_writer_end_part(w, &e) == 0 &&
		    mz_writer_begin_part(w, h, &e) == 0 &&
		    mz_writer_end_part(w, &e) == 0 &&
		    mz_writer_begin_part(w, z, &e) == 0 &&
		    mz_writer_end_part(w, &e) == 0 &&
		    mz_writer_close(w, &e) == 0;
		size_t len = (size_t)lseek(fd, 0, SEEK_END);
		unsigned char *buf = malloc(len);
		ok(wr && pread(fd, buf, len, 0) == (ssize_t)len,
		    "writer: a part with rows, one without, one without columns");
		close(fd);
		unlink(path);
		mz_reader *r = mz_reader_memopen(buf, len, "zero", &e);
		long nb[3] = { -1, -1, -1 };
		size_t nc[3] = { 9, 9, 9 };
		const char *seq = NULL;
		int rc, np = 0;
		while ((rc = mz_reader_next_part(r, &e)) > 0 && np < 3) {
			mz_block b;
			const mz_header *rh = mz_reader_header(r);
			nc[np] = rh->ncols;
			if (np == 1)
				seq = mz_meta_str(rh, "sequence");
			nb[np] = 0;
			while ((rc = mz_reader_next_block(r, &b, &e)) > 0)
				nb[np] += (long)b.nrows;
			if (rc < 0)
				break;
			if (np == 1)
				ok(seq && strcmp(seq, "empty") == 0 &&
				    strcmp(rh->cols[0].unit, "px") == 0,
				    "the zero-row part keeps its header");
			np++;
		}
		ok(rc == 0 && np == 3 && nb[0] == 6 && nb[1] == 0 && nb[2] == 0 &&
		    nc[0] == 1 && nc[1] == 1 && nc[2] == 0,
		    "zero-row parts read back: rows 6/0/0, columns 1/1/0");
		mz_reader_close(r);
		free(buf);
		mz_header_free(h);
		mz_header_free(z);
	}
	{
		/* A BLCK that says 0 rows. */
		double none = 0;
		const void *d = &none;
		int raw = 0;
		size_t sz = 0, len;
		unsigned char *p = blk_payload(0, 1, &raw, &d, &sz, &len);
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, XHEAD);
		sb_chunk(&s, "BLCK", p, len);
		free(p);
		ok(rejects(&s, MZ_EFORMAT, (long)s.last, "BLCK with 0 rows", &e),
		    "a block of 0 rows: %s", e.msg);
		free(s.b);

		/* A block in a part with no columns (mzs(5): such a part has
		 * no BLCK chunks). */
		p = blk_payload(5, 0, NULL, NULL, NULL, &len);
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, "{\"columns\":[]}");
		sb_chunk(&s, "BLCK", p, len);
		s.rows = 5;
		s.blocks = 1;
		sb_tail(&s);
		sb_ends(&s);
		free(p);
		long got = readall(s.b, s.len, &e, NULL, NULL);
		ok(got == -MZ_EFORMAT, "a block in a "
		    "zero-column part is rejected (got %ld)", got);
		free(s.b);
	}

	/*
	 * A block of 2^29 f64 rows whose zstd frame says it holds 8 bytes:
	 * bad data, whatever memory the machine has.  Read in a child limited
	 * to 1 GiB of address space, it must fail as MZ_EFORMAT, not as out
	 * of memory after trying to allocate 4 GiB for the column.  (Not
	 * under AddressSanitizer, whose shadow memory needs far more address
	 * space.)
	 */
	if (UNDER_ASAN) {
		ok(1, "# SKIP address-space limit test under AddressSanitizer");
	} else {
		uint64_t eight = 0;
		char zf[64];
		size_t zs = ZSTD_compress(zf, sizeof(zf), &eight, 8, 3), len;
		const void *d = zf;
		int zc = 1;
		unsigned char *p = blk_payload((uint64_t)1 << 29, 1, &zc, &d,
		    &zs, &len);
		memset(&s, 0, sizeof(s));
		sb_sig(&s, 1, 0);
		sb_head(&s, XHEAD);
		sb_chunk(&s, "BLCK", p, len);
		free(p);
		pid_t pid = fork();
		if (pid == 0) {
			struct rlimit rl = { (rlim_t)1 << 30, (rlim_t)1 << 30 };
			setrlimit(RLIMIT_AS, &rl);
			_exit((int)-readall(s.b, s.len, &e, NULL, NULL));
		}
		int st = 0;
		waitpid(pid, &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == MZ_EFORMAT, "a %zu-byte stream claiming a "
		    "4 GiB zstd column is bad data, not out of memory (exit %d)",
		    s.len, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		free(s.b);
	}

	/* ------------------------------------ structure and framing */
	ok(readall((const unsigned char *)"", 0, &e, NULL, NULL) == -MZ_ETRUNC &&
	    strstr(e.msg, "empty input"), "empty input: %s", e.msg);

	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_f64(&s, V, 2);
	ok(rejects(&s, MZ_EFORMAT, 16, "BLCK outside a part", &e),
	    "a block before any HEAD: %s", e.msg);
	free(s.b);

	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_head(&s, XHEAD);
	sb_f64(&s, V, 2);
	sb_head(&s, XHEAD);
	ok(rejects(&s, MZ_EFORMAT, (long)s.last, "HEAD inside a part", &e),
	    "a HEAD inside a part: %s", e.msg);
	free(s.b);

	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_head(&s, XHEAD);
	sb_ends(&s);
	ok(rejects(&s, MZ_EFORMAT, (long)s.last, "ENDS inside a part", &e),
	    "ENDS inside a part: %s", e.msg);
	free(s.b);

	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_chunk(&s, "Note", "x", 1);
	ok(rejects(&s, MZ_EFORMAT, 16, "unknown or misplaced chunk Note", &e),
	    "an unknown critical tag: %s", e.msg);
	free(s.b);

	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_chunk(&s, "HE1D", "x", 1);
	ok(rejects(&s, MZ_EFORMAT, 16, "bad tag bytes", &e),
	    "a tag with a digit: %s", e.msg);
	free(s.b);

	/* Skippable chunks between parts and between blocks are read past;
	 * a minor version above 0 is accepted. */
	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 7);
	sb_chunk(&s, "note", "between parts", 13);
	sb_head(&s, XHEAD);
	sb_f64(&s, V, 3);
	sb_chunk(&s, "zzzz", "", 0);
	sb_f64(&s, V + 3, 3);
	sb_tail(&s);
	sb_ends(&s);
	ok(readall(s.b, s.len, &e, &parts, &blocks) == 6 && parts == 1 &&
	    blocks == 2, "skippable chunks and minor version 7 are accepted");
	free(s.b);

	good(&s, 1);
	s.b[blk1 + 4] = 1;   /* flags */
	ok(rejects(&s, MZ_EFORMAT, (long)blk1, "nonzero flags", &e),
	    "nonzero chunk flags: %s", e.msg);
	free(s.b);

	headonly(&s, "{\"columns\":[]} ", 15);   /* one byte of padding */
	s.b[16 + 24 + 15] = ' ';
	ok(rejects(&s, MZ_EFORMAT, -1, "nonzero chunk padding", &e),
	    "nonzero padding: %s", e.msg);
	free(s.b);

	good(&s, 1);
	s.b[12] = 1;
	ok(rejects(&s, MZ_EFORMAT, 12, "reserved signature field", &e),
	    "nonzero reserved signature field: %s", e.msg);
	free(s.b);

	good(&s, 1);
	sb_put(&s, "garbage!", 8);
	ok(rejects(&s, MZ_EFORMAT, (long)s.len - 8, "after the end of a stream",
	    &e), "bytes after ENDS: %s", e.msg);
	free(s.b);

	/* A HEAD past the 64 MiB limit is refused from its frame alone. */
	memset(&s, 0, sizeof(s));
	sb_sig(&s, 1, 0);
	sb_head(&s, "{}");
	{
		uint64_t big = ((uint64_t)64 << 20) + 1;
		memcpy(s.b + 16 + 8, &big, 8);
	}
	ok(rejects(&s, MZ_ENOMEM, 16, "exceeds the limit", &e),
	    "a HEAD of 64 MiB + 1: %s", e.msg);
	free(s.b);

	/* -------------------- truncation of a two-segment stream */
	{
		struct sb a;
		good(&a, 1);
		size_t seg = a.len;
		memset(&s, 0, sizeof(s));
		sb_put(&s, a.b, a.len);
		free(a.b);
		good(&a, 1);
		sb_put(&s, a.b, a.len);
		free(a.b);
		size_t bad = 0, short_ok = 0;
		for (size_t cut = 0; cut < s.len; cut++) {
			long got = readall(s.b, cut, &e, NULL, NULL);
			if (cut == seg)
				short_ok = got == 6;
			else if (got >= 0) {
				bad++;
				diag("cut at %zu read %ld rows", cut, got);
			}
		}
		ok(bad == 0, "every cut of a 2-segment, 4-part stream but the "
		    "segment boundary is detected (%zu cuts)", s.len - 1);
		ok(short_ok, "the cut at the segment boundary is a valid stream "
		    "(as mzs(5) says)");
		ok(readall(s.b, s.len, &e, &parts, NULL) == 12 && parts == 4,
		    "the whole reads: 12 rows, 4 parts");
		free(s.b);
	}

	/* Reading after an error fails again, without a crash. */
	good(&s, 1);
	s.b[blk1 + 24 + 40] ^= 1;
	{
		mz_reader *r = mz_reader_memopen(s.b, s.len, "in", &e);
		mz_block b;
		int r1 = mz_reader_next_part(r, &e);
		int r2 = mz_reader_next_block(r, &b, &e);
		int r3 = mz_reader_next_block(r, &b, &e);
		int r4 = mz_reader_next_part(r, &e);
		ok(r1 == 1 && r2 == -MZ_ECHECKSUM && r3 == -MZ_EINVAL &&
		    r4 == -MZ_EINVAL, "after an error, later calls fail: %s",
		    e.msg);
		mz_reader_close(r);
	}
	free(s.b);
	return done_testing();
}
