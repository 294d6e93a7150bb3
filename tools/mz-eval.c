/*
 * mz-eval - score per-frame predictions (classifier labels or unsupervised
 * syllables) against per-frame truth labels (see mz-eval(1)).
 *
 * Everything is accumulated block by block: one contingency table of
 * (truth value, prediction value) frame counts per scope (the whole input,
 * and each group or sequence with --by), event counters per class,
 * threshold and calibration histograms per probability column.  Memory
 * depends on the number of distinct values, scopes and probability
 * columns, not on the number of frames; event matching keeps, per class,
 * only the events whose onsets lie within the tolerance window of the
 * current frame.  The report is computed and written once all input is
 * read, so an error never leaves a partial report.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SYNOPSIS \
	"mz-eval [-q] [--by group|sequence] [--calibration bins] [--cluster]" \
	" [--confusion] [--ignore labels] [--json] [-o file] [-p column]" \
	" [--proba pattern] [-t column] [--thresholds steps]" \
	" [--tolerance tolerance] [truth [prediction]]"

__extension__ typedef __int128 i128;

/* ------------------------------------------------------------ options */

enum { BY_NONE, BY_GROUP, BY_SEQUENCE };

static struct {
	int by;
	int calib_bins;          /* 0: no calibration table */
	int cluster, confusion, json;
	int thr_steps;           /* threshold sweep steps (thresholds i/steps) */
	int events;              /* --tolerance given */
	double tol_value;        /* frames, or seconds when tol_secs */
	int tol_secs;
	const char *truth_col, *pred_col, *proba, *outpath;
	char **ignore;           /* --ignore items (values or names) */
	size_t nignore;
} opt = { BY_NONE, 0, 0, 0, 0, 20, 0, 0, 0, "label", NULL, NULL, NULL,
	NULL, 0 };

/* ------------------------------------------------------------ labels */

/* One distinct label value seen in truth or prediction. */
typedef struct label {
	int64_t value;
	int ignored;             /* an --ignore item names it */
} label;

static label *labels;        /* in order of first appearance */
static size_t nlabels, caplabels;

/* Names from the columns' levels: value -> name. */
typedef struct level { int64_t value; char *name; } level;
static level *levels;
static size_t nlevels;
static unsigned char *ignore_used;   /* per --ignore item: matched */

/* level_name: the levels name of value v, or NULL. */
static const char *
level_name(int64_t v)
{
	for (size_t i = 0; i < nlevels; i++)
		if (levels[i].value == v)
			return levels[i].name;
	return NULL;
}

/* label_name: the name of v for reports: its levels name, else decimal
 * (in buf[32]). */
static const char *
label_name(int64_t v, char buf[32])
{
	const char *s = level_name(v);

	if (s != NULL)
		return s;
	snprintf(buf, 32, "%lld", (long long)v);
	return buf;
}

/* is_ignored: 1 if an --ignore item is v in decimal or v's level name;
 * marks the items that match. */
static int
is_ignored(int64_t v)
{
	char buf[32];
	const char *name = level_name(v);
	int hit = 0;

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	for (size_t i = 0; i < opt.nignore; i++)
		if (strcmp(opt.ignore[i], buf) == 0 ||
		    (name != NULL && strcmp(opt.ignore[i], name) == 0)) {
			ignore_used[i] = 1;
			hit = 1;
		}
	return hit;
}

/* label_index: the index of value v among the labels, adding it if new.
 * Runs of one value are the rule, so the last hit is cached. */
static size_t
label_index(int64_t v)
{
	static size_t last = SIZE_MAX;

	if (last < nlabels && labels[last].value == v)
		return last;
	for (size_t i = 0; i < nlabels; i++)
		if (labels[i].value == v)
			return last = i;
	if (nlabels == caplabels) {
		caplabels = caplabels ? 2 * caplabels : 16;
		labels = xrealloc(labels, caplabels * sizeof(*labels));
	}
	labels[nlabels].value = v;
	labels[nlabels].ignored = is_ignored(v);
	return last = nlabels++;
}

/* add_levels: merge the levels object of column col (if any) into the
 * name map; a value named differently by two parts is an error. */
static void
add_levels(const mz_column *col, const char *file, size_t part)
{
	const cJSON *lv, *it;

	if (col->extra == NULL ||
	    (lv = cJSON_GetObjectItemCaseSensitive(col->extra, "levels")) ==
	    NULL || !cJSON_IsObject(lv))
		return;
	cJSON_ArrayForEach(it, lv) {
		int64_t v;
		const char *old;

		if (!cJSON_IsString(it) ||
		    mz_parse_i64(it->string, strlen(it->string), &v) < 0)
			die("%s: part %zu: column %s: levels: bad entry '%s'",
			    file, part, col->name, it->string);
		if ((old = level_name(v)) != NULL) {
			if (strcmp(old, it->valuestring) != 0)
				die("%s: part %zu: column %s: levels: %lld is "
				    "'%s' here but '%s' before", file, part,
				    col->name, (long long)v, it->valuestring,
				    old);
			continue;
		}
		levels = xrealloc(levels, (nlevels + 1) * sizeof(*levels));
		levels[nlevels].value = v;
		levels[nlevels++].name = xstrdup(it->valuestring);
	}
	/* A value seen before its name: recompute its ignore flag. */
	for (size_t i = 0; i < nlabels; i++)
		labels[i].ignored = is_ignored(labels[i].value);
}

/* ------------------------------------------------------------ scopes */

/* A probability column: its name and the label value it scores. */
typedef struct proba_col { char *name; int64_t value; } proba_col;
static proba_col *pcols;
static size_t npcols;
static int proba_set;        /* pcols fixed by the first part */

/* The counts for one scope of the report. */
typedef struct scope {
	int kind;                /* BY_NONE (all), BY_GROUP, BY_SEQUENCE */
	char *group, *sequence;  /* NULL when absent */
	uint64_t frames;
	uint64_t *cont;          /* cdim x cdim: cont[t * cdim + p] */
	size_t cdim;
	uint64_t *ev;            /* per label index: true, pred, matched */
	size_t evdim;
	uint64_t *thr_pos, *thr_neg; /* npcols x (steps+1) histograms */
	double *cal_sum;         /* npcols x bins: sum of probabilities */
	uint64_t *cal_pos, *cal_n;
} scope;

static scope **scopes;       /* scopes[0] is "all" */
static size_t nscopes;

