/* hostlist.c - see hostlist.h */
#include "hostlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL_NAME_MAX 255
#define HL_NUM_DIGITS 9 /* keeps every value and width inside an int */

struct hl_range {
	unsigned lo, hi;
	int width; /* digits written for lo: "001" keeps the padding */
};

struct hl_ctx {
	const char *expr;
	char *err;
	size_t errsz;
	char **names;
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1 into names, 0 = empty */
	size_t nslots;
};

static int hl_error(struct hl_ctx *c, size_t col, const char *what)
{
	if (c->err && c->errsz > 0)
		snprintf(c->err, c->errsz, "host list \"%.80s\": %s at column %zu", c->expr, what,
			 col + 1);
	return -EINVAL;
}

static bool hl_name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '-' || ch == '.' || ch == '_';
}

static size_t hl_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Returns the slot holding name, or the empty slot where it would go. */
static size_t *hl_slot(struct hl_ctx *c, const char *name)
{
	size_t i = hl_hash(name) & (c->nslots - 1);
	while (c->slots[i] && strcmp(c->names[c->slots[i] - 1], name) != 0)
		i = (i + 1) & (c->nslots - 1);
	return &c->slots[i];
}

static int hl_grow(struct hl_ctx *c)
{
	size_t cap = c->cap ? c->cap * 2 : 16;
	char **names = realloc(c->names, cap * sizeof(*names));
	if (!names)
		return -ENOMEM;
	c->names = names;
	c->cap = cap;
	free(c->slots);
	c->nslots = cap * 2; /* power of two, load factor <= 1/2 */
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++)
		*hl_slot(c, c->names[i]) = i + 1;
	return 0;
}

static int hl_add(struct hl_ctx *c, const char *name)
{
	size_t *slot;
	int r;

	if (c->nslots && *hl_slot(c, name))
		return 0; /* duplicate: keep the first */
	if (c->n >= HOSTLIST_MAX) {
		if (c->err && c->errsz > 0)
			snprintf(c->err, c->errsz, "host list \"%.80s\": more than %d names",
				 c->expr, HOSTLIST_MAX);
		return -E2BIG;
	}
	if (c->n == c->cap && (r = hl_grow(c)) < 0)
		return r;
	slot = hl_slot(c, name);
	c->names[c->n] = strdup(name);
	if (!c->names[c->n])
		return -ENOMEM;
	*slot = ++c->n;
	return 0;
}

/* Parse a decimal number of at most HL_NUM_DIGITS digits at expr[*pos]. */
static int hl_number(struct hl_ctx *c, size_t *pos, unsigned *val, int *width)
{
	size_t p = *pos;
	unsigned v = 0;

	if (!isdigit((unsigned char)c->expr[p]))
		return hl_error(c, p, "expected a number");
	while (isdigit((unsigned char)c->expr[p])) {
		if (p - *pos >= HL_NUM_DIGITS)
			return hl_error(c, *pos, "number too large");
		v = v * 10 + (unsigned)(c->expr[p] - '0');
		p++;
	}
	*width = (int)(p - *pos);
	*val = v;
	*pos = p;
	return 0;
}

