/* discovered.c - see discovered.h. Entries live in one array of cap
 * slots; a chained hash by MAC finds them, a doubly linked list by
 * recency finds the one to evict. Every operation is O(1) but the chain
 * walk. */
#include "discovered.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int discovered_init(struct discovered *d, size_t cap)
{
	size_t slots = 16;

	memset(d, 0, sizeof(*d));
	d->cap = cap ? cap : DISCOVERED_MAX;
	while (slots < 2 * d->cap)
		slots *= 2;
	d->mask = slots - 1;
	d->e = calloc(d->cap, sizeof(*d->e));
	d->bucket = malloc(slots * sizeof(*d->bucket));
	if (!d->e || !d->bucket) {
		discovered_free(d);
		return -ENOMEM;
	}
	memset(d->bucket, 0xff, slots * sizeof(*d->bucket)); /* -1: empty */
	d->newest = d->oldest = -1;
	return 0;
}

void discovered_free(struct discovered *d)
{
	free(d->e);
	free(d->bucket);
	d->e = NULL;
	d->bucket = NULL;
	d->n = 0;
}

static int32_t *chain_of(const struct discovered *d, const uint8_t mac[6])
{
	return &d->bucket[fnv1a(mac, 6) & d->mask];
}

static int32_t lookup(const struct discovered *d, const uint8_t mac[6])
{
	if (!d->e)
		return -1;
	for (int32_t i = *chain_of(d, mac); i >= 0; i = d->e[i].next)
		if (memcmp(d->e[i].mac, mac, 6) == 0)
			return i;
	return -1;
}

static void list_unlink(struct discovered *d, int32_t i)
{
	struct disc_entry *x = &d->e[i];

	if (x->newer >= 0)
		d->e[x->newer].older = x->older;
	else
		d->newest = x->older;
	if (x->older >= 0)
		d->e[x->older].newer = x->newer;
	else
		d->oldest = x->newer;
}

static void list_push(struct discovered *d, int32_t i)
{
	d->e[i].newer = -1;
	d->e[i].older = d->newest;
	if (d->newest >= 0)
		d->e[d->newest].newer = i;
	d->newest = i;
	if (d->oldest < 0)
		d->oldest = i;
}

static void chain_unlink(struct discovered *d, int32_t i)
{
	int32_t *p = chain_of(d, d->e[i].mac);

	while (*p != i)
		p = &d->e[*p].next;
	*p = d->e[i].next;
}

/* The slot i leaves empty: the last slot moves into it, so used slots
 * stay 0..n-1. */
static void remove_slot(struct discovered *d, int32_t i)
{
	int32_t last = (int32_t)d->n - 1;

	list_unlink(d, i);
	chain_unlink(d, i);
	if (i != last) {
		struct disc_entry *m = &d->e[last];
		int32_t *p = chain_of(d, m->mac);
		while (*p != last)
			p = &d->e[*p].next;
		*p = i;
		if (m->newer >= 0)
			d->e[m->newer].older = i;
		else
			d->newest = i;
		if (m->older >= 0)
			d->e[m->older].newer = i;
		else
			d->oldest = i;
		d->e[i] = *m;
	}
	d->n--;
}

void discovered_note(struct discovered *d, const uint8_t mac[6], int64_t now, int arch,
		     const uint8_t *vendor, size_t vlen)
{
	int32_t i = lookup(d, mac);
	struct disc_entry *x;

	if (!d->e)
		return;
	if (i < 0) {
		if (d->n == d->cap) {
			remove_slot(d, d->oldest);
			d->evicted++;
		}
		i = (int32_t)d->n++;
		x = &d->e[i];
		memset(x, 0, sizeof(*x));
		memcpy(x->mac, mac, 6);
		x->first_seen = now;
		int32_t *c = chain_of(d, mac);
		x->next = *c;
		*c = i;
	} else {
		list_unlink(d, i);
	}
	x = &d->e[i];
	list_push(d, i);
	x->last_seen = now;
	x->requests++;
	x->arch = arch;
	x->vendor[0] = '\0';
	/* peer-supplied: escaped once here, shown as is everywhere later */
	if (vendor && vlen)
		log_escape((const char *)vendor, vlen, x->vendor, sizeof(x->vendor));
}

void discovered_forget(struct discovered *d, const uint8_t mac[6])
{
	int32_t i = lookup(d, mac);

	if (i >= 0)
		remove_slot(d, i);
}

const struct disc_entry *discovered_get(const struct discovered *d, const uint8_t mac[6])
{
	int32_t i = lookup(d, mac);
	return i >= 0 ? &d->e[i] : NULL;
}

void discovered_foreach(const struct discovered *d, discovered_fn fn, void *arg)
{
	for (int32_t i = d->e ? d->newest : -1; i >= 0; i = d->e[i].older)
		fn(&d->e[i], arg);
}
