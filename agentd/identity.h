/*
 * The agent-proof control plane: who is calling on the CLI socket.
 *
 * The CLI socket is trusted by file permission, but the agents run as the
 * same user, so an agent could approve its own permission requests, change
 * policies or type into other sessions with `curl --unix-socket`. agentd
 * reads each connection's peer credentials (SO_PEERCRED, httpd.c) and walks
 * /proc/<pid>/stat up the parent chain: a caller that descends from a live
 * session's pane process (or still shares its Unix session id, which a
 * double fork keeps) is that session's agent. An agent may only call routes
 * flagged ROUTE_AGENT_OK, and only for its own session (a ":id" in the path
 * must be its id; handlers whose session id is in the body, like
 * POST /hooks/claude, check req->agent_session_id). Everything else gets
 * 403 "Agents may not call this endpoint".
 *
 * What it cannot see: a process the agent hands work to outside its tree
 * (another daemon of the same user) and direct writes to agentd's files;
 * run agents under another user or a sandbox when that matters
 * (docs/hooks.md).
 *
 * Results are cached per (pid, start time) for IDENTITY_CACHE_MS.
 */
#ifndef CODEPIPER_IDENTITY_H
#define CODEPIPER_IDENTITY_H

#include <stdbool.h>
#include <sys/types.h>

#define IDENTITY_CACHE_MS	2000

/* Install the check (httpd_set_identity_check). */
void	identity_init(void);
void	identity_shutdown(void);

/*
 * The live session whose agent pid is (or whose process tree holds) pid;
 * NULL when none. The returned id is borrowed from the session.
 */
const char *identity_agent_session(pid_t pid);

/*
 * Pure: parse the text of /proc/<pid>/stat. 0 with the parent pid, the
 * session id and the start time (clock ticks since boot), or -1.
 */
int	identity_parse_stat(const char *text, pid_t *ppid, pid_t *sid,
	    unsigned long long *start);

#endif
