/* config.c - bootsrv.conf (libconfig) into struct config.
 *
 * Every semantic error is reported with file:line and parsing continues, so
 * `bootsrv check` shows all problems at once; the caller gets the count. */
#include "config.h"
#include "config_parse.h"
#include "image_conf.h"

#include "boot_rule.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cfgp_err(struct cparse *p, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512], line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int ln = s ? (int)config_setting_source_line(s) : 0;

	/* no line for the file as a whole (a missing top-level setting) */
	if (ln > 0)
		snprintf(line, sizeof(line), "%s:%d: %s", p->file, ln, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", p->file, msg);
	p->errors++;
	if (p->report)
		p->report(line, p->arg);
	else
		log_err("%s", line);
}

/* Copy an optional string member; error if present but not a string or too long. */
void cfgp_str(struct cparse *p, const config_setting_t *grp, const char *name, char *dst,
	      size_t dstsz, bool required)
{
	const config_setting_t *s = config_setting_get_member(grp, name);
	const char *v;

	if (!s) {
		if (required)
			cfgp_err(p, grp, "missing required setting '%s'", name);
		return;
	}
	v = config_setting_get_string(s);
	if (!v) {
		cfgp_err(p, s, "'%s' must be a string", name);
		return;
	}
	if (strlen(v) >= dstsz) {
		cfgp_err(p, s, "'%s' is too long (max %zu characters)", name, dstsz - 1);
		return;
	}
	strcpy(dst, v);
}

static void get_addr(struct cparse *p, const config_setting_t *grp, const char *name,
		     struct in_addr *dst, bool required)
{
	char buf[64] = "";
	const config_setting_t *s = config_setting_get_member(grp, name);

	cfgp_str(p, grp, name, buf, sizeof(buf), required);
	if (buf[0] && inet_pton(AF_INET, buf, dst) != 1)
		cfgp_err(p, s, "'%s': not an IPv4 address: \"%s\"", name, buf);
}

static void get_int(struct cparse *p, const config_setting_t *grp, const char *name, long long min,
		    long long max, long long *dst)
{
	const config_setting_t *s = config_setting_get_member(grp, name);
	long long v;

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		cfgp_err(p, s, "'%s' must be an integer", name);
		return;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		cfgp_err(p, s, "'%s' = %lld out of range [%lld, %lld]", name, v, min, max);
		return;
	}
	*dst = v;
}

void cfgp_u32(struct cparse *p, const config_setting_t *grp, const char *name, long long min,
	      long long max, uint32_t *dst)
{
	long long v = *dst;
	get_int(p, grp, name, min, max, &v);
	*dst = (uint32_t)v;
}

static void get_bool(struct cparse *p, const config_setting_t *grp, const char *name, bool *dst)
{
	const config_setting_t *s = config_setting_get_member(grp, name);
	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfgp_err(p, s, "'%s' must be true or false", name);
		return;
	}
	*dst = config_setting_get_bool(s);
}

/* A list/array of strings into a malloc'd vector. */
void cfgp_strv(struct cparse *p, const config_setting_t *grp, const char *name, char ***dst,
	       size_t *n)
{
	const config_setting_t *s = config_setting_get_member(grp, name);
	int cnt;

	*dst = NULL;
	*n = 0;
	if (!s)
		return;
	if (!config_setting_is_aggregate(s)) {
		cfgp_err(p, s, "'%s' must be a list of strings", name);
		return;
	}
	cnt = config_setting_length(s);
	*dst = calloc((size_t)cnt + 1, sizeof(char *));
	if (!*dst) {
		cfgp_err(p, s, "out of memory");
		return;
	}
	for (int i = 0; i < cnt; i++) {
		const char *v = config_setting_get_string_elem(s, i);
		if (!v) {
			cfgp_err(p, config_setting_get_elem(s, (unsigned)i),
				 "'%s'[%d] must be a string", name, i);
			continue;
		}
		(*dst)[(*n)++] = strdup(v);
	}
}

void cfgp_free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void check_name(struct cparse *p, const config_setting_t *s, const char *what,
		       const char *name)
{
	if (!name_valid(name))
		cfgp_err(p, s,
			 "%s name \"%s\" must be 1-63 characters of [A-Za-z0-9._-], not starting "
			 "with '.'",
			 what, name);
}

/* admin_allow = [ "192.0.2.0/24", "198.51.100.7" ]: who may make admin
 * API calls, besides the server itself. */
