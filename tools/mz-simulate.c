/*
 * mz-simulate - keypoint recordings from a random sticky AR-HMM (see
 * mz-simulate(1)).
 *
 * A model is drawn once from random stream 0 of the seed: per state an
 * AR(order) dynamics in a latent space of dim dimensions, scaled to a
 * spectral radius below 1, a fixed point, a noise factor, a forward speed
 * and a turning rate; a jump matrix between states; a linear map from the
 * latent space to an egocentric skeleton.  Sequence s then draws its
 * states, latent path, heading and centroid from stream 2s+1 and its
 * observations (confidence, noise, missing points, outliers) from stream
 * 2s+2, frame by frame, and writes them block by block: memory does not
 * depend on the number of frames, and the truth (states, latents) does
 * not depend on the observation options.
 */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SYNOPSIS \
	"mz-simulate [-fq] [-c codec] [-d duration] [-g groups] [-k bodyparts] " \
	"[-l dim] [-n frames] [-o file] [-r order] [-s sequences] [-z states] " \
	"[--arena radius] [--fps fps] [--latent] [--missing fraction] " \
	"[--noise sd] [--no-truth | --truth-only] [--outliers fraction] " \
	"[--seed n]"

#define CHUNK 4096           /* frames per appended block */
#define BODY_LENGTH 60.0     /* px, nose to tailbase of the mean pose */
#define LATENT_PX 2.5        /* px a coordinate moves per latent unit */
#define MAX_BODYPARTS 100
#define MAX_STATES 1000
#define MAX_DIM 100

enum { DUR_GEOMETRIC, DUR_STICKY, DUR_FIXED, DUR_UNIFORM };

struct opts {
	uint64_t nseq, nframes, seed;
	int nstates, dim, order, nbp, ngroups;
	double fps, arena, noise, missing, outliers;
	int truth, keypoints, latent;   /* columns to write */
	int dur_kind;
	double dur_a, dur_b;            /* the spec's numbers */
	const char *dur_spec;
};

/* The model: everything drawn from stream 0. */
struct model {
	int N, D, L, K;
	double *A;       /* N x L x D x D, row-major per lag: A[k][l][i][j] */
	double *b;       /* N x D: the AR bias, (I - sum A) mu */
	double *mu;      /* N x D: the fixed point */
	double *B;       /* N x D x D: noise factor, x += B eps */
	double *rho;     /* N: spectral radius of the companion matrix */
	double *speed;   /* N: px per frame along the heading */
	double *turn;    /* N: mean rad per frame */
	double *turnsd;  /* N: rad per frame */
	double *jump;    /* N x N: next-state probabilities, zero diagonal */
	double *pose;    /* 2K: mean pose (x0, y0, x1, y1, ...) */
	double *C;       /* 2K x D: latent -> egocentric offsets */
	double self;     /* self-transition probability (geometric), or -1 */
	double median, mean;  /* of the duration distribution, frames */
	char **names;    /* K bodypart names */
};

/* One sequence being generated. */
struct seq {
	mz_rng gz, gy;   /* truth stream, observation stream */
	int z;           /* current state */
	uint64_t left;   /* frames left in the current segment */
	double *hist;    /* L x D: x_{t-1} first */
	double h, vx, vy;
};

/* ------------------------------------------------------------ random */

/* unif_pos: a uniform number in (0, 1]. */
static double
unif_pos(mz_rng *g)
{
	return 1.0 - mz_rng_uniform(g);
}

/* normal: a standard normal draw (Box-Muller, two uniforms a draw). */
static double
normal(mz_rng *g)
{
	double u = unif_pos(g), v = mz_rng_uniform(g);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* gamma_draw: a Gamma(a, 1) draw, a > 0 (Marsaglia and Tsang; a < 1 by
 * the boost u^(1/a)). */
static double
gamma_draw(mz_rng *g, double a)
{
	double boost = 1.0;

	if (a < 1.0) {
		boost = pow(unif_pos(g), 1.0 / a);
		a += 1.0;
	}
	double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x = normal(g), v = 1.0 + c * x;
		if (v <= 0)
			continue;
		v = v * v * v;
		double u = unif_pos(g);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return boost * d * v;
	}
}

/* beta_draw: a Beta(a, b) draw. */
static double
beta_draw(mz_rng *g, double a, double b)
{
	double x = gamma_draw(g, a), y = gamma_draw(g, b);

	return x / (x + y);
}

/* ---------------------------------------------------------- durations */

/*
 * parse_duration: fill o's duration fields from spec ("geometric:M",
 * "sticky:P", "fixed:N", "uniform:A:B"); usage error otherwise.
 */
