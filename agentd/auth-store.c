/*
 * SQL for auth_config and auth_sessions. Statements are cached by db_stmt().
 */
#include "auth-store.h"

#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static char *
column_strdup(sqlite3_stmt *stmt, int col)
{
	const char *s = db_column_text(stmt, col);

	return s != NULL ? xstrdup(s) : NULL;
}

int
auth_store_load(struct auth_config **out)
{
	sqlite3_stmt *stmt = db_stmt("SELECT password_hash, "
	    "totp_secret_encrypted, totp_enabled, totp_last_step, "
	    "mfa_setup_pending, onboarding_token_hash, "
	    "onboarding_token_expires_at, recovery_codes_encrypted, "
	    "created_at, updated_at FROM auth_config WHERE id = 1");
	struct auth_config *c;
	int rc;

	*out = NULL;
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		log_error("auth_store_load: %s", db_errmsg());
		db_stmt_done(stmt);
		return -1;
	}
	c = xcalloc(1, sizeof *c);
	c->password_hash = column_strdup(stmt, 0);
	if (c->password_hash == NULL)
		c->password_hash = xstrdup("");
	c->totp_secret_encrypted = column_strdup(stmt, 1);
	c->totp_enabled = sqlite3_column_int(stmt, 2) != 0;
	c->totp_last_step = sqlite3_column_int64(stmt, 3);
	c->mfa_setup_pending = sqlite3_column_int(stmt, 4) != 0;
	c->onboarding_token_hash = column_strdup(stmt, 5);
	c->onboarding_token_expires_at = sqlite3_column_int64(stmt, 6);
	c->recovery_codes_encrypted = column_strdup(stmt, 7);
	c->created_at = sqlite3_column_int64(stmt, 8);
	c->updated_at = sqlite3_column_int64(stmt, 9);
	db_stmt_done(stmt);
	*out = c;
	return 1;
}

int
auth_store_save(struct auth_config *c)
{
	sqlite3_stmt *stmt = db_stmt("INSERT INTO auth_config (id, "
	    "password_hash, totp_secret_encrypted, totp_enabled, "
	    "totp_last_step, mfa_setup_pending, onboarding_token_hash, "
	    "onboarding_token_expires_at, recovery_codes_encrypted, "
	    "created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT(id) DO UPDATE SET "
	    "password_hash = excluded.password_hash, "
	    "totp_secret_encrypted = excluded.totp_secret_encrypted, "
	    "totp_enabled = excluded.totp_enabled, "
	    "totp_last_step = excluded.totp_last_step, "
	    "mfa_setup_pending = excluded.mfa_setup_pending, "
	    "onboarding_token_hash = excluded.onboarding_token_hash, "
	    "onboarding_token_expires_at = excluded.onboarding_token_expires_at, "
	    "recovery_codes_encrypted = excluded.recovery_codes_encrypted, "
	    "updated_at = excluded.updated_at");
	int64_t now = now_ms();
	int rc;

	if (c->created_at == 0)
		c->created_at = now;
	c->updated_at = now;
	db_bind_text(stmt, 1, c->password_hash);
	db_bind_text(stmt, 2, c->totp_secret_encrypted);
	sqlite3_bind_int(stmt, 3, c->totp_enabled);
	sqlite3_bind_int64(stmt, 4, c->totp_last_step);
	sqlite3_bind_int(stmt, 5, c->mfa_setup_pending);
	db_bind_text(stmt, 6, c->onboarding_token_hash);
	if (c->onboarding_token_hash != NULL)
		sqlite3_bind_int64(stmt, 7, c->onboarding_token_expires_at);
	else
		sqlite3_bind_null(stmt, 7);
	db_bind_text(stmt, 8, c->recovery_codes_encrypted);
	sqlite3_bind_int64(stmt, 9, c->created_at);
	sqlite3_bind_int64(stmt, 10, c->updated_at);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("auth_store_save: %s", db_errmsg());
		return -1;
	}
	return 0;
}

void
auth_config_free(struct auth_config *c)
{
	if (c == NULL)
		return;
	free(c->password_hash);
	free(c->totp_secret_encrypted);
	free(c->onboarding_token_hash);
	free(c->recovery_codes_encrypted);
	free(c);
}

