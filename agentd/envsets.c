#include "envsets.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "secretbox.h"
#include "session.h"
#include "util.h"
#include "validate.h"
#include "xmalloc.h"

#define MASK	"****"

static const struct secretbox_key *envsets_key;

char *
envset_vars_check(json_t *vars)
{
	const char *name, *p;
	json_t *value;

	json_object_foreach(vars, name, value) {
		if (!json_is_string(value))
			return xprintf("All env var keys and values must be "
			    "strings. Invalid: %s", name);
	}
	if (json_object_size(vars) > ENVSET_MAX_VARS)
		return xprintf("Too many variables (max %d)", ENVSET_MAX_VARS);
	json_object_foreach(vars, name, value) {
		if (strlen(name) > ENVSET_MAX_NAME_BYTES)
			return xprintf("Variable name too long (max %d bytes)",
			    ENVSET_MAX_NAME_BYTES);
		for (p = name; *p != '\0'; p++) {
			if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (p > name && *p >= '0' && *p <= '9')))
				break;
		}
		if (*name == '\0' || *p != '\0')
			return xprintf("Invalid environment variable name: %s",
			    name);
		if (json_string_length(value) > ENVSET_MAX_VALUE_BYTES)
			return xprintf("Value of %s is too long (max %d bytes)",
			    name, ENVSET_MAX_VALUE_BYTES);
		if (strlen(json_string_value(value)) != json_string_length(value))
			return xprintf("Value of %s must not contain NUL "
			    "characters", name);
	}
	return NULL;
}

/* The variables of a stored row; NULL when they cannot be decrypted. */
static json_t *
decrypt_vars(const char *sealed, const char *name)
{
	void *plain = NULL;
	size_t len = 0;
	char *cause = NULL;
	json_t *vars;

	if (sealed == NULL ||
	    secretbox_decrypt(&plain, &len, envsets_key, sealed, &cause) != 0) {
		log_warn("env set %s: %s", name, cause != NULL ? cause :
		    "no data");
		free(cause);
		return NULL;
	}
	vars = json_loadb(plain, len, 0, NULL);
	secretbox_plaintext_free(plain, len);
	if (!json_is_object(vars)) {
		json_decref(vars);
		return NULL;
	}
	return vars;
}

static char *
encrypt_vars(json_t *vars)
{
	char *text = json_dumps(vars, JSON_COMPACT), *sealed;

	sealed = secretbox_encrypt(envsets_key, text, strlen(text));
	explicit_bzero(text, strlen(text));
	free(text);
	return sealed;
}

/* id, name, description, encrypted_vars_json, created_at, updated_at */
static json_t *
row_json(sqlite3_stmt *stmt)
{
	char created[ISO_TIME_LEN], updated[ISO_TIME_LEN];
	const char *name = db_column_text(stmt, 1), *description, *key;
	json_t *vars, *masked = json_object(), *value, *out;

	if ((vars = decrypt_vars(db_column_text(stmt, 3), name)) != NULL) {
		json_object_foreach(vars, key, value)
			json_object_set_new(masked, key, json_string(MASK));
		json_decref(vars);
	}
	out = json_pack("{s:s,s:s,s:o,s:i,s:s,s:s}",
	    "id", db_column_text(stmt, 0), "name", name,
	    "maskedVars", masked, "varCount", (int)json_object_size(masked),
	    "createdAt", iso_time(sqlite3_column_int64(stmt, 4), created),
	    "updatedAt", iso_time(sqlite3_column_int64(stmt, 5), updated));
	if (out != NULL && (description = db_column_text(stmt, 2)) != NULL)
		json_object_set_new(out, "description", json_string(description));
	return out;
}

json_t *
envsets_list_json(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT id, name, description, "
	    "encrypted_vars_json, created_at, updated_at FROM env_sets "
	    "ORDER BY name");
	json_t *list = json_array(), *row;

	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if ((row = row_json(stmt)) != NULL)
			json_array_append_new(list, row);
	}
	db_stmt_done(stmt);
	return json_pack("{s:o}", "envSets", list);
}

