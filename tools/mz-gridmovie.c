/*
 * mz-gridmovie - keypoint-MoSeq's grid movies: for each syllable, example
 * instances cropped around the animal, rotated to its heading and tiled
 * in a grid, encoded to syllableN.mp4 (see mz-gridmovie(1)).
 *
 * Everything that can be wrong with the inputs (columns, videos, frame
 * counts, syllables asked for) is checked before the first movie is
 * started.  A movie is rendered a chunk of frames at a time (all of its
 * tiles for those frames in memory, at most CHUNK_BYTES): each tile's
 * frames are decoded in order from one seek, so a movie costs one seek per
 * tile per chunk.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "draw.h"
#include "mz_video.h"
#include "mz_videnc.h"
#include "posevid.h"

#define SYNOPSIS \
	"mz-gridmovie [-kqv] [-a bodyparts] [-b bodyparts] [-c cols] " \
	"[-p bodyparts] [-r rows] [-s syllables] [-t file] [--codec name] " \
	"[--colormap name] [--column name] [--dot-color rgb] " \
	"[--dot-radius n] [--filter-size n] [--fps fps] [--keypoints-only] " \
	"[--line-width n] [--max-length n] [--max-size n] " \
	"[--min-frequency f] [--min-length n] [--node-size n] [--post n] " \
	"[--pre n] [--quality n] [--seed n] [--skeleton edges] [--tile n] " \
	"[--video file | --video-dir dir] [--window n] -o dir [file ...]"

enum { CHUNK_BYTES = 256 << 20, MAX_VIDEOS_OPEN = 4 };

/* One recording: a part of the syllable stream and what goes with it. */
struct rec {
	char *group, *seq, *indiv;  /* metadata (NULL when absent) */
	char *where;                /* "FILE: part N SEQ" for messages */
	size_t T;                   /* rows */
	int64_t *frame;             /* T video frame numbers */
	int32_t *syl;               /* T syllables */
	double *cx, *cy, *hd;       /* T centroid and heading (filtered) */
	float *kp;                  /* T x K x 2 keypoints, or NULL */
	double fps;                 /* metadata fps, or 0 */
	const char *video;          /* the video's path, or NULL */
};

/* One syllable instance: rows start..end-1 of recording rec. */
struct inst {
	size_t rec, start, end;
};

/* The options. */
static struct {
	const char *anterior, *posterior, *centroid, *tracks, *video_dir,
	    *outdir, *column, *syllables;
	long rows, cols, pre, post, min_len, max_len, window, tile, max_size,
	    filter, dot;
	double min_freq;
	uint64_t seed;
	int keypoints, kp_only;
	draw_rgb dot_color;
	pv_opts pv;             /* the options mz-overlay has too */
} o = {
	.column = "syllable", .rows = 4, .cols = 6, .pre = -1, .post = -1,
	.min_len = 3, .max_len = 0, .window = 0, .tile = 0, .max_size = 1920,
	.filter = 9, .dot = 4, .min_freq = 0.005,
	.dot_color = { 255, 255, 255 }, .pv = { .node = 5, .line = 2 }
};

static struct rec *recs;
static size_t nrec;
static pv_body body;

/* ------------------------------------------------------------ helpers */

/* ------------------------------------------------- reading the inputs */

/*
 * read_syllables: append the parts of the syllable stream path to recs:
 * frame, the syllable column (an integer column), and centroid.x,
 * centroid.y and heading when the part has all three.  Dies on bad data.
 * Returns 1 if every part had the centroid and heading columns.
 */
static int
read_syllables(const char *path)
{
	mz_reader *r = pv_open(path);
	const mz_header *h;
	int all_ch = 1;

	while ((h = pv_next_part(r)) != NULL) {
		struct rec *c;
		int jf, js, jx, jy, jh;
		size_t cap = 0;
		mz_block b;

		recs = xrealloc(recs, (nrec + 1) * sizeof(*recs));
		c = &recs[nrec++];
		memset(c, 0, sizeof(*c));
		c->group = pv_meta_dup(h, "group");
		c->seq = pv_meta_dup(h, "sequence");
		c->indiv = pv_meta_dup(h, "individual");
		c->fps = mz_meta_num(h, "fps", 0);
		c->where = pv_where(r, c->seq);
		jf = pv_find_col(h, "frame", c->where);
		js = pv_find_col(h, o.column, c->where);
		pv_syl_cols(h, jf, js, o.column, "--column", c->where);
		jx = pv_find_col(h, "centroid.x", c->where);
		jy = pv_find_col(h, "centroid.y", c->where);
		jh = pv_find_col(h, "heading", c->where);
		if (jx < 0 || jy < 0 || jh < 0) {
			jx = jy = jh = -1;
			all_ch = 0;
		}
		while (pv_next_block(r, &b)) {
			if (c->T + b.nrows > cap) {
				cap = (c->T + b.nrows) * 2;
				c->frame = xrealloc(c->frame, cap * 8);
				c->syl = xrealloc(c->syl, cap * 4);
				c->cx = xrealloc(c->cx, cap * 8);
				c->cy = xrealloc(c->cy, cap * 8);
				c->hd = xrealloc(c->hd, cap * 8);
			}
			for (size_t i = 0; i < b.nrows; i++) {
				size_t t = c->T + i;
				int64_t s = mz_get_i64(b.cols[js],
				    h->cols[js].type, i);
				c->frame[t] = mz_get_i64(b.cols[jf],
				    h->cols[jf].type, i);
				if (mz_type_isfloat(h->cols[jf].type) &&
				    !isfinite(mz_get_f64(b.cols[jf],
				    h->cols[jf].type, i)))
					die("%s: row %zu: frame is not a "
					    "number", c->where, t);
				pv_check_frame(c->frame, t, c->where);
				c->syl[t] = s < 0 ? -1 : s > INT32_MAX ?
				    INT32_MAX : (int32_t)s;
				c->cx[t] = jx < 0 ? NAN : mz_get_f64(
				    b.cols[jx], h->cols[jx].type, i);
				c->cy[t] = jy < 0 ? NAN : mz_get_f64(
				    b.cols[jy], h->cols[jy].type, i);
				c->hd[t] = jh < 0 ? NAN : mz_get_f64(
				    b.cols[jh], h->cols[jh].type, i);
			}
			c->T += b.nrows;
		}
	}
	mz_reader_close(r);
	return all_ch;
}

