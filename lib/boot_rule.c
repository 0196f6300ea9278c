/* boot_rule.c - see boot_rule.h */
#include "boot_rule.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *const opt_names[BOOT_OPT_N] = {
    [BOOT_OPT_AUTO] = "auto",
    [BOOT_OPT_GRUB] = "grub",
    [BOOT_OPT_EXTLINUX] = "extlinux",
    [BOOT_OPT_NONE] = "none",
};

const char *boot_opt_name(enum boot_opt o)
{
	return (size_t)o < ARRAY_SIZE(opt_names) ? opt_names[o] : "?";
}

int boot_opt_parse(const char *name, enum boot_opt *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_names); i++)
		if (strcmp(name, opt_names[i]) == 0) {
			*o = (enum boot_opt)i;
			return 0;
		}
	return -EINVAL;
}

const char *boot_fw_name(enum boot_fw fw)
{
	return fw == BOOT_FW_UEFI ? "UEFI" : "BIOS";
}

enum boot_fw boot_fw_detect(const char *efi_dir)
{
	struct stat st;

	return stat(efi_dir, &st) == 0 && S_ISDIR(st.st_mode) ? BOOT_FW_UEFI : BOOT_FW_BIOS;
}

/* root/path, no symlink followed on the way nor at the end (a tree from an
 * image: its links point into the host's own /usr). */
static bool stat_in(const char *root, const char *path, struct stat *st)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int n = slash ? snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) : -1;
	bool ok = false;

	if (n < 0 || (size_t)n >= sizeof(dir))
		return false;
	int fd = open_dir_in_root(root, dir, false, 0);
	if (fd >= 0) {
		ok = fstatat(fd, slash + 1, st, AT_SYMLINK_NOFOLLOW) == 0;
		close(fd);
	}
	return ok;
}

/* The first of names that is an executable regular file in root. */
static void find_exec(const char *root, const char *const *names, char *out, size_t outsz)
{
	struct stat st;

	out[0] = '\0';
	for (; *names; names++)
		if (stat_in(root, *names, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
			snprintf(out, outsz, "%s", *names);
			return;
		}
}

static bool has_dir(const char *root, const char *dir)
{
	struct stat st;

	return stat_in(root, dir, &st) && S_ISDIR(st.st_mode);
}

void boot_image_probe(const char *root, struct boot_image *img)
{
	/* /usr/sbin first: with merged /usr, /sbin is a symlink to it, which
	 * stat_in does not follow */
	static const char *const install[] = {"/usr/sbin/grub-install", "/sbin/grub-install", NULL};
	static const char *const mkconfig[] = {"/usr/sbin/update-grub", "/sbin/update-grub",
					       "/usr/sbin/grub-mkconfig", "/sbin/grub-mkconfig",
					       NULL};

	memset(img, 0, sizeof(*img));
	find_exec(root, install, img->grub_install, sizeof(img->grub_install));
	find_exec(root, mkconfig, img->grub_mkconfig, sizeof(img->grub_mkconfig));
	img->grub.install = img->grub_install[0] != '\0';
	img->grub.mkconfig = img->grub_mkconfig[0] != '\0';
	img->grub.i386_pc = has_dir(root, "/usr/lib/grub/i386-pc");
	img->grub.x86_64_efi = has_dir(root, "/usr/lib/grub/x86_64-efi");
}

/* grub for BIOS needs room for core.img: the gap after the MBR on msdos,
 * a bios_grub partition on gpt (it has no such gap). */
static bool bios_room(const struct boot_layout *l)
{
	return !l->gpt || l->bios_grub;
}

/* Why grub cannot boot layout l on firmware fw ("" when it can). */
static bool grub_why_not(const struct boot_layout *l, const struct boot_grub *g, enum boot_fw fw,
			 char *err, size_t errsz)
{
	if (!g->install || !g->mkconfig)
		snprintf(err, errsz, "the image has no %s (looked in /usr/sbin and /sbin)",
			 g->install ? "update-grub or grub-mkconfig" : "grub-install");
	else if (fw == BOOT_FW_BIOS && !bios_room(l))
		snprintf(err, errsz,
			 "gpt layout without a bios_grub partition: grub cannot boot it on BIOS, "
			 "which this machine booted with (add { size = \"1M\"; fs = \"\"; flags = "
			 "[ \"bios_grub\" ]; })");
	else if (fw == BOOT_FW_BIOS && !g->i386_pc)
		snprintf(err, errsz,
			 "the image's grub has no i386-pc modules (/usr/lib/grub/i386-pc): it "
			 "cannot boot BIOS, which this machine booted with");
	else if (fw == BOOT_FW_UEFI && !l->esp)
		snprintf(err, errsz,
			 "the layout has no esp partition (vfat, flagged esp, with a mount point): "
			 "grub cannot boot it on UEFI, which this machine booted with");
	else if (fw == BOOT_FW_UEFI && !g->x86_64_efi)
		snprintf(
		    err, errsz,
		    "the image's grub has no x86_64-efi modules (/usr/lib/grub/x86_64-efi): it "
		    "cannot boot UEFI, which this machine booted with");
	else
		return false;
	return true;
}

int boot_decide(enum boot_opt opt, const struct boot_layout *l, const struct boot_grub *g,
		enum boot_fw fw, struct boot_decision *d, char *err, size_t errsz)
{
	char why[224];

	memset(d, 0, sizeof(*d));
	switch (opt) {
	case BOOT_OPT_NONE:
		d->loader = BOOT_LOADER_NONE;
		return 0;
	case BOOT_OPT_EXTLINUX:
		if (fw == BOOT_FW_UEFI) {
			snprintf(err, errsz,
				 "bootloader \"extlinux\": extlinux boots BIOS only, and this "
				 "machine booted with UEFI");
			return -EINVAL;
		}
		d->loader = BOOT_LOADER_EXTLINUX;
		return 0;
	case BOOT_OPT_GRUB:
	case BOOT_OPT_AUTO:
	case BOOT_OPT_N:
		break;
	}
	if (!grub_why_not(l, g, fw, why, sizeof(why))) {
		/* every target the disk can have, not only this machine's */
		d->loader = BOOT_LOADER_GRUB;
		d->bios = bios_room(l) && g->i386_pc;
		d->uefi = l->esp && g->x86_64_efi;
		return 0;
	}
	bool no_grub = !g->install || !g->mkconfig;
	if (opt == BOOT_OPT_GRUB) {
		snprintf(err, errsz, "%s%s", no_grub ? "bootloader \"grub\" but " : "", why);
		return -EINVAL;
	}
	if (fw == BOOT_FW_UEFI) {
		snprintf(err, errsz, "%s%s; extlinux boots BIOS only: nothing can boot this disk",
			 no_grub ? "" : "grub: ", no_grub ? "the image has no grub" : why);
		return -EINVAL;
	}
	d->loader = BOOT_LOADER_EXTLINUX;
	if (!no_grub)
		snprintf(d->note, sizeof(d->note), "extlinux, not the image's grub: %s", why);
	return 0;
}

int boot_decide_unknown(enum boot_opt opt, const struct boot_layout *l, enum boot_fw fw, char *err,
			size_t errsz)
{
	/* auto with any grub falls back to extlinux anyway */
	static const struct boot_grub any = {true, true, true, true};
	struct boot_decision d;

	return boot_decide(opt, l, &any, fw, &d, err, errsz);
}
