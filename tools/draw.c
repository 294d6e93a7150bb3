/*
 * draw.c - drawing on RGB24 images (see draw.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

/* The 5x7 font, printable ASCII 32..126: seven rows per glyph, top first,
 * bit 4 the leftmost column. */
static const uint8_t font5x7[95][7] = {
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },	/*   */
	{ 0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04 },	/* ! */
	{ 0x0a, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x00 },	/* " */
	{ 0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a },	/* # */
	{ 0x04, 0x0f, 0x14, 0x0e, 0x05, 0x1e, 0x04 },	/* $ */
	{ 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03 },	/* % */
	{ 0x0c, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0d },	/* & */
	{ 0x04, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00 },	/* ' */
	{ 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 },	/* ( */
	{ 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 },	/* ) */
	{ 0x00, 0x04, 0x15, 0x0e, 0x15, 0x04, 0x00 },	/* star */
	{ 0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00 },	/* + */
	{ 0x00, 0x00, 0x00, 0x00, 0x06, 0x04, 0x08 },	/* , */
	{ 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00 },	/* - */
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c },	/* . */
	{ 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00 },	/* / */
	{ 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e },	/* 0 */
	{ 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e },	/* 1 */
	{ 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f },	/* 2 */
	{ 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e },	/* 3 */
	{ 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 },	/* 4 */
	{ 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e },	/* 5 */
	{ 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e },	/* 6 */
	{ 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },	/* 7 */
	{ 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e },	/* 8 */
	{ 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c },	/* 9 */
	{ 0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00 },	/* : */
	{ 0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x04, 0x08 },	/* ; */
	{ 0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02 },	/* < */
	{ 0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00 },	/* = */
	{ 0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08 },	/* > */
	{ 0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04 },	/* ? */
	{ 0x0e, 0x11, 0x01, 0x0d, 0x15, 0x15, 0x0e },	/* @ */
	{ 0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 },	/* A */
	{ 0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e },	/* B */
	{ 0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e },	/* C */
	{ 0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c },	/* D */
	{ 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f },	/* E */
	{ 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10 },	/* F */
	{ 0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f },	/* G */
	{ 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 },	/* H */
	{ 0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e },	/* I */
	{ 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c },	/* J */
	{ 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 },	/* K */
	{ 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f },	/* L */
	{ 0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11 },	/* M */
	{ 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 },	/* N */
	{ 0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e },	/* O */
	{ 0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10 },	/* P */
	{ 0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d },	/* Q */
	{ 0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11 },	/* R */
	{ 0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e },	/* S */
	{ 0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 },	/* T */
	{ 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e },	/* U */
	{ 0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04 },	/* V */
	{ 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a },	/* W */
	{ 0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11 },	/* X */
	{ 0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04 },	/* Y */
	{ 0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f },	/* Z */
	{ 0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e },	/* [ */
	{ 0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00 },	/* backslash */
	{ 0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e },	/* ] */
	{ 0x04, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x00 },	/* ^ */
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f },	/* _ */
	{ 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00 },	/* ` */
	{ 0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f },	/* a */
	{ 0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1e },	/* b */
	{ 0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e },	/* c */
	{ 0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f },	/* d */
	{ 0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e },	/* e */
	{ 0x06, 0x09, 0x08, 0x1c, 0x08, 0x08, 0x08 },	/* f */
	{ 0x00, 0x0f, 0x11, 0x11, 0x0f, 0x01, 0x0e },	/* g */
	{ 0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11 },	/* h */
	{ 0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e },	/* i */
	{ 0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0c },	/* j */
	{ 0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12 },	/* k */
	{ 0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e },	/* l */
	{ 0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11 },	/* m */
	{ 0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11 },	/* n */
	{ 0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e },	/* o */
	{ 0x00, 0x00, 0x1e, 0x11, 0x1e, 0x10, 0x10 },	/* p */
	{ 0x00, 0x00, 0x0d, 0x13, 0x0f, 0x01, 0x01 },	/* q */
	{ 0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10 },	/* r */
	{ 0x00, 0x00, 0x0e, 0x10, 0x0e, 0x01, 0x1e },	/* s */
	{ 0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06 },	/* t */
	{ 0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d },	/* u */
	{ 0x00, 0x00, 0x11, 0x11, 0x11, 0x0a, 0x04 },	/* v */
	{ 0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0a },	/* w */
	{ 0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11 },	/* x */
	{ 0x00, 0x00, 0x11, 0x11, 0x0f, 0x01, 0x0e },	/* y */
	{ 0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f },	/* z */
	{ 0x02, 0x04, 0x04, 0x08, 0x04, 0x04, 0x02 },	/* { */
	{ 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 },	/* | */
	{ 0x08, 0x04, 0x04, 0x02, 0x04, 0x04, 0x08 },	/* } */
	{ 0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00 },	/* ~ */
};

