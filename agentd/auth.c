/*
 * Web authentication: the state machine of spec/auth.md §5 on top of the
 * auth_config row, login sessions, enrolment, and the web gate.
 */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth-crypto.h"
#include "auth-store.h"
#include "broadcast.h"
#include "db.h"
#include "log.h"
#include "origin.h"
#include "ratelimit.h"
#include "secretbox.h"
#include "util.h"
#include "workers.h"
#include "xmalloc.h"

/* Stored user agents are cut to this many bytes. */
#define USER_AGENT_MAX		512

#define TOTP_DECRYPT_MESSAGE	"The stored TOTP secret cannot be decrypted " \
	"(was the encryption key replaced?). Run `codepiper auth reset-mfa` " \
	"on the daemon's machine."
#define RECOVERY_DECRYPT_MESSAGE "The stored recovery codes cannot be " \
	"decrypted (was the encryption key replaced?). Run `codepiper auth " \
	"reset-mfa` on the daemon's machine."

struct enrolment {
	char	*requester;
	char	*secret;		/* base32, auth_secret_free() */
	int64_t	 expires_at;
};

static struct {
	const struct secretbox_key	*key;
	char				*bootstrap_path;
	struct enrolment		 enrolments[AUTH_MAX_ENROLMENTS];
} auth;

/* ------------------------------------------------------------------ state */

static enum auth_state
state_of(const struct auth_config *c)
{
	if (c == NULL)
		return AUTH_SETUP_REQUIRED;
	if (c->mfa_setup_pending)
		return AUTH_ONBOARDING;
	return c->totp_enabled ? AUTH_MFA_ENABLED : AUTH_PASSWORD_ONLY;
}

enum auth_state
auth_state(void)
{
	struct auth_config *c;
	enum auth_state s;

	if (auth_store_load(&c) < 0)
		return AUTH_SETUP_REQUIRED;
	s = state_of(c);
	auth_config_free(c);
	return s;
}

static void
remove_bootstrap_file(void)
{
	if (auth.bootstrap_path != NULL && unlink(auth.bootstrap_path) == 0)
		log_info("removed %s: the bootstrap password is no longer "
		    "valid", auth.bootstrap_path);
}

static void
publish_revoked(json_t *ids)
{
	if (ids == NULL) {
		broadcast_publish("auth", json_pack("{s:s,s:b}", "type",
		    "auth_revoked", "all", 1));
		return;
	}
	if (json_array_size(ids) > 0)
		broadcast_publish("auth", json_pack("{s:s,s:O}", "type",
		    "auth_revoked", "authSessionIds", ids));
	json_decref(ids);
}

static void
revoke_everything(void)
{
	auth_store_sessions_delete_except(NULL, NULL);
	publish_revoked(NULL);
}

/* ------------------------------------------------------------------ init */

static int
bootstrap(char **cause)
{
	struct auth_config config = { .totp_last_step = AUTH_TOTP_NO_STEP };
	char *password, *hash = NULL, *text;

	password = auth_password_generate();
	if (auth_password_hash(&hash, password, cause) != 0) {
		auth_secret_free(password);
		return -1;
	}
	config.password_hash = hash;
	config.mfa_setup_pending = true;
	if (auth_store_save(&config) != 0) {
		free(hash);
		auth_secret_free(password);
		xasprintf(cause, "saving the bootstrap password: %s",
		    db_errmsg());
		return -1;
	}
	free(hash);
	auth_store_sessions_delete_except(NULL, NULL);

	if (isatty(STDOUT_FILENO)) {
		printf("\n  CodePiper generated a dashboard password:\n\n"
		    "      %s\n\n  Sign in with it, then set up two-factor "
		    "authentication.\n\n", password);
		fflush(stdout);
	} else {
		text = xprintf("%s\n", password);
		if (write_file_atomic(auth.bootstrap_path, text, strlen(text),
		    0600) != 0) {
			log_warn("writing %s: %s; rotate the password with "
			    "`codepiper auth reset-password --generate`",
			    auth.bootstrap_path, strerror(errno));
		} else
			printf("CodePiper generated a dashboard password; it is "
			    "in %s (mode 0600, removed when the password "
			    "changes)\n", auth.bootstrap_path);
		fflush(stdout);
		explicit_bzero(text, strlen(text));
		free(text);
	}
	auth_secret_free(password);
	return 0;
}

