/*
 * pickle.c - a safe pickle decoder (see pickle.h): a stack machine over
 * the opcodes of protocols 0-5 that builds inert values and never calls,
 * imports or looks anything up.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"

#define MEMO_MAX ((size_t)1 << 20)

struct pk_doc {
	pk_value **all;    /* every value made, for pk_free */
	size_t nall, capall;
};

/* The parser's state. */
struct parser {
	const unsigned char *b;
	size_t len, pos, op;   /* op: offset of the current opcode */
	pk_doc *doc;
	pk_value **stack;
	size_t sp, scap;
	pk_value **memo;
	size_t nmemo, mcap;    /* memo slots in use: [0, nmemo) */
	char *err;
	size_t errlen;
	int failed;
};

/* fail: record "byte N: MESSAGE" (the first failure wins); returns
 * NULL. */
static void *
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (p->failed)
		return NULL;
	p->failed = 1;
	if (p->errlen == 0)
		return NULL;
	k = snprintf(p->err, p->errlen, "byte %zu: ", p->op);
	if (k < 0 || (size_t)k >= p->errlen)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return NULL;
}

/* newval: a new zeroed value of type t owned by p's doc; NULL (failure
 * recorded) when out of memory or past PK_MAX_VALUES. */
static pk_value *
newval(struct parser *p, pk_type t)
{
	pk_doc *d = p->doc;
	pk_value *v;

	if (d->nall >= PK_MAX_VALUES)
		return fail(p, "more than %zu values", PK_MAX_VALUES);
	if (d->nall == d->capall) {
		size_t cap = d->capall ? d->capall * 2 : 64;
		pk_value **a = realloc(d->all, cap * sizeof *a);

		if (a == NULL)
			return fail(p, "out of memory");
		d->all = a;
		d->capall = cap;
	}
	if ((v = calloc(1, sizeof *v)) == NULL)
		return fail(p, "out of memory");
	v->type = t;
	d->all[d->nall++] = v;
	return v;
}

/* additem: append item to container c's items, keeping c's depth;
 * -1 (failure recorded) when out of memory or too deep. */
static int
additem(struct parser *p, pk_value *c, pk_value *item)
{
	if (item->depth + 1 > c->depth)
		c->depth = item->depth + 1;
	if (c->depth > PK_MAX_DEPTH) {
		fail(p, "nesting deeper than %d", PK_MAX_DEPTH);
		return -1;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4;
		pk_value **a = realloc(c->v, cap * sizeof *a);

		if (a == NULL) {
			fail(p, "out of memory");
			return -1;
		}
		c->v = a;
		c->cap = cap;
	}
	c->v[c->n++] = item;
	return 0;
}

/* push: v onto the stack (NULL v: a failure already recorded). */
static int
push(struct parser *p, pk_value *v)
{
	if (v == NULL)
		return -1;
	if (p->sp == p->scap) {
		size_t cap = p->scap ? p->scap * 2 : 64;
		pk_value **a;

		if (cap > PK_MAX_VALUES) {
			fail(p, "stack deeper than %zu", PK_MAX_VALUES);
			return -1;
		}
		if ((a = realloc(p->stack, cap * sizeof *a)) == NULL) {
			fail(p, "out of memory");
			return -1;
		}
		p->stack = a;
		p->scap = cap;
	}
	p->stack[p->sp++] = v;
	return 0;
}

/* pop: the top of the stack (not a mark), or NULL (failure recorded). */
static pk_value *
pop(struct parser *p)
{
	if (p->sp == 0 || p->stack[p->sp - 1]->type == PK_MARK)
		return fail(p, "stack underflow");
	return p->stack[--p->sp];
}

/* top: the top of the stack without popping, or NULL (failure). */
static pk_value *
top(struct parser *p)
{
	if (p->sp == 0 || p->stack[p->sp - 1]->type == PK_MARK)
		return fail(p, "stack underflow");
	return p->stack[p->sp - 1];
}

/* marked: the stack index just above the topmost mark, or -1 (failure
 * recorded) when there is none. */
static long
marked(struct parser *p)
{
	for (size_t i = p->sp; i > 0; i--)
		if (p->stack[i - 1]->type == PK_MARK)
			return (long)i;
	fail(p, "no mark on the stack");
	return -1;
}

/* need: n more bytes are available at pos, else failure. */
static int
need(struct parser *p, size_t n)
{
	if (p->len - p->pos < n) {
		fail(p, "truncated pickle");
		return -1;
	}
	return 0;
}

/* getle: the n-byte little-endian unsigned integer at pos (advanced). */
static uint64_t
getle(struct parser *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p->b[p->pos + i] << (8 * i);
	p->pos += n;
	return v;
}

