/* test_http_api.c - API routing, auth and the installer plan, without
 * sockets: requests go straight to http_api_handle(). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/hoststate.h"
#include "daemon/image_store.h"
#include "http/http_api.h"
#include "test_fixture.h"

#define ADMIN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct at {
	struct fixture f;
	struct server srv;
	struct http_reply rep;
	const char *peer; /* NULL: 192.0.2.50 */
};

static int setup(void **state)
{
	struct at *a = calloc(1, sizeof(*a));
	if (!a)
		return -1;
	fixture_init(&a->f);
	a->srv.cfg = &a->f.cfg;
	a->srv.hosts = hoststate_open(&a->f.cfg);
	snprintf(a->srv.admin_token, sizeof(a->srv.admin_token), "%.64s", ADMIN);
	*state = a;
	return a->srv.hosts ? 0 : -1;
}

static int teardown(void **state)
{
	struct at *a = *state;
	free(a->rep.body);
	hoststate_close(a->srv.hosts);
	fixture_cleanup(&a->f);
	free(a);
	return 0;
}

/* Run one request; returns the status, body in a->rep. */
static unsigned call(struct at *a, const char *method, const char *url, const char *token,
		     const char *body)
{
	char auth[128];
	struct http_request req = { .method = method, .url = url, .body = body,
				    .body_len = body ? strlen(body) : 0,
				    .peer = a->peer ? a->peer : "192.0.2.50" };

	assert_int_equal(inet_pton(AF_INET, req.peer, &req.peer_addr), 1);

	if (token) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		req.authorization = auth;
	}
	free(a->rep.body);
	memset(&a->rep, 0, sizeof(a->rep));
	assert_int_equal(http_api_handle(&a->srv, &req, &a->rep), 0);
	assert_non_null(a->rep.body);
	return a->rep.status;
}

static const char *admin(void)
{
	static char t[ADMIN_TOKEN_LEN + 1];
	snprintf(t, sizeof(t), "%.64s", ADMIN);
	return t;
}

static void test_routes_and_admin_auth(void **state)
{
	struct at *a = *state;

	assert_int_equal(call(a, "GET", "/api/v1/hosts", NULL, NULL), 401);
	assert_string_equal(a->rep.body, "{\"error\":\"missing or wrong token\"}");
	assert_int_equal(call(a, "GET", "/api/v1/hosts", "wrong", NULL), 401);
	assert_int_equal(call(a, "GET", "/api/v1/hosts", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"name\":\"node02\""));
	assert_int_equal(call(a, "GET", "/api/v1/hosts/node01", admin(), NULL), 200);
	assert_int_equal(call(a, "GET", "/api/v1/hosts/node09", admin(), NULL), 404);
	assert_int_equal(call(a, "GET", "/api/v1/nothing", admin(), NULL), 404);
	assert_int_equal(call(a, "GET", "/api/v1/hosts/", admin(), NULL), 404);
	assert_int_equal(call(a, "GET", "/api/v1/hosts//netboot", admin(), NULL), 404);
	assert_int_equal(call(a, "GET", "/api/v1/hosts/node01/netboot", admin(), NULL), 405);
	assert_int_equal(call(a, "DELETE", "/api/v1/hosts", admin(), NULL), 405);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot/x", admin(), "{}"), 404);
}

static void test_netboot_validation(void **state)
{
	struct at *a = *state;
	const struct host_rt *h = hoststate_get(a->srv.hosts, "node01");

	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", NULL, "{}"), 401);
	assert_int_equal(h->state, HOST_LOCALBOOT);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(), "{"), 400);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(),
			      "{\"image\":7}"), 400);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(),
			      "{\"image\":\"nope\"}"), 400);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(),
			      "{\"image\":\"base\",\"flavor\":\"../x\"}"), 400);
	/* node02 has no image in the config: one must be given */
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node02/netboot", admin(), "{}"), 400);
	assert_int_equal(h->state, HOST_LOCALBOOT);
	assert_int_equal(call(a, "GET", "/api/v1/hosts", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"state\":\"localboot\""));
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(), NULL), 200);
	assert_int_equal(h->state, HOST_NETBOOT);
	/* the listing follows the change (hosts are rendered once per change) */
	assert_int_equal(call(a, "GET", "/api/v1/hosts", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "{\"hosts\":[{"));
	assert_non_null(strstr(a->rep.body, "\"name\":\"node01\",\"next_boot_installs\":true"));
	assert_non_null(strstr(a->rep.body, "\"state\":\"netboot\""));
	assert_int_equal(a->rep.len, strlen(a->rep.body));
	assert_string_equal(a->rep.body + a->rep.len - 3, "}]}");
	assert_null(strstr(a->rep.body, h->token)); /* never shown over the API */
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/localboot", admin(), NULL), 200);
	assert_int_equal(h->state, HOST_LOCALBOOT);
}

