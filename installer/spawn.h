/* spawn.h - run a tool (fork + execv, absolute path: the initramfs's busybox
 * applets shadow PATH) with its stdout+stderr read line by line. */
#ifndef INSTALLER_SPAWN_H
#define INSTALLER_SPAWN_H

#include <stddef.h>

/* Called for each output line ('\n' or '\r' terminated, as rsync's progress
 * lines are), without the terminator. */
typedef void (*spawn_line_fn)(const char *line, void *arg);

/* Run argv[0] with argv; on_line may be NULL (lines are then logged at debug
 * level). The last non-empty output line is kept in last (may be NULL).
 * Returns the exit status (0..255), -EINTR-like -errno if it could not be
 * run, or -ECHILD if it died from a signal. */
int spawn_run(const char *const argv[], spawn_line_fn on_line, void *arg, char *last,
	      size_t lastsz);

/* The same, run chrooted into root (when not NULL) with the environment
 * env (NULL: the fixed PATH/LANG one). */
int spawn_run_in(const char *root, char *const env[], const char *const argv[],
		 spawn_line_fn on_line, void *arg, char *last, size_t lastsz);

/* Format argv into out for log lines. */
void spawn_format_argv(const char *const argv[], char *out, size_t outsz);

#endif
