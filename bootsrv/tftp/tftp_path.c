/* tftp_path.c - see tftp_path.h */
#include "tftp_path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const tftp_path_err_names[TFTP_PATH_COUNT] = {
	[TFTP_PATH_OK] = "ok",
	[TFTP_PATH_EMPTY] = "empty name",
	[TFTP_PATH_TOO_LONG] = "name too long",
	[TFTP_PATH_NUL] = "NUL in name",
	[TFTP_PATH_CONTROL] = "control character in name",
	[TFTP_PATH_BACKSLASH] = "backslash in name",
	[TFTP_PATH_DOTDOT] = "'..' in name",
	[TFTP_PATH_ABSOLUTE] = "absolute name",
};

enum tftp_path_err tftp_path_check(const char *name, size_t len, char *out, size_t outsz)
{
	if (len > 0 && name[0] == '/') {
		name++;
		len--;
	}
	if (len == 0)
		return TFTP_PATH_EMPTY;
	if (len > TFTP_PATH_MAX || len >= outsz)
		return TFTP_PATH_TOO_LONG;
	if (name[0] == '/')
		return TFTP_PATH_ABSOLUTE;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == 0)
			return TFTP_PATH_NUL;
		if (c < 0x20 || c == 0x7f)
			return TFTP_PATH_CONTROL;
		/* Some Windows-built loaders send "boot\x64\..."; translating
		 * would give a second spelling to every path check, so no. */
		if (c == '\\')
			return TFTP_PATH_BACKSLASH;
	}
	/* ".." as a whole component, anywhere: refused even when it would
	 * stay inside the root, there is no legitimate use. */
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && name[j] != '/')
			j++;
		if (j - i == 2 && name[i] == '.' && name[i + 1] == '.')
			return TFTP_PATH_DOTDOT;
		i = j + 1;
	}
	memcpy(out, name, len);
	out[len] = '\0';
	return TFTP_PATH_OK;
}

int tftp_path_open(int rootfd, const char *rel)
{
	/* RESOLVE_BENEATH: no absolute symlinks, no ".." above rootfd, at any
	 * depth; NO_MAGICLINKS: no /proc/self/fd style escapes. O_NONBLOCK so
	 * a FIFO planted in the root cannot block the loop in open(). */
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fd = -1;

	/* EAGAIN: a concurrent rename raced the ".." check; retrying is the
	 * documented answer (openat2(2)). */
	for (int tries = 0; tries < 3; tries++) {
		fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
	}
	return fd;
}
