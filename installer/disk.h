/* disk.h - find the target disk and refuse a wrong one before anything is
 * written (busybox switch_root's "be REALLY SURE"): whole disk, not
 * removable, not read-only, not an md/dm/nbd/zram/RAM/loop device (loop
 * only with --allow-loop), nothing mounted/swapped/held on it, big enough.
 * "first" is chosen once disk probing has settled. */
#ifndef INSTALLER_DISK_H
#define INSTALLER_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk_probe.h"

struct install;

/* The "disk" step: resolve in->plan.disk (or --disk), check, fill in
 * in->disk_dev, disk_sysfs, disk_bytes, sector_size. */
int step_disk(struct install *in);

#endif
