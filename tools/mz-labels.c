/*
 * mz-labels - behaviour annotations to per-frame label streams and event
 * tables, queries of label streams, and per-individual tags (see
 * mz-labels(1)).
 *
 * convert reads every input into one list of events (a behaviour over a
 * frame range, for an individual, a pair of individuals or the scene) and
 * one label map, then paints each (sequence, target) part frame by frame
 * in onset order, so that where events overlap the one that starts later
 * wins.  Everything is read and checked before any output is opened, so a
 * bad row leaves no file behind.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "dataset.h"

#define SYNOPSIS \
	"mz-labels convert [-fq] [-e file] [-F format] [-o file] " \
	"[--dataset dir] [--fps fps] [--frames n] [--group name] " \
	"[--individuals names] [--kind kind] [--labels names] [--no-scene] " \
	"[--observation id] [--sequence name] [--vocabulary file] file ...\n" \
	"mz-labels map [-q] [file]\n" \
	"mz-labels query [-q] [-i individual] [-n frame] [-r first:last] " \
	"[file]\n" \
	"mz-labels id-tags [-q] -m focal|category|multi [-o file] " \
	"[--category-column name] [--dataset dir] [--fields names] " \
	"[--focal-column name] [--id-column name] [--ids names] file"

#define MAXFILE ((size_t)1 << 31)

/* --------------------------------------------------------------- model */

enum { T_STATE, T_POINT };
enum { F_AUTO, F_TABULAR, F_AGGREGATED, F_BORIS, F_CALMS21, F_INTERVALS };
static const char *const fmt_names[] = { "auto", "boris-tabular",
	"boris-aggregated", "boris", "calms21", "intervals" };

/* One event: a behaviour over frames f0..f1 (inclusive) of a sequence. */
struct event {
	size_t seq;       /* index in seqs */
	int subj;         /* individual index, -1: the scene */
	int partner;      /* individual index of a pair's other, -1: none */
	int label;        /* index in names (later: id in the map) */
	int type;         /* T_STATE or T_POINT */
	double t0, t1;    /* seconds */
	int64_t f0, f1;   /* frames */
	char *where;      /* "file: line N" for messages and the table */
	size_t order;     /* input order */
};

/* One sequence: an observation, a CalMS21 sequence or an interval file. */
struct seq {
	char *group;      /* NULL when none is known */
	char *name;
	double fps;       /* > 0 once known */
	int64_t nframes;  /* frames the source states, or -1 */
	double length;    /* media duration in seconds the source states, or -1 */
	char *file;       /* the source file */
	int format;
};

static struct event *evs;
static size_t nev, capev;
static struct seq *seqs;
static size_t nseq;
static char **names;           /* behaviour names, in order of first use */
static size_t nnames;
static int names_fixed;        /* names may not grow (--labels, ethogram) */
static int names_ordered;      /* keep the order of names (a vocabulary) */
static char **inds;            /* individual names; index = id */
static size_t ninds;
static int inds_fixed;

/* Options of convert. */
static struct {
	double fps;               /* 0: from the file */
	int64_t frames;           /* -1: from the source */
	const char *group, *sequence, *observation, *vocabulary;
	int no_scene;
	int format;
} opt = { 0, -1, NULL, NULL, NULL, NULL, 0, F_AUTO };

/* Warning counts. */
static size_t n_unpaired, n_clipped, n_overlap;

/*
 * split_list: the comma-separated items of s in a malloc'd array (each
 * malloc'd), their count in *n; an empty item is a usage error naming opt.
 */
static char **
split_list(const char *s, size_t *n, const char *what)
{
	char **v = NULL;
	const char *p = s;

	*n = 0;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0)
			usage_error("bad %s '%s' (an empty name)", what, s);
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[*n] = xmalloc(len + 1);
		memcpy(v[*n], p, len);
		v[*n][len] = '\0';
		for (size_t i = 0; i < *n; i++)
			if (strcmp(v[i], v[*n]) == 0)
				usage_error("bad %s '%s' ('%s' twice)", what,
				    s, v[*n]);
		(*n)++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return v;
}

/* strv_free: free the n strings of v, and v. */
static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* xasprintf: a malloc'd formatted string (dies when out of memory). */
static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/*
 * label_index: the index in names of behaviour name, added when the map
 * is not fixed; dies naming where when it is fixed and has no such name.
 */
static int
label_index(const char *name, const char *where)
{
	for (size_t i = 0; i < nnames; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	if (names_fixed)
		die("%s: unknown behaviour '%s'", where, name);
	if (*name == '\0')
		die("%s: empty behaviour name", where);
	names = xrealloc(names, (nnames + 1) * sizeof(*names));
	names[nnames] = xstrdup(name);
	return (int)nnames++;
}

/*
 * ind_index: the id of individual name (-1 for "", "-" and BORIS's "No
 * focal subject": the scene), added when the list is not fixed; dies
 * naming where for a name outside a fixed list.
 */
static int
ind_index(const char *name, const char *where)
{
	if (*name == '\0' || strcmp(name, "-") == 0 ||
	    strcmp(name, "No focal subject") == 0)
		return -1;
	for (size_t i = 0; i < ninds; i++)
		if (strcmp(inds[i], name) == 0)
			return (int)i;
	if (inds_fixed)
		die("%s: unknown individual '%s'", where, name);
	if (strcmp(name, "scene") == 0)
		die("%s: 'scene' is reserved for events without a subject",
		    where);
	inds = xrealloc(inds, (ninds + 1) * sizeof(*inds));
	inds[ninds] = xstrdup(name);
	return (int)ninds++;
}

/*
 * seq_index: the index of sequence (group, name), added (with file and
 * format) if new.
 */
static size_t
seq_index(const char *group, const char *name, const char *file, int format)
{
	static char *first;    /* the first sequence named, for --sequence */

	if (opt.sequence) {
		if (first == NULL)
			first = xstrdup(name);
		else if (strcmp(first, name) != 0)
			usage_error("convert: --sequence names one sequence, "
			    "but the input has more ('%s', '%s')", first,
			    name);
		name = opt.sequence;
	}
	if (opt.group)
		group = opt.group;
	for (size_t i = 0; i < nseq; i++)
		if (strcmp(seqs[i].name, name) == 0 &&
		    ((group == NULL && seqs[i].group == NULL) ||
		    (group && seqs[i].group &&
		    strcmp(group, seqs[i].group) == 0)))
			return i;
	seqs = xrealloc(seqs, (nseq + 1) * sizeof(*seqs));
	seqs[nseq].group = group ? xstrdup(group) : NULL;
	seqs[nseq].name = xstrdup(name);
	seqs[nseq].fps = opt.fps;
	seqs[nseq].nframes = -1;
	seqs[nseq].length = -1;
	seqs[nseq].file = xstrdup(file);
	seqs[nseq].format = format;
	return nseq++;
}

/*
 * set_fps: record fps (> 0) stated by the file for sequence s, unless
 * --fps or an earlier statement set it already; a different value from
 * the file is an error naming where.
 */
static void
set_fps(size_t s, double fps, const char *where)
{
	if (opt.fps > 0 || !(fps > 0))
		return;
	if (seqs[s].fps > 0 && seqs[s].fps != fps)
		die("%s: fps %g differs from %g stated before for '%s'", where,
		    fps, seqs[s].fps, seqs[s].name);
	seqs[s].fps = fps;
}

/*
 * add_event: append an event in seconds [t0, t1] (not yet in frames:
 * finish_events converts once every fps is known).  where is taken over.
 */
static void
add_event(size_t s, int subj, int partner, int label, int type, double t0,
    double t1, char *where)
{
	if (nev == capev) {
		capev = capev ? 2 * capev : 256;
		evs = xrealloc(evs, capev * sizeof(*evs));
	}
	evs[nev] = (struct event){ s, subj, partner, label, type, t0, t1,
		-1, -1, where, nev };
	nev++;
}

/* --------------------------------------------------------------- CSV */

/* A delimited-text input: the whole file, read record by record. */
struct csvin {
	const char *path;
	char *buf;
	size_t len, pos;
	long line;        /* line of the next record */
	char delim;
};

/* A record: fields (pointers into sbuf), and the line it starts on. */
struct rec {
	char **f;
	size_t n, cap;
	char *sbuf;
	size_t slen, scap;
	long line;
};

/* csv_open: read path into in (a UTF-8 byte order mark is skipped); the
 * delimiter is a tab if the first line has one, else a comma. */
static void
csv_open(struct csvin *in, const char *path)
{
	size_t n;

	in->path = path;
	in->buf = read_all(path, MAXFILE, &n);
	in->len = n;
	in->pos = n >= 3 && memcmp(in->buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	in->line = 1;
	in->delim = ',';
	for (size_t i = in->pos; i < n && in->buf[i] != '\n'; i++)
		if (in->buf[i] == '\t') {
			in->delim = '\t';
			break;
		}
}

/* sb_put: append byte c to the record's string buffer. */
static void
sb_put(struct rec *r, char c)
{
	if (r->slen == r->scap) {
		r->scap = r->scap ? 2 * r->scap : 256;
		r->sbuf = xrealloc(r->sbuf, r->scap);
	}
	r->sbuf[r->slen++] = c;
}

/*
 * csv_next: the next record of in in r (RFC 4180: quoted fields may hold
 * the delimiter, "" and line ends; \r\n or \n end a record).  Returns 0 at
 * the end of the input.  Dies naming the line for an unterminated quote or
 * a NUL byte.
 */
static int
csv_next(struct csvin *in, struct rec *r)
{
	size_t *start = NULL, nstart = 0;
	int quoted = 0;

	if (in->pos >= in->len)
		return 0;
	r->line = in->line;
	r->slen = 0;
	start = xmalloc(sizeof(*start));
	start[nstart++] = 0;
	while (in->pos < in->len) {
		char c = in->buf[in->pos++];

		if (c == '\0')
			die("%s: line %ld: a NUL byte", in->path, in->line);
		if (quoted) {
			if (c == '"') {
				if (in->pos < in->len &&
				    in->buf[in->pos] == '"') {
					sb_put(r, '"');
					in->pos++;
				} else
					quoted = 0;
			} else {
				if (c == '\n')
					in->line++;
				sb_put(r, c);
			}
			continue;
		}
		if (c == '"') {
			quoted = 1;
		} else if (c == in->delim) {
			sb_put(r, '\0');
			start = xrealloc(start, (nstart + 1) * sizeof(*start));
			start[nstart++] = r->slen;
		} else if (c == '\n') {
			in->line++;
			break;
		} else if (c == '\r' && (in->pos == in->len ||
		    in->buf[in->pos] == '\n')) {
			;
		} else
			sb_put(r, c);
	}
	if (quoted)
		die("%s: line %ld: unterminated quoted field", in->path,
		    r->line);
	sb_put(r, '\0');
	if (nstart > r->cap) {
		r->cap = nstart;
		r->f = xrealloc(r->f, r->cap * sizeof(*r->f));
	}
	r->n = nstart;
	for (size_t i = 0; i < nstart; i++)
		r->f[i] = r->sbuf + start[i];
	free(start);
	return 1;
}

/* rec_free: release r's buffers. */
static void
rec_free(struct rec *r)
{
	free(r->f);
	free(r->sbuf);
}

/* rec_blank: 1 if every field of r is empty. */
static int
rec_blank(const struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i][0])
			return 0;
	return 1;
}

