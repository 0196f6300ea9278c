/* boot_choice.h - which boot loader goes on the disk, and for which
 * firmware: decided from the image's "bootloader" option, the layout and
 * what the installed tree brings. Pure (boot_image_probe aside), so every
 * rule is unit tested.
 *
 *   none      nothing is installed (the image's hooks or the admin do it)
 *   extlinux  extlinux + syslinux's MBR code (BIOS)
 *   grub      the image's own grub-install and update-grub in a chroot
 *   auto      grub when the image has it, else extlinux
 *
 * grub targets: BIOS (i386-pc) on msdos, or on gpt with a bios_grub
 * partition; UEFI (x86_64-efi, removable path) when the layout has an
 * esp-flagged vfat partition with a mount point. Both when both are
 * possible: the disk then boots whichever way the firmware is set. */
#ifndef INSTALLER_BOOT_CHOICE_H
#define INSTALLER_BOOT_CHOICE_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* What the installed tree has (paths inside it). */
struct boot_image {
	char grub_install[64];	/* "/usr/sbin/grub-install", "" when absent */
	char grub_mkconfig[64]; /* "/usr/sbin/update-grub" or ".../grub-mkconfig" */
	bool grub_i386_pc;	/* /usr/lib/grub/i386-pc */
	bool grub_x86_64_efi;	/* /usr/lib/grub/x86_64-efi */
};

enum boot_loader { BOOT_LOADER_NONE, BOOT_LOADER_EXTLINUX, BOOT_LOADER_GRUB };

struct boot_choice {
	enum boot_loader loader;
	bool bios; /* grub: --target=i386-pc on the disk */
	bool uefi; /* grub: --target=x86_64-efi on the ESP */
	int esp;   /* uefi: the ESP's partition index */
};

/* Look into the installed tree at root. */
void boot_image_probe(const char *root, struct boot_image *img);
bool boot_image_has_grub(const struct boot_image *img);

/* Decide. Returns 0, or -EINVAL with the reason in err (an image forced to
 * grub that has none, a gpt layout grub cannot boot from). */
int boot_choose(const struct plan *p, const struct boot_image *img, struct boot_choice *c,
		char *err, size_t errsz);

/* The part of boot_choose that needs no image: with "bootloader" = grub a
 * layout grub cannot boot from is refused before the disk is touched.
 * Returns 0 or -EINVAL with the reason in err. */
int boot_layout_check(const struct plan *p, char *err, size_t errsz);

#endif
