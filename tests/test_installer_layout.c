/* test_installer_layout.c - the install plan (server contract): parsing,
 * validation of every field that ends up in a file or a command line, and
 * the partition size arithmetic (1 MiB alignment, fill, gpt tail, msdos
 * limits). Broken plans are rejected with a reason, never clamped. */
#include "plan.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MiB (UINT64_C(1) << 20)

static const char contract_plan[] =
    "{\"host\":\"node01\",\"hostname\":\"node01\",\"image\":\"base\","
    "\"rsync_url\":\"rsync://192.0.2.1:873/base/\","
    "\"excludes\":[\"/home/*\",\"/tmp/*\"],"
    "\"console\":\"ttyS0,115200\","
    "\"txt\":[\"role: compute\"],"
    "\"layout\":{\"name\":\"small\",\"disk\":\"/dev/vda\",\"label\":\"msdos\","
    "\"partitions\":[{\"size_bytes\":67108864,\"fill\":false,\"fs\":\"ext3\",\"mount\":\"/boot\","
    "\"label\":\"\",\"options\":\"defaults\",\"flags\":[\"boot\"]},"
    "{\"size_bytes\":0,\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/\",\"label\":\"\","
    "\"options\":\"defaults\",\"flags\":[]}]}}";

static int parse(const char *json, struct plan *p, char *err, size_t errsz)
{
	return plan_parse(json, strlen(json), p, err, errsz);
}

static void test_contract_plan(void **state)
{
	struct plan p;
	char err[256] = "";
	(void)state;

	assert_int_equal(parse(contract_plan, &p, err, sizeof(err)), 0);
	assert_string_equal(p.host, "node01");
	assert_string_equal(p.hostname, "node01");
	assert_string_equal(p.image, "base");
	assert_string_equal(p.rsync_url, "rsync://192.0.2.1:873/base/");
	assert_string_equal(p.console, "ttyS0,115200");
	assert_int_equal(p.n_excludes, 2);
	assert_string_equal(p.excludes[1], "/tmp/*");
	assert_string_equal(p.layout_name, "small");
	assert_string_equal(p.disk, "/dev/vda");
	assert_int_equal(p.label, PLAN_LABEL_MSDOS);
	assert_int_equal(p.n_parts, 2);
	assert_int_equal(p.parts[0].size_bytes, 64 * MiB);
	assert_false(p.parts[0].fill);
	assert_int_equal(p.parts[0].fs, PLAN_FS_EXT3);
	assert_string_equal(p.parts[0].mount, "/boot");
	assert_int_equal(p.parts[0].flags, PLAN_FLAG_BOOT);
	assert_true(p.parts[1].fill);
	assert_int_equal(p.parts[1].fs, PLAN_FS_EXT4);
	assert_string_equal(p.parts[1].options, "defaults");
	assert_int_equal(plan_part_holding(&p, "/boot"), 0);
	assert_int_equal(plan_part_holding(&p, "/"), 1);
	assert_int_equal(plan_part_holding(&p, "/bootx"), 1);
	plan_free(&p);
}

