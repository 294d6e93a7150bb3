/*
 * mz-head - the first rows of each part, or the first parts, of streams
 * (see mz-head(1)).
 *
 * Blocks that fall wholly within the rows kept are copied as stored; the
 * block that crosses the limit is cut and re-encoded.  Reading stops as
 * soon as the output is complete: the rest of a part past its last kept
 * row is read (and verified) only to reach the next part, and nothing is
 * read after the last part kept.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-head [-fq] [-c codec] [-n rows] [-o file] [-p parts] [file ...]"

/*
 * head_part: write the current part of r to w with at most rows rows
 * (UINT64_MAX: all) and a history entry with opts.  Whole blocks are copied
 * as stored unless recode; the rest of the part is left unread.
 */
static void
head_part(mz_reader *r, mz_writer *w, uint64_t rows, const cJSON *opts,
    int recode)
{
	mz_header *h = mz_header_copy(mz_reader_header(r));
	cJSON *o = cJSON_Duplicate(opts, 1);
	uint64_t left = rows;
	mz_block b;
	mz_err e;
	int rc = 0;

	if (h == NULL || o == NULL)
		die("out of memory");
	history_add(h, o);
	if (mz_writer_begin_part(w, h, &e) < 0)
		die_err(&e);
	mz_header_free(h);
	while (left > 0 && (rc = mz_reader_next_block(r, &b, &e)) > 0) {
		size_t n = b.nrows <= left ? b.nrows : (size_t)left;
		if (n == b.nrows && !recode)
			rc = mz_writer_copy_block(w, r, &e);
		else
			rc = mz_writer_append(w, n, (const void *const *)b.cols,
			    &e);
		if (rc < 0)
			die_err(&e);
		left -= n;
	}
	if (rc < 0 || mz_writer_end_part(w, &e) < 0)
		die_err(&e);
}

/* opt_limit: set key of the history options to n, or to null when the
 * option was not given (no limit). */
static void
opt_limit(cJSON *opts, const char *key, int given, uint64_t n)
{
	if (given)
		opts_num(opts, key, (double)n);
	else if (cJSON_AddNullToObject(opts, key) == NULL)
		die("out of memory");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "parts", required_argument, NULL, 'p' },
		{ "rows", required_argument, NULL, 'n' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	mz_wopts wo = { MZ_CODEC_AUTO, 0, 0, 0 };
	uint64_t rows = 10, parts = 0, kept = 0;
	const char *outpath = NULL;
	int c, force = 0, recode = 0, nflag = 0, pflag = 0;
	mz_writer *w;
	cJSON *opts;
	mz_err e;

	tool_init("mz-head", SYNOPSIS);
	while ((c = getopt_long(argc, argv, "c:fhn:o:p:q", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			wo.codec = parse_codec(optarg);
			recode = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'n':
			rows = parse_count(optarg, "row count");
			nflag = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'p':
			parts = parse_count(optarg, "part count");
			pflag = 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	check_inputs(argv, argc);
	/* The default is 10 rows of each part; -p alone keeps all rows. */
	nflag |= !pflag;
	opts = opts_new();
	opt_limit(opts, "rows", nflag, rows);
	opt_limit(opts, "parts", pflag, parts);

	w = out_writer(outpath, force, &wo);
	for (int i = 0; i < argc && (!pflag || kept < parts); i++) {
		mz_reader *r = mz_reader_open(argv[i], &e);
		int rc = 0;

		if (r == NULL)
			die_err(&e);
		while ((!pflag || kept < parts) &&
		    (rc = mz_reader_next_part(r, &e)) > 0) {
			head_part(r, w, nflag ? rows : UINT64_MAX, opts,
			    recode);
			kept++;
		}
		if (rc < 0)
			die_err(&e);
		mz_reader_close(r);
	}
	cJSON_Delete(opts);
	out_close(w);
	return 0;
}
