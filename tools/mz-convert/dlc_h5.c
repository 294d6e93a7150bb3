/*
 * dlc_h5.c - DeepLabCut's pandas HDF5 files (DataFrame.to_hdf through
 * PyTables), in both of pandas' layouts, for any key.
 *
 * The key: the group given by --key, else the only pandas object in the
 * file (a group with a "pandas_type" attribute, searched a few levels
 * deep); with several, the message lists them.
 *
 * "frame_table" (format="table"): KEY/table is a compound dataset with an
 * "index" member (int64 frame numbers, or strings: image paths) and
 * array members values_block_0, values_block_1, ...  The columns of block
 * k are the pickled list attribute KEY/table.values_block_k_kind (tuples
 * of the column MultiIndex levels); the level names are in the pickled
 * KEY.info dict ({1: {'names': [...]}}), or KEY.non_index_axes.  Pickles
 * are decoded by pickle.c, which never executes anything.
 *
 * "frame" (format="fixed"): KEY/axis1 (or axis1_level<i>/axis1_label<i>
 * for a row MultiIndex) is the index; KEY/block<k>_values (rows x items,
 * as pandas stores it transposed) holds block k, whose columns are
 * KEY/block<k>_items_level<i> (the level's values) indexed by
 * KEY/block<k>_items_label<i> (codes), or KEY/block<k>_items for a flat
 * column index; level names are the "name" attribute of the level
 * datasets.
 *
 * Column levels: by name (individuals, bodyparts, coords), else by count:
 * 3 = scorer/bodyparts/coords, 4 = scorer/individuals/bodyparts/coords.
 * Coords x, y (z) and likelihood; without likelihood (labelled data) the
 * confidence is 1 where the point is present.  Single-animal files name
 * their individual CONV_SINGLE_NAME, as dlc_csv.c does.  An index of
 * image paths makes one sequence per image directory, as dlc_csv.c does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "h5util.h"
#include "pickle.h"

enum { C_X, C_Y, C_Z, C_P, C_N };

#define MAX_KEYS 64
#define MAX_BLOCKS 64

/* The table read from the file, in the shape both layouts reduce to. */
struct frame {
	size_t rows, ncol, nlev;
	char **lab;          /* [ncol * nlev] column level values (owned) */
	char **names;        /* [nlev] level names, or NULL (owned) */
	double **col;        /* [ncol] column data: col[c][r * stride[c]] */
	size_t *stride;
	double **blocks;     /* value blocks the columns point into (owned) */
	size_t nblocks;
	int64_t *iframe;     /* [rows] integer index, or NULL */
	int intidx;          /* a table's integer index, not read yet
	                        (read_index, or with the values) */
	char **sindex;       /* [rows] string index, or NULL */
	/* Table format: the values are not read by read_table but strip by
	 * strip by build, from these members of dataset tab of file. */
	hid_t file;
	char tab[1100];
	size_t nvb;
	h5u_field vb[MAX_BLOCKS];
	char vbname[MAX_BLOCKS][32];
};

/* frame_free: release what fr owns. */
static void
frame_free(struct frame *fr)
{
	h5u_free_strings(fr->lab, fr->ncol * fr->nlev);
	h5u_free_strings(fr->names, fr->names ? fr->nlev : 0);
	free(fr->col);
	free(fr->stride);
	for (size_t i = 0; i < fr->nblocks; i++)
		free(fr->blocks[i]);
	free(fr->blocks);
	free(fr->iframe);
	h5u_free_strings(fr->sindex, fr->sindex ? fr->rows : 0);
}

/* add_block: keep a value block for freeing; -1 when out of memory (the
 * block is then freed). */
static int
add_block(struct frame *fr, double *b)
{
	double **a = realloc(fr->blocks, (fr->nblocks + 1) * sizeof *a);

	if (a == NULL) {
		free(b);
		return -1;
	}
	fr->blocks = a;
	fr->blocks[fr->nblocks++] = b;
	return 0;
}

/* grow_cols: make room for k more columns of nlev levels each. */
static int
grow_cols(struct frame *fr, size_t k)
{
	size_t n = fr->ncol + k;
	char **lab = realloc(fr->lab, (n * fr->nlev + 1) * sizeof *lab);
	double **col;
	size_t *st;

	if (lab == NULL)
		return -1;
	fr->lab = lab;
	memset(lab + fr->ncol * fr->nlev, 0, k * fr->nlev * sizeof *lab);
	if ((col = realloc(fr->col, (n + 1) * sizeof *col)) == NULL)
		return -1;
	fr->col = col;
	if ((st = realloc(fr->stride, (n + 1) * sizeof *st)) == NULL)
		return -1;
	fr->stride = st;
	return 0;
}

/* ------------------------------------------------------------ the key */

/* A search for pandas objects. */
struct keys {
	char *v[MAX_KEYS];
	size_t n;
};

/* find_keys: add the groups under path (depth levels down at most) that
 * carry a pandas_type attribute to k. */
static void
find_keys(hid_t f, const char *path, int depth, struct keys *k)
{
	char **names;
	size_t n;
	mz_err e;

	if (depth < 0 || (names = h5u_list(f, path, &n, "", &e)) == NULL)
		return;
	for (size_t i = 0; i < n && k->n < MAX_KEYS; i++) {
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
			if ((k->v[k->n] = strdup(sub)) != NULL)
				k->n++;
		} else
			find_keys(f, sub, depth - 1, k);
	}
	h5u_free_strings(names, n);
}