/* line: the text up to the next newline (pos moves past it), its length
 * in *n; NULL (failure) when there is none. */
static const char *
line(struct parser *p, size_t *n)
{
	const unsigned char *s = p->b + p->pos;
	const unsigned char *nl = memchr(s, '\n', p->len - p->pos);

	if (nl == NULL)
		return fail(p, "truncated pickle (no end of line)");
	*n = (size_t)(nl - s);
	p->pos += *n + 1;
	return (const char *)s;
}

/* strval: a new PK_STR or PK_BYTES value holding s[0..n). */
static pk_value *
strval(struct parser *p, pk_type t, const char *s, size_t n)
{
	pk_value *v = newval(p, t);

	if (v == NULL)
		return NULL;
	if ((v->s = malloc(n + 1)) == NULL)
		return fail(p, "out of memory");
	memcpy(v->s, s, n);
	v->s[n] = '\0';
	v->len = n;
	return v;
}

/* intval: a new PK_INT value. */
static pk_value *
intval(struct parser *p, int64_t i)
{
	pk_value *v = newval(p, PK_INT);

	if (v != NULL)
		v->i = i;
	return v;
}

/* put_utf8: the UTF-8 encoding of code point c at o (up to 4 bytes);
 * returns the byte count, 0 for an invalid code point. */
static size_t
put_utf8(unsigned long c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		if (c >= 0xD800 && c < 0xE000)
			return 0;
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	if (c < 0x110000) {
		o[0] = (char)(0xF0 | c >> 18);
		o[1] = (char)(0x80 | (c >> 12 & 0x3F));
		o[2] = (char)(0x80 | (c >> 6 & 0x3F));
		o[3] = (char)(0x80 | (c & 0x3F));
		return 4;
	}
	return 0;
}

/* hexval: the value of the n hex digits at s, or -1. */
static long
hexval(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* unicode_line: protocol 0's UNICODE argument (raw-unicode-escape: bytes
 * are Latin-1 code points, \uXXXX and \UXXXXXXXX escapes) as a PK_STR. */
static pk_value *
unicode_line(struct parser *p, const char *s, size_t n)
{
	char *o = malloc(n * 4 + 1);
	size_t k = 0, i = 0;
	pk_value *v;

	if (o == NULL)
		return fail(p, "out of memory");
	while (i < n) {
		unsigned long c = (unsigned char)s[i];
		size_t w;

		if (c == '\\' && i + 1 < n && (s[i + 1] == 'u' ||
		    s[i + 1] == 'U')) {
			size_t nd = s[i + 1] == 'u' ? 4 : 8;
			long h = i + 2 + nd <= n ? hexval(s + i + 2, nd) : -1;

			if (h < 0) {
				free(o);
				return fail(p, "bad \\u escape in UNICODE");
			}
			c = (unsigned long)h;
			i += 2 + nd;
		} else
			i++;
		if ((w = put_utf8(c, o + k)) == 0) {
			free(o);
			return fail(p, "bad code point in UNICODE");
		}
		k += w;
	}
	v = strval(p, PK_STR, o, k);
	free(o);
	return v;
}

/* string_line: protocol 0's STRING argument (a Python 2 str repr in
 * single or double quotes with backslash escapes) as a PK_STR. */
static pk_value *
string_line(struct parser *p, const char *s, size_t n)
{
	const char *b = s + 1;
	size_t bn, k = 0, i = 0;
	char *o;
	pk_value *v;

	if (n < 2 || (s[0] != '\'' && s[0] != '"') || s[n - 1] != s[0])
		return fail(p, "STRING argument not quoted");
	bn = n - 2;
	if ((o = malloc(bn + 1)) == NULL)
		return fail(p, "out of memory");
	while (i < bn) {
		char c = b[i++];
		long h;

		if (c != '\\') {
			o[k++] = c;
			continue;
		}
		if (i >= bn) {
			free(o);
			return fail(p, "bad escape in STRING");
		}
		c = b[i++];
		switch (c) {
		case 'n': o[k++] = '\n'; break;
		case 't': o[k++] = '\t'; break;
		case 'r': o[k++] = '\r'; break;
		case '\\': case '\'': case '"': o[k++] = c; break;
		case 'x':
			if (i + 2 > bn || (h = hexval(b + i, 2)) < 0) {
				free(o);
				return fail(p, "bad \\x escape in STRING");
			}
			o[k++] = (char)h;
			i += 2;
			break;
		default:
			if (c >= '0' && c <= '7') {
				int val = c - '0';

				for (int d = 1; d < 3 && i < bn && b[i] >= '0' &&
				    b[i] <= '7'; d++)
					val = val * 8 + (b[i++] - '0');
				o[k++] = (char)val;
			} else {
				o[k++] = '\\';
				o[k++] = c;
			}
		}
	}
	v = strval(p, PK_STR, o, k);
	free(o);
	return v;
}