static void parse_admin_allow(struct cparse *p, const config_setting_t *grp, struct config *cfg)
{
	const config_setting_t *l = config_setting_get_member(grp, "admin_allow");

	if (l && !config_setting_is_array(l)) {
		cfgp_err(p, l, "admin_allow must be a list of networks, e.g. [ \"192.0.2.0/24\" ]");
		return;
	}
	for (int i = 0; l && i < config_setting_length(l); i++) {
		const char *v = config_setting_get_string_elem(l, i);
		size_t n = cfg->nadmin_allow;

		if (n == ARRAY_SIZE(cfg->admin_allow_net)) {
			cfgp_err(p, l, "admin_allow: at most %zu networks",
				 ARRAY_SIZE(cfg->admin_allow_net));
			return;
		}
		int r = v ? parse_cidr(v, &cfg->admin_allow_net[n], &cfg->admin_allow_mask[n])
			  : -EINVAL;
		if (r == -EDOM) {
			cfgp_err(p, l, "admin_allow[%d]: \"%s\" has host bits set", i, v);
			continue;
		}
		if (r < 0) {
			cfgp_err(p, l, "admin_allow[%d]: expected a network like %s, got %s%s%s", i,
				 "\"192.0.2.0/24\"", v ? "\"" : "", v ? v : "a non-string",
				 v ? "\"" : "");
			continue;
		}
		cfg->nadmin_allow++;
	}
}

static void parse_server(struct cparse *p, config_t *c, struct config *cfg)
{
	const config_setting_t *s = config_lookup(c, "server"), *vlan;
	long long port;

	if (!s || !config_setting_is_group(s)) {
		cfgp_err(p, s, "missing group 'server = { ... }'");
		return;
	}
	cfgp_str(p, s, "interface", cfg->interface, sizeof(cfg->interface), false);
	vlan = config_setting_get_member(s, "vlan");
	if (vlan) {
		long long id = 0;
		cfgp_str(p, vlan, "parent", cfg->vlan_parent, sizeof(cfg->vlan_parent), true);
		get_int(p, vlan, "id", 1, 4094, &id);
		cfg->vlan_id = (int)id;
		if (!cfg->interface[0])
			snprintf(cfg->interface, sizeof(cfg->interface), "%.20s.%d", cfg->vlan_parent,
				 cfg->vlan_id);
	}
	if (!cfg->interface[0])
		cfgp_err(p, s, "server needs 'interface' or 'vlan = { parent; id; }'");
	get_addr(p, s, "address", &cfg->address, true);
	cfgp_str(p, s, "state_dir", cfg->state_dir, sizeof(cfg->state_dir), true);
	cfgp_str(p, s, "tftp_root", cfg->tftp_root, sizeof(cfg->tftp_root), false);
	cfgp_str(p, s, "console", cfg->console, sizeof(cfg->console), false);
	cfgp_str(p, s, "bios_loader", cfg->bios_loader, sizeof(cfg->bios_loader), false);
	cfgp_str(p, s, "efi64_loader", cfg->efi64_loader, sizeof(cfg->efi64_loader), false);
	cfgp_str(p, s, "syslinux_dir", cfg->syslinux_dir, sizeof(cfg->syslinux_dir), false);
	cfgp_u32(p, s, "http_max_connections", 1, 1000000, &cfg->http_max_connections);
	parse_admin_allow(p, s, cfg);
	get_bool(p, s, "install_from_host_ip", &cfg->install_from_host_ip);
	port = cfg->http_port;
	get_int(p, s, "http_port", 1, 65535, &port);
	cfg->http_port = (uint16_t)port;
	port = cfg->dhcp_port;
	get_int(p, s, "dhcp_port", 1, 65535, &port);
	cfg->dhcp_port = (uint16_t)port;
	port = cfg->tftp_port;
	get_int(p, s, "tftp_port", 1, 65535, &port);
	cfg->tftp_port = (uint16_t)port;
	port = cfg->rsync_port;
	get_int(p, s, "rsync_port", 1, 65535, &port);
	cfg->rsync_port = (uint16_t)port;
}

bool cfg_subnet_has(const struct cfg_subnet *net, struct in_addr a)
{
	return (a.s_addr & net->netmask.s_addr) == net->subnet.s_addr;
}

/* A subnet that failed to parse stays 0.0.0.0/0: it holds nothing. */
static bool subnet_set(const struct cfg_subnet *net)
{
	return net->subnet.s_addr || net->netmask.s_addr;
}

