/* dhcp_pool.c - where the DHCP server's addresses come from: the
 * reservations (listed hosts with an ip, by MAC), each network's dynamic
 * pool over its range, the network a request is served from, and the
 * bound leases per network for /metrics. */
#include "dhcp_ctx.h"

#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX (1u << 20) /* addresses; the bitmap stays small */

/* ---- reservations: open addressing over the hosts that have an ip ---- */

static void res_put(const struct cfg_host **res, size_t mask, const struct cfg_host *h)
{
	size_t s = fnv1a(h->mac, 6) & mask;

	while (res[s] && memcmp(res[s]->mac, h->mac, 6) != 0)
		s = (s + 1) & mask;
	if (!res[s]) /* first entry for a MAC wins; config.c and host_enroll.c reject dups */
		res[s] = h;
}

static size_t res_slots(size_t nhosts)
{
	size_t n = 16;

	while (n < 2 * nhosts)
		n *= 2;
	return n;
}

/* Fill res (n slots, zeroed) with the config's hosts and dl->extra. */
static void res_fill(const struct dhcp_logic *dl, const struct cfg_host **res, size_t n)
{
	for (size_t i = 0; i < dl->cfg->nhosts; i++)
		res_put(res, n - 1, &dl->cfg->hosts[i]);
	for (size_t i = 0; i < dl->nextra; i++)
		res_put(res, n - 1, dl->extra[i]);
}

/* A table already big enough is refilled in place: a rebuild after
 * dhcp_logic_reserve_hosts() cannot fail. */
int dhcp_res_build(struct dhcp_logic *dl)
{
	size_t n = res_slots(dl->cfg->nhosts + dl->nextra);
	const struct cfg_host **res;

	if (dl->res && n <= dl->res_mask + 1) {
		memset(dl->res, 0, (dl->res_mask + 1) * sizeof(*dl->res));
		res_fill(dl, dl->res, dl->res_mask + 1);
		return 0;
	}
	if (!(res = calloc(n, sizeof(*res))))
		return -ENOMEM;
	res_fill(dl, res, n);
	free(dl->res);
	dl->res = res;
	dl->res_mask = n - 1;
	return 0;
}

int dhcp_logic_reserve_hosts(struct dhcp_logic *dl, size_t n)
{
	size_t slots = res_slots(dl->cfg->nhosts + n);
	const struct cfg_host **res;

	if (dl->res && slots <= dl->res_mask + 1)
		return 0;
	if (!(res = calloc(slots, sizeof(*res))))
		return -ENOMEM;
	res_fill(dl, res, slots);
	free(dl->res);
	dl->res = res;
	dl->res_mask = slots - 1;
	return 0;
}

const struct cfg_host *dhcp_host_lookup(const struct dhcp_logic *dl, const uint8_t mac[6])
{
	size_t s = fnv1a(mac, 6) & dl->res_mask;

	while (dl->res[s]) {
		if (memcmp(dl->res[s]->mac, mac, 6) == 0)
			return dl->res[s];
		s = (s + 1) & dl->res_mask;
	}
	return NULL;
}

const struct cfg_host *dhcp_res_lookup(const struct dhcp_logic *dl, const uint8_t mac[6])
{
	const struct cfg_host *h = dhcp_host_lookup(dl, mac);
	return h && h->ip.s_addr != INADDR_ANY ? h : NULL;
}

/* ---- the dynamic pool: a bitmap hint, verified against the leases ---- */

static bool bit_get(const uint64_t *map, uint32_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}

