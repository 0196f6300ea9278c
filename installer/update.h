/* update.h - `installer-init update`: bring an installed, running system up
 * to date with its image, like SystemImager's si_updateclient:
 *
 *   installer-init update --server HOST|rsync://HOST[:PORT] --image NAME
 *                         [--dry-run] [--no-bootloader] [--root DIR]
 *
 * rsync -aHAXS --numeric-ids --delete from rsync://SERVER/IMAGE/ into the
 * root, never touching what is this host's own (the default excludes below,
 * which rsync also protects from --delete) plus the patterns listed one per
 * line in ROOT/etc/bootsrv/update.local.exclude. --dry-run itemises what
 * would change (rsync -n -i) and changes nothing. Afterwards the boot
 * loader is brought up to date (unless --no-bootloader): extlinux.conf
 * points at the newest kernel and `extlinux --update` rewrites ldlinux.
 * The kernels and initrds in /boot before the update survive the transfer
 * (protect filters) and are deleted, if the image dropped them, only once
 * the boot loader names a kernel the image has: a failed update leaves a
 * config whose kernel exists. */
#ifndef INSTALLER_UPDATE_H
#define INSTALLER_UPDATE_H

#include <stddef.h>
#include <stdio.h>

#define UPDATE_LOCAL_EXCLUDE "/etc/bootsrv/update.local.exclude"

extern const char *const update_default_excludes[];

/* Read the local exclude file text: one pattern per line, blank lines and
 * "#" comments skipped. Patterns go to out[] (malloc'd), at most max.
 * Returns the count, or -EINVAL (a control character, too long, too many:
 * line number in *bad_line). */
int update_parse_local_excludes(const char *text, char **out, size_t max, unsigned *bad_line);

/* extlinux.conf with its KERNEL and INITRD lines pointed at kernel/initrd
 * (names only; each line keeps its directory). Other lines unchanged. */
int extlinux_conf_retarget(const char *old, const char *kernel, const char *initrd, FILE *out);

/* argv[0] is "update". Returns the exit status (0 ok, 1 failed, 2 usage). */
int update_main(int argc, char **argv);

#endif
