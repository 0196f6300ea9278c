/* image.c - see image.h */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elf_deps.h"
#include "kmod_closure.h"
#include "log.h"
#include "util.h"

/* Directories every flavor gets: mount points for the init programs and
 * a writable /tmp. */
static const struct {
	const char *path;
	unsigned mode;
} base_dirs[] = {
    {"/dev", 0755},  {"/proc", 0555}, {"/sys", 0555}, {"/run", 0755},	   {"/tmp", 01777},
    {"/root", 0700}, {"/etc", 0755},  {"/mnt", 0755}, {"/var/tmp", 01777},
};

/* Module index files copied as they are (small) or filtered to the shipped
 * modules (large); all only for busybox modprobe/modinfo when debugging. */
static const char *const mod_index_copy[] = {"modules.builtin", "modules.softdep",
					     "modules.builtin.modinfo", "modules.devname"};

/* out = a "/" b; -ENAMETOOLONG instead of a silently cut path. */
static int join(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s/%s", a, b);
	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

int image_find_kver(const char *kernel_root, char *out, size_t outsz)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (join(dir, sizeof(dir), kernel_root, "lib/modules") < 0)
		return -ENAMETOOLONG;
	if (!(d = opendir(dir)))
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (found++ == 0)
			snprintf(out, outsz, "%s", de->d_name);
	}
	closedir(d);
	if (found == 0)
		return -ENOENT;
	return found == 1 ? 0 : -ENOTUNIQ;
}

