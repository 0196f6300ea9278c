/* test_dhcp_server.c - DHCP server logic without sockets: DORA flows,
 * reservations vs the pool, NAK cases, relays, and the lease journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_ip4.h"

#include "dhcp/dhcp_server.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAC_RES "52:54:00:00:00:11" /* listed, ip 192.0.2.11 */
#define MAC_INR "52:54:00:00:00:12" /* listed, ip inside the range */
#define MAC_A "52:54:00:00:00:a1"   /* unlisted */
#define MAC_B "52:54:00:00:00:b2"
#define MAC_C "52:54:00:00:00:c3"
#define MAC_REL "52:54:00:00:05:11" /* listed, ip 198.18.5.11 (relayed network) */
#define RELAY "198.18.5.1"	    /* a relay's giaddr in the relayed network */

static int64_t fake_now = 1700000000;
static int64_t fake_clock(void)
{
	return fake_now;
}

struct fixture {
	struct config cfg;
	struct cfg_subnet relayed;
	struct cfg_host hosts[3];
	struct lease_store *ls;
	struct dhcp_logic dl;
	struct dhcp_reply rep;
	struct dhcp_msg msg; /* the parsed reply */
	char dir[64];
};

/* A request, described field by field; NULL/0 fields are left out. */
struct req {
	uint8_t type;
	const char *mac;
	const char *reqip, *sid, *ciaddr, *giaddr;
	int arch;	  /* -1: no option 93 */
	bool pxe;	  /* option 60 PXEClient + 97 */
	uint16_t maxsize; /* option 57 */
	int ipxe;	  /* 1: option 175, 2: user class "iPXE", 3: other user class */
};

