/*
 * h5util.c - HDF5 helpers for mz-convert's HDF5 readers (see h5util.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

/* h5u_silence: see h5util.h. */
void
h5u_silence(void)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* walk_cb: keep the first (innermost, walking upward) message of HDF5's
 * error stack in data (a char[256]). */
static herr_t
walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
	char *buf = data;

	if (n == 0 && e->desc != NULL && e->desc[0] != '\0')
		snprintf(buf, 256, "%s", e->desc);
	return 0;
}

/* h5u_fail: see h5util.h.  The error stack is read before anything else
 * calls HDF5 (which would clear it), then cleared. */
int
h5u_fail(mz_err *err, const char *file, const char *obj, const char *fmt,
    ...)
{
	char what[600], inner[256] = "";
	va_list ap;

	H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, inner);
	H5Eclear2(H5E_DEFAULT);
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (err == NULL)
		return -1;
	err->code = MZ_EFORMAT;
	if (obj != NULL && inner[0] != '\0')
		snprintf(err->msg, sizeof err->msg, "%s: %s: %s (HDF5: %s)",
		    file, obj, what, inner);
	else if (obj != NULL)
		snprintf(err->msg, sizeof err->msg, "%s: %s: %s", file, obj,
		    what);
	else if (inner[0] != '\0')
		snprintf(err->msg, sizeof err->msg, "%s: %s (HDF5: %s)", file,
		    what, inner);
	else
		snprintf(err->msg, sizeof err->msg, "%s: %s", file, what);
	return -1;
}

/* h5u_nomem: see h5util.h. */
int
h5u_nomem(mz_err *err, const char *file, const char *obj)
{
	if (obj != NULL)
		mz_seterr(err, MZ_ENOMEM, "%s: %s: out of memory", file, obj);
	else
		mz_seterr(err, MZ_ENOMEM, "%s: out of memory", file);
	return -1;
}

/* h5u_open: see h5util.h. */
hid_t
h5u_open(const char *path, mz_err *err)
{
	htri_t is;
	hid_t f;

	h5u_silence();
	is = H5Fis_hdf5(path);
	if (is == 0) {
		h5u_fail(err, path, NULL, "not an HDF5 file");
		return H5I_INVALID_HID;
	}
	f = is > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) :
	    H5I_INVALID_HID;
	if (f < 0)
		h5u_fail(err, path, NULL, "cannot open as HDF5 (truncated or "
		    "damaged file?)");
	return f;
}

/* h5u_kind: see h5util.h.  Walks the path one component at a time, as
 * H5Lexists fails on a missing intermediate group. */
H5O_type_t
h5u_kind(hid_t loc, const char *name)
{
	char buf[1024];
	H5O_info_t info;
	size_t i = 0, n = strlen(name);

	if (n == 0 || n >= sizeof buf)
		return H5O_TYPE_UNKNOWN;
	memcpy(buf, name, n + 1);
	if (strcmp(name, ".") != 0) {
		if (buf[0] == '/')
			i = 1;
		for (; i <= n; i++) {
			if (buf[i] != '/' && buf[i] != '\0')
				continue;
			buf[i] = '\0';
			if (buf[0] != '\0' && strcmp(buf, "/") != 0 &&
			    H5Lexists(loc, buf, H5P_DEFAULT) <= 0)
				return H5O_TYPE_UNKNOWN;
			if (i < n)
				buf[i] = '/';
		}
	}
	if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return H5O_TYPE_UNKNOWN;
	}
	return info.type;
}

/* open_dset: dataset name under loc, failing with err when absent. */
static hid_t
open_dset(hid_t loc, const char *name, const char *file, const char *obj,
    mz_err *err)
{
	hid_t d;

	if (h5u_kind(loc, name) != H5O_TYPE_DATASET) {
		h5u_fail(err, file, obj, "no such dataset");
		return H5I_INVALID_HID;
	}
	if ((d = H5Dopen2(loc, name, H5P_DEFAULT)) < 0)
		h5u_fail(err, file, obj, "cannot open the dataset");
	return d;
}

/* dset_count: the number of elements of d (its rank in *rank and shape in
 * dims when not NULL); -1 with err set when it is not a simple dataspace
 * of rank <= 8 or holds more than H5U_MAX_ELEMS elements. */
