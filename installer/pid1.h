/* pid1.h - what the installer does because it is PID 1: signals blocked
 * (they are waited for), the API filesystems mounted, the console as stdio,
 * children reaped forever, a console shell after a failure, reboot. */
#ifndef INSTALLER_PID1_H
#define INSTALLER_PID1_H

/* Block all signals, mount /proc /sys /dev /run /tmp, make sure fds 0-2 are
 * the console. Failures are logged; returns 0 or the first -errno. */
int pid1_setup(void);

/* Console shell for inspection, respawned when it exits; reaps every child.
 * Never returns. */
void pid1_emergency(const char *shell) __attribute__((noreturn));

/* sync and reboot(RB_AUTOBOOT); falls back to pid1_emergency(). */
void pid1_reboot(const char *shell) __attribute__((noreturn));

#endif