static void
parse_duration(struct opts *o, const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	double a = 0, b = 0;
	const char *rest = colon ? colon + 1 : "";
	const char *c2 = strchr(rest, ':');

	o->dur_spec = spec;
	if (colon == NULL)
		goto bad;
	if (c2 != NULL) {
		if (mz_parse_f64(rest, (size_t)(c2 - rest), &a) < 0 ||
		    mz_parse_f64(c2 + 1, strlen(c2 + 1), &b) < 0)
			goto bad;
	} else if (mz_parse_f64(rest, strlen(rest), &a) < 0)
		goto bad;
	if (n == 9 && strncmp(spec, "geometric", n) == 0 && !c2) {
		if (!(a >= 1 && a <= 1e9 && a == floor(a)))
			usage_error("bad duration '%s' (geometric:MEDIAN wants "
			    "an integer median of at least 1 frame)", spec);
		o->dur_kind = DUR_GEOMETRIC;
	} else if (n == 6 && strncmp(spec, "sticky", n) == 0 && !c2) {
		if (!(a >= 0 && a < 1))
			usage_error("bad duration '%s' (sticky:P wants "
			    "0 <= P < 1)", spec);
		o->dur_kind = DUR_STICKY;
	} else if (n == 5 && strncmp(spec, "fixed", n) == 0 && !c2) {
		if (!(a >= 1 && a <= 1e9 && a == floor(a)))
			usage_error("bad duration '%s' (fixed:N wants an "
			    "integer of at least 1 frame)", spec);
		o->dur_kind = DUR_FIXED;
	} else if (n == 7 && strncmp(spec, "uniform", n) == 0 && c2) {
		if (!(a >= 1 && b >= a && b <= 1e9 && a == floor(a) &&
		    b == floor(b)))
			usage_error("bad duration '%s' (uniform:A:B wants "
			    "integers 1 <= A <= B)", spec);
		o->dur_kind = DUR_UNIFORM;
	} else
		goto bad;
	o->dur_a = a;
	o->dur_b = b;
	return;
bad:
	usage_error("bad duration '%s' (want geometric:MEDIAN, sticky:P, "
	    "fixed:N or uniform:A:B)", spec);
}

/*
 * duration_setup: the self-transition probability (geometric kinds, else
 * -1), median and mean of o's duration distribution, into m.  Geometric
 * with median M uses p = 0.5^(1/(M - 0.5)), so that P(d <= M-1) < 0.5 <
 * P(d <= M): the median is exactly M.
 */
static void
duration_setup(const struct opts *o, struct model *m)
{
	double p;

	switch (o->dur_kind) {
	case DUR_GEOMETRIC:
	case DUR_STICKY:
		p = o->dur_kind == DUR_STICKY ? o->dur_a :
		    pow(0.5, 1.0 / (o->dur_a - 0.5));
		m->self = p;
		m->mean = 1.0 / (1.0 - p);
		/* The smallest d with 1 - p^d >= 0.5. */
		m->median = p == 0 ? 1 : ceil(log(0.5) / log(p) - 1e-12);
		if (m->median < 1)
			m->median = 1;
		if (o->dur_kind == DUR_GEOMETRIC)
			m->median = o->dur_a;
		break;
	case DUR_FIXED:
		m->self = -1;
		m->median = m->mean = o->dur_a;
		break;
	default:
		m->self = -1;
		m->median = m->mean = (o->dur_a + o->dur_b) / 2;
	}
}

/* draw_duration: a segment length in frames (>= 1) from stream g. */
static uint64_t
draw_duration(const struct opts *o, const struct model *m, mz_rng *g)
{
	double u;

	switch (o->dur_kind) {
	case DUR_GEOMETRIC:
	case DUR_STICKY:
		u = unif_pos(g);
		if (m->self <= 0)
			return 1;
		u = floor(log(u) / log(m->self));
		return 1 + (u > 1e15 ? (uint64_t)1e15 : (uint64_t)u);
	case DUR_FIXED:
		return (uint64_t)o->dur_a;
	default:
		u = mz_rng_uniform(g) * (o->dur_b - o->dur_a + 1);
		return (uint64_t)o->dur_a + (uint64_t)u;
	}
}

/* -------------------------------------------------------------- model */

/*
 * spectral_radius: the largest eigenvalue modulus of the companion matrix
 * of the AR(L) dynamics A (L x D x D); dies if LAPACK fails.
 */
static double
spectral_radius(const double *A, int D, int L)
{
	int n = D * L;
	double *M = xcalloc((size_t)n * (size_t)n, sizeof(double));
	double *wr = xmalloc((size_t)n * sizeof(double));
	double *wi = xmalloc((size_t)n * sizeof(double));
	double r = 0;

	/* Row block 0: [A_1 A_2 ... A_L]; below it, identities shifting the
	 * lags (state vector [x_{t-1}; x_{t-2}; ...]). */
	for (int l = 0; l < L; l++)
		for (int i = 0; i < D; i++)
			for (int j = 0; j < D; j++)
				M[(size_t)i * n + l * D + j] =
				    A[((size_t)l * D + i) * D + j];
	for (int i = D; i < n; i++)
		M[(size_t)i * n + i - D] = 1;
	lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, M, n,
	    wr, wi, NULL, 1, NULL, 1);
	if (info != 0)
		die("LAPACKE_dgeev failed (%d) on a state's dynamics", (int)info);
	for (int i = 0; i < n; i++) {
		double a = hypot(wr[i], wi[i]);
		if (a > r)
			r = a;
	}
	free(M);
	free(wr);
	free(wi);
	return r;
}

/* orthonormalise: make column c of the p x q row-major matrix X
 * orthogonal to the unit vector u (length p). */