static int
dset_count(hid_t d, size_t *n, int *rank, hsize_t *dims, const char *file,
    const char *obj, mz_err *err)
{
	hsize_t dd[H5S_MAX_RANK];
	hid_t sp = H5Dget_space(d);
	int r;
	size_t c = 1;

	if (sp < 0)
		return h5u_fail(err, file, obj, "cannot read the dataspace");
	if (H5Sget_simple_extent_type(sp) == H5S_NULL) {
		H5Sclose(sp);
		*n = 0;
		if (rank)
			*rank = 0;
		return 0;
	}
	r = H5Sget_simple_extent_ndims(sp);
	if (r < 0 || r > 8 || H5Sget_simple_extent_dims(sp, dd, NULL) < 0) {
		H5Sclose(sp);
		return h5u_fail(err, file, obj, "a dataspace of rank %d (at "
		    "most 8 supported)", r);
	}
	H5Sclose(sp);
	for (int i = 0; i < r; i++) {
		if (dd[i] != 0 && c > H5U_MAX_ELEMS / dd[i]) {
			mz_seterr(err, MZ_ENOMEM, "%s: %s: too large (more "
			    "than %zu elements)", file, obj, H5U_MAX_ELEMS);
			return -1;
		}
		c *= (size_t)dd[i];
		if (dims)
			dims[i] = dd[i];
	}
	*n = c;
	if (rank)
		*rank = r;
	return 0;
}

/* h5u_shape: see h5util.h. */
int
h5u_shape(hid_t loc, const char *name, int *rank, hsize_t dims[8],
    const char *file, const char *obj, mz_err *err)
{
	hid_t d = open_dset(loc, name, file, obj, err);
	size_t n;
	int rc;

	if (d < 0)
		return -1;
	rc = dset_count(d, &n, rank, dims, file, obj, err);
	H5Dclose(d);
	return rc;
}

/* read_num: read numeric dataset name into a new array of n elements of
 * memory type mt (elem bytes each); ints_only refuses float data. */
static void *
read_num(hid_t loc, const char *name, size_t *n, hid_t mt, size_t elem,
    int ints_only, const char *file, const char *obj, mz_err *err)
{
	hid_t d = open_dset(loc, name, file, obj, err), t;
	H5T_class_t cl;
	void *v = NULL;

	if (d < 0)
		return NULL;
	if ((t = H5Dget_type(d)) < 0) {
		h5u_fail(err, file, obj, "cannot read the datatype");
		goto out;
	}
	cl = H5Tget_class(t);
	H5Tclose(t);
	if (cl != H5T_INTEGER && (cl != H5T_FLOAT || ints_only)) {
		h5u_fail(err, file, obj, "not %s dataset", ints_only ?
		    "an integer" : "a numeric");
		goto out;
	}
	if (dset_count(d, n, NULL, NULL, file, obj, err) < 0)
		goto out;
	if ((v = mz_bigalloc(*n * elem)) == NULL) {
		h5u_nomem(err, file, obj);
		goto out;
	}
	if (*n > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
		h5u_fail(err, file, obj, "read failed");
		free(v);
		v = NULL;
	}
out:
	H5Dclose(d);
	return v;
}

/* h5u_read_f64: see h5util.h. */
double *
h5u_read_f64(hid_t loc, const char *name, size_t *n, const char *file,
    const char *obj, mz_err *err)
{
	return read_num(loc, name, n, H5T_NATIVE_DOUBLE, sizeof(double), 0,
	    file, obj, err);
}

/* h5u_read_i64: see h5util.h. */
int64_t *
h5u_read_i64(hid_t loc, const char *name, size_t *n, const char *file,
    const char *obj, mz_err *err)
{
	return read_num(loc, name, n, H5T_NATIVE_INT64, sizeof(int64_t), 1,
	    file, obj, err);
}

/* h5u_free_strings: see h5util.h. */
void
h5u_free_strings(char **s, size_t n)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* copy_fixed: a NUL-terminated copy of the fixed-length string p[0..size)
 * (ending at the first NUL; trailing spaces dropped when space-padded). */
static char *
copy_fixed(const char *p, size_t size, int spacepad)
{
	size_t k = 0;
	char *s;

	while (k < size && p[k] != '\0')
		k++;
	if (spacepad)
		while (k > 0 && p[k - 1] == ' ')
			k--;
	if ((s = malloc(k + 1)) != NULL) {
		memcpy(s, p, k);
		s[k] = '\0';
	}
	return s;
}

