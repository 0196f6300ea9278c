/* server.c - `bootsrv serve`: load config, prepare state_dir, start the parts
 * in one event loop, stop them in reverse order on SIGTERM/SIGINT. */
#include "server.h"

#include "common/admin_token.h"
#include "common/image_conf.h"
#include "frozen.h"
#include "hoststate.h"
#include "image_store.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Boot loaders copied into tftp_root when missing, from Debian's syslinux
 * packages (pxelinux, syslinux-common, syslinux-efi). */
static const struct {
	const char *name; /* path under tftp_root */
	const char *src;  /* path under cfg->syslinux_dir */
} loaders[] = {
	{ "pxelinux.0", "PXELINUX/pxelinux.0" },
	{ "lpxelinux.0", "PXELINUX/lpxelinux.0" },
	{ "ldlinux.c32", "syslinux/modules/bios/ldlinux.c32" },
	{ "syslinux.efi", "SYSLINUX.EFI/efi64/syslinux.efi" },
	{ "ldlinux.e64", "syslinux/modules/efi64/ldlinux.e64" },
};

static int copy_file(const char *src, const char *dst)
{
	char *data = NULL;
	size_t len = 0;
	int r = read_file(src, 64u << 20, &data, &len);
	if (r < 0)
		return r;
	r = write_file_atomic(dst, data, len, 0644);
	free(data);
	return r;
}

static void install_loaders(const struct config *cfg)
{
	char dst[2048], src[2048];
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(loaders); i++) {
		snprintf(dst, sizeof(dst), "%s/%s", cfg->tftp_root, loaders[i].name);
		if (stat(dst, &st) == 0)
			continue;
		snprintf(src, sizeof(src), "%s/%s", cfg->syslinux_dir, loaders[i].src);
		int r = copy_file(src, dst);
		if (r < 0)
			log_warn("loader %s not installed from %s: %s", loaders[i].name, src, strerror(-r));
		else
			log_info("installed boot loader %s from %s", loaders[i].name, src);
	}
}

/* The admin token: created on first start (0600), read by the CLI. */
static int load_admin_token(struct server *srv)
{
	char path[2048], line[ADMIN_TOKEN_LEN + 2];
	unsigned char raw[ADMIN_TOKEN_LEN / 2];
	int r;

	if ((r = admin_token_path(srv->cfg->state_dir, path, sizeof(path))) < 0)
		return r;
	r = admin_token_read(srv->cfg->state_dir, srv->admin_token);
	if (r == 0)
		return chmod(path, 0600) < 0 ? -errno : 0;
	if (r == -EINVAL) {
		log_warn("%s: malformed admin token, making a new one", path);
	} else if (r != -ENOENT) {
		log_err("%s: %s", path, strerror(-r));
		return r;
	}
	if ((r = random_bytes(raw, sizeof(raw))) < 0)
		return r;
	hex_encode(raw, sizeof(raw), srv->admin_token);
	snprintf(line, sizeof(line), "%s\n", srv->admin_token);
	r = write_file_atomic(path, line, strlen(line), 0600);
	if (r < 0)
		log_err("%s: cannot write admin token: %s", path, strerror(-r));
	else
		log_info("created admin token %s", path);
	return r;
}

static int prepare_dirs(const struct config *cfg)
{
	char images[1200];
	const char *dirs[] = {cfg->state_dir, cfg->tftp_root, cfg->boot_dir, images};

	if (image_store_dir(cfg->state_dir, images, sizeof(images)) < 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int r = mkdir_p(dirs[i], 0755);
		if (r < 0) {
			log_err("cannot create %s: %s", dirs[i], strerror(-r));
			return r;
		}
	}
	return 0;
}

static void on_quit(struct loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("%s: shutting down", strsignal(signo));
	loop_quit(loop);
}

