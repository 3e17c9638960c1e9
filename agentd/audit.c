/*
 * The audit log (policy_decisions) and its SHA-256 chain; see audit.h.
 */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Bumped if the canonical form ever changes, so old rows stay verifiable. */
#define AUDIT_CANON_VERSION	"v1"

static json_t *
string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

char *
audit_canonical(const char *session_id, int64_t timestamp,
    const char *tool_name, const char *args_json, const char *decision,
    const char *reason, const char *policy_ref, const char *rule_id)
{
	json_t	*row;
	char	*text;

	row = json_pack("[s,o,I,o,o,o,o,o,o]", AUDIT_CANON_VERSION,
	    string_or_null(session_id), (json_int_t)timestamp,
	    string_or_null(tool_name), string_or_null(args_json),
	    string_or_null(decision), string_or_null(reason),
	    string_or_null(policy_ref), string_or_null(rule_id));
	/* Strings that are not UTF-8 cannot be stored by us; be safe anyway. */
	if (row == NULL)
		return xstrdup("[]");
	text = json_dumps(row, JSON_COMPACT);
	json_decref(row);
	return text != NULL ? text : xstrdup("[]");
}

void
audit_hash(const char *prev, const char *canonical, char out[AUDIT_HASH_LEN])
{
	crypto_hash_sha256_state	state;
	unsigned char			digest[crypto_hash_sha256_BYTES];

	if (prev == NULL)
		prev = "";
	crypto_hash_sha256_init(&state);
	crypto_hash_sha256_update(&state, (const unsigned char *)prev,
	    strlen(prev));
	crypto_hash_sha256_update(&state, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&state, (const unsigned char *)canonical,
	    strlen(canonical));
	crypto_hash_sha256_final(&state, digest);
	sodium_bin2hex(out, AUDIT_HASH_LEN, digest, sizeof digest);
}

/* The hash of the newest chained row, "" when there is none. */
static void
chain_head(char out[AUDIT_HASH_LEN])
{
	sqlite3_stmt	*stmt;
	const char	*hash;

	out[0] = '\0';
	stmt = db_stmt("SELECT hash FROM policy_decisions WHERE hash IS NOT NULL "
	    "ORDER BY id DESC LIMIT 1");
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    (hash = db_column_text(stmt, 0)) != NULL)
		snprintf(out, AUDIT_HASH_LEN, "%s", hash);
	db_stmt_done(stmt);
}

