/* dhcp_ctx.h - private to the DHCP server's logic (dhcp_server.c,
 * dhcp_ctx.c, dhcp_pool.c, dhcp_reply.c, dhcp_handlers.c and
 * dhcp_proxy.c): what the handlers know about one request, and the helpers
 * these files share, grouped by the file that holds them. */
#ifndef BOOTSRV_DHCP_CTX_H
#define BOOTSRV_DHCP_CTX_H

#include "dhcp_server.h"
#include "log.h"

/* Everything about one received request that the handlers share. */
struct req_ctx {
	const struct dhcp_msg *msg;
	struct dhcp_net *net;	     /* the network it is served from */
	const struct cfg_host *host; /* listed host, or NULL */
	const struct cfg_host *resv; /* host, when its reservation is in net */
	int64_t now;
	int arch;	     /* option 93, -1 when absent */
	const char *loader;  /* NULL: no loader for this arch */
	char script_url[96]; /* iPXE's HTTP script; loader points here then */
	char mac[18];
	char name[64];	    /* host name for logs, escaped */
	char warn_held[64]; /* see dhcp_warn_due() */
};

/* ---- dhcp_server.c ---- */

/* Parse and vet a request (Ethernet BOOTREQUEST with option 53), counting
 * it in dl->stats. Returns 0 or a negative enum dhcp_err. */
int dhcp_parse_request(struct dhcp_logic *dl, const uint8_t *pkt, size_t len, struct dhcp_msg *m);

/* ---- dhcp_ctx.c ---- */

/* Fill c for m; DHCP_ENOSUBNET when m is relayed from a network we do not
 * serve (then c is not usable). */
int dhcp_ctx_init(struct dhcp_logic *dl, const struct dhcp_msg *m, struct req_ctx *c);
/* Whether a warning about c's client is due: at most one per
 * DHCP_WARN_WINDOW for the same client, kind (a letter naming the
 * problem) and network. When it is, c->warn_held is the text to end the
 * line with (" (repeated N times ...)", or empty). */
bool dhcp_warn_due(struct dhcp_logic *dl, struct req_ctx *c, char kind);

/* ---- dhcp_pool.c ---- */

/* dl->res over dl->cfg's hosts and dl->extra. Returns 0 or -ENOMEM (the
 * old table kept). */
int dhcp_res_build(struct dhcp_logic *dl);
/* The listed host for mac (config or extra), or NULL. */
const struct cfg_host *dhcp_host_lookup(const struct dhcp_logic *dl, const uint8_t mac[6]);
/* The same, only when it has an ip (a reservation). */
const struct cfg_host *dhcp_res_lookup(const struct dhcp_logic *dl, const uint8_t mac[6]);
/* Record m's client in dl->disc when it is unknown and PXE-boots. */
void dhcp_note_discovered(struct dhcp_logic *dl, const struct req_ctx *c);
/* dl->nets, each with its pool. Returns 0 or -errno (-EINVAL: unusable
 * range). */
int dhcp_nets_init(struct dhcp_logic *dl);
/* The network m is served from, NULL when no configured one holds its
 * giaddr. */
struct dhcp_net *dhcp_net_for(const struct dhcp_logic *dl, const struct dhcp_msg *m);
/* Whether mac can be given ip from n's pool at now. */
bool dhcp_pool_usable(struct dhcp_logic *dl, const struct dhcp_net *n, struct in_addr ip,
		      const uint8_t mac[6], int64_t now);
/* A free address of net's pool for mac into *ip; false when none is. */
bool dhcp_pool_alloc(struct dhcp_logic *dl, struct dhcp_net *net, const uint8_t mac[6], int64_t now,
		     struct in_addr *ip);

/* ---- dhcp_reply.c ---- */

/* Lease time in c's network, seconds. */
uint32_t dhcp_lease_secs(const struct req_ctx *c);
/* Build a reply of type (DHCPOFFER, DHCPACK or DHCPNAK) to c into out,
 * giving yiaddr (INADDR_ANY: none), and count it. Returns type or a
 * negative enum dhcp_err. */
int dhcp_reply_build(struct dhcp_logic *dl, const struct req_ctx *c, uint8_t type,
		     struct in_addr yiaddr, struct dhcp_reply *out);
/* Count a reply of this type, in all and for c's network. */
void dhcp_count_reply(struct dhcp_logic *dl, const struct req_ctx *c, uint8_t type);
void dhcp_log_exchange(enum log_level lvl, const struct req_ctx *c, const char *result,
		       struct in_addr ip);
/* Echo option 60 "PXEClient" and 97 (UUID) when the client sent them. */
void dhcp_build_pxe_echo(struct dhcp_builder *b, const struct dhcp_msg *req);
/* Largest reply the client accepts (option 57), at least 576 - 28. */
size_t dhcp_reply_cap(const struct dhcp_msg *req);
/* RFC 2131 4.1 destination for out->msg_type. */
void dhcp_reply_dest(const struct dhcp_logic *dl, const struct dhcp_msg *req,
		     struct dhcp_reply *out);
/* True when option 60 starts with "PXEClient". */
bool dhcp_is_pxe_client(const struct dhcp_msg *m);

/* ---- dhcp_handlers.c ---- */

/* The authoritative server's answer to c (RFC 2131 4.3): the handler for
 * its message type, 0 for a type that has none. Returns like
 * dhcp_server_handle(). */
int dhcp_handlers_dispatch(struct dhcp_logic *dl, struct req_ctx *c, struct dhcp_reply *out);

/* ---- dhcp_proxy.c ---- */

/* proxyDHCP (dhcp_proxy.c). peer == NULL: the request came to port 67;
 * else to port 4011 from *peer. Returns like dhcp_server_handle(). */
struct dhcp_peer {
	struct in_addr addr;
	uint16_t port; /* host order */
};
int dhcp_proxy_handle(struct dhcp_logic *dl, struct req_ctx *c, const struct dhcp_peer *peer,
		      struct dhcp_reply *out);

#endif
