/* http_server.c - libmicrohttpd driven from bootsrv's loop: boot files
 * (sendfile, single Range), generated boot configs, the API and /metrics.
 *
 * MHD runs with MHD_USE_EPOLL and no thread of its own: its epoll fd sits in
 * our loop, and a prepare hook turns MHD_get_timeout() into the loop's wait
 * bound so idle connections still time out. */
#include "daemon/bootcfg.h"
#include "daemon/hoststate.h"
#include "http_api.h"
#include "http_metrics.h"
#include "log.h"
#include "daemon/server.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HTTP_CONN_TIMEOUT_S 30	 /* idle or half-sent requests are closed after this */
#define HTTP_CONN_MEMORY (32 * 1024) /* per connection: request line + headers must fit */
#define HTTP_RUN_BURST 16	 /* MHD runs per loop turn while it has work ready */

enum http_route { RT_API, RT_METRICS, RT_BOOT, RT_CONFIG, RT_FILE, RT_COUNT, RT_NONE = RT_COUNT };
static const char *const route_names[RT_COUNT] = {
	[RT_API] = "api", [RT_METRICS] = "metrics", [RT_BOOT] = "boot",
	[RT_CONFIG] = "config", [RT_FILE] = "file",
};
static const char *const class_names[] = { "2xx", "3xx", "4xx", "5xx" };

struct http_srv {
	struct MHD_Daemon *mhd;
	unsigned conn_limit;
	int epfd; /* MHD's, registered in our loop */
	struct loop_fd *epfd_watch;
	int64_t deadline; /* when MHD wants to run again; -1: no timeout */
	uint64_t requests[RT_COUNT][ARRAY_SIZE(class_names)];
	uint64_t bytes_sent; /* response bodies sent in full */
};

/* Per-request state: the request body, capped at HTTP_BODY_MAX, and the
 * size of the body queued in reply (counted once it was sent in full). */
struct http_conn {
	char *body;
	size_t len;
	bool too_big;
	uint64_t reply_len;
};

struct http_ctx {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *url, *method;
	struct http_conn *hc;
	char peer[INET6_ADDRSTRLEN];
	struct in_addr peer_addr; /* INADDR_ANY unless IPv4 */
};

static void count(struct http_srv *h, enum http_route rt, unsigned status)
{
	unsigned cls = status / 100;
	if (cls < 2)
		cls = 2;
	if (cls > 5)
		cls = 5;
	h->requests[rt][cls - 2]++;
}

/* Queue resp (taking ownership), add Content-Type, count it. */
static enum MHD_Result send_resp(struct http_ctx *x, enum http_route rt, unsigned status,
				 struct MHD_Response *resp, uint64_t body_len, const char *ctype)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(x->conn, status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES && x->hc && x->method && strcmp(x->method, MHD_HTTP_METHOD_HEAD) != 0)
		x->hc->reply_len = body_len;
	if (rt != RT_NONE)
		count(x->srv->http, rt, status);
	return ret;
}

static enum MHD_Result send_buf(struct http_ctx *x, enum http_route rt, unsigned status,
				char *buf, size_t len, const char *ctype)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(buf);
	return send_resp(x, rt, status, r, len, ctype);
}

static enum MHD_Result send_error(struct http_ctx *x, enum http_route rt, unsigned status,
				  const char *msg)
{
	struct http_reply rep = { 0 };
	if (http_reply_error(&rep, status, msg) < 0)
		return MHD_NO;
	return send_buf(x, rt, status, rep.body, rep.len, rep.content_type);
}

static bool is_get(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* A path below a root: non-empty components of safe characters, none
 * starting with '.', so "..", hidden files and "//" are all refused. */
static bool rel_path_ok(const char *rel)
{
	bool start = true;

	if (!*rel || strlen(rel) > 512)
		return false;
	for (const char *p = rel; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '/') {
			if (start)
				return false;
			start = true;
			continue;
		}
		if (start && ch == '.')
			return false;
		if (ch < 0x21 || ch > 0x7e || ch == '\\')
			return false;
		start = false;
	}
	return !start;
}

