/* plan.c - see plan.h */
#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int perr(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Character classes for the strings that end up in files and command lines. */
enum str_class { STR_ANY_PRINT, STR_HOSTNAME, STR_TOKEN, STR_PATH };

static bool char_ok(enum str_class cls, unsigned char c)
{
	if (c < 0x20 || c >= 0x7f)
		return false;
	switch (cls) {
	case STR_ANY_PRINT:
		return true;
	case STR_HOSTNAME:
		return isalnum(c) || c == '-' || c == '.';
	case STR_TOKEN:
		return isalnum(c) || strchr(",._:/=+-@", c) != NULL;
	case STR_PATH:
		return !isspace(c) && c != '\\' && c != '"' && c != '\'';
	}
	return false;
}

/* Copy the string member key of obj into out. Missing: "" (or an error when
 * required). Wrong type, too long or a bad character: an error. */
static int get_str(json_t *obj, const char *key, bool required, enum str_class cls, char *out,
		   size_t outsz, char *err, size_t errsz)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	out[0] = '\0';
	if (!v || json_is_null(v))
		return required ? perr(err, errsz, "missing \"%s\"", key) : 0;
	if (!json_is_string(v))
		return perr(err, errsz, "\"%s\" is not a string", key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= outsz)
		return perr(err, errsz, "\"%s\" is too long (%zu bytes, max %zu)", key, n,
			    outsz - 1);
	for (size_t i = 0; i < n; i++)
		if (!char_ok(cls, (unsigned char)s[i]))
			return perr(err, errsz, "\"%s\" has a forbidden character at offset %zu",
				    key, i);
	if (required && n == 0)
		return perr(err, errsz, "\"%s\" is empty", key);
	memcpy(out, s, n + 1);
	return 0;
}

/* An absolute, normalised mount point: "/", "/boot", "/var/lib" - no empty,
 * "." or ".." components, no trailing slash, and none of rsync's pattern
 * characters (it is passed to rsync as a --filter=P rule). */
static bool mount_point_ok(const char *m)
{
	const char *c = m + 1;

	if (m[0] != '/' || strpbrk(m, MOUNT_POINT_BAD_CHARS))
		return false;
	if (m[1] == '\0')
		return true;
	while (*c) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/') {
			c++;
			if (*c == '\0')
				return false;
		}
	}
	return true;
}

static const struct {
	const char *name;
	enum plan_fs fs;
} fs_names[] = {
    {"ext2", PLAN_FS_EXT2}, {"ext3", PLAN_FS_EXT3}, {"ext4", PLAN_FS_EXT4}, {"xfs", PLAN_FS_XFS},
    {"vfat", PLAN_FS_VFAT}, {"swap", PLAN_FS_SWAP}, {"none", PLAN_FS_NONE}, {"", PLAN_FS_NONE},
};

/* Volume label limits: ext2/3/4 16 bytes, xfs 12, FAT 11, swap 16. */
static size_t label_max(enum plan_fs fs)
{
	switch (fs) {
	case PLAN_FS_XFS:
		return 12;
	case PLAN_FS_VFAT:
		return 11;
	default:
		return PLAN_FS_LABEL_MAX;
	}
}

static const struct {
	const char *name;
	enum plan_flag flag;
} flag_names[] = {
    {"boot", PLAN_FLAG_BOOT}, {"esp", PLAN_FLAG_ESP},	{"bios_grub", PLAN_FLAG_BIOS_GRUB},
    {"lvm", PLAN_FLAG_LVM},   {"raid", PLAN_FLAG_RAID},
};

const char *plan_fs_name(enum plan_fs fs)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_names); i++)
		if (fs_names[i].fs == fs)
			return fs_names[i].name;
	return "?";
}

bool plan_fs_is_ext(enum plan_fs fs)
{
	return fs == PLAN_FS_EXT2 || fs == PLAN_FS_EXT3 || fs == PLAN_FS_EXT4;
}

bool plan_fs_mountable(enum plan_fs fs)
{
	return plan_fs_is_ext(fs) || fs == PLAN_FS_XFS || fs == PLAN_FS_VFAT;
}

static int parse_flags(json_t *arr, struct plan_part *pp, char *err, size_t errsz)
{
	size_t i;
	json_t *v;

	pp->flags = 0;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return perr(err, errsz, "\"flags\" is not an array");
	json_array_foreach(arr, i, v)
	{
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		size_t k;
		if (!s)
			return perr(err, errsz, "flag %zu is not a string", i);
		for (k = 0; k < ARRAY_SIZE(flag_names); k++)
			if (strcmp(s, flag_names[k].name) == 0)
				break;
		if (k == ARRAY_SIZE(flag_names))
			return perr(err, errsz, "unknown flag %zu", i);
		pp->flags |= flag_names[k].flag;
	}
	return 0;
}