/* col_find: the index of the field equal to name in the header record h
 * (surrounding spaces ignored), or -1. */
static int
col_find(const struct rec *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++) {
		const char *s = h->f[i];
		size_t n = strlen(s);

		while (*s == ' ') {
			s++;
			n--;
		}
		while (n > 0 && s[n - 1] == ' ')
			n--;
		if (n == strlen(name) && strncmp(s, name, n) == 0)
			return (int)i;
	}
	return -1;
}

/* field: field j of r, "" when j < 0 or past the end. */
static const char *
field(const struct rec *r, int j)
{
	return j >= 0 && (size_t)j < r->n ? r->f[j] : "";
}

/* parse_time: the number s (spaces around it ignored) in *v; 0, or -1 if
 * s is not a finite number. */
static int
parse_num(const char *s, double *v)
{
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0 || mz_parse_f64(s, n, v) < 0 || !isfinite(*v))
		return -1;
	return 0;
}

/*
 * need_time: the time in field s of a row (where names it), dying unless
 * it is a finite number >= 0.
 */
static double
need_time(const char *s, const char *what, const char *where)
{
	double v;

	if (parse_num(s, &v) < 0)
		die("%s: %s '%s' is not a number", where, what, s);
	if (v < 0)
		die("%s: negative %s %s", where, what, s);
	return v;
}

/* first_num: the first number of a field like "25.0" or "25.0;30.0", or
 * 0 if there is none ("NA", ""). */
static double
first_num(const char *s)
{
	char buf[64];
	size_t n = strcspn(s, ";|");
	double v;

	if (n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_num(buf, &v) == 0 && v > 0 ? v : 0;
}

/* sum_nums: the sum of the numbers of a field like "359.96;179.96", or -1
 * if there are none. */
static double
sum_nums(const char *s)
{
	double total = 0;
	int any = 0;

	while (*s) {
		char buf[64];
		size_t n = strcspn(s, ";|");
		double v;

		if (n < sizeof buf) {
			memcpy(buf, s, n);
			buf[n] = '\0';
			if (parse_num(buf, &v) == 0 && v >= 0) {
				total += v;
				any = 1;
			}
		}
		s += n;
		if (*s)
			s++;
	}
	return any ? total : -1;
}

/* --------------------------------------------------------------- pairing */

/* An open state event (a START waiting for its STOP). */
struct open {
	size_t seq;
	int subj, label;
	char *mods;       /* modifiers, part of the key */
	double t;
	char *where;
};
static struct open *opens;
static size_t nopen;

/*
 * state_toggle: a START (start = 1), STOP (0) or toggle (-1, the .boris
 * project file's convention) of state behaviour label for (seq, subj,
 * modifiers) at time t.  A STOP closes the open START of the same key
 * into an event; a STOP without one and a second START are errors naming
 * where (taken over).
 */
static void
state_toggle(size_t s, int subj, int label, const char *mods, double t,
    int start, char *where)
{
	size_t i;

	for (i = 0; i < nopen; i++)
		if (opens[i].seq == s && opens[i].subj == subj &&
		    opens[i].label == label && strcmp(opens[i].mods, mods) == 0)
			break;
	if (start == -1)
		start = i == nopen;
	if (start) {
		if (i < nopen)
			die("%s: START of '%s' while the one at %s is not "
			    "stopped", where, names[label], opens[i].where);
		opens = xrealloc(opens, (nopen + 1) * sizeof(*opens));
		opens[nopen++] = (struct open){ s, subj, label, xstrdup(mods),
			t, where };
		return;
	}
	if (i == nopen)
		die("%s: STOP of '%s'%s%s without a START", where, names[label],
		    subj >= 0 ? " for " : "", subj >= 0 ? inds[subj] : "");
	if (t < opens[i].t)
		die("%s: STOP of '%s' at %g before its START at %g (%s)", where,
		    names[label], t, opens[i].t, opens[i].where);
	add_event(s, subj, -1, label, T_STATE, opens[i].t, t, opens[i].where);
	free(where);
	free(opens[i].mods);
	opens[i] = opens[--nopen];
}

/* flush_open: at the end of an input, drop the STARTs that were never
 * stopped (a warning per event, and a count at the end). */
static void
flush_open(void)
{
	for (size_t i = 0; i < nopen; i++) {
		if (!quiet)
			warnx_("warning: %s: START of '%s' without a STOP: "
			    "dropped", opens[i].where, names[opens[i].label]);
		n_unpaired++;
		free(opens[i].mods);
		free(opens[i].where);
	}
	nopen = 0;
}

/* --------------------------------------------------------------- BORIS */

/* modifiers: the modifier fields of r (the columns in mcols) joined by
 * '|', into buf[size]. */
static void
modifiers(const struct rec *r, const int *mcols, size_t nm, char *buf,
    size_t size)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < nm; k++) {
		int n = snprintf(buf + at, size - at, "%s%s", k ? "|" : "",
		    field(r, mcols[k]));
		if (n < 0 || (size_t)n >= size - at)
			break;
		at += (size_t)n;
	}
}

/*
 * read_boris_table: a BORIS tabular (aggregated = 0) or aggregated events
 * export, either layout: before BORIS 8, a metadata block ("Observation
 * id" row, ...) and then a header with Time ... Status; from BORIS 8, a
 * header with Observation id and Behavior type on the first line.
 */
static void
read_boris_table(const char *path, int aggregated)
{
	struct csvin in;
	struct rec r = { 0 };
	struct rec h = { 0 };
	char *obs = NULL;
	int have_header = 0;
	int c_obs = -1, c_time = -1, c_fps = -1, c_subj = -1, c_beh = -1;
	int c_status = -1, c_len = -1, c_start = -1, c_stop = -1;
	int *mcols = NULL;
	size_t nm = 0;

	csv_open(&in, path);
	while (csv_next(&in, &r)) {
		char where[512], mods[512];
		const char *o, *st;
		size_t s;
		int subj, label;

		if (rec_blank(&r))
			continue;
		if (!have_header) {
			/* Metadata rows of the pre-v8 layout. */
			if (col_find(&r, "Behavior") < 0) {
				if (strcmp(r.f[0], "Observation id") == 0 &&
				    r.n > 1) {
					free(obs);
					obs = xstrdup(r.f[1]);
				}
				continue;
			}
			h = r;
			memset(&r, 0, sizeof r);
			have_header = 1;
			c_obs = col_find(&h, "Observation id");
			c_fps = col_find(&h, "FPS");
			c_subj = col_find(&h, "Subject");
			c_beh = col_find(&h, "Behavior");
			if ((c_len = col_find(&h, "Media duration (s)")) < 0)
				c_len = col_find(&h, "Total length");
			if ((c_status = col_find(&h, "Behavior type")) < 0)
				c_status = col_find(&h, "Status");
			c_time = col_find(&h, "Time");
			c_start = col_find(&h, "Start (s)");
			c_stop = col_find(&h, "Stop (s)");
			for (size_t i = 0; i < h.n; i++)
				if (strncmp(h.f[i], "Modifier", 8) == 0) {
					mcols = xrealloc(mcols,
					    (nm + 1) * sizeof(*mcols));
					mcols[nm++] = (int)i;
				}
			if (c_subj < 0)
				die("%s: line %ld: no Subject column", path,
				    h.line);
			if (aggregated && (c_start < 0 || c_stop < 0))
				die("%s: line %ld: no 'Start (s)' and 'Stop "
				    "(s)' columns (not an aggregated events "
				    "export)", path, h.line);
			if (!aggregated && (c_time < 0 || c_status < 0))
				die("%s: line %ld: no Time and Status (or "
				    "Behavior type) columns (not a tabular "
				    "events export)", path, h.line);
			if (c_obs < 0 && obs == NULL)
				die("%s: line %ld: no Observation id, neither "
				    "as a column nor in a metadata block", path,
				    h.line);
			continue;
		}
		/* A new metadata block: the next observation (pre-v8). */
		if (c_obs < 0 && strcmp(r.f[0], "Observation id") == 0) {
			free(obs);
			obs = xstrdup(field(&r, 1));
			have_header = 0;
			rec_free(&h);
			memset(&h, 0, sizeof h);
			free(mcols);
			mcols = NULL;
			nm = 0;
			continue;
		}
		if (r.n > h.n)
			die("%s: line %ld: %zu fields, the header has %zu",
			    path, r.line, r.n, h.n);
		snprintf(where, sizeof where, "%s: line %ld", path, r.line);
		o = c_obs >= 0 ? field(&r, c_obs) : obs;
		if (*o == '\0')
			die("%s: empty Observation id", where);
		s = seq_index(NULL, o, path, aggregated ? F_AGGREGATED :
		    F_TABULAR);
		set_fps(s, first_num(field(&r, c_fps)), where);
		if (c_len >= 0) {
			double len = sum_nums(field(&r, c_len));
			if (len >= 0 && seqs[s].length < 0)
				seqs[s].length = len;
		}
		subj = ind_index(field(&r, c_subj), where);
		label = label_index(field(&r, c_beh), where);
		modifiers(&r, mcols, nm, mods, sizeof mods);
		st = field(&r, c_status);
		if (aggregated) {
			double t0 = need_time(field(&r, c_start), "start",
			    where);
			const char *sp = field(&r, c_stop);
			int point = strcasecmp(st, "POINT") == 0;
			double t1 = point && (*sp == '\0' ||
			    strcmp(sp, "NA") == 0) ? t0 :
			    need_time(sp, "stop", where);

			if (t1 < t0)
				die("%s: stop %g before start %g", where, t1,
				    t0);
			add_event(s, subj, -1, label, point ? T_POINT :
			    T_STATE, t0, t1, xstrdup(where));
			continue;
		}
		double t = need_time(field(&r, c_time), "time", where);
		if (strcasecmp(st, "POINT") == 0)
			add_event(s, subj, -1, label, T_POINT, t, t,
			    xstrdup(where));
		else if (strcasecmp(st, "START") == 0)
			state_toggle(s, subj, label, mods, t, 1,
			    xstrdup(where));
		else if (strcasecmp(st, "STOP") == 0)
			state_toggle(s, subj, label, mods, t, 0,
			    xstrdup(where));
		else
			die("%s: status '%s' is not START, STOP or POINT",
			    where, st);
	}
	if (!have_header)
		die("%s: no header line with Subject and Behavior columns "
		    "(not a BORIS events export)", path);
	flush_open();
	free(obs);
	free(mcols);
	rec_free(&r);
	rec_free(&h);
	free(in.buf);
}

