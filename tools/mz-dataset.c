/*
 * mz-dataset - create, inspect, move and check a dataset directory: the
 * manifest, its roots and the index.csv files under them (see
 * mz-dataset(1); the module is tools/dataset.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/mem.h>
#include <libavutil/md5.h>

#include "common.h"
#include "dataset.h"

#define SYNOPSIS \
	"mz-dataset init [-fq] [--json] [--name name] [--version version] " \
	"[--root name=dir] [--type discrete | continuous] " \
	"[--segment-duration d] [--time-column column] dir\n" \
	"mz-dataset show [-j] dataset\n" \
	"mz-dataset get-root dataset root\n" \
	"mz-dataset set-root dataset root dir\n" \
	"mz-dataset remap [-nq] dataset src=dst ...\n" \
	"mz-dataset rewrite-paths [-nq] dataset src=dst ...\n" \
	"mz-dataset make-portable [-nq] dataset\n" \
	"mz-dataset validate [-qs] [--no-md5] dataset\n" \
	"mz-dataset upsert [-k keys] dataset index column=value ...\n" \
	"mz-dataset safe-name name ...\n" \
	"mz-dataset entry-key group sequence"

enum { OPT_JSON = OPT_FIRST_TOOL_OPT, OPT_NAME, OPT_DSVERSION, OPT_ROOT,
	OPT_TYPE, OPT_SEGMENT, OPT_TIMECOL, OPT_NOMD5 };

/* load: the manifest of the dataset argument, or die. */
static ds_manifest *
load(const char *arg)
{
	mz_err e = { 0 };
	ds_manifest *m = ds_manifest_load(arg, &e);

	if (m == NULL)
		die_err(&e);
	return m;
}

/* root_arg: the DS_* id of a root name given on the command line (usage
 * error if it is not one). */
static int
root_arg(const char *name)
{
	int id = ds_root_id(name);

	if (id < 0)
		usage_error("unknown root \"%s\" (known: media_raw, media, "
		    "tracks_raw, tracks, features, labels, models, frames)",
		    name);
	return id;
}

/* shown: path relative to the dataset directory when inside it (for
 * messages and reports), else path; malloc'd. */
static char *
shown(const ds_manifest *m, const char *path)
{
	char *r = ds_path_under(path, m->dir);

	return r ? r : xstrdup(path);
}

/* next_opt: getopt_long over argv with the options of one command;
 * returns the next option character, handling the standard ones. */
static int
next_opt(int argc, char **argv, const char *optstr,
	const struct option *lo)
{
	int c;

	while ((c = getopt_long(argc, argv, optstr, lo, NULL)) != -1) {
		if (c == 'h' || c == 'q' || c == OPT_VERSION || c == '?') {
			tool_stdopt(c);
			continue;
		}
		return c;
	}
	return -1;
}

/* flag_opt: the options of a command whose only own option is the flag
 * character flag (0: none) with the long options lo (with the standard
 * ones); returns 1 if the flag was given, else 0; anything else is a usage
 * error. */
static int
flag_opt(int argc, char **argv, const char *optstr, const struct option *lo,
	int flag)
{
	int c, got = 0;

	while ((c = next_opt(argc, argv, optstr, lo)) != -1) {
		if (flag != 0 && c == flag)
			got = 1;
		else
			tool_usage(2);
	}
	return got;
}

/* no_opts: the options of a command that has only the standard ones. */
static void
no_opts(int argc, char **argv)
{
	static const struct option lo[] = { MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 } };

	flag_opt(argc, argv, "+hq", lo, 0);
}

/* dry_run_opt: the options of a command with -n (--dry-run) and the
 * standard ones; returns 1 if -n was given. */
static int
dry_run_opt(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};

	return flag_opt(argc, argv, "+hnq", lo, 'n');
}

/* finish: the end of a command: free m (may be NULL), flush stdout (dies
 * if it fails) and return status. */
