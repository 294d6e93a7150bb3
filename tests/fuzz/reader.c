/*
 * reader.c - libFuzzer target for the mzs stream reader (mz_reader_*).
 *
 * The input is a candidate stream.  It is copied into an exactly sized,
 * 8-aligned heap buffer (so that AddressSanitizer sees any read past its
 * end and raw columns can be checked for alignment), opened with
 * mz_reader_memopen, and walked to the end: every part, header, block and
 * column, touching every decoded byte.  A mask derived from the input
 * selects which columns are wanted (mz_reader_want), changes it between
 * blocks, and sometimes leaves a part early, so that the skipping path of
 * mz_reader_next_part is exercised too.
 *
 * Besides "no crash, no leak, no undefined behaviour", the target checks
 * what the API promises, and aborts (a crash for libFuzzer) otherwise:
 *   - a block has 1 or more rows and the header's column count; wanted
 *     columns are non-NULL, unwanted ones NULL; raw (codec 0) columns point
 *     into the input, 8-aligned, inside the block's chunk;
 *   - mz_reader_raw_block is the BLCK chunk just read, ends at
 *     mz_reader_offset, and its frame checksum is XXH64 of its payload;
 *   - a header survives mz_header_to_json -> mz_header_from_json ->
 *     mz_header_to_json unchanged, and mz_header_copy keeps its columns;
 *   - a part read to its end is followed by a TAIL whose row and block
 *     counts equal the rows and blocks returned, and whose part hash is
 *     XXH64 of the HEAD and BLCK frame checksums (recomputed here from the
 *     raw bytes, independently of the reader);
 *   - a clean end of stream consumed the whole input, which ends with an
 *     ENDS chunk;
 *   - an error has a known code and a message naming the input, and every
 *     later call fails too.
 * Each input is walked three times: as it is, as it is with the reader
 * skimming (mz_reader_skim: block payloads reach the decoders unchecked,
 * as in mz-features' first pass; the frame checksum invariant is then not
 * asked), and (if that changes it) with its checksums repaired (see
 * repair), so that mutations get past them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "mz.h"

/* check: abort with a message when an invariant does not hold. */
#define check(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s " \
	"(%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

/* rd64: the little-endian u64 at p. */
static uint64_t
rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* mix: a splitmix64 step, to turn the input's hash into mask bits. */
static uint64_t
mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* sink: all decoded bytes are summed into it, so none is left unread. */
static volatile uint64_t sink;

/*
 * head_checksum: the frame checksum of the HEAD chunk that ends at byte
 * end of buf, found by walking chunks from byte from (where the previous
 * part ended or the stream began; a signature may come first).  Returns 1
 * and sets *ck if the walk lands exactly on a HEAD ending at end, else 0
 * (the caller then skips the part-hash check).
 */
static int
head_checksum(const unsigned char *buf, uint64_t from, uint64_t end,
    uint64_t *ck)
{
	uint64_t at = from;

	while (at + 24 <= end) {
		if (memcmp(buf + at, "\x89MZS", 4) == 0) {
			at += 16;
			continue;
		}
		uint64_t len = rd64(buf + at + 8);
		if (len > end - at - 24)
			return 0;
		uint64_t next = at + 24 + len + ((8 - (len & 7)) & 7);
		if (next == end) {
			if (memcmp(buf + at, "HEAD", 4) != 0)
				return 0;
			*ck = rd64(buf + at + 16);
			return 1;
		}
		at = next;
	}
	return 0;
}

/* check_header: the round-trip and copy invariants of a header. */
static void
check_header(const mz_header *h)
{
	mz_err e;
	size_t rowsize = 0;

	check(h != NULL && h->meta != NULL && h->history != NULL);
	check(cJSON_IsObject(h->meta) && cJSON_IsArray(h->history));
	check(strlen(h->processing) == 16);
	for (size_t j = 0; j < h->ncols; j++) {
		check(h->cols[j].name != NULL && h->cols[j].name[0] != '\0');
		check(mz_type_size(h->cols[j].type) > 0);
		check(mz_header_find(h, h->cols[j].name) == (int)j);
		rowsize += mz_type_size(h->cols[j].type);
	}
	check(mz_header_row_size(h) == rowsize);

	char *j1 = mz_header_to_json(h);
	check(j1 != NULL);
	mz_header *h2 = mz_header_from_json(j1, strlen(j1), "round trip", &e);
	if (h2 == NULL)
		fprintf(stderr, "re-parse failed: %s\n%s\n", e.msg, j1);
	check(h2 != NULL);
	check(mz_header_same_columns(h, h2));
	char *j2 = mz_header_to_json(h2);
	check(j2 != NULL && strcmp(j1, j2) == 0);
	mz_header *h3 = mz_header_copy(h);
	check(h3 != NULL && mz_header_same_columns(h, h3));
	check(strcmp(h3->processing, h->processing) == 0);
	free(j1);
	free(j2);
	mz_header_free(h2);
	mz_header_free(h3);
}

