/* test_installer_boot.c - which boot loader goes on the disk (the image's
 * "bootloader" option, its grub, the layout; gpt without bios_grub refused
 * for BIOS), what the image is probed for, and the grub defaults the
 * installer leaves for update-grub. */
#include "boot_choice.h"
#include "grub.h"
#include "out_tail.h"
#include "plan.h"
#include "test_fixture.h"
#include "util.h"

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

#define P(label, parts)                                                                            \
	"{\"host\":\"n\",\"rsync_url\":\"rsync://x/\",\"bootloader\":\"%s\",\"layout\":{"          \
	"\"disk\":\"/dev/vda\",\"label\":\"" label "\",\"partitions\":[" parts "]}}"
#define ROOT "{\"fill\":true,\"fs\":\"ext4\",\"mount\":\"/\"}"
#define BIOS_GRUB "{\"size_bytes\":1048576,\"fs\":\"\",\"flags\":[\"bios_grub\"]}"
#define ESP "{\"size_bytes\":33554432,\"fs\":\"vfat\",\"mount\":\"/boot/efi\",\"flags\":[\"esp\"]}"
#define ESP_NONE "{\"size_bytes\":33554432,\"fs\":\"none\",\"flags\":[\"esp\"]}"

static void plan_of(const char *fmt, const char *bootloader, struct plan *p)
{
	char json[1024], err[256] = "";

	snprintf(json, sizeof(json), fmt, bootloader);
	if (plan_parse(json, strlen(json), p, err, sizeof(err)) != 0)
		fail_msg("plan: %s", err);
}

static const struct boot_image grub_both = {
    "/usr/sbin/grub-install", "/usr/sbin/update-grub", {true, true, true, true}};
static const struct boot_image grub_efi_only = {
    "/usr/sbin/grub-install", "/usr/sbin/grub-mkconfig", {true, true, false, true}};
static const struct boot_image grub_pc_only = {
    "/usr/sbin/grub-install", "/usr/sbin/update-grub", {true, true, true, false}};
static const struct boot_image no_grub = {"", "", {false, false, false, false}};
static const struct boot_image grub_no_mkconfig = {
    "/usr/sbin/grub-install", "", {true, false, true, true}};

#define BIOS BOOT_FW_BIOS
#define UEFI BOOT_FW_UEFI

struct choice_case {
	const char *fmt, *bootloader;
	const struct boot_image *img;
	enum boot_fw fw;
	int rc;
	enum boot_loader loader;
	bool bios, uefi;
	const char *reason; /* in err, or in the fallback note */
};