/* scope_new: an empty scope. */
static scope *
scope_new(int kind, const char *group, const char *sequence)
{
	scope *s = xcalloc(1, sizeof(*s));
	size_t nt = npcols * (size_t)(opt.thr_steps + 1);
	size_t nc = npcols * (size_t)opt.calib_bins;

	s->kind = kind;
	s->group = group ? xstrdup(group) : NULL;
	s->sequence = sequence ? xstrdup(sequence) : NULL;
	s->thr_pos = xcalloc(nt + 1, sizeof(uint64_t));
	s->thr_neg = xcalloc(nt + 1, sizeof(uint64_t));
	s->cal_sum = xcalloc(nc + 1, sizeof(double));
	s->cal_pos = xcalloc(nc + 1, sizeof(uint64_t));
	s->cal_n = xcalloc(nc + 1, sizeof(uint64_t));
	return s;
}

/* streq: strings equal, NULL equal only to NULL. */
static int
streq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* scope_find: the scope of this kind and keys, created if new. */
static scope *
scope_find(int kind, const char *group, const char *sequence)
{
	for (size_t i = nscopes; i-- > 0;)
		if (scopes[i]->kind == kind && streq(scopes[i]->group, group) &&
		    streq(scopes[i]->sequence, sequence))
			return scopes[i];
	scopes = xrealloc(scopes, (nscopes + 1) * sizeof(*scopes));
	return scopes[nscopes++] = scope_new(kind, group, sequence);
}

