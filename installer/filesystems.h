/* filesystems.h - the "mkfs" and "mount" steps, reading filesystem UUIDs
 * from superblocks, and unmounting the target before reboot. */
#ifndef INSTALLER_FILESYSTEMS_H
#define INSTALLER_FILESYSTEMS_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct install;

/* UUID of the filesystem or swap area on dev, as text ("xxxxxxxx-xxxx-...";
 * FAT: the "XXXX-XXXX" serial; out >= 37). Returns 0, -EINVAL (no such
 * signature) or -errno. */
int fs_read_uuid(const char *dev, enum plan_fs fs, char *out, size_t outsz);
/* Same, from a buffer holding the first 64 KiB of the device (tests). */
int fs_uuid_from_buf(const uint8_t *buf, size_t len, enum plan_fs fs, char *out, size_t outsz);

/* Indices of the mountable partitions, parents before children. */
size_t fs_mount_order(const struct plan *p, size_t order[PLAN_MAX_PARTS]);

int step_mkfs(struct install *in);
int step_mount(struct install *in);
/* Unmount what step_mount mounted, children first. Returns 0 or the first
 * error. */
int target_umount_all(struct install *in);

#endif
