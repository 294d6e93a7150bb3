/*
 * mz-info - describe streams: parts, rows, columns, metadata, provenance
 * and sizes (see mz-info(1)).
 *
 * Every block of every input is read, so that every checksum and trailer
 * is verified, but only the frame column is decoded.  What is printed is
 * built in memory and written only once all the input has been read, so a
 * damaged stream prints nothing on standard output.  Memory grows with the
 * number of parts (one header copy each), not with their rows.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

#define SYNOPSIS "mz-info [-Hjpq] [file ...]"

#define TABLE_PARTS 20   /* parts the summary table lists without -p */
#define LIST_ITEMS 8     /* items of a list shown before "..." */
#define LABEL 13         /* width of the summary's labels */
#define WIDTH 78         /* the summary's line width */
#define CELL 30          /* widest table cell */
#define OPTS_SHOWN 48    /* widest options object in a compact chain */

/* One input file. */
struct file {
	char *name;           /* as given; "<stdin>" for standard input */
	size_t parts;
	uint64_t rows, bytes; /* bytes: the whole stream, as read */
};

/* One part of the input, as it was read. */
struct part {
	size_t file;          /* index in the file list */
	mz_header *h;         /* a copy of its header */
	uint64_t rows, blocks;
	uint64_t stored;      /* bytes of its BLCK chunks, frames included */
	uint64_t raw;         /* rows x row size */
	int frames;           /* fmin and fmax are set */
	int64_t fmin, fmax;
	size_t schema;        /* index of its column list in info.schema */
};

/* Everything read, and the distinct values derived from it. */
struct info {
	struct file *files;
	size_t nfiles;
	struct part *parts;
	size_t nparts, cap;
	size_t *schema;       /* the first part of each distinct column list */
	size_t nschema;
	size_t *chain;        /* the first part of each processing hash */
	size_t nchain;
	uint64_t rows, stored, raw;
};

/* jset: add v to object o under key k, or to array o when k is NULL;
 * dies when v is NULL (out of memory) or the add fails. */
static void
jset(cJSON *o, const char *k, cJSON *v)
{
	if (v == NULL || !(k ? cJSON_AddItemToObject(o, k, v) :
	    cJSON_AddItemToArray(o, v)))
		die("out of memory");
}

/* jnew: the result of a cJSON constructor, or die when it is NULL. */
static cJSON *
jnew(cJSON *v)
{
	if (v == NULL)
		die("out of memory");
	return v;
}

/* frame_column: the index of h's integer column named "frame", or -1. */
static int
frame_column(const mz_header *h)
{
	int j = mz_header_find(h, "frame");

	return j >= 0 && !mz_type_isfloat(h->cols[j].type) ? j : -1;
}

/* same_schema: 1 if a and b have the same column names, types and units
 * in the same order. */
static int
same_schema(const mz_header *a, const mz_header *b)
{
	if (!mz_header_same_columns(a, b))
		return 0;
	for (size_t j = 0; j < a->ncols; j++) {
		const char *ua = a->cols[j].unit, *ub = b->cols[j].unit;
		if ((ua == NULL) != (ub == NULL) || (ua && strcmp(ua, ub)))
			return 0;
	}
	return 1;
}

/*
 * classify: set p->schema, adding its column list and its processing hash
 * to the distinct ones of in when they are new.  p is in->parts[i].
 */
static void
classify(struct info *in, size_t i)
{
	struct part *p = &in->parts[i];
	size_t k;

	for (k = 0; k < in->nschema; k++)
		if (same_schema(in->parts[in->schema[k]].h, p->h))
			break;
	if (k == in->nschema) {
		in->schema = xrealloc(in->schema, (k + 1) * sizeof(size_t));
		in->schema[in->nschema++] = i;
	}
	p->schema = k;
	for (k = 0; k < in->nchain; k++)
		if (strcmp(in->parts[in->chain[k]].h->processing,
		    p->h->processing) == 0)
			return;
	in->chain = xrealloc(in->chain, (k + 1) * sizeof(size_t));
	in->chain[in->nchain++] = i;
}

