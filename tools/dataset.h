/*
 * dataset.h - the mz dataset (mosaic-compatible): the manifest, index.csv
 * tables with locked atomic updates, safe names and entry keys, path
 * remapping and relative/absolute conversion.  See DESIGN.md ("The
 * dataset") and mz-dataset(1).
 *
 * Like libmz, this module never prints and never exits: a function that can
 * fail returns a negative MZ_E* code (or NULL) and fills the mz_err the
 * caller passed, whose message names the file and the place ("dataset.yaml:
 * line 4, column 3: ...", "tracks/index.csv: line 12: ...").  Ownership
 * follows mz.h: everything returned through a pointer or as a char * is
 * malloc'd and owned by the caller (free with the matching *_free, or
 * free(3) for strings); every *_free accepts NULL; strings returned by
 * getters (ds_table_get, ds_manifest fields) are borrowed and stay valid
 * until the object is changed or freed.  Out of memory is reported as
 * MZ_ENOMEM where a function can fail, and aborts (abort(3)) in the few
 * string helpers that cannot report it (marked "never NULL").
 */
#ifndef MZ_TOOLS_DATASET_H
#define MZ_TOOLS_DATASET_H

#include <stddef.h>
#include <stdio.h>

#include "mz.h"

/* ------------------------------------------------------------ roots */

/*
 * The roots a manifest may name, in mosaic's order.  Any other key under
 * "roots" is an error when loading.  ds_root_default gives the directory a
 * new dataset uses for each (mosaic's defaults: the name itself, and
 * "media/frames" for frames).
 */
enum {
	DS_MEDIA_RAW, DS_MEDIA, DS_TRACKS_RAW, DS_TRACKS, DS_FEATURES,
	DS_LABELS, DS_MODELS, DS_FRAMES, DS_NROOTS
};
extern const char *const ds_root_names[DS_NROOTS];

/* ds_root_id: the DS_* index of a root name, or -1 if it is not one. */
int ds_root_id(const char *name);

/* ds_root_default: the default relative directory of root id (0 <= id <
 * DS_NROOTS); a static string. */
const char *ds_root_default(int id);

/* ------------------------------------------------------------ manifest */

/*
 * A loaded (or new) manifest.  root[i] is the value as stored in the file
 * (relative to dir, or absolute), or NULL when the root is not set (absent
 * or empty in the file).  meta is a JSON object (never NULL); extra holds
 * the other top-level keys of the file (uuid, created_at, index_format,
 * format, anything a user added) in file order, written back unchanged on
 * save (never NULL).  dataset_type is "discrete" or "continuous".
 */
typedef struct ds_manifest {
	char *path;             /* the manifest file (as found, absolute) */
	char *dir;              /* its directory (absolute, normalised) */
	int json;               /* 1: the file is JSON; 0: YAML */
	char *name;             /* never NULL ("unnamed" if absent) */
	char *version;          /* never NULL ("0.1" if absent) */
	char *root[DS_NROOTS];  /* as stored, or NULL */
	char *dataset_type;     /* never NULL */
	char *segment_duration; /* or NULL */
	char *time_column;      /* or NULL */
	cJSON *meta;            /* object */
	cJSON *extra;           /* object: other top-level keys */
} ds_manifest;

/*
 * ds_manifest_find: the manifest file for arg: arg itself if it is a
 * regular file, else the first of dataset.yaml, dataset.yml, dataset.json
 * in the directory arg.  Returns a malloc'd absolute path, or NULL with err
 * set ("DIR: no dataset.yaml, dataset.yml or dataset.json";
 * "PATH: No such file or directory").
 */
char *ds_manifest_find(const char *arg, mz_err *err);

/*
 * ds_manifest_load: find (as ds_manifest_find) and parse the manifest.
 * YAML (.yaml, .yml, or any other name whose text does not start with '{')
 * is read with libyaml, JSON with cJSON.  Errors name the file and the
 * line and column: invalid syntax, a top level that is not a mapping,
 * "roots" that is not a mapping, an unknown root name (listing the known
 * ones), a root or name that is not a scalar, a dataset_type other than
 * discrete or continuous.  Does not create any directory.  Returns NULL on
 * failure.
 */