/* The box drawn for bytes outside the font. */
static const uint8_t font_box[7] = { 0x1f, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x1f };

/* blend: mix colour c into pixel p with weight a in [0, 1] (rounded). */
static void
blend(uint8_t *p, draw_rgb c, double a)
{
	if (a >= 1) {
		p[0] = c.r;
		p[1] = c.g;
		p[2] = c.b;
		return;
	}
	if (!(a > 0))
		return;
	p[0] = (uint8_t)lround(p[0] + a * (c.r - p[0]));
	p[1] = (uint8_t)lround(p[1] + a * (c.g - p[1]));
	p[2] = (uint8_t)lround(p[2] + a * (c.b - p[2]));
}

/* pix: the address of pixel (x, y) of im, which must be inside. */
static uint8_t *
pix(const draw_img *im, int x, int y)
{
	return im->px + (size_t)y * im->stride + (size_t)x * 3;
}

void
draw_fill(draw_img *im, draw_rgb c)
{
	for (int y = 0; y < im->h; y++) {
		uint8_t *p = pix(im, 0, y);
		for (int x = 0; x < im->w; x++, p += 3) {
			p[0] = c.r;
			p[1] = c.g;
			p[2] = c.b;
		}
	}
}

/*
 * clip_box: the pixel range [*x0, *x1] x [*y0, *y1] covering the real box
 * [ax, bx] x [ay, by] (grown by one pixel), clipped to im; 0 if empty or
 * not finite.
 */
static int
clip_box(const draw_img *im, double ax, double ay, double bx, double by,
    int *x0, int *y0, int *x1, int *y1)
{
	if (!isfinite(ax) || !isfinite(ay) || !isfinite(bx) || !isfinite(by))
		return 0;
	ax = floor(ax) - 1;
	ay = floor(ay) - 1;
	bx = ceil(bx) + 1;
	by = ceil(by) + 1;
	if (bx < 0 || by < 0 || ax > im->w - 1 || ay > im->h - 1)
		return 0;
	*x0 = ax < 0 ? 0 : (int)ax;
	*y0 = ay < 0 ? 0 : (int)ay;
	*x1 = bx > im->w - 1 ? im->w - 1 : (int)bx;
	*y1 = by > im->h - 1 ? im->h - 1 : (int)by;
	return *x0 <= *x1 && *y0 <= *y1;
}

/*
 * seg_dist2: the squared distance from (px, py) to the segment from (ax,
 * ay) to (bx, by) (a point when they are equal).
 */
static double
seg_dist2(double px, double py, double ax, double ay, double bx, double by)
{
	double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;

	if (l2 > 0) {
		t = ((px - ax) * dx + (py - ay) * dy) / l2;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
	}
	dx = ax + t * dx - px;
	dy = ay + t * dy - py;
	return dx * dx + dy * dy;
}

/*
 * capsule: paint the pixels within r of the segment (ax, ay)-(bx, by) in
 * c; with aa, blend edge pixels by the fraction of 4x4 sub-samples within
 * r.  A pixel whose centre is farther than r + 1 is never touched.
 */
