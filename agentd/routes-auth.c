/*
 * Authentication routes (spec/auth.md §6): parse and validate, call auth.c,
 * render JSON and cookies. Password checks and hashing finish later, on the
 * loop thread, through auth.c's worker callbacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth-crypto.h"
#include "auth.h"
#include "origin.h"
#include "ratelimit.h"
#include "routes.h"
#include "util.h"
#include "xmalloc.h"

#define BUSY_MESSAGE	"The server is busy; try again in a moment"

struct auth_ctx {
	struct request	*req;
	char		*client;	/* login limiter key; NULL: not limited */
	char		*password;	/* auth_secret_free() */
	char		*code;		/* TOTP or recovery code */
	char		*new_password;	/* POST /auth/password */
	bool		 generated;
};

static struct auth_ctx *
ctx_new(struct request *req)
{
	struct auth_ctx *ctx = xcalloc(1, sizeof *ctx);

	ctx->req = req;
	return ctx;
}

static void
ctx_free(struct auth_ctx *ctx)
{
	free(ctx->client);
	auth_secret_free(ctx->password);
	auth_secret_free(ctx->code);
	auth_secret_free(ctx->new_password);
	free(ctx);
}

static void
reply_invalid_credentials(struct request *req)
{
	reply_json(req, 401, json_pack("{s:s,s:s}", "error",
	    "Invalid credentials", "code", "INVALID_CREDENTIALS"));
}

static void
reply_too_many_logins(struct request *req, int retry_after)
{
	char value[16];

	snprintf(value, sizeof value, "%d", retry_after);
	reply_add_header(req, "Retry-After", value);
	reply_json(req, 429, json_pack("{s:s,s:i}", "error",
	    "Too many login attempts", "retryAfter", retry_after));
}

/* A string member, or NULL when absent or not a string. */
static const char *
string_member(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

/* Settled or refused: the attempt's limiter key is not needed again. */
static void
forget_client(struct auth_ctx *ctx)
{
	free(ctx->client);
	ctx->client = NULL;
}

/* Start a login-limited attempt: 0, or -1 after answering 429. */
static int
limit_begin(struct auth_ctx *ctx)
{
	int retry_after;

	if (ctx->req->listener != LISTENER_WEB)
		return 0;
	ctx->client = origin_client_address(ctx->req);
	if (login_limit_begin(ctx->client, now_ms(), &retry_after) != 0) {
		forget_client(ctx);
		reply_too_many_logins(ctx->req, retry_after);
		return -1;
	}
	return 0;
}

static void
limit_failure(struct auth_ctx *ctx)
{
	if (ctx->client != NULL)
		login_limit_failure(ctx->client, now_ms());
	forget_client(ctx);
}

static void
limit_success(struct auth_ctx *ctx)
{
	if (ctx->client != NULL)
		login_limit_success(ctx->client);
	forget_client(ctx);
}

static void
limit_neutral(struct auth_ctx *ctx)
{
	if (ctx->client != NULL)
		login_limit_neutral(ctx->client);
	forget_client(ctx);
}

/* ------------------------------------------------------------ status */

static void
get_status(struct request *req)
{
	reply_json(req, 200, auth_status_json(req));
}

/* ------------------------------------------------------------ login */

static void
login_grant(struct auth_ctx *ctx)
{
	struct request *req = ctx->req;
	char *token;

	if (auth_session_create(req, &token) != 0) {
		limit_neutral(ctx);
		reply_error(req, 500, "Internal server error");
		return;
	}
	limit_success(ctx);
	auth_set_cookie(req, AUTH_SESSION_COOKIE, token,
	    (int)(AUTH_SESSION_TTL_MS / 1000));
	reply_json(req, 200, json_pack("{s:b,s:s}", "ok", 1, "token", token));
	auth_secret_free(token);
}

static void
login_checked(int result, void *arg)
{
	struct auth_ctx *ctx = arg;
	struct request *req = ctx->req;
	const char *error_code, *message;
	char *token;
	int retry_after, rc;

	if (result == -2) {
		limit_neutral(ctx);
		reply_error(req, 503, BUSY_MESSAGE);
		goto out;
	}
	if (result != 1) {
		limit_failure(ctx);
		reply_invalid_credentials(req);
		goto out;
	}
	switch (auth_state()) {
	case AUTH_SETUP_REQUIRED:
		limit_neutral(ctx);
		reply_error(req, 500, "Internal server error");
		break;
	case AUTH_ONBOARDING:
		if (auth_onboarding_issue(&token) != 0) {
			limit_neutral(ctx);
			reply_error(req, 500, "Internal server error");
			break;
		}
		limit_success(ctx);
		auth_set_cookie(req, AUTH_ONBOARDING_COOKIE, token,
		    (int)(AUTH_ONBOARDING_TTL_MS / 1000));
		auth_set_cookie(req, AUTH_SESSION_COOKIE, "", 0);
		auth_secret_free(token);
		reply_json(req, 401, json_pack("{s:b}", "mfaSetupRequired", 1));
		break;
	case AUTH_MFA_ENABLED:
		if (ctx->code == NULL || *ctx->code == '\0') {
			limit_neutral(ctx);
			reply_json(req, 401, json_pack("{s:b}", "mfaRequired", 1));
			break;
		}
		if (second_factor_limit_check(now_ms(), &retry_after) != 0) {
			limit_neutral(ctx);
			reply_too_many_logins(req, retry_after);
			break;
		}
		rc = auth_second_factor(ctx->code, &error_code, &message);
		if (rc == 1) {
			login_grant(ctx);
			break;
		}
		second_factor_limit_failure(now_ms());
		limit_failure(ctx);
		if (rc < 0)
			reply_json(req, 400, json_pack("{s:s,s:s}", "error",
			    message, "code", error_code));
		else
			reply_invalid_credentials(req);
		break;
	case AUTH_PASSWORD_ONLY:
		login_grant(ctx);
		break;
	}
out:
	ctx_free(ctx);
}

/*
 * Not ROUTE_JSON: the login limiter must answer before the body is even
 * parsed (auth.md §6.1).
 */
static void
post_login(struct request *req)
{
	struct auth_ctx *ctx = ctx_new(req);
	const char *password, *code;
	json_t *body;

	if (limit_begin(ctx) != 0) {
		ctx_free(ctx);
		return;
	}
	body = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, NULL);
	if (body == NULL || !json_is_object(body)) {
		limit_neutral(ctx);
		reply_error(req, 400, body == NULL ?
		    "Invalid JSON in request body" :
		    "Request body must be a JSON object");
		json_decref(body);
		ctx_free(ctx);
		return;
	}
	password = string_member(body, "password");
	if (password == NULL || *password == '\0') {
		limit_neutral(ctx);
		reply_error(req, 400, "Password is required");
		json_decref(body);
		ctx_free(ctx);
		return;
	}
	if (auth_state() == AUTH_SETUP_REQUIRED) {
		limit_neutral(ctx);
		reply_error(req, 500, "Internal server error");
		json_decref(body);
		ctx_free(ctx);
		return;
	}
	/* Over-long passwords are never hashed (bounds the work). */
	if (strlen(password) > AUTH_PASSWORD_MAX_BYTES) {
		limit_failure(ctx);
		reply_invalid_credentials(req);
		json_decref(body);
		ctx_free(ctx);
		return;
	}
	if ((code = string_member(body, "totpCode")) != NULL)
		ctx->code = xstrdup(code);
	ctx->password = xstrdup(password);
	json_decref(body);
	auth_password_check(ctx->password, login_checked, ctx);
}