ds_manifest *ds_manifest_load(const char *arg, mz_err *err);

/*
 * ds_manifest_new: a manifest for a new dataset in directory dir (made
 * absolute; the file is dir/dataset.yaml, or dir/dataset.json when json),
 * named name, version "0.1.0", every root at its default, dataset_type
 * "discrete", extra holding uuid (random v4), created_at (now, UTC,
 * ISO 8601 with +00:00 as Python writes it) and index_format
 * "group/sequence" as mosaic's new_dataset_manifest does.  Nothing is
 * written.  Never NULL.
 */
ds_manifest *ds_manifest_new(const char *dir, const char *name, int json);

/* ds_manifest_free: release m (NULL allowed). */
void ds_manifest_free(ds_manifest *m);

/*
 * ds_manifest_save: write m to m->path atomically (temporary file, fsync,
 * rename): YAML (block style, keys in the order name, version, the extra
 * keys, roots (set ones only, in ds_root_names order), meta (omitted when
 * empty), dataset_type, segment_duration and time_column when set) or JSON
 * laid out as Python's json.dumps(indent=2).  Strings that YAML would read
 * as something else ("1.0", "yes", "null", dates) are quoted.  Comments of
 * a YAML file are not kept; numbers in meta are written by value (30.0 as
 * 30).
 */
int ds_manifest_save(const ds_manifest *m, mz_err *err);

/*
 * ds_manifest_set_root: set root id to value (stored as given; NULL or ""
 * unsets it).  Does not save or create anything.
 */
void ds_manifest_set_root(ds_manifest *m, int id, const char *value);

/*
 * ds_root_path: the absolute, lexically normalised directory of root id
 * (m->dir joined with the stored value unless that is absolute).  Returns
 * a malloc'd path, or NULL with err set when the root is not set.
 */
char *ds_root_path(const ds_manifest *m, int id, mz_err *err);

/*
 * ds_ensure_roots: create (mkdir -p) the directory of every set root.
 * Returns 0, or a negative code with err naming the directory.
 */
int ds_ensure_roots(const ds_manifest *m, mz_err *err);

/* ------------------------------------------------------------ index columns */

/*
 * mosaic's index.csv column lists (ref/mosaic.md section 4), NULL-
 * terminated, for creating a new index: media (media_raw/index.csv or
 * media/index.csv), tracks_raw, tracks, labels/<kind> (then converter
 * extras), features/<storage>, frames/<method>, models/<name>.
 */
extern const char *const ds_cols_media[];
extern const char *const ds_cols_tracks_raw[];
extern const char *const ds_cols_tracks[];
extern const char *const ds_cols_labels[];
extern const char *const ds_cols_features[];
extern const char *const ds_cols_frames[];
extern const char *const ds_cols_models[];

/* ------------------------------------------------------------ tables */

/*
 * An index.csv in memory: column names and rows of cells.  A cell is a
 * malloc'd string, or NULL for an empty cell (pandas' NaN; an empty string
 * and a quoted "" read as NULL too, as pandas reads them).  Cells are kept
 * as text exactly as read ("30.0" stays "30.0"), so reading and writing an
 * unchanged table reproduces a pandas-written file byte for byte.
 */
typedef struct ds_table {
	size_t ncol, nrow;
	char **col;      /* ncol names */
	char **cell;     /* nrow * ncol cells, row-major; NULL = empty */
	size_t *line;    /* nrow: the file line where each row starts
	                    (for messages), 0 for rows added since */
	size_t cap;      /* rows allocated */
} ds_table;

/* ds_table_new: an empty table with the NULL-terminated column list cols
 * (NULL: no columns).  Never NULL. */
ds_table *ds_table_new(const char *const *cols);

/* ds_table_free: release t (NULL allowed). */
void ds_table_free(ds_table *t);

