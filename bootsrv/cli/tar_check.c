/* tar_check.c - member checks before extraction (tar_check.h). */
#include "tar_check.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "./a//b/" -> "a/b" in out; false when the name is absolute or has a
 * ".." component. */
static bool normalize(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	if (in[0] == '/')
		return false;
	while (*in) {
		const char *end = strchr(in, '/');
		size_t len = end ? (size_t)(end - in) : strlen(in);

		if (len == 2 && in[0] == '.' && in[1] == '.')
			return false;
		if (len > 0 && !(len == 1 && in[0] == '.')) {
			if (o + len + 2 > outsz)
				return false;
			if (o)
				out[o++] = '/';
			memcpy(out + o, in, len);
			o += len;
		}
		in += len;
		while (*in == '/')
			in++;
	}
	out[o] = '\0';
	return true;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The longest proper prefix of name that is a symlink member, or NULL. */
static const char *through_symlink(void *links, const char *name, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s", name);
	for (char *slash = strrchr(buf, '/'); slash; slash = strrchr(buf, '/')) {
		*slash = '\0';
		char **hit = tfind(buf, &links, cmp);
		if (hit)
			return *hit;
	}
	return NULL;
}

static void no_free(void *p)
{
	(void)p;
}

int tar_check_members(const struct tar_member *m, size_t n, char *why, size_t whysz)
{
	char **norm = calloc(n ? n : 1, sizeof(*norm));
	char buf[4096], tgt[4096];
	void *links = NULL;
	const char *via;
	int r = 0;

	if (!norm) {
		snprintf(why, whysz, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!normalize(m[i].name, buf, sizeof(buf))) {
			snprintf(why, whysz, "member \"%s\": absolute name or \"..\" component",
				 m[i].name);
			r = -EINVAL;
		} else if (!(norm[i] = strdup(buf))) {
			snprintf(why, whysz, "out of memory");
			r = -ENOMEM;
		} else if (m[i].hardlink && !normalize(m[i].hardlink, tgt, sizeof(tgt))) {
			snprintf(why, whysz,
				 "member \"%s\": hard link to \"%s\" leaves the tree (absolute or "
				 "\"..\")",
				 m[i].name, m[i].hardlink);
			r = -EINVAL;
		} else if (m[i].symlink && norm[i][0] && !tsearch(norm[i], &links, cmp)) {
			snprintf(why, whysz, "out of memory");
			r = -ENOMEM;
		}
	}
	/* second pass: a symlink may come after the members below it */
	for (size_t i = 0; i < n && r == 0; i++) {
		if ((via = through_symlink(links, norm[i], buf, sizeof(buf)))) {
			snprintf(why, whysz, "member \"%s\" goes through the symlink member \"%s\"",
				 m[i].name, via);
			r = -EINVAL;
		} else if (m[i].hardlink && normalize(m[i].hardlink, tgt, sizeof(tgt)) &&
			   (via = through_symlink(links, tgt, buf, sizeof(buf)))) {
			snprintf(why, whysz,
				 "member \"%s\": hard link target \"%s\" goes through the symlink "
				 "member \"%s\"",
				 m[i].name, m[i].hardlink, via);
			r = -EINVAL;
		}
	}
	tdestroy(links, no_free);
	for (size_t i = 0; i < n; i++)
		free(norm[i]);
	free(norm);
	return r;
}

struct member_list {
	struct tar_member *v;
	char **strs;
	size_t n, cap;
};

static int list_add(struct member_list *l, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e), *hl = archive_entry_hardlink(e);

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct tar_member *v = realloc(l->v, cap * sizeof(*v));
		char **s = v ? realloc(l->strs, cap * 2 * sizeof(*s)) : NULL;
		if (v)
			l->v = v;
		if (!s)
			return -ENOMEM;
		l->strs = s;
		l->cap = cap;
	}
	l->strs[2 * l->n] = strdup(name ? name : "");
	l->strs[2 * l->n + 1] = hl ? strdup(hl) : NULL;
	if (!l->strs[2 * l->n] || (hl && !l->strs[2 * l->n + 1])) {
		free(l->strs[2 * l->n]);
		free(l->strs[2 * l->n + 1]);
		return -ENOMEM;
	}
	l->v[l->n] = (struct tar_member){.name = l->strs[2 * l->n],
					 .hardlink = l->strs[2 * l->n + 1],
					 .symlink = archive_entry_filetype(e) == AE_IFLNK};
	l->n++;
	return 0;
}

int tar_check_file(const char *path, char *why, size_t whysz)
{
	struct archive *a = archive_read_new();
	struct member_list l = {0};
	struct archive_entry *e;
	int r = 0, ar;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		snprintf(why, whysz, "%s: %s", path, archive_error_string(a));
		r = -EIO;
		goto out;
	}
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK || ar == ARCHIVE_WARN)
		if ((r = list_add(&l, e)) < 0) {
			snprintf(why, whysz, "out of memory");
			goto out;
		}
	if (ar != ARCHIVE_EOF) {
		snprintf(why, whysz, "%s: not a readable tar archive: %s", path,
			 archive_error_string(a));
		r = -EIO;
		goto out;
	}
	if (l.n == 0) {
		snprintf(why, whysz, "%s: an empty archive", path);
		r = -EINVAL;
		goto out;
	}
	r = tar_check_members(l.v, l.n, why, whysz);
out:
	for (size_t i = 0; i < 2 * l.n; i++)
		free(l.strs[i]);
	free(l.strs);
	free(l.v);
	archive_read_free(a);
	return r;
}
