/* types.c - column types, value conversion and number text. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mz.h"

static const struct {
	const char *name;
	size_t size;
} typetab[] = {
	[MZ_NOTYPE] = { "?", 0 },
	[MZ_I8] = { "i8", 1 }, [MZ_U8] = { "u8", 1 },
	[MZ_I16] = { "i16", 2 }, [MZ_U16] = { "u16", 2 },
	[MZ_I32] = { "i32", 4 }, [MZ_U32] = { "u32", 4 },
	[MZ_I64] = { "i64", 8 }, [MZ_U64] = { "u64", 8 },
	[MZ_F32] = { "f32", 4 }, [MZ_F64] = { "f64", 8 },
};

size_t
mz_type_size(mz_type t)
{
	return (t > MZ_NOTYPE && t <= MZ_F64) ? typetab[t].size : 0;
}

const char *
mz_type_name(mz_type t)
{
	return (t > MZ_NOTYPE && t <= MZ_F64) ? typetab[t].name : "?";
}

mz_type
mz_type_parse(const char *s)
{
	for (int t = MZ_I8; t <= MZ_F64; t++)
		if (strcmp(s, typetab[t].name) == 0)
			return (mz_type)t;
	return MZ_NOTYPE;
}

int
mz_type_isfloat(mz_type t)
{
	return t == MZ_F32 || t == MZ_F64;
}

double
mz_get_f64(const void *col, mz_type t, size_t i)
{
	switch (t) {
	case MZ_I8: return ((const int8_t *)col)[i];
	case MZ_U8: return ((const uint8_t *)col)[i];
	case MZ_I16: return ((const int16_t *)col)[i];
	case MZ_U16: return ((const uint16_t *)col)[i];
	case MZ_I32: return ((const int32_t *)col)[i];
	case MZ_U32: return ((const uint32_t *)col)[i];
	case MZ_I64: return (double)((const int64_t *)col)[i];
	case MZ_U64: return (double)((const uint64_t *)col)[i];
	case MZ_F32: return ((const float *)col)[i];
	case MZ_F64: return ((const double *)col)[i];
	default: return NAN;
	}
}

int64_t
mz_get_i64(const void *col, mz_type t, size_t i)
{
	switch (t) {
	case MZ_I8: return ((const int8_t *)col)[i];
	case MZ_U8: return ((const uint8_t *)col)[i];
	case MZ_I16: return ((const int16_t *)col)[i];
	case MZ_U16: return ((const uint16_t *)col)[i];
	case MZ_I32: return ((const int32_t *)col)[i];
	case MZ_U32: return ((const uint32_t *)col)[i];
	case MZ_I64: return ((const int64_t *)col)[i];
	case MZ_U64: return (int64_t)((const uint64_t *)col)[i];
	case MZ_F32: return (int64_t)((const float *)col)[i];
	case MZ_F64: return (int64_t)((const double *)col)[i];
	default: return 0;
	}
}

void
mz_put_f64(void *col, mz_type t, size_t i, double v)
{
	switch (t) {
	case MZ_I8: ((int8_t *)col)[i] = (int8_t)v; break;
	case MZ_U8: ((uint8_t *)col)[i] = (uint8_t)v; break;
	case MZ_I16: ((int16_t *)col)[i] = (int16_t)v; break;
	case MZ_U16: ((uint16_t *)col)[i] = (uint16_t)v; break;
	case MZ_I32: ((int32_t *)col)[i] = (int32_t)v; break;
	case MZ_U32: ((uint32_t *)col)[i] = (uint32_t)v; break;
	case MZ_I64: ((int64_t *)col)[i] = (int64_t)v; break;
	case MZ_U64: ((uint64_t *)col)[i] = (uint64_t)v; break;
	case MZ_F32: ((float *)col)[i] = (float)v; break;
	case MZ_F64: ((double *)col)[i] = v; break;
	default: break;
	}
}

int
mz_fmt_f64(double v, char buf[32])
{
	if (isnan(v))
		return (int)(strcpy(buf, "nan"), 3);
	if (isinf(v))
		return v > 0 ? (int)(strcpy(buf, "inf"), 3)
		    : (int)(strcpy(buf, "-inf"), 4);
	if (v == 0)
		return signbit(v) ? (int)(strcpy(buf, "-0"), 2)
		    : (int)(strcpy(buf, "0"), 1);
	if (fabs(v) < 1e15 && v == (double)(int64_t)v)
		return snprintf(buf, 32, "%lld", (long long)v);
	for (int prec = 15; prec <= 17; prec++) {
		int n = snprintf(buf, 32, "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			return n;
	}
	return 0; /* not reached */
}

static int
eqnocase(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return 0;
	}
	return 1;
}

/* Powers of ten exactly representable in a double. */
static const double pow10tab[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * The fast path is Clinger's: a decimal whose significand fits in 53 bits
 * and whose power of ten is exact is one correctly rounded IEEE operation.
 * Everything else goes to strtod, which rounds correctly as well.
 */
int
mz_parse_f64(const char *s, size_t len, double *v)
{
	const char *p = s, *end = s + len;
	uint64_t m = 0;
	int neg = 0, ndig = 0, exp10 = 0, any = 0, big = 0;

	if (p < end && (*p == '-' || *p == '+'))
		neg = (*p++ == '-');
	for (; p < end && *p >= '0' && *p <= '9'; p++, any = 1) {
		if (ndig < 19) {
			m = m * 10 + (uint64_t)(*p - '0');
			if (m)
				ndig++;
		} else {
			exp10++;
			big = 1;
		}
	}
	if (p < end && *p == '.') {
		p++;
		for (; p < end && *p >= '0' && *p <= '9'; p++, any = 1) {
			if (ndig < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				if (m)
					ndig++;
				exp10--;
			} else
				big = 1;
		}
	}
	if (!any) {
		const char *q = s + (s < end && (*s == '-' || *s == '+'));
		size_t ql = (size_t)(end - q);
		if (eqnocase(q, ql, "nan")) {
			*v = neg ? -NAN : NAN;
			return 0;
		}
		if (eqnocase(q, ql, "inf") || eqnocase(q, ql, "infinity")) {
			*v = neg ? -INFINITY : INFINITY;
			return 0;
		}
		return -1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, e = 0, edig = 0;
		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = (*p++ == '-');
		for (; p < end && *p >= '0' && *p <= '9'; p++, edig++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		if (!edig)
			return -1;
		exp10 += eneg ? -e : e;
	}
	if (p != end)
		return -1;
	if (!big && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
		double d = (double)m;
		d = exp10 < 0 ? d / pow10tab[-exp10] : d * pow10tab[exp10];
		*v = neg ? -d : d;
		return 0;
	}
	{
		char tmp[128], *heap = NULL, *buf = tmp, *ep;
		if (len >= sizeof(tmp)) {
			if ((heap = malloc(len + 1)) == NULL)
				return -1;
			buf = heap;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		*v = strtod(buf, &ep);
		int bad = (ep != buf + len);
		free(heap);
		return bad ? -1 : 0;
	}
}

int
mz_parse_i64(const char *s, size_t len, int64_t *v)
{
	const char *p = s, *end = s + len;
	uint64_t m = 0, lim;
	int neg = 0;

	if (p < end && (*p == '-' || *p == '+'))
		neg = (*p++ == '-');
	if (p == end)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned d = (unsigned)(*p - '0');
		if (m > (lim - d) / 10)
			return -1;
		m = m * 10 + d;
	}
	*v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}
