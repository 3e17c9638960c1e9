#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Names are typed into a TUI: keep to the characters model names and
 * aliases use ("claude-opus-4-6", "sonnet[1m]", "us.anthropic.x:0"), so no
 * control character or second command can ride along.
 */
static bool
model_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("._:[]-", c) != NULL;
}

const char *
model_name_error(const char *name, char **buf)
{
	size_t len = strlen(name), i;

	*buf = NULL;
	if (len == 0)
		return "model cannot be empty";
	if (len > MODEL_NAME_MAX) {
		xasprintf(buf, "model name too long (%zu chars, max %d)", len,
		    MODEL_NAME_MAX);
		return *buf;
	}
	for (i = 0; i < len; i++) {
		if (!model_char_ok(name[i]))
			return "model name may only contain letters, digits and "
			    ". _ : [ ] -";
	}
	return NULL;
}

int
model_switch(struct session *s, const char *name)
{
	const char *previous = json_string_value(json_object_get(s->metadata,
	    "previousModel"));
	sqlite3_stmt *stmt;
	char *line = xprintf("/model %s", name);

	if (session_send_text(s, line, strlen(line), true) != 0) {
		free(line);
		return -1;
	}
	free(line);
	stmt = db_stmt("INSERT INTO model_switches (session_id, timestamp, "
	    "from_model, to_model, reason) VALUES (?, ?, ?, ?, "
	    "'Manual model switch via API')");
	sqlite3_bind_text(stmt, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now_ms());
	db_bind_text(stmt, 3, previous);
	sqlite3_bind_text(stmt, 4, name, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		log_warn("session %s: recording a model switch: %s", s->id,
		    db_errmsg());
	db_stmt_done(stmt);
	json_object_set_new(s->metadata, "currentModel", json_string(name));
	json_object_set_new(s->metadata, "previousModel", json_string(name));
	session_save(s);
	return 0;
}

char *
model_reported(const char *session_id)
{
	sqlite3_stmt *stmt = db_stmt("SELECT model FROM token_usage WHERE "
	    "session_id = ? ORDER BY timestamp DESC, id DESC LIMIT 1");
	char *model = NULL;

	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		model = xstrdup(db_column_text(stmt, 0));
	db_stmt_done(stmt);
	return model;
}
