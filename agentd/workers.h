/*
 * workers: a small pool of threads for blocking work (scrypt password
 * hashing, ~70 ms each), so that the event loop never stalls (DESIGN.md).
 *
 * A job is two functions and an argument: work(arg) runs on a worker thread
 * and must touch nothing but arg (no SQLite, no libevent, no httpd); done(arg)
 * then runs on the loop thread, where it may use everything and must free
 * arg. Jobs start in submission order; their done callbacks run in the order
 * the work finished.
 *
 * Threads: main() must call evthread_use_pthreads() before creating the
 * event base, because workers wake the loop with event_active() from their
 * own thread.
 */
#ifndef CODEPIPER_WORKERS_H
#define CODEPIPER_WORKERS_H

#include <event2/event.h>

/* Jobs waiting for a thread beyond which workers_submit() refuses more. */
#define WORKERS_MAX_QUEUED	64

int	 workers_init(struct event_base *base, int nthreads, char **cause);
/*
 * Finishes the queued jobs, runs every pending done callback on the calling
 * (loop) thread, joins the threads. Call it before the httpd is freed, so that
 * the done callbacks can still answer their requests.
 */
void	 workers_shutdown(void);
/*
 * Queue a job. Returns 0, or -1 when the pool is not running or
 * WORKERS_MAX_QUEUED jobs are already waiting (arg is then still the
 * caller's: answer "busy" and free it).
 */
int	 workers_submit(void (*work)(void *arg), void (*done)(void *arg),
	     void *arg);

#endif
