/* layout_import.c - see layout_import.h */
#include "layout_import.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disk_naming.h"
#include "util.h"
#include "xml_lite.h"

#define IMPORT_FILE_MAX (1024 * 1024)
#define MAX_PARTS 16 /* the installer's plan limit */
#define MAX_FSINFO 64
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define SIZE_LIMIT (UINT64_C(1) << 56)

struct imp_part {
	unsigned num, line;
	uint64_t bytes;
	bool fill;
	char size_text[48]; /* as written, for the comment */
	unsigned flags;	    /* IMP_F_* */
	int fsinfo;	    /* index into fsinfo[], -1 */
};

struct imp_fsinfo {
	unsigned line, num;
	char dev[XML_VALUE_MAX], fs[16], mount[XML_VALUE_MAX], label[32], options[XML_VALUE_MAX];
};

enum { IMP_F_BOOT = 1, IMP_F_ESP = 2, IMP_F_BIOS_GRUB = 4, IMP_F_LEGACY_BOOT = 8 };

struct imp {
	layout_report_fn report;
	void *arg;
	int errors;
	unsigned disk_line;
	char disk[XML_VALUE_MAX];
	char label[8];
	const char *unit_name;
	uint64_t unit;
	struct imp_part parts[MAX_PARTS];
	size_t n_parts;
	struct imp_fsinfo fsinfo[MAX_FSINFO];
	size_t n_fsinfo;
};

static void say(struct imp *im, unsigned line, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say(struct imp *im, unsigned line, bool warning, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!warning)
		im->errors++;
	if (im->report)
		im->report(line, warning, msg, im->arg);
}

/* Values that end up inside libconfig strings and fstab fields. */
static bool safe_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '"' || *s == '\\' || *s == 0x7f)
			return false;
	return true;
}

static const struct {
	const char *name;
	uint64_t bytes;
} units[] = {
    {"B", 1},		{"kB", 1000},
    {"KB", 1000},	{"MB", 1000000},
    {"GB", 1000000000}, {"TB", UINT64_C(1000000000000)},
    {"KiB", 1024},	{"MiB", MiB},
    {"GiB", GiB},	{"TiB", GiB * 1024},
};

static void check_attrs(struct imp *im, const struct xml_event *ev, const char *const *known)
{
	for (size_t i = 0; i < ev->n_attrs; i++) {
		size_t k;
		for (k = 0; known[k]; k++)
			if (strcmp(ev->attrs[i].name, known[k]) == 0)
				break;
		if (!known[k])
			say(im, ev->line, false, "<%s>: unknown attribute \"%s\"", ev->name,
			    ev->attrs[i].name);
	}
}

static void on_disk(struct imp *im, const struct xml_event *ev)
{
	static const char *const known[] = {"dev", "label_type", "unit_of_measurement", NULL};
	const char *dev = xml_attr(ev, "dev"), *lt = xml_attr(ev, "label_type");
	const char *unit = xml_attr(ev, "unit_of_measurement");

	check_attrs(im, ev, known);
	if (im->disk_line) {
		say(im, ev->line, false,
		    "a second <disk> (%s): a bootsrv layout describes one disk (first at line %u)",
		    dev ? dev : "?", im->disk_line);
		return;
	}
	im->disk_line = ev->line;
	if (!dev || strncmp(dev, "/dev/", 5) != 0 || !safe_text(dev) || strstr(dev, ".."))
		say(im, ev->line, false, "<disk> needs dev=\"/dev/...\"");
	else
		snprintf(im->disk, sizeof(im->disk), "%s", dev);
	if (lt && (strcmp(lt, "msdos") == 0 || strcmp(lt, "gpt") == 0))
		snprintf(im->label, sizeof(im->label), "%s", lt);
	else
		say(im, ev->line, false, "<disk> label_type \"%s\" is not msdos or gpt",
		    lt ? lt : "(missing)");
	for (size_t i = 0; unit && i < ARRAY_SIZE(units); i++)
		if (strcmp(unit, units[i].name) == 0) {
			im->unit_name = units[i].name;
			im->unit = units[i].bytes;
		}
	if (!unit)
		say(im, ev->line, false, "<disk> has no unit_of_measurement");
	else if (!im->unit)
		say(im, ev->line, false,
		    "unknown unit_of_measurement \"%s\" (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB; "
		    "sectors and %% depend on the disk)",
		    unit);
}

