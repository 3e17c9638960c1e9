#include "events.h"

#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

int64_t
event_record(const char *session_id, const char *source, const char *type,
    json_t *payload)
{
	sqlite3_stmt *stmt = db_stmt("INSERT INTO events (session_id, ts, source, "
	    "type, payload_json) VALUES (?, ?, ?, ?, ?)");
	char *text = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
	int64_t ts = now_ms(), id;
	char stamp[ISO_TIME_LEN], *topic;

	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, ts);
	sqlite3_bind_text(stmt, 3, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, text != NULL ? text : "{}", -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		log_warn("event_record: %s", db_errmsg());
		free(text);
		return -1;
	}
	free(text);
	id = sqlite3_last_insert_rowid(db_handle());
	topic = xprintf("session:%s:events", session_id);
	broadcast_publish(topic, json_pack("{s:s,s:s,s:{s:I,s:s,s:s,s:s,s:s,s:O}}",
	    "type", "session_event", "sessionId", session_id,
	    "event", "id", (json_int_t)id, "sessionId", session_id,
	    "timestamp", iso_time(ts, stamp), "source", source, "type", type,
	    "payload", payload));
	free(topic);
	return id;
}

int64_t
event_record_text(const char *session_id, const char *source, const char *type,
    const char *payload, size_t len, bool publish)
{
	sqlite3_stmt *stmt = db_stmt("INSERT INTO events (session_id, ts, source, "
	    "type, payload_json) VALUES (?, ?, ?, ?, ?)");
	int64_t ts = now_ms(), id;
	char stamp[ISO_TIME_LEN], *topic;
	json_t *parsed;

	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, ts);
	sqlite3_bind_text(stmt, 3, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, payload, (int)len, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		log_warn("event_record_text: %s", db_errmsg());
		sqlite3_reset(stmt);
		return -1;
	}
	sqlite3_reset(stmt);
	id = sqlite3_last_insert_rowid(db_handle());
	if (!publish || !broadcast_has_subscribers())
		return id;
	parsed = json_loadb(payload, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	topic = xprintf("session:%s:events", session_id);
	broadcast_publish(topic, json_pack("{s:s,s:s,s:{s:I,s:s,s:s,s:s,s:s,s:o}}",
	    "type", "session_event", "sessionId", session_id,
	    "event", "id", (json_int_t)id, "sessionId", session_id,
	    "timestamp", iso_time(ts, stamp), "source", source, "type", type,
	    "payload", parsed != NULL ? parsed : json_object()));
	free(topic);
	return id;
}

json_t *
event_list(const struct event_query *q)
{
	sqlite3_stmt *stmt;
	json_t *events = json_array();
	char *sql;
	int64_t count = 0;
	int idx = 1;
	bool has_more = false;

	sql = xprintf("SELECT id, ts, source, type, payload_json FROM events "
	    "WHERE session_id = ?%s%s%s%s ORDER BY id %s LIMIT ?",
	    q->source ? " AND source = ?" : "", q->type ? " AND type = ?" : "",
	    q->since >= 0 ? " AND id > ?" : "", q->before >= 0 ? " AND id < ?" : "",
	    q->descending ? "DESC" : "ASC");
	if (sqlite3_prepare_v2(db_handle(), sql, -1, &stmt, NULL) != SQLITE_OK) {
		free(sql);
		return json_pack("{s:o,s:b}", "events", events, "hasMore", 0);
	}
	free(sql);
	sqlite3_bind_text(stmt, idx++, q->session_id, -1, SQLITE_STATIC);
	if (q->source)
		sqlite3_bind_text(stmt, idx++, q->source, -1, SQLITE_STATIC);
	if (q->type)
		sqlite3_bind_text(stmt, idx++, q->type, -1, SQLITE_STATIC);
	if (q->since >= 0)
		sqlite3_bind_int64(stmt, idx++, q->since);
	if (q->before >= 0)
		sqlite3_bind_int64(stmt, idx++, q->before);
	sqlite3_bind_int64(stmt, idx++, q->limit + 1);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		char stamp[ISO_TIME_LEN];
		json_t *payload;

		if (++count > q->limit) {
			has_more = true;
			break;
		}
		payload = db_column_json(stmt, 4);
		json_array_append_new(events, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "sessionId", q->session_id,
		    "timestamp", iso_time(sqlite3_column_int64(stmt, 1), stamp),
		    "source", db_column_text(stmt, 2),
		    "type", db_column_text(stmt, 3),
		    "payload", payload != NULL ? payload : json_object()));
	}
	sqlite3_finalize(stmt);
	return json_pack("{s:o,s:b}", "events", events, "hasMore", has_more);
}
