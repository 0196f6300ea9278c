/* grub.c - see grub.h */
#include "grub.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_choice.h"
#include "chroot.h"
#include "install.h"
#include "log.h"
#include "out_tail.h"
#include "pathfmt.h"
#include "spawn.h"
#include "util.h"

#define BLOCK_BEGIN "# BEGIN bootsrv installer settings"
#define BLOCK_END "# END bootsrv installer settings"
#define DEFAULTS_MAX (256 * 1024)
#define CFG_MAX (4 * 1024 * 1024)
#define GRUB_NOTE_ROOM 128 /* of the failure message, kept for the unmount's */

int grub_defaults_render(FILE *out, const char *console)
{
	unsigned unit, speed;

	fprintf(out,
		"%s\n# written by the bootsrv installer; read by update-grub after "
		"/etc/default/grub\n",
		BLOCK_BEGIN);
	fprintf(out, "GRUB_DISABLE_LINUX_UUID=false\n");
	if (console && console[0]) {
		fprintf(out, "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX console=%s\"\n", console);
		/* "ttyS1,115200n8": the same port for grub's own menu */
		if (console_serial(console, &unit, &speed)) {
			fprintf(out, "GRUB_TERMINAL=\"console serial\"\n");
			fprintf(out, "GRUB_SERIAL_COMMAND=\"serial --unit=%u --speed=%u\"\n", unit,
				speed);
		}
	}
	fprintf(out, "%s\n", BLOCK_END);
	return ferror(out) ? -EIO : 0;
}

char *grub_defaults_merge(const char *old, const char *block)
{
	const char *b = old ? strstr(old, BLOCK_BEGIN) : NULL;
	const char *e = b ? strstr(b, BLOCK_END) : NULL;
	size_t head, tail_off = 0;
	char *out;

	if (!old)
		old = "";
	if (b && e) {
		head = (size_t)(b - old);
		tail_off = (size_t)(e - old) + strlen(BLOCK_END);
		if (old[tail_off] == '\n')
			tail_off++;
	} else {
		head = strlen(old);
		tail_off = head;
	}
	/* the image's text before and after an old block, each ending in a
	 * newline, then the block: "B=2# BEGIN ..." would be one shell line */
	const char *tail = old + tail_off;
	size_t tail_len = strlen(tail);
	bool head_nl = head > 0 && old[head - 1] != '\n';
	bool tail_nl = tail_len > 0 && tail[tail_len - 1] != '\n';
	if (asprintf(&out, "%.*s%s%s%s%s", (int)head, old, head_nl ? "\n" : "", tail,
		     tail_nl ? "\n" : "", block) < 0)
		return NULL;
	return out;
}

/* The grub defaults file in the target, opened without following any
 * symlink (an image's etc/default -> /etc must not make us write the
 * installer's files): the drop-in when the image's grub has grub.d.
 * *dirfd is the directory, name the file in it. */
static int defaults_dir(const char *target, int *dirfd, const char **name, bool *dropin)
{
	int fd = open_dir_in_root(target, GRUB_DROPIN_DIR, false, 0);

	*dropin = fd >= 0;
	if (fd == -ENOENT || fd == -ENOTDIR)
		fd = open_dir_in_root(target, "/etc/default", true, 0755);
	if (fd < 0)
		return fd;
	*dirfd = fd;
	*name = *dropin ? strrchr(GRUB_DROPIN, '/') + 1 : strrchr(GRUB_DEFAULTS, '/') + 1;
	return 0;
}

char *grub_defaults_block_of(const char *text)
{
	const char *b = text ? strstr(text, BLOCK_BEGIN) : NULL;
	const char *e = b ? strstr(b, BLOCK_END) : NULL;

	char *out;

	if (!e)
		return NULL;
	if (asprintf(&out, "%.*s\n", (int)((size_t)(e - b) + strlen(BLOCK_END)), b) < 0)
		return NULL;
	return out;
}

