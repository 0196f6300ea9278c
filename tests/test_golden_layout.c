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

#define DEV(name, type, size, fs, label, ptype, mp, pk, kids)                                      \
	"{\"name\":\"" name "\",\"path\":\"/dev/" name "\",\"type\":\"" type "\",\"size\":" size  \
	",\"fstype\":" fs ",\"label\":" label ",\"partlabel\":null,\"parttype\":" ptype            \
	",\"mountpoint\":" mp ",\"pkname\":" pk kids "}"
#define MNT(t, s, fs, o)                                                                           \
	"{\"target\":\"" t "\",\"source\":\"" s "\",\"fstype\":\"" fs "\",\"options\":\"" o "\"}"
#define PSEUDO                                                                                     \
	MNT("/proc", "proc", "proc", "rw,nosuid") "," MNT("/sys", "sysfs", "sysfs", "rw") ","      \
	    MNT("/dev", "udev", "devtmpfs", "rw") "," MNT("/run", "tmpfs", "tmpfs", "rw") ","      \
	    MNT("/media/usb", "/dev/sdz1", "vfat", "rw")

static const char bios_msdos[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"vda", "disk", "4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("vda1", "part", "536870912", "\"ext2\"", "\"boot\"", "\"0x83\"",
			      "\"/boot\"", "\"vda\"", "") "," DEV("vda2", "part", "2683305984",
								  "\"ext4\"", "\"root\"",
								  "\"0x83\"", "\"/\"", "\"vda\"",
								  "") "," DEV("vda3", "part",
									      "1073741824",
									      "\"swap\"", "null",
									      "\"0x82\"",
									      "\"[SWAP]\"",
									      "\"vda\"", "") "]") "]},"
    "\"findmnt\":{\"filesystems\":[" MNT("/", "/dev/vda2", "ext4",
					 "rw,relatime,errors=remount-ro") "," PSEUDO
    "," MNT("/boot", "/dev/vda1", "ext2", "rw,relatime") "]},"
    "\"sfdisk\":[{\"partitiontable\":{\"label\":\"dos\",\"id\":\"0x1234\",\"device\":\"/dev/"
    "vda\",\"unit\":\"sectors\",\"sectorsize\":512,\"partitions\":["
    "{\"node\":\"/dev/vda1\",\"start\":2048,\"size\":1048576,\"type\":\"83\",\"bootable\":true},"
    "{\"node\":\"/dev/vda2\",\"start\":1050624,\"size\":5240832,\"type\":\"83\"},"
    "{\"node\":\"/dev/vda3\",\"start\":6291456,\"size\":2097151,\"type\":\"82\"}]}}]}";

static const char uefi_gpt[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"vda", "disk", "4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("vda1", "part", "536870912", "\"vfat\"", "\"EFI\"",
			      "\"c12a7328-f81f-11d2-ba4b-00a0c93ec93b\"", "\"/boot/efi\"",
			      "\"vda\"", "") "," DEV("vda2", "part", "3756965376", "\"ext4\"",
						     "null",
						     "\"0fc63daf-8483-4772-8e79-3d69d8477de4\"",
						     "\"/\"", "\"vda\"", "") "]") "]},"
    "\"findmnt\":{\"filesystems\":[" MNT("/", "/dev/vda2", "ext4", "rw,noatime") "," PSEUDO
    "," MNT("/boot/efi", "/dev/vda1", "vfat",
	    "rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,"
	    "utf8,errors=remount-ro") "]},"
    "\"sfdisk\":[{\"partitiontable\":{\"label\":\"gpt\",\"device\":\"/dev/vda\",\"unit\":"
    "\"sectors\",\"firstlba\":34,\"lastlba\":8388574,\"sectorsize\":512,\"partitions\":["
    "{\"node\":\"/dev/vda1\",\"start\":2048,\"size\":1048576,\"type\":\"C12A7328-F81F-11D2-"
    "BA4B-00A0C93EC93B\",\"uuid\":\"A\"},"
    "{\"node\":\"/dev/vda2\",\"start\":1050624,\"size\":7337951,\"type\":\"0FC63DAF-8483-"
    "4772-8E79-3D69D8477DE4\",\"uuid\":\"B\"}]}}]}";

static const char gpt_bios_grub[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"sda", "disk", "4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("sda1", "part", "1048576", "null", "null",
			      "\"21686148-6449-6e6f-744e-656564454649\"", "null", "\"sda\"",
			      "") "," DEV("sda2", "part", "4292853760", "\"ext4\"", "null",
					  "\"0fc63daf-8483-4772-8e79-3d69d8477de4\"", "\"/\"",
					  "\"sda\"", "") "]") "]},"
    "\"findmnt\":{\"filesystems\":[" MNT("/", "/dev/sda2", "ext4", "rw,relatime") "]},"
    "\"sfdisk\":[{\"partitiontable\":{\"label\":\"gpt\",\"device\":\"/dev/sda\",\"partitions\":["
    "{\"node\":\"/dev/sda1\",\"start\":2048,\"size\":2048,\"type\":\"21686148-6449-6E6F-744E-"
    "656564454649\",\"attrs\":\"\"},"
    "{\"node\":\"/dev/sda2\",\"start\":4096,\"size\":8384479,\"type\":\"0FC63DAF-8483-4772-"
    "8E79-3D69D8477DE4\",\"attrs\":\"LegacyBIOSBootable\"}]}}]}";

