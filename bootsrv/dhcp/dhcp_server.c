/* dhcp_server.c - DHCP protocol logic, see dhcp_server.h.
 *
 * RFC 2131 section 4.3 drives the handlers below; section 4.1 the choice
 * of destination; RFC 4578 the PXE options (93 architecture, 97 UUID). */
#include "dhcp_server.h"
#include "dhcp_ctx.h"

#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL_MAX (1u << 20) /* addresses; the bitmap stays small */
#define DEFAULT_LEASE 3600
#define IP_UDP_HEADERS 28     /* option 57 counts the IP and UDP headers */
#define FLAG_BROADCAST 0x8000 /* RFC 2131 figure 2 */

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

static int64_t clock_realtime(void)
{
	return (int64_t)time(NULL);
}

/* ---- reservations: open addressing over the hosts that have an ip ---- */

static int res_build(struct dhcp_logic *dl)
{
	const struct config *cfg = dl->cfg;
	size_t n = 16;

	while (n < 2 * cfg->nhosts)
		n *= 2;
	dl->res = calloc(n, sizeof(*dl->res));
	if (!dl->res)
		return -ENOMEM;
	dl->res_mask = n - 1;
	for (size_t i = 0; i < cfg->nhosts; i++) {
		const struct cfg_host *h = &cfg->hosts[i];
		if (h->ip.s_addr == INADDR_ANY)
			continue;
		size_t s = fnv1a(h->mac, 6) & dl->res_mask;
		while (dl->res[s] && memcmp(dl->res[s]->mac, h->mac, 6) != 0)
			s = (s + 1) & dl->res_mask;
		if (!dl->res[s]) /* first entry for a MAC wins; config.c rejects dups */
			dl->res[s] = h;
	}
	return 0;
}

static const struct cfg_host *res_lookup(const struct dhcp_logic *dl, const uint8_t mac[6])
{
	size_t s = fnv1a(mac, 6) & dl->res_mask;

	while (dl->res[s]) {
		if (memcmp(dl->res[s]->mac, mac, 6) == 0)
			return dl->res[s];
		s = (s + 1) & dl->res_mask;
	}
	return NULL;
}

/* ---- the dynamic pool: a bitmap hint, verified against the leases ---- */

static bool bit_get(const uint64_t *map, uint32_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}