/*
 * read_input: read every part and block of the stream path (NULL or "-":
 * standard input) into in, verifying it all; dies on any error.  *done
 * counts the bytes read before this input, for the progress bar.
 */
static void
read_input(struct info *in, const char *path, progress *pr, uint64_t *done)
{
	struct file *f;
	mz_reader *r;
	mz_block b;
	mz_err e;
	int rc;

	if ((r = mz_reader_open(path, &e)) == NULL)
		die_err(&e);
	in->files = xrealloc(in->files, (in->nfiles + 1) * sizeof(*in->files));
	f = &in->files[in->nfiles];
	*f = (struct file){ .name = xstrdup(mz_reader_name(r)) };
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		const mz_header *h = mz_reader_header(r);
		int fc = frame_column(h);
		unsigned char *want = xcalloc(h->ncols + 1, 1);
		struct part *p;

		if (in->nparts == in->cap) {
			in->cap = in->cap ? 2 * in->cap : 16;
			in->parts = xrealloc(in->parts,
			    in->cap * sizeof(*in->parts));
		}
		p = &in->parts[in->nparts];
		*p = (struct part){ .file = in->nfiles };
		if ((p->h = mz_header_copy(h)) == NULL)
			die("out of memory");
		if (fc >= 0)
			want[fc] = 1;
		mz_reader_want(r, want);
		free(want);
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			size_t len;
			mz_reader_raw_block(r, &len);
			p->stored += len;
			p->rows += b.nrows;
			p->blocks++;
			for (size_t i = 0; fc >= 0 && i < b.nrows; i++) {
				int64_t v = mz_get_i64(b.cols[fc],
				    h->cols[fc].type, i);
				if (!p->frames || v < p->fmin)
					p->fmin = v;
				if (!p->frames || v > p->fmax)
					p->fmax = v;
				p->frames = 1;
			}
			progress_update(pr, *done + mz_reader_offset(r));
		}
		if (rc < 0)
			die_err(&e);
		p->raw = p->rows * mz_header_row_size(h);
		f->parts++;
		f->rows += p->rows;
		in->rows += p->rows;
		in->stored += p->stored;
		in->raw += p->raw;
		classify(in, in->nparts++);
	}
	if (rc < 0)
		die_err(&e);
	f->bytes = mz_reader_offset(r);
	*done += f->bytes;
	in->nfiles++;
	mz_reader_close(r);
}

/* duration: the seconds p covers at its fps, or NAN without an fps. */
static double
duration(const struct part *p)
{
	double fps = mz_meta_num(p->h, "fps", 0);

	return fps > 0 && isfinite(fps) ? (double)p->rows / fps : NAN;
}

/* ---------------------------------------------------------- derived */

/*
 * distinct_values: the distinct values of meta key across the parts, in
 * order of first appearance (a new array; empty if no part has the key).
 */
static cJSON *
distinct_values(const struct info *in, const char *key)
{
	cJSON *a = jnew(cJSON_CreateArray()), *x;

	for (size_t i = 0; i < in->nparts; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		    in->parts[i].h->meta, key);
		if (v == NULL)
			continue;
		cJSON_ArrayForEach(x, a)
			if (cJSON_Compare(x, v, 1))
				break;
		if (x == NULL)
			jset(a, NULL, cJSON_Duplicate(v, 1));
	}
	return a;
}

/*
 * split_meta: the metadata keys of all parts, in order of first
 * appearance, split into those every part has with one value (returned as
 * a new object with that value) and the others (their names added to the
 * array varying, which may be NULL).
 */
