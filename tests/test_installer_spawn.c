/* test_installer_spawn.c - running tools as the installer does, with real
 * processes (/bin/sh, sleep): the run ends when the child exits even when a
 * background job holds its output pipe; the output written before exit is
 * all read; a time limit kills the whole process group; leftovers are
 * killed when asked; orphans are reaped without taking the exit status of
 * the child spawn waits for. The test process is a child subreaper, so
 * orphans come to it as they come to PID 1 in the initramfs. */
#include "hooks.h"
#include "install.h"
#include "reaper.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define WAIT_LIMIT_MS 20000 /* only a bound for a broken build, never asserted */

struct lines {
	char text[64][128];
	size_t n;
};

static void collect(const char *line, void *arg)
{
	struct lines *l = arg;

	if (l->n < 64)
		snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
	l->n++;
}

static int sh(const char *script, const struct spawn_opts *o, struct lines *out)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};

	memset(out, 0, sizeof(*out));
	return spawn_run_opts(argv, o, collect, out, NULL, 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Reap until pid is gone (killed and reaped as an orphan). */
static bool gone(pid_t pid)
{
	for (int64_t end = now_ms() + WAIT_LIMIT_MS; now_ms() < end; sleep_ms(20)) {
		reaper_collect();
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
	}
	return false;
}

static int setup(void **state)
{
	(void)state;
	signal(SIGCHLD, SIG_DFL);
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static void test_exit_codes(void **state)
{
	struct lines l;
	const char *missing[] = {"/nonexistent/tool", NULL};
	char last[64];
	(void)state;

	assert_int_equal(sh("echo one; echo two >&2; exit 3", NULL, &l), 3);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.text[0], "one");
	assert_string_equal(l.text[1], "two");
	assert_int_equal(sh("kill -9 $$", NULL, &l), -ECHILD);
	assert_int_equal(spawn_run(missing, NULL, NULL, last, sizeof(last)), 127);
	assert_non_null(strstr(last, "exec /nonexistent/tool"));
}

/* Everything written before exit is read, even more than a pipe holds. */
static void test_output_after_exit(void **state)
{
	struct lines l;
	(void)state;

	assert_int_equal(
	    sh("i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done", NULL, &l), 0);
	assert_int_equal(l.n, 20000);
	assert_string_equal(l.text[63], "line63");
}

/* A background job holding stdout does not keep the run going. */
static void test_background_holds_pipe(void **state)
{
	struct lines l;
	pid_t bg;
	(void)state;

	assert_int_equal(sh("sleep 1000 & echo $!; echo finished", NULL, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.text[1], "finished");
	bg = (pid_t)atoi(l.text[0]);
	assert_true(bg > 1);
	assert_int_equal(kill(bg, 0), 0); /* still running: nobody waited for it */
	unsigned before = reaper_orphans_reaped();
	kill(bg, SIGKILL);
	assert_true(gone(bg)); /* the orphan, reparented to us, reaped */
	assert_true(reaper_orphans_reaped() > before);
}

static void test_kill_leftovers(void **state)
{
	const struct spawn_opts o = {.kill_leftovers = true};
	struct lines l;
	(void)state;

	assert_int_equal(sh("sleep 1000 & echo $!", &o, &l), 0);
	assert_int_equal(l.n, 1);
	assert_true(gone((pid_t)atoi(l.text[0])));
}

/* Past the limit the child and its whole process group are killed; its
 * output so far is kept. */
static void test_timeout_kills_group(void **state)
{
	const struct spawn_opts o = {.timeout_s = 1};
	struct lines l;
	(void)state;

	assert_int_equal(sh("echo started; sleep 1000 & echo $!; sleep 1000", &o, &l), -ETIMEDOUT);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.text[0], "started");
	assert_true(gone((pid_t)atoi(l.text[1])));
}

/* An unclaimed child exits while spawn waits for its own: reaped as an
 * orphan, and spawn still gets its child's status. */
static void test_orphan_does_not_steal_status(void **state)
{
	unsigned before = reaper_orphans_reaped();
	struct lines l;
	pid_t other = fork();
	(void)state;

	assert_true(other >= 0);
	if (other == 0) {
		sleep_ms(100);
		_exit(5);
	}
	assert_int_equal(sh("sleep 1; exit 7", NULL, &l), 7);
	assert_true(gone(other));
	assert_true(reaper_orphans_reaped() > before);
}

static void test_hook_timeout_choice(void **state)
{
	struct install *in = calloc(1, sizeof(*in));
	(void)state;

	assert_non_null(in);
	assert_int_equal(hooks_timeout_s(in), HOOK_TIMEOUT_DEFAULT_S);
	in->plan.hook_timeout_s = 90;
	assert_int_equal(hooks_timeout_s(in), 90);
	in->args.hook_timeout_s = 5; /* --hook-timeout wins */
	assert_int_equal(hooks_timeout_s(in), 5);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test(test_output_after_exit),
	    cmocka_unit_test(test_background_holds_pipe),
	    cmocka_unit_test(test_kill_leftovers),
	    cmocka_unit_test(test_timeout_kills_group),
	    cmocka_unit_test(test_orphan_does_not_steal_status),
	    cmocka_unit_test(test_hook_timeout_choice),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
