/*
 * posevid.h - what the pose-on-video tools (mz-gridmovie, mz-overlay)
 * share beyond drawing: reading the bodyparts, skeleton and keypoint
 * columns of standard tracks, checking the frame and syllable columns,
 * and the options both take (drawing, encoding, --skeleton, --video).
 *
 * Tool code: these functions report bad data and bad options through
 * common.h (die: exit 1; usage_error: exit 2) with the tools' messages.
 */
#ifndef MZ_TOOLS_POSEVID_H
#define MZ_TOOLS_POSEVID_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* The bodyparts of the tracks (K names, owned) and the skeleton as index
 * pairs (nedges, owned); all zero before the first part is read. */
typedef struct pv_body {
	size_t K;
	char **names;
	size_t nedges;
	int (*edges)[2];
} pv_body;

/* pv_open: the reader of the stream path (dies when it cannot be opened;
 * the caller closes it with mz_reader_close). */
mz_reader *pv_open(const char *path);

/* pv_next_part: the header of r's next part, or NULL after the last;
 * dies on a read error. */
const mz_header *pv_next_part(mz_reader *r);

/* pv_next_block: the next block of r's current part into *b: 1, or 0
 * after its last; dies on a read error. */
int pv_next_block(mz_reader *r, mz_block *b);

/* pv_meta_dup: a malloc'd copy of the string metadata key of h, or NULL
 * when h has none. */
char *pv_meta_dup(const mz_header *h, const char *key);

/* pv_same_str: 1 when a and b are both NULL or equal strings, else 0. */
int pv_same_str(const char *a, const char *b);

/* pv_where: "FILE: part N[ SEQ]" for messages about r's current part
 * (seq may be NULL), malloc'd. */
char *pv_where(mz_reader *r, const char *seq);

/* pv_find_col: the index of column name in h, or -1 when there is none;
 * dies ("WHERE: column 'NAME' is not numeric") when it exists but is not
 * numeric. */
int pv_find_col(const mz_header *h, const char *name, const char *where);

/*
 * pv_read_body: the bodyparts of tracks header h into *b: the first part
 * read fixes them (and, when skel is non-zero, adds the edges of h's
 * "skeleton" metadata, see pv_meta_skeleton); later parts must have the
 * same.  Dies naming where when h has no "bodyparts" list of names or a
 * different one.
 */
void pv_read_body(pv_body *b, const mz_header *h, const char *where,
    int skel);

/* pv_bp_index: the index in b of the bodypart name (len bytes, not
 * necessarily terminated), or -1. */
int pv_bp_index(const pv_body *b, const char *name, size_t len);

/*
 * pv_parse_skeleton: append to b the edges of s, "A-B,C-D" (bodypart
 * names; a name may contain '-': the split is where both sides are
 * bodyparts).  Dies naming where when a pair is not two bodyparts.
 */
void pv_parse_skeleton(pv_body *b, const char *s, const char *where);

/* pv_meta_skeleton: append to b the edges of the "skeleton" metadata of h
 * (pairs of bodypart names or indices); pairs naming unknown bodyparts are
 * left out, as upstream's get_edges does; no metadata adds nothing. */
void pv_meta_skeleton(pv_body *b, const mz_header *h);

/* pv_body_free: free what b owns and zero it. */
void pv_body_free(pv_body *b);

/*
 * pv_kp_cols: the columns "NAME.x" and "NAME.y" of every bodypart of b in
 * h, as two malloc'd arrays of b->K indices (*jx, *jy; the caller frees).
 * Dies naming where when one is missing; with numeric, also when one is
 * not numeric (pv_find_col).
 */
void pv_kp_cols(const pv_body *b, const mz_header *h, const char *where,
    int numeric, int **jx, int **jy);

/* pv_kp_row: the keypoints of row i of block bl (columns jx, jy of h, from
 * pv_kp_cols) into dst: K pairs x, y as floats. */
void pv_kp_row(const mz_block *bl, const mz_header *h, const int *jx,
    const int *jy, size_t K, size_t i, float *dst);

/* pv_check_frame: dies ("WHERE: row T: frame F is negative" or "... is
 * not after the previous row's") unless frame[t] is >= 0 and, for t > 0,
 * after frame[t - 1]. */
void pv_check_frame(const int64_t *frame, size_t t, const char *where);

/* pv_syl_int: dies naming where when column js (named name) of h is a
 * floating-point column (syllables are integers). */
void pv_syl_int(const mz_header *h, int js, const char *name,
    const char *where);

/*
 * pv_syl_cols: the checks of a syllable stream's part: dies naming where
 * when the frame column is missing (jf < 0), when the syllable column name
 * is (js < 0; the message points to option opt), or when it is not an
 * integer column.
 */
void pv_syl_cols(const mz_header *h, int jf, int js, const char *name,
    const char *opt, const char *where);

/* The options both tools take. */
typedef struct pv_opts {
	const char *codec, *skeleton, *video;
	long node, line, quality;
	double fps;
	int cmap, verbose;
} pv_opts;

/* Their getopt codes; a tool numbers its own options from PV_O_NEXT. */
enum {
	PV_O_CODEC = OPT_FIRST_TOOL_OPT, PV_O_CMAP, PV_O_FPS, PV_O_LINE,
	PV_O_NODE, PV_O_QUALITY, PV_O_SKEL, PV_O_VIDEO, PV_O_NEXT
};

/*
 * pv_option: apply option c (argument arg) to *po when it is one of the
 * shared ones ('v', PV_O_*), with a usage error for a bad value; any other
 * c goes to tool_stdopt (which exits unless it is -q).
 */
void pv_option(pv_opts *po, int c, const char *arg);

/* pv_parse_long: the count s in [min, max] (usage error "bad WHAT 'S'
 * (want MIN to MAX)" otherwise). */
long pv_parse_long(const char *s, const char *what, long min, long max);

/* pv_fps_fraction: fps as a fraction *num / *den (den 1, 1001 or 1000,
 * the first that makes it whole within 1e-6 frames per den seconds). */
void pv_fps_fraction(double fps, int *num, int *den);

/* pv_remove_temps: atexit handler: no half-written video is left
 * (mzv_enc_remove_temps). */
void pv_remove_temps(void);

#endif
