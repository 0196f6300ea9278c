/* bootcfg.c - see bootcfg.h.
 *
 * Every known host gets a generated config whatever its state, so a host in
 * localboot never falls through to a default menu: pxelinux asks for
 * pxelinux.cfg/01-<mac> first (pxelinux docs, "configuration file search
 * order"), and we always answer that name. */
#include "bootcfg.h"

#include "hoststate.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char local_pxelinux[] = "DEFAULT local\n"
				     "LABEL local\n"
				     "  LOCALBOOT 0\n";

/* GRUB: on UEFI, exit hands back to the firmware's boot manager, which
 * tries the next boot option (the disk); a BIOS GRUB (i386-pc pxe)
 * chainloads the first disk's MBR instead. */
static const char local_grub[] = "set timeout=0\n"
				 "echo \"bootsrv: booting from local disk\"\n"
				 "if [ \"${grub_platform}\" = \"efi\" ]; then\n"
				 "  exit\n"
				 "fi\n"
				 "set root=(hd0)\n"
				 "chainloader +1\n"
				 "boot\n";

/* iPXE: returning to the firmware makes it try the next boot device. */
static const char local_ipxe[] = "#!ipxe\n"
				 "echo bootsrv: booting from local disk\n"
				 "exit\n";

__attribute__((format(printf, 3, 4))) static int xasprintf(char **out, size_t *len,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	*len = (size_t)n;
	return 0;
}

static int dup_text(const char *text, char **out, size_t *len)
{
	return xasprintf(out, len, "%s", text);
}

/* Kernel arguments shared by the pxelinux and iPXE forms. bootif is the
 * " BOOTIF=01-..." argument pxelinux adds itself (IPAPPEND 2) and iPXE
 * scripts must carry explicitly ("" for pxelinux). */
static void installer_args(const struct config *cfg, const struct host_rt *h, const char *bootif,
			   char *out, size_t outsz)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &cfg->address, addr, sizeof(addr));
	snprintf(out, outsz, "bootsrv=http://%s:%u host=%s token=%s%s%s%s quiet", addr,
		 (unsigned)cfg->http_port, h->cfg->name, h->token, bootif,
		 cfg->console[0] ? " console=" : "", cfg->console);
}

/* The host behind mac when its next boot installs, else NULL; either way
 * the host's event says which config of this loader it was handed. */
static const struct host_rt *install_host(struct server *srv, const uint8_t mac[6],
					  const char *loader)
{
	const struct host_rt *h = srv->hosts && mac ? hoststate_by_mac(srv->hosts, mac) : NULL;

	if (!h)
		return NULL;
	if (!hoststate_wants_install(h)) {
		hoststate_event(srv->hosts, h, "boot-config", "%s local", loader);
		return NULL;
	}
	hoststate_event(srv->hosts, h, "boot-config", "%s install flavor %s", loader, h->flavor);
	return h;
}

/* installer_args with the BOOTIF= pxelinux adds itself (IPAPPEND 2) and
 * iPXE and GRUB configs must carry. */
static void installer_args_bootif(const struct config *cfg, const struct host_rt *h,
				  const uint8_t mac[6], char *out, size_t outsz)
{
	char hyp[18], bootif[32];

	mac_format(mac, '-', hyp);
	snprintf(bootif, sizeof(bootif), " BOOTIF=01-%s", hyp);
	installer_args(cfg, h, bootif, out, outsz);
}

int bootcfg_pxelinux(struct server *srv, const uint8_t mac[6], char **out, size_t *len)
{
	const struct host_rt *h = install_host(srv, mac, "pxelinux");
	char args[512];

	if (!h)
		return dup_text(local_pxelinux, out, len);
	installer_args(srv->cfg, h, "", args, sizeof(args));
	/* IPAPPEND 2 adds BOOTIF=01-<mac> so the installer finds its NIC */
	return xasprintf(out, len,
			 "DEFAULT install\n"
			 "LABEL install\n"
			 "  KERNEL boot/%s/vmlinuz\n"
			 "  INITRD boot/%s/initrd.img\n"
			 "  APPEND %s\n"
			 "  IPAPPEND 2\n",
			 h->flavor, h->flavor, args);
}

int bootcfg_ipxe(struct server *srv, const uint8_t mac[6], char **out, size_t *len)
{
	const struct host_rt *h = install_host(srv, mac, "ipxe");
	char args[512], addr[INET_ADDRSTRLEN];

	if (!h)
		return dup_text(local_ipxe, out, len);
	installer_args_bootif(srv->cfg, h, mac, args, sizeof(args));
	inet_ntop(AF_INET, &srv->cfg->address, addr, sizeof(addr));
	/* initrd=NAME: the EFI stub loads the initrd iPXE registered by name */
	return xasprintf(out, len,
			 "#!ipxe\n"
			 "kernel http://%s:%u/boot/%s/vmlinuz initrd=initrd.img %s\n"
			 "initrd --name initrd.img http://%s:%u/boot/%s/initrd.img\n"
			 "boot\n",
			 addr, (unsigned)srv->cfg->http_port, h->flavor, args, addr,
			 (unsigned)srv->cfg->http_port, h->flavor);
}

