/*
 * mz-split - seeded train/test partitions, k folds and a calibration
 * subset of the sequences of a stream or of a CSV table of sequences,
 * never splitting a sequence (see mz-split(1)).
 *
 * The input is read once to gather, per sequence, its frame count, the
 * frame counts of each value of the --stratify column and the sum of the
 * --quantile column; only those few numbers per sequence are kept.  The
 * assignment is then a small computation over the units (sequences, or
 * groups with --by group) and its result a table of one row per sequence.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SYNOPSIS \
	"mz-split [-q] [--bins n] [--by group|sequence] [--calibration fraction]" \
	" [--json] [-k folds] [-o file] [--quantile column] [--seed seed]" \
	" [--stratify column] [--test fraction] [file ...]"

enum { SPLIT_TRAIN, SPLIT_TEST, SPLIT_CAL };
static const char *split_names[] = { "train", "test", "calibration" };

/* One sequence of the input. */
typedef struct seqrec {
	char *group, *sequence;
	double frames;
	double *cls;             /* frames per class index (ncls entries) */
	double qsum, qn;         /* sum and count of --quantile values */
	size_t unit;
} seqrec;

/* One unit of assignment: a sequence, or a group with --by group. */
typedef struct unit {
	double *w;               /* per class weight (frames of the class) */
	double total, qsum, qn;
	int split, fold;
	size_t order;            /* first appearance */
} unit;

static seqrec *seqs;
static size_t nseqs;
static int64_t *classes;     /* --stratify values (stream input) */
static size_t ncls;
static int by_group;

/* class_index: index of stratify value v, added (with a zero count in
 * every sequence so far) if new. */
static size_t
class_index(int64_t v)
{
	static size_t last = SIZE_MAX;

	if (last < ncls && classes[last] == v)
		return last;
	for (size_t i = 0; i < ncls; i++)
		if (classes[i] == v)
			return last = i;
	classes = xrealloc(classes, (ncls + 1) * sizeof(*classes));
	classes[ncls] = v;
	for (size_t i = 0; i < nseqs; i++) {
		seqs[i].cls = xrealloc(seqs[i].cls, (ncls + 1) *
		    sizeof(double));
		seqs[i].cls[ncls] = 0;
	}
	return last = ncls++;
}

/* streq0: strings equal, with NULL as "". */
static int
streq0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* seq_find: the record of (group, sequence), created if new. */
static seqrec *
seq_find(const char *group, const char *sequence)
{
	static size_t last = SIZE_MAX;

	if (last < nseqs && streq0(seqs[last].group, group) &&
	    streq0(seqs[last].sequence, sequence))
		return &seqs[last];
	for (size_t i = 0; i < nseqs; i++)
		if (streq0(seqs[i].group, group) &&
		    streq0(seqs[i].sequence, sequence))
			return &seqs[last = i];
	seqs = xrealloc(seqs, (nseqs + 1) * sizeof(*seqs));
	seqrec *s = &seqs[nseqs];
	memset(s, 0, sizeof(*s));
	s->group = xstrdup(group ? group : "");
	s->sequence = xstrdup(sequence);
	s->cls = xcalloc(ncls + 1, sizeof(double));
	last = nseqs++;
	return s;
}

/* col_int: value i of an integer column; *ok = 0 beyond the i64 range. */
static int64_t
col_int(const void *d, mz_type t, size_t i, int *ok)
{
	*ok = 1;
	switch (t) {
	case MZ_I8: return ((const int8_t *)d)[i];
	case MZ_U8: return ((const uint8_t *)d)[i];
	case MZ_I16: return ((const int16_t *)d)[i];
	case MZ_U16: return ((const uint16_t *)d)[i];
	case MZ_I32: return ((const int32_t *)d)[i];
	case MZ_U32: return ((const uint32_t *)d)[i];
	case MZ_I64: return ((const int64_t *)d)[i];
	case MZ_U64:
		if (((const uint64_t *)d)[i] > INT64_MAX)
			*ok = 0;
		return (int64_t)((const uint64_t *)d)[i];
	default:
		*ok = 0;
		return 0;
	}
}