/* RFC 7233 single range. 1: *off and *len set; 0: serve the whole file
 * (no header, several ranges, or a malformed one - which the RFC says to
 * ignore); -1: not satisfiable (416). */
static int parse_range(const char *hdr, uint64_t size, uint64_t *off, uint64_t *len)
{
	char a[24], b[24];
	const char *dash;
	uint64_t lo, hi;

	if (!hdr || strncmp(hdr, "bytes=", 6) != 0 || strchr(hdr, ','))
		return 0;
	hdr += 6;
	dash = strchr(hdr, '-');
	if (!dash || (size_t)(dash - hdr) >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
		return 0;
	snprintf(a, sizeof(a), "%.*s", (int)(dash - hdr), hdr);
	snprintf(b, sizeof(b), "%s", dash + 1);
	if (!a[0]) { /* "-N": the last N bytes */
		if (parse_u64(b, 0, UINT64_MAX, &hi) < 0)
			return 0;
		if (hi == 0 || size == 0)
			return -1;
		*len = hi < size ? hi : size;
		*off = size - *len;
		return 1;
	}
	if (parse_u64(a, 0, UINT64_MAX, &lo) < 0)
		return 0;
	hi = size ? size - 1 : 0;
	if (b[0] && parse_u64(b, lo, UINT64_MAX, &hi) < 0)
		return 0;
	if (lo >= size)
		return -1;
	if (hi >= size)
		hi = size - 1; /* RFC 7233 2.1: a last-byte-pos past the end means the end */
	*off = lo;
	*len = hi - lo + 1;
	return 1;
}

/* Open rel below root; symlinks may not lead out of it (openat2
 * RESOLVE_BENEATH), the same rule the TFTP side applies. */
static int open_beneath(const char *root, const char *rel)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int dfd, fd;

	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	/* no fallback to open(2) without openat2 (kernels before 5.6): that
	 * would follow symlinks out of the root; fail closed instead */
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	close(dfd);
	return fd;
}

/* RFC 7232 validators: a strong ETag from size and mtime (ns), and
 * Last-Modified as an IMF-fixdate. */
static void file_validators(const struct stat *st, char *etag, size_t etagsz, char *lastmod,
			    size_t lastmodsz)
{
	struct tm tm;

	snprintf(etag, etagsz, "\"%llx-%llx\"", (unsigned long long)st->st_size,
		 (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
			 (unsigned long long)st->st_mtim.tv_nsec);
	gmtime_r(&st->st_mtim.tv_sec, &tm);
	strftime(lastmod, lastmodsz, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* RFC 7232 section 6: If-None-Match, when present, decides alone. */
static bool not_modified(struct MHD_Connection *conn, const struct stat *st, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	const char *ims = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Modified-Since");
	struct tm tm = { 0 };
	const char *end;

	if (inm)
		return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
	if (!ims || !(end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm)) || *end)
		return false;
	return st->st_mtim.tv_sec <= timegm(&tm);
}

static void add_validators(struct MHD_Response *resp, const char *etag, const char *lastmod)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, lastmod);
}

