/*
 * auth-store: the rows behind web authentication (sql/004-auth.sql): the
 * single auth_config row and the auth_sessions table. Plain storage, no
 * policy: auth.c decides what to write. Everything runs on the loop thread.
 *
 * The stored values are already safe to keep: a password hash, token hashes,
 * secretbox ciphertext. Nothing here sees a clear secret.
 *
 * Memory: a struct auth_config from auth_store_load() is the caller's, freed
 * with auth_config_free(). JSON returned is a new reference.
 */
#ifndef CODEPIPER_AUTH_STORE_H
#define CODEPIPER_AUTH_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct auth_config {
	char	*password_hash;
	char	*totp_secret_encrypted;		/* NULL: none */
	bool	 totp_enabled;
	int64_t	 totp_last_step;		/* AUTH_TOTP_NO_STEP: none */
	bool	 mfa_setup_pending;
	char	*onboarding_token_hash;		/* NULL: none */
	int64_t	 onboarding_token_expires_at;	/* epoch ms */
	char	*recovery_codes_encrypted;	/* NULL: none */
	int64_t	 created_at, updated_at;
};

struct auth_session_row {
	char	*id;			/* public id */
	int64_t	 created_at, expires_at, last_used_at;
};

/* 1 and *out when the row exists, 0 when setup is required, -1 on error. */
int	 auth_store_load(struct auth_config **out);
/* Insert or replace the row (updated_at is set to now). */
int	 auth_store_save(struct auth_config *config);
void	 auth_config_free(struct auth_config *config);

int	 auth_store_session_insert(const char *token_hash, const char *id,
	     int64_t now, int64_t expires_at, const char *ip_address,
	     const char *user_agent);
/* 1 with *out (free out->id) when found, 0 when not, -1 on error. */
int	 auth_store_session_find(const char *token_hash,
	     struct auth_session_row *out);
int	 auth_store_session_touch(const char *token_hash, int64_t now,
	     int64_t expires_at);
int	 auth_store_session_delete(const char *token_hash);
int	 auth_store_session_delete_id(const char *id);
/*
 * Delete every session but the one with public id keep (NULL: all). The ids
 * deleted go to *deleted (a new JSON array) when it is not NULL.
 */
int	 auth_store_sessions_delete_except(const char *keep, json_t **deleted);
int	 auth_store_sessions_purge_expired(int64_t now);
/* [{"createdAt","expiresAt","lastUsedAt","ipAddress","userAgent"}, ...] */
json_t	*auth_store_sessions_json(void);

#endif
