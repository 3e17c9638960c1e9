#include "conversation.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "transcript-parse.h"
#include "util.h"
#include "xmalloc.h"

/* text cut to CONVERSATION_TEXT_MAX bytes at a character boundary. */
static json_t *
text_json(const char *text, size_t len, bool *truncated)
{
	if (len > CONVERSATION_TEXT_MAX) {
		len = CONVERSATION_TEXT_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
		*truncated = true;
	}
	return json_stringn(text, len);
}

/* A tool result's content (a string, or blocks of which the text counts). */
static json_t *
result_text(json_t *content, bool *truncated)
{
	json_t *block, *out;
	size_t i, len = 0;
	char *buf = NULL;

	if (json_is_string(content))
		return text_json(json_string_value(content),
		    json_string_length(content), truncated);
	json_array_foreach(content, i, block) {
		json_t *text = json_object_get(block, "text");
		size_t n = json_string_length(text);

		if (!json_is_string(text))
			continue;
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, json_string_value(text), n);
		len += n;
	}
	out = text_json(buf != NULL ? buf : "", len, truncated);
	free(buf);
	return out;
}

static json_t *
render_result_block(json_t *block)
{
	bool truncated = false;
	json_t *o;

	o = json_pack("{s:s,s:O?,s:o,s:b}", "type", "tool_result",
	    "toolUseId", json_object_get(block, "tool_use_id"),
	    "content", result_text(json_object_get(block, "content"), &truncated),
	    "isError", json_is_true(json_object_get(block, "is_error")));
	if (truncated)
		json_object_set_new(o, "truncated", json_true());
	return o;
}

/* The result of a tool call, from the line that carried it. */
static json_t *
find_result(const char *session_id, const char *tool_use_id)
{
	sqlite3_stmt *stmt = db_stmt("SELECT e.id, e.payload_json FROM tool_uses t "
	    "JOIN events e ON e.id = t.result_event_id "
	    "WHERE t.session_id = ? AND t.tool_use_id = ?");
	json_t *payload = NULL, *block, *found = NULL;
	int64_t event_id = 0;
	size_t i;

	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, tool_use_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		event_id = sqlite3_column_int64(stmt, 0);
		payload = db_column_json(stmt, 1);
	}
	db_stmt_done(stmt);
	json_array_foreach(json_object_get(json_object_get(payload, "message"),
	    "content"), i, block) {
		const char *id = json_string_value(json_object_get(block,
		    "tool_use_id"));

		if (id != NULL && strcmp(id, tool_use_id) == 0) {
			found = render_result_block(block);
			json_object_del(found, "type");
			json_object_del(found, "toolUseId");
			json_object_set_new(found, "eventId", json_integer(event_id));
			break;
		}
	}
	if (payload != NULL)
		json_decref(payload);
	return found;
}

static json_t *
render_block(const char *session_id, json_t *block)
{
	const char *type = json_string_value(json_object_get(block, "type"));
	bool truncated = false;
	json_t *o, *text, *result;

	if (type == NULL)
		return NULL;
	if (strcmp(type, "text") == 0 || strcmp(type, "thinking") == 0) {
		text = json_object_get(block, type);
		if (!json_is_string(text))
			return NULL;
		o = json_pack("{s:s,s:o}", "type", type, type,
		    text_json(json_string_value(text), json_string_length(text),
		    &truncated));
	} else if (strcmp(type, "tool_use") == 0) {
		const char *id = json_string_value(json_object_get(block, "id"));

		o = json_pack("{s:s,s:O?,s:O?,s:O?}", "type", "tool_use",
		    "id", json_object_get(block, "id"),
		    "name", json_object_get(block, "name"),
		    "input", json_object_get(block, "input"));
		if (id != NULL && (result = find_result(session_id, id)) != NULL)
			json_object_set_new(o, "result", result);
	} else if (strcmp(type, "tool_result") == 0)
		return render_result_block(block);
	else
		o = json_pack("{s:s}", "type", type);	/* images, redactions */
	if (truncated)
		json_object_set_new(o, "truncated", json_true());
	return o;
}

