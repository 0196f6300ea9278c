/* net_dhcp.c - see net_dhcp.h */
#include "net_dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcp_codec.h"
#include "log.h"
#include "util.h"

#define DHCP_FLAG_BROADCAST 0x8000 /* RFC 2131 4.1: we have no address yet */
#define RETRY_FIRST_MS 4000	   /* RFC 2131 4.1: 4 s, doubled, up to 64 s */
#define RETRY_MAX_MS 16000
#define REQUEST_TRIES 3

static const uint8_t param_req[] = {
    DHO_SUBNET_MASK, DHO_ROUTER,    DHO_DNS,	    DHO_HOSTNAME,
    DHO_DOMAIN_NAME, DHO_BROADCAST, DHO_LEASE_TIME,
};

int dhcp_client_build(uint8_t *buf, size_t bufsz, uint32_t xid, const uint8_t mac[6], uint16_t secs,
		      const struct dhcp_lease *offer)
{
	struct dhcp_builder b;
	uint8_t client_id[7] = {1};

	dhcp_build_init(&b, buf, bufsz, bufsz, DHCP_BOOTREQUEST, NULL);
	dhcp_build_set_xid_chaddr(&b, xid, mac, 6);
	dhcp_build_set_flags(&b, DHCP_FLAG_BROADCAST);
	buf[1] = 1; /* htype: Ethernet (RFC 1700) */
	buf[2] = 6;
	buf[8] = (uint8_t)(secs >> 8);
	buf[9] = (uint8_t)secs;
	memcpy(client_id + 1, mac, 6);
	dhcp_build_u8(&b, DHO_MSG_TYPE, offer ? DHCPREQUEST : DHCPDISCOVER);
	dhcp_build_opt(&b, DHO_CLIENT_ID, client_id, sizeof(client_id));
	dhcp_build_u16(&b, DHO_MAX_MSG_SIZE, DHCP_MAX_MSG);
	if (offer) {
		dhcp_build_addr(&b, DHO_REQUESTED_IP, offer->addr);
		dhcp_build_addr(&b, DHO_SERVER_ID, offer->server);
	}
	dhcp_build_opt(&b, DHO_PARAM_REQ, param_req, sizeof(param_req));
	dhcp_build_opt(&b, DHO_VENDOR_CLASS, "bootsrv-installer", 17);
	return dhcp_build_finish(&b);
}

static void lease_from_msg(const struct dhcp_msg *m, struct dhcp_lease *l)
{
	const struct dhcp_opt *dns = &m->opt[DHO_DNS];

	memset(l, 0, sizeof(*l));
	l->addr = m->yiaddr;
	if (!dhcp_opt_addr(m, DHO_SUBNET_MASK, &l->mask))
		l->mask.s_addr = htonl(0xffffff00u); /* no option 1: assume a /24 */
	if (!dhcp_opt_addr(m, DHO_SERVER_ID, &l->server))
		l->server = m->siaddr;
	if (m->opt[DHO_ROUTER].present && m->opt[DHO_ROUTER].len >= 4)
		memcpy(&l->router, m->opt[DHO_ROUTER].data, 4);
	if (!dhcp_opt_addr(m, DHO_BROADCAST, &l->broadcast))
		l->broadcast.s_addr = l->addr.s_addr | ~l->mask.s_addr;
	for (unsigned i = 0; dns->present && i < DHCP_MAX_DNS && (i + 1) * 4u <= dns->len; i++)
		memcpy(&l->dns[l->n_dns++], dns->data + 4 * i, 4);
	if (!dhcp_opt_u32(m, DHO_LEASE_TIME, &l->lease_time))
		l->lease_time = 0;
}

int dhcp_client_accept(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6],
		       struct dhcp_lease *lease)
{
	struct dhcp_msg *m = malloc(sizeof(*m));
	int type = 0;

	if (!m)
		return 0;
	if (dhcp_parse(buf, len, m) != DHCP_OK || m->op != DHCP_BOOTREPLY || m->xid != xid ||
	    m->hlen != 6 || memcmp(m->chaddr, mac, 6) != 0)
		goto out;
	switch (m->msg_type) {
	case DHCPOFFER:
	case DHCPACK:
		if (m->yiaddr.s_addr == 0)
			goto out;
		lease_from_msg(m, lease);
		type = m->msg_type;
		break;
	case DHCPNAK:
		memset(lease, 0, sizeof(*lease));
		dhcp_opt_addr(m, DHO_SERVER_ID, &lease->server);
		type = DHCPNAK;
		break;
	default:
		break;
	}
out:
	free(m);
	return type;
}

