/*
 * mz-arhmm - keypoint-MoSeq's autoregressive hidden Markov model (the
 * "AR-only" stage) on latent trajectories: fit it by Gibbs sampling, or
 * label new recordings with a fitted model (see mz-arhmm(1)).
 *
 * The model and the sampler follow jax-moseq (models/arhmm, utils/
 * transitions): a weak-limit sticky HDP-HMM over K states with Gaussian
 * AR(L) emissions under a matrix-normal inverse-Wishart prior.  A sweep
 * is: transition counts -> auxiliary table counts -> beta -> pi; per
 * state sufficient statistics -> (Q, Ab) from the MNIW posterior; then z
 * by forward filtering (scaled probabilities) and backward sampling.
 *
 * Work is parallel over states (AR updates) and over sequences (FFBS).
 * Every random draw comes from a stream named by (sweep, step, index)
 * (mz_rng_seed), and sums are formed in a fixed order, so the output does
 * not depend on --threads, and a fit resumed from a checkpoint continues
 * exactly as an uninterrupted one.  OpenBLAS is kept to one thread per
 * call: the parallelism is ours, and deterministic.
 *
 * Memory: the latent data (frames x D), the states (frames), and per
 * thread one frames x K array for the longest sequence.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <lapacke.h>

#include "common.h"

#define SYNOPSIS \
	"mz-arhmm fit [-fqv] [-c columns] [-k columns] [-n sweeps] " \
	"[-s file] [--alpha a] [--checkpoint-every n] [--codec codec] " \
	"[--gamma g] [--k0-scale k] [--kappa k] [--kappa-range min:max] " \
	"[--nlags n] [--num-states n] [--resume] [--s0-scale s] " \
	"[--seed n] [--target-duration min:max] [--threads n] " \
	"-o dir [file ...]\n" \
	"mz-arhmm apply [-fq] [-k columns] [-n sweeps] [--codec codec] " \
	"[--marginals] [--seed n] [--threads n] [--viterbi] [-o file] " \
	"model [file ...]"

enum { OPT_ALPHA = OPT_FIRST_TOOL_OPT, OPT_CHECKPOINT, OPT_CODEC,
	OPT_GAMMA, OPT_K0, OPT_KAPPA, OPT_NLAGS, OPT_NSTATES, OPT_RESUME,
	OPT_S0, OPT_SEED, OPT_TARGET, OPT_THREADS, OPT_VITERBI,
	OPT_MARGINALS, OPT_KRANGE };

#define MODEL_KIND "mz-arhmm model"
#define FORMAT 1
#define MAX_JSON ((size_t)1 << 30)
#define NB 64                 /* frames per emission block */
#define MAX_STATES 10000
#define MAX_DIM 1000
#define MAX_LAGS 100
#define CLAMP 1e-15           /* smallest nonzero filtered probability */
#define BOOST 1e-6            /* upstream's psd_inv/psd_solve boost */
#define TINY32 1.1754943508222875e-38 /* float32 tiny, upstream's eps */

/* Random stream tags: stream = sweep << 40 | tag << 32 | index. */
enum { TAG_TRANS = 1, TAG_AR = 2, TAG_Z = 3, TAG_APPLY = 4 };

static const char *const model_files[] = { "model.json", "beta.f64",
	"pi.f64", "Ab.f64", "Q.f64", "z.i32", "history.csv", "_SUCCESS",
	NULL };

/* ------------------------------------------------------------ helpers */

/* now_s: a monotonic clock in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* stream_id: the random stream of (sweep, tag, index). */
static uint64_t
stream_id(uint64_t sweep, unsigned tag, uint64_t index)
{
	return sweep << 40 | (uint64_t)tag << 32 | (index & 0xffffffffu);
}

/* jints: a JSON array of the n counts v[]. */
static cJSON *
jints(const int64_t *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	if (a == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		jadd(a, NULL, jint((uint64_t)v[i]));
	return a;
}

/* jdouble: the finite number member key of o. */
static double
jdouble(const cJSON *o, const char *key, const char *where)
{
	double v = jget(o, key, cJSON_IsNumber, "a number", where)->valuedouble;

	if (!isfinite(v))
		die("%s: '%s' is not finite", where, key);
	return v;
}

/* ------------------------------------------------------------ random */

/* runif_pos: a uniform draw in (0, 1]. */
static double
runif_pos(mz_rng *g)
{
	return 1.0 - mz_rng_uniform(g);
}

/* rnorm: a standard normal draw (Marsaglia's polar method; the second
 * value is discarded so that a draw consumes a fixed-by-outcome amount). */
static double
rnorm(mz_rng *g)
{
	double u, v, s;

	do {
		u = 2 * mz_rng_uniform(g) - 1;
		v = 2 * mz_rng_uniform(g) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	return u * sqrt(-2 * log(s) / s);
}

/*
 * rlgamma: the logarithm of a Gamma(a, 1) draw, -inf for a <= 0.  a >= 1:
 * Marsaglia and Tsang; a < 1: log G(a + 1) + log(U) / a, which stays
 * finite where G(a) itself would underflow (tiny Dirichlet weights).
 */
static double
rlgamma(mz_rng *g, double a)
{
	double boost = 0, d, c;

	if (!(a > 0))
		return -INFINITY;
	if (a < 1) {
		boost = log(runif_pos(g)) / a;
		a += 1;
	}
	d = a - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		double x = rnorm(g), v = 1 + c * x, u;
		if (v <= 0)
			continue;
		v = v * v * v;
		u = runif_pos(g);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return log(d * v) + boost;
	}
}

/* rchisq: a chi-squared draw with nu degrees of freedom (nu > 0). */
static double
rchisq(mz_rng *g, double nu)
{
	return 2 * exp(rlgamma(g, nu / 2));
}

/* rdirichlet: out[0..n) ~ Dirichlet(a[0..n)), drawn in log space (log
 * gammas, then normalised); entries with a <= 0 get 0. */
static void
rdirichlet(mz_rng *g, const double *a, size_t n, double *out)
{
	double m = -INFINITY, s = 0;

	for (size_t i = 0; i < n; i++) {
		out[i] = rlgamma(g, a[i]);
		if (out[i] > m)
			m = out[i];
	}
	for (size_t i = 0; i < n; i++)
		s += out[i] = out[i] == -INFINITY ? 0 : exp(out[i] - m);
	for (size_t i = 0; i < n; i++)
		out[i] /= s;
}

/* rcrt: the number of tables n customers occupy in a Chinese restaurant
 * with concentration c: sum over r < n of Bernoulli(c / (r + c)). */
static int64_t
rcrt(mz_rng *g, int64_t n, double c)
{
	int64_t m = 0;

	for (int64_t r = 0; r < n; r++)
		m += mz_rng_uniform(g) < c / ((double)r + c);
	return m;
}

/* rbinom: a Binomial(n, p) draw, as the count of n Bernoulli(p). */
static int64_t
rbinom(mz_rng *g, int64_t n, double p)
{
	int64_t m = 0;

	for (int64_t r = 0; r < n; r++)
		m += mz_rng_uniform(g) < p;
	return m;
}

/* rcat: an index drawn with probabilities proportional to w[0..n) (not
 * all zero). */
static int
rcat(mz_rng *g, const double *w, int n)
{
	double s = 0, u, c = 0;
	int last = 0;

	for (int i = 0; i < n; i++)
		s += w[i];
	u = mz_rng_uniform(g) * s;
	for (int i = 0; i < n; i++) {
		if (w[i] > 0)
			last = i;
		c += w[i];
		if (u < c)
			return i;
	}
	return last;
}

/* ------------------------------------------------------------ model */

/* Hyperparameters and sizes. */
struct hyper {
	int K;            /* states */
	int D;            /* latent dimensions */
	int L;            /* AR lags */
	double alpha, gamma, kappa;
	double s0;        /* S0 = s0 I */
	double k0;        /* K0 = k0 I */
};

/* npar: regressors per state, D L + 1 (lags oldest first, then 1). */
static int
npar(const struct hyper *hp)
{
	return hp->D * hp->L + 1;
}

/* nwin: the length of a design row [x_{t-L} .. x_{t-1}, x_t, 1]. */
static int
nwin(const struct hyper *hp)
{
	return hp->D * (hp->L + 1) + 1;
}

/* The parameters, in the sampler's (internal) state order. */
struct params {
	double *beta;     /* K */
	double *pi;       /* K x K, row i: P(next | i) */
	double *Ab;       /* K x D x P, row-major per state */
	double *Q;        /* K x D x D */
};

/* params_alloc: zeroed arrays for hp's sizes. */
static void
params_alloc(struct params *p, const struct hyper *hp)
{
	size_t K = (size_t)hp->K, D = (size_t)hp->D;

	p->beta = xcalloc(K, sizeof(double));
	p->pi = xcalloc(K * K, sizeof(double));
	p->Ab = xcalloc(K * D * (size_t)npar(hp), sizeof(double));
	p->Q = xcalloc(K * D * D, sizeof(double));
}

/* params_free: release p's arrays (p itself is not freed). */
static void
params_free(struct params *p)
{
	free(p->beta);
	free(p->pi);
	free(p->Ab);
	free(p->Q);
}

/*
 * What the likelihoods need, derived from the parameters: for state k
 * with Q_k = L_k L_k^T, the whitened residual L_k^{-1}(x_t - A_k u_t - b_k)
 * is Bt^T v_t for the design row v_t = [x_{t-L} .. x_t, 1]; Bt is W x (K D)
 * row-major (column k D + d: output d of state k).  cst[k] = -sum log
 * diag L_k - D/2 log 2 pi.  piT is pi transposed (columns contiguous).
 */
struct emis {
	double *Bt;
	double *cst;
	double *piT;
	double *logpi;    /* log pi, for path likelihoods and Viterbi */
};

/* emis_alloc: zeroed arrays of em for hp's sizes. */
static void
emis_alloc(struct emis *em, const struct hyper *hp)
{
	size_t K = (size_t)hp->K, D = (size_t)hp->D;

	em->Bt = xcalloc((size_t)nwin(hp) * K * D, sizeof(double));
	em->cst = xcalloc(K, sizeof(double));
	em->piT = xcalloc(K * K, sizeof(double));
	em->logpi = xcalloc(K * K, sizeof(double));
}

/* emis_free: release em's arrays. */
static void
emis_free(struct emis *em)
{
	free(em->Bt);
	free(em->cst);
	free(em->piT);
	free(em->logpi);
}

/* symmetrize: A = (A + A^T) / 2 for the n x n row-major A. */
static void
symmetrize(double *A, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			double v = (A[i * n + j] + A[j * n + i]) / 2;
			A[i * n + j] = A[j * n + i] = v;
		}
}

/* chol_lower: the lower Cholesky factor of the symmetric n x n A into L
 * (upper part zeroed); returns 0, or -1 if A is not positive definite or
 * not finite. */
static int
chol_lower(const double *A, int n, double *L)
{
	for (int i = 0; i < n * n; i++)
		if (!isfinite(A[i]))
			return -1;
	memcpy(L, A, (size_t)n * (size_t)n * sizeof(double));
	if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, L, n) != 0)
		return -1;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			L[i * n + j] = 0;
	return 0;
}

/* emis_state: fill state k's columns of em from its Ab and Q; returns 0,
 * or -1 if Q_k is not positive definite. */
static int
emis_state(struct emis *em, const struct hyper *hp, const struct params *p,
    int k)
{
	int D = hp->D, P = npar(hp), W = nwin(hp), DL = hp->D * hp->L;
	size_t KD = (size_t)hp->K * (size_t)D;
	const double *Ab = p->Ab + (size_t)k * (size_t)D * (size_t)P;
	double *Lq = xmalloc((size_t)D * (size_t)D * sizeof(double));
	double *C = xcalloc((size_t)D * (size_t)W, sizeof(double));
	double ld = 0;
	int rc = -1;

	if (chol_lower(p->Q + (size_t)k * (size_t)D * (size_t)D, D, Lq) != 0)
		goto out;
	for (int i = 0; i < D; i++)
		ld += log(Lq[i * D + i]);
	em->cst[k] = -ld - 0.5 * D * log(2 * M_PI);
	/* C = [-A_lags, I, -b] (D x W), then C <- L^{-1} C. */
	for (int d = 0; d < D; d++) {
		for (int j = 0; j < DL; j++)
			C[d * W + j] = -Ab[d * P + j];
		C[d * W + DL + d] = 1;
		C[d * W + W - 1] = -Ab[d * P + P - 1];
	}
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans,
	    CblasNonUnit, D, W, 1.0, Lq, D, C, W);
	for (int d = 0; d < D; d++)
		for (int j = 0; j < W; j++) {
			if (!isfinite(C[d * W + j]))
				goto out;
			em->Bt[(size_t)j * KD + (size_t)k * (size_t)D +
			    (size_t)d] = C[d * W + j];
		}
	rc = 0;
out:
	free(Lq);
	free(C);
	return rc;
}

/* emis_trans: fill piT and logpi from p->pi. */
static void
emis_trans(struct emis *em, const struct hyper *hp, const struct params *p)
{
	size_t K = (size_t)hp->K;

	for (size_t i = 0; i < K; i++)
		for (size_t j = 0; j < K; j++) {
			em->piT[j * K + i] = p->pi[i * K + j];
			em->logpi[i * K + j] = log(p->pi[i * K + j]);
		}
}

/* The MNIW posterior of one state (sizes D, P). */
struct mniw {
	double *Mn;       /* D x P */
	double *Kn;       /* P x P */
	double *Sn;       /* D x D */
	double nun;
};

/* mniw_alloc: zeroed arrays of m for D outputs and P regressors. */
static void
mniw_alloc(struct mniw *m, int D, int P)
{
	m->Mn = xcalloc((size_t)D * (size_t)P, sizeof(double));
	m->Kn = xcalloc((size_t)P * (size_t)P, sizeof(double));
	m->Sn = xcalloc((size_t)D * (size_t)D, sizeof(double));
}

/* mniw_free: release m's arrays. */
static void
mniw_free(struct mniw *m)
{
	free(m->Mn);
	free(m->Kn);
	free(m->Sn);
}

