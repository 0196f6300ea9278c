/* rsyncd.c - the real `rsync --daemon` as a child, one read-only module per
 * image (module name = image name).
 *
 * Images hold root-only files (/etc/shadow, dpkg locks): the modules run as
 * uid/gid root with chroot, read only. The child gets its own process group
 * so shutdown can stop it together with its per-connection children. If it
 * dies on its own it is restarted with a doubling delay (1 s .. 60 s),
 * reset once a run has lasted a minute. */
#include "frozen.h"
#include "image_store.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define RSYNC_BIN "/usr/bin/rsync"
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define STABLE_RUN_MS 60000
#define STOP_GRACE_MS 5000

struct rsyncd {
	pid_t pid; /* 0: not running */
	bool stopping;
	int64_t started_ms;
	int64_t backoff_ms;
	struct loop_timer *restart;
	char conf[PATH_MAX];
	char logfile[PATH_MAX];
};

/* rsyncd.conf has no quoting: refuse what would break a line or a section. */
static bool conf_value_ok(const char *s)
{
	return !strpbrk(s, "\n\r[]") && s[0] != ' ';
}

/* "NET/PREFIX" for rsyncd's hosts allow. */
static void put_net(FILE *f, const struct cfg_subnet *net)
{
	char a[CIDR_STRLEN];

	cidr_format(net->subnet, net->netmask, a);
	fprintf(f, " %s", a);
}

/* The module's lines after its path, the same for an image and a frozen
 * version of one. */
static void put_module(FILE *f, const struct config *cfg, const char *name, const char *path,
		       const char *comment)
{
	fprintf(f,
		"\n[%s]\n"
		"\tpath = %s\n"
		"\tcomment = %s\n"
		"\tread only = yes\n"
		"\tlist = yes\n"
		"\tuid = root\n"
		"\tgid = root\n"
		"\tuse chroot = yes\n"
		/* images hold /etc/shadow & co: only the deployment
		 * subnets (the interface's and those behind relays)
		 * may read them */
		"\thosts deny = *\n"
		"\thosts allow =",
		name, path, comment);
	put_net(f, &cfg->net);
	for (size_t k = 0; k < cfg->nrelay_nets; k++)
		put_net(f, &cfg->relay_nets[k]);
	fputc('\n', f);
}

/* One module per served image and one per frozen version (IMAGE@GEN, what
 * installs read: frozen.h), written whole and atomically (temp +
 * fsync + rename): rsync --daemon re-reads the file for each connection,
 * so a connection sees the old set or the new one, never half of it. */
static int write_conf(const struct server *srv, const char *path)
{
	const struct config *cfg = srv->cfg;
	size_t nimages = srv->images ? image_store_count(srv->images) : cfg->nimages;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	fprintf(f,
		"# written by bootsrv from %s and its image store; edits are lost\n"
		"reverse lookup = no\n"
		"timeout = 600\n",
		cfg->path);
	for (size_t i = 0; i < nimages; i++) {
		const struct cfg_image *im =
		    srv->images ? image_store_at(srv->images, i) : &cfg->images[i];
		if (!conf_value_ok(im->name) || !conf_value_ok(im->path)) {
			log_err("rsyncd: image %s: name or path unusable in rsyncd.conf", im->name);
			r = -EINVAL;
			continue;
		}
		char comment[NAME_MAX_LEN + 32];
		snprintf(comment, sizeof(comment), "bootsrv image %s", im->name);
		put_module(f, cfg, im->name, im->path, comment);
	}
	for (size_t i = 0; i < frozen_count(srv); i++) {
		const char *dir, *name = frozen_at(srv, i, &dir);
		if (!conf_value_ok(dir)) {
			log_err("rsyncd: %s: path unusable in rsyncd.conf", name);
			r = -EINVAL;
			continue;
		}
		put_module(f, cfg, name, dir, "bootsrv frozen image version");
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		r = write_file_atomic(path, text, len, 0644);
	free(text);
	return r;
}

/* In the child, between fork and exec: a clean signal state (the loop
 * blocks signals for its signalfd, and ignored signals survive exec),
 * its own process group, no inherited descriptors but 0-2. */
static void child_exec(const struct config *cfg, const struct rsyncd *rd, pid_t parent)
{
	char addr[INET_ADDRSTRLEN], port[16], confarg[PATH_MAX + 16], logarg[PATH_MAX + 16];
	char *argv[] = { "rsync", "--daemon", "--no-detach", confarg, "--address", addr,
			 port, logarg, NULL };
	sigset_t none;
	int fd;

	setpgid(0, 0);
	/* If bootsrv dies (even by SIGKILL) the daemon goes too, so a restart
	 * finds port 873 free; the getppid check closes the race with a parent
	 * that died before prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd > 0) {
		dup2(fd, 0);
		close(fd);
	}
	close_range(3, ~0u, 0);
	inet_ntop(AF_INET, &cfg->address, addr, sizeof(addr));
	snprintf(port, sizeof(port), "--port=%u", (unsigned)cfg->rsync_port);
	snprintf(confarg, sizeof(confarg), "--config=%s", rd->conf);
	snprintf(logarg, sizeof(logarg), "--log-file=%s", rd->logfile);
	execv(RSYNC_BIN, argv);
	_exit(127);
}

static int spawn(struct server *srv)
{
	struct rsyncd *rd = srv->rsyncd;
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		int r = -errno;
		log_err("rsyncd: fork: %s", strerror(-r));
		return r;
	}
	if (pid == 0)
		child_exec(srv->cfg, rd, parent);
	setpgid(pid, pid); /* also here: no window where a kill(-pid) misses */
	rd->pid = pid;
	rd->started_ms = now_ms();
	log_info("rsyncd: started %s --daemon (pid %d) on port %u", RSYNC_BIN, (int)pid,
		 (unsigned)srv->cfg->rsync_port);
	return 0;
}

static void restart_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct server *srv = arg;
	struct rsyncd *rd = srv->rsyncd;

	(void)loop;
	(void)t;
	if (!rd)
		return;
	rd->restart = NULL; /* freed by the loop after this callback */
	if (!rd->stopping && rd->pid == 0 && spawn(srv) < 0)
		log_err("rsyncd: restart failed; images cannot be served");
}

