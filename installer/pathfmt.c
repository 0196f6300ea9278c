/* pathfmt.c - see pathfmt.h */
#include "pathfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int path_fmt(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (outsz == 0)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}
