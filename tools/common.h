/*
 * common.h - what every mz tool shares: the program name, error and usage
 * reporting (the only place that prints and exits), output checks, input
 * lists and the progress bar.  The library (lib/) never exits; tools do,
 * through these functions.
 */
#ifndef MZ_TOOLS_COMMON_H
#define MZ_TOOLS_COMMON_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "mz.h"

/* Long options every tool accepts; put MZ_STD_LONGOPTS in the option table
 * and pass unknown option characters to tool_stdopt(). */
enum { OPT_VERSION = 0x1000, OPT_FIRST_TOOL_OPT = 0x1100 };
#define MZ_STD_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, OPT_VERSION }, \
	{ "quiet", no_argument, NULL, 'q' }

extern const char *prog;    /* the tool's name, for messages */
extern int quiet;           /* -q given: no progress, no warnings */

/*
 * tool_init: set prog and the usage text (the SYNOPSIS lines of the man
 * page, each starting with the tool name, joined by newlines).
 */
void tool_init(const char *name, const char *synopsis);

/* tool_usage: print "usage: SYNOPSIS" to stdout (status 0) or stderr and
 * exit with status. */
void tool_usage(int status) __attribute__((noreturn));

/* tool_stdopt: handle -h, --version, -q and getopt's '?'; exits where the
 * option says so.  Returns 1 if c was one of them (q), else exits with a
 * usage error (2) for anything unknown. */
int tool_stdopt(int c);

/* usage_error: "prog: message" then the usage, exit 2. */
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* die: "prog: message" (with ": strerror(errno)" if fmt ends in ':'),
 * exit 1.  die_err: "prog: err->msg", exit 1.  warnx_: the message without
 * exiting (silenced by -q only when quiet_ok). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void die_err(const mz_err *e) __attribute__((noreturn));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* xmalloc and friends: die on out of memory.  xmalloc and xrealloc are
 * mz_bigalloc and mz_bigrealloc: large blocks on huge pages. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/*
 * out_writer: open the stream output (path NULL or "-": stdout).  Refuses
 * a terminal unless force; dies on failure.  The codec is o->codec unless
 * MZ_CODEC_AUTO.
 */
mz_writer *out_writer(const char *path, int force, const mz_wopts *o);

/* out_close: close the writer (dies on failure), then finish stdout. */
void out_close(mz_writer *w);

/* finish_stdout: flush and close stdout, dying with a message if any
 * write failed (full disk, closed pipe): call before exit 0. */
void finish_stdout(void);

/* check_inputs: die unless every named input (other than "-") can be
 * opened for reading, so that a bad name fails before any output. */
void check_inputs(char *const *paths, int n);

/* input_size: the total size in bytes of the named inputs that are
 * regular files (for a progress bar's total; 0 if none). */
uint64_t input_size(char *const *paths, int n);

/* path_join: "dir/name", malloc'd.  trim_slashes: remove the trailing
 * slashes of path in place (but keep "/"). */
char *path_join(const char *dir, const char *name);
void trim_slashes(char *path);

/*
 * Model directories (DESIGN.md, "Models and runs"), one at a time:
 * model_dir_check(dir) dies unless dir is absent, an empty directory or a
 * complete model of any kind (it has _SUCCESS): what a fit may replace.
 * model_dir_begin(dir, files) creates a temporary directory beside dir;
 * files (NULL-terminated) names every file a model of this tool holds, for
 * removing the temporary directory if the tool dies, and a model it
 * replaces.  model_dir_write puts one file into it (synced).
 * model_dir_commit writes _SUCCESS last and moves the directory into place:
 * a rename, or an atomic exchange with what is there, which is then
 * removed.  All die with a message naming dir on failure.
 */
void model_dir_check(const char *dir);
void model_dir_begin(const char *dir, const char *const *files);
void model_dir_write(const char *name, const void *buf, size_t len);
void model_dir_commit(void);

/*
 * Column lists: a comma-separated list of names or fnmatch(3) patterns.
 * patlist_parse splits s into pl (replacing what pl held; pl starts
 * zeroed), a usage error naming opt for an empty item; patlist_free
 * releases it and zeroes pl; patlist_match: nonzero if name matches one
 * pattern; patlist_check dies naming where unless every pattern matches a
 * column of h.
 */
