/* bootloader.c - see bootloader.h */
#include "bootloader.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_choice.h"
#include "grub.h"
#include "install.h"
#include "log.h"
#include "pathfmt.h"
#include "spawn.h"
#include "util.h"

#define MBR_CODE_LEN 440 /* boot code; the disk signature and table follow */

int boot_find_newest(const char *dir, const char *prefix, char *out, size_t outsz)
{
	return boot_find_newest_except(dir, prefix, NULL, 0, out, outsz);
}

static bool in_list(const char *name, char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

int boot_find_newest_except(const char *dir, const char *prefix, char *const *skip, int nskip,
			    char *out, size_t outsz)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		/* "vmlinuz" or "vmlinuz-VERSION"; never "vmlinuz.old", which
		 * strverscmp would rank above every "vmlinuz-..." */
		if (strncmp(de->d_name, prefix, plen) != 0 || strlen(de->d_name) >= outsz ||
		    (de->d_name[plen] != '\0' && de->d_name[plen] != '-') ||
		    in_list(de->d_name, skip, nskip))
			continue;
		if (rc < 0 || strverscmp(de->d_name, out) > 0) {
			snprintf(out, outsz, "%s", de->d_name);
			rc = 0;
		}
	}
	closedir(d);
	return rc;
}

/* syslinux SERIAL directive for "ttyS1,115200n8"-style consoles. */
static void serial_directive(FILE *out, const char *console)
{
	unsigned port, baud;

	if (console_serial(console, &port, &baud))
		fprintf(out, "SERIAL %u %u\n", port, baud);
}

int extlinux_conf_render(FILE *out, const char *kernel, const char *initrd, const char *root_uuid,
			 const char *console)
{
	fprintf(out, "# written by the bootsrv installer\n");
	serial_directive(out, console);
	fprintf(out, "DEFAULT linux\nPROMPT 0\nTIMEOUT 30\n\nLABEL linux\n");
	fprintf(out, "\tKERNEL %s\n", kernel);
	if (initrd && initrd[0])
		fprintf(out, "\tINITRD %s\n", initrd);
	fprintf(out, "\tAPPEND root=UUID=%s%s%s rw\n", root_uuid,
		console && console[0] ? " console=" : "", console && console[0] ? console : "");
	return ferror(out) ? -EIO : 0;
}

/* Kernel and initrd in target/boot; paths relative to the partition holding
 * /boot ("/vmlinuz-..." when /boot is its own partition). */
static int find_kernel(struct install *in, char *kernel, char *initrd, size_t sz)
{
	char dir[PATH_MAX], kname[NAME_MAX + 1], iname[NAME_MAX + 1], want[NAME_MAX + 16];
	int idx = plan_part_holding(&in->plan, "/boot");
	const char *rel;

	if (idx < 0)
		return install_fail(in, -EINVAL, "no partition holds /boot");
	rel = strcmp(in->plan.parts[idx].mount, "/boot") == 0 ? "" : "/boot";
	if (path_fmt(dir, sizeof(dir), "%s/boot", in->args.target) < 0 ||
	    boot_find_newest(dir, "vmlinuz", kname, sizeof(kname)) < 0)
		return install_fail(in, -ENOENT, "no kernel (/boot/vmlinuz*) in the image");
	/* the initrd built for that kernel, else the newest one */
	bool matching =
	    path_fmt(want, sizeof(want), "%s/initrd.img%s", dir, kname + strlen("vmlinuz")) == 0 &&
	    access(want, F_OK) == 0 &&
	    path_fmt(iname, sizeof(iname), "initrd.img%s", kname + strlen("vmlinuz")) == 0;
	if (!matching && boot_find_newest(dir, "initrd.img", iname, sizeof(iname)) < 0)
		iname[0] = '\0';
	if (path_fmt(kernel, sz, "%s/%s", rel, kname) < 0 ||
	    path_fmt(initrd, sz, "%s%s%s", iname[0] ? rel : "", iname[0] ? "/" : "", iname) < 0)
		return install_fail(in, -ENAMETOOLONG, "kernel path too long");
	log_info("boot: kernel %s initrd %s", kernel, initrd[0] ? initrd : "(none)");
	return 0;
}

/* rsync -S leaves holes where the kernel or initrd has runs of zeros, and
 * extlinux (syslinux 6.04) fails on holes in ext4 extent files ("I/O error"
 * loading the kernel; ext3 block maps are fine). Rewrite such a file with
 * every block allocated: copy to a temporary name, then rename over it. */
