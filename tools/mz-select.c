/*
 * mz-select - keep, drop, rename and reorder the columns of streams (see
 * mz-select(1)).
 *
 * The selection is resolved anew for each part from its header, so parts
 * with different schemas can be selected with one pattern list.  Only the
 * selected columns are decoded (mz_reader_want); each block is re-encoded
 * with the selected columns, so memory depends on the block size, not on
 * the number of rows.  By default the output takes the codec of the first
 * block read (the output is opened only then), so that a compressed input
 * gives a compressed output and a raw one a raw output.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-select [-fq] [-c columns] [-r old=new,...] [-x columns] " \
	"[--codec codec] [--ignore-missing] [-o file] [file ...]"

enum { OPT_CODEC = OPT_FIRST_TOOL_OPT, OPT_IGNORE };

/* The progress bar (silent unless stderr is a terminal), and the bytes of
 * the inputs read before the current one. */
static progress *pr;
static uint64_t done_before;

/* A list of strings, in order (patterns, or rename pairs). */
struct list {
	char **v;
	size_t n;
};

/* The options that decide the output. */
struct sel {
	struct list cols;      /* -c patterns, as given (escapes kept) */
	int all;               /* no -c: every column */
	struct list drop;      /* -x patterns */
	struct list from, to;  /* -r pairs, unescaped */
	int ignore;            /* --ignore-missing */
};

/* The output, opened when the first block (or the first part without
 * blocks) shows which codec to use. */
struct out {
	const char *path;
	int force;
	int codec_given;
	mz_wopts wo;
	mz_writer *w;
};

/* list_add: append a copy of s to l. */
static void
list_add(struct list *l, const char *s, size_t len)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n] = xmalloc(len + 1);
	memcpy(l->v[l->n], s, len);
	l->v[l->n][len] = '\0';
	l->n++;
}

/* list_free: free the strings of l and its array. */
static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * split_list: append the items of the comma-separated list s to l.  A
 * backslash escapes the next character (kept in the item: fnmatch(3) reads
 * it as an escape too); empty items are a usage error naming what.
 */
static void
split_list(struct list *l, const char *s, const char *what)
{
	const char *p = s, *start = s;

	for (;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == ',' || *p == '\0') {
			if (p == start)
				usage_error("empty column name in %s '%s'",
				    what, s);
			list_add(l, start, (size_t)(p - start));
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
}

/* unescape: remove the backslash escapes of s in place. */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		*d++ = *s;
	}
	*d = '\0';
}

/*
 * parse_renames: add the old=new pairs of the list s to sel, unescaped.
 * Usage error for an item without '=', an empty name, or an old name
 * given twice.
 */
static void
parse_renames(struct sel *sel, const char *s)
{
	struct list items = { 0 };

	split_list(&items, s, "-r");
	for (size_t i = 0; i < items.n; i++) {
		char *it = items.v[i], *eq = NULL;

		for (char *p = it; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '=') {
				eq = p;
				break;
			}
		}
		if (eq == NULL)
			usage_error("bad rename '%s': expected old=new", it);
		*eq = '\0';
		unescape(it);
		unescape(eq + 1);
		if (*it == '\0' || eq[1] == '\0')
			usage_error("bad rename '%s=%s': empty column name",
			    it, eq + 1);
		for (size_t k = 0; k < sel->from.n; k++)
			if (strcmp(sel->from.v[k], it) == 0)
				usage_error("column '%s' renamed twice", it);
		list_add(&sel->from, it, strlen(it));
		list_add(&sel->to, eq + 1, strlen(eq + 1));
	}
	list_free(&items);
}

/* matches_any: 1 if name matches one of the patterns of l. */
static int
matches_any(const struct list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (fnmatch(l->v[i], name, 0) == 0)
			return 1;
	return 0;
}

/*
 * resolve: the output columns of a part with header h: fills idx[0..*n)
 * with input column indices in output order and names[k] (borrowed from h
 * or sel) with their output names.  Dies (exit 1) with where ("file: part
 * N") for a pattern or rename that matches nothing (unless --ignore-missing),
 * a duplicate output name, or an empty selection (unless the part has no
 * columns at all, which it then keeps).
 */
