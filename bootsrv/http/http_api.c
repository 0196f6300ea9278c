/* http_api.c - /api/v1/ routes (see DESIGN.md "API"), one table.
 *
 * Admin routes need the admin token, installer routes the host's one-time
 * token; anything else gets 401 before any state is touched. Peer-supplied
 * strings are escaped before they reach a log line. */
#include "http_api.h"

#include "boot_rule.h"
#include "common/config.h"
#include "daemon/frozen.h"
#include "daemon/hoststate.h"
#include "http_hosts.h"
#include "http_images.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INVENTORY_MAX HTTP_BODY_MAX

enum api_auth { AUTH_ADMIN, AUTH_INSTALL };

struct api_call {
	struct server *srv;
	const struct http_request *req;
	struct http_reply *rep;
	const char *name; /* host name from the path, "" when none */
	json_t *body;	  /* parsed request body (POST), or NULL */
};

typedef int (*api_fn)(struct api_call *c);

struct api_route {
	const char *method;
	const char *kind;   /* "hosts" / "install" */
	bool named;	    /* /KIND/NAME... */
	const char *action; /* last segment, NULL when none */
	enum api_auth auth;
	api_fn fn;
};

static int reply_json(struct http_reply *rep, unsigned status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!text)
		return -ENOMEM;
	free(rep->body);
	rep->status = status;
	rep->body = text;
	rep->len = strlen(text);
	rep->content_type = "application/json";
	return 0;
}

int http_reply_error(struct http_reply *rep, unsigned status, const char *msg)
{
	return reply_json(rep, status, json_pack("{s:s}", "error", msg));
}

static void esc(const char *s, char *out, size_t outsz)
{
	log_escape(s ? s : "", s ? strlen(s) : 0, out, outsz);
}

/* Errors from hoststate transitions -> HTTP. */
static int reply_errno(struct api_call *c, int r, const char *what)
{
	switch (r) {
	case -ENOENT:
		return http_reply_error(c->rep, 404, what);
	case -EINVAL:
		return http_reply_error(c->rep, 409, what);
	default:
		return http_reply_error(c->rep, 500, strerror(-r));
	}
}

static json_t *host_json(const struct host_rt *h)
{
	char mac[18], ip[INET_ADDRSTRLEN] = "";

	mac_format(h->cfg->mac, ':', mac);
	if (h->cfg->ip.s_addr != INADDR_ANY)
		inet_ntop(AF_INET, &h->cfg->ip, ip, sizeof(ip));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:I, s:I, s:s, s:I, s:I, "
			 "s:I, s:I, s:s, s:b, s:s, s:s, s:s}",
			 "name", h->cfg->name, "mac", mac, "ip", ip, "state",
			 host_state_names[h->state], "image", h->image, "flavor", h->flavor, "once",
			 h->once, "step", h->step, "percent", h->percent, "bytes",
			 (json_int_t)h->bytes, "rate", (json_int_t)h->rate, "message", h->message,
			 "changed_at", (json_int_t)h->changed_at, "started_at",
			 (json_int_t)h->started_at, "progress_at", (json_int_t)h->progress_at,
			 "finished_at", (json_int_t)h->finished_at, "error", h->error,
			 "next_boot_installs", hoststate_wants_install(h), "frozen", h->frozen,
			 "source", h->enrolled ? "enrolled" : "config", "default_image", h->cfg->image);
}

/* The host's remembered events, newest first. */
static json_t *events_json(const struct hoststate *hs, const struct host_rt *h)
{
	const struct host_event *ev;
	json_t *arr = json_array();

	for (size_t i = 0; arr && (ev = hoststate_event_at(hs, h, i)); i++)
		if (json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:s, s:s}", "at",
							 (json_int_t)ev->at, "last_at",
							 (json_int_t)ev->last_at, "repeats",
							 (json_int_t)ev->repeats, "event", ev->event,
							 "detail", ev->detail)) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

static int inventory_path(const struct server *srv, const char *name, char *out, size_t outsz)
{
	if (snprintf(out, outsz, "%s/hosts/%s.inventory.json", srv->cfg->state_dir, name) >=
	    (int)outsz)
		return -ENAMETOOLONG;
	return 0;
}

/* Make room for at least want more bytes after len. 0 or -ENOMEM. */
static int buf_reserve(char **buf, size_t len, size_t *cap, size_t want)
{
	char *p;

	if (*cap - len >= want)
		return 0;
	if (!(p = realloc(*buf, (len + want) * 2)))
		return -ENOMEM;
	*buf = p;
	*cap = (len + want) * 2;
	return 0;
}

