/* rogue_pcap.c - see rogue_pcap.h. */
#include "rogue_pcap.h"

#include "net/link_watch.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define SNAPLEN 1600
/* Only DHCP reaches us: the kernel drops everything else. */
#define FILTER "udp and (port 67 or port 68)"

struct rogue_watch {
	pcap_t *pcap;		  /* NULL while paused */
	int fd;			  /* pcap's, in the loop; -1 without pcap */
	struct loop_fd *fd_watch; /* NULL while fd is not in the loop */
	int ifindex;		  /* the interface the capture is bound to */
	struct loop_timer *timer;
	bool listening;	    /* the timer ends a round (else it starts one) */
	bool link_down;	    /* the link is gone or down: wait for it */
	bool quiet;	    /* a failure was logged: no other until a round ends */
	bool paused_logged; /* a pause was logged: log the resumption */
	bool err_woke;	    /* the last wake-up: an error, nothing read */
	bool unverified;    /* started paused: no round has run yet */
	int64_t interval_ms;
	char ifname[sizeof(((struct config *)0)->interface)];
	struct rogue det;
};

/* ioctl req on a socket for ifname's ifreq. Returns 0 or -errno. */
static int iface_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd, r = 0;

	memset(ifr, 0, sizeof(*ifr));
	if (strlen(ifname) >= sizeof(ifr->ifr_name))
		return -ENAMETOOLONG;
	memcpy(ifr->ifr_name, ifname, strlen(ifname));
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (ioctl(fd, req, ifr) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* The interface's link by link_watch.c's rule (up and with carrier): 1
 * up, 0 down (no probe would reach anyone, nor any client us), -1 when
 * it cannot be told (gone). */
static int iface_link(const char *ifname)
{
	struct ifreq ifr;

	if (iface_ioctl(ifname, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	return link_is_up((unsigned short)ifr.ifr_flags) ? 1 : 0;
}

static int iface_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int r = iface_ioctl(ifname, SIOCGIFHWADDR, &ifr);

	if (r == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct rogue_watch *w = (struct rogue_watch *)arg;

	(void)rogue_note_frame(&w->det, bytes, h->caplen);
}

/* Close the capture; its fd leaves the loop (if it was in it). A round
 * under way is abandoned: servers it did not hear were not heard, not
 * gone. */
static void capture_close(struct rogue_watch *w, struct loop *loop)
{
	if (!w->pcap)
		return;
	loop_del_fd(loop, w->fd_watch);
	w->fd_watch = NULL;
	pcap_close(w->pcap);
	w->pcap = NULL;
	w->fd = -1;
	w->ifindex = 0;
	w->listening = w->err_woke = false;
}

/* Failures are logged once, then not again until a round has worked: a
 * capture that keeps failing must not write a line per probe. */
static void pause_failed(struct rogue_watch *w, const char *what, const char *why)
{
	if (w->quiet)
		return;
	log_warn("dhcp: rogue-server detection on %s paused: %s: %s", w->ifname, what, why);
	w->quiet = w->paused_logged = true;
}

/* Read what the capture holds; false when it failed (it is closed then).
 * libpcap takes the socket's error itself: an interface deleted is an
 * error, one gone down reads as nothing (0). An error condition still
 * there on the next wake-up would wake the level-triggered loop forever:
 * it closes the capture too. */
static bool drain(struct rogue_watch *w, struct loop *loop, uint32_t events)
{
	int n = pcap_dispatch(w->pcap, -1, on_packet, (u_char *)w);
	bool err_woke = n == 0 && (events & (EPOLLERR | EPOLLHUP));

	if (n >= 0 && !(err_woke && w->err_woke)) {
		w->err_woke = err_woke;
		return true;
	}
	pause_failed(w, "capture", n < 0 ? pcap_geterr(w->pcap) : "error condition on the socket");
	capture_close(w, loop);
	return false;
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)drain(arg, loop, events);
}

/* Start a round; false when the probe could not be sent (the capture is
 * closed then: no round runs, so silence is not taken for an answer). */
static bool send_probe(struct rogue_watch *w, struct loop *loop)
{
	uint8_t frame[SNAPLEN];
	uint32_t xid;
	int n;

	if (random_bytes(&xid, sizeof(xid)) < 0)
		xid = (uint32_t)now_ms();
	n = rogue_build_probe(&w->det, xid, frame, sizeof(frame));
	if (n < 0 || pcap_inject(w->pcap, frame, (size_t)n) != n) {
		pause_failed(w, "probe DISCOVER not sent",
			     n < 0 ? "cannot build it" : pcap_geterr(w->pcap));
		capture_close(w, loop);
		return false;
	}
	rogue_round_start(&w->det);
	return true;
}

static void round_end(struct rogue_watch *w)
{
	(void)rogue_round_end(&w->det);
	w->quiet = false;
	if (w->unverified && w->det.nservers == 0)
		log_info("dhcp: no other DHCP server answered the probe on %s: serving", w->ifname);
	w->unverified = false;
}

/* pcap on w->ifname; a message in why when it fails. */
static int open_pcap(struct rogue_watch *w, char why[PCAP_ERRBUF_SIZE])
{
	struct bpf_program prog;

	why[0] = '\0';
	w->pcap = pcap_create(w->ifname, why);
	if (!w->pcap)
		return -EIO;
	if (pcap_set_snaplen(w->pcap, SNAPLEN) != 0 || pcap_set_promisc(w->pcap, 0) != 0 ||
	    pcap_set_immediate_mode(w->pcap, 1) != 0 || pcap_activate(w->pcap) < 0)
		goto fail_pcap;
	if (pcap_datalink(w->pcap) != DLT_EN10MB) {
		snprintf(why, PCAP_ERRBUF_SIZE, "not an Ethernet interface");
		goto fail;
	}
	if (pcap_compile(w->pcap, &prog, FILTER, 1, PCAP_NETMASK_UNKNOWN) < 0)
		goto fail_pcap;
	int r = pcap_setfilter(w->pcap, &prog);
	pcap_freecode(&prog);
	if (r < 0 || pcap_setnonblock(w->pcap, 1, why) < 0 ||
	    (w->fd = pcap_get_selectable_fd(w->pcap)) < 0)
		goto fail_pcap;
	return 0;
fail_pcap:
	snprintf(why, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(w->pcap));
fail:
	pcap_close(w->pcap);
	w->pcap = NULL;
	w->fd = -1;
	return -EIO;
}

/* Capture on the interface that has w->ifname now, its fd in the loop;
 * the detector takes its MAC (one created again may have another). */
static int capture_open(struct rogue_watch *w, struct loop *loop, char why[PCAP_ERRBUF_SIZE])
{
	uint8_t mac[6];
	int r;

	if ((r = iface_mac(w->ifname, mac)) < 0) {
		snprintf(why, PCAP_ERRBUF_SIZE, "cannot read its MAC: %s", strerror(-r));
		return r;
	}
	if ((r = open_pcap(w, why)) < 0)
		return r;
	if (!(w->fd_watch = loop_add_fd(loop, w->fd, EPOLLIN, on_readable, w))) {
		r = -errno;
		snprintf(why, PCAP_ERRBUF_SIZE, "%s", strerror(-r));
		capture_close(w, loop);
		return r;
	}
	w->ifindex = (int)if_nametoindex(w->ifname);
	rogue_set_mac(&w->det, mac);
	return 0;
}

/* Paused, and the link is not known to be away: try the capture again. */
static bool capture_reopen(struct rogue_watch *w, struct loop *loop)
{
	char why[PCAP_ERRBUF_SIZE];

	if (capture_open(w, loop, why) < 0) {
		pause_failed(w, "cannot capture", why);
		return false;
	}
	if (w->paused_logged)
		log_info("dhcp: rogue-server detection on %s resumed (ifindex %d): probing now",
			 w->ifname, w->ifindex);
	w->paused_logged = false;
	return true;
}

/* Alternates: start a round (probe) / end it WINDOW later. Paused, it
 * reopens the capture first (unless the link is away) and probes at once. */
static void on_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct rogue_watch *w = arg;

	if (w->listening) {
		/* what arrived just before the deadline still counts */
		if (drain(w, loop, 0))
			round_end(w);
		w->listening = false;
	} else if (w->link_down && iface_link(w->ifname) == 1) {
		/* up without a word from link_watch (it may have failed) */
		w->link_down = false;
		loop_timer_rearm(loop, t, now_ms());
		return;
	} else if ((w->pcap || (!w->link_down && capture_reopen(w, loop))) && send_probe(w, loop)) {
		w->listening = true;
		loop_timer_rearm(loop, t, now_ms() + ROGUE_WINDOW_MS);
		return;
	}
	loop_timer_rearm(loop, t, now_ms() + w->interval_ms);
}

void rogue_watch_link(struct rogue_watch *w, struct loop *loop, int ifindex, bool up)
{
	if (!w)
		return;
	if (ifindex == 0 || !up) {
		w->link_down = true;
		if (w->pcap) {
			log_warn("dhcp: rogue-server detection on %s paused: %s", w->ifname,
				 ifindex ? "link down" : "the interface is gone");
			w->paused_logged = true;
			capture_close(w, loop);
		}
		return;
	}
	if (w->pcap && w->ifindex == ifindex && !w->link_down)
		return; /* still capturing there */
	w->link_down = false;
	if (w->pcap) { /* bound to an ifindex that is gone (events were lost) */
		capture_close(w, loop);
		w->paused_logged = true;
	}
	/* The timer reopens the capture and probes: at once, like at start. */
	loop_timer_rearm(loop, w->timer, now_ms());
}

/* The start-up round, before the loop runs: nobody is answered until it
 * is known whether another server is there. */
static void startup_round(struct rogue_watch *w, struct loop *loop)
{
	int64_t end = now_ms() + ROGUE_WINDOW_MS, left;
	struct pollfd pfd = {.fd = w->fd, .events = POLLIN};

	if (!send_probe(w, loop))
		return;
	while ((left = end - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) > 0 &&
		    !drain(w, loop, pfd.revents & (POLLERR | POLLHUP) ? EPOLLERR : 0))
			return;
	}
	if (!drain(w, loop, 0))
		return;
	round_end(w);
	if (w->det.nservers == 0)
		log_info("dhcp: no other DHCP server answered the probe on %s", w->ifname);
}

