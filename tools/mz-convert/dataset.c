/*
 * dataset.c - mz-convert --dataset: a dataset's raw tracks (as mz-index
 * tracks listed them in tracks_raw/index.csv) to standard tracks in its
 * tracks root, as mosaic's convert_all_tracks does.
 *
 * The work is cut into units: the TRex files of one (group, sequence)
 * (one file per individual) make one unit, merged into one entry; every
 * other row is a unit of its own.  A unit whose row names its sequence
 * becomes the entry tracks/<entry key>.mzs, written by a child mz-convert
 * (this same program, with --group, --sequence and -o); a row without a
 * sequence (a file of several sequences, indexed with mz-index -M) is
 * converted whole into a temporary stream that is then split into one
 * entry per (group, sequence) of its parts, the group chosen by
 * --group-from.  Each entry written gets its tracks/index.csv row at
 * once, under the index's lock (tools/dataset.h), so that a run that is
 * killed leaves an index that describes what is there.  A unit that fails
 * is reported (its child has said why) and the run goes on.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "dataset.h"
#include "dsconv.h"

#define STD_FORMAT "mzs"   /* tracks/index.csv std_format of .mzs tracks */

enum { OPT_DATASET = OPT_FIRST_TOOL_OPT + 0x80, OPT_FPS_, OPT_GROUP_FROM,
	OPT_OVERWRITE, OPT_ZERO_ };

enum { FROM_INFILE, FROM_FILENAME, FROM_BOTH };

/* The options of a dataset run. */
struct dopts {
	const char *dataset;
	const char *codec;      /* -c as given, or NULL */
	const char *fps;        /* --fps as given, or NULL */
	int group_from;         /* FROM_* */
	int overwrite;
	int zero_missing;
};

/* A unit of work: the files of one entry (or of one multi-sequence
 * file). */
struct unit {
	const char *group;      /* raw group ("" when none) */
	const char *sequence;   /* raw sequence ("" when the file holds
	                           several) */
	const char *from;       /* --from name, or NULL: detect */
	const char *md5;        /* the first file's md5 from the index, or
	                           NULL */
	char **files;           /* absolute paths, natural order */
	size_t nfiles;
	const char *bad_format; /* a src_format mz cannot read, or NULL */
};

/* The state of the run. */
struct run {
	const struct dopts *o;
	ds_manifest *m;
	char *tracks_dir;       /* the tracks root (absolute) */
	char *index;            /* tracks_dir/index.csv */
	ds_table *have;         /* tracks/index.csv as it was at the start */
	char *self;             /* this program, to run children */
	size_t converted, skipped, failed;
	char **seen;            /* entry keys met in this run, and */
	const char **seen_src;  /* the file each came from (borrowed) */
	size_t nseen;
};

static char *split_tmp;     /* temporary whole-file stream, or NULL */

/* remove_split_tmp: atexit handler removing an unfinished temporary. */
static void
remove_split_tmp(void)
{
	if (split_tmp != NULL)
		unlink(split_tmp);
}

/* ------------------------------------------------------------ helpers */

/* natcmp: compare a and b with digit runs compared as numbers
 * ("x_id2" < "x_id10"), so that TRex individuals come in id order. */
static int
natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *p = a, *q = b;
			size_t la, lb;

			while (*p == '0')
				p++;
			while (*q == '0')
				q++;
			la = strspn(p, "0123456789");
			lb = strspn(q, "0123456789");
			if (la != lb)
				return la < lb ? -1 : 1;
			for (size_t i = 0; i < la; i++)
				if (p[i] != q[i])
					return p[i] < q[i] ? -1 : 1;
			a = p + la;
			b = q + lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* cmp_nat: qsort order of C strings by natcmp. */
static int
cmp_nat(const void *a, const void *b)
{
	return natcmp(*(char *const *)a, *(char *const *)b);
}

/* s0: s, or "" for an empty cell. */
static const char *
s0(const char *s)
{
	return s ? s : "";
}

/* mkdir_p: create dir and its missing parents; dies on failure. */
static void
mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST)
				die("%s:", p);
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
}

/* has_suffix: s ends in suf, ASCII case-insensitively. */
static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/*
 * from_name: the --from format of a tracks_raw src_format for the file
 * path: mz-convert's own names as they are; mosaic's trex_npz and
 * calms21_json as trex and calms21; auto, empty, deeplabcut and sleap
 * detected from the content (NULL).  Sets *bad (and returns NULL) for a
 * format mz cannot read.
 */