/* The host listing grows its buffer host by host: sweep message lengths so
 * every boundary between one host's JSON and the ',' before the next is hit
 * (ASan catches any write past the end). */
static void test_listing_buffer_boundaries(void **state)
{
	struct at *a = *state;
	char m1[256], m2[256];

	assert_int_equal(hoststate_netboot(a->srv.hosts, "node01", "base", "default", false), 0);
	assert_int_equal(hoststate_netboot(a->srv.hosts, "node02", "base", "default", false), 0);
	for (size_t k1 = 0; k1 < sizeof(m1); k1 += 5) {
		memset(m1, 'a', k1);
		m1[k1] = '\0';
		assert_int_equal(hoststate_progress(a->srv.hosts, "node01", "image", 5, k1, m1), 0);
		for (size_t k2 = 0; k2 < sizeof(m2); k2 += 7) {
			memset(m2, 'b', k2);
			m2[k2] = '\0';
			assert_int_equal(hoststate_progress(a->srv.hosts, "node02", "mkfs", 9, k2, m2),
					 0);
			assert_int_equal(call(a, "GET", "/api/v1/hosts", admin(), NULL), 200);
			assert_int_equal(a->rep.len, strlen(a->rep.body));
			assert_string_equal(a->rep.body + a->rep.len - 3, "}]}");
		}
	}
}

static const char plan_json[] =
	"{\"bootloader\":\"auto\",\"console\":\"ttyS0,115200\",\"excludes\":[],\"hook_timeout\":0,"
	"\"host\":\"node01\","
	"\"hostname\":\"node01\",\"image\":\"base\","
	"\"layout\":{\"disk\":\"/dev/vda\",\"label\":\"msdos\",\"name\":\"small\","
	"\"partitions\":[{\"fill\":false,\"flags\":[\"boot\"],\"fs\":\"ext3\",\"label\":\"\","
	"\"mount\":\"/boot\",\"options\":\"defaults\",\"size_bytes\":67108864},"
	"{\"fill\":true,\"flags\":[],\"fs\":\"ext4\",\"label\":\"\",\"mount\":\"/\","
	"\"options\":\"defaults\",\"size_bytes\":0}]},"
	"\"rsync_url\":\"rsync://192.0.2.1:873/base/\",\"txt\":[\"role: compute\"]}";

static void test_install_flow(void **state)
{
	struct at *a = *state;
	const struct host_rt *h = hoststate_get(a->srv.hosts, "node01");
	char token[HOST_TOKEN_LEN + 1];

	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", "x", NULL), 401);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(),
			      "{\"image\":\"base\",\"once\":true}"), 200);
	strcpy(token, h->token);
	/* the admin token is not an install token, nor is another host's */
	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", admin(), NULL), 401);
	assert_int_equal(call(a, "GET", "/api/v1/install/node02/plan", token, NULL), 401);
	assert_int_equal(h->state, HOST_NETBOOT);

	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", token, NULL), 200);
	assert_string_equal(a->rep.body, plan_json);
	assert_int_equal(h->state, HOST_INSTALLING);

	assert_int_equal(call(a, "POST", "/api/v1/install/node01/progress", token,
			      "{\"percent\":5}"), 400);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/progress", token,
			      "{\"step\":\"rsync\",\"percent\":500}"), 400);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/progress", token,
			      "{\"step\":\"rsync\",\"percent\":50,\"bytes\":10,\"message\":\"m\"}"),
			 200);
	assert_int_equal(h->percent, 50);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/inventory", token,
			      "{\"cpus\":2,\"mem\":1024}"), 200);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/done", token, "{}"), 400);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/done", token,
			      "{\"ok\":true,\"message\":\"fine\"}"), 200);
	assert_string_equal(a->rep.body, "{\"state\":\"installed\"}");
	assert_int_equal(h->state, HOST_INSTALLED);
	/* replay: the token died with done */
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/done", token,
			      "{\"ok\":false}"), 401);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/progress", token,
			      "{\"step\":\"x\"}"), 401);
	assert_int_equal(h->state, HOST_INSTALLED);
	assert_int_equal(call(a, "GET", "/api/v1/hosts/node01", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"inventory\":{\"cpus\":2,\"mem\":1024}"));
}

