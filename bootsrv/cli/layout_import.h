/* layout_import.h - `bootsrv layout import autoinstallscript.conf`:
 * SystemImager's partitioning description (<config><disk><part/>...</disk>
 * <fsinfo/>...</config>) converted into a bootsrv layout (libconfig text).
 *
 * Sizes follow parted, which wrote them: "MB" is 1,000,000 bytes (kB, GB,
 * TB likewise decimal; KiB, MiB, GiB, TiB binary). Each size is rounded up
 * to whole MiB, as the installer aligns partitions to 1 MiB anyway; the
 * original value stays in a comment. "*" is the rest of the disk.
 *
 * <fsinfo> lines are joined to partitions by real_dev with the kernel's
 * naming rule (lib/disk_naming.h: /dev/vda2, /dev/nvme0n1p2, /dev/cciss/
 * c0d0p2). Virtual filesystems (proc, sysfs, tmpfs, devpts ...) are skipped;
 * network mounts too (the image's fstab keeps them). What a bootsrv layout
 * cannot express - software RAID, LVM, logical partitions, a second disk,
 * unformatted data partitions - is an error naming it, never dropped. */
#ifndef BOOTSRV_LAYOUT_IMPORT_H
#define BOOTSRV_LAYOUT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One finding: line (0 when not tied to a line), warning or error. */
typedef void (*layout_report_fn)(unsigned line, bool warning, const char *msg, void *arg);

/* Convert text; name is the layout name (NULL: derived from the disk,
 * "/dev/cciss/c0d0" -> "cciss-c0d0"). On success writes the layout to out
 * and returns 0; otherwise writes nothing and returns the number of errors
 * (each passed to report). */
int layout_import_convert(const char *text, size_t len, const char *name, FILE *out,
			  layout_report_fn report, void *arg);

/* `bootsrv layout import [--name NAME] FILE` (argv[0] is "layout").
 * Returns the exit status: 0, 1 (errors, "FILE:LINE: msg" on stderr),
 * 2 (usage). */
int layout_main(int argc, char **argv);

#endif