int grub_defaults_put(const char *target, const char *block, char *err, size_t errsz)
{
	char path[64], *old = NULL, *merged = NULL;
	const char *name = "";
	struct stat st;
	bool dropin = false;
	int r, dirfd = -1;

	r = defaults_dir(target, &dirfd, &name, &dropin);
	if (r == 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
		/* the file itself: replaced by rename, but never read through a link */
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
			r = -ELOOP;
	}
	if (r == 0 && !dropin) {
		int rr = read_file(path, DEFAULTS_MAX, &old, NULL);
		if (rr < 0 && rr != -ENOENT)
			r = rr;
		else if (!(merged = grub_defaults_merge(old, block)))
			r = -ENOMEM;
	}
	if (r == 0)
		r = write_file_atomic(path, merged ? merged : block,
				      strlen(merged ? merged : block), 0644);
	if (dirfd >= 0)
		close(dirfd);
	free(old);
	free(merged);
	if (r < 0) {
		snprintf(err, errsz, "writing %s in the target: %s%s",
			 dropin ? GRUB_DROPIN : GRUB_DEFAULTS, strerror(-r),
			 r == -ELOOP ? " (a symlink in the image)" : "");
		return r;
	}
	log_info("grub: console and root=UUID settings in %s",
		 dropin ? GRUB_DROPIN : GRUB_DEFAULTS);
	return 0;
}

int grub_defaults_write(const char *target, const char *console, char *err, size_t errsz)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int r;

	if (!mem) {
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	r = grub_defaults_render(mem, console);
	if (fclose(mem) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = grub_defaults_put(target, text, err, errsz);
	else
		snprintf(err, errsz, "rendering the grub defaults: %s", strerror(-r));
	free(text);
	return r;
}

/* One grub command in the chroot; its last output lines are the failure
 * message. */
static int run_grub(struct install *in, const char *const argv[])
{
	char *const env[] = {CHROOT_PATH, "LANG=C", "HOME=/root", NULL};
	const struct spawn_opts o = {.root = in->args.target,
				     .env = env,
				     .timeout_s = GRUB_TIMEOUT_S,
				     .kill_leftovers = true};
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct out_tail t = {.n = 0, .what = name};
	char cmd[256], verdict[INSTALL_ERR_MAX];
	int st;

	report_progress(&in->rep, "bootloader", 0, 0, name); /* the server wants 0-100 */
	st = spawn_run_opts(argv, &o, out_tail_line, &t, NULL, 0);
	if (st == 0)
		return 0;
	spawn_format_argv(argv, cmd, sizeof(cmd));
	/* the verdict gets what the failure message has left after cmd, less
	 * room for a "stayed mounted" note */
	int rc = out_tail_verdict(&t, st, GRUB_TIMEOUT_S, verdict,
				  sizeof(in->err) - strlen(cmd) - 1 - GRUB_NOTE_ROOM);
	return install_fail(in, rc, "%s %s", cmd, verdict);
}

int grub_debconf_render(FILE *out, const char *install_dev, bool bios, bool uefi)
{
	if (bios)
		fprintf(out, "grub-pc grub-pc/install_devices multiselect %s\n", install_dev);
	if (uefi)
		fprintf(out, "grub-efi-amd64 grub2/force_efi_extra_removable boolean true\n");
	return ferror(out) ? -EIO : 0;
}

/* disk's /dev/disk/by-id name (the smallest by name, for the same answer
 * every time), else disk itself: what the installed host's grub-pc
 * package reinstalls core.img on. */
static void stable_disk_name(const char *disk, char *out, size_t outsz)
{
	char link[PATH_MAX], real[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir("/dev/disk/by-id");

	snprintf(out, outsz, "%s", disk);
	if (!d)
		return;
	char best[NAME_MAX + 1] = "";
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    path_fmt(link, sizeof(link), "/dev/disk/by-id/%s", de->d_name) == 0 &&
		    realpath(link, real) && strcmp(real, disk) == 0 &&
		    (!best[0] || strcmp(de->d_name, best) < 0))
			snprintf(best, sizeof(best), "%s", de->d_name);
	closedir(d);
	if (best[0])
		snprintf(out, outsz, "/dev/disk/by-id/%s", best);
}

/* When the image has debconf: the answers that make later grub package
 * upgrades on the installed host reinstall core.img on this disk and
 * refresh the removable EFI/BOOT/BOOTX64.EFI. Not needed to boot: a
 * failure is a warning. */
static void set_debconf(struct install *in, const struct boot_choice *c)
{
	static const char tool[] = "/usr/bin/debconf-set-selections";
	char dev[PATH_MAX], path[64], in_root[64], *text = NULL;
	size_t len = 0;
	FILE *mem;
	int fd, r;

	if (!chroot_has_exec(in->args.target, tool))
		return;
	stable_disk_name(in->disk_dev, dev, sizeof(dev));
	mem = open_memstream(&text, &len);
	if (!mem)
		return;
	r = grub_debconf_render(mem, dev, c->bios, c->uefi);
	if (fclose(mem) != 0 && r == 0)
		r = -EIO;
	fd = r == 0 ? open_dir_in_root(in->args.target, "/tmp", true, 01777) : r;
	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d/bootsrv-debconf", fd);
		r = write_file_atomic(path, text, len, 0600);
		snprintf(in_root, sizeof(in_root), "/tmp/bootsrv-debconf");
		const char *argv[] = {tool, in_root, NULL};
		if (r == 0)
			r = spawn_run_in(in->args.target, NULL, argv, NULL, NULL, NULL, 0);
		unlinkat(fd, "bootsrv-debconf", 0);
		close(fd);
	} else {
		r = fd;
	}
	free(text);
	if (r != 0)
		log_warn("grub: debconf answers for the grub packages not set (%d)", r);
	else
		log_info("grub: debconf: grub-pc/install_devices %s%s",
			 c->bios ? dev : "(not BIOS)",
			 c->uefi ? ", grub2/force_efi_extra_removable true" : "");
}

