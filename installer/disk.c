/* disk.c - see disk.h */
#include "disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "disk_naming.h"
#include "disk_probe.h"
#include "install.h"
#include "log.h"
#include "util.h"

#define MAX_DEVS 64

static int sysfs_devnum(const char *path, dev_t *d)
{
	char buf[32];
	unsigned maj, min;
	int r = read_first_line(path, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	*d = makedev(maj, min);
	return 0;
}

/* dev_t of the disk and of each of its partitions. */
static size_t disk_devnums(const char *sysname, dev_t disk, dev_t out[MAX_DEVS])
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	out[n++] = disk;
	snprintf(path, sizeof(path), "/sys/block/%s", sysname);
	d = opendir(path);
	if (!d)
		return n;
	while ((de = readdir(d)) && n < MAX_DEVS) {
		char p[PATH_MAX + NAME_MAX + 16];
		snprintf(p, sizeof(p), "/sys/block/%s/%s/dev", sysname, de->d_name);
		if (de->d_name[0] != '.' && strncmp(de->d_name, sysname, strlen(sysname)) == 0 &&
		    sysfs_devnum(p, &out[n]) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static bool in_set(dev_t d, const dev_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == d)
			return true;
	return false;
}

/* /proc/self/mountinfo field 3 is the mounted filesystem's st_dev. */
static int check_mounts(const dev_t *set, size_t n, char *what, size_t whatsz)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int rc = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char mnt[1024];
		if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &maj, &min, mnt) == 3 &&
		    in_set(makedev(maj, min), set, n)) {
			snprintf(what, whatsz, "mounted on %s", mnt);
			rc = -EBUSY;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int check_swaps(const dev_t *set, size_t n, char *what, size_t whatsz)
{
	char line[1024], path[1024];
	FILE *f = fopen("/proc/swaps", "re");
	int rc = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		struct stat st;
		if (sscanf(line, "%1023s", path) == 1 && path[0] == '/' && stat(path, &st) == 0 &&
		    S_ISBLK(st.st_mode) && in_set(st.st_rdev, set, n)) {
			snprintf(what, whatsz, "in use as swap (%s)", path);
			rc = -EBUSY;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Anything under holders/ (device-mapper, md, bcache) of the disk or of one
 * of its partitions. */
static int check_holders(const char *sysname, char *what, size_t whatsz)
{
	char path[PATH_MAX];
	struct dirent *de, *h;
	DIR *d, *hd;
	int rc = 0;

	snprintf(path, sizeof(path), "/sys/block/%s", sysname);
	d = opendir(path);
	if (!d)
		return -errno;
	while (rc == 0 && (de = readdir(d))) {
		bool self = strcmp(de->d_name, ".") == 0;
		if (!self && strncmp(de->d_name, sysname, strlen(sysname)) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/%s/holders", sysname,
			 self ? "" : de->d_name);
		hd = opendir(path);
		if (!hd)
			continue;
		while ((h = readdir(hd)))
			if (h->d_name[0] != '.') {
				snprintf(what, whatsz, "held by %s", h->d_name);
				rc = -EBUSY;
				break;
			}
		closedir(hd);
	}
	closedir(d);
	return rc;
}

static int resolve_dev(struct install *in, const char *spec, struct stat *st)
{
	char real[PATH_MAX];
	int r;

	if (strcmp(spec, "first") == 0) {
		/* controllers are still being probed while modules load: choose
		 * only once the set of disks has stopped changing */
		disk_wait_settled(SYS_BLOCK);
		r = disk_find_first(SYS_BLOCK, in->disk_dev, sizeof(in->disk_dev));
		if (r < 0)
			return install_fail(in, r, "no non-removable disk found in /sys/block");
		log_info("disk \"first\" is %s", in->disk_dev);
	} else {
		if (!realpath(spec, real))
			return install_fail(in, -errno, "disk %s: %s", spec, strerror(errno));
		snprintf(in->disk_dev, sizeof(in->disk_dev), "%s", real);
	}
	if (stat(in->disk_dev, st) < 0)
		return install_fail(in, -errno, "disk %s: %s", in->disk_dev, strerror(errno));
	if (!S_ISBLK(st->st_mode))
		return install_fail(in, -ENOTBLK, "%s is not a block device", in->disk_dev);
	r = disk_sysfs_name(in->disk_dev, in->disk_sysfs, sizeof(in->disk_sysfs));
	if (r < 0)
		return install_fail(in, r, "%s is not a /dev/ path", in->disk_dev);
	return 0;
}

/* md, dm, nbd, zram, RAM disks are not disks: partitioning one destroys an
 * array, a volume or a remote export. Loop devices only with --allow-loop
 * (tests and disk image files). */
static int check_kind(struct install *in)
{
	enum disk_kind k = disk_kind(SYS_BLOCK, in->disk_sysfs);

	if (k == DISK_KIND_DISK)
		return 0;
	if (k == DISK_KIND_LOOP && in->args.allow_loop) {
		log_info("%s is a loop device, allowed by --allow-loop", in->disk_dev);
		return 0;
	}
	return install_fail(in, -EMEDIUMTYPE, "%s is a %s, not a disk: refusing%s", in->disk_dev,
			    disk_kind_name(k),
			    k == DISK_KIND_LOOP ? " (--allow-loop installs onto one)" : "");
}

/* Whole disk whose sysfs identity matches the node; not removable or ro. */
static int check_identity(struct install *in, const struct stat *st)
{
	char path[PATH_MAX];
	uint64_t removable = 0, ro = 0;
	dev_t sysdev;

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/dev", in->disk_sysfs);
	if (sysfs_devnum(path, &sysdev) < 0)
		return install_fail(in, -ENOTBLK, "%s is not a whole disk (a partition?)",
				    in->disk_dev);
	if (sysdev != st->st_rdev)
		return install_fail(in, -ENODEV, "%s is device %u:%u but sysfs says %u:%u",
				    in->disk_dev, major(st->st_rdev), minor(st->st_rdev),
				    major(sysdev), minor(sysdev));
	if (disk_sysfs_u64(in->disk_sysfs, "removable", &removable) < 0 || removable)
		return install_fail(in, -EMEDIUMTYPE, "%s is removable media, refusing",
				    in->disk_dev);
	if (disk_sysfs_u64(in->disk_sysfs, "ro", &ro) < 0 || ro)
		return install_fail(in, -EROFS, "%s is read-only", in->disk_dev);
	return 0;
}

static int check_in_use(struct install *in, const struct stat *st)
{
	dev_t set[MAX_DEVS];
	size_t n = disk_devnums(in->disk_sysfs, st->st_rdev, set);
	char what[1100] = "";
	int fd, r;

	r = check_mounts(set, n, what, sizeof(what));
	if (r == 0)
		r = check_swaps(set, n, what, sizeof(what));
	if (r == 0)
		r = check_holders(in->disk_sysfs, what, sizeof(what));
	if (r < 0)
		return install_fail(in, r, "%s (or a partition of it) is %s, refusing",
				    in->disk_dev, what[0] ? what : "in use");
	/* the kernel's own answer: an exclusive open fails while anything claims
	 * the disk or one of its partitions */
	fd = open(in->disk_dev, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0)
		return install_fail(in, -errno, "%s is in use (exclusive open: %s), refusing",
				    in->disk_dev, strerror(errno));
	r = ioctl(fd, BLKGETSIZE64, &in->disk_bytes) < 0 ? -errno : 0;
	int ss = 0;
	if (r == 0 && ioctl(fd, BLKSSZGET, &ss) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return install_fail(in, r, "%s: cannot read its size: %s", in->disk_dev,
				    strerror(-r));
	in->sector_size = (uint32_t)ss;
	return 0;
}

int step_disk(struct install *in)
{
	const char *spec = in->args.disk[0] ? in->args.disk : in->plan.disk;
	struct stat st;
	uint64_t need;
	int r;

	if (!in->have_plan)
		return install_fail(in, -EINVAL, "no plan: the plan step did not run");
	r = resolve_dev(in, spec, &st);
	if (r == 0)
		r = check_identity(in, &st);
	if (r == 0)
		r = check_kind(in);
	if (r == 0)
		r = check_in_use(in, &st);
	if (r < 0)
		return r;
	need = plan_min_disk_bytes(&in->plan, in->sector_size);
	if (in->disk_bytes < need)
		return install_fail(
		    in, -ENOSPC, "%s is too small: %" PRIu64 " bytes, layout \"%s\" needs %" PRIu64,
		    in->disk_dev, in->disk_bytes, in->plan.layout_name, need);
	log_info("target disk %s: %" PRIu64 " bytes, %u-byte sectors", in->disk_dev, in->disk_bytes,
		 in->sector_size);
	in->disk_checked = true;
	return 0;
}