/*
 * read_tracks: the keypoints of the tracks stream path for every
 * recording: a tracks part goes with the recordings of the same group,
 * sequence and individual, its rows matched by frame (a recording frame
 * the tracks lack gets NaN).  A recording without tracks is an error.
 */
static void
read_tracks(const char *path)
{
	mz_reader *r = pv_open(path);
	const mz_header *h;

	while ((h = pv_next_part(r)) != NULL) {
		char *seq = pv_meta_dup(h, "sequence"), *grp = pv_meta_dup(h,
		    "group"), *ind = pv_meta_dup(h, "individual");
		char *where = pv_where(r, seq);
		int *jx, *jy, jf;
		size_t n = 0, cap = 0, K;
		int64_t *fr = NULL;
		float *xy = NULL;
		mz_block b;

		pv_read_body(&body, h, where, o.pv.skeleton == NULL);
		K = body.K;
		if ((jf = pv_find_col(h, "frame", where)) < 0)
			die("%s: no column 'frame'", where);
		pv_kp_cols(&body, h, where, 1, &jx, &jy);
		while (pv_next_block(r, &b)) {
			if (n + b.nrows > cap) {
				cap = (n + b.nrows) * 2;
				fr = xrealloc(fr, cap * 8);
				xy = xrealloc(xy, cap * K * 2 * sizeof(float));
			}
			for (size_t i = 0; i < b.nrows; i++, n++) {
				fr[n] = mz_get_i64(b.cols[jf],
				    h->cols[jf].type, i);
				if (n > 0 && fr[n] <= fr[n - 1])
					die("%s: row %zu: frame %lld is not "
					    "after the previous row's", where,
					    n, (long long)fr[n]);
				pv_kp_row(&b, h, jx, jy, K, i, xy + n * K * 2);
			}
		}
		for (size_t i = 0; i < nrec; i++) {
			struct rec *c = &recs[i];
			size_t lo = 0;
			if (c->kp != NULL || !pv_same_str(c->seq, seq) ||
			    !pv_same_str(c->group, grp) ||
			    !pv_same_str(c->indiv, ind))
				continue;
			c->kp = xmalloc((c->T * K * 2 + 1) * sizeof(float));
			for (size_t t = 0; t < c->T; t++) {
				size_t hi = n;
				/* The first tracks row at or after the frame
				 * (both are increasing). */
				while (lo < hi) {
					size_t mid = lo + (hi - lo) / 2;
					if (fr[mid] < c->frame[t])
						lo = mid + 1;
					else
						hi = mid;
				}
				for (size_t k = 0; k < 2 * K; k++)
					c->kp[t * K * 2 + k] = lo < n &&
					    fr[lo] == c->frame[t] ?
					    xy[lo * K * 2 + k] : NAN;
			}
		}
		free(fr);
		free(xy);
		free(jx);
		free(jy);
		free(seq);
		free(grp);
		free(ind);
		free(where);
	}
	mz_reader_close(r);
	for (size_t i = 0; i < nrec; i++)
		if (recs[i].kp == NULL)
			die("%s: %s: no part with this group, sequence and "
			    "individual", recs[i].where, path);
}

/* name_list: the bodyparts of the comma-separated list s as flags (K
 * entries, malloc'd); NULL s flags all of them. */
static unsigned char *
name_list(const char *s, const char *opt)
{
	unsigned char *f = xcalloc(body.K + 1, 1);

	if (s == NULL) {
		memset(f, 1, body.K);
		return f;
	}
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		int k = pv_bp_index(&body, s, len);
		if (k < 0)
			die("%s: %s: no bodypart '%.*s'", o.tracks, opt,
			    (int)len, s);
		f[k] = 1;
		s += len;
		if (*s == ',')
			s++;
	}
	return f;
}

/*
 * centroids_headings: compute the centroid (mean of the -b bodyparts with
 * finite coordinates) and heading (atan2 of the anterior mean minus the
 * posterior mean) of every frame from the keypoints, as mz-align does.
 */
