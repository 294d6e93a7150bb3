/*
 * posevid.c - what mz-gridmovie and mz-overlay share beyond drawing (see
 * posevid.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "mz_videnc.h"
#include "posevid.h"

mz_reader *
pv_open(const char *path)
{
	mz_err e;
	mz_reader *r = mz_reader_open(path, &e);

	if (r == NULL)
		die_err(&e);
	return r;
}

const mz_header *
pv_next_part(mz_reader *r)
{
	mz_err e;
	int rc = mz_reader_next_part(r, &e);

	if (rc < 0)
		die_err(&e);
	return rc > 0 ? mz_reader_header(r) : NULL;
}

int
pv_next_block(mz_reader *r, mz_block *b)
{
	mz_err e;
	int rc = mz_reader_next_block(r, b, &e);

	if (rc < 0)
		die_err(&e);
	return rc > 0;
}

char *
pv_meta_dup(const mz_header *h, const char *key)
{
	const char *s = mz_meta_str(h, key);
	return s ? xstrdup(s) : NULL;
}

int
pv_same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

char *
pv_where(mz_reader *r, const char *seq)
{
	char buf[1400];

	snprintf(buf, sizeof(buf), "%s: part %zu%s%s", mz_reader_name(r),
	    mz_reader_part_index(r), seq ? " " : "", seq ? seq : "");
	return xstrdup(buf);
}

int
pv_find_col(const mz_header *h, const char *name, const char *where)
{
	int j = mz_header_find(h, name);

	if (j >= 0 && h->cols[j].type == MZ_NOTYPE)
		die("%s: column '%s' is not numeric", where, name);
	return j;
}

void
pv_read_body(pv_body *b, const mz_header *h, const char *where, int skel)
{
	const cJSON *bp = cJSON_GetObjectItemCaseSensitive(h->meta,
	    "bodyparts"), *it;
	size_t K = 0;

	if (!cJSON_IsArray(bp) || cJSON_GetArraySize(bp) == 0)
		die("%s: no \"bodyparts\" metadata (not standard tracks)",
		    where);
	cJSON_ArrayForEach(it, bp) {
		if (!cJSON_IsString(it))
			die("%s: \"bodyparts\" metadata is not a list of "
			    "names", where);
		if (b->names != NULL && (K >= b->K ||
		    strcmp(b->names[K], it->valuestring) != 0))
			die("%s: bodyparts differ from the first part's",
			    where);
		K++;
	}
	if (b->names != NULL) {
		if (K != b->K)
			die("%s: bodyparts differ from the first part's",
			    where);
		return;
	}
	b->K = K;
	b->names = xcalloc(K, sizeof(char *));
	K = 0;
	cJSON_ArrayForEach(it, bp)
		b->names[K++] = xstrdup(it->valuestring);
	if (skel)
		pv_meta_skeleton(b, h);
}

int
pv_bp_index(const pv_body *b, const char *name, size_t len)
{
	for (size_t k = 0; k < b->K; k++)
		if (strlen(b->names[k]) == len &&
		    strncmp(b->names[k], name, len) == 0)
			return (int)k;
	return -1;
}

/* add_edge: append the edge (x, y) to the skeleton of b. */
static void
add_edge(pv_body *b, int x, int y)
{
	b->edges = xrealloc(b->edges, (b->nedges + 1) * sizeof(*b->edges));
	b->edges[b->nedges][0] = x;
	b->edges[b->nedges][1] = y;
	b->nedges++;
}

void
pv_parse_skeleton(pv_body *b, const char *s, const char *where)
{
	const char *p = s;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		int x = -1, y = -1;

		for (size_t i = 1; i + 1 < len && (x < 0 || y < 0); i++)
			if (p[i] == '-') {
				x = pv_bp_index(b, p, i);
				y = pv_bp_index(b, p + i + 1, len - i - 1);
			}
		if (x < 0 || y < 0)
			die("%s: --skeleton: '%.*s' is not two bodyparts "
			    "joined by '-'", where, (int)len, p);
		add_edge(b, x, y);
		p += len;
		if (*p == ',')
			p++;
	}
}

void
pv_meta_skeleton(pv_body *b, const mz_header *h)
{
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(h->meta,
	    "skeleton"), *e;

	if (!cJSON_IsArray(sk))
		return;
	cJSON_ArrayForEach(e, sk) {
		int ab[2] = { -1, -1 };
		if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2)
			continue;
		for (int i = 0; i < 2; i++) {
			const cJSON *x = cJSON_GetArrayItem(e, i);
			if (cJSON_IsString(x))
				ab[i] = pv_bp_index(b, x->valuestring,
				    strlen(x->valuestring));
			else if (cJSON_IsNumber(x) && x->valuedouble >= 0 &&
			    x->valuedouble < (double)b->K)
				ab[i] = (int)x->valuedouble;
		}
		if (ab[0] >= 0 && ab[1] >= 0)
			add_edge(b, ab[0], ab[1]);
	}
}