static void
capsule(draw_img *im, double ax, double ay, double bx, double by, double r,
    draw_rgb c, int aa)
{
	int x0, y0, x1, y1;
	double r2 = r * r, in2 = r > 0.75 ? (r - 0.75) * (r - 0.75) : -1,
	    out2 = (r + 0.75) * (r + 0.75);

	if (!(r > 0) || !clip_box(im, fmin(ax, bx) - r, fmin(ay, by) - r,
	    fmax(ax, bx) + r, fmax(ay, by) + r, &x0, &y0, &x1, &y1))
		return;
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++) {
			double d2 = seg_dist2(x, y, ax, ay, bx, by);
			int n = 0;

			if (!aa) {
				if (d2 <= r2)
					blend(pix(im, x, y), c, 1);
				continue;
			}
			/* Sub-samples lie within 0.375 * sqrt(2) < 0.75 of
			 * the centre: decide whole pixels first. */
			if (d2 <= in2) {
				blend(pix(im, x, y), c, 1);
				continue;
			}
			if (d2 > out2)
				continue;
			for (int sy = 0; sy < 4; sy++)
				for (int sx = 0; sx < 4; sx++)
					n += seg_dist2(x - 0.375 + 0.25 * sx,
					    y - 0.375 + 0.25 * sy, ax, ay, bx,
					    by) <= r2;
			blend(pix(im, x, y), c, n / 16.0);
		}
}

void
draw_circle(draw_img *im, double cx, double cy, double r, draw_rgb c,
    int aa)
{
	capsule(im, cx, cy, cx, cy, r, c, aa);
}

void
draw_line(draw_img *im, double x0, double y0, double x1, double y1,
    double width, draw_rgb c, int aa)
{
	capsule(im, x0, y0, x1, y1, (width < 1 ? 1 : width) / 2, c, aa);
}

void
draw_rect(draw_img *im, int x0, int y0, int x1, int y1, draw_rgb c,
    double alpha)
{
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > im->w ? im->w : x1;
	y1 = y1 > im->h ? im->h : y1;
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++)
			blend(pix(im, x, y), c, alpha);
}

/* ------------------------------------------------------------- the font */

int
draw_text_width(const char *s, int scale)
{
	size_t n = strlen(s);

	if (scale < 1)
		scale = 1;
	return n == 0 ? 0 : (int)n * DRAW_CELL_W * scale - scale;
}

int
draw_text_height(int scale)
{
	return DRAW_GLYPH_H * (scale < 1 ? 1 : scale);
}

int
draw_text(draw_img *im, int x, int y, const char *s, int scale,
    draw_rgb fg, const draw_rgb *bg)
{
	int w;

	if (scale < 1)
		scale = 1;
	w = draw_text_width(s, scale);
	if (bg != NULL && w > 0)
		draw_rect(im, x - scale, y - scale, x + w + scale,
		    y + draw_text_height(scale) + scale, *bg, 1);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++, x += DRAW_CELL_W * scale) {
		const uint8_t *g = *p >= 32 && *p < 127 ? font5x7[*p - 32] :
		    font_box;
		for (int row = 0; row < DRAW_GLYPH_H; row++)
			for (int col = 0; col < DRAW_GLYPH_W; col++)
				if (g[row] & (0x10 >> col))
					draw_rect(im, x + col * scale,
					    y + row * scale,
					    x + (col + 1) * scale,
					    y + (row + 1) * scale, fg, 1);
	}
	return w;
}

/* ------------------------------------------------------- colour maps */

/* A matplotlib segmented channel: (x, y) pairs, x increasing 0..1. */
struct seg {
	int n;
	double xy[10][2];
};

/* seg_eval: the piecewise-linear channel s at x. */
static double
seg_eval(const struct seg *s, double x)
{
	for (int i = 1; i < s->n; i++)
		if (x <= s->xy[i][0]) {
			double x0 = s->xy[i - 1][0], x1 = s->xy[i][0];
			double y0 = s->xy[i - 1][1], y1 = s->xy[i][1];
			return x1 > x0 ? y0 + (x - x0) / (x1 - x0) *
			    (y1 - y0) : y1;
		}
	return s->xy[s->n - 1][1];
}

