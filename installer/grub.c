/* grub.c - see grub.h */
#include "grub.h"

#include <errno.h>
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

int grub_defaults_render(FILE *out, const char *console)
{
	unsigned unit = 0, speed = 9600;

	fprintf(out,
		"%s\n# written by the bootsrv installer; read by update-grub after "
		"/etc/default/grub\n",
		BLOCK_BEGIN);
	fprintf(out, "GRUB_DISABLE_LINUX_UUID=false\n");
	if (console && console[0]) {
		fprintf(out, "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX console=%s\"\n", console);
		/* "ttyS1,115200n8": the same port for grub's own menu */
		if (sscanf(console, "ttyS%u,%u", &unit, &speed) >= 1) {
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

static int write_defaults(struct install *in, const char *console)
{
	char path[PATH_MAX], *text = NULL, *old = NULL, *merged = NULL;
	size_t len = 0;
	struct stat st;
	FILE *mem = open_memstream(&text, &len);
	bool dropin;
	int r;

	if (!mem)
		return install_fail(in, -ENOMEM, "out of memory");
	r = grub_defaults_render(mem, console);
	if (fclose(mem) != 0 && r == 0)
		r = -EIO;
	dropin = path_fmt(path, sizeof(path), "%s%s", in->args.target, GRUB_DROPIN_DIR) == 0 &&
		 lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
	if (r == 0)
		r = path_fmt(path, sizeof(path), "%s%s", in->args.target,
			     dropin ? GRUB_DROPIN : GRUB_DEFAULTS);
	if (r == 0 && !dropin) {
		int rr = read_file(path, DEFAULTS_MAX, &old, NULL);
		if (rr < 0 && rr != -ENOENT)
			r = rr;
		else if (!(merged = grub_defaults_merge(old, text)))
			r = -ENOMEM;
	}
	if (r == 0)
		r = write_file_atomic(path, merged ? merged : text, strlen(merged ? merged : text),
				      0644);
	free(text);
	free(old);
	free(merged);
	if (r < 0)
		return install_fail(in, r, "writing %s: %s", path, strerror(-r));
	log_info("grub: console and root=UUID settings in %s",
		 dropin ? GRUB_DROPIN : GRUB_DEFAULTS);
	return 0;
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

	report_progress(&in->rep, "bootloader", -1, 0, name);
	st = spawn_run_opts(argv, &o, out_tail_line, &t, NULL, 0);
	if (st == 0)
		return 0;
	spawn_format_argv(argv, cmd, sizeof(cmd));
	/* the verdict gets what the failure message has left after cmd */
	int rc = out_tail_verdict(&t, st, GRUB_TIMEOUT_S, verdict,
				  sizeof(in->err) - strlen(cmd) - 1);
	return install_fail(in, rc, "%s %s", cmd, verdict);
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
	return r;
}

/* What grub-install and update-grub must have left: the removable EFI
 * image, and a kernel line with root=UUID= of the root filesystem. */
static int verify(struct install *in, const struct boot_choice *c)
{
	char path[PATH_MAX], want[FS_UUID_LEN + 16], *cfg = NULL;
	int root = plan_part_holding(&in->plan, "/");
	struct stat st;
	int r;

	if (c->uefi && (path_fmt(path, sizeof(path), "%s%s/EFI/BOOT/BOOTX64.EFI", in->args.target,
				 in->plan.parts[c->esp].mount) < 0 ||
			stat(path, &st) < 0))
		return install_fail(in, -ENOENT, "grub-install left no %s", path);
	r = path_fmt(path, sizeof(path), "%s%s", in->args.target, GRUB_CFG);
	if (r == 0)
		r = read_file(path, CFG_MAX, &cfg, NULL);
	if (r < 0)
		return install_fail(in, r, "reading %s after update-grub: %s", GRUB_CFG,
				    strerror(-r));
	snprintf(want, sizeof(want), "root=UUID=%s", in->parts[root].uuid);
	const char *linux_line = strstr(cfg, "\tlinux\t");
	if (!linux_line)
		r = install_fail(in, -ENOENT, "%s has no linux entry: update-grub found no kernel",
				 GRUB_CFG);
	else if (!strstr(cfg, want))
		r = install_fail(in, -EINVAL, "%s: no %s on the kernel line: %.*s", GRUB_CFG, want,
				 (int)strcspn(linux_line + 1, "\n"), linux_line + 1);
	free(cfg);
	return r;
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
	r = write_defaults(in, console);
	if (r < 0)
		return r;
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
	if (r == 0 && r2 < 0)
		r = install_fail(in, r2, "unmounting the target's /proc, /sys, /dev");
	if (r == 0)
		r = verify(in, c);
	return r;
}
