/* disk_probe.h - what the block devices in sysfs are, which one is the
 * "first" disk, and when the kernel has finished finding them. Every
 * function takes the sysfs block directory ("/sys/block"), so the
 * decisions are unit tested over a fake tree. */
#ifndef INSTALLER_DISK_PROBE_H
#define INSTALLER_DISK_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYS_BLOCK "/sys/block"

enum disk_kind {
	DISK_KIND_DISK, /* a disk an installer may partition */
	DISK_KIND_LOOP,
	DISK_KIND_MD,
	DISK_KIND_DM,
	DISK_KIND_NBD,
	DISK_KIND_ZRAM,
	DISK_KIND_RAM,
	DISK_KIND_OPTICAL,
	DISK_KIND_FLOPPY,
	DISK_KIND_MTD,
};

/* What sys_block/name is: by the kernel's own markers first (md/, dm/,
 * loop/ directories, zram's comp_algorithm), then by the driver's name
 * prefix (nbd, ram, sr, fd, mtdblock ...). */
enum disk_kind disk_kind(const char *sys_block, const char *name);
/* "software RAID (md) device" ... for refusal messages. */
const char *disk_kind_name(enum disk_kind k);

/* Name prefixes alone (loop, ram, zram, dm-, md, sr, fd, nbd, mtdblock):
 * never an install target. */
bool disk_is_virtual(const char *name);

/* Decimal attribute sys_block/NAME/ATTR. */
int disk_sysfs_u64_at(const char *sys_block, const char *name, const char *attr, uint64_t *v);
/* The same under /sys/block. */
int disk_sysfs_u64(const char *sysname, const char *attr, uint64_t *v);

/* "first": the first non-removable disk of DISK_KIND_DISK with a size
 * (version order: nvme0n1 < sda < vda). Writes /dev/NAME into dev.
 * Returns 0 or -ENODEV. */
int disk_find_first(const char *sys_block, char *dev, size_t devsz);

/* The disks now in sys_block as text ("sda 2097152 0\nvda ..." sorted: name,
 * size, removable) - two equal snapshots mean nothing changed. Returns how
 * many could be "first" (non-removable, size > 0), or -errno. */
int disk_snapshot(const char *sys_block, char *out, size_t outsz);

/* Waiting for probing to settle: done once the snapshot has not changed
 * for stable_ms and holds a candidate; given up after max_ms. */
#define DISK_SETTLE_STABLE_MS 1500
#define DISK_SETTLE_MAX_MS 30000
#define DISK_SETTLE_POLL_MS 100
#define DISK_SNAPSHOT_MAX 4096

enum disk_settle_state { DISK_SETTLE_WAIT, DISK_SETTLE_DONE, DISK_SETTLE_TIMEOUT };

struct disk_settle {
	int64_t stable_ms, max_ms;
	bool begun;
	int64_t started, since;
	char last[DISK_SNAPSHOT_MAX];
};

void disk_settle_init(struct disk_settle *s, int64_t stable_ms, int64_t max_ms);
/* Feed one snapshot (and its candidate count) taken at now (ms). */
enum disk_settle_state disk_settle_step(struct disk_settle *s, const char *snapshot, int candidates,
					int64_t now);

/* Poll sys_block until probing settles (or DISK_SETTLE_MAX_MS). Returns
 * 0 when settled, -ETIMEDOUT when it did not (the caller goes on with what
 * is there). */
int disk_wait_settled(const char *sys_block);

#endif
