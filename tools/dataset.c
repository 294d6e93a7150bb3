/*
 * dataset.c - the mz dataset: manifest, index.csv tables, locked atomic
 * updates, safe names, path remapping.  See dataset.h for the contracts.
 * Never prints, never exits.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "dataset.h"

#define MAX_MANIFEST ((size_t)64 << 20)   /* largest manifest read */
#define MAX_INDEX ((size_t)1 << 32)       /* largest index.csv read */
#define MAX_DEPTH 64                      /* YAML/JSON nesting */

const char *const ds_root_names[DS_NROOTS] = {
	"media_raw", "media", "tracks_raw", "tracks", "features", "labels",
	"models", "frames"
};

const char *const ds_cols_media[] = { "name", "group", "sequence",
	"group_safe", "sequence_safe", "abs_path", "size_bytes", "mtime_iso",
	"width", "height", "fps", "codec", "media_type", "video_order", NULL };
const char *const ds_cols_tracks_raw[] = { "group", "sequence", "abs_path",
	"src_format", "size_bytes", "mtime_iso", "md5", NULL };
const char *const ds_cols_tracks[] = { "group", "sequence", "group_safe",
	"sequence_safe", "collection", "collection_safe", "abs_path",
	"std_format", "source_abs_path", "source_md5", "n_rows", NULL };
const char *const ds_cols_labels[] = { "kind", "label_format", "group",
	"sequence", "group_safe", "sequence_safe", "abs_path",
	"source_abs_path", "source_md5", "n_frames", "label_ids",
	"label_names", NULL };
const char *const ds_cols_features[] = { "abs_path", "run_id", "started_at",
	"finished_at", "feature", "version", "group", "sequence", "params_hash",
	"n_rows", NULL };
const char *const ds_cols_frames[] = { "abs_path", "run_id", "started_at",
	"finished_at", "method", "group", "sequence", "video_abs_path",
	"params_hash", "n_frames_extracted", "n_frames_requested", NULL };
const char *const ds_cols_models[] = { "abs_path", "run_id", "started_at",
	"finished_at", "model", "version", "config_path", "config_hash",
	"metrics_path", "status", "notes", NULL };

/* ------------------------------------------------------------ small helpers */

/* xstr: strdup that aborts on out of memory (for the "never NULL" string
 * helpers); NULL gives NULL. */
static char *
xstr(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		abort();
	return d;
}

/* xalloc: malloc that aborts on out of memory. */
static void *
xalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

/* A growable byte buffer (aborts on out of memory). */
struct buf {
	char *s;
	size_t len, cap;
};

/* buf_add: append n bytes of p, keeping the buffer NUL-terminated. */
static void
buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((b->s = realloc(b->s, cap)) == NULL)
			abort();
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* buf_str: append a NUL-terminated string. */
static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* buf_fmt: append printf-style text. */
static void __attribute__((format(printf, 2, 3)))
buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		buf_add(b, tmp, (size_t)n);
		return;
	}
	{
		char *big = xalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		buf_add(b, big, (size_t)n);
		free(big);
	}
}

/* buf_take: the buffer's string (never NULL), leaving b empty. */
static char *
buf_take(struct buf *b)
{
	char *s;

	if (b->s == NULL)
		return xstr("");
	s = b->s;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/*
 * read_file: the bytes of path (at most max), NUL-terminated, malloc'd,
 * count in *len.  *missing (if not NULL) is set to 1 when the file does
 * not exist.  NULL with err set on failure.
 */
static char *
read_file(const char *path, size_t max, size_t *len, int *missing,
	mz_err *err)
{
	struct buf b = { 0 };
	char tmp[65536];
	FILE *f;
	size_t n;

	if (missing)
		*missing = 0;
	if ((f = fopen(path, "rb")) == NULL) {
		if (missing && errno == ENOENT)
			*missing = 1;
		mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (b.len + n > max) {
			fclose(f);
			free(b.s);
			mz_seterr(err, MZ_ENOMEM, "%s: larger than %zu bytes",
			    path, max);
			return NULL;
		}
		buf_add(&b, tmp, n);
	}
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(b.s);
		mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(e));
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return buf_take(&b);
}

/* sync_dir: fsync the directory holding path (best effort: some file
 * systems refuse, which is no reason to fail a committed write). */
static void
sync_dir(const char *path)
{
	char *d = xstr(path), *slash = strrchr(d, '/');
	int fd;

	if (slash == NULL)
		strcpy(d, ".");
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(d);
}

/* write_atomic: write len bytes of data to path through mz_atomic, then
 * sync the directory. */
static int
write_atomic(const char *path, const char *data, size_t len, mz_err *err)
{
	mz_atomic *a = mz_atomic_open(path, err);
	int rc;

	if (a == NULL)
		return -(err ? err->code : MZ_EIO);
	if (len > 0 && fwrite(data, 1, len, mz_atomic_file(a)) != len) {
		rc = mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(errno));
		mz_atomic_abort(a);
		return rc;
	}
	if ((rc = mz_atomic_commit(a, err)) < 0)
		return rc;
	sync_dir(path);
	return 0;
}

/* path_join_: "dir/name", malloc'd. */
static char *
path_join_(const char *dir, const char *name)
{
	struct buf b = { 0 };

	buf_str(&b, dir);
	if (b.len == 0 || b.s[b.len - 1] != '/')
		buf_str(&b, "/");
	buf_str(&b, name);
	return buf_take(&b);
}

/* mkdir_p: create dir and its parents (mode 0777 & ~umask). */
static int
mkdir_p(const char *dir, mz_err *err)
{
	char *p = xstr(dir), *s;
	struct stat st;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				rc = mz_seterr(err, MZ_EIO, "%s: %s", p,
				    strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	if (rc == 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		rc = mz_seterr(err, MZ_EIO, "%s: not a directory", dir);
	free(p);
	return rc;
}

/* line_col: the 1-based line and column of offset off in text. */
static void
line_col(const char *text, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* ------------------------------------------------------------ roots */

int
ds_root_id(const char *name)
{
	int i;

	for (i = 0; i < DS_NROOTS; i++)
		if (strcmp(name, ds_root_names[i]) == 0)
			return i;
	return -1;
}

const char *
ds_root_default(int id)
{
	return id == DS_FRAMES ? "media/frames" : ds_root_names[id];
}

/* ------------------------------------------------------------ paths */

char *
ds_path_norm(const char *p)
{
	size_t n = strlen(p), nc = 0, i;
	int abs = p[0] == '/';
	const char **comp = xalloc((n / 2 + 2) * sizeof(*comp));
	size_t *clen = xalloc((n / 2 + 2) * sizeof(*clen));
	struct buf b = { 0 };
	const char *s = p;

	while (*s) {
		const char *e;
		size_t len;

		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e && *e != '/'; e++)
			;
		len = (size_t)(e - s);
		if (len == 1 && s[0] == '.') {
			/* skip */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (nc > 0 && !(clen[nc - 1] == 2 &&
			    memcmp(comp[nc - 1], "..", 2) == 0))
				nc--;
			else if (!abs) {
				comp[nc] = s;
				clen[nc++] = len;
			}
		} else {
			comp[nc] = s;
			clen[nc++] = len;
		}
		s = e;
	}
	if (abs)
		buf_str(&b, "/");
	for (i = 0; i < nc; i++) {
		if (i > 0)
			buf_str(&b, "/");
		buf_add(&b, comp[i], clen[i]);
	}
	if (b.len == 0)
		buf_str(&b, ".");
	free(comp);
	free(clen);
	return buf_take(&b);
}

char *
ds_path_abs(const char *base, const char *p)
{
	char *cwd = NULL, *joined, *r;
	struct buf b = { 0 };

	if (p[0] == '/')
		return ds_path_norm(p);
	if (base == NULL || base[0] != '/') {
		if ((cwd = getcwd(NULL, 0)) == NULL)
			abort();
		buf_str(&b, cwd);
		if (base != NULL) {
			buf_str(&b, "/");
			buf_str(&b, base);
		}
	} else {
		buf_str(&b, base);
	}
	buf_str(&b, "/");
	buf_str(&b, p);
	joined = buf_take(&b);
	r = ds_path_norm(joined);
	free(joined);
	free(cwd);
	return r;
}

char *
ds_path_under(const char *path, const char *dir)
{
	char *p = ds_path_norm(path), *d = ds_path_norm(dir), *r = NULL;
	size_t n = strlen(d);

	if (strcmp(d, ".") == 0 && p[0] != '/' &&
	    strncmp(p, "..", 2) != 0) {
		r = xstr(p);
	} else if (strcmp(p, d) == 0) {
		r = xstr(".");
	} else if (strcmp(d, "/") == 0 && p[0] == '/') {
		r = xstr(p + 1);
	} else if (strncmp(p, d, n) == 0 && p[n] == '/') {
		r = xstr(p + n + 1);
	}
	free(p);
	free(d);
	return r;
}

char *
ds_path_rel(const char *base, const char *path)
{
	char *ab = ds_path_abs(NULL, base), *ap = ds_path_abs(ab, path);
	char *r = ds_path_under(ap, ab);

	if (r == NULL) {
		/* Reached by another route (a symbolic link)? */
		char *rb = realpath(ab, NULL), *rp = realpath(ap, NULL);
		if (rb && rp)
			r = ds_path_under(rp, rb);
		free(rb);
		free(rp);
	}
	free(ab);
	free(ap);
	return r;
}

/* expand_home: "~" or "~/x" with $HOME expanded (as Path.expanduser for
 * the current user), else a copy. */
static char *
expand_home(const char *s)
{
	const char *home = getenv("HOME");
	struct buf b = { 0 };

	if (s[0] != '~' || (s[1] != '\0' && s[1] != '/') || home == NULL ||
	    home[0] == '\0')
		return xstr(s);
	buf_str(&b, home);
	buf_str(&b, s + 1);
	return buf_take(&b);
}

int
ds_pathmap_add(ds_pathmap *pm, const char *src, const char *dst,
	mz_err *err)
{
	char *s, *d, *es, *ed, **ns, **nd;
	size_t i, j;

	if (src == NULL || dst == NULL || src[0] == '\0' || dst[0] == '\0')
		return 0;
	es = expand_home(src);
	ed = expand_home(dst);
	s = ds_path_norm(es);
	d = ds_path_norm(ed);
	free(es);
	free(ed);
	if (strcmp(s, d) == 0) {
		free(s);
		free(d);
		return 0;
	}
	ns = realloc(pm->src, (pm->n + 1) * sizeof(*ns));
	if (ns == NULL)
		goto oom;
	pm->src = ns;
	nd = realloc(pm->dst, (pm->n + 1) * sizeof(*nd));
	if (nd == NULL)
		goto oom;
	pm->dst = nd;
	/* Insert after every pair at least as long (stable by length). */
	for (i = 0; i < pm->n && strlen(pm->src[i]) >= strlen(s); i++)
		;
	for (j = pm->n; j > i; j--) {
		pm->src[j] = pm->src[j - 1];
		pm->dst[j] = pm->dst[j - 1];
	}
	pm->src[i] = s;
	pm->dst[i] = d;
	pm->n++;
	return 0;
oom:
	free(s);
	free(d);
	return mz_seterr(err, MZ_ENOMEM, "out of memory");
}

int
ds_pathmap_parse(ds_pathmap *pm, const char *spec, mz_err *err)
{
	const char *eq = strchr(spec, '=');
	char *src;
	int rc;

	if (eq == NULL || eq == spec || eq[1] == '\0')
		return mz_seterr(err, MZ_EINVAL, "%s: a path map is written "
		    "SRC=DST, both non-empty", spec);
	src = xalloc((size_t)(eq - spec) + 1);
	memcpy(src, spec, (size_t)(eq - spec));
	src[eq - spec] = '\0';
	rc = ds_pathmap_add(pm, src, eq + 1, err);
	free(src);
	return rc;
}

char *
ds_pathmap_apply(const ds_pathmap *pm, const char *path)
{
	size_t i;

	for (i = 0; i < pm->n; i++) {
		char *rest = ds_path_under(path, pm->src[i]), *r;
		struct buf b = { 0 };

		if (rest == NULL)
			continue;
		if (strcmp(rest, ".") == 0) {
			free(rest);
			return xstr(pm->dst[i]);
		}
		buf_str(&b, pm->dst[i]);
		if (strcmp(pm->dst[i], "/") != 0)
			buf_str(&b, "/");
		buf_str(&b, rest);
		free(rest);
		r = buf_take(&b);
		return r;
	}
	return NULL;
}

void
ds_pathmap_free(ds_pathmap *pm)
{
	size_t i;

	if (pm == NULL)
		return;
	for (i = 0; i < pm->n; i++) {
		free(pm->src[i]);
		free(pm->dst[i]);
	}
	free(pm->src);
	free(pm->dst);
	memset(pm, 0, sizeof(*pm));
}

/* ------------------------------------------------------------ names */

/* utf8_space_len: if s (with n bytes left) starts with a character that
 * Python's str.isspace() accepts, its length in bytes; else 0. */
static size_t
utf8_space_len(const unsigned char *s, size_t n)
{
	if (n >= 1 && ((s[0] >= 0x09 && s[0] <= 0x0d) || s[0] == ' ' ||
	    (s[0] >= 0x1c && s[0] <= 0x1f)))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;                               /* U+1680 */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 ||
	    s[2] == 0xa9 || s[2] == 0xaf))
		return 3;                  /* U+2000..200A, 2028, 2029, 202F */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;                               /* U+205F */
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;                               /* U+3000 */
	return 0;
}

