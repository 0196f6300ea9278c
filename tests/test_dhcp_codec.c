/* test_dhcp_codec.c - DHCP wire format: byte-exact fixtures, each mutated
 * one field at a time, and builder round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dhcp_codec.h"

#include <arpa/inet.h>
#include <string.h>

/* op..chaddr of an iPXE DISCOVER from 52:54:00:12:34:56, xid 0x11223344,
 * secs 4, broadcast flag (RFC 2131 figure 1). */
/* clang-format off */
static const uint8_t hdr_fixture[44] = {
	0x01, 0x01, 0x06, 0x00,				/* op, htype, hlen, hops */
	0x11, 0x22, 0x33, 0x44,				/* xid */
	0x00, 0x04, 0x80, 0x00,				/* secs, flags */
	0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0, /* ci/yi/si/giaddr */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* chaddr */
};

/* Options as QEMU's iPXE ROM sends them (trimmed). */
static const uint8_t opt_fixture[] = {
	53, 1, 1,					/* DHCPDISCOVER */
	57, 2, 0x05, 0xc0,				/* max size 1472 */
	93, 2, 0x00, 0x00,				/* arch: x86 BIOS */
	94, 3, 0x01, 0x02, 0x01,			/* UNDI 2.1 */
	60, 32, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't', ':', 'A', 'r', 'c', 'h', ':',
		'0', '0', '0', '0', '0', ':', 'U', 'N', 'D', 'I', ':', '0', '0', '2', '0',
		'0', '1',
	61, 7, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* client id */
	97, 17, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* UUID */
	55, 4, 1, 3, 6, 67,				/* parameter list */
	255,						/* END */
};
/* clang-format on */

#define OPT_OFF DHCP_MIN_LEN
#define FILE_OFF 108
#define SNAME_OFF 44

static uint8_t pkt[DHCP_MAX_MSG];
static struct dhcp_msg msg;

/* Assemble header + zero sname/file + cookie + options into pkt. */
static size_t make(const uint8_t *opts, size_t optlen)
{
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, hdr_fixture, sizeof(hdr_fixture));
	pkt[236] = 0x63;
	pkt[237] = 0x82;
	pkt[238] = 0x53;
	pkt[239] = 0x63;
	memcpy(pkt + OPT_OFF, opts, optlen);
	return OPT_OFF + optlen;
}

static size_t make_fixture(void)
{
	return make(opt_fixture, sizeof(opt_fixture));
}

static void test_parse_fixture(void **state)
{
	size_t len = make_fixture();
	uint16_t u16;
	uint8_t u8;

	(void)state;
	assert_int_equal(dhcp_parse(pkt, len, &msg), DHCP_OK);
	assert_int_equal(msg.op, DHCP_BOOTREQUEST);
	assert_int_equal(msg.htype, 1);
	assert_int_equal(msg.hlen, 6);
	assert_int_equal(msg.xid, 0x11223344);
	assert_int_equal(msg.secs, 4);
	assert_int_equal(msg.flags, 0x8000);
	assert_int_equal(msg.ciaddr.s_addr, 0);
	assert_memory_equal(msg.chaddr, "\x52\x54\x00\x12\x34\x56", 6);
	assert_int_equal(msg.msg_type, DHCPDISCOVER);
	assert_true(dhcp_opt_u16(&msg, DHO_MAX_MSG_SIZE, &u16));
	assert_int_equal(u16, 1472);
	assert_true(dhcp_opt_u16(&msg, DHO_CLIENT_ARCH, &u16));
	assert_int_equal(u16, 0);
	assert_int_equal(msg.opt[DHO_VENDOR_CLASS].len, 32);
	assert_memory_equal(msg.opt[DHO_VENDOR_CLASS].data, "PXEClient:Arch:00000", 20);
	assert_int_equal(msg.opt[DHO_CLIENT_UUID].len, 17);
	assert_int_equal(msg.opt[DHO_CLIENT_UUID].data[16], 16);
	assert_int_equal(msg.opt[DHO_PARAM_REQ].len, 4);
	assert_false(msg.opt[DHO_REQUESTED_IP].present);
	/* accessors refuse the wrong width */
	assert_false(dhcp_opt_u8(&msg, DHO_MAX_MSG_SIZE, &u8));
	assert_true(dhcp_opt_u8(&msg, DHO_MSG_TYPE, &u8));
	assert_string_equal(msg.file, "");
	assert_string_equal(msg.sname, "");
}

