/*
 * supervisor: child processes agentd keeps running (the web edge: nginx,
 * codepiper-fcgi, codepiper-ws). A child that exits is started again after a
 * backoff; agentd's exit stops them all.
 *
 * Children run in their own process group (a Ctrl+C in agentd's terminal
 * reaches agentd only, which then stops them in order) and get SIGTERM if
 * agentd dies without stopping them (PR_SET_PDEATHSIG), so nothing is left
 * holding the port. Their stdin is /dev/null; stdout and stderr are agentd's.
 *
 * Only the children started here are reaped (waitpid on their own pids), so
 * other modules' children are left alone.
 *
 * Memory: the supervisor copies argv and envp; a struct supervisor_child is
 * owned by the supervisor and valid until supervisor_shutdown().
 */
#ifndef CODEPIPER_SUPERVISOR_H
#define CODEPIPER_SUPERVISOR_H

#include <sys/types.h>

#include <event2/event.h>

/* Restart backoff: doubles from the first delay up to the last. */
#define SUPERVISOR_BACKOFF_FIRST_MS	250
#define SUPERVISOR_BACKOFF_MAX_MS	30000
/* A run at least this long resets the backoff. */
#define SUPERVISOR_STABLE_MS		60000

struct supervisor_child;

int	 supervisor_init(struct event_base *base);
/*
 * Start argv (argv[0] an absolute path) with exactly the environment envp
 * (NULL-terminated "NAME=value" strings), and keep it running. NULL with
 * *cause if it cannot be started at all (fork failed).
 */
struct supervisor_child *supervisor_spawn(const char *name,
	    char *const argv[], char *const envp[], char **cause);
pid_t	 supervisor_child_pid(const struct supervisor_child *child);
/*
 * SIGTERM to every child (in reverse start order), wait up to timeout_ms for
 * all of them, SIGKILL what is left; free everything.
 */
void	 supervisor_shutdown(int timeout_ms);

#endif
