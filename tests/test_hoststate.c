/* test_hoststate.c - host state transitions, tokens and persistence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/hoststate.h"
#include "test_fixture.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

static int setup(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	if (!f)
		return -1;
	fixture_init(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_cleanup(*state);
	free(*state);
	return 0;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

static void test_defaults_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	static const uint8_t zero[6];

	assert_non_null(hs);
	assert_int_equal(hoststate_count(hs), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(hoststate_at(hs, i)->state, HOST_LOCALBOOT);
		assert_false(hoststate_wants_install(hoststate_at(hs, i)));
	}
	assert_null(hoststate_at(hs, 2));
	assert_ptr_equal(hoststate_by_mac(hs, f->hosts[1].mac), hoststate_get(hs, "node02"));
	assert_null(hoststate_by_mac(hs, zero));
	assert_null(hoststate_get(hs, "node03"));
	assert_int_equal(host_state_parse("installing"), HOST_INSTALLING);
	assert_int_equal(host_state_parse("bogus"), -1);
	hoststate_close(hs);
}

static void test_refused_transitions(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");

	assert_int_equal(hoststate_netboot(hs, "nope", "base", NULL, false), -ENOENT);
	assert_int_equal(hoststate_netboot(hs, "node01", "nope", NULL, false), -ENOENT);
	assert_int_equal(hoststate_netboot(hs, "node01", "base", "../x", false), -EINVAL);
	assert_int_equal(hoststate_netboot(hs, "node01", "base", "a b", false), -EINVAL);
	assert_int_equal(hoststate_progress(hs, "node01", "rsync", 5, 0, ""), -EINVAL);
	assert_int_equal(hoststate_done(hs, "node01", true, ""), -EINVAL);
	assert_int_equal(hoststate_install_started(hs, "node01"), -EINVAL);
	assert_int_equal(h->state, HOST_LOCALBOOT);
	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), 0);
	assert_int_equal(hoststate_progress(hs, "node01", "rsync", 101, 0, ""), -EINVAL);
	assert_int_equal(hoststate_progress(hs, "node01", "rsync", -1, 0, ""), -EINVAL);
	assert_int_equal(h->state, HOST_NETBOOT);
	hoststate_close(hs);
}

static void test_install_cycle(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");
	char token[HOST_TOKEN_LEN + 1];

	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, true), 0);
	assert_int_equal(h->state, HOST_NETBOOT);
	assert_string_equal(h->image, "base");
	assert_string_equal(h->flavor, "default"); /* from the image */
	assert_true(h->once);
	assert_true(is_hex64(h->token));
	assert_true(hoststate_wants_install(h));
	strcpy(token, h->token);
	assert_true(hoststate_token_ok(h, token));
	assert_false(hoststate_token_ok(h, "0000"));
	assert_false(hoststate_token_ok(h, ""));
	assert_false(hoststate_token_ok(h, NULL));

	assert_int_equal(hoststate_install_started(hs, "node01"), 0);
	assert_int_equal(h->state, HOST_INSTALLING);
	assert_true(h->started_at > 0);
	/* --once: the arm is used up by the plan fetch */
	assert_false(hoststate_wants_install(h));
	assert_true(hoststate_token_ok(h, token)); /* the running installer still reports */
	assert_int_equal(hoststate_install_started(hs, "node01"), -EINVAL);
	assert_int_equal(hoststate_progress(hs, "node01", "rsync", 40, 12345, "copying"), 0);
	assert_string_equal(h->step, "rsync");
	assert_int_equal(h->percent, 40);
	assert_int_equal(h->bytes, 12345);
	assert_false(hoststate_wants_install(h)); /* a reboot mid-install boots local */

	assert_int_equal(hoststate_done(hs, "node01", true, "ok"), 0);
	assert_int_equal(h->state, HOST_INSTALLED);
	assert_string_equal(h->token, "");
	assert_false(hoststate_token_ok(h, token)); /* dead after done */
	assert_false(hoststate_wants_install(h));
	assert_int_equal(hoststate_done(hs, "node01", true, "again"), -EINVAL);
	assert_int_equal(hoststate_progress(hs, "node01", "x", 1, 0, ""), -EINVAL);

	/* re-arming mints a fresh token */
	assert_int_equal(hoststate_netboot(hs, "node01", "base", "rescue", false), 0);
	assert_string_equal(h->flavor, "rescue");
	assert_string_not_equal(h->token, token);
	assert_int_equal(hoststate_localboot(hs, "node01"), 0);
	assert_int_equal(h->state, HOST_LOCALBOOT);
	assert_string_equal(h->token, "");
	hoststate_close(hs);
}