static int
finish(ds_manifest *m, int status)
{
	ds_manifest_free(m);
	finish_stdout();
	return status;
}

/* free_files: free the n paths of files and the array. */
static void
free_files(char **files, long n)
{
	for (long k = 0; k < n; k++)
		free(files[k]);
	free(files);
}

/* ------------------------------------------------------------ init */

/* cmd_init: "init": create the dataset directory, its roots and its
 * manifest.  Returns the exit status. */
static int
cmd_init(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "version", required_argument, NULL, OPT_DSVERSION },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "segment-duration", required_argument, NULL, OPT_SEGMENT },
		{ "time-column", required_argument, NULL, OPT_TIMECOL },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *version = NULL, *type = "discrete";
	const char *segment = NULL, *timecol = NULL;
	char *roots[DS_NROOTS] = { 0 }, *base, *slash;
	int force = 0, json = 0, c, i;
	ds_manifest *m;
	mz_err e = { 0 };
	struct stat st;

	while ((c = next_opt(argc, argv, "+fhq", lo)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_NAME: name = optarg; break;
		case OPT_DSVERSION: version = optarg; break;
		case OPT_ROOT: {
			char *eq = strchr(optarg, '=');
			if (eq == NULL || eq[1] == '\0')
				usage_error("--root wants name=dir, not \"%s\"",
				    optarg);
			*eq = '\0';
			i = root_arg(optarg);
			roots[i] = eq + 1;
			break;
		}
		case OPT_TYPE: type = optarg; break;
		case OPT_SEGMENT: segment = optarg; break;
		case OPT_TIMECOL: timecol = optarg; break;
		default: tool_usage(2);
		}
	}
	if (argc - optind != 1)
		usage_error("init wants one directory");
	if (strcmp(type, "discrete") != 0 && strcmp(type, "continuous") != 0)
		usage_error("--type is discrete or continuous, not \"%s\"",
		    type);
	if ((segment || timecol) && strcmp(type, "continuous") != 0)
		usage_error("--segment-duration and --time-column need "
		    "--type continuous");
	if (name != NULL && name[0] == '\0')
		usage_error("--name is empty");
	if (mkdir(argv[optind], 0777) != 0 && errno != EEXIST)
		die("%s:", argv[optind]);
	if (stat(argv[optind], &st) != 0 || !S_ISDIR(st.st_mode))
		die("%s: not a directory", argv[optind]);
	if (!force) {
		static const char *const cand[] = { "dataset.yaml",
			"dataset.yml", "dataset.json" };
		for (i = 0; i < 3; i++) {
			char *p = path_join(argv[optind], cand[i]);
			if (access(p, F_OK) == 0)
				die("%s: a manifest is already there (-f "
				    "replaces it)", p);
			free(p);
		}
	}
	base = ds_path_abs(NULL, argv[optind]);
	slash = strrchr(base, '/');
	m = ds_manifest_new(base, name ? name :
	    (slash && slash[1] ? slash + 1 : "dataset"), json);
	free(base);
	if (version != NULL) {
		free(m->version);
		m->version = xstrdup(version);
	}
	for (i = 0; i < DS_NROOTS; i++)
		if (roots[i] != NULL)
			ds_manifest_set_root(m, i, roots[i]);
	free(m->dataset_type);
	m->dataset_type = xstrdup(type);
	if (segment)
		m->segment_duration = xstrdup(segment);
	if (timecol)
		m->time_column = xstrdup(timecol);
	if (ds_ensure_roots(m, &e) < 0 || ds_manifest_save(m, &e) < 0)
		die_err(&e);
	return finish(m, 0);
}

/* ------------------------------------------------------------ show */

/* index_rows: the row count of an index file, or -1 with a warning when
 * it cannot be read. */
static long
index_rows(const char *path)
{
	mz_err e = { 0 };
	ds_table *t = ds_table_read(path, NULL, &e);
	long n;

	if (t == NULL) {
		warnx_("%s", e.msg);
		return -1;
	}
	n = (long)t->nrow;
	ds_table_free(t);
	return n;
}

