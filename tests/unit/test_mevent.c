/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_mevent.c: the epoll event loop: fd readiness, timers, signals,
 * enable/disable, deleting from inside a callback, and mevent_add /
 * mevent_exit from other threads.  No test waits on wall-clock time: each
 * waits for an event, and alarm() only catches a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "mevent.h"

#define HANG_SECONDS 20

static int
setup(void **state)
{
	assert_int_equal(mevent_init(), 0);
	alarm(HANG_SECONDS);
	return (0);
}

static int
teardown(void **state)
{
	alarm(0);
	return (0);
}

struct rec {
	int		calls;
	int		fd;
	enum ev_type	type;
	char		byte;
	int		exit_after;	/* mevent_exit() at this many calls */
	struct mevent	*self;
	bool		delete_self;
};

static void
record_cb(int fd, enum ev_type type, void *param)
{
	struct rec *r = param;

	r->calls++;
	r->fd = fd;
	r->type = type;
	if (type == EVF_READ)
		assert_int_equal(read(fd, &r->byte, 1), 1);
	if (r->delete_self && r->calls == r->exit_after)
		assert_int_equal(mevent_delete(r->self), 0);
	if (r->calls == r->exit_after)
		mevent_exit();
}

static void
test_fd_read(void **state)
{
	struct rec r = { .exit_after = 1 };
	struct mevent *ev;
	int p[2];

	assert_int_equal(pipe(p), 0);
	ev = mevent_add(p[0], EVF_READ, record_cb, &r);
	assert_non_null(ev);
	assert_int_equal(write(p[1], "x", 1), 1);
	mevent_dispatch();
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[0]);
	assert_int_equal(r.type, EVF_READ);
	assert_int_equal(r.byte, 'x');
	assert_int_equal(mevent_delete(ev), 0);
	/* deleting twice is an error, not a crash */
	assert_int_equal(mevent_delete(ev), -ENOENT);
	close(p[0]);
	close(p[1]);
}

static void
test_fd_write(void **state)
{
	struct rec r = { .exit_after = 1 };
	struct mevent *ev;
	int p[2];

	assert_int_equal(pipe(p), 0);
	ev = mevent_add(p[1], EVF_WRITE, record_cb, &r);
	assert_non_null(ev);
	mevent_dispatch();
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[1]);
	assert_int_equal(r.type, EVF_WRITE);
	assert_int_equal(mevent_delete_close(ev), 0);
	/* delete_close closed the fd */
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	close(p[0]);
}

/* One fd, both directions (kqueue allows it; epoll needs a dup). */
static void
test_same_fd_read_write(void **state)
{
	struct rec rr = { .exit_after = 1 }, wr = { .exit_after = 100 };
	struct mevent *re, *we;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	we = mevent_add(sv[0], EVF_WRITE, record_cb, &wr);
	re = mevent_add(sv[0], EVF_READ, record_cb, &rr);
	assert_non_null(we);
	assert_non_null(re);
	assert_int_equal(write(sv[1], "y", 1), 1);
	mevent_dispatch();
	assert_int_equal(rr.calls, 1);
	assert_int_equal(rr.fd, sv[0]);	/* the caller's fd, not the dup */
	assert_int_equal(rr.byte, 'y');
	assert_true(wr.calls >= 1);
	assert_int_equal(wr.fd, sv[0]);
	assert_int_equal(mevent_delete(re), 0);
	assert_int_equal(mevent_delete(we), 0);
	close(sv[0]);
	close(sv[1]);
}

/* A periodic timer fires repeatedly, then deletes itself from inside its
 * own callback; a second timer proves the deleted one never fires again. */
static void
test_timer_and_delete_in_callback(void **state)
{
	struct rec t = { .exit_after = 3, .delete_self = true };
	struct rec t2 = { .exit_after = 3 };
	struct mevent *ev2;

	t.self = mevent_add(5, EVF_TIMER, record_cb, &t);
	assert_non_null(t.self);
	mevent_dispatch();
	assert_int_equal(t.calls, 3);
	assert_int_equal(t.fd, 5);		/* the period is passed back */
	assert_int_equal(t.type, EVF_TIMER);

	ev2 = mevent_add(2, EVF_TIMER, record_cb, &t2);
	assert_non_null(ev2);
	mevent_dispatch();
	assert_int_equal(t2.calls, 3);
	assert_int_equal(t.calls, 3);
	assert_int_equal(mevent_delete(ev2), 0);
	assert_int_equal(mevent_delete(t.self), -ENOENT);
}

/* Two fds ready in the same batch; whichever callback runs first deletes
 * the other, whose callback must then never run. */
struct pair {
	struct mevent	*ev[2];
	int		calls[2];
	int		fd[2];
};

static struct pair the_pair;

static void
pair_cb(int fd, enum ev_type type, void *param)
{
	int me = (int)(intptr_t)param;
	char c;

	the_pair.calls[me]++;
	assert_int_equal(read(fd, &c, 1), 1);
	if (the_pair.ev[1 - me] != NULL) {
		assert_int_equal(mevent_delete(the_pair.ev[1 - me]), 0);
		the_pair.ev[1 - me] = NULL;
	}
	mevent_exit();
}

