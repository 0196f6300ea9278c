/* image_import.c - import a tree or a tarball into the image store.
 *
 * Everything lands in a hidden temporary tree (images/.import-PID-NAME,
 * ignored by the daemon's scan) first: a DIR copied with the real rsync
 * (-aHAXS --numeric-ids: hard links, ACLs, xattrs, sparse files, numeric
 * owners), a tarball extracted by GNU tar (--numeric-owner --xattrs --acls)
 * after every member was checked (tar_check.h). Only a complete tree is
 * renamed into place, then its conf (NAME.conf: the commit marker). A
 * failure or a signal removes the temporary tree; a crash leaves it for
 * the next import to clean (image_store_clean_stale). --replace swaps the
 * new tree in with one renameat2(RENAME_EXCHANGE): the image's path always
 * holds a whole tree, the old or the new. Imports are serialised by a lock
 * on images/.lock. */
#include "image_import.h"

#include "boot_rule.h"
#include "client.h"
#include "common/fs_tree.h"
#include "common/image_conf.h"
#include "tar_check.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libconfig.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CMD "image import"
#define MAX_EXCLUDES 256

struct import {
	const char *config, *src, *name, *layout, *flavor, *bootloader;
	const char *excludes[MAX_EXCLUDES];
	size_t nexcludes;
	bool replace;
	struct config cfg;
	char dir[PATH_MAX], tmp[PATH_MAX + 80], tmpconf[PATH_MAX + 96];
	char tree[PATH_MAX + 80], conf[PATH_MAX + 96];
};

static volatile sig_atomic_t interrupted;

static void on_signal(int signo)
{
	interrupted = signo;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "bootsrv " CMD ": %s\n", why);
	fputs("usage: bootsrv image import DIR|TARBALL NAME --layout L [--flavor F]\n"
	      "         [--bootloader B] [--exclude PATTERN]... [--replace] [-c FILE]\n",
	      stderr);
	return EXIT_USAGE;
}

static int parse_args(struct import *im, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"layout", required_argument, NULL, 'l'},
	    {"flavor", required_argument, NULL, 'f'},
	    {"bootloader", required_argument, NULL, 'b'},
	    {"exclude", required_argument, NULL, 'x'},
	    {"replace", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	im->config = CONFIG_DEFAULT_PATH;
	im->flavor = "default";
	im->bootloader = "auto";
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			im->config = optarg;
			break;
		case 'l':
			im->layout = optarg;
			break;
		case 'f':
			im->flavor = optarg;
			break;
		case 'b':
			im->bootloader = optarg;
			break;
		case 'r':
			im->replace = true;
			break;
		case 'x':
			if (im->nexcludes == MAX_EXCLUDES)
				return usage("too many --exclude");
			im->excludes[im->nexcludes++] = optarg;
			break;
		default:
			return usage(NULL);
		}
	}
	if (argc - optind != 2)
		return usage("want DIR|TARBALL and NAME");
	im->src = argv[optind];
	im->name = argv[optind + 1];
	if (!im->layout)
		return usage("--layout is required (a layout of the config)");
	return 0;
}