/* json_load: parse the JSON file path; dies naming the line of a syntax
 * error. */
static cJSON *
json_load(const char *path)
{
	size_t len, line = 1;
	char *buf = read_all(path, MAXFILE, &len);
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(buf, len, &end, 0);

	if (j == NULL) {
		for (const char *p = buf; end && p < end; p++)
			line += *p == '\n';
		die("%s: line %zu: invalid JSON", path, line);
	}
	free(buf);
	return j;
}

/* keyed_items: the members of object o sorted by their keys as numbers
 * (BORIS's "0", "1", ... "10"), in a malloc'd array of *n. */
static cJSON **
keyed_items(const cJSON *o, size_t *n)
{
	cJSON **v = NULL, *x;

	*n = 0;
	cJSON_ArrayForEach(x, o) {
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = x;
	}
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && atof(v[j - 1]->string) >
		    atof(v[j]->string); j--) {
			cJSON *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

/* str_cmp: qsort comparison of two char *. */
static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * read_boris_project: a BORIS project file: the ethogram (behaviors_conf:
 * the label map, sorted by code unless --labels), the subjects
 * (subjects_conf, in key order), and each observation's events
 * [time, subject, code, modifiers, comment, ...] (state events toggling
 * per subject, code and modifiers).  fps from --fps, else the media_info
 * fps of player 1's first media file.
 */
static void
read_boris_project(const char *path)
{
	cJSON *root = json_load(path);
	const cJSON *eth = cJSON_GetObjectItemCaseSensitive(root,
	    "behaviors_conf");
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(root,
	    "subjects_conf");
	const cJSON *obs = cJSON_GetObjectItemCaseSensitive(root,
	    "observations");
	cJSON **items, *o;
	char **point = NULL;
	size_t n, npoint = 0, nobs = 0;

	if (!cJSON_IsObject(eth) || !cJSON_IsObject(obs))
		die("%s: not a BORIS project (no behaviors_conf or "
		    "observations object)", path);
	items = keyed_items(eth, &n);
	{
		char **codes = xmalloc((n + 1) * sizeof(*codes));
		size_t nc = 0;

		for (size_t i = 0; i < n; i++) {
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(
			    items[i], "code");
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(
			    items[i], "type");

			if (!cJSON_IsString(c) || !*c->valuestring)
				die("%s: behaviors_conf.%s: no code", path,
				    items[i]->string);
			codes[nc++] = c->valuestring;
			if (cJSON_IsString(t) &&
			    strstr(t->valuestring, "Point")) {
				point = xrealloc(point, (npoint + 1) *
				    sizeof(*point));
				point[npoint++] = c->valuestring;
			}
		}
		if (!names_fixed) {
			/* mosaic's rule: the behaviours sorted. */
			qsort(codes, nc, sizeof(*codes), str_cmp);
			for (size_t i = 0; i < nc; i++)
				label_index(codes[i], path);
			names_fixed = 1;
		} else
			for (size_t i = 0; i < nc; i++) {
				char w[600];
				snprintf(w, sizeof w, "%s: behaviors_conf",
				    path);
				label_index(codes[i], w);
			}
		free(codes);
	}
	free(items);
	if (cJSON_IsObject(sub)) {
		items = keyed_items(sub, &n);
		for (size_t i = 0; i < n; i++) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(
			    items[i], "name");
			char w[600];

			snprintf(w, sizeof w, "%s: subjects_conf.%s", path,
			    items[i]->string);
			if (!cJSON_IsString(nm) || !*nm->valuestring)
				die("%s: no name", w);
			ind_index(nm->valuestring, w);
		}
		free(items);
	}
	cJSON_ArrayForEach(o, obs) {
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "events");
		const cJSON *mi = cJSON_GetObjectItemCaseSensitive(o,
		    "media_info");
		const cJSON *files = cJSON_GetObjectItemCaseSensitive(o,
		    "file");
		const cJSON *p1 = cJSON_GetObjectItemCaseSensitive(files, "1");
		const cJSON *fpso = cJSON_GetObjectItemCaseSensitive(mi, "fps");
		const cJSON *leno = cJSON_GetObjectItemCaseSensitive(mi,
		    "length");
		const cJSON *e, *f;
		size_t s, k = 0;
		int64_t frames = 0;
		double fps = 0;

		if (opt.observation && strcmp(opt.observation, o->string))
			continue;
		nobs++;
		s = seq_index(NULL, o->string, path, F_BORIS);
		if (!cJSON_IsArray(ev))
			die("%s: observation '%s': no events array", path,
			    o->string);
		/* fps and length from player 1's media files. */
		cJSON_ArrayForEach(f, p1) {
			const cJSON *fv, *lv;

			if (!cJSON_IsString(f))
				continue;
			fv = cJSON_GetObjectItemCaseSensitive(fpso,
			    f->valuestring);
			lv = cJSON_GetObjectItemCaseSensitive(leno,
			    f->valuestring);
			if (cJSON_IsNumber(fv) && fv->valuedouble > 0 &&
			    fps == 0)
				fps = fv->valuedouble;
			if (cJSON_IsNumber(lv) && lv->valuedouble >= 0 &&
			    frames >= 0 && fps > 0)
				frames += (int64_t)(lv->valuedouble * fps) + 1;
			else
				frames = -1;
		}
		{
			char w[600];
			snprintf(w, sizeof w, "%s: observation '%s'", path,
			    o->string);
			set_fps(s, fps, w);
		}
		if (frames > 0 && fps == seqs[s].fps)
			seqs[s].nframes = frames;
		cJSON_ArrayForEach(e, ev) {
			const cJSON *t = cJSON_GetArrayItem(e, 0);
			const cJSON *su = cJSON_GetArrayItem(e, 1);
			const cJSON *co = cJSON_GetArrayItem(e, 2);
			const cJSON *mo = cJSON_GetArrayItem(e, 3);
			char *where = xasprintf("%s: observation '%s', event "
			    "%zu", path, o->string, k++);
			double tv;
			int subj, label, pt = 0;

			if (!cJSON_IsArray(e) || !cJSON_IsString(su) ||
			    !cJSON_IsString(co))
				die("%s: not [time, subject, behaviour, ...]",
				    where);
			if (cJSON_IsNumber(t))
				tv = t->valuedouble;
			else if (!cJSON_IsString(t) ||
			    parse_num(t->valuestring, &tv) < 0)
				die("%s: the time is not a number", where);
			if (!isfinite(tv))
				die("%s: the time is not a number", where);
			if (tv < 0)
				die("%s: negative time %g", where, tv);
			subj = ind_index(su->valuestring, where);
			label = label_index(co->valuestring, where);
			for (size_t i = 0; i < npoint; i++)
				pt |= strcmp(point[i], co->valuestring) == 0;
			if (pt)
				add_event(s, subj, -1, label, T_POINT, tv, tv,
				    where);
			else
				state_toggle(s, subj, label,
				    cJSON_IsString(mo) ? mo->valuestring : "",
				    tv, -1, where);
		}
		flush_open();
	}
	if (opt.observation && nobs == 0)
		die("%s: no observation '%s'", path, opt.observation);
	free(point);
	cJSON_Delete(root);
}

/* --------------------------------------------------------------- CalMS21 */

/*
 * read_calms21: CalMS21 annotations {group: {sequence: {annotations: [T]
 * or [T][k] (the first column), metadata: {vocab, fps}}}}: each value k
 * is the behaviour the vocabulary names with k, for the pair (mouse0,
 * mouse1) in both directions; runs of one value make one event.
 */
