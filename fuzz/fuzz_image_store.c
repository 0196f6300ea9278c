/* fuzz_image_store.c - libFuzzer harness for the image store's parsers.
 * The first byte picks one:
 *   0: the rest as a NAME.conf (image_conf_load, against a config with
 *      layout "small"): an image or a counted list of errors;
 *   1: the rest as a tarball's member list, one per line, "N name",
 *      "H name\ttarget" (hard link) or "S name" (symlink), for
 *      tar_check_members: a verdict, never a crash, leak or hang. */
#include "cli/tar_check.h"
#include "common/image_conf.h"
#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_MEMBERS 512

static void quiet(const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

static void fuzz_conf(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static struct cfg_partition parts[1] = {{.fill = true, .fs = "ext4", .mount = "/"}};
	static struct cfg_layout layout = {
	    .name = "small", .disk = "/dev/vda", .label = "msdos", .parts = parts, .nparts = 1};
	static struct config cfg = {.path = "bootsrv.conf", .layouts = &layout, .nlayouts = 1};
	struct image_conf ic;

	if (fd < 0) {
		fd = memfd_create("image.conf", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	image_conf_load(path, "img", "/nonexistent/img", &cfg, &ic, quiet, NULL);
	image_conf_free(&ic);
}

static void fuzz_members(const uint8_t *data, size_t size)
{
	struct tar_member m[MAX_MEMBERS];
	char *text = malloc(size + 1), *line, *save = NULL, why[256];
	size_t n = 0;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = strtok_r(text, "\n", &save); line && n < MAX_MEMBERS;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab;

		if (strlen(line) < 2 || line[1] != ' ')
			continue;
		m[n] = (struct tar_member){.name = line + 2, .symlink = line[0] == 'S'};
		if (line[0] == 'H' && (tab = strchr(line + 2, '\t'))) {
			*tab = '\0';
			m[n].hardlink = tab + 1;
		}
		n++;
	}
	tar_check_members(m, n, why, sizeof(why));
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;

	if (!init) {
		log_init("fuzz", LOG_LVL_ERR, false);
		init = true;
	}
	if (size == 0)
		return 0;
	if (data[0] == 0)
		fuzz_conf(data + 1, size - 1);
	else
		fuzz_members(data + 1, size - 1);
	return 0;
}
