/* frozen_name.h - the pure side of frozen image versions (frozen.h): their
 * names, the tree fingerprint that says whether an image changed, and which
 * versions garbage collection may delete. No I/O here.
 *
 * A frozen version is named IMAGE@GEN: GEN is a decimal counter, unique
 * across all images and never reused (the daemon starts above the highest
 * found on disk), so a name never comes to mean another tree. '@' is not
 * allowed in image names (name_valid), so the split is unambiguous, and
 * the name is usable as it is as an rsync module and a directory name. */
#ifndef BOOTSRV_FROZEN_NAME_H
#define BOOTSRV_FROZEN_NAME_H

#include "common/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define FROZEN_GEN_MAX 99999999999ULL /* 11 digits */
#define FROZEN_NAME_MAX (NAME_MAX_LEN + 1 + 11)

/* 0, -EINVAL (bad image name, gen 0 or above FROZEN_GEN_MAX) or -ENAMETOOLONG. */
int frozen_name_format(const char *image, uint64_t gen, char *out, size_t outsz);
/* Split "IMAGE@GEN"; image (NAME_MAX_LEN + 1 bytes) and gen may be NULL.
 * 0 or -EINVAL (anything else: no '@', bad name, leading zeros, range). */
int frozen_name_parse(const char *s, char *image, uint64_t *gen);

/* The fingerprint of a tree: one value per entry, summed, so the walk's
 * order does not matter. An entry counts with its path and what rsync
 * itself compares (type and mode, owner, size, mtime) plus its inode, so a
 * file replaced by rename counts as a change even with the same times.
 * ctime and the link count are left out on purpose: making a hard-link
 * copy changes both on every source inode, and the image is not changed
 * by being frozen. */
uint64_t frozen_fp_entry(const char *relpath, const struct stat *st);

/* One frozen version found on disk, for the collector. */
struct frozen_snap {
	char name[FROZEN_NAME_MAX + 1];
	char image[NAME_MAX_LEN + 1];
	uint64_t gen;
	bool in_use; /* a host armed with it or installing from it */
	bool newest; /* the version new arms of a still-served image reuse */
};

/* May snap be deleted? Never while a host uses it, nor the newest version
 * of an image still served (the next arm reuses it while the image does
 * not change); every other one: yes. */
bool frozen_gc_may_delete(const struct frozen_snap *snap);

/* Which job does a new arm wait for? A job already running for the image
 * may have looked at the tree before this arm (an edit made just before the
 * arm would be missed), so the arm waits for the job after it: running is
 * the running job's sequence number, 0 when none. Returns the number to
 * wait for; *start is true when that job must be started now. */
uint64_t frozen_wait_for(uint64_t running, uint64_t last_seq, bool *start);

#endif