/* utf8_space_before: if the n bytes at s end with a whitespace
 * character, its length; else 0. */
static size_t
utf8_space_before(const unsigned char *s, size_t n)
{
	size_t k;

	for (k = 1; k <= 3 && k <= n; k++)
		if (utf8_space_len(s + n - k, k) == k)
			return k;
	return 0;
}

char *
ds_safe_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), k, i;
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = { 0 };

	while (n > 0 && (k = utf8_space_len(p, n)) > 0) {
		p += k;
		n -= k;
	}
	while (n > 0 && (k = utf8_space_before(p, n)) > 0)
		n -= k;
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (isalnum(c) && c < 0x80) {
			buf_add(&b, (const char *)&c, 1);
		} else if (c == '_' || c == '.' || c == '-' || c == '~') {
			buf_add(&b, (const char *)&c, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_add(&b, e, 3);
		}
	}
	return buf_take(&b);
}

char *
ds_entry_key(const char *group, const char *sequence)
{
	char *g, *s, *r;
	struct buf b = { 0 };

	s = ds_safe_name(sequence ? sequence : "");
	if (group == NULL || group[0] == '\0')
		return s;
	g = ds_safe_name(group);
	buf_str(&b, g);
	buf_str(&b, "__");
	buf_str(&b, s);
	free(g);
	free(s);
	r = buf_take(&b);
	return r;
}

/* hexval: the value of a hex digit, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
ds_unsafe_name(const char *s)
{
	struct buf b = { 0 };

	for (; *s; s++) {
		int h, l;
		if (s[0] == '%' && (h = hexval((unsigned char)s[1])) >= 0 &&
		    (l = hexval((unsigned char)s[2])) >= 0) {
			char c = (char)(h * 16 + l);
			buf_add(&b, &c, 1);
			s += 2;
		} else {
			buf_add(&b, s, 1);
		}
	}
	return buf_take(&b);
}

/* ------------------------------------------------------------ tables */

/* table_grow: room for at least one more row. */
static int
table_grow(ds_table *t, mz_err *err)
{
	size_t cap;
	char **cell;
	size_t *line;

	if (t->nrow < t->cap)
		return 0;
	cap = t->cap ? t->cap * 2 : 16;
	cell = realloc(t->cell, cap * (t->ncol ? t->ncol : 1) *
	    sizeof(*cell));
	if (cell == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	t->cell = cell;
	line = realloc(t->line, cap * sizeof(*line));
	if (line == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	t->line = line;
	t->cap = cap;
	return 0;
}

ds_table *
ds_table_new(const char *const *cols)
{
	ds_table *t = calloc(1, sizeof(*t));
	size_t n = 0, i;

	if (t == NULL)
		abort();
	while (cols && cols[n])
		n++;
	t->col = xalloc((n ? n : 1) * sizeof(*t->col));
	for (i = 0; i < n; i++)
		t->col[i] = xstr(cols[i]);
	t->ncol = n;
	return t;
}

void
ds_table_free(ds_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrow * t->ncol; i++)
		free(t->cell[i]);
	for (i = 0; i < t->ncol; i++)
		free(t->col[i]);
	free(t->cell);
	free(t->col);
	free(t->line);
	free(t);
}

int
ds_table_col(const ds_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncol; i++)
		if (strcmp(t->col[i], name) == 0)
			return (int)i;
	return -1;
}

int
ds_table_add_col(ds_table *t, const char *name)
{
	int c = ds_table_col(t, name);
	size_t nc, r, i;
	char **cell, **col;

	if (c >= 0)
		return c;
	nc = t->ncol + 1;
	col = realloc(t->col, nc * sizeof(*col));
	if (col == NULL)
		return -MZ_ENOMEM;
	t->col = col;
	cell = malloc((t->cap ? t->cap : 1) * nc * sizeof(*cell));
	if (cell == NULL)
		return -MZ_ENOMEM;
	for (r = 0; r < t->nrow; r++) {
		for (i = 0; i < t->ncol; i++)
			cell[r * nc + i] = t->cell[r * t->ncol + i];
		cell[r * nc + t->ncol] = NULL;
	}
	free(t->cell);
	t->cell = cell;
	if ((t->col[t->ncol] = strdup(name)) == NULL)
		return -MZ_ENOMEM;
	return (int)t->ncol++;
}

const char *
ds_table_cell(const ds_table *t, size_t r, size_t c)
{
	if (r >= t->nrow || c >= t->ncol)
		return NULL;
	return t->cell[r * t->ncol + c];
}

const char *
ds_table_get(const ds_table *t, size_t r, const char *name)
{
	int c = ds_table_col(t, name);

	return c < 0 ? NULL : ds_table_cell(t, r, (size_t)c);
}

