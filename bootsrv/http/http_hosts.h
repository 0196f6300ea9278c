/* http_hosts.h - POST /api/v1/hosts, DELETE /api/v1/hosts/NAME (hosts
 * enrolled at run time) and GET /api/v1/discovered (unknown MACs that
 * PXE-booted); http_api.c routes here. */
#ifndef BOOTSRV_HTTP_HOSTS_H
#define BOOTSRV_HTTP_HOSTS_H

#include "daemon/server.h"

#include <jansson.h>

/* body {name, mac, ip?, image?, txt?[]}: 201 with the host, 400 (bad
 * host), 409 (clash), 500; *out gets the reply ({"error": ...} when
 * refused). Refusals are logged. */
unsigned http_hosts_add(struct server *srv, json_t *body, json_t **out);
/* 200, 404 (not enrolled), 409 (a config host, or installing), 500. */
unsigned http_hosts_delete(struct server *srv, const char *name, json_t **out);
/* {"discovered":[{mac, first_seen, last_seen, arch, vendor_class,
 * requests}], "evicted": N}, the most recently seen first. */
json_t *http_discovered_list(struct server *srv);

#endif