/* scope_grow: make s's tables hold every label index so far. */
static void
scope_grow(scope *s)
{
	size_t n = s->cdim;

	if (n >= nlabels)
		return;
	size_t m = nlabels + 8;
	uint64_t *c = xcalloc(m * m, sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		memcpy(c + i * m, s->cont + i * n, n * sizeof(uint64_t));
	free(s->cont);
	s->cont = c;
	s->cdim = m;
	s->ev = xrealloc(s->ev, 3 * m * sizeof(uint64_t));
	memset(s->ev + 3 * s->evdim, 0, 3 * (m - s->evdim) *
	    sizeof(uint64_t));
	s->evdim = m;
}

/* scope_free: free s. */
static void
scope_free(scope *s)
{
	free(s->group);
	free(s->sequence);
	free(s->cont);
	free(s->ev);
	free(s->thr_pos);
	free(s->thr_neg);
	free(s->cal_sum);
	free(s->cal_pos);
	free(s->cal_n);
	free(s);
}

/* ------------------------------------------------------------ events */

/*
 * Event matching within one part.  Events are maximal runs of one value
 * (rows counted from 0 in the part); values named by --ignore make no
 * events.  Predicted events are decided in onset order, once every true
 * event that could match them is known (tol rows later): each matches the
 * unmatched true event of its class with the nearest onset, |d| <= tol,
 * the earlier one on a tie.  Per class only the true events within the
 * window are kept.
 */
typedef struct onsetq {
	int64_t *on;             /* true onsets, oldest first */
	unsigned char *used;
	size_t head, n, cap;
} onsetq;

typedef struct pending { int64_t onset; size_t li; } pending;

static struct {
	onsetq *tq;              /* per label index */
	size_t ntq;
	pending *pq;             /* predicted events awaiting a decision */
	size_t phead, pn, pcap;
	int64_t tol;
	int64_t cur_t, cur_p;    /* current run values (-1: none) */
	size_t cur_ti, cur_pi;
	scope *sc[2];
	size_t nsc;
} ev;

/* tq_get: the true-event queue of label index li (grown as needed). */
static onsetq *
tq_get(size_t li)
{
	if (li >= ev.ntq) {
		size_t m = nlabels + 8;
		ev.tq = xrealloc(ev.tq, m * sizeof(*ev.tq));
		memset(ev.tq + ev.ntq, 0, (m - ev.ntq) * sizeof(*ev.tq));
		ev.ntq = m;
	}
	return &ev.tq[li];
}

/* tq_prune: drop true events with onsets below lo (they can match no
 * predicted event still to be decided) from the front of q. */
static void
tq_prune(onsetq *q, int64_t lo)
{
	while (q->head < q->n && (q->on[q->head] < lo || q->used[q->head]))
		q->head++;
	if (q->head == q->n)
		q->head = q->n = 0;
	else if (q->head > 64 && q->head * 2 > q->n) {
		memmove(q->on, q->on + q->head, (q->n - q->head) *
		    sizeof(*q->on));
		memmove(q->used, q->used + q->head, q->n - q->head);
		q->n -= q->head;
		q->head = 0;
	}
}

/* ev_count: add k to counter which (0 true, 1 pred, 2 matched) of label
 * index li in the part's scopes. */
static void
ev_count(size_t li, int which)
{
	for (size_t i = 0; i < ev.nsc; i++) {
		scope_grow(ev.sc[i]);
		ev.sc[i]->ev[3 * li + which]++;
	}
}

/* decide: match the oldest pending predicted event. */
static void
decide(void)
{
	pending p = ev.pq[ev.phead++];
	onsetq *q = tq_get(p.li);
	size_t best = SIZE_MAX;
	int64_t bestd = 0;

	tq_prune(q, p.onset - ev.tol);
	for (size_t i = q->head; i < q->n; i++) {
		int64_t d = q->on[i] - p.onset;
		if (d > ev.tol)
			break;
		if (d < 0)
			d = -d;
		if (!q->used[i] && (best == SIZE_MAX || d < bestd)) {
			best = i;
			bestd = d;
		}
	}
	if (best != SIZE_MAX) {
		q->used[best] = 1;
		ev_count(p.li, 2);
	}
	if (ev.phead == ev.pn)
		ev.phead = ev.pn = 0;
}

/* ev_start_part: reset the event state for a part scored into sc[0..n). */
static void
ev_start_part(scope **sc, size_t n, int64_t tol)
{
	for (size_t i = 0; i < ev.ntq; i++)
		ev.tq[i].head = ev.tq[i].n = 0;
	ev.phead = ev.pn = 0;
	ev.tol = tol;
	ev.cur_t = ev.cur_p = -1;
	for (size_t i = 0; i < n; i++)
		ev.sc[i] = sc[i];
	ev.nsc = n;
}

/* ev_row: one row (row index f) with truth t and prediction p (label
 * indices ti, pi). */
static void
ev_row(int64_t f, int64_t t, size_t ti, int64_t p, size_t pi)
{
	if (t != ev.cur_t) {
		ev.cur_t = t;
		if (!labels[ti].ignored) {
			onsetq *q = tq_get(ti);
			int64_t lo = (ev.pn > ev.phead ? ev.pq[ev.phead].onset :
			    f) - ev.tol;
			tq_prune(q, lo);
			if (q->n == q->cap) {
				q->cap = q->cap ? 2 * q->cap : 16;
				q->on = xrealloc(q->on, q->cap *
				    sizeof(*q->on));
				q->used = xrealloc(q->used, q->cap);
			}
			q->on[q->n] = f;
			q->used[q->n++] = 0;
			ev_count(ti, 0);
		}
	}
	if (p != ev.cur_p) {
		ev.cur_p = p;
		if (!labels[pi].ignored) {
			if (ev.pn == ev.pcap) {
				ev.pcap = ev.pcap ? 2 * ev.pcap : 16;
				ev.pq = xrealloc(ev.pq, ev.pcap *
				    sizeof(*ev.pq));
			}
			ev.pq[ev.pn].onset = f;
			ev.pq[ev.pn++].li = pi;
			ev_count(pi, 1);
		}
	}
	while (ev.pn > ev.phead && ev.pq[ev.phead].onset + ev.tol <= f)
		decide();
}

/* ev_end_part: decide the predicted events still pending. */
static void
ev_end_part(void)
{
	while (ev.pn > ev.phead)
		decide();
}

/* ------------------------------------------------------------ input */

/* One input stream and its position in the current block. */
typedef struct src {
	const char *name;
	mz_reader *r;
	mz_block b;
	size_t pos;
	int done;                /* part ended */
} src;

/* get_int: value i of integer column data of type t. */
static int64_t
get_int(const void *data, mz_type t, size_t i, int *ok)
{
	*ok = 1;
	switch (t) {
	case MZ_I8: return ((const int8_t *)data)[i];
	case MZ_U8: return ((const uint8_t *)data)[i];
	case MZ_I16: return ((const int16_t *)data)[i];
	case MZ_U16: return ((const uint16_t *)data)[i];
	case MZ_I32: return ((const int32_t *)data)[i];
	case MZ_U32: return ((const uint32_t *)data)[i];
	case MZ_I64: return ((const int64_t *)data)[i];
	case MZ_U64: {
		uint64_t v = ((const uint64_t *)data)[i];
		if (v > INT64_MAX) {
			*ok = 0;
			return -1;
		}
		return (int64_t)v;
	}
	default:
		*ok = 0;
		return 0;
	}
}

/* get_f: value i of float column data of type t. */
static double
get_f(const void *data, mz_type t, size_t i)
{
	return t == MZ_F32 ? ((const float *)data)[i] :
	    ((const double *)data)[i];
}

/* want_col: column index of name in h, dying with a message naming the
 * file and part when absent. */
static int
want_col(const mz_header *h, const char *name, const char *file,
    size_t part, const char *role)
{
	int j = mz_header_find(h, name);

	if (j < 0)
		die("%s: part %zu: no %s column '%s'", file, part, role, name);
	return j;
}

/* src_next: make s's current block have rows left; 0 at the part end. */
static int
src_next(src *s)
{
	mz_err e;
	int rc;

	while (!s->done && s->pos >= s->b.nrows) {
		if ((rc = mz_reader_next_block(s->r, &s->b, &e)) < 0)
			die_err(&e);
		s->pos = 0;
		if (rc == 0) {
			s->done = 1;
			s->b.nrows = 0;
		}
	}
	return !s->done;
}

/* match_proba: set up the probability columns from the first part's
 * header h, or check that a later part has the same ones. */
static void
match_proba(const mz_header *h, const char *file, size_t part)
{
	const char *star = strchr(opt.proba, '*');
	size_t pre = (size_t)(star - opt.proba), suf = strlen(star + 1);
	size_t n = 0;

	for (size_t j = 0; j < h->ncols; j++) {
		const char *nm = h->cols[j].name;
		size_t len = strlen(nm);
		if (len <= pre + suf || strncmp(nm, opt.proba, pre) != 0 ||
		    strcmp(nm + len - suf, star + 1) != 0)
			continue;
		if (!mz_type_isfloat(h->cols[j].type))
			die("%s: part %zu: probability column %s is %s, not "
			    "a floating-point column", file, part, nm,
			    mz_type_name(h->cols[j].type));
		if (proba_set) {
			if (n >= npcols || strcmp(pcols[n].name, nm) != 0)
				die("%s: part %zu: probability columns differ "
				    "from the first part's", file, part);
			n++;
			continue;
		}
		char *cls = xstrdup(nm + pre);
		cls[len - pre - suf] = '\0';
		int64_t v = -1;
		for (size_t i = 0; i < nlevels; i++)
			if (strcmp(levels[i].name, cls) == 0)
				v = levels[i].value;
		if (v < 0 && (mz_parse_i64(cls, strlen(cls), &v) < 0 || v < 0))
			die("%s: part %zu: probability column %s: '%s' is no "
			    "label name or number", file, part, nm, cls);
		free(cls);
		pcols = xrealloc(pcols, (npcols + 1) * sizeof(*pcols));
		pcols[npcols].name = xstrdup(nm);
		pcols[npcols++].value = v;
		n++;
	}
	proba_set = 1;
	if (n == 0 || n != npcols)
		die("%s: part %zu: %s", file, part, n == 0 ?
		    "no column matches the --proba pattern" :
		    "probability columns differ from the first part's");
}

/* thr_bin: the number of thresholds i/steps (i = 1..steps) at or below x,
 * i.e. the largest i with i/steps <= x (x in [0, 1]). */
static size_t
thr_bin(double x, int steps)
{
	long b = (long)(x * steps);

	if (b > steps)
		b = steps;
	while (b < steps && (double)(b + 1) / steps <= x)
		b++;
	while (b > 0 && (double)b / steps > x)
		b--;
	return (size_t)b;
}

/* cal_bin: the calibration bin of x as scikit-learn's calibration_curve
 * finds it, numpy's searchsorted(edges[1:-1], x) with edges i * (1 /
 * bins): the count of inner edges below x, so that bin i holds
 * (i/bins, (i+1)/bins] (bin 0 also holds 0). */
static size_t
cal_bin(double x, int bins)
{
	double w = 1.0 / bins;
	long b = (long)(x * bins);

	if (b > bins - 1)
		b = bins - 1;
	while (b < bins - 1 && (b + 1) * w < x)
		b++;
	while (b > 0 && b * w >= x)
		b--;
	return (size_t)b;
}

/* score_part: read the current parts of a (truth) and b (prediction;
 * the same reader as a when there is one input) and add them up. */
static void
score_part(src *a, src *b, int two)
{
	const mz_header *ha = mz_reader_header(a->r);
	const mz_header *hb = mz_reader_header(b->r);
	size_t part = mz_reader_part_index(a->r);
	char gbuf[64], sbuf[64], g2[64], s2[64];
	const char *group = meta_str(ha, "group", gbuf);
	const char *seq = meta_str(ha, "sequence", sbuf);
	const char *pname = opt.pred_col;
	int tj, pj, fa = -1, fb = -1;
	int *pj_cols = NULL;
	scope *sc[2];
	size_t nsc = 1;
	int64_t tol = 0, row = 0;

	if (two) {
		const char *g = meta_str(hb, "group", g2);
		const char *s = meta_str(hb, "sequence", s2);
		if ((group && g && strcmp(group, g) != 0) ||
		    (seq && s && strcmp(seq, s) != 0))
			die("%s: part %zu (%s/%s) does not match %s: part %zu "
			    "(%s/%s)", a->name, part, group ? group : "",
			    seq ? seq : "", b->name, part, g ? g : "",
			    s ? s : "");
		fa = mz_header_find(ha, "frame");
		fb = mz_header_find(hb, "frame");
		if (fa < 0 || fb < 0)
			fa = fb = -1;
	}
	tj = want_col(ha, opt.truth_col, a->name, part, "truth");
	if (pname == NULL)
		pname = mz_header_find(hb, "prediction") >= 0 ? "prediction" :
		    "syllable";
	pj = want_col(hb, pname, b->name, part, "prediction");
	if (tj == pj && !two)
		die("%s: part %zu: truth and prediction are the same column "
		    "'%s'", a->name, part, pname);
	for (int k = 0; k < 2; k++) {
		const mz_header *h = k ? hb : ha;
		int j = k ? pj : tj;
		if (mz_type_isfloat(h->cols[j].type))
			die("%s: part %zu: column %s is %s, not an integer "
			    "label column", k ? b->name : a->name, part,
			    h->cols[j].name, mz_type_name(h->cols[j].type));
		add_levels(&h->cols[j], k ? b->name : a->name, part);
	}
	if (opt.proba) {
		match_proba(hb, b->name, part);
		pj_cols = xcalloc(npcols, sizeof(int));
		for (size_t k = 0; k < npcols; k++)
			pj_cols[k] = mz_header_find(hb, pcols[k].name);
	}
	if (opt.events) {
		if (opt.tol_secs) {
			double fps = mz_meta_num(ha, "fps", NAN);
			if (!(fps > 0))
				die("%s: part %zu: --tolerance in seconds "
				    "needs the part's fps metadata", a->name,
				    part);
			tol = (int64_t)floor(opt.tol_value * fps + 1e-9);
		} else
			tol = (int64_t)opt.tol_value;
	}

	/* Decode only the columns used. */
	unsigned char *wa = xcalloc(ha->ncols + 1, 1);
	unsigned char *wb = xcalloc(hb->ncols + 1, 1);
	wa[tj] = 1;
	if (fa >= 0) {
		wa[fa] = 1;
		wb[fb] = 1;
	}
	unsigned char *wp = two ? wb : wa;
	wp[pj] = 1;
	for (size_t k = 0; k < npcols && pj_cols; k++)
		wp[pj_cols[k]] = 1;
	mz_reader_want(a->r, wa);
	if (two)
		mz_reader_want(b->r, wb);

	sc[0] = scopes[0];
	if (opt.by == BY_GROUP)
		sc[nsc++] = scope_find(BY_GROUP, group, NULL);
	else if (opt.by == BY_SEQUENCE)
		sc[nsc++] = scope_find(BY_SEQUENCE, group, seq);
	if (opt.events)
		ev_start_part(sc, nsc, tol);

	a->done = b->done = 0;
	a->pos = b->pos = 0;
	a->b.nrows = b->b.nrows = 0;
	for (;;) {
		int ha_ = src_next(a), hb_ = two ? src_next(b) : ha_;
		if (!ha_ || !hb_) {
			if (ha_ != hb_)
				die("%s: part %zu: %s has more rows than %s "
				    "(%lld rows in both)", a->name, part,
				    ha_ ? a->name : b->name,
				    ha_ ? b->name : a->name, (long long)row);
			break;
		}
		size_t n = a->b.nrows - a->pos;
		if (two && b->b.nrows - b->pos < n)
			n = b->b.nrows - b->pos;
		const void *tc = a->b.cols[tj];
		const mz_block *pbk = two ? &b->b : &a->b;
		size_t pbase = two ? b->pos : a->pos;
		mz_type tt = ha->cols[tj].type, pt = hb->cols[pj].type;
		for (size_t i = 0; i < n; i++, row++) {
			size_t ia = a->pos + i, ib = pbase + i;
			int ok1, ok2;
			int64_t t = get_int(tc, tt, ia, &ok1);
			int64_t p = get_int(pbk->cols[pj], pt, ib, &ok2);
			if (fa >= 0) {
				int o1, o2;
				int64_t x = get_int(a->b.cols[fa],
				    ha->cols[fa].type, ia, &o1);
				int64_t y = get_int(b->b.cols[fb],
				    hb->cols[fb].type, ib, &o2);
				if (x != y)
					die("%s: part %zu: row %lld: frame %lld "
					    "but %s has frame %lld", a->name,
					    part, (long long)row, (long long)x,
					    b->name, (long long)y);
			}
			if (!ok1 || t < 0 || !ok2 || p < 0) {
				int bad = !ok1 || t < 0;
				if (!(bad ? ok1 : ok2))
					die("%s: part %zu: row %lld: column %s: "
					    "label beyond the i64 range",
					    bad ? a->name : b->name, part,
					    (long long)row, bad ?
					    opt.truth_col : pname);
				die("%s: part %zu: row %lld: column %s: "
				    "negative label %lld",
				    bad ? a->name : b->name, part,
				    (long long)row, bad ? opt.truth_col : pname,
				    (long long)(bad ? t : p));
			}
			size_t ti = label_index(t), pi = label_index(p);
			for (size_t k = 0; k < nsc; k++) {
				scope *s = sc[k];
				if (s->cdim < nlabels)
					scope_grow(s);
				s->cont[ti * s->cdim + pi]++;
				s->frames++;
			}
			if (opt.events)
				ev_row(row, t, ti, p, pi);
			for (size_t c = 0; c < npcols; c++) {
				double x = get_f(pbk->cols[pj_cols[c]],
				    hb->cols[pj_cols[c]].type, ib);
				int pos = t == pcols[c].value;
				if (!(x >= 0 && x <= 1))
					die("%s: part %zu: row %lld: column %s: "
					    "%g is not a probability", b->name,
					    part, (long long)row, pcols[c].name,
					    x);
				size_t tb = c * (size_t)(opt.thr_steps + 1) +
				    thr_bin(x, opt.thr_steps);
				size_t cb = opt.calib_bins ? c *
				    (size_t)opt.calib_bins +
				    cal_bin(x, opt.calib_bins) : 0;
				for (size_t k = 0; k < nsc; k++) {
					scope *s = sc[k];
					if (pos)
						s->thr_pos[tb]++;
					else
						s->thr_neg[tb]++;
					if (opt.calib_bins) {
						s->cal_sum[cb] += x;
						s->cal_pos[cb] += pos;
						s->cal_n[cb]++;
					}
				}
			}
		}
		a->pos += n;
		if (two)
			b->pos += n;
	}
	if (opt.events)
		ev_end_part();
	free(wa);
	free(wb);
	free(pj_cols);
}

/* ------------------------------------------------------------ output */

static FILE *out;
static cJSON *jroot, *jscope;

static const char *scope_names[] = { "all", "group", "sequence" };
static scope *cur;

/* jchild: member key of object o, created as an object (or an array) if
 * absent. */
static cJSON *
jchild(cJSON *o, const char *key, int array)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (c == NULL) {
		c = array ? cJSON_CreateArray() : cJSON_CreateObject();
		if (c == NULL || !cJSON_AddItemToObject(o, key, c))
			die("out of memory");
	}
	return c;
}

