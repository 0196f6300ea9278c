/* personalise.c - see personalise.h */
#include "personalise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chroot.h"
#include "install.h"
#include "log.h"
#include "net_config.h"
#include "pathfmt.h"
#include "spawn.h"
#include "util.h"

#define ETC_FILE_MAX (1024 * 1024)

/* "0000:00:03.0" -> domain, bus, slot, function */
static bool pci_addr(const char *s, unsigned *dom, unsigned *bus, unsigned *slot, unsigned *fn)
{
	int n = 0;
	return sscanf(s, "%4x:%2x:%2x.%1u%n", dom, bus, slot, fn, &n) == 4 && s[n] == '\0';
}

/* The PCI device directory above /sys/class/net/IF/device (virtio NICs sit
 * one level below their PCI function). */
static int pci_dir(const char *sys, const char *ifname, char *out, size_t outsz)
{
	char link[PATH_MAX], *real;
	unsigned d, b, s, f;

	if (path_fmt(link, sizeof(link), "%s/class/net/%s/device", sys, ifname) < 0)
		return -ENAMETOOLONG;
	real = realpath(link, NULL);
	if (!real)
		return -ENOENT;
	for (int up = 0; up < 3; up++) {
		char *base = strrchr(real, '/');
		if (!base)
			break;
		if (pci_addr(base + 1, &d, &b, &s, &f)) {
			snprintf(out, outsz, "%s", real);
			free(real);
			return 0;
		}
		*base = '\0';
	}
	free(real);
	return -ENOENT;
}

/* A hotplug slot whose address is dddd:bb:ss: its name ("3"). */
static int pci_slot(const char *sys, unsigned dom, unsigned bus, unsigned slot, char *out,
		    size_t outsz)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], want[16], addr[32];
	struct dirent *de;
	DIR *d;
	int rc = -ENOENT;

	snprintf(want, sizeof(want), "%04x:%02x:%02x", dom, bus, slot);
	if (path_fmt(dir, sizeof(dir), "%s/bus/pci/slots", sys) < 0 || !(d = opendir(dir)))
		return -ENOENT;
	while (rc < 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 8)
			continue;
		snprintf(path, sizeof(path), "%s/%s/address", dir, de->d_name);
		if (read_first_line(path, addr, sizeof(addr)) == 0 && strcmp(addr, want) == 0) {
			snprintf(out, outsz, "%s", de->d_name);
			rc = 0;
		}
	}
	closedir(d);
	return rc;
}

int net_predictable_name(const char *sys, const char *kernel_name, char out[IF_NAMESIZE])
{
	char dir[PATH_MAX], path[PATH_MAX + 16], buf[32], slot[16];
	unsigned dom, bus, sl, fn;
	uint64_t idx;

	if (pci_dir(sys, kernel_name, dir, sizeof(dir)) < 0 ||
	    !pci_addr(strrchr(dir, '/') + 1, &dom, &bus, &sl, &fn))
		return -ENOENT;
	/* systemd udev-builtin-net_id.c: onboard (firmware index) first */
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, i == 0 ? "acpi_index" : "index");
		if (read_first_line(path, buf, sizeof(buf)) == 0 &&
		    parse_u64(buf, 1, 16383, &idx) == 0) {
			snprintf(out, IF_NAMESIZE, "eno%llu", (unsigned long long)idx);
			return 0;
		}
	}
	char dpfx[12] = "", fsfx[12] = "", name[64];
	if (dom)
		snprintf(dpfx, sizeof(dpfx), "P%u", dom);
	if (fn)
		snprintf(fsfx, sizeof(fsfx), "f%u", fn);
	if (pci_slot(sys, dom, bus, sl, slot, sizeof(slot)) == 0)
		snprintf(name, sizeof(name), "en%ss%s%s", dpfx, slot, fsfx);
	else
		snprintf(name, sizeof(name), "en%sp%us%u%s", dpfx, bus, sl, fsfx);
	if (strlen(name) >= IF_NAMESIZE)
		return -ENOENT; /* udev would not use it either */
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

