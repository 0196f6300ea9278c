/* test_golden_rsync.c - what `bootsrv image capture` runs: the exclude
 * table (mount points kept, identity left out), the ssh options (batch,
 * bounded connect, bootsrv's own known_hosts, accept-new) and rsync's
 * argv with -e quoted for rsync's own splitter. */
#include "cli/golden_rsync.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const struct golden_ssh ssh = {"root@192.0.2.41", "/k/id ed25519",
				      "/var/lib/bootsrv/ssh/known_hosts"};

static bool has(const struct golden_cmd *c, const char *word)
{
	for (size_t i = 0; i < c->argc; i++)
		if (strcmp(c->argv[i], word) == 0)
			return true;
	return false;
}

static void test_table(void **state)
{
	static const char *const must[] = {"/proc/*",
					   "/sys/*",
					   "/dev/*",
					   "/run/*",
					   "/tmp/*",
					   "/etc/machine-id",
					   "/var/lib/dbus/machine-id",
					   "/etc/ssh/ssh_host_*",
					   "/etc/udev/rules.d/70-persistent-net.rules",
					   "/var/lib/dhcp/*"};
	size_t nempty = 0;

	(void)state;
	for (size_t i = 0; i < golden_nexcludes; i++) {
		const char *p = golden_excludes[i].pattern;
		assert_true(p[0] == '/'); /* anchored at the client's / (-R) */
		assert_non_null(golden_excludes[i].why);
		/* a mount point itself is never left out: /proc, not /proc/ * */
		assert_false(strcmp(p, "/proc") == 0 || strcmp(p, "/sys") == 0 ||
			     strcmp(p, "/dev") == 0 || strcmp(p, "/run") == 0 ||
			     strcmp(p, "/tmp") == 0);
		if (golden_excludes[i].empty) {
			nempty++;
			assert_string_equal(p, "/etc/machine-id");
		}
	}
	assert_int_equal(nempty, 1);
	for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
		bool found = false;
		for (size_t i = 0; i < golden_nexcludes; i++)
			found |= strcmp(golden_excludes[i].pattern, must[k]) == 0;
		if (!found)
			fail_msg("%s not excluded", must[k]);
	}
}

static void test_ssh(void **state)
{
	struct golden_cmd c;

	(void)state;
	assert_int_equal(golden_ssh_cmd(&c, &ssh, "command -v rsync"), 0);
	assert_string_equal(c.argv[0], "ssh");
	assert_true(has(&c, "-i"));
	assert_true(has(&c, "/k/id ed25519")); /* one word, space and all */
	assert_true(has(&c, "-oBatchMode=yes"));
	assert_true(has(&c, "-oIdentitiesOnly=yes"));
	assert_true(has(&c, "-oConnectTimeout=10"));
	assert_true(has(&c, "-oStrictHostKeyChecking=accept-new"));
	assert_true(has(&c, "-oUserKnownHostsFile=/var/lib/bootsrv/ssh/known_hosts"));
	assert_string_equal(c.argv[c.argc - 3], "--"); /* the target is never an option */
	assert_string_equal(c.argv[c.argc - 2], "root@192.0.2.41");
	assert_string_equal(c.argv[c.argc - 1], "command -v rsync");
	assert_null(c.argv[c.argc]);

	struct golden_ssh bad = ssh;
	bad.target = "-oProxyCommand=x";
	assert_int_equal(golden_ssh_cmd(&c, &bad, "true"), -EINVAL);
	bad = ssh;
	bad.identity = "/k/it's";
	assert_int_equal(golden_ssh_cmd(&c, &bad, "true"), -EINVAL);
	bad = ssh;
	bad.identity = NULL; /* ssh's own keys */
	assert_int_equal(golden_ssh_cmd(&c, &bad, "true"), 0);
	assert_false(has(&c, "-i"));
}

static void test_rsync(void **state)
{
	const char *const src[] = {"/", "/boot", "/boot/efi"};
	struct golden_cmd c;
	char line[8192];

	(void)state;
	assert_int_equal(
	    golden_rsync_cmd(&c, &ssh, src, 3, "/etc/x.exclude", "/s/images/.import-1-g"), 0);
	assert_string_equal(c.argv[0], "rsync");
	assert_true(has(&c, "-aHAXS"));
	assert_true(has(&c, "--numeric-ids"));
	assert_true(has(&c, "--one-file-system"));
	assert_true(has(&c, "--relative"));
	assert_true(has(&c, "--exclude=/proc/*"));
	assert_true(has(&c, "--exclude=/etc/ssh/ssh_host_*"));
	assert_true(has(&c, "--exclude-from=/etc/x.exclude"));
	assert_true(has(&c, "root@192.0.2.41:/"));
	assert_true(has(&c, "root@192.0.2.41:/boot/efi"));
	assert_string_equal(c.argv[c.argc - 1], "/s/images/.import-1-g/");
	for (size_t i = 0; i < c.argc; i++)
		if (strcmp(c.argv[i], "-e") == 0)
			assert_string_equal(
			    c.argv[i + 1],
			    "ssh '-i' '/k/id ed25519' '-oIdentitiesOnly=yes' '-oBatchMode=yes' "
			    "'-oConnectTimeout=10' '-oStrictHostKeyChecking=accept-new' "
			    "'-oUserKnownHostsFile=/var/lib/bootsrv/ssh/known_hosts'");
	golden_cmd_text(&c, line, sizeof(line));
	assert_non_null(strstr(line, "'--exclude=/proc/*'"));
	assert_non_null(strstr(line, "-e \"ssh '-i'"));
	/* relative sources are refused: -R would put them anywhere */
	const char *const rel[] = {"boot"};
	assert_int_equal(golden_rsync_cmd(&c, &ssh, rel, 1, NULL, "/d"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_ssh),
	    cmocka_unit_test(test_rsync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
