/*
 * mz-frames - representative frames of videos, for labelling, as mosaic's
 * extract_frames does (see mz-frames(1) and ../shared/ref/mosaic.md,
 * section 6).
 *
 * An entry is one sequence: one video, or several videos taken as one with
 * global frame numbers (the first video's frames, then the second's...).
 * For each entry the frames are chosen (uniform: mosaic's rounded linspace
 * rule; kmeans: mini-batch k-means on 64x64 grey thumbnails of candidate
 * frames), fetched exactly by number (lib/video.c), written as
 * frame_%06d.png with run_info.json into a temporary directory that is
 * renamed into place when complete.  Entries run in parallel threads.
 * The run's parameters give its run_id (mosaic's hash_params: SHA-1 of
 * Python's json.dumps(params, sort_keys=True)); an entry already present
 * under that run is reused unless --overwrite.  Every entry done gets a
 * row in the frames index.csv of the method.
 */
#define _XOPEN_SOURCE 700   /* nftw */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "dataset.h"
#include "mz_videnc.h"
#include "mz_video.h"

#define SYNOPSIS \
	"mz-frames uniform|kmeans [-fmq] [-c x,y,w,h] [-d dataset] " \
	"[-e end] [-g group] [-j jobs] [-n frames] [-o dir] [-r seed] " \
	"[-S step] [-s start] [-T sequence] [--kmeans-batch n] " \
	"[--kmeans-iter n] [--kmeans-pool n] [--kmeans-size n] [file ...]"

enum { UNIFORM, KMEANS };

/* The run's parameters (those in the run_id and in run_info.json). */
struct params {
	int method;
	long n;                 /* frames requested per entry */
	long start, end;        /* -1: not given */
	long step;              /* candidate step */
	int crop, cx, cy, cw, ch;
	long seed;              /* random_state */
	long kbatch, kiter, kpool, ksize;
	int overwrite;
};

/* One entry: a sequence of videos. */
struct entry {
	char *group;            /* NULL or the group */
	char *sequence;
	char *key;              /* entry key (safe names) */
	char **video;           /* paths as given / resolved */
	size_t nvideo;
	/* Results. */
	int status;             /* 0 ok, 1 failed */
	int reused;
	char err[1200];
	long extracted;
	char started[32], finished[32];
};

static struct params P;
static const char *method_name;
static char *run_root;          /* FRAMES/<method>/<run_id> */
static char *run_id;
static char *params_hash;
static const char *rel_base;    /* for relative paths in run_info */
static const char *manifest_path;
static struct entry *entries;
static size_t nentries;
static size_t next_entry;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Temporary entry directories being written, removed if the tool dies. */
static char **tmpdirs;
static size_t ntmpdirs;

/* ------------------------------------------------------------- SHA-1 */

struct sha1 {
	uint32_t h[5];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};

/* sha1_block: process one 64-byte block. */
static void
sha1_block(struct sha1 *s, const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++) {
		t = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
		w[i] = t << 1 | t >> 31;
	}
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5A827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ED9EBA1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
		else
			f = b ^ c ^ d, k = 0xCA62C1D6;
		t = (a << 5 | a >> 27) + f + e + k + w[i];
		e = d, d = c, c = b << 30 | b >> 2, b = a, a = t;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

/* sha1_hex: the SHA-1 of len bytes at p as 40 hex digits into out[41]. */
static void
sha1_hex(const void *p, size_t len, char out[41])
{
	struct sha1 s = { { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
	    0xC3D2E1F0 }, 0, { 0 }, 0 };
	const uint8_t *q = p;
	uint8_t pad[72] = { 0x80 };
	size_t padn, i;
	uint64_t bits = (uint64_t)len * 8;

	for (i = 0; i + 64 <= len; i += 64)
		sha1_block(&s, q + i);
	memcpy(s.buf, q + i, len - i);
	s.n = len - i;
	padn = s.n < 56 ? 56 - s.n : 120 - s.n;
	memcpy(s.buf + s.n, pad, padn < 64 - s.n ? padn : 64 - s.n);
	if (s.n + padn > 64) {
		sha1_block(&s, s.buf);
		memset(s.buf, 0, 64);
	}
	for (i = 0; i < 8; i++)
		s.buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_block(&s, s.buf);
	for (i = 0; i < 5; i++)
		snprintf(out + 8 * i, 9, "%08x", s.h[i]);
}

/* ------------------------------------------------------- the frame rules */

/*
 * uniform_pick: mosaic's uniform rule over m candidates: positions
 * rint(linspace(0, m-1, n)) computed as numpy does (i * step, the last set
 * to m-1 exactly; rint rounds half to even), de-duplicated, topped up with
 * the smallest unused positions, sorted.  Writes min(n, m) positions into
 * pos (room for n) and returns their count.
 */
static long
uniform_pick(long m, long n, long *pos)
{
	char *used;
	long k = 0, i, want = n < m ? n : m;

	if (want <= 0)
		return 0;
	used = xcalloc((size_t)m, 1);
	for (i = 0; i < n; i++) {
		double y;
		long p;
		if (n == 1)
			y = 0.0;
		else if (i == n - 1)
			y = (double)(m - 1);
		else
			y = (double)i * ((double)(m - 1) / (double)(n - 1));
		p = (long)rint(y);
		if (p >= 0 && p < m && !used[p] && k < want) {
			used[p] = 1;
			k++;
		}
	}
	for (i = 0; i < m && k < want; i++)
		if (!used[i]) {
			used[i] = 1;
			k++;
		}
	for (i = 0, k = 0; i < m; i++)
		if (used[i])
			pos[k++] = i;
	free(used);
	return k;
}

/* rng: splitmix64 step (the k-means random source, seeded by -r). */
static uint64_t
rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* dist2: squared distance of two d-vectors. */
static double
dist2(const float *a, const float *b, long d)
{
	double s = 0;
	long i;

	for (i = 0; i < d; i++) {
		double t = (double)a[i] - b[i];
		s += t * t;
	}
	return s;
}

