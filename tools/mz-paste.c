/*
 * mz-paste - join streams row-aligned by part and frame (see mz-paste(1)).
 *
 * The inputs are read side by side, one reader each: part k of every input
 * is joined with part k of the first, after its metadata keys are checked
 * to name the same recording.  Within a part the rows are matched on the
 * frame column by a streaming merge join over the blocks of all inputs, so
 * memory depends on block sizes, never on part lengths.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SYNOPSIS \
	"mz-paste [-fq] [-c codec] [-k keys] [--left] [-o file] " \
	"[--prefix list] file file ..."

enum { OPT_LEFT = OPT_FIRST_TOOL_OPT, OPT_PREFIX };

/* Output rows gathered per append: one writer block at the default size. */
#define OUT_BYTES ((size_t)1 << 20)

/* One input stream and its cursor in the current part. */
struct input {
	mz_reader *r;
	const char *name;        /* for messages ("<stdin>" for -) */
	const char *prefix;      /* put before its columns' names ("" none) */
	const mz_header *h;      /* the current part's header (borrowed) */
	int fcol;                /* its frame column */
	long *dest;              /* per column: output column, or -1 */
	long *check;             /* per column: first input's column it must
	                            equal on joined rows, or -1 */
	const char *intcol;      /* an integer column it adds, or NULL */
	mz_block b;              /* the current block; rows < pos are used */
	size_t pos;
	int end;                 /* the part has no rows left */
	const int64_t *frames;   /* b's frames as i64 */
	int64_t *fbuf;           /* their storage when frame is not i64 */
	size_t fcap;
	int64_t last;            /* the last frame read, if nread > 0 */
	uint64_t nread;
};

/* The output part being written: rows are gathered column by column. */
struct output {
	mz_writer *w;
	void **buf;
	size_t n, cap;
	uint64_t rows;
	progress *pr;
};

static size_t part;              /* index of the current part, from 0 */
static int left;                 /* --left: keep every row of the first */
static char **keys;              /* -k: metadata keys that must agree */
static char **prefs;             /* --prefix: one per later input or NULL */
/*
 * split: the comma-separated items of s, each malloc'd, in *n; an empty s
 * has no items.  The array has *n + 1 entries, the last NULL.
 */
static char **
split(const char *s, size_t *n)
{
	size_t k = 0, cap = 1;
	char **v;

	for (const char *p = s; *p; p++)
		cap += *p == ',';
	v = xcalloc(cap + 1, sizeof(*v));
	if (*s == '\0') {
		*n = 0;
		return v;
	}
	for (;;) {
		size_t len = strcspn(s, ",");
		v[k] = xmalloc(len + 1);
		memcpy(v[k], s, len);
		v[k++][len] = '\0';
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*n = k;
	return v;
}

static void
free_list(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* str_array: a JSON array of the n strings v. */
static cJSON *
str_array(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	if (a == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(v[i] ? v[i] : "");
		if (s == NULL || !cJSON_AddItemToArray(a, s))
			die("out of memory");
	}
	return a;
}

/*
 * next_parts: advance every input to its next part.  Returns 1 when all
 * have one, 0 when all have ended; dies when they disagree.
 */
static int
next_parts(struct input *in, size_t nin)
{
	int first = 0;
	mz_err e;

	for (size_t i = 0; i < nin; i++) {
		int rc = mz_reader_next_part(in[i].r, &e);
		if (rc < 0)
			die_err(&e);
		if (i == 0)
			first = rc;
		else if (rc != first && first)
			die("%s: has %zu parts, but %s has more", in[i].name,
			    part, in[0].name);
		else if (rc != first)
			die("%s: has more parts than %s (%zu)", in[i].name,
			    in[0].name, part);
		in[i].h = mz_reader_header(in[i].r);
	}
	return first;
}

/* json_text: v as a message shows it: a string bare, anything else as
 * compact JSON; malloc'd. */
static char *
json_text(const cJSON *v)
{
	char *s = cJSON_IsString(v) ? xstrdup(v->valuestring) :
	    cJSON_PrintUnformatted(v);

	if (s == NULL)
		die("out of memory");
	return s;
}

/*
 * check_keys: die unless every metadata key in keys has the same value in
 * each later input's part as in the first's (a key absent from both is
 * fine).
 */
static void
check_keys(const struct input *in, size_t nin)
{
	for (size_t i = 1; i < nin; i++)
		for (size_t k = 0; keys[k] != NULL; k++) {
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(
			    in[0].h->meta, keys[k]);
			const cJSON *b = cJSON_GetObjectItemCaseSensitive(
			    in[i].h->meta, keys[k]);

			if (a == NULL && b == NULL)
				continue;
			if (a == NULL)
				die("%s: part %zu: %s '%s', but %s part %zu "
				    "has none", in[i].name, part, keys[k],
				    json_text(b), in[0].name, part);
			if (b == NULL)
				die("%s: part %zu: no %s, but %s part %zu has "
				    "'%s'", in[i].name, part, keys[k],
				    in[0].name, part, json_text(a));
			if (!cJSON_Compare(a, b, 1))
				die("%s: part %zu: %s '%s' does not match '%s' "
				    "of %s part %zu", in[i].name, part, keys[k],
				    json_text(b), json_text(a), in[0].name,
				    part);
		}
}

/* find_frame: set in->fcol to the part's frame column, which must exist
 * and have an integer type. */
static void
find_frame(struct input *in)
{
	int j = mz_header_find(in->h, "frame");

	if (j < 0)
		die("%s: part %zu: no column 'frame'", in->name, part);
	if (mz_type_isfloat(in->h->cols[j].type))
		die("%s: part %zu: column 'frame' is %s, not an integer type",
		    in->name, part, mz_type_name(in->h->cols[j].type));
	in->fcol = j;
}

/* owner_of: the name of the input, among the first n, whose column became
 * output column o. */
static const char *
owner_of(const struct input *in, size_t n, long o)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < in[i].h->ncols; j++)
			if (in[i].dest[j] == o)
				return in[i].name;
	return in[0].name;
}