static size_t build_req(const struct req *r, uint8_t *buf, size_t size)
{
	static const uint8_t uuid[17] = {0, 0xde, 0xad, 0xbe, 0xef};
	struct dhcp_builder b;
	uint8_t mac[6];
	struct in_addr none = {0};

	assert_int_equal(mac_parse(r->mac, mac), 0);
	dhcp_build_init(&b, buf, size, size, DHCP_BOOTREQUEST, NULL);
	dhcp_build_set_xid_chaddr(&b, 0xabcd0001, mac, 6);
	dhcp_build_set_addrs(&b, r->ciaddr ? ip4(r->ciaddr) : none, none, none,
			     r->giaddr ? ip4(r->giaddr) : none);
	dhcp_build_u8(&b, DHO_MSG_TYPE, r->type);
	if (r->reqip)
		dhcp_build_addr(&b, DHO_REQUESTED_IP, ip4(r->reqip));
	if (r->sid)
		dhcp_build_addr(&b, DHO_SERVER_ID, ip4(r->sid));
	if (r->arch >= 0)
		dhcp_build_u16(&b, DHO_CLIENT_ARCH, (uint16_t)r->arch);
	if (r->pxe) {
		dhcp_build_opt(&b, DHO_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001", 32);
		dhcp_build_opt(&b, DHO_CLIENT_UUID, uuid, sizeof(uuid));
	}
	if (r->maxsize)
		dhcp_build_u16(&b, DHO_MAX_MSG_SIZE, r->maxsize);
	if (r->ipxe == 1) /* iPXE's encapsulated options: bus id, version */
		dhcp_build_opt(&b, DHO_IPXE_ENCAP,
			       "\xb1\x05\x01\x10\xec\x81\x39\xeb\x03\x01\x00\x00", 12);
	else if (r->ipxe == 2)
		dhcp_build_opt(&b, DHO_USER_CLASS, "iPXE", 4);
	else if (r->ipxe == 3) /* RFC 3004 form, another client */
		dhcp_build_opt(&b, DHO_USER_CLASS, "\x05Linux", 6);
	int n = dhcp_build_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/* Send a request; returns the handler's result and parses any reply. */
static int send_req(struct fixture *f, const struct req *r)
{
	uint8_t buf[DHCP_MAX_MSG];
	size_t len = build_req(r, buf, sizeof(buf));
	int rc = dhcp_server_handle(&f->dl, buf, len, &f->rep);

	if (rc > 0) {
		assert_int_equal(dhcp_parse(f->rep.buf, f->rep.len, &f->msg), DHCP_OK);
		assert_int_equal(f->msg.msg_type, rc);
		assert_int_equal(f->msg.op, DHCP_BOOTREPLY);
		assert_int_equal(f->msg.xid, 0xabcd0001);
	}
	return rc;
}

static void assert_addr(struct in_addr a, const char *s)
{
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	assert_string_equal(buf, s);
}

/* A /24 with dns 192.0.2.53. */
static void fill_net(struct cfg_subnet *n, const char *net, const char *first, const char *last,
		     const char *router, uint32_t lease)
{
	n->subnet = ip4(net);
	n->netmask = ip4("255.255.255.0");
	n->range_start = ip4(first);
	n->range_end = ip4(last);
	n->router = ip4(router);
	n->dns[0] = ip4("192.0.2.53");
	n->ndns = 1;
	n->lease_time = lease;
}

static void fill_config(struct fixture *f)
{
	struct config *c = &f->cfg;

	strcpy(c->interface, "br0");
	c->address = ip4("192.0.2.1");
	c->dhcp_port = 67;
	c->dhcp_mode = DHCP_MODE_AUTHORITATIVE;
	fill_net(&c->net, "192.0.2.0", "192.0.2.100", "192.0.2.103", "192.0.2.1", 3600);
	/* a network behind relays, its own router and lease time */
	fill_net(&f->relayed, "198.18.5.0", "198.18.5.100", "198.18.5.101", "198.18.5.1", 600);
	c->relay_nets = &f->relayed;
	c->nrelay_nets = 1;
	c->http_port = 8080;
	c->ipxe_http = true;
	strcpy(c->bios_loader, "pxelinux.0");
	strcpy(c->efi64_loader, "syslinux.efi");
	strcpy(f->hosts[0].name, "node001");
	mac_parse(MAC_RES, f->hosts[0].mac);
	f->hosts[0].ip = ip4("192.0.2.11");
	strcpy(f->hosts[1].name, "node002");
	mac_parse(MAC_INR, f->hosts[1].mac);
	f->hosts[1].ip = ip4("192.0.2.100"); /* inside the range: pool skips it */
	strcpy(f->hosts[2].name, "far001");
	mac_parse(MAC_REL, f->hosts[2].mac);
	f->hosts[2].ip = ip4("198.18.5.11");
	c->hosts = f->hosts;
	c->nhosts = 3;
}

static int open_logic(struct fixture *f, const char *dir)
{
	int err = 0;

	f->ls = lease_store_open(dir, fake_now, 86400, &err);
	assert_non_null(f->ls);
	return dhcp_logic_init(&f->dl, &f->cfg, f->ls, fake_clock);
}

static void close_logic(struct fixture *f)
{
	dhcp_logic_free(&f->dl);
	lease_store_close(f->ls);
	f->ls = NULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	fake_now = 1700000000;
	fill_config(f);
	strcpy(f->dir, "/tmp/test_dhcp_server.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(open_logic(f, f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	close_logic(f);
	snprintf(path, sizeof(path), "%s/leases.journal", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* DISCOVER -> OFFER, REQUEST (selecting) -> ACK; returns the address. */
static struct in_addr dora(struct fixture *f, const char *mac, int arch)
{
	struct req d = {.type = DHCPDISCOVER, .mac = mac, .arch = arch, .pxe = true};
	char ip[INET_ADDRSTRLEN];

	assert_int_equal(send_req(f, &d), DHCPOFFER);
	inet_ntop(AF_INET, &f->msg.yiaddr, ip, sizeof(ip));
	struct req r = {
	    .type = DHCPREQUEST, .mac = mac, .arch = arch, .reqip = ip, .sid = "192.0.2.1"};
	assert_int_equal(send_req(f, &r), DHCPACK);
	assert_addr(f->msg.yiaddr, ip);
	assert_int_equal(lease_store_sync(f->ls, fake_now), 0);
	return f->msg.yiaddr;
}

/* The network options of the parsed reply: server id, mask, router, dns
 * and the lease times (T1 = 1/2, T2 = 7/8). */
static void assert_net_options(struct fixture *f, const char *router, uint32_t lease)
{
	struct in_addr a;
	uint32_t v;

	assert_true(dhcp_opt_addr(&f->msg, DHO_SERVER_ID, &a));
	assert_addr(a, "192.0.2.1");
	assert_true(dhcp_opt_addr(&f->msg, DHO_SUBNET_MASK, &a));
	assert_addr(a, "255.255.255.0");
	assert_true(dhcp_opt_addr(&f->msg, DHO_ROUTER, &a));
	assert_addr(a, router);
	assert_true(dhcp_opt_addr(&f->msg, DHO_DNS, &a));
	assert_addr(a, "192.0.2.53");
	assert_true(dhcp_opt_u32(&f->msg, DHO_LEASE_TIME, &v));
	assert_int_equal(v, lease);
	assert_true(dhcp_opt_u32(&f->msg, DHO_RENEWAL_TIME, &v));
	assert_int_equal(v, lease / 2);
	assert_true(dhcp_opt_u32(&f->msg, DHO_REBINDING_TIME, &v));
	assert_int_equal(v, lease * 7 / 8);
}

static void test_offer_reserved_bios(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_RES, .arch = 0, .pxe = true};

	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_addr(f->msg.yiaddr, "192.0.2.11");
	assert_addr(f->msg.siaddr, "192.0.2.1");
	assert_string_equal(f->msg.file, "pxelinux.0");
	assert_net_options(f, "192.0.2.1", 3600);
	assert_int_equal(f->msg.opt[DHO_TFTP_SERVER].len, 9);
	assert_memory_equal(f->msg.opt[DHO_TFTP_SERVER].data, "192.0.2.1", 9);
	assert_int_equal(f->msg.opt[DHO_BOOTFILE].len, 10);
	assert_memory_equal(f->msg.opt[DHO_BOOTFILE].data, "pxelinux.0", 10);
	assert_int_equal(f->msg.opt[DHO_VENDOR_CLASS].len, 9);
	assert_memory_equal(f->msg.opt[DHO_VENDOR_CLASS].data, "PXEClient", 9);
	assert_int_equal(f->msg.opt[DHO_CLIENT_UUID].len, 17);
	assert_int_equal(f->msg.opt[DHO_CLIENT_UUID].data[1], 0xde);
	assert_int_equal(f->msg.opt[DHO_HOSTNAME].len, 7);
	assert_memory_equal(f->msg.chaddr, "\x52\x54\x00\x00\x00\x11", 6);
	/* no broadcast bit, no ciaddr: unicast to yiaddr at chaddr (4.1) */
	assert_int_equal(f->rep.dest, DHCP_DEST_CHADDR);
	assert_addr(f->rep.addr, "192.0.2.11");
	assert_addr(f->rep.yiaddr, "192.0.2.11");
	assert_memory_equal(f->rep.chaddr, "\x52\x54\x00\x00\x00\x11", 6);
	assert_int_equal(f->rep.port, 68);
	assert_true(f->rep.len >= 300);
	/* an offer is not journaled */
	assert_int_equal(lease_store_pending(f->ls), 0);
}

/* RFC 2131 4.1 destinations for a client on the segment: broadcast bit
 * set -> broadcast; clear -> unicast to chaddr; NAK -> always broadcast;
 * renewing (ciaddr) -> unicast to ciaddr whatever the bit says. */
static void test_reply_dest_broadcast_bit(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = -1};
	struct req n = {.type = DHCPREQUEST, .mac = MAC_A, .arch = -1, .reqip = "10.1.2.3"};
	struct req r = {.type = DHCPREQUEST, .mac = MAC_A, .arch = -1, .ciaddr = "192.0.2.101"};
	uint8_t buf[DHCP_MAX_MSG];
	size_t len;

	len = build_req(&d, buf, sizeof(buf));
	buf[10] = 0x80;
	assert_int_equal(dhcp_server_handle(&f->dl, buf, len, &f->rep), DHCPOFFER);
	assert_int_equal(f->rep.dest, DHCP_DEST_BROADCAST);
	assert_addr(f->rep.addr, "255.255.255.255");
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_int_equal(f->rep.dest, DHCP_DEST_CHADDR);
	assert_addr(f->rep.addr, "192.0.2.101");
	assert_int_equal(send_req(f, &n), DHCPNAK);
	assert_int_equal(f->rep.dest, DHCP_DEST_BROADCAST);
	assert_addr(dora(f, MAC_A, -1), "192.0.2.101");
	len = build_req(&r, buf, sizeof(buf));
	buf[10] = 0x80;
	assert_int_equal(dhcp_server_handle(&f->dl, buf, len, &f->rep), DHCPACK);
	assert_int_equal(f->rep.dest, DHCP_DEST_UNICAST);
	assert_addr(f->rep.addr, "192.0.2.101");
	assert_string_equal(dhcp_dest_names[DHCP_DEST_CHADDR], "unicast to chaddr");
}

static void test_dora_reserved_and_pool(void **state)
{
	struct fixture *f = *state;

	assert_addr(dora(f, MAC_RES, 0), "192.0.2.11");
	/* 192.0.2.100 is reserved for node002: the pool skips it */
	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
	assert_addr(dora(f, MAC_B, -1), "192.0.2.102");
	assert_addr(dora(f, MAC_INR, 0), "192.0.2.100");
	/* asking again gives the same addresses */
	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
	struct lease *l = lease_by_mac(f->ls, f->hosts[0].mac);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expires, fake_now + 3600);
}

/* A host enrolled at run time: reserved at once, its pool address out of
 * the pool, the reservation gone when it is removed again. */
static void test_enrolled_reservation(void **state)
{
	struct fixture *f = *state;
	struct cfg_host h = {.name = "rack1"}, hin = {.name = "rack2"};
	const struct cfg_host *set[2] = {&h, &hin};

	assert_int_equal(mac_parse(MAC_A, h.mac), 0);
	h.ip = ip4("192.0.2.41");
	assert_int_equal(mac_parse(MAC_C, hin.mac), 0);
	hin.ip = ip4("192.0.2.101"); /* inside the range: the pool must skip it */
	assert_int_equal(dhcp_logic_set_hosts(&f->dl, set, 2), 0);
	assert_addr(dora(f, MAC_A, 0), "192.0.2.41");
	assert_addr(dora(f, MAC_B, -1), "192.0.2.102");
	assert_addr(dora(f, MAC_C, 0), "192.0.2.101");
	/* config hosts still served */
	assert_addr(dora(f, MAC_RES, 0), "192.0.2.11");
	/* removed: MAC_A is an unlisted client again */
	assert_int_equal(dhcp_logic_set_hosts(&f->dl, NULL, 0), 0);
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 0, .pxe = true};
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_true(strcmp(inet_ntoa(f->msg.yiaddr), "192.0.2.41") != 0);
}

/* Room made for a growing set: the set's changes up to that size rebuild
 * the reservations in place (nothing to allocate, nothing to fail). */
static void test_reserve_hosts(void **state)
{
	struct fixture *f = *state;
	static struct cfg_host hs[40];
	const struct cfg_host *set[40];
	const struct cfg_host **table;

	for (size_t i = 0; i < 40; i++) {
		snprintf(hs[i].name, sizeof(hs[i].name), "r%zu", i);
		uint8_t mac[6] = {0x52, 0x54, 0x00, 0x77, 0x00, (uint8_t)i};
		memcpy(hs[i].mac, mac, 6);
		hs[i].ip.s_addr = htonl(0xc0000200u + 30 + (uint32_t)i); /* 192.0.2.30.. */
		set[i] = &hs[i];
	}
	assert_int_equal(dhcp_logic_reserve_hosts(&f->dl, 40), 0);
	table = f->dl.res;
	for (size_t n = 0; n <= 40; n += 8) {
		assert_int_equal(dhcp_logic_set_hosts(&f->dl, set, n), 0);
		assert_ptr_equal(f->dl.res, table);
	}
	assert_addr(dora(f, "52:54:00:77:00:27", 0), "192.0.2.69");
	assert_addr(dora(f, MAC_RES, 0), "192.0.2.11");
	assert_int_equal(dhcp_logic_set_hosts(&f->dl, set, 3), 0);
	assert_ptr_equal(f->dl.res, table);
	assert_addr(dora(f, "52:54:00:77:00:02", 0), "192.0.2.32");
}

/* Unknown PXE clients are recorded; listed hosts and non-PXE clients not;
 * enrolling a MAC takes it out of the table. */
static void test_discovered_record(void **state)
{
	struct fixture *f = *state;
	struct req pxe = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 7, .pxe = true};
	struct req arch_only = {.type = DHCPDISCOVER, .mac = MAC_B, .arch = 0};
	struct req plain = {.type = DHCPDISCOVER, .mac = MAC_C, .arch = -1};
	struct req listed = {.type = DHCPDISCOVER, .mac = MAC_RES, .arch = 0, .pxe = true};
	uint8_t a[6], b[6], c[6], r[6];
	const struct disc_entry *e;

	mac_parse(MAC_A, a);
	mac_parse(MAC_B, b);
	mac_parse(MAC_C, c);
	mac_parse(MAC_RES, r);
	assert_int_equal(send_req(f, &pxe), DHCPOFFER);
	fake_now += 5;
	assert_int_equal(send_req(f, &pxe), DHCPOFFER);
	send_req(f, &arch_only);
	send_req(f, &plain);
	send_req(f, &listed);
	assert_non_null(e = discovered_get(&f->dl.disc, a));
	assert_int_equal(e->requests, 2);
	assert_int_equal(e->arch, 7);
	assert_int_equal(e->last_seen - e->first_seen, 5);
	assert_string_equal(e->vendor, "PXEClient:Arch:00000:UNDI:002001");
	/* the offer is the one an unknown client gets: no installer config */
	assert_non_null(e = discovered_get(&f->dl.disc, b));
	assert_string_equal(e->vendor, "");
	assert_null(discovered_get(&f->dl.disc, c));
	assert_null(discovered_get(&f->dl.disc, r));
	struct cfg_host h = {.name = "rack1"};
	const struct cfg_host *set[1] = {&h};
	memcpy(h.mac, a, 6);
	assert_int_equal(dhcp_logic_set_hosts(&f->dl, set, 1), 0);
	assert_null(discovered_get(&f->dl.disc, a));
	send_req(f, &pxe); /* known now, without an ip: not discovered again */
	assert_null(discovered_get(&f->dl.disc, a));
}

