/*
 * vcheck - library-level checks of lib/video.c and lib/videnc.c for the
 * tests and benchmarks (unit tests link only libmz, so these live here).
 *
 * usage:
 *   vcheck seek [-g] [-k keys] [-l limit] [-m samples] [-S seed] FILE
 *       Decode FILE sequentially (a fresh open, frames numbered by
 *       counting, no frame table), hash every RGB frame; then, on a second
 *       open, fetch frames by number with mzv_frame_at - the first 3, the
 *       last 5, `keys` keyframes spread over the video (default 20) with
 *       their neighbours, and `samples` random ones (default 60), in
 *       random order - plus, after
 *       each, the following frame with mzv_read; every hash must equal the
 *       sequential one.  Prints "frames N checked M mismatches K"; exit 1
 *       if K > 0 or the counts differ.  -g: hash GRAY8 (luma) frames,
 *       which is faster than RGB24.  -l: only the first `limit` frames
 *       are decoded and checked (the "last 5" are then the 5 before it).
 *   vcheck ids [-s] FILE [N ...]
 *       For a video from mkvideo: print "N ID" for the given frames (by
 *       seeking), or for every frame of a sequential decode (-s: by
 *       seeking to each in turn), where ID is the frame number read from
 *       the picture's ID band.
 *   vcheck raw [-g] [-a] [-c x,y,w,h] [-z WxH] FILE N
 *       Frame N as raw RGB24 (GRAY8 with -g) bytes on stdout, rows packed;
 *       -c crops, -z resizes (-a: area averaging, default bilinear).
 *   vcheck png [-g] FILE N OUT
 *       Frame N written as a PNG file with mzv_write_png.
 *   vcheck decode [-g | -n] FILE
 *       Decode every frame (converted to RGB24, GRAY8 with -g, not at all
 *       with -n: MZV_NOPIX); prints
 *       "frames N seconds S fps F".
 *   vcheck encode [-a] [-c codec] [-n frames] [-s WxH] FILE
 *       Write n (default 10) frames of a moving gradient with mzv_enc_*
 *       and print the encoder used and the frame count; -a aborts instead
 *       of closing (FILE must then not exist).
 *
 * Exit: 0 ok, 1 failure (message on stderr), 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mz_videnc.h"

/* usage: print the usage and exit 2. */
static void
usage(void)
{
	fputs("usage: vcheck seek|ids|raw|png|decode|encode ... "
	    "(see tests/tools/vcheck.c)\n", stderr);
	exit(2);
}

/* fail: print "vcheck: msg" and exit 1. */
static void
fail(const mz_err *e)
{
	fprintf(stderr, "vcheck: %s\n", e->msg);
	exit(1);
}

/* hash: FNV-1a 64 of the frame's pixels (row padding excluded). */
static uint64_t
hash(const mzv_frame *f)
{
	uint64_t h = 1469598103934665603ULL;
	int bpp = mzv_pixfmt_bpp(f->pixfmt), x, y;

	for (y = 0; y < f->height; y++) {
		const uint8_t *p = f->data + (size_t)y * f->stride;
		for (x = 0; x < f->width * bpp; x++) {
			h ^= p[x];
			h *= 1099511628211ULL;
		}
	}
	return h;
}

