/* http_api.h - the JSON API behind /api/v1/, independent of the HTTP
 * transport: http_server.c hands it a parsed request and sends back the
 * reply it fills in, so tests can drive routes without sockets. */
#ifndef BOOTSRV_HTTP_API_H
#define BOOTSRV_HTTP_API_H

#include "daemon/server.h"

#include <netinet/in.h>
#include <stddef.h>

#define HTTP_API_PREFIX "/api/v1/"
#define HTTP_BODY_MAX (64 * 1024) /* larger request bodies get 413 */

struct http_request {
	const char *method;	   /* "GET", "POST", ... */
	const char *url;	   /* decoded path, no query string */
	const char *authorization; /* "Authorization" header or NULL */
	const char *body;	   /* NUL-terminated, may be NULL */
	size_t body_len;
	const char *peer;	   /* client address, for logs */
	struct in_addr peer_addr;  /* the same, INADDR_ANY unless IPv4 */
};

struct http_reply {
	unsigned status;
	char *body; /* malloc'd; owned by the caller after the call */
	size_t len;
	const char *content_type;
};

/* Route one API request (url starting with HTTP_API_PREFIX). Always fills
 * rep (errors as {"error": "..."}); returns 0 or -ENOMEM when not even an
 * error body could be built. */
int http_api_handle(struct server *srv, const struct http_request *req, struct http_reply *rep);

/* Fill rep with {"error": msg} and status. 0 or -ENOMEM. */
int http_reply_error(struct http_reply *rep, unsigned status, const char *msg);

#endif
