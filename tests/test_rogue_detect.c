/* test_rogue_detect.c - rogue DHCP server detection without pcap: frames
 * built byte by byte are fed to the logic; the probe frame is decoded
 * back; every truncation of a valid frame is rejected without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_ip4.h"

#include "dhcp_codec.h"
#include "log.h"
#include "pkt_frame.h"
#include "dhcp/rogue_detect.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const uint8_t self_mac[6] = {0x52, 0x54, 0x00, 0xaa, 0x00, 0x01};
static const uint8_t rogue_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
static const uint8_t rogue2_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x03};

static void init(struct rogue *r, enum dhcp_mode mode, bool allow)
{
	struct config cfg = {0};

	cfg.address = ip4("192.0.2.1");
	cfg.dhcp_mode = mode;
	cfg.allow_other_servers = allow;
	rogue_init(r, &cfg, self_mac);
}

struct reply {
	uint8_t op, type;
	const uint8_t *mac;   /* Ethernet source */
	const char *src, *sid; /* IP source, option 54 (NULL: none) */
	const char *yiaddr;
	uint16_t sport;
};

/* A server's reply as a whole Ethernet frame. */
static size_t build_reply_frame(const struct reply *rp, uint8_t *frame, size_t size)
{
	uint8_t dhcp[DHCP_MIN_REPLY];
	struct dhcp_builder b;
	struct in_addr none = {0}, src = ip4(rp->src);
	int n;

	dhcp_build_init(&b, dhcp, sizeof(dhcp), sizeof(dhcp), rp->op, NULL);
	dhcp_build_set_xid_chaddr(&b, 42, rogue_mac, 6);
	dhcp_build_set_addrs(&b, none, rp->yiaddr ? ip4(rp->yiaddr) : none, none, none);
	dhcp_build_u8(&b, DHO_MSG_TYPE, rp->type);
	if (rp->sid)
		dhcp_build_addr(&b, DHO_SERVER_ID, ip4(rp->sid));
	n = dhcp_build_finish(&b);
	assert_true(n > 0);
	n = frame_build_udp_broadcast(frame, size, rp->mac, rp->sport ? rp->sport : 67, 68, dhcp,
				      (size_t)n);
	assert_true(n > 0);
	memcpy(frame + ETH_HDR_LEN + 12, &src, 4); /* the server's source address */
	return (size_t)n;
}

static enum rogue_event feed(struct rogue *r, const struct reply *rp)
{
	uint8_t frame[1600];
	size_t n = build_reply_frame(rp, frame, sizeof(frame));
	return rogue_note_frame(r, frame, n);
}

static const struct reply dnsmasq_offer = {DHCP_BOOTREPLY, DHCPOFFER, rogue_mac, "192.0.2.2",
					   "192.0.2.2", "192.0.2.200", 0};

