/* test_config.c - config_load: a valid file parses into the expected
 * structs; every kind of broken file is reported with file:line, all errors
 * at once. */
#include "common/config.h"
#include "test_fixture.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct reports {
	char lines[24][600];
	int n;
};

static void collect(const char *msg, void *arg)
{
	struct reports *r = arg;
	if (r->n < 24)
		snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s", msg);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/bootsrv-test-config.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int load_text(const char *text, struct config *cfg, struct reports *rep)
{
	char *path = write_tmp(text);
	int r = config_load(path, cfg, collect, rep);
	unlink(path);
	free(path);
	return r;
}

/* Every line of want is in some report. */
static void assert_reported(const struct reports *rep, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (int k = 0; k < rep->n; k++)
			found |= strstr(rep->lines[k], want[i]) != NULL;
		if (!found)
			fail_msg("no report containing \"%s\"", want[i]);
	}
}

/* The server group of the dhcp tests below, on line 1. */
#define SERVER_LINE \
	"server = { interface = \"br0\"; address = \"192.0.2.1\"; state_dir = \"/s\"; };\n"

static const char good[] =
	"server = { interface = \"br0\"; address = \"192.0.2.1\"; state_dir = \"/tmp/s\"; };\n"
	"dhcp = { subnet = \"192.0.2.0/24\"; range = [ \"192.0.2.100\", \"192.0.2.199\" ];\n"
	"         router = \"192.0.2.1\"; dns = [ \"192.0.2.1\", \"192.0.2.2\" ]; lease_time = 600;\n"
	"         rogue_check_interval = 5; };\n"
	"images = ( { name = \"base\"; path = \"/img/base\"; layout = \"l\";\n"
	"             excludes = [ \"/home/*\" ]; hook_timeout = 300;\n"
	"             bootloader = \"grub\"; } );\n"
	"layouts = ( { name = \"l\"; disk = \"/dev/vda\"; label = \"msdos\";\n"
	"   partitions = ( { size = \"101M\"; fs = \"ext3\"; mount = \"/boot\"; flags = [ \"boot\" ]; },\n"
	"                  { size = \"*\"; fs = \"ext4\"; mount = \"/\"; },\n"
	"                  { size = \"2G\"; fs = \"swap\"; } ); } );\n"
	"hosts = ( { name = \"n1\"; mac = \"52:54:00:12:34:56\"; ip = \"192.0.2.11\"; image = \"base\";\n"
	"            txt = [ \"role: compute\" ]; } );\n";

static void test_good(void **state)
{
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;

	assert_int_equal(load_text(good, &cfg, &rep), 0);
	assert_string_equal(cfg.interface, "br0");
	assert_int_equal(cfg.http_port, 8080);
	assert_int_equal(cfg.dhcp_port, 67);
	assert_string_equal(cfg.tftp_root, "/tmp/s/tftp");
	assert_string_equal(cfg.boot_dir, "/tmp/s/tftp/boot");
	assert_int_equal(ntohl(cfg.net.netmask.s_addr), 0xffffff00u);
	assert_int_equal(cfg.net.ndns, 2);
	assert_int_equal(cfg.net.lease_time, 600);
	assert_int_equal(cfg.rogue_interval, 5);
	assert_int_equal(cfg.nlayouts, 1);
	assert_int_equal(cfg.layouts[0].nparts, 3);
	assert_int_equal(cfg.layouts[0].parts[0].size, 101ull << 20);
	assert_true(cfg.layouts[0].parts[0].flag_boot);
	assert_true(cfg.layouts[0].parts[1].fill);
	assert_int_equal(cfg.layouts[0].parts[2].size, 2ull << 30);
	assert_string_equal(cfg.layouts[0].parts[1].options, "defaults");
	assert_ptr_equal(cfg.images[0].layout_ref, &cfg.layouts[0]);
	assert_string_equal(cfg.images[0].flavor, "default");
	assert_int_equal(cfg.images[0].nexcludes, 1);
	assert_int_equal(cfg.images[0].hook_timeout_s, 300);
	assert_string_equal(cfg.images[0].bootloader, "grub");
	const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	assert_ptr_equal(config_host_by_mac(&cfg, mac), &cfg.hosts[0]);
	assert_ptr_equal(config_host_by_name(&cfg, "n1"), &cfg.hosts[0]);
	assert_null(config_host_by_name(&cfg, "n2"));
	assert_int_equal(cfg.hosts[0].ntxt, 1);
	config_free(&cfg);
}

static void test_syntax_error_has_line(void **state)
{
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;

	assert_int_equal(load_text("server = {\n  interface = \"br0\";\n  address = ; };\n", &cfg, &rep), 1);
	assert_int_equal(rep.n, 1);
	assert_non_null(strstr(rep.lines[0], ":3: "));
}