static void
resolve(const struct sel *sel, const mz_header *h, const char *where,
    size_t *idx, const char **names, size_t *n)
{
	unsigned char *taken = xcalloc(h->ncols + 1, 1);
	size_t k = 0;

	if (sel->all) {
		for (size_t j = 0; j < h->ncols; j++)
			idx[k++] = j;
		memset(taken, 1, h->ncols);
	}
	for (size_t i = 0; i < sel->cols.n; i++) {
		int hit = 0;

		for (size_t j = 0; j < h->ncols; j++) {
			if (fnmatch(sel->cols.v[i], h->cols[j].name, 0) != 0)
				continue;
			hit = 1;
			if (!taken[j]) {
				taken[j] = 1;
				idx[k++] = j;
			}
		}
		if (!hit && !sel->ignore)
			die("%s: no column matches '%s'", where,
			    sel->cols.v[i]);
	}
	for (size_t i = 0; i < sel->drop.n && !sel->ignore; i++) {
		size_t j = 0;

		while (j < h->ncols &&
		    fnmatch(sel->drop.v[i], h->cols[j].name, 0) != 0)
			j++;
		if (j == h->ncols)
			die("%s: no column matches '%s' (-x)", where,
			    sel->drop.v[i]);
	}
	if (sel->drop.n > 0) {
		size_t m = 0;

		for (size_t i = 0; i < k; i++)
			if (!matches_any(&sel->drop, h->cols[idx[i]].name))
				idx[m++] = idx[i];
		k = m;
	}
	for (size_t i = 0; i < k; i++)
		names[i] = h->cols[idx[i]].name;
	for (size_t r = 0; r < sel->from.n; r++) {
		size_t i = 0;

		while (i < k && strcmp(h->cols[idx[i]].name,
		    sel->from.v[r]) != 0)
			i++;
		if (i < k)
			names[i] = sel->to.v[r];
		else if (!sel->ignore)
			die("%s: no selected column '%s' to rename", where,
			    sel->from.v[r]);
	}
	for (size_t i = 0; i < k; i++)
		for (size_t m = 0; m < i; m++)
			if (strcmp(names[i], names[m]) == 0)
				die("%s: duplicate output column '%s' "
				    "(from '%s' and '%s')", where, names[i],
				    h->cols[idx[m]].name,
				    h->cols[idx[i]].name);
	if (k == 0 && h->ncols > 0)
		die("%s: no columns selected", where);
	free(taken);
	*n = k;
}

/*
 * out_header: the output header: the columns idx[0..n) of h (with their
 * units and other keys) named names[k], h's metadata and history, and a
 * history entry with opts (copied).  The caller frees it.
 */
static mz_header *
out_header(const mz_header *h, const size_t *idx, const char **names,
    size_t n, const cJSON *opts, const char *where)
{
	char *text = mz_header_to_json(h), *out;
	cJSON *doc, *cols, *ncols;
	mz_header *oh;
	mz_err e;

	if (text == NULL || (doc = cJSON_Parse(text)) == NULL)
		die("out of memory");
	free(text);
	cols = cJSON_GetObjectItemCaseSensitive(doc, "columns");
	if ((ncols = cJSON_CreateArray()) == NULL)
		die("out of memory");
	for (size_t k = 0; k < n; k++) {
		cJSON *c = cJSON_Duplicate(cJSON_GetArrayItem(cols,
		    (int)idx[k]), 1), *nm = cJSON_CreateString(names[k]);

		if (c == NULL || nm == NULL ||
		    !cJSON_ReplaceItemInObjectCaseSensitive(c, "name", nm))
			die("out of memory");
		cJSON_AddItemToArray(ncols, c);
	}
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "columns", ncols);
	if ((out = cJSON_PrintUnformatted(doc)) == NULL)
		die("out of memory");
	cJSON_Delete(doc);
	if ((oh = mz_header_from_json(out, strlen(out), where, &e)) == NULL)
		die_err(&e);
	free(out);
	history_add(oh, cJSON_Duplicate(opts, 1));
	return oh;
}

/*
 * out_open: the output writer, opened on first use.  Without --codec, the
 * codec is that of block columns cols[0..n) of r's last block (the most
 * common compressed codec among them, else raw), or the auto rule when r
 * is NULL (no block read yet).
 */
static mz_writer *
out_open(struct out *o, const mz_reader *r, const size_t *cols, size_t n)
{
	if (o->w != NULL)
		return o->w;
	if (!o->codec_given) {
		size_t cnt[3] = { 0, 0, 0 };

		o->wo.codec = MZ_CODEC_AUTO;
		for (size_t k = 0; r != NULL && k < n; k++) {
			int c = mz_reader_block_codec(r, cols[k]);
			if (c >= 0 && c < 3)
				cnt[c]++;
		}
		if (r != NULL)
			o->wo.codec = cnt[MZ_CODEC_ZSTD] + cnt[MZ_CODEC_SHUFFLE]
			    == 0 ? MZ_CODEC_RAW : cnt[MZ_CODEC_ZSTD] >
			    cnt[MZ_CODEC_SHUFFLE] ? MZ_CODEC_ZSTD :
			    MZ_CODEC_SHUFFLE;
	}
	o->w = out_writer(o->path, o->force, &o->wo);
	return o->w;
}

/*
 * select_part: write the selection of the current part of r to the output,
 * with a history entry of opts.
 */
