/* lease_store.c - DHCP leases in memory plus an append-only journal; see
 * lease_store.h for the row format and the durability contract. */
#include "lease_store.h"

#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOURNAL_NAME "leases.journal"
#define JOURNAL_MAX (256u << 20) /* refuse to slurp anything bigger */
#define ROW_MAX 128
#define CORRUPT_WARN_MAX 10   /* then one summary line */
#define COMPACT_MIN_ROWS 4096 /* run-time compaction thresholds */
#define COMPACT_RATIO 4

const char *const lease_state_names[LEASE_STATE_COUNT] = {
    [LEASE_OFFERED] = "offered",
    [LEASE_BOUND] = "bound",
    [LEASE_RELEASED] = "released",
    [LEASE_DECLINED] = "declined",
};

struct lease_store {
	struct lease **by_mac;
	struct lease **by_ip;
	size_t nbuckets; /* power of two, same for both tables */
	size_t count;
	char path[PATH_MAX]; /* "" when memory only */
	int fd;		     /* journal, O_APPEND; -1 when memory only */
	off_t jsize;	     /* journal size after the last good append */
	size_t rows;	     /* rows in the journal file */
	size_t pending;	     /* rows appended since the last sync */
	int64_t keep_expired;
	char *wbuf; /* rows not yet written: one write() per sync */
	size_t wlen, wcap;
	bool broken; /* journal lost after a compaction: no ACK may be promised */
};

static size_t mac_bucket(const struct lease_store *ls, const uint8_t mac[6])
{
	return fnv1a(mac, 6) & (ls->nbuckets - 1);
}

static size_t ip_bucket(const struct lease_store *ls, struct in_addr ip)
{
	return fnv1a(&ip.s_addr, 4) & (ls->nbuckets - 1);
}

struct lease *lease_by_mac(struct lease_store *ls, const uint8_t mac[6])
{
	for (struct lease *l = ls->by_mac[mac_bucket(ls, mac)]; l; l = l->next_mac)
		if (memcmp(l->mac, mac, 6) == 0)
			return l;
	return NULL;
}

struct lease *lease_by_ip(struct lease_store *ls, struct in_addr ip)
{
	for (struct lease *l = ls->by_ip[ip_bucket(ls, ip)]; l; l = l->next_ip)
		if (l->ip.s_addr == ip.s_addr)
			return l;
	return NULL;
}

size_t lease_store_count(const struct lease_store *ls)
{
	return ls->count;
}

size_t lease_store_pending(const struct lease_store *ls)
{
	return ls->pending;
}

/* DECLINED records belong to an address, not a client: IP table only. */
static bool in_mac_table(const struct lease *l)
{
	return l->state != LEASE_DECLINED;
}

static void link_lease(struct lease_store *ls, struct lease *l)
{
	size_t b = ip_bucket(ls, l->ip);
	l->next_ip = ls->by_ip[b];
	ls->by_ip[b] = l;
	l->next_mac = NULL;
	if (in_mac_table(l)) {
		b = mac_bucket(ls, l->mac);
		l->next_mac = ls->by_mac[b];
		ls->by_mac[b] = l;
	}
}

void lease_store_remove(struct lease_store *ls, struct lease *l)
{
	struct lease **pp;

	for (pp = &ls->by_ip[ip_bucket(ls, l->ip)]; *pp; pp = &(*pp)->next_ip)
		if (*pp == l) {
			*pp = l->next_ip;
			break;
		}
	if (in_mac_table(l)) {
		for (pp = &ls->by_mac[mac_bucket(ls, l->mac)]; *pp; pp = &(*pp)->next_mac)
			if (*pp == l) {
				*pp = l->next_mac;
				break;
			}
	}
	ls->count--;
	free(l);
}

