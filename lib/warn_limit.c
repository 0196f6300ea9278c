/* warn_limit.c - see warn_limit.h */
#include "warn_limit.h"

#include "util.h"

#include <string.h>

void warn_limit_init(struct warn_limit *wl, int64_t window)
{
	memset(wl, 0, sizeof(*wl));
	wl->window = window;
}

bool warn_limit_pass(struct warn_limit *wl, const void *key, size_t keylen, int64_t now,
		     uint32_t *held)
{
	struct warn_slot *s;

	if (keylen > WARN_LIMIT_KEY_MAX)
		keylen = WARN_LIMIT_KEY_MAX;
	s = &wl->slot[fnv1a(key, keylen) % WARN_LIMIT_SLOTS];
	*held = 0;
	if (s->keylen == keylen && memcmp(s->key, key, keylen) == 0) {
		/* the clock stepping back must not silence the key for good */
		if (now >= s->logged_at && now - s->logged_at < wl->window) {
			s->held++;
			return false;
		}
		*held = s->held;
	}
	memcpy(s->key, key, keylen);
	s->keylen = (uint8_t)keylen;
	s->logged_at = now;
	s->held = 0;
	return true;
}
