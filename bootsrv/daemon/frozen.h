/* frozen.h - every install reads one frozen version of its image, never a
 * tree being changed (DESIGN.md).
 *
 * When a host is armed, the daemon takes a version of its image: a copy
 * of the tree under state_dir/frozen/IMAGE@GEN/ (frozen_make.h: hard
 * links, made in a child process), served as its own read-only rsync
 * module IMAGE@GEN; the plan hands the installer that module's URL. Hosts
 * armed while the image does not change share one version: a new arm
 * first compares the tree's fingerprint with the newest version's and
 * reuses it when equal. Until the version is ready the plan answers 503
 * (the installer retries); when it cannot be made the host goes to failed
 * with the reason. A version no armed or installing host uses, other than
 * the newest of a served image, is deleted (off the loop). */
#ifndef BOOTSRV_FROZEN_H
#define BOOTSRV_FROZEN_H

#include <stdbool.h>
#include <stddef.h>

struct server;

#define FROZEN_SUBDIR "frozen"

int frozen_start(struct server *srv);
void frozen_stop(struct server *srv);

/* Host name was just armed: get it a frozen version of its image (now, when
 * one is reused, or when the job it waits for ends). 0 or -errno (the host
 * is then failed with the reason). */
int frozen_request(struct server *srv, const char *host);

/* The ready versions, for rsync's module file: name IMAGE@GEN, its path. */
size_t frozen_count(const struct server *srv);
const char *frozen_at(const struct server *srv, size_t i, const char **path);

/* From the loop's SIGCHLD handler: true when pid was one of frozen's. */
bool frozen_child_exited(struct server *srv, int pid, int status);

#endif
