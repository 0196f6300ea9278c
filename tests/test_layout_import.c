/* test_layout_import.c - SystemImager autoinstallscript.conf -> bootsrv
 * layout: the example from the background notes converted byte for byte,
 * the result accepted by config_load(), partition naming both ways, and
 * broken or inexpressible files each rejected with a reason and a line. */
#include "common/config.h"
#include "disk_naming.h"
#include "cli/layout_import.h"
#include "xml_lite.h"

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

/* The <config> of the background notes, verbatim. */
static const char si_example[] =
    "<config>\n"
    "<disk dev=\"/dev/vda\" label_type=\"msdos\" unit_of_measurement=\"MB\">\n"
    "<!--\n"
    "This disk's output was brought to you by the partition tool \"parted\",\n"
    "and by the numbers 4 and 5 and the letter Q.\n"
    "-->\n"
    "<part num=\"1\" size=\"101\" p_type=\"primary\" p_name=\"-\" flags=\"boot\" />\n"
    "<part num=\"2\" size=\"10676\" p_type=\"primary\" p_name=\"-\" flags=\"-\" />\n"
    "<part num=\"3\" size=\"2097\" p_type=\"primary\" p_name=\"-\" flags=\"-\" />\n"
    "</disk>\n"
    "\n"
    "\n"
    "<fsinfo line=\"10\" real_dev=\"/dev/vda2\" mount_dev=\"LABEL=/\" mp=\"/\" fs=\"ext3\" "
    "options=\"defaults\" dump=\"1\" pass=\"1\" />\n"
    "<fsinfo line=\"20\" real_dev=\"/dev/vda1\" mount_dev=\"LABEL=/boot\" mp=\"/boot\" "
    "fs=\"ext3\" options=\"defaults\" dump=\"1\" pass=\"2\" />\n"
    "<fsinfo line=\"30\" real_dev=\"tmpfs\" mp=\"/dev/shm\" fs=\"tmpfs\" options=\"defaults\" "
    "dump=\"0\" pass=\"0\" />\n"
    "<fsinfo line=\"40\" real_dev=\"devpts\" mp=\"/dev/pts\" fs=\"devpts\" "
    "options=\"gid=5,mode=620\" dump=\"0\" pass=\"0\" />\n"
    "<fsinfo line=\"50\" real_dev=\"sysfs\" mp=\"/sys\" fs=\"sysfs\" options=\"defaults\" "
    "dump=\"0\" pass=\"0\" />\n"
    "<fsinfo line=\"60\" real_dev=\"proc\" mp=\"/proc\" fs=\"proc\" options=\"defaults\" "
    "dump=\"0\" pass=\"0\" />\n"
    "<fsinfo line=\"70\" real_dev=\"/dev/vda3\" mount_dev=\"LABEL=SWAP-vda3\" mp=\"swap\" "
    "fs=\"swap\" options=\"defaults\" dump=\"0\" pass=\"0\" />\n"
    "\n"
    "<boel devstyle=\"udev\"/>\n"
    "\n"
    "</config>\n";

/* 101 MB = 101,000,000 bytes -> 97 MiB; 2097 MB -> 2000 MiB: the same 12 GiB
 * disk the golden client had still holds the layout. */
static const char si_expected[] =
    "# converted by bootsrv layout import from SystemImager's autoinstallscript.conf\n"
    "# sizes: 1 MB = 1000000 bytes, rounded up to whole MiB\n"
    "layouts = (\n"
    "  { name = \"vda\"; disk = \"/dev/vda\"; label = \"msdos\";\n"
    "    partitions = (\n"
    "      { size = \"97M\"; fs = \"ext3\"; mount = \"/boot\"; label = \"/boot\"; "
    "options = \"defaults\"; flags = [ \"boot\" ]; }, # 1: 101 MB\n"
    "      { size = \"10182M\"; fs = \"ext3\"; mount = \"/\"; label = \"/\"; "
    "options = \"defaults\"; }, # 2: 10676 MB\n"
    "      { size = \"2000M\"; fs = \"swap\"; label = \"SWAP-vda3\"; "
    "options = \"defaults\"; } # 3: 2097 MB\n"
    "    );\n"
    "  }\n"
    ");\n";

