/* test_image_store.c - the image store without a daemon: NAME.conf
 * parsing (layout by name or of its own, file:line errors), image names,
 * the merged set (config first, clashes, broken confs and missing trees
 * left out, re-parse only on change) and the tar member checks. */
#include "cli/tar_check.h"
#include "common/image_conf.h"
#include "daemon/image_store.h"
#include "test_fixture.h"
#include "util.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

struct reports {
	char lines[16][700];
	int n;
};

static void collect(const char *msg, void *arg)
{
	struct reports *r = arg;
	if (r->n < 16)
		snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s", msg);
}

static bool reported(const struct reports *r, const char *want)
{
	for (int i = 0; i < r->n; i++)
		if (strstr(r->lines[i], want))
			return true;
	return false;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char dir[1200];

	if (!f)
		return -1;
	fixture_init(f);
	snprintf(dir, sizeof(dir), "%s/images", f->cfg.state_dir);
	if (mkdir(dir, 0755) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_cleanup(*state);
	free(*state);
	return 0;
}

/* images/NAME.conf with text, and the tree images/NAME/ when tree. */
static void put_image(struct fixture *f, const char *name, const char *text, bool tree)
{
	char path[1400];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/images/%s.conf", f->cfg.state_dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/images/%s", f->cfg.state_dir, name);
	if (tree)
		assert_int_equal(mkdir(path, 0755), 0);
}

static void conf_path(struct fixture *f, const char *name, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/images/%s.conf", f->cfg.state_dir, name);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(image_name_ok("debian-12.4_golden"));
	assert_false(image_name_ok(""));
	assert_false(image_name_ok(".import-1-x"));
	assert_false(image_name_ok("a/b"));
	assert_false(image_name_ok(".."));
	assert_false(image_name_ok("x.conf"));
	assert_false(image_name_ok("a b"));
	assert_false(
	    image_name_ok("0123456789012345678901234567890123456789012345678901234567890123"));
}

static void test_conf_layout_by_name(void **state)
{
	struct fixture *f = *state;
	struct reports rep = {0};
	struct image_conf ic;
	char path[1400];

	put_image(f, "deb",
		  "layout = \"small\";\nflavor = \"rescue\";\n"
		  "excludes = [ \"/home/*\", \"/tmp/*\" ];\nbootloader = \"extlinux\";\n",
		  true);
	conf_path(f, "deb", path, sizeof(path));
	assert_int_equal(image_conf_load(path, "deb", "/srv/deb", &f->cfg, &ic, collect, &rep), 0);
	assert_string_equal(ic.im.name, "deb");
	assert_string_equal(ic.im.path, "/srv/deb");
	assert_ptr_equal(ic.im.layout_ref, &f->layout);
	assert_string_equal(ic.im.flavor, "rescue");
	assert_int_equal(ic.im.nexcludes, 2);
	assert_string_equal(ic.im.excludes[1], "/tmp/*");
	assert_string_equal(ic.im.bootloader, "extlinux");
	assert_null(ic.own_layout);
	image_conf_free(&ic);
}

static void test_conf_own_layout(void **state)
{
	struct fixture *f = *state;
	struct reports rep = {0};
	struct image_conf ic;
	char path[1400];

	put_image(f, "uefi",
		  "layout = { disk = \"first\"; label = \"gpt\";\n"
		  "  partitions = ( { size = \"512M\"; fs = \"vfat\"; mount = \"/boot/efi\"; flags "
		  "= [ \"esp\" ]; },\n"
		  "                 { size = \"*\"; fs = \"ext4\"; mount = \"/\"; } ); };\n",
		  true);
	conf_path(f, "uefi", path, sizeof(path));
	assert_int_equal(image_conf_load(path, "uefi", "/srv/uefi", &f->cfg, &ic, collect, &rep),
			 0);
	assert_non_null(ic.own_layout);
	assert_ptr_equal(ic.im.layout_ref, ic.own_layout);
	assert_string_equal(ic.own_layout->name, "uefi"); /* defaults to the image's */
	assert_string_equal(ic.own_layout->label, "gpt");
	assert_int_equal(ic.own_layout->nparts, 2);
	assert_true(ic.own_layout->parts[0].flag_esp);
	assert_string_equal(ic.im.flavor, "default");
	image_conf_free(&ic);
}

