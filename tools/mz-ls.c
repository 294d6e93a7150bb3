/*
 * mz-ls - list the groups, sequences and metadata of a dataset, or the
 * videos of its sequences (see mz-ls(1)).
 *
 * The rows come from one index.csv (tracks by default), read without
 * locking: an index is only ever replaced whole by a rename, so a reader
 * sees either the old file or the new one.  Filters select rows by their
 * group and sequence as mosaic's query_sequences does; --levels splits
 * the names into hierarchy columns as its get_sequence_metadata does.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dataset.h"

#define SYNOPSIS \
	"mz-ls [-qt] [-d dataset] [-g group] [-i index] [-L levels] " \
	"[-s sequence] [--separator sep] [--group-contains text] " \
	"[--group-startswith text] [--group-endswith text] " \
	"[--sequence-contains text] [--sequence-startswith text] " \
	"[--sequence-endswith text] [-G | -S | -l | -m]"

enum { OPT_SEP = OPT_FIRST_TOOL_OPT, OPT_GC, OPT_GS, OPT_GE, OPT_SC,
	OPT_SS, OPT_SE };

/* A text filter on the group (field 0) or sequence (field 1). */
enum { F_EXACT, F_CONTAINS, F_STARTS, F_ENDS };
struct filter {
	int field, kind;
	const char *text;
};

/* The options. */
struct opts {
	const char *dataset;
	const char *index;      /* root name */
	int tsv;
	char mode;              /* 0 pairs, 'G', 'S', 'l', 'm' */
	char **levels;          /* -L names */
	size_t nlevels;
	const char *sep;
	struct filter *f;
	size_t nf;
};

/* ------------------------------------------------------------ output */

/* put_field: one field of a record: CSV quoted as ds_table_write does
 * (when it holds ',', '"', CR or LF), or TSV with backslash escapes for
 * tab, newline, carriage return and backslash. */
static void
put_field(const char *s, int tsv)
{
	if (s == NULL)
		return;
	if (tsv) {
		for (; *s; s++)
			switch (*s) {
			case '\t': fputs("\\t", stdout); break;
			case '\n': fputs("\\n", stdout); break;
			case '\r': fputs("\\r", stdout); break;
			case '\\': fputs("\\\\", stdout); break;
			default: putchar(*s);
			}
	} else
		csv_field(stdout, s);
}

/* put_record: the n fields of v as one record. */
static void
put_record(const char *const *v, size_t n, int tsv)
{
	/* A record of one empty field is written "" so that it is not a
	 * blank line, which readers skip. */
	if (n == 1 && !tsv && (v[0] == NULL || *v[0] == '\0')) {
		fputs("\"\"\n", stdout);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(tsv ? '\t' : ',');
		put_field(v[i], tsv);
	}
	putchar('\n');
}

/* ------------------------------------------------------------ rows */

/* str0: s, or "" for an empty cell. */
static const char *
str0(const char *s)
{
	return s ? s : "";
}

/* ends_with: s ends with t. */
static int
ends_with(const char *s, const char *t)
{
	size_t n = strlen(s), m = strlen(t);

	return n >= m && strcmp(s + n - m, t) == 0;
}

