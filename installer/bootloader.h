/* bootloader.h - the "bootloader" step: the boot loader boot_choice.h picks
 * (the image's "bootloader" option, its grub, the layout). extlinux: into
 * the directory holding the image's kernel, extlinux.conf pointing at it by
 * root UUID, and syslinux's MBR code (440 bytes, the partition table
 * untouched). grub: see grub.h. */
#ifndef INSTALLER_BOOTLOADER_H
#define INSTALLER_BOOTLOADER_H

#include <stddef.h>
#include <stdio.h>

struct install;

/* Newest "prefix*" entry of dir by version order (vmlinuz-6.1.0-10 beats
 * vmlinuz-6.1.0-9), name only. Returns 0 or -ENOENT. */
int boot_find_newest(const char *dir, const char *prefix, char *out, size_t outsz);
/* The same, never choosing one of the nskip names in skip. */
int boot_find_newest_except(const char *dir, const char *prefix, char *const *skip, int nskip,
			    char *out, size_t outsz);

/* extlinux.conf text: kernel/initrd are paths on the boot partition. */
int extlinux_conf_render(FILE *out, const char *kernel, const char *initrd, const char *root_uuid,
			 const char *console);

int step_bootloader(struct install *in);

#endif
