/* boot_choice.c - see boot_choice.h */
#include "boot_choice.h"

#include <stdio.h>
#include <string.h>

void boot_layout_of(const struct plan *p, struct boot_layout *l)
{
	l->gpt = p->label == PLAN_LABEL_GPT;
	l->bios_grub = plan_part_flagged(p, PLAN_FLAG_BIOS_GRUB) >= 0;
	l->esp = plan_esp_part(p) >= 0;
}

int boot_choose(const struct plan *p, const struct boot_image *img, enum boot_fw fw,
		struct boot_choice *c, char *err, size_t errsz)
{
	struct boot_layout l;
	struct boot_decision d;
	int r;

	memset(c, 0, sizeof(*c));
	c->esp = -1;
	boot_layout_of(p, &l);
	r = boot_decide((enum boot_opt)p->bootloader, &l, &img->grub, fw, &d, err, errsz);
	if (r < 0)
		return r;
	c->loader = d.loader;
	c->bios = d.bios;
	c->uefi = d.uefi;
	if (c->uefi)
		c->esp = plan_esp_part(p);
	snprintf(c->note, sizeof(c->note), "%s", d.note);
	return 0;
}

int boot_plan_check(const struct plan *p, enum boot_fw fw, char *err, size_t errsz, char *note,
		    size_t notesz)
{
	struct boot_layout l;
	struct boot_decision d;
	int r;

	if (notesz)
		note[0] = '\0';
	boot_layout_of(p, &l);
	if (!p->image_grub_known)
		return boot_decide_unknown((enum boot_opt)p->bootloader, &l, fw, err, errsz);
	r = boot_decide((enum boot_opt)p->bootloader, &l, &p->image_grub, fw, &d, err, errsz);
	if (r == 0)
		snprintf(note, notesz, "%s", d.note);
	return r;
}
