/* frozen.c - frozen image versions: jobs, binding hosts, collection
 * (frozen.h). The loop only forks, reaps and renames; walking and copying
 * trees happen in children (frozen_make.c, tree_remove). */
#include "frozen.h"

#include "common/fs_tree.h"
#include "frozen_make.h"
#include "frozen_name.h"
#include "hoststate.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GC_INTERVAL_MS 5000

/* Per image: its running job and its newest version. */
struct img_rec {
	char image[NAME_MAX_LEN + 1];
	pid_t pid;			  /* the running job's child, 0: none */
	uint64_t running;		  /* the running job's sequence number, 0: none */
	uint64_t last_seq;		  /* the last job started */
	bool again;			  /* arms came during the running job: one more after it */
	char snap[FROZEN_NAME_MAX + 1];	  /* the running job's version */
	char newest[FROZEN_NAME_MAX + 1]; /* "" when none */
	uint64_t newest_fp;		  /* 0: unknown, never reused */
};

struct ready {
	char name[FROZEN_NAME_MAX + 1];
	char path[PATH_MAX];
};

struct frozen {
	char dir[PATH_MAX];
	char state_dir[PATH_MAX];
	uint64_t next_gen;
	struct img_rec *imgs;
	size_t nimgs;
	struct ready *ready;
	size_t nready;
	struct loop_timer *gc;
};

/* snprintf for names and paths: a truncated one is refused by the caller
 * (-ENAMETOOLONG), never used. */
