/* image_rsync.c - see image_rsync.h */
#include "image_rsync.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "install.h"
#include "log.h"
#include "rsync_argv.h"
#include "spawn.h"
#include "util.h"

#define REPORT_EVERY_MS 2000
#define MSG_MAX 256

/* rsync(1) EXIT VALUES that mean the link, not the request, failed */
static const struct {
	int code;
	const char *what;
} transient_codes[] = {
    {10, "error in socket I/O"},
    {12, "error in the rsync protocol data stream (connection lost)"},
    {30, "timeout in data send/receive"},
    {35, "timeout waiting for the daemon connection"},
};

static const char *skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* "(xfr#12, to-chk=34/100)" or "(xfr#12, ir-chk=34/100)" */
static void parse_chk(const char *p, struct rsync_progress *pr)
{
	unsigned long left, total;
	const char *c = strstr(p, "-chk=");

	if (c && sscanf(c + 5, "%lu/%lu", &left, &total) == 2 && left <= total) {
		pr->files = total - left;
		pr->total = total;
	}
}

bool rsync_parse_progress(const char *line, struct rsync_progress *pr)
{
	const char *p = skip_spaces(line);
	struct rsync_progress r = {0};
	int digits = 0;

	for (; isdigit((unsigned char)*p) || *p == ','; p++) {
		if (*p == ',')
			continue;
		if (r.bytes > (UINT64_MAX - 9) / 10)
			return false;
		r.bytes = r.bytes * 10 + (uint64_t)(*p - '0');
		digits++;
	}
	if (digits == 0 || *p != ' ')
		return false;
	p = skip_spaces(p);
	for (digits = 0; isdigit((unsigned char)*p) && digits < 4; p++, digits++)
		r.percent = r.percent * 10 + (*p - '0');
	if (digits == 0 || *p != '%' || r.percent > 100)
		return false;
	p = skip_spaces(p + 1);
	size_t n = strcspn(p, " ");
	if (n > 2 && n < sizeof(r.rate) && strncmp(p + n - 2, "/s", 2) == 0) {
		memcpy(r.rate, p, n);
		r.rate[n] = '\0';
	}
	parse_chk(p, &r);
	*pr = r;
	return true;
}

enum rsync_verdict rsync_exit_verdict(int st, const char *msg)
{
	if (st == 0 || st == 24)
		return RSYNC_OK;
	for (size_t i = 0; i < ARRAY_SIZE(transient_codes); i++)
		if (st == transient_codes[i].code)
			return RSYNC_TRANSIENT;
	/* 5, "error starting client-server protocol": the daemon's
	 * "@ERROR: max connections (N) reached -- try again later" is a busy
	 * server; "@ERROR: Unknown module" and the like are not */
	if (st == 5 && msg && (strstr(msg, "max connections") || strstr(msg, "try again later")))
		return RSYNC_TRANSIENT;
	return RSYNC_PERMANENT;
}

unsigned rsync_backoff_s(unsigned n)
{
	unsigned s = 2;

	while (n-- > 1 && s < RSYNC_BACKOFF_MAX_S)
		s *= 2;
	return s < RSYNC_BACKOFF_MAX_S ? s : RSYNC_BACKOFF_MAX_S;
}

struct rsync_watch {
	struct install *in;
	unsigned attempt;
	int64_t last_report, last_line;
	struct rsync_progress pr;
	char msgs[2][MSG_MAX]; /* the last two lines that were not progress */
};

static void report_now(struct rsync_watch *w)
{
	char msg[200], stalled[48] = "", tries[32] = "";
	int64_t quiet = now_ms() - w->last_line;

	if (quiet >= REPORT_EVERY_MS)
		snprintf(stalled, sizeof(stalled), ", no data for %lld s",
			 (long long)(quiet / 1000));
	if (w->attempt > 1)
		snprintf(tries, sizeof(tries), ", attempt %u/%d", w->attempt, RSYNC_ATTEMPTS);
	snprintf(msg, sizeof(msg), "%s, %lu/%lu files%s%s", w->pr.rate[0] ? w->pr.rate : "-",
		 w->pr.files, w->pr.total, stalled, tries);
	w->last_report = now_ms();
	report_progress(&w->in->rep, "image", w->pr.percent, w->pr.bytes, msg);
}

static void on_rsync_line(const char *line, void *arg)
{
	struct rsync_watch *w = arg;
	struct rsync_progress pr;

	if (!rsync_parse_progress(line, &pr)) {
		char esc[512];
		log_info("rsync: %s", log_escape(line, strlen(line), esc, sizeof(esc)));
		memcpy(w->msgs[0], w->msgs[1], MSG_MAX);
		snprintf(w->msgs[1], MSG_MAX, "%s", line);
		return;
	}
	if (pr.total == 0) { /* the file counts come once a file is done */
		pr.files = w->pr.files;
		pr.total = w->pr.total;
	}
	w->pr = pr;
	w->last_line = now_ms();
	if (now_ms() - w->last_report >= REPORT_EVERY_MS)
		report_now(w);
}

/* Called by spawn at least every 500 ms: a report every 2 s even when no
 * progress line came (a stalled link is worth showing). */
