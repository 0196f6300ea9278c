/* test_installer_update.c - update mode's pure pieces: the host's
 * update.local.exclude file and retargeting extlinux.conf at a new kernel. */
#include "update.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_local_excludes(void **state)
{
	char *v[4];
	unsigned bad = 0;
	int n;
	(void)state;

	n = update_parse_local_excludes("# site\n\n  /opt/site/  \n/etc/modprobe.conf\n\t/srv/*\n",
					v, 4, &bad);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "/opt/site/");
	assert_string_equal(v[1], "/etc/modprobe.conf");
	assert_string_equal(v[2], "/srv/*");
	for (int i = 0; i < n; i++)
		free(v[i]);
	assert_int_equal(update_parse_local_excludes("", v, 4, &bad), 0);
	assert_int_equal(update_parse_local_excludes(NULL, v, 4, &bad), 0);
	assert_int_equal(update_parse_local_excludes("/a\n/b\x01x\n", v, 4, &bad), -EINVAL);
	assert_int_equal(bad, 2);
	assert_int_equal(update_parse_local_excludes("/a\n/b\n/c\n", v, 2, &bad), -EINVAL);
	assert_int_equal(bad, 3);
}

static void test_defaults(void **state)
{
	static const char *const must[] = {"/home/",
					   "/tmp/",
					   "/var/tmp/",
					   "/var/lib/puppet/",
					   "/etc/modprobe.d/",
					   "/etc/machine-id",
					   "/etc/ssh/ssh_host_*",
					   "/etc/fstab",
					   "/etc/hostname",
					   "/proc/",
					   "/sys/",
					   "/dev/",
					   "/run/",
					   "/mnt/",
					   "/media/",
					   "lost+found/",
					   "/boot/grub/",
					   "/boot/efi/",
					   "/etc/default/grub.d/bootsrv.cfg"};
	(void)state;

	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		size_t k = 0;
		while (update_default_excludes[k] && strcmp(update_default_excludes[k], must[i]))
			k++;
		if (!update_default_excludes[k])
			fail_msg("default exclude %s missing", must[i]);
	}
}

static void test_retarget(void **state)
{
	static const char old[] = "# written by the bootsrv installer\nSERIAL 0 115200\n"
				  "DEFAULT linux\n\nLABEL linux\n\tKERNEL /vmlinuz-6.1.0-9-amd64\n"
				  "\tINITRD /initrd.img-6.1.0-9-amd64\n\tAPPEND root=UUID=abc rw\n"
				  "LABEL other\n  kernel /boot/old/vmlinuz-x\n";
	static const char want[] =
	    "# written by the bootsrv installer\nSERIAL 0 115200\n"
	    "DEFAULT linux\n\nLABEL linux\n\tKERNEL /vmlinuz-6.1.0-10-amd64\n"
	    "\tINITRD /initrd.img-6.1.0-10-amd64\n\tAPPEND root=UUID=abc rw\n"
	    "LABEL other\n  kernel /boot/old/vmlinuz-6.1.0-10-amd64\n";
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	(void)state;

	assert_int_equal(
	    extlinux_conf_retarget(old, "vmlinuz-6.1.0-10-amd64", "initrd.img-6.1.0-10-amd64", f),
	    0);
	fclose(f);
	assert_string_equal(text, want);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_local_excludes),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_retarget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
