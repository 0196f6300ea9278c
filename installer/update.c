/* update.c - see update.h */
#include "update.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "boot_rule.h"
#include "bootloader.h"
#include "chroot.h"
#include "disk_naming.h"
#include "filesystems.h"
#include "grub.h"
#include "log.h"
#include "pathfmt.h"
#include "rsync_argv.h"
#include "spawn.h"
#include "util.h"

#define LOCAL_EXCLUDES_MAX 256
#define EXCLUDE_LEN_MAX 512
#define FILE_MAX (1024 * 1024)
#define KEEP_MAX 32 /* kernels and initrds in /boot kept through the transfer */
/* rsync --timeout: a link silent this long fails the update */
#define UPDATE_RSYNC_TIMEOUT_S 600

/* si_updateclient's list, plus what the installer personalised and the boot
 * loader files it wrote (not in the image: --delete would remove them). */
const char *const update_default_excludes[] = {
    "/home/",
    "/tmp/",
    "/var/tmp/",
    "/var/lib/puppet/",
    "/etc/modprobe.d/",
    "/etc/machine-id",
    "/var/lib/dbus/machine-id",
    "/etc/ssh/ssh_host_*",
    "/etc/fstab",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/network/interfaces",
    "/etc/bootsrv/",
    "/proc/",
    "/sys/",
    "/dev/",
    "/run/",
    "/mnt/",
    "/media/",
    "lost+found/",
    "/boot/extlinux.conf",
    "/boot/ldlinux.sys",
    "/boot/ldlinux.c32",
    /* grub-install's modules and core.img, update-grub's grub.cfg with this
     * host's root UUID, the ESP, the installer's grub defaults */
    "/boot/grub/",
    "/boot/efi/",
    "/etc/default/grub.d/bootsrv.cfg",
    NULL,
};

int update_parse_local_excludes(const char *text, char **out, size_t max, unsigned *bad_line)
{
	unsigned line = 0;
	size_t n = 0;

	while (text && *text) {
		size_t len = strcspn(text, "\n"), b = 0, e = len;
		line++;
		while (b < e && isspace((unsigned char)text[b]))
			b++;
		while (e > b && isspace((unsigned char)text[e - 1]))
			e--;
		for (size_t i = b; i < e; i++)
			if ((unsigned char)text[i] < 0x20 && text[i] != '\t')
				goto bad;
		if (e > b && text[b] != '#') {
			if (n == max || e - b >= EXCLUDE_LEN_MAX)
				goto bad;
			out[n] = strndup(text + b, e - b);
			if (!out[n])
				goto bad;
			n++;
		}
		text += len + (text[len] == '\n');
	}
	return (int)n;
bad:
	for (size_t i = 0; i < n; i++)
		free(out[i]);
	*bad_line = line;
	return -EINVAL;
}

/* "\tKERNEL /boot/vmlinuz-1" -> keyword "KERNEL", directory "/boot/". */
static bool conf_path_line(const char *line, size_t len, const char *kw, size_t *dir_end)
{
	size_t i = 0, k = strlen(kw), start;

	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (len - i <= k || strncasecmp(line + i, kw, k) != 0 ||
	    !isspace((unsigned char)line[i + k]))
		return false;
	i += k;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	start = i;
	*dir_end = start;
	for (; i < len && !isspace((unsigned char)line[i]); i++)
		if (line[i] == '/')
			*dir_end = i + 1;
	return true;
}

int extlinux_conf_retarget(const char *old, const char *kernel, const char *initrd, FILE *out)
{
	while (old && *old) {
		size_t len = strcspn(old, "\n"), dir_end;
		if (conf_path_line(old, len, "KERNEL", &dir_end))
			fprintf(out, "%.*s%s\n", (int)dir_end, old, kernel);
		else if (initrd[0] && conf_path_line(old, len, "INITRD", &dir_end))
			fprintf(out, "%.*s%s\n", (int)dir_end, old, initrd);
		else
			fprintf(out, "%.*s\n", (int)len, old);
		old += len + (old[len] == '\n');
	}
	return ferror(out) ? -EIO : 0;
}

