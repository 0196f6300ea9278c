/* golden_facts.h - a golden client's facts (lsblk/findmnt/sfdisk JSON, the
 * shape util-linux 2.38 of Debian 12 prints) for test_golden_layout.c and
 * the seeds of fuzz/corpus/layout_capture/. */
#ifndef BOOTSRV_TEST_GOLDEN_FACTS_H
#define BOOTSRV_TEST_GOLDEN_FACTS_H

#define DEV(name, type, size, fs, label, ptype, mp, pk, kids)                                      \
	"{\"name\":\"" name "\",\"path\":\"/dev/" name "\",\"type\":\"" type "\",\"size\":" size   \
	",\"fstype\":" fs ",\"label\":" label ",\"partlabel\":null,\"parttype\":" ptype            \
	",\"mountpoint\":" mp ",\"pkname\":" pk kids "}"
#define MNT(t, s, fs, o)                                                                           \
	"{\"target\":\"" t "\",\"source\":\"" s "\",\"fstype\":\"" fs "\",\"options\":\"" o "\"}"
#define PSEUDO                                                                                     \
	MNT("/proc", "proc", "proc", "rw,nosuid")                                                  \
	"," MNT("/sys", "sysfs", "sysfs", "rw") "," MNT("/dev", "udev", "devtmpfs", "rw") "," MNT( \
	    "/run", "tmpfs", "tmpfs", "rw") "," MNT("/media/usb", "/dev/sdz1", "vfat", "rw")

static const char bios_msdos[] =
    "{\"lsblk\":{\"blockdevices\":[" DEV(
	"vda", "disk", "4294967296", "null", "null", "null", "null", "null",
	",\"children\":[" DEV(
	    "vda1", "part", "536870912", "\"ext2\"", "\"boot\"", "\"0x83\"", "\"/boot\"", "\"vda\"",
	    "") "," DEV("vda2", "part", "2683305984", "\"ext4\"", "\"root\"", "\"0x83\"",
			"\"/\"", "\"vda\"", "") "," DEV("vda3", "part", "1073741824", "\"swap\"",
							"null", "\"0x82\"", "\"[SWAP]\"", "\"vda\"",
							"") "]") "]},"
								 "\"findmnt\":{\"filesystems\":"
								 "[" MNT(
								     "/", "/dev/vda2", "ext4",
								     "rw,relatime,errors=remount-"
								     "ro") "," PSEUDO
									   "," MNT(
									       "/boot", "/dev/vda1",
									       "ext2",
									       "rw,relatime") "]},"
											      "\"sf"
											      "disk"
											      "\":["
											      "{\"p"
											      "arti"
											      "tion"
											      "tabl"
											      "e\":"
											      "{\"l"
											      "abel"
											      "\":"
											      "\"do"
											      "s\","
											      "\"id"
											      "\":"
											      "\"0x"
											      "1234"
											      "\","
											      "\"de"
											      "vice"
											      "\":"
											      "\"/"
											      "dev/"
											      "vda"
											      "\","
											      "\"un"
											      "it\""
											      ":\"s"
											      "ecto"
											      "rs\""
											      ",\"s"
											      "ecto"
											      "rsiz"
											      "e\":"
											      "512,"
											      "\"pa"
											      "rtit"
											      "ions"
											      "\":["
											      "{\"n"
											      "ode"
											      "\":"
											      "\"/"
											      "dev/"
											      "vda1"
											      "\","
											      "\"st"
											      "art"
											      "\":"
											      "2048"
											      ",\"s"
											      "ize"
											      "\":"
											      "1048"
											      "576,"
											      "\"ty"
											      "pe\""
											      ":\"8"
											      "3\","
											      "\"bo"
											      "otab"
											      "le\""
											      ":tru"
											      "e},"
											      "{\"n"
											      "ode"
											      "\":"
											      "\"/"
											      "dev/"
											      "vda2"
											      "\","
											      "\"st"
											      "art"
											      "\":"
											      "1050"
											      "624,"
											      "\"si"
											      "ze\""
											      ":524"
											      "0832"
											      ",\"t"
											      "ype"
											      "\":"
											      "\"83"
											      "\"},"
											      "{\"n"
											      "ode"
											      "\":"
											      "\"/"
											      "dev/"
											      "vda3"
											      "\","
											      "\"st"
											      "art"
											      "\":"
											      "6291"
											      "456,"
											      "\"si"
											      "ze\""
											      ":209"
											      "7151"
											      ",\"t"
											      "ype"
											      "\":"
											      "\"82"
											      "\"}]"
											      "}}]"
											      "}";

