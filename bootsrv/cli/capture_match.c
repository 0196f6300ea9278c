/* capture_match.c - see capture_match.h. */
#include "capture_match.h"

#include "dhcp_codec.h"
#include "pkt_frame.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static bool is_dhcp_port(uint16_t p)
{
	return p == DHCP_SERVER_PORT || p == DHCP_CLIENT_PORT || p == PXE_SERVER_PORT;
}

bool capture_host_add_ip(struct capture_host *h, struct in_addr ip)
{
	if (ip.s_addr == INADDR_ANY || ip.s_addr == INADDR_BROADCAST)
		return false;
	for (size_t i = 0; i < h->nip; i++)
		if (h->ip[i].s_addr == ip.s_addr)
			return false;
	if (h->nip == CAPTURE_HOST_IPS) { /* forget the oldest */
		memmove(h->ip, h->ip + 1, sizeof(h->ip[0]) * (CAPTURE_HOST_IPS - 1));
		h->nip--;
	}
	h->ip[h->nip++] = ip;
	return true;
}

static struct capture_host *by_mac(struct capture_set *s, const uint8_t *mac)
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->hosts[i].mac, mac, 6) == 0)
			return &s->hosts[i];
	return NULL;
}

static bool has_ip(const struct capture_set *s, struct in_addr a)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->hosts[i].nip; j++)
			if (s->hosts[i].ip[j].s_addr == a.s_addr)
				return true;
	return false;
}

/* DHCP is matched by chaddr only: broadcasts to and from other clients
 * share ports and addresses with ours. An ACK teaches the address. */
static enum capture_verdict match_dhcp(struct capture_set *s, const struct frame_info *fi)
{
	struct dhcp_msg m;
	struct capture_host *h;

	if (dhcp_parse(fi->payload, fi->payload_len, &m) < 0 || m.hlen != 6 ||
	    !(h = by_mac(s, m.chaddr)))
		return CAPTURE_SKIP;
	if (m.op == DHCP_BOOTREPLY && m.msg_type == DHCPACK && capture_host_add_ip(h, m.yiaddr))
		return CAPTURE_KEEP_LEARNED;
	return CAPTURE_KEEP;
}

enum capture_verdict capture_match(struct capture_set *s, const uint8_t *frame, size_t len)
{
	struct frame_info fi;
	int r = frame_decode(frame, len, &fi);

	if (r == FRAME_ETRUNCATED)
		return CAPTURE_SKIP;
	if (r == 0 && fi.proto == IPPROTO_UDP && (is_dhcp_port(fi.sport) || is_dhcp_port(fi.dport))) {
		enum capture_verdict v = match_dhcp(s, &fi);
		if (v != CAPTURE_SKIP)
			return v;
		/* not DHCP of ours: a host with an address may still use 68 */
	}
	if (by_mac(s, fi.src_mac) || by_mac(s, fi.dst_mac))
		return CAPTURE_KEEP;
	if (r == 0 && (has_ip(s, fi.src) || has_ip(s, fi.dst)))
		return CAPTURE_KEEP;
	if (r == FRAME_ENOTIP && fi.ethertype == ETHERTYPE_ARP &&
	    (has_ip(s, fi.arp_sender) || has_ip(s, fi.arp_target)))
		return CAPTURE_KEEP;
	return CAPTURE_SKIP;
}

char *capture_filter_expr(const struct capture_set *s)
{
	static const char base[] = "udp port 67 or udp port 68 or udp port 4011";
	size_t size = sizeof(base), used;
	char *buf, mac[18], ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < s->n; i++)
		size += sizeof(" or ether host 00:00:00:00:00:00") +
			s->hosts[i].nip * sizeof(" or host 255.255.255.255");
	if (!(buf = malloc(size)))
		return NULL;
	used = (size_t)snprintf(buf, size, "%s", base);
	for (size_t i = 0; i < s->n; i++) {
		mac_format(s->hosts[i].mac, ':', mac);
		used += (size_t)snprintf(buf + used, size - used, " or ether host %s", mac);
		for (size_t j = 0; j < s->hosts[i].nip; j++) {
			inet_ntop(AF_INET, &s->hosts[i].ip[j], ip, sizeof(ip));
			used += (size_t)snprintf(buf + used, size - used, " or host %s", ip);
		}
	}
	return buf;
}
