/* dhcp_sock.c - the DHCP server's sockets: receive in batches, hand each
 * datagram to dhcp_server_handle(), send OFFERs and NAKs at once, and hold
 * ACKs until the journal rows behind them are durable. The fdatasync runs
 * on a helper thread (group commit: one sync covers every ACK collected
 * meanwhile), so the event loop never waits for the disk. */
#include "dhcp_server.h"
#include "daemon/host_enroll.h"
#include "daemon/server.h"

#include "net/link_watch.h"
#include "log.h"
#include "net/neigh.h"
#include "rogue_pcap.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DHCP_BATCH 16  /* datagrams per recvmmsg */
#define DHCP_ROUNDS 16 /* batches per wake-up before yielding */
#define DHCP_HELD 512  /* ACKs collected while one journal sync runs */
#define DROP_LOG_BURST 20	       /* bad-datagram log lines per second */
#define DHCP_RCVBUF (4 << 20)	       /* bytes queued while the journal syncs */
#define LEASE_KEEP_EXPIRED (7 * 86400) /* remember old addresses a week */

/* Control message buffers must be aligned for struct cmsghdr. */
union pktinfo_cmsg {
	char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
};

/* The journal's fdatasync runs on a helper thread so that the loop keeps
 * serving DHCP, TFTP and HTTP while the disk syncs; the thread touches
 * nothing but the fd it is given. */
struct syncer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd; /* eventfd: a requested sync finished */
	struct loop_fd *efd_watch;
	int fd; /* journal to sync when requested */
	bool request, quit;
	int err; /* the finished sync: 0 or -errno */
	bool started;
};

/* ACKs waiting for the journal rows behind them (group commit): one set
 * fills while the other's rows are being synced. */
struct held_set {
	struct dhcp_reply rep[DHCP_HELD];
	int fd[DHCP_HELD]; /* the socket the request came in on */
	int n;
};

struct dhcp_srv {
	struct server *srv;
	int fd;
	struct loop_fd *fd_watch;
	int fd_pxe; /* proxy mode: port 4011, else -1 */
	struct loop_fd *fd_pxe_watch;
	int ifindex; /* 0 when not bound to an interface */
	struct lease_store *leases;
	struct dhcp_logic logic;
	bool logic_ok;
	time_t drop_sec; /* log_drop's rate limit: this second's counts */
	unsigned drop_logged, drop_quiet;
	uint8_t rx[DHCP_BATCH][DHCP_MAX_MSG];
	struct sockaddr_in from[DHCP_BATCH];
	union pktinfo_cmsg cmsg[DHCP_BATCH];
	struct dhcp_reply now[DHCP_BATCH]; /* OFFERs and NAKs of one batch */
	struct held_set held[2];
	int fill;     /* held[fill] collects; held[!fill] is being synced */
	bool syncing; /* a sync of held[!fill]'s rows is running */
	bool paused;  /* held[fill] is full: not reading until the sync ends */
	struct syncer sync;
	struct rogue_watch *rogue; /* NULL: detection off */
	struct neigh_ctl *neigh;   /* NULL: chaddr unicasts go out as broadcasts */
	struct link_watch *link;   /* the serving interface; NULL: not followed */
};

const struct dhcp_stats *dhcp_srv_stats(const struct dhcp_srv *d)
{
	return d && d->logic_ok ? &d->logic.stats : NULL;
}

struct dhcp_logic *dhcp_srv_logic(struct dhcp_srv *d)
{
	return d && d->logic_ok ? &d->logic : NULL;
}

const struct rogue_watch *dhcp_srv_rogue(const struct dhcp_srv *d)
{
	return d ? d->rogue : NULL;
}

static int set_opt(int fd, int level, int name, const void *val, socklen_t len, const char *what)
{
	if (setsockopt(fd, level, name, val, len) < 0) {
		int r = -errno;
		log_err_errno("dhcp: setsockopt %s", what);
		return r;
	}
	return 0;
}

