/* pid1.c - see pid1.h */
#include "pid1.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pid1_core.h"
#include "util.h"

#define RESPAWN_MIN_MS 2000 /* a shell dying faster than this is respawned slower */

/* Beyond pid1_api_mounts: the tools the installer runs want these. */
static const struct pid1_mount more_mounts[] = {
    {"tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV},
    {"tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV},
};

static void mount_failed(const struct pid1_mount *m, int err)
{
	errno = -err;
	log_warn_errno("mount %s", m->target);
}

/* Every step is tried after one failed (a half set-up installer still
 * runs, or gets its shell); the first failure is returned. */
int pid1_setup(void)
{
	int rc = pid1_block_signals(), r;

	r = pid1_mount_all(pid1_api_mounts, PID1_API_MOUNTS, true, mount_failed);
	if (rc == 0)
		rc = r;
	/* /dev is there now: the node pid1_console_stdio opens */
	if (pid1_console_stdio(PID1_CONSOLE, PID1_STDIO_ALL) < 0 && rc == 0)
		rc = -EIO;
	r = pid1_mount_all(more_mounts, ARRAY_SIZE(more_mounts), true, mount_failed);
	if (rc == 0)
		rc = r;
	/* Ctrl-Alt-Del becomes SIGINT to PID 1 instead of an immediate reboot */
	if (reboot(RB_DISABLE_CAD) < 0)
		log_warn_errno("reboot(RB_DISABLE_CAD)");
	return rc;
}

/* Signals PID 1 acts on; everything else stays blocked and is ignored. */
enum pid1_action { ACT_REAP, ACT_REBOOT };
static const struct {
	int sig;
	enum pid1_action act;
} sigmap[] = {
    {SIGCHLD, ACT_REAP}, {SIGINT, ACT_REBOOT}, /* Ctrl-Alt-Del */
};

void pid1_emergency(const char *shell)
{
	struct timespec tick = {.tv_sec = 1};
	int64_t started = 0;
	pid_t shell_pid = 0;
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(sigmap); i++)
		sigaddset(&set, sigmap[i].sig);
	fprintf(stderr, "*** starting %s on the console for inspection\n", shell);
	for (;;) {
		if (shell_pid <= 0 && now_ms() - started >= RESPAWN_MIN_MS) {
			started = now_ms();
			shell_pid = pid1_spawn_shell(PID1_CONSOLE, shell, shell);
			if (shell_pid < 0)
				log_warn_errno("fork");
		}
		int sig = sigtimedwait(&set, NULL, &tick);
		for (size_t i = 0; i < ARRAY_SIZE(sigmap); i++)
			if (sigmap[i].sig == sig && sigmap[i].act == ACT_REBOOT) {
				sync();
				reboot(RB_AUTOBOOT);
			}
		if (pid1_reap_nohang(shell_pid))
			shell_pid = 0;
	}
}

void pid1_reboot(const char *shell)
{
	fprintf(stderr, ">>> bootsrv-installer: rebooting\n");
	sync();
	if (reboot(RB_AUTOBOOT) < 0)
		log_err_errno("reboot");
	pid1_emergency(shell);
}
