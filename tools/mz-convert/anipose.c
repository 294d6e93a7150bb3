/*
 * anipose.c - anipose's triangulated 3-D CSV (pose-3d/NAME.csv): for every
 * bodypart NAME the columns NAME_x, NAME_y, NAME_z, NAME_error,
 * NAME_ncams and NAME_score, then fnum (the frame number) and the
 * alignment M_ij and center_i columns.  Coordinates are in the units of
 * the calibration board; NAME_score becomes the confidence (an empty score
 * reads as 0); error, ncams, M and center are not carried into the
 * tracks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

#define FAIL(...) conv_fail(err, __VA_ARGS__)

/* suffix_of: if name ends in "_" suf, the length of the part before. */
static int
suffix_of(const char *name, const char *suf, size_t *n)
{
	size_t l = strlen(name), m = strlen(suf);

	if (l < m + 2 || name[l - m - 1] != '_' ||
	    strcmp(name + l - m, suf) != 0)
		return 0;
	*n = l - m - 1;
	return 1;
}

/* conv_read_anipose: see conv.h. */
int
conv_read_anipose(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	static const char *const sfx[4] = { "x", "y", "z", "score" };
	conv_csv c;
	conv_set *s;
	char **hdr = NULL;
	int *cmap = NULL;       /* column -> bodypart * 4 + component */
	int fcol = -1, rc;
	double *vals = NULL;
	int64_t *frames = NULL;
	size_t nf, rows = 0, cap = 0;

	(void)o;
	memset(&c, 0, sizeof c);
	if ((s = conv_set_new("anipose")) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path),
		    -1;
	s->dims = 3;
	free(s->units);
	if ((s->units = conv_strdup("board")) == NULL)
		goto nomem;
	if (conv_csv_open(&c, path, err) < 0) {
		conv_set_free(s);
		return -1;
	}
	conv_csv_hash(&c);
	memcpy(s->xxh64, c.xxh64, sizeof s->xxh64);
	if ((rc = conv_csv_row(&c, err)) <= 0) {
		if (rc == 0)
			FAIL("%s: empty file", path);
		goto fail;
	}
	nf = c.nf;
	if ((hdr = malloc(nf * sizeof *hdr)) == NULL ||
	    (cmap = malloc(nf * sizeof *cmap)) == NULL)
		goto nomem;
	memcpy(hdr, c.f, nf * sizeof *hdr);
	/* Bodyparts in the order of their _x columns. */
	for (size_t j = 0; j < nf; j++) {
		size_t n;

		cmap[j] = -1;
		if (strcmp(hdr[j], "fnum") == 0)
			fcol = (int)j;
		else if (suffix_of(hdr[j], "x", &n)) {
			char name[1024];
			size_t before = s->nbp;

			if (n >= sizeof name)
				n = sizeof name - 1;
			memcpy(name, hdr[j], n);
			name[n] = '\0';
			if (conv_set_bodypart(s, name) < 0)
				goto nomem;
			if (s->nbp == before) {
				FAIL("%s: line 1, column %zu: duplicate "
				    "bodypart column '%s'", path, j + 1,
				    hdr[j]);
				goto fail;
			}
		}
	}
	if (s->nbp == 0) {
		FAIL("%s: line 1: no NAME_x columns (not an anipose CSV)",
		    path);
		goto fail;
	}
	for (size_t j = 0; j < nf; j++)
		for (int k = 0; k < 4; k++) {
			size_t n;

			if (suffix_of(hdr[j], sfx[k], &n)) {
				for (size_t b = 0; b < s->nbp; b++)
					if (strlen(s->bodyparts[b]) == n &&
					    strncmp(hdr[j], s->bodyparts[b],
					    n) == 0) {
						for (size_t i = 0; i < j; i++)
							if (cmap[i] == (int)b *
							    4 + k) {
								FAIL("%s: line "
								    "1, column "
								    "%zu: "
								    "duplicate "
								    "column "
								    "'%s'",
								    path, j + 1,
								    hdr[j]);
								goto fail;
							}
						cmap[j] = (int)b * 4 + k;
					}
			}
		}
	for (size_t b = 0; b < s->nbp; b++)
		for (int k = 0; k < 3; k++) {
			int found = 0;

			for (size_t j = 0; j < nf; j++)
				found |= cmap[j] == (int)b * 4 + k;
			if (!found) {
				FAIL("%s: line 1: bodypart '%s' has no %s_%s "
				    "column", path, s->bodyparts[b],
				    s->bodyparts[b], sfx[k]);
				goto fail;
			}
		}
	while ((rc = conv_csv_row(&c, err)) > 0) {
		double *row;

		if (c.nf != nf) {
			FAIL("%s: line %zu: %zu fields, the header has %zu",
			    path, c.line, c.nf, nf);
			goto fail;
		}
		if (rows == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			double *nv = realloc(vals, ncap * s->nbp * 4 *
			    sizeof *nv);
			int64_t *nfr;

			if (nv == NULL)
				goto nomem;
			vals = nv;
			if ((nfr = realloc(frames, ncap * sizeof *nfr)) ==
			    NULL)
				goto nomem;
			frames = nfr;
			cap = ncap;
		}
		row = vals + rows * s->nbp * 4;
		for (size_t k = 0; k < s->nbp * 4; k++)
			row[k] = NAN;
		for (size_t j = 0; j < nf; j++)
			if (cmap[j] >= 0 && conv_csv_num(&c, j, hdr[j],
			    &row[cmap[j]], err) < 0)
				goto fail;
		if (fcol >= 0) {
			double fv;

			if (conv_csv_num(&c, (size_t)fcol, "fnum", &fv,
			    err) < 0)
				goto fail;
			if (!(fv >= 0 && fv < 9e15 && fv == floor(fv))) {
				FAIL("%s: line %zu, column %d (fnum): '%.40s' "
				    "is not a frame number", path, c.line,
				    fcol + 1, c.f[fcol]);
				goto fail;
			}
			frames[rows] = (int64_t)fv;
			if (rows > 0 && frames[rows] <= frames[rows - 1]) {
				FAIL("%s: line %zu: frame %lld after %lld: "
				    "frames must increase", path, c.line,
				    (long long)frames[rows],
				    (long long)frames[rows - 1]);
				goto fail;
			}
		} else
			frames[rows] = (int64_t)rows;
		rows++;
	}
	if (rc < 0)
		goto fail;
	{
		char *stem = conv_stem(path);
		conv_seq *q;
		conv_ind *d;

		if (stem == NULL || (q = conv_set_add_seq(s, stem, rows)) ==
		    NULL) {
			free(stem);
			goto nomem;
		}
		free(stem);
		if (rows)
			memcpy(q->frame, frames, rows * sizeof *frames);
		if ((d = conv_seq_add_ind(s, q, CONV_SINGLE_NAME)) == NULL)
			goto nomem;
		for (size_t f = 0; f < rows; f++)
			for (size_t b = 0; b < s->nbp; b++) {
				const double *v = vals + (f * s->nbp + b) * 4;
				size_t at = f * s->nbp + b;

				/* A point with any coordinate empty (or
				 * not finite) is missing as a whole. */
				if (!isfinite(v[0]) || !isfinite(v[1]) ||
				    !isfinite(v[2])) {
					d->x[at] = d->y[at] = d->z[at] = NAN;
					d->p[at] = 0;
					continue;
				}
				d->x[at] = v[0];
				d->y[at] = v[1];
				d->z[at] = v[2];
				d->p[at] = isnan(v[3]) ? 0 : v[3];
			}
	}
	free(hdr);
	free(cmap);
	free(vals);
	free(frames);
	conv_csv_close(&c);
	*out = s;
	return 0;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
fail:
	free(hdr);
	free(cmap);
	free(vals);
	free(frames);
	conv_csv_close(&c);
	conv_set_free(s);
	return -1;
}
