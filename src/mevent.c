/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mevent.c: bhyve's event loop on Linux epoll.  Readable/writable fds are
 * registered directly, timers are timerfds, signals are signalfds, and an
 * eventfd wakes the loop for mevent_exit().
 *
 * Threads: mevent_add/enable/disable/delete may be called from any thread,
 * including from inside a callback.  A mutex guards the list and the
 * flags; callbacks run with it released.  epoll_ctl() takes effect at once
 * even while another thread sleeps in epoll_wait(), so only mevent_exit()
 * needs the wake-up.  The one hazard is a batch of events that
 * epoll_wait() already returned: it may still point at an mevent that was
 * deleted meanwhile.  So a deleted mevent is only marked (its callback is
 * never called again) and freed by the dispatch thread after the batch it
 * might be in is done.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "mevent.h"

#define MEVENT_BATCH 32

struct mevent {
	int		me_fd;		/* fd, period (ms) or signal number */
	enum ev_type	me_type;
	mevent_cb_t	me_func;
	void		*me_param;
	int		me_kfd;		/* what epoll watches */
	bool		me_own_kfd;	/* me_kfd is ours to close */
	bool		me_enabled;
	bool		me_deleted;
	struct mevent	*me_next;	/* live list or the free list */
};

static pthread_mutex_t mevent_mtx = PTHREAD_MUTEX_INITIALIZER;
static int epoll_fd = -1;
static int wake_fd = -1;
static struct mevent *live_list;
static struct mevent *free_list;	/* deleted, waiting for batch end */
static bool dispatching;
static bool exit_requested;

int
mevent_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int error = 0;

	pthread_mutex_lock(&mevent_mtx);
	if (epoll_fd >= 0)
		goto out;
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0) {
		error = -errno;
		goto out;
	}
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wake_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd,
	    &ev) != 0) {
		error = -errno;
		if (wake_fd >= 0)
			close(wake_fd);
		close(epoll_fd);
		wake_fd = epoll_fd = -1;
	}
out:
	pthread_mutex_unlock(&mevent_mtx);
	return (error);
}

/* Arm (or with 0, disarm) a periodic timerfd. */
static int
timer_arm(int tfd, int period_ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = period_ms / 1000;
	its.it_value.tv_nsec = (long)(period_ms % 1000) * 1000000L;
	its.it_interval = its.it_value;
	return (timerfd_settime(tfd, 0, &its, NULL) == 0 ? 0 : -errno);
}

/* Put the mevent into the epoll set (lock held).  0 or -errno. */
static int
watch(struct mevent *mevp)
{
	struct epoll_event ev;
	int error, fd;

	memset(&ev, 0, sizeof(ev));
	ev.events = mevp->me_type == EVF_WRITE ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = mevp;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, mevp->me_kfd, &ev) == 0)
		goto armed;
	error = -errno;
	if (error != -EEXIST || mevp->me_own_kfd)
		return (error);
	/*
	 * The fd is already watched (e.g. the same tty for EVF_READ and
	 * EVF_WRITE, which kqueue allows).  epoll keys its set on the file
	 * descriptor number too, so a dup() of it can be added separately.
	 */
	fd = fcntl(mevp->me_kfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return (-errno);
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		error = -errno;
		close(fd);
		return (error);
	}
	mevp->me_kfd = fd;
	mevp->me_own_kfd = true;
armed:
	if (mevp->me_type == EVF_TIMER) {
		error = timer_arm(mevp->me_kfd, mevp->me_fd);
		if (error != 0) {
			epoll_ctl(epoll_fd, EPOLL_CTL_DEL, mevp->me_kfd, NULL);
			return (error);
		}
	}
	return (0);
}

static void
unwatch(struct mevent *mevp)
{
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, mevp->me_kfd, NULL);
	if (mevp->me_type == EVF_TIMER)
		(void)timer_arm(mevp->me_kfd, 0);
}

