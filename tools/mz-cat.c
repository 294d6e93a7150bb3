/*
 * mz-cat - concatenate streams; convert streams to CSV, TSV or JSON lines
 * and CSV or TSV to streams (see mz-cat(1)).
 *
 * Three modes, chosen by the options:
 *
 *   stream -> stream   every part of every input, in order, to one output
 *                      stream.  Blocks are copied as stored (checksums are
 *                      still verified by the reader) unless -c asks for
 *                      another codec.
 *   stream -> text     --csv, --tsv, --jsonl: one text row per stream row,
 *                      written through a large buffer with hand-written
 *                      number formatting (no printf per value).
 *   text -> stream     --from csv|tsv, or any input not starting with the
 *                      mzs signature: the whole text is parsed into
 *                      8-byte cells per column (types are inferred over the
 *                      whole input, so it is held in memory: the text plus
 *                      8 bytes per cell), split into parts, and written.
 *
 * The CSV parser is hand-written rather than libcsv's: libcsv calls back
 * once per field through a byte-at-a-time state machine and copies every
 * field into its own buffer, and reaching 3x pandas.read_csv needs the
 * fields parsed in place, several chunks of the input in parallel threads
 * (which needs to know where rows start), and numbers converted without a
 * NUL-terminated copy (see parse_f64_fast).
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define SYNOPSIS \
	"mz-cat [-fq] [-c codec] [-o file] [file ...]\n" \
	"mz-cat --csv | --tsv | --jsonl [-q] [--header-per-part] " \
	"[--nan string] [--no-header] [--part-columns] [-o file] " \
	"[file ...]\n" \
	"mz-cat --from csv|tsv [-fq] [-c codec] [-j threads] " \
	"[-m key=value] [--meta-file file] [--nan string] [--split columns] " \
	"[-t types] [-o file] [file ...]\n"

static const unsigned char SIG[8] = { 0x89, 'M', 'Z', 'S', '\r', '\n',
	0x1a, '\n' };

enum { OUT_STREAM, OUT_CSV, OUT_TSV, OUT_JSONL };
enum { FROM_AUTO, FROM_CSV, FROM_TSV };

/* Everything the options decide. */
static struct {
	int out;               /* OUT_* */
	int from;              /* FROM_*: how inputs are read */
	int force, recode, codec;
	const char *outpath;
	int header_per_part, no_header, part_columns;
	const char *nan;       /* --nan, or NULL */
	const char *types;     /* --types as given, or NULL */
	const char *split;     /* --split as given, or NULL */
	int threads;
	cJSON *meta;           /* --meta-file then --meta, an object */
	mz_wopts wo;
} opt;

/* ================================================================ output */

/* A text output: a large buffer written with write(2) to fd. */
struct obuf {
	int fd;
	const char *name;
	char *buf;
	size_t len, cap;
};

static mz_atomic *text_atomic;   /* the -o file of a text output, if open */

/* abort_text: atexit handler; removes a text output's temporary file when
 * the tool dies before committing it. */
static void
abort_text(void)
{
	mz_atomic_abort(text_atomic);
	text_atomic = NULL;
}

/* ob_flush: write out the buffered bytes; dies on a write error. */
static void
ob_flush(struct obuf *o)
{
	const char *p = o->buf;
	size_t n = o->len;

	while (n > 0) {
		ssize_t k = write(o->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("%s:", o->name);
		p += k;
		n -= (size_t)k;
	}
	o->len = 0;
}

/* ob_room: a pointer to at least n free bytes at the end of the buffer
 * (n <= the capacity); the caller advances o->len by what it used. */
static inline char *
ob_room(struct obuf *o, size_t n)
{
	if (o->len + n > o->cap)
		ob_flush(o);
	return o->buf + o->len;
}

/* ob_put: append n bytes of s, of any length. */
static void
ob_put(struct obuf *o, const char *s, size_t n)
{
	while (n > 0) {
		size_t k;
		if (o->len == o->cap)
			ob_flush(o);
		k = o->cap - o->len < n ? o->cap - o->len : n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

/* ================================================================ numbers */

/* fmt_u64: decimal digits of v into p; returns the length (at most 20). */
static inline int
fmt_u64(uint64_t v, char *p)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* fmt_i64: v in decimal into p; returns the length (at most 20). */
static inline int
fmt_i64(int64_t v, char *p)
{
	if (v < 0) {
		*p = '-';
		return 1 + fmt_u64((uint64_t)0 - (uint64_t)v, p + 1);
	}
	return fmt_u64((uint64_t)v, p);
}

typedef unsigned __int128 u128;

/* pow10_128: 10^k for 0 <= k <= 38. */
static u128
pow10_128(int k)
{
	u128 p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

/*
 * fmt_f64: the text mz_fmt_f64 writes for v (the first of %.15g, %.16g,
 * %.17g that reads back as v; integers below 1e15 as integers), computed
 * with exact integer arithmetic when 1e-4 <= |v| < 1e14, which is where
 * %g writes no exponent and every quantity below fits in 128 bits; other
 * values go to mz_fmt_f64 itself.  Returns the length; buf holds 32 bytes.
 *
 * With v = m 2^-s (m the 53-bit significand), the N-digit decimal of %.Ng
 * is D 10^-k with D = m 10^k / 2^s rounded half to even (as printf rounds),
 * 10^(N-1) <= D < 10^N.  It reads back as v when it is within half an ulp:
 * |D 2^s - m 10^k| <= 10^k / 2 (a tie goes to the even significand), or a
 * quarter of 10^k below v when m = 2^52 (the ulp below is half as large).
 */
static int
fmt_f64(double v, char *buf)
{
	static u128 p10[40];
	static int init;
	double a = fabs(v);
	uint64_t bits, m;
	int e2, s, n = 0;
	char *p = buf;

	if (!(a >= 1e-4 && a < 1e14))
		return mz_fmt_f64(v, buf);
	if (a == (double)(int64_t)a)
		return fmt_i64((int64_t)v, buf);
	if (!init) {
		/* Benign if two threads race: both write the same values. */
		for (int i = 0; i < 40; i++)
			p10[i] = pow10_128(i);
		init = 1;
	}
	memcpy(&bits, &a, 8);
	e2 = (int)(bits >> 52);
	m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
	s = 1075 - e2;               /* a = m 2^-s, 1 <= s <= 66 here */
	if (v < 0)
		*p++ = '-';
	for (int N = 15; N <= 17; N++) {
		/* x = floor(log10 a) from a guess, made exact below. */
		int x = (int)floor(log10(a)), k;
		u128 X, q, r, half, D;
		for (;;) {
			k = N - 1 - x;
			X = (u128)m * p10[k];
			q = X >> s;
			if (q >= p10[N])
				x++;
			else if (q < p10[N - 1])
				x--;
			else
				break;
		}
		r = X - (q << s);
		half = (u128)1 << (s - 1);
		D = q + (r > half || (r == half && (q & 1)));
		if (N < 17) {
			u128 Ds = D << s, diff = Ds > X ? Ds - X : X - Ds;
			int ok = m == (UINT64_C(1) << 52) && Ds < X ?
			    4 * diff <= p10[k] :
			    2 * diff < p10[k] || (2 * diff == p10[k] && !(m & 1));
			if (!ok)
				continue;
		}
		if (D == p10[N]) {   /* rounded up to the next power of ten */
			D = p10[N - 1];
			x++;
		}
		/* The N digits of D; %g drops trailing zeros. */
		char dig[20];
		uint64_t d = (uint64_t)D;
		for (int i = N - 1; i >= 0; i--) {
			dig[i] = (char)('0' + d % 10);
			d /= 10;
		}
		int last = N - 1;
		while (last > 0 && dig[last] == '0' && last > x)
			last--;
		if (x >= 0) {
			memcpy(p, dig, (size_t)x + 1);
			p += x + 1;
			if (last > x) {
				*p++ = '.';
				memcpy(p, dig + x + 1, (size_t)(last - x));
				p += last - x;
			}
		} else {
			*p++ = '0';
			*p++ = '.';
			for (int i = 0; i < -x - 1; i++)
				*p++ = '0';
			memcpy(p, dig, (size_t)last + 1);
			p += last + 1;
		}
		n = (int)(p - buf);
		break;
	}
	return n;
}

/*
 * fmt_f32: the shortest decimal that reads back (with strtof) as exactly v,
 * in the style of mz_fmt_f64: integers below 1e15 as integers, else the
 * first of %.1g .. %.9g that reads back (9 digits always do).  %.Ng is the
 * correctly rounded N-digit decimal, so the first that reads back is the
 * shortest one, nearest to v.  For a normal float no decimal of 5 digits or
 * fewer can read back unless %.6g, with its trailing zeros dropped, is that
 * decimal (6-digit decimals are spaced wider than float precision), so the
 * search starts at 6 digits; for subnormals, whose precision is lower, at 1.
 * Returns the length; buf holds 32 bytes.
 */
static int
fmt_f32(float v, char *buf)
{
	if (isnan(v) || isinf(v) || v == 0)
		return mz_fmt_f64((double)v, buf);
	if (fabsf(v) < 1e15f && v == (float)(int64_t)v)
		return fmt_i64((int64_t)v, buf);
	for (int prec = fabsf(v) < FLT_MIN ? 1 : 6; prec <= 9; prec++) {
		int n = snprintf(buf, 32, "%.*g", prec, (double)v);
		if (prec == 9 || strtof(buf, NULL) == v)
			return n;
	}
	return 0; /* not reached */
}

/*
 * parse_f64_fast: parse s[0..len) as a decimal with at most 19 significant
 * digits and a power of ten within +-27, exactly; returns 0 and sets *v,
 * or -1 when the text is something else (the caller then uses
 * mz_parse_f64, which is exact for everything but slower: most 17-digit
 * decimals, the shortest text of most doubles, are past its fast path).
 *
 * The significand m < 2^64 and 10^k (k <= 27, 5^27 < 2^64) are exact in
 * the x87 80-bit format, so m * 10^k or m / 10^k is one correctly rounded
 * operation to 64 significant bits.  Rounding that to the 53 bits of a
 * double gives the correctly rounded double unless the 64-bit result lies
 * exactly half way between two doubles (its low 11 bits are 10000000000):
 * every such midpoint is on the 64-bit grid, so one strictly between the
 * exact value and its 64-bit rounding would have been the nearer rounding.
 * Those rare midpoints are left to the exact path.
 */
static int
parse_f64_fast(const char *s, size_t len, double *v)
{
#if (defined(__x86_64__) || defined(__i386__)) && LDBL_MANT_DIG == 64
	static const long double p10[28] = {
		1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L,
		1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L,
		1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L
	};
	const char *p = s, *end = s + len;
	uint64_t m = 0;
	int neg = 0, ndig = 0, k = 0, any = 0;

	/* Digits, leading zeros included, are counted in ndig: more than 19
	 * (which might overflow m) go to the exact path. */
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < end && (unsigned)(*p - '0') <= 9; p++, ndig++)
		m = m * 10 + (uint64_t)(*p - '0');
	if (p < end && *p == '.') {
		const char *f = ++p;
		for (; p < end && (unsigned)(*p - '0') <= 9; p++)
			m = m * 10 + (uint64_t)(*p - '0');
		k = -(int)(p - f);
		ndig -= k;
	}
	if (ndig > 19)
		return -1;
	any = ndig > 0;
	if (!any)
		return -1;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, e = 0, edig = 0;
		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < end && (unsigned)(*p - '0') <= 9; p++, edig++)
			if (e < 10000)
				e = e * 10 + (*p - '0');
		if (!edig)
			return -1;
		k += eneg ? -e : e;
	}
	if (p != end)
		return -1;
	if (m == 0) {
		*v = neg ? -0.0 : 0.0;
		return 0;
	}
	if (k < -27 || k > 27)
		return -1;
	long double r = k >= 0 ? (long double)m * p10[k] :
	    (long double)m / p10[-k];
	uint64_t mant;
	memcpy(&mant, &r, 8);   /* the explicit 64-bit significand */
	if ((mant & 0x7ff) == 0x400)
		return -1;
	*v = neg ? -(double)r : (double)r;
	return 0;
#else
	(void)s;
	(void)len;
	(void)v;
	return -1;
#endif
}

/* parse_f64: s[0..len) as a number (exact); 0 or -1. */
static inline int
parse_f64(const char *s, size_t len, double *v)
{
	if (parse_f64_fast(s, len, v) == 0)
		return 0;
	return mz_parse_f64(s, len, v);
}

/*
 * parse_int: s[0..len) as a decimal integer (optional sign, digits) in the
 * range of int64; negative zero is not an integer (it is a float's -0).
 * Returns 0 and sets *v, or -1.
 */
static inline int
parse_int(const char *s, size_t len, int64_t *v)
{
	size_t i = 0;
	uint64_t m = 0;
	int neg = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return -1;
	if (len - i > 18) {
		if (mz_parse_i64(s, len, v) < 0 || (neg && *v == 0))
			return -1;
		return 0;
	}
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9)
			return -1;
		m = m * 10 + d;
	}
	if (neg && m == 0)
		return -1;
	*v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

