/* fuzz_layout_import.c - libFuzzer harness for `bootsrv layout import`:
 * any autoinstallscript.conf text converts or is refused with errors;
 * nothing is written on refusal. */
#include "cli/layout_import.h"
#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void count(unsigned line, bool warning, const char *msg, void *arg)
{
	(void)line;
	(void)msg;
	if (!warning)
		(*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t outlen = 0;
	int errors = 0;
	FILE *f = open_memstream(&out, &outlen);

	if (!f)
		return 0;
	int r = layout_import_convert((const char *)data, size, "fuzz", f, count, &errors);
	fclose(f);
	if (r != errors || (r > 0 && outlen != 0))
		abort(); /* error count must match reports; refusal writes nothing */
	free(out);
	return 0;
}
