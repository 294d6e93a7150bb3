/*
 * arhmm-sim - write latent trajectories of a random sticky AR(1)-HMM as an
 * mzs stream, with the true state of each frame, for the tests and the
 * benchmark of mz-arhmm (the full simulator of keypoint recordings is
 * mz-simulate's job).
 *
 * Each of the K states has x_t = A_k x_{t-1} + b_k + e_t, e_t ~ N(0,
 * sigma^2 I), with A_k = rho R_k (R_k a random rotation: a product of
 * random Givens rotations), b_k = (I - A_k) mu_k and mu_k ~ N(0, 1.5^2 I).
 * Durations are 1 + round(Gamma(shape 4, mean m - 1)) frames; the next
 * state is drawn uniformly among the other states.  Columns: frame (i64),
 * time (f64, 30 fps), id (i32, 0), x0..x{d-1} (f64), state (i32).
 *
 * usage: arhmm-sim [-s seqs] [-n frames] [-K states] [-d dim]
 *                  [-m mean-duration] [-e sigma] [-r rho] [-S seed]
 *                  [-x nan-every] [-o file]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mz.h"

/* fail: print the library error and exit 1. */
static void
fail(const mz_err *e)
{
	fprintf(stderr, "arhmm-sim: %s\n", e->msg);
	exit(1);
}

/* rnorm: a standard normal draw (Marsaglia's polar method). */
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