const struct cfg_subnet *config_subnet_of(const struct config *cfg, struct in_addr a)
{
	if (subnet_set(&cfg->net) && cfg_subnet_has(&cfg->net, a))
		return &cfg->net;
	for (size_t i = 0; i < cfg->nrelay_nets; i++)
		if (subnet_set(&cfg->relay_nets[i]) && cfg_subnet_has(&cfg->relay_nets[i], a))
			return &cfg->relay_nets[i];
	return NULL;
}

static void parse_subnet(struct cparse *p, const config_setting_t *d, struct cfg_subnet *net)
{
	char buf[64] = "";
	const config_setting_t *s = config_setting_get_member(d, "subnet");
	int r;

	cfgp_str(p, d, "subnet", buf, sizeof(buf), true);
	if (!buf[0])
		return;
	r = strchr(buf, '/') ? parse_cidr(buf, &net->subnet, &net->netmask) : -EINVAL;
	if (r == -EDOM)
		cfgp_err(p, s, "subnet \"%s\" has host bits set", buf);
	else if (r < 0)
		cfgp_err(p, s, "subnet \"%s\" must be ADDRESS/PREFIX, e.g. 192.0.2.0/24", buf);
	if (r < 0)
		net->subnet.s_addr = net->netmask.s_addr = 0;
}

static void parse_range(struct cparse *p, const config_setting_t *d, struct cfg_subnet *net)
{
	const config_setting_t *r = config_setting_get_member(d, "range");
	const char *a, *b;

	if (!r)
		return;
	a = config_setting_get_string_elem(r, 0);
	b = config_setting_get_string_elem(r, 1);
	if (config_setting_length(r) != 2 || !a || !b ||
	    inet_pton(AF_INET, a, &net->range_start) != 1 || inet_pton(AF_INET, b, &net->range_end) != 1) {
		cfgp_err(p, r, "range must be [ \"FIRST\", \"LAST\" ] IPv4 addresses");
		net->range_start.s_addr = net->range_end.s_addr = 0;
		return;
	}
	if (ntohl(net->range_start.s_addr) > ntohl(net->range_end.s_addr))
		cfgp_err(p, r, "range: first address %s is after last %s", a, b);
	if (subnet_set(net) &&
	    (!cfg_subnet_has(net, net->range_start) || !cfg_subnet_has(net, net->range_end)))
		cfgp_err(p, r, "range %s - %s is not inside the subnet", a, b);
}

static void parse_dns(struct cparse *p, const config_setting_t *d, struct cfg_subnet *net)
{
	const config_setting_t *dns = config_setting_get_member(d, "dns");

	if (!dns)
		return;
	net->ndns = 0;
	for (int i = 0; i < config_setting_length(dns); i++) {
		const char *v = config_setting_get_string_elem(dns, i);
		if (net->ndns == ARRAY_SIZE(net->dns) || !v ||
		    inet_pton(AF_INET, v, &net->dns[net->ndns]) != 1) {
			cfgp_err(p, dns, "dns[%d]: expected at most %zu IPv4 address strings", i,
				 ARRAY_SIZE(net->dns));
			break;
		}
		net->ndns++;
	}
}

/* What a network hands out: subnet, range, router, dns, lease_time; the
 * same keys in the "dhcp" group and in each "dhcp.subnets" entry. */
static void parse_net(struct cparse *p, const config_setting_t *d, struct cfg_subnet *net)
{
	long long lt = net->lease_time;

	parse_subnet(p, d, net);
	parse_range(p, d, net);
	get_addr(p, d, "router", &net->router, false);
	parse_dns(p, d, net);
	get_int(p, d, "lease_time", 60, 365LL * 86400, &lt);
	net->lease_time = (uint32_t)lt;
}

static bool subnets_overlap(const struct cfg_subnet *a, const struct cfg_subnet *b)
{
	uint32_t m = a->netmask.s_addr & b->netmask.s_addr;

	return subnet_set(a) && subnet_set(b) && (a->subnet.s_addr & m) == (b->subnet.s_addr & m);
}

/* dhcp.subnets = ( { subnet; range; router; dns; lease_time; }, ... ):
 * networks behind relays. dns and lease_time default to the dhcp group's;
 * the router is that network's own (none when not given). */