static void
project_out(double *X, int p, int q, int c, const double *u)
{
	double d = 0;

	for (int i = 0; i < p; i++)
		d += X[(size_t)i * q + c] * u[i];
	for (int i = 0; i < p; i++)
		X[(size_t)i * q + c] -= d * u[i];
}

/* bodypart_names: K names: nose, head, neck, spine1.., tailbase, taking
 * the first K-1 of nose, head, neck, spine1, ... and tailbase last. */
static char **
bodypart_names(int K)
{
	static const char *front[] = { "nose", "head", "neck" };
	char **v = xcalloc((size_t)K, sizeof(*v));
	char buf[32];

	for (int k = 0; k < K - 1; k++) {
		if (k < 3)
			v[k] = xstrdup(front[k]);
		else {
			snprintf(buf, sizeof(buf), "spine%d", k - 2);
			v[k] = xstrdup(buf);
		}
	}
	v[K - 1] = xstrdup("tailbase");
	return v;
}

/*
 * model_draw: draw the model of o from stream 0 of the seed.  Each state
 * gets random AR matrices (lag 1 near a random rotation, further lags
 * smaller) scaled so that the companion matrix has spectral radius rho in
 * [0.75, 0.95]; a fixed point mu ~ N(0, I); noise factor B =
 * s (I + 0.2 G) with s in [0.08, 0.25]; speed in [0, 3] px per frame and
 * turning rate N(0, 0.04^2) rad per frame.  The latent map C has columns
 * of norm LATENT_PX sqrt(2K), orthogonal to translations, to the
 * rotation of the mean pose and to a turn of the nose-tailbase axis (so
 * the heading is exactly the direction mz-align measures).
 */
static void
model_draw(const struct opts *o, struct model *m)
{
	int N = o->nstates, D = o->dim, L = o->order, K = o->nbp;
	size_t DD = (size_t)D * D;
	mz_rng g;

	memset(m, 0, sizeof(*m));
	m->N = N;
	m->D = D;
	m->L = L;
	m->K = K;
	duration_setup(o, m);
	mz_rng_seed(&g, o->seed, 0);
	m->A = xcalloc((size_t)N * L * DD, sizeof(double));
	m->b = xcalloc((size_t)N * D, sizeof(double));
	m->mu = xcalloc((size_t)N * D, sizeof(double));
	m->B = xcalloc((size_t)N * DD, sizeof(double));
	m->rho = xcalloc((size_t)N, sizeof(double));
	m->speed = xcalloc((size_t)N, sizeof(double));
	m->turn = xcalloc((size_t)N, sizeof(double));
	m->turnsd = xcalloc((size_t)N, sizeof(double));
	m->jump = xcalloc((size_t)N * N, sizeof(double));
	for (int k = 0; k < N; k++) {
		double *A = m->A + (size_t)k * L * DD;
		double target = 0.75 + 0.2 * mz_rng_uniform(&g), r, s;

		for (int l = 0; l < L; l++)
			for (size_t i = 0; i < DD; i++)
				A[l * DD + i] = normal(&g) / sqrt((double)D) *
				    (l == 0 ? 1.0 : 0.4);
		r = spectral_radius(A, D, L);
		if (!(r > 1e-9))
			r = 1e-9;
		/* Scaling lag l by c^l scales every eigenvalue by c. */
		for (int l = 0; l < L; l++) {
			double c = pow(target / r, l + 1);
			for (size_t i = 0; i < DD; i++)
				A[l * DD + i] *= c;
		}
		m->rho[k] = spectral_radius(A, D, L);
		for (int i = 0; i < D; i++)
			m->mu[k * D + i] = normal(&g);
		/* b = (I - sum_l A_l) mu */
		for (int i = 0; i < D; i++) {
			double v = m->mu[k * D + i];
			for (int l = 0; l < L; l++)
				for (int j = 0; j < D; j++)
					v -= A[l * DD + (size_t)i * D + j] *
					    m->mu[k * D + j];
			m->b[k * D + i] = v;
		}
		s = 0.08 + 0.17 * mz_rng_uniform(&g);
		for (int i = 0; i < D; i++)
			for (int j = 0; j < D; j++)
				m->B[k * DD + (size_t)i * D + j] = s *
				    ((i == j) + 0.2 * normal(&g));
		m->speed[k] = 3.0 * mz_rng_uniform(&g);
		m->turn[k] = 0.04 * normal(&g);
		m->turnsd[k] = 0.01 + 0.03 * mz_rng_uniform(&g);
	}
	/* Jumps: row i is Dirichlet(1, ..., 1) over the other states. */
	for (int i = 0; i < N; i++) {
		double sum = 0;
		for (int j = 0; j < N; j++)
			if (j != i)
				sum += (m->jump[i * N + j] = gamma_draw(&g, 1));
		for (int j = 0; j < N; j++)
			m->jump[i * N + j] = N == 1 ? (j == i) :
			    m->jump[i * N + j] / sum;
	}
	/* The mean pose: keypoints evenly along the body axis, nose at
	 * +BODY_LENGTH/2, a slight sideways bend of the middle. */
	m->pose = xcalloc(2 * (size_t)K, sizeof(double));
	for (int k = 0; k < K; k++) {
		double f = (double)k / (K - 1);
		m->pose[2 * k] = BODY_LENGTH * (0.5 - f);
		m->pose[2 * k + 1] = 4.0 * sin(M_PI * f);
	}
	/* Centre the mean pose, so that the mean of the keypoints is the
	 * centroid. */
	for (int c = 0; c < 2; c++) {
		double s = 0;
		for (int k = 0; k < K; k++)
			s += m->pose[2 * k + c];
		for (int k = 0; k < K; k++)
			m->pose[2 * k + c] -= s / K;
	}
	m->C = xcalloc(2 * (size_t)K * D, sizeof(double));
	for (size_t i = 0; i < 2 * (size_t)K * D; i++)
		m->C[i] = normal(&g);
	{
		int p = 2 * K;
		double *u = xcalloc((size_t)p, sizeof(double)), nrm = 0;
		double *w = xcalloc((size_t)p, sizeof(double));

		for (int c = 0; c < D; c++) {
			for (int axis = 0; axis < 2; axis++) {
				for (int i = 0; i < p; i++)
					u[i] = (i % 2 == axis) / sqrt((double)K);
				project_out(m->C, p, D, c, u);
			}
			/* The rotation direction (-y, x), made orthogonal to
			 * the translations (it is: the pose is centred). */
			nrm = 0;
			for (int k = 0; k < K; k++) {
				u[2 * k] = -m->pose[2 * k + 1];
				u[2 * k + 1] = m->pose[2 * k];
				nrm += u[2 * k] * u[2 * k] +
				    u[2 * k + 1] * u[2 * k + 1];
			}
			for (int i = 0; i < p; i++)
				u[i] /= sqrt(nrm);
			project_out(m->C, p, D, c, u);
			/* The body axis: the heading is the direction from
			 * tailbase to nose, as mz-align measures it, so the
			 * posture must not turn that axis: nose.y - tailbase.y
			 * stays 0.  The direction e(nose.y) - e(tailbase.y),
			 * made orthogonal to the rotation direction u (it is
			 * orthogonal to the translations already), is
			 * projected out as well. */
			{
				double d = u[1] - u[2 * K - 1], a = 0;
				for (int i = 0; i < p; i++)
					w[i] = (i == 1) - (i == 2 * K - 1) -
					    d * u[i];
				for (int i = 0; i < p; i++)
					a += w[i] * w[i];
				for (int i = 0; i < p; i++)
					w[i] /= sqrt(a);
				project_out(m->C, p, D, c, w);
			}
			nrm = 0;
			for (int i = 0; i < p; i++)
				nrm += m->C[(size_t)i * D + c] *
				    m->C[(size_t)i * D + c];
			for (int i = 0; i < p; i++)
				m->C[(size_t)i * D + c] *= LATENT_PX *
				    sqrt((double)p) / sqrt(nrm);
		}
		free(u);
		free(w);
	}
	m->names = bodypart_names(K);
}

