/* report.h - progress and result reports to the server:
 *   POST {bootsrv}/api/v1/install/NAME/progress {step, percent, bytes, message}
 *   POST {bootsrv}/api/v1/install/NAME/done     {ok, message}
 * and the plan fetch (GET .../plan), all with "Authorization: Bearer TOKEN".
 * Without a server (tests with --plan) reports only go to the log. */
#ifndef INSTALLER_REPORT_H
#define INSTALLER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <time.h>

struct reporter {
	char base[256];
	char host[64];
	char token[128];
	bool enabled;
	time_t server_date;	/* Date of the last response, 0 if none */
	int64_t server_date_ms; /* now_ms() when it arrived */
};

void reporter_init(struct reporter *r, const char *base, const char *host, const char *token);
/* Best effort: a report that fails is logged, never fatal. percent is
 * 0-100 (bootsrv answers 400 to anything else); bytes == 0 is unknown. */
void report_progress(struct reporter *r, const char *step, int percent, uint64_t bytes,
		     const char *message);
/* Best effort POST of body to .../what (e.g. "inventory"). */
void report_json(struct reporter *r, const char *what, json_t *body);
/* Retried a few times; returns 0 or -EIO. */
int report_done(struct reporter *r, bool ok, const char *message);
/* GET the plan, with retries. On success *body is malloc'd (NUL-terminated). */
int report_fetch_plan(struct reporter *r, char **body, size_t *len, char *err, size_t errsz);

#endif
