/* hoststate.c - see hoststate.h.
 *
 * One JSON file per host under state_dir/hosts/. Every transition is built
 * on a copy, written (temp + fsync + rename), and only then copied over the
 * live record, so a failed write leaves memory and disk agreeing. Files are
 * mode 0600: they hold the live install token. */
#include "hoststate.h"

#include "log.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STATE_FILE_MAX (64 * 1024)

const char *const host_state_names[] = {
	[HOST_LOCALBOOT] = "localboot", [HOST_NETBOOT] = "netboot",
	[HOST_INSTALLING] = "installing", [HOST_INSTALLED] = "installed",
	[HOST_FAILED] = "failed",
};

/* A host's recent events, allocated on its first event. */
struct host_ring {
	struct host_event ev[HOST_EVENTS];
	size_t next, count;
};

struct hoststate {
	const struct config *cfg;
	char dir[PATH_MAX];
	struct host_rt *hosts;
	struct host_ring **rings; /* parallel to hosts */
	struct host_memo *memos;  /* parallel to hosts */
	size_t n;
	/* open addressing, index + 1 into hosts (0: empty), mask + 1 slots,
	 * at least twice n: lookups by name (API, CLI) and by MAC (every boot
	 * config request) without a scan of all hosts */
	size_t *by_name, *by_mac, mask;
	struct hoststate_stats stats;
	hoststate_image_fn image; /* NULL: the config's images */
	void *image_arg;
};

void hoststate_set_images(struct hoststate *hs, hoststate_image_fn fn, void *arg)
{
	hs->image = fn;
	hs->image_arg = arg;
}

int host_state_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(host_state_names); i++)
		if (strcmp(s, host_state_names[i]) == 0)
			return (int)i;
	return -1;
}

static void copy_str(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src ? src : "");
}

/* Image flavors end up in file paths and on a kernel command line. */
static json_t *rt_to_json(const struct host_rt *h)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:I, s:s, s:I, s:I, s:I, s:b, "
	    "s:I, s:s, s:b, s:s}",
	    "state", host_state_names[h->state], "image", h->image, "flavor", h->flavor, "once",
	    h->once, "token", h->token, "step", h->step, "percent", h->percent, "bytes",
	    (json_int_t)h->bytes, "message", h->message, "changed_at", (json_int_t)h->changed_at,
	    "started_at", (json_int_t)h->started_at, "progress_at", (json_int_t)h->progress_at,
	    "boot_local_next", h->boot_local_next, "finished_at", (json_int_t)h->finished_at,
	    "error", h->error, "plan_fetched", h->plan_fetched, "frozen", h->frozen);
}

static int rt_from_json(json_t *j, struct host_rt *h)
{
	const char *state = "", *image = "", *flavor = "", *token = "", *step = "", *msg = "";
	const char *error = "", *frozen = "";
	json_int_t bytes = 0, changed = 0, started = 0, progress = 0, finished = 0;
	int once = 0, local_next = 0, plan = 0, percent = 0, st;
	json_error_t e;

	if (json_unpack_ex(j, &e, 0,
			   "{s:s, s?s, s?s, s?b, s?s, s?s, s?i, s?I, s?s, s?I, s?I, s?I, s?b, s?I, "
			   "s?s, s?b, s?s}",
			   "state", &state, "image", &image, "flavor", &flavor, "once", &once,
			   "token", &token, "step", &step, "percent", &percent, "bytes", &bytes,
			   "message", &msg, "changed_at", &changed, "started_at", &started,
			   "progress_at", &progress, "boot_local_next", &local_next, "finished_at",
			   &finished, "error", &error, "plan_fetched", &plan, "frozen",
			   &frozen) < 0)
		return -EINVAL;
	if ((st = host_state_parse(state)) < 0)
		return -EINVAL;
	if (token[0] && strlen(token) != HOST_TOKEN_LEN)
		return -EINVAL;
	h->state = (enum host_state)st;
	copy_str(h->image, sizeof(h->image), image);
	copy_str(h->flavor, sizeof(h->flavor), flavor);
	copy_str(h->token, sizeof(h->token), token);
	copy_str(h->step, sizeof(h->step), step);
	copy_str(h->message, sizeof(h->message), msg);
	copy_str(h->error, sizeof(h->error), error);
	/* read back from disk: it names an rsync module and a directory */
	if (frozen[0] && frozen_name_parse(frozen, NULL, NULL) < 0)
		return -EINVAL;
	copy_str(h->frozen, sizeof(h->frozen), frozen);
	h->finished_at = finished;
	h->plan_fetched = plan;
	h->once = once;
	h->boot_local_next = local_next;
	h->percent = percent;
	h->bytes = bytes < 0 ? 0 : (uint64_t)bytes;
	h->changed_at = changed;
	h->started_at = started;
	h->progress_at = progress;
	return 0;
}

