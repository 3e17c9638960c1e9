/*
 * The PermissionRequest decision path (hooks-and-policies.md §4,
 * docs/hooks.md) and the pending asks it leaves.
 *
 * permission_request() decides a hook from the session's compiled effective
 * policies, records the event and the audit row (one transaction), and
 * answers the held HTTP request: allow and deny at once; ask keeps it. A
 * pending ask is answered by exactly one of: the API
 * (permission_pending_answer), a later hook event of the same session
 * (permission_settle: the agent's own dialog was used), the session ending,
 * the hook's client hanging up, or the timeout (PERMISSION_ASK_TIMEOUT_MS,
 * below hook-forward's 55 s), after which the hook answers ask and Claude
 * Code's own prompt takes over. Each pending ask is broadcast as
 * policy_pending and its end as policy_resolved, on the topics
 * "notifications" and "session:<id>:events".
 *
 * This module owns the pending asks (memory only: they die with the HTTP
 * requests that hold them) and nothing in the database.
 */
#ifndef CODEPIPER_PERMISSION_H
#define CODEPIPER_PERMISSION_H

#include <stdbool.h>

#include <jansson.h>

struct request;

/* Below hook-forward's 55 s response timeout, so that our ask arrives. */
#define PERMISSION_ASK_TIMEOUT_MS	50000

/* CODEPIPER_ASK_TIMEOUT_MS (100..55000) overrides the timeout, for tests. */
void	 permission_init(void);
void	 permission_shutdown(void);

/* Decide and answer the hook held in req (which this call owns). data is
 * the hook's stdin object, borrowed. The session row must exist. */
void	 permission_request(struct request *req, const char *session_id,
	     json_t *data);

/*
 * A PreToolUse hook: record the event and, when a deny rule of the session
 * (never the default action) matches the tool call, refuse it there, before
 * Claude Code's own permission logic (auto mode asks nobody) and audit it.
 * Returns the reply: {"success":true} plus, on a deny, "permissionDecision":
 * "deny" and "permissionDecisionReason" (hook-forward prints them).
 */
json_t	*permission_pretool(const char *session_id, json_t *data);

/* {"pending":[{id, sessionId, toolName, toolInput, command?, createdAt}]},
 * oldest first; session_id NULL for all. */
json_t	*permission_pending_list(const char *session_id);

/*
 * Answer a pending ask. remember (with allow) saves a session rule that
 * allows the same tool with the same command (or file path) from now on.
 * 0 with *out = {"success":true,"decision":..,"policyId"?}, or -1 with a
 * status and a message (the caller frees).
 */
int	 permission_pending_answer(const char *id, bool allow, bool remember,
	     json_t **out, int *status, char **error);

/* Write the decisions answered but not yet recorded (see permission.c), so
 * that an event recorded now lands after them. */
void	 permission_flush(void);

/* A later hook event: the agent went on, so its pending asks are over. */
void	 permission_settle(const char *session_id, const char *why);
void	 permission_session_ended(const char *session_id);

#endif
