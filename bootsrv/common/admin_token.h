/* admin_token.h - the admin token: 64 hex characters in
 * state_dir/admin.token (mode 0600), made by the daemon on first start and
 * read by the CLI. One reader for both, so they agree on what is valid. */
#ifndef BOOTSRV_ADMIN_TOKEN_H
#define BOOTSRV_ADMIN_TOKEN_H

#include <stddef.h>

#define ADMIN_TOKEN_LEN 64

/* Path of the token file into out. 0 or -ENAMETOOLONG. */
int admin_token_path(const char *state_dir, char *out, size_t outsz);
/* Read the token (trailing whitespace ignored) into token. 0, -ENOENT,
 * -EINVAL (not 64 hex characters) or -errno. */
int admin_token_read(const char *state_dir, char token[ADMIN_TOKEN_LEN + 1]);

#endif
