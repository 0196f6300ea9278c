/* golden_layout.c - lsblk/findmnt/sfdisk JSON into a bootsrv layout (see
 * golden_layout.h). Sizes come from sfdisk (sectors x sectorsize), flags
 * from the partition types, filesystems and labels from lsblk, mount
 * points and options from findmnt. */
#include "golden_layout.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_NODES 256
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

/* UEFI spec 2.10 table 5.7 (EFI System), GRUB's BIOS boot partition. */
#define GPT_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GPT_BIOS_GRUB "21686148-6449-6E6F-744E-656564454649"

/* Filesystems on a local block device: these are pulled. Everything else
 * findmnt lists (proc, sysfs, tmpfs, nfs, fuse, overlay...) is not. */
static const char *const local_fs[] = {"ext2", "ext3", "ext4",	   "xfs",  "btrfs", "vfat",
				       "f2fs", "jfs",  "reiserfs", "ntfs", "ntfs3", "exfat"};
/* What the installer makes (config.c known_fs). */
static const char *const layout_fs[] = {"ext2", "ext3", "ext4", "xfs", "vfat", "swap"};
/* Mounts under these are media or scratch, not the system. */
static const char *const skip_under[] = {"/proc", "/sys", "/dev", "/run", "/tmp", "/mnt", "/media"};
/* Kernel mount options that are defaults anyway (mount(8), xfs(5), the
 * vfat driver's codepage/iocharset): noise in an fstab. */
static const char *const default_opts[] = {
    "rw",	    "relatime",	 "seclabel",   "attr2",		  "inode64",  "noquota",
    "data=ordered", "codepage=", "iocharset=", "shortname=mixed", "logbufs=", "logbsize="};

struct node {
	const char *name, *path, *type, *fstype, *label, *parttype;
	const json_t *obj; /* lsblk's object, for the table when sfdisk is absent */
	int parent;	   /* index, -1 for a top-level device */
	int nchildren;
};

struct facts {
	json_t *doc, *mounts, *sfdisk;
	struct node n[MAX_NODES];
	size_t nn;
	char *why;
	size_t whysz;
};

__attribute__((format(printf, 3, 4))) static int fail(struct facts *f, int err, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->why, f->whysz, fmt, ap);
	va_end(ap);
	return err;
}