struct update_opts {
	char url[600];
	char root[PATH_MAX];
	char rsync[PATH_MAX];
	char extlinux[PATH_MAX];
	bool dry_run, no_bootloader;
	/* /boot/vmlinuz* and initrd.img* before the update: protected from
	 * --delete until the boot loader config names the new kernel */
	char *keep[KEEP_MAX];
	int n_keep;
	/* of those, the ones the image no longer has: never booted again */
	char *doomed[KEEP_MAX];
	int n_doomed;
	/* the installer's block in /etc/default/grub before the update (images
	 * without grub.d): the image's copy of that file has none */
	char *grub_block;
};

static bool boot_file(const char *name)
{
	return strncmp(name, "vmlinuz", 7) == 0 || strncmp(name, "initrd.img", 10) == 0;
}

/* Fill o->keep with the kernels and initrds now in ROOT/boot. */
static int list_boot_files(struct update_opts *o)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (path_fmt(dir, sizeof(dir), "%s/boot", strcmp(o->root, "/") == 0 ? "" : o->root) < 0)
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && o->n_keep < KEEP_MAX)
		if (boot_file(de->d_name) && !strchr(de->d_name, '/') &&
		    (o->keep[o->n_keep] = strdup(de->d_name)))
			o->n_keep++;
	closedir(d);
	return 0;
}

/* rsync argv: within the root's filesystem, default and local excludes,
 * the old kernels protected, source, root. */
static int build_argv(const struct update_opts *o, char **local, int n_local, struct rsync_argv *ra,
		      char *dst, size_t dstsz)
{
	const struct rsync_argv_opts ro = {
	    .rsync = o->rsync,
	    .flags = RSYNC_ONE_FS | (o->dry_run ? RSYNC_DRY_RUN : 0),
	    .timeout_s = UPDATE_RSYNC_TIMEOUT_S,
	    .src = o->url,
	    .dst = dst,
	};

	for (size_t i = 0; update_default_excludes[i]; i++)
		rsync_argv_rule(ra, RSYNC_EXCLUDE, "%s", update_default_excludes[i]);
	for (int i = 0; i < n_local; i++)
		rsync_argv_rule(ra, RSYNC_EXCLUDE, "%s", local[i]);
	/* a failed update must not leave the boot loader naming a deleted
	 * kernel: the old ones stay until the config names the new one */
	for (int i = 0; i < o->n_keep; i++)
		rsync_argv_rule(ra, RSYNC_PROTECT, "/boot/%s", o->keep[i]);
	if (path_fmt(dst, dstsz, "%s/", strcmp(o->root, "/") == 0 ? "" : o->root) < 0)
		return -ENAMETOOLONG;
	return rsync_argv_build(ra, &ro);
}

static void print_line(const char *line, void *arg)
{
	(void)arg;
	printf("%s\n", line);
}

static int load_local(const struct update_opts *o, char **local)
{
	char path[PATH_MAX], *text = NULL;
	unsigned bad = 0;
	int r;

	r = path_fmt(path, sizeof(path), "%s%s", strcmp(o->root, "/") == 0 ? "" : o->root,
		     UPDATE_LOCAL_EXCLUDE);
	if (r == 0)
		r = read_file(path, FILE_MAX, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		log_err("%s: %s", path, strerror(-r));
		return r;
	}
	r = update_parse_local_excludes(text, local, LOCAL_EXCLUDES_MAX, &bad);
	free(text);
	if (r < 0)
		log_err("%s:%u: unusable exclude pattern (or more than %d)", path, bad,
			LOCAL_EXCLUDES_MAX);
	else
		log_info("update: %d local excludes from %s", r, path);
	return r;
}

static int run_rsync(const struct update_opts *o)
{
	char *local[LOCAL_EXCLUDES_MAX] = {NULL};
	char dst[PATH_MAX + 2], last[256] = "";
	struct rsync_argv ra = {0};
	int n_local, st;

	n_local = load_local(o, local);
	if (n_local < 0)
		return n_local;
	st = build_argv(o, local, n_local, &ra, dst, sizeof(dst));
	if (st == 0)
		st = spawn_run(ra.argv, o->dry_run ? print_line : NULL, NULL, last, sizeof(last));
	if (st != 0)
		log_err("rsync from %s %s %d: %s", o->url, st < 0 ? "failed, error" : "exited with",
			st, last);
	for (int i = 0; i < n_local; i++)
		free(local[i]);
	rsync_argv_free(&ra);
	return st;
}