static void parse_relay_nets(struct cparse *p, const config_setting_t *d, struct config *cfg)
{
	const config_setting_t *l = config_setting_get_member(d, "subnets");
	size_t n;

	if (!l)
		return;
	if (!config_setting_is_list(l)) {
		cfgp_err(p, l, "'subnets' must be a list: subnets = ( { subnet = ...; }, ... );");
		return;
	}
	n = (size_t)config_setting_length(l);
	cfg->relay_nets = calloc(n ? n : 1, sizeof(*cfg->relay_nets));
	if (!cfg->relay_nets) {
		cfgp_err(p, l, "out of memory");
		return;
	}
	cfg->nrelay_nets = n;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
		struct cfg_subnet *net = &cfg->relay_nets[i];

		if (!config_setting_is_group(e)) {
			cfgp_err(p, e, "subnets[%zu] must be a group { subnet = ...; }", i);
			continue;
		}
		memcpy(net->dns, cfg->net.dns, sizeof(net->dns));
		net->ndns = cfg->net.ndns;
		net->lease_time = cfg->net.lease_time;
		parse_net(p, e, net);
		if (subnets_overlap(net, &cfg->net))
			cfgp_err(p, e, "subnets[%zu] overlaps the dhcp subnet", i);
		for (size_t j = 0; j < i; j++)
			if (subnets_overlap(net, &cfg->relay_nets[j]))
				cfgp_err(p, e, "subnets[%zu] overlaps subnets[%zu]", i, j);
	}
}

static void parse_dhcp(struct cparse *p, config_t *c, struct config *cfg)
{
	const config_setting_t *d = config_lookup(c, "dhcp");
	char mode[32] = "authoritative";

	if (!d) {
		cfgp_err(p, NULL, "missing group 'dhcp = { ... }'");
		return;
	}
	cfgp_str(p, d, "mode", mode, sizeof(mode), false);
	if (strcmp(mode, "authoritative") == 0)
		cfg->dhcp_mode = DHCP_MODE_AUTHORITATIVE;
	else if (strcmp(mode, "proxy") == 0)
		cfg->dhcp_mode = DHCP_MODE_PROXY;
	else
		cfgp_err(p, config_setting_get_member(d, "mode"),
			 "dhcp mode \"%s\" must be \"authoritative\" or \"proxy\"", mode);
	parse_net(p, d, &cfg->net);
	parse_relay_nets(p, d, cfg);
	get_bool(p, d, "allow_other_servers", &cfg->allow_other_servers);
	cfgp_u32(p, d, "rogue_check_interval", 0, 86400, &cfg->rogue_interval);
	get_bool(p, d, "ipxe_http", &cfg->ipxe_http);
}

/* tftp = { blksize_max = 1468; windowsize_max = 64; max_transfers = 1024; }; */
static void parse_tftp(struct cparse *p, config_t *c, struct config *cfg)
{
	const config_setting_t *t = config_lookup(c, "tftp");
	if (!t)
		return;
	if (!config_setting_is_group(t)) {
		cfgp_err(p, t, "'tftp' must be a group: tftp = { ... };");
		return;
	}
	/* RFC 2348 bounds; RFC 7440 windowsize 1..65535 */
	cfgp_u32(p, t, "blksize_max", 8, 65464, &cfg->tftp_blksize_max);
	cfgp_u32(p, t, "windowsize_max", 1, 65535, &cfg->tftp_windowsize_max);
	cfgp_u32(p, t, "max_transfers", 1, 1000000, &cfg->tftp_max_transfers);
}

static const struct {
	const char *name;
	size_t off;
} part_flags[] = {
	{ "boot", offsetof(struct cfg_partition, flag_boot) },
	{ "esp", offsetof(struct cfg_partition, flag_esp) },
	{ "bios_grub", offsetof(struct cfg_partition, flag_bios_grub) },
	{ "lvm", offsetof(struct cfg_partition, flag_lvm) },
	{ "raid", offsetof(struct cfg_partition, flag_raid) },
};

static const char *const known_fs[] = { "ext2", "ext3", "ext4", "xfs", "vfat", "swap", "" };