/* col_num: value i of any column as a double. */
static double
col_num(const void *d, mz_type t, size_t i)
{
	int ok;

	if (t == MZ_F32)
		return ((const float *)d)[i];
	if (t == MZ_F64)
		return ((const double *)d)[i];
	if (t == MZ_U64)
		return (double)((const uint64_t *)d)[i];
	return (double)col_int(d, t, i, &ok);
}

/* read_stream: gather the sequences of the stream r. */
static void
read_stream(mz_reader *r, const char *strat, const char *qcol)
{
	const char *name = mz_reader_name(r);
	mz_err e;
	int rc;

	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		const mz_header *h = mz_reader_header(r);
		size_t part = mz_reader_part_index(r);
		char gb[64], sb[64];
		const char *g = meta_str(h, "group", gb);
		const char *s = meta_str(h, "sequence", sb);
		int sj = -1, qj = -1;
		unsigned char *want = xcalloc(h->ncols + 1, 1);
		mz_block b;

		if (s == NULL)
			die("%s: part %zu: no sequence in the metadata", name,
			    part);
		if (strat) {
			if ((sj = mz_header_find(h, strat)) < 0)
				die("%s: part %zu: no column '%s'", name, part,
				    strat);
			if (mz_type_isfloat(h->cols[sj].type))
				die("%s: part %zu: column %s is %s, not an "
				    "integer label column", name, part, strat,
				    mz_type_name(h->cols[sj].type));
			want[sj] = 1;
		}
		if (qcol) {
			if ((qj = mz_header_find(h, qcol)) < 0)
				die("%s: part %zu: no column '%s'", name, part,
				    qcol);
			want[qj] = 1;
		}
		mz_reader_want(r, want);
		free(want);
		seqrec *q = seq_find(g, s);
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			q->frames += (double)b.nrows;
			for (size_t i = 0; sj >= 0 && i < b.nrows; i++) {
				int ok;
				int64_t v = col_int(b.cols[sj], h->cols[sj].type,
				    i, &ok);
				if (!ok || v < 0)
					die("%s: part %zu (%s): column %s: "
					    "negative or out-of-range label",
					    name, part, s, strat);
				/* class_index may reallocate q->cls. */
				size_t ci = class_index(v);
				q->cls[ci]++;
			}
			for (size_t i = 0; qj >= 0 && i < b.nrows; i++) {
				double x = col_num(b.cols[qj], h->cols[qj].type,
				    i);
				if (!isnan(x)) {
					q->qsum += x;
					q->qn++;
				}
			}
		}
		if (rc < 0)
			die_err(&e);
	}
	if (rc < 0)
		die_err(&e);
}

/* csv_split: split the line s (modified) into at most max fields; quoted
 * fields lose their quotes ("" is a quote).  Returns the field count. */
