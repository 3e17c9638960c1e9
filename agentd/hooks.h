/*
 * Claude Code hooks (hooks-and-policies.md §1-§3, docs/hooks.md): what a
 * claude-code session gets installed, the per-session hook secret, and what
 * each hook event does to the session.
 *
 * Installation is session.c's `prepare` provider: in the session's runtime
 * folder ($data/sessions/<id>/, 0700) it writes <id>.hook-forward.sh (0700:
 * exports the socket agentd listens on, the session id and the secret, then
 * execs the codepiper binary next to agentd) and <id>.json (0600: the
 * SessionStart, Notification, PermissionRequest, PreToolUse and Stop hooks
 * running that script), and returns the settings path for --settings.
 *
 * Secrets: random per session (CODEPIPER_SECRET when set, for harnesses).
 * Only the SHA-256 of a secret is stored (session_hook_secrets, owned here)
 * and kept in memory, so a check compares hashes in constant time and works
 * the same for a session adopted after an agentd restart. The clear secret
 * is never logged, stored in the database or returned.
 */
#ifndef CODEPIPER_HOOKS_H
#define CODEPIPER_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct session;

/* Install the provider and the session listeners. */
void	 hooks_init(void);
void	 hooks_shutdown(void);

/* The prepare provider (session.h). */
char	*hooks_prepare(struct session *s, const char *runtime_dir, char **cause);

/*
 * Does presented (the X-CodePiper-Secret header) belong to session_id?
 * Constant-time in the secret. *harness is set when it matched the
 * CODEPIPER_SECRET of this daemon rather than a session's own secret (the
 * reference's daemon-wide secret, for test harnesses), which is valid for
 * any session id, even one that does not exist.
 */
bool	 hooks_secret_ok(const char *session_id, const char *presented,
	     bool *harness);

/* The events POST /hooks/claude accepts, and the message listing them. */
bool	 hooks_event_known(const char *event);
extern const char hooks_valid_events[];

/*
 * Apply a hook event other than PermissionRequest to the session (row in
 * the database, live or not): record it, update the status, remember the
 * transcript path and the provider's session id, settle pending asks,
 * create notifications; PreToolUse also meets the deny rules
 * (permission_pretool). data is the hook's stdin object (borrowed).
 * Returns the reply body (the caller's).
 */
json_t	*hooks_apply(const char *session_id, const char *event, json_t *data);

/*
 * Pure helpers, exposed for tests: a shell single-quoted word ('...' with '
 * as '"'"'), the hook script's text, and the settings document.
 */
char	*hooks_shell_quote(const char *s);
char	*hooks_script_text(const char *socket, const char *session_id,
	    const char *secret, const char *codepiper);
json_t	*hooks_settings_json(const char *script_path);

#endif
