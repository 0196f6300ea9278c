/* hostlist.h - host-list expressions as cluster tools write them:
 *
 *   node[001-064],gpu[1-4],web7      ranges, zero padding kept
 *   n[1,3,5-7]                       comma lists inside brackets
 *   rack[1-2]n[01-04]                several brackets: every combination
 *
 * Names are made of letters, digits, '.', '-' and '_'. Blanks around the
 * top-level commas are ignored. Order is kept; repeated names are dropped. */
#ifndef BOOTSRV_HOSTLIST_H
#define BOOTSRV_HOSTLIST_H

#include <stddef.h>

#define HOSTLIST_MAX 65536 /* expansion larger than this is refused (-E2BIG) */

/* Expand expr into a malloc'd array of *n malloc'd names (free with
 * hostlist_free). Returns 0, -EINVAL (malformed: err holds a one-line
 * message naming the column), -E2BIG (too many names) or -ENOMEM.
 * err may be NULL. */
int hostlist_expand(const char *expr, char ***names, size_t *n, char *err, size_t errsz);
void hostlist_free(char **names, size_t n);

#endif
