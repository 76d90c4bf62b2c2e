/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mevent.h: the main thread's event loop (bhyve's mevent, on epoll):
 * readable/writable fds, periodic or one-shot timers, and signals.
 * Callbacks run on the thread that called mevent_dispatch().
 */
#ifndef LHYVE_MEVENT_H
#define LHYVE_MEVENT_H

enum ev_type { EVF_READ, EVF_WRITE, EVF_TIMER, EVF_SIGNAL };

struct mevent;
typedef void (*mevent_cb_t)(int fd, enum ev_type type, void *param);

int mevent_init(void);
/*
 * EVF_READ / EVF_WRITE: fd is a file descriptor.  EVF_TIMER: fd is a
 * period in milliseconds (repeats until deleted).  EVF_SIGNAL: fd is a
 * signal number (blocked for all threads and delivered here).
 * Safe to call from any thread.  NULL on failure.
 */
struct mevent *mevent_add(int fd, enum ev_type type, mevent_cb_t func,
    void *param);
struct mevent *mevent_add_disabled(int fd, enum ev_type type,
    mevent_cb_t func, void *param);
int mevent_enable(struct mevent *evp);
int mevent_disable(struct mevent *evp);
int mevent_delete(struct mevent *evp);
int mevent_delete_close(struct mevent *evp);
/* Run until mevent_exit() is called (from any thread). */
void mevent_dispatch(void);
void mevent_exit(void);

#endif /* LHYVE_MEVENT_H */
