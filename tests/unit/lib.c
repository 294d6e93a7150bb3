/* lib.c - unit tests of libmz's helpers: number text, headers, history,
 * atomic files, threads, seeds and random streams. */
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mz.h"
#include "tap.h"

static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static void
test_numbers(void)
{
	mz_rng g;
	char buf[32];
	double v;
	int64_t iv;
	size_t bad = 0, badstrtod = 0;

	mz_rng_seed(&g, 42, 0);
	for (int i = 0; i < 200000; i++) {
		uint64_t bits = mz_rng_next(&g);
		double d;
		memcpy(&d, &bits, 8);
		if (isnan(d))
			continue;
		int n = mz_fmt_f64(d, buf);
		if (mz_parse_f64(buf, (size_t)n, &v) < 0 || !same_bits(v, d))
			bad++;
		if (!same_bits(strtod(buf, NULL), d))
			badstrtod++;
	}
	ok(bad == 0, "200000 random doubles: fmt then parse is bit-exact");
	ok(badstrtod == 0, "... and strtod reads the same text back exactly");

	/* Decimal texts: the fast path agrees with strtod bit for bit. */
	bad = 0;
	for (int i = 0; i < 200000; i++) {
		char s[64];
		int n = snprintf(s, sizeof(s), "%s%llu.%0*llue%d",
		    i & 1 ? "-" : "", (unsigned long long)(mz_rng_next(&g) %
		    100000000), (int)(mz_rng_next(&g) % 12 + 1),
		    (unsigned long long)(mz_rng_next(&g) % 1000000000000ULL),
		    (int)(mz_rng_next(&g) % 40) - 20);
		if (mz_parse_f64(s, (size_t)n, &v) < 0 ||
		    !same_bits(v, strtod(s, NULL)))
			bad++;
	}
	ok(bad == 0, "200000 decimal texts parse as strtod does");

	static const struct { const char *s; double v; } cases[] = {
		{ "0", 0 }, { "-0", -0.0 }, { "1e308", 1e308 },
		{ "5e-324", 5e-324 }, { "2.2250738585072014e-308",
		2.2250738585072014e-308 }, { "0.1", 0.1 },
		{ "123456789012345678901234567890", 1.2345678901234568e29 },
		{ "9007199254740993", 9007199254740992.0 },
		{ "inf", INFINITY }, { "-Infinity", -INFINITY },
		{ ".5", 0.5 }, { "5.", 5.0 }, { "+3", 3 }, { "1E2", 100 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(mz_parse_f64(cases[i].s, strlen(cases[i].s), &v) == 0 &&
		    same_bits(v, cases[i].v), "parse '%s'", cases[i].s);
	ok(mz_parse_f64("NaN", 3, &v) == 0 && isnan(v), "parse NaN");
	static const char *bads[] = { "", "-", ".", "e5", "1e", "1.2.3",
	    "abc", "1,5", " 1", "1 ", "0x10", "--1", "nanx" };
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		ok(mz_parse_f64(bads[i], strlen(bads[i]), &v) < 0,
		    "reject '%s' as a number", bads[i]);
	/* The parser honours len: digits after it are not read. */
	ok(mz_parse_f64("12345", 2, &v) == 0 && v == 12, "len bounds parse");

	ok(mz_parse_i64("-9223372036854775808", 20, &iv) == 0 &&
	    iv == INT64_MIN, "i64 min");
	ok(mz_parse_i64("9223372036854775807", 19, &iv) == 0 &&
	    iv == INT64_MAX, "i64 max");
	ok(mz_parse_i64("9223372036854775808", 19, &iv) < 0, "i64 overflow");
	ok(mz_parse_i64("1.0", 3, &iv) < 0, "i64 rejects a fraction");
	ok(mz_fmt_f64(-0.0, buf) == 2 && strcmp(buf, "-0") == 0, "fmt -0");
	ok(mz_fmt_f64(0.1, buf) && strcmp(buf, "0.1") == 0, "fmt 0.1");
	ok(mz_fmt_f64(1e300, buf) && strcmp(buf, "1e+300") == 0, "fmt 1e300");
	ok(mz_fmt_f64(-42, buf) && strcmp(buf, "-42") == 0, "fmt -42");
}

static void
test_header(void)
{
	mz_err e;
	mz_header *h = mz_header_new(), *c;
	char *json;

	ok(mz_header_add_column(h, "x", MZ_F64, "px", &e) == 0, "add x");
	ok(mz_header_add_column(h, "x", MZ_F32, NULL, &e) == -MZ_ESCHEMA,
	    "duplicate name refused: %s", e.msg);
	ok(mz_header_add_column(h, "", MZ_F32, NULL, &e) == -MZ_ESCHEMA,
	    "empty name refused");
	ok(mz_header_add_column(h, "a\tb", MZ_F32, NULL, &e) == -MZ_ESCHEMA,
	    "control character refused");
	ok(mz_header_add_column(h, "n", MZ_I32, NULL, &e) == 1, "add n");
	mz_meta_set(h, "fps", cJSON_CreateNumber(30), &e);
	mz_meta_set(h, "sequence", cJSON_CreateString("a/b"), &e);
	mz_meta_set(h, "fps", cJSON_CreateNumber(25), &e);
	ok(mz_meta_num(h, "fps", 0) == 25, "meta replace");
	json = mz_header_to_json(h);
	c = mz_header_from_json(json, strlen(json), "t", &e);
	ok(c != NULL && mz_header_same_columns(h, c) &&
	    strcmp(c->cols[0].unit, "px") == 0 &&
	    strcmp(mz_meta_str(c, "sequence"), "a/b") == 0,
	    "header JSON round trip");
	ok(strstr(json, "a\\/b") == NULL, "'/' is not escaped");
	mz_header_free(c);
	free(json);
	c = mz_header_copy(h);
	mz_header_rename(c, 0, "y", &e);
	mz_header_drop_column(c, 1);
	ok(c->ncols == 1 && strcmp(c->cols[0].name, "y") == 0 &&
	    strcmp(h->cols[0].name, "x") == 0, "copy, rename, drop");
	mz_header_free(c);
	mz_header_free(h);

	static const struct { const char *json, *msg; } bad[] = {
		{ "{", "not valid JSON" },
		{ "[]", "not a JSON object" },
		{ "{}", "no columns array" },
		{ "{\"columns\":[{\"name\":\"x\"}]}", "needs a name and a type" },
		{ "{\"columns\":[{\"name\":\"x\",\"type\":\"f16\"}]}",
		  "unknown type 'f16'" },
		{ "{\"columns\":[{\"name\":\"x\",\"type\":\"f64\"},"
		  "{\"name\":\"x\",\"type\":\"f64\"}]}", "duplicate column" },
		{ "{\"columns\":[],\"meta\":[]}", "meta is not an object" },
		{ "{\"columns\":[],\"processing\":\"XYZ\"}", "processing" },
		{ "{\"columns\":[]} x", "bytes after" },
		{ "{\"columns\":[],\"columns\":[]}", "repeated key" },
		{ "{\"columns\":[],\"meta\":{\"a\":[{\"b\":1,\"b\":2}]}}",
		  "repeated key" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = mz_header_from_json(bad[i].json, strlen(bad[i].json), "f",
		    &e);
		ok(c == NULL && e.code == MZ_EFORMAT &&
		    strstr(e.msg, bad[i].msg) != NULL, "bad header %s: %s",
		    bad[i].json, c ? "accepted" : e.msg);
		mz_header_free(c);
	}
	c = mz_header_from_json("{\"columns\":[]}\0", 15, "f", &e);
	ok(c == NULL && strstr(e.msg, "NUL"), "NUL in header refused");
}

static void
test_atomic(void)
{
	mz_err e;
	char dir[] = "/tmp/mz-atomic-XXXXXX", path[64], tmpl[64];
	struct stat st;

	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	mz_atomic *a = mz_atomic_open(path, &e);
	fputs("hello\n", mz_atomic_file(a));
	ok(stat(path, &st) != 0, "nothing at the final name before commit");
	ok(mz_atomic_commit(a, &e) == 0 && stat(path, &st) == 0 &&
	    st.st_size == 6, "commit renames into place");
	a = mz_atomic_open(path, &e);
	fputs("partial", mz_atomic_file(a));
	mz_atomic_abort(a);
	ok(stat(path, &st) == 0 && st.st_size == 6,
	    "abort leaves the old file alone");
	snprintf(tmpl, sizeof(tmpl), "rmdir %s 2>/dev/null", dir);
	unlink(path);
	ok(system(tmpl) == 0, "no temporary files are left behind");
	ok(mz_atomic_open("/nonexistent-dir/x", &e) == NULL &&
	    strstr(e.msg, "/nonexistent-dir/x") != NULL,
	    "unwritable directory: %s", e.msg);

	/* A writer closed with a part open fails and leaves no file. */
	snprintf(path, sizeof(path), "/tmp/mz-unit-open-%d.mzs", (int)getpid());
	mz_writer *w = mz_writer_open(path, NULL, &e);
	mz_header *h = mz_header_new();
	mz_header_add_column(h, "x", MZ_F64, NULL, &e);
	mz_writer_begin_part(w, h, &e);
	ok(mz_writer_close(w, &e) < 0 && stat(path, &st) != 0,
	    "close with an open part fails: %s", e.msg);
	mz_header_free(h);
	w = mz_writer_open("/dev/full", NULL, &e);
	ok(w != NULL && mz_writer_close(w, &e) == -MZ_EIO &&
	    strstr(e.msg, "/dev/full") != NULL, "/dev/full: %s", e.msg);
}

/* An item of the fork-join test: its index in, which thread ran it out. */
struct fj {
	int in, out;
	pthread_t by;
};

static void *
fj_body(void *arg)
{
	struct fj *f = arg;

	f->out = f->in * f->in;
	f->by = pthread_self();
	return NULL;
}

static void
test_misc(void)
{
	mz_err e;
	mz_rng a, b;
	uint64_t seed;
	double sum = 0;
	int same = 1;

	ok(mz_ncpu() >= 1, "ncpu %d", mz_ncpu());
	ok(mz_parse_threads("auto", &e) == mz_ncpu() &&
	    mz_parse_threads("0", &e) == mz_ncpu() &&
	    mz_parse_threads("3", &e) == 3, "threads");
	ok(mz_parse_threads("-1", &e) < 0 && mz_parse_threads("x", &e) < 0,
	    "bad threads refused: %s", e.msg);
	ok(mz_parse_seed("18446744073709551615", &seed, &e) == 0 &&
	    seed == UINT64_MAX, "seed max");
	ok(mz_parse_seed("-1", &seed, &e) < 0, "negative seed refused");
	mz_rng_seed(&a, 7, 3);
	mz_rng_seed(&b, 7, 3);
	for (int i = 0; i < 1000; i++)
		same &= mz_rng_next(&a) == mz_rng_next(&b);
	ok(same, "same seed and stream, same numbers");
	mz_rng_seed(&b, 7, 4);
	ok(mz_rng_next(&a) != mz_rng_next(&b), "streams differ");
	for (int i = 0; i < 100000; i++) {
		double u = mz_rng_uniform(&a);
		if (u < 0 || u >= 1)
			same = 0;
		sum += u;
	}
	/* Mean of 1e5 uniforms: sd 1/sqrt(12e5) = 0.00091; 5 sd. */
	ok(same && fabs(sum / 100000 - 0.5) < 0.0046, "uniform mean %.4f",
	    sum / 100000);
	{
		struct fj items[9];
		int all = 1, others = 0;

		for (int i = 0; i < 9; i++)
			items[i] = (struct fj){ i, -1, pthread_self() };
		mz_fork_join(fj_body, items, sizeof(items[0]), 9);
		for (int i = 0; i < 9; i++) {
			all &= items[i].out == i * i;
			others += !pthread_equal(items[i].by, pthread_self());
		}
		ok(all && pthread_equal(items[0].by, pthread_self()) &&
		    others >= 1, "mz_fork_join: 9 items run, item 0 here, "
		    "%d in other threads", others);
		items[0].out = -7;
		mz_fork_join(fj_body, items, sizeof(items[0]), 0);
		ok(items[0].out == -7, "mz_fork_join: no items, nothing run");
	}
	{
		/* mz_bigalloc: small blocks plain; from 1 MiB up aligned to
		 * 2 MiB and rounded up to a multiple of it. */
		unsigned char *a = mz_bigalloc(1000), *b, *c;
		size_t big = MZ_BIG_BYTES / 2 + 1;

		ok(a != NULL, "mz_bigalloc: a small block");
		memset(a, 7, 1000);
		b = mz_bigalloc(big);
		ok(b != NULL && ((uintptr_t)b & (MZ_BIG_BYTES - 1)) == 0 &&
		    malloc_usable_size(b) >= MZ_BIG_BYTES,
		    "mz_bigalloc: half a huge page + 1: aligned, a whole one");
		free(b);
		/* Growing a small block: contents kept, now aligned. */
		a = mz_bigrealloc(a, big);
		ok(a != NULL && ((uintptr_t)a & (MZ_BIG_BYTES - 1)) == 0 &&
		    a[0] == 7 && a[999] == 7,
		    "mz_bigrealloc: small to big keeps the contents");
		/* Within the rounded room: the same block. */
		c = mz_bigrealloc(a, MZ_BIG_BYTES);
		ok(c == a, "mz_bigrealloc: room already there, same block");
		c[MZ_BIG_BYTES - 1] = 9;
		/* Beyond it: a new block, contents kept. */
		big = malloc_usable_size(c) + 1;
		a = mz_bigrealloc(c, big);
		ok(a != NULL && a != c && a[0] == 7 &&
		    a[MZ_BIG_BYTES - 1] == 9 &&
		    ((uintptr_t)a & (MZ_BIG_BYTES - 1)) == 0 &&
		    malloc_usable_size(a) >= 2 * MZ_BIG_BYTES,
		    "mz_bigrealloc: past the room, a bigger block, contents kept");
		/* Back to small: an ordinary realloc. */
		a = mz_bigrealloc(a, 10);
		ok(a != NULL && a[0] == 7, "mz_bigrealloc: big to small");
		free(a);
		ok(mz_bigalloc(SIZE_MAX - 10) == NULL,
		    "mz_bigalloc: a size that cannot be rounded: NULL");
	}
	ok(mz_type_parse("u16") == MZ_U16 && mz_type_size(MZ_U16) == 2 &&
	    mz_type_parse("x") == MZ_NOTYPE, "type names");
	ok(strcmp(mz_strerror(-MZ_ECHECKSUM), "checksum mismatch") == 0,
	    "strerror");
}

int
main(void)
{
	test_numbers();
	test_header();
	test_atomic();
	test_misc();
	return done_testing();
}