/*
 * add_columns: append the columns of later input i to the output header h
 * (its prefix before their names; frame, and time and id when the first
 * input has them, left out) and fill its dest, check and intcol.
 */
static void
add_columns(mz_header *h, struct input *in, size_t i)
{
	struct input *x = &in[i];
	mz_err e;

	x->intcol = NULL;
	for (size_t j = 0; j < x->h->ncols; j++) {
		const mz_column *c = &x->h->cols[j];
		size_t len = strlen(x->prefix) + strlen(c->name) + 1;
		char *name;
		int at;

		x->dest[j] = x->check[j] = -1;
		if ((int)j == x->fcol)
			continue;
		if ((strcmp(c->name, "time") == 0 ||
		    strcmp(c->name, "id") == 0) &&
		    (at = mz_header_find(in[0].h, c->name)) >= 0) {
			x->check[j] = at;
			continue;
		}
		name = xmalloc(len);
		snprintf(name, len, "%s%s", x->prefix, c->name);
		if ((at = mz_header_find(h, name)) >= 0)
			die("%s: part %zu: column '%s' is also in %s (use "
			    "--prefix)", x->name, part, name,
			    owner_of(in, i, at));
		if ((at = mz_header_add_column(h, name, c->type, c->unit,
		    &e)) < 0)
			die("%s: part %zu: column '%s': %s", x->name, part,
			    name, e.msg);
		if (c->extra != NULL &&
		    (h->cols[at].extra = cJSON_Duplicate(c->extra, 1)) == NULL)
			die("out of memory");
		x->dest[j] = at;
		if (!mz_type_isfloat(c->type) && x->intcol == NULL)
			x->intcol = h->cols[at].name;
		free(name);
	}
}

/*
 * part_header: the output header of the current part: the first input's
 * header with the later inputs' columns added, their metadata keys that
 * the first lacks, and a history entry naming them as parents.
 */
static mz_header *
part_header(struct input *in, size_t nin, const cJSON *opts)
{
	mz_header *h = mz_header_copy(in[0].h);
	cJSON *parents = cJSON_CreateArray(), *o = cJSON_Duplicate(opts, 1);
	const cJSON *m;
	mz_err e;

	if (h == NULL || parents == NULL || o == NULL)
		die("out of memory");
	for (size_t j = 0; j < in[0].h->ncols; j++) {
		in[0].dest[j] = (long)j;
		in[0].check[j] = -1;
	}
	in[0].intcol = NULL;
	for (size_t i = 1; i < nin; i++) {
		add_columns(h, in, i);
		cJSON_ArrayForEach(m, in[i].h->meta) {
			cJSON *d;
			if (cJSON_GetObjectItemCaseSensitive(h->meta,
			    m->string) != NULL)
				continue;
			if ((d = cJSON_Duplicate(m, 1)) == NULL ||
			    !cJSON_AddItemToObject(h->meta, m->string, d))
				die("out of memory");
		}
		cJSON *p = cJSON_CreateString(in[i].h->processing);
		if (p == NULL || !cJSON_AddItemToArray(parents, p))
			die("out of memory");
	}
	if (mz_header_add_history(h, prog, MZ_VERSION, o, parents, &e) < 0)
		die_err(&e);
	return h;
}

