/* rogue_detect.c - see rogue_detect.h. */
#include "rogue_detect.h"

#include "dhcp_codec.h"
#include "log.h"
#include "pkt_frame.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define FLAG_BROADCAST 0x8000

void rogue_init(struct rogue *r, const struct config *cfg, const uint8_t self_mac[6])
{
	memset(r, 0, sizeof(*r));
	r->self = cfg->address;
	rogue_set_mac(r, self_mac);
	r->proxy = cfg->dhcp_mode == DHCP_MODE_PROXY;
	r->allow = cfg->allow_other_servers;
}

void rogue_set_mac(struct rogue *r, const uint8_t self_mac[6])
{
	memcpy(r->self_mac, self_mac, 6);
	/* Our own MAC with the locally administered bit: stable across
	 * probes (a server offers it the same address each time instead of
	 * filling its pool) and never a real NIC's. */
	memcpy(r->probe_mac, self_mac, 6);
	r->probe_mac[0] = (uint8_t)((r->probe_mac[0] | 0x02) & ~0x01);
	if (memcmp(r->probe_mac, self_mac, 6) == 0)
		r->probe_mac[5] ^= 0xff;
}

void rogue_describe(const struct rogue_server *s, char *buf, size_t size)
{
	char sid[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN], mac[18];

	inet_ntop(AF_INET, &s->server_id, sid, sizeof(sid));
	inet_ntop(AF_INET, &s->ip, ip, sizeof(ip));
	mac_format(s->mac, ':', mac);
	snprintf(buf, size, "server-id %s, MAC %s, IP %s", sid, mac, ip);
}

/* A reply that hands out an address (OFFER or ACK with yiaddr), from a
 * DHCP server port, whose server id and source are not ours. proxyDHCP
 * answers (yiaddr 0) assign nothing and do not compete with us. */
static bool foreign_reply(const struct rogue *r, const struct frame_info *fi,
			  const struct dhcp_msg *m, struct in_addr *sid)
{
	if (fi->sport != DHCP_SERVER_PORT || m->op != DHCP_BOOTREPLY)
		return false;
	if (m->msg_type != DHCPOFFER && m->msg_type != DHCPACK)
		return false;
	if (m->yiaddr.s_addr == INADDR_ANY)
		return false;
	if (!dhcp_opt_addr(m, DHO_SERVER_ID, sid))
		*sid = fi->src;
	if (sid->s_addr == r->self.s_addr || fi->src.s_addr == r->self.s_addr ||
	    memcmp(fi->src_mac, r->self_mac, 6) == 0)
		return false;
	return true;
}

static struct rogue_server *find_server(struct rogue *r, struct in_addr sid, const uint8_t mac[6])
{
	for (size_t i = 0; i < r->nservers; i++)
		if (r->servers[i].server_id.s_addr == sid.s_addr &&
		    memcmp(r->servers[i].mac, mac, 6) == 0)
			return &r->servers[i];
	return NULL;
}

static void log_appeared(const struct rogue *r, const struct rogue_server *s)
{
	char who[128], offered[INET_ADDRSTRLEN];

	rogue_describe(s, who, sizeof(who));
	inet_ntop(AF_INET, &s->offered, offered, sizeof(offered));
	if (r->proxy)
		log_info("dhcp: DHCP server on the segment (%s, offered %s): expected in proxy "
			 "mode", who, offered);
	else if (r->allow)
		log_warn("dhcp: another DHCP server on the segment (%s, offered %s): serving "
			 "anyway (dhcp.allow_other_servers = true)", who, offered);
	else
		log_err("dhcp: another DHCP server on the segment (%s, offered %s): not serving "
			"until it is gone (or set dhcp.allow_other_servers = true)", who, offered);
}

enum rogue_event rogue_note_frame(struct rogue *r, const uint8_t *frame, size_t len)
{
	struct frame_info fi;
	struct dhcp_msg m;
	struct in_addr sid;
	struct rogue_server *s;

	if (frame_decode(frame, len, &fi) < 0 || fi.proto != IPPROTO_UDP ||
	    dhcp_parse(fi.payload, fi.payload_len, &m) < 0 || !foreign_reply(r, &fi, &m, &sid))
		return ROGUE_EV_NONE;
	r->foreign_replies++;
	s = find_server(r, sid, fi.src_mac);
	if (s) {
		s->seen_this_round = true;
		s->offered = m.yiaddr;
		s->replies++;
		return ROGUE_EV_NONE;
	}
	if (r->nservers == ROGUE_MAX_SERVERS) {
		/* Still counted by foreign_replies and still blocking. */
		r->servers[ROGUE_MAX_SERVERS - 1].seen_this_round = true;
		return ROGUE_EV_NONE;
	}
	s = &r->servers[r->nservers++];
	*s = (struct rogue_server){.server_id = sid, .ip = fi.src, .offered = m.yiaddr,
				   .replies = 1, .seen_this_round = true};
	memcpy(s->mac, fi.src_mac, 6);
	r->appeared++;
	log_appeared(r, s);
	return ROGUE_EV_APPEARED;
}

void rogue_round_start(struct rogue *r)
{
	r->probes++;
	for (size_t i = 0; i < r->nservers; i++)
		r->servers[i].seen_this_round = false;
}

enum rogue_event rogue_round_end(struct rogue *r)
{
	size_t kept = 0, before = r->nservers;
	char who[128];

	r->rounds++;
	r->checked = true;
	for (size_t i = 0; i < r->nservers; i++) {
		if (r->servers[i].seen_this_round) {
			r->servers[kept++] = r->servers[i];
			continue;
		}
		rogue_describe(&r->servers[i], who, sizeof(who));
		log_info("dhcp: DHCP server %s did not answer the last probe: gone", who);
		r->gone++;
	}
	r->nservers = kept;
	if (before > 0 && kept == 0) {
		if (!r->proxy && !r->allow)
			log_warn("dhcp: no other DHCP server answers any more: serving again");
		return ROGUE_EV_GONE;
	}
	return ROGUE_EV_NONE;
}

bool rogue_blocks(const struct rogue *r)
{
	return r->nservers > 0 && !r->proxy && !r->allow;
}

int rogue_build_probe(const struct rogue *r, uint32_t xid, uint8_t *buf, size_t size)
{
	static const uint8_t params[] = {DHO_SUBNET_MASK, DHO_ROUTER, DHO_DNS, DHO_SERVER_ID};
	uint8_t dhcp[DHCP_MIN_REPLY];
	struct dhcp_builder b;
	int n;

	dhcp_build_init(&b, dhcp, sizeof(dhcp), sizeof(dhcp), DHCP_BOOTREQUEST, NULL);
	dhcp_build_set_xid_chaddr(&b, xid, r->probe_mac, 6);
	/* Broadcast flag: answers must reach us although the probe MAC is
	 * not our interface's (RFC 2131 4.1). */
	dhcp_build_set_flags(&b, FLAG_BROADCAST);
	dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPDISCOVER);
	dhcp_build_opt(&b, DHO_PARAM_REQ, params, sizeof(params));
	dhcp_build_opt(&b, DHO_HOSTNAME, "bootsrv-probe", 13);
	n = dhcp_build_finish(&b);
	if (n < 0)
		return n;
	return frame_build_udp_broadcast(buf, size, r->self_mac, DHCP_CLIENT_PORT,
					 DHCP_SERVER_PORT, dhcp, (size_t)n);
}
