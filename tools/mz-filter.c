/*
 * mz-filter - keep the rows of streams that satisfy numeric predicates and
 * ranges, and the parts whose metadata match (see mz-filter(1)).
 *
 * Each block is evaluated column-wise: every predicate fills a byte mask
 * over the block's rows (a tight loop per operator), the masks are
 * combined, and the kept rows are gathered column by column.  A block kept
 * whole is copied as stored when its codec is the output's; the rest is
 * re-encoded.  Memory depends on the block size, never on the number of
 * rows.  By default the output takes the codec of the first block read
 * (it is opened only then).
 */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-filter [-fq] [-c codec] [-e expr] [--or] [--drop-nan columns] " \
	"[--frames a:b] [--time t0:t1] [--group pattern] " \
	"[--sequence pattern] [--individual pattern] [--part list] " \
	"[--drop-empty] [-o file] [file ...]"

enum { OPT_OR = OPT_FIRST_TOOL_OPT, OPT_DROPNAN, OPT_FRAMES, OPT_TIME,
	OPT_GROUP, OPT_SEQUENCE, OPT_INDIVIDUAL, OPT_PART, OPT_DROPEMPTY };

enum op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };
static const char *const opname[] = { "<", "<=", ">", ">=", "==", "!=" };

/* An operand of a comparison: a column (resolved per part) or a number. */
struct operand {
	char *name;      /* the column name, or NULL for a number */
	double v;        /* the number */
	size_t col;      /* the column's index in the current part */
};

/* One -e expression: isnan(a) (negated with !), or a chain of comparisons
 * o[0] op[0] o[1] op[1] o[2] ..., true when every link is. */
struct expr {
	char *text;      /* as given, for messages */
	char *canon;     /* canonical form, for the history */
	int isnan_, neg;
	size_t nops;     /* comparisons: nops operators, nops + 1 operands */
	enum op *op;
	struct operand *o;
};

/* The progress bar (silent unless stderr is a terminal), and the bytes of
 * the inputs read before the current one. */
static progress *pr;
static uint64_t done_before;

/* A list of strings. */
struct list {
	char **v;
	size_t n;
};

/* Everything the options decide. */
struct filter {
	struct expr *ex;
	size_t nex;
	int or_;
	struct list dropnan;         /* patterns */
	int frames, has_f0, has_f1;  /* --frames [f0, f1) */
	int64_t f0, f1;
	int time, has_t0, has_t1;    /* --time [t0, t1) */
	double t0, t1;
	struct list group, sequence, individual;
	uint64_t *parts;             /* --part indices */
	size_t nparts;
	int dropempty;
};

/* The output, opened when the first block (or the first part without
 * rows) shows which codec to use. */
struct out {
	const char *path;
	int force, codec_given;
	mz_wopts wo;
	mz_writer *w;
};

/* Per-part state: the columns the predicates read, and scratch buffers. */
struct part {
	const mz_header *h;
	char where[4096];     /* "file: part N" */
	size_t frame_col, time_col;
	size_t *nancols;      /* float columns of --drop-nan */
	size_t nnan;
	double **conv;        /* conv[j]: column j as f64 (when not f64) */
	const double **val;   /* val[j]: column j as f64 for this block */
	size_t cap;           /* rows the buffers below hold */
	unsigned char *mask, *acc, *term, *tmp;
	size_t *keep;
	unsigned char **gather;  /* gathered kept rows, per column */
	int64_t *frames;      /* the frame column as i64 */
};