struct patlist {
	char *text;     /* the list as given, or NULL */
	char **pat;
	size_t n;
};
void patlist_parse(struct patlist *pl, const char *s, const char *opt);
void patlist_free(struct patlist *pl);
int patlist_match(const struct patlist *pl, const char *name);
void patlist_check(const struct patlist *pl, const mz_header *h,
	const char *where);

/* meta_str: part metadata value key of h as text (strings as they are,
 * numbers in decimal, shortest round trip) in buf[64] or the header's own
 * string, or NULL when absent, null or another type. */
const char *meta_str(const mz_header *h, const char *key, char buf[64]);

/*
 * Reading model files: jget returns member key of o, which must pass the
 * type test is (what describes it in the message); jcount returns member
 * key as a count, an integral number in [0, max] (JCOUNT_MAX: any count a
 * double holds exactly).  Both die naming where and key otherwise.
 */
#define JCOUNT_MAX 9007199254740992ULL
const cJSON *jget(const cJSON *o, const char *key,
	cJSON_bool (*is)(const cJSON *), const char *what, const char *where);
uint64_t jcount(const cJSON *o, const char *key, uint64_t max,
	const char *where);

/*
 * comma_list: the comma-separated names of s, malloc'd: v[0] owns one copy
 * of s, the names are v[1..*n] (NULL after the last); an empty name is a
 * usage error naming what.  comma_list_free frees such a vector (NULL is
 * fine).
 */
char **comma_list(const char *s, size_t *n, const char *what);
void comma_list_free(char **v);

/* csv_field: s to f as one CSV field (RFC 4180: in quotes, with quotes
 * doubled, when it holds a comma, a quote or a line break); NULL writes
 * nothing (an empty field). */
void csv_field(FILE *f, const char *s);

/*
 * JSON building for model files: jadd adds item to object o under key (to
 * array o when key is NULL), dying when out of memory; jnum is a number
 * that prints exactly v (shortest round-trip text; null if not finite),
 * jint a count, jnums an array of n values.
 */
void jadd(cJSON *o, const char *key, cJSON *item);
cJSON *jnum(double v);
cJSON *jint(uint64_t v);
cJSON *jnums(const double *v, size_t n);

/* read_all: the bytes of the file path (at most max), NUL-terminated and
 * malloc'd, their count in *len; dies naming path on failure. */
char *read_all(const char *path, size_t max, size_t *len);

/* parse_codec: "none"|"raw", "zstd", "shuffle", "auto" -> MZ_CODEC_*;
 * usage error otherwise. */
int parse_codec(const char *s);

/* parse_size: a non-negative decimal count (usage error otherwise). */
uint64_t parse_count(const char *s, const char *what);
/* parse_double: a finite decimal number (usage error otherwise). */
double parse_double(const char *s, const char *what);

/*
 * Progress on stderr: a bar when stderr is a terminal and not quiet,
 * nothing otherwise.  total may be 0 when unknown (a counter is shown).
 */
typedef struct progress progress;
progress *progress_start(const char *label, uint64_t total);
void progress_update(progress *p, uint64_t done);
void progress_end(progress *p);

/* Options in history entries: helpers to build the canonical object. */
cJSON *opts_new(void);
void opts_str(cJSON *o, const char *key, const char *v);
void opts_num(cJSON *o, const char *key, double v);
void opts_bool(cJSON *o, const char *key, int v);

/* history_add: mz_header_add_history with this tool's name and version;
 * dies on failure. */
void history_add(mz_header *h, cJSON *options);

/*
 * MULTIVERSION: where the compiler and the C library allow it (x86-64,
 * GCC or Clang, glibc ifunc), a function so marked is compiled for
 * AVX-512 and AVX2 as well, chosen at run time.  There is no FMA
 * contraction (ISO C mode; Clang, which contracts by default, is told
 * not to here), so every variant computes the same sums in the same
 * order: the bytes do not depend on the machine.
 */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", \
    "default")))
#else
#define MULTIVERSION
#endif

#endif