static int parse_size_fill(json_t *o, struct plan_part *pp, char *err, size_t errsz)
{
	json_t *sz = json_object_get(o, "size_bytes");
	json_t *fill = json_object_get(o, "fill");

	if (fill && !json_is_boolean(fill))
		return perr(err, errsz, "\"fill\" is not a boolean");
	pp->fill = fill && json_is_true(fill);
	if (!sz || json_is_null(sz)) {
		pp->size_bytes = 0;
	} else if (!json_is_integer(sz) || json_integer_value(sz) < 0) {
		return perr(err, errsz, "\"size_bytes\" is not a non-negative integer");
	} else {
		pp->size_bytes = (uint64_t)json_integer_value(sz);
	}
	/* with fill, a non-zero size is the fill partition's minimum */
	if (!pp->fill && pp->size_bytes == 0)
		return perr(err, errsz, "size 0 and not \"fill\"");
	if (pp->size_bytes > (UINT64_C(1) << 56))
		return perr(err, errsz, "size %llu is out of range",
			    (unsigned long long)pp->size_bytes);
	return 0;
}

static int parse_fs_mount(json_t *o, struct plan_part *pp, char *err, size_t errsz)
{
	char fs[16];
	size_t k;
	int r;

	r = get_str(o, "fs", false, STR_TOKEN, fs, sizeof(fs), err, errsz);
	if (r < 0)
		return r;
	for (k = 0; k < ARRAY_SIZE(fs_names); k++)
		if (strcmp(fs, fs_names[k].name) == 0)
			break;
	if (k == ARRAY_SIZE(fs_names))
		return perr(err, errsz,
			    "unsupported fs \"%s\" (ext2, ext3, ext4, xfs, vfat, swap, none)", fs);
	pp->fs = fs_names[k].fs;
	r = get_str(o, "mount", false, STR_PATH, pp->mount, sizeof(pp->mount), err, errsz);
	if (r < 0)
		return r;
	if (pp->fs == PLAN_FS_SWAP &&
	    (strcmp(pp->mount, "swap") == 0 || strcmp(pp->mount, "none") == 0))
		pp->mount[0] = '\0';
	if (plan_fs_mountable(pp->fs)) {
		if (!mount_point_ok(pp->mount))
			return perr(err, errsz, "bad mount point \"%s\"", pp->mount);
	} else if (pp->mount[0]) {
		return perr(err, errsz, "mount point \"%s\" on a %s partition", pp->mount,
			    pp->fs == PLAN_FS_SWAP ? "swap" : "unformatted");
	}
	return 0;
}

static int parse_part(json_t *o, struct plan_part *pp, char *err, size_t errsz)
{
	int r;

	if (!json_is_object(o))
		return perr(err, errsz, "not an object");
	r = parse_size_fill(o, pp, err, errsz);
	if (r == 0)
		r = parse_fs_mount(o, pp, err, errsz);
	if (r == 0)
		r = get_str(o, "label", false, STR_TOKEN, pp->label, sizeof(pp->label), err, errsz);
	if (r == 0)
		r = get_str(o, "options", false, STR_PATH, pp->options, sizeof(pp->options), err,
			    errsz);
	if (r == 0 && strlen(pp->label) > label_max(pp->fs))
		r = perr(err, errsz, "label \"%s\" too long for %s (max %zu)", pp->label,
			 plan_fs_name(pp->fs), label_max(pp->fs));
	if (r == 0)
		r = parse_flags(json_object_get(o, "flags"), pp, err, errsz);
	if (r == 0 && pp->options[0] == '\0')
		snprintf(pp->options, sizeof(pp->options), "%s",
			 pp->fs == PLAN_FS_SWAP ? "sw" : "defaults");
	return r;
}

/* Whole-layout rules: one "/", unique mount points, at most one fill. */
static int check_layout(const struct plan *p, char *err, size_t errsz)
{
	size_t roots = 0, fills = 0;

	if (p->n_parts == 0)
		return perr(err, errsz, "layout has no partitions");
	if (p->label == PLAN_LABEL_MSDOS && p->n_parts > 4)
		return perr(err, errsz, "msdos label holds at most 4 primary partitions, got %zu",
			    p->n_parts);
	for (size_t i = 0; i < p->n_parts; i++) {
		const struct plan_part *a = &p->parts[i];
		roots += strcmp(a->mount, "/") == 0;
		if (strcmp(a->mount, "/") == 0 && a->fs == PLAN_FS_VFAT)
			return perr(err, errsz, "\"/\" cannot be vfat");
		fills += a->fill;
		for (size_t j = i + 1; a->mount[0] && j < p->n_parts; j++)
			if (strcmp(a->mount, p->parts[j].mount) == 0)
				return perr(err, errsz, "mount point \"%s\" used twice", a->mount);
	}
	if (roots != 1)
		return perr(err, errsz, "layout needs exactly one \"/\" partition, has %zu", roots);
	if (fills > 1)
		return perr(err, errsz, "layout has %zu fill partitions, at most one allowed",
			    fills);
	return 0;
}