static bool in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int flatten(struct facts *f, json_t *arr, int parent, unsigned depth)
{
	size_t i;
	json_t *d;

	if (!json_is_array(arr) || depth > 8)
		return fail(f, -EINVAL, "lsblk: blockdevices/children is not a list");
	json_array_foreach(arr, i, d)
	{
		if (!json_is_object(d))
			return fail(f, -EINVAL, "lsblk: a device is not an object");
		if (f->nn == MAX_NODES)
			return fail(f, -ENOTSUP, "more than %d block devices", MAX_NODES);
		struct node *n = &f->n[f->nn];
		*n = (struct node){
		    str(d, "name"),  str(d, "path"),	 str(d, "type"), str(d, "fstype"),
		    str(d, "label"), str(d, "parttype"), d,	 parent, 0};
		if (!n->path[0] || !n->type[0])
			return fail(f, -EINVAL, "lsblk: a device without path or type");
		if (parent >= 0)
			f->n[parent].nchildren++;
		int me = (int)f->nn++;
		json_t *ch = json_object_get(d, "children");
		int r = ch ? flatten(f, ch, me, depth + 1) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int node_by_path(const struct facts *f, const char *path)
{
	for (size_t i = 0; i < f->nn; i++)
		if (strcmp(f->n[i].path, path) == 0)
			return (int)i;
	return -1;
}

/* "/dev/vda2[/@home]" (btrfs subvolume, bind mount) -> "/dev/vda2" */
static void source_dev(const char *src, char *out, size_t outsz)
{
	size_t k = strcspn(src, "[");
	snprintf(out, outsz, "%.*s", (int)k, src);
}

static const char *stack_name(const char *type)
{
	if (strcmp(type, "lvm") == 0)
		return "LVM";
	if (strncmp(type, "raid", 4) == 0 || strcmp(type, "md") == 0)
		return "md RAID";
	if (strcmp(type, "crypt") == 0)
		return "dm-crypt";
	return NULL;
}

static bool skipped_mount(const char *target)
{
	for (size_t i = 0; i < ARRAY_SIZE(skip_under); i++) {
		size_t k = strlen(skip_under[i]);
		if (strncmp(target, skip_under[i], k) == 0 && (!target[k] || target[k] == '/'))
			return true;
	}
	return false;
}

static int load(struct facts *f, const char *doc, size_t len)
{
	json_error_t e;
	json_t *bd;

	f->doc = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &e);
	if (!f->doc || !json_is_object(f->doc))
		return fail(f, -EINVAL, "malformed facts from the client: %s (line %d)",
			    f->doc ? "not an object" : e.text, e.line);
	f->mounts = json_object_get(json_object_get(f->doc, "findmnt"), "filesystems");
	if (!json_is_array(f->mounts))
		return fail(f,
			    json_is_null(json_object_get(f->doc, "findmnt")) ? -ENOTSUP : -EINVAL,
			    "findmnt gave no list of mounted filesystems");
	for (size_t i = 0; i < json_array_size(f->mounts); i++)
		if (!json_is_object(json_array_get(f->mounts, i)) ||
		    !json_is_string(json_object_get(json_array_get(f->mounts, i), "target")))
			return fail(f, -EINVAL, "findmnt: a filesystem without a target");
	f->sfdisk = json_object_get(f->doc, "sfdisk");
	if (f->sfdisk && !json_is_array(f->sfdisk))
		return fail(f, -EINVAL, "sfdisk: not a list");
	bd = json_object_get(json_object_get(f->doc, "lsblk"), "blockdevices");
	if (!bd)
		return json_is_null(json_object_get(f->doc, "lsblk")) ||
			       !json_object_get(f->doc, "lsblk")
			   ? fail(f, -ENOTSUP,
				  "the client's lsblk listed no block devices (a container or "
				  "chroot?)")
			   : fail(f, -EINVAL, "lsblk: no blockdevices");
	return flatten(f, bd, -1, 0);
}

static bool is_local_mount(const json_t *m)
{
	return strcmp(str(m, "target"), "/") == 0 ||
	       (in(str(m, "fstype"), local_fs, ARRAY_SIZE(local_fs)) &&
		!skipped_mount(str(m, "target")));
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(a, b);
}

int golden_sources_parse(const char *doc, size_t len, struct golden_sources *out, char *why,
			 size_t whysz)
{
	struct facts f = {.why = why, .whysz = whysz};
	json_error_t e;
	size_t i;
	json_t *m;

	memset(out, 0, sizeof(*out));
	snprintf(why, whysz, "ok");
	f.doc = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &e);
	f.mounts = json_object_get(json_object_get(f.doc, "findmnt"), "filesystems");
	snprintf(out->path[out->n++], sizeof(out->path[0]), "/");
	if (!f.doc || !json_is_object(f.doc)) {
		json_decref(f.doc);
		return fail(&f, -EINVAL, "malformed facts from the client: %s", e.text);
	}
	json_array_foreach(f.mounts, i, m)
	{
		const char *t = str(m, "target");
		bool dup = false;

		if (t[0] != '/' || strcmp(t, "/") == 0 || !is_local_mount(m) ||
		    strlen(t) >= sizeof(out->path[0]) || strpbrk(t, "\n\r"))
			continue;
		for (size_t k = 0; k < out->n; k++)
			dup |= strcmp(out->path[k], t) == 0;
		if (dup)
			continue;
		if (out->n == GOLDEN_MAX_SOURCES) {
			json_decref(f.doc);
			return fail(&f, -ENOTSUP, "more than %d local filesystems mounted",
				    GOLDEN_MAX_SOURCES);
		}
		snprintf(out->path[out->n++], sizeof(out->path[0]), "%s", t);
	}
	qsort(out->path, out->n, sizeof(out->path[0]), cmp_path); /* parents first */
	json_decref(f.doc);
	return 0;
}