/* cmd_show: "show": the manifest, roots and index files, as text lines
 * or JSON; 1 if an index cannot be read. */
static int
cmd_show(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int json, i, bad = 0;
	ds_manifest *m;
	char **files = NULL;
	long n, k;
	mz_err e = { 0 };

	json = flag_opt(argc, argv, "+hjq", lo, 'j');
	if (argc - optind != 1)
		usage_error("show wants one dataset");
	m = load(argv[optind]);
	if ((n = ds_index_files(m, &files, &e)) < 0)
		die_err(&e);
	if (json) {
		cJSON *o = cJSON_CreateObject(), *roots, *idx;
		char *text;

		if (o == NULL)
			die("out of memory");
		cJSON_AddStringToObject(o, "manifest", m->path);
		cJSON_AddStringToObject(o, "format", m->json ? "json" : "yaml");
		cJSON_AddStringToObject(o, "name", m->name);
		cJSON_AddStringToObject(o, "version", m->version);
		cJSON_AddStringToObject(o, "dataset_type", m->dataset_type);
		if (m->segment_duration)
			cJSON_AddStringToObject(o, "segment_duration",
			    m->segment_duration);
		if (m->time_column)
			cJSON_AddStringToObject(o, "time_column",
			    m->time_column);
		roots = cJSON_AddObjectToObject(o, "roots");
		for (i = 0; i < DS_NROOTS; i++) {
			cJSON *r;
			char *p;
			if (m->root[i] == NULL)
				continue;
			r = cJSON_AddObjectToObject(roots, ds_root_names[i]);
			p = ds_root_path(m, i, NULL);
			cJSON_AddStringToObject(r, "stored", m->root[i]);
			cJSON_AddStringToObject(r, "path", p);
			free(p);
		}
		jadd(o, "meta", cJSON_Duplicate(m->meta, 1));
		idx = cJSON_AddArrayToObject(o, "indexes");
		for (k = 0; k < n; k++) {
			cJSON *x = cJSON_CreateObject();
			long rows = index_rows(files[k]);
			cJSON_AddStringToObject(x, "path", files[k]);
			if (rows < 0) {
				bad = 1;
				cJSON_AddNullToObject(x, "rows");
			} else {
				jadd(x, "rows", jint((uint64_t)rows));
			}
			jadd(idx, NULL, x);
		}
		if ((text = cJSON_Print(o)) == NULL)
			die("out of memory");
		printf("%s\n", text);
		free(text);
		cJSON_Delete(o);
	} else {
		printf("manifest\t%s\n", m->path);
		printf("format\t%s\n", m->json ? "json" : "yaml");
		printf("name\t%s\n", m->name);
		printf("version\t%s\n", m->version);
		printf("dataset_type\t%s\n", m->dataset_type);
		if (m->segment_duration)
			printf("segment_duration\t%s\n", m->segment_duration);
		if (m->time_column)
			printf("time_column\t%s\n", m->time_column);
		for (i = 0; i < DS_NROOTS; i++) {
			char *p;
			if (m->root[i] == NULL)
				continue;
			p = ds_root_path(m, i, NULL);
			printf("root\t%s\t%s\t%s\n", ds_root_names[i],
			    m->root[i], p);
			free(p);
		}
		for (k = 0; k < n; k++) {
			long rows = index_rows(files[k]);
			char *s = shown(m, files[k]);
			if (rows < 0) {
				bad = 1;
				printf("index\t%s\t?\n", s);
			} else {
				printf("index\t%s\t%ld\n", s, rows);
			}
			free(s);
		}
	}
	free_files(files, n);
	return finish(m, bad);
}

/* ------------------------------------------------------------ roots */