/* parse_u64: s[0..len) as a non-negative decimal integer below 2^64. */
static int
parse_u64(const char *s, size_t len, uint64_t *v)
{
	size_t i = len > 0 && s[0] == '+';
	uint64_t m = 0;

	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9 || m > (UINT64_MAX - d) / 10)
			return -1;
		m = m * 10 + d;
	}
	*v = m;
	return 0;
}

/* ============================================================ stream in */

/*
 * An input, opened and classified: a stream (read through r) or text
 * (held whole in text[0..len), NUL-terminated).  A stream on a pipe whose
 * first bytes were read to classify it is fed to the reader through a
 * second pipe by a pump thread that writes those bytes first.
 */
struct input {
	const char *name;      /* as in messages: the path or "<stdin>" */
	int is_stream;
	mz_reader *r;
	char *text;
	size_t len;
	void *map;             /* text is in this mapping of maplen bytes */
	size_t maplen;
	struct pump *pump;     /* the pump, or NULL */
	pthread_t th;
};

struct pump {
	int in, out;
	unsigned char pre[8];
	size_t npre;
	int err;               /* errno of a failed read, else 0 */
};

/* write_fd: write n bytes to fd; 0 or -1 (errno set). */
static int
write_fd(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* pump_main: the pump thread: pre, then the rest of in, into out; closes
 * both.  SIGPIPE is blocked here, so a reader gone early ends the pump. */
static void *
pump_main(void *arg)
{
	struct pump *pp = arg;
	sigset_t set;
	char *buf = malloc(1 << 20);

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (buf == NULL)
		pp->err = ENOMEM;
	else if (write_fd(pp->out, pp->pre, pp->npre) == 0) {
		for (;;) {
			ssize_t k = read(pp->in, buf, 1 << 20);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				pp->err = errno;
			if (k <= 0 || write_fd(pp->out, buf, (size_t)k) < 0)
				break;
		}
	}
	free(buf);
	close(pp->out);
	close(pp->in);
	return NULL;
}

/* big_alloc: n bytes of zeroed memory with its pages already mapped in
 * (faulting them in one by one costs more than parsing them, measured);
 * dies when out of memory.  big_free releases it. */
static void *
big_alloc(size_t n)
{
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		die("out of memory");
	return p;
}

static void
big_free(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, n ? n : 1);
}

/* map_text: map the rest of the regular file fd (from its offset) as the
 * text of in; 0, or -1 if it cannot be mapped (the caller reads it). */
static int
map_text(struct input *in, int fd)
{
	struct stat st;
	off_t at = lseek(fd, 0, SEEK_CUR);
	void *m;

	if (at < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= at)
		return -1;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE |
	    MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	in->map = m;
	in->maplen = (size_t)st.st_size;
	in->text = (char *)m + at;
	in->len = (size_t)(st.st_size - at);
	return 0;
}

/* read_rest: append everything left on fd to the text of in, after the
 * npre bytes at pre; dies on a read error. */