/* int_line: protocol 0's INT or LONG argument (decimal; INT "01"/"00"
 * are True/False). */
static pk_value *
int_line(struct parser *p, const char *s, size_t n, int islong)
{
	char buf[32];
	char *end;
	long long x;
	pk_value *v;

	if (!islong && n == 2 && (memcmp(s, "01", 2) == 0 ||
	    memcmp(s, "00", 2) == 0)) {
		if ((v = newval(p, PK_BOOL)) != NULL)
			v->i = s[1] == '1';
		return v;
	}
	if (islong && n > 0 && s[n - 1] == 'L')
		n--;
	if (n == 0 || n >= sizeof buf)
		return fail(p, "integer argument too long or empty");
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (*end != '\0' || errno != 0)
		return fail(p, "bad or too large integer '%s'", buf);
	return intval(p, x);
}

/* long_bytes: a LONG1/LONG4 little-endian two's complement integer of n
 * bytes at pos as a PK_INT (more than 8 bytes: failure). */
static pk_value *
long_bytes(struct parser *p, size_t n)
{
	uint64_t u = 0;

	if (need(p, n) < 0)
		return NULL;
	if (n > 8)
		return fail(p, "integer of %zu bytes (at most 8 supported)", n);
	u = getle(p, n);
	if (n > 0 && n < 8 && (u >> (8 * n - 1) & 1))
		u |= ~(uint64_t)0 << (8 * n);
	return intval(p, (int64_t)u);
}

/* global: a PK_GLOBAL naming module.name. */
static pk_value *
global(struct parser *p, const char *m, size_t mn, const char *nm, size_t nn)
{
	pk_value *v = newval(p, PK_GLOBAL);

	if (v == NULL)
		return NULL;
	if ((v->s = malloc(mn + nn + 2)) == NULL)
		return fail(p, "out of memory");
	memcpy(v->s, m, mn);
	v->s[mn] = '.';
	memcpy(v->s + mn + 1, nm, nn);
	v->s[mn + nn + 1] = '\0';
	v->len = mn + nn + 1;
	return v;
}

/* object: an inert PK_OBJECT for calling callable (a PK_GLOBAL or
 * anything) with args. */
static pk_value *
object(struct parser *p, const pk_value *callable, pk_value *args)
{
	pk_value *v = newval(p, PK_OBJECT);
	const char *name = callable->type == PK_GLOBAL ? callable->s : "?";

	if (v == NULL)
		return NULL;
	if ((v->s = strdup(name)) == NULL)
		return fail(p, "out of memory");
	v->len = strlen(name);
	v->args = args;
	v->depth = args ? args->depth + 1 : 1;
	if (v->depth > PK_MAX_DEPTH)
		return fail(p, "nesting deeper than %d", PK_MAX_DEPTH);
	return v;
}

/* collect: a new container of type t from the stack items above the
 * topmost mark (which is removed). */
static pk_value *
collect(struct parser *p, pk_type t)
{
	long m = marked(p);
	pk_value *c;

	if (m < 0 || (c = newval(p, t)) == NULL)
		return NULL;
	c->depth = 1;
	if (t == PK_DICT && ((size_t)m - p->sp) % 2 != 0)
		return fail(p, "odd number of items for a dict");
	for (size_t i = (size_t)m; i < p->sp; i++)
		if (additem(p, c, p->stack[i]) < 0)
			return NULL;
	p->sp = (size_t)m - 1;
	return c;
}

/* extend: add the items above the topmost mark to the container just
 * below it (APPENDS, SETITEMS, ADDITEMS); 0 or -1. */
static int
extend(struct parser *p, pk_type t)
{
	long m = marked(p);
	pk_value *c;

	if (m < 0)
		return -1;
	if (m < 2 || (c = p->stack[m - 2])->type != t) {
		fail(p, "%s on a value of another type", t == PK_DICT ?
		    "SETITEMS" : "APPENDS");
		return -1;
	}
	if (t == PK_DICT && (p->sp - (size_t)m) % 2 != 0) {
		fail(p, "odd number of items for SETITEMS");
		return -1;
	}
	for (size_t i = (size_t)m; i < p->sp; i++)
		if (additem(p, c, p->stack[i]) < 0)
			return -1;
	p->sp = (size_t)m - 1;
	return 0;
}

