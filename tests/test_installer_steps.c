/* test_installer_steps.c - the installer's pure pieces: kernel command line
 * and argv parsing, the DHCP client's messages against lib/dhcp_codec.h,
 * superblock UUIDs, mount order, fstab and extlinux.conf text, kernel
 * selection; plans bootsrv never sends refused at step plan. */
#include "args.h"
#include "bootloader.h"
#include "dhcp_codec.h"
#include "filesystems.h"
#include "install.h"
#include "net_dhcp.h"
#include "steps.h"
#include "sysconf.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void test_cmdline(void **state)
{
	struct inst_args a;
	static const uint8_t mac[6] = {0xaa, 0xbb, 0xcc, 0x0d, 0x0e, 0x0f};
	(void)state;

	args_defaults(&a);
	assert_int_equal(
	    args_parse_cmdline(&a, "BOOT_IMAGE=vmlinuz quiet bootsrv=http://192.0.2.1:8080/ "
				   "host=node01 token=abc-123_x.y BOOTIF=01-aa-bb-cc-0d-0e-0f "
				   "console=tty0 console=ttyS0,115200n8 initrd=initrd.img\n"),
	    0);
	assert_string_equal(a.bootsrv, "http://192.0.2.1:8080");
	assert_string_equal(a.host, "node01");
	assert_string_equal(a.token, "abc-123_x.y");
	assert_true(a.have_bootif);
	assert_memory_equal(a.bootif, mac, 6);
	assert_string_equal(a.console, "ttyS0,115200n8"); /* the last one is /dev/console */
	assert_string_equal(a.target, "/target");
	assert_string_equal(a.tools.mke2fs, "/sbin/mke2fs");

	args_defaults(&a);
	assert_int_equal(args_parse_cmdline(&a, "BOOTIF=01-aa-bb"), -EINVAL);
	assert_int_equal(args_parse_cmdline(&a, "bootsrv=ftp://x"), -EINVAL);
	assert_int_equal(args_parse_cmdline(&a, "host=a;reboot"), -EINVAL);
	assert_int_equal(args_parse_cmdline(&a, "token=a\"b"), -EINVAL);
	assert_int_equal(args_parse_cmdline(&a, "token="), -EINVAL);
	assert_int_equal(args_parse_cmdline(&a, "BOOTIF=aa:bb:cc:dd:ee:ff"), 0);
}

static void test_argv(void **state)
{
	struct inst_args a;
	char *argv[] = {"installer", "--no-net",   "--no-reboot", "--plan",	    "/p.json",
			"--disk",    "/dev/loop3", "--steps",	  "disk,partition", "host=n1",
			"--rsync",   "/opt/rsync", NULL};
	(void)state;

	args_defaults(&a);
	assert_int_equal(args_parse_argv(&a, 12, argv), 0);
	assert_true(a.no_net);
	assert_true(a.no_reboot);
	assert_false(a.no_clock);
	assert_string_equal(a.plan_file, "/p.json");
	assert_string_equal(a.disk, "/dev/loop3");
	assert_string_equal(a.host, "n1");
	assert_string_equal(a.tools.rsync, "/opt/rsync");
	assert_true(args_step_selected(&a, "disk"));
	assert_true(args_step_selected(&a, "partition"));
	assert_false(args_step_selected(&a, "part"));
	assert_false(args_step_selected(&a, "net"));

	char *bad[] = {"installer", "stray", NULL};
	args_defaults(&a);
	assert_int_equal(args_parse_argv(&a, 2, bad), -EINVAL);

	/* the installer's own root is never the target; --firmware checked */
	char *own[] = {"installer", "--target", "/tmp/../", NULL};
	args_defaults(&a);
	assert_int_equal(args_parse_argv(&a, 3, own), -EINVAL);
	char *fw[] = {"installer", "--firmware", "uefi", NULL};
	args_defaults(&a);
	assert_int_equal(args_parse_argv(&a, 3, fw), 0);
	assert_true(a.firmware_set);
	assert_int_equal(a.firmware, BOOT_FW_UEFI);
	char *badfw[] = {"installer", "--firmware", "efi", NULL};
	args_defaults(&a);
	assert_int_equal(args_parse_argv(&a, 3, badfw), -EINVAL);
}

