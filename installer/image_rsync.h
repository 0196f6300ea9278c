/* image_rsync.h - the "image" step: the real rsync client pulls the golden
 * image into the target; its --info=progress2 lines become progress reports
 * (bytes, rate, files; one at least every 2 s, also while the transfer is
 * stalled). An exit that means the network or the connection failed is
 * retried a bounded number of times with a growing delay; --partial keeps
 * what a broken transfer had received, so the retry does not start over.
 * Any other failure ends the step at once with rsync's own words. */
#ifndef INSTALLER_IMAGE_RSYNC_H
#define INSTALLER_IMAGE_RSYNC_H

#include <stdbool.h>
#include <stdint.h>

struct install;

#define RSYNC_ATTEMPTS 5 /* the first run and 4 retries */
#define RSYNC_BACKOFF_MAX_S 30

struct rsync_progress {
	uint64_t bytes;
	int percent;
	char rate[16];	     /* "12.34MB/s" as rsync prints it, "" if absent */
	unsigned long files; /* files checked so far (total - to-chk) */
	unsigned long total; /* files in the list, 0 if absent */
};

/* "  1,234,567  45%   12.34MB/s    0:00:12 (xfr#12, to-chk=34/100)" ->
 * bytes 1234567, percent 45, rate 12.34MB/s, files 66 of 100. Returns
 * true for a progress line (the fields after the percentage optional). */
bool rsync_parse_progress(const char *line, struct rsync_progress *p);

enum rsync_verdict {
	RSYNC_OK,	 /* 0, and 24: files vanished on the sender meanwhile */
	RSYNC_TRANSIENT, /* the network or the connection: try again */
	RSYNC_PERMANENT, /* trying again gives the same answer */
};

/* What rsync's exit status st means (st < 0: it could not run or was
 * killed). msg: its last messages, which tell a daemon that is full
 * ("max connections ... try again later", exit 5) from one that refuses
 * (unknown module, also exit 5). */
enum rsync_verdict rsync_exit_verdict(int st, const char *msg);

/* Seconds to wait before retry number n (1-based): 2, 4, 8, 16, capped. */
unsigned rsync_backoff_s(unsigned n);

int step_image(struct install *in);

#endif
