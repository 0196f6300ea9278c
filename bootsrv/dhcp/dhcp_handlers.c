/* dhcp_handlers.c - the authoritative server's answer to each message
 * type (RFC 2131 4.3): DISCOVER, REQUEST, DECLINE, RELEASE and INFORM,
 * dispatched through handlers[]. */
#include "dhcp_ctx.h"

#include "log.h"
#include "util.h"

#include <string.h>

static void log_exchange(const struct req_ctx *c, const char *result, struct in_addr ip)
{
	dhcp_log_exchange(LOG_LVL_INFO, c, result, ip);
}

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
	if (l && dhcp_pool_usable(dl, c->net, l->ip, mac, c->now)) {
		*ip = l->ip;
		return true;
	}
	if (dhcp_opt_addr(c->msg, DHO_REQUESTED_IP, &want) &&
	    dhcp_pool_usable(dl, c->net, want, mac, c->now)) {
		*ip = want;
		return true;
	}
	return dhcp_pool_alloc(dl, c->net, mac, c->now, ip);
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
	return dhcp_reply_build(dl, c, DHCPOFFER, ip, out);
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
		ok = dhcp_pool_usable(dl, c->net, ip, c->msg->chaddr, c->now);
	if (!ok) {
		log_exchange(c, "DHCPNAK", ip);
		return dhcp_reply_build(dl, c, DHCPNAK, none, out);
	}
	r = lease_store_set(dl->leases, c->msg->chaddr, ip, c->now + dhcp_lease_secs(c),
			    LEASE_BOUND);
	if (r < 0) {
		log_err("dhcp: %s: cannot record lease: %s", c->mac, strerror(-r));
		return DHCP_ESTORE;
	}
	log_exchange(c, "DHCPACK", ip);
	return dhcp_reply_build(dl, c, DHCPACK, ip, out);
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
	r = lease_store_set(dl->leases, c->msg->chaddr, ip, c->now + dhcp_lease_secs(c),
			    LEASE_DECLINED);
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
	return dhcp_reply_build(dl, c, DHCPACK, none, out);
}

static const struct {
	uint8_t type;
	int (*fn)(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out);
} handlers[] = {
    {DHCPDISCOVER, handle_discover}, {DHCPREQUEST, handle_request}, {DHCPDECLINE, handle_decline},
    {DHCPRELEASE, handle_release},   {DHCPINFORM, handle_inform},
};

int dhcp_handlers_dispatch(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(handlers); i++)
		if (handlers[i].type == c->msg->msg_type)
			return handlers[i].fn(dl, c, out);
	return 0;
}