void
pv_body_free(pv_body *b)
{
	for (size_t k = 0; k < b->K; k++)
		free(b->names[k]);
	free(b->names);
	free(b->edges);
	memset(b, 0, sizeof(*b));
}

void
pv_kp_cols(const pv_body *b, const mz_header *h, const char *where,
    int numeric, int **jx, int **jy)
{
	int *x = xmalloc(b->K * sizeof(int)), *y = xmalloc(b->K *
	    sizeof(int));

	for (size_t k = 0; k < b->K; k++) {
		char name[1100];
		snprintf(name, sizeof(name), "%s.x", b->names[k]);
		x[k] = numeric ? pv_find_col(h, name, where) :
		    mz_header_find(h, name);
		snprintf(name, sizeof(name), "%s.y", b->names[k]);
		y[k] = numeric ? pv_find_col(h, name, where) :
		    mz_header_find(h, name);
		if (x[k] < 0 || y[k] < 0)
			die("%s: no column '%s.%s' (bodypart %s)", where,
			    b->names[k], x[k] < 0 ? "x" : "y", b->names[k]);
	}
	*jx = x;
	*jy = y;
}

void
pv_kp_row(const mz_block *bl, const mz_header *h, const int *jx,
    const int *jy, size_t K, size_t i, float *dst)
{
	for (size_t k = 0; k < K; k++) {
		dst[2 * k] = (float)mz_get_f64(bl->cols[jx[k]],
		    h->cols[jx[k]].type, i);
		dst[2 * k + 1] = (float)mz_get_f64(bl->cols[jy[k]],
		    h->cols[jy[k]].type, i);
	}
}

void
pv_check_frame(const int64_t *frame, size_t t, const char *where)
{
	if (frame[t] < 0 || (t > 0 && frame[t] <= frame[t - 1]))
		die("%s: row %zu: frame %lld is %s", where, t,
		    (long long)frame[t], frame[t] < 0 ? "negative" :
		    "not after the previous row's");
}

void
pv_syl_int(const mz_header *h, int js, const char *name, const char *where)
{
	if (mz_type_isfloat(h->cols[js].type))
		die("%s: column '%s' is not an integer column "
		    "(syllables are integers)", where, name);
}

void
pv_syl_cols(const mz_header *h, int jf, int js, const char *name,
    const char *opt, const char *where)
{
	if (jf < 0)
		die("%s: no column 'frame'", where);
	if (js < 0)
		die("%s: no column '%s' (the syllables; see %s)", where,
		    name, opt);
	pv_syl_int(h, js, name, where);
}

void
pv_option(pv_opts *po, int c, const char *arg)
{
	switch (c) {
	case 'v':
		po->verbose = 1;
		break;
	case PV_O_CODEC:
		po->codec = arg;
		break;
	case PV_O_CMAP:
		if ((po->cmap = draw_cmap_find(arg)) < 0)
			usage_error("bad colour map '%s' (want one of %s)",
			    arg, draw_cmap_names());
		break;
	case PV_O_FPS:
		po->fps = parse_double(arg, "frame rate");
		if (!(po->fps > 0 && po->fps <= 10000))
			usage_error("bad frame rate '%s' (want more than 0, "
			    "at most 10000)", arg);
		break;
	case PV_O_LINE:
		po->line = pv_parse_long(arg, "line width", 0, 1000);
		break;
	case PV_O_NODE:
		po->node = pv_parse_long(arg, "node size", 0, 1000);
		break;
	case PV_O_QUALITY:
		po->quality = pv_parse_long(arg, "quality", 0, 63);
		break;
	case PV_O_SKEL:
		po->skeleton = arg;
		break;
	case PV_O_VIDEO:
		po->video = arg;
		break;
	default:
		tool_stdopt(c);
	}
}

long
pv_parse_long(const char *s, const char *what, long min, long max)
{
	uint64_t v = parse_count(s, what);

	if (v < (uint64_t)min || v > (uint64_t)max)
		usage_error("bad %s '%s' (want %ld to %ld)", what, s, min,
		    max);
	return (long)v;
}

void
pv_fps_fraction(double fps, int *num, int *den)
{
	static const int dens[] = { 1, 1001, 1000 };

	for (int i = 0; i < 3; i++) {
		double n = fps * dens[i];
		if (fabs(n - round(n)) < 1e-6 * dens[i] || i == 2) {
			*num = (int)round(n);
			*den = dens[i];
			return;
		}
	}
}

void
pv_remove_temps(void)
{
	mzv_enc_remove_temps();
}
