/* rsync_argv.c - see rsync_argv.h */
#include "rsync_argv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXED_MAX 15 /* argv[0], at most 11 options, src, dst, NULL */

static const char *const rule_prefix[] = {
    [RSYNC_EXCLUDE] = "--exclude=",
    [RSYNC_INCLUDE] = "--include=",
    [RSYNC_PROTECT] = "--filter=P ",
};

void rsync_argv_rule(struct rsync_argv *ra, enum rsync_rule kind, const char *fmt, ...)
{
	char *pattern = NULL, *arg = NULL;
	va_list ap;
	int r;

	if (ra->err)
		return;
	if (ra->n_rules == ra->cap_rules) {
		size_t cap = ra->cap_rules ? 2 * ra->cap_rules : 32;
		char **v = realloc(ra->rules, cap * sizeof(*v));
		if (!v)
			goto nomem;
		ra->rules = v;
		ra->cap_rules = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&pattern, fmt, ap);
	va_end(ap);
	if (r < 0)
		goto nomem;
	r = asprintf(&arg, "%s%s", rule_prefix[kind], pattern);
	free(pattern);
	if (r < 0)
		goto nomem;
	ra->rules[ra->n_rules++] = arg;
	return;
nomem:
	ra->err = -ENOMEM;
}

int rsync_argv_build(struct rsync_argv *ra, const struct rsync_argv_opts *o)
{
	const unsigned f = o->flags;
	size_t n = 0;

	if (ra->err)
		return ra->err;
	free(ra->argv);
	ra->argv = calloc(FIXED_MAX + ra->n_rules, sizeof(*ra->argv));
	if (!ra->argv)
		return ra->err = -ENOMEM;
	ra->argv[n++] = o->rsync;
	ra->argv[n++] = "-aHAXS";
	ra->argv[n++] = "--numeric-ids";
	if (f & RSYNC_ONE_FS)
		ra->argv[n++] = "--one-file-system";
	ra->argv[n++] = "--delete";
	if (f & RSYNC_PARTIAL)
		ra->argv[n++] = "--partial";
	if (f & RSYNC_PROGRESS) {
		ra->argv[n++] = "--info=progress2";
		ra->argv[n++] = "--no-inc-recursive";
	}
	if (o->timeout_s) {
		snprintf(ra->timeout, sizeof(ra->timeout), "--timeout=%u", o->timeout_s);
		ra->argv[n++] = ra->timeout;
	}
	if (o->contimeout_s) {
		snprintf(ra->contimeout, sizeof(ra->contimeout), "--contimeout=%u",
			 o->contimeout_s);
		ra->argv[n++] = ra->contimeout;
	}
	if (f & RSYNC_DRY_RUN) {
		ra->argv[n++] = "--dry-run";
		ra->argv[n++] = "--itemize-changes";
	}
	for (size_t i = 0; i < ra->n_rules; i++)
		ra->argv[n++] = ra->rules[i];
	ra->argv[n++] = o->src;
	ra->argv[n++] = o->dst;
	ra->argv[n] = NULL;
	return 0;
}

void rsync_argv_free(struct rsync_argv *ra)
{
	for (size_t i = 0; i < ra->n_rules; i++)
		free(ra->rules[i]);
	free(ra->rules);
	free(ra->argv);
	memset(ra, 0, sizeof(*ra));
}
