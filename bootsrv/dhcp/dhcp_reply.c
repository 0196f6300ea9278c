/* dhcp_reply.c - the authoritative server's replies: OFFER, ACK and NAK
 * with the network's configuration and the boot file, and where each goes
 * (RFC 2131 4.1); the PXE echo options, the size limit, the reply counters
 * and the one log line per exchange, which the proxy shares. */
#include "dhcp_ctx.h"

#include "log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_LEASE 3600
#define IP_UDP_HEADERS 28     /* option 57 counts the IP and UDP headers */
#define FLAG_BROADCAST 0x8000 /* RFC 2131 figure 2 */

uint32_t dhcp_lease_secs(const struct req_ctx *c)
{
	return c->net->cfg->lease_time ? c->net->cfg->lease_time : DEFAULT_LEASE;
}

/* RFC 2131 4.1: relayed -> giaddr at the server port (the relay reads
 * the broadcast bit); NAK -> broadcast; ciaddr set -> unicast; broadcast
 * bit clear and an address to give -> unicast to yiaddr at chaddr (the
 * socket layer enters the neighbour entry first); otherwise broadcast. */
void dhcp_reply_dest(const struct dhcp_logic *dl, const struct dhcp_msg *req,
		     struct dhcp_reply *out)
{
	bool nak = out->msg_type == DHCPNAK;

	out->port = DHCP_CLIENT_PORT;
	if (req->giaddr.s_addr != INADDR_ANY) {
		out->dest = DHCP_DEST_RELAY;
		out->addr = req->giaddr;
		out->port = dl->cfg->dhcp_port ? dl->cfg->dhcp_port : 67;
	} else if (!nak && req->ciaddr.s_addr != INADDR_ANY) {
		out->dest = DHCP_DEST_UNICAST;
		out->addr = req->ciaddr;
	} else if (!nak && !(req->flags & FLAG_BROADCAST) && out->yiaddr.s_addr != INADDR_ANY) {
		out->dest = DHCP_DEST_CHADDR;
		out->addr = out->yiaddr;
	} else {
		out->dest = DHCP_DEST_BROADCAST;
		out->addr.s_addr = INADDR_BROADCAST;
	}
}

/* Options that echo what a PXE client sent: 60 "PXEClient" (PXE 2.1
 * spec: ROMs ignore offers without it) and 97, the machine UUID (RFC 4578
 * 2.3 asks the server to return it). */
static const char pxe_client[] = "PXEClient";

bool dhcp_is_pxe_client(const struct dhcp_msg *m)
{
	const struct dhcp_opt *vc = &m->opt[DHO_VENDOR_CLASS];

	return vc->present && vc->len >= sizeof(pxe_client) - 1 &&
	       memcmp(vc->data, pxe_client, sizeof(pxe_client) - 1) == 0;
}

void dhcp_build_pxe_echo(struct dhcp_builder *b, const struct dhcp_msg *req)
{
	const struct dhcp_opt *uuid = &req->opt[DHO_CLIENT_UUID];

	if (dhcp_is_pxe_client(req))
		dhcp_build_opt(b, DHO_VENDOR_CLASS, pxe_client, sizeof(pxe_client) - 1);
	if (uuid->present)
		dhcp_build_opt(b, DHO_CLIENT_UUID, uuid->data, uuid->len);
}

/* Network configuration (of the network the request came from) and the
 * boot file, for OFFER and ACK. */
static void build_config(const struct dhcp_logic *dl, const struct req_ctx *c, uint8_t type,
			 struct dhcp_builder *b)
{
	const struct config *cfg = dl->cfg;
	const struct cfg_subnet *net = c->net->cfg;
	char addr[INET_ADDRSTRLEN];

	if (!(type == DHCPACK && c->msg->msg_type == DHCPINFORM)) {
		/* RFC 2131 4.3.5: no lease time in an answer to INFORM;
		 * T1 = 0.5 and T2 = 0.875 of the lease (4.4.5). */
		uint32_t lt = dhcp_lease_secs(c);
		dhcp_build_u32(b, DHO_LEASE_TIME, lt);
		dhcp_build_u32(b, DHO_RENEWAL_TIME, lt / 2);
		dhcp_build_u32(b, DHO_REBINDING_TIME, (uint32_t)((uint64_t)lt * 7 / 8));
	}
	dhcp_build_addr(b, DHO_SUBNET_MASK, net->netmask);
	if (net->router.s_addr != INADDR_ANY)
		dhcp_build_addr(b, DHO_ROUTER, net->router);
	if (net->ndns > 0)
		dhcp_build_opt(b, DHO_DNS, net->dns, 4 * (net->ndns < 4 ? net->ndns : 4));
	if (c->host && c->host->name[0])
		dhcp_build_opt(b, DHO_HOSTNAME, c->host->name, strlen(c->host->name));
	if (c->loader) {
		inet_ntop(AF_INET, &cfg->address, addr, sizeof(addr));
		dhcp_build_opt(b, DHO_TFTP_SERVER, addr, strlen(addr));
		dhcp_build_opt(b, DHO_BOOTFILE, c->loader, strlen(c->loader));
	}
	dhcp_build_pxe_echo(b, c->msg);
}

