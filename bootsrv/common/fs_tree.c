/* fs_tree.c - stats of a tree and rm -rf, with fts (see fs_tree.h). */
#include "fs_tree.h"

#include <errno.h>
#include <fts.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct inode_key {
	dev_t dev;
	ino_t ino;
};

static int inode_cmp(const void *a, const void *b)
{
	const struct inode_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* A hard-linked inode counts once: true the first time it is seen. */
static bool first_link(void **seen, const struct stat *s)
{
	struct inode_key *k = malloc(sizeof(*k)), **found;

	if (!k)
		return true;
	*k = (struct inode_key){.dev = s->st_dev, .ino = s->st_ino};
	found = tsearch(k, seen, inode_cmp);
	if (found && *found != k) {
		free(k);
		return false;
	}
	return true;
}

int tree_stats(const char *root, struct tree_stats *st)
{
	char *paths[] = {(char *)root, NULL};
	void *seen = NULL;
	FTSENT *e;
	FTS *fts;

	*st = (struct tree_stats){0};
	if (!(fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL)))
		return -errno;
	while ((e = fts_read(fts))) {
		if (e->fts_info == FTS_DP)
			continue;
		if (e->fts_level == 0 && (e->fts_info == FTS_NS || e->fts_info == FTS_ERR)) {
			int r = -(e->fts_errno ? e->fts_errno : ENOENT);
			fts_close(fts);
			tdestroy(seen, free);
			return r;
		}
		if (e->fts_info == FTS_NS || e->fts_info == FTS_NSOK || !e->fts_statp)
			continue;
		if (e->fts_statp->st_mtime > st->newest_mtime)
			st->newest_mtime = e->fts_statp->st_mtime;
		if (e->fts_level > 0)
			st->entries++;
		if (S_ISREG(e->fts_statp->st_mode) &&
		    (e->fts_statp->st_nlink < 2 || first_link(&seen, e->fts_statp)))
			st->bytes += (uint64_t)e->fts_statp->st_size;
	}
	fts_close(fts);
	tdestroy(seen, free);
	return 0;
}

int tree_remove(const char *root)
{
	char *paths[] = {(char *)root, NULL};
	int r = 0;
	FTSENT *e;
	FTS *fts;

	if (access(root, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (!(fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL)))
		return -errno;
	while ((e = fts_read(fts))) {
		int rc = 0;

		switch (e->fts_info) {
		case FTS_D:
			continue; /* removed on the way back up (FTS_DP) */
		case FTS_DP:
			rc = rmdir(e->fts_accpath);
			break;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			errno = e->fts_errno;
			rc = e->fts_info == FTS_DNR ? rmdir(e->fts_accpath) : -1;
			break;
		default:
			rc = unlink(e->fts_accpath);
			break;
		}
		if (rc < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	fts_close(fts);
	return r;
}