/*
 * fill: make a row of the current part available at in->pos, reading the
 * next block if needed (and checking that its frames increase strictly).
 * Returns 0 when the part has no rows left.
 */
static int
fill(struct input *in)
{
	mz_err e;
	int rc;

	if (in->pos < in->b.nrows)
		return 1;
	if (in->end)
		return 0;
	if ((rc = mz_reader_next_block(in->r, &in->b, &e)) < 0)
		die_err(&e);
	in->pos = 0;
	if (rc == 0) {
		in->end = 1;
		in->b.nrows = 0;
		return 0;
	}
	mz_type t = in->h->cols[in->fcol].type;
	const void *col = in->b.cols[in->fcol];
	if (t == MZ_I64)
		in->frames = col;
	else {
		if (in->b.nrows > in->fcap) {
			in->fcap = in->b.nrows;
			in->fbuf = xrealloc(in->fbuf, in->fcap *
			    sizeof(*in->fbuf));
		}
		for (size_t i = 0; i < in->b.nrows; i++)
			in->fbuf[i] = mz_get_i64(col, t, i);
		in->frames = in->fbuf;
	}
	for (size_t i = 0; i < in->b.nrows; i++) {
		int64_t f = in->frames[i];
		if (in->nread > 0 && f <= in->last)
			die("%s: part %zu: frame %" PRId64 " follows frame %"
			    PRId64 " (frames must increase strictly)",
			    in->name, part, f, in->last);
		in->last = f;
		in->nread++;
	}
	return 1;
}

/* seek: move in to its first row whose frame is >= f; 0 if none. */
static int
seek(struct input *in, int64_t f)
{
	while (fill(in)) {
		while (in->pos < in->b.nrows && in->frames[in->pos] < f)
			in->pos++;
		if (in->pos < in->b.nrows)
			return 1;
	}
	return 0;
}

/* drain: read the rest of in's part, decoding only frames (to check
 * them). */
static void
drain(struct input *in)
{
	unsigned char *want = xcalloc(in->h->ncols, 1);

	want[in->fcol] = 1;
	mz_reader_want(in->r, want);
	free(want);
	while (fill(in))
		in->pos = in->b.nrows;
}

/* flush: append the gathered rows to the output. */
static void
flush(struct output *o)
{
	mz_err e;

	if (o->n > 0 && mz_writer_append(o->w, o->n,
	    (const void *const *)o->buf, &e) < 0)
		die_err(&e);
	o->rows += o->n;
	o->n = 0;
	progress_update(o->pr, o->rows);
}

/*
 * run_length: how many rows, from the current ones on, join the same way:
 * the first input's next rows, matched row for row by the inputs marked
 * present and by none of the others; at most max, and within the current
 * blocks.
 */
static size_t
run_length(const struct input *in, size_t nin, const unsigned char *present,
    size_t max)
{
	const struct input *a = &in[0];
	size_t len = a->b.nrows - a->pos;

	if (len > max)
		len = max;
	for (size_t i = 1; i < nin; i++)
		if (present[i] && in[i].b.nrows - in[i].pos < len)
			len = in[i].b.nrows - in[i].pos;
	for (size_t t = 1; t < len; t++) {
		int64_t f = a->frames[a->pos + t];
		for (size_t i = 1; i < nin; i++) {
			const struct input *x = &in[i];
			if (present[i] ? x->frames[x->pos + t] != f :
			    !x->end && x->frames[x->pos] <= f)
				return t;
		}
	}
	return len;
}

/* fmt_value: value i of col (type t) as text in buf. */
static const char *
fmt_value(const void *col, mz_type t, size_t i, char buf[32])
{
	if (mz_type_isfloat(t))
		mz_fmt_f64(mz_get_f64(col, t, i), buf);
	else
		snprintf(buf, 32, "%" PRId64, mz_get_i64(col, t, i));
	return buf;
}