/* cmd_get_root: "get-root": print the absolute directory of a root. */
static int
cmd_get_root(int argc, char **argv)
{
	ds_manifest *m;
	mz_err e = { 0 };
	char *p;
	int id;

	no_opts(argc, argv);
	if (argc - optind != 2)
		usage_error("get-root wants a dataset and a root name");
	id = root_arg(argv[optind + 1]);
	m = load(argv[optind]);
	if ((p = ds_root_path(m, id, &e)) == NULL)
		die_err(&e);
	printf("%s\n", p);
	free(p);
	return finish(m, 0);
}

/* cmd_set_root: "set-root": store a root, create its directory, save. */
static int
cmd_set_root(int argc, char **argv)
{
	ds_manifest *m;
	mz_err e = { 0 };
	char *p;
	int id;

	no_opts(argc, argv);
	if (argc - optind != 3)
		usage_error("set-root wants a dataset, a root name and a "
		    "directory");
	id = root_arg(argv[optind + 1]);
	if (argv[optind + 2][0] == '\0')
		usage_error("the directory is empty");
	m = load(argv[optind]);
	ds_manifest_set_root(m, id, argv[optind + 2]);
	p = ds_root_path(m, id, &e);
	if (p == NULL || ds_ensure_roots(m, &e) < 0 ||
	    ds_manifest_save(m, &e) < 0)
		die_err(&e);
	free(p);
	return finish(m, 0);
}

/* pathmap_args: the pairs SRC=DST of argv[from..argc) into pm. */
static void
pathmap_args(ds_pathmap *pm, int argc, char **argv, int from)
{
	mz_err e = { 0 };
	int i;

	if (from >= argc)
		usage_error("no src=dst pairs");
	for (i = from; i < argc; i++)
		if (ds_pathmap_parse(pm, argv[i], &e) < 0)
			usage_error("%s", e.msg);
}

/* cmd_remap: "remap": apply a prefix map to the roots of the manifest. */
static int
cmd_remap(int argc, char **argv)
{
	char *before[DS_NROOTS];
	ds_pathmap pm = { 0 };
	ds_manifest *m;
	mz_err e = { 0 };
	int dry = dry_run_opt(argc, argv), i;
	long n;

	if (argc - optind < 1)
		usage_error("remap wants a dataset and src=dst pairs");
	pathmap_args(&pm, argc, argv, optind + 1);
	m = load(argv[optind]);
	for (i = 0; i < DS_NROOTS; i++)
		before[i] = m->root[i] ? xstrdup(m->root[i]) : NULL;
	n = ds_remap_roots(m, &pm);
	for (i = 0; i < DS_NROOTS; i++) {
		if (before[i] && strcmp(before[i], m->root[i]) != 0)
			printf("%s\t%s\t%s\n", ds_root_names[i], before[i],
			    m->root[i]);
		free(before[i]);
	}
	if (n > 0 && !dry && (ds_ensure_roots(m, &e) < 0 ||
	    ds_manifest_save(m, &e) < 0))
		die_err(&e);
	if (!quiet)
		fprintf(stderr, "%s: %ld root%s %s\n", prog, n, n == 1 ? "" :
		    "s", dry ? "would change (dry run)" : "changed");
	ds_pathmap_free(&pm);
	return finish(m, 0);
}

/* print_report: "COUNT<TAB>FILE" per changed file and a summary of how
 * many what (a singular noun) changed; then dies with e when rc < 0 (the
 * change failed after what r says), else frees r. */
static void
print_report(const ds_manifest *m, ds_report *r, int dry,
	const char *what, int rc, const mz_err *e)
{
	long total = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		char *s = shown(m, r->c[i].file);
		printf("%ld\t%s\n", r->c[i].count, s);
		free(s);
		total += r->c[i].count;
	}
	if (!quiet)
		fprintf(stderr, "%s: %ld %s%s in %zu file%s %s\n", prog, total,
		    what, total == 1 ? "" : "s", r->n, r->n == 1 ? "" : "s", dry ?
		    "would change (dry run)" : "changed");
	if (rc < 0)
		die_err(e);
	ds_report_free(r);
}

