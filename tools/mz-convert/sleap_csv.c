/*
 * sleap_csv.c - SLEAP's analysis CSV export: one row per instance,
 *
 *   track,frame_idx,instance.score,NODE.x,NODE.y,NODE.score,...
 *
 * where track is the track's name (empty for an untracked instance) and
 * rows need not be in frame order.  Each track becomes an individual
 * (untracked instances: "untracked"); frames are the sorted frame_idx
 * values that occur.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

#define FAIL(...) conv_fail(err, __VA_ARGS__)
#define UNTRACKED "untracked"

/* One instance row. */
struct inst {
	int64_t frame;
	size_t track;
	size_t line;
	double *v;         /* [nnodes * 3] x, y, score */
};

/* cmp_i64: qsort order of int64_t. */
static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* ends_with: s ends in suf; its length without suf in *n. */
static int
ends_with(const char *s, const char *suf, size_t *n)
{
	size_t l = strlen(s), m = strlen(suf);

	if (l <= m || strcmp(s + l - m, suf) != 0)
		return 0;
	*n = l - m;
	return 1;
}

/* conv_read_sleap_csv: see conv.h. */
int
conv_read_sleap_csv(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	conv_csv c;
	conv_set *s;
	struct inst *in = NULL;
	size_t nin = 0, cap = 0, nf, nn, ntr = 0, nfr = 0;
	char **tracks = NULL, **hdr = NULL;
	double *vals = NULL;
	int64_t *fr = NULL;
	int rc;

	(void)o;
	if ((s = conv_set_new("sleap-csv")) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path),
		    -1;
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
	if (nf < 6 || strcmp(c.f[0], "track") != 0 ||
	    strcmp(c.f[1], "frame_idx") != 0 ||
	    strcmp(c.f[2], "instance.score") != 0 || (nf - 3) % 3 != 0) {
		FAIL("%s: line %zu: not a SLEAP analysis CSV header (track, "
		    "frame_idx, instance.score, then NODE.x, NODE.y, "
		    "NODE.score for each of one or more nodes)", path,
		    c.line);
		goto fail;
	}
	nn = (nf - 3) / 3;
	/* Header cells stay valid in c's buffer: keep them for messages. */
	if ((hdr = malloc(nf * sizeof *hdr)) == NULL)
		goto nomem;
	memcpy(hdr, c.f, nf * sizeof *hdr);
	for (size_t k = 0; k < nn; k++) {
		const char *a = c.f[3 + 3 * k], *b = c.f[4 + 3 * k],
		    *sc = c.f[5 + 3 * k];
		size_t la, lb, ls;

		if (!ends_with(a, ".x", &la) || !ends_with(b, ".y", &lb) ||
		    !ends_with(sc, ".score", &ls) || la != lb || la != ls ||
		    strncmp(a, b, la) != 0 || strncmp(a, sc, la) != 0) {
			FAIL("%s: line %zu, column %zu: expected NODE.x, "
			    "NODE.y, NODE.score, found '%.40s', '%.40s', "
			    "'%.40s'", path, c.line, 4 + 3 * k, a, b, sc);
			goto fail;
		}
		{
			char name[1024];
			int before = (int)s->nbp;

			snprintf(name, sizeof name, "%.*s", (int)la, a);
			if (conv_set_bodypart(s, name) < 0)
				goto nomem;
			if ((int)s->nbp == before) {
				FAIL("%s: line %zu, column %zu: duplicate "
				    "bodypart '%s'", path, c.line, 4 + 3 * k,
				    name);
				goto fail;
			}
		}
	}
	while ((rc = conv_csv_row(&c, err)) > 0) {
		struct inst *p;
		double fv;
		size_t t;

		if (c.nf != nf) {
			FAIL("%s: line %zu: %zu fields, the header has %zu",
			    path, c.line, c.nf, nf);
			goto fail;
		}
		if (nin == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			double *nv;

			if ((p = realloc(in, ncap * sizeof *p)) == NULL)
				goto nomem;
			in = p;
			if ((nv = realloc(vals, ncap * nn * 3 *
			    sizeof *nv + 1)) == NULL)
				goto nomem;
			vals = nv;
			cap = ncap;
		}
		p = &in[nin];
		if (mz_parse_i64(c.f[1], c.flen[1], &p->frame) < 0 ||
		    p->frame < 0) {
			FAIL("%s: line %zu, column 2 (frame_idx): '%.40s' is "
			    "not a frame number", path, c.line, c.f[1]);
			goto fail;
		}
		if (conv_csv_num(&c, 2, "instance.score", &fv, err) < 0)
			goto fail;
		{
			const char *tn = c.flen[0] ? c.f[0] : UNTRACKED;

			for (t = 0; t < ntr; t++)
				if (strcmp(tracks[t], tn) == 0)
					break;
			if (t == ntr) {
				char **nt = realloc(tracks, (ntr + 1) *
				    sizeof *nt);
				if (nt == NULL)
					goto nomem;
				tracks = nt;
				if ((tracks[ntr] = conv_strdup(tn)) == NULL)
					goto nomem;
				ntr++;
			}
		}
		p->track = t;
		p->line = c.line;
		for (size_t j = 0; j < nn * 3; j++)
			if (conv_csv_num(&c, 3 + j, hdr[3 + j],
			    &vals[nin * nn * 3 + j], err) < 0)
				goto fail;
		nin++;
	}
	if (rc < 0)
		goto fail;
	if (nin == 0) {
		FAIL("%s: line %zu: no instances after the header", path,
		    c.nextline);
		goto fail;
	}
	for (size_t i = 0; i < nin; i++)
		in[i].v = vals + i * nn * 3;
	/* Frames: the sorted distinct frame_idx values. */
	if ((fr = malloc((nin ? nin : 1) * sizeof *fr)) == NULL)
		goto nomem;
	for (size_t i = 0; i < nin; i++)
		fr[i] = in[i].frame;
	qsort(fr, nin, sizeof *fr, cmp_i64);
	for (size_t i = 0; i < nin; i++)
		if (nfr == 0 || fr[i] != fr[nfr - 1])
			fr[nfr++] = fr[i];
	{
		char *stem = conv_stem(path);
		conv_seq *q;
		unsigned char *filled;

		if (stem == NULL || (q = conv_set_add_seq(s, stem, nfr)) ==
		    NULL) {
			free(stem);
			goto nomem;
		}
		free(stem);
		memcpy(q->frame, fr, nfr * sizeof *fr);
		for (size_t t = 0; t < ntr; t++)
			if (conv_seq_add_ind(s, q, tracks[t]) == NULL)
				goto nomem;
		if ((filled = calloc(nfr * ntr + 1, 1)) == NULL)
			goto nomem;
		for (size_t i = 0; i < nin; i++) {
			int64_t *hit = bsearch(&in[i].frame, fr, nfr,
			    sizeof *fr, cmp_i64);
			size_t f = (size_t)(hit - fr);
			conv_ind *d = &q->ind[in[i].track];

			if (filled[f * ntr + in[i].track]) {
				free(filled);
				FAIL("%s: line %zu: a second instance of track "
				    "'%s' in frame %lld", path, in[i].line,
				    tracks[in[i].track],
				    (long long)in[i].frame);
				goto fail;
			}
			filled[f * ntr + in[i].track] = 1;
			for (size_t k = 0; k < nn; k++) {
				double x = in[i].v[3 * k], y = in[i].v[3 * k +
				    1], sc = in[i].v[3 * k + 2];
				size_t at = f * s->nbp + k;

				/* x or y empty (or not finite): the
				 * point is missing as a whole. */
				if (!isfinite(x) || !isfinite(y)) {
					d->x[at] = d->y[at] = NAN;
					d->p[at] = 0;
					continue;
				}
				d->x[at] = x;
				d->y[at] = y;
				d->p[at] = isnan(sc) ? 1 : sc;
			}
		}
		free(filled);
	}
	for (size_t t = 0; t < ntr; t++)
		free(tracks[t]);
	free(tracks);
	free(in);
	free(vals);
	free(fr);
	free(hdr);
	conv_csv_close(&c);
	*out = s;
	return 0;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
fail:
	for (size_t t = 0; t < ntr; t++)
		free(tracks[t]);
	free(tracks);
	free(in);
	free(vals);
	free(fr);
	free(hdr);
	conv_csv_close(&c);
	conv_set_free(s);
	return -1;
}