static const char *
from_name(const char *fmt, const char *path, const char **bad)
{
	static const char *const own[] = { "dlc-csv", "lightning-pose",
		"dlc-h5", "sleap-slp", "sleap-h5", "sleap-csv", "trex", "nwb",
		"calms21", "anipose" };

	*bad = NULL;
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "auto") == 0 ||
	    strcmp(fmt, "deeplabcut") == 0 || strcmp(fmt, "sleap") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strcmp(fmt, own[i]) == 0)
			return own[i];
	if (strcmp(fmt, "trex_npz") == 0)
		return "trex";
	if (strcmp(fmt, "calms21_json") == 0 ||
	    (strcmp(fmt, "calms21_npy") == 0 && has_suffix(path, ".json")))
		return "calms21";
	*bad = fmt;
	return NULL;
}

/* is_trex_row: the row's format (given as --from, or detected from the
 * name when auto) is TRex. */
static int
is_trex_row(const char *from, const char *src_format, const char *path)
{
	if (from != NULL)
		return strcmp(from, "trex") == 0;
	return (src_format == NULL || *src_format == '\0' ||
	    strcmp(src_format, "auto") == 0) && has_suffix(path, ".npz");
}

/* ------------------------------------------------------------ units */

/*
 * make_units: the units of the tracks_raw table raw (whose paths are
 * resolved against the dataset), in index order of their first row.
 * Returns the count; *out is malloc'd.
 */
static size_t
make_units(const struct run *R, const ds_table *raw, struct unit **out)
{
	struct unit *u = xcalloc(raw->nrow ? raw->nrow : 1, sizeof *u);
	char *trex = xcalloc(raw->nrow ? raw->nrow : 1, 1);
	size_t n = 0;

	for (size_t r = 0; r < raw->nrow; r++) {
		const char *ap = ds_table_get(raw, r, "abs_path");
		const char *fmt = ds_table_get(raw, r, "src_format");
		const char *g = s0(ds_table_get(raw, r, "group"));
		const char *s = s0(ds_table_get(raw, r, "sequence"));
		const char *bad;
		const char *from;
		char *path;
		struct unit *x = NULL;

		if (ap == NULL)
			continue;
		path = ds_resolve_index_path(R->m, ap);
		from = from_name(fmt, path, &bad);
		trex[r] = bad == NULL && *s != '\0' &&
		    is_trex_row(from, fmt, path);
		/* TRex rows of one (group, sequence) share a unit. */
		for (size_t i = 0; trex[r] && i < n && x == NULL; i++)
			if (u[i].from != NULL && strcmp(u[i].from, "trex") == 0 &&
			    u[i].nfiles > 0 && strcmp(u[i].group, g) == 0 &&
			    strcmp(u[i].sequence, s) == 0 &&
			    u[i].bad_format == NULL)
				x = &u[i];
		if (x == NULL) {
			x = &u[n++];
			x->group = g;
			x->sequence = s;
			x->from = trex[r] ? "trex" : from;
			x->md5 = ds_table_get(raw, r, "md5");
			x->bad_format = bad;
		}
		x->files = xrealloc(x->files, (x->nfiles + 1) *
		    sizeof *x->files);
		x->files[x->nfiles++] = path;
	}
	for (size_t i = 0; i < n; i++)
		if (u[i].nfiles > 1)
			qsort(u[i].files, u[i].nfiles, sizeof *u[i].files,
			    cmp_nat);
	free(trex);
	*out = u;
	return n;
}

/* ------------------------------------------------------------ children */

/* argc_last: the index of the last argument of the NULL-terminated
 * args. */
static int
argc_last(char **args)
{
	int n = 0;

	while (args[n + 1] != NULL)
		n++;
	return n;
}

/*
 * run_child: run this program with the arguments args (NULL-terminated,
 * args[0] the name shown) and wait for it.  Returns 0 when it exits 0;
 * else -1, having said how it ended when it did not exit on its own (its
 * own messages name the file).
 */
