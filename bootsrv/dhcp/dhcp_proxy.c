/* dhcp_proxy.c - proxyDHCP (mode = "proxy"): another server on the segment
 * hands out addresses; bootsrv only tells PXE clients what to boot.
 *
 * PXE 2.1 specification, 2.2.1 and 2.2.2: a proxyDHCP server answers a PXE
 * client's DISCOVER on port 67 with an OFFER that has no address (yiaddr
 * 0) and carries option 60 "PXEClient", its server id and the boot file;
 * the client may then send a DHCPREQUEST to port 4011 of that server and
 * gets a DHCPACK with the same boot information, unicast to the address
 * and port it sent from. Non-PXE clients are never answered. Option 43
 * sets PXE_DISCOVERY_CONTROL bit 3: "a boot file name is in the offer,
 * download it" -- no boot server discovery, no menu (as dnsmasq does). */
#include "dhcp_ctx.h"

#include "util.h"

#include <arpa/inet.h>
#include <string.h>

#define PXE_DISCOVERY_CONTROL 6	 /* PXE 2.1 table 2-1, inside option 43 */
#define PXE_DC_USE_BOOTFILE 0x08 /* bit 3 */

static int proxy_reply(struct dhcp_logic *dl, const struct req_ctx *c, uint8_t type,
		       const struct dhcp_peer *peer, struct dhcp_reply *out)
{
	static const uint8_t vendor[] = {PXE_DISCOVERY_CONTROL, 1, PXE_DC_USE_BOOTFILE, DHO_END};
	const struct config *cfg = dl->cfg;
	const struct dhcp_msg *req = c->msg;
	struct in_addr none = {INADDR_ANY};
	char addr[INET_ADDRSTRLEN];
	struct dhcp_builder b;
	int n;

	memset(out, 0, offsetof(struct dhcp_reply, buf));
	dhcp_build_init(&b, out->buf, sizeof(out->buf), dhcp_reply_cap(req), DHCP_BOOTREPLY, req);
	/* no address of ours: yiaddr stays 0; ciaddr echoed on 4011 */
	dhcp_build_set_addrs(&b, peer ? req->ciaddr : none, none, cfg->address, req->giaddr);
	dhcp_build_set_file(&b, c->loader);
	dhcp_build_u8(&b, DHO_MSG_TYPE, type);
	dhcp_build_addr(&b, DHO_SERVER_ID, cfg->address);
	inet_ntop(AF_INET, &cfg->address, addr, sizeof(addr));
	dhcp_build_opt(&b, DHO_TFTP_SERVER, addr, strlen(addr));
	dhcp_build_opt(&b, DHO_BOOTFILE, c->loader, strlen(c->loader));
	dhcp_build_opt(&b, DHO_VENDOR_SPECIFIC, vendor, sizeof(vendor));
	dhcp_build_pxe_echo(&b, req);
	if ((n = dhcp_build_finish(&b)) < 0)
		return n;
	out->len = (size_t)n;
	out->msg_type = type;
	memcpy(out->chaddr, req->chaddr, 6);
	if (peer) { /* PXE 2.1 2.2.2: back to the request's source */
		out->dest = DHCP_DEST_UNICAST;
		out->addr = peer->addr;
		out->port = peer->port;
	} else {
		dhcp_reply_dest(dl, req, out);
	}
	dhcp_count_reply(dl, c, type);
	return type;
}

int dhcp_proxy_handle(struct dhcp_logic *dl, struct req_ctx *c, const struct dhcp_peer *peer,
		      struct dhcp_reply *out)
{
	uint8_t type = c->msg->msg_type, reply;
	struct in_addr none = {INADDR_ANY};

	/* Only PXE clients, only for an architecture we have a loader for. */
	if (!dhcp_is_pxe_client(c->msg) || !c->loader)
		return 0;
	if (!peer && type == DHCPDISCOVER)
		reply = DHCPOFFER;
	else if (peer && (type == DHCPREQUEST || type == DHCPINFORM))
		reply = DHCPACK;
	else
		return 0; /* a REQUEST on 67 is for the DHCP server */
	dhcp_log_exchange(LOG_LVL_INFO, c, peer ? "proxy DHCPACK" : "proxy DHCPOFFER",
			  peer ? c->msg->ciaddr : none);
	return proxy_reply(dl, c, reply, peer, out);
}

int dhcp_server_handle_pxe(struct dhcp_logic *dl, const uint8_t *pkt, size_t len,
			   struct in_addr from, uint16_t from_port, struct dhcp_reply *out)
{
	struct dhcp_peer peer = {from, from_port};
	struct dhcp_msg msg;
	struct req_ctx c;
	int r;

	if ((r = dhcp_parse_request(dl, pkt, len, &msg)) < 0)
		return r;
	/* A client that has no address yet cannot be answered by unicast. */
	if (from.s_addr == INADDR_ANY || from_port == 0) {
		dl->stats.ignored++;
		return 0;
	}
	if ((r = dhcp_ctx_init(dl, &msg, &c)) < 0) {
		dl->stats.ignored++;
		return r;
	}
	r = dhcp_proxy_handle(dl, &c, &peer, out);
	if (r == 0)
		dl->stats.ignored++;
	return r;
}
