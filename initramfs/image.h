/* image.h - assemble one initramfs flavor from its spec: the init program,
 * busybox and its applet links, binaries with their libraries, files,
 * symlinks, directories, and kernel modules with /etc/modules.load. */
#ifndef BOOTSRV_INITRAMFS_IMAGE_H
#define BOOTSRV_INITRAMFS_IMAGE_H

#include <stddef.h>

#include "cpio_writer.h"
#include "spec.h"

struct image_opts {
	const char *kernel_root; /* extracted kernel package: boot/, lib/modules/ */
	const char *kver;	 /* NULL: the only directory in lib/modules */
	const char *init;	 /* installed as /init */
};

struct image_stats {
	size_t modules;	 /* .ko files shipped */
	size_t builtin;	 /* requested modules built into the kernel */
	size_t binaries; /* ELF programs (init, busybox, binaries) */
	size_t libs;	 /* shared libraries and the loader */
	size_t applets;	 /* busybox applet links */
};

/* Find the kernel version under root/lib/modules (exactly one expected).
 * Returns 0, -ENOENT, -ENOTUNIQ (several: pass one explicitly). */
int image_find_kver(const char *kernel_root, char *out, size_t outsz);

/* Fill l from spec. Errors are logged; returns 0 or -errno. */
int image_build(const struct spec *spec, const struct image_opts *o, struct cpio_list *l,
		struct image_stats *st);

/* Write the archive to path atomically (temp, fsync, rename). *size gets the
 * archive's size. Returns 0 or -errno. */
int image_write(struct cpio_list *l, enum cpio_compress c, const char *path, long long *size);

/* Copy src to dst atomically with mode 0644. Returns 0 or -errno. */
int image_copy_file(const char *src, const char *dst, long long *size);

#endif