static enum MHD_Result serve_file(struct http_ctx *x, enum http_route rt, const char *root,
				  const char *rel)
{
	char cr[80], etag[48], lastmod[40];
	uint64_t off = 0, len;
	struct MHD_Response *resp;
	struct stat st;
	unsigned status = MHD_HTTP_OK;
	int fd, rg;

	if (!is_get(x->method))
		return send_error(x, rt, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	fd = rel_path_ok(rel) ? open_beneath(root, rel) : -1;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return send_error(x, rt, MHD_HTTP_NOT_FOUND, "not found");
	}
	file_validators(&st, etag, sizeof(etag), lastmod, sizeof(lastmod));
	if (not_modified(x->conn, &st, etag)) {
		close(fd);
		if ((resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)))
			add_validators(resp, etag, lastmod);
		return send_resp(x, rt, MHD_HTTP_NOT_MODIFIED, resp, 0, NULL);
	}
	len = (uint64_t)st.st_size;
	rg = parse_range(MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Range"), len, &off,
			 &len);
	if (rg < 0) {
		close(fd);
		snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)st.st_size);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
		return send_resp(x, rt, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp, 0, NULL);
	}
	/* MHD owns fd from here and sends it with sendfile(2) */
	resp = MHD_create_response_from_fd_at_offset64(len, fd, off);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	add_validators(resp, etag, lastmod);
	if (rg > 0) {
		status = MHD_HTTP_PARTIAL_CONTENT;
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)off,
			 (unsigned long long)(off + len - 1), (unsigned long long)st.st_size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
	return send_resp(x, rt, status, resp, len, "application/octet-stream");
}

static enum MHD_Result serve_boot(struct http_ctx *x)
{
	return serve_file(x, RT_BOOT, x->srv->cfg->boot_dir, x->url + strlen("/boot/"));
}

/* Generated pxelinux/iPXE configs, else plain files from the TFTP root (for
 * lpxelinux and iPXE fetching loaders and modules over HTTP). */
static enum MHD_Result serve_other(struct http_ctx *x)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!is_get(x->method))
		return send_error(x, RT_FILE, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	r = bootcfg_virtual_file(x->srv, x->url, &text, &len);
	if (r < 0)
		return send_error(x, RT_CONFIG, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(-r));
	if (r > 0)
		return send_buf(x, RT_CONFIG, MHD_HTTP_OK, text, len, "text/plain");
	return serve_file(x, RT_FILE, x->srv->cfg->tftp_root, x->url + 1);
}

static enum MHD_Result serve_metrics(struct http_ctx *x)
{
	struct http_srv *h = x->srv->http;
	const union MHD_DaemonInfo *di;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!is_get(x->method))
		return send_error(x, RT_METRICS, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	/* counted before rendering, so this request shows in its own answer */
	count(h, RT_METRICS, MHD_HTTP_OK);
	if (!(f = open_memstream(&text, &len)))
		return MHD_NO;
	http_metrics_hosts(f, x->srv);
	fprintf(f, "# HELP bootsrv_http_requests_total HTTP requests by route and status.\n"
		   "# TYPE bootsrv_http_requests_total counter\n");
	for (size_t r = 0; r < RT_COUNT; r++)
		for (size_t c = 0; c < ARRAY_SIZE(class_names); c++)
			fprintf(f, "bootsrv_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
				route_names[r], class_names[c], (unsigned long long)h->requests[r][c]);
	fprintf(f, "# HELP bootsrv_http_sent_bytes_total Response body bytes sent in full.\n"
		   "# TYPE bootsrv_http_sent_bytes_total counter\n"
		   "bootsrv_http_sent_bytes_total %llu\n",
		(unsigned long long)h->bytes_sent);
	di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	fprintf(f, "# HELP bootsrv_http_connections Open HTTP connections (in flight).\n"
		   "# TYPE bootsrv_http_connections gauge\n"
		   "bootsrv_http_connections %u\n",
		di ? di->num_connections : 0);
	http_metrics_dhcp_tftp(f, x->srv);
	if (fclose(f) != 0) {
		free(text);
		return MHD_NO;
	}
	return send_buf(x, RT_NONE, MHD_HTTP_OK, text, len, "text/plain; version=0.0.4");
}

static enum MHD_Result serve_api(struct http_ctx *x)
{
	struct http_request req = {
		.method = x->method,
		.url = x->url,
		.authorization =
			MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Authorization"),
		.body = x->hc->body,
		.body_len = x->hc->len,
		.peer = x->peer,
		.peer_addr = x->peer_addr,
	};
	struct http_reply rep = { 0 };

