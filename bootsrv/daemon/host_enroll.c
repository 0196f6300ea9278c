/* host_enroll.c - see host_enroll.h.
 *
 * The set is a sorted array of pointers to individually allocated hosts:
 * hoststate and the DHCP reservations keep pointers to a host while it is
 * enrolled, so adding another must not move it. */
#include "host_enroll.h"

#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENROLL_FILE_MAX (16 * 1024)

struct host_enroll {
	const struct config *cfg;
	char dir[PATH_MAX];
	struct cfg_host **hosts; /* by name */
	size_t n, cap;
	host_image_fn image;
	void *image_arg;
};

void host_enroll_free(struct cfg_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ntxt; i++)
		free(h->txt[i]);
	free(h->txt);
	free(h);
}

char *host_enroll_format(const struct cfg_host *h)
{
	char mac[18], ip[INET_ADDRSTRLEN] = "";
	json_t *txt = json_array(), *j;
	char *text;

	mac_format(h->mac, ':', mac);
	if (h->ip.s_addr)
		inet_ntop(AF_INET, &h->ip, ip, sizeof(ip));
	for (size_t i = 0; txt && i < h->ntxt; i++)
		json_array_append_new(txt, json_string(h->txt[i]));
	j = json_pack("{s:s, s:s, s:s, s:s, s:o?}", "name", h->name, "mac", mac, "ip", ip, "image",
		      h->image, "txt", txt);
	text = j ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return text;
}

/* txt lines end up in DNS TXT records and in listings: printable, bounded */
static bool txt_ok(const char *s)
{
	size_t len = strlen(s);

	if (len > HOST_TXT_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int parse_txt(json_t *arr, struct cfg_host *h, char *why, size_t whysz)
{
	size_t i;
	json_t *v;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > HOST_TXT_MAX) {
		snprintf(why, whysz, "txt must be a list of at most %d strings", HOST_TXT_MAX);
		return -EINVAL;
	}
	if (!(h->txt = calloc(json_array_size(arr) + 1, sizeof(*h->txt))))
		return -ENOMEM;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || !txt_ok(json_string_value(v))) {
			snprintf(why, whysz,
				 "txt[%zu] must be a string of at most %d printable characters", i,
				 HOST_TXT_LEN);
			return -EINVAL;
		}
		if (!(h->txt[h->ntxt] = strdup(json_string_value(v))))
			return -ENOMEM;
		h->ntxt++;
	}
	return 0;
}