static void
read_calms21(const char *path)
{
	cJSON *root = json_load(path), *g, *sq;
	cJSON *vocfile = opt.vocabulary ? json_load(opt.vocabulary) : NULL;
	const cJSON *topvoc = cJSON_GetObjectItemCaseSensitive(root,
	    "vocabulary");
	static const char *const defvoc[] = { "attack", "investigation",
		"mount", "other" };
	size_t nseqs = 0;

	if (!cJSON_IsObject(root))
		die("%s: not CalMS21 annotations (the top level must be an "
		    "object of groups)", path);
	names_ordered = 1;
	if (!inds_fixed && ninds == 0) {
		ind_index("mouse0", path);
		ind_index("mouse1", path);
	}
	if (ninds < 2)
		die("%s: CalMS21 labels a pair: --individuals needs two names",
		    path);
	cJSON_ArrayForEach(g, root) {
		if (g == topvoc)
			continue;
		if (!cJSON_IsObject(g))
			die("%s: %s: a group must be an object of sequences",
			    path, g->string);
		cJSON_ArrayForEach(sq, g) {
			const cJSON *an = cJSON_GetObjectItemCaseSensitive(sq,
			    "annotations");
			const cJSON *md = cJSON_GetObjectItemCaseSensitive(sq,
			    "metadata");
			const cJSON *voc = vocfile ? vocfile :
			    cJSON_GetObjectItemCaseSensitive(md, "vocab");
			const cJSON *fr = cJSON_GetObjectItemCaseSensitive(md,
			    "fps");
			int *map = NULL, nmap = 0, T, prev = -1;
			int64_t run0 = 0;
			size_t s;
			char w[600];

			snprintf(w, sizeof w, "%s: %s/%s", path, g->string,
			    sq->string);
			if (voc == NULL)
				voc = topvoc;
			if (!cJSON_IsArray(an))
				die("%s: no \"annotations\" array", w);
			nseqs++;
			if (voc != NULL) {
				const cJSON *x;
				const char **vn;

				if (!cJSON_IsObject(voc))
					die("%s: the vocabulary is not an "
					    "object of name: number", w);
				cJSON_ArrayForEach(x, voc) {
					int k = (int)x->valuedouble;

					if (!cJSON_IsNumber(x) || k < 0 ||
					    k != x->valuedouble || k > 100000)
						die("%s: vocabulary: '%s' is "
						    "not a non-negative "
						    "integer", w, x->string);
					if (k >= nmap) {
						map = xrealloc(map, (size_t)(k +
						    1) * sizeof(*map));
						for (int i = nmap; i <= k; i++)
							map[i] = -1;
						nmap = k + 1;
					}
					if (map[k] >= 0)
						die("%s: vocabulary: %d named "
						    "twice", w, k);
					map[k] = 0;
				}
				/* Names in the order of their values. */
				vn = xcalloc((size_t)nmap + 1, sizeof(*vn));
				cJSON_ArrayForEach(x, voc)
					vn[(int)x->valuedouble] = x->string;
				for (int k = 0; k < nmap; k++)
					if (vn[k])
						map[k] = label_index(vn[k], w);
				free(vn);
			} else {
				nmap = 4;
				map = xmalloc(4 * sizeof(*map));
				for (int i = 0; i < 4; i++)
					map[i] = label_index(defvoc[i], w);
			}
			if (fr == NULL)
				fr = cJSON_GetObjectItemCaseSensitive(md,
				    "frame_rate");
			s = seq_index(g->string, sq->string, path, F_CALMS21);
			set_fps(s, cJSON_IsNumber(fr) ? fr->valuedouble : 0, w);
			T = cJSON_GetArraySize(an);
			seqs[s].nframes = T;
			for (int t = 0; t <= T; t++) {
				const cJSON *a = t < T ?
				    cJSON_GetArrayItem(an, t) : NULL;
				int v = -1;

				if (t < T) {
					if (cJSON_IsArray(a))
						a = cJSON_GetArrayItem(a, 0);
					if (!cJSON_IsNumber(a) ||
					    a->valuedouble !=
					    (int)a->valuedouble)
						die("%s: annotations[%d]: not "
						    "an integer", w, t);
					v = (int)a->valuedouble;
					if (v < 0 || v >= nmap || map[v] < 0)
						die("%s: annotations[%d]: %d "
						    "is not in the vocabulary",
						    w, t, v);
				}
				if (v == prev)
					continue;
				if (prev >= 0) {
					size_t e0 = nev;
					add_event(s, 0, 1, map[prev], T_STATE,
					    NAN, NAN, xasprintf("%s: "
					    "annotations[%lld]", w,
					    (long long)run0));
					evs[e0].f0 = run0;
					evs[e0].f1 = t - 1;
				}
				prev = v;
				run0 = t;
			}
			free(map);
		}
	}
	if (nseqs == 0)
		die("%s: no sequences with annotations", path);
	cJSON_Delete(vocfile);
	cJSON_Delete(root);
}

/* --------------------------------------------------------------- intervals */

/*
 * read_intervals: lines "onset offset label [individual [partner]]" in
 * seconds, separated by white space, or by tabs or commas when the line
 * has them; '#' starts a comment; "# fps: N" states the frame rate; a
 * first line starting with "onset" or "start" is a header.
 */
static void
read_intervals(const char *path)
{
	size_t len;
	char *buf = read_all(path, MAXFILE, &len), *p = buf, *nl;
	const char *base = strrchr(path, '/');
	char *stem = xstrdup(base ? base + 1 : path), *dot;
	long line = 0;
	size_t s;
	int seen = 0;

	if ((dot = strrchr(stem, '.')) != NULL && dot != stem)
		*dot = '\0';
	s = seq_index(NULL, stem, path, F_INTERVALS);
	for (; p < buf + len; p = nl + 1) {
		char *f[6], *q, *hash, where[600];
		size_t nf = 0;
		double t0, t1, fps;
		int subj = -1, partner = -1;
		const char *sep;

		line++;
		if ((nl = memchr(p, '\n', (size_t)(buf + len - p))) == NULL)
			nl = buf + len;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			die("%s: line %ld: a NUL byte", path, line);
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		snprintf(where, sizeof where, "%s: line %ld", path, line);
		if ((hash = strchr(p, '#')) != NULL) {
			q = hash + 1;
			while (*q == ' ' || *q == '\t')
				q++;
			if (strncasecmp(q, "fps:", 4) == 0) {
				if (parse_num(q + 4, &fps) < 0 || !(fps > 0))
					die("%s: bad fps '%s'", where, q + 4);
				set_fps(s, fps, where);
			}
			*hash = '\0';
		}
		sep = strchr(p, '\t') ? "\t" : strchr(p, ',') ? "," :
		    " \t";
		for (q = p; nf < 6;) {
			char *tok;
			size_t n;

			if (strlen(sep) > 1) {
				q += strspn(q, sep);
				if (*q == '\0')
					break;
			}
			tok = q;
			n = strcspn(q, sep);
			q += n;
			f[nf++] = tok;
			if (*q == '\0') {
				break;
			}
			*q++ = '\0';
		}
		for (size_t i = 0; i < nf; i++) {
			char *e = f[i] + strlen(f[i]);
			while (*f[i] == ' ')
				f[i]++;
			while (e > f[i] && e[-1] == ' ')
				*--e = '\0';
		}
		if (nf == 0 || (nf == 1 && *f[0] == '\0'))
			continue;
		if (!seen && (strcasecmp(f[0], "onset") == 0 ||
		    strcasecmp(f[0], "start") == 0)) {
			seen = 1;
			continue;
		}
		seen = 1;
		if (nf < 3 || nf > 5)
			die("%s: %zu fields (want onset offset label "
			    "[individual [partner]])", where, nf);
		t0 = need_time(f[0], "onset", where);
		t1 = need_time(f[1], "offset", where);
		if (t1 < t0)
			die("%s: offset %s before onset %s", where, f[1],
			    f[0]);
		if (nf >= 4)
			subj = ind_index(f[3], where);
		if (nf == 5) {
			partner = ind_index(f[4], where);
			if (subj < 0 || partner < 0 || partner == subj)
				die("%s: a pair needs two different "
				    "individuals", where);
		}
		add_event(s, subj, partner, label_index(f[2], where),
		    t0 == t1 ? T_POINT : T_STATE, t0, t1, xstrdup(where));
	}
	free(stem);
	free(buf);
}

/* --------------------------------------------------------------- detect */

/* detect: the format of path: by extension (.boris; .json is CalMS21
 * unless it holds a BORIS project), else by the header line of the text. */
static int
detect(const char *path)
{
	const char *dot = strrchr(path, '.');
	struct csvin in;
	struct rec r = { 0 };
	int f = F_INTERVALS;

	if (dot && strcmp(dot, ".boris") == 0)
		return F_BORIS;
	csv_open(&in, path);
	if (dot && strcasecmp(dot, ".json") == 0) {
		f = strstr(in.buf, "\"behaviors_conf\"") &&
		    strstr(in.buf, "\"observations\"") ? F_BORIS : F_CALMS21;
		free(in.buf);
		return f;
	}
	for (int k = 0; k < 200 && csv_next(&in, &r); k++) {
		if (col_find(&r, "Behavior") < 0)
			continue;
		if (col_find(&r, "Start (s)") >= 0)
			f = F_AGGREGATED;
		else
			f = F_TABULAR;
		break;
	}
	rec_free(&r);
	free(in.buf);
	return f;
}

/* --------------------------------------------------------------- painting */

/* ev_cmp: events by sequence, then onset frame, then input order. */
static int
ev_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->f0 != y->f0)
		return x->f0 < y->f0 ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * finish: the label map (sorted names unless fixed; id = index + 1, 0 =
 * none), event frames (int(t * fps) as mosaic), each sequence's length;
 * events sorted for painting.  Dies when a sequence has no fps.
 */
static void
finish(void)
{
	int *remap = xmalloc((nnames + 1) * sizeof(*remap));

	if (!names_fixed && !names_ordered) {
		char **sorted = xmalloc((nnames + 1) * sizeof(*sorted));
		memcpy(sorted, names, nnames * sizeof(*sorted));
		qsort(sorted, nnames, sizeof(*sorted), str_cmp);
		for (size_t i = 0; i < nnames; i++)
			for (size_t j = 0; j < nnames; j++)
				if (sorted[j] == names[i])
					remap[i] = (int)j + 1;
		memcpy(names, sorted, nnames * sizeof(*sorted));
		free(sorted);
	} else
		for (size_t i = 0; i < nnames; i++)
			remap[i] = (int)i + 1;
	for (size_t i = 0; i < nseq; i++) {
		if (!(seqs[i].fps > 0))
			die("%s: '%s': no fps in the file: give --fps",
			    seqs[i].file, seqs[i].name);
		/* A media duration is the time of the last frame. */
		if (seqs[i].nframes < 0 && seqs[i].length >= 0)
			seqs[i].nframes = (int64_t)(seqs[i].length *
			    seqs[i].fps) + 1;
	}
	for (size_t i = 0; i < nev; i++) {
		struct event *e = &evs[i];
		double fps = seqs[e->seq].fps;

		e->label = remap[e->label];
		if (e->f0 < 0) {
			e->f0 = (int64_t)(e->t0 * fps);
			e->f1 = e->type == T_POINT ? e->f0 :
			    (int64_t)(e->t1 * fps);
		} else {
			e->t0 = (double)e->f0 / fps;
			e->t1 = (double)e->f1 / fps;
		}
	}
	free(remap);
	qsort(evs, nev, sizeof(*evs), ev_cmp);
	for (size_t i = 0; i < nseq; i++) {
		int64_t n = seqs[i].nframes;

		if (opt.frames >= 0)
			n = opt.frames;
		else
			for (size_t k = 0; k < nev; k++)
				if (evs[k].seq == i && evs[k].f1 + 1 > n)
					n = evs[k].f1 + 1;
		seqs[i].nframes = n < 0 ? 0 : n;
	}
}