static int run_all(struct install *in, const struct boot_choice *c, const struct boot_image *img)
{
	char efidir[PLAN_PATH_MAX + 32];
	int r = 0;

	if (c->bios) {
		const char *argv[] = {img->grub_install, "--target=i386-pc", in->disk_dev, NULL};
		r = run_grub(in, argv);
	}
	if (r == 0 && c->uefi) {
		snprintf(efidir, sizeof(efidir), "--efi-directory=%s",
			 in->plan.parts[c->esp].mount);
		const char *argv[] = {img->grub_install, "--target=x86_64-efi", efidir,
				      "--removable",	 "--no-nvram",		NULL};
		r = run_grub(in, argv);
	}
	if (r == 0) {
		bool update = strstr(img->grub_mkconfig, "update-grub") != NULL;
		const char *argv[] = {img->grub_mkconfig, update ? NULL : "-o", GRUB_CFG, NULL};
		r = run_grub(in, argv);
	}
	if (r == 0)
		set_debconf(in, c);
	return r;
}

int grub_cfg_check(const char *cfg, const char *root_uuid, char *err, size_t errsz)
{
	char want[FS_UUID_LEN + 16];
	const char *line = cfg, *first = NULL;

	snprintf(want, sizeof(want), "root=UUID=%s", root_uuid);
	for (; *line; line += strcspn(line, "\n"), line += *line == '\n') {
		const char *w = line + strspn(line, " \t");
		size_t n = strcspn(line, "\n"), wl = strlen(want);
		if (strncmp(w, "linux", 5) != 0 || (w[5] != ' ' && w[5] != '\t'))
			continue;
		if (!first)
			first = line;
		/* the word itself on this line, not a prefix of a longer one */
		for (const char *f = w; (f = strstr(f, want)) && f < line + n; f += wl)
			if ((f[-1] == ' ' || f[-1] == '\t') &&
			    (f[wl] == ' ' || f[wl] == '\t' || f[wl] == '\n' || f[wl] == '\0'))
				return 0;
	}
	if (!first) {
		snprintf(err, errsz, "%s has no linux entry: update-grub found no kernel",
			 GRUB_CFG);
		return -ENOENT;
	}
	snprintf(err, errsz, "%s: no %s on any linux line: %.*s", GRUB_CFG, want,
		 (int)strcspn(first, "\n"), first + strspn(first, " \t"));
	return -EINVAL;
}

