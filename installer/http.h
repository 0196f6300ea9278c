/* http.h - the installer's HTTP client (libcurl): JSON GET/POST with the
 * host's bearer token, and the server's Date header for the clock. */
#ifndef INSTALLER_HTTP_H
#define INSTALLER_HTTP_H

#include <stddef.h>
#include <time.h>

#define HTTP_MAX_BODY (1024 * 1024)

struct http_resp {
	long status;
	char *body; /* NUL-terminated, malloc'd; NULL when empty */
	size_t len;
	time_t date; /* the response's Date header, 0 when absent */
};

int http_global_init(void);
/* One request. json_body NULL: GET, else POST with Content-Type JSON.
 * token may be NULL. Returns 0 when a response arrived (any status),
 * -EIO (transport error, reason in err), -EFBIG or -ENOMEM. */
int http_request(const char *url, const char *token, const char *json_body, long timeout_s,
		 struct http_resp *resp, char *err, size_t errsz);
void http_resp_free(struct http_resp *resp);

#endif