/* ------------------------------------------------------------ setup */

static void
setup_hashed(char *hash, void *arg)
{
	struct auth_ctx *ctx = arg;
	struct request *req = ctx->req;
	const char *cause;
	char *token;

	if (hash == NULL) {
		reply_error(req, 503, BUSY_MESSAGE);
	} else if (auth_setup(hash, &token, &cause) != 0) {
		reply_error(req, strcmp(cause, "Internal server error") == 0 ?
		    500 : 400, "%s", cause);
	} else {
		auth_set_cookie(req, AUTH_ONBOARDING_COOKIE, token,
		    (int)(AUTH_ONBOARDING_TTL_MS / 1000));
		auth_set_cookie(req, AUTH_SESSION_COOKIE, "", 0);
		auth_secret_free(token);
		reply_json(req, 200, json_pack("{s:b,s:b}", "ok", 1,
		    "mfaSetupRequired", 1));
	}
	free(hash);
	ctx_free(ctx);
}

static void
reply_password_rule(struct request *req, const char *password)
{
	const char *code;
	char *cause = NULL;

	auth_password_validate(password, &code, &cause);
	if (code != NULL)
		reply_json(req, 400, json_pack("{s:s,s:s}", "error", cause,
		    "code", code));
	else
		reply_error(req, 400, "%s", cause);
	free(cause);
}

static void
post_setup(struct request *req)
{
	struct auth_ctx *ctx;
	const char *password, *code;
	char *cause = NULL;
	json_t *body;

	if ((body = request_object(req)) == NULL)
		return;
	password = string_member(body, "password");
	if (auth_state() != AUTH_SETUP_REQUIRED) {
		reply_error(req, 400, "Password is already configured");
		return;
	}
	if (auth_password_validate(password, &code, &cause) != 0) {
		free(cause);
		reply_password_rule(req, password);
		return;
	}
	ctx = ctx_new(req);
	ctx->password = xstrdup(password);
	auth_password_hash_async(ctx->password, setup_hashed, ctx);
}