/* key_list: the keys of k as "a, b, c" into buf. */
static const char *
key_list(const struct keys *k, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < k->n && at < len; i++) {
		int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
		    k->v[i] + 1);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	if (k->n == 0)
		snprintf(buf, len, "none");
	return buf;
}

/* ------------------------------------------------------- pickled attrs */

/* attr_pickle: decode the pickled attribute attr of loc/name; its value
 * (in *doc), or NULL with err set (obj names it) when absent or not a
 * valid pickle (absent and optional: NULL, err->code 0). */
static pk_value *
attr_pickle(hid_t f, const char *name, const char *attr, int required,
    pk_doc **doc, const char *path, mz_err *err)
{
	char msg[300];
	size_t len;
	pk_value *v;
	char *b;

	err->code = 0;
	*doc = NULL;
	if ((b = h5u_attr_bytes(f, name, attr, &len, err)) == NULL) {
		if (err->code != 0)
			return NULL;
		if (required)
			conv_fail(err, "%s: %s: no attribute '%s'", path,
			    name, attr);
		return NULL;
	}
	v = pk_parse(b, len, doc, msg, sizeof msg);
	free(b);
	if (v == NULL)
		conv_fail(err, "%s: %s: attribute '%s': pickle: %s", path,
		    name, attr, msg);
	return v;
}

/* str_of: the text of a pickled string (or integer, rendered), a new
 * string; NULL for other values or out of memory. */
static char *
str_of(const pk_value *v)
{
	char buf[32];

	if (v->type == PK_STR || v->type == PK_BYTES)
		return strdup(v->s);
	if (v->type == PK_INT) {
		snprintf(buf, sizeof buf, "%lld", (long long)v->i);
		return strdup(buf);
	}
	if (v->type == PK_FLOAT) {
		snprintf(buf, sizeof buf, "%.17g", v->f);
		return strdup(buf);
	}
	if (v->type == PK_NONE)
		return strdup("");
	return NULL;
}

/* level_names: the column level names of a table-format key from its
 * info attribute ({1: {'names': [...]}}); NULL when absent (not an
 * error), else a new array of nlev strings (missing names: ""). */
static char **
level_names(const pk_value *info, size_t nlev)
{
	const pk_value *ax = pk_dict_get(info, NULL, 1), *nm;
	char **out;

	if (ax == NULL || (nm = pk_dict_get(ax, "names", 0)) == NULL ||
	    !pk_is_seq(nm) || nm->n != nlev)
		return NULL;
	if ((out = calloc(nlev + 1, sizeof *out)) == NULL)
		return NULL;
	for (size_t i = 0; i < nlev; i++)
		if ((out[i] = str_of(nm->v[i])) == NULL &&
		    (out[i] = strdup("")) == NULL) {
			h5u_free_strings(out, i);
			return NULL;
		}
	return out;
}

/* ------------------------------------------------------ table format */