static struct mevent *
mevent_add_state(int fd, enum ev_type type, mevent_cb_t func, void *param,
    bool enabled)
{
	struct mevent *mevp;
	sigset_t set;
	int error = 0;

	if (func == NULL || fd < 0 || (type == EVF_TIMER && fd == 0) ||
	    (type == EVF_SIGNAL && (fd == 0 || fd >= NSIG)) ||
	    (unsigned)type > EVF_SIGNAL) {
		errno = EINVAL;
		return (NULL);
	}
	if (epoll_fd < 0 && (error = mevent_init()) != 0) {
		errno = -error;
		return (NULL);
	}
	mevp = calloc(1, sizeof(*mevp));
	if (mevp == NULL)
		return (NULL);
	mevp->me_fd = fd;
	mevp->me_type = type;
	mevp->me_func = func;
	mevp->me_param = param;
	mevp->me_kfd = -1;

	switch (type) {
	case EVF_READ:
	case EVF_WRITE:
		mevp->me_kfd = fd;
		break;
	case EVF_TIMER:
		mevp->me_kfd = timerfd_create(CLOCK_MONOTONIC,
		    TFD_NONBLOCK | TFD_CLOEXEC);
		mevp->me_own_kfd = true;
		break;
	case EVF_SIGNAL:
		/*
		 * The signal must be blocked everywhere or some thread takes
		 * it with the default action.  Blocking it here, in the
		 * thread that adds it before any other thread exists, makes
		 * every later thread inherit the mask (bhyverun's order).
		 */
		sigemptyset(&set);
		sigaddset(&set, fd);
		error = pthread_sigmask(SIG_BLOCK, &set, NULL);
		if (error != 0) {
			free(mevp);
			errno = error;
			return (NULL);
		}
		mevp->me_kfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		mevp->me_own_kfd = true;
		break;
	}
	if (mevp->me_kfd < 0) {
		error = errno;
		free(mevp);
		errno = error;
		return (NULL);
	}

	pthread_mutex_lock(&mevent_mtx);
	if (enabled) {
		error = watch(mevp);
		if (error != 0) {
			pthread_mutex_unlock(&mevent_mtx);
			if (mevp->me_own_kfd)
				close(mevp->me_kfd);
			free(mevp);
			errno = -error;
			return (NULL);
		}
	}
	mevp->me_enabled = enabled;
	mevp->me_next = live_list;
	live_list = mevp;
	pthread_mutex_unlock(&mevent_mtx);
	return (mevp);
}

struct mevent *
mevent_add(int fd, enum ev_type type, mevent_cb_t func, void *param)
{
	return (mevent_add_state(fd, type, func, param, true));
}

struct mevent *
mevent_add_disabled(int fd, enum ev_type type, mevent_cb_t func,
    void *param)
{
	return (mevent_add_state(fd, type, func, param, false));
}

/* Handles are checked against the live list (lock held), so a stale one
 * (already deleted, maybe freed) is refused without being dereferenced. */
static bool
is_live(const struct mevent *evp)
{
	const struct mevent *m;

	for (m = live_list; m != NULL; m = m->me_next)
		if (m == evp)
			return (true);
	return (false);
}

int
mevent_enable(struct mevent *evp)
{
	int error = 0;

	if (evp == NULL)
		return (-EINVAL);
	pthread_mutex_lock(&mevent_mtx);
	if (!is_live(evp))
		error = -ENOENT;
	else if (!evp->me_enabled) {
		error = watch(evp);
		if (error == 0)
			evp->me_enabled = true;
	}
	pthread_mutex_unlock(&mevent_mtx);
	return (error);
}

/*
 * Disabling removes the fd from the epoll set rather than clearing its
 * event mask: epoll reports EPOLLHUP/EPOLLERR even with an empty mask,
 * which would spin the loop on a hung-up tty nobody listens to.
 */
int
mevent_disable(struct mevent *evp)
{
	int error = 0;

	if (evp == NULL)
		return (-EINVAL);
	pthread_mutex_lock(&mevent_mtx);
	if (!is_live(evp))
		error = -ENOENT;
	else if (evp->me_enabled) {
		unwatch(evp);
		evp->me_enabled = false;
	}
	pthread_mutex_unlock(&mevent_mtx);
	return (error);
}

