/* image_conf.h - the image store's files: the tree state_dir/images/NAME/
 * (a plain directory, chroot-able) and state_dir/images/NAME.conf beside
 * it (libconfig: layout, excludes, flavor, bootloader, hook_timeout), so an
 * imported image is usable without editing bootsrv.conf.
 *
 * NAME.conf is the commit marker: a tree without it is not an image. Hidden
 * entries (".import-PID-…", ".trash-PID-…") are work in progress of the
 * process PID; the scan ignores them and image_store_clean_stale() removes
 * those whose process is gone. */
#ifndef BOOTSRV_IMAGE_CONF_H
#define BOOTSRV_IMAGE_CONF_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>

#define IMAGE_STORE_SUBDIR "images"
#define IMAGE_CONF_SUFFIX ".conf"
#define IMAGE_TMP_PREFIX ".import-"
#define IMAGE_TRASH_PREFIX ".trash-"

/* An image of the store: im.path is the tree; im.layout_ref points into the
 * config's layouts or at own_layout (a layout group of the conf's own). */
struct image_conf {
	struct cfg_image im;
	struct cfg_layout *own_layout; /* malloc'd, or NULL */
};

/* The config's name rules (1-63 of [A-Za-z0-9._-], no leading '.'), and
 * not ending in ".conf": the tree of "x.conf" would be the conf of "x". */
bool image_name_ok(const char *name);

/* state_dir/images, or state_dir/images/NAME + suffix ("" or ".conf").
 * 0 or -ENAMETOOLONG. */
int image_store_dir(const char *state_dir, char *out, size_t outsz);
int image_store_path(const char *state_dir, const char *name, const char *suffix, char *out,
		     size_t outsz);
/* state_dir/images/NAME.conf exists (a store image, maybe a broken one). */
bool image_conf_exists(const char *state_dir, const char *name);

/* Parse conf_path, the conf of image name whose tree is tree. A "layout"
 * string names a layout of cfg; a group is a layout of its own (its name
 * defaults to the image's). Every problem is reported as "file:line: …"
 * (report NULL: logged). Returns the number of errors (0: usable), or
 * -errno when the file cannot be read (also reported). out is filled and
 * must be freed with image_conf_free() either way. */
int image_conf_load(const char *conf_path, const char *name, const char *tree,
		    const struct config *cfg, struct image_conf *out, config_report_fn report,
		    void *arg);
void image_conf_free(struct image_conf *ic);

/* Remove the hidden work entries of dir (".import-PID-…", ".trash-PID-…")
 * whose process PID is gone: what a crash or a kill left behind. Those of
 * live processes are left alone. Returns how many were removed, or -errno. */
int image_store_clean_stale(const char *dir);

#endif
