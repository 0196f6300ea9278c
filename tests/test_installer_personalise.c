/* test_installer_personalise.c - predictable NIC names from a fake sysfs,
 * /etc/network/interfaces text, the hook list (order, what is skipped),
 * txt records in the plan. */
#include "hooks.h"
#include "personalise.h"
#include "plan.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char tmp[64];

static void put(const char *rel, const char *text, unsigned mode)
{
	char path[256], cmd[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/bootsrv-unit-pers.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* sys/class/net/eth0/device -> devices/pci0000:00/0000:00:03.0/virtio0 */
static void fake_nic(const char *pci, const char *ifname)
{
	char dev[200], link[200], cmd[900];

	snprintf(dev, sizeof(dev), "%s/sys/devices/pci0000:00/%s/virtio0", tmp, pci);
	snprintf(link, sizeof(link), "%s/sys/class/net/%s", tmp, ifname);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s' && ln -sfn '%s' '%s/device'", dev, link, dev,
		 link);
	assert_int_equal(system(cmd), 0);
}

static void test_predictable_name(void **state)
{
	char sys[128], name[IF_NAMESIZE];
	(void)state;

	snprintf(sys, sizeof(sys), "%s/sys", tmp);
	fake_nic("0000:00:03.0", "eth0");
	fake_nic("0000:02:00.1", "eth1");
	fake_nic("0001:00:04.0", "eth2");
	assert_int_equal(net_predictable_name(sys, "eth0", name), 0);
	assert_string_equal(name, "enp0s3");
	assert_int_equal(net_predictable_name(sys, "eth1", name), 0);
	assert_string_equal(name, "enp2s0f1");
	assert_int_equal(net_predictable_name(sys, "eth2", name), 0);
	assert_string_equal(name, "enP1p0s4");
	put("sys/bus/pci/slots/3/address", "0000:00:03\n", 0644);
	assert_int_equal(net_predictable_name(sys, "eth0", name), 0);
	assert_string_equal(name, "ens3");
	put("sys/devices/pci0000:00/0000:00:03.0/acpi_index", "0\n", 0644);
	put("sys/devices/pci0000:00/0000:00:03.0/index", "2\n", 0644);
	assert_int_equal(net_predictable_name(sys, "eth0", name), 0);
	assert_string_equal(name, "eno2");
	assert_int_equal(net_predictable_name(sys, "nope0", name), -ENOENT);
	put("sys/class/net/veth1/address", "52:54:00:00:00:01\n", 0644); /* no device link */
	assert_int_equal(net_predictable_name(sys, "veth1", name), -ENOENT);
}

static char *render(const char *old, const char *pred)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(ifupdown_render(f, old, "node01", "52:54:00:b0:07:01", "eth0", pred), 0);
	fclose(f);
	return text;
}

static void test_interfaces(void **state)
{
	static const char golden[] = "source /etc/network/interfaces.d/*\n\nauto lo\n"
				     "iface lo inet loopback\n\nallow-hotplug ens3\n"
				     "iface ens3 inet static\n\taddress 10.0.0.5/24\n";
	char *t = render(golden, NULL);
	(void)state;

	assert_string_equal(
	    t, "# written by the bootsrv installer for node01: the NIC that booted "
	       "(52:54:00:b0:07:01)\n"
	       "source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\n"
	       "auto eth0\niface eth0 inet dhcp\n");
	free(t);
	t = render(NULL, "ens3");
	assert_non_null(strstr(t, "\nallow-hotplug ens3\niface ens3 inet dhcp\n"));
	assert_non_null(strstr(t, "\nallow-hotplug eth0\niface eth0 inet dhcp\n"));
	assert_null(strstr(t, "auto eth0"));
	assert_null(strstr(t, "10.0.0.5"));
	free(t);
}

static void test_hooks_list(void **state)
{
	char dir[128], **names;
	int n;
	(void)state;

	put("hooks/20-second", "#!/bin/sh\n", 0755);
	put("hooks/10-first", "#!/bin/sh\n", 0755);
	put("hooks/B-upper", "#!/bin/sh\n", 0755);
	put("hooks/30-not-executable", "#!/bin/sh\n", 0644);
	put("hooks/.hidden", "#!/bin/sh\n", 0755);
	put("hooks/40-old~", "#!/bin/sh\n", 0755);
	put("hooks/50-x.dpkg-old", "#!/bin/sh\n", 0755);
	snprintf(dir, sizeof(dir), "%s/hooks/subdir", tmp);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/hooks", tmp);
	n = hooks_list(dir, &names);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "10-first");
	assert_string_equal(names[1], "20-second");
	assert_string_equal(names[2], "B-upper");
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	snprintf(dir, sizeof(dir), "%s/none", tmp);
	assert_int_equal(hooks_list(dir, &names), -ENOENT);
}

static void test_plan_txt(void **state)
{
	static const char base[] =
	    "{\"host\":\"n1\",\"rsync_url\":\"rsync://192.0.2.1/base/\",%s"
	    "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[{\"fill\":true,"
	    "\"fs\":\"ext4\",\"mount\":\"/\"}]}}";
	char json[512], err[128];
	struct plan p;
	(void)state;

	snprintf(json, sizeof(json), base, "\"txt\":[\"location: Rack103a-5\",\"role: compute\"],");
	assert_int_equal(plan_parse(json, strlen(json), &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_txt, 2);
	assert_string_equal(p.txt[0], "location: Rack103a-5");
	plan_free(&p);
	snprintf(json, sizeof(json), base, "\"txt\":[\"a\\nb\"],");
	assert_int_equal(plan_parse(json, strlen(json), &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "txt 0 has a control character"));
	plan_free(&p);
	snprintf(json, sizeof(json), base, "\"txt\":\"x\",");
	assert_int_equal(plan_parse(json, strlen(json), &p, err, sizeof(err)), -EINVAL);
	plan_free(&p);
	snprintf(json, sizeof(json), base, "");
	assert_int_equal(plan_parse(json, strlen(json), &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_txt, 0);
	plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_predictable_name),
	    cmocka_unit_test(test_interfaces),
	    cmocka_unit_test(test_hooks_list),
	    cmocka_unit_test(test_plan_txt),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
