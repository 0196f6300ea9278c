/* cpio_writer.h - a reproducible newc cpio archive, as the kernel unpacks it.
 *
 * Entries are collected first, then written sorted by path with mtime 0,
 * uid/gid 0 and inode numbers given in that order, so the same inputs always
 * give the same bytes (and, with gzip, the same compressed bytes: the gzip
 * header carries no timestamp). Parent directories are added implicitly.
 * Paths are absolute on input and stored without the leading '/', like
 * the kernel's gen_init_cpio. */
#ifndef BOOTSRV_INITRAMFS_CPIO_WRITER_H
#define BOOTSRV_INITRAMFS_CPIO_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cpio_compress { CPIO_COMPRESS_NONE, CPIO_COMPRESS_GZIP, CPIO_COMPRESS_ZSTD };

struct cpio_list;

/* Returns 0 or -EINVAL for an unknown name ("none", "gzip", "zstd"). */
int cpio_compress_parse(const char *name, enum cpio_compress *out);

int cpio_list_new(struct cpio_list **out);
void cpio_list_free(struct cpio_list *l);
/* Merged /usr: paths under /bin, /sbin, /lib, /lib64 are stored under /usr
 * and those four become symlinks into it, as on Debian 12 hosts, so that
 * both /sbin/mke2fs and /usr/sbin/mke2fs work. Call before adding anything.
 * Returns 0 or -ENOMEM. */
int cpio_list_set_merged_usr(struct cpio_list *l);

/* Each add returns 0, -EEXIST when path already holds a different entry
 * (adding the very same entry twice is fine), -EINVAL or -ENOMEM. */
int cpio_add_dir(struct cpio_list *l, const char *path, unsigned mode);
/* src is read when the archive is written; mode 0 takes src's permissions. */
int cpio_add_file(struct cpio_list *l, const char *path, const char *src, unsigned mode);
int cpio_add_data(struct cpio_list *l, const char *path, const void *data, size_t len,
		  unsigned mode);
int cpio_add_symlink(struct cpio_list *l, const char *path, const char *target);
/* Character device node (e.g. /dev/console 5:1). */
int cpio_add_chardev(struct cpio_list *l, const char *path, unsigned mode, unsigned major,
		     unsigned minor);

/* True when path (after merged-/usr mapping) is already in the list. */
bool cpio_has(const struct cpio_list *l, const char *path);
size_t cpio_list_count(const struct cpio_list *l);

/* Write the archive to fd (not closed). Returns 0 or -errno (-EIO for
 * libarchive errors, logged). */
int cpio_list_write_fd(struct cpio_list *l, int fd, enum cpio_compress compress);

#endif