static void test_short_messages(void **state)
{
	static const size_t lens[] = {0, 1, 43, 235, 236, 239};
	size_t len = make_fixture();

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		assert_int_equal(dhcp_parse(pkt, lens[i], &msg), DHCP_ETRUNCATED);
	/* exactly header + cookie: no options, no message type, still valid */
	assert_int_equal(dhcp_parse(pkt, DHCP_MIN_LEN, &msg), DHCP_OK);
	assert_int_equal(msg.msg_type, 0);
	/* every cut inside the options: either a clean stop or "truncated" */
	for (size_t cut = DHCP_MIN_LEN + 1; cut < len; cut++) {
		int r = dhcp_parse(pkt, cut, &msg);
		assert_true(r == DHCP_OK || r == DHCP_ETRUNCATED);
	}
	/* cut inside the 60 option's value */
	assert_int_equal(dhcp_parse(pkt, OPT_OFF + 3 + 4 + 4 + 5 + 10, &msg), DHCP_ETRUNCATED);
}

/* The receive filter's giaddr peek: the field, or 0 when too short. */
static void test_peek_giaddr(void **state)
{
	make_fixture();

	(void)state;
	assert_int_equal(dhcp_peek_giaddr(pkt, DHCP_FIXED_LEN).s_addr, 0);
	memcpy(pkt + 24, "\xc6\x12\x05\x01", 4); /* 198.18.5.1 */
	assert_int_equal(ntohl(dhcp_peek_giaddr(pkt, DHCP_FIXED_LEN).s_addr), 0xc6120501);
	assert_int_equal(dhcp_peek_giaddr(pkt, DHCP_FIXED_LEN - 1).s_addr, 0);
	assert_int_equal(dhcp_peek_giaddr(pkt, 0).s_addr, 0);
	assert_int_equal(dhcp_parse(pkt, DHCP_MIN_LEN, &msg), DHCP_OK);
	assert_int_equal(msg.giaddr.s_addr, dhcp_peek_giaddr(pkt, DHCP_MIN_LEN).s_addr);
}

static void test_bad_cookie(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		make_fixture();
		pkt[236 + i] ^= 0x01;
		assert_int_equal(dhcp_parse(pkt, sizeof(pkt), &msg), DHCP_EBADCOOKIE);
	}
}

static void test_bad_hlen(void **state)
{
	(void)state;
	make_fixture();
	pkt[2] = 17;
	assert_int_equal(dhcp_parse(pkt, sizeof(pkt), &msg), DHCP_EBADHTYPE);
	pkt[2] = 16;
	assert_int_equal(dhcp_parse(pkt, sizeof(pkt), &msg), DHCP_OK);
}