static void test_failed_stays_failed(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node02");

	assert_int_equal(hoststate_netboot(hs, "node02", "base", NULL, false), 0);
	/* first progress moves netboot -> installing */
	assert_int_equal(hoststate_progress(hs, "node02", "partition", 5, 0, "parted"), 0);
	assert_int_equal(h->state, HOST_INSTALLING);
	assert_int_equal(hoststate_done(hs, "node02", false, "mkfs failed"), 0);
	assert_int_equal(h->state, HOST_FAILED);
	assert_string_equal(h->message, "mkfs failed");
	assert_string_equal(h->step, "partition");
	assert_false(hoststate_wants_install(h));
	assert_string_equal(h->token, "");
	/* the failed event names the step once */
	assert_string_equal(hoststate_event_at(hs, h, 0)->event, "failed");
	assert_string_equal(hoststate_event_at(hs, h, 0)->detail, "at step partition: mkfs failed");
	assert_int_equal(hoststate_netboot(hs, "node02", "base", NULL, false), 0);
	assert_int_equal(hoststate_progress(hs, "node02", "disk", 0, 0, "resolving"), 0);
	assert_int_equal(hoststate_done(hs, "node02", false, "step disk: no disk"), 0);
	assert_string_equal(hoststate_event_at(hs, h, 0)->detail, "step disk: no disk");
	hoststate_close(hs);
}

static void test_persistence(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	char token[HOST_TOKEN_LEN + 1], path[PATH_MAX];
	struct host_rt *h;
	struct stat st;

	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), 0);
	assert_int_equal(hoststate_progress(hs, "node01", "rsync", 50, 99, "half"), 0);
	strcpy(token, hoststate_get(hs, "node01")->token);
	assert_int_equal(hoststate_netboot(hs, "node02", "base", NULL, false), 0);
	assert_int_equal(hoststate_install_started(hs, "node02"), 0);
	assert_int_equal(hoststate_done(hs, "node02", false, "disk gone"), 0);
	hoststate_close(hs);

	snprintf(path, sizeof(path), "%s/hosts/node01.json", f->cfg.state_dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* holds the token */

	hs = hoststate_open(&f->cfg);
	h = hoststate_get(hs, "node01");
	assert_int_equal(h->state, HOST_INSTALLING);
	assert_string_equal(h->token, token); /* an install survives a restart */
	assert_string_equal(h->step, "rsync");
	assert_int_equal(h->percent, 50);
	assert_int_equal(h->bytes, 99);
	assert_string_equal(h->message, "half");
	assert_false(h->plan_fetched);
	h = hoststate_get(hs, "node02");
	assert_int_equal(h->state, HOST_FAILED);
	assert_string_equal(h->error, "disk gone");
	assert_true(h->finished_at > 0);
	assert_false(hoststate_wants_install(h));
	hoststate_close(hs);
}

/* The frozen version of an arm: recorded once, persisted, cleared by the
 * next arm; a version that could not be made fails the host. */