static void test_missing_file(void **state)
{
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;
	assert_int_equal(config_load("/nonexistent/bootsrv.conf", &cfg, collect, &rep), -2);
	assert_int_equal(rep.n, 1);
}

/* Several independent mistakes: each reported, each with its own line. */
static void test_all_errors_reported(void **state)
{
	static const char bad[] =
		"server = { interface = \"br0\"; address = \"192.0.2.300\"; state_dir = \"/tmp/s\"; };\n"
		"dhcp = { subnet = \"192.0.2.0/24\"; range = [ \"192.0.2.199\", \"192.0.2.100\" ];\n"
		"         lease_time = 5; mode = \"sometimes\"; rogue_check_interval = -1; };\n"
		"images = ( { name = \"base\"; path = \"relative\"; layout = \"nope\"; bootloader = \"lilo\"; } );\n"
		"layouts = ( { name = \"l\"; disk = \"/dev/vda\";\n"
		"   partitions = ( { size = \"12Q\"; fs = \"ntfs\"; mount = \"boot\"; flags = [ \"fast\" ]; },\n"
		"                  { size = \"*\"; }, { size = \"*\"; } ); } );\n"
		"hosts = ( { name = \"a\"; mac = \"52:54:00:zz:34:56\"; image = \"other\"; },\n"
		"          { name = \"a\"; mac = \"52:54:00:12:34:56\"; ip = \"10.9.9.9\"; } );\n";
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;

	int r = load_text(bad, &cfg, &rep);
	assert_true(r >= 12);
	assert_int_equal(r, rep.n < 24 ? rep.n : r);
	const char *want[] = { ":1: 'address'",	      ":2: range: first address",
			       ":3: 'lease_time' = 5", ":3: dhcp mode",
			       ":3: 'rogue_check_interval' = -1 out of range",
			       ":4: image path",	      ":4: image \"base\": unknown layout",
			       ":4: image \"base\": bootloader \"lilo\"",
			       ":6: partition size",	      ":6: unknown filesystem",
			       ":6: mount point",	      ":6: unknown partition flag",
			       "only one partition",	      "bad MAC",
			       "duplicate host name" };
	assert_reported(&rep, want, sizeof(want) / sizeof(want[0]));
	config_free(&cfg);
}

/* A flavor the API would refuse to arm must be refused by the config too. */
static void test_hidden_flavor_refused(void **state)
{
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;
	assert_int_equal(load_text("server = { interface = \"br0\"; address = \"192.0.2.1\"; "
				   "state_dir = \"/s\"; };\ndhcp = { subnet = \"192.0.2.0/24\"; };\n"
				   "layouts = ( { name = \"l\"; disk = \"/dev/vda\"; partitions = "
				   "( { size = \"*\"; fs = \"ext4\"; mount = \"/\"; } ); } );\n"
				   "images = ( { name = \"b\"; path = \"/i\"; layout = \"l\"; "
				   "flavor = \".x\"; } );\n",
				   &cfg, &rep),
			 1);
	assert_non_null(strstr(rep.lines[0], ":4: flavor name \".x\""));
	config_free(&cfg);
}

/* bootloader = "grub" on a gpt layout grub cannot boot: refused by check,
 * not first by the installer; with a bios_grub partition, or a vfat ESP, or
 * "auto", accepted. */
static void test_grub_layout_checked(void **state)
{
	static const char fmt[] =
	    "server = { interface = \"br0\"; address = \"192.0.2.1\"; state_dir = \"/s\"; };\n"
	    "dhcp = { subnet = \"192.0.2.0/24\"; };\n"
	    "layouts = ( { name = \"l\"; disk = \"/dev/vda\"; label = \"gpt\"; partitions = (%s"
	    "{ size = \"*\"; fs = \"ext4\"; mount = \"/\"; } ); } );\n"
	    "images = ( { name = \"b\"; path = \"/i\"; layout = \"l\"; bootloader = \"%s\"; } );\n";
	static const struct {
		const char *extra, *bootloader;
		int errors;
	} cases[] = {
	    {"", "grub", 1},
	    {"", "auto", 0},
	    {"{ size = \"1M\"; fs = \"\"; flags = [ \"bios_grub\" ]; },", "grub", 0},
	    {"{ size = \"32M\"; fs = \"vfat\"; mount = \"/boot/efi\"; flags = [ \"esp\" ]; },",
	     "grub", 0},
	    {"{ size = \"32M\"; fs = \"\"; flags = [ \"esp\" ]; },", "grub", 1},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		struct reports rep = { 0 };
		char text[2048];
		snprintf(text, sizeof(text), fmt, cases[i].extra, cases[i].bootloader);
		int r = load_text(text, &cfg, &rep);
		if (r != cases[i].errors)
			fail_msg("case %zu: %d errors (%s)", i, r, rep.n ? rep.lines[0] : "");
		if (r)
			assert_non_null(strstr(rep.lines[0], ":4: image \"b\": bootloader \"grub\" "
							     "cannot boot layout \"l\" on BIOS"));
		config_free(&cfg);
	}
}

