/* http.c - see http.h */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

struct sink {
	struct http_resp *resp;
	size_t cap;
	int err;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	struct http_resp *r = s->resp;
	size_t n = size * nmemb;

	if (r->len + n > HTTP_MAX_BODY) {
		s->err = -EFBIG;
		return 0;
	}
	if (r->len + n + 1 > s->cap) {
		size_t cap = (r->len + n + 1) * 2;
		char *b = realloc(r->body, cap);
		if (!b) {
			s->err = -ENOMEM;
			return 0;
		}
		r->body = b;
		s->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *arg)
{
	struct http_resp *r = arg;
	size_t n = size * nitems;
	char line[128];

	if (n > 5 && n < sizeof(line) && strncasecmp(data, "Date:", 5) == 0) {
		memcpy(line, data + 5, n - 5);
		line[n - 5] = '\0';
		time_t t = curl_getdate(line, NULL);
		if (t > 0)
			r->date = t;
	}
	return n;
}

static struct curl_slist *make_headers(const char *token, bool json)
{
	struct curl_slist *h = NULL, *t;
	char auth[200];

	if (token && token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		t = curl_slist_append(h, auth);
		if (!t)
			goto fail;
		h = t;
	}
	if (json) {
		t = curl_slist_append(h, "Content-Type: application/json");
		if (!t)
			goto fail;
		h = t;
	}
	t = curl_slist_append(h, "Expect:");
	if (!t)
		goto fail;
	return t;
fail:
	curl_slist_free_all(h);
	return NULL;
}

int http_request(const char *url, const char *token, const char *json_body, long timeout_s,
		 struct http_resp *resp, char *err, size_t errsz)
{
	struct sink sink = {.resp = resp};
	struct curl_slist *hdrs = NULL;
	CURL *c;
	CURLcode cc;
	int rc = -ENOMEM;

	memset(resp, 0, sizeof(*resp));
	if (errsz > 0)
		err[0] = '\0';
	c = curl_easy_init();
	hdrs = make_headers(token, json_body != NULL);
	if (!c || !hdrs)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s < 10 ? timeout_s : 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (json_body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
	cc = curl_easy_perform(c);
	if (sink.err) {
		rc = sink.err;
		snprintf(err, errsz, "%s: response body too large or out of memory", url);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = -EIO;
		snprintf(err, errsz, "%s: %s", url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	rc = 0;
out:
	if (rc < 0)
		http_resp_free(resp);
	curl_slist_free_all(hdrs);
	if (c)
		curl_easy_cleanup(c);
	return rc;
}

void http_resp_free(struct http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}
