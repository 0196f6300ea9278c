/* test_installer_rsync.c - the image step's pure pieces: rsync's
 * --info=progress2 lines (bytes, percent, rate, files), which exit
 * statuses are worth a retry (rsync(1) EXIT VALUES; a full daemon versus
 * a refusing one, both exit 5) and the retry delays. */
#include "image_rsync.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_progress(void **state)
{
	struct rsync_progress p;
	(void)state;

	assert_true(rsync_parse_progress(
	    "  1,234,567  45%   12.34MB/s    0:00:12 (xfr#12, to-chk=34/100)", &p));
	assert_int_equal(p.bytes, 1234567);
	assert_int_equal(p.percent, 45);
	assert_string_equal(p.rate, "12.34MB/s");
	assert_int_equal(p.files, 66);
	assert_int_equal(p.total, 100);
	assert_true(rsync_parse_progress("815,000,000,000 100%  23.00MB/s  0:00:35", &p));
	assert_int_equal(p.bytes, 815000000000ull);
	assert_int_equal(p.percent, 100);
	assert_int_equal(p.total, 0); /* no file counts on this line */
	assert_true(rsync_parse_progress("              0   0%    0.00kB/s    0:00:00", &p));
	assert_int_equal(p.bytes, 0);
	assert_string_equal(p.rate, "0.00kB/s");
	/* incremental recursion's form, and a bare line without rate */
	assert_true(
	    rsync_parse_progress("  5,000  10%  1.00GB/s 0:00:01 (xfr#1, ir-chk=9/10)", &p));
	assert_int_equal(p.files, 1);
	assert_true(rsync_parse_progress("  12 5%", &p));
	assert_string_equal(p.rate, "");
	assert_false(rsync_parse_progress("rsync: [sender] link_stat \"/x\" failed", &p));
	assert_false(rsync_parse_progress("sent 1,234 bytes  received 5 bytes", &p));
	assert_false(rsync_parse_progress("  12 101%", &p));
	assert_false(rsync_parse_progress("  12  45", &p));
	assert_false(rsync_parse_progress("", &p));
	assert_false(rsync_parse_progress("99999999999999999999999 5%", &p));
	/* to-chk larger than the total is junk, not a negative count */
	assert_true(rsync_parse_progress("  1 1%  1.00kB/s 0:00:01 (xfr#1, to-chk=11/10)", &p));
	assert_int_equal(p.total, 0);
}

static void test_verdict(void **state)
{
	(void)state;
	assert_int_equal(rsync_exit_verdict(0, ""), RSYNC_OK);
	assert_int_equal(rsync_exit_verdict(24, "file has vanished"), RSYNC_OK);
	/* the link failed: worth another try */
	assert_int_equal(
	    rsync_exit_verdict(10, "failed to connect to 192.0.2.1: Connection refused"),
	    RSYNC_TRANSIENT);
	assert_int_equal(rsync_exit_verdict(12, "connection unexpectedly closed"), RSYNC_TRANSIENT);
	assert_int_equal(rsync_exit_verdict(30, "timeout in data send/receive"), RSYNC_TRANSIENT);
	assert_int_equal(rsync_exit_verdict(35, "timeout waiting for daemon connection"),
			 RSYNC_TRANSIENT);
	assert_int_equal(rsync_exit_verdict(5, "@ERROR: max connections (4) reached -- try again "
					       "later | rsync error: error starting client-server "
					       "protocol (code 5)"),
			 RSYNC_TRANSIENT);
	/* the request is wrong: the same answer every time */
	assert_int_equal(rsync_exit_verdict(5, "@ERROR: Unknown module 'nosuch' | rsync error: "
					       "error starting client-server protocol (code 5)"),
			 RSYNC_PERMANENT);
	assert_int_equal(rsync_exit_verdict(5, NULL), RSYNC_PERMANENT);
	for (int st = 1; st <= 4; st++)
		assert_int_equal(rsync_exit_verdict(st, "x"), RSYNC_PERMANENT);
	assert_int_equal(rsync_exit_verdict(11, "No space left on device"), RSYNC_PERMANENT);
	assert_int_equal(rsync_exit_verdict(23, "some files/attrs were not transferred"),
			 RSYNC_PERMANENT);
	assert_int_equal(rsync_exit_verdict(20, "received SIGINT"), RSYNC_PERMANENT);
	assert_int_equal(rsync_exit_verdict(-ENOENT, ""), RSYNC_PERMANENT);
	assert_int_equal(rsync_exit_verdict(-ECHILD, ""), RSYNC_PERMANENT);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(rsync_backoff_s(1), 2);
	assert_int_equal(rsync_backoff_s(2), 4);
	assert_int_equal(rsync_backoff_s(3), 8);
	assert_int_equal(rsync_backoff_s(4), 16);
	assert_int_equal(rsync_backoff_s(5), RSYNC_BACKOFF_MAX_S);
	assert_int_equal(rsync_backoff_s(100), RSYNC_BACKOFF_MAX_S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_progress),
	    cmocka_unit_test(test_verdict),
	    cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
