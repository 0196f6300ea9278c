/* loop.c - see loop.h */
#include "loop.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* The epoll event's data points here, so dispatch needs no lookup. */
struct loop_fd {
	int fd;
	loop_fd_cb cb;
	void *arg;
	bool dead;		     /* deleted: its events left in this batch are dropped */
	struct loop_fd *prev, *next; /* on the live list; on the dead one, next */
};

struct loop_timer {
	int64_t deadline;
	size_t idx; /* position in heap; SIZE_MAX when not queued */
	loop_timer_cb cb;
	void *arg;
	bool firing, rearmed, cancelled;
};

struct sig_watch {
	int signo;
	loop_signal_cb cb;
	void *arg;
};

struct prepare {
	loop_prepare_cb cb;
	void *arg;
};

struct loop {
	int epfd, sigfd;
	bool quit;
	/* Live watches, kept only so loop_free can free them; deleted ones
	 * move to dead and are freed after the batch that may still name
	 * them, so a turn visits deleted watches only. */
	struct loop_fd *live, *dead;
	size_t swept; /* watches visited by free_dead, for tests */
	struct loop_timer **heap;
	size_t nheap, capheap;
	struct sig_watch sigs[16];
	size_t nsigs;
	sigset_t sigmask;
	struct prepare preps[8];
	size_t npreps;
};

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a;
	l->heap[b]->idx = b;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (l->heap[p]->deadline <= l->heap[i]->deadline)
			break;
		heap_swap(l, p, i);
		i = p;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		if (c < l->nheap && l->heap[c]->deadline < l->heap[m]->deadline)
			m = c;
		if (c + 1 < l->nheap && l->heap[c + 1]->deadline < l->heap[m]->deadline)
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->idx;
	if (i == SIZE_MAX)
		return;
	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->heap[i]->idx = i;
		heap_down(l, i);
		heap_up(l, i);
	}
	t->idx = SIZE_MAX;
}

static int heap_push(struct loop *l, struct loop_timer *t)
{
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 64;
		struct loop_timer **h = realloc(l->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->capheap = cap;
	}
	t->idx = l->nheap;
	l->heap[l->nheap++] = t;
	heap_up(l, t->idx);
	return 0;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static void free_list(struct loop_fd *w)
{
	for (struct loop_fd *n; w; w = n) {
		n = w->next;
		free(w);
	}
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	free_list(l->live);
	free_list(l->dead);
	for (size_t i = 0; i < l->nheap; i++)
		free(l->heap[i]);
	free(l->heap);
	if (l->sigfd >= 0)
		close(l->sigfd);
	close(l->epfd);
	free(l);
}

struct loop_fd *loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct loop_fd *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (!w)
		return NULL;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		free(w);
		errno = e;
		return NULL;
	}
	w->next = l->live;
	if (l->live)
		l->live->prev = w;
	l->live = w;
	return w;
}

int loop_mod_fd(struct loop *l, struct loop_fd *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (!w || w->dead)
		return -ENOENT;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

int loop_del_fd(struct loop *l, struct loop_fd *w)
{
	if (!w)
		return 0;
	if (w->dead)
		return -ENOENT;
	w->dead = true;
	if (w->prev)
		w->prev->next = w->next;
	else
		l->live = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = NULL;
	w->next = l->dead;
	l->dead = w;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL) < 0 ? -errno : 0;
}

/* After a dispatch batch no fetched event names a deleted watch: free them.
 * One deleted outside dispatch (a timer) waits a turn, harmlessly: it left
 * epoll before that turn's wait. */
static void free_dead(struct loop *l)
{
	for (struct loop_fd *w = l->dead, *n; w; w = n) {
		n = w->next;
		free(w);
		l->swept++;
	}
	l->dead = NULL;
}

struct loop_timer *loop_timer_add(struct loop *l, int64_t deadline_ms, loop_timer_cb cb, void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->deadline = deadline_ms;
	t->cb = cb;
	t->arg = arg;
	if (heap_push(l, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void loop_timer_rearm(struct loop *l, struct loop_timer *t, int64_t deadline_ms)
{
	if (t->firing) {
		t->rearmed = true;
		t->deadline = deadline_ms;
		return;
	}
	heap_remove(l, t);
	t->deadline = deadline_ms;
	if (heap_push(l, t) < 0)
		log_err("timer: cannot re-arm (out of memory)");
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (!t)
		return;
	if (t->firing) {
		t->cancelled = true;
		return;
	}
	heap_remove(l, t);
	free(t);
}

static void fire_timers(struct loop *l)
{
	int64_t now = now_ms();
	while (l->nheap > 0 && l->heap[0]->deadline <= now) {
		struct loop_timer *t = l->heap[0];
		heap_remove(l, t);
		t->firing = true;
		t->rearmed = false;
		t->cancelled = false;
		t->cb(l, t, t->arg);
		t->firing = false;
		if (t->rearmed && !t->cancelled) {
			if (heap_push(l, t) < 0) {
				log_err("timer: cannot re-arm (out of memory)");
				free(t);
			}
		} else {
			free(t);
		}
	}
}

static void sigfd_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (size_t i = 0; i < l->nsigs; i++)
			if ((int)si.ssi_signo == l->sigs[i].signo)
				l->sigs[i].cb(l, (int)si.ssi_signo, l->sigs[i].arg);
	}
}

int loop_add_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	if (l->nsigs == ARRAY_SIZE(l->sigs))
		return -ENOSPC;
	sigaddset(&l->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) < 0)
		return -errno;
	int fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (l->sigfd < 0) {
		if (!loop_add_fd(l, fd, EPOLLIN, sigfd_cb, NULL)) {
			int r = -errno;
			close(fd);
			return r;
		}
		l->sigfd = fd;
	}
	l->sigs[l->nsigs++] = (struct sig_watch){ signo, cb, arg };
	return 0;
}

int loop_add_prepare(struct loop *l, loop_prepare_cb cb, void *arg)
{
	if (l->npreps == ARRAY_SIZE(l->preps))
		return -ENOSPC;
	l->preps[l->npreps++] = (struct prepare){ cb, arg };
	return 0;
}

static int next_timeout(struct loop *l)
{
	int timeout = -1;
	for (size_t i = 0; i < l->npreps; i++) {
		int t = l->preps[i].cb(l, l->preps[i].arg);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
	}
	if (l->nheap > 0) {
		int64_t d = l->heap[0]->deadline - now_ms();
		int t = d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
		if (timeout < 0 || t < timeout)
			timeout = t;
	}
	return timeout;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[64];

	l->quit = false;
	while (!l->quit) {
		int n = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), next_timeout(l));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct loop_fd *w = evs[i].data.ptr;
			if (!w->dead)
				w->cb(l, w->fd, evs[i].events, w->arg);
		}
		free_dead(l);
		fire_timers(l);
	}
	return 0;
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

size_t loop_debug_swept(const struct loop *l)
{
	return l->swept;
}
