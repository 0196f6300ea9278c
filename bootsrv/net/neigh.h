/* neigh.h - neighbour (ARP) entries through rtnetlink (libnl-route-3).
 *
 * RFC 2131 4.1: a client without an address that did not ask for
 * broadcast replies gets its OFFER and ACK unicast to chaddr at yiaddr.
 * It cannot answer ARP for an address it does not have yet, so the server
 * enters yiaddr -> chaddr into the neighbour table first (as dnsmasq and
 * ISC dhcpd do with SIOCSARP). The entry is NUD_REACHABLE: the kernel
 * ages it out by itself, and the client's own ARP replaces it once it is
 * configured. */
#ifndef BOOTSRV_NEIGH_H
#define BOOTSRV_NEIGH_H

#include <netinet/in.h>
#include <stdint.h>

struct neigh_ctl;

/* Open a NETLINK_ROUTE socket. NULL with *err = -errno when impossible. */
struct neigh_ctl *neigh_open(int *err);
void neigh_close(struct neigh_ctl *n);
/* ip is at mac on interface ifindex. Returns 0 or -errno (logged). */
int neigh_set(struct neigh_ctl *n, int ifindex, struct in_addr ip, const uint8_t mac[6]);

#endif
