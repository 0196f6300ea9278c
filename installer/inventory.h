/* inventory.h - the "inventory" step: what the machine is (CPUs, memory,
 * disks, NICs, DMI identity), posted to .../inventory for the server's host
 * view. Best effort: a missing attribute or a failed post never stops an
 * install. */
#ifndef INSTALLER_INVENTORY_H
#define INSTALLER_INVENTORY_H

#include <jansson.h>

struct install;

/* Build the inventory document from /proc and /sys (NULL on OOM). */
json_t *inventory_collect(void);

int step_inventory(struct install *in);

#endif
