/*
 * Notifications from hook events; see notifications.h.
 */
#include "notifications.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "broadcast.h"
#include "db.h"
#include "log.h"
#include "session.h"
#include "settings.h"
#include "util.h"
#include "xmalloc.h"

static void	publish(const char *, json_t *);

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
		publish("notification_created", record);
		publish("notification_counts_updated", notification_counts());
	}
	free(text);
	free(body);
	free(label);
	json_decref(payload);
	json_decref(row);
}

/* One message on the "notifications" topic; data is stolen. */
static void
publish(const char *type, json_t *data)
{
	broadcast_publish("notifications", json_pack("{s:s,s:s,s:o}", "topic",
	    "notifications", "type", type, "data", data));
}

static json_t *
iso_or_null(sqlite3_stmt *stmt, int col)
{
	char	stamp[ISO_TIME_LEN];

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return json_null();
	return json_string(iso_time(sqlite3_column_int64(stmt, col), stamp));
}

static json_t *
text_or_null(sqlite3_stmt *stmt, int col)
{
	const char	*s = db_column_text(stmt, col);

	return s != NULL ? json_string(s) : json_null();
}

/* A row of the SELECT in notification_list as the API record. */
static json_t *
notification_row_json(sqlite3_stmt *stmt)
{
	json_t	*payload, *source;

	if ((payload = db_column_json(stmt, 7)) == NULL)
		payload = json_object();
	source = sqlite3_column_type(stmt, 4) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(stmt, 4));
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
	    "sessionId", text_or_null(stmt, 1),
	    "provider", text_or_null(stmt, 2),
	    "eventType", text_or_null(stmt, 3),
	    "sourceEventId", source,
	    "title", text_or_null(stmt, 5),
	    "body", text_or_null(stmt, 6),
	    "payload", payload,
	    "createdAt", iso_or_null(stmt, 8),
	    "readAt", iso_or_null(stmt, 9),
	    "readSource", text_or_null(stmt, 10));
}

json_t *
notification_list(const struct notification_filter *f)
{
	sqlite3_stmt	*stmt;
	json_t		*list = json_array();
	int		 rc;

	/* One statement for every combination of filters: a NULL parameter
	 * switches its condition off; LIMIT -1 is SQLite's "no limit". */
	stmt = db_stmt("SELECT id, session_id, provider, event_type, "
	    "source_event_id, title, body, payload_json, created_at, read_at, "
	    "read_source FROM session_notifications "
	    "WHERE (?1 IS NULL OR session_id = ?1) "
	    "AND (?2 IS NULL OR event_type = ?2) "
	    "AND (?3 = 0 OR read_at IS NULL) "
	    "AND (?4 IS NULL OR id < ?4) "
	    "ORDER BY id DESC LIMIT ?5");
	db_bind_text(stmt, 1, f->session_id);
	db_bind_text(stmt, 2, f->event_type);
	sqlite3_bind_int(stmt, 3, f->unread_only);
	if (f->before > 0)
		sqlite3_bind_int64(stmt, 4, f->before);
	else
		sqlite3_bind_null(stmt, 4);
	sqlite3_bind_int64(stmt, 5, f->limit > 0 ? f->limit : -1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(list, notification_row_json(stmt));
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("notification_list: %s", db_errmsg());
		json_decref(list);
		return NULL;
	}
	return list;
}

int
notification_mark_read(int64_t id, const char *read_source)
{
	sqlite3_stmt	*stmt;
	char		 stamp[ISO_TIME_LEN];
	int64_t		 now = now_ms();
	int		 rc, changed;

	stmt = db_stmt("UPDATE session_notifications SET read_at = ?, "
	    "read_source = ? WHERE id = ? AND read_at IS NULL");
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_text(stmt, 2, read_source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, id);
	rc = sqlite3_step(stmt);
	changed = sqlite3_changes(db_handle()) > 0;
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("notification_mark_read: %s", db_errmsg());
		return -1;
	}
	if (!changed)
		return 0;
	publish("notification_read", json_pack("{s:I,s:s,s:s}", "id",
	    (json_int_t)id, "readAt", iso_time(now, stamp), "readSource",
	    read_source));
	publish("notification_counts_updated", notification_counts());
	return 1;
}

