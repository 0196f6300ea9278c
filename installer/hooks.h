/* hooks.h - the "hooks" step: the files in the image's /etc/bootsrv/post-install.d
 * (executable regular files, in byte order of their names, hidden names
 * and editor backups skipped) run one by one chrooted into the installed
 * system with /proc, /sys and /dev mounted, and the environment
 *   BOOTSRV_HOST BOOTSRV_IMAGE BOOTSRV_SERVER BOOTSRV_TXT_FILE
 * (plus PATH, LANG=C, HOME=/root). The first hook that fails (non-zero
 * exit, killed, cannot run) fails the install with its last output lines. */
#ifndef INSTALLER_HOOKS_H
#define INSTALLER_HOOKS_H

#include <stddef.h>

struct install;

#define HOOKS_DIR "/etc/bootsrv/post-install.d"
#define HOOKS_MAX 256

/* Names of the hooks to run from dir, sorted; *names malloc'd (free each
 * and the array). Returns the count or -errno (-ENOENT: no directory). */
int hooks_list(const char *dir, char ***names);

int step_hooks(struct install *in);

#endif