/*
 * ds_table_parse: parse CSV text (RFC 4180 as Python's csv module writes
 * it: comma, '"' quoting with "" for a quote, \n or \r\n line ends, quoted
 * fields may span lines; a UTF-8 byte order mark is skipped) whose first
 * record is the header.  name is used in messages ("NAME: line L: ...").
 * Empty text gives a table with no columns.  A row with more fields than
 * the header, an unterminated quote, a duplicate or empty column name, or
 * a NUL byte is an error; a row with fewer fields is padded with empty
 * cells (as pandas does).  Blank lines are skipped.  Returns NULL on error.
 */
ds_table *ds_table_parse(const char *buf, size_t len, const char *name,
	mz_err *err);

/*
 * ds_table_read: ds_table_parse of the file path, or NULL with err set.
 * *missing (if missing is not NULL) is set to 1 when the failure is that
 * the file does not exist, else 0, so that callers can treat "no index
 * yet" apart from other errors.
 */
ds_table *ds_table_read(const char *path, int *missing, mz_err *err);

/*
 * ds_table_write: write t as pandas' to_csv(index=False) does: header
 * line, then rows, "\n" line ends, a field quoted (with "" for '"') when
 * it contains ',', '"', '\r' or '\n' (pandas with Python 3.11 leaves a
 * lone '\r' unquoted; quoting it reads back the same), or when it is the
 * only field of a record and empty; NULL cells empty.  Returns 0 or -MZ_EIO (name used in
 * the message).
 */
int ds_table_write(const ds_table *t, FILE *f, const char *name,
	mz_err *err);

/*
 * ds_table_save: ds_table_write to path atomically: a temporary file in
 * the same directory, fsync, rename, fsync of the directory.  A crash
 * leaves either the old file or the new one.
 */
int ds_table_save(const ds_table *t, const char *path, mz_err *err);

/* ds_table_col: the index of column name, or -1. */
int ds_table_col(const ds_table *t, const char *name);

/* ds_table_add_col: the index of column name, appending it (empty in every
 * row) if absent.  Returns the index or -MZ_ENOMEM. */
int ds_table_add_col(ds_table *t, const char *name);

/* ds_table_get: the cell of row r in column name, or NULL when the column
 * is absent or the cell empty.  Borrowed. */
const char *ds_table_get(const ds_table *t, size_t r, const char *name);

/* ds_table_cell: the cell (r, c) by index (borrowed; NULL when empty). */
const char *ds_table_cell(const ds_table *t, size_t r, size_t c);

/*
 * ds_table_set: set the cell of row r in column name (added if absent) to
 * a copy of val (NULL or "": empty).  Returns 0 or a negative code.
 */
int ds_table_set(ds_table *t, size_t r, const char *name, const char *val,
	mz_err *err);

/* ds_table_add_row: append an empty row; returns its index or
 * -MZ_ENOMEM. */
long ds_table_add_row(ds_table *t, mz_err *err);

/*
 * ds_table_find: the first row whose cells in the nkey columns keys equal
 * vals (NULL and "" match an empty cell; a key column absent from t reads
 * as empty), or -1.
 */
long ds_table_find(const ds_table *t, const char *const *keys,
	const char *const *vals, size_t nkey);

/*
 * ds_table_upsert: put one row (n (name, value) pairs; values NULL or ""
 * for empty) into t: if a row matches on the key columns keys (each of
 * which must be among names), its named cells are replaced (other cells
 * kept); else a new row is appended.  Columns not yet in t are appended in
 * the order given.  Returns the row index or a negative code.
 */
long ds_table_upsert(ds_table *t, const char *const *names,
	const char *const *vals, size_t n, const char *const *keys,
	size_t nkey, mz_err *err);

/* ds_table_delete_row: remove row r (later rows move up). */
void ds_table_delete_row(ds_table *t, size_t r);

/* ------------------------------------------------------------ locked updates */

