/* rsync_argv.h - the one rsync command line builder: the install's image
 * pull (image_rsync.c) and update mode's transfer and its old-kernel pass
 * (update.c).
 *
 *   RSYNC -aHAXS --numeric-ids [--one-file-system] --delete
 *         [--partial] [--info=progress2 --no-inc-recursive]
 *         [--timeout=N] [--contimeout=N] [--dry-run --itemize-changes]
 *         RULES... SRC DST
 *
 * The options come in that order, the rules (--exclude=, --include=,
 * --filter=P) in the order they were added. Rules are added first, then
 * rsync_argv_build() lays out the whole argv. A failed append (out of
 * memory) is kept and returned by rsync_argv_build(), so the callers check
 * once. */
#ifndef INSTALLER_RSYNC_ARGV_H
#define INSTALLER_RSYNC_ARGV_H

#include <stddef.h>

enum rsync_argv_flags {
	/* never cross into other mounted filesystems (data disks, NFS):
	 * --delete would empty whatever the image does not contain */
	RSYNC_ONE_FS = 1 << 0,
	/* a retry goes on from what was received */
	RSYNC_PARTIAL = 1 << 1,
	/* progress lines, with a full file list up front: a true percentage */
	RSYNC_PROGRESS = 1 << 2,
	/* itemise what would change, change nothing */
	RSYNC_DRY_RUN = 1 << 3,
};

struct rsync_argv_opts {
	const char *rsync; /* argv[0] */
	unsigned flags;	   /* enum rsync_argv_flags */
	/* --timeout= (a dead link ends in exit 30); 0: none */
	unsigned timeout_s;
	/* --contimeout= (daemon connections: exit 35); 0: none. rsync
	 * refuses it for a local source: only for rsync:// ones */
	unsigned contimeout_s;
	const char *src, *dst; /* pointed to, not copied */
};

enum rsync_rule {
	RSYNC_EXCLUDE, /* --exclude=PATTERN */
	RSYNC_INCLUDE, /* --include=PATTERN */
	RSYNC_PROTECT, /* --filter=P PATTERN: kept from --delete */
};

struct rsync_argv {
	const char **argv; /* after rsync_argv_build: NULL-terminated */
	char **rules;	   /* "--exclude=..." and the like, owned */
	size_t n_rules, cap_rules;
	int err; /* the first failure, 0 or -ENOMEM */
	char timeout[32], contimeout[32];
};

/* A rule whose pattern is fmt formatted. Failures are kept for build. */
void rsync_argv_rule(struct rsync_argv *ra, enum rsync_rule kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ra->argv: the options o asks for, the rules, o->src, o->dst. Returns 0
 * or the first failure (-ENOMEM). */
int rsync_argv_build(struct rsync_argv *ra, const struct rsync_argv_opts *o);

/* Frees what ra owns; ra is zeroed, ready for reuse. */
void rsync_argv_free(struct rsync_argv *ra);

#endif
