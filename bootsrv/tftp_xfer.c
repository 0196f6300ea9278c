/* tftp_xfer.c - see tftp_xfer.h
 *
 * A transfer is a sequence of packet indexes: 0 is the OACK (when options
 * were acknowledged), 1..nblocks are DATA blocks. Block numbers on the wire
 * are the index modulo 65536, so files of more than 65535 blocks roll over
 * to block 0 as tftpd-hpa, atftpd, curl and pxelinux expect.
 *
 * Windowing (RFC 7440): the sender keeps [base, base + windowsize - 1] in
 * flight; windowsize 1 is RFC 1350 lock-step. An ACK of index a moves base
 * to a + 1 and the next window starts there, which also covers "the client
 * saw a gap and acknowledged the last block before it" (RFC 7440 section 4).
 * Duplicate ACKs never cause a resend in lock-step: that is the Sorcerer's
 * Apprentice bug (RFC 1123 section 4.2.3.1); retransmission is driven by the
 * timer alone, with exponential backoff. */
#include "tftp_xfer.h"

#include "log.h"
#include "tftp_path.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct tftp_xfer {
	struct tftp_xfer *prev, *next_x;
	struct tftp_srv *ts;
	int sock;
	int fd;		  /* file, or -1 when the content is in mem */
	uint8_t *mem;	  /* generated file or netascii-converted content */
	uint64_t size;	  /* bytes to send; lowered when the file shrinks */
	struct tftp_params p;
	uint64_t nblocks; /* index of the last DATA block */
	uint64_t base;	  /* first unacknowledged index */
	uint64_t next;	  /* next index to send in the current window */
	uint64_t high;	  /* one past the highest index ever sent */
	bool acked_any;	  /* the client acknowledged something */
	bool dup_resent;  /* the current window was already resent for a dup ACK */
	bool want_out;	  /* waiting for EPOLLOUT to finish a window */
	struct loop_timer *timer;
	int rto_ms, rto_max_ms, retries;
	unsigned retransmits;
	int64_t start_ms;
	struct sockaddr_in peer;
	char peer_s[INET_ADDRSTRLEN + 8];
	char name_s[4 * TFTP_PATH_MAX + 8]; /* escaped, for logs */
	uint8_t *buf;			    /* one packet: header + blksize */
	size_t bufsz;
};

static void xfer_timeout(struct loop *loop, struct loop_timer *t, void *arg);

void tftp_format_peer(const struct sockaddr_in *sin, char *out, size_t outsz)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(out, outsz, "%s:%u", a, ntohs(sin->sin_port));
}