static void
read_rest(struct input *in, int fd, const unsigned char *pre, size_t npre)
{
	struct stat st;
	size_t cap = 1 << 16;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	in->text = xmalloc(cap + npre + 1);
	if (npre > 0)
		memcpy(in->text, pre, npre);
	in->len = npre;
	for (;;) {
		ssize_t k;
		if (in->len + 1 >= cap) {
			cap *= 2;
			in->text = xrealloc(in->text, cap + 1);
		}
		k = read(fd, in->text + in->len, cap - in->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("%s:", in->name);
		if (k == 0)
			break;
		in->len += (size_t)k;
	}
	in->text[in->len] = '\0';
}

/*
 * open_input: open path ("-": standard input) and classify it: text when
 * --from is given, a stream when text is being written, else by its first
 * bytes (a stream if they are empty or a prefix of the mzs signature, text
 * otherwise).  Dies when it cannot be opened or read.
 */
static void
open_input(struct input *in, const char *path)
{
	int stdin_ = strcmp(path, "-") == 0;
	int fd = stdin_ ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	unsigned char pre[8];
	size_t npre = 0;
	struct stat st;
	int reg;
	mz_err e;

	memset(in, 0, sizeof(*in));
	in->name = stdin_ ? "<stdin>" : path;
	if (fd < 0)
		die("%s:", stdin_ ? "<stdin>" : path);
	reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (opt.from != FROM_AUTO) {
		if (map_text(in, fd) < 0)
			read_rest(in, fd, pre, 0);
		close(fd);
		return;
	}
	if (opt.out == OUT_STREAM) {
		if (reg) {
			off_t at = lseek(fd, 0, SEEK_CUR);
			ssize_t k = pread(fd, pre, sizeof(pre), at < 0 ? 0 : at);
			if (k < 0)
				die("%s:", in->name);
			npre = (size_t)k;
		} else {
			while (npre < sizeof(pre)) {
				ssize_t k = read(fd, pre + npre,
				    sizeof(pre) - npre);
				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0)
					die("%s:", in->name);
				if (k == 0)
					break;
				npre += (size_t)k;
			}
		}
		if (npre > 0 && memcmp(pre, SIG, npre) != 0) {
			if (!reg || map_text(in, fd) < 0)
				read_rest(in, fd, pre, reg ? 0 : npre);
			close(fd);
			/* Text has no NUL bytes; a damaged stream has many. */
			if (memchr(in->text, '\0', in->len < 4096 ? in->len :
			    4096) != NULL)
				die("%s: byte 0: not an mzs stream (bad "
				    "signature), nor CSV or TSV text (it has NUL "
				    "bytes)", in->name);
			return;
		}
	}
	in->is_stream = 1;
	if (npre > 0 && !reg) {
		struct pump *pp = xcalloc(1, sizeof(*pp));
		int pfd[2];
		if (pipe(pfd) < 0)
			die("pipe:");
		pp->in = fd;
		pp->out = pfd[1];
		memcpy(pp->pre, pre, npre);
		pp->npre = npre;
		if (pthread_create(&in->th, NULL, pump_main, pp) != 0)
			die("cannot start a thread");
		in->pump = pp;
		fd = pfd[0];
	}
	if ((in->r = mz_reader_fdopen(fd, in->name, &e)) == NULL)
		die_err(&e);
}

/* close_input: release in (a stream's reader, its pump, or the text). */
static void
close_input(struct input *in)
{
	mz_reader_close(in->r);
	if (in->pump != NULL) {
		pthread_join(in->th, NULL);
		if (in->pump->err)
			die("%s: %s", in->name, strerror(in->pump->err));
		free(in->pump);
	}
	if (in->map != NULL)
		munmap(in->map, in->maplen);
	else
		free(in->text);
	in->text = NULL;
	in->map = NULL;
	in->r = NULL;
}

/* block_codecs_are: 1 if every column of the block last read from r is
 * stored with codec. */
static int
block_codecs_are(const mz_reader *r, size_t ncols, int codec)
{
	for (size_t j = 0; j < ncols; j++)
		if (mz_reader_block_codec(r, j) != codec)
			return 0;
	return 1;
}

/* out_codec: the codec the output writer will use (o->codec with AUTO
 * resolved as mz_writer_open does: shuffle for a regular file, else raw). */
static int
out_codec(void)
{
	struct stat st;
	int reg;

	if (opt.codec != MZ_CODEC_AUTO)
		return opt.codec;
	if (opt.outpath && strcmp(opt.outpath, "-") != 0)
		reg = stat(opt.outpath, &st) != 0 || S_ISREG(st.st_mode);
	else
		reg = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	return reg ? MZ_CODEC_SHUFFLE : MZ_CODEC_RAW;
}

/*
 * copy_stream: every part of r to w, each with a history entry.  Blocks
 * are copied as stored, without decoding them, unless -c was given; then
 * a block is copied only if all its columns are stored with the output
 * codec, and decoded and re-encoded otherwise.
 */
static void
copy_stream(mz_reader *r, mz_writer *w)
{
	int target = opt.recode ? out_codec() : -1;
	unsigned char *none = NULL;
	size_t nonecap = 0;
	mz_block b;
	mz_err e;
	int rc;

	while ((rc = mz_reader_next_part(r, &e)) > 0) {
		mz_header *h = mz_header_copy(mz_reader_header(r));
		if (h == NULL)
			die("out of memory");
		history_add(h, opts_new());
		if (mz_writer_begin_part(w, h, &e) < 0)
			die_err(&e);
		if (!opt.recode) {
			if (h->ncols + 1 > nonecap) {
				nonecap = h->ncols + 1;
				none = xrealloc(none, nonecap);
			}
			memset(none, 0, nonecap);
			mz_reader_want(r, none);
		}
		mz_header_free(h);
		while ((rc = mz_reader_next_block(r, &b, &e)) > 0) {
			if (!opt.recode || block_codecs_are(r,
			    mz_reader_header(r)->ncols, target))
				rc = mz_writer_copy_block(w, r, &e);
			else
				rc = mz_writer_append(w, b.nrows,
				    (const void *const *)b.cols, &e);
			if (rc < 0)
				die_err(&e);
		}
		if (rc < 0 || mz_writer_end_part(w, &e) < 0)
			die_err(&e);
	}
	if (rc < 0)
		die_err(&e);
	free(none);
}

/* ============================================================== text out */

/* text_quote: s as one CSV/TSV field into a malloc'd string: quoted, with
 * quotes doubled, when it holds the separator, a quote, CR or LF. */
static char *
text_quote(const char *s, char sep)
{
	size_t n = strlen(s), q = 0;
	char *t, *p;

	for (size_t i = 0; i < n; i++)
		q += s[i] == '"';
	if (strchr(s, sep) == NULL && !q && strpbrk(s, "\r\n") == NULL)
		return xstrdup(s);
	p = t = xmalloc(n + q + 3);
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			*p++ = '"';
		*p++ = s[i];
	}
	*p++ = '"';
	*p = '\0';
	return t;
}

/* json_str: s as a JSON string (quoted, escaped), malloc'd. */
static char *
json_str(const char *s)
{
	cJSON *j = cJSON_CreateString(s);
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	if (t == NULL)
		die("out of memory");
	return t;
}

static const char *const partkeys[3] = { "group", "sequence", "individual" };

/* meta_text: the text of meta key k for --part-columns: a string as is, a
 * number by mz_fmt_f64, other JSON compact, absent: NULL.  malloc'd. */
static char *
meta_text(const mz_header *h, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h->meta, k);
	char num[32], *t;

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		mz_fmt_f64(v->valuedouble, num);
		return xstrdup(num);
	}
	if ((t = cJSON_PrintUnformatted(v)) == NULL)
		die("out of memory");
	return t;
}

/*
 * The text form of a part: lead[j] is written before value j of each row
 * (the separator, or the JSON key; lead[0] also carries the part columns
 * and the opening brace), tail after the last value.
 */
struct textfmt {
	size_t ncols;
	char **lead;
	size_t *leadlen;
	const char *tail;
	size_t taillen;
	char **names;          /* the header row's names (with part columns) */
	size_t nnames;
};