static int open_socket(const struct config *cfg, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1, rcvbuf = DHCP_RCVBUF, fd, r;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		log_err_errno("dhcp: socket");
		return r;
	}
	/* INADDR_ANY plus SO_BINDTODEVICE: clients without an address send
	 * to 255.255.255.255, which a socket bound to our address never sees. */
	if ((r = set_opt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one), "SO_REUSEADDR")) < 0 ||
	    (r = set_opt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one), "SO_BROADCAST")) < 0 ||
	    (r = set_opt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one), "IP_PKTINFO")) < 0)
		goto fail;
	/* A deep queue absorbs bursts (a rack powering on) while the journal
	 * syncs; FORCE needs CAP_NET_ADMIN, else the sysctl cap applies. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Only the serving interface, unless relays for other networks may
	 * reach us through others (accept_from() filters then). */
	if (cfg->interface[0] && cfg->nrelay_nets == 0 &&
	    (r = set_opt(fd, SOL_SOCKET, SO_BINDTODEVICE, cfg->interface,
			 (socklen_t)strlen(cfg->interface), "SO_BINDTODEVICE")) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		log_err_errno("dhcp: bind to port %u", ntohs(sa.sin_port));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

#define SEND_CHUNK 64 /* replies per sendmmsg */

/* Out of the interface the request came in on, whatever the routing
 * table says (a relay's reply may otherwise take another route than the
 * request and be lost or filtered), from rep->src. */
static void fill_send(const struct dhcp_reply *rep, struct sockaddr_in *to, struct iovec *iov,
		      union pktinfo_cmsg *cbuf, struct msghdr *mh)
{
	struct cmsghdr *cm;
	struct in_pktinfo *pi;

	*to = (struct sockaddr_in){
	    .sin_family = AF_INET, .sin_port = htons(rep->port), .sin_addr = rep->addr};
	*iov = (struct iovec){.iov_base = (void *)rep->buf, .iov_len = rep->len};
	memset(cbuf, 0, sizeof(*cbuf));
	*mh = (struct msghdr){.msg_name = to,
			      .msg_namelen = sizeof(*to),
			      .msg_iov = iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf->buf,
			      .msg_controllen = sizeof(cbuf->buf)};
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(*pi));
	pi = (struct in_pktinfo *)CMSG_DATA(cm);
	pi->ipi_spec_dst = rep->src;
	pi->ipi_ifindex = rep->ifindex;
}

/* Send n replies with as few system calls as the kernel allows; a reply
 * that cannot be sent is logged and skipped. */
static void send_replies(int fd, const struct dhcp_reply *reps, int n)
{
	struct sockaddr_in to[SEND_CHUNK];
	struct iovec iov[SEND_CHUNK];
	union pktinfo_cmsg cbuf[SEND_CHUNK];
	struct mmsghdr mm[SEND_CHUNK];

	for (int base = 0; base < n;) {
		int m = n - base < SEND_CHUNK ? n - base : SEND_CHUNK, sent;
		for (int i = 0; i < m; i++) {
			fill_send(&reps[base + i], &to[i], &iov[i], &cbuf[i], &mm[i].msg_hdr);
			mm[i].msg_len = 0;
		}
		sent = sendmmsg(fd, mm, (unsigned)m, 0);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0) { /* the first one failed: report it, go on after it */
			const struct dhcp_reply *rep = &reps[base];
			log_warn_errno("dhcp: send %s to %s:%u", dhcp_msg_name(rep->msg_type),
				       inet_ntoa(rep->addr), rep->port);
			sent = 1;
		}
		base += sent;
	}
}

/* Where a datagram came in: interface and the local address it was sent
 * to (for a broadcast, the interface's address). Zeroes when absent. */
static struct in_pktinfo pktinfo_of(struct msghdr *mh)
{
	struct in_pktinfo pi = {0};

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
	return pi;
}