static void bit_set(uint64_t *map, uint32_t i, bool v)
{
	if (v)
		map[i / 64] |= UINT64_C(1) << (i % 64);
	else
		map[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

static bool pool_index(const struct dhcp_net *n, struct in_addr ip, uint32_t *idx)
{
	uint32_t h = ntohl(ip.s_addr);

	if (n->pool_size == 0 || h < n->pool_first || h - n->pool_first >= n->pool_size)
		return false;
	*idx = h - n->pool_first;
	return true;
}

static struct in_addr pool_addr(const struct dhcp_net *n, uint32_t idx)
{
	struct in_addr a = {htonl(n->pool_first + idx)};
	return a;
}

/* Can mac be given ip from n's pool right now? Free, expired, or its own. */
static bool pool_usable(struct dhcp_logic *dl, const struct dhcp_net *n, struct in_addr ip,
			const uint8_t mac[6], int64_t now)
{
	uint32_t idx;
	struct lease *l;

	if (!pool_index(n, ip, &idx) || bit_get(n->pool_reserved, idx))
		return false;
	l = lease_by_ip(dl->leases, ip);
	if (!l || l->expires <= now)
		return true;
	return l->state != LEASE_DECLINED && memcmp(l->mac, mac, 6) == 0;
}

struct rebuild_ctx {
	struct dhcp_net *net;
	int64_t now;
};

static void rebuild_one(struct lease *l, void *arg)
{
	struct rebuild_ctx *c = arg;
	uint32_t idx;

	if (l->expires > c->now && pool_index(c->net, l->ip, &idx))
		bit_set(c->net->pool_used, idx, true);
}

/* Recompute one network's hint from the leases: frees expired and
 * released addresses. Only done when the hint says that pool is full. */
static void pool_rebuild(struct dhcp_logic *dl, struct dhcp_net *n, int64_t now)
{
	struct rebuild_ctx c = {n, now};

	memcpy(n->pool_used, n->pool_reserved, (n->pool_size + 63) / 64 * 8);
	lease_store_foreach(dl->leases, rebuild_one, &c);
}

/* Next address of n's pool from the cursor on that is free. Never-used
 * addresses come first; expired ones are reclaimed only once those run
 * out, so returning clients keep finding their old address. */
static bool pool_alloc(struct dhcp_logic *dl, struct dhcp_net *net, const uint8_t mac[6],
		       int64_t now, struct in_addr *ip)
{
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			pool_rebuild(dl, net, now);
		for (uint32_t n = 0; n < net->pool_size; n++) {
			uint32_t idx = (net->pool_cursor + n) % net->pool_size;
			if (idx % 64 == 0 && net->pool_used[idx / 64] == UINT64_MAX &&
			    n + 64 <= net->pool_size) {
				n += 63;
				continue;
			}
			if (bit_get(net->pool_used, idx))
				continue;
			bit_set(net->pool_used, idx, true);
			if (!pool_usable(dl, net, pool_addr(net, idx), mac, now))
				continue;
			net->pool_cursor = (idx + 1) % net->pool_size;
			*ip = pool_addr(net, idx);
			return true;
		}
	}
	return false;
}

static int pool_init(struct dhcp_logic *dl, struct dhcp_net *n, const struct cfg_subnet *sn)
{
	const struct config *cfg = dl->cfg;
	uint32_t first = ntohl(sn->range_start.s_addr), last = ntohl(sn->range_end.s_addr);
	size_t words;

	n->cfg = sn;
	if (sn->range_start.s_addr == INADDR_ANY)
		return 0;
	if (last < first || last - first >= POOL_MAX) {
		log_err("dhcp: range must be start <= end and hold at most %u addresses", POOL_MAX);
		return -EINVAL;
	}
	n->pool_first = first;
	n->pool_size = last - first + 1;
	words = (n->pool_size + 63) / 64;
	n->pool_used = calloc(words, 8);
	n->pool_reserved = calloc(words, 8);
	if (!n->pool_used || !n->pool_reserved)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nhosts; i++) {
		uint32_t idx;
		if (cfg->hosts[i].ip.s_addr && pool_index(n, cfg->hosts[i].ip, &idx))
			bit_set(n->pool_reserved, idx, true);
	}
	/* Bits past the end of the range count as taken. */
	for (uint32_t i = n->pool_size; i < words * 64; i++)
		bit_set(n->pool_reserved, i, true);
	pool_rebuild(dl, n, dl->clock());
	return 0;
}

