/* http_metrics.c - see http_metrics.h. One metric family per table row so
 * names, help texts and types stay together. */
#include "http_metrics.h"

#include "dhcp/dhcp_server.h"
#include "daemon/hoststate.h"
#include "dhcp/rogue_pcap.h"
#include "tftp/tftp_xfer.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct metric {
	const char *name, *type, *help;
	uint64_t value;
};

static void put(FILE *f, const struct metric *m)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", m->name, m->help, m->name, m->type,
		m->name, (unsigned long long)m->value);
}

void http_metrics_hosts(FILE *f, struct server *srv)
{
	struct hoststate *hs = srv->hosts;
	size_t per_state[HOST_FAILED + 1] = { 0 };
	size_t n = hs ? hoststate_count(hs) : 0;
	const struct hoststate_stats *st = hs ? hoststate_stats(hs) : NULL;

	for (size_t i = 0; i < n; i++)
		per_state[hoststate_at(hs, i)->state]++;
	fprintf(f, "# HELP bootsrv_hosts Configured hosts by install state.\n"
		   "# TYPE bootsrv_hosts gauge\n");
	for (size_t s = 0; s < ARRAY_SIZE(per_state); s++)
		fprintf(f, "bootsrv_hosts{state=\"%s\"} %zu\n", host_state_names[s], per_state[s]);
	fprintf(f, "# HELP bootsrv_install_percent Last reported progress of hosts installing.\n"
		   "# TYPE bootsrv_install_percent gauge\n");
	for (size_t i = 0; i < n; i++) {
		const struct host_rt *h = hoststate_at(hs, i);
		if (h->state == HOST_INSTALLING)
			fprintf(f, "bootsrv_install_percent{host=\"%s\"} %d\n", h->cfg->name,
				h->percent);
	}
	if (!st)
		return;
	fprintf(f,
		"# HELP bootsrv_installs_total Installs finished since start-up, by result.\n"
		"# TYPE bootsrv_installs_total counter\n"
		"bootsrv_installs_total{result=\"ok\"} %llu\n"
		"bootsrv_installs_total{result=\"failed\"} %llu\n",
		(unsigned long long)st->installs_ok, (unsigned long long)st->installs_failed);
	/* a summary without quantiles: rate(sum) / rate(count) is the mean */
	fprintf(f, "# HELP bootsrv_install_duration_seconds Installer start to done, good installs.\n"
		   "# TYPE bootsrv_install_duration_seconds summary\n"
		   "bootsrv_install_duration_seconds_sum %llu\n"
		   "bootsrv_install_duration_seconds_count %llu\n",
		(unsigned long long)st->install_seconds_sum, (unsigned long long)st->installs_ok);
}

/* Per network, labelled with its CIDR: what it served, its pool's size
 * and its bound leases (one walk over the leases per scrape). */
enum net_value { NET_COUNTER, NET_POOL, NET_LEASES };

static void dhcp_networks(FILE *f, struct dhcp_logic *dl)
{
	static const struct {
		const char *name, *type, *help;
		enum net_value what;
		size_t off; /* NET_COUNTER: in struct dhcp_net_stats */
	} fam[] = {
		{ "bootsrv_dhcp_network_offers_total", "counter", "DHCPOFFERs sent, by network.",
		  NET_COUNTER, offsetof(struct dhcp_net_stats, offers) },
		{ "bootsrv_dhcp_network_acks_total", "counter", "DHCPACKs sent, by network.",
		  NET_COUNTER, offsetof(struct dhcp_net_stats, acks) },
		{ "bootsrv_dhcp_network_naks_total", "counter", "DHCPNAKs sent, by network.",
		  NET_COUNTER, offsetof(struct dhcp_net_stats, naks) },
		{ "bootsrv_dhcp_network_pool_exhausted_total", "counter",
		  "Requests the network's pool had no address for.", NET_COUNTER,
		  offsetof(struct dhcp_net_stats, pool_exhausted) },
		{ "bootsrv_dhcp_network_misplaced_total", "counter",
		  "Requests from listed hosts whose reserved address is in another network.",
		  NET_COUNTER, offsetof(struct dhcp_net_stats, misplaced) },
		{ "bootsrv_dhcp_network_pool_addresses", "gauge",
		  "Addresses in the network's dynamic pool.", NET_POOL, 0 },
		{ "bootsrv_dhcp_network_leases", "gauge",
		  "Bound, unexpired leases in the network (reservations included).", NET_LEASES, 0 },
	};
	uint64_t *leases = calloc(dl->nnets, sizeof(*leases));
	char net[CIDR_STRLEN];

	if (leases)
		dhcp_logic_net_leases(dl, leases);
	for (size_t k = 0; k < ARRAY_SIZE(fam); k++) {
		if (fam[k].what == NET_LEASES && !leases)
			continue; /* out of memory: better no figure than a wrong one */
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fam[k].name, fam[k].help, fam[k].name,
			fam[k].type);
		for (size_t i = 0; i < dl->nnets; i++) {
			const struct dhcp_net *n = &dl->nets[i];
			uint64_t v = 0;
			if (fam[k].what == NET_POOL)
				v = n->pool_size;
			else if (fam[k].what == NET_LEASES)
				v = leases[i];
			else
				memcpy(&v, (const char *)&n->stats + fam[k].off, sizeof(v));
			cidr_format(n->cfg->subnet, n->cfg->netmask, net);
			fprintf(f, "%s{network=\"%s\"} %llu\n", fam[k].name, net,
				(unsigned long long)v);
		}
	}
	free(leases);
}