int
ds_table_set(ds_table *t, size_t r, const char *name, const char *val,
	mz_err *err)
{
	int c = ds_table_add_col(t, name);
	char **p, *v = NULL;

	if (c < 0)
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	if (r >= t->nrow)
		return mz_seterr(err, MZ_EINVAL, "row %zu out of range", r);
	if (val != NULL && val[0] != '\0' && (v = strdup(val)) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	p = &t->cell[r * t->ncol + (size_t)c];
	free(*p);
	*p = v;
	return 0;
}

long
ds_table_add_row(ds_table *t, mz_err *err)
{
	size_t i;

	if (table_grow(t, err) < 0)
		return -MZ_ENOMEM;
	for (i = 0; i < t->ncol; i++)
		t->cell[t->nrow * t->ncol + i] = NULL;
	t->line[t->nrow] = 0;
	return (long)t->nrow++;
}

/* same: two cells equal, NULL and "" both meaning empty. */
static int
same(const char *a, const char *b)
{
	if (a == NULL)
		a = "";
	if (b == NULL)
		b = "";
	return strcmp(a, b) == 0;
}

long
ds_table_find(const ds_table *t, const char *const *keys,
	const char *const *vals, size_t nkey)
{
	int cols[64];
	size_t r, k;

	if (nkey > 64)
		return -1;
	for (k = 0; k < nkey; k++)
		cols[k] = ds_table_col(t, keys[k]);
	for (r = 0; r < t->nrow; r++) {
		for (k = 0; k < nkey; k++) {
			const char *c = cols[k] < 0 ? NULL :
			    t->cell[r * t->ncol + (size_t)cols[k]];
			if (!same(c, vals[k]))
				break;
		}
		if (k == nkey)
			return (long)r;
	}
	return -1;
}

long
ds_table_upsert(ds_table *t, const char *const *names,
	const char *const *vals, size_t n, const char *const *keys,
	size_t nkey, mz_err *err)
{
	const char *kv[64];
	size_t k, i;
	long r;

	if (nkey > 64)
		return mz_seterr(err, MZ_EINVAL, "more than 64 key columns");
	for (k = 0; k < nkey; k++) {
		for (i = 0; i < n && strcmp(names[i], keys[k]) != 0; i++)
			;
		if (i == n)
			return mz_seterr(err, MZ_EINVAL, "key column %s has "
			    "no value in the row", keys[k]);
		kv[k] = vals[i];
	}
	for (i = 0; i < n; i++)
		if (ds_table_add_col(t, names[i]) < 0)
			return mz_seterr(err, MZ_ENOMEM, "out of memory");
	r = nkey > 0 ? ds_table_find(t, keys, kv, nkey) : -1;
	if (r < 0 && (r = ds_table_add_row(t, err)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if (ds_table_set(t, (size_t)r, names[i], vals[i], err) < 0)
			return -MZ_ENOMEM;
	return r;
}

void
ds_table_delete_row(ds_table *t, size_t r)
{
	size_t i;

	if (r >= t->nrow)
		return;
	for (i = 0; i < t->ncol; i++)
		free(t->cell[r * t->ncol + i]);
	memmove(&t->cell[r * t->ncol], &t->cell[(r + 1) * t->ncol],
	    (t->nrow - r - 1) * t->ncol * sizeof(*t->cell));
	memmove(&t->line[r], &t->line[r + 1],
	    (t->nrow - r - 1) * sizeof(*t->line));
	t->nrow--;
}

/*
 * CSV records.  csv_record reads one record starting at *pos into the
 * fields array (malloc'd strings, NULL for empty), advancing *pos and
 * *line; returns the field count, 0 at the end of the text (or for a
 * blank line, with *blank set), or a negative code.
 */
struct fields {
	char **f;
	size_t n, cap;
};

/* fields_clear: free the fields of the last record. */
static void
fields_clear(struct fields *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		free(fs->f[i]);
	fs->n = 0;
}

/* fields_push: end a field with the text in b (NULL when empty). */
static void
fields_push(struct fields *fs, struct buf *b)
{
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 16;
		if ((fs->f = realloc(fs->f, fs->cap * sizeof(*fs->f))) == NULL)
			abort();
	}
	fs->f[fs->n++] = b->len > 0 ? buf_take(b) : NULL;
	if (b->s)
		b->s[0] = '\0';
	b->len = 0;
}

/* csv_record: see "CSV records" above. */
static long
csv_record(const char *s, size_t len, size_t *pos, size_t *line,
	struct fields *fs, const char *name, int *blank, mz_err *err)
{
	size_t i = *pos, start_line = *line;
	struct buf b = { 0 };

	fields_clear(fs);
	*blank = 0;
	if (i >= len)
		return 0;
	if (s[i] == '\n' || (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')) {
		*pos = i + (s[i] == '\r' ? 2 : 1);
		(*line)++;
		*blank = 1;
		return 0;
	}
	for (;;) {
		/* Start of a field. */
		if (i < len && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					free(b.s);
					return mz_seterr(err, MZ_EFORMAT,
					    "%s: line %zu: a quoted field is "
					    "not closed", name, start_line);
				}
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						buf_add(&b, "\"", 1);
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (s[i] == '\0') {
					free(b.s);
					return mz_seterr(err, MZ_EFORMAT,
					    "%s: line %zu: a NUL byte", name,
					    *line);
				}
				if (s[i] == '\n')
					(*line)++;
				buf_add(&b, &s[i], 1);
				i++;
			}
		}
		/* Unquoted part (or text after a closing quote, kept as
		 * Python's csv module keeps it). */
		while (i < len && s[i] != ',' && s[i] != '\n' &&
		    !(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') &&
		    !(s[i] == '\r' && i + 1 == len)) {
			if (s[i] == '\0') {
				free(b.s);
				return mz_seterr(err, MZ_EFORMAT,
				    "%s: line %zu: a NUL byte", name, *line);
			}
			buf_add(&b, &s[i], 1);
			i++;
		}
		fields_push(fs, &b);
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '\r')
			i++;
		if (i < len && s[i] == '\n')
			i++;
		(*line)++;
		break;
	}
	free(b.s);
	*pos = i;
	return (long)fs->n;
}

ds_table *
ds_table_parse(const char *buf, size_t len, const char *name, mz_err *err)
{
	struct fields fs = { 0 };
	size_t pos = 0, line = 1, i, hdr_line;
	ds_table *t;
	long n;
	int blank;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	t = ds_table_new(NULL);
	/* Header: the first non-blank record. */
	do {
		hdr_line = line;
		n = csv_record(buf, len, &pos, &line, &fs, name, &blank, err);
	} while (n == 0 && blank);
	if (n < 0)
		goto fail;
	for (i = 0; i < (size_t)n; i++) {
		if (fs.f[i] == NULL) {
			mz_seterr(err, MZ_EFORMAT, "%s: line %zu: column %zu "
			    "has no name", name, hdr_line, i + 1);
			goto fail;
		}
		if (ds_table_col(t, fs.f[i]) >= 0) {
			mz_seterr(err, MZ_EFORMAT, "%s: line %zu: column %s "
			    "appears twice", name, hdr_line, fs.f[i]);
			goto fail;
		}
		if (ds_table_add_col(t, fs.f[i]) < 0) {
			mz_seterr(err, MZ_ENOMEM, "out of memory");
			goto fail;
		}
	}
	for (;;) {
		size_t at = line;
		long r;

		n = csv_record(buf, len, &pos, &line, &fs, name, &blank, err);
		if (n < 0)
			goto fail;
		if (n == 0) {
			if (blank)
				continue;
			break;
		}
		if ((size_t)n > t->ncol) {
			mz_seterr(err, MZ_EFORMAT, "%s: line %zu: %ld fields, "
			    "the header has %zu", name, at, n, t->ncol);
			goto fail;
		}
		if ((r = ds_table_add_row(t, err)) < 0)
			goto fail;
		t->line[r] = at;
		for (i = 0; i < (size_t)n; i++) {
			t->cell[(size_t)r * t->ncol + i] = fs.f[i];
			fs.f[i] = NULL;
		}
		fs.n = 0;
	}
	fields_clear(&fs);
	free(fs.f);
	return t;
fail:
	fields_clear(&fs);
	free(fs.f);
	ds_table_free(t);
	return NULL;
}

ds_table *
ds_table_read(const char *path, int *missing, mz_err *err)
{
	size_t len;
	char *text = read_file(path, MAX_INDEX, &len, missing, err);
	ds_table *t;

	if (text == NULL)
		return NULL;
	t = ds_table_parse(text, len, path, err);
	free(text);
	return t;
}

/* buf_csv_field: append one field, quoted as Python's csv QUOTE_MINIMAL. */
static void
buf_csv_field(struct buf *b, const char *v, int alone)
{
	const char *p;

	if (v == NULL || v[0] == '\0') {
		if (alone)
			buf_str(b, "\"\"");
		return;
	}
	if (strpbrk(v, ",\"\r\n") == NULL) {
		buf_str(b, v);
		return;
	}
	buf_str(b, "\"");
	for (p = v; *p; p++) {
		if (*p == '"')
			buf_str(b, "\"");
		buf_add(b, p, 1);
	}
	buf_str(b, "\"");
}

/* table_text: the CSV text of t. */
static char *
table_text(const ds_table *t, size_t *len)
{
	struct buf b = { 0 };
	size_t r, c;

	if (t->ncol == 0) {
		/* pandas writes an empty frame's header as a blank line. */
		buf_str(&b, "\n");
		*len = b.len;
		return buf_take(&b);
	}
	for (c = 0; c < t->ncol; c++) {
		if (c > 0)
			buf_str(&b, ",");
		buf_csv_field(&b, t->col[c], t->ncol == 1);
	}
	buf_str(&b, "\n");
	for (r = 0; r < t->nrow; r++) {
		for (c = 0; c < t->ncol; c++) {
			if (c > 0)
				buf_str(&b, ",");
			buf_csv_field(&b, t->cell[r * t->ncol + c], t->ncol == 1);
		}
		buf_str(&b, "\n");
	}
	*len = b.len;
	return buf_take(&b);
}

int
ds_table_write(const ds_table *t, FILE *f, const char *name, mz_err *err)
{
	size_t len;
	char *text = table_text(t, &len);
	int ok = fwrite(text, 1, len, f) == len;

	free(text);
	if (!ok)
		return mz_seterr(err, MZ_EIO, "%s: %s", name ? name : "<out>",
		    strerror(errno));
	return 0;
}

int
ds_table_save(const ds_table *t, const char *path, mz_err *err)
{
	size_t len;
	char *text = table_text(t, &len);
	int rc = write_atomic(path, text, len, err);

	free(text);
	return rc;
}

/* ------------------------------------------------------------ locked updates */

struct ds_index {
	char *path;
	int lockfd;
	ds_table *t;
};

/* parent_dir: the directory part of path (malloc'd; "." if none). */
static char *
parent_dir(const char *path)
{
	char *d = xstr(path), *slash = strrchr(d, '/');

	if (slash == NULL) {
		free(d);
		return xstr(".");
	}
	if (slash == d)
		slash[1] = '\0';
	else
		*slash = '\0';
	return d;
}

/* sleep_ms: pause about ms milliseconds. */
static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* now_s: a monotonic clock in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

ds_index *
ds_index_open(const char *path, const char *const *cols, double timeout,
	mz_err *err)
{
	ds_index *ix = calloc(1, sizeof(*ix));
	char *dir = parent_dir(path), *lock;
	struct buf b = { 0 };
	double deadline;
	int missing;
	long wait = 1;

	if (ix == NULL)
		abort();
	ix->lockfd = -1;
	ix->path = xstr(path);
	if (mkdir_p(dir, err) < 0) {
		free(dir);
		goto fail;
	}
	free(dir);
	buf_str(&b, path);
	buf_str(&b, ".lock");
	lock = buf_take(&b);
	ix->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (ix->lockfd < 0) {
		mz_seterr(err, MZ_EIO, "%s: %s", lock, strerror(errno));
		free(lock);
		goto fail;
	}
	deadline = now_s() + (timeout > 0 ? timeout : 60);
	while (flock(ix->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			mz_seterr(err, MZ_EIO, "%s: cannot lock (%s); refusing "
			    "to update %s unlocked", lock, strerror(errno),
			    path);
			free(lock);
			goto fail;
		}
		if (now_s() >= deadline) {
			mz_seterr(err, MZ_EIO, "%s: still locked by another "
			    "writer after %g s", lock, timeout > 0 ? timeout :
			    60);
			free(lock);
			goto fail;
		}
		sleep_ms(wait);
		if (wait < 16)
			wait *= 2;
	}
	free(lock);
	ix->t = ds_table_read(path, &missing, err);
	if (ix->t == NULL && !missing)
		goto fail;
	if (ix->t == NULL || ix->t->ncol == 0) {
		ds_table_free(ix->t);
		ix->t = ds_table_new(cols);
	}
	return ix;
fail:
	ds_index_abort(ix);
	return NULL;
}

ds_table *
ds_index_table(ds_index *ix)
{
	return ix->t;
}

void
ds_index_abort(ds_index *ix)
{
	if (ix == NULL)
		return;
	if (ix->lockfd >= 0)
		close(ix->lockfd);    /* releases the flock */
	ds_table_free(ix->t);
	free(ix->path);
	free(ix);
}

int
ds_index_commit(ds_index *ix, mz_err *err)
{
	int rc = ds_table_save(ix->t, ix->path, err);

	ds_index_abort(ix);
	return rc;
}

int
ds_index_upsert(const char *path, const char *const *cols,
	const ds_table *rows, const char *const *keys, size_t nkey,
	mz_err *err)
{
	ds_index *ix = ds_index_open(path, cols, 0, err);
	size_t r;

	if (ix == NULL)
		return -(err ? err->code : MZ_EIO);
	for (r = 0; r < rows->nrow; r++) {
		if (ds_table_upsert(ix->t, (const char *const *)rows->col,
		    (const char *const *)&rows->cell[r * rows->ncol],
		    rows->ncol, keys, nkey, err) < 0) {
			ds_index_abort(ix);
			return -(err ? err->code : MZ_EINVAL);
		}
	}
	return ds_index_commit(ix, err);
}

/* ------------------------------------------------------------ YAML scalars */

/* is_null_text, is_bool_text: PyYAML's (YAML 1.1) implicit null and
 * boolean plain scalars; *val gets the boolean. */
static int
is_null_text(const char *s)
{
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* is_bool_text: see is_null_text. */
static int
is_bool_text(const char *s, int *val)
{
	static const char *const t[] = { "yes", "Yes", "YES", "true", "True",
		"TRUE", "on", "On", "ON", NULL };
	static const char *const f[] = { "no", "No", "NO", "false", "False",
		"FALSE", "off", "Off", "OFF", NULL };
	int i;

	for (i = 0; t[i]; i++)
		if (strcmp(s, t[i]) == 0)
			return *val = 1, 1;
	for (i = 0; f[i]; i++)
		if (strcmp(s, f[i]) == 0)
			return *val = 0, 1;
	return 0;
}

/* digits_: skip [0-9_]* (at least min digits); returns the end or NULL. */
static const char *
digits_(const char *s, int min)
{
	int n = 0;

	while (isdigit((unsigned char)*s) || *s == '_') {
		if (*s != '_')
			n++;
		s++;
	}
	return n >= min ? s : NULL;
}

/*
 * yaml_number: if s is a YAML 1.1 int or float plain scalar as PyYAML
 * resolves them (decimal with '_', 0x, 0o/0 octal, 0b, floats with a
 * '.', .inf, .nan), its value in *v and 1; else 0.
 */
static int
yaml_number(const char *s, double *v)
{
	const char *p = s, *e;
	char *clean, *q, *end;
	int ok;

	if (*p == '+' || *p == '-')
		p++;
	if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 ||
	    strcmp(p, ".INF") == 0) {
		*v = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
		return 1;
	}
	if (p == s && (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 ||
	    strcmp(s, ".NAN") == 0)) {
		*v = NAN;
		return 1;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'b' || p[1] == 'o') &&
	    p[2]) {
		int base = p[1] == 'x' ? 16 : p[1] == 'b' ? 2 : 8;
		unsigned long long u = 0;
		for (e = p + 2; *e; e++) {
			int d = *e == '_' ? -2 : hexval((unsigned char)*e);
			if (d == -2)
				continue;
			if (d < 0 || d >= base)
				return 0;
			u = u * (unsigned)base + (unsigned)d;
		}
		*v = s[0] == '-' ? -(double)u : (double)u;
		return 1;
	}
	/* Decimal int, or float with a '.'. */
	if (*p == '.') {
		if ((e = digits_(p + 1, 1)) == NULL)
			return 0;
	} else {
		if ((e = digits_(p, 1)) == NULL)
			return 0;
		if (*e == '.')
			e = digits_(e + 1, 0);
	}
	if (e && (*e == 'e' || *e == 'E') && strchr(s, '.')) {
		e++;
		if (*e != '+' && *e != '-')
			return 0;
		e = digits_(e + 1, 1);
	}
	if (e == NULL || *e != '\0')
		return 0;
	clean = xalloc(strlen(s) + 1);
	for (q = clean, p = s; *p; p++)
		if (*p != '_')
			*q++ = *p;
	*q = '\0';
	errno = 0;
	*v = strtod(clean, &end);
	ok = *end == '\0';
	free(clean);
	return ok;
}