/* A server reply built with the shared codec, the way bootsrv builds it. */
static size_t make_reply(uint8_t *buf, size_t sz, uint8_t type, uint32_t xid, const uint8_t *mac,
			 const char *yiaddr)
{
	struct dhcp_builder b;
	struct in_addr yi, zero = {0}, srv, mask, rtr;

	inet_pton(AF_INET, yiaddr, &yi);
	inet_pton(AF_INET, "192.0.2.1", &srv);
	inet_pton(AF_INET, "255.255.255.0", &mask);
	inet_pton(AF_INET, "192.0.2.254", &rtr);
	dhcp_build_init(&b, buf, sz, sz, DHCP_BOOTREPLY, NULL);
	dhcp_build_set_xid_chaddr(&b, xid, mac, 6);
	dhcp_build_set_addrs(&b, zero, yi, srv, zero);
	dhcp_build_u8(&b, DHO_MSG_TYPE, type);
	dhcp_build_addr(&b, DHO_SERVER_ID, srv);
	dhcp_build_addr(&b, DHO_SUBNET_MASK, mask);
	dhcp_build_addr(&b, DHO_ROUTER, rtr);
	dhcp_build_u32(&b, DHO_LEASE_TIME, 3600);
	int n = dhcp_build_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_dhcp_client(void **state)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 0x11};
	static const uint8_t other[6] = {0x52, 0x54, 0, 0, 0, 0x12};
	uint8_t buf[DHCP_MAX_MSG];
	struct dhcp_msg *m = malloc(sizeof(*m));
	struct dhcp_lease l, offer;
	struct in_addr a;
	uint8_t u8;
	int n;
	(void)state;

	n = dhcp_client_build(buf, sizeof(buf), 0x12345678, mac, 3, NULL);
	assert_true(n >= 300);
	assert_int_equal(dhcp_parse(buf, (size_t)n, m), DHCP_OK);
	assert_int_equal(m->op, DHCP_BOOTREQUEST);
	assert_int_equal(m->htype, 1);
	assert_int_equal(m->hlen, 6);
	assert_int_equal(m->xid, 0x12345678);
	assert_int_equal(m->secs, 3);
	assert_int_equal(m->flags, 0x8000);
	assert_memory_equal(m->chaddr, mac, 6);
	assert_int_equal(m->msg_type, DHCPDISCOVER);
	assert_false(m->opt[DHO_REQUESTED_IP].present);
	assert_true(m->opt[DHO_PARAM_REQ].present);

	n = (int)make_reply(buf, sizeof(buf), DHCPOFFER, 0x12345678, mac, "192.0.2.50");
	assert_int_equal(dhcp_client_accept(buf, (size_t)n, 0x12345678, mac, &offer), DHCPOFFER);
	assert_string_equal(inet_ntoa(offer.addr), "192.0.2.50");
	assert_string_equal(inet_ntoa(offer.server), "192.0.2.1");
	assert_string_equal(inet_ntoa(offer.router), "192.0.2.254");
	assert_string_equal(inet_ntoa(offer.broadcast), "192.0.2.255");
	assert_int_equal(offer.lease_time, 3600);
	/* not ours: other xid, other MAC, a truncated datagram */
	assert_int_equal(dhcp_client_accept(buf, (size_t)n, 0x12345679, mac, &l), 0);
	assert_int_equal(dhcp_client_accept(buf, (size_t)n, 0x12345678, other, &l), 0);
	assert_int_equal(dhcp_client_accept(buf, 100, 0x12345678, mac, &l), 0);

	n = dhcp_client_build(buf, sizeof(buf), 0x12345678, mac, 4, &offer);
	assert_int_equal(dhcp_parse(buf, (size_t)n, m), DHCP_OK);
	assert_int_equal(m->msg_type, DHCPREQUEST);
	assert_true(dhcp_opt_addr(m, DHO_REQUESTED_IP, &a));
	assert_string_equal(inet_ntoa(a), "192.0.2.50");
	assert_true(dhcp_opt_addr(m, DHO_SERVER_ID, &a));
	assert_string_equal(inet_ntoa(a), "192.0.2.1");
	assert_true(dhcp_opt_u8(m, DHO_MSG_TYPE, &u8));

	n = (int)make_reply(buf, sizeof(buf), DHCPACK, 0x12345678, mac, "192.0.2.50");
	assert_int_equal(dhcp_client_accept(buf, (size_t)n, 0x12345678, mac, &l), DHCPACK);
	n = (int)make_reply(buf, sizeof(buf), DHCPNAK, 0x12345678, mac, "0.0.0.0");
	assert_int_equal(dhcp_client_accept(buf, (size_t)n, 0x12345678, mac, &l), DHCPNAK);
	/* an OFFER without an address is useless */
	n = (int)make_reply(buf, sizeof(buf), DHCPOFFER, 0x12345678, mac, "0.0.0.0");
	assert_int_equal(dhcp_client_accept(buf, (size_t)n, 0x12345678, mac, &l), 0);
	free(m);
}

