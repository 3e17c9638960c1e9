/*
 * Input preflight (hooks-and-policies.md §10) for providers without
 * permission hooks (policyChannel "input-preflight": codex): text and keys
 * sent to such a session (POST send/keys, and the WebSocket terminal's
 * pty_input / pty_paste through stream_set_input_check) are evaluated as
 * terminal_input / terminal_keys requests before they reach the pane.
 *
 * Every evaluation is audited, but not one row per keystroke: consecutive
 * decisions of a session with the same outcome (tool, action, policy, rule)
 * are coalesced into one InputPolicyDecision event and one audit row holding
 * the count, the total bytes (or keys) and a SHA-256 over the inputs in
 * order, written when the outcome changes, after PREFLIGHT_QUIET_MS without
 * input, PREFLIGHT_SPAN_MS after the first, or when the session ends. A
 * denial is written at once. The raw input is never stored.
 */
#ifndef CODEPIPER_PREFLIGHT_H
#define CODEPIPER_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define PREFLIGHT_QUIET_MS	1000
#define PREFLIGHT_SPAN_MS	5000

struct preflight_verdict {
	bool	 allowed;
	int	 status;		/* 403 or 409 when not allowed */
	char	*error;			/* the caller frees (preflight_clear) */
	const char *policy_action;	/* static */
	const char *provider;		/* static */
};

void	 preflight_init(void);
void	 preflight_shutdown(void);

/* Decide text (send / paste) or keys (an array of key names) for a session.
 * A session that does not exist, or whose provider has hooks, is allowed. */
void	 preflight_text(const char *session_id, const char *text, size_t len,
	     bool newline, struct preflight_verdict *out);
void	 preflight_keys(const char *session_id, json_t *keys,
	     struct preflight_verdict *out);
/*
 * For routes: decide, and when refused reply (403/409 with
 * preflight_error_json) and return true; the route must then stop.
 */
struct request;
bool	 preflight_refuse_text(struct request *req, const char *session_id,
	     const char *text, size_t len, bool newline);
bool	 preflight_refuse_keys(struct request *req, const char *session_id,
	     json_t *keys);
/* {"error","policyAction","provider"} for a refused input. */
json_t	*preflight_error_json(const struct preflight_verdict *v);
void	 preflight_clear(struct preflight_verdict *v);

#endif