json_t *
envset_json(const char *id)
{
	sqlite3_stmt *stmt = db_stmt("SELECT id, name, description, "
	    "encrypted_vars_json, created_at, updated_at FROM env_sets "
	    "WHERE id = ?");
	json_t *row = NULL;

	db_bind_text(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		row = row_json(stmt);
	db_stmt_done(stmt);
	return row;
}

int
envset_create(const char *name, json_t *description, json_t *vars,
    json_t **out, int *status, char **error)
{
	sqlite3_stmt *stmt;
	char id[UUID_LEN], *sealed, *trimmed;
	int64_t now = now_ms();
	int rc;

	*out = NULL;
	uuid_v4(id);
	sealed = encrypt_vars(vars);
	trimmed = trimmed_copy(name);
	stmt = db_stmt("INSERT INTO env_sets (id, name, description, "
	    "encrypted_vars_json, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?)");
	db_bind_text(stmt, 1, id);
	db_bind_text(stmt, 2, trimmed);
	db_bind_text(stmt, 3, json_string_value(description));
	db_bind_text(stmt, 4, sealed);
	sqlite3_bind_int64(stmt, 5, now);
	sqlite3_bind_int64(stmt, 6, now);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	free(sealed);
	if (rc != SQLITE_DONE) {
		rc = db_write_failed("Env set", "env sets", trimmed, status,
		    error);
		free(trimmed);
		return rc;
	}
	free(trimmed);
	*out = envset_json(id);
	return 0;
}

int
envset_update(const char *id, const char *name, int set_description,
    json_t *description, json_t *vars, json_t **out, int *status,
    char **error)
{
	sqlite3_stmt *stmt;
	json_t *current;
	char *sealed = NULL, *trimmed = NULL;
	int rc;

	*out = NULL;
	if ((current = envset_json(id)) == NULL) {
		*status = 404;
		*error = xprintf("Env set not found: %s", id);
		return -1;
	}
	json_decref(current);
	if (vars != NULL)
		sealed = encrypt_vars(vars);
	if (name != NULL)
		trimmed = trimmed_copy(name);
	stmt = db_stmt("UPDATE env_sets SET name = COALESCE(?, name), "
	    "description = CASE WHEN ? THEN ? ELSE description END, "
	    "encrypted_vars_json = COALESCE(?, encrypted_vars_json), "
	    "updated_at = ? WHERE id = ?");
	db_bind_text(stmt, 1, trimmed);
	sqlite3_bind_int(stmt, 2, set_description != 0);
	db_bind_text(stmt, 3, json_string_value(description));
	db_bind_text(stmt, 4, sealed);
	sqlite3_bind_int64(stmt, 5, now_ms());
	db_bind_text(stmt, 6, id);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	free(sealed);
	if (rc != SQLITE_DONE) {
		rc = db_write_failed("Env set", "env sets",
		    trimmed != NULL ? trimmed : "", status, error);
		free(trimmed);
		return rc;
	}
	free(trimmed);
	*out = envset_json(id);
	return 0;
}

int
envset_delete(const char *id, int *status, char **error)
{
	return db_delete_by_id(db_stmt("DELETE FROM env_sets WHERE id = ?"), id,
	    "Env set", status, error);
}

int
envsets_resolve(json_t *ids, json_t **vars, int *status, char **cause)
{
	sqlite3_stmt *stmt;
	json_t *merged = json_object(), *set, *item;
	const char *id;
	char *name;
	size_t i;

	*vars = NULL;
	json_array_foreach(ids, i, item) {
		if ((id = json_string_value(item)) == NULL) {
			*status = 400;
			*cause = xstrdup("envSetIds must be an array of strings");
			goto fail;
		}
		stmt = db_stmt("SELECT name, encrypted_vars_json FROM env_sets "
		    "WHERE id = ?");
		db_bind_text(stmt, 1, id);
		if (sqlite3_step(stmt) != SQLITE_ROW) {
			db_stmt_done(stmt);
			*status = 404;
			*cause = xprintf("Env set not found: %s", id);
			goto fail;
		}
		name = xstrdup(db_column_text(stmt, 0) != NULL ?
		    db_column_text(stmt, 0) : id);
		set = decrypt_vars(db_column_text(stmt, 1), name);
		db_stmt_done(stmt);
		if (set == NULL) {
			*status = 500;
			*cause = xprintf("Env set %s cannot be decrypted (was "
			    "the encryption key replaced?)", name);
			free(name);
			goto fail;
		}
		free(name);
		json_object_update(merged, set);
		json_decref(set);
	}
	*vars = merged;
	return 0;

fail:
	json_decref(merged);
	return -1;
}

void
envsets_init(const struct secretbox_key *key)
{
	struct session_providers providers = {
		.resolve_env_sets = envsets_resolve,
	};

	envsets_key = key;
	session_set_providers(&providers);
}