static int
run_child(const struct run *R, char **args)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		die("fork:");
	if (pid == 0) {
		execv(R->self, args);
		fprintf(stderr, "%s: %s: %s\n", prog, R->self,
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid:");
	if (WIFEXITED(st))
		return WEXITSTATUS(st) == 0 ? 0 : -1;
	if (WIFSIGNALED(st))
		warnx_("the conversion of %s was killed by signal %d",
		    args[argc_last(args)], WTERMSIG(st));
	return -1;
}

/* convert_files: run a child converting the files of u into the stream
 * out, with the group and sequence given (NULL: as the files say). */
static int
convert_files(const struct run *R, const struct unit *u, const char *group,
    const char *sequence, const char *out)
{
	char **a = xcalloc(20 + u->nfiles, sizeof *a);
	int n = 0, rc;

	a[n++] = "mz-convert";
	if (quiet)
		a[n++] = "-q";
	if (R->o->codec) {
		a[n++] = "-c";
		a[n++] = (char *)R->o->codec;
	}
	if (R->o->fps) {
		a[n++] = "--fps";
		a[n++] = (char *)R->o->fps;
	}
	if (R->o->zero_missing)
		a[n++] = "--zero-missing";
	if (u->from) {
		a[n++] = "--from";
		a[n++] = (char *)u->from;
	}
	if (group != NULL && *group != '\0') {
		a[n++] = "--group";
		a[n++] = (char *)group;
	}
	if (sequence != NULL) {
		a[n++] = "--sequence";
		a[n++] = (char *)sequence;
	}
	a[n++] = "-o";
	a[n++] = (char *)out;
	a[n++] = "--";
	for (size_t i = 0; i < u->nfiles; i++)
		a[n++] = u->files[i];
	a[n] = NULL;
	rc = run_child(R, a);
	free(a);
	return rc;
}

/* ------------------------------------------------------------ entries */

/* count_rows: the rows of every part of the stream path; -1 with a
 * warning when it cannot be read. */
static long long
count_rows(const char *path)
{
	mz_reader *r;
	long long n = 0;
	int rc;
	mz_err e;

	if ((r = mz_reader_open(path, &e)) == NULL) {
		warnx_("%s", e.msg);
		return -1;
	}
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		const mz_header *h = mz_reader_header(r);
		unsigned char *none = xcalloc(h->ncols ? h->ncols : 1, 1);
		mz_block b;

		mz_reader_want(r, none);
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0)
			n += (long long)b.nrows;
		free(none);
		if (rc < 0)
			break;
	}
	mz_reader_close(r);
	if (rc < 0) {
		warnx_("%s", e.msg);
		return -1;
	}
	return n;
}

/* have_row: tracks/index.csv (as read at the start) has a row for
 * (group, sequence). */
static int
have_row(const struct run *R, const char *group, const char *sequence)
{
	const char *keys[] = { "group", "sequence" };
	const char *vals[] = { group, sequence };

	return ds_table_find(R->have, keys, vals, 2) >= 0;
}

/*
 * index_entry: upsert the tracks/index.csv row of the entry (group,
 * sequence) written to out (n_rows rows), from the unit u; dies if the
 * index cannot be written (later entries could not be recorded either).
 */
static void
index_entry(const struct run *R, const struct unit *u, const char *group,
    const char *sequence, const char *out, long long n_rows)
{
	ds_table *t = ds_table_new(ds_cols_tracks);
	char *rel = ds_path_rel(R->m->dir, out), nb[32];
	char *gs = *group ? ds_safe_name(group) : NULL;
	char *ss = ds_safe_name(sequence);
	char *cs = *u->group ? ds_safe_name(u->group) : NULL;
	const char *keys[] = { "group", "sequence" };
	mz_err e;

	snprintf(nb, sizeof nb, "%lld", n_rows);
	if (ds_table_add_row(t, &e) < 0 ||
	    ds_table_set(t, 0, "group", group, &e) < 0 ||
	    ds_table_set(t, 0, "sequence", sequence, &e) < 0 ||
	    ds_table_set(t, 0, "group_safe", gs, &e) < 0 ||
	    ds_table_set(t, 0, "sequence_safe", ss, &e) < 0 ||
	    ds_table_set(t, 0, "collection", u->group, &e) < 0 ||
	    ds_table_set(t, 0, "collection_safe", cs, &e) < 0 ||
	    ds_table_set(t, 0, "abs_path", rel ? rel : out, &e) < 0 ||
	    ds_table_set(t, 0, "std_format", STD_FORMAT, &e) < 0 ||
	    ds_table_set(t, 0, "source_abs_path", u->files[0], &e) < 0 ||
	    ds_table_set(t, 0, "source_md5", u->md5, &e) < 0 ||
	    ds_table_set(t, 0, "n_rows", nb, &e) < 0 ||
	    ds_index_upsert(R->index, ds_cols_tracks, t, keys, 2, &e) < 0)
		die_err(&e);
	ds_table_free(t);
	free(rel);
	free(gs);
	free(ss);
	free(cs);
}

