/*
 * mz-index - index the videos (media) or the raw tracking files
 * (tracks_raw) of a dataset (see mz-index(1)).
 *
 * Both sub-commands walk the directories given, pick files by extension
 * or pattern, describe each (size, modification time; for a video what
 * libavformat reports, for a tracking file its group and sequence) and
 * upsert one row per file into the root's index.csv, keyed by the file's
 * absolute path, under the index's lock (tools/dataset.h), so that cron
 * jobs that index one dataset at once lose nothing.  Rows of files
 * indexed before keep their other cells; a video whose size and
 * modification time are unchanged is not probed again.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/md5.h>
#include <libavutil/mem.h>

#include "common.h"
#include "dataset.h"
#include "mz_video.h"

#define SYNOPSIS \
	"mz-index media [-qr] [-d dataset] [-e extensions] " \
	"[-m exact|prefix] [--quick] dir ...\n" \
	"mz-index tracks [-qr] [-d dataset] [-f format] [-g regex] " \
	"[-M filename|parent] [--md5] [-p pattern] [-x pattern] dir ..."

enum { OPT_MD5 = OPT_FIRST_TOOL_OPT, OPT_QUICK };

/* A file found by the walk. */
struct found {
	char *abs;      /* realpath(3) of the file */
	char *rel;      /* path relative to the search directory */
	const char *name; /* its last component (inside rel) */
	struct stat st;
	int probe;      /* media: 0 not probed, 1 probed, -1 probe failed */
	char *vid[5];   /* media: width, height, fps, codec, frame_count
	                   cells (NULL: empty), when probed */
	char md5[33];   /* tracks --md5: the digest */
};

/* The walk's result: files in walk order (each directory sorted). */
struct found_list {
	struct found *f;
	size_t n, cap;
};

/* Options of both sub-commands. */
struct opts {
	int media;              /* 1: media, 0: tracks */
	int recursive;          /* -r */
	const char *dataset;    /* -d, default "." */
	/* media */
	char **ext;             /* -e: lower-case extensions without '.' */
	size_t next;
	int prefix;             /* -m prefix */
	int quick;              /* --quick */
	/* tracks */
	const char *format;     /* -f, NULL: auto */
	const char *group_re;   /* -g, as given */
	regex_t re;
	const char *multi;      /* -M filename|parent, or NULL */
	int md5;                /* --md5 */
	char **pat;             /* -p, NULL-free list */
	size_t npat;
	char **exc;             /* -x */
	size_t nexc;
	char **skip;            /* index files of the dataset itself */
	size_t nskip;
	char **dirs;            /* realpath(3) of the directories walked */
	size_t ndirs;
};

/* ------------------------------------------------------------ helpers */

/* push: append s to the list *v of *n strings. */
static void
push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

