/*
 * nwb.c - NWB files with pose data from the ndx-pose extension (0.1 and
 * 0.2), and the content detection of mz-convert's HDF5 formats.
 *
 * PoseEstimation groups (attribute neurodata_type "PoseEstimation") are
 * found anywhere under /processing (--key: the one whose path or name is
 * the key).  Each processing module holding them is one sequence (named
 * by the file when there is one module, else by the module).  In a
 * PoseEstimation, each PoseEstimationSeries subgroup is one bodypart of
 * one individual: data (T, 2 or 3), times by timestamps (T) or
 * starting_time and its rate attribute, optional confidence (T).  Bodypart
 * names and their order: the container's nodes dataset (0.1), else the
 * nodes of its linked skeleton (0.2, a Skeleton in the module's
 * Skeletons), else the series names; edges from the same place.  A series
 * named PREFIX_NODE for a known node belongs to individual PREFIX (as
 * DeepLabCut's export names them: ind1_snout); otherwise the individual
 * is the container's name when the module has several containers, else
 * CONV_SINGLE_NAME.  Units: "pixels" is px, other units are kept; the
 * data's conversion factor is applied.  All series of a sequence must have
 * the same number of samples.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "h5util.h"

#define MAX_PE 256

/* The PoseEstimation containers found. */
struct pes {
	char *path[MAX_PE];
	size_t n;
};

/* attr_is: attribute attr of loc/name is the string want. */
static int
attr_is(hid_t f, const char *name, const char *attr, const char *want)
{
	mz_err e = { 0, "" };
	char *v = h5u_attr_bytes(f, name, attr, NULL, &e);
	int r = v != NULL && strcmp(v, want) == 0;

	free(v);
	return r;
}

/* find_pe: add the PoseEstimation groups under path (depth levels) to
 * p. */
static void
find_pe(hid_t f, const char *path, int depth, struct pes *p)
{
	char **names;
	size_t n;
	mz_err e;

	if (depth < 0 || (names = h5u_list(f, path, &n, "", &e)) == NULL)
		return;
	for (size_t i = 0; i < n && p->n < MAX_PE; i++) {
		char sub[1024];

		snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
		if (h5u_kind(f, sub) != H5O_TYPE_GROUP)
			continue;
		if (attr_is(f, sub, "neurodata_type", "PoseEstimation")) {
			if ((p->path[p->n] = strdup(sub)) != NULL)
				p->n++;
		} else
			find_pe(f, sub, depth - 1, p);
	}
	h5u_free_strings(names, n);
}

/* parent: a new copy of path without its last component. */
static char *
parent(const char *path)
{
	char *p = strdup(path), *sl;

	if (p != NULL && (sl = strrchr(p, '/')) != NULL)
		*sl = '\0';
	return p;
}

/* lastname: the last component of path. */
static const char *
lastname(const char *path)
{
	const char *sl = strrchr(path, '/');

	return sl ? sl + 1 : path;
}

/* One series read. */
struct series {
	char *ind, *bp;
	double *data, *conf, *ts;
	size_t T, cols;
	double start, rate, conversion;
	char *unit;
};

/* series_free: release what a series holds. */
static void
series_free(struct series *sr)
{
	free(sr->ind);
	free(sr->bp);
	free(sr->data);
	free(sr->conf);
	free(sr->ts);
	free(sr->unit);
}