/* Each known option with a length its table rule refuses. */
static void test_bad_lengths(void **state)
{
	/* clang-format off */
	static const uint8_t cases[][8] = {
		{53, 2, 1, 1, 255},		{53, 0, 255},
		{50, 3, 192, 0, 2, 255},	{54, 5, 192, 0, 2, 1, 1, 255},
		{57, 1, 5, 255},		{57, 3, 5, 192, 0, 255},
		{93, 3, 0, 0, 0, 255},		{93, 1, 0, 255},
		{3, 6, 1, 2, 3, 4, 5, 6},	{61, 1, 1, 255},
		{52, 2, 1, 1, 255},		{51, 2, 0, 1, 255},
		{1, 3, 255, 255, 255, 255},	{94, 2, 1, 2, 255},
		{12, 0, 255},
	};
	/* clang-format on */
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = make(cases[i], sizeof(cases[i]));
		int r = dhcp_parse(pkt, len, &msg);
		int want = cases[i][0] == DHO_OVERLOAD ? DHCP_EBADOVERLOAD : DHCP_EMALFORMED;
		if (r != want)
			fail_msg("case %zu (option %u len %u): %d", i, cases[i][0], cases[i][1], r);
	}
	/* UUID must be 17 bytes (RFC 4578 2.3) */
	/* clang-format off */
	static const uint8_t uuid16[] = {
		97, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255,
	};
	/* clang-format on */
	assert_int_equal(dhcp_parse(pkt, make(uuid16, sizeof(uuid16)), &msg), DHCP_EMALFORMED);
}

static void test_truncated_options(void **state)
{
	static const uint8_t code_only[] = {53, 1, 1, 12};
	static const uint8_t long_len[] = {53, 1, 1, 12, 10, 'a', 'b'};
	static const uint8_t len_255[] = {53, 1, 1, 61, 255, 1, 2, 3};
	(void)state;
	assert_int_equal(dhcp_parse(pkt, make(code_only, sizeof(code_only)), &msg),
			 DHCP_ETRUNCATED);
	assert_int_equal(dhcp_parse(pkt, make(long_len, sizeof(long_len)), &msg), DHCP_ETRUNCATED);
	assert_int_equal(dhcp_parse(pkt, make(len_255, sizeof(len_255)), &msg), DHCP_ETRUNCATED);
}

static void test_pad_end_and_trailer(void **state)
{
	/* PAD between options, no END at all, then garbage after an END */
	static const uint8_t no_end[] = {0, 0, 53, 1, 3, 0, 50, 4, 192, 0, 2, 11};
	static const uint8_t trailer[] = {53, 1, 3, 255, 12, 200, 'x'};
	struct in_addr a;

	(void)state;
	assert_int_equal(dhcp_parse(pkt, make(no_end, sizeof(no_end)), &msg), DHCP_OK);
	assert_int_equal(msg.msg_type, DHCPREQUEST);
	assert_true(dhcp_opt_addr(&msg, DHO_REQUESTED_IP, &a));
	assert_int_equal(ntohl(a.s_addr), 0xc000020b);
	assert_int_equal(dhcp_parse(pkt, make(trailer, sizeof(trailer)), &msg), DHCP_OK);
	assert_false(msg.opt[DHO_HOSTNAME].present);
}

static void test_msg_type_zero(void **state)
{
	static const uint8_t zero[] = {53, 1, 0, 255};
	(void)state;
	assert_int_equal(dhcp_parse(pkt, make(zero, sizeof(zero)), &msg), DHCP_ENOMSGTYPE);
}

/* RFC 3396: instances of one option are concatenated in order, also when
 * interleaved with others and when continued in file (overload). */