static const struct choice_case cases[] = {
    /* auto: grub when the image has it */
    {P("msdos", ROOT), "auto", &grub_both, BIOS, 0, BOOT_LOADER_GRUB, true, false, NULL},
    {P("msdos", ROOT), "auto", &no_grub, BIOS, 0, BOOT_LOADER_EXTLINUX, false, false, NULL},
    {P("msdos", ROOT), "auto", &grub_no_mkconfig, BIOS, 0, BOOT_LOADER_EXTLINUX, false, false,
     NULL},
    /* gpt: bios_grub for BIOS, the ESP for UEFI, both when both */
    {P("gpt", BIOS_GRUB "," ROOT "," ESP), "auto", &grub_both, BIOS, 0, BOOT_LOADER_GRUB, true,
     true, NULL},
    {P("gpt", BIOS_GRUB "," ROOT "," ESP), "auto", &grub_both, UEFI, 0, BOOT_LOADER_GRUB, true,
     true, NULL},
    {P("gpt", ROOT "," ESP), "auto", &grub_both, UEFI, 0, BOOT_LOADER_GRUB, false, true, NULL},
    {P("gpt", BIOS_GRUB "," ROOT), "grub", &grub_both, BIOS, 0, BOOT_LOADER_GRUB, true, false,
     NULL},
    /* the firmware this machine booted with must be among grub's targets:
     * a BIOS machine with a UEFI-only grub gets extlinux (auto) or a
     * refusal (grub), never a disk it cannot boot */
    {P("gpt", BIOS_GRUB "," ROOT "," ESP), "auto", &grub_efi_only, BIOS, 0, BOOT_LOADER_EXTLINUX,
     false, false, "no i386-pc modules"},
    {P("gpt", BIOS_GRUB "," ROOT "," ESP), "grub", &grub_efi_only, BIOS, -EINVAL, 0, false, false,
     "no i386-pc modules"},
    {P("gpt", ROOT "," ESP), "grub", &grub_both, BIOS, -EINVAL, 0, false, false,
     "gpt layout without a bios_grub partition"},
    {P("msdos", ROOT), "auto", &grub_both, UEFI, -EINVAL, 0, false, false, "no esp partition"},
    {P("msdos", ROOT), "grub", &grub_both, UEFI, -EINVAL, 0, false, false, "no esp partition"},
    {P("gpt", BIOS_GRUB "," ROOT "," ESP), "auto", &grub_pc_only, UEFI, -EINVAL, 0, false, false,
     "no x86_64-efi modules"},
    {P("msdos", ROOT), "extlinux", &grub_both, UEFI, -EINVAL, 0, false, false,
     "extlinux boots BIOS only"},
    {P("msdos", ROOT), "auto", &no_grub, UEFI, -EINVAL, 0, false, false,
     "extlinux boots BIOS only"},
    /* auto: what grub cannot boot on BIOS, extlinux can */
    {P("gpt", ROOT), "auto", &grub_both, BIOS, 0, BOOT_LOADER_EXTLINUX, false, false,
     "without a bios_grub partition"},
    {P("gpt", ROOT "," ESP_NONE), "auto", &grub_both, BIOS, 0, BOOT_LOADER_EXTLINUX, false, false,
     "without a bios_grub partition"},
    {P("msdos", ROOT), "auto", &grub_efi_only, BIOS, 0, BOOT_LOADER_EXTLINUX, false, false,
     "no i386-pc modules"},
    /* the option forces the choice */
    {P("msdos", ROOT), "extlinux", &grub_both, BIOS, 0, BOOT_LOADER_EXTLINUX, false, false, NULL},
    {P("gpt", ROOT), "none", &grub_both, UEFI, 0, BOOT_LOADER_NONE, false, false, NULL},
    {P("gpt", ROOT), "grub", &grub_both, BIOS, -EINVAL, 0, false, false,
     "gpt layout without a bios_grub partition"},
    {P("msdos", ROOT), "grub", &no_grub, BIOS, -EINVAL, 0, false, false,
     "bootloader \"grub\" but the image has no grub-install"},
    {P("msdos", ROOT), "grub", &grub_no_mkconfig, BIOS, -EINVAL, 0, false, false,
     "no update-grub or grub-mkconfig"},
};

static void test_choose(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct choice_case *k = &cases[i];
		struct boot_choice c;
		struct plan p;
		char err[256] = "";

		plan_of(k->fmt, k->bootloader, &p);
		int r = boot_choose(&p, k->img, k->fw, &c, err, sizeof(err));
		if (r != k->rc ||
		    (r == 0 && (c.loader != k->loader || c.bios != k->bios || c.uefi != k->uefi)) ||
		    (k->reason && !strstr(r == 0 ? c.note : err, k->reason)) ||
		    (!k->reason && r == 0 && c.note[0]))
			fail_msg("case %zu: rc %d loader %d bios %d uefi %d err \"%s\" note \"%s\"",
				 i, r, c.loader, c.bios, c.uefi, err, c.note);
		if (r == 0 && c.uefi)
			assert_string_equal(p.parts[c.esp].mount, "/boot/efi");
		plan_free(&p);
	}
}

/* At step plan, before the disk: with the server's "image_grub" the same
 * rules as on the installed tree; without it only what no image can boot. */