static void report_cfg(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* Everything about the request that can be refused before touching disk. */
static int validate(struct import *im)
{
	enum boot_opt o;

	if (!image_name_ok(im->name)) {
		cli_err(CMD,
			"image name \"%s\" must be 1-63 characters of [A-Za-z0-9._-], not "
			"starting with '.' nor ending in \".conf\"",
			im->name);
		return EXIT_REFUSED;
	}
	if (config_image(&im->cfg, im->name)) {
		cli_err(CMD, "image \"%s\" is already in %s: choose another name", im->name,
			im->cfg.path);
		return EXIT_REFUSED;
	}
	if (!config_layout(&im->cfg, im->layout)) {
		cli_err(CMD, "unknown layout \"%s\" (not in %s)", im->layout, im->cfg.path);
		return EXIT_REFUSED;
	}
	if (!name_valid(im->flavor)) {
		cli_err(CMD, "flavor \"%s\" is not a valid name", im->flavor);
		return EXIT_REFUSED;
	}
	if (boot_opt_parse(im->bootloader, &o) < 0) {
		cli_err(CMD, "bootloader \"%s\" must be one of " BOOT_OPT_LIST, im->bootloader);
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < im->nexcludes; i++)
		if (!im->excludes[i][0] || strpbrk(im->excludes[i], "\n\r")) {
			cli_err(CMD, "--exclude \"%s\": empty or holds a newline", im->excludes[i]);
			return EXIT_REFUSED;
		}
	return 0;
}

/* Run argv; 0 when it exited 0. SIGTERM/SIGHUP reaching us go on to it
 * (SIGINT from a terminal reaches it by itself). */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork(), w;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "bootsrv " CMD ": cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		w = waitpid(pid, &status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (interrupted && interrupted != SIGINT)
			kill(pid, SIGTERM);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		cli_err(CMD, "%s failed (exit status %d)", argv[0], WEXITSTATUS(status));
	else
		cli_err(CMD, "%s killed by signal %d", argv[0], WTERMSIG(status));
	return -EIO;
}