static void parse_partition(struct cparse *p, const config_setting_t *ps, struct cfg_partition *pt)
{
	char size[32] = "";
	const config_setting_t *flags = config_setting_get_member(ps, "flags");
	bool fs_ok = false;

	cfgp_str(p, ps, "size", size, sizeof(size), true);
	if (strcmp(size, "*") == 0)
		pt->fill = true;
	else if (size[0] && (parse_size(size, &pt->size) < 0 || pt->size == 0))
		cfgp_err(p, ps, "partition size \"%s\" must be like 512M, 2G or \"*\"", size);
	cfgp_str(p, ps, "fs", pt->fs, sizeof(pt->fs), false);
	for (size_t i = 0; i < ARRAY_SIZE(known_fs); i++)
		fs_ok |= strcmp(pt->fs, known_fs[i]) == 0;
	if (!fs_ok)
		cfgp_err(p, ps, "unknown filesystem \"%s\" (ext2, ext3, ext4, xfs, vfat, swap)",
			 pt->fs);
	cfgp_str(p, ps, "mount", pt->mount, sizeof(pt->mount), false);
	if (pt->mount[0] && pt->mount[0] != '/')
		cfgp_err(p, ps, "mount point \"%s\" must be absolute", pt->mount);
	else if (strpbrk(pt->mount, MOUNT_POINT_BAD_CHARS))
		cfgp_err(p, ps, "mount point \"%s\" must not contain any of * ? [ \\", pt->mount);
	cfgp_str(p, ps, "label", pt->label, sizeof(pt->label), false);
	strcpy(pt->options, "defaults");
	cfgp_str(p, ps, "options", pt->options, sizeof(pt->options), false);
	for (int i = 0; flags && i < config_setting_length(flags); i++) {
		const char *f = config_setting_get_string_elem(flags, i);
		size_t k;
		for (k = 0; f && k < ARRAY_SIZE(part_flags); k++)
			if (strcmp(f, part_flags[k].name) == 0)
				break;
		if (!f || k == ARRAY_SIZE(part_flags))
			cfgp_err(p, flags, "unknown partition flag \"%s\"",
				 f ? f : "(not a string)");
		else
			*(bool *)((char *)pt + part_flags[k].off) = true;
	}
}

void cfgp_layout(struct cparse *p, const config_setting_t *ls, struct cfg_layout *l)
{
	const config_setting_t *parts = config_setting_get_member(ls, "partitions");
	size_t nfill = 0;

	cfgp_str(p, ls, "name", l->name, sizeof(l->name), true);
	check_name(p, ls, "layout", l->name);
	cfgp_str(p, ls, "disk", l->disk, sizeof(l->disk), true);
	strcpy(l->label, "msdos");
	cfgp_str(p, ls, "label", l->label, sizeof(l->label), false);
	if (strcmp(l->label, "msdos") != 0 && strcmp(l->label, "gpt") != 0)
		cfgp_err(p, ls, "layout label \"%s\" must be \"msdos\" or \"gpt\"", l->label);
	if (!parts || config_setting_length(parts) == 0) {
		cfgp_err(p, ls, "layout \"%s\" needs a non-empty 'partitions' list", l->name);
		return;
	}
	l->nparts = (size_t)config_setting_length(parts);
	l->parts = calloc(l->nparts, sizeof(*l->parts));
	if (!l->parts) {
		l->nparts = 0;
		cfgp_err(p, ls, "out of memory");
		return;
	}
	for (size_t i = 0; i < l->nparts; i++) {
		parse_partition(p, config_setting_get_elem(parts, (unsigned)i), &l->parts[i]);
		nfill += l->parts[i].fill;
	}
	if (nfill > 1)
		cfgp_err(p, parts, "layout \"%s\": only one partition may have size \"*\"",
			 l->name);
	if (strcmp(l->label, "msdos") == 0 && l->nparts > 4)
		cfgp_err(p, parts, "layout \"%s\": msdos labels hold at most 4 partitions here",
			 l->name);
}

static void parse_image(struct cparse *p, const config_setting_t *is, struct cfg_image *im)
{
	cfgp_str(p, is, "name", im->name, sizeof(im->name), true);
	check_name(p, is, "image", im->name);
	cfgp_str(p, is, "path", im->path, sizeof(im->path), true);
	if (im->path[0] && im->path[0] != '/')
		cfgp_err(p, is, "image path \"%s\" must be absolute", im->path);
	cfgp_str(p, is, "layout", im->layout, sizeof(im->layout), true);
	cfgp_image_fields(p, is, im);
}

/* The member's line when it is there (a store conf's settings are at its
 * top level, which has no line of its own), else the group's. */
static const config_setting_t *member_or(const config_setting_t *grp, const char *name)
{
	const config_setting_t *m = config_setting_get_member(grp, name);
	return m ? m : grp;
}

void cfgp_image_fields(struct cparse *p, const config_setting_t *is, struct cfg_image *im)
{
	strcpy(im->flavor, "default");
	cfgp_str(p, is, "flavor", im->flavor, sizeof(im->flavor), false);
	check_name(p, member_or(is, "flavor"), "flavor", im->flavor);
	cfgp_strv(p, is, "excludes", &im->excludes, &im->nexcludes);
	cfgp_u32(p, is, "hook_timeout", 1, 86400, &im->hook_timeout_s);
	strcpy(im->bootloader, "auto");
	cfgp_str(p, is, "bootloader", im->bootloader, sizeof(im->bootloader), false);
	enum boot_opt o;
	if (boot_opt_parse(im->bootloader, &o) < 0)
		cfgp_err(p, member_or(is, "bootloader"),
			 "image \"%s\": bootloader \"%s\" must be one of " BOOT_OPT_LIST, im->name,
			 im->bootloader);
}