/* read_str_sel: strings of dataset d whose file string type (or the
 * member type, for a compound) is st, read with memory type mt built
 * here; n strings into a new array.  member: NULL, or the compound member
 * to read. */
static char **
read_str_sel(hid_t d, hid_t st, const char *member, size_t n,
    const char *file, const char *obj, mz_err *err)
{
	htri_t var = H5Tis_variable_str(st);
	int spacepad = H5Tget_strpad(st) == H5T_STR_SPACEPAD;
	size_t size = H5Tget_size(st), esz;
	hid_t mt = H5Tcopy(H5T_C_S1), rt = H5I_INVALID_HID;
	char **out = NULL, *buf = NULL;
	size_t i;

	if (mt < 0 || var < 0 || size == 0)
		goto bad;
	if (var > 0) {
		H5Tset_size(mt, H5T_VARIABLE);
		esz = sizeof(char *);
	} else {
		H5Tset_size(mt, size);
		H5Tset_strpad(mt, H5T_STR_NULLPAD);
		esz = size;
	}
	H5Tset_cset(mt, H5Tget_cset(st));
	if (member != NULL) {
		rt = H5Tcreate(H5T_COMPOUND, esz);
		if (rt < 0 || H5Tinsert(rt, member, 0, mt) < 0)
			goto bad;
	} else
		rt = H5Tcopy(mt);
	if (n > H5U_MAX_ELEMS / (esz + 1)) {
		mz_seterr(err, MZ_ENOMEM, "%s: %s: too large", file, obj);
		goto out;
	}
	if ((buf = calloc(n ? n : 1, esz)) == NULL ||
	    (out = calloc(n ? n : 1, sizeof *out)) == NULL) {
		h5u_nomem(err, file, obj);
		goto out;
	}
	if (n > 0 && H5Dread(d, rt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
		h5u_fail(err, file, obj, "read failed");
		free(out);
		out = NULL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *p;

		if (var > 0) {
			memcpy(&p, buf + i * esz, sizeof p);
			out[i] = copy_fixed(p ? p : "", p ? strlen(p) : 0,
			    spacepad);
		} else
			out[i] = copy_fixed(buf + i * esz, esz, spacepad);
		if (out[i] == NULL) {
			h5u_nomem(err, file, obj);
			break;
		}
	}
	if (var > 0 && n > 0) {
		hid_t sp = H5Dget_space(d);

		H5Dvlen_reclaim(rt, sp, H5P_DEFAULT, buf);
		H5Sclose(sp);
	}
	if (i < n) {
		h5u_free_strings(out, i);
		out = NULL;
	}
	goto out;
bad:
	h5u_fail(err, file, obj, "cannot set up a string read");
out:
	free(buf);
	if (rt >= 0)
		H5Tclose(rt);
	if (mt >= 0)
		H5Tclose(mt);
	return out;
}

/* h5u_read_strings: see h5util.h. */
char **
h5u_read_strings(hid_t loc, const char *name, size_t *n, const char *file,
    const char *obj, mz_err *err)
{
	hid_t d = open_dset(loc, name, file, obj, err), t = H5I_INVALID_HID;
	char **out = NULL;

	if (d < 0)
		return NULL;
	if ((t = H5Dget_type(d)) < 0 || H5Tget_class(t) != H5T_STRING) {
		h5u_fail(err, file, obj, "not a string dataset");
		goto out;
	}
	if (dset_count(d, n, NULL, NULL, file, obj, err) < 0)
		goto out;
	out = read_str_sel(d, t, NULL, *n, file, obj, err);
out:
	if (t >= 0)
		H5Tclose(t);
	H5Dclose(d);
	return out;
}

/* h5u_attr_bytes: see h5util.h. */
char *
h5u_attr_bytes(hid_t loc, const char *name, const char *attr, size_t *len,
    mz_err *err)
{
	hid_t a, t = H5I_INVALID_HID, sp = H5I_INVALID_HID, mt = H5I_INVALID_HID;
	H5T_class_t cl;
	hssize_t npts;
	size_t size, k = 0;
	char *out = NULL, *buf = NULL;

	if (H5Aexists_by_name(loc, name, attr, H5P_DEFAULT) <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return NULL;
	}
	if ((a = H5Aopen_by_name(loc, name, attr, H5P_DEFAULT,
	    H5P_DEFAULT)) < 0) {
		h5u_fail(err, "", attr, "cannot open the attribute");
		return NULL;
	}
	t = H5Aget_type(a);
	sp = H5Aget_space(a);
	cl = H5Tget_class(t);
	npts = H5Sget_simple_extent_npoints(sp);
	size = H5Tget_size(t);
	if (H5Sget_simple_extent_type(sp) == H5S_NULL)
		npts = 0;
	if (cl == H5T_STRING && H5Tis_variable_str(t) > 0) {
		char *p = NULL;

		if (npts != 1)
			goto out;
		mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(t));
		if (H5Aread(a, mt, &p) < 0) {
			h5u_fail(err, "", attr, "cannot read the attribute");
			goto out;
		}
		k = p ? strlen(p) : 0;
		if ((out = malloc(k + 1)) != NULL) {
			memcpy(out, p ? p : "", k);
			out[k] = '\0';
		} else
			mz_seterr(err, MZ_ENOMEM, "attribute %s: out of "
			    "memory", attr);
		H5free_memory(p);
		goto out;
	}
	if (!(cl == H5T_STRING || cl == H5T_OPAQUE ||
	    (cl == H5T_INTEGER && size == 1)) || npts < 0 ||
	    (cl == H5T_STRING && npts > 1))
		goto out;
	if (npts == 0) {
		out = calloc(1, 1);
		goto out;
	}
	if (size > (size_t)1 << 30 || (size_t)npts > ((size_t)1 << 30) / size)
		goto out;
	k = size * (size_t)npts;
	if ((buf = malloc(k + 1)) == NULL) {
		mz_seterr(err, MZ_ENOMEM, "attribute %s: out of memory", attr);
		goto out;
	}
	if (H5Aread(a, t, buf) < 0) {
		h5u_fail(err, "", attr, "cannot read the attribute");
		goto out;
	}
	while (k > 0 && buf[k - 1] == '\0')
		k--;
	buf[k] = '\0';
	out = buf;
	buf = NULL;
out:
	free(buf);
	if (mt >= 0)
		H5Tclose(mt);
	H5Sclose(sp);
	H5Tclose(t);
	H5Aclose(a);
	if (out != NULL && len != NULL)
		*len = k;
	return out;
}