/* done before the plan: 409, nothing changes; --once consumed by the plan
 * (a second plan fetch is refused); events show in GET /hosts/NAME. */
/* The image is here: the plan says what grub it has, so the installer can
 * decide on the boot loader before it touches the disk. */
static void test_plan_image_grub(void **state)
{
	struct at *a = *state;
	const struct host_rt *h = hoststate_get(a->srv.hosts, "node01");
	char root[] = "/tmp/test-api-img.XXXXXX", cmd[400], token[HOST_TOKEN_LEN + 1];
	struct cfg_image *img = (struct cfg_image *)config_image(&a->f.cfg, "base");

	assert_non_null(mkdtemp(root));
	assert_int_equal(fixture_put(root, "/usr/sbin/grub-install", 0755), 0);
	assert_int_equal(fixture_put(root, "/usr/sbin/update-grub", 0755), 0);
	assert_int_equal(fixture_put(root, "/usr/lib/grub/i386-pc/normal.mod", 0644), 0);
	snprintf(img->path, sizeof(img->path), "%s", root);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(),
			      "{\"image\":\"base\",\"once\":true}"), 200);
	strcpy(token, h->token);
	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", token, NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"image_grub\":[\"i386-pc\"]"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_transitions_refused(void **state)
{
	struct at *a = *state;
	const struct host_rt *h = hoststate_get(a->srv.hosts, "node01");
	char token[HOST_TOKEN_LEN + 1];

	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(),
			      "{\"once\":true}"), 200);
	strcpy(token, h->token);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/done", token, "{\"ok\":true}"),
			 409);
	assert_string_equal(a->rep.body, "{\"error\":\"host is not installing\"}");
	assert_int_equal(h->state, HOST_NETBOOT);
	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", token, NULL), 200);
	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", token, NULL), 409);
	assert_int_equal(h->state, HOST_INSTALLING);
	assert_int_equal(call(a, "GET", "/api/v1/hosts/node01", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"next_boot_installs\":false"));
	assert_non_null(strstr(a->rep.body, "{\"at\":"));
	assert_non_null(strstr(a->rep.body, "\"event\":\"refused\""));
	assert_non_null(strstr(a->rep.body, "\"detail\":\"done while netboot\""));
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/done", token,
			      "{\"ok\":false,\"message\":\"no disk\"}"), 200);
	assert_int_equal(call(a, "GET", "/api/v1/hosts/node01", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"error\":\"no disk\""));
	assert_non_null(strstr(a->rep.body, "\"state\":\"failed\""));
}

/* Admin calls from outside admin_allow and installer calls from another
 * address than the host's reservation: 403, before the token is looked at,
 * and nothing changes. */
static void test_peer_restrictions(void **state)
{
	struct at *a = *state;
	const struct host_rt *h = hoststate_get(a->srv.hosts, "node01");
	char token[HOST_TOKEN_LEN + 1];

	inet_pton(AF_INET, "192.0.2.64", &a->f.cfg.admin_allow_net[0]);
	inet_pton(AF_INET, "255.255.255.192", &a->f.cfg.admin_allow_mask[0]);
	a->f.cfg.nadmin_allow = 1;
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(), NULL), 403);
	assert_string_equal(a->rep.body,
			    "{\"error\":\"admin calls are not allowed from this address\"}");
	assert_int_equal(h->state, HOST_LOCALBOOT);
	assert_int_equal(call(a, "GET", "/api/v1/hosts", NULL, NULL), 403);
	a->peer = "192.0.2.70";
	assert_int_equal(call(a, "GET", "/api/v1/hosts", admin(), NULL), 200);
	a->peer = "127.0.0.1"; /* the CLI on the server itself */
	assert_int_equal(call(a, "GET", "/api/v1/hosts", admin(), NULL), 200);
	a->peer = "192.0.2.1";
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/netboot", admin(), NULL), 200);
	snprintf(token, sizeof(token), "%s", h->token);

	a->f.cfg.install_from_host_ip = true;
	inet_pton(AF_INET, "192.0.2.11", &a->f.hosts[0].ip);
	a->peer = "192.0.2.50";
	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", token, NULL), 403);
	assert_non_null(strstr(a->rep.body, "accepted only from its address 192.0.2.11"));
	assert_false(h->plan_fetched);
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/done", token, "{\"ok\":true}"),
			 403);
	assert_int_equal(h->state, HOST_NETBOOT);
	assert_string_equal(hoststate_event_at(a->srv.hosts, h, 0)->event, "refused");
	a->peer = "192.0.2.11";
	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", token, NULL), 200);
	/* proxy mode: another server hands out addresses, the check is off */
	a->f.cfg.dhcp_mode = DHCP_MODE_PROXY;
	a->peer = "192.0.2.50";
	assert_int_equal(call(a, "POST", "/api/v1/install/node01/progress", token,
			      "{\"step\":\"mkfs\",\"percent\":5}"),
			 200);
}

