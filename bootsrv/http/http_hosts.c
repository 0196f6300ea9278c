/* http_hosts.c - see http_hosts.h. */
#include "http_hosts.h"

#include "daemon/host_enroll.h"
#include "dhcp/dhcp_server.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static unsigned status_of(int r)
{
	switch (r) {
	case -EINVAL:
		return 400;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EPERM:
	case -EBUSY:
	case -ENOSPC:
		return 409;
	default:
		return 500;
	}
}

static unsigned refused(const char *what, const char *name, int r, const char *why, json_t **out)
{
	char ename[2 * NAME_MAX_LEN + 8], ewhy[600];

	log_escape(name, strlen(name), ename, sizeof(ename));
	log_escape(why, strlen(why), ewhy, sizeof(ewhy));
	log_warn("api: %s %s refused: %s", what, ename, ewhy);
	*out = json_pack("{s:s}", "error", why);
	return status_of(r);
}

static json_t *host_obj(const struct cfg_host *h)
{
	char mac[18], ip[INET_ADDRSTRLEN] = "";
	json_t *txt = json_array();

	mac_format(h->mac, ':', mac);
	if (h->ip.s_addr)
		inet_ntop(AF_INET, &h->ip, ip, sizeof(ip));
	for (size_t i = 0; txt && i < h->ntxt; i++)
		json_array_append_new(txt, json_string(h->txt[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:o?, s:s}", "name", h->name, "mac", mac, "ip", ip,
			 "image", h->image, "txt", txt, "source", "enrolled");
}

unsigned http_hosts_add(struct server *srv, json_t *body, json_t **out)
{
	const char *name = json_string_value(json_object_get(body, "name"));
	struct cfg_host h;
	char why[512];
	int r;

	if ((r = host_enroll_from_json(body, &h, why, sizeof(why))) < 0)
		return refused("host add", name ? name : "-", r, why, out);
	r = server_host_add(srv, &h, why, sizeof(why));
	host_enroll_clear(&h);
	if (r < 0)
		return refused("host add", name, r, why, out);
	*out = host_obj(host_enroll_get(srv->enrolled, name));
	return 201;
}

unsigned http_hosts_delete(struct server *srv, const char *name, json_t **out)
{
	char why[512];
	int r = server_host_remove(srv, name, why, sizeof(why));

	if (r < 0)
		return refused("host rm", name, r, why, out);
	*out = json_pack("{s:s, s:b}", "name", name, "removed", 1);
	return 200;
}

static void add_entry(const struct disc_entry *e, void *arg)
{
	char mac[18];

	mac_format(e->mac, ':', mac);
	json_array_append_new(arg,
			      json_pack("{s:s, s:I, s:I, s:i, s:s, s:I}", "mac", mac, "first_seen",
					(json_int_t)e->first_seen, "last_seen",
					(json_int_t)e->last_seen, "arch", e->arch, "vendor_class",
					e->vendor, "requests", (json_int_t)e->requests));
}

json_t *http_discovered_list(struct server *srv)
{
	struct dhcp_logic *dl = dhcp_srv_logic(srv->dhcp);
	json_t *arr = json_array();

	if (dl && arr)
		discovered_foreach(&dl->disc, add_entry, arr);
	return json_pack("{s:o?, s:I}", "discovered", arr, "evicted",
			 (json_int_t)(dl ? dl->disc.evicted : 0));
}