/* Parse "[a-b,c,...]" starting at the '[' at open; *close gets the ']'. */
static int hl_bracket(struct hl_ctx *c, size_t open, size_t end, struct hl_range **out,
		      size_t *nout, size_t *close)
{
	struct hl_range *rs = NULL, *tmp;
	size_t n = 0, p = open + 1;
	int r = 0;

	for (;;) {
		struct hl_range rg;
		if (p >= end) {
			r = hl_error(c, open, "unclosed '['");
			goto out;
		}
		if (c->expr[p] == ']' || c->expr[p] == ',') {
			r = hl_error(c, p, "empty range");
			goto out;
		}
		if ((r = hl_number(c, &p, &rg.lo, &rg.width)) < 0)
			goto out;
		rg.hi = rg.lo;
		if (p < end && c->expr[p] == '-') {
			size_t at = ++p;
			int w;
			if (p >= end) {
				r = hl_error(c, open, "unclosed '['");
				goto out;
			}
			if ((r = hl_number(c, &p, &rg.hi, &w)) < 0)
				goto out;
			if (rg.hi < rg.lo) {
				r = hl_error(c, at, "range end smaller than its start");
				goto out;
			}
		}
		tmp = realloc(rs, (n + 1) * sizeof(*rs));
		if (!tmp) {
			r = -ENOMEM;
			goto out;
		}
		rs = tmp;
		rs[n++] = rg;
		if (p < end && c->expr[p] == ',') {
			p++;
			continue;
		}
		if (p < end && c->expr[p] == ']')
			break;
		r = hl_error(c, p < end ? p : open, p < end ? "unexpected character in brackets"
							      : "unclosed '['");
		goto out;
	}
	*out = rs;
	*nout = n;
	*close = p;
	rs = NULL;
out:
	free(rs);
	return r;
}

/* Expand expr[pos, end) with buf[0, blen) already written. */
static int hl_expand_from(struct hl_ctx *c, size_t pos, size_t end, char *buf, size_t blen)
{
	struct hl_range *rs = NULL;
	size_t nrs = 0, close;
	int r = 0;

	for (; pos < end && c->expr[pos] != '['; pos++) {
		if (c->expr[pos] == ']')
			return hl_error(c, pos, "unexpected ']'");
		if (!hl_name_char(c->expr[pos]))
			return hl_error(c, pos, "invalid character in host name");
		if (blen >= HL_NAME_MAX)
			return hl_error(c, pos, "host name too long");
		buf[blen++] = c->expr[pos];
	}
	if (pos == end) {
		buf[blen] = '\0';
		return hl_add(c, buf);
	}
	if ((r = hl_bracket(c, pos, end, &rs, &nrs, &close)) < 0)
		goto out;
	for (size_t i = 0; i < nrs && r == 0; i++) {
		for (unsigned v = rs[i].lo; r == 0; v++) {
			int w = snprintf(buf + blen, HL_NAME_MAX + 1 - blen, "%0*u", rs[i].width, v);
			if (w < 0 || blen + (size_t)w > HL_NAME_MAX)
				r = hl_error(c, pos, "host name too long");
			else
				r = hl_expand_from(c, close + 1, end, buf, blen + (size_t)w);
			if (v == rs[i].hi)
				break;
		}
	}
out:
	free(rs);
	return r;
}

/* One top-level item expr[start, end): blanks trimmed, must be non-empty. */
static int hl_item(struct hl_ctx *c, size_t start, size_t end)
{
	char buf[HL_NAME_MAX + 1];

	while (start < end && isblank((unsigned char)c->expr[start]))
		start++;
	while (end > start && isblank((unsigned char)c->expr[end - 1]))
		end--;
	if (start == end)
		return hl_error(c, start, "empty name");
	return hl_expand_from(c, start, end, buf, 0);
}

int hostlist_expand(const char *expr, char ***names, size_t *n, char *err, size_t errsz)
{
	struct hl_ctx c = { .expr = expr, .err = err, .errsz = errsz };
	size_t start = 0, depth = 0, i;
	int r = 0;

	if (err && errsz)
		err[0] = '\0';
	for (i = 0;; i++) {
		char ch = expr[i];
		if (ch == '[')
			depth++;
		else if (ch == ']' && depth > 0)
			depth--;
		if ((ch == ',' && depth == 0) || ch == '\0') {
			if ((r = hl_item(&c, start, i)) < 0)
				goto out;
			start = i + 1;
		}
		if (ch == '\0')
			break;
	}
	*names = c.names;
	*n = c.n;
	c.names = NULL;
	c.n = 0;
out:
	hostlist_free(c.names, c.n);
	free(c.slots);
	return r;
}

void hostlist_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
