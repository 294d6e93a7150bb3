/*
 * mkvideo - write a synthetic test video with known content (lib/videnc.c),
 * for the tests and benchmarks of the video tools.
 *
 * Frame f of n shows:
 *   - an ID band (the top eighth, at least 8 rows): 16 blocks side by side,
 *     block b white (235) when bit b of f is set, else black (16), so any
 *     decoded frame says which frame it is (mkvideo-id below reads it);
 *   - below it, scene s = f * K / n (K scenes in equal runs): a background
 *     of horizontal stripes whose mean level (spread evenly over 30..220
 *     across the K scenes, in the order s * 7 mod K) and period depend on
 *     s, and a small square that moves with f, so frames of one scene are
 *     alike but not equal, and frames of different scenes differ a lot
 *     (for K not a multiple of 7).
 *
 * usage: mkvideo [-V] [-b bframes] [-c codec] [-g gop] [-k scenes]
 *                [-n frames] [-p pix_fmt] [-q quality] [-r fps[/den]]
 *                [-s WxH] [-t threads] -o file
 *   -V  variable frame rate: time base 1/1000 s, frame durations cycling
 *       40, 20, 60 ms (-r then only sets the nominal rate).
 *   Defaults: auto codec (libx264, else mpeg4), 64x48, 30 frames, 25 fps,
 *   the encoder's gop, no B-frames, 1 scene.
 *
 * Exit 0 on success; 1 (with a message) on failure; 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mz_videnc.h"

#define USAGE "usage: mkvideo [-V] [-b bframes] [-c codec] [-g gop] " \
	"[-k scenes] [-n frames] [-p pix_fmt] [-q quality] [-r fps[/den]] " \
	"[-s WxH] [-t threads] -o file\n"

/* usage: print the usage and exit 2. */
static void
usage(void)
{
	fputs(USAGE, stderr);
	exit(2);
}

/* num: a non-negative integer option argument, or a usage error. */
static long
num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < 0)
		usage();
	return v;
}

/*
 * draw: frame f of n (K scenes) into rgb (w x h, stride 3w).
 */
static void
draw(uint8_t *rgb, int w, int h, long f, long n, long K)
{
	int band = h / 8 < 8 ? 8 : h / 8;
	long s = f * K / n;
	/* Scene levels spread over 30..220, visited in a shuffled order so
	 * that neighbouring scenes are not the most alike. */
	long lv = K > 1 ? (s * 7 % K) * 190 / (K - 1) : 100;
	int period = 6 + (int)(s % 4) * 5;
	int sq = h / 10 < 3 ? 3 : h / 10;
	int sx = (int)((f * 3) % (w - sq > 1 ? w - sq : 1));
	int sy = band + (int)((f * 2) % (h - band - sq > 1 ? h - band - sq : 1));
	int x, y;

	for (y = 0; y < h; y++) {
		uint8_t *row = rgb + (size_t)y * w * 3;
		for (x = 0; x < w; x++) {
			uint8_t r, g, b;
			if (y < band) {
				int bit = x * 16 / w;
				r = g = b = (f >> bit) & 1 ? 235 : 16;
			} else if (x >= sx && x < sx + sq && y >= sy &&
			    y < sy + sq) {
				r = 250;
				g = (uint8_t)(f * 5);
				b = 20;
			} else {
				int on = ((y - band) / period) & 1;
				int v = 30 + (int)lv + (on ? 12 : -12);
				r = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
				g = r;
				b = (uint8_t)(255 - r / 2);
			}
			row[3 * x] = r;
			row[3 * x + 1] = g;
			row[3 * x + 2] = b;
		}
	}
}

int
main(int argc, char **argv)
{
	mzv_encopts o = { 0 };
	const char *out = NULL;
	long w = 64, h = 48, n = 30, K = 1, fnum = 25, fden = 1, f;
	int vfr = 0, c;
	int64_t pts = 0;
	const int dur[3] = { 40, 20, 60 };
	mzv_encoder *e;
	uint8_t *rgb;
	mz_err err;
	char *p;

	o.bframes = 0;
	while ((c = getopt(argc, argv, "Vb:c:g:k:n:o:p:q:r:s:t:")) != -1) {
		switch (c) {
		case 'V': vfr = 1; break;
		case 'b': o.bframes = (int)num(optarg); break;
		case 'c': o.codec = optarg; break;
		case 'g': o.gop = (int)num(optarg); break;
		case 'k': K = num(optarg); break;
		case 'n': n = num(optarg); break;
		case 'o': out = optarg; break;
		case 'p': o.pix_fmt = optarg; break;
		case 'q': o.quality = (int)num(optarg); break;
		case 'r':
			fnum = strtol(optarg, &p, 10);
			if (*p == '/')
				fden = strtol(p + 1, &p, 10);
			if (*p != '\0' || fnum <= 0 || fden <= 0)
				usage();
			break;
		case 's':
			w = strtol(optarg, &p, 10);
			if (*p != 'x')
				usage();
			h = strtol(p + 1, &p, 10);
			if (*p != '\0' || w < 16 || h < 16)
				usage();
			break;
		case 't': o.threads = (int)num(optarg); break;
		default: usage();
		}
	}
	if (out == NULL || optind != argc || n < 1 || K < 1 || K > n ||
	    n > 65535)
		usage();
	if (vfr)
		o.timebase = 1000;
	e = mzv_enc_open(out, (int)w, (int)h, (int)fnum, (int)fden, &o, &err);
	if (e == NULL) {
		fprintf(stderr, "mkvideo: %s\n", err.msg);
		return 1;
	}
	rgb = malloc((size_t)w * h * 3);
	if (rgb == NULL) {
		mzv_enc_abort(e);
		fprintf(stderr, "mkvideo: out of memory\n");
		return 1;
	}
	for (f = 0; f < n; f++) {
		int rc;
		draw(rgb, (int)w, (int)h, f, n, K);
		if (vfr) {
			rc = mzv_enc_put_pts(e, rgb, (int)w * 3, pts, &err);
			pts += dur[f % 3];
		} else {
			rc = mzv_enc_put(e, rgb, (int)w * 3, &err);
		}
		if (rc < 0) {
			mzv_enc_abort(e);
			free(rgb);
			fprintf(stderr, "mkvideo: %s\n", err.msg);
			return 1;
		}
	}
	free(rgb);
	if (mzv_enc_close(e, &err) < 0) {
		fprintf(stderr, "mkvideo: %s\n", err.msg);
		return 1;
	}
	return 0;
}