static void parse_host(struct cparse *p, const config_setting_t *hs, struct cfg_host *h)
{
	char mac[32] = "", ip[32] = "";

	/* the name is checked with the rest in config_host_check() */
	cfgp_str(p, hs, "name", h->name, sizeof(h->name), true);
	cfgp_str(p, hs, "mac", mac, sizeof(mac), true);
	if (mac[0] && mac_parse(mac, h->mac) < 0)
		cfgp_err(p, hs, "host \"%s\": bad MAC \"%s\" (want aa:bb:cc:dd:ee:ff)", h->name,
			 mac);
	cfgp_str(p, hs, "ip", ip, sizeof(ip), false);
	if (ip[0] && inet_pton(AF_INET, ip, &h->ip) != 1)
		cfgp_err(p, hs, "host \"%s\": bad IPv4 address \"%s\"", h->name, ip);
	cfgp_str(p, hs, "image", h->image, sizeof(h->image), false);
	cfgp_strv(p, hs, "txt", &h->txt, &h->ntxt);
}

/* Parse a list of groups into a calloc'd array via fn. */
#define PARSE_LIST(p, c, key, arr, n, fn)                                                          \
	do {                                                                                       \
		const config_setting_t *l_ = config_lookup((c), (key));                            \
		if (!l_)                                                                           \
			break;                                                                     \
		if (!config_setting_is_list(l_) && !config_setting_is_array(l_)) {                 \
			cfgp_err((p), l_, "'%s' must be a list: %s = ( { ... }, ... );", (key),    \
				 (key));                                                           \
			break;                                                                     \
		}                                                                                  \
		(n) = (size_t)config_setting_length(l_);                                           \
		(arr) = calloc((n) ? (n) : 1, sizeof(*(arr)));                                     \
		if (!(arr)) {                                                                      \
			(n) = 0;                                                                   \
			cfgp_err((p), l_, "out of memory");                                        \
			break;                                                                     \
		}                                                                                  \
		for (size_t i_ = 0; i_ < (n); i_++)                                                \
			fn((p), config_setting_get_elem(l_, (unsigned)i_), &(arr)[i_]);            \
	} while (0)

void config_layout_boot(const struct cfg_layout *l, struct boot_layout *b)
{
	b->gpt = strcmp(l->label, "gpt") == 0;
	b->bios_grub = b->esp = false;
	for (size_t i = 0; i < l->nparts; i++) {
		b->bios_grub |= l->parts[i].flag_bios_grub;
		b->esp |= l->parts[i].flag_esp && strcmp(l->parts[i].fs, "vfat") == 0 &&
			  l->parts[i].mount[0];
	}
}