int
auth_init(const struct secretbox_key *key, bool web, const char *data_dir,
    char **cause)
{
	struct auth_config *c = NULL;
	int found;

	auth.key = key;
	free(auth.bootstrap_path);
	auth.bootstrap_path = xprintf("%s/%s", data_dir, AUTH_BOOTSTRAP_FILE);
	if (auth_crypto_init(cause) != 0)
		return -1;
	auth_store_sessions_purge_expired(now_ms());
	if ((found = auth_store_load(&c)) < 0) {
		xasprintf(cause, "reading auth_config: %s",
		    db_errmsg());
		return -1;
	}
	auth_config_free(c);
	if (found == 1)
		return 0;
	if (!web) {
		log_info("no dashboard password is set: start with --web to "
		    "generate one, or run `codepiper auth reset-password`");
		return 0;
	}
	return bootstrap(cause);
}

void
auth_shutdown(void)
{
	size_t i;

	for (i = 0; i < AUTH_MAX_ENROLMENTS; i++) {
		free(auth.enrolments[i].requester);
		auth_secret_free(auth.enrolments[i].secret);
	}
	free(auth.bootstrap_path);
	memset(&auth, 0, sizeof auth);
}

/* ------------------------------------------------------------------ tokens */

/*
 * The value of the first cookie called name whose value is a well-formed
 * token, into out. Cookie pairs are parsed, so "xcodepiper_session=" does not
 * count (the reference matched substrings).
 */
static bool
cookie_token(struct request *req, const char *name, char out[AUTH_TOKEN_LENGTH + 1])
{
	const char *h = request_header(req, "Cookie"), *p, *eq, *end;
	size_t nlen = strlen(name);

	if (h == NULL)
		return false;
	for (p = h; *p != '\0'; p = *end == ';' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchrnul(p, ';');
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || (size_t)(eq - p) != nlen ||
		    strncmp(p, name, nlen) != 0)
			continue;
		eq++;
		if ((size_t)(end - eq) >= AUTH_TOKEN_LENGTH &&
		    strspn(eq + AUTH_TOKEN_LENGTH, " \t") ==
		    (size_t)(end - eq - AUTH_TOKEN_LENGTH)) {
			memcpy(out, eq, AUTH_TOKEN_LENGTH);
			out[AUTH_TOKEN_LENGTH] = '\0';
			if (auth_token_is_wellformed(out))
				return true;
		}
	}
	out[0] = '\0';
	return false;
}

/* auth.md §3: a well-formed Bearer token wins, else the session cookie. */
static bool
request_token(struct request *req, char out[AUTH_TOKEN_LENGTH + 1])
{
	const char *h = request_header(req, "Authorization");

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0 &&
	    strlen(h + 7) == AUTH_TOKEN_LENGTH &&
	    auth_token_is_wellformed(h + 7)) {
		memcpy(out, h + 7, AUTH_TOKEN_LENGTH + 1);
		return true;
	}
	return cookie_token(req, AUTH_SESSION_COOKIE, out);
}

bool
auth_request_has_token(struct request *req)
{
	char token[AUTH_TOKEN_LENGTH + 1];
	bool found = request_token(req, token);

	explicit_bzero(token, sizeof token);
	return found;
}

/* Look the token up; on success the row is in *row (free row->id). */
static int
session_lookup(struct request *req, char hash[AUTH_SHA256_HEX_LENGTH + 1],
    struct auth_session_row *row)
{
	char token[AUTH_TOKEN_LENGTH + 1];
	int found;

	if (!request_token(req, token))
		return 0;
	auth_token_hash(hash, token);
	explicit_bzero(token, sizeof token);
	if ((found = auth_store_session_find(hash, row)) != 1)
		return -1;
	if (row->expires_at <= now_ms()) {
		auth_store_session_delete(hash);
		publish_revoked(json_pack("[s]", row->id));
		free(row->id);
		row->id = NULL;
		return -1;
	}
	return 1;
}

int
auth_request_session(struct request *req, char **id)
{
	char hash[AUTH_SHA256_HEX_LENGTH + 1];
	struct auth_session_row row;
	int rc;

	if ((rc = session_lookup(req, hash, &row)) == 1) {
		if (id != NULL)
			*id = row.id;
		else
			free(row.id);
	}
	return rc;
}