static size_t
csv_split(char *s, char **f, size_t max)
{
	size_t n = 0;
	char *w = s;

	for (;;) {
		if (n == max)
			return max + 1;
		f[n++] = w;
		if (*s == '"') {
			for (s++;;) {
				if (*s == '\0')
					break;
				if (*s == '"' && s[1] == '"') {
					*w++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else
					*w++ = *s++;
			}
		} else
			while (*s && *s != ',')
				*w++ = *s++;
		if (*s != ',') {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		s++;
		w = s;
	}
}

/* read_csv: gather the sequences of the CSV table at path: columns
 * sequence (required), group, frames, the --quantile column and the
 * comma-separated --stratify count columns. */
static void
read_csv(const char *path, const char *strat, const char *qcol)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **fld, *names[64];
	size_t cap = 0, nf = 0, ns = 0, lineno = 0;
	int gj = -1, sj = -1, fj = -1, qj = -1, stj[64];
	ssize_t len;

	if (f == NULL)
		die("%s:", path);
	if (strat) {
		char *s = xstrdup(strat), *save = NULL;
		for (char *t = strtok_r(s, ",", &save); t;
		    t = strtok_r(NULL, ",", &save)) {
			if (ns == 64)
				die("--stratify: at most 64 columns");
			names[ns++] = xstrdup(t);
		}
		free(s);
		for (size_t i = 0; i < ns; i++)
			class_index((int64_t)i);
	}
	fld = xcalloc(4097, sizeof(char *));
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (lineno == 1 && (unsigned char)line[0] == 0xEF &&
		    (unsigned char)line[1] == 0xBB &&
		    (unsigned char)line[2] == 0xBF)
			memmove(line, line + 3, (size_t)len - 2);
		if (len == 0)
			continue;
		size_t n = csv_split(line, fld, 4096);
		if (n > 4096)
			die("%s: line %zu: more than 4096 columns", path,
			    lineno);
		if (lineno == 1) {
			nf = n;
			for (size_t j = 0; j < n; j++) {
				if (strcmp(fld[j], "group") == 0)
					gj = (int)j;
				else if (strcmp(fld[j], "sequence") == 0)
					sj = (int)j;
				else if (strcmp(fld[j], "frames") == 0)
					fj = (int)j;
				if (qcol && strcmp(fld[j], qcol) == 0)
					qj = (int)j;
			}
			for (size_t i = 0; i < ns; i++) {
				stj[i] = -1;
				for (size_t j = 0; j < n; j++)
					if (strcmp(fld[j], names[i]) == 0)
						stj[i] = (int)j;
				if (stj[i] < 0)
					die("%s: line 1: no column '%s'", path,
					    names[i]);
			}
			if (sj < 0)
				die("%s: line 1: no column 'sequence'", path);
			if (qcol && qj < 0)
				die("%s: line 1: no column '%s'", path, qcol);
			continue;
		}
		if (n != nf)
			die("%s: line %zu: %zu fields, the header has %zu",
			    path, lineno, n, nf);
		seqrec *q = seq_find(gj >= 0 ? fld[gj] : NULL, fld[sj]);
		double v;
		if (fj >= 0) {
			if (mz_parse_f64(fld[fj], strlen(fld[fj]), &v) < 0 ||
			    !(v >= 0) || isinf(v))
				die("%s: line %zu: column frames: bad count '%s'",
				    path, lineno, fld[fj]);
		} else
			v = 1;
		q->frames += v;
		for (size_t i = 0; i < ns; i++) {
			const char *c = fld[stj[i]];
			if (mz_parse_f64(c, strlen(c), &v) < 0 || !(v >= 0) ||
			    isinf(v))
				die("%s: line %zu: column %s: bad count '%s'",
				    path, lineno, names[i], c);
			q->cls[i] += v;
		}
		if (qj >= 0) {
			if (mz_parse_f64(fld[qj], strlen(fld[qj]), &v) < 0)
				die("%s: line %zu: column %s: not a number: '%s'",
				    path, lineno, qcol, fld[qj]);
			if (!isnan(v)) {
				q->qsum += v;
				q->qn++;
			}
		}
	}
	if (ferror(f))
		die("%s:", path);
	if (lineno == 0)
		die("%s: empty table", path);
	fclose(f);
	free(line);
	free(fld);
	for (size_t i = 0; i < ns; i++)
		free(names[i]);
}

/* is_stream: 1 if the file at path starts with the mzs signature. */
static int
is_stream(const char *path)
{
	unsigned char sig[4] = { 0 };
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		die("%s:", path);
	size_t n = fread(sig, 1, 4, f);
	fclose(f);
	return n == 4 && memcmp(sig, "\211MZS", 4) == 0;
}

/* shuffle: Fisher-Yates shuffle of idx[0..n) with g. */
static void
shuffle(size_t *idx, size_t n, mz_rng *g)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(mz_rng_next(g) % i);
		size_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

static unit *units;
static size_t nunits;
static size_t wdim;          /* weights per unit */

/* cmp_total_desc: order unit indices by total weight, largest first
 * (qsort is not stable: ties fall back to the position given in pos). */
static size_t *sort_pos;
static int
cmp_total_desc(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	if (units[a].total != units[b].total)
		return units[a].total < units[b].total ? 1 : -1;
	return (sort_pos[a] > sort_pos[b]) - (sort_pos[a] < sort_pos[b]);
}