/* rnd: xorshift64 step. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* seek_cmd: see the usage above. */
static int
seek_cmd(int argc, char **argv)
{
	long samples = 60, keys = 20;
	int64_t limit = INT64_MAX, total;
	uint64_t seed = 42;
	char *iskey = NULL;
	mzv_output o = { 0 };
	mzv_video *v;
	const mzv_frame *f;
	const mzv_info *in;
	uint64_t *hs = NULL;
	int64_t n = 0, cap = 0, i, nt = 0, *todo, bad = 0, checked = 0;
	mz_err e;
	int c, rc;

	while ((c = getopt(argc, argv, "gk:l:m:S:")) != -1) {
		if (c == 'l')
			limit = atoll(optarg);
		else if (c == 'k')
			keys = atol(optarg);
		else if (c == 'g')
			o.pixfmt = MZV_GRAY8;
		else if (c == 'm')
			samples = atol(optarg);
		else if (c == 'S')
			seed = strtoull(optarg, NULL, 10) | 1;
		else
			usage();
	}
	if (optind != argc - 1)
		usage();
	if ((v = mzv_open(argv[optind], &e)) == NULL ||
	    mzv_set_output(v, &o, &e) < 0)
		fail(&e);
	while (n < limit && (rc = mzv_read(v, &f, &e)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			hs = realloc(hs, (size_t)cap * sizeof *hs);
			iskey = realloc(iskey, (size_t)cap);
			if (hs == NULL || iskey == NULL)
				return 1;
		}
		if (f->index != n) {
			fprintf(stderr, "vcheck: sequential frame %lld "
			    "numbered %lld\n", (long long)n,
			    (long long)f->index);
			return 1;
		}
		iskey[n] = (char)f->key;
		hs[n++] = hash(f);
	}
	if (n < limit && rc < 0)
		fail(&e);
	mzv_close(v);
	if ((v = mzv_open(argv[optind], &e)) == NULL ||
	    mzv_set_output(v, &o, &e) < 0)
		fail(&e);
	if (mzv_index(v, &e) < 0)
		fail(&e);
	in = mzv_get_info(v);
	total = in->frames;
	if (n == limit && in->frames > n) {
		/* Only the first `limit` frames are checked. */
	} else if (in->frames != n) {
		fprintf(stderr, "vcheck: index says %lld frames, sequential "
		    "decode gave %lld\n", (long long)in->frames,
		    (long long)n);
		return 1;
	}
	todo = malloc((size_t)(samples + 3 + 5 + 3 * keys) * sizeof *todo);
	if (todo == NULL)
		return 1;
	for (i = 0; i < 3 && i < n; i++)
		todo[nt++] = i;
	for (i = n - 5 < 0 ? 0 : n - 5; i < n; i++)
		todo[nt++] = i;
	for (i = 0; i < samples; i++)
		todo[nt++] = (int64_t)(rnd(&seed) % (uint64_t)n);
	/* Keyframes (from the sequential decode's flags) and neighbours:
	 * `keys` of them, spread over the video. */
	{
		int64_t nk = 0, k, step;
		for (k = 1; k < n; k++)
			nk += iskey[k];
		step = nk > keys && keys > 0 ? nk / keys : 1;
		for (k = 1, i = 0; k < n && keys > 0; k++) {
			if (!iskey[k] || i++ % step != 0 ||
			    nt + 3 > samples + 8 + 3 * keys)
				continue;
			todo[nt++] = k - 1;
			todo[nt++] = k;
			if (k + 1 < n)
				todo[nt++] = k + 1;
		}
	}
	/* Random order. */
	for (i = nt - 1; i > 0; i--) {
		int64_t j = (int64_t)(rnd(&seed) % (uint64_t)(i + 1));
		int64_t t = todo[i];
		todo[i] = todo[j];
		todo[j] = t;
	}
	for (i = 0; i < nt; i++) {
		int64_t k = todo[i];
		if (mzv_frame_at(v, k, &f, &e) < 0)
			fail(&e);
		checked++;
		if (f->index != k || hash(f) != hs[k]) {
			fprintf(stderr, "vcheck: frame %lld differs (got index "
			    "%lld)\n", (long long)k, (long long)f->index);
			bad++;
		}
		if (k + 1 < n && i % 4 == 0) {
			rc = mzv_read(v, &f, &e);
			if (rc < 0)
				fail(&e);
			checked++;
			if (rc == 0 || f->index != k + 1 ||
			    hash(f) != hs[k + 1]) {
				fprintf(stderr, "vcheck: frame %lld after %lld "
				    "differs\n", (long long)k + 1,
				    (long long)k);
				bad++;
			}
		}
	}
	printf("frames %lld checked %lld mismatches %lld\n", (long long)total,
	    (long long)checked, (long long)bad);
	free(todo);
	free(hs);
	free(iskey);
	mzv_close(v);
	return bad > 0;
}