bool config_image_grub(const struct cfg_image *im, struct boot_grub *g)
{
	struct boot_image img;
	struct stat st;

	if (stat(im->path, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	boot_image_probe(im->path, &img);
	*g = img.grub;
	return true;
}

/* An image and layout no firmware can boot (with what the image holds, when
 * it is here to look at): the installer would refuse it at step plan. */
void cfgp_bootable(struct cparse *p, const config_setting_t *s, const struct cfg_image *im)
{
	struct boot_layout l;
	struct boot_grub g;
	struct boot_decision d;
	char bios[256], uefi[256];
	enum boot_opt o;
	int rb, ru;

	if (boot_opt_parse(im->bootloader, &o) < 0)
		return;
	config_layout_boot(im->layout_ref, &l);
	if (config_image_grub(im, &g)) {
		rb = boot_decide(o, &l, &g, BOOT_FW_BIOS, &d, bios, sizeof(bios));
		ru = boot_decide(o, &l, &g, BOOT_FW_UEFI, &d, uefi, sizeof(uefi));
	} else {
		rb = boot_decide_unknown(o, &l, BOOT_FW_BIOS, bios, sizeof(bios));
		ru = boot_decide_unknown(o, &l, BOOT_FW_UEFI, uefi, sizeof(uefi));
	}
	if (rb < 0 && ru < 0)
		cfgp_err(p, s,
			 "image \"%s\": bootloader \"%s\" cannot boot layout \"%s\" on BIOS (%s) "
			 "nor on UEFI (%s)",
			 im->name, im->bootloader, im->layout, bios, uefi);
}

/* A host's problems go to the parser's list at the host's line. */
struct host_report {
	struct cparse *p;
	const config_setting_t *s;
};

static void host_report_cfgp(const char *msg, void *arg)
{
	struct host_report *hr = arg;
	cfgp_err(hr->p, hr->s, "%s", msg);
}

/* a store image (state_dir/images/NAME.conf) is checked by the store's
 * own scan */
static bool file_image_known(void *arg, const char *name)
{
	const struct config *cfg = arg;
	return config_image(cfg, name) || image_conf_exists(cfg->state_dir, name);
}

__attribute__((format(printf, 3, 4))) static int host_problem(config_report_fn report, void *arg,
							      const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (report)
		report(msg, arg);
	return 1;
}

/* Which address a host must not be given: the server's own, or its
 * subnet's network, broadcast or router address (NULL: none of them). */
static const char *taken_address(const struct config *cfg, const struct cfg_subnet *sn,
				 struct in_addr a)
{
	if (a.s_addr == cfg->address.s_addr)
		return "server's own address";
	if (!sn)
		return NULL;
	if (a.s_addr == sn->router.s_addr)
		return "router of its subnet";
	if (sn->netmask.s_addr == 0xffffffffu || sn->netmask.s_addr == htonl(0xfffffffeu))
		return NULL; /* /32 and /31: no network or broadcast address */
	if ((a.s_addr & ~sn->netmask.s_addr) == 0)
		return "network address of its subnet";
	if ((a.s_addr | sn->netmask.s_addr) == 0xffffffffu)
		return "broadcast address of its subnet";
	return NULL;
}

int config_host_check(const struct config *cfg, const struct cfg_host *h,
		      bool (*image_known)(void *arg, const char *name), void *image_arg,
		      config_report_fn report, void *arg)
{
	const struct cfg_subnet *sn = NULL;
	const char *what;
	char ip[INET_ADDRSTRLEN];
	int n = 0;

	inet_ntop(AF_INET, &h->ip, ip, sizeof(ip));
	if (!name_valid(h->name))
		n += host_problem(report, arg,
				  "host name \"%s\" must be 1-63 characters of [A-Za-z0-9._-], not "
				  "starting with '.'",
				  h->name);
	if (h->image[0] && image_known && !image_known(image_arg, h->image))
		n += host_problem(report, arg, "host \"%s\": unknown image \"%s\"", h->name,
				  h->image);
	if (h->ip.s_addr && subnet_set(&cfg->net) && !(sn = config_subnet_of(cfg, h->ip)))
		n += host_problem(report, arg, "host \"%s\": address %s is in no dhcp subnet",
				  h->name, ip);
	else if (h->ip.s_addr && (what = taken_address(cfg, sn, h->ip)))
		n += host_problem(report, arg, "host \"%s\": address %s is the %s", h->name, ip,
				  what);
	return n;
}

int config_host_clash(const struct cfg_host *h, const struct cfg_host *o, config_report_fn report,
		      void *arg)
{
	int n = 0;

	if (strcmp(o->name, h->name) == 0)
		n += host_problem(report, arg, "duplicate host name \"%s\"", h->name);
	if (memcmp(o->mac, h->mac, 6) == 0)
		n += host_problem(report, arg, "host \"%s\": MAC already used by \"%s\"", h->name,
				  o->name);
	if (h->ip.s_addr && o->ip.s_addr == h->ip.s_addr)
		n += host_problem(report, arg, "host \"%s\": IP already reserved for \"%s\"",
				  h->name, o->name);
	return n;
}

static void cross_check(struct cparse *p, config_t *c, struct config *cfg)
{
	const config_setting_t *hl = config_lookup(c, "hosts"), *il = config_lookup(c, "images");

	for (size_t i = 0; i < cfg->nimages; i++) {
		struct cfg_image *im = &cfg->images[i];
		im->layout_ref = config_layout(cfg, im->layout);
		if (!im->layout_ref && im->layout[0])
			cfgp_err(p, config_setting_get_elem(il, (unsigned)i),
				 "image \"%s\": unknown layout \"%s\"", im->name, im->layout);
		if (im->layout_ref)
			cfgp_bootable(p, config_setting_get_elem(il, (unsigned)i), im);
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->images[j].name, im->name) == 0)
				cfgp_err(p, config_setting_get_elem(il, (unsigned)i),
					 "duplicate image \"%s\"", im->name);
	}
	struct host_report hr = {p, NULL};
	for (size_t i = 0; i < cfg->nhosts; i++) {
		const struct cfg_host *h = &cfg->hosts[i];
		hr.s = config_setting_get_elem(hl, (unsigned)i);
		config_host_check(cfg, h, file_image_known, cfg, host_report_cfgp, &hr);
		for (size_t j = 0; j < i; j++)
			config_host_clash(h, &cfg->hosts[j], host_report_cfgp, &hr);
	}
}