	if (http_api_handle(x->srv, &req, &rep) < 0 || !rep.body) {
		free(rep.body);
		return send_error(x, RT_API, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return send_buf(x, RT_API, rep.status, rep.body, rep.len, rep.content_type);
}

static const struct {
	const char *prefix;
	bool exact;
	enum MHD_Result (*fn)(struct http_ctx *x);
} http_routes[] = {
	{ HTTP_API_PREFIX, false, serve_api },
	{ "/metrics", true, serve_metrics },
	{ "/boot/", false, serve_boot },
	{ "/", false, serve_other },
};

static enum MHD_Result dispatch(struct http_ctx *x)
{
	for (size_t i = 0; i < ARRAY_SIZE(http_routes); i++) {
		const char *p = http_routes[i].prefix;
		if (http_routes[i].exact ? strcmp(x->url, p) == 0
					 : strncmp(x->url, p, strlen(p)) == 0)
			return http_routes[i].fn(x);
	}
	return send_error(x, RT_FILE, MHD_HTTP_NOT_FOUND, "not found");
}

static void peer_name(struct MHD_Connection *conn, char *out, size_t outsz,
		      struct in_addr *addr)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, outsz, "?");
	addr->s_addr = INADDR_ANY;
	if (sa && sa->sa_family == AF_INET) {
		*addr = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		inet_ntop(AF_INET, addr, out, (socklen_t)outsz);
	} else if (sa && sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)outsz);
	}
}

/* Accumulate a request body; false once it passed HTTP_BODY_MAX. */
static bool body_append(struct http_conn *hc, const char *data, size_t n)
{
	char *p;

	if (hc->too_big || n > HTTP_BODY_MAX - hc->len) {
		hc->too_big = true;
		return false;
	}
	p = realloc(hc->body, hc->len + n + 1);
	if (!p) {
		hc->too_big = true;
		return false;
	}
	memcpy(p + hc->len, data, n);
	hc->len += n;
	p[hc->len] = '\0';
	hc->body = p;
	return true;
}