static int parse_layout(json_t *lay, struct plan *p, char *err, size_t errsz)
{
	char label[16], sub[160];
	json_t *parts, *v;
	size_t i;
	int r;

	if (!json_is_object(lay))
		return perr(err, errsz, "missing \"layout\" object");
	r = get_str(lay, "name", false, STR_TOKEN, p->layout_name, sizeof(p->layout_name), err,
		    errsz);
	if (r == 0)
		r = get_str(lay, "disk", true, STR_PATH, p->disk, sizeof(p->disk), err, errsz);
	if (r == 0 && strcmp(p->disk, "first") != 0 &&
	    (strncmp(p->disk, "/dev/", 5) != 0 || strstr(p->disk, "..")))
		r = perr(err, errsz, "layout disk \"%s\" is neither \"first\" nor /dev/...",
			 p->disk);
	if (r == 0)
		r = get_str(lay, "label", false, STR_TOKEN, label, sizeof(label), err, errsz);
	if (r < 0)
		return r;
	if (strcmp(label, "msdos") == 0 || strcmp(label, "dos") == 0 || label[0] == '\0')
		p->label = PLAN_LABEL_MSDOS;
	else if (strcmp(label, "gpt") == 0)
		p->label = PLAN_LABEL_GPT;
	else
		return perr(err, errsz, "unsupported disk label \"%s\" (msdos, gpt)", label);
	parts = json_object_get(lay, "partitions");
	if (!json_is_array(parts))
		return perr(err, errsz, "layout has no \"partitions\" array");
	if (json_array_size(parts) > PLAN_MAX_PARTS)
		return perr(err, errsz, "too many partitions (%zu, max %d)", json_array_size(parts),
			    PLAN_MAX_PARTS);
	json_array_foreach(parts, i, v)
	{
		r = parse_part(v, &p->parts[i], sub, sizeof(sub));
		if (r < 0)
			return perr(err, errsz, "partition %zu: %s", i + 1, sub);
		p->n_parts = i + 1;
	}
	return check_layout(p, err, errsz);
}

/* An array of printable strings (no control characters: they become lines
 * of files) into out[], at most max, each shorter than len_max. */
static int parse_strv(json_t *arr, const char *what, char **out, size_t *n_out, size_t max,
		      size_t len_max, char *err, size_t errsz)
{
	size_t i;
	json_t *v;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return perr(err, errsz, "\"%s\" is not an array", what);
	if (json_array_size(arr) > max)
		return perr(err, errsz, "too many %s (max %zu)", what, max);
	json_array_foreach(arr, i, v)
	{
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		size_t n = s ? json_string_length(v) : 0;
		if (!s || n >= len_max || strlen(s) != n)
			return perr(err, errsz, "%s %zu is not a usable string", what, i);
		for (size_t k = 0; k < n; k++)
			if (!char_ok(STR_ANY_PRINT, (unsigned char)s[k]))
				return perr(err, errsz, "%s %zu has a control character", what, i);
		out[i] = strdup(s);
		if (!out[i])
			return -ENOMEM;
		*n_out = i + 1;
	}
	return 0;
}

static int parse_excludes(json_t *arr, struct plan *p, char *err, size_t errsz)
{
	size_t i;
	json_t *v;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return perr(err, errsz, "\"excludes\" is not an array");
	if (json_array_size(arr) > PLAN_MAX_EXCLUDES)
		return perr(err, errsz, "too many excludes (max %d)", PLAN_MAX_EXCLUDES);
	json_array_foreach(arr, i, v)
	{
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		size_t n = s ? json_string_length(v) : 0;
		if (!s || n == 0 || n >= PLAN_PATH_MAX || strlen(s) != n)
			return perr(err, errsz, "exclude %zu is not a usable pattern", i);
		for (size_t k = 0; k < n; k++)
			if (!char_ok(STR_ANY_PRINT, (unsigned char)s[k]))
				return perr(err, errsz, "exclude %zu has a control character", i);
		p->excludes[i] = strdup(s);
		if (!p->excludes[i])
			return -ENOMEM;
		p->n_excludes = i + 1;
	}
	return 0;
}