/* h5u_attr_f64: see h5util.h. */
int
h5u_attr_f64(hid_t loc, const char *name, const char *attr, double *v)
{
	hid_t a, t, sp;
	H5T_class_t cl;
	hssize_t npts;
	double *buf;
	int rc = -1;

	if (H5Aexists_by_name(loc, name, attr, H5P_DEFAULT) <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return -1;
	}
	if ((a = H5Aopen_by_name(loc, name, attr, H5P_DEFAULT,
	    H5P_DEFAULT)) < 0)
		return -1;
	t = H5Aget_type(a);
	sp = H5Aget_space(a);
	cl = H5Tget_class(t);
	npts = H5Sget_simple_extent_npoints(sp);
	if ((cl == H5T_INTEGER || cl == H5T_FLOAT) && npts >= 1 &&
	    npts < (1 << 20) &&
	    (buf = malloc((size_t)npts * sizeof *buf)) != NULL) {
		if (H5Aread(a, H5T_NATIVE_DOUBLE, buf) >= 0) {
			*v = buf[0];
			rc = 0;
		}
		free(buf);
	}
	H5Eclear2(H5E_DEFAULT);
	H5Sclose(sp);
	H5Tclose(t);
	H5Aclose(a);
	return rc;
}

/* A growing list of names for h5u_list. */
struct namelist {
	char **v;
	size_t n, cap;
	int nomem;
};

/* list_cb: append the link name to the namelist in data. */
static herr_t
list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	struct namelist *l = data;

	(void)g;
	(void)info;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof *v);

		if (v == NULL) {
			l->nomem = 1;
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = strdup(name)) == NULL) {
		l->nomem = 1;
		return -1;
	}
	l->n++;
	return 0;
}

