/* boot_rule.h - which boot loader can boot a layout, for which firmware,
 * with what the image brings. Shared by the server (`bootsrv check`, the
 * plan it sends) and the installer (at step plan, before the disk is
 * touched, and again at step bootloader on the installed tree). Pure,
 * boot_image_probe aside.
 *
 *   none      nothing is installed (the image's hooks or the admin do it)
 *   extlinux  extlinux + syslinux's MBR code: BIOS only
 *   grub      the image's own grub-install and update-grub in a chroot
 *   auto      grub when the image's grub can boot the disk on this
 *             machine's firmware, else extlinux where extlinux can (BIOS)
 *
 * grub targets: BIOS (i386-pc) on msdos, or on gpt with a bios_grub
 * partition; UEFI (x86_64-efi, removable path) when the layout has an
 * esp-flagged vfat partition with a mount point. Both when both are
 * possible: the disk then boots whichever way the firmware is set. The
 * firmware the installer runs on must be among them: that is the firmware
 * the machine boots the installed disk with. */
#ifndef BOOTSRV_BOOT_RULE_H
#define BOOTSRV_BOOT_RULE_H

#include <stdbool.h>
#include <stddef.h>

/* The image's "bootloader" option. */
enum boot_opt { BOOT_OPT_AUTO, BOOT_OPT_GRUB, BOOT_OPT_EXTLINUX, BOOT_OPT_NONE, BOOT_OPT_N };
#define BOOT_OPT_LIST "auto, grub, extlinux, none"

/* "auto", "grub", ... ("?" out of range) */
const char *boot_opt_name(enum boot_opt o);
/* Returns 0 with *o set, or -EINVAL for an unknown name. */
int boot_opt_parse(const char *name, enum boot_opt *o);

enum boot_fw { BOOT_FW_BIOS, BOOT_FW_UEFI };
const char *boot_fw_name(enum boot_fw fw);
/* The firmware this machine booted with: UEFI when efi_dir (normally
 * /sys/firmware/efi) is a directory. */
enum boot_fw boot_fw_detect(const char *efi_dir);

/* What of a layout matters for booting it. */
struct boot_layout {
	bool gpt;
	bool bios_grub; /* a partition flagged bios_grub */
	bool esp;	/* a partition flagged esp, vfat, with a mount point */
};

/* What of the image's grub matters. */
struct boot_grub {
	bool install;	 /* grub-install */
	bool mkconfig;	 /* update-grub or grub-mkconfig */
	bool i386_pc;	 /* /usr/lib/grub/i386-pc */
	bool x86_64_efi; /* /usr/lib/grub/x86_64-efi */
};

/* The image's grub as found in a tree (paths inside it). */
struct boot_image {
	char grub_install[64];	/* "/usr/sbin/grub-install", "" when absent */
	char grub_mkconfig[64]; /* "/usr/sbin/update-grub" or ".../grub-mkconfig" */
	struct boot_grub grub;
};

/* Look into the tree at root (no symlink followed: lstat). */
void boot_image_probe(const char *root, struct boot_image *img);

enum boot_loader { BOOT_LOADER_NONE, BOOT_LOADER_EXTLINUX, BOOT_LOADER_GRUB };

struct boot_decision {
	enum boot_loader loader;
	bool bios;	/* grub: --target=i386-pc on the disk */
	bool uefi;	/* grub: --target=x86_64-efi on the ESP */
	char note[256]; /* auto fell back to extlinux: why ("" otherwise) */
};

/* Decide for opt on layout l with the image's grub g, on firmware fw.
 * Returns 0, or -EINVAL with the reason in err when nothing the option
 * allows can boot it. */
int boot_decide(enum boot_opt opt, const struct boot_layout *l, const struct boot_grub *g,
		enum boot_fw fw, struct boot_decision *d, char *err, size_t errsz);

/* The same when the image's grub is not known (the server could not look
 * into the image): fails only when no grub the image could bring (nor
 * extlinux, for auto) can boot it. */
int boot_decide_unknown(enum boot_opt opt, const struct boot_layout *l, enum boot_fw fw, char *err,
			size_t errsz);

#endif