static void test_plan_check(void **state)
{
	static const struct {
		const char *fmt, *bootloader, *image_grub;
		enum boot_fw fw;
		int rc;
		const char *text; /* in err, or in the note */
	} k[] = {
	    {P("gpt", ROOT), "grub", NULL, BIOS, -EINVAL, "bios_grub"},
	    {P("gpt", ROOT), "auto", NULL, BIOS, 0, NULL},
	    {P("gpt", ROOT "," ESP), "grub", NULL, UEFI, 0, NULL},
	    {P("gpt", ROOT "," ESP), "grub", NULL, BIOS, -EINVAL, "bios_grub"},
	    {P("msdos", ROOT), "grub", NULL, BIOS, 0, NULL},
	    {P("msdos", ROOT), "auto", NULL, UEFI, -EINVAL, "no esp partition"},
	    {P("msdos", ROOT), "extlinux", NULL, UEFI, -EINVAL, "BIOS only"},
	    /* what the server saw in the image */
	    {P("msdos", ROOT), "auto", "[\"x86_64-efi\"]", BIOS, 0, "no i386-pc modules"},
	    {P("msdos", ROOT), "grub", "[\"x86_64-efi\"]", BIOS, -EINVAL, "no i386-pc modules"},
	    {P("msdos", ROOT), "grub", "[]", BIOS, -EINVAL, "has no grub-install"},
	    {P("gpt", BIOS_GRUB "," ROOT "," ESP), "auto", "[\"i386-pc\"]", UEFI, -EINVAL,
	     "no x86_64-efi modules"},
	    {P("gpt", BIOS_GRUB "," ROOT "," ESP), "auto", "[\"i386-pc\",\"x86_64-efi\"]", UEFI, 0,
	     NULL},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		char fmt[1024], json[1024], err[256] = "", note[256] = "";
		struct plan p;
		/* "image_grub" as the first member of the plan */
		snprintf(fmt, sizeof(fmt), "{%s%s%s%s", k[i].image_grub ? "\"image_grub\":" : "",
			 k[i].image_grub ? k[i].image_grub : "", k[i].image_grub ? "," : "",
			 k[i].fmt + 1);
		snprintf(json, sizeof(json), fmt, k[i].bootloader);
		if (plan_parse(json, strlen(json), &p, err, sizeof(err)) != 0)
			fail_msg("case %zu: plan: %s", i, err);
		assert_int_equal(p.image_grub_known, k[i].image_grub != NULL);
		int r = boot_plan_check(&p, k[i].fw, err, sizeof(err), note, sizeof(note));
		if (r != k[i].rc || (k[i].text && !strstr(r ? err : note, k[i].text)))
			fail_msg("case %zu: rc %d err \"%s\" note \"%s\"", i, r, err, note);
		plan_free(&p);
	}
}

static void test_probe(void **state)
{
	char root[] = "/tmp/test-boot-probe.XXXXXX", cmd[600];
	struct boot_image img;
	(void)state;

	assert_non_null(mkdtemp(root));
	/* links out of the tree lead to this host's grub, not the image's */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && ln -s /usr/sbin sbin && mkdir -p usr/lib && "
		 "ln -s /usr/lib/grub usr/lib/grub",
		 root);
	assert_int_equal(system(cmd), 0);
	boot_image_probe(root, &img);
	assert_false(img.grub.install);
	assert_false(img.grub.i386_pc);
	snprintf(cmd, sizeof(cmd), "rm %s/usr/lib/grub", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(fixture_put(root, "/usr/sbin/grub-install", 0755), 0);
	assert_int_equal(fixture_put(root, "/usr/sbin/grub-mkconfig", 0644),
			 0); /* not executable: not there */
	boot_image_probe(root, &img);
	assert_string_equal(img.grub_install, "/usr/sbin/grub-install");
	assert_true(img.grub.install);
	assert_false(img.grub.mkconfig);
	assert_int_equal(fixture_put(root, "/usr/sbin/grub-mkconfig", 0755), 0);
	boot_image_probe(root, &img);
	assert_string_equal(img.grub_mkconfig, "/usr/sbin/grub-mkconfig");
	assert_int_equal(fixture_put(root, "/usr/sbin/update-grub", 0755), 0); /* preferred */
	assert_int_equal(fixture_put(root, "/usr/lib/grub/x86_64-efi/normal.mod", 0644), 0);
	boot_image_probe(root, &img);
	assert_string_equal(img.grub_mkconfig, "/usr/sbin/update-grub");
	assert_true(img.grub.install && img.grub.mkconfig);
	assert_false(img.grub.i386_pc);
	assert_true(img.grub.x86_64_efi);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static char *render(const char *console)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(grub_defaults_render(f, console), 0);
	fclose(f);
	return text;
}