/* nearest: the centre (of k in c) nearest x, its squared distance in
 * *dd. */
static long
nearest(const float *x, const float *c, long k, long d, double *dd)
{
	long j, best = 0;
	double bd = INFINITY;

	for (j = 0; j < k; j++) {
		double t = dist2(x, c + j * d, d);
		if (t < bd) {
			bd = t;
			best = j;
		}
	}
	*dd = bd;
	return best;
}

/*
 * kmeans_pick: choose want of the m feature vectors x (m x d floats):
 * mini-batch k-means (k = want; greedy k-means++ start, 2 + ln k trials
 * per centre, on a sample of 3 batches, best of 3 starts;
 * batches of `batch` drawn with replacement; each centre moves to the
 * running mean of the points it received; stop after iter * m / batch
 * steps or when the smoothed batch inertia has not improved for 10 steps,
 * as scikit-learn's MiniBatchKMeans), then in each non-empty cluster the
 * member nearest its centre; a shortfall is filled by farthest-point
 * sampling.  Writes the sorted positions into pos; returns the count.
 */
static long
kmeans_pick(const float *x, long m, long d, long want, long batch,
    long iter, uint64_t seed, long *pos)
{
	long k = want < m ? want : m, i, j, t, np = 0;
	float *c;
	double *cnt, *mind, ewa = -1, ewa_min = INFINITY;
	long *lab, nsample, steps, noimp = 0;
	char *taken;
	uint64_t s = seed;

	if (k <= 0)
		return 0;
	if (k == m) {
		for (i = 0; i < m; i++)
			pos[i] = i;
		return m;
	}
	c = xmalloc((size_t)k * d * sizeof *c);
	cnt = xcalloc((size_t)k, sizeof *cnt);
	mind = xmalloc((size_t)m * sizeof *mind);
	lab = xmalloc((size_t)(batch > m ? batch : m) * sizeof *lab);
	taken = xcalloc((size_t)m, 1);
	/* k-means++ on a sample, the best (least inertia on the sample) of
	 * three tries, as scikit-learn's n_init=3. */
	nsample = 3 * batch < m ? 3 * batch : m;
	{
		long *smp = xmalloc((size_t)nsample * sizeof *smp);
		float *trial = xmalloc((size_t)k * d * sizeof *trial);
		double best = INFINITY;
		long trials = 2 + (long)log((double)k);
		int rep;
		for (i = 0; i < nsample; i++)
			smp[i] = nsample == m ? i : (long)(rng(&s) % (uint64_t)m);
		for (rep = 0; rep < 3; rep++) {
			double tot;
			i = smp[rng(&s) % (uint64_t)nsample];
			memcpy(trial, x + i * d, (size_t)d * sizeof *trial);
			for (i = 0; i < nsample; i++)
				mind[i] = dist2(x + smp[i] * d, trial, d);
			for (j = 1; j < k; j++) {
				/* Greedy: the best of `trials` D^2 draws. */
				long pick = nsample - 1, tr;
				double bestpot = INFINITY;
				for (tot = 0, i = 0; i < nsample; i++)
					tot += mind[i];
				for (tr = 0; tr < trials; tr++) {
					double r = (double)(rng(&s) >> 11) /
					    9007199254740992.0 * tot, pot = 0;
					long cand = nsample - 1;
					for (i = 0; i < nsample; i++) {
						r -= mind[i];
						if (r < 0) {
							cand = i;
							break;
						}
					}
					for (i = 0; i < nsample; i++) {
						double t2 = dist2(x + smp[i] * d,
						    x + smp[cand] * d, d);
						pot += t2 < mind[i] ? t2 :
						    mind[i];
					}
					if (pot < bestpot) {
						bestpot = pot;
						pick = cand;
					}
				}
				memcpy(trial + j * d, x + smp[pick] * d,
				    (size_t)d * sizeof *trial);
				for (i = 0; i < nsample; i++) {
					double t2 = dist2(x + smp[i] * d,
					    trial + j * d, d);
					if (t2 < mind[i])
						mind[i] = t2;
				}
			}
			for (tot = 0, i = 0; i < nsample; i++)
				tot += mind[i];
			if (tot < best) {
				best = tot;
				memcpy(c, trial, (size_t)k * d * sizeof *c);
			}
		}
		free(trial);
		free(smp);
	}
	/* Mini-batch steps. */
	steps = iter * ((m + batch - 1) / batch);
	{
		long b = batch < m ? batch : m;
		long *idx = xmalloc((size_t)b * sizeof *idx);
		double alpha = 2.0 * b / (m + 1.0);
		if (alpha > 1)
			alpha = 1;
		for (t = 0; t < steps; t++) {
			double inertia = 0, dd;
			for (i = 0; i < b; i++) {
				idx[i] = (long)(rng(&s) % (uint64_t)m);
				lab[i] = nearest(x + idx[i] * d, c, k, d, &dd);
				inertia += dd;
			}
			for (i = 0; i < b; i++) {
				float *cc = c + lab[i] * d;
				const float *xx = x + idx[i] * d;
				double w;
				cnt[lab[i]] += 1;
				w = 1.0 / cnt[lab[i]];
				for (j = 0; j < d; j++)
					cc[j] += (float)((xx[j] - cc[j]) * w);
			}
			inertia /= b;
			ewa = ewa < 0 ? inertia : ewa * (1 - alpha) +
			    inertia * alpha;
			if (ewa < ewa_min) {
				ewa_min = ewa;
				noimp = 0;
			} else if (++noimp >= 10) {
				break;
			}
		}
		free(idx);
	}
	/* Each cluster's member nearest its centre. */
	{
		long *best = xmalloc((size_t)k * sizeof *best);
		double *bd = xmalloc((size_t)k * sizeof *bd);
		for (j = 0; j < k; j++) {
			best[j] = -1;
			bd[j] = INFINITY;
		}
		for (i = 0; i < m; i++) {
			double dd;
			long l = nearest(x + i * d, c, k, d, &dd);
			if (dd < bd[l]) {
				bd[l] = dd;
				best[l] = i;
			}
		}
		for (j = 0; j < k; j++)
			if (best[j] >= 0 && !taken[best[j]]) {
				taken[best[j]] = 1;
				np++;
			}
		free(best);
		free(bd);
	}
	/* Farthest-point sampling for the rest. */
	if (np < k) {
		for (i = 0; i < m; i++)
			mind[i] = INFINITY;
		if (np == 0) {
			taken[0] = 1;
			np = 1;
		}
		for (i = 0; i < m; i++)
			if (taken[i])
				for (j = 0; j < m; j++) {
					double t2 = dist2(x + i * d, x + j * d, d);
					if (t2 < mind[j])
						mind[j] = t2;
				}
		while (np < k) {
			long far = -1;
			for (i = 0; i < m; i++)
				if (!taken[i] && (far < 0 || mind[i] > mind[far]))
					far = i;
			taken[far] = 1;
			np++;
			for (j = 0; j < m; j++) {
				double t2 = dist2(x + far * d, x + j * d, d);
				if (t2 < mind[j])
					mind[j] = t2;
			}
		}
	}
	for (i = 0, t = 0; i < m; i++)
		if (taken[i])
			pos[t++] = i;
	free(c);
	free(cnt);
	free(mind);
	free(lab);
	free(taken);
	return t;
}

