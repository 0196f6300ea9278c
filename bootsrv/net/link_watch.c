/* link_watch.c - see link_watch.h. */
#include "link_watch.h"

#include "log.h"
#include "nl_errno.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct link_watch {
	struct nl_sock *sk;
	struct loop_fd *sk_watch; /* the socket's fd, in the loop */
	char name[IF_NAMESIZE];
	int ifindex; /* 0: absent */
	bool up;
	link_watch_cb cb;
	void *arg;
};

bool link_is_up(unsigned flags)
{
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

static void set_state(struct link_watch *w, int ifindex, bool up)
{
	if (ifindex == w->ifindex && up == w->up)
		return;
	w->ifindex = ifindex;
	w->up = up;
	w->cb(w->arg, ifindex, up);
}

static void on_link(struct link_watch *w, struct rtnl_link *l, int msgtype)
{
	const char *name = rtnl_link_get_name(l);

	if (!name || strcmp(name, w->name) != 0)
		return;
	if (msgtype == RTM_DELLINK)
		set_state(w, 0, false);
	else
		set_state(w, rtnl_link_get_ifindex(l), link_is_up(rtnl_link_get_flags(l)));
}

static void on_addr(struct link_watch *w, struct rtnl_addr *a, int msgtype)
{
	char buf[64];

	if (rtnl_addr_get_ifindex(a) != w->ifindex || !rtnl_addr_get_local(a))
		return;
	log_info("link: %s %s address %s", w->name, msgtype == RTM_DELADDR ? "lost" : "has",
		 nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf)));
}

static void on_object(struct nl_object *obj, void *arg)
{
	struct link_watch *w = arg;
	int type = nl_object_get_msgtype(obj);

	if (type == RTM_NEWLINK || type == RTM_DELLINK)
		on_link(w, (struct rtnl_link *)obj, type);
	else if (type == RTM_NEWADDR || type == RTM_DELADDR)
		on_addr(w, (struct rtnl_addr *)obj, type);
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	(void)nl_msg_parse(msg, on_object, arg);
	return NL_OK;
}

/* The interface's state now, asked directly (at start and after the
 * event queue overflowed and events were lost). */
static void resync(struct link_watch *w)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *l = NULL;

	if (sk && nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    rtnl_link_get_kernel(sk, 0, w->name, &l) == 0) {
		set_state(w, rtnl_link_get_ifindex(l), link_is_up(rtnl_link_get_flags(l)));
		rtnl_link_put(l);
	} else {
		set_state(w, 0, false);
	}
	nl_socket_free(sk);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct link_watch *w = arg;
	int r;

	(void)loop;
	(void)fd;
	(void)events;
	r = nl_recvmsgs_default(w->sk);
	if (r == -NLE_NOMEM || r == -NLE_DUMP_INTR || r == -NLE_MSG_OVERFLOW) {
		log_warn("link: netlink events lost (%s): asking for %s's state", nl_geterror(r),
			 w->name);
		resync(w);
	} else if (r < 0 && r != -NLE_AGAIN) {
		log_warn("link: netlink: %s", nl_geterror(r));
	}
}

static void first_state(void *arg, int ifindex, bool up)
{
	(void)arg;
	(void)ifindex;
	(void)up;
}

struct link_watch *link_watch_start(struct loop *loop, const char *name, link_watch_cb cb,
				    void *arg, int *err)
{
	struct link_watch *w = calloc(1, sizeof(*w));
	int r = -NLE_NOMEM;

	if (!w || !(w->sk = nl_socket_alloc()))
		goto fail;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->cb = first_state;
	resync(w);
	w->cb = cb;
	w->arg = arg;
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	if ((r = nl_connect(w->sk, NETLINK_ROUTE)) < 0 ||
	    (r = nl_socket_add_memberships(w->sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, 0)) < 0 ||
	    (r = nl_socket_set_nonblocking(w->sk)) < 0)
		goto fail;
	if (!(w->sk_watch = loop_add_fd(loop, nl_socket_get_fd(w->sk), EPOLLIN, on_readable, w))) {
		*err = -errno;
		link_watch_stop(w, NULL);
		return NULL;
	}
	return w;
fail:
	log_err("link: netlink: %s", nl_geterror(r));
	*err = nl_errno(r);
	link_watch_stop(w, NULL);
	return NULL;
}

void link_watch_stop(struct link_watch *w, struct loop *loop)
{
	if (!w)
		return;
	if (loop)
		loop_del_fd(loop, w->sk_watch);
	nl_socket_free(w->sk);
	free(w);
}
