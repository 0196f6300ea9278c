/* pid1_core.h - what every PID 1 here does the same way: the installer's
 * init (installer/pid1.c) and the test images' boot init
 * (initramfs/bootinit.c). Signals blocked (PID 1 gets no default actions:
 * they are waited for), the API filesystems mounted, the console as fds
 * 0-2, a shell on the console, children reaped.
 *
 * What differs between the two stays with them and comes in as a
 * parameter: how a failed mount is told and whether the rest is still
 * mounted, which shell, the rescue loop itself (the installer respawns and
 * reboots on Ctrl-Alt-Del; bootinit waits for its shell).
 *
 * libc only: bootinit links this statically (Makefile BOOTINIT_LIB_OBJ). */
#ifndef BOOTSRV_PID1_CORE_H
#define BOOTSRV_PID1_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PID1_CONSOLE "/dev/console"

struct pid1_mount {
	const char *source, *target, *type, *data;
	unsigned long flags;
};

/* /proc, /sys and /dev (devtmpfs), in that order: what both inits need
 * before anything else. */
#define PID1_API_MOUNTS 3
extern const struct pid1_mount pid1_api_mounts[PID1_API_MOUNTS];

/* A mount(2) that failed (not its mkdir), err a -errno: the caller says so
 * in its own words. */
typedef void (*pid1_mount_fail_fn)(const struct pid1_mount *m, int err);

/* mkdir each target (0755; EEXIST is fine) and mount it (EBUSY: already
 * mounted, fine). keep_going: a failure is remembered and the rest still
 * mounted; else the first failure ends it. on_fail may be NULL. Returns 0
 * or the first -errno. */
int pid1_mount_all(const struct pid1_mount *m, size_t n, bool keep_going,
		   pid1_mount_fail_fn on_fail);

/* How pid1_console_stdio fills fds 0-2 when one of them is closed (the
 * kernel leaves PID 1 all three or none: the two differ only for a PID 1
 * started some other way). */
enum pid1_stdio {
	PID1_STDIO_ALL,	   /* all three become the console */
	PID1_STDIO_CLOSED, /* only the closed ones do; an open one is kept */
};

/* The kernel opens the console for PID 1 only if the initramfs has the
 * node; otherwise fds 0-2 are closed and the next open() would land there.
 * With fds 0-2 open this does nothing. console is PID1_CONSOLE but for
 * tests. Returns 0 or the first -errno. */
int pid1_console_stdio(const char *console, enum pid1_stdio how);

/* sigprocmask of every signal (block) or none (unblock, for a child about
 * to exec). Return 0 or -errno. */
int pid1_block_signals(void);
int pid1_unblock_signals(void);

/* fork a shell for the console: signals unblocked, a session of its own
 * with console (opened read-write) as controlling terminal and fds 0-2,
 * then execl(path, argv0). A child that cannot exec exits 127. Returns the
 * child's pid, or -1 if fork failed (errno set). */
pid_t pid1_spawn_shell(const char *console, const char *path, const char *argv0);

/* Reap every child that has exited, without blocking. True when one of
 * them was watch (watch <= 0: none is watched). */
bool pid1_reap_nohang(pid_t watch);

#endif