int
auth_request_onboarding(struct request *req)
{
	char token[AUTH_TOKEN_LENGTH + 1], hash[AUTH_SHA256_HEX_LENGTH + 1];
	struct auth_config *c;
	int result = 0;

	if (!cookie_token(req, AUTH_ONBOARDING_COOKIE, token))
		return 0;
	auth_token_hash(hash, token);
	explicit_bzero(token, sizeof token);
	if (auth_store_load(&c) != 1)
		return -1;
	if (state_of(c) != AUTH_ONBOARDING)
		result = -1;
	else if (c->onboarding_token_hash != NULL &&
	    auth_secret_equal(c->onboarding_token_hash, hash)) {
		if (c->onboarding_token_expires_at > now_ms())
			result = 1;
		else {
			/* Expired: forget it (auth.md §3). */
			free(c->onboarding_token_hash);
			c->onboarding_token_hash = NULL;
			auth_store_save(c);
		}
	}
	auth_config_free(c);
	return result;
}

char *
auth_mfa_requester(struct request *req)
{
	char token[AUTH_TOKEN_LENGTH + 1], hash[AUTH_SHA256_HEX_LENGTH + 1];
	char *id = NULL;

	if (req->listener == LISTENER_CLI)
		return xstrdup("cli");
	if (auth_request_session(req, &id) == 1)
		return xprintf("session:%s", id != NULL ? id : "");
	free(id);
	if (cookie_token(req, AUTH_ONBOARDING_COOKIE, token)) {
		auth_token_hash(hash, token);
		explicit_bzero(token, sizeof token);
		return xprintf("onboarding:%s", hash);
	}
	return xstrdup("anonymous");
}

/* ------------------------------------------------------------------ replies */

void
auth_set_cookie(struct request *req, const char *name, const char *value,
    int max_age)
{
	char *cookie;

	cookie = xprintf("%s=%s; HttpOnly; SameSite=Strict; Path=/; "
	    "Max-Age=%d%s", name, value, max_age,
	    origin_request_is_secure(req) ? "; Secure" : "");
	reply_add_header(req, "Set-Cookie", cookie);
	explicit_bzero(cookie, strlen(cookie));
	free(cookie);
}

void
auth_clear_cookies(struct request *req)
{
	auth_set_cookie(req, AUTH_SESSION_COOKIE, "", 0);
	auth_set_cookie(req, AUTH_ONBOARDING_COOKIE, "", 0);
}

json_t *
auth_required_json(void)
{
	enum auth_state s = auth_state();

	return json_pack("{s:s,s:b,s:b}", "error", "Authentication required",
	    "setupRequired", s == AUTH_SETUP_REQUIRED,
	    "mfaSetupRequired", s == AUTH_ONBOARDING);
}

json_t *
auth_expired_json(void)
{
	return json_pack("{s:s,s:b}", "error", "Session expired",
	    "mfaSetupRequired", auth_state() == AUTH_ONBOARDING);
}

json_t *
auth_status_json(struct request *req)
{
	enum auth_state s = auth_state();
	bool authenticated = false;

	if (req->listener == LISTENER_WEB)
		authenticated = auth_request_session(req, NULL) == 1;
	return json_pack("{s:b,s:b,s:b,s:b,s:b}",
	    "setupRequired", s == AUTH_SETUP_REQUIRED,
	    "mfaEnabled", s == AUTH_MFA_ENABLED,
	    "mfaSetupRequired", s == AUTH_ONBOARDING &&
	    req->listener == LISTENER_WEB && auth_request_onboarding(req) == 1,
	    "onboardingPending", s == AUTH_ONBOARDING,
	    "authenticated", authenticated);
}

/* ------------------------------------------------------------------ gate */

static bool
is_ws_authorize(struct request *req)
{
	return strcmp(req->route->pattern, "/internal/ws-authorize") == 0;
}

