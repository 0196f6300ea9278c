/* test_host_enroll.c - hosts enrolled at run time: the checks shared with
 * config hosts, persistence across a reopen, torn and invalid files left
 * out, removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_fixture.h"

#include "daemon/host_enroll.h"
#include "util.h"

#include <errno.h>
#include <unistd.h>

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	fixture_init(f);
	inet_pton(AF_INET, "192.0.2.0", &f->cfg.net.subnet);
	inet_pton(AF_INET, "255.255.255.0", &f->cfg.net.netmask);
	inet_pton(AF_INET, "192.0.2.254", &f->cfg.net.router);
	inet_pton(AF_INET, "192.0.2.1", &f->cfg.address);
	inet_pton(AF_INET, "192.0.2.11", &f->hosts[0].ip);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_cleanup(*state);
	free(*state);
	return 0;
}

static struct cfg_host mk(const char *name, const char *mac, const char *ip, const char *image)
{
	struct cfg_host h;
	memset(&h, 0, sizeof(h));
	snprintf(h.name, sizeof(h.name), "%s", name);
	assert_int_equal(mac_parse(mac, h.mac), 0);
	if (ip)
		inet_pton(AF_INET, ip, &h.ip);
	snprintf(h.image, sizeof(h.image), "%s", image ? image : "");
	return h;
}

static void add_refused(struct host_enroll *e, struct cfg_host h, int err, const char *why_part)
{
	char why[256] = "";
	assert_int_equal(host_enroll_add(e, &h, why, sizeof(why)), err);
	if (!strstr(why, why_part))
		fail_msg("why \"%s\" lacks \"%s\"", why, why_part);
}

static void test_checks(void **state)
{
	struct fixture *f = *state;
	struct host_enroll *e = host_enroll_open(&f->cfg, NULL, NULL);
	char why[256];

	assert_non_null(e);
	add_refused(e, mk("n2", "52:54:00:12:34:56", NULL, NULL), -EEXIST,
		    "MAC already used by \"node01\"");
	add_refused(e, mk("n2", "52:54:00:00:00:02", "192.0.2.11", NULL), -EEXIST,
		    "IP already reserved for \"node01\"");
	add_refused(e, mk("node02", "52:54:00:00:00:02", NULL, NULL), -EEXIST,
		    "duplicate host name \"node02\"");
	add_refused(e, mk("n2", "52:54:00:00:00:02", "198.51.100.1", NULL), -EINVAL,
		    "is in no dhcp subnet");
	/* addresses no host may have */
	add_refused(e, mk("n2", "52:54:00:00:00:02", "192.0.2.1", NULL), -EINVAL,
		    "address 192.0.2.1 is the server's own address");
	add_refused(e, mk("n2", "52:54:00:00:00:02", "192.0.2.254", NULL), -EINVAL,
		    "is the router of its subnet");
	add_refused(e, mk("n2", "52:54:00:00:00:02", "192.0.2.0", NULL), -EINVAL,
		    "is the network address of its subnet");
	add_refused(e, mk("n2", "52:54:00:00:00:02", "192.0.2.255", NULL), -EINVAL,
		    "is the broadcast address of its subnet");
	add_refused(e, mk("n2", "52:54:00:00:00:02", NULL, "nope"), -EINVAL,
		    "unknown image \"nope\"");
	add_refused(e, mk(".bad", "52:54:00:00:00:02", NULL, NULL), -EINVAL, "host name");
	struct cfg_host ok = mk("rack1", "52:54:00:00:00:02", "192.0.2.41", "base");
	assert_int_equal(host_enroll_add(e, &ok, why, sizeof(why)), 0);
	/* against enrolled hosts too */
	add_refused(e, mk("rack2", "52:54:00:00:00:02", NULL, NULL), -EEXIST, "\"rack1\"");
	add_refused(e, mk("rack2", "52:54:00:00:00:03", "192.0.2.41", NULL), -EEXIST,
		    "IP already reserved for \"rack1\"");
	add_refused(e, mk("rack1", "52:54:00:00:00:03", NULL, NULL), -EEXIST, "duplicate host");
	assert_int_equal(host_enroll_count(e), 1);
	host_enroll_close(e);
}

