/* admin_token.c - see admin_token.h */
#include "admin_token.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int admin_token_path(const char *state_dir, char *out, size_t outsz)
{
	if (snprintf(out, outsz, "%s/admin.token", state_dir) >= (int)outsz)
		return -ENAMETOOLONG;
	return 0;
}

int admin_token_read(const char *state_dir, char token[ADMIN_TOKEN_LEN + 1])
{
	char path[4096], *data = NULL;
	size_t len = 0;
	int r;

	if ((r = admin_token_path(state_dir, path, sizeof(path))) < 0)
		return r;
	if ((r = read_file(path, 4096, &data, &len)) < 0)
		return r;
	while (len > 0 && isspace((unsigned char)data[len - 1]))
		data[--len] = '\0';
	r = len == ADMIN_TOKEN_LEN ? 0 : -EINVAL;
	for (size_t i = 0; r == 0 && i < len; i++)
		if (!isxdigit((unsigned char)data[i]))
			r = -EINVAL;
	if (r == 0)
		memcpy(token, data, ADMIN_TOKEN_LEN + 1);
	free(data);
	return r;
}
