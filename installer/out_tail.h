/* out_tail.h - the last few output lines of a tool run in the target (a
 * hook, grub-install, update-grub), logged as they come and joined into
 * the failure message the server gets. */
#ifndef INSTALLER_OUT_TAIL_H
#define INSTALLER_OUT_TAIL_H

#include <stddef.h>

#define OUT_TAIL_LINES 4
#define OUT_TAIL_LINE_MAX 160

struct out_tail {
	char lines[OUT_TAIL_LINES][OUT_TAIL_LINE_MAX];
	size_t n;
	const char *what; /* log prefix: "hook 10-first", "grub-install" */
};

/* spawn_line_fn: log the line (escaped) and keep it; arg is the out_tail. */
void out_tail_line(const char *line, void *arg);
/* The kept lines joined with " | ", oldest first ("" when none). When they
 * do not all fit in outsz the oldest are left out first: the last line is
 * the one that says why. */
void out_tail_join(const struct out_tail *t, char *out, size_t outsz);

/* How a run ended (st as spawn_run_opts returns it, not 0), for the failure
 * message: "exited 3: <tail>", "timed out after N s: <tail>", "was killed,
 * -10: ...", "could not run, error -2: ...", the tail cut to fit outsz as
 * out_tail_join does. Returns the -errno to fail with. */
int out_tail_verdict(const struct out_tail *t, int st, unsigned timeout_s, char *out, size_t outsz);

#endif
