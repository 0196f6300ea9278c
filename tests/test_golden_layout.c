/* test_golden_layout.c - a golden client's lsblk/findmnt/sfdisk JSON into
 * a bootsrv layout: BIOS msdos, UEFI gpt with an ESP, gpt with bios_grub,
 * nvme names; LVM, md RAID, two disks, a chroot and malformed JSON refused
 * with the reason; the layout written back loads as an image conf. The
 * fixtures are the shape util-linux 2.38 (Debian 12) prints. */
#include "cli/golden_layout.h"
#include "common/image_conf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

#include "golden_facts.h"

static int parse(const char *doc, struct cfg_layout *l, char *disk, char *why)
{
	return golden_layout_parse(doc, strlen(doc), "gold", l, disk, 64, why, 512);
}

static void test_bios_msdos(void **state)
{
	struct cfg_layout l;
	char disk[64], why[512], sz[16];

	(void)state;
	assert_int_equal(parse(bios_msdos, &l, disk, why), 0);
	assert_string_equal(disk, "/dev/vda");
	assert_string_equal(l.disk, "first");
	assert_string_equal(l.label, "msdos");
	assert_string_equal(l.name, "gold");
	assert_int_equal(l.nparts, 3);
	assert_string_equal(l.parts[0].fs, "ext2");
	assert_string_equal(l.parts[0].mount, "/boot");
	assert_string_equal(l.parts[0].label, "boot");
	assert_string_equal(l.parts[0].options, "defaults"); /* rw,relatime: defaults */
	assert_true(l.parts[0].flag_boot);
	assert_false(l.parts[0].fill);
	assert_int_equal(l.parts[0].size, 512 * MiB);
	golden_size_text(&l.parts[0], sz, sizeof(sz));
	assert_string_equal(sz, "512M");
	assert_true(l.parts[1].fill); /* the partition holding / */
	assert_string_equal(l.parts[1].mount, "/");
	assert_string_equal(l.parts[1].options, "errors=remount-ro");
	assert_false(l.parts[1].flag_boot);
	assert_string_equal(l.parts[2].fs, "swap");
	assert_string_equal(l.parts[2].mount, "");
	/* 2097151 sectors: one short of 1 GiB, rounded up to whole MiB */
	assert_int_equal(l.parts[2].size, GiB);
	golden_size_text(&l.parts[2], sz, sizeof(sz));
	assert_string_equal(sz, "1G");
	free(l.parts);
}

/* A minimal Debian has no sfdisk (package fdisk): the table from lsblk's
 * PTTYPE, START, PARTTYPE and PARTFLAGS. Listed out of disk order on
 * purpose; vda1 active (0x80). And gpt: an ESP, attribute bit 2 on root. */
static const char lsblk_only_dos[] =
    "{\"lsblk\":{\"blockdevices\":[{\"name\":\"vda\",\"path\":\"/dev/vda\",\"type\":\"disk\","
    "\"size\":4294967296,\"fstype\":null,\"label\":null,\"pttype\":\"dos\",\"start\":null,"
    "\"partflags\":null,\"children\":["
    "{\"name\":\"vda2\",\"path\":\"/dev/vda2\",\"type\":\"part\",\"size\":268435456,"
    "\"fstype\":\"swap\",\"label\":null,\"parttype\":\"0x82\",\"pttype\":\"dos\","
    "\"start\":8118272,\"partflags\":null,\"mountpoint\":\"[SWAP]\"},"
    "{\"name\":\"vda1\",\"path\":\"/dev/vda1\",\"type\":\"part\",\"size\":4155506688,"
    "\"fstype\":\"ext4\",\"label\":null,\"parttype\":\"0x83\",\"pttype\":\"dos\","
    "\"start\":2048,\"partflags\":\"0x80\",\"mountpoint\":\"/\"}]}]},"
    "\"findmnt\":{\"filesystems\":[{\"target\":\"/\",\"source\":\"/dev/vda1\","
    "\"fstype\":\"ext4\",\"options\":\"rw,relatime,errors=remount-ro\"}]},"
    "\"sfdisk\":[null]}";