static int parse_fields(json_t *j, struct cfg_host *h, char *why, size_t whysz)
{
	static const uint8_t zero[6];
	const char *name = NULL, *mac = NULL, *ip = "", *image = "";
	json_t *txt = NULL;
	json_error_t e;

	if (json_unpack_ex(j, &e, JSON_STRICT, "{s:s, s:s, s?s, s?s, s?o}", "name", &name, "mac",
			   &mac, "ip", &ip, "image", &image, "txt", &txt) < 0) {
		snprintf(why, whysz, "want {name, mac, ip?, image?, txt?[]}: %s", e.text);
		return -EINVAL;
	}
	if (!name_valid(name)) {
		snprintf(why, whysz,
			 "host name must be 1-63 characters of [A-Za-z0-9._-], not starting with "
			 "'.'");
		return -EINVAL;
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	if (mac_parse(mac, h->mac) < 0 || memcmp(h->mac, zero, 6) == 0) {
		snprintf(why, whysz, "host \"%s\": bad MAC (want aa:bb:cc:dd:ee:ff)", name);
		return -EINVAL;
	}
	if (ip[0] && inet_pton(AF_INET, ip, &h->ip) != 1) {
		snprintf(why, whysz, "host \"%s\": bad IPv4 address", name);
		return -EINVAL;
	}
	if (image[0] && !name_valid(image)) {
		snprintf(why, whysz, "host \"%s\": bad image name", name);
		return -EINVAL;
	}
	snprintf(h->image, sizeof(h->image), "%s", image);
	return parse_txt(txt, h, why, whysz);
}

static void clear_host(struct cfg_host *h)
{
	for (size_t i = 0; i < h->ntxt; i++)
		free(h->txt[i]);
	free(h->txt);
	memset(h, 0, sizeof(*h));
}

int host_enroll_from_json(json_t *j, struct cfg_host *h, char *why, size_t whysz)
{
	int r;

	memset(h, 0, sizeof(*h));
	if ((r = parse_fields(j, h, why, whysz)) < 0)
		clear_host(h);
	if (r == -ENOMEM)
		snprintf(why, whysz, "out of memory");
	return r;
}

int host_enroll_parse(const char *text, size_t len, struct cfg_host *h, char *why, size_t whysz)
{
	json_error_t e;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	int r;

	memset(h, 0, sizeof(*h));
	if (!j) {
		snprintf(why, whysz, "not valid JSON: %s", e.text);
		return -EINVAL;
	}
	r = host_enroll_from_json(j, h, why, whysz);
	json_decref(j);
	return r;
}

void host_enroll_clear(struct cfg_host *h)
{
	clear_host(h);
}

static size_t find(const struct host_enroll *e, const char *name, bool *found)
{
	size_t lo = 0, hi = e->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(e->hosts[mid]->name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct cfg_host *host_enroll_get(const struct host_enroll *e, const char *name)
{
	bool found;
	size_t i = find(e, name, &found);
	return found ? e->hosts[i] : NULL;
}

const struct cfg_host *host_enroll_by_mac(const struct host_enroll *e, const uint8_t mac[6])
{
	for (size_t i = 0; i < e->n; i++)
		if (memcmp(e->hosts[i]->mac, mac, 6) == 0)
			return e->hosts[i];
	return NULL;
}

size_t host_enroll_count(const struct host_enroll *e)
{
	return e->n;
}

const struct cfg_host *const *host_enroll_hosts(const struct host_enroll *e)
{
	return (const struct cfg_host *const *)e->hosts;
}

/* The first problem's text into why. */
struct first_why {
	char *buf;
	size_t sz;
	bool set;
};

static void keep_first(const char *msg, void *arg)
{
	struct first_why *w = arg;
	if (!w->set)
		snprintf(w->buf, w->sz, "%s", msg);
	w->set = true;
}

static bool config_image_known(void *arg, const char *name)
{
	return config_image(arg, name) != NULL;
}

/* h against the config and every enrolled host but itself. with_image:
 * is its image served? (not on load: an image removed since must not make
 * a host vanish; its netboot is refused then) */
static int check(const struct host_enroll *e, const struct cfg_host *h, bool with_image, char *why,
		 size_t whysz)
{
	struct first_why w = {why, whysz, false};
	host_image_fn img = e->image ? e->image : config_image_known;
	void *arg = e->image ? e->image_arg : (void *)e->cfg;

	if (config_host_check(e->cfg, h, with_image ? img : NULL, arg, keep_first, &w))
		return -EINVAL;
	for (size_t i = 0; i < e->cfg->nhosts; i++)
		if (config_host_clash(h, &e->cfg->hosts[i], keep_first, &w)) {
			size_t l = strlen(why);
			snprintf(why + l, whysz - l, " in %s", e->cfg->path);
			return -EEXIST;
		}
	for (size_t i = 0; i < e->n; i++)
		if (e->hosts[i] != h && config_host_clash(h, e->hosts[i], keep_first, &w))
			return -EEXIST;
	return 0;
}

static int insert(struct host_enroll *e, struct cfg_host *h)
{
	bool found;
	size_t i = find(e, h->name, &found);

	if (found)
		return -EEXIST;
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 16;
		struct cfg_host **v = realloc(e->hosts, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->hosts = v;
		e->cap = cap;
	}
	memmove(&e->hosts[i + 1], &e->hosts[i], (e->n - i) * sizeof(*e->hosts));
	e->hosts[i] = h;
	e->n++;
	return 0;
}

static int file_path(const struct host_enroll *e, const char *name, char *out, size_t outsz)
{
	return snprintf(out, outsz, "%s/%s.json", e->dir, name) >= (int)outsz ? -ENAMETOOLONG : 0;
}

static struct cfg_host *dup_host(const struct cfg_host *h)
{
	struct cfg_host *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	*c = *h;
	c->txt = NULL;
	c->ntxt = 0;
	if (h->ntxt && !(c->txt = calloc(h->ntxt, sizeof(*c->txt))))
		goto fail;
	for (; c->ntxt < h->ntxt; c->ntxt++)
		if (!(c->txt[c->ntxt] = strdup(h->txt[c->ntxt])))
			goto fail;
	return c;
fail:
	host_enroll_free(c);
	return NULL;
}

int host_enroll_add(struct host_enroll *e, const struct cfg_host *h, char *why, size_t whysz)
{
	char path[PATH_MAX], *text = NULL;
	struct cfg_host *c = NULL;
	int r;

	if ((r = check(e, h, true, why, whysz)) < 0)
		return r;
	if (e->n >= HOST_ENROLL_MAX) {
		snprintf(why, whysz, "at most %d hosts can be enrolled", HOST_ENROLL_MAX);
		return -ENOSPC;
	}
	r = -ENOMEM;
	if (!(c = dup_host(h)) || !(text = host_enroll_format(c)))
		goto fail;
	if ((r = file_path(e, c->name, path, sizeof(path))) < 0 ||
	    (r = write_file_atomic(path, text, strlen(text), 0644)) < 0) {
		log_err("enroll %s: cannot write %s: %s", c->name, path, strerror(-r));
		goto fail;
	}
	if ((r = insert(e, c)) < 0) {
		unlink(path);
		goto fail;
	}
	free(text);
	return 0;
fail:
	snprintf(why, whysz, "cannot save the host: %s", strerror(-r));
	free(text);
	host_enroll_free(c);
	return r;
}

/* The removal must survive a crash too: the directory entry's change is
 * synced before the host counts as gone. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

struct cfg_host *host_enroll_take(struct host_enroll *e, const char *name)
{
	char path[PATH_MAX];
	struct cfg_host *h;
	bool found;
	size_t i = find(e, name, &found);
	int r;

	if (!found) {
		errno = ENOENT;
		return NULL;
	}
	if ((r = file_path(e, name, path, sizeof(path))) < 0 ||
	    (unlink(path) < 0 && errno != ENOENT && (r = -errno))) {
		log_err("enroll %s: cannot remove %s: %s", name, path, strerror(-r));
		errno = -r;
		return NULL;
	}
	if ((r = sync_dir(e->dir)) < 0)
		log_warn("enroll %s: cannot sync %s: %s", name, e->dir, strerror(-r));
	h = e->hosts[i];
	memmove(&e->hosts[i], &e->hosts[i + 1], (e->n - i - 1) * sizeof(*e->hosts));
	e->n--;
	return h;
}

/* NAME.json of a valid name; anything else (write_file_atomic's
 * NAME.json.tmp.PID left by a crash, editor backups) is not a host. */
static bool host_file(const char *d_name, char *name, size_t namesz)
{
	size_t len = strlen(d_name);

	if (len <= 5 || strcmp(d_name + len - 5, ".json") != 0 || len - 5 >= namesz)
		return false;
	memcpy(name, d_name, len - 5);
	name[len - 5] = '\0';
	return name_valid(name);
}

static void load_one(struct host_enroll *e, const char *fname)
{
	char path[PATH_MAX], why[256], name[NAME_MAX_LEN + 1], ename[2 * PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	struct cfg_host h, *c = NULL;
	int r;

	if (!host_file(fname, name, sizeof(name)) || file_path(e, name, path, sizeof(path)) < 0)
		return;
	log_escape(path, strlen(path), ename, sizeof(ename));
	if ((r = read_file(path, ENROLL_FILE_MAX, &text, &len)) < 0) {
		log_warn("enrolled host: cannot read %s: %s; left out", ename, strerror(-r));
		return;
	}
	if (host_enroll_parse(text, len, &h, why, sizeof(why)) < 0) {
		log_warn("enrolled host: %s is torn or invalid (%s); left out", ename, why);
		goto out;
	}
	if (strcmp(h.name, name) != 0) {
		log_warn("enrolled host: %s holds host \"%s\"; left out", ename, h.name);
		goto out;
	}
	if (check(e, &h, false, why, sizeof(why)) < 0) {
		log_warn("enrolled host %s left out: %s (%s)", name, why, ename);
		goto out;
	}
	if (!(c = dup_host(&h)) || insert(e, c) < 0) {
		log_err("enrolled host %s: out of memory", name);
		host_enroll_free(c);
	}
out:
	clear_host(&h);
	free(text);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

struct host_enroll *host_enroll_open(const struct config *cfg, host_image_fn image, void *arg)
{
	struct host_enroll *e = calloc(1, sizeof(*e));
	struct dirent **ents = NULL;
	int n, r;

	if (!e)
		return NULL;
	e->cfg = cfg;
	e->image = image;
	e->image_arg = arg;
	if (snprintf(e->dir, sizeof(e->dir), "%s/enrolled", cfg->state_dir) >=
		(int)sizeof(e->dir) ||
	    (r = mkdir_p(e->dir, 0755)) < 0) {
		log_err("cannot create %s/enrolled", cfg->state_dir);
		goto fail;
	}
	/* in name order: which of two clashing files wins does not depend
	 * on the directory's order */
	if ((n = scandir(e->dir, &ents, NULL, by_name)) < 0) {
		log_err("cannot read %s: %s", e->dir, strerror(errno));
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		load_one(e, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return e;
fail:
	host_enroll_close(e);
	return NULL;
}

void host_enroll_close(struct host_enroll *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		host_enroll_free(e->hosts[i]);
	free(e->hosts);
	free(e);
}
