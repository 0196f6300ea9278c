/* reaper.c - see reaper.h */
#include "reaper.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "log.h"

static struct {
	pid_t pid; /* 0: free */
	bool exited;
	int status;
} slots[REAPER_SLOTS];
static unsigned orphans;

int reaper_claim(pid_t pid)
{
	for (int i = 0; i < REAPER_SLOTS; i++)
		if (slots[i].pid == 0) {
			slots[i].pid = pid;
			slots[i].exited = false;
			slots[i].status = 0;
			return i;
		}
	return -ENOSPC;
}

bool reaper_done(int slot, int *status)
{
	if (slot < 0 || slot >= REAPER_SLOTS || !slots[slot].exited)
		return false;
	*status = slots[slot].status;
	slots[slot].pid = 0;
	slots[slot].exited = false;
	return true;
}

void reaper_release(int slot)
{
	if (slot >= 0 && slot < REAPER_SLOTS)
		slots[slot].pid = 0;
}

static void log_orphan(pid_t pid, int st)
{
	if (WIFEXITED(st))
		log_info("reaped orphan process %d (exit %d)", (int)pid, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_info("reaped orphan process %d (signal %d)", (int)pid, WTERMSIG(st));
}

int reaper_collect(void)
{
	int st, n = 0;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		int i;
		for (i = 0; i < REAPER_SLOTS; i++)
			if (slots[i].pid == p && !slots[i].exited)
				break;
		if (i < REAPER_SLOTS) {
			slots[i].exited = true;
			slots[i].status = st;
			continue;
		}
		log_orphan(p, st);
		orphans++;
		n++;
	}
	if (p < 0 && errno != ECHILD && errno != EINTR)
		log_warn_errno("waitpid");
	return n;
}

unsigned reaper_orphans_reaped(void)
{
	return orphans;
}

void reaper_become_subreaper(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
}
