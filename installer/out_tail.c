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
	size_t first = t->n > OUT_TAIL_LINES ? t->n - OUT_TAIL_LINES : 0, o = 0;

	out[0] = '\0';
	for (size_t i = first; i < t->n && o < outsz; i++) {
		int w = snprintf(out + o, outsz - o, "%s%s", i > first ? " | " : "",
				 t->lines[i % OUT_TAIL_LINES]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

int out_tail_verdict(const struct out_tail *t, int st, unsigned timeout_s, char *out, size_t outsz)
{
	char tail[OUT_TAIL_LINES * OUT_TAIL_LINE_MAX];

	out_tail_join(t, tail, sizeof(tail));
	if (!tail[0])
		snprintf(tail, sizeof(tail), "(no output)");
	if (st == -ETIMEDOUT)
		snprintf(out, outsz, "timed out after %u s: %s", timeout_s, tail);
	else
		snprintf(out, outsz, "%s %d: %s",
			 st == -ECHILD ? "was killed,"
			 : st < 0      ? "could not run, error"
				       : "exited",
			 st, tail);
	return st < 0 ? st : -EIO;
}
