/* test_warn_limit.c - one line per key and window, the held-back count
 * on the next line, keys apart, a clock stepping back. */
#include "util.h"
#include "warn_limit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct warn_limit wl;

static void test_once_per_window(void **state)
{
	uint32_t held = 99;
	(void)state;

	warn_limit_init(&wl, 60);
	assert_true(warn_limit_pass(&wl, "node001", 7, 1000, &held));
	assert_int_equal(held, 0);
	for (int i = 1; i <= 5; i++)
		assert_false(warn_limit_pass(&wl, "node001", 7, 1000 + i * 10, &held));
	/* 59 s later: still within the window */
	assert_false(warn_limit_pass(&wl, "node001", 7, 1059, &held));
	/* the window is over: written, saying six were held back */
	assert_true(warn_limit_pass(&wl, "node001", 7, 1060, &held));
	assert_int_equal(held, 6);
	/* and the count starts over */
	assert_false(warn_limit_pass(&wl, "node001", 7, 1061, &held));
	assert_true(warn_limit_pass(&wl, "node001", 7, 1200, &held));
	assert_int_equal(held, 1);
}

static void test_keys_apart(void **state)
{
	uint32_t held;
	char key[8] = {0};
	(void)state;

	warn_limit_init(&wl, 60);
	/* many keys each get their first line, whatever slot they share */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%05d", i);
		assert_true(warn_limit_pass(&wl, key, sizeof(key), 5, &held));
		assert_int_equal(held, 0);
	}
	/* a key and its prefix are different keys */
	warn_limit_init(&wl, 60);
	assert_true(warn_limit_pass(&wl, "abc", 3, 5, &held));
	assert_true(warn_limit_pass(&wl, "ab", 2, 5, &held));
	/* keys longer than the maximum are cut, not overrun */
	char longkey[64] = {0};
	assert_true(warn_limit_pass(&wl, longkey, sizeof(longkey), 5, &held));
	assert_false(warn_limit_pass(&wl, longkey, WARN_LIMIT_KEY_MAX, 6, &held));
}

/* Keys that share a set alternate without evicting each other: each is
 * still written once per window, with its own count. */
static void test_shared_set(void **state)
{
	uint32_t held, h;
	char keys[WARN_LIMIT_WAYS][8] = {{0}};
	int n = 0;
	(void)state;

	warn_limit_init(&wl, 60);
	/* find WARN_LIMIT_WAYS keys that hash into one set */
	uint32_t want = 0;
	for (int i = 0; n < WARN_LIMIT_WAYS && i < 100000; i++) {
		char k[8] = {0};
		snprintf(k, sizeof(k), "m%04d", i);
		if (i == 0)
			want = fnv1a(k, sizeof(k)) % WARN_LIMIT_SETS;
		if (fnv1a(k, sizeof(k)) % WARN_LIMIT_SETS == want)
			memcpy(keys[n++], k, sizeof(k));
	}
	assert_int_equal(n, WARN_LIMIT_WAYS);
	for (int round = 0; round < 10; round++)
		for (int k = 0; k < n; k++)
			assert_int_equal(warn_limit_pass(&wl, keys[k], 8, 100 + round, &held),
					 round == 0);
	for (int k = 0; k < n; k++) {
		assert_true(warn_limit_pass(&wl, keys[k], 8, 200, &h));
		assert_int_equal(h, 9);
	}
}

static void test_clock_back(void **state)
{
	uint32_t held;
	(void)state;

	warn_limit_init(&wl, 60);
	assert_true(warn_limit_pass(&wl, "x", 1, 100000, &held));
	/* the clock was set back an hour: the key is not silenced until then */
	assert_true(warn_limit_pass(&wl, "x", 1, 96400, &held));
	assert_false(warn_limit_pass(&wl, "x", 1, 96401, &held));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_once_per_window),
	    cmocka_unit_test(test_keys_apart),
	    cmocka_unit_test(test_shared_set),
	    cmocka_unit_test(test_clock_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
