/* args.h - installer settings from the kernel command line (PID 1) or argv.
 *
 * Kernel command line: bootsrv=http://IP:PORT host=NAME token=TOKEN
 * BOOTIF=01-aa-bb-cc-dd-ee-ff console=ttyS0,115200 (unknown words ignored).
 * The same key=value words are accepted on argv, plus options for tests. */
#ifndef INSTALLER_ARGS_H
#define INSTALLER_ARGS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot_rule.h"

struct inst_tools {
	char rsync[PATH_MAX];
	char mke2fs[PATH_MAX];
	char mkswap[PATH_MAX];
	char mkfs_vfat[PATH_MAX];
	char mkfs_xfs[PATH_MAX];
	char extlinux[PATH_MAX];
	char mbr_dir[PATH_MAX]; /* holds mbr.bin and gptmbr.bin */
	char shell[PATH_MAX];
};

struct inst_args {
	char bootsrv[256]; /* http://IP:PORT, no trailing slash */
	char host[64];
	char token[128];
	uint8_t bootif[6];
	bool have_bootif;
	char console[64]; /* last console= word */
	/* options (argv only) */
	char plan_file[PATH_MAX];
	char rsync_url[512];   /* overrides the plan's */
	char disk[PATH_MAX];   /* overrides the plan's */
	char target[PATH_MAX]; /* default /target */
	char only_steps[256];  /* comma list; empty: all */
	bool no_net;
	bool no_reboot;
	bool no_clock;
	unsigned hook_timeout_s; /* --hook-timeout; 0: the plan's, else the default */
	bool allow_loop;	 /* --allow-loop: a loop device may be the target disk */
	bool firmware_set;	 /* --firmware: instead of looking at /sys/firmware/efi */
	enum boot_fw firmware;
	bool pid1;
	struct inst_tools tools;
};

/* Defaults: target /target, tool paths of the installer initramfs. */
void args_defaults(struct inst_args *a);
/* One "key=value" word. Unknown keys are ignored (the kernel command line
 * carries many); a known key with a bad value returns -EINVAL. */
int args_parse_word(struct inst_args *a, const char *word);
/* A whole command line (/proc/cmdline text). Returns 0 or -EINVAL. */
int args_parse_cmdline(struct inst_args *a, const char *text);
/* argv of a non-PID-1 run: key=value words and --options. Returns 0,
 * 1 (--help printed) or -EINVAL. */
int args_parse_argv(struct inst_args *a, int argc, char **argv);
/* true when the step named name should run (--steps filter). */
bool args_step_selected(const struct inst_args *a, const char *name);

#endif