static const struct cfg_image *server_lookup(void *arg, const char *name)
{
	return server_image(arg, name);
}

/* The image routes over a store: a store image is listed with its
 * source, can arm a host and gets a plan with its rsync module; it cannot
 * be removed while a host is armed with it, nor can a config image; a
 * broken conf is listed as an error. */
static void test_images_store(void **state)
{
	struct at *a = *state;
	const struct host_rt *h = hoststate_get(a->srv.hosts, "node01");
	char cmd[1400], token[HOST_TOKEN_LEN + 1];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir -p images/gold/etc && echo x >images/gold/etc/motd && "
		 "echo 'layout = \"small\"; excludes = [ \"/tmp/*\" ];' >images/gold.conf && "
		 "mkdir images/bad && echo 'layout = ' >images/bad.conf",
		 a->f.cfg.state_dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(a->srv.images = image_store_open(&a->f.cfg, NULL, NULL));
	hoststate_set_images(a->srv.hosts, server_lookup, &a->srv); /* as images_start does */
	assert_int_equal(call(a, "GET", "/api/v1/images", NULL, NULL), 401);
	assert_int_equal(call(a, "GET", "/api/v1/images", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"name\":\"gold\""));
	assert_non_null(strstr(a->rep.body, "\"source\":\"store\""));
	assert_non_null(strstr(a->rep.body, "\"size_bytes\":2,"));
	assert_non_null(strstr(a->rep.body, "bad.conf:2:"));
	/* the store image arms a host and its plan names its module */
	assert_int_equal(
	    call(a, "POST", "/api/v1/hosts/node01/netboot", admin(), "{\"image\":\"gold\"}"), 200);
	assert_int_equal(
	    call(a, "POST", "/api/v1/hosts/node01/netboot", admin(), "{\"image\":\"bad\"}"), 400);
	assert_int_equal(
	    call(a, "POST", "/api/v1/hosts/node01/netboot", admin(), "{\"image\":\"gold\"}"), 200);
	strcpy(token, h->token);
	assert_int_equal(call(a, "GET", "/api/v1/install/node01/plan", token, NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"rsync_url\":\"rsync://192.0.2.1:873/gold/\""));
	assert_non_null(strstr(a->rep.body, "\"excludes\":[\"/tmp/*\"]"));
	assert_int_equal(call(a, "GET", "/api/v1/images", admin(), NULL), 200);
	assert_non_null(strstr(a->rep.body, "\"installing\":[\"node01\"]"));
	/* removal refused while armed or installing, and for config images */
	assert_int_equal(call(a, "DELETE", "/api/v1/images/gold", admin(), NULL), 409);
	assert_non_null(strstr(a->rep.body, "node01 is installing from image gold"));
	assert_int_equal(call(a, "DELETE", "/api/v1/images/base", admin(), NULL), 409);
	assert_int_equal(call(a, "DELETE", "/api/v1/images/nope", admin(), NULL), 404);
	assert_int_equal(call(a, "POST", "/api/v1/images/gold", admin(), NULL), 405);
	assert_int_equal(call(a, "POST", "/api/v1/hosts/node01/localboot", admin(), NULL), 200);
	assert_int_equal(call(a, "DELETE", "/api/v1/images/gold", admin(), NULL), 200);
	assert_int_equal(call(a, "GET", "/api/v1/images", admin(), NULL), 200);
	assert_null(strstr(a->rep.body, "\"name\":\"gold\""));
	hoststate_set_images(a->srv.hosts, NULL, NULL);
	image_store_close(a->srv.images);
	a->srv.images = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_routes_and_admin_auth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_netboot_validation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listing_buffer_boundaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_install_flow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan_image_grub, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transitions_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_peer_restrictions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_images_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
