/*
 * calms21.c - the CalMS21 dataset's json files:
 *
 *   {"annotator-id_0": {"task1/train/mouse001_task1_annotator1": {
 *       "keypoints": T x 2 mice x 2 (x, y) x 7 landmarks,
 *       "scores": T x 2 x 7 (optional),
 *       "annotations": T labels, or T x k (optional),
 *       "metadata": {"vocab": {"attack": 0, ...}, ...} (optional)},
 *    ...}, ...}
 *
 * Each top-level key is a group, each key below it a sequence; every
 * sequence has one individual per mouse ("mouse0" the resident, "mouse1"
 * the intruder).  The 7 landmarks are MARS's: nose, ear_left, ear_right,
 * neck, hip_left, hip_right, tail_base (other counts: kp0, kp1, ...).
 * annotations and the vocabulary are kept in the sequence's metadata for
 * mz-labels.  A top-level "vocabulary" object, if any, applies to all.
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>

#include "conv.h"

#define FAIL(...) conv_fail(err, __VA_ARGS__)

static const char *const mars[7] = { "nose", "ear_left", "ear_right",
	"neck", "hip_left", "hip_right", "tail_base" };

/* read_all: the bytes of path, NUL-terminated, in *buf; -1 with err. */
static int
read_all(const char *path, char **buf, size_t *len, mz_err *err)
{
	struct stat sb;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &sb) < 0) {
		mz_seterr(err, MZ_EIO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((*buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path),
		    -1;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			mz_seterr(err, MZ_EIO, "%s: %s", path, n < 0 ?
			    strerror(errno) : "file shrank while read");
			free(*buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

/* line_of: the 1-based line of offset off in buf. */
static size_t
line_of(const char *buf, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

/* num_at: the number a[i] (a an array), or -1 when it is not one
 * (null reads as NaN). */
static int
num_at(const cJSON *a, int i, double *v)
{
	const cJSON *e = cJSON_GetArrayItem(a, i);

	if (cJSON_IsNumber(e)) {
		*v = e->valuedouble;
		return 0;
	}
	if (cJSON_IsNull(e)) {
		*v = NAN;
		return 0;
	}
	return -1;
}

/* read_seq: the sequence v (named grp/name) into s; -1 with err. */
static int
read_seq(conv_set *s, const char *path, const char *grp, const char *name,
    const cJSON *v, const cJSON *topvocab, size_t *nmice, size_t *nkp,
    mz_err *err)
{
	const cJSON *kp = cJSON_GetObjectItem(v, "keypoints");
	const cJSON *sc = cJSON_GetObjectItem(v, "scores");
	const cJSON *an = cJSON_GetObjectItem(v, "annotations");
	const cJSON *md = cJSON_GetObjectItem(v, "metadata");
	const cJSON *voc = cJSON_GetObjectItem(md, "vocab");
	int T;
	conv_seq *q;

	if (!cJSON_IsObject(v))
		return FAIL("%s: %s/%s: not an object", path, grp, name);
	if (!cJSON_IsArray(kp))
		return FAIL("%s: %s/%s: no \"keypoints\" array", path, grp,
		    name);
	T = cJSON_GetArraySize(kp);
	if (sc != NULL && (!cJSON_IsArray(sc) || cJSON_GetArraySize(sc) != T))
		return FAIL("%s: %s/%s: \"scores\" must be an array of %d "
		    "frames", path, grp, name, T);
	if (an != NULL && (!cJSON_IsArray(an) || cJSON_GetArraySize(an) != T))
		return FAIL("%s: %s/%s: \"annotations\" has %d entries, "
		    "\"keypoints\" %d frames", path, grp, name,
		    cJSON_IsArray(an) ? cJSON_GetArraySize(an) : -1, T);
	/* The shape from the first frame; every frame must agree. */
	if (*nmice == 0 && T > 0) {
		const cJSON *f0 = cJSON_GetArrayItem(kp, 0);
		const cJSON *m0 = cJSON_GetArrayItem(f0, 0);
		const cJSON *c0 = cJSON_GetArrayItem(m0, 0);

		if (!cJSON_IsArray(f0) || cJSON_GetArraySize(f0) < 1 ||
		    !cJSON_IsArray(m0) || cJSON_GetArraySize(m0) != 2 ||
		    !cJSON_IsArray(c0) || cJSON_GetArraySize(c0) < 1)
			return FAIL("%s: %s/%s: keypoints[0]: expected mice "
			    "x 2 (x, y) x landmarks", path, grp, name);
		*nmice = (size_t)cJSON_GetArraySize(f0);
		*nkp = (size_t)cJSON_GetArraySize(c0);
		for (size_t k = 0; k < *nkp; k++) {
			char nm[32];

			if (*nkp == 7)
				snprintf(nm, sizeof nm, "%s", mars[k]);
			else
				snprintf(nm, sizeof nm, "kp%zu", k);
			if (conv_set_bodypart(s, nm) < 0)
				return mz_seterr(err, MZ_ENOMEM, "out of "
				    "memory"), -1;
		}
	}
	if ((q = conv_set_add_seq(s, name, (size_t)T)) == NULL ||
	    (q->group = conv_strdup(grp)) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory"), -1;
	for (size_t m = 0; m < *nmice; m++) {
		char nm[32];

		snprintf(nm, sizeof nm, "mouse%zu", m);
		if (conv_seq_add_ind(s, q, nm) == NULL)
			return mz_seterr(err, MZ_ENOMEM, "out of memory"), -1;
	}
	for (int t = 0; t < T; t++) {
		const cJSON *f = cJSON_GetArrayItem(kp, t);
		const cJSON *sf = sc ? cJSON_GetArrayItem(sc, t) : NULL;

		if (!cJSON_IsArray(f) ||
		    (size_t)cJSON_GetArraySize(f) != *nmice)
			return FAIL("%s: %s/%s: keypoints[%d]: expected %zu "
			    "mice", path, grp, name, t, *nmice);
		if (sc != NULL && (!cJSON_IsArray(sf) ||
		    (size_t)cJSON_GetArraySize(sf) != *nmice))
			return FAIL("%s: %s/%s: scores[%d]: expected %zu "
			    "mice", path, grp, name, t, *nmice);
		for (size_t m = 0; m < *nmice; m++) {
			const cJSON *mm = cJSON_GetArrayItem(f, (int)m);
			const cJSON *xs = cJSON_GetArrayItem(mm, 0);
			const cJSON *ys = cJSON_GetArrayItem(mm, 1);
			const cJSON *ss = sf ? cJSON_GetArrayItem(sf, (int)m) :
			    NULL;
			conv_ind *d = &q->ind[m];

			if (!cJSON_IsArray(mm) || cJSON_GetArraySize(mm) != 2 ||
			    !cJSON_IsArray(xs) || !cJSON_IsArray(ys) ||
			    (size_t)cJSON_GetArraySize(xs) != *nkp ||
			    (size_t)cJSON_GetArraySize(ys) != *nkp)
				return FAIL("%s: %s/%s: keypoints[%d][%zu]: "
				    "expected 2 arrays (x, y) of %zu numbers",
				    path, grp, name, t, m, *nkp);
			if (sf != NULL && (!cJSON_IsArray(ss) ||
			    (size_t)cJSON_GetArraySize(ss) != *nkp))
				return FAIL("%s: %s/%s: scores[%d][%zu]: "
				    "expected %zu numbers", path, grp, name, t,
				    m, *nkp);
			for (size_t k = 0; k < *nkp; k++) {
				size_t at = (size_t)t * s->nbp + k;
				double x, y, p = 1;

				if (num_at(xs, (int)k, &x) < 0 ||
				    num_at(ys, (int)k, &y) < 0 ||
				    (ss && num_at(ss, (int)k, &p) < 0))
					return FAIL("%s: %s/%s: frame %d, "
					    "mouse %zu, landmark %zu: not a "
					    "number", path, grp, name, t, m,
					    k);
				d->x[at] = x;
				d->y[at] = y;
				d->p[at] = isnan(x) || isnan(y) ? 0 :
				    isnan(p) ? 1 : p;
			}
		}
	}
	if ((q->meta = cJSON_CreateObject()) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "out of memory"), -1;
	if (an != NULL && !cJSON_AddItemToObject(q->meta, "annotations",
	    cJSON_Duplicate(an, 1)))
		return mz_seterr(err, MZ_ENOMEM, "out of memory"), -1;
	if (voc == NULL)
		voc = topvocab;
	if (voc != NULL && !cJSON_AddItemToObject(q->meta, "vocabulary",
	    cJSON_Duplicate(voc, 1)))
		return mz_seterr(err, MZ_ENOMEM, "out of memory"), -1;
	if (md != NULL && !cJSON_AddItemToObject(q->meta, "calms21_metadata",
	    cJSON_Duplicate(md, 1)))
		return mz_seterr(err, MZ_ENOMEM, "out of memory"), -1;
	/* The sequence's own frame rate, when its metadata states one. */
	{
		const cJSON *fr = cJSON_GetObjectItem(md, "fps");

		if (fr == NULL)
			fr = cJSON_GetObjectItem(md, "frame_rate");
		if (cJSON_IsNumber(fr) && fr->valuedouble > 0 && s->fps == 0)
			s->fps = fr->valuedouble;
	}
	return 0;
}

/* conv_read_calms21: see conv.h. */
int
conv_read_calms21(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	const char *endp = NULL;
	size_t len, nmice = 0, nkp = 0;
	char *buf;
	cJSON *root, *g, *topvocab;
	conv_set *s;

	(void)o;
	if (read_all(path, &buf, &len, err) < 0)
		return -1;
	if (len == 0) {
		free(buf);
		return FAIL("%s: empty file", path);
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &endp, 0);
	if (root == NULL) {
		size_t off = endp ? (size_t)(endp - buf) : 0;

		FAIL("%s: line %zu: invalid JSON", path, line_of(buf, off));
		free(buf);
		return -1;
	}
	free(buf);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return FAIL("%s: not a CalMS21 file (the top level must be an "
		    "object of groups)", path);
	}
	if ((s = conv_set_new("calms21")) == NULL) {
		cJSON_Delete(root);
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path),
		    -1;
	}
	topvocab = cJSON_GetObjectItem(root, "vocabulary");
	cJSON_ArrayForEach(g, root) {
		const cJSON *sq;

		if (g == topvocab)
			continue;
		if (!cJSON_IsObject(g)) {
			FAIL("%s: %s: a group must be an object of sequences",
			    path, g->string);
			goto fail;
		}
		cJSON_ArrayForEach(sq, g)
			if (read_seq(s, path, g->string, sq->string, sq,
			    topvocab, &nmice, &nkp, err) < 0)
				goto fail;
	}
	if (s->nseq == 0) {
		FAIL("%s: no sequences", path);
		goto fail;
	}
	cJSON_Delete(root);
	*out = s;
	return 0;
fail:
	cJSON_Delete(root);
	conv_set_free(s);
	return -1;
}