static void set_defaults(struct config *cfg)
{
	cfg->http_port = 8080;
	cfg->dhcp_port = 67;
	cfg->tftp_port = 69;
	cfg->rsync_port = 873;
	cfg->net.lease_time = 3600;
	cfg->rogue_interval = 60;
	strcpy(cfg->console, "ttyS0,115200");
	strcpy(cfg->bios_loader, "pxelinux.0");
	strcpy(cfg->efi64_loader, "syslinux.efi");
	strcpy(cfg->syslinux_dir, "/usr/lib");
	cfg->tftp_blksize_max = 1468;
	cfg->tftp_windowsize_max = 64;
	cfg->tftp_max_transfers = 1024;
	cfg->http_max_connections = 512;
	cfg->install_from_host_ip = true;
	cfg->ipxe_http = true;
}

static void derive_paths(struct cparse *p, struct config *cfg)
{
	if (!cfg->tftp_root[0] &&
	    snprintf(cfg->tftp_root, sizeof(cfg->tftp_root), "%s/tftp", cfg->state_dir) >=
		    (int)sizeof(cfg->tftp_root))
		cfgp_err(p, NULL, "state_dir is too long");
	if (snprintf(cfg->boot_dir, sizeof(cfg->boot_dir), "%s/boot", cfg->tftp_root) >=
	    (int)sizeof(cfg->boot_dir))
		cfgp_err(p, NULL, "tftp_root is too long");
}

int config_load(const char *path, struct config *cfg, config_report_fn report, void *arg)
{
	struct cparse p = { .file = path, .report = report, .arg = arg };
	config_t c;

	memset(cfg, 0, sizeof(*cfg));
	set_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	config_init(&c);
	if (!config_read_file(&c, path)) {
		char line[1200];
		if (config_error_type(&c) == CONFIG_ERR_FILE_IO)
			snprintf(line, sizeof(line), "%s: cannot read file", path);
		else
			snprintf(line, sizeof(line), "%s:%d: %s", config_error_file(&c) ? config_error_file(&c) : path,
				 config_error_line(&c), config_error_text(&c));
		if (report)
			report(line, arg);
		else
			log_err("%s", line);
		int io = config_error_type(&c) == CONFIG_ERR_FILE_IO;
		config_destroy(&c);
		return io ? -ENOENT : 1;
	}
	parse_server(&p, &c, cfg);
	parse_dhcp(&p, &c, cfg);
	parse_tftp(&p, &c, cfg);
	PARSE_LIST(&p, &c, "layouts", cfg->layouts, cfg->nlayouts, cfgp_layout);
	PARSE_LIST(&p, &c, "images", cfg->images, cfg->nimages, parse_image);
	PARSE_LIST(&p, &c, "hosts", cfg->hosts, cfg->nhosts, parse_host);
	cross_check(&p, &c, cfg);
	derive_paths(&p, cfg);
	config_destroy(&c);
	return p.errors;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nimages; i++)
		cfgp_free_strv(cfg->images[i].excludes, cfg->images[i].nexcludes);
	for (size_t i = 0; i < cfg->nhosts; i++)
		cfgp_free_strv(cfg->hosts[i].txt, cfg->hosts[i].ntxt);
	for (size_t i = 0; i < cfg->nlayouts; i++)
		free(cfg->layouts[i].parts);
	free(cfg->images);
	free(cfg->hosts);
	free(cfg->layouts);
	free(cfg->relay_nets);
	memset(cfg, 0, sizeof(*cfg));
}

const struct cfg_host *config_host_by_name(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nhosts; i++)
		if (strcmp(cfg->hosts[i].name, name) == 0)
			return &cfg->hosts[i];
	return NULL;
}

const struct cfg_host *config_host_by_mac(const struct config *cfg, const uint8_t mac[6])
{
	for (size_t i = 0; i < cfg->nhosts; i++)
		if (memcmp(cfg->hosts[i].mac, mac, 6) == 0)
			return &cfg->hosts[i];
	return NULL;
}

const struct cfg_image *config_image(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nimages; i++)
		if (strcmp(cfg->images[i].name, name) == 0)
			return &cfg->images[i];
	return NULL;
}

const struct cfg_layout *config_layout(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nlayouts; i++)
		if (strcmp(cfg->layouts[i].name, name) == 0)
			return &cfg->layouts[i];
	return NULL;
}