static void test_defaults(void **state)
{
	(void)state;
	char *t = render("ttyS1,57600n8");
	assert_non_null(
	    strstr(t, "\nGRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX console=ttyS1,57600n8\"\n"));
	assert_non_null(strstr(t, "\nGRUB_TERMINAL=\"console serial\"\n"));
	assert_non_null(strstr(t, "\nGRUB_SERIAL_COMMAND=\"serial --unit=1 --speed=57600\"\n"));
	assert_non_null(strstr(t, "\nGRUB_DISABLE_LINUX_UUID=false\n"));
	free(t);
	t = render("tty0"); /* not a serial port: the kernel line only */
	assert_non_null(strstr(t, "console=tty0\""));
	assert_null(strstr(t, "GRUB_TERMINAL"));
	free(t);
	t = render("");
	assert_null(strstr(t, "GRUB_CMDLINE_LINUX"));
	free(t);
}

/* Images whose grub reads only /etc/default/grub: one block, replaced on a
 * second install, the image's own lines kept. */
static void test_defaults_merge(void **state)
{
	(void)state;
	char *block = render("ttyS0,115200");
	char *once = grub_defaults_merge("GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"quiet\"", block);
	assert_non_null(once);
	assert_int_equal(strncmp(once, "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"quiet\"\n# BEGIN", 47),
			 0);
	char *block2 = render("ttyS1,9600");
	char *twice = grub_defaults_merge(once, block2);
	assert_non_null(twice);
	assert_null(strstr(twice, "ttyS0"));
	assert_non_null(strstr(twice, "ttyS1"));
	assert_non_null(strstr(twice, "GRUB_TIMEOUT=5\n"));
	const char *first = strstr(twice, "# BEGIN");
	assert_non_null(first);
	assert_null(strstr(first + 1, "# BEGIN")); /* one block, not two */
	char *none = grub_defaults_merge(NULL, block);
	assert_string_equal(none, block);
	/* text after the old block without a final newline stays its own line */
	char old[2048], want[2048];
	snprintf(old, sizeof(old), "A=1\n%sB=2", block);
	snprintf(want, sizeof(want), "A=1\nB=2\n%s", block2);
	char *after = grub_defaults_merge(old, block2);
	assert_string_equal(after, want);
	free(after);
	free(block);
	free(block2);
	free(once);
	free(twice);
	free(none);
}

/* Update mode: the block of the host's /etc/default/grub goes back into
 * the image's copy of the file after the transfer. */
