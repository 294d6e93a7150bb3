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
#include <stdint.h>

#include "mz.h"

typedef struct conv_ind {
	char *name;        /* the individual's name as the source gives it */
	double *x, *y, *z; /* [nframes * nbp]; z is NULL unless dims == 3 */
	double *p;         /* [nframes * nbp] confidence; 0 where missing;
	                      sources without one: 1 where present */
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
} conv_set;

/* Options that readers honour. */
typedef struct conv_opts {
	const char *key;   /* HDF5 key / dataset to read, NULL: the reader's
	                      default or the only one */
	int zero_missing;  /* treat (0, 0) points as missing */
	double fps;        /* --fps, 0 if not given */
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
 * set and *out untouched.  Names are the --from values.
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

#endif
