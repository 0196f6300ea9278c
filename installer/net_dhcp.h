/* net_dhcp.h - the installer's DHCP client (RFC 2131 DISCOVER / OFFER /
 * REQUEST / ACK) over lib/dhcp_codec.h. Message building and reply checking
 * are pure functions; dhcp_run() owns the socket, the timers and retries. */
#ifndef INSTALLER_NET_DHCP_H
#define INSTALLER_NET_DHCP_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_MAX_DNS 3

struct dhcp_lease {
	struct in_addr addr, mask, router, server, broadcast;
	struct in_addr dns[DHCP_MAX_DNS];
	unsigned n_dns;
	uint32_t lease_time;
	char ifname[IF_NAMESIZE];
};

/* Build a DISCOVER (offer == NULL) or a REQUEST for offer (selecting state:
 * requested-IP + server-id). Returns the length or a negative dhcp_err. */
int dhcp_client_build(uint8_t *buf, size_t bufsz, uint32_t xid, const uint8_t mac[6], uint16_t secs,
		      const struct dhcp_lease *offer);

/* Check a received datagram against our transaction. Returns the message
 * type (DHCPOFFER, DHCPACK, DHCPNAK) with *lease filled for OFFER/ACK, or 0
 * when the datagram is not for us / not usable. */
int dhcp_client_accept(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6],
		       struct dhcp_lease *lease);

/* Run DISCOVER..ACK on ifname (which must be up) until timeout_ms. Returns 0
 * with *lease filled, -ETIMEDOUT or -errno (reason in err). */
int dhcp_run(const char *ifname, const uint8_t mac[6], int64_t timeout_ms, struct dhcp_lease *lease,
	     char *err, size_t errsz);

#endif
