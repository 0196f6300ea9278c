/* net_config.h - the "net" step: find the BOOTIF interface by MAC, bring it
 * up, run DHCP, configure address, netmask and default route (ioctl). */
#ifndef INSTALLER_NET_CONFIG_H
#define INSTALLER_NET_CONFIG_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "net_dhcp.h"

struct install;

/* Interface whose /sys/class/net/IF/address is mac (or, mac == NULL, the
 * first Ethernet interface). Returns 0 or -ENODEV. */
int net_find_ifname(const char *sys_class_net, const uint8_t *mac, char ifname[IF_NAMESIZE]);
int net_link_up(const char *ifname);
int net_apply_lease(const struct dhcp_lease *l);
int step_net(struct install *in);

#endif