static void test_frozen(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");

	assert_int_equal(hoststate_set_frozen(hs, "node01", "base@1", NULL),
			 -EINVAL); /* not armed */
	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), 0);
	assert_string_equal(h->frozen, "");
	assert_int_equal(hoststate_set_frozen(hs, "node01", "base@3", NULL), 0);
	assert_string_equal(h->frozen, "base@3");
	assert_int_equal(hoststate_set_frozen(hs, "node01", "base@4", NULL), -EINVAL); /* once */
	assert_int_equal(hoststate_set_frozen(hs, "nope", "base@4", NULL), -ENOENT);
	hoststate_close(hs);
	hs = hoststate_open(&f->cfg);
	h = hoststate_get(hs, "node01");
	assert_string_equal(h->frozen, "base@3");
	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), 0);
	assert_string_equal(h->frozen, ""); /* a fresh version for every arm */
	assert_int_equal(hoststate_set_frozen(hs, "node01", NULL, "cannot freeze image base: full"),
			 0);
	assert_int_equal(h->state, HOST_FAILED);
	assert_string_equal(h->error, "cannot freeze image base: full");
	assert_string_equal(h->token, "");
	assert_false(hoststate_wants_install(h));
	hoststate_close(hs);
}

static void test_malformed_file(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	char path[PATH_MAX];
	static const char *const junk[] = { "{", "[]", "{\"state\":\"weird\"}",
					    "{\"state\":\"netboot\",\"token\":\"abc\"}" };

	hoststate_close(hs);
	snprintf(path, sizeof(path), "%s/hosts/node01.json", f->cfg.state_dir);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		assert_int_equal(write_file_atomic(path, junk[i], strlen(junk[i]), 0600), 0);
		hs = hoststate_open(&f->cfg);
		assert_non_null(hs);
		assert_int_equal(hoststate_get(hs, "node01")->state, HOST_LOCALBOOT);
		hoststate_close(hs);
	}
}

static void test_failed_write_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");
	char dir[PATH_MAX], moved[PATH_MAX + 8];

	snprintf(dir, sizeof(dir), "%s/hosts", f->cfg.state_dir);
	snprintf(moved, sizeof(moved), "%s.gone", dir);
	assert_int_equal(rename(dir, moved), 0);
	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), -EIO);
	assert_int_equal(h->state, HOST_LOCALBOOT);
	assert_string_equal(h->token, "");
	assert_int_equal(rename(moved, dir), 0);
	hoststate_close(hs);
}

/* Without --once, a host that reboots mid-install gets the installer again
 * (and may fetch its plan again) until done. */
static void test_without_once_reinstalls(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");

	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), 0);
	assert_int_equal(hoststate_install_started(hs, "node01"), 0);
	assert_true(hoststate_wants_install(h));
	assert_int_equal(hoststate_progress(hs, "node01", "rsync", 30, 0, ""), 0);
	/* reboot: the installer starts over and fetches the plan again */
	assert_true(hoststate_wants_install(h));
	assert_int_equal(hoststate_install_started(hs, "node01"), 0);
	assert_int_equal(h->state, HOST_INSTALLING);
	assert_int_equal(hoststate_done(hs, "node01", true, ""), 0);
	assert_false(hoststate_wants_install(h));
	assert_int_equal(hoststate_install_started(hs, "node01"), -EINVAL);
	hoststate_close(hs);
}

/* done only from installing; progress without a plan still starts one. */
static void test_done_requires_installing(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");
	char token[HOST_TOKEN_LEN + 1];

	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, true), 0);
	strcpy(token, h->token);
	assert_int_equal(hoststate_done(hs, "node01", true, ""), -EINVAL);
	assert_int_equal(hoststate_done(hs, "node01", false, ""), -EINVAL);
	assert_int_equal(h->state, HOST_NETBOOT);
	assert_true(hoststate_token_ok(h, token));
	assert_true(hoststate_wants_install(h));
	/* the installer's first reports come before its plan fetch */
	assert_int_equal(hoststate_progress(hs, "node01", "clock", 0, 0, ""), 0);
	assert_int_equal(h->state, HOST_INSTALLING);
	assert_true(hoststate_wants_install(h)); /* not consumed before the plan */
	assert_int_equal(hoststate_install_started(hs, "node01"), 0);
	assert_false(hoststate_wants_install(h));
	assert_int_equal(hoststate_install_started(hs, "node01"), -EINVAL);
	assert_int_equal(hoststate_done(hs, "node01", true, ""), 0);
	assert_int_equal(hoststate_done(hs, "node01", true, ""), -EINVAL);
	assert_int_equal(hoststate_done(hs, "nope", true, ""), -ENOENT);
	hoststate_close(hs);
}