/* extlinux: point the config at the newest kernel, refresh ldlinux. */
static int update_extlinux(const struct update_opts *o, const char *boot)
{
	char conf[PATH_MAX], kname[NAME_MAX + 1], iname[NAME_MAX + 1] = "", *old = NULL;
	char *text = NULL, last[256];
	const char *argv[] = {o->extlinux, "--update", boot, NULL};
	size_t len = 0;
	FILE *mem;
	int r;

	if (boot_find_newest_except(boot, "vmlinuz", o->doomed, o->n_doomed, kname, sizeof(kname)) <
	    0) {
		log_err("update: no kernel in %s", boot);
		return -ENOENT;
	}
	boot_find_newest_except(boot, "initrd.img", o->doomed, o->n_doomed, iname, sizeof(iname));
	r = path_fmt(conf, sizeof(conf), "%s/extlinux.conf", boot);
	if (r == 0)
		r = read_file(conf, FILE_MAX, &old, NULL);
	if (r < 0)
		return r;
	mem = open_memstream(&text, &len);
	r = mem ? extlinux_conf_retarget(old, kname, iname, mem) : -ENOMEM;
	if (mem && fclose(mem) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = write_file_atomic(conf, text, len, 0644);
	free(text);
	free(old);
	if (r < 0) {
		log_err("update: writing %s: %s", conf, strerror(-r));
		return r;
	}
	log_info("update: %s boots %s", conf, kname);
	r = spawn_run(argv, NULL, NULL, last, sizeof(last));
	if (r != 0)
		log_err("update: extlinux --update %s: %d: %s", boot, r, last);
	return r == 0 ? 0 : -EIO;
}

/* The installer's block in ROOT/etc/default/grub, kept for after the
 * transfer. */
static void save_grub_block(struct update_opts *o)
{
	char path[PATH_MAX], *text = NULL;

	if (path_fmt(path, sizeof(path), "%s%s", strcmp(o->root, "/") == 0 ? "" : o->root,
		     GRUB_DEFAULTS) == 0 &&
	    read_file(path, FILE_MAX, &text, NULL) == 0)
		o->grub_block = grub_defaults_block_of(text);
	free(text);
}

/* The block devices a private /dev needs for the image's grub-mkconfig in
 * root: the one holding root, with its filesystem's UUID (10_linux writes
 * root=UUID= only when /dev/disk/by-uuid has it), and its disk. false when
 * sysfs or /dev does not show them. */
static bool root_devices(const char *root, char *part, char *disk, size_t sz, char *uuid,
			 size_t uuidsz)
{
	char sys[64], real[PATH_MAX], probe[PATH_MAX + 16];
	struct stat st, node;

	if (stat(root, &st) < 0)
		return false;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	if (!realpath(sys, real) || disk_dev_path(strrchr(real, '/') + 1, part, sz) < 0 ||
	    stat(part, &node) < 0 || !S_ISBLK(node.st_mode) || node.st_rdev != st.st_dev)
		return false;
	snprintf(disk, sz, "%s", part);
	if (path_fmt(probe, sizeof(probe), "%s/partition", real) == 0 && access(probe, F_OK) == 0) {
		*strrchr(real, '/') = '\0';
		if (disk_dev_path(strrchr(real, '/') + 1, disk, sz) < 0)
			return false;
	}
	return fs_read_uuid(part, PLAN_FS_EXT4, uuid, uuidsz) == 0 ||
	       fs_read_uuid(part, PLAN_FS_XFS, uuid, uuidsz) == 0;
}

/* /proc, /sys and a /dev of its own holding root's devices (else, when
 * they cannot be found, a bind of this system's /dev). */
static int update_mounts_up(struct chroot_mounts *cm, const char *root, char *err, size_t errsz)
{
	char part[PATH_MAX], disk[PATH_MAX], uuid[64];
	struct chroot_dev devs[2];
	struct chroot_opts co = {.devs = devs, .n_devs = 0};

	if (!root_devices(root, part, disk, sizeof(part), uuid, sizeof(uuid))) {
		log_warn("update: the block device of %s not found: the chroot gets this "
			 "system's /dev",
			 root);
		return chroot_mounts_up(cm, root, err, errsz);
	}
	if (strcmp(disk, part) != 0)
		devs[co.n_devs++] = (struct chroot_dev){.path = disk, .uuid = NULL};
	devs[co.n_devs++] = (struct chroot_dev){.path = part, .uuid = uuid};
	log_info("update: the chroot's /dev holds %s and %s (UUID %s)", disk, part, uuid);
	return chroot_mounts_up_opts(cm, root, &co, err, errsz);
}

/* The image's own grub when it has one (in a chroot), else extlinux. */
static int update_bootloader(const struct update_opts *o)
{
	const char *root = strcmp(o->root, "/") == 0 ? "" : o->root;
	char boot[PATH_MAX], err[256], last[256];
	struct boot_image img;
	struct chroot_mounts cm;
	struct stat st;
	int r, r2;

	if (path_fmt(boot, sizeof(boot), "%s/boot/extlinux.conf", root) == 0 &&
	    stat(boot, &st) == 0) {
		path_fmt(boot, sizeof(boot), "%s/boot", root);
		return update_extlinux(o, boot);
	}
	boot_image_probe(root, &img);
	if (!img.grub.mkconfig) {
		log_warn("update: neither extlinux.conf nor update-grub/grub-mkconfig: boot loader "
			 "not updated");
		return 0;
	}
	/* the console and root=UUID settings the image's file does not have */
	if (o->grub_block &&
	    grub_defaults_put(root[0] ? root : "/", o->grub_block, err, sizeof(err)) < 0) {
		log_err("update: %s", err);
		return -EIO;
	}
	bool update = strstr(img.grub_mkconfig, "update-grub") != NULL;
	const char *argv[] = {img.grub_mkconfig, update ? NULL : "-o", GRUB_CFG, NULL};
	if (!root[0])
		return spawn_run(argv, NULL, NULL, last, sizeof(last)) == 0 ? 0 : -EIO;
	r = update_mounts_up(&cm, root, err, sizeof(err));
	if (r < 0) {
		log_err("update: %s", err);
		return r;
	}
	r = spawn_run_in(root, NULL, argv, NULL, NULL, last, sizeof(last));
	r2 = chroot_mounts_down(&cm);
	if (r != 0)
		log_err("update: %s: %d: %s", img.grub_mkconfig, r, last);
	return r == 0 && r2 == 0 ? 0 : -EIO;
}

/* The kernels kept through the transfer get the image's verdict: one rsync
 * over just those names, so what the image no longer has is deleted and
 * nothing else is touched. dry: only list those (o->doomed), so the boot
 * loader is never pointed at one of them. */
/* "*deleting   boot/vmlinuz-6.1.0-9-amd64" of a dry run: doomed. */
static void on_doomed(const char *line, void *arg)
{
	struct update_opts *o = arg;
	const char *p = strstr(line, "*deleting ");

	if (!p || o->n_doomed == KEEP_MAX)
		return;
	p += strlen("*deleting ");
	while (*p == ' ')
		p++;
	if (strncmp(p, "boot/", 5) == 0 && boot_file(p + 5) &&
	    (o->doomed[o->n_doomed] = strdup(p + 5)))
		o->n_doomed++;
}

static int drop_kept(struct update_opts *o, bool dry)
{
	char dst[PATH_MAX + 2], last[256] = "";
	struct rsync_argv ra = {0};
	const struct rsync_argv_opts ro = {
	    .rsync = o->rsync,
	    .flags = dry ? RSYNC_DRY_RUN : 0,
	    .timeout_s = UPDATE_RSYNC_TIMEOUT_S,
	    .src = o->url,
	    .dst = dst,
	};
	int st;

	if (o->n_keep == 0)
		return 0;
	rsync_argv_rule(&ra, RSYNC_INCLUDE, "/boot/");
	for (int i = 0; i < o->n_keep; i++)
		rsync_argv_rule(&ra, RSYNC_INCLUDE, "/boot/%s", o->keep[i]);
	rsync_argv_rule(&ra, RSYNC_EXCLUDE, "*");
	if (path_fmt(dst, sizeof(dst), "%s/", strcmp(o->root, "/") == 0 ? "" : o->root) < 0)
		st = -ENAMETOOLONG;
	else
		st = rsync_argv_build(&ra, &ro);
	if (st == 0)
		st = spawn_run(ra.argv, dry ? on_doomed : NULL, o, last, sizeof(last));
	if (st != 0 && st != 24)
		log_err("update: %s old kernels: rsync %d: %s", dry ? "listing" : "removing", st,
			last);
	rsync_argv_free(&ra);
	return st == 0 || st == 24 ? 0 : -EIO;
}

static bool uses_extlinux(const struct update_opts *o)
{
	char conf[PATH_MAX];
	struct stat st;

	return path_fmt(conf, sizeof(conf), "%s/boot/extlinux.conf",
			strcmp(o->root, "/") == 0 ? "" : o->root) == 0 &&
	       stat(conf, &st) == 0;
}

static int usage(FILE *f, int rc)
{
	fputs("usage: installer-init update --server HOST|rsync://HOST[:PORT] --image NAME\n"
	      "         [--dry-run] [--no-bootloader] [--root DIR] [--rsync PATH] [--extlinux "
	      "PATH]\n",
	      f);
	return rc;
}

static int parse_opts(int argc, char **argv, struct update_opts *o)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"image", required_argument, NULL, 'i'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"no-bootloader", no_argument, NULL, 'B'},
	    {"root", required_argument, NULL, 'r'},
	    {"rsync", required_argument, NULL, 'R'},
	    {"extlinux", required_argument, NULL, 'E'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *server = NULL, *image = NULL;
	int c;

	snprintf(o->root, sizeof(o->root), "/");
	snprintf(o->rsync, sizeof(o->rsync), "/usr/bin/rsync");
	snprintf(o->extlinux, sizeof(o->extlinux), "/usr/bin/extlinux");
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;
		if (c == 's')
			server = optarg;
		else if (c == 'i')
			image = optarg;
		else if (c == 'n')
			o->dry_run = true;
		else if (c == 'B')
			o->no_bootloader = true;
		else if (c == 'r')
			r = path_fmt(o->root, sizeof(o->root), "%s", optarg);
		else if (c == 'R')
			r = path_fmt(o->rsync, sizeof(o->rsync), "%s", optarg);
		else if (c == 'E')
			r = path_fmt(o->extlinux, sizeof(o->extlinux), "%s", optarg);
		else
			return usage(c == 'h' ? stdout : stderr, c == 'h' ? 1 : -EINVAL);
		if (r < 0)
			return usage(stderr, -EINVAL);
	}
	if (optind != argc || !server || !image || !image[0] || strpbrk(image, "/ \t\n") ||
	    o->root[0] != '/' || strpbrk(server, " \t\n"))
		return usage(stderr, -EINVAL);
	if (strncmp(server, "rsync://", 8) == 0)
		server += 8;
	if (path_fmt(o->url, sizeof(o->url), "rsync://%s/%s/", server, image) < 0)
		return -EINVAL;
	return 0;
}