static void
centroids_headings(void)
{
	unsigned char *ant = name_list(o.anterior, "-a"), *post =
	    name_list(o.posterior, "-p"), *cen = name_list(o.centroid, "-b");
	size_t K = body.K;

	for (size_t i = 0; i < nrec; i++) {
		struct rec *c = &recs[i];
		for (size_t t = 0; t < c->T; t++) {
			double s[3][2] = { { 0 } };
			int n[3] = { 0 };
			for (size_t k = 0; k < K; k++) {
				double x = c->kp[(t * K + k) * 2];
				double y = c->kp[(t * K + k) * 2 + 1];
				if (!isfinite(x) || !isfinite(y))
					continue;
				const unsigned char *f[3] = { cen, ant, post };
				for (int m = 0; m < 3; m++)
					if (f[m][k]) {
						s[m][0] += x;
						s[m][1] += y;
						n[m]++;
					}
			}
			c->cx[t] = n[0] ? s[0][0] / n[0] : NAN;
			c->cy[t] = n[0] ? s[0][1] / n[0] : NAN;
			c->hd[t] = n[1] && n[2] ? atan2(s[1][1] / n[1] -
			    s[2][1] / n[2], s[1][0] / n[1] - s[2][0] / n[2]) :
			    NAN;
		}
	}
	free(ant);
	free(post);
	free(cen);
}

/* ------------------------------------------------------------ filters */

/* cmp_dbl: qsort order of doubles. */
static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * median_filter: x filtered in place by a running median of size n
 * (scipy's median_filter, mode "reflect": the window mirrors at the ends,
 * x[-1] = x[0]); NaN values are left out of each window (NaN if all are).
 * The median of an even count is the upper middle value, as scipy's.
 */
static void
median_filter(double *x, size_t T, long n)
{
	double *y, *w;
	long h = n / 2;

	if (n <= 1 || T == 0)
		return;
	y = xmalloc(T * sizeof(double));
	w = xmalloc((size_t)n * sizeof(double));
	for (size_t t = 0; t < T; t++) {
		int m = 0;
		for (long d = -h; d < n - h; d++) {
			long i = (long)t + d;
			/* reflect: ... x1 x0 | x0 x1 ... x(T-1) | x(T-1) ... */
			while (i < 0 || i >= (long)T)
				i = i < 0 ? -i - 1 : 2 * (long)T - i - 1;
			if (!isnan(x[i]))
				w[m++] = x[i];
		}
		if (m == 0) {
			y[t] = NAN;
			continue;
		}
		qsort(w, (size_t)m, sizeof(double), cmp_dbl);
		y[t] = w[m / 2];
	}
	memcpy(x, y, T * sizeof(double));
	free(y);
	free(w);
}

/* filter_all: upstream's filter_centroids_headings: the median filter on
 * the centroid's coordinates, and on the heading's sine and cosine. */
static void
filter_all(void)
{
	for (size_t i = 0; i < nrec && o.filter > 1; i++) {
		struct rec *c = &recs[i];
		double *s = xmalloc((c->T + 1) * sizeof(double));
		double *k = xmalloc((c->T + 1) * sizeof(double));
		median_filter(c->cx, c->T, o.filter);
		median_filter(c->cy, c->T, o.filter);
		for (size_t t = 0; t < c->T; t++) {
			s[t] = sin(c->hd[t]);
			k[t] = cos(c->hd[t]);
		}
		median_filter(s, c->T, o.filter);
		median_filter(k, c->T, o.filter);
		for (size_t t = 0; t < c->T; t++)
			c->hd[t] = atan2(s[t], k[t]);
		free(s);
		free(k);
	}
}

/* ------------------------------------------------------------- videos */

/* has_video_ext: the name ends in .mp4, .avi or .mov (upstream's). */
static int
has_video_ext(const char *name, size_t *stem)
{
	static const char *const ext[] = { ".mp4", ".avi", ".mov" };
	size_t n = strlen(name);

	for (int i = 0; i < 3; i++)
		if (n > 4 && strcmp(name + n - 4, ext[i]) == 0) {
			*stem = n - 4;
			return 1;
		}
	return 0;
}

/*
 * find_video: the video of dir (searched recursively) whose name without
 * extension is the longest prefix of seq (keypoint-MoSeq's
 * find_matching_videos), into *best (malloc'd; NULL if none) with the
 * stem's length in *blen.
 */
static void
find_video(const char *dir, const char *seq, char **best, size_t *blen)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		die("%s:", dir);
	while ((de = readdir(d)) != NULL) {
		char *p;
		struct stat st;
		size_t stem;

		if (de->d_name[0] == '.')
			continue;
		p = path_join(dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			find_video(p, seq, best, blen);
		else if (has_video_ext(de->d_name, &stem) &&
		    strncmp(seq, de->d_name, stem) == 0 &&
		    (*best == NULL || stem > *blen ||
		    (stem == *blen && strcmp(p, *best) < 0))) {
			free(*best);
			*best = p;
			*blen = stem;
			continue;
		}
		free(p);
	}
	closedir(d);
}

/* A small cache of open videos (least recently used goes first). */
static struct vslot {
	const char *path;
	mzv_video *v;
	uint64_t used;
} vcache[MAX_VIDEOS_OPEN];
static uint64_t vclock;

/* video_get: the open, indexed video path (from the cache). */
static mzv_video *
video_get(const char *path)
{
	int lru = 0;
	mz_err e;

	for (int i = 0; i < MAX_VIDEOS_OPEN; i++) {
		if (vcache[i].v != NULL && strcmp(vcache[i].path, path) == 0) {
			vcache[i].used = ++vclock;
			return vcache[i].v;
		}
		if (vcache[i].used < vcache[lru].used)
			lru = i;
	}
	mzv_close(vcache[lru].v);
	vcache[lru].v = NULL;
	if ((vcache[lru].v = mzv_open(path, &e)) == NULL ||
	    mzv_index(vcache[lru].v, &e) < 0)
		die_err(&e);
	vcache[lru].path = path;
	vcache[lru].used = ++vclock;
	return vcache[lru].v;
}

