/*
 * mzgen - write a synthetic standard-tracks stream for tests and
 * benchmarks: parts = sequences x individuals, each with frame (i64), time
 * (f64), id (i32) and NAME.x, NAME.y, NAME.p (f64) per bodypart.  Values
 * are deterministic functions of (part, frame, bodypart), so tests can
 * recompute them: x = 100 + 50 sin(0.01 f + k) + 10 id, y = 80 + 40
 * cos(0.013 f + 2k) - 5 id, p = ((f * 7 + k * 13 + id) mod 100) / 100.
 *
 * usage: mzgen [-s sequences] [-i individuals] [-n rows] [-k bodyparts]
 *              [-c none|zstd|shuffle] [-m missing-every] [-o file]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mz.h"

static void
die(mz_err *e)
{
	fprintf(stderr, "mzgen: %s\n", e->msg);
	exit(1);
}

int
main(int argc, char **argv)
{
	long nseq = 2, nind = 2, nrows = 100, nbp = 3, missing = 0;
	const char *out = "-";
	mz_wopts o = { MZ_CODEC_AUTO, 0, 0, 0 };
	mz_err e;
	int c;

	while ((c = getopt(argc, argv, "s:i:n:k:c:m:o:")) != -1) {
		switch (c) {
		case 's': nseq = atol(optarg); break;
		case 'i': nind = atol(optarg); break;
		case 'n': nrows = atol(optarg); break;
		case 'k': nbp = atol(optarg); break;
		case 'm': missing = atol(optarg); break;
		case 'o': out = optarg; break;
		case 'c':
			o.codec = strcmp(optarg, "none") == 0 ? MZ_CODEC_RAW :
			    strcmp(optarg, "zstd") == 0 ? MZ_CODEC_ZSTD :
			    MZ_CODEC_SHUFFLE;
			break;
		default:
			fprintf(stderr, "usage: mzgen [-s seqs] [-i inds] "
			    "[-n rows] [-k bodyparts] [-c codec] [-m every] "
			    "[-o file]\n");
			return 2;
		}
	}
	mz_writer *w = mz_writer_open(out, &o, &e);
	if (w == NULL)
		die(&e);
	size_t ncol = 3 + 3 * (size_t)nbp, chunk = 4096;
	void **cols = calloc(ncol, sizeof(*cols));
	for (size_t j = 0; j < ncol; j++)
		cols[j] = malloc(chunk * 8);
	for (long s = 0; s < nseq; s++) {
		for (long id = 0; id < nind; id++) {
			mz_header *h = mz_header_new();
			char name[64];
			cJSON *bps = cJSON_CreateArray(), *inds = cJSON_CreateArray();
			mz_header_add_column(h, "frame", MZ_I64, NULL, &e);
			mz_header_add_column(h, "time", MZ_F64, "s", &e);
			mz_header_add_column(h, "id", MZ_I32, NULL, &e);
			for (long k = 0; k < nbp; k++) {
				snprintf(name, sizeof(name), "bp%ld", k);
				cJSON_AddItemToArray(bps, cJSON_CreateString(name));
				snprintf(name, sizeof(name), "bp%ld.x", k);
				mz_header_add_column(h, name, MZ_F64, "px", &e);
				snprintf(name, sizeof(name), "bp%ld.y", k);
				mz_header_add_column(h, name, MZ_F64, "px", &e);
				snprintf(name, sizeof(name), "bp%ld.p", k);
				mz_header_add_column(h, name, MZ_F64, NULL, &e);
			}
			for (long i = 0; i < nind; i++) {
				snprintf(name, sizeof(name), "mouse%ld", i);
				cJSON_AddItemToArray(inds, cJSON_CreateString(name));
			}
			mz_meta_set(h, "group", cJSON_CreateString(s % 2 ?
			    "treated" : "control"), &e);
			snprintf(name, sizeof(name), "seq%ld", s);
			mz_meta_set(h, "sequence", cJSON_CreateString(name), &e);
			snprintf(name, sizeof(name), "mouse%ld", id);
			mz_meta_set(h, "individual", cJSON_CreateString(name), &e);
			mz_meta_set(h, "individuals", inds, &e);
			mz_meta_set(h, "fps", cJSON_CreateNumber(30), &e);
			mz_meta_set(h, "units", cJSON_CreateString("px"), &e);
			mz_meta_set(h, "bodyparts", bps, &e);
			/* The generation parameters: runs with different
			 * ones carry different processing hashes; the parts
			 * of one run share one, like the parts a converter
			 * writes from one file. */
			cJSON *gopt = cJSON_CreateObject();
			cJSON_AddNumberToObject(gopt, "rows", (double)nrows);
			cJSON_AddNumberToObject(gopt, "bodyparts", (double)nbp);
			cJSON_AddNumberToObject(gopt, "missing_every",
			    (double)missing);
			mz_header_add_history(h, "mzgen", MZ_VERSION, gopt, NULL,
			    &e);
			if (mz_writer_begin_part(w, h, &e) < 0)
				die(&e);
			for (long f0 = 0; f0 < nrows; f0 += (long)chunk) {
				size_t n = (size_t)(nrows - f0) < chunk ?
				    (size_t)(nrows - f0) : chunk;
				for (size_t i = 0; i < n; i++) {
					long f = f0 + (long)i;
					((int64_t *)cols[0])[i] = f;
					((double *)cols[1])[i] = f / 30.0;
					((int32_t *)cols[2])[i] = (int32_t)id;
					for (long k = 0; k < nbp; k++) {
						int miss = missing &&
						    (f + k) % missing == 0;
						((double *)cols[3 + 3 * k])[i] =
						    miss ? NAN : 100 + 50 *
						    sin(0.01 * f + k) + 10 * id;
						((double *)cols[4 + 3 * k])[i] =
						    miss ? NAN : 80 + 40 *
						    cos(0.013 * f + 2 * k) - 5 * id;
						((double *)cols[5 + 3 * k])[i] =
						    miss ? 0 : ((f * 7 + k * 13 +
						    id) % 100) / 100.0;
					}
				}
				if (mz_writer_append(w, n,
				    (const void *const *)cols, &e) < 0)
					die(&e);
			}
			if (mz_writer_end_part(w, &e) < 0)
				die(&e);
			mz_header_free(h);
		}
	}
	if (mz_writer_close(w, &e) < 0)
		die(&e);
	for (size_t j = 0; j < ncol; j++)
		free(cols[j]);
	free(cols);
	return 0;
}
