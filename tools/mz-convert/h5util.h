/*
 * h5util.h - small HDF5 helpers shared by mz-convert's HDF5 readers
 * (dlc_h5.c, sleap.c, nwb.c).
 *
 * HDF5's own error printing is switched off (h5u_open); every failure is
 * reported through an mz_err as "FILE: /OBJECT/PATH: what" (MZ_EFORMAT,
 * MZ_ENOMEM for sizes past H5U_MAX_ELEMS or allocation failures), with
 * the innermost message of HDF5's error stack appended when it has one.
 * Everything returned through a pointer is malloc'd and owned by the
 * caller (free, or h5u_free_strings for string arrays).
 */
#ifndef MZ_CONVERT_H5UTIL_H
#define MZ_CONVERT_H5UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "conv.h"

/* The largest dataset (in elements) a reader loads: 2^31, 16 GiB of
 * doubles. */
#define H5U_MAX_ELEMS ((size_t)1 << 31)

/* h5u_silence: switch off HDF5's printing of its error stack (for the
 * whole process; idempotent). */
void h5u_silence(void);

/* h5u_open: open path read-only; H5I_INVALID_HID with err set ("not an
 * HDF5 file", or the library's reason for a damaged one). */
hid_t h5u_open(const char *path, mz_err *err);

/* h5u_fail: fill err with MZ_EFORMAT and "file: obj: MESSAGE[: HDF5's
 * innermost error]" (obj may be NULL); returns -1. */
int h5u_fail(mz_err *err, const char *file, const char *obj,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* h5u_nomem: fill err with MZ_ENOMEM naming file and obj; returns -1. */
int h5u_nomem(mz_err *err, const char *file, const char *obj);

/* h5u_kind: what name (relative to loc; intermediate groups may be
 * absent) is: H5O_TYPE_GROUP, H5O_TYPE_DATASET, or H5O_TYPE_UNKNOWN when
 * it does not exist (or is a dangling link, or anything else). */
H5O_type_t h5u_kind(hid_t loc, const char *name);

/* h5u_shape: rank and dimensions (at most 8) of dataset name; -1 with err
 * set if it is not a readable dataset of rank <= 8. */
int h5u_shape(hid_t loc, const char *name, int *rank, hsize_t dims[8],
	const char *file, const char *obj, mz_err *err);

/* h5u_read_f64: the whole numeric (integer or float) dataset name as
 * doubles in C order, count in *n; NULL with err set (obj names the
 * dataset in messages) if it is missing, not numeric or unreadable. */
double *h5u_read_f64(hid_t loc, const char *name, size_t *n,
	const char *file, const char *obj, mz_err *err);

/* h5u_read_i64: as h5u_read_f64, as 64-bit integers (integer datasets
 * only). */
int64_t *h5u_read_i64(hid_t loc, const char *name, size_t *n,
	const char *file, const char *obj, mz_err *err);

/* h5u_read_strings: a string dataset (fixed or variable length, any
 * shape, flattened) as n malloc'd NUL-terminated strings (trailing
 * spaces of space-padded strings removed); NULL with err set. */
char **h5u_read_strings(hid_t loc, const char *name, size_t *n,
	const char *file, const char *obj, mz_err *err);

/* h5u_free_strings: free n strings and the array (NULL accepted). */
void h5u_free_strings(char **s, size_t n);

/* h5u_attr_bytes: the bytes of attribute attr of object loc/name (name
 * "." for loc itself): a string (fixed or variable length; scalar or one
 * element) or opaque or 1-byte integer data, trailing NULs removed,
 * NUL-terminated, length in *len (may be NULL).  NULL when the attribute
 * does not exist or is of another type (err untouched), or with err set
 * (code != 0) on a read error or out of memory; check err->code. */
char *h5u_attr_bytes(hid_t loc, const char *name, const char *attr,
	size_t *len, mz_err *err);

/* h5u_attr_f64: a numeric scalar (or first element) attribute as a
 * double into *v; 0, or -1 when absent or not numeric. */
int h5u_attr_f64(hid_t loc, const char *name, const char *attr, double *v);

/* h5u_list: the names of the links in group loc/name (name "." for loc),
 * in name order, as *n malloc'd strings; NULL with err set if it is not a
 * group (an empty group gives a valid array and *n 0). */
char **h5u_list(hid_t loc, const char *name, size_t *n, const char *file,
	mz_err *err);

/*
 * h5u_field: one member of a compound dataset to read with
 * h5u_read_fields.  width is the member's number of elements per row (1
 * for a scalar member, the product of the dimensions for an array
 * member); out is malloc'd [rows * width] doubles; found says whether the
 * member exists (an absent member with required 0 leaves out NULL).
 * Integer, float and enum members (by their integer value) convert.
 */
typedef struct h5u_field {
	const char *name;
	int required;
	double *out;
	size_t width;
	int found;
} h5u_field;

/* h5u_read_fields: read the members f[0..nf) of compound dataset name
 * (rows in *rows); -1 with err set (and every out freed) on a missing
 * required member, a member of another type, or a read error. */
int h5u_read_fields(hid_t loc, const char *name, h5u_field *f, size_t nf,
	size_t *rows, const char *file, const char *obj, mz_err *err);

/*
 * Strip reading, for tables too large to copy whole: h5u_strips_open sets
 * up the read of the members f[0..nf) of compound dataset name as
 * h5u_read_fields does (same checks; rows in *rows), but each found
 * member's out holds one strip of rows (about a megabyte of the table),
 * owned by the reader.  h5u_strips_next reads the next strip into the
 * outs, its first row in *r0 and its row count in *m, and returns 1; 0
 * after the last strip; -1 with err set on a read error.
 * h5u_strips_close releases the reader and the outs (NULL is a no-op).
 */
typedef struct h5u_strips h5u_strips;
h5u_strips *h5u_strips_open(hid_t loc, const char *name, h5u_field *f,
	size_t nf, size_t *rows, const char *file, const char *obj,
	mz_err *err);
int h5u_strips_next(h5u_strips *st, size_t *r0, size_t *m, mz_err *err);
void h5u_strips_close(h5u_strips *st);
/* h5u_strips_rows: the most rows h5u_strips_next gives at once (>= 1). */
size_t h5u_strips_rows(const h5u_strips *st);

/* h5u_read_field_strings: member (a fixed or variable length string) of
 * compound dataset name, one string per row; NULL with err set. */
char **h5u_read_field_strings(hid_t loc, const char *name,
	const char *member, size_t *rows, const char *file, const char *obj,
	mz_err *err);

/* h5u_member_class: the class of member of compound dataset name, or
 * H5T_NO_CLASS when name is not a compound dataset or has no such
 * member. */
H5T_class_t h5u_member_class(hid_t loc, const char *name,
	const char *member);

#endif