static void test_timestamps_error_stats(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");
	const struct hoststate_stats *st = hoststate_stats(hs);

	assert_int_equal(hoststate_netboot(hs, "node01", "base", "rescue", false), 0);
	assert_true(h->changed_at > 0);
	assert_int_equal(h->started_at, 0);
	assert_int_equal(hoststate_install_started(hs, "node01"), 0);
	assert_int_equal(hoststate_progress(hs, "node01", "mkfs", 20, 0, "mke2fs"), 0);
	assert_int_equal(hoststate_done(hs, "node01", false, "mkfs failed"), 0);
	assert_string_equal(h->error, "mkfs failed");
	assert_string_equal(h->step, "mkfs"); /* the step it failed at */
	assert_string_equal(h->image, "base");
	assert_string_equal(h->flavor, "rescue");
	assert_true(h->finished_at >= h->started_at && h->started_at > 0);
	assert_int_equal(st->installs_failed, 1);
	assert_int_equal(st->installs_ok, 0);
	/* re-armed: the last error stays visible until an install succeeds */
	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), 0);
	assert_string_equal(h->error, "mkfs failed");
	assert_int_equal(hoststate_install_started(hs, "node01"), 0);
	assert_int_equal(hoststate_done(hs, "node01", true, "ok"), 0);
	assert_string_equal(h->error, "");
	assert_int_equal(st->installs_ok, 1);
	assert_true(st->install_seconds_sum < 5);
	hoststate_close(hs);
}

static void test_events_ring(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");
	const struct host_event *ev;
	char want[32];

	assert_null(hoststate_event_at(hs, h, 0));
	assert_int_equal(hoststate_netboot(hs, "node01", "base", NULL, false), 0);
	/* newest first: the netboot event after the state change it caused */
	ev = hoststate_event_at(hs, h, 0);
	assert_non_null(ev);
	assert_string_equal(ev->event, "netboot");
	assert_string_equal(ev->detail, "image base flavor default");
	ev = hoststate_event_at(hs, h, 1);
	assert_string_equal(ev->event, "state");
	assert_string_equal(ev->detail, "localboot -> netboot");
	assert_null(hoststate_event_at(hs, h, 2));
	assert_null(hoststate_event_at(hs, hoststate_get(hs, "node02"), 0));
	for (int i = 0; i < HOST_EVENTS + 3; i++)
		hoststate_event(hs, h, "test", "n%d \"quoted\"\n", i);
	for (size_t i = 0; i < HOST_EVENTS; i++) {
		snprintf(want, sizeof(want), "n%zu \"quoted\"\n", (size_t)HOST_EVENTS + 2 - i);
		assert_string_equal(hoststate_event_at(hs, h, i)->detail, want);
	}
	assert_null(hoststate_event_at(hs, h, HOST_EVENTS));
	hoststate_close(hs);
}

/* The same event again is counted in the newest one, not stored again;
 * another detail or another event is a new entry. */
static void test_events_fold(void **state)
{
	struct fixture *f = *state;
	struct hoststate *hs = hoststate_open(&f->cfg);
	struct host_rt *h = hoststate_get(hs, "node01");
	const struct host_event *ev;

	for (int i = 0; i < 500; i++)
		hoststate_event(hs, h, "boot-config", "pxelinux local");
	ev = hoststate_event_at(hs, h, 0);
	assert_string_equal(ev->detail, "pxelinux local");
	assert_int_equal(ev->repeats, 499);
	assert_true(ev->last_at >= ev->at);
	assert_null(hoststate_event_at(hs, h, 1));
	hoststate_event(hs, h, "boot-config", "ipxe local");
	hoststate_event(hs, h, "boot-config", "pxelinux local");
	hoststate_event(hs, h, "other", "pxelinux local");
	assert_string_equal(hoststate_event_at(hs, h, 0)->event, "other");
	assert_int_equal(hoststate_event_at(hs, h, 0)->repeats, 0);
	assert_string_equal(hoststate_event_at(hs, h, 1)->detail, "pxelinux local");
	assert_int_equal(hoststate_event_at(hs, h, 1)->repeats, 0);
	assert_string_equal(hoststate_event_at(hs, h, 2)->detail, "ipxe local");
	assert_int_equal(hoststate_event_at(hs, h, 3)->repeats, 499);
	/* another host's events are its own */
	hoststate_event(hs, hoststate_get(hs, "node02"), "other", "pxelinux local");
	assert_int_equal(hoststate_event_at(hs, hoststate_get(hs, "node02"), 0)->repeats, 0);
	hoststate_close(hs);
}

