/* test_frozen.c - frozen image versions without a daemon: the IMAGE@GEN
 * names (round trip, every malformed form refused), the tree fingerprint
 * (what counts as a change, what linking a copy must not count), which
 * versions the collector may delete, which job an arm waits for, and one
 * version made, reused and refused in a temporary directory (the child's
 * work, run here in-process). */
#include "common/fs_tree.h"
#include "daemon/frozen_make.h"
#include "daemon/frozen_name.h"

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

static void test_names(void **state)
{
	char out[FROZEN_NAME_MAX + 1], image[NAME_MAX_LEN + 1];
	char long_name[NAME_MAX_LEN + 1];
	uint64_t gen;

	(void)state;
	assert_int_equal(frozen_name_format("debian12", 7, out, sizeof(out)), 0);
	assert_string_equal(out, "debian12@7");
	assert_int_equal(frozen_name_parse(out, image, &gen), 0);
	assert_string_equal(image, "debian12");
	assert_int_equal(gen, 7);
	/* the longest image name and generation fit the buffer */
	memset(long_name, 'a', NAME_MAX_LEN);
	long_name[NAME_MAX_LEN] = '\0';
	assert_int_equal(frozen_name_format(long_name, FROZEN_GEN_MAX, out, sizeof(out)), 0);
	assert_int_equal(frozen_name_parse(out, image, &gen), 0);
	assert_int_equal(gen, FROZEN_GEN_MAX);
	assert_int_equal(frozen_name_format("a", 1, out, 3), -ENAMETOOLONG);
	assert_int_equal(frozen_name_format("a", 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(frozen_name_format("a", FROZEN_GEN_MAX + 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(frozen_name_format(".hidden", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(frozen_name_format("a/b", 1, out, sizeof(out)), -EINVAL);

	static const char *const bad[] = {
	    "",		  "img",
	    "@1",	  "img@",
	    "img@0",	  "img@01",
	    "img@1x",	  "img@-1",
	    "img@ 1",	  ".tmp-img@1",
	    ".trash-a@2", "a/b@1",
	    "img@1@2",	  "img@999999999999",
	    "img@1.fp",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(frozen_name_parse(bad[i], NULL, NULL), -EINVAL);
	assert_int_equal(frozen_name_parse("img@99999999999", NULL, NULL), 0);
}

static void test_fingerprint(void **state)
{
	struct stat a = {0}, b;
	uint64_t base;

	(void)state;
	a.st_ino = 42;
	a.st_mode = S_IFREG | 0644;
	a.st_size = 100;
	a.st_mtim.tv_sec = 1700000000;
	a.st_nlink = 1;
	base = frozen_fp_entry("etc/motd", &a);
	assert_int_equal(frozen_fp_entry("etc/motd", &a), base);
	/* what a hard-link copy changes on the source is no change */
	b = a;
	b.st_nlink = 2;
	b.st_ctim.tv_sec = 1800000000;
	assert_int_equal(frozen_fp_entry("etc/motd", &b), base);
	/* each of these is */
	b = a;
	b.st_ino = 43; /* replaced by rename */
	assert_int_not_equal(frozen_fp_entry("etc/motd", &b), base);
	b = a;
	b.st_size = 101;
	assert_int_not_equal(frozen_fp_entry("etc/motd", &b), base);
	b = a;
	b.st_mtim.tv_nsec = 1;
	assert_int_not_equal(frozen_fp_entry("etc/motd", &b), base);
	b = a;
	b.st_mode = S_IFREG | 0600;
	assert_int_not_equal(frozen_fp_entry("etc/motd", &b), base);
	b = a;
	b.st_uid = 1;
	assert_int_not_equal(frozen_fp_entry("etc/motd", &b), base);
	assert_int_not_equal(frozen_fp_entry("etc/motd2", &a), base); /* renamed */
}

static void test_gc(void **state)
{
	struct frozen_snap s = {.name = "img@1", .image = "img", .gen = 1};

	(void)state;
	assert_true(frozen_gc_may_delete(&s));
	s.in_use = true;
	assert_false(frozen_gc_may_delete(&s));
	s.newest = true;
	assert_false(frozen_gc_may_delete(&s));
	s.in_use = false;
	assert_false(frozen_gc_may_delete(&s)); /* the next arm reuses it */
}

static void test_wait_for(void **state)
{
	bool start;

	(void)state;
	/* no job running: start job last + 1 */
	assert_int_equal(frozen_wait_for(0, 0, &start), 1);
	assert_true(start);
	assert_int_equal(frozen_wait_for(0, 4, &start), 5);
	assert_true(start);
	/* job 5 running: it may have looked before this arm, wait for 6 */
	assert_int_equal(frozen_wait_for(5, 5, &start), 6);
	assert_false(start);
}

static int sh(const char *fmt, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir);
	return system(cmd);
}

static void first_line(const char *path, char *line, size_t n)
{
	FILE *f = fopen(path, "r");

	line[0] = '\0';
	assert_non_null(f);
	assert_non_null(fgets(line, (int)n, f));
	fclose(f);
}

static void test_make(void **state)
{
	char tmpl[] = "/tmp/bootsrv-frozen.XXXXXX", src[256], dir[256], err[256], p[512];
	char line[512];
	uint64_t fp, fp2;
	struct stat s1, s2;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(src, sizeof(src), "%s/img", tmpl);
	snprintf(dir, sizeof(dir), "%s/frozen", tmpl);
	snprintf(err, sizeof(err), "%s/err", tmpl);
	assert_int_equal(sh("mkdir -p %s/img/etc %s/frozen && echo v1 >%s/img/etc/motd && "
			    "ln -s motd %s/img/etc/link",
			    tmpl),
			 0);
	assert_int_equal(frozen_tree_fp(src, &fp), 0);
	assert_int_equal(frozen_make(src, dir, "img@1", 0, err), FROZEN_MADE);
	snprintf(p, sizeof(p), "%s/img@1/etc/motd", dir);
	assert_int_equal(stat(p, &s1), 0);
	snprintf(p, sizeof(p), "%s/etc/motd", src);
	assert_int_equal(stat(p, &s2), 0);
	assert_int_equal(s1.st_ino, s2.st_ino); /* linked, not copied */
	/* linking changed the sources' ctime and link count: still the same */
	assert_int_equal(frozen_tree_fp(src, &fp2), 0);
	assert_int_equal(fp2, fp);
	assert_int_equal(frozen_make(src, dir, "img@2", fp, err), FROZEN_UNCHANGED);
	snprintf(p, sizeof(p), "%s/img@2", dir);
	assert_int_equal(access(p, F_OK), -1);
	/* replaced by rename: a new version, the old one keeps the old file */
	assert_int_equal(
	    sh("echo v2 >%s/img/etc/motd.new && mv %s/img/etc/motd.new %s/img/etc/motd", tmpl), 0);
	assert_int_equal(frozen_tree_fp(src, &fp2), 0);
	assert_int_not_equal(fp2, fp);
	assert_int_equal(frozen_make(src, dir, "img@2", fp, err), FROZEN_MADE);
	snprintf(p, sizeof(p), "%s/img@1/etc/motd", dir);
	first_line(p, line, sizeof(line));
	assert_string_equal(line, "v1\n");
	snprintf(p, sizeof(p), "%s/img@2/etc/motd", dir);
	first_line(p, line, sizeof(line));
	assert_string_equal(line, "v2\n");
	/* a tree that is not there: refused with the reason, nothing left */
	snprintf(p, sizeof(p), "%s/none", tmpl);
	assert_int_equal(frozen_make(p, dir, "img@3", 0, err), FROZEN_FAILED);
	first_line(err, line, sizeof(line));
	assert_non_null(strstr(line, "No such file or directory"));
	snprintf(p, sizeof(p), "%s/.tmp-img@3", dir);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(tree_remove(tmpl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names), cmocka_unit_test(test_fingerprint),
	    cmocka_unit_test(test_gc),	  cmocka_unit_test(test_wait_for),
	    cmocka_unit_test(test_make),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
