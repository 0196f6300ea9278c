/* capture_match.h - which frames `bootsrv capture` keeps. Pure: no pcap.
 *
 * A host is followed by its MAC and by its addresses: DHCP (ports 67, 68,
 * 4011) by chaddr, whoever sends it (a relay's frames carry the relay's
 * MAC); everything else (TFTP, HTTP, rsync, ARP) by the host's IPv4
 * addresses or Ethernet address. Addresses come from the reservation,
 * the lease journal and every DHCPACK seen for the host during the
 * capture, so a pool client is followed from its first ACK on. */
#ifndef BOOTSRV_CAPTURE_MATCH_H
#define BOOTSRV_CAPTURE_MATCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_HOST_IPS 4 /* addresses followed per host (newest kept) */

struct capture_host {
	char name[64];
	uint8_t mac[6];
	struct in_addr ip[CAPTURE_HOST_IPS];
	size_t nip;
};

struct capture_set {
	struct capture_host *hosts;
	size_t n;
};

enum capture_verdict {
	CAPTURE_SKIP,
	CAPTURE_KEEP,
	CAPTURE_KEEP_LEARNED, /* kept, and a host got a new address */
};

/* Follow ip for h too. Returns true when it was new. */
bool capture_host_add_ip(struct capture_host *h, struct in_addr ip);

enum capture_verdict capture_match(struct capture_set *s, const uint8_t *frame, size_t len);

/* The kernel (BPF) pre-filter in pcap syntax for the set's current
 * addresses: "udp port 67 or ... or ether host M or host A ...". Returns
 * a malloc'd string or NULL (no memory). */
char *capture_filter_expr(const struct capture_set *s);

#endif
