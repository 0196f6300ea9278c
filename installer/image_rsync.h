/* image_rsync.h - the "image" step: the real rsync client pulls the golden
 * image into the target; its --info=progress2 lines become progress reports
 * (at most one every 2 s). */
#ifndef INSTALLER_IMAGE_RSYNC_H
#define INSTALLER_IMAGE_RSYNC_H

#include <stdbool.h>
#include <stdint.h>

struct install;

/* "  1,234,567  45%   12.34MB/s    0:00:12 (xfr#12, to-chk=34/100)" ->
 * bytes 1234567, percent 45. Returns true for a progress line. */
bool rsync_parse_progress(const char *line, uint64_t *bytes, int *percent);

int step_image(struct install *in);

#endif
