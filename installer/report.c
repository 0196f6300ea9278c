/* report.c - see report.h */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "util.h"

#define REPORT_TIMEOUT_S 10L
#define PLAN_TIMEOUT_S 30L
#define RETRIES 5
/* 503 on the plan: up to 10 minutes, every 2 s */
#define PLAN_NOT_READY_S 2
#define PLAN_NOT_READY_WAITS 300

void reporter_init(struct reporter *r, const char *base, const char *host, const char *token)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->base, sizeof(r->base), "%s", base);
	snprintf(r->host, sizeof(r->host), "%s", host);
	snprintf(r->token, sizeof(r->token), "%s", token);
	r->enabled = base[0] && host[0];
}

static void url_for(const struct reporter *r, const char *what, char *url, size_t sz)
{
	snprintf(url, sz, "%s/api/v1/install/%s/%s", r->base, r->host, what);
}

static void note_date(struct reporter *r, const struct http_resp *resp)
{
	if (resp->date > 0) {
		r->server_date = resp->date;
		r->server_date_ms = now_ms();
	}
}

/* POST body to .../what. Returns the HTTP status, or -errno. */
static int post_json(struct reporter *r, const char *what, json_t *body)
{
	char url[512], err[256];
	struct http_resp resp;
	char *text = json_dumps(body, JSON_COMPACT);
	int rc;

	if (!text)
		return -ENOMEM;
	url_for(r, what, url, sizeof(url));
	rc = http_request(url, r->token, text, REPORT_TIMEOUT_S, &resp, err, sizeof(err));
	free(text);
	if (rc < 0) {
		log_warn("report %s: %s", what, err);
		return rc;
	}
	note_date(r, &resp);
	rc = (int)resp.status;
	if (rc < 200 || rc > 299)
		log_warn("report %s: server answered HTTP %d", what, rc);
	http_resp_free(&resp);
	return rc;
}

/* Messages carry tool output (file names from the image): jansson wants
 * valid UTF-8, so anything but printable ASCII becomes '?'. */
static const char *ascii_text(const char *in, char *out, size_t outsz)
{
	size_t i = 0;

	for (; in && in[i] && i + 1 < outsz; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
	return out;
}

void report_progress(struct reporter *r, const char *step, int percent, uint64_t bytes,
		     const char *message)
{
	char text[1024];
	json_t *body;

	ascii_text(message, text, sizeof(text));
	log_info("progress: %s %d%% %llu bytes%s%s", step, percent, (unsigned long long)bytes,
		 text[0] ? ": " : "", text);
	if (!r->enabled)
		return;
	body = json_pack("{s:s, s:i, s:I, s:s}", "step", step, "percent", percent, "bytes",
			 (json_int_t)bytes, "message", text);
	if (!body) {
		log_warn("report %s: cannot build JSON", step);
		return;
	}
	post_json(r, "progress", body);
	json_decref(body);
}

void report_json(struct reporter *r, const char *what, json_t *body)
{
	if (r->enabled)
		post_json(r, what, body);
}

/* Wait a bounded, growing time between retries (1, 2, 4, 8 s). */
static void backoff(int attempt)
{
	struct timespec ts = {.tv_sec = 1L << (attempt < 3 ? attempt : 3)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int report_done(struct reporter *r, bool ok, const char *message)
{
	char text[1024];
	json_t *body;
	int rc = -EIO;

	ascii_text(message, text, sizeof(text));
	log_info("done: ok=%s %s", ok ? "true" : "false", text);
	if (!r->enabled)
		return 0;
	body = json_pack("{s:b, s:s}", "ok", ok, "message", text);
	if (!body)
		return -ENOMEM;
	for (int i = 0; i < RETRIES; i++) {
		int st = post_json(r, "done", body);
		if (st >= 200 && st <= 299) {
			rc = 0;
			break;
		}
		if (st >= 400 && st <= 499)
			break; /* refused (token spent, wrong host): retrying cannot help */
		backoff(i);
	}
	json_decref(body);
	return rc;
}

int report_fetch_plan(struct reporter *r, char **body, size_t *len, char *err, size_t errsz)
{
	char url[512];
	struct http_resp resp;
	int rc = -EIO;

	if (!r->enabled) {
		snprintf(err, errsz, "no bootsrv= and host= given and no --plan file");
		return -EINVAL;
	}
	url_for(r, "plan", url, sizeof(url));
	for (int i = 0, waits = 0; i < RETRIES; i++) {
		if (i > 0)
			backoff(i - 1);
		rc = http_request(url, r->token, NULL, PLAN_TIMEOUT_S, &resp, err, errsz);
		if (rc < 0)
			continue;
		note_date(r, &resp);
		if (resp.status == 200 && resp.body) {
			*body = resp.body;
			*len = resp.len;
			return 0;
		}
		snprintf(err, errsz, "GET %s: HTTP %ld", url, resp.status);
		http_resp_free(&resp);
		rc = -EPROTO;
		/* 503: the server is still freezing the image version this
		 * install reads (a full copy of a large tree when it cannot
		 * hard-link): wait for it, not counted as a failed try */
		if (resp.status == 503 && waits++ < PLAN_NOT_READY_WAITS) {
			struct timespec ts = {.tv_sec = PLAN_NOT_READY_S};
			log_info("plan: the server is still preparing the image, waiting");
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
			i--;
			continue;
		}
		if (resp.status >= 400 && resp.status <= 499)
			break;
	}
	return rc;
}