static void on_child(struct loop *loop, int signo, void *arg)
{
	struct server *srv = arg;
	int status;
	pid_t pid;
	(void)loop;
	(void)signo;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (!rsyncd_child_exited(srv, pid, status) &&
		    !frozen_child_exited(srv, pid, status))
			log_debug("reaped child %d", (int)pid);
}

static const struct {
	const char *name;
	int (*start)(struct server *);
	void (*stop)(struct server *);
} parts[] = {
    {"vlan", vlan_start, vlan_stop},	   /* first: the others bind to its address */
    {"images", images_start, images_stop}, /* before rsync: its modules */
    {"hosts", hosts_start, hosts_stop},	   /* after images; before frozen and dhcp */
    {"frozen", frozen_start, frozen_stop}, /* before rsync: its modules too */
    {"rsync", rsyncd_start, rsyncd_stop},  {"http", http_start, http_stop},
    {"tftp", tftp_start, tftp_stop},	   {"dhcp", dhcp_start, dhcp_stop},
};

static int server_setup(struct server *srv)
{
	int r;

	if ((r = prepare_dirs(srv->cfg)) < 0 || (r = load_admin_token(srv)) < 0)
		return r;
	install_loaders(srv->cfg);
	srv->hosts = hoststate_open(srv->cfg);
	if (!srv->hosts)
		return -EIO;
	srv->loop = loop_new();
	if (!srv->loop)
		return -ENOMEM;
	if ((r = loop_add_signal(srv->loop, SIGTERM, on_quit, srv)) < 0 ||
	    (r = loop_add_signal(srv->loop, SIGINT, on_quit, srv)) < 0 ||
	    (r = loop_add_signal(srv->loop, SIGCHLD, on_child, srv)) < 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		r = parts[i].start(srv);
		if (r < 0) {
			log_err("cannot start %s: %s", parts[i].name, strerror(-r));
			return r;
		}
	}
	return 0;
}

static void server_teardown(struct server *srv)
{
	for (size_t i = ARRAY_SIZE(parts); i-- > 0;)
		if (srv->loop)
			parts[i].stop(srv);
	hoststate_close(srv->hosts);
	loop_free(srv->loop);
}

/* -d: fork before start-up, the parent waits for the child's verdict so
 * start-up errors reach the terminal with the right exit status. */
static int detach_begin(int *report_fd)
{
	int pfd[2];
	char ok = 1;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pfd[1]);
		ssize_t n = read(pfd[0], &ok, 1);
		_exit(n == 1 && ok == 0 ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	*report_fd = pfd[1];
	return 0;
}

static void detach_finish(int report_fd, bool ok)
{
	char v = ok ? 0 : 1;
	int devnull;

	if (report_fd < 0)
		return;
	if (ok) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
			close(devnull);
		}
	}
	if (write(report_fd, &v, 1) < 0)
		log_warn_errno("detach: cannot report start-up");
	close(report_fd);
}

int server_main(const char *config_path, bool detach)
{
	struct config cfg;
	struct server srv = { .cfg = &cfg };
	int report_fd = -1, r;

	r = config_load(config_path, &cfg, NULL, NULL);
	if (r != 0) {
		log_err("%s: configuration has errors, not starting", config_path);
		if (r > 0)
			config_free(&cfg);
		return 1;
	}
	if (detach) {
		r = detach_begin(&report_fd);
		if (r < 0) {
			log_err("cannot detach: %s", strerror(-r));
			config_free(&cfg);
			return 1;
		}
		log_init("bootsrv", log_get_level(), true);
	}
	r = server_setup(&srv);
	detach_finish(report_fd, r == 0);
	if (r == 0) {
		log_info("serving %zu hosts, %zu images on %s (%s)", hoststate_count(srv.hosts),
			 image_store_count(srv.images), cfg.interface, config_path);
		r = loop_run(srv.loop);
		if (r < 0)
			log_err("event loop failed: %s", strerror(-r));
	}
	server_teardown(&srv);
	config_free(&cfg);
	return r == 0 ? 0 : 1;
}