/*
 * mniw_posterior: the posterior of (Ab, Q) of a state from its statistics
 * S (W x W, row-major, the sum of v v^T over its frames, v the design row
 * [x_{t-L} .. x_{t-1}, x_t, 1]; all zero for the prior), as jax-moseq's
 * _resample_regression_params computes it:
 *   Kn^-1 = K0^-1 + Sxx,  Kn = (Kn^-1 + 1e-6 I)^-1,
 *   Mn = (K0^-1 M0^T + Syx^T)^T solved against Kn^-1 + 1e-6 I,
 *   Sn = S0 + Syy + M0 K0^-1 M0^T - Mn Kn^-1 Mn^T,  nun = nu0 + n,
 * with K0^-1 = (K0 + 1e-6 I)^-1, symmetrised.  Returns 0, or -1 when a
 * matrix is not positive definite.
 */
static int
mniw_posterior(const struct hyper *hp, const double *S, struct mniw *m)
{
	int D = hp->D, P = npar(hp), W = nwin(hp), DL = hp->D * hp->L;
	size_t PP = (size_t)P * (size_t)P, DP = (size_t)D * (size_t)P;
	double *Kni = xmalloc(PP * sizeof(double));
	double *Lk = xmalloc(PP * sizeof(double));
	double *R = xmalloc(DP * sizeof(double));
	double *T = xmalloc(DP * sizeof(double));
	double k0i = 1 / (hp->k0 + BOOST);
	int rc = -1;

#define UI(a) ((a) < DL ? (a) : W - 1)
	for (int a = 0; a < P; a++)
		for (int b = 0; b < P; b++)
			Kni[a * P + b] = S[UI(a) * W + UI(b)] +
			    (a == b ? k0i : 0);
	symmetrize(Kni, P);
	/* R = K0^-1 M0^T + Syx^T (P x D); M0 has a 1 at (d, (L-1)D + d). */
	for (int a = 0; a < P; a++)
		for (int d = 0; d < D; d++)
			R[a * D + d] = S[UI(a) * W + DL + d] +
			    (a == (hp->L - 1) * D + d ? k0i : 0);
#undef UI
	memcpy(Lk, Kni, PP * sizeof(double));
	for (int a = 0; a < P; a++)
		Lk[a * P + a] += BOOST;
	if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', P, Lk, P) != 0)
		goto out;
	if (LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', P, D, Lk, P, R, D) != 0)
		goto out;
	for (int d = 0; d < D; d++)
		for (int a = 0; a < P; a++)
			m->Mn[d * P + a] = R[a * D + d];
	/* Kn = (Kn^-1 + boost)^-1, from the same factor. */
	memcpy(m->Kn, Lk, PP * sizeof(double));
	if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', P, m->Kn, P) != 0)
		goto out;
	for (int a = 0; a < P; a++)
		for (int b = a + 1; b < P; b++)
			m->Kn[a * P + b] = m->Kn[b * P + a];
	/* Sn = S0 + Syy + M0 K0^-1 M0^T - Mn Kn^-1 Mn^T. */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, D, P, P, 1.0,
	    m->Mn, P, Kni, P, 0.0, T, P);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, D, D, P, -1.0,
	    T, P, m->Mn, P, 0.0, m->Sn, D);
	for (int d = 0; d < D; d++)
		for (int e = 0; e < D; e++)
			m->Sn[d * D + e] += S[(DL + d) * W + DL + e] +
			    (d == e ? hp->s0 + k0i : 0);
	symmetrize(m->Sn, D);
	m->nun = (double)(D + 2) + S[(size_t)W * (size_t)W - 1];
	rc = 0;
out:
	free(Kni);
	free(Lk);
	free(R);
	free(T);
	return rc;
}

/*
 * mniw_draw: Q ~ IW(nun, Sn) by the Bartlett decomposition (Q = T T^T,
 * T = chol(Sn) X^{-1}, X upper triangular with sqrt(chi2(nun - i)) on the
 * diagonal and N(0, 1) above), then Ab ~ MN(Mn, Q, Kn): Mn + chol(Q) G
 * chol(Kn)^T.  Returns 0, or -1 when a factor fails or a value is not
 * finite.
 */
static int
mniw_draw(const struct mniw *m, int D, int P, mz_rng *g, double *Ab,
    double *Q)
{
	size_t DD = (size_t)D * (size_t)D, DP = (size_t)D * (size_t)P;
	double *Ls = xmalloc(DD * sizeof(double));
	double *X = xcalloc(DD, sizeof(double));
	double *Lq = xmalloc(DD * sizeof(double));
	double *Lk = xmalloc((size_t)P * (size_t)P * sizeof(double));
	double *G = xmalloc(DP * sizeof(double));
	double *H = xmalloc(DP * sizeof(double));
	int rc = -1;

	if (chol_lower(m->Sn, D, Ls) != 0)
		goto out;
	for (int i = 0; i < D; i++) {
		X[i * D + i] = sqrt(rchisq(g, m->nun - i));
		for (int j = i + 1; j < D; j++)
			X[i * D + j] = rnorm(g);
	}
	/* Ls <- Ls X^{-1}; Q = Ls Ls^T. */
	cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans,
	    CblasNonUnit, D, D, 1.0, X, D, Ls, D);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, D, D, D, 1.0,
	    Ls, D, Ls, D, 0.0, Q, D);
	symmetrize(Q, D);
	if (chol_lower(Q, D, Lq) != 0 || chol_lower(m->Kn, P, Lk) != 0)
		goto out;
	for (size_t i = 0; i < DP; i++)
		G[i] = rnorm(g);
	/* H = Lq G; Ab = Mn + H Lk^T. */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, D, P, D, 1.0,
	    Lq, D, G, P, 0.0, H, P);
	memcpy(Ab, m->Mn, DP * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, D, P, P, 1.0,
	    H, P, Lk, P, 1.0, Ab, P);
	rc = 0;
	for (size_t i = 0; i < DP; i++)
		if (!isfinite(Ab[i]))
			rc = -1;
out:
	free(Ls);
	free(X);
	free(Lq);
	free(Lk);
	free(G);
	free(H);
	return rc;
}

/*
 * trans_update: one HDP update of beta and pi from the transition counts
 * n (K x K): auxiliary table counts m_ij ~ CRT(n_ij, alpha beta_j + kappa
 * [i = j]), the diagonal thinned to Binomial(m_jj, alpha beta_j /
 * (alpha beta_j + kappa)), beta ~ Dir(sum_i m_ij + gamma / K), then each
 * row pi_i ~ Dir(n_i. + alpha beta + kappa e_i) with the new beta.
 */
static void
trans_update(const struct hyper *hp, const int64_t *n, struct params *p,
    mz_rng *g)
{
	size_t K = (size_t)hp->K;
	double *a = xmalloc(K * sizeof(double));
	double *cnt = xcalloc(K, sizeof(double));

	for (size_t i = 0; i < K; i++)
		for (size_t j = 0; j < K; j++) {
			double c = hp->alpha * p->beta[j] + (i == j ?
			    hp->kappa : 0);
			int64_t m = n[i * K + j] ? rcrt(g, n[i * K + j], c) : 0;
			if (i == j && m > 0) {
				double ab = hp->alpha * p->beta[j];
				m = rbinom(g, m, ab / (ab + hp->kappa));
			}
			cnt[j] += (double)m;
		}
	for (size_t j = 0; j < K; j++)
		a[j] = cnt[j] + hp->gamma / (double)K;
	rdirichlet(g, a, K, p->beta);
	for (size_t i = 0; i < K; i++) {
		for (size_t j = 0; j < K; j++)
			a[j] = (double)n[i * K + j] + hp->alpha * p->beta[j] +
			    (i == j ? hp->kappa : 0);
		rdirichlet(g, a, K, p->pi + i * K);
	}
	free(a);
	free(cnt);
}

/* trans_init: beta and pi from the prior, as upstream's
 * init_hdp_transitions: beta0 ~ Dir(gamma / K), one update with no
 * counts, then pi <- (pi + eps) / row sum with eps the float32 tiny. */
static void
trans_init(const struct hyper *hp, struct params *p, mz_rng *g)
{
	size_t K = (size_t)hp->K;
	int64_t *n = xcalloc(K * K, sizeof(int64_t));
	double *a = xmalloc(K * sizeof(double));

	for (size_t j = 0; j < K; j++)
		a[j] = hp->gamma / (double)K;
	rdirichlet(g, a, K, p->beta);
	trans_update(hp, n, p, g);
	for (size_t i = 0; i < K; i++) {
		double s = 0;
		for (size_t j = 0; j < K; j++)
			s += p->pi[i * K + j] += TINY32;
		for (size_t j = 0; j < K; j++)
			p->pi[i * K + j] /= s;
	}
	free(n);
	free(a);
}

/* ------------------------------------------------------------ sequences */

/* One recording (a part of the input), held in memory. */
struct seq {
	size_t T;             /* frames */
	double *x;            /* T x D; values that are not finite become 0 */
	unsigned char *obs;   /* T: frame t >= L and x_{t-L..t} all finite */
	int32_t *z;           /* T: internal states, used for t >= L */
	size_t nobs;          /* frames with obs */
	mz_header *oh;        /* the output header (columns kept) */
	void **pass;          /* the kept columns' values */
	size_t npass;
	double llx, llz;      /* log likelihood terms of the last sweep */
	int bad;              /* the filter's normaliser was not finite */
};

/* seq_free: release s's arrays (s itself is not freed). */
static void
seq_free(struct seq *s)
{
	free(s->x);
	free(s->obs);
	free(s->z);
	for (size_t j = 0; j < s->npass; j++)
		free(s->pass[j]);
	free(s->pass);
	mz_header_free(s->oh);
	memset(s, 0, sizeof(*s));
}

/* Per-thread scratch space of the samplers. */
struct work {
	size_t cap;           /* frames the arrays below hold */
	double *A;            /* cap x K: likelihoods, then filtered probs */
	double *E;            /* cap x K: scaled likelihoods (marginals) */
	double *V;            /* NB x W design rows */
	double *R;            /* NB x K D whitened residuals */
	double *pred;         /* K */
	int *bp;              /* cap x K back-pointers (Viterbi) */
};

/* work_reserve: make w hold n frames of K states (and E, bp when
 * need_e, need_bp), keeping the larger of its old and new sizes. */
static void
work_reserve(struct work *w, const struct hyper *hp, size_t n, int need_e,
    int need_bp)
{
	size_t K = (size_t)hp->K;

	if (w->V == NULL) {
		w->V = xmalloc((size_t)NB * (size_t)nwin(hp) * sizeof(double));
		w->R = xmalloc((size_t)NB * K * (size_t)hp->D *
		    sizeof(double));
		w->pred = xmalloc(K * sizeof(double));
	}
	if (n <= w->cap && (!need_e || w->E) && (!need_bp || w->bp))
		return;
	if (n < w->cap)
		n = w->cap;
	free(w->A);
	free(w->E);
	free(w->bp);
	w->A = xmalloc(n * K * sizeof(double));
	w->E = need_e ? xmalloc(n * K * sizeof(double)) : NULL;
	w->bp = need_bp ? xmalloc(n * K * sizeof(int)) : NULL;
	w->cap = n;
}

/* work_free: release w's arrays and zero it. */
static void
work_free(struct work *w)
{
	free(w->A);
	free(w->E);
	free(w->V);
	free(w->R);
	free(w->pred);
	free(w->bp);
	memset(w, 0, sizeof(*w));
}

/* sum_squares: R[j] <- sum of the squares of R[j D .. j D + D) for j <
 * n (in place: R[j] is written after R[j D ..] is read). */
static void
sum_squares(double *R, size_t n, int D)
{
	for (size_t j = 0; j < n; j++) {
		const double *r = R + j * (size_t)D;
		double q = 0;
		for (int d = 0; d < D; d++)
			q += r[d] * r[d];
		R[j] = q;
	}
}

/*
 * seq_loglik: ll[(t - L) K + k] = log N(x_t; A_k u_t + b_k, Q_k) for the
 * frames t in [L, T) of s, 0 for frames without obs.  The whitened
 * residuals of NB frames at a time come from one dgemm of their design
 * rows with Bt.
 */
static void
seq_loglik(const struct hyper *hp, const struct emis *em, const struct seq *s,
    struct work *w, double *ll)
{
	int K = hp->K, D = hp->D, L = hp->L, W = nwin(hp), KD = K * D;
	size_t n = s->T - (size_t)L;

	for (size_t t0 = 0; t0 < n; t0 += NB) {
		int m = n - t0 < NB ? (int)(n - t0) : NB;
		for (int i = 0; i < m; i++) {
			double *v = w->V + (size_t)i * (size_t)W;
			memcpy(v, s->x + (t0 + (size_t)i) * (size_t)D,
			    (size_t)(W - 1) * sizeof(double));
			v[W - 1] = 1;
		}
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, KD, W,
		    1.0, w->V, W, em->Bt, KD, 0.0, w->R, KD);
		sum_squares(w->R, (size_t)m * (size_t)K, D);
		for (int i = 0; i < m; i++) {
			const double *q = w->R + (size_t)i * (size_t)K;
			double *o = ll + (t0 + (size_t)i) * (size_t)K;
			if (!s->obs[t0 + (size_t)i + (size_t)L]) {
				memset(o, 0, (size_t)K * sizeof(double));
				continue;
			}
			for (int k = 0; k < K; k++)
				o[k] = em->cst[k] - 0.5 * q[k];
		}
	}
}

/* frame_loglik: the log likelihood of frame t (>= L, with obs) of s under
 * state k. */
static double
frame_loglik(const struct hyper *hp, const struct emis *em,
    const struct seq *s, size_t t, int k)
{
	int D = hp->D, W = nwin(hp);
	size_t KD = (size_t)hp->K * (size_t)D;
	const double *v = s->x + (t - (size_t)hp->L) * (size_t)D;
	double q = 0;

	for (int d = 0; d < D; d++) {
		const double *b = em->Bt + (size_t)k * (size_t)D + (size_t)d;
		double r = b[(size_t)(W - 1) * KD];
		for (int j = 0; j < W - 1; j++)
			r += b[(size_t)j * KD] * v[j];
		q += r * r;
	}
	return em->cst[k] - 0.5 * q;
}

