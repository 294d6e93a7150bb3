/*
 * conv.h - mz-convert's pose set: what every format reader fills and the
 * writer turns into standard tracks (DESIGN.md, "Standard tracks").
 *
 * A reader parses one input file into a conv_set held in memory: the
 * bodyparts (the union over individuals, in the source's order), the
 * skeleton, fps when the file knows it, and one conv_seq per sequence in
 * the file, each with one conv_ind per individual.  Coordinates are
 * float64 arrays indexed [frame * nbp + bodypart]; a missing point is NaN
 * in x, y (and z) with confidence 0.  Readers never print or exit: they
 * return -1 with err set ("FILE: PLACE: what"), or 0.
 *
 * Ownership: the set owns everything reachable from it (strings are
 * copied in by the functions below); conv_set_free releases it all.
 */
#ifndef MZ_CONVERT_CONV_H
#define MZ_CONVERT_CONV_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "mz.h"

typedef struct conv_ind {
	char *name;        /* the individual's name as the source gives it */
	double *x, *y, *z; /* [nframes * nbp]; z is NULL unless dims == 3 */
	double *p;         /* [nframes * nbp] confidence; 0 where missing;
	                      sources without one: 1 where present */
	double *angle;     /* (added) [nframes] heading in radians (TRex
	                      ANGLE), or NULL; written as column "angle"
	                      when set.  NULL from conv_seq_add_ind; malloc'd
	                      by the reader, freed by conv_set_free. */
	cJSON *meta;       /* (added) extra metadata of this individual's
	                      part (main puts source_file and source_xxh64
	                      here), an object or NULL; owned.  NULL from
	                      conv_seq_add_ind. */
} conv_ind;

typedef struct conv_seq {
	char *group;       /* NULL unless the source names one */
	char *sequence;    /* the sequence's name (default: file stem) */
	size_t nframes;
	int64_t *frame;    /* [nframes] increasing frame numbers */
	double *time;      /* [nframes] seconds, or NULL: frame / fps */
	size_t nind;
	conv_ind *ind;
	cJSON *meta;       /* extra part metadata (video, cm_per_pixel...),
	                      an object or NULL; owned */
} conv_seq;

typedef struct conv_set {
	char *format;      /* the reader's format name, e.g. "dlc-csv" */
	int dims;          /* 2 or 3 */
	size_t nbp;
	char **bodyparts;  /* [nbp], unique */
	size_t nedges;
	int (*edges)[2];   /* skeleton edges as bodypart indices */
	double fps;        /* frames per second; 0 if the file does not say */
	char *units;       /* "px" unless the source says otherwise */
	size_t nseq;
	conv_seq *seq;
	cJSON *meta;       /* extra metadata for every part, or NULL; owned */
	char xxh64[17];    /* (added) XXH64 of the input file's bytes as 16
	                      hex digits when the reader computed it (it had
	                      the bytes in memory anyway), else "" */
} conv_set;

/*
 * A sink takes a set a reader streams instead of holding it whole: one
 * sequence with one individual, its rows a batch at a time.  begin(k, s,
 * rows) comes first, with s complete but for its values and rows its
 * number of rows; then rows(k, s, n) for each batch, the batch's n rows
 * (at most the sequence's nframes, the batch capacity) in q->frame[0..n)
 * (q->time when not NULL) and the individual's arrays [0, n * nbp);
 * end(k, s) after the last.  Each returns 0, or -1 with err set, on which
 * the reader stops and returns -1.  A reader may not stream (the set has
 * several sequences or individuals, or the format does not): it then
 * returns the set as usual.
 */
typedef struct conv_sink conv_sink;
struct conv_sink {
	int (*begin)(conv_sink *k, conv_set *s, size_t rows, mz_err *err);
	int (*rows)(conv_sink *k, conv_set *s, size_t n, mz_err *err);
	int (*end)(conv_sink *k, conv_set *s, mz_err *err);
};

/* Options that readers honour. */
typedef struct conv_opts {
	const char *key;   /* HDF5 key / dataset to read, NULL: the reader's
	                      default or the only one */
	int zero_missing;  /* treat (0, 0) points as missing */
	double fps;        /* --fps, 0 if not given */
	const char *prefix_sep; /* (added) DLC CSV: split "B_nose" into
	                      individual "B" and bodypart "nose" at the
	                      first occurrence of this separator; NULL:
	                      no splitting */
	conv_sink *sink;   /* (added) where a reader may stream its set
	                      (DeepLabCut HDF5 tables), or NULL: never */
} conv_opts;

