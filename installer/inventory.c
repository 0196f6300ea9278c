/* inventory.c - see inventory.h */
#include "inventory.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"
#include "install.h"
#include "log.h"
#include "util.h"

/* A sysfs/procfs text attribute, first line, printable ASCII only (the
 * values are vendor strings: jansson needs UTF-8, logs need plain text). */
static bool read_attr(const char *path, char *out, size_t outsz)
{
	out[0] = '\0';
	if (read_first_line(path, out, outsz) < 0 || !out[0])
		return false;
	for (char *p = out; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	/* trailing blanks: SCSI model strings are space-padded */
	for (size_t len = strlen(out); len > 0 && out[len - 1] == ' ';)
		out[--len] = '\0';
	return true;
}

static json_int_t mem_bytes(void)
{
	char line[256];
	long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return (json_int_t)kb * 1024;
}

static json_t *disk_entry(const char *name)
{
	char path[PATH_MAX], model[128], serial[128];
	uint64_t sectors = 0, removable = 0;

	disk_sysfs_u64(name, "size", &sectors);
	disk_sysfs_u64(name, "removable", &removable);
	snprintf(path, sizeof(path), "/sys/block/%s/device/model", name);
	read_attr(path, model, sizeof(model));
	snprintf(path, sizeof(path), "/sys/block/%s/serial", name);
	if (!read_attr(path, serial, sizeof(serial))) {
		snprintf(path, sizeof(path), "/sys/block/%s/device/serial", name);
		read_attr(path, serial, sizeof(serial));
	}
	return json_pack("{s:s, s:I, s:b, s:s, s:s}", "name", name, "size_bytes",
			 (json_int_t)(sectors * 512), "removable", removable != 0, "model", model,
			 "serial", serial);
}

static json_t *nic_entry(const char *name)
{
	char path[PATH_MAX], mac[64], carrier[8], speed[16];

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
	read_attr(path, mac, sizeof(mac));
	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", name);
	read_attr(path, carrier, sizeof(carrier));
	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", name);
	read_attr(path, speed, sizeof(speed));
	return json_pack("{s:s, s:s, s:b, s:s}", "name", name, "mac", mac, "link",
			 strcmp(carrier, "1") == 0, "speed_mbps", speed);
}

/* One array entry per directory entry that keep() accepts. */
static json_t *scan(const char *dir, bool (*keep)(const char *), json_t *(*entry)(const char *))
{
	json_t *arr = json_array();
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!arr || !d) {
		if (d)
			closedir(d);
		return arr;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && keep(de->d_name))
			json_array_append_new(arr, entry(de->d_name));
	closedir(d);
	return arr;
}

static bool keep_disk(const char *name)
{
	return !disk_is_virtual(name);
}

static bool keep_nic(const char *name)
{
	return strcmp(name, "lo") != 0;
}

static json_t *dmi_object(void)
{
	static const char *const keys[] = {"sys_vendor",   "product_name", "product_serial",
					   "product_uuid", "board_name",   "bios_version"};
	json_t *o = json_object();
	char path[128], val[128];

	for (size_t i = 0; o && i < ARRAY_SIZE(keys); i++) {
		snprintf(path, sizeof(path), "/sys/class/dmi/id/%s", keys[i]);
		if (read_attr(path, val, sizeof(val)))
			json_object_set_new(o, keys[i], json_string(val));
	}
	return o;
}

json_t *inventory_collect(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return json_pack("{s:i, s:I, s:o, s:o, s:o}", "cpus", (int)(cpus > 0 ? cpus : 0), "mem",
			 mem_bytes(), "disks", scan("/sys/block", keep_disk, disk_entry), "nics",
			 scan("/sys/class/net", keep_nic, nic_entry), "dmi", dmi_object());
}

int step_inventory(struct install *in)
{
	json_t *inv = inventory_collect();

	if (!inv) {
		log_warn("inventory: cannot build it, skipped");
		return 0;
	}
	report_json(&in->rep, "inventory", inv);
	json_decref(inv);
	return 0;
}