/* yaml_needs_quotes: 1 if the string s would not read back from a plain
 * YAML scalar as that same string (with PyYAML or this reader). */
static int
yaml_needs_quotes(const char *s)
{
	double v;
	int b;
	const char *p = s;

	if (is_null_text(s) || is_bool_text(s, &b) || yaml_number(s, &v))
		return 1;
	if (strcmp(s, "=") == 0 || strcmp(s, "<<") == 0)
		return 1;
	/* Timestamps (2026-06-03...) and sexagesimal numbers (1:30). */
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
	    p[4] == '-')
		return 1;
	if (*p == '+' || *p == '-')
		p++;
	if (isdigit((unsigned char)*p) && strchr(p, ':') &&
	    strspn(p, "0123456789_:.") == strlen(p))
		return 1;
	return 0;
}

/* num_text: v as the shortest text that reads back exactly; integral
 * values without a fraction.  out has 40 bytes. */
static void
num_text(double v, char out[40])
{
	int prec;

	if (isnan(v)) {
		strcpy(out, ".nan");
		return;
	}
	if (isinf(v)) {
		strcpy(out, v < 0 ? "-.inf" : ".inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		snprintf(out, 40, "%.0f", v);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(out, 40, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
}

/* ------------------------------------------------------------ YAML reading */

struct yctx {
	yaml_document_t *doc;
	const char *file;
	mz_err *err;
};

/* ypos: "FILE: line L, column C" of node n into out. */
static void
ypos(const struct yctx *y, const yaml_node_t *n, char *out, size_t size)
{
	snprintf(out, size, "%s: line %zu, column %zu", y->file,
	    (size_t)n->start_mark.line + 1, (size_t)n->start_mark.column + 1);
}

/* yerr: set the error at node n; returns -MZ_EFORMAT. */
static int __attribute__((format(printf, 3, 4)))
yerr(const struct yctx *y, const yaml_node_t *n, const char *fmt, ...)
{
	char where[600], msg[400];
	va_list ap;

	ypos(y, n, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mz_seterr(y->err, MZ_EFORMAT, "%s: %s", where, msg);
}

/* yscalar_plain: 1 if the scalar node was written plain (unquoted) and
 * carries no explicit tag other than the default. */
static int
yscalar_plain(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/*
 * yjson: node n as cJSON: mappings as objects (keys must be scalars),
 * sequences as arrays, scalars resolved as PyYAML's safe_load does (plain
 * null, booleans, numbers; everything else, and quoted scalars, strings).
 * NULL with the error set.
 */
static cJSON *
yjson(const struct yctx *y, yaml_node_t *n, int depth)
{
	cJSON *j = NULL;

	if (depth > MAX_DEPTH) {
		yerr(y, n, "nested more than %d levels", MAX_DEPTH);
		return NULL;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)n->data.scalar.value;
		double v;
		int b;

		/* The loader gives untagged scalars the str tag, so only
		 * the style tells: quoted scalars are strings. */
		if (!yscalar_plain(n))
			j = cJSON_CreateString(s);
		else if (is_null_text(s))
			j = cJSON_CreateNull();
		else if (is_bool_text(s, &b))
			j = cJSON_CreateBool(b);
		else if (yaml_number(s, &v))
			j = cJSON_CreateNumber(v);
		else
			j = cJSON_CreateString(s);
		break;
	}
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;
		j = cJSON_CreateArray();
		for (it = n->data.sequence.items.start; j &&
		    it < n->data.sequence.items.top; it++) {
			cJSON *c = yjson(y, yaml_document_get_node(y->doc, *it),
			    depth + 1);
			if (c == NULL) {
				cJSON_Delete(j);
				return NULL;
			}
			cJSON_AddItemToArray(j, c);
		}
		break;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *pr;
		j = cJSON_CreateObject();
		for (pr = n->data.mapping.pairs.start; j &&
		    pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(y->doc, pr->key);
			yaml_node_t *v = yaml_document_get_node(y->doc,
			    pr->value);
			cJSON *c;
			const char *key;

			if (k->type != YAML_SCALAR_NODE) {
				yerr(y, k, "a mapping key must be a scalar");
				cJSON_Delete(j);
				return NULL;
			}
			key = (const char *)k->data.scalar.value;
			if ((c = yjson(y, v, depth + 1)) == NULL) {
				cJSON_Delete(j);
				return NULL;
			}
			if (cJSON_GetObjectItemCaseSensitive(j, key))
				cJSON_ReplaceItemInObjectCaseSensitive(j, key,
				    c);
			else
				cJSON_AddItemToObject(j, key, c);
		}
		break;
	}
	default:
		yerr(y, n, "an empty node");
		return NULL;
	}
	if (j == NULL)
		mz_seterr(y->err, MZ_ENOMEM, "out of memory");
	return j;
}

/* ------------------------------------------------------------ manifest */

void
ds_manifest_free(ds_manifest *m)
{
	int i;

	if (m == NULL)
		return;
	free(m->path);
	free(m->dir);
	free(m->name);
	free(m->version);
	for (i = 0; i < DS_NROOTS; i++)
		free(m->root[i]);
	free(m->dataset_type);
	free(m->segment_duration);
	free(m->time_column);
	cJSON_Delete(m->meta);
	cJSON_Delete(m->extra);
	free(m);
}

/* manifest_blank: a manifest with the defaults of a loaded file (mosaic's
 * Dataset defaults) and path set. */
static ds_manifest *
manifest_blank(const char *path)
{
	ds_manifest *m = calloc(1, sizeof(*m));
	char *slash;

	if (m == NULL)
		abort();
	m->path = ds_path_abs(NULL, path);
	m->dir = xstr(m->path);
	slash = strrchr(m->dir, '/');
	if (slash == m->dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	m->name = xstr("unnamed");
	m->version = xstr("0.1");
	m->dataset_type = xstr("discrete");
	m->meta = cJSON_CreateObject();
	m->extra = cJSON_CreateObject();
	if (m->meta == NULL || m->extra == NULL)
		abort();
	return m;
}

/* set_str: replace *dst with a copy of s (NULL or "" gives NULL when
 * empty_null). */
static void
set_str(char **dst, const char *s, int empty_null)
{
	free(*dst);
	*dst = (s == NULL || (empty_null && s[0] == '\0')) ? NULL : xstr(s);
}

/* known_list: the root names, comma-separated, for messages. */
static const char *
known_list(void)
{
	return "media_raw, media, tracks_raw, tracks, features, labels, "
	    "models, frames";
}

/*
 * manifest_field: take a top-level field (key, value) into m, value
 * given as text (NULL = null).  Returns 1 if key was a known scalar
 * field, 0 otherwise.
 */
static int
manifest_field(ds_manifest *m, const char *key, const char *val)
{
	if (strcmp(key, "name") == 0) {
		if (val)
			set_str(&m->name, val, 0);
	} else if (strcmp(key, "version") == 0) {
		if (val)
			set_str(&m->version, val, 0);
	} else if (strcmp(key, "dataset_type") == 0) {
		set_str(&m->dataset_type, val ? val : "discrete", 0);
	} else if (strcmp(key, "segment_duration") == 0) {
		set_str(&m->segment_duration, val, 1);
	} else if (strcmp(key, "time_column") == 0) {
		set_str(&m->time_column, val, 1);
	} else {
		return 0;
	}
	return 1;
}

/* is_scalar_field: the top-level keys that hold one scalar. */
static int
is_scalar_field(const char *key)
{
	return strcmp(key, "name") == 0 || strcmp(key, "version") == 0 ||
	    strcmp(key, "dataset_type") == 0 ||
	    strcmp(key, "segment_duration") == 0 ||
	    strcmp(key, "time_column") == 0;
}

/* yaml_scalar_value: the text of a scalar node, NULL for a plain null. */
static const char *
yaml_scalar_value(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	return yscalar_plain(n) && is_null_text(s) ? NULL : s;
}

/* load_yaml: parse YAML text into m. */
static int
load_yaml(ds_manifest *m, const char *text, size_t len, const char *file,
	mz_err *err)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *top;
	yaml_node_pair_t *pr;
	struct yctx y = { &doc, file, err };
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return mz_seterr(err, MZ_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		yaml_mark_t mk = p.problem_mark;
		if (p.problem == NULL)
			rc = mz_seterr(err, MZ_EFORMAT, "%s: invalid YAML",
			    file);
		else if (p.context != NULL)
			rc = mz_seterr(err, MZ_EFORMAT, "%s: line %zu, column "
			    "%zu: invalid YAML: %s %s (line %zu)", file,
			    (size_t)mk.line + 1, (size_t)mk.column + 1,
			    p.context, p.problem,
			    (size_t)p.context_mark.line + 1);
		else
			rc = mz_seterr(err, MZ_EFORMAT, "%s: line %zu, column "
			    "%zu: invalid YAML: %s", file, (size_t)mk.line + 1,
			    (size_t)mk.column + 1, p.problem);
		yaml_parser_delete(&p);
		return rc;
	}
	yaml_parser_delete(&p);
	top = yaml_document_get_root_node(&doc);
	if (top == NULL) {
		yaml_document_delete(&doc);
		return mz_seterr(err, MZ_EFORMAT, "%s: the manifest is empty",
		    file);
	}
	if (top->type != YAML_MAPPING_NODE) {
		rc = yerr(&y, top, "the manifest is not a mapping of keys");
		goto out;
	}
	for (pr = top->data.mapping.pairs.start;
	    pr < top->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
		const char *key;

		if (k->type != YAML_SCALAR_NODE) {
			rc = yerr(&y, k, "a key must be a scalar");
			goto out;
		}
		key = (const char *)k->data.scalar.value;
		if (is_scalar_field(key)) {
			if (v->type != YAML_SCALAR_NODE) {
				rc = yerr(&y, v, "%s must be a single value",
				    key);
				goto out;
			}
			manifest_field(m, key, yaml_scalar_value(v));
		} else if (strcmp(key, "roots") == 0) {
			yaml_node_pair_t *rp;
			int i;

			if (v->type == YAML_SCALAR_NODE &&
			    yaml_scalar_value(v) == NULL)
				continue;
			if (v->type != YAML_MAPPING_NODE) {
				rc = yerr(&y, v, "roots must be a mapping of "
				    "root names to directories");
				goto out;
			}
			for (i = 0; i < DS_NROOTS; i++)
				set_str(&m->root[i], NULL, 1);
			for (rp = v->data.mapping.pairs.start;
			    rp < v->data.mapping.pairs.top; rp++) {
				yaml_node_t *rk = yaml_document_get_node(&doc,
				    rp->key);
				yaml_node_t *rv = yaml_document_get_node(&doc,
				    rp->value);
				const char *rn;
				int id;

				if (rk->type != YAML_SCALAR_NODE) {
					rc = yerr(&y, rk, "a root name must "
					    "be a scalar");
					goto out;
				}
				rn = (const char *)rk->data.scalar.value;
				if ((id = ds_root_id(rn)) < 0) {
					rc = yerr(&y, rk, "unknown root \"%s\" "
					    "(known: %s)", rn, known_list());
					goto out;
				}
				if (rv->type != YAML_SCALAR_NODE) {
					rc = yerr(&y, rv, "root %s must be a "
					    "directory name", rn);
					goto out;
				}
				set_str(&m->root[id], yaml_scalar_value(rv), 1);
			}
		} else if (strcmp(key, "meta") == 0) {
			cJSON *j;
			if (v->type == YAML_SCALAR_NODE &&
			    yaml_scalar_value(v) == NULL)
				continue;
			if (v->type != YAML_MAPPING_NODE) {
				rc = yerr(&y, v, "meta must be a mapping");
				goto out;
			}
			if ((j = yjson(&y, v, 0)) == NULL) {
				rc = -(err ? err->code : MZ_EFORMAT);
				goto out;
			}
			cJSON_Delete(m->meta);
			m->meta = j;
		} else {
			cJSON *j = yjson(&y, v, 0);
			if (j == NULL) {
				rc = -(err ? err->code : MZ_EFORMAT);
				goto out;
			}
			if (cJSON_GetObjectItemCaseSensitive(m->extra, key))
				cJSON_ReplaceItemInObjectCaseSensitive(m->extra,
				    key, j);
			else
				cJSON_AddItemToObject(m->extra, key, j);
		}
	}
	if (strcmp(m->dataset_type, "discrete") != 0 &&
	    strcmp(m->dataset_type, "continuous") != 0) {
		for (pr = top->data.mapping.pairs.start;
		    pr < top->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
			if (strcmp((const char *)k->data.scalar.value,
			    "dataset_type") == 0)
				rc = yerr(&y, yaml_document_get_node(&doc,
				    pr->value), "dataset_type must be "
				    "discrete or continuous, not \"%s\"",
				    m->dataset_type);
		}
	}
out:
	yaml_document_delete(&doc);
	return rc;
}

/* jscalar_text: a JSON scalar as text (malloc'd; NULL for null); *ok 0
 * when item is not a scalar. */
static char *
jscalar_text(const cJSON *item, int *ok)
{
	char num[40];

	*ok = 1;
	if (cJSON_IsString(item))
		return xstr(item->valuestring);
	if (cJSON_IsNumber(item)) {
		num_text(item->valuedouble, num);
		return xstr(num);
	}
	if (cJSON_IsBool(item))
		return xstr(cJSON_IsTrue(item) ? "true" : "false");
	if (cJSON_IsNull(item))
		return NULL;
	*ok = 0;
	return NULL;
}

/* key_offset: the offset in text of the first occurrence of "key" as a
 * JSON key after from (for messages; 0 if not found). */
static size_t
key_offset(const char *text, const char *key, size_t from)
{
	struct buf b = { 0 };
	const char *p;
	size_t off = 0;

	buf_fmt(&b, "\"%s\"", key);
	if ((p = strstr(text + from, b.s)) != NULL)
		off = (size_t)(p - text);
	free(b.s);
	return off;
}

/* load_json: parse JSON text into m. */
static int
load_json(ds_manifest *m, const char *text, size_t len, const char *file,
	mz_err *err)
{
	const char *end = NULL;
	cJSON *top = cJSON_ParseWithLengthOpts(text, len, &end, 0), *it;
	size_t line, col;
	int rc = 0;

	if (top == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at && at >= text && at <= text + len ?
		    (size_t)(at - text) : len;
		line_col(text, off, &line, &col);
		return mz_seterr(err, MZ_EFORMAT, "%s: line %zu, column %zu: "
		    "invalid JSON", file, line, col);
	}
	if (end != NULL && (size_t)(end - text) < len &&
	    end[strspn(end, " \t\r\n")] != '\0') {
		line_col(text, (size_t)(end - text) +
		    strspn(end, " \t\r\n"), &line, &col);
		cJSON_Delete(top);
		return mz_seterr(err, MZ_EFORMAT, "%s: line %zu, column %zu: "
		    "invalid JSON: text after the end", file, line, col);
	}
	if (!cJSON_IsObject(top)) {
		cJSON_Delete(top);
		return mz_seterr(err, MZ_EFORMAT, "%s: line 1, column 1: the "
		    "manifest is not an object", file);
	}
	cJSON_ArrayForEach(it, top) {
		const char *key = it->string;
		int ok;

		if (is_scalar_field(key)) {
			char *v = jscalar_text(it, &ok);
			if (!ok) {
				line_col(text, key_offset(text, key, 0), &line,
				    &col);
				rc = mz_seterr(err, MZ_EFORMAT, "%s: line %zu, "
				    "column %zu: %s must be a single value",
				    file, line, col, key);
				goto out;
			}
			manifest_field(m, key, v);
			free(v);
		} else if (strcmp(key, "roots") == 0) {
			cJSON *r;
			int i;
			size_t roff = key_offset(text, "roots", 0);

			if (cJSON_IsNull(it))
				continue;
			if (!cJSON_IsObject(it)) {
				line_col(text, roff, &line, &col);
				rc = mz_seterr(err, MZ_EFORMAT, "%s: line %zu, "
				    "column %zu: roots must be an object of "
				    "root names to directories", file, line,
				    col);
				goto out;
			}
			for (i = 0; i < DS_NROOTS; i++)
				set_str(&m->root[i], NULL, 1);
			cJSON_ArrayForEach(r, it) {
				int id = ds_root_id(r->string);
				char *v;

				if (id < 0) {
					line_col(text, key_offset(text,
					    r->string, roff), &line, &col);
					rc = mz_seterr(err, MZ_EFORMAT, "%s: "
					    "line %zu, column %zu: unknown "
					    "root \"%s\" (known: %s)", file,
					    line, col, r->string, known_list());
					goto out;
				}
				v = jscalar_text(r, &ok);
				if (!ok || cJSON_IsBool(r)) {
					free(v);
					line_col(text, key_offset(text,
					    r->string, roff), &line, &col);
					rc = mz_seterr(err, MZ_EFORMAT, "%s: "
					    "line %zu, column %zu: root %s "
					    "must be a directory name", file,
					    line, col, r->string);
					goto out;
				}
				set_str(&m->root[id], v, 1);
				free(v);
			}
		} else if (strcmp(key, "meta") == 0) {
			if (cJSON_IsNull(it))
				continue;
			if (!cJSON_IsObject(it)) {
				line_col(text, key_offset(text, key, 0), &line,
				    &col);
				rc = mz_seterr(err, MZ_EFORMAT, "%s: line %zu, "
				    "column %zu: meta must be an object", file,
				    line, col);
				goto out;
			}
			cJSON_Delete(m->meta);
			m->meta = cJSON_Duplicate(it, 1);
		} else {
			cJSON_AddItemToObject(m->extra, key,
			    cJSON_Duplicate(it, 1));
		}
	}
	if (strcmp(m->dataset_type, "discrete") != 0 &&
	    strcmp(m->dataset_type, "continuous") != 0) {
		line_col(text, key_offset(text, "dataset_type", 0), &line,
		    &col);
		rc = mz_seterr(err, MZ_EFORMAT, "%s: line %zu, column %zu: "
		    "dataset_type must be discrete or continuous, not \"%s\"",
		    file, line, col, m->dataset_type);
	}
out:
	cJSON_Delete(top);
	return rc;
}

char *
ds_manifest_find(const char *arg, mz_err *err)
{
	static const char *const cand[] = { "dataset.yaml", "dataset.yml",
		"dataset.json" };
	struct stat st;
	size_t i;

	if (stat(arg, &st) != 0) {
		mz_seterr(err, MZ_EIO, "%s: %s", arg, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode))
		return ds_path_abs(NULL, arg);
	for (i = 0; i < 3; i++) {
		char *p = path_join_(arg, cand[i]);
		if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode)) {
			char *a = ds_path_abs(NULL, p);
			free(p);
			return a;
		}
		free(p);
	}
	mz_seterr(err, MZ_EIO, "%s: no dataset.yaml, dataset.yml or "
	    "dataset.json in this directory", arg);
	return NULL;
}

