/* image_tx.h - one change to the image store, as `image import` and
 * `image capture` make it: a hidden temporary tree (images/.import-PID-NAME,
 * ignored by the daemon's scan) filled by a child process, then renamed
 * into place, then its conf (NAME.conf, the commit marker). A failure or a
 * signal removes the temporary tree; a crash leaves it for the next change
 * to clean (image_store_clean_stale). --replace swaps the new tree in with
 * one renameat2(RENAME_EXCHANGE): the image's path always holds a whole
 * tree, the old or the new. Changes are serialised by a lock on
 * images/.lock. */
#ifndef BOOTSRV_IMAGE_TX_H
#define BOOTSRV_IMAGE_TX_H

#include "common/config.h"

#include <libconfig.h>
#include <limits.h>
#include <stdbool.h>

struct image_tx {
	const char *cmd, *name;
	const struct config *cfg;
	int lockfd;
	char dir[PATH_MAX], tmp[PATH_MAX + 80], tmpconf[PATH_MAX + 96];
	char tree[PATH_MAX + 80], conf[PATH_MAX + 96];
};

/* The name rules and "not an image of the config": 0 or EXIT_REFUSED
 * (said on stderr). */
int image_tx_check_name(const char *cmd, const struct config *cfg, const char *name);

/* Lock the store, refuse an existing NAME unless replace, create the
 * temporary tree (tx->tmp). 0 or EXIT_REFUSED (said); image_tx_end()
 * either way. */
int image_tx_begin(struct image_tx *tx, const char *cmd, const struct config *cfg, const char *name,
		   bool replace);

/* Run argv (its output goes to ours); 0 when it exited 0, else -EIO (said)
 * or -errno. SIGTERM/SIGHUP reaching us go on to it. */
int image_tx_run(const struct image_tx *tx, char *const argv[]);
/* The same, with one more exit status that is not a failure (rsync's 24,
 * "files vanished", on a running system): returned as is. */
int image_tx_run_ok(const struct image_tx *tx, char *const argv[], int also_ok);

/* The signal that interrupted the change, or 0. */
int image_tx_interrupted(void);

/* c as the temporary conf, with a "# header" line; then checked as the
 * daemon will read it (when complete: a conf still lacking its layout is
 * stored as such, and the daemon lists it as not served), the tree and
 * conf moved into place. 0 or -errno (said). */
int image_tx_commit(struct image_tx *tx, config_t *c, const char *header, bool complete);

/* Remove what the change wrote (after a failure: says so). */
void image_tx_abort(struct image_tx *tx);

/* Release the lock. */
void image_tx_end(struct image_tx *tx);

#endif
