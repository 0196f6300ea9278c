/* spawn.c - see spawn.h */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static char *const child_env[] = {
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG=C",
    "LC_ALL=C",
    NULL,
};

/* In the child: PID 1 blocks every signal, and an exec'd program inherits
 * the mask - unblock and reset before exec. root: chroot there first.
 * Never returns. */
static void child_exec(const char *root, char *const env[], const char *const argv[], int out_fd)
{
	sigset_t none;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	if (root && (chroot(root) < 0 || chdir("/") < 0)) {
		dprintf(out_fd, "chroot %s: %s\n", root, strerror(errno));
		_exit(126);
	}
	execve(argv[0], (char *const *)argv, env ? env : child_env);
	dprintf(out_fd, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

struct line_buf {
	char buf[4096];
	size_t len;
};

static void emit(struct line_buf *lb, spawn_line_fn fn, void *arg, char *last, size_t lastsz)
{
	lb->buf[lb->len] = '\0';
	if (lb->len > 0) {
		if (fn)
			fn(lb->buf, arg);
		else if (log_get_level() >= LOG_LVL_DEBUG) {
			char esc[1024];
			log_debug("| %s", log_escape(lb->buf, lb->len, esc, sizeof(esc)));
		}
		if (last && lastsz)
			snprintf(last, lastsz, "%s", lb->buf);
	}
	lb->len = 0;
}

static int read_lines(int fd, spawn_line_fn fn, void *arg, char *last, size_t lastsz)
{
	struct line_buf lb = {.len = 0};
	char chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (chunk[i] == '\n' || chunk[i] == '\r')
				emit(&lb, fn, arg, last, lastsz);
			else if (lb.len < sizeof(lb.buf) - 1)
				lb.buf[lb.len++] = chunk[i];
		}
	}
	emit(&lb, fn, arg, last, lastsz);
	return 0;
}

int spawn_run(const char *const argv[], spawn_line_fn on_line, void *arg, char *last, size_t lastsz)
{
	return spawn_run_in(NULL, NULL, argv, on_line, arg, last, lastsz);
}

int spawn_run_in(const char *root, char *const env[], const char *const argv[],
		 spawn_line_fn on_line, void *arg, char *last, size_t lastsz)
{
	int pipefd[2], status, rc;
	pid_t pid;
	char cmd[512];

	if (last && lastsz)
		last[0] = '\0';
	spawn_format_argv(argv, cmd, sizeof(cmd));
	log_info("run%s%s: %s", root ? " in chroot " : "", root ? root : "", cmd);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return rc;
	}
	if (pid == 0)
		child_exec(root, env, argv, pipefd[1]);
	close(pipefd[1]);
	rc = read_lines(pipefd[0], on_line, arg, last, lastsz);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (rc < 0)
		return rc;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	log_err("%s killed by signal %d", argv[0], WTERMSIG(status));
	return -ECHILD;
}

void spawn_format_argv(const char *const argv[], char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; argv[i] && o < outsz; i++) {
		int w = snprintf(out + o, outsz - o, "%s%s", i ? " " : "", argv[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}