static bool declared_too_big(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	uint64_t n;

	return cl && parse_u64(cl, 0, UINT64_MAX, &n) == 0 && n > HTTP_BODY_MAX;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_ctx x = { .srv = cls, .conn = conn, .url = url, .method = method };
	struct http_conn *hc = *con_cls;

	(void)version;
	x.hc = hc;
	if (!hc) {
		if (!(hc = calloc(1, sizeof(*hc))))
			return MHD_NO;
		*con_cls = hc;
		if (!declared_too_big(conn))
			return MHD_YES; /* wait for the body, if any */
		hc->too_big = true;
		x.hc = hc;
		return send_error(&x, RT_API, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
	}
	if (*upload_size) {
		body_append(hc, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (hc->too_big)
		return send_error(&x, RT_API, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
	peer_name(conn, x.peer, sizeof(x.peer), &x.peer_addr);
	return dispatch(&x);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_conn *hc = *con_cls;
	struct server *srv = cls;

	(void)conn;
	if (hc && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && srv->http)
		srv->http->bytes_sent += hc->reply_len;
	if (hc) {
		free(hc->body);
		free(hc);
		*con_cls = NULL;
	}
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warn("http: %s", buf);
}

/* MHD decodes the URL in place; a "%00" would end the C string early and
 * "initrd.img%00.txt" would fetch initrd.img. Turn it into %7f, a byte no
 * path, file or API name accepts, so the request fails as a whole. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	for (char *p = s; (p = strstr(p, "%00")) != NULL; p += 3)
		memcpy(p, "%7f", 3);
	return MHD_http_unescape(s);
}

static unsigned open_connections(struct http_srv *h)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di ? di->num_connections : 0;
}

/* At the connection cap MHD takes its listening socket out of its epoll
 * set and puts it back only at the start of its next run; when the run
 * that closed connections is the last one with events, nothing would wake
 * us for that next run and queued clients would wait forever. So: when a
 * run leaves the cap, run once more. */
static void mhd_run(struct http_srv *h)
{
	bool at_cap = open_connections(h) >= h->conn_limit;
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(h->mhd);
	if (at_cap && open_connections(h) < h->conn_limit)
		MHD_run(h->mhd);
	/* MHD sends at most 128 KiB of a file per connection and run, then
	 * reports a zero timeout for connections that can take more. Keep
	 * going while that holds, up to HTTP_RUN_BURST runs (2 MiB of a
	 * stream, like nginx's sendfile_max_chunk), so a big file does not pay
	 * a loop turn per 128 KiB and DHCP/TFTP still get a turn soon. */
	for (int i = 1; i < HTTP_RUN_BURST; i++) {
		if (MHD_get_timeout(h->mhd, &ms) != MHD_YES || ms != 0)
			break;
		MHD_run(h->mhd);
	}
}

static void on_mhd_ready(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct server *srv = arg;

	(void)loop;
	(void)fd;
	(void)events;
	if (srv->http && srv->http->mhd)
		mhd_run(srv->http);
}

/* Before each wait: run MHD if its last timeout passed, then bound the wait
 * by its next one. arg is the server (outlives srv->http). */
static int on_prepare(struct loop *loop, void *arg)
{
	struct server *srv = arg;
	struct http_srv *h = srv->http;
	MHD_UNSIGNED_LONG_LONG ms;

	(void)loop;
	if (!h || !h->mhd)
		return -1;
	if (h->deadline >= 0 && now_ms() >= h->deadline)
		mhd_run(h);
	if (MHD_get_timeout(h->mhd, &ms) != MHD_YES) {
		h->deadline = -1;
		return -1;
	}
	if (ms > INT_MAX)
		ms = INT_MAX;
	h->deadline = now_ms() + (int64_t)ms;
	return (int)ms;
}

static struct MHD_Daemon *mhd_start(struct server *srv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(srv->cfg->http_port),
				   .sin_addr = srv->cfg->address };

	return MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, srv->cfg->http_port, NULL, NULL,
				on_request, srv,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				MHD_OPTION_CONNECTION_LIMIT, srv->http->conn_limit,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
				MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
				MHD_OPTION_END);
}

int http_start(struct server *srv)
{
	char addr[INET_ADDRSTRLEN];
	const union MHD_DaemonInfo *di;
	struct http_srv *h;
	int r;

	inet_ntop(AF_INET, &srv->cfg->address, addr, sizeof(addr));
	if (!(h = calloc(1, sizeof(*h))))
		return -ENOMEM;
	h->epfd = -1;
	h->deadline = -1;
	h->conn_limit = srv->cfg->http_max_connections ? srv->cfg->http_max_connections : 512;
	srv->http = h;
	/* a client closing early must not kill the daemon during sendfile(2) */
	signal(SIGPIPE, SIG_IGN);
	if (!(h->mhd = mhd_start(srv))) {
		log_err("http: cannot listen on %s:%u", addr, (unsigned)srv->cfg->http_port);
		r = -EADDRNOTAVAIL;
		goto fail;
	}
	di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!di || di->epoll_fd < 0) {
		log_err("http: libmicrohttpd has no epoll fd");
		r = -ENOTSUP;
		goto fail;
	}
	if (!(h->epfd_watch = loop_add_fd(srv->loop, di->epoll_fd, EPOLLIN, on_mhd_ready, srv))) {
		r = -errno;
		goto fail;
	}
	h->epfd = di->epoll_fd;
	if ((r = loop_add_prepare(srv->loop, on_prepare, srv)) < 0)
		goto fail;
	log_info("http: listening on %s:%u", addr, (unsigned)srv->cfg->http_port);
	return 0;
fail:
	http_stop(srv);
	return r;
}

void http_stop(struct server *srv)
{
	struct http_srv *h = srv->http;

	if (!h)
		return;
	loop_del_fd(srv->loop, h->epfd_watch);
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	free(h);
	srv->http = NULL;
}