static void test_no_pxe_options_not_echoed(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = -1};

	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_false(f->msg.opt[DHO_VENDOR_CLASS].present);
	assert_false(f->msg.opt[DHO_CLIENT_UUID].present);
	assert_false(f->msg.opt[DHO_HOSTNAME].present);
	/* no option 93: a plain client still gets the BIOS loader */
	assert_string_equal(f->msg.file, "pxelinux.0");
}

static void test_arch_loaders(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int arch;
		const char *file;
	} cases[] = {
	    {0, "pxelinux.0"}, {7, "syslinux.efi"}, {9, "syslinux.efi"}, {6, ""}, {11, ""}};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = cases[i].arch};
		assert_int_equal(send_req(f, &d), DHCPOFFER);
		assert_string_equal(f->msg.file, cases[i].file);
		assert_int_equal(f->msg.opt[DHO_BOOTFILE].present, cases[i].file[0] != '\0');
		if (!cases[i].file[0])
			assert_int_equal(f->msg.siaddr.s_addr, 0);
	}
}

/* iPXE (option 175 or user class "iPXE") gets its HTTP script, on BIOS
 * and UEFI alike; never a loader that would chain to iPXE again. */
static void test_ipxe_http_script(void **state)
{
	struct fixture *f = *state;
	static const char url[] = "http://192.0.2.1:8080/ipxe/01-52-54-00-00-00-11";
	static const struct {
		int arch, ipxe;
		const char *file;
	} cases[] = {
	    {0, 1, url}, {0, 2, url},	       {-1, 2, url},	     {7, 1, url},
	    {9, 2, url}, {0, 0, "pxelinux.0"}, {0, 3, "pxelinux.0"}, {7, 3, "syslinux.efi"},
	    {11, 1, ""},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct req d = {.type = DHCPDISCOVER,
				.mac = MAC_RES,
				.arch = cases[i].arch,
				.pxe = true,
				.ipxe = cases[i].ipxe};
		assert_int_equal(send_req(f, &d), DHCPOFFER);
		assert_string_equal(f->msg.file, cases[i].file);
		if (cases[i].file[0]) {
			assert_int_equal(f->msg.opt[DHO_BOOTFILE].len, strlen(cases[i].file));
			assert_memory_equal(f->msg.opt[DHO_BOOTFILE].data, cases[i].file,
					    strlen(cases[i].file));
		} else {
			assert_false(f->msg.opt[DHO_BOOTFILE].present);
		}
	}
	/* the ACK carries the same URL */
	struct req r = {.type = DHCPREQUEST,
			.mac = MAC_RES,
			.arch = 7,
			.ipxe = 1,
			.reqip = "192.0.2.11",
			.sid = "192.0.2.1"};
	assert_int_equal(send_req(f, &r), DHCPACK);
	assert_string_equal(f->msg.file, url);
	/* an unlisted MAC gets its own URL */
	struct req a = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 0, .ipxe = 2};
	assert_int_equal(send_req(f, &a), DHCPOFFER);
	assert_string_equal(f->msg.file, "http://192.0.2.1:8080/ipxe/01-52-54-00-00-00-a1");
}