static void test_fs_uuid(void **state)
{
	static const uint8_t uuid[16] = {0x51, 0xa2, 0x02, 0xe4, 0x6a, 0x05, 0x42, 0x7f,
					 0x98, 0xe8, 0x67, 0x06, 0x46, 0x60, 0xd7, 0x52};
	uint8_t *buf = calloc(1, 65536);
	char out[40];
	(void)state;

	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_EXT4, out, sizeof(out)), -EINVAL);
	buf[1024 + 0x38] = 0x53;
	buf[1024 + 0x39] = 0xef;
	memcpy(buf + 1024 + 0x68, uuid, 16);
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_EXT3, out, sizeof(out)), 0);
	assert_string_equal(out, "51a202e4-6a05-427f-98e8-67064660d752");
	assert_int_equal(fs_uuid_from_buf(buf, 1100, PLAN_FS_EXT3, out, sizeof(out)), -EINVAL);
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_SWAP, out, sizeof(out)), -EINVAL);
	memset(buf, 0, 65536);
	memcpy(buf + 4096 - 10, "SWAPSPACE2", 10);
	memcpy(buf + 1024 + 12, uuid, 16);
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_SWAP, out, sizeof(out)), 0);
	assert_string_equal(out, "51a202e4-6a05-427f-98e8-67064660d752");

	memset(buf, 0, 65536);
	memcpy(buf, "XFSB", 4);
	memcpy(buf + 32, uuid, 16);
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_XFS, out, sizeof(out)), 0);
	assert_string_equal(out, "51a202e4-6a05-427f-98e8-67064660d752");
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_VFAT, out, sizeof(out)), -EINVAL);

	/* FAT32 boot sector: serial 0x6b9ddb1b at 0x43, printed like blkid */
	memset(buf, 0, 65536);
	memcpy(buf + 0x52, "FAT32   ", 8);
	memcpy(buf + 0x43, "\x1b\xdb\x9d\x6b", 4);
	buf[510] = 0x55;
	buf[511] = 0xaa;
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_VFAT, out, sizeof(out)), 0);
	assert_string_equal(out, "6B9D-DB1B");
	/* FAT16: the serial sits at 0x27 */
	memset(buf + 0x43, 0, 16);
	memcpy(buf + 0x27, "\x01\x02\x03\x04", 4);
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_VFAT, out, sizeof(out)), 0);
	assert_string_equal(out, "0403-0201");
	buf[511] = 0;
	assert_int_equal(fs_uuid_from_buf(buf, 65536, PLAN_FS_VFAT, out, sizeof(out)), -EINVAL);
	free(buf);
}

static void setup_install(struct install *in)
{
	static const char *const mounts[] = {"/var", "/", "", "/boot"};
	static const enum plan_fs fs[] = {PLAN_FS_EXT4, PLAN_FS_EXT4, PLAN_FS_SWAP, PLAN_FS_EXT3};

	memset(in, 0, sizeof(*in));
	snprintf(in->plan.image, sizeof(in->plan.image), "base");
	snprintf(in->plan.layout_name, sizeof(in->plan.layout_name), "l4");
	snprintf(in->plan.hostname, sizeof(in->plan.hostname), "node01");
	in->plan.n_parts = 4;
	for (size_t i = 0; i < 4; i++) {
		snprintf(in->plan.parts[i].mount, sizeof(in->plan.parts[i].mount), "%s", mounts[i]);
		in->plan.parts[i].fs = fs[i];
		snprintf(in->plan.parts[i].options, sizeof(in->plan.parts[i].options), "%s",
			 fs[i] == PLAN_FS_SWAP ? "sw" : "defaults");
		snprintf(in->parts[i].uuid, sizeof(in->parts[i].uuid), "uuid-%zu", i);
	}
}