/* read_series: the PoseEstimationSeries at g into sr. */
static int
read_series(hid_t f, const char *g, const char *path, struct series *sr,
    mz_err *err)
{
	char ds[1300];
	hsize_t dims[8];
	int rank;
	size_t n;

	snprintf(ds, sizeof ds, "%s/data", g);
	if (h5u_shape(f, ds, &rank, dims, path, ds, err) < 0)
		return -1;
	if (rank != 2 || (dims[1] != 2 && dims[1] != 3))
		return h5u_fail(err, path, ds, "shape of rank %d, (T, 2) or "
		    "(T, 3) expected", rank);
	sr->T = (size_t)dims[0];
	sr->cols = (size_t)dims[1];
	if ((sr->data = h5u_read_f64(f, ds, &n, path, ds, err)) == NULL)
		return -1;
	sr->conversion = 1;
	h5u_attr_f64(f, ds, "conversion", &sr->conversion);
	err->code = 0;
	sr->unit = h5u_attr_bytes(f, ds, "unit", NULL, err);
	if (sr->unit == NULL && err->code != 0)
		return -1;
	snprintf(ds, sizeof ds, "%s/confidence", g);
	if (h5u_kind(f, ds) == H5O_TYPE_DATASET) {
		if ((sr->conf = h5u_read_f64(f, ds, &n, path, ds, err)) ==
		    NULL)
			return -1;
		if (n != sr->T)
			return h5u_fail(err, path, ds, "%zu values for %zu "
			    "samples of data", n, sr->T);
	}
	snprintf(ds, sizeof ds, "%s/timestamps", g);
	if (h5u_kind(f, ds) == H5O_TYPE_DATASET) {
		if ((sr->ts = h5u_read_f64(f, ds, &n, path, ds, err)) == NULL)
			return -1;
		if (n != sr->T)
			return h5u_fail(err, path, ds, "%zu timestamps for %zu "
			    "samples of data", n, sr->T);
		return 0;
	}
	snprintf(ds, sizeof ds, "%s/starting_time", g);
	if (h5u_kind(f, ds) == H5O_TYPE_DATASET) {
		double *st = h5u_read_f64(f, ds, &n, path, ds, err);

		if (st == NULL)
			return -1;
		sr->start = n > 0 ? st[0] : 0;
		free(st);
		if (h5u_attr_f64(f, ds, "rate", &sr->rate) < 0 ||
		    !(sr->rate > 0))
			return h5u_fail(err, path, ds, "no positive 'rate' "
			    "attribute");
		return 0;
	}
	return h5u_fail(err, path, g, "neither timestamps nor "
	    "starting_time");
}

/* container_nodes: the node names (and edges, as index pairs in *edges,
 * count *ne) of PoseEstimation pe: its nodes/edges datasets (0.1), else
 * those of its skeleton link (0.2); NULL (not an error) when neither,
 * NULL with err->code set on a read error. */
static char **
container_nodes(hid_t f, const char *pe, const char *path, size_t *nn,
    double **edges, size_t *ne, mz_err *err)
{
	char ds[1300], base[1200];
	char **nodes;

	*edges = NULL;
	*ne = 0;
	err->code = 0;
	snprintf(base, sizeof base, "%s", pe);
	snprintf(ds, sizeof ds, "%s/nodes", pe);
	if (h5u_kind(f, ds) != H5O_TYPE_DATASET) {
		snprintf(base, sizeof base, "%s/skeleton", pe);
		snprintf(ds, sizeof ds, "%s/skeleton/nodes", pe);
		if (h5u_kind(f, ds) != H5O_TYPE_DATASET)
			return NULL;
	}
	if ((nodes = h5u_read_strings(f, ds, nn, path, ds, err)) == NULL)
		return NULL;
	snprintf(ds, sizeof ds, "%s/edges", base);
	if (h5u_kind(f, ds) == H5O_TYPE_DATASET) {
		size_t n;

		if ((*edges = h5u_read_f64(f, ds, &n, path, ds, err)) == NULL) {
			h5u_free_strings(nodes, *nn);
			return NULL;
		}
		*ne = n / 2;
	}
	return nodes;
}

/* find_node: index of name in nodes[0..n), or -1. */
static long
find_node(char **nodes, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i], name) == 0)
			return (long)i;
	return -1;
}

/* common_prefix: the length of a prefix "IND_" (through its first
 * underscore) shared by every PoseEstimationSeries named in names[0..n)
 * under group pe, each with a non-empty rest; 0 if there is none. */
static size_t
common_prefix(hid_t f, const char *pe, char **names, size_t n,
    const char **firstp)
{
	const char *first = NULL, *us;
	size_t len = 0;

	for (size_t k = 0; k < n; k++) {
		char g[1100];

		snprintf(g, sizeof g, "%s/%s", pe, names[k]);
		if (h5u_kind(f, g) != H5O_TYPE_GROUP ||
		    !attr_is(f, g, "neurodata_type", "PoseEstimationSeries"))
			continue;
		if (first == NULL) {
			first = names[k];
			if ((us = strchr(first, '_')) == NULL || us == first)
				return 0;
			len = (size_t)(us - first) + 1;
		}
		if (strncmp(names[k], first, len) != 0 ||
		    names[k][len] == '\0')
			return 0;
	}
	*firstp = first;
	return len;
}

