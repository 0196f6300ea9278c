/* test_installer_rsync_argv.c - the one rsync argv builder, byte for byte,
 * in the shapes its callers use: the install's image pull (from a daemon
 * and from a local path), update mode's transfer (and its dry run) and the
 * old-kernel pass; the bare minimum; a rebuild. */
#include "rsync_argv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void assert_argv(const char *const *got, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		if (!got[i])
			fail_msg("argv[%zu] missing, want \"%s\"", i, want[i]);
		if (strcmp(got[i], want[i]) != 0)
			fail_msg("argv[%zu] is \"%s\", want \"%s\"", i, got[i], want[i]);
	}
	if (got[i])
		fail_msg("argv[%zu] is \"%s\", want the end", i, got[i]);
}

/* step_image: a daemon source, the plan's excludes, the ESP's mount point
 * and an ext root's lost+found protected. */
static void test_image(void **state)
{
	static const char *const want[] = {"/usr/bin/rsync",
					   "-aHAXS",
					   "--numeric-ids",
					   "--delete",
					   "--partial",
					   "--info=progress2",
					   "--no-inc-recursive",
					   "--timeout=120",
					   "--contimeout=30",
					   "--exclude=/tmp/*",
					   "--filter=P /boot/efi",
					   "--filter=P /lost+found",
					   "rsync://192.0.2.1/base/",
					   "/target/",
					   NULL};
	const struct rsync_argv_opts o = {.rsync = "/usr/bin/rsync",
					  .flags = RSYNC_PARTIAL | RSYNC_PROGRESS,
					  .timeout_s = 120,
					  .contimeout_s = 30,
					  .src = "rsync://192.0.2.1/base/",
					  .dst = "/target/"};
	struct rsync_argv ra = {0};
	(void)state;

	rsync_argv_rule(&ra, RSYNC_EXCLUDE, "%s", "/tmp/*");
	rsync_argv_rule(&ra, RSYNC_PROTECT, "%s", "/boot/efi");
	rsync_argv_rule(&ra, RSYNC_PROTECT, "%s/lost+found", "");
	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_argv(ra.argv, want);
	rsync_argv_free(&ra);
}

/* step_image from a local path: no --contimeout (rsync refuses it). */
static void test_image_local(void **state)
{
	static const char *const want[] = {"/bin/rsync",
					   "-aHAXS",
					   "--numeric-ids",
					   "--delete",
					   "--partial",
					   "--info=progress2",
					   "--no-inc-recursive",
					   "--timeout=120",
					   "--filter=P /var",
					   "--filter=P /var/lost+found",
					   "/srv/images/base/",
					   "/mnt/t/",
					   NULL};
	const struct rsync_argv_opts o = {.rsync = "/bin/rsync",
					  .flags = RSYNC_PARTIAL | RSYNC_PROGRESS,
					  .timeout_s = 120,
					  .src = "/srv/images/base/",
					  .dst = "/mnt/t/"};
	struct rsync_argv ra = {0};
	(void)state;

	rsync_argv_rule(&ra, RSYNC_PROTECT, "%s", "/var");
	rsync_argv_rule(&ra, RSYNC_PROTECT, "%s/lost+found", "/var");
	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_argv(ra.argv, want);
	rsync_argv_free(&ra);
}

/* update: one filesystem, excludes, the old kernels protected; its dry run
 * itemises. */