/* Requests from clients themselves only on the serving interface; relayed
 * ones (giaddr set, unicast to us by the relay) on any: relays for other
 * networks may be routed to us through another interface. */
static bool accept_from(const struct dhcp_srv *d, const struct in_pktinfo *pi, const uint8_t *pkt,
			size_t len)
{
	return !d->ifindex || pi->ipi_ifindex == d->ifindex ||
	       dhcp_peek_giaddr(pkt, len).s_addr != INADDR_ANY;
}

/* A reply leaves by the interface its request came in on. A relay gets
 * it from the address it sent the request to (relays check that); a
 * client from our server id, as option 54 says. A unicast to a client
 * without an address needs its neighbour entry first; without one the
 * reply is broadcast (which every client accepts, RFC 2131 4.1). */
static void reply_path(const struct dhcp_srv *d, const struct in_pktinfo *pi,
		       struct dhcp_reply *rep)
{
	rep->ifindex = pi->ipi_ifindex ? pi->ipi_ifindex : d->ifindex;
	rep->src = rep->dest == DHCP_DEST_RELAY && pi->ipi_spec_dst.s_addr != INADDR_ANY
		       ? pi->ipi_spec_dst
		       : d->srv->cfg->address;
	if (rep->dest == DHCP_DEST_CHADDR &&
	    (!d->neigh || neigh_set(d->neigh, rep->ifindex, rep->yiaddr, rep->chaddr) < 0)) {
		rep->dest = DHCP_DEST_BROADCAST;
		rep->addr.s_addr = INADDR_BROADCAST;
	}
}

/* Every dropped datagram is logged, but at most DROP_LOG_BURST lines a
 * second: a flood of garbage must not turn into a flood of log lines. */
static void log_drop(struct dhcp_srv *d, const struct sockaddr_in *from, size_t len,
		     const char *why)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec != d->drop_sec) {
		if (d->drop_quiet)
			log_warn("dhcp: %u more bad datagrams dropped without a log line",
				 d->drop_quiet);
		d->drop_sec = ts.tv_sec;
		d->drop_logged = d->drop_quiet = 0;
	}
	if (d->drop_logged < DROP_LOG_BURST) {
		d->drop_logged++;
		log_warn("dhcp: dropped %zu-byte datagram from %s:%u: %s", len,
			 inet_ntoa(from->sin_addr), ntohs(from->sin_port), why);
	} else {
		d->drop_quiet++;
	}
}

/* Handle one received batch. OFFERs and NAKs promise nothing durable and
 * go out at once; ACKs join the held set until their rows are synced. */
static void process_batch(struct dhcp_srv *d, int fd, struct mmsghdr *mm, int n)
{
	struct held_set *h = &d->held[d->fill];
	int nnow = 0;

	for (int i = 0; i < n; i++) {
		struct dhcp_reply *rep = &h->rep[h->n];
		struct in_pktinfo pi = pktinfo_of(&mm[i].msg_hdr);
		if (!accept_from(d, &pi, d->rx[i], mm[i].msg_len))
			continue;
		if (rogue_watch_blocks(d->rogue)) { /* logged when it started */
			d->logic.stats.received++;
			d->logic.stats.refused++;
			continue;
		}
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			d->logic.stats.received++;
			d->logic.stats.malformed++;
			log_drop(d, &d->from[i], mm[i].msg_len, "larger than our buffer");
			continue;
		}
		int r = fd == d->fd_pxe
			    ? dhcp_server_handle_pxe(&d->logic, d->rx[i], mm[i].msg_len,
						     d->from[i].sin_addr,
						     ntohs(d->from[i].sin_port), rep)
			    : dhcp_server_handle(&d->logic, d->rx[i], mm[i].msg_len, rep);
		if (r > 0)
			reply_path(d, &pi, rep);
		if (r == DHCPACK) {
			h->fd[h->n++] = fd;
		} else if (r > 0) {
			d->now[nnow++] = *rep;
		} else if (r < 0) {
			log_drop(d, &d->from[i], mm[i].msg_len, dhcp_server_strerror(r));
		}
	}
	send_replies(fd, d->now, nnow);
}