/* jet and hsv, from matplotlib's _cm.py. */
static const struct seg jet[3] = {
	{ 5, { { 0, 0 }, { 0.35, 0 }, { 0.66, 1 }, { 0.89, 1 }, { 1, 0.5 } } },
	{ 6, { { 0, 0 }, { 0.125, 0 }, { 0.375, 1 }, { 0.64, 1 },
	    { 0.91, 0 }, { 1, 0 } } },
	{ 5, { { 0, 0.5 }, { 0.11, 1 }, { 0.34, 1 }, { 0.65, 0 }, { 1, 0 } } }
};
static const struct seg hsv[3] = {
	{ 10, { { 0, 1 }, { 0.158730, 1 }, { 0.174603, 0.968750 },
	    { 0.333333, 0.031250 }, { 0.349206, 0 }, { 0.666667, 0 },
	    { 0.682540, 0.031250 }, { 0.841270, 0.968750 },
	    { 0.857143, 1 }, { 1, 1 } } },
	{ 7, { { 0, 0 }, { 0.158730, 0.937500 }, { 0.174603, 1 },
	    { 0.507937, 1 }, { 0.666667, 0.062500 }, { 0.682540, 0 },
	    { 1, 0 } } },
	{ 8, { { 0, 0 }, { 0.333333, 0 }, { 0.349206, 0.062500 },
	    { 0.507937, 1 }, { 0.841270, 1 }, { 0.857143, 0.937500 },
	    { 1, 0.09375 } } }
};

static const char *const cmap_name[] = { "autumn", "jet", "hsv", "cool",
	"spring", "summer", "winter", "gray", "rainbow" };
enum { NCMAP = sizeof(cmap_name) / sizeof(cmap_name[0]) };

int
draw_cmap_find(const char *name)
{
	for (int i = 0; i < NCMAP; i++)
		if (strcmp(name, cmap_name[i]) == 0)
			return i;
	return -1;
}

const char *
draw_cmap_names(void)
{
	return "autumn, jet, hsv, cool, spring, summer, winter, gray, rainbow";
}

/* chan: a channel value in [0, 1] as keypoint-MoSeq makes it a byte. */
static uint8_t
chan(double v)
{
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	return (uint8_t)(v * 255);
}

draw_rgb
draw_cmap(int map, double t)
{
	double v[3], x;
	int i;

	/* matplotlib looks colours up in a 256-entry table sampled at
	 * i / 255, entry int(256 t) (the last for t = 1). */
	t = isnan(t) ? 0 : t;
	i = t <= 0 ? 0 : t >= 1 ? 255 : (int)(t * 256);
	i = i > 255 ? 255 : i;
	x = i / 255.0;
	switch (map) {
	case 1:
		for (int c = 0; c < 3; c++)
			v[c] = seg_eval(&jet[c], x);
		break;
	case 2:
		for (int c = 0; c < 3; c++)
			v[c] = seg_eval(&hsv[c], x);
		break;
	case 3:
		v[0] = x, v[1] = 1 - x, v[2] = 1;
		break;
	case 4:
		v[0] = 1, v[1] = x, v[2] = 1 - x;
		break;
	case 5:
		v[0] = x, v[1] = 0.5 + x / 2, v[2] = 0.4;
		break;
	case 6:
		v[0] = 0, v[1] = x, v[2] = 1 - x / 2;
		break;
	case 7:
		v[0] = v[1] = v[2] = x;
		break;
	case 8:
		v[0] = fabs(2 * x - 0.5);
		v[1] = sin(M_PI * x);
		v[2] = cos(M_PI * x / 2);
		break;
	default:
		v[0] = 1, v[1] = x, v[2] = 0;
	}
	return (draw_rgb){ chan(v[0]), chan(v[1]), chan(v[2]) };
}

