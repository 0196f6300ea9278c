/* disk_probe.c - see disk_probe.h */
#include "disk_probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define MAX_DEVS 128

int disk_sysfs_u64_at(const char *sys_block, const char *name, const char *attr, uint64_t *v)
{
	char path[PATH_MAX], buf[64];
	int r;

	if (snprintf(path, sizeof(path), "%s/%s/%s", sys_block, name, attr) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = read_first_line(path, buf, sizeof(buf));
	return r < 0 ? r : parse_u64(buf, 0, UINT64_MAX, v);
}

int disk_sysfs_u64(const char *sysname, const char *attr, uint64_t *v)
{
	return disk_sysfs_u64_at(SYS_BLOCK, sysname, attr, v);
}

/* The kernel's markers: drivers add these under the disk's sysfs node. */
static const struct {
	const char *entry;
	enum disk_kind kind;
} markers[] = {
    {"md", DISK_KIND_MD},     /* drivers/md/md.c: md/ (array attributes) */
    {"dm", DISK_KIND_DM},     /* drivers/md/dm-sysfs.c: dm/name, dm/uuid */
    {"loop", DISK_KIND_LOOP}, /* drivers/block/loop.c: loop/backing_file */
    {"comp_algorithm", DISK_KIND_ZRAM},
};

/* Names the drivers give (an unbound loop or nbd has no marker). */
static const struct {
	const char *prefix;
	enum disk_kind kind;
} prefixes[] = {
    {"loop", DISK_KIND_LOOP},  {"zram", DISK_KIND_ZRAM}, {"ram", DISK_KIND_RAM},
    {"dm-", DISK_KIND_DM},     {"md", DISK_KIND_MD},	 {"nbd", DISK_KIND_NBD},
    {"sr", DISK_KIND_OPTICAL}, {"fd", DISK_KIND_FLOPPY}, {"mtdblock", DISK_KIND_MTD},
};

static const char *const kind_names[] = {
    [DISK_KIND_DISK] = "disk",
    [DISK_KIND_LOOP] = "loop device",
    [DISK_KIND_MD] = "software RAID (md) device",
    [DISK_KIND_DM] = "device-mapper device (LVM, dm-crypt, multipath)",
    [DISK_KIND_NBD] = "network block device (nbd)",
    [DISK_KIND_ZRAM] = "compressed RAM disk (zram)",
    [DISK_KIND_RAM] = "RAM disk",
    [DISK_KIND_OPTICAL] = "optical drive",
    [DISK_KIND_FLOPPY] = "floppy drive",
    [DISK_KIND_MTD] = "flash (MTD) block device",
};

const char *disk_kind_name(enum disk_kind k)
{
	return (size_t)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "unknown device";
}

static enum disk_kind kind_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(name, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0)
			return prefixes[i].kind;
	return DISK_KIND_DISK;
}

bool disk_is_virtual(const char *name)
{
	return kind_by_name(name) != DISK_KIND_DISK;
}

enum disk_kind disk_kind(const char *sys_block, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
		if (snprintf(path, sizeof(path), "%s/%s/%s", sys_block, name, markers[i].entry) <
			(int)sizeof(path) &&
		    lstat(path, &st) == 0)
			return markers[i].kind;
	return kind_by_name(name);
}

/* A disk "first" may pick: a real disk with a device, not removable, sized. */
static bool first_candidate(const char *sys_block, const char *name, uint64_t *size,
			    uint64_t *removable)
{
	char path[PATH_MAX];
	struct stat st;

	*size = 0;
	*removable = 1;
	if (name[0] == '.' || disk_kind(sys_block, name) != DISK_KIND_DISK)
		return false;
	disk_sysfs_u64_at(sys_block, name, "size", size);
	disk_sysfs_u64_at(sys_block, name, "removable", removable);
	return snprintf(path, sizeof(path), "%s/%s/device", sys_block, name) < (int)sizeof(path) &&
	       stat(path, &st) == 0 && *removable == 0 && *size > 0;
}

