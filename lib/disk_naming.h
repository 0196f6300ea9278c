/* disk_naming.h - partition device names from whole-disk names.
 *
 * The kernel appends the partition number to the disk name, with a "p" in
 * between when the disk name ends in a digit: vda -> vda1, sda -> sda1, but
 * nvme0n1 -> nvme0n1p1, mmcblk0 -> mmcblk0p1, cciss/c0d0 -> cciss/c0d0p1,
 * loop0 -> loop0p1. SystemImager's tools got /dev/vda wrong (no partitions
 * were generated for it); this is the one place the rule lives. */
#ifndef BOOTSRV_DISK_NAMING_H
#define BOOTSRV_DISK_NAMING_H

#include <stddef.h>

/* Name of partition partno (>= 1) of disk ("/dev/vda" or "vda") into out,
 * keeping the disk's prefix. Returns 0, -EINVAL or -ENAMETOOLONG. */
int disk_part_name(const char *disk, unsigned partno, char *out, size_t outsz);

/* The inverse: the partition number of partdev on disk ("/dev/vda",
 * "/dev/vda2" -> 2; "/dev/nvme0n1", "/dev/nvme0n1p2" -> 2). Returns 0,
 * -ENOENT when partdev is not a partition of disk (another disk, "/dev/vda"
 * itself, "/dev/vdab1", "/dev/nvme0n12") or -EINVAL. */
int disk_part_number(const char *disk, const char *partdev, unsigned *partno);

/* Kernel (sysfs) name of a /dev path: "/dev/cciss/c0d0" -> "cciss!c0d0",
 * "/dev/vda" -> "vda". Returns 0, -EINVAL (not under /dev/) or -ENAMETOOLONG. */
int disk_sysfs_name(const char *devpath, char *out, size_t outsz);

/* The inverse: "/dev/" path of a kernel name, "cciss!c0d0" ->
 * "/dev/cciss/c0d0". Returns 0, -EINVAL or -ENAMETOOLONG. */
int disk_dev_path(const char *sysname, char *out, size_t outsz);

#endif