/* ipxe_http = false: iPXE is served like any PXE ROM (pxelinux over TFTP). */
static void test_ipxe_http_off(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_RES, .arch = 0, .pxe = true, .ipxe = 1};

	f->cfg.ipxe_http = false;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_string_equal(f->msg.file, "pxelinux.0");
	d.ipxe = 2;
	d.arch = 7;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_string_equal(f->msg.file, "syslinux.efi");
}

/* proxyDHCP: PXE clients only, no address, boot file + option 43; the
 * 4011 REQUEST is answered by unicast to where it came from. */
static void test_proxy_mode(void **state)
{
	struct fixture *f = *state;
	static const uint8_t dc[] = {6, 1, 8, 255};
	struct req plain = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = -1};
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 0, .pxe = true};
	struct req r67 = {.type = DHCPREQUEST,
			  .mac = MAC_A,
			  .arch = 0,
			  .pxe = true,
			  .reqip = "192.0.2.150",
			  .sid = "192.0.2.254"};
	uint8_t buf[DHCP_MAX_MSG];
	size_t len;

	f->cfg.dhcp_mode = DHCP_MODE_PROXY;
	assert_int_equal(send_req(f, &plain), 0);
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_int_equal(f->msg.yiaddr.s_addr, 0);
	assert_addr(f->msg.siaddr, "192.0.2.1");
	assert_string_equal(f->msg.file, "pxelinux.0");
	assert_memory_equal(f->msg.opt[DHO_VENDOR_CLASS].data, "PXEClient", 9);
	assert_int_equal(f->msg.opt[DHO_VENDOR_SPECIFIC].len, sizeof(dc));
	assert_memory_equal(f->msg.opt[DHO_VENDOR_SPECIFIC].data, dc, sizeof(dc));
	assert_true(f->msg.opt[DHO_SERVER_ID].present);
	assert_true(f->msg.opt[DHO_CLIENT_UUID].present);
	assert_false(f->msg.opt[DHO_LEASE_TIME].present);
	assert_false(f->msg.opt[DHO_SUBNET_MASK].present);
	assert_int_equal(f->rep.dest, DHCP_DEST_BROADCAST);
	assert_int_equal(lease_store_count(f->ls), 0);
	/* the REQUEST to the real DHCP server is not ours */
	assert_int_equal(send_req(f, &r67), 0);
	/* port 4011: unicast ACK back to the source, ciaddr echoed */
	struct req r = {
	    .type = DHCPREQUEST, .mac = MAC_A, .arch = 7, .pxe = true, .ciaddr = "192.0.2.150"};
	len = build_req(&r, buf, sizeof(buf));
	assert_int_equal(dhcp_server_handle_pxe(&f->dl, buf, len, ip4("192.0.2.150"), 68, &f->rep),
			 DHCPACK);
	assert_int_equal(dhcp_parse(f->rep.buf, f->rep.len, &f->msg), DHCP_OK);
	assert_int_equal(f->msg.yiaddr.s_addr, 0);
	assert_addr(f->msg.ciaddr, "192.0.2.150");
	assert_string_equal(f->msg.file, "syslinux.efi");
	assert_int_equal(f->rep.dest, DHCP_DEST_UNICAST);
	assert_addr(f->rep.addr, "192.0.2.150");
	assert_int_equal(f->rep.port, 68);
	/* not from an address, or not PXE: no answer */
	assert_int_equal(dhcp_server_handle_pxe(&f->dl, buf, len, ip4("0.0.0.0"), 68, &f->rep), 0);
	r.pxe = false;
	len = build_req(&r, buf, sizeof(buf));
	assert_int_equal(dhcp_server_handle_pxe(&f->dl, buf, len, ip4("192.0.2.150"), 68, &f->rep),
			 0);
	/* iPXE behind a proxy gets its script too */
	d.ipxe = 2;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_string_equal(f->msg.file, "http://192.0.2.1:8080/ipxe/01-52-54-00-00-00-a1");
}

static void test_nak_wrong_address(void **state)
{
	struct fixture *f = *state;
	/* a listed host asking for another address (INIT-REBOOT) */
	struct req r = {.type = DHCPREQUEST, .mac = MAC_RES, .arch = 0, .reqip = "192.0.2.101"};

	assert_int_equal(send_req(f, &r), DHCPNAK);
	assert_int_equal(f->msg.yiaddr.s_addr, 0);
	assert_int_equal(f->msg.siaddr.s_addr, 0);
	assert_string_equal(f->msg.file, "");
	assert_false(f->msg.opt[DHO_LEASE_TIME].present);
	assert_true(f->msg.opt[DHO_SERVER_ID].present);
	assert_int_equal(f->rep.dest, DHCP_DEST_BROADCAST);
	/* a client from another network */
	struct req o = {.type = DHCPREQUEST, .mac = MAC_A, .arch = -1, .reqip = "10.1.2.3"};
	assert_int_equal(send_req(f, &o), DHCPNAK);
	/* an unlisted client asking for a reserved address */
	struct req s = {.type = DHCPREQUEST, .mac = MAC_A, .arch = -1, .reqip = "192.0.2.11"};
	assert_int_equal(send_req(f, &s), DHCPNAK);
	struct req p = {.type = DHCPREQUEST, .mac = MAC_A, .arch = -1, .reqip = "192.0.2.100"};
	assert_int_equal(send_req(f, &p), DHCPNAK);
	/* an address another client holds */
	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
	struct req t = {.type = DHCPREQUEST, .mac = MAC_B, .arch = -1, .reqip = "192.0.2.101"};
	assert_int_equal(send_req(f, &t), DHCPNAK);
	/* no request at all: nothing to answer */
	struct req u = {.type = DHCPREQUEST, .mac = MAC_B, .arch = -1};
	assert_int_equal(send_req(f, &u), 0);
}

static void test_init_reboot_free_address(void **state)
{
	struct fixture *f = *state;
	/* the server lost its state; the client's old address is free: ACK */
	struct req r = {.type = DHCPREQUEST, .mac = MAC_C, .arch = -1, .reqip = "192.0.2.103"};

	assert_int_equal(send_req(f, &r), DHCPACK);
	assert_addr(f->msg.yiaddr, "192.0.2.103");
	assert_int_equal(lease_store_pending(f->ls), 1);
}

