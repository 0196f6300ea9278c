/* sysconf.c - see sysconf.h */
#include "sysconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filesystems.h"
#include "install.h"
#include "log.h"
#include "pathfmt.h"
#include "util.h"

#define ETC_FILE_MAX (1024 * 1024)

static const char *const disk_sources[] = {"/dev/", "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL="};

bool fstab_keep_line(const char *line, const struct install *in)
{
	char src[256], mnt[256];

	if (sscanf(line, "%255s %255s", src, mnt) != 2 || src[0] == '#')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(disk_sources); i++)
		if (strncmp(src, disk_sources[i], strlen(disk_sources[i])) == 0)
			return false;
	for (size_t i = 0; i < in->plan.n_parts; i++)
		if (strcmp(mnt, in->plan.parts[i].mount) == 0)
			return false;
	return true;
}

int fstab_render(const struct install *in, const char *old, FILE *out)
{
	const struct plan *p = &in->plan;
	size_t order[PLAN_MAX_PARTS], n = fs_mount_order(p, order);

	fprintf(out, "# /etc/fstab written by the bootsrv installer: image %s, layout %s\n",
		p->image, p->layout_name);
	fprintf(out, "# <file system>\t<mount point>\t<type>\t<options>\t<dump>\t<pass>\n");
	for (size_t k = 0; k < n; k++) {
		const struct plan_part *pp = &p->parts[order[k]];
		fprintf(out, "UUID=%s\t%s\t%s\t%s\t0\t%d\n", in->parts[order[k]].uuid, pp->mount,
			plan_fs_name(pp->fs), pp->options, strcmp(pp->mount, "/") == 0 ? 1 : 2);
	}
	for (size_t i = 0; i < p->n_parts; i++)
		if (p->parts[i].fs == PLAN_FS_SWAP)
			fprintf(out, "UUID=%s\tnone\tswap\t%s\t0\t0\n", in->parts[i].uuid,
				p->parts[i].options);
	while (old && *old) {
		size_t len = strcspn(old, "\n");
		char line[1024];
		if (len < sizeof(line)) {
			memcpy(line, old, len);
			line[len] = '\0';
			if (fstab_keep_line(line, in))
				fprintf(out, "%s\n", line);
		}
		old += len + (old[len] == '\n');
	}
	return ferror(out) ? -EIO : 0;
}

/* Render with fn into memory, then replace path atomically. */
static int write_rendered(const char *path, int (*fn)(const struct install *, const char *, FILE *),
			  const struct install *in)
{
	char *old = NULL, *text = NULL;
	size_t oldlen = 0, len = 0;
	FILE *mem;
	int r;

	r = read_file(path, ETC_FILE_MAX, &old, &oldlen);
	if (r < 0 && r != -ENOENT)
		return r;
	mem = open_memstream(&text, &len);
	if (!mem) {
		r = -errno;
		goto out;
	}
	r = fn(in, old, mem);
	if (fclose(mem) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = write_file_atomic(path, text, len, 0644);
out:
	free(text);
	free(old);
	return r;
}

int step_fstab(struct install *in)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int r;

	r = path_fmt(dir, sizeof(dir), "%s/etc", in->args.target);
	if (r == 0)
		r = path_fmt(path, sizeof(path), "%s/etc/fstab", in->args.target);
	if (r == 0)
		r = mkdir_p(dir, 0755);
	if (r == 0)
		r = write_rendered(path, fstab_render, in);
	if (r < 0)
		return install_fail(in, r, "writing %s: %s", path, strerror(-r));
	return 0;
}

/* /etc/hosts: the image's lines, its 127.0.1.1 line replaced by ours
 * (Debian's convention for the host's own name). */
static int hosts_render(const struct install *in, const char *old, FILE *out)
{
	const char *name = in->plan.hostname;
	size_t short_len = strcspn(name, ".");
	bool have_localhost = false;

	while (old && *old) {
		size_t len = strcspn(old, "\n");
		if (len > 9 && strncmp(old, "127.0.0.1", 9) == 0 &&
		    (old[9] == ' ' || old[9] == '\t'))
			have_localhost = true;
		if (!(len > 9 && strncmp(old, "127.0.1.1", 9) == 0))
			fprintf(out, "%.*s\n", (int)len, old);
		old += len + (old[len] == '\n');
	}
	if (!have_localhost)
		fprintf(out, "127.0.0.1\tlocalhost\n");
	if (name[short_len] == '.')
		fprintf(out, "127.0.1.1\t%s %.*s\n", name, (int)short_len, name);
	else
		fprintf(out, "127.0.1.1\t%s\n", name);
	return ferror(out) ? -EIO : 0;
}

int step_hostname(struct install *in)
{
	char path[PATH_MAX], line[PLAN_NAME_MAX + 2];
	int n, r;

	n = snprintf(line, sizeof(line), "%s\n", in->plan.hostname);
	r = path_fmt(path, sizeof(path), "%s/etc/hostname", in->args.target);
	if (r == 0)
		r = write_file_atomic(path, line, (size_t)n, 0644);
	if (r == 0)
		r = path_fmt(path, sizeof(path), "%s/etc/hosts", in->args.target);
	if (r == 0)
		r = write_rendered(path, hosts_render, in);
	if (r < 0)
		return install_fail(in, r, "writing %s: %s", path, strerror(-r));
	return 0;
}