/* list_add: append a copy of s to l. */
static void
list_add(struct list *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

/* list_free: free the strings of l and its array. */
static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* ------------------------------------------------------------ parsing */

/* A cursor over an expression's text, for the parser. */
struct lex {
	const char *s, *p;
};

/* bad_expr: usage error for expression text: what was expected. */
static void __attribute__((noreturn))
bad_expr(const struct lex *lx, const char *what)
{
	usage_error("bad expression '%s': %s at offset %zu", lx->s, what,
	    (size_t)(lx->p - lx->s));
}

/* skip_ws: advance past blanks. */
static void
skip_ws(struct lex *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n')
		lx->p++;
}

/* is_special: characters that end a bare word. */
static int
is_special(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n' ||
	    strchr("<>=!()\"", c) != NULL;
}

/* lex_op: the comparison operator at the cursor (advancing), or -1. */
static int
lex_op(struct lex *lx)
{
	static const char *const two[] = { "<=", ">=", "==", "!=" };
	static const enum op twoop[] = { OP_LE, OP_GE, OP_EQ, OP_NE };

	skip_ws(lx);
	for (size_t i = 0; i < 4; i++)
		if (strncmp(lx->p, two[i], 2) == 0) {
			lx->p += 2;
			return (int)twoop[i];
		}
	if (*lx->p == '<' || *lx->p == '>') {
		return *lx->p++ == '<' ? OP_LT : OP_GT;
	}
	return -1;
}

/*
 * lex_word: the operand at the cursor: a "quoted" name (backslash escapes
 * the next character) or a bare word; *quoted says which.  Returns a
 * malloc'd string, or NULL if there is no operand.
 */
static char *
lex_word(struct lex *lx, int *quoted)
{
	const char *st;
	char *w, *d;

	skip_ws(lx);
	*quoted = *lx->p == '"';
	if (*quoted) {
		st = ++lx->p;
		w = d = xmalloc(strlen(st) + 1);
		for (; *lx->p != '"'; lx->p++) {
			if (*lx->p == '\0')
				bad_expr(lx, "unterminated quoted name");
			if (*lx->p == '\\' && lx->p[1] != '\0')
				lx->p++;
			*d++ = *lx->p;
		}
		lx->p++;
		*d = '\0';
		if (*w == '\0')
			bad_expr(lx, "empty column name");
		return w;
	}
	st = lx->p;
	while (!is_special(*lx->p))
		lx->p++;
	if (lx->p == st)
		return NULL;
	w = xmalloc((size_t)(lx->p - st) + 1);
	memcpy(w, st, (size_t)(lx->p - st));
	w[lx->p - st] = '\0';
	return w;
}

/* is_number: 1 if the bare word w is a number literal (into *v). */
static int
is_number(const char *w, double *v)
{
	return mz_parse_f64(w, strlen(w), v) == 0;
}

/*
 * canon_name: append to buf (of size n) the name as it must be written in
 * an expression: bare when it reads back as a name, else quoted.
 */
static void
canon_name(char *buf, size_t n, const char *name)
{
	size_t len = strlen(buf);
	int bare = strcmp(name, "isnan") != 0;
	double v;

	for (const char *p = name; *p != '\0' && bare; p++)
		bare = !is_special(*p);
	if (bare && is_number(name, &v))
		bare = 0;
	if (bare) {
		snprintf(buf + len, n - len, "%s", name);
		return;
	}
	if (len + 1 < n)
		buf[len++] = '"';
	for (const char *p = name; *p != '\0' && len + 3 < n; p++) {
		if (*p == '"' || *p == '\\')
			buf[len++] = '\\';
		buf[len++] = *p;
	}
	buf[len++] = '"';
	buf[len] = '\0';
}

/*
 * parse_operand: an operand at the cursor into *o; usage error if there is
 * none, or for the literal nan.
 */
static void
parse_operand(struct lex *lx, struct operand *o, const char *after)
{
	int quoted;
	char *w = lex_word(lx, &quoted), msg[64];

	if (w == NULL) {
		snprintf(msg, sizeof(msg), "expected a column or a number%s%s%s",
		    after ? " after '" : "", after ? after : "",
		    after ? "'" : "");
		bad_expr(lx, msg);
	}
	o->name = NULL;
	if (!quoted && is_number(w, &o->v)) {
		if (isnan(o->v))
			bad_expr(lx, "nan compares false with everything "
			    "(use isnan(column))");
		free(w);
		return;
	}
	o->name = w;
}

/*
 * parse_expr: parse the -e text s into *e: [!]isnan(column), or
 * operand op operand [op operand ...] with at least one column in each
 * comparison.  Usage error (exit 2) for anything else.
 */
static void
parse_expr(const char *s, struct expr *e)
{
	struct lex lx = { s, s };
	char canon[8192] = "";
	const char *save;
	int quoted;
	char *w;

	memset(e, 0, sizeof(*e));
	e->text = xstrdup(s);
	skip_ws(&lx);
	save = lx.p;
	if (*lx.p == '!' && lx.p[1] != '=') {
		e->neg = 1;
		lx.p++;
		skip_ws(&lx);
	}
	w = lex_word(&lx, &quoted);
	skip_ws(&lx);
	if (w != NULL && !quoted && strcmp(w, "isnan") == 0 && *lx.p == '(') {
		lx.p++;
		e->isnan_ = 1;
		e->o = xcalloc(1, sizeof(*e->o));
		free(w);
		if ((w = lex_word(&lx, &quoted)) == NULL)
			bad_expr(&lx, "expected a column name in isnan()");
		e->o[0].name = w;
		skip_ws(&lx);
		if (*lx.p != ')')
			bad_expr(&lx, "expected ')'");
		lx.p++;
		skip_ws(&lx);
		if (*lx.p != '\0')
			bad_expr(&lx, "unexpected text after isnan()");
		snprintf(canon, sizeof(canon), "%sisnan(", e->neg ? "!" : "");
		canon_name(canon, sizeof(canon), e->o[0].name);
		strncat(canon, ")", sizeof(canon) - strlen(canon) - 1);
		e->canon = xstrdup(canon);
		return;
	}
	if (e->neg)
		bad_expr(&lx, "'!' applies only to isnan()");
	free(w);
	lx.p = save;
	e->o = xcalloc(1, sizeof(*e->o));
	parse_operand(&lx, &e->o[0], NULL);
	for (;;) {
		int op;

		skip_ws(&lx);
		if (*lx.p == '\0')
			break;
		if ((op = lex_op(&lx)) < 0)
			bad_expr(&lx, "expected one of < <= > >= == !=");
		e->op = xrealloc(e->op, (e->nops + 1) * sizeof(*e->op));
		e->o = xrealloc(e->o, (e->nops + 2) * sizeof(*e->o));
		e->op[e->nops] = (enum op)op;
		parse_operand(&lx, &e->o[e->nops + 1], opname[op]);
		if (e->o[e->nops].name == NULL &&
		    e->o[e->nops + 1].name == NULL)
			bad_expr(&lx, "a comparison of two numbers");
		e->nops++;
	}
	if (e->nops == 0)
		bad_expr(&lx, "expected a comparison");
	for (size_t i = 0; i <= e->nops; i++) {
		size_t len = strlen(canon);

		if (i > 0)
			snprintf(canon + len, sizeof(canon) - len, " %s ",
			    opname[e->op[i - 1]]);
		if (e->o[i].name != NULL)
			canon_name(canon, sizeof(canon), e->o[i].name);
		else {
			char num[32];

			mz_fmt_f64(e->o[i].v, num);
			strncat(canon, num, sizeof(canon) - strlen(canon) - 1);
		}
	}
	e->canon = xstrdup(canon);
}

/* expr_free: free what parse_expr allocated in e. */
static void
expr_free(struct expr *e)
{
	for (size_t i = 0; i <= e->nops; i++)
		free(e->o[i].name);
	free(e->o);
	free(e->op);
	free(e->text);
	free(e->canon);
}

/*
 * parse_range_i64 / parse_range_f64: "A:B" with either bound omitted, into
 * the bounds and their presence flags; usage error otherwise (what names
 * the option).
 */
static void
parse_range_i64(const char *s, int64_t *a, int *has_a, int64_t *b,
    int *has_b, const char *what)
{
	const char *colon = strchr(s, ':');

	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		usage_error("bad %s '%s': expected A:B", what, s);
	*has_a = colon > s;
	*has_b = colon[1] != '\0';
	if ((*has_a && mz_parse_i64(s, (size_t)(colon - s), a) < 0) ||
	    (*has_b && mz_parse_i64(colon + 1, strlen(colon + 1), b) < 0))
		usage_error("bad %s '%s': bounds must be integers", what, s);
	if (*has_a && *has_b && *a > *b)
		usage_error("bad %s '%s': start after end", what, s);
}

static void
parse_range_f64(const char *s, double *a, int *has_a, double *b, int *has_b,
    const char *what)
{
	const char *colon = strchr(s, ':');

	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		usage_error("bad %s '%s': expected T0:T1", what, s);
	*has_a = colon > s;
	*has_b = colon[1] != '\0';
	if ((*has_a && (mz_parse_f64(s, (size_t)(colon - s), a) < 0 ||
	    !isfinite(*a))) || (*has_b && (mz_parse_f64(colon + 1,
	    strlen(colon + 1), b) < 0 || !isfinite(*b))))
		usage_error("bad %s '%s': bounds must be finite numbers",
		    what, s);
	if (*has_a && *has_b && *a > *b)
		usage_error("bad %s '%s': start after end", what, s);
}

/* parse_parts: add the comma-separated part indices of s to f. */
static void
parse_parts(struct filter *f, const char *s)
{
	const char *p = s;

	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		char buf[32];

		if (len == 0 || len >= sizeof(buf))
			usage_error("bad part list '%s'", s);
		memcpy(buf, p, len);
		buf[len] = '\0';
		f->parts = xrealloc(f->parts, (f->nparts + 1) *
		    sizeof(*f->parts));
		f->parts[f->nparts++] = parse_count(buf, "part index");
		if (c == NULL)
			break;
		p = c + 1;
	}
}