/* memo_put: memo[i] = the top of the stack. */
static int
memo_put(struct parser *p, uint64_t i)
{
	pk_value *v = top(p);

	if (v == NULL)
		return -1;
	if (i >= MEMO_MAX) {
		fail(p, "memo index %llu too large", (unsigned long long)i);
		return -1;
	}
	if (i >= p->mcap) {
		size_t cap = p->mcap ? p->mcap : 64;
		pk_value **a;

		while (cap <= i)
			cap *= 2;
		if ((a = realloc(p->memo, cap * sizeof *a)) == NULL) {
			fail(p, "out of memory");
			return -1;
		}
		memset(a + p->mcap, 0, (cap - p->mcap) * sizeof *a);
		p->memo = a;
		p->mcap = cap;
	}
	p->memo[i] = v;
	if (i >= p->nmemo)
		p->nmemo = i + 1;
	return 0;
}

/* memo_get: push memo[i]. */
static int
memo_get(struct parser *p, uint64_t i)
{
	if (i >= p->nmemo || p->memo[i] == NULL) {
		fail(p, "memo index %llu was never stored",
		    (unsigned long long)i);
		return -1;
	}
	return push(p, p->memo[i]);
}

/* linenum: the decimal number of a protocol 0 GET/PUT argument line. */
static int
linenum(struct parser *p, uint64_t *i)
{
	size_t n;
	const char *s = line(p, &n);
	uint64_t v = 0;

	if (s == NULL)
		return -1;
	if (n == 0 || n > 9) {
		fail(p, "bad memo index");
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9') {
			fail(p, "bad memo index");
			return -1;
		}
		v = v * 10 + (uint64_t)(s[k] - '0');
	}
	*i = v;
	return 0;
}

/* step: execute one opcode; 1 at STOP (the result on the stack), 0 to
 * go on, -1 on failure. */