/* scale_rows: A[t] <- exp(A[t] - max A[t]) for n rows of K. */
static void
scale_rows(double *A, size_t n, int K)
{
	for (size_t t = 0; t < n; t++) {
		double *a = A + t * (size_t)K, m = a[0];
		for (int k = 1; k < K; k++)
			m = a[k] > m ? a[k] : m;
		for (int k = 0; k < K; k++)
			a[k] = exp(a[k] - m);
	}
}

/*
 * forward: the scaled forward filter over n steps: alpha_0 = (1/K) e_0,
 * alpha_t = (pi^T alpha_{t-1}) e_t, each normalised, then entries in
 * (0, 1e-15) raised to 1e-15 as upstream does (when clamp; the exact
 * marginals do without).  E (n x K, scaled
 * likelihoods) is read, alpha (may be E) written.  Returns the sum of
 * the log normalisers (not finite if the filter broke down).
 */
static double
forward(const double *E, double *alpha, size_t n, int K, const double *pi,
    double *pred, int clamp)
{
	double lz = 0;

	for (size_t t = 0; t < n; t++) {
		const double *e = E + t * (size_t)K;
		double *a = alpha + t * (size_t)K, c = 0;
		if (t == 0)
			for (int k = 0; k < K; k++)
				pred[k] = 1.0 / K;
		else
			cblas_dgemv(CblasRowMajor, CblasTrans, K, K, 1.0, pi,
			    K, a - K, 1, 0.0, pred, 1);
		for (int k = 0; k < K; k++)
			c += a[k] = pred[k] * e[k];
		if (!(c > 0) || !isfinite(c))
			return NAN;
		lz += log(c);
		c = 1 / c;
		for (int k = 0; k < K; k++) {
			double v = a[k] * c;
			a[k] = clamp && v > 0 && v < CLAMP ? CLAMP : v;
		}
	}
	return lz;
}

/* backward_sample: z_{n-1} ~ alpha_{n-1}, then z_t ~ alpha_t * pi[:,
 * z_{t+1}] (piT rows are pi's columns); w is K scratch values. */
static void
backward_sample(const double *alpha, size_t n, int K, const double *piT,
    mz_rng *g, int32_t *z, double *w)
{
	z[n - 1] = rcat(g, alpha + (n - 1) * (size_t)K, K);
	for (size_t t = n - 1; t-- > 0;) {
		const double *a = alpha + t * (size_t)K;
		const double *c = piT + (size_t)z[t + 1] * (size_t)K;
		for (int k = 0; k < K; k++)
			w[k] = a[k] * c[k];
		z[t] = rcat(g, w, K);
	}
}

/* backward_marginals: overwrite alpha (n x K, filtered) with the
 * smoothed marginals, by the scaled backward recursion over E. */
static void
backward_marginals(const double *E, double *alpha, size_t n, int K,
    const double *pi, double *b, double *tmp)
{
	for (int k = 0; k < K; k++)
		b[k] = 1;
	for (size_t t = n; t-- > 0;) {
		double *a = alpha + t * (size_t)K, s = 0;
		if (t + 1 < n) {
			const double *e = E + (t + 1) * (size_t)K;
			double c = 0;
			for (int k = 0; k < K; k++)
				tmp[k] = e[k] * b[k];
			cblas_dgemv(CblasRowMajor, CblasNoTrans, K, K, 1.0, pi,
			    K, tmp, 1, 0.0, b, 1);
			for (int k = 0; k < K; k++)
				c += b[k];
			for (int k = 0; k < K; k++)
				b[k] /= c;
		}
		for (int k = 0; k < K; k++)
			s += a[k] *= b[k];
		for (int k = 0; k < K; k++)
			a[k] /= s;
	}
}

/* viterbi: the most probable path z[0..n) given log likelihoods ll (n x
 * K; overwritten) and log pi, with a uniform start; bp is n x K. */
static void
viterbi(double *ll, size_t n, int K, const double *logpi, int *bp,
    int32_t *z, double *prev)
{
	for (size_t t = 1; t < n; t++) {
		double *cur = ll + t * (size_t)K;
		const double *p = ll + (t - 1) * (size_t)K;
		for (int j = 0; j < K; j++) {
			double best = -INFINITY;
			int arg = 0;
			for (int i = 0; i < K; i++) {
				double v = p[i] + logpi[(size_t)i * (size_t)K +
				    (size_t)j];
				if (v > best) {
					best = v;
					arg = i;
				}
			}
			prev[j] = best;
			bp[t * (size_t)K + (size_t)j] = arg;
		}
		for (int j = 0; j < K; j++)
			cur[j] += prev[j];
	}
	{
		const double *a = ll + (n - 1) * (size_t)K;
		int arg = 0;
		for (int k = 1; k < K; k++)
			if (a[k] > a[arg])
				arg = k;
		z[n - 1] = arg;
	}
	for (size_t t = n - 1; t-- > 0;)
		z[t] = bp[(t + 1) * (size_t)K + (size_t)z[t + 1]];
}

/*
 * seq_path_loglik: s->llx = sum over frames with obs of the log
 * likelihood of x_t under z_t; s->llz = sum over t > L with obs of log
 * pi[z_{t-1}, z_t] (upstream's model_likelihood terms).
 */
static void
seq_path_loglik(const struct hyper *hp, const struct emis *em, struct seq *s)
{
	size_t K = (size_t)hp->K;

	s->llx = s->llz = 0;
	for (size_t t = (size_t)hp->L; t < s->T; t++) {
		if (!s->obs[t])
			continue;
		s->llx += frame_loglik(hp, em, s, t, s->z[t]);
		if (t > (size_t)hp->L)
			s->llz += em->logpi[(size_t)s->z[t - 1] * K +
			    (size_t)s->z[t]];
	}
}

/* seq_sample: draw s->z (frames L..T-1) by FFBS given the parameters in
 * em and pi; sets s->bad when the filter broke down. */
static void
seq_sample(const struct hyper *hp, const struct emis *em, const double *pi,
    struct seq *s, struct work *w, mz_rng *g)
{
	size_t n = s->T - (size_t)hp->L;

	work_reserve(w, hp, n, 0, 0);
	seq_loglik(hp, em, s, w, w->A);
	scale_rows(w->A, n, hp->K);
	s->bad = !isfinite(forward(w->A, w->A, n, hp->K, pi, w->pred, 1));
	if (s->bad)
		return;
	backward_sample(w->A, n, hp->K, em->piT, g, s->z + hp->L, w->pred);
	seq_path_loglik(hp, em, s);
}

/* ------------------------------------------------------------ threads */

/* A parallel loop: fn(ctx, i, tid) for i in [0, n), on up to threads
 * threads, indices handed out in order. */
struct pfor {
	size_t n, next;
	pthread_mutex_t mu;
	void (*fn)(void *, size_t, int);
	void *ctx;
};

struct pfor_arg {
	struct pfor *p;
	int tid;
};

/* pfor_worker: run indices until none is left. */
static void *
pfor_worker(void *arg)
{
	struct pfor_arg *a = arg;
	struct pfor *p = a->p;

	for (;;) {
		size_t i;
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			break;
		p->fn(p->ctx, i, a->tid);
	}
	return NULL;
}

/*
 * parallel_for: call fn(ctx, i, tid) for every i < n, tid < threads: the
 * indices are taken in turn by workers 1.. in threads and worker 0 in
 * the calling thread (mz_fork_join, which runs a worker whose thread
 * cannot be started in the calling thread too, rather than exiting
 * while the others run BLAS).
 */
static void
parallel_for(int threads, size_t n, void (*fn)(void *, size_t, int),
    void *ctx)
{
	struct pfor p = { n, 0, PTHREAD_MUTEX_INITIALIZER, fn, ctx };
	struct pfor_arg args[256];
	int nt = threads;

	if (nt > 256)
		nt = 256;
	if ((size_t)nt > n)
		nt = (int)n;
	if (nt < 1)
		nt = 1;
	for (int k = 0; k < nt; k++) {
		args[k].p = &p;
		args[k].tid = k;
	}
	mz_fork_join(pfor_worker, args, sizeof args[0], (size_t)nt);
}

/* ------------------------------------------------------------ summaries */

/*
 * durations: append to *out (grown with *cap) the run lengths of the
 * n labels z (one sequence; runs do not continue across sequences);
 * returns the new count.
 */
static size_t
durations(const int32_t *z, size_t n, double **out, size_t *cnt, size_t *cap)
{
	size_t start = 0;

	for (size_t t = 1; t <= n; t++) {
		if (t < n && z[t] == z[start])
			continue;
		if (*cnt == *cap) {
			*cap = *cap ? 2 * *cap : 1024;
			*out = xrealloc(*out, *cap * sizeof(double));
		}
		(*out)[(*cnt)++] = (double)(t - start);
		start = t;
	}
	return *cnt;
}

/* cmp_double: qsort order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* median: the median of v[0..n) (sorted in place; the mean of the two
 * middle values for even n, as numpy's); NAN for n == 0. */
static double
median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* count_labels: onsets[k] (runs starting with k: the first frame and
 * each change) and frames[k] of the n labels z, added. */
static void
count_labels(const int32_t *z, size_t n, int64_t *onsets, int64_t *frames)
{
	for (size_t t = 0; t < n; t++) {
		frames[z[t]]++;
		if (t == 0 || z[t] != z[t - 1])
			onsets[z[t]]++;
	}
}

/* The order of reindexing, for qsort. */
struct rank {
	int k;
	int64_t onsets, frames;
};

/* cmp_rank: qsort order of reindexing: more onsets first, then more
 * frames, then the lower state. */
static int
cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->onsets != y->onsets)
		return x->onsets > y->onsets ? -1 : 1;
	if (x->frames != y->frames)
		return x->frames > y->frames ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

/*
 * reindex: perm[s] = the state that becomes syllable s: states by
 * decreasing run-length frequency (onsets), ties by decreasing frame
 * count, then by increasing state index; inv is perm's inverse.
 */
static void
reindex(const int64_t *onsets, const int64_t *frames, int K, int *perm,
    int *inv)
{
	struct rank *r = xmalloc((size_t)K * sizeof(*r));

	for (int k = 0; k < K; k++) {
		r[k].k = k;
		r[k].onsets = onsets[k];
		r[k].frames = frames[k];
	}
	qsort(r, (size_t)K, sizeof(*r), cmp_rank);
	for (int s = 0; s < K; s++) {
		perm[s] = r[s].k;
		inv[r[s].k] = s;
	}
	free(r);
}

/* ------------------------------------------------------------ fitting */

/* One sweep's record, for the history file. */
struct hist {
	double llz, llx, median, kappa;
	int used;
};

/* The whole state of a fit. */
struct fit {
	struct hyper hp;
	struct params p;
	struct emis em;
	struct seq *seq;
	size_t nseq;
	size_t nframes, nobs;
	int threads;
	uint64_t seed;
	uint64_t sweep;           /* sweeps done (0: initialised) */
	struct work *work;        /* per thread */
	double *stats;            /* K x W x W */
	size_t *off;              /* K + 1: frames of each state in idx */
	uint32_t *idx_seq;        /* frames by state: sequence, frame */
	uint32_t *idx_t;
	struct hist *hist;
	size_t nhist, caphist;
	int64_t *onsets, *frames; /* K, of the last sweep */
	double *durs;
	size_t ndurs, capdurs;
};

/* fit_index: sort the frames with obs (t >= L) by state, in sequence
 * then frame order, into f->off / idx_seq / idx_t. */
static void
fit_index(struct fit *f)
{
	size_t K = (size_t)f->hp.K, *pos = xcalloc(K + 1, sizeof(size_t));

	memset(f->off, 0, (K + 1) * sizeof(size_t));
	for (size_t i = 0; i < f->nseq; i++) {
		const struct seq *s = &f->seq[i];
		for (size_t t = (size_t)f->hp.L; t < s->T; t++)
			if (s->obs[t])
				f->off[(size_t)s->z[t] + 1]++;
	}
	for (size_t k = 0; k < K; k++)
		f->off[k + 1] += f->off[k];
	memcpy(pos, f->off, (K + 1) * sizeof(size_t));
	for (size_t i = 0; i < f->nseq; i++) {
		const struct seq *s = &f->seq[i];
		for (size_t t = (size_t)f->hp.L; t < s->T; t++)
			if (s->obs[t]) {
				size_t q = pos[s->z[t]]++;
				f->idx_seq[q] = (uint32_t)i;
				f->idx_t[q] = (uint32_t)t;
			}
	}
	free(pos);
}

/* ar_task: the statistics of state k from its frames (gathered NB at a
 * time, dsyrk), then a draw of its Ab and Q from the MNIW posterior with
 * stream (sweep, AR, k). */
static void
ar_task(void *ctx, size_t k, int tid)
{
	struct fit *f = ctx;
	const struct hyper *hp = &f->hp;
	int W = nwin(hp), D = hp->D, P = npar(hp);
	double *S = f->stats + k * (size_t)W * (size_t)W;
	double *V = f->work[tid].V;
	struct mniw m;
	mz_rng g;
	size_t q = f->off[k];

	memset(S, 0, (size_t)W * (size_t)W * sizeof(double));
	while (q < f->off[k + 1]) {
		int n = 0;
		for (; n < NB && q < f->off[k + 1]; n++, q++) {
			const struct seq *s = &f->seq[f->idx_seq[q]];
			double *v = V + (size_t)n * (size_t)W;
			memcpy(v, s->x + ((size_t)f->idx_t[q] - (size_t)hp->L) *
			    (size_t)D, (size_t)(W - 1) * sizeof(double));
			v[W - 1] = 1;
		}
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, W, n, 1.0,
		    V, W, 1.0, S, W);
	}
	for (int a = 0; a < W; a++)
		for (int b = 0; b < a; b++)
			S[a * W + b] = S[b * W + a];
	mz_rng_seed(&g, f->seed, stream_id(f->sweep, TAG_AR, k));
	mniw_alloc(&m, D, P);
	if (mniw_posterior(hp, S, &m) != 0 || mniw_draw(&m, D, P, &g,
	    f->p.Ab + k * (size_t)D * (size_t)P,
	    f->p.Q + k * (size_t)D * (size_t)D) != 0 ||
	    emis_state(&f->em, hp, &f->p, (int)k) != 0)
		/* A mark for fit_ar, which names the first such state. */
		S[0] = NAN;
	mniw_free(&m);
}