/* The image is here to look at: its grub decides. A UEFI-only grub on an
 * msdos layout without an ESP boots neither way when grub is forced; auto
 * falls back to extlinux on BIOS. */
static void test_image_grub_probed(void **state)
{
	static const char fmt[] =
	    "server = { interface = \"br0\"; address = \"192.0.2.1\"; state_dir = \"/s\"; };\n"
	    "dhcp = { subnet = \"192.0.2.0/24\"; };\n"
	    "layouts = ( { name = \"l\"; disk = \"/dev/vda\"; partitions = ("
	    "{ size = \"*\"; fs = \"ext4\"; mount = \"/\"; } ); } );\n"
	    "images = ( { name = \"b\"; path = \"%s\"; layout = \"l\"; bootloader = \"%s\"; } );\n";
	char root[] = "/tmp/test-config-img.XXXXXX", text[2048], cmd[600];
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;

	assert_non_null(mkdtemp(root));
	assert_int_equal(fixture_put(root, "/usr/sbin/grub-install", 0755), 0);
	assert_int_equal(fixture_put(root, "/usr/sbin/update-grub", 0755), 0);
	assert_int_equal(fixture_put(root, "/usr/lib/grub/x86_64-efi/normal.mod", 0644), 0);
	snprintf(text, sizeof(text), fmt, root, "grub");
	assert_int_equal(load_text(text, &cfg, &rep), 1);
	assert_non_null(strstr(rep.lines[0], "no i386-pc modules"));
	assert_non_null(strstr(rep.lines[0], "no esp partition"));
	config_free(&cfg);
	rep.n = 0;
	snprintf(text, sizeof(text), fmt, root, "auto");
	assert_int_equal(load_text(text, &cfg, &rep), 0);
	config_free(&cfg);
	/* with i386-pc modules grub boots it on BIOS */
	assert_int_equal(fixture_put(root, "/usr/lib/grub/i386-pc/normal.mod", 0644), 0);
	snprintf(text, sizeof(text), fmt, root, "grub");
	assert_int_equal(load_text(text, &cfg, &rep), 0);
	config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* A mount point is an rsync --filter=P pattern: no wildcards. */
static void test_mount_point_patterns(void **state)
{
	static const char fmt[] =
	    "server = { interface = \"br0\"; address = \"192.0.2.1\"; state_dir = \"/s\"; };\n"
	    "dhcp = { subnet = \"192.0.2.0/24\"; };\n"
	    "layouts = ( { name = \"l\"; disk = \"/dev/vda\"; partitions = (\n"
	    "{ size = \"*\"; fs = \"ext4\"; mount = \"/\"; },\n"
	    "{ size = \"1G\"; fs = \"ext4\"; mount = \"%s\"; } ); } );\n";
	static const char *const bad[] = { "/srv/*", "/srv/d?ta", "/srv/[ab]", "/srv/a\\\\b" };
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config cfg;
		struct reports rep = { 0 };
		char text[1024];
		snprintf(text, sizeof(text), fmt, bad[i]);
		if (load_text(text, &cfg, &rep) != 1 || !strstr(rep.lines[0], ":5: mount point"))
			fail_msg("case %zu (%s): %d reports, %s", i, bad[i], rep.n,
				 rep.n ? rep.lines[0] : "");
		config_free(&cfg);
	}
	struct config cfg;
	struct reports rep = { 0 };
	char text[1024];
	snprintf(text, sizeof(text), fmt, "/srv/data-1.x");
	assert_int_equal(load_text(text, &cfg, &rep), 0);
	config_free(&cfg);
}

static void test_vlan_names_interface(void **state)
{
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;
	assert_int_equal(load_text("server = { vlan = { parent = \"eth0\"; id = 42; }; address = \"192.0.2.1\"; "
				   "state_dir = \"/s\"; };\ndhcp = { subnet = \"192.0.2.0/24\"; };\n",
				   &cfg, &rep),
			 0);
	assert_string_equal(cfg.interface, "eth0.42");
	assert_int_equal(cfg.vlan_id, 42);
	config_free(&cfg);
	assert_int_equal(load_text("server = { vlan = { parent = \"eth0\"; id = 4095; }; address = \"192.0.2.1\"; "
				   "state_dir = \"/s\"; };\ndhcp = { subnet = \"192.0.2.0/24\"; };\n",
				   &cfg, &rep),
			 1);
	config_free(&cfg);
}

