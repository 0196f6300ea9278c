/* tar_check.h - is a tarball safe to extract into an image's temporary
 * tree? Checked before anything is extracted, on the members as libarchive
 * reads them (the exact names, not tar -t's quoted listing):
 *   - no absolute name, no ".." component (in names and hard-link targets);
 *   - no member below a symlink member ("lib -> /" then "lib/x": writing
 *     through it would land outside the tree);
 * GNU tar refuses most of this itself (it strips leading '/', skips
 * members with "..", and defers symlinks with unsafe targets); this is
 * checked anyway, before anything is written, with the member named.
 * Symlink targets may be absolute: inside the installed system they
 * point into it, as /etc/localtime -> /usr/share/zoneinfo/... does. */
#ifndef BOOTSRV_TAR_CHECK_H
#define BOOTSRV_TAR_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct tar_member {
	const char *name;
	const char *hardlink; /* target of a hard link, or NULL */
	bool symlink;
};

/* 0, or -EINVAL with why naming the first bad member. Pure. */
int tar_check_members(const struct tar_member *m, size_t n, char *why, size_t whysz);
/* Read the archive's member list (tar, tar.gz, tar.zst ...) and check it.
 * 0, -EINVAL (why says which member), or -errno/-EIO (why says why). */
int tar_check_file(const char *path, char *why, size_t whysz);

#endif