static int
step(struct parser *p)
{
	unsigned char c;
	pk_value *a, *b, *v;
	const char *s, *s2;
	size_t n, n2;
	uint64_t u;

	p->op = p->pos;
	if (need(p, 1) < 0)
		return -1;
	c = p->b[p->pos++];
	switch (c) {
	case '.': /* STOP */
		return top(p) ? 1 : -1;
	case '(': /* MARK */
		return push(p, newval(p, PK_MARK));
	case '0': /* POP */
		if (p->sp == 0)
			return fail(p, "stack underflow"), -1;
		p->sp--;
		return 0;
	case '1': /* POP_MARK */
		{
			long m = marked(p);

			if (m < 0)
				return -1;
			p->sp = (size_t)m - 1;
			return 0;
		}
	case '2': /* DUP */
		return (v = top(p)) ? push(p, v) : -1;
	case 'N':
		return push(p, newval(p, PK_NONE));
	case 0x88: case 0x89: /* NEWTRUE, NEWFALSE */
		if ((v = newval(p, PK_BOOL)) != NULL)
			v->i = c == 0x88;
		return push(p, v);
	case 'I': case 'L':
		return (s = line(p, &n)) ? push(p, int_line(p, s, n,
		    c == 'L')) : -1;
	case 'F':
		{
			char buf[64], *end;

			if ((s = line(p, &n)) == NULL)
				return -1;
			if (n == 0 || n >= sizeof buf)
				return fail(p, "bad FLOAT"), -1;
			memcpy(buf, s, n);
			buf[n] = '\0';
			if ((v = newval(p, PK_FLOAT)) == NULL)
				return -1;
			v->f = strtod(buf, &end);
			if (*end != '\0')
				return fail(p, "bad FLOAT '%s'", buf), -1;
			return push(p, v);
		}
	case 'J':
		if (need(p, 4) < 0)
			return -1;
		return push(p, intval(p, (int32_t)(uint32_t)getle(p, 4)));
	case 'K':
		if (need(p, 1) < 0)
			return -1;
		return push(p, intval(p, (int64_t)getle(p, 1)));
	case 'M':
		if (need(p, 2) < 0)
			return -1;
		return push(p, intval(p, (int64_t)getle(p, 2)));
	case 0x8a: /* LONG1 */
		if (need(p, 1) < 0)
			return -1;
		return push(p, long_bytes(p, (size_t)getle(p, 1)));
	case 0x8b: /* LONG4 */
		if (need(p, 4) < 0)
			return -1;
		u = getle(p, 4);
		if (u >> 31)
			return fail(p, "negative LONG4 size"), -1;
		return push(p, long_bytes(p, (size_t)u));
	case 'G': /* BINFLOAT, big-endian */
		{
			uint64_t bits = 0;
			double d;

			if (need(p, 8) < 0)
				return -1;
			for (int i = 0; i < 8; i++)
				bits = bits << 8 | p->b[p->pos + (size_t)i];
			p->pos += 8;
			memcpy(&d, &bits, 8);
			if ((v = newval(p, PK_FLOAT)) != NULL)
				v->f = d;
			return push(p, v);
		}
	case 'S':
		return (s = line(p, &n)) ? push(p, string_line(p, s, n)) : -1;
	case 'V':
		return (s = line(p, &n)) ? push(p, unicode_line(p, s, n)) : -1;
	case 'T': case 'U': case 'X': case 'B': case 'C':
	case 0x8c: case 0x8d: case 0x8e: case 0x96:
		{
			size_t w = c == 'U' || c == 'C' || c == 0x8c ? 1 :
			    c == 0x8d || c == 0x8e || c == 0x96 ? 8 : 4;
			pk_type t = c == 'B' || c == 'C' || c == 0x8e ||
			    c == 0x96 ? PK_BYTES : PK_STR;

			if (need(p, w) < 0)
				return -1;
			u = getle(p, w);
			if (c == 'T' && u >> 31)
				return fail(p, "negative BINSTRING size"), -1;
			if (u > PK_MAX_BYTES || need(p, (size_t)u) < 0)
				return fail(p, "truncated pickle"), -1;
			v = strval(p, t, (const char *)p->b + p->pos,
			    (size_t)u);
			p->pos += (size_t)u;
			return push(p, v);
		}
	case ')':
		if ((v = newval(p, PK_TUPLE)) != NULL)
			v->depth = 1;
		return push(p, v);
	case ']':
		if ((v = newval(p, PK_LIST)) != NULL)
			v->depth = 1;
		return push(p, v);
	case '}':
		if ((v = newval(p, PK_DICT)) != NULL)
			v->depth = 1;
		return push(p, v);
	case 0x8f: /* EMPTY_SET */
		if ((v = newval(p, PK_SET)) != NULL)
			v->depth = 1;
		return push(p, v);
	case 't':
		return push(p, collect(p, PK_TUPLE));
	case 'l':
		return push(p, collect(p, PK_LIST));
	case 'd':
		return push(p, collect(p, PK_DICT));
	case 0x91: /* FROZENSET */
		return push(p, collect(p, PK_SET));
	case 0x85: case 0x86: case 0x87: /* TUPLE1-3 */
		{
			size_t k = (size_t)(c - 0x84);
			pk_value *t;

			if (p->sp < k)
				return fail(p, "stack underflow"), -1;
			for (size_t i = p->sp - k; i < p->sp; i++)
				if (p->stack[i]->type == PK_MARK)
					return fail(p, "stack underflow"), -1;
			if ((t = newval(p, PK_TUPLE)) == NULL)
				return -1;
			t->depth = 1;
			for (size_t i = p->sp - k; i < p->sp; i++)
				if (additem(p, t, p->stack[i]) < 0)
					return -1;
			p->sp -= k;
			return push(p, t);
		}
	case 'a': /* APPEND */
		if ((v = pop(p)) == NULL || (a = top(p)) == NULL)
			return -1;
		if (a->type != PK_LIST)
			return fail(p, "APPEND to a non-list"), -1;
		return additem(p, a, v);
	case 'e':
		return extend(p, PK_LIST);
	case 0x90: /* ADDITEMS */
		return extend(p, PK_SET);
	case 's': /* SETITEM */
		if ((b = pop(p)) == NULL || (a = pop(p)) == NULL ||
		    (v = top(p)) == NULL)
			return -1;
		if (v->type != PK_DICT)
			return fail(p, "SETITEM on a non-dict"), -1;
		return additem(p, v, a) < 0 ? -1 : additem(p, v, b);
	case 'u':
		return extend(p, PK_DICT);
	case 'p':
		return linenum(p, &u) < 0 ? -1 : memo_put(p, u);
	case 'q':
		if (need(p, 1) < 0)
			return -1;
		return memo_put(p, getle(p, 1));
	case 'r':
		if (need(p, 4) < 0)
			return -1;
		return memo_put(p, getle(p, 4));
	case 0x94: /* MEMOIZE */
		return memo_put(p, p->nmemo);
	case 'g':
		return linenum(p, &u) < 0 ? -1 : memo_get(p, u);
	case 'h':
		if (need(p, 1) < 0)
			return -1;
		return memo_get(p, getle(p, 1));
	case 'j':
		if (need(p, 4) < 0)
			return -1;
		return memo_get(p, getle(p, 4));
	case 0x80: /* PROTO */
		if (need(p, 1) < 0)
			return -1;
		if ((u = getle(p, 1)) > 5)
			return fail(p, "pickle protocol %u (at most 5 known)",
			    (unsigned)u), -1;
		return 0;
	case 0x95: /* FRAME: a length prefix only */
		if (need(p, 8) < 0)
			return -1;
		p->pos += 8;
		return 0;
	case 'c': /* GLOBAL: recorded, never looked up */
		if ((s = line(p, &n)) == NULL || (s2 = line(p, &n2)) == NULL)
			return -1;
		return push(p, global(p, s, n, s2, n2));
	case 0x93: /* STACK_GLOBAL */
		if ((b = pop(p)) == NULL || (a = pop(p)) == NULL)
			return -1;
		if (a->type != PK_STR || b->type != PK_STR)
			return fail(p, "STACK_GLOBAL of non-strings"), -1;
		return push(p, global(p, a->s, a->len, b->s, b->len));
	case 'R': /* REDUCE: recorded, never called */
		if ((a = pop(p)) == NULL || (b = pop(p)) == NULL)
			return -1;
		return push(p, object(p, b, a));
	case 0x81: /* NEWOBJ */
		if ((a = pop(p)) == NULL || (b = pop(p)) == NULL)
			return -1;
		return push(p, object(p, b, a));
	case 0x92: /* NEWOBJ_EX (kwargs dropped) */
		if (pop(p) == NULL || (a = pop(p)) == NULL ||
		    (b = pop(p)) == NULL)
			return -1;
		return push(p, object(p, b, a));
	case 'b': /* BUILD: state recorded on the inert object */
		if ((a = pop(p)) == NULL || (v = top(p)) == NULL)
			return -1;
		if (v->type != PK_OBJECT)
			return fail(p, "BUILD on a value that is not an "
			    "object"), -1;
		v->state = a;
		if (a->depth + 1 > v->depth)
			v->depth = a->depth + 1;
		if (v->depth > PK_MAX_DEPTH)
			return fail(p, "nesting deeper than %d",
			    PK_MAX_DEPTH), -1;
		return 0;
	case 'i': /* INST */
		{
			pk_value *g, *t;

			if ((s = line(p, &n)) == NULL ||
			    (s2 = line(p, &n2)) == NULL ||
			    (g = global(p, s, n, s2, n2)) == NULL ||
			    (t = collect(p, PK_TUPLE)) == NULL)
				return -1;
			return push(p, object(p, g, t));
		}
	case 'o': /* OBJ */
		{
			pk_value *t = collect(p, PK_TUPLE);

			if (t == NULL)
				return -1;
			if (t->n == 0)
				return fail(p, "OBJ without a class"), -1;
			a = t->v[0];
			memmove(t->v, t->v + 1, (t->n - 1) * sizeof *t->v);
			t->n--;
			return push(p, object(p, a, t));
		}
	case 'P': case 'Q':
		return fail(p, "persistent id opcode (%s) not allowed",
		    c == 'P' ? "PERSID" : "BINPERSID"), -1;
	case 0x82: case 0x83: case 0x84:
		return fail(p, "extension registry opcode (EXT%d) not "
		    "allowed", c == 0x82 ? 1 : c == 0x83 ? 2 : 4), -1;
	case 0x97: case 0x98:
		return fail(p, "out-of-band buffer opcode not allowed"), -1;
	default:
		if (c >= 0x20 && c < 0x7f)
			return fail(p, "unknown opcode 0x%02x ('%c')", c, c),
			    -1;
		return fail(p, "unknown opcode 0x%02x", c), -1;
	}
}

