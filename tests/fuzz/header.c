/*
 * header.c - libFuzzer target for part headers: mz_header_from_json on
 * arbitrary bytes (the HEAD payload of mzs(5)).
 *
 * A rejected input must come back as NULL with MZ_EFORMAT (or MZ_ENOMEM)
 * and a message that starts with the place given.  An accepted one must
 * be a header a writer can write again: its JSON (mz_header_to_json)
 * parses back to the same columns and prints identically, its copy
 * (mz_header_copy) has the same columns and hash, and a history entry
 * appended to it (mz_header_add_history, with the input's meta as the
 * options, so that arbitrary JSON reaches the processing hash) gives a
 * header that round-trips as well, with a different processing hash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mz.h"

/* check: abort with a message when an invariant does not hold. */
#define check(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s " \
	"(%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

/* roundtrip: h's JSON parses back to the same header and prints the
 * same. */
static void
roundtrip(const mz_header *h)
{
	mz_err e;
	char *j1 = mz_header_to_json(h);

	check(j1 != NULL);
	mz_header *h2 = mz_header_from_json(j1, strlen(j1), "again", &e);
	if (h2 == NULL)
		fprintf(stderr, "re-parse failed: %s\n%s\n", e.msg, j1);
	check(h2 != NULL);
	check(mz_header_same_columns(h, h2));
	check(strcmp(h->processing, h2->processing) == 0);
	for (size_t j = 0; j < h->ncols; j++) {
		const char *u1 = h->cols[j].unit, *u2 = h2->cols[j].unit;
		check((u1 == NULL) == (u2 == NULL));
		check(u1 == NULL || strcmp(u1, u2) == 0);
		check(cJSON_Compare(h->cols[j].extra, h2->cols[j].extra, 1) ||
		    (h->cols[j].extra == NULL && h2->cols[j].extra == NULL));
	}
	char *j2 = mz_header_to_json(h2);
	check(j2 != NULL);
	if (strcmp(j1, j2) != 0)
		fprintf(stderr, "first:  %s\nsecond: %s\n", j1, j2);
	check(strcmp(j1, j2) == 0);
	free(j1);
	free(j2);
	mz_header_free(h2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mz_err e;
	/* An exact-size copy, so that ASan sees reads past the end. */
	char *text = malloc(size ? size : 1);

	if (text == NULL)
		return 0;
	if (size)
		memcpy(text, data, size);
	mz_header *h = mz_header_from_json(text, size, "fuzz", &e);
	if (h == NULL) {
		check(e.code == MZ_EFORMAT || e.code == MZ_ENOMEM);
		check(strncmp(e.msg, "fuzz: ", 6) == 0);
		free(text);
		return 0;
	}
	free(text);    /* the header must not point into the text */
	check(h->meta != NULL && cJSON_IsObject(h->meta));
	check(h->history != NULL && cJSON_IsArray(h->history));
	for (size_t j = 0; j < h->ncols; j++) {
		check(mz_header_find(h, h->cols[j].name) == (int)j);
		check(mz_type_size(h->cols[j].type) > 0);
	}
	roundtrip(h);

	mz_header *c = mz_header_copy(h);
	check(c != NULL && mz_header_same_columns(h, c));
	check(strcmp(c->processing, h->processing) == 0);
	cJSON *opts = cJSON_Duplicate(h->meta, 1);
	check(opts != NULL);
	check(mz_header_add_history(c, "mz-fuzz", "1", opts, NULL, &e) == 0);
	check(strcmp(c->processing, h->processing) != 0);
	check(cJSON_GetArraySize(c->history) ==
	    cJSON_GetArraySize(h->history) + 1);
	roundtrip(c);
	mz_header_free(c);
	mz_header_free(h);
	return 0;
}
