/* hoststate.h - per-host runtime state (not config): what each host boots
 * next, install progress, one-time tokens. Crash-safe: every change is
 * written to state_dir/hosts/NAME.json (temp + fsync + rename) before the
 * call returns.
 *
 *   localboot -> netboot(image, flavor) -> installing -> installed (-> localboot)
 *                                                     -> failed (stays failed)
 */
#ifndef BOOTSRV_HOSTSTATE_H
#define BOOTSRV_HOSTSTATE_H

#include "common/config.h"
#include "frozen_name.h"

#include <stdbool.h>
#include <stdint.h>

/* one-time install tokens: 32 random bytes, in hex */
#define HOST_TOKEN_BYTES 32
#define HOST_TOKEN_LEN (2 * HOST_TOKEN_BYTES)

enum host_state { HOST_LOCALBOOT, HOST_NETBOOT, HOST_INSTALLING, HOST_INSTALLED, HOST_FAILED };
extern const char *const host_state_names[]; /* "localboot", "netboot", ... */
int host_state_parse(const char *s);	      /* -1 when unknown */

struct host_rt {
	const struct cfg_host *cfg;
	bool enrolled; /* by `bootsrv host add`, not in the config file */
	enum host_state state;
	char image[NAME_MAX_LEN + 1];
	char flavor[NAME_MAX_LEN + 1];
	bool once;
	char token[HOST_TOKEN_LEN + 1]; /* one-time install token (hex), "" when none */
	char step[32];		/* last progress step */
	int percent;
	uint64_t bytes;
	/* transfer rate of the current step, bytes/s, measured between
	 * progress reports at least RATE_WINDOW_MS apart (not persisted) */
	uint64_t rate;
	int64_t rate_mark_ms;	/* monotonic ms of the report rate counts from */
	uint64_t rate_mark_bytes;
	char message[256];	/* last progress/failure message */
	int64_t changed_at;	/* realtime seconds of last state change */
	int64_t started_at;	/* realtime seconds install started (0: never) */
	int64_t progress_at;	/* realtime seconds of last progress report */
	int64_t finished_at;	/* realtime seconds of the last done (0: never) */
	char error[256];	/* last failure ("" after a successful install) */
	/* the next boot gets the local disk although the state is still
	 * netboot/installing: after done, and for --once as soon as the
	 * installer fetched its plan (the arm is consumed then) */
	bool boot_local_next;
	bool plan_fetched;	/* the installer of this arm fetched its plan */
	/* the frozen version of the image this arm installs (rsync module
	 * "IMAGE@GEN", frozen.h); "" while it is being made */
	char frozen[FROZEN_NAME_MAX + 1];
	uint64_t freeze_seq;	/* the snapshot job it waits for (not persisted) */
	uint64_t gen;		/* bumped by every committed change (not persisted) */
};

/* A per-host memo for renderings of a host (the API's JSON): the user
 * fills text (malloc'd, freed by hoststate) and gen; it is current while
 * gen == h->gen. */
struct host_memo {
	char *text;
	size_t len;
	uint64_t gen;
};

/* Recent events of one host, kept in memory (lost on restart; the state
 * itself is persisted). Also logged as one line each:
 *   event=NAME host=H mac=M detail="..." */
#define HOST_EVENTS 16
struct host_event {
	int64_t at; /* realtime seconds */
	int64_t last_at; /* of the latest repeat */
	uint32_t repeats; /* the same event again within HOST_EVENT_FOLD_S */
	uint32_t unlogged; /* repeats since the last log line of this event */
	char event[24];
	char detail[136];
};
/* A host's event identical to its newest one (a node fetching its boot
 * config again; anyone hammering a config URL) within this many seconds of
 * the newest is counted there (repeats), not logged or stored again; the
 * host's next logged event first logs the count ("repeated=N"). */
#define HOST_EVENT_FOLD_S 60

/* Since start-up, for /metrics. */
struct hoststate_stats {
	uint64_t installs_ok, installs_failed;
	uint64_t install_seconds_sum; /* installer start .. done, successful installs */
};

struct hoststate;

