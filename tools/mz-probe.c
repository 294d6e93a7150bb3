/*
 * mz-probe - what a video file holds: size, pixel format, codec, frame
 * rates, duration, exact frame count, keyframe interval (see mz-probe(1)).
 *
 * Each file is opened with lib/video.c; unless -Q is given, every packet
 * of its video stream is read (not decoded) to count the frames exactly
 * and find the keyframes.  A file that cannot be probed is reported and
 * skipped; the exit status is then 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "mz_video.h"

#define SYNOPSIS "mz-probe [-jQq] file ..."

/* The CSV columns, in order (the JSON keys are the same). */
static const char *const cols[] = {
	"file", "container", "codec", "profile", "pix_fmt", "width", "height",
	"avg_frame_rate", "avg_fps", "r_frame_rate", "r_fps", "time_base",
	"duration", "start_time", "frames", "frames_source",
	"container_frames", "keyframes", "keyint_min", "keyint_max",
	"keyint_mean", "b_frames", "vfr", "bit_rate", NULL
};

/* source_name: the text of an enum mzv_count_source. */
static const char *
source_name(int s)
{
	switch (s) {
	case MZV_COUNT_CONTAINER:
		return "container";
	case MZV_COUNT_PACKETS:
		return "packets";
	default:
		return "unverified";
	}
}

/* shortest: the shortest %.Ng text of x that reads back as x, into
 * buf[64]. */
static void
shortest(char *buf, double x)
{
	int p;

	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(buf, 64, "%.0f", x);
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(buf, 64, "%.*g", p, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/*
 * values: the column values of in as strings, in cols order, into v (each
 * a buffer of 64 bytes, except file, container, codec, profile which
 * point into in).  quick: keyframe fields are empty.
 */
static void
values(const mzv_info *in, char v[][64], const char *p[])
{
	int i = 0;

	p[i++] = in->path;
	p[i++] = in->container;
	p[i++] = in->codec;
	p[i++] = in->profile;
	p[i++] = in->pix_fmt;
#define NUM(...) (snprintf(v[i], 64, __VA_ARGS__), p[i] = v[i], i++)
	NUM("%d", in->width);
	NUM("%d", in->height);
	NUM("%d/%d", in->avg_fps_num, in->avg_fps_den);
	shortest(v[i], in->avg_fps), p[i] = v[i], i++;
	NUM("%d/%d", in->r_fps_num, in->r_fps_den);
	shortest(v[i], in->r_fps), p[i] = v[i], i++;
	NUM("%d/%d", in->tb_num, in->tb_den);
	NUM("%.6f", in->duration);
	NUM("%.6f", in->start_time);
	NUM("%lld", (long long)in->frames);
	p[i++] = source_name(in->frames_source);
	NUM("%lld", (long long)in->container_frames);
	if (in->indexed) {
		NUM("%lld", (long long)in->keyframes);
		NUM("%d", in->keyint_min);
		NUM("%d", in->keyint_max);
		shortest(v[i], in->keyint_mean), p[i] = v[i], i++;
		NUM("%d", in->reordered);
		NUM("%d", in->vfr);
	} else {
		int k;
		for (k = 0; k < 6; k++)
			p[i++] = "";
	}
	NUM("%lld", (long long)in->bit_rate);
#undef NUM
}

/* is_number: 1 if column c holds a number (JSON output unquoted). */
static int
is_number(int c)
{
	const char *n = cols[c];
	return strcmp(n, "file") != 0 && strcmp(n, "container") != 0 &&
	    strcmp(n, "codec") != 0 && strcmp(n, "profile") != 0 &&
	    strcmp(n, "pix_fmt") != 0 && strcmp(n, "frames_source") != 0 &&
	    strstr(n, "_rate") == NULL && strcmp(n, "time_base") != 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'Q' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c, json = 0, quick = 0, status = 0, first = 1;
	cJSON *arr = NULL;

	tool_init("mz-probe", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "hjQq", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'Q':
			quick = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage_error("no video file given");
	if (json && (arr = cJSON_CreateArray()) == NULL)
		die("out of memory");
	for (int f = 0; f < argc; f++) {
		mzv_info in;
		mz_err e;
		char v[32][64];
		const char *p[32];

		if (mzv_probe(argv[f], &in, quick, &e) < 0) {
			fprintf(stderr, "%s: %s\n", prog, e.msg);
			status = 1;
			continue;
		}
		values(&in, v, p);
		if (json) {
			cJSON *o = cJSON_CreateObject();
			if (o == NULL)
				die("out of memory");
			for (int k = 0; cols[k] != NULL; k++) {
				cJSON *item;
				if (p[k][0] == '\0' && is_number(k))
					item = cJSON_CreateNull();
				else if (is_number(k))
					item = cJSON_CreateRaw(p[k]);
				else
					item = cJSON_CreateString(p[k]);
				jadd(o, cols[k], item);
			}
			jadd(arr, NULL, o);
			continue;
		}
		if (first) {
			for (int k = 0; cols[k] != NULL; k++)
				printf("%s%s", k ? "," : "", cols[k]);
			putchar('\n');
			first = 0;
		}
		for (int k = 0; cols[k] != NULL; k++) {
			if (k)
				putchar(',');
			csv_field(stdout, p[k]);
		}
		putchar('\n');
	}
	if (json) {
		char *s = cJSON_Print(arr);
		if (s == NULL)
			die("out of memory");
		if (cJSON_GetArraySize(arr) > 0 || status == 0)
			puts(s);
		free(s);
		cJSON_Delete(arr);
	}
	finish_stdout();
	return status;
}
