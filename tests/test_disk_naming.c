/* test_disk_naming.c - partition device names. SystemImager generated no
 * partitioning at all for /dev/vda; the "p" rule (disk names ending in a
 * digit) is where nvme, mmcblk, cciss and loop go wrong. */
#include "disk_naming.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const struct {
	const char *disk;
	unsigned part;
	const char *want;
} names[] = {
    /* the SystemImager /dev/vda trap: virtio disks are vdX, partitions vdX1 */
    {"/dev/vda", 1, "/dev/vda1"},
    {"/dev/vda", 3, "/dev/vda3"},
    {"vda", 2, "vda2"},
    {"/dev/vdb", 1, "/dev/vdb1"},
    {"/dev/sda", 1, "/dev/sda1"},
    {"/dev/sdaa", 15, "/dev/sdaa15"},
    {"/dev/xvda", 1, "/dev/xvda1"},
    {"/dev/hda", 2, "/dev/hda2"},
    /* a digit at the end of the disk name: "p" before the number */
    {"/dev/nvme0n1", 1, "/dev/nvme0n1p1"},
    {"/dev/nvme10n12", 3, "/dev/nvme10n12p3"},
    {"/dev/mmcblk0", 1, "/dev/mmcblk0p1"},
    {"/dev/cciss/c0d0", 1, "/dev/cciss/c0d0p1"},
    {"/dev/cciss/c0d0", 12, "/dev/cciss/c0d0p12"},
    {"/dev/loop0", 1, "/dev/loop0p1"},
    {"/dev/loop12", 2, "/dev/loop12p2"},
    {"/dev/md0", 1, "/dev/md0p1"},
    {"/dev/nbd3", 4, "/dev/nbd3p4"},
};

static void test_part_names(void **state)
{
	char out[64];
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(disk_part_name(names[i].disk, names[i].part, out, sizeof(out)), 0);
		assert_string_equal(out, names[i].want);
	}
}

static void test_vda_is_not_vdap1(void **state)
{
	char out[32];
	(void)state;
	/* the trap both ways: vda never gets "p", nvme0n1 never goes without */
	assert_int_equal(disk_part_name("/dev/vda", 1, out, sizeof(out)), 0);
	assert_string_not_equal(out, "/dev/vdap1");
	assert_int_equal(disk_part_name("/dev/nvme0n1", 1, out, sizeof(out)), 0);
	assert_string_not_equal(out, "/dev/nvme0n11");
}

static void test_part_name_errors(void **state)
{
	char out[16];
	(void)state;
	assert_int_equal(disk_part_name("/dev/vda", 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_part_name("", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_part_name(NULL, 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_part_name("/dev/", 1, out, sizeof(out)), -EINVAL);
	/* "/dev/vda1" + NUL is 10 bytes: fits in 10, not in 9 */
	assert_int_equal(disk_part_name("/dev/vda", 1, out, 10), 0);
	assert_int_equal(disk_part_name("/dev/vda", 1, out, 9), -ENAMETOOLONG);
	/* "/dev/nvme0n1p10" is 15 characters */
	assert_int_equal(disk_part_name("/dev/nvme0n1", 10, out, 16), 0);
	assert_int_equal(disk_part_name("/dev/nvme0n1", 10, out, 15), -ENAMETOOLONG);
}

static void test_sysfs_names(void **state)
{
	char out[32];
	(void)state;
	assert_int_equal(disk_sysfs_name("/dev/vda", out, sizeof(out)), 0);
	assert_string_equal(out, "vda");
	assert_int_equal(disk_sysfs_name("/dev/cciss/c0d0", out, sizeof(out)), 0);
	assert_string_equal(out, "cciss!c0d0");
	assert_int_equal(disk_sysfs_name("/dev/cciss/c0d0p1", out, sizeof(out)), 0);
	assert_string_equal(out, "cciss!c0d0p1");
	assert_int_equal(disk_sysfs_name("/dev/nvme0n1p2", out, sizeof(out)), 0);
	assert_string_equal(out, "nvme0n1p2");
	assert_int_equal(disk_sysfs_name("vda", out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_sysfs_name("/dev/", out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_sysfs_name("/dev/../etc", out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_sysfs_name("/dev/vda", out, 3), -ENAMETOOLONG);
}

/* And back (update mode's private /dev): every name above round-trips. */
static void test_dev_paths(void **state)
{
	static const char *const devs[] = {"/dev/vda", "/dev/cciss/c0d0p1", "/dev/nvme0n1p2"};
	char sys[32], out[32];
	(void)state;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		assert_int_equal(disk_sysfs_name(devs[i], sys, sizeof(sys)), 0);
		assert_int_equal(disk_dev_path(sys, out, sizeof(out)), 0);
		assert_string_equal(out, devs[i]);
	}
	assert_int_equal(disk_dev_path("a/b", out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_dev_path("..", out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_dev_path("", out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_dev_path("!x", out, sizeof(out)), -EINVAL);
	assert_int_equal(disk_dev_path("vda", out, 8), -ENAMETOOLONG); /* "/dev/vda" + NUL: 9 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_part_names),
	    cmocka_unit_test(test_vda_is_not_vdap1),
	    cmocka_unit_test(test_part_name_errors),
	    cmocka_unit_test(test_sysfs_names),
	    cmocka_unit_test(test_dev_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