/* dhcp.subnets: networks behind relays, each its own pool and router;
 * dns and lease_time inherited unless given. */
static void test_relay_subnets(void **state)
{
	static const char text[] = SERVER_LINE
		"dhcp = { subnet = \"192.0.2.0/24\"; dns = [ \"192.0.2.53\" ]; lease_time = 600;\n"
		"  subnets = ( { subnet = \"198.18.5.0/24\"; range = [ \"198.18.5.10\", \"198.18.5.20\" ];\n"
		"                router = \"198.18.5.1\"; },\n"
		"              { subnet = \"198.18.6.0/23\"; dns = [ \"198.18.6.2\" ]; lease_time = 120; } ); };\n"
		"hosts = ( { name = \"a\"; mac = \"52:54:00:12:34:56\"; ip = \"198.18.7.9\"; } );\n";
	struct config cfg;
	struct reports rep = { 0 };
	struct in_addr a;
	(void)state;

	assert_int_equal(load_text(text, &cfg, &rep), 0);
	assert_int_equal(cfg.nrelay_nets, 2);
	assert_int_equal(ntohl(cfg.relay_nets[0].subnet.s_addr), 0xc6120500u);
	assert_int_equal(ntohl(cfg.relay_nets[0].range_end.s_addr), 0xc6120514u);
	assert_int_equal(ntohl(cfg.relay_nets[0].router.s_addr), 0xc6120501u);
	assert_int_equal(cfg.relay_nets[0].lease_time, 600);
	assert_int_equal(cfg.relay_nets[0].ndns, 1);
	assert_int_equal(ntohl(cfg.relay_nets[0].dns[0].s_addr), 0xc0000235u);
	assert_int_equal(ntohl(cfg.relay_nets[1].netmask.s_addr), 0xfffffe00u);
	assert_int_equal(cfg.relay_nets[1].range_start.s_addr, 0);
	assert_int_equal(cfg.relay_nets[1].lease_time, 120);
	assert_int_equal(ntohl(cfg.relay_nets[1].dns[0].s_addr), 0xc6120602u);
	inet_pton(AF_INET, "198.18.7.255", &a);
	assert_ptr_equal(config_subnet_of(&cfg, a), &cfg.relay_nets[1]);
	inet_pton(AF_INET, "192.0.2.9", &a);
	assert_ptr_equal(config_subnet_of(&cfg, a), &cfg.net);
	inet_pton(AF_INET, "198.18.8.1", &a);
	assert_null(config_subnet_of(&cfg, a));
	config_free(&cfg);
}

/* Overlapping networks, a range outside its network, a reservation in no
 * network, a malformed subnet: each with its line. */
static void test_relay_subnet_errors(void **state)
{
	static const char text[] = SERVER_LINE
		"dhcp = { subnet = \"192.0.2.0/24\";\n"
		"  subnets = ( { subnet = \"192.0.0.0/16\"; },\n"
		"              { subnet = \"198.18.5.0/24\"; range = [ \"198.18.5.10\", \"198.18.6.20\" ]; },\n"
		"              { subnet = \"198.18.5.128/25\"; },\n"
		"              { subnet = \"198.18.9.1/24\"; },\n"
		"              { subnet = \"198.18.10.0\"; } ); };\n"
		"hosts = ( { name = \"a\"; mac = \"52:54:00:12:34:56\"; ip = \"198.18.7.9\"; } );\n";
	struct config cfg;
	struct reports rep = { 0 };
	(void)state;

	assert_int_equal(load_text(text, &cfg, &rep), 6);
	const char *want[] = { ":3: subnets[0] overlaps the dhcp subnet",
			       ":4: range 198.18.5.10 - 198.18.6.20 is not inside the subnet",
			       ":5: subnets[2] overlaps subnets[1]",
			       ":6: subnet \"198.18.9.1/24\" has host bits set",
			       ":7: subnet \"198.18.10.0\" must be ADDRESS/PREFIX",
			       ":8: host \"a\": address 198.18.7.9 is in no dhcp subnet" };
	assert_reported(&rep, want, sizeof(want) / sizeof(want[0]));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_syntax_error_has_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_vlan_names_interface),
		cmocka_unit_test(test_hidden_flavor_refused),
		cmocka_unit_test(test_grub_layout_checked),
		cmocka_unit_test(test_relay_subnets),
		cmocka_unit_test(test_relay_subnet_errors),
		cmocka_unit_test(test_image_grub_probed),
		cmocka_unit_test(test_mount_point_patterns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
