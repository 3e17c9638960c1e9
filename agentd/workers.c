/*
 * The worker pool: one queue of pending jobs guarded by a mutex and a
 * condition variable, one list of finished jobs, and one libevent event that
 * a worker activates to make the loop thread run the done callbacks.
 */
#include "workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

#define WORKERS_MAX_THREADS	16

struct job {
	void		(*work)(void *);
	void		(*done)(void *);
	void		*arg;
	struct job	*next;
};

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	pthread_t	 threads[WORKERS_MAX_THREADS];
	int		 nthreads;
	struct job	*pending_head, *pending_tail;
	int		 npending;
	struct job	*finished_head, *finished_tail;
	struct event	*finished_event;
	bool		 stopping;
	bool		 running;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static void
append(struct job **head, struct job **tail, struct job *job)
{
	job->next = NULL;
	if (*tail != NULL)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

static void *
worker_main(void *unused)
{
	struct job *job;

	for (;;) {
		pthread_mutex_lock(&pool.lock);
		while (pool.pending_head == NULL && !pool.stopping)
			pthread_cond_wait(&pool.wake, &pool.lock);
		if ((job = pool.pending_head) == NULL) {
			/* Stopping, and nothing left to do. */
			pthread_mutex_unlock(&pool.lock);
			return NULL;
		}
		pool.pending_head = job->next;
		if (pool.pending_head == NULL)
			pool.pending_tail = NULL;
		pool.npending--;
		pthread_mutex_unlock(&pool.lock);

		job->work(job->arg);

		pthread_mutex_lock(&pool.lock);
		append(&pool.finished_head, &pool.finished_tail, job);
		pthread_mutex_unlock(&pool.lock);
		event_active(pool.finished_event, EV_READ, 0);
	}
}

/* On the loop thread: run the done callbacks of everything finished. */
static void
run_finished(evutil_socket_t fd, short what, void *arg)
{
	struct job *job, *next;

	pthread_mutex_lock(&pool.lock);
	job = pool.finished_head;
	pool.finished_head = pool.finished_tail = NULL;
	pthread_mutex_unlock(&pool.lock);
	for (; job != NULL; job = next) {
		next = job->next;
		job->done(job->arg);
		free(job);
	}
}

int
workers_init(struct event_base *base, int nthreads, char **cause)
{
	int error;

	if (pool.running)
		BUG("workers_init called twice");
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > WORKERS_MAX_THREADS)
		nthreads = WORKERS_MAX_THREADS;
	pool.finished_event = event_new(base, -1, 0, run_finished, NULL);
	pool.stopping = false;
	for (pool.nthreads = 0; pool.nthreads < nthreads; pool.nthreads++) {
		error = pthread_create(&pool.threads[pool.nthreads], NULL,
		    worker_main, NULL);
		if (error != 0) {
			xasprintf(cause, "starting worker threads: %s",
			    strerror(error));
			pool.running = true;
			workers_shutdown();
			return -1;
		}
	}
	pool.running = true;
	return 0;
}

void
workers_shutdown(void)
{
	int i;

	if (!pool.running)
		return;
	pthread_mutex_lock(&pool.lock);
	pool.stopping = true;
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.lock);
	for (i = 0; i < pool.nthreads; i++)
		pthread_join(pool.threads[i], NULL);
	pool.nthreads = 0;
	/* Every thread is gone: what finished meanwhile is answered here. */
	run_finished(-1, 0, NULL);
	event_free(pool.finished_event);
	pool.finished_event = NULL;
	pool.running = false;
}

int
workers_submit(void (*work)(void *), void (*done)(void *), void *arg)
{
	struct job *job;

	pthread_mutex_lock(&pool.lock);
	if (!pool.running || pool.stopping ||
	    pool.npending >= WORKERS_MAX_QUEUED) {
		pthread_mutex_unlock(&pool.lock);
		return -1;
	}
	job = xcalloc(1, sizeof *job);
	job->work = work;
	job->done = done;
	job->arg = arg;
	append(&pool.pending_head, &pool.pending_tail, job);
	pool.npending++;
	pthread_cond_signal(&pool.wake);
	pthread_mutex_unlock(&pool.lock);
	return 0;
}
