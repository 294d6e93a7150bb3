/*
 * trex.c - TRex's per-individual .npz export (a zip of .npy arrays, one
 * file per individual: SEQ_id0.npz, SEQ_id1.npz, ...).
 *
 * Read from each file: X, Y (the centroid; in cm when cm_per_pixel is
 * set, converted back to pixels here), ANGLE (radians), poseX<k>/poseY<k>
 * (keypoints, pixels), frame, and the scalars frame_rate, cm_per_pixel,
 * video_size and id.  Non-finite values (TRex writes +inf) are missing.
 * The individual is named by the file's _id<N> (or _fish, _bee, _animal,
 * _ind) suffix, the sequence by the name without it; main merges the
 * files of one sequence (conv_set_merge).
 *
 * The .npy parser accepts format versions 1-3, the header dict with
 * 'descr' (byte order '<', '>', '|' or '=', kinds f, i, u, b), 'fortran_order'
 * and 'shape', and checks that the data has exactly the size the header
 * states.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "conv.h"

#define FAIL(...) conv_fail(err, __VA_ARGS__)
#define MAX_DIMS 8

/* A decoded array: values as doubles, in C order. */
struct npy {
	size_t ndim, shape[MAX_DIMS], n;
	double *v;
};

/* skip_ws: p past spaces. */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
		p++;
	return p;
}

/* get_u: the little-endian unsigned integer of size bytes at p. */
static uint64_t
get_u(const unsigned char *p, size_t size, int big)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
	return v;
}

/*
 * npy_parse: decode the .npy bytes buf[0..len) of member into a; -1 with
 * err ("FILE: MEMBER: ...") on anything malformed or unsupported.
 */