static void test_mount_order_and_fstab(void **state)
{
	struct install *in = malloc(sizeof(*in));
	size_t order[PLAN_MAX_PARTS];
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	(void)state;

	setup_install(in);
	assert_int_equal(fs_mount_order(&in->plan, order), 3);
	assert_int_equal(order[0], 1); /* "/" */
	assert_int_equal(order[1], 3); /* "/boot" */
	assert_int_equal(order[2], 0); /* "/var" */

	mem = open_memstream(&text, &len);
	assert_int_equal(
	    fstab_render(in,
			 "# old\nUUID=x / ext4 defaults 0 1\n/dev/sda3 /data ext4 d 0 2\n"
			 "proc /proc proc defaults 0 0\nnfs:/export /var nfs d 0 0\n"
			 "server:/home /home nfs rw 0 0",
			 mem),
	    0);
	fclose(mem);
	assert_string_equal(text,
			    "# /etc/fstab written by the bootsrv installer: image base, layout l4\n"
			    "# <file system>\t<mount point>\t<type>\t<options>\t<dump>\t<pass>\n"
			    "UUID=uuid-1\t/\text4\tdefaults\t0\t1\n"
			    "UUID=uuid-3\t/boot\text3\tdefaults\t0\t2\n"
			    "UUID=uuid-0\t/var\text4\tdefaults\t0\t2\n"
			    "UUID=uuid-2\tnone\tswap\tsw\t0\t0\n"
			    "proc /proc proc defaults 0 0\n"
			    "server:/home /home nfs rw 0 0\n");
	free(text);
	free(in);
}

static void test_extlinux_conf(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	(void)state;

	assert_int_equal(extlinux_conf_render(mem, "/vmlinuz-6.1.0-10-amd64",
					      "/initrd.img-6.1.0-10-amd64", "u-u-i-d",
					      "ttyS1,57600"),
			 0);
	fclose(mem);
	assert_string_equal(text, "# written by the bootsrv installer\n"
				  "SERIAL 1 57600\n"
				  "DEFAULT linux\nPROMPT 0\nTIMEOUT 30\n\nLABEL linux\n"
				  "\tKERNEL /vmlinuz-6.1.0-10-amd64\n"
				  "\tINITRD /initrd.img-6.1.0-10-amd64\n"
				  "\tAPPEND root=UUID=u-u-i-d console=ttyS1,57600 rw\n");
	free(text);
	mem = open_memstream(&text, &len);
	assert_int_equal(extlinux_conf_render(mem, "/boot/vmlinuz", "", "u", ""), 0);
	fclose(mem);
	assert_null(strstr(text, "SERIAL"));
	assert_null(strstr(text, "INITRD"));
	assert_non_null(strstr(text, "\tAPPEND root=UUID=u rw\n"));
	free(text);
}

static void test_find_newest_kernel(void **state)
{
	char dir[] = "/tmp/installer-unit.XXXXXX", path[128], out[64];
	static const char *const files[] = {"vmlinuz-6.1.0-9-amd64", "vmlinuz-6.1.0-10-amd64",
					    "initrd.img-6.1.0-9-amd64", "config-6.1.0-10-amd64",
					    "vmlinuz.old", "initrd.img.old", "vmlinuz"};
	(void)state;

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	}
	assert_int_equal(boot_find_newest(dir, "vmlinuz", out, sizeof(out)), 0);
	assert_string_equal(out, "vmlinuz-6.1.0-10-amd64"); /* version order, not strcmp */
	assert_int_equal(boot_find_newest(dir, "initrd.img", out, sizeof(out)), 0);
	assert_string_equal(out, "initrd.img-6.1.0-9-amd64");
	assert_int_equal(boot_find_newest(dir, "System.map", out, sizeof(out)), -ENOENT);
	/* update mode: a kernel the image dropped is never chosen, even the newest */
	char *doomed[] = {"vmlinuz-6.1.0-10-amd64", "initrd.img-6.1.0-9-amd64"};
	assert_int_equal(boot_find_newest_except(dir, "vmlinuz", doomed, 2, out, sizeof(out)), 0);
	assert_string_equal(out, "vmlinuz-6.1.0-9-amd64");
	assert_int_equal(boot_find_newest_except(dir, "initrd.img", doomed, 2, out, sizeof(out)),
			 -ENOENT);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* A --steps run of a step that writes into the target, without the disk
 * and mount steps of the same run: refused before the step touches it. */