/* pk_free: see pickle.h. */
void
pk_free(pk_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->nall; i++) {
		free(doc->all[i]->s);
		free(doc->all[i]->v);
		free(doc->all[i]);
	}
	free(doc->all);
	free(doc);
}

/* pk_parse: see pickle.h. */
pk_value *
pk_parse(const void *buf, size_t len, pk_doc **doc, char *errbuf,
    size_t errlen)
{
	struct parser p;
	pk_value *res = NULL;
	int rc;

	memset(&p, 0, sizeof p);
	p.b = buf;
	p.len = len;
	p.err = errbuf;
	p.errlen = errlen;
	*doc = NULL;
	if (errlen > 0)
		errbuf[0] = '\0';
	if (len > PK_MAX_BYTES) {
		fail(&p, "pickle larger than %zu bytes", PK_MAX_BYTES);
		return NULL;
	}
	if ((p.doc = calloc(1, sizeof *p.doc)) == NULL) {
		fail(&p, "out of memory");
		return NULL;
	}
	while ((rc = step(&p)) == 0)
		;
	if (rc == 1 && !p.failed)
		res = p.stack[p.sp - 1];
	else if (!p.failed)
		fail(&p, "malformed pickle");
	free(p.stack);
	free(p.memo);
	if (res == NULL) {
		pk_free(p.doc);
		return NULL;
	}
	*doc = p.doc;
	return res;
}

/* pk_is_seq: see pickle.h. */
int
pk_is_seq(const pk_value *v)
{
	return v != NULL && (v->type == PK_LIST || v->type == PK_TUPLE);
}

