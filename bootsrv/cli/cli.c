/* cli.c - netboot, localboot, status, monitor: clients of the daemon's API.
 *
 * The config file tells where the daemon listens and where its state (and
 * so the admin token) lives. Host lists are checked against the daemon's
 * own host table before anything is changed. */
#include "cli.h"
#include "client.h"

#include "common/admin_token.h"
#include "capture.h"
#include "common/config.h"
#include "common/image_conf.h"
#include "hostlist.h"
#include "util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_MAX (16 * 1024 * 1024)

struct cli_opts {
	const char *config;
	const char *hosts;
	const char *image;
	const char *flavor;
	const char *host; /* status HOST: one host and its recent events */
	bool once, json, exit_when_done;
	int interval_s;
};

struct buf {
	char *data;
	size_t len;
};

void cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bootsrv %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void report_cfg(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static int read_token(struct client *cl, const char *cmd)
{
	char path[PATH_MAX];
	int r = admin_token_read(cl->cfg.state_dir, cl->token);

	admin_token_path(cl->cfg.state_dir, path, sizeof(path));
	if (r == -ENOENT) {
		cli_err(cmd, "no admin token at %s: is the daemon running?", path);
		return EXIT_DOWN;
	}
	if (r == -EINVAL) {
		cli_err(cmd, "admin token %s is not 64 hex characters", path);
		return EXIT_REFUSED;
	}
	if (r < 0) {
		cli_err(cmd, "cannot read admin token %s: %s", path, strerror(-r));
		return EXIT_REFUSED;
	}
	return 0;
}

/* 0 or an exit status after printing why. */
int cli_client_open(struct client *cl, const char *path, const char *cmd)
{
	char addr[INET_ADDRSTRLEN];
	int r;

	memset(cl, 0, sizeof(*cl));
	r = config_load(path, &cl->cfg, report_cfg, NULL);
	if (r != 0) {
		cli_err(cmd, "cannot use config %s", path);
		if (r > 0)
			config_free(&cl->cfg);
		return EXIT_REFUSED;
	}
	cl->cfg_loaded = true;
	inet_ntop(AF_INET, &cl->cfg.address, addr, sizeof(addr));
	snprintf(cl->base, sizeof(cl->base), "http://%s:%u", addr, (unsigned)cl->cfg.http_port);
	if ((r = read_token(cl, cmd)) != 0)
		return r;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(cl->curl = curl_easy_init())) {
		cli_err(cmd, "cannot initialise libcurl");
		return EXIT_REFUSED;
	}
	return 0;
}

void cli_client_close(struct client *cl)
{
	if (cl->curl) {
		curl_easy_cleanup(cl->curl);
		curl_global_cleanup();
	}
	if (cl->cfg_loaded)
		config_free(&cl->cfg);
	memset(cl->token, 0, sizeof(cl->token));
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > RESPONSE_MAX || !(p = realloc(b->data, b->len + n + 1)))
		return 0;
	memcpy(p + b->len, ptr, n);
	b->len += n;
	p[b->len] = '\0';
	b->data = p;
	return n;
}

/* One API call. *resp gets the parsed JSON body (may be NULL). Returns the
 * HTTP status, or -EXIT_DOWN when the daemon cannot be reached. */
