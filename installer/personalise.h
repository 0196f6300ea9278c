/* personalise.h - the "personalise" step: what makes the installed copy of
 * the golden image this host and no other:
 *   - machine-id reset (empty /etc/machine-id: systemd makes a new one on
 *     first boot; a regular /var/lib/dbus/machine-id removed),
 *   - SSH host keys of the golden client removed, new ones made by the
 *     image's own `ssh-keygen -A` in a chroot (absent: left absent, logged),
 *   - /etc/network/interfaces for the NIC that booted, when the image uses
 *     ifupdown (see ifupdown_render),
 *   - the host's txt records in /etc/bootsrv/host.txt for hooks.
 * (hostname and /etc/hosts: the "hostname" step.) */
#ifndef INSTALLER_PERSONALISE_H
#define INSTALLER_PERSONALISE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct install;

#define HOST_TXT_PATH "/etc/bootsrv/host.txt"

/* The name systemd-udev's default NamePolicy (onboard, slot, path) gives
 * the PCI NIC kernel_name: "eno1" (acpi_index/index), "ens3" (a PCI slot
 * in sys/bus/pci/slots), "enp0s3" (bus/slot/function). sys is the sysfs
 * root ("/sys"). Returns 0 or -ENOENT (not PCI: no predictable name). */
int net_predictable_name(const char *sys, const char *kernel_name, char out[IF_NAMESIZE]);

/* /etc/network/interfaces for the booting NIC (DHCP): "auto KERNEL" when
 * the installed system keeps kernel names; when it renames (udev's
 * predictable names, pred_name != NULL) "allow-hotplug PRED" plus an
 * allow-hotplug stanza for KERNEL in case renaming is off. The old file's
 * "source" lines are kept; its stanzas (the golden client's NICs) are not. */
int ifupdown_render(FILE *out, const char *old, const char *hostname, const char *mac,
		    const char *kernel_name, const char *pred_name);

int step_personalise(struct install *in);

#endif