/*
 * emit: one result: section, class ("" for none), at (a threshold or bin,
 * NAN for none), metric and its value (a number v, or the text sv when not
 * NULL).  CSV: one row; JSON: scope.section.class.metric, or with at an
 * array scope.section.class.(atkey + "s") of objects {atkey: at, metric:
 * value}.
 */
static void
emit(const char *section, const char *cls, double at, const char *atkey,
    const char *metric, double v, const char *sv)
{
	char buf[32];

	if (!opt.json) {
		fputs(scope_names[cur->kind], out);
		fputc(',', out);
		csv_field(out, cur->group);
		fputc(',', out);
		csv_field(out, cur->sequence);
		fprintf(out, ",%s,", section);
		csv_field(out, cls);
		fputc(',', out);
		if (!isnan(at)) {
			mz_fmt_f64(at, buf);
			fputs(buf, out);
		}
		fprintf(out, ",%s,", metric);
		if (sv)
			csv_field(out, sv);
		else if (!isnan(v)) {
			mz_fmt_f64(v, buf);
			fputs(buf, out);
		}
		fputc('\n', out);
		return;
	}
	cJSON *sec = jchild(jscope, section, 0), *o;
	const char *key = *cls ? cls : "all";
	if (!isnan(at)) {
		char plural[32];
		snprintf(plural, sizeof(plural), "%ss", atkey);
		cJSON *arr = jchild(jchild(sec, key, 0), plural, 1);
		int n = cJSON_GetArraySize(arr);
		o = n ? cJSON_GetArrayItem(arr, n - 1) : NULL;
		if (o == NULL || cJSON_GetObjectItemCaseSensitive(o,
		    atkey)->valuedouble != at) {
			if ((o = cJSON_CreateObject()) == NULL ||
			    !cJSON_AddItemToArray(arr, o) ||
			    !cJSON_AddNumberToObject(o, atkey, at))
				die("out of memory");
		}
	} else
		o = jchild(sec, key, 0);
	if ((sv ? cJSON_AddStringToObject(o, metric, sv) :
	    isnan(v) ? cJSON_AddNullToObject(o, metric) :
	    cJSON_AddNumberToObject(o, metric, v)) == NULL)
		die("out of memory");
}