/* conv_set_new: an empty set for format (dims 2, units "px"); NULL when
 * out of memory. */
conv_set *conv_set_new(const char *format);
void conv_set_free(conv_set *s);

/* conv_set_bodypart: index of bodypart name in s, appending it when
 * absent; -1 when out of memory. Call before adding individuals, or
 * individuals added earlier are grown to the new nbp (NaN-filled). */
int conv_set_bodypart(conv_set *s, const char *name);

/* conv_set_edge: add a skeleton edge between bodyparts a and b (indices);
 * duplicates are ignored; -1 when out of memory. */
int conv_set_edge(conv_set *s, int a, int b);

/* conv_set_add_seq: append a sequence of nframes frames (frame numbers
 * 0..nframes-1, time NULL) named sequence; NULL when out of memory.  The
 * pointer is valid until the next conv_set_add_seq. */
conv_seq *conv_set_add_seq(conv_set *s, const char *sequence,
	size_t nframes);

/* conv_seq_add_ind: append an individual to q with arrays sized by the
 * set's current nbp and dims, coordinates NaN, confidence 0; NULL when
 * out of memory.  Valid until the next conv_seq_add_ind on q. */
conv_ind *conv_seq_add_ind(conv_set *s, conv_seq *q, const char *name);

/* conv_xstrdup-style helper: strdup that returns NULL on NULL. */
char *conv_strdup(const char *str);

/*
 * Readers: each parses path into *out (a new set) or returns -1 with err
 * set and *out untouched; a reader that streamed the set to o->sink sets
 * *out to NULL.  Names are the --from values.
 */
typedef int (*conv_read_fn)(const char *path, const conv_opts *o,
	conv_set **out, mz_err *err);

int conv_read_dlc_csv(const char *, const conv_opts *, conv_set **, mz_err *);
int conv_read_dlc_h5(const char *, const conv_opts *, conv_set **, mz_err *);
int conv_read_sleap_slp(const char *, const conv_opts *, conv_set **,
	mz_err *);
int conv_read_sleap_h5(const char *, const conv_opts *, conv_set **,
	mz_err *);
int conv_read_sleap_csv(const char *, const conv_opts *, conv_set **,
	mz_err *);
int conv_read_trex(const char *, const conv_opts *, conv_set **, mz_err *);
int conv_read_nwb(const char *, const conv_opts *, conv_set **, mz_err *);
int conv_read_calms21(const char *, const conv_opts *, conv_set **,
	mz_err *);
int conv_read_anipose(const char *, const conv_opts *, conv_set **,
	mz_err *);

/*
 * conv_h5_detect: for an HDF5 file, which of "dlc-h5", "sleap-slp",
 * "sleap-h5", "nwb" its content is; NULL if none or not HDF5.
 * (tools/mz-convert/h5*.c)
 */
const char *conv_h5_detect(const char *path);

/* ------------------------------------------------------------------
 * Additions (tools/mz-convert/conv.c), compatible with the above.
 */

/* The name of the one individual of sources that name none (single-animal
 * DeepLabCut CSV/HDF5, anipose), as DeepLabCut's own NWB export does
 * (ind1_<bodypart> series), so that twins of one recording agree. */
#define CONV_SINGLE_NAME "ind1"

/* conv_write_dlc_csv: write the parts of one sequence of the standard
 * tracks stream r (the one named sequence, or the only one when NULL) as
 * a DeepLabCut CSV to out: 3 header rows for one individual, 4 for more;
 * -1 with err set on a bad stream or a write error. (dlc_csv.c) */
int conv_write_dlc_csv(mz_reader *r, FILE *out, const char *sequence,
	mz_err *err);

/* conv_set_merge: move the sequences of src into dst: a sequence of src
 * with the same group and name as one in dst adds its individuals to it
 * (the frame numbers must then be the same, else -1 with err naming
 * src_name), others are appended.  dst and src must have the same dims;
 * src's bodyparts are added to dst's.  src is freed in all cases. */
int conv_set_merge(conv_set *dst, conv_set *src, const char *src_name,
	mz_err *err);

/* conv_fail: fill err with MZ_EFORMAT and a printf-style message;
 * returns -1 (for "return conv_fail(err, ...)"). */
