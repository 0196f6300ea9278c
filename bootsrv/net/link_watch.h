/* link_watch.h - follow one network interface by name through rtnetlink
 * (libnl-route-3, RTNLGRP_LINK and RTNLGRP_IPV4_IFADDR), driven by the
 * event loop: it goes down or up, disappears, comes back (possibly with
 * another ifindex), gains or loses addresses. */
#ifndef BOOTSRV_LINK_WATCH_H
#define BOOTSRV_LINK_WATCH_H

#include "common/loop.h"

#include <stdbool.h>

struct link_watch;

/* ifindex 0: the interface is gone. up: administratively up with carrier.
 * Called only on a change of either. */
typedef void (*link_watch_cb)(void *arg, int ifindex, bool up);

/* Start watching name; its current state is taken as known (no call for
 * it). NULL with *err = -errno when netlink is unusable. */
struct link_watch *link_watch_start(struct loop *loop, const char *name, link_watch_cb cb,
				    void *arg, int *err);
void link_watch_stop(struct link_watch *w, struct loop *loop);

/* The rule for "up" from interface flags (IFF_*): administratively up and
 * with carrier. */
bool link_is_up(unsigned flags);

#endif
