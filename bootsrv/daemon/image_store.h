/* image_store.h - the daemon's image set: the images of bootsrv.conf and
 * those of the store (state_dir/images/NAME/ + NAME.conf, image_conf.h),
 * merged, looked up by name, refreshed by a re-scan.
 *
 * A re-scan is cheap: readdir of the store and a stat of each NAME.conf;
 * only a conf whose (device, inode, size, mtime) changed is parsed again,
 * so it runs whenever the set is needed (arming a host, a plan, a listing)
 * and on inotify events of the store directory. A broken conf, a name
 * clashing with a config image or a conf without its tree leaves that
 * image out, is logged once per change and listed as an error; the others
 * are still served. Pointers returned stay valid until the next refresh. */
#ifndef BOOTSRV_IMAGE_STORE_H
#define BOOTSRV_IMAGE_STORE_H

#include "common/config.h"

#include <stdbool.h>
#include <stddef.h>

struct image_store;

/* No I/O but the first scan; a missing store directory is an empty store.
 * report gets each problem's line ("file:line: …"); NULL: logged. */
struct image_store *image_store_open(const struct config *cfg, config_report_fn report, void *arg);
void image_store_close(struct image_store *st);

/* Re-scan. 1 when the served set changed (an image came, went or changed
 * its settings), 0 when not, -errno when the store cannot be read (the set
 * is kept). */
int image_store_refresh(struct image_store *st);

/* The served images: the config's first, then the store's by name. */
size_t image_store_count(const struct image_store *st);
const struct cfg_image *image_store_at(const struct image_store *st, size_t i);
/* true for a store image, false for one of bootsrv.conf */
bool image_store_is_store(const struct image_store *st, const struct cfg_image *im);
const struct cfg_image *image_store_get(const struct image_store *st, const char *name);

/* Store entries left out, with why ("file:line: …"). */
size_t image_store_error_count(const struct image_store *st);
const char *image_store_error_at(const struct image_store *st, size_t i, const char **name);

/* Take store image name out of service and delete it: the conf and then
 * the tree are renamed to hidden trash names at once (never a half-removed
 * image served), the trash is deleted by a child process (a large tree
 * must not stall the loop; the caller reaps it). 0, -ENOENT (no such store
 * image), -EPERM (an image of bootsrv.conf), -EBUSY (an import or capture
 * holds the store's lock), or -errno of the rename. */
int image_store_remove(struct image_store *st, const char *name);

/* The store directory (state_dir/images). */
const char *image_store_dirname(const struct image_store *st);

#endif