/* Send a held set, each run of replies out of the socket it came in on. */
static void send_set(struct held_set *h)
{
	for (int i = 0, j; i < h->n; i = j) {
		for (j = i + 1; j < h->n && h->fd[j] == h->fd[i]; j++)
			;
		send_replies(h->fd[i], &h->rep[i], j - i);
	}
	h->n = 0;
}

static void *syncer_main(void *arg)
{
	struct syncer *s = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->request && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->request)
			break;
		s->request = false;
		int fd = s->fd;
		pthread_mutex_unlock(&s->mu);
		int r = fdatasync(fd) < 0 ? -errno : 0;
		pthread_mutex_lock(&s->mu);
		s->err = r;
		if (write(s->efd, &one, sizeof(one)) < 0)
			s->err = -errno; /* cannot happen: the counter never fills */
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void set_reading(struct dhcp_srv *d, bool on)
{
	d->paused = !on;
	loop_mod_fd(d->srv->loop, d->fd_watch, on ? EPOLLIN : 0);
	if (d->fd_pxe_watch)
		loop_mod_fd(d->srv->loop, d->fd_pxe_watch, on ? EPOLLIN : 0);
}

/* Start syncing the rows of the filling set's ACKs, unless a sync runs
 * already (the set then waits for the next one). */
static void sync_kick(struct dhcp_srv *d)
{
	struct held_set *h = &d->held[d->fill];
	int fd, r;

	if (d->syncing || h->n == 0)
		return;
	if ((r = lease_store_flush(d->leases, &fd)) < 0) {
		log_err("dhcp: lease journal not written: %d replies dropped", h->n);
		h->n = 0;
		return;
	}
	if (fd < 0) { /* nothing to make durable (INFORM, proxy, compacted) */
		send_set(h);
		return;
	}
	pthread_mutex_lock(&d->sync.mu);
	d->sync.fd = fd;
	d->sync.request = true;
	pthread_cond_signal(&d->sync.cv);
	pthread_mutex_unlock(&d->sync.mu);
	d->syncing = true;
	d->fill ^= 1;
}

static void on_synced(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct dhcp_srv *d = arg;
	struct held_set *h = &d->held[!d->fill];
	uint64_t v;
	int err;

	(void)loop;
	(void)events;
	if (read(fd, &v, sizeof(v)) < 0 || !d->syncing)
		return;
	pthread_mutex_lock(&d->sync.mu);
	err = d->sync.err;
	pthread_mutex_unlock(&d->sync.mu);
	d->syncing = false;
	if (err < 0) {
		log_err("dhcp: lease journal fdatasync: %s: %d replies dropped", strerror(-err),
			h->n);
		h->n = 0;
	} else {
		lease_store_synced(d->leases, (int64_t)time(NULL));
		send_set(h);
	}
	sync_kick(d);
	if (d->paused)
		set_reading(d, true);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct dhcp_srv *d = arg;
	struct mmsghdr mm[DHCP_BATCH];
	struct iovec iov[DHCP_BATCH];

	(void)loop;
	(void)events;
	for (int round = 0; round < DHCP_ROUNDS; round++) {
		int room = DHCP_HELD - d->held[d->fill].n;
		if (room < DHCP_BATCH) {
			/* Both sets are taken: let the kernel queue the rest. */
			if (d->syncing)
				set_reading(d, false);
			break;
		}
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < DHCP_BATCH; i++) {
			iov[i] = (struct iovec){d->rx[i], sizeof(d->rx[i])};
			mm[i].msg_hdr.msg_name = &d->from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(d->from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = d->cmsg[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(d->cmsg[i]);
		}
		int n = recvmmsg(fd, mm, DHCP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn_errno("dhcp: recvmmsg");
			break;
		}
		process_batch(d, fd, mm, n);
		if (n < DHCP_BATCH)
			break;
	}
	/* If more is queued, the level-triggered loop calls us again after
	 * the other sockets had their turn. */
	sync_kick(d);
}

static int syncer_start(struct dhcp_srv *d)
{
	struct syncer *s = &d->sync;
	int r;

	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		r = -errno;
		log_err_errno("dhcp: eventfd");
		return r;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if ((r = pthread_create(&s->thread, NULL, syncer_main, s)) != 0) {
		log_err("dhcp: cannot start the journal thread: %s", strerror(r));
		return -r;
	}
	s->started = true;
	s->efd_watch = loop_add_fd(d->srv->loop, s->efd, EPOLLIN, on_synced, d);
	return s->efd_watch ? 0 : -errno;
}

/* Wait for a running sync to end and stop the thread. */
static void syncer_stop(struct dhcp_srv *d)
{
	struct syncer *s = &d->sync;

	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->quit = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		s->started = false;
	}
	if (s->efd >= 0) {
		loop_del_fd(d->srv->loop, s->efd_watch);
		s->efd_watch = NULL;
		close(s->efd);
		s->efd = -1;
	}
}

