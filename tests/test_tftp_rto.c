/* test_tftp_rto.c - the retransmission timeout estimator (RFC 6298 with
 * Karn's rule left to the caller, RFC 2349 timeout honoured). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tftp/tftp_rto.h"

static void test_initial(void **state)
{
	struct tftp_rto r;

	(void)state;
	tftp_rto_init(&r, 0);
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_INIT_MS);
}

/* A slow path raises the timeout above the floor: first sample R gives
 * SRTT = R, RTTVAR = R/2, RTO = R + 4 R/2 = 3R (RFC 6298 2.2). */
static void test_first_sample(void **state)
{
	struct tftp_rto r;

	(void)state;
	tftp_rto_init(&r, 0);
	tftp_rto_sample(&r, 600);
	assert_int_equal(tftp_rto_ms(&r), 1800);
	/* steady samples: RTTVAR decays and RTO comes down to the floor */
	for (int i = 0; i < 50; i++)
		tftp_rto_sample(&r, 600);
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_MIN_MS);
	/* a steady 1.5 s path: RTO converges to just above SRTT */
	tftp_rto_init(&r, 0);
	tftp_rto_sample(&r, 1500);
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_CEIL_MS < 4500 ? TFTP_RTO_CEIL_MS : 4500);
	for (int i = 0; i < 60; i++)
		tftp_rto_sample(&r, 1500);
	assert_true(tftp_rto_ms(&r) >= 1500 && tftp_rto_ms(&r) < 1600);
}

/* A LAN round trip of under a millisecond never goes below the floor. */
static void test_floor(void **state)
{
	struct tftp_rto r;

	(void)state;
	tftp_rto_init(&r, 0);
	for (int i = 0; i < 10; i++)
		tftp_rto_sample(&r, 0);
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_MIN_MS);
}

static void test_backoff_bounded(void **state)
{
	struct tftp_rto r;

	(void)state;
	tftp_rto_init(&r, 0);
	tftp_rto_backoff(&r);
	assert_int_equal(tftp_rto_ms(&r), 2000);
	for (int i = 0; i < 10; i++)
		tftp_rto_backoff(&r);
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_CEIL_MS);
	tftp_rto_ack(&r); /* new data: back to the estimate */
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_INIT_MS);
	/* huge samples are capped by the ceiling; absurd ones ignored */
	tftp_rto_sample(&r, 5000);
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_CEIL_MS);
	tftp_rto_sample(&r, 3600 * 1000);
	tftp_rto_sample(&r, -5);
	assert_int_equal(tftp_rto_ms(&r), TFTP_RTO_CEIL_MS);
}

/* RFC 2349: the negotiated timeout is used as is; samples do not move it,
 * backoff may go above the default ceiling up to the option's value. */
static void test_option_timeout(void **state)
{
	struct tftp_rto r;

	(void)state;
	tftp_rto_init(&r, 3);
	assert_int_equal(tftp_rto_ms(&r), 3000);
	tftp_rto_sample(&r, 1);
	assert_int_equal(tftp_rto_ms(&r), 3000);
	tftp_rto_backoff(&r);
	assert_int_equal(tftp_rto_ms(&r), 6000);
	tftp_rto_ack(&r);
	assert_int_equal(tftp_rto_ms(&r), 3000);
	tftp_rto_init(&r, 20);
	assert_int_equal(tftp_rto_ms(&r), 20000);
	tftp_rto_backoff(&r);
	assert_int_equal(tftp_rto_ms(&r), 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial),		cmocka_unit_test(test_first_sample),
		cmocka_unit_test(test_floor),		cmocka_unit_test(test_backoff_bounded),
		cmocka_unit_test(test_option_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