/* model_free: free what model_draw allocated. */
static void
model_free(struct model *m)
{
	free(m->A);
	free(m->b);
	free(m->mu);
	free(m->B);
	free(m->rho);
	free(m->speed);
	free(m->turn);
	free(m->turnsd);
	free(m->jump);
	free(m->pose);
	free(m->C);
	for (int k = 0; k < m->K; k++)
		free(m->names[k]);
	free(m->names);
}

/* ------------------------------------------------------------- header */

/* jarray: a JSON array of n numbers (dies when out of memory). */
static cJSON *
jarray(const double *v, int n)
{
	cJSON *a = cJSON_CreateDoubleArray(v, n);

	if (a == NULL)
		die("out of memory");
	return a;
}

/* xset: set meta key of h to item, dying on failure. */
static void
xset(mz_header *h, const char *key, cJSON *item)
{
	mz_err e;

	if (item == NULL || mz_meta_set(h, key, item, &e) < 0)
		die("out of memory");
}

/* xcol: add a column, dying on failure. */
static void
xcol(mz_header *h, const char *name, mz_type t, const char *unit)
{
	mz_err e;

	if (mz_header_add_column(h, name, t, unit, &e) < 0)
		die_err(&e);
}

/*
 * truth_meta: the "simulate" metadata object: the options and the
 * model's summary (the true parameters a fit should recover).
 */
