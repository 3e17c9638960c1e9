/*
 * Notifications from hook events; see notifications.h.
 */
#include "notifications.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "db.h"
#include "log.h"
#include "session.h"
#include "settings.h"
#include "util.h"
#include "xmalloc.h"

char *
notification_session_label(const char *id, const char *cwd, json_t *metadata)
{
	const char	*name, *base;
	size_t		 n;

	name = json_string_value(json_object_get(json_object_get(metadata,
	    "ui"), "customName"));
	if (name != NULL) {
		while (*name == ' ' || *name == '\t' || *name == '\n')
			name++;
		n = strlen(name);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t' ||
		    name[n - 1] == '\n'))
			n--;
		if (n > 0)
			return xstrndup(name, n);
	}
	if (cwd != NULL) {
		n = strlen(cwd);
		while (n > 1 && cwd[n - 1] == '/')
			n--;
		base = cwd;
		for (size_t i = 0; i < n; i++) {
			if (cwd[i] == '/')
				base = cwd + i + 1;
		}
		n -= (size_t)(base - cwd);
		if (n > 0 && !(n == 1 && *base == '.'))
			return xstrndup(base, n);
	}
	return xprintf("session %.8s", id);
}

static const char *
provider_label(const char *provider)
{
	if (provider != NULL && strcmp(provider, "claude-code") == 0)
		return "Claude Code";
	if (provider != NULL && strcmp(provider, "codex") == 0)
		return "Codex";
	return "this session";
}

/* The session's own preference: false only when explicitly off. */
static bool
session_pref_off(const char *session_id)
{
	sqlite3_stmt	*stmt;
	bool		 off = false;

	stmt = db_stmt("SELECT enabled FROM session_notification_prefs "
	    "WHERE session_id = ?");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		off = sqlite3_column_int(stmt, 0) == 0;
	db_stmt_done(stmt);
	return off;
}

json_t *
notification_counts(void)
{
	sqlite3_stmt	*stmt;
	json_t		*by = json_object();
	int64_t		 total = 0, n;

	stmt = db_stmt("SELECT session_id, COUNT(*) FROM session_notifications "
	    "WHERE read_at IS NULL GROUP BY session_id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		n = sqlite3_column_int64(stmt, 1);
		total += n;
		json_object_set_new(by, db_column_text(stmt, 0), json_integer(n));
	}
	db_stmt_done(stmt);
	return json_pack("{s:I,s:o}", "totalUnread", (json_int_t)total,
	    "bySession", by);
}

void
notification_from_hook(const char *session_id, const char *event, json_t *data,
    int64_t event_id)
{
	const char	*type, *title, *kind = NULL, *provider, *cwd;
	json_t		*row, *payload, *record, *v;
	sqlite3_stmt	*stmt;
	char		*label, *body, *text, stamp[ISO_TIME_LEN];
	int64_t		 now = now_ms(), id;

	if (!settings_bool("notificationsEnabled") || event_id <= 0)
		return;
	if (strcmp(event, "Stop") == 0) {
		type = "session.turn_completed";
		title = "Turn completed";
	} else {
		kind = json_string_value(json_object_get(data,
		    "notification_type"));
		if (kind == NULL)
			kind = json_string_value(json_object_get(data, "type"));
		if (kind != NULL && strcmp(kind, "permission_prompt") == 0) {
			type = "session.permission_required";
			title = "Permission required";
		} else if (kind != NULL && strcmp(kind, "idle_prompt") == 0) {
			type = "session.input_required";
			title = "Input required";
		} else
			return;
	}
	v = json_object_get(json_object_get(settings_all(),
	    "notificationEventDefaults"), type);
	if (json_is_false(v) || session_pref_off(session_id))
		return;
	if ((row = session_db_json(session_id)) == NULL)
		return;
	provider = json_string_value(json_object_get(row, "provider"));
	cwd = json_string_value(json_object_get(row, "cwd"));
	label = notification_session_label(session_id, cwd,
	    json_object_get(row, "metadata"));
	if (strcmp(event, "Stop") == 0) {
		body = xprintf("%s is ready for your next prompt.", label);
		payload = json_pack("{s:s,s:s,s:s,s:s,s:O}", "sessionId",
		    session_id, "sessionLabel", label, "provider", provider,
		    "hookEvent", "Stop", "reason", json_object_get(data,
		    "reason") != NULL ? json_object_get(data, "reason") :
		    json_null());
	} else {
		body = xprintf("%s is waiting for %s in %s.", label,
		    strcmp(type, "session.permission_required") == 0 ?
		    "permission approval" : "your input",
		    provider_label(provider));
		payload = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O}", "sessionId",
		    session_id, "sessionLabel", label, "provider", provider,
		    "hookEvent", "Notification", "notificationType", kind,
		    "message", json_object_get(data, "message") != NULL ?
		    json_object_get(data, "message") : json_null());
	}
	text = json_dumps(payload, JSON_COMPACT);
	stmt = db_stmt("INSERT INTO session_notifications (session_id, provider, "
	    "event_type, source_event_id, title, body, payload_json, created_at) "
	    "SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
	    "session_notifications WHERE source_event_id = ?4 AND event_type = ?3)");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, event_id);
	sqlite3_bind_text(stmt, 5, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, now);
	id = sqlite3_step(stmt) == SQLITE_DONE && sqlite3_changes(db_handle()) > 0 ?
	    sqlite3_last_insert_rowid(db_handle()) : -1;
	db_stmt_done(stmt);
	if (id > 0) {
		record = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:O,s:s,s:n,s:n}",
		    "id", (json_int_t)id, "sessionId", session_id, "provider",
		    provider, "eventType", type, "sourceEventId",
		    (json_int_t)event_id, "title", title, "body", body,
		    "payload", payload, "createdAt", iso_time(now, stamp),
		    "readAt", "readSource");
		broadcast_publish("notifications", json_pack("{s:s,s:s,s:o}",
		    "topic", "notifications", "type", "notification_created",
		    "data", record));
		broadcast_publish("notifications", json_pack("{s:s,s:s,s:o}",
		    "topic", "notifications", "type",
		    "notification_counts_updated", "data",
		    notification_counts()));
	}
	free(text);
	free(body);
	free(label);
	json_decref(payload);
	json_decref(row);
}