/* check_error: an error code and message as mz.h promises; later calls
 * on the reader fail as well. */
static void
check_error(mz_reader *r, int rc, const mz_err *e)
{
	mz_err e2;
	mz_block b;

	check(rc < 0 && -rc >= MZ_EIO && -rc <= MZ_ESCHEMA);
	check(e->code == -rc);
	check(strncmp(e->msg, "fuzz", 4) == 0);
	check(strcmp(mz_strerror(rc), "") != 0);
	check(mz_reader_next_part(r, &e2) < 0);
	check(mz_reader_next_block(r, &b, &e2) < 0);
}

/*
 * walk: read the stream at buf[0..len) to its end or first error,
 * checking the invariants above; seed drives the column masks; skim:
 * with mz_reader_skim.
 */
static void
walk(const unsigned char *buf, size_t len, uint64_t seed, int skim)
{
	mz_err e;
	mz_reader *r = mz_reader_memopen(buf, len, "fuzz", &e);
	unsigned char *want = NULL;
	uint64_t partend = 0;   /* offset where the last complete part ended */
	int rc;

	check(r != NULL);
	if (skim)
		mz_reader_skim(r);
	check(mz_reader_block_codec(r, 0) == -1);
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		const mz_header *h = mz_reader_header(r);
		uint64_t headend = mz_reader_offset(r), rows = 0, blocks = 0;
		uint64_t bits = mix(&seed);
		uint64_t hck = 0;
		int clean = partend != UINT64_MAX &&
		    head_checksum(buf, partend, headend, &hck);
		XXH64_state_t *ph = XXH64_createState();
		mz_block b;

		check(ph != NULL);
		XXH64_reset(ph, 0);
		XXH64_update(ph, &hck, 8);
		check(headend % 8 == 0 && headend <= len);
		check_header(h);
		free(want);
		want = malloc(h->ncols + 1);
		check(want != NULL);
		/* Mode: all columns (no call), NULL, none, or random bits. */
		int mode = (int)(bits & 3);
		for (size_t j = 0; j < h->ncols; j++)
			want[j] = mode == 2 ? 0 : mode == 1 ? 1 :
			    (unsigned char)((mix(&seed) >> 7) & 1);
		if (mode == 1)
			mz_reader_want(r, NULL);
		else if (mode >= 2)
			mz_reader_want(r, want);
		/* Leave this part after stop blocks (or read it all). */
		uint64_t stop = (bits >> 2) & 7 ? UINT64_MAX : (bits >> 5) & 3;

		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			size_t rawlen;
			const unsigned char *raw = mz_reader_raw_block(r,
			    &rawlen);
			uint64_t end = mz_reader_offset(r);

			/* mzs(5): a part with no columns has no blocks. */
			check(b.nrows >= 1 && b.ncols == h->ncols &&
			    h->ncols > 0);
			check(raw != NULL && rawlen >= 24 + 16 + 24 * b.ncols);
			check(rawlen % 8 == 0 && raw >= buf &&
			    raw + rawlen == buf + end && end <= len);
			check(memcmp(raw, "BLCK", 4) == 0);
			check(rd64(raw + 24) == b.nrows);
			check(skim || XXH64(raw + 24, rd64(raw + 8), 0) ==
			    rd64(raw + 16));
			XXH64_update(ph, raw + 16, 8);
			rows += b.nrows;
			blocks++;
			for (size_t j = 0; j < b.ncols; j++) {
				int codec = mz_reader_block_codec(r, j);
				size_t n = b.nrows * mz_type_size(h->cols[j].type);
				const unsigned char *c = b.cols[j];
				int wanted = mode < 2 || want[j];

				check(codec >= 0 && codec <= 2);
				check(wanted ? c != NULL : c == NULL);
				if (c == NULL)
					continue;
				if (codec == MZ_CODEC_RAW)
					check(c >= raw + 24 && c + n <= raw +
					    rawlen && (uintptr_t)c % 8 == 0);
				uint64_t s = 0;
				for (size_t i = 0; i < n; i++)
					s += c[i];
				if (n > 0)
					s += mz_get_f64(c, h->cols[j].type,
					    b.nrows - 1) != 0;
				sink += s;
			}
			check(mz_reader_block_codec(r, b.ncols) == -1);
			if (blocks == stop)
				break;
			/* Change the mask between blocks now and then. */
			if (mode >= 2 && (mix(&seed) & 3) == 0) {
				want[mix(&seed) % h->ncols] ^= 1;
				mz_reader_want(r, want);
			}
		}
		if (rc == 0) {
			/* The part's TAIL ends where the reader stands. */
			uint64_t end = mz_reader_offset(r);
			const unsigned char *t = buf + end - 48;
			check(end >= headend + 48 && end <= len);
			check(memcmp(t, "TAIL", 4) == 0 && rd64(t + 8) == 24);
			check(rd64(t + 24) == rows && rd64(t + 32) == blocks);
			if (clean)
				check(rd64(t + 40) == XXH64_digest(ph));
			/* Reading on past the end of a part gives 0. */
			check(mz_reader_next_block(r, &b, &e) == 0);
			partend = end;
		} else if (rc > 0) {
			partend = UINT64_MAX;  /* left early: unknown */
		}
		XXH64_freeState(ph);
		if (rc < 0)
			break;
	}
	if (rc == 0) {
		/* A clean end: all input read, the last chunk an ENDS. */
		check(mz_reader_offset(r) == len);
		check(len >= 48 && memcmp(buf + len - 32, "ENDS", 4) == 0);
		check(mz_reader_next_part(r, &e) == 0);
	} else {
		check_error(r, rc, &e);
	}
	free(want);
	mz_reader_close(r);
}

