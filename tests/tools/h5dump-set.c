/*
 * h5dump-set - test tool: run one of mz-convert's HDF5 readers (or the
 * pickle decoder) and print what it read, as text a test can compare.
 *
 *   h5dump-set [-k key] [-z] FORMAT FILE   FORMAT: dlc-h5, sleap-slp,
 *                                          sleap-h5, nwb, detect
 *   h5dump-set pickle FILE                 the decoded pickle in FILE
 *
 * Output for a set: "format F", "dims D", "fps X", "bodyparts a b ...",
 * "edges a-b ...", "meta JSON", then per sequence "seq NAME frames N" and
 * per individual "ind NAME nan N" (missing points) and, for every frame,
 * "F FRAME TIME x y [z] p ..." (%.17g).  Exit 1 with the reader's message
 * on stderr when it fails.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mz-convert/conv.h"
#include "mz-convert/pickle.h"

/* dump_pickle: print the pickle in path; 0 or 1. */
static int
dump_pickle(const char *path)
{
	static char buf[1 << 20];
	char msg[300], *rep;
	size_t n;
	FILE *f = fopen(path, "rb");
	pk_doc *doc;
	pk_value *v;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if ((v = pk_parse(buf, n, &doc, msg, sizeof msg)) == NULL) {
		fprintf(stderr, "h5dump-set: %s: %s\n", path, msg);
		return 1;
	}
	if ((rep = malloc(1 << 20)) == NULL)
		return 1;
	printf("%s\n", pk_repr(v, rep, 1 << 20));
	{
		double *a;
		size_t na;

		if (pk_ndarray(v, &a, &na, msg, sizeof msg) == 0) {
			printf("ndarray");
			for (size_t i = 0; i < na; i++)
				printf(" %.17g", a[i]);
			printf("\n");
			free(a);
		}
	}
	free(rep);
	pk_free(doc);
	return 0;
}

/* main: see the top of the file. */
int
main(int argc, char **argv)
{
	conv_opts o = { NULL, 0, 0, NULL, NULL };
	conv_read_fn rd = NULL;
	conv_set *s;
	mz_err err = { 0, "" };
	char *m;
	int c;

	while ((c = getopt(argc, argv, "k:z")) != -1) {
		if (c == 'k')
			o.key = optarg;
		else if (c == 'z')
			o.zero_missing = 1;
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: h5dump-set [-k key] [-z] format file\n");
		return 2;
	}
	if (strcmp(argv[optind], "pickle") == 0)
		return dump_pickle(argv[optind + 1]);
	if (strcmp(argv[optind], "detect") == 0) {
		const char *d = conv_h5_detect(argv[optind + 1]);

		printf("%s\n", d ? d : "none");
		return 0;
	}
	if (strcmp(argv[optind], "dlc-h5") == 0)
		rd = conv_read_dlc_h5;
	else if (strcmp(argv[optind], "sleap-slp") == 0)
		rd = conv_read_sleap_slp;
	else if (strcmp(argv[optind], "sleap-h5") == 0)
		rd = conv_read_sleap_h5;
	else if (strcmp(argv[optind], "nwb") == 0)
		rd = conv_read_nwb;
	else {
		fprintf(stderr, "h5dump-set: unknown format %s\n",
		    argv[optind]);
		return 2;
	}
	if (rd(argv[optind + 1], &o, &s, &err) < 0) {
		fprintf(stderr, "h5dump-set: %s\n", err.msg);
		return 1;
	}
	printf("format %s\ndims %d\nfps %.17g\nunits %s\nbodyparts", s->format,
	    s->dims, s->fps, s->units);
	for (size_t j = 0; j < s->nbp; j++)
		printf(" %s", s->bodyparts[j]);
	printf("\nedges");
	for (size_t j = 0; j < s->nedges; j++)
		printf(" %s-%s", s->bodyparts[s->edges[j][0]],
		    s->bodyparts[s->edges[j][1]]);
	m = s->meta ? cJSON_PrintUnformatted(s->meta) : NULL;
	printf("\nmeta %s\n", m ? m : "null");
	free(m);
	for (size_t i = 0; i < s->nseq; i++) {
		conv_seq *q = &s->seq[i];

		m = q->meta ? cJSON_PrintUnformatted(q->meta) : NULL;
		printf("seq %s frames %zu individuals %zu meta %s\n",
		    q->sequence, q->nframes, q->nind, m ? m : "null");
		free(m);
		for (size_t k = 0; k < q->nind; k++) {
			conv_ind *d = &q->ind[k];
			size_t nan = 0;

			for (size_t f = 0; f < q->nframes * s->nbp; f++)
				nan += isnan(d->x[f]) || isnan(d->y[f]);
			printf("ind %s nan %zu\n", d->name, nan);
			for (size_t f = 0; f < q->nframes; f++) {
				printf("F %lld %.17g", (long long)q->frame[f],
				    q->time ? q->time[f] : NAN);
				for (size_t j = 0; j < s->nbp; j++) {
					size_t a = f * s->nbp + j;

					printf(" %.17g %.17g", d->x[a], d->y[a]);
					if (d->z)
						printf(" %.17g", d->z[a]);
					printf(" %.17g", d->p[a]);
				}
				printf("\n");
			}
		}
	}
	conv_set_free(s);
	return 0;
}