/* One mutation of a valid plan per line: each must be refused with a reason. */
static const struct {
	const char *json;
	const char *reason; /* a substring of the error */
} broken[] = {
    {"", "not valid JSON"},
    {"[]", "not a JSON object"},
    {"{\"host\":\"n\",\"layout\":{}}", "rsync_url"},
    {"{\"host\":\"n\",\"rsync_url\":\"http://x/\",\"layout\":{}}", "rsync://"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\"}", "layout"},
    {"{\"host\":\"bad host\",\"rsync_url\":\"rsync://x/\"}", "forbidden character"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/ y\"}", "forbidden character"},
    {"{\"host\":\"n\",\"host\":\"m\",\"rsync_url\":\"rsync://x/\"}", "not valid JSON"},
    {"{\"rsync_url\":\"rsync://x/\",\"layout\":{\"disk\":\"/dev/vda\"}}", "hostname"},
#define L(parts)                                                                                   \
	"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"layout\":{\"disk\":\"/dev/vda\"," parts "}}"
#define ROOT "{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/\"}"
    {L("\"partitions\":[]"), "no partitions"},
    {L("\"partitions\":[{\"size_bytes\":0,\"fs\":\"ext4\",\"mount\":\"/\"}]"), "size 0"},
    {L("\"partitions\":[{\"size_bytes\":-5,\"fs\":\"ext4\",\"mount\":\"/\"}]"), "non-negative"},
    {L("\"partitions\":[{\"size_bytes\":\"1G\",\"fs\":\"ext4\",\"mount\":\"/\"}]"), "integer"},
    {L("\"partitions\":[{\"size_bytes\":1e9,\"fs\":\"ext4\",\"mount\":\"/\"}]"), "integer"},
    {L("\"partitions\":[{\"fill\":\"yes\",\"fs\":\"ext4\",\"mount\":\"/\"}]"), "boolean"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"btrfs\",\"mount\":\"/\"}]"), "unsupported fs"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"boot\"}]"), "mount point"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/a/../b\"}]"), "mount point"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/boot/\"}]"), "mount point"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/a b\"}]"), "forbidden"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"\"}]"), "mount point"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"swap\",\"mount\":\"/\"}]"), "swap"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/home\"}]"), "exactly one"},
    {L("\"partitions\":[" ROOT "," ROOT "]"), "used twice"},
    {L("\"partitions\":[" ROOT ",{\"fill\":true,\"fs\":\"swap\"}]"), "fill partitions"},
    {L("\"partitions\":[" ROOT ",{\"size_bytes\":1,\"fs\":\"swap\",\"flags\":[\"fast\"]}]"),
     "unknown flag"},
    {L("\"partitions\":[" ROOT ",{\"size_bytes\":1,\"fs\":\"swap\",\"flags\":\"boot\"}]"),
     "not an array"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/\","
       "\"label\":\"a-label-far-too-long\"}]"),
     "too long"},
    {L("\"label\":\"sun\",\"partitions\":[" ROOT "]"), "unsupported disk label"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"vfat\",\"mount\":\"/\"}]"), "cannot be vfat"},
    {L("\"partitions\":[" ROOT ",{\"size_bytes\":1,\"fs\":\"vfat\",\"mount\":\"/boot/efi\","
       "\"label\":\"TWELVE_CHARS\"}]"),
     "too long for vfat"},
    {L("\"partitions\":[{\"fill\":true,\"fs\":\"xfs\",\"mount\":\"/\","
       "\"label\":\"THIRTEEN_CHRS\"}]"),
     "too long for xfs"},
    {L("\"partitions\":[" ROOT ",{\"size_bytes\":1,\"fs\":\"swap\"},"
       "{\"size_bytes\":1,\"fs\":\"swap\"},{\"size_bytes\":1,\"fs\":\"swap\"},"
       "{\"size_bytes\":1,\"fs\":\"swap\"}]"),
     "at most 4 primary"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"layout\":{\"disk\":\"sda\","
     "\"partitions\":[" ROOT "]}}",
     "neither"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"layout\":{\"disk\":\"/dev/../etc/passwd\","
     "\"partitions\":[" ROOT "]}}",
     "neither"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"excludes\":[\"/a\",7],"
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "exclude 1"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"excludes\":[\"/a\\nb\"],"
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "control character"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"excludes\":[\"/a\\u0000b\"],"
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "not valid JSON"}, /* jansson refuses NUL without JSON_ALLOW_NUL */
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"hook_timeout\":\"60\","
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "\"hook_timeout\" is not an integer"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"hook_timeout\":-1,"
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "out of range"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"hook_timeout\":86401,"
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "out of range"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"bootloader\":\"lilo\","
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "unknown \"bootloader\" \"lilo\""},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"bootloader\":1,"
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "\"bootloader\" is not a string"},
    /* mount points reach rsync as --filter=P patterns: no wildcards */
    {L("\"partitions\":[" ROOT ",{\"size_bytes\":1,\"fs\":\"ext4\",\"mount\":\"/srv/*\"}]"),
     "bad mount point"},
    {L("\"partitions\":[" ROOT ",{\"size_bytes\":1,\"fs\":\"ext4\",\"mount\":\"/srv/d?\"}]"),
     "bad mount point"},
    {L("\"partitions\":[" ROOT ",{\"size_bytes\":1,\"fs\":\"ext4\",\"mount\":\"/srv/[ab]\"}]"),
     "bad mount point"},
    {"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"image_grub\":[\"arm64-efi\"],"
     "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
     "\"image_grub\" 0 is not"},
};

static void test_broken_plans(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		struct plan p;
		char err[256] = "";
		int r = parse(broken[i].json, &p, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, broken[i].reason))
			fail_msg("case %zu: rc %d, error \"%s\", wanted \"%s\"", i, r, err,
				 broken[i].reason);
		plan_free(&p);
	}
}

