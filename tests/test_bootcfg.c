/* test_bootcfg.c - generated pxelinux/iPXE configs, byte for byte, and the
 * virtual path names that reach them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/bootcfg.h"
#include "daemon/hoststate.h"
#include "test_fixture.h"

struct bc {
	struct fixture f;
	struct server srv;
	char token[HOST_TOKEN_LEN + 1];
};

static const char local_cfg[] = "DEFAULT local\n"
				"LABEL local\n"
				"  LOCALBOOT 0\n";

static int setup(void **state)
{
	struct bc *b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	fixture_init(&b->f);
	b->srv.cfg = &b->f.cfg;
	b->srv.hosts = hoststate_open(&b->f.cfg);
	if (!b->srv.hosts)
		return -1;
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct bc *b = *state;
	hoststate_close(b->srv.hosts);
	fixture_cleanup(&b->f);
	free(b);
	return 0;
}

static void arm_host(struct bc *b, const char *name, const char *flavor)
{
	assert_int_equal(hoststate_netboot(b->srv.hosts, name, "base", flavor, false), 0);
	strcpy(b->token, hoststate_get(b->srv.hosts, name)->token);
}

static void arm(struct bc *b, const char *flavor)
{
	arm_host(b, "node01", flavor);
}

static void expect_virtual(struct bc *b, const char *path, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	int r = bootcfg_virtual_file(&b->srv, path, &out, &len);

	if (!want) {
		assert_int_equal(r, 0);
		return;
	}
	if (r != 1)
		fail_msg("%s: returned %d", path, r);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
}

static void install_text_for(struct bc *b, const char *host, const char *flavor, char *out,
			     size_t outsz)
{
	snprintf(out, outsz,
		 "DEFAULT install\n"
		 "LABEL install\n"
		 "  KERNEL boot/%s/vmlinuz\n"
		 "  INITRD boot/%s/initrd.img\n"
		 "  APPEND bootsrv=http://192.0.2.1:8080 host=%s token=%s "
		 "console=ttyS0,115200 quiet\n"
		 "  IPAPPEND 2\n",
		 flavor, flavor, host, b->token);
}

static void install_text(struct bc *b, const char *flavor, char *out, size_t outsz)
{
	install_text_for(b, "node01", flavor, out, outsz);
}

static void test_localboot_host(void **state)
{
	struct bc *b = *state;
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-56", local_cfg);
	expect_virtual(b, "pxelinux.cfg/default", local_cfg);
}

static void test_armed_host(void **state)
{
	struct bc *b = *state;
	char want[1024];

	arm(b, NULL);
	install_text(b, "default", want, sizeof(want));
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-56", want);
	/* TFTP paths arrive with or without a leading '/'; HTTP always has one */
	expect_virtual(b, "/pxelinux.cfg/01-52-54-00-12-34-56", want);
	expect_virtual(b, "//pxelinux.cfg/01-52-54-00-12-34-56", want);
	/* the other host and unknown MACs boot their disk */
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-ab-cd-ef", local_cfg);
	expect_virtual(b, "pxelinux.cfg/01-00-11-22-33-44-55", local_cfg);
	expect_virtual(b, "pxelinux.cfg/default", local_cfg);
}

static void test_mac_case(void **state)
{
	struct bc *b = *state;
	char want[1024];

	arm_host(b, "node02", NULL);
	install_text_for(b, "node02", "default", want, sizeof(want));
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-ab-cd-ef", want);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-AB-CD-EF", want);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-Ab-cD-eF", want);
	/* the directory name itself is matched exactly */
	expect_virtual(b, "PXELINUX.CFG/01-52-54-00-ab-cd-ef", NULL);
}

static void test_flavor_and_disarm(void **state)
{
	struct bc *b = *state;
	char want[1024];

	arm(b, "rescue");
	install_text(b, "rescue", want, sizeof(want));
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-56", want);
	assert_int_equal(hoststate_localboot(b->srv.hosts, "node01"), 0);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-56", local_cfg);
}

static void test_done_boots_local(void **state)
{
	struct bc *b = *state;

	arm(b, NULL);
	assert_int_equal(hoststate_progress(b->srv.hosts, "node01", "rsync", 10, 0, ""), 0);
	assert_int_equal(hoststate_done(b->srv.hosts, "node01", true, "ok"), 0);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-56", local_cfg);
	arm(b, NULL);
	assert_int_equal(hoststate_install_started(b->srv.hosts, "node01"), 0);
	assert_int_equal(hoststate_done(b->srv.hosts, "node01", false, "broken"), 0);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-56", local_cfg); /* failed */
}