struct rogue_watch *rogue_watch_start(struct loop *loop, const struct config *cfg, int *err)
{
	struct rogue_watch *w = calloc(1, sizeof(*w));
	static const uint8_t no_mac[6];
	char why[PCAP_ERRBUF_SIZE];
	int r;

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->fd = -1;
	w->interval_ms = (int64_t)cfg->rogue_interval * 1000;
	snprintf(w->ifname, sizeof(w->ifname), "%s", cfg->interface);
	rogue_init(&w->det, cfg, no_mac); /* capture_open sets the MAC */
	if (iface_link(w->ifname) == 0) {
		/* A probe now would reach nobody and prove nothing (pcap opens
		 * on an interface without carrier). No client reaches us either:
		 * wait for the link, answer nobody until a round has run. */
		log_warn("dhcp: rogue-server detection on %s waits for the link: it is down",
			 w->ifname);
		w->link_down = w->paused_logged = w->unverified = true;
	} else if ((r = capture_open(w, loop, why)) >= 0) {
		startup_round(w, loop);
	} else {
		log_err("dhcp: cannot capture on %s for rogue-server detection: %s", w->ifname,
			why);
		goto fail;
	}
	w->timer = loop_timer_add(loop, now_ms() + w->interval_ms, on_timer, w);
	if (!w->timer) {
		r = -ENOMEM;
		goto fail;
	}
	log_info("dhcp: checking for other DHCP servers on %s every %u s", w->ifname,
		 cfg->rogue_interval);
	return w;
fail:
	capture_close(w, loop);
	free(w);
	*err = r;
	return NULL;
}

