/* fuzz_config.c - libFuzzer harness for config_load: any bytes as a
 * bootsrv.conf must give a parsed config or a counted list of errors,
 * never a crash, leak or hang. */
#include "common/config.h"
#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static void quiet(const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

/* The input lives in a memfd, read through /proc/self/fd: no temp files. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct config cfg;

	if (fd < 0) {
		log_init("fuzz", LOG_LVL_ERR, false);
		fd = memfd_create("bootsrv.conf", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	int r = config_load(path, &cfg, quiet, NULL);
	if (r >= 0)
		config_free(&cfg);
	return 0;
}