static int
npy_parse(const unsigned char *buf, size_t len, const char *file,
    const char *member, struct npy *a, mz_err *err)
{
	const char *h, *end, *p;
	size_t hlen, hstart, isz = 0, total;
	char kind = 0, order = 0;
	int have_descr = 0, have_fo = 0, have_shape = 0, fortran = 0, big;

	memset(a, 0, sizeof *a);
	if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
		return FAIL("%s: %s: not a .npy array (bad magic)", file,
		    member);
	if (buf[6] == 1) {
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
		hstart = 10;
	} else if (buf[6] == 2 || buf[6] == 3) {
		if (len < 12)
			return FAIL("%s: %s: truncated .npy header", file,
			    member);
		hlen = (size_t)get_u(buf + 8, 4, 0);
		hstart = 12;
	} else
		return FAIL("%s: %s: .npy format version %d.%d is not "
		    "supported", file, member, buf[6], buf[7]);
	if (hlen > len - hstart)
		return FAIL("%s: %s: truncated .npy header (%zu bytes "
		    "stated, %zu present)", file, member, hlen,
		    len - hstart);
	h = (const char *)buf + hstart;
	end = h + hlen;
	p = skip_ws(h, end);
	if (p >= end || *p++ != '{')
		return FAIL("%s: %s: bad .npy header: expected '{'", file,
		    member);
	for (;;) {
		char key[32];
		size_t kl = 0;
		char q;

		p = skip_ws(p, end);
		if (p < end && *p == '}')
			break;
		if (p >= end || (*p != '\'' && *p != '"'))
			return FAIL("%s: %s: bad .npy header: expected a "
			    "quoted key", file, member);
		q = *p++;
		while (p < end && *p != q && kl < sizeof key - 1)
			key[kl++] = *p++;
		key[kl] = '\0';
		if (p >= end || *p++ != q)
			return FAIL("%s: %s: bad .npy header: unterminated "
			    "key", file, member);
		p = skip_ws(p, end);
		if (p >= end || *p++ != ':')
			return FAIL("%s: %s: bad .npy header: expected ':' "
			    "after '%s'", file, member, key);
		p = skip_ws(p, end);
		if (strcmp(key, "descr") == 0) {
			char d[16];
			size_t dl = 0;
			char *ep;
			long sz;

			if (p >= end || (*p != '\'' && *p != '"'))
				return FAIL("%s: %s: bad .npy header: "
				    "'descr' is not a simple dtype string "
				    "(structured arrays are not supported)",
				    file, member);
			q = *p++;
			while (p < end && *p != q && dl < sizeof d - 1)
				d[dl++] = *p++;
			d[dl] = '\0';
			if (p >= end || *p++ != q || dl < 3)
				return FAIL("%s: %s: bad .npy header: bad "
				    "'descr'", file, member);
			order = d[0];
			kind = d[1];
			sz = strtol(d + 2, &ep, 10);
			if (*ep != '\0' || strchr("<>|=", order) == NULL ||
			    strchr("fiub", kind) == NULL ||
			    !((kind == 'f' && (sz == 4 || sz == 8)) ||
			    (kind != 'f' && (sz == 1 || sz == 2 || sz == 4 ||
			    sz == 8))))
				return FAIL("%s: %s: dtype '%s' is not "
				    "supported (float32/64, integers, bool)",
				    file, member, d);
			isz = (size_t)sz;
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0) {
			if (end - p >= 4 && memcmp(p, "True", 4) == 0) {
				fortran = 1;
				p += 4;
			} else if (end - p >= 5 && memcmp(p, "False", 5) == 0)
				p += 5;
			else
				return FAIL("%s: %s: bad .npy header: "
				    "'fortran_order' is not True or False",
				    file, member);
			have_fo = 1;
		} else if (strcmp(key, "shape") == 0) {
			if (p >= end || *p++ != '(')
				return FAIL("%s: %s: bad .npy header: "
				    "'shape' is not a tuple", file, member);
			for (;;) {
				uint64_t v = 0;
				int dig = 0;

				p = skip_ws(p, end);
				if (p < end && *p == ')') {
					p++;
					break;
				}
				while (p < end && isdigit((unsigned char)*p)) {
					if (v > (UINT64_MAX - 9) / 10)
						return FAIL("%s: %s: bad .npy "
						    "header: dimension too "
						    "large", file, member);
					v = v * 10 + (uint64_t)(*p++ - '0');
					dig = 1;
				}
				if (p < end && *p == 'L')
					p++;
				if (!dig || a->ndim == MAX_DIMS)
					return FAIL("%s: %s: bad .npy header: "
					    "bad 'shape'", file, member);
				if (v > SIZE_MAX)
					return FAIL("%s: %s: bad .npy "
					    "header: dimension too large",
					    file, member);
				a->shape[a->ndim++] = (size_t)v;
				p = skip_ws(p, end);
				if (p < end && *p == ',')
					p++;
				else if (p >= end || *p != ')')
					return FAIL("%s: %s: bad .npy header: "
					    "bad 'shape'", file, member);
			}
			have_shape = 1;
		} else
			return FAIL("%s: %s: bad .npy header: unknown key "
			    "'%s'", file, member, key);
		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p++;
		else if (p >= end || *p != '}')
			return FAIL("%s: %s: bad .npy header: expected ',' "
			    "or '}'", file, member);
	}
	if (!have_descr || !have_fo || !have_shape)
		return FAIL("%s: %s: bad .npy header: missing '%s'", file,
		    member, !have_descr ? "descr" : !have_fo ?
		    "fortran_order" : "shape");
	total = 1;
	for (size_t d = 0; d < a->ndim; d++) {
		if (a->shape[d] && total > SIZE_MAX / 8 / a->shape[d])
			return FAIL("%s: %s: array too large", file, member);
		total *= a->shape[d];
	}
	if (len - hstart - hlen != total * isz)
		return FAIL("%s: %s: %zu data bytes, the header states %zu "
		    "(shape and dtype): truncated or corrupt", file, member,
		    len - hstart - hlen, total * isz);
	a->n = total;
	if ((a->v = malloc((total ? total : 1) * sizeof *a->v)) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", file),
		    -1;
	big = order == '>';
	for (size_t i = 0; i < total; i++) {
		const unsigned char *e = buf + hstart + hlen + i * isz;
		uint64_t u = get_u(e, isz, big);
		size_t to = i;

		if (fortran && a->ndim > 1) {
			/* Element i in Fortran order goes to its C index. */
			size_t rem = i, stride = 1, idx[MAX_DIMS];

			for (size_t d = 0; d < a->ndim; d++) {
				idx[d] = rem % a->shape[d];
				rem /= a->shape[d];
			}
			to = 0;
			for (size_t d = a->ndim; d-- > 0;) {
				to += idx[d] * stride;
				stride *= a->shape[d];
			}
		}
		if (kind == 'f' && isz == 4) {
			uint32_t w = (uint32_t)u;
			float f;
			memcpy(&f, &w, 4);
			a->v[to] = f;
		} else if (kind == 'f') {
			double dv;
			memcpy(&dv, &u, 8);
			a->v[to] = dv;
		} else if (kind == 'i') {
			int64_t sv = (int64_t)(u << (64 - 8 * isz)) >>
			    (64 - 8 * isz);
			a->v[to] = (double)sv;
		} else
			a->v[to] = (double)u;
	}
	return 0;
}

/* read_member: the array stored as name in z into a; 0 if absent (a->v
 * NULL), -1 with err set on a read or format error. */
static int
read_member(zip_t *z, const char *file, const char *name, struct npy *a,
    mz_err *err)
{
	zip_int64_t idx = zip_name_locate(z, name, 0);
	zip_stat_t st;
	zip_file_t *zf;
	unsigned char *buf;
	zip_int64_t got;
	int rc;

	memset(a, 0, sizeof *a);
	if (idx < 0)
		return 0;
	if (zip_stat_index(z, (zip_uint64_t)idx, 0, &st) < 0 ||
	    !(st.valid & ZIP_STAT_SIZE))
		return FAIL("%s: %s: %s", file, name,
		    zip_error_strerror(zip_get_error(z)));
	if (st.size > (zip_uint64_t)1 << 40)
		return FAIL("%s: %s: member too large", file, name);
	if ((buf = malloc((size_t)st.size + 1)) == NULL)
		return mz_seterr(err, MZ_ENOMEM, "%s: out of memory", file),
		    -1;
	if ((zf = zip_fopen_index(z, (zip_uint64_t)idx, 0)) == NULL) {
		free(buf);
		return FAIL("%s: %s: %s", file, name,
		    zip_error_strerror(zip_get_error(z)));
	}
	got = zip_fread(zf, buf, st.size);
	if (got < 0 || (zip_uint64_t)got != st.size) {
		FAIL("%s: %s: %s", file, name, got < 0 ?
		    zip_file_strerror(zf) : "truncated member");
		zip_fclose(zf);
		free(buf);
		return -1;
	}
	/* Reading to the end makes libzip check the member's CRC. */
	{
		unsigned char extra;
		zip_int64_t more = zip_fread(zf, &extra, 1);

		if (more != 0) {
			FAIL("%s: %s: %s", file, name, more < 0 ?
			    zip_file_strerror(zf) : "member longer than "
			    "its stated size");
			zip_fclose(zf);
			free(buf);
			return -1;
		}
	}
	if (zip_fclose(zf) != 0) {
		free(buf);
		return FAIL("%s: %s: CRC error (corrupt archive)", file,
		    name);
	}
	rc = npy_parse(buf, (size_t)st.size, file, name, a, err);
	free(buf);
	return rc < 0 ? -1 : 1;
}

/* split_name: from the file stem, the sequence (without the individual
 * suffix) and the individual's name ("id3"); NULL individual if the stem
 * has no such suffix. */
static void
split_name(char *stem, char **ind)
{
	static const char *const pre[] = { "id", "fish", "bee", "animal",
		"ind" };
	char *u = strrchr(stem, '_');

	*ind = NULL;
	if (u == NULL)
		return;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		size_t l = strlen(pre[i]);

		if (strncasecmp(u + 1, pre[i], l) == 0 && u[1 + l] != '\0' &&
		    strspn(u + 1 + l, "0123456789") == strlen(u + 1 + l)) {
			*ind = conv_strdup(u + 1);
			*u = '\0';
			return;
		}
	}
}