/* "hook_timeout": whole seconds, optional (0: the installer's default). */
static int parse_hook_timeout(json_t *root, struct plan *p, char *err, size_t errsz)
{
	json_t *v = json_object_get(root, "hook_timeout");
	json_int_t n;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return perr(err, errsz, "\"hook_timeout\" is not an integer");
	n = json_integer_value(v);
	if (n < 0 || n > PLAN_HOOK_TIMEOUT_MAX)
		return perr(err, errsz, "\"hook_timeout\" %lld out of range 0..%d", (long long)n,
			    PLAN_HOOK_TIMEOUT_MAX);
	p->hook_timeout_s = (unsigned)n;
	return 0;
}

const char *plan_bootloader_name(enum plan_bootloader b)
{
	return boot_opt_name((enum boot_opt)b);
}

/* "bootloader": auto (also when absent), grub, extlinux or none. */
static int parse_bootloader(json_t *root, struct plan *p, char *err, size_t errsz)
{
	char name[16];
	enum boot_opt o = BOOT_OPT_AUTO;
	int r = get_str(root, "bootloader", false, STR_TOKEN, name, sizeof(name), err, errsz);

	if (r < 0)
		return r;
	if (name[0] && boot_opt_parse(name, &o) < 0)
		return perr(err, errsz, "unknown \"bootloader\" \"%s\" (" BOOT_OPT_LIST ")", name);
	p->bootloader = (enum plan_bootloader)o;
	return 0;
}

/* "image_grub": ["i386-pc", "x86_64-efi"], what the server found in the
 * image (its grub-install and update-grub, and these module directories);
 * [] when it has no usable grub; absent when the server could not look. */
static int parse_image_grub(json_t *arr, struct plan *p, char *err, size_t errsz)
{
	size_t i;
	json_t *v;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return perr(err, errsz, "\"image_grub\" is not an array");
	p->image_grub_known = true;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		if (strcmp(s, "i386-pc") == 0)
			p->image_grub.i386_pc = true;
		else if (strcmp(s, "x86_64-efi") == 0)
			p->image_grub.x86_64_efi = true;
		else
			return perr(err, errsz, "\"image_grub\" %zu is not i386-pc or x86_64-efi",
				    i);
	}
	p->image_grub.install = p->image_grub.mkconfig = json_array_size(arr) > 0;
	return 0;
}

static int parse_top(json_t *root, struct plan *p, char *err, size_t errsz)
{
	int r;

	if (!json_is_object(root))
		return perr(err, errsz, "plan is not a JSON object");
	r = get_str(root, "host", false, STR_HOSTNAME, p->host, sizeof(p->host), err, errsz);
	if (r == 0)
		r = get_str(root, "hostname", false, STR_HOSTNAME, p->hostname, sizeof(p->hostname),
			    err, errsz);
	if (r == 0)
		r = get_str(root, "image", false, STR_TOKEN, p->image, sizeof(p->image), err,
			    errsz);
	if (r == 0)
		r = get_str(root, "rsync_url", true, STR_PATH, p->rsync_url, sizeof(p->rsync_url),
			    err, errsz);
	if (r == 0)
		r = get_str(root, "console", false, STR_TOKEN, p->console, sizeof(p->console), err,
			    errsz);
	if (r < 0)
		return r;
	if (p->hostname[0] == '\0')
		memcpy(p->hostname, p->host, sizeof(p->hostname));
	if (p->hostname[0] == '\0' || p->hostname[0] == '-' || p->hostname[0] == '.')
		return perr(err, errsz, "no usable hostname in the plan");
	if (strncmp(p->rsync_url, "rsync://", 8) != 0 && p->rsync_url[0] != '/')
		return perr(err, errsz, "rsync_url must be rsync://... or an absolute path");
	r = parse_excludes(json_object_get(root, "excludes"), p, err, errsz);
	if (r == 0)
		r = parse_strv(json_object_get(root, "txt"), "txt", p->txt, &p->n_txt, PLAN_MAX_TXT,
			       PLAN_TXT_MAX, err, errsz);
	if (r == 0)
		r = parse_hook_timeout(root, p, err, errsz);
	if (r == 0)
		r = parse_bootloader(root, p, err, errsz);
	if (r == 0)
		r = parse_image_grub(json_object_get(root, "image_grub"), p, err, errsz);
	if (r < 0)
		return r;
	return parse_layout(json_object_get(root, "layout"), p, err, errsz);
}

