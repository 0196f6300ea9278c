/* tftp_serve.c - the listening side of the TFTP server: requests are
 * parsed (tftp_proto), their names checked and opened beneath the root
 * (tftp_path) or generated (bootcfg), then handed to a transfer (tftp_xfer).
 * See tftp_xfer.h. */
#include "tftp_xfer.h"

#include "daemon/bootcfg.h"
#include "log.h"
#include "tftp_path.h"
#include "tftp_proto.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQ_BUF 4096 /* real requests are < 512 bytes; longer ones are dropped */

/* ---- opening what a request names ---- */

static void content_free(struct tftp_content *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->mem);
	c->fd = -1;
	c->mem = NULL;
}

/* netascii needs LF -> CR LF, which moves every later byte: convert the
 * whole (bounded) content in memory rather than translate per block. */
static int content_to_netascii(struct tftp_content *c)
{
	uint8_t *raw = c->mem, *out;
	size_t got = 0, outlen;
	int r;

	if (c->size > TFTP_NETASCII_MAX)
		return -EFBIG;
	if (c->fd >= 0) {
		raw = malloc(c->size ? c->size : 1);
		if (!raw)
			return -ENOMEM;
		while (got < c->size) {
			ssize_t n = pread(c->fd, raw + got, c->size - got, (off_t)got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		c->size = got; /* a file shrinking meanwhile is just shorter */
	}
	r = tftp_netascii_encode(raw, c->size, &out, &outlen);
	if (raw != c->mem)
		free(raw);
	if (r < 0)
		return r;
	content_free(c);
	c->mem = out;
	c->size = outlen;
	return 0;
}

/* Generated files first (they never exist on disk), then the root. */
static int content_open(struct tftp_srv *ts, const char *rel, enum tftp_mode mode,
			struct tftp_content *c)
{
	char *vbuf = NULL;
	size_t vlen = 0;
	struct stat st;
	int r;

	c->fd = -1;
	c->mem = NULL;
	c->size = 0;
	r = bootcfg_virtual_file(ts->srv, rel, &vbuf, &vlen);
	if (r < 0)
		return r;
	if (r == 1) {
		c->mem = (uint8_t *)vbuf;
		c->size = vlen;
	} else {
		c->fd = tftp_path_open(ts->rootfd, rel);
		if (c->fd < 0)
			return c->fd;
		if (fstat(c->fd, &st) < 0) {
			r = -errno;
			content_free(c);
			return r;
		}
		c->size = (uint64_t)st.st_size;
	}
	if (mode == TFTP_MODE_NETASCII) {
		r = content_to_netascii(c);
		if (r < 0) {
			content_free(c);
			return r;
		}
	}
	return 0;
}

static uint16_t open_errcode(int r, const char **msg)
{
	switch (r) {
	case -ENOENT:
	case -ENOTDIR:
		*msg = "file not found";
		return TFTP_ERR_NOTFOUND;
	case -EXDEV: /* RESOLVE_BENEATH: would leave the root */
	case -ELOOP:
	case -EACCES:
	case -EPERM:
	case -EISDIR:
		*msg = "access violation";
		return TFTP_ERR_ACCESS;
	case -EFBIG:
		*msg = "file too large for netascii, use octet";
		return TFTP_ERR_UNDEF;
	default:
		*msg = "internal error";
		return TFTP_ERR_UNDEF;
	}
}

/* ---- the listening socket ---- */

static void refuse(struct tftp_srv *ts, const struct sockaddr_in *peer, const char *what,
		   const char *name_s, uint16_t code, const char *msg, const char *why)
{
	char peer_s[INET_ADDRSTRLEN + 8];

	tftp_format_peer(peer, peer_s, sizeof(peer_s));
	ts->stats.refused++;
	log_info("tftp: %s %s \"%s\" refused: %s", peer_s, what, name_s, why);
	tftp_send_error(ts->sock, peer, code, msg);
}

/* A request from an endpoint that already has a transfer: a retransmitted
 * RRQ before any ACK means our first packet is late or lost (an OACK is
 * then sent again, DATA 1 is left to the timer); after progress, the
 * client has started over, so the old transfer ends.
 * Returns true when the request should be dropped. */
static bool duplicate_request(struct tftp_srv *ts, const struct sockaddr_in *peer)
{
	struct tftp_xfer *old = tftp_xfer_find(ts, peer);

	if (!old)
		return false;
	if (!tftp_xfer_acked(old))
		return tftp_xfer_request_again(old);
	tftp_xfer_end(old, "superseded by a new request", -1);
	return false;
}

static void handle_rrq(struct tftp_srv *ts, const struct sockaddr_in *peer,
		       const struct tftp_request *req, const char *name_s)
{
	char rel[TFTP_PATH_MAX + 1];
	struct tftp_content c;
	const char *msg;
	enum tftp_path_err pe;
	int r;

	pe = tftp_path_check(req->filename, req->filename_len, rel, sizeof(rel));
	if (pe != TFTP_PATH_OK) {
		refuse(ts, peer, "RRQ", name_s, TFTP_ERR_ACCESS, "access violation",
		       tftp_path_err_names[pe]);
		return;
	}
	if (duplicate_request(ts, peer))
		return;
	if (ts->stats.in_flight >= ts->max_xfers) {
		refuse(ts, peer, "RRQ", name_s, TFTP_ERR_UNDEF, "server busy, try again later",
		       "too many transfers");
		return;
	}
	if (tftp_xfer_count_from(ts, peer->sin_addr) >= ts->max_per_client) {
		refuse(ts, peer, "RRQ", name_s, TFTP_ERR_UNDEF, "server busy, try again later",
		       "too many transfers from this client");
		return;
	}
	r = content_open(ts, rel, req->mode, &c);
	if (r < 0) {
		uint16_t code = open_errcode(r, &msg);
		refuse(ts, peer, "RRQ", name_s, code, msg,
		       r == -EXDEV ? "resolves outside the TFTP root" : strerror(-r));
		return;
	}
	r = tftp_xfer_start(ts, peer, name_s, req, &c);
	if (r < 0) {
		content_free(&c);
		refuse(ts, peer, "RRQ", name_s, TFTP_ERR_UNDEF,
		       r == -EMFILE || r == -ENFILE ? "server busy, try again later"
						   : "internal error",
		       strerror(-r));
	}
}

static void handle_request(struct tftp_srv *ts, const uint8_t *pkt, size_t len,
			   const struct sockaddr_in *peer)
{
	struct tftp_packet tp;
	enum tftp_perr e = tftp_parse(pkt, len, &tp);
	char name_s[4 * TFTP_PATH_MAX + 8], why[96];

	/* DATA/ACK/ERROR/OACK have no business on the listening port and an
	 * answer to them could start a ping-pong between two servers. */
	if (tp.op == TFTP_DATA || tp.op == TFTP_ACK || tp.op == TFTP_ERROR || tp.op == TFTP_OACK)
		return;
	ts->stats.requests++;
	if (e != TFTP_P_OK) {
		size_t skip = len >= 2 ? 2 : 0; /* past the opcode */
		log_escape(pkt + skip, len - skip, name_s, 64);
		if (e >= TFTP_P_OPT_DUPLICATE && e <= TFTP_P_OPT_RANGE)
			snprintf(why, sizeof(why), "%s: %s", tftp_perr_names[e],
				 tftp_opt_names[tp.req.bad_opt]);
		else
			snprintf(why, sizeof(why), "%s", tftp_perr_names[e]);
		refuse(ts, peer, "request", name_s, tftp_perr_errcode(e), why, why);
		return;
	}
	log_escape(tp.req.filename, tp.req.filename_len, name_s, sizeof(name_s));
	if (tp.op == TFTP_WRQ) {
		refuse(ts, peer, "WRQ", name_s, TFTP_ERR_ACCESS, "write not supported",
		       "write not supported");
		return;
	}
	handle_rrq(ts, peer, &tp.req, name_s);
}

static void listen_io(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct tftp_srv *ts = arg;
	uint8_t pkt[REQ_BUF];

	(void)loop;
	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, pkt, sizeof(pkt), MSG_TRUNC, (struct sockaddr *)&peer,
				     &plen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn_errno("tftp: recvfrom");
			return;
		}
		if (plen < sizeof(peer) || peer.sin_family != AF_INET || peer.sin_port == 0)
			continue;
		if ((size_t)n > sizeof(pkt)) {
			log_debug("tftp: %zd-byte request dropped", n);
			continue;
		}
		handle_request(ts, pkt, (size_t)n, &peer);
	}
}