static void test_update(void **state)
{
	static const char *const want[] = {"/usr/bin/rsync",
					   "-aHAXS",
					   "--numeric-ids",
					   "--one-file-system",
					   "--delete",
					   "--timeout=600",
					   "--exclude=/home/",
					   "--exclude=/opt/site/",
					   "--filter=P /boot/vmlinuz-6.1.0-9-amd64",
					   "rsync://192.0.2.1:873/base/",
					   "/mnt/root/",
					   NULL};
	static const char *const want_dry[] = {"/usr/bin/rsync",
					       "-aHAXS",
					       "--numeric-ids",
					       "--one-file-system",
					       "--delete",
					       "--timeout=600",
					       "--dry-run",
					       "--itemize-changes",
					       "--exclude=/home/",
					       "rsync://192.0.2.1:873/base/",
					       "/",
					       NULL};
	struct rsync_argv_opts o = {.rsync = "/usr/bin/rsync",
				    .flags = RSYNC_ONE_FS,
				    .timeout_s = 600,
				    .src = "rsync://192.0.2.1:873/base/",
				    .dst = "/mnt/root/"};
	struct rsync_argv ra = {0};
	(void)state;

	rsync_argv_rule(&ra, RSYNC_EXCLUDE, "%s", "/home/");
	rsync_argv_rule(&ra, RSYNC_EXCLUDE, "%s", "/opt/site/");
	rsync_argv_rule(&ra, RSYNC_PROTECT, "/boot/%s", "vmlinuz-6.1.0-9-amd64");
	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_argv(ra.argv, want);
	rsync_argv_free(&ra);

	o.flags |= RSYNC_DRY_RUN;
	o.dst = "/";
	rsync_argv_rule(&ra, RSYNC_EXCLUDE, "%s", "/home/");
	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_argv(ra.argv, want_dry);
	rsync_argv_free(&ra);
}

/* update's old-kernel pass: only /boot's kept names, listed (dry) first. */
static void test_drop_kept(void **state)
{
	static const char *const want[] = {"/usr/bin/rsync",
					   "-aHAXS",
					   "--numeric-ids",
					   "--delete",
					   "--timeout=600",
					   "--dry-run",
					   "--itemize-changes",
					   "--include=/boot/",
					   "--include=/boot/vmlinuz-1",
					   "--include=/boot/initrd.img-1",
					   "--exclude=*",
					   "rsync://h/i/",
					   "/r/",
					   NULL};
	const struct rsync_argv_opts o = {.rsync = "/usr/bin/rsync",
					  .flags = RSYNC_DRY_RUN,
					  .timeout_s = 600,
					  .src = "rsync://h/i/",
					  .dst = "/r/"};
	struct rsync_argv ra = {0};
	(void)state;

	rsync_argv_rule(&ra, RSYNC_INCLUDE, "/boot/");
	rsync_argv_rule(&ra, RSYNC_INCLUDE, "/boot/%s", "vmlinuz-1");
	rsync_argv_rule(&ra, RSYNC_INCLUDE, "/boot/%s", "initrd.img-1");
	rsync_argv_rule(&ra, RSYNC_EXCLUDE, "*");
	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_argv(ra.argv, want);
	rsync_argv_free(&ra);
}

/* No flags, timeouts or rules; many rules (the array grows); a second
 * build lays out the same argv again. */
static void test_minimal_and_many(void **state)
{
	static const char *const want[] = {"rsync", "-aHAXS", "--numeric-ids", "--delete", "a/",
					   "b/",    NULL};
	const struct rsync_argv_opts o = {.rsync = "rsync", .src = "a/", .dst = "b/"};
	struct rsync_argv ra = {0};
	char name[32];
	(void)state;

	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_argv(ra.argv, want);
	rsync_argv_free(&ra);
	assert_null(ra.argv);
	assert_int_equal(ra.n_rules, 0);

	for (int i = 0; i < 300; i++)
		rsync_argv_rule(&ra, RSYNC_EXCLUDE, "/d%d/", i);
	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_int_equal(rsync_argv_build(&ra, &o), 0);
	assert_string_equal(ra.argv[4], "--exclude=/d0/");
	snprintf(name, sizeof(name), "--exclude=/d%d/", 299);
	assert_string_equal(ra.argv[303], name);
	assert_string_equal(ra.argv[304], "a/");
	assert_string_equal(ra.argv[305], "b/");
	assert_null(ra.argv[306]);
	rsync_argv_free(&ra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_image),
	    cmocka_unit_test(test_image_local),
	    cmocka_unit_test(test_update),
	    cmocka_unit_test(test_drop_kept),
	    cmocka_unit_test(test_minimal_and_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