/* z_task: FFBS of sequence i with stream (sweep, Z, i). */
static void
z_task(void *ctx, size_t i, int tid)
{
	struct fit *f = ctx;
	mz_rng g;

	mz_rng_seed(&g, f->seed, stream_id(f->sweep, TAG_Z, i));
	seq_sample(&f->hp, &f->em, f->p.pi, &f->seq[i], &f->work[tid], &g);
}

/* nan_advice: what to try when the sampler meets a value that is not
 * finite. */
static const char *nan_advice =
	"try whitened input (mz-pca apply -w), dropping constant or "
	"duplicated columns (-c), a larger --s0-scale, or fewer --nlags";

/* fit_ar: the AR step of the current sweep (all states, in parallel);
 * dies naming the first state whose draw failed. */
static void
fit_ar(struct fit *f)
{
	size_t W = (size_t)nwin(&f->hp);

	fit_index(f);
	parallel_for(f->threads, (size_t)f->hp.K, ar_task, f);
	for (int k = 0; k < f->hp.K; k++)
		if (isnan(f->stats[(size_t)k * W * W]))
			die("sweep %llu: state %d: the AR parameters are not "
			    "finite or Q is not positive definite; %s",
			    (unsigned long long)f->sweep, k, nan_advice);
}

/* fit_z: the state step of the current sweep; dies naming the first
 * sequence whose filter broke down. */
static void
fit_z(struct fit *f)
{
	emis_trans(&f->em, &f->hp, &f->p);
	parallel_for(f->threads, f->nseq, z_task, f);
	for (size_t i = 0; i < f->nseq; i++)
		if (f->seq[i].bad)
			die("sweep %llu: sequence %zu: the forward filter's "
			    "normaliser is not finite (NaN); %s",
			    (unsigned long long)f->sweep, i, nan_advice);
}

/* fit_counts: the transition counts n (K x K) of the current z, pairs
 * weighted by the end frame's obs (upstream's mask). */
static void
fit_counts(const struct fit *f, int64_t *n)
{
	size_t K = (size_t)f->hp.K;

	memset(n, 0, K * K * sizeof(int64_t));
	for (size_t i = 0; i < f->nseq; i++) {
		const struct seq *s = &f->seq[i];
		for (size_t t = (size_t)f->hp.L + 1; t < s->T; t++)
			if (s->obs[t])
				n[(size_t)s->z[t - 1] * K + (size_t)s->z[t]]++;
	}
}

/* fit_summary: record the current sweep's history entry (log
 * likelihood terms, states used, median duration) and label counts. */
static void
fit_summary(struct fit *f)
{
	size_t K = (size_t)f->hp.K, L = (size_t)f->hp.L;
	struct hist h = { 0, 0, 0, f->hp.kappa, 0 };

	memset(f->onsets, 0, K * sizeof(int64_t));
	memset(f->frames, 0, K * sizeof(int64_t));
	f->ndurs = 0;
	for (size_t i = 0; i < f->nseq; i++) {
		const struct seq *s = &f->seq[i];
		h.llz += s->llz;
		h.llx += s->llx;
		count_labels(s->z + L, s->T - L, f->onsets, f->frames);
		durations(s->z + L, s->T - L, &f->durs, &f->ndurs,
		    &f->capdurs);
	}
	for (size_t k = 0; k < K; k++)
		h.used += f->frames[k] > 0;
	h.median = median(f->durs, f->ndurs);
	if (f->nhist == f->caphist) {
		f->caphist = f->caphist ? 2 * f->caphist : 128;
		f->hist = xrealloc(f->hist, f->caphist * sizeof(*f->hist));
	}
	f->hist[f->nhist++] = h;
}

/* fit_init: sweep 0: (beta, pi) and every (Ab, Q) from their priors,
 * then z by FFBS. */
static void
fit_init(struct fit *f)
{
	mz_rng g;

	f->sweep = 0;
	mz_rng_seed(&g, f->seed, stream_id(0, TAG_TRANS, 0));
	trans_init(&f->hp, &f->p, &g);
	for (size_t i = 0; i < f->nseq; i++)
		memset(f->seq[i].z, 0, f->seq[i].T * sizeof(int32_t));
	/* No frame is assigned yet: every state draws from the prior. */
	{
		size_t save = f->nseq;
		f->nseq = 0;
		fit_ar(f);
		f->nseq = save;
	}
	fit_z(f);
	fit_summary(f);
}

/* fit_sweep: one Gibbs sweep (number f->sweep + 1): beta/pi, Ab/Q, z. */
static void
fit_sweep(struct fit *f)
{
	size_t K = (size_t)f->hp.K;
	int64_t *n = xmalloc(K * K * sizeof(int64_t));
	mz_rng g;

	f->sweep++;
	fit_counts(f, n);
	mz_rng_seed(&g, f->seed, stream_id(f->sweep, TAG_TRANS, 0));
	trans_update(&f->hp, n, &f->p, &g);
	free(n);
	fit_ar(f);
	fit_z(f);
	fit_summary(f);
}

/* ------------------------------------------------------------ input */

/* The columns a run reads: the latent ones (names) and those kept. */
struct colsel {
	struct patlist pats;      /* -c (n == 0: the default) */
	struct patlist keep;      /* -k */
	char **names;             /* the latent columns, in order */
	size_t d;
	int *idx;                 /* of names in the current part */
};

/* kept_column: nonzero for a column passed through: frame, time, id and
 * those matching -k. */
static int
kept_column(const struct colsel *cs, const char *name)
{
	return strcmp(name, "frame") == 0 || strcmp(name, "time") == 0 ||
	    strcmp(name, "id") == 0 || (cs->keep.n && patlist_match(&cs->keep,
	    name));
}

/* choose_columns: set cs->names from the first part's header h: the
 * columns matching -c, or every float column that is not kept. */
static void
choose_columns(struct colsel *cs, const mz_header *h, const char *where)
{
	cs->names = xcalloc(h->ncols + 1, sizeof(char *));
	if (cs->pats.n)
		patlist_check(&cs->pats, h, where);
	for (size_t j = 0; j < h->ncols; j++) {
		const mz_column *c = &h->cols[j];
		if (cs->pats.n ? patlist_match(&cs->pats, c->name) :
		    mz_type_isfloat(c->type) && !kept_column(cs, c->name))
			cs->names[cs->d++] = xstrdup(c->name);
	}
	if (cs->d == 0)
		die("%s: no latent column (the default is every float column "
		    "but frame, time, id and the kept ones; see -c)", where);
	if (cs->d > MAX_DIM)
		die("%s: %zu latent columns, more than %d", where, cs->d,
		    MAX_DIM);
}

/*
 * read_part: read the current part of r into s: its latent columns (as
 * float64, D = cs->d of them, found by name), the kept columns and the
 * output header (the kept columns, then syllable and, with marginals, p0
 * .. p{K-1}).  Frames t >= L whose x_{t-L..t} are all finite get obs.
 */
static void
read_part(mz_reader *r, struct colsel *cs, int L, int K, int marginals,
    struct seq *s, const char *where)
{
	const mz_header *h = mz_reader_header(r);
	size_t D = cs->d, cap = 0, *kidx = xmalloc((h->ncols + 1) *
	    sizeof(size_t)), *ksz;
	unsigned char *want = xcalloc(h->ncols + 1, 1);
	char *missing = NULL;
	size_t mlen = 0;
	mz_block b;
	mz_err e;
	int rc;

	memset(s, 0, sizeof(*s));
	cs->idx = xrealloc(cs->idx, (D + 1) * sizeof(int));
	for (size_t j = 0; j < D; j++) {
		int k = mz_header_find(h, cs->names[j]);
		if (k < 0) {
			missing = xrealloc(missing, mlen +
			    strlen(cs->names[j]) + 5);
			mlen += (size_t)sprintf(missing + mlen, "%s'%s'",
			    mlen ? ", " : "", cs->names[j]);
			continue;
		}
		if (!mz_type_isfloat(h->cols[k].type) &&
		    h->cols[k].type != MZ_I32 && h->cols[k].type != MZ_I64)
			die("%s: column '%s' is not numeric", where,
			    cs->names[j]);
		cs->idx[j] = k;
		want[k] = 1;
	}
	if (missing)
		die("%s: no column %s (a latent column)", where, missing);
	if (cs->keep.n)
		patlist_check(&cs->keep, h, where);
	if ((s->oh = mz_header_copy(h)) == NULL)
		die("out of memory");
	for (size_t j = 0; j < h->ncols; j++)
		if (kept_column(cs, h->cols[j].name)) {
			kidx[s->npass++] = j;
			want[j] = 1;
		}
	for (size_t j = h->ncols; j-- > 0;)
		if (!kept_column(cs, h->cols[j].name))
			mz_header_drop_column(s->oh, j);
	if (mz_header_add_column(s->oh, "syllable", MZ_I32, NULL, &e) < 0)
		die("%s: %s", where, e.msg);
	for (int k = 0; marginals && k < K; k++) {
		char name[32];
		snprintf(name, sizeof(name), "p%d", k);
		if (mz_header_add_column(s->oh, name, MZ_F64, NULL, &e) < 0)
			die("%s: %s", where, e.msg);
	}
	ksz = xmalloc((s->npass + 1) * sizeof(size_t));
	s->pass = xcalloc(s->npass + 1, sizeof(void *));
	for (size_t j = 0; j < s->npass; j++)
		ksz[j] = mz_type_size(h->cols[kidx[j]].type);
	mz_reader_want(r, want);
	while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
		size_t n = b.nrows, T = s->T;
		if (T + n > (size_t)UINT32_MAX)
			die("%s: more than %u frames in one part", where,
			    UINT32_MAX);
		if (T + n > cap) {
			cap = (T + n) * 2;
			s->x = xrealloc(s->x, cap * D * sizeof(double));
			for (size_t j = 0; j < s->npass; j++)
				s->pass[j] = xrealloc(s->pass[j], cap * ksz[j]);
		}
		for (size_t j = 0; j < D; j++) {
			const void *c = b.cols[cs->idx[j]];
			mz_type t = h->cols[cs->idx[j]].type;
			for (size_t i = 0; i < n; i++)
				s->x[(T + i) * D + j] = mz_get_f64(c, t, i);
		}
		for (size_t j = 0; j < s->npass; j++)
			memcpy((char *)s->pass[j] + T * ksz[j],
			    b.cols[kidx[j]], n * ksz[j]);
		s->T += n;
	}
	if (rc < 0)
		die_err(&e);
	if (s->T <= (size_t)L)
		die("%s: %zu frames; the AR model needs more than nlags (%d)",
		    where, s->T, L);
	s->obs = xcalloc(s->T, 1);
	s->z = xcalloc(s->T, sizeof(int32_t));
	{
		size_t run = 0;   /* finite frames ending at t */
		for (size_t t = 0; t < s->T; t++) {
			int ok = 1;
			for (size_t j = 0; j < D; j++) {
				double *v = &s->x[t * D + j];
				if (!isfinite(*v)) {
					ok = 0;
					*v = 0;
				}
			}
			run = ok ? run + 1 : 0;
			s->obs[t] = t >= (size_t)L && run > (size_t)L;
			s->nobs += s->obs[t];
		}
	}
	free(kidx);
	free(ksz);
	free(want);
}

/* A data summary, recorded in models and compared on --resume. */
struct datasum {
	cJSON *parts;             /* [{rows, processing, sequence}] */
	cJSON *hashes;            /* distinct input processing hashes */
};

/* read_inputs: read every part of the files into f->seq, choosing the
 * latent columns from the first part; fills ds. */
static void
read_inputs(struct fit *f, struct colsel *cs, char **files, int nfiles,
    struct datasum *ds)
{
	size_t cap = 0;
	char where[4200];
	mz_err e;

	ds->parts = cJSON_CreateArray();
	ds->hashes = cJSON_CreateArray();
	if (ds->parts == NULL || ds->hashes == NULL)
		die("out of memory");
	for (int i = 0; i < nfiles; i++) {
		mz_reader *r = mz_reader_open(files[i], &e);
		int rc;
		if (r == NULL)
			die_err(&e);
		while ((rc = mz_reader_next_part(r, &e)) > 0) {
			const mz_header *h = mz_reader_header(r);
			const char *sq = mz_meta_str(h, "sequence");
			cJSON *o = opts_new(), *v;
			int dup = 0;
			snprintf(where, sizeof(where), "%s: part %zu",
			    mz_reader_name(r), mz_reader_part_index(r));
			if (f->nseq == 0 && cs->names == NULL)
				choose_columns(cs, h, where);
			if (f->nseq == cap) {
				cap = cap ? 2 * cap : 16;
				f->seq = xrealloc(f->seq, cap * sizeof(*f->seq));
			}
			if (f->nseq >= UINT32_MAX)
				die("%s: too many parts", where);
			cJSON_ArrayForEach(v, ds->hashes)
				dup |= strcmp(v->valuestring, h->processing) == 0;
			if (!dup)
				jadd(ds->hashes, NULL,
				    cJSON_CreateString(h->processing));
			read_part(r, cs, f->hp.L, f->hp.K, 0,
			    &f->seq[f->nseq], where);
			jadd(o, "rows", jint(f->seq[f->nseq].T));
			opts_str(o, "processing", h->processing);
			if (sq)
				opts_str(o, "sequence", sq);
			jadd(ds->parts, NULL, o);
			f->nframes += f->seq[f->nseq].T;
			f->nobs += f->seq[f->nseq].nobs;
			f->nseq++;
		}
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	if (f->nseq == 0)
		die("%s: no parts", nfiles == 1 ? (strcmp(files[0], "-") ?
		    files[0] : "<stdin>") : "the inputs");
	if (f->nobs == 0)
		die("no frame with %d finite lags: nothing to fit", f->hp.L);
}

/* ------------------------------------------------------------ models */

/* scatter_params: dst[map[k]] = src[k] for every state-indexed array
 * (pi: dst[map[i]][map[j]] = src[i][j]). */
static void
scatter_params(const struct hyper *hp, const struct params *src,
    struct params *dst, const int *map)
{
	size_t K = (size_t)hp->K, D = (size_t)hp->D, P = (size_t)npar(hp);