/* A socket bound to the serving interface is bound to its ifindex: one
 * deleted and created again (a VLAN sub-interface, a bridge rebuilt) has
 * another, and the socket would hear nothing until bound again. */
static void rebind(struct dhcp_srv *d, int fd)
{
	const char *ifname = d->srv->cfg->interface;

	if (fd >= 0 && d->srv->cfg->nrelay_nets == 0)
		(void)set_opt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname),
			      "SO_BINDTODEVICE");
}

static void on_link(void *arg, int ifindex, bool up)
{
	struct dhcp_srv *d = arg;
	const char *ifname = d->srv->cfg->interface;

	if (ifindex == 0) {
		log_warn("dhcp: %s is gone; serving again once it is back", ifname);
		rogue_watch_link(d->rogue, d->srv->loop, 0, false);
		return;
	}
	if (ifindex != d->ifindex) {
		log_info("dhcp: %s is back (ifindex %d, was %d): sockets bound to it again", ifname,
			 ifindex, d->ifindex);
		d->ifindex = ifindex;
		rebind(d, d->fd);
		rebind(d, d->fd_pxe);
	}
	log_info("dhcp: link %s %s", ifname, up ? "up" : "down");
	/* The capture is bound to an ifindex too: it follows the link. */
	rogue_watch_link(d->rogue, d->srv->loop, ifindex, up);
}

