/* test_ip4.h - an IPv4 address from dotted text, failing the test on a
 * typo; for unit tests (include after <cmocka.h>). */
#ifndef BOOTSRV_TEST_IP4_H
#define BOOTSRV_TEST_IP4_H

#include <arpa/inet.h>

static inline struct in_addr ip4(const char *s)
{
	struct in_addr a = { 0 };
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

#endif