static cJSON *
truth_meta(const struct opts *o, const struct model *m)
{
	cJSON *s = cJSON_CreateObject(), *d = cJSON_CreateObject(), *a;
	cJSON *jump = cJSON_CreateArray();
	double c[2] = { o->arena, o->arena };

	if (s == NULL || d == NULL || jump == NULL)
		die("out of memory");
	cJSON_AddNumberToObject(s, "states", m->N);
	cJSON_AddNumberToObject(s, "latent_dim", m->D);
	cJSON_AddNumberToObject(s, "order", m->L);
	cJSON_AddStringToObject(d, "spec", o->dur_spec);
	if (m->self >= 0)
		cJSON_AddNumberToObject(d, "self_transition", m->self);
	else
		cJSON_AddNullToObject(d, "self_transition");
	cJSON_AddNumberToObject(d, "median_frames", m->median);
	cJSON_AddNumberToObject(d, "mean_frames", m->mean);
	cJSON_AddNumberToObject(d, "median_ms", m->median * 1000 / o->fps);
	cJSON_AddItemToObject(s, "duration", d);
	cJSON_AddNumberToObject(s, "median_duration_frames", m->median);
	for (int i = 0; i < m->N; i++)
		cJSON_AddItemToArray(jump, jarray(m->jump + (size_t)i * m->N,
		    m->N));
	cJSON_AddItemToObject(s, "jumps", jump);
	cJSON_AddItemToObject(s, "spectral_radius", jarray(m->rho, m->N));
	cJSON_AddItemToObject(s, "speed", jarray(m->speed, m->N));
	cJSON_AddItemToObject(s, "turn", jarray(m->turn, m->N));
	a = cJSON_CreateObject();
	if (a == NULL)
		die("out of memory");
	cJSON_AddItemToObject(a, "center", jarray(c, 2));
	cJSON_AddNumberToObject(a, "radius", o->arena);
	cJSON_AddItemToObject(s, "arena", a);
	cJSON_AddNumberToObject(s, "body_length", BODY_LENGTH);
	cJSON_AddNumberToObject(s, "noise", o->noise);
	cJSON_AddNumberToObject(s, "missing", o->missing);
	cJSON_AddNumberToObject(s, "outliers", o->outliers);
	cJSON_AddNumberToObject(s, "seed", (double)o->seed);
	return s;
}

/* history_opts: the canonical options for the history entry. */
static cJSON *
history_opts(const struct opts *o)
{
	cJSON *h = opts_new();

	opts_num(h, "sequences", (double)o->nseq);
	opts_num(h, "frames", (double)o->nframes);
	opts_num(h, "states", o->nstates);
	opts_num(h, "dim", o->dim);
	opts_num(h, "order", o->order);
	opts_num(h, "bodyparts", o->nbp);
	opts_num(h, "groups", o->ngroups);
	opts_str(h, "duration", o->dur_spec);
	opts_num(h, "fps", o->fps);
	opts_num(h, "arena", o->arena);
	opts_num(h, "noise", o->noise);
	opts_num(h, "missing", o->missing);
	opts_num(h, "outliers", o->outliers);
	opts_num(h, "seed", (double)o->seed);
	opts_str(h, "columns", !o->keypoints ? "truth-only" :
	    o->truth ? "keypoints+truth" : "keypoints");
	opts_bool(h, "latent", o->latent);
	return h;
}

/* part_header: the header of sequence s. */
static mz_header *
part_header(const struct opts *o, const struct model *m, uint64_t s)
{
	mz_header *h = mz_header_new();
	char name[64];
	int width = 1;
	cJSON *bps, *skel, *inds;

	if (h == NULL)
		die("out of memory");
	xcol(h, "frame", MZ_I64, NULL);
	xcol(h, "time", MZ_F64, "s");
	xcol(h, "id", MZ_I32, NULL);
	if (o->keypoints)
		for (int k = 0; k < m->K; k++) {
			snprintf(name, sizeof(name), "%s.x", m->names[k]);
			xcol(h, name, MZ_F64, "px");
			snprintf(name, sizeof(name), "%s.y", m->names[k]);
			xcol(h, name, MZ_F64, "px");
			snprintf(name, sizeof(name), "%s.p", m->names[k]);
			xcol(h, name, MZ_F64, NULL);
		}
	if (o->truth)
		xcol(h, "state", MZ_I32, NULL);
	if (o->latent)
		for (int i = 0; i < m->D; i++) {
			snprintf(name, sizeof(name), "latent%d", i);
			xcol(h, name, MZ_F64, NULL);
		}
	for (uint64_t n = o->nseq - 1; n >= 10; n /= 10)
		width++;
	snprintf(name, sizeof(name), "sim%0*llu", width & 31,
	    (unsigned long long)s);
	xset(h, "sequence", cJSON_CreateString(name));
	snprintf(name, sizeof(name), "g%llu",
	    (unsigned long long)(s % (uint64_t)o->ngroups));
	xset(h, "group", cJSON_CreateString(o->ngroups > 1 ? name : "sim"));
	xset(h, "individual", cJSON_CreateString("animal"));
	inds = cJSON_CreateArray();
	if (inds == NULL ||
	    !cJSON_AddItemToArray(inds, cJSON_CreateString("animal")))
		die("out of memory");
	xset(h, "individuals", inds);
	xset(h, "fps", cJSON_CreateNumber(o->fps));
	xset(h, "units", cJSON_CreateString("px"));
	bps = cJSON_CreateArray();
	skel = cJSON_CreateArray();
	if (bps == NULL || skel == NULL)
		die("out of memory");
	for (int k = 0; k < m->K; k++) {
		cJSON *pair = cJSON_CreateArray();
		if (!cJSON_AddItemToArray(bps, cJSON_CreateString(m->names[k])))
			die("out of memory");
		if (k == 0) {
			cJSON_Delete(pair);
			continue;
		}
		if (pair == NULL || !cJSON_AddItemToArray(pair,
		    cJSON_CreateString(m->names[k - 1])) ||
		    !cJSON_AddItemToArray(pair,
		    cJSON_CreateString(m->names[k])) ||
		    !cJSON_AddItemToArray(skel, pair))
			die("out of memory");
	}
	xset(h, "bodyparts", bps);
	xset(h, "skeleton", skel);
	xset(h, "anterior", cJSON_CreateString(m->names[0]));
	xset(h, "posterior", cJSON_CreateString(m->names[m->K - 1]));
	xset(h, "source_format", cJSON_CreateString("mz-simulate"));
	xset(h, "simulate", truth_meta(o, m));
	history_add(h, history_opts(o));
	return h;
}

