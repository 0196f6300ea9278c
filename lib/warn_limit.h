/* warn_limit.h - at most one log line per key and window.
 *
 * A client that keeps asking for something we cannot give (a listed host
 * booting in the wrong VLAN, a full pool) retries every few seconds; one
 * warning per minute says as much as one per datagram and keeps the log
 * readable. Keys hash into a fixed table of small sets: a key finds its
 * entry among its set's ways, a new key takes an expired way or else the
 * one written longest ago. Only more live keys than a set has ways can
 * cost a line (an evicted key's next line comes early, without its
 * count); nothing is allocated. */
#ifndef BOOTSRV_WARN_LIMIT_H
#define BOOTSRV_WARN_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WARN_LIMIT_SETS 64
#define WARN_LIMIT_WAYS 4
#define WARN_LIMIT_KEY_MAX 16

struct warn_slot {
	uint8_t key[WARN_LIMIT_KEY_MAX];
	uint8_t keylen; /* 0: free */
	int64_t logged_at;
	uint32_t held; /* lines not written since logged_at */
};

struct warn_limit {
	int64_t window; /* seconds */
	struct warn_slot set[WARN_LIMIT_SETS][WARN_LIMIT_WAYS];
};

void warn_limit_init(struct warn_limit *wl, int64_t window);
/* Whether the line for key (at most WARN_LIMIT_KEY_MAX bytes; longer keys
 * are cut; an empty key always passes) should be written at time now. When it should, *held is the
 * number of lines for that key held back since the last one written (to
 * say "N more like this"); otherwise the line is counted as held. */
bool warn_limit_pass(struct warn_limit *wl, const void *key, size_t keylen, int64_t now,
		     uint32_t *held);

#endif