/* cmd_rewrite: "rewrite-paths": apply a prefix map to the path columns
 * of every index file. */
static int
cmd_rewrite(int argc, char **argv)
{
	ds_pathmap pm = { 0 };
	ds_report rep = { 0 };
	ds_manifest *m;
	mz_err e = { 0 };
	int dry = dry_run_opt(argc, argv), rc;

	if (argc - optind < 1)
		usage_error("rewrite-paths wants a dataset and src=dst pairs");
	pathmap_args(&pm, argc, argv, optind + 1);
	m = load(argv[optind]);
	rc = ds_rewrite_paths(m, &pm, dry, &rep, &e);
	print_report(m, &rep, dry, "path", rc, &e);
	ds_pathmap_free(&pm);
	return finish(m, 0);
}

/* cmd_portable: "make-portable": paths inside the dataset made
 * relative. */
static int
cmd_portable(int argc, char **argv)
{
	ds_report rep = { 0 };
	ds_manifest *m;
	mz_err e = { 0 };
	int dry = dry_run_opt(argc, argv), rc;

	if (argc - optind != 1)
		usage_error("make-portable wants one dataset");
	m = load(argv[optind]);
	rc = ds_make_portable(m, dry, &rep, &e);
	print_report(m, &rep, dry, "path", rc, &e);
	return finish(m, 0);
}

/* ------------------------------------------------------------ validate */

/* file_md5: the MD5 of path as 32 lower-case hex digits into out; 0, or
 * -1 with errno set. */
static int
file_md5(const char *path, char out[33])
{
	struct AVMD5 *ctx = av_md5_alloc();
	unsigned char buf[1 << 16], d[16];
	int fd, i;
	ssize_t k;

	if (ctx == NULL)
		die("out of memory");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		av_free(ctx);
		return -1;
	}
	av_md5_init(ctx);
	while ((k = read(fd, buf, sizeof(buf))) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
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
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

struct vstate {
	const ds_manifest *m;
	const char *index;   /* shown name of the index */
	long files, problems;
	int md5;
};

/* problem: report one problem of an index row. */
static void __attribute__((format(printf, 4, 5)))
problem(struct vstate *v, size_t line, const char *path, const char *fmt,
	...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: line %zu: %s: %s\n", prog, v->index, line,
	    path, msg);
	v->problems++;
}

/* check_file: one indexed file: it exists; its size equals size (when
 * not NULL) and its MD5 equals md5 (when not NULL and checking). */
static void
check_file(struct vstate *v, size_t line, const char *stored,
	const char *size, const char *md5, const char *what)
{
	char *p = ds_resolve_index_path(v->m, stored);
	struct stat st;

	v->files++;
	if (stat(p, &st) != 0) {
		problem(v, line, p, "%s %s", what, errno == ENOENT ?
		    "does not exist" : strerror(errno));
		free(p);
		return;
	}
	if (size != NULL && S_ISREG(st.st_mode)) {
		char *end;
		double want = strtod(size, &end);
		if (*end != '\0' || end == size)
			problem(v, line, p, "size_bytes \"%s\" is not a "
			    "number", size);
		else if (want != (double)st.st_size)
			problem(v, line, p, "%s is %lld bytes, the index says "
			    "%s", what, (long long)st.st_size, size);
	}
	if (md5 != NULL && v->md5 && S_ISREG(st.st_mode)) {
		char got[33];
		if (file_md5(p, got) != 0)
			problem(v, line, p, "%s: %s", what, strerror(errno));
		else if (strcasecmp(got, md5) != 0)
			problem(v, line, p, "%s has MD5 %s, the index says %s",
			    what, got, md5);
	}
	free(p);
}

