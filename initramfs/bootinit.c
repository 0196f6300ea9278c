/* bootinit.c - PID 1 of the test images' boot initramfs.
 *
 * Mounts /proc, /sys and /dev, loads /etc/modules.load, finds the root
 * filesystem named on the kernel command line (root=/dev/NAME,
 * root=UUID=..., root=LABEL=...; rootfstype=, rootflags=, ro/rw, rootwait,
 * rootdelay=, init=), mounts it, and switches to it the way busybox
 * switch_root does: move the API mounts, empty the initramfs, move the new
 * root onto /, chroot, exec its init. There is no udev: the devices come
 * from devtmpfs and the superblocks are read here. Any failure is printed
 * on the console and ends in a shell (or, without one, a reaping loop):
 * PID 1 must never exit. Statically linked. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "modload.h"
#include "pid1_core.h"
#include "util.h"

#define NEWROOT "/sysroot"
/* Without rootwait the disk still needs a moment: drivers probe
 * asynchronously after finit_module returns. */
#define ROOT_WAIT_DEFAULT_MS 15000
#define ROOT_WAIT_ROOTWAIT_MS 120000
#define ROOT_POLL_MS 100

enum root_kind { ROOT_DEV, ROOT_UUID, ROOT_LABEL };

struct boot_args {
	char root[256];
	char fstype[64];
	char flags[256];
	char init[256];
	bool rw;
	int64_t wait_ms;
	int64_t delay_ms;
};

struct root_spec {
	enum root_kind kind;
	char dev[256];
	uint8_t uuid[16];
	char label[17];
};

