/* disk_naming.c - see disk_naming.h */
#include "disk_naming.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int disk_part_name(const char *disk, unsigned partno, char *out, size_t outsz)
{
	size_t n;
	int w;

	if (!disk || partno == 0 || outsz == 0)
		return -EINVAL;
	n = strlen(disk);
	if (n == 0 || disk[n - 1] == '/')
		return -EINVAL;
	/* drivers/block/partitions/core.c: disk names ending in a digit get "p" */
	if (isdigit((unsigned char)disk[n - 1]))
		w = snprintf(out, outsz, "%sp%u", disk, partno);
	else
		w = snprintf(out, outsz, "%s%u", disk, partno);
	if (w < 0 || (size_t)w >= outsz)
		return -ENAMETOOLONG;
	return 0;
}

int disk_sysfs_name(const char *devpath, char *out, size_t outsz)
{
	static const char prefix[] = "/dev/";
	const char *name;
	size_t n;

	if (!devpath || strncmp(devpath, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	name = devpath + sizeof(prefix) - 1;
	n = strlen(name);
	if (n == 0 || strstr(name, "..") || name[n - 1] == '/')
		return -EINVAL;
	if (n >= outsz)
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		out[i] = name[i] == '/' ? '!' : name[i];
	return 0;
}