/* prf: precision, recall and F1 from counts, 0 where undefined (as
 * scikit-learn's zero_division default). */
static void
prf(double tp, double npred, double ntrue, double r[3])
{
	r[0] = npred > 0 ? tp / npred : 0;
	r[1] = ntrue > 0 ? tp / ntrue : 0;
	r[2] = r[0] + r[1] > 0 ? 2 * r[0] * r[1] / (r[0] + r[1]) : 0;
}

/* cmp_label: order label indices by value. */
static int
cmp_label(const void *x, const void *y)
{
	int64_t a = labels[*(const size_t *)x].value;
	int64_t b = labels[*(const size_t *)y].value;

	return (a > b) - (a < b);
}

/* mi_terms: mutual information and entropies of the contingency table
 * over rows rs (truth) and columns cs (prediction), as scikit-learn's
 * mutual_info_score and entropy compute them. */
static void
mi_terms(const scope *s, const size_t *rs, size_t nr, const size_t *cs,
    size_t nc, const double *a, const double *b, double n, double *mi,
    double *ht, double *hp)
{
	double m = 0;

	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < nc; j++) {
			double v = (double)s->cont[rs[i] * s->cdim + cs[j]];
			if (v == 0)
				continue;
			double cn = v / n;
			double t = cn * (log(v) - log(n)) + cn * (-log(a[i] *
			    b[j]) + log(n) + log(n));
			m += fabs(t) < 2.220446049250313e-16 ? 0 : t;
		}
	*mi = nr == 1 || nc == 1 || m < 0 ? 0 : m;
	*ht = *hp = 0;
	for (int k = 0; k < 2; k++) {
		const double *p = k ? b : a;
		size_t np = k ? nc : nr;
		double h = 0;
		for (size_t i = 0; i < np; i++)
			h += (p[i] / n) * (log(p[i]) - log(n));
		*(k ? hp : ht) = np <= 1 ? 0 : -h;
	}
}

