/*
 * Caller identity on the CLI socket: is the peer an agent's process? See
 * identity.h.
 */
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

/* Deeper than any real process tree; stops a loop on a corrupt chain. */
#define MAX_DEPTH	64
#define CACHE_SLOTS	256

struct cache_slot {
	pid_t			 pid;
	unsigned long long	 start;
	int64_t			 expires;
	char			*session_id;	/* NULL: not an agent */
};

static struct cache_slot cache[CACHE_SLOTS];

int
identity_parse_stat(const char *text, pid_t *ppid, pid_t *sid,
    unsigned long long *start)
{
	const char		*p;
	long			 fields[20];
	unsigned long long	 st;
	char			*end;
	int			 i;

	/* "pid (comm) state ppid pgrp session tty_nr ... starttime(22)":
	 * comm may hold spaces and parentheses, so parse after the last ')'. */
	if ((p = strrchr(text, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	if (*p == '\0' || p[1] != ' ')
		return -1;
	p += 2;				/* state */
	for (i = 0; i < 18; i++) {	/* fields 4..21 */
		errno = 0;
		fields[i] = strtol(p, &end, 10);
		if (end == p || errno != 0 || (*end != ' ' && *end != '\0'))
			return -1;
		p = end;
		while (*p == ' ')
			p++;
	}
	errno = 0;
	st = strtoull(p, &end, 10);
	if (end == p || errno != 0)
		return -1;
	*ppid = (pid_t)fields[0];
	*sid = (pid_t)fields[2];
	*start = st;
	return 0;
}

static int
read_stat(pid_t pid, pid_t *ppid, pid_t *sid, unsigned long long *start)
{
	char	path[64], buf[1024];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return identity_parse_stat(buf, ppid, sid, start);
}

/* A live session whose pane process is pid; NULL if none. */
static struct session *
session_of_pane_pid(pid_t pid)
{
	struct session	*s;

	TAILQ_FOREACH(s, sessions_live(), entry) {
		if (s->pid > 1 && s->pid == pid && !s->closing)
			return s;
	}
	return NULL;
}

static struct cache_slot *
cache_get(pid_t pid, unsigned long long start, int64_t now)
{
	struct cache_slot	*slot = &cache[(unsigned)pid % CACHE_SLOTS];

	if (slot->pid != pid || slot->start != start || slot->expires < now)
		return NULL;
	/* The session may have ended since. */
	if (slot->session_id != NULL && session_find(slot->session_id) == NULL)
		return NULL;
	return slot;
}

static void
cache_put(pid_t pid, unsigned long long start, int64_t now,
    const char *session_id)
{
	struct cache_slot	*slot = &cache[(unsigned)pid % CACHE_SLOTS];

	free(slot->session_id);
	slot->pid = pid;
	slot->start = start;
	slot->expires = now + IDENTITY_CACHE_MS;
	slot->session_id = session_id != NULL ? xstrdup(session_id) : NULL;
}

const char *
identity_agent_session(pid_t pid)
{
	struct cache_slot	*slot;
	struct session		*s = NULL;
	pid_t			 chain[MAX_DEPTH], ppid, sid;
	unsigned long long	 starts[MAX_DEPTH], start;
	const char		*found = NULL;
	int64_t			 now = now_ms();
	int			 depth = 0, i;

	if (TAILQ_EMPTY(sessions_live()))
		return NULL;
	while (pid > 1 && pid != getpid() && depth < MAX_DEPTH) {
		if (read_stat(pid, &ppid, &sid, &start) != 0)
			break;		/* gone: nothing to attribute */
		if ((slot = cache_get(pid, start, now)) != NULL) {
			found = slot->session_id;
			break;
		}
		chain[depth] = pid;
		starts[depth++] = start;
		if ((s = session_of_pane_pid(pid)) != NULL ||
		    (s = session_of_pane_pid(sid)) != NULL) {
			found = s->id;
			break;
		}
		pid = ppid;
	}
	/* Borrow the id from the session itself: cache_put may free a slot. */
	if (found != NULL && (s = session_find(found)) != NULL)
		found = s->id;
	else
		found = NULL;
	for (i = 0; i < depth; i++)
		cache_put(chain[i], starts[i], now, found);
	return found;
}

static int
identity_check(struct request *req)
{
	const char	*agent, *id;

	if (!req->peer.valid || req->peer.pid <= 0 || req->peer.pid == getpid())
		return 0;
	if ((agent = identity_agent_session(req->peer.pid)) == NULL)
		return 0;
	req->agent_session_id = xstrdup(agent);
	if ((req->route->flags & ROUTE_AGENT_OK) == 0)
		goto refuse;
	id = request_param(req, "id");
	if (id != NULL && strcmp(id, agent) != 0)
		goto refuse;
	return 0;

refuse:
	log_warn("session %s: its agent (pid %d) called %s %s: refused", agent,
	    (int)req->peer.pid, req->method, req->path);
	reply_error(req, 403, "Agents may not call this endpoint");
	return -1;
}

void
identity_init(void)
{
	memset(cache, 0, sizeof cache);
	httpd_set_identity_check(identity_check);
}

void
identity_shutdown(void)
{
	size_t	i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i].session_id);
		cache[i].session_id = NULL;
	}
}