/* "10676", "96.5" in im->unit; "*" is the rest of the disk. */
static int parse_si_size(struct imp *im, const char *s, struct imp_part *p)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *c = s;

	if (strcmp(s, "*") == 0) {
		p->fill = true;
		return 0;
	}
	if (*c < '0' || *c > '9')
		return -EINVAL;
	for (; *c >= '0' && *c <= '9'; c++) {
		if (whole > SIZE_LIMIT)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*c - '0');
	}
	if (*c == '.') {
		for (c++; *c >= '0' && *c <= '9' && scale < 1000000; c++) {
			frac = frac * 10 + (uint64_t)(*c - '0');
			scale *= 10;
		}
		if (scale == 1)
			return -EINVAL;
	}
	if (*c != '\0')
		return -EINVAL;
	if (im->unit == 0)
		return 0; /* reported with the <disk> */
	if (whole > SIZE_LIMIT / im->unit)
		return -ERANGE;
	p->bytes = whole * im->unit + (frac * im->unit + scale - 1) / scale;
	return p->bytes == 0 ? -ERANGE : 0;
}

static const struct {
	const char *name;
	unsigned flag; /* 0: ignored with a warning */
	const char *error;
} si_flags[] = {
    {"boot", IMP_F_BOOT, NULL},
    {"esp", IMP_F_ESP, NULL},
    {"bios_grub", IMP_F_BIOS_GRUB, NULL},
    {"legacy_boot", IMP_F_LEGACY_BOOT, NULL},
    {"lba", 0, NULL},
    {"raid", 0, "software RAID (flag \"raid\") cannot be expressed in a bootsrv layout"},
    {"lvm", 0, "LVM (flag \"lvm\") cannot be expressed in a bootsrv layout"},
};

static void parse_part_flags(struct imp *im, const struct xml_event *ev, const char *flags,
			     struct imp_part *p)
{
	char buf[XML_VALUE_MAX], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", flags ? flags : "-");
	for (char *f = strtok_r(buf, ", ", &save); f; f = strtok_r(NULL, ", ", &save)) {
		size_t k;
		if (strcmp(f, "-") == 0)
			continue;
		for (k = 0; k < ARRAY_SIZE(si_flags); k++)
			if (strcmp(f, si_flags[k].name) == 0)
				break;
		if (k == ARRAY_SIZE(si_flags))
			say(im, ev->line, false, "partition %u: flag \"%s\" cannot be expressed",
			    p->num, f);
		else if (si_flags[k].error)
			say(im, ev->line, false, "partition %u: %s", p->num, si_flags[k].error);
		else if (!si_flags[k].flag)
			say(im, ev->line, true, "partition %u: flag \"%s\" ignored", p->num, f);
		else
			p->flags |= si_flags[k].flag;
	}
}

