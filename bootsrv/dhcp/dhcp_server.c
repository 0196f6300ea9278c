/* dhcp_server.c - DHCP protocol logic, see dhcp_server.h: setting up and
 * freeing it, vetting a datagram, and dhcp_server_handle().
 *
 * RFC 2131 section 4.3 drives the handlers (dhcp_handlers.c); section 4.1
 * the choice of destination (dhcp_reply.c); RFC 4578 the PXE options (93
 * architecture in dhcp_ctx.c, 97 UUID in dhcp_reply.c). Addresses come
 * from dhcp_pool.c; proxy mode is dhcp_proxy.c. */
#include "dhcp_server.h"
#include "dhcp_ctx.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const dhcp_dest_names[] = {
    [DHCP_DEST_BROADCAST] = "broadcast",
    [DHCP_DEST_UNICAST] = "unicast",
    [DHCP_DEST_RELAY] = "relay",
    [DHCP_DEST_CHADDR] = "unicast to chaddr",
};

static const char *const msg_names[] = {
    [DHCPDISCOVER] = "DHCPDISCOVER", [DHCPOFFER] = "DHCPOFFER",	  [DHCPREQUEST] = "DHCPREQUEST",
    [DHCPDECLINE] = "DHCPDECLINE",   [DHCPACK] = "DHCPACK",	  [DHCPNAK] = "DHCPNAK",
    [DHCPRELEASE] = "DHCPRELEASE",   [DHCPINFORM] = "DHCPINFORM",
};

const char *dhcp_server_strerror(int err)
{
	if (err == DHCP_ESTORE)
		return "lease not recorded";
	if (err == DHCP_ENOSUBNET)
		return "relayed from a network not configured (giaddr in no dhcp subnet)";
	return dhcp_strerror(err);
}

const char *dhcp_msg_name(uint8_t type)
{
	if (type < ARRAY_SIZE(msg_names) && msg_names[type])
		return msg_names[type];
	return "DHCP?";
}

static int64_t clock_realtime(void)
{
	return (int64_t)time(NULL);
}

int dhcp_logic_init(struct dhcp_logic *dl, const struct config *cfg, struct lease_store *leases,
		    int64_t (*clock)(void))
{
	int r;

	memset(dl, 0, sizeof(*dl));
	dl->cfg = cfg;
	dl->leases = leases;
	dl->clock = clock ? clock : clock_realtime;
	warn_limit_init(&dl->warns, DHCP_WARN_WINDOW);
	if ((r = dhcp_res_build(dl)) < 0 || (r = dhcp_nets_init(dl)) < 0 ||
	    (r = discovered_init(&dl->disc, 0)) < 0) {
		dhcp_logic_free(dl);
		return r;
	}
	return 0;
}

void dhcp_logic_free(struct dhcp_logic *dl)
{
	free(dl->res);
	dl->res = NULL;
	for (size_t i = 0; dl->nets && i < dl->nnets; i++) {
		free(dl->nets[i].pool_used);
		free(dl->nets[i].pool_reserved);
	}
	free(dl->nets);
	dl->nets = NULL;
	dl->nnets = 0;
	discovered_free(&dl->disc);
}

int dhcp_parse_request(struct dhcp_logic *dl, const uint8_t *pkt, size_t len, struct dhcp_msg *m)
{
	int r;

	dl->stats.received++;
	r = dhcp_parse(pkt, len, m);
	if (r < 0) {
		dl->stats.malformed++;
		return r;
	}
	/* Only Ethernet requests: reservations and leases are by 6-byte MAC. */
	if (m->op != DHCP_BOOTREQUEST || m->htype != 1 || m->hlen != 6) {
		dl->stats.malformed++;
		return DHCP_EBADHTYPE;
	}
	if (m->msg_type == 0) {
		dl->stats.ignored++;
		return DHCP_ENOMSGTYPE; /* plain BOOTP is not served */
	}
	if (m->msg_type < ARRAY_SIZE(dl->stats.in))
		dl->stats.in[m->msg_type]++;
	return 0;
}

int dhcp_server_handle(struct dhcp_logic *dl, const uint8_t *pkt, size_t len,
		       struct dhcp_reply *out)
{
	struct dhcp_msg msg;
	struct req_ctx c;
	int r;

	if ((r = dhcp_parse_request(dl, pkt, len, &msg)) < 0)
		return r;
	if ((r = dhcp_ctx_init(dl, &msg, &c)) < 0) {
		dl->stats.ignored++;
		return r;
	}
	dhcp_note_discovered(dl, &c);
	if (dl->cfg->dhcp_mode == DHCP_MODE_PROXY)
		r = dhcp_proxy_handle(dl, &c, NULL, out);
	else
		r = dhcp_handlers_dispatch(dl, &c, out);
	if (r == 0)
		dl->stats.ignored++;
	return r;
}
