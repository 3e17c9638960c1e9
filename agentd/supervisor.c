/*
 * Children are forked from the loop thread. Between fork and exec only
 * async-signal-safe calls are made (agentd has worker threads), so argv and
 * envp are prepared before fork.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define MAX_CHILDREN	8

struct supervisor_child {
	char		*name;
	char		**argv;
	char		**envp;
	pid_t		 pid;		/* 0: not running */
	int64_t		 started_us;
	int		 backoff_ms;
	struct event	*restart_timer;
};

static struct {
	struct event_base	*base;
	struct event		*sigchld;
	struct supervisor_child	*children[MAX_CHILDREN];
	int			 nchildren;
	bool			 stopping;
} sup;

static char **
copy_strings(char *const list[])
{
	char **copy;
	size_t n, i;

	for (n = 0; list[n] != NULL; n++)
		;
	copy = xcalloc(n + 1, sizeof *copy);
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(list[i]);
	return copy;
}

static void
free_strings(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static int
start(struct supervisor_child *child, char **cause)
{
	pid_t parent = getpid(), pid;
	sigset_t none;
	int fd;

	if ((pid = fork()) == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The child: async-signal-safe calls only. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, STDIN_FILENO);
			if (fd != STDIN_FILENO)
				close(fd);
		}
		execve(child->argv[0], child->argv, child->envp);
		_exit(127);
	}
	child->pid = pid;
	child->started_us = monotonic_us();
	log_info("started %s (pid %d)", child->name, (int)pid);
	return 0;
}

static void
restart(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor_child *child = arg;
	char *cause = NULL;
	struct timeval tv;

	if (sup.stopping)
		return;
	if (start(child, &cause) != 0) {
		log_error("restarting %s: %s", child->name, cause);
		free(cause);
		tv.tv_sec = child->backoff_ms / 1000;
		tv.tv_usec = (child->backoff_ms % 1000) * 1000;
		evtimer_add(child->restart_timer, &tv);
	}
}

static void
exited(struct supervisor_child *child, int status)
{
	int64_t ran_ms = (monotonic_us() - child->started_us) / 1000;
	struct timeval tv;

	child->pid = 0;
	if (WIFSIGNALED(status))
		log_warn("%s exited on signal %d after %lld ms", child->name,
		    WTERMSIG(status), (long long)ran_ms);
	else
		log_warn("%s exited with status %d after %lld ms", child->name,
		    WEXITSTATUS(status), (long long)ran_ms);
	if (sup.stopping)
		return;
	if (ran_ms >= SUPERVISOR_STABLE_MS)
		child->backoff_ms = SUPERVISOR_BACKOFF_FIRST_MS;
	log_info("restarting %s in %d ms", child->name, child->backoff_ms);
	tv.tv_sec = child->backoff_ms / 1000;
	tv.tv_usec = (child->backoff_ms % 1000) * 1000;
	evtimer_add(child->restart_timer, &tv);
	child->backoff_ms *= 2;
	if (child->backoff_ms > SUPERVISOR_BACKOFF_MAX_MS)
		child->backoff_ms = SUPERVISOR_BACKOFF_MAX_MS;
}

static void
reap(void)
{
	int i, status;

	for (i = 0; i < sup.nchildren; i++) {
		struct supervisor_child *child = sup.children[i];
		if (child->pid > 0 &&
		    waitpid(child->pid, &status, WNOHANG) == child->pid)
			exited(child, status);
	}
}

static void
on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	reap();
}

int
supervisor_init(struct event_base *base)
{
	sup.base = base;
	sup.stopping = false;
	if (sup.sigchld == NULL) {
		sup.sigchld = evsignal_new(base, SIGCHLD, on_sigchld, NULL);
		evsignal_add(sup.sigchld, NULL);
	}
	return 0;
}

struct supervisor_child *
supervisor_spawn(const char *name, char *const argv[], char *const envp[],
    char **cause)
{
	struct supervisor_child *child;

	if (sup.nchildren == MAX_CHILDREN)
		BUG("too many supervised children");
	child = xcalloc(1, sizeof *child);
	child->name = xstrdup(name);
	child->argv = copy_strings(argv);
	child->envp = copy_strings(envp);
	child->backoff_ms = SUPERVISOR_BACKOFF_FIRST_MS;
	child->restart_timer = evtimer_new(sup.base, restart, child);
	if (start(child, cause) != 0) {
		event_free(child->restart_timer);
		free_strings(child->argv);
		free_strings(child->envp);
		free(child->name);
		free(child);
		return NULL;
	}
	sup.children[sup.nchildren++] = child;
	return child;
}

pid_t
supervisor_child_pid(const struct supervisor_child *child)
{
	return child->pid;
}

void
supervisor_shutdown(int timeout_ms)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int64_t deadline = monotonic_us() + (int64_t)timeout_ms * 1000;
	int i, status, running;

	sup.stopping = true;
	for (i = sup.nchildren - 1; i >= 0; i--) {
		if (sup.children[i]->pid > 0)
			kill(sup.children[i]->pid, SIGTERM);
	}
	for (;;) {
		running = 0;
		for (i = 0; i < sup.nchildren; i++) {
			struct supervisor_child *child = sup.children[i];
			if (child->pid > 0 &&
			    waitpid(child->pid, &status, WNOHANG) == child->pid)
				child->pid = 0;
			if (child->pid > 0)
				running++;
		}
		if (running == 0 || monotonic_us() >= deadline)
			break;
		nanosleep(&pause, NULL);
	}
	for (i = 0; i < sup.nchildren; i++) {
		struct supervisor_child *child = sup.children[i];
		if (child->pid > 0) {
			log_warn("%s did not stop in %d ms; killing it",
			    child->name, timeout_ms);
			kill(child->pid, SIGKILL);
			waitpid(child->pid, &status, 0);
		}
		event_free(child->restart_timer);
		free_strings(child->argv);
		free_strings(child->envp);
		free(child->name);
		free(child);
		sup.children[i] = NULL;
	}
	sup.nchildren = 0;
	if (sup.sigchld != NULL) {
		event_free(sup.sigchld);
		sup.sigchld = NULL;
	}
}