static const char uefi_gpt[] = "{\"lsblk\":{\"blockdevices\":[" DEV(
    "vda", "disk", "4294967296", "null", "null", "null", "null", "null",
    ",\"children\":[" DEV(
	"vda1", "part", "536870912", "\"vfat\"", "\"EFI\"",
	"\"c12a7328-f81f-11d2-ba4b-00a0c93ec93b\"", "\"/boot/efi\"", "\"vda\"",
	"") "," DEV("vda2", "part", "3756965376", "\"ext4\"", "null",
		    "\"0fc63daf-8483-4772-8e79-3d69d8477de4\"", "\"/\"", "\"vda\"",
		    "") "]") "]},"
			     "\"findmnt\":{\"filesystems\":[" MNT(
				 "/", "/dev/vda2", "ext4",
				 "rw,noatime") "," PSEUDO
					       "," MNT(
						   "/boot/efi", "/dev/vda1", "vfat",
						   "rw,relatime,fmask=0077,dmask=0077,codepage=437,"
						   "iocharset=ascii,shortname=mixed,"
						   "utf8,errors=remount-ro") "]},"
									     "\"sfdisk\":[{"
									     "\"partitiontable\":{"
									     "\"label\":\"gpt\","
									     "\"device\":\"/dev/"
									     "vda\",\"unit\":"
									     "\"sectors\","
									     "\"firstlba\":34,"
									     "\"lastlba\":8388574,"
									     "\"sectorsize\":512,"
									     "\"partitions\":["
									     "{\"node\":\"/dev/"
									     "vda1\",\"start\":"
									     "2048,\"size\":"
									     "1048576,\"type\":"
									     "\"C12A7328-F81F-11D2-"
									     "BA4B-00A0C93EC93B\","
									     "\"uuid\":\"A\"},"
									     "{\"node\":\"/dev/"
									     "vda2\",\"start\":"
									     "1050624,\"size\":"
									     "7337951,\"type\":"
									     "\"0FC63DAF-8483-"
									     "4772-8E79-"
									     "3D69D8477DE4\","
									     "\"uuid\":\"B\"}]}}]}";

static const char gpt_bios_grub[] = "{\"lsblk\":{\"blockdevices\":[" DEV(
    "sda", "disk", "4294967296", "null", "null", "null", "null", "null",
    ",\"children\":[" DEV(
	"sda1", "part", "1048576", "null", "null", "\"21686148-6449-6e6f-744e-656564454649\"",
	"null", "\"sda\"",
	"") "," DEV("sda2", "part", "4292853760", "\"ext4\"", "null",
		    "\"0fc63daf-8483-4772-8e79-3d69d8477de4\"", "\"/\"", "\"sda\"",
		    "") "]") "]},"
			     "\"findmnt\":{\"filesystems\":[" MNT(
				 "/", "/dev/sda2", "ext4",
				 "rw,relatime") "]},"
						"\"sfdisk\":[{\"partitiontable\":{\"label\":"
						"\"gpt\",\"device\":\"/dev/sda\",\"partitions\":["
						"{\"node\":\"/dev/"
						"sda1\",\"start\":2048,\"size\":2048,\"type\":"
						"\"21686148-6449-6E6F-744E-"
						"656564454649\",\"attrs\":\"\"},"
						"{\"node\":\"/dev/"
						"sda2\",\"start\":4096,\"size\":8384479,\"type\":"
						"\"0FC63DAF-8483-4772-"
						"8E79-3D69D8477DE4\",\"attrs\":"
						"\"LegacyBIOSBootable\"}]}}]}";

static const char
    nvme
	[] =
	    "{\"lsblk\":{\"blockdevices\":[" DEV(
		"nvme0n1", "disk", "8589934592", "null", "null", "null", "null", "null",
		",\"children\":[" DEV(
		    "nvme0n1p1", "part", "268435456", "\"vfat\"", "null",
		    "\"c12a7328-f81f-11d2-ba4b-00a0c93ec93b\"", "\"/boot/efi\"", "\"nvme0n1\"",
		    "") "," DEV("nvme0n1p2", "part", "8320450560", "\"xfs\"", "\"sys\"", "null",
				"\"/\"", "\"nvme0n1\"",
				"") "]") "]},"
					 "\"findmnt\":{\"filesystems\":[" MNT(
					     "/", "/dev/nvme0n1p2", "xfs",
					     "rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,"
					     "noquota") "," MNT("/boot/efi", "/dev/nvme0n1p1",
								"vfat",
								"rw,relatime,umask=0077") "]},"
											  "\"sfdisk"
											  "\":[{"
											  "\"partit"
											  "iontable"
											  "\":{"
											  "\"label"
											  "\":"
											  "\"gpt\","
											  "\"device"
											  "\":\"/"
											  "dev/"
											  "nvme0n1"
											  "\","
											  "\"sector"
											  "size\":"
											  "4096,"
											  "\"partit"
											  "ions\":["
											  "{\"node"
											  "\":\"/"
											  "dev/"
											  "nvme0n1p"
											  "1\","
											  "\"start"
											  "\":256,"
											  "\"size\""
											  ":65536,"
											  "\"type\""
											  ":\"C12A7"
											  "328-"
											  "F81F-"
											  "11D2-"
											  "BA4B-"
											  "00A0C93E"
											  "C93B\"},"
											  "{\"node"
											  "\":\"/"
											  "dev/"
											  "nvme0n1p"
											  "2\","
											  "\"start"
											  "\":"
											  "65792,"
											  "\"size\""
											  ":2031360"
											  ",\"type"
											  "\":"
											  "\"0FC63D"
											  "AF-8483-"
											  "4772-"
											  "8E79-"
											  "3D69D847"
											  "7DE4\"}]"
											  "}}]}";