	for (size_t i = 0; i < K; i++) {
		size_t m = (size_t)map[i];
		dst->beta[m] = src->beta[i];
		for (size_t j = 0; j < K; j++)
			dst->pi[m * K + (size_t)map[j]] = src->pi[i * K + j];
		memcpy(dst->Ab + m * D * P, src->Ab + i * D * P,
		    D * P * sizeof(double));
		memcpy(dst->Q + m * D * D, src->Q + i * D * D,
		    D * D * sizeof(double));
	}
}

/* array_info: {"shape": [...], "xxh64": hash of the bytes}. */
static cJSON *
array_info(const void *v, size_t bytes, const size_t *shape, int rank)
{
	cJSON *o = opts_new(), *sh = cJSON_CreateArray();
	char hash[17];

	jadd(o, "shape", sh);
	for (int i = 0; i < rank; i++)
		jadd(sh, NULL, jint(shape[i]));
	mz_hash64_hex(v, bytes, hash);
	opts_str(o, "xxh64", hash);
	return o;
}

/* The fit's options as recorded in the model (hyperparameters, seed,
 * columns): the same for every checkpoint of a run. */
static cJSON *
fit_options(const struct fit *f, const struct colsel *cs, uint64_t sweeps)
{
	cJSON *o = opts_new();
	char buf[32];

	opts_num(o, "num_states", f->hp.K);
	opts_num(o, "nlags", f->hp.L);
	jadd(o, "alpha", jnum(f->hp.alpha));
	jadd(o, "gamma", jnum(f->hp.gamma));
	jadd(o, "kappa", jnum(f->hp.kappa));
	jadd(o, "s0_scale", jnum(f->hp.s0));
	jadd(o, "k0_scale", jnum(f->hp.k0));
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f->seed);
	opts_str(o, "seed", buf);
	jadd(o, "sweeps", jint(sweeps));
	if (cs->pats.n)
		opts_str(o, "columns", cs->pats.text);
	else
		jadd(o, "columns", cJSON_CreateNull());
	if (cs->keep.n)
		opts_str(o, "keep", cs->keep.text);
	else
		jadd(o, "keep", cJSON_CreateNull());
	return o;
}

/* history_csv: the history file's text, malloc'd. */
static char *
history_csv(const struct fit *f)
{
	/* A row: 6 numbers of at most 24 characters, a count, commas. */
	size_t cap = 128 + f->nhist * 200, n = 0;
	char *s = xmalloc(cap), a[32], b[32], c[32], d[32], e[32];

	n += (size_t)sprintf(s, "sweep,log_joint,log_lik_z,log_lik_x,"
	    "used_states,median_duration,kappa\n");
	for (size_t i = 0; i < f->nhist && n < cap; i++) {
		const struct hist *h = &f->hist[i];
		mz_fmt_f64(h->llz + h->llx, a);
		mz_fmt_f64(h->llz, b);
		mz_fmt_f64(h->llx, c);
		mz_fmt_f64(h->median, d);
		mz_fmt_f64(h->kappa, e);
		n += (size_t)snprintf(s + n, cap - n, "%zu,%s,%s,%s,%d,%s,%s\n",
		    i, a, b, c, h->used, d, e);
	}
	return s;
}

/*
 * model_write: write the current state of f as the model directory dir:
 * model.json, the arrays in syllable order (beta.f64 K, pi.f64 K x K,
 * Ab.f64 K x D x (D L + 1), Q.f64 K x D x D: little-endian float64,
 * row-major; z.i32: the syllable of every frame of every part, in input
 * order, int32), history.csv, then _SUCCESS, in a temporary directory
 * renamed to dir.  sweeps is the target count; the model is complete when
 * f->sweep reaches it.  Sets hash to the XXH64 of model.json.
 */
static void
model_write(const struct fit *f, const struct colsel *cs,
    const struct datasum *ds, uint64_t sweeps, const char *dir,
    char hash[17])
{
	const struct hyper *hp = &f->hp;
	size_t K = (size_t)hp->K, D = (size_t)hp->D, P = (size_t)npar(hp);
	int *perm = xmalloc(K * sizeof(int)), *inv = xmalloc(K * sizeof(int));
	struct params q;
	int32_t *z = xmalloc(f->nframes * sizeof(int32_t));
	cJSON *doc = opts_new(), *arrays = opts_new(), *data = opts_new();
	cJSON *pri = opts_new(), *met = opts_new(), *cols = cJSON_CreateArray();
	const struct hist *h = &f->hist[f->nhist - 1];
	double *freq = xmalloc(K * sizeof(double));
	int64_t tot = 0, *ons = xmalloc(K * sizeof(int64_t));
	int64_t *frm = xmalloc(K * sizeof(int64_t));
	char *text, *csv;
	size_t shape[3], pos = 0;

	model_dir_check(dir);
	reindex(f->onsets, f->frames, hp->K, perm, inv);
	params_alloc(&q, hp);
	scatter_params(hp, &f->p, &q, inv);
	for (size_t i = 0; i < f->nseq; i++) {
		const struct seq *s = &f->seq[i];
		for (size_t t = 0; t < s->T; t++)
			z[pos++] = inv[s->z[t < (size_t)hp->L ? (size_t)hp->L :
			    t]];
	}
	for (size_t k = 0; k < K; k++) {
		ons[k] = f->onsets[perm[k]];
		frm[k] = f->frames[perm[k]];
		tot += ons[k];
	}
	for (size_t k = 0; k < K; k++)
		freq[k] = tot ? (double)ons[k] / (double)tot : 0;

	opts_str(doc, "kind", MODEL_KIND);
	opts_num(doc, "format", FORMAT);
	opts_str(doc, "tool", prog);
	opts_str(doc, "version", MZ_VERSION);
	if (cols == NULL)
		die("out of memory");
	for (size_t j = 0; j < cs->d; j++)
		jadd(cols, NULL, cJSON_CreateString(cs->names[j]));
	jadd(doc, "columns", cols);
	jadd(doc, "options", fit_options(f, cs, sweeps));
	opts_num(pri, "nu0", (double)(D + 2));
	jadd(pri, "S0", cJSON_CreateString("s0_scale * I (D x D)"));
	jadd(pri, "K0", cJSON_CreateString("k0_scale * I (D nlags + 1)"));
	jadd(pri, "M0", cJSON_CreateString("[0 .. 0 | I | 0]: identity on "
	    "the most recent lag, zero bias"));
	jadd(pri, "pi", cJSON_CreateString("weak-limit sticky HDP: beta ~ "
	    "Dir(gamma/K), pi_i ~ Dir(alpha beta + kappa e_i)"));
	jadd(doc, "priors", pri);
	jadd(data, "n_parts", jint(f->nseq));
	jadd(data, "n_frames", jint(f->nframes));
	jadd(data, "n_observed", jint(f->nobs));
	opts_num(data, "latent_dim", (double)D);
	jadd(data, "parts", cJSON_Duplicate(ds->parts, 1));
	jadd(data, "input_processing", cJSON_Duplicate(ds->hashes, 1));
	jadd(doc, "data", data);
	jadd(doc, "sweeps_done", jint(f->sweep));
	opts_bool(doc, "complete", f->sweep >= sweeps);
	jadd(met, "log_joint", jnum(h->llz + h->llx));
	jadd(met, "log_lik_z", jnum(h->llz));
	jadd(met, "log_lik_x", jnum(h->llx));
	opts_num(met, "used_states", h->used);
	jadd(met, "median_duration", jnum(h->median));
	jadd(met, "frequencies", jnums(freq, K));
	jadd(met, "onsets", jints(ons, K));
	jadd(met, "frames", jints(frm, K));
	jadd(doc, "metrics", met);
	{
		cJSON *a = cJSON_CreateArray();
		if (a == NULL)
			die("out of memory");
		for (size_t k = 0; k < K; k++)
			jadd(a, NULL, jint((uint64_t)perm[k]));
		jadd(doc, "state_of_syllable", a);
	}
	shape[0] = K;
	jadd(arrays, "beta.f64", array_info(q.beta, K * 8, shape, 1));
	shape[1] = K;
	jadd(arrays, "pi.f64", array_info(q.pi, K * K * 8, shape, 2));
	shape[1] = D;
	shape[2] = P;
	jadd(arrays, "Ab.f64", array_info(q.Ab, K * D * P * 8, shape, 3));
	shape[2] = D;
	jadd(arrays, "Q.f64", array_info(q.Q, K * D * D * 8, shape, 3));
	shape[0] = f->nframes;
	jadd(arrays, "z.i32", array_info(z, f->nframes * 4, shape, 1));
	jadd(doc, "arrays", arrays);
	if ((text = cJSON_Print(doc)) == NULL)
		die("out of memory");
	text = xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");
	mz_hash64_hex(text, strlen(text), hash);
	csv = history_csv(f);

	model_dir_begin(dir, model_files);
	model_dir_write("model.json", text, strlen(text));
	model_dir_write("beta.f64", q.beta, K * 8);
	model_dir_write("pi.f64", q.pi, K * K * 8);
	model_dir_write("Ab.f64", q.Ab, K * D * P * 8);
	model_dir_write("Q.f64", q.Q, K * D * D * 8);
	model_dir_write("z.i32", z, f->nframes * 4);
	model_dir_write("history.csv", csv, strlen(csv));
	model_dir_commit();
	free(text);
	free(csv);
	cJSON_Delete(doc);
	params_free(&q);
	free(z);
	free(perm);
	free(inv);
	free(freq);
	free(ons);
	free(frm);
}

/* A model as read from its directory (arrays in syllable order). */
struct model {
	const char *path;
	struct hyper hp;
	struct params p;
	char **names;
	size_t d;
	cJSON *doc;
	char hash[17];
	int *perm;                /* state_of_syllable */
	uint64_t seed, sweeps, done;
	int32_t *z;
	size_t nz;
	char *csv;                /* history.csv */
};

/* load_array: read the model file name of bytes bytes into a new array,
 * checking its size and its hash against model.json's "arrays". */
static void *
load_array(const struct model *m, const char *name, size_t bytes)
{
	char *p = path_join(m->path, name), hash[17];
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(m->doc, "arrays"), name);
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(info, "xxh64");
	size_t len;
	char *buf = read_all(p, bytes + 1, &len);

	if (len != bytes)
		die("%s: %zu bytes, not %zu", p, len, bytes);
	mz_hash64_hex(buf, len, hash);
	if (!cJSON_IsString(want) || strcmp(want->valuestring, hash) != 0)
		die("%s: its checksum differs from model.json's (damaged "
		    "model)", p);
	free(p);
	return buf;
}

/* model_load: read the model directory path into m; dies naming the
 * directory or file at fault (an incomplete model has no _SUCCESS). */
static void
model_load(struct model *m, const char *path)
{
	char *p, *text, where[4200];
	const cJSON *o, *v, *a;
	struct stat sb;
	size_t len, K, D, P;

	memset(m, 0, sizeof(*m));
	m->path = path;
	if (stat(path, &sb) != 0)
		die("%s:", path);
	if (!S_ISDIR(sb.st_mode))
		die("%s: not a model directory", path);
	p = path_join(path, "_SUCCESS");
	if (access(p, F_OK) != 0)
		die("%s: incomplete model (no _SUCCESS)", path);
	free(p);
	p = path_join(path, "model.json");
	snprintf(where, sizeof(where), "%s", p);
	text = read_all(p, MAX_JSON, &len);
	mz_hash64_hex(text, len, m->hash);
	m->doc = cJSON_ParseWithLength(text, len);
	free(text);
	if (m->doc == NULL || !cJSON_IsObject(m->doc))
		die("%s: not a JSON object", where);
	v = cJSON_GetObjectItemCaseSensitive(m->doc, "kind");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, MODEL_KIND) != 0)
		die("%s: not an %s file", where, MODEL_KIND);
	if (jcount(m->doc, "format", 1000, where) != FORMAT)
		die("%s: unknown format (this mz-arhmm reads %d)", where,
		    FORMAT);
	o = jget(m->doc, "options", cJSON_IsObject, "an object", where);
	m->hp.K = (int)jcount(o, "num_states", MAX_STATES, where);
	m->hp.L = (int)jcount(o, "nlags", MAX_LAGS, where);
	m->hp.alpha = jdouble(o, "alpha", where);
	m->hp.gamma = jdouble(o, "gamma", where);
	m->hp.kappa = jdouble(o, "kappa", where);
	m->hp.s0 = jdouble(o, "s0_scale", where);
	m->hp.k0 = jdouble(o, "k0_scale", where);
	m->sweeps = jcount(o, "sweeps", UINT32_MAX, where);
	v = jget(o, "seed", cJSON_IsString, "a string", where);
	m->seed = strtoull(v->valuestring, NULL, 10);
	m->done = jcount(m->doc, "sweeps_done", UINT32_MAX, where);
	a = jget(m->doc, "columns", cJSON_IsArray, "an array", where);
	m->names = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
			die("%s: 'columns': item %zu is not a column name",
			    where, m->d);
		m->names[m->d++] = xstrdup(v->valuestring);
	}
	if (m->hp.K < 1 || m->hp.L < 1 || m->d == 0 || m->d > MAX_DIM)
		die("%s: bad sizes (num_states %d, nlags %d, %zu columns)",
		    where, m->hp.K, m->hp.L, m->d);
	m->hp.D = (int)m->d;
	K = (size_t)m->hp.K;
	D = m->d;
	P = (size_t)npar(&m->hp);
	m->p.beta = load_array(m, "beta.f64", K * 8);
	m->p.pi = load_array(m, "pi.f64", K * K * 8);
	m->p.Ab = load_array(m, "Ab.f64", K * D * P * 8);
	m->p.Q = load_array(m, "Q.f64", K * D * D * 8);
	a = jget(m->doc, "state_of_syllable", cJSON_IsArray, "an array",
	    where);
	if ((size_t)cJSON_GetArraySize(a) != K)
		die("%s: 'state_of_syllable' has not %zu items", where, K);
	m->perm = xcalloc(K, sizeof(int));
	{
		size_t i = 0;
		unsigned char *seen = xcalloc(K, 1);
		cJSON_ArrayForEach(v, a) {
			double x = cJSON_IsNumber(v) ? v->valuedouble : -1;
			if (!(x >= 0 && x < (double)K && x == floor(x)) ||
			    seen[(size_t)x]++)
				die("%s: 'state_of_syllable' is not a "
				    "permutation", where);
			m->perm[i++] = (int)x;
		}
		free(seen);
	}
	o = jget(m->doc, "data", cJSON_IsObject, "an object", where);
	m->nz = jcount(o, "n_frames", (uint64_t)1 << 40, where);
	free(p);
}

