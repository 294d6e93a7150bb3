/*
 * mz-align - egocentric alignment of standard tracks: centroid, heading,
 * rotation, and optionally keypoint-MoSeq's Helmert centre embedding (see
 * mz-align(1)).
 *
 * Every row is transformed on its own, so a part is processed block by
 * block with buffers the size of one block: memory does not depend on the
 * length of a recording.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-align [-fq] [-a bodyparts] [-b bodyparts] [-c codec] [-o file] " \
	"[-p bodyparts] [--embed] [--fix-heading] [file ...]"

/* One bodypart of the current part: its column indices (-1: absent). */
struct bp {
	const char *name;   /* borrowed from the part's metadata */
	int x, y, z, p;
};

/* What the options ask for, as given (comma-separated names or NULL). */
struct opts {
	const char *anterior, *posterior, *centroid;
	int embed, fix_heading;
};

/* The plan for one part: resolved bodyparts and the output layout. */
struct plan {
	size_t K, D;            /* bodyparts, dimensions (2 or 3) */
	struct bp *bp;          /* K entries */
	unsigned char *ant, *post, *cen;  /* K flags each */
	double *gamma;          /* K x (K-1) Helmert matrix (embed only) */
	mz_header *out;         /* the output header */
	size_t nout;            /* its columns */
	int *src;               /* per output column: input column copied, or
	                           -1 for a computed one */
	double **comp;          /* per output column: computed values (or NULL) */
	int c_cen, c_head;      /* output column of centroid.x, heading */
	int *c_coord;           /* K*D: output column of aligned coordinate, or
	                           of embedding coordinate (K-1)*D */
	size_t cap;             /* rows the comp and scratch buffers hold */
	double *v;              /* K*D x cap: non-f64 coordinates as f64 */
	double *y;              /* K*D x cap: aligned coordinates (embed) */
	double *acc;            /* 11 x cap: the sums and counts of the
	                           centroid, anterior and posterior means */
	const double **in;      /* K*D: the coordinates of a block as f64 */
	double **res;           /* K*D: where their aligned values go */
};

/*
 * find_coord: index of column "NAME.suffix" in h, or -1; dies unless it is
 * a float column (where names the part in messages).
 */
static int
find_coord(const mz_header *h, const char *name, const char *suffix,
    const char *where)
{
	char col[512];
	int j;

	snprintf(col, sizeof(col), "%s.%s", name, suffix);
	if ((j = mz_header_find(h, col)) >= 0 &&
	    !mz_type_isfloat(h->cols[j].type))
		die("%s: column '%s' is %s, not a float type", where, col,
		    mz_type_name(h->cols[j].type));
	return j;
}

/*
 * read_bodyparts: the bodyparts of part header h ("bodyparts" metadata and
 * their NAME.x/.y[/.z][/.p] columns) into a malloc'd array; *K and *D get
 * their count and dimension.  Dies (exit 1) on a missing or malformed
 * list, a missing column, or a mix of 2-D and 3-D bodyparts.
 */
static struct bp *
read_bodyparts(const mz_header *h, size_t *K, size_t *D, const char *where)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(h->meta,
	    "bodyparts");
	const cJSON *it;
	struct bp *bp;
	size_t k = 0, n;

	if (list == NULL)
		die("%s: no \"bodyparts\" metadata (not standard tracks)", where);
	if (!cJSON_IsArray(list) || (n = (size_t)cJSON_GetArraySize(list)) ==
	    0)
		die("%s: \"bodyparts\" metadata is not a non-empty array of "
		    "names", where);
	bp = xcalloc(n, sizeof(*bp));
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			die("%s: \"bodyparts\" metadata is not a non-empty array "
			    "of names", where);
		bp[k].name = it->valuestring;
		bp[k].x = find_coord(h, it->valuestring, "x", where);
		bp[k].y = find_coord(h, it->valuestring, "y", where);
		bp[k].z = find_coord(h, it->valuestring, "z", where);
		bp[k].p = find_coord(h, it->valuestring, "p", where);
		if (bp[k].x < 0 || bp[k].y < 0)
			die("%s: bodypart '%s' has no column '%s.%s'", where,
			    it->valuestring, it->valuestring, bp[k].x < 0 ?
			    "x" : "y");
		if ((bp[k].z >= 0) != (bp[0].z >= 0))
			die("%s: bodyparts '%s' and '%s' differ in dimension",
			    where, bp[0].name, it->valuestring);
		for (size_t i = 0; i < k; i++)
			if (strcmp(bp[i].name, it->valuestring) == 0)
				die("%s: bodypart '%s' is listed twice", where,
				    it->valuestring);
		k++;
	}
	*K = n;
	*D = bp[0].z >= 0 ? 3 : 2;
	return bp;
}