void rogue_watch_stop(struct rogue_watch *w, struct loop *loop)
{
	if (!w)
		return;
	if (w->timer)
		loop_timer_cancel(loop, w->timer);
	capture_close(w, loop);
	free(w);
}

bool rogue_watch_blocks(const struct rogue_watch *w)
{
	if (!w)
		return false;
	if (w->unverified && !w->det.proxy && !w->det.allow)
		return true;
	return rogue_blocks(&w->det);
}

void rogue_watch_metrics(FILE *f, const struct rogue_watch *w)
{
	const struct rogue *d;
	char sid[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN], mac[18];

	fprintf(f, "# HELP bootsrv_dhcp_serving 1 while DHCP answers clients, 0 while it refuses "
		   "because another server is on the segment (or, down since start-up, the "
		   "segment has not been probed yet).\n# TYPE bootsrv_dhcp_serving gauge\n"
		   "bootsrv_dhcp_serving %d\n",
		rogue_watch_blocks(w) ? 0 : 1);
	if (!w)
		return;
	d = &w->det;
	fprintf(f,
		"# HELP bootsrv_dhcp_rogue_probes_total Probe DISCOVERs sent.\n"
		"# TYPE bootsrv_dhcp_rogue_probes_total counter\n"
		"bootsrv_dhcp_rogue_probes_total %llu\n"
		"# HELP bootsrv_dhcp_rogue_watch_active 1 while the rogue-server watch captures on "
		"the interface, 0 while it is paused (interface gone or down, capture failed).\n"
		"# TYPE bootsrv_dhcp_rogue_watch_active gauge\n"
		"bootsrv_dhcp_rogue_watch_active %d\n"
		"# HELP bootsrv_dhcp_rogue_replies_total OFFERs/ACKs seen from other servers.\n"
		"# TYPE bootsrv_dhcp_rogue_replies_total counter\n"
		"bootsrv_dhcp_rogue_replies_total %llu\n"
		"# HELP bootsrv_dhcp_other_servers Other DHCP servers answering now.\n"
		"# TYPE bootsrv_dhcp_other_servers gauge\n"
		"bootsrv_dhcp_other_servers %zu\n",
		(unsigned long long)d->probes, w->pcap ? 1 : 0,
		(unsigned long long)d->foreign_replies, d->nservers);
	fprintf(f, "# HELP bootsrv_dhcp_other_server One per other DHCP server answering now.\n"
		   "# TYPE bootsrv_dhcp_other_server gauge\n");
	for (size_t i = 0; i < d->nservers; i++) {
		const struct rogue_server *s = &d->servers[i];
		inet_ntop(AF_INET, &s->server_id, sid, sizeof(sid));
		inet_ntop(AF_INET, &s->ip, ip, sizeof(ip));
		mac_format(s->mac, ':', mac);
		fprintf(f, "bootsrv_dhcp_other_server{server_id=\"%s\",mac=\"%s\",ip=\"%s\"} 1\n",
			sid, mac, ip);
	}
}
