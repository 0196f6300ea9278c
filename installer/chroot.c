/* chroot.c - see chroot.h */
#include "chroot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "pathfmt.h"
#include "util.h"

static const struct {
	const char *dir, *src, *type;
	unsigned long flags;
} api_mounts[CHROOT_N_MOUNTS] = {
    [CHROOT_PROC] = {"proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC},
    [CHROOT_SYS] = {"sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC},
    /* read-only: grub runs with --no-nvram, nothing may write NVRAM */
    [CHROOT_EFIVARS] = {"sys/firmware/efi/efivars", "efivarfs", "efivarfs",
			MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY},
    [CHROOT_DEV] = {"dev", "/dev", NULL, MS_BIND | MS_REC},
};

/* Character devices every program expects, copied from the installer's. */
static const char *const std_chr[] = {"null", "zero", "full", "random", "urandom", "tty"};
static const struct {
	const char *name, *to;
} std_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

/* The node src (a device of the installer's /dev) at dst, same type, mode
 * and numbers. */
static int copy_node(const char *src, const char *dst)
{
	struct stat st;

	if (stat(src, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
		return -ENOTBLK;
	if (mknod(dst, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* /dev/disk/by-uuid/UUID -> ../../vda2 (relative, as udev makes it). */
static int uuid_link(const char *devdir, const struct chroot_dev *d)
{
	char dir[PATH_MAX], link[PATH_MAX], to[PATH_MAX];
	int r;

	if (!d->uuid || !d->uuid[0] || strchr(d->uuid, '/'))
		return 0;
	r = path_fmt(dir, sizeof(dir), "%s/disk/by-uuid", devdir);
	if (r == 0)
		r = mkdir_p(dir, 0755);
	if (r == 0)
		r = path_fmt(link, sizeof(link), "%s/%s", dir, d->uuid);
	if (r == 0)
		r = path_fmt(to, sizeof(to), "../..%s", d->path + strlen("/dev"));
	if (r == 0 && symlink(to, link) < 0 && errno != EEXIST)
		r = -errno;
	return r;
}

static int populate_dev(const char *devdir, const struct chroot_opts *o, char *err, size_t errsz)
{
	char src[PATH_MAX], dst[PATH_MAX], parent[PATH_MAX];
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(std_chr); i++) {
		snprintf(src, sizeof(src), "/dev/%s", std_chr[i]);
		r = path_fmt(dst, sizeof(dst), "%s/%s", devdir, std_chr[i]);
		if (r == 0)
			r = copy_node(src, dst);
		if (r == -ENOENT) /* no tty in a test's namespace is fine */
			r = 0;
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(std_links); i++) {
		r = path_fmt(dst, sizeof(dst), "%s/%s", devdir, std_links[i].name);
		if (r == 0 && symlink(std_links[i].to, dst) < 0)
			r = -errno;
	}
	for (size_t i = 0; r == 0 && i < o->n_devs; i++) {
		const char *p = o->devs[i].path;
		if (strncmp(p, "/dev/", 5) != 0 || strstr(p, "..")) {
			r = -EINVAL;
			break;
		}
		/* cciss/c0d0p1: the directory first */
		r = path_fmt(dst, sizeof(dst), "%s%s", devdir, p + strlen("/dev"));
		if (r == 0 && path_fmt(parent, sizeof(parent), "%s", dst) == 0) {
			*strrchr(parent, '/') = '\0';
			r = mkdir_p(parent, 0755);
		}
		if (r == 0)
			r = copy_node(p, dst);
		if (r == 0)
			r = uuid_link(devdir, &o->devs[i]);
		if (r < 0)
			snprintf(err, errsz, "device node %s in the target's /dev: %s", p,
				 strerror(-r));
	}
	if (r < 0 && !err[0])
		snprintf(err, errsz, "populating the target's /dev: %s", strerror(-r));
	return r;
}

unsigned long chroot_mount_flags(enum chroot_mount_id id)
{
	return (size_t)id < ARRAY_SIZE(api_mounts) ? api_mounts[id].flags : 0;
}

/* mount(2) on root/dir, dir walked without following symlinks (an image's
 * "dev -> /dev" must not put our mount over the installer's own /dev):
 * the mount goes on /proc/self/fd/N of the directory reached. */
static int mount_in_root(const char *root, const char *dir, bool create, const char *src,
			 const char *type, unsigned long flags, const char *data)
{
	char at[64];
	int fd = open_dir_in_root(root, dir, create, 0755), r = 0;

	if (fd < 0)
		return fd;
	snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
	if (mount(src, at, type, flags, data) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int mount_one(struct chroot_mounts *cm, enum chroot_mount_id id, const struct chroot_opts *o,
		     char *err, size_t errsz)
{
	const char *dir = api_mounts[id].dir;
	char path[PATH_MAX];
	int r;

	r = path_fmt(path, sizeof(path), "%s/%s", cm->root, dir);
	if (r == 0 && id == CHROOT_EFIVARS) {
		/* only where the firmware is EFI: the directory comes with sysfs */
		if (!o || !o->efivars)
			return 0;
		r = mount_in_root(cm->root, dir, false, api_mounts[id].src, api_mounts[id].type,
				  api_mounts[id].flags, NULL);
		if (r == -ENOENT)
			return 0;
		if (r < 0) {
			log_warn("mounting efivarfs on %s (not needed: --no-nvram): %s", path,
				 strerror(-r));
			return 0;
		}
		cm->mounted[id] = true;
		log_info("mounted efivarfs read-only on %s", path);
		return 0;
	}
	if (r == 0 && id == CHROOT_DEV && o && o->devs) {
		r = mount_in_root(cm->root, dir, true, "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC,
				  "mode=0755");
		if (r == 0) {
			cm->mounted[id] = true;
			cm->private_dev = true;
			return populate_dev(path, o, err, errsz);
		}
	} else if (r == 0) {
		r = mount_in_root(cm->root, dir, true, api_mounts[id].src, api_mounts[id].type,
				  api_mounts[id].flags, NULL);
	}
	if (r < 0) {
		snprintf(err, errsz, "mounting %s in the target: %s%s", path, strerror(-r),
			 r == -ELOOP ? " (a symlink in the image)" : "");
		return r;
	}
	cm->mounted[id] = true;
	return 0;
}

int chroot_mounts_up_opts(struct chroot_mounts *cm, const char *root, const struct chroot_opts *o,
			  char *err, size_t errsz)
{
	char real[PATH_MAX];

	memset(cm, 0, sizeof(*cm));
	if (errsz)
		err[0] = '\0';
	if (path_fmt(cm->root, sizeof(cm->root), "%s", root) < 0) {
		snprintf(err, errsz, "target path too long (%zu bytes)", strlen(root));
		return -ENAMETOOLONG;
	}
	if (realpath(root, real) && strcmp(real, "/") == 0) {
		snprintf(err, errsz, "%s is the installer's own root: no chroot mounts on it",
			 root);
		return -EINVAL;
	}
	for (int id = 0; id < CHROOT_N_MOUNTS; id++) {
		int r = mount_one(cm, (enum chroot_mount_id)id, o, err, errsz);
		if (r < 0) {
			char left[128];
			if (chroot_mounts_down(cm) < 0) {
				chroot_mounts_left(cm, left, sizeof(left));
				size_t n = strlen(err);
				snprintf(err + n, errsz - n, "; stayed mounted: %s", left);
			}
			return r;
		}
	}
	return 0;
}

int chroot_mounts_up(struct chroot_mounts *cm, const char *root, char *err, size_t errsz)
{
	return chroot_mounts_up_opts(cm, root, NULL, err, errsz);
}

int chroot_mounts_down(struct chroot_mounts *cm)
{
	char path[PATH_MAX];
	int rc = 0;

	for (size_t i = CHROOT_N_MOUNTS; i-- > 0;) {
		if (!cm->mounted[i])
			continue;
		if (path_fmt(path, sizeof(path), "%s/%s", cm->root, api_mounts[i].dir) < 0)
			continue;
		/* a recursive bind carries /dev/pts, /dev/shm ...: detach the tree */
		bool bind = i == CHROOT_DEV && !cm->private_dev;
		if (umount2(path, (bind ? MNT_DETACH : 0) | UMOUNT_NOFOLLOW) < 0) {
			int e = errno;
			/* busy (a leftover process of the tool): out of the tree now,
			 * freed when the last user goes */
			if (bind || umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
				log_warn("umount %s: %s", path, strerror(e));
				if (rc == 0)
					rc = -e;
				continue;
			}
			log_warn("umount %s: %s; detached instead", path, strerror(e));
		}
		cm->mounted[i] = false;
	}
	return rc;
}

void chroot_mounts_left(const struct chroot_mounts *cm, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz)
		out[0] = '\0';
	for (size_t i = 0; i < CHROOT_N_MOUNTS && o < outsz; i++)
		if (cm->mounted[i]) {
			int w = snprintf(out + o, outsz - o, "%s%s/%s", o ? ", " : "", cm->root,
					 api_mounts[i].dir);
			if (w < 0)
				break;
			o += (size_t)w;
		}
}

bool chroot_has_exec(const char *root, const char *path)
{
	char full[PATH_MAX];
	struct stat st;

	return path_fmt(full, sizeof(full), "%s%s", root, path) == 0 && lstat(full, &st) == 0 &&
	       S_ISREG(st.st_mode) && (st.st_mode & 0111);
}