/* Boot loader first, then the old kernels go (grub's menu is made again
 * without them). */
static int finish_boot(struct update_opts *o)
{
	if (drop_kept(o, true) != 0 || update_bootloader(o) != 0)
		return 1;
	if (drop_kept(o, false) != 0)
		return 1;
	if (o->n_keep && !uses_extlinux(o) && update_bootloader(o) != 0)
		return 1;
	return 0;
}

int update_main(int argc, char **argv)
{
	struct update_opts o;
	int r;

	memset(&o, 0, sizeof(o));
	r = parse_opts(argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : 2;
	log_info("update: %s into %s%s", o.url, o.root,
		 o.dry_run ? " (dry run: nothing changes)" : "");
	if (!o.dry_run && !o.no_bootloader && list_boot_files(&o) < 0)
		log_warn("update: cannot list %s/boot: old kernels not protected", o.root);
	if (!o.dry_run && !o.no_bootloader)
		save_grub_block(&o);
	r = run_rsync(&o);
	if (r == 24) /* files vanished on the server meanwhile: harmless */
		r = 0;
	if (r != 0)
		r = 1;
	else if (o.dry_run || o.no_bootloader)
		log_info("update: boot loader left alone (%s)",
			 o.dry_run ? "dry run" : "--no-bootloader");
	else
		r = finish_boot(&o);
	for (int i = 0; i < o.n_keep; i++)
		free(o.keep[i]);
	for (int i = 0; i < o.n_doomed; i++)
		free(o.doomed[i]);
	free(o.grub_block);
	return r;
}
