/* spec.h - the initramfs spec file (libconfig): what goes into one flavor.
 *
 *   busybox = "/bin/busybox";               # installed as /bin/busybox + applet links
 *   merged_usr = true;                      # /bin, /sbin, /lib, /lib64 -> usr/...
 *   compress = "gzip";                      # gzip | zstd | none
 *   modules = [ "virtio_pci", ... ];        # missing one is an error
 *   optional_modules = [ "igb", ... ];      # missing one is a warning
 *   binaries = [ "/usr/bin/rsync", ... ];   # with their shared libraries
 *   optional_binaries = [ "/sbin/sfdisk" ];
 *   files = ( { src = "/etc/mke2fs.conf"; dst = "/etc/mke2fs.conf"; optional = false; },
 *             { dst = "/etc/group"; content = "root:x:0:\n"; mode = "0644"; } );
 *   symlinks = ( { path = "/sbin/mkfs.ext4"; target = "mke2fs"; } );
 *   directories = [ "/proc", "/sys", "/dev", "/tmp" ];
 */
#ifndef BOOTSRV_INITRAMFS_SPEC_H
#define BOOTSRV_INITRAMFS_SPEC_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **v;
	size_t n, cap;
};

/* Append a copy of s. Returns 0 or -ENOMEM. */
int strlist_add(struct strlist *l, const char *s);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

struct spec_file {
	char *src;     /* host file to copy, or NULL when content is set */
	char *dst;     /* absolute path inside the initramfs */
	char *content; /* inline text, or NULL */
	unsigned mode; /* 0: from src (or 0644 for content) */
	bool optional; /* a missing src is a warning, not an error */
};

struct spec_link {
	char *path;
	char *target;
};

struct spec {
	char *busybox;
	bool merged_usr;
	char *compress;
	struct strlist modules, optional_modules;
	struct strlist binaries, optional_binaries;
	struct strlist directories;
	struct spec_file *files;
	size_t n_files;
	struct spec_link *links;
	size_t n_links;
};

/* Parse a spec file. On error, err (size errsz) gets "file:line: reason" and
 * the return is -EINVAL (syntax/shape), -ENOENT or -ENOMEM. */
int spec_load(const char *path, struct spec *spec, char *err, size_t errsz);
/* Same, from text in memory (tests). */
int spec_parse(const char *text, struct spec *spec, char *err, size_t errsz);
void spec_free(struct spec *spec);

#endif
