/* tftp_path.h - map a client-supplied TFTP filename to a file under the TFTP
 * root, and nothing outside it.
 *
 * Two layers: a lexical check of the name (no "..", no backslash, no control
 * bytes, bounded length), then openat2(RESOLVE_BENEATH) relative to a
 * directory fd of the root, so symlinks cannot lead out either. */
#ifndef BOOTSRV_TFTP_PATH_H
#define BOOTSRV_TFTP_PATH_H

#include <stddef.h>

#define TFTP_PATH_MAX 255 /* longest name accepted, without the NUL */

/* Why a name was refused; tftp_path_err_names[] is parallel. */
enum tftp_path_err {
	TFTP_PATH_OK = 0,
	TFTP_PATH_EMPTY,
	TFTP_PATH_TOO_LONG,
	TFTP_PATH_NUL,		/* embedded NUL */
	TFTP_PATH_CONTROL,	/* control byte (< 0x20 or 0x7f) */
	TFTP_PATH_BACKSLASH,	/* DOS separator: refused, never translated */
	TFTP_PATH_DOTDOT,	/* a ".." component */
	TFTP_PATH_ABSOLUTE,	/* still absolute after the one leading '/' */
	TFTP_PATH_COUNT
};
extern const char *const tftp_path_err_names[TFTP_PATH_COUNT];

/* Check name (len bytes, not necessarily NUL-terminated) and write the name
 * relative to the root into out (size outsz > TFTP_PATH_MAX). One leading '/'
 * is dropped: clients that send "/pxelinux.0" mean the root, as with
 * tftpd-hpa -s. */
enum tftp_path_err tftp_path_check(const char *name, size_t len, char *out, size_t outsz);

/* Open rel (already checked) read-only beneath rootfd. Returns an fd of a
 * regular file, or -errno: -ENOENT, -EXDEV (resolution would leave the root,
 * e.g. a symlink pointing outside), -ELOOP, -EISDIR/-EACCES (not a regular
 * file), or another open error. */
int tftp_path_open(int rootfd, const char *rel);

#endif