/*
 * assign_videos: give every recording its video (--video, or a match in
 * --video-dir by sequence name) and check that each video has every frame
 * of its recordings.  *fps_num / *fps_den get the first video's average
 * frame rate.
 */
static void
assign_videos(int *fps_num, int *fps_den)
{
	for (size_t i = 0; i < nrec; i++) {
		struct rec *c = &recs[i];
		if (o.pv.video != NULL) {
			if (!pv_same_str(c->seq, recs[0].seq))
				die("%s: --video gives one video, but the "
				    "input has sequences '%s' and '%s' (use "
				    "--video-dir)", c->where,
				    recs[0].seq ? recs[0].seq : "",
				    c->seq ? c->seq : "");
			c->video = o.pv.video;
		} else {
			char *best = NULL;
			size_t blen = 0;
			if (c->seq == NULL)
				die("%s: no \"sequence\" metadata to find "
				    "its video in %s by", c->where,
				    o.video_dir);
			for (size_t j = 0; j < i; j++)
				if (pv_same_str(recs[j].seq, c->seq))
					c->video = recs[j].video;
			if (c->video != NULL)
				continue;
			find_video(o.video_dir, c->seq, &best, &blen);
			if (best == NULL)
				die("%s: no video in %s matches sequence "
				    "'%s' (a name that starts the sequence "
				    "name, .mp4, .avi or .mov)", c->where,
				    o.video_dir, c->seq);
			c->video = best;
		}
	}
	for (size_t i = 0; i < nrec; i++) {
		struct rec *c = &recs[i];
		mzv_video *v = video_get(c->video);
		const mzv_info *inf = mzv_get_info(v);
		if (i == 0) {
			*fps_num = inf->avg_fps_num;
			*fps_den = inf->avg_fps_den;
		}
		if (c->T > 0 && c->frame[c->T - 1] >= inf->frames)
			die("%s: %lld frames, but %s has frame %lld (the "
			    "tracks are longer than the video)", c->video,
			    (long long)inf->frames, c->where,
			    (long long)c->frame[c->T - 1]);
	}
}

/* ---------------------------------------------------------- instances */

/* A syllable's instances and whether it is shown. */
struct syl {
	struct inst *in;
	size_t n, cap, onsets;
	struct inst *pick;      /* rows x cols picked */
};

/*
 * collect: the instances of every syllable (upstream's
 * get_syllable_instances): runs of one syllable of at least --min-length
 * rows (and at most --max-length), starting at row >= pre and before row
 * T - post, with a finite centroid and heading at the onset; onsets
 * counts every run, for the frequencies.  Returns the syllable table
 * (*nsyl entries: the largest syllable + 1).
 */
static struct syl *
collect(long pre, long post, int *nsyl)
{
	struct syl *S = NULL;
	int n = 0;

	for (size_t i = 0; i < nrec; i++) {
		const struct rec *c = &recs[i];
		for (size_t s = 0, e; s < c->T; s = e) {
			int k = c->syl[s];
			for (e = s + 1; e < c->T && c->syl[e] == k; e++)
				;
			if (k < 0)
				continue;
			if (k >= n) {
				S = xrealloc(S, (size_t)(k + 1) * sizeof(*S));
				memset(S + n, 0, (size_t)(k + 1 - n) *
				    sizeof(*S));
				n = k + 1;
			}
			S[k].onsets++;
			if ((long)(e - s) < o.min_len ||
			    (o.max_len > 0 && (long)(e - s) > o.max_len) ||
			    (long)s < pre || (long)s >= (long)c->T - post ||
			    !isfinite(c->cx[s]) || !isfinite(c->cy[s]) ||
			    !isfinite(c->hd[s]))
				continue;
			if (S[k].n == S[k].cap) {
				S[k].cap = S[k].cap ? 2 * S[k].cap : 16;
				S[k].in = xrealloc(S[k].in, S[k].cap *
				    sizeof(struct inst));
			}
			S[k].in[S[k].n++] = (struct inst){ i, s, e };
		}
	}
	*nsyl = n;
	return S;
}

/*
 * pick: choose m of the instances of syllable k at random without
 * replacement (a partial Fisher-Yates shuffle drawing from random stream k
 * of the seed), in the order drawn.
 */
static void
pick(struct syl *s, int k, size_t m)
{
	size_t *ix = xmalloc((s->n + 1) * sizeof(size_t));
	mz_rng g;

	mz_rng_seed(&g, o.seed, (uint64_t)k);
	for (size_t i = 0; i < s->n; i++)
		ix[i] = i;
	s->pick = xmalloc(m * sizeof(struct inst));
	for (size_t i = 0; i < m; i++) {
		size_t j = i + (size_t)(mz_rng_uniform(&g) * (double)(s->n -
		    i));
		size_t t = ix[i];
		ix[i] = ix[j];
		ix[j] = t;
		s->pick[i] = s->in[ix[i]];
	}
	free(ix);
}

/*
 * auto_window: upstream's get_grid_movie_window_size: the keypoints of
 * every frame shown (onset - pre .. onset + post - 1) in the egocentric
 * frame of the onset, the largest |x| and |y| over bodyparts per frame;
 * twice the 90th percentile (linear, as numpy) of those times 1.1, rounded
 * up to a multiple of 16.  0 if no keypoint is finite.
 */