/* report_cluster: agreement of predictions (clusters) with truth. */
static void
report_cluster(const scope *s, const size_t *ord, size_t nl)
{
	size_t *rs = xcalloc(nl + 1, sizeof(size_t));
	size_t *cs = xcalloc(nl + 1, sizeof(size_t));
	double *a = xcalloc(nl + 1, sizeof(double));
	double *b = xcalloc(nl + 1, sizeof(double));
	size_t nr = 0, nc = 0;
	double n = 0;
	char nb[32], vb[32];

	/* Rows: truth values with frames, not ignored; columns: predicted
	 * values with frames in those rows. */
	for (size_t i = 0; i < nl; i++) {
		size_t li = ord[i];
		double r = 0;
		if (labels[li].ignored)
			continue;
		for (size_t j = 0; j < nl; j++)
			r += (double)s->cont[li * s->cdim + ord[j]];
		if (r > 0) {
			rs[nr] = li;
			a[nr++] = r;
			n += r;
		}
	}
	for (size_t j = 0; j < nl; j++) {
		double c = 0;
		for (size_t i = 0; i < nr; i++)
			c += (double)s->cont[rs[i] * s->cdim + ord[j]];
		if (c > 0) {
			cs[nc] = ord[j];
			b[nc++] = c;
		}
	}
	double mi, ht, hp, nmi, hom, com, v, ari, pur = 0;
	mi_terms(s, rs, nr, cs, nc, a, b, n, &mi, &ht, &hp);
	if ((nr == 1 && nc == 1) || n == 0)
		nmi = 1;
	else if (mi == 0)
		nmi = 0;
	else
		nmi = mi / ((ht + hp) / 2);
	hom = n == 0 ? 1 : ht != 0 ? mi / ht : 1;
	com = n == 0 ? 1 : hp != 0 ? mi / hp : 1;
	v = hom + com == 0 ? 0 : 2 * hom * com / (hom + com);
	/* Adjusted Rand index from the pair confusion matrix, exactly. */
	i128 ss = 0, sa = 0, sb = 0, N = (i128)n;
	for (size_t i = 0; i < nr; i++) {
		sa += (i128)a[i] * (i128)a[i];
		for (size_t j = 0; j < nc; j++) {
			i128 x = (i128)s->cont[rs[i] * s->cdim + cs[j]];
			ss += x * x;
		}
	}
	for (size_t j = 0; j < nc; j++)
		sb += (i128)b[j] * (i128)b[j];
	i128 tp = ss - N, fp = sb - ss, fn = sa - ss;
	i128 tn = N * N - fp - fn - ss;
	if (fn == 0 && fp == 0)
		ari = 1;
	else {
		i128 num = 2 * (tp * tn - fn * fp);
		i128 den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
		ari = (double)num / (double)den;
	}
	emit("cluster", "", NAN, NULL, "frames", n, NULL);
	emit("cluster", "", NAN, NULL, "nmi", nmi, NULL);
	emit("cluster", "", NAN, NULL, "ari", ari, NULL);
	emit("cluster", "", NAN, NULL, "homogeneity", hom, NULL);
	emit("cluster", "", NAN, NULL, "completeness", com, NULL);
	emit("cluster", "", NAN, NULL, "v_measure", v, NULL);
	/* Many-to-one mapping: each cluster to its most frequent label. */
	double hit = 0;
	for (size_t j = 0; j < nc; j++) {
		size_t best = 0;
		uint64_t bv = 0;
		for (size_t i = 0; i < nr; i++) {
			uint64_t x = s->cont[rs[i] * s->cdim + cs[j]];
			if (x > bv) {
				bv = x;
				best = i;
			}
		}
		hit += (double)bv;
		snprintf(vb, sizeof(vb), "%lld", (long long)labels[cs[j]].value);
		emit("mapping", vb, NAN, NULL, "label", 0,
		    label_name(labels[rs[best]].value, nb));
		emit("mapping", vb, NAN, NULL, "frames", b[j], NULL);
		emit("mapping", vb, NAN, NULL, "agree", (double)bv, NULL);
	}
	pur = n > 0 ? hit / n : 0;
	emit("cluster", "", NAN, NULL, "purity", pur, NULL);
	emit("cluster", "", NAN, NULL, "mapping_accuracy", pur, NULL);
	free(rs);
	free(cs);
	free(a);
	free(b);
}