/* pk_dict_get: see pickle.h. */
pk_value *
pk_dict_get(const pk_value *d, const char *key, int64_t ikey)
{
	if (d == NULL || d->type != PK_DICT)
		return NULL;
	for (size_t i = 0; i + 1 < d->n; i += 2) {
		const pk_value *k = d->v[i];

		if (key != NULL && k->type == PK_STR && strcmp(k->s, key) == 0)
			return d->v[i + 1];
		if (key == NULL && k->type == PK_INT && k->i == ikey)
			return d->v[i + 1];
	}
	return NULL;
}

/* is_reconstruct: v is a numpy array reconstruction with an ndarray
 * state tuple (version, shape, dtype, fortran, data). */
static const pk_value *
arr_state(const pk_value *v)
{
	const pk_value *st;

	if (v == NULL || v->type != PK_OBJECT ||
	    (strcmp(v->s, "numpy.core.multiarray._reconstruct") != 0 &&
	    strcmp(v->s, "numpy._core.multiarray._reconstruct") != 0))
		return NULL;
	st = v->state;
	if (st == NULL || st->type != PK_TUPLE || st->n != 5 ||
	    !pk_is_seq(st->v[1]) || st->v[2]->type != PK_OBJECT)
		return NULL;
	return st;
}

/* pk_ndarray_items: see pickle.h. */
const pk_value *
pk_ndarray_items(const pk_value *v)
{
	const pk_value *st = arr_state(v);

	return st != NULL && st->v[4]->type == PK_LIST ? st->v[4] : NULL;
}

/* latin1: the bytes whose Latin-1 decoding is the UTF-8 string v (every
 * code point below 256), malloc'd, length in *n; NULL otherwise. */
static char *
latin1(const pk_value *v, size_t *n)
{
	const unsigned char *s = (const unsigned char *)v->s;
	char *o = malloc(v->len + 1);
	size_t k = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < v->len; i++) {
		if (s[i] < 0x80)
			o[k++] = (char)s[i];
		else if ((s[i] == 0xC2 || s[i] == 0xC3) && i + 1 < v->len &&
		    (s[i + 1] & 0xC0) == 0x80) {
			o[k++] = (char)(((s[i] & 0x03) << 6) |
			    (s[i + 1] & 0x3F));
			i++;
		} else {
			free(o);
			return NULL;
		}
	}
	*n = k;
	return o;
}

/* pk_ndarray: see pickle.h.  The dtype is object(numpy.dtype, (CODE,
 * False, True)) with a BUILD state (3, ORDER, ...); CODE like "f8",
 * ORDER '<', '>', '|' or '='. */