/* GRUB loads the kernel and initrd over TFTP from the device its prefix
 * names ((tftp,SERVER)/grub from grub-mknetdir --subdir=grub), so the paths
 * are the same as pxelinux's. */
int bootcfg_grub(struct server *srv, const uint8_t mac[6], char **out, size_t *len)
{
	const struct host_rt *h = install_host(srv, mac, "grub");
	char args[512];

	if (!h)
		return dup_text(local_grub, out, len);
	installer_args_bootif(srv->cfg, h, mac, args, sizeof(args));
	return xasprintf(out, len,
			 "set timeout=0\n"
			 "menuentry \"bootsrv install %s\" {\n"
			 "  echo \"bootsrv: loading installer flavor %s\"\n"
			 "  linux /boot/%s/vmlinuz %s\n"
			 "  initrd /boot/%s/initrd.img\n"
			 "}\n",
			 h->cfg->name, h->flavor, h->flavor, args, h->flavor);
}

/* mac is NULL for the "default" name. */
typedef int (*bootcfg_gen_fn)(struct server *srv, const uint8_t mac[6], char **out,
			      size_t *len);

/* Where each boot loader looks, and the name it falls back to:
 * pxelinux tries pxelinux.cfg/01-<mac>, <UUID>, the client IP in upper
 * case hex (C000020B, C000020, ... C), then "default" (pxelinux docs,
 * "configuration file search order"); GRUB 2.06 tries grub.cfg-<UUID>,
 * grub.cfg-01-<mac>, grub.cfg-<IP hex> shortened the same way, then
 * grub.cfg (GRUB manual, "Network"). */
static const struct {
	const char *prefix;   /* "pxelinux.cfg/", then 01-<mac> or IP hex */
	const char *fallback; /* the name for unknown clients */
	bootcfg_gen_fn gen;
} generators[] = {
	{ "pxelinux.cfg/", "pxelinux.cfg/default", bootcfg_pxelinux },
	{ "ipxe/", "ipxe/default", bootcfg_ipxe },
	{ "grub/grub.cfg-", "grub/grub.cfg", bootcfg_grub },
};

/* "01-aa-bb-cc-dd-ee-ff" (ARP type 1, any case) -> mac. */
static int parse_hwname(const char *name, uint8_t mac[6])
{
	if (strncmp(name, "01-", 3) != 0 || strlen(name) != 3 + 17)
		return -EINVAL;
	for (int i = 0; i < 5; i++)
		if (name[3 + 2 + 3 * i] != '-')
			return -EINVAL;
	return mac_parse(name + 3, mac);
}

/* "C000020B" (the whole address, upper case hex as both loaders send it)
 * -> the MAC of the host reserved at that address. Shorter prefixes name a
 * subnet, not a host: they are left to real files. */
static int parse_iphex(struct server *srv, const char *name, uint8_t mac[6])
{
	uint32_t ip = 0;

	if (strlen(name) != 8)
		return -EINVAL;
	for (int i = 0; i < 8; i++) {
		char c = name[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (v < 0)
			return -EINVAL;
		ip = ip << 4 | (uint32_t)v;
	}
	/* every host, the config's and those enrolled at run time */
	for (size_t i = 0; srv->hosts && i < hoststate_count(srv->hosts); i++) {
		const struct cfg_host *h = hoststate_at(srv->hosts, i)->cfg;
		if (h->ip.s_addr != INADDR_ANY && ntohl(h->ip.s_addr) == ip) {
			memcpy(mac, h->mac, 6);
			return 0;
		}
	}
	return -ENOENT;
}

int bootcfg_virtual_file(struct server *srv, const char *path, char **out, size_t *len)
{
	/* pxelinux sends paths relative to its prefix; GRUB, some TFTP
	 * clients and every HTTP URL put a '/' in front */
	while (*path == '/')
		path++;
	for (size_t i = 0; i < ARRAY_SIZE(generators); i++) {
		size_t pl = strlen(generators[i].prefix);
		const char *name = path + pl;
		uint8_t mac[6];

		if (strcmp(path, generators[i].fallback) == 0)
			return generators[i].gen(srv, NULL, out, len) < 0 ? -ENOMEM : 1;
		if (strncmp(path, generators[i].prefix, pl) != 0)
			continue;
		if (parse_hwname(name, mac) == 0 || parse_iphex(srv, name, mac) == 0)
			return generators[i].gen(srv, mac, out, len) < 0 ? -ENOMEM : 1;
	}
	return 0;
}
