/*
 * dsconv.h - mz-convert --dataset: convert every raw track file a
 * dataset's tracks_raw index lists into standard tracks under its tracks
 * root, with one tracks/index.csv row per (group, sequence) (see
 * mz-convert(1), "Converting a dataset").
 */
#ifndef MZ_CONVERT_DSCONV_H
#define MZ_CONVERT_DSCONV_H

/*
 * conv_dataset_main: the whole run of "mz-convert --dataset DIR ...":
 * parses argv (its own options; synopsis is mz-convert's usage text),
 * converts, prints a summary and returns the exit status: 0 when every
 * entry was converted or already was, 1 when any failed (the others are
 * still converted), 2 (through usage_error) for bad options.  Each file is
 * converted by a child mz-convert process (this program, run again with
 * --from, --group, --sequence and -o), so that a file that fails to
 * convert ends only its child.
 */
int conv_dataset_main(int argc, char **argv, const char *synopsis);

#endif