/* read_table: the "frame_table" key into fr. */
static int
read_table(hid_t f, const char *key, const char *path, struct frame *fr,
    mz_err *err)
{
	char tab[1100], obj[1200], member[64];
	pk_doc *doc = NULL;
	pk_value *info;
	h5u_strips *st;
	int rc = -1;
	size_t rows = 0;

	snprintf(tab, sizeof tab, "%s/table", key);
	if (h5u_kind(f, tab) != H5O_TYPE_DATASET)
		return conv_fail(err, "%s: %s: no 'table' dataset (a pandas "
		    "table-format key has one)", path, key);
	/* Index: integers or strings. */
	if (h5u_member_class(f, tab, "index") == H5T_STRING) {
		if ((fr->sindex = h5u_read_field_strings(f, tab, "index",
		    &fr->rows, path, tab, err)) == NULL)
			return -1;
	} else {
		/* Numbers: read with the values, or by read_index. */
		h5u_field idx = { "index", 1, NULL, 0, 0 };

		if ((st = h5u_strips_open(f, tab, &idx, 1, &fr->rows, path,
		    tab, err)) == NULL)
			return -1;
		h5u_strips_close(st);
		if (idx.width != 1)
			return h5u_fail(err, path, tab, "index is not a scalar "
			    "member");
		fr->intidx = 1;
	}
	info = attr_pickle(f, key, "info", 0, &doc, path, err);
	if (info == NULL && err->code != 0)
		return -1;
	/* Value blocks 0, 1, ... while the kind attribute exists. */
	for (int b = 0;; b++) {
		pk_doc *kdoc;
		pk_value *kind;
		size_t nlev;

		snprintf(member, sizeof member, "values_block_%d_kind", b);
		kind = attr_pickle(f, tab, member, 0, &kdoc, path, err);
		if (kind == NULL) {
			if (err->code != 0)
				goto out;
			if (b == 0) {
				conv_fail(err, "%s: %s: no attribute "
				    "'values_block_0_kind' (the columns)",
				    path, tab);
				goto out;
			}
			break;
		}
		snprintf(obj, sizeof obj, "%s.%s", tab, member);
		if (!pk_is_seq(kind) || kind->n == 0) {
			conv_fail(err, "%s: %s: not a list of column names",
			    path, obj);
			pk_free(kdoc);
			goto out;
		}
		nlev = pk_is_seq(kind->v[0]) ? kind->v[0]->n : 1;
		if (b == 0)
			fr->nlev = nlev;
		if (nlev != fr->nlev || nlev == 0 || nlev > 16) {
			conv_fail(err, "%s: %s: columns of %zu levels (block 0 "
			    "has %zu)", path, obj, nlev, fr->nlev);
			pk_free(kdoc);
			goto out;
		}
		if (grow_cols(fr, kind->n) < 0) {
			pk_free(kdoc);
			h5u_nomem(err, path, obj);
			goto out;
		}
		for (size_t c = 0; c < kind->n; c++) {
			const pk_value *t = kind->v[c];

			if ((nlev > 1 && (!pk_is_seq(t) || t->n != nlev)) ||
			    (nlev == 1 && pk_is_seq(t))) {
				conv_fail(err, "%s: %s: column %zu is not a "
				    "tuple of %zu names", path, obj, c, nlev);
				pk_free(kdoc);
				goto out;
			}
			for (size_t l = 0; l < nlev; l++) {
				char **d = &fr->lab[(fr->ncol + c) * nlev + l];

				if ((*d = str_of(nlev > 1 ? t->v[l] : t)) ==
				    NULL) {
					conv_fail(err, "%s: %s: column %zu: a "
					    "level value that is not a string",
					    path, obj, c);
					pk_free(kdoc);
					goto out;
				}
			}
		}
		if (fr->nvb == MAX_BLOCKS) {
			conv_fail(err, "%s: %s: more than %d value blocks",
			    path, tab, MAX_BLOCKS);
			pk_free(kdoc);
			goto out;
		}
		snprintf(fr->vbname[fr->nvb], sizeof fr->vbname[0],
		    "values_block_%d", b);
		fr->vb[fr->nvb] = (h5u_field){ fr->vbname[fr->nvb], 1, NULL,
			0, 0 };
		for (size_t c = 0; c < kind->n; c++)
			fr->stride[fr->ncol + c] = fr->nvb;
		fr->nvb++;
		fr->ncol += kind->n;
		pk_free(kdoc);
	}
	/* The members' shapes against the kinds (the values themselves are
	 * read by build, strip by strip). */
	if ((st = h5u_strips_open(f, tab, fr->vb, fr->nvb, &rows, path, tab,
	    err)) == NULL)
		goto out;
	for (size_t b = 0, c = 0; b < fr->nvb; b++) {
		size_t nk = 0;

		while (c + nk < fr->ncol && fr->stride[c + nk] == b)
			nk++;
		if (fr->vb[b].width != nk || rows != fr->rows) {
			h5u_fail(err, path, tab, "member %s holds %zu columns "
			    "of %zu rows, its kind attribute names %zu "
			    "columns of %zu rows", fr->vbname[b],
			    fr->vb[b].width, rows, nk, fr->rows);
			h5u_strips_close(st);
			goto out;
		}
		c += nk;
	}
	h5u_strips_close(st);
	fr->file = f;
	snprintf(fr->tab, sizeof fr->tab, "%s", tab);
	fr->names = level_names(info, fr->nlev);
	rc = 0;
out:
	pk_free(doc);
	return rc;
}

/* ------------------------------------------------------ fixed format */

/* read_values: dataset ds (strings, or numbers rendered with %.17g) as
 * *n new strings; NULL with err set. */
static char **
read_values(hid_t f, const char *ds, size_t *n, const char *path,
    mz_err *err)
{
	H5T_class_t cl = H5T_NO_CLASS;
	char **out;
	double *v;
	hid_t d, t;

	if (h5u_kind(f, ds) == H5O_TYPE_DATASET &&
	    (d = H5Dopen2(f, ds, H5P_DEFAULT)) >= 0) {
		t = H5Dget_type(d);
		cl = H5Tget_class(t);
		H5Tclose(t);
		H5Dclose(d);
	}
	if (cl == H5T_STRING)
		return h5u_read_strings(f, ds, n, path, ds, err);
	if ((v = h5u_read_f64(f, ds, n, path, ds, err)) == NULL)
		return NULL;
	if ((out = calloc(*n + 1, sizeof *out)) == NULL) {
		free(v);
		h5u_nomem(err, path, ds);
		return NULL;
	}
	for (size_t k = 0; k < *n; k++) {
		char buf[32];

		snprintf(buf, sizeof buf, "%.17g", v[k]);
		if ((out[k] = strdup(buf)) == NULL) {
			free(v);
			h5u_free_strings(out, k);
			h5u_nomem(err, path, ds);
			return NULL;
		}
	}
	free(v);
	return out;
}

/* read_axis_labels: the values of a (possibly multi-level) axis stored as
 * PREFIX (flat: strings or numbers) or PREFIX_level<i>/PREFIX_label<i>
 * (multi) into a new [n * nlev] array; names (may be NULL) gets the level
 * names from the level datasets' "name" attributes. */