/* free_list: free the n strings of v and v. */
static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* lower: s in ASCII lower case (malloc'd). */
static char *
lower(const char *s)
{
	char *t = xstrdup(s);

	for (char *p = t; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return t;
}

/* stem_of: name without its last extension ("a.b.csv" -> "a.b"; a name
 * whose only dot is the first character is its own stem), malloc'd. */
static char *
stem_of(const char *name)
{
	char *s = xstrdup(name), *dot = strrchr(s, '.');

	if (dot != NULL && dot != s)
		*dot = '\0';
	return s;
}

/* fmt_int: v as decimal text (malloc'd). */
static char *
fmt_int(long long v)
{
	char b[32];

	snprintf(b, sizeof b, "%lld", v);
	return xstrdup(b);
}

/* fmt_float: v (finite) as Python's repr of a float writes it, as pandas
 * writes the float cells of mosaic's indexes: the shortest digits that
 * read back as v, in fixed notation with at least one decimal ("30.0",
 * "29.97002997002997") when 1e-4 <= |v| < 1e16, else as "1e+16";
 * malloc'd. */
static char *
fmt_float(double v)
{
	char e[40], dig[24], out[64], *w = out;
	int prec, exp, nd = 0;

	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e is "-d.ddde+XX": collect the digits and the exponent. */
	for (const char *p = e; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			dig[nd++] = *p;
	dig[nd] = '\0';
	while (nd > 1 && dig[nd - 1] == '0')
		dig[--nd] = '\0';
	exp = atoi(strchr(e, 'e') + 1);
	if (v < 0)
		*w++ = '-';
	if (v == 0) {
		strcpy(w, "0.0");
	} else if (exp >= 16 || exp < -4) {
		w += sprintf(w, "%c", dig[0]);
		if (nd > 1)
			w += sprintf(w, ".%s", dig + 1);
		sprintf(w, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	} else if (exp < 0) {
		w += sprintf(w, "0.");
		for (int i = -1; i > exp; i--)
			*w++ = '0';
		strcpy(w, dig);
	} else {
		for (int i = 0; i <= exp; i++)
			*w++ = i < nd ? dig[i] : '0';
		*w++ = '.';
		if (nd > exp + 1)
			strcpy(w, dig + exp + 1);
		else
			strcpy(w, "0");
	}
	return xstrdup(out);
}

/* mtime_iso: the modification time of st as mosaic's _to_iso writes it
 * (datetime.fromtimestamp(st_mtime, timezone.utc).isoformat(): from the
 * float st_mtime that os.stat gives, microseconds rounded half to even,
 * shown only when not zero, "+00:00"), malloc'd. */
static char *
mtime_iso(const struct stat *st)
{
	double d = (double)st->st_mtim.tv_sec + st->st_mtim.tv_nsec * 1e-9;
	double ip, fp = modf(d, &ip);
	time_t t;
	long us;
	char b[64];
	struct tm tm;
	size_t n;

	fp = nearbyint(fp * 1e6);   /* the default mode: half to even */
	if (fp >= 1e6) {
		fp -= 1e6;
		ip += 1;
	}
	t = (time_t)ip;
	us = (long)fp;
	gmtime_r(&t, &tm);
	n = strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	if (us != 0)
		n += (size_t)snprintf(b + n, sizeof b - n, ".%06ld", us);
	snprintf(b + n, sizeof b - n, "+00:00");
	return xstrdup(b);
}

/* md5_file: the MD5 of the bytes of path as 32 lower-case hex digits in
 * out; -1 with errno set on a read error. */
static int
md5_file(const char *path, char out[33])
{
	static unsigned char buf[1 << 16];
	struct AVMD5 *ctx = av_md5_alloc();
	unsigned char d[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (ctx == NULL)
		die("out of memory");
	if (fd < 0) {
		av_free(ctx);
		return -1;
	}
	av_md5_init(ctx);
	while ((k = read(fd, buf, sizeof buf)) != 0) {
		if (k < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			av_free(ctx);
			errno = e;
			return -1;
		}
		av_md5_update(ctx, buf, (size_t)k);
	}
	close(fd);
	av_md5_final(ctx, d);
	av_free(ctx);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* ------------------------------------------------------------ walking */

/* cmp_str: qsort order of C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* want_file: whether the file rel (last component name) is one the
 * sub-command indexes. */
static int
want_file(const struct opts *o, const char *rel, const char *name)
{
	if (strncmp(name, "._", 2) == 0)   /* macOS resource forks */
		return 0;
	if (o->media) {
		const char *dot = strrchr(name, '.');
		int ok = 0;

		if (dot == NULL || dot == name)
			return 0;
		for (size_t i = 0; i < o->next && !ok; i++)
			ok = strcasecmp(dot + 1, o->ext[i]) == 0;
		return ok;
	}
	for (size_t i = 0; i < o->nexc; i++)
		if (fnmatch(o->exc[i], strchr(o->exc[i], '/') ? rel : name,
		    0) == 0)
			return 0;
	for (size_t i = 0; i < o->npat; i++)
		if (fnmatch(o->pat[i], strchr(o->pat[i], '/') ? rel : name,
		    0) == 0)
			return 1;
	return 0;
}

/*
 * walk: add the wanted regular files of directory dir (shown as rel, ""
 * at the top) to out, entries in name order, recursing into
 * subdirectories (not through symbolic links) when o->recursive.  Dies
 * when a directory cannot be read.
 */
static void
walk(const struct opts *o, const char *dir, const char *rel,
    struct found_list *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (d == NULL)
		die("%s:", dir);
	while ((errno = 0, e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			push(&names, &n, e->d_name);
	if (errno != 0)
		die("%s:", dir);
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]);
		char *r = *rel ? path_join(rel, names[i]) : xstrdup(names[i]);
		struct stat lst, st;

		if (lstat(path, &lst) < 0)
			die("%s:", path);
		if (S_ISDIR(lst.st_mode)) {
			if (o->recursive)
				walk(o, path, r, out);
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    want_file(o, r, names[i])) {
			char *abs = realpath(path, NULL);
			struct found *f;

			if (abs == NULL)
				die("%s:", path);
			if (out->n == out->cap) {
				out->cap = out->cap ? 2 * out->cap : 64;
				out->f = xrealloc(out->f,
				    out->cap * sizeof *out->f);
			}
			f = &out->f[out->n++];
			memset(f, 0, sizeof *f);
			f->abs = abs;
			f->rel = r;
			f->name = strrchr(r, '/') ? strrchr(r, '/') + 1 : r;
			f->st = st;
			r = NULL;
		}
		free(r);
		free(path);
	}
	free_list(names, n);
}

/* dedup: drop files whose absolute path came earlier in l (a directory
 * given twice, or inside another one given). */
static void
dedup(struct found_list *l, const struct opts *o)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++) {
		int dup = 0;

		for (size_t j = 0; j < k && !dup; j++)
			dup = strcmp(l->f[j].abs, l->f[i].abs) == 0;
		for (size_t j = 0; j < o->nskip && !dup; j++)
			dup = strcmp(o->skip[j], l->f[i].abs) == 0;
		if (dup) {
			free(l->f[i].abs);
			free(l->f[i].rel);
		} else {
			l->f[k++] = l->f[i];
		}
	}
	l->n = k;
}

/* ------------------------------------------------------------ index rows */

/*
 * The rows of an index by file: the absolute path of every row's
 * abs_path (relative values resolved against the dataset directory), so
 * that a file indexed before, perhaps stored relative by make-portable,
 * is found again.
 */
struct rowpaths {
	char **abs;     /* [t->nrow] resolved, or NULL for an empty cell */
	size_t n;
};

/* rowpaths_init: resolve the abs_path of every row of t. */
static void
rowpaths_init(struct rowpaths *rp, const ds_manifest *m, const ds_table *t)
{
	rp->n = t->nrow;
	rp->abs = xcalloc(t->nrow ? t->nrow : 1, sizeof *rp->abs);
	for (size_t r = 0; r < t->nrow; r++) {
		const char *v = ds_table_get(t, r, "abs_path");

		rp->abs[r] = v ? ds_resolve_index_path(m, v) : NULL;
	}
}

/* rowpaths_free: release rp. */
static void
rowpaths_free(struct rowpaths *rp)
{
	free_list(rp->abs, rp->n);
	rp->abs = NULL;
	rp->n = 0;
}

/* set: ds_table_set, dying on failure. */
static void
set(ds_table *t, size_t r, const char *col, const char *val)
{
	mz_err e;

	if (ds_table_set(t, r, col, val, &e) < 0)
		die_err(&e);
}

/* set_own: set, then free val. */
static void
set_own(ds_table *t, size_t r, const char *col, char *val)
{
	set(t, r, col, val);
	free(val);
}

/* row_for: the row of file f in t (an existing one, whose stored abs_path
 * is kept as it is, relative or not), else a new row with abs_path set
 * (and added to rp); *isnew tells which. */
static size_t
row_for(struct rowpaths *rp, ds_table *t, const struct found *f, int *isnew)
{
	long r;
	mz_err e;

	for (size_t i = 0; i < rp->n; i++)
		if (rp->abs[i] != NULL && strcmp(rp->abs[i], f->abs) == 0) {
			*isnew = 0;
			return i;
		}
	if ((r = ds_table_add_row(t, &e)) < 0)
		die_err(&e);
	set(t, (size_t)r, "abs_path", f->abs);
	rp->abs = xrealloc(rp->abs, ((size_t)r + 1) * sizeof *rp->abs);
	while (rp->n <= (size_t)r)
		rp->abs[rp->n++] = NULL;
	rp->abs[r] = xstrdup(f->abs);
	*isnew = 1;
	return (size_t)r;
}

/* same_file_state: row r of t records the size and modification time of
 * f (so what was learnt from its content still holds). */
static int
same_file_state(const ds_table *t, size_t r, const struct found *f)
{
	const char *sz = ds_table_get(t, r, "size_bytes");
	const char *mt = ds_table_get(t, r, "mtime_iso");
	char *want_mt = mtime_iso(&f->st);
	int same = sz != NULL && mt != NULL &&
	    strtoll(sz, NULL, 10) == (long long)f->st.st_size &&
	    strcmp(mt, want_mt) == 0;

	free(want_mt);
	return same;
}

/*
 * prune: remove the rows of t (and rp) whose file no longer exists and
 * lay where this run looked (in one of the directories walked, or below
 * it when recursive), so that deleted files leave the index.  Rows of
 * other places are kept.  Returns the number removed.
 */
static size_t
prune(ds_table *t, struct rowpaths *rp, const struct opts *o)
{
	size_t n = 0;

	for (size_t r = t->nrow; r-- > 0; ) {
		const char *p = rp->abs[r];
		int here = 0;

		for (size_t i = 0; p != NULL && i < o->ndirs && !here; i++) {
			char *rest = ds_path_under(p, o->dirs[i]);

			here = rest != NULL && strcmp(rest, ".") != 0 &&
			    (o->recursive || strchr(rest, '/') == NULL);
			free(rest);
		}
		if (!here || access(p, F_OK) == 0 || errno != ENOENT)
			continue;
		ds_table_delete_row(t, r);
		free(rp->abs[r]);
		memmove(rp->abs + r, rp->abs + r + 1,
		    (rp->n - r - 1) * sizeof *rp->abs);
		rp->n--;
		n++;
	}
	return n;
}

/* ------------------------------------------------------------ media */

/* A track entry media files can be matched to. */
struct seqmeta {
	char *group, *sequence, *group_safe, *sequence_safe;
};

/* The keys of mosaic's _build_media_sequence_keymap, in insertion order;
 * a key maps to the first entry that produced it. */
struct keymap {
	char **key;
	size_t *meta;       /* index into seqs */
	size_t n;
	struct seqmeta *seqs;
	size_t nseq;
};

/* keymap_add: map key (if non-empty and new) to entry i. */
static void
keymap_add(struct keymap *km, const char *key, size_t i)
{
	if (*key == '\0')
		return;
	for (size_t j = 0; j < km->n; j++)
		if (strcmp(km->key[j], key) == 0)
			return;
	km->key = xrealloc(km->key, (km->n + 1) * sizeof *km->key);
	km->meta = xrealloc(km->meta, (km->n + 1) * sizeof *km->meta);
	km->key[km->n] = xstrdup(key);
	km->meta[km->n++] = i;
}

/* keymap_get: the entry key maps to, or -1. */
static long
keymap_get(const struct keymap *km, const char *key)
{
	for (size_t j = 0; j < km->n; j++)
		if (strcmp(km->key[j], key) == 0)
			return (long)km->meta[j];
	return -1;
}

/*
 * keymap_build: the sequences of the tracks index (tracks/index.csv; when
 * there is none yet, tracks_raw/index.csv), each under the keys sequence,
 * its safe name, its last '/' component ("tail") and that tail's safe
 * name, each also lower-cased, as mosaic's index_media matches them.
 */
static void
keymap_build(const ds_manifest *m, struct keymap *km)
{
	static const int roots[] = { DS_TRACKS, DS_TRACKS_RAW };
	ds_table *t = NULL;
	mz_err e;

	memset(km, 0, sizeof *km);
	for (size_t i = 0; i < 2 && t == NULL; i++) {
		char *dir = ds_root_path(m, roots[i], &e), *path;
		int missing = 0;

		if (dir == NULL)
			continue;
		path = path_join(dir, "index.csv");
		t = ds_table_read(path, &missing, &e);
		if (t == NULL && !missing)
			die_err(&e);
		free(path);
		free(dir);
	}
	if (t == NULL)
		return;
	km->seqs = xcalloc(t->nrow ? t->nrow : 1, sizeof *km->seqs);
	for (size_t r = 0; r < t->nrow; r++) {
		const char *g = ds_table_get(t, r, "group");
		const char *s = ds_table_get(t, r, "sequence");
		const char *gs = ds_table_get(t, r, "group_safe");
		const char *ss = ds_table_get(t, r, "sequence_safe");
		struct seqmeta *q;
		const char *slash;
		char *keys[8];
		size_t i;

		if (s == NULL)
			continue;
		i = km->nseq++;
		q = &km->seqs[i];
		q->group = xstrdup(g ? g : "");
		q->sequence = xstrdup(s);
		q->group_safe = gs ? xstrdup(gs) : g ? ds_safe_name(g) :
		    xstrdup("");
		q->sequence_safe = ss ? xstrdup(ss) : ds_safe_name(s);
		slash = strrchr(s, '/');
		keys[0] = xstrdup(s);
		keys[1] = lower(s);
		keys[2] = xstrdup(q->sequence_safe);
		keys[3] = lower(q->sequence_safe);
		keys[4] = xstrdup(slash ? slash + 1 : s);
		keys[5] = lower(keys[4]);
		keys[6] = ds_safe_name(keys[4]);
		keys[7] = lower(keys[6]);
		for (int k = 0; k < 8; k++) {
			keymap_add(km, keys[k], i);
			free(keys[k]);
		}
	}
	ds_table_free(t);
}

/* keymap_free: release km. */
static void
keymap_free(struct keymap *km)
{
	for (size_t i = 0; i < km->nseq; i++) {
		free(km->seqs[i].group);
		free(km->seqs[i].sequence);
		free(km->seqs[i].group_safe);
		free(km->seqs[i].sequence_safe);
	}
	free(km->seqs);
	free_list(km->key, km->n);
	free(km->meta);
}

/*
 * match_stem: mosaic's _match_media_sequence: the entry whose key equals
 * the stem, its lower case, its safe name or that lower-cased (in this
 * order); then, with prefix, the entry of the longest key that (lower-
 * cased) starts the lower-cased stem or its lower-cased safe name; and
 * last, with prefix, the one entry (if only one) whose keys start with
 * the stem.  -1 when nothing matches.
 */
static long
match_stem(const struct keymap *km, const char *stem, int prefix)
{
	char *cand[4];
	long hit = -1, best_j = -1, rev = -1;
	size_t best = 0;

	if (km->n == 0 || *stem == '\0')
		return -1;
	cand[0] = xstrdup(stem);
	cand[1] = lower(stem);
	cand[2] = ds_safe_name(stem);
	cand[3] = lower(cand[2]);
	for (int i = 0; i < 4 && hit < 0; i++)
		hit = keymap_get(km, cand[i]);
	for (size_t j = 0; hit < 0 && prefix && j < km->n; j++) {
		char *k = lower(km->key[j]);
		size_t l = strlen(k);

		if (l > best && (strncmp(cand[1], k, l) == 0 ||
		    strncmp(cand[3], k, l) == 0)) {
			best = l;
			best_j = (long)j;
		}
		free(k);
	}
	if (hit < 0 && best_j >= 0)
		hit = (long)km->meta[best_j];
	/* The other way round, when only one sequence fits: DeepLabCut names
	 * its output after the video and a scorer ("v1DLC_resnet50_..."). */
	for (size_t j = 0; hit < 0 && prefix && j < km->n; j++) {
		char *k = lower(km->key[j]);

		if (strncmp(k, cand[1], strlen(cand[1])) == 0 ||
		    strncmp(k, cand[3], strlen(cand[3])) == 0) {
			if (rev < 0)
				rev = (long)km->meta[j];
			else if (rev != (long)km->meta[j])
				rev = -2;   /* ambiguous */
		}
		free(k);
	}
	if (hit < 0 && rev >= 0)
		hit = rev;
	for (int i = 0; i < 4; i++)
		free(cand[i]);
	return hit;
}

/* cmp_name_row: qsort order of (name, row) pairs by name, then row. */
struct name_row {
	const char *name;
	size_t row;
};
static int
cmp_name_row(const void *a, const void *b)
{
	const struct name_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->row > y->row) - (x->row < y->row);
}

/*
 * video_order: set the video_order column of t: within each (group,
 * sequence) of more than one file, the rank (from 0) of each file's name;
 * 0 for a sequence of one file.  Recomputed over the whole index, so that
 * files added by later runs take their place.
 */
static void
video_order(ds_table *t)
{
	struct name_row *v = xcalloc(t->nrow ? t->nrow : 1, sizeof *v);
	char *done = xcalloc(t->nrow ? t->nrow : 1, 1);

	for (size_t r = 0; r < t->nrow; r++) {
		const char *g = ds_table_get(t, r, "group");
		const char *s = ds_table_get(t, r, "sequence");
		size_t n = 0;

		if (done[r])
			continue;
		for (size_t q = r; q < t->nrow; q++) {
			const char *g2 = ds_table_get(t, q, "group");
			const char *s2 = ds_table_get(t, q, "sequence");

			if (done[q] || strcmp(g ? g : "", g2 ? g2 : "") != 0 ||
			    strcmp(s ? s : "", s2 ? s2 : "") != 0)
				continue;
			done[q] = 1;
			v[n].name = ds_table_get(t, q, "name");
			if (v[n].name == NULL)
				v[n].name = "";
			v[n++].row = q;
		}
		qsort(v, n, sizeof *v, cmp_name_row);
		for (size_t i = 0; i < n; i++)
			set_own(t, v[i].row, "video_order",
			    fmt_int(n > 1 ? (long long)i : 0));
	}
	free(done);
	free(v);
}

/* The video cells, in the order of struct found's vid. */
static const char *const vid_cols[5] = { "width", "height", "fps", "codec",
	"frame_count" };

/* probe: probe the video f into f->vid (empty cells and a warning when it
 * cannot be read); 0, or -1 on failure. */
static int
probe(struct found *f, int quick)
{
	mzv_info info;
	double fps;
	mz_err e;

	if (mzv_probe(f->abs, &info, quick, &e) < 0) {
		warnx_("%s: %s (indexed without video fields)", f->rel,
		    e.msg);
		f->probe = -1;
		return -1;
	}
	fps = info.avg_fps > 0 ? info.avg_fps : info.r_fps;
	f->vid[0] = info.width > 0 ? fmt_int(info.width) : NULL;
	f->vid[1] = info.height > 0 ? fmt_int(info.height) : NULL;
	f->vid[2] = fps > 0 ? fmt_float(fps) : NULL;
	f->vid[3] = info.codec[0] ? xstrdup(info.codec) : NULL;
	f->vid[4] = info.frames >= 0 ? fmt_int(info.frames) : NULL;
	f->probe = 1;
	return 0;
}

/* reusable: row r of t describes f's current content with every video
 * field a probe of this kind (quick or not) would fill. */
static int
reusable(const ds_table *t, size_t r, const struct found *f, int quick)
{
	return same_file_state(t, r, f) && ds_table_get(t, r, "codec") &&
	    (quick || ds_table_get(t, r, "frame_count"));
}

/*
 * index_media: describe the videos of l into the media index (media_raw
 * root when set, else media).  Videos are probed before the index is
 * locked (those the index already describes, unchanged, are not probed
 * again), so that the lock is held only while rows are written.  Returns
 * the number of files that could not be probed (indexed with empty video
 * fields).
 */
static int
index_media(const ds_manifest *m, const struct opts *o, struct found_list *l)
{
	int root = m->root[DS_MEDIA_RAW] ? DS_MEDIA_RAW : DS_MEDIA;
	char *dir, *path;
	struct keymap km;
	struct rowpaths rp;
	ds_index *ix;
	ds_table *t;
	int bad = 0, missing = 0;
	size_t added = 0, probed = 0, removed;
	progress *pb;
	mz_err e;

	if ((dir = ds_root_path(m, root, &e)) == NULL)
		die("%s: %s", m->path, e.msg);
	path = path_join(dir, "index.csv");
	keymap_build(m, &km);

	/* Probe what the index does not describe yet. */
	t = ds_table_read(path, &missing, &e);
	if (t == NULL && !missing)
		die_err(&e);
	if (t == NULL)
		t = ds_table_new(NULL);
	rowpaths_init(&rp, m, t);
	pb = progress_start("mz-index", l->n);
	for (size_t i = 0; i < l->n; i++) {
		struct found *f = &l->f[i];
		int isnew;
		size_t r = row_for(&rp, t, f, &isnew);

		if (isnew || !reusable(t, r, f, o->quick)) {
			bad += probe(f, o->quick) < 0;
			probed++;
		}
		progress_update(pb, i + 1);
	}
	progress_end(pb);
	rowpaths_free(&rp);
	ds_table_free(t);

	/* Write the rows under the lock. */
	if ((ix = ds_index_open(path, ds_cols_media, 0, &e)) == NULL)
		die_err(&e);
	t = ds_index_table(ix);
	rowpaths_init(&rp, m, t);
	for (const char *const *c = ds_cols_media; *c; c++)
		if (ds_table_add_col(t, *c) < 0)
			die("out of memory");
	if (ds_table_add_col(t, "frame_count") < 0)
		die("out of memory");
	for (size_t i = 0; i < l->n; i++) {
		struct found *f = &l->f[i];
		char *stem = stem_of(f->name);
		long hit = match_stem(&km, stem, o->prefix);
		const struct seqmeta *q = hit >= 0 ? &km.seqs[hit] : NULL;
		int isnew;
		size_t r = row_for(&rp, t, f, &isnew);

		/* Another run changed the row since: probe after all. */
		if (f->probe == 0 && (isnew || !reusable(t, r, f, o->quick))) {
			bad += probe(f, o->quick) < 0;
			probed++;
		}
		added += isnew;
		set(t, r, "name", f->name);
		set(t, r, "group", q ? q->group : "");
		set(t, r, "sequence", q ? q->sequence : stem);
		set(t, r, "group_safe", q ? q->group_safe : "");
		if (q != NULL)
			set(t, r, "sequence_safe", q->sequence_safe);
		else
			set_own(t, r, "sequence_safe", ds_safe_name(stem));
		set_own(t, r, "size_bytes", fmt_int(f->st.st_size));
		set_own(t, r, "mtime_iso", mtime_iso(&f->st));
		set(t, r, "media_type", "video");
		for (int k = 0; k < 5 && f->probe != 0; k++)
			set(t, r, vid_cols[k], f->vid[k]);
		free(stem);
	}
	removed = prune(t, &rp, o);
	video_order(t);
	rowpaths_free(&rp);
	if (ds_index_commit(ix, &e) < 0)
		die_err(&e);
	if (!quiet)
		fprintf(stderr, "%s: %s: %zu files (%zu new, %zu probed), "
		    "%zu rows of deleted files removed\n", prog, path, l->n,
		    added, probed, removed);
	keymap_free(&km);
	free(path);
	free(dir);
	return bad;
}

/* ------------------------------------------------------------ tracks */

/* is_trex: the format names TRex files (mz's trex or mosaic's
 * trex_npz); auto counts as TRex for a .npz file. */
static int
is_trex(const char *format, const char *name)
{
	size_t n = strlen(name);

	if (format == NULL)
		return n > 4 && strcasecmp(name + n - 4, ".npz") == 0;
	return strcmp(format, "trex") == 0 || strcmp(format, "trex_npz") == 0;
}

/* strip_trex: remove a trailing _(id|fish|bee|animal|ind)<digits>
 * (letters in any case) from s in place, as mosaic's _strip_trex_seq. */
static void
strip_trex(char *s)
{
	static const char *const pre[] = { "id", "fish", "bee", "animal",
		"ind" };
	char *u = strrchr(s, '_');

	if (u == NULL)
		return;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		size_t l = strlen(pre[i]);
		const char *d = u + 1 + l;

		if (strncasecmp(u + 1, pre[i], l) == 0 && *d != '\0' &&
		    strspn(d, "0123456789") == strlen(d)) {
			*u = '\0';
			return;
		}
	}
}

/*
 * translate_re: the regular expression re with the Perl classes \d and \D
 * (outside bracket expressions) written as POSIX [0-9] and [^0-9], so that
 * mosaic's group patterns (Python re) work with regcomp(3); malloc'd.
 */
static char *
translate_re(const char *re)
{
	char *out = xmalloc(strlen(re) * 3 + 1), *w = out;
	int bracket = 0;

	for (const char *p = re; *p; p++) {
		if (!bracket && p[0] == '\\' && (p[1] == 'd' || p[1] == 'D')) {
			w += sprintf(w, p[1] == 'd' ? "[0-9]" : "[^0-9]");
			p++;
		} else if (!bracket && p[0] == '\\' && p[1] != '\0') {
			*w++ = *p++;
			*w++ = *p;
		} else {
			if (!bracket && *p == '[') {
				bracket = 1;
				*w++ = *p++;
				if (*p == '^')
					*w++ = *p++;
				if (*p == ']')
					*w++ = *p++;
				if (*p == '\0')
					break;
			} else if (bracket && *p == ']') {
				bracket = 0;
			}
			*w++ = *p;
		}
	}
	*w = '\0';
	return out;
}

/* parent_name: the name of the directory holding abs (absolute). */
static char *
parent_name(const char *abs)
{
	char *d = xstrdup(abs), *s = strrchr(d, '/'), *p;

	if (s != NULL)
		*s = '\0';
	p = strrchr(d, '/');
	p = xstrdup(p ? p + 1 : d);
	free(d);
	return p;
}

/*
 * index_tracks: describe the tracking files of l into
 * tracks_raw/index.csv.  Returns the number of files that could not be
 * read for --md5 (not indexed).
 */
static int
index_tracks(const ds_manifest *m, const struct opts *o,
    struct found_list *l)
{
	char *dir, *path;
	struct rowpaths rp;
	ds_index *ix;
	ds_table *t;
	int bad = 0;
	size_t added = 0, removed;
	progress *pb;
	mz_err e;

	if ((dir = ds_root_path(m, DS_TRACKS_RAW, &e)) == NULL)
		die("%s: %s", m->path, e.msg);
	path = path_join(dir, "index.csv");
	/* Checksums before the index is locked. */
	pb = progress_start("mz-index", o->md5 ? l->n : 0);
	for (size_t i = 0; o->md5 && i < l->n; i++) {
		if (md5_file(l->f[i].abs, l->f[i].md5) < 0) {
			warnx_("%s: %s (not indexed)", l->f[i].rel,
			    strerror(errno));
			l->f[i].md5[0] = '\0';
			bad++;
		}
		progress_update(pb, i + 1);
	}
	progress_end(pb);
	if ((ix = ds_index_open(path, ds_cols_tracks_raw, 0, &e)) == NULL)
		die_err(&e);
	t = ds_index_table(ix);
	rowpaths_init(&rp, m, t);
	for (const char *const *c = ds_cols_tracks_raw; *c; c++)
		if (ds_table_add_col(t, *c) < 0)
			die("out of memory");
	for (size_t i = 0; i < l->n; i++) {
		const struct found *f = &l->f[i];
		char *seq, *grp = NULL;
		int isnew;
		size_t r;

		if (o->md5 && f->md5[0] == '\0')
			continue;
		if (o->multi != NULL) {
			grp = strcmp(o->multi, "filename") == 0 ?
			    stem_of(f->name) : parent_name(f->abs);
			seq = xstrdup("");
		} else {
			regmatch_t mt[2];

			seq = stem_of(f->name);
			if (is_trex(o->format, f->name))
				strip_trex(seq);
			if (o->group_re != NULL &&
			    regexec(&o->re, seq, 2, mt, 0) == 0 &&
			    mt[1].rm_so >= 0) {
				grp = xmalloc((size_t)(mt[1].rm_eo -
				    mt[1].rm_so) + 1);
				memcpy(grp, seq + mt[1].rm_so,
				    (size_t)(mt[1].rm_eo - mt[1].rm_so));
				grp[mt[1].rm_eo - mt[1].rm_so] = '\0';
			}
		}
		r = row_for(&rp, t, f, &isnew);
		added += isnew;
		/* An md5 computed earlier stays while the file is unchanged. */
		if (o->md5)
			set(t, r, "md5", f->md5);
		else if (isnew || !same_file_state(t, r, f))
			set(t, r, "md5", NULL);
		set(t, r, "group", grp ? grp : "");
		set(t, r, "sequence", seq);
		set(t, r, "src_format", o->format ? o->format : "auto");
		set_own(t, r, "size_bytes", fmt_int(f->st.st_size));
		set_own(t, r, "mtime_iso", mtime_iso(&f->st));
		free(seq);
		free(grp);
	}
	removed = prune(t, &rp, o);
	rowpaths_free(&rp);
	if (ds_index_commit(ix, &e) < 0)
		die_err(&e);
	if (!quiet)
		fprintf(stderr, "%s: %s: %zu files (%zu new), %zu rows of "
		    "deleted files removed\n", prog, path,
		    l->n - (size_t)bad, added, removed);
	free(path);
	free(dir);
	return bad;
}

/* ------------------------------------------------------------ main */

/* split_list: add the comma-separated items of s to *v (a usage error
 * naming opt for an empty item). */
static void
split_list(char ***v, size_t *n, const char *s, const char *opt)
{
	char *copy = xstrdup(s), *save = NULL;

	if (*s == '\0' || s[strlen(s) - 1] == ',' || strstr(s, ",,") ||
	    *s == ',')
		usage_error("%s: empty item in '%s'", opt, s);
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		while (*t == '.')
			t++;
		if (*t == '\0')
			usage_error("%s: empty item in '%s'", opt, s);
		push(v, n, t);
	}
	free(copy);
}

