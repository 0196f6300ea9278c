/* rogue_pcap.h - the rogue-DHCP watch: libpcap on the serving interface,
 * driven from the event loop (no thread). See rogue_detect.h for what it
 * decides; this file only probes, captures and keeps time. */
#ifndef BOOTSRV_ROGUE_PCAP_H
#define BOOTSRV_ROGUE_PCAP_H

#include "common/config.h"
#include "common/loop.h"
#include "rogue_detect.h"

#include <stdio.h>

struct rogue_watch;

/* Open the capture, run the start-up round (blocks for ROGUE_WINDOW_MS so
 * that no client is answered before we know whether another server is
 * there), then probe every cfg->rogue_interval seconds from the loop.
 * An interface whose link is down at start (not up, or no carrier: the
 * cable goes in later) starts the watch paused and unverified: in
 * authoritative mode nobody is answered until the round run when the
 * link comes up (see rogue_watch_link; without netlink the periodic timer
 * notices) has found no other server. Returns NULL with *err = -errno
 * when the capture cannot be opened otherwise. */
struct rogue_watch *rogue_watch_start(struct loop *loop, const struct config *cfg, int *err);
void rogue_watch_stop(struct rogue_watch *w, struct loop *loop);

/* The serving interface's link changed (link_watch_cb's arguments: ifindex
 * 0 when it is gone). Gone or down: the capture is closed (its fd leaves
 * the loop) and the watch is paused, logged once. Up again, above all
 * with another ifindex (deleted and created again; a capture is bound to
 * the ifindex it was opened on and hears nothing on the new one): the
 * capture is opened on it and a probe round runs at once, logged as
 * resumed. A capture that fails by itself (pcap_dispatch or pcap_inject)
 * is logged once and closed too, and reopened at the next probe time
 * unless the link is known to be away.
 *
 * While paused, the verdict stays what the last whole round measured: in
 * authoritative mode bootsrv keeps serving if it served, keeps refusing if
 * another server was there. A round cut short by the pause counts for
 * nothing (not hearing a server is not seeing it go), and the round run
 * on resuming decides again. NULL w: nothing to do. */
void rogue_watch_link(struct rogue_watch *w, struct loop *loop, int ifindex, bool up);

/* True while DHCP must stay silent. NULL (no watch) never blocks. */
bool rogue_watch_blocks(const struct rogue_watch *w);

/* Prometheus text for /metrics: what the watch has seen. */
void rogue_watch_metrics(FILE *f, const struct rogue_watch *w);

#endif