static long
auto_window(const struct syl *S, const int *show, int nshow, size_t m,
    long pre, long post)
{
	double *v = NULL, q, pos;
	size_t n = 0, cap = 0, K = body.K, lo;

	for (int a = 0; a < nshow; a++)
		for (size_t i = 0; i < m; i++) {
			const struct inst *in = &S[show[a]].pick[i];
			const struct rec *c = &recs[in->rec];
			double cx = c->cx[in->start], cy = c->cy[in->start];
			double ch = cos(c->hd[in->start]),
			    sh = sin(c->hd[in->start]);
			for (long f = -pre; f < post; f++) {
				size_t t = (size_t)((long)in->start + f);
				double mx = NAN, my = NAN;
				for (size_t k = 0; k < K; k++) {
					double x = c->kp[(t * K + k) * 2] - cx;
					double y = c->kp[(t * K + k) * 2 + 1] -
					    cy;
					double u = fabs(ch * x + sh * y);
					double w = fabs(-sh * x + ch * y);
					if (!isnan(u) && !(u <= mx))
						mx = u;
					if (!isnan(w) && !(w <= my))
						my = w;
				}
				if (isnan(mx) && isnan(my))
					continue;
				if (n + 2 > cap) {
					cap = cap ? 2 * cap : 1024;
					v = xrealloc(v, cap * sizeof(double));
				}
				/* np.percentile of an array with NaN is NaN;
				 * a frame with only one axis finite cannot
				 * occur (x and y are missing together). */
				v[n++] = mx;
				v[n++] = my;
			}
		}
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(double), cmp_dbl);
	pos = 0.9 * (double)(n - 1);
	lo = (size_t)pos;
	q = lo + 1 < n ? v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]) :
	    v[lo];
	free(v);
	return (long)(ceil(q * 1.1 * 2 / 16) * 16);
}

/* ------------------------------------------------------------ drawing */

/*
 * draw_pose: the skeleton and keypoints of row t of c into the tile im,
 * through x; sizes in tile pixels.
 */
static void
draw_pose(draw_img *im, const struct rec *c, size_t t, const draw_xform *x,
    double node, double line)
{
	size_t K = body.K;
	double *u = xmalloc(2 * K * sizeof(double));

	for (size_t k = 0; k < K; k++)
		draw_xform_apply(x, c->kp[(t * K + k) * 2],
		    c->kp[(t * K + k) * 2 + 1], &u[2 * k], &u[2 * k + 1]);
	for (size_t i = 0; i < body.nedges && line > 0; i++) {
		int a = body.edges[i][0], b = body.edges[i][1];
		draw_line(im, u[2 * a], u[2 * a + 1], u[2 * b], u[2 * b + 1],
		    line, draw_cmap_k(o.pv.cmap, a, (int)K), 1);
	}
	for (size_t k = 0; k < K && node > 0; k++)
		draw_circle(im, u[2 * k], u[2 * k + 1], node,
		    draw_cmap_k(o.pv.cmap, (int)k, (int)K), 1);
	free(u);
}

/*
 * render_tile: frames f0..f1-1 of the movie (frame f shows row onset -
 * pre + f) of instance in, into the tile at (x, y) of each frame buffer
 * (frame f at buf + (f - f0) * fbytes, rows of stride bytes).
 */
static void
render_tile(const struct inst *in, long pre, long f0, long f1, uint8_t *buf,
    size_t fbytes, size_t stride, int x, int y, long tile, long window)
{
	const struct rec *c = &recs[in->rec];
	draw_xform xf = {
		c->cx[in->start], c->cy[in->start], c->hd[in->start],
		(double)tile / (double)window, 0, 0
	};
	mzv_video *v = o.kp_only ? NULL : video_get(c->video);
	int64_t last = -2;
	double sc = xf.scale;

	xf.half_w = xf.half_h = (double)(window / 2) * sc;
	for (long f = f0; f < f1; f++) {
		size_t t = (size_t)((long)in->start - pre + f);
		draw_img im = { buf + (size_t)(f - f0) * fbytes +
		    (size_t)y * stride + (size_t)x * 3, (int)tile, (int)tile,
		    stride };
		if (v != NULL) {
			const mzv_frame *fr;
			mz_err e;
			int rc;
			if (c->frame[t] == last + 1) {
				rc = mzv_read(v, &fr, &e);
				if (rc == 0)
					die("%s: frame %lld: the video ended "
					    "early", c->video,
					    (long long)c->frame[t]);
			} else
				rc = mzv_frame_at(v, c->frame[t], &fr, &e);
			if (rc < 0)
				die_err(&e);
			last = c->frame[t];
			draw_img src = { fr->data, fr->width, fr->height,
			    (size_t)fr->stride };
			draw_warp(&src, &im, &xf, (draw_rgb){ 0, 0, 0 });
		}
		if (c->kp != NULL && (o.keypoints || o.kp_only))
			draw_pose(&im, c, t, &xf, o.pv.node * (o.kp_only ? 1 :
			    sc), o.pv.line * (o.kp_only ? 1 : sc));
		if (o.dot > 0 && (size_t)t >= in->start && (size_t)t < in->end) {
			double qx, qy;
			draw_xform_apply(&xf, c->cx[t], c->cy[t], &qx, &qy);
			draw_circle(&im, qx, qy, (double)o.dot, o.dot_color, 1);
		}
	}
}

/* ------------------------------------------------------------- output */