static int grow(struct lease_store *ls)
{
	size_t n = ls->nbuckets ? ls->nbuckets * 2 : 64;
	struct lease **m = calloc(n, sizeof(*m)), **ip = calloc(n, sizeof(*ip));
	struct lease **old_ip = ls->by_ip;
	size_t old_n = ls->nbuckets;

	if (!m || !ip) {
		free(m);
		free(ip);
		return -ENOMEM;
	}
	free(ls->by_mac);
	ls->by_mac = m;
	ls->by_ip = ip;
	ls->nbuckets = n;
	/* Every record is in the IP table exactly once: rebuild both from it. */
	for (size_t b = 0; b < old_n; b++) {
		struct lease *l = old_ip[b], *next;
		for (; l; l = next) {
			next = l->next_ip;
			link_lease(ls, l);
		}
	}
	free(old_ip);
	return 0;
}

/* Replace whatever the client and the address had with node (owned now). */
static void apply(struct lease_store *ls, struct lease *node)
{
	struct lease *l;

	if ((l = lease_by_mac(ls, node->mac)))
		lease_store_remove(ls, l);
	if ((l = lease_by_ip(ls, node->ip)))
		lease_store_remove(ls, l);
	link_lease(ls, node);
	ls->count++;
}

int lease_row_format(const struct lease *l, char *out, size_t outsz)
{
	char mac[18], ip[INET_ADDRSTRLEN];
	int n, m;

	if ((unsigned)l->state >= LEASE_STATE_COUNT)
		return -EINVAL;
	mac_format(l->mac, ':', mac);
	inet_ntop(AF_INET, &l->ip, ip, sizeof(ip));
	n = snprintf(out, outsz, "%s %s %lld %s", mac, ip, (long long)l->expires,
		     lease_state_names[l->state]);
	if (n < 0 || (size_t)n >= outsz)
		return -ENOSPC;
	m = snprintf(out + n, outsz - (size_t)n, " %08x\n", fnv1a(out, (size_t)n));
	if (m < 0 || (size_t)(n + m) >= outsz)
		return -ENOSPC;
	return n + m;
}

int lease_row_parse(const char *row, size_t len, struct lease *out)
{
	char buf[ROW_MAX], crc[9], *save = NULL, *f[6];
	const char *last;
	int64_t exp;
	size_t nf = 0;

	if (len == 0 || len >= sizeof(buf) || memchr(row, '\0', len))
		return -EINVAL;
	last = memrchr(row, ' ', len);
	if (!last || row + len - last != 9)
		return -EINVAL;
	snprintf(crc, sizeof(crc), "%08x", fnv1a(row, (size_t)(last - row)));
	if (memcmp(crc, last + 1, 8) != 0)
		return -EINVAL;
	memcpy(buf, row, len);
	buf[len] = '\0';
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (nf == ARRAY_SIZE(f))
			return -EINVAL;
		f[nf++] = t;
	}
	memset(out, 0, sizeof(*out));
	if (nf != 5 || mac_parse(f[0], out->mac) < 0 || inet_pton(AF_INET, f[1], &out->ip) != 1 ||
	    parse_i64(f[2], 0, INT64_MAX, &exp) < 0)
		return -EINVAL;
	out->expires = exp;
	for (int s = LEASE_BOUND; s < LEASE_STATE_COUNT; s++)
		if (strcmp(f[3], lease_state_names[s]) == 0) {
			out->state = (enum lease_state)s;
			return 0;
		}
	return -EINVAL; /* offers are never journaled */
}

/* Queue one row; lease_store_sync() writes the queue with one write()
 * and makes it durable. */
static int journal_append(struct lease_store *ls, const struct lease *l)
{
	char row[ROW_MAX];
	int n = lease_row_format(l, row, sizeof(row));

	if (n < 0)
		return n;
	if (ls->wlen + (size_t)n > ls->wcap) {
		size_t cap = ls->wcap ? ls->wcap * 2 : 16 * ROW_MAX;
		char *p = realloc(ls->wbuf, cap);
		if (!p)
			return -ENOMEM;
		ls->wbuf = p;
		ls->wcap = cap;
	}
	memcpy(ls->wbuf + ls->wlen, row, (size_t)n);
	ls->wlen += (size_t)n;
	ls->rows++;
	ls->pending++;
	return 0;
}