static const char lvm[] = "{\"lsblk\":{\"blockdevices\":[" DEV(
    "vda", "disk", "4294967296", "null", "null", "null", "null", "null",
    ",\"children\":[" DEV(
	"vda1", "part", "536870912", "\"ext2\"", "null", "\"0x83\"", "\"/boot\"", "\"vda\"",
	"") "," DEV("vda2", "part", "3756965376", "\"LVM2_member\"", "null", "\"0x8e\"", "null",
		    "\"vda\"",
		    ",\"children\":[{\"name\":\"vg0-root\",\"path\":\"/dev/mapper/"
		    "vg0-root\",\"type\":\"lvm\","
		    "\"size\":3753902080,\"fstype\":\"ext4\",\"mountpoint\":\"/"
		    "\",\"pkname\":\"vda2\"}]") "]") "]},"
						     "\"findmnt\":{\"filesystems\":[" MNT(
							 "/", "/dev/mapper/vg0-root", "ext4",
							 "rw") "," MNT("/boot", "/dev/vda1", "ext2",
								       "rw") "]},"
									     "\"sfdisk\":[{"
									     "\"partitiontable\":{"
									     "\"label\":\"dos\","
									     "\"device\":\"/dev/"
									     "vda\",\"partitions\":"
									     "["
									     "{\"node\":\"/dev/"
									     "vda1\",\"start\":"
									     "2048,\"size\":"
									     "1048576,\"type\":"
									     "\"83\"},"
									     "{\"node\":\"/dev/"
									     "vda2\",\"start\":"
									     "1050624,\"size\":"
									     "7337984,\"type\":"
									     "\"8e\"}]}}]}";

#define MD_CHILD                                                                                   \
	",\"children\":[{\"name\":\"md0\",\"path\":\"/dev/md0\",\"type\":\"raid1\",\"size\":"      \
	"4290772992,\"fstype\":\"ext4\",\"mountpoint\":\"/\"}]"
static const char md[] = "{\"lsblk\":{\"blockdevices\":[" DEV(
    "vda", "disk", "4294967296", "null", "null", "null", "null", "null",
    ",\"children\":[" DEV(
	"vda1", "part", "4293918720", "\"linux_raid_member\"", "null", "\"0xfd\"", "null",
	"\"vda\"", MD_CHILD) "]") "," DEV("vdb", "disk", "4294967296", "null", "null", "null",
					  "null", "null",
					  ",\"children\":[" DEV(
					      "vdb1", "part", "4293918720", "\"linux_raid_member\"",
					      "null", "\"0xfd\"", "null", "\"vdb\"",
					      MD_CHILD) "]") "]},"
							     "\"findmnt\":{\"filesystems\":[" MNT(
								 "/", "/dev/md0", "ext4",
								 "rw") "]},"
								       "\"sfdisk\":[]}";

static const char two_disks[] = "{\"lsblk\":{\"blockdevices\":[" DEV(
    "vda", "disk", "4294967296", "null", "null", "null", "null", "null",
    ",\"children\":[" DEV(
	"vda1", "part", "4293918720", "\"ext4\"", "null", "\"0x83\"", "\"/\"", "\"vda\"",
	"") "]") "," DEV("vdb", "disk", "4294967296", "null", "null", "null", "null", "null",
			 ",\"children\":[" DEV("vdb1", "part", "4293918720", "\"ext4\"", "null",
					       "\"0x83\"", "\"/srv\"", "\"vdb\"",
					       "") "]") "]},"
							"\"findmnt\":{\"filesystems\":[" MNT(
							    "/", "/dev/vda1", "ext4",
							    "rw") "," MNT("/srv", "/dev/vdb1",
									  "ext4",
									  "rw") "]},"
										"\"sfdisk\":[]}";

/* A chroot or container: no /sys for lsblk, / an overlay. */
static const char chroot_facts[] = "{\"lsblk\":null,\"findmnt\":{\"filesystems\":[" MNT(
    "/", "overlay", "overlay", "rw") "," MNT("/proc", "proc", "proc", "rw") "]},\"sfdisk\":[]}";

#endif