int64_t
audit_record(const struct audit_entry *e)
{
	sqlite3_stmt	*stmt;
	char		 prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
	char		*args, *canonical;
	int64_t		 ts = e->timestamp > 0 ? e->timestamp : now_ms(), id;

	args = e->args != NULL ? json_dumps(e->args, JSON_COMPACT |
	    JSON_ENCODE_ANY) : NULL;
	if (args == NULL)
		args = xstrdup("{}");
	chain_head(prev);
	canonical = audit_canonical(e->session_id, ts, e->tool_name, args,
	    e->decision, e->reason, e->policy_id, e->rule_id);
	audit_hash(prev, canonical, hash);
	free(canonical);

	stmt = db_stmt("INSERT INTO policy_decisions (session_id, event_id, "
	    "policy_id, tool_name, args_json, decision, reason, timestamp, "
	    "rule_id, prev_hash, hash, policy_ref) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(stmt, 1, e->session_id, -1, SQLITE_STATIC);
	if (e->event_id > 0)
		sqlite3_bind_int64(stmt, 2, e->event_id);
	db_bind_text(stmt, 3, e->policy_id);
	sqlite3_bind_text(stmt, 4, e->tool_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, args, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, e->decision, -1, SQLITE_STATIC);
	db_bind_text(stmt, 7, e->reason);
	sqlite3_bind_int64(stmt, 8, ts);
	db_bind_text(stmt, 9, e->rule_id);
	if (prev[0] != '\0')
		sqlite3_bind_text(stmt, 10, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 11, hash, -1, SQLITE_STATIC);
	db_bind_text(stmt, 12, e->policy_id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		log_warn("audit_record: %s", db_errmsg());
		id = -1;
	} else
		id = sqlite3_last_insert_rowid(db_handle());
	db_stmt_done(stmt);
	free(args);
	return id;
}

#define AUDIT_COLUMNS "id, session_id, event_id, policy_id, tool_name, " \
	"args_json, decision, reason, timestamp, rule_id, hash"

static json_t *
row_json(sqlite3_stmt *stmt)
{
	char	 stamp[ISO_TIME_LEN];
	json_t	*o, *args;

	o = json_pack("{s:I,s:s}", "id",
	    (json_int_t)sqlite3_column_int64(stmt, 0), "sessionId",
	    db_column_text(stmt, 1));
	if (sqlite3_column_type(stmt, 2) != SQLITE_NULL)
		json_object_set_new(o, "eventId",
		    json_integer(sqlite3_column_int64(stmt, 2)));
	if (db_column_text(stmt, 3) != NULL)
		json_object_set_new(o, "policyId",
		    json_string(db_column_text(stmt, 3)));
	if (db_column_text(stmt, 9) != NULL)
		json_object_set_new(o, "ruleId",
		    json_string(db_column_text(stmt, 9)));
	json_object_set_new(o, "toolName", json_string(db_column_text(stmt, 4)));
	if ((args = db_column_json(stmt, 5)) != NULL)
		json_object_set_new(o, "args", args);
	json_object_set_new(o, "decision", json_string(db_column_text(stmt, 6)));
	if (db_column_text(stmt, 7) != NULL)
		json_object_set_new(o, "reason",
		    json_string(db_column_text(stmt, 7)));
	json_object_set_new(o, "timestamp", json_string(iso_time(
	    sqlite3_column_int64(stmt, 8), stamp)));
	if (db_column_text(stmt, 10) != NULL)
		json_object_set_new(o, "hash",
		    json_string(db_column_text(stmt, 10)));
	return o;
}

/*
 * The filters are bound as "?n IS NULL OR column = ?n" so that one cached
 * statement serves every combination; only the session filter gets its own
 * statements, so that it can use the (session_id, id) index.
 */
#define FILTER_DECISION	"(?1 IS NULL OR decision = ?1) AND (?2 < 0 OR id < ?2)"

json_t *
audit_list(const struct audit_query *q)
{
	sqlite3_stmt	*stmt;
	json_t		*list = json_array();
	int64_t		 total = 0;

	if (q->session_id != NULL) {
		stmt = q->ascending ?
		    db_stmt("SELECT " AUDIT_COLUMNS " FROM policy_decisions "
		    "WHERE session_id = ?3 AND " FILTER_DECISION
		    " ORDER BY id ASC LIMIT ?4 OFFSET ?5") :
		    db_stmt("SELECT " AUDIT_COLUMNS " FROM policy_decisions "
		    "WHERE session_id = ?3 AND " FILTER_DECISION
		    " ORDER BY id DESC LIMIT ?4 OFFSET ?5");
		sqlite3_bind_text(stmt, 3, q->session_id, -1, SQLITE_STATIC);
	} else
		stmt = q->ascending ?
		    db_stmt("SELECT " AUDIT_COLUMNS " FROM policy_decisions "
		    "WHERE " FILTER_DECISION " ORDER BY id ASC LIMIT ?4 OFFSET ?5") :
		    db_stmt("SELECT " AUDIT_COLUMNS " FROM policy_decisions "
		    "WHERE " FILTER_DECISION " ORDER BY id DESC LIMIT ?4 OFFSET ?5");
	db_bind_text(stmt, 1, q->decision);
	sqlite3_bind_int64(stmt, 2, q->before);
	sqlite3_bind_int64(stmt, 4, q->limit);
	sqlite3_bind_int64(stmt, 5, q->offset);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, row_json(stmt));
	db_stmt_done(stmt);

	if (q->session_id != NULL) {
		stmt = db_stmt("SELECT COUNT(*) FROM policy_decisions WHERE "
		    "session_id = ?3 AND " FILTER_DECISION);
		sqlite3_bind_text(stmt, 3, q->session_id, -1, SQLITE_STATIC);
	} else
		stmt = db_stmt("SELECT COUNT(*) FROM policy_decisions WHERE "
		    FILTER_DECISION);
	db_bind_text(stmt, 1, q->decision);
	sqlite3_bind_int64(stmt, 2, q->before);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		total = sqlite3_column_int64(stmt, 0);
	db_stmt_done(stmt);
	return json_pack("{s:o,s:I}", "decisions", list, "total",
	    (json_int_t)total);
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
broken(struct audit_verify_result *out, int64_t id, const char *why)
{
	out->ok = false;
	out->first_broken_id = id;
	snprintf(out->reason, sizeof out->reason, "%s", why);
}

int
audit_verify(struct audit_verify_result *out)
{
	sqlite3_stmt	*stmt;
	char		 prev[AUDIT_HASH_LEN], expect[AUDIT_HASH_LEN];
	char		*canonical;
	const char	*hash, *prev_hash, *policy_id, *policy_ref;
	bool		 started = false;
	int64_t		 id;
	int		 rc;

	memset(out, 0, sizeof *out);
	out->ok = true;
	prev[0] = '\0';
	stmt = db_stmt("SELECT id, session_id, timestamp, tool_name, args_json, "
	    "decision, reason, policy_ref, rule_id, prev_hash, hash, policy_id "
	    "FROM policy_decisions ORDER BY id ASC");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		hash = db_column_text(stmt, 10);
		prev_hash = db_column_text(stmt, 9);
		if (hash == NULL) {
			if (!started)
				continue;	/* written before the chain */
			broken(out, id, "row has no hash");
			break;
		}
		if (!same(prev_hash, started ? prev : NULL) &&
		    !(started == false && prev_hash != NULL && *prev_hash == '\0')) {
			broken(out, id, "prev_hash does not match the row before");
			break;
		}
		policy_id = db_column_text(stmt, 11);
		policy_ref = db_column_text(stmt, 7);
		if (policy_id != NULL && !same(policy_id, policy_ref)) {
			broken(out, id, "policy_id differs from the recorded policy");
			break;
		}
		canonical = audit_canonical(db_column_text(stmt, 1),
		    sqlite3_column_int64(stmt, 2), db_column_text(stmt, 3),
		    db_column_text(stmt, 4), db_column_text(stmt, 5),
		    db_column_text(stmt, 6), policy_ref, db_column_text(stmt, 8));
		audit_hash(prev, canonical, expect);
		free(canonical);
		if (strcmp(expect, hash) != 0) {
			broken(out, id, "row content does not match its hash");
			break;
		}
		snprintf(prev, sizeof prev, "%s", hash);
		started = true;
		out->checked++;
	}
	db_stmt_done(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warn("audit_verify: %s", db_errmsg());
		return -1;
	}
	chain_head(out->head);
	return 0;
}
