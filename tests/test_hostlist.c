/* test_hostlist.c - host-list expansion: fixture table of expressions and
 * their exact expansions, and malformed inputs with their messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostlist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *expr;
	const char *joined; /* expansion joined with ' ' */
} good[] = {
	{ "web7", "web7" },
	{ "node[1-3]", "node1 node2 node3" },
	{ "node[001-003]", "node001 node002 node003" },
	{ "node[08-11]", "node08 node09 node10 node11" },
	{ "n[1,3,5-7]", "n1 n3 n5 n6 n7" },
	{ "node[001-002],gpu[1-2],web7", "node001 node002 gpu1 gpu2 web7" },
	{ "rack[1-2]n[01-02]", "rack1n01 rack1n02 rack2n01 rack2n02" },
	{ "[1-2]x", "1x 2x" },
	{ "a, b ,c", "a b c" },
	{ "n[1-2],n1,n2,n3", "n1 n2 n3" },
	{ "n[9-10]", "n9 n10" },
	{ "n[098-100]", "n098 n099 n100" },
	{ "db-1.lab_x", "db-1.lab_x" },
	{ "n[5]", "n5" },
};

static const struct {
	const char *expr;
	const char *msg; /* expected substring of the error */
} bad[] = {
	{ "", "empty name at column 1" },
	{ "a,,b", "empty name at column 3" },
	{ "a,", "empty name at column 3" },
	{ "node[1-3", "unclosed '[' at column 5" },
	{ "node[01-", "unclosed '[' at column 5" },
	{ "node[1,", "unclosed '[' at column 5" },
	{ "node[3-1]", "range end smaller than its start at column 8" },
	{ "node[]", "empty range at column 6" },
	{ "node[1,]", "empty range at column 8" },
	{ "node[a]", "expected a number at column 6" },
	{ "node[1-]", "expected a number at column 8" },
	{ "node]", "unexpected ']' at column 5" },
	{ "no de", "invalid character in host name at column 3" },
	{ "n[1[2]]", "unexpected character in brackets at column 4" },
	{ "n[1234567890]", "number too large at column 3" },
	{ "n/1", "invalid character in host name at column 2" },
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char **names = NULL, joined[512] = "", err[256];
		size_t n = 0;
		int r = hostlist_expand(good[i].expr, &names, &n, err, sizeof(err));
		if (r != 0)
			fail_msg("'%s': %s", good[i].expr, err);
		for (size_t k = 0; k < n; k++) {
			if (k)
				strcat(joined, " ");
			strcat(joined, names[k]);
		}
		assert_string_equal(joined, good[i].joined);
		hostlist_free(names, n);
	}
}

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char **names = NULL, err[256];
		size_t n = 0;
		int r = hostlist_expand(bad[i].expr, &names, &n, err, sizeof(err));
		assert_int_equal(r, -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got \"%s\", want \"%s\"", bad[i].expr, err, bad[i].msg);
		assert_null(names);
	}
}

static void test_large(void **state)
{
	char **names = NULL, err[256];
	size_t n = 0;

	(void)state;
	assert_int_equal(hostlist_expand("node[00001-20000]", &names, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 20000);
	assert_string_equal(names[0], "node00001");
	assert_string_equal(names[19999], "node20000");
	hostlist_free(names, n);
	assert_int_equal(hostlist_expand("n[1-300]m[1-300]", &names, &n, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "more than"));
	assert_int_equal(hostlist_expand("n[1-999999999]", &names, &n, NULL, 0), -E2BIG);
}

static void test_padding_width(void **state)
{
	char **names = NULL;
	size_t n = 0;

	(void)state;
	/* the start's width is kept; "1-10" is not padded */
	assert_int_equal(hostlist_expand("x[1-10]", &names, &n, NULL, 0), 0);
	assert_int_equal(n, 10);
	assert_string_equal(names[9], "x10");
	assert_string_equal(names[0], "x1");
	hostlist_free(names, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_padding_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