/* split_patterns: add the comma-separated patterns of s to l (a backslash
 * escapes the next character and stays in the pattern, for fnmatch). */
static void
split_patterns(struct list *l, const char *s, const char *what)
{
	const char *start = s;

	for (const char *p = s;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == ',' || *p == '\0') {
			char *item;

			if (p == start)
				usage_error("empty column name in %s '%s'",
				    what, s);
			item = xmalloc((size_t)(p - start) + 1);
			memcpy(item, start, (size_t)(p - start));
			item[p - start] = '\0';
			list_add(l, item);
			free(item);
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
}

/* ------------------------------------------------------------ parts */

/* meta_matches: 1 if the string metadata key of h matches one of the
 * patterns of l (or l is empty); an absent or non-string key never
 * matches. */
static int
meta_matches(const mz_header *h, const char *key, const struct list *l)
{
	const char *v;

	if (l->n == 0)
		return 1;
	if ((v = mz_meta_str(h, key)) == NULL)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (fnmatch(l->v[i], v, 0) == 0)
			return 1;
	return 0;
}

/* part_selected: 1 if the part with header h, the idx-th of the input,
 * passes the part filters. */
static int
part_selected(const struct filter *f, const mz_header *h, uint64_t idx)
{
	int hit = f->nparts == 0;

	for (size_t i = 0; i < f->nparts && !hit; i++)
		hit = f->parts[i] == idx;
	return hit && meta_matches(h, "group", &f->group) &&
	    meta_matches(h, "sequence", &f->sequence) &&
	    meta_matches(h, "individual", &f->individual);
}

/* find_col: the index of column name in the part, or die naming the
 * file, the part, the column and what needs it. */
static size_t
find_col(const struct part *pt, const char *name, const char *why)
{
	int j = mz_header_find(pt->h, name);

	if (j < 0)
		die("%s: no column '%s' (%s)", pt->where, name, why);
	return (size_t)j;
}

/* part_setup: resolve the columns f needs in the part with header h, for
 * which pt is set up; dies if one is missing. */
static void
part_setup(struct filter *f, struct part *pt, const mz_header *h)
{
	char why[8300];

	pt->h = h;
	for (size_t i = 0; i < f->nex; i++) {
		struct expr *e = &f->ex[i];

		snprintf(why, sizeof(why), "in -e '%s'", e->text);
		for (size_t k = 0; k <= e->nops; k++)
			if (e->o[k].name != NULL)
				e->o[k].col = find_col(pt, e->o[k].name, why);
	}
	if (f->frames)
		pt->frame_col = find_col(pt, "frame", "for --frames");
	if (f->time)
		pt->time_col = find_col(pt, "time", "for --time");
	pt->nnan = 0;
	pt->nancols = xcalloc(h->ncols + 1, sizeof(*pt->nancols));
	for (size_t i = 0; i < f->dropnan.n; i++) {
		int hit = 0;

		for (size_t j = 0; j < h->ncols; j++) {
			if (fnmatch(f->dropnan.v[i], h->cols[j].name, 0) != 0)
				continue;
			hit = 1;
			if (mz_type_isfloat(h->cols[j].type))
				pt->nancols[pt->nnan++] = j;
		}
		if (!hit)
			die("%s: no column matches '%s' (for --drop-nan)",
			    pt->where, f->dropnan.v[i]);
	}
	pt->conv = xcalloc(h->ncols + 1, sizeof(*pt->conv));
	pt->val = xcalloc(h->ncols + 1, sizeof(*pt->val));
	pt->gather = xcalloc(h->ncols + 1, sizeof(*pt->gather));
	pt->cap = 0;
}

/* part_free: free pt's buffers. */
static void
part_free(struct part *pt)
{
	for (size_t j = 0; pt->h != NULL && j < pt->h->ncols; j++) {
		free(pt->conv[j]);
		free(pt->gather[j]);
	}
	free(pt->conv);
	free(pt->val);
	free(pt->gather);
	free(pt->nancols);
	free(pt->mask);
	free(pt->tmp);
	free(pt->acc);
	free(pt->term);
	free(pt->keep);
	free(pt->frames);
	memset(pt, 0, sizeof(*pt));
}

/* reserve: make pt's row buffers hold n rows. */
static void
reserve(struct part *pt, size_t n)
{
	if (n <= pt->cap)
		return;
	for (size_t j = 0; j < pt->h->ncols; j++) {
		free(pt->conv[j]);
		free(pt->gather[j]);
		pt->conv[j] = NULL;
		pt->gather[j] = NULL;
	}
	pt->mask = xrealloc(pt->mask, n);
	pt->tmp = xrealloc(pt->tmp, n);
	pt->acc = xrealloc(pt->acc, n);
	pt->term = xrealloc(pt->term, n);
	pt->keep = xrealloc(pt->keep, n * sizeof(*pt->keep));
	free(pt->frames);
	pt->frames = NULL;
	pt->cap = n;
}

/* ------------------------------------------------------------ kernels */

/* as_f64: column j of block b as an array of doubles (the block's own
 * array for f64, else converted once per block into pt's buffer). */
static const double *
as_f64(struct part *pt, const mz_block *b, size_t j)
{
	mz_type t = pt->h->cols[j].type;
	const void *src = b->cols[j];
	double *d;
	size_t n = b->nrows;

	if (pt->val[j] != NULL)
		return pt->val[j];
	if (t == MZ_F64)
		return pt->val[j] = src;
	if (pt->conv[j] == NULL)
		pt->conv[j] = xmalloc(pt->cap * sizeof(double));
	d = pt->conv[j];
#define CONV(T) for (size_t i = 0; i < n; i++) d[i] = (double)((const T *)src)[i]
	switch (t) {
	case MZ_I8: CONV(int8_t); break;
	case MZ_U8: CONV(uint8_t); break;
	case MZ_I16: CONV(int16_t); break;
	case MZ_U16: CONV(uint16_t); break;
	case MZ_I32: CONV(int32_t); break;
	case MZ_U32: CONV(uint32_t); break;
	case MZ_I64: CONV(int64_t); break;
	case MZ_U64: CONV(uint64_t); break;
	case MZ_F32: CONV(float); break;
	default:
		for (size_t i = 0; i < n; i++)
			d[i] = mz_get_f64(src, t, i);
	}
#undef CONV
	return pt->val[j] = d;
}

/* cmp_cc / cmp_ck: m[i] = (a[i] op b[i]) or (a[i] op k), for n rows. */
#define CMP_LOOP(EXPR) for (size_t i = 0; i < n; i++) m[i] = (EXPR)
static void
cmp_cc(unsigned char *m, const double *a, enum op op, const double *b,
    size_t n)
{
	switch (op) {
	case OP_LT: CMP_LOOP(a[i] < b[i]); break;
	case OP_LE: CMP_LOOP(a[i] <= b[i]); break;
	case OP_GT: CMP_LOOP(a[i] > b[i]); break;
	case OP_GE: CMP_LOOP(a[i] >= b[i]); break;
	case OP_EQ: CMP_LOOP(a[i] == b[i]); break;
	case OP_NE: CMP_LOOP(a[i] != b[i]); break;
	}
}

static void
cmp_ck(unsigned char *m, const double *a, enum op op, double k, size_t n)
{
	switch (op) {
	case OP_LT: CMP_LOOP(a[i] < k); break;
	case OP_LE: CMP_LOOP(a[i] <= k); break;
	case OP_GT: CMP_LOOP(a[i] > k); break;
	case OP_GE: CMP_LOOP(a[i] >= k); break;
	case OP_EQ: CMP_LOOP(a[i] == k); break;
	case OP_NE: CMP_LOOP(a[i] != k); break;
	}
}
#undef CMP_LOOP

/* flip: the operator op with its operands swapped (k < a is a > k). */
static enum op
flip(enum op op)
{
	switch (op) {
	case OP_LT: return OP_GT;
	case OP_LE: return OP_GE;
	case OP_GT: return OP_LT;
	case OP_GE: return OP_LE;
	default: return op;
	}
}

/* and_into: m[i] &= t[i]; or_into: m[i] |= t[i]. */
static void
and_into(unsigned char *m, const unsigned char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] &= t[i];
}

