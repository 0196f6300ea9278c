/* warn_limit.c - see warn_limit.h */
#include "warn_limit.h"

#include "util.h"

#include <string.h>

void warn_limit_init(struct warn_limit *wl, int64_t window)
{
	memset(wl, 0, sizeof(*wl));
	wl->window = window;
}

static bool live(const struct warn_limit *wl, const struct warn_slot *s, int64_t now)
{
	/* the clock stepping back must not silence a key for good */
	return s->keylen && now >= s->logged_at && now - s->logged_at < wl->window;
}

bool warn_limit_pass(struct warn_limit *wl, const void *key, size_t keylen, int64_t now,
		     uint32_t *held)
{
	struct warn_slot *set, *s = NULL;

	if (keylen > WARN_LIMIT_KEY_MAX)
		keylen = WARN_LIMIT_KEY_MAX;
	*held = 0;
	if (keylen == 0) /* nothing to tell lines apart by */
		return true;
	set = wl->set[fnv1a(key, keylen) % WARN_LIMIT_SETS];
	for (int i = 0; i < WARN_LIMIT_WAYS; i++)
		if (set[i].keylen == keylen && memcmp(set[i].key, key, keylen) == 0) {
			s = &set[i];
			break;
		}
	if (s) {
		if (live(wl, s, now)) {
			s->held++;
			return false;
		}
		*held = s->held;
	} else { /* a free or expired way, else the one written longest ago */
		s = &set[0];
		for (int i = 0; i < WARN_LIMIT_WAYS; i++) {
			if (!live(wl, &set[i], now)) {
				s = &set[i];
				break;
			}
			if (set[i].logged_at < s->logged_at)
				s = &set[i];
		}
	}
	memcpy(s->key, key, keylen);
	s->keylen = (uint8_t)keylen;
	s->logged_at = now;
	s->held = 0;
	return true;
}