/* cmd_validate: "validate": check every indexed file; 1 if any problem. */
static int
cmd_validate(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "no-md5", no_argument, NULL, OPT_NOMD5 },
		{ "sources", no_argument, NULL, 's' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vstate v = { 0 };
	char **files = NULL;
	long n, k;
	mz_err e = { 0 };
	int c, sources = 0;

	v.md5 = 1;
	while ((c = next_opt(argc, argv, "+hqs", lo)) != -1) {
		if (c == OPT_NOMD5)
			v.md5 = 0;
		else if (c == 's')
			sources = 1;
		else
			tool_usage(2);
	}
	if (argc - optind != 1)
		usage_error("validate wants one dataset");
	v.m = load(argv[optind]);
	if ((n = ds_index_files(v.m, &files, &e)) < 0)
		die_err(&e);
	for (k = 0; k < n; k++) {
		ds_table *t = ds_table_read(files[k], NULL, &e);
		char *s = shown(v.m, files[k]);
		size_t r;

		v.index = s;
		if (t == NULL) {
			fprintf(stderr, "%s: %s\n", prog, e.msg);
			v.problems++;
			free(s);
			continue;
		}
		for (r = 0; r < t->nrow; r++) {
			const char *ap = ds_table_get(t, r, "abs_path");
			const char *sp = ds_table_get(t, r, "source_abs_path");
			if (ap != NULL)
				check_file(&v, t->line[r], ap,
				    ds_table_get(t, r, "size_bytes"),
				    ds_table_get(t, r, "md5"), "file");
			if (sp != NULL && sources)
				check_file(&v, t->line[r], sp, NULL,
				    ds_table_get(t, r, "source_md5"),
				    "source file");
		}
		ds_table_free(t);
		free(s);
	}
	if (!quiet || v.problems > 0)
		fprintf(stderr, "%s: %s: %ld file%s in %ld index%s, %ld "
		    "problem%s\n", prog, v.m->dir, v.files, v.files == 1 ?
		    "" : "s", n, n == 1 ? "" : "es", v.problems,
		    v.problems == 1 ? "" : "s");
	free_files(files, n);
	return finish((ds_manifest *)v.m, v.problems > 0);
}

/* ------------------------------------------------------------ upsert */

/*
 * index_spec: the index file, default columns and default keys of an
 * index named "ROOT" or "ROOT/SUB" (labels/KIND, features/STORAGE,
 * frames/METHOD, models/NAME).  Usage error for anything else.
 */
static char *
index_spec(const ds_manifest *m, const char *spec, const char *const **cols,
	const char **keys)
{
	char *root = xstrdup(spec), *sub = strchr(root, '/'), *dir, *p;
	mz_err e = { 0 };
	int id;

	if (sub != NULL)
		*sub++ = '\0';
	id = root_arg(root);
	if (sub != NULL && (sub[0] == '\0' || strchr(sub, '/') ||
	    strcmp(sub, ".") == 0 || strcmp(sub, "..") == 0))
		usage_error("index \"%s\": want ROOT or ROOT/NAME", spec);
	switch (id) {
	case DS_MEDIA: case DS_MEDIA_RAW:
		*cols = ds_cols_media; *keys = "abs_path"; break;
	case DS_TRACKS_RAW:
		*cols = ds_cols_tracks_raw; *keys = "abs_path"; break;
	case DS_TRACKS:
		*cols = ds_cols_tracks; *keys = "group,sequence"; break;
	case DS_LABELS:
		*cols = ds_cols_labels; *keys = "group,sequence"; break;
	case DS_FEATURES:
		*cols = ds_cols_features; *keys = "abs_path"; break;
	case DS_FRAMES:
		*cols = ds_cols_frames; *keys = "abs_path"; break;
	default:
		*cols = ds_cols_models; *keys = "abs_path"; break;
	}
	if ((dir = ds_root_path(m, id, &e)) == NULL)
		die_err(&e);
	if (sub != NULL) {
		char *d2 = path_join(dir, sub);
		free(dir);
		dir = d2;
	}
	p = path_join(dir, "index.csv");
	free(dir);
	free(root);
	return p;
}