static json_t *
render_message(const char *session_id, int64_t id, int64_t ts,
    const char *role, json_t *payload)
{
	json_t *message = json_object_get(payload, "message");
	json_t *content = json_object_get(message, "content"), *blocks, *block, *b;
	json_t *usage = json_object_get(message, "usage"), *o;
	const char *stamp = json_string_value(json_object_get(payload, "timestamp"));
	char iso[ISO_TIME_LEN];
	bool only_results = true, truncated = false;
	size_t i;

	o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "role", role,
	    "timestamp", stamp != NULL && transcript_parse_time(stamp) >= 0 ?
	    stamp : iso_time(ts, iso));
	if (json_is_string(json_object_get(payload, "uuid")))
		json_object_set(o, "uuid", json_object_get(payload, "uuid"));
	if (json_is_true(json_object_get(payload, "isMeta")))
		json_object_set_new(o, "isMeta", json_true());
	if (strcmp(role, "assistant") == 0) {
		if (json_is_string(json_object_get(message, "id")))
			json_object_set(o, "messageId", json_object_get(message, "id"));
		if (json_is_string(json_object_get(message, "model")))
			json_object_set(o, "model", json_object_get(message, "model"));
		if (json_is_string(json_object_get(message, "stop_reason")))
			json_object_set(o, "stopReason", json_object_get(message,
			    "stop_reason"));
		if (json_is_object(usage))
			json_object_set(o, "usage", usage);
	}
	blocks = json_array();
	if (json_is_string(content)) {
		json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "text",
		    "text", text_json(json_string_value(content),
		    json_string_length(content), &truncated)));
		if (truncated)
			json_object_set_new(json_array_get(blocks, 0), "truncated",
			    json_true());
		only_results = false;
	}
	json_array_foreach(content, i, block) {
		if ((b = render_block(session_id, block)) == NULL)
			continue;
		if (strcmp(json_string_value(json_object_get(b, "type")),
		    "tool_result") != 0)
			only_results = false;
		json_array_append_new(blocks, b);
	}
	if (strcmp(role, "user") == 0 && only_results && json_array_size(blocks) > 0)
		json_object_set_new(o, "toolResult", json_true());
	json_object_set_new(o, "content", blocks);
	return o;
}

struct row {
	int64_t	 id, ts;
	char	*type;
	json_t	*payload;
};

json_t *
conversation_page(const struct conversation_query *q)
{
	struct row *rows = NULL;
	sqlite3_stmt *stmt;
	json_t *messages = json_array(), *payload, *page;
	int64_t count = 0, limit = q->limit;
	bool has_more = false, ascending = q->after >= 0;
	size_t n, i;

	if (ascending)
		stmt = db_stmt("SELECT id, ts, type, payload_json FROM events "
		    "WHERE session_id = ? AND id > ? AND source = 'transcript' "
		    "AND type IN ('user', 'assistant') ORDER BY id ASC LIMIT ?");
	else
		stmt = db_stmt("SELECT id, ts, type, payload_json FROM events "
		    "WHERE session_id = ? AND id < ? AND source = 'transcript' "
		    "AND type IN ('user', 'assistant') ORDER BY id DESC LIMIT ?");
	sqlite3_bind_text(stmt, 1, q->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, ascending ? q->after :
	    q->before >= 0 ? q->before : INT64_MAX);
	sqlite3_bind_int64(stmt, 3, limit + 1);
	/* Rows first, rendering after: rendering runs its own queries. */
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if (++count > limit) {
			has_more = true;
			break;
		}
		rows = xreallocarray(rows, (size_t)count, sizeof *rows);
		rows[count - 1].id = sqlite3_column_int64(stmt, 0);
		rows[count - 1].ts = sqlite3_column_int64(stmt, 1);
		rows[count - 1].type = xstrdup(db_column_text(stmt, 2));
		rows[count - 1].payload = db_column_json(stmt, 3);
	}
	db_stmt_done(stmt);
	n = (size_t)(count > limit ? limit : count);
	for (i = 0; i < n; i++) {
		/* Oldest first in every page. */
		struct row *r = &rows[ascending ? i : n - 1 - i];

		payload = r->payload != NULL ? r->payload : json_object();
		json_array_append_new(messages, render_message(q->session_id,
		    r->id, r->ts, r->type, payload));
		json_decref(payload);
		free(r->type);
	}
	free(rows);
	page = json_pack("{s:s,s:o,s:b}", "sessionId", q->session_id,
	    "messages", messages, "hasMore", has_more);
	if (n > 0) {
		json_object_set(page, "oldestId", json_object_get(
		    json_array_get(messages, 0), "id"));
		json_object_set(page, "newestId", json_object_get(
		    json_array_get(messages, n - 1), "id"));
	} else {
		json_object_set_new(page, "oldestId", json_null());
		json_object_set_new(page, "newestId", json_null());
	}
	return page;
}