static const char lsblk_only_gpt[] =
    "{\"lsblk\":{\"blockdevices\":[{\"name\":\"vda\",\"path\":\"/dev/vda\",\"type\":\"disk\","
    "\"size\":4294967296,\"pttype\":\"gpt\",\"start\":null,\"children\":["
    "{\"name\":\"vda1\",\"path\":\"/dev/vda1\",\"type\":\"part\",\"size\":67108864,"
    "\"fstype\":\"vfat\",\"label\":null,"
    "\"parttype\":\"c12a7328-f81f-11d2-ba4b-00a0c93ec93b\",\"start\":2048,"
    "\"partflags\":null},"
    "{\"name\":\"vda2\",\"path\":\"/dev/vda2\",\"type\":\"part\",\"size\":4225761280,"
    "\"fstype\":\"ext4\",\"label\":\"root\","
    "\"parttype\":\"0fc63daf-8483-4772-8e79-3d69d8477de4\",\"start\":133120,"
    "\"partflags\":\"0x4\"}]}]},"
    "\"findmnt\":{\"filesystems\":[{\"target\":\"/\",\"source\":\"/dev/vda2\","
    "\"fstype\":\"ext4\",\"options\":\"rw\"},{\"target\":\"/boot/efi\","
    "\"source\":\"/dev/vda1\",\"fstype\":\"vfat\",\"options\":\"rw,fmask=0022\"}]},"
    "\"sfdisk\":[]}";

static void test_lsblk_only(void **state)
{
	struct cfg_layout l;
	char disk[64], why[512];

	(void)state;
	assert_int_equal(parse(lsblk_only_dos, &l, disk, why), 0);
	assert_string_equal(l.label, "msdos");
	assert_int_equal(l.nparts, 2);
	assert_string_equal(l.parts[0].mount, "/"); /* by START, not lsblk's order */
	assert_true(l.parts[0].fill);
	assert_true(l.parts[0].flag_boot);
	assert_string_equal(l.parts[1].fs, "swap");
	assert_int_equal(l.parts[1].size, 256 * MiB);
	assert_false(l.parts[1].flag_boot);
	free(l.parts);

	assert_int_equal(parse(lsblk_only_gpt, &l, disk, why), 0);
	assert_string_equal(l.label, "gpt");
	assert_int_equal(l.nparts, 2);
	assert_true(l.parts[0].flag_esp);
	assert_string_equal(l.parts[0].mount, "/boot/efi");
	assert_int_equal(l.parts[0].size, 64 * MiB);
	assert_true(l.parts[1].fill);
	assert_true(l.parts[1].flag_boot); /* attribute bit 2 */
	assert_false(l.parts[1].flag_esp);
	free(l.parts);
}

static void test_uefi_gpt(void **state)
{
	struct cfg_layout l;
	char disk[64], why[512];

	(void)state;
	assert_int_equal(parse(uefi_gpt, &l, disk, why), 0);
	assert_string_equal(l.label, "gpt");
	assert_int_equal(l.nparts, 2);
	assert_true(l.parts[0].flag_esp);
	assert_false(l.parts[0].flag_boot);
	assert_string_equal(l.parts[0].fs, "vfat");
	assert_string_equal(l.parts[0].label, "EFI");
	assert_string_equal(l.parts[0].mount, "/boot/efi");
	assert_string_equal(l.parts[0].options, "fmask=0077,dmask=0077,utf8,errors=remount-ro");
	assert_true(l.parts[1].fill);
	assert_string_equal(l.parts[1].options, "noatime");
	free(l.parts);
}

static void test_gpt_bios_grub(void **state)
{
	struct cfg_layout l;
	char disk[64], why[512];

	(void)state;
	assert_int_equal(parse(gpt_bios_grub, &l, disk, why), 0);
	assert_string_equal(disk, "/dev/sda");
	assert_true(l.parts[0].flag_bios_grub);
	assert_string_equal(l.parts[0].fs, "");
	assert_int_equal(l.parts[0].size, MiB);
	assert_true(l.parts[1].flag_boot); /* LegacyBIOSBootable */
	assert_true(l.parts[1].fill);
	free(l.parts);
}

static void test_nvme(void **state)
{
	struct cfg_layout l;
	char disk[64], why[512];

	(void)state;
	assert_int_equal(parse(nvme, &l, disk, why), 0);
	assert_string_equal(disk, "/dev/nvme0n1");
	assert_int_equal(l.parts[0].size, 256 * MiB); /* 65536 sectors of 4096 */
	assert_true(l.parts[0].flag_esp);
	assert_string_equal(l.parts[0].options, "umask=0077");
	assert_string_equal(l.parts[1].fs, "xfs");
	assert_string_equal(l.parts[1].label, "sys");
	assert_string_equal(l.parts[1].options, "defaults");
	free(l.parts);
}

static void refused(const char *doc, int err, const char *const *words)
{
	struct cfg_layout l;
	char disk[64], why[512];

	assert_int_equal(parse(doc, &l, disk, why), err);
	assert_null(l.parts);
	for (; *words; words++)
		if (!strstr(why, *words))
			fail_msg("\"%s\" not in \"%s\"", *words, why);
}

