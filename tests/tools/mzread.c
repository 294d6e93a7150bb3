/*
 * mzread - read streams and decode every column of every block, writing
 * nothing but the row count: libmz's decode throughput for make bench,
 * without the cost of writing an output.
 *
 * usage: mzread [file ...]   (no file: standard input)
 */
#include <stdio.h>

#include "mz.h"

int
main(int argc, char **argv)
{
	unsigned long long rows = 0;
	mz_block b;
	mz_err e;

	for (int i = 1; i < argc || (i == 1 && argc == 1); i++) {
		mz_reader *r = mz_reader_open(argc > 1 ? argv[i] : "-", &e);
		int rc = 0;

		while (r != NULL && (rc = mz_reader_next_part(r, &e)) > 0)
			while ((rc = mz_reader_next_block(r, &b, &e)) > 0)
				rows += b.nrows;
		if (r == NULL || rc < 0) {
			fprintf(stderr, "mzread: %s\n", e.msg);
			return 1;
		}
		mz_reader_close(r);
	}
	printf("%llu\n", rows);
	return 0;
}