static void
or_into(unsigned char *m, const unsigned char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] |= t[i];
}

/* eval_expr: out[i] = 1 where e holds on row i of block b. */
static void
eval_expr(struct part *pt, const mz_block *b, const struct expr *e,
    unsigned char *out)
{
	size_t n = b->nrows;

	if (e->isnan_) {
		const double *a = as_f64(pt, b, e->o[0].col);
		unsigned char v = e->neg ? 0 : 1;

		for (size_t i = 0; i < n; i++)
			out[i] = isnan(a[i]) ? v : !v;
		return;
	}
	for (size_t k = 0; k < e->nops; k++) {
		const struct operand *x = &e->o[k], *y = &e->o[k + 1];
		unsigned char *m = k == 0 ? out : pt->tmp;

		if (x->name != NULL && y->name != NULL)
			cmp_cc(m, as_f64(pt, b, x->col), e->op[k],
			    as_f64(pt, b, y->col), n);
		else if (x->name != NULL)
			cmp_ck(m, as_f64(pt, b, x->col), e->op[k], y->v, n);
		else
			cmp_ck(m, as_f64(pt, b, y->col), flip(e->op[k]), x->v,
			    n);
		if (k > 0)
			and_into(out, m, n);
	}
}

/* frame_range: m[i] &= f0 <= frame < f1, exactly for integer frames. */
static void
frame_range(const struct filter *f, struct part *pt, const mz_block *b,
    unsigned char *m)
{
	mz_type t = pt->h->cols[pt->frame_col].type;
	size_t n = b->nrows;
	const int64_t *fr;

	if (mz_type_isfloat(t)) {
		const double *a = as_f64(pt, b, pt->frame_col);

		if (f->has_f0)
			for (size_t i = 0; i < n; i++)
				m[i] &= a[i] >= (double)f->f0;
		if (f->has_f1)
			for (size_t i = 0; i < n; i++)
				m[i] &= a[i] < (double)f->f1;
		return;
	}
	fr = b->cols[pt->frame_col];
	if (t != MZ_I64) {
		if (pt->frames == NULL)
			pt->frames = xmalloc(pt->cap * sizeof(int64_t));
		for (size_t i = 0; i < n; i++)
			pt->frames[i] = mz_get_i64(b->cols[pt->frame_col], t,
			    i);
		fr = pt->frames;
	}
	if (f->has_f0)
		for (size_t i = 0; i < n; i++)
			m[i] &= fr[i] >= f->f0;
	if (f->has_f1)
		for (size_t i = 0; i < n; i++)
			m[i] &= fr[i] < f->f1;
}