long cli_api_call(struct client *cl, const char *cmd, const char *method, const char *path,
		  json_t *body, json_t **resp)
{
	char url[512], auth[128], *text = NULL;
	struct curl_slist *hdrs = NULL;
	struct buf b = { 0 };
	long status = -EXIT_DOWN;
	CURLcode cr;

	*resp = NULL;
	snprintf(url, sizeof(url), "%s%s", cl->base, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cl->token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_reset(cl->curl);
	curl_easy_setopt(cl->curl, CURLOPT_URL, url);
	curl_easy_setopt(cl->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(cl->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(cl->curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(cl->curl, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(cl->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(cl->curl, CURLOPT_WRITEDATA, &b);
	if (strcmp(method, "DELETE") == 0)
		curl_easy_setopt(cl->curl, CURLOPT_CUSTOMREQUEST, "DELETE");
	if (strcmp(method, "POST") == 0) {
		text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		curl_easy_setopt(cl->curl, CURLOPT_POSTFIELDS, text ? text : "{}");
	}
	cr = curl_easy_perform(cl->curl);
	if (cr != CURLE_OK) {
		cli_err(cmd, "daemon not reachable at %s: %s", cl->base, curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(cl->curl, CURLINFO_RESPONSE_CODE, &status);
	if (b.data)
		*resp = json_loadb(b.data, b.len, 0, NULL);
out:
	curl_slist_free_all(hdrs);
	free(text);
	free(b.data);
	return status;
}

/* Exit status for a failed call, after a one-line reason. */
int cli_call_failed(const char *cmd, const char *what, long status, json_t *resp)
{
	const char *msg = json_string_value(json_object_get(resp, "error"));

	if (status == -EXIT_DOWN)
		return EXIT_DOWN;
	if (status == 401)
		cli_err(cmd, "%s: the daemon refused the admin token (401)", what);
	else
		cli_err(cmd, "%s: %s (HTTP %ld)", what, msg ? msg : "failed", status);
	return EXIT_REFUSED;
}

/* GET /api/v1/hosts -> the "hosts" array (new reference) or an exit status. */
static int fetch_hosts(struct client *cl, const char *cmd, json_t **hosts)
{
	json_t *resp = NULL;
	long st = cli_api_call(cl, cmd, "GET", "/api/v1/hosts", NULL, &resp);
	json_t *arr = json_object_get(resp, "hosts");
	int r = 0;

	if (st != 200 || !json_is_array(arr))
		r = cli_call_failed(cmd, "listing hosts", st, resp);
	else
		*hosts = json_incref(arr);
	json_decref(resp);
	return r;
}

static json_t *find_host(json_t *hosts, const char *name)
{
	size_t i;
	json_t *h;

	json_array_foreach(hosts, i, h) {
		const char *n = json_string_value(json_object_get(h, "name"));
		if (n && strcmp(n, name) == 0)
			return h;
	}
	return NULL;
}

/* Expand opt->hosts and check every name exists in the daemon's table. */
static int resolve_hosts(const char *cmd, const char *expr, json_t *hosts, char ***names,
			 size_t *n)
{
	char err[256];
	size_t unknown = 0;
	int r = hostlist_expand(expr, names, n, err, sizeof(err));

	if (r < 0) {
		cli_err(cmd, "%s", r == -EINVAL || r == -E2BIG ? err : strerror(-r));
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < *n; i++)
		if (!find_host(hosts, (*names)[i])) {
			if (unknown++ == 0)
				fprintf(stderr, "bootsrv %s: unknown host(s):", cmd);
			fprintf(stderr, " %s", (*names)[i]);
		}
	if (unknown == 0)
		return 0;
	fprintf(stderr, "; nothing changed\n");
	hostlist_free(*names, *n);
	*names = NULL;
	*n = 0;
	return EXIT_REFUSED;
}

static int post_one(struct client *cl, const char *cmd, const char *name, const char *action,
		    json_t *body)
{
	char path[256], what[128];
	json_t *resp = NULL;
	long st;
	int r = 0;

	snprintf(path, sizeof(path), "/api/v1/hosts/%s/%s", name, action);
	snprintf(what, sizeof(what), "%s %s", action, name);
	st = cli_api_call(cl, cmd, "POST", path, body, &resp);
	if (st != 200) {
		r = cli_call_failed(cmd, what, st, resp);
	} else if (strcmp(action, "netboot") == 0) {
		printf("%s: netboot image %s flavor %s%s\n", name,
		       json_string_value(json_object_get(resp, "image")),
		       json_string_value(json_object_get(resp, "flavor")),
		       json_is_true(json_object_get(resp, "once")) ? " (once)" : "");
	} else {
		printf("%s: localboot\n", name);
	}
	json_decref(resp);
	return r;
}

/* After netboot: wait for the frozen image version the daemon takes for
 * the host (daemon/frozen.h) so that a version that cannot be made is an
 * error of this command, and a plan fetched after it returns is ready.
 * 0 when ready, EXIT_REFUSED when the host failed, EXIT_DOWN. A daemon
 * that takes no versions (no "frozen" in the host) is not waited for. */
#define FREEZE_WAIT_MS (600 * 1000)
#define FREEZE_POLL_MS 100
static int wait_frozen(struct client *cl, const char *cmd, const char *name)
{
	char path[256];
	struct timespec ts = {.tv_nsec = FREEZE_POLL_MS * 1000000L};

	snprintf(path, sizeof(path), "/api/v1/hosts/%s", name);
	for (int64_t waited = 0; waited < FREEZE_WAIT_MS; waited += FREEZE_POLL_MS) {
		json_t *h = NULL;
		long st = cli_api_call(cl, cmd, "GET", path, NULL, &h);
		const char *frozen = json_string_value(json_object_get(h, "frozen"));
		const char *state = json_string_value(json_object_get(h, "state"));
		int r = -1;

		if (st != 200)
			r = cli_call_failed(cmd, name, st, h);
		else if (!frozen || frozen[0])
			r = 0;
		else if (state && strcmp(state, "failed") == 0) {
			cli_err(cmd, "%s: %s", name,
				json_string_value(json_object_get(h, "error")));
			r = EXIT_REFUSED;
		} else if (!state || strcmp(state, "netboot") != 0)
			r = 0; /* re-armed or disarmed meanwhile: not this call's */
		json_decref(h);
		if (r >= 0)
			return r;
		nanosleep(&ts, NULL);
	}
	cli_err(cmd, "%s: the image version is still being made; see bootsrv status", name);
	return EXIT_REFUSED;
}

/* netboot and localboot: check everything first, then change each host. */
static int cmd_change(struct client *cl, const char *cmd, const struct cli_opts *o)
{
	bool netboot = strcmp(cmd, "netboot") == 0, *armed = NULL;
	json_t *hosts = NULL, *body = NULL;
	char **names = NULL;
	size_t n = 0;
	int r, worst = 0;

	/* an image of neither the config nor the store is refused by the
	 * daemon for the first host, before anything changed */
	if (netboot && !config_image(&cl->cfg, o->image) &&
	    !image_conf_exists(cl->cfg.state_dir, o->image)) {
		cli_err(cmd,
			"unknown image '%s' (not in %s nor in the image store); nothing "
			"changed",
			o->image, cl->cfg.path);
		return EXIT_REFUSED;
	}
	if ((r = fetch_hosts(cl, cmd, &hosts)) != 0 ||
	    (r = resolve_hosts(cmd, o->hosts, hosts, &names, &n)) != 0)
		goto out;
	if (netboot)
		body = json_pack("{s:s, s:b}", "image", o->image, "once", o->once);
	if (body && o->flavor)
		json_object_set_new(body, "flavor", json_string(o->flavor));
	if (!(armed = calloc(n ? n : 1, sizeof(*armed)))) {
		r = EXIT_REFUSED;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		r = post_one(cl, cmd, names[i], netboot ? "netboot" : "localboot", body);
		armed[i] = r == 0 && netboot;
		if (r == EXIT_DOWN)
			goto out;
		if (r > worst)
			worst = r;
	}
	/* all armed first: hosts armed together share one version */
	for (size_t i = 0; i < n; i++) {
		if (armed[i] && (r = wait_frozen(cl, cmd, names[i])) == EXIT_DOWN)
			goto out;
		if (armed[i] && r > worst)
			worst = r;
	}
	r = worst;
out:
	free(armed);
	json_decref(body);
	json_decref(hosts);
	hostlist_free(names, n);
	return r;
}

static const char *jstr(json_t *h, const char *key)
{
	const char *s = json_string_value(json_object_get(h, key));
	return s ? s : "";
}

/* h[key] made safe for a terminal, in out: step, message, error and event
 * details come from installers, and an escape sequence in them must not
 * reach the admin's terminal. C0 controls, DEL and UTF-8-encoded C1
 * controls (U+0080-U+009F, which some terminals obey) become '?'; other
 * bytes, UTF-8 text included, pass. "-" for an empty or missing value when
 * dash is set. */
static const char *jshow(json_t *h, const char *key, bool dash, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)jstr(h, key);
	size_t o = 0;

	if (!s[0] && dash)
		s = (const unsigned char *)"-";
	for (; *s && o + 1 < outsz; s++) {
		if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
			out[o++] = '?';
			s++;
		} else {
			out[o++] = (*s < 0x20 || *s == 0x7f) ? '?' : (char)*s;
		}
	}
	out[o] = '\0';
	return out;
}

static void format_elapsed(json_t *h, char *out, size_t outsz)
{
	json_int_t start = json_integer_value(json_object_get(h, "started_at"));
	json_int_t end = json_integer_value(json_object_get(h, "progress_at"));
	const char *st = jstr(h, "state");
	long long secs;

	if (start <= 0) {
		snprintf(out, outsz, "-");
		return;
	}
	if (strcmp(st, "installing") == 0 || strcmp(st, "netboot") == 0)
		end = (json_int_t)time(NULL);
	secs = end > start ? (long long)(end - start) : 0;
	if (secs >= 3600)
		snprintf(out, outsz, "%lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
	else
		snprintf(out, outsz, "%lld:%02lld", secs / 60, secs % 60);
}

/* "-", "512B/s", "23.4M/s": the rate of the step running now. */
static void format_rate(json_t *h, char *out, size_t outsz)
{
	static const char units[] = "BKMGT";
	double r = (double)json_integer_value(json_object_get(h, "rate"));
	size_t u = 0;

	if (strcmp(jstr(h, "state"), "installing") != 0 || r <= 0) {
		snprintf(out, outsz, "-");
		return;
	}
	while (r >= 1000 && u + 1 < sizeof(units) - 1) {
		r /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, outsz, "%.0fB/s", r);
	else
		snprintf(out, outsz, "%.*f%c/s", r < 10 ? 1 : 0, r, units[u]);
}

static void print_header(FILE *f)
{
	fprintf(f, "%-16s %-10s %-10s %-12s %4s %8s %8s  %s\n", "HOST", "STATE", "IMAGE", "STEP",
		"%", "RATE", "ELAPSED", "MESSAGE");
}

static void print_row(FILE *f, json_t *h)
{
	char elapsed[32], rate[16], pct[8] = "-", image[64], step[64], msg[256];
	const char *st = jstr(h, "state");

	if (strcmp(st, "installing") == 0 || strcmp(st, "installed") == 0 ||
	    strcmp(st, "failed") == 0)
		snprintf(pct, sizeof(pct), "%lld",
			 (long long)json_integer_value(json_object_get(h, "percent")));
	format_elapsed(h, elapsed, sizeof(elapsed));
	format_rate(h, rate, sizeof(rate));
	jshow(h, "message", false, msg, sizeof(msg));
	/* no trailing blanks when there is no message */
	fprintf(f, "%-16s %-10s %-10s %-12s %4s %8s %8s%s%.60s\n", jstr(h, "name"), st,
		jshow(h, "image", true, image, sizeof(image)),
		jshow(h, "step", true, step, sizeof(step)), pct, rate, elapsed, msg[0] ? "  " : "",
		msg);
}

/* The daemon's hosts, narrowed to o->hosts when given (new reference). */
static int select_hosts(struct client *cl, const char *cmd, const char *expr, json_t **out)
{
	json_t *hosts = NULL, *sel;
	char **names = NULL;
	size_t n = 0;
	int r;

	if ((r = fetch_hosts(cl, cmd, &hosts)) != 0)
		return r;
	if (!expr) {
		*out = hosts;
		return 0;
	}
	if ((r = resolve_hosts(cmd, expr, hosts, &names, &n)) == 0) {
		sel = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append(sel, find_host(hosts, names[i]));
		*out = sel;
	}
	hostlist_free(names, n);
	json_decref(hosts);
	return r;
}

static void print_events(FILE *f, json_t *events)
{
	size_t i;
	json_t *ev;

	fprintf(f, "\nrecent events (oldest first):\n");
	/* the API lists them newest first */
	for (i = json_array_size(events); i-- > 0;) {
		char when[32];
		ev = json_array_get(events, i);
		time_t at = (time_t)json_integer_value(json_object_get(ev, "at"));
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&at));
		char detail[512];
		json_int_t again = json_integer_value(json_object_get(ev, "repeats"));
		fprintf(f, "  %s  %-12s %s", when, jstr(ev, "event"),
			jshow(ev, "detail", false, detail, sizeof(detail)));
		if (again > 0)
			fprintf(f, " (and %lld more times)", (long long)again);
		fputc('\n', f);
	}
	if (json_array_size(events) == 0)
		fprintf(f, "  (none since the daemon started)\n");
}

/* status HOST: the host's row, last error and recent events. */
static int status_one(struct client *cl, const char *cmd, const struct cli_opts *o)
{
	char path[256];
	json_t *h = NULL;
	long st;

	snprintf(path, sizeof(path), "/api/v1/hosts/%s", o->host);
	st = cli_api_call(cl, cmd, "GET", path, NULL, &h);
	if (st != 200) {
		int r = st == 404 ? EXIT_REFUSED : cli_call_failed(cmd, o->host, st, h);
		if (st == 404)
			cli_err(cmd, "unknown host: %s", o->host);
		json_decref(h);
		return r;
	}
	if (o->json) {
		json_dumpf(h, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else {
		print_header(stdout);
		print_row(stdout, h);
		char err[512];
		if (jshow(h, "error", false, err, sizeof(err))[0])
			printf("\nlast error: %s\n", err);
		print_events(stdout, json_object_get(h, "events"));
	}
	json_decref(h);
	return 0;
}

static int cmd_status(struct client *cl, const char *cmd, const struct cli_opts *o)
{
	json_t *hosts = NULL, *h;
	size_t i;
	int r;

	if (o->host)
		return status_one(cl, cmd, o);
	if ((r = select_hosts(cl, cmd, o->hosts, &hosts)) != 0)
		return r;
	if (o->json) {
		json_dumpf(hosts, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else {
		print_header(stdout);
		json_array_foreach(hosts, i, h)
			print_row(stdout, h);
	}
	json_decref(hosts);
	return 0;
}

static volatile sig_atomic_t monitor_quit;

static void on_monitor_signal(int signo)
{
	(void)signo;
	monitor_quit = 1;
}

static bool any_active(json_t *hosts)
{
	size_t i;
	json_t *h;

	json_array_foreach(hosts, i, h) {
		const char *st = jstr(h, "state");
		if (strcmp(st, "netboot") == 0 || strcmp(st, "installing") == 0)
			return true;
	}
	return false;
}

static void monitor_draw(json_t *hosts, bool tty, const char *base)
{
	size_t counts[5] = { 0 }, i;
	static const char *const names[] = { "localboot", "netboot", "installing", "installed",
					     "failed" };
	char when[32];
	time_t now = time(NULL);
	json_t *h;

	json_array_foreach(hosts, i, h)
		for (size_t s = 0; s < ARRAY_SIZE(names); s++)
			if (strcmp(jstr(h, "state"), names[s]) == 0)
				counts[s]++;
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	if (tty)
		fputs("\033[H\033[2J", stdout);
	printf("bootsrv monitor  %s  %s  (q to quit)\n", base, when);
	for (size_t s = 0; s < ARRAY_SIZE(names); s++)
		printf("%s%s %zu", s ? ", " : "", names[s], counts[s]);
	printf("\n\n");
	print_header(stdout);
	json_array_foreach(hosts, i, h)
		print_row(stdout, h);
	if (!tty)
		putchar('\n');
	fflush(stdout);
}

/* Wait up to ms for 'q' on a terminal; true when the user asked to quit. */
static bool monitor_wait(bool tty, int ms)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char ch;

	if (!tty) {
		poll(NULL, 0, ms);
		return false;
	}
	if (poll(&p, 1, ms) > 0 && read(0, &ch, 1) == 1)
		return ch == 'q' || ch == 'Q' || ch == 3 /* ^C in raw mode */;
	return false;
}

static int cmd_monitor(struct client *cl, const char *cmd, const struct cli_opts *o)
{
	struct sigaction sa = { .sa_handler = on_monitor_signal };
	bool tty = isatty(0) && isatty(1);
	struct termios saved, raw;
	int r = 0;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (tty && tcgetattr(0, &saved) == 0) {
		raw = saved;
		raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
		tcsetattr(0, TCSANOW, &raw);
	} else {
		tty = false;
	}
	while (!monitor_quit) {
		json_t *hosts = NULL;
		if ((r = select_hosts(cl, cmd, o->hosts, &hosts)) != 0)
			break;
		monitor_draw(hosts, tty, cl->base);
		bool done = o->exit_when_done && !any_active(hosts);
		json_decref(hosts);
		if (done || monitor_wait(tty, o->interval_s * 1000))
			break;
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	return r;
}

typedef int (*cli_fn)(struct client *cl, const char *cmd, const struct cli_opts *o);

static const struct cli_cmd {
	const char *name;
	cli_fn fn;
	const char *usage;
} commands[] = {
	{ "netboot", cmd_change, "--hosts LIST --image NAME [--flavor F] [--once] [-c FILE]" },
	{ "localboot", cmd_change, "--hosts LIST [-c FILE]" },
	{ "status", cmd_status, "[--hosts LIST | HOST] [--json] [-c FILE]" },
	{ "monitor", cmd_monitor,
	  "[--hosts LIST] [--interval SECONDS] [--exit-when-done] [-c FILE]" },
};

static int usage_err(const struct cli_cmd *c, const char *why)
{
	if (why)
		fprintf(stderr, "bootsrv %s: %s\n", c->name, why);
	fprintf(stderr, "usage: bootsrv %s %s\n", c->name, c->usage);
	return EXIT_USAGE;
}

/* Options every client command understands; each checks what it needs. */
static int parse_opts(const struct cli_cmd *c, int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "image", required_argument, NULL, 'i' },
		{ "flavor", required_argument, NULL, 'f' },
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'n' },
		{ "exit-when-done", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t secs;
	int ch;

	*o = (struct cli_opts){ .config = CONFIG_DEFAULT_PATH, .interval_s = 1 };
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:H:i:f:n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'H': o->hosts = optarg; break;
		case 'i': o->image = optarg; break;
		case 'f': o->flavor = optarg; break;
		case 'o': o->once = true; break;
		case 'j': o->json = true; break;
		case 'x': o->exit_when_done = true; break;
		case 'n':
			if (parse_u64(optarg, 1, 3600, &secs) < 0)
				return usage_err(c, "--interval must be 1-3600 seconds");
			o->interval_s = (int)secs;
			break;
		case 'h': fprintf(stdout, "usage: bootsrv %s %s\n", c->name, c->usage); return -1;
		default: return usage_err(c, NULL);
		}
	}
	/* status HOST */
	if (optind + 1 == argc && strcmp(c->name, "status") == 0 && !o->hosts)
		o->host = argv[optind++];
	if (optind != argc)
		return usage_err(c, "unexpected argument");
	return 0;
}

/* Which options make sense for which command. */
static int check_opts(const struct cli_cmd *c, const struct cli_opts *o)
{
	bool netboot = strcmp(c->name, "netboot") == 0;
	bool change = netboot || strcmp(c->name, "localboot") == 0;

	if (change && !o->hosts)
		return usage_err(c, "--hosts is required");
	if (netboot && !o->image)
		return usage_err(c, "--image is required");
	if (!netboot && (o->image || o->flavor || o->once))
		return usage_err(c, "--image, --flavor and --once belong to netboot");
	if (o->json && strcmp(c->name, "status") != 0)
		return usage_err(c, "--json belongs to status");
	if (o->exit_when_done && strcmp(c->name, "monitor") != 0)
		return usage_err(c, "--exit-when-done belongs to monitor");
	return 0;
}

int cli_main(int argc, char **argv)
{
	const struct cli_cmd *c = NULL;
	struct client cl;
	struct cli_opts o;
	int r;

	if (strcmp(argv[0], "capture") == 0) /* runs on the server, not via the API */
		return capture_main(argc, argv);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			c = &commands[i];
	if (!c)
		return -1;
	if ((r = parse_opts(c, argc, argv, &o)) != 0)
		return r < 0 ? 0 : r;
	if ((r = check_opts(c, &o)) != 0)
		return r;
	r = cli_client_open(&cl, o.config, c->name);
	if (r == 0)
		r = c->fn(&cl, c->name, &o);
	cli_client_close(&cl);
	return r;
}