/* cmp_quantile: order unit indices by mean --quantile value, ties by
 * position in sort_pos. */
static int
cmp_quantile(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	double va = units[a].qsum / units[a].qn, vb = units[b].qsum /
	    units[b].qn;

	if (va != vb)
		return va < vb ? -1 : 1;
	return (sort_pos[a] > sort_pos[b]) - (sort_pos[a] < sort_pos[b]);
}

/*
 * assign: the greedy stratified assignment of the units idx[0..n) to
 * nbins bins with target fractions frac[], writing bin b to *set(unit).
 * Units are shuffled with g, then taken largest first; each goes to the
 * bin with the largest need sum_c w_c (frac_b T_c - n_bc) / T_c (T_c the
 * total of class c over the n units, n_bc what bin b holds), the lowest
 * bin on a tie, except that when the units left are just as many as the
 * empty bins, each goes to the lowest empty bin.
 */
static void
assign(size_t *idx, size_t n, int nbins, const double *frac, mz_rng *g,
    int fold)
{
	double *T = xcalloc(wdim + 1, sizeof(double));
	double *nb = xcalloc((size_t)nbins * wdim + 1, sizeof(double));
	size_t *cnt = xcalloc((size_t)nbins, sizeof(size_t));
	size_t empty = (size_t)nbins;

	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < wdim; c++)
			T[c] += units[idx[i]].w[c];
	shuffle(idx, n, g);
	sort_pos = xcalloc(nunits, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		sort_pos[idx[i]] = i;
	qsort(idx, n, sizeof(size_t), cmp_total_desc);
	free(sort_pos);
	for (size_t i = 0; i < n; i++) {
		unit *u = &units[idx[i]];
		int best = -1;
		double bs = 0;
		for (int b = 0; b < nbins; b++) {
			double s = 0;
			if (n - i == empty && cnt[b] > 0)
				continue;
			for (size_t c = 0; c < wdim; c++)
				if (T[c] > 0)
					s += u->w[c] * (frac[b] * T[c] -
					    nb[(size_t)b * wdim + c]) / T[c];
			if (best < 0 || s > bs) {
				best = b;
				bs = s;
			}
		}
		for (size_t c = 0; c < wdim; c++)
			nb[(size_t)best * wdim + c] += u->w[c];
		if (cnt[best]++ == 0)
			empty--;
		if (fold)
			u->fold = best;
		else
			u->split = best ? SPLIT_TEST : SPLIT_TRAIN;
	}
	free(T);
	free(nb);
	free(cnt);
}

static mz_atomic *atomic_out;

/* abort_out: atexit handler removing an uncommitted -o file. */
static void
abort_out(void)
{
	mz_atomic_abort(atomic_out);
	atomic_out = NULL;
}

/* parse_frac: a fraction in (0, 1). */
static double
parse_frac(const char *s, const char *what)
{
	double v = parse_double(s, what);

	if (!(v > 0 && v < 1))
		usage_error("%s must be between 0 and 1, not %s", what, s);
	return v;
}