static cJSON *
split_meta(const struct info *in, cJSON *varying)
{
	cJSON *common = jnew(cJSON_CreateObject()), *seen, *k;

	seen = jnew(cJSON_CreateObject());
	for (size_t i = 0; i < in->nparts; i++)
		cJSON_ArrayForEach(k, in->parts[i].h->meta) {
			const cJSON *v0;
			size_t j;

			if (cJSON_GetObjectItemCaseSensitive(seen, k->string))
				continue;
			jset(seen, k->string, cJSON_CreateTrue());
			v0 = cJSON_GetObjectItemCaseSensitive(
			    in->parts[0].h->meta, k->string);
			for (j = 0; v0 != NULL && j < in->nparts; j++)
				if (!cJSON_Compare(v0, cJSON_GetObjectItemCaseSensitive(
				    in->parts[j].h->meta, k->string), 1))
					break;
			if (v0 != NULL && j == in->nparts)
				jset(common, k->string, cJSON_Duplicate(v0, 1));
			else if (varying != NULL)
				jset(varying, NULL, cJSON_CreateString(
				    k->string));
		}
	cJSON_Delete(seen);
	return common;
}

/* chain_parts: how many parts have the processing hash of chain k. */
static size_t
chain_parts(const struct info *in, size_t k)
{
	const char *hash = in->parts[in->chain[k]].h->processing;
	size_t n = 0;

	for (size_t i = 0; i < in->nparts; i++)
		n += strcmp(in->parts[i].h->processing, hash) == 0;
	return n;
}

/* ------------------------------------------------------------- JSON */

/* column_json: column c as its header writes it, with "unit" null when
 * it has none. */
static cJSON *
column_json(const mz_column *c)
{
	cJSON *o = jnew(cJSON_CreateObject()), *x;

	jset(o, "name", cJSON_CreateString(c->name));
	jset(o, "type", cJSON_CreateString(mz_type_name(c->type)));
	jset(o, "unit", c->unit ? cJSON_CreateString(c->unit) :
	    cJSON_CreateNull());
	if (c->extra != NULL)
		cJSON_ArrayForEach(x, c->extra)
			jset(o, x->string, cJSON_Duplicate(x, 1));
	return o;
}

/* columns_json: the columns of h as an array of column_json objects. */
static cJSON *
columns_json(const mz_header *h)
{
	cJSON *a = jnew(cJSON_CreateArray());

	for (size_t j = 0; j < h->ncols; j++)
		jset(a, NULL, column_json(&h->cols[j]));
	return a;
}

