/* boot_choice.c - see boot_choice.h */
#include "boot_choice.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "chroot.h"
#include "pathfmt.h"

static bool has_dir(const char *root, const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	return path_fmt(path, sizeof(path), "%s%s", root, dir) == 0 && lstat(path, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* The first of names that is an executable regular file in root. */
static void find_exec(const char *root, const char *const *names, char *out, size_t outsz)
{
	out[0] = '\0';
	for (; *names; names++)
		if (chroot_has_exec(root, *names)) {
			snprintf(out, outsz, "%s", *names);
			return;
		}
}

void boot_image_probe(const char *root, struct boot_image *img)
{
	/* /usr/sbin first: with merged /usr, /sbin is a symlink lstat would
	 * not follow */
	static const char *const install[] = {"/usr/sbin/grub-install", "/sbin/grub-install", NULL};
	static const char *const mkconfig[] = {"/usr/sbin/update-grub", "/sbin/update-grub",
					       "/usr/sbin/grub-mkconfig", "/sbin/grub-mkconfig",
					       NULL};

	memset(img, 0, sizeof(*img));
	find_exec(root, install, img->grub_install, sizeof(img->grub_install));
	find_exec(root, mkconfig, img->grub_mkconfig, sizeof(img->grub_mkconfig));
	img->grub_i386_pc = has_dir(root, "/usr/lib/grub/i386-pc");
	img->grub_x86_64_efi = has_dir(root, "/usr/lib/grub/x86_64-efi");
}

bool boot_image_has_grub(const struct boot_image *img)
{
	return img->grub_install[0] && img->grub_mkconfig[0];
}

/* grub for BIOS needs room for core.img: the gap after the MBR on msdos,
 * a bios_grub partition on gpt (it has no such gap). */
static bool bios_room(const struct plan *p)
{
	return p->label == PLAN_LABEL_MSDOS || plan_part_flagged(p, PLAN_FLAG_BIOS_GRUB) >= 0;
}

static int no_bios_reason(char *err, size_t errsz)
{
	snprintf(err, errsz,
		 "gpt layout without a bios_grub partition: grub cannot boot it on BIOS "
		 "(add { size = \"1M\"; fs = \"\"; flags = [ \"bios_grub\" ]; }, or an esp "
		 "partition for UEFI)");
	return -EINVAL;
}

int boot_layout_check(const struct plan *p, char *err, size_t errsz)
{
	if (p->bootloader != PLAN_BOOTLOADER_GRUB || bios_room(p) || plan_esp_part(p) >= 0)
		return 0;
	return no_bios_reason(err, errsz);
}

static int choose_grub(const struct plan *p, const struct boot_image *img, struct boot_choice *c,
		       char *err, size_t errsz)
{
	c->loader = BOOT_LOADER_GRUB;
	c->esp = plan_esp_part(p);
	c->uefi = c->esp >= 0 && img->grub_x86_64_efi;
	c->bios = bios_room(p) && img->grub_i386_pc;
	if (c->bios || c->uefi)
		return 0;
	if (!bios_room(p) && c->esp < 0)
		return no_bios_reason(err, errsz);
	if (c->esp < 0)
		snprintf(err, errsz,
			 "the image's grub has no i386-pc modules (/usr/lib/grub/i386-pc) and the "
			 "layout has no esp partition for UEFI");
	else
		snprintf(err, errsz,
			 "the image's grub has neither i386-pc nor x86_64-efi modules "
			 "(/usr/lib/grub)");
	return -EINVAL;
}

int boot_choose(const struct plan *p, const struct boot_image *img, struct boot_choice *c,
		char *err, size_t errsz)
{
	memset(c, 0, sizeof(*c));
	c->esp = -1;
	switch (p->bootloader) {
	case PLAN_BOOTLOADER_NONE:
		c->loader = BOOT_LOADER_NONE;
		return 0;
	case PLAN_BOOTLOADER_EXTLINUX:
		c->loader = BOOT_LOADER_EXTLINUX;
		return 0;
	case PLAN_BOOTLOADER_GRUB:
		if (!boot_image_has_grub(img)) {
			snprintf(err, errsz,
				 "bootloader \"grub\" but the image has no %s (looked in /usr/sbin "
				 "and /sbin)",
				 img->grub_install[0] ? "update-grub or grub-mkconfig"
						      : "grub-install");
			return -EINVAL;
		}
		return choose_grub(p, img, c, err, errsz);
	case PLAN_BOOTLOADER_AUTO:
		break;
	}
	if (boot_image_has_grub(img))
		return choose_grub(p, img, c, err, errsz);
	c->loader = BOOT_LOADER_EXTLINUX;
	return 0;
}