/* ------------------------------------------------------------- helpers */

/* now_utc: the time as "YYYY-MM-DDTHH:MM:SSZ" into buf[32]. */
static void
now_utc(char *buf)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* rm_one: nftw callback removing one file or directory. */
static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm_rf: remove path and everything under it; 0 or -1. */
static int
rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* remove_tmpdirs: atexit handler: the unfinished entry directories. */
static void
remove_tmpdirs(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ntmpdirs; i++)
		if (tmpdirs[i] != NULL)
			rm_rf(tmpdirs[i]);
	pthread_mutex_unlock(&lock);
}

/* tmpdir_track: add (on) or drop (off) dir from the list removed at exit;
 * returns its slot for dropping. */
static size_t
tmpdir_track(const char *dir)
{
	size_t i;

	pthread_mutex_lock(&lock);
	tmpdirs = xrealloc(tmpdirs, (ntmpdirs + 1) * sizeof *tmpdirs);
	tmpdirs[ntmpdirs] = xstrdup(dir);
	i = ntmpdirs++;
	pthread_mutex_unlock(&lock);
	return i;
}

static void
tmpdir_untrack(size_t i)
{
	pthread_mutex_lock(&lock);
	free(tmpdirs[i]);
	tmpdirs[i] = NULL;
	pthread_mutex_unlock(&lock);
}

/* mkdir_p: create dir and its parents; 0 or -1 (errno). */
static int
mkdir_p(const char *dir)
{
	char *p = xstrdup(dir), *q;
	int rc = 0;

	for (q = p + 1; *q != '\0'; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			rc = -1;
		*q = '/';
	}
	if (rc == 0 && mkdir(p, 0777) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* write_file: write text to path atomically (temporary, rename); 0 or -1
 * with errno. */
static int
write_file(const char *path, const char *text)
{
	size_t n = strlen(path) + 32;
	char *tmp = xmalloc(n);
	FILE *f;
	int rc = 0;

	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (f == NULL) {
		free(tmp);
		return -1;
	}
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	return rc;
}

/* rel_path: path relative to rel_base when inside it, else absolute;
 * malloc'd. */
static char *
rel_path(const char *path)
{
	char *r = rel_base != NULL ? ds_path_rel(rel_base, path) : NULL;
	return r != NULL ? r : ds_path_abs(NULL, path);
}

/*
 * py_list: the n strings (relative to rel_base when rel) as Python's
 * json.dumps writes a list: '["a", "b"]'; malloc'd.
 */
static char *
py_list(char *const *v, size_t n, int rel)
{
	size_t len = 3, i;
	char *out, **item = xcalloc(n + 1, sizeof *item);

	for (i = 0; i < n; i++) {
		char *r = rel ? rel_path(v[i]) : xstrdup(v[i]);
		cJSON *j = cJSON_CreateString(r);
		if (j == NULL || (item[i] = cJSON_PrintUnformatted(j)) == NULL)
			die("out of memory");
		cJSON_Delete(j);
		free(r);
		len += strlen(item[i]) + 2;
	}
	out = xmalloc(len);
	strcpy(out, "[");
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, item[i]);
		free(item[i]);
	}
	strcat(out, "]");
	free(item);
	return out;
}

/* stem: the file name of path without directory and last extension;
 * malloc'd. */
static char *
stem(const char *path)
{
	const char *b = strrchr(path, '/');
	char *s = xstrdup(b != NULL ? b + 1 : path);
	char *dot = strrchr(s, '.');

	if (dot != NULL && dot != s)
		*dot = '\0';
	return s;
}

/* ------------------------------------------------------------ the params */

/*
 * params_json: the parameters as Python's json.dumps(params,
 * sort_keys=True) writes them (mosaic's hash_params input); malloc'd.
 */