/* entry_path: tracks_dir/<entry key>.mzs (malloc'd). */
static char *
entry_path(const struct run *R, const char *group, const char *sequence)
{
	char *key = ds_entry_key(group, sequence);
	char *name = xmalloc(strlen(key) + 5), *p;

	sprintf(name, "%s.mzs", key);
	p = path_join(R->tracks_dir, name);
	free(name);
	free(key);
	return p;
}

/*
 * skip_existing: the entry's file exists and --overwrite is off: count it
 * skipped, and index it if the index lacks it (a run killed between
 * writing the file and its row).  Returns 1 when skipped.
 */
static int
skip_existing(struct run *R, const struct unit *u, const char *group,
    const char *sequence, const char *out)
{
	long long n;

	if (R->o->overwrite || access(out, F_OK) != 0)
		return 0;
	R->skipped++;
	if (!have_row(R, group, sequence) && (n = count_rows(out)) >= 0)
		index_entry(R, u, group, sequence, out, n);
	return 1;
}

/*
 * claim: record that this run makes the entry (group, sequence) from
 * file; if an earlier unit of the run made it already (two files with
 * one group and sequence, such as a DeepLabCut CSV and its HDF5 twin),
 * say so and return -1: the second is not converted.
 */
static int
claim(struct run *R, const char *group, const char *sequence,
    const char *file)
{
	char *key = ds_entry_key(group, sequence);

	for (size_t i = 0; i < R->nseen; i++)
		if (strcmp(R->seen[i], key) == 0) {
			warnx_("%s: group '%s', sequence '%s' come from %s "
			    "already; not converted (give the files "
			    "different groups, or exclude one)", file, group,
			    sequence, R->seen_src[i]);
			free(key);
			return -1;
		}
	R->seen = xrealloc(R->seen, (R->nseen + 1) * sizeof *R->seen);
	R->seen_src = xrealloc(R->seen_src, (R->nseen + 1) *
	    sizeof *R->seen_src);
	R->seen[R->nseen] = key;
	R->seen_src[R->nseen++] = file;
	return 0;
}

/* convert_one: a unit whose row names its sequence: one entry. */
static void
convert_one(struct run *R, const struct unit *u)
{
	char *out;
	long long n;

	if (claim(R, u->group, u->sequence, u->files[0]) < 0) {
		R->failed++;
		return;
	}
	out = entry_path(R, u->group, u->sequence);
	if (skip_existing(R, u, u->group, u->sequence, out)) {
		free(out);
		return;
	}
	if (convert_files(R, u, u->group, u->sequence, out) < 0 ||
	    (n = count_rows(out)) < 0) {
		warnx_("%s: not converted", u->files[0]);
		R->failed++;
	} else {
		index_entry(R, u, u->group, u->sequence, out, n);
		R->converted++;
	}
	free(out);
}

/* An entry being written by split_file. */
struct piece {
	mz_writer *w;
	char *out, *group, *sequence;
	long long rows;
};

/* piece_end: close the entry being written (if any) and index it;
 * -1 with a message when it cannot be closed. */
static int
piece_end(struct run *R, const struct unit *u, struct piece *p)
{
	mz_err e;
	int rc = 0;

	if (p->w != NULL) {
		if (mz_writer_close(p->w, &e) < 0) {
			warnx_("%s", e.msg);
			rc = -1;
		} else {
			index_entry(R, u, p->group, p->sequence, p->out,
			    p->rows);
			R->converted++;
		}
	}
	free(p->out);
	free(p->group);
	free(p->sequence);
	memset(p, 0, sizeof *p);
	return rc;
}

/*
 * split_file: a unit whose row names no sequence: convert the file whole
 * into a temporary stream, then copy its parts into one entry per
 * (group, sequence), the group chosen by --group-from (with both, the
 * file's own group is kept in the parts as source_group).  Entries that
 * exist are skipped unless --overwrite.
 */