static int host_path(const struct hoststate *hs, const char *name, char *out, size_t outsz)
{
	if (snprintf(out, outsz, "%s/%s.json", hs->dir, name) >= (int)outsz)
		return -ENAMETOOLONG;
	return 0;
}

static int persist(const struct hoststate *hs, const struct host_rt *h)
{
	char path[PATH_MAX], *text = NULL;
	json_t *j = rt_to_json(h);
	int r;

	if (!j)
		return -ENOMEM;
	text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	if (!text)
		return -ENOMEM;
	r = host_path(hs, h->cfg->name, path, sizeof(path));
	if (r == 0)
		r = write_file_atomic(path, text, strlen(text), 0600);
	free(text);
	return r;
}

/* Write next, then make it live. On failure nothing changes. */
static int commit(struct hoststate *hs, struct host_rt *h, const struct host_rt *next)
{
	int r = persist(hs, next);
	if (r < 0) {
		log_err("host %s: cannot save state: %s", h->cfg->name, strerror(-r));
		return -EIO;
	}
	if (h->state != next->state)
		hoststate_event(hs, h, "state", "%s -> %s", host_state_names[h->state],
				host_state_names[next->state]);
	*h = *next;
	h->gen++;
	return 0;
}

static void load_one(struct hoststate *hs, struct host_rt *h)
{
	char path[PATH_MAX], *text = NULL;
	json_t *j = NULL;
	json_error_t e;
	struct host_rt tmp = *h;
	int r;

	if (host_path(hs, h->cfg->name, path, sizeof(path)) < 0)
		return;
	r = read_file(path, STATE_FILE_MAX, &text, NULL);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_warn("host %s: cannot read %s: %s; starting at localboot", h->cfg->name, path,
			 strerror(-r));
		goto out;
	}
	j = json_loads(text, 0, &e);
	if (!j || rt_from_json(j, &tmp) < 0) {
		log_warn("host %s: %s is malformed; starting at localboot", h->cfg->name, path);
		goto out;
	}
	*h = tmp;
out:
	json_decref(j);
	free(text);
}

/* Put host i into table t under hash h. A second host with the same key
 * (config.c refuses those) lands later in the probe sequence: the first
 * one wins lookups. */
static void index_put(size_t *t, size_t mask, uint32_t h, size_t i)
{
	size_t s = h & mask;

	while (t[s])
		s = (s + 1) & mask;
	t[s] = i + 1;
}

/* Fresh tables for the hosts now in hs; the old ones are kept when
 * memory runs out. */
static int index_build(struct hoststate *hs)
{
	static const uint8_t zero[6];
	size_t slots = 16, *by_name, *by_mac;

	while (slots < 2 * hs->n)
		slots *= 2;
	by_name = calloc(slots, sizeof(*by_name));
	by_mac = calloc(slots, sizeof(*by_mac));
	if (!by_name || !by_mac) {
		free(by_name);
		free(by_mac);
		/* after a removal the old tables are large enough: refill them,
		 * never leave them indexing the old positions */
		if (!hs->by_name || hs->mask + 1 < slots)
			return -ENOMEM;
		by_name = hs->by_name;
		by_mac = hs->by_mac;
		slots = hs->mask + 1;
		memset(by_name, 0, slots * sizeof(*by_name));
		memset(by_mac, 0, slots * sizeof(*by_mac));
		hs->by_name = hs->by_mac = NULL;
	}
	for (size_t i = 0; i < hs->n; i++) {
		const struct cfg_host *c = hs->hosts[i].cfg;
		index_put(by_name, slots - 1, fnv1a(c->name, strlen(c->name)), i);
		if (memcmp(c->mac, zero, 6) != 0)
			index_put(by_mac, slots - 1, fnv1a(c->mac, 6), i);
	}
	free(hs->by_name);
	free(hs->by_mac);
	hs->by_name = by_name;
	hs->by_mac = by_mac;
	hs->mask = slots - 1;
	return 0;
}

