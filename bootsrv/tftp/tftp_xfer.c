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
 * timer alone (tftp_rto.h: RTT estimate, Karn's rule, bounded exponential
 * backoff, the RFC 2349 timeout honoured). The OACK is the exception: it is
 * resent only when the client repeats its RRQ (see xfer_timeout).
 *
 * Cost per packet: blocks are read ahead into a ring of ready-made packets
 * (header + payload) with one preadv per run of blocks, and a window leaves
 * in one sendmmsg; a retransmitted window is resent from the ring without
 * touching the file. The timer is pushed back lazily: an ACK only moves
 * x->deadline, and the heap entry is re-armed when it fires early. */
#include "tftp_xfer.h"

#include "log.h"
#include "tftp_path.h"
#include "tftp_rto.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct tftp_xfer {
	struct tftp_xfer *prev, *next_x;
	struct tftp_srv *ts;
	int sock;
	struct loop_fd *sock_watch;
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
	bool gso;	  /* send runs of blocks with UDP_SEGMENT */
	unsigned gso_max; /* blocks per GSO send */
	struct loop_timer *timer;
	int64_t deadline; /* when the current window counts as lost */
	int64_t timer_at; /* when the heap entry fires; INT64_MAX while firing */
	struct tftp_rto rto;
	int retries;
	int64_t sent_ms;  /* when the current window was (last) sent */
	bool resent;	  /* ... and it was a resend: no RTT sample (Karn) */
	unsigned retransmits;
	int64_t start_ms;
	struct sockaddr_in peer;
	char peer_s[INET_ADDRSTRLEN + 8];
	char name_s[4 * TFTP_PATH_MAX + 8]; /* escaped, for logs */
	uint8_t oack[128];
	size_t oack_len;
	/* Ready packets for indexes [ring_lo, ring_hi); index i lives in slot
	 * i % nslots, slotsz = TFTP_HDR_LEN + blksize bytes each. */
	uint8_t *ring;
	size_t slotsz;
	uint32_t nslots;
	uint64_t ring_lo, ring_hi;
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
	ts->stats.in_flight--;
	loop_timer_cancel(loop, x->timer);
	if (x->sock >= 0) {
		loop_del_fd(loop, x->sock_watch);
		close(x->sock);
	}
	if (x->fd >= 0)
		close(x->fd);
	free(x->mem);
	free(x->ring);
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
		ts->stats.completed++;
		ts->stats.completed_ms += ms > 0 ? (uint64_t)ms : 0;
		ts->stats.completed_bytes += bytes;
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
	xfer_free(x);
}

/* Push the deadline to now + rto. The heap is only touched when the new
 * deadline is earlier than the pending entry (or none is pending): an ACK
 * per window would otherwise cost a heap removal and insertion. */
static int xfer_arm(struct tftp_xfer *x)
{
	struct loop *loop = x->ts->srv->loop;

	x->deadline = now_ms() + tftp_rto_ms(&x->rto);
	if (x->timer && x->deadline >= x->timer_at)
		return 0;
	x->timer_at = x->deadline;
	if (x->timer) {
		loop_timer_rearm(loop, x->timer, x->deadline);
		return 0;
	}
	x->timer = loop_timer_add(loop, x->deadline, xfer_timeout, x);
	return x->timer ? 0 : -ENOMEM;
}

/* ---- the ring of ready packets ---- */

static uint8_t *slot(const struct tftp_xfer *x, uint64_t idx)
{
	return x->ring + (size_t)(idx % x->nslots) * x->slotsz;
}

static size_t payload_len(const struct tftp_xfer *x, uint64_t idx)
{
	uint64_t off = (idx - 1) * x->p.blksize;

	if (off >= x->size)
		return 0;
	return x->size - off < x->p.blksize ? (size_t)(x->size - off) : x->p.blksize;
}

