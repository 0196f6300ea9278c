/* modload.c - see modload.h */
#include "modload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* From <linux/module.h>: the kernel decompresses the file itself (5.17+,
 * CONFIG_MODULE_DECOMPRESS). Debian 12 ships uncompressed modules, so this
 * is only used for names ending in a compression suffix. */
#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int modload_file(const char *path)
{
	int flags = 0, fd, r = 0;

	if (has_suffix(path, ".ko.xz") || has_suffix(path, ".ko.zst") || has_suffix(path, ".ko.gz"))
		flags = MODULE_INIT_COMPRESSED_FILE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* glibc has no wrapper for finit_module. */
	if (syscall(SYS_finit_module, fd, "", flags) < 0 && errno != EEXIST)
		r = -errno;
	close(fd);
	return r;
}

int modload_list(const char *listfile)
{
	FILE *f = fopen(listfile, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int failed = 0, loaded = 0;

	if (!f) {
		int r = -errno;
		log_warn_errno("modules: %s", listfile);
		return r;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *p = line;
		int r;
		while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' '))
			p[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		r = modload_file(p);
		if (r == -ENODEV) {
			/* The module's init found nothing to drive: CPU-specific
			 * variants (crc32c-intel without SSE4.2 under QEMU TCG)
			 * next to their generic fallback. Not a failure. */
			log_info("modules: %s: not for this machine", p);
		} else if (r < 0) {
			log_warn("modules: %s: %s", p, strerror(-r));
			failed++;
		} else {
			loaded++;
		}
	}
	free(line);
	fclose(f);
	log_info("modules: %d loaded, %d failed", loaded, failed);
	return failed;
}