static void test_defaults_block_kept(void **state)
{
	char root[] = "/tmp/test-boot-block.XXXXXX", path[128], cmd[300], *text = NULL, err[256];
	char *block = render("ttyS1,9600"), host[1024];
	(void)state;

	snprintf(host, sizeof(host), "GRUB_TIMEOUT=5\n%sGRUB_X=1\n", block);
	char *kept = grub_defaults_block_of(host);
	assert_non_null(kept);
	assert_string_equal(kept, block);
	assert_null(grub_defaults_block_of("GRUB_TIMEOUT=5\n"));
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/default && printf 'GRUB_TIMEOUT=2\n' >%s%s",
		 root, root, GRUB_DEFAULTS);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(grub_defaults_put(root, kept, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s%s", root, GRUB_DEFAULTS);
	assert_int_equal(read_file(path, 65536, &text, NULL), 0);
	snprintf(host, sizeof(host), "GRUB_TIMEOUT=2\n%s", block);
	assert_string_equal(text, host);
	free(text);
	free(kept);
	free(block);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* Later grub upgrades on the installed host: core.img on the disk, the
 * removable EFI image refreshed. */
static void test_debconf(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	(void)state;

	assert_int_equal(grub_debconf_render(f, "/dev/disk/by-id/virtio-x", true, true), 0);
	fclose(f);
	assert_string_equal(text,
			    "grub-pc grub-pc/install_devices multiselect /dev/disk/by-id/virtio-x\n"
			    "grub-efi-amd64 grub2/force_efi_extra_removable boolean true\n");
	free(text);
	f = open_memstream(&text, &len);
	assert_int_equal(grub_debconf_render(f, "/dev/vda", false, true), 0);
	fclose(f);
	assert_null(strstr(text, "install_devices"));
	free(text);
}

/* A failure message has room for a few hundred bytes: the tool's last
 * lines are kept, its earlier ones dropped first. */
static void test_out_tail_newest(void **state)
{
	struct out_tail t = {.n = 0, .what = "grub-install"};
	char line[200], out[300];
	(void)state;

	for (int i = 0; i < 5; i++) {
		memset(line, 'a' + i, 150);
		line[150] = '\0';
		out_tail_line(line, &t);
	}
	out_tail_line("grub-install: error: cannot find a device for /boot", &t);
	out_tail_join(&t, out, sizeof(out));
	assert_non_null(strstr(out, "error: cannot find a device for /boot"));
	assert_int_equal(strlen(out) < sizeof(out), 1);
	assert_null(strstr(out, "ccc")); /* the oldest kept line went first */
	assert_int_equal(out_tail_verdict(&t, 1, 600, out, 120), -EIO);
	assert_int_equal(strncmp(out, "exited 1: ", 10), 0);
	assert_non_null(strstr(out, "error: cannot find"));
}

/* root=UUID= counts on a linux line only, as a whole word. */
static void test_cfg_check(void **state)
{
	const char *u = "0b7e0e4f-1111-2222-3333-444455556666";
	char cfg[1024], err[256];
	(void)state;

	snprintf(cfg, sizeof(cfg),
		 "menuentry 'x' {\n\tlinux\t/vmlinuz-6.1 root=UUID=%s ro console=ttyS0\n}\n", u);
	assert_int_equal(grub_cfg_check(cfg, u, err, sizeof(err)), 0);
	/* only in a comment or a search line: not booted by UUID */
	snprintf(cfg, sizeof(cfg),
		 "# root=UUID=%s\nsearch --fs-uuid %s\n\tlinux\t/vmlinuz root=/dev/vda1 ro\n", u,
		 u);
	assert_int_equal(grub_cfg_check(cfg, u, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "root=/dev/vda1"));
	/* a longer UUID is another filesystem */
	snprintf(cfg, sizeof(cfg), "\tlinux\t/vmlinuz root=UUID=%s0 ro\n", u);
	assert_int_equal(grub_cfg_check(cfg, u, err, sizeof(err)), -EINVAL);
	assert_int_equal(grub_cfg_check("set timeout=5\n", u, err, sizeof(err)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_choose),	   cmocka_unit_test(test_plan_check),
	    cmocka_unit_test(test_probe),	   cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_defaults_merge), cmocka_unit_test(test_out_tail_newest),
	    cmocka_unit_test(test_cfg_check),	   cmocka_unit_test(test_defaults_block_kept),
	    cmocka_unit_test(test_debconf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
