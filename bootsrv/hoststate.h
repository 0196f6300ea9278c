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

#include "config.h"

#include <stdbool.h>
#include <stdint.h>

enum host_state { HOST_LOCALBOOT, HOST_NETBOOT, HOST_INSTALLING, HOST_INSTALLED, HOST_FAILED };
extern const char *const host_state_names[]; /* "localboot", "netboot", ... */
int host_state_parse(const char *s);	      /* -1 when unknown */

struct host_rt {
	const struct cfg_host *cfg;
	enum host_state state;
	char image[NAME_MAX_LEN + 1];
	char flavor[NAME_MAX_LEN + 1];
	bool once;
	char token[65];		/* one-time install token (hex), "" when none */
	char step[32];		/* last progress step */
	int percent;
	uint64_t bytes;
	char message[256];	/* last progress/failure message */
	int64_t changed_at;	/* realtime seconds of last state change */
	int64_t started_at;	/* realtime seconds install started (0: never) */
	int64_t progress_at;	/* realtime seconds of last progress report */
	bool boot_local_next;	/* --once: next PXE request after done gets local */
};

struct hoststate;

/* Load (or create) state for every configured host. NULL on fatal error. */
struct hoststate *hoststate_open(const struct config *cfg);
void hoststate_close(struct hoststate *hs);

struct host_rt *hoststate_get(struct hoststate *hs, const char *name);
struct host_rt *hoststate_by_mac(struct hoststate *hs, const uint8_t mac[6]);
size_t hoststate_count(const struct hoststate *hs);
struct host_rt *hoststate_at(struct hoststate *hs, size_t i);

/* Transitions. Each validates, persists, logs and returns 0 or -errno
 * (-ENOENT unknown host/image, -EINVAL refused transition, -EIO on a failed
 * write: then nothing changed in memory either). */
int hoststate_netboot(struct hoststate *hs, const char *name, const char *image,
		      const char *flavor, bool once);
int hoststate_localboot(struct hoststate *hs, const char *name);
/* installer reports: progress moves netboot -> installing; done ok ->
 * installed (boots local from now on, token dead), done !ok -> failed. */
int hoststate_progress(struct hoststate *hs, const char *name, const char *step, int percent,
		       uint64_t bytes, const char *message);
int hoststate_done(struct hoststate *hs, const char *name, bool ok, const char *message);

/* true when the host's next PXE boot should load the installer. */
bool hoststate_wants_install(const struct host_rt *h);

/* The installer fetched its plan: netboot -> installing (no-op when already
 * installing). 0, -ENOENT, -EINVAL (not armed) or -EIO. */
int hoststate_install_started(struct hoststate *hs, const char *name);
/* true when token is the host's live one-time install token. */
bool hoststate_token_ok(const struct host_rt *h, const char *token);

#endif