int
auth_web_gate(struct request *req)
{
	char hash[AUTH_SHA256_HEX_LENGTH + 1], retry[16], *client;
	struct auth_session_row row;
	const char *error;
	int64_t now = now_ms();
	int retry_after;

	/* The relay's own check: it validates what it forwards itself. */
	if (is_ws_authorize(req))
		return 0;
	if (origin_check_host(req) != 0) {
		reply_error(req, 403, "Host not allowed");
		return -1;
	}
	if (origin_check_csrf(req, &error) != 0) {
		reply_error(req, 403, "%s", error);
		return -1;
	}
	if (!(req->route->flags & ROUTE_PUBLIC)) {
		switch (session_lookup(req, hash, &row)) {
		case 0:
			reply_json(req, 401, auth_required_json());
			return -1;
		case -1:
			reply_json(req, 401, auth_expired_json());
			return -1;
		}
		if (now - row.last_used_at >= AUTH_TOUCH_INTERVAL_MS)
			auth_store_session_touch(hash, now,
			    now + AUTH_SESSION_TTL_MS);
		free(req->auth_session_id);
		req->auth_session_id = row.id;
	}
	/*
	 * The API limiter is for /api (auth.md §8): what codepiper-fcgi
	 * relays, marked with its request id. The WebSocket relay's calls
	 * (/stream) have their own per-message limits.
	 */
	if (request_header(req, "X-CodePiper-Request-Id") == NULL)
		return 0;
	client = origin_client_address(req);
	if (api_limit_hit(client, now, &retry_after) != 0) {
		free(client);
		snprintf(retry, sizeof retry, "%d", retry_after);
		reply_add_header(req, "Retry-After", retry);
		reply_json(req, 429, json_pack("{s:s,s:i}", "error",
		    "Too many requests", "retryAfter", retry_after));
		return -1;
	}
	free(client);
	return 0;
}

/* ------------------------------------------------------------------ passwords */

struct password_job {
	char	*password;
	char	*stored;	/* verify against this; NULL: hash */
	int	 result;
	char	*hash;
	char	*cause;
	void	(*check_done)(int, void *);
	void	(*hash_done)(char *, void *);
	void	*arg;
};

static void
password_job_free(struct password_job *job)
{
	auth_secret_free(job->password);
	free(job->stored);
	free(job->hash);
	free(job->cause);
	free(job);
}

static void
password_work(void *arg)
{
	struct password_job *job = arg;

	if (job->stored != NULL)
		job->result = auth_password_verify(job->stored, job->password,
		    &job->cause);
	else
		job->result = auth_password_hash(&job->hash, job->password,
		    &job->cause);
}

static void
password_done(void *arg)
{
	struct password_job *job = arg;
	char *hash;

	if (job->cause != NULL)
		log_warn("password %s: %s", job->stored != NULL ?
		    "verification" : "hashing", job->cause);
	if (job->check_done != NULL)
		job->check_done(job->result, job->arg);
	else {
		hash = job->hash;
		job->hash = NULL;
		job->hash_done(job->result == 0 ? hash : NULL, job->arg);
		if (job->result != 0)
			free(hash);
	}
	password_job_free(job);
}

