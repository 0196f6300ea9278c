/* steps.c - see steps.h */
#include "steps.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boot_choice.h"
#include "bootloader.h"
#include "disk.h"
#include "filesystems.h"
#include "hooks.h"
#include "image_rsync.h"
#include "install.h"
#include "inventory.h"
#include "log.h"
#include "net_config.h"
#include "partition.h"
#include "personalise.h"
#include "reaper.h"
#include "sysconf.h"
#include "util.h"

#define PLAN_FILE_MAX (1024 * 1024)

/* In the order they run; each step's file is named beside it. */
const struct step install_steps[] = {
    {"net", step_net, STEP_NEEDS_NET | STEP_OFFLINE},	   /* net_config.c (DHCP: net_dhcp.c) */
    {"clock", step_clock, STEP_NEEDS_NET},		   /* steps.c: the server's HTTP Date */
    {"plan", step_plan, 0},				   /* steps.c (parsing: plan.c) */
    {"inventory", step_inventory, 0},			   /* inventory.c */
    {"disk", step_disk, 0},				   /* disk.c (probing: disk_probe.c) */
    {"partition", step_partition, 0},			   /* partition.c (libparted) */
    {"mkfs", step_mkfs, 0},				   /* filesystems.c */
    {"mount", step_mount, 0},				   /* filesystems.c */
    {"image", step_image, STEP_WRITES_TARGET},		   /* image_rsync.c */
    {"fstab", step_fstab, STEP_WRITES_TARGET},		   /* sysconf.c */
    {"hostname", step_hostname, STEP_WRITES_TARGET},	   /* sysconf.c */
    {"personalise", step_personalise, STEP_WRITES_TARGET}, /* personalise.c */
    {"bootloader", step_bootloader, STEP_WRITES_TARGET},   /* bootloader.c (grub.c, chroot.c) */
    {"hooks", step_hooks, STEP_WRITES_TARGET},		   /* hooks.c */
    {"done", step_done, 0},				   /* steps.c */
};
const size_t install_n_steps = ARRAY_SIZE(install_steps);

int install_fail(struct install *in, int rc, const char *fmt, ...)
{
	va_list ap;

	if (in->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(in->err, sizeof(in->err), fmt, ap);
		va_end(ap);
	}
	return rc < 0 ? rc : -EIO;
}

void install_fail_append(struct install *in, const char *fmt, ...)
{
	size_t n = strlen(in->err);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->err + n, sizeof(in->err) - n, fmt, ap);
	va_end(ap);
}

/* The server's Date (from the last response), advanced by the time since. */
int step_clock(struct install *in)
{
	struct timespec ts;

	if (!in->args.pid1 || in->args.no_clock) {
		log_info("clock: not PID 1 or --no-clock, leaving the system clock alone");
		return 0;
	}
	if (in->rep.server_date <= 0) {
		log_warn("clock: the server sent no Date header, clock not set");
		return 0;
	}
	ts.tv_sec = in->rep.server_date + (time_t)((now_ms() - in->rep.server_date_ms) / 1000);
	ts.tv_nsec = 0;
	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		log_warn_errno("clock: clock_settime");
	else
		log_info("clock: set from the server's Date header");
	return 0;
}