int conv_fail(mz_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* conv_stem: path's last component without its last extension
 * ("a/b.c.csv" -> "b.c"), malloc'd; NULL when out of memory. */
char *conv_stem(const char *path);

/* conv_set_drop_seq: remove sequence i of s (freeing what it owns); later
 * sequences move down by one. */
void conv_set_drop_seq(conv_set *s, size_t i);

/* conv_parse_f64: parse s[0..n) as mz_parse_f64 does (decimal, nan,
 * inf; correctly rounded), faster for the 16-19 digit decimals pose
 * tools write; 0, or -1 if the text is not a number. */
int conv_parse_f64(const char *s, size_t n, double *v);
/* conv_scan_f64: the decimal number that starts at s (before end) into
 * *v, correctly rounded, *stop just after it; -1 if none starts there
 * (nan and inf are not scanned). */
int conv_scan_f64(const char *s, const char *end, double *v,
	const char **stop);

/* conv_file_xxh64: XXH64 (seed 0) of the bytes of path, as 16 lower-case
 * hex digits in out (as mz_hash64_hex); -1 with err set on a read error. */
int conv_file_xxh64(const char *path, char out[17], mz_err *err);

/*
 * A small CSV reader for the text formats.  The file is read into memory
 * (and hashed: c->xxh64); conv_csv_row splits the next
 * non-blank line into fields (RFC 4180 quoting, "" inside quotes, CR LF
 * or LF).  With c->copy set (the default), every field is copied,
 * unescaped and NUL-terminated into memory that lives until
 * conv_csv_close, so pointers may be kept across rows; with c->copy 0,
 * unquoted fields point into the file's bytes and are NOT NUL-terminated
 * (use flen), valid until conv_csv_close as well.
 */
typedef struct conv_csv_block conv_csv_block;
typedef struct conv_csv {
	const char *path;  /* for messages (borrowed) */
	const char *buf;   /* the file's bytes, buf[len] == 0 (owned; ""
	                      when empty; read-only) */
	size_t maplen;     /* (added) bytes mapped at buf (large files are
	                      mapped, not read), 0 if buf is malloc'd */
	size_t len, pos;
	size_t line;       /* 1-based line where the current row starts */
	size_t nextline;   /* line number at pos */
	char **f;          /* fields of the current row */
	size_t *flen;      /* their lengths */
	size_t nf, cap;
	int copy;          /* copy fields (see above); 1 after open */
	conv_csv_block *arena; /* copies of fields */
	size_t nquoted;    /* quoted fields read so far */
	char xxh64[17];    /* XXH64 of the file's bytes (conv_csv_open),
	                      or "" for a large (mapped) file until
	                      conv_csv_hash */
} conv_csv;

/* conv_hash_hex: XXH64 (seed 0) of p[0..n) as 16 lower-case hex digits
 * in out. */
void conv_hash_hex(const void *p, size_t n, char out[17]);
/* conv_csv_hash: make c->xxh64 the XXH64 of the file's bytes if it is ""
 * (conv_csv_open leaves it so for large, mapped files, so that a reader
 * may hash them while it parses: see conv_hash_hex). */
void conv_csv_hash(conv_csv *c);

/* conv_csv_open: read (or map) path into c; -1 with err set if it cannot
 * be. */
int conv_csv_open(conv_csv *c, const char *path, mz_err *err);
/* conv_csv_row: the next row in c->f[0..nf): 1, 0 at the end, -1 with err
 * set (unterminated quote, out of memory). */
int conv_csv_row(conv_csv *c, mz_err *err);
/* conv_csv_num: field j of the current row as a number (empty, "nan",
 * "NaN": NaN); -1 with err naming the line and column (name, if not NULL,
 * is the column's name) when it is not a number. */
int conv_csv_num(const conv_csv *c, size_t j, const char *name, double *v,
	mz_err *err);
/* conv_csv_close: free c's bytes, fields and copies. */
void conv_csv_close(conv_csv *c);
/* conv_csv_done: release a copy of a conv_csv used as a second cursor over
 * the same bytes (its fields and copies, not the bytes). */
void conv_csv_done(conv_csv *c);

/* conv_image_frame: the number in the last run of digits of path's last
 * component ("img0042.png" -> 42), or -1 if there is none (DeepLabCut's
 * labelled-data index of image paths). */
int64_t conv_image_frame(const char *path);

/* conv_image_dir: a malloc'd copy of path's last directory
 * ("labeled-data/m4s1/img0.png" -> "m4s1"), or NULL if path has no
 * directory or memory ran out. */
char *conv_image_dir(const char *path);

#endif
