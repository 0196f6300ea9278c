/* image_rsync.c - see image_rsync.h */
#include "image_rsync.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "install.h"
#include "log.h"
#include "spawn.h"
#include "util.h"

#define REPORT_EVERY_MS 2000
#define RSYNC_FIXED_ARGS 12
#define RSYNC_EXIT_VANISHED 24 /* files vanished on the sender: harmless for an image */

bool rsync_parse_progress(const char *line, uint64_t *bytes, int *percent)
{
	const char *p = line;
	uint64_t b = 0;
	int pct = 0, digits = 0;

	while (*p == ' ')
		p++;
	for (; isdigit((unsigned char)*p) || *p == ','; p++) {
		if (*p == ',')
			continue;
		if (b > (UINT64_MAX - 9) / 10)
			return false;
		b = b * 10 + (uint64_t)(*p - '0');
		digits++;
	}
	if (digits == 0 || *p != ' ')
		return false;
	while (*p == ' ')
		p++;
	for (digits = 0; isdigit((unsigned char)*p) && digits < 4; p++, digits++)
		pct = pct * 10 + (*p - '0');
	if (digits == 0 || *p != '%' || pct > 100)
		return false;
	*bytes = b;
	*percent = pct;
	return true;
}

struct rsync_watch {
	struct install *in;
	int64_t last_report;
	int percent;
	uint64_t bytes;
	char last_msg[256];
};

static void on_rsync_line(const char *line, void *arg)
{
	struct rsync_watch *w = arg;
	uint64_t bytes;
	int pct;

	if (!rsync_parse_progress(line, &bytes, &pct)) {
		char esc[512];
		log_info("rsync: %s", log_escape(line, strlen(line), esc, sizeof(esc)));
		snprintf(w->last_msg, sizeof(w->last_msg), "%s", line);
		return;
	}
	w->bytes = bytes;
	w->percent = pct;
	if (now_ms() - w->last_report >= REPORT_EVERY_MS) {
		w->last_report = now_ms();
		report_progress(&w->in->rep, "image", pct, bytes, "");
	}
}

/* argv: fixed options, one --exclude per plan pattern, a protect filter for
 * each filesystem's lost+found (mke2fs made it; --delete must keep it).
 * Strings built here go to owned[] for the caller to free. */
static int build_argv(struct install *in, const char **argv, char **owned, char *src, size_t srcsz,
		      char *dst, size_t dstsz)
{
	const struct plan *p = &in->plan;
	const char *url = in->args.rsync_url[0] ? in->args.rsync_url : p->rsync_url;
	size_t ulen = strlen(url), n = 0, o = 0;

	snprintf(src, srcsz, "%s%s", url, ulen && url[ulen - 1] == '/' ? "" : "/");
	snprintf(dst, dstsz, "%s/", in->args.target);
	argv[n++] = in->args.tools.rsync;
	argv[n++] = "-aHAXS";
	argv[n++] = "--numeric-ids";
	argv[n++] = "--delete";
	argv[n++] = "--info=progress2";
	argv[n++] = "--no-inc-recursive"; /* a full file list up front: a true percentage */
	argv[n++] = "--timeout=600";
	for (size_t i = 0; i < p->n_excludes; i++) {
		if (asprintf(&owned[o], "--exclude=%s", p->excludes[i]) < 0)
			return -ENOMEM;
		argv[n++] = owned[o++];
	}
	for (size_t i = 0; i < p->n_parts; i++) {
		const char *m = p->parts[i].mount;
		if (!plan_fs_is_ext(p->parts[i].fs))
			continue;
		if (asprintf(&owned[o], "--filter=P %s/lost+found", strcmp(m, "/") ? m : "") < 0)
			return -ENOMEM;
		argv[n++] = owned[o++];
	}
	argv[n++] = src;
	argv[n++] = dst;
	argv[n] = NULL;
	return 0;
}

int step_image(struct install *in)
{
	struct rsync_watch w = {.in = in, .last_report = now_ms()};
	char src[PLAN_URL_MAX + 2], dst[PATH_MAX + 2];
	char *owned[PLAN_MAX_EXCLUDES + PLAN_MAX_PARTS] = {NULL};
	const char **argv = calloc(RSYNC_FIXED_ARGS + ARRAY_SIZE(owned), sizeof(*argv));
	int st, rc = 0;

	if (!argv || build_argv(in, argv, owned, src, sizeof(src), dst, sizeof(dst)) < 0) {
		rc = install_fail(in, -ENOMEM, "out of memory");
		goto out;
	}
	report_progress(&in->rep, "image", 0, 0, src);
	st = spawn_run(argv, on_rsync_line, &w, NULL, 0);
	if (st == RSYNC_EXIT_VANISHED) {
		log_warn("rsync: some files vanished on the server during the transfer");
	} else if (st != 0) {
		rc = install_fail(in, st < 0 ? st : -EIO, "rsync from %s %s %d: %s", src,
				  st < 0 ? "failed, error" : "exited with", st, w.last_msg);
		goto out;
	}
	report_progress(&in->rep, "image", 100, w.bytes, "image copied");
out:
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++)
		free(owned[i]);
	free(argv);
	return rc;
}
