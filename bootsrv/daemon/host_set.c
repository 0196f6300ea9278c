/* host_set.c - the hosts enrolled at run time, tied into the running
 * daemon: each gets a host state (hoststate.c), DHCP's reservations follow
 * every change (dhcp_logic_set_hosts), and the boot configs find them
 * through hoststate. Everything here runs on the loop thread, like the
 * DHCP logic it updates. */
#include "server.h"

#include "dhcp/dhcp_server.h"
#include "dhcp/lease_store.h"
#include "host_enroll.h"
#include "hoststate.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool image_known(void *arg, const char *name)
{
	struct server *srv = arg;

	server_images_refresh(srv);
	return server_image(srv, name) != NULL;
}

/* DHCP serves the set as it is now (before a removed host is freed). */
static void hosts_changed(struct server *srv)
{
	struct dhcp_logic *dl = dhcp_srv_logic(srv->dhcp);

	/* cannot fail: room was made before an add, a removal only shrinks */
	if (dl && dhcp_logic_set_hosts(dl, host_enroll_hosts(srv->enrolled),
				       host_enroll_count(srv->enrolled)) < 0)
		log_err("dhcp: cannot rebuild the reservations: out of memory");
}

int hosts_start(struct server *srv)
{
	size_t n;

	if (!(srv->enrolled = host_enroll_open(srv->cfg, image_known, srv)))
		return -EIO;
	n = host_enroll_count(srv->enrolled);
	for (size_t i = 0; i < n; i++) {
		const struct cfg_host *h = host_enroll_hosts(srv->enrolled)[i];
		int r = hoststate_add(srv->hosts, h, true);
		if (r < 0) {
			log_err("enrolled host %s: %s", h->name, strerror(-r));
			return r;
		}
	}
	if (n)
		log_info("%zu enrolled hosts served beside the config's %zu", n, srv->cfg->nhosts);
	return 0;
}

void hosts_stop(struct server *srv)
{
	/* dhcp, tftp and http stopped before (reverse order); hoststate,
	 * closed after the parts, does not read its hosts' cfg on close */
	host_enroll_close(srv->enrolled);
	srv->enrolled = NULL;
}

/* Is h's address leased, unexpired, to another client? Reserving it now
 * would put it on two machines until that client renews (and is NAKed). */
static int lease_clash(const struct server *srv, struct dhcp_logic *dl, const struct cfg_host *h,
		       char *why, size_t whysz)
{
	const struct cfg_host *o;
	struct lease *l;
	char mac[18];
	int64_t now;

	if (!dl || !h->ip.s_addr || !(l = lease_by_ip(dl->leases, h->ip)))
		return 0;
	now = dl->clock();
	if (l->expires <= now || l->state == LEASE_RELEASED || memcmp(l->mac, h->mac, 6) == 0)
		return 0;
	if (!(o = config_host_by_mac(srv->cfg, l->mac)))
		o = host_enroll_by_mac(srv->enrolled, l->mac);
	if (o && o->ip.s_addr == h->ip.s_addr)
		return 0; /* its holder's reservation: the enrollment says whose */
	mac_format(l->mac, ':', mac);
	snprintf(why, whysz,
		 "host \"%s\": address %s is %s %s for %lld s more: choose another, or "
		 "enroll it once that lease ends",
		 h->name, inet_ntoa(h->ip),
		 l->state == LEASE_DECLINED ? "declined (in use) by"
		 : l->state == LEASE_OFFERED ? "offered to"
					     : "leased to",
		 mac, (long long)(l->expires - now));
	return -EEXIST;
}

int server_host_add(struct server *srv, const struct cfg_host *h, char *why, size_t whysz)
{
	struct dhcp_logic *dl = dhcp_srv_logic(srv->dhcp);
	const struct cfg_host *c;
	char mac[18];
	int r;

	if ((r = lease_clash(srv, dl, h, why, whysz)) < 0)
		return r;
	/* room in DHCP's reservations first: once enrolled, the host is served */
	if (dl && dhcp_logic_reserve_hosts(dl, host_enroll_count(srv->enrolled) + 1) < 0) {
		snprintf(why, whysz, "out of memory");
		return -ENOMEM;
	}
	if ((r = host_enroll_add(srv->enrolled, h, why, whysz)) < 0)
		return r;
	c = host_enroll_get(srv->enrolled, h->name);
	if ((r = hoststate_add(srv->hosts, c, false)) < 0) {
		/* cannot be served: undo the enrollment */
		host_enroll_free(host_enroll_take(srv->enrolled, h->name));
		snprintf(why, whysz, "cannot add the host's state: %s", strerror(-r));
		return r;
	}
	hosts_changed(srv);
	mac_format(c->mac, ':', mac);
	log_info("host %s enrolled: mac %s ip %s image %s", c->name, mac,
		 c->ip.s_addr ? inet_ntoa(c->ip) : "-", c->image[0] ? c->image : "-");
	return 0;
}

int server_host_remove(struct server *srv, const char *name, char *why, size_t whysz)
{
	const struct host_rt *rt = hoststate_get(srv->hosts, name);
	struct cfg_host *h;
	int r;

	if (!host_enroll_get(srv->enrolled, name)) {
		if (config_host_by_name(srv->cfg, name)) {
			snprintf(why, whysz, "host \"%s\" is in %s: remove it there", name,
				 srv->cfg->path);
			return -EPERM;
		}
		snprintf(why, whysz, "no enrolled host \"%s\"", name);
		return -ENOENT;
	}
	if (rt && rt->state == HOST_INSTALLING) {
		snprintf(why, whysz, "host \"%s\" is installing", name);
		return -EBUSY;
	}
	if (!(h = host_enroll_take(srv->enrolled, name))) {
		r = -errno;
		snprintf(why, whysz, "cannot remove the host: %s", strerror(-r));
		return r;
	}
	hosts_changed(srv);
	if ((r = hoststate_remove(srv->hosts, name)) < 0) /* forgotten all the same */
		log_warn("host %s: state file not removed: %s", name, strerror(-r));
	host_enroll_free(h);
	log_info("host %s removed", name);
	return 0;
}