struct findings {
	char text[4096];
	int errors, warnings;
};

static void collect(unsigned line, bool warning, const char *msg, void *arg)
{
	struct findings *f = arg;
	size_t n = strlen(f->text);

	snprintf(f->text + n, sizeof(f->text) - n, "%u:%s%s\n", line, warning ? "W:" : "", msg);
	if (warning)
		f->warnings++;
	else
		f->errors++;
}

/* Convert text; returns the output (malloc'd) and fills f. */
static char *convert(const char *text, const char *name, struct findings *f, int *rc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);

	assert_non_null(mem);
	memset(f, 0, sizeof(*f));
	*rc = layout_import_convert(text, strlen(text), name, mem, collect, f);
	fclose(mem);
	return out;
}

static void test_background_example(void **state)
{
	struct findings f;
	int rc;
	char *out = convert(si_example, NULL, &f, &rc);
	(void)state;

	assert_int_equal(rc, 0);
	assert_string_equal(f.text, "");
	assert_string_equal(out, si_expected);
	free(out);
}

/* The output is a layout bootsrv itself accepts. */
static void test_output_loads(void **state)
{
	char dir[] = "/tmp/bootsrv-unit-layout.XXXXXX", path[256];
	struct config cfg;
	struct findings f;
	FILE *fp;
	int rc;
	char *out = convert(si_example, "imported", &f, &rc);
	(void)state;

	assert_int_equal(rc, 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bootsrv.conf", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp,
		"server = { interface = \"br0\"; address = \"192.0.2.1\"; state_dir = \"%s\"; };\n"
		"dhcp = { mode = \"authoritative\"; subnet = \"192.0.2.0/24\"; };\n"
		"images = ( { name = \"base\"; path = \"%s\"; layout = \"imported\"; } );\n"
		"hosts = ( );\n%s",
		dir, dir, out);
	fclose(fp);
	assert_int_equal(config_load(path, &cfg, NULL, NULL), 0);
	assert_int_equal(cfg.nlayouts, 1);
	assert_string_equal(cfg.layouts[0].name, "imported");
	assert_int_equal(cfg.layouts[0].nparts, 3);
	assert_int_equal(cfg.layouts[0].parts[0].size, 97u << 20);
	assert_true(cfg.layouts[0].parts[0].flag_boot);
	assert_string_equal(cfg.layouts[0].parts[1].mount, "/");
	assert_string_equal(cfg.layouts[0].parts[2].fs, "swap");
	assert_string_equal(cfg.layouts[0].parts[2].label, "SWAP-vda3");
	config_free(&cfg);
	unlink(path);
	rmdir(dir);
	free(out);
}

static void test_part_number(void **state)
{
	static const struct {
		const char *disk, *part;
		int rc;
		unsigned num;
	} cases[] = {
	    {"/dev/vda", "/dev/vda2", 0, 2},
	    {"/dev/sda", "/dev/sda12", 0, 12},
	    {"/dev/nvme0n1", "/dev/nvme0n1p3", 0, 3},
	    {"/dev/mmcblk0", "/dev/mmcblk0p1", 0, 1},
	    {"/dev/cciss/c0d0", "/dev/cciss/c0d0p2", 0, 2},
	    {"/dev/vda", "/dev/vdb1", -ENOENT, 0},
	    {"/dev/vda", "/dev/vda", -ENOENT, 0},
	    {"/dev/vda", "/dev/vdab1", -ENOENT, 0},
	    {"/dev/vda", "/dev/vda01", -ENOENT, 0},
	    {"/dev/vda", "/dev/vda2x", -ENOENT, 0},
	    {"/dev/nvme0n1", "/dev/nvme0n12", -ENOENT, 0},
	    {"/dev/nvme0n1", "/dev/nvme0n1p", -ENOENT, 0},
	    {"", "/dev/vda1", -EINVAL, 0},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned num = 0;
		char back[64];
		assert_int_equal(disk_part_number(cases[i].disk, cases[i].part, &num), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_int_equal(num, cases[i].num);
			assert_int_equal(disk_part_name(cases[i].disk, num, back, sizeof(back)), 0);
			assert_string_equal(back, cases[i].part);
		}
	}
}

