/* test_installer_chroot.c - the chroot's API mounts and files written into
 * an installed tree never follow the image's symlinks out of it, busy
 * mounts are detached, "/" is no target, efivarfs is read-only. Runs in a
 * private mount namespace (root only; skipped otherwise). */
#include "chroot.h"
#include "grub.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char root[64];

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	snprintf(root, sizeof(root), "/tmp/test-chroot.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static void sh(const char *fmt, const char *arg)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
}

static void test_symlinked_dev_refused(void **state)
{
	struct chroot_dev devs[] = {{"/dev/null", NULL}};
	struct chroot_opts o = {.devs = devs, .n_devs = 1};
	struct chroot_mounts cm;
	struct stat before, after;
	char err[256] = "";
	(void)state;

	if (geteuid() != 0) {
		print_message("skip: needs root (mounts)\n");
		skip();
	}
	sh("cd %s && rm -rf * && mkdir proc sys && ln -s /dev dev", root);
	assert_int_equal(stat("/dev", &before), 0);
	assert_int_equal(chroot_mounts_up_opts(&cm, root, &o, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symlink"));
	assert_int_equal(stat("/dev", &after), 0);
	assert_int_equal(before.st_dev, after.st_dev); /* no tmpfs over our /dev */
	for (int i = 0; i < CHROOT_N_MOUNTS; i++)
		assert_false(cm.mounted[i]);
	/* deeper: sys is real, but its parent link leads out */
	sh("cd %s && rm -rf * && mkdir -p real/sys && ln -s real/sys sys", root);
	assert_int_equal(chroot_mounts_up(&cm, root, err, sizeof(err)), -ELOOP);
}

static void test_own_root_refused(void **state)
{
	struct chroot_mounts cm;
	char err[256] = "", link[128];
	(void)state;

	if (geteuid() != 0) {
		print_message("skip: needs root (mounts)\n");
		skip();
	}
	assert_int_equal(chroot_mounts_up(&cm, "/", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "own root"));
	snprintf(link, sizeof(link), "%s/up", root);
	sh("cd %s && rm -rf * && ln -s / up", root);
	assert_int_equal(chroot_mounts_up(&cm, link, err, sizeof(err)), -EINVAL);
}

static void test_busy_private_dev_detached(void **state)
{
	struct chroot_dev devs[] = {{"/dev/null", NULL}};
	struct chroot_opts o = {.devs = devs, .n_devs = 1, .efivars = true};
	struct chroot_mounts cm;
	char err[256] = "", path[128], left[256];
	(void)state;

	if (geteuid() != 0) {
		print_message("skip: needs root (mounts)\n");
		skip();
	}
	sh("cd %s && rm -rf *", root);
	assert_int_equal(chroot_mounts_up_opts(&cm, root, &o, err, sizeof(err)), 0);
	assert_true(cm.private_dev);
	snprintf(path, sizeof(path), "%s/dev/null", root);
	int fd = open(path, O_RDONLY); /* a leftover keeps /dev busy */
	assert_true(fd >= 0);
	assert_int_equal(chroot_mounts_down(&cm), 0);
	chroot_mounts_left(&cm, left, sizeof(left));
	assert_string_equal(left, "");
	close(fd);
	assert_true(chroot_mount_flags(CHROOT_EFIVARS) & MS_RDONLY);
}

/* etc/default -> a directory outside: nothing written there. */
static void test_defaults_not_through_symlink(void **state)
{
	char err[256] = "", outside[96], cmd[1024];
	struct stat st;
	(void)state;

	if (geteuid() != 0) {
		print_message("skip: needs root (mounts)\n");
		skip();
	}
	snprintf(outside, sizeof(outside), "%s.outside", root);
	snprintf(cmd, sizeof(cmd),
		 "rm -rf %s && mkdir -p %s/grub.d && cd %s && rm -rf * && "
		 "mkdir etc && ln -s %s etc/default",
		 outside, outside, root, outside);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(grub_defaults_write(root, "ttyS0", err, sizeof(err)), -ELOOP);
	snprintf(cmd, sizeof(cmd), "%s/grub.d/bootsrv.cfg", outside);
	assert_int_equal(stat(cmd, &st), -1);
	/* a symlinked /etc/default/grub is not read nor written through */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && rm -rf etc && mkdir -p etc/default && "
		 "ln -s /etc/hostname etc/default/grub",
		 root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(grub_defaults_write(root, "ttyS0", err, sizeof(err)), -ELOOP);
	/* a real tree: the drop-in */
	snprintf(cmd, sizeof(cmd), "cd %s && rm -rf etc && mkdir -p etc/default/grub.d", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(grub_defaults_write(root, "ttyS0", err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "%s/etc/default/grub.d/bootsrv.cfg", root);
	assert_int_equal(stat(cmd, &st), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", outside, root);
	assert_int_equal(system(cmd), 0);
}

/* A target path too long for the mount table still says why. */
static void test_long_root_has_reason(void **state)
{
	static char longroot[5000];
	struct chroot_mounts cm;
	char err[256] = "";
	(void)state;

	memset(longroot, 'a', sizeof(longroot) - 1);
	longroot[0] = '/';
	assert_int_equal(chroot_mounts_up(&cm, longroot, err, sizeof(err)), -ENAMETOOLONG);
	assert_non_null(strstr(err, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_symlinked_dev_refused),
	    cmocka_unit_test(test_own_root_refused),
	    cmocka_unit_test(test_busy_private_dev_detached),
	    cmocka_unit_test(test_defaults_not_through_symlink),
	    cmocka_unit_test(test_long_root_has_reason),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