static void __attribute__((noreturn)) rescue(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int read_text(const char *path, char *buf, size_t sz)
{
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* /proc and /sys files report size 0: read until EOF. */
	while (have + 1 < sz) {
		ssize_t n = read(fd, buf + have, sz - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	return (int)have;
}

static void copy_arg(char *dst, size_t dstsz, const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') { /* root="LABEL=x" */
		v++;
		n -= 2;
	}
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static int64_t secs_ms(const char *v, int64_t fallback)
{
	int64_t s;
	return parse_i64(v, 0, 86400, &s) == 0 ? s * 1000 : fallback;
}

/* Kernel command line words; later ones win, as in the kernel. */
static void parse_cmdline(char *s, struct boot_args *a)
{
	char *save = NULL;

	snprintf(a->init, sizeof(a->init), "/sbin/init");
	a->wait_ms = ROOT_WAIT_DEFAULT_MS;
	for (char *w = strtok_r(s, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(w, "root=", 5) == 0)
			copy_arg(a->root, sizeof(a->root), w + 5);
		else if (strncmp(w, "rootfstype=", 11) == 0)
			copy_arg(a->fstype, sizeof(a->fstype), w + 11);
		else if (strncmp(w, "rootflags=", 10) == 0)
			copy_arg(a->flags, sizeof(a->flags), w + 10);
		else if (strncmp(w, "init=", 5) == 0)
			copy_arg(a->init, sizeof(a->init), w + 5);
		else if (strcmp(w, "rootwait") == 0)
			a->wait_ms = ROOT_WAIT_ROOTWAIT_MS;
		else if (strncmp(w, "rootwait=", 9) == 0) /* Linux 6.5+ syntax */
			a->wait_ms = secs_ms(w + 9, ROOT_WAIT_ROOTWAIT_MS);
		else if (strncmp(w, "rootdelay=", 10) == 0)
			a->delay_ms = secs_ms(w + 10, 0);
		else if (strcmp(w, "rw") == 0)
			a->rw = true;
		else if (strcmp(w, "ro") == 0)
			a->rw = false;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 hex digits, dashes anywhere (blkid prints 8-4-4-4-12). */
static int uuid_parse(const char *s, uint8_t out[16])
{
	int n = 0;

	for (; *s; s++) {
		int v = hexval(*s);
		if (*s == '-')
			continue;
		if (v < 0 || n >= 32)
			return -EINVAL;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 32 ? 0 : -EINVAL;
}

static int root_spec_parse(const char *root, struct root_spec *rs)
{
	int n;

	memset(rs, 0, sizeof(*rs));
	if (strncmp(root, "UUID=", 5) == 0) {
		rs->kind = ROOT_UUID;
		return uuid_parse(root + 5, rs->uuid);
	}
	if (strncmp(root, "LABEL=", 6) == 0) {
		rs->kind = ROOT_LABEL;
		if (strlen(root + 6) == 0 || strlen(root + 6) > 16)
			return -EINVAL;
		snprintf(rs->label, sizeof(rs->label), "%s", root + 6);
		return 0;
	}
	rs->kind = ROOT_DEV;
	/* PARTUUID= and friends would need what only udev/blkid know. */
	if (strncmp(root, "/dev/", 5) != 0 && (!root[0] || strchr(root, '/') || strchr(root, '=')))
		return -EINVAL;
	n = snprintf(rs->dev, sizeof(rs->dev), "%s%s", root[0] == '/' ? "" : "/dev/", root);
	return n < 0 || (size_t)n >= sizeof(rs->dev) ? -EINVAL : 0;
}

/* ext2/3/4 superblock (1024 bytes at offset 1024): s_magic 0xEF53 at 0x38
 * (little-endian), s_uuid[16] at 0x68, s_volume_name[16] at 0x78. */
#define EXT_SB_OFFSET 1024
#define EXT_SB_MAGIC_OFF 0x38
#define EXT_SB_UUID_OFF 0x68
#define EXT_SB_LABEL_OFF 0x78
#define EXT_SB_MAGIC 0xEF53

static int ext_sb_read(const char *dev, uint8_t uuid[16], char label[17])
{
	uint8_t sb[1024];
	ssize_t n;
	int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = pread(fd, sb, sizeof(sb), EXT_SB_OFFSET);
	close(fd);
	if (n != (ssize_t)sizeof(sb))
		return -ENODATA;
	if ((sb[EXT_SB_MAGIC_OFF] | sb[EXT_SB_MAGIC_OFF + 1] << 8) != EXT_SB_MAGIC)
		return -ENOTBLK;
	memcpy(uuid, sb + EXT_SB_UUID_OFF, 16);
	memcpy(label, sb + EXT_SB_LABEL_OFF, 16);
	label[16] = '\0';
	return 0;
}

/* Scan every block device the kernel knows (partitions included) for an
 * ext superblock matching the UUID or label. */
static int scan_block_devices(const struct root_spec *rs, char *dev, size_t devsz)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *de;
	int r = -ENOENT;

	if (!d)
		return -errno;
	while (r < 0 && (de = readdir(d)) != NULL) {
		char path[300], size[32], label[17];
		uint8_t uuid[16];

		if (de->d_name[0] == '.' || strncmp(de->d_name, "ram", 3) == 0)
			continue;
		/* Empty devices (no medium, unbound loop) have size 0. */
		snprintf(path, sizeof(path), "/sys/class/block/%s/size", de->d_name);
		if (read_text(path, size, sizeof(size)) <= 0 || strtoull(size, NULL, 10) == 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		if (ext_sb_read(path, uuid, label) < 0)
			continue;
		if ((rs->kind == ROOT_UUID && memcmp(uuid, rs->uuid, 16) == 0) ||
		    (rs->kind == ROOT_LABEL && strcmp(label, rs->label) == 0)) {
			snprintf(dev, devsz, "%s", path);
			r = 0;
		}
	}
	closedir(d);
	return r;
}

static int find_root(const struct root_spec *rs, char *dev, size_t devsz)
{
	struct stat st;

	if (rs->kind != ROOT_DEV)
		return scan_block_devices(rs, dev, devsz);
	if (stat(rs->dev, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	snprintf(dev, devsz, "%s", rs->dev);
	return 0;
}

/* Poll until the device shows up or the deadline passes (monotonic). */
static int wait_root(const struct boot_args *a, const struct root_spec *rs, char *dev, size_t devsz)
{
	int64_t start = now_ms(), next_note = start + 5000;
	int r;

	if (a->delay_ms)
		usleep((useconds_t)(a->delay_ms > 60000 ? 60000 : a->delay_ms) * 1000);
	while ((r = find_root(rs, dev, devsz)) < 0) {
		int64_t now = now_ms();
		if (now - start >= a->wait_ms)
			return -ETIMEDOUT;
		if (now >= next_note) {
			log_info("still waiting for root=%s (%llds)", a->root,
				 (long long)(now - start) / 1000);
			next_note = now + 5000;
		}
		pid1_reap_nohang(0);
		usleep(ROOT_POLL_MS * 1000);
	}
	log_info("root=%s is %s (after %lld ms)", a->root, dev, (long long)(now_ms() - start));
	return 0;
}

static void mount_failed(const struct pid1_mount *m, int err)
{
	errno = -err;
	log_err_errno("mount %s on %s", m->type, m->target);
}

static int try_mount(const char *dev, const char *type, unsigned long flags, const char *data)
{
	if (mount(dev, NEWROOT, type, flags, data && *data ? data : NULL) == 0) {
		log_info("mounted %s (%s, %s) on %s", dev, type, flags & MS_RDONLY ? "ro" : "rw",
			 NEWROOT);
		return 0;
	}
	return -errno;
}

/* Without rootfstype, try ext4 (it also mounts ext2/3), then every block
 * filesystem in /proc/filesystems, like the kernel's own mount_block_root. */
static int mount_root(const struct boot_args *a, const char *dev)
{
	unsigned long flags = a->rw ? 0 : MS_RDONLY;
	char fs[4096], *save = NULL;
	int r;

	if (mkdir(NEWROOT, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (a->fstype[0])
		return try_mount(dev, a->fstype, flags, a->flags);
	if ((r = try_mount(dev, "ext4", flags, a->flags)) == 0)
		return 0;
	if (read_text("/proc/filesystems", fs, sizeof(fs)) < 0)
		return r;
	for (char *l = strtok_r(fs, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "nodev", 5) == 0)
			continue;
		while (*l == ' ' || *l == '\t')
			l++;
		if (strcmp(l, "ext4") != 0 && (r = try_mount(dev, l, flags, a->flags)) == 0)
			return 0;
	}
	return r;
}

/* Is init present and executable inside the new root? Resolved with
 * RESOLVE_IN_ROOT so that an absolute symlink (/sbin/init ->
 * /lib/systemd/systemd) is followed inside the new root, not ours. */
static int check_init(const char *init)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	struct stat st;
	int dfd, fd, r = 0;

	if ((dfd = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, init, &how, sizeof(how));
	if (fd < 0)
		r = errno == ENOSYS ? 0 : -errno; /* old kernel: let execv decide */
	else if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		r = -EACCES;
	if (fd >= 0)
		close(fd);
	close(dfd);
	return r;
}

/* Delete everything under dfd that lives on rootdev (the initramfs): the
 * new root and anything else mounted are on other devices and are left
 * alone. Errors are ignored, as in busybox: the memory is only a bonus. */
static void delete_tree(int dfd, dev_t rootdev)
{
	DIR *d;
	struct dirent *de;
	int dup_fd = dup(dfd);

	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != rootdev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			sub = openat(dfd, de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				delete_tree(sub, rootdev);
				close(sub);
			}
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(d);
}

/* The destructive step checks first that it really runs where it should:
 * on an initramfs (ramfs/tmpfs holding /init) with a different filesystem
 * mounted on NEWROOT. */
static int switch_root_checks(struct stat *rootst)
{
	struct statfs sfs;
	struct stat st;

	if (statfs("/", &sfs) < 0 || stat("/", rootst) < 0)
		return -errno;
	if (sfs.f_type != RAMFS_MAGIC && sfs.f_type != TMPFS_MAGIC) {
		log_err("/ is not an initramfs (f_type 0x%lx)", (unsigned long)sfs.f_type);
		return -EPERM;
	}
	if (stat("/init", &st) < 0) {
		log_err("/init missing: not the initramfs");
		return -EPERM;
	}
	if (stat(NEWROOT, &st) < 0 || st.st_dev == rootst->st_dev) {
		log_err("nothing mounted on %s", NEWROOT);
		return -EPERM;
	}
	return 0;
}

/* Keep /dev, /proc, /sys for the new init when it has mount points for
 * them; otherwise detach them so the initramfs can be freed. */
static void move_api_mounts(void)
{
	static const char *const api[] = {"/dev", "/proc", "/sys"};
	char dst[64];
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(api); i++) {
		snprintf(dst, sizeof(dst), NEWROOT "%s", api[i]);
		if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode) &&
		    mount(api[i], dst, NULL, MS_MOVE, NULL) == 0)
			continue;
		log_warn("%s: cannot move to the new root; detaching", api[i]);
		umount2(api[i], MNT_DETACH);
	}
}

static int switch_root(void)
{
	struct stat rootst;
	int r, rfd;

	if ((r = switch_root_checks(&rootst)) < 0)
		return r;
	move_api_mounts();
	if (chdir(NEWROOT) < 0)
		return -errno;
	if ((rfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		delete_tree(rfd, rootst.st_dev);
		close(rfd);
	}
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return -errno;
	return 0;
}

static void rescue(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	pid_t shell = -1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("BOOT FAILED: %s", msg);
	/* Reap everything forever; keep a shell on the console while one exists. */
	for (;;) {
		pid_t pid;
		if (shell < 0 && access("/bin/sh", X_OK) == 0) {
			log_err("starting /bin/sh on the console for inspection");
			shell = pid1_spawn_shell(PID1_CONSOLE, "/bin/sh", "sh");
		}
		pid = waitpid(-1, NULL, 0);
		if (pid == shell || pid < 0) {
			shell = -1;
			sleep(pid < 0 && access("/bin/sh", X_OK) < 0 ? 3600 : 1);
		}
	}
}

/* List what the kernel did find: the first thing one wants to know when
 * the root device never appears. */
static void log_block_devices(void)
{
	char names[1024] = "";
	struct dirent *de;
	size_t len = 0;
	DIR *d = opendir("/sys/class/block");

	while (d && (de = readdir(d)) != NULL) {
		int n;
		if (de->d_name[0] == '.')
			continue;
		n = snprintf(names + len, sizeof(names) - len, " %s", de->d_name);
		if (n < 0 || (size_t)n >= sizeof(names) - len)
			break;
		len += (size_t)n;
	}
	if (d)
		closedir(d);
	log_err("block devices:%s", len ? names : " none");
}

/* The real init gets the words of the kernel command line we were given. */
static void exec_init(const char *init, int argc, char **argv)
{
	char *nargv[64];
	int n = 0;

	nargv[n++] = (char *)init;
	for (int i = 1; i < argc && n < (int)ARRAY_SIZE(nargv) - 1; i++)
		nargv[n++] = argv[i];
	nargv[n] = NULL;
	log_info("switching to %s", init);
	pid1_unblock_signals();
	execv(init, nargv);
	/* Still PID 1, now inside the new root: block again before rescuing. */
	{
		int e = errno;
		pid1_block_signals();
		rescue("exec %s: %s", init, strerror(e));
	}
}

int main(int argc, char **argv)
{
	struct boot_args a = {0};
	struct root_spec rs;
	char cmdline[4096], dev[300];
	int r;

	/* PID 1 gets no default signal actions: take them all synchronously. */
	pid1_block_signals();
	log_init("bootinit", LOG_LVL_INFO, false);
	if (getpid() != 1) {
		log_err("must run as PID 1 (the initramfs's /init); refusing");
		return 1;
	}
	/* before devtmpfs: the initramfs's own node (mkinitramfs makes one) */
	pid1_console_stdio(PID1_CONSOLE, PID1_STDIO_CLOSED);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	if (pid1_mount_all(pid1_api_mounts, PID1_API_MOUNTS, false, mount_failed) < 0)
		rescue("cannot mount /proc, /sys and /dev");
	if ((r = modload_list(MODLOAD_LIST)) != 0)
		log_warn("modules: %s", r < 0 ? strerror(-r) : "some failed to load");
	if (read_text("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		rescue("cannot read /proc/cmdline");
	parse_cmdline(cmdline, &a);
	if (!a.root[0])
		rescue("no root= on the kernel command line");
	if (root_spec_parse(a.root, &rs) < 0)
		rescue("root=%s: use /dev/NAME, UUID=<ext uuid> or LABEL=<ext label>", a.root);
	if (wait_root(&a, &rs, dev, sizeof(dev)) < 0) {
		log_block_devices();
		rescue("root=%s did not appear within %lld s", a.root, (long long)a.wait_ms / 1000);
	}
	if ((r = mount_root(&a, dev)) < 0)
		rescue("mount %s on %s: %s", dev, NEWROOT, strerror(-r));
	if ((r = check_init(a.init)) < 0)
		rescue("%s in the root filesystem: %s", a.init, strerror(-r));
	if ((r = switch_root()) < 0)
		rescue("switch_root: %s", strerror(-r));
	exec_init(a.init, argc, argv);
	return 1; /* not reached: exec_init execs or rescues */
}