/* h5u_list: see h5util.h. */
char **
h5u_list(hid_t loc, const char *name, size_t *n, const char *file,
    mz_err *err)
{
	struct namelist l = { NULL, 0, 0, 0 };
	hid_t g;
	herr_t rc;

	if (h5u_kind(loc, name) != H5O_TYPE_GROUP) {
		h5u_fail(err, file, name, "no such group");
		return NULL;
	}
	if ((g = H5Gopen2(loc, name, H5P_DEFAULT)) < 0) {
		h5u_fail(err, file, name, "cannot open the group");
		return NULL;
	}
	rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, list_cb, &l);
	if (rc < 0) {
		if (l.nomem)
			h5u_nomem(err, file, name);
		else
			h5u_fail(err, file, name, "cannot list the group");
		h5u_free_strings(l.v, l.n);
		H5Gclose(g);
		return NULL;
	}
	H5Gclose(g);
	if (l.v == NULL && (l.v = malloc(sizeof *l.v)) == NULL) {
		h5u_nomem(err, file, name);
		return NULL;
	}
	*n = l.n;
	return l.v;
}

/* member_type: the memory type that converts file member type mt to
 * doubles (an array of doubles for an array member), its element count
 * in *width; H5I_INVALID_HID for a member of another class.  Enums are
 * read as their integer base type (is_enum set, base size in *esize,
 * signedness in *sgn) since HDF5 does not convert enums to numbers. */
static hid_t
member_type(hid_t mt, size_t *width, int *is_enum, size_t *esize, int *sgn)
{
	H5T_class_t cl = H5Tget_class(mt);
	hsize_t dims[H5S_MAX_RANK];

	*width = 1;
	*is_enum = 0;
	if (cl == H5T_INTEGER || cl == H5T_FLOAT)
		return H5Tcopy(H5T_NATIVE_DOUBLE);
	if (cl == H5T_ENUM) {
		hid_t base = H5Tget_super(mt), nat;

		if (base < 0)
			return H5I_INVALID_HID;
		nat = H5Tget_native_type(base, H5T_DIR_DEFAULT);
		*esize = H5Tget_size(base);
		*sgn = H5Tget_sign(base) == H5T_SGN_2;
		H5Tclose(base);
		*is_enum = 1;
		return nat;
	}
	if (cl == H5T_ARRAY) {
		hid_t base = H5Tget_super(mt), arr;
		int r = H5Tget_array_ndims(mt);
		H5T_class_t bc;

		if (base < 0 || r < 1 || r > H5S_MAX_RANK ||
		    H5Tget_array_dims2(mt, dims) < 0) {
			if (base >= 0)
				H5Tclose(base);
			return H5I_INVALID_HID;
		}
		bc = H5Tget_class(base);
		H5Tclose(base);
		if (bc != H5T_INTEGER && bc != H5T_FLOAT)
			return H5I_INVALID_HID;
		for (int i = 0; i < r; i++) {
			if (dims[i] == 0 || *width > (1u << 20) / dims[i])
				return H5I_INVALID_HID;
			*width *= (size_t)dims[i];
		}
		arr = H5Tarray_create2(H5T_NATIVE_DOUBLE, (unsigned)r, dims);
		return arr;
	}
	return H5I_INVALID_HID;
}

/* plain_member: whether file member type m is stored as this machine
 * holds it and scatter can take it from there: native doubles or an
 * array of them, or a native integer or an enum of one (made doubles by
 * scatter). */
static int
plain_member(hid_t m)
{
	H5T_class_t cl = H5Tget_class(m);
	hid_t base, nat;
	int ok;

	if (cl == H5T_FLOAT)
		return H5Tequal(m, H5T_NATIVE_DOUBLE) > 0;
	if (cl == H5T_INTEGER) {
		nat = H5Tget_native_type(m, H5T_DIR_DEFAULT);
		ok = nat >= 0 && H5Tequal(m, nat) > 0;
		if (nat >= 0)
			H5Tclose(nat);
		return ok;
	}
	if (cl != H5T_ARRAY && cl != H5T_ENUM)
		return 0;
	if ((base = H5Tget_super(m)) < 0)
		return 0;
	if (cl == H5T_ARRAY)
		ok = H5Tequal(base, H5T_NATIVE_DOUBLE) > 0;
	else {
		nat = H5Tget_native_type(base, H5T_DIR_DEFAULT);
		ok = nat >= 0 && H5Tequal(base, nat) > 0;
		if (nat >= 0)
			H5Tclose(nat);
	}
	H5Tclose(base);
	return ok;
}

