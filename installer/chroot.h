/* chroot.h - the API filesystems inside the target (/proc, /sys, /dev) for
 * programs run chrooted into the installed system: the image's own
 * ssh-keygen, its post-install hooks, its grub. Mounted around each use and
 * always unmounted again (the target must unmount cleanly before reboot). */
#ifndef INSTALLER_CHROOT_H
#define INSTALLER_CHROOT_H

#include <stdbool.h>
#include <stddef.h>

/* PATH for programs run in the target */
#define CHROOT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum chroot_mount_id { CHROOT_PROC, CHROOT_SYS, CHROOT_EFIVARS, CHROOT_DEV, CHROOT_N_MOUNTS };

struct chroot_mounts {
	char root[4096];
	bool mounted[CHROOT_N_MOUNTS];
	bool private_dev; /* /dev is a tmpfs of our own, not a bind of the installer's */
};

/* A block device the private /dev holds: its node under the same name, and
 * /dev/disk/by-uuid/UUID pointing at it when uuid is not empty (what udev
 * makes; grub's 10_linux writes root=UUID= only when that link exists). */
struct chroot_dev {
	const char *path; /* "/dev/vda2" */
	const char *uuid; /* "" or NULL: no link */
};

struct chroot_opts {
	/* NULL: /dev is a recursive bind of the installer's /dev. Else a
	 * tmpfs with null, zero, full, random, urandom, tty, the /dev/fd and
	 * std* links, and these n_devs block devices. */
	const struct chroot_dev *devs;
	size_t n_devs;
	/* mount efivarfs at sys/firmware/efi/efivars when the firmware is EFI */
	bool efivars;
};

/* Mount proc, sysfs and a recursive bind of /dev under root (creating the
 * directories; a symlink on the way is refused, -ELOOP; root resolving to
 * "/" is refused, -EINVAL). On failure everything mounted so far is
 * unmounted again and -errno returned with a reason in err (and what
 * stayed mounted, if anything). */
int chroot_mounts_up(struct chroot_mounts *cm, const char *root, char *err, size_t errsz);
/* The same with options (o may be NULL). */
int chroot_mounts_up_opts(struct chroot_mounts *cm, const char *root, const struct chroot_opts *o,
			  char *err, size_t errsz);
/* Unmount in reverse order; a busy mount is detached (MNT_DETACH). Mount
 * points are never followed through symlinks. Returns 0 or the first
 * -errno (that mount stays marked mounted). */
int chroot_mounts_down(struct chroot_mounts *cm);
/* The mounts still up, "ROOT/dev, ROOT/proc" ("" when none). */
void chroot_mounts_left(const struct chroot_mounts *cm, char *out, size_t outsz);
/* mount(2) flags of a mount (efivarfs: read-only). */
unsigned long chroot_mount_flags(enum chroot_mount_id id);

/* true when root/path is an executable regular file. lstat: path itself
 * must not be a symlink; the directories before it are followed. */
bool chroot_has_exec(const char *root, const char *path);

#endif
