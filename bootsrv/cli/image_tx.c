/* image_tx.c - see image_tx.h. */
#include "image_tx.h"

#include "client.h"
#include "common/fs_tree.h"
#include "common/image_conf.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int signo)
{
	interrupted = signo;
}

int image_tx_interrupted(void)
{
	return interrupted;
}

int image_tx_check_name(const char *cmd, const struct config *cfg, const char *name)
{
	if (!image_name_ok(name)) {
		cli_err(cmd,
			"image name \"%s\" must be 1-63 characters of [A-Za-z0-9._-], not "
			"starting with '.' nor ending in \".conf\"",
			name);
		return EXIT_REFUSED;
	}
	if (config_image(cfg, name)) {
		cli_err(cmd, "image \"%s\" is already in %s: choose another name", name, cfg->path);
		return EXIT_REFUSED;
	}
	return 0;
}

static int set_paths(struct image_tx *tx)
{
	if (image_store_dir(tx->cfg->state_dir, tx->dir, sizeof(tx->dir)) < 0 ||
	    snprintf(tx->tmp, sizeof(tx->tmp), "%s/" IMAGE_TMP_PREFIX "%d-%s", tx->dir,
		     (int)getpid(), tx->name) >= (int)sizeof(tx->tmp) ||
	    snprintf(tx->tmpconf, sizeof(tx->tmpconf), "%s" IMAGE_CONF_SUFFIX, tx->tmp) >=
		(int)sizeof(tx->tmpconf) ||
	    snprintf(tx->tree, sizeof(tx->tree), "%s/%s", tx->dir, tx->name) >=
		(int)sizeof(tx->tree) ||
	    snprintf(tx->conf, sizeof(tx->conf), "%s" IMAGE_CONF_SUFFIX, tx->tree) >=
		(int)sizeof(tx->conf)) {
		cli_err(tx->cmd, "state_dir %s: path too long", tx->cfg->state_dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int image_tx_begin(struct image_tx *tx, const char *cmd, const struct config *cfg, const char *name,
		   bool replace)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: waitpid returns */
	char lock[PATH_MAX + 8];
	int r;

	memset(tx, 0, sizeof(*tx));
	tx->cmd = cmd;
	tx->cfg = cfg;
	tx->name = name;
	tx->lockfd = -1;
	if (set_paths(tx) < 0)
		return EXIT_REFUSED;
	if ((r = mkdir_p(tx->dir, 0755)) < 0) {
		cli_err(cmd, "cannot create %s: %s", tx->dir, strerror(-r));
		return EXIT_REFUSED;
	}
	snprintf(lock, sizeof(lock), "%s/.lock", tx->dir);
	tx->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (tx->lockfd < 0 || flock(tx->lockfd, LOCK_EX) < 0) {
		cli_err(cmd, "cannot lock %s: %s", lock, strerror(errno));
		return EXIT_REFUSED;
	}
	image_store_clean_stale(tx->dir);
	if (!replace && (exists(tx->conf) || exists(tx->tree))) {
		cli_err(cmd, "image %s already exists in %s (--replace swaps in the new tree)",
			name, tx->dir);
		return EXIT_REFUSED;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (mkdir(tx->tmp, 0755) < 0) {
		cli_err(cmd, "cannot create %s: %s", tx->tmp, strerror(errno));
		tx->tmp[0] = '\0';
		return EXIT_REFUSED;
	}
	return 0;
}

int image_tx_run(const struct image_tx *tx, char *const argv[])
{
	return image_tx_run_ok(tx, argv, -1);
}

int image_tx_run_ok(const struct image_tx *tx, char *const argv[], int also_ok)
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
		fprintf(stderr, "bootsrv %s: cannot run %s: %s\n", tx->cmd, argv[0],
			strerror(errno));
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
	if (WIFEXITED(status) && WEXITSTATUS(status) == also_ok)
		return also_ok;
	if (WIFEXITED(status))
		cli_err(tx->cmd, "%s failed (exit status %d)", argv[0], WEXITSTATUS(status));
	else
		cli_err(tx->cmd, "%s killed by signal %d", argv[0], WTERMSIG(status));
	return -EIO;
}

static void report_cfg(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* NAME.conf through libconfig's writer (its quoting). */
static int write_conf(struct image_tx *tx, config_t *c, const char *header)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	fprintf(f, "# %s\n", header);
	config_write(c, f);
	if (fclose(f) != 0)
		r = -ENOMEM;
	if (r == 0)
		r = write_file_atomic(tx->tmpconf, text, len, 0644);
	if (r < 0)
		cli_err(tx->cmd, "cannot write %s: %s", tx->tmpconf, strerror(-r));
	free(text);
	return r;
}

int image_tx_commit(struct image_tx *tx, config_t *c, const char *header, bool complete)
{
	struct stat st;
	bool swap = lstat(tx->tree, &st) == 0;
	struct image_conf ic;
	int r;

	if ((r = write_conf(tx, c, header)) < 0)
		return r;
	/* what was written must parse as the daemon will parse it */
	r = complete
		? image_conf_load(tx->tmpconf, tx->name, tx->tree, tx->cfg, &ic, report_cfg, NULL)
		: 0;
	if (complete)
		image_conf_free(&ic);
	if (r != 0) {
		cli_err(tx->cmd, "the conf written for %s does not check", tx->name);
		return -EINVAL;
	}
	if (swap && !S_ISDIR(st.st_mode)) {
		cli_err(tx->cmd, "%s exists and is not a directory", tx->tree);
		return -EEXIST;
	}
	r = swap ? renameat2(AT_FDCWD, tx->tmp, AT_FDCWD, tx->tree, RENAME_EXCHANGE)
		 : rename(tx->tmp, tx->tree);
	if (r < 0 || rename(tx->tmpconf, tx->conf) < 0) {
		cli_err(tx->cmd, "cannot move %s into place: %s", tx->tree, strerror(errno));
		return -errno;
	}
	int dfd = open(tx->dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (swap && (r = tree_remove(tx->tmp)) < 0)
		cli_err(tx->cmd, "old tree of %s left at %s: %s", tx->name, tx->tmp, strerror(-r));
	tx->tmp[0] = '\0'; /* nothing left to abort */
	return 0;
}

void image_tx_abort(struct image_tx *tx)
{
	if (!tx->tmp[0])
		return;
	tree_remove(tx->tmp);
	unlink(tx->tmpconf);
	tx->tmp[0] = '\0';
	if (interrupted)
		cli_err(tx->cmd, "interrupted (%s); nothing stored", strsignal(interrupted));
	else
		cli_err(tx->cmd, "%s not stored; nothing left under %s", tx->name, tx->dir);
}

void image_tx_end(struct image_tx *tx)
{
	if (tx->lockfd >= 0)
		close(tx->lockfd);
	tx->lockfd = -1;
}
