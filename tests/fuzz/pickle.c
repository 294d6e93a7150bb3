/*
 * pickle.c - libFuzzer target for mz-convert's safe pickle decoder
 * (tools/mz-convert/pickle.c), which reads PyTables attributes of files
 * users hand us: any input is parsed, and what parses is walked (repr,
 * numpy array decoding of every value, dictionary lookups) and freed.
 * Invariants: a rejection comes with a message; nothing crashes, leaks or
 * reads out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"

/* Values may be shared (the memo) and even cyclic, so the walk is bounded
 * by depth and by a budget of visits per input. */
static size_t budget;

static void
walk(const pk_value *v, int depth)
{
	char buf[256], err[128] = "";
	double *out = NULL;
	size_t n = 0;

	if (v == NULL || depth > PK_MAX_DEPTH + 2 || budget == 0)
		return;
	budget--;
	pk_repr(v, buf, sizeof(buf));
	if (pk_ndarray(v, &out, &n, err, sizeof(err)) == 0)
		free(out);
	else if (err[0] == '\0')
		abort();   /* a refusal must say why */
	(void)pk_ndarray_items(v);
	if (v->type == PK_DICT) {
		(void)pk_dict_get(v, "names", 0);
		(void)pk_dict_get(v, NULL, 0);
	}
	for (size_t i = 0; i < v->n; i++)
		walk(v->v[i], depth + 1);
	walk(v->args, depth + 1);
	walk(v->state, depth + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	pk_doc *doc = NULL;
	pk_value *v = pk_parse(data, size, &doc, err, sizeof(err));

	if (v == NULL && err[0] == '\0')
		abort();   /* a rejection must say why */
	budget = 20000;
	walk(v, 0);
	pk_free(doc);
	return 0;
}