static void test_conf_errors(void **state)
{
	struct fixture *f = *state;
	struct reports rep = {0};
	struct image_conf ic;
	char path[1400], want[1500];

	put_image(f, "syntax", "layout = \"small\";\nflavor = ;\n", true);
	conf_path(f, "syntax", path, sizeof(path));
	assert_int_equal(image_conf_load(path, "syntax", "/x", &f->cfg, &ic, collect, &rep), 1);
	snprintf(want, sizeof(want), "%s:2: ", path);
	assert_true(reported(&rep, want));
	image_conf_free(&ic);

	rep.n = 0;
	put_image(f, "sem",
		  "layout = \"nope\";\nflavor = \"../x\";\npath = \"/etc\";\n"
		  "bootloader = \"lilo\";\n",
		  true);
	conf_path(f, "sem", path, sizeof(path));
	assert_true(image_conf_load(path, "sem", "/x", &f->cfg, &ic, collect, &rep) >= 4);
	assert_true(reported(&rep, "sem.conf:1: image \"sem\": unknown layout \"nope\""));
	assert_true(reported(&rep, "sem.conf:2: flavor name \"../x\""));
	assert_true(reported(&rep, "sem.conf:3: unknown setting 'path'"));
	assert_true(reported(&rep, "bootloader \"lilo\""));
	image_conf_free(&ic);

	rep.n = 0;
	put_image(f, "nolayout", "flavor = \"default\";\n", true);
	conf_path(f, "nolayout", path, sizeof(path));
	assert_int_equal(image_conf_load(path, "nolayout", "/x", &f->cfg, &ic, collect, &rep), 1);
	assert_true(reported(&rep, "missing required setting 'layout'"));
	image_conf_free(&ic);

	rep.n = 0;
	conf_path(f, "absent", path, sizeof(path));
	assert_int_equal(image_conf_load(path, "absent", "/x", &f->cfg, &ic, collect, &rep),
			 -ENOENT);
	assert_true(reported(&rep, "cannot read"));
	image_conf_free(&ic);
}

static const char *names_of(struct image_store *st, char *buf, size_t bufsz)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < image_store_count(st); i++)
		o += (size_t)snprintf(buf + o, bufsz - o, "%s%s", i ? "," : "",
				      image_store_at(st, i)->name);
	return buf;
}

static void test_merge(void **state)
{
	struct fixture *f = *state;
	struct reports rep = {0};
	struct image_store *st;
	const char *name = NULL;
	char buf[256];

	put_image(f, "zeta", "layout = \"small\";\n", true);
	put_image(f, "alpha", "layout = \"small\";\n", true);
	put_image(f, "base", "layout = \"small\";\n", true);	    /* clashes with the config */
	put_image(f, "broken", "layout = \"small\"\nflavor", true); /* syntax */
	put_image(f, "notree", "layout = \"small\";\n", false);
	assert_non_null(st = image_store_open(&f->cfg, collect, &rep));
	/* the config's first, then the store's by name */
	assert_string_equal(names_of(st, buf, sizeof(buf)), "base,alpha,zeta");
	assert_false(image_store_is_store(st, image_store_get(st, "base")));
	assert_true(image_store_is_store(st, image_store_get(st, "alpha")));
	assert_null(image_store_get(st, "broken"));
	assert_int_equal(image_store_error_count(st), 3);
	assert_true(strstr(image_store_error_at(st, 0, &name), "is also in"));
	assert_string_equal(name, "base");
	assert_true(strstr(image_store_error_at(st, 1, &name), "broken.conf:2:"));
	assert_string_equal(name, "broken");
	assert_true(strstr(image_store_error_at(st, 2, &name), "is not a directory"));
	assert_true(reported(&rep, "broken.conf:2:"));
	assert_true(reported(&rep, "also in"));
	int nrep = rep.n;

	/* nothing changed: no change, nothing parsed or reported again */
	assert_int_equal(image_store_refresh(st), 0);
	assert_int_equal(rep.n, nrep);

	/* the broken conf repaired (a new inode and size): served */
	put_image(f, "broken2", "layout = \"small\";\n", true);
	char from[1400], to[1400];
	conf_path(f, "broken2", from, sizeof(from));
	conf_path(f, "broken", to, sizeof(to));
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(image_store_refresh(st), 1);
	assert_non_null(image_store_get(st, "broken"));
	/* an image removed */
	conf_path(f, "zeta", from, sizeof(from));
	assert_int_equal(unlink(from), 0);
	assert_int_equal(image_store_refresh(st), 1);
	assert_string_equal(names_of(st, buf, sizeof(buf)), "base,alpha,broken");
	image_store_close(st);
}