int plan_parse(const char *json, size_t len, struct plan *p, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *root;
	int r;

	memset(p, 0, sizeof(*p));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return perr(err, errsz, "plan is not valid JSON (line %d: %s)", jerr.line,
			    jerr.text);
	r = parse_top(root, p, err, errsz);
	if (r == -ENOMEM)
		perr(err, errsz, "out of memory");
	json_decref(root);
	return r;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n_excludes; i++)
		free(p->excludes[i]);
	p->n_excludes = 0;
	for (size_t i = 0; i < p->n_txt; i++)
		free(p->txt[i]);
	p->n_txt = 0;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

/* Sectors per alignment unit; at least 1 for sector sizes above 1 MiB. */
static uint64_t align_sectors(uint32_t sector_size)
{
	uint64_t a = PLAN_ALIGN_BYTES / sector_size;
	return a ? a : 1;
}

static uint64_t part_min_sectors(const struct plan_part *pp, uint32_t ss)
{
	uint64_t a = align_sectors(ss);
	uint64_t bytes = pp->size_bytes ? pp->size_bytes : PLAN_ALIGN_BYTES;
	return round_up((bytes + ss - 1) / ss, a);
}

static uint64_t tail_sectors(const struct plan *p)
{
	return p->label == PLAN_LABEL_GPT ? PLAN_GPT_TAIL_SECTORS : 0;
}

uint64_t plan_min_disk_bytes(const struct plan *p, uint32_t sector_size)
{
	uint64_t a = align_sectors(sector_size);
	uint64_t sectors = a; /* the label and the gap before partition 1 */

	for (size_t i = 0; i < p->n_parts; i++)
		sectors += part_min_sectors(&p->parts[i], sector_size);
	sectors += round_up(tail_sectors(p), a);
	return sectors * sector_size;
}

int plan_geometry(const struct plan *p, uint64_t disk_sectors, uint32_t sector_size,
		  struct plan_geom geom[PLAN_MAX_PARTS], char *err, size_t errsz)
{
	uint64_t a, end, fixed = 0, pos, fill_len = 0;

	if (sector_size < 512 || (sector_size & (sector_size - 1)) || p->n_parts == 0)
		return perr(err, errsz, "bad sector size %u or empty layout", sector_size);
	a = align_sectors(sector_size);
	if (plan_min_disk_bytes(p, sector_size) / sector_size > disk_sectors) {
		perr(err, errsz, "disk has %llu bytes, layout needs at least %llu",
		     (unsigned long long)(disk_sectors * sector_size),
		     (unsigned long long)plan_min_disk_bytes(p, sector_size));
		return -ENOSPC;
	}
	end = (disk_sectors - tail_sectors(p)) / a * a;
	for (size_t i = 0; i < p->n_parts; i++)
		if (!p->parts[i].fill)
			fixed += part_min_sectors(&p->parts[i], sector_size);
	for (size_t i = 0; i < p->n_parts; i++)
		if (p->parts[i].fill)
			fill_len = end - a - fixed;
	pos = a;
	for (size_t i = 0; i < p->n_parts; i++) {
		geom[i].start = pos;
		geom[i].length =
		    p->parts[i].fill ? fill_len : part_min_sectors(&p->parts[i], sector_size);
		pos += geom[i].length;
	}
	if (p->label == PLAN_LABEL_MSDOS && pos > (UINT64_C(1) << 32)) {
		perr(err, errsz,
		     "layout ends beyond 2 TiB sectors, msdos cannot address it: use gpt");
		return -ENOSPC;
	}
	return 0;
}

int plan_part_holding(const struct plan *p, const char *path)
{
	int best = -1;
	size_t best_len = 0;

	for (size_t i = 0; i < p->n_parts; i++) {
		const char *m = p->parts[i].mount;
		size_t n = strlen(m);
		if (!plan_fs_mountable(p->parts[i].fs) || n == 0)
			continue;
		bool under = strcmp(m, "/") == 0 ||
			     (strncmp(path, m, n) == 0 && (path[n] == '/' || path[n] == '\0'));
		if (under && n >= best_len) {
			best = (int)i;
			best_len = n;
		}
	}
	return best;
}

int plan_part_flagged(const struct plan *p, unsigned flag)
{
	for (size_t i = 0; i < p->n_parts; i++)
		if (p->parts[i].flags & flag)
			return (int)i;
	return -1;
}

int plan_esp_part(const struct plan *p)
{
	for (size_t i = 0; i < p->n_parts; i++)
		if ((p->parts[i].flags & PLAN_FLAG_ESP) && p->parts[i].fs == PLAN_FS_VFAT &&
		    p->parts[i].mount[0])
			return (int)i;
	return -1;
}