int ifupdown_render(FILE *out, const char *old, const char *hostname, const char *mac,
		    const char *kernel_name, const char *pred_name)
{
	fprintf(out, "# written by the bootsrv installer for %s: the NIC that booted (%s)\n",
		hostname, mac);
	while (old && *old) { /* keep the "source" lines (Debian: interfaces.d) */
		size_t len = strcspn(old, "\n");
		if (len > 7 &&
		    (strncmp(old, "source ", 7) == 0 || strncmp(old, "source-dir", 10) == 0))
			fprintf(out, "%.*s\n", (int)len, old);
		old += len + (old[len] == '\n');
	}
	fprintf(out, "\nauto lo\niface lo inet loopback\n\n");
	if (pred_name) {
		fprintf(out, "# udev renames %s (the installer's name) to %s\n", kernel_name,
			pred_name);
		fprintf(out, "allow-hotplug %s\niface %s inet dhcp\n\n", pred_name, pred_name);
		fprintf(out, "# the same NIC if renaming is off (net.ifnames=0)\n");
		fprintf(out, "allow-hotplug %s\niface %s inet dhcp\n", kernel_name, kernel_name);
	} else {
		fprintf(out, "auto %s\niface %s inet dhcp\n", kernel_name, kernel_name);
	}
	return ferror(out) ? -EIO : 0;
}

static int machine_id_reset(struct install *in)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	r = path_fmt(path, sizeof(path), "%s/etc/machine-id", in->args.target);
	if (r == 0 && lstat(path, &st) == 0) {
		/* empty: systemd generates a new ID at first boot */
		r = write_file_atomic(path, "", 0, 0444);
		if (r < 0)
			return install_fail(in, r, "emptying %s: %s", path, strerror(-r));
		log_info("personalise: /etc/machine-id emptied");
	}
	r = path_fmt(path, sizeof(path), "%s/var/lib/dbus/machine-id", in->args.target);
	if (r == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if (unlink(path) < 0)
			return install_fail(in, -errno, "removing %s: %s", path, strerror(errno));
		log_info("personalise: /var/lib/dbus/machine-id removed");
	}
	return 0;
}

static int ssh_remove_keys(struct install *in, const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return install_fail(in, -errno, "opening %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "ssh_host_", 9) != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
			int e = errno;
			closedir(d);
			return install_fail(in, -e, "removing %s/%s: %s", dir, de->d_name,
					    strerror(e));
		}
		n++;
	}
	closedir(d);
	log_info("personalise: %d SSH host key files of the golden client removed", n);
	return 0;
}

static int ssh_host_keys(struct install *in)
{
	const char *argv[] = {"/usr/bin/ssh-keygen", "-A", NULL};
	char dir[PATH_MAX], err[256], last[256];
	struct chroot_mounts cm;
	struct stat st;
	int r, st_rc;

	if (path_fmt(dir, sizeof(dir), "%s/etc/ssh", in->args.target) < 0 || stat(dir, &st) < 0) {
		log_info("personalise: no /etc/ssh in the image");
		return 0;
	}
	r = ssh_remove_keys(in, dir);
	if (r < 0)
		return r;
	if (!chroot_has_exec(in->args.target, argv[0])) {
		log_info("personalise: no /usr/bin/ssh-keygen in the image: SSH host keys left "
			 "absent");
		return 0;
	}
	r = chroot_mounts_up(&cm, in->args.target, err, sizeof(err));
	if (r < 0)
		return install_fail(in, r, "%s", err);
	st_rc = spawn_run_in(in->args.target, NULL, argv, NULL, NULL, last, sizeof(last));
	r = chroot_mounts_down(&cm);
	if (st_rc != 0)
		return install_fail(in, st_rc < 0 ? st_rc : -EIO,
				    "ssh-keygen -A in the target: %s%d: %s",
				    st_rc < 0 ? "error " : "exit ", st_rc, last);
	if (r < 0)
		return install_fail(in, r, "unmounting the target's /proc, /sys, /dev");
	log_info("personalise: new SSH host keys made by the image's ssh-keygen");
	return 0;
}