/* The disk (top-level node) holding node i. */
static int disk_of(const struct facts *f, int i)
{
	while (f->n[i].parent >= 0)
		i = f->n[i].parent;
	return i;
}

/* Every local mount must be a partition of one disk; returns the disk. */
static int check_mounts(struct facts *f, int *root_part)
{
	char dev[256];
	int disk = -1;
	size_t i;
	json_t *m;

	*root_part = -1;
	json_array_foreach(f->mounts, i, m)
	{
		const char *t = str(m, "target");
		int k;

		if (!is_local_mount(m))
			continue;
		source_dev(str(m, "source"), dev, sizeof(dev));
		if ((k = node_by_path(f, dev)) < 0)
			return fail(f, -ENOTSUP, "%s is on %s (%s), not a disk partition", t,
				    dev[0] ? dev : "?", str(m, "fstype"));
		const char *stack = stack_name(f->n[k].type);
		if (stack)
			return fail(f, -ENOTSUP, "%s is on %s (%s, %s)", t, stack, f->n[k].name,
				    f->n[k].path);
		if (strcmp(f->n[k].type, "part") != 0)
			return fail(f, -ENOTSUP, "%s is on %s, a %s, not a partition", t,
				    f->n[k].path, f->n[k].type);
		if (disk >= 0 && disk_of(f, k) != disk)
			return fail(f, -ENOTSUP, "several disks: %s is on %s, another mount on %s",
				    t, f->n[disk_of(f, k)].path, f->n[disk].path);
		disk = disk_of(f, k);
		if (strcmp(t, "/") == 0)
			*root_part = k;
	}
	if (*root_part < 0)
		return fail(f, -ENOTSUP, "findmnt shows no filesystem mounted on /");
	for (size_t j = 0; j < f->nn; j++) { /* swap elsewhere, stacks on the disk */
		const char *stack = stack_name(f->n[j].type);
		int d = disk_of(f, (int)j);
		if (stack && d == disk)
			return fail(f, -ENOTSUP, "%s holds %s (%s)",
				    f->n[f->n[j].parent >= 0 ? f->n[j].parent : (int)j].path, stack,
				    f->n[j].name);
		if (strcmp(f->n[j].fstype, "swap") == 0 && d != disk)
			return fail(f, -ENOTSUP, "several disks: swap on %s, / on %s", f->n[j].path,
				    f->n[disk].path);
	}
	return disk;
}

static const json_t *table_of(const struct facts *f, const char *disk)
{
	size_t i;
	json_t *t;

	json_array_foreach(f->sfdisk, i, t)
	{
		json_t *pt = json_object_get(t, "partitiontable");
		if (strcmp(str(pt, "device"), disk) == 0)
			return pt;
	}
	return NULL;
}

/* lsblk's partition flags ("0x80", "0x4"): -1 when absent or malformed */
static long long hex_flags(const json_t *o)
{
	const char *s = str(o, "partflags");
	char *end;
	long long v;

	if (strncmp(s, "0x", 2) != 0)
		return -1;
	errno = 0;
	v = strtoll(s + 2, &end, 16);
	return errno || *end || end == s + 2 || v < 0 ? -1 : v;
}

static int by_start(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "start"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "start"));
	return x < y ? -1 : x > y;
}

/* The disk's table in sfdisk's shape, from lsblk (a new reference, or
 * NULL when lsblk names no table or a partition lacks a start or size):
 * partitions in disk order, sizes in 512-byte sectors (lsblk -b gives
 * bytes), dos types without "0x", the dos active flag (0x80) as
 * "bootable", gpt attribute bit 2 (legacy BIOS bootable, UEFI 2.x 5.3.3)
 * as "attrs". */
