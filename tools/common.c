/* common.c - shared tool code: messages, usage, output, progress. */
#define _GNU_SOURCE  /* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

const char *prog = "mz";
int quiet;
static const char *synopsis = "";

void
tool_init(const char *name, const char *syn)
{
	prog = name;
	synopsis = syn;
}

void
tool_usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;
	const char *s = synopsis;

	fputs("usage: ", f);
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n' && s[1])
			fputs("       ", f);
	}
	if (s == synopsis || s[-1] != '\n')
		fputc('\n', f);
	if (status == 0)
		finish_stdout();
	exit(status);
}

int
tool_stdopt(int c)
{
	switch (c) {
	case 'h':
		tool_usage(0);
	case OPT_VERSION:
		printf("%s %s\n", prog, MZ_VERSION);
		finish_stdout();
		exit(0);
	case 'q':
		quiet = 1;
		return 1;
	default:
		tool_usage(2);
	}
}

static void
vmsg(const char *fmt, va_list ap, int use_errno)
{
	int e = errno;
	size_t n = strlen(fmt);

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	if (use_errno && n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(e));
	fputc('\n', stderr);
}

void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
	tool_usage(2);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
die_err(const mz_err *e)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", prog, e->msg[0] ? e->msg :
	    mz_strerror(e->code));
	exit(1);
}

void
warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void *
xmalloc(size_t n)
{
	void *p = mz_bigalloc(n);

	if (p == NULL)
		die("out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = mz_bigrealloc(p, n)) == NULL)
		die("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		die("out of memory");
	return p;
}

static mz_writer *open_out;    /* the output out_writer opened, if open */

/* abort_out: atexit handler; a tool that dies (die, usage_error, exit 1)
 * with its output still open leaves no temporary file behind. */
static void
abort_out(void)
{
	mz_writer_abort(open_out);
	open_out = NULL;
}

mz_writer *
out_writer(const char *path, int force, const mz_wopts *o)
{
	static int registered;
	mz_err e;
	mz_writer *w;

	if ((path == NULL || strcmp(path, "-") == 0) && !force &&
	    isatty(STDOUT_FILENO))
		die("refusing to write a binary stream to a terminal "
		    "(use -o FILE, a pipe, or -f)");
	if (!registered) {
		atexit(abort_out);
		registered = 1;
	}
	if ((w = mz_writer_open(path, o, &e)) == NULL)
		die_err(&e);
	open_out = w;
	return w;
}

void
out_close(mz_writer *w)
{
	mz_err e;

	if (w == open_out)
		open_out = NULL;  /* mz_writer_close frees w, even on failure */
	if (mz_writer_close(w, &e) < 0)
		die_err(&e);
	finish_stdout();
}

void
finish_stdout(void)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int e = errno;

	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		fprintf(stderr, "%s: <stdout>: %s\n", prog,
		    e ? strerror(e) : "write error");
		exit(1);
	}
}

void
check_inputs(char *const *paths, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(paths[i], "-") != 0 && access(paths[i], R_OK) != 0)
			die("%s:", paths[i]);
}

uint64_t
input_size(char *const *paths, int n)
{
	uint64_t total = 0;
	struct stat st;

	for (int i = 0; i < n; i++)
		if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	return total;
}

char *
path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = xmalloc(a + b + 2);

	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

void
trim_slashes(char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
}

static struct {
	const char *dir;            /* the final name */
	char *tmp;                  /* the directory being written, or NULL */
	const char *const *files;   /* every name a model holds */
} model;

/* remove_model_dir: remove the model files dir holds, then dir; returns
 * rmdir's result (nonzero if other files are left). */
static int
remove_model_dir(const char *dir)
{
	for (size_t k = 0; model.files[k] != NULL; k++) {
		char *p = path_join(dir, model.files[k]);
		unlink(p);
		free(p);
	}
	return rmdir(dir);
}

/* remove_model_tmp: atexit handler; removes the model directory a run that
 * dies was writing. */
static void
remove_model_tmp(void)
{
	if (model.tmp != NULL)
		remove_model_dir(model.tmp);
	free(model.tmp);
	model.tmp = NULL;
}