static void on_part(struct imp *im, const struct xml_event *ev)
{
	static const char *const known[] = {"num", "size",	"p_type",   "p_name", "flags",
					    "id",  "lvm_group", "raid_dev", NULL};
	const char *num = xml_attr(ev, "num"), *size = xml_attr(ev, "size");
	const char *pt = xml_attr(ev, "p_type"), *pn = xml_attr(ev, "p_name");
	struct imp_part p = {.line = ev->line, .fsinfo = -1};
	uint64_t v;
	int r;

	check_attrs(im, ev, known);
	if (!num || parse_u64(num, 1, MAX_PARTS, &v) < 0) {
		say(im, ev->line, false, "<part> num \"%s\" is not 1..%d", num ? num : "(missing)",
		    MAX_PARTS);
		return;
	}
	p.num = (unsigned)v;
	for (size_t i = 0; i < im->n_parts; i++)
		if (im->parts[i].num == p.num) {
			say(im, ev->line, false, "<part> num %u used twice (first at line %u)",
			    p.num, im->parts[i].line);
			return;
		}
	if (xml_attr(ev, "raid_dev"))
		say(im, ev->line, false,
		    "partition %u is a member of software RAID %s: RAID cannot be expressed in "
		    "a bootsrv layout",
		    p.num, xml_attr(ev, "raid_dev"));
	if (xml_attr(ev, "lvm_group"))
		say(im, ev->line, false,
		    "partition %u is an LVM physical volume of %s: LVM cannot be expressed in a "
		    "bootsrv layout",
		    p.num, xml_attr(ev, "lvm_group"));
	if (pt && strcmp(pt, "primary") != 0)
		say(im, ev->line, false,
		    "partition %u: p_type \"%s\": only primary partitions can be expressed", p.num,
		    pt);
	if (pn && strcmp(pn, "-") != 0)
		say(im, ev->line, true, "partition %u: gpt name \"%s\" ignored", p.num, pn);
	snprintf(p.size_text, sizeof(p.size_text), "%.30s", size ? size : "");
	r = size ? parse_si_size(im, size, &p) : -EINVAL;
	if (r < 0)
		say(im, ev->line, false, "partition %u: size \"%s\" %s", p.num,
		    size ? size : "(missing)",
		    r == -ERANGE ? "is out of range" : "is not a number or \"*\"");
	parse_part_flags(im, ev, xml_attr(ev, "flags"), &p);
	if (im->n_parts == MAX_PARTS)
		return;
	im->parts[im->n_parts++] = p;
}

