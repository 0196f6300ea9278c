/* frozen_make.c - one frozen version, in a child process (frozen_make.h).
 *
 * The copy is `cp -al` when the image and state_dir/frozen share a
 * filesystem: hard links, no data copied (a 720 MB Debian tree of 16,837
 * files in about 0.5 s). A hard link freezes the tree's structure: files
 * added, deleted, renamed or replaced by rename (dpkg, editors, rsync and
 * bootsrv's own import --replace all write a new file and rename it over
 * the old) leave the version as it was. It does not freeze a write into an
 * existing file in place, which would show through to every version
 * sharing that inode: bootsrv's own writers never do that, and the README
 * says so for hand edits. On another filesystem (an image of bootsrv.conf
 * kept elsewhere) no link can be made: the tree is copied, with reflinks
 * where that filesystem has them (`cp -a --reflink=auto`). */
#include "frozen_make.h"

#include "common/fs_tree.h"
#include "frozen_name.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CP_BIN "/bin/cp"
#define COPY_TRIES 3

int frozen_tree_fp(const char *src, uint64_t *fp)
{
	char *roots[] = {(char *)src, NULL};
	size_t skip = strlen(src);
	uint64_t sum = 0, n = 0;
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	FTSENT *e;
	int r = 0;

	if (!fts)
		return -errno;
	while ((e = fts_read(fts))) {
		if (e->fts_info == FTS_DP)
			continue;
		if (e->fts_info == FTS_ERR || e->fts_info == FTS_DNR || e->fts_info == FTS_NS) {
			r = -(e->fts_errno ? e->fts_errno : EIO);
			break;
		}
		sum += frozen_fp_entry(e->fts_path + skip, e->fts_statp);
		n++;
	}
	if (!e && errno && r == 0)
		r = -errno;
	fts_close(fts);
	*fp = sum + n;
	return r;
}

/* cp SRC/. DST, stderr to errfd; 0 or -EIO. */
static int copy_tree(const char *src, const char *dst, bool link, int errfd)
{
	char from[PATH_MAX];
	char *argv[] = {"cp", "-a", link ? "--link" : "--reflink=auto", from, (char *)dst, NULL};
	int status;
	pid_t pid;

	snprintf(from, sizeof(from), "%s/.", src);
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		dup2(errfd, 2);
		execv(CP_BIN, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int fail(int errfd, const char *fmt, const char *a, int err)
{
	dprintf(errfd, fmt, a, strerror(-err));
	return FROZEN_FAILED;
}

int frozen_make(const char *src, const char *dir, const char *snap, uint64_t prev_fp,
		const char *errfile)
{
	char tmp[PATH_MAX], final[PATH_MAX], fpfile[PATH_MAX], text[32];
	int errfd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	uint64_t before, after;
	struct stat s, d;
	int r;

	if (errfd < 0)
		errfd = 2;
	if (snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, snap) >= (int)sizeof(tmp) ||
	    snprintf(final, sizeof(final), "%s/%s", dir, snap) >= (int)sizeof(final) ||
	    snprintf(fpfile, sizeof(fpfile), "%s/%s.fp", dir, snap) >= (int)sizeof(fpfile))
		return fail(errfd, "%s: %s\n", dir, -ENAMETOOLONG);
	if (stat(src, &s) < 0 || stat(dir, &d) < 0)
		return fail(errfd, "%s: %s\n", stat(src, &s) < 0 ? src : dir, -errno);
	for (int i = 0; i < COPY_TRIES; i++) {
		if ((r = frozen_tree_fp(src, &before)) < 0)
			return fail(errfd, "reading image tree %s: %s\n", src, r);
		if (prev_fp && before == prev_fp)
			return FROZEN_UNCHANGED;
		tree_remove(tmp);
		if ((r = copy_tree(src, tmp, s.st_dev == d.st_dev, errfd)) < 0) {
			tree_remove(tmp);
			return fail(errfd, "copy of %s failed: %s (see the cp message above)\n",
				    src, r);
		}
		if ((r = frozen_tree_fp(src, &after)) < 0) {
			tree_remove(tmp);
			return fail(errfd, "reading image tree %s: %s\n", src, r);
		}
		if (after != before)
			continue; /* changed while being copied: the copy may mix */
		snprintf(text, sizeof(text), "%016llx\n", (unsigned long long)before);
		if ((r = write_file_atomic(fpfile, text, strlen(text), 0600)) < 0 ||
		    (rename(tmp, final) < 0 && (r = -errno))) {
			tree_remove(tmp);
			unlink(fpfile);
			return fail(errfd, "freezing %s: %s\n", final, r);
		}
		return FROZEN_MADE;
	}
	tree_remove(tmp);
	dprintf(errfd, "image tree %s changed during each of %d copies; retry when it is quiet\n",
		src, COPY_TRIES);
	return FROZEN_FAILED;
}