static void on_rsync_tick(void *arg)
{
	struct rsync_watch *w = arg;

	if (now_ms() - w->last_report >= REPORT_EVERY_MS)
		report_now(w);
}

/* argv: resumable with progress, timeouts for a retry, one --exclude per
 * plan pattern, a protect filter for each filesystem's lost+found (mke2fs
 * made it; --delete must keep it) and for each mount point below / (an
 * image without /boot/efi would otherwise have rsync remove the ESP's
 * mount point: "rmdir(boot/efi) failed: Device or resource busy", exit 23). */
static int build_argv(struct install *in, struct rsync_argv *ra, char *src, size_t srcsz, char *dst,
		      size_t dstsz)
{
	const struct plan *p = &in->plan;
	const char *url = in->args.rsync_url[0] ? in->args.rsync_url : p->rsync_url;
	size_t ulen = strlen(url);
	const struct rsync_argv_opts o = {
	    .rsync = in->args.tools.rsync,
	    .flags = RSYNC_PARTIAL | RSYNC_PROGRESS,
	    .timeout_s = 120, /* a dead link ends in exit 30, and a retry */
	    /* a daemon that does not answer: exit 35; not for a local path */
	    .contimeout_s = strncmp(url, "rsync://", 8) == 0 ? 30 : 0,
	    .src = src,
	    .dst = dst,
	};

	snprintf(src, srcsz, "%s%s", url, ulen && url[ulen - 1] == '/' ? "" : "/");
	snprintf(dst, dstsz, "%s/", in->args.target);
	for (size_t i = 0; i < p->n_excludes; i++)
		rsync_argv_rule(ra, RSYNC_EXCLUDE, "%s", p->excludes[i]);
	for (size_t i = 0; i < p->n_parts; i++) {
		const char *m = p->parts[i].mount;
		if (plan_fs_mountable(p->parts[i].fs) && strcmp(m, "/") != 0)
			rsync_argv_rule(ra, RSYNC_PROTECT, "%s", m);
		if (plan_fs_is_ext(p->parts[i].fs))
			rsync_argv_rule(ra, RSYNC_PROTECT, "%s/lost+found",
					strcmp(m, "/") ? m : "");
	}
	return rsync_argv_build(ra, &o);
}

static const char *verdict_why(int st)
{
	for (size_t i = 0; i < ARRAY_SIZE(transient_codes); i++)
		if (st == transient_codes[i].code)
			return transient_codes[i].what;
	return "the daemon is busy";
}

/* Run rsync until it succeeds, fails for good, or runs out of attempts. */
static int transfer(struct install *in, const char **argv, const char *src, struct rsync_watch *w)
{
	const struct spawn_opts o = {.on_tick = on_rsync_tick};
	char msg[2 * MSG_MAX + 4];
	int st;

	for (w->attempt = 1;; w->attempt++) {
		w->msgs[0][0] = w->msgs[1][0] = '\0';
		w->last_line = now_ms();
		st = spawn_run_opts(argv, &o, on_rsync_line, w, NULL, 0);
		snprintf(msg, sizeof(msg), "%s%s%s", w->msgs[0], w->msgs[0][0] ? " | " : "",
			 w->msgs[1]);
		enum rsync_verdict v = rsync_exit_verdict(st, msg);
		if (v == RSYNC_OK) {
			if (st == 24)
				log_warn("rsync: some files vanished on the server during the "
					 "transfer");
			return 0;
		}
		if (v == RSYNC_PERMANENT)
			return install_fail(in, st < 0 ? st : -EIO, "rsync from %s %s %d: %s", src,
					    st < 0 ? "failed, error" : "exited with", st,
					    msg[0] ? msg : "(no message)");
		if (w->attempt == RSYNC_ATTEMPTS)
			return install_fail(
			    in, -EIO, "rsync from %s exited with %d (%s) %d times: %s", src, st,
			    verdict_why(st), RSYNC_ATTEMPTS, msg[0] ? msg : "(no message)");
		unsigned delay = rsync_backoff_s(w->attempt);
		char note[2 * MSG_MAX + 128];
		snprintf(note, sizeof(note), "rsync exited with %d (%s): retry %u/%d in %u s: %s",
			 st, verdict_why(st), w->attempt + 1, RSYNC_ATTEMPTS, delay, msg);
		log_warn("%s", note);
		report_progress(&in->rep, "image", w->pr.percent, w->pr.bytes, note);
		struct timespec ts = {.tv_sec = delay};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

int step_image(struct install *in)
{
	struct rsync_watch w = {.in = in, .last_report = now_ms()};
	char src[PLAN_URL_MAX + 2], dst[PATH_MAX + 2];
	struct rsync_argv ra = {0};
	int rc;

	if (build_argv(in, &ra, src, sizeof(src), dst, sizeof(dst)) < 0) {
		rc = install_fail(in, -ENOMEM, "out of memory");
		goto out;
	}
	report_progress(&in->rep, "image", 0, 0, src);
	rc = transfer(in, ra.argv, src, &w);
	if (rc == 0)
		report_progress(&in->rep, "image", 100, w.pr.bytes, "image copied");
out:
	rsync_argv_free(&ra);
	return rc;
}