/* ------------------------------------------------------------ MFA */

/*
 * Who may enrol (auth.md §6.3): a signed-in session, or, with no session
 * token at all, a valid onboarding cookie. Returns 1 via onboarding, 0 via a
 * session (or the CLI socket), -1 after answering.
 */
static int
mfa_caller(struct request *req, bool verifying)
{
	int rc;

	if (req->listener == LISTENER_CLI)
		return 0;
	if (auth_request_has_token(req)) {
		if (auth_request_session(req, NULL) == 1)
			return 0;
		reply_json(req, 401, auth_expired_json());
		return -1;
	}
	if ((rc = auth_request_onboarding(req)) == 1)
		return 1;
	if (rc < 0 && verifying) {
		reply_json(req, 400, json_pack("{s:s,s:s}", "error",
		    "MFA onboarding is not pending", "code",
		    "MFA_SETUP_NOT_PENDING"));
		return -1;
	}
	reply_json(req, 401, auth_required_json());
	return -1;
}

static void
post_mfa_setup(struct request *req)
{
	char *requester;

	if (mfa_caller(req, false) < 0)
		return;
	requester = auth_mfa_requester(req);
	reply_json(req, 200, auth_mfa_begin(requester));
	free(requester);
}

static void
post_mfa_verify(struct request *req)
{
	const char *code, *error, *error_code;
	char *requester, *token;
	json_t *body, *codes;
	int via;

	if ((via = mfa_caller(req, true)) < 0)
		return;
	if ((body = request_object(req)) == NULL)
		return;
	code = string_member(body, "totpCode");
	if (code == NULL || *code == '\0') {
		reply_error(req, 400, "TOTP code is required");
		return;
	}
	requester = auth_mfa_requester(req);
	if (auth_mfa_verify(requester, code, &codes, &error,
	    &error_code) != 1) {
		free(requester);
		reply_json(req, 400, json_pack("{s:s,s:s}", "error", error,
		    "code", error_code));
		return;
	}
	free(requester);
	if (via != 1) {
		reply_json(req, 200, json_pack("{s:o}", "recoveryCodes", codes));
		return;
	}
	if (auth_session_create(req, &token) != 0) {
		json_decref(codes);
		reply_error(req, 500, "Internal server error");
		return;
	}
	auth_set_cookie(req, AUTH_SESSION_COOKIE, token,
	    (int)(AUTH_SESSION_TTL_MS / 1000));
	auth_set_cookie(req, AUTH_ONBOARDING_COOKIE, "", 0);
	reply_json(req, 200, json_pack("{s:o,s:s}", "recoveryCodes", codes,
	    "token", token));
	auth_secret_free(token);
}

/* ------------------------------------------------------------ sessions */

