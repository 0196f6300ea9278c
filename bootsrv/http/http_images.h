/* http_images.h - GET /api/v1/images and DELETE /api/v1/images/NAME: the
 * image set with what it holds and who uses it (http_api.c routes here). */
#ifndef BOOTSRV_HTTP_IMAGES_H
#define BOOTSRV_HTTP_IMAGES_H

#include "daemon/server.h"

#include <jansson.h>
#include <stddef.h>

/* {"images":[{name, path, source, size_bytes, files, last_change, layout,
 * flavor, bootloader, hosts[], installing[]}], "errors":[{name, error}]}.
 * Walks each tree (sizes): a listing's cost grows with the trees. */
json_t *http_images_list(struct server *srv);
/* Remove store image name unless a host is armed with it or installing
 * from it. Returns the HTTP status (200, 404, 409) with why filled. */
unsigned http_images_delete(struct server *srv, const char *name, char *why, size_t whysz);

#endif