int disk_find_first(const char *sys_block, char *dev, size_t devsz)
{
	char best[NAME_MAX + 1] = "";
	struct dirent *de;
	DIR *d = opendir(sys_block);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint64_t size, removable;
		if (first_candidate(sys_block, de->d_name, &size, &removable) &&
		    (!best[0] || strverscmp(de->d_name, best) < 0))
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return -ENODEV;
	/* sysfs writes '/' in names as '!' (cciss!c0d0) */
	for (char *p = best; *p; p++)
		if (*p == '!')
			*p = '/';
	return snprintf(dev, devsz, "/dev/%s", best) < (int)devsz ? 0 : -ENAMETOOLONG;
}

static int cmp_ver(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

int disk_snapshot(const char *sys_block, char *out, size_t outsz)
{
	char *lines[MAX_DEVS];
	size_t n = 0, o = 0;
	int candidates = 0;
	struct dirent *de;
	DIR *d = opendir(sys_block);

	out[0] = '\0';
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < MAX_DEVS) {
		uint64_t size, removable;
		if (de->d_name[0] == '.' || disk_kind(sys_block, de->d_name) != DISK_KIND_DISK)
			continue;
		candidates += first_candidate(sys_block, de->d_name, &size, &removable);
		if (asprintf(&lines[n], "%s %llu %llu\n", de->d_name, (unsigned long long)size,
			     (unsigned long long)removable) < 0)
			break;
		n++;
	}
	closedir(d);
	qsort(lines, n, sizeof(lines[0]), cmp_ver);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);
		if (o + len < outsz) {
			memcpy(out + o, lines[i], len + 1);
			o += len;
		}
		free(lines[i]);
	}
	return candidates;
}

void disk_settle_init(struct disk_settle *s, int64_t stable_ms, int64_t max_ms)
{
	memset(s, 0, sizeof(*s));
	s->stable_ms = stable_ms;
	s->max_ms = max_ms;
}

enum disk_settle_state disk_settle_step(struct disk_settle *s, const char *snapshot, int candidates,
					int64_t now)
{
	if (!s->begun || strcmp(snapshot, s->last) != 0) {
		if (!s->begun)
			s->started = now;
		s->begun = true;
		s->since = now;
		snprintf(s->last, sizeof(s->last), "%s", snapshot);
	}
	/* a disk whose controller is still being probed has not appeared
	 * yet: an unchanged set without a candidate is not settled */
	if (candidates > 0 && now - s->since >= s->stable_ms)
		return DISK_SETTLE_DONE;
	if (now - s->started >= s->max_ms)
		return DISK_SETTLE_TIMEOUT;
	return DISK_SETTLE_WAIT;
}

int disk_wait_settled(const char *sys_block)
{
	const struct timespec poll_ts = {.tv_nsec = DISK_SETTLE_POLL_MS * 1000000L};
	struct disk_settle *s = malloc(sizeof(*s));
	char snap[DISK_SNAPSHOT_MAX];
	enum disk_settle_state st;
	int64_t t0 = now_ms();

	if (!s)
		return -ENOMEM;
	disk_settle_init(s, DISK_SETTLE_STABLE_MS, DISK_SETTLE_MAX_MS);
	do {
		int n = disk_snapshot(sys_block, snap, sizeof(snap));
		st = disk_settle_step(s, snap, n < 0 ? 0 : n, now_ms());
		if (st == DISK_SETTLE_WAIT)
			nanosleep(&poll_ts, NULL);
	} while (st == DISK_SETTLE_WAIT);
	free(s);
	for (char *p = snap; (p = strchr(p, '\n'));)
		*p++ = ';';
	if (st == DISK_SETTLE_TIMEOUT) {
		log_warn("disk probing did not settle in %d s; going on with: %s",
			 DISK_SETTLE_MAX_MS / 1000, snap[0] ? snap : "(no disks)");
		return -ETIMEDOUT;
	}
	log_info("disk probing settled after %lld ms: %s", (long long)(now_ms() - t0), snap);
	return 0;
}