/* Load (or create) state for every configured host. NULL on fatal error. */
struct hoststate *hoststate_open(const struct config *cfg);
void hoststate_close(struct hoststate *hs);

/* Where hoststate_netboot looks images up (the daemon's image set: config
 * and store); by default the config's images. */
typedef const struct cfg_image *(*hoststate_image_fn)(void *arg, const char *name);
void hoststate_set_images(struct hoststate *hs, hoststate_image_fn fn, void *arg);

struct host_rt *hoststate_get(struct hoststate *hs, const char *name);
struct host_rt *hoststate_by_mac(struct hoststate *hs, const uint8_t mac[6]);
size_t hoststate_count(const struct hoststate *hs);

/* A host enrolled at run time (c must outlive its entry). keep_state (the
 * daemon's start: the host was enrolled before): with the state its file
 * left. Else (a new enrollment) at localboot, and what files a former
 * host of that name left (state with a live token, inventory) are
 * deleted first: a new machine never inherits an armed state. -EEXIST
 * (name or MAC known), -ENOMEM, -errno of the unlink. Pointers from
 * hoststate_get/_at/_by_mac are invalid after an add or a remove. */
int hoststate_add(struct hoststate *hs, const struct cfg_host *c, bool keep_state);
/* Forget host name and delete its state file: 0, -ENOENT, -EBUSY (it is
 * installing: nothing changed), or -errno of the unlink (the host is
 * forgotten all the same: its cfg may be freed). */
int hoststate_remove(struct hoststate *hs, const char *name);
struct host_rt *hoststate_at(struct hoststate *hs, size_t i);

/* Transitions. Each validates, persists, logs and returns 0 or -errno
 * (-ENOENT unknown host/image, -EINVAL refused transition, -EIO on a failed
 * write: then nothing changed in memory either). */
int hoststate_netboot(struct hoststate *hs, const char *name, const char *image,
		      const char *flavor, bool once);
int hoststate_localboot(struct hoststate *hs, const char *name);
/* The frozen version of the image for this arm is ready (snap, "IMAGE@GEN")
 * or could not be made (snap NULL, why in message: the host goes to failed,
 * its token dead, so nothing half-made is ever served to it). Only for a
 * host still armed (netboot) with no version yet: -EINVAL otherwise. */
int hoststate_set_frozen(struct hoststate *hs, const char *name, const char *snap,
			 const char *message);
/* Update h->rate for a report of bytes at monotonic time mono_ms (pure;
 * hoststate_progress calls it with the clock). */
#define RATE_WINDOW_MS 1000
void hoststate_rate_update(struct host_rt *h, bool new_step, uint64_t bytes, int64_t mono_ms);

/* installer reports: progress moves netboot -> installing; done ok ->
 * installed (boots local from now on, token dead), done !ok -> failed.
 * done is refused (-EINVAL) unless the host is installing. */
int hoststate_progress(struct hoststate *hs, const char *name, const char *step, int percent,
		       uint64_t bytes, const char *message);
int hoststate_done(struct hoststate *hs, const char *name, bool ok, const char *message);

/* true when the host's next PXE boot should load the installer. */
bool hoststate_wants_install(const struct host_rt *h);

/* The installer fetched its plan: netboot -> installing (no-op when already
 * installing). With --once this consumes the arm: from now on the host boots
 * its disk, so an install that dies does not loop; a second plan fetch is
 * refused. 0, -ENOENT, -EINVAL (not armed, or a --once arm already used)
 * or -EIO. */
int hoststate_install_started(struct hoststate *hs, const char *name);
/* true when token is the host's live one-time install token. */
bool hoststate_token_ok(const struct host_rt *h, const char *token);

/* Record (and log) an event of host h; fmt builds the detail. Peer-supplied
 * text in it is escaped before logging. */
void hoststate_event(struct hoststate *hs, const struct host_rt *h, const char *event,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The i-th most recent remembered event of h (0: newest), NULL past the end. */
const struct host_event *hoststate_event_at(const struct hoststate *hs, const struct host_rt *h,
					    size_t i);
const struct hoststate_stats *hoststate_stats(const struct hoststate *hs);
struct host_memo *hoststate_memo(struct hoststate *hs, const struct host_rt *h);

#endif