void http_metrics_dhcp_tftp(FILE *f, const struct server *srv)
{
	const struct dhcp_stats *d = srv->dhcp ? dhcp_srv_stats(srv->dhcp) : NULL;
	struct tftp_stats t;

	if (d) {
		const struct metric dm[] = {
			{ "bootsrv_dhcp_received_total", "counter", "DHCP datagrams received.",
			  d->received },
			{ "bootsrv_dhcp_malformed_total", "counter",
			  "DHCP datagrams that did not parse.", d->malformed },
			{ "bootsrv_dhcp_ignored_total", "counter", "DHCP datagrams not for us.",
			  d->ignored },
			{ "bootsrv_dhcp_offers_total", "counter", "DHCPOFFERs sent.", d->offers },
			{ "bootsrv_dhcp_acks_total", "counter", "DHCPACKs sent.", d->acks },
			{ "bootsrv_dhcp_naks_total", "counter", "DHCPNAKs sent.", d->naks },
			{ "bootsrv_dhcp_pool_exhausted_total", "counter",
			  "Requests the pool had no address for.", d->pool_exhausted },
			{ "bootsrv_dhcp_refused_total", "counter",
			  "Requests not answered while another DHCP server was present.",
			  d->refused },
		};
		for (size_t i = 0; i < ARRAY_SIZE(dm); i++)
			put(f, &dm[i]);
		rogue_watch_metrics(f, dhcp_srv_rogue(srv->dhcp));
		dhcp_networks(f, dhcp_srv_logic(srv->dhcp));
		const struct dhcp_logic *dl = dhcp_srv_logic(srv->dhcp);
		const struct metric disc[] = {
		    {"bootsrv_discovered", "gauge", "Unknown MACs that PXE-booted, remembered.",
		     dl ? dl->disc.n : 0},
		    {"bootsrv_discovered_evicted_total", "counter",
		     "Discovered MACs forgotten for newer ones (the table is full).",
		     dl ? dl->disc.evicted : 0},
		};
		for (size_t i = 0; i < ARRAY_SIZE(disc); i++)
			put(f, &disc[i]);
	}
	tftp_get_stats(srv, &t);
	const struct metric tm[] = {
		{ "bootsrv_tftp_requests_total", "counter", "TFTP requests received.", t.requests },
		{ "bootsrv_tftp_refused_total", "counter", "TFTP requests answered with an error.",
		  t.refused },
		{ "bootsrv_tftp_started_total", "counter", "TFTP transfers started.", t.started },
		{ "bootsrv_tftp_completed_total", "counter",
		  "TFTP transfers whose last block was acknowledged.", t.completed },
		{ "bootsrv_tftp_failed_total", "counter", "TFTP transfers that failed.", t.failed },
		{ "bootsrv_tftp_in_flight", "gauge", "TFTP transfers running now.", t.in_flight },
		{ "bootsrv_tftp_sent_bytes_total", "counter",
		  "TFTP DATA payload bytes sent, retransmissions included.", t.bytes_sent },
		{ "bootsrv_tftp_retransmits_total", "counter", "TFTP packets sent again.",
		  t.retransmits },
		{ "bootsrv_tftp_completed_bytes_total", "counter",
		  "Sizes of the files of completed TFTP transfers, summed.", t.completed_bytes },
	};
	for (size_t i = 0; i < ARRAY_SIZE(tm); i++)
		put(f, &tm[i]);
	/* a summary without quantiles: rate(sum) / rate(count) is the mean */
	fprintf(f,
		"# HELP bootsrv_tftp_transfer_duration_seconds Request to last ACK, completed "
		"transfers.\n"
		"# TYPE bootsrv_tftp_transfer_duration_seconds summary\n"
		"bootsrv_tftp_transfer_duration_seconds_sum %llu.%03llu\n"
		"bootsrv_tftp_transfer_duration_seconds_count %llu\n",
		(unsigned long long)(t.completed_ms / 1000), (unsigned long long)(t.completed_ms % 1000),
		(unsigned long long)t.completed);
}