static char *
params_json(void)
{
	char buf[1024], tmp[128];
	size_t n = 0;

#define ADD(...) (snprintf(tmp, sizeof tmp, __VA_ARGS__), \
	n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", tmp))
	ADD("{\"candidate_step\": %ld, ", P.step);
	if (P.crop)
		ADD("\"crop\": {\"h\": %d, \"w\": %d, \"x\": %d, \"y\": %d}, ",
		    P.ch, P.cw, P.cx, P.cy);
	else
		ADD("\"crop\": null, ");
	if (P.end >= 0)
		ADD("\"end_frame\": %ld, ", P.end);
	else
		ADD("\"end_frame\": null, ");
	if (P.method == KMEANS) {
		ADD("\"kmeans_batch_size\": %ld, ", P.kbatch);
		ADD("\"kmeans_max_candidates\": %ld, ", P.kpool);
		ADD("\"kmeans_max_iter\": %ld, ", P.kiter);
		ADD("\"kmeans_resize\": %ld, ", P.ksize);
	}
	ADD("\"method\": \"%s\", ", method_name);
	ADD("\"n_frames\": %ld, ", P.n);
	ADD("\"random_state\": %ld, ", P.seed);
	if (P.start >= 0)
		ADD("\"start_frame\": %ld}", P.start);
	else
		ADD("\"start_frame\": null}");
#undef ADD
	return xstrdup(buf);
}

/* ------------------------------------------------------------ one entry */

/* A video of an entry, open, with its place in the global numbering. */
struct vid {
	mzv_video *v;
	int64_t first;      /* global number of its frame 0 */
	int64_t count;
};

/* locate: the video holding global frame g (the last whose first <= g). */
static long
locate(const struct vid *vs, size_t nv, int64_t g)
{
	long j = 0;
	size_t i;

	for (i = 0; i < nv; i++)
		if (vs[i].first <= g && vs[i].count > 0)
			j = (long)i;
	return j;
}

/* efail: record an error for entry e; returns -1. */
static int
efail(struct entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int
efail(struct entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof e->err, fmt, ap);
	va_end(ap);
	e->status = 1;
	return -1;
}

/*
 * run_info: the run_info.json text of entry e with the chosen global
 * frames sel (n of them) and their files' sizes; malloc'd.
 */
static char *
run_info(const struct entry *e, const struct vid *vs, const int64_t *sel,
    long n, const int *fw, const int *fh, int64_t start, int64_t end,
    int64_t total, long step, long ncand, const char *outdir)
{
	cJSON *o = cJSON_CreateObject(), *a, *m;
	char *s, name[32];
	size_t i;
	long k;

	if (o == NULL)
		die("out of memory");
	jadd(o, "run_id", cJSON_CreateString(run_id));
	jadd(o, "method", cJSON_CreateString(method_name));
	if (e->nvideo == 1) {
		char *r = rel_path(e->video[0]);
		jadd(o, "video_path", cJSON_CreateString(r));
		free(r);
	} else {
		char *t = py_list(e->video, e->nvideo, 1);
		jadd(o, "video_path", cJSON_CreateString(t));
		free(t);
	}
	{
		char *r = rel_path(outdir);
		jadd(o, "output_dir", cJSON_CreateString(r));
		free(r);
	}
	jadd(o, "manifest_path", manifest_path != NULL ?
	    cJSON_CreateString(manifest_path) : cJSON_CreateNull());
	jadd(o, "n_requested", jint((uint64_t)P.n));
	jadd(o, "n_extracted", jint((uint64_t)n));
	a = cJSON_CreateArray();
	for (k = 0; k < n; k++)
		jadd(a, NULL, jint((uint64_t)sel[k]));
	jadd(o, "selected_frame_indices", a);
	jadd(o, "start_frame", jint((uint64_t)start));
	jadd(o, "end_frame", jint((uint64_t)end));
	jadd(o, "candidate_step", jint((uint64_t)P.step));
	if (P.crop) {
		cJSON *c = cJSON_CreateObject();
		jadd(c, "x", jint((uint64_t)P.cx));
		jadd(c, "y", jint((uint64_t)P.cy));
		jadd(c, "w", jint((uint64_t)P.cw));
		jadd(c, "h", jint((uint64_t)P.ch));
		jadd(o, "crop", c);
	} else {
		jadd(o, "crop", cJSON_CreateNull());
	}
	{
		char t[32];
		now_utc(t);
		jadd(o, "created_utc", cJSON_CreateString(t));
	}
	a = cJSON_CreateArray();
	for (k = 0; k < n; k++) {
		cJSON *f = cJSON_CreateObject();
		snprintf(name, sizeof name, "frame_%06lld.png",
		    (long long)sel[k]);
		jadd(f, "frame_index", jint((uint64_t)sel[k]));
		jadd(f, "path", cJSON_CreateString(name));
		jadd(f, "width", jint((uint64_t)fw[k]));
		jadd(f, "height", jint((uint64_t)fh[k]));
		jadd(a, NULL, f);
	}
	jadd(o, "files", a);
	m = cJSON_CreateObject();
	{
		const mzv_info *in = mzv_get_info(vs[0].v);
		jadd(m, "width", jint((uint64_t)in->width));
		jadd(m, "height", jint((uint64_t)in->height));
		jadd(m, "fps", jnum(in->avg_fps));
		if (e->nvideo == 1) {
			jadd(m, "frame_count", jint((uint64_t)total));
		} else {
			cJSON *l = cJSON_CreateArray();
			jadd(m, "total_frames", jint((uint64_t)total));
			jadd(m, "video_count", jint(e->nvideo));
			for (i = 0; i < e->nvideo; i++) {
				char *r = rel_path(e->video[i]);
				jadd(l, NULL, cJSON_CreateString(r));
				free(r);
			}
			jadd(m, "video_paths", l);
		}
	}
	jadd(o, "video_meta", m);
	m = cJSON_CreateObject();
	if (P.method == KMEANS) {
		jadd(m, "kmeans_batch_size", jint((uint64_t)P.kbatch));
		jadd(m, "kmeans_max_iter", jint((uint64_t)P.kiter));
		jadd(m, "kmeans_max_candidates", jint((uint64_t)P.kpool));
		jadd(m, "kmeans_resize", jint((uint64_t)P.ksize));
		jadd(m, "effective_step", jint((uint64_t)step));
		jadd(m, "candidate_count", jint((uint64_t)ncand));
	}
	jadd(o, "sampling", m);
	jadd(o, "random_state", jint((uint64_t)P.seed));
	s = cJSON_Print(o);
	if (s == NULL)
		die("out of memory");
	cJSON_Delete(o);
	return s;
}

