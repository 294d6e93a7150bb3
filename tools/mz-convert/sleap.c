/*
 * sleap.c - SLEAP's HDF5 files: the labels/predictions file (.slp) and
 * the analysis export (.h5).
 *
 * .slp (format_id 1.0-1.2): the skeleton and node names come from the
 * JSON attribute metadata.json ("nodes": [{"name"}...], "skeletons":
 * [{"nodes": [{"id": i}...], "links": [{"source": i, "target": j}...]}],
 * ids indexing the top-level node list); tracks_json and videos_json hold
 * one JSON text per track ([spawned, "name"]) and per video
 * ({"backend": {"filename"}}).  The compound datasets frames, instances,
 * points and pred_points are read by member name.  An instance's points
 * are in its skeleton's node order; an invisible point is missing; user
 * points of files before format 1.1 are shifted by -0.5 px, as SLEAP
 * does.  Each video becomes one sequence, named by its file's base name
 * without extension; its frames are the labelled frame indices.  Each
 * track that appears in a video becomes an individual (named as the
 * track); where a frame has a user and a predicted instance of one track,
 * the user instance wins (of two predicted ones, the higher score).
 * Instances without a track go to individuals "untracked0",
 * "untracked1"... in their order in the frame, user instances first,
 * predicted instances that a user instance of the frame was made from
 * dropped.  Confidence: a predicted point's score, 1 for a visible user
 * point.  The sequence's metadata "video" is the video beside the .slp
 * (by base name) when it exists there, else the path as stored.
 *
 * Analysis .h5: tracks (n_tracks, 2, n_nodes, n_frames) as SLEAP writes
 * it by default, or (n_frames, n_nodes, 2, n_tracks) when exported
 * without transposing (told apart by the node and track counts);
 * point_scores in the matching layout when present (a present point
 * without a score - a user instance's - has confidence 1, as in .slp), node_names, track_names (an empty one, as SLEAP writes
 * for a project without tracks, names the one column "track_0"),
 * edge_inds.  Frames are
 * 0..n_frames-1; the sequence is named by video_path when present, else
 * the file's name without ".analysis.h5".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conv.h"
#include "h5util.h"

/* ------------------------------------------------------------- shared */

/* base_stem: the last path component of p (either slash) without its
 * last extension, a new string. */
static char *
base_stem(const char *p)
{
	const char *b = p, *c;
	char *s, *dot;

	for (c = p; *c; c++)
		if (*c == '/' || *c == '\\')
			b = c + 1;
	if ((s = strdup(b)) != NULL && (dot = strrchr(s, '.')) != NULL &&
	    dot != s)
		*dot = '\0';
	return s;
}

/* ---------------------------------------------------------------- .slp */

/* The tables of a .slp, as doubles per member. */
enum { FR_ID, FR_VIDEO, FR_IDX, FR_I0, FR_I1, FR_N };
enum { IN_TYPE, IN_FRAME, IN_SKEL, IN_TRACK, IN_FROM, IN_SCORE, IN_P0,
	IN_P1, IN_N };
enum { PT_X, PT_Y, PT_VIS, PT_SCORE, PT_N };

struct slp {
	h5u_field fr[FR_N], in[IN_N], pt[PT_N], pp[PT_N];
	size_t nfr, nin, npt, npp;
	char **tracks;      /* [ntracks] names */
	size_t ntracks;
	char **videos;      /* [nvideos] paths */
	size_t nvideos;
	int **skmap;        /* [nskel][nodes] set bodypart indices */
	size_t *sklen, nskel;
};

/* slp_free: release what d holds. */
static void
slp_free(struct slp *d)
{
	for (int k = 0; k < FR_N; k++)
		free(d->fr[k].out);
	for (int k = 0; k < IN_N; k++)
		free(d->in[k].out);
	for (int k = 0; k < PT_N; k++) {
		free(d->pt[k].out);
		free(d->pp[k].out);
	}
	h5u_free_strings(d->tracks, d->ntracks);
	h5u_free_strings(d->videos, d->nvideos);
	for (size_t i = 0; i < d->nskel; i++)
		free(d->skmap[i]);
	free(d->skmap);
	free(d->sklen);
}