/* A part of the output: one (sequence, target) with its frames. */
struct part {
	size_t seq;
	int target;       /* individual id, -1: the scene */
	int32_t *label, *partner;
	unsigned char *hit;
};

/*
 * paint: the parts of sequence s (every individual, then the scene when
 * it has events or there are no individuals, unless --no-scene), each
 * frame holding the label of the covering event with the latest onset.
 */
static struct part *
paint(size_t s, size_t *np)
{
	struct part *p = xcalloc(ninds + 1, sizeof(*p));
	int64_t n = seqs[s].nframes;
	int scene = 0;

	*np = 0;
	for (size_t k = 0; k < nev; k++)
		scene |= evs[k].seq == s && evs[k].subj < 0;
	for (int t = 0; t <= (int)ninds; t++) {
		int target = t < (int)ninds ? t : -1;

		if (target < 0 && (opt.no_scene || (!scene && ninds > 0)))
			continue;
		p[*np].seq = s;
		p[*np].target = target;
		p[*np].label = xcalloc((size_t)n + 1, sizeof(int32_t));
		p[*np].partner = xmalloc(((size_t)n + 1) * sizeof(int32_t));
		p[*np].hit = xcalloc((size_t)n + 1, 1);
		for (int64_t f = 0; f < n; f++)
			p[*np].partner[f] = -1;
		(*np)++;
	}
	for (size_t k = 0; k < nev; k++) {
		const struct event *e = &evs[k];

		if (e->seq != s)
			continue;
		if (e->f1 >= n) {
			n_clipped++;
			if (!quiet)
				warnx_("warning: %s: frames %lld..%lld past "
				    "the last frame %lld: cut", e->where,
				    (long long)e->f0, (long long)e->f1,
				    (long long)n - 1);
		}
		for (size_t j = 0; j < *np; j++) {
			struct part *q = &p[j];
			int other;

			if (q->target == e->subj)
				other = e->partner;
			else if (q->target >= 0 && q->target == e->partner)
				other = e->subj;
			else
				continue;
			for (int64_t f = e->f0; f <= e->f1 && f < n; f++) {
				if (q->hit[f] && q->label[f] != e->label)
					n_overlap++;
				q->hit[f] = 1;
				q->label[f] = e->label;
				q->partner[f] = other;
			}
		}
	}
	return p;
}

/* part_free: release the arrays of the np parts p, and p. */
static void
parts_free(struct part *p, size_t np)
{
	for (size_t j = 0; j < np; j++) {
		free(p[j].label);
		free(p[j].partner);
		free(p[j].hit);
	}
	free(p);
}

/* label_map_json: {"0": "none", "1": name, ...}. */
static cJSON *
label_map_json(void)
{
	cJSON *m = cJSON_CreateObject();

	if (m == NULL || !cJSON_AddStringToObject(m, "0", "none"))
		die("out of memory");
	for (size_t i = 0; i < nnames; i++) {
		char k[24];
		snprintf(k, sizeof k, "%zu", i + 1);
		if (!cJSON_AddStringToObject(m, k, names[i]))
			die("out of memory");
	}
	return m;
}

/* write_part: part q of sequence s to w, with the history options. */
static void
write_part(mz_writer *w, const struct part *q, const cJSON *opts)
{
	const struct seq *sq = &seqs[q->seq];
	size_t n = (size_t)sq->nframes;
	mz_header *h = mz_header_new();
	int64_t *fr = xmalloc((n + 1) * sizeof(*fr));
	double *tm = xmalloc((n + 1) * sizeof(*tm));
	cJSON *lv, *iv;
	const void *cols[4];
	int j;
	mz_err e;

	if (h == NULL)
		die("out of memory");
	if (mz_header_add_column(h, "frame", MZ_I64, NULL, &e) < 0 ||
	    mz_header_add_column(h, "time", MZ_F64, "s", &e) < 0 ||
	    (j = mz_header_add_column(h, "label", MZ_I32, NULL, &e)) < 0 ||
	    mz_header_add_column(h, "partner", MZ_I32, NULL, &e) < 0)
		die_err(&e);
	if ((h->cols[j].extra = cJSON_CreateObject()) == NULL)
		die("out of memory");
	jadd(h->cols[j].extra, "levels", label_map_json());
	if (sq->group)
		jadd(h->meta, "group", cJSON_CreateString(sq->group));
	jadd(h->meta, "sequence", cJSON_CreateString(sq->name));
	jadd(h->meta, "individual", cJSON_CreateString(q->target >= 0 ?
	    inds[q->target] : "scene"));
	jadd(h->meta, "label_target", cJSON_CreateString(q->target >= 0 ?
	    "individual" : "scene"));
	jadd(h->meta, "individual_id", cJSON_CreateNumber(q->target));
	iv = cJSON_CreateArray();
	if (iv == NULL)
		die("out of memory");
	for (size_t i = 0; i < ninds; i++)
		jadd(iv, NULL, cJSON_CreateString(inds[i]));
	jadd(h->meta, "individuals", iv);
	jadd(h->meta, "fps", jnum(sq->fps));
	lv = label_map_json();
	jadd(h->meta, "label_map", lv);
	jadd(h->meta, "label_format", cJSON_CreateString("mz_labels_v1"));
	jadd(h->meta, "source_format",
	    cJSON_CreateString(fmt_names[sq->format]));
	jadd(h->meta, "source_file", cJSON_CreateString(sq->file));
	history_add(h, cJSON_Duplicate(opts, 1));
	if (mz_writer_begin_part(w, h, &e) < 0)
		die_err(&e);
	for (size_t f = 0; f < n; f++) {
		fr[f] = (int64_t)f;
		tm[f] = (double)f / sq->fps;
	}
	cols[0] = fr;
	cols[1] = tm;
	cols[2] = q->label;
	cols[3] = q->partner;
	if ((n > 0 && mz_writer_append(w, n, cols, &e) < 0) ||
	    mz_writer_end_part(w, &e) < 0)
		die_err(&e);
	mz_header_free(h);
	free(fr);
	free(tm);
}

/*
 * write_events: the event table: one row per event (a pair event twice,
 * once from each individual), in sequence and onset order.
 */
static void
write_events(FILE *f)
{
	fputs("group,sequence,individual,partner,target,behavior,label,type,"
	    "start,stop,start_frame,stop_frame,source\n", f);
	for (size_t k = 0; k < nev; k++) {
		const struct event *e = &evs[k];
		const struct seq *sq = &seqs[e->seq];

		for (int dir = 0; dir < (e->partner >= 0 ? 2 : 1); dir++) {
			int a = dir ? e->partner : e->subj;
			int b = dir ? e->subj : e->partner;
			char t0[32], t1[32];

			mz_fmt_f64(e->t0, t0);
			mz_fmt_f64(e->t1, t1);
			csv_field(f, sq->group ? sq->group : "");
			fputc(',', f);
			csv_field(f, sq->name);
			fputc(',', f);
			csv_field(f, a >= 0 ? inds[a] : "");
			fputc(',', f);
			csv_field(f, b >= 0 ? inds[b] : "");
			fprintf(f, ",%s,", b >= 0 ? "pair" : a >= 0 ?
			    "individual" : "scene");
			csv_field(f, names[e->label - 1]);
			fprintf(f, ",%d,%s,%s,%s,%lld,%lld,", e->label,
			    e->type == T_POINT ? "point" : "state", t0, t1,
			    (long long)e->f0, (long long)e->f1);
			csv_field(f, e->where);
			fputc('\n', f);
		}
	}
}

static mz_atomic *events_out;   /* the event table being written */

/* abort_events: atexit handler removing an uncommitted event table. */
static void
abort_events(void)
{
	mz_atomic_abort(events_out);
	events_out = NULL;
}

/* names_joined: the names of the label map, "none" first, joined with
 * ',' (ids joined when ids), malloc'd. */
static char *
names_joined(int ids)
{
	size_t cap = 64, at = 0;
	char *s = xmalloc(cap);

	for (size_t i = 0; i <= nnames; i++) {
		char num[24];
		const char *x = ids ? num : i ? names[i - 1] : "none";
		size_t n;

		snprintf(num, sizeof num, "%zu", i);
		n = strlen(x);
		while (at + n + 2 > cap)
			s = xrealloc(s, cap *= 2);
		if (i)
			s[at++] = ',';
		memcpy(s + at, x, n);
		at += n;
	}
	s[at] = '\0';
	return s;
}

/*
 * store_dataset: each sequence as labels/KIND/ENTRY.mzs of the dataset at
 * dir, and its row upserted (by group and sequence) into
 * labels/KIND/index.csv with mosaic's columns.
 */