/*
 * mark: set flag[k] for each bodypart named in the comma-separated list s
 * (all when s is NULL); dies naming an unknown one.  Returns the count.
 */
static size_t
mark(unsigned char *flag, const struct bp *bp, size_t K, const char *s,
    const char *what, const char *where)
{
	size_t n, cnt = 0;
	char **v;

	memset(flag, s == NULL, K);
	if (s == NULL)
		return K;
	v = comma_list(s, &n, what);
	for (size_t i = 1; i <= n; i++) {
		size_t k;
		for (k = 0; k < K && strcmp(bp[k].name, v[i]) != 0; k++)
			;
		if (k == K)
			die("%s: %s bodypart '%s' is not in the part's "
			    "bodyparts", where, what, v[i]);
		cnt += !flag[k];
		flag[k] = 1;
	}
	comma_list_free(v);
	return cnt;
}

/*
 * helmert: the K x (K-1) centre-embedding matrix of keypoint-MoSeq
 * (jax_moseq center_embedding), row-major into g: column j (1-based J =
 * j+1) has -1/sqrt(J(J+1)) in rows i < J, sqrt(J/(J+1)) in row J, and 0
 * below.
 */
static void
helmert(double *g, size_t K)
{
	for (size_t i = 0; i < K; i++)
		for (size_t j = 0; j + 1 < K; j++) {
			double J = (double)(j + 1);
			g[i * (K - 1) + j] = i < j + 1 ? -1 / sqrt(J * (J + 1)) :
			    i == j + 1 ? sqrt(J / (J + 1)) : 0;
		}
}

/* str_list: a cJSON array of the names of the flagged bodyparts. */
static cJSON *
str_list(const struct bp *bp, const unsigned char *flag, size_t K)
{
	cJSON *a = cJSON_CreateArray();

	if (a == NULL)
		die("out of memory");
	for (size_t k = 0; k < K; k++)
		if (flag == NULL || flag[k]) {
			cJSON *s = cJSON_CreateString(bp[k].name);
			if (s == NULL || !cJSON_AddItemToArray(a, s))
				die("out of memory");
		}
	return a;
}

/* add_col: add column name (f64, unit) to h; dies on a clash. */
static int
add_col(mz_header *h, const char *name, const char *unit, const char *where)
{
	mz_err e;
	int j = mz_header_add_column(h, name, MZ_F64, unit, &e);

	if (j < 0)
		die("%s: cannot add column '%s': %s", where, name,
		    j == -MZ_ESCHEMA ? "the name is already used" : e.msg);
	return j;
}

/*
 * plan_part: resolve the bodyparts of input header h against the options
 * and build the output header (with history entry opts) and layout.
 */