ds_manifest *
ds_manifest_load(const char *arg, mz_err *err)
{
	char *path = ds_manifest_find(arg, err), *text;
	const char *ext, *name;
	ds_manifest *m;
	size_t len;
	int rc, json;

	if (path == NULL)
		return NULL;
	if ((text = read_file(path, MAX_MANIFEST, &len, NULL, err)) == NULL) {
		free(path);
		return NULL;
	}
	m = manifest_blank(path);
	free(path);
	/* Messages name the file as the user gave it when it was the file
	 * itself, else as found in the directory. */
	name = m->path;
	ext = strrchr(m->path, '.');
	if (ext && strcasecmp(ext, ".json") == 0)
		json = 1;
	else if (ext && (strcasecmp(ext, ".yaml") == 0 ||
	    strcasecmp(ext, ".yml") == 0))
		json = 0;
	else
		json = text[strspn(text, " \t\r\n")] == '{';
	m->json = json;
	if (memchr(text, '\0', len) != NULL) {
		size_t line, col;
		line_col(text, strlen(text), &line, &col);
		mz_seterr(err, MZ_EFORMAT, "%s: line %zu, column %zu: a NUL "
		    "byte", name, line, col);
		free(text);
		ds_manifest_free(m);
		return NULL;
	}
	rc = json ? load_json(m, text, len, name, err) :
	    load_yaml(m, text, len, name, err);
	free(text);
	if (rc < 0) {
		ds_manifest_free(m);
		return NULL;
	}
	return m;
}

