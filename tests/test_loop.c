/* test_loop.c - the event loop: timers fire in deadline order, can be
 * cancelled and re-armed from callbacks; fds dispatch through their
 * handles, which can be deleted from any callback in the batch; signals
 * arrive through the loop. */
#include "common/loop.h"
#include "util.h"

#include <errno.h>
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

/* One pipe in the loop; fires counts its callbacks. */
struct pw {
	int p[2];
	struct loop_fd *w;
	int fires;
	struct pw *victim; /* deleted by this one's callback, if set */
};

static void pw_open(struct loop *l, struct pw *x, uint32_t events, loop_fd_cb cb)
{
	assert_int_equal(pipe(x->p), 0);
	x->w = loop_add_fd(l, x->p[0], events, cb, x);
	assert_non_null(x->w);
}

static void pw_close(struct pw *x)
{
	close(x->p[0]);
	close(x->p[1]);
}

static void pw_fill(struct pw *x)
{
	assert_int_equal(write(x->p[1], "abc", 3), 3);
}

static void t_quit(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	loop_quit(l);
}

/* Run the loop for ms: long enough for any pending event to fire. */
static void run_for(struct loop *l, int ms)
{
	assert_non_null(loop_timer_add(l, now_ms() + ms, t_quit, NULL));
	assert_int_equal(loop_run(l), 0);
}

static void del_self_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct pw *x = arg;
	char buf[8];

	assert_true(ev & EPOLLIN);
	assert_int_equal(fd, x->p[0]);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	x->fires++;
	/* deleting itself from its own callback is allowed */
	assert_int_equal(loop_del_fd(l, x->w), 0);
	/* and the handle is known to be dead until it is freed */
	assert_int_equal(loop_mod_fd(l, x->w, EPOLLIN), -ENOENT);
	assert_int_equal(loop_del_fd(l, x->w), -ENOENT);
}

static void test_fd_dispatch(void **state)
{
	struct loop *l = loop_new();
	struct pw x = { 0 };
	(void)state;
	pw_open(l, &x, EPOLLIN, del_self_cb);
	pw_fill(&x);
	run_for(l, 20);
	assert_int_equal(x.fires, 1);
	assert_int_equal(loop_debug_swept(l), 1);
	pw_fill(&x); /* deleted: no longer in the loop */
	run_for(l, 20);
	assert_int_equal(x.fires, 1);
	assert_int_equal(loop_del_fd(l, NULL), 0);
	pw_close(&x);
	loop_free(l);
}

/* Deletes its victim, which is also ready in the same epoll batch. */
static void del_other_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct pw *x = arg;
	char buf[8];

	(void)ev;
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	x->fires++;
	assert_int_equal(loop_del_fd(l, x->victim->w), 0);
	loop_quit(l);
}

static void test_fd_del_other_in_batch(void **state)
{
	struct loop *l = loop_new();
	struct pw a = { 0 }, b = { 0 };
	(void)state;
	a.victim = &b;
	b.victim = &a;
	pw_open(l, &a, EPOLLIN, del_other_cb);
	pw_open(l, &b, EPOLLIN, del_other_cb);
	/* both ready before the wait: one batch holds both events */
	pw_fill(&a);
	pw_fill(&b);
	assert_int_equal(loop_run(l), 0);
	/* whichever ran first deleted the other, whose event was dropped */
	assert_int_equal(a.fires + b.fires, 1);
	assert_int_equal(loop_debug_swept(l), 1);
	run_for(l, 20); /* the deleted one's data is still there: unheard */
	assert_int_equal(a.fires + b.fires, 1);
	pw_close(&a);
	pw_close(&b);
	loop_free(l);
}

static void count_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct pw *x = arg;
	char buf[8];

	(void)l;
	assert_true(ev & EPOLLIN);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	x->fires++;
}

static void test_fd_mod(void **state)
{
	struct loop *l = loop_new();
	struct pw x = { 0 };
	(void)state;
	pw_open(l, &x, 0, count_cb);
	pw_fill(&x);
	run_for(l, 20);
	assert_int_equal(x.fires, 0); /* readable, but not asked for */
	assert_int_equal(loop_mod_fd(l, x.w, EPOLLIN), 0);
	run_for(l, 20);
	assert_int_equal(x.fires, 1);
	assert_int_equal(loop_mod_fd(l, x.w, 0), 0);
	pw_fill(&x);
	run_for(l, 20);
	assert_int_equal(x.fires, 1);
	assert_int_equal(loop_mod_fd(l, NULL, EPOLLIN), -ENOENT);
	pw_close(&x);
	loop_free(l);
}

static void keep_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	(void)l;
	(void)fd;
	(void)ev;
	((struct pw *)arg)->fires++; /* never drained: ready every turn */
}

static int five_turns(struct loop *l, void *arg)
{
	int *turns = arg;

	if (++*turns == 5)
		loop_quit(l);
	return 0;
}

/* Live watches are dispatched, never walked: a turn visits deleted
 * watches only. loop_free frees live and deleted ones (LeakSanitizer). */
static void test_fd_live_not_walked(void **state)
{
	struct loop *l = loop_new();
	struct pw live[16] = { 0 }, gone = { 0 }, late = { 0 };
	int turns = 0;
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(live); i++) {
		pw_open(l, &live[i], EPOLLIN, keep_cb);
		pw_fill(&live[i]);
	}
	pw_open(l, &gone, EPOLLIN, del_self_cb);
	pw_fill(&gone);
	pw_open(l, &late, EPOLLIN, keep_cb);
	assert_int_equal(loop_add_prepare(l, five_turns, &turns), 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(turns, 5);
	for (size_t i = 0; i < ARRAY_SIZE(live); i++)
		assert_int_equal(live[i].fires, 5);
	assert_int_equal(gone.fires, 1);
	assert_int_equal(loop_debug_swept(l), 1);
	assert_int_equal(loop_del_fd(l, late.w), 0); /* pending until loop_free */
	loop_free(l);
	for (size_t i = 0; i < ARRAY_SIZE(live); i++)
		pw_close(&live[i]);
	pw_close(&gone);
	pw_close(&late);
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
		cmocka_unit_test(test_fd_del_other_in_batch),
		cmocka_unit_test(test_fd_mod),
		cmocka_unit_test(test_fd_live_not_walked),
		cmocka_unit_test(test_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