int
main(int argc, char **argv)
{
	enum { O_BINS = OPT_FIRST_TOOL_OPT, O_BY, O_CAL, O_JSON, O_Q, O_SEED,
		O_STRAT, O_TEST };
	static const struct option longopts[] = {
		{ "bins", required_argument, NULL, O_BINS },
		{ "by", required_argument, NULL, O_BY },
		{ "calibration", required_argument, NULL, O_CAL },
		{ "folds", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, O_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "quantile", required_argument, NULL, O_Q },
		{ "seed", required_argument, NULL, O_SEED },
		{ "stratify", required_argument, NULL, O_STRAT },
		{ "test", required_argument, NULL, O_TEST },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	const char *outpath = NULL, *strat = NULL, *qcol = NULL;
	double test = 0, cal = 0;
	uint64_t seed = 0, k = 0, bins = 4;
	int c, json = 0;
	mz_err e;
	mz_rng g;

	tool_init("mz-split", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "hk:o:q", longopts, NULL)) != -1) {
		switch (c) {
		case O_BINS:
			bins = parse_count(optarg, "quantile bins");
			if (bins < 1)
				usage_error("--bins must be at least 1");
			break;
		case O_BY:
			if (strcmp(optarg, "group") == 0)
				by_group = 1;
			else if (strcmp(optarg, "sequence") == 0)
				by_group = 0;
			else
				usage_error("--by: group or sequence, not '%s'",
				    optarg);
			break;
		case O_CAL:
			cal = parse_frac(optarg, "calibration fraction");
			break;
		case 'k':
			k = parse_count(optarg, "fold count");
			if (k < 2)
				usage_error("-k must be at least 2");
			break;
		case O_JSON:
			json = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case O_Q:
			qcol = optarg;
			break;
		case O_SEED:
			if (mz_parse_seed(optarg, &seed, &e) < 0)
				usage_error("bad seed '%s'", optarg);
			break;
		case O_STRAT:
			strat = optarg;
			break;
		case O_TEST:
			test = parse_frac(optarg, "test fraction");
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (k == 0 && test == 0 && cal == 0)
		usage_error("nothing to do: give -k, --test or --calibration");
	if (qcol && cal == 0)
		usage_error("--quantile needs --calibration");
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") != 0 && !is_stream(argv[i])) {
			read_csv(argv[i], strat, qcol);
			continue;
		}
		mz_reader *r = mz_reader_open(argv[i], &e);
		if (r == NULL)
			die_err(&e);
		read_stream(r, strat, qcol);
		mz_reader_close(r);
	}
	if (nseqs == 0)
		die("%s: no sequences", argv[0]);

	/* Units. */
	wdim = strat ? ncls : 1;
	if (wdim == 0)
		wdim = 1;
	for (size_t i = 0; i < nseqs; i++) {
		seqrec *s = &seqs[i];
		size_t u = nunits;
		if (by_group)
			for (size_t j = 0; j < i; j++)
				if (strcmp(seqs[j].group, s->group) == 0) {
					u = seqs[j].unit;
					break;
				}
		if (u == nunits) {
			units = xrealloc(units, (nunits + 1) * sizeof(*units));
			memset(&units[nunits], 0, sizeof(*units));
			units[nunits].w = xcalloc(wdim, sizeof(double));
			units[nunits].fold = -1;
			units[nunits].order = nunits;
			nunits++;
		}
		s->unit = u;
		for (size_t c2 = 0; c2 < wdim; c2++)
			units[u].w[c2] += strat && ncls ? s->cls[c2] : s->frames;
		units[u].total += s->frames;
		units[u].qsum += s->qsum;
		units[u].qn += s->qn;
	}
	size_t *idx = xcalloc(nunits, sizeof(size_t)), n = nunits;
	for (size_t i = 0; i < nunits; i++)
		idx[i] = i;

	/* Calibration subset: per quantile bin of the --quantile mean. */
	if (cal > 0) {
		mz_rng_seed(&g, seed, 1);
		if (qcol)
			for (size_t i = 0; i < nseqs; i++)
				if (units[seqs[i].unit].qn == 0)
					die("%s: sequence %s: no values of "
					    "column %s", argv[0],
					    seqs[i].sequence, qcol);
		shuffle(idx, n, &g);
		if (qcol) {
			sort_pos = xcalloc(nunits, sizeof(size_t));
			for (size_t i = 0; i < n; i++)
				sort_pos[idx[i]] = i;
			qsort(idx, n, sizeof(size_t), cmp_quantile);
			free(sort_pos);
		}
		size_t q = qcol ? (size_t)bins : 1, taken = 0;
		for (size_t b = 0; b < q; b++) {
			size_t lo = b * n / q, hi = (b + 1) * n / q;
			shuffle(idx + lo, hi - lo, &g);
			size_t m = (size_t)floor(cal * (double)(hi - lo) + 0.5);
			for (size_t i = lo; i < lo + m; i++)
				units[idx[i]].split = SPLIT_CAL;
			taken += m;
		}
		if (taken == 0 || taken == n)
			die("calibration fraction %g of %zu units selects %s",
			    cal, n, taken ? "all of them" : "none");
		/* Back to the order of first appearance. */
		n = 0;
		for (size_t i = 0; i < nunits; i++)
			if (units[i].split != SPLIT_CAL)
				idx[n++] = i;
	}
	if (test > 0) {
		double frac[2] = { 1 - test, test };
		if (n < 2)
			die("a test split needs at least 2 units, there %s "
			    "%zu", n == 1 ? "is" : "are", n);
		mz_rng_seed(&g, seed, 2);
		assign(idx, n, 2, frac, &g, 0);
		size_t m = 0;
		for (size_t i = 0; i < nunits; i++)
			if (units[i].split == SPLIT_TRAIN)
				idx[m++] = i;
		n = m;
	}
	if (k > 0) {
		if (k > n)
			die("%llu folds but only %zu %s to split",
			    (unsigned long long)k, n, by_group ? "groups" :
			    "sequences");
		double *frac = xcalloc(k, sizeof(double));
		for (size_t i = 0; i < k; i++)
			frac[i] = 1.0 / (double)k;
		mz_rng_seed(&g, seed, 3);
		assign(idx, n, (int)k, frac, &g, 1);
		free(frac);
	}
	free(idx);

	FILE *out = stdout;
	if (outpath && strcmp(outpath, "-") != 0) {
		atexit(abort_out);
		if ((atomic_out = mz_atomic_open(outpath, &e)) == NULL)
			die_err(&e);
		out = mz_atomic_file(atomic_out);
	}
	if (json) {
		cJSON *root = cJSON_CreateObject(), *arr;
		if (root == NULL ||
		    !cJSON_AddNumberToObject(root, "seed", (double)seed) ||
		    !cJSON_AddStringToObject(root, "by", by_group ? "group" :
		    "sequence") ||
		    !cJSON_AddNumberToObject(root, "folds", (double)k) ||
		    (arr = cJSON_AddArrayToObject(root, "sequences")) == NULL)
			die("out of memory");
		for (size_t i = 0; i < nseqs; i++) {
			unit *u = &units[seqs[i].unit];
			cJSON *o = cJSON_CreateObject();
			if (o == NULL || !cJSON_AddItemToArray(arr, o) ||
			    !cJSON_AddStringToObject(o, "group",
			    seqs[i].group) ||
			    !cJSON_AddStringToObject(o, "sequence",
			    seqs[i].sequence) ||
			    !cJSON_AddNumberToObject(o, "frames",
			    seqs[i].frames) ||
			    !cJSON_AddStringToObject(o, "split",
			    split_names[u->split]) ||
			    !(u->fold >= 0 ? cJSON_AddNumberToObject(o, "fold",
			    u->fold) : cJSON_AddNullToObject(o, "fold")))
				die("out of memory");
		}
		char *txt = cJSON_Print(root);
		if (txt == NULL)
			die("out of memory");
		fprintf(out, "%s\n", txt);
		free(txt);
		cJSON_Delete(root);
	} else {
		fputs("group,sequence,frames,split,fold\n", out);
		for (size_t i = 0; i < nseqs; i++) {
			unit *u = &units[seqs[i].unit];
			char fb[32];
			csv_field(out, seqs[i].group);
			fputc(',', out);
			csv_field(out, seqs[i].sequence);
			mz_fmt_f64(seqs[i].frames, fb);
			fprintf(out, ",%s,%s,", fb, split_names[u->split]);
			if (u->fold >= 0)
				fprintf(out, "%d", u->fold);
			fputc('\n', out);
		}
	}
	if (atomic_out) {
		mz_atomic *x = atomic_out;
		atomic_out = NULL;
		if (mz_atomic_commit(x, &e) < 0)
			die_err(&e);
	}
	for (size_t i = 0; i < nseqs; i++) {
		free(seqs[i].group);
		free(seqs[i].sequence);
		free(seqs[i].cls);
	}
	free(seqs);
	for (size_t i = 0; i < nunits; i++)
		free(units[i].w);
	free(units);
	free(classes);
	finish_stdout();
	return 0;
}