/* ---------------------------------------------------------- sequences */

/* next_state: a state drawn from row z of the jump matrix (or uniformly
 * when z < 0). */
static int
next_state(const struct model *m, int z, mz_rng *g)
{
	double u = mz_rng_uniform(g), c = 0;

	if (z < 0)
		return (int)(u * m->N) < m->N ? (int)(u * m->N) : m->N - 1;
	for (int j = 0; j < m->N; j++) {
		c += m->jump[(size_t)z * m->N + j];
		if (u < c)
			return j;
	}
	/* Rounding left u above the last sum: the last possible state. */
	for (int j = m->N - 1; j >= 0; j--)
		if (m->jump[(size_t)z * m->N + j] > 0)
			return j;
	return z;
}

/* seq_init: start sequence s: streams, first state, latent history at the
 * state's fixed point, heading and centroid drawn in the arena's inner
 * half. */
static void
seq_init(struct seq *q, const struct opts *o, const struct model *m,
    uint64_t s)
{
	double r, a;

	mz_rng_seed(&q->gz, o->seed, 2 * s + 1);
	mz_rng_seed(&q->gy, o->seed, 2 * s + 2);
	q->z = -1;
	q->left = 0;
	q->hist = xcalloc((size_t)m->L * m->D, sizeof(double));
	q->h = M_PI * (2 * mz_rng_uniform(&q->gz) - 1);
	r = 0.5 * (o->arena - BODY_LENGTH) * sqrt(mz_rng_uniform(&q->gz));
	a = 2 * M_PI * mz_rng_uniform(&q->gz);
	q->vx = o->arena + r * cos(a);
	q->vy = o->arena + r * sin(a);
}

/*
 * seq_step: advance sequence q by one frame: the state (a new segment when
 * the current one is used up), the latent x (written to x, D values), the
 * heading and the centroid, reflected at the arena wall so that every
 * keypoint of the noiseless pose stays inside; the noiseless keypoints go
 * to pts (2K values, world coordinates).
 */
static void
seq_step(struct seq *q, const struct opts *o, const struct model *m,
    double *x, double *ego, double *pts)
{
	int D = m->D, L = m->L, K = m->K;
	size_t DD = (size_t)D * D;
	double eps[MAX_DIM], reach = 0, bound, dx, dy, r, c, s;

	if (q->left == 0) {
		int first = q->z < 0;
		q->z = next_state(m, q->z, &q->gz);
		q->left = draw_duration(o, m, &q->gz);
		if (first)
			for (int l = 0; l < L; l++)
				memcpy(q->hist + (size_t)l * D,
				    m->mu + (size_t)q->z * D,
				    (size_t)D * sizeof(double));
	}
	q->left--;
	int z = q->z;
	const double *A = m->A + (size_t)z * L * DD;
	for (int i = 0; i < D; i++)
		eps[i] = normal(&q->gz);
	for (int i = 0; i < D; i++) {
		double v = m->b[(size_t)z * D + i];
		for (int l = 0; l < L; l++)
			for (int j = 0; j < D; j++)
				v += A[l * DD + (size_t)i * D + j] *
				    q->hist[(size_t)l * D + j];
		for (int j = 0; j < D; j++)
			v += m->B[(size_t)z * DD + (size_t)i * D + j] * eps[j];
		x[i] = v;
	}
	memmove(q->hist + D, q->hist, (size_t)(L - 1) * D * sizeof(double));
	memcpy(q->hist, x, (size_t)D * sizeof(double));

	q->h += m->turn[z] + m->turnsd[z] * normal(&q->gz);
	q->h = remainder(q->h, 2 * M_PI);
	q->vx += m->speed[z] * cos(q->h) + 0.3 * normal(&q->gz);
	q->vy += m->speed[z] * sin(q->h) + 0.3 * normal(&q->gz);

	for (int k = 0; k < 2 * K; k++) {
		double v = m->pose[k];
		for (int j = 0; j < D; j++)
			v += m->C[(size_t)k * D + j] * x[j];
		ego[k] = v;
	}
	for (int k = 0; k < K; k++) {
		double d = hypot(ego[2 * k], ego[2 * k + 1]);
		if (d > reach)
			reach = d;
	}
	bound = o->arena - reach;
	if (bound < 0)
		bound = 0;
	dx = q->vx - o->arena;
	dy = q->vy - o->arena;
	r = hypot(dx, dy);
	if (r > bound) {
		/* Reflect the centroid into the disc of radius bound, and the
		 * heading at the wall's tangent when it points outward. */
		double nx = dx / r, ny = dy / r, rr = 2 * bound - r;
		double hx = cos(q->h), hy = sin(q->h), dot = hx * nx + hy * ny;
		if (rr < 0)
			rr = 0;
		q->vx = o->arena + nx * rr;
		q->vy = o->arena + ny * rr;
		if (dot > 0)
			q->h = atan2(hy - 2 * dot * ny, hx - 2 * dot * nx);
	}
	c = cos(q->h);
	s = sin(q->h);
	for (int k = 0; k < K; k++) {
		pts[2 * k] = q->vx + c * ego[2 * k] - s * ego[2 * k + 1];
		pts[2 * k + 1] = q->vy + s * ego[2 * k] + c * ego[2 * k + 1];
	}
}

