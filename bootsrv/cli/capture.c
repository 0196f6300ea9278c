/* capture.c - see capture.h. The capture runs in bootsrv's own event
 * loop (loop.c): the pcap fd, SIGINT/SIGTERM and the --duration deadline
 * are all loop events; capture_match.c decides what is written. */
#include "capture.h"

#include "capture_match.h"
#include "common/config.h"
#include "hostlist.h"
#include "dhcp/lease_store.h"
#include "common/loop.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SNAPLEN 65535
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define USAGE "usage: bootsrv capture --hosts LIST -o FILE.pcap [--duration S] [--count N] " \
	      "[-i IFACE] [-c FILE]\n"

struct capture {
	const char *config, *hosts_expr, *out, *iface;
	uint64_t duration_s, count;
	struct config cfg;
	struct capture_set set;
	pcap_t *pcap;
	pcap_dumper_t *dump;
	struct loop *loop;
	int fd;			  /* pcap's */
	struct loop_fd *fd_watch; /* never deleted: loop_free frees it */
	uint64_t seen, written;
	bool failed;
};

__attribute__((format(printf, 1, 2))) static void cap_err(const char *fmt, ...)
{
	va_list ap;

	fputs("bootsrv capture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_args(struct capture *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' },
		{ "interface", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	c->config = CONFIG_DEFAULT_PATH;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:H:o:i:d:n:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': c->config = optarg; break;
		case 'H': c->hosts_expr = optarg; break;
		case 'o': c->out = optarg; break;
		case 'i': c->iface = optarg; break;
		case 'd':
			if (parse_u64(optarg, 1, 30 * 86400, &c->duration_s) < 0) {
				cap_err("--duration must be 1-2592000 seconds");
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (parse_u64(optarg, 1, UINT32_MAX, &c->count) < 0) {
				cap_err("--count must be 1-4294967295 packets");
				return EXIT_USAGE;
			}
			break;
		case 'h': fputs(USAGE, stdout); return -1;
		default: fputs(USAGE, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || !c->hosts_expr || !c->out) {
		cap_err(optind != argc ? "unexpected argument '%s'" : "--hosts and -o are required%s",
			optind != argc ? argv[optind] : "");
		fputs(USAGE, stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/* Addresses the daemon handed out and still stand (its lease journal:
 * read only, the daemon owns it), so a host that already has its lease is
 * followed from the first packet. */
static void seed_from_leases(struct capture *c)
{
	char path[2048], *data = NULL;
	size_t len = 0;
	int64_t now = (int64_t)time(NULL);

	snprintf(path, sizeof(path), "%s/leases.journal", c->cfg.state_dir);
	if (read_file(path, 256u << 20, &data, &len) < 0)
		return;
	for (char *line = data, *nl; line < data + len; line = nl + 1) {
		struct lease l;
		nl = memchr(line, '\n', (size_t)(data + len - line));
		if (!nl)
			break;
		if (lease_row_parse(line, (size_t)(nl - line), &l) < 0 || l.state != LEASE_BOUND ||
		    l.expires <= now)
			continue;
		for (size_t i = 0; i < c->set.n; i++)
			if (memcmp(c->set.hosts[i].mac, l.mac, 6) == 0)
				capture_host_add_ip(&c->set.hosts[i], l.ip);
	}
	free(data);
}

static int resolve_hosts(struct capture *c)
{
	char err[256] = "", **names = NULL;
	size_t n = 0;
	int r = hostlist_expand(c->hosts_expr, &names, &n, err, sizeof(err));

	if (r < 0) {
		cap_err("--hosts: %s", err[0] ? err : strerror(-r));
		return EXIT_USAGE;
	}
	c->set.hosts = calloc(n ? n : 1, sizeof(*c->set.hosts));
	for (size_t i = 0; c->set.hosts && i < n; i++) {
		const struct cfg_host *h = config_host_by_name(&c->cfg, names[i]);
		if (!h) {
			cap_err("unknown host '%s' (not in %s)", names[i], c->config);
			r = EXIT_FAILED;
			break;
		}
		struct capture_host *ch = &c->set.hosts[c->set.n++];
		snprintf(ch->name, sizeof(ch->name), "%s", h->name);
		memcpy(ch->mac, h->mac, 6);
		capture_host_add_ip(ch, h->ip);
	}
	hostlist_free(names, n);
	if (!c->set.hosts)
		return EXIT_FAILED;
	if (r == 0)
		seed_from_leases(c);
	return r;
}

static int set_filter(struct capture *c)
{
	struct bpf_program prog;
	char *expr = capture_filter_expr(&c->set);
	int r = -1;

	if (expr && pcap_compile(c->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0) {
		r = pcap_setfilter(c->pcap, &prog);
		pcap_freecode(&prog);
	}
	if (r < 0)
		cap_err("filter '%s': %s", expr ? expr : "?", pcap_geterr(c->pcap));
	free(expr);
	return r;
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)arg;
	enum capture_verdict v;

	if (c->count && c->written >= c->count)
		return;
	c->seen++;
	v = capture_match(&c->set, bytes, h->caplen);
	if (v == CAPTURE_SKIP)
		return;
	pcap_dump((u_char *)c->dump, h, bytes);
	c->written++;
	/* a host's new address: widen the kernel filter to its TFTP/HTTP */
	if (v == CAPTURE_KEEP_LEARNED)
		(void)set_filter(c);
	if (c->count && c->written >= c->count)
		loop_quit(c->loop);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct capture *c = arg;

	(void)fd;
	(void)events;
	if (pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c) < 0) {
		cap_err("%s", pcap_geterr(c->pcap));
		c->failed = true;
		loop_quit(loop);
	}
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	loop_quit(loop);
}

static void on_deadline(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	loop_quit(loop);
}

static int open_capture(struct capture *c)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int fd;

	if (!(c->pcap = pcap_create(c->iface, errbuf))) {
		cap_err("%s: %s", c->iface, errbuf);
		return -1;
	}
	if (pcap_set_snaplen(c->pcap, SNAPLEN) != 0 || pcap_set_promisc(c->pcap, 0) != 0 ||
	    pcap_set_immediate_mode(c->pcap, 1) != 0 || pcap_activate(c->pcap) < 0) {
		cap_err("%s: %s", c->iface, pcap_geterr(c->pcap));
		return -1;
	}
	if (pcap_datalink(c->pcap) != DLT_EN10MB) {
		cap_err("%s: not an Ethernet interface", c->iface);
		return -1;
	}
	if (set_filter(c) < 0)
		return -1;
	if (pcap_setnonblock(c->pcap, 1, errbuf) < 0 || (fd = pcap_get_selectable_fd(c->pcap)) < 0) {
		cap_err("%s: cannot poll the capture", c->iface);
		return -1;
	}
	if (!(c->dump = pcap_dump_open(c->pcap, c->out))) {
		cap_err("%s: %s", c->out, pcap_geterr(c->pcap));
		return -1;
	}
	return fd;
}

static int run(struct capture *c)
{
	if (!(c->loop = loop_new()))
		return EXIT_FAILED;
	/* A shell starts background jobs with SIGINT ignored, and an ignored
	 * signal is discarded even while blocked for the signalfd. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (loop_add_signal(c->loop, SIGINT, on_signal, c) < 0 ||
	    loop_add_signal(c->loop, SIGTERM, on_signal, c) < 0)
		return EXIT_FAILED;
	if ((c->fd = open_capture(c)) < 0 ||
	    !(c->fd_watch = loop_add_fd(c->loop, c->fd, EPOLLIN, on_readable, c)))
		return EXIT_FAILED;
	if (c->duration_s &&
	    !loop_timer_add(c->loop, now_ms() + (int64_t)c->duration_s * 1000, on_deadline, c))
		return EXIT_FAILED;
	fprintf(stderr, "bootsrv capture: capturing %zu host%s on %s into %s\n", c->set.n,
		c->set.n == 1 ? "" : "s", c->iface, c->out);
	if (loop_run(c->loop) < 0)
		c->failed = true;
	/* what is still queued in the kernel belongs to the capture too */
	if (!c->failed && !(c->count && c->written >= c->count))
		(void)pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c);
	if (pcap_dump_flush(c->dump) < 0) {
		cap_err("%s: write failed", c->out);
		c->failed = true;
	}
	printf("bootsrv capture: wrote %llu packet%s to %s (%llu seen)\n",
	       (unsigned long long)c->written, c->written == 1 ? "" : "s", c->out,
	       (unsigned long long)c->seen);
	return c->failed ? EXIT_FAILED : 0;
}

int capture_main(int argc, char **argv)
{
	struct capture c = { 0 };
	int r = parse_args(&c, argc, argv);

	if (r != 0)
		return r < 0 ? 0 : r;
	if (config_load(c.config, &c.cfg, NULL, NULL) != 0) {
		cap_err("cannot use config %s", c.config);
		config_free(&c.cfg);
		return EXIT_FAILED;
	}
	if (!c.iface)
		c.iface = c.cfg.interface;
	r = resolve_hosts(&c);
	if (r == 0)
		r = run(&c);
	if (c.dump)
		pcap_dump_close(c.dump);
	if (c.pcap)
		pcap_close(c.pcap);
	loop_free(c.loop);
	free(c.set.hosts);
	config_free(&c.cfg);
	return r;
}