int64_t
notification_mark_all_read(const char *session_id, const char *read_source)
{
	sqlite3_stmt	*stmt;
	char		 stamp[ISO_TIME_LEN];
	int64_t		 now = now_ms(), updated;
	int		 rc;

	stmt = db_stmt("UPDATE session_notifications SET read_at = ?1, "
	    "read_source = ?2 WHERE read_at IS NULL "
	    "AND (?3 IS NULL OR session_id = ?3)");
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_text(stmt, 2, read_source, -1, SQLITE_STATIC);
	db_bind_text(stmt, 3, session_id);
	rc = sqlite3_step(stmt);
	updated = sqlite3_changes(db_handle());
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("notification_mark_all_read: %s", db_errmsg());
		return -1;
	}
	if (updated == 0)
		return 0;
	publish("notification_read", json_pack("{s:n,s:s,s:s,s:o,s:b,s:I}",
	    "id", "readAt", iso_time(now, stamp), "readSource", read_source,
	    "sessionId", session_id != NULL ? json_string(session_id) :
	    json_null(), "bulk", 1, "updated", (json_int_t)updated));
	publish("notification_counts_updated", notification_counts());
	return updated;
}

json_t *
notification_prefs(const char *session_id)
{
	sqlite3_stmt	*stmt;
	json_t		*enabled = json_null();
	char		 stamp[ISO_TIME_LEN];
	int64_t		 updated = 0;
	int		 rc;

	stmt = db_stmt("SELECT enabled, updated_at FROM "
	    "session_notification_prefs WHERE session_id = ?");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_type(stmt, 0) != SQLITE_NULL)
			enabled = json_boolean(sqlite3_column_int(stmt, 0));
		updated = sqlite3_column_int64(stmt, 1);
	}
	db_stmt_done(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_error("notification_prefs: %s", db_errmsg());
		return NULL;
	}
	return json_pack("{s:s,s:o,s:s}", "sessionId", session_id, "enabled",
	    enabled, "updatedAt", iso_time(updated, stamp));
}

json_t *
notification_prefs_set(const char *session_id, int enabled)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = db_stmt("INSERT INTO session_notification_prefs (session_id, "
	    "enabled, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT(session_id) "
	    "DO UPDATE SET enabled = ?2, updated_at = ?3");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	if (enabled < 0)
		sqlite3_bind_null(stmt, 2);
	else
		sqlite3_bind_int(stmt, 2, enabled != 0);
	sqlite3_bind_int64(stmt, 3, now_ms());
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("notification_prefs_set: %s", db_errmsg());
		return NULL;
	}
	return notification_prefs(session_id);
}

/* ---- Web Push: status and subscriptions (nothing is sent yet) ---- */

/* Length of the bytes a base64url string (padding optional) decodes to,
 * or -1 when it is not base64url. */
static ssize_t
base64url_decoded_len(const char *s)
{
	size_t	n = strlen(s), i;

	while (n > 0 && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return -1;
	}
	if (n % 4 == 1)
		return -1;
	return (ssize_t)(n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1));
}

static const char *
env_nonempty(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

json_t *
push_status(void)
{
	const char	*pub = env_nonempty("CODEPIPER_PUSH_PUBLIC_KEY");
	const char	*priv = env_nonempty("CODEPIPER_PUSH_PRIVATE_KEY");
	const char	*flag = getenv("CODEPIPER_PUSH_ENABLED");
	bool		 enabled = flag != NULL && strcmp(flag, "1") == 0;
	json_t		*reasons = json_array();

	if (!enabled)
		json_array_append_new(reasons, json_string("feature_disabled"));
	else {
		if (pub == NULL)
			json_array_append_new(reasons,
			    json_string("missing_vapid_public_key"));
		if (priv == NULL)
			json_array_append_new(reasons,
			    json_string("missing_vapid_private_key"));
		/* A VAPID public key is an uncompressed P-256 point (65
		 * bytes), the private key its 32-byte scalar. */
		if (pub != NULL && priv != NULL &&
		    (base64url_decoded_len(pub) != 65 ||
		    base64url_decoded_len(priv) != 32))
			json_array_append_new(reasons,
			    json_string("invalid_vapid_configuration"));
	}
	return json_pack("{s:b,s:b,s:o,s:o}", "enabled", enabled,
	    "configured", json_array_size(reasons) == 0, "reasons", reasons,
	    "publicKey", json_array_size(reasons) == 0 ? json_string(pub) :
	    json_null());
}

bool
push_configured(void)
{
	json_t	*status = push_status();
	bool	 configured;

	configured = json_is_true(json_object_get(status, "configured"));
	json_decref(status);
	return configured;
}

static bool
host_is_loopback(const char *host, size_t n)
{
	static const char *const names[] = { "localhost", "127.0.0.1",
	    "[::1]" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i]) == n && strncasecmp(host, names[i], n) == 0)
			return true;
	}
	return false;
}