/*
 * check_equal: die unless column j of later input x equals its first
 * input's column on the next n joined rows (integers as integers, floats
 * as numbers, NaN equal to NaN).
 */
static void
check_equal(const struct input *a, const struct input *x, size_t j, size_t n)
{
	size_t c = (size_t)x->check[j];
	mz_type ta = a->h->cols[c].type, tx = x->h->cols[j].type;
	const void *ca = a->b.cols[c], *cx = x->b.cols[j];
	char b1[32], b2[32];

	for (size_t t = 0; t < n; t++) {
		size_t ia = a->pos + t, ix = x->pos + t;
		int same;
		if (!mz_type_isfloat(ta) && !mz_type_isfloat(tx))
			same = mz_get_i64(ca, ta, ia) == mz_get_i64(cx, tx, ix);
		else {
			double u = mz_get_f64(ca, ta, ia);
			double v = mz_get_f64(cx, tx, ix);
			same = u == v || (isnan(u) && isnan(v));
		}
		if (!same)
			die("%s: part %zu: frame %" PRId64 ": %s %s differs "
			    "from %s in %s", x->name, part, x->frames[ix],
			    x->h->cols[j].name, fmt_value(cx, tx, ix, b1),
			    fmt_value(ca, ta, ia, b2), a->name);
	}
}

/*
 * emit: write the next n joined rows: the columns of the inputs marked
 * present from their current rows, NaN for the float columns of the
 * others; then move the present inputs past those rows.
 */
static void
emit(struct input *in, size_t nin, const unsigned char *present, size_t n,
    struct output *o)
{
	for (size_t i = 0; i < nin; i++) {
		struct input *x = &in[i];
		if (!present[i] && x->intcol != NULL)
			die("%s: part %zu: no frame %" PRId64 " to join, and "
			    "integer column '%s' cannot be NaN (drop it with "
			    "mz-select, or join without --left)", x->name,
			    part, in[0].frames[in[0].pos], x->intcol);
		for (size_t j = 0; j < x->h->ncols; j++) {
			mz_type t = x->h->cols[j].type;
			size_t w = mz_type_size(t);
			long d = x->dest[j];
			if (d >= 0 && present[i])
				memcpy((char *)o->buf[d] + o->n * w,
				    (const char *)x->b.cols[j] + x->pos * w,
				    n * w);
			else if (d >= 0)
				for (size_t r = 0; r < n; r++)
					mz_put_f64(o->buf[d], t, o->n + r, NAN);
			else if (x->check[j] >= 0 && present[i])
				check_equal(&in[0], x, j, n);
		}
	}
	for (size_t i = 0; i < nin; i++)
		if (present[i])
			in[i].pos += n;
	if ((o->n += n) == o->cap)
		flush(o);
}

/* join_inner: write the rows whose frame is in every input. */
static void
join_inner(struct input *in, size_t nin, unsigned char *present,
    struct output *o)
{
	int64_t f = INT64_MIN;
	size_t i;

	memset(present, 1, nin);
	while (seek(&in[0], f)) {
		f = in[0].frames[in[0].pos];
		for (i = 1; i < nin; i++)
			if (!seek(&in[i], f) || in[i].frames[in[i].pos] != f)
				break;
		if (i < nin) {
			if (in[i].end)
				return;
			f = in[i].frames[in[i].pos];
			continue;
		}
		emit(in, nin, present, run_length(in, nin, present,
		    o->cap - o->n), o);
	}
}

/* join_left: write every row of the first input, joined with the rows
 * of the same frame of the others where they have one. */
static void
join_left(struct input *in, size_t nin, unsigned char *present,
    struct output *o)
{
	present[0] = 1;
	while (fill(&in[0])) {
		int64_t f = in[0].frames[in[0].pos];
		for (size_t i = 1; i < nin; i++)
			present[i] = seek(&in[i], f) &&
			    in[i].frames[in[i].pos] == f;
		emit(in, nin, present, run_length(in, nin, present,
		    o->cap - o->n), o);
	}
}

/* paste_part: join the current parts of the inputs into one output part. */
static void
paste_part(struct input *in, size_t nin, const cJSON *opts,
    struct output *o)
{
	unsigned char *present = xcalloc(nin, 1);
	mz_header *h;
	mz_err e;

