/* fuzz_hostlist.c - libFuzzer harness for host-list expressions: every
 * input expands to names that are non-empty, or is refused with a message. */
#include "hostlist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char expr[512], err[256];
	char **names;
	size_t n;

	if (size >= sizeof(expr))
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';
	if (hostlist_expand(expr, &names, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++)
			if (names[i][0] == '\0')
				abort();
		hostlist_free(names, n);
	} else if (err[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	return 0;
}