static void test_probe_frame(void **state)
{
	struct rogue r;
	uint8_t frame[1600];
	struct frame_info fi;
	struct dhcp_msg m;
	uint32_t sum = 0;
	int n;

	(void)state;
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	n = rogue_build_probe(&r, 0x01020304, frame, sizeof(frame));
	assert_true(n > 0);
	assert_int_equal(frame_decode(frame, (size_t)n, &fi), 0);
	assert_memory_equal(fi.src_mac, self_mac, 6);
	assert_memory_equal(fi.dst_mac, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(fi.src.s_addr, INADDR_ANY);
	assert_int_equal(fi.dst.s_addr, INADDR_BROADCAST);
	assert_int_equal(fi.proto, IPPROTO_UDP);
	assert_int_equal(fi.sport, 68);
	assert_int_equal(fi.dport, 67);
	/* RFC 1071: a correct header sums to 0xffff */
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(frame[14 + i] << 8 | frame[15 + i]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_equal(dhcp_parse(fi.payload, fi.payload_len, &m), DHCP_OK);
	assert_int_equal(m.msg_type, DHCPDISCOVER);
	assert_int_equal(m.op, DHCP_BOOTREQUEST);
	assert_int_equal(m.xid, 0x01020304);
	assert_true(m.flags & 0x8000);
	/* chaddr: locally administered, unicast, not our NIC's */
	assert_memory_equal(m.chaddr, r.probe_mac, 6);
	assert_true(r.probe_mac[0] & 0x02);
	assert_false(r.probe_mac[0] & 0x01);
	assert_memory_not_equal(r.probe_mac, self_mac, 6);
	/* too small a buffer is refused, not overrun */
	assert_int_equal(rogue_build_probe(&r, 1, frame, 100), FRAME_ENOSPACE);
}

static void test_foreign_offer_blocks_until_gone(void **state)
{
	struct rogue r;

	(void)state;
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	assert_false(rogue_blocks(&r));
	rogue_round_start(&r);
	assert_int_equal(feed(&r, &dnsmasq_offer), ROGUE_EV_APPEARED);
	assert_true(rogue_blocks(&r)); /* at once, not at the end of the round */
	assert_int_equal(feed(&r, &dnsmasq_offer), ROGUE_EV_NONE); /* known already */
	assert_int_equal(r.nservers, 1);
	assert_int_equal(r.servers[0].replies, 2);
	assert_int_equal(r.servers[0].server_id.s_addr, ip4("192.0.2.2").s_addr);
	assert_memory_equal(r.servers[0].mac, rogue_mac, 6);
	assert_int_equal(r.servers[0].offered.s_addr, ip4("192.0.2.200").s_addr);
	assert_int_equal(rogue_round_end(&r), ROGUE_EV_NONE);
	assert_true(rogue_blocks(&r));
	/* a round in which it answers keeps it */
	rogue_round_start(&r);
	feed(&r, &dnsmasq_offer);
	assert_int_equal(rogue_round_end(&r), ROGUE_EV_NONE);
	assert_true(rogue_blocks(&r));
	/* a silent round: gone, serving again */
	rogue_round_start(&r);
	assert_int_equal(rogue_round_end(&r), ROGUE_EV_GONE);
	assert_false(rogue_blocks(&r));
	assert_int_equal(r.nservers, 0);
	assert_int_equal(r.appeared, 1);
	assert_int_equal(r.gone, 1);
	/* and back */
	rogue_round_start(&r);
	assert_int_equal(feed(&r, &dnsmasq_offer), ROGUE_EV_APPEARED);
	assert_true(rogue_blocks(&r));
}

static void test_two_servers_one_leaves(void **state)
{
	struct rogue r;
	struct reply kea = dnsmasq_offer;

	(void)state;
	kea.mac = rogue2_mac;
	kea.src = kea.sid = "192.0.2.3";
	kea.type = DHCPACK;
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	rogue_round_start(&r);
	assert_int_equal(feed(&r, &dnsmasq_offer), ROGUE_EV_APPEARED);
	assert_int_equal(feed(&r, &kea), ROGUE_EV_APPEARED);
	assert_int_equal(rogue_round_end(&r), ROGUE_EV_NONE);
	rogue_round_start(&r);
	feed(&r, &kea);
	assert_int_equal(rogue_round_end(&r), ROGUE_EV_NONE); /* one left: still blocked */
	assert_true(rogue_blocks(&r));
	assert_int_equal(r.nservers, 1);
	assert_memory_equal(r.servers[0].mac, rogue2_mac, 6);
}

static void test_not_foreign(void **state)
{
	struct rogue r;
	const struct reply cases[] = {
	    /* our own OFFER: server id, source address or MAC is ours */
	    {DHCP_BOOTREPLY, DHCPOFFER, rogue_mac, "192.0.2.9", "192.0.2.1", "192.0.2.100", 0},
	    {DHCP_BOOTREPLY, DHCPOFFER, rogue_mac, "192.0.2.1", "192.0.2.9", "192.0.2.100", 0},
	    {DHCP_BOOTREPLY, DHCPOFFER, self_mac, "192.0.2.9", "192.0.2.9", "192.0.2.100", 0},
	    /* a proxyDHCP offer assigns nothing */
	    {DHCP_BOOTREPLY, DHCPOFFER, rogue_mac, "192.0.2.2", "192.0.2.2", NULL, 0},
	    /* a client's DISCOVER and a server's NAK */
	    {DHCP_BOOTREQUEST, DHCPDISCOVER, rogue_mac, "192.0.2.2", NULL, "192.0.2.200", 0},
	    {DHCP_BOOTREPLY, DHCPNAK, rogue_mac, "192.0.2.2", "192.0.2.2", NULL, 0},
	    /* not from a server port */
	    {DHCP_BOOTREPLY, DHCPOFFER, rogue_mac, "192.0.2.2", "192.0.2.2", "192.0.2.200", 68},
	};

	(void)state;
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	rogue_round_start(&r);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(feed(&r, &cases[i]), ROGUE_EV_NONE);
		assert_false(rogue_blocks(&r));
	}
	assert_int_equal(r.foreign_replies, 0);
}

static void test_no_server_id_uses_source(void **state)
{
	struct rogue r;
	struct reply bootp = dnsmasq_offer;

	(void)state;
	bootp.sid = NULL;
	bootp.src = "192.0.2.77";
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	assert_int_equal(feed(&r, &bootp), ROGUE_EV_APPEARED);
	assert_int_equal(r.servers[0].server_id.s_addr, ip4("192.0.2.77").s_addr);
}

/* The interface created again with another MAC: probes come from it, its
 * frames are ours, and the servers already known stay known. */
static void test_new_mac_keeps_servers(void **state)
{
	static const uint8_t new_mac[6] = {0x52, 0x54, 0x00, 0xbb, 0x00, 0x07};
	struct reply own = dnsmasq_offer;
	struct rogue r;
	uint8_t frame[1600];
	struct frame_info fi;
	struct dhcp_msg m;
	int n;

	(void)state;
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	rogue_round_start(&r);
	assert_int_equal(feed(&r, &dnsmasq_offer), ROGUE_EV_APPEARED);
	assert_int_equal(rogue_round_end(&r), ROGUE_EV_NONE);
	rogue_set_mac(&r, new_mac);
	assert_true(rogue_blocks(&r));
	assert_int_equal(r.nservers, 1);
	n = rogue_build_probe(&r, 7, frame, sizeof(frame));
	assert_true(n > 0);
	assert_int_equal(frame_decode(frame, (size_t)n, &fi), 0);
	assert_memory_equal(fi.src_mac, new_mac, 6);
	assert_int_equal(dhcp_parse(fi.payload, fi.payload_len, &m), DHCP_OK);
	assert_memory_equal(m.chaddr, r.probe_mac, 6);
	assert_true(r.probe_mac[0] & 0x02);
	assert_memory_not_equal(r.probe_mac, new_mac, 6);
	/* a frame from the new MAC is ours, not another server */
	own.mac = new_mac;
	own.src = own.sid = "192.0.2.9";
	assert_int_equal(feed(&r, &own), ROGUE_EV_NONE);
	assert_int_equal(r.nservers, 1);
}

static void test_proxy_and_allow_do_not_block(void **state)
{
	struct rogue r;

	(void)state;
	init(&r, DHCP_MODE_PROXY, false);
	assert_int_equal(feed(&r, &dnsmasq_offer), ROGUE_EV_APPEARED);
	assert_false(rogue_blocks(&r));
	init(&r, DHCP_MODE_AUTHORITATIVE, true);
	assert_int_equal(feed(&r, &dnsmasq_offer), ROGUE_EV_APPEARED);
	assert_false(rogue_blocks(&r));
	assert_int_equal(r.nservers, 1); /* still known, for /metrics */
}

static void test_many_servers_bounded(void **state)
{
	struct rogue r;
	uint8_t mac[6];
	char sid[32];

	(void)state;
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	memcpy(mac, rogue_mac, 6);
	for (int i = 0; i < ROGUE_MAX_SERVERS + 4; i++) {
		struct reply rp = dnsmasq_offer;
		mac[5] = (uint8_t)(0x10 + i);
		snprintf(sid, sizeof(sid), "192.0.2.%d", 20 + i);
		rp.mac = mac;
		rp.src = rp.sid = sid;
		feed(&r, &rp);
	}
	assert_int_equal(r.nservers, ROGUE_MAX_SERVERS);
	assert_int_equal(r.foreign_replies, ROGUE_MAX_SERVERS + 4);
	assert_true(rogue_blocks(&r));
}

/* Every prefix of a valid frame, and each header byte flipped: no crash,
 * and only whole frames count. */
static void test_truncated_and_mangled(void **state)
{
	struct rogue r;
	uint8_t frame[1600], copy[1600];
	size_t n = build_reply_frame(&dnsmasq_offer, frame, sizeof(frame));

	(void)state;
	init(&r, DHCP_MODE_AUTHORITATIVE, false);
	for (size_t len = 0; len < ETH_HDR_LEN + 20 + 8 + DHCP_MIN_LEN; len++)
		assert_int_equal(rogue_note_frame(&r, frame, len), ROGUE_EV_NONE);
	assert_int_equal(r.nservers, 0);
	for (size_t i = 0; i < ETH_HDR_LEN + 28; i++) {
		memcpy(copy, frame, n);
		copy[i] ^= 0xff;
		(void)rogue_note_frame(&r, copy, n);
	}
	struct frame_info fi;
	assert_int_equal(frame_decode(frame, 10, &fi), FRAME_ETRUNCATED);
	memcpy(copy, frame, n);
	copy[ETH_HDR_LEN] = 0x44; /* IHL 4 words: below the minimum */
	assert_int_equal(frame_decode(copy, n, &fi), FRAME_EBADIP);
	memcpy(copy, frame, n);
	copy[ETH_HDR_LEN + 7] = 0x10; /* fragment offset */
	assert_int_equal(frame_decode(copy, n, &fi), FRAME_EFRAGMENT);
}

static void test_vlan_and_arp_decode(void **state)
{
	uint8_t frame[1600], tagged[1604];
	size_t n = build_reply_frame(&dnsmasq_offer, frame, sizeof(frame));
	struct frame_info fi;
	static const uint8_t arp[42] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0, 0, 2, 0x08, 0x06, /* eth */
	    0, 1, 0x08, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0, 0, 2, 192, 0, 2, 2, /* sender */
	    0, 0, 0, 0, 0, 0, 192, 0, 2, 1}; /* target */

	(void)state;
	memcpy(tagged, frame, 12);
	memcpy(tagged + 12, "\x81\x00\x00\x2a", 4);
	memcpy(tagged + 16, frame + 12, n - 12);
	assert_int_equal(frame_decode(tagged, n + 4, &fi), 0);
	assert_int_equal(fi.sport, 67);
	assert_int_equal(fi.src.s_addr, ip4("192.0.2.2").s_addr);
	assert_int_equal(frame_decode(arp, sizeof(arp), &fi), FRAME_ENOTIP);
	assert_int_equal(fi.ethertype, ETHERTYPE_ARP);
	assert_int_equal(fi.arp_sender.s_addr, ip4("192.0.2.2").s_addr);
	assert_int_equal(fi.arp_target.s_addr, ip4("192.0.2.1").s_addr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_frame),
	    cmocka_unit_test(test_foreign_offer_blocks_until_gone),
	    cmocka_unit_test(test_two_servers_one_leaves),
	    cmocka_unit_test(test_not_foreign),
	    cmocka_unit_test(test_no_server_id_uses_source),
	    cmocka_unit_test(test_new_mac_keeps_servers),
	    cmocka_unit_test(test_proxy_and_allow_do_not_block),
	    cmocka_unit_test(test_many_servers_bounded),
	    cmocka_unit_test(test_truncated_and_mangled),
	    cmocka_unit_test(test_vlan_and_arp_decode),
	};
	log_init("test_rogue_detect", LOG_LVL_ERR, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