static char **
read_axis_labels(hid_t f, const char *key, const char *prefix, size_t *n,
    size_t *nlev, char ***names, const char *path, mz_err *err)
{
	char ds[1100], lab[1100];
	double nl = 0;
	char *variety;
	char **out = NULL;

	snprintf(ds, sizeof ds, "%s_variety", prefix);
	err->code = 0;
	variety = h5u_attr_bytes(f, key, ds, NULL, err);
	if (variety == NULL && err->code != 0)
		return NULL;
	if (variety == NULL || strcmp(variety, "multi") != 0) {
		/* Flat: one level. */
		free(variety);
		snprintf(ds, sizeof ds, "%s/%s", key, prefix);
		*nlev = 1;
		if (names)
			*names = NULL;
		return read_values(f, ds, n, path, err);
	}
	free(variety);
	snprintf(ds, sizeof ds, "%s_nlevels", prefix);
	if (h5u_attr_f64(f, key, ds, &nl) < 0 || nl < 1 || nl > 16) {
		conv_fail(err, "%s: %s: attribute %s missing or out of range",
		    path, key, ds);
		return NULL;
	}
	*nlev = (size_t)nl;
	if (names && (*names = calloc(*nlev + 1, sizeof **names)) == NULL) {
		h5u_nomem(err, path, key);
		return NULL;
	}
	for (size_t l = 0; l < *nlev; l++) {
		size_t nv, nc;
		char **lv;
		int64_t *code;

		snprintf(ds, sizeof ds, "%s/%s_level%zu", key, prefix, l);
		snprintf(lab, sizeof lab, "%s/%s_label%zu", key, prefix, l);
		err->code = 0;
		lv = read_values(f, ds, &nv, path, err);
		if (lv == NULL) {
			if (err->code == 0)
				h5u_nomem(err, path, ds);
			goto fail;
		}
		if (names != NULL) {
			char *nm;

			err->code = 0;
			nm = h5u_attr_bytes(f, ds, "name", NULL, err);
			if (nm != NULL && strcmp(nm, "N.") == 0) {
				free(nm);
				nm = NULL;
			}
			(*names)[l] = nm ? nm : strdup("");
			if ((*names)[l] == NULL) {
				h5u_free_strings(lv, nv);
				h5u_nomem(err, path, ds);
				goto fail;
			}
		}
		if ((code = h5u_read_i64(f, lab, &nc, path, lab, err)) ==
		    NULL) {
			h5u_free_strings(lv, nv);
			goto fail;
		}
		if (l == 0) {
			*n = nc;
			if ((out = calloc(nc * *nlev + 1, sizeof *out)) ==
			    NULL) {
				free(code);
				h5u_free_strings(lv, nv);
				h5u_nomem(err, path, lab);
				goto fail;
			}
		} else if (nc != *n) {
			h5u_fail(err, path, lab, "%zu labels, level 0 has %zu",
			    nc, *n);
			free(code);
			h5u_free_strings(lv, nv);
			goto fail;
		}
		for (size_t i = 0; i < nc; i++) {
			const char *s;

			if (code[i] == -1)
				s = "";
			else if (code[i] < 0 || (uint64_t)code[i] >= nv) {
				h5u_fail(err, path, lab, "label %lld at %zu is "
				    "past the %zu values of the level",
				    (long long)code[i], i, nv);
				free(code);
				h5u_free_strings(lv, nv);
				goto fail;
			} else
				s = lv[code[i]];
			if ((out[i * *nlev + l] = strdup(s)) == NULL) {
				free(code);
				h5u_free_strings(lv, nv);
				h5u_nomem(err, path, lab);
				goto fail;
			}
		}
		free(code);
		h5u_free_strings(lv, nv);
	}
	return out;
fail:
	if (out != NULL)
		for (size_t i = 0; i < *n * *nlev; i++)
			free(out[i]);
	free(out);
	if (names && *names) {
		h5u_free_strings(*names, *nlev);
		*names = NULL;
	}
	return NULL;
}

