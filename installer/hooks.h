/* hooks.h - the "hooks" step: the files in the image's /etc/bootsrv/post-install.d
 * (executable regular files, in byte order of their names, hidden names
 * and editor backups skipped) run one by one chrooted into the installed
 * system with /proc, /sys and /dev mounted, and the environment
 *   BOOTSRV_HOST BOOTSRV_IMAGE BOOTSRV_SERVER BOOTSRV_TXT_FILE
 * (plus PATH, LANG=C, HOME=/root). The first hook that fails (non-zero
 * exit, killed, cannot run, or still running after its time limit) fails
 * the install with its last output lines. A hook runs in its own process
 * group: on timeout the whole group is killed, and whatever it leaves
 * running in the background when it exits is killed too. */
#ifndef INSTALLER_HOOKS_H
#define INSTALLER_HOOKS_H

#include <stddef.h>

struct install;

#define HOOKS_DIR "/etc/bootsrv/post-install.d"
#define HOOKS_MAX 256
#define HOOK_TIMEOUT_DEFAULT_S 1800 /* a puppet run installing packages fits */

/* Names of the hooks to run from dir, sorted; *names malloc'd (free each
 * and the array). Returns the count or -errno (-ENOENT: no directory). */
int hooks_list(const char *dir, char ***names);

/* Time limit of each hook: --hook-timeout, else the plan's "hook_timeout",
 * else HOOK_TIMEOUT_DEFAULT_S. */
unsigned hooks_timeout_s(const struct install *in);

int step_hooks(struct install *in);

#endif