static void test_ordinary_paths(void **state)
{
	struct bc *b = *state;

	arm(b, NULL);
	expect_virtual(b, "pxelinux.0", NULL);
	expect_virtual(b, "boot/default/vmlinuz", NULL);
	expect_virtual(b, "pxelinux.cfg/C000020B", NULL);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34", NULL);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-56-78", NULL);
	expect_virtual(b, "pxelinux.cfg/01:52:54:00:12:34:56", NULL);
	expect_virtual(b, "pxelinux.cfg/02-52-54-00-12-34-56", NULL);
	expect_virtual(b, "pxelinux.cfg/01-52-54-00-12-34-5g", NULL);
	expect_virtual(b, "pxelinux.cfg/", NULL);
	expect_virtual(b, "", NULL);
}

static void test_ipxe(void **state)
{
	struct bc *b = *state;
	char want[1024];
	static const char local_ipxe[] = "#!ipxe\n"
					 "echo bootsrv: booting from local disk\n"
					 "exit\n";

	expect_virtual(b, "ipxe/01-52-54-00-12-34-56", local_ipxe);
	arm(b, NULL);
	snprintf(want, sizeof(want),
		 "#!ipxe\n"
		 "kernel http://192.0.2.1:8080/boot/default/vmlinuz initrd=initrd.img "
		 "bootsrv=http://192.0.2.1:8080 host=node01 token=%s BOOTIF=01-52-54-00-12-34-56 "
		 "console=ttyS0,115200 quiet\n"
		 "initrd --name initrd.img http://192.0.2.1:8080/boot/default/initrd.img\n"
		 "boot\n",
		 b->token);
	expect_virtual(b, "/ipxe/01-52-54-00-12-34-56", want);
	expect_virtual(b, "ipxe/default", local_ipxe);
}

/* pxelinux.cfg/<IP hex>: the whole address of a host's reservation is that
 * host's config; a shortened one (a subnet) and unknown addresses are left
 * to real files. */
static void test_ip_hex_names(void **state)
{
	struct bc *b = *state;
	char want[1024];

	inet_pton(AF_INET, "192.0.2.11", &b->f.hosts[0].ip);
	arm(b, NULL);
	install_text(b, "default", want, sizeof(want));
	expect_virtual(b, "pxelinux.cfg/C000020B", want);
	expect_virtual(b, "pxelinux.cfg/C000020", NULL);
	expect_virtual(b, "pxelinux.cfg/C000020C", NULL);
	expect_virtual(b, "pxelinux.cfg/c000020b", NULL);
	expect_virtual(b, "pxelinux.cfg/C000020G", NULL);
	expect_virtual(b, "pxelinux.cfg/C000020B0", NULL);
	expect_virtual(b, "pxelinux.cfg/-000020B", NULL);
}

static const char local_grub[] = "set timeout=0\n"
				 "echo \"bootsrv: booting from local disk\"\n"
				 "if [ \"${grub_platform}\" = \"efi\" ]; then\n"
				 "  exit\n"
				 "fi\n"
				 "set root=(hd0)\n"
				 "chainloader +1\n"
				 "boot\n";

/* GRUB's names: grub.cfg-01-<mac>, grub.cfg-<IP hex>, grub.cfg. */
static void test_grub(void **state)
{
	struct bc *b = *state;
	char want[1024];

	expect_virtual(b, "grub/grub.cfg-01-52-54-00-12-34-56", local_grub);
	expect_virtual(b, "grub/grub.cfg", local_grub);
	inet_pton(AF_INET, "192.0.2.11", &b->f.hosts[0].ip);
	arm(b, "rescue");
	snprintf(want, sizeof(want),
		 "set timeout=0\n"
		 "menuentry \"bootsrv install node01\" {\n"
		 "  echo \"bootsrv: loading installer flavor rescue\"\n"
		 "  linux /boot/rescue/vmlinuz bootsrv=http://192.0.2.1:8080 host=node01 token=%s "
		 "BOOTIF=01-52-54-00-12-34-56 console=ttyS0,115200 quiet\n"
		 "  initrd /boot/rescue/initrd.img\n"
		 "}\n",
		 b->token);
	/* GRUB asks with the prefix's leading '/' */
	expect_virtual(b, "/grub/grub.cfg-01-52-54-00-12-34-56", want);
	expect_virtual(b, "/grub/grub.cfg-C000020B", want);
	expect_virtual(b, "/grub/grub.cfg", local_grub);
	expect_virtual(b, "grub/grub.cfg-01-52-54-00-ab-cd-ef", local_grub);
	expect_virtual(b, "grub/grub.cfg-C000020", NULL);
	expect_virtual(b, "grub/grub.cfg-", NULL);
	expect_virtual(b, "grub/x86_64-efi/core.efi", NULL);
	expect_virtual(b, "grub/grub.cfg.bak", NULL);
	assert_int_equal(hoststate_localboot(b->srv.hosts, "node01"), 0);
	expect_virtual(b, "grub/grub.cfg-01-52-54-00-12-34-56", local_grub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_localboot_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_armed_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flavor_and_disarm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_boots_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ordinary_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipxe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_hex_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grub, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
