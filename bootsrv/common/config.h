/* config.h - bootsrv.conf (libconfig) parsed into plain structs.
 *
 * config_load() reports every error it finds as "file:line: message" (not just
 * the first), so `bootsrv check` can print them all. */
#ifndef BOOTSRV_CONFIG_H
#define BOOTSRV_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* what the daemon and every client command read without -c */
#define CONFIG_DEFAULT_PATH "/etc/bootsrv/bootsrv.conf"

#define NAME_MAX_LEN 63

enum dhcp_mode { DHCP_MODE_AUTHORITATIVE, DHCP_MODE_PROXY };

struct cfg_partition {
	uint64_t size;		/* bytes; 0 with fill = true for "*" */
	bool fill;		/* "*": the rest of the disk */
	char fs[16];		/* ext2/ext3/ext4/xfs/vfat/swap or "" */
	char mount[256];	/* mount point, "" for swap/none */
	char label[32];
	char options[128];	/* mount options, default "defaults" */
	bool flag_boot, flag_esp, flag_bios_grub, flag_lvm, flag_raid;
};

struct cfg_layout {
	char name[NAME_MAX_LEN + 1];
	char disk[256];		/* "/dev/vda", "first", or a by-id/serial match */
	char label[16];		/* "msdos" or "gpt" */
	struct cfg_partition *parts;
	size_t nparts;
};

struct cfg_image {
	char name[NAME_MAX_LEN + 1];
	char path[1024];
	char layout[NAME_MAX_LEN + 1];
	char flavor[NAME_MAX_LEN + 1]; /* installer kernel flavor, default "default" */
	char **excludes;
	size_t nexcludes;
	uint32_t hook_timeout_s; /* per post-install hook; 0: the installer's default */
	char bootloader[16];	 /* "auto" (default), "grub", "extlinux" or "none" */
	const struct cfg_layout *layout_ref; /* resolved */
};

/* One network the DHCP server hands addresses out in: the serving
 * interface's (the "dhcp" group itself) or one behind relays (an entry of
 * "dhcp.subnets", chosen by the request's giaddr). */
struct cfg_subnet {
	struct in_addr subnet, netmask;
	struct in_addr range_start, range_end; /* INADDR_ANY: no pool */
	struct in_addr router;	/* INADDR_ANY: none */
	struct in_addr dns[4];
	size_t ndns;
	uint32_t lease_time;
};

struct cfg_host {
	char name[NAME_MAX_LEN + 1];
	uint8_t mac[6];
	struct in_addr ip;	/* INADDR_ANY when not reserved */
	char image[NAME_MAX_LEN + 1];
	char **txt;
	size_t ntxt;
};

struct config {
	char path[1024];
	/* server */
	char interface[32];	/* serving interface (or the VLAN sub-interface name) */
	char vlan_parent[32];
	int vlan_id;		/* 0: no VLAN */
	struct in_addr address;
	char state_dir[1024];
	char tftp_root[1024];	/* default: state_dir/tftp */
	char boot_dir[1024];	/* tftp_root/boot: <flavor>/vmlinuz, initrd.img */
	uint16_t http_port;	/* default 8080 */
	uint16_t dhcp_port;	/* default 67 (tests may move it) */
	uint16_t tftp_port;	/* default 69 */
	uint16_t rsync_port;	/* default 873 */
	char console[64];	/* installer console= argument, default "ttyS0,115200" */
	char bios_loader[64];	/* default "pxelinux.0" */
	char efi64_loader[64];	/* default "syslinux.efi" */
	char syslinux_dir[256];	/* where to copy loaders from when missing in tftp_root */
	/* tftp (group "tftp", optional) */
	uint32_t tftp_blksize_max;	/* default 1468: fits a 1500-byte MTU */
	uint32_t tftp_windowsize_max;	/* default 64 */
	uint32_t tftp_max_transfers;	/* default 1024 */
	/* http (in "server") */
	uint32_t http_max_connections;	/* default 512 */
	/* admin API calls only from these networks (none listed: from
	 * anywhere; the server's own address and loopback always) */
	struct in_addr admin_allow_net[8], admin_allow_mask[8];
	size_t nadmin_allow;
	/* installer calls for a host with a reserved ip only from that
	 * address (authoritative mode; default true) */
	bool install_from_host_ip;
	/* dhcp */
	enum dhcp_mode dhcp_mode;
	struct cfg_subnet net;	/* the serving interface's network */
	struct cfg_subnet *relay_nets; /* networks behind relays (dhcp.subnets) */
	size_t nrelay_nets;
	bool allow_other_servers;
	uint32_t rogue_interval;	/* seconds between rogue-server probes, 0: off */
	bool ipxe_http;		/* iPXE clients get an HTTP script, not a loader (default true) */
	/* tables */
	struct cfg_image *images;
	size_t nimages;
	struct cfg_layout *layouts;
	size_t nlayouts;
	struct cfg_host *hosts;
	size_t nhosts;
};

/* Parse path into *out. On error returns the number of errors (> 0) after
 * calling report(line-prefixed message) for each; -errno when the file cannot
 * be read at all (also reported). report may be NULL (errors go to the log). */
typedef void (*config_report_fn)(const char *msg, void *arg);
int config_load(const char *path, struct config *out, config_report_fn report, void *arg);
void config_free(struct config *cfg);

const struct cfg_host *config_host_by_name(const struct config *cfg, const char *name);
const struct cfg_host *config_host_by_mac(const struct config *cfg, const uint8_t mac[6]);
const struct cfg_image *config_image(const struct config *cfg, const char *name);
const struct cfg_layout *config_layout(const struct config *cfg, const char *name);
/* True when a is inside net's subnet. */
bool cfg_subnet_has(const struct cfg_subnet *net, struct in_addr a);
/* The configured network holding a: the interface's, else a relayed one;
 * NULL when none does. */
const struct cfg_subnet *config_subnet_of(const struct config *cfg, struct in_addr a);

/* A host's own checks, shared by the config's hosts and those enrolled at
 * run time: a valid name, a known image (image_known NULL: not checked),
 * an address inside a configured network. Each problem goes to report as
 * one line; returns their number (0: fine). */
int config_host_check(const struct config *cfg, const struct cfg_host *h,
		      bool (*image_known)(void *arg, const char *name), void *image_arg,
		      config_report_fn report, void *arg);
/* h against another host o: the same name, MAC or reserved address.
 * Returns the number of clashes, each reported. */
int config_host_clash(const struct cfg_host *h, const struct cfg_host *o, config_report_fn report,
		      void *arg);

/* What of a layout matters for booting it (lib/boot_rule.h). */
struct boot_layout;
struct boot_grub;
void config_layout_boot(const struct cfg_layout *l, struct boot_layout *b);
/* The image's grub, looked for under its path now. false: the path is not
 * a directory here (not known). */
bool config_image_grub(const struct cfg_image *im, struct boot_grub *g);

#endif