/* frame_id: the number in mkvideo's ID band of an RGB24 frame. */
static long
frame_id(const mzv_frame *f)
{
	int band = f->height / 8 < 8 ? 8 : f->height / 8;
	long id = 0;
	int b;

	for (b = 0; b < 16; b++) {
		int x = (2 * b + 1) * f->width / 32;
		int y = band / 2;
		const uint8_t *p = f->data + (size_t)y * f->stride + 3 * x;
		if (p[1] > 128)
			id |= 1L << b;
	}
	return id;
}

/* ids_cmd: see the usage above. */
static int
ids_cmd(int argc, char **argv)
{
	mzv_video *v;
	const mzv_frame *f;
	mz_err e;
	int c, rc, seek = 0;
	int64_t i, n;

	while ((c = getopt(argc, argv, "s")) != -1) {
		if (c == 's')
			seek = 1;
		else
			usage();
	}
	if (optind >= argc)
		usage();
	if ((v = mzv_open(argv[optind], &e)) == NULL)
		fail(&e);
	if (optind + 1 < argc) {
		for (i = optind + 1; i < argc; i++) {
			if (mzv_frame_at(v, atoll(argv[i]), &f, &e) < 0)
				fail(&e);
			printf("%lld %ld\n", (long long)f->index, frame_id(f));
		}
	} else if (seek) {
		if ((n = mzv_frame_count(v, &e)) < 0)
			fail(&e);
		for (i = 0; i < n; i++) {
			if (mzv_frame_at(v, i, &f, &e) < 0)
				fail(&e);
			printf("%lld %ld\n", (long long)f->index, frame_id(f));
		}
	} else {
		while ((rc = mzv_read(v, &f, &e)) > 0)
			printf("%lld %ld\n", (long long)f->index, frame_id(f));
		if (rc < 0)
			fail(&e);
	}
	mzv_close(v);
	return 0;
}

/* get_frame: open file with output o and fetch frame n (dies on error). */
static mzv_video *
get_frame(const char *file, const mzv_output *o, int64_t n,
    const mzv_frame **f)
{
	mzv_video *v;
	mz_err e;

	if ((v = mzv_open(file, &e)) == NULL ||
	    mzv_set_output(v, o, &e) < 0 || mzv_frame_at(v, n, f, &e) < 0)
		fail(&e);
	return v;
}