/*
 * eval_block: fill pt->mask with the rows of b that f keeps; returns how
 * many, with their indices in pt->keep.
 */
static size_t
eval_block(const struct filter *f, struct part *pt, const mz_block *b)
{
	size_t n = b->nrows, kept = 0;
	unsigned char *m;

	reserve(pt, n);
	m = pt->mask;
	memset(pt->val, 0, pt->h->ncols * sizeof(*pt->val));
	memset(m, 1, n);
	if (f->nex > 0 && f->or_) {
		memset(pt->acc, 0, n);
		for (size_t i = 0; i < f->nex; i++) {
			eval_expr(pt, b, &f->ex[i], pt->term);
			or_into(pt->acc, pt->term, n);
		}
		and_into(m, pt->acc, n);
	} else {
		for (size_t i = 0; i < f->nex; i++) {
			eval_expr(pt, b, &f->ex[i], pt->term);
			and_into(m, pt->term, n);
		}
	}
	if (f->frames)
		frame_range(f, pt, b, m);
	if (f->time) {
		const double *a = as_f64(pt, b, pt->time_col);

		if (f->has_t0)
			for (size_t i = 0; i < n; i++)
				m[i] &= a[i] >= f->t0;
		if (f->has_t1)
			for (size_t i = 0; i < n; i++)
				m[i] &= a[i] < f->t1;
	}
	for (size_t k = 0; k < pt->nnan; k++) {
		const double *a = as_f64(pt, b, pt->nancols[k]);

		for (size_t i = 0; i < n; i++)
			m[i] &= !isnan(a[i]);
	}
	for (size_t i = 0; i < n; i++) {
		pt->keep[kept] = i;
		kept += m[i];
	}
	return kept;
}

