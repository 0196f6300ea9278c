/* partition.c - see partition.h */
#include "partition.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <parted/parted.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "disk_naming.h"
#include "install.h"
#include "log.h"
#include "util.h"

#define NODE_TIMEOUT_MS 20000
#define MKNOD_AFTER_MS 2000
#define POLL_MS 50

/* libparted reports problems through an exception handler; the default one
 * prompts on the terminal. Log, keep the last error for the failure report,
 * and answer the way a script must: cancel errors, ignore warnings. */
static char ped_last_error[256];

static PedExceptionOption ped_handler(PedException *ex)
{
	bool error = ex->type >= PED_EXCEPTION_ERROR;

	if (error) {
		log_err("libparted: %s", ex->message);
		snprintf(ped_last_error, sizeof(ped_last_error), "%s", ex->message);
		if (ex->options & PED_EXCEPTION_CANCEL)
			return PED_EXCEPTION_CANCEL;
	} else {
		log_warn("libparted: %s", ex->message);
		if (ex->options & PED_EXCEPTION_IGNORE)
			return PED_EXCEPTION_IGNORE;
		if (ex->options & PED_EXCEPTION_OK)
			return PED_EXCEPTION_OK;
	}
	return PED_EXCEPTION_UNHANDLED;
}

static const char *ped_fs_name(enum plan_fs fs)
{
	switch (fs) {
	case PLAN_FS_SWAP:
		return "linux-swap";
	case PLAN_FS_VFAT:
		return "fat32";
	case PLAN_FS_EXT2:
	case PLAN_FS_EXT3:
	case PLAN_FS_EXT4:
	case PLAN_FS_XFS:
		return plan_fs_name(fs);
	case PLAN_FS_NONE:
		break;
	}
	return NULL;
}

/* Plan flags to libparted flags. On gpt, PED_PARTITION_BOOT means "EFI
 * system partition"; the BIOS boot bit there is LEGACY_BOOT. */
static int set_flags(struct install *in, PedPartition *p, const struct plan_part *pp,
		     bool holds_boot)
{
	bool gpt = in->plan.label == PLAN_LABEL_GPT;
	PedPartitionFlag boot = gpt ? PED_PARTITION_LEGACY_BOOT : PED_PARTITION_BOOT;
	const struct {
		unsigned bit;
		PedPartitionFlag flag;
	} map[] = {
	    {PLAN_FLAG_BOOT, boot},
	    {PLAN_FLAG_ESP, PED_PARTITION_ESP},
	    {PLAN_FLAG_BIOS_GRUB, PED_PARTITION_BIOS_GRUB},
	    {PLAN_FLAG_LVM, PED_PARTITION_LVM},
	    {PLAN_FLAG_RAID, PED_PARTITION_RAID},
	};
	unsigned want = pp->flags | (holds_boot ? PLAN_FLAG_BOOT : 0);

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (!(want & map[i].bit))
			continue;
		if (!ped_partition_is_flag_available(p, map[i].flag) ||
		    !ped_partition_set_flag(p, map[i].flag, 1))
			return install_fail(in, -EINVAL, "partition %d: flag %s not possible on %s",
					    p->num, ped_partition_flag_get_name(map[i].flag),
					    gpt ? "gpt" : "msdos");
	}
	return 0;
}

static int add_partition(struct install *in, PedDisk *disk, size_t i, int boot_idx)
{
	const struct plan_part *pp = &in->plan.parts[i];
	struct part_state *ps = &in->parts[i];
	const char *fsname = ped_fs_name(pp->fs);
	const PedFileSystemType *fst = fsname ? ped_file_system_type_get(fsname) : NULL;
	PedSector end = (PedSector)(ps->geom.start + ps->geom.length - 1);
	PedPartition *p;
	PedConstraint *c;
	int r;

	p = ped_partition_new(disk, PED_PARTITION_NORMAL, fst, (PedSector)ps->geom.start, end);
	if (!p)
		return install_fail(in, -EINVAL, "partition %zu: %s", i + 1, ped_last_error);
	c = ped_constraint_exact(&p->geom);
	if (!c || !ped_disk_add_partition(disk, p, c)) {
		if (c)
			ped_constraint_destroy(c);
		ped_partition_destroy(p);
		return install_fail(in, -EINVAL, "partition %zu: %s", i + 1, ped_last_error);
	}
	ped_constraint_destroy(c);
	ps->num = (unsigned)p->num;
	r = set_flags(in, p, pp, (int)i == boot_idx);
	if (r < 0)
		return r;
	r = disk_part_name(in->disk_dev, ps->num, ps->dev, sizeof(ps->dev));
	if (r < 0)
		return install_fail(in, r, "partition %u of %s: name too long", ps->num,
				    in->disk_dev);
	log_info("partition %s: sectors %" PRIu64 "+%" PRIu64 " %s %s", ps->dev, ps->geom.start,
		 ps->geom.length, plan_fs_name(pp->fs), pp->mount);
	return 0;
}

