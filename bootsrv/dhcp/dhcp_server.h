/* dhcp_server.h - the DHCP server's protocol logic (RFC 2131), no sockets.
 *
 * dhcp_server_handle() takes one received datagram and produces at most one
 * reply plus where it must go; dhcp_sock.c does the I/O. Leases live in a
 * lease_store; the caller must lease_store_sync() before sending a reply
 * (an ACK must never announce a lease the journal could lose).
 *
 * Addresses: a host listed in the config with an ip gets that address
 * (reservations win); other clients get one from the range of the network
 * the request comes from: the serving interface's (cfg->net) for a direct
 * request, the relayed network holding giaddr (cfg->relay_nets) for a
 * relayed one. A reservation counts only in its own network: a listed host
 * asking from another one is served from that network's pool.
 * Leases are keyed by chaddr, not by client identifier (61): reservations
 * are by MAC, and the PXE ROM, the installer and the installed system send
 * different client identifiers for the same NIC; keying by MAC gives them
 * one address across all boot stages. */
#ifndef BOOTSRV_DHCP_SERVER_H
#define BOOTSRV_DHCP_SERVER_H

#include "common/config.h"
#include "dhcp_codec.h"
#include "discovered.h"
#include "lease_store.h"
#include "warn_limit.h"

#include <stdint.h>

#define DHCP_OFFER_HOLD 60 /* seconds an offered address stays held */

enum dhcp_dest {
	DHCP_DEST_BROADCAST, /* 255.255.255.255:68 out of the interface */
	DHCP_DEST_UNICAST,   /* addr:68, a client that has an address */
	DHCP_DEST_RELAY,     /* giaddr:server port (RFC 2131 4.1) */
	DHCP_DEST_CHADDR,    /* yiaddr:68 at chaddr: no address yet, no broadcast bit */
};
extern const char *const dhcp_dest_names[];

struct dhcp_reply {
	size_t len;
	enum dhcp_dest dest;
	struct in_addr addr; /* destination address */
	uint16_t port;	     /* destination port, host order */
	uint8_t chaddr[6];   /* DHCP_DEST_CHADDR: the neighbour entry's MAC */
	struct in_addr yiaddr;
	uint8_t msg_type; /* DHCPOFFER, DHCPACK or DHCPNAK */
	/* set by the socket layer: out of the interface the request came in
	 * on, from the address it was sent to (IP_PKTINFO) */
	int ifindex;
	struct in_addr src;
	uint8_t buf[DHCP_MAX_MSG]; /* last: the fields above are cleared per reply */
};

/* Counters for /metrics. */
struct dhcp_stats {
	uint64_t received, malformed, ignored;
	uint64_t in[9]; /* per request message type, index = type (1..8) */
	uint64_t offers, acks, naks;
	uint64_t pool_exhausted;
	uint64_t refused; /* not answered: another server is on the segment */
};

/* What one network served (the /metrics per network). */
struct dhcp_net_stats {
	uint64_t offers, acks, naks;
	uint64_t pool_exhausted;
	uint64_t misplaced; /* a listed host asking here for a reservation elsewhere */
};

/* One network's dynamic pool over its range_start..range_end (host byte
 * order). */
struct dhcp_net {
	const struct cfg_subnet *cfg;
	uint32_t pool_first;
	uint32_t pool_size;	 /* 0: no pool */
	uint64_t *pool_used;	 /* hint: set = probably taken */
	uint64_t *pool_reserved; /* set = reserved for a listed host */
	uint32_t pool_cursor;
	struct dhcp_net_stats stats;
};

struct dhcp_logic {
	const struct config *cfg;
	struct lease_store *leases;
	int64_t (*clock)(void); /* realtime seconds */
	/* the listed hosts: open hash MAC -> host, the config's and the
	 * extra ones (enrolled at run time); reservations are those with an ip */
	const struct cfg_host **res;
	size_t res_mask;
	const struct cfg_host *const *extra;
	size_t nextra;
	/* unknown MACs that PXE-booted */
	struct discovered disc;
	struct dhcp_net *nets; /* [0]: cfg->net, then cfg->relay_nets in order */
	size_t nnets;
	struct dhcp_stats stats;
	/* warnings a retrying client would repeat: once a minute per client */
	struct warn_limit warns;
};

/* Seconds between two warnings about the same client and problem. */
#define DHCP_WARN_WINDOW 60

/* dhcp_server_handle() could not record a lease (logged already); distinct
 * from the enum dhcp_err codes. */
#define DHCP_ESTORE (-64)
/* A relayed request whose giaddr is in no configured network: dropped. */
#define DHCP_ENOSUBNET (-65)

/* Set up logic for cfg over leases (both must outlive it). clock == NULL:
 * time(). Returns 0 or -errno (-EINVAL: unusable range). */
int dhcp_logic_init(struct dhcp_logic *dl, const struct config *cfg, struct lease_store *leases,
		    int64_t (*clock)(void));
void dhcp_logic_free(struct dhcp_logic *dl);
/* Serve the hosts of extra (n of them, enrolled at run time) beside the
 * config's: reservations and the pools' reserved addresses are rebuilt,
 * and their MACs leave the discovered table. The array and the hosts must
 * stay valid until the next call. Called on the loop thread, like
 * dhcp_server_handle (the journal's helper thread never reads hosts).
 * 0 or -ENOMEM (then the old set is still served); never fails for
 * n up to what dhcp_logic_reserve_hosts() made room for. */
int dhcp_logic_set_hosts(struct dhcp_logic *dl, const struct cfg_host *const *extra, size_t n);

/* Room for n extra hosts, made before the set grows, so that the set's
 * change cannot fail half-way: 0 or -ENOMEM (nothing changed). */
int dhcp_logic_reserve_hosts(struct dhcp_logic *dl, size_t n);

/* Handle one datagram. Returns the reply's message type (> 0) with *out
 * filled, 0 when nothing is to be sent (not for us, a RELEASE...), a
 * negative enum dhcp_err for a bad datagram, or DHCP_ESTORE. */
int dhcp_server_handle(struct dhcp_logic *dl, const uint8_t *pkt, size_t len,
		       struct dhcp_reply *out);

/* proxyDHCP's port 4011 (PXE 2.1 2.2.2): a datagram that came from
 * from:from_port (host order). Answered by unicast to that address and
 * port, in any mode; returns like dhcp_server_handle(). In proxy mode
 * dhcp_server_handle() itself answers only PXE DISCOVERs, without an
 * address. */
int dhcp_server_handle_pxe(struct dhcp_logic *dl, const uint8_t *pkt, size_t len,
			   struct in_addr from, uint16_t from_port, struct dhcp_reply *out);

/* "DHCPDISCOVER" etc.; "DHCP?" for unknown types. */
const char *dhcp_msg_name(uint8_t type);
/* Text for a negative dhcp_server_handle() result. */
const char *dhcp_server_strerror(int err);

/* Bound, unexpired leases per network: counts[i] for dl->nets[i]
 * (counts has dl->nnets entries). Walks every lease. */
void dhcp_logic_net_leases(struct dhcp_logic *dl, uint64_t *counts);

/* The running server's counters (dhcp_sock.c), NULL when DHCP is off. */
struct dhcp_srv;
const struct dhcp_stats *dhcp_srv_stats(const struct dhcp_srv *d);
/* Its networks' logic (per-network counters, leases), NULL when off. */
struct dhcp_logic *dhcp_srv_logic(struct dhcp_srv *d);
/* Its rogue-server watch, NULL when detection is off. */
struct rogue_watch;
const struct rogue_watch *dhcp_srv_rogue(const struct dhcp_srv *d);

#endif
