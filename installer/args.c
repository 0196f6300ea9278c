/* args.c - see args.h */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plan.h"
#include "util.h"

void args_defaults(struct inst_args *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->target, sizeof(a->target), "/target");
	snprintf(a->tools.rsync, sizeof(a->tools.rsync), "/usr/bin/rsync");
	snprintf(a->tools.mke2fs, sizeof(a->tools.mke2fs), "/sbin/mke2fs");
	snprintf(a->tools.mkswap, sizeof(a->tools.mkswap), "/sbin/mkswap");
	snprintf(a->tools.mkfs_vfat, sizeof(a->tools.mkfs_vfat), "/sbin/mkfs.vfat");
	snprintf(a->tools.mkfs_xfs, sizeof(a->tools.mkfs_xfs), "/sbin/mkfs.xfs");
	snprintf(a->tools.extlinux, sizeof(a->tools.extlinux), "/usr/bin/extlinux");
	snprintf(a->tools.mbr_dir, sizeof(a->tools.mbr_dir), "/usr/lib/syslinux/mbr");
	snprintf(a->tools.shell, sizeof(a->tools.shell), "/bin/sh");
}

static bool all_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static int set_str(char *dst, size_t dstsz, const char *v, const char *extra)
{
	size_t n = strlen(v);

	if (n == 0 || n >= dstsz || !all_chars(v, extra))
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

static int set_bootsrv(struct inst_args *a, const char *v)
{
	size_t n;

	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return -EINVAL;
	if (set_str(a->bootsrv, sizeof(a->bootsrv), v, ":/.-_[]%") < 0)
		return -EINVAL;
	n = strlen(a->bootsrv);
	while (n > 8 && a->bootsrv[n - 1] == '/')
		a->bootsrv[--n] = '\0';
	return 0;
}

/* PXELINUX's IPAPPEND 2 form: "01-" (ARP type Ethernet) then the MAC. */
static int set_bootif(struct inst_args *a, const char *v)
{
	if (strlen(v) == 20 && strncmp(v, "01-", 3) == 0)
		v += 3;
	if (mac_parse(v, a->bootif) < 0)
		return -EINVAL;
	a->have_bootif = true;
	return 0;
}

int args_parse_word(struct inst_args *a, const char *word)
{
	const char *eq = strchr(word, '=');
	size_t klen;
	int r = 0;

	if (!eq)
		return 0;
	klen = (size_t)(eq - word);
	const char *v = eq + 1;
	if (klen == 7 && strncmp(word, "bootsrv", 7) == 0)
		r = set_bootsrv(a, v);
	else if (klen == 4 && strncmp(word, "host", 4) == 0)
		r = set_str(a->host, sizeof(a->host), v, "-.");
	else if (klen == 5 && strncmp(word, "token", 5) == 0)
		r = set_str(a->token, sizeof(a->token), v, "-._~");
	else if (klen == 6 && strncmp(word, "BOOTIF", 6) == 0)
		r = set_bootif(a, v);
	else if (klen == 7 && strncmp(word, "console", 7) == 0)
		r = set_str(a->console, sizeof(a->console), v, ",._-");
	if (r < 0) {
		char esc[128];
		log_err("bad value in \"%s\"", log_escape(word, strlen(word), esc, sizeof(esc)));
	}
	return r;
}

int args_parse_cmdline(struct inst_args *a, const char *text)
{
	char word[512];
	const char *p = text;
	int rc = 0;

	while (*p) {
		size_t n;
		while (isspace((unsigned char)*p))
			p++;
		n = strcspn(p, " \t\r\n");
		if (n == 0)
			break;
		if (n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (args_parse_word(a, word) < 0)
				rc = -EINVAL;
		}
		p += n;
	}
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: installer-init [key=value ...] [options]\n"
		"  key=value: bootsrv=http://IP:PORT host=NAME token=TOKEN BOOTIF=01-<mac>"
		" console=DEV\n"
		"  --plan FILE        read the plan from FILE instead of the server\n"
		"  --rsync-url URL    image source (overrides the plan)\n"
		"  --disk DEV         target disk (overrides the plan)\n"
		"  --target DIR       where the new system is mounted (/target)\n"
		"  --steps a,b,...    run only these steps\n"
		"  --no-net --no-clock --no-reboot\n"
		"  --hook-timeout SECONDS  time limit of each post-install hook\n"
		"  --allow-loop       accept a loop device as the disk (tests, disk images)\n"
		"  --firmware bios|uefi  what the installed disk must boot with (default: the\n"
		"                     firmware this machine booted with)\n"
		"  --rsync --mke2fs --mkswap --mkfs-vfat --mkfs-xfs --extlinux PATH,"
		" --mbr-dir DIR\n");
}