/* json_index: an integer JSON value (or {"id": n}) as a non-negative
 * index below lim, else -1. */
static long
json_index(const cJSON *v, size_t lim)
{
	if (cJSON_IsObject(v))
		v = cJSON_GetObjectItem(v, "id");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble >= (double)lim ||
	    v->valuedouble != floor(v->valuedouble))
		return -1;
	return (long)v->valuedouble;
}

/* slp_skeleton: the bodyparts and edges of the metadata JSON text into s,
 * node maps into d. */
static int
slp_skeleton(const char *path, const char *json, conv_set *s, struct slp *d,
    mz_err *err)
{
	cJSON *root = cJSON_Parse(json), *nodes, *skels, *sk;
	size_t nn;
	int rc = -1;

	if (root == NULL)
		return conv_fail(err, "%s: /metadata: attribute 'json' is not "
		    "valid JSON", path);
	nodes = cJSON_GetObjectItem(root, "nodes");
	skels = cJSON_GetObjectItem(root, "skeletons");
	if (!cJSON_IsArray(nodes) || !cJSON_IsArray(skels) ||
	    cJSON_GetArraySize(skels) < 1) {
		conv_fail(err, "%s: /metadata: json has no 'nodes' and "
		    "'skeletons' lists", path);
		goto out;
	}
	nn = (size_t)cJSON_GetArraySize(nodes);
	d->nskel = (size_t)cJSON_GetArraySize(skels);
	if ((d->skmap = calloc(d->nskel, sizeof *d->skmap)) == NULL ||
	    (d->sklen = calloc(d->nskel, sizeof *d->sklen)) == NULL)
		goto nomem;
	{
		size_t si = 0;

		cJSON_ArrayForEach(sk, skels) {
			cJSON *sn = cJSON_GetObjectItem(sk, "nodes"), *it;
			cJSON *links = cJSON_GetObjectItem(sk, "links");
			size_t j = 0;

			if (!cJSON_IsArray(sn)) {
				conv_fail(err, "%s: /metadata: json: skeleton "
				    "%zu has no node list", path, si);
				goto out;
			}
			d->sklen[si] = (size_t)cJSON_GetArraySize(sn);
			if ((d->skmap[si] = calloc(d->sklen[si] + 1,
			    sizeof **d->skmap)) == NULL)
				goto nomem;
			cJSON_ArrayForEach(it, sn) {
				long id = json_index(it, nn);
				cJSON *nm;
				int bp;

				nm = id < 0 ? NULL : cJSON_GetObjectItem(
				    cJSON_GetArrayItem(nodes, (int)id), "name");
				if (!cJSON_IsString(nm)) {
					conv_fail(err, "%s: /metadata: json: "
					    "skeleton %zu node %zu: no such "
					    "node", path, si, j);
					goto out;
				}
				if ((bp = conv_set_bodypart(s,
				    nm->valuestring)) < 0)
					goto nomem;
				d->skmap[si][j++] = bp;
			}
			cJSON_ArrayForEach(it, links) {
				long a = json_index(cJSON_GetObjectItem(it,
				    "source"), nn);
				long b = json_index(cJSON_GetObjectItem(it,
				    "target"), nn);
				cJSON *na, *nb;
				int ia, ib;

				if (a < 0 || b < 0)
					continue;
				na = cJSON_GetObjectItem(cJSON_GetArrayItem(
				    nodes, (int)a), "name");
				nb = cJSON_GetObjectItem(cJSON_GetArrayItem(
				    nodes, (int)b), "name");
				if (!cJSON_IsString(na) || !cJSON_IsString(nb))
					continue;
				if ((ia = conv_set_bodypart(s,
				    na->valuestring)) < 0 ||
				    (ib = conv_set_bodypart(s,
				    nb->valuestring)) < 0 ||
				    conv_set_edge(s, ia, ib) < 0)
					goto nomem;
			}
			si++;
		}
	}
	rc = 0;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
out:
	cJSON_Delete(root);
	return rc;
}