static void
store_dataset(const char *dir, const char *kind, const cJSON *opts,
    const mz_wopts *wo)
{
	mz_err e;
	ds_manifest *m = ds_manifest_load(dir, &e);
	char *root, *kdir, *ids = names_joined(1), *nms = names_joined(0);
	ds_table *rows = ds_table_new(ds_cols_labels);
	static const char *const keys[] = { "group", "sequence" };

	if (m == NULL)
		die_err(&e);
	if ((root = ds_root_path(m, DS_LABELS, &e)) == NULL)
		die_err(&e);
	kdir = path_join(root, kind);
	if (mkdir(root, 0777) < 0 && errno != EEXIST)
		die("%s:", root);
	if (mkdir(kdir, 0777) < 0 && errno != EEXIST)
		die("%s:", kdir);
	for (size_t s = 0; s < nseq; s++) {
		char *key = ds_entry_key(seqs[s].group, seqs[s].name);
		char *fname = xasprintf("%s.mzs", key);
		char *path = path_join(kdir, fname);
		char *rel = ds_path_rel(m->dir, path);
		char *gs = seqs[s].group ? ds_safe_name(seqs[s].group) :
		    xstrdup("");
		char *ss = ds_safe_name(seqs[s].name);
		char *src = ds_path_abs(NULL, seqs[s].file);
		char nf[32], fps[32];
		size_t np;
		struct part *p = paint(s, &np);
		mz_writer *w = mz_writer_open(path, wo, &e);
		long r;

		if (w == NULL)
			die_err(&e);
		for (size_t j = 0; j < np; j++)
			write_part(w, &p[j], opts);
		if (mz_writer_close(w, &e) < 0)
			die_err(&e);
		parts_free(p, np);
		snprintf(nf, sizeof nf, "%lld", (long long)seqs[s].nframes);
		mz_fmt_f64(seqs[s].fps, fps);
		if ((r = ds_table_add_row(rows, &e)) < 0 ||
		    ds_table_set(rows, (size_t)r, "kind", kind, &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "label_format",
		    "mz_labels_v1", &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "group", seqs[s].group,
		    &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "sequence", seqs[s].name,
		    &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "group_safe", gs, &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "sequence_safe", ss,
		    &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "abs_path", rel ? rel : path,
		    &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "source_abs_path", src,
		    &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "n_frames", nf, &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "label_ids", ids, &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "label_names", nms,
		    &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "fps", fps, &e) < 0 ||
		    ds_table_set(rows, (size_t)r, "source_format",
		    fmt_names[seqs[s].format], &e) < 0)
			die_err(&e);
		free(key);
		free(fname);
		free(path);
		free(rel);
		free(gs);
		free(ss);
		free(src);
	}
	{
		char *idx = path_join(kdir, "index.csv");
		if (ds_index_upsert(idx, ds_cols_labels, rows, keys, 2,
		    &e) < 0)
			die_err(&e);
		free(idx);
	}
	ds_table_free(rows);
	free(ids);
	free(nms);
	free(kdir);
	free(root);
	ds_manifest_free(m);
}

/* cmd_convert: the convert subcommand (argv after "convert"). */
static int
cmd_convert(int argc, char **argv)
{
	enum { O_DATASET = OPT_FIRST_TOOL_OPT, O_FPS, O_FRAMES, O_GROUP,
		O_INDS, O_KIND, O_LABELS, O_NOSCENE, O_OBS, O_SEQ, O_VOCAB };
	static const struct option longopts[] = {
		{ "dataset", required_argument, NULL, O_DATASET },
		{ "events", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "fps", required_argument, NULL, O_FPS },
		{ "frames", required_argument, NULL, O_FRAMES },
		{ "group", required_argument, NULL, O_GROUP },
		{ "individuals", required_argument, NULL, O_INDS },
		{ "kind", required_argument, NULL, O_KIND },
		{ "labels", required_argument, NULL, O_LABELS },
		{ "no-scene", no_argument, NULL, O_NOSCENE },
		{ "observation", required_argument, NULL, O_OBS },
		{ "output", required_argument, NULL, 'o' },
		{ "sequence", required_argument, NULL, O_SEQ },
		{ "vocabulary", required_argument, NULL, O_VOCAB },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *outpath = NULL, *evpath = NULL, *dataset = NULL;
	const char *kind = "behavior";
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	int c, force = 0;
	cJSON *opts;
	mz_writer *w = NULL;
	mz_err e;

	while ((c = getopt_long(argc, argv, "e:fF:ho:q", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'e':
			evpath = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'F':
			for (opt.format = 0; opt.format <= F_INTERVALS;
			    opt.format++)
				if (strcmp(optarg, fmt_names[opt.format]) == 0)
					break;
			if (opt.format > F_INTERVALS)
				usage_error("bad format '%s' (want auto, "
				    "boris-tabular, boris-aggregated, boris, "
				    "calms21 or intervals)", optarg);
			break;
		case 'o':
			outpath = optarg;
			break;
		case O_DATASET:
			dataset = optarg;
			break;
		case O_FPS:
			opt.fps = parse_double(optarg, "fps");
			if (!(opt.fps > 0))
				usage_error("bad fps '%s' (want a positive "
				    "number)", optarg);
			break;
		case O_FRAMES:
			opt.frames = (int64_t)parse_count(optarg,
			    "frame count");
			break;
		case O_GROUP:
			opt.group = optarg;
			break;
		case O_INDS:
			inds = split_list(optarg, &ninds, "individual list");
			for (size_t i = 0; i < ninds; i++)
				if (strcmp(inds[i], "scene") == 0 ||
				    strcmp(inds[i], "-") == 0)
					usage_error("bad individual list '%s' "
					    "('%s' is reserved)", optarg,
					    inds[i]);
			inds_fixed = 1;
			break;
		case O_KIND:
			kind = optarg;
			if (!*kind || strchr(kind, '/') || *kind == '.')
				usage_error("bad kind '%s'", kind);
			break;
		case O_LABELS:
			names = split_list(optarg, &nnames, "label list");
			for (size_t i = 0; i < nnames; i++)
				if (strcmp(names[i], "none") == 0)
					usage_error("bad label list '%s' "
					    "('none' is label 0)", optarg);
			names_fixed = 1;
			break;
		case O_NOSCENE:
			opt.no_scene = 1;
			break;
		case O_OBS:
			opt.observation = optarg;
			break;
		case O_SEQ:
			opt.sequence = optarg;
			break;
		case O_VOCAB:
			opt.vocabulary = optarg;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage_error("convert: no input file");
	if (outpath && dataset)
		usage_error("convert: -o and --dataset exclude each other");
	check_inputs(argv, argc);
	if (opt.vocabulary)
		check_inputs((char **)&opt.vocabulary, 1);

	for (int i = 0; i < argc; i++) {
		int f = opt.format == F_AUTO ? detect(argv[i]) : opt.format;

		switch (f) {
		case F_TABULAR:
			read_boris_table(argv[i], 0);
			break;
		case F_AGGREGATED:
			read_boris_table(argv[i], 1);
			break;
		case F_BORIS:
			read_boris_project(argv[i]);
			break;
		case F_CALMS21:
			read_calms21(argv[i]);
			break;
		default:
			read_intervals(argv[i]);
		}
	}
	if (nseq == 0)
		die("%s: no observations", argv[0]);
	finish();

	opts = opts_new();
	if (opt.fps > 0)
		opts_num(opts, "fps", opt.fps);
	if (opt.frames >= 0)
		opts_num(opts, "frames", (double)opt.frames);
	if (opt.group)
		opts_str(opts, "group", opt.group);
	if (opt.sequence)
		opts_str(opts, "sequence", opt.sequence);
	if (opt.observation)
		opts_str(opts, "observation", opt.observation);
	if (opt.no_scene)
		opts_bool(opts, "no_scene", 1);

	if (evpath) {
		atexit(abort_events);
		if ((events_out = mz_atomic_open(evpath, &e)) == NULL)
			die_err(&e);
	}
	if (dataset)
		store_dataset(dataset, kind, opts, &wo);
	else {
		w = out_writer(outpath, force, &wo);
		for (size_t s = 0; s < nseq; s++) {
			size_t np;
			struct part *p = paint(s, &np);

			for (size_t j = 0; j < np; j++)
				write_part(w, &p[j], opts);
			parts_free(p, np);
		}
	}
	if (events_out) {
		write_events(mz_atomic_file(events_out));
		if (mz_atomic_commit(events_out, &e) < 0) {
			events_out = NULL;
			die_err(&e);
		}
		events_out = NULL;
	}
	if (!quiet && n_overlap)
		warnx_("warning: %zu frames covered by overlapping events "
		    "(the later onset wins)", n_overlap);
	if (!quiet && n_unpaired)
		warnx_("warning: %zu START events without a STOP dropped",
		    n_unpaired);
	if (!quiet && n_clipped)
		warnx_("warning: %zu events cut at the last frame", n_clipped);
	cJSON_Delete(opts);
	if (w)
		out_close(w);
	else
		finish_stdout();
	return 0;
}

/* --------------------------------------------------------------- queries */

/* A label stream being read by map or query. */
struct lpart {
	const mz_header *h;
	int fj, tj, lj, pj;
};

/*
 * open_label_part: the label columns of the current part of r, dying
 * unless it is a label stream part (frame, label and a label_map).
 */
static struct lpart
open_label_part(mz_reader *r)
{
	struct lpart p;

	p.h = mz_reader_header(r);
	p.fj = mz_header_find(p.h, "frame");
	p.tj = mz_header_find(p.h, "time");
	p.lj = mz_header_find(p.h, "label");
	p.pj = mz_header_find(p.h, "partner");
	if (p.fj < 0 || p.lj < 0 || !cJSON_IsObject(
	    cJSON_GetObjectItemCaseSensitive(p.h->meta, "label_map")))
		die("%s: part %zu: not a label stream (no frame and label "
		    "columns and label_map)", mz_reader_name(r),
		    mz_reader_part_index(r));
	return p;
}

/* cmd_map: print the label map (id,name) of a label stream; every part
 * must have the same one. */
static int
cmd_map(int argc, char **argv)
{
	static const struct option longopts[] = { MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 } };
	const char *path;
	cJSON *first = NULL;
	mz_reader *r;
	mz_err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1)
		tool_stdopt(c);
	if (argc - optind > 1)
		usage_error("map: one input at most");
	path = optind < argc ? argv[optind] : "-";
	if ((r = mz_reader_open(path, &e)) == NULL)
		die_err(&e);
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		struct lpart p = open_label_part(r);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(p.h->meta,
		    "label_map");

		if (first == NULL)
			first = cJSON_Duplicate(m, 1);
		else if (!cJSON_Compare(first, m, 1))
			die("%s: part %zu: a different label map from part 0",
			    mz_reader_name(r), mz_reader_part_index(r));
	}
	if (rc < 0)
		die_err(&e);
	if (first == NULL)
		die("%s: no parts", mz_reader_name(r));
	puts("id,name");
	{
		const cJSON *x;
		cJSON_ArrayForEach(x, first) {
			fputs(x->string, stdout);
			putchar(',');
			csv_field(stdout, cJSON_IsString(x) ? x->valuestring :
			    "");
			putchar('\n');
		}
	}
	cJSON_Delete(first);
	mz_reader_close(r);
	finish_stdout();
	return 0;
}

/* cmd_query: print the labels of rows selected by frame, range and
 * individual as CSV. */
static int
cmd_query(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "frame", required_argument, NULL, 'n' },
		{ "individual", required_argument, NULL, 'i' },
		{ "range", required_argument, NULL, 'r' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *path, *ind = NULL;
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	mz_reader *r;
	mz_err e;
	int c, rc, nflag = 0, rflag = 0, header = 0;
#define HEADER "group,sequence,individual,frame,time,label,name,partner"

	while ((c = getopt_long(argc, argv, "hi:n:qr:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'i':
			ind = optarg;
			break;
		case 'n':
			lo = hi = (int64_t)parse_count(optarg, "frame");
			nflag = 1;
			break;
		case 'r': {
			const char *colon = strchr(optarg, ':');
			char a[32];
			size_t n = colon ? (size_t)(colon - optarg) : 0;

			if (colon == NULL || n == 0 || n >= sizeof a ||
			    !colon[1])
				usage_error("bad range '%s' (want "
				    "first:last)", optarg);
			memcpy(a, optarg, n);
			a[n] = '\0';
			lo = (int64_t)parse_count(a, "range start");
			hi = (int64_t)parse_count(colon + 1, "range end");
			if (hi < lo)
				usage_error("bad range '%s' (last before "
				    "first)", optarg);
			rflag = 1;
			break;
		}
		default:
			tool_stdopt(c);
		}
	}
	if (nflag && rflag)
		usage_error("query: -n and -r exclude each other");
	if (argc - optind > 1)
		usage_error("query: one input at most");
	path = optind < argc ? argv[optind] : "-";
	if ((r = mz_reader_open(path, &e)) == NULL)
		die_err(&e);
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		struct lpart p = open_label_part(r);
		const char *g = mz_meta_str(p.h, "group");
		const char *s = mz_meta_str(p.h, "sequence");
		const char *iname = mz_meta_str(p.h, "individual");
		const cJSON *map = cJSON_GetObjectItemCaseSensitive(p.h->meta,
		    "label_map");
		const cJSON *il = cJSON_GetObjectItemCaseSensitive(p.h->meta,
		    "individuals");
		mz_block b;

		if (!header++)
			puts(HEADER);
		if (ind && (iname == NULL || strcmp(ind, iname) != 0))
			continue;
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			for (size_t i = 0; i < b.nrows; i++) {
				int64_t f = mz_get_i64(b.cols[p.fj],
				    p.h->cols[p.fj].type, i);
				int64_t l = mz_get_i64(b.cols[p.lj],
				    p.h->cols[p.lj].type, i);
				int64_t pa = p.pj >= 0 ? mz_get_i64(
				    b.cols[p.pj], p.h->cols[p.pj].type, i) :
				    -1;
				char key[24], tb[32];
				const cJSON *nm, *pn;

				if (f < lo || f > hi)
					continue;
				snprintf(key, sizeof key, "%lld",
				    (long long)l);
				nm = cJSON_GetObjectItemCaseSensitive(map,
				    key);
				pn = pa >= 0 ? cJSON_GetArrayItem(il,
				    (int)pa) : NULL;
				if (p.tj >= 0)
					mz_fmt_f64(mz_get_f64(b.cols[p.tj],
					    p.h->cols[p.tj].type, i), tb);
				else
					tb[0] = '\0';
				csv_field(stdout, g ? g : "");
				putchar(',');
				csv_field(stdout, s ? s : "");
				putchar(',');
				csv_field(stdout, iname ? iname : "");
				printf(",%lld,%s,%lld,", (long long)f, tb,
				    (long long)l);
				csv_field(stdout, cJSON_IsString(nm) ?
				    nm->valuestring : "");
				putchar(',');
				csv_field(stdout, cJSON_IsString(pn) ?
				    pn->valuestring : "");
				putchar('\n');
			}
		}
		if (rc < 0)
			die_err(&e);
	}
	if (rc < 0)
		die_err(&e);
	if (!header)
		puts(HEADER);
	mz_reader_close(r);
	finish_stdout();
	return 0;
#undef HEADER
}