/*
 * observe: the observation of keypoint (px, py) from stream g into
 * *ox, *oy, *op.  Every call draws the same number of values whatever
 * the options: one uniform (missing below missing, an outlier below
 * missing + outliers), the confidence, two noise
 * normals, the outlier's distance, angle and confidence.  The confidence
 * is Beta(5, 1.5); the noise sd is noise (0.5 + 2 (1 - p)), so noisier
 * points have lower confidence.  A missing point is NaN with p = 0; an
 * outlier moves 3 to 5 body lengths in a random direction and gets a
 * confidence Beta(1.5, 8).
 */
static void
observe(const struct opts *o, mz_rng *g, double px, double py,
    double *ox, double *oy, double *op)
{
	double u = mz_rng_uniform(g);
	double p = beta_draw(g, 5, 1.5), sd = o->noise * (0.5 + 2 * (1 - p));
	double nx = normal(g), ny = normal(g);
	double dist = BODY_LENGTH * (3 + 2 * mz_rng_uniform(g));
	double ang = 2 * M_PI * mz_rng_uniform(g);
	double po = beta_draw(g, 1.5, 8);

	if (u < o->missing) {
		*ox = *oy = NAN;
		*op = 0;
	} else if (u < o->missing + o->outliers) {
		*ox = px + dist * cos(ang);
		*oy = py + dist * sin(ang);
		*op = po;
	} else {
		*ox = px + sd * nx;
		*oy = py + sd * ny;
		*op = p;
	}
}

/* simulate: write all sequences of o to w. */
static void
simulate(const struct opts *o, const struct model *m, mz_writer *w)
{
	int K = m->K, D = m->D;
	size_t ncol = 3 + (o->keypoints ? 3 * (size_t)K : 0) +
	    (o->truth ? 1 : 0) + (o->latent ? (size_t)D : 0);
	void **cols = xcalloc(ncol, sizeof(*cols));
	double x[MAX_DIM], *ego = xmalloc(2 * (size_t)K * sizeof(double));
	double *pts = xmalloc(2 * (size_t)K * sizeof(double));
	progress *pr = progress_start("mz-simulate", o->nseq * o->nframes);
	mz_err e;

	for (size_t j = 0; j < ncol; j++)
		cols[j] = xmalloc(CHUNK * 8);
	for (uint64_t s = 0; s < o->nseq; s++) {
		mz_header *h = part_header(o, m, s);
		struct seq q;

		seq_init(&q, o, m, s);
		if (mz_writer_begin_part(w, h, &e) < 0)
			die_err(&e);
		mz_header_free(h);
		for (uint64_t f0 = 0; f0 < o->nframes; f0 += CHUNK) {
			size_t n = o->nframes - f0 < CHUNK ?
			    (size_t)(o->nframes - f0) : CHUNK;
			for (size_t i = 0; i < n; i++) {
				uint64_t f = f0 + i;
				size_t c = 3;
				seq_step(&q, o, m, x, ego, pts);
				((int64_t *)cols[0])[i] = (int64_t)f;
				((double *)cols[1])[i] = (double)f / o->fps;
				((int32_t *)cols[2])[i] = 0;
				if (o->keypoints)
					for (int k = 0; k < K; k++, c += 3)
						observe(o, &q.gy, pts[2 * k],
						    pts[2 * k + 1],
						    (double *)cols[c] + i,
						    (double *)cols[c + 1] + i,
						    (double *)cols[c + 2] + i);
				if (o->truth)
					((int32_t *)cols[c++])[i] = q.z;
				if (o->latent)
					for (int d = 0; d < D; d++)
						((double *)cols[c++])[i] = x[d];
			}
			if (mz_writer_append(w, n, (const void *const *)cols,
			    &e) < 0)
				die_err(&e);
			progress_update(pr, s * o->nframes + f0 + n);
		}
		if (mz_writer_end_part(w, &e) < 0)
			die_err(&e);
		free(q.hist);
	}
	progress_end(pr);
	for (size_t j = 0; j < ncol; j++)
		free(cols[j]);
	free(cols);
	free(ego);
	free(pts);
}

/* parse_int: an integer option in [lo, hi] (usage error otherwise). */
static int
parse_int(const char *s, const char *what, int lo, int hi)
{
	uint64_t v = parse_count(s, what);

	if (v < (uint64_t)lo || v > (uint64_t)hi)
		usage_error("bad %s '%s' (want %d to %d)", what, s, lo, hi);
	return (int)v;
}

/* parse_fraction: a number in [0, 1]. */
static double
parse_fraction(const char *s, const char *what)
{
	double v = parse_double(s, what);

	if (v < 0 || v > 1)
		usage_error("bad %s '%s' (want a fraction from 0 to 1)", what, s);
	return v;
}