/* uuid4: a random version-4 UUID into out[37]. */
static void
uuid4(char out[37])
{
	unsigned char b[16];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t i, got = 0;

	if (f != NULL) {
		got = fread(b, 1, sizeof(b), f);
		fclose(f);
	}
	if (got != sizeof(b)) {
		struct timespec ts;
		uint64_t x;
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		    ((uint64_t)getpid() << 40);
		for (i = 0; i < sizeof(b); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = (unsigned char)(x >> 24);
		}
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

ds_manifest *
ds_manifest_new(const char *dir, const char *name, int json)
{
	char *d = ds_path_abs(NULL, dir);
	char *path = path_join_(d, json ? "dataset.json" : "dataset.yaml");
	ds_manifest *m = manifest_blank(path);
	char id[37], when[64], frac[16];
	struct timeval tv;
	struct tm tm;
	int i;

	free(d);
	free(path);
	m->json = json;
	set_str(&m->name, name, 0);
	set_str(&m->version, "0.1.0", 0);
	for (i = 0; i < DS_NROOTS; i++)
		set_str(&m->root[i], ds_root_default(i), 1);
	uuid4(id);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (tv.tv_usec != 0) {
		snprintf(frac, sizeof(frac), ".%06ld", (long)tv.tv_usec);
		strcat(when, frac);
	}
	strcat(when, "+00:00");
	cJSON_AddStringToObject(m->extra, "uuid", id);
	cJSON_AddStringToObject(m->extra, "created_at", when);
	cJSON_AddStringToObject(m->extra, "index_format", "group/sequence");
	return m;
}

/* ------------------------------------------------------------ writing */

/* yemit_out: libyaml output handler appending to a struct buf. */
static int
yemit_out(void *data, unsigned char *s, size_t n)
{
	buf_add(data, (const char *)s, n);
	return 1;
}

/* yev: emit event e; 0 on failure. */
static int
yev(yaml_emitter_t *em, yaml_event_t *e)
{
	return yaml_emitter_emit(em, e);
}

/* ystr: emit a string scalar, quoted when it would read back as
 * something else. */
static int
ystr(yaml_emitter_t *em, const char *s)
{
	yaml_event_t e;
	int q = yaml_needs_quotes(s);

	yaml_scalar_event_initialize(&e, NULL, NULL, (yaml_char_t *)s,
	    (int)strlen(s), !q, 1, q ? YAML_SINGLE_QUOTED_SCALAR_STYLE :
	    YAML_ANY_SCALAR_STYLE);
	return yev(em, &e);
}

/* yplain: emit a plain scalar (numbers, booleans, null). */
static int
yplain(yaml_emitter_t *em, const char *s)
{
	yaml_event_t e;

	yaml_scalar_event_initialize(&e, NULL, NULL, (yaml_char_t *)s,
	    (int)strlen(s), 1, 1, YAML_PLAIN_SCALAR_STYLE);
	return yev(em, &e);
}

/* yjson_emit: emit a cJSON value in block style (empty containers in
 * flow style, as PyYAML writes them). */
static int
yjson_emit(yaml_emitter_t *em, const cJSON *j)
{
	yaml_event_t e;
	const cJSON *c;
	char num[40];

	if (cJSON_IsObject(j)) {
		int empty = j->child == NULL;
		yaml_mapping_start_event_initialize(&e, NULL, NULL, 1, empty ?
		    YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
		if (!yev(em, &e))
			return 0;
		cJSON_ArrayForEach(c, j)
			if (!ystr(em, c->string) || !yjson_emit(em, c))
				return 0;
		yaml_mapping_end_event_initialize(&e);
		return yev(em, &e);
	}
	if (cJSON_IsArray(j)) {
		int empty = j->child == NULL;
		yaml_sequence_start_event_initialize(&e, NULL, NULL, 1, empty ?
		    YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
		if (!yev(em, &e))
			return 0;
		cJSON_ArrayForEach(c, j)
			if (!yjson_emit(em, c))
				return 0;
		yaml_sequence_end_event_initialize(&e);
		return yev(em, &e);
	}
	if (cJSON_IsString(j))
		return ystr(em, j->valuestring);
	if (cJSON_IsNumber(j)) {
		num_text(j->valuedouble, num);
		if (!strpbrk(num, ".ein") && j->valuedouble !=
		    floor(j->valuedouble))
			strcat(num, ".0");
		return yplain(em, num);
	}
	if (cJSON_IsBool(j))
		return yplain(em, cJSON_IsTrue(j) ? "true" : "false");
	return yplain(em, "null");
}

/* manifest_object: the manifest as one JSON object in the order it is
 * written (see ds_manifest_save). */
static cJSON *
manifest_object(const ds_manifest *m)
{
	cJSON *o = cJSON_CreateObject(), *roots, *c;
	int i;

	if (o == NULL)
		abort();
	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddStringToObject(o, "version", m->version);
	cJSON_ArrayForEach(c, m->extra)
		cJSON_AddItemToObject(o, c->string, cJSON_Duplicate(c, 1));
	roots = cJSON_AddObjectToObject(o, "roots");
	for (i = 0; i < DS_NROOTS; i++)
		if (m->root[i])
			cJSON_AddStringToObject(roots, ds_root_names[i],
			    m->root[i]);
	if (m->meta && m->meta->child)
		cJSON_AddItemToObject(o, "meta", cJSON_Duplicate(m->meta, 1));
	cJSON_AddStringToObject(o, "dataset_type", m->dataset_type);
	if (m->segment_duration)
		cJSON_AddStringToObject(o, "segment_duration",
		    m->segment_duration);
	if (m->time_column)
		cJSON_AddStringToObject(o, "time_column", m->time_column);
	return o;
}

/* json_pretty: j as Python's json.dumps(j, indent=2) lays it out. */
static void
json_pretty(struct buf *b, const cJSON *j, int depth)
{
	const cJSON *c;
	char num[40];
	int i;

	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		int obj = cJSON_IsObject(j);
		if (j->child == NULL) {
			buf_str(b, obj ? "{}" : "[]");
			return;
		}
		buf_str(b, obj ? "{" : "[");
		cJSON_ArrayForEach(c, j) {
			buf_str(b, "\n");
			for (i = 0; i < depth + 1; i++)
				buf_str(b, "  ");
			if (obj) {
				cJSON *k = cJSON_CreateString(c->string);
				char *t = cJSON_PrintUnformatted(k);
				if (t == NULL)
					abort();
				buf_str(b, t);
				buf_str(b, ": ");
				free(t);
				cJSON_Delete(k);
			}
			json_pretty(b, c, depth + 1);
			if (c->next)
				buf_str(b, ",");
		}
		buf_str(b, "\n");
		for (i = 0; i < depth; i++)
			buf_str(b, "  ");
		buf_str(b, obj ? "}" : "]");
		return;
	}
	if (cJSON_IsNumber(j)) {
		if (!isfinite(j->valuedouble)) {
			buf_str(b, "null");
			return;
		}
		num_text(j->valuedouble, num);
		buf_str(b, num);
		return;
	}
	{
		char *t = cJSON_PrintUnformatted(j);
		if (t == NULL)
			abort();
		buf_str(b, t);
		free(t);
	}
}

int
ds_manifest_save(const ds_manifest *m, mz_err *err)
{
	cJSON *o = manifest_object(m), *c;
	struct buf b = { 0 };
	int rc;

	if (m->json) {
		json_pretty(&b, o, 0);
		buf_str(&b, "\n");
	} else {
		yaml_emitter_t em;
		yaml_event_t e;
		int ok;

		if (!yaml_emitter_initialize(&em))
			abort();
		yaml_emitter_set_output(&em, yemit_out, &b);
		yaml_emitter_set_unicode(&em, 1);
		yaml_emitter_set_width(&em, 1 << 20);
		yaml_emitter_set_indent(&em, 2);
		yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
		ok = yev(&em, &e);
		yaml_document_start_event_initialize(&e, NULL, NULL, NULL, 1);
		ok = ok && yev(&em, &e);
		yaml_mapping_start_event_initialize(&e, NULL, NULL, 1,
		    YAML_BLOCK_MAPPING_STYLE);
		ok = ok && yev(&em, &e);
		cJSON_ArrayForEach(c, o)
			ok = ok && ystr(&em, c->string) && yjson_emit(&em, c);
		yaml_mapping_end_event_initialize(&e);
		ok = ok && yev(&em, &e);
		yaml_document_end_event_initialize(&e, 1);
		ok = ok && yev(&em, &e);
		yaml_stream_end_event_initialize(&e);
		ok = ok && yev(&em, &e);
		if (!ok) {
			rc = mz_seterr(err, MZ_EINVAL, "%s: cannot write YAML: "
			    "%s", m->path, em.problem ? em.problem : "?");
			yaml_emitter_delete(&em);
			cJSON_Delete(o);
			free(b.s);
			return rc;
		}
		yaml_emitter_delete(&em);
	}
	cJSON_Delete(o);
	rc = write_atomic(m->path, b.s ? b.s : "", b.len, err);
	free(b.s);
	return rc;
}

void
ds_manifest_set_root(ds_manifest *m, int id, const char *value)
{
	set_str(&m->root[id], value, 1);
}

char *
ds_root_path(const ds_manifest *m, int id, mz_err *err)
{
	if (id < 0 || id >= DS_NROOTS || m->root[id] == NULL) {
		mz_seterr(err, MZ_EINVAL, "%s: root %s is not set", m->path,
		    id >= 0 && id < DS_NROOTS ? ds_root_names[id] : "?");
		return NULL;
	}
	{
		char *e = expand_home(m->root[id]);
		char *r = ds_path_abs(m->dir, e);
		free(e);
		return r;
	}
}

int
ds_ensure_roots(const ds_manifest *m, mz_err *err)
{
	int i;

	for (i = 0; i < DS_NROOTS; i++) {
		char *p;
		int rc;

		if (m->root[i] == NULL)
			continue;
		p = ds_root_path(m, i, err);
		rc = mkdir_p(p, err);
		free(p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

char *
ds_resolve_index_path(const ds_manifest *m, const char *value)
{
	return ds_path_abs(m->dir, value);
}

/* ------------------------------------------------------------ index files */

struct strlist {
	char **s;
	size_t n, cap;
};

/* strlist_add_unique: add a copy of s unless present. */
static void
strlist_add_unique(struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->s[i], s) == 0)
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if ((l->s = realloc(l->s, l->cap * sizeof(*l->s))) == NULL)
			abort();
	}
	l->s[l->n++] = xstr(s);
}

/* add_if_file: add dir/index.csv if it is a regular file. */
static void
add_if_file(struct strlist *l, const char *dir)
{
	char *p = path_join_(dir, "index.csv");
	struct stat st;

	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		strlist_add_unique(l, p);
	free(p);
}

/* add_subdirs: add SUB/index.csv for every subdirectory of dir. */
static void
add_subdirs(struct strlist *l, const char *dir)
{
	struct dirent **ent = NULL;
	int n = scandir(dir, &ent, NULL, alphasort), i;

	for (i = 0; i < n; i++) {
		struct stat st;
		char *sub = path_join_(dir, ent[i]->d_name);
		if (ent[i]->d_name[0] != '.' && stat(sub, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			add_if_file(l, sub);
		free(sub);
		free(ent[i]);
	}
	free(ent);
}

long
ds_index_files(const ds_manifest *m, char ***out, mz_err *err)
{
	static const int top[] = { DS_TRACKS, DS_TRACKS_RAW, DS_LABELS,
		DS_MEDIA, DS_MEDIA_RAW, DS_MODELS, DS_FEATURES, DS_FRAMES };
	static const int sub[] = { DS_FEATURES, DS_LABELS, DS_FRAMES,
		DS_MODELS };
	struct strlist l = { 0 };
	size_t i;

	(void)err;
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		char *r;
		if (m->root[top[i]] == NULL)
			continue;
		r = ds_root_path(m, top[i], NULL);
		add_if_file(&l, r);
		free(r);
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char *r;
		if (m->root[sub[i]] == NULL)
			continue;
		r = ds_root_path(m, sub[i], NULL);
		add_subdirs(&l, r);
		free(r);
	}
	*out = l.s;
	return (long)l.n;
}

/* ------------------------------------------------------------ dataset-wide edits */

void
ds_report_free(ds_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->c[i].file);
	free(r->c);
	memset(r, 0, sizeof(*r));
}

/* report_add: note count changes in file. */
static void
report_add(ds_report *r, const char *file, long count)
{
	if ((r->c = realloc(r->c, (r->n + 1) * sizeof(*r->c))) == NULL)
		abort();
	r->c[r->n].file = xstr(file);
	r->c[r->n].count = count;
	r->n++;
}

long
ds_remap_roots(ds_manifest *m, const ds_pathmap *pm)
{
	long n = 0;
	int i;

	for (i = 0; i < DS_NROOTS; i++) {
		char *cur, *v;
		if (m->root[i] == NULL)
			continue;
		cur = expand_home(m->root[i]);
		v = ds_pathmap_apply(pm, cur);
		free(cur);
		if (v != NULL && strcmp(v, m->root[i]) != 0) {
			free(m->root[i]);
			m->root[i] = v;
			n++;
		} else {
			free(v);
		}
	}
	return n;
}

/* A per-value edit of an index: returns the new value (malloc'd) or NULL
 * when the value stays. */
typedef char *(*value_fn)(const char *val, const void *ctx);

/* The index columns that hold paths, as rewrite-paths and make-portable
 * edit them. */
static const char *const path_cols[] = { "abs_path", "source_abs_path",
	"video_abs_path" };

/* edit_index: apply fn to the path columns of the index file path under
 * its lock; counts and (unless dry_run) writes changes. */
static long
edit_index(const char *path, value_fn fn, const void *ctx, int dry_run,
	mz_err *err)
{
	ds_index *ix = ds_index_open(path, NULL, 0, err);
	ds_table *t;
	long changed = 0;
	size_t r, k;

	if (ix == NULL)
		return -(err ? err->code : MZ_EIO);
	t = ds_index_table(ix);
	for (k = 0; k < sizeof(path_cols) / sizeof(path_cols[0]); k++) {
		int c = ds_table_col(t, path_cols[k]);
		if (c < 0)
			continue;
		for (r = 0; r < t->nrow; r++) {
			char **cell = &t->cell[r * t->ncol + (size_t)c];
			char *v;
			if (*cell == NULL || (v = fn(*cell, ctx)) == NULL)
				continue;
			if (strcmp(v, *cell) == 0) {
				free(v);
				continue;
			}
			free(*cell);
			*cell = v;
			changed++;
		}
	}
	if (changed == 0 || dry_run) {
		ds_index_abort(ix);
		return changed;
	}
	if (ds_index_commit(ix, err) < 0)
		return -(err ? err->code : MZ_EIO);
	return changed;
}

/* remap_value: value_fn of ds_rewrite_paths. */
static char *
remap_value(const char *val, const void *ctx)
{
	return ds_pathmap_apply(ctx, val);
}

int
ds_rewrite_paths(const ds_manifest *m, const ds_pathmap *pm, int dry_run,
	ds_report *rep, mz_err *err)
{
	char **files = NULL;
	long n = ds_index_files(m, &files, err), i, k;
	int rc = 0;

	if (n < 0)
		return (int)n;
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			k = edit_index(files[i], remap_value, pm, dry_run, err);
			if (k < 0)
				rc = (int)k;
			else if (k > 0)
				report_add(rep, files[i], k);
		}
		free(files[i]);
	}
	free(files);
	return rc;
}

/* portable_value: value_fn of ds_make_portable (ctx: the dataset
 * directory): absolute values inside it made relative. */
static char *
portable_value(const char *val, const void *ctx)
{
	if (val[0] != '/')
		return NULL;
	return ds_path_rel(ctx, val);
}

/* portable_run_info: make one run_info.json portable; returns the count
 * of values changed (written unless dry_run) or a negative code.  A file
 * that is not valid JSON is skipped, as mosaic skips it. */
static long
portable_run_info(const char *path, const char *dir, int dry_run,
	mz_err *err)
{
	static const char *const keys[] = { "output_dir", "video_path" };
	size_t len, i;
	char *text = read_file(path, MAX_MANIFEST, &len, NULL, err);
	cJSON *j, *files, *f;
	long changed = 0;
	struct buf b = { 0 };
	int rc;

	if (text == NULL)
		return -(err ? err->code : MZ_EIO);
	j = cJSON_ParseWithLength(text, len);
	free(text);
	if (j == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return 0;
	}
	for (i = 0; i < 2; i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
		char *nv;
		if (!cJSON_IsString(v) ||
		    (nv = portable_value(v->valuestring, dir)) == NULL)
			continue;
		if (strcmp(nv, v->valuestring) != 0) {
			cJSON_ReplaceItemInObjectCaseSensitive(j, keys[i],
			    cJSON_CreateString(nv));
			changed++;
		}
		free(nv);
	}
	files = cJSON_GetObjectItemCaseSensitive(j, "files");
	cJSON_ArrayForEach(f, files) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
		const char *base;
		if (!cJSON_IsString(p) || p->valuestring[0] != '/')
			continue;
		base = strrchr(p->valuestring, '/') + 1;
		cJSON_ReplaceItemInObjectCaseSensitive(f, "path",
		    cJSON_CreateString(base));
		changed++;
	}
	if (changed > 0 && !dry_run) {
		json_pretty(&b, j, 0);
		rc = write_atomic(path, b.s, b.len, err);
		free(b.s);
		if (rc < 0) {
			cJSON_Delete(j);
			return rc;
		}
	}
	cJSON_Delete(j);
	return changed;
}