/* model_free: release what model_load allocated. */
static void
model_free(struct model *m)
{
	for (size_t j = 0; j < m->d; j++)
		free(m->names[j]);
	free(m->names);
	params_free(&m->p);
	free(m->perm);
	free(m->z);
	free(m->csv);
	cJSON_Delete(m->doc);
}

/* model_emis: the likelihood terms of m's parameters (syllable order);
 * dies naming a state whose Q is not positive definite. */
static void
model_emis(const struct model *m, struct emis *em)
{
	emis_alloc(em, &m->hp);
	for (int k = 0; k < m->hp.K; k++)
		if (emis_state(em, &m->hp, &m->p, k) != 0)
			die("%s: syllable %d: Q is not positive definite or a "
			    "parameter is not finite (damaged model)", m->path,
			    k);
	emis_trans(em, &m->hp, &m->p);
}

/* ------------------------------------------------------------ output */

/* write_syllables: write every part of seqs to w: the kept columns,
 * syllable (map[z], frames before L taking frame L's) and, when marg is
 * not NULL, the columns p0..p{K-1} from marg[i] ((T - L) x K each). */
static void
write_part(mz_writer *w, const struct seq *s, const int *map, int L, int K,
    const double *marg, const cJSON *opts, const cJSON *info)
{
	mz_header *h = mz_header_copy(s->oh);
	size_t T = s->T, nc = s->npass + 1 + (marg ? (size_t)K : 0);
	const void **cols = xmalloc(nc * sizeof(void *));
	int32_t *syl = xmalloc(T * sizeof(int32_t));
	double *p = NULL;
	mz_err e;

	if (h == NULL)
		die("out of memory");
	history_add(h, cJSON_Duplicate(opts, 1));
	if (mz_meta_set(h, "arhmm", cJSON_Duplicate(info, 1), &e) < 0)
		die_err(&e);
	if (mz_writer_begin_part(w, h, &e) < 0)
		die_err(&e);
	mz_header_free(h);
	for (size_t t = 0; t < T; t++) {
		int32_t z = s->z[t < (size_t)L ? (size_t)L : t];
		syl[t] = map ? map[z] : z;
	}
	for (size_t j = 0; j < s->npass; j++)
		cols[j] = s->pass[j];
	cols[s->npass] = syl;
	if (marg) {
		p = xmalloc(T * (size_t)K * sizeof(double));
		for (int k = 0; k < K; k++) {
			double *c = p + (size_t)k * T;
			for (size_t t = 0; t < T; t++)
				c[t] = marg[((t < (size_t)L ? (size_t)L : t) -
				    (size_t)L) * (size_t)K + (size_t)k];
			cols[s->npass + 1 + (size_t)k] = c;
		}
	}
	if (mz_writer_append(w, T, cols, &e) < 0 ||
	    mz_writer_end_part(w, &e) < 0)
		die_err(&e);
	free(cols);
	free(syl);
	free(p);
}

/* ------------------------------------------------------------ fit */

/* fit_alloc: the arrays of f for its hyperparameters and threads. */
static void
fit_alloc(struct fit *f)
{
	size_t K = (size_t)f->hp.K, W = (size_t)nwin(&f->hp);

	params_alloc(&f->p, &f->hp);
	emis_alloc(&f->em, &f->hp);
	f->work = xcalloc((size_t)f->threads, sizeof(*f->work));
	for (int t = 0; t < f->threads; t++)
		work_reserve(&f->work[t], &f->hp, 1, 0, 0);
	f->stats = xcalloc(K * W * W, sizeof(double));
	f->off = xcalloc(K + 1, sizeof(size_t));
	f->idx_seq = xmalloc((f->nobs + 1) * sizeof(uint32_t));
	f->idx_t = xmalloc((f->nobs + 1) * sizeof(uint32_t));
	f->onsets = xcalloc(K, sizeof(int64_t));
	f->frames = xcalloc(K, sizeof(int64_t));
}

/* fit_free: release f's arrays and sequences. */
static void
fit_free(struct fit *f)
{
	params_free(&f->p);
	emis_free(&f->em);
	for (int t = 0; t < f->threads; t++)
		work_free(&f->work[t]);
	free(f->work);
	for (size_t i = 0; i < f->nseq; i++)
		seq_free(&f->seq[i]);
	free(f->seq);
	free(f->stats);
	free(f->off);
	free(f->idx_seq);
	free(f->idx_t);
	free(f->onsets);
	free(f->frames);
	free(f->hist);
	free(f->durs);
}

/* fit_resume: restore f's parameters, states and history from the
 * model m (which fitted the same data). */
static void
fit_resume(struct fit *f, struct model *m)
{
	size_t K = (size_t)f->hp.K, pos = 0, n;
	int32_t *z = load_array(m, "z.i32", f->nframes * 4);
	char *p = path_join(m->path, "history.csv"), *csv, *line, *save;

	scatter_params(&f->hp, &m->p, &f->p, m->perm);
	for (size_t i = 0; i < f->nseq; i++) {
		struct seq *s = &f->seq[i];
		for (size_t t = 0; t < s->T; t++, pos++) {
			if (z[pos] < 0 || (size_t)z[pos] >= K)
				die("%s: z.i32: syllable %d out of range",
				    m->path, z[pos]);
			s->z[t] = m->perm[z[pos]];
		}
	}
	free(z);
	csv = read_all(p, MAX_JSON, &n);
	line = strtok_r(csv, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		struct hist h;
		double lj;
		size_t sw;
		if (sscanf(line, "%zu,%lf,%lf,%lf,%d,%lf,%lf", &sw, &lj, &h.llz,
		    &h.llx, &h.used, &h.median, &h.kappa) != 7 ||
		    sw != f->nhist)
			die("%s: line %zu: not a history row", p, f->nhist + 2);
		if (f->nhist == f->caphist) {
			f->caphist = f->caphist ? 2 * f->caphist : 128;
			f->hist = xrealloc(f->hist, f->caphist *
			    sizeof(*f->hist));
		}
		f->hist[f->nhist++] = h;
	}
	if (f->nhist != m->done + 1)
		die("%s: %zu rows for %llu sweeps", p, f->nhist,
		    (unsigned long long)m->done);
	f->sweep = m->done;
	/* The labels' counts of the last sweep, for reindexing. */
	memset(f->onsets, 0, K * sizeof(int64_t));
	memset(f->frames, 0, K * sizeof(int64_t));
	for (size_t i = 0; i < f->nseq; i++)
		count_labels(f->seq[i].z + f->hp.L, f->seq[i].T -
		    (size_t)f->hp.L, f->onsets, f->frames);
	free(csv);
	free(p);
}

/* show_sweep: the progress line of a sweep: on a terminal (unless -q)
 * rewritten in place; with -v one line per sweep. */
static void
show_sweep(const struct fit *f, uint64_t target, double secs, int verbose)
{
	const struct hist *h = &f->hist[f->nhist - 1];
	int tty = !quiet && isatty(STDERR_FILENO);

	if (!verbose && !tty)
		return;
	fprintf(stderr, "%s%s: sweep %llu/%llu  log joint %.6g (z %.6g, x "
	    "%.6g)  states %d  median duration %g  %.3f s%s",
	    verbose ? "" : "\r", prog, (unsigned long long)f->sweep,
	    (unsigned long long)target, h->llz + h->llx, h->llz, h->llx,
	    h->used, h->median, secs, verbose ? "\n" : " ");
}

/* The fit command's options. */
struct fitopts {
	struct colsel cs;
	const char *out, *syl;
	uint64_t sweeps, every, seed;
	int threads, force, verbose, resume, sweeps_given;
	int hyper_given;          /* an option the model fixes on --resume */
	struct hyper hp;
	double tmin, tmax;        /* --target-duration, 0 if not given */
	int tms;                  /* ... given in milliseconds */
	double klo, khi;          /* log10 kappa bounds of the search */
	mz_wopts wo;
};

/* parse_positive: a positive finite number for option what. */
static double
parse_positive(const char *s, const char *what)
{
	double v = parse_double(s, what);

	if (!(v > 0))
		usage_error("bad %s '%s' (want a positive number)", what, s);
	return v;
}

/* parse_target: "min:max" frames, or "min:maxms" milliseconds (*ms
 * set), 0 < min <= max. */
static void
parse_target(const char *s, double *lo, double *hi, int *ms)
{
	char *end;

	*lo = strtod(s, &end);
	if (*end != ':' || !(*lo > 0))
		usage_error("bad target duration '%s' (want min:max frames, or "
		    "min:maxms)", s);
	*hi = strtod(end + 1, &end);
	*ms = strcmp(end, "ms") == 0;
	if ((*end != '\0' && !*ms) || !(*hi >= *lo) || !isfinite(*hi))
		usage_error("bad target duration '%s' (want min:max frames, or "
		    "min:maxms)", s);
}

/* fit_run: sweeps from f's current state up to target, with checkpoints
 * every o->every sweeps into o->out; then the final model. */
static void
fit_run(struct fit *f, const struct fitopts *o, const struct datasum *ds,
    uint64_t target, char hash[17])
{
	while (f->sweep < target) {
		double t0 = now_s();
		fit_sweep(f);
		show_sweep(f, target, now_s() - t0, o->verbose);
		if (o->every && f->sweep % o->every == 0 && f->sweep < target)
			model_write(f, &o->cs, ds, target, o->out, hash);
	}
	if (!o->verbose && !quiet && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	model_write(f, &o->cs, ds, target, o->out, hash);
}

/* kappa_log: append a line to the search's state file path (created
 * with a header when absent); dies on failure. */
static void
kappa_log(const char *path, int try, double lk, double med, const char *res)
{
	int fresh = access(path, F_OK) != 0;
	FILE *fp = fopen(path, "a");
	char a[32], b[32];

	if (fp == NULL)
		die("%s:", path);
	mz_fmt_f64(lk, a);
	mz_fmt_f64(med, b);
	if (fresh)
		fprintf(fp, "try,log10_kappa,median_duration,result\n");
	fprintf(fp, "%d,%s,%s,%s\n", try, a, b, res);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || fclose(fp) != 0)
		die("%s:", path);
}

/* fit_fresh: reset f to a new chain with kappa and run sweeps sweeps
 * (no checkpoints); returns the median of the per-sweep median durations
 * of the last W = min(10, max(1, sweeps / 5)) sweeps, which is steadier
 * than the last sweep's alone on short recordings. */
static double
fit_fresh(struct fit *f, const struct fitopts *o, double kappa)
{
	f->hp.kappa = kappa;
	f->nhist = 0;
	fit_init(f);
	while (f->sweep < o->sweeps) {
		double t0 = now_s();
		fit_sweep(f);
		show_sweep(f, o->sweeps, now_s() - t0, o->verbose);
	}
	if (!o->verbose && !quiet && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	{
		size_t w = (size_t)o->sweeps / 5;
		double last[10];

		w = w < 1 ? 1 : w > 10 ? 10 : w;
		if (w > f->nhist)
			w = f->nhist;
		for (size_t i = 0; i < w; i++)
			last[i] = f->hist[f->nhist - w + i].median;
		return median(last, w);
	}
}

/*
 * kappa_search: binary search of log10 kappa in [o->klo, o->khi]
 * (default [3, 18]) for a median
 * duration in [o->tmin, o->tmax], each try a fresh fit of o->sweeps
 * sweeps; the tries are logged in DIR.kappa.csv, which a rerun replays
 * (fits are deterministic) to continue where it stopped.  Leaves f with
 * the accepted fit, or the last try's after 24 tries.
 */
static void
kappa_search(struct fit *f, const struct fitopts *o)
{
	char *path = xmalloc(strlen(o->out) + 16), *text = NULL;
	double lo = o->klo, hi = o->khi, lk = 0, med = 0;
	int try = 0, done = 0;
	size_t n;

	sprintf(path, "%s.kappa.csv", o->out);
	if (access(path, F_OK) == 0) {
		char *line, *save;
		text = read_all(path, MAX_JSON, &n);
		line = strtok_r(text, "\n", &save);
		while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
			int t;
			char res[16];
			if (sscanf(line, "%d,%lf,%lf,%15s", &t, &lk, &med,
			    res) != 4 || t != try)
				die("%s: line %d: not a search row", path,
				    try + 2);
			if (strcmp(res, "short") == 0)
				lo = lk;
			else if (strcmp(res, "long") == 0)
				hi = lk;
			else
				done = 1;
			try++;
		}
		free(text);
	}
	for (; try < 24; try++) {
		const char *res;
		lk = done ? lk : (lo + hi) / 2;
		med = fit_fresh(f, o, pow(10, lk));
		res = med < o->tmin ? "short" : med > o->tmax ? "long" : "ok";
		if (!done)
			kappa_log(path, try, lk, med, res);
		if (!quiet)
			fprintf(stderr, "%s: kappa 1e%.4g: median duration %g "
			    "(%s)\n", prog, lk, med, res);
		if (done || strcmp(res, "ok") == 0)
			break;
		if (strcmp(res, "short") == 0)
			lo = lk;
		else
			hi = lk;
	}
	if (try == 24 && !quiet)
		warnx_("warning: no kappa in [1e%g, 1e%g] gave a median "
		    "duration in [%g, %g] in 24 tries; keeping kappa 1e%.4g",
		    o->klo, o->khi, o->tmin, o->tmax, lk);
	free(path);
}