/* Replace the first occurrence of from in si_example by to. */
static char *mutate(const char *from, const char *to)
{
	const char *at = strstr(si_example, from);
	char *s;

	assert_non_null(at);
	s = malloc(sizeof(si_example) + strlen(to));
	assert_non_null(s);
	sprintf(s, "%.*s%s%s", (int)(at - si_example), si_example, to, at + strlen(from));
	return s;
}

/* Each broken file: no output, and the expected "line:message" fragment. */
static void expect_error(const char *text, const char *fragment)
{
	struct findings f;
	int rc;
	char *out = convert(text, NULL, &f, &rc);

	if (rc == 0 || !strstr(f.text, fragment) || (out && out[0]))
		fail_msg("wanted \"%s\", got rc %d:\n%s", fragment, rc, f.text);
	free(out);
}

static void test_broken_files(void **state)
{
	static const struct {
		const char *from, *to, *fragment;
	} cases[] = {
	    {"flags=\"-\" />\n<part num=\"3\"", "flags=\"-\" />\n<part num=\"2\"",
	     "9:<part> num 2 used twice (first at line 8)"},
	    {"unit_of_measurement=\"MB\"", "unit_of_measurement=\"cyl\"",
	     "2:unknown unit_of_measurement \"cyl\""},
	    {"size=\"10676\"", "size=\"10676MB\"",
	     "8:partition 2: size \"10676MB\" is not a number"},
	    {"size=\"2097\"", "size=\"-5\"", "9:partition 3: size \"-5\" is not a number"},
	    {"size=\"101\"", "size=\"99999999999999999999\"", "7:partition 1: size"},
	    {"<fsinfo line=\"70\" real_dev=\"/dev/vda3\"",
	     "<fsinfo line=\"70\" real_dev=\"/dev/vdb3\"",
	     "19:/dev/vdb3 (swap) is not a partition of /dev/vda"},
	    {"<fsinfo line=\"70\" real_dev=\"/dev/vda3\"", "<fsinfo line=\"70\" real_dev=\"tmpfs\"",
	     "9:partition 3 (/dev/vda3) has no <fsinfo>"},
	    {"fs=\"ext3\" options=\"defaults\" dump=\"1\" pass=\"1\"",
	     "fs=\"reiserfs\" options=\"defaults\" dump=\"1\" pass=\"1\"",
	     "13:/dev/vda2: filesystem \"reiserfs\" is not supported"},
	    {"flags=\"boot\"", "flags=\"boot,raid\"",
	     "7:partition 1: software RAID (flag \"raid\") cannot be expressed"},
	    {"flags=\"-\" />\n<part num=\"3\"", "flags=\"lvm\" />\n<part num=\"3\"",
	     "8:partition 2: LVM (flag \"lvm\") cannot be expressed"},
	    {"real_dev=\"/dev/vda2\"", "real_dev=\"/dev/md0\"",
	     "13:/dev/md0 on / is software RAID: it cannot be expressed"},
	    {"real_dev=\"/dev/vda2\"", "real_dev=\"/dev/mapper/vg0-root\"",
	     "13:/dev/mapper/vg0-root on / is LVM/device-mapper"},
	    {"real_dev=\"/dev/vda2\"", "real_dev=\"/dev/vg0/root\"",
	     "13:/dev/vg0/root on / is LVM:"},
	    {"<boel devstyle=\"udev\"/>", "<raid name=\"/dev/md0\" raid_level=\"1\"></raid>",
	     "21:<raid> section: software RAID cannot be expressed"},
	    {"<boel devstyle=\"udev\"/>", "<lvm><lvm_group name=\"vg0\"/></lvm>",
	     "21:<lvm> section: LVM cannot be expressed"},
	    {"p_type=\"primary\" p_name=\"-\" flags=\"-\" />\n<part num=\"3\"",
	     "p_type=\"logical\" p_name=\"-\" flags=\"-\" />\n<part num=\"3\"",
	     "8:partition 2: p_type \"logical\": only primary"},
	    {"<part num=\"3\"", "<part num=\"4\"", "9:partition numbers must run 1..N"},
	    {"<boel devstyle=\"udev\"/>",
	     "<disk dev=\"/dev/vdb\" label_type=\"msdos\" "
	     "unit_of_measurement=\"MB\"></disk>",
	     "21:a second <disk> (/dev/vdb)"},
	    {"mp=\"/boot\"", "mp=\"/\"", "2:2 partitions mounted on /"},
	    {"label_type=\"msdos\"", "label_type=\"sun\"", "2:<disk> label_type \"sun\""},
	    {"<boel devstyle=\"udev\"/>", "<boel devstyle=\"udev\">text</boel>",
	     "21:text outside a tag"},
	    {"</disk>", "</dusk>", "10:</dusk> closes <disk> opened at line 2"},
	    {"p_name=\"-\" flags=\"boot\"", "p_name=\"-\" p_name=\"x\"",
	     "7:attribute \"p_name\" given twice"},
	    {"flags=\"boot\"", "flags=\"boot\" bogus=\"1\"",
	     "7:<part>: unknown attribute \"bogus\""},
	    {"<boel", "<frobnicate", "21:unknown element <frobnicate> in <config>"},
	    {"by the numbers 4", "by the -- numbers 4", "3:\"--\" inside a comment"},
	    {"mount_dev=\"LABEL=/boot\"", "mount_dev=\"LABEL=a-very-long-boot-label\"",
	     "14:/dev/vda1: label \"a-very-long-boot-label\" is too long"},
	    {"options=\"defaults\" dump=\"1\" pass=\"1\"",
	     "options=\"defaults\" dump=\"1\" pass=\"1\" format=\"no\"",
	     "13:/dev/vda2: format=\"no\""},
	    {"mp=\"/boot\"", "mp=\"boot\"",
	     "14:/dev/vda1: mount point \"boot\" is not an absolute path"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = mutate(cases[i].from, cases[i].to);
		expect_error(text, cases[i].fragment);
		free(text);
	}
}

static void test_truncated(void **state)
{
	char buf[sizeof(si_example)];
	const char *cut = strstr(si_example, "<part num=\"2\" size=\"106");
	(void)state;

	/* cut inside an attribute value */
	snprintf(buf, sizeof(buf), "%.*s", (int)(cut - si_example) + 22, si_example);
	expect_error(buf, "8:truncated: unterminated attribute value");
	/* cut inside a tag, after a complete attribute */
	snprintf(buf, sizeof(buf), "%.*s", (int)(cut - si_example) + 12, si_example);
	expect_error(buf, "8:truncated");
	/* cut between elements: <disk> and <config> stay open */
	snprintf(buf, sizeof(buf), "%.*s", (int)(strstr(si_example, "</disk>") - si_example),
		 si_example);
	expect_error(buf, "10:truncated: <disk> opened at line 2 is not closed");
	/* an unclosed comment */
	snprintf(buf, sizeof(buf), "%.*s", (int)(strstr(si_example, "-->") - si_example),
		 si_example);
	expect_error(buf, "3:truncated: comment is not closed");
	expect_error("", "no element in the file");
	expect_error("<layout/>", "1:top element is <layout>");
	expect_error("<config></config>", "no <disk> section");
}

static void test_other_disks(void **state)
{
	static const char gpt[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<config>\n"
	    " <disk dev='/dev/nvme0n1' label_type='gpt' unit_of_measurement='MiB'>\n"
	    "  <part num='1' size='1' p_type='primary' p_name='grub' flags='bios_grub'/>\n"
	    "  <part num='2' size='512' p_type='primary' p_name='-' flags='boot'/>\n"
	    "  <part num='3' size='1024' p_type='primary' p_name='-' flags='legacy_boot'/>\n"
	    "  <part num='4' size='*' p_type='primary' p_name='-' flags='-'/>\n"
	    " </disk>\n"
	    " <fsinfo real_dev='/dev/nvme0n1p4' mount_dev='UUID=1234' mp='/' fs='xfs'/>\n"
	    " <fsinfo real_dev='/dev/nvme0n1p3' mp='/boot' fs='ext4' options='noatime'/>\n"
	    " <fsinfo real_dev='/dev/nvme0n1p2' mp='/boot/efi' fs='vfat' options='umask=0077'/>\n"
	    " <fsinfo real_dev='srv:/export/home' mp='/home' fs='nfs' options='rw&amp;x'/>\n"
	    "</config>\n";
	static const char want[] =
	    "      { size = \"1M\"; flags = [ \"bios_grub\" ]; }, # 1: 1 MiB\n"
	    "      { size = \"512M\"; fs = \"vfat\"; mount = \"/boot/efi\"; options = "
	    "\"umask=0077\"; "
	    "flags = [ \"esp\" ]; }, # 2: 512 MiB\n"
	    "      { size = \"1G\"; fs = \"ext4\"; mount = \"/boot\"; options = \"noatime\"; "
	    "flags = [ \"boot\" ]; }, # 3: 1024 MiB\n"
	    "      { size = \"*\"; fs = \"xfs\"; mount = \"/\"; options = \"defaults\"; } "
	    "# 4: * (rest of the disk)\n";
	struct findings f;
	int rc;
	char *out = convert(gpt, "nvme-gpt", &f, &rc);
	(void)state;

	assert_int_equal(rc, 0);
	assert_non_null(
	    strstr(out, "{ name = \"nvme-gpt\"; disk = \"/dev/nvme0n1\"; label = \"gpt\";"));
	if (!strstr(out, want))
		fail_msg("got:\n%s", out);
	assert_int_equal(f.warnings, 3); /* gpt name, UUID not kept, nfs kept by the image */
	assert_non_null(strstr(f.text, "W:nfs srv:/export/home on /home skipped"));
	free(out);

	out = convert(si_example, "bad name", &f, &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(f.text, "layout name \"bad name\""));
	free(out);
}

static void test_xml_lite(void **state)
{
	static const char doc[] = "<a x=\"1 &lt;&#65;&#x42;&quot;\" y='&apos;'><b/><c></c></a>";
	struct xml_cursor c;
	struct xml_event ev;
	char err[128];
	static const struct {
		enum xml_event_type t;
		const char *name;
	} want[] = {{XML_EV_START, "a"}, {XML_EV_START, "b"}, {XML_EV_END, "b"},
		    {XML_EV_START, "c"}, {XML_EV_END, "c"},   {XML_EV_END, "a"},
		    {XML_EV_EOF, ""}};
	(void)state;

	xml_init(&c, doc, strlen(doc));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(xml_next(&c, &ev, err, sizeof(err)), 0);
		assert_int_equal(ev.type, want[i].t);
		assert_string_equal(ev.name, want[i].name);
		if (i == 0) {
			assert_string_equal(xml_attr(&ev, "x"), "1 <AB\"");
			assert_string_equal(xml_attr(&ev, "y"), "'");
			assert_null(xml_attr(&ev, "z"));
		}
	}
	static const char *const bad[] = {
	    "<a x=1/>", "<a x=\"&nbsp;\"/>", "<a x=\"&#0;\"/>",	    "<a/><b/>", "<a x=\"<\"/>",
	    "<a></b>",	"<!DOCTYPE a><a/>",  "<a y=\"1\"x=\"2\"/>", "</a>",	"<1a/>"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = 0;
		xml_init(&c, bad[i], strlen(bad[i]));
		while (r == 0) {
			r = xml_next(&c, &ev, err, sizeof(err));
			if (r == 0 && ev.type == XML_EV_EOF)
				fail_msg("accepted %s", bad[i]);
		}
		assert_int_equal(r, -EINVAL);
	}
	/* no NUL needed: the cursor stops at its length */
	xml_init(&c, "<a b=\"c\"/>XXXX", 10);
	assert_int_equal(xml_next(&c, &ev, err, sizeof(err)), 0);
	assert_int_equal(xml_next(&c, &ev, err, sizeof(err)), 0);
	assert_int_equal(xml_next(&c, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.type, XML_EV_EOF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_background_example), cmocka_unit_test(test_output_loads),
	    cmocka_unit_test(test_part_number),	       cmocka_unit_test(test_broken_files),
	    cmocka_unit_test(test_truncated),	       cmocka_unit_test(test_other_disks),
	    cmocka_unit_test(test_xml_lite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
