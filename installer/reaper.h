/* reaper.h - the one place the installer reaps children.
 *
 * As PID 1 (or a child subreaper) the installer inherits every orphan: a
 * hook's background job, rsync's helper, a daemon a post-install script
 * started. They must be reaped (zombies fill the PID table) but a blind
 * waitpid(-1) would steal the exit status of the tool spawn is waiting for.
 * So every wait goes through reaper_collect(): it reaps every exited child
 * and hands the status of a claimed pid to its claimant; anything else is
 * an orphan, logged and forgotten. Single-threaded, like the installer. */
#ifndef INSTALLER_REAPER_H
#define INSTALLER_REAPER_H

#include <stdbool.h>
#include <sys/types.h>

#define REAPER_SLOTS 8

/* Claim pid (a child just forked): its status is kept for reaper_done().
 * Returns a slot number or -ENOSPC. */
int reaper_claim(pid_t pid);

/* Has the claimed child exited (reaped by reaper_collect)? Fills *status
 * (waitpid form) and frees the slot when it has. */
bool reaper_done(int slot, int *status);

/* Give up on a claimed child (it will be reaped as an orphan later). */
void reaper_release(int slot);

/* Reap every child that has exited, without blocking. Returns the number
 * of orphans (unclaimed children) reaped. */
int reaper_collect(void);

/* Total orphans reaped since start (for logs and tests). */
unsigned reaper_orphans_reaped(void);

/* Not PID 1 (a run by hand or a test): become the child subreaper, so the
 * orphans of our children come to us as they would to PID 1. */
void reaper_become_subreaper(void);

#endif