int
main(int argc, char **argv)
{
	enum { OPT_ARENA = OPT_FIRST_TOOL_OPT, OPT_FPS, OPT_LATENT,
		OPT_MISSING, OPT_NOISE, OPT_NOTRUTH, OPT_TRUTHONLY,
		OPT_OUTLIERS, OPT_SEED };
	static const struct option longopts[] = {
		{ "arena", required_argument, NULL, OPT_ARENA },
		{ "codec", required_argument, NULL, 'c' },
		{ "dim", required_argument, NULL, 'l' },
		{ "duration", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "fps", required_argument, NULL, OPT_FPS },
		{ "frames", required_argument, NULL, 'n' },
		{ "groups", required_argument, NULL, 'g' },
		{ "bodyparts", required_argument, NULL, 'k' },
		{ "latent", no_argument, NULL, OPT_LATENT },
		{ "missing", required_argument, NULL, OPT_MISSING },
		{ "noise", required_argument, NULL, OPT_NOISE },
		{ "no-truth", no_argument, NULL, OPT_NOTRUTH },
		{ "order", required_argument, NULL, 'r' },
		{ "outliers", required_argument, NULL, OPT_OUTLIERS },
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "sequences", required_argument, NULL, 's' },
		{ "states", required_argument, NULL, 'z' },
		{ "truth-only", no_argument, NULL, OPT_TRUTHONLY },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .nseq = 5, .nframes = 10000, .seed = 0,
		.nstates = 8, .dim = 6, .order = 3, .nbp = 8, .ngroups = 1,
		.fps = 30, .arena = 250, .noise = 1, .truth = 1,
		.keypoints = 1 };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	const char *outpath = NULL;
	int c, force = 0, notruth = 0, truthonly = 0;
	struct model m;
	mz_writer *w;
	mz_err e;

	tool_init("mz-simulate", SYNOPSIS);
	parse_duration(&o, "geometric:12");
	while ((c = getopt_long(argc, argv, "c:d:fg:hk:l:n:o:qr:s:z:",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			wo.codec = parse_codec(optarg);
			break;
		case 'd':
			parse_duration(&o, optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'g':
			o.ngroups = parse_int(optarg, "group count", 1, 1000000);
			break;
		case 'k':
			o.nbp = parse_int(optarg, "bodypart count", 2,
			    MAX_BODYPARTS);
			break;
		case 'l':
			o.dim = parse_int(optarg, "latent dimension", 1, MAX_DIM);
			break;
		case 'n':
			o.nframes = parse_count(optarg, "frame count");
			if (o.nframes == 0 || o.nframes > (uint64_t)1e12)
				usage_error("bad frame count '%s' (want 1 to "
				    "10^12)", optarg);
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'r':
			o.order = parse_int(optarg, "AR order", 1, 3);
			break;
		case 's':
			o.nseq = parse_count(optarg, "sequence count");
			if (o.nseq == 0 || o.nseq > 1000000)
				usage_error("bad sequence count '%s' (want 1 to "
				    "1000000)", optarg);
			break;
		case 'z':
			o.nstates = parse_int(optarg, "state count", 1,
			    MAX_STATES);
			break;
		case OPT_ARENA:
			o.arena = parse_double(optarg, "arena radius");
			if (o.arena < 2 * BODY_LENGTH)
				usage_error("bad arena radius '%s' (want at "
				    "least %g px, two body lengths)", optarg,
				    2 * BODY_LENGTH);
			break;
		case OPT_FPS:
			o.fps = parse_double(optarg, "frame rate");
			if (!(o.fps > 0))
				usage_error("bad frame rate '%s' (want a "
				    "positive number)", optarg);
			break;
		case OPT_LATENT:
			o.latent = 1;
			break;
		case OPT_MISSING:
			o.missing = parse_fraction(optarg, "missing fraction");
			break;
		case OPT_NOISE:
			o.noise = parse_double(optarg, "noise");
			if (o.noise < 0)
				usage_error("bad noise '%s' (want a "
				    "non-negative number of px)", optarg);
			break;
		case OPT_NOTRUTH:
			notruth = 1;
			break;
		case OPT_TRUTHONLY:
			truthonly = 1;
			break;
		case OPT_OUTLIERS:
			o.outliers = parse_fraction(optarg, "outlier fraction");
			break;
		case OPT_SEED:
			if (mz_parse_seed(optarg, &o.seed, &e) < 0)
				usage_error("bad seed '%s' (want an integer "
				    "from 0 to 2^64-1)", optarg);
			break;
		default:
			tool_stdopt(c);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s' (mz-simulate reads no "
		    "input)", argv[optind]);
	if (notruth && truthonly)
		usage_error("--no-truth and --truth-only exclude each other");
	if (o.missing + o.outliers > 1)
		usage_error("--missing and --outliers add up to more than 1");
	if (o.nseq > UINT64_MAX / o.nframes)
		usage_error("too many frames in all");
	o.truth = !notruth;
	o.keypoints = !truthonly;

	model_draw(&o, &m);
	w = out_writer(outpath, force, &wo);
	simulate(&o, &m, w);
	model_free(&m);
	out_close(w);
	return 0;
}
