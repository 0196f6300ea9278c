/* disk.h - find the target disk and refuse a wrong one before anything is
 * written (busybox switch_root's "be REALLY SURE"): whole disk, not
 * removable, not read-only, nothing mounted/swapped/held on it, big enough. */
#ifndef INSTALLER_DISK_H
#define INSTALLER_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct install;

/* "first": the first non-removable, non-virtual disk in /sys/block (version
 * order: nvme0n1 < sda < vda). Writes /dev/NAME into dev. Returns 0 or
 * -ENODEV. */
int disk_find_first(const char *sys_block, char *dev, size_t devsz);

/* loop, ram, zram, dm-, md, sr, fd, nbd, mtdblock: never an install target. */
bool disk_is_virtual(const char *name);

/* Read a decimal sysfs attribute /sys/block/NAME/ATTR. */
int disk_sysfs_u64(const char *sysname, const char *attr, uint64_t *v);

/* The "disk" step: resolve in->plan.disk (or --disk), check, fill in
 * in->disk_dev, disk_sysfs, disk_bytes, sector_size. */
int step_disk(struct install *in);

#endif