/* raw_cmd: see the usage above. */
static int
raw_cmd(int argc, char **argv)
{
	mzv_output o = { 0 };
	mzv_video *v;
	const mzv_frame *f;
	int c, y;

	while ((c = getopt(argc, argv, "gac:z:")) != -1) {
		switch (c) {
		case 'g': o.pixfmt = MZV_GRAY8; break;
		case 'a': o.scaler = MZV_SCALE_AREA; break;
		case 'c':
			if (sscanf(optarg, "%d,%d,%d,%d", &o.crop_x, &o.crop_y,
			    &o.crop_w, &o.crop_h) != 4)
				usage();
			break;
		case 'z':
			if (sscanf(optarg, "%dx%d", &o.out_w, &o.out_h) != 2)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc - 2)
		usage();
	v = get_frame(argv[optind], &o, atoll(argv[optind + 1]), &f);
	for (y = 0; y < f->height; y++)
		fwrite(f->data + (size_t)y * f->stride, 1,
		    (size_t)f->width * mzv_pixfmt_bpp(f->pixfmt), stdout);
	mzv_close(v);
	return fflush(stdout) != 0;
}

/* png_cmd: see the usage above. */
static int
png_cmd(int argc, char **argv)
{
	mzv_output o = { 0 };
	mzv_video *v;
	const mzv_frame *f;
	mz_err e;
	int c;

	while ((c = getopt(argc, argv, "g")) != -1) {
		if (c == 'g')
			o.pixfmt = MZV_GRAY8;
		else
			usage();
	}
	if (optind != argc - 3)
		usage();
	v = get_frame(argv[optind], &o, atoll(argv[optind + 1]), &f);
	if (mzv_write_png(argv[optind + 2], f->data, f->width, f->height,
	    f->stride, f->pixfmt, &e) < 0)
		fail(&e);
	mzv_close(v);
	return 0;
}

/* decode_cmd: see the usage above. */
static int
decode_cmd(int argc, char **argv)
{
	mzv_output o = { 0 };
	mzv_video *v;
	const mzv_frame *f;
	struct timespec t0, t1;
	int64_t n = 0;
	mz_err e;
	int c, rc;
	double s;

	while ((c = getopt(argc, argv, "gn")) != -1) {
		if (c == 'g')
			o.pixfmt = MZV_GRAY8;
		else if (c == 'n')
			o.pixfmt = MZV_NOPIX;
		else
			usage();
	}
	if (optind != argc - 1)
		usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((v = mzv_open(argv[optind], &e)) == NULL ||
	    mzv_set_output(v, &o, &e) < 0)
		fail(&e);
	while ((rc = mzv_read(v, &f, &e)) > 0)
		n++;
	if (rc < 0)
		fail(&e);
	mzv_close(v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("frames %lld seconds %.3f fps %.1f\n", (long long)n, s,
	    s > 0 ? n / s : 0.0);
	return 0;
}

/*
 * encode_cmd: vcheck encode [-a] [-c codec] [-n frames] [-s WxH] FILE:
 * write n frames of a moving gradient with mzv_enc_*; -a aborts instead of
 * closing (the file must then not exist).  Prints the encoder used.
 */
static int
encode_cmd(int argc, char **argv)
{
	mzv_encopts o = { 0 };
	mzv_encoder *enc;
	mz_err e;
	int c, w = 64, h = 48, abort_ = 0, x, y;
	long n = 10, i;
	uint8_t *rgb;

	o.bframes = -1;
	while ((c = getopt(argc, argv, "ac:n:s:")) != -1) {
		switch (c) {
		case 'a': abort_ = 1; break;
		case 'c': o.codec = optarg; break;
		case 'n': n = atol(optarg); break;
		case 's':
			if (sscanf(optarg, "%dx%d", &w, &h) != 2)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if ((enc = mzv_enc_open(argv[optind], w, h, 25, 1, &o, &e)) == NULL)
		fail(&e);
	if ((rgb = malloc((size_t)w * h * 3)) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++) {
				uint8_t *p = rgb + ((size_t)y * w + x) * 3;
				p[0] = (uint8_t)(x * 4 + i);
				p[1] = (uint8_t)(y * 4);
				p[2] = (uint8_t)(i * 9);
			}
		if (mzv_enc_put(enc, rgb, w * 3, &e) < 0)
			fail(&e);
	}
	free(rgb);
	printf("%s %lld\n", mzv_enc_codec(enc), (long long)mzv_enc_frames(enc));
	if (abort_)
		mzv_enc_abort(enc);
	else if (mzv_enc_close(enc, &e) < 0)
		fail(&e);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "seek") == 0)
		return seek_cmd(argc, argv);
	if (strcmp(cmd, "ids") == 0)
		return ids_cmd(argc, argv);
	if (strcmp(cmd, "raw") == 0)
		return raw_cmd(argc, argv);
	if (strcmp(cmd, "png") == 0)
		return png_cmd(argc, argv);
	if (strcmp(cmd, "decode") == 0)
		return decode_cmd(argc, argv);
	if (strcmp(cmd, "encode") == 0)
		return encode_cmd(argc, argv);
	usage();
}