static void test_concatenation(void **state)
{
	/* clang-format off */
	static const uint8_t split[] = {
		12, 3, 'a', 'b', 'c',
		61, 2, 1, 0xaa,
		12, 3, 'd', 'e', 'f',
		61, 1, 0xbb,
		53, 1, 1,
		52, 1, 1,	/* and continue in file */
		255,
	};
	/* clang-format on */
	size_t len = make(split, sizeof(split));

	(void)state;
	memcpy(pkt + FILE_OFF, "\x0c\x02gh\xff", 5);
	assert_int_equal(dhcp_parse(pkt, len, &msg), DHCP_OK);
	assert_int_equal(msg.opt[DHO_HOSTNAME].len, 8);
	assert_memory_equal(msg.opt[DHO_HOSTNAME].data, "abcdefgh", 8);
	assert_int_equal(msg.opt[DHO_CLIENT_ID].len, 3);
	assert_memory_equal(msg.opt[DHO_CLIENT_ID].data, "\x01\xaa\xbb", 3);
	assert_string_equal(msg.file, ""); /* overloaded: not a file name */
	/* an option only valid once concatenated: 54 as 2 + 2 bytes */
	static const uint8_t sid[] = {53, 1, 3, 54, 2, 192, 0, 54, 2, 2, 1, 255};
	struct in_addr a;
	assert_int_equal(dhcp_parse(pkt, make(sid, sizeof(sid)), &msg), DHCP_OK);
	assert_true(dhcp_opt_addr(&msg, DHO_SERVER_ID, &a));
	assert_int_equal(ntohl(a.s_addr), 0xc0000201);
	/* and one invalid once concatenated: 53 twice */
	static const uint8_t twice[] = {53, 1, 3, 53, 1, 3, 255};
	assert_int_equal(dhcp_parse(pkt, make(twice, sizeof(twice)), &msg), DHCP_EMALFORMED);
}

static void test_overload(void **state)
{
	static const uint8_t ov3[] = {53, 1, 1, 52, 1, 3, 255};
	size_t len = make(ov3, sizeof(ov3));
	uint16_t arch;

	(void)state;
	memcpy(pkt + FILE_OFF, "\x5d\x02\x00\x07\xff", 5);
	memcpy(pkt + SNAME_OFF, "\x0c\x04host", 6); /* no END: the field just ends */
	assert_int_equal(dhcp_parse(pkt, len, &msg), DHCP_OK);
	assert_true(dhcp_opt_u16(&msg, DHO_CLIENT_ARCH, &arch));
	assert_int_equal(arch, 7);
	assert_memory_equal(msg.opt[DHO_HOSTNAME].data, "host", 4);
	assert_string_equal(msg.sname, "");

	/* without option 52 the same bytes are names, not options */
	static const uint8_t plain[] = {53, 1, 1, 255};
	len = make(plain, sizeof(plain));
	memcpy(pkt + FILE_OFF, "pxelinux.0", 10);
	memcpy(pkt + SNAME_OFF, "boothost", 8);
	assert_int_equal(dhcp_parse(pkt, len, &msg), DHCP_OK);
	assert_string_equal(msg.file, "pxelinux.0");
	assert_string_equal(msg.sname, "boothost");
	assert_false(msg.opt[DHO_CLIENT_ARCH].present);
}

static void test_bad_overload(void **state)
{
	static const uint8_t val0[] = {53, 1, 1, 52, 1, 0, 255};
	static const uint8_t val4[] = {53, 1, 1, 52, 1, 4, 255};
	static const uint8_t dup[] = {53, 1, 1, 52, 1, 1, 52, 1, 1, 255};
	static const uint8_t ov1[] = {53, 1, 1, 52, 1, 1, 255};
	(void)state;
	assert_int_equal(dhcp_parse(pkt, make(val0, sizeof(val0)), &msg), DHCP_EBADOVERLOAD);
	assert_int_equal(dhcp_parse(pkt, make(val4, sizeof(val4)), &msg), DHCP_EBADOVERLOAD);
	assert_int_equal(dhcp_parse(pkt, make(dup, sizeof(dup)), &msg), DHCP_EBADOVERLOAD);
	/* 52 inside the overloaded file field itself */
	size_t len = make(ov1, sizeof(ov1));
	memcpy(pkt + FILE_OFF, "\x34\x01\x02\xff", 4);
	assert_int_equal(dhcp_parse(pkt, len, &msg), DHCP_EBADOVERLOAD);
	/* an option running past the end of the file field */
	memcpy(pkt + FILE_OFF + 120, "\x0c\x10", 2);
	memset(pkt + FILE_OFF, 0, 120);
	assert_int_equal(dhcp_parse(pkt, len, &msg), DHCP_ETRUNCATED);
}