/*
 * features: the k-means features of the candidate frames cand (global
 * numbers, ascending): each cropped, resized to size x size (area
 * averaging), grey, /255.  Returns the m x size^2 floats (malloc'd) or
 * NULL with e->err set.
 */
static float *
features(struct entry *e, struct vid *vs, const int64_t *cand, long m)
{
	long d = P.ksize * P.ksize, i;
	float *x = xmalloc((size_t)m * d * sizeof *x);
	mzv_output o = { 0 };
	size_t j;
	mz_err err;

	o.pixfmt = MZV_GRAY8;
	o.crop_x = P.cx, o.crop_y = P.cy, o.crop_w = P.cw, o.crop_h = P.ch;
	o.out_w = o.out_h = (int)P.ksize;
	o.scaler = MZV_SCALE_AREA;
	for (j = 0; j < e->nvideo; j++)
		if (mzv_set_output(vs[j].v, &o, &err) < 0) {
			efail(e, "%s", err.msg);
			free(x);
			return NULL;
		}
	for (i = 0; i < m; i++) {
		long v = locate(vs, e->nvideo, cand[i]);
		const mzv_frame *f;
		int r, c;
		if (mzv_frame_at(vs[v].v, cand[i] - vs[v].first, &f, &err) < 0) {
			efail(e, "%s", err.msg);
			free(x);
			return NULL;
		}
		for (r = 0; r < f->height; r++)
			for (c = 0; c < f->width; c++)
				x[i * d + r * f->width + c] =
				    f->data[(size_t)r * f->stride + c] / 255.0f;
	}
	return x;
}

/*
 * reused_count: n_extracted of the run_info.json in dir (an entry done
 * before), or -1 when it cannot be read.
 */
static long
reused_count(const char *dir)
{
	char *p = path_join(dir, "run_info.json"), *text;
	FILE *f = fopen(p, "r");
	long n = -1, len;
	cJSON *o, *v;

	free(p);
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return -1;
	}
	text = xmalloc((size_t)len + 1);
	text[fread(text, 1, (size_t)len, f)] = '\0';
	fclose(f);
	o = cJSON_Parse(text);
	free(text);
	v = cJSON_GetObjectItemCaseSensitive(o, "n_extracted");
	if (cJSON_IsNumber(v))
		n = (long)v->valuedouble;
	cJSON_Delete(o);
	return n;
}

/*
 * do_entry: choose and write the frames of e (see the file comment).
 * Returns 0, or -1 with e->err set.
 */
static int
do_entry(struct entry *e)
{
	struct vid *vs = xcalloc(e->nvideo, sizeof *vs);
	char *dir = path_join(run_root, e->key), *tmp = NULL, *info;
	int64_t total = 0, start, end, *cand = NULL, *sel = NULL;
	long m = 0, n = 0, step = P.step, i, *pos = NULL;
	int *fw = NULL, *fh = NULL, rc = -1;
	size_t j, slot = 0;
	struct stat st;
	mz_err err;

	now_utc(e->started);
	{
		char *ri = path_join(dir, "run_info.json");
		int done = stat(ri, &st) == 0;
		free(ri);
		if (done && !P.overwrite) {
			e->reused = 1;
			e->extracted = reused_count(dir);
			rc = 0;
			goto out;
		}
	}
	for (j = 0; j < e->nvideo; j++) {
		int64_t c;
		if ((vs[j].v = mzv_open(e->video[j], &err)) == NULL ||
		    (c = mzv_frame_count(vs[j].v, &err)) < 0) {
			efail(e, "%s", err.msg);
			goto out;
		}
		vs[j].first = total;
		vs[j].count = c;
		total += c;
	}
	if (total == 0) {
		efail(e, "%s: no frames", e->video[0]);
		goto out;
	}
	start = P.start < 0 ? 0 : P.start;
	end = P.end < 0 || P.end > total - 1 ? total - 1 : P.end;
	if (start > total - 1)
		start = total - 1;
	if (end < start) {
		efail(e, "%s: empty frame range %lld..%lld (%lld frames)",
		    e->key, (long long)start, (long long)end,
		    (long long)total);
		goto out;
	}
	if (P.method == KMEANS) {
		long approx = (long)((end - start) / step + 1);
		if (approx > P.kpool)
			step *= (approx + P.kpool - 1) / P.kpool;
	}
	m = (long)((end - start) / step + 1);
	cand = xmalloc((size_t)m * sizeof *cand);
	for (i = 0; i < m; i++)
		cand[i] = start + (int64_t)i * step;
	pos = xmalloc((size_t)(P.n > 0 ? P.n : 1) * sizeof *pos);
	if (P.method == UNIFORM) {
		n = uniform_pick(m, P.n, pos);
	} else {
		float *x = features(e, vs, cand, m);
		if (x == NULL)
			goto out;
		n = kmeans_pick(x, m, P.ksize * P.ksize, P.n, P.kbatch,
		    P.kiter, (uint64_t)P.seed, pos);
		free(x);
	}
	sel = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *sel);
	fw = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *fw);
	fh = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *fh);
	for (i = 0; i < n; i++)
		sel[i] = cand[pos[i]];
	/* Write the PNGs into a temporary directory. */
	{
		size_t len = strlen(run_root) + strlen(e->key) + 48;
		tmp = xmalloc(len);
		snprintf(tmp, len, "%s/.%s.tmp.%ld", run_root, e->key,
		    (long)getpid());
	}
	rm_rf(tmp);
	if (mkdir_p(tmp) < 0) {
		efail(e, "%s: cannot create: %s", tmp, strerror(errno));
		goto out;
	}
	slot = tmpdir_track(tmp);
	{
		mzv_output o = { 0 };
		o.crop_x = P.cx, o.crop_y = P.cy, o.crop_w = P.cw;
		o.crop_h = P.ch;
		for (j = 0; j < e->nvideo; j++)
			if (mzv_set_output(vs[j].v, &o, &err) < 0) {
				efail(e, "%s", err.msg);
				goto out_tmp;
			}
	}
	for (i = 0; i < n; i++) {
		long v = locate(vs, e->nvideo, sel[i]);
		const mzv_frame *f;
		char name[32], *path;
		if (mzv_frame_at(vs[v].v, sel[i] - vs[v].first, &f, &err) < 0) {
			efail(e, "%s", err.msg);
			goto out_tmp;
		}
		snprintf(name, sizeof name, "frame_%06lld.png",
		    (long long)sel[i]);
		path = path_join(tmp, name);
		if (mzv_write_png(path, f->data, f->width, f->height,
		    f->stride, f->pixfmt, &err) < 0) {
			free(path);
			efail(e, "%s", err.msg);
			goto out_tmp;
		}
		free(path);
		fw[i] = f->width;
		fh[i] = f->height;
	}
	info = run_info(e, vs, sel, n, fw, fh, start, end, total, step, m,
	    dir);
	{
		char *p = path_join(tmp, "run_info.json");
		int w = write_file(p, info);
		free(p);
		free(info);
		if (w < 0) {
			efail(e, "%s: cannot write run_info.json: %s", tmp,
			    strerror(errno));
			goto out_tmp;
		}
	}
	/* Into place: the old entry (if any) is removed first. */
	if (rm_rf(dir) < 0 || rename(tmp, dir) < 0) {
		efail(e, "%s: cannot move into place: %s", dir,
		    strerror(errno));
		goto out_tmp;
	}
	tmpdir_untrack(slot);
	e->extracted = n;
	rc = 0;
	goto out;