void
model_dir_check(const char *dir)
{
	struct stat sb;
	struct dirent *e;
	char *p;
	DIR *dp;
	int empty = 1;

	if (stat(dir, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode))
		die("%s: exists and is not a directory", dir);
	p = path_join(dir, "_SUCCESS");
	if (access(p, F_OK) == 0) {
		free(p);
		return;
	}
	free(p);
	if ((dp = opendir(dir)) == NULL)
		die("%s:", dir);
	while (empty && (e = readdir(dp)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0;
	closedir(dp);
	if (!empty)
		die("%s: not replacing a directory that holds no %s model "
		    "(no _SUCCESS)", dir, prog);
}

void
model_dir_begin(const char *dir, const char *const *files)
{
	static int registered;
	const char *slash = strrchr(dir, '/');
	size_t dl = slash ? (size_t)(slash - dir) + 1 : 0;
	char *t = xmalloc(strlen(dir) + 16);
	mode_t mask = umask(022);

	umask(mask);
	memcpy(t, dir, dl);
	sprintf(t + dl, ".%s.XXXXXX", dir + dl);
	if (mkdtemp(t) == NULL)
		die("%s: cannot create a temporary directory beside it:", dir);
	model.dir = dir;
	model.tmp = t;
	model.files = files;
	if (!registered) {
		atexit(remove_model_tmp);
		registered = 1;
	}
	if (chmod(t, 0777 & ~mask) != 0)
		die("%s:", t);
}

void
model_dir_write(const char *name, const void *buf, size_t len)
{
	char *p = path_join(model.tmp, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	const char *c = buf;

	if (fd < 0)
		die("%s/%s:", model.dir, name);
	while (len > 0) {
		ssize_t k = write(fd, c, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("%s/%s:", model.dir, name);
		c += k;
		len -= (size_t)k;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		die("%s/%s:", model.dir, name);
	free(p);
}

void
model_dir_commit(void)
{
	struct stat sb;

	model_dir_write("_SUCCESS", "", 0);
	if (stat(model.dir, &sb) != 0) {
		if (rename(model.tmp, model.dir) != 0)
			die("%s:", model.dir);
	} else {
		if (renameat2(AT_FDCWD, model.tmp, AT_FDCWD, model.dir,
		    RENAME_EXCHANGE) != 0)
			die("%s: cannot replace it:", model.dir);
		/* model.tmp now holds the replaced model. */
		if (remove_model_dir(model.tmp) != 0 && !quiet)
			warnx_("warning: %s: the replaced model's directory "
			    "holds other files; left as %s", model.dir,
			    model.tmp);
	}
	free(model.tmp);
	model.tmp = NULL;
}

void
patlist_parse(struct patlist *pl, const char *s, const char *opt)
{
	char *buf = xstrdup(s), *p = buf;

	free(pl->text);
	if (pl->n)
		free(pl->pat[0]);
	free(pl->pat);
	pl->text = xstrdup(s);
	pl->n = 0;
	pl->pat = xmalloc((strlen(s) / 2 + 1) * sizeof(*pl->pat));
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*p == '\0')
			usage_error("bad %s '%s' (an empty column name)", opt, s);
		pl->pat[pl->n++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
}

void
patlist_free(struct patlist *pl)
{
	if (pl->n)
		free(pl->pat[0]);
	free(pl->pat);
	free(pl->text);
	memset(pl, 0, sizeof(*pl));
}

int
patlist_match(const struct patlist *pl, const char *name)
{
	for (size_t i = 0; i < pl->n; i++)
		if (fnmatch(pl->pat[i], name, 0) == 0)
			return 1;
	return 0;
}

void
patlist_check(const struct patlist *pl, const mz_header *h, const char *where)
{
	for (size_t i = 0; i < pl->n; i++) {
		size_t j = 0;
		while (j < h->ncols && fnmatch(pl->pat[i], h->cols[j].name,
		    0) != 0)
			j++;
		if (j == h->ncols)
			die("%s: no column matches '%s'", where, pl->pat[i]);
	}
}

void
jadd(cJSON *o, const char *key, cJSON *item)
{
	if (item == NULL || !(key ? cJSON_AddItemToObject(o, key, item) :
	    cJSON_AddItemToArray(o, item)))
		die("out of memory");
}

cJSON *
jnum(double v)
{
	char buf[32];

	if (!isfinite(v))
		return cJSON_CreateNull();
	mz_fmt_f64(v, buf);
	return cJSON_CreateRaw(buf);
}

cJSON *
jint(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return cJSON_CreateRaw(buf);
}

cJSON *
jnums(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	if (a == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		jadd(a, NULL, jnum(v[i]));
	return a;
}

char *
read_all(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 1 << 16;
	char *buf;

	if (fd < 0)
		die("%s:", path);
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t k;
		if (n == cap) {
			if (cap >= max)
				die("%s: longer than %zu bytes", path, max);
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("%s:", path);
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
parse_codec(const char *s)
{
	if (strcmp(s, "none") == 0 || strcmp(s, "raw") == 0)
		return MZ_CODEC_RAW;
	if (strcmp(s, "zstd") == 0)
		return MZ_CODEC_ZSTD;
	if (strcmp(s, "shuffle") == 0)
		return MZ_CODEC_SHUFFLE;
	if (strcmp(s, "auto") == 0)
		return MZ_CODEC_AUTO;
	usage_error("bad compression '%s' (want none, zstd, shuffle or auto)",
	    s);
}

uint64_t
parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		usage_error("bad %s '%s' (want a non-negative integer)", what, s);
	return v;
}

double
parse_double(const char *s, const char *what)
{
	double v;

	if (mz_parse_f64(s, strlen(s), &v) < 0 || v != v || v - v != 0)
		usage_error("bad %s '%s' (want a finite number)", what, s);
	return v;
}

struct progress {
	const char *label;
	uint64_t total, last;
	double t0, tlast;
	int active;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

progress *
progress_start(const char *label, uint64_t total)
{
	progress *p = xcalloc(1, sizeof(*p));

	p->label = label;
	p->total = total;
	p->active = !quiet && isatty(STDERR_FILENO);
	p->t0 = p->tlast = now();
	return p;
}

static void
progress_draw(progress *p, uint64_t done, double t)
{
	if (p->total > 0) {
		int width = 30, fill = (int)((double)done / (double)p->total *
		    width);
		if (fill > width)
			fill = width;
		fprintf(stderr, "\r%s: [%.*s%*s] %3d%% %.1fs ", p->label, fill,
		    "##############################", width - fill, "",
		    (int)(100.0 * (double)done / (double)p->total), t - p->t0);
	} else
		fprintf(stderr, "\r%s: %llu %.1fs ", p->label,
		    (unsigned long long)done, t - p->t0);
}

void
progress_update(progress *p, uint64_t done)
{
	double t;

	if (p == NULL || !p->active)
		return;
	t = now();
	if (t - p->tlast < 0.1)
		return;
	p->tlast = t;
	p->last = done;
	progress_draw(p, done, t);
}

void
progress_end(progress *p)
{
	if (p == NULL)
		return;
	if (p->active && p->tlast > p->t0)
		fprintf(stderr, "\r%*s\r", 60 + (int)strlen(p->label), "");
	free(p);
}

cJSON *
opts_new(void)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		die("out of memory");
	return o;
}

void
opts_str(cJSON *o, const char *key, const char *v)
{
	if (cJSON_AddStringToObject(o, key, v) == NULL)
		die("out of memory");
}

void
opts_num(cJSON *o, const char *key, double v)
{
	if (cJSON_AddNumberToObject(o, key, v) == NULL)
		die("out of memory");
}

void
opts_bool(cJSON *o, const char *key, int v)
{
	if (cJSON_AddBoolToObject(o, key, v) == NULL)
		die("out of memory");
}

void
history_add(mz_header *h, cJSON *options)
{
	mz_err e;

	if (mz_header_add_history(h, prog, MZ_VERSION, options, NULL, &e) < 0)
		die_err(&e);
}

/*
 * comma_list: the comma-separated names of s, malloc'd (a NULL-terminated
 * vector of pointers into one copy of s); *n gets the count.  Empty names
 * are a usage error (what names the option).
 */
char **
comma_list(const char *s, size_t *n, const char *what)
{
	char *copy = xstrdup(s), *p = copy;
	size_t cnt = 1, i = 0;
	char **v;

	for (const char *q = s; *q; q++)
		cnt += *q == ',';
	v = xcalloc(cnt + 2, sizeof(*v));
	v[0] = copy;   /* v[0] owns the copy; names start at v[1] */
	for (;;) {
		char *c = strchr(p, ',');
		if (c != NULL)
			*c = '\0';
		if (*p == '\0')
			usage_error("bad %s '%s' (want comma-separated "
			    "names)", what, s);
		v[++i] = p;
		if (c == NULL)
			break;
		p = c + 1;
	}
	*n = i;
	return v;
}

/* csv_field: see common.h. */
void
csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

/* comma_list_free: free a vector from comma_list (NULL is fine). */
void
comma_list_free(char **v)
{
	if (v != NULL)
		free(v[0]);
	free(v);
}

/* jget: see common.h. */
const cJSON *
jget(const cJSON *o, const char *key, cJSON_bool (*is)(const cJSON *),
    const char *what, const char *where)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL || !is(v))
		die("%s: '%s' is missing or not %s", where, key, what);
	return v;
}

/* jcount: see common.h. */
uint64_t
jcount(const cJSON *o, const char *key, uint64_t max, const char *where)
{
	double v = jget(o, key, cJSON_IsNumber, "a number", where)->valuedouble;

	if (!(v >= 0 && v <= (double)max && v == floor(v)))
		die("%s: '%s' is not a count up to %llu", where, key,
		    (unsigned long long)max);
	return (uint64_t)v;
}

/* meta_str: see common.h. */
const char *
meta_str(const mz_header *h, const char *key, char buf[64])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h->meta, key);

	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		char t[32];
		mz_fmt_f64(v->valuedouble, t);
		snprintf(buf, 64, "%s", t);
		return buf;
	}
	return NULL;
}
