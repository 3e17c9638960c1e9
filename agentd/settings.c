#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "util.h"

static json_t *current;
static int64_t updated_at;

static json_t *
defaults(void)
{
	return json_pack("{s:b,s:s,s:b,s:b,s:b,s:b,s:b}",
	    "preserveSessions", 0, "defaultPolicyAction", "ask",
	    "forwardSshAuthSock", 1, "codexHostAccessProfileEnabled", 0,
	    "notificationsEnabled", 0, "systemNotificationsEnabled", 0,
	    "notificationSoundsEnabled", 1);
}

int
settings_load(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT settings_json, updated_at FROM "
	    "daemon_settings WHERE id = 1");
	json_t *stored = NULL;

	if (current != NULL)
		json_decref(current);
	current = defaults();
	updated_at = now_ms();
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		stored = db_column_json(stmt, 0);
		updated_at = sqlite3_column_int64(stmt, 1);
	}
	db_stmt_done(stmt);
	if (stored != NULL && json_is_object(stored))
		json_object_update(current, stored);
	if (stored != NULL)
		json_decref(stored);
	return 0;
}

void
settings_unload(void)
{
	if (current != NULL)
		json_decref(current);
	current = NULL;
}

json_t *
settings_all(void)
{
	if (current == NULL)
		settings_load();
	return current;
}

bool
settings_bool(const char *key)
{
	return json_is_true(json_object_get(settings_all(), key));
}

const char *
settings_string(const char *key)
{
	return json_string_value(json_object_get(settings_all(), key));
}

int64_t
settings_updated_at(void)
{
	return updated_at;
}

int
settings_update(json_t *update)
{
	sqlite3_stmt *stmt;
	json_t *next = json_deep_copy(settings_all());
	char *text;
	int64_t now = now_ms();

	json_object_update(next, update);
	text = json_dumps(next, JSON_COMPACT);
	stmt = db_stmt("INSERT INTO daemon_settings (id, settings_json, updated_at) "
	    "VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET "
	    "settings_json = excluded.settings_json, updated_at = excluded.updated_at");
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, now);
	free(text);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		log_warn("settings_update: %s", db_errmsg());
		json_decref(next);
		return -1;
	}
	json_decref(current);
	current = next;
	updated_at = now;
	return 0;
}