void tftp_send_error(int sock, const struct sockaddr_in *to, uint16_t code, const char *msg)
{
	uint8_t pkt[512];
	ssize_t n = tftp_build_error(pkt, sizeof(pkt), code, msg);

	if (n > 0 && sendto(sock, pkt, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		log_debug("tftp: sending ERROR: %s", strerror(errno));
}

/* ---- transfer lifetime ---- */

static void xfer_free(struct tftp_xfer *x)
{
	struct tftp_srv *ts = x->ts;
	struct loop *loop = ts->srv->loop;

	if (x->prev)
		x->prev->next_x = x->next_x;
	else
		ts->xfers = x->next_x;
	if (x->next_x)
		x->next_x->prev = x->prev;
	ts->stats.active--;
	loop_timer_cancel(loop, x->timer);
	if (x->sock >= 0) {
		loop_del_fd(loop, x->sock);
		close(x->sock);
	}
	if (x->fd >= 0)
		close(x->fd);
	free(x->mem);
	free(x->buf);
	free(x);
}

static uint64_t xfer_bytes_acked(const struct tftp_xfer *x)
{
	uint64_t blocks = x->base > 0 ? x->base - 1 : 0;
	uint64_t b = blocks * x->p.blksize;

	return b < x->size ? b : x->size;
}

/* Not told with an ERROR: a client that sent ERROR itself (RFC 1350
 * section 7) or is unreachable. */
void tftp_xfer_end(struct tftp_xfer *x, const char *why, int errcode)
{
	struct tftp_srv *ts = x->ts;
	long long ms = (long long)(now_ms() - x->start_ms);
	unsigned long long bytes = (unsigned long long)xfer_bytes_acked(x);

	if (!why) {
		bytes = (unsigned long long)x->size;
		ts->stats.done++;
		ts->stats.bytes += x->size;
		log_info("tftp: %s \"%s\" sent %llu bytes in %lld ms, %u retransmits "
			 "(blksize %u, windowsize %u)",
			 x->peer_s, x->name_s, bytes, ms, x->retransmits, x->p.blksize,
			 x->p.windowsize);
	} else {
		ts->stats.failed++;
		log_info("tftp: %s \"%s\" failed after %llu bytes in %lld ms, %u retransmits: %s",
			 x->peer_s, x->name_s, bytes, ms, x->retransmits, why);
		if (errcode >= 0)
			tftp_send_error(x->sock, &x->peer, (uint16_t)errcode, why);
	}
	ts->stats.retransmits += x->retransmits;
	xfer_free(x);
}

static int xfer_arm(struct tftp_xfer *x)
{
	struct loop *loop = x->ts->srv->loop;
	int64_t deadline = now_ms() + x->rto_ms;

	if (x->timer) {
		loop_timer_rearm(loop, x->timer, deadline);
		return 0;
	}
	x->timer = loop_timer_add(loop, deadline, xfer_timeout, x);
	return x->timer ? 0 : -ENOMEM;
}

/* ---- sending ---- */

/* Fill x->buf with DATA block idx; returns its payload length or -errno.
 * A short read means the file shrank since the transfer began: that block
 * becomes the last one, and the client sees a clean end (RFC 1350 section 6:
 * a block shorter than blksize ends the transfer). */
static ssize_t fill_block(struct tftp_xfer *x, uint64_t idx)
{
	uint64_t off = (idx - 1) * x->p.blksize;
	size_t want = 0, got = 0;

	if (off < x->size)
		want = x->size - off < x->p.blksize ? (size_t)(x->size - off) : x->p.blksize;
	tftp_build_data_hdr(x->buf, x->bufsz, (uint16_t)idx);
	if (x->fd < 0) {
		if (want > 0)
			memcpy(x->buf + TFTP_HDR_LEN, x->mem + off, want);
		return (ssize_t)want;
	}
	while (got < want) {
		ssize_t r = pread(x->fd, x->buf + TFTP_HDR_LEN + got, want - got,
				  (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got < want) {
		log_warn("tftp: %s \"%s\" shrank to %llu bytes during the transfer", x->peer_s,
			 x->name_s, (unsigned long long)(off + got));
		x->size = off + got;
		x->nblocks = idx;
	}
	return (ssize_t)got;
}

/* Send packet idx (0: the OACK). Returns 0, -EAGAIN or another -errno. */
static int send_packet(struct tftp_xfer *x, uint64_t idx)
{
	ssize_t n;

	if (idx == 0) {
		n = tftp_build_oack(x->buf, x->bufsz, &x->p);
	} else {
		n = fill_block(x, idx);
		if (n >= 0)
			n += TFTP_HDR_LEN;
	}
	if (n < 0)
		return (int)n;
	if (send(x->sock, x->buf, (size_t)n, 0) < 0) {
		/* ENOBUFS: the qdisc is full; like EAGAIN, wait and go on. */
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return -EAGAIN;
		return -errno;
	}
	return 0;
}

static void set_want_out(struct tftp_xfer *x, bool on)
{
	if (x->want_out == on)
		return;
	x->want_out = on;
	loop_mod_fd(x->ts->srv->loop, x->sock, on ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* Send what is left of the current window; returns 0 or -errno (fatal). */
static int send_window(struct tftp_xfer *x)
{
	for (;;) {
		uint64_t end = x->base == 0 ? 0 : x->base + x->p.windowsize - 1;
		int r;

		if (end > x->nblocks)
			end = x->nblocks;
		if (x->next > end)
			break;
		r = send_packet(x, x->next);
		if (r == -EAGAIN) {
			set_want_out(x, true);
			return 0;
		}
		if (r < 0)
			return r;
		if (x->next < x->high)
			x->retransmits++;
		else
			x->high = x->next + 1;
		x->next++;
	}
	set_want_out(x, false);
	return 0;
}

/* (Re)start the window at base and arm the retransmission timer. Ends the
 * transfer on failure; returns false then (x is gone). */
static bool restart_window(struct tftp_xfer *x)
{
	int r;

	x->next = x->base;
	if (xfer_arm(x) < 0) {
		tftp_xfer_end(x, "out of memory", TFTP_ERR_UNDEF);
		return false;
	}
	r = send_window(x);
	if (r < 0) {
		char why[96];
		snprintf(why, sizeof(why), "send: %s", strerror(-r));
		tftp_xfer_end(x, why, r == -ECONNREFUSED ? -1 : TFTP_ERR_UNDEF);
		return false;
	}
	return true;
}

static void xfer_timeout(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct tftp_xfer *x = arg;

	(void)loop;
	(void)t;
	if (++x->retries > TFTP_MAX_RETRIES) {
		tftp_xfer_end(x, "timed out", TFTP_ERR_UNDEF);
		return;
	}
	x->rto_ms = x->rto_ms * 2 > x->rto_max_ms ? x->rto_max_ms : x->rto_ms * 2;
	restart_window(x);
}

/* ---- receiving ---- */

/* Returns false when the transfer ended (x is freed). */
static bool handle_ack(struct tftp_xfer *x, uint16_t block)
{
	uint64_t last, a;
	uint16_t delta;

	if (x->base == 0) { /* waiting for ACK 0 of the OACK (RFC 2347) */
		if (block != 0)
			return true;
		a = 0;
	} else {
		last = x->base - 1;
		delta = (uint16_t)(block - (uint16_t)last);
		if (delta == 0) {
			/* Duplicate: in lock-step ignore it (Sorcerer's
			 * Apprentice). With a window, a repeated ACK means
			 * the first block of the window was lost; resend the
			 * window once, then leave it to the timer. */
			if (x->p.windowsize > 1 && !x->dup_resent) {
				x->dup_resent = true;
				return restart_window(x);
			}
			return true;
		}
		a = last + delta;
		if (a >= x->high)
			return true; /* acknowledges something never sent: stray */
	}
	x->acked_any = true;
	x->base = a + 1;
	x->retries = 0;
	x->dup_resent = false;
	x->rto_ms = x->p.timeout_s ? (int)x->p.timeout_s * 1000 : TFTP_RTO_MS;
	if (a >= x->nblocks && a > 0) {
		tftp_xfer_end(x, NULL, -1);
		return false;
	}
	return restart_window(x);
}

/* One datagram from the client; returns false when x was freed. */
static bool handle_packet(struct tftp_xfer *x, const uint8_t *pkt, size_t len)
{
	struct tftp_packet tp;
	enum tftp_perr e = tftp_parse(pkt, len, &tp);

	if (e != TFTP_P_OK) {
		log_debug("tftp: %s: %s, ignored", x->peer_s, tftp_perr_names[e]);
		return true;
	}
	if (tp.op == TFTP_ACK)
		return handle_ack(x, tp.block);
	if (tp.op == TFTP_ERROR) {
		char msg[160], why[200];
		log_escape(tp.errmsg, tp.errmsg_len, msg, sizeof(msg));
		/* pxelinux and UEFI firmware often fetch only tsize and abort
		 * with ERROR: expected, logged like any other end. */
		snprintf(why, sizeof(why), "client sent ERROR %u \"%s\"", tp.errcode, msg);
		tftp_xfer_end(x, why, -1);
		return false;
	}
	log_debug("tftp: %s: unexpected opcode %u, ignored", x->peer_s, (unsigned)tp.op);
	return true;
}

static void xfer_io(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct tftp_xfer *x = arg;
	uint8_t pkt[1024];

	(void)loop;
	if ((events & EPOLLOUT) && x->want_out) {
		int r = send_window(x);
		if (r < 0) {
			tftp_xfer_end(x, "send failed", TFTP_ERR_UNDEF);
			return;
		}
	}
	/* Bounded, so one client cannot starve the others. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fd, pkt, sizeof(pkt), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			/* ECONNREFUSED: ICMP port unreachable, the client
			 * has gone away. */
			char why[96];
			snprintf(why, sizeof(why), "receive: %s", strerror(errno));
			tftp_xfer_end(x, why, -1);
			return;
		}
		if (!handle_packet(x, pkt, (size_t)n))
			return;
	}
}

/* ---- starting a transfer ---- */

int tftp_udp_socket(struct in_addr addr, uint16_t port, const struct sockaddr_in *peer)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(port),
				     .sin_addr = addr };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r;

	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    (peer && connect(s, (const struct sockaddr *)peer, sizeof(*peer)) < 0)) {
		r = -errno;
		close(s);
		return r;
	}
	return s;
}

/* Never offer a block the route's MTU would fragment: many PXE ROMs do not
 * reassemble IP fragments (dnsmasq clamps the same way). The connected
 * socket knows the path MTU. */
static struct tftp_limits route_limits(const struct tftp_srv *ts, int sock)
{
	struct tftp_limits lim = ts->lim;
	int mtu = 0;
	socklen_t len = sizeof(mtu);

	if (getsockopt(sock, IPPROTO_IP, IP_MTU, &mtu, &len) == 0 && mtu >= 576) {
		/* IPv4 header without options, UDP header, TFTP header */
		uint32_t fit = (uint32_t)mtu - 20 - 8 - TFTP_HDR_LEN;
		if (fit < lim.blksize_max)
			lim.blksize_max = fit;
	}
	return lim;
}

int tftp_xfer_start(struct tftp_srv *ts, const struct sockaddr_in *peer, const char *name_s,
		    const struct tftp_request *req, struct tftp_content *c)
{
	struct tftp_xfer *x = calloc(1, sizeof(*x));
	struct tftp_limits lim;
	int r;

	if (!x)
		return -ENOMEM;
	x->ts = ts;
	x->fd = -1;
	/* Port 0: a fresh ephemeral port is the transfer's TID (RFC 1350
	 * section 4); connect() makes the kernel drop other TIDs' packets. */
	x->sock = tftp_udp_socket(ts->srv->cfg->address, 0, peer);
	if (x->sock < 0) {
		r = x->sock;
		goto fail;
	}
	lim = route_limits(ts, x->sock);
	tftp_negotiate(req, &lim, c->size, &x->p);
	/* At least 512 bytes: an OACK can outgrow a tiny blksize. */
	x->bufsz = TFTP_HDR_LEN + (x->p.blksize > 512 ? x->p.blksize : 512);
	x->buf = malloc(x->bufsz);
	if (!x->buf) {
		r = -ENOMEM;
		goto fail;
	}
	r = loop_add_fd(ts->srv->loop, x->sock, EPOLLIN, xfer_io, x);
	if (r < 0)
		goto fail;
	x->fd = c->fd;
	x->mem = c->mem;
	x->size = c->size;
	c->fd = -1;
	c->mem = NULL;
	x->peer = *peer;
	tftp_format_peer(peer, x->peer_s, sizeof(x->peer_s));
	snprintf(x->name_s, sizeof(x->name_s), "%s", name_s);
	/* size/blksize full blocks, then one short (possibly empty) block. */
	x->nblocks = x->size / x->p.blksize + 1;
	x->base = x->p.oack_mask ? 0 : 1;
	x->rto_ms = x->p.timeout_s ? (int)x->p.timeout_s * 1000 : TFTP_RTO_MS;
	x->rto_max_ms = x->rto_ms > TFTP_RTO_MAX_MS ? x->rto_ms : TFTP_RTO_MAX_MS;
	x->start_ms = now_ms();
	x->next_x = ts->xfers;
	if (ts->xfers)
		ts->xfers->prev = x;
	ts->xfers = x;
	ts->stats.active++;
	restart_window(x); /* on failure it ends (and logs) the transfer itself */
	return 0;
fail:
	if (x->sock >= 0)
		close(x->sock);
	free(x->buf);
	free(x);
	return r;
}

struct tftp_xfer *tftp_xfer_find(struct tftp_srv *ts, const struct sockaddr_in *peer)
{
	for (struct tftp_xfer *x = ts->xfers; x; x = x->next_x)
		if (x->peer.sin_port == peer->sin_port &&
		    x->peer.sin_addr.s_addr == peer->sin_addr.s_addr)
			return x;
	return NULL;
}

bool tftp_xfer_acked(const struct tftp_xfer *x)
{
	return x->acked_any;
}
