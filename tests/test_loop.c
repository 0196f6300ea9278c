/* test_loop.c - the event loop: timers fire in deadline order, can be
 * cancelled and re-armed from callbacks; fds dispatch; signals arrive
 * through the loop. */
#include "common/loop.h"
#include "util.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct rec {
	int order[16];
	int n;
	struct loop_timer *victim;
	int rearms;
};

struct tid {
	struct rec *rec;
	int id;
};

static void t_id(struct loop *l, struct loop_timer *t, void *arg)
{
	struct tid *x = arg;
	(void)t;
	x->rec->order[x->rec->n++] = x->id;
	if (x->rec->victim) {
		loop_timer_cancel(l, x->rec->victim);
		x->rec->victim = NULL;
	}
	if (x->id == 99)
		loop_quit(l);
}

static void test_timer_order_and_cancel(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	struct tid a = { &r, 1 }, b = { &r, 2 }, c = { &r, 3 }, q = { &r, 99 };
	int64_t now = now_ms();
	(void)state;

	assert_non_null(loop_timer_add(l, now + 30, t_id, &c));
	assert_non_null(loop_timer_add(l, now + 10, t_id, &a));
	r.victim = loop_timer_add(l, now + 20, t_id, &b); /* cancelled by a */
	assert_non_null(loop_timer_add(l, now + 40, t_id, &q));
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 3);
	assert_int_equal(r.order[2], 99);
	loop_free(l);
}

static void t_rearm(struct loop *l, struct loop_timer *t, void *arg)
{
	struct rec *r = arg;
	if (++r->rearms < 3)
		loop_timer_rearm(l, t, now_ms() + 1);
	else
		loop_quit(l);
}

static void test_timer_rearm(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { 0 };
	(void)state;
	assert_non_null(loop_timer_add(l, now_ms(), t_rearm, &r));
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.rearms, 3);
	loop_free(l);
}

static void fd_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	char buf[8];
	int *got = arg;
	assert_true(ev & EPOLLIN);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	*got = 1;
	loop_del_fd(l, fd); /* deleting itself from its own callback is allowed */
	loop_quit(l);
}

static void test_fd_dispatch(void **state)
{
	struct loop *l = loop_new();
	int p[2], got = 0;
	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_add_fd(l, p[0], EPOLLIN, fd_cb, &got), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(got, 1);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void sig_cb(struct loop *l, int signo, void *arg)
{
	*(int *)arg = signo;
	loop_quit(l);
}

static void test_signal(void **state)
{
	struct loop *l = loop_new();
	int got = 0;
	(void)state;
	assert_int_equal(loop_add_signal(l, SIGUSR1, sig_cb, &got), 0);
	kill(getpid(), SIGUSR1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(got, SIGUSR1);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order_and_cancel),
		cmocka_unit_test(test_timer_rearm),
		cmocka_unit_test(test_fd_dispatch),
		cmocka_unit_test(test_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
