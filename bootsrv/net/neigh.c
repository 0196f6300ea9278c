/* neigh.c - neighbour entries through libnl-route-3, see neigh.h. */
#include "neigh.h"

#include "log.h"
#include "nl_errno.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>
#include <stdlib.h>

struct neigh_ctl {
	struct nl_sock *sk;
};

struct neigh_ctl *neigh_open(int *err)
{
	struct neigh_ctl *n = calloc(1, sizeof(*n));
	int r;

	if (!n || !(n->sk = nl_socket_alloc())) {
		free(n);
		*err = -ENOMEM;
		return NULL;
	}
	if ((r = nl_connect(n->sk, NETLINK_ROUTE)) < 0) {
		log_err("neigh: netlink: %s", nl_geterror(r));
		nl_socket_free(n->sk);
		free(n);
		*err = nl_errno(r);
		return NULL;
	}
	return n;
}

void neigh_close(struct neigh_ctl *n)
{
	if (!n)
		return;
	nl_socket_free(n->sk);
	free(n);
}

int neigh_set(struct neigh_ctl *n, int ifindex, struct in_addr ip, const uint8_t mac[6])
{
	struct rtnl_neigh *ne = rtnl_neigh_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET, &ip, sizeof(ip));
	struct nl_addr *ll = nl_addr_build(AF_LLC, mac, 6);
	int r = -NLE_NOMEM;

	if (ne && dst && ll) {
		rtnl_neigh_set_ifindex(ne, ifindex);
		rtnl_neigh_set_dst(ne, dst);
		rtnl_neigh_set_lladdr(ne, ll);
		rtnl_neigh_set_state(ne, NUD_REACHABLE);
		/* the kernel handles the request before sendmsg returns: the
		 * ack costs no wait worth avoiding, and reports errors */
		r = rtnl_neigh_add(n->sk, ne, NLM_F_CREATE | NLM_F_REPLACE);
	}
	if (r < 0)
		log_warn("neigh: %s on ifindex %d: %s", inet_ntoa(ip), ifindex, nl_geterror(r));
	nl_addr_put(dst);
	nl_addr_put(ll);
	rtnl_neigh_put(ne);
	return r < 0 ? nl_errno(r) : 0;
}