/* Does the image rename NICs (udev's 80-net-setup-link.rules, not masked)? */
static bool image_renames_nics(const char *target)
{
	static const char *const rules[] = {"/usr/lib/udev/rules.d/80-net-setup-link.rules",
					    "/lib/udev/rules.d/80-net-setup-link.rules"};
	char path[PATH_MAX];
	struct stat st;
	bool have = false;

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		have |= path_fmt(path, sizeof(path), "%s%s", target, rules[i]) == 0 &&
			stat(path, &st) == 0;
	if (path_fmt(path, sizeof(path), "%s/etc/udev/rules.d/80-net-setup-link.rules", target) ==
		0 &&
	    lstat(path, &st) == 0)
		have = false; /* masked or replaced by the admin */
	return have;
}

static int render_to(const char *path, const char *hostname, const char *mac, const char *kname,
		     const char *pred)
{
	char *old = NULL, *text = NULL;
	size_t len = 0;
	FILE *mem;
	int r = read_file(path, ETC_FILE_MAX, &old, NULL);

	if (r < 0 && r != -ENOENT)
		return r;
	mem = open_memstream(&text, &len);
	if (!mem) {
		free(old);
		return -ENOMEM;
	}
	r = ifupdown_render(mem, old, hostname, mac, kname, pred);
	if (fclose(mem) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = write_file_atomic(path, text, len, 0644);
	free(text);
	free(old);
	return r;
}

static int network_config(struct install *in)
{
	char path[PATH_MAX], kname[IF_NAMESIZE] = "", pred[IF_NAMESIZE], mac[18];
	const char *pred_name = NULL;
	struct stat st;
	int r;

	if (path_fmt(path, sizeof(path), "%s/etc/network/interfaces", in->args.target) < 0 ||
	    stat(path, &st) < 0) {
		log_info("personalise: the image has no /etc/network/interfaces (not ifupdown): "
			 "network configuration left to the image");
		return 0;
	}
	if (in->lease.ifname[0])
		snprintf(kname, sizeof(kname), "%s", in->lease.ifname);
	else if (!in->args.have_bootif ||
		 net_find_ifname("/sys/class/net", in->args.bootif, kname) < 0) {
		log_warn("personalise: no BOOTIF interface known: /etc/network/interfaces kept");
		return 0;
	}
	if (in->args.have_bootif)
		mac_format(in->args.bootif, ':', mac);
	else
		snprintf(mac, sizeof(mac), "MAC unknown");
	if (net_predictable_name("/sys", kname, pred) == 0 && strcmp(pred, kname) != 0 &&
	    image_renames_nics(in->args.target))
		pred_name = pred;
	r = render_to(path, in->plan.hostname, mac, kname, pred_name);
	if (r < 0)
		return install_fail(in, r, "writing %s: %s", path, strerror(-r));
	log_info("personalise: /etc/network/interfaces: DHCP on %s%s%s", kname,
		 pred_name ? ", renamed " : "", pred_name ? pred_name : "");
	return 0;
}

/* One txt record per line, for hooks ($BOOTSRV_TXT_FILE). */
static int host_txt(struct install *in)
{
	char path[PATH_MAX], dir[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int r;

	if (!mem)
		return install_fail(in, -ENOMEM, "out of memory");
	for (size_t i = 0; i < in->plan.n_txt; i++)
		fprintf(mem, "%s\n", in->plan.txt[i]);
	r = fclose(mem) == 0 ? 0 : -EIO;
	if (r == 0)
		r = path_fmt(dir, sizeof(dir), "%s/etc/bootsrv", in->args.target);
	if (r == 0)
		r = mkdir_p(dir, 0755);
	if (r == 0)
		r = path_fmt(path, sizeof(path), "%s%s", in->args.target, HOST_TXT_PATH);
	if (r == 0)
		r = write_file_atomic(path, text ? text : "", len, 0644);
	free(text);
	if (r < 0)
		return install_fail(in, r, "writing %s: %s", HOST_TXT_PATH, strerror(-r));
	return 0;
}

int step_personalise(struct install *in)
{
	int r = machine_id_reset(in);

	if (r == 0)
		r = ssh_host_keys(in);
	if (r == 0)
		r = network_config(in);
	if (r == 0)
		r = host_txt(in);
	return r;
}
