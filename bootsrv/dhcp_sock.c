/* dhcp_sock.c - the DHCP server's socket: receive in batches, hand each
 * datagram to dhcp_server_handle(), make the lease journal durable once per
 * batch, then send the replies. */
#include "dhcp_server.h"
#include "server.h"

#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DHCP_BATCH 16		       /* datagrams per recvmmsg */
#define DHCP_ROUNDS 8		       /* batches per wake-up before yielding */
#define LEASE_KEEP_EXPIRED (7 * 86400) /* remember old addresses a week */

/* Control message buffers must be aligned for struct cmsghdr. */
union pktinfo_cmsg {
	char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
};

struct dhcp_srv {
	struct server *srv;
	int fd;
	int ifindex; /* 0 when not bound to an interface */
	struct lease_store *leases;
	struct dhcp_logic logic;
	bool logic_ok;
	uint8_t rx[DHCP_BATCH][DHCP_MAX_MSG];
	struct sockaddr_in from[DHCP_BATCH];
	union pktinfo_cmsg cmsg[DHCP_BATCH];
	struct dhcp_reply tx[DHCP_BATCH];
};

const struct dhcp_stats *dhcp_srv_stats(const struct dhcp_srv *d)
{
	return d && d->logic_ok ? &d->logic.stats : NULL;
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

static int open_socket(const struct config *cfg)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(cfg->dhcp_port ? cfg->dhcp_port : 67)};
	int one = 1, fd, r;

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
	if (cfg->interface[0] &&
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

static int send_reply(struct dhcp_srv *d, const struct dhcp_reply *rep)
{
	struct sockaddr_in to = {
	    .sin_family = AF_INET, .sin_port = htons(rep->port), .sin_addr = rep->addr};
	struct iovec iov = {.iov_base = (void *)rep->buf, .iov_len = rep->len};
	union pktinfo_cmsg cbuf;
	struct msghdr mh = {.msg_name = &to,
			    .msg_namelen = sizeof(to),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf.buf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct in_pktinfo *pi;

	/* Source address = our server id, and broadcasts out of the serving
	 * interface, whatever the routing table says. */
	memset(&cbuf, 0, sizeof(cbuf));
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(*pi));
	pi = (struct in_pktinfo *)CMSG_DATA(cm);
	pi->ipi_spec_dst = d->srv->cfg->address;
	if (rep->dest == DHCP_DEST_BROADCAST)
		pi->ipi_ifindex = d->ifindex;
	if (sendmsg(d->fd, &mh, 0) < 0) {
		int r = -errno;
		log_warn_errno("dhcp: send %s to %s:%u", dhcp_msg_name(rep->msg_type),
			       inet_ntoa(rep->addr), rep->port);
		return r;
	}
	return 0;
}

static int pktinfo_ifindex(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			return pi.ipi_ifindex;
		}
	return 0;
}

/* Handle one received batch; replies go out only after the journal sync,
 * so one fdatasync covers every ACK of the batch. */
static void process_batch(struct dhcp_srv *d, struct mmsghdr *mm, int n)
{
	int nrep = 0;

	for (int i = 0; i < n; i++) {
		if (mm[i].msg_hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			continue;
		if (d->ifindex && pktinfo_ifindex(&mm[i].msg_hdr) != d->ifindex)
			continue;
		int r = dhcp_server_handle(&d->logic, d->rx[i], mm[i].msg_len, &d->tx[nrep]);
		if (r > 0) {
			nrep++;
		} else if (r < 0) {
			log_debug("dhcp: from %s:%u: %s", inet_ntoa(d->from[i].sin_addr),
				  ntohs(d->from[i].sin_port), dhcp_server_strerror(r));
		}
	}
	if (nrep == 0)
		return;
	if (lease_store_sync(d->leases, (int64_t)time(NULL)) < 0) {
		log_err("dhcp: lease journal not durable: %d replies dropped", nrep);
		return;
	}
	for (int i = 0; i < nrep; i++)
		(void)send_reply(d, &d->tx[i]);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct dhcp_srv *d = arg;
	struct mmsghdr mm[DHCP_BATCH];
	struct iovec iov[DHCP_BATCH];

	(void)loop;
	(void)events;
	for (int round = 0; round < DHCP_ROUNDS; round++) {
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
			return;
		}
		process_batch(d, mm, n);
		if (n < DHCP_BATCH)
			return;
	}
	/* More is queued: the level-triggered loop calls us again after the
	 * other sockets had their turn. */
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
	if ((d->fd = open_socket(cfg)) < 0)
		return d->fd;
	return loop_add_fd(d->srv->loop, d->fd, EPOLLIN, on_readable, d);
}

int dhcp_start(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct dhcp_srv *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->srv = srv;
	d->fd = -1;
	srv->dhcp = d;
	if (cfg->dhcp_mode == DHCP_MODE_PROXY)
		log_warn("dhcp: proxy mode is not implemented yet: DHCP requests are ignored");
	r = dhcp_open(d, cfg);
	if (r < 0) {
		log_err("dhcp: not started: %s", strerror(-r));
		dhcp_stop(srv);
		return r;
	}
	log_info("dhcp: serving on %s port %u", cfg->interface[0] ? cfg->interface : "*",
		 cfg->dhcp_port ? cfg->dhcp_port : 67);
	return 0;
}

void dhcp_stop(struct server *srv)
{
	struct dhcp_srv *d = srv->dhcp;

	if (!d)
		return;
	if (d->fd >= 0) {
		loop_del_fd(srv->loop, d->fd);
		close(d->fd);
	}
	if (d->logic_ok)
		dhcp_logic_free(&d->logic);
	if (d->leases) {
		(void)lease_store_sync(d->leases, (int64_t)time(NULL));
		lease_store_close(d->leases);
	}
	free(d);
	srv->dhcp = NULL;
}