/* selected: row r of t passes every filter. */
static int
selected(const struct opts *o, const ds_table *t, size_t r)
{
	for (size_t i = 0; i < o->nf; i++) {
		const struct filter *f = &o->f[i];
		const char *v = str0(ds_table_get(t, r,
		    f->field ? "sequence" : "group"));
		int ok;

		switch (f->kind) {
		case F_EXACT:
			ok = strcmp(v, f->text) == 0;
			break;
		case F_CONTAINS:
			ok = strstr(v, f->text) != NULL;
			break;
		case F_STARTS:
			ok = strncmp(v, f->text, strlen(f->text)) == 0;
			break;
		default:
			ok = ends_with(v, f->text);
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/*
 * levels: the hierarchy values of row r (mosaic's parse_hierarchy): the
 * group split at sep followed by the sequence split at sep (an empty name
 * gives no parts), the i-th part for level i, NULL past the last part.
 * Fills val[0..nlevels) with malloc'd strings or NULL.
 */
static void
levels(const struct opts *o, const ds_table *t, size_t r, char **val)
{
	const char *name[2] = { str0(ds_table_get(t, r, "group")),
		str0(ds_table_get(t, r, "sequence")) };
	size_t k = 0, sl = strlen(o->sep);

	for (size_t i = 0; i < o->nlevels; i++)
		val[i] = NULL;
	for (int j = 0; j < 2; j++) {
		const char *s = name[j];

		if (*s == '\0')
			continue;
		for (;;) {
			const char *e = strstr(s, o->sep);
			size_t n = e ? (size_t)(e - s) : strlen(s);

			if (k < o->nlevels) {
				val[k] = xmalloc(n + 1);
				memcpy(val[k], s, n);
				val[k][n] = '\0';
			}
			k++;
			if (e == NULL)
				break;
			s = e + sl;
		}
	}
}

/* cmp_str: qsort order of C strings (byte order: code points for
 * UTF-8, as Python's sorted). */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* list_names: the distinct values of column col over the selected rows,
 * sorted, one per line. */
static void
list_names(const struct opts *o, const ds_table *t, const char *col)
{
	const char **v = xcalloc(t->nrow ? t->nrow : 1, sizeof *v);
	size_t n = 0;

	for (size_t r = 0; r < t->nrow; r++)
		if (selected(o, t, r))
			v[n++] = str0(ds_table_get(t, r, col));
	qsort(v, n, sizeof *v, cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			printf("%s\n", v[i]);
	free(v);
}

/* list_table: the selected rows: group and sequence (or every column,
 * long), then the levels. */
static void
list_table(const struct opts *o, const ds_table *t, int lng)
{
	static const char *const pair[] = { "group", "sequence" };
	size_t nc = lng ? t->ncol : 2, w = nc + o->nlevels;
	const char **rec = xcalloc(w, sizeof *rec);
	char **lv = xcalloc(o->nlevels + 1, sizeof *lv);

	for (size_t i = 0; i < nc; i++)
		rec[i] = lng ? t->col[i] : pair[i];
	for (size_t i = 0; i < o->nlevels; i++) {
		for (size_t j = 0; j < nc; j++)
			if (strcmp(rec[j], o->levels[i]) == 0)
				die("--levels: '%s' is already a column of "
				    "the index", o->levels[i]);
		rec[nc + i] = o->levels[i];
	}
	put_record(rec, w, o->tsv);
	for (size_t r = 0; r < t->nrow; r++) {
		if (!selected(o, t, r))
			continue;
		for (size_t i = 0; i < nc; i++)
			rec[i] = lng ? ds_table_cell(t, r, i) :
			    str0(ds_table_get(t, r, pair[i]));
		levels(o, t, r, lv);
		for (size_t i = 0; i < o->nlevels; i++)
			rec[nc + i] = lv[i];
		put_record(rec, w, o->tsv);
		for (size_t i = 0; i < o->nlevels; i++)
			free(lv[i]);
	}
	free(lv);
	free(rec);
}

/* ------------------------------------------------------------ media */

/* A media row and its order. */
struct mrow {
	size_t row;
	double order;
};

/* cmp_mrow: by video_order, then index order. */
static int
cmp_mrow(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/* lower_in: s in ASCII lower case (malloc'd). */
static char *
lower_in(const char *s)
{
	char *t = xstrdup(s);

	for (char *p = t; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return t;
}

/*
 * media_for: print the videos of (group, sequence) from the media index
 * mt, in video_order, as mosaic's resolve_media_paths finds them: by
 * group and sequence; else by their safe names; else every video whose
 * file name contains (ASCII case-insensitively) the sequence's last '/'
 * component.  Returns the number printed.
 */
static size_t
media_for(const ds_manifest *m, const ds_table *mt, const char *group,
    const char *sequence)
{
	struct mrow *v = xcalloc(mt->nrow ? mt->nrow : 1, sizeof *v);
	char *gs = *group ? ds_safe_name(group) : xstrdup("");
	char *ss = ds_safe_name(sequence);
	const char *slash = strrchr(sequence, '/');
	char *stem = lower_in(slash ? slash + 1 : sequence);
	size_t n = 0;

	for (int pass = 0; pass < 3 && n == 0; pass++)
		for (size_t r = 0; r < mt->nrow; r++) {
			const char *o = ds_table_get(mt, r, "video_order");
			int hit;

			if (pass == 0)
				hit = strcmp(str0(ds_table_get(mt, r,
				    "group")), group) == 0 &&
				    strcmp(str0(ds_table_get(mt, r,
				    "sequence")), sequence) == 0;
			else if (pass == 1)
				hit = strcmp(str0(ds_table_get(mt, r,
				    "group_safe")), gs) == 0 &&
				    strcmp(str0(ds_table_get(mt, r,
				    "sequence_safe")), ss) == 0;
			else {
				char *nm = lower_in(str0(ds_table_get(mt, r,
				    "name")));

				hit = strstr(nm, stem) != NULL;
				free(nm);
			}
			if (!hit || ds_table_get(mt, r, "abs_path") == NULL)
				continue;
			v[n].row = r;
			v[n++].order = o ? strtod(o, NULL) : 0;
		}
	qsort(v, n, sizeof *v, cmp_mrow);
	for (size_t i = 0; i < n; i++) {
		char *p = ds_resolve_index_path(m, ds_table_get(mt, v[i].row,
		    "abs_path"));

		printf("%s\n", p);
		free(p);
	}
	free(stem);
	free(ss);
	free(gs);
	free(v);
	return n;
}

/* list_media: the videos of every selected (group, sequence) of t (each
 * pair once, in index order); dies naming the first pair without any
 * after listing the others. */
static void
list_media(const ds_manifest *m, const struct opts *o, const ds_table *t)
{
	int id = m->root[DS_MEDIA_RAW] ? DS_MEDIA_RAW : DS_MEDIA;
	char *dir, *path;
	const char *miss_g = NULL, *miss_s = NULL;
	ds_table *mt;
	mz_err e;
	int missing = 0;
	size_t nmiss = 0;

	if ((dir = ds_root_path(m, id, &e)) == NULL)
		die("%s: %s", m->path, e.msg);
	path = path_join(dir, "index.csv");
	if ((mt = ds_table_read(path, &missing, &e)) == NULL)
		die("%s%s", e.msg, missing ? " (index the videos with "
		    "mz-index media)" : "");
	for (size_t r = 0; r < t->nrow; r++) {
		const char *g = str0(ds_table_get(t, r, "group"));
		const char *s = str0(ds_table_get(t, r, "sequence"));
		int seen = 0;

		if (!selected(o, t, r))
			continue;
		for (size_t q = 0; q < r && !seen; q++)
			seen = selected(o, t, q) &&
			    strcmp(str0(ds_table_get(t, q, "group")), g) == 0 &&
			    strcmp(str0(ds_table_get(t, q, "sequence")),
			    s) == 0;
		if (!seen && media_for(m, mt, g, s) == 0 && nmiss++ == 0) {
			miss_g = g;
			miss_s = s;
		}
	}
	if (nmiss > 0)
		die("%s: no video for group '%s', sequence '%s'%s", path,
		    miss_g, miss_s, nmiss > 1 ? " (and others)" : "");
	ds_table_free(mt);
	free(path);
	free(dir);
}

/* ------------------------------------------------------------ main */

/* add_filter: append a filter. */
static void
add_filter(struct opts *o, int field, int kind, const char *text)
{
	o->f = xrealloc(o->f, (o->nf + 1) * sizeof *o->f);
	o->f[o->nf].field = field;
	o->f[o->nf].kind = kind;
	o->f[o->nf++].text = text;
}

/* set_mode: the listing mode; usage error if another one was given. */
static void
set_mode(struct opts *o, char mode)
{
	if (o->mode != 0 && o->mode != mode)
		usage_error("-G, -S, -l and -m are exclusive");
	o->mode = mode;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dataset", required_argument, NULL, 'd' },
		{ "group", required_argument, NULL, 'g' },
		{ "groups", no_argument, NULL, 'G' },
		{ "index", required_argument, NULL, 'i' },
		{ "levels", required_argument, NULL, 'L' },
		{ "long", no_argument, NULL, 'l' },
		{ "media", no_argument, NULL, 'm' },
		{ "sequence", required_argument, NULL, 's' },
		{ "sequences", no_argument, NULL, 'S' },
		{ "separator", required_argument, NULL, OPT_SEP },
		{ "tsv", no_argument, NULL, 't' },
		{ "group-contains", required_argument, NULL, OPT_GC },
		{ "group-startswith", required_argument, NULL, OPT_GS },
		{ "group-endswith", required_argument, NULL, OPT_GE },
		{ "sequence-contains", required_argument, NULL, OPT_SC },
		{ "sequence-startswith", required_argument, NULL, OPT_SS },
		{ "sequence-endswith", required_argument, NULL, OPT_SE },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	ds_manifest *m;
	ds_table *t;
	char *dir, *path;
	int c, id, missing = 0;
	mz_err e;

	memset(&o, 0, sizeof o);
	o.dataset = ".";
	o.index = "tracks";
	o.sep = "__";
	tool_init("mz-ls", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "d:g:Ghi:lL:mqs:St", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dataset = optarg;
			break;
		case 'g':
			add_filter(&o, 0, F_EXACT, optarg);
			break;
		case 'G':
		case 'S':
		case 'l':
		case 'm':
			set_mode(&o, (char)c);
			break;
		case 'i':
			o.index = optarg;
			break;
		case 'L': {
			char *copy = xstrdup(optarg), *save = NULL;

			if (*optarg == '\0' || *optarg == ',' ||
			    optarg[strlen(optarg) - 1] == ',' ||
			    strstr(optarg, ",,") != NULL)
				usage_error("--levels: empty name in '%s'",
				    optarg);
			for (char *s = strtok_r(copy, ",", &save); s;
			    s = strtok_r(NULL, ",", &save)) {
				for (size_t i = 0; i < o.nlevels; i++)
					if (strcmp(o.levels[i], s) == 0)
						usage_error("--levels: '%s' "
						    "twice", s);
				o.levels = xrealloc(o.levels, (o.nlevels + 1) *
				    sizeof *o.levels);
				o.levels[o.nlevels++] = xstrdup(s);
			}
			free(copy);
			break;
		}
		case 's':
			add_filter(&o, 1, F_EXACT, optarg);
			break;
		case OPT_SEP:
			if (*optarg == '\0')
				usage_error("--separator must not be empty");
			o.sep = optarg;
			break;
		case 't':
			o.tsv = 1;
			break;
		case OPT_GC: add_filter(&o, 0, F_CONTAINS, optarg); break;
		case OPT_GS: add_filter(&o, 0, F_STARTS, optarg); break;
		case OPT_GE: add_filter(&o, 0, F_ENDS, optarg); break;
		case OPT_SC: add_filter(&o, 1, F_CONTAINS, optarg); break;
		case OPT_SS: add_filter(&o, 1, F_STARTS, optarg); break;
		case OPT_SE: add_filter(&o, 1, F_ENDS, optarg); break;
		default:
			tool_stdopt(c);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if ((id = ds_root_id(o.index)) < 0)
		usage_error("-i: '%s' is not a root (media_raw, media, "
		    "tracks_raw, tracks, ...)", o.index);
	if (o.nlevels > 0 && (o.mode == 'G' || o.mode == 'S' ||
	    o.mode == 'm'))
		usage_error("--levels adds columns to a table: not with -G, "
		    "-S or -m");
	if (o.tsv && (o.mode == 'G' || o.mode == 'S' || o.mode == 'm'))
		usage_error("-t chooses the table format: not with -G, -S "
		    "or -m");

	if ((m = ds_manifest_load(o.dataset, &e)) == NULL)
		die_err(&e);
	if ((dir = ds_root_path(m, id, &e)) == NULL)
		die("%s: %s", m->path, e.msg);
	path = path_join(dir, "index.csv");
	if ((t = ds_table_read(path, &missing, &e)) == NULL) {
		if (!missing)
			die_err(&e);
		die("%s: no index yet (%s)", path, strcmp(o.index,
		    "tracks") == 0 ? "convert the raw tracks with "
		    "mz-convert --dataset" : "build it with mz-index");
	}
	if (ds_table_col(t, "sequence") < 0 &&
	    (o.mode != 'l' || o.nf > 0 || o.nlevels > 0))
		die("%s: no 'sequence' column", path);

	switch (o.mode) {
	case 'G':
		list_names(&o, t, "group");
		break;
	case 'S':
		list_names(&o, t, "sequence");
		break;
	case 'm':
		list_media(m, &o, t);
		break;
	default:
		list_table(&o, t, o.mode == 'l');
	}
	ds_table_free(t);
	free(path);
	free(dir);
	ds_manifest_free(m);
	for (size_t i = 0; i < o.nlevels; i++)
		free(o.levels[i]);
	free(o.levels);
	free(o.f);
	finish_stdout();
	return 0;
}
