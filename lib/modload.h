/* modload.h - load the kernel modules an initramfs lists, in order.
 *
 * mkinitramfs writes /etc/modules.load: one absolute module path per line,
 * dependencies first. Both init programs (installer, bootinit) load it with
 * finit_module(2) directly: no modprobe, no modules.dep lookup at boot. */
#ifndef BOOTSRV_MODLOAD_H
#define BOOTSRV_MODLOAD_H

/* The list mkinitramfs writes. */
#define MODLOAD_LIST "/etc/modules.load"

/* Load one module file. Returns 0 (also when already loaded) or -errno. */
int modload_file(const char *path);

/* Load every module listed in listfile ('#' comments and blank lines are
 * skipped). A module that fails is reported and the rest are still tried,
 * since one missing driver should not keep the others (and a console) from
 * coming up. ENODEV (no such hardware/CPU feature) is not a failure.
 * Returns the number of failures (0 = all loaded), or -errno
 * when the list itself cannot be read. */
int modload_list(const char *listfile);

#endif