/*
 * A locked read-modify-write of one index file.  ds_index_open takes an
 * exclusive flock(2) on the sidecar "PATH.lock" (created if absent, never
 * removed; the same sidecar later mosaic versions lock), waiting at most
 * timeout seconds (<= 0: 60), then reads path (a missing or empty file
 * gives a table with the columns cols, which may be NULL).  The caller
 * edits ds_index_table(ix), then ds_index_commit writes it atomically
 * (ds_table_save) and releases the lock, or ds_index_abort releases it and
 * leaves the file as it was.  Both free ix.  The directory of path is
 * created if absent.  Two processes updating one index this way never
 * lose each other's rows; a crash at any point leaves the previous file.
 * The lock belongs to the open file, so two threads that each call
 * ds_index_open are serialized as two processes are.
 */
typedef struct ds_index ds_index;
ds_index *ds_index_open(const char *path, const char *const *cols,
	double timeout, mz_err *err);
ds_table *ds_index_table(ds_index *ix);
int ds_index_commit(ds_index *ix, mz_err *err);
void ds_index_abort(ds_index *ix);

/*
 * ds_index_upsert: one locked update of path that upserts the rows of
 * rows (every column of rows, by the key columns keys), creating the file
 * with the columns cols (then the other columns of rows) if it is absent.
 * Returns 0 or a negative code (the file is then unchanged).
 */
int ds_index_upsert(const char *path, const char *const *cols,
	const ds_table *rows, const char *const *keys, size_t nkey,
	mz_err *err);

/*
 * ds_index_files: every index.csv file of the dataset that exists, as
 * mosaic's rewrite_index_paths and make_portable visit them: ROOT/index.csv
 * of tracks, tracks_raw, labels, media, media_raw, models, features (and
 * frames); then ROOT/SUB/index.csv for every subdirectory SUB (not starting
 * with '.') of features, labels, frames (and models), sorted by name.  Each path appears once (roots may coincide).
 * Returns the count (>= 0) and a malloc'd array of malloc'd absolute paths
 * in *out (free each and the array), or a negative code.
 */
long ds_index_files(const ds_manifest *m, char ***out, mz_err *err);

/* ------------------------------------------------------------ names */

/*
 * ds_safe_name: mosaic's to_safe_name: s stripped of leading and trailing
 * whitespace (as Python's str.strip: ASCII whitespace, \x1c-\x1f and the
 * Unicode spaces), then percent-encoded as urllib.parse.quote(s, safe=""):
 * bytes other than A-Z a-z 0-9 _ . - ~ become %XX (upper-case hex).
 * Never NULL.
 */
char *ds_safe_name(const char *s);

/*
 * ds_entry_key: mosaic's make_entry_key: safe(group) "__" safe(sequence)
 * when group is non-NULL and non-empty, else safe(sequence).  Never NULL.
 */
char *ds_entry_key(const char *group, const char *sequence);

/*
 * ds_unsafe_name: the inverse of ds_safe_name (percent-decoding, as
 * urllib.parse.unquote for valid escapes; an invalid escape is kept as
 * text).  Never NULL.
 */
char *ds_unsafe_name(const char *s);

/* ------------------------------------------------------------ paths */

/*
 * ds_path_norm: lexical normalisation (no file system access): repeated
 * '/' and "." components removed, "x/.." folded (".." kept at the start of
 * a relative path, dropped at the root), trailing '/' removed; "" and
 * "." give ".".  Never NULL.
 */
char *ds_path_norm(const char *p);

/*
 * ds_path_abs: p if absolute, else base/p; normalised (ds_path_norm).
 * base NULL means the current directory.  Never NULL (aborts if the
 * current directory cannot be found).
 */
char *ds_path_abs(const char *base, const char *p);

/*
 * ds_path_under: if path (normalised) is dir (normalised) or lies inside
 * it, compared whole component by component ("/data/a" is not under
 * "/data/ab"), the remainder relative to dir ("." for dir itself), else
 * NULL.  Both should be absolute or both relative.  malloc'd.
 */
