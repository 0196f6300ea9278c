/* boot_choice.h - the rules of lib/boot_rule.h applied to an install plan:
 * at step plan (before the disk is touched) with what the server found in
 * the image, and at step bootloader with what the installed tree holds. */
#ifndef INSTALLER_BOOT_CHOICE_H
#define INSTALLER_BOOT_CHOICE_H

#include <stdbool.h>
#include <stddef.h>

#include "boot_rule.h"
#include "plan.h"

#define BOOT_EFI_DIR "/sys/firmware/efi"

struct boot_choice {
	enum boot_loader loader;
	bool bios; /* grub: --target=i386-pc on the disk */
	bool uefi; /* grub: --target=x86_64-efi on the ESP */
	int esp;   /* uefi: the ESP's partition index, else -1 */
	char note[256];
};

/* What of the plan's layout matters for booting it. */
void boot_layout_of(const struct plan *p, struct boot_layout *l);

/* Decide with the installed tree's grub img, on firmware fw. Returns 0, or
 * -EINVAL with the reason in err. */
int boot_choose(const struct plan *p, const struct boot_image *img, enum boot_fw fw,
		struct boot_choice *c, char *err, size_t errsz);

/* At step plan: with the plan's "image_grub" when the server sent it, else
 * failing only what no image could boot. Returns 0 or -EINVAL with the
 * reason in err; note gets auto's fallback reason, if any. */
int boot_plan_check(const struct plan *p, enum boot_fw fw, char *err, size_t errsz, char *note,
		    size_t notesz);

#endif