/* walk_run_info: make every run_info.json under dir portable. */
static int
walk_run_info(const char *dir, const char *base, int dry_run,
	ds_report *rep, int depth, mz_err *err)
{
	struct dirent **ent = NULL;
	int n = scandir(dir, &ent, NULL, alphasort), i, rc = 0;

	for (i = 0; i < n; i++) {
		const char *nm = ent[i]->d_name;
		char *p = path_join_(dir, nm);
		struct stat st;

		if (rc == 0 && strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0 &&
		    lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 32) {
				rc = walk_run_info(p, base, dry_run, rep,
				    depth + 1, err);
			} else if (S_ISREG(st.st_mode) &&
			    strcmp(nm, "run_info.json") == 0) {
				long k = portable_run_info(p, base, dry_run,
				    err);
				if (k < 0)
					rc = (int)k;
				else if (k > 0)
					report_add(rep, p, k);
			}
		}
		free(p);
		free(ent[i]);
	}
	free(ent);
	return rc;
}

int
ds_make_portable(ds_manifest *m, int dry_run, ds_report *rep, mz_err *err)
{
	char *newroot[DS_NROOTS] = { 0 };
	char **files = NULL;
	long roots = 0, n, i, k;
	int rc = 0, id;

	for (id = 0; id < DS_NROOTS; id++) {
		if (m->root[id] == NULL)
			continue;
		newroot[id] = portable_value(m->root[id], m->dir);
		if (newroot[id] && strcmp(newroot[id], m->root[id]) != 0)
			roots++;
	}
	if (roots > 0) {
		report_add(rep, m->path, roots);
		if (!dry_run) {
			for (id = 0; id < DS_NROOTS; id++)
				if (newroot[id])
					set_str(&m->root[id], newroot[id], 1);
			rc = ds_manifest_save(m, err);
		}
	}
	for (id = 0; id < DS_NROOTS; id++)
		free(newroot[id]);
	if (rc < 0)
		return rc;
	if ((n = ds_index_files(m, &files, err)) < 0)
		return (int)n;
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			k = edit_index(files[i], portable_value, m->dir,
			    dry_run, err);
			if (k < 0)
				rc = (int)k;
			else if (k > 0)
				report_add(rep, files[i], k);
		}
		free(files[i]);
	}
	free(files);
	if (rc == 0 && m->root[DS_FRAMES] != NULL) {
		char *fr = ds_root_path(m, DS_FRAMES, NULL);
		struct stat st;
		if (stat(fr, &st) == 0 && S_ISDIR(st.st_mode))
			rc = walk_run_info(fr, m->dir, dry_run, rep, 0, err);
		free(fr);
	}
	return rc;
}