/* skip_own_indexes: the dataset's own index files, which a walk over the
 * dataset directory must not index as raw tracks. */
static void
skip_own_indexes(const ds_manifest *m, struct opts *o)
{
	for (int i = 0; i < DS_NROOTS; i++) {
		char *dir = m->root[i] ? ds_root_path(m, i, NULL) : NULL;

		if (dir != NULL) {
			char *p = path_join(dir, "index.csv");
			char *abs = realpath(p, NULL);

			if (abs != NULL) {
				push(&o->skip, &o->nskip, abs);
				free(abs);
			}
			free(p);
		}
		free(dir);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dataset", required_argument, NULL, 'd' },
		{ "ext", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "group-pattern", required_argument, NULL, 'g' },
		{ "match", required_argument, NULL, 'm' },
		{ "md5", no_argument, NULL, OPT_MD5 },
		{ "multi-sequence", required_argument, NULL, 'M' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "recursive", no_argument, NULL, 'r' },
		{ "exclude", required_argument, NULL, 'x' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	struct found_list l = { NULL, 0, 0 };
	int c, eflag = 0, mflag = 0, tflag = 0, bad;
	ds_manifest *m;
	mz_err e;

	memset(&o, 0, sizeof o);
	o.dataset = ".";
	tool_init("mz-index", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "d:e:f:g:hm:M:p:qrx:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dataset = optarg;
			break;
		case 'e':
			split_list(&o.ext, &o.next, optarg, "-e");
			eflag = 1;
			break;
		case 'f':
			if (*optarg == '\0')
				usage_error("-f: empty format name");
			o.format = strcmp(optarg, "auto") == 0 ? NULL : optarg;
			tflag = 1;
			break;
		case 'g':
			o.group_re = optarg;
			tflag = 1;
			break;
		case 'm':
			if (strcmp(optarg, "exact") != 0 &&
			    strcmp(optarg, "prefix") != 0)
				usage_error("-m: 'exact' or 'prefix', not "
				    "'%s'", optarg);
			o.prefix = strcmp(optarg, "prefix") == 0;
			mflag = 1;
			break;
		case 'M':
			if (strcmp(optarg, "filename") != 0 &&
			    strcmp(optarg, "parent") != 0)
				usage_error("-M: 'filename' or 'parent', not "
				    "'%s'", optarg);
			o.multi = optarg;
			tflag = 1;
			break;
		case OPT_MD5:
			o.md5 = 1;
			tflag = 1;
			break;
		case 'p':
			push(&o.pat, &o.npat, optarg);
			tflag = 1;
			break;
		case OPT_QUICK:
			o.quick = 1;
			mflag = 1;
			break;
		case 'r':
			o.recursive = 1;
			break;
		case 'x':
			push(&o.exc, &o.nexc, optarg);
			tflag = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage_error("a sub-command is needed: media or tracks");
	if (strcmp(argv[0], "media") == 0)
		o.media = 1;
	else if (strcmp(argv[0], "tracks") != 0)
		usage_error("unknown sub-command '%s' (media or tracks)",
		    argv[0]);
	argc--;
	argv++;
	if (argc == 0)
		usage_error("no directory to index");
	if (o.media && tflag)
		usage_error("-f, -g, -M, -p, -x and --md5 are options of "
		    "mz-index tracks");
	if (!o.media && (eflag || mflag))
		usage_error("-e, -m and --quick are options of mz-index "
		    "media");
	if (o.media && !eflag) {
		push(&o.ext, &o.next, "mp4");
		push(&o.ext, &o.next, "avi");
	}
	if (!o.media && o.npat == 0) {
		static const char *const def[] = { "*.csv", "*.h5", "*.slp",
			"*.npz", "*.nwb", "*.json", "*.npy" };

		for (size_t i = 0; i < sizeof def / sizeof def[0]; i++)
			push(&o.pat, &o.npat, def[i]);
	}
	if (o.multi != NULL && o.group_re != NULL)
		usage_error("-g and -M both set the group");
	if (o.group_re != NULL) {
		char *re = translate_re(o.group_re);
		int rc = regcomp(&o.re, re, REG_EXTENDED);

		if (rc != 0) {
			char msg[256];

			regerror(rc, &o.re, msg, sizeof msg);
			usage_error("-g '%s': %s", o.group_re, msg);
		}
		free(re);
		if (o.re.re_nsub < 1)
			usage_error("-g '%s': needs a capturing group: the "
			    "group is what (...) matches", o.group_re);
	}
	for (int i = 0; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0)
			die("%s:", argv[i]);
		if (!S_ISDIR(st.st_mode))
			die("%s: not a directory", argv[i]);
	}
	if ((m = ds_manifest_load(o.dataset, &e)) == NULL)
		die_err(&e);
	skip_own_indexes(m, &o);
	for (int i = 0; i < argc; i++) {
		char *d = xstrdup(argv[i]), *abs = realpath(argv[i], NULL);

		if (abs == NULL)
			die("%s:", argv[i]);
		push(&o.dirs, &o.ndirs, abs);
		free(abs);
		trim_slashes(d);
		walk(&o, d, "", &l);
		free(d);
	}
	dedup(&l, &o);
	bad = o.media ? index_media(m, &o, &l) : index_tracks(m, &o, &l);
	for (size_t i = 0; i < l.n; i++) {
		free(l.f[i].abs);
		free(l.f[i].rel);
		for (int k = 0; k < 5; k++)
			free(l.f[i].vid[k]);
	}
	free(l.f);
	free_list(o.ext, o.next);
	free_list(o.pat, o.npat);
	free_list(o.exc, o.nexc);
	free_list(o.skip, o.nskip);
	free_list(o.dirs, o.ndirs);
	if (o.group_re != NULL)
		regfree(&o.re);
	ds_manifest_free(m);
	finish_stdout();
	return bad ? 1 : 0;
}
