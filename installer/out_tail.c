/* out_tail.c - see out_tail.h */
#include "out_tail.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void out_tail_line(const char *line, void *arg)
{
	struct out_tail *t = arg;
	char esc[OUT_TAIL_LINE_MAX * 2];

	log_info("%s: %s", t->what, log_escape(line, strlen(line), esc, sizeof(esc)));
	snprintf(t->lines[t->n % OUT_TAIL_LINES], OUT_TAIL_LINE_MAX, "%.*s", OUT_TAIL_LINE_MAX - 1,
		 esc);
	t->n++;
}

void out_tail_join(const struct out_tail *t, char *out, size_t outsz)
{
	size_t kept = t->n < OUT_TAIL_LINES ? t->n : OUT_TAIL_LINES, first, need = 0, o = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	/* the newest lines that fit: a tool's last line says why it failed */
	while (kept > 0) {
		need = 0;
		for (size_t i = t->n - kept; i < t->n; i++)
			need += strlen(t->lines[i % OUT_TAIL_LINES]) + (i > t->n - kept ? 3 : 0);
		if (need < outsz || kept == 1)
			break;
		kept--;
	}
	first = t->n - kept;
	for (size_t i = first; i < t->n && o + 1 < outsz; i++) {
		int w = snprintf(out + o, outsz - o, "%s%s", i > first ? " | " : "",
				 t->lines[i % OUT_TAIL_LINES]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

int out_tail_verdict(const struct out_tail *t, int st, unsigned timeout_s, char *out, size_t outsz)
{
	int n;

	if (st == -ETIMEDOUT)
		n = snprintf(out, outsz, "timed out after %u s: ", timeout_s);
	else
		n = snprintf(out, outsz, "%s %d: ",
			     st == -ECHILD ? "was killed,"
			     : st < 0	   ? "could not run, error"
					   : "exited",
			     st);
	if (n >= 0 && (size_t)n < outsz) {
		out_tail_join(t, out + n, outsz - (size_t)n);
		if (!out[n])
			snprintf(out + n, outsz - (size_t)n, "(no output)");
	}
	return st < 0 ? st : -EIO;
}