static void test_other_server_selected(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = -1};
	struct req r = {.type = DHCPREQUEST,
			.mac = MAC_A,
			.arch = -1,
			.reqip = "192.0.2.50",
			.sid = "192.0.2.254"};

	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_non_null(lease_by_mac(f->ls, f->msg.chaddr));
	assert_int_equal(send_req(f, &r), 0);
	/* our offer was withdrawn */
	uint8_t mac[6];
	mac_parse(MAC_A, mac);
	assert_null(lease_by_mac(f->ls, mac));
}

static void test_renew_unicast_and_relay(void **state)
{
	struct fixture *f = *state;
	struct in_addr a = dora(f, MAC_A, 0);
	struct req r = {.type = DHCPREQUEST, .mac = MAC_A, .arch = -1, .ciaddr = "192.0.2.101"};

	assert_addr(a, "192.0.2.101");
	fake_now += 1800;
	assert_int_equal(send_req(f, &r), DHCPACK);
	assert_int_equal(f->rep.dest, DHCP_DEST_UNICAST);
	assert_addr(f->rep.addr, "192.0.2.101");
	assert_int_equal(f->rep.port, 68);
	assert_addr(f->msg.ciaddr, "192.0.2.101");
	assert_int_equal(lease_by_mac(f->ls, f->msg.chaddr)->expires, fake_now + 3600);

	/* relayed: reply to giaddr at the server port, giaddr kept */
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_B, .arch = 0, .giaddr = "192.0.2.254"};
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_int_equal(f->rep.dest, DHCP_DEST_RELAY);
	assert_addr(f->rep.addr, "192.0.2.254");
	assert_int_equal(f->rep.port, 67);
	assert_addr(f->msg.giaddr, "192.0.2.254");
	/* a relay on a subnet we do not serve gets nothing */
	struct req far = {.type = DHCPDISCOVER, .mac = MAC_C, .arch = 0, .giaddr = "10.9.8.1"};
	assert_int_equal(send_req(f, &far), DHCP_ENOSUBNET);
	/* a relayed NAK has the broadcast bit (RFC 2131 4.3.2) */
	struct req n = {.type = DHCPREQUEST,
			.mac = MAC_B,
			.arch = 0,
			.giaddr = "192.0.2.254",
			.reqip = "192.0.2.11"};
	assert_int_equal(send_req(f, &n), DHCPNAK);
	assert_int_equal(f->rep.dest, DHCP_DEST_RELAY);
	assert_int_equal(f->msg.flags & 0x8000, 0x8000);
}

/* A relayed request (giaddr) is served from the network holding giaddr:
 * its pool, router, mask and lease time; the reply goes to the relay's
 * server port with giaddr and the client's flags kept (RFC 2131 4.1). */
static void test_relay_selects_subnet(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 0, .giaddr = RELAY};

	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_addr(f->msg.yiaddr, "198.18.5.100");
	assert_addr(f->msg.giaddr, RELAY);
	assert_int_equal(f->msg.flags & 0x8000, 0);
	assert_net_options(f, "198.18.5.1", 600);
	assert_int_equal(f->rep.dest, DHCP_DEST_RELAY);
	assert_addr(f->rep.addr, RELAY);
	assert_int_equal(f->rep.port, 67);
	struct req r = {.type = DHCPREQUEST,
			.mac = MAC_A,
			.arch = 0,
			.giaddr = RELAY,
			.reqip = "198.18.5.100",
			.sid = "192.0.2.1"};
	assert_int_equal(send_req(f, &r), DHCPACK);
	assert_addr(f->msg.yiaddr, "198.18.5.100");
	assert_int_equal(f->rep.dest, DHCP_DEST_RELAY);
	struct lease *l = lease_by_ip(f->ls, ip4("198.18.5.100"));
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expires, fake_now + 600);
	/* the same client asking directly gets an address of the interface's
	 * network, and back behind the relay one of the relayed network */
	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_int_equal(ntohl(f->msg.yiaddr.s_addr) >> 8, 0xc61205); /* 198.18.5.x */
	/* a relay inside the interface's network: that network */
	d.giaddr = "192.0.2.254";
	d.mac = MAC_B;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_addr(f->msg.yiaddr, "192.0.2.102");
	assert_addr(f->rep.addr, "192.0.2.254");
	/* an address of the other network is refused behind this relay */
	struct req w = {
	    .type = DHCPREQUEST, .mac = MAC_C, .arch = -1, .giaddr = RELAY, .reqip = "192.0.2.103"};
	assert_int_equal(send_req(f, &w), DHCPNAK);
}

/* Pools are per network: exhausting the relayed one leaves the
 * interface's alone; the broadcast bit a client set is kept for the relay. */
static void test_relay_pool_per_subnet(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = -1, .giaddr = RELAY};
	uint8_t buf[DHCP_MAX_MSG];
	size_t len;

	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_addr(f->msg.yiaddr, "198.18.5.100");
	d.mac = MAC_B;
	len = build_req(&d, buf, sizeof(buf));
	buf[10] = 0x80; /* broadcast bit */
	assert_int_equal(dhcp_server_handle(&f->dl, buf, len, &f->rep), DHCPOFFER);
	assert_int_equal(dhcp_parse(f->rep.buf, f->rep.len, &f->msg), DHCP_OK);
	assert_addr(f->msg.yiaddr, "198.18.5.101");
	assert_int_equal(f->msg.flags & 0x8000, 0x8000);
	assert_int_equal(f->rep.dest, DHCP_DEST_RELAY);
	d.mac = MAC_C;
	assert_int_equal(send_req(f, &d), 0);
	assert_int_equal(f->dl.stats.pool_exhausted, 1);
	assert_addr(dora(f, MAC_C, -1), "192.0.2.101");
}

/* A reservation holds only in its own network: a listed host asking
 * from the other one gets a pool address there (or nothing without a
 * pool), never its reserved address. */
static void test_relay_reservation_mismatch(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_RES, .arch = 0, .giaddr = RELAY};
	struct req r = {
	    .type = DHCPREQUEST, .mac = MAC_RES, .arch = 0, .giaddr = RELAY, .reqip = "192.0.2.11"};

	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_addr(f->msg.yiaddr, "198.18.5.100");
	/* still named: it is a listed host */
	assert_int_equal(f->msg.opt[DHO_HOSTNAME].len, 7);
	assert_int_equal(send_req(f, &r), DHCPNAK);
	/* the host reserved in the relayed network: reserved there... */
	d.mac = MAC_REL;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_addr(f->msg.yiaddr, "198.18.5.11");
	/* ...and a pool address on the interface's network */
	assert_addr(dora(f, MAC_REL, 0), "192.0.2.101");
	/* a relayed network without a pool: a misplaced host gets nothing */
	close_logic(f);
	f->relayed.range_start.s_addr = f->relayed.range_end.s_addr = 0;
	assert_int_equal(open_logic(f, NULL), 0);
	d.mac = MAC_RES;
	assert_int_equal(send_req(f, &d), 0);
	assert_int_equal(send_req(f, &r), 0);
	d.mac = MAC_REL;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_addr(f->msg.yiaddr, "198.18.5.11");
}