/* read_fixed: the "frame" (fixed format) key into fr. */
static int
read_fixed(hid_t f, const char *key, const char *path, struct frame *fr,
    mz_err *err)
{
	char ds[1100];
	double nb = 0;
	size_t nidx = 0, nilev = 0;
	char **idx;

	/* The index (axis1): integers, or strings / several levels. */
	if ((idx = read_axis_labels(f, key, "axis1", &nidx, &nilev, NULL,
	    path, err)) == NULL)
		return -1;
	fr->rows = nidx;
	{
		int allint = 1;

		for (size_t r = 0; r < nidx && allint; r++) {
			char *end;
			double v;

			if (nilev != 1)
				allint = 0;
			else {
				v = strtod(idx[r], &end);
				if (*end != '\0' || idx[r][0] == '\0' ||
				    v != floor(v) || fabs(v) > 9.0e15)
					allint = 0;
			}
		}
		if (allint) {
			if ((fr->iframe = malloc((nidx + 1) *
			    sizeof *fr->iframe)) == NULL) {
				h5u_free_strings(idx, nidx * nilev);
				return h5u_nomem(err, path, key);
			}
			for (size_t r = 0; r < nidx; r++)
				fr->iframe[r] = (int64_t)strtod(idx[r], NULL);
			h5u_free_strings(idx, nidx * nilev);
		} else if (nilev == 1) {
			fr->sindex = idx;
		} else {
			/* Join a row MultiIndex's levels with '/' (DLC's
			 * labeled-data/video/image). */
			if ((fr->sindex = calloc(nidx + 1, sizeof *fr->sindex))
			    == NULL) {
				h5u_free_strings(idx, nidx * nilev);
				return h5u_nomem(err, path, key);
			}
			for (size_t r = 0; r < nidx; r++) {
				size_t len = 0, at = 0;

				for (size_t l = 0; l < nilev; l++)
					len += strlen(idx[r * nilev + l]) + 1;
				if ((fr->sindex[r] = malloc(len + 1)) == NULL) {
					h5u_free_strings(idx, nidx * nilev);
					return h5u_nomem(err, path, key);
				}
				for (size_t l = 0; l < nilev; l++)
					at += (size_t)sprintf(fr->sindex[r] + at,
					    "%s%s", l ? "/" : "",
					    idx[r * nilev + l]);
			}
			h5u_free_strings(idx, nidx * nilev);
		}
	}
	if (h5u_attr_f64(f, key, "nblocks", &nb) < 0 || nb < 1 || nb > 1000)
		return conv_fail(err, "%s: %s: attribute 'nblocks' missing or "
		    "out of range", path, key);
	for (int b = 0; b < (int)nb; b++) {
		char prefix[64], **lab, **names = NULL;
		size_t nitems, nlev, nv, rank_rows, ncols;
		hsize_t dims[8];
		int rank;
		double *v;

		snprintf(prefix, sizeof prefix, "block%d_items", b);
		if ((lab = read_axis_labels(f, key, prefix, &nitems, &nlev,
		    &names, path, err)) == NULL)
			return -1;
		if (b == 0)
			fr->nlev = nlev;
		if (nlev != fr->nlev) {
			h5u_free_strings(lab, nitems * nlev);
			h5u_free_strings(names, names ? nlev : 0);
			return conv_fail(err, "%s: %s: block %d columns have "
			    "%zu levels, block 0 %zu", path, key, b, nlev,
			    fr->nlev);
		}
		if (fr->names == NULL)
			fr->names = names;
		else
			h5u_free_strings(names, names ? nlev : 0);
		snprintf(ds, sizeof ds, "%s/block%d_values", key, b);
		if (h5u_shape(f, ds, &rank, dims, path, ds, err) < 0) {
			h5u_free_strings(lab, nitems * nlev);
			return -1;
		}
		rank_rows = rank == 2 ? (size_t)dims[0] : 0;
		ncols = rank == 2 ? (size_t)dims[1] : 0;
		if (rank != 2 || rank_rows != fr->rows || ncols != nitems) {
			h5u_free_strings(lab, nitems * nlev);
			return h5u_fail(err, path, ds, "shape %s%llu x %llu, "
			    "expected %zu rows (the index) x %zu columns "
			    "(the block's items)", rank != 2 ? "(not 2-D) " :
			    "", rank >= 1 ? (unsigned long long)dims[0] : 0,
			    rank >= 2 ? (unsigned long long)dims[1] : 0,
			    fr->rows, nitems);
		}
		if ((v = h5u_read_f64(f, ds, &nv, path, ds, err)) == NULL) {
			h5u_free_strings(lab, nitems * nlev);
			return -1;
		}
		if (add_block(fr, v) < 0 || grow_cols(fr, nitems) < 0) {
			h5u_free_strings(lab, nitems * nlev);
			return h5u_nomem(err, path, ds);
		}
		memcpy(fr->lab + fr->ncol * nlev, lab, nitems * nlev *
		    sizeof *lab);
		free(lab);
		for (size_t c = 0; c < nitems; c++) {
			fr->col[fr->ncol + c] = v + c;
			fr->stride[fr->ncol + c] = nitems;
		}
		fr->ncol += nitems;
	}
	return 0;
}

/* ------------------------------------------------------- to a conv_set */

/* find_str: index of s in a[0..n), or -1. */
static long
find_str(char **a, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], s) == 0)
			return (long)i;
	return -1;
}

/* index_frame: row r's index value v as a frame number into *fr; -1
 * with err set when it is not one. */
static int
index_frame(double v, size_t r, int64_t *fr, const char *path,
    const char *tab, mz_err *err)
{
	if (!(v >= -9.0e15 && v <= 9.0e15) || v != floor(v))
		return h5u_fail(err, path, tab, "row %zu: index %g is not a "
		    "frame number", r, v);
	*fr = (int64_t)v;
	return 0;
}

/* read_index: a table's integer index (fr->intidx) into fr->iframe. */
static int
read_index(struct frame *fr, const char *path, mz_err *err)
{
	h5u_field idx = { "index", 1, NULL, 0, 0 };
	size_t rows;

	if (h5u_read_fields(fr->file, fr->tab, &idx, 1, &rows, path, fr->tab,
	    err) < 0)
		return -1;
	if (rows != fr->rows || idx.width != 1 || (fr->iframe =
	    malloc((fr->rows + 1) * sizeof *fr->iframe)) == NULL) {
		free(idx.out);
		return rows != fr->rows || idx.width != 1 ?
		    h5u_fail(err, path, fr->tab, "the index changed while "
		    "read") : h5u_nomem(err, path, fr->tab);
	}
	for (size_t r = 0; r < fr->rows; r++)
		if (index_frame(idx.out[r], r, &fr->iframe[r], path, fr->tab,
		    err) < 0) {
			free(idx.out);
			return -1;
		}
	free(idx.out);
	fr->intidx = 0;
	return 0;
}

/* set_cols: point fr's columns into the strips' outs (the table's value
 * blocks, whose members are contiguous: column c is element j of its
 * block's row, in order) and make their strides the blocks' widths. */
static void
set_cols(struct frame *fr)
{
	for (size_t c = 0, j = 0; c < fr->ncol; c++, j++) {
		size_t b = fr->stride[c];

		if (c > 0 && fr->stride[c - 1] != b)
			j = 0;
		fr->col[c] = fr->vb[b].out + j;
	}
	for (size_t c = 0; c < fr->ncol; c++)
		fr->stride[c] = fr->vb[fr->stride[c]].width;
}

/* A column's place in the set. */
struct place {
	int ind, bp, coord;
};

/* put_rows: rows r0..r0+m-1 of fr (column c of row r0+i at
 * fr->col[c][i * fr->stride[c]]) into the set's arrays, row r going to
 * its sequence's frame posof[r] - skip. */
