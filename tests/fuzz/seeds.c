/*
 * seeds.c - write the seed corpora of the fuzz targets (scripts/fuzz.sh):
 * small valid streams that reach the corners of mzs(5) mzgen does not
 * (every column type, blocks of a few rows, zero-column and zero-row
 * parts, skippable chunks between parts and between blocks, several
 * segments, an empty segment), and header JSON texts (the HEAD payloads
 * of those streams plus a few hand-written ones).
 *
 * usage: seeds READER-DIR HEADER-DIR
 * Exit status 0, or 1 with a message if a file cannot be written.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "mz.h"

static const char *rdir, *hdir;

/* fail: print a message and exit 1. */
static void
fail(const char *what, const char *msg)
{
	fprintf(stderr, "seeds: %s: %s\n", what, msg);
	exit(1);
}

/* put: write len bytes at p to DIR/NAME. */
static void
put(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, f) != len || fclose(f) != 0)
		fail(path, "cannot write");
}

/* slurp: the contents of path (malloc'd) and its length in *len. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	long n = 0;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL ||
	    fread(b, 1, (size_t)n, f) != (size_t)n)
		fail(path, "cannot read");
	fclose(f);
	*len = (size_t)n;
	return b;
}

/*
 * typed_stream: write to path a stream of nparts parts, each with one
 * column of every type (plus a unit and a "levels" key on the u8 column),
 * rows rows in blocks of about block_bytes, with codec; part 1 (if any)
 * has no rows, and when zerocol is set a zero-column part comes last.
 */
static void
typed_stream(const char *path, int codec, size_t rows, size_t block_bytes,
    int nparts, int zerocol)
{
	static const mz_type types[] = { MZ_I8, MZ_U8, MZ_I16, MZ_U16, MZ_I32,
	    MZ_U32, MZ_I64, MZ_U64, MZ_F32, MZ_F64 };
	enum { NT = sizeof(types) / sizeof(types[0]) };
	mz_wopts o = { codec, 1, block_bytes, 0 };
	mz_err e;
	mz_writer *w = mz_writer_open(path, &o, &e);
	mz_header *h = mz_header_new();
	void *cols[NT];

	if (w == NULL || h == NULL)
		fail(path, w ? "out of memory" : e.msg);
	for (size_t t = 0; t < NT; t++) {
		char name[16];
		snprintf(name, sizeof(name), "c_%s", mz_type_name(types[t]));
		if (mz_header_add_column(h, name, types[t],
		    t == NT - 1 ? "px" : NULL, &e) < 0)
			fail(path, e.msg);
		cols[t] = calloc(rows + 1, 8);
		for (size_t i = 0; i < rows; i++)
			mz_put_f64(cols[t], types[t], i, types[t] >= MZ_F32 &&
			    i % 5 == 4 ? NAN : (double)((i * 37 + t) % 120));
	}
	cJSON *lv = cJSON_CreateObject();
	cJSON_AddStringToObject(lv, "0", "rest");
	cJSON_AddStringToObject(lv, "1", "groom");
	h->cols[1].extra = cJSON_CreateObject();
	cJSON_AddItemToObject(h->cols[1].extra, "levels", lv);
	mz_meta_set(h, "sequence", cJSON_CreateString("s/1 \"q\""), &e);
	mz_meta_set(h, "fps", cJSON_CreateNumber(29.97), &e);
	mz_header_add_history(h, "seeds", MZ_VERSION, NULL, NULL, &e);
	for (int p = 0; p < nparts; p++) {
		size_t n = p == 1 ? 0 : rows;
		if (mz_writer_begin_part(w, h, &e) < 0 ||
		    (n && mz_writer_append(w, n, (const void *const *)cols,
		    &e) < 0) || mz_writer_end_part(w, &e) < 0)
			fail(path, e.msg);
	}
	if (zerocol) {
		mz_header *z = mz_header_new();
		if (mz_writer_begin_part(w, z, &e) < 0 ||
		    mz_writer_end_part(w, &e) < 0)
			fail(path, e.msg);
		mz_header_free(z);
	}
	if (mz_writer_close(w, &e) < 0)
		fail(path, e.msg);
	for (size_t t = 0; t < NT; t++)
		free(cols[t]);
	mz_header_free(h);
}

/*
 * with_skippable: s[0..len) with a skippable "note" chunk inserted at
 * byte at (a chunk boundary); the result is malloc'd, its length in *out.
 */
static unsigned char *
with_skippable(const unsigned char *s, size_t len, size_t at, size_t *out)
{
	static const char note[] = "a note a reader skips";
	size_t pl = sizeof(note) - 1, pad = (8 - pl % 8) % 8;
	size_t cl = 24 + pl + pad;
	unsigned char *b = calloc(len + cl, 1);
	uint64_t v;

	memcpy(b, s, at);
	memcpy(b + at, "note", 4);
	v = pl;
	memcpy(b + at + 8, &v, 8);
	v = XXH64(note, pl, 0);
	memcpy(b + at + 16, &v, 8);
	memcpy(b + at + 24, note, pl);
	memcpy(b + at + cl, s + at, len - at);
	*out = len + cl;
	return b;
}

