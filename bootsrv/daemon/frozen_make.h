/* frozen_make.h - making one frozen version of an image (frozen.h): runs in
 * a child process of the daemon, never on its loop. */
#ifndef BOOTSRV_FROZEN_MAKE_H
#define BOOTSRV_FROZEN_MAKE_H

#include <stdint.h>

/* The child's exit status. */
enum {
	FROZEN_MADE = 0,       /* dir/SNAP made, dir/SNAP.fp written */
	FROZEN_UNCHANGED = 10, /* the tree's fingerprint is prev_fp: reuse the newest */
	FROZEN_FAILED = 20,    /* why: the first line of errfile */
};

/* The fingerprint of the tree at src (frozen_fp_entry of every entry,
 * physical walk, not crossing mounts). 0 or -errno. */
int frozen_tree_fp(const char *src, uint64_t *fp);

/* Freeze src as dir/snap unless its fingerprint is prev_fp (0: no previous
 * version). The copy is made as dir/.tmp-snap and renamed into place only
 * once complete and once the tree's fingerprint after the copy equals the
 * one before (else it is retried: an edit went on during the copy), so a
 * version that exists is whole and of one moment of the tree. Errors go to
 * errfile (with cp's own), the temporary copy is removed. */
int frozen_make(const char *src, const char *dir, const char *snap, uint64_t prev_fp,
		const char *errfile);

#endif
