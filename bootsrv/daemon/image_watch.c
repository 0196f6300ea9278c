/* image_watch.c - the daemon's image set kept current: the store is
 * re-scanned when the API needs the set (server_images_refresh) and when
 * inotify reports an entry of state_dir/images created, renamed, written
 * or deleted, so an imported or removed image reaches rsync's module file
 * without anyone asking. The watch is on the store directory only (not
 * recursive): what happens inside a tree is no change of the set, and an
 * import's thousands of file writes inside its hidden temporary tree wake
 * nobody. */
#include "server.h"

#include "common/image_conf.h"
#include "hoststate.h"
#include "image_store.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

struct image_watch {
	int fd;			  /* inotify, -1 when none */
	struct loop_fd *fd_watch; /* its watch in the loop */
};

static const struct cfg_image *lookup(void *arg, const char *name)
{
	return server_image(arg, name);
}

const struct cfg_image *server_image(const struct server *srv, const char *name)
{
	if (!name)
		return NULL;
	return srv->images ? image_store_get(srv->images, name) : config_image(srv->cfg, name);
}

void server_images_refresh(struct server *srv)
{
	int r;

	if (!srv->images)
		return;
	r = image_store_refresh(srv->images);
	if (r < 0)
		log_err("image store %s: %s", image_store_dirname(srv->images), strerror(-r));
	if (r > 0) {
		log_info("image set changed: %zu images", image_store_count(srv->images));
		rsyncd_images_changed(srv);
	}
}

static void on_inotify(struct loop *loop, int fd, uint32_t events, void *arg)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct server *srv = arg;

	(void)loop;
	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0) /* drain: one re-scan covers them all */
		;
	server_images_refresh(srv);
}

int images_start(struct server *srv)
{
	struct image_watch *w = calloc(1, sizeof(*w));
	const char *dir;

	if (!w)
		return -ENOMEM;
	w->fd = -1;
	srv->image_watch = w;
	if (!(srv->images = image_store_open(srv->cfg, NULL, NULL)))
		return -EIO;
	hoststate_set_images(srv->hosts, lookup, srv);
	dir = image_store_dirname(srv->images);
	/* a crash during a removal leaves a trash tree: delete it off the loop */
	if (fork() == 0) {
		fork_child_reset();
		_exit(image_store_clean_stale(dir) < 0 ? 1 : 0);
	}
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 || inotify_add_watch(w->fd, dir,
					   IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
					       IN_CLOSE_WRITE | IN_ATTRIB) < 0) {
		/* still correct, only later: the API re-scans when it needs the set */
		log_warn_errno("image store %s: no inotify watch, new images show at the next "
			       "API call",
			       dir);
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
	} else if (!(w->fd_watch = loop_add_fd(srv->loop, w->fd, EPOLLIN, on_inotify, srv))) {
		return -errno;
	}
	log_info("image store %s: %zu images served (config and store)", dir,
		 image_store_count(srv->images));
	return 0;
}

void images_stop(struct server *srv)
{
	struct image_watch *w = srv->image_watch;

	if (w && w->fd >= 0) {
		loop_del_fd(srv->loop, w->fd_watch);
		close(w->fd);
	}
	free(w);
	srv->image_watch = NULL;
	if (srv->hosts)
		hoststate_set_images(srv->hosts, NULL, NULL);
	image_store_close(srv->images);
	srv->images = NULL;
}