/* write_instances: DIR/instances.csv, the instances shown (atomic). */
static void
write_instances(const struct syl *S, const int *show, int nshow, size_t m)
{
	char *path = path_join(o.outdir, "instances.csv");
	mz_atomic *a;
	FILE *f;
	mz_err e;

	if ((a = mz_atomic_open(path, &e)) == NULL)
		die_err(&e);
	f = mz_atomic_file(a);
	fputs("syllable,tile,row,col,group,sequence,individual,start,end,"
	    "length,video\n", f);
	for (int k = 0; k < nshow; k++)
		for (size_t i = 0; i < m; i++) {
			const struct inst *in = &S[show[k]].pick[i];
			const struct rec *c = &recs[in->rec];
			fprintf(f, "%d,%zu,%zu,%zu,", show[k], i,
			    i / (size_t)o.cols, i % (size_t)o.cols);
			csv_field(f, c->group);
			putc(',', f);
			csv_field(f, c->seq);
			putc(',', f);
			csv_field(f, c->indiv);
			fprintf(f, ",%lld,%lld,%zu,", (long long)c->frame[
			    in->start], (long long)c->frame[in->end - 1] + 1,
			    in->end - in->start);
			csv_field(f, c->video);
			putc('\n', f);
		}
	if (mz_atomic_commit(a, &e) < 0)
		die_err(&e);
	free(path);
}

/* parse_syllables: the comma-separated syllable numbers of s (malloc'd),
 * their count in *n. */
static int *
parse_syllables(const char *s, int *n)
{
	int *v = NULL;

	*n = 0;
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		char buf[32];
		if (len == 0 || len >= sizeof(buf))
			usage_error("bad syllable list '%s'", o.syllables);
		memcpy(buf, s, len);
		buf[len] = '\0';
		v = xrealloc(v, (size_t)(*n + 1) * sizeof(int));
		v[(*n)++] = (int)pv_parse_long(buf, "syllable", 0, INT32_MAX);
		s += len;
		if (*s == ',')
			s++;
	}
	return v;
}