/* Run argv and capture its stdout (at most 1 MiB). No shell involved. */
static int run_capture(char *const argv[], char **out)
{
	size_t len = 0, cap = 65536;
	int pfd[2], status, r = 0;
	pid_t pid;
	char *buf;

	if (!(buf = malloc(cap)))
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		free(buf);
		return -errno;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;
		if (len + 1 == cap) {
			char *nb = cap < (1u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				r = cap < (1u << 20) ? -ENOMEM : -EFBIG;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = -ECHILD;
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* True when a real program of that name is shipped: busybox must not
 * shadow it on PATH (busybox's own shell prefers applets anyway). */
static bool real_tool(const struct spec *spec, const char *name)
{
	const struct strlist *lists[] = {&spec->binaries, &spec->optional_binaries};

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < lists[k]->n; i++)
			if (strcmp(base_name(lists[k]->v[i]), name) == 0)
				return true;
	for (size_t i = 0; i < spec->n_links; i++)
		if (strcmp(base_name(spec->links[i].path), name) == 0)
			return true;
	return false;
}

static int add_busybox(const struct spec *spec, struct cpio_list *l, struct image_stats *st)
{
	char *const argv[] = {spec->busybox, "--list", NULL};
	char *list = NULL, *save = NULL, path[PATH_MAX];
	int r;

	if ((r = cpio_add_file(l, "/bin/busybox", spec->busybox, 0755)) < 0) {
		log_err("busybox %s: %s", spec->busybox, strerror(-r));
		return r;
	}
	if ((r = run_capture(argv, &list)) < 0) {
		log_err("%s --list: %s", spec->busybox, strerror(-r));
		return r;
	}
	/* /bin/sh first: it must exist even if --list were to omit it. */
	r = cpio_add_symlink(l, "/bin/sh", "busybox");
	for (char *a = strtok_r(list, "\n", &save); a && r == 0; a = strtok_r(NULL, "\n", &save)) {
		if (!*a || strchr(a, '/') || strcmp(a, "busybox") == 0 || strcmp(a, "sh") == 0 ||
		    real_tool(spec, a))
			continue;
		snprintf(path, sizeof(path), "/bin/%s", a);
		if (cpio_has(l, path))
			continue;
		if ((r = cpio_add_symlink(l, path, "busybox")) == 0)
			st->applets++;
	}
	free(list);
	return r;
}

/* Add program (copied from its real file) at path and its libraries. */
static int add_program(struct cpio_list *l, const char *path, const char *src, unsigned mode,
		       struct elf_libs *libs, struct image_stats *st)
{
	int r = cpio_add_file(l, path, src, mode);

	if (r < 0) {
		log_err("%s: %s", src, strerror(-r));
		return r;
	}
	r = elf_collect(src, NULL, libs);
	if (r == -ENOEXEC) /* a script: its interpreter must be listed itself */
		return 0;
	if (r < 0)
		log_err("%s: cannot resolve its libraries: %s", src, strerror(-r));
	else
		st->binaries++;
	return r;
}

static int add_binaries(const struct strlist *bins, bool optional, struct cpio_list *l,
			struct elf_libs *libs, struct image_stats *st)
{
	for (size_t i = 0; i < bins->n; i++) {
		int r;
		if (optional && access(bins->v[i], X_OK) < 0) {
			log_warn("optional binary %s: %s; skipped", bins->v[i], strerror(errno));
			continue;
		}
		if ((r = add_program(l, bins->v[i], bins->v[i], 0, libs, st)) < 0)
			return r;
	}
	return 0;
}

static int add_files(const struct spec *spec, struct cpio_list *l)
{
	for (size_t i = 0; i < spec->n_files; i++) {
		const struct spec_file *f = &spec->files[i];
		int r;
		if (f->content)
			r = cpio_add_data(l, f->dst, f->content, strlen(f->content),
					  f->mode ? f->mode : 0644);
		else if (f->optional && access(f->src, R_OK) < 0)
			r = 0, log_warn("optional file %s: %s; skipped", f->src, strerror(errno));
		else
			r = cpio_add_file(l, f->dst, f->src, f->mode);
		if (r < 0) {
			log_err("file %s: %s", f->src ? f->src : f->dst, strerror(-r));
			return r;
		}
	}
	for (size_t i = 0; i < spec->n_links; i++) {
		int r = cpio_add_symlink(l, spec->links[i].path, spec->links[i].target);
		if (r < 0) {
			log_err("symlink %s: %s", spec->links[i].path, strerror(-r));
			return r;
		}
	}
	return 0;
}

static int add_dirs(const struct spec *spec, struct cpio_list *l)
{
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(base_dirs); i++)
		if ((r = cpio_add_dir(l, base_dirs[i].path, base_dirs[i].mode)) < 0)
			return r;
	/* The kernel opens /dev/console for PID 1 before devtmpfs is mounted. */
	if ((r = cpio_add_chardev(l, "/dev/console", 0600, 5, 1)) < 0)
		return r;
	for (size_t i = 0; i < spec->directories.n; i++)
		if ((r = cpio_add_dir(l, spec->directories.v[i], 0755)) < 0) {
			log_err("directory %s: %s", spec->directories.v[i], strerror(-r));
			return r;
		}
	return 0;
}

/* Append "line" to a growing text buffer. */
static int text_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap : 4096);
		char *nb;
		while (ncap < *len + n + 1)
			ncap *= 2;
		if (!(nb = realloc(*buf, ncap)))
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static bool shipped_rel(const struct kmod_closure *kc, const char *rel, size_t n)
{
	for (size_t i = 0; i < kmod_closure_count(kc); i++) {
		const char *r = kmod_closure_get(kc, i)->rel;
		if (strlen(r) == n && strncmp(r, rel, n) == 0)
			return true;
	}
	return false;
}

static bool shipped_name(const struct kmod_closure *kc, const char *name, size_t n)
{
	for (size_t i = 0; i < kmod_closure_count(kc); i++) {
		const char *m = kmod_closure_get(kc, i)->name;
		if (strlen(m) == n && strncmp(m, name, n) == 0)
			return true;
	}
	return false;
}

/* Copy moddir/name keeping only lines about shipped modules: modules.dep
 * ("rel: deps") by its key, modules.alias ("alias X name") by its last word. */
static int add_filtered_index(struct cpio_list *l, const struct kmod_closure *kc,
			      const char *moddir, const char *dstdir, const char *name)
{
	char src[PATH_MAX], dst[PATH_MAX], *in = NULL, *out = NULL, *save = NULL;
	size_t inlen, outlen = 0, cap = 0;
	bool dep = strcmp(name, "modules.dep") == 0;
	int r;

	if (join(src, sizeof(src), moddir, name) < 0 || join(dst, sizeof(dst), dstdir, name) < 0)
		return -ENAMETOOLONG;
	if ((r = read_file(src, 64u << 20, &in, &inlen)) < 0)
		return r == -ENOENT && !dep ? 0 : r;
	r = text_add(&out, &outlen, &cap, "", 0);
	for (char *line = strtok_r(in, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *key = line, *colon = strchr(line, ':'), *sp = strrchr(line, ' ');
		bool keep = dep ? colon && shipped_rel(kc, key, (size_t)(colon - key))
				: line[0] != '#' && sp && shipped_name(kc, sp + 1, strlen(sp + 1));
		if (keep && (r = text_add(&out, &outlen, &cap, line, strlen(line))) == 0)
			r = text_add(&out, &outlen, &cap, "\n", 1);
	}
	if (r == 0)
		r = cpio_add_data(l, dst, out, outlen, 0644);
	free(in);
	free(out);
	return r;
}

static int resolve_modules(struct kmod_closure *kc, const struct strlist *names, bool optional)
{
	for (size_t i = 0; i < names->n; i++) {
		int r = kmod_closure_add(kc, names->v[i]);
		if (r == -ENOENT && optional) {
			log_warn("optional module %s: not in this kernel; skipped", names->v[i]);
			continue;
		}
		if (r < 0) {
			log_err("module %s: %s", names->v[i],
				r == -ENOENT ? "not in this kernel" : strerror(-r));
			return r;
		}
	}
	return 0;
}

/* The .ko files, /etc/modules.load (absolute paths, dependencies first, as
 * modload_list() reads it) and the index files busybox modprobe uses. */
static int ship_modules(struct cpio_list *l, const struct kmod_closure *kc, const char *moddir,
			const char *kver)
{
	char dstdir[512], path[PATH_MAX], *load = NULL;
	size_t len = 0, cap = 0;
	int r = text_add(&load, &len, &cap, "", 0);

	snprintf(dstdir, sizeof(dstdir), "/lib/modules/%s", kver);
	for (size_t i = 0; i < kmod_closure_count(kc) && r == 0; i++) {
		const struct kmod_mod *m = kmod_closure_get(kc, i);
		if ((r = join(path, sizeof(path), dstdir, m->rel)) == 0 &&
		    (r = cpio_add_file(l, path, m->path, 0644)) == 0 &&
		    (r = text_add(&load, &len, &cap, path, strlen(path))) == 0)
			r = text_add(&load, &len, &cap, "\n", 1);
	}
	if (r == 0)
		r = cpio_add_data(l, "/etc/modules.load", load, len, 0644);
	free(load);
	if (r == 0)
		r = add_filtered_index(l, kc, moddir, dstdir, "modules.dep");
	if (r == 0)
		r = add_filtered_index(l, kc, moddir, dstdir, "modules.alias");
	for (size_t i = 0; i < ARRAY_SIZE(mod_index_copy) && r == 0; i++) {
		char src[PATH_MAX];
		if (join(src, sizeof(src), moddir, mod_index_copy[i]) < 0 ||
		    join(path, sizeof(path), dstdir, mod_index_copy[i]) < 0)
			r = -ENAMETOOLONG;
		else if (access(src, R_OK) == 0)
			r = cpio_add_file(l, path, src, 0644);
	}
	return r;
}

static int add_modules(const struct spec *spec, const struct image_opts *o, struct cpio_list *l,
		       struct image_stats *st)
{
	char kver[256], moddir[PATH_MAX];
	struct kmod_closure *kc = NULL;
	int r;

	if (o->kver)
		snprintf(kver, sizeof(kver), "%s", o->kver);
	else if ((r = image_find_kver(o->kernel_root, kver, sizeof(kver))) < 0) {
		log_err("%s/lib/modules: %s", o->kernel_root,
			r == -ENOTUNIQ ? "several kernels, pass --kver" : strerror(-r));
		return r;
	}
	if (snprintf(moddir, sizeof(moddir), "%s/lib/modules/%s", o->kernel_root, kver) >=
	    (int)sizeof(moddir))
		return -ENAMETOOLONG;
	if ((r = kmod_closure_new(moddir, &kc)) < 0) {
		log_err("%s: %s (run depmod -b ROOT %s)", moddir, strerror(-r), kver);
		return r;
	}
	if ((r = resolve_modules(kc, &spec->modules, false)) == 0 &&
	    (r = resolve_modules(kc, &spec->optional_modules, true)) == 0)
		r = ship_modules(l, kc, moddir, kver);
	if (r < 0)
		log_err("modules: %s", strerror(-r));
	st->modules = kmod_closure_count(kc);
	st->builtin = kmod_closure_builtin_count(kc);
	kmod_closure_free(kc);
	return r;
}

int image_build(const struct spec *spec, const struct image_opts *o, struct cpio_list *l,
		struct image_stats *st)
{
	struct elf_libs libs = {0};
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (spec->merged_usr && (r = cpio_list_set_merged_usr(l)) < 0)
		return r;
	if ((r = add_dirs(spec, l)) < 0)
		return r;
	if ((r = add_program(l, "/init", o->init, 0755, &libs, st)) < 0)
		goto out;
	if ((r = add_binaries(&spec->binaries, false, l, &libs, st)) < 0 ||
	    (r = add_binaries(&spec->optional_binaries, true, l, &libs, st)) < 0)
		goto out;
	for (size_t i = 0; i < libs.n && r == 0; i++)
		if ((r = cpio_add_file(l, libs.v[i].dst, libs.v[i].src, 0)) < 0)
			log_err("library %s: %s", libs.v[i].dst, strerror(-r));
	st->libs = libs.n;
	/* Busybox last among programs: its applet links fill only the names
	 * that nothing real took. */
	if (r == 0)
		r = add_files(spec, l);
	if (r == 0 && spec->busybox)
		r = add_busybox(spec, l, st);
	if (r == 0 && (spec->modules.n || spec->optional_modules.n))
		r = add_modules(spec, o, l, st);
out:
	elf_libs_free(&libs);
	return r;
}

/* Open "<path>.tmp" for an atomic replace of path. */
static int open_tmp(const char *path, char *tmp, size_t tmpsz)
{
	int fd, n = snprintf(tmp, tmpsz, "%s.tmp", path);

	if (n < 0 || (size_t)n >= tmpsz)
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

/* fsync, size, close and rename into place; unlink the temp file on error. */
static int commit_tmp(int fd, const char *tmp, const char *path, int r, long long *size)
{
	struct stat st;

	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	else if (size)
		*size = (long long)st.st_size;
	return r;
}

int image_write(struct cpio_list *l, enum cpio_compress c, const char *path, long long *size)
{
	char tmp[PATH_MAX];
	int fd = open_tmp(path, tmp, sizeof(tmp));

	if (fd < 0)
		return fd;
	return commit_tmp(fd, tmp, path, cpio_list_write_fd(l, fd, c), size);
}

int image_copy_file(const char *src, const char *dst, long long *size)
{
	char tmp[PATH_MAX], buf[65536];
	int in, out, r = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((out = open_tmp(dst, tmp, sizeof(tmp))) < 0) {
		close(in);
		return out;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w = 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		while (w < n) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				r = -errno;
				break;
			}
			w += k;
		}
		if (r < 0)
			break;
	}
	close(in);
	return commit_tmp(out, tmp, dst, r, size);
}