/* h5u_member_class: see h5util.h. */
H5T_class_t
h5u_member_class(hid_t loc, const char *name, const char *member)
{
	hid_t d, t, m;
	H5T_class_t cl = H5T_NO_CLASS;
	int i;

	if (h5u_kind(loc, name) != H5O_TYPE_DATASET ||
	    (d = H5Dopen2(loc, name, H5P_DEFAULT)) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return H5T_NO_CLASS;
	}
	t = H5Dget_type(d);
	if (H5Tget_class(t) == H5T_COMPOUND &&
	    (i = H5Tget_member_index(t, member)) >= 0) {
		m = H5Tget_member_type(t, (unsigned)i);
		cl = H5Tget_class(m);
		H5Tclose(m);
	}
	H5Eclear2(H5E_DEFAULT);
	H5Tclose(t);
	H5Dclose(d);
	return cl;
}

/* Rows per strip: strips of about this many bytes. */
#define STRIP_BYTES ((size_t)1 << 20)

/* A strip reader (h5util.h). */
struct h5u_strips {
	hid_t d, ct;
	h5u_field *f;
	size_t nf, n, rowsz, strip, next;
	int rank, plain;          /* plain: rows as stored (the file type) */
	size_t off[64], esz[64], isz[64];   /* isz: an integer's size, or 0 */
	int isenum[64], sgn[64];
	unsigned char *buf;
	const char *file, *obj;
};

/* read_strip: rows r0..r0+m-1 of the one-dimensional dataset d through
 * memory type mt into buf (m == 0: all of a dataset of any shape); -1 on
 * a read error. */
static int
read_strip(hid_t d, hid_t mt, size_t r0, size_t m, void *buf)
{
	hsize_t start = r0, count = m;
	hid_t fs, ms;
	int rc = -1;

	if (m == 0)
		return H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ?
		    -1 : 0;
	fs = H5Dget_space(d);
	ms = H5Screate_simple(1, &count, NULL);
	if (fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET,
	    &start, NULL, &count, NULL) >= 0 &&
	    H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) >= 0)
		rc = 0;
	if (ms >= 0)
		H5Sclose(ms);
	if (fs >= 0)
		H5Sclose(fs);
	return rc;
}

/* scatter: member k of the m rows in st->buf into st->f[k].out (from its
 * start); enum members become their integer values. */
static void
scatter(h5u_strips *st, size_t k, size_t m)
{
	h5u_field *f = &st->f[k];
	size_t esz = st->esz[k];
	int sgn = st->sgn[k];

	for (size_t r = 0; r < m; r++) {
		const unsigned char *p = st->buf + r * st->rowsz + st->off[k];

		if (st->isenum[k]) {
			int64_t v = 0;

			if (esz == 1)
				v = sgn ? *(const int8_t *)p :
				    *(const uint8_t *)p;
			else if (esz == 2) {
				int16_t s;
				memcpy(&s, p, 2);
				v = sgn ? (int64_t)s : (int64_t)(uint16_t)s;
			} else if (esz == 4) {
				int32_t s;
				memcpy(&s, p, 4);
				v = sgn ? (int64_t)s : (int64_t)(uint32_t)s;
			} else {
				uint64_t u;
				memcpy(&u, p, 8);
				f->out[r] = sgn ? (double)(int64_t)u :
				    (double)u;
				continue;
			}
			f->out[r] = (double)v;
		} else
			memcpy(f->out + r * f->width, p,
			    f->width * sizeof(double));
	}
}

/* h5u_strips_close: see h5util.h. */
void
h5u_strips_close(h5u_strips *st)
{
	if (st == NULL)
		return;
	for (size_t k = 0; k < st->nf; k++) {
		free(st->f[k].out);
		st->f[k].out = NULL;
	}
	free(st->buf);
	if (st->ct >= 0)
		H5Tclose(st->ct);
	H5Dclose(st->d);
	free(st);
}

/* h5u_strips_open: see h5util.h.  A memory compound of the wanted members
 * (HDF5 matches them by name) at 8-byte aligned offsets; or, when every
 * wanted member is plain (plain_member), the file's own compound type,
 * which HDF5 reads without converting (several times faster: no
 * conversion buffers), the members taken from their file offsets. */
