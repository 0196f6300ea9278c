/* net_config.c - see net_config.h */
#include "net_config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "install.h"
#include "log.h"
#include "util.h"

#define DHCP_TIMEOUT_MS (180 * 1000)
#define CARRIER_TIMEOUT_MS 10000
#define ARPHRD_ETHER_TYPE 1

static int read_attr(const char *dir, const char *ifname, const char *attr, char *buf, size_t sz)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, ifname, attr);
	return read_first_line(path, buf, sz);
}

int net_find_ifname(const char *sys_class_net, const uint8_t *mac, char ifname[IF_NAMESIZE])
{
	struct dirent *de;
	DIR *d = opendir(sys_class_net);
	int rc = -ENODEV;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char buf[64];
		uint8_t m[6];
		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		if (mac) {
			if (read_attr(sys_class_net, de->d_name, "address", buf, sizeof(buf)) < 0 ||
			    mac_parse(buf, m) < 0 || memcmp(m, mac, 6) != 0)
				continue;
		} else if (strcmp(de->d_name, "lo") == 0 ||
			   read_attr(sys_class_net, de->d_name, "type", buf, sizeof(buf)) < 0 ||
			   strcmp(buf, "1") != 0) {
			continue;
		}
		snprintf(ifname, IF_NAMESIZE, "%s", de->d_name);
		rc = 0;
		break;
	}
	closedir(d);
	return rc;
}

int net_link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}

/* Poll the carrier with a deadline; a NIC without link still gets a try. */
static void wait_carrier(const char *ifname)
{
	int64_t deadline = now_ms() + CARRIER_TIMEOUT_MS;
	char buf[8];

	while (now_ms() < deadline) {
		if (read_attr("/sys/class/net", ifname, "carrier", buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "1") == 0)
			return;
		struct timespec ts = {.tv_nsec = 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	log_warn("%s: no carrier after %d s, trying DHCP anyway", ifname,
		 CARRIER_TIMEOUT_MS / 1000);
}

static int set_addr(int fd, const char *ifname, unsigned long req, struct in_addr a)
{
	struct ifreq ifr;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = a};

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ioctl(fd, req, &ifr) < 0 ? -errno : 0;
}

static int add_default_route(int fd, const struct dhcp_lease *l)
{
	struct rtentry rt;
	struct sockaddr_in any = {.sin_family = AF_INET};
	struct sockaddr_in gw = {.sin_family = AF_INET, .sin_addr = l->router};
	char dev[IF_NAMESIZE];

	memset(&rt, 0, sizeof(rt));
	memcpy(&rt.rt_dst, &any, sizeof(any));
	memcpy(&rt.rt_genmask, &any, sizeof(any));
	memcpy(&rt.rt_gateway, &gw, sizeof(gw));
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	snprintf(dev, sizeof(dev), "%s", l->ifname);
	rt.rt_dev = dev;
	if (ioctl(fd, SIOCADDRT, &rt) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int net_apply_lease(const struct dhcp_lease *l)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	rc = set_addr(fd, l->ifname, SIOCSIFADDR, l->addr);
	if (rc == 0)
		rc = set_addr(fd, l->ifname, SIOCSIFNETMASK, l->mask);
	if (rc == 0)
		rc = set_addr(fd, l->ifname, SIOCSIFBRDADDR, l->broadcast);
	if (rc == 0 && l->router.s_addr != 0)
		rc = add_default_route(fd, l);
	close(fd);
	return rc;
}

int step_net(struct install *in)
{
	const struct inst_args *a = &in->args;
	char ifname[IF_NAMESIZE], err[256], ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	char mac[18], buf[64];
	uint8_t hw[6];
	int r;

	r = net_find_ifname("/sys/class/net", a->have_bootif ? a->bootif : NULL, ifname);
	if (a->have_bootif)
		mac_format(a->bootif, ':', mac);
	else
		snprintf(mac, sizeof(mac), "(no BOOTIF)");
	if (r < 0)
		return install_fail(in, r, "no network interface with MAC %s", mac);
	if (read_attr("/sys/class/net", ifname, "address", buf, sizeof(buf)) < 0 ||
	    mac_parse(buf, hw) < 0)
		return install_fail(in, -ENODEV, "%s: cannot read its MAC address", ifname);
	mac_format(hw, ':', mac);
	if (net_link_up("lo") < 0)
		log_warn("cannot bring lo up");
	r = net_link_up(ifname);
	if (r < 0)
		return install_fail(in, r, "%s: cannot bring it up: %s", ifname, strerror(-r));
	wait_carrier(ifname);
	r = dhcp_run(ifname, hw, DHCP_TIMEOUT_MS, &in->lease, err, sizeof(err));
	if (r < 0)
		return install_fail(in, r, "%s", err);
	r = net_apply_lease(&in->lease);
	if (r < 0)
		return install_fail(in, r, "%s: cannot configure address: %s", ifname,
				    strerror(-r));
	log_info("net: %s %s (%s) mask %s router %s", ifname,
		 inet_ntop(AF_INET, &in->lease.addr, ip, sizeof(ip)), mac,
		 inet_ntoa(in->lease.mask), inet_ntop(AF_INET, &in->lease.router, gw, sizeof(gw)));
	return 0;
}
