/* lease_store.h - DHCP leases: in memory, hashed by MAC and by address, and
 * persisted in an append-only journal (state_dir/leases.journal).
 *
 * Every change that a client may rely on (bound, released, declined) is
 * appended to the journal; lease_store_sync() makes the appended rows
 * durable and must be called before the reply that announces them is sent.
 * Offers are memory-only: a lost offer only costs the client a retry.
 *
 * Journal row (text, one per line; the last field guards against torn or
 * damaged rows, which are skipped with a warning on load):
 *   <mac> <ip> <expires, unix seconds> <state> <fnv1a-32 of the row so far, hex>
 * On open the journal is replayed and rewritten compacted (temp + fsync +
 * rename); it is compacted again at run time once mostly superseded rows. */
#ifndef BOOTSRV_LEASE_STORE_H
#define BOOTSRV_LEASE_STORE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lease_state { LEASE_OFFERED, LEASE_BOUND, LEASE_RELEASED, LEASE_DECLINED, LEASE_STATE_COUNT };
extern const char *const lease_state_names[LEASE_STATE_COUNT];

struct lease {
	uint8_t mac[6]; /* for DECLINED: the client that declined */
	struct in_addr ip;
	int64_t expires; /* realtime seconds; reusable by others after this */
	enum lease_state state;
	struct lease *next_mac; /* private: hash chains */
	struct lease *next_ip;
};

struct lease_store;

/* Open the store. dir == NULL: memory only (tests, fuzzing). Otherwise load
 * dir/leases.journal (missing is fine), drop leases that ended before
 * now - keep_expired, rewrite it compacted and keep it open for appends.
 * Returns NULL with *err = -errno when the journal cannot be written. */
struct lease_store *lease_store_open(const char *dir, int64_t now, int64_t keep_expired, int *err);
void lease_store_close(struct lease_store *ls);

/* Lookups. DECLINED records are found by address only. */
struct lease *lease_by_mac(struct lease_store *ls, const uint8_t mac[6]);
struct lease *lease_by_ip(struct lease_store *ls, struct in_addr ip);
size_t lease_store_count(const struct lease_store *ls);

/* Give mac the address ip in the given state. The client's previous record
 * and any other record holding ip are replaced. DECLINED marks ip unusable
 * until expires and drops the client's own lease. Rows other than OFFERED
 * are appended to the journal (not yet synced). Returns 0 or -errno (then
 * memory is unchanged). */
int lease_store_set(struct lease_store *ls, const uint8_t mac[6], struct in_addr ip,
		    int64_t expires, enum lease_state state);
/* Forget a record (memory only: a journal replay keeps it until its
 * address is reassigned, which is harmless because it is expired). */
void lease_store_remove(struct lease_store *ls, struct lease *l);

/* Write the queued rows with one write() and make them durable
 * (fdatasync): one call covers every reply of a batch. Compacts the journal when it has
 * grown well past the live set. Returns 0 or -errno. */
int lease_store_sync(struct lease_store *ls, int64_t now);
/* The same in two halves, for a caller that runs the fdatasync on another
 * thread so that its event loop never blocks on the disk:
 * lease_store_flush() writes the queued rows and sets *fd to the journal
 * to fdatasync (-1: nothing to sync); once that succeeded,
 * lease_store_synced() (compacts when due, which replaces the fd: never
 * call it while a sync of the old fd may still run). Returns 0 or -errno. */
int lease_store_flush(struct lease_store *ls, int *fd);
void lease_store_synced(struct lease_store *ls, int64_t now);
/* Number of rows queued since the last flush (for tests and metrics). */
size_t lease_store_pending(const struct lease_store *ls);

/* Visit every record (cb may not add or remove records). */
void lease_store_foreach(struct lease_store *ls, void (*cb)(struct lease *l, void *arg), void *arg);

/* Parse one journal row (without the newline). Returns 0 or -EINVAL. */
int lease_row_parse(const char *row, size_t len, struct lease *out);
/* Format one row including the newline into out; returns its length or
 * -ENOSPC. */
int lease_row_format(const struct lease *l, char *out, size_t outsz);

#endif