/* rgamma: a Gamma(a, 1) draw for a >= 1 (Marsaglia and Tsang). */
static double
rgamma(mz_rng *g, double a)
{
	double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);

	for (;;) {
		double x = rnorm(g), v = 1 + c * x, u;
		if (v <= 0)
			continue;
		v = v * v * v;
		u = 1 - mz_rng_uniform(g);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

int
main(int argc, char **argv)
{
	long nseq = 2, nframes = 1000, K = 4, d = 4, nanevery = 0;
	double mean = 15, sigma = 0.2, rho = 0.9;
	uint64_t seed = 1;
	const char *out = "-";
	mz_wopts o = { MZ_CODEC_AUTO, 0, 0, 0 };
	mz_err e;
	mz_rng g;
	int c;

	while ((c = getopt(argc, argv, "s:n:K:d:m:e:r:S:x:o:")) != -1) {
		switch (c) {
		case 's': nseq = atol(optarg); break;
		case 'n': nframes = atol(optarg); break;
		case 'K': K = atol(optarg); break;
		case 'd': d = atol(optarg); break;
		case 'm': mean = atof(optarg); break;
		case 'e': sigma = atof(optarg); break;
		case 'r': rho = atof(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'x': nanevery = atol(optarg); break;
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "usage: arhmm-sim [-s seqs] [-n frames] "
			    "[-K states] [-d dim] [-m mean-duration] "
			    "[-e sigma] [-r rho] [-S seed] [-x nan-every] "
			    "[-o file]\n");
			return 2;
		}
	}
	if (nseq < 1 || nframes < 1 || K < 2 || d < 2 || d > 64 || mean < 1) {
		fprintf(stderr, "arhmm-sim: bad parameters\n");
		return 2;
	}
	size_t D = (size_t)d;
	double *A = calloc((size_t)K * D * D, sizeof(double));
	double *b = calloc((size_t)K * D, sizeof(double));
	mz_rng_seed(&g, seed, 0);
	for (long k = 0; k < K; k++) {
		double *a = A + (size_t)k * D * D, mu[64], t[64];
		for (size_t i = 0; i < D; i++)
			a[i * D + i] = 1;
		/* R = product of 3 D random Givens rotations, applied on the
		 * left of the identity. */
		for (size_t r = 0; r < 3 * D; r++) {
			size_t p = (size_t)(mz_rng_uniform(&g) * (double)D), q;
			do
				q = (size_t)(mz_rng_uniform(&g) * (double)D);
			while (q == p);
			double th = (2 * mz_rng_uniform(&g) - 1) * M_PI;
			for (size_t j = 0; j < D; j++) {
				double x = a[p * D + j], y = a[q * D + j];
				a[p * D + j] = cos(th) * x - sin(th) * y;
				a[q * D + j] = sin(th) * x + cos(th) * y;
			}
		}
		for (size_t i = 0; i < D * D; i++)
			a[i] *= rho;
		for (size_t i = 0; i < D; i++)
			mu[i] = 1.5 * rnorm(&g);
		for (size_t i = 0; i < D; i++) {
			t[i] = mu[i];
			for (size_t j = 0; j < D; j++)
				t[i] -= a[i * D + j] * mu[j];
			b[(size_t)k * D + i] = t[i];
		}
	}

	mz_writer *w = mz_writer_open(out, &o, &e);
	if (w == NULL)
		fail(&e);
	size_t ncol = 4 + D;
	void **cols = calloc(ncol, sizeof(*cols));
	for (size_t j = 0; j < ncol; j++)
		cols[j] = malloc((size_t)nframes * 8);
	for (long s = 0; s < nseq; s++) {
		mz_header *h = mz_header_new();
		char name[64];
		double x[64], y[64];
		long state = -1, left = 0;

		mz_rng_seed(&g, seed, 1 + (uint64_t)s);
		mz_header_add_column(h, "frame", MZ_I64, NULL, &e);
		mz_header_add_column(h, "time", MZ_F64, "s", &e);
		mz_header_add_column(h, "id", MZ_I32, NULL, &e);
		for (size_t j = 0; j < D; j++) {
			snprintf(name, sizeof(name), "x%zu", j);
			mz_header_add_column(h, name, MZ_F64, NULL, &e);
		}
		mz_header_add_column(h, "state", MZ_I32, NULL, &e);
		snprintf(name, sizeof(name), "sim%ld", s);
		mz_meta_set(h, "sequence", cJSON_CreateString(name), &e);
		mz_meta_set(h, "fps", cJSON_CreateNumber(30), &e);
		cJSON *gopt = cJSON_CreateObject();
		cJSON_AddNumberToObject(gopt, "frames", (double)nframes);
		cJSON_AddNumberToObject(gopt, "states", (double)K);
		cJSON_AddNumberToObject(gopt, "dim", (double)d);
		cJSON_AddNumberToObject(gopt, "seed", (double)seed);
		mz_header_add_history(h, "arhmm-sim", MZ_VERSION, gopt, NULL,
		    &e);
		if (mz_writer_begin_part(w, h, &e) < 0)
			fail(&e);
		for (size_t j = 0; j < D; j++)
			x[j] = rnorm(&g);
		for (long f = 0; f < nframes; f++) {
			if (left == 0) {
				long next;
				do
					next = (long)(mz_rng_uniform(&g) *
					    (double)K);
				while (next == state);
				state = next;
				left = 1 + lround(rgamma(&g, 4) * (mean - 1) /
				    4);
			}
			left--;
			const double *a = A + (size_t)state * D * D;
			for (size_t i = 0; i < D; i++) {
				y[i] = b[(size_t)state * D + i] + sigma *
				    rnorm(&g);
				for (size_t j = 0; j < D; j++)
					y[i] += a[i * D + j] * x[j];
			}
			memcpy(x, y, D * sizeof(double));
			((int64_t *)cols[0])[f] = f;
			((double *)cols[1])[f] = f / 30.0;
			((int32_t *)cols[2])[f] = 0;
			for (size_t j = 0; j < D; j++)
				((double *)cols[3 + j])[f] = nanevery &&
				    f % nanevery == nanevery - 1 && j == 0 ?
				    NAN : x[j];
			((int32_t *)cols[3 + D])[f] = (int32_t)state;
		}
		if (mz_writer_append(w, (size_t)nframes,
		    (const void *const *)cols, &e) < 0 ||
		    mz_writer_end_part(w, &e) < 0)
			fail(&e);
		mz_header_free(h);
	}
	if (mz_writer_close(w, &e) < 0)
		fail(&e);
	for (size_t j = 0; j < ncol; j++)
		free(cols[j]);
	free(cols);
	free(A);
	free(b);
	return 0;
}