static void
textfmt_free(struct textfmt *t)
{
	for (size_t j = 0; j < t->ncols; j++)
		free(t->lead[j]);
	for (size_t j = 0; j < t->nnames; j++)
		free(t->names[j]);
	free(t->lead);
	free(t->leadlen);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

/* cat_str: append s to the malloc'd string *d. */
static void
cat_str(char **d, const char *s)
{
	size_t a = *d ? strlen(*d) : 0, b = strlen(s);

	*d = xrealloc(*d, a + b + 1);
	memcpy(*d + a, s, b + 1);
}

/* textfmt_make: the text form of part number part (for messages) with
 * header h. */
static void
textfmt_make(struct textfmt *t, const mz_header *h, const char *where,
    size_t part)
{
	char sep = opt.out == OUT_TSV ? '\t' : ',';
	size_t np = opt.part_columns ? 3 : 0;
	char sepstr[2] = { sep, 0 };

	t->ncols = h->ncols;
	t->lead = xcalloc(h->ncols + 1, sizeof(*t->lead));
	t->leadlen = xcalloc(h->ncols + 1, sizeof(*t->leadlen));
	t->nnames = np + h->ncols;
	t->names = xcalloc(t->nnames + 1, sizeof(*t->names));
	for (size_t k = 0; k < np; k++) {
		if (mz_header_find(h, partkeys[k]) >= 0)
			die("%s: part %zu: it has a column '%s', which "
			    "--part-columns would repeat", where,
			    part, partkeys[k]);
		t->names[k] = xstrdup(partkeys[k]);
	}
	for (size_t j = 0; j < h->ncols; j++)
		t->names[np + j] = xstrdup(h->cols[j].name);
	if (opt.out == OUT_JSONL) {
		char *first = xstrdup("{");
		for (size_t k = 0; k < np; k++) {
			char *ks = json_str(partkeys[k]);
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(h->meta,
			    partkeys[k]);
			char *vs = m == NULL ? xstrdup("null") :
			    cJSON_PrintUnformatted(m);
			if (vs == NULL)
				die("out of memory");
			cat_str(&first, ks);
			cat_str(&first, ":");
			cat_str(&first, vs);
			cat_str(&first, ",");
			free(ks);
			free(vs);
		}
		for (size_t j = 0; j < h->ncols; j++) {
			char *ks = json_str(h->cols[j].name);
			char *l = j == 0 ? first : xstrdup(",");
			cat_str(&l, ks);
			cat_str(&l, ":");
			t->lead[j] = l;
			free(ks);
		}
		if (h->ncols == 0)
			free(first);
		t->tail = "}\n";
	} else {
		char *first = NULL;
		cat_str(&first, "");
		for (size_t k = 0; k < np; k++) {
			char *v = meta_text(h, partkeys[k]);
			char *q = text_quote(v ? v : "", sep);
			cat_str(&first, q);
			cat_str(&first, sepstr);
			free(q);
			free(v);
		}
		for (size_t j = 0; j < h->ncols; j++)
			t->lead[j] = j == 0 ? first : xstrdup(sepstr);
		if (h->ncols == 0)
			free(first);
		t->tail = "\n";
	}
	for (size_t j = 0; j < h->ncols; j++)
		t->leadlen[j] = strlen(t->lead[j]);
	t->taillen = strlen(t->tail);
}

/* header_row: write the names of t as a CSV/TSV header row. */
static void
header_row(struct obuf *o, const struct textfmt *t)
{
	char sep = opt.out == OUT_TSV ? '\t' : ',';

	for (size_t j = 0; j < t->nnames; j++) {
		char *q = text_quote(t->names[j], sep);
		if (j > 0)
			ob_put(o, &sep, 1);
		ob_put(o, q, strlen(q));
		free(q);
	}
	ob_put(o, "\n", 1);
}

/* same_names: 1 if a and b name the same columns in the same order. */
static int
same_names(const struct textfmt *a, const struct textfmt *b)
{
	if (a->nnames != b->nnames)
		return 0;
	for (size_t j = 0; j < a->nnames; j++)
		if (strcmp(a->names[j], b->names[j]) != 0)
			return 0;
	return 1;
}

/* fmt_value: value i of column col (type t) as text into p (room for 64
 * bytes); returns the length.  NaN is opt.nan (CSV/TSV) or null (JSON);
 * infinities in JSON are 1e999 and -1e999 (which JSON readers take as
 * infinite). */
static inline size_t
fmt_value(const void *col, mz_type t, size_t i, char *p, const char *nan,
    size_t nanlen)
{
	double d;

	switch (t) {
	case MZ_I8: return (size_t)fmt_i64(((const int8_t *)col)[i], p);
	case MZ_U8: return (size_t)fmt_u64(((const uint8_t *)col)[i], p);
	case MZ_I16: return (size_t)fmt_i64(((const int16_t *)col)[i], p);
	case MZ_U16: return (size_t)fmt_u64(((const uint16_t *)col)[i], p);
	case MZ_I32: return (size_t)fmt_i64(((const int32_t *)col)[i], p);
	case MZ_U32: return (size_t)fmt_u64(((const uint32_t *)col)[i], p);
	case MZ_I64: return (size_t)fmt_i64(((const int64_t *)col)[i], p);
	case MZ_U64: return (size_t)fmt_u64(((const uint64_t *)col)[i], p);
	case MZ_F32: {
		float f = ((const float *)col)[i];
		if (isnan(f)) {
			memcpy(p, nan, nanlen);
			return nanlen;
		}
		if (isinf(f) && opt.out == OUT_JSONL)
			return (size_t)(f > 0 ? (memcpy(p, "1e999", 5), 5) :
			    (memcpy(p, "-1e999", 6), 6));
		return (size_t)fmt_f32(f, p);
	}
	case MZ_F64:
		d = ((const double *)col)[i];
		if (isnan(d)) {
			memcpy(p, nan, nanlen);
			return nanlen;
		}
		if (isinf(d) && opt.out == OUT_JSONL)
			return (size_t)(d > 0 ? (memcpy(p, "1e999", 5), 5) :
			    (memcpy(p, "-1e999", 6), 6));
		return (size_t)fmt_f64(d, p);
	default:
		return 0;
	}
}

/*
 * text_stream: write every part of in as text rows to o.  first holds the
 * text form of the first part written (its header row printed), or has
 * ncols == 0 and names == NULL before it; later parts are checked against
 * it unless --header-per-part.
 */
static void
text_stream(struct input *in, struct obuf *o, struct textfmt *first)
{
	const char *nan = opt.out == OUT_JSONL ? "null" :
	    opt.nan ? opt.nan : "";
	size_t nanlen = strlen(nan);
	mz_block b;
	mz_err e;
	int rc;

	if (nanlen > 64)
		die("--nan: at most 64 bytes");
	while ((rc = mz_reader_next_part(in->r, &e)) > 0) {
		const mz_header *h = mz_reader_header(in->r);
		struct textfmt tf = { 0 }, *t = &tf;
		textfmt_make(t, h, in->name, mz_reader_part_index(in->r));
		if (first->names == NULL) {
			*first = tf;
			t = first;
			if (opt.out != OUT_JSONL && !opt.no_header)
				header_row(o, t);
		} else if (opt.out != OUT_JSONL) {
			if (opt.header_per_part) {
				if (!opt.no_header)
					header_row(o, t);
			} else if (!same_names(first, t))
				die("%s: part %zu: parts with different schemas "
				    "(its columns differ from the first part's; "
				    "see --header-per-part)", in->name,
				    mz_reader_part_index(in->r));
		}
		while ((rc = mz_reader_next_block(in->r, &b, &e)) > 0) {
			for (size_t i = 0; i < b.nrows; i++) {
				for (size_t j = 0; j < h->ncols; j++) {
					size_t ll = t->leadlen[j];
					char *p = ob_room(o, ll + 64);
					if (ll > 64) {
						ob_put(o, t->lead[j], ll);
						p = ob_room(o, 64);
					} else {
						memcpy(p, t->lead[j], ll);
						o->len += ll;
						p += ll;
					}
					o->len += fmt_value(b.cols[j],
					    h->cols[j].type, i, p, nan, nanlen);
				}
				memcpy(ob_room(o, 2), t->tail, t->taillen);
				o->len += t->taillen;
			}
		}
		if (rc < 0)
			die_err(&e);
		if (t != first)
			textfmt_free(t);
	}
	if (rc < 0)
		die_err(&e);
}

/* ============================================================== text in */

/* One 8-byte cell of a column being parsed. */
union cell {
	int64_t i;
	uint64_t u;
	double d;
	float f;
};

/* A column of one chunk of the input. */
struct ccol {
	union cell *v;
	int isint;             /* inferred column: every cell so far an integer */
};

/* A run of rows with the same --split values, starting at row. */
struct seg {
	size_t row;            /* in the chunk, then in the whole input */
	char *key;             /* the split cells, each followed by NUL */
	size_t keylen;
};

/* A chunk of the input's rows, parsed by one thread. */
struct chunk {
	const char *p, *end;
	size_t rows, cap;
	uint64_t lines;        /* newlines consumed */
	struct ccol *cols;     /* one per output column */
	char *scratch;         /* an unquoted field */
	size_t scrcap;
	char *key;             /* the current row's split cells */
	size_t keylen, keycap;
	struct seg *segs;
	size_t nsegs, segcap;
	int failed;
	uint64_t eline;        /* 0-based line in the chunk */
	size_t ecol;           /* 0-based column */
	char emsg[320];
};

enum { K_INFER, K_GIVEN, K_SPLIT };

/* What all chunks share: the table's shape. */
struct table {
	const char *name;
	char sep;
	size_t nin;            /* columns in the text */
	char **names;          /* their names */
	int *kind;             /* K_* per text column */
	mz_type *type;         /* given type per text column (K_GIVEN) */
	int *outcol;           /* output column of a text column, or -1 */
	size_t nout;
	size_t nsplit;
};

/* chunk_fail: record the first error of ch at column j of the current
 * line; returns -1. */
static int
chunk_fail(struct chunk *ch, size_t j, const char *fmt, const char *s,
    size_t len)
{
	char cell[64];
	size_t n = len < 40 ? len : 40;

	for (size_t i = 0; i < n; i++)
		cell[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	cell[n] = '\0';
	ch->failed = 1;
	ch->eline = ch->lines;
	ch->ecol = j;
	snprintf(ch->emsg, sizeof(ch->emsg), fmt, cell, len > 40 ? "..." : "");
	return -1;
}

/* is_nan_text: 1 if the cell reads as a missing value: empty, nan (any
 * case, signed), NA, or the --nan string. */
static int
is_nan_text(const char *s, size_t len)
{
	double v;

	if (len == 0 || (len == 2 && s[0] == 'N' && s[1] == 'A'))
		return 1;
	if (opt.nan && strlen(opt.nan) == len && memcmp(opt.nan, s, len) == 0)
		return 1;
	return len <= 4 && (s[len - 1] | 0x20) == 'n' &&
	    mz_parse_f64(s, len, &v) == 0 && isnan(v);
}

/* int_range: 1 if v fits integer type t. */
static int
int_range(int64_t v, mz_type t)
{
	switch (t) {
	case MZ_I8: return v >= INT8_MIN && v <= INT8_MAX;
	case MZ_U8: return v >= 0 && v <= UINT8_MAX;
	case MZ_I16: return v >= INT16_MIN && v <= INT16_MAX;
	case MZ_U16: return v >= 0 && v <= UINT16_MAX;
	case MZ_I32: return v >= INT32_MIN && v <= INT32_MAX;
	case MZ_U32: return v >= 0 && v <= UINT32_MAX;
	case MZ_I64: return 1;
	default: return 0;
	}
}

/* col_to_float: turn the n integer cells of c into doubles. */
static void
col_to_float(struct ccol *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		c->v[i].d = (double)c->v[i].i;
	c->isint = 0;
}

/* cell: take the text s[0..len) of column j of the current row of ch. */
static inline int
cell(const struct table *tb, struct chunk *ch, size_t j, const char *s,
    size_t len)
{
	int k = tb->kind[j];
	size_t row = ch->rows;
	struct ccol *c;
	double d;
	int64_t iv;

	if (k == K_SPLIT) {
		if (ch->keylen + len + 1 > ch->keycap) {
			ch->keycap = 2 * (ch->keylen + len + 1);
			ch->key = xrealloc(ch->key, ch->keycap);
		}
		memcpy(ch->key + ch->keylen, s, len);
		ch->key[ch->keylen + len] = '\0';
		ch->keylen += len + 1;
		return 0;
	}
	c = &ch->cols[tb->outcol[j]];
	if (k == K_INFER) {
		if (opt.nan && is_nan_text(s, len)) {
			if (c->isint)
				col_to_float(c, row);
			c->v[row].d = NAN;
			return 0;
		}
		if (c->isint) {
			if (parse_int(s, len, &iv) == 0) {
				c->v[row].i = iv;
				return 0;
			}
			if (is_nan_text(s, len) || parse_f64(s, len, &d) == 0) {
				col_to_float(c, row);
				c->v[row].d = is_nan_text(s, len) ? NAN : d;
				return 0;
			}
		} else if (len > 0 && parse_f64_fast(s, len, &d) == 0) {
			c->v[row].d = d;
			return 0;
		} else if (is_nan_text(s, len)) {
			c->v[row].d = NAN;
			return 0;
		} else if (mz_parse_f64(s, len, &d) == 0) {
			c->v[row].d = d;
			return 0;
		}
		return chunk_fail(ch, j, "not a number: '%s%s'", s, len);
	}
	/* A given type. */
	switch (tb->type[j]) {
	case MZ_F64:
		if (is_nan_text(s, len))
			c->v[row].d = NAN;
		else if (parse_f64(s, len, &c->v[row].d) < 0)
			return chunk_fail(ch, j, "not a number: '%s%s'", s, len);
		return 0;
	case MZ_F32:
		if (is_nan_text(s, len))
			c->v[row].f = NAN;
		else {
			/* strtof on a NUL-terminated copy: decimal to float
			 * in one rounding (through double would round
			 * twice). */
			char tmp[64], *end;
			if (len >= sizeof(tmp) || parse_f64(s, len, &d) < 0)
				return chunk_fail(ch, j, "not a number: "
				    "'%s%s'", s, len);
			memcpy(tmp, s, len);
			tmp[len] = '\0';
			c->v[row].f = strtof(tmp, &end);
		}
		return 0;
	case MZ_U64:
		if (parse_u64(s, len, &c->v[row].u) < 0)
			return chunk_fail(ch, j, "not an integer in the range "
			    "of u64: '%s%s'", s, len);
		return 0;
	default:
		/* parse_int leaves -0 to floats; here it is 0. */
		if (parse_int(s, len, &iv) < 0 && (mz_parse_i64(s, len,
		    &iv) < 0 || iv != 0))
			return chunk_fail(ch, j, "not an integer: '%s%s'", s,
			    len);
		if (!int_range(iv, tb->type[j])) {
			char fmt[96];
			snprintf(fmt, sizeof(fmt), "not in the range of %s: "
			    "'%%s%%s'", mz_type_name(tb->type[j]));
			return chunk_fail(ch, j, fmt, s, len);
		}
		c->v[row].i = iv;
		return 0;
	}
}


/*
 * next_field: the field at *pp (before end): its text in *s, *len (an
 * unquoted copy in ch->scratch for a quoted field); *pp moves to the byte
 * after it (a separator, CR, LF, or end).  Returns 0, or -1 with the
 * error recorded for column j.
 */
static inline int
next_field(const struct table *tb, struct chunk *ch, const char **pp,
    const char *end, size_t j, const char **s, size_t *len)
{
	const char *p = *pp;
	char sep = tb->sep;

	if (p < end && *p == '"') {
		size_t n = 0;
		uint64_t l0 = ch->lines;
		p++;
		for (;;) {
			if (p >= end) {
				ch->lines = l0;   /* where the field starts */
				return chunk_fail(ch, j, "a quoted field has no "
				    "closing quote%s%s", "", 0);
			}
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"') {
					p++;
				} else {
					p++;
					break;
				}
			} else if (*p == '\n')
				ch->lines++;
			if (n + 1 >= ch->scrcap) {
				ch->scrcap = 2 * (n + 16);
				ch->scratch = xrealloc(ch->scratch, ch->scrcap);
			}
			ch->scratch[n++] = *p++;
		}
		if (p < end && *p != sep && *p != '\n' && *p != '\r')
			return chunk_fail(ch, j, "text after the closing quote "
			    "of a field%s%s", "", 0);
		*s = ch->scratch ? ch->scratch : "";
		*len = n;
	} else {
		const char *q = p;
		while (q < end && *q != sep && *q != '\n' && *q != '\r' &&
		    *q != '"')
			q++;
		if (q < end && *q == '"')
			return chunk_fail(ch, j, "a quote inside an unquoted "
			    "field: '%s%s'", p, (size_t)(q - p + 1));
		*s = p;
		*len = (size_t)(q - p);
		p = q;
	}
	*pp = p;
	return 0;
}