static void test_target_precondition(void **state)
{
	static const char plan[] =
	    "{\"host\":\"n\",\"rsync_url\":\"rsync://192.0.2.1/base/\",\"layout\":{\"disk\":"
	    "\"/dev/vda\",\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/\"}]}}";
	struct install *in = calloc(1, sizeof(*in));
	char dir[] = "/tmp/test-target.XXXXXX", path[64], err[128];
	(void)state;

	assert_non_null(in);
	assert_non_null(mkdtemp(dir));
	args_defaults(&in->args);
	snprintf(in->args.target, sizeof(in->args.target), "%s", dir);
	const char *names[] = {"image", "fstab", "hostname", "personalise", "bootloader", "hooks"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		in->err[0] = '\0';
		snprintf(in->args.only_steps, sizeof(in->args.only_steps), "%s", names[i]);
		assert_int_equal(install_run(in), -EPERM);
		assert_non_null(strstr(in->err, "was not mounted by this run"));
	}
	/* a plan alone is not enough, nor a checked disk with nothing mounted */
	assert_int_equal(plan_parse(plan, strlen(plan), &in->plan, err, sizeof(err)), 0);
	in->have_plan = true;
	in->disk_checked = true;
	assert_false(install_target_ready(in));
	in->parts[0].mounted = true;
	assert_true(install_target_ready(in));
	plan_free(&in->plan);
	snprintf(path, sizeof(path), "%s/etc", dir);
	assert_int_equal(access(path, F_OK), -1); /* nothing was written */
	rmdir(dir);
	free(in);
}

/* Plans bootsrv never sends: `bootsrv check` refuses the configs that
 * would make them (tests/test_config.c), so the integration tests, which
 * run the installer against the real daemon, cannot have them served. The
 * installer refuses them all the same, at step plan, before the disk step:
 * this is that defence, run through install_run with the plan from a file
 * (no server: nothing to report to). */
static void test_plan_refused_before_disk(void **state)
{
	static const struct {
		const char *plan, *why;
	} cases[] = {
	    /* a partition of size 0 without fill ("size" must be like 512M) */
	    {"{\"host\":\"node01\",\"rsync_url\":\"rsync://192.0.2.1:873/base/\","
	     "\"layout\":{\"disk\":\"/dev/vda\",\"label\":\"msdos\",\"partitions\":["
	     "{\"size_bytes\":0,\"fill\":false,\"fs\":\"ext3\",\"mount\":\"/boot\"},"
	     "{\"size_bytes\":0,\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/\"}]}}",
	     "bad plan: partition 1: size 0 and not \"fill\""},
	    /* bootloader "grub" on a gpt layout with neither bios_grub nor an ESP */
	    {"{\"host\":\"node01\",\"rsync_url\":\"rsync://192.0.2.1:873/base/\","
	     "\"bootloader\":\"grub\",\"layout\":{\"disk\":\"/dev/vda\",\"label\":\"gpt\","
	     "\"partitions\":[{\"size_bytes\":0,\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/\"}]}}",
	     "bad plan: gpt layout without a bios_grub partition: grub cannot boot it on BIOS"},
	};
	struct install *in = calloc(1, sizeof(*in));
	char path[] = "/tmp/test-plan.XXXXXX";
	int fd = mkstemp(path);
	(void)state;

	assert_non_null(in);
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i].plan, f);
		fclose(f);
		memset(in, 0, sizeof(*in));
		args_defaults(&in->args);
		in->args.no_net = true;
		snprintf(in->args.plan_file, sizeof(in->args.plan_file), "%s", path);
		snprintf(in->args.disk, sizeof(in->args.disk), "/dev/null");
		assert_int_equal(install_run(in), -EINVAL);
		assert_string_equal(in->step, "plan");
		if (!strstr(in->err, cases[i].why))
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, in->err, cases[i].why);
		assert_false(in->have_plan);
		assert_false(in->disk_checked);
		assert_false(in->disk_written);
		plan_free(&in->plan);
	}
	unlink(path);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmdline),	  cmocka_unit_test(test_argv),
	    cmocka_unit_test(test_dhcp_client),	  cmocka_unit_test(test_target_precondition),
	    cmocka_unit_test(test_fs_uuid),	  cmocka_unit_test(test_mount_order_and_fstab),
	    cmocka_unit_test(test_extlinux_conf), cmocka_unit_test(test_find_newest_kernel),
	    cmocka_unit_test(test_plan_refused_before_disk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
