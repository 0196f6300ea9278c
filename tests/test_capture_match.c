/* test_capture_match.c - which frames `bootsrv capture` keeps: DHCP by
 * chaddr, addresses learnt from the ACK, other traffic by address, and
 * the BPF pre-filter text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_ip4.h"

#include "cli/capture_match.h"
#include "dhcp_codec.h"
#include "pkt_frame.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t mac1[6] = {0x52, 0x54, 0, 0, 0, 0x11};
static const uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 0x99};
static const uint8_t srv_mac[6] = {0x52, 0x54, 0, 0xaa, 0, 1};

/* A DHCP message for chaddr from the server (op 2) as a frame. */
static size_t dhcp_frame(uint8_t op, uint8_t type, const uint8_t *chaddr, const char *yiaddr,
			 uint8_t *frame, size_t size)
{
	uint8_t dhcp[DHCP_MIN_REPLY];
	struct dhcp_builder b;
	struct in_addr none = {0};
	int n;

	dhcp_build_init(&b, dhcp, sizeof(dhcp), sizeof(dhcp), op, NULL);
	dhcp_build_set_xid_chaddr(&b, 7, chaddr, 6);
	dhcp_build_set_addrs(&b, none, yiaddr ? ip4(yiaddr) : none, none, none);
	dhcp_build_u8(&b, DHO_MSG_TYPE, type);
	n = dhcp_build_finish(&b);
	assert_true(n > 0);
	n = frame_build_udp_broadcast(frame, size, srv_mac, op == 2 ? 67 : 68, op == 2 ? 68 : 67,
				      dhcp, (size_t)n);
	assert_true(n > 0);
	return (size_t)n;
}

/* A UDP frame between two addresses (TFTP data, say), from the server. */
static size_t udp_frame(const char *src, const char *dst, uint8_t *frame, size_t size)
{
	static const uint8_t data[516] = {0, 3, 0, 1};
	int n = frame_build_udp_broadcast(frame, size, srv_mac, 40000, 50000, data, sizeof(data));
	struct in_addr s = ip4(src), d = ip4(dst);

	assert_true(n > 0);
	memcpy(frame, mac2, 6); /* any unicast destination MAC */
	memcpy(frame + ETH_HDR_LEN + 12, &s, 4);
	memcpy(frame + ETH_HDR_LEN + 16, &d, 4);
	return (size_t)n;
}

static void test_dhcp_by_chaddr_and_learning(void **state)
{
	struct capture_host hosts[1] = {{.name = "node1"}};
	struct capture_set set = {hosts, 1};
	uint8_t f[1600];
	size_t n;

	(void)state;
	memcpy(hosts[0].mac, mac1, 6);
	n = dhcp_frame(1, DHCPDISCOVER, mac1, NULL, f, sizeof(f));
	assert_int_equal(capture_match(&set, f, n), CAPTURE_KEEP);
	n = dhcp_frame(1, DHCPDISCOVER, mac2, NULL, f, sizeof(f));
	assert_int_equal(capture_match(&set, f, n), CAPTURE_SKIP); /* another host */
	n = udp_frame("192.0.2.1", "192.0.2.100", f, sizeof(f));
	assert_int_equal(capture_match(&set, f, n), CAPTURE_SKIP); /* address not known yet */
	n = dhcp_frame(2, DHCPACK, mac1, "192.0.2.100", f, sizeof(f));
	assert_int_equal(capture_match(&set, f, n), CAPTURE_KEEP_LEARNED);
	assert_int_equal(capture_match(&set, f, n), CAPTURE_KEEP); /* known now */
	n = udp_frame("192.0.2.1", "192.0.2.100", f, sizeof(f));
	assert_int_equal(capture_match(&set, f, n), CAPTURE_KEEP);
	n = udp_frame("192.0.2.1", "192.0.2.101", f, sizeof(f));
	assert_int_equal(capture_match(&set, f, n), CAPTURE_SKIP);
	for (size_t len = 0; len < n; len += 7) /* truncations never crash */
		(void)capture_match(&set, f, len);
}

static void test_address_list_bounded(void **state)
{
	struct capture_host h = {.name = "n"};
	char a[32];

	(void)state;
	assert_false(capture_host_add_ip(&h, ip4("0.0.0.0")));
	for (int i = 0; i < CAPTURE_HOST_IPS + 2; i++) {
		snprintf(a, sizeof(a), "192.0.2.%d", 10 + i);
		assert_true(capture_host_add_ip(&h, ip4(a)));
	}
	assert_false(capture_host_add_ip(&h, ip4(a)));
	assert_int_equal(h.nip, CAPTURE_HOST_IPS);
	assert_int_equal(h.ip[CAPTURE_HOST_IPS - 1].s_addr, ip4(a).s_addr); /* newest kept */
}

static void test_filter_expr(void **state)
{
	struct capture_host hosts[2] = {{.name = "a"}, {.name = "b"}};
	struct capture_set set = {hosts, 2};
	char *e;

	(void)state;
	memcpy(hosts[0].mac, mac1, 6);
	memcpy(hosts[1].mac, mac2, 6);
	capture_host_add_ip(&hosts[1], ip4("192.0.2.11"));
	e = capture_filter_expr(&set);
	assert_non_null(e);
	assert_string_equal(e, "udp port 67 or udp port 68 or udp port 4011"
			       " or ether host 52:54:00:00:00:11"
			       " or ether host 52:54:00:00:00:99 or host 192.0.2.11");
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dhcp_by_chaddr_and_learning),
	    cmocka_unit_test(test_address_list_bounded),
	    cmocka_unit_test(test_filter_expr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