/* new_key: close the current row's split key: start a segment if it
 * differs from the last one's. */
static void
new_key(struct chunk *ch)
{
	struct seg *last = ch->nsegs ? &ch->segs[ch->nsegs - 1] : NULL;

	if (last && last->keylen == ch->keylen &&
	    memcmp(last->key, ch->key, ch->keylen) == 0)
		return;
	if (ch->nsegs == ch->segcap) {
		ch->segcap = ch->segcap ? 2 * ch->segcap : 16;
		ch->segs = xrealloc(ch->segs, ch->segcap * sizeof(*ch->segs));
	}
	last = &ch->segs[ch->nsegs++];
	last->row = ch->rows;
	last->keylen = ch->keylen;
	last->key = xmalloc(ch->keylen + 1);
	memcpy(last->key, ch->key, ch->keylen);
}

/* parse_chunk: parse the rows of ch (whole lines of text) into its columns.
 * Returns 0, or -1 with the error recorded in ch. */
static int
parse_chunk(const struct table *tb, struct chunk *ch)
{
	const char *p = ch->p, *end = ch->end;
	size_t nc = tb->nin;

	/* Rows are at most the line feeds plus one. */
	ch->cap = 1;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))); q++)
		ch->cap++;
	ch->cols = xcalloc(tb->nout + 1, sizeof(*ch->cols));
	for (size_t j = 0; j < tb->nout; j++) {
		ch->cols[j].isint = 1;
		ch->cols[j].v = big_alloc(ch->cap * sizeof(union cell));
	}
	while (p < end) {
		size_t j = 0;
		/* A blank line is a row of one empty field: in a table of
		 * more columns never a valid row, so skipped (as pandas
		 * does). */
		if (nc > 1 && (*p == '\n' || (*p == '\r' && p + 1 < end &&
		    p[1] == '\n'))) {
			p += *p == '\r' ? 2 : 1;
			ch->lines++;
			continue;
		}
		ch->keylen = 0;
		for (;;) {
			const char *s;
			size_t len;
			uint64_t fl = ch->lines;   /* the field's first line */
			if (next_field(tb, ch, &p, end, j, &s, &len) < 0)
				return -1;
			if (j >= nc) {
				char fmt[128];
				snprintf(fmt, sizeof(fmt), "extra field (the "
				    "header has %zu)%%s%%s", nc);
				return chunk_fail(ch, j, fmt, "", 0);
			}
			if (cell(tb, ch, j, s, len) < 0) {
				ch->eline = fl;
				return -1;
			}
			j++;
			if (p >= end)
				break;
			if (*p == tb->sep) {
				p++;
				continue;
			}
			if (*p == '\r') {
				if (p + 1 < end && p[1] == '\n') {
					p += 2;
					break;
				}
				return chunk_fail(ch, j - 1, "a carriage return "
				    "not followed by a line feed%s%s", "", 0);
			}
			p++;   /* '\n' */
			break;
		}
		if (j < nc) {
			char fmt[128];
			snprintf(fmt, sizeof(fmt), "missing field (the row has "
			    "%zu, the header %zu)%%s%%s", j, nc);
			return chunk_fail(ch, j, fmt, "", 0);
		}
		if (tb->nsplit)
			new_key(ch);
		ch->rows++;
		if (p[-1] == '\n')
			ch->lines++;
	}
	return 0;
}