/* Append j (stolen) compactly to *buf, keeping one spare byte after it
 * (for a ',' or the closing bytes' reserve). 0 or -ENOMEM. */
static int append_json(char **buf, size_t *len, size_t *cap, json_t *j)
{
	const size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
	size_t need;
	int r = -ENOMEM;

	if (!j)
		return -ENOMEM;
	/* the caller may have used the spare byte for a ',': restore it
	 * before computing the room, or *cap - *len - 1 wraps */
	if (buf_reserve(buf, *len, cap, 2) < 0)
		goto out;
	need = json_dumpb(j, *buf + *len, *cap - *len - 1, flags);
	if (need > *cap - *len - 1) { /* did not fit: grow, dump again */
		if (buf_reserve(buf, *len, cap, need + 1) < 0)
			goto out;
		need = json_dumpb(j, *buf + *len, *cap - *len - 1, flags);
	}
	if (need > 0) {
		*len += need;
		r = 0;
	}
out:
	json_decref(j);
	return r;
}

/* Append host h's JSON, rendered once per change of the host (memo). */
static int append_host(struct hoststate *hs, const struct host_rt *h, char **buf, size_t *len,
		       size_t *cap)
{
	struct host_memo *m = hoststate_memo(hs, h);
	size_t start = *len;
	char *text;
	int r;

	if (m && m->text && m->gen == h->gen) {
		if ((r = buf_reserve(buf, *len, cap, m->len + 1)) < 0)
			return r;
		memcpy(*buf + *len, m->text, m->len);
		*len += m->len;
		return 0;
	}
	if ((r = append_json(buf, len, cap, host_json(h))) < 0 || !m)
		return r;
	if ((text = malloc(*len - start))) { /* no memo is only slower */
		memcpy(text, *buf + start, *len - start);
		free(m->text);
		*m = (struct host_memo){ .text = text, .len = *len - start, .gen = h->gen };
	}
	return 0;
}

/* {"hosts":[...]} host by host into one buffer: 10,000 hosts must not
 * become one tree of 170,000 JSON values, and hosts that did not change
 * since the last listing are copied, not rendered again. */
static int api_hosts_list(struct api_call *c)
{
	static const char head[] = "{\"hosts\":[";
	size_t n = hoststate_count(c->srv->hosts), len = 0, cap = sizeof(head) + n * 480;
	char *buf = malloc(cap);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (i > 0) {
			if ((r = buf_reserve(&buf, len, &cap, 1)) < 0)
				break;
			buf[len++] = ',';
		}
		r = append_host(c->srv->hosts, hoststate_at(c->srv->hosts, i), &buf, &len, &cap);
	}
	if (r == 0)
		r = buf_reserve(&buf, len, &cap, 3);
	if (r < 0) {
		free(buf);
		return r;
	}
	memcpy(buf + len, "]}", 3);
	free(c->rep->body);
	c->rep->status = 200;
	c->rep->body = buf;
	c->rep->len = len + 2;
	c->rep->content_type = "application/json";
	return 0;
}

static int api_host_get(struct api_call *c)
{
	const struct host_rt *h = hoststate_get(c->srv->hosts, c->name);
	char path[PATH_MAX], *text = NULL;
	json_t *j, *inv = NULL;

	if (!h)
		return http_reply_error(c->rep, 404, "unknown host");
	j = host_json(h);
	if (j && inventory_path(c->srv, c->name, path, sizeof(path)) == 0 &&
	    read_file(path, INVENTORY_MAX, &text, NULL) == 0)
		inv = json_loads(text, 0, NULL);
	free(text);
	if (j && inv)
		json_object_set_new(j, "inventory", inv);
	if (j && json_object_set_new(j, "events", events_json(c->srv->hosts, h)) < 0) {
		json_decref(j);
		j = NULL;
	}
	return reply_json(c->rep, 200, j);
}