static void
put_rows(conv_set *s, const struct frame *fr, const struct place *pl,
    const size_t *seqof, const size_t *posof, size_t skip, size_t r0,
    size_t m)
{
	for (size_t i = 0; i < m; i++) {
		conv_ind *ind = s->seq[seqof[r0 + i]].ind;
		size_t base = (posof[r0 + i] - skip) * s->nbp;

		for (size_t c = 0; c < fr->ncol; c++) {
			conv_ind *d = &ind[pl[c].ind];
			size_t at = base + (size_t)pl[c].bp;
			double v = fr->col[c][i * fr->stride[c]];

			switch (pl[c].coord) {
			case C_X: d->x[at] = v; break;
			case C_Y: d->y[at] = v; break;
			case C_Z: d->z[at] = v; break;
			default: d->p[at] = isnan(v) ? 0 : v; break;
			}
		}
	}
}

/* fill_p: labelled data (no likelihood for a bodypart: hasp 0):
 * confidence 1 where the point is present, in frames [a, b) of q. */
static void
fill_p(const conv_set *s, conv_seq *q, const unsigned char *hasp, size_t a,
    size_t b)
{
	for (size_t i = 0; i < q->nind; i++) {
		conv_ind *d = &q->ind[i];

		for (size_t j = 0; j < s->nbp; j++) {
			if (hasp[i * s->nbp + j])
				continue;
			for (size_t r = a; r < b; r++) {
				size_t at = r * s->nbp + j;

				d->p[at] = isnan(d->x[at]) ||
				    isnan(d->y[at]) ? 0 : 1;
			}
		}
	}
}

/*
 * stream: send the set s (one sequence, one individual, arrays for a
 * strip of st) to sink, the rows of fr's table a strip at a time.
 */
