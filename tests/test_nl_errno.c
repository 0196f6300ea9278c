/* test_nl_errno.c - libnl error codes as errno. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/nl_errno.h"

#include <errno.h>
#include <netlink/errno.h>

static void test_map(void **state)
{
	(void)state;
	assert_int_equal(nl_errno(-NLE_PERM), -EPERM);
	assert_int_equal(nl_errno(-NLE_OPNOTSUPP), -EOPNOTSUPP);
	assert_int_equal(nl_errno(-NLE_EXIST), -EEXIST);
	assert_int_equal(nl_errno(-NLE_NODEV), -ENODEV);
	assert_int_equal(nl_errno(-NLE_NOMEM), -ENOMEM);
	/* no errno of its own: EIO, never 0 or a positive value */
	assert_int_equal(nl_errno(-NLE_MSG_TRUNC), -EIO);
	assert_int_equal(nl_errno(-9999), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
