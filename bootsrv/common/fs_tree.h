/* fs_tree.h - whole directory trees: what one holds, and removing one.
 * Both walk with fts, physically (symlinks are entries, never followed)
 * and without crossing into other filesystems (a /proc mounted inside a
 * chroot-ed image is not part of it). */
#ifndef BOOTSRV_FS_TREE_H
#define BOOTSRV_FS_TREE_H

#include <stdint.h>

struct tree_stats {
	uint64_t bytes;	      /* sizes of regular files, each hard-linked inode once */
	uint64_t entries;     /* everything below the root: files, directories, links */
	int64_t newest_mtime; /* seconds, newest of all entries and the root */
};

/* 0 or -errno (the root cannot be read); unreadable entries below are skipped. */
int tree_stats(const char *root, struct tree_stats *st);
/* rm -rf root, not crossing mount points. 0 (also when root is gone) or the
 * first -errno met; it carries on past errors and removes what it can. */
int tree_remove(const char *root);

#endif