static int api_host_netboot(struct api_call *c)
{
	const struct host_rt *h = hoststate_get(c->srv->hosts, c->name);
	const char *image = NULL, *flavor = NULL;
	int once = 0, r;
	json_error_t e;

	if (!h)
		return http_reply_error(c->rep, 404, "unknown host");
	if (!c->body ||
	    json_unpack_ex(c->body, &e, 0, "{s?s, s?s, s?b}", "image", &image, "flavor", &flavor,
			   "once", &once) < 0)
		return http_reply_error(c->rep, 400, "body must be {image, flavor?, once?}");
	if (!image || !image[0])
		image = h->cfg->image; /* the host's configured image */
	if (!image[0])
		return http_reply_error(c->rep, 400, "no image given and none configured");
	server_images_refresh(c->srv);
	if (!server_image(c->srv, image))
		return http_reply_error(c->rep, 400, "unknown image");
	r = hoststate_netboot(c->srv->hosts, c->name, image, flavor, once);
	if (r == -EINVAL)
		return http_reply_error(c->rep, 400, "invalid flavor");
	if (r < 0)
		return reply_errno(c, r, "cannot arm host");
	/* the version this arm installs is taken now, in a child: an edit of
	 * the image after this reply does not reach this host's install */
	frozen_request(c->srv, c->name);
	return reply_json(c->rep, 200, host_json(h));
}

static int api_host_localboot(struct api_call *c)
{
	const struct host_rt *h = hoststate_get(c->srv->hosts, c->name);
	int r;

	if (!h)
		return http_reply_error(c->rep, 404, "unknown host");
	if ((r = hoststate_localboot(c->srv->hosts, c->name)) < 0)
		return reply_errno(c, r, "cannot disarm host");
	return reply_json(c->rep, 200, host_json(h));
}

static json_t *partition_json(const struct cfg_partition *p)
{
	static const struct {
		size_t off;
		const char *name;
	} flags[] = {
		{ offsetof(struct cfg_partition, flag_boot), "boot" },
		{ offsetof(struct cfg_partition, flag_esp), "esp" },
		{ offsetof(struct cfg_partition, flag_bios_grub), "bios_grub" },
		{ offsetof(struct cfg_partition, flag_lvm), "lvm" },
		{ offsetof(struct cfg_partition, flag_raid), "raid" },
	};
	json_t *fl = json_array();

	for (size_t i = 0; fl && i < ARRAY_SIZE(flags); i++)
		if (*(const bool *)((const char *)p + flags[i].off))
			json_array_append_new(fl, json_string(flags[i].name));
	if (!fl)
		return NULL;
	return json_pack("{s:I, s:b, s:s, s:s, s:s, s:s, s:o}", "size_bytes", (json_int_t)p->size,
			 "fill", p->fill, "fs", p->fs, "mount", p->mount, "label", p->label,
			 "options", p->options[0] ? p->options : "defaults", "flags", fl);
}

static json_t *layout_json(const struct cfg_layout *l)
{
	json_t *parts = json_array();

	for (size_t i = 0; parts && i < l->nparts; i++)
		if (json_array_append_new(parts, partition_json(&l->parts[i])) < 0) {
			json_decref(parts);
			parts = NULL;
		}
	if (!parts)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:o}", "name", l->name, "disk", l->disk, "label",
			 l->label, "partitions", parts);
}