static void
select_part(mz_reader *r, const struct sel *sel, struct out *o,
    const cJSON *opts)
{
	const mz_header *h = mz_reader_header(r);
	size_t *idx = xcalloc(h->ncols + 1, sizeof(*idx)), n, nb = 0;
	const char **names = xcalloc(h->ncols + 1, sizeof(*names));
	unsigned char *want = xcalloc(h->ncols + 1, 1);
	const void **cols;
	mz_header *oh;
	char where[4096];
	mz_block b;
	mz_err e;
	int rc;

	snprintf(where, sizeof(where), "%s: part %zu", mz_reader_name(r),
	    mz_reader_part_index(r));
	resolve(sel, h, where, idx, names, &n);
	oh = out_header(h, idx, names, n, opts, where);
	cols = xcalloc(n, sizeof(*cols));
	for (size_t k = 0; k < n; k++)
		want[idx[k]] = 1;
	mz_reader_want(r, want);
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
		mz_writer *w = o->w;

		if (nb++ == 0) {
			w = out_open(o, r, idx, n);
			if (mz_writer_begin_part(w, oh, &e) < 0)
				die_err(&e);
		}
		for (size_t k = 0; k < n; k++)
			cols[k] = b.cols[idx[k]];
		if (mz_writer_append(w, b.nrows, cols, &e) < 0)
			die_err(&e);
		progress_update(pr, done_before + mz_reader_offset(r));
	}
	if (rc < 0)
		die_err(&e);
	if (nb == 0 && mz_writer_begin_part(out_open(o, NULL, NULL, 0), oh,
	    &e) < 0)
		die_err(&e);
	if (mz_writer_end_part(o->w, &e) < 0)
		die_err(&e);
	mz_header_free(oh);
	free(cols);
	free(want);
	free(names);
	free(idx);
}

/* opts_list: set key of opts to an array of the strings of l, or to null
 * when null_if_empty and l is empty. */
static void
opts_list(cJSON *opts, const char *key, const struct list *l,
    int null_if_empty)
{
	cJSON *a;

	if (null_if_empty && l->n == 0) {
		if (cJSON_AddNullToObject(opts, key) == NULL)
			die("out of memory");
		return;
	}
	if ((a = cJSON_AddArrayToObject(opts, key)) == NULL)
		die("out of memory");
	for (size_t i = 0; i < l->n; i++) {
		cJSON *s = cJSON_CreateString(l->v[i]);
		if (s == NULL || !cJSON_AddItemToArray(a, s))
			die("out of memory");
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, OPT_CODEC },
		{ "columns", required_argument, NULL, 'c' },
		{ "drop", required_argument, NULL, 'x' },
		{ "force", no_argument, NULL, 'f' },
		{ "ignore-missing", no_argument, NULL, OPT_IGNORE },
		{ "output", required_argument, NULL, 'o' },
		{ "rename", required_argument, NULL, 'r' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	struct sel sel = { 0 };
	struct out o = { NULL, 0, 0, { MZ_CODEC_AUTO, 0, 0, 0 }, NULL };
	cJSON *opts, *ren;
	int c;

	tool_init("mz-select", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:fho:qr:x:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			split_list(&sel.cols, optarg, "-c");
			break;
		case 'f':
			o.force = 1;
			break;
		case 'o':
			o.path = optarg;
			break;
		case 'r':
			parse_renames(&sel, optarg);
			break;
		case 'x':
			split_list(&sel.drop, optarg, "-x");
			break;
		case OPT_CODEC:
			o.wo.codec = parse_codec(optarg);
			o.codec_given = 1;
			break;
		case OPT_IGNORE:
			sel.ignore = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	check_inputs(argv, argc);
	pr = progress_start(prog, input_size(argv, argc));
	sel.all = sel.cols.n == 0;

	opts = opts_new();
	opts_list(opts, "columns", &sel.cols, 1);
	opts_list(opts, "drop", &sel.drop, 0);
	if ((ren = cJSON_AddObjectToObject(opts, "rename")) == NULL)
		die("out of memory");
	for (size_t i = 0; i < sel.from.n; i++)
		if (cJSON_AddStringToObject(ren, sel.from.v[i],
		    sel.to.v[i]) == NULL)
			die("out of memory");
	opts_bool(opts, "ignore_missing", sel.ignore);

	for (int i = 0; i < argc; i++) {
		mz_err e;
		mz_reader *r = mz_reader_open(argv[i], &e);
		int rc;

		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0)
			select_part(r, &sel, &o, opts);
		if (rc < 0)
			die_err(&e);
		done_before += mz_reader_offset(r);
		mz_reader_close(r);
	}
	progress_end(pr);
	out_close(out_open(&o, NULL, NULL, 0));
	cJSON_Delete(opts);
	list_free(&sel.cols);
	list_free(&sel.drop);
	list_free(&sel.from);
	list_free(&sel.to);
	return 0;
}