int
pk_ndarray(const pk_value *v, double **out, size_t *n, char *errbuf,
    size_t errlen)
{
	const pk_value *st = arr_state(v), *dt, *shape, *data;
	char kind, order = '<', *raw = NULL;
	size_t size, count = 1, rawlen = 0;
	double *o;
	int big;

	if (st == NULL) {
		snprintf(errbuf, errlen, "not a numpy array");
		return -1;
	}
	shape = st->v[1];
	dt = st->v[2];
	data = st->v[4];
	if (strcmp(dt->s, "numpy.dtype") != 0 || dt->args == NULL ||
	    dt->args->n < 1 || dt->args->v[0]->type != PK_STR ||
	    dt->args->v[0]->len < 2) {
		snprintf(errbuf, errlen, "numpy array with an unknown dtype");
		return -1;
	}
	kind = dt->args->v[0]->s[0];
	size = (size_t)atoi(dt->args->v[0]->s + 1);
	if (dt->state != NULL && dt->state->type == PK_TUPLE &&
	    dt->state->n >= 2 && dt->state->v[1]->type == PK_STR &&
	    dt->state->v[1]->len == 1)
		order = dt->state->v[1]->s[0];
	big = order == '>';
	if (!((kind == 'f' && (size == 4 || size == 8)) ||
	    ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 ||
	    size == 4 || size == 8)) || (kind == 'b' && size == 1))) {
		snprintf(errbuf, errlen, "numpy array of dtype %s (numbers "
		    "only)", dt->args->v[0]->s);
		return -1;
	}
	for (size_t i = 0; i < shape->n; i++) {
		if (shape->v[i]->type != PK_INT || shape->v[i]->i < 0 ||
		    (shape->v[i]->i > 0 && count > PK_MAX_BYTES /
		    (size_t)shape->v[i]->i)) {
			snprintf(errbuf, errlen, "numpy array with a bad "
			    "shape");
			return -1;
		}
		count *= (size_t)shape->v[i]->i;
	}
	if (data->type == PK_OBJECT && strcmp(data->s, "_codecs.encode") ==
	    0 && data->args != NULL && data->args->n == 2 &&
	    data->args->v[0]->type == PK_STR &&
	    data->args->v[1]->type == PK_STR &&
	    strcmp(data->args->v[1]->s, "latin1") == 0) {
		/* Protocol 2 bytes from Python 3: a str of code points
		 * 0-255 encoded as Latin-1. */
		if ((raw = latin1(data->args->v[0], &rawlen)) == NULL) {
			snprintf(errbuf, errlen, "numpy array data: bad "
			    "latin1 text");
			return -1;
		}
	} else if (data->type == PK_BYTES || data->type == PK_STR) {
		if ((raw = malloc(data->len + 1)) == NULL) {
			snprintf(errbuf, errlen, "out of memory");
			return -1;
		}
		memcpy(raw, data->s, data->len);
		rawlen = data->len;
	} else {
		snprintf(errbuf, errlen, "numpy array data is not raw bytes");
		return -1;
	}
	if (rawlen != count * size) {
		snprintf(errbuf, errlen, "numpy array data of %zu bytes, "
		    "shape and dtype say %zu", rawlen, count * size);
		free(raw);
		return -1;
	}
	if ((o = malloc((count ? count : 1) * sizeof *o)) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		free(raw);
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		const unsigned char *b = (const unsigned char *)raw + i * size;
		uint64_t u = 0;

		for (size_t k = 0; k < size; k++)
			u |= (uint64_t)b[big ? size - 1 - k : k] << (8 * k);
		if (kind == 'f' && size == 8) {
			memcpy(&o[i], &u, 8);
		} else if (kind == 'f') {
			uint32_t w = (uint32_t)u;
			float f;

			memcpy(&f, &w, 4);
			o[i] = f;
		} else if (kind == 'i') {
			if (size < 8 && (u >> (8 * size - 1) & 1))
				u |= ~(uint64_t)0 << (8 * size);
			o[i] = (double)(int64_t)u;
		} else
			o[i] = (double)u;
	}
	free(raw);
	*out = o;
	*n = count;
	return 0;
}

/* repr_r: append v's rendering to buf at *k (depth-limited).  It stops
 * once buf is full: values may be shared (the memo), and rendering a
 * shared value at every place it appears could take exponential time. */
static void
repr_r(const pk_value *v, char *buf, size_t len, size_t *k, int depth)
{
#define PUT(...) do { \
	if (*k < len) { \
		int w_ = snprintf(buf + *k, len - *k, __VA_ARGS__); \
		if (w_ > 0) \
			*k += (size_t)w_ < len - *k ? (size_t)w_ : len - *k; \
	} \
} while (0)
	if (*k + 1 >= len)
		return;
	if (depth > PK_MAX_DEPTH) {
		PUT("...");
		return;
	}
	switch (v->type) {
	case PK_NONE: PUT("None"); break;
	case PK_BOOL: PUT(v->i ? "True" : "False"); break;
	case PK_INT: PUT("%lld", (long long)v->i); break;
	case PK_FLOAT: PUT("%.17g", v->f); break;
	case PK_STR: PUT("'%s'", v->s); break;
	case PK_BYTES: PUT("b<%zu bytes>", v->len); break;
	case PK_GLOBAL: PUT("%s", v->s); break;
	case PK_MARK: PUT("<mark>"); break;
	case PK_OBJECT:
		PUT("object(%s", v->s);
		if (v->args) {
			PUT(", ");
			repr_r(v->args, buf, len, k, depth + 1);
		}
		if (v->state) {
			PUT(", state=");
			repr_r(v->state, buf, len, k, depth + 1);
		}
		PUT(")");
		break;
	case PK_LIST: case PK_TUPLE: case PK_SET: case PK_DICT:
		PUT("%s", v->type == PK_LIST ? "[" : v->type == PK_TUPLE ?
		    "(" : "{");
		for (size_t i = 0; i < v->n && *k + 1 < len; i++) {
			if (i > 0)
				PUT(v->type == PK_DICT && i % 2 ? ": " : ", ");
			repr_r(v->v[i], buf, len, k, depth + 1);
		}
		if (v->type == PK_TUPLE && v->n == 1)
			PUT(",");
		PUT("%s", v->type == PK_LIST ? "]" : v->type == PK_TUPLE ?
		    ")" : "}");
		break;
	}
#undef PUT
}

/* pk_repr: see pickle.h. */
char *
pk_repr(const pk_value *v, char *buf, size_t len)
{
	size_t k = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	repr_r(v, buf, len, &k, 0);
	if (k >= len)
		k = len - 1;
	buf[k] = '\0';
	return buf;
}