/* json_list: the JSON strings of dataset name, each parsed, item idx
 * (a string) or member key (object path "backend"/"filename") taken. */
static char **
json_list(hid_t f, const char *path, const char *name, int track,
    size_t *n, mz_err *err)
{
	char **raw, **out;

	if (h5u_kind(f, name) != H5O_TYPE_DATASET) {
		*n = 0;
		return calloc(1, sizeof(char *));
	}
	if ((raw = h5u_read_strings(f, name, n, path, name, err)) == NULL)
		return NULL;
	if ((out = calloc(*n + 1, sizeof *out)) == NULL) {
		h5u_free_strings(raw, *n);
		h5u_nomem(err, path, name);
		return NULL;
	}
	for (size_t i = 0; i < *n; i++) {
		cJSON *j = cJSON_Parse(raw[i]), *v;

		v = track ? cJSON_GetArrayItem(j, 1) : cJSON_GetObjectItem(
		    cJSON_GetObjectItem(j, "backend"), "filename");
		if (!cJSON_IsString(v)) {
			if (track)
				conv_fail(err, "%s: %s: entry %zu is not "
				    "[spawned_on, \"name\"]", path, name, i);
			else
				conv_fail(err, "%s: %s: entry %zu has no "
				    "backend.filename", path, name, i);
			cJSON_Delete(j);
			h5u_free_strings(raw, *n);
			h5u_free_strings(out, i);
			return NULL;
		}
		out[i] = strdup(v->valuestring);
		cJSON_Delete(j);
		if (out[i] == NULL) {
			h5u_free_strings(raw, *n);
			h5u_free_strings(out, i);
			h5u_nomem(err, path, name);
			return NULL;
		}
	}
	h5u_free_strings(raw, *n);
	return out;
}

/* video_path: the video beside the .slp (same base name) when it exists,
 * else stored; a new string. */
static char *
video_path(const char *slp, const char *stored)
{
	const char *b = stored, *c, *sl = strrchr(slp, '/');
	struct stat st;
	char *p;

	for (c = stored; *c; c++)
		if (*c == '/' || *c == '\\')
			b = c + 1;
	if (sl != NULL) {
		size_t dl = (size_t)(sl - slp) + 1;

		if ((p = malloc(dl + strlen(b) + 1)) == NULL)
			return NULL;
		memcpy(p, slp, dl);
		strcpy(p + dl, b);
	} else if ((p = strdup(b)) == NULL)
		return NULL;
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	free(p);
	return strdup(stored);
}

/* A frame row sorted by (video, frame_idx, row). */
struct frow {
	double video, idx;
	size_t row;
};