/* cmp_int: qsort order of ints (pose keypoint numbers). */
static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* conv_read_trex: see conv.h. */
int
conv_read_trex(const char *path, const conv_opts *o, conv_set **out,
    mz_err *err)
{
	struct npy X, Y, A, F, tmp;
	struct npy *px = NULL, *py = NULL;
	int *poses = NULL, zerr = 0, rc;
	size_t npose = 0, n = 0;
	char *stem = NULL, *ind = NULL;
	conv_set *s = NULL;
	zip_t *z;
	double cmpp = 0;

	(void)o;
	memset(&X, 0, sizeof X);
	memset(&Y, 0, sizeof Y);
	memset(&A, 0, sizeof A);
	memset(&F, 0, sizeof F);
	if ((z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr)) == NULL) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, zerr);
		FAIL("%s: not a readable .npz (zip) archive: %s", path,
		    zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	if ((s = conv_set_new("trex")) == NULL)
		goto nomem;
	if ((rc = read_member(z, path, "X.npy", &X, err)) < 0 ||
	    (rc == 0 && FAIL("%s: no X array (not a TRex export)", path)) ||
	    (rc = read_member(z, path, "Y.npy", &Y, err)) < 0 ||
	    (rc == 0 && FAIL("%s: no Y array (not a TRex export)", path)) ||
	    read_member(z, path, "ANGLE.npy", &A, err) < 0 ||
	    read_member(z, path, "frame.npy", &F, err) < 0)
		goto fail;
	if (X.ndim != 1 || Y.ndim != 1 || X.n != Y.n) {
		FAIL("%s: X.npy and Y.npy must be 1-D arrays of one length "
		    "(%zu and %zu values)", path, X.n, Y.n);
		goto fail;
	}
	n = X.n;
	if ((A.v && (A.ndim != 1 || A.n != n)) ||
	    (F.v && (F.ndim != 1 || F.n != n))) {
		FAIL("%s: %s.npy has %zu values, X.npy %zu", path,
		    A.v && A.n != n ? "ANGLE" : "frame", A.v && A.n != n ?
		    A.n : F.n, n);
		goto fail;
	}
	/* Scalars: frame_rate, cm_per_pixel, video_size, id. */
	if ((rc = read_member(z, path, "frame_rate.npy", &tmp, err)) < 0)
		goto fail;
	if (rc > 0 && tmp.n >= 1 && isfinite(tmp.v[0]) && tmp.v[0] > 0)
		s->fps = tmp.v[0];
	free(tmp.v);
	if ((s->meta = cJSON_CreateObject()) == NULL)
		goto nomem;
	if ((rc = read_member(z, path, "cm_per_pixel.npy", &tmp, err)) < 0)
		goto fail;
	if (rc > 0 && tmp.n >= 1 && isfinite(tmp.v[0]) && tmp.v[0] > 0) {
		cmpp = tmp.v[0];
		if (!cJSON_AddNumberToObject(s->meta, "cm_per_pixel", cmpp)) {
			free(tmp.v);
			goto nomem;
		}
	}
	free(tmp.v);
	if ((rc = read_member(z, path, "video_size.npy", &tmp, err)) < 0)
		goto fail;
	if (rc > 0 && tmp.n == 2) {
		cJSON *vs = cJSON_AddArrayToObject(s->meta, "video_size");
		if (vs == NULL || !cJSON_AddItemToArray(vs,
		    cJSON_CreateNumber(tmp.v[0])) || !cJSON_AddItemToArray(vs,
		    cJSON_CreateNumber(tmp.v[1]))) {
			free(tmp.v);
			goto nomem;
		}
	}
	free(tmp.v);
	if ((stem = conv_stem(path)) == NULL)
		goto nomem;
	split_name(stem, &ind);
	if ((rc = read_member(z, path, "id.npy", &tmp, err)) < 0)
		goto fail;
	if (rc > 0 && tmp.n == 1 && ind == NULL) {
		char nm[32];
		snprintf(nm, sizeof nm, "id%.0f", tmp.v[0]);
		ind = conv_strdup(nm);
	}
	free(tmp.v);
	if (ind == NULL && (ind = conv_strdup("id0")) == NULL)
		goto nomem;
	/* Pose keypoints: poseX<k> with a poseY<k>, in k order. */
	{
		zip_int64_t ne = zip_get_num_entries(z, 0);

		for (zip_int64_t i = 0; i < ne; i++) {
			const char *nm = zip_get_name(z, (zip_uint64_t)i, 0);
			char *e;
			long k;
			int *np;

			if (nm == NULL || strncmp(nm, "poseX", 5) != 0 ||
			    !isdigit((unsigned char)nm[5]))
				continue;
			k = strtol(nm + 5, &e, 10);
			if (strcmp(e, ".npy") != 0 || k < 0 || k > 100000)
				continue;
			if ((np = realloc(poses, (npose + 1) * sizeof *np)) ==
			    NULL)
				goto nomem;
			poses = np;
			poses[npose++] = (int)k;
		}
		qsort(poses, npose, sizeof *poses, cmp_int);
	}
	if ((px = calloc(npose + 1, sizeof *px)) == NULL ||
	    (py = calloc(npose + 1, sizeof *py)) == NULL)
		goto nomem;
	if (conv_set_bodypart(s, "centroid") < 0)
		goto nomem;
	for (size_t k = 0; k < npose; k++) {
		char nx[32], ny[32], bp[32];

		snprintf(nx, sizeof nx, "poseX%d.npy", poses[k]);
		snprintf(ny, sizeof ny, "poseY%d.npy", poses[k]);
		snprintf(bp, sizeof bp, "pose%d", poses[k]);
		if (read_member(z, path, nx, &px[k], err) < 0 ||
		    (rc = read_member(z, path, ny, &py[k], err)) < 0)
			goto fail;
		if (rc == 0) {
			FAIL("%s: %s without %s", path, nx, ny);
			goto fail;
		}
		if (px[k].ndim != 1 || py[k].ndim != 1 || px[k].n != n ||
		    py[k].n != n) {
			FAIL("%s: %s has %zu values, X.npy %zu", path,
			    px[k].n != n ? nx : ny, px[k].n != n ? px[k].n :
			    py[k].n, n);
			goto fail;
		}
		if (conv_set_bodypart(s, bp) < 0)
			goto nomem;
	}
	{
		conv_seq *q;
		conv_ind *d;

		if ((q = conv_set_add_seq(s, stem, n)) == NULL ||
		    (d = conv_seq_add_ind(s, q, ind)) == NULL)
			goto nomem;
		for (size_t f = 0; f < n; f++) {
			if (F.v != NULL) {
				double fv = F.v[f];

				if (!(fv >= 0 && fv < 9e15 && fv == floor(fv))) {
					FAIL("%s: frame.npy[%zu]: %g is not a "
					    "frame number", path, f, fv);
					goto fail;
				}
				q->frame[f] = (int64_t)fv;
				if (f > 0 && q->frame[f] <= q->frame[f - 1]) {
					FAIL("%s: frame.npy[%zu]: frame %lld "
					    "after %lld: frames must increase",
					    path, f, (long long)q->frame[f],
					    (long long)q->frame[f - 1]);
					goto fail;
				}
			}
			for (size_t k = 0; k <= npose; k++) {
				double x = k ? px[k - 1].v[f] : X.v[f];
				double y = k ? py[k - 1].v[f] : Y.v[f];
				size_t at = f * s->nbp + k;

				if (!isfinite(x) || !isfinite(y))
					continue;   /* NaN, p 0 */
				if (k == 0 && cmpp > 0) {
					x /= cmpp;
					y /= cmpp;
				}
				d->x[at] = x;
				d->y[at] = y;
				d->p[at] = 1;
			}
		}
		if (A.v != NULL) {
			if ((d->angle = malloc((n ? n : 1) * sizeof(double)))
			    == NULL)
				goto nomem;
			for (size_t f = 0; f < n; f++)
				d->angle[f] = isfinite(A.v[f]) ? A.v[f] : NAN;
		}
	}
	rc = 0;
	goto out;
nomem:
	mz_seterr(err, MZ_ENOMEM, "%s: out of memory", path);
fail:
	rc = -1;
	conv_set_free(s);
	s = NULL;
out:
	for (size_t k = 0; px && py && k < npose; k++) {
		free(px[k].v);
		free(py[k].v);
	}
	free(px);
	free(py);
	free(poses);
	free(X.v);
	free(Y.v);
	free(A.v);
	free(F.v);
	free(stem);
	free(ind);
	zip_discard(z);
	if (rc == 0)
		*out = s;
	return rc;
}