/* nets[0] is the serving interface's network, then the relayed ones. */
static int nets_init(struct dhcp_logic *dl)
{
	const struct config *cfg = dl->cfg;
	int r;

	dl->nets = calloc(1 + cfg->nrelay_nets, sizeof(*dl->nets));
	if (!dl->nets)
		return -ENOMEM;
	dl->nnets = 1 + cfg->nrelay_nets;
	for (size_t i = 0; i < dl->nnets; i++)
		if ((r = pool_init(dl, &dl->nets[i], i ? &cfg->relay_nets[i - 1] : &cfg->net)) < 0)
			return r;
	return 0;
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
	if ((r = res_build(dl)) < 0 || (r = nets_init(dl)) < 0) {
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
}

/* The network a request is served from: the interface's for a direct
 * one, the one holding giaddr for a relayed one (RFC 2131 4.3.1);
 * NULL when no configured network holds giaddr. */
static struct dhcp_net *net_for(const struct dhcp_logic *dl, const struct dhcp_msg *m)
{
	if (m->giaddr.s_addr == INADDR_ANY)
		return &dl->nets[0];
	for (size_t i = 0; i < dl->nnets; i++)
		if (cfg_subnet_has(dl->nets[i].cfg, m->giaddr))
			return &dl->nets[i];
	return NULL;
}

/* ---- replies ---- */

static uint32_t lease_secs(const struct req_ctx *c)
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
		uint32_t lt = lease_secs(c);
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

static int build_reply(struct dhcp_logic *dl, const struct req_ctx *c, uint8_t type,
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

static void log_exchange(const struct req_ctx *c, const char *result, struct in_addr ip)
{
	dhcp_log_exchange(LOG_LVL_INFO, c, result, ip);
}

/* ---- handlers (RFC 2131 4.3) ---- */

/* The address this client should get: its reservation; else the address it
 * had; else the one it asks for (option 50); else the next free one. All
 * but the reservation come from the pool of the request's network. */
static bool choose_address(struct dhcp_logic *dl, const struct req_ctx *c, struct in_addr *ip)
{
	const uint8_t *mac = c->msg->chaddr;
	struct lease *l;
	struct in_addr want;

	if (c->resv) {
		*ip = c->resv->ip;
		return true;
	}
	l = lease_by_mac(dl->leases, mac);
	if (l && pool_usable(dl, c->net, l->ip, mac, c->now)) {
		*ip = l->ip;
		return true;
	}
	if (dhcp_opt_addr(c->msg, DHO_REQUESTED_IP, &want) &&
	    pool_usable(dl, c->net, want, mac, c->now)) {
		*ip = want;
		return true;
	}
	return pool_alloc(dl, c->net, mac, c->now, ip);
}

static bool can_serve(const struct req_ctx *c)
{
	return c->resv || c->net->pool_size > 0;
}

static int handle_discover(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out)
{
	const uint8_t *mac = c->msg->chaddr;
	struct in_addr ip;
	struct lease *l;
	int r;

	if (!can_serve(c))
		return 0;
	if (!choose_address(dl, c, &ip)) {
		dl->stats.pool_exhausted++;
		c->net->stats.pool_exhausted++;
		if (dhcp_warn_due(dl, c, 'P'))
			log_warn("dhcp: %s %s: no free address in the pool%s", c->mac, c->name,
				 c->warn_held);
		return 0;
	}
	/* Hold the address for the offer, unless the client already has it
	 * bound (a rebooting client must not lose its lease to a DISCOVER). */
	l = lease_by_mac(dl->leases, mac);
	if (!(l && l->ip.s_addr == ip.s_addr && l->state == LEASE_BOUND && l->expires > c->now)) {
		r = lease_store_set(dl->leases, mac, ip, c->now + DHCP_OFFER_HOLD, LEASE_OFFERED);
		if (r < 0)
			return DHCP_ESTORE;
	}
	dhcp_log_exchange(LOG_LVL_DEBUG, c, "DHCPOFFER", ip);
	return build_reply(dl, c, DHCPOFFER, ip, out);
}

/* RFC 2131 4.3.2: which address a REQUEST asks for depends on the client
 * state: SELECTING (54 + 50), INIT-REBOOT (50 only), RENEWING/REBINDING
 * (ciaddr only). Returns false when the request is not for us. */
static bool request_addr(struct dhcp_logic *dl, const struct req_ctx *c, struct in_addr *ip)
{
	struct in_addr sid;
	struct lease *l;

	if (dhcp_opt_addr(c->msg, DHO_SERVER_ID, &sid)) {
		if (sid.s_addr != dl->cfg->address.s_addr) {
			/* The client took another server's offer: free ours. */
			l = lease_by_mac(dl->leases, c->msg->chaddr);
			if (l && l->state == LEASE_OFFERED)
				lease_store_remove(dl->leases, l);
			return false;
		}
		if (dhcp_opt_addr(c->msg, DHO_REQUESTED_IP, ip))
			return true;
		*ip = c->msg->ciaddr; /* tolerated: some clients put it there */
		return ip->s_addr != INADDR_ANY;
	}
	if (dhcp_opt_addr(c->msg, DHO_REQUESTED_IP, ip))
		return true;
	*ip = c->msg->ciaddr;
	return ip->s_addr != INADDR_ANY;
}

static int handle_request(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out)
{
	struct in_addr ip, none = {INADDR_ANY};
	bool ok;
	int r;

	if (!can_serve(c) || !request_addr(dl, c, &ip))
		return 0;
	/* Authoritative for this segment: a wrong address gets a NAK so the
	 * client restarts at DISCOVER instead of waiting out its timers. */
	if (c->resv)
		ok = ip.s_addr == c->resv->ip.s_addr;
	else
		ok = pool_usable(dl, c->net, ip, c->msg->chaddr, c->now);
	if (!ok) {
		log_exchange(c, "DHCPNAK", ip);
		return build_reply(dl, c, DHCPNAK, none, out);
	}
	r = lease_store_set(dl->leases, c->msg->chaddr, ip, c->now + lease_secs(c), LEASE_BOUND);
	if (r < 0) {
		log_err("dhcp: %s: cannot record lease: %s", c->mac, strerror(-r));
		return DHCP_ESTORE;
	}
	log_exchange(c, "DHCPACK", ip);
	return build_reply(dl, c, DHCPACK, ip, out);
}

/* A RELEASE or DECLINE names a server id; one for another server is not
 * ours to act on (RFC 2131 4.3.3, 4.3.4). */
static bool for_us(const struct dhcp_logic *dl, const struct dhcp_msg *m)
{
	struct in_addr sid;

	return !dhcp_opt_addr(m, DHO_SERVER_ID, &sid) || sid.s_addr == dl->cfg->address.s_addr;
}

static int handle_release(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out)
{
	struct lease *l = lease_by_mac(dl->leases, c->msg->chaddr);
	int r;

	(void)out;
	if (!for_us(dl, c->msg) || !l || l->ip.s_addr != c->msg->ciaddr.s_addr ||
	    l->state != LEASE_BOUND)
		return 0;
	/* Keep the record (expired now) so the client finds the same address
	 * again while nobody else needs it. */
	r = lease_store_set(dl->leases, c->msg->chaddr, l->ip, c->now, LEASE_RELEASED);
	if (r < 0)
		return DHCP_ESTORE;
	c->loader = NULL;
	log_exchange(c, "released", c->msg->ciaddr);
	return 0;
}

static int handle_decline(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out)
{
	struct lease *l = lease_by_mac(dl->leases, c->msg->chaddr);
	struct in_addr ip;
	int r;

	(void)out;
	if (!for_us(dl, c->msg) || !dhcp_opt_addr(c->msg, DHO_REQUESTED_IP, &ip) || !l ||
	    l->ip.s_addr != ip.s_addr)
		return 0;
	/* The client found the address in use (ARP): keep it out of the
	 * pool for a lease time (RFC 2131 4.3.3). */
	r = lease_store_set(dl->leases, c->msg->chaddr, ip, c->now + lease_secs(c), LEASE_DECLINED);
	if (r < 0)
		return DHCP_ESTORE;
	c->loader = NULL;
	log_exchange(c, "declined (address in use?)", ip);
	return 0;
}

/* RFC 2131 4.3.5: configuration only, for a client that has an address
 * in the network it asks from. */
static int handle_inform(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out)
{
	struct in_addr none = {INADDR_ANY};

	if (c->msg->ciaddr.s_addr == INADDR_ANY || !cfg_subnet_has(c->net->cfg, c->msg->ciaddr))
		return 0;
	log_exchange(c, "DHCPACK", c->msg->ciaddr);
	return build_reply(dl, c, DHCPACK, none, out);
}

static const struct {
	uint8_t type;
	int (*fn)(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out);
} handlers[] = {
    {DHCPDISCOVER, handle_discover}, {DHCPREQUEST, handle_request}, {DHCPDECLINE, handle_decline},
    {DHCPRELEASE, handle_release},   {DHCPINFORM, handle_inform},
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

struct net_count {
	const struct dhcp_logic *dl;
	uint64_t *counts;
	int64_t now;
};

static void count_lease(struct lease *l, void *arg)
{
	struct net_count *a = arg;

	if (l->state != LEASE_BOUND || l->expires <= a->now)
		return;
	for (size_t i = 0; i < a->dl->nnets; i++)
		if (cfg_subnet_has(a->dl->nets[i].cfg, l->ip)) {
			a->counts[i]++;
			return;
		}
}

void dhcp_logic_net_leases(struct dhcp_logic *dl, uint64_t *counts)
{
	struct net_count a = {dl, counts, dl->clock()};

	memset(counts, 0, dl->nnets * sizeof(*counts));
	lease_store_foreach(dl->leases, count_lease, &a);
}

int dhcp_ctx_init(struct dhcp_logic *dl, const struct dhcp_msg *m, struct req_ctx *c)
{
	const struct dhcp_opt *hn = &m->opt[DHO_HOSTNAME];

	/* RFC 2131 4.3.1: a relayed request is served from the network giaddr
	 * is on; a relay in a network we do not serve gets nothing rather
	 * than an address that does not work there (the caller logs it). */
	c->msg = m;
	if (!(c->net = net_for(dl, m)))
		return DHCP_ENOSUBNET;
	c->now = dl->clock();
	c->host = res_lookup(dl, m->chaddr);
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
	if (dl->cfg->dhcp_mode == DHCP_MODE_PROXY) {
		r = dhcp_proxy_handle(dl, &c, NULL, out);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(handlers); i++)
			if (handlers[i].type == msg.msg_type) {
				r = handlers[i].fn(dl, &c, out);
				break;
			}
	}
	if (r == 0)
		dl->stats.ignored++;
	return r;
}