static void test_defaults_and_swap(void **state)
{
	struct plan p;
	char err[256] = "";
	(void)state;

	assert_int_equal(
	    parse(L("\"label\":\"gpt\",\"partitions\":[" ROOT ",{\"size_bytes\":2147483648,"
		    "\"fs\":\"swap\",\"mount\":\"swap\"}]"),
		  &p, err, sizeof(err)),
	    0);
	assert_string_equal(p.hostname, "n"); /* hostname defaults to host */
	assert_int_equal(p.label, PLAN_LABEL_GPT);
	assert_string_equal(p.parts[0].options, "defaults");
	assert_string_equal(p.parts[1].mount, "");
	assert_string_equal(p.parts[1].options, "sw");
	assert_int_equal(plan_part_holding(&p, "/boot"), 0);
	assert_int_equal(p.hook_timeout_s, 0); /* not in the plan: the installer's default */
	assert_int_equal(p.bootloader, PLAN_BOOTLOADER_AUTO);
	plan_free(&p);

	assert_int_equal(parse("{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"hook_timeout\":90,"
			       "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
			       &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.hook_timeout_s, 90);
	plan_free(&p);

	static const char *const names[] = {"auto", "grub", "extlinux", "none"};
	for (size_t i = 0; i < 4; i++) {
		char json[256];
		snprintf(json, sizeof(json),
			 "{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"bootloader\":\"%s\","
			 "\"layout\":{\"disk\":\"/dev/vda\",\"partitions\":[" ROOT "]}}",
			 names[i]);
		assert_int_equal(parse(json, &p, err, sizeof(err)), 0);
		assert_int_equal(p.bootloader, (enum plan_bootloader)i);
		assert_string_equal(plan_bootloader_name(p.bootloader), names[i]);
		plan_free(&p);
	}
}

/* contract layout on a 512 MiB disk with 512-byte sectors */
static void test_geometry_msdos(void **state)
{
	struct plan p;
	struct plan_geom g[PLAN_MAX_PARTS];
	char err[256] = "";
	(void)state;

	assert_int_equal(parse(contract_plan, &p, err, sizeof(err)), 0);
	assert_int_equal(plan_min_disk_bytes(&p, 512), (1 + 64 + 1) * MiB);
	assert_int_equal(plan_geometry(&p, 512 * MiB / 512, 512, g, err, sizeof(err)), 0);
	assert_int_equal(g[0].start, 2048);
	assert_int_equal(g[0].length, 131072);
	assert_int_equal(g[1].start, 2048 + 131072);
	assert_int_equal(g[1].start + g[1].length, 512 * MiB / 512); /* to the last MiB */
	/* 4 KiB sectors: the same bytes */
	assert_int_equal(plan_geometry(&p, 512 * MiB / 4096, 4096, g, err, sizeof(err)), 0);
	assert_int_equal(g[0].start, 256);
	assert_int_equal(g[0].length, 64 * MiB / 4096);
	/* one sector short of the minimum */
	assert_int_equal(plan_geometry(&p, 66 * MiB / 512 - 1, 512, g, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "needs at least 69206016"));
	assert_int_equal(plan_geometry(&p, 66 * MiB / 512, 512, g, err, sizeof(err)), 0);
	assert_int_equal(g[1].length, 2048);
	plan_free(&p);
}

/* odd sizes round up to whole MiB; fill in the middle; gpt keeps its tail */
static void test_geometry_gpt_fill_middle(void **state)
{
	struct plan p;
	struct plan_geom g[PLAN_MAX_PARTS];
	char err[256] = "";
	uint64_t disk = 1000 * MiB / 512 + 7; /* not a whole MiB */
	(void)state;

	assert_int_equal(
	    parse(L("\"label\":\"gpt\",\"partitions\":["
		    "{\"size_bytes\":1000,\"fs\":\"none\",\"flags\":[\"bios_grub\"]}," ROOT
		    ",{\"size_bytes\":104857601,\"fs\":\"swap\"}]"),
		  &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.parts[0].flags, PLAN_FLAG_BIOS_GRUB);
	assert_int_equal(plan_geometry(&p, disk, 512, g, err, sizeof(err)), 0);
	assert_int_equal(g[0].start, 2048);
	assert_int_equal(g[0].length, 2048);		/* 1000 bytes -> 1 MiB */
	assert_int_equal(g[2].length, 101 * MiB / 512); /* 100 MiB + 1 byte -> 101 MiB */
	assert_int_equal(g[1].start, 4096);
	assert_int_equal(g[2].start, g[1].start + g[1].length);
	/* the last partition ends on a MiB boundary before the backup GPT */
	assert_int_equal((g[2].start + g[2].length) % 2048, 0);
	assert_true(g[2].start + g[2].length <= disk - PLAN_GPT_TAIL_SECTORS);
	assert_int_equal(g[2].start + g[2].length, 999 * MiB / 512);
	plan_free(&p);
}

static void test_fill_minimum_and_msdos_limit(void **state)
{
	struct plan p;
	struct plan_geom g[PLAN_MAX_PARTS];
	char err[256] = "";
	(void)state;

	/* a fill partition with a size: its minimum */
	assert_int_equal(parse(L("\"partitions\":[{\"size_bytes\":104857600,\"fill\":true,"
				 "\"fs\":\"ext4\",\"mount\":\"/\"}]"),
			       &p, err, sizeof(err)),
			 0);
	assert_int_equal(plan_min_disk_bytes(&p, 512), 101 * MiB);
	assert_int_equal(plan_geometry(&p, 100 * MiB / 512, 512, g, err, sizeof(err)), -ENOSPC);
	/* msdos cannot address beyond 2^32 sectors */
	assert_int_equal(plan_geometry(&p, (UINT64_C(3) << 40) / 512, 512, g, err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "use gpt"));
	plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_contract_plan),
	    cmocka_unit_test(test_broken_plans),
	    cmocka_unit_test(test_defaults_and_swap),
	    cmocka_unit_test(test_geometry_msdos),
	    cmocka_unit_test(test_geometry_gpt_fill_middle),
	    cmocka_unit_test(test_fill_minimum_and_msdos_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