static int dhcp_open(struct dhcp_srv *d, const struct config *cfg)
{
	int r = 0;

	if (cfg->interface[0] && !(d->ifindex = (int)if_nametoindex(cfg->interface))) {
		r = -errno;
		log_err_errno("dhcp: interface %s", cfg->interface);
		return r;
	}
	if ((r = mkdir_p(cfg->state_dir, 0755)) < 0) {
		log_err("dhcp: %s: %s", cfg->state_dir, strerror(-r));
		return r;
	}
	d->leases = lease_store_open(cfg->state_dir, (int64_t)time(NULL), LEASE_KEEP_EXPIRED, &r);
	if (!d->leases)
		return r;
	if ((r = dhcp_logic_init(&d->logic, cfg, d->leases, NULL)) < 0)
		return r;
	d->logic_ok = true;
	if (d->srv->enrolled &&
	    (r = dhcp_logic_set_hosts(&d->logic, host_enroll_hosts(d->srv->enrolled),
				      host_enroll_count(d->srv->enrolled))) < 0)
		return r;
	if ((r = syncer_start(d)) < 0)
		return r;
	if ((d->fd = open_socket(cfg, cfg->dhcp_port ? cfg->dhcp_port : 67)) < 0)
		return d->fd;
	if (!(d->fd_watch = loop_add_fd(d->srv->loop, d->fd, EPOLLIN, on_readable, d)))
		return -errno;
	/* Link down/up, the interface recreated: logged, sockets re-bound. */
	if (!(d->link = link_watch_start(d->srv->loop, cfg->interface, on_link, d, &r)))
		log_warn("dhcp: not following %s's link state: %s", cfg->interface, strerror(-r));
	/* RFC 2131 4.1 unicasts to clients without an address; a server that
	 * cannot set neighbour entries broadcasts instead, which works too. */
	if (cfg->dhcp_mode != DHCP_MODE_PROXY && !(d->neigh = neigh_open(&r)))
		log_warn("dhcp: no neighbour entries (%s): replies to clients without an "
			 "address are broadcast",
			 strerror(-r));
	/* Without a capture we cannot know; serving blind is what a DHCP
	 * server without detection does, so say so and go on. */
	if (cfg->rogue_interval && !(d->rogue = rogue_watch_start(d->srv->loop, cfg, &r)))
		log_warn("dhcp: rogue-server detection off: %s", strerror(-r));
	if (cfg->dhcp_mode != DHCP_MODE_PROXY)
		return 0;
	/* PXE 2.1 2.2.2: proxyDHCP REQUESTs come to port 4011. */
	if ((d->fd_pxe = open_socket(cfg, PXE_SERVER_PORT)) < 0)
		return d->fd_pxe;
	d->fd_pxe_watch = loop_add_fd(d->srv->loop, d->fd_pxe, EPOLLIN, on_readable, d);
	return d->fd_pxe_watch ? 0 : -errno;
}

/* Networks behind relays, one line each: what start-up serves. */
static void log_relay_net(const struct cfg_subnet *n)
{
	char net[CIDR_STRLEN], first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN];

	cidr_format(n->subnet, n->netmask, net);
	inet_ntop(AF_INET, &n->range_start, first, sizeof(first));
	inet_ntop(AF_INET, &n->range_end, last, sizeof(last));
	if (n->range_start.s_addr)
		log_info("dhcp: relayed network %s, pool %s - %s, on any interface", net, first,
			 last);
	else
		log_info("dhcp: relayed network %s, reservations only, on any interface", net);
}

int dhcp_start(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct dhcp_srv *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->srv = srv;
	d->fd = d->fd_pxe = d->sync.efd = -1;
	srv->dhcp = d;
	r = dhcp_open(d, cfg);
	if (r < 0) {
		log_err("dhcp: not started: %s", strerror(-r));
		dhcp_stop(srv);
		return r;
	}
	log_info("dhcp: %s on %s port %u%s", rogue_watch_blocks(d->rogue) ? "refusing" : "serving",
		 cfg->interface[0] ? cfg->interface : "*", cfg->dhcp_port ? cfg->dhcp_port : 67,
		 cfg->dhcp_mode == DHCP_MODE_PROXY ? " and 4011 as proxyDHCP (PXE clients only)"
						   : "");
	for (size_t i = 0; i < cfg->nrelay_nets; i++)
		log_relay_net(&cfg->relay_nets[i]);
	return 0;
}

void dhcp_stop(struct server *srv)
{
	struct dhcp_srv *d = srv->dhcp;

	if (!d)
		return;
	if (d->fd >= 0) {
		loop_del_fd(srv->loop, d->fd_watch);
		close(d->fd);
	}
	if (d->fd_pxe >= 0) {
		loop_del_fd(srv->loop, d->fd_pxe_watch);
		close(d->fd_pxe);
	}
	rogue_watch_stop(d->rogue, srv->loop);
	neigh_close(d->neigh);
	link_watch_stop(d->link, srv->loop);
	syncer_stop(d);
	if (d->logic_ok)
		dhcp_logic_free(&d->logic);
	if (d->leases) {
		(void)lease_store_sync(d->leases, (int64_t)time(NULL));
		lease_store_close(d->leases);
	}
	free(d);
	srv->dhcp = NULL;
}