out_tmp:
	rm_rf(tmp);
	tmpdir_untrack(slot);
out:
	now_utc(e->finished);
	for (j = 0; j < e->nvideo; j++)
		mzv_close(vs[j].v);
	free(vs);
	free(dir);
	free(tmp);
	free(cand);
	free(sel);
	free(pos);
	free(fw);
	free(fh);
	return rc;
}

/* worker: run entries until none is left. */
static void *
worker(void *arg)
{
	(void)arg;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&lock);
		i = next_entry++;
		pthread_mutex_unlock(&lock);
		if (i >= nentries)
			return NULL;
		do_entry(&entries[i]);
	}
}

/* ------------------------------------------------------------ entries */

/* add_entry: a new entry (group may be NULL) with no videos. */
static struct entry *
add_entry(const char *group, const char *sequence)
{
	struct entry *e;

	entries = xrealloc(entries, (nentries + 1) * sizeof *entries);
	e = &entries[nentries++];
	memset(e, 0, sizeof *e);
	e->group = group != NULL && *group != '\0' ? xstrdup(group) : NULL;
	e->sequence = xstrdup(sequence);
	e->key = ds_entry_key(e->group, e->sequence);
	return e;
}

/* add_video: append path (made absolute) to e's videos. */
static void
add_video(struct entry *e, const char *path)
{
	e->video = xrealloc(e->video, (e->nvideo + 1) * sizeof *e->video);
	e->video[e->nvideo++] = ds_path_abs(NULL, path);
}

/* find_entry: the entry (group, sequence), or NULL. */
static struct entry *
find_entry(const char *group, const char *sequence)
{
	size_t i;

	for (i = 0; i < nentries; i++) {
		const char *g = entries[i].group != NULL ? entries[i].group : "";
		if (strcmp(g, group != NULL ? group : "") == 0 &&
		    strcmp(entries[i].sequence, sequence) == 0)
			return &entries[i];
	}
	return NULL;
}

/*
 * dataset_entries: the entries of the dataset m from its media index
 * (media_raw root when set, else media), videos of a sequence ordered by
 * video_order then name; only sequences named in want (n of them; none:
 * all).
 */
static void
dataset_entries(const ds_manifest *m, char **want, int n)
{
	int id = m->root[DS_MEDIA_RAW] != NULL ? DS_MEDIA_RAW : DS_MEDIA;
	char *root, *ixp;
	ds_table *t;
	mz_err err;
	size_t r, *order;

	if ((root = ds_root_path(m, id, &err)) == NULL)
		die_err(&err);
	ixp = path_join(root, "index.csv");
	if ((t = ds_table_read(ixp, NULL, &err)) == NULL)
		die_err(&err);
	order = xmalloc((t->nrow + 1) * sizeof *order);
	for (r = 0; r < t->nrow; r++)
		order[r] = r;
	/* Insertion sort by (video_order, abs_path): the tables are small. */
	for (r = 1; r < t->nrow; r++) {
		size_t k = r;
		while (k > 0) {
			const char *a1 = ds_table_get(t, order[k - 1],
			    "video_order");
			const char *a2 = ds_table_get(t, order[k],
			    "video_order");
			double o1 = a1 != NULL ? atof(a1) : 0;
			double o2 = a2 != NULL ? atof(a2) : 0;
			const char *p1 = ds_table_get(t, order[k - 1],
			    "abs_path");
			const char *p2 = ds_table_get(t, order[k], "abs_path");
			if (o1 < o2 || (o1 == o2 && strcmp(p1 ? p1 : "",
			    p2 ? p2 : "") <= 0))
				break;
			size_t tmp = order[k];
			order[k] = order[k - 1];
			order[k - 1] = tmp;
			k--;
		}
	}
	for (r = 0; r < t->nrow; r++) {
		const char *g = ds_table_get(t, order[r], "group");
		const char *s = ds_table_get(t, order[r], "sequence");
		const char *p = ds_table_get(t, order[r], "abs_path");
		const char *mt = ds_table_get(t, order[r], "media_type");
		struct entry *e;
		char *abs;
		int k, ok = n == 0;

		if (p == NULL || s == NULL)
			die("%s: line %zu: no sequence or abs_path", ixp,
			    t->line[order[r]]);
		if (mt != NULL && strcmp(mt, "video") != 0)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(want[k], s) == 0)
				ok = 1;
		if (!ok)
			continue;
		if ((e = find_entry(g, s)) == NULL)
			e = add_entry(g, s);
		abs = ds_path_abs(m->dir, p);
		add_video(e, abs);
		free(abs);
	}
	for (int k = 0; k < n; k++)
		if (find_entry(NULL, want[k]) == NULL) {
			size_t i;
			int hit = 0;
			for (i = 0; i < nentries; i++)
				hit |= strcmp(entries[i].sequence, want[k]) == 0;
			if (!hit)
				die("%s: no sequence '%s'", ixp, want[k]);
		}
	free(order);
	free(ixp);
	free(root);
	ds_table_free(t);
}