/* free_chunk: release what parse_chunk allocated. */
static void
free_chunk(const struct table *tb, struct chunk *ch)
{
	if (ch->cols)
		for (size_t j = 0; j < tb->nout; j++)
			big_free(ch->cols[j].v, ch->cap * sizeof(union cell));
	for (size_t s = 0; s < ch->nsegs; s++)
		free(ch->segs[s].key);
	free(ch->cols);
	free(ch->segs);
	free(ch->scratch);
	free(ch->key);
}

/* split_list: split a comma-separated list into *n malloc'd strings. */
static char **
split_list(const char *s, size_t *n)
{
	char **v = NULL;
	const char *p = s;

	*n = 0;
	for (;;) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		char *t = xmalloc(len + 1);
		memcpy(t, p, len);
		t[len] = '\0';
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = t;
		if (q == NULL)
			break;
		p = q + 1;
	}
	return v;
}

/* key_value: the JSON value of a --split cell: null when empty, a number
 * when it is a finite number, else a string. */
static cJSON *
key_value(const char *s)
{
	double d;
	cJSON *v;

	if (*s == '\0')
		v = cJSON_CreateNull();
	else if (mz_parse_f64(s, strlen(s), &d) == 0 && isfinite(d))
		v = cJSON_CreateNumber(d);
	else
		v = cJSON_CreateString(s);
	if (v == NULL)
		die("out of memory");
	return v;
}

/* text_options: the history options of a text input (no file names). */
static cJSON *
text_options(char sep)
{
	cJSON *o = opts_new();

	opts_str(o, "from", sep == '\t' ? "tsv" : "csv");
	if (opt.types)
		opts_str(o, "types", opt.types);
	else if (cJSON_AddNullToObject(o, "types") == NULL)
		die("out of memory");
	if (opt.split)
		opts_str(o, "split", opt.split);
	else if (cJSON_AddNullToObject(o, "split") == NULL)
		die("out of memory");
	if (opt.nan)
		opts_str(o, "nan", opt.nan);
	else if (cJSON_AddNullToObject(o, "nan") == NULL)
		die("out of memory");
	return o;
}

/*
 * read_header: read the header row of in at *pp (after a byte order mark):
 * the separator (given, or for CSV a tab if the first line has tabs and no
 * commas) and the column names into tb; *pp moves to the first data line.
 * Returns the number of lines the header row takes.  Dies on bad text.
 */
static uint64_t
read_header(struct table *tb, const struct input *in, const char **pp,
    const char *end)
{
	const char *p = *pp;
	struct chunk hc = { 0 };

	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (p == end)
		die("%s: empty input (no header row)", in->name);
	if (opt.from == FROM_TSV)
		tb->sep = '\t';
	else if (opt.from == FROM_CSV)
		tb->sep = ',';
	else {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		tb->sep = memchr(p, '\t', n) && !memchr(p, ',', n) ? '\t' : ',';
	}
	for (;;) {
		const char *s;
		size_t len;
		if (next_field(tb, &hc, &p, end, tb->nin, &s, &len) < 0)
			die("%s: line %llu, column %zu: %s", in->name,
			    (unsigned long long)hc.lines + 1, tb->nin + 1,
			    hc.emsg);
		tb->names = xrealloc(tb->names, (tb->nin + 1) * sizeof(char *));
		tb->names[tb->nin] = xmalloc(len + 1);
		memcpy(tb->names[tb->nin], s, len);
		tb->names[tb->nin++][len] = '\0';
		if (p < end && *p == tb->sep) {
			p++;
			continue;
		}
		if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		else if (p < end && *p == '\r')
			die("%s: line %llu: a carriage return not followed by "
			    "a line feed", in->name,
			    (unsigned long long)hc.lines + 1);
		if (p < end)
			p++;
		break;
	}
	free(hc.scratch);
	*pp = p;
	return hc.lines + 1;
}

/* find_name: the index of the column named name in tb; dies naming the
 * option when there is none. */
static size_t
find_name(const struct table *tb, const char *name, const char *option)
{
	for (size_t j = 0; j < tb->nin; j++)
		if (strcmp(tb->names[j], name) == 0)
			return j;
	die("%s: %s: no column '%s' in the header row", tb->name, option,
	    name);
}

/*
 * column_kinds: the kind of each text column of tb (given by --types,
 * split by --split, or inferred), the given types, and the output column
 * of each (-1 for split columns).  Dies on a bad --types entry or a name
 * that is not in the header.
 */
static void
column_kinds(struct table *tb)
{
	size_t ntypes = 0, nsplits = 0;
	char **types = opt.types ? split_list(opt.types, &ntypes) : NULL;
	char **splits = opt.split ? split_list(opt.split, &nsplits) : NULL;

	tb->kind = xcalloc(tb->nin, sizeof(*tb->kind));
	tb->type = xcalloc(tb->nin, sizeof(*tb->type));
	tb->outcol = xcalloc(tb->nin, sizeof(*tb->outcol));
	for (size_t t = 0; t < ntypes; t++) {
		char *colon = strrchr(types[t], ':');
		mz_type ty = colon ? mz_type_parse(colon + 1) : MZ_NOTYPE;
		size_t j;
		if (colon == NULL || ty == MZ_NOTYPE)
			die("--types: bad entry '%s' (want name:type, type one "
			    "of f32 f64 i8 u8 i16 u16 i32 u32 i64 u64)",
			    types[t]);
		*colon = '\0';
		j = find_name(tb, types[t], "--types");
		tb->kind[j] = K_GIVEN;
		tb->type[j] = ty;
	}
	for (size_t s = 0; s < nsplits; s++) {
		size_t j = find_name(tb, splits[s], "--split");
		if (tb->kind[j] == K_GIVEN)
			die("%s: column '%s' is in both --split and --types",
			    tb->name, splits[s]);
		tb->kind[j] = K_SPLIT;
	}
	for (size_t j = 0; j < tb->nin; j++) {
		if (tb->kind[j] == K_SPLIT) {
			tb->outcol[j] = -1;
			tb->nsplit++;
		} else
			tb->outcol[j] = (int)tb->nout++;
	}
	for (size_t t = 0; t < ntypes; t++)
		free(types[t]);
	for (size_t s = 0; s < nsplits; s++)
		free(splits[s]);
	free(types);
	free(splits);
}

