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

int disk_part_number(const char *disk, const char *partdev, unsigned *partno)
{
	size_t n, i;
	unsigned long v = 0;

	if (!disk || !partdev || !partno)
		return -EINVAL;
	n = strlen(disk);
	if (n == 0 || disk[n - 1] == '/')
		return -EINVAL;
	if (strncmp(partdev, disk, n) != 0)
		return -ENOENT;
	i = n;
	if (isdigit((unsigned char)disk[n - 1]) && partdev[i++] != 'p')
		return -ENOENT;
	/* digits only, no leading zero, at most 4 (the kernel's limit is 256 for
	 * msdos extended, 128 entries for gpt by default) */
	if (partdev[i] < '1' || partdev[i] > '9' || strlen(partdev + i) > 4)
		return -ENOENT;
	for (; partdev[i]; i++) {
		if (!isdigit((unsigned char)partdev[i]))
			return -ENOENT;
		v = v * 10 + (unsigned long)(partdev[i] - '0');
	}
	*partno = (unsigned)v;
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

int disk_dev_path(const char *sysname, char *out, size_t outsz)
{
	static const char prefix[] = "/dev/";
	size_t n = sysname ? strlen(sysname) : 0;

	if (n == 0 || strchr(sysname, '/') || strstr(sysname, "..") || sysname[0] == '!' ||
	    sysname[n - 1] == '!')
		return -EINVAL;
	if (sizeof(prefix) - 1 + n >= outsz)
		return -ENAMETOOLONG;
	memcpy(out, prefix, sizeof(prefix) - 1);
	for (size_t i = 0; i <= n; i++)
		out[sizeof(prefix) - 1 + i] = sysname[i] == '!' ? '/' : sysname[i];
	return 0;
}
