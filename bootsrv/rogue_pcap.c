/* rogue_pcap.c - see rogue_pcap.h. */
#include "rogue_pcap.h"

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
	pcap_t *pcap;
	int fd;
	struct loop_timer *timer;
	bool listening; /* the timer ends a round (else it starts one) */
	int64_t interval_ms;
	char ifname[sizeof(((struct config *)0)->interface)];
	struct rogue det;
};

static int iface_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		r = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return r;
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct rogue_watch *w = (struct rogue_watch *)arg;

	(void)rogue_note_frame(&w->det, bytes, h->caplen);
}

static void drain(struct rogue_watch *w)
{
	if (pcap_dispatch(w->pcap, -1, on_packet, (u_char *)w) < 0)
		log_warn("dhcp: capture on %s: %s", w->ifname, pcap_geterr(w->pcap));
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	drain(arg);
}

static void send_probe(struct rogue_watch *w)
{
	uint8_t frame[SNAPLEN];
	uint32_t xid;
	int n;

	if (random_bytes(&xid, sizeof(xid)) < 0)
		xid = (uint32_t)now_ms();
	n = rogue_build_probe(&w->det, xid, frame, sizeof(frame));
	rogue_round_start(&w->det);
	if (n < 0 || pcap_inject(w->pcap, frame, (size_t)n) != n)
		log_warn("dhcp: probe DISCOVER on %s not sent: %s", w->ifname,
			 n < 0 ? "cannot build it" : pcap_geterr(w->pcap));
}

/* Alternates: start a round (probe) / end it WINDOW later. */
static void on_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct rogue_watch *w = arg;

	if (w->listening) {
		drain(w); /* what arrived just before the deadline still counts */
		(void)rogue_round_end(&w->det);
		w->listening = false;
		loop_timer_rearm(loop, t, now_ms() + w->interval_ms);
	} else {
		send_probe(w);
		w->listening = true;
		loop_timer_rearm(loop, t, now_ms() + ROGUE_WINDOW_MS);
	}
}

static int open_pcap(struct rogue_watch *w)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;

	w->pcap = pcap_create(w->ifname, errbuf);
	if (!w->pcap)
		goto fail;
	if (pcap_set_snaplen(w->pcap, SNAPLEN) != 0 || pcap_set_promisc(w->pcap, 0) != 0 ||
	    pcap_set_immediate_mode(w->pcap, 1) != 0 || pcap_activate(w->pcap) < 0)
		goto fail_pcap;
	if (pcap_datalink(w->pcap) != DLT_EN10MB) {
		snprintf(errbuf, sizeof(errbuf), "not an Ethernet interface");
		goto fail;
	}
	if (pcap_compile(w->pcap, &prog, FILTER, 1, PCAP_NETMASK_UNKNOWN) < 0)
		goto fail_pcap;
	int r = pcap_setfilter(w->pcap, &prog);
	pcap_freecode(&prog);
	if (r < 0 || pcap_setnonblock(w->pcap, 1, errbuf) < 0 ||
	    (w->fd = pcap_get_selectable_fd(w->pcap)) < 0)
		goto fail_pcap;
	return 0;
fail_pcap:
	snprintf(errbuf, sizeof(errbuf), "%s", pcap_geterr(w->pcap));
fail:
	log_err("dhcp: cannot capture on %s for rogue-server detection: %s", w->ifname, errbuf);
	return -EIO;
}

/* The start-up round, before the loop runs: nobody is answered until it
 * is known whether another server is there. */
static void startup_round(struct rogue_watch *w)
{
	int64_t end = now_ms() + ROGUE_WINDOW_MS, left;
	struct pollfd pfd = {.fd = w->fd, .events = POLLIN};

	send_probe(w);
	while ((left = end - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) > 0)
			drain(w);
	}
	drain(w);
	(void)rogue_round_end(&w->det);
	if (w->det.nservers == 0)
		log_info("dhcp: no other DHCP server answered the probe on %s", w->ifname);
}

struct rogue_watch *rogue_watch_start(struct loop *loop, const struct config *cfg, int *err)
{
	struct rogue_watch *w = calloc(1, sizeof(*w));
	uint8_t mac[6];
	int r;

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->fd = -1;
	w->interval_ms = (int64_t)cfg->rogue_interval * 1000;
	snprintf(w->ifname, sizeof(w->ifname), "%s", cfg->interface);
	if ((r = iface_mac(w->ifname, mac)) < 0) {
		log_err("dhcp: %s: cannot read its MAC: %s", w->ifname, strerror(-r));
		goto fail;
	}
	rogue_init(&w->det, cfg, mac);
	if ((r = open_pcap(w)) < 0)
		goto fail;
	startup_round(w);
	if ((r = loop_add_fd(loop, w->fd, EPOLLIN, on_readable, w)) < 0)
		goto fail;
	w->timer = loop_timer_add(loop, now_ms() + w->interval_ms, on_timer, w);
	if (!w->timer) {
		loop_del_fd(loop, w->fd);
		r = -ENOMEM;
		goto fail;
	}
	log_info("dhcp: checking for other DHCP servers on %s every %u s", w->ifname,
		 cfg->rogue_interval);
	return w;
fail:
	if (w->pcap)
		pcap_close(w->pcap);
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
	if (w->fd >= 0)
		loop_del_fd(loop, w->fd);
	pcap_close(w->pcap);
	free(w);
}

bool rogue_watch_blocks(const struct rogue_watch *w)
{
	return w && rogue_blocks(&w->det);
}

void rogue_watch_metrics(FILE *f, const struct rogue_watch *w)
{
	const struct rogue *d;
	char sid[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN], mac[18];

	fprintf(f, "# HELP bootsrv_dhcp_serving 1 while DHCP answers clients, 0 while it refuses "
		   "because another server is on the segment.\n# TYPE bootsrv_dhcp_serving gauge\n"
		   "bootsrv_dhcp_serving %d\n",
		rogue_watch_blocks(w) ? 0 : 1);
	if (!w)
		return;
	d = &w->det;
	fprintf(f,
		"# HELP bootsrv_dhcp_rogue_probes_total Probe DISCOVERs sent.\n"
		"# TYPE bootsrv_dhcp_rogue_probes_total counter\n"
		"bootsrv_dhcp_rogue_probes_total %llu\n"
		"# HELP bootsrv_dhcp_rogue_replies_total OFFERs/ACKs seen from other servers.\n"
		"# TYPE bootsrv_dhcp_rogue_replies_total counter\n"
		"bootsrv_dhcp_rogue_replies_total %llu\n"
		"# HELP bootsrv_dhcp_other_servers Other DHCP servers answering now.\n"
		"# TYPE bootsrv_dhcp_other_servers gauge\n"
		"bootsrv_dhcp_other_servers %zu\n",
		(unsigned long long)d->probes, (unsigned long long)d->foreign_replies, d->nservers);
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
