/* util.h - small helpers shared by server, installer and tools:
 * checked number parsing, MAC text forms, atomic file writes. */
#ifndef BOOTSRV_UTIL_H
#define BOOTSRV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Characters no mount point may hold: rsync reads a mount point as a
 * pattern (--filter=P), where these are wildcards or escapes. */
#define MOUNT_POINT_BAD_CHARS "*?[\\"

/* Parse a decimal integer in [min, max]; the whole string must be the number.
 * Returns 0, -EINVAL (not a number / trailing junk) or -ERANGE. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Parse a size "512", "101M", "2G", "1T", "4096K" (binary units, bytes when
 * no suffix). Returns 0, -EINVAL or -ERANGE. */
int parse_size(const char *s, uint64_t *bytes);

/* An IPv4 network "192.0.2.0/24" (or a bare address, meaning /32) into
 * network and mask, both in network byte order. -EINVAL when it is not
 * one, -ERANGE for a prefix over 32, -EDOM when host bits are set. */
struct in_addr;
int parse_cidr(const char *s, struct in_addr *net, struct in_addr *mask);
/* The reverse: "192.0.2.0/24" into out (at least CIDR_STRLEN bytes). */
/* Prefix length of a netmask (network byte order). */
int netmask_bits(struct in_addr mask);
#define CIDR_STRLEN 19
void cidr_format(struct in_addr net, struct in_addr mask, char *out);

/* MAC in "aa:bb:cc:dd:ee:ff" or "aa-bb-..." form (case-insensitive).
 * Returns 0 or -EINVAL. */
int mac_parse(const char *s, uint8_t mac[6]);
/* Writes "aa:bb:cc:dd:ee:ff" (sep ':') or "aa-bb-..." (sep '-'); out >= 18. */
void mac_format(const uint8_t mac[6], char sep, char out[18]);

/* Write data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. Returns 0 or -errno. */
int write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);
/* Read a whole file (at most max bytes, else -EFBIG) into a NUL-terminated
 * malloc'd buffer. Returns 0 or -errno. */
int read_file(const char *path, size_t max, char **data, size_t *len);
/* The first line of a small file (a sysfs attribute, a machine-id) into
 * buf without its newline, cut to sz - 1 bytes. Returns 0 or -errno
 * (-EFBIG beyond 64 KiB). */
int read_first_line(const char *path, char *buf, size_t sz);
/* An O_PATH descriptor of the directory root/rel, walked one component at
 * a time without following symlinks (a directory tree from an image must
 * not lead outside it): a symlink on the way is -ELOOP, a file -ENOTDIR,
 * "." or ".." -EINVAL. With create, missing directories are made with
 * mode. Returns the fd or -errno. */
int open_dir_in_root(const char *root, const char *rel, bool create, unsigned mode);
/* mkdir -p with mode for created components. Returns 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);

/* A serial console= value, "ttyS1" or "ttyS1,115200n8": its port and
 * speed (9600 when not given), for the boot loader's own serial
 * terminal. false when console is not a ttyS port (tty0, hvc0, "", NULL). */
bool console_serial(const char *console, unsigned *port, unsigned *speed);

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);

/* Fill buf with len random bytes from getrandom(2). Returns 0 or -errno. */
int random_bytes(void *buf, size_t len);
/* Hex-encode len bytes into out (size >= 2*len+1). */
void hex_encode(const void *data, size_t len, char *out);
/* A name bootsrv uses in paths, URLs and config keys (host, image, layout,
 * flavor): 1-63 characters of [A-Za-z0-9._-], not starting with '.'. */
bool name_valid(const char *s);

/* Constant-time string compare for tokens. */
bool token_equal(const char *a, const char *b);

/* FNV-1a, 32 bits: hash tables and row checksums (not for secrets). */
uint32_t fnv1a(const void *data, size_t len);

/* First call in a child a daemon forks for file work (copies, deletions):
 * a process group of its own, default signal actions, nothing blocked, no
 * inherited fd but 0-2. Without it the child holds the daemon's sockets
 * (a restarted daemon cannot bind) and ignores the SIGTERM of a stop. */
void fork_child_reset(void);

#endif