/*
 * repair: make the checksums of buf[0..len) right again after a mutation:
 * every chunk's frame checksum, and each TAIL's part hash (and, when
 * counts is set, its row and block counts) from the chunks since the last
 * HEAD.  Without this nearly every mutated input would stop at the first
 * checksum, and the code behind the checksums would never be fuzzed.  The
 * walk stops at the first frame that does not fit.  Returns 1 if a byte
 * changed.
 */
static int
repair(unsigned char *buf, size_t len, int counts)
{
	uint64_t at = 0, rows = 0, blocks = 0, v;
	XXH64_state_t *ph = XXH64_createState();
	int changed = 0;

	check(ph != NULL);
	XXH64_reset(ph, 0);
	while (at + 24 <= len) {
		if (memcmp(buf + at, "\x89MZS", 4) == 0) {
			at += 16;
			continue;
		}
		uint64_t l = rd64(buf + at + 8);
		if (l > len - at - 24)
			break;
		unsigned char *p = buf + at + 24;
		if (memcmp(buf + at, "TAIL", 4) == 0 && l == 24) {
			if (counts) {
				memcpy(p, &rows, 8);
				memcpy(p + 8, &blocks, 8);
			}
			v = XXH64_digest(ph);
			memcpy(p + 16, &v, 8);
		}
		v = XXH64(p, (size_t)l, 0);
		changed |= rd64(buf + at + 16) != v;
		memcpy(buf + at + 16, &v, 8);
		if (memcmp(buf + at, "HEAD", 4) == 0) {
			XXH64_reset(ph, 0);
			rows = blocks = 0;
		}
		if (memcmp(buf + at, "HEAD", 4) == 0 ||
		    memcmp(buf + at, "BLCK", 4) == 0)
			XXH64_update(ph, &v, 8);
		if (memcmp(buf + at, "BLCK", 4) == 0 && l >= 8) {
			rows += rd64(p);
			blocks++;
		}
		at += 24 + l + ((8 - (l & 7)) & 7);
	}
	XXH64_freeState(ph);
	return changed;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan flags any byte read past the end; malloc
	 * alignment (16) makes the stream's 8-byte alignment real. */
	unsigned char *buf = malloc(size ? size : 1);
	uint64_t seed = XXH64(data, size < 64 ? size : 64, size);

	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	walk(buf, size, seed, 0);
	walk(buf, size, seed, 1);
	/* Then the same bytes with their checksums made right. */
	if (repair(buf, size, (int)(seed & 1)))
		walk(buf, size, seed, 0);
	free(buf);
	return 0;
}