static json_t *table_from_lsblk(const struct facts *f, int disk)
{
	const char *pt = str(f->n[disk].obj, "pttype");
	json_t *item[MAX_NODES], *parts;
	bool gpt = strcmp(pt, "gpt") == 0;
	size_t n = 0;

	if (!gpt && strcmp(pt, "dos") != 0)
		return NULL;
	for (size_t i = 0; i < f->nn; i++) {
		const json_t *o = f->n[i].obj;
		json_t *size = json_object_get(o, "size"), *start = json_object_get(o, "start");
		const char *type = str(o, "parttype");
		long long fl = hex_flags(o);

		if (f->n[i].parent != disk || strcmp(f->n[i].type, "part") != 0)
			continue;
		if (!json_is_integer(size) || !json_is_integer(start) ||
		    json_integer_value(size) % 512 ||
		    !(item[n] = json_pack("{s:s, s:I, s:I, s:s, s:b, s:s}", "node", f->n[i].path,
					  "start", json_integer_value(start), "size",
					  json_integer_value(size) / 512, "type",
					  !gpt && strncmp(type, "0x", 2) == 0 ? type + 2 : type,
					  "bootable", !gpt && fl == 0x80, "attrs",
					  gpt && fl >= 0 && (fl & 4) ? "LegacyBIOSBootable" : ""))) {
			while (n)
				json_decref(item[--n]);
			return NULL;
		}
		n++;
	}
	qsort(item, n, sizeof(item[0]), by_start);
	if (!(parts = json_array())) {
		while (n)
			json_decref(item[--n]);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(parts, item[i]);
	return json_pack("{s:s, s:s, s:I, s:o}", "label", gpt ? "gpt" : "dos", "device",
			 f->n[disk].path, "sectorsize", (json_int_t)512, "partitions", parts);
}

static void filter_options(const char *opts, char *out, size_t outsz)
{
	char buf[512], *save = NULL;
	size_t o = 0;

	snprintf(buf, sizeof(buf), "%s", opts);
	out[0] = '\0';
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool drop = false;
		for (size_t i = 0; i < ARRAY_SIZE(default_opts); i++) {
			size_t k = strlen(default_opts[i]);
			drop |= default_opts[i][k - 1] == '=' ? strncmp(t, default_opts[i], k) == 0
							      : strcmp(t, default_opts[i]) == 0;
		}
		if (!drop && o < outsz)
			o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? "," : "", t);
	}
	if (!out[0])
		snprintf(out, outsz, "defaults");
}

/* The shortest local mount point of dev (a btrfs or bind mount can show a
 * device more than once), or NULL. */
static const json_t *mount_of(const struct facts *f, const char *dev)
{
	const json_t *best = NULL;
	char d[256];
	size_t i;
	json_t *m;

	json_array_foreach(f->mounts, i, m)
	{
		source_dev(str(m, "source"), d, sizeof(d));
		if (strcmp(d, dev) == 0 && is_local_mount(m) &&
		    (!best || strlen(str(m, "target")) < strlen(str(best, "target"))))
			best = m;
	}
	return best;
}

static int sectors(const json_t *o, const char *key, uint64_t *v)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -EINVAL;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

static int one_part(struct facts *f, const json_t *p, bool gpt, uint64_t ssz, int root,
		    struct cfg_partition *out)
{
	const char *node = str(p, "node"), *type = str(p, "type");
	uint64_t size;
	int k = node_by_path(f, node);
	const json_t *m;