/* first_chunk: offset of the first chunk tagged tag in s, or 0. */
static size_t
first_chunk(const unsigned char *s, size_t len, const char *tag)
{
	size_t at = 16;

	while (at + 24 <= len) {
		uint64_t l;
		memcpy(&l, s + at + 8, 8);
		if (memcmp(s + at, tag, 4) == 0)
			return at;
		at += 24 + l + (8 - l % 8) % 8;
	}
	return 0;
}

/* heads: write every HEAD payload of the stream s as a header seed. */
static void
heads(const char *stem, const unsigned char *s, size_t len)
{
	size_t at = 16;
	int k = 0;

	while (at + 24 <= len) {
		uint64_t l;
		memcpy(&l, s + at + 8, 8);
		if (memcmp(s + at, "HEAD", 4) == 0 && k < 3) {
			char name[64];
			snprintf(name, sizeof(name), "%s-head%d.json", stem, k++);
			put(hdir, name, s + at + 24, (size_t)l);
		}
		if (memcmp(s + at, "ENDS", 4) == 0 && at + 32 + 16 <= len)
			at += 16;   /* the next segment's signature */
		at += 24 + l + (8 - l % 8) % 8;
	}
}

int
main(int argc, char **argv)
{
	static const char *hand[] = {
		"{\"columns\":[]}",
		"{\"columns\":[{\"name\":\"x\",\"type\":\"f64\"}]}",
		("{\"columns\":[{\"name\":\"a\",\"type\":\"u8\",\"levels\":"
		    "{\"0\":\"no\",\"1\":\"yes\"},\"note\":[1,2.5e-3,null,true]}],"
		    "\"meta\":{\"k\":\"\\u00e9\\t\\/\",\"n\":-0.0,\"deep\":"
		    "[[[{\"a\":{}}]]]},\"history\":[{\"tool\":\"t\",\"version\":"
		    "\"1\",\"options\":{},\"processing\":\"0123456789abcdef\"}],"
		    "\"processing\":\"0123456789abcdef\"}"),
		(" {\"columns\" : [ {\"type\":\"i16\", \"name\":\"b\", "
		    "\"unit\":\"cm/s\"} ] }\n"),
	};
	char path[4096], name[64];
	size_t len, l2;
	unsigned char *s, *t;

	if (argc != 3) {
		fprintf(stderr, "usage: seeds READER-DIR HEADER-DIR\n");
		return 2;
	}
	rdir = argv[1];
	hdir = argv[2];
	for (size_t i = 0; i < sizeof(hand) / sizeof(hand[0]); i++) {
		snprintf(name, sizeof(name), "hand%zu.json", i);
		put(hdir, name, hand[i], strlen(hand[i]));
	}
	/* Every codec; blocks of a few rows; a zero-row and a zero-column
	 * part. */
	for (int codec = 0; codec <= 2; codec++) {
		snprintf(path, sizeof(path), "%s/typed-c%d.mzs", rdir, codec);
		typed_stream(path, codec, 40, 600, 3, 1);
		s = slurp(path, &len);
		snprintf(name, sizeof(name), "typed-c%d", codec);
		heads(name, s, len);
		/* A skippable chunk before the first part and one between
		 * blocks. */
		t = with_skippable(s, len, 16, &l2);
		snprintf(name, sizeof(name), "note-top-c%d.mzs", codec);
		put(rdir, name, t, l2);
		free(t);
		size_t at = first_chunk(s, len, "BLCK");
		if (at) {
			at += 24;  /* past the first block's frame ... */
			uint64_t l;
			memcpy(&l, s + at - 16, 8);
			at += l + (8 - l % 8) % 8;  /* ... and payload */
			t = with_skippable(s, len, at, &l2);
			snprintf(name, sizeof(name), "note-blk-c%d.mzs", codec);
			put(rdir, name, t, l2);
			free(t);
		}
		/* Two segments: the stream concatenated with itself. */
		t = malloc(2 * len);
		memcpy(t, s, len);
		memcpy(t + len, s, len);
		snprintf(name, sizeof(name), "twice-c%d.mzs", codec);
		put(rdir, name, t, 2 * len);
		free(t);
		free(s);
	}
	/* One row in one part; a segment with no parts. */
	snprintf(path, sizeof(path), "%s/one-row.mzs", rdir);
	typed_stream(path, 0, 1, 0, 1, 0);
	snprintf(path, sizeof(path), "%s/empty-segment.mzs", rdir);
	mz_err e;
	mz_writer *w = mz_writer_open(path, NULL, &e);
	if (w == NULL || mz_writer_close(w, &e) < 0)
		fail(path, e.msg);
	return 0;
}
