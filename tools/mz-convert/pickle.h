/*
 * pickle.h - a safe decoder for the Python pickles PyTables and pandas
 * keep in HDF5 attributes (column MultiIndex tuples, axis lists, info
 * dicts, numpy arrays).
 *
 * Nothing is ever executed or imported: GLOBAL/STACK_GLOBAL yield inert
 * PK_GLOBAL values naming "module.name", and REDUCE, NEWOBJ, NEWOBJ_EX,
 * INST, OBJ and BUILD yield inert PK_OBJECT values recording the callable's
 * name, its arguments and its state.  Protocols 0 to 5 are read, except
 * the opcodes that reach outside the pickle (PERSID, BINPERSID, EXT1/2/4,
 * NEXT_BUFFER, READONLY_BUFFER), which are errors, as is any unknown
 * opcode.  Limits: PK_MAX_BYTES of input, PK_MAX_VALUES values, and a
 * container nesting depth of PK_MAX_DEPTH at construction.
 *
 * Ownership: every value of a parse lives in its pk_doc and is freed by
 * pk_free; values may be shared (the memo), so walk them with a depth
 * limit (the helpers here do).
 */
#ifndef MZ_CONVERT_PICKLE_H
#define MZ_CONVERT_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#define PK_MAX_BYTES ((size_t)64 << 20)
#define PK_MAX_VALUES ((size_t)4 << 20)
#define PK_MAX_DEPTH 64

typedef enum pk_type {
	PK_NONE, PK_BOOL, PK_INT, PK_FLOAT, PK_STR, PK_BYTES,
	PK_LIST, PK_TUPLE, PK_DICT, PK_SET, PK_GLOBAL, PK_OBJECT, PK_MARK
} pk_type;

typedef struct pk_value pk_value;
struct pk_value {
	pk_type type;
	int depth;         /* containers: 1 + the deepest item at creation */
	int64_t i;         /* PK_BOOL (0/1), PK_INT (big ints: error) */
	double f;          /* PK_FLOAT */
	char *s;           /* PK_STR (UTF-8), PK_BYTES, PK_GLOBAL and
	                      PK_OBJECT ("module.name" of the callable) */
	size_t len;        /* bytes of s (without the terminating NUL) */
	pk_value **v;      /* PK_LIST/TUPLE/SET items; PK_DICT keys and values
	                      interleaved (k0, v0, k1, v1...) */
	size_t n, cap;     /* items in v */
	pk_value *args;    /* PK_OBJECT: the arguments (a tuple), or NULL */
	pk_value *state;   /* PK_OBJECT: the BUILD state, or NULL */
};

typedef struct pk_doc pk_doc;

/*
 * pk_parse: decode the pickle buf[0..len) (up to and including its STOP)
 * into a new *doc; its top value, or NULL with a message ("byte N: what")
 * in errbuf[0..errlen) (*doc then NULL).
 */
pk_value *pk_parse(const void *buf, size_t len, pk_doc **doc, char *errbuf,
	size_t errlen);

/* pk_free: release a doc and all its values (NULL accepted). */
void pk_free(pk_doc *doc);

/* pk_dict_get: the value of the string (or, when key is NULL, integer
 * ikey) key in dict d, or NULL. */
pk_value *pk_dict_get(const pk_value *d, const char *key, int64_t ikey);

/* pk_is_seq: v is a list or tuple. */
int pk_is_seq(const pk_value *v);

/*
 * pk_ndarray: decode v when it is a numpy array reconstruction
 * (numpy.core.multiarray._reconstruct or numpy._core... with an ndarray
 * state tuple (version, shape, dtype, fortran, data)) of a numeric dtype
 * (bool, int/uint 1-8 bytes, float 4/8 bytes, either byte order; raw data
 * bytes) into n malloc'd doubles in C order (*out); 0, or -1 with a
 * message in errbuf.  Object arrays (a list state) are refused here:
 * use pk_ndarray_items.
 */
int pk_ndarray(const pk_value *v, double **out, size_t *n, char *errbuf,
	size_t errlen);

/* pk_ndarray_items: the item list of an object-dtype array
 * reconstruction (its state's data is a list), or NULL. */
const pk_value *pk_ndarray_items(const pk_value *v);

/* pk_repr: a short Python-like rendering of v into buf (for messages and
 * tests), truncated to len - 1 characters; returns buf. */
char *pk_repr(const pk_value *v, char *buf, size_t len);

#endif