/* Filesystems that are not on a partition: nothing to create. */
static const char *const virtual_fs[] = {
    "proc",	   "sysfs",    "tmpfs",	  "devpts",  "devtmpfs",  "usbfs",	"securityfs",
    "debugfs",	   "cgroup",   "cgroup2", "mqueue",  "hugetlbfs", "pstore",	"efivarfs",
    "binfmt_misc", "configfs", "fusectl", "tracefs", "bpf",	  "rpc_pipefs", "none",
};
static const char *const network_fs[] = {"nfs", "nfs4", "cifs", "smbfs", "glusterfs", "ceph"};
static const char *const bootsrv_fs[] = {"ext2", "ext3", "ext4", "xfs", "vfat", "swap"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* /dev/md0, /dev/md/root: RAID; /dev/mapper/x, /dev/VG/LV, /dev/dm-0: LVM. */
static const char *stacked_device(const char *dev)
{
	static const char *const disk_dirs[] = {"/dev/cciss/", "/dev/ida/", "/dev/rd/"};

	if (strncmp(dev, "/dev/md", 7) == 0)
		return "software RAID";
	if (strncmp(dev, "/dev/mapper/", 12) == 0 || strncmp(dev, "/dev/dm-", 8) == 0)
		return "LVM/device-mapper";
	for (size_t i = 0; i < ARRAY_SIZE(disk_dirs); i++)
		if (strncmp(dev, disk_dirs[i], strlen(disk_dirs[i])) == 0)
			return NULL;
	if (strchr(dev + 5, '/'))
		return "LVM";
	return NULL;
}

/* Everything but the partition join (done at the end: <fsinfo> may come
 * before <disk>). */
static void on_fsinfo(struct imp *im, const struct xml_event *ev)
{
	static const char *const known[] = {"line",    "real_dev", "mount_dev", "mp",	  "fs",
					    "options", "dump",	   "pass",	"format", NULL};
	const char *dev = xml_attr(ev, "real_dev"), *fs = xml_attr(ev, "fs");
	const char *mp = xml_attr(ev, "mp"), *md = xml_attr(ev, "mount_dev");
	const char *opts = xml_attr(ev, "options"), *fmt = xml_attr(ev, "format");
	struct imp_fsinfo fi = {.line = ev->line};

	check_attrs(im, ev, known);
	if (!fs || !mp || !dev) {
		say(im, ev->line, false, "<fsinfo> needs real_dev, mp and fs");
		return;
	}
	if (in_list(fs, virtual_fs, ARRAY_SIZE(virtual_fs)))
		return;
	if (in_list(fs, network_fs, ARRAY_SIZE(network_fs))) {
		say(im, ev->line, true, "%s %s on %s skipped: the image's own fstab keeps it", fs,
		    dev, mp);
		return;
	}
	if (strncmp(dev, "/dev/", 5) != 0) {
		say(im, ev->line, false, "real_dev \"%s\" (%s) is not a device", dev, mp);
		return;
	}
	if (stacked_device(dev)) {
		say(im, ev->line, false,
		    "%s on %s is %s: it cannot be expressed in a bootsrv layout", dev, mp,
		    stacked_device(dev));
		return;
	}
	if (!in_list(fs, bootsrv_fs, ARRAY_SIZE(bootsrv_fs)))
		say(im, ev->line, false,
		    "%s: filesystem \"%s\" is not supported (ext2, ext3, ext4, xfs, vfat, swap)",
		    dev, fs);
	if (fmt && strcmp(fmt, "no") == 0)
		say(im, ev->line, false,
		    "%s: format=\"no\" (keep its data) cannot be expressed: "
		    "the installer formats every partition",
		    dev);
	snprintf(fi.fs, sizeof(fi.fs), "%s", fs);
	if (strcmp(fs, "swap") != 0)
		snprintf(fi.mount, sizeof(fi.mount), "%s", mp);
	else if (strcmp(mp, "swap") != 0 && strcmp(mp, "none") != 0)
		say(im, ev->line, false, "%s: swap with mount point \"%s\"", dev, mp);
	if (strcmp(fs, "swap") != 0 && (mp[0] != '/' || !safe_text(mp)))
		say(im, ev->line, false, "%s: mount point \"%s\" is not an absolute path", dev, mp);
	if (md && strncmp(md, "LABEL=", 6) == 0)
		snprintf(fi.label, sizeof(fi.label), "%.31s", md + 6);
	else if (md && strncmp(md, "UUID=", 5) == 0)
		say(im, ev->line, true, "%s: %s not kept (new filesystems get new UUIDs)", dev, md);
	if (!safe_text(fi.label) || strlen(fi.label) > (strcmp(fs, "vfat") == 0	 ? 11u
							: strcmp(fs, "xfs") == 0 ? 12u
										 : 16u))
		say(im, ev->line, false, "%s: label \"%s\" is too long or has spaces/quotes for %s",
		    dev, fi.label, fs);
	snprintf(fi.options, sizeof(fi.options), "%s", opts && opts[0] ? opts : "defaults");
	if (!safe_text(fi.options))
		say(im, ev->line, false, "%s: options \"%s\" have spaces or quotes", dev, opts);
	snprintf(fi.dev, sizeof(fi.dev), "%s", dev);
	if (im->n_fsinfo == MAX_FSINFO) {
		say(im, ev->line, false, "more than %d <fsinfo> lines", MAX_FSINFO);
		return;
	}
	im->fsinfo[im->n_fsinfo++] = fi;
}

/* A child of <config>; returns true when its children are to be skipped. */
static bool on_section(struct imp *im, const struct xml_event *ev)
{
	if (strcmp(ev->name, "disk") == 0) {
		on_disk(im, ev);
		return false;
	}
	if (strcmp(ev->name, "fsinfo") == 0)
		on_fsinfo(im, ev);
	else if (strcmp(ev->name, "boel") == 0)
		; /* SystemImager's boot environment (devstyle): nothing to convert */
	else if (strcmp(ev->name, "bootloader") == 0)
		say(im, ev->line, true,
		    "<bootloader> ignored: the installer picks the boot loader");
	else if (strcmp(ev->name, "raid") == 0)
		say(im, ev->line, false,
		    "<raid> section: software RAID cannot be expressed in a bootsrv layout");
	else if (strcmp(ev->name, "lvm") == 0)
		say(im, ev->line, false,
		    "<lvm> section: LVM cannot be expressed in a bootsrv layout");
	else
		say(im, ev->line, false, "unknown element <%s> in <config>", ev->name);
	return true;
}

/* Walk the document. Returns 0, or -EINVAL after a syntax error (reported). */
static int walk(struct imp *im, const char *text, size_t len)
{
	struct xml_event *ev = malloc(sizeof(*ev));
	struct xml_cursor c;
	size_t skip_below = 0; /* > 0: ignore elements deeper than this */
	char err[256];
	int r = 0;

	if (!ev)
		return -ENOMEM;
	xml_init(&c, text, len);
	while ((r = xml_next(&c, ev, err, sizeof(err))) == 0 && ev->type != XML_EV_EOF) {
		size_t depth = c.depth + (ev->type == XML_EV_END); /* of this element */
		if (ev->type == XML_EV_END) {
			if (skip_below == depth)
				skip_below = 0;
			continue;
		}
		if (skip_below && depth > skip_below)
			continue;
		if (depth == 1 && strcmp(ev->name, "config") != 0) {
			say(im, ev->line, false, "top element is <%s>, expected <config>",
			    ev->name);
			r = -EINVAL;
			break;
		} else if (depth == 2) {
			if (on_section(im, ev))
				skip_below = depth;
		} else if (depth == 3 && strcmp(c.stack[1], "disk") == 0 &&
			   strcmp(ev->name, "part") == 0) {
			on_part(im, ev);
		} else if (depth > 2) {
			say(im, ev->line, false, "unexpected <%s> inside <%s>", ev->name,
			    c.stack[depth - 2]);
			skip_below = depth;
		}
	}
	if (r < 0 && r != -EINVAL)
		say(im, c.line, false, "%s", strerror(-r));
	else if (r < 0 && err[0])
		say(im, c.line, false, "%s", err);
	free(ev);
	return r;
}

static int cmp_part(const void *a, const void *b)
{
	const struct imp_part *x = a, *y = b;
	return (x->num > y->num) - (x->num < y->num);
}

/* Join every <fsinfo> to its partition by device name. */
static void join(struct imp *im)
{
	for (size_t i = 0; i < im->n_fsinfo; i++) {
		struct imp_fsinfo *fi = &im->fsinfo[i];
		size_t k;
		if (disk_part_number(im->disk, fi->dev, &fi->num) < 0) {
			say(im, fi->line, false,
			    "%s (%s) is not a partition of %s: a bootsrv layout describes one disk",
			    fi->dev, fi->fs, im->disk);
			continue;
		}
		for (k = 0; k < im->n_parts && im->parts[k].num != fi->num; k++)
			;
		if (k == im->n_parts)
			say(im, fi->line, false, "%s: no <part num=\"%u\"> on %s", fi->dev, fi->num,
			    im->disk);
		else if (im->parts[k].fsinfo >= 0)
			say(im, fi->line, false, "%s has a second <fsinfo> (first at line %u)",
			    fi->dev, im->fsinfo[im->parts[k].fsinfo].line);
		else
			im->parts[k].fsinfo = (int)i;
	}
}

static void check_whole(struct imp *im)
{
	size_t roots = 0, fills = 0;

	qsort(im->parts, im->n_parts, sizeof(im->parts[0]), cmp_part);
	for (size_t i = 0; i < im->n_parts; i++) {
		const struct imp_part *p = &im->parts[i];
		char dev[300] = "";
		disk_part_name(im->disk, p->num, dev, sizeof(dev));
		if (p->num != i + 1)
			say(im, p->line, false,
			    "partition numbers must run 1..N without gaps: "
			    "partition %zu is missing",
			    i + 1);
		fills += p->fill;
		if (p->fsinfo < 0 && !(p->flags & IMP_F_BIOS_GRUB))
			say(im, p->line, false,
			    "partition %u (%s) has no <fsinfo>: an unformatted partition cannot be "
			    "expressed (RAID/LVM member or data?)",
			    p->num, dev);
		if (p->fsinfo >= 0)
			roots += strcmp(im->fsinfo[p->fsinfo].mount, "/") == 0;
		for (size_t j = 0; p->fsinfo >= 0 && j < i; j++) {
			const struct imp_part *q = &im->parts[j];
			const char *m = im->fsinfo[p->fsinfo].mount;
			if (q->fsinfo >= 0 && m[0] && strcmp(m, im->fsinfo[q->fsinfo].mount) == 0)
				say(im, im->fsinfo[p->fsinfo].line, false,
				    "mount point %s used twice", m);
		}
	}
	if (im->n_parts == 0)
		say(im, im->disk_line, false, "<disk> has no <part>");
	if (fills > 1)
		say(im, im->disk_line, false, "%zu partitions of size \"*\": at most one", fills);
	if (roots != 1 && im->n_parts)
		say(im, im->disk_line, false, "%zu partitions mounted on /: exactly one needed",
		    roots);
	if (strcmp(im->label, "msdos") == 0 && im->n_parts > 4)
		say(im, im->disk_line, false, "%zu partitions: msdos holds 4 primary partitions",
		    im->n_parts);
}

/* Size text: whole GiB as "G", else MiB rounded up. */
static void size_text(const struct imp_part *p, char *out, size_t outsz)
{
	if (p->fill)
		snprintf(out, outsz, "*");
	else if (p->bytes % GiB == 0)
		snprintf(out, outsz, "%lluG", (unsigned long long)(p->bytes / GiB));
	else
		snprintf(out, outsz, "%lluM", (unsigned long long)((p->bytes + MiB - 1) / MiB));
}

static void emit_flags(const struct imp *im, const struct imp_part *p, FILE *out)
{
	bool gpt = strcmp(im->label, "gpt") == 0;
	const char *names[4];
	size_t n = 0;

	/* parted's "boot" on gpt marks the EFI system partition; bootsrv's "boot"
	 * is the BIOS-bootable bit (legacy_boot on gpt) */
	if ((p->flags & IMP_F_BOOT) && !gpt)
		names[n++] = "boot";
	if ((p->flags & IMP_F_LEGACY_BOOT) && gpt)
		names[n++] = "boot";
	if ((p->flags & IMP_F_ESP) || ((p->flags & IMP_F_BOOT) && gpt))
		names[n++] = "esp";
	if (p->flags & IMP_F_BIOS_GRUB)
		names[n++] = "bios_grub";
	if (n == 0)
		return;
	fputs(" flags = [ ", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", names[i]);
	fputs(" ];", out);
}

static void emit(const struct imp *im, const char *name, FILE *out)
{
	fprintf(out,
		"# converted by bootsrv layout import from SystemImager's "
		"autoinstallscript.conf\n"
		"# sizes: 1 %s = %llu bytes, rounded up to whole MiB\n",
		im->unit_name, (unsigned long long)im->unit);
	fprintf(out,
		"layouts = (\n  { name = \"%s\"; disk = \"%s\"; label = \"%s\";\n"
		"    partitions = (\n",
		name, im->disk, im->label);
	for (size_t i = 0; i < im->n_parts; i++) {
		const struct imp_part *p = &im->parts[i];
		const struct imp_fsinfo *fi = p->fsinfo >= 0 ? &im->fsinfo[p->fsinfo] : NULL;
		char size[32];
		size_text(p, size, sizeof(size));
		fprintf(out, "      { size = \"%s\";", size);
		if (fi) {
			fprintf(out, " fs = \"%s\";", fi->fs);
			if (fi->mount[0])
				fprintf(out, " mount = \"%s\";", fi->mount);
			if (fi->label[0])
				fprintf(out, " label = \"%s\";", fi->label);
			fprintf(out, " options = \"%s\";", fi->options);
		}
		emit_flags(im, p, out);
		fprintf(out, " }%s # %u: %s %s\n", i + 1 < im->n_parts ? "," : "", p->num,
			p->size_text, p->fill ? "(rest of the disk)" : im->unit_name);
	}
	fprintf(out, "    );\n  }\n);\n");
}

/* "/dev/cciss/c0d0" -> "cciss-c0d0" */
static void default_name(const char *disk, char *out, size_t outsz)
{
	snprintf(out, outsz, "%.*s", (int)outsz - 1,
		 strncmp(disk, "/dev/", 5) == 0 ? disk + 5 : disk);
	for (char *c = out; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			*c = '-';
}

int layout_import_convert(const char *text, size_t len, const char *name, FILE *out,
			  layout_report_fn report, void *arg)
{
	struct imp *im = calloc(1, sizeof(*im));
	char defname[64];
	int r;

	if (!im) {
		if (report)
			report(0, false, "out of memory", arg);
		return 1;
	}
	im->report = report;
	im->arg = arg;
	if (name && !name_valid(name))
		say(im, 0, false, "layout name \"%s\" must be [A-Za-z0-9._-], at most 63", name);
	r = walk(im, text, len);
	if (r == 0 && !im->disk_line)
		say(im, 0, false, "no <disk> section: nothing to convert");
	if (r == 0 && im->disk[0]) {
		join(im);
		check_whole(im);
	}
	if (im->errors == 0) {
		default_name(im->disk, defname, sizeof(defname));
		emit(im, name ? name : defname, out);
	}
	r = im->errors;
	free(im);
	return r;
}

struct cli_report {
	const char *file;
};

static void print_finding(unsigned line, bool warning, const char *msg, void *arg)
{
	const struct cli_report *cr = arg;

	if (line)
		fprintf(stderr, "%s:%u: %s%s\n", cr->file, line, warning ? "warning: " : "", msg);
	else
		fprintf(stderr, "%s: %s%s\n", cr->file, warning ? "warning: " : "", msg);
}

static int usage(FILE *f, int rc)
{
	fputs("usage: bootsrv layout import [--name NAME] autoinstallscript.conf\n"
	      "  converts SystemImager's <config><disk><part/>..<fsinfo/> into a bootsrv\n"
	      "  layout (libconfig) on stdout; what it cannot express is an error\n",
	      f);
	return rc;
}

int layout_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *name = NULL;
	struct cli_report cr;
	char *text = NULL;
	size_t len = 0;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "import") != 0)
		return usage(stderr, 2);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "n:h", opts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else
			return usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 : 2);
	}
	if (optind + 2 != argc)
		return usage(stderr, 2);
	cr.file = argv[optind + 1];
	r = read_file(cr.file, IMPORT_FILE_MAX, &text, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", cr.file, strerror(-r));
		return 1;
	}
	if (strlen(text) != len) {
		fprintf(stderr, "%s: contains a NUL byte\n", cr.file);
		free(text);
		return 1;
	}
	r = layout_import_convert(text, len, name, stdout, print_finding, &cr);
	free(text);
	if (r > 0)
		fprintf(stderr, "%s: %d error%s, no layout written\n", cr.file, r,
			r == 1 ? "" : "s");
	return r > 0 ? 1 : 0;
}