static int write_label(struct install *in, PedDevice *dev)
{
	const char *label = in->plan.label == PLAN_LABEL_GPT ? "gpt" : "msdos";
	const PedDiskType *type = ped_disk_type_get(label);
	int boot_idx = plan_part_holding(&in->plan, "/boot");
	PedDisk *disk;
	int r = 0;

	if (!type)
		return install_fail(in, -ENOTSUP, "libparted has no %s support", label);
	disk = ped_disk_new_fresh(dev, type);
	if (!disk)
		return install_fail(in, -EIO, "new %s label: %s", label, ped_last_error);
	for (size_t i = 0; r == 0 && i < in->plan.n_parts; i++)
		r = add_partition(in, disk, i, boot_idx);
	if (r == 0)
		in->disk_written = true;
	/* commit = write the label, then tell the kernel (BLKPG per partition) */
	if (r == 0 && !ped_disk_commit(disk))
		r = install_fail(in, -EIO, "writing the %s label to %s: %s", label, in->disk_dev,
				 ped_last_error[0] ? ped_last_error : "failed");
	ped_disk_destroy(disk);
	return r;
}

int partition_wait_node(const char *path, int64_t timeout_ms)
{
	char sysname[NAME_MAX + 1], syspath[PATH_MAX], buf[32];
	int64_t start = now_ms();
	unsigned maj, min;
	struct stat st;

	if (disk_sysfs_name(path, sysname, sizeof(sysname)) < 0)
		return -EINVAL;
	snprintf(syspath, sizeof(syspath), "/sys/class/block/%s/dev", sysname);
	for (;;) {
		bool known = read_first_line(syspath, buf, sizeof(buf)) == 0 &&
			     sscanf(buf, "%u:%u", &maj, &min) == 2;
		if (known && stat(path, &st) == 0 && S_ISBLK(st.st_mode) &&
		    st.st_rdev == makedev(maj, min))
			return 0;
		/* sysfs has it but /dev does not: no devtmpfs here, make the node */
		if (known && now_ms() - start > MKNOD_AFTER_MS && stat(path, &st) < 0 &&
		    mknod(path, S_IFBLK | 0600, makedev(maj, min)) < 0 && errno != EEXIST)
			return -errno;
		if (now_ms() - start > timeout_ms)
			return -ETIMEDOUT;
		struct timespec ts = {.tv_nsec = POLL_MS * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int step_partition(struct install *in)
{
	struct plan_geom g[PLAN_MAX_PARTS];
	char err[256];
	PedDevice *dev;
	int r;

	if (!in->disk_checked) /* e.g. --steps without "disk" */
		return install_fail(in, -EPERM, "the disk was not checked: not partitioning");
	ped_exception_set_handler(ped_handler);
	ped_last_error[0] = '\0';
	r = plan_geometry(&in->plan, in->disk_bytes / in->sector_size, in->sector_size, g, err,
			  sizeof(err));
	if (r < 0)
		return install_fail(in, r, "%s: %s", in->disk_dev, err);
	for (size_t i = 0; i < in->plan.n_parts; i++)
		in->parts[i].geom = g[i];
	dev = ped_device_get(in->disk_dev);
	if (!dev)
		return install_fail(in, -ENODEV, "libparted cannot open %s: %s", in->disk_dev,
				    ped_last_error);
	if ((uint32_t)dev->sector_size != in->sector_size) {
		r = install_fail(in, -EINVAL, "%s: libparted sees %lld-byte sectors, kernel %u",
				 in->disk_dev, dev->sector_size, in->sector_size);
		goto out;
	}
	r = write_label(in, dev);
	for (size_t i = 0; r == 0 && i < in->plan.n_parts; i++) {
		r = partition_wait_node(in->parts[i].dev, NODE_TIMEOUT_MS);
		if (r < 0)
			r = install_fail(in, r, "%s did not appear after partitioning: %s",
					 in->parts[i].dev, strerror(-r));
	}
out:
	ped_device_destroy(dev);
	return r;
}