	if (sectors(p, "size", &size) < 0 || size == 0 || size > UINT64_MAX / ssz)
		return fail(f, -EINVAL, "sfdisk: partition %s without a size", node);
	if (!gpt && (strcasecmp(type, "5") == 0 || strcasecmp(type, "f") == 0 ||
		     strcasecmp(type, "85") == 0))
		return fail(f, -ENOTSUP,
			    "%s is an extended partition: logical partitions are not a bootsrv "
			    "layout",
			    node);
	if (k < 0)
		return fail(f, -EINVAL, "sfdisk lists %s, lsblk does not", node);
	const struct node *n = &f->n[k];
	if (n->fstype[0] && !in(n->fstype, layout_fs, ARRAY_SIZE(layout_fs)))
		return fail(f, -ENOTSUP,
			    "%s is %s: the installer makes ext2, ext3, ext4, xfs, vfat and swap",
			    node, n->fstype);
	snprintf(out->fs, sizeof(out->fs), "%s", n->fstype);
	if (strlen(n->label) >= sizeof(out->label) || strpbrk(n->label, "\"\\\n"))
		return fail(f, -ENOTSUP, "%s: label \"%.40s\" is too long or odd", node, n->label);
	snprintf(out->label, sizeof(out->label), "%s", n->label);
	strcpy(out->options, "defaults");
	if ((m = mount_of(f, node))) {
		const char *t = str(m, "target");
		if (strlen(t) >= sizeof(out->mount) || strpbrk(t, "*?[\\\"\n"))
			return fail(f, -ENOTSUP, "%s: mount point %.60s cannot be a layout's", node,
				    t);
		snprintf(out->mount, sizeof(out->mount), "%s", t);
		filter_options(str(m, "options"), out->options, sizeof(out->options));
	}
	out->fill = k == root;
	/* the installer aligns to 1 MiB anyway: round up to whole MiB */
	out->size = out->fill ? 0 : (size * ssz + MiB - 1) / MiB * MiB;
	if (gpt) {
		out->flag_esp = strcasecmp(type, GPT_ESP) == 0;
		out->flag_bios_grub = strcasecmp(type, GPT_BIOS_GRUB) == 0;
		out->flag_boot = strstr(str(p, "attrs"), "LegacyBIOSBootable") != NULL;
	} else {
		out->flag_esp = strcasecmp(type, "ef") == 0;
		out->flag_boot = json_is_true(json_object_get(p, "bootable"));
	}
	return 0;
}

static int parts(struct facts *f, const json_t *pt, int root, struct cfg_layout *l)
{
	const json_t *arr = json_object_get(pt, "partitions");
	uint64_t ssz = 512;
	size_t fills = 0;
	bool gpt;

	if (strcmp(str(pt, "label"), "gpt") == 0)
		snprintf(l->label, sizeof(l->label), "gpt");
	else if (strcmp(str(pt, "label"), "dos") == 0)
		snprintf(l->label, sizeof(l->label), "msdos");
	else
		return fail(f, -ENOTSUP, "partition table \"%.20s\" is neither dos nor gpt",
			    str(pt, "label"));
	gpt = l->label[0] == 'g';
	if (json_object_get(pt, "sectorsize") &&
	    (sectors(pt, "sectorsize", &ssz) < 0 || ssz < 512 || ssz > 65536))
		return fail(f, -EINVAL, "sfdisk: bad sectorsize");
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return fail(f, -EINVAL, "sfdisk: no partitions");
	if (!gpt && json_array_size(arr) > 4)
		return fail(f, -ENOTSUP,
			    "%zu partitions: logical partitions are not a bootsrv "
			    "layout",
			    json_array_size(arr));
	if (json_array_size(arr) > 128)
		return fail(f, -ENOTSUP, "more than 128 partitions");
	l->nparts = json_array_size(arr);
	if (!(l->parts = calloc(l->nparts, sizeof(*l->parts))))
		return fail(f, -ENOMEM, "out of memory");
	for (size_t i = 0; i < l->nparts; i++) {
		const json_t *p = json_array_get(arr, i);
		int r = json_is_object(p)
			    ? one_part(f, p, gpt, ssz, root, &l->parts[i])
			    : fail(f, -EINVAL, "sfdisk: a partition is not an object");
		if (r < 0)
			return r;
		for (size_t k = 0; k < i; k++)
			if (strcmp(str(json_array_get(arr, k), "node"), str(p, "node")) == 0)
				return fail(f, -EINVAL, "sfdisk lists %s twice", str(p, "node"));
		fills += l->parts[i].fill;
	}
	if (fills != 1)
		return fail(f, -EINVAL, "sfdisk does not list %s, which holds /", f->n[root].path);
	return 0;
}

