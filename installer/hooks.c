/* hooks.c - see hooks.h */
#include "hooks.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chroot.h"
#include "install.h"
#include "log.h"
#include "out_tail.h"
#include "pathfmt.h"
#include "personalise.h"
#include "spawn.h"

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* run-parts skips these: hidden files and package-manager/editor leftovers */
static bool skipped_name(const char *n)
{
	size_t len = strlen(n);
	return n[0] == '.' || n[len - 1] == '~' || strstr(n, ".dpkg-") || strstr(n, ".rpmnew") ||
	       strstr(n, ".rpmsave");
}

int hooks_list(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v;
	int n = 0;

	*names = NULL;
	if (!d)
		return -errno;
	v = calloc(HOOKS_MAX, sizeof(*v));
	while (v && (de = readdir(d))) {
		struct stat st;
		if (skipped_name(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		if (n == HOOKS_MAX || !(v[n] = strdup(de->d_name))) {
			for (int i = 0; i < n; i++)
				free(v[i]);
			free(v);
			closedir(d);
			return n == HOOKS_MAX ? -E2BIG : -ENOMEM;
		}
		n++;
	}
	closedir(d);
	if (!v)
		return -ENOMEM;
	qsort(v, (size_t)n, sizeof(*v), cmp_name);
	*names = v;
	return n;
}

unsigned hooks_timeout_s(const struct install *in)
{
	if (in->args.hook_timeout_s)
		return in->args.hook_timeout_s;
	return in->plan.hook_timeout_s ? in->plan.hook_timeout_s : HOOK_TIMEOUT_DEFAULT_S;
}

static int run_hook(struct install *in, const char *name, int percent, char *const env[])
{
	struct out_tail t = {.n = 0};
	char path[PATH_MAX], what[NAME_MAX + 8], verdict[INSTALL_ERR_MAX];
	const char *argv[2] = {path, NULL};
	/* its own process group: on timeout the hook and everything it started
	 * is killed; background jobs left when it exits are killed too (the
	 * target is unmounted next, and the host reboots) */
	const struct spawn_opts o = {.root = in->args.target,
				     .env = env,
				     .timeout_s = hooks_timeout_s(in),
				     .kill_leftovers = true};
	int st;

	if (path_fmt(path, sizeof(path), "%s/%s", HOOKS_DIR, name) < 0)
		return install_fail(in, -ENAMETOOLONG, "hook name too long");
	snprintf(what, sizeof(what), "hook %s", name);
	t.what = what;
	report_progress(&in->rep, "hooks", percent, 0, name);
	st = spawn_run_opts(argv, &o, out_tail_line, &t, NULL, 0);
	if (st == 0)
		return 0;
	/* what the failure message has left after "hook NAME " */
	size_t room = sizeof(in->err) - strlen(name) - sizeof("hook  ");
	int rc = out_tail_verdict(&t, st, o.timeout_s, verdict,
				  room < sizeof(verdict) ? room : sizeof(verdict));
	return install_fail(in, rc, "hook %s %s", name, verdict);
}

static int run_all(struct install *in, char **names, int n)
{
	char host[80], image[80], server[300], txt[64];
	char *const env[] = {CHROOT_PATH, "LANG=C", "HOME=/root", host, image, server, txt, NULL};
	char err[256];
	struct chroot_mounts cm;
	int r, r2;

	snprintf(host, sizeof(host), "BOOTSRV_HOST=%s", in->plan.hostname);
	snprintf(image, sizeof(image), "BOOTSRV_IMAGE=%s", in->plan.image);
	snprintf(server, sizeof(server), "BOOTSRV_SERVER=%s", in->args.bootsrv);
	snprintf(txt, sizeof(txt), "BOOTSRV_TXT_FILE=%s", HOST_TXT_PATH);
	r = chroot_mounts_up(&cm, in->args.target, err, sizeof(err));
	if (r < 0)
		return install_fail(in, r, "%s", err);
	for (int i = 0; r == 0 && i < n; i++)
		r = run_hook(in, names[i], i * 100 / n, env); /* the server wants 0-100 */
	r2 = chroot_mounts_down(&cm);
	if (r == 0 && r2 < 0)
		r = install_fail(in, r2, "unmounting the target's /proc, /sys, /dev");
	return r;
}

int step_hooks(struct install *in)
{
	char dir[PATH_MAX], **names = NULL;
	int n, r;

	if (path_fmt(dir, sizeof(dir), "%s%s", in->args.target, HOOKS_DIR) < 0)
		return install_fail(in, -ENAMETOOLONG, "target path too long");
	n = hooks_list(dir, &names);
	if (n == -ENOENT || n == 0) {
		log_info("hooks: none in %s", HOOKS_DIR);
		free(names);
		return 0;
	}
	if (n < 0)
		return install_fail(in, n, "listing %s: %s", HOOKS_DIR, strerror(-n));
	log_info("hooks: %d to run from %s", n, HOOKS_DIR);
	r = run_all(in, names, n);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}