static void
test_delete_other_in_same_batch(void **state)
{
	int a[2], b[2];

	memset(&the_pair, 0, sizeof(the_pair));
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	the_pair.ev[0] = mevent_add(a[0], EVF_READ, pair_cb, (void *)0);
	the_pair.ev[1] = mevent_add(b[0], EVF_READ, pair_cb, (void *)1);
	assert_non_null(the_pair.ev[0]);
	assert_non_null(the_pair.ev[1]);
	/* both readable before the loop looks */
	assert_int_equal(write(a[1], "a", 1), 1);
	assert_int_equal(write(b[1], "b", 1), 1);
	mevent_dispatch();
	assert_int_equal(the_pair.calls[0] + the_pair.calls[1], 1);
	for (int i = 0; i < 2; i++)
		if (the_pair.ev[i] != NULL)
			assert_int_equal(mevent_delete(the_pair.ev[i]), 0);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void
test_disable_enable(void **state)
{
	struct rec r = { .exit_after = 1 }, t = { .exit_after = 1 };
	struct mevent *ev, *tev;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "z", 1), 1);
	/* readable, but added disabled: only the timer may fire */
	ev = mevent_add_disabled(p[0], EVF_READ, record_cb, &r);
	assert_non_null(ev);
	tev = mevent_add(1, EVF_TIMER, record_cb, &t);
	mevent_dispatch();
	assert_int_equal(t.calls, 1);
	assert_int_equal(r.calls, 0);
	assert_int_equal(mevent_delete(tev), 0);

	assert_int_equal(mevent_enable(ev), 0);
	assert_int_equal(mevent_enable(ev), 0);	/* idempotent */
	mevent_dispatch();
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.byte, 'z');

	/* disabled again: a new byte is not reported */
	assert_int_equal(mevent_disable(ev), 0);
	assert_int_equal(write(p[1], "w", 1), 1);
	t.calls = 0;
	tev = mevent_add(1, EVF_TIMER, record_cb, &t);
	mevent_dispatch();
	assert_int_equal(r.calls, 1);
	assert_int_equal(mevent_delete(tev), 0);
	assert_int_equal(mevent_delete(ev), 0);
	/* a stale handle is refused, not dereferenced */
	assert_int_equal(mevent_enable(ev), -ENOENT);
	assert_int_equal(mevent_disable(ev), -ENOENT);
	close(p[0]);
	close(p[1]);
}

static void
test_signal(void **state)
{
	struct rec r = { .exit_after = 1 };
	struct mevent *ev;
	sigset_t cur;

	ev = mevent_add(SIGUSR1, EVF_SIGNAL, record_cb, &r);
	assert_non_null(ev);
	/* blocked in this thread, so kill() leaves it pending for us */
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
	assert_true(sigismember(&cur, SIGUSR1));
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	mevent_dispatch();
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, SIGUSR1);
	assert_int_equal(r.type, EVF_SIGNAL);
	assert_int_equal(mevent_delete(ev), 0);
}

static void *
exit_thread(void *arg)
{
	mevent_exit();
	return (NULL);
}

static void
test_exit_from_other_thread(void **state)
{
	pthread_t t;

	/* the request may land before or during dispatch: both must end it */
	assert_int_equal(pthread_create(&t, NULL, exit_thread, NULL), 0);
	mevent_dispatch();
	assert_int_equal(pthread_join(t, NULL), 0);

	/* and a request made before dispatch starts is not lost */
	mevent_exit();
	mevent_dispatch();
}

struct adder {
	int		fd;
	struct rec	r;
	struct mevent	*ev;
};

static void *
add_thread(void *arg)
{
	struct adder *a = arg;

	a->ev = mevent_add(a->fd, EVF_READ, record_cb, &a->r);
	return (NULL);
}

static void
test_add_from_other_thread(void **state)
{
	struct adder a = { .r = { .exit_after = 1 } };
	pthread_t t;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "q", 1), 1);
	a.fd = p[0];
	assert_int_equal(pthread_create(&t, NULL, add_thread, &a), 0);
	mevent_dispatch();	/* only the thread's event can end this */
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(a.ev);
	assert_int_equal(a.r.calls, 1);
	assert_int_equal(a.r.byte, 'q');
	assert_int_equal(mevent_delete(a.ev), 0);
	close(p[0]);
	close(p[1]);
}

static void
test_bad_arguments(void **state)
{
	struct rec r = { 0 };

	assert_null(mevent_add(-1, EVF_READ, record_cb, &r));
	assert_null(mevent_add(0, EVF_TIMER, record_cb, &r));
	assert_null(mevent_add(0, EVF_SIGNAL, record_cb, &r));
	assert_null(mevent_add(1, EVF_READ, NULL, &r));
	assert_int_equal(mevent_delete(NULL), -EINVAL);
	assert_int_equal(mevent_enable(NULL), -EINVAL);
	assert_int_equal(mevent_disable(NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fd_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_fd_read_write,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_and_delete_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_delete_other_in_same_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_enable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_from_other_thread,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_from_other_thread,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
