/* test_discovered.c - the discovered table: update, bounds, eviction of the
 * least recently seen, forgetting, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dhcp/discovered.h"

#include <stdbool.h>
#include <string.h>

static void mac_of(unsigned i, uint8_t mac[6])
{
	const uint8_t m[6] = {0x52, 0x54, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	memcpy(mac, m, 6);
}

static void test_update(void **state)
{
	struct discovered d;
	uint8_t mac[6];
	const struct disc_entry *e;

	(void)state;
	assert_int_equal(discovered_init(&d, 8), 0);
	mac_of(1, mac);
	discovered_note(&d, mac, 100, 0, (const uint8_t *)"PXEClient", 9);
	discovered_note(&d, mac, 130, 7, (const uint8_t *)"PXEClient\n\x01", 11);
	assert_int_equal(d.n, 1);
	assert_non_null(e = discovered_get(&d, mac));
	assert_int_equal(e->first_seen, 100);
	assert_int_equal(e->last_seen, 130);
	assert_int_equal(e->requests, 2);
	assert_int_equal(e->arch, 7);
	/* peer bytes are stored escaped */
	assert_null(strchr(e->vendor, '\n'));
	assert_non_null(strstr(e->vendor, "PXEClient"));
	discovered_free(&d);
}

static unsigned count;
static void count_one(const struct disc_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	count++;
}

static void test_bound_and_evict(void **state)
{
	struct discovered d;
	uint8_t mac[6];

	(void)state;
	assert_int_equal(discovered_init(&d, 4), 0);
	for (unsigned i = 0; i < 4; i++) {
		mac_of(i, mac);
		discovered_note(&d, mac, 100 + i, 0, NULL, 0);
	}
	/* seeing 0 again makes 1 the oldest */
	mac_of(0, mac);
	discovered_note(&d, mac, 200, 0, NULL, 0);
	mac_of(9, mac);
	discovered_note(&d, mac, 201, 0, NULL, 0);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.evicted, 1);
	mac_of(1, mac);
	assert_null(discovered_get(&d, mac));
	for (unsigned i = 0; i < 10; i++) {
		mac_of(i, mac);
		bool want = i == 0 || i == 2 || i == 3 || i == 9;
		assert_int_equal(discovered_get(&d, mac) != NULL, want);
	}
	/* a flood keeps the table at its bound, every lookup consistent */
	for (unsigned i = 1000; i < 1100; i++) {
		mac_of(i, mac);
		discovered_note(&d, mac, i, 0, NULL, 0);
	}
	assert_int_equal(d.n, 4);
	assert_int_equal(d.evicted, 101);
	for (unsigned i = 1096; i < 1100; i++) {
		mac_of(i, mac);
		assert_non_null(discovered_get(&d, mac));
	}
	count = 0;
	discovered_foreach(&d, count_one, NULL);
	assert_int_equal(count, 4);
	discovered_free(&d);
}

static void test_forget(void **state)
{
	struct discovered d;
	uint8_t mac[6];

	(void)state;
	assert_int_equal(discovered_init(&d, 0), 0);
	assert_int_equal(d.cap, DISCOVERED_MAX);
	for (unsigned i = 0; i < 50; i++) {
		mac_of(i, mac);
		discovered_note(&d, mac, i, -1, NULL, 0);
	}
	for (unsigned i = 0; i < 50; i += 2) {
		mac_of(i, mac);
		discovered_forget(&d, mac);
	}
	assert_int_equal(d.n, 25);
	for (unsigned i = 0; i < 50; i++) {
		mac_of(i, mac);
		assert_int_equal(discovered_get(&d, mac) != NULL, i % 2 == 1);
	}
	mac_of(7, mac);
	discovered_forget(&d, mac);
	discovered_forget(&d, mac); /* twice: no-op */
	assert_int_equal(d.n, 24);
	count = 0;
	discovered_foreach(&d, count_one, NULL);
	assert_int_equal(count, 24);
	discovered_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_update),
	    cmocka_unit_test(test_bound_and_evict),
	    cmocka_unit_test(test_forget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
