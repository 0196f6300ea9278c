/* grub.h - the image's own grub, run chrooted into the installed system:
 * grub-install for each firmware boot_choose picked (BIOS: i386-pc into the
 * disk's MBR and the gap or bios_grub partition after it; UEFI: x86_64-efi
 * on the ESP at the removable path EFI/BOOT/BOOTX64.EFI, no NVRAM entry -
 * the installer cannot rely on the firmware keeping one), then update-grub
 * (or grub-mkconfig -o /boot/grub/grub.cfg).
 *
 * The console and root=UUID= settings go into the image's grub defaults
 * (/etc/default/grub.d/bootsrv.cfg, or a marked block at the end of
 * /etc/default/grub when the image's grub-mkconfig has no grub.d), so every
 * later update-grub on the installed host keeps them.
 *
 * The chroot's /dev is a private tmpfs holding the target disk, its
 * partitions and their /dev/disk/by-uuid links, as udev would have made
 * them: grub's 10_linux writes root=UUID= only when that link exists, and
 * the installer (and a test host) has no udev. */
#ifndef INSTALLER_GRUB_H
#define INSTALLER_GRUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct install;
struct boot_choice;
struct boot_image;

#define GRUB_DROPIN_DIR "/etc/default/grub.d"
#define GRUB_DROPIN "/etc/default/grub.d/bootsrv.cfg"
#define GRUB_DEFAULTS "/etc/default/grub"
#define GRUB_CFG "/boot/grub/grub.cfg"
#define GRUB_TIMEOUT_S 600 /* each grub command */

/* The shell text of the grub defaults: console= on the kernel line (kept
 * after the image's own words), the serial terminal for a ttyS console,
 * root by UUID. console may be NULL or "". */
int grub_defaults_render(FILE *out, const char *console);

/* old (may be NULL) with its bootsrv block, if any, replaced by block:
 * for images whose grub reads only /etc/default/grub. malloc'd. */
char *grub_defaults_merge(const char *old, const char *block);

/* The installer's block in text (an /etc/default/grub), malloc'd, or NULL
 * when it has none. */
char *grub_defaults_block_of(const char *text);
/* block into target: the drop-in when the image's grub has grub.d, else
 * merged into /etc/default/grub. No symlink under target is followed
 * (-ELOOP). Returns 0 or -errno with the reason in err. */
int grub_defaults_put(const char *target, const char *block, char *err, size_t errsz);
/* The defaults rendered for console, put into target (grub_defaults_put). */
int grub_defaults_write(const char *target, const char *console, char *err, size_t errsz);

/* grub.cfg text cfg boots the root filesystem root_uuid: a linux line
 * with the word root=UUID=<root_uuid>. Returns 0, -ENOENT (no linux line)
 * or -EINVAL, with the reason in err. */
int grub_cfg_check(const char *cfg, const char *root_uuid, char *err, size_t errsz);

/* debconf-set-selections input for the installed host's grub packages:
 * grub-pc/install_devices (bios), grub2/force_efi_extra_removable (uefi). */
int grub_debconf_render(FILE *out, const char *install_dev, bool bios, bool uefi);

/* Install as chosen; the step fails with the failing command's output. */
int grub_install_all(struct install *in, const struct boot_choice *c, const struct boot_image *img);

#endif
