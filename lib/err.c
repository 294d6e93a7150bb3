/* err.c - error values of libmz. */
#include <stdarg.h>
#include <stdio.h>

#include "mz.h"

int
mz_seterr(mz_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}

const char *
mz_strerror(int code)
{
	if (code < 0)
		code = -code;
	switch (code) {
	case MZ_OK: return "success";
	case MZ_EIO: return "input/output error";
	case MZ_EFORMAT: return "invalid format";
	case MZ_ETRUNC: return "unexpected end of input";
	case MZ_ECHECKSUM: return "checksum mismatch";
	case MZ_EVERSION: return "unsupported version";
	case MZ_ENOMEM: return "out of memory";
	case MZ_EINVAL: return "invalid argument";
	case MZ_ESCHEMA: return "incompatible columns";
	}
	return "unknown error";
}