/* Write the queued rows. On failure the file is cut back to its last good
 * size so that later rows do not glue onto a torn one. */
static int journal_flush(struct lease_store *ls)
{
	size_t off = 0;

	while (off < ls->wlen) {
		ssize_t w = write(ls->fd, ls->wbuf + off, ls->wlen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? -errno : -EIO;
			if (ftruncate(ls->fd, ls->jsize) < 0)
				log_warn_errno("lease journal: cannot cut back torn rows");
			return err;
		}
		off += (size_t)w;
	}
	ls->jsize += (off_t)ls->wlen;
	ls->wlen = 0;
	return 0;
}

int lease_store_set(struct lease_store *ls, const uint8_t mac[6], struct in_addr ip,
		    int64_t expires, enum lease_state state)
{
	struct lease *node;
	int r;

	if ((unsigned)state >= LEASE_STATE_COUNT)
		return -EINVAL;
	if (ls->count + 1 > ls->nbuckets && (r = grow(ls)) < 0)
		return r;
	node = calloc(1, sizeof(*node));
	if (!node)
		return -ENOMEM;
	memcpy(node->mac, mac, 6);
	node->ip = ip;
	node->expires = expires;
	node->state = state;
	if (ls->fd >= 0 && state != LEASE_OFFERED && (r = journal_append(ls, node)) < 0) {
		free(node);
		return r;
	}
	apply(ls, node);
	return 0;
}

void lease_store_foreach(struct lease_store *ls, void (*cb)(struct lease *l, void *arg), void *arg)
{
	for (size_t b = 0; b < ls->nbuckets; b++)
		for (struct lease *l = ls->by_ip[b]; l; l = l->next_ip)
			cb(l, arg);
}

/* Replay the journal. Damaged rows are skipped with a warning: a torn last
 * row after a crash, or a bad disk block, must never keep DHCP from
 * starting. Later rows override earlier ones, exactly as at run time. */
static int journal_load(struct lease_store *ls)
{
	char *data = NULL;
	size_t len = 0, lineno = 0, bad = 0;
	int r = read_file(ls->path, JOURNAL_MAX, &data, &len);

	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		log_err("%s: cannot read: %s", ls->path, strerror(-r));
		return r;
	}
	for (size_t off = 0; off < len;) {
		const char *row = data + off, *nl = memchr(row, '\n', len - off);
		size_t rlen = nl ? (size_t)(nl - row) : len - off;
		struct lease tmp, *node;
		char esc[64];

		off += rlen + (nl ? 1 : 0);
		lineno++;
		if (!nl || lease_row_parse(row, rlen, &tmp) < 0) {
			if (++bad <= CORRUPT_WARN_MAX)
				log_warn("%s:%zu: skipping corrupt lease row \"%s\"", ls->path,
					 lineno, log_escape(row, rlen, esc, sizeof(esc)));
			continue;
		}
		if (ls->count + 1 > ls->nbuckets && (r = grow(ls)) < 0)
			goto out;
		if (!(node = malloc(sizeof(*node)))) {
			r = -ENOMEM;
			goto out;
		}
		*node = tmp;
		apply(ls, node);
	}
	if (bad > CORRUPT_WARN_MAX)
		log_warn("%s: %zu corrupt lease rows skipped in all", ls->path, bad);
out:
	free(data);
	return r;
}

/* Rewrite the journal with one row per live record (temp + fsync + rename)
 * and reopen it for appends. Records that ended more than keep_expired ago
 * are forgotten; they only served to give a returning client its old
 * address. */