/* parse_crop: "x,y,w,h" into P (usage error otherwise). */
static void
parse_crop(const char *s)
{
	char end;

	if (sscanf(s, "%d,%d,%d,%d%c", &P.cx, &P.cy, &P.cw, &P.ch, &end) != 4 ||
	    P.cx < 0 || P.cy < 0 || P.cw <= 0 || P.ch <= 0)
		usage_error("bad crop '%s' (want x,y,w,h: x, y >= 0; w, h > 0)",
		    s);
	P.crop = 1;
}

/* index_rows: upsert the rows of the entries done into
 * FRAMES/<method>/index.csv. */
static void
index_rows(const char *mroot)
{
	ds_table *t = ds_table_new(ds_cols_frames);
	static const char *const keys[] = { "run_id", "group", "sequence" };
	char *ixp = path_join(mroot, "index.csv");
	size_t i;
	mz_err err;
	int any = 0;

	for (i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		char *dir, buf[64], nreq[32], *vp;
		long r;
		if (e->status != 0 || e->reused)
			continue;
		if ((r = ds_table_add_row(t, &err)) < 0)
			die_err(&err);
		dir = path_join(run_root, e->key);
		if (e->nvideo == 1) {
			vp = xstrdup(e->video[0]);
		} else {
			vp = py_list(e->video, e->nvideo, 0);
		}
		snprintf(buf, sizeof buf, "%ld", e->extracted);
		snprintf(nreq, sizeof nreq, "%ld", P.n);
		if (ds_table_set(t, (size_t)r, "abs_path", dir, &err) < 0 ||
		    ds_table_set(t, (size_t)r, "run_id", run_id, &err) < 0 ||
		    ds_table_set(t, (size_t)r, "started_at", e->started,
		    &err) < 0 ||
		    ds_table_set(t, (size_t)r, "finished_at", e->finished,
		    &err) < 0 ||
		    ds_table_set(t, (size_t)r, "method", method_name, &err) < 0 ||
		    ds_table_set(t, (size_t)r, "group", e->group, &err) < 0 ||
		    ds_table_set(t, (size_t)r, "sequence", e->sequence,
		    &err) < 0 ||
		    ds_table_set(t, (size_t)r, "video_abs_path", vp, &err) < 0 ||
		    ds_table_set(t, (size_t)r, "params_hash", params_hash,
		    &err) < 0 ||
		    ds_table_set(t, (size_t)r, "n_frames_extracted", buf,
		    &err) < 0 ||
		    ds_table_set(t, (size_t)r, "n_frames_requested", nreq,
		    &err) < 0)
			die_err(&err);
		free(dir);
		free(vp);
		any = 1;
	}
	if (any && ds_index_upsert(ixp, ds_cols_frames, t, keys, 3, &err) < 0)
		die_err(&err);
	ds_table_free(t);
	free(ixp);
}

