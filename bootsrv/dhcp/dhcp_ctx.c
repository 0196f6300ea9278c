/* dhcp_ctx.c - what the handlers know about one request (struct req_ctx):
 * the network it is served from, the listed host and whether its
 * reservation holds there, the loader for its architecture (RFC 4578
 * option 93) or iPXE's HTTP script; and the per-client warning limit. */
#include "dhcp_ctx.h"

#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Client architecture (RFC 4578 2.1, IANA "Processor Architecture Types")
 * to the config's loader. Absent option 93 means a plain DHCP/BOOTP
 * client, which gets the BIOS loader like a legacy PXE ROM would. */
enum loader_kind { LOADER_BIOS, LOADER_EFI64 };
static const struct {
	uint16_t arch;
	enum loader_kind kind;
} arch_table[] = {
    {0, LOADER_BIOS},  /* x86 BIOS */
    {7, LOADER_EFI64}, /* x64 UEFI */
    {9, LOADER_EFI64}, /* x64 UEFI (EDK2 sends 7; some firmware 9) */
};

/* Loader for option 93; the first listed architecture decides. */
static void ctx_arch(const struct dhcp_logic *dl, struct req_ctx *c)
{
	const struct dhcp_opt *o = &c->msg->opt[DHO_CLIENT_ARCH];
	const char *loaders[] = {
	    [LOADER_BIOS] = dl->cfg->bios_loader, [LOADER_EFI64] = dl->cfg->efi64_loader};

	c->arch = -1;
	c->loader = NULL;
	if (o->present && o->len >= 2)
		c->arch = o->data[0] << 8 | o->data[1];
	for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++)
		if (c->arch == -1 ? arch_table[i].kind == LOADER_BIOS
				  : arch_table[i].arch == c->arch) {
			c->loader = loaders[arch_table[i].kind];
			break;
		}
	if (c->loader && !c->loader[0])
		c->loader = NULL;
}

/* iPXE marks its requests with its encapsulated options (175) and sends
 * user class 77 as the plain string "iPXE" (not in RFC 3004's
 * length-prefixed form), so a substring match covers both encodings. */
static bool client_is_ipxe(const struct dhcp_msg *m)
{
	const struct dhcp_opt *uc = &m->opt[DHO_USER_CLASS];

	return m->opt[DHO_IPXE_ENCAP].present ||
	       (uc->present && memmem(uc->data, uc->len, "iPXE", 4) != NULL);
}

/* A client that already runs iPXE gets its per-host script over HTTP
 * instead of the loader: handing it iPXE (or a loader that chains to
 * iPXE) again would loop. Only for architectures we have a loader for. */
static void ctx_ipxe(const struct dhcp_logic *dl, struct req_ctx *c)
{
	const struct config *cfg = dl->cfg;
	char addr[INET_ADDRSTRLEN], mac[18];
	int n;

	if (!c->loader || !cfg->ipxe_http || !client_is_ipxe(c->msg))
		return;
	inet_ntop(AF_INET, &cfg->address, addr, sizeof(addr));
	mac_format(c->msg->chaddr, '-', mac);
	n = snprintf(c->script_url, sizeof(c->script_url), "http://%s:%u/ipxe/01-%s", addr,
		     cfg->http_port, mac);
	if (n > 0 && (size_t)n < sizeof(c->script_url))
		c->loader = c->script_url;
}

/* A reservation holds only in its own network: a listed host asking
 * from another one (moved to another VLAN, or a relay with the wrong
 * giaddr) is served like an unlisted client there, never with an address
 * that does not work where it is. */
static void ctx_reservation(struct dhcp_logic *dl, struct req_ctx *c)
{
	char want[INET_ADDRSTRLEN], net[CIDR_STRLEN];
	uint8_t type = c->msg->msg_type;

	c->resv = c->host;
	if (!c->host || cfg_subnet_has(c->net->cfg, c->host->ip))
		return;
	c->resv = NULL;
	/* proxy mode hands out no addresses; a RELEASE, DECLINE or INFORM
	 * asks for none */
	if (dl->cfg->dhcp_mode == DHCP_MODE_PROXY || (type != DHCPDISCOVER && type != DHCPREQUEST))
		return;
	c->net->stats.misplaced++;
	if (!dhcp_warn_due(dl, c, 'R'))
		return;
	inet_ntop(AF_INET, &c->host->ip, want, sizeof(want));
	cidr_format(c->net->cfg->subnet, c->net->cfg->netmask, net);
	log_warn("dhcp: %s %s: reserved %s is not in %s where it asks; %s%s", c->mac, c->name, want,
		 net, c->net->pool_size ? "serving from that network's pool" : "no pool there",
		 c->warn_held);
}

bool dhcp_warn_due(struct dhcp_logic *dl, struct req_ctx *c, char kind)
{
	uint8_t key[9];
	size_t net = (size_t)(c->net - dl->nets);
	uint32_t held;

	/* per client, problem and network: moving to another VLAN is news */
	memcpy(key, c->msg->chaddr, 6);
	key[6] = (uint8_t)kind;
	key[7] = (uint8_t)(net >> 8);
	key[8] = (uint8_t)net;
	if (!warn_limit_pass(&dl->warns, key, sizeof(key), c->now, &held))
		return false;
	c->warn_held[0] = '\0';
	if (held)
		snprintf(c->warn_held, sizeof(c->warn_held),
			 " (repeated %u times since the last warning)", held);
	return true;
}

int dhcp_ctx_init(struct dhcp_logic *dl, const struct dhcp_msg *m, struct req_ctx *c)
{
	const struct dhcp_opt *hn = &m->opt[DHO_HOSTNAME];

	/* RFC 2131 4.3.1: a relayed request is served from the network giaddr
	 * is on; a relay in a network we do not serve gets nothing rather
	 * than an address that does not work there (the caller logs it). */
	c->msg = m;
	if (!(c->net = dhcp_net_for(dl, m)))
		return DHCP_ENOSUBNET;
	c->now = dl->clock();
	c->host = dhcp_res_lookup(dl, m->chaddr);
	mac_format(m->chaddr, ':', c->mac);
	if (c->host)
		log_escape(c->host->name, strlen(c->host->name), c->name, sizeof(c->name));
	else if (hn->present)
		log_escape(hn->data, hn->len, c->name, sizeof(c->name));
	else
		strcpy(c->name, "-");
	ctx_reservation(dl, c);
	ctx_arch(dl, c);
	ctx_ipxe(dl, c);
	return 0;
}

/* An unknown MAC whose request says it PXE-boots (vendor class
 * "PXEClient", or a client architecture, RFC 4578 2.1) is what an admin
 * enrolls; other unknown clients (phones, printers on the segment) are
 * not. It is answered as before: no installer for it. */
void dhcp_note_discovered(struct dhcp_logic *dl, const struct req_ctx *c)
{
	const struct dhcp_msg *m = c->msg;
	const struct dhcp_opt *vc = &m->opt[DHO_VENDOR_CLASS];

	if (m->msg_type != DHCPDISCOVER && m->msg_type != DHCPREQUEST)
		return;
	if (dhcp_host_lookup(dl, m->chaddr) || (!dhcp_is_pxe_client(m) && c->arch < 0))
		return;
	discovered_note(&dl->disc, m->chaddr, c->now, c->arch, vc->present ? vc->data : NULL,
			vc->present ? vc->len : 0);
}