/* num_or_null: v as a JSON number, or null when ok is 0 or v is NaN. */
static cJSON *
num_or_null(int ok, double v)
{
	return ok && !isnan(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* part_json: part i of in as mz-info(1) documents it. */
static cJSON *
part_json(const struct info *in, size_t i)
{
	const struct part *p = &in->parts[i];
	cJSON *o = jnew(cJSON_CreateObject());

	jset(o, "index", cJSON_CreateNumber((double)i));
	jset(o, "file", cJSON_CreateString(in->files[p->file].name));
	jset(o, "rows", cJSON_CreateNumber((double)p->rows));
	jset(o, "blocks", cJSON_CreateNumber((double)p->blocks));
	jset(o, "stored_bytes", cJSON_CreateNumber((double)p->stored));
	jset(o, "raw_bytes", cJSON_CreateNumber((double)p->raw));
	jset(o, "frame_min", num_or_null(p->frames, (double)p->fmin));
	jset(o, "frame_max", num_or_null(p->frames, (double)p->fmax));
	jset(o, "duration", num_or_null(1, duration(p)));
	jset(o, "schema", cJSON_CreateNumber((double)p->schema));
	jset(o, "processing", cJSON_CreateString(p->h->processing));
	jset(o, "columns", columns_json(p->h));
	jset(o, "meta", cJSON_Duplicate(p->h->meta, 1));
	jset(o, "history", cJSON_Duplicate(p->h->history, 1));
	return o;
}

/* info_json: the -j document for in (a new object). */
static cJSON *
info_json(const struct info *in)
{
	cJSON *d = jnew(cJSON_CreateObject()), *a;

	a = jnew(cJSON_CreateArray());
	for (size_t i = 0; i < in->nfiles; i++) {
		cJSON *f = jnew(cJSON_CreateObject());
		jset(f, "name", cJSON_CreateString(in->files[i].name));
		jset(f, "parts", cJSON_CreateNumber((double)in->files[i].parts));
		jset(f, "rows", cJSON_CreateNumber((double)in->files[i].rows));
		jset(f, "bytes", cJSON_CreateNumber((double)in->files[i].bytes));
		jset(a, NULL, f);
	}
	jset(d, "files", a);
	jset(d, "total_parts", cJSON_CreateNumber((double)in->nparts));
	jset(d, "total_rows", cJSON_CreateNumber((double)in->rows));
	jset(d, "stored_bytes", cJSON_CreateNumber((double)in->stored));
	jset(d, "raw_bytes", cJSON_CreateNumber((double)in->raw));
	a = jnew(cJSON_CreateArray());
	for (size_t k = 0; k < in->nschema; k++)
		jset(a, NULL, columns_json(in->parts[in->schema[k]].h));
	jset(d, "schemas", a);
	jset(d, "columns", in->nschema == 1 ?
	    columns_json(in->parts[0].h) : cJSON_CreateNull());
	jset(d, "meta", split_meta(in, NULL));
	jset(d, "groups", distinct_values(in, "group"));
	jset(d, "sequences", distinct_values(in, "sequence"));
	jset(d, "individuals", distinct_values(in, "individual"));
	a = jnew(cJSON_CreateArray());
	for (size_t k = 0; k < in->nchain; k++)
		jset(a, NULL, cJSON_CreateString(
		    in->parts[in->chain[k]].h->processing));
	jset(d, "processing", a);
	a = jnew(cJSON_CreateArray());
	for (size_t i = 0; i < in->nparts; i++)
		jset(a, NULL, part_json(in, i));
	jset(d, "parts", a);
	return d;
}

/* ---------------------------------------------------------- summary */

static void put_value(FILE *f, const cJSON *v);

/* put_items: the items of array a, comma-separated, each as put_value
 * writes it, the ones after the first LIST_ITEMS replaced by a count. */
static void
put_items(FILE *f, const cJSON *a)
{
	int n = cJSON_GetArraySize(a), i = 0;
	const cJSON *x;

	cJSON_ArrayForEach(x, a) {
		if (i == LIST_ITEMS && n > LIST_ITEMS + 1) {
			fprintf(f, ", ... (%d in all)", n);
			return;
		}
		if (i++ > 0)
			fputs(", ", f);
		put_value(f, x);
	}
}

/*
 * put_value: v as the summary shows it: a string bare (control characters
 * as '?'), a number in its shortest form, an array as [a, b, ...], an
 * object as compact JSON.
 */
static void
put_value(FILE *f, const cJSON *v)
{
	char buf[32], *s;

	if (cJSON_IsString(v)) {
		for (const unsigned char *c = (const unsigned char *)
		    v->valuestring; *c; c++)
			fputc(*c < 0x20 || *c == 0x7f ? '?' : *c, f);
	} else if (cJSON_IsNumber(v)) {
		mz_fmt_f64(v->valuedouble, buf);
		fputs(buf, f);
	} else if (cJSON_IsArray(v)) {
		fputc('[', f);
		put_items(f, v);
		fputc(']', f);
	} else {
		if ((s = cJSON_PrintUnformatted(v)) == NULL)
			die("out of memory");
		fputs(s, f);
		free(s);
	}
}

/* width: the display width of UTF-8 text s (its code points). */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* clip: cut s to at most max (>= 3) code points, ending in "..." if
 * cut. */
static void
clip(char *s, size_t max)
{
	size_t n = 0, i;

	if (width(s) <= max)
		return;
	for (i = 0; s[i] && n < max - 3; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	while (((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	strcpy(s + i, "...");
}

/* text_of: what put writes for v (put_value or put_items), cut to max
 * code points; malloc'd. */
static char *
text_of(void (*put)(FILE *, const cJSON *), const cJSON *v, size_t max)
{
	char *s = NULL;
	size_t len;
	FILE *m = open_memstream(&s, &len);

	if (m == NULL)
		die("out of memory");
	put(m, v);
	if (fclose(m) != 0)
		die("out of memory");
	s = xrealloc(s, len + 4);
	clip(s, max);
	return s;
}

/* label: start a summary line with label (NULL: a continuation). */
static void
label(FILE *f, const char *name)
{
	fprintf(f, "%-*s", LABEL, name ? name : "");
}

/*
 * put_wrapped: the n items as one list after name, separated by ", " and
 * wrapped to WIDTH with continuation lines under the first item.
 */
static void
put_wrapped(FILE *f, const char *name, char *const *items, size_t n)
{
	size_t col = LABEL;

	label(f, name);
	for (size_t i = 0; i < n; i++) {
		size_t w = width(items[i]) + (i + 1 < n);
		if (i > 0 && col + 1 + w > WIDTH) {
			fputc('\n', f);
			label(f, NULL);
			col = LABEL;
		} else if (i > 0) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%s%s", items[i], i + 1 < n ? "," : "");
		col += w;
	}
	fputc('\n', f);
}

/* fmt_bytes: n bytes as "123 B", "45.6 KiB", "7.8 MiB", ... into buf. */
static void
fmt_bytes(uint64_t n, char buf[32])
{
	static const char *unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int u = -1;

	if (n < 10240) {
		snprintf(buf, 32, "%" PRIu64 " B", n);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.1f %s", v, unit[u]);
}

/* fmt_duration: s seconds as "12.3s", "4m05.6s" or "7h08m09s". */
static void
fmt_duration(double s, char buf[32])
{
	double t = round(s * 10) / 10;
	long long r = llround(s);

	if (t < 60)
		snprintf(buf, 32, "%.1fs", t);
	else if (t < 3600)
		snprintf(buf, 32, "%dm%04.1fs", (int)(t / 60),
		    t - 60 * floor(t / 60));
	else
		snprintf(buf, 32, "%lldh%02lldm%02llds", r / 3600,
		    r % 3600 / 60, r % 60);
}

/* put_entry: history entry x as "tool version {options} (N parents)", the
 * options object cut to OPTS_SHOWN code points unless full. */
static void
put_entry(FILE *f, const cJSON *x, int full)
{
	const cJSON *tool = cJSON_GetObjectItemCaseSensitive(x, "tool");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(x, "version");
	const cJSON *opt = cJSON_GetObjectItemCaseSensitive(x, "options");
	const cJSON *par = cJSON_GetObjectItemCaseSensitive(x, "parents");

	fprintf(f, "%s %s", cJSON_IsString(tool) ? tool->valuestring : "?",
	    cJSON_IsString(ver) ? ver->valuestring : "?");
	if (cJSON_GetArraySize(opt) > 0) {
		char *o = cJSON_PrintUnformatted(opt);
		if (o == NULL || (o = realloc(o, strlen(o) + 4)) == NULL)
			die("out of memory");
		if (!full)
			clip(o, OPTS_SHOWN);
		fprintf(f, " %s", o);
		free(o);
	}
	if (cJSON_GetArraySize(par) > 0)
		fprintf(f, " (%d parent%s)", cJSON_GetArraySize(par),
		    cJSON_GetArraySize(par) == 1 ? "" : "s");
}

/* put_chain: history array h in one line, "entry -> entry ...", or
 * "(none)". */
static void
put_chain(FILE *f, const cJSON *h)
{
	const cJSON *x;

	if (cJSON_GetArraySize(h) == 0)
		fputs("(none)", f);
	cJSON_ArrayForEach(x, h) {
		if (x != h->child)
			fputs(" -> ", f);
		put_entry(f, x, 0);
	}
}

/* put_columns: the columns line(s): the list when all parts share it,
 * else the number of distinct lists. */
static void
put_columns(FILE *f, const struct info *in)
{
	const mz_header *h = in->parts[0].h;
	size_t lo = SIZE_MAX, hi = 0;
	char **items;

	label(f, "columns:");
	if (in->nschema > 1) {
		for (size_t k = 0; k < in->nschema; k++) {
			size_t n = in->parts[in->schema[k]].h->ncols;
			lo = n < lo ? n : lo;
			hi = n > hi ? n : hi;
		}
		fprintf(f, "%zu schemas of %zu", in->nschema, lo);
		if (hi > lo)
			fprintf(f, " to %zu", hi);
		fputs(" columns (see the table)\n", f);
		return;
	}
	fprintf(f, "%zu\n", h->ncols);
	if (h->ncols == 0)
		return;
	items = xcalloc(h->ncols, sizeof(*items));
	for (size_t j = 0; j < h->ncols; j++) {
		const mz_column *c = &h->cols[j];
		size_t n = strlen(c->name) + (c->unit ? strlen(c->unit) : 0) + 16;
		items[j] = xmalloc(n);
		snprintf(items[j], n, c->unit ? "%s %s [%s]" : "%s %s",
		    c->name, mz_type_name(c->type), c->unit);
	}
	put_wrapped(f, NULL, items, h->ncols);
	for (size_t j = 0; j < h->ncols; j++)
		free(items[j]);
	free(items);
}

/* put_distinct: "name N (a, b, ...)", the distinct values of meta key,
 * when any part has the key. */
static void
put_distinct(FILE *f, const struct info *in, const char *key,
    const char *name)
{
	cJSON *a = distinct_values(in, key);

	if (cJSON_GetArraySize(a) > 0) {
		char *s = text_of(put_items, a, WIDTH - LABEL - 16);
		label(f, name);
		fprintf(f, "%d (%s)\n", cJSON_GetArraySize(a), s);
		free(s);
	}
	cJSON_Delete(a);
}

/* put_meta: the metadata all parts agree on, one key a line, then the
 * names of the keys that vary. */
static void
put_meta(FILE *f, const struct info *in)
{
	cJSON *varying = jnew(cJSON_CreateArray());
	cJSON *common = split_meta(in, varying), *k;
	int first = 1;

	cJSON_ArrayForEach(k, common) {
		size_t n = width(k->string);
		char *v = text_of(put_value, k, n + 12 < WIDTH - LABEL ?
		    WIDTH - LABEL - n - 1 : 12);
		label(f, first ? "meta:" : NULL);
		fprintf(f, "%s %s\n", k->string, v);
		free(v);
		first = 0;
	}
	if (cJSON_GetArraySize(varying) > 0) {
		char *v = text_of(put_items, varying, SIZE_MAX);
		label(f, "varies:");
		fprintf(f, "%s\n", v);
		free(v);
	}
	cJSON_Delete(common);
	cJSON_Delete(varying);
}

/* put_provenance: the processing hash and history chain, or one line per
 * distinct hash. */
static void
put_provenance(FILE *f, const struct info *in)
{
	if (in->nchain == 1) {
		label(f, "processing:");
		fprintf(f, "%s\n", in->parts[0].h->processing);
		label(f, "history:");
		put_chain(f, in->parts[0].h->history);
		fputc('\n', f);
		return;
	}
	label(f, "processing:");
	fprintf(f, "%zu distinct\n", in->nchain);
	for (size_t k = 0; k < in->nchain; k++) {
		const mz_header *h = in->parts[in->chain[k]].h;
		size_t n = chain_parts(in, k);
		label(f, NULL);
		fprintf(f, "%s (%zu part%s): ", h->processing, n,
		    n == 1 ? "" : "s");
		put_chain(f, h->history);
		fputc('\n', f);
	}
}

/* put_history: -H: every entry of each distinct history, in full. */
static void
put_history(FILE *f, const struct info *in)
{
	for (size_t k = 0; k < in->nchain; k++) {
		const mz_header *h = in->parts[in->chain[k]].h;
		const cJSON *x;
		size_t n = chain_parts(in, k);
		int i = 0;

		fprintf(f, "\nhistory of %s (%zu part%s):\n", h->processing, n,
		    n == 1 ? "" : "s");
		cJSON_ArrayForEach(x, h->history) {
			const cJSON *par = cJSON_GetObjectItemCaseSensitive(x,
			    "parents");
			const cJSON *pr = cJSON_GetObjectItemCaseSensitive(x,
			    "processing");

			fprintf(f, "%4d. ", ++i);
			put_entry(f, x, 1);
			fputc('\n', f);
			if (cJSON_GetArraySize(par) > 0) {
				fputs("      parents ", f);
				put_items(f, par);
				fputc('\n', f);
			}
			if (cJSON_IsString(pr))
				fprintf(f, "      processing %s\n",
				    pr->valuestring);
		}
	}
}

/* Columns of the parts table. */
enum { T_PART, T_FILE, T_GROUP, T_SEQ, T_IND, T_SCHEMA, T_ROWS, T_FRAMES,
	T_DUR, T_NCOL };

/* meta_cell: the table cell of meta key of h: its value or "-". */
static char *
meta_cell(const mz_header *h, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h->meta, key);

	return v ? text_of(put_value, v, CELL) : xstrdup("-");
}

/* put_table: the parts table: the first TABLE_PARTS parts, or all. */
static void
put_table(FILE *f, const struct info *in, int all)
{
	static const char *title[T_NCOL] = { "part", "file", "group",
	    "sequence", "individual", "schema", "rows", "frames", "duration" };
	static const char *key[T_NCOL] = { [T_GROUP] = "group",
	    [T_SEQ] = "sequence", [T_IND] = "individual" };
	size_t n = all || in->nparts <= TABLE_PARTS ? in->nparts : TABLE_PARTS;
	size_t w[T_NCOL];
	int show[T_NCOL] = { [T_PART] = 1, [T_ROWS] = 1 }, last = T_PART;
	char ***cell = xcalloc(n, sizeof(*cell)), buf[64];

	show[T_FILE] = in->nfiles > 1;
	show[T_SCHEMA] = in->nschema > 1;
	for (size_t i = 0; i < in->nparts; i++) {
		const struct part *p = &in->parts[i];
		for (int c = T_GROUP; c <= T_IND; c++)
			show[c] |= cJSON_GetObjectItemCaseSensitive(p->h->meta,
			    key[c]) != NULL;
		show[T_FRAMES] |= p->frames;
		show[T_DUR] |= !isnan(duration(p));
	}
	for (int c = 0; c < T_NCOL; c++)
		w[c] = strlen(title[c]);
	for (size_t i = 0; i < n; i++) {
		const struct part *p = &in->parts[i];
		double d = duration(p);

		cell[i] = xcalloc(T_NCOL, sizeof(**cell));
		snprintf(buf, sizeof(buf), "%zu", i);
		cell[i][T_PART] = xstrdup(buf);
		cell[i][T_FILE] = xstrdup(in->files[p->file].name);
		clip(cell[i][T_FILE], CELL);
		for (int c = T_GROUP; c <= T_IND; c++)
			cell[i][c] = meta_cell(p->h, key[c]);
		snprintf(buf, sizeof(buf), "%zu", p->schema);
		cell[i][T_SCHEMA] = xstrdup(buf);
		snprintf(buf, sizeof(buf), "%" PRIu64, p->rows);
		cell[i][T_ROWS] = xstrdup(buf);
		if (p->frames)
			snprintf(buf, sizeof(buf), "%" PRId64 "..%" PRId64,
			    p->fmin, p->fmax);
		else
			strcpy(buf, "-");
		cell[i][T_FRAMES] = xstrdup(buf);
		if (isnan(d))
			strcpy(buf, "-");
		else
			fmt_duration(d, buf);
		cell[i][T_DUR] = xstrdup(buf);
		for (int c = 0; c < T_NCOL; c++)
			if (width(cell[i][c]) > w[c])
				w[c] = width(cell[i][c]);
	}
	for (int c = 0; c < T_NCOL; c++)
		last = show[c] ? c : last;
	fputc('\n', f);
	for (size_t i = 0; i <= n; i++) {
		const char *sep = "";
		for (int c = 0; c < T_NCOL; c++) {
			const char *s = i == 0 ? title[c] : cell[i - 1][c];
			/* Numbers right-aligned, text left-aligned. */
			int right = c == T_PART || c == T_SCHEMA || c == T_ROWS ||
			    c == T_DUR;
			int pad = (int)(w[c] - width(s));
			if (!show[c])
				continue;
			fprintf(f, "%s%*s%s", sep, right ? pad : 0, "", s);
			/* No trailing blanks after the last column. */
			if (!right && c != last)
				fprintf(f, "%*s", pad, "");
			sep = "  ";
		}
		fputc('\n', f);
	}
	if (n < in->nparts)
		fprintf(f, "... and %zu more parts (-p lists all)\n",
		    in->nparts - n);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < T_NCOL; c++)
			free(cell[i][c]);
		free(cell[i]);
	}
	free(cell);
}

/* put_files: the files line: each input with its number of parts, those
 * after the first LIST_ITEMS replaced by a count. */
static void
put_files(FILE *f, const struct info *in)
{
	size_t n = in->nfiles > LIST_ITEMS + 1 ? LIST_ITEMS + 1 : in->nfiles;
	char **items = xcalloc(n, sizeof(*items));

	for (size_t i = 0; i < n; i++) {
		const struct file *fi = &in->files[i];
		size_t len = strlen(fi->name) + 64;
		items[i] = xmalloc(len);
		if (i == LIST_ITEMS && in->nfiles > LIST_ITEMS + 1)
			snprintf(items[i], len, "... (%zu in all)", in->nfiles);
		else
			snprintf(items[i], len, "%s (%zu part%s)", fi->name,
			    fi->parts, fi->parts == 1 ? "" : "s");
	}
	put_wrapped(f, "files:", items, n);
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* put_summary: the human summary of in (see mz-info(1)). */
static void
put_summary(FILE *f, const struct info *in, int all, int history)
{
	char a[32], b[32];
	double total = 0;
	int timed = in->nparts > 0;

	put_files(f, in);
	label(f, "parts:");
	fprintf(f, "%zu\n", in->nparts);
	label(f, "rows:");
	fprintf(f, "%" PRIu64 "\n", in->rows);
	if (in->nparts == 0)
		return;
	for (size_t i = 0; i < in->nparts; i++) {
		double d = duration(&in->parts[i]);
		timed &= !isnan(d);
		total += timed ? d : 0;
	}
	if (timed) {
		fmt_duration(total, a);
		label(f, "duration:");
		fprintf(f, "%s\n", a);
	}
	put_columns(f, in);
	put_distinct(f, in, "group", "groups:");
	put_distinct(f, in, "sequence", "sequences:");
	put_distinct(f, in, "individual", "individuals:");
	put_meta(f, in);
	put_provenance(f, in);
	fmt_bytes(in->stored, a);
	fmt_bytes(in->raw, b);
	label(f, "bytes:");
	fprintf(f, "%s stored, %s raw", a, b);
	if (in->stored > 0)
		fprintf(f, " (ratio %.2f)", (double)in->raw /
		    (double)in->stored);
	fputc('\n', f);
	put_table(f, in, all);
	if (history)
		put_history(f, in);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "history", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "parts", no_argument, NULL, 'p' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	struct info in = { 0 };
	int c, json = 0, all = 0, history = 0;
	uint64_t done = 0;
	char *text = NULL;
	size_t len;
	progress *pr;
	FILE *m;

	tool_init("mz-info", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "Hhjpq", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			history = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			all = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (json && (all || history))
		usage_error("-j lists every part and history: -p and -H are "
		    "for the summary");
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}

	pr = progress_start(prog, input_size(argv, argc));
	for (int i = 0; i < argc; i++)
		read_input(&in, argv[i], pr, &done);
	progress_end(pr);

	if (json) {
		cJSON *d = info_json(&in);
		if ((text = cJSON_PrintUnformatted(d)) == NULL)
			die("out of memory");
		cJSON_Delete(d);
		fputs(text, stdout);
		fputc('\n', stdout);
	} else {
		if ((m = open_memstream(&text, &len)) == NULL)
			die("out of memory");
		put_summary(m, &in, all, history);
		if (fclose(m) != 0)
			die("out of memory");
		fwrite(text, 1, len, stdout);
	}
	free(text);
	for (size_t i = 0; i < in.nparts; i++)
		mz_header_free(in.parts[i].h);
	for (size_t i = 0; i < in.nfiles; i++)
		free(in.files[i].name);
	free(in.parts);
	free(in.files);
	free(in.schema);
	free(in.chain);
	finish_stdout();
	return 0;
}
