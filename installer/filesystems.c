/* filesystems.c - see filesystems.h */
#include "filesystems.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "install.h"
#include "log.h"
#include "spawn.h"
#include "util.h"

#define EXT_SB_OFFSET 1024 /* ext2/3/4 superblock */
#define EXT_SB_MAGIC_OFF 0x38
#define EXT_SB_UUID_OFF 0x68
#define EXT_MAGIC 0xEF53
#define XFS_MAGIC "XFSB" /* xfs_format.h: sb_magicnum, then sb_uuid at 32 */
#define XFS_UUID_OFF 32
#define SWAP_UUID_OFF (1024 + 12) /* linux/swap.h: bootbits, version, last_page, nr_badpages */
#define SWAP_MAGIC "SWAPSPACE2"
#define FAT16_ID_OFF 0x27 /* BPB volume serial: FAT12/16, */
#define FAT32_ID_OFF 0x43 /* and FAT32 (after its longer BPB) */
#define FAT32_TYPE_OFF 0x52
#define PROBE_LEN 65536 /* covers the swap signature for pages up to 64 KiB */

static void uuid_format(const uint8_t u[16], char *out, size_t outsz)
{
	snprintf(out, outsz, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static bool swap_sig_at(const uint8_t *buf, size_t len, size_t pagesz)
{
	return pagesz <= len && memcmp(buf + pagesz - 10, SWAP_MAGIC, 10) == 0;
}

/* FAT's "UUID" is the 32-bit volume serial, printed as blkid does: XXXX-XXXX. */
static int fat_serial(const uint8_t *buf, size_t len, char *out, size_t outsz)
{
	size_t off;

	if (len < 512 || buf[510] != 0x55 || buf[511] != 0xaa)
		return -EINVAL;
	off = memcmp(buf + FAT32_TYPE_OFF, "FAT32", 5) == 0 ? FAT32_ID_OFF : FAT16_ID_OFF;
	snprintf(out, outsz, "%02X%02X-%02X%02X", buf[off + 3], buf[off + 2], buf[off + 1],
		 buf[off]);
	return 0;
}

int fs_uuid_from_buf(const uint8_t *buf, size_t len, enum plan_fs fs, char *out, size_t outsz)
{
	const uint8_t *sb = buf + EXT_SB_OFFSET;

	switch (fs) {
	case PLAN_FS_EXT2:
	case PLAN_FS_EXT3:
	case PLAN_FS_EXT4:
		if (len < EXT_SB_OFFSET + EXT_SB_UUID_OFF + 16 ||
		    (sb[EXT_SB_MAGIC_OFF] | sb[EXT_SB_MAGIC_OFF + 1] << 8) != EXT_MAGIC)
			return -EINVAL;
		uuid_format(sb + EXT_SB_UUID_OFF, out, outsz);
		return 0;
	case PLAN_FS_XFS:
		if (len < XFS_UUID_OFF + 16 || memcmp(buf, XFS_MAGIC, 4) != 0)
			return -EINVAL;
		uuid_format(buf + XFS_UUID_OFF, out, outsz);
		return 0;
	case PLAN_FS_VFAT:
		return fat_serial(buf, len, out, outsz);
	case PLAN_FS_SWAP:
		for (size_t pg = 4096; pg <= PROBE_LEN; pg *= 2)
			if (swap_sig_at(buf, len, pg)) {
				uuid_format(buf + SWAP_UUID_OFF, out, outsz);
				return 0;
			}
		return -EINVAL;
	case PLAN_FS_NONE:
		break;
	}
	return -EINVAL;
}

int fs_read_uuid(const char *dev, enum plan_fs fs, char *out, size_t outsz)
{
	uint8_t *buf = malloc(PROBE_LEN);
	ssize_t n = -1;
	int fd, rc;

	if (!buf)
		return -ENOMEM;
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		n = pread(fd, buf, PROBE_LEN, 0);
	rc = n < 0 ? -errno : fs_uuid_from_buf(buf, (size_t)n, fs, out, outsz);
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* How each filesystem is made: tool, fixed options, the label option. */
static const struct mkfs_spec {
	enum plan_fs fs;
	size_t tool; /* offsetof(struct inst_tools, ...) */
	const char *opts[4];
	const char *label_opt;
} mkfs_specs[] = {
    {PLAN_FS_EXT2, offsetof(struct inst_tools, mke2fs), {"-t", "ext2", "-F", "-q"}, "-L"},
    {PLAN_FS_EXT3, offsetof(struct inst_tools, mke2fs), {"-t", "ext3", "-F", "-q"}, "-L"},
    {PLAN_FS_EXT4, offsetof(struct inst_tools, mke2fs), {"-t", "ext4", "-F", "-q"}, "-L"},
    {PLAN_FS_XFS, offsetof(struct inst_tools, mkfs_xfs), {"-f", "-q"}, "-L"},
    {PLAN_FS_VFAT, offsetof(struct inst_tools, mkfs_vfat), {NULL}, "-n"},
    {PLAN_FS_SWAP, offsetof(struct inst_tools, mkswap), {NULL}, "-L"},
};

static const struct mkfs_spec *mkfs_spec_for(enum plan_fs fs)
{
	for (size_t i = 0; i < ARRAY_SIZE(mkfs_specs); i++)
		if (mkfs_specs[i].fs == fs)
			return &mkfs_specs[i];
	return NULL;
}

static int mkfs_one(struct install *in, size_t i)
{
	const struct plan_part *pp = &in->plan.parts[i];
	const struct mkfs_spec *spec = mkfs_spec_for(pp->fs);
	struct part_state *ps = &in->parts[i];
	const char *argv[10];
	char last[256];
	size_t n = 0;
	int st;

	if (!spec)
		return 0; /* "none": the partition stays unformatted */
	argv[n++] = (const char *)&in->args.tools + spec->tool;
	for (size_t k = 0; k < ARRAY_SIZE(spec->opts) && spec->opts[k]; k++)
		argv[n++] = spec->opts[k];
	if (pp->label[0]) {
		argv[n++] = spec->label_opt;
		argv[n++] = pp->label;
	}
	argv[n++] = ps->dev;
	argv[n] = NULL;
	st = spawn_run(argv, NULL, NULL, last, sizeof(last));
	if (st != 0)
		return install_fail(in, st < 0 ? st : -EIO, "%s on %s failed (%s%d): %s", argv[0],
				    ps->dev, st < 0 ? "error " : "exit ", st, last);
	st = fs_read_uuid(ps->dev, pp->fs, ps->uuid, sizeof(ps->uuid));
	if (st < 0)
		return install_fail(in, st, "%s: no %s signature after mkfs", ps->dev,
				    plan_fs_name(pp->fs));
	log_info("%s: %s UUID=%s", ps->dev, plan_fs_name(pp->fs), ps->uuid);
	return 0;
}

int step_mkfs(struct install *in)
{
	for (size_t i = 0; i < in->plan.n_parts; i++) {
		int r = mkfs_one(in, i);
		if (r < 0)
			return r;
		report_progress(&in->rep, "mkfs", (int)((i + 1) * 100 / in->plan.n_parts), 0,
				in->parts[i].dev);
	}
	return 0;
}

static const struct plan *sort_plan;

static int cmp_mount(const void *a, const void *b)
{
	return strcmp(sort_plan->parts[*(const size_t *)a].mount,
		      sort_plan->parts[*(const size_t *)b].mount);
}

/* Lexical order puts every mount point after its parents ("/" < "/boot" <
 * "/boot/efi"): a prefix sorts before its extensions. */
size_t fs_mount_order(const struct plan *p, size_t order[PLAN_MAX_PARTS])
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_parts; i++)
		if (plan_fs_mountable(p->parts[i].fs) && p->parts[i].mount[0])
			order[n++] = i;
	sort_plan = p;
	qsort(order, n, sizeof(order[0]), cmp_mount);
	return n;
}

int step_mount(struct install *in)
{
	size_t order[PLAN_MAX_PARTS], n = fs_mount_order(&in->plan, order);
	char path[PATH_MAX];
	int r;

	for (size_t k = 0; k < n; k++) {
		const struct plan_part *pp = &in->plan.parts[order[k]];
		struct part_state *ps = &in->parts[order[k]];
		snprintf(path, sizeof(path), "%s%s", in->args.target,
			 strcmp(pp->mount, "/") == 0 ? "" : pp->mount);
		r = mkdir_p(path, 0755);
		if (r < 0)
			return install_fail(in, r, "mkdir %s: %s", path, strerror(-r));
		if (mount(ps->dev, path, plan_fs_name(pp->fs), 0, NULL) < 0)
			return install_fail(in, -errno, "mount %s on %s: %s", ps->dev, path,
					    strerror(errno));
		ps->mounted = true;
		log_info("mounted %s on %s", ps->dev, path);
	}
	return 0;
}

int target_umount_all(struct install *in)
{
	size_t order[PLAN_MAX_PARTS], n = fs_mount_order(&in->plan, order);
	char path[PATH_MAX];
	int rc = 0;

	for (size_t k = n; k-- > 0;) {
		const struct plan_part *pp = &in->plan.parts[order[k]];
		struct part_state *ps = &in->parts[order[k]];
		if (!ps->mounted)
			continue;
		snprintf(path, sizeof(path), "%s%s", in->args.target,
			 strcmp(pp->mount, "/") == 0 ? "" : pp->mount);
		if (umount2(path, 0) < 0) {
			log_warn_errno("umount %s", path);
			if (rc == 0)
				rc = -errno;
			continue;
		}
		ps->mounted = false;
	}
	return rc;
}