static void
plan_part(struct plan *pl, const mz_header *h, const struct opts *o,
    const cJSON *opts, const char *where)
{
	static const char dim[3] = { 'x', 'y', 'z' };
	unsigned char *drop;
	const char *unit;
	cJSON *info, *hist;
	size_t K, D;
	char name[512];

	memset(pl, 0, sizeof(*pl));
	pl->bp = read_bodyparts(h, &pl->K, &pl->D, where);
	K = pl->K;
	D = pl->D;
	pl->ant = xcalloc(K, 1);
	pl->post = xcalloc(K, 1);
	pl->cen = xcalloc(K, 1);
	mark(pl->cen, pl->bp, K, o->centroid, "centroid", where);
	if (!o->fix_heading) {
		mark(pl->ant, pl->bp, K, o->anterior, "anterior", where);
		mark(pl->post, pl->bp, K, o->posterior, "posterior", where);
	}
	if (o->embed && K < 2)
		die("%s: --embed needs at least 2 bodyparts", where);
	unit = h->cols[pl->bp[0].x].unit;

	/* The output: the input's columns, minus the keypoint columns when
	 * embedding, then e<j>.<d>, then centroid and heading. */
	if ((pl->out = mz_header_copy(h)) == NULL)
		die("out of memory");
	drop = xcalloc(h->ncols, 1);
	if (o->embed)
		for (size_t k = 0; k < K; k++) {
			drop[pl->bp[k].x] = drop[pl->bp[k].y] = 1;
			if (pl->bp[k].z >= 0)
				drop[pl->bp[k].z] = 1;
			if (pl->bp[k].p >= 0)
				drop[pl->bp[k].p] = 1;
		}
	for (size_t j = h->ncols; j-- > 0;)
		if (drop[j])
			mz_header_drop_column(pl->out, j);
	pl->c_coord = xcalloc(K * D, sizeof(int));
	pl->in = xcalloc(K * D, sizeof(*pl->in));
	pl->res = xcalloc(K * D, sizeof(*pl->res));
	if (o->embed) {
		pl->gamma = xmalloc(K * (K - 1) * sizeof(double));
		helmert(pl->gamma, K);
		for (size_t j = 0; j + 1 < K; j++)
			for (size_t d = 0; d < D; d++) {
				snprintf(name, sizeof(name), "e%zu.%c", j, dim[d]);
				pl->c_coord[j * D + d] = add_col(pl->out, name,
				    unit, where);
			}
	} else
		for (size_t k = 0; k < K; k++) {
			int c[3] = { pl->bp[k].x, pl->bp[k].y, pl->bp[k].z };
			for (size_t d = 0; d < D; d++)
				pl->c_coord[k * D + d] = c[d];
		}
	pl->c_cen = add_col(pl->out, "centroid.x", unit, where);
	add_col(pl->out, "centroid.y", unit, where);
	if (D == 3)
		add_col(pl->out, "centroid.z", unit, where);
	pl->c_head = add_col(pl->out, "heading", "rad", where);

	/* Where each output column comes from. */
	pl->nout = pl->out->ncols;
	pl->src = xmalloc(pl->nout * sizeof(int));
	pl->comp = xcalloc(pl->nout, sizeof(double *));
	for (size_t j = 0; j < pl->nout; j++)
		pl->src[j] = mz_header_find(h, pl->out->cols[j].name);
	for (size_t j = (size_t)pl->c_cen; j < pl->nout; j++)
		pl->src[j] = -1;
	if (o->embed)
		for (size_t j = 0; j < (K - 1) * D; j++)
			pl->src[pl->c_coord[j]] = -1;
	else
		/* Aligned coordinates replace the input's in place; the output
		 * index equals the input index for these. */
		for (size_t j = 0; j < K * D; j++) {
			int c = mz_header_find(pl->out,
			    h->cols[pl->c_coord[j]].name);
			pl->src[c] = -1;
			pl->c_coord[j] = c;
		}
	free(drop);

	/* Metadata: what was done, so results can be mapped back. */
	if ((info = cJSON_CreateObject()) == NULL)
		die("out of memory");
	cJSON_AddItemToObject(info, "centroid", str_list(pl->bp, pl->cen, K));
	cJSON_AddItemToObject(info, "anterior", str_list(pl->bp, pl->ant, K));
	cJSON_AddItemToObject(info, "posterior", str_list(pl->bp,
	    pl->post, K));
	if (!cJSON_AddBoolToObject(info, "fix_heading", o->fix_heading) ||
	    !cJSON_AddStringToObject(info, "heading", o->fix_heading ? "0" :
	    "atan2(mean(anterior.y) - mean(posterior.y), mean(anterior.x) - "
	    "mean(posterior.x))") ||
	    !cJSON_AddStringToObject(info, "aligned", "R(-heading) (point - "
	    "centroid), on x and y; z is only centred") ||
	    !cJSON_AddBoolToObject(info, "embed", o->embed))
		die("out of memory");
	if (o->embed) {
		cJSON_AddItemToObject(info, "bodyparts", str_list(pl->bp, NULL,
		    K));
		if (!cJSON_AddStringToObject(info, "embedding", "e<j>.<d> = "
		    "sum_i G[i][j] aligned[i].<d>, G the K x (K-1) Helmert "
		    "centre embedding of keypoint-MoSeq"))
			die("out of memory");
		cJSON_DeleteItemFromObjectCaseSensitive(pl->out->meta,
		    "bodyparts");
	}
	{
		mz_err e;
		if (mz_meta_set(pl->out, "align", info, &e) < 0)
			die_err(&e);
	}
	if ((hist = cJSON_Duplicate(opts, 1)) == NULL)
		die("out of memory");
	history_add(pl->out, hist);
}

