/* fuzz_dhcp.c - libFuzzer harness for the DHCP codec and server logic.
 *
 * Each input is parsed by dhcp_parse(); a parsed message is rebuilt with
 * the builder and parsed again (the builder must only emit what the parser
 * accepts); then the same bytes go through dhcp_server_handle() against a
 * small config and an in-memory lease store that lives across inputs, so
 * sequences of DORA/RELEASE/DECLINE states are explored too; the input's
 * last byte also sends some through proxy mode and port 4011. Any reply
 * must parse and fit the client's limit.
 *
 *   make build/fuzz/fuzz_dhcp
 *   build/fuzz/fuzz_dhcp -max_total_time=60 fuzz/corpus/dhcp
 */
#include "dhcp_codec.h"
#include "dhcp/dhcp_server.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct config cfg;
static struct cfg_subnet relayed;
static struct cfg_host hosts[2];
static struct lease_store *leases;
static struct dhcp_logic logic;
static int64_t fake_now = 1700000000;

static int64_t fake_clock(void)
{
	return fake_now;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int err = 0;

	(void)argc;
	(void)argv;
	log_init("fuzz_dhcp", LOG_LVL_ERR, false);
	inet_pton(AF_INET, "192.0.2.1", &cfg.address);
	inet_pton(AF_INET, "192.0.2.0", &cfg.net.subnet);
	inet_pton(AF_INET, "255.255.255.0", &cfg.net.netmask);
	/* a small range so that exhaustion and reclaim paths are reached */
	inet_pton(AF_INET, "192.0.2.100", &cfg.net.range_start);
	inet_pton(AF_INET, "192.0.2.107", &cfg.net.range_end);
	inet_pton(AF_INET, "192.0.2.1", &cfg.net.router);
	inet_pton(AF_INET, "192.0.2.1", &cfg.net.dns[0]);
	cfg.net.ndns = 1;
	cfg.net.lease_time = 3600;
	/* and one network behind relays (giaddr 198.18.5.x) */
	relayed = cfg.net;
	inet_pton(AF_INET, "198.18.5.0", &relayed.subnet);
	inet_pton(AF_INET, "198.18.5.100", &relayed.range_start);
	inet_pton(AF_INET, "198.18.5.103", &relayed.range_end);
	inet_pton(AF_INET, "198.18.5.1", &relayed.router);
	cfg.relay_nets = &relayed;
	cfg.nrelay_nets = 1;
	cfg.dhcp_port = 67;
	cfg.http_port = 8080;
	cfg.ipxe_http = true;
	strcpy(cfg.bios_loader, "pxelinux.0");
	strcpy(cfg.efi64_loader, "syslinux.efi");
	strcpy(hosts[0].name, "node001");
	mac_parse("52:54:00:12:34:56", hosts[0].mac);
	inet_pton(AF_INET, "192.0.2.11", &hosts[0].ip);
	strcpy(hosts[1].name, "node002");
	mac_parse("52:54:00:12:34:57", hosts[1].mac);
	inet_pton(AF_INET, "192.0.2.101", &hosts[1].ip);
	cfg.hosts = hosts;
	cfg.nhosts = 2;
	leases = lease_store_open(NULL, fake_now, 86400, &err);
	if (!leases || dhcp_logic_init(&logic, &cfg, leases, fake_clock) < 0)
		abort();
	return 0;
}

/* Rebuild a parsed message option by option; the result must parse. */
static void roundtrip(const struct dhcp_msg *m)
{
	static uint8_t buf[DHCP_MAX_MSG];
	static struct dhcp_msg again;
	struct dhcp_builder b;
	int n;

	dhcp_build_init(&b, buf, sizeof(buf), DHCP_MAX_MSG, m->op, m);
	for (int code = 1; code < 255; code++)
		if (m->opt[code].present)
			dhcp_build_opt(&b, (uint8_t)code, m->opt[code].data, m->opt[code].len);
	dhcp_build_set_file(&b, m->file);
	dhcp_build_set_sname(&b, m->sname);
	n = dhcp_build_finish(&b);
	if (n >= 0 && dhcp_parse(buf, (size_t)n, &again) != DHCP_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg msg, reply;
	static struct dhcp_reply out;
	uint16_t max;
	int r;

	if (dhcp_parse(data, size, &msg) == DHCP_OK)
		roundtrip(&msg);
	/* time moves on a little with every input: offers and leases expire */
	fake_now += size % 700;
	/* The last byte picks the path: authoritative on 67, proxy on 67, or
	 * proxyDHCP's 4011 (the same logic, other modes). */
	switch (size ? data[size - 1] % 4 : 0) {
	case 1:
		cfg.dhcp_mode = DHCP_MODE_PROXY;
		r = dhcp_server_handle(&logic, data, size, &out);
		break;
	case 2: {
		struct in_addr from = {htonl(0xc0000232)};
		r = dhcp_server_handle_pxe(&logic, data, size, from, 68, &out);
		break;
	}
	default:
		r = dhcp_server_handle(&logic, data, size, &out);
		break;
	}
	cfg.dhcp_mode = DHCP_MODE_AUTHORITATIVE;
	if (r > 0) {
		if (dhcp_parse(out.buf, out.len, &reply) != DHCP_OK || reply.msg_type != r)
			abort();
		if (dhcp_opt_u16(&msg, DHO_MAX_MSG_SIZE, &max) && max >= DHCP_MIN_REPLY + 28 &&
		    out.len > (size_t)max - 28)
			abort();
	}
	return 0;
}