void
auth_password_check(const char *password, void (*done)(int, void *),
    void *arg)
{
	struct password_job *job;
	struct auth_config *c;

	if (auth_store_load(&c) != 1) {
		done(-1, arg);
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->password = xstrdup(password);
	job->stored = c->password_hash;
	c->password_hash = NULL;
	auth_config_free(c);
	job->check_done = done;
	job->arg = arg;
	if (workers_submit(password_work, password_done, job) != 0) {
		password_job_free(job);
		done(-2, arg);
	}
}

void
auth_password_hash_async(const char *password, void (*done)(char *, void *),
    void *arg)
{
	struct password_job *job = xcalloc(1, sizeof *job);

	job->password = xstrdup(password);
	job->hash_done = done;
	job->arg = arg;
	if (workers_submit(password_work, password_done, job) != 0) {
		password_job_free(job);
		done(NULL, arg);
	}
}

/* ------------------------------------------------------------------ changes */

static char *
new_onboarding_token(struct auth_config *c)
{
	char *token = auth_token_generate();
	char hash[AUTH_SHA256_HEX_LENGTH + 1];

	auth_token_hash(hash, token);
	free(c->onboarding_token_hash);
	c->onboarding_token_hash = xstrdup(hash);
	c->onboarding_token_expires_at = now_ms() + AUTH_ONBOARDING_TTL_MS;
	return token;
}

int
auth_setup(const char *hash, char **onboarding_token, const char **cause)
{
	struct auth_config *c = NULL;
	char *token;

	*onboarding_token = NULL;
	if (auth_store_load(&c) != 0) {
		auth_config_free(c);
		*cause = "Password is already configured";
		return -1;
	}
	c = xcalloc(1, sizeof *c);
	c->password_hash = xstrdup(hash);
	c->totp_last_step = AUTH_TOTP_NO_STEP;
	c->mfa_setup_pending = true;
	token = new_onboarding_token(c);
	if (auth_store_save(c) != 0) {
		auth_config_free(c);
		auth_secret_free(token);
		*cause = "Internal server error";
		return -1;
	}
	auth_config_free(c);
	/* Improvement: sessions from before setup do not survive it. */
	revoke_everything();
	remove_bootstrap_file();
	*onboarding_token = token;
	return 0;
}

int
auth_onboarding_issue(char **token)
{
	struct auth_config *c;

	*token = NULL;
	if (auth_store_load(&c) != 1)
		return -1;
	*token = new_onboarding_token(c);
	if (auth_store_save(c) != 0) {
		auth_config_free(c);
		auth_secret_free(*token);
		*token = NULL;
		return -1;
	}
	auth_config_free(c);
	return 0;
}

/* The stored recovery-code hashes; NULL when they cannot be decrypted. */
static json_t *
recovery_hashes(const struct auth_config *c)
{
	void *plain = NULL;
	size_t len = 0;
	char *cause = NULL;
	json_t *list;

	if (c->recovery_codes_encrypted == NULL)
		return json_array();
	if (secretbox_decrypt(&plain, &len, auth.key,
	    c->recovery_codes_encrypted, &cause) != 0) {
		log_warn("recovery codes: %s", cause);
		free(cause);
		return NULL;
	}
	list = json_loadb(plain, len, 0, NULL);
	secretbox_plaintext_free(plain, len);
	if (!json_is_array(list)) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static char *
encrypt_json(const json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT), *sealed;

	sealed = secretbox_encrypt(auth.key, text, strlen(text));
	explicit_bzero(text, strlen(text));
	free(text);
	return sealed;
}

/* A recovery code: 1 consumed, 0 no match, -1 undecryptable. */
static int
use_recovery_code(struct auth_config *c, const char *code)
{
	const char **hashes;
	json_t *list;
	size_t i, n;
	int slot;

	if ((list = recovery_hashes(c)) == NULL)
		return -1;
	n = json_array_size(list);
	hashes = xcalloc(n + 1, sizeof *hashes);
	for (i = 0; i < n; i++) {
		hashes[i] = json_string_value(json_array_get(list, i));
		if (hashes[i] == NULL)
			hashes[i] = "";
	}
	slot = n > 0 ? auth_recovery_code_match(code, hashes, n) : -1;
	free(hashes);
	if (slot < 0) {
		json_decref(list);
		return 0;
	}
	/* Single use: the slot goes before the login is granted. */
	json_array_remove(list, (size_t)slot);
	free(c->recovery_codes_encrypted);
	c->recovery_codes_encrypted = encrypt_json(list);
	json_decref(list);
	return auth_store_save(c) == 0 ? 1 : 0;
}

int
auth_second_factor(const char *code, const char **error_code,
    const char **message)
{
	struct auth_config *c;
	void *secret = NULL;
	size_t len = 0;
	char *cause = NULL;
	int64_t step;
	int rc;

	if (auth_store_load(&c) != 1)
		return 0;
	if (c->totp_secret_encrypted == NULL ||
	    secretbox_decrypt(&secret, &len, auth.key,
	    c->totp_secret_encrypted, &cause) != 0) {
		log_warn("TOTP secret: %s", cause != NULL ? cause : "missing");
		free(cause);
		auth_config_free(c);
		*error_code = "TOTP_DECRYPT_FAILED";
		*message = TOTP_DECRYPT_MESSAGE;
		return -1;
	}
	rc = auth_totp_verify(secret, code, time(NULL), c->totp_last_step,
	    &step, &cause);
	secretbox_plaintext_free(secret, len);
	if (rc < 0) {
		log_warn("TOTP: %s", cause);
		free(cause);
		auth_config_free(c);
		*error_code = "TOTP_DECRYPT_FAILED";
		*message = TOTP_DECRYPT_MESSAGE;
		return -1;
	}
	if (rc == 1) {
		/* Replay protection: this step and those before are spent. */
		c->totp_last_step = step;
		rc = auth_store_save(c) == 0 ? 1 : 0;
		auth_config_free(c);
		return rc;
	}
	rc = use_recovery_code(c, code);
	auth_config_free(c);
	if (rc < 0) {
		*error_code = "RECOVERY_DECRYPT_FAILED";
		*message = RECOVERY_DECRYPT_MESSAGE;
	}
	return rc;
}

/* Printable ASCII only, at most USER_AGENT_MAX bytes. */
static char *
clean_user_agent(const char *ua)
{
	char *copy;
	size_t i;

	if (ua == NULL)
		return NULL;
	copy = xstrndup(ua, USER_AGENT_MAX);
	for (i = 0; copy[i] != '\0'; i++) {
		if ((unsigned char)copy[i] < 0x20 || (unsigned char)copy[i] > 0x7e)
			copy[i] = '?';
	}
	return copy;
}

int
auth_session_create(struct request *req, char **token)
{
	char hash[AUTH_SHA256_HEX_LENGTH + 1], id[UUID_LEN];
	char *ip, *ua;
	int64_t now = now_ms();
	int rc;

	*token = auth_token_generate();
	auth_token_hash(hash, *token);
	uuid_v4(id);
	ip = req->listener == LISTENER_WEB ? origin_client_address(req) : NULL;
	ua = clean_user_agent(request_header(req, "User-Agent"));
	rc = auth_store_session_insert(hash, id, now, now + AUTH_SESSION_TTL_MS,
	    ip, ua);
	free(ip);
	free(ua);
	if (rc != 0) {
		auth_secret_free(*token);
		*token = NULL;
	}
	return rc;
}

json_t *
auth_sessions_json(void)
{
	return auth_store_sessions_json();
}

void
auth_revoke_session(const char *id)
{
	if (id == NULL)
		return;
	auth_store_session_delete_id(id);
	publish_revoked(json_pack("[s]", id));
}

void
auth_revoke_all_except(const char *keep)
{
	json_t *deleted = NULL;

	if (keep == NULL) {
		revoke_everything();
		return;
	}
	auth_store_sessions_delete_except(keep, &deleted);
	publish_revoked(deleted);
}

int
auth_set_password(char *hash, bool reset)
{
	struct auth_config *c = NULL;
	int found;

	if ((found = auth_store_load(&c)) < 0) {
		free(hash);
		return -1;
	}
	if (found == 0) {
		if (!reset) {
			free(hash);
			return -1;
		}
		c = xcalloc(1, sizeof *c);
		c->totp_last_step = AUTH_TOTP_NO_STEP;
	}
	free(c->password_hash);
	c->password_hash = hash;
	if (reset) {
		free(c->onboarding_token_hash);
		c->onboarding_token_hash = NULL;
		c->mfa_setup_pending = !c->totp_enabled;
	}
	if (auth_store_save(c) != 0) {
		auth_config_free(c);
		return -1;
	}
	auth_config_free(c);
	revoke_everything();
	remove_bootstrap_file();
	return 0;
}

int
auth_reset_mfa(void)
{
	struct auth_config *c;

	if (auth_store_load(&c) != 1)
		return -1;
	free(c->totp_secret_encrypted);
	c->totp_secret_encrypted = NULL;
	free(c->recovery_codes_encrypted);
	c->recovery_codes_encrypted = NULL;
	free(c->onboarding_token_hash);
	c->onboarding_token_hash = NULL;
	c->totp_enabled = false;
	c->totp_last_step = AUTH_TOTP_NO_STEP;
	/* Improvement: MFA stays mandatory; the next login re-enrols. */
	c->mfa_setup_pending = true;
	if (auth_store_save(c) != 0) {
		auth_config_free(c);
		return -1;
	}
	auth_config_free(c);
	revoke_everything();
	return 0;
}

/* ------------------------------------------------------------------ MFA */

static void
enrolment_clear(struct enrolment *e)
{
	free(e->requester);
	auth_secret_free(e->secret);
	memset(e, 0, sizeof *e);
}

static struct enrolment *
enrolment_find(const char *requester, int64_t now)
{
	size_t i;

	for (i = 0; i < AUTH_MAX_ENROLMENTS; i++) {
		struct enrolment *e = &auth.enrolments[i];
		if (e->requester != NULL && e->expires_at <= now)
			enrolment_clear(e);
		if (e->requester != NULL && strcmp(e->requester, requester) == 0)
			return e;
	}
	return NULL;
}

json_t *
auth_mfa_begin(const char *requester)
{
	struct enrolment *e, *slot = NULL;
	char *secret, *uri, *qr = NULL, *cause = NULL;
	int64_t now = now_ms();
	json_t *out;
	size_t i;

	/* One pending secret per requester; the oldest slot is reused. */
	if ((e = enrolment_find(requester, now)) != NULL)
		enrolment_clear(e);
	for (i = 0; i < AUTH_MAX_ENROLMENTS; i++) {
		e = &auth.enrolments[i];
		if (e->requester == NULL) {
			slot = e;
			break;
		}
		if (slot == NULL || e->expires_at < slot->expires_at)
			slot = e;
	}
	enrolment_clear(slot);
	secret = auth_totp_secret_generate();
	uri = auth_totp_uri(secret);
	if (auth_totp_qr_data_uri(&qr, uri, &cause) != 0) {
		log_warn("MFA QR code: %s", cause);
		free(cause);
		qr = NULL;
	}
	out = json_pack("{s:s,s:s,s:o}", "secret", secret, "otpauthUri", uri,
	    "qrDataUrl", qr != NULL ? json_string(qr) : json_null());
	slot->requester = xstrdup(requester);
	slot->secret = secret;
	slot->expires_at = now + AUTH_ENROLMENT_TTL_MS;
	auth_secret_free(uri);
	auth_secret_free(qr);
	return out;
}

int
auth_mfa_verify(const char *requester, const char *code,
    json_t **recovery_codes, const char **error, const char **error_code)
{
	struct enrolment *e;
	struct auth_config *c;
	char **codes, hash[AUTH_SHA256_HEX_LENGTH + 1], *cause = NULL;
	json_t *hashes, *shown;
	int64_t step;
	size_t i;
	int rc;

	*recovery_codes = NULL;
	if ((e = enrolment_find(requester, now_ms())) == NULL) {
		*error = "No pending TOTP setup. Please start MFA setup again.";
		*error_code = "NO_PENDING_TOTP";
		return 0;
	}
	rc = auth_totp_verify(e->secret, code, time(NULL), AUTH_TOTP_NO_STEP,
	    &step, &cause);
	if (rc != 1) {
		if (rc < 0) {
			log_warn("MFA verify: %s", cause);
			free(cause);
		}
		*error = "Invalid TOTP code";
		*error_code = "INVALID_TOTP";
		return 0;
	}
	if (auth_store_load(&c) != 1) {
		*error = "Password is not configured";
		*error_code = "SETUP_REQUIRED";
		return 0;
	}
	codes = auth_recovery_codes_generate(AUTH_RECOVERY_CODE_COUNT);
	hashes = json_array();
	shown = json_array();
	for (i = 0; i < AUTH_RECOVERY_CODE_COUNT; i++) {
		auth_recovery_code_hash(hash, codes[i]);
		json_array_append_new(hashes, json_string(hash));
		json_array_append_new(shown, json_string(codes[i]));
	}
	auth_recovery_codes_free(codes, AUTH_RECOVERY_CODE_COUNT);
	free(c->totp_secret_encrypted);
	c->totp_secret_encrypted = secretbox_encrypt(auth.key, e->secret,
	    strlen(e->secret));
	free(c->recovery_codes_encrypted);
	c->recovery_codes_encrypted = encrypt_json(hashes);
	json_decref(hashes);
	c->totp_enabled = true;
	/* The enrolment code cannot then be used to log in. */
	c->totp_last_step = step;
	c->mfa_setup_pending = false;
	free(c->onboarding_token_hash);
	c->onboarding_token_hash = NULL;
	rc = auth_store_save(c);
	auth_config_free(c);
	enrolment_clear(e);
	if (rc != 0) {
		json_decref(shown);
		*error = "Internal server error";
		*error_code = "INTERNAL";
		return 0;
	}
	*recovery_codes = shown;
	return 1;
}