static int journal_compact(struct lease_store *ls, int64_t now)
{
	size_t cap = ls->count * ROW_MAX + 1, len = 0, rows = 0;
	char *buf = malloc(cap);
	int r, fd;

	if (!buf)
		return -ENOMEM;
	for (size_t b = 0; b < ls->nbuckets; b++) {
		struct lease *l = ls->by_ip[b], *next;
		for (; l; l = next) {
			next = l->next_ip;
			if (l->state == LEASE_OFFERED)
				continue;
			if (l->expires < now - ls->keep_expired) {
				lease_store_remove(ls, l);
				continue;
			}
			r = lease_row_format(l, buf + len, cap - len);
			if (r < 0)
				goto out;
			len += (size_t)r;
			rows++;
		}
	}
	r = write_file_atomic(ls->path, buf, len, 0600);
	if (r < 0) {
		log_err("%s: cannot rewrite: %s", ls->path, strerror(-r));
		goto out;
	}
	fd = open(ls->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		/* The new journal is in place but we cannot append to it, and
		 * the old fd points at the unlinked file: appends there would
		 * be lost on restart. Refuse every later flush instead. */
		r = -errno;
		log_err_errno("%s: cannot open for append; no more leases will be acknowledged",
			      ls->path);
		if (ls->fd >= 0)
			close(ls->fd);
		ls->fd = -1;
		ls->broken = true;
		goto out;
	}
	if (ls->fd >= 0)
		close(ls->fd);
	ls->fd = fd;
	ls->jsize = (off_t)len;
	ls->rows = rows;
	ls->pending = 0;
	ls->wlen = 0; /* queued rows are part of the live set just written */
out:
	free(buf);
	return r < 0 ? r : 0;
}

struct lease_store *lease_store_open(const char *dir, int64_t now, int64_t keep_expired, int *err)
{
	struct lease_store *ls = calloc(1, sizeof(*ls));
	int r = -ENOMEM;

	if (!ls)
		goto fail;
	ls->fd = -1;
	ls->keep_expired = keep_expired;
	if ((r = grow(ls)) < 0)
		goto fail;
	if (!dir)
		return ls;
	if (snprintf(ls->path, sizeof(ls->path), "%s/%s", dir, JOURNAL_NAME) >=
	    (int)sizeof(ls->path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	if ((r = journal_load(ls)) < 0 || (r = journal_compact(ls, now)) < 0)
		goto fail;
	log_info("%s: %zu leases loaded", ls->path, ls->count);
	return ls;
fail:
	lease_store_close(ls);
	*err = r;
	return NULL;
}

void lease_store_close(struct lease_store *ls)
{
	if (!ls)
		return;
	for (size_t b = 0; b < ls->nbuckets; b++) {
		struct lease *l = ls->by_ip[b], *next;
		for (; l; l = next) {
			next = l->next_ip;
			free(l);
		}
	}
	if (ls->fd >= 0)
		close(ls->fd);
	free(ls->by_mac);
	free(ls->by_ip);
	free(ls->wbuf);
	free(ls);
}

int lease_store_flush(struct lease_store *ls, int *fd)
{
	int r;

	*fd = -1;
	if (ls->broken)
		return -EIO;
	if (ls->fd < 0 || ls->pending == 0)
		return 0;
	if ((r = journal_flush(ls)) < 0) {
		log_err("%s: write: %s", ls->path, strerror(-r));
		return r;
	}
	ls->pending = 0;
	*fd = ls->fd;
	return 0;
}

void lease_store_synced(struct lease_store *ls, int64_t now)
{
	/* Compaction is a full rewrite: only worth it once most rows are
	 * superseded. It writes every record in memory, rows still queued
	 * included, so it leaves nothing pending. A failure leaves the
	 * (synced) journal as it was. */
	if (ls->rows >= COMPACT_MIN_ROWS && ls->rows > COMPACT_RATIO * ls->count)
		(void)journal_compact(ls, now);
}

int lease_store_sync(struct lease_store *ls, int64_t now)
{
	int r, fd;

	if ((r = lease_store_flush(ls, &fd)) < 0 || fd < 0)
		return r;
	if (fdatasync(fd) < 0) {
		r = -errno;
		log_err_errno("%s: fdatasync", ls->path);
		return r;
	}
	lease_store_synced(ls, now);
	return 0;
}