int step_plan(struct install *in)
{
	char err[INSTALL_ERR_MAX - 32], *text = NULL;
	size_t len = 0;
	int r;

	if (in->args.plan_file[0]) {
		r = read_file(in->args.plan_file, PLAN_FILE_MAX, &text, &len);
		if (r < 0)
			return install_fail(in, r, "plan file %s: %s", in->args.plan_file,
					    strerror(-r));
	} else {
		r = report_fetch_plan(&in->rep, &text, &len, err, sizeof(err));
		if (r < 0)
			return install_fail(in, r, "fetching the plan: %s", err);
	}
	r = plan_parse(text, len, &in->plan, err, sizeof(err));
	free(text);
	if (r < 0)
		return install_fail(in, r, "bad plan: %s", err);
	/* refused now, before the disk is touched, rather than after the image */
	char note[256];
	in->firmware = in->args.firmware_set ? in->args.firmware : boot_fw_detect(BOOT_EFI_DIR);
	r = boot_plan_check(&in->plan, in->firmware, err, sizeof(err), note, sizeof(note));
	if (r < 0)
		return install_fail(in, r, "bad plan: %s", err);
	if (note[0])
		log_info("plan: %s", note);
	if (in->args.host[0] && in->plan.host[0] && strcmp(in->args.host, in->plan.host) != 0)
		return install_fail(in, -EINVAL, "the plan is for host %s, this is %s",
				    in->plan.host, in->args.host);
	log_info("plan: image %s, layout %s on %s (%s), %zu partitions, hostname %s, "
		 "bootloader %s, firmware %s",
		 in->plan.image, in->plan.layout_name, in->plan.disk,
		 in->plan.label == PLAN_LABEL_GPT ? "gpt" : "msdos", in->plan.n_parts,
		 in->plan.hostname, plan_bootloader_name(in->plan.bootloader),
		 boot_fw_name(in->firmware));
	in->have_plan = true;
	return 0;
}

int step_done(struct install *in)
{
	char msg[256];
	int r;

	if (!in->boot_installed) /* e.g. --steps without the install steps */
		return install_fail(in, -EPERM, "nothing was installed: not reporting done");
	r = target_umount_all(in);
	sync();
	if (r < 0)
		log_warn("done: some target filesystems did not unmount (synced anyway)");
	snprintf(msg, sizeof(msg), "installed image %.64s on %.128s", in->plan.image, in->disk_dev);
	r = report_done(&in->rep, true, msg);
	if (r < 0)
		return install_fail(in, r, "the server did not accept done");
	return 0;
}

bool install_target_ready(const struct install *in)
{
	int root = in->have_plan ? plan_part_holding(&in->plan, "/") : -1;

	return in->disk_checked && root >= 0 && in->parts[root].mounted;
}

static bool step_offline(const char *name)
{
	for (size_t i = 0; i < install_n_steps; i++)
		if (strcmp(install_steps[i].name, name) == 0)
			return install_steps[i].flags & STEP_OFFLINE;
	return false;
}

static void report_failure(struct install *in, const char *step)
{
	char msg[INSTALL_ERR_MAX + 64];

	snprintf(msg, sizeof(msg), "step %s: %s", step, in->err[0] ? in->err : "failed");
	fprintf(stderr, "\n*** bootsrv-installer: INSTALL FAILED at step %s: %s\n", step,
		in->err[0] ? in->err : "failed");
	if (in->disk_written)
		fprintf(stderr, "*** %s was modified; nothing more will be written to it\n",
			in->disk_dev);
	else
		fprintf(stderr, "*** no disk was modified\n");
	if (step_offline(step))
		return; /* no network: the server cannot be told */
	/* the server keeps the last step reported (the one that failed) */
	report_done(&in->rep, false, msg);
}

int install_run(struct install *in)
{
	for (size_t i = 0; i < install_n_steps; i++) {
		const struct step *s = &install_steps[i];
		int r;

		if (!args_step_selected(&in->args, s->name))
			continue;
		if ((s->flags & STEP_NEEDS_NET) && in->args.no_net) {
			log_info("step %s: skipped (--no-net)", s->name);
			continue;
		}
		in->step = s->name;
		fprintf(stderr, ">>> bootsrv-installer: step %s\n", s->name);
		if (!(s->flags & STEP_OFFLINE))
			report_progress(&in->rep, s->name, 0, 0, "");
		if ((s->flags & STEP_WRITES_TARGET) && !install_target_ready(in))
			r = install_fail(in, -EPERM,
					 "%s was not mounted by this run (steps disk and mount): "
					 "refusing to write into it",
					 in->args.target);
		else
			r = s->fn(in);
		reaper_collect(); /* orphans the step's tools left */
		if (r < 0) {
			report_failure(in, s->name);
			return r;
		}
	}
	return 0;
}