static int copy_in(struct import *im)
{
	char src[PATH_MAX + 2], why[4600];
	struct stat st;

	if (stat(im->src, &st) < 0) {
		cli_err(CMD, "%s: %s", im->src, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(src, sizeof(src), "%s/", im->src); /* the contents, not the dir */
		char *argv[] = {"rsync", "-aHAXS", "--numeric-ids", src, im->tmp, NULL};
		return run(argv);
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err(CMD, "%s is neither a directory nor a tarball", im->src);
		return -EINVAL;
	}
	if (tar_check_file(im->src, why, sizeof(why)) < 0) {
		cli_err(CMD, "%s: refused, nothing extracted: %s", im->src, why);
		return -EINVAL;
	}
	char *argv[] = {"tar",
			"-x",
			"-f",
			(char *)im->src,
			"-C",
			im->tmp,
			"--numeric-owner",
			"--same-owner",
			"--same-permissions",
			"--xattrs",
			"--acls",
			"--xattrs-include=*",
			NULL};
	return run(argv);
}

/* NAME.conf through libconfig's writer (its quoting), with a header. */
static int write_conf(struct import *im)
{
	config_t c;
	config_setting_t *root, *ex;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	config_init(&c);
	root = config_root_setting(&c);
	config_setting_set_string(config_setting_add(root, "layout", CONFIG_TYPE_STRING),
				  im->layout);
	config_setting_set_string(config_setting_add(root, "flavor", CONFIG_TYPE_STRING),
				  im->flavor);
	config_setting_set_string(config_setting_add(root, "bootloader", CONFIG_TYPE_STRING),
				  im->bootloader);
	ex = config_setting_add(root, "excludes", CONFIG_TYPE_ARRAY);
	for (size_t i = 0; i < im->nexcludes; i++)
		config_setting_set_string_elem(ex, -1, im->excludes[i]);
	fprintf(f, "# bootsrv image %s, imported from %s\n", im->name, im->src);
	config_write(&c, f);
	config_destroy(&c);
	if (fclose(f) != 0)
		r = -ENOMEM;
	if (r == 0)
		r = write_file_atomic(im->tmpconf, text, len, 0644);
	free(text);
	return r;
}

static int set_paths(struct import *im)
{
	if (image_store_dir(im->cfg.state_dir, im->dir, sizeof(im->dir)) < 0 ||
	    snprintf(im->tmp, sizeof(im->tmp), "%s/" IMAGE_TMP_PREFIX "%d-%s", im->dir,
		     (int)getpid(), im->name) >= (int)sizeof(im->tmp) ||
	    snprintf(im->tmpconf, sizeof(im->tmpconf), "%s" IMAGE_CONF_SUFFIX, im->tmp) >=
		(int)sizeof(im->tmpconf) ||
	    snprintf(im->tree, sizeof(im->tree), "%s/%s", im->dir, im->name) >=
		(int)sizeof(im->tree) ||
	    snprintf(im->conf, sizeof(im->conf), "%s" IMAGE_CONF_SUFFIX, im->tree) >=
		(int)sizeof(im->conf)) {
		cli_err(CMD, "state_dir %s: path too long", im->cfg.state_dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* The tree into place, then its conf; with --replace the old tree comes
 * out at the temporary name and is deleted. */
static int commit(struct import *im)
{
	struct stat st;
	bool swap = lstat(im->tree, &st) == 0;
	char check[PATH_MAX + 96];
	struct image_conf ic;
	int r;

	/* what was written must parse as the daemon will parse it */
	r = image_conf_load(im->tmpconf, im->name, im->tree, &im->cfg, &ic, report_cfg, NULL);
	image_conf_free(&ic);
	if (r != 0) {
		cli_err(CMD, "the conf written for %s does not check", im->name);
		return -EINVAL;
	}
	if (swap && !S_ISDIR(st.st_mode)) {
		cli_err(CMD, "%s exists and is not a directory", im->tree);
		return -EEXIST;
	}
	r = swap ? renameat2(AT_FDCWD, im->tmp, AT_FDCWD, im->tree, RENAME_EXCHANGE)
		 : rename(im->tmp, im->tree);
	if (r < 0 || rename(im->tmpconf, im->conf) < 0) {
		cli_err(CMD, "cannot move %s into place: %s", im->tree, strerror(errno));
		return -errno;
	}
	snprintf(check, sizeof(check), "%s", im->dir);
	int dfd = open(check, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (swap && (r = tree_remove(im->tmp)) < 0)
		cli_err(CMD, "old tree of %s left at %s: %s", im->name, im->tmp, strerror(-r));
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int import_locked(struct import *im)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: waitpid returns */
	struct tree_stats ts;
	char size[32];
	int r;

	image_store_clean_stale(im->dir);
	if (!im->replace && (exists(im->conf) || exists(im->tree))) {
		cli_err(CMD, "image %s already exists in %s (--replace swaps in the new tree)",
			im->name, im->dir);
		return EXIT_REFUSED;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (mkdir(im->tmp, 0755) < 0) {
		cli_err(CMD, "cannot create %s: %s", im->tmp, strerror(errno));
		return EXIT_REFUSED;
	}
	r = copy_in(im);
	if (r == 0 && !interrupted)
		r = write_conf(im);
	if (r == 0 && !interrupted)
		r = commit(im);
	if (r < 0 || interrupted) {
		tree_remove(im->tmp);
		unlink(im->tmpconf);
		if (interrupted)
			cli_err(CMD, "interrupted (%s); nothing imported", strsignal(interrupted));
		else
			cli_err(CMD, "%s not imported; nothing left under %s", im->name, im->dir);
		return EXIT_REFUSED;
	}
	tree_stats(im->tree, &ts);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)ts.bytes);
	printf("%s: imported from %s into %s (%llu entries, %s bytes)\n", im->name, im->src,
	       im->tree, (unsigned long long)ts.entries, size);
	return 0;
}

int image_import_main(int argc, char **argv)
{
	struct import im = {0};
	char lock[PATH_MAX + 8];
	int r, fd;

	if ((r = parse_args(&im, argc, argv)) != 0)
		return r;
	r = config_load(im.config, &im.cfg, report_cfg, NULL);
	if (r != 0) {
		cli_err(CMD, "cannot use config %s", im.config);
		if (r > 0)
			config_free(&im.cfg);
		return EXIT_REFUSED;
	}
	r = validate(&im);
	if (r == 0 && set_paths(&im) < 0)
		r = EXIT_REFUSED;
	if (r == 0 && (r = mkdir_p(im.dir, 0755)) < 0) {
		cli_err(CMD, "cannot create %s: %s", im.dir, strerror(-r));
		r = EXIT_REFUSED;
	}
	if (r == 0) {
		snprintf(lock, sizeof(lock), "%s/.lock", im.dir);
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0) {
			cli_err(CMD, "cannot lock %s: %s", lock, strerror(errno));
			r = EXIT_REFUSED;
		} else {
			r = import_locked(&im);
		}
		if (fd >= 0)
			close(fd);
	}
	config_free(&im.cfg);
	return r;
}
