/* partition.h - the "partition" step: a fresh msdos/gpt label written with
 * libparted, partitions 1 MiB aligned per the plan, then the partition
 * device nodes awaited (devtmpfs creates them; no udev). */
#ifndef INSTALLER_PARTITION_H
#define INSTALLER_PARTITION_H

#include <stdint.h>
#include <sys/types.h>

struct install;

/* Wait until path is a block device with number want (polling, with a
 * deadline). When sysfs knows the partition but no node appears (no
 * devtmpfs), create the node. Returns 0 or -ETIMEDOUT. */
int partition_wait_node(const char *path, int64_t timeout_ms);

int step_partition(struct install *in);

#endif
