/* pid1.c - see pid1.h */
#include "pid1.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define RESPAWN_MIN_MS 2000 /* a shell dying faster than this is respawned slower */

static const struct {
	const char *source, *target, *type, *data;
	unsigned long flags;
} api_mounts[] = {
    {"proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {"sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {"devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID},
    {"tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV},
    {"tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV},
};

/* The kernel opens /dev/console for PID 1 only if the initramfs has the
 * node; otherwise fds 0-2 are closed and the next open() would land there. */
static int console_stdio(void)
{
	int fd;

	if (fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0)
		return 0;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < 3; i++)
		if (fd != i && dup2(fd, i) < 0)
			return -errno;
	if (fd > 2)
		close(fd);
	return 0;
}

int pid1_setup(void)
{
	sigset_t all;
	int rc = 0;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		rc = -errno;
	for (size_t i = 0; i < ARRAY_SIZE(api_mounts); i++) {
		if (mkdir(api_mounts[i].target, 0755) < 0 && errno != EEXIST && rc == 0)
			rc = -errno;
		if (mount(api_mounts[i].source, api_mounts[i].target, api_mounts[i].type,
			  api_mounts[i].flags, api_mounts[i].data) < 0 &&
		    errno != EBUSY) {
			if (rc == 0)
				rc = -errno;
			log_warn_errno("mount %s", api_mounts[i].target);
		}
		if (strcmp(api_mounts[i].target, "/dev") == 0 && console_stdio() < 0 && rc == 0)
			rc = -EIO;
	}
	/* Ctrl-Alt-Del becomes SIGINT to PID 1 instead of an immediate reboot */
	if (reboot(RB_DISABLE_CAD) < 0)
		log_warn_errno("reboot(RB_DISABLE_CAD)");
	return rc;
}

static pid_t spawn_shell(const char *shell)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	int fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 1);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	execl(shell, shell, (char *)NULL);
	_exit(127);
}

static void reap(pid_t *shell_pid)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == *shell_pid)
			*shell_pid = 0;
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
			shell_pid = spawn_shell(shell);
			if (shell_pid < 0)
				log_warn_errno("fork");
		}
		int sig = sigtimedwait(&set, NULL, &tick);
		for (size_t i = 0; i < ARRAY_SIZE(sigmap); i++)
			if (sigmap[i].sig == sig && sigmap[i].act == ACT_REBOOT) {
				sync();
				reboot(RB_AUTOBOOT);
			}
		reap(&shell_pid);
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