/* cmd_upsert: "upsert": one row into an index, under its lock. */
static int
cmd_upsert(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "keys", required_argument, NULL, 'k' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *keyspec = NULL, *defkeys;
	const char *const *cols;
	char *path, *ks, *tok, *save = NULL;
	const char **keys = NULL;
	size_t nkey = 0;
	ds_table *row;
	ds_manifest *m;
	mz_err e = { 0 };
	int c, i;

	while ((c = next_opt(argc, argv, "+hk:q", lo)) != -1) {
		if (c == 'k')
			keyspec = optarg;
		else
			tool_usage(2);
	}
	if (argc - optind < 3)
		usage_error("upsert wants a dataset, an index and "
		    "column=value pairs");
	m = load(argv[optind]);
	path = index_spec(m, argv[optind + 1], &cols, &defkeys);
	row = ds_table_new(NULL);
	if (ds_table_add_row(row, &e) < 0)
		die_err(&e);
	for (i = optind + 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL || eq == argv[i])
			usage_error("\"%s\": want column=value", argv[i]);
		*eq = '\0';
		if (ds_table_col(row, argv[i]) >= 0)
			usage_error("column %s given twice", argv[i]);
		if (ds_table_set(row, 0, argv[i], eq + 1, &e) < 0)
			die_err(&e);
	}
	ks = xstrdup(keyspec ? keyspec : defkeys);
	for (tok = strtok_r(ks, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		if (ds_table_col(row, tok) < 0)
			usage_error("key column %s has no value", tok);
		keys = xrealloc(keys, (nkey + 1) * sizeof(*keys));
		keys[nkey++] = tok;
	}
	if (nkey == 0)
		usage_error("no key columns");
	if (ds_index_upsert(path, cols, row, keys, nkey, &e) < 0)
		die_err(&e);
	free(keys);
	free(ks);
	free(path);
	ds_table_free(row);
	return finish(m, 0);
}

/* ------------------------------------------------------------ names */

/* cmd_safe_name: "safe-name": mosaic's safe form of each argument. */
static int
cmd_safe_name(int argc, char **argv)
{
	int i;

	no_opts(argc, argv);
	if (argc - optind < 1)
		usage_error("safe-name wants at least one name");
	for (i = optind; i < argc; i++) {
		char *s = ds_safe_name(argv[i]);
		printf("%s\n", s);
		free(s);
	}
	return finish(NULL, 0);
}

/* cmd_entry_key: "entry-key": mosaic's entry key of (group, sequence). */
static int
cmd_entry_key(int argc, char **argv)
{
	char *k;

	no_opts(argc, argv);
	if (argc - optind != 2)
		usage_error("entry-key wants a group (may be empty) and a "
		    "sequence");
	k = ds_entry_key(argv[optind], argv[optind + 1]);
	printf("%s\n", k);
	free(k);
	return finish(NULL, 0);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "init", cmd_init }, { "show", cmd_show },
		{ "get-root", cmd_get_root }, { "set-root", cmd_set_root },
		{ "remap", cmd_remap }, { "rewrite-paths", cmd_rewrite },
		{ "make-portable", cmd_portable },
		{ "validate", cmd_validate }, { "upsert", cmd_upsert },
		{ "safe-name", cmd_safe_name }, { "entry-key", cmd_entry_key }
	};
	size_t i;

	tool_init("mz-dataset", SYNOPSIS);
	if (argc < 2)
		usage_error("no command (want init, show, get-root, set-root, "
		    "remap, rewrite-paths, make-portable, validate, upsert, "
		    "safe-name or entry-key)");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		tool_stdopt('h');
	if (strcmp(argv[1], "--version") == 0)
		tool_stdopt(OPT_VERSION);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	usage_error("unknown command \"%s\"", argv[1]);
}