/* Largest legal values of the options clients may stuff. */
static void test_huge_options(void **state)
{
	uint8_t opts[3 + 4 + 257 + 257 + 1] = {53, 1, 1, 57, 2, 0xff, 0xff};
	uint16_t max;
	size_t o = 7;

	(void)state;
	opts[o++] = 61;
	opts[o++] = 255;
	memset(opts + o, 0x61, 255);
	o += 255;
	opts[o++] = 12;
	opts[o++] = 255;
	memset(opts + o, 'h', 255);
	o += 255;
	opts[o++] = 255;
	assert_int_equal(dhcp_parse(pkt, make(opts, o), &msg), DHCP_OK);
	assert_true(dhcp_opt_u16(&msg, DHO_MAX_MSG_SIZE, &max));
	assert_int_equal(max, 65535);
	assert_int_equal(msg.opt[DHO_CLIENT_ID].len, 255);
	assert_int_equal(msg.opt[DHO_HOSTNAME].len, 255);
}

static void test_build_reply(void **state)
{
	/* clang-format off */
	static const uint8_t want_opts[] = {
		53, 1, 2,
		54, 4, 192, 0, 2, 1,
		51, 4, 0, 0, 0x0e, 0x10,
		255,
	};
	/* clang-format on */
	uint8_t buf[DHCP_MAX_MSG];
	struct dhcp_builder b;
	struct in_addr ci = {0}, yi = {htonl(0xc000020b)}, si = {htonl(0xc0000201)}, gi = {0};
	int n;

	(void)state;
	assert_int_equal(dhcp_parse(pkt, make_fixture(), &msg), DHCP_OK);
	dhcp_build_init(&b, buf, sizeof(buf), 1472, DHCP_BOOTREPLY, &msg);
	assert_int_equal(dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPOFFER), 0);
	assert_int_equal(dhcp_build_addr(&b, DHO_SERVER_ID, si), 0);
	assert_int_equal(dhcp_build_u32(&b, DHO_LEASE_TIME, 3600), 0);
	dhcp_build_set_addrs(&b, ci, yi, si, gi);
	dhcp_build_set_file(&b, "pxelinux.0");
	n = dhcp_build_finish(&b);
	assert_int_equal(n, 300); /* padded to the BOOTP minimum */
	assert_int_equal(buf[0], DHCP_BOOTREPLY);
	assert_memory_equal(buf + 1, hdr_fixture + 1, 7);    /* htype..xid */
	assert_memory_equal(buf + 8, "\x00\x00\x80\x00", 4); /* secs 0, flags kept */
	assert_memory_equal(buf + 16, "\xc0\x00\x02\x0b\xc0\x00\x02\x01", 8);
	assert_memory_equal(buf + 28, hdr_fixture + 28, 16); /* chaddr */
	assert_string_equal((char *)buf + FILE_OFF, "pxelinux.0");
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63", 4);
	assert_memory_equal(buf + OPT_OFF, want_opts, sizeof(want_opts));
	for (int i = OPT_OFF + (int)sizeof(want_opts); i < n; i++)
		assert_int_equal(buf[i], 0);
	/* and it parses back */
	assert_int_equal(dhcp_parse(buf, (size_t)n, &msg), DHCP_OK);
	assert_int_equal(msg.msg_type, DHCPOFFER);
	assert_string_equal(msg.file, "pxelinux.0");
}