/* plan_free: release what plan_part allocated. */
static void
plan_free(struct plan *pl)
{
	for (size_t j = 0; j < pl->nout; j++)
		free(pl->comp[j]);
	free(pl->comp);
	free(pl->src);
	free(pl->c_coord);
	free(pl->v);
	free(pl->y);
	free(pl->acc);
	free(pl->in);
	free(pl->res);
	free(pl->gamma);
	free(pl->ant);
	free(pl->post);
	free(pl->cen);
	free(pl->bp);
	mz_header_free(pl->out);
}

/*
 * align_block: compute the output values of the n rows of block b into
 * the comp buffers of pl.  The work goes column by column over the block
 * (loops the compiler vectorises), each row's sums taken over the
 * bodyparts in order, as numpy's nanmean and the embedding's matrix
 * product are written in filters-ref.py.
 */
static void
align_block(struct plan *pl, const mz_header *h, const mz_block *b,
    int fix_heading, int embed)
{
	size_t K = pl->K, D = pl->D, n = b->nrows;
	const double **in = pl->in;
	double **out = pl->res;

	if (n > pl->cap) {
		for (size_t j = 0; j < pl->nout; j++)
			if (pl->src[j] < 0)
				pl->comp[j] = xrealloc(pl->comp[j],
				    n * sizeof(double));
		pl->v = xrealloc(pl->v, K * D * n * sizeof(double));
		if (embed)
			pl->y = xrealloc(pl->y, K * D * n * sizeof(double));
		pl->acc = xrealloc(pl->acc, 11 * n * sizeof(double));
		pl->cap = n;
	}
	/* The coordinates as f64 arrays, and where their results go. */
	for (size_t k = 0; k < K; k++) {
		int col[3] = { pl->bp[k].x, pl->bp[k].y, pl->bp[k].z };
		for (size_t d = 0; d < D; d++) {
			mz_type t = h->cols[col[d]].type;
			double *cv = pl->v + (k * D + d) * pl->cap;
			if (t == MZ_F64)
				in[k * D + d] = b->cols[col[d]];
			else {
				for (size_t i = 0; i < n; i++)
					cv[i] = mz_get_f64(b->cols[col[d]], t, i);
				in[k * D + d] = cv;
			}
			out[k * D + d] = embed ? pl->y + (k * D + d) * pl->cap :
			    pl->comp[pl->c_coord[k * D + d]];
		}
	}

	/* Sums and counts over the bodyparts whose coordinates are all
	 * finite: centroid (D sums), anterior and posterior (x, y). */
	double *restrict cs[3], *restrict as[2], *restrict ps[2];
	double *restrict nc = pl->acc, *restrict na = nc + pl->cap,
	    *restrict np = na + pl->cap;
	for (size_t d = 0; d < 3; d++)
		cs[d] = pl->acc + (3 + d) * pl->cap;
	for (size_t d = 0; d < 2; d++) {
		as[d] = pl->acc + (6 + d) * pl->cap;
		ps[d] = pl->acc + (8 + d) * pl->cap;
	}
	memset(pl->acc, 0, 11 * pl->cap * sizeof(double));
	for (size_t k = 0; k < K; k++) {
		const double *restrict x = in[k * D], *restrict y = in[k * D + 1],
		    *restrict z = D == 3 ? in[k * D + 2] : in[k * D + 1];
		if (pl->cen[k])
			for (size_t i = 0; i < n; i++) {
				int good = isfinite(x[i]) && isfinite(y[i]) &&
				    isfinite(z[i]);
				cs[0][i] += good ? x[i] : 0;
				cs[1][i] += good ? y[i] : 0;
				if (D == 3)
					cs[2][i] += good ? z[i] : 0;
				nc[i] += good;
			}
		if (pl->ant[k])
			for (size_t i = 0; i < n; i++) {
				int good = isfinite(x[i]) && isfinite(y[i]) &&
				    isfinite(z[i]);
				as[0][i] += good ? x[i] : 0;
				as[1][i] += good ? y[i] : 0;
				na[i] += good;
			}
		if (pl->post[k])
			for (size_t i = 0; i < n; i++) {
				int good = isfinite(x[i]) && isfinite(y[i]) &&
				    isfinite(z[i]);
				ps[0][i] += good ? x[i] : 0;
				ps[1][i] += good ? y[i] : 0;
				np[i] += good;
			}
	}

	/* Centroid and heading; the heading's cosine and sine are kept in
	 * the anterior sums, no longer needed. */
	double *restrict cx[3], *restrict hd = pl->comp[pl->c_head];
	double *restrict ch = as[0], *restrict sh = as[1];
	for (size_t d = 0; d < D; d++) {
		cx[d] = pl->comp[pl->c_cen + d];
		for (size_t i = 0; i < n; i++)
			cx[d][i] = nc[i] > 0 ? cs[d][i] / nc[i] : NAN;
	}
	for (size_t i = 0; i < n; i++) {
		double a;
		if (fix_heading)
			a = 0;
		else if (na[i] == 0 || np[i] == 0)
			a = NAN;
		else
			a = atan2(as[1][i] / na[i] - ps[1][i] / np[i],
			    as[0][i] / na[i] - ps[0][i] / np[i]);
		hd[i] = a;
		ch[i] = cos(a);
		sh[i] = sin(a);
	}

	/* The rotation about the centroid. */
	for (size_t k = 0; k < K; k++) {
		const double *restrict x = in[k * D], *restrict y = in[k * D + 1];
		double *restrict ox = out[k * D], *restrict oy = out[k * D + 1];
		for (size_t i = 0; i < n; i++) {
			double dx = x[i] - cx[0][i], dy = y[i] - cx[1][i];
			ox[i] = ch[i] * dx + sh[i] * dy;
			oy[i] = -sh[i] * dx + ch[i] * dy;
		}
		if (D == 3) {
			const double *restrict z = in[k * D + 2];
			double *restrict oz = out[k * D + 2];
			for (size_t i = 0; i < n; i++)
				oz[i] = z[i] - cx[2][i];
		}
	}
	if (!embed)
		return;
	/* e_j = sum_k G[k][j] y_k; column j of G is zero below row j+1. */
	for (size_t j = 0; j + 1 < K; j++)
		for (size_t d = 0; d < D; d++) {
			double *restrict e = pl->comp[pl->c_coord[j * D + d]];
			for (size_t i = 0; i < n; i++)
				e[i] = 0;
			for (size_t k = 0; k <= j + 1; k++) {
				const double *restrict y = out[k * D + d];
				double g = pl->gamma[k * (K - 1) + j];
				for (size_t i = 0; i < n; i++)
					e[i] += g * y[i];
			}
		}
}