int
auth_store_session_insert(const char *token_hash, const char *id, int64_t now,
    int64_t expires_at, const char *ip_address, const char *user_agent)
{
	sqlite3_stmt *stmt = db_stmt("INSERT INTO auth_sessions (token_hash, "
	    "id, created_at, expires_at, last_used_at, ip_address, user_agent) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)");
	int rc;

	db_bind_text(stmt, 1, token_hash);
	db_bind_text(stmt, 2, id);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int64(stmt, 4, expires_at);
	sqlite3_bind_int64(stmt, 5, now);
	db_bind_text(stmt, 6, ip_address);
	db_bind_text(stmt, 7, user_agent);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("auth_store_session_insert: %s", db_errmsg());
		return -1;
	}
	return 0;
}

int
auth_store_session_find(const char *token_hash, struct auth_session_row *out)
{
	sqlite3_stmt *stmt = db_stmt("SELECT id, created_at, expires_at, "
	    "last_used_at FROM auth_sessions WHERE token_hash = ?");
	int rc;

	db_bind_text(stmt, 1, token_hash);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		db_stmt_done(stmt);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		log_error("auth_store_session_find: %s", db_errmsg());
		db_stmt_done(stmt);
		return -1;
	}
	out->id = column_strdup(stmt, 0);
	if (out->id == NULL)
		out->id = xstrdup("");
	out->created_at = sqlite3_column_int64(stmt, 1);
	out->expires_at = sqlite3_column_int64(stmt, 2);
	out->last_used_at = sqlite3_column_int64(stmt, 3);
	db_stmt_done(stmt);
	return 1;
}

static int
step_done(sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("%s: %s", what, db_errmsg());
		return -1;
	}
	return 0;
}

int
auth_store_session_touch(const char *token_hash, int64_t now,
    int64_t expires_at)
{
	sqlite3_stmt *stmt = db_stmt("UPDATE auth_sessions SET "
	    "last_used_at = ?, expires_at = ? WHERE token_hash = ?");

	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, expires_at);
	db_bind_text(stmt, 3, token_hash);
	return step_done(stmt, "auth_store_session_touch");
}

int
auth_store_session_delete(const char *token_hash)
{
	sqlite3_stmt *stmt = db_stmt("DELETE FROM auth_sessions "
	    "WHERE token_hash = ?");

	db_bind_text(stmt, 1, token_hash);
	return step_done(stmt, "auth_store_session_delete");
}

int
auth_store_session_delete_id(const char *id)
{
	sqlite3_stmt *stmt = db_stmt("DELETE FROM auth_sessions WHERE id = ?");

	db_bind_text(stmt, 1, id);
	return step_done(stmt, "auth_store_session_delete_id");
}

int
auth_store_sessions_delete_except(const char *keep, json_t **deleted)
{
	sqlite3_stmt *stmt;

	if (deleted != NULL) {
		*deleted = json_array();
		stmt = db_stmt("SELECT id FROM auth_sessions "
		    "WHERE ? IS NULL OR id <> ?");
		db_bind_text(stmt, 1, keep);
		db_bind_text(stmt, 2, keep);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *id = db_column_text(stmt, 0);
			if (id != NULL)
				json_array_append_new(*deleted, json_string(id));
		}
		db_stmt_done(stmt);
	}
	stmt = db_stmt("DELETE FROM auth_sessions WHERE ? IS NULL OR id <> ?");
	db_bind_text(stmt, 1, keep);
	db_bind_text(stmt, 2, keep);
	return step_done(stmt, "auth_store_sessions_delete_except");
}

int
auth_store_sessions_purge_expired(int64_t now)
{
	sqlite3_stmt *stmt = db_stmt("DELETE FROM auth_sessions "
	    "WHERE expires_at <= ?");

	sqlite3_bind_int64(stmt, 1, now);
	return step_done(stmt, "auth_store_sessions_purge_expired");
}

json_t *
auth_store_sessions_json(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT created_at, expires_at, "
	    "last_used_at, ip_address, user_agent FROM auth_sessions "
	    "ORDER BY last_used_at DESC");
	json_t *list = json_array();
	const char *ip, *ua;

	while (sqlite3_step(stmt) == SQLITE_ROW) {
		ip = db_column_text(stmt, 3);
		ua = db_column_text(stmt, 4);
		json_array_append_new(list, json_pack("{s:I,s:I,s:I,s:o,s:o}",
		    "createdAt", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "expiresAt", (json_int_t)sqlite3_column_int64(stmt, 1),
		    "lastUsedAt", (json_int_t)sqlite3_column_int64(stmt, 2),
		    "ipAddress", ip != NULL ? json_string(ip) : json_null(),
		    "userAgent", ua != NULL ? json_string(ua) : json_null()));
	}
	db_stmt_done(stmt);
	return list;
}