int
main(int argc, char **argv)
{
	enum {
		O_COLUMN = PV_O_NEXT, O_DOTC, O_DOTR, O_FILTER, O_KPONLY,
		O_MAXLEN, O_MAXSIZE, O_MINFREQ, O_MINLEN, O_POST, O_PRE,
		O_SEED, O_TILE, O_VDIR, O_WINDOW
	};
	static const struct option longopts[] = {
		{ "anterior", required_argument, NULL, 'a' },
		{ "bodyparts", required_argument, NULL, 'b' },
		{ "cols", required_argument, NULL, 'c' },
		{ "keypoints", no_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "posterior", required_argument, NULL, 'p' },
		{ "rows", required_argument, NULL, 'r' },
		{ "syllables", required_argument, NULL, 's' },
		{ "tracks", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "codec", required_argument, NULL, PV_O_CODEC },
		{ "colormap", required_argument, NULL, PV_O_CMAP },
		{ "column", required_argument, NULL, O_COLUMN },
		{ "dot-color", required_argument, NULL, O_DOTC },
		{ "dot-radius", required_argument, NULL, O_DOTR },
		{ "filter-size", required_argument, NULL, O_FILTER },
		{ "fps", required_argument, NULL, PV_O_FPS },
		{ "keypoints-only", no_argument, NULL, O_KPONLY },
		{ "line-width", required_argument, NULL, PV_O_LINE },
		{ "max-length", required_argument, NULL, O_MAXLEN },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "min-frequency", required_argument, NULL, O_MINFREQ },
		{ "min-length", required_argument, NULL, O_MINLEN },
		{ "node-size", required_argument, NULL, PV_O_NODE },
		{ "post", required_argument, NULL, O_POST },
		{ "pre", required_argument, NULL, O_PRE },
		{ "quality", required_argument, NULL, PV_O_QUALITY },
		{ "seed", required_argument, NULL, O_SEED },
		{ "skeleton", required_argument, NULL, PV_O_SKEL },
		{ "tile", required_argument, NULL, O_TILE },
		{ "video", required_argument, NULL, PV_O_VIDEO },
		{ "video-dir", required_argument, NULL, O_VDIR },
		{ "window", required_argument, NULL, O_WINDOW },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	int c, all_ch = 1, nsyl, nshow = 0, *show = NULL, fps_num = 0,
	    fps_den = 1, *want = NULL, nwant = 0;
	long pre, post, window, tile;
	size_t m;
	struct syl *S;
	struct stat st;
	char lengths[64];
	mz_err e;

	tool_init("mz-gridmovie", SYNOPSIS);
	o.pv.cmap = 0;
	while ((c = getopt_long(argc, argv, "a:b:c:hko:p:qr:s:t:v", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':
			o.anterior = optarg;
			break;
		case 'b':
			o.centroid = optarg;
			break;
		case 'c':
			o.cols = pv_parse_long(optarg, "column count", 1, 64);
			break;
		case 'k':
			o.keypoints = 1;
			break;
		case 'o':
			o.outdir = optarg;
			break;
		case 'p':
			o.posterior = optarg;
			break;
		case 'r':
			o.rows = pv_parse_long(optarg, "row count", 1, 64);
			break;
		case 's':
			o.syllables = optarg;
			break;
		case 't':
			o.tracks = optarg;
			break;
		case O_COLUMN:
			o.column = optarg;
			break;
		case O_DOTC:
			if (draw_parse_rgb(optarg, &o.dot_color) < 0)
				usage_error("bad colour '%s' (want r,g,b or "
				    "#rrggbb)", optarg);
			break;
		case O_DOTR:
			o.dot = pv_parse_long(optarg, "dot radius", 0, 1000);
			break;
		case O_FILTER:
			o.filter = pv_parse_long(optarg, "filter size", 0,
			    100000);
			break;
		case O_KPONLY:
			o.kp_only = 1;
			break;
		case O_MAXLEN:
			o.max_len = pv_parse_long(optarg, "maximum length", 1,
			    INT32_MAX);
			break;
		case O_MAXSIZE:
			o.max_size = pv_parse_long(optarg, "maximum size", 16,
			    16384);
			break;
		case O_MINFREQ:
			o.min_freq = parse_double(optarg, "minimum frequency");
			if (o.min_freq < 0 || o.min_freq > 1)
				usage_error("bad minimum frequency '%s' (want "
				    "0 to 1)", optarg);
			break;
		case O_MINLEN:
			o.min_len = pv_parse_long(optarg, "minimum length", 1,
			    INT32_MAX);
			break;
		case O_POST:
			o.post = pv_parse_long(optarg, "post", 1, 1000000);
			break;
		case O_PRE:
			o.pre = pv_parse_long(optarg, "pre", 0, 1000000);
			break;
		case O_SEED:
			if (mz_parse_seed(optarg, &o.seed, &e) < 0)
				usage_error("bad seed '%s'", optarg);
			break;
		case O_TILE:
			o.tile = pv_parse_long(optarg, "tile size", 2, 16384);
			break;
		case O_VDIR:
			o.video_dir = optarg;
			break;
		case O_WINDOW:
			o.window = pv_parse_long(optarg, "window size", 2,
			    16384);
			break;
		default:
			pv_option(&o.pv, c, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	if (o.outdir == NULL)
		usage_error("no output directory (-o)");
	if (o.pv.video != NULL && o.video_dir != NULL)
		usage_error("--video and --video-dir exclude each other");
	if (!o.kp_only && o.pv.video == NULL && o.video_dir == NULL)
		usage_error("no video (--video or --video-dir; or "
		    "--keypoints-only)");
	if ((o.keypoints || o.kp_only) && o.tracks == NULL)
		usage_error("%s needs the keypoints (-t)", o.kp_only ?
		    "--keypoints-only" : "-k");
	if (o.window == 0 && o.tracks == NULL)
		usage_error("no --window, and no tracks (-t) to size it from");
	if (o.max_len > 0 && o.max_len < o.min_len)
		usage_error("--max-length %ld is below --min-length %ld",
		    o.max_len, o.min_len);
	if (o.syllables != NULL)
		want = parse_syllables(o.syllables, &nwant);
	check_inputs(argv, argc);
	if (o.tracks != NULL)
		check_inputs((char *const *)&o.tracks, 1);
	if (o.pv.video != NULL && access(o.pv.video, R_OK) != 0)
		die("%s:", o.pv.video);
	if (o.video_dir != NULL && (stat(o.video_dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode)))
		die("%s: %s", o.video_dir, errno ? strerror(errno) :
		    "not a directory");

	/* Read and check everything before the first movie. */
	for (int i = 0; i < argc; i++)
		all_ch &= read_syllables(argv[i]);
	if (nrec == 0)
		die("%s: no parts", argv[0]);
	if (o.tracks != NULL) {
		read_tracks(o.tracks);
		if (o.pv.skeleton != NULL)
			pv_parse_skeleton(&body, o.pv.skeleton, o.tracks);
	} else if (o.pv.skeleton != NULL)
		usage_error("--skeleton needs the tracks (-t)");
	if (!all_ch) {
		if (o.tracks == NULL)
			die("%s: no centroid.x, centroid.y and heading "
			    "columns; give the tracks (-t) and the anterior "
			    "(-a) and posterior (-p) bodyparts", recs[0].where);
		if (o.anterior == NULL || o.posterior == NULL)
			usage_error("no heading column in the syllables: -a "
			    "and -p are needed to compute it from the tracks");
		centroids_headings();
	}
	filter_all();
	if (!o.kp_only)
		assign_videos(&fps_num, &fps_den);
	if (o.pv.fps > 0 || fps_num <= 0 || (recs[0].fps > 0 &&
	    fabs(recs[0].fps - (double)fps_num / fps_den) > 1e-3)) {
		double fps = o.pv.fps > 0 ? o.pv.fps : recs[0].fps;
		if (!(fps > 0))
			die("%s: no frame rate (no \"fps\" metadata); give "
			    "--fps", recs[0].where);
		pv_fps_fraction(fps, &fps_num, &fps_den);
	}
	pre = o.pre >= 0 ? o.pre : lround(1.0 * fps_num / fps_den);
	post = o.post >= 0 ? o.post : lround(2.0 * fps_num / fps_den);
	if (post < 1)
		post = 1;
	m = (size_t)(o.rows * o.cols);

	S = collect(pre, post, &nsyl);
	if (o.max_len > 0)
		snprintf(lengths, sizeof(lengths), "%ld to %ld frames",
		    o.min_len, o.max_len);
	else
		snprintf(lengths, sizeof(lengths), "%ld frames or more",
		    o.min_len);
	{
		size_t total = 0;
		for (int k = 0; k < nsyl; k++)
			total += S[k].onsets;
		show = xmalloc((size_t)(nsyl + nwant + 1) * sizeof(int));
		for (int i = 0; i < nwant; i++) {
			int k = want[i];
			if (k >= nsyl || S[k].onsets == 0)
				die("%s: syllable %d does not occur in the "
				    "input", argv[0], k);
			if (S[k].n < m)
				die("%s: syllable %d: %zu instances of %s "
				    "with %ld frames before and %ld after, "
				    "fewer than the %zu tiles", argv[0], k,
				    S[k].n, lengths, pre, post, m);
			if (S[k].pick == NULL) {
				show[nshow++] = k;
				pick(&S[k], k, m);
			}
		}
		for (int k = 0; nwant == 0 && k < nsyl; k++) {
			double freq = total ? (double)S[k].onsets / total : 0;
			if (S[k].onsets > 0 && freq >= o.min_freq &&
			    S[k].n >= m) {
				show[nshow++] = k;
				pick(&S[k], k, m);
			} else if (S[k].onsets > 0 && o.pv.verbose)
				fprintf(stderr, "%s: syllable %d left out: "
				    "frequency %.4f, %zu instances\n", prog,
				    k, freq, S[k].n);
		}
		if (nshow == 0)
			die("%s: no syllable has %zu instances of %s (with "
			    "%ld frames before and %ld after) and a frequency "
			    "of %g or more", argv[0], m, lengths, pre, post,
			    o.min_freq);
	}
	window = o.window;
	if (window == 0) {
		window = auto_window(S, show, nshow, m, pre, post);
		if (window == 0)
			die("%s: no finite keypoint in the frames shown: "
			    "give --window", o.tracks);
	}
	tile = o.tile;
	if (tile == 0) {
		tile = o.max_size / (o.rows > o.cols ? o.rows : o.cols) / 16 *
		    16;
		if (tile > window)
			tile = window;
		if (tile < 2)
			tile = 2;
	}
	if ((tile * o.cols) % 2 || (tile * o.rows) % 2)
		usage_error("a grid of %ld x %ld tiles of %ld pixels has an "
		    "odd size (the encoders need even sizes)", o.rows, o.cols,
		    tile);
	if (mkdir(o.outdir, 0777) != 0 && errno != EEXIST)
		die("%s:", o.outdir);
	if (stat(o.outdir, &st) != 0 || !S_ISDIR(st.st_mode))
		die("%s: not a directory", o.outdir);
	atexit(pv_remove_temps);
	if (o.pv.verbose)
		fprintf(stderr, "%s: %d movies of %ld x %ld tiles, window %ld "
		    "px, tile %ld px, %ld frames (%ld before onset) at "
		    "%d/%d fps\n", prog, nshow, o.rows, o.cols, window, tile,
		    pre + post, pre, fps_num, fps_den);

	/* The movies. */
	{
		int gw = (int)(tile * o.cols), gh = (int)(tile * o.rows);
		size_t stride = (size_t)gw * 3, fbytes = stride * (size_t)gh;
		long nf = pre + post, chunk = (long)(CHUNK_BYTES / fbytes);
		uint8_t *buf;
		progress *pg = progress_start("mz-gridmovie",
		    (uint64_t)nshow * (uint64_t)nf);
		mzv_encopts eo = { o.pv.codec, NULL, 0, 0,
		    (int)o.pv.quality, 0, 0 };

		chunk = chunk < 1 ? 1 : chunk > nf ? nf : chunk;
		buf = xmalloc((size_t)chunk * fbytes);
		for (int a = 0; a < nshow; a++) {
			char name[64], *path;
			mzv_encoder *enc;
			snprintf(name, sizeof(name), "syllable%d.mp4", show[a]);
			path = path_join(o.outdir, name);
			enc = mzv_enc_open(path, gw, gh, fps_num, fps_den, &eo,
			    &e);
			if (enc == NULL)
				die_err(&e);
			for (long f0 = 0; f0 < nf; f0 += chunk) {
				long f1 = f0 + chunk < nf ? f0 + chunk : nf;
				memset(buf, 0, (size_t)(f1 - f0) * fbytes);
				for (size_t i = 0; i < m; i++)
					render_tile(&S[show[a]].pick[i], pre,
					    f0, f1, buf, fbytes, stride,
					    (int)((long)(i % (size_t)o.cols) *
					    tile), (int)((long)(i /
					    (size_t)o.cols) * tile), tile,
					    window);
				for (long f = f0; f < f1; f++) {
					if (mzv_enc_put(enc, buf + (size_t)(f -
					    f0) * fbytes, (int)stride, &e) < 0)
						die_err(&e);
					progress_update(pg, (uint64_t)a *
					    (uint64_t)nf + (uint64_t)f + 1);
				}
			}
			if (o.pv.verbose)
				fprintf(stderr, "%s: %s: syllable %d, %zu "
				    "instances of %zu, %s\n", prog, path,
				    show[a], m, S[show[a]].n,
				    mzv_enc_codec(enc));
			if (mzv_enc_close(enc, &e) < 0)
				die_err(&e);
			free(path);
		}
		progress_end(pg);
		free(buf);
	}
	write_instances(S, show, nshow, m);
	for (int i = 0; i < MAX_VIDEOS_OPEN; i++)
		mzv_close(vcache[i].v);
	for (int k = 0; k < nsyl; k++) {
		free(S[k].in);
		free(S[k].pick);
	}
	free(S);
	free(show);
	free(want);
	for (size_t i = 0; i < nrec; i++) {
		struct rec *r = &recs[i];
		free(r->group);
		free(r->seq);
		free(r->indiv);
		free(r->where);
		free(r->frame);
		free(r->syl);
		free(r->cx);
		free(r->cy);
		free(r->hd);
		free(r->kp);
		if (o.video_dir != NULL) {
			int dup = 0;
			for (size_t j = 0; j < i; j++)
				dup |= recs[j].video == r->video;
			if (!dup)
				free((char *)r->video);
		}
	}
	free(recs);
	pv_body_free(&body);
	finish_stdout();
	return 0;
}