static void test_remove(void **state)
{
	struct fixture *f = *state;
	struct image_store *st;
	char path[1400];

	put_image(f, "gone", "layout = \"small\";\n", true);
	assert_non_null(st = image_store_open(&f->cfg, NULL, NULL));
	assert_non_null(image_store_get(st, "gone"));
	assert_int_equal(image_store_remove(st, "base"), -EPERM);
	assert_int_equal(image_store_remove(st, "nope"), -ENOENT);
	assert_int_equal(image_store_remove(st, "../x"), -ENOENT);
	assert_int_equal(image_store_remove(st, "gone"), 0);
	assert_null(image_store_get(st, "gone"));
	conf_path(f, "gone", path, sizeof(path));
	assert_int_not_equal(access(path, F_OK), 0);
	image_store_close(st);
}

#define M(n)                                                                                       \
	{                                                                                          \
		.name = (n)                                                                        \
	}
#define H(n, t)                                                                                    \
	{                                                                                          \
		.name = (n), .hardlink = (t)                                                       \
	}
#define S(n)                                                                                       \
	{                                                                                          \
		.name = (n), .symlink = true                                                       \
	}

static void test_tar_members(void **state)
{
	static const struct tar_member ok[] = {M("./"),
					       M("./etc/"),
					       M("./etc/passwd"),
					       S("./etc/localtime"),
					       H("./usr/bin/b", "./etc/passwd"),
					       M("usr//lib/x"),
					       M("a/./b")};
	static const struct tar_member dotdot[] = {M("./etc"), M("etc/../../x")};
	static const struct tar_member abs[] = {M("etc"), M("/etc/x")};
	static const struct tar_member hl_abs[] = {M("etc/x"), H("etc/y", "/etc/shadow")};
	static const struct tar_member hl_up[] = {H("etc/y", "../../etc/shadow")};
	static const struct tar_member via[] = {S("./lib"), M("./lib/x")};
	static const struct tar_member via_late[] = {M("lib/x"), S("lib")};
	static const struct tar_member hl_via[] = {S("lib"), H("etc/y", "lib/shadow")};
	char why[512];

	(void)state;
	assert_int_equal(tar_check_members(ok, ARRAY_SIZE(ok), why, sizeof(why)), 0);
	assert_int_equal(tar_check_members(dotdot, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "member \"etc/../../x\""));
	assert_int_equal(tar_check_members(abs, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "member \"/etc/x\""));
	assert_int_equal(tar_check_members(hl_abs, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "hard link to \"/etc/shadow\""));
	assert_int_equal(tar_check_members(hl_up, 1, why, sizeof(why)), -EINVAL);
	assert_int_equal(tar_check_members(via, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "through the symlink member \"lib\""));
	assert_int_equal(tar_check_members(via_late, 2, why, sizeof(why)), -EINVAL);
	assert_int_equal(tar_check_members(hl_via, 2, why, sizeof(why)), -EINVAL);
	assert_int_equal(tar_check_members(NULL, 0, why, sizeof(why)), 0);
}

/* A real tarball through libarchive: the names as tar wrote them. */
static void test_tar_file(void **state)
{
	struct fixture *f = *state;
	char cmd[4096], tar[1300], why[600];

	snprintf(tar, sizeof(tar), "%s/t.tar", f->cfg.state_dir);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir -p src/etc && echo x >src/etc/a && ln src/etc/a src/etc/b && "
		 "tar -C src -cf t.tar . && gzip -k t.tar",
		 f->cfg.state_dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tar_check_file(tar, why, sizeof(why)), 0);
	strcat(tar, ".gz");
	assert_int_equal(tar_check_file(tar, why, sizeof(why)), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && tar -cPf bad.tar src/etc/a /dev/null 2>/dev/null",
		 f->cfg.state_dir);
	assert_int_equal(system(cmd), 0);
	snprintf(tar, sizeof(tar), "%s/bad.tar", f->cfg.state_dir);
	assert_int_equal(tar_check_file(tar, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "member \"/dev/null\""));
	snprintf(tar, sizeof(tar), "%s/images", f->cfg.state_dir);
	assert_int_equal(tar_check_file(tar, why, sizeof(why)), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_conf_layout_by_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conf_own_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conf_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	    cmocka_unit_test(test_tar_members),
	    cmocka_unit_test_setup_teardown(test_tar_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