h5u_strips *
h5u_strips_open(hid_t loc, const char *name, h5u_field *f, size_t nf,
    size_t *rows, const char *file, const char *obj, mz_err *err)
{
	h5u_strips *st;
	hid_t t = H5I_INVALID_HID;
	size_t k;

	for (k = 0; k < nf; k++) {
		f[k].out = NULL;
		f[k].found = 0;
		f[k].width = 0;
	}
	if (nf > 64) {
		h5u_fail(err, file, obj, "too many members asked for");
		return NULL;
	}
	if ((st = calloc(1, sizeof *st)) == NULL) {
		h5u_nomem(err, file, obj);
		return NULL;
	}
	st->f = f;
	st->nf = nf;
	st->file = file;
	st->obj = obj;
	st->ct = H5I_INVALID_HID;
	if ((st->d = open_dset(loc, name, file, obj, err)) < 0) {
		free(st);
		return NULL;
	}
	if ((t = H5Dget_type(st->d)) < 0 || H5Tget_class(t) != H5T_COMPOUND) {
		h5u_fail(err, file, obj, "not a compound dataset");
		goto fail;
	}
	if (dset_count(st->d, &st->n, &st->rank, NULL, file, obj, err) < 0)
		goto fail;
	/* Pass 1: member sizes and offsets. */
	st->plain = 1;
	for (k = 0; k < nf; k++) {
		int i = H5Tget_member_index(t, f[k].name);
		hid_t m, mt;

		H5Eclear2(H5E_DEFAULT);
		if (i < 0) {
			if (f[k].required) {
				h5u_fail(err, file, obj, "no member '%s'",
				    f[k].name);
				goto fail;
			}
			continue;
		}
		m = H5Tget_member_type(t, (unsigned)i);
		mt = member_type(m, &f[k].width, &st->isenum[k], &st->esz[k],
		    &st->sgn[k]);
		if (mt >= 0 && !plain_member(m))
			st->plain = 0;
		st->isz[k] = 0;
		if (mt >= 0 && H5Tget_class(m) == H5T_INTEGER) {
			st->isz[k] = H5Tget_size(m);
			st->sgn[k] = H5Tget_sign(m) == H5T_SGN_2;
		}
		H5Tclose(m);
		if (mt < 0) {
			h5u_fail(err, file, obj, "member '%s' is not numeric",
			    f[k].name);
			goto fail;
		}
		if (!st->isenum[k])
			st->esz[k] = sizeof(double) * f[k].width;
		st->off[k] = st->rowsz;
		st->rowsz += (st->esz[k] + 7) / 8 * 8;
		H5Tclose(mt);
		f[k].found = 1;
	}
	*rows = st->n;
	if (st->rowsz == 0) {
		H5Tclose(t);
		return st;
	}
	if (st->plain) {
		/* The file's rows as stored; members at their offsets. */
		st->rowsz = H5Tget_size(t);
		for (k = 0; k < nf; k++) {
			if (!f[k].found)
				continue;
			st->off[k] = H5Tget_member_offset(t, (unsigned)
			    H5Tget_member_index(t, f[k].name));
			if (st->isz[k] > 0) {
				/* An integer as stored, as an enum's. */
				st->isenum[k] = 1;
				st->esz[k] = st->isz[k];
			}
		}
		if (st->rowsz == 0 || (st->ct = H5Tcopy(t)) < 0)
			goto bad;
		goto sized;
	}
	if ((st->ct = H5Tcreate(H5T_COMPOUND, st->rowsz)) < 0)
		goto bad;
	for (k = 0; k < nf; k++) {
		int i, ie, sg;
		hid_t m, mt;
		size_t w, es;

		if (!f[k].found)
			continue;
		i = H5Tget_member_index(t, f[k].name);
		m = H5Tget_member_type(t, (unsigned)i);
		mt = member_type(m, &w, &ie, &es, &sg);
		H5Tclose(m);
		if (mt < 0 || H5Tinsert(st->ct, f[k].name, st->off[k], mt) < 0) {
			if (mt >= 0)
				H5Tclose(mt);
			goto bad;
		}
		H5Tclose(mt);
	}
sized:
	if (st->n > H5U_MAX_ELEMS / st->rowsz) {
		mz_seterr(err, MZ_ENOMEM, "%s: %s: too large", file, obj);
		goto fail;
	}
	/* Strips of a one-dimensional dataset; others in one read. */
	st->strip = STRIP_BYTES / st->rowsz;
	if (st->strip > st->n)
		st->strip = st->n;
	if (st->strip == 0 || st->rank != 1)
		st->strip = st->n ? st->n : 1;
	if ((st->buf = mz_bigalloc(st->strip * st->rowsz)) == NULL)
		goto nomem;
	for (k = 0; k < nf; k++)
		if (f[k].found && (f[k].out = malloc(st->strip * f[k].width *
		    sizeof(double))) == NULL)
			goto nomem;
	H5Tclose(t);
	return st;
nomem:
	h5u_nomem(err, file, obj);
	goto fail;
bad:
	h5u_fail(err, file, obj, "cannot set up the read");
fail:
	if (t >= 0)
		H5Tclose(t);
	h5u_strips_close(st);
	return NULL;
}