/* conv_read_nwb: see conv.h. */
int
conv_read_nwb(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	struct pes pe = { { NULL }, 0 };
	struct series *sr = NULL;
	size_t nsr = 0, capsr = 0;
	char **mods = NULL, *stem = NULL;
	size_t nmods = 0;
	int *smod = NULL, rc = -1, dims = 2;
	conv_set *s = NULL;
	hid_t f;

	if ((f = h5u_open(path, err)) < 0)
		return -1;
	if (h5u_kind(f, "/processing") != H5O_TYPE_GROUP) {
		conv_fail(err, "%s: no /processing group (not an NWB file with "
		    "processed pose data)", path);
		goto out;
	}
	find_pe(f, "/processing", 4, &pe);
	if (o != NULL && o->key != NULL) {
		size_t k = pe.n;

		for (size_t i = 0; i < pe.n; i++)
			if (strcmp(pe.path[i], o->key) == 0 ||
			    strcmp(lastname(pe.path[i]), o->key) == 0 ||
			    strcmp(pe.path[i] + 1, o->key) == 0)
				k = i;
		if (k == pe.n) {
			conv_fail(err, "%s: no PoseEstimation '%s' (%zu in "
			    "the file%s%s)", path, o->key, pe.n, pe.n ?
			    ", first: " : "", pe.n ? pe.path[0] : "");
			goto out;
		}
		for (size_t i = 0; i < pe.n; i++)
			if (i != k)
				free(pe.path[i]);
		pe.path[0] = pe.path[k];
		pe.n = 1;
	}
	if (pe.n == 0) {
		conv_fail(err, "%s: no ndx-pose PoseEstimation group under "
		    "/processing", path);
		goto out;
	}
	if ((s = conv_set_new("nwb")) == NULL ||
	    (mods = calloc(pe.n + 1, sizeof *mods)) == NULL ||
	    (stem = conv_stem(path)) == NULL)
		goto nomem;
	/* Pass 1: every series of every container, with bodyparts. */
	for (size_t c = 0; c < pe.n; c++) {
		char **nodes, **names, *mod;
		double *edges;
		size_t nn = 0, ne, nnames, ncont = 0, strip;
		const char *pfx = NULL;
		long mi = -1;

		if ((mod = parent(pe.path[c])) == NULL)
			goto nomem;
		for (size_t m = 0; m < nmods; m++)
			if (strcmp(mods[m], mod) == 0)
				mi = (long)m;
		if (mi < 0) {
			mods[nmods] = mod;
			mi = (long)nmods++;
		} else
			free(mod);
		for (size_t k = 0; k < pe.n; k++) {
			char *pk = parent(pe.path[k]);

			if (pk == NULL)
				goto nomem;
			ncont += strcmp(pk, mods[mi]) == 0;
			free(pk);
		}
		nodes = container_nodes(f, pe.path[c], path, &nn, &edges, &ne,
		    err);
		if (nodes == NULL && err->code != 0)
			goto out;
		if ((names = h5u_list(f, pe.path[c], &nnames, path, err)) ==
		    NULL) {
			h5u_free_strings(nodes, nn);
			free(edges);
			goto out;
		}
		/* A prefix "IND_" common to every series (and node) names
		 * the individual: strip it from the names. */
		if ((strip = common_prefix(f, pe.path[c], names, nnames,
		    &pfx)) > 0) {
			for (size_t j = 0; j < nn; j++)
				if (strncmp(nodes[j], pfx, strip) == 0)
					memmove(nodes[j], nodes[j] + strip,
					    strlen(nodes[j] + strip) + 1);
		}
		for (size_t j = 0; j < nn; j++)
			if (conv_set_bodypart(s, nodes[j]) < 0) {
				h5u_free_strings(nodes, nn);
				free(edges);
				goto nomem;
			}
		for (size_t e = 0; e < ne; e++) {
			double a = edges[2 * e], b = edges[2 * e + 1];

			if (!(a >= 0 && a < (double)nn && b >= 0 &&
			    b < (double)nn)) {
				h5u_fail(err, path, pe.path[c], "edge %zu: "
				    "node index out of range", e);
				h5u_free_strings(nodes, nn);
				free(edges);
				goto out;
			}
			if (conv_set_edge(s, conv_set_bodypart(s,
			    nodes[(size_t)a]), conv_set_bodypart(s,
			    nodes[(size_t)b])) < 0) {
				h5u_free_strings(nodes, nn);
				free(edges);
				goto nomem;
			}
		}
		free(edges);
		for (size_t k = 0; k < nnames; k++) {
			char g[1100];
			struct series *x;
			const char *bp = names[k];
			char *ind = NULL;

			snprintf(g, sizeof g, "%s/%s", pe.path[c], names[k]);
			if (h5u_kind(f, g) != H5O_TYPE_GROUP ||
			    !attr_is(f, g, "neurodata_type",
			    "PoseEstimationSeries"))
				continue;
			if (nsr == capsr) {
				size_t cap = capsr ? capsr * 2 : 16;
				struct series *a = realloc(sr, cap * sizeof *a);
				int *b = realloc(smod, cap * sizeof *b);

				if (a != NULL)
					sr = a;
				if (b != NULL)
					smod = b;
				if (a == NULL || b == NULL) {
					h5u_free_strings(names, nnames);
					h5u_free_strings(nodes, nn);
					goto nomem;
				}
				capsr = cap;
			}
			x = &sr[nsr];
			memset(x, 0, sizeof *x);
			smod[nsr++] = (int)mi;
			if (strip > 0) {
				if ((ind = strndup(names[k], strip - 1)) ==
				    NULL) {
					h5u_free_strings(names, nnames);
					h5u_free_strings(nodes, nn);
					goto nomem;
				}
				bp = names[k] + strip;
			}
			/* PREFIX_NODE: individual PREFIX. */
			for (size_t j = 0; j < nn && ind == NULL; j++) {
				size_t ln = strlen(names[k]), lj =
				    strlen(nodes[j]);

				if (ln > lj + 1 && strcmp(names[k] + ln - lj,
				    nodes[j]) == 0 &&
				    names[k][ln - lj - 1] == '_') {
					if ((ind = strndup(names[k],
					    ln - lj - 1)) == NULL)
						break;
					bp = nodes[j];
				}
			}
			if (ind == NULL && find_node(nodes, nn, names[k]) < 0 &&
			    nn > 0) {
				h5u_fail(err, path, g, "series is not one of "
				    "the container's nodes");
				h5u_free_strings(names, nnames);
				h5u_free_strings(nodes, nn);
				goto out;
			}
			if (ind == NULL)
				ind = strdup(ncont > 1 ? lastname(pe.path[c]) :
				    CONV_SINGLE_NAME);
			x->ind = ind;
			x->bp = strdup(bp);
			if (x->ind == NULL || x->bp == NULL ||
			    conv_set_bodypart(s, bp) < 0) {
				h5u_free_strings(names, nnames);
				h5u_free_strings(nodes, nn);
				goto nomem;
			}
			if (read_series(f, g, path, x, err) < 0) {
				h5u_free_strings(names, nnames);
				h5u_free_strings(nodes, nn);
				goto out;
			}
			if (x->cols == 3)
				dims = 3;
		}
		h5u_free_strings(names, nnames);
		h5u_free_strings(nodes, nn);
	}
	s->dims = dims;
	/* Pass 2: a sequence per module. */
	for (size_t m = 0; m < nmods; m++) {
		struct series *first = NULL;
		conv_seq *q;

		for (size_t k = 0; k < nsr; k++) {
			if (smod[k] != (int)m)
				continue;
			if (first == NULL)
				first = &sr[k];
			else if (sr[k].T != first->T) {
				conv_fail(err, "%s: %s: series %s_%s has %zu "
				    "samples, %s_%s %zu: inconsistent shapes",
				    path, mods[m], sr[k].ind, sr[k].bp,
				    sr[k].T, first->ind, first->bp, first->T);
				goto out;
			}
		}
		if (first == NULL)
			continue;
		if ((q = conv_set_add_seq(s, nmods == 1 ? stem :
		    lastname(mods[m]), first->T)) == NULL)
			goto nomem;
		if ((q->time = malloc((first->T + 1) * sizeof *q->time)) ==
		    NULL)
			goto nomem;
		for (size_t t = 0; t < first->T; t++)
			q->time[t] = first->ts ? first->ts[t] : first->start +
			    (double)t / first->rate;
		if (first->ts == NULL && s->fps == 0)
			s->fps = first->rate;
		if (first->unit != NULL && strcmp(first->unit, "pixels") != 0 &&
		    strcmp(first->unit, "px") != 0 &&
		    strcmp(first->unit, "pixel") != 0) {
			free(s->units);
			if ((s->units = strdup(first->unit)) == NULL)
				goto nomem;
		}
		for (size_t k = 0; k < nsr; k++) {
			conv_ind *d = NULL;
			size_t j;

			if (smod[k] != (int)m)
				continue;
			for (size_t i = 0; i < q->nind; i++)
				if (strcmp(q->ind[i].name, sr[k].ind) == 0)
					d = &q->ind[i];
			if (d == NULL && (d = conv_seq_add_ind(s, q,
			    sr[k].ind)) == NULL)
				goto nomem;
			j = (size_t)conv_set_bodypart(s, sr[k].bp);
			for (size_t t = 0; t < first->T; t++) {
				const double *v = sr[k].data + t * sr[k].cols;
				size_t at = t * s->nbp + j;
				double cv = sr[k].conversion;

				d->x[at] = v[0] * cv;
				d->y[at] = v[1] * cv;
				if (d->z != NULL)
					d->z[at] = sr[k].cols == 3 ? v[2] * cv :
					    NAN;
				d->p[at] = sr[k].conf ? (isnan(sr[k].conf[t]) ?
				    0 : sr[k].conf[t]) : 1;
			}
		}
	}
	*out = s;
	s = NULL;
	rc = 0;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
out:
	for (size_t k = 0; k < nsr; k++)
		series_free(&sr[k]);
	free(sr);
	free(smod);
	h5u_free_strings(mods, nmods);
	for (size_t i = 0; i < pe.n; i++)
		free(pe.path[i]);
	free(stem);
	conv_set_free(s);
	H5Fclose(f);
	return rc;
}

