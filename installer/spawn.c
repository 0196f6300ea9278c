/* spawn.c - see spawn.h */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "reaper.h"
#include "util.h"

#define TICK_MS 500		/* orphans are reaped at least this often */
#define KILL_WAIT_MS 5000	/* after SIGKILL: a process stuck in D state is given up */
#define DRAIN_MAX (1024 * 1024) /* the pipe holds at most 1 MiB the child wrote */

static char *const child_env[] = {
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG=C",
    "LC_ALL=C",
    NULL,
};

/* In the child: PID 1 blocks every signal, and an exec'd program inherits
 * the mask - unblock and reset before exec. Never returns. */
static void child_exec(const struct spawn_opts *o, bool group, const char *const argv[], int out_fd)
{
	sigset_t none;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (group)
		setpgid(0, 0);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	if (o->root && (chroot(o->root) < 0 || chdir("/") < 0)) {
		dprintf(out_fd, "chroot %s: %s\n", o->root, strerror(errno));
		_exit(126);
	}
	execve(argv[0], (char *const *)argv, o->env ? o->env : child_env);
	dprintf(out_fd, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* One run: the child, its output pipe, what has been read of it. */
struct run {
	const char *name;
	pid_t pid;
	int slot, out_fd, pidfd, status, rc;
	bool group, exited, timed_out;
	int64_t deadline; /* 0: none */
	spawn_line_fn fn;
	void (*tick)(void *arg);
	void *arg;
	char *last;
	size_t lastsz, len;
	char buf[4096];
};

static void emit(struct run *r)
{
	r->buf[r->len] = '\0';
	if (r->len > 0) {
		if (r->fn)
			r->fn(r->buf, r->arg);
		else if (log_get_level() >= LOG_LVL_DEBUG) {
			char esc[1024];
			log_debug("| %s", log_escape(r->buf, r->len, esc, sizeof(esc)));
		}
		if (r->last && r->lastsz)
			snprintf(r->last, r->lastsz, "%s", r->buf);
	}
	r->len = 0;
}

/* Read what is in the pipe now. Returns bytes read, 0 at EOF (the pipe is
 * then closed), -EAGAIN when empty, or another -errno (pipe closed). */
static ssize_t read_some(struct run *r)
{
	char chunk[4096];
	ssize_t n = read(r->out_fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	if (n <= 0) {
		if (n < 0 && r->rc == 0)
			r->rc = -errno;
		close(r->out_fd);
		r->out_fd = -1;
		return n < 0 ? r->rc : 0;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (chunk[i] == '\n' || chunk[i] == '\r')
			emit(r);
		else if (r->len < sizeof(r->buf) - 1)
			r->buf[r->len++] = chunk[i];
	}
	return n;
}

/* The child has exited: what it wrote is in the pipe; take that, but do
 * not wait for writers it left behind. */
static void drain(struct run *r)
{
	size_t total = 0;
	ssize_t n = 1;

	while (r->out_fd >= 0 && total < DRAIN_MAX && (n = read_some(r)) > 0)
		total += (size_t)n;
}

static void kill_child(struct run *r)
{
	if (r->group && kill(-r->pid, SIGKILL) == 0)
		return;
	kill(r->pid, SIGKILL);
}

/* The deadline passed: kill the group once, then give up waiting after
 * KILL_WAIT_MS. Returns true to stop waiting. */
static bool on_deadline(struct run *r, int64_t now)
{
	if (!r->timed_out) {
		log_err("%s: still running after its time limit: killing its process group",
			r->name);
		kill_child(r);
		r->timed_out = true;
		r->deadline = now + KILL_WAIT_MS;
		return false;
	}
	log_err("%s (pid %d) did not die from SIGKILL; not waiting for it", r->name, (int)r->pid);
	reaper_release(r->slot);
	return true;
}

static void wait_child(struct run *r)
{
	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		int64_t now, timeout = TICK_MS;

		reaper_collect();
		if (reaper_done(r->slot, &r->status)) {
			r->exited = true;
			drain(r);
			return;
		}
		now = now_ms();
		if (r->deadline && now >= r->deadline && on_deadline(r, now))
			return;
		if (r->deadline && r->deadline - now < timeout)
			timeout = r->deadline - now;
		if (r->out_fd >= 0)
			pfd[n++] = (struct pollfd){.fd = r->out_fd, .events = POLLIN};
		if (r->pidfd >= 0) /* readable once the child has exited */
			pfd[n++] = (struct pollfd){.fd = r->pidfd, .events = POLLIN};
		if (poll(pfd, n, (int)timeout) > 0 && r->out_fd >= 0 && pfd[0].fd == r->out_fd &&
		    pfd[0].revents)
			read_some(r);
		if (r->tick)
			r->tick(r->arg);
	}
}

static int finish(struct run *r, const struct spawn_opts *o)
{
	emit(r);
	if (r->out_fd >= 0)
		close(r->out_fd);
	if (r->pidfd >= 0)
		close(r->pidfd);
	/* the group outlives its leader while members are left: a hook's
	 * background job would otherwise keep running in the target */
	if (o->kill_leftovers && r->exited && kill(-r->pid, 0) == 0) {
		log_warn("%s left processes running in its process group: killing them", r->name);
		kill(-r->pid, SIGKILL);
		reaper_collect();
	}
	if (r->timed_out || !r->exited)
		return -ETIMEDOUT;
	if (r->rc < 0)
		return r->rc;
	if (WIFEXITED(r->status))
		return WEXITSTATUS(r->status);
	log_err("%s killed by signal %d", r->name, WTERMSIG(r->status));
	return -ECHILD;
}

int spawn_run_opts(const char *const argv[], const struct spawn_opts *opts, spawn_line_fn on_line,
		   void *arg, char *last, size_t lastsz)
{
	static const struct spawn_opts none;
	const struct spawn_opts *o = opts ? opts : &none;
	struct run r = {.name = argv[0],
			.fn = on_line,
			.tick = o->on_tick,
			.arg = arg,
			.last = last,
			.lastsz = lastsz};
	int pipefd[2], rc;
	char cmd[512];

	if (last && lastsz)
		last[0] = '\0';
	r.group = o->own_group || o->timeout_s || o->kill_leftovers;
	spawn_format_argv(argv, cmd, sizeof(cmd));
	log_info("run%s%s: %s", o->root ? " in chroot " : "", o->root ? o->root : "", cmd);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	reaper_collect(); /* a free slot, and no stale zombie with a reused pid */
	r.pid = fork();
	if (r.pid < 0) {
		rc = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return rc;
	}
	if (r.pid == 0)
		child_exec(o, r.group, argv, pipefd[1]);
	close(pipefd[1]);
	if (r.group)
		setpgid(r.pid, r.pid); /* both sides: no window where kill(-pid) misses */
	r.out_fd = pipefd[0];
	fcntl(r.out_fd, F_SETFL, O_NONBLOCK);
	r.slot = reaper_claim(r.pid);
	if (r.slot < 0) { /* cannot happen: spawn does not nest beyond REAPER_SLOTS */
		kill_child(&r);
		close(r.out_fd);
		return -ENOSPC;
	}
	r.pidfd = pidfd_open(r.pid, 0); /* -1 (old kernel): the tick still reaps */
	if (o->timeout_s)
		r.deadline = now_ms() + (int64_t)o->timeout_s * 1000;
	wait_child(&r);
	return finish(&r, o);
}

int spawn_run(const char *const argv[], spawn_line_fn on_line, void *arg, char *last, size_t lastsz)
{
	return spawn_run_opts(argv, NULL, on_line, arg, last, lastsz);
}

int spawn_run_in(const char *root, char *const env[], const char *const argv[],
		 spawn_line_fn on_line, void *arg, char *last, size_t lastsz)
{
	const struct spawn_opts o = {.root = root, .env = env};

	return spawn_run_opts(argv, &o, on_line, arg, last, lastsz);
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