static json_t *strings_json(char *const *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(v[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

/* "image_grub": the image's grub targets as its tree holds them now ([]
 * when it has no usable grub), so the installer decides on the boot loader
 * before it touches the disk; NULL (left out) when the image is not here
 * to look at. */
static json_t *image_grub_json(const struct cfg_image *img)
{
	struct boot_grub g;
	json_t *arr;

	if (!config_image_grub(img, &g))
		return NULL;
	arr = json_array();
	if (arr && g.install && g.mkconfig && g.i386_pc)
		json_array_append_new(arr, json_string("i386-pc"));
	if (arr && g.install && g.mkconfig && g.x86_64_efi)
		json_array_append_new(arr, json_string("x86_64-efi"));
	return arr;
}

static json_t *plan_json(const struct server *srv, const struct host_rt *h,
			 const struct cfg_image *img, const struct cfg_layout *lay)
{
	char addr[INET_ADDRSTRLEN], url[192];
	json_t *plan, *grub;

	inet_ntop(AF_INET, &srv->cfg->address, addr, sizeof(addr));
	/* the host's frozen version's module; the image's own only in a
	 * server without versions (tests of the routes alone) */
	snprintf(url, sizeof(url), "rsync://%s:%u/%s/", addr, (unsigned)srv->cfg->rsync_port,
		 h->frozen[0] ? h->frozen : img->name);
	plan = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:I, s:s}", "host",
			 h->cfg->name, "hostname", h->cfg->name, "image", img->name, "rsync_url",
			 url, "excludes", strings_json(img->excludes, img->nexcludes), "console",
			 srv->cfg->console, "txt", strings_json(h->cfg->txt, h->cfg->ntxt),
			 "layout", layout_json(lay), "hook_timeout",
			 (json_int_t)img->hook_timeout_s, "bootloader",
			 img->bootloader[0] ? img->bootloader : "auto");
	if (plan && (grub = image_grub_json(img)) && json_object_set_new(plan, "image_grub", grub) < 0) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

static int api_install_plan(struct api_call *c)
{
	const struct host_rt *h = hoststate_get(c->srv->hosts, c->name);
	const struct cfg_image *img;
	const struct cfg_layout *lay = NULL;
	json_t *plan;
	int r;

	server_images_refresh(c->srv);
	img = server_image(c->srv, h->image);
	if (img)
		lay = img->layout_ref ? img->layout_ref : config_layout(c->srv->cfg, img->layout);
	if (!img || !lay)
		return http_reply_error(c->rep, 409, "image or its layout is no longer configured");
	/* the installer retries a 503 (installer/report.c) */
	if (c->srv->frozen && h->state == HOST_NETBOOT && !h->frozen[0])
		return http_reply_error(c->rep, 503,
					"the image's frozen version is being made; retry");
	if (!(plan = plan_json(c->srv, h, img, lay)))
		return -ENOMEM;
	if ((r = hoststate_install_started(c->srv->hosts, c->name)) < 0) {
		json_decref(plan);
		if (r == -EINVAL)
			hoststate_event(c->srv->hosts, h, "refused",
					"plan: %s", h->once ? "--once arm already used" : "not armed");
		return reply_errno(c, r, h->once ? "the --once arm was already used"
						 : "host is not armed");
	}
	return reply_json(c->rep, 200, plan);
}

static int api_install_progress(struct api_call *c)
{
	const char *step = NULL, *msg = "";
	json_int_t bytes = 0;
	int percent = 0, r;
	json_error_t e;

	if (!c->body || json_unpack_ex(c->body, &e, 0, "{s:s, s?i, s?I, s?s}", "step", &step,
				       "percent", &percent, "bytes", &bytes, "message", &msg) < 0)
		return http_reply_error(c->rep, 400,
					"body must be {step, percent?, bytes?, message?}");
	if (percent < 0 || percent > 100 || bytes < 0)
		return http_reply_error(c->rep, 400, "percent must be 0-100, bytes >= 0");
	r = hoststate_progress(c->srv->hosts, c->name, step, percent, (uint64_t)bytes, msg);
	if (r < 0)
		return reply_errno(c, r, "host is not installing");
	return reply_json(c->rep, 200, json_pack("{s:b}", "ok", 1));
}

static int api_install_inventory(struct api_call *c)
{
	char path[PATH_MAX], *text;
	int r;

	if (!json_is_object(c->body))
		return http_reply_error(c->rep, 400, "body must be a JSON object");
	if ((r = inventory_path(c->srv, c->name, path, sizeof(path))) < 0)
		return reply_errno(c, r, "");
	if (!(text = json_dumps(c->body, JSON_INDENT(1) | JSON_SORT_KEYS)))
		return -ENOMEM;
	r = write_file_atomic(path, text, strlen(text), 0600);
	free(text);
	if (r < 0)
		return reply_errno(c, r, "");
	return reply_json(c->rep, 200, json_pack("{s:b}", "ok", 1));
}

static int api_install_done(struct api_call *c)
{
	const char *msg = "";
	int ok = 0, r;
	json_error_t e;

	if (!c->body ||
	    json_unpack_ex(c->body, &e, 0, "{s:b, s?s}", "ok", &ok, "message", &msg) < 0)
		return http_reply_error(c->rep, 400, "body must be {ok, message?}");
	if ((r = hoststate_done(c->srv->hosts, c->name, ok, msg)) < 0) {
		const struct host_rt *h = hoststate_get(c->srv->hosts, c->name);
		if (r == -EINVAL && h)
			hoststate_event(c->srv->hosts, h, "refused", "done while %s",
					host_state_names[h->state]);
		return reply_errno(c, r, "host is not installing");
	}
	return reply_json(c->rep, 200,
			  json_pack("{s:s}", "state", ok ? "installed" : "failed"));
}

static int api_images_list(struct api_call *c)
{
	return reply_json(c->rep, 200, http_images_list(c->srv));
}

static int api_image_delete(struct api_call *c)
{
	char why[512];
	unsigned st = http_images_delete(c->srv, c->name, why, sizeof(why));
	char ename[2 * NAME_MAX_LEN + 8], ewhy[600];

	esc(c->name, ename, sizeof(ename));
	esc(why, ewhy, sizeof(ewhy));
	if (st != 200) {
		log_warn("api: remove image %s refused: %s", ename, ewhy);
		return http_reply_error(c->rep, st, why);
	}
	return reply_json(c->rep, 200, json_pack("{s:s, s:b}", "name", c->name, "removed", 1));
}

static int api_host_add(struct api_call *c)
{
	json_t *j = NULL;
	unsigned st = http_hosts_add(c->srv, c->body, &j);
	return reply_json(c->rep, st, j);
}

static int api_host_delete(struct api_call *c)
{
	json_t *j = NULL;
	unsigned st = http_hosts_delete(c->srv, c->name, &j);
	return reply_json(c->rep, st, j);
}

static int api_discovered(struct api_call *c)
{
	return reply_json(c->rep, 200, http_discovered_list(c->srv));
}

static const struct api_route routes[] = {
    {"GET", "images", false, NULL, AUTH_ADMIN, api_images_list},
    {"DELETE", "images", true, NULL, AUTH_ADMIN, api_image_delete},
    {"GET", "hosts", false, NULL, AUTH_ADMIN, api_hosts_list},
    {"GET", "hosts", true, NULL, AUTH_ADMIN, api_host_get},
    {"POST", "hosts", false, NULL, AUTH_ADMIN, api_host_add},
    {"DELETE", "hosts", true, NULL, AUTH_ADMIN, api_host_delete},
    {"GET", "discovered", false, NULL, AUTH_ADMIN, api_discovered},
    {"POST", "hosts", true, "netboot", AUTH_ADMIN, api_host_netboot},
    {"POST", "hosts", true, "localboot", AUTH_ADMIN, api_host_localboot},
    {"GET", "install", true, "plan", AUTH_INSTALL, api_install_plan},
    {"POST", "install", true, "progress", AUTH_INSTALL, api_install_progress},
    {"POST", "install", true, "inventory", AUTH_INSTALL, api_install_inventory},
    {"POST", "install", true, "done", AUTH_INSTALL, api_install_done},
};

/* Split "KIND[/NAME[/ACTION]]" into segments; -EINVAL on anything else. */
static int split_path(const char *rest, char seg[3][NAME_MAX_LEN + 1], size_t *nseg)
{
	const char *p = rest;
	size_t n = 0;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 3 || len == 0 || len > NAME_MAX_LEN)
			return -EINVAL;
		memcpy(seg[n], p, len);
		seg[n++][len] = '\0';
		if (!slash)
			break;
		p = slash + 1;
	}
	*nseg = n;
	return 0;
}

