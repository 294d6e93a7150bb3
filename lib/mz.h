/*
 * mz.h - libmz: the mzs stream (see mzs(5)) and what every mz tool shares.
 *
 * Ownership, in one rule: every object a function here returns through a
 * pointer (mz_reader, mz_writer, mz_header, strings from *_dup functions) is
 * owned by the caller and freed with the matching *_free or *_close, and every
 * free or close function accepts NULL; pointers obtained from a getter (a
 * header from a reader, column arrays of a block) are borrowed: they belong
 * to the object they came from and stay valid until the next call that
 * advances or frees it.  libmz never prints and never exits: a function that
 * can fail returns a negative MZ_E* code (or NULL) and fills the mz_err the
 * caller passed, whose message names the file and the place.
 */
#ifndef MZ_H
#define MZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#define MZ_VERSION "0.1.0"
#define MZ_FORMAT_MAJOR 1
#define MZ_FORMAT_MINOR 0

/* Error codes: every failing function returns one of these (negated). */
enum {
	MZ_OK = 0,
	MZ_EIO = 1,      /* the operating system refused a read or write */
	MZ_EFORMAT = 2,  /* the bytes are not a valid stream or file */
	MZ_ETRUNC = 3,   /* input ended early */
	MZ_ECHECKSUM = 4,/* a checksum or count disagrees */
	MZ_EVERSION = 5, /* a format version this library does not know */
	MZ_ENOMEM = 6,   /* out of memory, or a size past a stated limit */
	MZ_EINVAL = 7,   /* the caller asked for something impossible */
	MZ_ESCHEMA = 8   /* columns or types do not fit together */
};

typedef struct mz_err {
	int code;        /* one of the codes above, positive; 0 if none */
	char msg[1024];  /* "file: place: what", without the program name */
} mz_err;

/*
 * mz_seterr: fill err (if not NULL) with code and a printf-style message;
 * returns -code, so that "return mz_seterr(err, MZ_EIO, ...)" works.
 */