static const struct option long_opts[] = {
    {"plan", required_argument, NULL, 'p'},
    {"rsync-url", required_argument, NULL, 'u'},
    {"disk", required_argument, NULL, 'd'},
    {"target", required_argument, NULL, 't'},
    {"steps", required_argument, NULL, 's'},
    {"no-net", no_argument, NULL, 'N'},
    {"no-reboot", no_argument, NULL, 'R'},
    {"no-clock", no_argument, NULL, 'C'},
    {"hook-timeout", required_argument, NULL, 'T'},
    {"allow-loop", no_argument, NULL, 'L'},
    {"firmware", required_argument, NULL, 'F'},
    {"rsync", required_argument, NULL, 1},
    {"mke2fs", required_argument, NULL, 2},
    {"mkswap", required_argument, NULL, 3},
    {"extlinux", required_argument, NULL, 4},
    {"mbr-dir", required_argument, NULL, 5},
    {"mkfs-vfat", required_argument, NULL, 6},
    {"mkfs-xfs", required_argument, NULL, 7},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static char *opt_dest(struct inst_args *a, int c, size_t *sz)
{
	struct {
		int c;
		char *dst;
		size_t sz;
	} map[] = {
	    {'p', a->plan_file, sizeof(a->plan_file)},
	    {'u', a->rsync_url, sizeof(a->rsync_url)},
	    {'d', a->disk, sizeof(a->disk)},
	    {'t', a->target, sizeof(a->target)},
	    {'s', a->only_steps, sizeof(a->only_steps)},
	    {1, a->tools.rsync, sizeof(a->tools.rsync)},
	    {2, a->tools.mke2fs, sizeof(a->tools.mke2fs)},
	    {3, a->tools.mkswap, sizeof(a->tools.mkswap)},
	    {4, a->tools.extlinux, sizeof(a->tools.extlinux)},
	    {5, a->tools.mbr_dir, sizeof(a->tools.mbr_dir)},
	    {6, a->tools.mkfs_vfat, sizeof(a->tools.mkfs_vfat)},
	    {7, a->tools.mkfs_xfs, sizeof(a->tools.mkfs_xfs)},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].c == c) {
			*sz = map[i].sz;
			return map[i].dst;
		}
	return NULL;
}

int args_parse_argv(struct inst_args *a, int argc, char **argv)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		size_t sz = 0;
		char *dst = opt_dest(a, c, &sz);
		if (dst) {
			if (strlen(optarg) >= sz) {
				log_err("argument of option %s too long", argv[optind - 1]);
				return -EINVAL;
			}
			snprintf(dst, sz, "%s", optarg);
		} else if (c == 'N') {
			a->no_net = true;
		} else if (c == 'R') {
			a->no_reboot = true;
		} else if (c == 'C') {
			a->no_clock = true;
		} else if (c == 'L') {
			a->allow_loop = true;
		} else if (c == 'F') {
			if (strcmp(optarg, "bios") != 0 && strcmp(optarg, "uefi") != 0) {
				log_err("--firmware: bios or uefi");
				return -EINVAL;
			}
			a->firmware_set = true;
			a->firmware = optarg[0] == 'u' ? BOOT_FW_UEFI : BOOT_FW_BIOS;
		} else if (c == 'T') {
			uint64_t secs;
			if (parse_u64(optarg, 1, PLAN_HOOK_TIMEOUT_MAX, &secs) < 0) {
				log_err("--hook-timeout: 1..%d seconds", PLAN_HOOK_TIMEOUT_MAX);
				return -EINVAL;
			}
			a->hook_timeout_s = (unsigned)secs;
		} else if (c == 'h') {
			usage();
			return 1;
		} else {
			usage();
			return -EINVAL;
		}
	}
	for (int i = optind; i < argc; i++)
		if (!strchr(argv[i], '=') || args_parse_word(a, argv[i]) < 0) {
			log_err("bad argument \"%s\"", argv[i]);
			return -EINVAL;
		}
	char real[PATH_MAX];
	if (realpath(a->target, real) && strcmp(real, "/") == 0) {
		log_err("--target %s is this system's own root: refusing", a->target);
		return -EINVAL;
	}
	return 0;
}

bool args_step_selected(const struct inst_args *a, const char *name)
{
	size_t n = strlen(name);
	const char *p = a->only_steps;

	if (!*p)
		return true;
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}
