/* chroot.h - the API filesystems inside the target (/proc, /sys, /dev) for
 * programs run chrooted into the installed system: the image's own
 * ssh-keygen, its post-install hooks. Mounted around each use and always
 * unmounted again (the target must unmount cleanly before reboot). */
#ifndef INSTALLER_CHROOT_H
#define INSTALLER_CHROOT_H

#include <stdbool.h>
#include <stddef.h>

struct chroot_mounts {
	char root[4096];
	bool mounted[3];
};

/* Mount proc, sysfs and a recursive bind of /dev under root (creating the
 * directories). On failure everything mounted so far is unmounted again
 * and -errno returned with a reason in err. */
int chroot_mounts_up(struct chroot_mounts *cm, const char *root, char *err, size_t errsz);
/* Unmount in reverse order. Returns 0 or the first -errno. */
int chroot_mounts_down(struct chroot_mounts *cm);

/* true when root/path is an executable regular file (no symlink following
 * outside root: lstat). */
bool chroot_has_exec(const char *root, const char *path);

#endif