/* Returns the route, or NULL with *status 404 (no such path) or 405. */
static const struct api_route *find_route(const char *method, char seg[3][NAME_MAX_LEN + 1],
					  size_t nseg, unsigned *status)
{
	bool path_known = false;

	*status = 404;
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		const struct api_route *rt = &routes[i];
		size_t want = 1 + (rt->named ? 1 : 0) + (rt->action ? 1 : 0);
		if (want != nseg || strcmp(rt->kind, seg[0]) != 0)
			continue;
		if (rt->action && strcmp(rt->action, seg[2]) != 0)
			continue;
		path_known = true;
		if (strcmp(rt->method, method) == 0)
			return rt;
	}
	if (path_known)
		*status = 405;
	return NULL;
}

/* "Bearer <token>" -> token, or NULL. */
static const char *bearer(const char *auth)
{
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return *auth ? auth : NULL;
}

static bool authorized(const struct server *srv, const struct api_route *rt, const char *name,
		       const char *token)
{
	if (!token)
		return false;
	if (rt->auth == AUTH_ADMIN)
		return srv->admin_token[0] && token_equal(srv->admin_token, token);
	return hoststate_token_ok(hoststate_get(srv->hosts, name), token);
}

/* Where a call may come from; checked before the token, refused with 403.
 * Admin calls: the server itself, loopback, and admin_allow when it is set.
 * Installer calls: the install token travels on the kernel command line,
 * which every client on the segment can read from the host's boot config,
 * so in authoritative mode the address reserved for the host is a second
 * factor. why gets the reason. */
