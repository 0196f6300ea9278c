/* client.h - the API client the client commands share (cli.c): the config
 * says where the daemon listens and where the admin token lives. Private
 * to cli/. */
#ifndef BOOTSRV_CLIENT_H
#define BOOTSRV_CLIENT_H

#include "common/config.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>

/* exit statuses (DESIGN.md) */
#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_DOWN 3

struct client {
	struct config cfg;
	bool cfg_loaded;
	char base[64]; /* http://ADDR:PORT */
	char token[80];
	CURL *curl;
};

/* "bootsrv CMD: message" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Load the config and the admin token. 0 or an exit status after printing why. */
int cli_client_open(struct client *cl, const char *path, const char *cmd);
void cli_client_close(struct client *cl);
/* One call (GET, POST with body, DELETE). *resp gets the parsed JSON body
 * (may be NULL). The HTTP status, or -EXIT_DOWN when the daemon cannot be
 * reached (reason printed). */
long cli_api_call(struct client *cl, const char *cmd, const char *method, const char *path,
		  json_t *body, json_t **resp);
/* Exit status for a failed call, after a one-line reason. */
int cli_call_failed(const char *cmd, const char *what, long status, json_t *resp);

#endif