/* Count lines holding needle that fn writes to the log (stderr). */
static int log_lines(void (*fn)(struct fixture *), struct fixture *f, const char *needle)
{
	char line[512];
	int n = 0, saved = dup(2);
	FILE *tmp = tmpfile();

	assert_non_null(tmp);
	assert_true(saved >= 0);
	enum log_level was = log_get_level();
	dup2(fileno(tmp), 2);
	log_set_level(LOG_LVL_WARN);
	fn(f);
	log_set_level(was);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	while (fgets(line, sizeof(line), tmp))
		if (strstr(line, needle))
			n++;
	fclose(tmp);
	return n;
}

static void misplaced_requests(struct fixture *f)
{
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_RES, .arch = 0, .giaddr = RELAY};

	for (int i = 0; i < 5; i++)
		assert_int_equal(send_req(f, &d), DHCPOFFER);
}

static void other_misplaced(struct fixture *f)
{
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_INR, .arch = 0, .giaddr = RELAY};

	assert_int_equal(send_req(f, &d), DHCPOFFER);
}

static void misplaced_release(struct fixture *f)
{
	struct req r = {.type = DHCPRELEASE,
			.mac = MAC_RES,
			.arch = -1,
			.giaddr = RELAY,
			.ciaddr = "198.18.5.100",
			.sid = "192.0.2.1"};

	fake_now += DHCP_WARN_WINDOW; /* a warning would be due */
	assert_int_equal(send_req(f, &r), 0);
}

static void misplaced_later(struct fixture *f)
{
	fake_now += DHCP_WARN_WINDOW;
	misplaced_requests(f);
}

/* A listed host asking from the wrong network is warned about once a
 * minute, not per datagram; the next warning says how many were held back;
 * the network's counters see every request. */
static void test_misplaced_warned_once(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    log_lines(misplaced_requests, f, "reserved 192.0.2.11 is not in 198.18.5.0/24"), 1);
	assert_int_equal(f->dl.nets[1].stats.misplaced, 5);
	assert_int_equal(f->dl.nets[1].stats.offers, 5);
	assert_int_equal(f->dl.nets[0].stats.offers, 0);
	assert_int_equal(log_lines(misplaced_later, f, "(repeated 4 times since the last warning)"),
			 1);
	assert_int_equal(f->dl.nets[1].stats.misplaced, 10);
	/* another host is another warning */
	assert_int_equal(log_lines(other_misplaced, f, "node002: reserved 192.0.2.100 is not in"),
			 1);
	assert_int_equal(f->dl.nets[1].stats.misplaced, 11);
	/* a RELEASE asks for no address: neither counted nor warned about */
	assert_int_equal(log_lines(misplaced_release, f, "is not in"), 0);
	assert_int_equal(f->dl.nets[1].stats.misplaced, 11);
}

/* Counters and bound leases per network. */
static void test_net_stats_and_leases(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 0, .giaddr = RELAY};
	struct req r = {.type = DHCPREQUEST,
			.mac = MAC_A,
			.arch = 0,
			.giaddr = RELAY,
			.reqip = "198.18.5.100",
			.sid = "192.0.2.1"};
	uint64_t leases[2];

	dora(f, MAC_RES, 0);
	dora(f, MAC_B, 0);
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_int_equal(send_req(f, &r), DHCPACK);
	r.reqip = "198.18.5.77"; /* not what it was given */
	assert_int_equal(send_req(f, &r), DHCPNAK);
	assert_int_equal(f->dl.nets[0].stats.offers, 2);
	assert_int_equal(f->dl.nets[0].stats.acks, 2);
	assert_int_equal(f->dl.nets[1].stats.offers, 1);
	assert_int_equal(f->dl.nets[1].stats.acks, 1);
	assert_int_equal(f->dl.nets[1].stats.naks, 1);
	dhcp_logic_net_leases(&f->dl, leases);
	assert_int_equal(leases[0], 2);
	assert_int_equal(leases[1], 1);
	/* an outstanding offer is no lease; expired leases are not counted */
	d.mac = MAC_C;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	dhcp_logic_net_leases(&f->dl, leases);
	assert_int_equal(leases[1], 1);
	fake_now += 601; /* the relayed network's lease time */
	dhcp_logic_net_leases(&f->dl, leases);
	assert_int_equal(leases[0], 2);
	assert_int_equal(leases[1], 0);
	/* the relayed pool (.100-.101) runs out: counted there */
	d.mac = "52:54:00:00:00:d1";
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	d.mac = "52:54:00:00:00:d2";
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	d.mac = "52:54:00:00:00:d3";
	assert_int_equal(send_req(f, &d), 0);
	assert_int_equal(f->dl.nets[1].stats.pool_exhausted, 1);
	assert_int_equal(f->dl.nets[0].stats.pool_exhausted, 0);
}

/* A giaddr in no configured network: dropped with its own error code
 * (the socket layer logs it), nothing recorded. */
static void test_relay_unknown_giaddr(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 0, .giaddr = "198.18.6.1"};
	struct req r = {.type = DHCPREQUEST,
			.mac = MAC_RES,
			.arch = 0,
			.giaddr = "198.18.6.1",
			.reqip = "192.0.2.11"};
	uint64_t ignored = f->dl.stats.ignored;

	assert_int_equal(send_req(f, &d), DHCP_ENOSUBNET);
	assert_int_equal(send_req(f, &r), DHCP_ENOSUBNET);
	assert_int_equal(f->dl.stats.ignored, ignored + 2);
	assert_int_equal(lease_store_count(f->ls), 0);
	assert_non_null(strstr(dhcp_server_strerror(DHCP_ENOSUBNET), "giaddr"));
	/* proxy mode's port 4011 too */
	uint8_t buf[DHCP_MAX_MSG];
	struct req p = {.type = DHCPREQUEST,
			.mac = MAC_A,
			.arch = 0,
			.pxe = true,
			.ciaddr = "192.0.2.150",
			.giaddr = "198.18.6.1"};
	size_t len = build_req(&p, buf, sizeof(buf));
	f->cfg.dhcp_mode = DHCP_MODE_PROXY;
	assert_int_equal(dhcp_server_handle_pxe(&f->dl, buf, len, ip4("192.0.2.150"), 68, &f->rep),
			 DHCP_ENOSUBNET);
}

static void test_release_and_decline(void **state)
{
	struct fixture *f = *state;
	struct req rel = {.type = DHCPRELEASE,
			  .mac = MAC_A,
			  .arch = -1,
			  .ciaddr = "192.0.2.101",
			  .sid = "192.0.2.1"};
	struct lease *l;

	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
	assert_int_equal(send_req(f, &rel), 0);
	l = lease_by_mac(f->ls, f->hosts[0].mac);
	assert_null(l);
	uint8_t mac[6];
	mac_parse(MAC_A, mac);
	l = lease_by_mac(f->ls, mac);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_RELEASED);
	assert_int_equal(lease_store_pending(f->ls), 1);
	/* the released address goes back to the same client */
	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");

	/* DECLINE: the address stays out of the pool */
	struct req dec = {.type = DHCPDECLINE,
			  .mac = MAC_A,
			  .arch = -1,
			  .reqip = "192.0.2.101",
			  .sid = "192.0.2.1"};
	assert_int_equal(send_req(f, &dec), 0);
	l = lease_by_ip(f->ls, ip4("192.0.2.101"));
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_DECLINED);
	assert_null(lease_by_mac(f->ls, mac));
	assert_addr(dora(f, MAC_A, 0), "192.0.2.102");
	assert_addr(dora(f, MAC_B, 0), "192.0.2.103");
	/* a DECLINE for an address the client does not hold is ignored */
	struct req bad = {.type = DHCPDECLINE, .mac = MAC_B, .arch = -1, .reqip = "192.0.2.11"};
	assert_int_equal(send_req(f, &bad), 0);
	assert_null(lease_by_ip(f->ls, ip4("192.0.2.11")));
}