/* parse_thread: pthread entry: parse_chunk(arg[0], arg[1]). */
static void *
parse_thread(void *arg)
{
	void **a = arg;

	parse_chunk(a[0], a[1]);
	return NULL;
}

/*
 * parse_body: parse the data lines [body, end) into chunks, returned with
 * their count in *n.  The text is cut at line feeds into one chunk per
 * thread when it holds no double quote (so that every line feed ends a
 * row) and is at least 1 MiB; the chunks are parsed in parallel, each
 * independently, so the result does not depend on the number of threads.
 */
static struct chunk *
parse_body(const struct table *tb, const char *body, const char *end,
    size_t *n)
{
	size_t size = (size_t)(end - body), nch = 1;
	const char *at = body;
	struct chunk *ch;

	if (opt.threads > 1 && size >= (1 << 20) &&
	    memchr(body, '"', size) == NULL)
		nch = (size_t)opt.threads;
	ch = xcalloc(nch, sizeof(*ch));
	for (size_t c = 0; c < nch; c++) {
		const char *to = c + 1 == nch ? end : body + size / nch * (c + 1);
		if (to < at)
			to = at;
		if (to < end) {
			const char *nl = memchr(to, '\n', (size_t)(end - to));
			to = nl ? nl + 1 : end;
		}
		ch[c].p = at;
		ch[c].end = to;
		at = to;
	}
	if (nch == 1)
		parse_chunk(tb, &ch[0]);
	else {
		void *(*args)[2] = xcalloc(nch, sizeof(*args));
		for (size_t c = 0; c < nch; c++) {
			args[c][0] = (void *)tb;
			args[c][1] = &ch[c];
		}
		mz_fork_join(parse_thread, args, sizeof(*args), nch);
		free(args);
	}
	*n = nch;
	return ch;
}

/*
 * check_chunks: die with the first error of the chunks, by position (line
 * numbers count from firstline, the first data line); else return the
 * total number of rows.
 */
static size_t
check_chunks(const struct table *tb, const struct chunk *ch, size_t n,
    uint64_t firstline)
{
	uint64_t base = firstline;
	size_t total = 0;

	for (size_t c = 0; c < n; c++) {
		if (ch[c].failed) {
			size_t j = ch[c].ecol;
			unsigned long long line = base + ch[c].eline;
			if (j < tb->nin)
				die("%s: line %llu, column %zu (%s): %s",
				    tb->name, line, j + 1, tb->names[j],
				    ch[c].emsg);
			die("%s: line %llu, column %zu: %s", tb->name, line,
			    j + 1, ch[c].emsg);
		}
		base += ch[c].lines;
		total += ch[c].rows;
	}
	return total;
}

/* narrow: turn the n 8-byte cells of c into an array of type ty, in place
 * (ascending, each value lands at or before the cell it comes from). */
static void
narrow(struct ccol *c, size_t n, mz_type ty)
{
	for (size_t i = 0; i < n; i++) {
		switch (ty) {
		case MZ_I8: ((int8_t *)c->v)[i] = (int8_t)c->v[i].i; break;
		case MZ_U8: ((uint8_t *)c->v)[i] = (uint8_t)c->v[i].i; break;
		case MZ_I16: ((int16_t *)c->v)[i] = (int16_t)c->v[i].i; break;
		case MZ_U16: ((uint16_t *)c->v)[i] = (uint16_t)c->v[i].i; break;
		case MZ_I32: ((int32_t *)c->v)[i] = (int32_t)c->v[i].i; break;
		case MZ_U32: ((uint32_t *)c->v)[i] = (uint32_t)c->v[i].i; break;
		case MZ_F32: ((float *)c->v)[i] = c->v[i].f; break;
		default: return;   /* 8-byte types: as they are */
		}
	}
}

/*
 * set_types: the final type of each output column of h (whose columns were
 * added with a placeholder type): the given type, or i64 if every chunk
 * kept the column integer and it has cells, else f64; the chunks' cells
 * are converted to arrays of those types.
 */
static void
set_types(const struct table *tb, mz_header *h, struct chunk *ch, size_t n,
    size_t total)
{
	for (size_t j = 0; j < tb->nin; j++) {
		int oc = tb->outcol[j], isint = total > 0;
		mz_type ty;
		if (oc < 0)
			continue;
		for (size_t c = 0; c < n; c++)
			if (ch[c].rows > 0 && !ch[c].cols[oc].isint)
				isint = 0;
		ty = tb->kind[j] == K_GIVEN ? tb->type[j] : isint ? MZ_I64 :
		    MZ_F64;
		for (size_t c = 0; c < n; c++) {
			struct ccol *cc = &ch[c].cols[oc];
			if (tb->kind[j] == K_INFER && !isint && cc->isint)
				col_to_float(cc, ch[c].rows);
			narrow(cc, ch[c].rows, ty);
		}
		h->cols[oc].type = ty;
	}
}

/*
 * write_parts: write the rows of the chunks to w as parts with header h:
 * one per run of equal --split values (across chunks), with those values
 * in its metadata, or one part of all rows.
 */
static void
write_parts(const struct table *tb, const mz_header *h, struct chunk *ch,
    size_t n, size_t total, mz_writer *w)
{
	struct seg *segs = NULL;
	size_t nseg = 0, off = 0;
	const void **cols = xcalloc(tb->nout + 1, sizeof(*cols));
	mz_err e;

	for (size_t c = 0; c < n; c++) {
		for (size_t s = 0; s < ch[c].nsegs; s++) {
			struct seg *g = &ch[c].segs[s];
			if (nseg && segs[nseg - 1].keylen == g->keylen &&
			    memcmp(segs[nseg - 1].key, g->key, g->keylen) == 0)
				continue;
			segs = xrealloc(segs, (nseg + 1) * sizeof(*segs));
			segs[nseg] = *g;
			segs[nseg++].row = off + g->row;
		}
		off += ch[c].rows;
	}
	if (nseg == 0) {
		segs = xcalloc(1, sizeof(*segs));
		nseg = 1;
	}
	for (size_t s = 0; s < nseg; s++) {
		size_t from = segs[s].row, to = s + 1 < nseg ? segs[s + 1].row :
		    total, base = 0;
		mz_header *ph = mz_header_copy(h);
		const char *k = segs[s].key;
		if (ph == NULL)
			die("out of memory");
		for (size_t j = 0; k && j < tb->nin; j++) {
			if (tb->kind[j] != K_SPLIT)
				continue;
			if (mz_meta_set(ph, tb->names[j], key_value(k), &e) < 0)
				die_err(&e);
			k += strlen(k) + 1;
		}
		if (mz_writer_begin_part(w, ph, &e) < 0)
			die_err(&e);
		mz_header_free(ph);
		/* Rows [from, to) of the whole: [a, b) of chunk c. */
		for (size_t c = 0; c < n && base < to; c++) {
			size_t a = from > base ? from - base : 0;
			size_t b = to - base < ch[c].rows ? to - base :
			    ch[c].rows;
			if (a < b) {
				for (size_t j = 0; j < tb->nout; j++)
					cols[j] = (const char *)ch[c].cols[j].v +
					    a * mz_type_size(h->cols[j].type);
				if (mz_writer_append(w, b - a, cols, &e) < 0)
					die_err(&e);
			}
			base += ch[c].rows;
		}
		if (mz_writer_end_part(w, &e) < 0)
			die_err(&e);
	}
	free(segs);
	free(cols);
}

/*
 * text_to_stream: parse the text of in (CSV or TSV) and write it to w as
 * one part, or one part per run of equal --split values.
 */