static void
split_file(struct run *R, const struct unit *u)
{
	static unsigned serial;
	struct piece p;
	char name[64], **done = NULL;
	size_t ndone = 0;
	mz_reader *r = NULL;
	int rc = 0, skipping = 0;
	mz_err e;

	memset(&p, 0, sizeof p);
	snprintf(name, sizeof name, ".mz-convert-%ld-%u.mzs", (long)getpid(),
	    serial++);
	split_tmp = path_join(R->tracks_dir, name);
	if (convert_files(R, u, NULL, NULL, split_tmp) < 0)
		goto fail;
	if ((r = mz_reader_open(split_tmp, &e)) == NULL)
		goto fail_msg;
	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		const mz_header *h = mz_reader_header(r);
		const char *in_g = s0(mz_meta_str(h, "group"));
		const char *seq = mz_meta_str(h, "sequence");
		const char *g = R->o->group_from != FROM_INFILE &&
		    *u->group ? u->group : in_g;
		mz_header *h2;
		mz_block b;

		if (seq == NULL || *seq == '\0') {
			mz_seterr(&e, MZ_EFORMAT, "%s: part %zu names no "
			    "sequence", u->files[0], mz_reader_part_index(r));
			goto fail_msg;
		}
		if (p.w == NULL || strcmp(p.group, g) != 0 ||
		    strcmp(p.sequence, seq) != 0) {
			if (skipping && strcmp(p.group, g) == 0 &&
			    strcmp(p.sequence, seq) == 0)
				continue;
			if (piece_end(R, u, &p) < 0)
				goto fail;
			skipping = 0;
			done = xrealloc(done, (ndone + 1) * sizeof *done);
			done[ndone] = ds_entry_key(g, seq);
			for (size_t i = 0; i < ndone; i++)
				if (strcmp(done[i], done[ndone]) == 0) {
					free(done[ndone]);
					mz_seterr(&e, MZ_EFORMAT, "%s: the "
					    "parts of group '%s', sequence "
					    "'%s' are not adjacent",
					    u->files[0], g, seq);
					goto fail_msg;
				}
			ndone++;
			if (claim(R, g, seq, u->files[0]) < 0)
				goto fail;
			p.group = xstrdup(g);
			p.sequence = xstrdup(seq);
			p.out = entry_path(R, g, seq);
			if (skip_existing(R, u, g, seq, p.out)) {
				skipping = 1;
				free(p.out);
				p.out = NULL;
				continue;
			}
			if ((p.w = mz_writer_open(p.out, NULL, &e)) == NULL)
				goto fail_msg;
		}
		if ((h2 = mz_header_copy(h)) == NULL)
			die("out of memory");
		if (strcmp(g, in_g) != 0 && (mz_meta_set(h2, "group",
		    cJSON_CreateString(g), &e) < 0 ||
		    (R->o->group_from == FROM_BOTH && *in_g &&
		    mz_meta_set(h2, "source_group", cJSON_CreateString(in_g),
		    &e) < 0)))
			die_err(&e);
		rc = mz_writer_begin_part(p.w, h2, &e);
		mz_header_free(h2);
		if (rc < 0)
			goto fail_msg;
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			p.rows += (long long)b.nrows;
			if (mz_writer_copy_block(p.w, r, &e) < 0)
				goto fail_msg;
		}
		if (rc < 0 || mz_writer_end_part(p.w, &e) < 0)
			goto fail_msg;
	}
	if (rc < 0)
		goto fail_msg;
	if (piece_end(R, u, &p) < 0)
		goto fail;
	goto out;
fail_msg:
	warnx_("%s", e.msg);
fail:
	if (p.w != NULL) {
		mz_writer_abort(p.w);
		p.w = NULL;
	}
	piece_end(R, u, &p);
	warnx_("%s: not converted%s", u->files[0], ndone > 1 ?
	    " (entries written before the error are kept)" : "");
	R->failed++;
out:
	mz_reader_close(r);
	unlink(split_tmp);
	free(split_tmp);
	split_tmp = NULL;
	for (size_t i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
}

/* ------------------------------------------------------------ main */

/* self_path: the path of this program's executable (malloc'd). */
static char *
self_path(const char *argv0)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n > 0) {
		buf[n] = '\0';
		return xstrdup(buf);
	}
	if (strchr(argv0, '/') == NULL)
		die("cannot find this program's own file to run conversions "
		    "(no /proc/self/exe)");
	return xstrdup(argv0);
}