static void test_parse(void **state)
{
	struct cfg_host h;
	char why[256];
	static const char *const bad[] = {
	    "{\"name\": \"x\"}",
	    "{\"name\": \"x\", \"mac\": \"zz\"}",
	    "{\"name\": \"x\", \"mac\": \"00:00:00:00:00:00\"}",
	    "{\"name\": \"x\", \"mac\": \"52:54:00:00:00:01\", \"ip\": \"1.2.3\"}",
	    "{\"name\": \"x\", \"mac\": \"52:54:00:00:00:01\", \"txt\": [1]}",
	    "{\"name\": \"x\", \"mac\": \"52:54:00:00:00:01\", \"txt\": [\"a\\nb\"]}",
	    "{\"name\": \"x\", \"mac\": \"52:54:00:00:00:01\", \"extra\": 1}",
	    "{\"name\": \"a/b\", \"mac\": \"52:54:00:00:00:01\"}",
	    "{\"name\": \"x\", \"mac\": \"52:54", /* torn */
	    "",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (host_enroll_parse(bad[i], strlen(bad[i]), &h, why, sizeof(why)) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(why[0] != '\0');
	}
	const char *good = "{\"name\": \"r1\", \"mac\": \"52:54:00:00:00:01\", \"ip\": "
			   "\"192.0.2.5\", \"txt\": [\"rack: 1\", \"role: x\"]}";
	assert_int_equal(host_enroll_parse(good, strlen(good), &h, why, sizeof(why)), 0);
	assert_string_equal(h.name, "r1");
	assert_int_equal(h.ntxt, 2);
	assert_string_equal(h.txt[1], "role: x");
	/* format and parse round-trip */
	char *text = host_enroll_format(&h);
	struct cfg_host back;
	assert_int_equal(host_enroll_parse(text, strlen(text), &back, why, sizeof(why)), 0);
	assert_memory_equal(back.mac, h.mac, 6);
	assert_int_equal(back.ip.s_addr, h.ip.s_addr);
	assert_string_equal(back.txt[0], "rack: 1");
	free(text);
	host_enroll_clear(&h);
	host_enroll_clear(&back);
}

static void put(const struct fixture *f, const char *name, const char *text)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/enrolled/%s", f->cfg.state_dir, name);
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
}

static void test_persist_and_load(void **state)
{
	struct fixture *f = *state;
	struct host_enroll *e = host_enroll_open(&f->cfg, NULL, NULL);
	struct cfg_host h = mk("rack1", "52:54:00:00:00:02", "192.0.2.41", "base");
	char why[256], path[1200];

	assert_int_equal(host_enroll_add(e, &h, why, sizeof(why)), 0);
	host_enroll_close(e);
	/* torn, invalid, clashing (the first by name wins), misnamed and
	 * temporary files beside it */
	put(f, "torn.json", "{\"name\": \"torn\", \"mac\": \"52:54");
	put(f, "out.json",
	    "{\"name\": \"out\", \"mac\": \"52:54:00:00:00:05\", \"ip\": \"10.9.9.9\"}");
	put(f, "node01.json", "{\"name\": \"node01\", \"mac\": \"52:54:00:00:00:06\"}");
	put(f, "zdupmac.json", "{\"name\": \"zdupmac\", \"mac\": \"52:54:00:00:00:02\"}");
	put(f, "other.json", "{\"name\": \"someone\", \"mac\": \"52:54:00:00:00:07\"}");
	put(f, "rack9.json.tmp.123", "{\"name\": \"rack9\", \"mac\": \"52:54:00:00:00:08\"}");
	e = host_enroll_open(&f->cfg, NULL, NULL);
	assert_non_null(e);
	assert_int_equal(host_enroll_count(e), 1);
	const struct cfg_host *r = host_enroll_get(e, "rack1");
	assert_non_null(r);
	assert_string_equal(inet_ntoa(r->ip), "192.0.2.41");
	assert_string_equal(r->image, "base");
	assert_ptr_equal(host_enroll_by_mac(e, h.mac), r);
	/* removal: the file goes, the host is handed back */
	struct cfg_host *t = host_enroll_take(e, "rack1");
	assert_non_null(t);
	host_enroll_free(t);
	assert_null(host_enroll_take(e, "rack1"));
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/enrolled/rack1.json", f->cfg.state_dir);
	assert_int_equal(access(path, F_OK), -1);
	host_enroll_close(e);
	/* with rack1 gone, the host whose MAC clashed with it is served */
	e = host_enroll_open(&f->cfg, NULL, NULL);
	assert_int_equal(host_enroll_count(e), 1);
	assert_non_null(host_enroll_get(e, "zdupmac"));
	host_enroll_close(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_checks, setup, teardown),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test_setup_teardown(test_persist_and_load, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
