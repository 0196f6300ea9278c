/* frozen_name.c - see frozen_name.h. */
#include "frozen_name.h"

#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int frozen_name_format(const char *image, uint64_t gen, char *out, size_t outsz)
{
	if (!name_valid(image) || strlen(image) > NAME_MAX_LEN || gen == 0 || gen > FROZEN_GEN_MAX)
		return -EINVAL;
	if (snprintf(out, outsz, "%s@%llu", image, (unsigned long long)gen) >= (int)outsz)
		return -ENAMETOOLONG;
	return 0;
}

int frozen_name_parse(const char *s, char *image, uint64_t *gen)
{
	const char *at = strrchr(s, '@');
	char name[NAME_MAX_LEN + 1];
	uint64_t g = 0;
	size_t n;

	if (!at || (n = (size_t)(at - s)) == 0 || n > NAME_MAX_LEN)
		return -EINVAL;
	memcpy(name, s, n);
	name[n] = '\0';
	if (!name_valid(name) || at[1] < '1' || at[1] > '9' || strlen(at + 1) > 11)
		return -EINVAL;
	for (const char *p = at + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		g = g * 10 + (uint64_t)(*p - '0');
	}
	if (g > FROZEN_GEN_MAX)
		return -EINVAL;
	if (image)
		memcpy(image, name, n + 1);
	if (gen)
		*gen = g;
	return 0;
}

/* FNV-1a over the bytes, then a final mix (splitmix64) so that summing
 * entries does not let similar entries cancel out. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t frozen_fp_entry(const char *relpath, const struct stat *st)
{
	uint64_t f[] = {(uint64_t)st->st_ino,	       (uint64_t)st->st_mode,
			(uint64_t)st->st_uid,	       (uint64_t)st->st_gid,
			(uint64_t)st->st_size,	       (uint64_t)st->st_mtim.tv_sec,
			(uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_rdev};
	uint64_t h = fnv(0xcbf29ce484222325ULL, relpath, strlen(relpath) + 1);

	return mix(fnv(h, f, sizeof(f)));
}

bool frozen_gc_may_delete(const struct frozen_snap *snap)
{
	return !snap->in_use && !snap->newest;
}

uint64_t frozen_wait_for(uint64_t running, uint64_t last_seq, bool *start)
{
	*start = running == 0;
	return running ? running + 1 : last_seq + 1;
}