/* cmd_fit: mz-arhmm fit. */
static int
cmd_fit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "checkpoint-every", required_argument, NULL, OPT_CHECKPOINT },
		{ "codec", required_argument, NULL, OPT_CODEC },
		{ "columns", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "gamma", required_argument, NULL, OPT_GAMMA },
		{ "k0-scale", required_argument, NULL, OPT_K0 },
		{ "kappa", required_argument, NULL, OPT_KAPPA },
		{ "kappa-range", required_argument, NULL, OPT_KRANGE },
		{ "keep", required_argument, NULL, 'k' },
		{ "nlags", required_argument, NULL, OPT_NLAGS },
		{ "num-states", required_argument, NULL, OPT_NSTATES },
		{ "output", required_argument, NULL, 'o' },
		{ "resume", no_argument, NULL, OPT_RESUME },
		{ "s0-scale", required_argument, NULL, OPT_S0 },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "sweeps", required_argument, NULL, 'n' },
		{ "syllables", required_argument, NULL, 's' },
		{ "target-duration", required_argument, NULL, OPT_TARGET },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "verbose", no_argument, NULL, 'v' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	struct fitopts o;
	struct fit f;
	struct datasum ds = { 0 };
	struct model m;
	char hash[17], **files;
	int c, nfiles;
	uint64_t n;
	mz_err e;

	memset(&o, 0, sizeof(o));
	memset(&f, 0, sizeof(f));
	o.hp = (struct hyper){ 100, 0, 3, 5.7, 1e3, 1e6, 0.01, 10 };
	o.sweeps = 50;
	o.every = 25;
	o.klo = 3;
	o.khi = 18;
	o.threads = mz_ncpu();
	o.wo = (mz_wopts){ MZ_CODEC_AUTO, 0, 0, 0 };
	while ((c = getopt_long(argc, argv, "c:fhk:n:o:qs:v", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			patlist_parse(&o.cs.pats, optarg, "column list");
			o.hyper_given = 1;
			break;
		case 'f':
			o.force = 1;
			break;
		case 'k':
			patlist_parse(&o.cs.keep, optarg, "column list");
			break;
		case 'n':
			o.sweeps = parse_count(optarg, "sweep count");
			if (o.sweeps > UINT32_MAX)
				usage_error("bad sweep count '%s' (too large)",
				    optarg);
			o.sweeps_given = 1;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 's':
			o.syl = optarg;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case OPT_ALPHA:
			o.hp.alpha = parse_positive(optarg, "alpha");
			o.hyper_given = 1;
			break;
		case OPT_CHECKPOINT:
			o.every = parse_count(optarg, "checkpoint interval");
			break;
		case OPT_CODEC:
			o.wo.codec = parse_codec(optarg);
			break;
		case OPT_GAMMA:
			o.hp.gamma = parse_positive(optarg, "gamma");
			o.hyper_given = 1;
			break;
		case OPT_K0:
			o.hp.k0 = parse_positive(optarg, "K0 scale");
			o.hyper_given = 1;
			break;
		case OPT_KAPPA:
			o.hp.kappa = parse_double(optarg, "kappa");
			if (!(o.hp.kappa >= 0))
				usage_error("bad kappa '%s' (want a number >= "
				    "0)", optarg);
			o.hyper_given = 1;
			break;
		case OPT_KRANGE: {
			double a, b;
			int ms;
			parse_target(optarg, &a, &b, &ms);
			if (ms || !(b > a))
				usage_error("bad kappa range '%s' (want min:max, "
				    "0 < min < max)", optarg);
			o.klo = log10(a);
			o.khi = log10(b);
			break;
		}
		case OPT_NLAGS:
			n = parse_count(optarg, "lag count");
			if (n < 1 || n > MAX_LAGS)
				usage_error("bad lag count '%s' (want 1 to %d)",
				    optarg, MAX_LAGS);
			o.hp.L = (int)n;
			o.hyper_given = 1;
			break;
		case OPT_NSTATES:
			n = parse_count(optarg, "state count");
			if (n < 2 || n > MAX_STATES)
				usage_error("bad state count '%s' (want 2 to "
				    "%d)", optarg, MAX_STATES);
			o.hp.K = (int)n;
			o.hyper_given = 1;
			break;
		case OPT_RESUME:
			o.resume = 1;
			break;
		case OPT_S0:
			o.hp.s0 = parse_positive(optarg, "S0 scale");
			o.hyper_given = 1;
			break;
		case OPT_SEED:
			if (mz_parse_seed(optarg, &o.seed, &e) < 0)
				usage_error("%s", e.msg);
			o.hyper_given = 1;
			break;
		case OPT_TARGET:
			parse_target(optarg, &o.tmin, &o.tmax, &o.tms);
			break;
		case OPT_THREADS:
			if ((o.threads = mz_parse_threads(optarg, &e)) < 0)
				usage_error("%s", e.msg);
			break;
		default:
			tool_stdopt(c);
		}
	}
	if (o.out == NULL)
		usage_error("fit needs -o dir");
	if (o.resume && o.hyper_given)
		usage_error("--resume takes the model's options: give only -n, "
		    "-k, -s, --checkpoint-every, --codec and --threads");
	if (o.resume && o.tmin > 0)
		usage_error("--resume and --target-duration exclude each other "
		    "(a search resumes by itself)");
	if (o.sweeps == 0 && o.tmin > 0)
		usage_error("--target-duration needs at least one sweep");
	trim_slashes((char *)o.out);
	files = optind < argc ? argv + optind : stdin_only;
	nfiles = optind < argc ? argc - optind : 1;
	check_inputs(files, nfiles);
	if (o.syl && strcmp(o.syl, "-") == 0 && !o.force &&
	    isatty(STDOUT_FILENO))
		die("not writing a binary stream to a terminal (use -f)");
	if (o.resume) {
		const cJSON *opt;
		model_load(&m, o.out);
		o.hp = m.hp;
		o.seed = m.seed;
		if (!o.sweeps_given)
			o.sweeps = m.sweeps;
		o.cs.names = m.names;
		o.cs.d = m.d;
		m.names = NULL;
		m.d = 0;
		opt = cJSON_GetObjectItemCaseSensitive(m.doc, "options");
		opt = cJSON_GetObjectItemCaseSensitive(opt, "columns");
		if (cJSON_IsString(opt))
			patlist_parse(&o.cs.pats, opt->valuestring, "columns");
		if (o.cs.keep.n == 0) {
			opt = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(m.doc, "options"),
			    "keep");
			if (cJSON_IsString(opt))
				patlist_parse(&o.cs.keep, opt->valuestring,
				    "keep");
		}
	}
	f.hp = o.hp;
	f.seed = o.seed;
	f.threads = o.threads;
	read_inputs(&f, &o.cs, files, nfiles, &ds);
	f.hp.D = (int)o.cs.d;
	fit_alloc(&f);
	if (o.resume) {
		const cJSON *data = cJSON_GetObjectItemCaseSensitive(m.doc,
		    "data");
		char *was = mz_json_canonical(
		    cJSON_GetObjectItemCaseSensitive(data, "parts"));
		char *now = mz_json_canonical(ds.parts);
		if (was == NULL || now == NULL)
			die("out of memory");
		if (strcmp(was, now) != 0)
			die("%s: the input differs from the data the model was "
			    "fitted to (parts, rows or processing)", o.out);
		free(was);
		free(now);
		fit_resume(&f, &m);
		fit_run(&f, &o, &ds, o.sweeps, hash);
		model_free(&m);
	} else if (o.tmin > 0) {
		if (o.tms) {
			double fps = mz_meta_num(f.seq[0].oh, "fps", 0);
			if (!(fps > 0))
				die("--target-duration in ms: the first part has "
				    "no fps in its metadata (give frames)");
			o.tmin *= fps / 1000;
			o.tmax *= fps / 1000;
		}
		model_dir_check(o.out);
		kappa_search(&f, &o);
		model_write(&f, &o.cs, &ds, o.sweeps, o.out, hash);
	} else {
		model_dir_check(o.out);
		fit_init(&f);
		show_sweep(&f, o.sweeps, 0, o.verbose);
		fit_run(&f, &o, &ds, o.sweeps, hash);
	}
	if (o.syl) {
		int K = f.hp.K, *perm = xmalloc((size_t)K * sizeof(int));
		int *inv = xmalloc((size_t)K * sizeof(int));
		mz_writer *w = out_writer(o.syl, o.force, &o.wo);
		cJSON *hopt = opts_new(), *info = opts_new();
		reindex(f.onsets, f.frames, K, perm, inv);
		opts_str(hopt, "model", hash);
		opts_str(info, "model", o.out);
		opts_str(info, "model_hash", hash);
		opts_str(info, "method", "fit");
		for (size_t i = 0; i < f.nseq; i++)
			write_part(w, &f.seq[i], inv, f.hp.L, K, NULL, hopt,
			    info);
		out_close(w);
		cJSON_Delete(hopt);
		cJSON_Delete(info);
		free(perm);
		free(inv);
	}
	for (size_t j = 0; j < o.cs.d; j++)
		free(o.cs.names[j]);
	free(o.cs.names);
	free(o.cs.idx);
	patlist_free(&o.cs.pats);
	patlist_free(&o.cs.keep);
	cJSON_Delete(ds.parts);
	cJSON_Delete(ds.hashes);
	fit_free(&f);
	if (o.syl == NULL)
		finish_stdout();
	return 0;
}

/* ------------------------------------------------------------ apply */

/* An apply run: the model, its likelihood terms, a batch of parts. */
struct apply {
	struct model m;
	struct emis em;
	struct seq *seq;          /* the batch */
	double **marg;            /* per part of the batch, or NULL */
	size_t base;              /* index of the batch's first part */
	uint64_t sweeps, seed;
	int viterbi, marginals;
	struct work *work;
};

/* apply_task: label part i of the batch: sweeps backward draws from the
 * filter (streams (sweep, APPLY, part)), or the Viterbi path; and the
 * smoothed marginals when asked. */
static void
apply_task(void *ctx, size_t i, int tid)
{
	struct apply *a = ctx;
	const struct hyper *hp = &a->m.hp;
	struct seq *s = &a->seq[i];
	struct work *w = &a->work[tid];
	size_t n = s->T - (size_t)hp->L, K = (size_t)hp->K;
	int32_t *z = s->z + hp->L;
	mz_rng g;

	work_reserve(w, hp, n, 1, a->viterbi);
	seq_loglik(hp, &a->em, s, w, w->A);
	if (a->marginals)
		memcpy(w->E, w->A, n * K * sizeof(double));
	if (a->viterbi)
		viterbi(w->A, n, hp->K, a->em.logpi, w->bp, z, w->pred);
	else {
		scale_rows(w->A, n, hp->K);
		s->bad = !isfinite(forward(w->A, w->A, n, hp->K, a->m.p.pi,
		    w->pred, 1));
		for (uint64_t k = 1; !s->bad && k <= a->sweeps; k++) {
			mz_rng_seed(&g, a->seed, stream_id(k, TAG_APPLY,
			    a->base + i));
			backward_sample(w->A, n, hp->K, a->em.piT, &g, z,
			    w->pred);
		}
	}
	if (a->marginals && !s->bad) {
		double *tmp = xmalloc(2 * K * sizeof(double));
		scale_rows(w->E, n, hp->K);
		s->bad = !isfinite(forward(w->E, w->A, n, hp->K, a->m.p.pi,
		    w->pred, 0));
		backward_marginals(w->E, w->A, n, hp->K, a->m.p.pi, tmp,
		    tmp + K);
		a->marg[i] = xmalloc(n * K * sizeof(double));
		memcpy(a->marg[i], w->A, n * K * sizeof(double));
		free(tmp);
	}
}