static const char nvme[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"nvme0n1", "disk", "8589934592", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("nvme0n1p1", "part", "268435456", "\"vfat\"", "null",
			      "\"c12a7328-f81f-11d2-ba4b-00a0c93ec93b\"", "\"/boot/efi\"",
			      "\"nvme0n1\"", "") "," DEV("nvme0n1p2", "part", "8320450560",
							 "\"xfs\"", "\"sys\"", "null", "\"/\"",
							 "\"nvme0n1\"", "") "]") "]},"
    "\"findmnt\":{\"filesystems\":[" MNT("/", "/dev/nvme0n1p2", "xfs",
					 "rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota") ","
    MNT("/boot/efi", "/dev/nvme0n1p1", "vfat", "rw,relatime,umask=0077") "]},"
    "\"sfdisk\":[{\"partitiontable\":{\"label\":\"gpt\",\"device\":\"/dev/nvme0n1\","
    "\"sectorsize\":4096,\"partitions\":["
    "{\"node\":\"/dev/nvme0n1p1\",\"start\":256,\"size\":65536,\"type\":\"C12A7328-F81F-11D2-"
    "BA4B-00A0C93EC93B\"},"
    "{\"node\":\"/dev/nvme0n1p2\",\"start\":65792,\"size\":2031360,\"type\":\"0FC63DAF-8483-"
    "4772-8E79-3D69D8477DE4\"}]}}]}";

static const char lvm[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"vda", "disk", "4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("vda1", "part", "536870912", "\"ext2\"", "null", "\"0x83\"",
			      "\"/boot\"", "\"vda\"", "") "," DEV("vda2", "part", "3756965376",
								  "\"LVM2_member\"", "null",
								  "\"0x8e\"", "null", "\"vda\"",
	",\"children\":[{\"name\":\"vg0-root\",\"path\":\"/dev/mapper/vg0-root\",\"type\":\"lvm\","
	"\"size\":3753902080,\"fstype\":\"ext4\",\"mountpoint\":\"/\",\"pkname\":\"vda2\"}]") "]") "]},"
    "\"findmnt\":{\"filesystems\":[" MNT("/", "/dev/mapper/vg0-root", "ext4", "rw") "," MNT(
	"/boot", "/dev/vda1", "ext2", "rw") "]},"
    "\"sfdisk\":[{\"partitiontable\":{\"label\":\"dos\",\"device\":\"/dev/vda\",\"partitions\":["
    "{\"node\":\"/dev/vda1\",\"start\":2048,\"size\":1048576,\"type\":\"83\"},"
    "{\"node\":\"/dev/vda2\",\"start\":1050624,\"size\":7337984,\"type\":\"8e\"}]}}]}";

#define MD_CHILD                                                                                   \
	",\"children\":[{\"name\":\"md0\",\"path\":\"/dev/md0\",\"type\":\"raid1\",\"size\":"     \
	"4290772992,\"fstype\":\"ext4\",\"mountpoint\":\"/\"}]"
static const char md[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"vda", "disk", "4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("vda1", "part", "4293918720", "\"linux_raid_member\"", "null",
			      "\"0xfd\"", "null", "\"vda\"", MD_CHILD) "]") "," DEV("vdb", "disk",
	"4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("vdb1", "part", "4293918720", "\"linux_raid_member\"", "null",
			      "\"0xfd\"", "null", "\"vdb\"", MD_CHILD) "]") "]},"
    "\"findmnt\":{\"filesystems\":[" MNT("/", "/dev/md0", "ext4", "rw") "]},"
    "\"sfdisk\":[]}";

static const char two_disks[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"vda", "disk", "4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV("vda1", "part", "4293918720", "\"ext4\"", "null", "\"0x83\"",
			      "\"/\"", "\"vda\"", "") "]") "," DEV("vdb", "disk", "4294967296",
	"null", "null", "null", "null", "null",
	",\"children\":[" DEV("vdb1", "part", "4293918720", "\"ext4\"", "null", "\"0x83\"",
			      "\"/srv\"", "\"vdb\"", "") "]") "]},"
    "\"findmnt\":{\"filesystems\":[" MNT("/", "/dev/vda1", "ext4", "rw") "," MNT(
	"/srv", "/dev/vdb1", "ext4", "rw") "]},"
    "\"sfdisk\":[]}";

/* A chroot or container: no /sys for lsblk, / an overlay. */
static const char chroot_facts[] =
    "{\"lsblk\":null,\"findmnt\":{\"filesystems\":[" MNT("/", "overlay", "overlay",
							 "rw") "," MNT("/proc", "proc", "proc",
								       "rw") "]},\"sfdisk\":[]}";

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
	refused("{\"lsblk\":{\"blockdevices\":[", -EINVAL, (const char *const[]){"malformed", NULL});
	refused("[1,2]", -EINVAL, (const char *const[]){"malformed", NULL});
	refused("{\"lsblk\":{\"blockdevices\":[{\"name\":\"vda\"}]},\"findmnt\":{\"filesystems\":[]}}",
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
	refused(nosf, -ENOTSUP, (const char *const[]){"no sfdisk partition table", NULL});
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
	assert_int_equal(golden_sources_parse(chroot_facts, strlen(chroot_facts), &s, why,
					      sizeof(why)),
			 0);
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
		assert_int_equal(image_conf_load(path, "gold", "/nonexistent", &cfg, &ic, NULL, NULL),
				 0);
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
	    cmocka_unit_test(test_bios_msdos),	cmocka_unit_test(test_uefi_gpt),
	    cmocka_unit_test(test_gpt_bios_grub), cmocka_unit_test(test_nvme),
	    cmocka_unit_test(test_refused),	cmocka_unit_test(test_sources),
	    cmocka_unit_test(test_conf_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
