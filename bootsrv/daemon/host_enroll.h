/* host_enroll.h - hosts enrolled at run time (`bootsrv host add`), kept
 * beside those of bootsrv.conf: one file per host,
 * state_dir/enrolled/NAME.json, written temp + fsync + rename before the
 * host is served. Files are checked again when read back (a torn or edited
 * file is left out with a log line, never served half-read).
 *
 * A host is checked like a config host (config_host_check) and against
 * every other host, config and enrolled (config_host_clash); a name in both
 * is refused at add, and when the config later gains an enrolled name the
 * config's host is served and the enrolled one left out (logged at load).
 * Pointers returned stay valid until that host is taken out. */
#ifndef BOOTSRV_HOST_ENROLL_H
#define BOOTSRV_HOST_ENROLL_H

#include "common/config.h"

#include <stdbool.h>
#include <stddef.h>

#define HOST_TXT_MAX 16	 /* txt lines per host */
#define HOST_TXT_LEN 255 /* bytes per line: one DNS TXT string */
#define HOST_ENROLL_MAX 65536

struct host_enroll;

/* Is an image of that name served (config or store)? */
typedef bool (*host_image_fn)(void *arg, const char *name);

/* Read state_dir/enrolled (created when missing). NULL on a fatal error
 * (logged). image: for host_enroll_add's check; NULL: the config's. */
struct host_enroll *host_enroll_open(const struct config *cfg, host_image_fn image, void *arg);
void host_enroll_close(struct host_enroll *e);

size_t host_enroll_count(const struct host_enroll *e);
/* The enrolled hosts by name, as one array (the DHCP reservations take it). */
const struct cfg_host *const *host_enroll_hosts(const struct host_enroll *e);
const struct cfg_host *host_enroll_get(const struct host_enroll *e, const char *name);
const struct cfg_host *host_enroll_by_mac(const struct host_enroll *e, const uint8_t mac[6]);

/* Check h, write its file, serve it. 0; -EINVAL (a bad host: name, txt,
 * no MAC, unknown image, address in no network), -EEXIST (name, MAC or
 * address taken), -EIO/-errno (not written: nothing changed). why gets the
 * one-line reason. h is copied. */
int host_enroll_add(struct host_enroll *e, const struct cfg_host *h, char *why, size_t whysz);
/* Take name out: its file is removed (durably) and the host returned, to
 * be freed with host_enroll_free() once nothing refers to it. NULL with
 * errno ENOENT (not enrolled) or that of the unlink. */
struct cfg_host *host_enroll_take(struct host_enroll *e, const char *name);
void host_enroll_free(struct cfg_host *h);

/* The file format (pure): h as JSON text (malloc'd), and back, checked
 * (name, MAC, address syntax, txt bounds). 0 or -EINVAL with why. */
char *host_enroll_format(const struct cfg_host *h);
int host_enroll_parse(const char *text, size_t len, struct cfg_host *h, char *why, size_t whysz);
/* The same from parsed JSON (the API's body). */
typedef struct json_t json_t;
int host_enroll_from_json(json_t *j, struct cfg_host *h, char *why, size_t whysz);
/* Free what a parsed h holds (its txt). */
void host_enroll_clear(struct cfg_host *h);

#endif
