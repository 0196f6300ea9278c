/* image_store.c - the merged image set, re-scanned (image_store.h). */
#include "image_store.h"

#include "common/fs_tree.h"
#include "common/image_conf.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One NAME.conf found in the store. */
struct entry {
	char name[NAME_MAX_LEN + 1];
	struct image_conf ic;
	bool parsed_ok;	 /* the conf parsed without errors */
	bool served;	 /* parsed_ok, its tree is there, no clash */
	char error[600]; /* why not served ("" when served) */
	/* the conf's identity when parsed: a change of any re-parses it */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool seen; /* in this scan */
};

struct image_store {
	const struct config *cfg;
	config_report_fn report;
	void *arg;
	char dir[PATH_MAX];
	struct entry **v; /* sorted by name */
	size_t n;
	const struct cfg_image **served; /* config images, then served entries */
	size_t nserved;
};

/* Collects the first message of a parse for the entry's error. */
struct first_msg {
	struct image_store *st;
	char *out;
	size_t outsz;
};

static void keep_first(const char *msg, void *arg)
{
	struct first_msg *f = arg;

	if (!f->out[0])
		snprintf(f->out, f->outsz, "%s", msg);
	if (f->st->report)
		f->st->report(msg, f->st->arg);
	else
		log_err("image store: %s", msg);
}

static void report(struct image_store *st, const char *msg)
{
	if (st->report)
		st->report(msg, st->arg);
	else
		log_err("image store: %s", msg);
}

__attribute__((format(printf, 2, 3))) static void set_error(struct entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->error, sizeof(e->error), fmt, ap);
	va_end(ap);
}

static struct entry *find_entry(const struct image_store *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i]->name, name) == 0)
			return st->v[i];
	return NULL;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	image_conf_free(&e->ic);
	free(e);
}

/* (Re)parse e's conf when its identity changed; decide whether it is
 * served. true when what it serves changed. */
static bool entry_update(struct image_store *st, struct entry *e, const struct stat *cs)
{
	char conf[PATH_MAX + 16], was[sizeof(e->error)];
	bool was_served = e->served, reparsed = false;
	struct stat ts;

	snprintf(was, sizeof(was), "%s", e->error);
	if (e->dev != cs->st_dev || e->ino != cs->st_ino || e->size != cs->st_size ||
	    e->mtime.tv_sec != cs->st_mtim.tv_sec || e->mtime.tv_nsec != cs->st_mtim.tv_nsec) {
		struct first_msg f = {.st = st, .out = e->error, .outsz = sizeof(e->error)};
		char tree[PATH_MAX];

		image_conf_free(&e->ic);
		e->error[0] = '\0';
		if (snprintf(conf, sizeof(conf), "%s/%s" IMAGE_CONF_SUFFIX, st->dir, e->name) >=
			(int)sizeof(conf) ||
		    snprintf(tree, sizeof(tree), "%s/%s", st->dir, e->name) >= (int)sizeof(tree)) {
			set_error(e, "%s: path too long", e->name);
			e->parsed_ok = false;
		} else {
			e->parsed_ok = image_conf_load(conf, e->name, tree, st->cfg, &e->ic,
						       keep_first, &f) == 0;
		}
		e->dev = cs->st_dev;
		e->ino = cs->st_ino;
		e->size = cs->st_size;
		e->mtime = cs->st_mtim;
		reparsed = true;
	}
	if (e->parsed_ok) {
		e->error[0] = '\0';
		if (config_image(st->cfg, e->name))
			set_error(e,
				  "%s/%s" IMAGE_CONF_SUFFIX
				  ": image \"%s\" is also in %s: the store "
				  "copy is not served (rename or remove one of them)",
				  st->dir, e->name, e->name, st->cfg->path);
		else if (stat(e->ic.im.path, &ts) < 0 || !S_ISDIR(ts.st_mode))
			set_error(
			    e, "%s/%s" IMAGE_CONF_SUFFIX ": the image's tree %s is not a directory",
			    st->dir, e->name, e->ic.im.path);
		if (e->error[0] && strcmp(was, e->error) != 0)
			report(st, e->error);
	}
	e->served = e->parsed_ok && !e->error[0];
	return e->served != was_served || (e->served && reparsed);
}

