/* pkt_frame.c - see pkt_frame.h. RFC 791 (IPv4), RFC 768 (UDP), RFC 826
 * (ARP), IEEE 802.1Q (one VLAN tag: a capture on a trunk parent shows it). */
#include "pkt_frame.h"

#include <string.h>

#define IPV4_MIN_HDR 20
#define UDP_HDR 8
#define TCP_MIN_HDR 20
#define ARP_ETH_IPV4_LEN 28

struct cursor {
	const uint8_t *p;
	size_t rem;
};

static bool take(struct cursor *c, size_t n, const uint8_t **out)
{
	if (c->rem < n)
		return false;
	*out = c->p;
	c->p += n;
	c->rem -= n;
	return true;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

const char *frame_strerror(int err)
{
	switch (err) {
	case FRAME_ETRUNCATED: return "truncated frame";
	case FRAME_ENOTIP: return "not IPv4";
	case FRAME_EBADIP: return "malformed IPv4 header";
	case FRAME_EFRAGMENT: return "IPv4 fragment";
	case FRAME_ENOSPACE: return "frame does not fit";
	default: return "frame error";
	}
}

static int decode_arp(struct cursor *c, struct frame_info *fi)
{
	const uint8_t *a;

	/* htype 1, ptype IPv4, hlen 6, plen 4: sender IP at 14, target at 24 */
	if (take(c, ARP_ETH_IPV4_LEN, &a) && get16(a) == 1 && get16(a + 2) == ETHERTYPE_IPV4 &&
	    a[4] == 6 && a[5] == 4) {
		memcpy(&fi->arp_sender, a + 14, 4);
		memcpy(&fi->arp_target, a + 24, 4);
	}
	return FRAME_ENOTIP;
}

static int decode_transport(struct cursor *c, struct frame_info *fi)
{
	const uint8_t *h;

	if (fi->proto == IPPROTO_UDP) {
		if (!take(c, UDP_HDR, &h))
			return FRAME_ETRUNCATED;
		uint16_t ulen = get16(h + 4);
		if (ulen < UDP_HDR || (size_t)(ulen - UDP_HDR) > c->rem)
			return FRAME_ETRUNCATED;
		fi->sport = get16(h);
		fi->dport = get16(h + 2);
		fi->payload = c->p;
		fi->payload_len = ulen - UDP_HDR;
	} else if (fi->proto == IPPROTO_TCP) {
		if (!take(c, TCP_MIN_HDR, &h))
			return FRAME_ETRUNCATED;
		fi->sport = get16(h);
		fi->dport = get16(h + 2);
	}
	return 0;
}

int frame_decode(const uint8_t *frame, size_t len, struct frame_info *fi)
{
	struct cursor c = {frame, len};
	const uint8_t *h;
	size_t ihl, total;

	memset(fi, 0, sizeof(*fi));
	if (!take(&c, ETH_HDR_LEN, &h))
		return FRAME_ETRUNCATED;
	memcpy(fi->dst_mac, h, 6);
	memcpy(fi->src_mac, h + 6, 6);
	fi->ethertype = get16(h + 12);
	if (fi->ethertype == ETHERTYPE_VLAN) {
		if (!take(&c, 4, &h))
			return FRAME_ETRUNCATED;
		fi->ethertype = get16(h + 2);
	}
	if (fi->ethertype == ETHERTYPE_ARP)
		return decode_arp(&c, fi);
	if (fi->ethertype != ETHERTYPE_IPV4)
		return FRAME_ENOTIP;
	if (c.rem < IPV4_MIN_HDR)
		return FRAME_ETRUNCATED;
	ihl = (size_t)(c.p[0] & 0x0f) * 4;
	total = get16(c.p + 2);
	if (c.p[0] >> 4 != 4 || ihl < IPV4_MIN_HDR || total < ihl)
		return FRAME_EBADIP;
	if (total > c.rem)
		return FRAME_ETRUNCATED;
	c.rem = total; /* Ethernet pads short frames: trust the IP length */
	take(&c, ihl, &h);
	fi->proto = h[9];
	memcpy(&fi->src, h + 12, 4);
	memcpy(&fi->dst, h + 16, 4);
	if (get16(h + 6) & 0x1fff)
		return FRAME_EFRAGMENT;
	return decode_transport(&c, fi);
}

/* RFC 1071 ones' complement sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int frame_build_udp_broadcast(uint8_t *buf, size_t size, const uint8_t src_mac[6],
			      uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len)
{
	size_t total = ETH_HDR_LEN + IPV4_MIN_HDR + UDP_HDR + len;
	uint8_t *ip = buf + ETH_HDR_LEN, *udp = ip + IPV4_MIN_HDR, pseudo[12] = {0};
	uint32_t sum;

	if (total > size || IPV4_MIN_HDR + UDP_HDR + len > 0xffff)
		return FRAME_ENOSPACE;
	memset(buf, 0, ETH_HDR_LEN + IPV4_MIN_HDR + UDP_HDR);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, src_mac, 6);
	put16(buf + 12, ETHERTYPE_IPV4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IPV4_MIN_HDR + UDP_HDR + len));
	ip[8] = 64; /* TTL */
	ip[9] = IPPROTO_UDP;
	memset(ip + 16, 0xff, 4); /* source 0.0.0.0, destination broadcast */
	put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_MIN_HDR)));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(UDP_HDR + len));
	memcpy(udp + UDP_HDR, payload, len);
	/* pseudo header: src, dst, zero, protocol, UDP length */
	memcpy(pseudo + 4, ip + 16, 4);
	pseudo[9] = IPPROTO_UDP;
	put16(pseudo + 10, (uint16_t)(UDP_HDR + len));
	sum = csum_add(csum_add(0, pseudo, sizeof(pseudo)), udp, UDP_HDR + len);
	uint16_t c = csum_fold(sum);
	put16(udp + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
	return (int)total;
}
