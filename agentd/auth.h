/*
 * auth: single-user authentication of web traffic (spec/auth.md). Owns the
 * auth state machine (setup required / onboarding / MFA / password only),
 * the bootstrap password, login sessions and their cookies, the pending MFA
 * enrolments, second-factor checks with TOTP replay protection and
 * single-use recovery codes, revocation notices, and the web gate every
 * request on the web listener passes (origin checks, session, API limiter).
 *
 * Storage is auth-store.c; primitives are auth-crypto.c; the TOTP secret and
 * recovery codes are encrypted with the daemon's secretbox key. Password
 * hashing runs on the worker pool (workers.h). Everything else runs on the
 * loop thread.
 *
 * Revocation (logout, revoke-all, password change, CLI resets) is published
 * on the broadcast topic "auth" as
 *   {"type":"auth_revoked","authSessionIds":["<id>",...]}  or
 *   {"type":"auth_revoked","all":true}
 * where the ids are the public ids POST /internal/ws-authorize hands out, so
 * that the WebSocket relay can close the connections bound to them.
 *
 * Memory: tokens and generated passwords handed back are the caller's,
 * released with auth_secret_free(); JSON returned is a new reference.
 */
#ifndef CODEPIPER_AUTH_H
#define CODEPIPER_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "httpd.h"

struct secretbox_key;

#define AUTH_SESSION_COOKIE		"codepiper_session"
#define AUTH_ONBOARDING_COOKIE		"codepiper_onboarding"
#define AUTH_SESSION_TTL_MS		((int64_t)7 * 24 * 3600 * 1000)
#define AUTH_ONBOARDING_TTL_MS		((int64_t)24 * 3600 * 1000)
/* A session's last_used_at/expires_at are written at most this often. */
#define AUTH_TOUCH_INTERVAL_MS		60000
/* An MFA enrolment not verified within this time is forgotten. */
#define AUTH_ENROLMENT_TTL_MS		(10 * 60 * 1000)
#define AUTH_MAX_ENROLMENTS		8
/* The bootstrap password file in the data directory (0600). */
#define AUTH_BOOTSTRAP_FILE		"bootstrap-password"

enum auth_state {
	AUTH_SETUP_REQUIRED,	/* S0: no password */
	AUTH_ONBOARDING,	/* S1: password set, MFA enrolment pending */
	AUTH_MFA_ENABLED,	/* S2 */
	AUTH_PASSWORD_ONLY,	/* S3 */
};

/*
 * Purges expired sessions. With web set and no password yet, bootstraps one
 * (auth.md §4): printed on stdout when it is a TTY, otherwise written to
 * <data_dir>/AUTH_BOOTSTRAP_FILE (0600) whose path is printed. key is
 * borrowed and must outlive the module.
 */
int	 auth_init(const struct secretbox_key *key, bool web,
	     const char *data_dir, char **cause);
void	 auth_shutdown(void);

enum auth_state auth_state(void);

/* The web gate (httpd_set_web_gate). */
int	 auth_web_gate(struct request *req);

/* --- What a request carries ---------------------------------------------- */

/* A well-formed session token (Bearer, else cookie), valid or not. */
bool	 auth_request_has_token(struct request *req);
/*
 * The signed-in session behind req, without touching it: 1 with *id (the
 * public id, caller frees; id may be NULL) when valid, 0 when no token, -1
 * when the token is unknown or expired (an expired row is deleted).
 */
int	 auth_request_session(struct request *req, char **id);
/*
 * The onboarding cookie: 1 valid (state S1, token current), 0 absent or
 * invalid, -1 present while onboarding is not pending.
 */
int	 auth_request_onboarding(struct request *req);

/* --- Responses ----------------------------------------------------------- */

/* Set-Cookie name=value with the attributes of auth.md §10. */
void	 auth_set_cookie(struct request *req, const char *name,
	     const char *value, int max_age);
/* Both cookies cleared (Max-Age=0). */
void	 auth_clear_cookies(struct request *req);
json_t	*auth_status_json(struct request *req);
/* The gate's 401 bodies. */
json_t	*auth_required_json(void);
json_t	*auth_expired_json(void);

/* --- Passwords, off the loop ---------------------------------------------- */

/*
 * Verify password against the stored hash on a worker, then done(result, arg)
 * on the loop: 1 match, 0 mismatch, -1 cannot verify (no password set or an
 * unusable stored hash; logged), -2 the worker pool is full. May call done
 * before returning.
 */
void	 auth_password_check(const char *password,
	     void (*done)(int result, void *arg), void *arg);
/* Hash password on a worker; done(hash or NULL if busy/failed, arg). The
 * hash is the callee's to free(). */
void	 auth_password_hash_async(const char *password,
	     void (*done)(char *hash, void *arg), void *arg);

/* --- State changes ------------------------------------------------------- */

/*
 * POST /auth/setup: in S0 only (-1 otherwise, *cause static), store hash with
 * onboarding pending, wipe any session, and issue an onboarding token.
 */
int	 auth_setup(const char *hash, char **onboarding_token,
	     const char **cause);
/* A fresh onboarding token (S1), replacing the previous one. */
int	 auth_onboarding_issue(char **token);
/*
 * The second factor of a login (S2): a TOTP code (replays refused), else a
 * recovery code (consumed). 1 accepted, 0 wrong, -1 the stored secret or
 * codes cannot be decrypted (*error_code, *message static).
 */
int	 auth_second_factor(const char *code, const char **error_code,
	     const char **message);
/* A new login session for req's client; *token is the caller's. */
int	 auth_session_create(struct request *req, char **token);
/* GET /auth/sessions: the rows, most recently used first. */
json_t	*auth_sessions_json(void);
/* Revoke one session (by public id), all but keep, or all (keep NULL). */
void	 auth_revoke_session(const char *id);
void	 auth_revoke_all_except(const char *keep);
/*
 * A new password hash (stolen): all sessions revoked. With reset (the CLI's
 * reset-password): also creates the row in S0, clears onboarding, and
 * re-enters onboarding unless TOTP is enabled.
 */
int	 auth_set_password(char *hash, bool reset);
/* CLI reset-mfa: TOTP and recovery codes cleared, onboarding pending,
 * sessions revoked. */
int	 auth_reset_mfa(void);

/*
 * MFA enrolment, bound to whoever asked (requester: a session id, an
 * onboarding token hash, "cli"). begin returns {"secret","otpauthUri",
 * "qrDataUrl"}. verify returns 1 and the new recovery codes (a JSON array)
 * on success, 0 with *error and *error_code (static) otherwise.
 */
json_t	*auth_mfa_begin(const char *requester);
int	 auth_mfa_verify(const char *requester, const char *code,
	     json_t **recovery_codes, const char **error,
	     const char **error_code);
/* The requester key of req for the two calls above; caller frees. */
char	*auth_mfa_requester(struct request *req);

#endif