int rsyncd_start(struct server *srv)
{
	struct rsyncd *rd;
	int r;

	if (!(rd = calloc(1, sizeof(*rd))))
		return -ENOMEM;
	srv->rsyncd = rd;
	rd->backoff_ms = BACKOFF_MIN_MS;
	if (snprintf(rd->conf, sizeof(rd->conf), "%s/rsyncd.conf", srv->cfg->state_dir) >=
		    (int)sizeof(rd->conf) ||
	    snprintf(rd->logfile, sizeof(rd->logfile), "%s/rsyncd.log", srv->cfg->state_dir) >=
		    (int)sizeof(rd->logfile)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	if (access(RSYNC_BIN, X_OK) < 0) {
		r = -errno;
		log_err_errno("rsyncd: %s", RSYNC_BIN);
		goto fail;
	}
	if ((r = write_conf(srv, rd->conf)) < 0) {
		log_err("rsyncd: cannot write %s: %s", rd->conf, strerror(-r));
		goto fail;
	}
	if ((srv->images ? image_store_count(srv->images) : srv->cfg->nimages) == 0) {
		log_info("rsyncd: no images configured, not starting rsync");
		return 0;
	}
	if ((r = spawn(srv)) < 0)
		goto fail;
	return 0;
fail:
	rsyncd_stop(srv);
	return r;
}

void rsyncd_images_changed(struct server *srv)
{
	struct rsyncd *rd = srv->rsyncd;
	int r;

	if (!rd || rd->stopping)
		return;
	if ((r = write_conf(srv, rd->conf)) < 0) {
		log_err("rsyncd: cannot rewrite %s: %s", rd->conf, strerror(-r));
		return;
	}
	log_info("rsyncd: modules rewritten: %zu images", image_store_count(srv->images));
	if (rd->pid == 0 && !rd->restart && image_store_count(srv->images) > 0)
		spawn(srv);
}

/* Wait up to ms for pid; true when it was reaped. */
static bool wait_child(pid_t pid, int64_t ms)
{
	int64_t end = now_ms() + ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		if (now_ms() >= end)
			return false;
		usleep(20 * 1000);
	}
}

void rsyncd_stop(struct server *srv)
{
	struct rsyncd *rd = srv->rsyncd;

	if (!rd)
		return;
	rd->stopping = true;
	if (rd->restart)
		loop_timer_cancel(srv->loop, rd->restart);
	if (rd->pid > 0) {
		kill(-rd->pid, SIGTERM);
		if (!wait_child(rd->pid, STOP_GRACE_MS)) {
			log_warn("rsyncd: pid %d ignored SIGTERM, killing it", (int)rd->pid);
			kill(-rd->pid, SIGKILL);
			wait_child(rd->pid, STOP_GRACE_MS);
		}
		log_info("rsyncd: stopped");
	}
	free(rd);
	srv->rsyncd = NULL;
}

static void log_exit(int pid, int status)
{
	if (WIFEXITED(status))
		log_warn("rsyncd: rsync (pid %d) exited with status %d; see rsyncd.log", pid,
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warn("rsyncd: rsync (pid %d) killed by signal %d", pid, WTERMSIG(status));
}

bool rsyncd_child_exited(struct server *srv, int pid, int status)
{
	struct rsyncd *rd = srv->rsyncd;
	int64_t ran;

	if (!rd || rd->pid <= 0 || pid != rd->pid)
		return false;
	rd->pid = 0;
	if (rd->stopping)
		return true;
	log_exit(pid, status);
	ran = now_ms() - rd->started_ms;
	if (ran >= STABLE_RUN_MS)
		rd->backoff_ms = BACKOFF_MIN_MS;
	log_info("rsyncd: restarting in %lld ms", (long long)rd->backoff_ms);
	rd->restart = loop_timer_add(srv->loop, now_ms() + rd->backoff_ms, restart_cb, srv);
	if (!rd->restart)
		log_err("rsyncd: cannot schedule a restart (out of memory)");
	rd->backoff_ms = rd->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : rd->backoff_ms * 2;
	return true;
}