static void test_refused(void **state)
{
	(void)state;
	refused(lvm, -ENOTSUP, (const char *const[]){"/ is on LVM", "vg0-root", NULL});
	refused(md, -ENOTSUP, (const char *const[]){"md RAID", "md0", NULL});
	refused(two_disks, -ENOTSUP,
		(const char *const[]){"several disks", "/dev/vdb", "/srv", NULL});
	refused(chroot_facts, -ENOTSUP, (const char *const[]){"lsblk", NULL});
	refused("{\"lsblk\":{\"blockdevices\":[", -EINVAL,
		(const char *const[]){"malformed", NULL});
	refused("[1,2]", -EINVAL, (const char *const[]){"malformed", NULL});
	refused(
	    "{\"lsblk\":{\"blockdevices\":[{\"name\":\"vda\"}]},\"findmnt\":{\"filesystems\":[]}}",
	    -EINVAL, (const char *const[]){"lsblk", NULL});
	/* a filesystem the installer does not make */
	char *btrfs = strdup(bios_msdos), *p;
	while ((p = strstr(btrfs, "ext2")))
		memcpy(p, "btrf", 4);
	refused(btrfs, -ENOTSUP, (const char *const[]){"/dev/vda1 is btrf", NULL});
	free(btrfs);
	/* / on a partition, but no partition table for its disk */
	char *nosf = strdup(bios_msdos);
	p = strstr(nosf, "\"device\":\"/dev/vda\"");
	memcpy(p + 16, "x", 1);
	refused(nosf, -ENOTSUP, (const char *const[]){"no partition table for /dev/vda", NULL});
	free(nosf);
}

static void test_sources(void **state)
{
	struct golden_sources s;
	char why[256];

	(void)state;
	assert_int_equal(golden_sources_parse(uefi_gpt, strlen(uefi_gpt), &s, why, sizeof(why)), 0);
	assert_int_equal(s.n, 2); /* /proc, /sys, /dev, /run, /media/usb: not pulled */
	assert_string_equal(s.path[0], "/");
	assert_string_equal(s.path[1], "/boot/efi");
	assert_int_equal(
	    golden_sources_parse(chroot_facts, strlen(chroot_facts), &s, why, sizeof(why)), 0);
	assert_int_equal(s.n, 1); /* / whatever it is */
	assert_int_equal(golden_sources_parse("nope", 4, &s, why, sizeof(why)), -EINVAL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.path[0], "/");
}

/* What capture writes into NAME.conf loads as the daemon loads it. */
static void test_conf_loads(void **state)
{
	const char *fixtures[] = {bios_msdos, uefi_gpt, gpt_bios_grub, nvme};
	char path[] = "/tmp/test_golden_layout_XXXXXX";
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.path, sizeof(cfg.path), "bootsrv.conf");
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct cfg_layout l;
		struct image_conf ic;
		char disk[64], why[512];
		config_t c;
		int fd = mkstemp(path);
		FILE *f;

		assert_true(fd >= 0);
		assert_int_equal(parse(fixtures[i], &l, disk, why), 0);
		config_init(&c);
		assert_int_equal(golden_layout_setting(&l, config_root_setting(&c), "layout"), 0);
		assert_non_null(f = fdopen(fd, "w"));
		config_write(&c, f);
		fclose(f);
		config_destroy(&c);
		assert_int_equal(
		    image_conf_load(path, "gold", "/nonexistent", &cfg, &ic, NULL, NULL), 0);
		assert_non_null(ic.own_layout);
		assert_int_equal(ic.own_layout->nparts, l.nparts);
		for (size_t k = 0; k < l.nparts; k++) {
			assert_int_equal(ic.own_layout->parts[k].size, l.parts[k].size);
			assert_int_equal(ic.own_layout->parts[k].fill, l.parts[k].fill);
			assert_string_equal(ic.own_layout->parts[k].options, l.parts[k].options);
			assert_int_equal(ic.own_layout->parts[k].flag_esp, l.parts[k].flag_esp);
		}
		image_conf_free(&ic);
		free(l.parts);
		unlink(path);
		strcpy(path, "/tmp/test_golden_layout_XXXXXX");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bios_msdos),	  cmocka_unit_test(test_uefi_gpt),
	    cmocka_unit_test(test_gpt_bios_grub), cmocka_unit_test(test_nvme),
	    cmocka_unit_test(test_refused),	  cmocka_unit_test(test_sources),
	    cmocka_unit_test(test_conf_loads), cmocka_unit_test(test_lsblk_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