static void
text_to_stream(struct input *in, mz_writer *w)
{
	const char *p = in->text, *end = in->text + in->len;
	struct table tb = { 0 };
	struct chunk *ch;
	size_t nch, total;
	uint64_t hlines;
	mz_header *h;
	mz_err e;

	tb.name = in->name;
	hlines = read_header(&tb, in, &p, end);
	column_kinds(&tb);
	/* The header, with the names checked before the body is parsed;
	 * types are set once the body is known. */
	if ((h = mz_header_new()) == NULL)
		die("out of memory");
	for (size_t j = 0; j < tb.nin; j++)
		if (tb.outcol[j] >= 0 && mz_header_add_column(h, tb.names[j],
		    MZ_F64, NULL, &e) < 0)
			die("%s: line 1, column %zu: %s", in->name, j + 1,
			    e.msg);
	if (opt.meta) {
		cJSON *m;
		cJSON_ArrayForEach(m, opt.meta) {
			cJSON *v = cJSON_Duplicate(m, 1);
			if (v == NULL || mz_meta_set(h, m->string, v, &e) < 0)
				die("out of memory");
		}
	}
	history_add(h, text_options(tb.sep));

	ch = parse_body(&tb, p, end, &nch);
	total = check_chunks(&tb, ch, nch, hlines + 1);
	set_types(&tb, h, ch, nch, total);
	write_parts(&tb, h, ch, nch, total, w);

	mz_header_free(h);
	for (size_t c = 0; c < nch; c++)
		free_chunk(&tb, &ch[c]);
	free(ch);
	for (size_t j = 0; j < tb.nin; j++)
		free(tb.names[j]);
	free(tb.names);
	free(tb.kind);
	free(tb.type);
	free(tb.outcol);
}

/* ================================================================ options */

/* meta_put: set key of the metadata options to v (taken over), in place
 * of an earlier value (keeping its position) or at the end. */
static void
meta_put(const char *key, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(opt.meta, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(opt.meta, key, v);
	else
		cJSON_AddItemToObject(opt.meta, key, v);
}

/* add_meta: --meta key=value: the value as JSON if it parses, else a
 * string. */
static void
add_meta(const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *key;
	cJSON *v;

	if (eq == NULL || eq == arg)
		usage_error("bad --meta '%s' (want key=value)", arg);
	key = xmalloc((size_t)(eq - arg) + 1);
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	v = cJSON_ParseWithOpts(eq + 1, NULL, 1);
	if (v == NULL && (v = cJSON_CreateString(eq + 1)) == NULL)
		die("out of memory");
	meta_put(key, v);
	free(key);
}

/* add_meta_file: --meta-file FILE: every key of the JSON object in FILE. */
static void
add_meta_file(const char *path)
{
	struct input in;
	cJSON *o, *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	memset(&in, 0, sizeof(in));
	in.name = path;
	if (fd < 0)
		die("%s:", path);
	read_rest(&in, fd, NULL, 0);
	close(fd);
	o = cJSON_ParseWithOpts(in.text, NULL, 1);
	if (o == NULL || !cJSON_IsObject(o))
		die("%s: not a JSON object", path);
	while ((m = o->child) != NULL) {
		cJSON_DetachItemViaPointer(o, m);
		meta_put(m->string, m);
	}
	cJSON_Delete(o);
	free(in.text);
}

enum {
	O_CSV = OPT_FIRST_TOOL_OPT, O_TSV, O_JSONL, O_FROM, O_META_FILE,
	O_SPLIT, O_NAN, O_NO_HEADER, O_HEADER_PER_PART, O_PART_COLUMNS
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "csv", no_argument, NULL, O_CSV },
		{ "force", no_argument, NULL, 'f' },
		{ "from", required_argument, NULL, O_FROM },
		{ "header-per-part", no_argument, NULL, O_HEADER_PER_PART },
		{ "jsonl", no_argument, NULL, O_JSONL },
		{ "meta", required_argument, NULL, 'm' },
		{ "meta-file", required_argument, NULL, O_META_FILE },
		{ "nan", required_argument, NULL, O_NAN },
		{ "no-header", no_argument, NULL, O_NO_HEADER },
		{ "output", required_argument, NULL, 'o' },
		{ "part-columns", no_argument, NULL, O_PART_COLUMNS },
		{ "split", required_argument, NULL, O_SPLIT },
		{ "threads", required_argument, NULL, 'j' },
		{ "tsv", no_argument, NULL, O_TSV },
		{ "types", required_argument, NULL, 't' },
		MZ_STD_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	int c, textonly = 0, streamonly = 0;
	mz_err e;

	tool_init("mz-cat", SYNOPSIS);
	opt.codec = MZ_CODEC_AUTO;
	opt.threads = mz_ncpu();
	if ((opt.meta = cJSON_CreateObject()) == NULL)
		die("out of memory");
	while ((c = getopt_long(argc, argv, "c:fhj:m:o:qt:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			opt.codec = parse_codec(optarg);
			opt.recode = 1;
			streamonly = 1;
			break;
		case 'f':
			opt.force = 1;
			streamonly = 1;
			break;
		case 'j':
			if ((opt.threads = mz_parse_threads(optarg, &e)) < 0)
				usage_error("bad thread count '%s'", optarg);
			textonly |= 2;
			break;
		case 'm':
			add_meta(optarg);
			textonly |= 2;
			break;
		case 'o':
			opt.outpath = optarg;
			break;
		case 't':
			opt.types = optarg;
			textonly |= 2;
			break;
		case O_CSV:
		case O_TSV:
		case O_JSONL:
			if (opt.out != OUT_STREAM)
				usage_error("--csv, --tsv and --jsonl exclude "
				    "each other");
			opt.out = c == O_CSV ? OUT_CSV : c == O_TSV ? OUT_TSV :
			    OUT_JSONL;
			break;
		case O_FROM:
			if (strcmp(optarg, "csv") == 0)
				opt.from = FROM_CSV;
			else if (strcmp(optarg, "tsv") == 0)
				opt.from = FROM_TSV;
			else
				usage_error("bad --from '%s' (want csv or tsv)",
				    optarg);
			break;
		case O_META_FILE:
			add_meta_file(optarg);
			textonly |= 2;
			break;
		case O_SPLIT:
			opt.split = optarg;
			textonly |= 2;
			break;
		case O_NAN:
			opt.nan = optarg;
			break;
		case O_NO_HEADER:
			opt.no_header = 1;
			textonly |= 1;
			break;
		case O_HEADER_PER_PART:
			opt.header_per_part = 1;
			textonly |= 1;
			break;
		case O_PART_COLUMNS:
			opt.part_columns = 1;
			textonly |= 1;
			break;
		default:
			tool_stdopt(c);
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.out != OUT_STREAM && opt.from != FROM_AUTO)
		usage_error("--from reads text: it excludes --csv, --tsv and "
		    "--jsonl");
	if (opt.out != OUT_STREAM && (streamonly || (textonly & 2)))
		usage_error("-c, -f, -j, -m, -t, --meta-file and --split are "
		    "for writing streams, not text");
	if (opt.out == OUT_STREAM && (textonly & 1))
		usage_error("--header-per-part, --no-header and "
		    "--part-columns need --csv, --tsv or --jsonl");
	if (opt.out == OUT_JSONL && opt.nan)
		usage_error("--nan is for CSV and TSV (JSON lines write null)");
	if (opt.nan && (strchr(opt.nan, ',') || strchr(opt.nan, '\t') ||
	    strchr(opt.nan, '"') || strpbrk(opt.nan, "\r\n")))
		usage_error("bad --nan '%s' (no separators, quotes or line "
		    "ends)", opt.nan);
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	check_inputs(argv, argc);
	opt.wo.codec = opt.codec;

	if (opt.out == OUT_STREAM) {
		mz_writer *w = out_writer(opt.outpath, opt.force, &opt.wo);
		for (int i = 0; i < argc; i++) {
			struct input in;
			open_input(&in, argv[i]);
			if (in.is_stream)
				copy_stream(in.r, w);
			else
				text_to_stream(&in, w);
			close_input(&in);
		}
		out_close(w);
	} else {
		struct obuf o = { STDOUT_FILENO, "<stdout>", NULL, 0, 1 << 20 };
		struct textfmt first = { 0 };
		if (opt.outpath && strcmp(opt.outpath, "-") != 0) {
			atexit(abort_text);
			if ((text_atomic = mz_atomic_open(opt.outpath,
			    &e)) == NULL)
				die_err(&e);
			o.fd = fileno(mz_atomic_file(text_atomic));
			o.name = opt.outpath;
		}
		o.buf = xmalloc(o.cap);
		for (int i = 0; i < argc; i++) {
			struct input in;
			open_input(&in, argv[i]);
			text_stream(&in, &o, &first);
			close_input(&in);
		}
		ob_flush(&o);
		free(o.buf);
		textfmt_free(&first);
		if (text_atomic != NULL) {
			mz_atomic *a = text_atomic;
			text_atomic = NULL;
			if (mz_atomic_commit(a, &e) < 0)
				die_err(&e);
		}
		finish_stdout();
	}
	cJSON_Delete(opt.meta);
	return 0;
}