struct hoststate *hoststate_open(const struct config *cfg)
{
	struct hoststate *hs = calloc(1, sizeof(*hs));
	int r;

	if (!hs)
		return NULL;
	hs->cfg = cfg;
	if (snprintf(hs->dir, sizeof(hs->dir), "%s/hosts", cfg->state_dir) >= (int)sizeof(hs->dir)) {
		log_err("state_dir too long");
		goto fail;
	}
	if ((r = mkdir_p(hs->dir, 0700)) < 0) {
		log_err("cannot create %s: %s", hs->dir, strerror(-r));
		goto fail;
	}
	hs->n = cfg->nhosts;
	hs->hosts = calloc(hs->n ? hs->n : 1, sizeof(*hs->hosts));
	hs->rings = calloc(hs->n ? hs->n : 1, sizeof(*hs->rings));
	hs->memos = calloc(hs->n ? hs->n : 1, sizeof(*hs->memos));
	if (!hs->hosts || !hs->rings || !hs->memos)
		goto fail;
	for (size_t i = 0; i < hs->n; i++) {
		hs->hosts[i].cfg = &cfg->hosts[i];
		hs->hosts[i].state = HOST_LOCALBOOT;
		load_one(hs, &hs->hosts[i]);
	}
	if (index_build(hs) < 0)
		goto fail;
	return hs;
fail:
	hoststate_close(hs);
	return NULL;
}

void hoststate_close(struct hoststate *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; hs->rings && i < hs->n; i++)
		free(hs->rings[i]);
	for (size_t i = 0; hs->memos && i < hs->n; i++)
		free(hs->memos[i].text);
	free(hs->rings);
	free(hs->memos);
	free(hs->hosts);
	free(hs->by_name);
	free(hs->by_mac);
	free(hs);
}

struct host_rt *hoststate_get(struct hoststate *hs, const char *name)
{
	for (size_t s = fnv1a(name, strlen(name)) & hs->mask; hs->by_name[s];
	     s = (s + 1) & hs->mask) {
		struct host_rt *h = &hs->hosts[hs->by_name[s] - 1];
		if (strcmp(h->cfg->name, name) == 0)
			return h;
	}
	return NULL;
}

struct host_rt *hoststate_by_mac(struct hoststate *hs, const uint8_t mac[6])
{
	static const uint8_t zero[6];

	if (memcmp(mac, zero, 6) == 0) /* hosts without a MAC in the config */
		return NULL;
	for (size_t s = fnv1a(mac, 6) & hs->mask; hs->by_mac[s]; s = (s + 1) & hs->mask) {
		struct host_rt *h = &hs->hosts[hs->by_mac[s] - 1];
		if (memcmp(h->cfg->mac, mac, 6) == 0)
			return h;
	}
	return NULL;
}

/* The arrays grow by one slot each; pointers to host_rt are not kept
 * across loop iterations by anyone (each caller looks its host up again),
 * so moving them is safe. */