static void test_inform(void **state)
{
	struct fixture *f = *state;
	struct req i = {.type = DHCPINFORM, .mac = MAC_C, .arch = 0, .ciaddr = "192.0.2.50"};
	struct req o = {.type = DHCPINFORM, .mac = MAC_C, .arch = 0, .ciaddr = "10.0.0.5"};

	assert_int_equal(send_req(f, &i), DHCPACK);
	assert_int_equal(f->msg.yiaddr.s_addr, 0);
	assert_false(f->msg.opt[DHO_LEASE_TIME].present);
	assert_true(f->msg.opt[DHO_SUBNET_MASK].present);
	assert_string_equal(f->msg.file, "pxelinux.0");
	assert_int_equal(f->rep.dest, DHCP_DEST_UNICAST);
	assert_addr(f->rep.addr, "192.0.2.50");
	assert_int_equal(send_req(f, &o), 0);
	assert_int_equal(lease_store_count(f->ls), 0);
}

static void test_pool_exhaustion_and_reuse(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_C, .arch = -1};

	/* the pool is .101-.103 (.100 is reserved) */
	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
	assert_addr(dora(f, MAC_B, 0), "192.0.2.102");
	assert_addr(dora(f, "52:54:00:00:00:d4", 0), "192.0.2.103");
	assert_int_equal(send_req(f, &d), 0);
	assert_int_equal(f->dl.stats.pool_exhausted, 1);
	/* listed hosts are not affected */
	assert_addr(dora(f, MAC_RES, 0), "192.0.2.11");
	/* once leases expire the addresses are reclaimed */
	fake_now += 3601;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_true(ntohl(f->msg.yiaddr.s_addr) >= 0xc0000265 &&
		    ntohl(f->msg.yiaddr.s_addr) <= 0xc0000267);
}

static void test_offers_hold_addresses(void **state)
{
	struct fixture *f = *state;
	struct req a = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = -1};
	struct req b = {.type = DHCPDISCOVER, .mac = MAC_B, .arch = -1};
	struct in_addr first;

	assert_int_equal(send_req(f, &a), DHCPOFFER);
	first = f->msg.yiaddr;
	assert_int_equal(send_req(f, &b), DHCPOFFER);
	assert_int_not_equal(f->msg.yiaddr.s_addr, first.s_addr);
	/* a repeated DISCOVER gets the same offer */
	assert_int_equal(send_req(f, &a), DHCPOFFER);
	assert_int_equal(f->msg.yiaddr.s_addr, first.s_addr);
}

static void test_no_pool_only_listed(void **state)
{
	struct fixture *f = *state;
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_A, .arch = 0};
	struct req r = {.type = DHCPREQUEST, .mac = MAC_A, .arch = 0, .reqip = "192.0.2.101"};

	close_logic(f);
	f->cfg.net.range_start.s_addr = f->cfg.net.range_end.s_addr = 0;
	assert_int_equal(open_logic(f, NULL), 0);
	assert_int_equal(send_req(f, &d), 0);
	assert_int_equal(send_req(f, &r), 0);
	assert_addr(dora(f, MAC_RES, 0), "192.0.2.11");
}

static void test_max_message_size(void **state)
{
	struct fixture *f = *state;
	struct req d = {
	    .type = DHCPDISCOVER, .mac = MAC_RES, .arch = 0, .pxe = true, .maxsize = 300};

	/* below the RFC minimum: still answered, within 576 */
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_true(f->rep.len <= DHCP_MIN_REPLY);
	d.maxsize = 65535;
	assert_int_equal(send_req(f, &d), DHCPOFFER);
	assert_true(f->rep.len <= DHCP_MAX_MSG);
}

static void test_bad_requests(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[DHCP_MAX_MSG];
	struct req d = {.type = DHCPDISCOVER, .mac = MAC_RES, .arch = 0};
	size_t len = build_req(&d, buf, sizeof(buf));

	assert_int_equal(dhcp_server_handle(&f->dl, buf, 200, &f->rep), DHCP_ETRUNCATED);
	buf[1] = 6; /* IEEE 802 */
	assert_int_equal(dhcp_server_handle(&f->dl, buf, len, &f->rep), DHCP_EBADHTYPE);
	buf[1] = 1;
	buf[0] = DHCP_BOOTREPLY; /* another server's reply */
	assert_int_equal(dhcp_server_handle(&f->dl, buf, len, &f->rep), DHCP_EBADHTYPE);
	buf[0] = DHCP_BOOTREQUEST;
	buf[DHCP_MIN_LEN + 2] = DHCPOFFER; /* a reply type in a request */
	assert_int_equal(dhcp_server_handle(&f->dl, buf, len, &f->rep), 0);
	/* BOOTP (no option 53) is not served */
	memset(buf + DHCP_MIN_LEN, 0, 3);
	assert_int_equal(dhcp_server_handle(&f->dl, buf, len, &f->rep), DHCP_ENOMSGTYPE);
	assert_int_equal(f->dl.stats.malformed, 3);
}

static void test_lease_survives_restart(void **state)
{
	struct fixture *f = *state;

	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
	assert_addr(dora(f, MAC_B, 0), "192.0.2.102");
	close_logic(f);
	assert_int_equal(open_logic(f, f->dir), 0);
	assert_int_equal(lease_store_count(f->ls), 2);
	/* B renews after the restart; a new client does not get B's address */
	struct req r = {.type = DHCPREQUEST, .mac = MAC_B, .arch = -1, .ciaddr = "192.0.2.102"};
	assert_int_equal(send_req(f, &r), DHCPACK);
	assert_addr(dora(f, MAC_C, 0), "192.0.2.103");
	assert_addr(dora(f, MAC_A, 0), "192.0.2.101");
}