/* A new entry for name, or the existing one. NULL: out of memory. */
static struct entry *entry_get(struct image_store *st, const char *name)
{
	struct entry *e = find_entry(st, name), **v;

	if (e)
		return e;
	if (!(v = realloc(st->v, (st->n + 1) * sizeof(*v))) || !(e = calloc(1, sizeof(*e)))) {
		if (v)
			st->v = v;
		return NULL;
	}
	st->v = v;
	if (snprintf(e->name, sizeof(e->name), "%s", name) >= (int)sizeof(e->name))
		e->name[0] = '\0'; /* conf_name() keeps longer names out */
	e->ino = (ino_t)-1;	   /* never matches: parse on the first scan */
	st->v[st->n++] = e;
	return e;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct entry *const *)a)->name, (*(struct entry *const *)b)->name);
}

static int rebuild_served(struct image_store *st)
{
	const struct cfg_image **s = calloc(st->cfg->nimages + st->n + 1, sizeof(*s));
	size_t n = 0;

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < st->cfg->nimages; i++)
		s[n++] = &st->cfg->images[i];
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i]->served)
			s[n++] = &st->v[i]->ic.im;
	free(st->served);
	st->served = s;
	st->nserved = n;
	return 0;
}

/* NAME.conf -> NAME in name; false for anything else. */
static bool conf_name(const char *file, char *name, size_t namesz)
{
	size_t n = strlen(file), k = strlen(IMAGE_CONF_SUFFIX);

	if (file[0] == '.' || n <= k || n - k >= namesz ||
	    strcmp(file + n - k, IMAGE_CONF_SUFFIX) != 0)
		return false;
	memcpy(name, file, n - k);
	name[n - k] = '\0';
	return true;
}

/* Drop the entries not seen in this scan; true when one was served. */
static bool drop_unseen(struct image_store *st)
{
	bool changed = false;
	size_t k = 0;

	for (size_t i = 0; i < st->n; i++) {
		if (st->v[i]->seen) {
			st->v[k++] = st->v[i];
			continue;
		}
		changed |= st->v[i]->served;
		entry_free(st->v[i]);
	}
	st->n = k;
	return changed;
}

int image_store_refresh(struct image_store *st)
{
	char name[NAME_MAX_LEN + 1]; /* longer: not an image name, not listed */
	bool changed = false;
	struct dirent *d;
	DIR *dh = opendir(st->dir);
	int r;

	if (!dh && errno != ENOENT)
		return -errno;
	for (size_t i = 0; i < st->n; i++)
		st->v[i]->seen = false;
	while (dh && (d = readdir(dh))) {
		struct stat cs;
		struct entry *e;

		if (!conf_name(d->d_name, name, sizeof(name)))
			continue;
		if (fstatat(dirfd(dh), d->d_name, &cs, 0) < 0 || !S_ISREG(cs.st_mode))
			continue;
		if (!(e = entry_get(st, name))) {
			closedir(dh);
			return -ENOMEM;
		}
		e->seen = true;
		changed |= entry_update(st, e, &cs);
	}
	if (dh)
		closedir(dh);
	changed |= drop_unseen(st);
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), by_name);
	if ((r = rebuild_served(st)) < 0)
		return r;
	return changed ? 1 : 0;
}

struct image_store *image_store_open(const struct config *cfg, config_report_fn rep, void *arg)
{
	struct image_store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->cfg = cfg;
	st->report = rep;
	st->arg = arg;
	if (image_store_dir(cfg->state_dir, st->dir, sizeof(st->dir)) < 0 ||
	    image_store_refresh(st) < 0) {
		if (st->dir[0])
			log_err_errno("image store %s", st->dir);
		image_store_close(st);
		return NULL;
	}
	return st;
}

void image_store_close(struct image_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		entry_free(st->v[i]);
	free(st->v);
	free(st->served);
	free(st);
}