	check_keys(in, nin);
	for (size_t i = 0; i < nin; i++) {
		struct input *x = &in[i];
		find_frame(x);
		x->dest = xrealloc(x->dest, (x->h->ncols + 1) *
		    sizeof(*x->dest));
		x->check = xrealloc(x->check, (x->h->ncols + 1) *
		    sizeof(*x->check));
		x->b.nrows = x->pos = 0;
		x->end = 0;
		x->nread = 0;
	}
	h = part_header(in, nin, opts);
	o->cap = OUT_BYTES / mz_header_row_size(h);
	if (o->cap == 0)
		o->cap = 1;
	o->buf = xcalloc(h->ncols, sizeof(*o->buf));
	for (size_t j = 0; j < h->ncols; j++)
		o->buf[j] = xmalloc(o->cap * mz_type_size(h->cols[j].type));
	o->n = 0;
	if (mz_writer_begin_part(o->w, h, &e) < 0)
		die_err(&e);
	if (left)
		join_left(in, nin, present, o);
	else
		join_inner(in, nin, present, o);
	flush(o);
	if (mz_writer_end_part(o->w, &e) < 0)
		die_err(&e);
	for (size_t i = 0; i < nin; i++)
		drain(&in[i]);
	for (size_t j = 0; j < h->ncols; j++)
		free(o->buf[j]);
	free(o->buf);
	mz_header_free(h);
	free(present);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "keys", required_argument, NULL, 'k' },
		{ "left", no_argument, NULL, OPT_LEFT },
		{ "output", required_argument, NULL, 'o' },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *keyarg = "group,sequence,individual", *prefarg = "";
	const char *outpath = NULL;
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	int c, force = 0, nstdin = 0;
	size_t nin, nkeys, npref;
	struct input *in;
	struct output o = { 0 };
	cJSON *opts;
	mz_err e;

	tool_init("mz-paste", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:fhk:o:q", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			wo.codec = parse_codec(optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'k':
			keyarg = optarg;
			break;
		case OPT_LEFT:
			left = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case OPT_PREFIX:
			prefarg = optarg;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage_error("two or more input files are needed");
	nin = (size_t)argc;
	for (size_t i = 0; i < nin; i++)
		nstdin += strcmp(argv[i], "-") == 0;
	if (nstdin > 1)
		usage_error("standard input ('-') can be only one input");
	keys = split(keyarg, &nkeys);
	for (size_t k = 0; k < nkeys; k++)
		if (*keys[k] == '\0')
			usage_error("bad keys '%s' (an empty key name)",
			    keyarg);
	prefs = split(prefarg, &npref);
	if (npref > nin - 1)
		usage_error("--prefix gives %zu prefixes for %zu later input%s",
		    npref, nin - 1, nin > 2 ? "s" : "");
	for (const unsigned char *p = (const unsigned char *)prefarg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			usage_error("bad prefix list (a control character)");
	prefs = xrealloc(prefs, nin * sizeof(*prefs));
	for (size_t k = npref; k < nin; k++)
		prefs[k] = NULL;

	opts = opts_new();
	if (!cJSON_AddItemToObject(opts, "keys", str_array(keys, nkeys)))
		die("out of memory");
	opts_str(opts, "join", left ? "left" : "inner");
	if (!cJSON_AddItemToObject(opts, "prefixes", str_array(prefs, nin - 1)))
		die("out of memory");

	in = xcalloc(nin, sizeof(*in));
	for (size_t i = 0; i < nin; i++) {
		if ((in[i].r = mz_reader_open(argv[i], &e)) == NULL)
			die_err(&e);
		in[i].name = mz_reader_name(in[i].r);
		in[i].prefix = i > 0 && prefs[i - 1] ? prefs[i - 1] : "";
	}
	o.w = out_writer(outpath, force, &wo);
	o.pr = progress_start(prog, 0);
	for (part = 0; next_parts(in, nin); part++)
		paste_part(in, nin, opts, &o);
	progress_end(o.pr);
	out_close(o.w);

	for (size_t i = 0; i < nin; i++) {
		mz_reader_close(in[i].r);
		free(in[i].dest);
		free(in[i].check);
		free(in[i].fbuf);
	}
	free(in);
	cJSON_Delete(opts);
	free_list(keys);
	free_list(prefs);
	return 0;
}