/* Lookups by name and by MAC go through hash indexes: every one of many
 * hosts is found, by either key; unknown keys, and the zero MAC of hosts
 * configured without one, find nothing. */
static void test_lookup_many_hosts(void **state)
{
	struct fixture *f = *state;
	enum { N = 3000 };
	struct cfg_host *hosts = calloc(N, sizeof(*hosts));
	struct hoststate *hs;
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };
	static const uint8_t zero[6];

	assert_non_null(hosts);
	for (int i = 0; i < N; i++) {
		snprintf(hosts[i].name, sizeof(hosts[i].name), "n%04d", i);
		if (i % 10 != 7) { /* every tenth host has no MAC */
			mac[4] = (uint8_t)(i >> 8);
			mac[5] = (uint8_t)i;
			memcpy(hosts[i].mac, mac, 6);
		}
	}
	f->cfg.hosts = hosts;
	f->cfg.nhosts = N;
	hs = hoststate_open(&f->cfg);
	assert_non_null(hs);
	for (int i = 0; i < N; i++) {
		struct host_rt *h = hoststate_get(hs, hosts[i].name);
		assert_non_null(h);
		assert_ptr_equal(h->cfg, &hosts[i]);
		if (i % 10 != 7)
			assert_ptr_equal(hoststate_by_mac(hs, hosts[i].mac), h);
	}
	assert_null(hoststate_by_mac(hs, zero));
	mac[4] = 0xff;
	assert_null(hoststate_by_mac(hs, mac));
	assert_null(hoststate_get(hs, "n3000"));
	assert_null(hoststate_get(hs, ""));
	hoststate_close(hs);
	free(hosts);
}

/* The rate counts bytes between reports at least RATE_WINDOW_MS apart and
 * starts over on a new step or when the byte count goes down. */
static void test_progress_rate(void **state)
{
	struct host_rt h = { 0 };

	(void)state;
	hoststate_rate_update(&h, true, 0, 5000);
	assert_int_equal(h.rate, 0);
	hoststate_rate_update(&h, false, 1000, 5400); /* too soon: no sample */
	assert_int_equal(h.rate, 0);
	hoststate_rate_update(&h, false, 4 << 20, 7000); /* 4 MiB in 2 s */
	assert_int_equal(h.rate, 2 << 20);
	hoststate_rate_update(&h, false, (4 << 20) + 500, 7500); /* burst: kept */
	assert_int_equal(h.rate, 2 << 20);
	hoststate_rate_update(&h, false, 10 << 20, 9000); /* 6 MiB in 2 s */
	assert_int_equal(h.rate, 3 << 20);
	hoststate_rate_update(&h, false, 1 << 20, 11000); /* retried from the start */
	assert_int_equal(h.rate, 0);
	hoststate_rate_update(&h, false, 3 << 20, 12000);
	assert_int_equal(h.rate, 2 << 20);
	hoststate_rate_update(&h, true, 3 << 20, 14000); /* next step */
	assert_int_equal(h.rate, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults_and_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_transitions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_install_cycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frozen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_stays_failed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_write_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_without_once_reinstalls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_done_requires_installing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timestamps_error_stats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_many_hosts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events_fold, setup, teardown),
	    cmocka_unit_test(test_progress_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
