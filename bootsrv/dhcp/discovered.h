/* discovered.h - unknown MACs that PXE-boot (pure, no I/O): what an admin
 * needs to enroll them (`bootsrv host list --discovered`).
 *
 * A bounded table: at most cap entries, the one seen longest ago evicted
 * for a new one, so a segment full of strangers (or a flood of forged
 * chaddrs) costs a fixed amount of memory. Kept in memory only: the
 * records are observations, not transitions, and a machine that PXE-boots
 * retries until it is answered, so it is back in the table within a
 * minute of a restart; writing them on the event loop per request would
 * put a disk sync on the DHCP path for nothing durable. */
#ifndef BOOTSRV_DISCOVERED_H
#define BOOTSRV_DISCOVERED_H

#include <stddef.h>
#include <stdint.h>

#define DISCOVERED_MAX 4096
#define DISCOVERED_VENDOR_LEN 128 /* escaped vendor class, with its NUL */

struct disc_entry {
	uint8_t mac[6];
	int arch;		       /* option 93's first architecture, -1 when absent */
	int64_t first_seen, last_seen; /* realtime seconds */
	uint64_t requests;
	char vendor[DISCOVERED_VENDOR_LEN]; /* option 60, escaped; "" when absent */
	/* private: hash chain and recency list, indices, -1 for none */
	int32_t next, newer, older;
};

struct discovered {
	struct disc_entry *e;
	int32_t *bucket;
	size_t cap, n, mask;
	int32_t newest, oldest;
	uint64_t evicted;
};

/* 0 or -ENOMEM; cap 0: DISCOVERED_MAX. */
int discovered_init(struct discovered *d, size_t cap);
void discovered_free(struct discovered *d);
/* A request from mac at now: a new entry (evicting the oldest when full)
 * or the old one updated (last_seen, requests, arch and vendor). vendor
 * is the raw option 60 (vlen bytes, may be NULL). */
void discovered_note(struct discovered *d, const uint8_t mac[6], int64_t now, int arch,
		     const uint8_t *vendor, size_t vlen);
/* Forget mac (it was enrolled). */
void discovered_forget(struct discovered *d, const uint8_t mac[6]);
const struct disc_entry *discovered_get(const struct discovered *d, const uint8_t mac[6]);
/* Every entry, the newest first. */
typedef void (*discovered_fn)(const struct disc_entry *e, void *arg);
void discovered_foreach(const struct discovered *d, discovered_fn fn, void *arg);

#endif