/* preadv until iov is full or end of file; returns bytes read or -errno. */
static ssize_t read_full(int fd, struct iovec *iov, int niov, off_t pos)
{
	size_t got = 0;

	while (niov > 0) {
		ssize_t r = preadv(fd, iov, niov, pos + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
		while (niov > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			niov--;
		}
		if (niov > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return (ssize_t)got;
}

/* Load indexes [from, to) (at most 64) into the ring with one read. A short
 * read means the file shrank since the transfer began: the block holding
 * the new end becomes the last one, and the client sees a clean end
 * (RFC 1350 section 6: a block shorter than blksize ends the transfer). */
static int ring_load(struct tftp_xfer *x, uint64_t from, uint64_t to)
{
	struct iovec iov[64];
	uint64_t off = (from - 1) * x->p.blksize;
	size_t want = 0;
	ssize_t got;
	int n = 0;

	for (uint64_t i = from; i < to; i++, n++) {
		uint8_t *pkt = slot(x, i);
		size_t len = payload_len(x, i);
		tftp_build_data_hdr(pkt, x->slotsz, (uint16_t)i);
		if (x->fd < 0 && len > 0)
			memcpy(pkt + TFTP_HDR_LEN, x->mem + (i - 1) * x->p.blksize, len);
		iov[n] = (struct iovec){ .iov_base = pkt + TFTP_HDR_LEN, .iov_len = len };
		want += len;
	}
	x->ring_hi = to;
	if (x->fd < 0 || want == 0)
		return 0;
	got = read_full(x->fd, iov, n, (off_t)off);
	if (got < 0)
		return (int)got;
	if ((size_t)got < want) {
		log_warn("tftp: %s \"%s\" shrank to %llu bytes during the transfer", x->peer_s,
			 x->name_s, (unsigned long long)(off + (uint64_t)got));
		x->size = off + (uint64_t)got;
		x->nblocks = x->size / x->p.blksize + 1;
		if (x->ring_hi > x->nblocks + 1)
			x->ring_hi = x->nblocks + 1;
	}
	return 0;
}

/* Make sure index idx (>= base, >= 1) is in the ring, reading ahead as far
 * as the ring allows without evicting anything at or after base. */
static int ring_ensure(struct tftp_xfer *x, uint64_t idx)
{
	uint64_t room, to;

	if (idx < x->ring_lo || idx > x->ring_hi)
		x->ring_lo = x->ring_hi = idx; /* a jump: start afresh */
	if (x->ring_lo < x->base)
		x->ring_lo = x->base; /* acknowledged blocks are never resent */
	if (idx < x->ring_hi)
		return 0;
	room = x->nslots - (x->ring_hi - x->ring_lo);
	if (room == 0) { /* window larger than the ring: reread on resend */
		x->ring_lo = idx;
		room = x->nslots;
	}
	if (room > 64)
		room = 64;
	to = idx + room;
	if (to > x->nblocks + 1)
		to = x->nblocks + 1;
	return ring_load(x, idx, to);
}

/* ---- sending ---- */

static bool send_again(int err)
{
	/* ENOBUFS: the qdisc is full; like EAGAIN, wait and go on. */
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
}

/* UDP GSO (Linux 4.18, UDP_SEGMENT): the ring's consecutive slots are
 * already one buffer of equal-sized datagrams (header + blksize each, the
 * file's last block shorter and last), so a run leaves as one send that the
 * kernel (or the NIC) cuts into packets: one pass through the stack instead
 * of one per block. At most 64 segments and 64 KiB per send. */
static ssize_t send_gso(struct tftp_xfer *x, struct iovec *iov, unsigned n)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	uint16_t seg = (uint16_t)x->slotsz;

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	return sendmsg(x->sock, &mh, 0);
}

/* Send ready packets [from, to) (all in the ring) with one GSO send or one
 * sendmmsg. Returns how many left, -EAGAIN, or another -errno. */
static int send_run(struct tftp_xfer *x, uint64_t from, uint64_t to)
{
	struct mmsghdr mm[64];
	struct iovec iov[64];
	unsigned n = 0, max = x->gso ? x->gso_max : 64;
	int r;

	for (uint64_t i = from; i < to && n < max; i++, n++)
		iov[n] = (struct iovec){ .iov_base = slot(x, i),
					 .iov_len = TFTP_HDR_LEN + payload_len(x, i) };
	if (x->gso && n > 1) {
		if (send_gso(x, iov, n) >= 0) {
			r = (int)n;
			goto sent;
		}
		if (errno != EIO && errno != EINVAL && errno != ENOPROTOOPT)
			return send_again(errno) ? -EAGAIN : -errno;
		/* EIO: no checksum offload on the route's device */
		log_debug("tftp: %s: UDP GSO unavailable (%s)", x->peer_s, strerror(errno));
		x->gso = false;
	}
	for (unsigned k = 0; k < n; k++)
		mm[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[k], .msg_iovlen = 1 } };
	r = sendmmsg(x->sock, mm, n, 0);
	if (r < 0)
		return send_again(errno) ? -EAGAIN : -errno;
sent:
	for (int k = 0; k < r; k++)
		x->ts->stats.bytes_sent += iov[k].iov_len - TFTP_HDR_LEN;
	return r == 0 ? -EAGAIN : r;
}

/* Send packet 0, the OACK. Returns 1 (sent), -EAGAIN or another -errno. */
static int send_oack(struct tftp_xfer *x)
{
	if (send(x->sock, x->oack, x->oack_len, 0) < 0)
		return send_again(errno) ? -EAGAIN : -errno;
	return 1;
}

static void set_want_out(struct tftp_xfer *x, bool on)
{
	if (x->want_out == on)
		return;
	x->want_out = on;
	loop_mod_fd(x->ts->srv->loop, x->sock_watch, on ? EPOLLIN | EPOLLOUT : EPOLLIN);
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
		if (x->next == 0) {
			r = send_oack(x);
		} else {
			r = ring_ensure(x, x->next);
			if (r < 0)
				return r;
			if (x->next > x->nblocks)
				continue; /* the file shrank below it */
			r = send_run(x, x->next, end + 1 < x->ring_hi ? end + 1 : x->ring_hi);
		}
		if (r == -EAGAIN) {
			set_want_out(x, true);
			return 0;
		}
		if (r < 0)
			return r;
		for (uint64_t i = x->next; i < x->next + (uint64_t)r; i++)
			if (i < x->high) {
				x->retransmits++;
				x->ts->stats.retransmits++;
			}
		x->next += (uint64_t)r;
		if (x->next > x->high)
			x->high = x->next;
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
	x->sent_ms = now_ms();
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
	int64_t now = now_ms();

	if (now < x->deadline) { /* ACKs came meanwhile: not lost */
		x->timer_at = x->deadline;
		loop_timer_rearm(loop, t, x->deadline);
		return;
	}
	x->timer_at = INT64_MAX; /* so xfer_arm re-arms the firing entry */
	if (++x->retries > TFTP_MAX_RETRIES) {
		tftp_xfer_end(x, "timed out", TFTP_ERR_UNDEF);
		return;
	}
	tftp_rto_backoff(&x->rto);
	x->resent = true;
	if (x->base == 0) {
		/* The OACK is never resent by the timer. RFC 2347 gives it
		 * no retransmission rule, and atftp 0.8 aborts on a second
		 * OACK ("unexpected OACK"): a busy client that sends its
		 * ACK 0 a little late would lose its transfer. The client
		 * recovers on its own instead: it repeats the RRQ when the
		 * OACK was lost (answered by tftp_xfer_request_again) and
		 * the ACK 0 when that was lost. The timer only gives up. */
		if (xfer_arm(x) < 0)
			tftp_xfer_end(x, "out of memory", TFTP_ERR_UNDEF);
		return;
	}
	restart_window(x);
}

bool tftp_xfer_request_again(struct tftp_xfer *x)
{
	if (x->base != 0 || x->next == 0)
		return true; /* DATA 1 is driven by the timer; OACK not sent yet */
	x->retransmits++;
	x->ts->stats.retransmits++;
	x->resent = true;
	if (send_oack(x) < 0) /* the client asks again if it must */
		log_debug("tftp: %s: OACK not resent: %s", x->peer_s, strerror(errno));
	return true;
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
				x->resent = true;
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
	if (!x->resent)
		tftp_rto_sample(&x->rto, now_ms() - x->sent_ms);
	tftp_rto_ack(&x->rto);
	x->resent = false;
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
		uint64_t base = x->base;
		if (!handle_packet(x, pkt, (size_t)n))
			return;
		/* An ACK that moved the window has just sent the next one,
		 * so the queue is empty but for strays: skip the recv that
		 * would say EAGAIN (epoll is level-triggered and calls
		 * again if anything is left). Lock-step pays it per block. */
		if (x->base != base)
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
 * socket knows the path MTU. Unless the configured cap is above what
 * Ethernet carries: see TFTP_BLKSIZE_ETHERNET. */
static struct tftp_limits route_limits(const struct tftp_srv *ts, int sock, int *mtu)
{
	struct tftp_limits lim = ts->lim;
	socklen_t len = sizeof(*mtu);

	if (getsockopt(sock, IPPROTO_IP, IP_MTU, mtu, &len) < 0)
		*mtu = 0;
	lim.mtu = *mtu > 0 ? (uint32_t)*mtu : 0;
	if (lim.blksize_max > TFTP_BLKSIZE_ETHERNET)
		return lim;
	if (*mtu >= 576) {
		/* IPv4 header without options, UDP header, TFTP header */
		uint32_t fit = (uint32_t)*mtu - 20 - 8 - TFTP_HDR_LEN;
		if (fit < lim.blksize_max)
			lim.blksize_max = fit;
	}
	return lim;
}

/* The ring: a whole window, and at least TFTP_READAHEAD bytes of file so
 * that lock-step transfers read in batches too; no more than the file, and
 * no more than TFTP_RING_MAX unless one window needs it (a configured
 * windowsize_max can). A send buffer that holds a whole window, so that a
 * window leaves in one go. */
static int ring_setup(struct tftp_xfer *x)
{
	uint64_t n = (TFTP_READAHEAD + x->p.blksize - 1) / x->p.blksize;
	int sndbuf;

	x->slotsz = TFTP_HDR_LEN + x->p.blksize;
	if (n * x->slotsz > TFTP_RING_MAX)
		n = TFTP_RING_MAX / x->slotsz;
	if (n < x->p.windowsize)
		n = x->p.windowsize;
	if (n > x->nblocks)
		n = x->nblocks;
	x->nslots = (uint32_t)n;
	x->ring = malloc(x->nslots * x->slotsz);
	if (!x->ring)
		return -ENOMEM;
	/* ~1 KiB of kernel overhead per datagram, whatever its size */
	sndbuf = (int)((x->p.windowsize < 256 ? x->p.windowsize : 256) * (x->slotsz + 1024));
	if (sndbuf > 212992 &&
	    setsockopt(x->sock, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		(void)setsockopt(x->sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return 0;
}

/* Everything but the socket and the ring, from the negotiated parameters. */
static int xfer_init(struct tftp_xfer *x, const struct sockaddr_in *peer, const char *name_s,
		     struct tftp_content *c)
{
	ssize_t n = tftp_build_oack(x->oack, sizeof(x->oack), &x->p);

	if (n < 0)
		return (int)n;
	x->oack_len = (size_t)n;
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
	x->ring_lo = x->ring_hi = 1;
	tftp_rto_init(&x->rto, x->p.timeout_s);
	x->start_ms = now_ms();
	return 0;
}

int tftp_xfer_start(struct tftp_srv *ts, const struct sockaddr_in *peer, const char *name_s,
		    const struct tftp_request *req, struct tftp_content *c)
{
	struct tftp_xfer *x = calloc(1, sizeof(*x));
	struct tftp_limits lim;
	int mtu, r;

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
	lim = route_limits(ts, x->sock, &mtu);
	tftp_negotiate(req, &lim, c->size, &x->p);
	/* GSO segments must each fit the MTU: no IP fragmentation */
	x->gso = mtu > 0 && 20 + 8 + TFTP_HDR_LEN + x->p.blksize <= (uint32_t)mtu;
	x->gso_max = (unsigned)(65000 / (TFTP_HDR_LEN + x->p.blksize));
	if (x->gso_max > 64)
		x->gso_max = 64;
	if (x->gso_max < 2) /* a block near 64 KiB: one datagram per send */
		x->gso = false;
	x->nblocks = c->size / x->p.blksize + 1;
	r = ring_setup(x);
	if (r < 0)
		goto fail;
	r = xfer_init(x, peer, name_s, c);
	if (r < 0)
		goto fail;
	x->sock_watch = loop_add_fd(ts->srv->loop, x->sock, EPOLLIN, xfer_io, x);
	if (!x->sock_watch) {
		r = -errno;
		goto fail_content;
	}
	x->next_x = ts->xfers;
	if (ts->xfers)
		ts->xfers->prev = x;
	ts->xfers = x;
	ts->stats.in_flight++;
	ts->stats.started++;
	restart_window(x); /* on failure it ends (and logs) the transfer itself */
	return 0;
fail_content: /* hand the content back: the caller still owns it then */
	c->fd = x->fd;
	c->mem = x->mem;
fail:
	if (x->sock >= 0)
		close(x->sock);
	free(x->ring);
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

uint32_t tftp_xfer_count_from(const struct tftp_srv *ts, struct in_addr addr)
{
	uint32_t n = 0;

	for (const struct tftp_xfer *x = ts->xfers; x; x = x->next_x)
		n += x->peer.sin_addr.s_addr == addr.s_addr;
	return n;
}

bool tftp_xfer_acked(const struct tftp_xfer *x)
{
	return x->acked_any;
}
