/* golden_rsync.h - the command lines `bootsrv image capture` runs: the
 * OpenSSH client (facts, the rsync probe) and rsync over it, with the one
 * table of what a capture leaves out. Pure: argv built in memory. */
#ifndef BOOTSRV_GOLDEN_RSYNC_H
#define BOOTSRV_GOLDEN_RSYNC_H

#include <stdbool.h>
#include <stddef.h>

#define GOLDEN_MAX_ARGV 160
#define GOLDEN_CONNECT_TIMEOUT 10 /* seconds: an unreachable host fails fast */

/* An entry of the exclude table: an rsync pattern (anchored at the client's
 * /, -R keeps paths whole), why it is left out, and empty: the file is
 * kept in the image but empty (systemd makes a new /etc/machine-id on
 * first boot only when the file exists and is empty, machine-id(5)). */
struct golden_exclude {
	const char *pattern, *why;
	bool empty;
};

extern const struct golden_exclude golden_excludes[];
extern const size_t golden_nexcludes;

struct golden_ssh {
	const char *target;	 /* [user@]HOST */
	const char *identity;	 /* -i KEY, or NULL: ssh's own defaults */
	const char *known_hosts; /* UserKnownHostsFile, state_dir/ssh/known_hosts */
};

/* argv with its strings; argv[argc] is NULL. */
struct golden_cmd {
	char *argv[GOLDEN_MAX_ARGV + 1];
	size_t argc;
	char buf[16384];
	size_t used;
};

/* ssh ... TARGET REMOTE_CMD. 0 or -E2BIG/-EINVAL (a path holding a quote
 * or a newline cannot go through rsync's -e). */
int golden_ssh_cmd(struct golden_cmd *c, const struct golden_ssh *s, const char *remote_cmd);

/* rsync -aHAXS --numeric-ids -x -R --exclude=... [--exclude-from=FILE]
 * -e "ssh ..." TARGET:SRC... DEST/ (one-file-system per source: each
 * mounted filesystem is its own source, its mount point an empty
 * directory in the others). 0 or -E2BIG/-EINVAL. */
int golden_rsync_cmd(struct golden_cmd *c, const struct golden_ssh *s, const char *const *sources,
		     size_t nsources, const char *exclude_file, const char *dest);

/* One line, each word shell-quoted when needed: the log of what ran. */
void golden_cmd_text(const struct golden_cmd *c, char *out, size_t outsz);

#endif