static int
mevent_delete_common(struct mevent *evp, bool closefd)
{
	struct mevent **link;

	if (evp == NULL)
		return (-EINVAL);
	pthread_mutex_lock(&mevent_mtx);
	for (link = &live_list; *link != NULL && *link != evp;
	    link = &(*link)->me_next)
		;
	if (*link == NULL) {
		pthread_mutex_unlock(&mevent_mtx);
		return (-ENOENT);
	}
	*link = evp->me_next;
	if (evp->me_enabled)
		unwatch(evp);
	evp->me_enabled = false;
	evp->me_deleted = true;
	if (evp->me_own_kfd)
		close(evp->me_kfd);
	if (closefd && (evp->me_type == EVF_READ || evp->me_type == EVF_WRITE))
		close(evp->me_fd);
	/* See the header comment: a returned batch may still name it. */
	if (dispatching) {
		evp->me_next = free_list;
		free_list = evp;
	} else
		free(evp);
	pthread_mutex_unlock(&mevent_mtx);
	return (0);
}

int
mevent_delete(struct mevent *evp)
{
	return (mevent_delete_common(evp, false));
}

int
mevent_delete_close(struct mevent *evp)
{
	return (mevent_delete_common(evp, true));
}

void
mevent_exit(void)
{
	uint64_t one = 1;

	pthread_mutex_lock(&mevent_mtx);
	exit_requested = true;
	if (wake_fd >= 0)
		(void)!write(wake_fd, &one, sizeof(one));
	pthread_mutex_unlock(&mevent_mtx);
}

/* Drain what made a timerfd/signalfd/eventfd readable (lock held). */
static void
drain(int fd, enum ev_type type)
{
	struct signalfd_siginfo si;
	uint64_t count;

	if (type == EVF_SIGNAL)
		(void)!read(fd, &si, sizeof(si));
	else
		(void)!read(fd, &count, sizeof(count));
}

/* Handle one returned event; the callback runs unlocked. */
static void
handle(struct mevent *mevp)
{
	mevent_cb_t func;
	enum ev_type type;
	void *param;
	int fd;

	pthread_mutex_lock(&mevent_mtx);
	if (mevp->me_deleted || !mevp->me_enabled) {
		pthread_mutex_unlock(&mevent_mtx);
		return;
	}
	if (mevp->me_type == EVF_TIMER || mevp->me_type == EVF_SIGNAL)
		drain(mevp->me_kfd, mevp->me_type);
	func = mevp->me_func;
	param = mevp->me_param;
	fd = mevp->me_fd;
	type = mevp->me_type;
	pthread_mutex_unlock(&mevent_mtx);
	func(fd, type, param);
}

void
mevent_dispatch(void)
{
	struct epoll_event evs[MEVENT_BATCH];
	struct mevent *mevp, *next;
	uint64_t count;
	int n;

	if (epoll_fd < 0 && mevent_init() != 0)
		return;
	pthread_mutex_lock(&mevent_mtx);
	dispatching = true;
	pthread_mutex_unlock(&mevent_mtx);

	for (;;) {
		pthread_mutex_lock(&mevent_mtx);
		/* Batch boundary: nothing can still point at these. */
		for (mevp = free_list; mevp != NULL; mevp = next) {
			next = mevp->me_next;
			free(mevp);
		}
		free_list = NULL;
		if (exit_requested) {
			/* Consume the request: the next dispatch runs. */
			exit_requested = false;
			(void)!read(wake_fd, &count, sizeof(count));
			dispatching = false;
			pthread_mutex_unlock(&mevent_mtx);
			return;
		}
		pthread_mutex_unlock(&mevent_mtx);

		n = epoll_wait(epoll_fd, evs, MEVENT_BATCH, -1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				continue;	/* wake_fd: loop rechecks */
			handle(evs[i].data.ptr);
		}
	}
	/* epoll itself failed: nothing more can be dispatched. */
	pthread_mutex_lock(&mevent_mtx);
	dispatching = false;
	pthread_mutex_unlock(&mevent_mtx);
}