/* --------------------------------------------------------------- id-tags */

/* A (group, sequence) of id tags: ids in CSV order, per id a value per
 * field (NULL: none). */
struct tagset {
	char *group, *seq;
	char **ids;
	char ***val;      /* val[id][field] */
	size_t nid;
};

/* id_cmp: qsort comparison of indices into a tagset's ids by string. */
static const struct tagset *cmp_ts;
static int
id_cmp(const void *a, const void *b)
{
	return strcmp(cmp_ts->ids[*(const size_t *)a],
	    cmp_ts->ids[*(const size_t *)b]);
}

/*
 * tagset_json: {group, sequence, ids (sorted by string), fields: {name:
 * [values in ids order]}} with fields sorted; focal values are booleans.
 */
static cJSON *
tagset_json(const struct tagset *t, char **fields, size_t nf, int focal)
{
	cJSON *o = cJSON_CreateObject(), *ids = cJSON_CreateArray();
	cJSON *fo = cJSON_CreateObject();
	size_t *ord = xmalloc((t->nid + 1) * sizeof(*ord));
	size_t *ford = xmalloc((nf + 1) * sizeof(*ford));

	if (o == NULL || ids == NULL || fo == NULL)
		die("out of memory");
	for (size_t i = 0; i < t->nid; i++)
		ord[i] = i;
	cmp_ts = t;
	qsort(ord, t->nid, sizeof(*ord), id_cmp);
	for (size_t k = 0; k < nf; k++)
		ford[k] = k;
	for (size_t i = 1; i < nf; i++)
		for (size_t j = i; j > 0 &&
		    strcmp(fields[ford[j - 1]], fields[ford[j]]) > 0; j--) {
			size_t x = ford[j];
			ford[j] = ford[j - 1];
			ford[j - 1] = x;
		}
	jadd(o, "group", cJSON_CreateString(t->group));
	jadd(o, "sequence", cJSON_CreateString(t->seq));
	for (size_t i = 0; i < t->nid; i++)
		jadd(ids, NULL, cJSON_CreateString(t->ids[ord[i]]));
	jadd(o, "ids", ids);
	for (size_t k = 0; k < nf; k++) {
		cJSON *a = cJSON_CreateArray();

		if (a == NULL)
			die("out of memory");
		for (size_t i = 0; i < t->nid; i++) {
			const char *v = t->val[ord[i]][ford[k]];
			jadd(a, NULL, focal ? cJSON_CreateBool(v != NULL) :
			    v ? cJSON_CreateString(v) : cJSON_CreateNull());
		}
		jadd(fo, fields[ford[k]], a);
	}
	jadd(o, "fields", fo);
	free(ord);
	free(ford);
	return o;
}

