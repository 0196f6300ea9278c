/* pid1_core.c - see pid1_core.h */
#include "pid1_core.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const struct pid1_mount pid1_api_mounts[PID1_API_MOUNTS] = {
    {"proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {"sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {"devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID},
};

int pid1_mount_all(const struct pid1_mount *m, size_t n, bool keep_going,
		   pid1_mount_fail_fn on_fail)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		/* keep_going still tries the mount: its failure is the one
		 * the caller reports */
		if (mkdir(m[i].target, 0755) < 0 && errno != EEXIST) {
			if (!keep_going)
				return -errno;
			if (rc == 0)
				rc = -errno;
		}
		if (mount(m[i].source, m[i].target, m[i].type, m[i].flags, m[i].data) < 0 &&
		    errno != EBUSY) {
			int r = -errno;
			if (rc == 0)
				rc = r;
			if (on_fail)
				on_fail(&m[i], r);
			if (!keep_going)
				return r;
		}
	}
	return rc;
}

static bool stdio_open(void)
{
	return fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0;
}

int pid1_console_stdio(const char *console, enum pid1_stdio how)
{
	int fd, rc = 0;

	if (stdio_open())
		return 0;
	fd = open(console, O_RDWR | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < 3; i++) {
		if (fd == i || (how == PID1_STDIO_CLOSED && fcntl(i, F_GETFD) >= 0))
			continue;
		if (dup2(fd, i) < 0 && rc == 0)
			rc = -errno;
	}
	if (fd > 2)
		close(fd);
	return rc;
}

int pid1_block_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	return sigprocmask(SIG_BLOCK, &all, NULL) < 0 ? -errno : 0;
}

int pid1_unblock_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL) < 0 ? -errno : 0;
}

pid_t pid1_spawn_shell(const char *console, const char *path, const char *argv0)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	pid1_unblock_signals();
	setsid();
	/* A controlling terminal, so that ^C reaches the shell's children. */
	if ((fd = open(console, O_RDWR)) >= 0) {
		ioctl(fd, TIOCSCTTY, 1);
		for (int i = 0; i < 3; i++)
			dup2(fd, i);
		if (fd > 2)
			close(fd);
	}
	execl(path, argv0, (char *)NULL);
	_exit(127);
}

bool pid1_reap_nohang(pid_t watch)
{
	bool seen = false;
	pid_t p;

	while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
		if (watch > 0 && p == watch)
			seen = true;
	return seen;
}