/* Never build more than the client accepts (option 57, RFC 2132 9.10);
 * the codec keeps the RFC 2131 minimum of 576 as a floor. */
size_t dhcp_reply_cap(const struct dhcp_msg *req)
{
	uint16_t max;

	if (!dhcp_opt_u16(req, DHO_MAX_MSG_SIZE, &max) || max < IP_UDP_HEADERS)
		return DHCP_MIN_REPLY;
	return (size_t)max - IP_UDP_HEADERS;
}

int dhcp_reply_build(struct dhcp_logic *dl, const struct req_ctx *c, uint8_t type,
		     struct in_addr yiaddr, struct dhcp_reply *out)
{
	const struct dhcp_msg *req = c->msg;
	const struct config *cfg = dl->cfg;
	struct in_addr none = {INADDR_ANY};
	struct dhcp_builder b;
	int n;

	memset(out, 0, offsetof(struct dhcp_reply, buf));
	dhcp_build_init(&b, out->buf, sizeof(out->buf), dhcp_reply_cap(req), DHCP_BOOTREPLY, req);
	dhcp_build_u8(&b, DHO_MSG_TYPE, type);
	dhcp_build_addr(&b, DHO_SERVER_ID, cfg->address);
	if (type == DHCPNAK) {
		/* RFC 2131 4.3.2: a relayed NAK carries the broadcast bit so the
		 * relay broadcasts it; table 3: no addresses, no options. */
		if (req->giaddr.s_addr != INADDR_ANY)
			dhcp_build_set_flags(&b, req->flags | FLAG_BROADCAST);
		dhcp_build_opt(&b, DHO_MESSAGE, "address not available", 21);
	} else {
		struct in_addr ci = type == DHCPACK ? req->ciaddr : none;
		dhcp_build_set_addrs(&b, ci, yiaddr, c->loader ? cfg->address : none, req->giaddr);
		dhcp_build_set_file(&b, c->loader);
		build_config(dl, c, type, &b);
	}
	n = dhcp_build_finish(&b);
	if (n < 0)
		return n;
	out->len = (size_t)n;
	out->msg_type = type;
	out->yiaddr = yiaddr;
	memcpy(out->chaddr, req->chaddr, 6);
	dhcp_reply_dest(dl, req, out);
	dhcp_count_reply(dl, c, type);
	return type;
}

void dhcp_count_reply(struct dhcp_logic *dl, const struct req_ctx *c, uint8_t type)
{
	if (type == DHCPOFFER) {
		dl->stats.offers++;
		c->net->stats.offers++;
	} else if (type == DHCPACK) {
		dl->stats.acks++;
		c->net->stats.acks++;
	} else if (type == DHCPNAK) {
		dl->stats.naks++;
		c->net->stats.naks++;
	}
}

/* One info line per exchange: MAC, host name, arch, address, boot file.
 * The exchange's outcome (ACK, NAK, release...) is logged at info, the
 * OFFER before it at debug (-v): the ACK line says everything the OFFER
 * line would, and a busy segment gets one line per client, not two. */
void dhcp_log_exchange(enum log_level lvl, const struct req_ctx *c, const char *result,
		       struct in_addr ip)
{
	char addr[INET_ADDRSTRLEN] = "-", arch[12] = "-";

	if (lvl > log_get_level())
		return;
	if (ip.s_addr != INADDR_ANY)
		inet_ntop(AF_INET, &ip, addr, sizeof(addr));
	if (c->arch >= 0)
		snprintf(arch, sizeof(arch), "%d", c->arch);
	log_msg(lvl, "dhcp: %s %s %s arch=%s -> %s %s %s", dhcp_msg_name(c->msg->msg_type), c->mac,
		c->name, arch, result, addr, c->loader ? c->loader : "-");
}