/*
 * align_part: transform the current part of r into w.
 */
static void
align_part(mz_reader *r, mz_writer *w, const struct opts *o,
    const cJSON *opts)
{
	const mz_header *h = mz_reader_header(r);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(h->meta,
	    "sequence");
	char where[600];
	struct plan pl;
	const void **cols;
	void **conv;
	mz_block b;
	mz_err e;
	int rc;

	snprintf(where, sizeof(where), "%s: part %zu%s%s", mz_reader_name(r),
	    mz_reader_part_index(r), cJSON_IsString(seq) ? " " : "",
	    cJSON_IsString(seq) ? seq->valuestring : "");
	plan_part(&pl, h, o, opts, where);
	if (mz_writer_begin_part(w, pl.out, &e) < 0)
		die_err(&e);
	cols = xcalloc(pl.nout, sizeof(*cols));
	conv = xcalloc(pl.nout, sizeof(*conv));
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
		align_block(&pl, h, &b, o->fix_heading, o->embed);
		for (size_t j = 0; j < pl.nout; j++) {
			mz_type t = pl.out->cols[j].type;
			if (pl.src[j] >= 0) {
				cols[j] = b.cols[pl.src[j]];
				continue;
			}
			if (t == MZ_F64) {
				cols[j] = pl.comp[j];
				continue;
			}
			/* An aligned coordinate of a non-f64 input column. */
			conv[j] = xrealloc(conv[j], b.nrows * mz_type_size(t) +
			    1);
			for (size_t i = 0; i < b.nrows; i++)
				mz_put_f64(conv[j], t, i, pl.comp[j][i]);
			cols[j] = conv[j];
		}
		if (mz_writer_append(w, b.nrows, (const void *const *)cols,
		    &e) < 0)
			die_err(&e);
	}
	if (rc < 0 || mz_writer_end_part(w, &e) < 0)
		die_err(&e);
	for (size_t j = 0; j < pl.nout; j++)
		free(conv[j]);
	free(conv);
	free(cols);
	plan_free(&pl);
}