static int pathf(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

static struct img_rec *rec_get(struct frozen *fz, const char *image, bool create)
{
	struct img_rec *v;

	for (size_t i = 0; i < fz->nimgs; i++)
		if (strcmp(fz->imgs[i].image, image) == 0)
			return &fz->imgs[i];
	if (!create || !(v = realloc(fz->imgs, (fz->nimgs + 1) * sizeof(*v))))
		return NULL;
	fz->imgs = v;
	v = &fz->imgs[fz->nimgs++];
	memset(v, 0, sizeof(*v));
	snprintf(v->image, sizeof(v->image), "%s", image);
	return v;
}

static int ready_add(struct frozen *fz, const char *name)
{
	struct ready *v = realloc(fz->ready, (fz->nready + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	fz->ready = v;
	v = &fz->ready[fz->nready];
	snprintf(v->name, sizeof(v->name), "%s", name);
	if (pathf(v->path, sizeof(v->path), "%s/%s", fz->dir, name) < 0)
		return -ENAMETOOLONG;
	fz->nready++;
	return 0;
}

static bool is_ready(const struct frozen *fz, const char *name)
{
	for (size_t i = 0; i < fz->nready; i++)
		if (strcmp(fz->ready[i].name, name) == 0)
			return true;
	return false;
}

size_t frozen_count(const struct server *srv)
{
	return srv->frozen ? srv->frozen->nready : 0;
}

const char *frozen_at(const struct server *srv, size_t i, const char **path)
{
	*path = srv->frozen->ready[i].path;
	return srv->frozen->ready[i].name;
}

static uint64_t read_fp(const struct frozen *fz, const char *name)
{
	char path[PATH_MAX], *text = NULL;
	unsigned long long v = 0;

	if (pathf(path, sizeof(path), "%s/%s.fp", fz->dir, name) == 0 &&
	    read_file(path, 64, &text, NULL) == 0 && sscanf(text, "%llx", &v) != 1)
		v = 0;
	free(text);
	return v;
}

static void err_path(const struct frozen *fz, const char *snap, char *out, size_t outsz)
{
	if (pathf(out, outsz, "%s/.frozen-%s.err", fz->state_dir, snap) < 0)
		out[0] = '\0';
}

/* The job's own message (or cp's) from its error file: the first line. */
static void read_error(const struct frozen *fz, const char *snap, char *out, size_t outsz)
{
	char path[PATH_MAX], *text = NULL;

	err_path(fz, snap, path, sizeof(path));
	if (read_file(path, 4096, &text, NULL) == 0 && text[0]) {
		text[strcspn(text, "\n")] = '\0';
		snprintf(out, outsz, "%s", text);
	} else {
		snprintf(out, outsz, "the copy failed (no message)");
	}
	free(text);
	unlink(path);
}

/* Hosts waiting for job seq of rec get snap, or fail with message. */
static void bind_hosts(struct server *srv, const struct img_rec *rec, uint64_t seq,
		       const char *snap, const char *message)
{
	for (size_t i = 0; i < hoststate_count(srv->hosts); i++) {
		struct host_rt *h = hoststate_at(srv->hosts, i);
		if (h->state != HOST_NETBOOT || h->frozen[0] || h->freeze_seq != seq ||
		    strcmp(h->image, rec->image) != 0)
			continue;
		if (hoststate_set_frozen(srv->hosts, h->cfg->name, snap, message) < 0)
			log_err("host %s: cannot record its frozen image version", h->cfg->name);
	}
}

/* Start job seq = rec->last_seq + 1 for rec's image. */
static int job_start(struct server *srv, struct img_rec *rec)
{
	struct frozen *fz = srv->frozen;
	const struct cfg_image *img = server_image(srv, rec->image);
	uint64_t prev = rec->newest[0] && is_ready(fz, rec->newest) ? rec->newest_fp : 0;
	char errfile[PATH_MAX], msg[300];
	uint64_t seq = rec->last_seq + 1;
	pid_t pid;
	int r;

	rec->last_seq = seq;
	if (!img) {
		snprintf(msg, sizeof(msg), "cannot freeze image %s: it is no longer served",
			 rec->image);
		bind_hosts(srv, rec, seq, NULL, msg);
		return -ENOENT;
	}
	if ((r = frozen_name_format(rec->image, fz->next_gen++, rec->snap, sizeof(rec->snap))) < 0)
		goto fail;
	err_path(fz, rec->snap, errfile, sizeof(errfile));
	if ((pid = fork()) < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0) {
		fork_child_reset();
		_exit(frozen_make(img->path, fz->dir, rec->snap, prev, errfile));
	}
	setpgid(pid, pid);
	rec->pid = pid;
	rec->running = seq;
	log_info("frozen: image %s: freezing %s as %s (pid %d)", rec->image, img->path, rec->snap,
		 (int)pid);
	return 0;
fail:
	snprintf(msg, sizeof(msg), "cannot freeze image %s: %s", rec->image, strerror(-r));
	log_err("frozen: %s", msg);
	bind_hosts(srv, rec, seq, NULL, msg);
	return r;
}

int frozen_request(struct server *srv, const char *host)
{
	struct host_rt *h = hoststate_get(srv->hosts, host);
	struct img_rec *rec;
	bool start;
	char msg[200];

	if (!srv->frozen || !h)
		return 0;
	if (!(rec = rec_get(srv->frozen, h->image, true))) {
		snprintf(msg, sizeof(msg), "cannot freeze image %s: out of memory", h->image);
		hoststate_set_frozen(srv->hosts, host, NULL, msg);
		return -ENOMEM;
	}
	h->freeze_seq = frozen_wait_for(rec->running, rec->last_seq, &start);
	if (!start) {
		rec->again = true;
		return 0;
	}
	return job_start(srv, rec);
}

/* Delete versions nobody needs: out of rsync's modules first, then renamed
 * to a trash name at once, then removed by a child. */
static void gc_run(struct server *srv)
{
	struct frozen *fz = srv->frozen;
	bool changed = false;
	size_t k = 0;
	struct ready gone[16];
	size_t ngone = 0;

	for (size_t i = 0; i < fz->nready; i++) {
		struct frozen_snap s = {0};
		pathf(s.name, sizeof(s.name), "%s", fz->ready[i].name);
		frozen_name_parse(s.name, s.image, &s.gen);
		const struct img_rec *rec = rec_get(fz, s.image, false);
		s.newest = rec && strcmp(rec->newest, s.name) == 0 && server_image(srv, s.image);
		for (size_t j = 0; j < hoststate_count(srv->hosts) && !s.in_use; j++) {
			const struct host_rt *h = hoststate_at(srv->hosts, j);
			s.in_use = (h->state == HOST_NETBOOT || h->state == HOST_INSTALLING) &&
				   strcmp(h->frozen, s.name) == 0;
		}
		if (frozen_gc_may_delete(&s) && ngone < ARRAY_SIZE(gone)) {
			gone[ngone++] = fz->ready[i];
			changed = true;
		} else {
			fz->ready[k++] = fz->ready[i];
		}
	}
	fz->nready = k;
	if (!changed)
		return;
	rsyncd_images_changed(srv);
	for (size_t i = 0; i < ngone; i++) {
		char trash[PATH_MAX], fp[PATH_MAX];
		struct img_rec *rec;
		char image[NAME_MAX_LEN + 1];

		if (frozen_name_parse(gone[i].name, image, NULL) == 0 &&
		    (rec = rec_get(fz, image, false)) && strcmp(rec->newest, gone[i].name) == 0)
			rec->newest[0] = '\0';
		if (pathf(trash, sizeof(trash), "%s/.trash-%s", fz->dir, gone[i].name) < 0 ||
		    pathf(fp, sizeof(fp), "%s/%s.fp", fz->dir, gone[i].name) < 0)
			continue;
		unlink(fp);
		if (rename(gone[i].path, trash) < 0) {
			log_err_errno("frozen: cannot remove %s", gone[i].path);
			continue;
		}
		log_info("frozen: version %s unused, deleting it", gone[i].name);
		pid_t pid = fork();
		if (pid == 0) {
			fork_child_reset();
			_exit(tree_remove(trash) < 0 ? 1 : 0);
		}
	}
}

static void gc_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct server *srv = arg;

	gc_run(srv);
	loop_timer_rearm(loop, t, now_ms() + GC_INTERVAL_MS);
}

bool frozen_child_exited(struct server *srv, int pid, int status)
{
	struct frozen *fz = srv->frozen;
	struct img_rec *rec = NULL;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	char msg[PATH_MAX + 64], why[PATH_MAX];
	uint64_t seq;

	for (size_t i = 0; fz && i < fz->nimgs && !rec; i++)
		if (fz->imgs[i].pid == pid)
			rec = &fz->imgs[i];
	if (!rec)
		return false;
	seq = rec->running;
	rec->pid = 0;
	rec->running = 0;
	if (code == FROZEN_MADE && ready_add(fz, rec->snap) == 0) {
		snprintf(rec->newest, sizeof(rec->newest), "%s", rec->snap);
		rec->newest_fp = read_fp(fz, rec->snap);
		err_path(fz, rec->snap, why, sizeof(why));
		unlink(why);
		log_info("frozen: image %s: version %s ready", rec->image, rec->snap);
		rsyncd_images_changed(srv); /* its module exists before a plan names it */
		bind_hosts(srv, rec, seq, rec->snap, NULL);
	} else if (code == FROZEN_UNCHANGED && rec->newest[0] && is_ready(fz, rec->newest)) {
		err_path(fz, rec->snap, why, sizeof(why));
		unlink(why);
		log_info("frozen: image %s unchanged, reusing %s", rec->image, rec->newest);
		bind_hosts(srv, rec, seq, rec->newest, NULL);
	} else {
		read_error(fz, rec->snap, why, sizeof(why));
		if (code < 0)
			snprintf(why, sizeof(why), "the copy was killed by signal %d",
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		snprintf(msg, sizeof(msg), "cannot freeze image %s: %s", rec->image, why);
		log_err("frozen: %s", msg);
		bind_hosts(srv, rec, seq, NULL, msg);
	}
	if (rec->again) {
		rec->again = false;
		job_start(srv, rec);
	}
	gc_run(srv);
	return true;
}

/* Some filesystems leave d_type unknown: ask them. */
static bool is_dir(const char *dir, const struct dirent *e)
{
	char p[PATH_MAX];
	struct stat st;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_DIR;
	return pathf(p, sizeof(p), "%s/%s", dir, e->d_name) == 0 && lstat(p, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* The versions a previous run left; partial copies and trash go. */
static int scan(struct frozen *fz)
{
	DIR *d = opendir(fz->dir);
	struct dirent *e;
	bool stale = false;
	unsigned nstale = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char image[NAME_MAX_LEN + 1];
		uint64_t gen;
		struct img_rec *rec;

		if (strncmp(e->d_name, ".tmp-", 5) == 0) {
			/* A job killed by the last stop. Its GEN is not reused, and
			 * it becomes trash here, before any new job can write a
			 * .tmp- of the same name the cleanup child would delete. */
			char from[PATH_MAX], to[PATH_MAX];
			if (frozen_name_parse(e->d_name + 5, NULL, &gen) == 0 && gen >= fz->next_gen)
				fz->next_gen = gen + 1;
			if (pathf(from, sizeof(from), "%s/%s", fz->dir, e->d_name) == 0 &&
			    pathf(to, sizeof(to), "%s/.trash-stale-%ld-%u", fz->dir, (long)getpid(),
				  nstale) == 0 &&
			    rename(from, to) < 0)
				log_warn_errno("frozen: %s", from);
			nstale++;
			stale = true;
			continue;
		}
		if (strncmp(e->d_name, ".trash-", 7) == 0) {
			stale = true;
			continue;
		}
		if (frozen_name_parse(e->d_name, image, &gen) < 0 || !is_dir(fz->dir, e))
			continue;
		if (gen >= fz->next_gen)
			fz->next_gen = gen + 1;
		if (ready_add(fz, e->d_name) < 0 || !(rec = rec_get(fz, image, true)))
			continue;
		uint64_t cur = 0;
		if (rec->newest[0])
			frozen_name_parse(rec->newest, NULL, &cur);
		if (gen > cur) {
			pathf(rec->newest, sizeof(rec->newest), "%s", e->d_name);
			rec->newest_fp = read_fp(fz, e->d_name);
		}
	}
	closedir(d);
	if (stale && fork() == 0) {
		fork_child_reset();
		d = opendir(fz->dir);
		while (d && (e = readdir(d))) {
			char p[PATH_MAX];
			if (strncmp(e->d_name, ".trash-", 7))
				continue;
			if (pathf(p, sizeof(p), "%s/%s", fz->dir, e->d_name) == 0)
				tree_remove(p);
		}
		_exit(0);
	}
	return 0;
}

int frozen_start(struct server *srv)
{
	struct frozen *fz = calloc(1, sizeof(*fz));
	int r;

	if (!fz)
		return -ENOMEM;
	srv->frozen = fz;
	fz->next_gen = 1;
	if (pathf(fz->state_dir, sizeof(fz->state_dir), "%s", srv->cfg->state_dir) < 0 ||
	    pathf(fz->dir, sizeof(fz->dir), "%s/" FROZEN_SUBDIR, srv->cfg->state_dir) < 0)
		return -ENAMETOOLONG;
	/* root only: the versions hold the images' /etc/shadow */
	if (mkdir(fz->dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		log_err_errno("frozen: %s", fz->dir);
		return r;
	}
	if ((r = scan(fz)) < 0) {
		log_err("frozen: %s: %s", fz->dir, strerror(-r));
		return r;
	}
	/* hosts armed before a restart whose version was not made yet */
	for (size_t i = 0; i < hoststate_count(srv->hosts); i++) {
		const struct host_rt *h = hoststate_at(srv->hosts, i);
		if (h->state == HOST_NETBOOT && !h->frozen[0])
			frozen_request(srv, h->cfg->name);
	}
	if (!(fz->gc = loop_timer_add(srv->loop, now_ms() + GC_INTERVAL_MS, gc_cb, srv)))
		return -ENOMEM;
	log_info("frozen: %s: %zu versions kept", fz->dir, fz->nready);
	return 0;
}

void frozen_stop(struct server *srv)
{
	struct frozen *fz = srv->frozen;

	if (!fz)
		return;
	/* a job's partial copy is removed at the next start */
	for (size_t i = 0; i < fz->nimgs; i++)
		if (fz->imgs[i].pid > 0)
			kill(-fz->imgs[i].pid, SIGTERM);
	if (fz->gc)
		loop_timer_cancel(srv->loop, fz->gc);
	free(fz->imgs);
	free(fz->ready);
	free(fz);
	srv->frozen = NULL;
}