/* gather: the kept rows (pt->keep[0..kept)) of every column of b, into
 * pt's buffers; cols[j] points at them. */
static void
gather(struct part *pt, const mz_block *b, size_t kept, const void **cols)
{
	const size_t *k = pt->keep;

	for (size_t j = 0; j < pt->h->ncols; j++) {
		size_t w = mz_type_size(pt->h->cols[j].type);
		const void *src = b->cols[j];
		void *dst;

		if (pt->gather[j] == NULL)
			pt->gather[j] = xmalloc(pt->cap * w);
		dst = pt->gather[j];
#define GATHER(T) for (size_t i = 0; i < kept; i++) \
	((T *)dst)[i] = ((const T *)src)[k[i]]
		switch (w) {
		case 1: GATHER(uint8_t); break;
		case 2: GATHER(uint16_t); break;
		case 4: GATHER(uint32_t); break;
		default: GATHER(uint64_t); break;
		}
#undef GATHER
		cols[j] = dst;
	}
}

/* ------------------------------------------------------------ output */

/*
 * out_open: the output writer, opened on first use.  Without -c the codec
 * is that of r's last block (its most common compressed codec, else raw),
 * or the auto rule when r is NULL (no block read yet).
 */
static mz_writer *
out_open(struct out *o, const mz_reader *r)
{
	if (o->w != NULL)
		return o->w;
	if (!o->codec_given) {
		size_t cnt[3] = { 0, 0, 0 };
		size_t nc = r ? mz_reader_header(r)->ncols : 0;

		o->wo.codec = MZ_CODEC_AUTO;
		for (size_t j = 0; j < nc; j++) {
			int c = mz_reader_block_codec(r, j);
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

/* can_copy: 1 if r's last block may be copied as stored: no -c, or every
 * column stored with the codec -c asks for. */
static int
can_copy(const struct out *o, const mz_reader *r)
{
	size_t nc = mz_reader_header(r)->ncols;

	if (!o->codec_given)
		return 1;
	for (size_t j = 0; j < nc; j++)
		if (mz_reader_block_codec(r, j) != o->wo.codec)
			return 0;
	return 1;
}

/*
 * filter_part: write the rows of the current part of r that f keeps, as a
 * part with a history entry of opts (dropped when empty and --drop-empty).
 */
static void
filter_part(mz_reader *r, struct filter *f, struct out *o, const cJSON *opts)
{
	const mz_header *h = mz_reader_header(r);
	mz_header *oh = mz_header_copy(h);
	struct part pt = { 0 };
	const void **cols = xcalloc(h->ncols + 1, sizeof(*cols));
	int begun = 0, rc;
	mz_block b;
	mz_err e;

	if (oh == NULL)
		die("out of memory");
	snprintf(pt.where, sizeof(pt.where), "%s: part %zu", mz_reader_name(r),
	    mz_reader_part_index(r));
	part_setup(f, &pt, h);
	history_add(oh, cJSON_Duplicate(opts, 1));
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
		size_t kept = eval_block(f, &pt, &b);

		progress_update(pr, done_before + mz_reader_offset(r));
		if (kept == 0)
			continue;
		if (!begun) {
			if (mz_writer_begin_part(out_open(o, r), oh, &e) < 0)
				die_err(&e);
			begun = 1;
		}
		if (kept == b.nrows && can_copy(o, r))
			rc = mz_writer_copy_block(o->w, r, &e);
		else if (kept == b.nrows)
			rc = mz_writer_append(o->w, kept,
			    (const void *const *)b.cols, &e);
		else {
			gather(&pt, &b, kept, cols);
			rc = mz_writer_append(o->w, kept,
			    (const void *const *)cols, &e);
		}
		if (rc < 0)
			die_err(&e);
	}
	if (rc < 0)
		die_err(&e);
	if (!begun && !f->dropempty) {
		if (mz_writer_begin_part(out_open(o, NULL), oh, &e) < 0)
			die_err(&e);
		begun = 1;
	}
	if (begun && mz_writer_end_part(o->w, &e) < 0)
		die_err(&e);
	part_free(&pt);
	mz_header_free(oh);
	free(cols);
}

/* ------------------------------------------------------------ main */

/* opts_strings: set key of opts to an array of the strings of l. */
static void
opts_strings(cJSON *opts, const char *key, const struct list *l)
{
	cJSON *a = cJSON_AddArrayToObject(opts, key);

	if (a == NULL)
		die("out of memory");
	for (size_t i = 0; i < l->n; i++) {
		cJSON *s = cJSON_CreateString(l->v[i]);
		if (s == NULL || !cJSON_AddItemToArray(a, s))
			die("out of memory");
	}
}

/* opts_range: set key of opts to [a, b] (null for an absent bound), or to
 * null when the option was not given. */
static void
opts_range(cJSON *opts, const char *key, int given, int has_a, double a,
    int has_b, double b)
{
	cJSON *r;

	if (!given) {
		if (cJSON_AddNullToObject(opts, key) == NULL)
			die("out of memory");
		return;
	}
	if ((r = cJSON_AddArrayToObject(opts, key)) == NULL ||
	    !cJSON_AddItemToArray(r, has_a ? cJSON_CreateNumber(a) :
	    cJSON_CreateNull()) ||
	    !cJSON_AddItemToArray(r, has_b ? cJSON_CreateNumber(b) :
	    cJSON_CreateNull()))
		die("out of memory");
}

/* make_opts: the canonical options of f for the history. */
static cJSON *
make_opts(const struct filter *f)
{
	cJSON *opts = opts_new(), *a;
	struct list ex = { 0 };

	for (size_t i = 0; i < f->nex; i++)
		list_add(&ex, f->ex[i].canon);
	opts_strings(opts, "expr", &ex);
	list_free(&ex);
	opts_bool(opts, "or", f->or_);
	opts_strings(opts, "drop_nan", &f->dropnan);
	opts_range(opts, "frames", f->frames, f->has_f0, (double)f->f0,
	    f->has_f1, (double)f->f1);
	opts_range(opts, "time", f->time, f->has_t0, f->t0, f->has_t1, f->t1);
	opts_strings(opts, "group", &f->group);
	opts_strings(opts, "sequence", &f->sequence);
	opts_strings(opts, "individual", &f->individual);
	if ((a = cJSON_AddArrayToObject(opts, "parts")) == NULL)
		die("out of memory");
	for (size_t i = 0; i < f->nparts; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(
		    (double)f->parts[i])))
			die("out of memory");
	opts_bool(opts, "drop_empty", f->dropempty);
	return opts;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "drop-empty", no_argument, NULL, OPT_DROPEMPTY },
		{ "drop-nan", required_argument, NULL, OPT_DROPNAN },
		{ "expr", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		{ "frames", required_argument, NULL, OPT_FRAMES },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "individual", required_argument, NULL, OPT_INDIVIDUAL },
		{ "or", no_argument, NULL, OPT_OR },
		{ "output", required_argument, NULL, 'o' },
		{ "part", required_argument, NULL, OPT_PART },
		{ "sequence", required_argument, NULL, OPT_SEQUENCE },
		{ "time", required_argument, NULL, OPT_TIME },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	struct filter f = { 0 };
	struct out o = { NULL, 0, 0, { MZ_CODEC_AUTO, 0, 0, 0 }, NULL };
	uint64_t pidx = 0;
	cJSON *opts;
	int c;

	tool_init("mz-filter", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:e:fho:q", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			o.wo.codec = parse_codec(optarg);
			o.codec_given = 1;
			break;
		case 'e':
			f.ex = xrealloc(f.ex, (f.nex + 1) * sizeof(*f.ex));
			parse_expr(optarg, &f.ex[f.nex++]);
			break;
		case 'f':
			o.force = 1;
			break;
		case 'o':
			o.path = optarg;
			break;
		case OPT_OR:
			f.or_ = 1;
			break;
		case OPT_DROPNAN:
			split_patterns(&f.dropnan, optarg, "--drop-nan");
			break;
		case OPT_FRAMES:
			parse_range_i64(optarg, &f.f0, &f.has_f0, &f.f1,
			    &f.has_f1, "frame range");
			f.frames = 1;
			break;
		case OPT_TIME:
			parse_range_f64(optarg, &f.t0, &f.has_t0, &f.t1,
			    &f.has_t1, "time range");
			f.time = 1;
			break;
		case OPT_GROUP:
			list_add(&f.group, optarg);
			break;
		case OPT_SEQUENCE:
			list_add(&f.sequence, optarg);
			break;
		case OPT_INDIVIDUAL:
			list_add(&f.individual, optarg);
			break;
		case OPT_PART:
			parse_parts(&f, optarg);
			break;
		case OPT_DROPEMPTY:
			f.dropempty = 1;
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
	opts = make_opts(&f);

	for (int i = 0; i < argc; i++) {
		mz_err e;
		mz_reader *r = mz_reader_open(argv[i], &e);
		int rc;

		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0)
			if (part_selected(&f, mz_reader_header(r), pidx++))
				filter_part(r, &f, &o, opts);
		if (rc < 0)
			die_err(&e);
		done_before += mz_reader_offset(r);
		mz_reader_close(r);
	}
	progress_end(pr);
	out_close(out_open(&o, NULL));
	cJSON_Delete(opts);
	for (size_t i = 0; i < f.nex; i++)
		expr_free(&f.ex[i]);
	free(f.ex);
	free(f.parts);
	list_free(&f.dropnan);
	list_free(&f.group);
	list_free(&f.sequence);
	list_free(&f.individual);
	return 0;
}