static int
stream(struct frame *fr, h5u_strips *st, const double *idx, conv_set *s,
    const struct place *pl, const size_t *seqof, const size_t *posof,
    const unsigned char *hasp, conv_sink *sink, const char *path,
    const char *key, mz_err *err)
{
	conv_seq *q = &s->seq[0];
	size_t r0, m;
	int64_t last = 0;
	int more;

	set_cols(fr);
	if (sink->begin(sink, s, fr->rows, err) < 0)
		return -1;
	while ((more = h5u_strips_next(st, &r0, &m, err)) > 0) {
		for (size_t i = 0, r = r0; i < m; i++, r++) {
			if (index_frame(idx[i], r, &q->frame[i], path,
			    fr->tab, err) < 0)
				return -1;
			if (r > 0 && q->frame[i] <= last)
				return conv_fail(err, "%s: %s: row %zu: frame "
				    "%lld after %lld: frames must increase",
				    path, key, r, (long long)q->frame[i],
				    (long long)last);
			last = q->frame[i];
		}
		put_rows(s, fr, pl, seqof, posof, r0, r0, m);
		fill_p(s, q, hasp, 0, m);
		if (sink->rows(sink, s, m, err) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	return sink->end(sink, s, err);
}

/*
 * build: turn fr into a new set in *out: bodyparts and individuals from
 * the column levels, one sequence (or one per image directory), values
 * copied in.  A table of one individual and one sequence goes to sink
 * (when not NULL) instead, *out set to NULL.
 */
static int
build(struct frame *fr, const char *path, const char *key, conv_sink *sink,
    conv_set **out, mz_err *err)
{
	long li = -1, lb = -1, lc = -1, ls = -1;
	struct place *pl = NULL;
	char **inds = NULL, *stem = NULL, **dirs = NULL;
	size_t nind = 0, nseq = 0;
	unsigned char *seen = NULL, *hasp = NULL;
	conv_set *s = conv_set_new("dlc-h5");
	int have_z = 0, rc = -1, streamed;
	size_t *seqof = NULL, *posof = NULL, cap = 0, rows;
	h5u_strips *sst = NULL;   /* the strips streamed */
	h5u_field fl[MAX_BLOCKS + 1];   /* their fields: blocks, index */

	if (s == NULL)
		goto nomem;
	if (fr->names != NULL) {
		li = find_str(fr->names, fr->nlev, "individuals");
		lb = find_str(fr->names, fr->nlev, "bodyparts");
		lc = find_str(fr->names, fr->nlev, "coords");
		ls = find_str(fr->names, fr->nlev, "scorer");
	}
	if (lb < 0 || lc < 0) {
		if (fr->nlev == 3) {
			ls = 0, li = -1, lb = 1, lc = 2;
		} else if (fr->nlev == 4) {
			ls = 0, li = 1, lb = 2, lc = 3;
		} else {
			conv_fail(err, "%s: %s: columns of %zu levels, not "
			    "DeepLabCut's scorer/[individuals/]bodyparts/"
			    "coords", path, key, fr->nlev);
			goto fail;
		}
	}
	if ((pl = calloc(fr->ncol + 1, sizeof *pl)) == NULL ||
	    (inds = calloc(fr->ncol + 1, sizeof *inds)) == NULL)
		goto nomem;
	for (size_t c = 0; c < fr->ncol; c++) {
		char **l = fr->lab + c * fr->nlev;
		const char *in = li >= 0 ? l[li] : CONV_SINGLE_NAME;
		const char *co = l[lc];
		long k;

		if (*in == '\0' || *l[lb] == '\0') {
			conv_fail(err, "%s: %s: column %zu: empty %s name",
			    path, key, c, *in ? "bodypart" : "individual");
			goto fail;
		}
		if ((k = find_str(inds, nind, in)) < 0) {
			if ((inds[nind] = strdup(in)) == NULL)
				goto nomem;
			k = (long)nind++;
		}
		pl[c].ind = (int)k;
		if ((pl[c].bp = conv_set_bodypart(s, l[lb])) < 0)
			goto nomem;
		if (strcmp(co, "x") == 0)
			pl[c].coord = C_X;
		else if (strcmp(co, "y") == 0)
			pl[c].coord = C_Y;
		else if (strcmp(co, "z") == 0) {
			pl[c].coord = C_Z;
			have_z = 1;
		} else if (strcmp(co, "likelihood") == 0)
			pl[c].coord = C_P;
		else {
			conv_fail(err, "%s: %s: column %zu (%s/%s): unknown "
			    "coordinate '%.40s' (x, y, z or likelihood)", path,
			    key, c, in, l[lb], co);
			goto fail;
		}
	}
	s->dims = have_z ? 3 : 2;
	if ((seen = calloc(nind * s->nbp * C_N + 1, 1)) == NULL ||
	    (hasp = calloc(nind * s->nbp + 1, 1)) == NULL)
		goto nomem;
	for (size_t c = 0; c < fr->ncol; c++) {
		size_t k = ((size_t)pl[c].ind * s->nbp + (size_t)pl[c].bp) *
		    C_N + (size_t)pl[c].coord;

		if (seen[k]) {
			conv_fail(err, "%s: %s: column %zu: duplicate column "
			    "%s/%s/%s", path, key, c, inds[pl[c].ind],
			    s->bodyparts[pl[c].bp], fr->lab[c * fr->nlev + lc]);
			goto fail;
		}
		seen[k] = 1;
		if (pl[c].coord == C_P)
			hasp[(size_t)pl[c].ind * s->nbp + (size_t)pl[c].bp] = 1;
	}
	for (size_t i = 0; i < nind; i++)
		for (size_t j = 0; j < s->nbp; j++) {
			size_t k = (i * s->nbp + j) * C_N;

			if (seen[k + C_P] && !(seen[k + C_X] && seen[k + C_Y]))
			{
				conv_fail(err, "%s: %s: %s/%s has a likelihood "
				    "but not both x and y", path, key, inds[i],
				    s->bodyparts[j]);
				goto fail;
			}
		}
	/* Metadata: the scorer, the key. */
	if ((s->meta = cJSON_CreateObject()) == NULL)
		goto nomem;
	if (ls >= 0 && fr->ncol > 0 && !cJSON_AddItemToObject(s->meta,
	    "scorer", cJSON_CreateString(fr->lab[ls])))
		goto nomem;
	if (!cJSON_AddItemToObject(s->meta, "source_key",
	    cJSON_CreateString(key[0] == '/' ? key + 1 : key)))
		goto nomem;
	/* Rows to sequences. */
	if ((seqof = calloc(fr->rows + 1, sizeof *seqof)) == NULL ||
	    (posof = calloc(fr->rows + 1, sizeof *posof)) == NULL)
		goto nomem;
	if ((stem = conv_stem(path)) == NULL)
		goto nomem;
	streamed = sink != NULL && fr->intidx && nind == 1 && fr->nvb > 0 &&
	    fr->nvb < MAX_BLOCKS;
	if (fr->intidx && !streamed && read_index(fr, path, err) < 0)
		goto fail;
	if (fr->sindex == NULL) {
		conv_seq *q;

		for (size_t r = 0; r < fr->rows; r++) {
			posof[r] = r;
			if (streamed)
				continue;   /* checked as they come */
			if (r > 0 && fr->iframe[r] <= fr->iframe[r - 1]) {
				conv_fail(err, "%s: %s: row %zu: frame %lld "
				    "after %lld: frames must increase", path,
				    key, r, (long long)fr->iframe[r],
				    (long long)fr->iframe[r - 1]);
				goto fail;
			}
		}
		/* Streamed: arrays for one strip. */
		if (streamed) {
			memcpy(fl, fr->vb, fr->nvb * sizeof(*fl));
			fl[fr->nvb] = (h5u_field){ "index", 1, NULL, 0, 0 };
			if ((sst = h5u_strips_open(fr->file, fr->tab, fl,
			    fr->nvb + 1, &rows, path, fr->tab, err)) == NULL)
				goto fail;
			/* The blocks' strips, for set_cols. */
			memcpy(fr->vb, fl, fr->nvb * sizeof(*fl));
			if (rows != fr->rows || fl[fr->nvb].width != 1) {
				conv_fail(err, "%s: %s: the table changed "
				    "while read", path, fr->tab);
				goto fail;
			}
			cap = h5u_strips_rows(sst);
		} else
			cap = fr->rows;
		if ((q = conv_set_add_seq(s, stem, cap)) == NULL)
			goto nomem;
		if (!streamed)
			memcpy(q->frame, fr->iframe, fr->rows *
			    sizeof(*q->frame));
		nseq = 1;
	} else {
		/* Image paths: one sequence per directory, in order of first
		 * appearance; frames are the image numbers when they
		 * increase, else positions; the paths go to metadata. */
		if ((dirs = calloc(fr->rows + 1, sizeof *dirs)) == NULL)
			goto nomem;
		for (size_t r = 0; r < fr->rows; r++)
			if ((dirs[r] = conv_image_dir(fr->sindex[r])) == NULL &&
			    (dirs[r] = strdup(stem)) == NULL)
				goto nomem;
		for (size_t r = 0; r < fr->rows; r++) {
			long first = find_str(dirs, r, dirs[r]);

			if (first >= 0) {
				seqof[r] = seqof[first];
				continue;
			}
			seqof[r] = nseq++;
		}
		for (size_t qi = 0; qi < nseq; qi++) {
			size_t n = 0, k = 0;
			int byimg = 1;
			conv_seq *q;
			cJSON *imgs;
			const char *name = NULL;

			for (size_t r = 0; r < fr->rows; r++)
				if (seqof[r] == qi) {
					if (name == NULL)
						name = dirs[r];
					posof[r] = n++;
				}
			if ((q = conv_set_add_seq(s, name, n)) == NULL ||
			    (q->meta = cJSON_CreateObject()) == NULL ||
			    (imgs = cJSON_AddArrayToObject(q->meta,
			    "images")) == NULL)
				goto nomem;
			for (size_t r = 0; r < fr->rows; r++) {
				int64_t fn;

				if (seqof[r] != qi)
					continue;
				fn = conv_image_frame(fr->sindex[r]);
				if (fn < 0 || (k > 0 && fn <= q->frame[k - 1]))
					byimg = 0;
				if (byimg)
					q->frame[k] = fn;
				k++;
				if (!cJSON_AddItemToArray(imgs,
				    cJSON_CreateString(fr->sindex[r])))
					goto nomem;
			}
			if (!byimg)
				for (k = 0; k < n; k++)
					q->frame[k] = (int64_t)k;
		}
	}
	for (size_t qi = 0; qi < nseq; qi++)
		for (size_t i = 0; i < nind; i++)
			if (conv_seq_add_ind(s, &s->seq[qi], inds[i]) == NULL)
				goto nomem;
	/* The values. */
	if (streamed) {
		if (stream(fr, sst, fl[fr->nvb].out, s, pl, seqof, posof,
		    hasp, sink, path, key, err) < 0)
			goto fail;
		*out = NULL;
		rc = 0;
		goto done;
	}
	if (fr->nvb > 0) {
		h5u_strips *st;
		size_t r0, m, rows;
		int more;

		if ((st = h5u_strips_open(fr->file, fr->tab, fr->vb, fr->nvb,
		    &rows, path, fr->tab, err)) == NULL)
			goto fail;
		set_cols(fr);
		while ((more = h5u_strips_next(st, &r0, &m, err)) > 0)
			put_rows(s, fr, pl, seqof, posof, 0, r0, m);
		h5u_strips_close(st);
		if (more < 0)
			goto fail;
	} else
		put_rows(s, fr, pl, seqof, posof, 0, 0, fr->rows);
	/* Labelled data (no likelihood): confidence 1 where present. */
	for (size_t qi = 0; qi < nseq; qi++)
		fill_p(s, &s->seq[qi], hasp, 0, s->seq[qi].nframes);
	*out = s;
	s = NULL;
	rc = 0;
	goto done;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
fail:
done:
	h5u_strips_close(sst);
	conv_set_free(s);
	free(pl);
	h5u_free_strings(inds, nind);
	h5u_free_strings(dirs, dirs ? fr->rows : 0);
	free(stem);
	free(seen);
	free(hasp);
	free(seqof);
	free(posof);
	return rc;
}

/* conv_read_dlc_h5: see conv.h. */
int
conv_read_dlc_h5(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	struct keys k = { { NULL }, 0 };
	struct frame fr;
	char key[1024], list[512], *type = NULL;
	hid_t f;
	int rc = -1;

	memset(&fr, 0, sizeof fr);
	if ((f = h5u_open(path, err)) < 0)
		return -1;
	find_keys(f, "/", 3, &k);
	if (o != NULL && o->key != NULL) {
		snprintf(key, sizeof key, "%s%s", o->key[0] == '/' ? "" : "/",
		    o->key);
		err->code = 0;
		if (h5u_kind(f, key) != H5O_TYPE_GROUP ||
		    (type = h5u_attr_bytes(f, key, "pandas_type", NULL,
		    err)) == NULL) {
			if (err->code == 0)
				conv_fail(err, "%s: no pandas key '%s' (keys "
				    "in the file: %s)", path, o->key,
				    key_list(&k, list, sizeof list));
			goto out;
		}
	} else if (k.n == 1) {
		snprintf(key, sizeof key, "%s", k.v[0]);
		err->code = 0;
		if ((type = h5u_attr_bytes(f, key, "pandas_type", NULL, err)) ==
		    NULL) {
			if (err->code == 0)
				conv_fail(err, "%s: %s: no pandas_type", path,
				    key);
			goto out;
		}
	} else {
		if (k.n == 0)
			conv_fail(err, "%s: no pandas object in this HDF5 file "
			    "(not written by DataFrame.to_hdf)", path);
		else
			conv_fail(err, "%s: %zu pandas keys (%s): choose one "
			    "with --key", path, k.n,
			    key_list(&k, list, sizeof list));
		goto out;
	}
	if (strcmp(type, "frame_table") == 0)
		rc = read_table(f, key, path, &fr, err);
	else if (strcmp(type, "frame") == 0)
		rc = read_fixed(f, key, path, &fr, err);
	else
		rc = conv_fail(err, "%s: %s: a pandas object of type '%s' (a "
		    "DataFrame, 'frame' or 'frame_table', is needed)", path,
		    key, type);
	if (rc == 0)
		rc = build(&fr, path, key, o != NULL ? o->sink : NULL, out,
		    err);
out:
	free(type);
	frame_free(&fr);
	for (size_t i = 0; i < k.n; i++)
		free(k.v[i]);
	H5Fclose(f);
	return rc;
}
