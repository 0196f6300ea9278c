/* fuzz_layout_capture.c - libFuzzer harness for the golden client's facts
 * (lsblk/findmnt/sfdisk JSON) into a layout: any document gives a layout
 * that writes back as a layout group, or a refusal with a reason and no
 * layout; the pull's source list always starts with "/". */
#include "cli/golden_layout.h"

#include <errno.h>
#include <libconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_layout l;
	struct golden_sources s;
	char disk[256], why[512];
	int r = golden_layout_parse((const char *)data, size, "fuzz", &l, disk, sizeof(disk), why,
				    sizeof(why));

	if (r == 0) {
		config_t c;
		size_t fills = 0;
		config_init(&c);
		if (l.nparts == 0 || !disk[0] ||
		    golden_layout_setting(&l, config_root_setting(&c), "layout") != 0)
			abort();
		for (size_t i = 0; i < l.nparts; i++)
			fills += l.parts[i].fill;
		if (fills != 1)
			abort(); /* exactly the partition holding / is "*" */
		config_destroy(&c);
		free(l.parts);
	} else if ((r != -EINVAL && r != -ENOTSUP && r != -ENOMEM) || l.parts || !why[0]) {
		abort();
	}
	r = golden_sources_parse((const char *)data, size, &s, why, sizeof(why));
	if (s.n == 0 || strcmp(s.path[0], "/") != 0)
		abort();
	return 0;
}