/* names_opt: the history value of a bodypart list option (null: all or
 * none, as the option's default says). */
static void
names_opt(cJSON *opts, const char *key, const char *s)
{
	size_t n;
	char **v;
	cJSON *a;

	if (s == NULL) {
		if (cJSON_AddNullToObject(opts, key) == NULL)
			die("out of memory");
		return;
	}
	v = comma_list(s, &n, key);
	if ((a = cJSON_AddArrayToObject(opts, key)) == NULL)
		die("out of memory");
	for (size_t i = 1; i <= n; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(v[i])))
			die("out of memory");
	comma_list_free(v);
}

int
main(int argc, char **argv)
{
	enum { OPT_EMBED = OPT_FIRST_TOOL_OPT, OPT_FIX };
	static const struct option longopts[] = {
		{ "anterior", required_argument, NULL, 'a' },
		{ "bodyparts", required_argument, NULL, 'b' },
		{ "codec", required_argument, NULL, 'c' },
		{ "embed", no_argument, NULL, OPT_EMBED },
		{ "fix-heading", no_argument, NULL, OPT_FIX },
		{ "force", no_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "posterior", required_argument, NULL, 'p' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	struct opts o = { NULL, NULL, NULL, 0, 0 };
	const char *outpath = NULL;
	int c, force = 0;
	mz_writer *w;
	cJSON *opts;
	mz_err e;
	size_t n;

	tool_init("mz-align", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "a:b:c:fho:p:q", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':
			o.anterior = optarg;
			break;
		case 'b':
			o.centroid = optarg;
			break;
		case 'c':
			wo.codec = parse_codec(optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			o.posterior = optarg;
			break;
		case OPT_EMBED:
			o.embed = 1;
			break;
		case OPT_FIX:
			o.fix_heading = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.fix_heading && (o.anterior || o.posterior))
		usage_error("--fix-heading takes no -a or -p");
	if (!o.fix_heading && (o.anterior == NULL || o.posterior == NULL))
		usage_error("the heading needs -a (anterior) and -p (posterior) "
		    "bodyparts, or --fix-heading");
	/* Validate the lists now (usage errors before any output). */
	if (o.anterior)
		comma_list_free(comma_list(o.anterior, &n, "anterior"));
	if (o.posterior)
		comma_list_free(comma_list(o.posterior, &n, "posterior"));
	if (o.centroid)
		comma_list_free(comma_list(o.centroid, &n, "bodyparts"));
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	check_inputs(argv, argc);
	opts = opts_new();
	names_opt(opts, "anterior", o.anterior);
	names_opt(opts, "posterior", o.posterior);
	names_opt(opts, "bodyparts", o.centroid);
	opts_bool(opts, "embed", o.embed);
	opts_bool(opts, "fix_heading", o.fix_heading);

	w = out_writer(outpath, force, &wo);
	for (int i = 0; i < argc; i++) {
		mz_reader *r = mz_reader_open(argv[i], &e);
		int rc;

		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0)
			align_part(r, w, &o, opts);
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	cJSON_Delete(opts);
	out_close(w);
	return 0;
}