const char *
push_endpoint_error(const char *endpoint)
{
	const char	*p, *authority, *end, *host;
	size_t		 scheme_len, host_len;

	if (endpoint == NULL || *endpoint == '\0')
		return "endpoint must be a non-empty string";
	if (strlen(endpoint) > 2048)
		return "endpoint must be at most 2048 characters";
	for (p = endpoint; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return "endpoint must be a valid URL";
	}
	/* scheme ":" "//" authority: a scheme is a letter, then letters,
	 * digits, "+", "-" or "."; push services always have an authority. */
	for (p = endpoint; *p != '\0' && *p != ':'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (p != endpoint && ((*p >= '0' && *p <= '9') || *p == '+' ||
		    *p == '-' || *p == '.'))))
			return "endpoint must be a valid URL";
	}
	scheme_len = (size_t)(p - endpoint);
	if (*p != ':' || scheme_len == 0 || strncmp(p, "://", 3) != 0)
		return "endpoint must be a valid URL";
	authority = p + 3;
	end = authority + strcspn(authority, "/?#");
	if (end == authority)
		return "endpoint must be a valid URL";
	host = authority;
	if (memchr(authority, '@', (size_t)(end - authority)) != NULL)
		return "endpoint must not include username or password";
	if (*host == '[') {
		p = memchr(host, ']', (size_t)(end - host));
		if (p == NULL)
			return "endpoint must be a valid URL";
		host_len = (size_t)(p - host) + 1;
	} else
		host_len = strcspn(host, ":/?#");
	if (host_len == 0 || host + host_len > end)
		return "endpoint must be a valid URL";
	if (scheme_len == 5 && strncasecmp(endpoint, "https", 5) == 0)
		return NULL;
	if (scheme_len == 4 && strncasecmp(endpoint, "http", 4) == 0 &&
	    host_is_loopback(host, host_len))
		return NULL;
	return "endpoint must use https (http is allowed only for localhost)";
}

static json_t *
subscription_row_json(sqlite3_stmt *stmt)
{
	json_t	*expiration;

	switch (sqlite3_column_type(stmt, 1)) {
	case SQLITE_INTEGER:
		expiration = json_integer(sqlite3_column_int64(stmt, 1));
		break;
	case SQLITE_FLOAT:
		expiration = json_real(sqlite3_column_double(stmt, 1));
		break;
	default:
		expiration = json_null();
	}
	return json_pack("{s:o,s:o,s:o,s:o}", "endpoint", text_or_null(stmt, 0),
	    "expirationTime", expiration, "createdAt", iso_or_null(stmt, 2),
	    "updatedAt", iso_or_null(stmt, 3));
}

json_t *
push_subscriptions(void)
{
	sqlite3_stmt	*stmt;
	json_t		*list = json_array();
	int		 rc;

	stmt = db_stmt("SELECT endpoint, expiration_time, created_at, "
	    "updated_at FROM push_subscriptions ORDER BY created_at, endpoint");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(list, subscription_row_json(stmt));
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("push_subscriptions: %s", db_errmsg());
		json_decref(list);
		return NULL;
	}
	return list;
}

int64_t
push_subscription_count(void)
{
	sqlite3_stmt	*stmt;
	int64_t		 n = 0;

	stmt = db_stmt("SELECT COUNT(*) FROM push_subscriptions");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	db_stmt_done(stmt);
	return n;
}

json_t *
push_subscription_upsert(const char *endpoint, const char *p256dh,
    const char *auth, json_t *expiration)
{
	sqlite3_stmt	*stmt;
	json_t		*out = NULL;
	int		 rc;

	stmt = db_stmt("INSERT INTO push_subscriptions (endpoint, p256dh, auth, "
	    "expiration_time, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?5) ON CONFLICT(endpoint) DO UPDATE SET p256dh = ?2, "
	    "auth = ?3, expiration_time = ?4, updated_at = ?5");
	sqlite3_bind_text(stmt, 1, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, p256dh, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, auth, -1, SQLITE_STATIC);
	if (json_is_integer(expiration))
		sqlite3_bind_int64(stmt, 4, json_integer_value(expiration));
	else if (json_is_real(expiration))
		sqlite3_bind_double(stmt, 4, json_real_value(expiration));
	else
		sqlite3_bind_null(stmt, 4);
	sqlite3_bind_int64(stmt, 5, now_ms());
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("push_subscription_upsert: %s", db_errmsg());
		return NULL;
	}
	stmt = db_stmt("SELECT endpoint, expiration_time, created_at, "
	    "updated_at FROM push_subscriptions WHERE endpoint = ?");
	sqlite3_bind_text(stmt, 1, endpoint, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		out = subscription_row_json(stmt);
	db_stmt_done(stmt);
	return out;
}

int
push_subscription_delete(const char *endpoint)
{
	sqlite3_stmt	*stmt;
	int		 rc, deleted;

	stmt = db_stmt("DELETE FROM push_subscriptions WHERE endpoint = ?");
	sqlite3_bind_text(stmt, 1, endpoint, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	deleted = sqlite3_changes(db_handle()) > 0;
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_error("push_subscription_delete: %s", db_errmsg());
		return -1;
	}
	return deleted;
}
