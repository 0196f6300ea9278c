/* rogue_pcap.h - the rogue-DHCP watch: libpcap on the serving interface,
 * driven from the event loop (no thread). See rogue_detect.h for what it
 * decides; this file only probes, captures and keeps time. */
#ifndef BOOTSRV_ROGUE_PCAP_H
#define BOOTSRV_ROGUE_PCAP_H

#include "config.h"
#include "loop.h"
#include "rogue_detect.h"

#include <stdio.h>

struct rogue_watch;

/* Open the capture, run the start-up round (blocks for ROGUE_WINDOW_MS so
 * that no client is answered before we know whether another server is
 * there), then probe every cfg->rogue_interval seconds from the loop.
 * Returns NULL with *err = -errno when the capture cannot be opened. */
struct rogue_watch *rogue_watch_start(struct loop *loop, const struct config *cfg, int *err);
void rogue_watch_stop(struct rogue_watch *w, struct loop *loop);

/* True while DHCP must stay silent. NULL (no watch) never blocks. */
bool rogue_watch_blocks(const struct rogue_watch *w);

/* Prometheus text for /metrics: what the watch has seen. */
void rogue_watch_metrics(FILE *f, const struct rogue_watch *w);

#endif