static int open_socket(const char *ifname, char *err, size_t errsz)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errsz, "DHCP socket on %s: %s", ifname, strerror(errno));
	one = -errno;
	if (fd >= 0)
		close(fd);
	return one;
}

/* One transaction with its socket and timers. */
struct dhcp_xfer {
	int fd;
	uint32_t xid;
	const uint8_t *mac;
	int64_t start_ms;
};

static int send_msg(struct dhcp_xfer *x, const struct dhcp_lease *offer)
{
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(DHCP_SERVER_PORT),
				 .sin_addr.s_addr = htonl(INADDR_BROADCAST)};
	uint8_t buf[DHCP_MAX_MSG];
	int64_t secs = (now_ms() - x->start_ms) / 1000;
	int len = dhcp_client_build(buf, sizeof(buf), x->xid, x->mac,
				    (uint16_t)(secs > 0xffff ? 0xffff : secs), offer);

	if (len < 0)
		return -EMSGSIZE;
	if (sendto(x->fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* Wait until deadline for a reply of type want (or a NAK). After an offer
 * was chosen only that server's answer counts (RFC 2131 4.3.2: the REQUEST
 * names it; another server's NAK is not about us). Returns the type, 0 on
 * timeout, -errno. */
static int wait_reply(struct dhcp_xfer *x, const struct dhcp_lease *offer, int want,
		      int64_t deadline, struct dhcp_lease *l)
{
	uint8_t buf[DHCP_MAX_MSG];

	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd pfd = {.fd = x->fd, .events = POLLIN};
		if (left <= 0)
			return 0;
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		ssize_t n = recv(x->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		int type = dhcp_client_accept(buf, (size_t)n, x->xid, x->mac, l);
		if (type && offer && l->server.s_addr && l->server.s_addr != offer->server.s_addr)
			continue;
		if (type == want || type == DHCPNAK)
			return type;
	}
}

/* Send msg and wait for want, retransmitting with doubling timeouts. */
static int exchange(struct dhcp_xfer *x, const struct dhcp_lease *offer, int want, int tries,
		    int64_t deadline, struct dhcp_lease *out)
{
	int64_t wait = RETRY_FIRST_MS;

	for (int i = 0; tries == 0 || i < tries; i++) {
		int64_t now = now_ms(), until;
		if (now >= deadline)
			return 0;
		int r = send_msg(x, offer);
		if (r < 0)
			return r;
		/* up to 1 s of jitter (RFC 2131 4.1: randomised +/- 1 s) */
		until = now + wait - 500 + (int64_t)(x->xid % 1000);
		r = wait_reply(x, offer, want, until < deadline ? until : deadline, out);
		if (r != 0)
			return r;
		wait = wait * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : wait * 2;
	}
	return 0;
}

int dhcp_run(const char *ifname, const uint8_t mac[6], int64_t timeout_ms, struct dhcp_lease *lease,
	     char *err, size_t errsz)
{
	struct dhcp_xfer x = {.mac = mac, .start_ms = now_ms()};
	int64_t deadline = x.start_ms + timeout_ms;
	struct dhcp_lease offer;
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];
	int r = 0;

	x.fd = open_socket(ifname, err, errsz);
	if (x.fd < 0)
		return x.fd;
	while (now_ms() < deadline) {
		if (random_bytes(&x.xid, sizeof(x.xid)) < 0)
			x.xid = (uint32_t)now_ms() ^ ((uint32_t)mac[5] << 24);
		r = exchange(&x, NULL, DHCPOFFER, 0, deadline, &offer);
		if (r < 0)
			break;
		if (r == 0 || r == DHCPNAK)
			continue;
		log_info("dhcp: offer %s from %s", inet_ntop(AF_INET, &offer.addr, a, sizeof(a)),
			 inet_ntop(AF_INET, &offer.server, s, sizeof(s)));
		r = exchange(&x, &offer, DHCPACK, REQUEST_TRIES, deadline, lease);
		if (r == DHCPACK || r < 0)
			break;
		log_warn("dhcp: %s, starting over", r == DHCPNAK ? "NAK" : "no ACK");
	}
	close(x.fd);
	if (r == DHCPACK) {
		snprintf(lease->ifname, sizeof(lease->ifname), "%s", ifname);
		return 0;
	}
	if (r < 0) {
		snprintf(err, errsz, "DHCP on %s: %s", ifname, strerror(-r));
		return r;
	}
	snprintf(err, errsz, "DHCP on %s: no lease within %lld s", ifname,
		 (long long)(timeout_ms / 1000));
	return -ETIMEDOUT;
}