/* cmd_id_tags: per-individual tags from a CSV file, in mosaic's modes. */
static int
cmd_id_tags(int argc, char **argv)
{
	enum { O_CAT = OPT_FIRST_TOOL_OPT, O_DATASET, O_FIELDS, O_FOCAL,
		O_IDCOL, O_IDS };
	static const struct option longopts[] = {
		{ "category-column", required_argument, NULL, O_CAT },
		{ "dataset", required_argument, NULL, O_DATASET },
		{ "fields", required_argument, NULL, O_FIELDS },
		{ "focal-column", required_argument, NULL, O_FOCAL },
		{ "id-column", required_argument, NULL, O_IDCOL },
		{ "ids", required_argument, NULL, O_IDS },
		{ "mode", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *mode = NULL, *outpath = NULL, *dataset = NULL;
	const char *catcol = "category", *focalcol = "focal_id";
	const char *idcol = "id";
	char **fields = NULL, **all = NULL;
	size_t nf = 0, nall = 0, nts = 0;
	struct tagset *ts = NULL;
	int c, cg, cs, ci, focal;
	int *fc;
	struct csvin in;
	struct rec h = { 0 }, r = { 0 };
	cJSON *doc, *arr;
	mz_err e;

	while ((c = getopt_long(argc, argv, "hm:o:q", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			if (strcmp(mode, "focal") && strcmp(mode, "category") &&
			    strcmp(mode, "multi"))
				usage_error("bad mode '%s' (want focal, "
				    "category or multi)", mode);
			break;
		case 'o':
			outpath = optarg;
			break;
		case O_CAT:
			catcol = optarg;
			break;
		case O_DATASET:
			dataset = optarg;
			break;
		case O_FIELDS:
			fields = split_list(optarg, &nf, "field list");
			break;
		case O_FOCAL:
			focalcol = optarg;
			break;
		case O_IDCOL:
			idcol = optarg;
			break;
		case O_IDS:
			all = split_list(optarg, &nall, "id list");
			break;
		default:
			tool_stdopt(c);
		}
	}
	if (mode == NULL)
		usage_error("id-tags: -m mode is required");
	if (argc - optind != 1)
		usage_error("id-tags: one CSV file");
	if (outpath && dataset)
		usage_error("id-tags: -o and --dataset exclude each other");
	focal = strcmp(mode, "focal") == 0;
	if (focal && nall == 0)
		usage_error("id-tags: -m focal needs --ids");
	check_inputs(argv + optind, 1);
	csv_open(&in, argv[optind]);
	in.delim = ',';
	while (csv_next(&in, &h) && rec_blank(&h))
		;
	if (h.n == 0 || rec_blank(&h))
		die("%s: no header line", in.path);
	cg = col_find(&h, "group");
	cs = col_find(&h, "sequence");
	if (cg < 0 || cs < 0)
		die("%s: line %ld: no group and sequence columns", in.path,
		    h.line);
	ci = col_find(&h, focal ? focalcol : idcol);
	if (ci < 0)
		die("%s: line %ld: no column '%s'", in.path, h.line,
		    focal ? focalcol : idcol);
	if (focal) {
		fields = xmalloc(sizeof(*fields));
		fields[0] = xstrdup("focal");
		nf = 1;
	} else if (strcmp(mode, "category") == 0) {
		fields = xmalloc(sizeof(*fields));
		fields[0] = xstrdup(catcol);
		nf = 1;
	} else if (fields == NULL) {
		for (size_t i = 0; i < h.n; i++)
			if ((int)i != cg && (int)i != cs && (int)i != ci) {
				fields = xrealloc(fields, (nf + 1) *
				    sizeof(*fields));
				fields[nf++] = xstrdup(h.f[i]);
			}
		if (nf == 0)
			die("%s: line %ld: no field columns", in.path, h.line);
	}
	fc = xmalloc((nf + 1) * sizeof(*fc));
	for (size_t k = 0; k < nf && !focal; k++)
		if ((fc[k] = col_find(&h, fields[k])) < 0)
			die("%s: line %ld: no column '%s'", in.path, h.line,
			    fields[k]);
	while (csv_next(&in, &r)) {
		const char *g, *s, *id;
		struct tagset *t = NULL;
		size_t i;

		if (rec_blank(&r))
			continue;
		if (r.n > h.n)
			die("%s: line %ld: %zu fields, the header has %zu",
			    in.path, r.line, r.n, h.n);
		g = field(&r, cg);
		s = field(&r, cs);
		id = field(&r, ci);
		if (*s == '\0')
			die("%s: line %ld: empty sequence", in.path, r.line);
		for (i = 0; i < nts; i++)
			if (strcmp(ts[i].group, g) == 0 &&
			    strcmp(ts[i].seq, s) == 0)
				break;
		if (i == nts) {
			ts = xrealloc(ts, (nts + 1) * sizeof(*ts));
			ts[nts] = (struct tagset){ xstrdup(g), xstrdup(s),
				NULL, NULL, 0 };
			nts++;
			if (focal || nall) {
				t = &ts[i];
				for (size_t k = 0; k < nall; k++) {
					t->ids = xrealloc(t->ids, (t->nid + 1) *
					    sizeof(*t->ids));
					t->val = xrealloc(t->val, (t->nid + 1) *
					    sizeof(*t->val));
					t->ids[t->nid] = xstrdup(all[k]);
					t->val[t->nid++] = xcalloc(nf + 1,
					    sizeof(char *));
				}
			}
		} else if (focal)
			die("%s: line %ld: a second focal id for %s/%s",
			    in.path, r.line, g, s);
		t = &ts[i];
		if (focal) {
			size_t k;
			if (*id == '\0')
				continue;
			for (k = 0; k < t->nid; k++)
				if (strcmp(t->ids[k], id) == 0)
					break;
			if (k == t->nid)
				die("%s: line %ld: focal id '%s' is not in "
				    "--ids", in.path, r.line, id);
			t->val[k][0] = xstrdup("1");
			continue;
		}
		if (*id == '\0')
			die("%s: line %ld: empty id", in.path, r.line);
		for (i = 0; i < t->nid; i++)
			if (strcmp(t->ids[i], id) == 0)
				break;
		if (i == t->nid) {
			if (nall)
				die("%s: line %ld: id '%s' is not in --ids",
				    in.path, r.line, id);
			t->ids = xrealloc(t->ids, (t->nid + 1) *
			    sizeof(*t->ids));
			t->val = xrealloc(t->val, (t->nid + 1) *
			    sizeof(*t->val));
			t->ids[t->nid] = xstrdup(id);
			t->val[t->nid++] = xcalloc(nf + 1, sizeof(char *));
		}
		for (size_t k = 0; k < nf; k++) {
			const char *v = field(&r, fc[k]);
			free(t->val[i][k]);
			t->val[i][k] = *v ? xstrdup(v) : NULL;
		}
	}
	if (nts == 0)
		die("%s: no rows", in.path);

	doc = cJSON_CreateObject();
	arr = cJSON_CreateArray();
	if (doc == NULL || arr == NULL)
		die("out of memory");
	jadd(doc, "label_format", cJSON_CreateString("id_tags_v1"));
	jadd(doc, "mode", cJSON_CreateString(mode));
	for (size_t i = 0; i < nts; i++)
		jadd(arr, NULL, tagset_json(&ts[i], fields, nf, focal));
	jadd(doc, "entries", arr);
	if (dataset) {
		ds_manifest *m = ds_manifest_load(dataset, &e);
		ds_table *rows = ds_table_new(ds_cols_labels);
		static const char *const keys[] = { "group", "sequence" };
		char *root, *kdir, *idx;

		if (m == NULL || (root = ds_root_path(m, DS_LABELS, &e)) ==
		    NULL)
			die_err(&e);
		kdir = path_join(root, "id_tags");
		if ((mkdir(root, 0777) < 0 && errno != EEXIST) ||
		    (mkdir(kdir, 0777) < 0 && errno != EEXIST))
			die("%s:", kdir);
		cJSON_ArrayForEach(arr, cJSON_GetObjectItem(doc, "entries")) {
			const char *g = cJSON_GetObjectItem(arr,
			    "group")->valuestring;
			const char *s = cJSON_GetObjectItem(arr,
			    "sequence")->valuestring;
			char *key = ds_entry_key(g, s);
			char *fn = xasprintf("%s.json", key);
			char *path = path_join(kdir, fn);
			char *rel = ds_path_rel(m->dir, path);
			char *gs = *g ? ds_safe_name(g) : xstrdup("");
			char *ss = ds_safe_name(s);
			char *txt = cJSON_Print(arr), nid[24];
			const cJSON *x;
			char *ids = xstrdup(""), *fl = xstrdup("");
			mz_atomic *a = mz_atomic_open(path, &e);
			long row;

			if (a == NULL || txt == NULL)
				die_err(&e);
			fprintf(mz_atomic_file(a), "%s\n", txt);
			if (mz_atomic_commit(a, &e) < 0)
				die_err(&e);
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(arr, "ids")) {
				char *n2 = xasprintf("%s%s%s", ids, *ids ?
				    "," : "", x->valuestring);
				free(ids);
				ids = n2;
			}
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(arr,
			    "fields")) {
				char *n2 = xasprintf("%s%s%s", fl, *fl ?
				    "," : "", x->string);
				free(fl);
				fl = n2;
			}
			snprintf(nid, sizeof nid, "%d", cJSON_GetArraySize(
			    cJSON_GetObjectItem(arr, "ids")));
			if ((row = ds_table_add_row(rows, &e)) < 0 ||
			    ds_table_set(rows, (size_t)row, "kind", "id_tags",
			    &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "label_format",
			    "id_tags_v1", &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "group", g, &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "sequence", s,
			    &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "group_safe", gs,
			    &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "sequence_safe", ss,
			    &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "abs_path",
			    rel ? rel : path, &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "n_frames", nid,
			    &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "label_ids", ids,
			    &e) < 0 ||
			    ds_table_set(rows, (size_t)row, "label_names", fl,
			    &e) < 0)
				die_err(&e);
			free(key);
			free(fn);
			free(path);
			free(rel);
			free(gs);
			free(ss);
			free(txt);
			free(ids);
			free(fl);
		}
		idx = path_join(kdir, "index.csv");
		if (ds_index_upsert(idx, ds_cols_labels, rows, keys, 2,
		    &e) < 0)
			die_err(&e);
		free(idx);
		free(kdir);
		free(root);
		ds_table_free(rows);
		ds_manifest_free(m);
		finish_stdout();
	} else {
		char *txt = cJSON_Print(doc);
		mz_atomic *a = mz_atomic_open(outpath, &e);

		if (txt == NULL)
			die("out of memory");
		if (a == NULL)
			die_err(&e);
		events_out = a;
		atexit(abort_events);
		fprintf(mz_atomic_file(a), "%s\n", txt);
		events_out = NULL;
		if (mz_atomic_commit(a, &e) < 0)
			die_err(&e);
		free(txt);
		if (outpath)
			finish_stdout();
	}
	cJSON_Delete(doc);
	rec_free(&h);
	rec_free(&r);
	free(in.buf);
	for (size_t i = 0; i < nts; i++) {
		for (size_t k = 0; k < ts[i].nid; k++) {
			for (size_t j = 0; j < nf; j++)
				free(ts[i].val[k][j]);
			free(ts[i].val[k]);
		}
		strv_free(ts[i].ids, ts[i].nid);
		free(ts[i].val);
		free(ts[i].group);
		free(ts[i].seq);
	}
	free(ts);
	strv_free(fields, nf);
	strv_free(all, nall);
	free(fc);
	return 0;
}

int
main(int argc, char **argv)
{
	tool_init("mz-labels", SYNOPSIS);
	if (argc < 2)
		usage_error("a command is required (convert, map, query or "
		    "id-tags)");
	if (strcmp(argv[1], "convert") == 0)
		return cmd_convert(argc - 1, argv + 1);
	if (strcmp(argv[1], "map") == 0)
		return cmd_map(argc - 1, argv + 1);
	if (strcmp(argv[1], "query") == 0)
		return cmd_query(argc - 1, argv + 1);
	if (strcmp(argv[1], "id-tags") == 0)
		return cmd_id_tags(argc - 1, argv + 1);
	/* --help, --version and -q before a command. */
	{
		static const struct option longopts[] = { MZ_STD_LONGOPTS,
			{ NULL, 0, NULL, 0 } };
		int c;

		while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) !=
		    -1)
			tool_stdopt(c);
	}
	usage_error("unknown command '%s' (want convert, map, query or "
	    "id-tags)", argv[1]);
}