int
conv_dataset_main(int argc, char **argv, const char *synopsis)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "dataset", required_argument, NULL, OPT_DATASET },
		{ "fps", required_argument, NULL, OPT_FPS_ },
		{ "group-from", required_argument, NULL, OPT_GROUP_FROM },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "zero-missing", no_argument, NULL, OPT_ZERO_ },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct dopts o;
	struct run R;
	struct unit *u = NULL;
	size_t nu;
	ds_table *raw;
	char *raw_dir, *raw_path;
	int c, missing = 0;
	mz_err e;

	memset(&o, 0, sizeof o);
	memset(&R, 0, sizeof R);
	tool_init("mz-convert", synopsis);
	while ((c = getopt_long(argc, argv, "c:hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			parse_codec(optarg);
			o.codec = optarg;
			break;
		case OPT_DATASET:
			o.dataset = optarg;
			break;
		case OPT_FPS_:
			if (!(parse_double(optarg, "fps") > 0))
				usage_error("--fps must be positive");
			o.fps = optarg;
			break;
		case OPT_GROUP_FROM:
			if (strcmp(optarg, "infile") == 0)
				o.group_from = FROM_INFILE;
			else if (strcmp(optarg, "filename") == 0)
				o.group_from = FROM_FILENAME;
			else if (strcmp(optarg, "both") == 0)
				o.group_from = FROM_BOTH;
			else
				usage_error("--group-from: infile, filename "
				    "or both, not '%s'", optarg);
			break;
		case OPT_OVERWRITE:
			o.overwrite = 1;
			break;
		case OPT_ZERO_:
			o.zero_missing = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	if (optind < argc)
		usage_error("--dataset converts the files of the dataset's "
		    "tracks_raw index: no file arguments ('%s')",
		    argv[optind]);
	if (o.dataset == NULL)
		usage_error("--dataset needs a directory");

	R.o = &o;
	if ((R.m = ds_manifest_load(o.dataset, &e)) == NULL)
		die_err(&e);
	if ((raw_dir = ds_root_path(R.m, DS_TRACKS_RAW, &e)) == NULL ||
	    (R.tracks_dir = ds_root_path(R.m, DS_TRACKS, &e)) == NULL)
		die("%s: %s", R.m->path, e.msg);
	raw_path = path_join(raw_dir, "index.csv");
	if ((raw = ds_table_read(raw_path, &missing, &e)) == NULL)
		die("%s%s", e.msg, missing ? " (list the raw track files "
		    "with mz-index tracks first)" : "");
	if (ds_table_col(raw, "abs_path") < 0)
		die("%s: no abs_path column", raw_path);
	mkdir_p(R.tracks_dir);
	R.index = path_join(R.tracks_dir, "index.csv");
	if ((R.have = ds_table_read(R.index, &missing, &e)) == NULL) {
		if (!missing)
			die_err(&e);
		R.have = ds_table_new(ds_cols_tracks);
	}
	R.self = self_path(argv[0]);
	atexit(remove_split_tmp);

	nu = make_units(&R, raw, &u);
	for (size_t i = 0; i < nu; i++) {
		if (u[i].bad_format != NULL) {
			warnx_("%s: src_format '%s': not a format mz-convert "
			    "reads; not converted", u[i].files[0],
			    u[i].bad_format);
			R.failed++;
		} else if (*u[i].sequence != '\0') {
			convert_one(&R, &u[i]);
		} else {
			split_file(&R, &u[i]);
		}
	}
	if (!quiet || R.failed > 0)
		fprintf(stderr, "%s: %s: %zu converted, %zu already converted "
		    "(skipped), %zu failed\n", prog, R.index, R.converted,
		    R.skipped, R.failed);

	for (size_t i = 0; i < nu; i++) {
		for (size_t k = 0; k < u[i].nfiles; k++)
			free(u[i].files[k]);
		free(u[i].files);
	}
	free(u);
	ds_table_free(raw);
	ds_table_free(R.have);
	free(raw_path);
	free(raw_dir);
	free(R.tracks_dir);
	free(R.index);
	free(R.self);
	for (size_t i = 0; i < R.nseen; i++)
		free(R.seen[i]);
	free(R.seen);
	free(R.seen_src);
	ds_manifest_free(R.m);
	finish_stdout();
	return R.failed > 0 ? 1 : 0;
}