/* report_scope: compute and write every result for scope s. */
static void
report_scope(scope *s)
{
	size_t *ord = xcalloc(nlabels + 1, sizeof(size_t));
	size_t nl = 0, ncls = 0;
	char nb[32], nb2[32];
	double macro[3] = { 0 }, wavg[3] = { 0 }, wsum = 0, diag = 0;

	cur = s;
	if (opt.json) {
		if ((jscope = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(jchild(jroot, "scopes", 1), jscope) ||
		    !cJSON_AddStringToObject(jscope, "scope",
		    scope_names[s->kind]) ||
		    !(s->group ? cJSON_AddStringToObject(jscope, "group",
		    s->group) : cJSON_AddNullToObject(jscope, "group")) ||
		    !(s->sequence ? cJSON_AddStringToObject(jscope,
		    "sequence", s->sequence) : cJSON_AddNullToObject(jscope,
		    "sequence")))
			die("out of memory");
	}
	scope_grow(s);
	/* Labels present in this scope, by value. */
	for (size_t i = 0; i < nlabels; i++) {
		uint64_t any = 0;
		for (size_t j = 0; j < nlabels; j++)
			any += s->cont[i * s->cdim + j] +
			    s->cont[j * s->cdim + i];
		if (any)
			ord[nl++] = i;
	}
	qsort(ord, nl, sizeof(size_t), cmp_label);
	emit("frame", "", NAN, NULL, "frames", (double)s->frames, NULL);
	for (size_t k = 0; k < nl; k++) {
		size_t li = ord[k];
		double tp = (double)s->cont[li * s->cdim + li], nt = 0, np = 0;
		double r[3];
		diag += tp;
		if (labels[li].ignored)
			continue;
		for (size_t j = 0; j < nl; j++) {
			nt += (double)s->cont[li * s->cdim + ord[j]];
			np += (double)s->cont[ord[j] * s->cdim + li];
		}
		prf(tp, np, nt, r);
		const char *nm = label_name(labels[li].value, nb);
		emit("frame", nm, NAN, NULL, "precision", r[0], NULL);
		emit("frame", nm, NAN, NULL, "recall", r[1], NULL);
		emit("frame", nm, NAN, NULL, "f1", r[2], NULL);
		emit("frame", nm, NAN, NULL, "support", nt, NULL);
		for (int m = 0; m < 3; m++) {
			macro[m] += r[m];
			wavg[m] += r[m] * nt;
		}
		wsum += nt;
		ncls++;
	}
	for (int m = 0; m < 3; m++) {
		macro[m] = ncls ? macro[m] / (double)ncls : 0;
		wavg[m] = wsum > 0 ? wavg[m] / wsum : 0;
	}
	static const char *pm[] = { "precision", "recall", "f1" };
	for (int m = 0; m < 3; m++)
		emit("frame", "macro avg", NAN, NULL, pm[m], macro[m], NULL);
	emit("frame", "macro avg", NAN, NULL, "support", wsum, NULL);
	for (int m = 0; m < 3; m++)
		emit("frame", "weighted avg", NAN, NULL, pm[m], wavg[m], NULL);
	emit("frame", "weighted avg", NAN, NULL, "support", wsum, NULL);
	emit("frame", "", NAN, NULL, "accuracy", s->frames ? diag /
	    (double)s->frames : 0, NULL);

	if (opt.confusion)
		for (size_t i = 0; i < nl; i++)
			for (size_t j = 0; j < nl; j++)
				emit("confusion", label_name(labels[ord[i]].value,
				    nb), NAN, NULL, label_name(
				    labels[ord[j]].value, nb2), (double)
				    s->cont[ord[i] * s->cdim + ord[j]], NULL);

	if (opt.events) {
		double mac[3] = { 0 }, tt = 0, tpd = 0, tm = 0, r[3];
		size_t ne = 0;
		for (size_t k = 0; k < nl; k++) {
			size_t li = ord[k];
			const uint64_t *e = s->ev + 3 * li;
			if (labels[li].ignored || (e[0] == 0 && e[1] == 0))
				continue;
			const char *nm = label_name(labels[li].value, nb);
			prf((double)e[2], (double)e[1], (double)e[0], r);
			emit("event", nm, NAN, NULL, "true", (double)e[0], NULL);
			emit("event", nm, NAN, NULL, "predicted", (double)e[1],
			    NULL);
			emit("event", nm, NAN, NULL, "matched", (double)e[2],
			    NULL);
			emit("event", nm, NAN, NULL, "precision", r[0], NULL);
			emit("event", nm, NAN, NULL, "recall", r[1], NULL);
			emit("event", nm, NAN, NULL, "f1", r[2], NULL);
			for (int m = 0; m < 3; m++)
				mac[m] += r[m];
			tt += (double)e[0];
			tpd += (double)e[1];
			tm += (double)e[2];
			ne++;
		}
		for (int m = 0; m < 3; m++)
			emit("event", "macro avg", NAN, NULL, pm[m], ne ?
			    mac[m] / (double)ne : 0, NULL);
		prf(tm, tpd, tt, r);
		emit("event", "micro avg", NAN, NULL, "true", tt, NULL);
		emit("event", "micro avg", NAN, NULL, "predicted", tpd, NULL);
		emit("event", "micro avg", NAN, NULL, "matched", tm, NULL);
		for (int m = 0; m < 3; m++)
			emit("event", "micro avg", NAN, NULL, pm[m], r[m], NULL);
	}

	if (opt.cluster)
		report_cluster(s, ord, nl);

	for (size_t c = 0; c < npcols; c++) {
		char cb[32];
		const char *nm = label_name(pcols[c].value, cb);
		size_t S = (size_t)opt.thr_steps, base = c * (S + 1);
		double npos = 0, nneg = 0, best[4] = { -1, 0, 0, 0 };
		for (size_t i = 0; i <= S; i++) {
			npos += (double)s->thr_pos[base + i];
			nneg += (double)s->thr_neg[base + i];
		}
		/* TP(t_i) = positives with x >= t_i: bins i..S. */
		double tp = npos, fp = nneg, r[3];
		for (size_t i = 0; i <= S; i++) {
			double th = (double)i / (double)S;
			prf(tp, tp + fp, npos, r);
			emit("threshold", nm, th, "threshold", "precision",
			    r[0], NULL);
			emit("threshold", nm, th, "threshold", "recall", r[1],
			    NULL);
			emit("threshold", nm, th, "threshold", "f1", r[2],
			    NULL);
			emit("threshold", nm, th, "threshold", "tp", tp, NULL);
			emit("threshold", nm, th, "threshold", "fp", fp, NULL);
			if (r[2] > best[0]) {
				best[0] = r[2];
				best[1] = th;
				best[2] = r[0];
				best[3] = r[1];
			}
			tp -= (double)s->thr_pos[base + i];
			fp -= (double)s->thr_neg[base + i];
		}
		emit("best_threshold", nm, NAN, NULL, "threshold", best[1],
		    NULL);
		emit("best_threshold", nm, NAN, NULL, "f1", best[0], NULL);
		emit("best_threshold", nm, NAN, NULL, "precision", best[2],
		    NULL);
		emit("best_threshold", nm, NAN, NULL, "recall", best[3], NULL);
		if (opt.calib_bins) {
			size_t B = (size_t)opt.calib_bins, cb0 = c * B;
			double tot = 0, ece = 0;
			for (size_t i = 0; i < B; i++)
				tot += (double)s->cal_n[cb0 + i];
			for (size_t i = 0; i < B; i++) {
				double k = (double)s->cal_n[cb0 + i];
				if (k == 0)
					continue;
				double mp = s->cal_sum[cb0 + i] / k;
				double fr = (double)s->cal_pos[cb0 + i] / k;
				emit("calibration", nm, (double)i, "bin",
				    "mean_predicted", mp, NULL);
				emit("calibration", nm, (double)i, "bin",
				    "fraction_positive", fr, NULL);
				emit("calibration", nm, (double)i, "bin",
				    "count", k, NULL);
				ece += k / tot * fabs(fr - mp);
			}
			emit("calibration", nm, NAN, NULL, "ece", ece, NULL);
		}
	}
	free(ord);
}

/* parse_tolerance: "N" frames or "Xs" seconds. */
static void
parse_tolerance(const char *s)
{
	size_t len = strlen(s);
	double v;

	opt.tol_secs = len > 1 && s[len - 1] == 's';
	if (mz_parse_f64(s, len - (size_t)opt.tol_secs, &v) < 0 || !(v >= 0) ||
	    isinf(v) || (!opt.tol_secs && v != floor(v)))
		usage_error("bad tolerance '%s' (frames, or seconds as 0.5s)",
		    s);
	opt.tol_value = v;
	opt.events = 1;
}

/* parse_int_opt: an integer option in [lo, hi]. */
static int
parse_int_opt(const char *s, const char *what, int lo, int hi)
{
	uint64_t v = parse_count(s, what);

	if (v < (uint64_t)lo || v > (uint64_t)hi)
		usage_error("%s must be %d to %d", what, lo, hi);
	return (int)v;
}

static mz_atomic *atomic_out;

/* abort_out: atexit handler removing an uncommitted -o file. */
static void
abort_out(void)
{
	mz_atomic_abort(atomic_out);
	atomic_out = NULL;
}

int
main(int argc, char **argv)
{
	enum { O_BY = OPT_FIRST_TOOL_OPT, O_CAL, O_CLU, O_CONF, O_IGN, O_JSON,
		O_PROBA, O_THR, O_TOL };
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, O_BY },
		{ "calibration", required_argument, NULL, O_CAL },
		{ "cluster", no_argument, NULL, O_CLU },
		{ "confusion", no_argument, NULL, O_CONF },
		{ "ignore", required_argument, NULL, O_IGN },
		{ "json", no_argument, NULL, O_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "prediction", required_argument, NULL, 'p' },
		{ "proba", required_argument, NULL, O_PROBA },
		{ "truth", required_argument, NULL, 't' },
		{ "thresholds", required_argument, NULL, O_THR },
		{ "tolerance", required_argument, NULL, O_TOL },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	src a = { 0 }, b = { 0 };
	size_t nparts = 0;
	mz_err e;
	int c, two;

	tool_init("mz-eval", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "ho:p:qt:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case O_BY:
			if (strcmp(optarg, "group") == 0)
				opt.by = BY_GROUP;
			else if (strcmp(optarg, "sequence") == 0)
				opt.by = BY_SEQUENCE;
			else
				usage_error("--by: group or sequence, not '%s'",
				    optarg);
			break;
		case O_CAL:
			opt.calib_bins = parse_int_opt(optarg,
			    "calibration bins", 1, 100000);
			break;
		case O_CLU:
			opt.cluster = 1;
			break;
		case O_CONF:
			opt.confusion = 1;
			break;
		case O_IGN: {
			char *s = xstrdup(optarg), *tok, *save = NULL;
			for (tok = strtok_r(s, ",", &save); tok;
			    tok = strtok_r(NULL, ",", &save)) {
				opt.ignore = xrealloc(opt.ignore,
				    (opt.nignore + 1) * sizeof(char *));
				opt.ignore[opt.nignore++] = xstrdup(tok);
			}
			free(s);
			break;
		}
		case O_JSON:
			opt.json = 1;
			break;
		case 'o':
			opt.outpath = optarg;
			break;
		case 'p':
			opt.pred_col = optarg;
			break;
		case O_PROBA:
			if (strchr(optarg, '*') == NULL ||
			    strchr(strchr(optarg, '*') + 1, '*') != NULL)
				usage_error("--proba: the pattern must hold "
				    "exactly one '*'");
			opt.proba = optarg;
			break;
		case 't':
			opt.truth_col = optarg;
			break;
		case O_THR:
			opt.thr_steps = parse_int_opt(optarg, "threshold steps",
			    1, 100000);
			break;
		case O_TOL:
			parse_tolerance(optarg);
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 2)
		usage_error("at most two inputs (truth and prediction)");
	if (opt.calib_bins && !opt.proba)
		usage_error("--calibration needs --proba");
	if (argc == 2 && strcmp(argv[0], "-") == 0 &&
	    strcmp(argv[1], "-") == 0)
		usage_error("only one input can be standard input");
	ignore_used = xcalloc(opt.nignore + 1, 1);
	two = argc == 2;
	a.name = argc ? argv[0] : "-";
	if ((a.r = mz_reader_open(a.name, &e)) == NULL)
		die_err(&e);
	a.name = mz_reader_name(a.r);
	if (two) {
		b.name = argv[1];
		if ((b.r = mz_reader_open(b.name, &e)) == NULL)
			die_err(&e);
		b.name = mz_reader_name(b.r);
	}
	scopes = xcalloc(1, sizeof(*scopes));
	nscopes = 0;
	for (;;) {
		int ra = mz_reader_next_part(a.r, &e), rb;
		if (ra < 0)
			die_err(&e);
		if (two) {
			mz_err e2;
			if ((rb = mz_reader_next_part(b.r, &e2)) < 0)
				die_err(&e2);
			if (ra != rb)
				die("%s has %zu parts but %s has more",
				    ra ? b.name : a.name, nparts,
				    ra ? a.name : b.name);
		}
		if (ra == 0)
			break;
		nparts++;
		if (nscopes == 0 && opt.proba) {
			/* Probability columns are known from the first part:
			 * create the scope after matching them. */
			const mz_header *hb = mz_reader_header(two ? b.r : a.r);
			int tj = mz_header_find(mz_reader_header(a.r),
			    opt.truth_col);
			if (tj >= 0)
				add_levels(&mz_reader_header(a.r)->cols[tj],
				    a.name, 0);
			match_proba(hb, two ? b.name : a.name, 0);
		}
		if (nscopes == 0)
			scope_find(BY_NONE, NULL, NULL);
		score_part(&a, two ? &b : &a, two);
	}
	if (nscopes == 0)
		scope_find(BY_NONE, NULL, NULL);
	for (size_t i = 0; i < opt.nignore; i++)
		if (!ignore_used[i] && nlabels > 0) {
			int64_t v;
			if (mz_parse_i64(opt.ignore[i], strlen(opt.ignore[i]),
			    &v) < 0)
				die("--ignore %s: no such label name",
				    opt.ignore[i]);
		}
	mz_reader_close(a.r);
	if (two)
		mz_reader_close(b.r);

	if (opt.outpath && strcmp(opt.outpath, "-") != 0) {
		atexit(abort_out);
		if ((atomic_out = mz_atomic_open(opt.outpath, &e)) == NULL)
			die_err(&e);
		out = mz_atomic_file(atomic_out);
	} else
		out = stdout;
	if (opt.json) {
		if ((jroot = cJSON_CreateObject()) == NULL)
			die("out of memory");
	} else
		fputs("scope,group,sequence,section,class,at,metric,value\n",
		    out);
	for (size_t i = 0; i < nscopes; i++)
		report_scope(scopes[i]);
	if (opt.json) {
		char *txt = cJSON_Print(jroot);
		if (txt == NULL)
			die("out of memory");
		fputs(txt, out);
		fputc('\n', out);
		free(txt);
		cJSON_Delete(jroot);
	}
	if (atomic_out) {
		mz_atomic *x = atomic_out;
		atomic_out = NULL;
		if (mz_atomic_commit(x, &e) < 0)
			die_err(&e);
	}
	for (size_t i = 0; i < nscopes; i++)
		scope_free(scopes[i]);
	free(scopes);
	finish_stdout();
	return 0;
}