/* END is always reserved: fill to the brim, finish still succeeds. */
static void test_build_reserves_end(void **state)
{
	uint8_t buf[DHCP_MAX_MSG], val[255];
	struct dhcp_builder b;
	int n, r;

	(void)state;
	memset(val, 'x', sizeof(val));
	dhcp_build_init(&b, buf, sizeof(buf), 0, DHCP_BOOTREPLY, NULL);
	assert_int_equal(b.cap, DHCP_MIN_REPLY); /* clamped up to 576 */
	/* 576 - 240 = 336 bytes: one 255-byte option (257), then 78 left */
	assert_int_equal(dhcp_build_opt(&b, 43, val, 255), 0);
	assert_int_equal(dhcp_build_opt(&b, 43, val, 77), DHCP_ENOSPACE);
	assert_int_equal(b.err, DHCP_ENOSPACE);
	assert_int_equal(dhcp_build_finish(&b), DHCP_ENOSPACE); /* sticky */

	dhcp_build_init(&b, buf, sizeof(buf), 0, DHCP_BOOTREPLY, NULL);
	assert_int_equal(dhcp_build_opt(&b, 43, val, 255), 0);
	assert_int_equal(dhcp_build_opt(&b, 43, val, 76), 0); /* exactly fits + END */
	n = dhcp_build_finish(&b);
	assert_int_equal(n, 576);
	assert_int_equal(buf[575], DHO_END);
	r = dhcp_build_opt(&b, DHO_END, NULL, 0);
	assert_int_equal(r, DHCP_ENOSPACE);

	/* a buffer smaller than the minimum reply wins over the clamp */
	dhcp_build_init(&b, buf, 300, 1500, DHCP_BOOTREPLY, NULL);
	assert_int_equal(b.cap, 300);
	assert_int_equal(dhcp_build_opt(&b, 43, val, 58), DHCP_ENOSPACE);
	b.err = 0;
	assert_int_equal(dhcp_build_opt(&b, 43, val, 57), 0);
	assert_int_equal(dhcp_build_finish(&b), 300);
}

/* Values over 255 bytes are split (RFC 3396) and parse back whole. */
static void test_build_long_option(void **state)
{
	uint8_t buf[DHCP_MAX_MSG], val[300];
	struct dhcp_builder b;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)i;
	assert_int_equal(dhcp_parse(pkt, make_fixture(), &msg), DHCP_OK);
	dhcp_build_init(&b, buf, sizeof(buf), 1500, DHCP_BOOTREPLY, &msg);
	dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPACK);
	assert_int_equal(dhcp_build_opt(&b, DHO_VENDOR_SPECIFIC, val, sizeof(val)), 0);
	n = dhcp_build_finish(&b);
	assert_int_equal(n, DHCP_MIN_LEN + 3 + 2 + 255 + 2 + 45 + 1);
	assert_int_equal(buf[OPT_OFF + 3], DHO_VENDOR_SPECIFIC);
	assert_int_equal(buf[OPT_OFF + 4], 255);
	assert_int_equal(dhcp_parse(buf, (size_t)n, &msg), DHCP_OK);
	assert_int_equal(msg.opt[DHO_VENDOR_SPECIFIC].len, 300);
	assert_memory_equal(msg.opt[DHO_VENDOR_SPECIFIC].data, val, 300);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_not_equal(dhcp_strerror(DHCP_ETRUNCATED), dhcp_strerror(DHCP_EMALFORMED));
	for (int e = DHCP_EBADHTYPE; e < 0; e++)
		assert_string_not_equal(dhcp_strerror(e), "unknown error");
	assert_string_equal(dhcp_strerror(-100), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_fixture),	cmocka_unit_test(test_short_messages),
	    cmocka_unit_test(test_bad_cookie),		cmocka_unit_test(test_bad_hlen),
	    cmocka_unit_test(test_bad_lengths),		cmocka_unit_test(test_truncated_options),
	    cmocka_unit_test(test_pad_end_and_trailer), cmocka_unit_test(test_msg_type_zero),
	    cmocka_unit_test(test_concatenation),	cmocka_unit_test(test_overload),
	    cmocka_unit_test(test_bad_overload),	cmocka_unit_test(test_huge_options),
	    cmocka_unit_test(test_build_reply),		cmocka_unit_test(test_build_reserves_end),
	    cmocka_unit_test(test_build_long_option),	cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_peek_giaddr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
