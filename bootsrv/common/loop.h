/* loop.h - the one event loop: epoll for fds, a binary heap of deadlines on
 * the monotonic clock, signals delivered through a signalfd. Every protocol
 * (DHCP, TFTP, HTTP, the rsync child) registers here; nothing blocks. */
#ifndef BOOTSRV_LOOP_H
#define BOOTSRV_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_fd;
struct loop_timer;

/* events: EPOLLIN/EPOLLOUT bits that fired (plus EPOLLERR/EPOLLHUP). */
typedef void (*loop_fd_cb)(struct loop *loop, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *loop, struct loop_timer *t, void *arg);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *arg);
/* Called once per iteration before waiting; returns the longest wait in ms
 * it allows (-1: no limit). Used to drive libraries with their own timeouts. */
typedef int (*loop_prepare_cb)(struct loop *loop, void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Register fd for events (EPOLLIN, EPOLLOUT...). Returns the watch, the
 * handle mod and del take, or NULL with errno set. The owner keeps it next
 * to its fd: no call looks a watch up by fd. */
struct loop_fd *loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb, void *arg);
/* Returns 0 or -errno; -ENOENT for NULL or a watch already deleted. */
int loop_mod_fd(struct loop *loop, struct loop_fd *w, uint32_t events);
/* Safe to call from inside any callback, including the fd's own: events
 * already fetched for w are dropped, and w is freed once they are. After
 * the call w is no longer valid. NULL does nothing. Returns 0 or -errno
 * (the watch is gone even then). */
int loop_del_fd(struct loop *loop, struct loop_fd *w);

/* Arm a one-shot timer that fires at monotonic time deadline_ms (see
 * now_ms()). Returns NULL on allocation failure. The timer is freed after it
 * fires unless re-armed from its callback with loop_timer_rearm. */
struct loop_timer *loop_timer_add(struct loop *loop, int64_t deadline_ms, loop_timer_cb cb,
				  void *arg);
void loop_timer_rearm(struct loop *loop, struct loop_timer *t, int64_t deadline_ms);
/* Cancel and free a pending timer (or one currently firing). */
void loop_timer_cancel(struct loop *loop, struct loop_timer *t);

/* Block signo and deliver it through the loop. Returns 0 or -errno. */
int loop_add_signal(struct loop *loop, int signo, loop_signal_cb cb, void *arg);
int loop_add_prepare(struct loop *loop, loop_prepare_cb cb, void *arg);

/* Run until loop_quit. Returns 0 or -errno on a fatal epoll error. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop);

/* For tests: how many watches the loop has visited outside dispatch since
 * loop_new. Only deleted ones are; a live watch costs nothing per turn. */
size_t loop_debug_swept(const struct loop *loop);

#endif