draw_rgb
draw_cmap_k(int map, int k, int n)
{
	return draw_cmap(map, n > 1 ? (double)k / (n - 1) : 0);
}

int
draw_parse_rgb(const char *s, draw_rgb *c)
{
	unsigned v[3];
	int n = 0;
	char *end;

	if (s[0] == '#') {
		if (strlen(s) != 7 || strspn(s + 1, "0123456789abcdefABCDEF")
		    != 6)
			return -1;
		v[0] = (unsigned)strtoul(s + 1, NULL, 16);
		*c = (draw_rgb){ (uint8_t)(v[0] >> 16), (uint8_t)(v[0] >> 8),
			(uint8_t)v[0] };
		return 0;
	}
	for (const char *p = s;; p = end + 1) {
		unsigned long x;
		if (*p < '0' || *p > '9')
			return -1;
		x = strtoul(p, &end, 10);
		if (x > 255 || n == 3)
			return -1;
		v[n++] = (unsigned)x;
		if (*end == '\0')
			break;
		if (*end != ',')
			return -1;
	}
	if (n != 3)
		return -1;
	*c = (draw_rgb){ (uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2] };
	return 0;
}

/* --------------------------------------------------------------- warping */

void
draw_xform_apply(const draw_xform *t, double x, double y, double *qx,
    double *qy)
{
	double c = cos(t->angle), s = sin(t->angle);
	double dx = x - t->cx, dy = y - t->cy;

	*qx = t->scale * (c * dx + s * dy) + t->half_w;
	*qy = t->scale * (-s * dx + c * dy) + t->half_h;
}

void
draw_warp(const draw_img *src, draw_img *dst, const draw_xform *t,
    draw_rgb fill)
{
	double c = cos(t->angle) / t->scale, s = sin(t->angle) / t->scale;
	const uint8_t fc[3] = { fill.r, fill.g, fill.b };

	for (int j = 0; j < dst->h; j++) {
		uint8_t *q = pix(dst, 0, j);
		double v = j - t->half_h;
		for (int i = 0; i < dst->w; i++, q += 3) {
			double u = i - t->half_w;
			double px = t->cx + c * u - s * v;
			double py = t->cy + s * u + c * v;
			double fx, fy, w[4];
			const uint8_t *p[4];
			int x0, y0;

			if (!(px > -1 && py > -1 && px < src->w &&
			    py < src->h)) {
				memcpy(q, fc, 3);
				continue;
			}
			x0 = (int)floor(px);
			y0 = (int)floor(py);
			fx = px - x0;
			fy = py - y0;
			w[0] = (1 - fx) * (1 - fy);
			w[1] = fx * (1 - fy);
			w[2] = (1 - fx) * fy;
			w[3] = fx * fy;
			for (int k = 0; k < 4; k++) {
				int x = x0 + (k & 1), y = y0 + (k >> 1);
				p[k] = x >= 0 && y >= 0 && x < src->w &&
				    y < src->h ? pix(src, x, y) : fc;
			}
			for (int ch = 0; ch < 3; ch++) {
				double a = w[0] * p[0][ch] + w[1] * p[1][ch] +
				    w[2] * p[2][ch] + w[3] * p[3][ch];
				q[ch] = (uint8_t)(a + 0.5 > 255 ? 255 :
				    a + 0.5);
			}
		}
	}
}

void
draw_blit(draw_img *dst, int x, int y, const draw_img *src)
{
	int x0 = x < 0 ? -x : 0, y0 = y < 0 ? -y : 0;
	int x1 = src->w, y1 = src->h;

	if (x + x1 > dst->w)
		x1 = dst->w - x;
	if (y + y1 > dst->h)
		y1 = dst->h - y;
	if (x0 >= x1)
		return;
	for (int j = y0; j < y1; j++)
		memcpy(pix(dst, x + x0, y + j), pix(src, x0, j),
		    (size_t)(x1 - x0) * 3);
}
