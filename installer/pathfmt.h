/* pathfmt.h - snprintf into a fixed buffer where truncation is an error
 * (a truncated path names a different file). */
#ifndef INSTALLER_PATHFMT_H
#define INSTALLER_PATHFMT_H

#include <stddef.h>

/* Returns 0, or -ENAMETOOLONG when the result did not fit (out is then ""). */
int path_fmt(char *out, size_t outsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