/* has_pandas: some group in the first levels of f carries pandas_type. */
static int
has_pandas(hid_t f, const char *path, int depth)
{
	char **names;
	size_t n;
	mz_err e;
	int found = 0;

	if (depth < 0 || (names = h5u_list(f, path, &n, "", &e)) == NULL)
		return 0;
	for (size_t i = 0; i < n && !found; i++) {
		char sub[1024];
		char *t;

		snprintf(sub, sizeof sub, "%s/%s", strcmp(path, "/") == 0 ?
		    "" : path, names[i]);
		if (h5u_kind(f, sub) != H5O_TYPE_GROUP)
			continue;
		e.code = 0;
		if ((t = h5u_attr_bytes(f, sub, "pandas_type", NULL, &e)) !=
		    NULL) {
			free(t);
			found = 1;
		} else
			found = has_pandas(f, sub, depth - 1);
	}
	h5u_free_strings(names, n);
	return found;
}

/* conv_h5_detect: see conv.h.  By content: nwb_version attribute -> nwb;
 * /metadata with a SLEAP json attribute -> sleap-slp; tracks and
 * node_names datasets -> sleap-h5; a group with pandas_type -> dlc-h5. */
const char *
conv_h5_detect(const char *path)
{
	const char *r = NULL;
	mz_err e = { 0, "" };
	hid_t f;
	char *j;

	h5u_silence();
	if (H5Fis_hdf5(path) <= 0 || (f = H5Fopen(path, H5F_ACC_RDONLY,
	    H5P_DEFAULT)) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return NULL;
	}
	if ((j = h5u_attr_bytes(f, "/", "nwb_version", NULL, &e)) != NULL)
		r = "nwb";
	else if (h5u_kind(f, "metadata") == H5O_TYPE_GROUP &&
	    (j = h5u_attr_bytes(f, "metadata", "json", NULL, &e)) != NULL &&
	    strstr(j, "\"skeletons\"") != NULL)
		r = "sleap-slp";
	else if (h5u_kind(f, "tracks") == H5O_TYPE_DATASET &&
	    h5u_kind(f, "node_names") == H5O_TYPE_DATASET)
		r = "sleap-h5";
	else if (has_pandas(f, "/", 3))
		r = "dlc-h5";
	free(j);
	H5Fclose(f);
	return r;
}