/* A former host's files: NAME.json and NAME.inventory.json. */
static int forget_files(const struct hoststate *hs, const char *name)
{
	static const char *const ext[] = {".json", ".inventory.json"};
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		if (snprintf(path, sizeof(path), "%s/%s%s", hs->dir, name, ext[i]) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int hoststate_add(struct hoststate *hs, const struct cfg_host *c, bool keep_state)
{
	struct host_rt *hosts;
	struct host_ring **rings;
	struct host_memo *memos;
	size_t n = hs->n + 1;
	int r;

	if (hoststate_get(hs, c->name) || hoststate_by_mac(hs, c->mac))
		return -EEXIST;
	if (!keep_state && (r = forget_files(hs, c->name)) < 0)
		return r;
	if (!(hosts = realloc(hs->hosts, n * sizeof(*hosts))))
		return -ENOMEM;
	hs->hosts = hosts;
	if (!(rings = realloc(hs->rings, n * sizeof(*rings))))
		return -ENOMEM;
	hs->rings = rings;
	if (!(memos = realloc(hs->memos, n * sizeof(*memos))))
		return -ENOMEM;
	hs->memos = memos;
	memset(&hosts[hs->n], 0, sizeof(*hosts));
	rings[hs->n] = NULL;
	memset(&memos[hs->n], 0, sizeof(*memos));
	hosts[hs->n].cfg = c;
	hosts[hs->n].state = HOST_LOCALBOOT;
	hosts[hs->n].enrolled = true;
	if (keep_state)
		load_one(hs, &hosts[hs->n]);
	hs->n = n;
	if (index_build(hs) < 0) {
		hs->n--;
		return -ENOMEM;
	}
	return 0;
}

int hoststate_remove(struct hoststate *hs, const char *name)
{
	struct host_rt *h = hoststate_get(hs, name);
	size_t i;
	int r = 0;

	if (!h)
		return -ENOENT;
	if (h->state == HOST_INSTALLING)
		return -EBUSY;
	i = (size_t)(h - hs->hosts);
	if ((r = forget_files(hs, name)) < 0)
		log_err("host %s: cannot remove its state files in %s: %s", name, hs->dir,
			strerror(-r));
	free(hs->rings[i]);
	free(hs->memos[i].text);
	memmove(&hs->hosts[i], &hs->hosts[i + 1], (hs->n - i - 1) * sizeof(*hs->hosts));
	memmove(&hs->rings[i], &hs->rings[i + 1], (hs->n - i - 1) * sizeof(*hs->rings));
	memmove(&hs->memos[i], &hs->memos[i + 1], (hs->n - i - 1) * sizeof(*hs->memos));
	hs->n--;
	index_build(hs); /* cannot fail with fewer hosts: see there */
	return r;
}

size_t hoststate_count(const struct hoststate *hs)
{
	return hs->n;
}

struct host_rt *hoststate_at(struct hoststate *hs, size_t i)
{
	return i < hs->n ? &hs->hosts[i] : NULL;
}

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

int hoststate_netboot(struct hoststate *hs, const char *name, const char *image,
		      const char *flavor, bool once)
{
	struct host_rt *h = hoststate_get(hs, name), next;
	const struct cfg_image *img;
	uint8_t raw[HOST_TOKEN_BYTES];
	int r;

	if (!h || !image ||
	    !(img = hs->image ? hs->image(hs->image_arg, image) : config_image(hs->cfg, image)))
		return -ENOENT;
	if (!flavor || !flavor[0])
		flavor = img->flavor[0] ? img->flavor : "default";
	if (!name_valid(flavor))
		return -EINVAL;
	if ((r = random_bytes(raw, sizeof(raw))) < 0)
		return r;
	next = *h;
	next.state = HOST_NETBOOT;
	copy_str(next.image, sizeof(next.image), image);
	copy_str(next.flavor, sizeof(next.flavor), flavor);
	next.once = once;
	next.boot_local_next = false;
	next.plan_fetched = false;
	next.frozen[0] = '\0'; /* a fresh version is taken for every arm */
	hex_encode(raw, sizeof(raw), next.token);
	next.step[0] = next.message[0] = '\0';
	next.percent = 0;
	next.bytes = next.rate = 0;
	next.rate_mark_ms = 0;
	next.changed_at = wall_now();
	next.started_at = next.progress_at = 0;
	if ((r = commit(hs, h, &next)) < 0)
		return r;
	hoststate_event(hs, h, "netboot", "image %s flavor %s%s", image, flavor,
			once ? " once" : "");
	return 0;
}

int hoststate_localboot(struct hoststate *hs, const char *name)
{
	struct host_rt *h = hoststate_get(hs, name), next;
	int r;

	if (!h)
		return -ENOENT;
	next = *h;
	next.state = HOST_LOCALBOOT;
	next.token[0] = '\0';
	next.boot_local_next = false;
	next.changed_at = wall_now();
	if ((r = commit(hs, h, &next)) < 0)
		return r;
	hoststate_event(hs, h, "localboot", "disarmed");
	return 0;
}

static bool armed(const struct host_rt *h)
{
	return h->state == HOST_NETBOOT || h->state == HOST_INSTALLING;
}

int hoststate_install_started(struct hoststate *hs, const char *name)
{
	struct host_rt *h = hoststate_get(hs, name), next;
	int64_t now = wall_now();
	int r;

	if (!h)
		return -ENOENT;
	if (!armed(h) || (h->once && h->plan_fetched))
		return -EINVAL;
	if (h->plan_fetched)
		return 0; /* without --once: a reboot mid-install starts over */
	next = *h;
	if (next.state != HOST_INSTALLING) {
		next.state = HOST_INSTALLING;
		next.changed_at = next.started_at = now;
	}
	next.progress_at = now;
	next.plan_fetched = true;
	next.boot_local_next = h->once; /* --once: the arm is used up now */
	copy_str(next.step, sizeof(next.step), "plan");
	if ((r = commit(hs, h, &next)) < 0)
		return r;
	hoststate_event(hs, h, "plan", "installer fetched its plan%s",
			h->once ? "; once: next boot is local" : "");
	return 0;
}

/* The rate is bytes over time between two reports at least RATE_WINDOW_MS
 * apart: the installer reports every 2 s during the image step, and a
 * burst of reports in one second must not make the rate jump. A new step,
 * or a byte count that went down (a retried transfer), starts over. */
void hoststate_rate_update(struct host_rt *h, bool new_step, uint64_t bytes, int64_t mono_ms)
{
	if (new_step || h->rate_mark_ms == 0 || bytes < h->rate_mark_bytes) {
		h->rate = 0;
		h->rate_mark_ms = mono_ms;
		h->rate_mark_bytes = bytes;
		return;
	}
	if (mono_ms - h->rate_mark_ms < RATE_WINDOW_MS)
		return;
	h->rate = (bytes - h->rate_mark_bytes) * 1000 / (uint64_t)(mono_ms - h->rate_mark_ms);
	h->rate_mark_ms = mono_ms;
	h->rate_mark_bytes = bytes;
}

int hoststate_progress(struct hoststate *hs, const char *name, const char *step, int percent,
		       uint64_t bytes, const char *message)
{
	struct host_rt *h = hoststate_get(hs, name), next;
	int64_t now = wall_now();
	bool new_step;
	int r;

	if (!h)
		return -ENOENT;
	if (!armed(h) || percent < 0 || percent > 100)
		return -EINVAL;
	next = *h;
	/* the installer reports early steps (clock) before it fetches the
	 * plan; the --once arm is consumed by the plan fetch only */
	if (next.state == HOST_NETBOOT) {
		next.state = HOST_INSTALLING;
		next.changed_at = next.started_at = now;
	}
	new_step = strcmp(h->step, step) != 0;
	hoststate_rate_update(&next, new_step, bytes, now_ms());
	copy_str(next.step, sizeof(next.step), step);
	copy_str(next.message, sizeof(next.message), message);
	next.percent = percent;
	next.bytes = bytes;
	next.progress_at = now;
	if ((r = commit(hs, h, &next)) < 0)
		return r;
	if (new_step)
		hoststate_event(hs, h, "step", "%s %d%% %s", h->step, percent, h->message);
	return 0;
}

int hoststate_done(struct hoststate *hs, const char *name, bool ok, const char *message)
{
	struct host_rt *h = hoststate_get(hs, name), next;
	int64_t now = wall_now();
	int r;

	if (!h)
		return -ENOENT;
	if (h->state != HOST_INSTALLING)
		return -EINVAL; /* netboot: the installer never fetched its plan */
	next = *h;
	next.state = ok ? HOST_INSTALLED : HOST_FAILED;
	next.token[0] = '\0'; /* dead once done is accepted */
	/* installed hosts boot their disk from now on; failed ones stay out of
	 * the install loop until an admin re-arms or disarms them */
	next.boot_local_next = true;
	if (ok) {
		copy_str(next.step, sizeof(next.step), "done");
		next.percent = 100;
		next.error[0] = '\0';
	} else {
		copy_str(next.error, sizeof(next.error), message[0] ? message : "install failed");
	}
	copy_str(next.message, sizeof(next.message), message);
	if (next.started_at == 0)
		next.started_at = now;
	next.changed_at = next.progress_at = next.finished_at = now;
	if ((r = commit(hs, h, &next)) < 0)
		return r;
	if (ok) {
		hs->stats.installs_ok++;
		/* the wall clock may have been stepped back since the start */
		int64_t took = now > h->started_at ? now - h->started_at : 0;
		hs->stats.install_seconds_sum += (uint64_t)took;
		hoststate_event(hs, h, "done", "installed in %llds: %s", (long long)took,
				h->message);
	} else {
		hs->stats.installs_failed++;
		/* the installer's message names the step already ("step
		 * disk: ..."); another client's may not */
		char prefix[sizeof(h->step) + 8];
		snprintf(prefix, sizeof(prefix), "step %s:", h->step);
		if (strncmp(h->message, prefix, strlen(prefix)) == 0)
			hoststate_event(hs, h, "failed", "%s", h->message);
		else
			hoststate_event(hs, h, "failed", "at step %s: %s", h->step, h->message);
	}
	return 0;
}

int hoststate_set_frozen(struct hoststate *hs, const char *name, const char *snap,
			 const char *message)
{
	struct host_rt *h = hoststate_get(hs, name), next;
	int r;

	if (!h)
		return -ENOENT;
	if (h->state != HOST_NETBOOT || h->frozen[0])
		return -EINVAL;
	next = *h;
	if (snap) {
		copy_str(next.frozen, sizeof(next.frozen), snap);
	} else {
		next.state = HOST_FAILED;
		next.token[0] = '\0';
		next.boot_local_next = true;
		copy_str(next.error, sizeof(next.error), message);
		copy_str(next.message, sizeof(next.message), message);
		next.changed_at = next.finished_at = wall_now();
	}
	if ((r = commit(hs, h, &next)) < 0)
		return r;
	if (snap)
		hoststate_event(hs, h, "frozen", "installs %s", snap);
	else
		hoststate_event(hs, h, "failed", "%s", message);
	return 0;
}

bool hoststate_wants_install(const struct host_rt *h)
{
	return h && armed(h) && !h->boot_local_next && h->token[0] != '\0';
}

bool hoststate_token_ok(const struct host_rt *h, const char *token)
{
	if (!h || !token || !armed(h) || h->token[0] == '\0')
		return false;
	return token_equal(h->token, token);
}

/* One log line for event (what, detail) of host h, with " (N more times)"
 * when it sums up folded repeats. */
static void log_event(const struct host_rt *h, const char *what, const char *detail,
		      uint32_t repeats)
{
	char edetail[2 * sizeof(((struct host_event *)0)->detail)], mac[18], times[40] = "";

	log_escape(detail, strlen(detail), edetail, sizeof(edetail));
	mac_format(h->cfg->mac, ':', mac);
	if (repeats)
		snprintf(times, sizeof(times), " repeated=%u", repeats);
	/* failures and refusals stand out at warning level */
	log_msg(strcmp(what, "failed") == 0 || strcmp(what, "refused") == 0 ? LOG_LVL_WARN
									     : LOG_LVL_INFO,
		"event=%s host=%s mac=%s detail=\"%s\"%s", what, h->cfg->name, mac, edetail, times);
}

void hoststate_event(struct hoststate *hs, const struct host_rt *h, const char *event,
		     const char *fmt, ...)
{
	size_t i = (size_t)(h - hs->hosts);
	struct host_ring *ring = i < hs->n ? hs->rings[i] : NULL;
	struct host_event ev = { .at = wall_now() }, *newest = NULL;
	va_list ap;

	copy_str(ev.event, sizeof(ev.event), event);
	va_start(ap, fmt);
	vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
	va_end(ap);
	ev.last_at = ev.at;
	if (ring && ring->count)
		newest = &ring->ev[(ring->next + HOST_EVENTS - 1) % HOST_EVENTS];
	if (newest && strcmp(newest->event, ev.event) == 0 &&
	    strcmp(newest->detail, ev.detail) == 0 && ev.at >= newest->at &&
	    ev.at - newest->at < HOST_EVENT_FOLD_S) {
		newest->repeats++;
		newest->unlogged++;
		newest->last_at = ev.at;
		return;
	}
	if (newest && newest->unlogged) { /* sum up what was folded */
		log_event(h, newest->event, newest->detail, newest->unlogged);
		newest->unlogged = 0;
	}
	log_event(h, ev.event, ev.detail, 0);
	if (i >= hs->n)
		return;
	if (!ring && !(ring = hs->rings[i] = calloc(1, sizeof(*hs->rings[i]))))
		return; /* the log line is the record then */
	ring->ev[ring->next] = ev;
	ring->next = (ring->next + 1) % HOST_EVENTS;
	if (ring->count < HOST_EVENTS)
		ring->count++;
}

const struct host_event *hoststate_event_at(const struct hoststate *hs, const struct host_rt *h,
					    size_t i)
{
	size_t hi = (size_t)(h - hs->hosts);
	const struct host_ring *ring = hi < hs->n ? hs->rings[hi] : NULL;

	if (!ring || i >= ring->count)
		return NULL;
	return &ring->ev[(ring->next + HOST_EVENTS - 1 - i) % HOST_EVENTS];
}

const struct hoststate_stats *hoststate_stats(const struct hoststate *hs)
{
	return &hs->stats;
}

struct host_memo *hoststate_memo(struct hoststate *hs, const struct host_rt *h)
{
	size_t i = (size_t)(h - hs->hosts);
	return i < hs->n ? &hs->memos[i] : NULL;
}