int golden_layout_parse(const char *doc, size_t len, const char *name, struct cfg_layout *out,
			char *disk, size_t disksz, char *why, size_t whysz)
{
	struct facts f = {.why = why, .whysz = whysz};
	const json_t *pt;
	json_t *own = NULL; /* the table from lsblk, when sfdisk gave none */
	int r, root, d;

	memset(out, 0, sizeof(*out));
	disk[0] = '\0';
	snprintf(why, whysz, "ok");
	r = load(&f, doc, len);
	if (r == 0 && (d = check_mounts(&f, &root)) < 0)
		r = d;
	if (r == 0) {
		snprintf(disk, disksz, "%s", f.n[d].path);
		if ((pt = table_of(&f, f.n[d].path)))
			r = parts(&f, pt, root, out);
		else if ((own = table_from_lsblk(&f, d)))
			r = parts(&f, own, root, out);
		else
			r = fail(&f, -ENOTSUP, "no partition table for %s (sfdisk or lsblk)",
				 f.n[d].path);
	}
	if (r == 0) {
		snprintf(out->name, sizeof(out->name), "%s", name);
		snprintf(out->disk, sizeof(out->disk), "first");
	} else {
		free(out->parts);
		memset(out, 0, sizeof(*out));
	}
	json_decref(own);
	json_decref(f.doc);
	return r;
}

void golden_size_text(const struct cfg_partition *p, char *out, size_t outsz)
{
	if (p->fill)
		snprintf(out, outsz, "*");
	else if (p->size % GiB == 0)
		snprintf(out, outsz, "%lluG", (unsigned long long)(p->size / GiB));
	else
		snprintf(out, outsz, "%lluM", (unsigned long long)((p->size + MiB - 1) / MiB));
}

static int add_str(config_setting_t *g, const char *key, const char *v)
{
	config_setting_t *s = config_setting_add(g, key, CONFIG_TYPE_STRING);
	return s && config_setting_set_string(s, v) ? 0 : -ENOMEM;
}

static int add_part(const struct cfg_partition *p, config_setting_t *list)
{
	config_setting_t *g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP), *fl;
	char size[32];
	int r;

	if (!g)
		return -ENOMEM;
	golden_size_text(p, size, sizeof(size));
	r = add_str(g, "size", size);
	if (r == 0 && p->fs[0])
		r = add_str(g, "fs", p->fs);
	if (r == 0 && p->mount[0])
		r = add_str(g, "mount", p->mount);
	if (r == 0 && p->label[0])
		r = add_str(g, "label", p->label);
	if (r == 0 && p->mount[0])
		r = add_str(g, "options", p->options);
	if (r == 0 && (p->flag_boot || p->flag_esp || p->flag_bios_grub)) {
		if (!(fl = config_setting_add(g, "flags", CONFIG_TYPE_ARRAY)))
			return -ENOMEM;
		if (p->flag_boot)
			config_setting_set_string_elem(fl, -1, "boot");
		if (p->flag_esp)
			config_setting_set_string_elem(fl, -1, "esp");
		if (p->flag_bios_grub)
			config_setting_set_string_elem(fl, -1, "bios_grub");
	}
	return r;
}

int golden_layout_setting(const struct cfg_layout *l, config_setting_t *parent, const char *key)
{
	config_setting_t *g = config_setting_add(parent, key, CONFIG_TYPE_GROUP), *ps;
	int r;

	if (!g)
		return -ENOMEM;
	r = add_str(g, "disk", l->disk);
	if (r == 0)
		r = add_str(g, "label", l->label);
	if (r == 0 && !(ps = config_setting_add(g, "partitions", CONFIG_TYPE_LIST)))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < l->nparts; i++)
		r = add_part(&l->parts[i], ps);
	return r;
}