static void write_journal(const char *dir, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/leases.journal", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_journal_corrupt_rows(void **state)
{
	struct fixture *f = *state;
	struct lease good = {
	    .mac = {0x52, 0x54, 0, 0, 0, 0xa1}, .expires = fake_now + 100, .state = LEASE_BOUND};
	char row1[128], row2[128], text[1024], path[128], *data;
	size_t len;

	good.ip = ip4("192.0.2.101");
	assert_true(lease_row_format(&good, row1, sizeof(row1)) > 0);
	good.mac[5] = 0xb2;
	good.ip = ip4("192.0.2.102");
	assert_true(lease_row_format(&good, row2, sizeof(row2)) > 0);
	/* a flipped byte (checksum), junk, a bad state, an old expired lease,
	 * and a torn last row */
	char flipped[128];
	strcpy(flipped, row2);
	flipped[3] = '9';
	snprintf(text, sizeof(text),
		 "%sgarbage\n%s\n52:54:00:00:00:c3 192.0.2.103 1 offered 00000000\n"
		 "%s52:54:00:00:00:d4 192.0.2.1",
		 row1, flipped, row2);
	close_logic(f);
	write_journal(f->dir, text);
	assert_int_equal(open_logic(f, f->dir), 0);
	assert_int_equal(lease_store_count(f->ls), 2);
	assert_non_null(lease_by_ip(f->ls, ip4("192.0.2.101")));
	assert_non_null(lease_by_ip(f->ls, ip4("192.0.2.102")));
	/* compacted: only the good rows remain */
	snprintf(path, sizeof(path), "%s/leases.journal", f->dir);
	assert_int_equal(read_file(path, 1 << 20, &data, &len), 0);
	assert_int_equal(len, strlen(row1) + strlen(row2));
	assert_non_null(strstr(data, row1));
	assert_non_null(strstr(data, row2));
	free(data);
	/* the pool knows those addresses are taken */
	assert_addr(dora(f, MAC_C, 0), "192.0.2.103");
}

static void test_journal_row_format(void **state)
{
	struct lease l = {.mac = {0x52, 0x54, 0, 0x12, 0x34, 0x56},
			  .expires = 1700003600,
			  .state = LEASE_DECLINED},
		     back;
	char row[128];
	int n;

	(void)state;
	l.ip = ip4("192.0.2.11");
	n = lease_row_format(&l, row, sizeof(row));
	assert_true(n > 0);
	assert_int_equal(row[n - 1], '\n');
	static const char want[] = "52:54:00:12:34:56 192.0.2.11 1700003600 declined ";
	assert_int_equal(strncmp(row, want, sizeof(want) - 1), 0);
	assert_int_equal(lease_row_parse(row, (size_t)n - 1, &back), 0);
	assert_memory_equal(back.mac, l.mac, 6);
	assert_int_equal(back.ip.s_addr, l.ip.s_addr);
	assert_int_equal(back.expires, l.expires);
	assert_int_equal(back.state, LEASE_DECLINED);
	/* every single-byte change is caught */
	for (int i = 0; i < n - 1; i++) {
		char m[128];
		memcpy(m, row, (size_t)n);
		m[i] = m[i] == 'x' ? 'y' : 'x';
		assert_int_equal(lease_row_parse(m, (size_t)n - 1, &back), -EINVAL);
	}
	assert_int_equal(lease_row_parse("", 0, &back), -EINVAL);
	assert_int_equal(lease_row_format(&l, row, 20), -ENOSPC);
}

static void test_journal_append_and_compact(void **state)
{
	struct fixture *f = *state;
	uint8_t mac[6] = {0x52, 0x54, 0, 0, 1, 0};

	/* many renewals of a few leases: the journal is compacted on sync */
	for (int i = 0; i < 5000; i++) {
		mac[5] = (uint8_t)(i % 3);
		struct in_addr a = {htonl(0xc0000265 + (uint32_t)(i % 3))};
		assert_int_equal(lease_store_set(f->ls, mac, a, fake_now + i, LEASE_BOUND), 0);
	}
	assert_int_equal(lease_store_pending(f->ls), 5000);
	assert_int_equal(lease_store_sync(f->ls, fake_now), 0);
	assert_int_equal(lease_store_pending(f->ls), 0);
	char path[128], *data;
	size_t len;
	snprintf(path, sizeof(path), "%s/leases.journal", f->dir);
	assert_int_equal(read_file(path, 1 << 20, &data, &len), 0);
	assert_true(len < 3 * 128); /* rewritten: one row per lease */
	free(data);
	close_logic(f);
	assert_int_equal(open_logic(f, f->dir), 0);
	assert_int_equal(lease_store_count(f->ls), 3);
	mac[5] = 4999 % 3; /* the last row written wins */
	assert_int_equal(lease_by_mac(f->ls, mac)->expires, fake_now + 4999);
}

/* Rows reach the file only in lease_store_sync (one write per batch), so
 * an ACK sent after the sync is always backed by the file. */
static void test_journal_written_on_sync(void **state)
{
	struct fixture *f = *state;
	uint8_t mac[6] = {0x52, 0x54, 0, 0, 2, 0};
	char path[128], *data;
	size_t len, before;

	snprintf(path, sizeof(path), "%s/leases.journal", f->dir);
	assert_int_equal(read_file(path, 1 << 20, &data, &len), 0);
	free(data);
	before = len;
	for (int i = 0; i < 3; i++) {
		mac[5] = (uint8_t)i;
		struct in_addr a = {htonl(0xc0000265 + (uint32_t)i)};
		assert_int_equal(lease_store_set(f->ls, mac, a, fake_now + 60, LEASE_BOUND), 0);
	}
	assert_int_equal(lease_store_pending(f->ls), 3);
	assert_int_equal(read_file(path, 1 << 20, &data, &len), 0);
	free(data);
	assert_int_equal(len, before);
	assert_int_equal(lease_store_sync(f->ls, fake_now), 0);
	assert_int_equal(lease_store_pending(f->ls), 0);
	assert_int_equal(read_file(path, 1 << 20, &data, &len), 0);
	assert_non_null(strstr(data, "52:54:00:00:02:02 192.0.2.103 "));
	assert_int_equal(len - before, 3 * strlen(strstr(data, "52:54:00:00:02:02")));
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_offer_reserved_bios),
	    T(test_reply_dest_broadcast_bit),
	    T(test_dora_reserved_and_pool),
	    T(test_enrolled_reservation),
	    T(test_reserve_hosts),
	    T(test_discovered_record),
	    T(test_no_pxe_options_not_echoed),
	    T(test_arch_loaders),
	    T(test_ipxe_http_script),
	    T(test_ipxe_http_off),
	    T(test_proxy_mode),
	    T(test_nak_wrong_address),
	    T(test_init_reboot_free_address),
	    T(test_other_server_selected),
	    T(test_renew_unicast_and_relay),
	    T(test_relay_selects_subnet),
	    T(test_relay_pool_per_subnet),
	    T(test_relay_reservation_mismatch),
	    T(test_relay_unknown_giaddr),
	    T(test_misplaced_warned_once),
	    T(test_net_stats_and_leases),
	    T(test_release_and_decline),
	    T(test_inform),
	    T(test_pool_exhaustion_and_reuse),
	    T(test_offers_hold_addresses),
	    T(test_no_pool_only_listed),
	    T(test_max_message_size),
	    T(test_bad_requests),
	    T(test_lease_survives_restart),
	    T(test_journal_corrupt_rows),
	    T(test_journal_append_and_compact),
	    T(test_journal_written_on_sync),
	    cmocka_unit_test(test_journal_row_format),
#undef T
	};
	log_init("test_dhcp_server", LOG_LVL_ERR, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