int mz_seterr(mz_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* mz_strerror: a short English name of an error code. Never NULL. */
const char *mz_strerror(int code);

/* ---------------------------------------------------------------- types */

typedef enum mz_type {
	MZ_NOTYPE = 0,
	MZ_I8, MZ_U8, MZ_I16, MZ_U16, MZ_I32, MZ_U32, MZ_I64, MZ_U64,
	MZ_F32, MZ_F64
} mz_type;

/* mz_type_size: bytes per value of t, 0 for MZ_NOTYPE or an invalid t. */
size_t mz_type_size(mz_type t);
/* mz_type_name: "f64" etc.; "?" for an invalid t. */
const char *mz_type_name(mz_type t);
/* mz_type_parse: the type named s, or MZ_NOTYPE. */
mz_type mz_type_parse(const char *s);
/* mz_type_isfloat: nonzero for MZ_F32 and MZ_F64. */
int mz_type_isfloat(mz_type t);

/*
 * mz_get_f64 / mz_get_i64: value i of a column array of type t, converted.
 * (Unsigned 64-bit values above INT64_MAX wrap in mz_get_i64.)
 * mz_put_f64: store v as element i of an array of type t, converting as C
 * does (integers truncate toward zero; callers check ranges first).
 */
double mz_get_f64(const void *col, mz_type t, size_t i);
int64_t mz_get_i64(const void *col, mz_type t, size_t i);
void mz_put_f64(void *col, mz_type t, size_t i, double v);

/* ---------------------------------------------------------------- header */

typedef struct mz_column {
	char *name;      /* owned by the header */
	mz_type type;
	char *unit;      /* NULL when absent; owned by the header */
	cJSON *extra;    /* other keys (levels, ...) as an object, or NULL */
} mz_column;

typedef struct mz_header {
	size_t ncols;
	mz_column *cols;
	cJSON *meta;     /* an object, never NULL */
	cJSON *history;  /* an array, never NULL */
	char processing[17]; /* 16 hex digits and NUL */
} mz_header;

/* mz_header_new: an empty header (no columns, {} meta, [] history, zero
 * processing hash). NULL when out of memory. */
mz_header *mz_header_new(void);
/* mz_header_copy: a deep copy of h, or NULL when out of memory. */
mz_header *mz_header_copy(const mz_header *h);
void mz_header_free(mz_header *h);

/*
 * mz_header_add_column: append a column (name copied; unit may be NULL).
 * Returns its index, or -MZ_ESCHEMA if the name is empty, has control
 * characters or is already used, -MZ_EINVAL for a bad type, -MZ_ENOMEM.
 */
int mz_header_add_column(mz_header *h, const char *name, mz_type type,
	const char *unit, mz_err *err);
/* mz_header_drop_column: remove column i (0 <= i < ncols), shifting later
 * ones down. */
void mz_header_drop_column(mz_header *h, size_t i);
/* mz_header_find: index of the column named name, or -1. */
int mz_header_find(const mz_header *h, const char *name);
/* mz_header_rename: rename column i; the same checks as add_column. */
int mz_header_rename(mz_header *h, size_t i, const char *name, mz_err *err);
/* mz_header_same_columns: 1 if a and b have the same column names and
 * types in the same order, else 0. */
int mz_header_same_columns(const mz_header *a, const mz_header *b);
/* mz_header_row_size: sum of the column type sizes. */
size_t mz_header_row_size(const mz_header *h);

/* mz_meta_str: the string value of meta key, or NULL. Borrowed. */
const char *mz_meta_str(const mz_header *h, const char *key);
/* mz_meta_num: the number value of meta key, or def when absent/not a
 * number. */
double mz_meta_num(const mz_header *h, const char *key, double def);
/* mz_meta_set: set meta key to item, which the header takes over (also on
 * failure). Returns 0 or -MZ_ENOMEM. */
int mz_meta_set(mz_header *h, const char *key, cJSON *item, mz_err *err);

/*
 * mz_header_add_history: append {tool, version, options[, parents]} to the
 * history and set h->processing as mzs(5) defines, from the current
 * processing hash (the parent).  options is taken over (may be NULL for {});
 * parents (array of hash strings, or NULL) is taken over as well.
 */
int mz_header_add_history(mz_header *h, const char *tool,
	const char *version, cJSON *options, cJSON *parents, mz_err *err);

/*
 * mz_header_to_json: the HEAD payload text for h (compact JSON), malloc'd,
 * or NULL when out of memory.  mz_header_from_json: parse and validate a
 * HEAD payload of len bytes; NULL with err filled (MZ_EFORMAT) otherwise;
 * where names the input in messages.
 */
char *mz_header_to_json(const mz_header *h);
mz_header *mz_header_from_json(const char *text, size_t len,
	const char *where, mz_err *err);

/* mz_json_canonical: compact JSON of item with '/' unescaped, as the
 * processing hash needs; malloc'd, NULL when out of memory. */
char *mz_json_canonical(const cJSON *item);

/* ---------------------------------------------------------------- reader */

typedef struct mz_reader mz_reader;

typedef struct mz_block {
	size_t nrows;
	size_t ncols;        /* equals the part header's ncols */
	const void **cols;   /* cols[j]: nrows values of column j's type;
	                        NULL for columns not wanted (mz_reader_want) */
} mz_block;

/*
 * mz_reader_open: open path ("-" or NULL: standard input) for reading.
 * Input is read with read(2), a chunk at a time, into a buffer the reader
 * owns; raw (codec 0) columns are returned as pointers into it without
 * further copying.  Fails (NULL, err filled: MZ_EIO) only if path cannot be
 * opened: format errors surface at the first mz_reader_next_part.
 * mz_reader_fdopen: the same for an open descriptor, which the reader
 * closes; name is used in messages.
 * mz_reader_memopen: read len bytes at buf (not copied; must outlive the
 * reader); raw columns point into buf, so a caller that maps a file gets
 * zero-copy access to it.
 */
mz_reader *mz_reader_open(const char *path, mz_err *err);
mz_reader *mz_reader_fdopen(int fd, const char *name, mz_err *err);
mz_reader *mz_reader_memopen(const void *buf, size_t len, const char *name,
	mz_err *err);
void mz_reader_close(mz_reader *r);

/*
 * mz_reader_skim: for a first pass whose findings a later, verifying read
 * of the same bytes checks: from now on the payloads of block chunks are
 * not checked against their checksums (framing, padding, block headers
 * and column descriptors, and each part's chain of checksums still are),
 * so that a reader of a mapped file (mz_reader_memopen) touches only the
 * pages of the columns it decodes (mz_reader_want).  Values from a
 * damaged block may then come back wrong instead of as an error.
 */
void mz_reader_skim(mz_reader *r);

/* mz_reader_name: the name used in messages ("<stdin>" for stdin). */
const char *mz_reader_name(const mz_reader *r);

/*
 * mz_reader_next_part: skip the rest of the current part (verifying it) and
 * read the next part's header.  Returns 1 with a part ready, 0 at the clean
 * end of the stream, or a negative code.
 */
int mz_reader_next_part(mz_reader *r, mz_err *err);

/* mz_reader_header: the current part's header (borrowed; valid until the
 * next mz_reader_next_part). */
const mz_header *mz_reader_header(const mz_reader *r);

/* mz_reader_part_index: 0-based index of the current part in the stream. */
size_t mz_reader_part_index(const mz_reader *r);

/*
 * mz_reader_want: decode only the columns j with want[j] != 0 in the blocks
 * that follow (others come back NULL).  want has header->ncols entries;
 * NULL means all columns (the default at each new part).  It is only an
 * optimisation: if the mask cannot be stored (out of memory) every column
 * is decoded, which callers cannot tell from the wanted columns' values.
 */
void mz_reader_want(mz_reader *r, const unsigned char *want);

/*
 * mz_reader_next_block: the next block of the current part in *b.  Returns
 * 1, 0 at the end of the part (its trailer verified), or a negative code.
 * The arrays in *b are valid until the next call on r.
 */
int mz_reader_next_block(mz_reader *r, mz_block *b, mz_err *err);

/* Raw access for pass-through copies: after a successful next_block, the
 * chunk's bytes exactly as stored (frame, payload, padding). */
const void *mz_reader_raw_block(const mz_reader *r, size_t *len);

/* mz_reader_block_codec: the codec (MZ_CODEC_RAW, _ZSTD, _SHUFFLE) column j
 * of the block last read is stored with; -1 if no block has been read or j
 * is out of range. */
int mz_reader_block_codec(const mz_reader *r, size_t j);

/* mz_reader_offset: byte offset in the input of the next unread byte. */
uint64_t mz_reader_offset(const mz_reader *r);

/* ---------------------------------------------------------------- writer */

typedef struct mz_writer mz_writer;

enum { MZ_CODEC_RAW = 0, MZ_CODEC_ZSTD = 1, MZ_CODEC_SHUFFLE = 2,
	MZ_CODEC_AUTO = -1 };

typedef struct mz_wopts {
	int codec;           /* MZ_CODEC_*; AUTO: SHUFFLE for regular files,
	                        RAW otherwise */
	int level;           /* zstd level, 0 for the default (3) */
	size_t block_bytes;  /* target raw bytes per block, 0: 1 MiB */
	int threads;         /* threads compressing a block's columns, 0:
	                        mz_ncpu(); the bytes written do not depend
	                        on it */
} mz_wopts;

/*
 * mz_writer_open: write a stream to path ("-" or NULL: standard output).
 * A file is written under a temporary name in the same directory and
 * renamed to path by a successful mz_writer_close; mz_writer_abort (or a
 * failed close) removes it.  o may be NULL for defaults.
 * mz_writer_fdopen: write to an open descriptor (not closed by the writer).
 */
mz_writer *mz_writer_open(const char *path, const mz_wopts *o, mz_err *err);
mz_writer *mz_writer_fdopen(int fd, const char *name, const mz_wopts *o,
	mz_err *err);

/* mz_writer_begin_part: start a part with a copy of h (which must have at
 * least one column, or zero with no rows to follow). */
int mz_writer_begin_part(mz_writer *w, const mz_header *h, mz_err *err);

/*
 * mz_writer_append: append nrows rows given as one array per column
 * (cols[j] holds nrows values of column j's type; strided data must be
 * gathered first).  Rows are buffered and written in blocks.
 */
int mz_writer_append(mz_writer *w, size_t nrows, const void *const *cols,
	mz_err *err);

/*
 * mz_writer_copy_block: write the block last read from r as stored (no
 * decoding or re-encoding).  The current part of w must have the same
 * columns as r's; buffered rows are flushed first.
 */
int mz_writer_copy_block(mz_writer *w, const mz_reader *r, mz_err *err);

/* mz_writer_end_part: flush buffered rows and write the trailer. */
int mz_writer_end_part(mz_writer *w, mz_err *err);

/* mz_writer_rows: rows appended to the current part so far. */
uint64_t mz_writer_rows(const mz_writer *w);

/*
 * mz_writer_close: end the segment (ENDS), flush, and for a file fsync and
 * rename it into place.  A part still open is an error (MZ_EINVAL): a
 * caller that failed midway calls mz_writer_abort instead.  Frees w in all
 * cases.
 */
int mz_writer_close(mz_writer *w, mz_err *err);
/* mz_writer_abort: discard everything; remove a temporary file. Frees w. */
void mz_writer_abort(mz_writer *w);

/* ---------------------------------------------------------------- files */

/*
 * Atomic output files, for text outputs and artifacts: mz_atomic_open
 * creates a temporary file beside path and returns a stdio stream on it
 * ("-" or NULL: stdout, nothing atomic).  mz_atomic_commit flushes, fsyncs,
 * closes and renames; mz_atomic_abort closes and removes.  Both free a.
 */
typedef struct mz_atomic mz_atomic;
mz_atomic *mz_atomic_open(const char *path, mz_err *err);
FILE *mz_atomic_file(mz_atomic *a);
int mz_atomic_commit(mz_atomic *a, mz_err *err);
void mz_atomic_abort(mz_atomic *a);

/* mz_hash64_hex: XXH64 (seed 0) of len bytes as 16 lower-case hex digits
 * into out[17]. */
void mz_hash64_hex(const void *buf, size_t len, char out[17]);

/* ---------------------------------------------------------------- misc */

/* mz_ncpu: the number of processors available to this process (>= 1). */
int mz_ncpu(void);

/*
 * mz_fork_join: fn(items + i * size) for i in [0, n): items 1.. in new
 * threads, item 0 in the calling thread; an item whose thread cannot be
 * started runs in the calling thread afterwards.  Returns when every item
 * has run.
 */
void mz_fork_join(void *(*fn)(void *), void *items, size_t size, size_t n);

/*
 * mz_bigalloc: malloc(n) for a large array that will be filled whole
 * (whole-recording columns, read and write buffers).  From half of
 * MZ_BIG_BYTES up, the block is aligned to MZ_BIG_BYTES, rounded up to a
 * multiple of it, and the kernel is advised (madvise MADV_HUGEPAGE, where
 * it exists) to back it with transparent huge pages, which takes
 * first-touch page faults from one per 4 kB to one per 2 MB (the rounding
 * costs at most as much memory as asked for, and only where it is
 * touched); the advice is a hint and its failure is ignored.  NULL when
 * out of memory; n == 0 gives a valid 1-byte block.
 * mz_bigrealloc: realloc(p, n) (p from malloc, realloc or these) with
 * the same alignment and advice on the result; a block already aligned
 * with room for n is returned as it is (NULL, p untouched, when out of
 * memory).  Both are released with free().
 */
#define MZ_BIG_BYTES ((size_t)2 << 20)
void *mz_bigalloc(size_t n);
void *mz_bigrealloc(void *p, size_t n);

/*
 * mz_parse_threads: parse a --threads value: a positive integer, or 0 or
 * "auto" for mz_ncpu().  Returns the count, or -MZ_EINVAL.
 * mz_parse_seed: parse a --seed value (decimal, 0..2^64-1) into *seed.
 */
int mz_parse_threads(const char *s, mz_err *err);
int mz_parse_seed(const char *s, uint64_t *seed, mz_err *err);

/*
 * Deterministic random streams (xoshiro256**): mz_rng_seed derives the
 * state from (seed, stream) so that stream k of a seed is the same whatever
 * thread draws it.
 */
typedef struct mz_rng { uint64_t s[4]; } mz_rng;
void mz_rng_seed(mz_rng *g, uint64_t seed, uint64_t stream);
uint64_t mz_rng_next(mz_rng *g);
double mz_rng_uniform(mz_rng *g);   /* in [0, 1) with 53 random bits */

/*
 * Number text: mz_fmt_f64 writes the shortest decimal that reads back as
 * exactly v ("nan", "inf", "-inf" for those) into buf[32], returns length.
 * mz_parse_f64: parse s[0..len) as a decimal or "nan"/"inf"; returns 0 and
 * sets *v, or -1 if the text is not a number.  mz_parse_i64: the same for
 * a decimal integer in range.
 */
int mz_fmt_f64(double v, char buf[32]);
int mz_parse_f64(const char *s, size_t len, double *v);
int mz_parse_i64(const char *s, size_t len, int64_t *v);

#endif