/* A regular file (not a symlink) at target/rel. */
static bool target_has_file(const char *target, const char *rel, char *path, size_t pathsz)
{
	struct stat st;

	return path_fmt(path, pathsz, "%s%s", target, rel) == 0 && lstat(path, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

/* What grub-install and update-grub must have left: core.img for BIOS, the
 * removable EFI image for UEFI, and a linux line with root=UUID= of the
 * root filesystem. */
static int verify(struct install *in, const struct boot_choice *c)
{
	char path[PATH_MAX], rel[PLAN_PATH_MAX + 32], err[INSTALL_ERR_MAX], *cfg = NULL;
	int root = plan_part_holding(&in->plan, "/");
	int r;

	if (c->bios &&
	    !target_has_file(in->args.target, "/boot/grub/i386-pc/core.img", path, sizeof(path)))
		return install_fail(in, -ENOENT, "grub-install left no %s", path);
	if (c->uefi) {
		snprintf(rel, sizeof(rel), "%s/EFI/BOOT/BOOTX64.EFI", in->plan.parts[c->esp].mount);
		if (!target_has_file(in->args.target, rel, path, sizeof(path)))
			return install_fail(in, -ENOENT, "grub-install left no %s", path);
	}
	r = path_fmt(path, sizeof(path), "%s%s", in->args.target, GRUB_CFG);
	if (r == 0)
		r = read_file(path, CFG_MAX, &cfg, NULL);
	if (r < 0)
		return install_fail(in, r, "reading %s after update-grub: %s", GRUB_CFG,
				    strerror(-r));
	r = grub_cfg_check(cfg, in->parts[root].uuid, err, sizeof(err));
	free(cfg);
	if (r < 0)
		return install_fail(in, r, "%s", err);
	return 0;
}

int grub_install_all(struct install *in, const struct boot_choice *c, const struct boot_image *img)
{
	const char *console = in->plan.console[0] ? in->plan.console : in->args.console;
	struct chroot_dev devs[PLAN_MAX_PARTS + 1];
	struct chroot_opts o = {.devs = devs, .n_devs = 0, .efivars = true};
	struct chroot_mounts cm;
	char err[256];
	int r, r2;

	log_info("boot: the image's grub for%s%s", c->bios ? " BIOS (i386-pc)" : "",
		 c->uefi ? " UEFI (x86_64-efi, removable path)" : "");
	r = grub_defaults_write(in->args.target, console, err, sizeof(err));
	if (r < 0)
		return install_fail(in, r, "%s", err);
	devs[o.n_devs++] = (struct chroot_dev){.path = in->disk_dev, .uuid = NULL};
	for (size_t i = 0; i < in->plan.n_parts; i++)
		if (in->parts[i].dev[0])
			devs[o.n_devs++] = (struct chroot_dev){.path = in->parts[i].dev,
							       .uuid = in->parts[i].uuid};
	r = chroot_mounts_up_opts(&cm, in->args.target, &o, err, sizeof(err));
	if (r < 0)
		return install_fail(in, r, "%s", err);
	r = run_all(in, c, img);
	r2 = chroot_mounts_down(&cm);
	if (r2 < 0) {
		/* also after a grub failure: the server must hear of it */
		char left[256];
		chroot_mounts_left(&cm, left, sizeof(left));
		if (r == 0)
			r = install_fail(in, r2, "after grub: %s stayed mounted: %s", left,
					 strerror(-r2));
		else
			install_fail_append(in, "; %s stayed mounted: %s", left, strerror(-r2));
	}
	if (r == 0)
		r = verify(in, c);
	return r;
}