static int densify(const char *path)
{
	char tmp[PATH_MAX], buf[65536];
	struct stat st;
	int in_fd = -1, out_fd = -1, rc = 0;
	ssize_t n;

	if (path_fmt(tmp, sizeof(tmp), "%s.bootsrv-tmp", path) < 0)
		return -ENAMETOOLONG;
	in_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0 || fstat(in_fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if ((uint64_t)st.st_blocks * 512 >= (uint64_t)st.st_size)
		goto out; /* no holes */
	out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
	if (out_fd < 0) {
		rc = -errno;
		goto out;
	}
	while ((n = read(in_fd, buf, sizeof(buf))) > 0) {
		ssize_t w = write(out_fd, buf, (size_t)n);
		if (w != n) {
			rc = w < 0 ? -errno : -EIO;
			goto out;
		}
	}
	const struct timespec times[2] = {st.st_atim, st.st_mtim};
	if (n < 0 || fchown(out_fd, st.st_uid, st.st_gid) < 0 || futimens(out_fd, times) < 0 ||
	    fsync(out_fd) < 0 || rename(tmp, path) < 0)
		rc = -errno;
	else
		log_info("%s had holes: rewritten in full for extlinux", path);
out:
	if (out_fd >= 0)
		close(out_fd);
	if (rc < 0 && out_fd >= 0)
		unlink(tmp);
	if (in_fd >= 0)
		close(in_fd);
	return rc;
}

/* The files extlinux itself reads: kernel and initrd, as absolute paths. */
static int densify_boot_files(struct install *in)
{
	const char *rel[2] = {in->kernel, in->initrd};
	int idx = plan_part_holding(&in->plan, "/boot");
	const char *mnt =
	    strcmp(in->plan.parts[idx].mount, "/") == 0 ? "" : in->plan.parts[idx].mount;
	char path[PATH_MAX];

	for (size_t i = 0; i < 2; i++) {
		if (!rel[i][0])
			continue;
		int r = path_fmt(path, sizeof(path), "%s%s%s", in->args.target, mnt, rel[i]);
		if (r == 0)
			r = densify(path);
		if (r < 0)
			return install_fail(in, r, "rewriting %s without holes: %s", path,
					    strerror(-r));
	}
	return 0;
}

static int write_conf(struct install *in)
{
	int root = plan_part_holding(&in->plan, "/");
	const char *console = in->plan.console[0] ? in->plan.console : in->args.console;
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int r;

	if (!mem)
		return install_fail(in, -errno, "out of memory");
	r = extlinux_conf_render(mem, in->kernel, in->initrd, in->parts[root].uuid, console);
	if (fclose(mem) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = path_fmt(path, sizeof(path), "%s/boot/extlinux.conf", in->args.target);
	if (r == 0)
		r = write_file_atomic(path, text, len, 0644);
	free(text);
	if (r < 0)
		return install_fail(in, r, "writing %s: %s", path, strerror(-r));
	return 0;
}

static int write_mbr(struct install *in)
{
	const char *name = in->plan.label == PLAN_LABEL_GPT ? "gptmbr.bin" : "mbr.bin";
	char path[PATH_MAX], *code = NULL;
	size_t len = 0;
	int fd = -1, r;

	r = path_fmt(path, sizeof(path), "%s/%s", in->args.tools.mbr_dir, name);
	if (r == 0)
		r = read_file(path, 512, &code, &len);
	if (r == 0 && (len < MBR_CODE_LEN))
		r = -EINVAL;
	if (r < 0) {
		r = install_fail(in, r, "MBR code %s: %s", path, strerror(-r));
		goto out;
	}
	fd = open(in->disk_dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, code, MBR_CODE_LEN, 0) != MBR_CODE_LEN || fsync(fd) < 0) {
		r = install_fail(in, -errno, "writing the MBR of %s: %s", in->disk_dev,
				 strerror(errno));
		goto out;
	}
	log_info("wrote %s to the MBR of %s", path, in->disk_dev);
out:
	if (fd >= 0)
		close(fd);
	free(code);
	return r;
}

static int install_extlinux(struct install *in)
{
	char dir[PATH_MAX], last[256];
	const char *argv[4];
	int st;

	if (path_fmt(dir, sizeof(dir), "%s/boot", in->args.target) < 0)
		return install_fail(in, -ENAMETOOLONG, "target path too long");
	argv[0] = in->args.tools.extlinux;
	argv[1] = "--install";
	argv[2] = dir;
	argv[3] = NULL;
	st = spawn_run(argv, NULL, NULL, last, sizeof(last));
	if (st != 0)
		return install_fail(in, st < 0 ? st : -EIO, "extlinux --install %s: %s%d: %s", dir,
				    st < 0 ? "error " : "exit ", st, last);
	st = densify_boot_files(in);
	if (st == 0)
		st = write_conf(in);
	if (st == 0)
		st = write_mbr(in);
	return st;
}

int step_bootloader(struct install *in)
{
	struct boot_image img;
	struct boot_choice c;
	char err[INSTALL_ERR_MAX - 32];
	int st;

	boot_image_probe(in->args.target, &img);
	st = boot_choose(&in->plan, &img, in->firmware, &c, err, sizeof(err));
	if (st < 0)
		return install_fail(in, st, "%s", err);
	if (c.note[0])
		log_info("boot: %s", c.note);
	if (c.loader == BOOT_LOADER_NONE) {
		log_info("boot: the image's bootloader is \"none\": no boot loader installed");
		in->boot_installed = true;
		return 0;
	}
	st = find_kernel(in, in->kernel, in->initrd, sizeof(in->kernel));
	if (st < 0)
		return st;
	if (c.loader == BOOT_LOADER_GRUB)
		st = grub_install_all(in, &c, &img);
	else
		st = install_extlinux(in);
	in->boot_installed = st == 0;
	return st;
}
