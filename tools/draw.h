/*
 * draw.h - drawing on RGB24 images for the video tools (mz-gridmovie,
 * mz-overlay): filled circles, lines of any width for skeleton edges, a
 * built-in 5x7 bitmap font for syllable numbers and labels, matplotlib's
 * analytic colour maps for bodyparts, and rotate-and-crop of a window
 * around a point with bilinear sampling.
 *
 * Library-like: nothing here prints or exits.  Images are borrowed: every
 * function draws into the pixels the caller's draw_img points at and clips
 * to the image, so any coordinates (also NaN or far outside) are safe; a
 * shape with a non-finite coordinate draws nothing.
 *
 * Coordinates are those of OpenCV (and so of keypoint-MoSeq's movies): the
 * centre of pixel (i, j) (column i, row j) is the point (i, j), x to the
 * right, y down.
 */
#ifndef MZ_TOOLS_DRAW_H
#define MZ_TOOLS_DRAW_H

#include <stddef.h>
#include <stdint.h>

/* An RGB24 image: h rows of w pixels of 3 bytes (r, g, b), rows stride
 * bytes apart (stride >= 3 w). */
typedef struct draw_img {
	uint8_t *px;
	int w, h;
	size_t stride;
} draw_img;

typedef struct draw_rgb {
	uint8_t r, g, b;
} draw_rgb;

/* draw_fill: set every pixel of im to c. */
void draw_fill(draw_img *im, draw_rgb c);

/*
 * draw_circle: a filled disc of radius r (> 0) centred on (cx, cy) in
 * colour c.  With aa, edge pixels are blended by the disc's coverage of
 * the pixel (estimated on a 4x4 grid of sub-samples); without, a pixel is
 * painted when its centre is within r.
 */
void draw_circle(draw_img *im, double cx, double cy, double r, draw_rgb c,
    int aa);

/*
 * draw_line: the segment from (x0, y0) to (x1, y1) drawn width pixels wide
 * (at least 1) with round ends: the pixels whose centres lie within
 * width / 2 of the segment, blended by coverage with aa as draw_circle.
 */
void draw_line(draw_img *im, double x0, double y0, double x1, double y1,
    double width, draw_rgb c, int aa);

/*
 * draw_rect: fill the pixels with x0 <= column < x1, y0 <= row < y1
 * (clipped) with c, blended with what is there by alpha (0..1; 1: opaque).
 */
void draw_rect(draw_img *im, int x0, int y0, int x1, int y1, draw_rgb c,
    double alpha);

/*
 * The font: 5x7 glyphs in 6x8 cells (one column and one row of space),
 * for the printable ASCII characters 32..126; other bytes are drawn as a
 * box.  scale (>= 1) multiplies every font pixel.
 * draw_text_width / draw_text_height: the size in pixels of s at scale.
 * draw_text: draw s with its cell's top left corner at (x, y); with bg
 * not NULL, the text's box (plus one scaled pixel of margin all round) is
 * first filled with *bg.  Returns the width drawn.
 */
enum { DRAW_GLYPH_W = 5, DRAW_GLYPH_H = 7, DRAW_CELL_W = 6, DRAW_CELL_H = 8 };
int draw_text_width(const char *s, int scale);
int draw_text_height(int scale);
int draw_text(draw_img *im, int x, int y, const char *s, int scale,
    draw_rgb fg, const draw_rgb *bg);

/*
 * Colour maps: draw_cmap_find returns the index of the map named name
 * (matplotlib's "autumn", "jet", "hsv", "cool", "spring", "summer",
 * "winter", "gray", "rainbow"), or -1; draw_cmap_names is their
 * comma-separated list.  draw_cmap(map, t) is the colour at t in [0, 1]
 * (clamped), each channel int(255 v) as keypoint-MoSeq converts matplotlib
 * colours; draw_cmap_k(map, k, n) is that of keypoint k of n, at t = k /
 * (n - 1) (t = 0 when n = 1), matplotlib's linspace(0, 1, n).
 */
int draw_cmap_find(const char *name);
const char *draw_cmap_names(void);
draw_rgb draw_cmap(int map, double t);
draw_rgb draw_cmap_k(int map, int k, int n);

/*
 * draw_parse_rgb: parse "r,g,b" (0..255 each) or "#rrggbb" into *c;
 * returns 0, or -1 when s is neither.
 */
int draw_parse_rgb(const char *s, draw_rgb *c);

/*
 * A similarity transform from a source image to a window: a point p of the
 * source maps to
 *
 *	q = scale * R(-angle) (p - centre) + (half_w, half_h)
 *
 * with R(a) = [[cos a, -sin a], [sin a, cos a]] acting on (x, y), so that
 * the direction angle (radians, atan2 of dy, dx in image axes) points to +x
 * of the window and centre lands at (half_w, half_h).  This is the matrix
 * keypoint-MoSeq gives cv2.warpAffine for grid movies (for scale 1 and
 * half = window / 2).
 */
typedef struct draw_xform {
	double cx, cy;       /* centre, source pixels */
	double angle;        /* radians */
	double scale;        /* window pixels per source pixel, > 0 */
	double half_w, half_h;
} draw_xform;

/* draw_xform_apply: q = T(p) for the point (x, y), into *qx, *qy. */
void draw_xform_apply(const draw_xform *t, double x, double y, double *qx,
    double *qy);

/*
 * draw_warp: fill dst with src seen through t: the destination pixel (i,
 * j) takes the source at T^-1(i, j), sampled bilinearly from the four
 * nearest source pixels; source pixels outside src count as fill (as
 * OpenCV's constant border), so the window's part outside the frame is
 * fill and its edge is blended.  src and dst must not overlap.
 */
void draw_warp(const draw_img *src, draw_img *dst, const draw_xform *t,
    draw_rgb fill);

/* draw_blit: copy src into dst with its top left pixel at (x, y),
 * clipped. */
void draw_blit(draw_img *dst, int x, int y, const draw_img *src);

#endif
