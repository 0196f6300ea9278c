/* chroot.c - see chroot.h */
#include "chroot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "log.h"
#include "pathfmt.h"
#include "util.h"

static const struct {
	const char *dir, *src, *type;
	unsigned long flags;
} api_mounts[3] = {
    {"proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {"sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {"dev", "/dev", NULL, MS_BIND | MS_REC},
};

int chroot_mounts_up(struct chroot_mounts *cm, const char *root, char *err, size_t errsz)
{
	char path[PATH_MAX];
	int r;

	memset(cm, 0, sizeof(*cm));
	if (path_fmt(cm->root, sizeof(cm->root), "%s", root) < 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < ARRAY_SIZE(api_mounts); i++) {
		r = path_fmt(path, sizeof(path), "%s/%s", root, api_mounts[i].dir);
		if (r == 0)
			r = mkdir_p(path, 0755);
		if (r == 0 && mount(api_mounts[i].src, path, api_mounts[i].type,
				    api_mounts[i].flags, NULL) < 0)
			r = -errno;
		if (r < 0) {
			snprintf(err, errsz, "mounting %s in the target: %s", path, strerror(-r));
			chroot_mounts_down(cm);
			return r;
		}
		cm->mounted[i] = true;
	}
	return 0;
}

int chroot_mounts_down(struct chroot_mounts *cm)
{
	char path[PATH_MAX];
	int rc = 0;

	for (size_t i = ARRAY_SIZE(api_mounts); i-- > 0;) {
		if (!cm->mounted[i])
			continue;
		if (path_fmt(path, sizeof(path), "%s/%s", cm->root, api_mounts[i].dir) < 0)
			continue;
		/* a recursive bind carries /dev/pts, /dev/shm ...: detach the tree */
		if (umount2(path, api_mounts[i].type ? 0 : MNT_DETACH) < 0) {
			log_warn_errno("umount %s", path);
			if (rc == 0)
				rc = -errno;
			continue;
		}
		cm->mounted[i] = false;
	}
	return rc;
}

bool chroot_has_exec(const char *root, const char *path)
{
	char full[PATH_MAX];
	struct stat st;

	return path_fmt(full, sizeof(full), "%s%s", root, path) == 0 && lstat(full, &st) == 0 &&
	       S_ISREG(st.st_mode) && (st.st_mode & 0111);
}