/* h5u_strips_rows: see h5util.h. */
size_t
h5u_strips_rows(const h5u_strips *st)
{
	return st->strip > 0 ? st->strip : 1;
}

/* h5u_strips_next: see h5util.h. */
int
h5u_strips_next(h5u_strips *st, size_t *r0, size_t *m, mz_err *err)
{
	size_t n;

	if (st->next >= st->n || st->rowsz == 0)
		return 0;
	n = st->n - st->next < st->strip ? st->n - st->next : st->strip;
	if (read_strip(st->d, st->ct, st->next, st->rank == 1 ? n : 0,
	    st->buf) < 0)
		return h5u_fail(err, st->file, st->obj, "read failed (rows "
		    "%zu..%zu)", st->next, st->next + n - 1);
	for (size_t k = 0; k < st->nf; k++)
		if (st->f[k].found)
			scatter(st, k, n);
	*r0 = st->next;
	*m = n;
	st->next += n;
	return 1;
}

/* h5u_read_fields: see h5util.h.  Whole arrays filled strip by strip, so
 * that no copy of the whole table is made. */
int
h5u_read_fields(hid_t loc, const char *name, h5u_field *f, size_t nf,
    size_t *rows, const char *file, const char *obj, mz_err *err)
{
	h5u_field sf[64];
	double *whole[64] = { NULL };
	h5u_strips *st;
	size_t r0, m, k;
	int rc;

	if (nf > 64)
		return h5u_fail(err, file, obj, "too many members asked for");
	memcpy(sf, f, nf * sizeof *sf);
	if ((st = h5u_strips_open(loc, name, sf, nf, rows, file, obj,
	    err)) == NULL) {
		for (k = 0; k < nf; k++)
			f[k].out = NULL;
		return -1;
	}
	for (k = 0; k < nf; k++)
		if (sf[k].found && (whole[k] = mz_bigalloc(*rows *
		    sf[k].width * sizeof(double))) == NULL) {
			rc = h5u_nomem(err, file, obj);
			goto out;
		}
	while ((rc = h5u_strips_next(st, &r0, &m, err)) > 0)
		for (k = 0; k < nf; k++)
			if (sf[k].found)
				memcpy(whole[k] + r0 * sf[k].width, sf[k].out,
				    m * sf[k].width * sizeof(double));
out:
	for (k = 0; k < nf; k++) {
		f[k].found = sf[k].found;
		f[k].width = sf[k].width;
		f[k].out = rc == 0 ? whole[k] : NULL;
		if (rc != 0)
			free(whole[k]);
	}
	h5u_strips_close(st);
	return rc;
}

/* h5u_read_field_strings: see h5util.h. */
char **
h5u_read_field_strings(hid_t loc, const char *name, const char *member,
    size_t *rows, const char *file, const char *obj, mz_err *err)
{
	hid_t d = open_dset(loc, name, file, obj, err), t = H5I_INVALID_HID;
	hid_t m = H5I_INVALID_HID;
	char **out = NULL;
	int i;

	if (d < 0)
		return NULL;
	if ((t = H5Dget_type(d)) < 0 || H5Tget_class(t) != H5T_COMPOUND ||
	    (i = H5Tget_member_index(t, member)) < 0 ||
	    (m = H5Tget_member_type(t, (unsigned)i)) < 0 ||
	    H5Tget_class(m) != H5T_STRING) {
		h5u_fail(err, file, obj, "no string member '%s'", member);
		goto out;
	}
	if (dset_count(d, rows, NULL, NULL, file, obj, err) < 0)
		goto out;
	out = read_str_sel(d, m, member, *rows, file, obj, err);
out:
	if (m >= 0)
		H5Tclose(m);
	if (t >= 0)
		H5Tclose(t);
	H5Dclose(d);
	return out;
}
