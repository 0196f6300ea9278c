/* pkt_frame.h - Ethernet II / IPv4 / UDP framing for the frames libpcap
 * hands us and the one frame we inject (the rogue-server probe). Pure: no
 * sockets, no pcap; one cursor with a bounds check before every read. */
#ifndef BOOTSRV_PKT_FRAME_H
#define BOOTSRV_PKT_FRAME_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HDR_LEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100

enum frame_err {
	FRAME_ETRUNCATED = -1, /* shorter than its headers say */
	FRAME_ENOTIP = -2,     /* not IPv4 (ARP and others) */
	FRAME_EBADIP = -3,     /* IPv4 header malformed */
	FRAME_EFRAGMENT = -4,  /* a later fragment: no transport header */
	FRAME_ENOSPACE = -5,   /* builder: buffer too small */
};

/* What a decoded frame says about itself. */
struct frame_info {
	uint8_t dst_mac[6], src_mac[6];
	uint16_t ethertype; /* after at most one 802.1Q tag */
	struct in_addr src, dst;
	uint8_t proto;		  /* IPPROTO_UDP, IPPROTO_TCP... */
	uint16_t sport, dport;	  /* UDP/TCP ports, host order; 0 otherwise */
	const uint8_t *payload;	  /* UDP payload (NULL unless proto == UDP) */
	size_t payload_len;
	/* ARP (ethertype 0x0806, Ethernet/IPv4 only) */
	struct in_addr arp_sender, arp_target;
};

/* Decode frame. Returns 0 for IPv4, FRAME_ENOTIP (with the Ethernet fields
 * and, for ARP, arp_sender/arp_target filled), or another enum frame_err. */
int frame_decode(const uint8_t *frame, size_t len, struct frame_info *fi);

/* Wrap a UDP payload into a broadcast Ethernet/IPv4/UDP frame from
 * src_mac, 0.0.0.0:sport to 255.255.255.255:dport (how a client without an
 * address sends, RFC 2131 4.1). Returns the frame length or FRAME_ENOSPACE. */
int frame_build_udp_broadcast(uint8_t *buf, size_t size, const uint8_t src_mac[6],
			      uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len);

const char *frame_strerror(int err);

#endif
