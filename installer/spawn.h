/* spawn.h - run a tool (fork + execv, absolute path: the initramfs's busybox
 * applets shadow PATH) with its stdout+stderr read line by line.
 *
 * The run ends when the child exits, not when its output pipe closes: a
 * background process the child left behind may hold the pipe open forever
 * (a hook's "daemon &"). What the child wrote before it exited is still
 * read (the pipe is drained once it has exited). Children are reaped
 * through reaper.h, so PID 1 reaps orphans meanwhile without taking the
 * child's exit status. */
#ifndef INSTALLER_SPAWN_H
#define INSTALLER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/* Called for each output line ('\n' or '\r' terminated, as rsync's progress
 * lines are), without the terminator. */
typedef void (*spawn_line_fn)(const char *line, void *arg);

struct spawn_opts {
	const char *root;	    /* chroot here first (NULL: no chroot) */
	char *const *env;	    /* NULL: the fixed PATH/LANG one */
	unsigned timeout_s;	    /* 0: none; else the whole process group is killed
				     * (SIGKILL) when the child runs longer */
	bool own_group;		    /* the child leads a new process group; implied by
				     * timeout_s and kill_leftovers */
	bool kill_leftovers;	    /* once the child exits, SIGKILL what is left of
				     * its process group (a hook's background jobs) */
	void (*on_tick)(void *arg); /* called with on_line's arg at least every
				     * 500 ms while the child runs */
};

/* Run argv[0] with argv; on_line may be NULL (lines are then logged at debug
 * level). The last non-empty output line is kept in last (may be NULL).
 * Returns the exit status (0..255), -errno if it could not be run,
 * -ECHILD if it died from a signal, -ETIMEDOUT if it was killed for
 * running longer than opts->timeout_s. */
int spawn_run_opts(const char *const argv[], const struct spawn_opts *opts, spawn_line_fn on_line,
		   void *arg, char *last, size_t lastsz);

/* spawn_run_opts without options. */
int spawn_run(const char *const argv[], spawn_line_fn on_line, void *arg, char *last,
	      size_t lastsz);

/* The same, run chrooted into root (when not NULL) with the environment
 * env (NULL: the fixed PATH/LANG one). */
int spawn_run_in(const char *root, char *const env[], const char *const argv[],
		 spawn_line_fn on_line, void *arg, char *last, size_t lastsz);

/* Format argv into out for log lines. */
void spawn_format_argv(const char *const argv[], char *out, size_t outsz);

#endif
