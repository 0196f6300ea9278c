/* elf_deps.h - shared-library closure of ELF binaries, read from the files.
 *
 * The dynamic section is parsed directly (no ldd: it would run the binary's
 * loader on the host, and cannot describe a foreign root). For each binary:
 * PT_INTERP (the dynamic loader) and every DT_NEEDED soname, found in
 * DT_RUNPATH/DT_RPATH (with $ORIGIN) and then the system library
 * directories, recursively. Only 64-bit little-endian ELF is handled, which
 * is what the x86_64 installer runs. */
#ifndef BOOTSRV_INITRAMFS_ELF_DEPS_H
#define BOOTSRV_INITRAMFS_ELF_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

struct elf_info {
	char *interp;		/* PT_INTERP, or NULL (static binary, library) */
	struct strlist needed;	/* DT_NEEDED sonames, in file order */
	struct strlist runpath; /* DT_RUNPATH (or DT_RPATH) entries, unexpanded */
	bool dynamic;		/* has PT_DYNAMIC */
};

/* Parse an ELF image in memory. Returns 0, -ENOEXEC (not ELF / not 64-bit
 * little-endian), -EBADMSG (truncated or inconsistent headers) or -ENOMEM. */
int elf_parse(const void *buf, size_t len, struct elf_info *info);
/* Same, reading the file at path. Also -errno from open/read. */
int elf_read(const char *path, struct elf_info *info);
void elf_info_free(struct elf_info *info);

/* One library of a closure: copy src (a real file) to dst in the image. */
struct elf_lib {
	char *dst; /* e.g. /lib/x86_64-linux-gnu/libc.so.6 (soname kept) */
	char *src; /* e.g. /usr/lib/x86_64-linux-gnu/libc.so.6 (realpath) */
};

struct elf_libs {
	struct elf_lib *v;
	size_t n, cap;
};

/* The default search directories, in the loader's order for Debian amd64. */
extern const char *const elf_default_dirs[];

/* Add binary's loader and libraries (transitively) to libs, skipping those
 * already there. dirs is a NULL-terminated list (elf_default_dirs if NULL).
 * Returns 0, -ENOENT with the missing soname logged, or another -errno. */
int elf_collect(const char *binary, const char *const *dirs, struct elf_libs *libs);
void elf_libs_free(struct elf_libs *libs);

#endif
