/* http_images.c - the image routes' logic (http_images.h). */
#include "http_images.h"

#include "common/fs_tree.h"
#include "daemon/hoststate.h"
#include "daemon/image_store.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool armed_with(const struct host_rt *h, const char *image)
{
	return (h->state == HOST_NETBOOT || h->state == HOST_INSTALLING) &&
	       strcmp(h->image, image) == 0;
}

/* hosts: armed with it or configured with it; installing: from it now. */
static json_t *users_json(struct server *srv, const char *image, bool installing_only)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < hoststate_count(srv->hosts); i++) {
		const struct host_rt *h = hoststate_at(srv->hosts, i);
		bool use = installing_only
			       ? h->state == HOST_INSTALLING && strcmp(h->image, image) == 0
			       : armed_with(h, image) || strcmp(h->cfg->image, image) == 0;
		if (use)
			json_array_append_new(arr, json_string(h->cfg->name));
	}
	return arr;
}

static json_t *image_json(struct server *srv, const struct cfg_image *im)
{
	struct tree_stats ts = {0};
	bool store = srv->images && image_store_is_store(srv->images, im);

	tree_stats(im->path, &ts); /* a tree that is not there: zeros */
	return json_pack(
	    "{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:o, s:o}", "name", im->name, "path",
	    im->path, "source", store ? "store" : "config", "size_bytes", (json_int_t)ts.bytes,
	    "files", (json_int_t)ts.entries, "last_change", (json_int_t)ts.newest_mtime, "layout",
	    im->layout, "flavor", im->flavor, "bootloader", im->bootloader, "hosts",
	    users_json(srv, im->name, false), "installing", users_json(srv, im->name, true));
}

json_t *http_images_list(struct server *srv)
{
	json_t *imgs = json_array(), *errs = json_array();
	size_t n;

	server_images_refresh(srv);
	n = srv->images ? image_store_count(srv->images) : srv->cfg->nimages;
	for (size_t i = 0; imgs && i < n; i++)
		json_array_append_new(imgs,
				      image_json(srv, srv->images ? image_store_at(srv->images, i)
								  : &srv->cfg->images[i]));
	for (size_t i = 0; errs && srv->images && i < image_store_error_count(srv->images); i++) {
		const char *name = "", *why = image_store_error_at(srv->images, i, &name);
		json_array_append_new(errs, json_pack("{s:s, s:s}", "name", name, "error", why));
	}
	return json_pack("{s:o, s:o}", "images", imgs, "errors", errs);
}

unsigned http_images_delete(struct server *srv, const char *name, char *why, size_t whysz)
{
	int r;

	server_images_refresh(srv);
	if (srv->cfg && config_image(srv->cfg, name)) {
		snprintf(why, whysz, "image %s is in %s: remove it there, not through the API",
			 name, srv->cfg->path);
		return 409;
	}
	for (size_t i = 0; i < hoststate_count(srv->hosts); i++) {
		const struct host_rt *h = hoststate_at(srv->hosts, i);
		if (armed_with(h, name)) {
			snprintf(
			    why, whysz, "host %s is %s image %s: localboot it first", h->cfg->name,
			    h->state == HOST_INSTALLING ? "installing from" : "armed with", name);
			return 409;
		}
	}
	r = srv->images ? image_store_remove(srv->images, name) : -ENOENT;
	if (r == 0) {
		rsyncd_images_changed(srv);
		snprintf(why, whysz, "removed");
		return 200;
	}
	if (r == -EBUSY) {
		snprintf(why, whysz, "an image import or capture is running: try again when it ends");
		return 409;
	}
	snprintf(why, whysz, "%s", r == -ENOENT ? "no such image in the store" : strerror(-r));
	return r == -ENOENT ? 404 : 500;
}