/* frow_cmp: qsort order of struct frow. */
static int
frow_cmp(const void *a, const void *b)
{
	const struct frow *x = a, *y = b;

	if (x->video != y->video)
		return x->video < y->video ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* check_index: v is an integer in [0, lim). */
static int
check_index(double v, size_t lim)
{
	return v >= 0 && v < (double)lim && v == floor(v);
}

/* slp_fill: copy instance i's points into individual d at frame
 * position f. */
static void
slp_fill(const struct slp *d, const conv_set *s, size_t i, conv_ind *ind,
    size_t f, double shift)
{
	int user = d->in[IN_TYPE].out[i] == 0;
	const h5u_field *pt = user ? d->pt : d->pp;
	size_t p0 = (size_t)d->in[IN_P0].out[i], sk =
	    (size_t)d->in[IN_SKEL].out[i];

	for (size_t j = 0; j < d->sklen[sk]; j++) {
		size_t p = p0 + j, at = f * s->nbp + (size_t)d->skmap[sk][j];
		double x = pt[PT_X].out[p], y = pt[PT_Y].out[p];
		int vis = pt[PT_VIS].out ? pt[PT_VIS].out[p] != 0 : 1;

		if (!vis || isnan(x) || isnan(y)) {
			ind->x[at] = ind->y[at] = NAN;
			ind->p[at] = 0;
			continue;
		}
		ind->x[at] = x + (user ? shift : 0);
		ind->y[at] = y + (user ? shift : 0);
		ind->p[at] = user || pt[PT_SCORE].out == NULL ? 1 :
		    isnan(pt[PT_SCORE].out[p]) ? 0 : pt[PT_SCORE].out[p];
	}
}

/* slp_check: every index of the tables is in range; -1 with err set. */
static int
slp_check(const struct slp *d, const char *path, mz_err *err)
{
	for (size_t r = 0; r < d->nfr; r++) {
		double a = d->fr[FR_I0].out[r], b = d->fr[FR_I1].out[r];

		if (!check_index(d->fr[FR_VIDEO].out[r], d->nvideos) ||
		    !(d->fr[FR_IDX].out[r] >= 0 &&
		    d->fr[FR_IDX].out[r] < 9.0e15) || !check_index(a, d->nin +
		    1) || !check_index(b, d->nin + 1) || b < a)
			return conv_fail(err, "%s: /frames: row %zu: video "
			    "or instance range out of bounds", path, r);
	}
	for (size_t i = 0; i < d->nin; i++) {
		int user = d->in[IN_TYPE].out[i] == 0;
		size_t np = user ? d->npt : d->npp, sk;
		double a = d->in[IN_P0].out[i], b = d->in[IN_P1].out[i];
		double t = d->in[IN_TRACK].out[i];

		if (!check_index(d->in[IN_SKEL].out[i], d->nskel))
			return conv_fail(err, "%s: /instances: row %zu: "
			    "skeleton %g does not exist", path, i,
			    d->in[IN_SKEL].out[i]);
		sk = (size_t)d->in[IN_SKEL].out[i];
		if (!check_index(a, np + 1) || !check_index(b, np + 1) ||
		    b - a != (double)d->sklen[sk])
			return conv_fail(err, "%s: /instances: row %zu: points "
			    "%g..%g do not fit /%s (%zu rows) and the "
			    "skeleton's %zu nodes", path, i, a, b, user ?
			    "points" : "pred_points", np, d->sklen[sk]);
		if (t != -1 && !check_index(t, d->ntracks))
			return conv_fail(err, "%s: /instances: row %zu: track "
			    "%g does not exist (%zu tracks)", path, i, t,
			    d->ntracks);
	}
	return 0;
}

/* conv_read_sleap_slp: see conv.h. */
int
conv_read_sleap_slp(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	struct slp d;
	conv_set *s = NULL;
	struct frow *rows = NULL;
	char *json = NULL;
	double fmt = 0, shift;
	int *slot = NULL, *pick = NULL;
	size_t *cnt = NULL, nslot, maxu = 0;
	hid_t f;
	int rc = -1;

	(void)o;
	memset(&d, 0, sizeof d);
	if ((f = h5u_open(path, err)) < 0)
		return -1;
	err->code = 0;
	if ((json = h5u_attr_bytes(f, "metadata", "json", NULL, err)) == NULL) {
		if (err->code == 0)
			conv_fail(err, "%s: /metadata: no attribute 'json' "
			    "(not a SLEAP .slp file)", path);
		goto out;
	}
	h5u_attr_f64(f, "metadata", "format_id", &fmt);
	shift = fmt < 1.1 ? -0.5 : 0;
	if ((s = conv_set_new("sleap-slp")) == NULL)
		goto nomem;
	if (slp_skeleton(path, json, s, &d, err) < 0)
		goto out;
	if ((d.tracks = json_list(f, path, "tracks_json", 1, &d.ntracks,
	    err)) == NULL || (d.videos = json_list(f, path, "videos_json", 0,
	    &d.nvideos, err)) == NULL)
		goto out;
	{
		static const char *const frn[FR_N] = { "frame_id", "video",
			"frame_idx", "instance_id_start", "instance_id_end" };
		static const char *const inn[IN_N] = { "instance_type",
			"frame_id", "skeleton", "track", "from_predicted",
			"score", "point_id_start", "point_id_end" };
		static const char *const ptn[PT_N] = { "x", "y", "visible",
			"score" };

		for (int k = 0; k < FR_N; k++)
			d.fr[k] = (h5u_field){ frn[k], k != FR_ID, NULL, 0, 0 };
		for (int k = 0; k < IN_N; k++)
			d.in[k] = (h5u_field){ inn[k], k != IN_SCORE &&
			    k != IN_FROM, NULL, 0, 0 };
		for (int k = 0; k < PT_N; k++) {
			d.pt[k] = (h5u_field){ ptn[k], k < PT_VIS, NULL, 0,
			    0 };
			d.pp[k] = (h5u_field){ ptn[k], k < PT_VIS, NULL, 0,
			    0 };
		}
	}
	if (h5u_read_fields(f, "frames", d.fr, FR_N, &d.nfr, path,
	    "/frames", err) < 0 ||
	    h5u_read_fields(f, "instances", d.in, IN_N, &d.nin, path,
	    "/instances", err) < 0)
		goto out;
	if (h5u_kind(f, "points") == H5O_TYPE_DATASET && h5u_read_fields(f,
	    "points", d.pt, PT_N, &d.npt, path, "/points", err) < 0)
		goto out;
	if (h5u_kind(f, "pred_points") == H5O_TYPE_DATASET &&
	    h5u_read_fields(f, "pred_points", d.pp, PT_N, &d.npp, path,
	    "/pred_points", err) < 0)
		goto out;
	if (slp_check(&d, path, err) < 0)
		goto out;
	/* Frames in (video, frame index) order. */
	if ((rows = malloc((d.nfr + 1) * sizeof *rows)) == NULL)
		goto nomem;
	for (size_t r = 0; r < d.nfr; r++) {
		size_t nu = 0;

		rows[r] = (struct frow){ d.fr[FR_VIDEO].out[r],
			d.fr[FR_IDX].out[r], r };
		for (size_t i = (size_t)d.fr[FR_I0].out[r];
		    i < (size_t)d.fr[FR_I1].out[r]; i++)
			nu += d.in[IN_TRACK].out[i] == -1;
		if (nu > maxu)
			maxu = nu;
	}
	qsort(rows, d.nfr, sizeof *rows, frow_cmp);
	nslot = d.ntracks + maxu;
	if ((slot = malloc((nslot + 1) * sizeof *slot)) == NULL ||
	    (pick = malloc((nslot + 1) * sizeof *pick)) == NULL ||
	    (cnt = calloc(nslot + 1, sizeof *cnt)) == NULL)
		goto nomem;
	for (size_t v = 0; v < d.nvideos; v++) {
		size_t r0, r1, nf = 0, fi;
		conv_seq *q;
		char *name, *vp;

		for (r0 = 0; r0 < d.nfr && rows[r0].video < (double)v; r0++)
			;
		for (r1 = r0; r1 < d.nfr && rows[r1].video == (double)v; r1++)
			if (r1 == r0 || rows[r1].idx != rows[r1 - 1].idx)
				nf++;
		/* Which slots (tracks, untracked k) this video uses. */
		memset(cnt, 0, (nslot + 1) * sizeof *cnt);
		for (size_t r = r0; r < r1; r++) {
			size_t row = rows[r].row, nu = 0;

			for (size_t i = (size_t)d.fr[FR_I0].out[row];
			    i < (size_t)d.fr[FR_I1].out[row]; i++) {
				double t = d.in[IN_TRACK].out[i];

				if (t >= 0)
					cnt[(size_t)t]++;
				else
					cnt[d.ntracks + nu++]++;
			}
		}
		if ((name = base_stem(d.videos[v])) == NULL)
			goto nomem;
		for (size_t w = 0; w < v; w++)
			if (strcmp(s->seq[w].sequence, name) == 0) {
				char *n2 = malloc(strlen(name) + 24);

				if (n2 == NULL) {
					free(name);
					goto nomem;
				}
				sprintf(n2, "%s_%zu", name, v);
				free(name);
				name = n2;
				break;
			}
		q = conv_set_add_seq(s, name, nf);
		free(name);
		if (q == NULL)
			goto nomem;
		if ((q->meta = cJSON_CreateObject()) == NULL ||
		    (vp = video_path(path, d.videos[v])) == NULL)
			goto nomem;
		if (!cJSON_AddItemToObject(q->meta, "video",
		    cJSON_CreateString(vp))) {
			free(vp);
			goto nomem;
		}
		free(vp);
		for (size_t k = 0; k < nslot; k++) {
			char nm[64];
			conv_ind *ind;

			slot[k] = -1;
			if (cnt[k] == 0)
				continue;
			if (k >= d.ntracks)
				snprintf(nm, sizeof nm, "untracked%zu",
				    k - d.ntracks);
			if ((ind = conv_seq_add_ind(s, q, k < d.ntracks ?
			    d.tracks[k] : nm)) == NULL)
				goto nomem;
			(void)ind;
			slot[k] = (int)(q->nind - 1);
		}
		/* Frames: pick per slot, then fill. */
		fi = 0;
		for (size_t r = r0; r < r1; r++) {
			size_t row = rows[r].row, i0, i1, nu = 0;

			if (r > r0 && rows[r].idx != rows[r - 1].idx)
				fi++;
			q->frame[fi] = (int64_t)rows[r].idx;
			i0 = (size_t)d.fr[FR_I0].out[row];
			i1 = (size_t)d.fr[FR_I1].out[row];
			for (size_t k = 0; k < nslot; k++)
				pick[k] = -1;
			/* Tracked: user over predicted, then score. */
			for (size_t i = i0; i < i1; i++) {
				double t = d.in[IN_TRACK].out[i];
				int cur;

				if (t < 0)
					continue;
				cur = pick[(size_t)t];
				if (cur < 0 || (d.in[IN_TYPE].out[i] == 0 &&
				    d.in[IN_TYPE].out[cur] != 0) ||
				    (d.in[IN_TYPE].out[i] ==
				    d.in[IN_TYPE].out[cur] &&
				    d.in[IN_SCORE].out != NULL &&
				    d.in[IN_SCORE].out[i] >
				    d.in[IN_SCORE].out[cur]))
					pick[(size_t)t] = (int)i;
			}
			/* Untracked: users first, then predictions no user
			 * instance of the frame was made from. */
			for (int pass = 0; pass < 2; pass++)
				for (size_t i = i0; i < i1; i++) {
					int user = d.in[IN_TYPE].out[i] == 0;
					int used = 0;

					if (d.in[IN_TRACK].out[i] != -1 ||
					    user != (pass == 0))
						continue;
					for (size_t u = i0; !user && u < i1 &&
					    d.in[IN_FROM].out; u++)
						used |= d.in[IN_TYPE].out[u] ==
						    0 && d.in[IN_FROM].out[u] ==
						    (double)i;
					if (!used)
						pick[d.ntracks + nu++] = (int)i;
				}
			for (size_t k = 0; k < nslot; k++)
				if (pick[k] >= 0 && slot[k] >= 0)
					slp_fill(&d, s, (size_t)pick[k],
					    &q->ind[slot[k]], fi, shift);
		}
	}
	*out = s;
	s = NULL;
	rc = 0;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
out:
	free(json);
	free(rows);
	free(slot);
	free(pick);
	free(cnt);
	slp_free(&d);
	conv_set_free(s);
	H5Fclose(f);
	return rc;
}

/* ------------------------------------------------------- analysis .h5 */

/* conv_read_sleap_h5: see conv.h. */
int
conv_read_sleap_h5(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	char **nodes = NULL, **tnames = NULL, *name = NULL;
	double *tr = NULL, *ps = NULL, *ei = NULL;
	size_t nn = 0, nt = 0, ntr, nps = 0, nei = 0, T, F, N;
	hsize_t dims[8];
	int rank, transposed, rc = -1;
	conv_set *s = NULL;
	conv_seq *q;
	hid_t f;

	(void)o;
	if ((f = h5u_open(path, err)) < 0)
		return -1;
	if ((nodes = h5u_read_strings(f, "node_names", &nn, path,
	    "/node_names", err)) == NULL)
		goto out;
	if (h5u_shape(f, "tracks", &rank, dims, path, "/tracks", err) < 0)
		goto out;
	if (rank != 4) {
		h5u_fail(err, path, "/tracks", "rank %d (4 expected: tracks, "
		    "2, nodes, frames)", rank);
		goto out;
	}
	/* A project without tracks has an empty list of track names,
	 * which h5py stores as an empty float64 dataset. */
	if (h5u_kind(f, "track_names") == H5O_TYPE_DATASET) {
		hsize_t td[8];
		int tr_rank;

		if (h5u_shape(f, "track_names", &tr_rank, td, path,
		    "/track_names", err) < 0)
			goto out;
		if (!(tr_rank == 1 && td[0] == 0) &&
		    (tnames = h5u_read_strings(f, "track_names", &nt, path,
		    "/track_names", err)) == NULL)
			goto out;
	}
	/* (tracks, 2, nodes, frames) or (frames, nodes, 2, tracks). */
	if (dims[1] == 2 && dims[2] == nn && (dims[0] == nt || tnames == NULL ||
	    !(dims[2] == 2 && dims[1] == nn && dims[3] == nt)))
		transposed = 1;
	else if (dims[2] == 2 && dims[1] == nn)
		transposed = 0;
	else {
		h5u_fail(err, path, "/tracks", "shape %llu x %llu x %llu x "
		    "%llu fits neither (tracks, 2, %zu nodes, frames) nor "
		    "(frames, %zu nodes, 2, tracks)",
		    (unsigned long long)dims[0], (unsigned long long)dims[1],
		    (unsigned long long)dims[2], (unsigned long long)dims[3],
		    nn, nn);
		goto out;
	}
	T = (size_t)(transposed ? dims[0] : dims[3]);
	F = (size_t)(transposed ? dims[3] : dims[0]);
	N = nn;
	if (tnames != NULL && nt != T) {
		h5u_fail(err, path, "/track_names", "%zu names for %zu tracks",
		    nt, T);
		goto out;
	}
	if ((tr = h5u_read_f64(f, "tracks", &ntr, path, "/tracks", err)) ==
	    NULL)
		goto out;
	if (h5u_kind(f, "point_scores") == H5O_TYPE_DATASET) {
		if ((ps = h5u_read_f64(f, "point_scores", &nps, path,
		    "/point_scores", err)) == NULL)
			goto out;
		if (nps != T * N * F) {
			h5u_fail(err, path, "/point_scores", "%zu values, "
			    "tracks has %zu tracks x %zu nodes x %zu frames",
			    nps, T, N, F);
			goto out;
		}
	}
	if ((s = conv_set_new("sleap-h5")) == NULL)
		goto nomem;
	for (size_t j = 0; j < nn; j++)
		if (conv_set_bodypart(s, nodes[j]) != (int)j) {
			if (s->nbp == j + 1)
				goto nomem;
			h5u_fail(err, path, "/node_names", "duplicate node "
			    "'%s'", nodes[j]);
			goto out;
		}
	if (h5u_kind(f, "edge_inds") == H5O_TYPE_DATASET) {
		if ((ei = h5u_read_f64(f, "edge_inds", &nei, path,
		    "/edge_inds", err)) == NULL)
			goto out;
		for (size_t e = 0; e + 1 < nei; e += 2) {
			if (!check_index(ei[e], nn) || !check_index(ei[e + 1],
			    nn)) {
				h5u_fail(err, path, "/edge_inds", "edge %zu "
				    "names node %g..%g of %zu", e / 2, ei[e],
				    ei[e + 1], nn);
				goto out;
			}
			if (conv_set_edge(s, (int)ei[e], (int)ei[e + 1]) < 0)
				goto nomem;
		}
	}
	/* The sequence name. */
	if (h5u_kind(f, "video_path") == H5O_TYPE_DATASET) {
		size_t nv;
		char **vp = h5u_read_strings(f, "video_path", &nv, path,
		    "/video_path", err);

		if (vp == NULL)
			goto out;
		if (nv == 1 && vp[0][0] != '\0')
			name = base_stem(vp[0]);
		h5u_free_strings(vp, nv);
	}
	if (name == NULL) {
		size_t l;

		if ((name = conv_stem(path)) == NULL)
			goto nomem;
		l = strlen(name);
		if (l > 9 && strcmp(name + l - 9, ".analysis") == 0)
			name[l - 9] = '\0';
	}
	if ((q = conv_set_add_seq(s, name, F)) == NULL)
		goto nomem;
	if (h5u_kind(f, "video_path") == H5O_TYPE_DATASET) {
		size_t nv;
		char **vp = h5u_read_strings(f, "video_path", &nv, path,
		    "/video_path", err);

		if (vp == NULL)
			goto out;
		if (nv == 1 && vp[0][0] != '\0' && ((q->meta =
		    cJSON_CreateObject()) == NULL || !cJSON_AddItemToObject(
		    q->meta, "video", cJSON_CreateString(vp[0])))) {
			h5u_free_strings(vp, nv);
			goto nomem;
		}
		h5u_free_strings(vp, nv);
	}
	for (size_t t = 0; t < T; t++) {
		char nm[32];
		conv_ind *d;

		snprintf(nm, sizeof nm, "track_%zu", t);
		if ((d = conv_seq_add_ind(s, q, tnames && tnames[t][0] ?
		    tnames[t] : nm)) == NULL)
			goto nomem;
		for (size_t fr = 0; fr < F; fr++)
			for (size_t j = 0; j < N; j++) {
				size_t ix, iy, ip, at = fr * N + j;

				if (transposed) {
					ix = ((t * 2 + 0) * N + j) * F + fr;
					iy = ((t * 2 + 1) * N + j) * F + fr;
					ip = (t * N + j) * F + fr;
				} else {
					ix = ((fr * N + j) * 2 + 0) * T + t;
					iy = ((fr * N + j) * 2 + 1) * T + t;
					ip = (fr * N + j) * T + t;
				}
				d->x[at] = tr[ix];
				d->y[at] = tr[iy];
				if (isnan(tr[ix]) || isnan(tr[iy]))
					d->p[at] = 0;
				else
					d->p[at] = ps == NULL ||
					    isnan(ps[ip]) ? 1 : ps[ip];
			}
	}
	*out = s;
	s = NULL;
	rc = 0;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
out:
	h5u_free_strings(nodes, nn);
	h5u_free_strings(tnames, nt);
	free(name);
	free(tr);
	free(ps);
	free(ei);
	conv_set_free(s);
	H5Fclose(f);
	return rc;
}