char *ds_path_under(const char *path, const char *dir);

/*
 * ds_path_rel: path (resolved against base when relative) relative to
 * base if it lies inside base, else NULL: what make_portable stores.
 */
char *ds_path_rel(const char *base, const char *path);

/*
 * A prefix map (SRC -> DST pairs), applied as mosaic's
 * _remap_single_path: pairs tried longest SRC first (by normalised text
 * length; ties keep the order added), SRC matched against whole leading
 * components of the path; the result is DST joined with the remainder.
 * Pairs whose SRC equals DST, or with an empty side, are ignored.
 * '~' at the start of either side expands to $HOME.
 */
typedef struct ds_pathmap {
	size_t n;
	char **src, **dst;  /* normalised, sorted longest src first */
} ds_pathmap;

/* ds_pathmap_add: add the pair (src, dst).  Returns 0 or a negative
 * code. */
int ds_pathmap_add(ds_pathmap *pm, const char *src, const char *dst,
	mz_err *err);

/* ds_pathmap_parse: add a pair written "SRC=DST" (the first '=' splits;
 * an error naming spec if there is none or a side is empty). */
int ds_pathmap_parse(ds_pathmap *pm, const char *spec, mz_err *err);

/* ds_pathmap_apply: the remapped path (malloc'd), or NULL when no SRC is a
 * prefix of path. */
char *ds_pathmap_apply(const ds_pathmap *pm, const char *path);

/* ds_pathmap_free: release the pairs and zero pm (pm itself not freed). */
void ds_pathmap_free(ds_pathmap *pm);

/* ------------------------------------------------------------ dataset-wide edits */

/*
 * A report of a dataset-wide edit: one entry per file that changed (or
 * would change, in a dry run): the file (absolute; changed roots are
 * reported under the manifest's path) and how many values changed.
 * ds_report_free releases the entries and zeroes r (not r itself).
 */
typedef struct ds_change {
	char *file;     /* absolute path */
	long count;     /* values changed */
} ds_change;
typedef struct ds_report {
	size_t n;
	ds_change *c;
} ds_report;
void ds_report_free(ds_report *r);

/*
 * ds_remap_roots: apply pm to the stored value of every set root of m
 * (relative ones too, as mosaic does with the raw strings); counts the
 * roots changed.  Changes m only (the caller saves).
 */
long ds_remap_roots(ds_manifest *m, const ds_pathmap *pm);

/*
 * ds_rewrite_paths: apply pm to the path columns (abs_path,
 * source_abs_path, video_abs_path; mosaic's rewrite_index_paths does
 * abs_path only) of every index file (ds_index_files), each under its
 * lock; files where nothing changes are
 * not rewritten; with dry_run nothing is written.  Fills rep (which starts
 * zeroed).  Returns 0 or a negative code (files already rewritten stay
 * rewritten; the failing one is unchanged).
 */
int ds_rewrite_paths(const ds_manifest *m, const ds_pathmap *pm,
	int dry_run, ds_report *rep, mz_err *err);

/*
 * ds_make_portable: mosaic's make_portable: roots, the path columns
 * (abs_path, source_abs_path, video_abs_path; mosaic does abs_path only)
 * of every index file, and in every run_info.json under the frames root the
 * output_dir and video_path values (and files[].path made a bare file
 * name), made relative to the dataset directory where they are absolute
 * and inside it.  Relative and outside values are left as they are, so a
 * second run changes nothing.  The manifest is saved when roots change
 * (not in a dry run).  Fills rep.  Returns 0 or a negative code.
 */
int ds_make_portable(ds_manifest *m, int dry_run, ds_report *rep,
	mz_err *err);

/*
 * ds_resolve_index_path: the absolute path of a value stored in an index
 * (abs_path and the like): absolute values as they are (normalised),
 * relative ones against the dataset directory m->dir, as mosaic's
 * resolve_path does.  Never NULL.
 */
char *ds_resolve_index_path(const ds_manifest *m, const char *value);

#endif
