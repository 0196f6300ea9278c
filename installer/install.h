/* install.h - the state of one installation, shared by the steps. */
#ifndef INSTALLER_INSTALL_H
#define INSTALLER_INSTALL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "args.h"
#include "net_dhcp.h"
#include "plan.h"
#include "report.h"

#define INSTALL_ERR_MAX 512
#define FS_UUID_LEN 36

/* What the steps learn about each planned partition. */
struct part_state {
	unsigned num;		    /* partition number, 1-based */
	char dev[PATH_MAX];	    /* /dev/vda1 */
	struct plan_geom geom;	    /* sectors */
	char uuid[FS_UUID_LEN + 1]; /* filesystem or swap UUID, after mkfs */
	bool mounted;
};

struct install {
	struct inst_args args;
	struct reporter rep;
	struct plan plan;
	bool have_plan;
	enum boot_fw firmware; /* what the disk must boot with: this machine's */
	struct dhcp_lease lease;
	/* disk */
	char disk_dev[PATH_MAX];       /* resolved whole disk, /dev/vda */
	char disk_sysfs[NAME_MAX + 1]; /* sysfs name, cciss!c0d0 */
	uint64_t disk_bytes;
	uint32_t sector_size;
	bool disk_checked; /* the disk step passed: safe to write */
	bool disk_written; /* partitioning started: the disk is ours */
	struct part_state parts[PLAN_MAX_PARTS];
	/* image */
	char kernel[PATH_MAX]; /* relative to the target root: /boot/vmlinuz-... */
	char initrd[PATH_MAX];
	bool boot_installed; /* the bootloader step passed: "done ok" is true */
	/* failure */
	const char *step; /* the step running now */
	char err[INSTALL_ERR_MAX];
};

/* Record why the current step failed (first message wins) and return rc
 * (a -errno), so a step can `return install_fail(in, -EINVAL, "...")`. */
int install_fail(struct install *in, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add to the failure message already recorded (cut to fit). */
void install_fail_append(struct install *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