static void
post_logout(struct request *req)
{
	if (req->listener == LISTENER_WEB)
		auth_revoke_session(req->auth_session_id);
	auth_clear_cookies(req);
	reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void
get_sessions(struct request *req)
{
	reply_json(req, 200, json_pack("{s:o}", "sessions",
	    auth_sessions_json()));
}

static void
post_revoke_all(struct request *req)
{
	auth_revoke_all_except(req->listener == LISTENER_WEB ?
	    req->auth_session_id : NULL);
	reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* ------------------------------------------------------------ password */

static void
password_change_hashed(char *hash, void *arg)
{
	struct auth_ctx *ctx = arg;
	struct request *req = ctx->req;

	if (hash == NULL)
		reply_error(req, 503, BUSY_MESSAGE);
	else if (auth_set_password(hash, false) != 0)
		reply_error(req, 500, "Internal server error");
	else {
		auth_clear_cookies(req);
		reply_json(req, 200, json_pack("{s:b}", "ok", 1));
	}
	ctx_free(ctx);
}

static void
password_change_checked(int result, void *arg)
{
	struct auth_ctx *ctx = arg;
	struct request *req = ctx->req;
	const char *code;
	char *cause = NULL;

	if (result == -2) {
		limit_neutral(ctx);
		reply_error(req, 503, BUSY_MESSAGE);
		ctx_free(ctx);
		return;
	}
	if (result != 1) {
		/* Improvement: a stolen cookie cannot guess without limit. */
		limit_failure(ctx);
		reply_json(req, 400, json_pack("{s:s,s:s}", "error",
		    "Current password is incorrect", "code",
		    "INVALID_CREDENTIALS"));
		ctx_free(ctx);
		return;
	}
	limit_success(ctx);
	if (auth_password_validate(ctx->new_password, &code, &cause) != 0) {
		free(cause);
		reply_password_rule(req, ctx->new_password);
		ctx_free(ctx);
		return;
	}
	auth_password_hash_async(ctx->new_password, password_change_hashed, ctx);
}

static void
post_password(struct request *req)
{
	const char *current, *next;
	struct auth_ctx *ctx;
	json_t *body;

	if ((body = request_object(req)) == NULL)
		return;
	current = string_member(body, "currentPassword");
	next = string_member(body, "newPassword");
	if (current == NULL || *current == '\0' || next == NULL ||
	    *next == '\0') {
		reply_error(req, 400,
		    "Both currentPassword and newPassword are required");
		return;
	}
	ctx = ctx_new(req);
	if (limit_begin(ctx) != 0) {
		ctx_free(ctx);
		return;
	}
	if (strlen(current) > AUTH_PASSWORD_MAX_BYTES) {
		password_change_checked(0, ctx);
		return;
	}
	ctx->password = xstrdup(current);
	ctx->new_password = xstrdup(next);
	auth_password_check(ctx->password, password_change_checked, ctx);
}

/* ------------------------------------------------------------ CLI resets */

static void
reset_password_hashed(char *hash, void *arg)
{
	struct auth_ctx *ctx = arg;
	struct request *req = ctx->req;

	if (hash == NULL)
		reply_error(req, 503, BUSY_MESSAGE);
	else if (auth_set_password(hash, true) != 0)
		reply_error(req, 500, "Internal server error");
	else if (ctx->generated)
		reply_json(req, 200, json_pack("{s:b,s:b,s:s}", "ok", 1,
		    "generated", 1, "password", ctx->password));
	else
		reply_json(req, 200, json_pack("{s:b}", "ok", 1));
	ctx_free(ctx);
}

static void
post_cli_reset_password(struct request *req)
{
	struct auth_ctx *ctx;
	const char *password, *code;
	char *cause = NULL;
	json_t *body;

	if ((body = request_object(req)) == NULL)
		return;
	ctx = ctx_new(req);
	if (json_is_true(json_object_get(body, "generate"))) {
		ctx->password = auth_password_generate();
		ctx->generated = true;
	} else {
		password = string_member(body, "password");
		if (auth_password_validate(password, &code, &cause) != 0) {
			free(cause);
			reply_password_rule(req, password);
			ctx_free(ctx);
			return;
		}
		ctx->password = xstrdup(password);
	}
	auth_password_hash_async(ctx->password, reset_password_hashed, ctx);
}

static void
post_cli_reset_mfa(struct request *req)
{
	if (auth_reset_mfa() != 0) {
		reply_error(req, 400, "No password is configured");
		return;
	}
	reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* ------------------------------------------------------------ WebSocket */

/*
 * The WebSocket relay asks here, with the browser's Cookie, Authorization
 * and Origin headers as they came, whether to accept an upgrade
 * (websocket.md §2). The session is checked, not touched.
 */
static void
post_ws_authorize(struct request *req)
{
	const char *error;
	char *id = NULL;

	if (req->listener != LISTENER_WEB) {
		reply_error(req, 404, "Not found: %s", req->path);
		return;
	}
	if (origin_check_websocket(request_header(req, "Origin"),
	    &error) != 0) {
		reply_error(req, 403, "%s", error);
		return;
	}
	if (auth_request_session(req, &id) != 1) {
		free(id);
		reply_error(req, 401, "Authentication required");
		return;
	}
	reply_json(req, 200, json_pack("{s:b,s:s}", "ok", 1, "authSessionId",
	    id != NULL ? id : ""));
	free(id);
}

const struct route routes_auth[] = {
	{ "GET", "/auth/status", get_status, ROUTE_PUBLIC },
	{ "POST", "/auth/login", post_login, ROUTE_PUBLIC },
	{ "POST", "/auth/setup", post_setup, ROUTE_PUBLIC | ROUTE_JSON },
	/* Public to the gate: the handlers admit onboarding cookies too. */
	{ "POST", "/auth/mfa/setup", post_mfa_setup, ROUTE_PUBLIC },
	{ "POST", "/auth/mfa/verify", post_mfa_verify,
	    ROUTE_PUBLIC | ROUTE_JSON },
	{ "POST", "/auth/logout", post_logout, 0 },
	{ "POST", "/auth/password", post_password, ROUTE_JSON },
	{ "GET", "/auth/sessions", get_sessions, 0 },
	{ "POST", "/auth/sessions/revoke-all", post_revoke_all, 0 },
	{ "POST", "/auth/cli/reset-password", post_cli_reset_password,
	    ROUTE_CLI_ONLY | ROUTE_JSON },
	{ "POST", "/auth/cli/reset-mfa", post_cli_reset_mfa, ROUTE_CLI_ONLY },
	{ "POST", "/internal/ws-authorize", post_ws_authorize, ROUTE_PUBLIC },
	{ NULL, NULL, NULL, 0 },
};
