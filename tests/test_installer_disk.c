/* test_installer_disk.c - what a block device is, which disk is "first",
 * and when disk probing has settled: pure decisions over a sysfs-like tree
 * built in a temporary directory, and a settle state machine fed with
 * snapshots and times (no sleeping). */
#include "disk_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static char root[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	if (text) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	} else {
		mkdir(path, 0755);
	}
}

/* A disk as the kernel shows it: device/ link target, size, removable. */
static void disk(const char *name, const char *size, const char *removable)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "%s/device", name);
	put(rel, NULL);
	snprintf(rel, sizeof(rel), "%s/size", name);
	put(rel, size);
	snprintf(rel, sizeof(rel), "%s/removable", name);
	put(rel, removable);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-disk.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_kinds(void **state)
{
	(void)state;
	disk("vda", "2097152\n", "0\n");
	put("md127/md/level", "raid1\n"); /* an array named by its user */
	put("dm-0/dm/name", "vg-root\n");
	put("loop3/loop/backing_file", "/x.img\n"); /* bound loop */
	put("loop7/size", "0\n");		    /* unbound: no marker */
	put("zram0/comp_algorithm", "[lzo] zstd\n");
	put("nbd0/size", "0\n");
	put("ram0/size", "8192\n");
	put("sr0/size", "0\n");
	put("bigraid/md/level", "raid6\n"); /* a name that hides what it is */

	assert_int_equal(disk_kind(root, "vda"), DISK_KIND_DISK);
	assert_int_equal(disk_kind(root, "md127"), DISK_KIND_MD);
	assert_int_equal(disk_kind(root, "bigraid"), DISK_KIND_MD);
	assert_int_equal(disk_kind(root, "dm-0"), DISK_KIND_DM);
	assert_int_equal(disk_kind(root, "loop3"), DISK_KIND_LOOP);
	assert_int_equal(disk_kind(root, "loop7"), DISK_KIND_LOOP);
	assert_int_equal(disk_kind(root, "zram0"), DISK_KIND_ZRAM);
	assert_int_equal(disk_kind(root, "nbd0"), DISK_KIND_NBD);
	assert_int_equal(disk_kind(root, "ram0"), DISK_KIND_RAM);
	assert_int_equal(disk_kind(root, "sr0"), DISK_KIND_OPTICAL);
	assert_non_null(strstr(disk_kind_name(DISK_KIND_MD), "RAID"));
	assert_non_null(strstr(disk_kind_name(DISK_KIND_DM), "device-mapper"));
	assert_non_null(strstr(disk_kind_name(DISK_KIND_ZRAM), "zram"));
	assert_non_null(strstr(disk_kind_name(DISK_KIND_NBD), "nbd"));
	assert_true(disk_is_virtual("nbd3") && disk_is_virtual("mtdblock0"));
	assert_false(disk_is_virtual("nvme0n1"));
}

static void test_first(void **state)
{
	char dev[64], snap[DISK_SNAPSHOT_MAX];
	(void)state;

	/* md, dm, zram... of test_kinds are still there and never chosen */
	disk("sdb", "4194304\n", "1\n"); /* a USB stick */
	disk("nvme0n1", "0\n", "0\n");	 /* no capacity yet */
	disk("cciss!c0d0", "8388608\n", "0\n");
	assert_int_equal(disk_find_first(root, dev, sizeof(dev)), 0);
	assert_string_equal(dev, "/dev/cciss/c0d0");
	disk("nvme0n1", "1000215216\n", "0\n");
	assert_int_equal(disk_find_first(root, dev, sizeof(dev)), 0);
	assert_string_equal(dev, "/dev/cciss/c0d0"); /* version order: "c" < "n" < "v" */

	/* snapshot: real disks only, sorted, with size and removable */
	assert_int_equal(disk_snapshot(root, snap, sizeof(snap)), 3);
	assert_string_equal(snap, "cciss!c0d0 8388608 0\n"
				  "nvme0n1 1000215216 0\n"
				  "sdb 4194304 1\n"
				  "vda 2097152 0\n");
}

static void test_first_none(void **state)
{
	char dev[64], sub[PATH_MAX + 8], snap[DISK_SNAPSHOT_MAX];
	(void)state;

	snprintf(sub, sizeof(sub), "%s/empty", root);
	mkdir(sub, 0755);
	assert_int_equal(disk_find_first(sub, dev, sizeof(dev)), -ENODEV);
	assert_int_equal(disk_snapshot(sub, snap, sizeof(snap)), 0);
	assert_string_equal(snap, "");
}

static void test_settle(void **state)
{
	struct disk_settle s;
	(void)state;

	/* disks appearing one after the other: done only after 1500 ms of no change */
	disk_settle_init(&s, 1500, 30000);
	assert_int_equal(disk_settle_step(&s, "sda 10 0\n", 1, 1000), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "sda 10 0\n", 1, 2000), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "sda 10 0\nsdb 20 0\n", 2, 2400), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "sda 10 0\nsdb 20 0\n", 2, 3800), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "sda 10 0\nsdb 20 0\n", 2, 3900), DISK_SETTLE_DONE);

	/* a size read late is a change too */
	disk_settle_init(&s, 1500, 30000);
	assert_int_equal(disk_settle_step(&s, "vda 0 0\n", 0, 0), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "vda 0 0\n", 0, 5000), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "vda 2048 0\n", 1, 5100), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "vda 2048 0\n", 1, 6600), DISK_SETTLE_DONE);

	/* never a candidate: bounded */
	disk_settle_init(&s, 1500, 30000);
	assert_int_equal(disk_settle_step(&s, "", 0, 100), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "", 0, 20000), DISK_SETTLE_WAIT);
	assert_int_equal(disk_settle_step(&s, "", 0, 30100), DISK_SETTLE_TIMEOUT);

	/* never stable: bounded */
	disk_settle_init(&s, 1500, 30000);
	char snap[32];
	enum disk_settle_state st = DISK_SETTLE_WAIT;
	int64_t t;
	for (t = 0; st == DISK_SETTLE_WAIT && t < 60000; t += 1000) {
		snprintf(snap, sizeof(snap), "sda %lld 0\n", (long long)t + 1);
		st = disk_settle_step(&s, snap, 1, t);
	}
	assert_int_equal(st, DISK_SETTLE_TIMEOUT);
	assert_true(t <= 31000);
}

/* The real loop over a tree that does not change: settles. */
static void test_wait_settled(void **state)
{
	(void)state;
	assert_int_equal(disk_wait_settled(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),	 cmocka_unit_test(test_first),
	    cmocka_unit_test(test_first_none),	 cmocka_unit_test(test_settle),
	    cmocka_unit_test(test_wait_settled),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