int
main(int argc, char **argv)
{
	enum { OPT_KBATCH = OPT_FIRST_TOOL_OPT, OPT_KITER, OPT_KPOOL,
		OPT_KSIZE };
	static const struct option longopts[] = {
		{ "crop", required_argument, NULL, 'c' },
		{ "dataset", required_argument, NULL, 'd' },
		{ "end", required_argument, NULL, 'e' },
		{ "overwrite", no_argument, NULL, 'f' },
		{ "group", required_argument, NULL, 'g' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "multi", no_argument, NULL, 'm' },
		{ "frames", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 'r' },
		{ "step", required_argument, NULL, 'S' },
		{ "start", required_argument, NULL, 's' },
		{ "sequence", required_argument, NULL, 'T' },
		{ "kmeans-batch", required_argument, NULL, OPT_KBATCH },
		{ "kmeans-iter", required_argument, NULL, OPT_KITER },
		{ "kmeans-pool", required_argument, NULL, OPT_KPOOL },
		{ "kmeans-size", required_argument, NULL, OPT_KSIZE },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *outdir = NULL, *dataset = NULL, *group = NULL;
	const char *sequence = NULL;
	ds_manifest *man = NULL;
	long jobs = 0;
	int c, multi = 0, status = 0;
	char *pj, hex[41], *mroot, *fr_root;
	unsigned char *slots;   /* one per worker (mz_fork_join items) */
	size_t i;

	tool_init("mz-frames", SYNOPSIS);
	P.n = 20;
	P.start = P.end = -1;
	P.step = 1;
	P.seed = 42;
	P.kbatch = 1024;
	P.kiter = 100;
	P.kpool = 5000;
	P.ksize = 64;
	while ((c = getopt_long(argc, argv, "c:d:e:fg:hj:mn:o:qr:S:s:T:",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'c': parse_crop(optarg); break;
		case 'd': dataset = optarg; break;
		case 'e': P.end = (long)parse_count(optarg, "end frame"); break;
		case 'f': P.overwrite = 1; break;
		case 'g': group = optarg; break;
		case 'j': jobs = (long)parse_count(optarg, "job count"); break;
		case 'm': multi = 1; break;
		case 'n': P.n = (long)parse_count(optarg, "frame count"); break;
		case 'o': outdir = optarg; break;
		case 'r': P.seed = (long)parse_count(optarg, "seed"); break;
		case 'S': P.step = (long)parse_count(optarg, "step"); break;
		case 's':
			P.start = (long)parse_count(optarg, "start frame");
			break;
		case 'T': sequence = optarg; break;
		case OPT_KBATCH:
			P.kbatch = (long)parse_count(optarg, "batch size");
			break;
		case OPT_KITER:
			P.kiter = (long)parse_count(optarg, "iterations");
			break;
		case OPT_KPOOL:
			P.kpool = (long)parse_count(optarg, "pool size");
			break;
		case OPT_KSIZE:
			P.ksize = (long)parse_count(optarg, "thumbnail size");
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage_error("no method given (uniform or kmeans)");
	if (strcmp(argv[0], "uniform") == 0)
		P.method = UNIFORM;
	else if (strcmp(argv[0], "kmeans") == 0)
		P.method = KMEANS;
	else
		usage_error("unknown method '%s' (uniform or kmeans)", argv[0]);
	method_name = argv[0];
	argc--;
	argv++;
	if (P.n < 1)
		usage_error("the frame count must be at least 1");
	if (P.step < 1)
		usage_error("the step must be at least 1");
	if (P.kbatch < 1 || P.kiter < 1 || P.kpool < 1 || P.ksize < 1 ||
	    P.ksize > 1024)
		usage_error("k-means batch, iterations, pool must be >= 1 and "
		    "the size 1..1024");
	if (P.start >= 0 && P.end >= 0 && P.end < P.start)
		usage_error("end frame %ld before start frame %ld", P.end,
		    P.start);
	if ((dataset == NULL) == (outdir == NULL))
		usage_error("give exactly one of -d dataset and -o dir");
	if (dataset != NULL && (multi || group != NULL || sequence != NULL))
		usage_error("-m, -g and -T name videos given as files, not a "
		    "dataset's");
	if (dataset == NULL && argc == 0)
		usage_error("no video file given");
	if (jobs == 0)
		jobs = 2;

	if (dataset != NULL) {
		mz_err err;
		if ((man = ds_manifest_load(dataset, &err)) == NULL)
			die_err(&err);
		if ((fr_root = ds_root_path(man, DS_FRAMES, &err)) == NULL)
			die_err(&err);
		rel_base = man->dir;
		manifest_path = man->path;
		dataset_entries(man, argv, argc);
		if (nentries == 0)
			die("%s: no videos in the media index", man->path);
	} else {
		check_inputs(argv, argc);
		fr_root = ds_path_abs(NULL, outdir);
		rel_base = fr_root;
		if (multi) {
			char *s = sequence != NULL ? xstrdup(sequence) :
			    stem(argv[0]);
			struct entry *e = add_entry(group, s);
			for (int k = 0; k < argc; k++)
				add_video(e, argv[k]);
			free(s);
		} else {
			if (sequence != NULL && argc > 1)
				usage_error("-T names one sequence: give one "
				    "file, or -m");
			for (int k = 0; k < argc; k++) {
				char *s = sequence != NULL ? xstrdup(sequence) :
				    stem(argv[k]);
				if (find_entry(group, s) != NULL)
					usage_error("two videos make sequence "
					    "'%s' (use -m to join them)", s);
				add_video(add_entry(group, s), argv[k]);
				free(s);
			}
		}
	}

	pj = params_json();
	sha1_hex(pj, strlen(pj), hex);
	hex[10] = '\0';
	params_hash = xstrdup(hex);
	{
		size_t n = strlen(method_name) + 16;
		run_id = xmalloc(n);
		snprintf(run_id, n, "%s-%s", method_name, hex);
	}
	mroot = path_join(fr_root, method_name);
	run_root = path_join(mroot, run_id);
	if (mkdir_p(run_root) < 0)
		die("%s: cannot create:", run_root);
	{
		char *p = path_join(run_root, "run_params.json");
		if (write_file(p, pj) < 0)
			die("%s: cannot write:", p);
		free(p);
	}
	atexit(remove_tmpdirs);
	mzv_log_init();

	if ((size_t)jobs > nentries)
		jobs = (long)nentries;
	/* jobs workers taking entries in turn (mz_fork_join: one in this
	 * thread, which also runs any whose thread cannot be started, so
	 * that nothing exits while workers write). */
	slots = xcalloc((size_t)jobs + 1, 1);
	mz_fork_join(worker, slots, 1, (size_t)jobs);
	free(slots);

	index_rows(mroot);
	for (i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		if (e->status != 0) {
			fprintf(stderr, "%s: %s\n", prog, e->err);
			status = 1;
			continue;
		}
		printf("%s\t%s\t%s\t%ld\n", e->key, run_id,
		    e->reused ? "reused" : "extracted", e->extracted);
	}
	finish_stdout();
	for (i = 0; i < nentries; i++) {
		for (size_t k = 0; k < entries[i].nvideo; k++)
			free(entries[i].video[k]);
		free(entries[i].video);
		free(entries[i].group);
		free(entries[i].sequence);
		free(entries[i].key);
	}
	free(entries);
	free(pj);
	free(params_hash);
	free(run_id);
	free(run_root);
	free(mroot);
	free(fr_root);
	ds_manifest_free(man);
	return status;
}