static bool peer_allowed(const struct server *srv, const struct api_route *rt, const char *name,
			 struct in_addr peer, char *why, size_t whysz)
{
	const struct config *cfg = srv->cfg;
	char addr[INET_ADDRSTRLEN];

	if (rt->auth == AUTH_ADMIN) {
		if (cfg->nadmin_allow == 0 || peer.s_addr == cfg->address.s_addr ||
		    (ntohl(peer.s_addr) >> 24) == 127)
			return true;
		for (size_t i = 0; i < cfg->nadmin_allow; i++)
			if ((peer.s_addr & cfg->admin_allow_mask[i].s_addr) ==
			    cfg->admin_allow_net[i].s_addr)
				return true;
		snprintf(why, whysz, "admin calls are not allowed from this address");
		return false;
	}
	const struct host_rt *h = hoststate_get(srv->hosts, name);
	if (!cfg->install_from_host_ip || cfg->dhcp_mode != DHCP_MODE_AUTHORITATIVE || !h ||
	    h->cfg->ip.s_addr == INADDR_ANY || h->cfg->ip.s_addr == peer.s_addr)
		return true;
	inet_ntop(AF_INET, &h->cfg->ip, addr, sizeof(addr));
	snprintf(why, whysz, "install calls for %s are accepted only from its address %s", name,
		 addr);
	return false;
}

static int parse_body(struct api_call *c)
{
	json_error_t e;

	if (strcmp(c->req->method, "POST") != 0)
		return 0;
	if (!c->req->body || c->req->body_len == 0) {
		c->body = json_object(); /* an empty POST is an empty object */
		return c->body ? 0 : -ENOMEM;
	}
	c->body = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &e);
	return c->body ? 0 : -EINVAL;
}

int http_api_handle(struct server *srv, const struct http_request *req, struct http_reply *rep)
{
	char seg[3][NAME_MAX_LEN + 1], eurl[200], epeer[64], why[160];
	struct api_call c = { .srv = srv, .req = req, .rep = rep };
	const struct api_route *rt = NULL;
	size_t nseg = 0;
	unsigned status = 404;
	int r;

	esc(req->url, eurl, sizeof(eurl));
	esc(req->peer, epeer, sizeof(epeer));
	if (strncmp(req->url, HTTP_API_PREFIX, strlen(HTTP_API_PREFIX)) == 0 &&
	    split_path(req->url + strlen(HTTP_API_PREFIX), seg, &nseg) == 0)
		rt = find_route(req->method, seg, nseg, &status);
	if (!rt)
		return http_reply_error(rep, status, status == 405 ? "method not allowed"
								    : "no such API path");
	c.name = nseg > 1 ? seg[1] : "";
	if (!peer_allowed(srv, rt, c.name, req->peer_addr, why, sizeof(why))) {
		const struct host_rt *h = hoststate_get(srv->hosts, c.name);
		log_warn("api: %s %s %s: %s, refused", epeer, req->method, eurl, why);
		if (rt->auth == AUTH_INSTALL && h)
			hoststate_event(srv->hosts, h, "refused", "%s %s from %s: wrong address",
					req->method, rt->action, req->peer);
		return http_reply_error(rep, 403, why);
	}
	if (!authorized(srv, rt, c.name, bearer(req->authorization))) {
		const struct host_rt *h = hoststate_get(srv->hosts, c.name);
		log_warn("api: %s %s %s: missing or wrong token, refused", epeer, req->method, eurl);
		if (rt->auth == AUTH_INSTALL && h)
			hoststate_event(srv->hosts, h, "refused", "%s %s from %s: wrong token",
					req->method, rt->action, req->peer);
		return http_reply_error(rep, 401, "missing or wrong token");
	}
	if ((r = parse_body(&c)) < 0) {
		r = r == -EINVAL ? http_reply_error(rep, 400, "body is not valid JSON") : r;
		goto out;
	}
	r = rt->fn(&c);
	if (r == -ENOMEM)
		r = http_reply_error(rep, 500, "out of memory");
	/* polling (status, monitor) stays out of the info log */
	log_msg(strcmp(req->method, "GET") == 0 ? LOG_LVL_DEBUG : LOG_LVL_INFO,
		"api: %s %s %s -> %u", epeer, req->method, eurl, rep->status);
out:
	json_decref(c.body);
	return r;
}
