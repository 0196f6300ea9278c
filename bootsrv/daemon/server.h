/* server.h - the running daemon: one config, one loop, the parts that serve.
 *
 * Each part has start/stop functions called by server.c in order; each keeps
 * its own state behind an opaque pointer here. No part reaches into another's
 * state: they talk through the functions declared in their headers
 * (hoststate.h for host state, bootcfg.h for generated boot files). */
#ifndef BOOTSRV_SERVER_H
#define BOOTSRV_SERVER_H

#include "common/admin_token.h"
#include "common/config.h"
#include "common/loop.h"

struct hoststate;
struct dhcp_srv;
struct tftp_srv;
struct http_srv;
struct rsyncd;
struct image_store;
struct image_watch;
struct frozen;
struct host_enroll;
struct cfg_host;

struct server {
	struct config *cfg;
	struct loop *loop;
	struct hoststate *hosts;
	struct dhcp_srv *dhcp;
	struct tftp_srv *tftp;
	struct http_srv *http;
	struct rsyncd *rsyncd;
	struct image_store *images; /* config + store images; NULL: the config's only */
	struct image_watch *image_watch;
	struct frozen
	    *frozen; /* frozen image versions (frozen.h); NULL: none, installs read the image */
	struct host_enroll *enrolled;	       /* hosts enrolled at run time (host_set.c) */
	char admin_token[ADMIN_TOKEN_LEN + 1]; /* hex; file state_dir/admin.token, mode 0600 */
};

/* Each returns 0 or -errno after logging why; stop is safe on a part that
 * never started. */
/* server.vlan: create the VLAN sub-interface when missing (vlan.c). */
int vlan_start(struct server *srv);
void vlan_stop(struct server *srv);
int dhcp_start(struct server *srv);
void dhcp_stop(struct server *srv);
int tftp_start(struct server *srv);
void tftp_stop(struct server *srv);
int http_start(struct server *srv);
void http_stop(struct server *srv);
/* The image set (image_watch.c): open the store, watch its directory. */
int images_start(struct server *srv);
void images_stop(struct server *srv);
/* Re-scan the store; when the set changed, rsync's modules follow. */
void server_images_refresh(struct server *srv);
/* An image by name: config or store (the config's only without a store). */
const struct cfg_image *server_image(const struct server *srv, const char *name);
/* Hosts enrolled at run time (host_set.c): read them, give each its host
 * state. After images (their checks), before dhcp (its reservations). */
int hosts_start(struct server *srv);
void hosts_stop(struct server *srv);
/* Enroll h: checked, persisted, served by DHCP/TFTP/HTTP at once. 0 or
 * -errno as host_enroll_add(), why filled. */
int server_host_add(struct server *srv, const struct cfg_host *h, char *why, size_t whysz);
/* Remove an enrolled host: -ENOENT (no such host), -EPERM (a host of the
 * config file), -EBUSY (installing), -errno; why filled. */
int server_host_remove(struct server *srv, const char *name, char *why, size_t whysz);
int rsyncd_start(struct server *srv);
void rsyncd_stop(struct server *srv);
/* The image set changed: rewrite the module file (rsync reads it for each
 * new connection), start rsync when it was not running for want of images. */
void rsyncd_images_changed(struct server *srv);
/* Called from the loop's SIGCHLD handler; returns true if pid was rsync. */
bool rsyncd_child_exited(struct server *srv, int pid, int status);

/* `bootsrv serve`: returns the process exit status. */
int server_main(const char *config_path, bool detach);

#endif
