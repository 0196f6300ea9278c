/* fuzz_http_api.c - libFuzzer harness for the API and the generated boot
 * files: any method, path, token and body reaches http_api_handle() (and
 * the path bootcfg_virtual_file()) on a live host table, and every reply
 * is a status in 200-599 with a JSON body; never a crash, leak or hang.
 *
 * Input: byte 0 picks the method, byte 1 the token (none, admin, node01's
 * install token, a wrong one), then the path up to '\n', then the body. */
#include "../tests/test_fixture.h"
#include "daemon/bootcfg.h"
#include "daemon/hoststate.h"
#include "http/http_api.h"
#include "log.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct fixture fx;
static struct server srv;

static void remove_state(void)
{
	char cmd[1200];

	hosts_stop(&srv);
	hoststate_close(srv.hosts);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.cfg.state_dir);
	if (strncmp(fx.cfg.state_dir, "/dev/shm/bootsrv-fuzz.", 22) == 0 && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx.cfg.state_dir);
}

/* State on /dev/shm: every transition is fsynced, and that must stay
 * cheap here. */
static void setup(void)
{
	char tmpl[] = "/dev/shm/bootsrv-fuzz.XXXXXX";

	log_init("fuzz", LOG_LVL_ERR, false);
	fixture_init(&fx);
	fixture_cleanup(&fx);
	if (!mkdtemp(tmpl))
		abort();
	snprintf(fx.cfg.state_dir, sizeof(fx.cfg.state_dir), "%s", tmpl);
	srv.cfg = &fx.cfg;
	if (!(srv.hosts = hoststate_open(&fx.cfg)))
		abort();
	/* the enrolled hosts as the daemon has them: POST and DELETE
	 * /api/v1/hosts reach the real store */
	if (hosts_start(&srv) < 0)
		abort();
	snprintf(srv.admin_token, sizeof(srv.admin_token), "%s", ADMIN);
	atexit(remove_state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE" };
	char url[512], auth[128], *body, *out = NULL;
	struct http_reply rep = { 0 };
	struct host_rt *h;
	const uint8_t *nl;
	size_t ulen, blen, olen;

	if (!srv.hosts)
		setup();
	if (size < 2)
		return 0;
	/* keep an install token alive so the installer routes are reached */
	h = hoststate_get(srv.hosts, "node01");
	if (!hoststate_wants_install(h) && h->state != HOST_INSTALLING &&
	    hoststate_netboot(srv.hosts, "node01", "base", NULL, false) < 0)
		abort();
	nl = memchr(data + 2, '\n', size - 2);
	ulen = nl ? (size_t)(nl - data - 2) : size - 2;
	if (ulen >= sizeof(url))
		return 0;
	memcpy(url, data + 2, ulen);
	url[ulen] = '\0';
	blen = nl ? size - 2 - ulen - 1 : 0;
	if (!(body = malloc(blen + 1)))
		abort();
	memcpy(body, nl ? nl + 1 : data, blen);
	body[blen] = '\0';
	switch (data[1] & 3) {
	case 0: auth[0] = '\0'; break;
	case 1: snprintf(auth, sizeof(auth), "Bearer %s", ADMIN); break;
	case 2: snprintf(auth, sizeof(auth), "Bearer %s", h->token); break;
	default: snprintf(auth, sizeof(auth), "Bearer %.*s", (int)(blen % 70), body); break;
	}
	struct http_request req = { .method = methods[data[0] & 3], .url = url,
				    .authorization = auth[0] ? auth : NULL,
				    .body = blen ? body : NULL, .body_len = blen,
				    .peer = "192.0.2.50" };
	if (http_api_handle(&srv, &req, &rep) != 0 || !rep.body || rep.status < 200 ||
	    rep.status > 599)
		abort();
	json_t *j = json_loadb(rep.body, rep.len, 0, NULL);
	if (!j)
		abort(); /* every reply, error or not, is JSON */
	json_decref(j);
	free(rep.body);
	if (bootcfg_virtual_file(&srv, url, &out, &olen) == 1) {
		if (!out || olen == 0)
			abort();
		free(out);
	}
	free(body);
	return 0;
}