static void bit_set(uint64_t *map, uint32_t i, bool v)
{
	if (v)
		map[i / 64] |= UINT64_C(1) << (i % 64);
	else
		map[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

static bool pool_index(const struct dhcp_net *n, struct in_addr ip, uint32_t *idx)
{
	uint32_t h = ntohl(ip.s_addr);

	if (n->pool_size == 0 || h < n->pool_first || h - n->pool_first >= n->pool_size)
		return false;
	*idx = h - n->pool_first;
	return true;
}

static struct in_addr pool_addr(const struct dhcp_net *n, uint32_t idx)
{
	struct in_addr a = {htonl(n->pool_first + idx)};
	return a;
}

/* Can mac be given ip from n's pool right now? Free, expired, or its own. */
bool dhcp_pool_usable(struct dhcp_logic *dl, const struct dhcp_net *n, struct in_addr ip,
		      const uint8_t mac[6], int64_t now)
{
	uint32_t idx;
	struct lease *l;

	if (!pool_index(n, ip, &idx) || bit_get(n->pool_reserved, idx))
		return false;
	l = lease_by_ip(dl->leases, ip);
	if (!l || l->expires <= now)
		return true;
	return l->state != LEASE_DECLINED && memcmp(l->mac, mac, 6) == 0;
}

struct rebuild_ctx {
	struct dhcp_net *net;
	int64_t now;
};

static void rebuild_one(struct lease *l, void *arg)
{
	struct rebuild_ctx *c = arg;
	uint32_t idx;

	if (l->expires > c->now && pool_index(c->net, l->ip, &idx))
		bit_set(c->net->pool_used, idx, true);
}

/* Recompute one network's hint from the leases: frees expired and
 * released addresses. Only done when the hint says that pool is full. */
static void pool_rebuild(struct dhcp_logic *dl, struct dhcp_net *n, int64_t now)
{
	struct rebuild_ctx c = {n, now};

	memcpy(n->pool_used, n->pool_reserved, (n->pool_size + 63) / 64 * 8);
	lease_store_foreach(dl->leases, rebuild_one, &c);
}

/* Next address of n's pool from the cursor on that is free. Never-used
 * addresses come first; expired ones are reclaimed only once those run
 * out, so returning clients keep finding their old address. */
bool dhcp_pool_alloc(struct dhcp_logic *dl, struct dhcp_net *net, const uint8_t mac[6], int64_t now,
		     struct in_addr *ip)
{
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			pool_rebuild(dl, net, now);
		for (uint32_t n = 0; n < net->pool_size; n++) {
			uint32_t idx = (net->pool_cursor + n) % net->pool_size;
			if (idx % 64 == 0 && net->pool_used[idx / 64] == UINT64_MAX &&
			    n + 64 <= net->pool_size) {
				n += 63;
				continue;
			}
			if (bit_get(net->pool_used, idx))
				continue;
			bit_set(net->pool_used, idx, true);
			if (!dhcp_pool_usable(dl, net, pool_addr(net, idx), mac, now))
				continue;
			net->pool_cursor = (idx + 1) % net->pool_size;
			*ip = pool_addr(net, idx);
			return true;
		}
	}
	return false;
}

static void pool_reserve(struct dhcp_logic *dl, struct dhcp_net *n);

static int pool_init(struct dhcp_logic *dl, struct dhcp_net *n, const struct cfg_subnet *sn)
{
	uint32_t first = ntohl(sn->range_start.s_addr), last = ntohl(sn->range_end.s_addr);
	size_t words;

	n->cfg = sn;
	if (sn->range_start.s_addr == INADDR_ANY)
		return 0;
	if (last < first || last - first >= POOL_MAX) {
		log_err("dhcp: range must be start <= end and hold at most %u addresses", POOL_MAX);
		return -EINVAL;
	}
	n->pool_first = first;
	n->pool_size = last - first + 1;
	words = (n->pool_size + 63) / 64;
	n->pool_used = calloc(words, 8);
	n->pool_reserved = calloc(words, 8);
	if (!n->pool_used || !n->pool_reserved)
		return -ENOMEM;
	pool_reserve(dl, n);
	return 0;
}

/* The reserved addresses of n's pool (of config and extra hosts), and the
 * hint recomputed from them. */
static void pool_reserve(struct dhcp_logic *dl, struct dhcp_net *n)
{
	const struct config *cfg = dl->cfg;
	size_t words = (n->pool_size + 63) / 64;
	uint32_t idx;

	if (n->pool_size == 0)
		return;
	memset(n->pool_reserved, 0, words * 8);
	for (size_t i = 0; i < cfg->nhosts; i++)
		if (cfg->hosts[i].ip.s_addr && pool_index(n, cfg->hosts[i].ip, &idx))
			bit_set(n->pool_reserved, idx, true);
	for (size_t i = 0; i < dl->nextra; i++)
		if (dl->extra[i]->ip.s_addr && pool_index(n, dl->extra[i]->ip, &idx))
			bit_set(n->pool_reserved, idx, true);
	/* Bits past the end of the range count as taken. */
	for (uint32_t i = n->pool_size; i < words * 64; i++)
		bit_set(n->pool_reserved, i, true);
	pool_rebuild(dl, n, dl->clock());
}

int dhcp_logic_set_hosts(struct dhcp_logic *dl, const struct cfg_host *const *extra, size_t n)
{
	const struct cfg_host *const *old = dl->extra;
	size_t nold = dl->nextra;
	int r;

	dl->extra = extra;
	dl->nextra = n;
	if ((r = dhcp_res_build(dl)) < 0) {
		dl->extra = old;
		dl->nextra = nold;
		return r;
	}
	for (size_t i = 0; i < dl->nnets; i++)
		pool_reserve(dl, &dl->nets[i]);
	for (size_t i = 0; i < n; i++)
		discovered_forget(&dl->disc, extra[i]->mac);
	return 0;
}

/* ---- networks: one pool each, and the one a request is served from ---- */

/* nets[0] is the serving interface's network, then the relayed ones. */
int dhcp_nets_init(struct dhcp_logic *dl)
{
	const struct config *cfg = dl->cfg;
	int r;

	dl->nets = calloc(1 + cfg->nrelay_nets, sizeof(*dl->nets));
	if (!dl->nets)
		return -ENOMEM;
	dl->nnets = 1 + cfg->nrelay_nets;
	for (size_t i = 0; i < dl->nnets; i++)
		if ((r = pool_init(dl, &dl->nets[i], i ? &cfg->relay_nets[i - 1] : &cfg->net)) < 0)
			return r;
	return 0;
}

/* The network a request is served from: the interface's for a direct
 * one, the one holding giaddr for a relayed one (RFC 2131 4.3.1);
 * NULL when no configured network holds giaddr. */
struct dhcp_net *dhcp_net_for(const struct dhcp_logic *dl, const struct dhcp_msg *m)
{
	if (m->giaddr.s_addr == INADDR_ANY)
		return &dl->nets[0];
	for (size_t i = 0; i < dl->nnets; i++)
		if (cfg_subnet_has(dl->nets[i].cfg, m->giaddr))
			return &dl->nets[i];
	return NULL;
}

struct net_count {
	const struct dhcp_logic *dl;
	uint64_t *counts;
	int64_t now;
};

static void count_lease(struct lease *l, void *arg)
{
	struct net_count *a = arg;

	if (l->state != LEASE_BOUND || l->expires <= a->now)
		return;
	for (size_t i = 0; i < a->dl->nnets; i++)
		if (cfg_subnet_has(a->dl->nets[i].cfg, l->ip)) {
			a->counts[i]++;
			return;
		}
}

void dhcp_logic_net_leases(struct dhcp_logic *dl, uint64_t *counts)
{
	struct net_count a = {dl, counts, dl->clock()};

	memset(counts, 0, dl->nnets * sizeof(*counts));
	lease_store_foreach(dl->leases, count_lease, &a);
}