/* ---- start/stop ---- */

static int open_root(const char *root)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0 && errno == ENOENT) {
		r = mkdir_p(root, 0755);
		if (r < 0)
			return r;
		fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

/* Resources sized for the worst moment of a boot server: a rack powering
 * on at once. A burst of RRQs must not overflow the listening socket's
 * queue (clients only retry after seconds), and every transfer holds two
 * fds (socket, file), which a 1024 soft limit would cap at ~500. */
static void size_resources(int sock, uint32_t max_xfers)
{
	int rcvbuf = 4 << 20;
	struct rlimit rl;
	rlim_t want = 2 * (rlim_t)max_xfers + 1024;

	if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn_errno("tftp: raising the open file limit");
	}
}

/* One client address may hold half the transfer slots (all of them when
 * there are fewer than 4): a PXE client fetches one file at a time, so only
 * something broken or hostile needs more, and half leaves the rest of a
 * rack room to boot. */
static uint32_t per_client_cap(uint32_t max_xfers)
{
	return max_xfers < 4 ? max_xfers : (max_xfers + 1) / 2;
}

int tftp_start(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct tftp_srv *ts = calloc(1, sizeof(*ts));
	char addr[INET_ADDRSTRLEN];
	int r;

	if (!ts)
		return -ENOMEM;
	ts->srv = srv;
	ts->sock = -1;
	ts->lim = (struct tftp_limits){ .blksize_max = cfg->tftp_blksize_max,
					.windowsize_max = cfg->tftp_windowsize_max };
	ts->max_xfers = cfg->tftp_max_transfers;
	ts->max_per_client = per_client_cap(ts->max_xfers);
	inet_ntop(AF_INET, &cfg->address, addr, sizeof(addr));
	ts->rootfd = open_root(cfg->tftp_root);
	if (ts->rootfd < 0) {
		r = ts->rootfd;
		log_err("tftp: root %s: %s", cfg->tftp_root, strerror(-r));
		goto fail;
	}
	ts->sock = tftp_udp_socket(cfg->address, cfg->tftp_port, NULL);
	if (ts->sock < 0) {
		r = ts->sock;
		log_err("tftp: bind %s:%u: %s", addr, cfg->tftp_port, strerror(-r));
		goto fail;
	}
	size_resources(ts->sock, ts->max_xfers);
	ts->sock_watch = loop_add_fd(srv->loop, ts->sock, EPOLLIN, listen_io, ts);
	if (!ts->sock_watch) {
		r = -errno;
		log_err("tftp: event loop: %s", strerror(-r));
		goto fail;
	}
	srv->tftp = ts;
	log_info("tftp: serving %s on %s:%u (blksize <= %u, windowsize <= %u, "
		 "transfers <= %u, <= %u per client)",
		 cfg->tftp_root, addr, cfg->tftp_port, ts->lim.blksize_max, ts->lim.windowsize_max,
		 ts->max_xfers, ts->max_per_client);
	return 0;
fail:
	if (ts->sock >= 0)
		close(ts->sock);
	if (ts->rootfd >= 0)
		close(ts->rootfd);
	free(ts);
	return r;
}

void tftp_stop(struct server *srv)
{
	struct tftp_srv *ts = srv->tftp;

	if (!ts)
		return;
	while (ts->xfers)
		tftp_xfer_end(ts->xfers, "server shutting down", TFTP_ERR_UNDEF);
	loop_del_fd(srv->loop, ts->sock_watch);
	close(ts->sock);
	close(ts->rootfd);
	free(ts);
	srv->tftp = NULL;
}

void tftp_get_stats(const struct server *srv, struct tftp_stats *st)
{
	if (srv->tftp)
		*st = srv->tftp->stats;
	else
		memset(st, 0, sizeof(*st));
}