size_t image_store_count(const struct image_store *st)
{
	return st->nserved;
}

const struct cfg_image *image_store_at(const struct image_store *st, size_t i)
{
	return i < st->nserved ? st->served[i] : NULL;
}

bool image_store_is_store(const struct image_store *st, const struct cfg_image *im)
{
	for (size_t i = 0; i < st->cfg->nimages; i++)
		if (im == &st->cfg->images[i])
			return false;
	return true;
}

const struct cfg_image *image_store_get(const struct image_store *st, const char *name)
{
	for (size_t i = 0; i < st->nserved; i++)
		if (strcmp(st->served[i]->name, name) == 0)
			return st->served[i];
	return NULL;
}

size_t image_store_error_count(const struct image_store *st)
{
	size_t n = 0;

	for (size_t i = 0; i < st->n; i++)
		n += !st->v[i]->served;
	return n;
}

const char *image_store_error_at(const struct image_store *st, size_t i, const char **name)
{
	for (size_t k = 0; k < st->n; k++) {
		if (st->v[k]->served || i-- > 0)
			continue;
		if (name)
			*name = st->v[k]->name;
		return st->v[k]->error[0] ? st->v[k]->error : "not usable";
	}
	return NULL;
}

const char *image_store_dirname(const struct image_store *st)
{
	return st->dir;
}

static int remove_locked(struct image_store *st, const char *name);

int image_store_remove(struct image_store *st, const char *name)
{
	char conf[PATH_MAX + 16];
	int lockfd, r;

	if (config_image(st->cfg, name))
		return -EPERM;
	if (!image_name_ok(name) || !find_entry(st, name))
		return -ENOENT;
	/* an import or capture holds the store's lock while it runs (and may
	 * swap this very image in): never wait for it on the loop, refuse */
	if (snprintf(conf, sizeof(conf), "%s/.lock", st->dir) >= (int)sizeof(conf))
		return -ENAMETOOLONG;
	if ((lockfd = open(conf, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -errno;
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(lockfd);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	r = remove_locked(st, name);
	close(lockfd);
	return r;
}

static int remove_locked(struct image_store *st, const char *name)
{
	char conf[PATH_MAX + 16], tree[PATH_MAX], trash[PATH_MAX + 64], tconf[PATH_MAX + 80];
	uint8_t rnd[4];
	pid_t pid;

	if (random_bytes(rnd, sizeof(rnd)) < 0)
		memset(rnd, 0, sizeof(rnd));
	if (snprintf(conf, sizeof(conf), "%s/%s" IMAGE_CONF_SUFFIX, st->dir, name) >=
		(int)sizeof(conf) ||
	    snprintf(tree, sizeof(tree), "%s/%s", st->dir, name) >= (int)sizeof(tree) ||
	    snprintf(trash, sizeof(trash), "%s/" IMAGE_TRASH_PREFIX "%d-%s-%02x%02x%02x%02x",
		     st->dir, (int)getpid(), name, rnd[0], rnd[1], rnd[2],
		     rnd[3]) >= (int)sizeof(trash) ||
	    snprintf(tconf, sizeof(tconf), "%s" IMAGE_CONF_SUFFIX, trash) >= (int)sizeof(tconf))
		return -ENAMETOOLONG;
	/* the conf first: without it the tree is no image, whatever happens next */
	if (rename(conf, tconf) < 0)
		return -errno;
	if (rename(tree, trash) < 0 && errno != ENOENT)
		log_warn_errno("image store: cannot move %s aside; it stays, not served", tree);
	log_info("image store: removed image %s (deleting %s)", name, trash);
	image_store_refresh(st);
	pid = fork();
	if (pid == 0) {
		int r;
		fork_child_reset();
		r = tree_remove(trash);
		r = tree_remove(tconf) < 0 ? -1 : r;
		_exit(r < 0 ? 1 : 0);
	}
	if (pid < 0) /* a stale trash entry: cleaned at the next import */
		log_warn_errno("image store: cannot fork to delete %s", trash);
	return 0;
}