/* cmd_apply: mz-arhmm apply. */
static int
cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, OPT_CODEC },
		{ "force", no_argument, NULL, 'f' },
		{ "keep", required_argument, NULL, 'k' },
		{ "marginals", no_argument, NULL, OPT_MARGINALS },
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "sweeps", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "viterbi", no_argument, NULL, OPT_VITERBI },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	struct apply a;
	struct colsel cs;
	const char *outpath = NULL;
	int c, force = 0, threads = mz_ncpu(), nfiles, nflag = 0;
	char **files, where[4200], seedbuf[32];
	cJSON *opts, *info;
	mz_writer *w;
	mz_err e;

	memset(&a, 0, sizeof(a));
	memset(&cs, 0, sizeof(cs));
	a.sweeps = 1;
	while ((c = getopt_long(argc, argv, "fhk:n:o:q", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'f':
			force = 1;
			break;
		case 'k':
			patlist_parse(&cs.keep, optarg, "column list");
			break;
		case 'n':
			a.sweeps = parse_count(optarg, "sweep count");
			if (a.sweeps < 1 || a.sweeps > UINT32_MAX)
				usage_error("bad sweep count '%s' (want 1 to "
				    "%u)", optarg, UINT32_MAX);
			nflag = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case OPT_CODEC:
			wo.codec = parse_codec(optarg);
			break;
		case OPT_MARGINALS:
			a.marginals = 1;
			break;
		case OPT_SEED:
			if (mz_parse_seed(optarg, &a.seed, &e) < 0)
				usage_error("%s", e.msg);
			break;
		case OPT_THREADS:
			if ((threads = mz_parse_threads(optarg, &e)) < 0)
				usage_error("%s", e.msg);
			break;
		case OPT_VITERBI:
			a.viterbi = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	if (a.viterbi && nflag)
		usage_error("-n and --viterbi exclude each other");
	if (optind == argc)
		usage_error("apply needs a model");
	model_load(&a.m, argv[optind++]);
	files = optind < argc ? argv + optind : stdin_only;
	nfiles = optind < argc ? argc - optind : 1;
	check_inputs(files, nfiles);
	model_emis(&a.m, &a.em);
	cs.names = a.m.names;
	cs.d = a.m.d;
	opts = opts_new();
	opts_str(opts, "model", a.m.hash);
	opts_str(opts, "method", a.viterbi ? "viterbi" : "sample");
	if (!a.viterbi) {
		jadd(opts, "sweeps", jint(a.sweeps));
		snprintf(seedbuf, sizeof(seedbuf), "%llu",
		    (unsigned long long)a.seed);
		opts_str(opts, "seed", seedbuf);
	}
	opts_bool(opts, "marginals", a.marginals);
	if (cs.keep.n)
		opts_str(opts, "keep", cs.keep.text);
	else
		jadd(opts, "keep", cJSON_CreateNull());
	info = opts_new();
	opts_str(info, "model", a.m.path);
	opts_str(info, "model_hash", a.m.hash);
	opts_str(info, "method", a.viterbi ? "viterbi" : "sample");

	a.work = xcalloc((size_t)threads, sizeof(*a.work));
	a.seq = xcalloc((size_t)threads, sizeof(*a.seq));
	a.marg = xcalloc((size_t)threads, sizeof(*a.marg));
	w = out_writer(outpath, force, &wo);
	for (int fi = 0, more = 1; fi < nfiles; fi++) {
		mz_reader *r = mz_reader_open(files[fi], &e);
		int rc = 1;
		if (r == NULL)
			die_err(&e);
		for (more = 1; more;) {
			size_t nb = 0;
			while (nb < (size_t)threads &&
			    (rc = mz_reader_next_part(r, &e)) > 0) {
				snprintf(where, sizeof(where), "%s: part %zu",
				    mz_reader_name(r), mz_reader_part_index(r));
				read_part(r, &cs, a.m.hp.L, a.m.hp.K,
				    a.marginals, &a.seq[nb++], where);
			}
			if (rc < 0)
				die_err(&e);
			more = rc > 0;
			parallel_for(threads, nb, apply_task, &a);
			for (size_t i = 0; i < nb; i++) {
				if (a.seq[i].bad)
					die("%s: part %zu: the forward filter's "
					    "normaliser is not finite",
					    mz_reader_name(r), a.base + i);
				write_part(w, &a.seq[i], NULL, a.m.hp.L,
				    a.m.hp.K, a.marg[i], opts, info);
				seq_free(&a.seq[i]);
				free(a.marg[i]);
				a.marg[i] = NULL;
			}
			a.base += nb;
		}
		mz_reader_close(r);
	}
	out_close(w);
	cs.names = NULL;
	free(cs.idx);
	patlist_free(&cs.keep);
	for (int t = 0; t < threads; t++)
		work_free(&a.work[t]);
	free(a.work);
	free(a.seq);
	free(a.marg);
	emis_free(&a.em);
	model_free(&a.m);
	cJSON_Delete(opts);
	cJSON_Delete(info);
	return 0;
}

/* ------------------------------------------------------------ selftest */

/* put_vec: print "name v0 v1 ..." with round-trip numbers. */
static void
put_vec(const char *name, const double *v, size_t n)
{
	char buf[32];

	fputs(name, stdout);
	for (size_t i = 0; i < n; i++) {
		mz_fmt_f64(v[i], buf);
		printf(" %s", buf);
	}
	putchar('\n');
}

/* st_ffbs: a random 3-state, 6-step HMM: the exact smoothed marginals,
 * the log normaliser, and the frequencies of states over draws FFBS
 * draws (the test compares them with brute-force enumeration). */
static void
st_ffbs(uint64_t draws, uint64_t seed)
{
	enum { K = 3, N = 6 };
	double pi[K * K], piT[K * K], ll[N * K], E[N * K], A[N * K];
	double marg[N * K], mc[N * K] = { 0 }, pred[K], tmp[2 * K], a[K];
	double lz, off = 0;
	int32_t z[N];
	mz_rng g;

	mz_rng_seed(&g, seed, 0);
	for (int i = 0; i < K; i++) {
		for (int j = 0; j < K; j++)
			a[j] = 1 + (i == j ? 2 : 0);
		rdirichlet(&g, a, K, pi + i * K);
	}
	for (int i = 0; i < K; i++)
		for (int j = 0; j < K; j++)
			piT[j * K + i] = pi[i * K + j];
	for (int i = 0; i < N * K; i++)
		ll[i] = 1.5 * rnorm(&g);
	memcpy(E, ll, sizeof(E));
	for (int t = 0; t < N; t++) {
		double m = E[t * K];
		for (int k = 1; k < K; k++)
			m = E[t * K + k] > m ? E[t * K + k] : m;
		off += m;
	}
	scale_rows(E, N, K);
	lz = forward(E, A, N, K, pi, pred, 1) + off;
	memcpy(marg, A, sizeof(A));
	backward_marginals(E, marg, N, K, pi, tmp, tmp + K);
	for (uint64_t d = 0; d < draws; d++) {
		mz_rng_seed(&g, seed, 1 + d);
		backward_sample(A, N, K, piT, &g, z, pred);
		for (int t = 0; t < N; t++)
			mc[t * K + z[t]] += 1.0 / (double)draws;
	}
	put_vec("pi", pi, K * K);
	put_vec("ll", ll, N * K);
	put_vec("lognorm", &lz, 1);
	put_vec("exact", marg, N * K);
	put_vec("mc", mc, N * K);
	{
		double dd = (double)draws;
		put_vec("draws", &dd, 1);
	}
}

/* st_mniw: regression data of a 2-d AR(1), its MNIW posterior, and the
 * means and variances of draws draws of (Ab, Q). */
static void
st_mniw(uint64_t draws, uint64_t seed)
{
	enum { D = 2, L = 1, N = 40, P = D * L + 1, W = D * (L + 1) + 1 };
	struct hyper hp = { 3, D, L, 5.7, 1e3, 1e6, 0.01, 10 };
	double x[N * D], S[W * W] = { 0 }, Ab[D * P], Q[D * D];
	double mA[D * P] = { 0 }, vA[D * P] = { 0 }, mQ[D * D] = { 0 };
	double vQ[D * D] = { 0 };
	struct mniw m;
	mz_rng g;

	mz_rng_seed(&g, seed, 0);
	x[0] = 0.3;
	x[1] = -0.2;
	for (int t = 1; t < N; t++) {
		x[t * D] = 0.8 * x[(t - 1) * D] - 0.3 * x[(t - 1) * D + 1] +
		    0.5 + 0.3 * rnorm(&g);
		x[t * D + 1] = 0.2 * x[(t - 1) * D] + 0.9 * x[(t - 1) * D + 1]
		    - 0.1 + 0.2 * rnorm(&g);
	}
	for (int t = L; t < N; t++) {
		double v[W];
		memcpy(v, x + (t - L) * D, (W - 1) * sizeof(double));
		v[W - 1] = 1;
		for (int i = 0; i < W; i++)
			for (int j = 0; j < W; j++)
				S[i * W + j] += v[i] * v[j];
	}
	mniw_alloc(&m, D, P);
	if (mniw_posterior(&hp, S, &m) != 0)
		die("selftest mniw: posterior failed");
	for (uint64_t d = 0; d < draws; d++) {
		mz_rng_seed(&g, seed, 1 + d);
		if (mniw_draw(&m, D, P, &g, Ab, Q) != 0)
			die("selftest mniw: draw failed");
		for (int i = 0; i < D * P; i++) {
			mA[i] += Ab[i] / (double)draws;
			vA[i] += Ab[i] * Ab[i] / (double)draws;
		}
		for (int i = 0; i < D * D; i++) {
			mQ[i] += Q[i] / (double)draws;
			vQ[i] += Q[i] * Q[i] / (double)draws;
		}
	}
	for (int i = 0; i < D * P; i++)
		vA[i] -= mA[i] * mA[i];
	for (int i = 0; i < D * D; i++)
		vQ[i] -= mQ[i] * mQ[i];
	put_vec("x", x, N * D);
	put_vec("Mn", m.Mn, D * P);
	put_vec("Kn", m.Kn, P * P);
	put_vec("Sn", m.Sn, D * D);
	put_vec("nun", &m.nun, 1);
	put_vec("meanA", mA, D * P);
	put_vec("varA", vA, D * P);
	put_vec("meanQ", mQ, D * D);
	put_vec("varQ", vQ, D * D);
	mniw_free(&m);
}

/* st_counts: moments of draws draws of the table count CRT(n, c), the
 * thinning Binomial(n, p), and Dirichlet(a) with tiny and large a. */
static void
st_counts(uint64_t draws, uint64_t seed, int64_t n, double c, double p)
{
	double s1 = 0, s2 = 0, b1 = 0, b2 = 0, a[4] = { 1e-3, 0.5, 2, 30 };
	double dm[4] = { 0 }, dv[4] = { 0 }, out[4], v[2];
	mz_rng g;

	mz_rng_seed(&g, seed, 0);
	for (uint64_t d = 0; d < draws; d++) {
		double m = (double)rcrt(&g, n, c), b = (double)rbinom(&g, n, p);
		s1 += m;
		s2 += m * m;
		b1 += b;
		b2 += b * b;
		rdirichlet(&g, a, 4, out);
		for (int i = 0; i < 4; i++) {
			dm[i] += out[i] / (double)draws;
			dv[i] += out[i] * out[i] / (double)draws;
		}
	}
	for (int i = 0; i < 4; i++)
		dv[i] -= dm[i] * dm[i];
	v[0] = s1 / (double)draws;
	v[1] = s2 / (double)draws - v[0] * v[0];
	put_vec("crt", v, 2);
	v[0] = b1 / (double)draws;
	v[1] = b2 / (double)draws - v[0] * v[0];
	put_vec("binom", v, 2);
	put_vec("dir_a", a, 4);
	put_vec("dir_mean", dm, 4);
	put_vec("dir_var", dv, 4);
}

/* st_labels: durations, run-length and frame frequencies and the
 * reindexing order of label sequences given as comma lists. */
static void
st_labels(int argc, char **argv)
{
	int32_t *z[64];
	size_t n[64], cnt = 0, cap = 0;
	double *d = NULL, *fr, *ff;
	int K = 0, *perm, *inv;
	int64_t *on, *fm, ton = 0, tfm = 0;

	if (argc > 64)
		usage_error("selftest labels: at most 64 sequences");
	for (int i = 0; i < argc; i++) {
		char *s = argv[i], *end;
		z[i] = xmalloc((strlen(s) / 2 + 1) * sizeof(int32_t));
		n[i] = 0;
		for (;;) {
			long v = strtol(s, &end, 10);
			if (end == s || v < 0 || v >= MAX_STATES)
				usage_error("selftest labels: bad list '%s'",
				    argv[i]);
			z[i][n[i]++] = (int32_t)v;
			K = v + 1 > K ? (int)v + 1 : K;
			if (*end == '\0')
				break;
			if (*end != ',')
				usage_error("selftest labels: bad list '%s'",
				    argv[i]);
			s = end + 1;
		}
	}
	on = xcalloc((size_t)K, sizeof(int64_t));
	fm = xcalloc((size_t)K, sizeof(int64_t));
	for (int i = 0; i < argc; i++) {
		durations(z[i], n[i], &d, &cnt, &cap);
		count_labels(z[i], n[i], on, fm);
	}
	fr = xmalloc((size_t)K * sizeof(double));
	ff = xmalloc((size_t)K * sizeof(double));
	perm = xmalloc((size_t)K * sizeof(int));
	inv = xmalloc((size_t)K * sizeof(int));
	for (int k = 0; k < K; k++) {
		ton += on[k];
		tfm += fm[k];
	}
	for (int k = 0; k < K; k++) {
		fr[k] = (double)on[k] / (double)ton;
		ff[k] = (double)fm[k] / (double)tfm;
	}
	put_vec("durations", d, cnt);
	put_vec("freq_runlength", fr, (size_t)K);
	put_vec("freq_frames", ff, (size_t)K);
	reindex(on, fm, K, perm, inv);
	fputs("order", stdout);
	for (int k = 0; k < K; k++)
		printf(" %d", perm[k]);
	putchar('\n');
	{
		double med = median(d, cnt);
		put_vec("median_duration", &med, 1);
	}
	for (int i = 0; i < argc; i++)
		free(z[i]);
	free(d);
	free(on);
	free(fm);
	free(fr);
	free(ff);
	free(perm);
	free(inv);
}

/* cmd_selftest: mz-arhmm selftest NAME [args]: print the quantities the
 * sampler tests compare with exact answers (a diagnostic). */
static int
cmd_selftest(int argc, char **argv)
{
	uint64_t draws = 0;

	if (argc > 2 && strcmp(argv[1], "labels") != 0)
		draws = parse_count(argv[2], "draw count");
	if (argc < 2)
		usage_error("selftest needs a name (ffbs, mniw, counts or "
		    "labels)");
	if (strcmp(argv[1], "ffbs") == 0)
		st_ffbs(draws ? draws : 100000, 7);
	else if (strcmp(argv[1], "mniw") == 0)
		st_mniw(draws ? draws : 20000, 7);
	else if (strcmp(argv[1], "counts") == 0)
		st_counts(draws ? draws : 20000, 7, 50, 3.7, 0.3);
	else if (strcmp(argv[1], "labels") == 0)
		st_labels(argc - 2, argv + 2);
	else
		usage_error("unknown selftest '%s'", argv[1]);
	finish_stdout();
	return 0;
}

/* ------------------------------------------------------------ main */

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} cmds[] = {
		{ "fit", cmd_fit }, { "apply", cmd_apply },
		{ "selftest", cmd_selftest }
	};

	tool_init("mz-arhmm", SYNOPSIS);
	openblas_set_num_threads(1);
	if (argc < 2)
		usage_error("no command (want fit or apply)");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		tool_stdopt('h');
	if (strcmp(argv[1], "--version") == 0)
		tool_stdopt(OPT_VERSION);
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(argv[1], cmds[k].name) == 0) {
			argv[1] = argv[0];
			return cmds[k].run(argc - 1, argv + 1);
		}
	usage_error("unknown command '%s' (want fit or apply)", argv[1]);
}
