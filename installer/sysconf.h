/* sysconf.h - the "fstab" and "hostname" steps: configuration files of the
 * installed system, written into the target. */
#ifndef INSTALLER_SYSCONF_H
#define INSTALLER_SYSCONF_H

#include <stdbool.h>
#include <stdio.h>

struct install;

/* Lines of the image's own fstab that are not about local disks (proc,
 * tmpfs, NFS ...) and not for a mount point we write are kept. */
bool fstab_keep_line(const char *line, const struct install *in);
/* Write the fstab text for in (our entries, then kept lines of old). */
int fstab_render(const struct install *in, const char *old, FILE *out);

int step_fstab(struct install *in);
int step_hostname(struct install *in);

#endif
