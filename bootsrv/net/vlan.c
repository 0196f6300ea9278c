/* vlan.c - server.vlan = { parent; id; }: the serving interface is the
 * VLAN sub-interface "parent.id". When it does not exist, bootsrv creates
 * it (libnl-route-3), gives it server.address with the dhcp subnet's
 * prefix and brings it up, before anything binds to that address; one
 * that exists is used as it is (its addresses are the admin's). */
#include "daemon/server.h"

#include "log.h"
#include "nl_errno.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vlan.h>

static int add_vlan(struct nl_sock *sk, const struct config *cfg, int parent)
{
	struct rtnl_link *l = rtnl_link_vlan_alloc();
	int r = -NLE_NOMEM;

	if (l) {
		rtnl_link_set_link(l, parent);
		rtnl_link_set_name(l, cfg->interface);
		rtnl_link_set_flags(l, IFF_UP);
		if ((r = rtnl_link_vlan_set_id(l, (uint16_t)cfg->vlan_id)) == 0)
			r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(l);
	}
	if (r < 0)
		log_err("vlan: cannot create %s (VLAN %d on %s): %s", cfg->interface, cfg->vlan_id,
			cfg->vlan_parent, nl_geterror(r));
	return r;
}

static int add_address(struct nl_sock *sk, const struct config *cfg, int ifindex)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &cfg->address, sizeof(cfg->address));
	int r = -NLE_NOMEM;

	if (a && local) {
		nl_addr_set_prefixlen(local, netmask_bits(cfg->net.netmask));
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		r = rtnl_addr_add(sk, a, 0);
	}
	if (r < 0)
		log_err("vlan: cannot give %s the address %s: %s", cfg->interface,
			inet_ntoa(cfg->address), nl_geterror(r));
	nl_addr_put(local);
	rtnl_addr_put(a);
	return r;
}

int vlan_start(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct nl_sock *sk;
	char net[CIDR_STRLEN];
	int parent, ifindex, r;

	if (!cfg->vlan_id || if_nametoindex(cfg->interface))
		return 0;
	if (!(parent = (int)if_nametoindex(cfg->vlan_parent))) {
		log_err("vlan: parent interface %s of %s does not exist", cfg->vlan_parent,
			cfg->interface);
		return -ENODEV;
	}
	if (!(sk = nl_socket_alloc()))
		return -ENOMEM;
	if ((r = nl_connect(sk, NETLINK_ROUTE)) < 0)
		log_err("vlan: netlink: %s", nl_geterror(r));
	else if ((r = add_vlan(sk, cfg, parent)) == 0) {
		ifindex = (int)if_nametoindex(cfg->interface);
		r = ifindex ? add_address(sk, cfg, ifindex) : -NLE_NODEV;
	}
	nl_socket_free(sk);
	if (r < 0)
		return nl_errno(r);
	cidr_format(cfg->address, cfg->net.netmask, net);
	log_info("vlan: created %s (VLAN %d on %s), address %s, up", cfg->interface, cfg->vlan_id,
		 cfg->vlan_parent, net);
	return 0;
}

/* The sub-interface stays: clients and routes may use it after bootsrv. */
void vlan_stop(struct server *srv)
{
	(void)srv;
}
