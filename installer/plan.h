/* plan.h - the install plan the server hands the installer
 * (GET /api/v1/install/NAME/plan): parsing, validation, and the partition
 * size arithmetic. Pure: no I/O, so it is unit tested and fuzzable. */
#ifndef INSTALLER_PLAN_H
#define INSTALLER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot_rule.h"

#define PLAN_MAX_PARTS 16
#define PLAN_MAX_EXCLUDES 128
#define PLAN_MAX_TXT 64
#define PLAN_TXT_MAX 256 /* bytes per txt record */
#define PLAN_NAME_MAX 64
#define PLAN_PATH_MAX 256
#define PLAN_URL_MAX 512
#define PLAN_ALIGN_BYTES (1024u * 1024u) /* every partition starts on 1 MiB */
#define PLAN_GPT_TAIL_SECTORS 33u	 /* backup GPT: 32 sectors of entries + header */
#define PLAN_FS_LABEL_MAX 16		 /* ext2/3/4 volume label limit (xfs 12, vfat 11) */
#define PLAN_HOOK_TIMEOUT_MAX 86400	 /* seconds */

enum plan_label { PLAN_LABEL_MSDOS, PLAN_LABEL_GPT };
/* The image's "bootloader" option: which boot loader the installer puts on
 * the disk (lib/boot_rule.h). */
enum plan_bootloader {
	PLAN_BOOTLOADER_AUTO = BOOT_OPT_AUTO,
	PLAN_BOOTLOADER_GRUB = BOOT_OPT_GRUB,
	PLAN_BOOTLOADER_EXTLINUX = BOOT_OPT_EXTLINUX,
	PLAN_BOOTLOADER_NONE = BOOT_OPT_NONE,
};
enum plan_fs {
	PLAN_FS_NONE,
	PLAN_FS_EXT2,
	PLAN_FS_EXT3,
	PLAN_FS_EXT4,
	PLAN_FS_XFS,
	PLAN_FS_VFAT,
	PLAN_FS_SWAP,
};

enum plan_flag {
	PLAN_FLAG_BOOT = 1u << 0,
	PLAN_FLAG_ESP = 1u << 1,
	PLAN_FLAG_BIOS_GRUB = 1u << 2,
	PLAN_FLAG_LVM = 1u << 3,
	PLAN_FLAG_RAID = 1u << 4,
};

struct plan_part {
	uint64_t size_bytes; /* 0 when fill */
	bool fill;
	enum plan_fs fs;
	char mount[PLAN_PATH_MAX]; /* "" for swap and unformatted */
	char label[PLAN_FS_LABEL_MAX + 1];
	char options[PLAN_NAME_MAX * 2];
	unsigned flags; /* enum plan_flag bits */
};

struct plan {
	char host[PLAN_NAME_MAX];
	char hostname[PLAN_NAME_MAX];
	char image[PLAN_NAME_MAX];
	char rsync_url[PLAN_URL_MAX];
	char console[PLAN_NAME_MAX];
	char *excludes[PLAN_MAX_EXCLUDES];
	size_t n_excludes;
	char *txt[PLAN_MAX_TXT]; /* the host's txt records, for hooks */
	size_t n_txt;
	unsigned hook_timeout_s;	 /* "hook_timeout"; 0: not in the plan */
	enum plan_bootloader bootloader; /* "bootloader"; auto when not in the plan */
	/* "image_grub": what the server found in the image - absent: not known;
	 * [] no usable grub; else its grub targets ("i386-pc", "x86_64-efi") */
	bool image_grub_known;
	struct boot_grub image_grub;
	char layout_name[PLAN_NAME_MAX];
	char disk[PLAN_PATH_MAX];
	enum plan_label label;
	struct plan_part parts[PLAN_MAX_PARTS];
	size_t n_parts;
};

/* Where a partition goes, in sectors. */
struct plan_geom {
	uint64_t start;
	uint64_t length;
};

/* Parse and validate a plan. On error returns -EINVAL (or -ENOMEM) and puts a
 * one-line reason into err. plan_free() is safe after any return. */
int plan_parse(const char *json, size_t len, struct plan *p, char *err, size_t errsz);
void plan_free(struct plan *p);

/* Smallest disk (bytes) the layout fits on, for the given sector size. */
uint64_t plan_min_disk_bytes(const struct plan *p, uint32_t sector_size);

/* Place every partition on a disk of disk_sectors sectors: 1 MiB aligned,
 * fixed sizes rounded up to 1 MiB, the fill partition takes what is left.
 * Returns 0, or -ENOSPC / -EINVAL with a reason in err. */
int plan_geometry(const struct plan *p, uint64_t disk_sectors, uint32_t sector_size,
		  struct plan_geom geom[PLAN_MAX_PARTS], char *err, size_t errsz);

/* Index of the partition whose mount point holds path ("/boot/x" -> the
 * "/boot" partition if any, else "/"); -1 when none. */
int plan_part_holding(const struct plan *p, const char *path);

const char *plan_fs_name(enum plan_fs fs);
const char *plan_bootloader_name(enum plan_bootloader b);
/* The partition flagged "esp" that is a mounted vfat filesystem; -1: none. */
int plan_esp_part(const struct plan *p);
/* Index of the partition flagged flag; -1: none. */
int plan_part_flagged(const struct plan *p, unsigned flag);
bool plan_fs_is_ext(enum plan_fs fs);
/* A filesystem with a mount point (ext2/3/4, xfs, vfat). */
bool plan_fs_mountable(enum plan_fs fs);

#endif
