/*
 * Policies, policy sets, their members and session bindings in SQLite, and
 * the compiled-policy cache; see policy-store.h.
 */
#include "policy-store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "db.h"
#include "log.h"
#include "session.h"
#include "settings.h"
#include "util.h"
#include "xmalloc.h"

/* One compiled effective policy list per session, valid for a generation. */
struct compiled_entry {
	char				*session_id;
	uint64_t			 generation;
	struct policy_set_compiled	*set;
	LIST_ENTRY(compiled_entry)	 entry;
};

static LIST_HEAD(, compiled_entry) compiled_cache =
    LIST_HEAD_INITIALIZER(compiled_cache);
/* Bumped by every write to a policy table: the cache's validity. */
static uint64_t generation = 1;

static void
changed(void)
{
	generation++;
}

void
policy_store_init(void)
{
	LIST_INIT(&compiled_cache);
}

static void
entry_free(struct compiled_entry *e)
{
	LIST_REMOVE(e, entry);
	policy_compiled_free(e->set);
	free(e->session_id);
	free(e);
}

void
policy_store_shutdown(void)
{
	while (!LIST_EMPTY(&compiled_cache))
		entry_free(LIST_FIRST(&compiled_cache));
}

static void __attribute__((format(printf, 4, 5)))
set_error(int *status, char **error, int code, const char *fmt, ...)
{
	va_list	ap;

	*status = code;
	va_start(ap, fmt);
	xvasprintf(error, fmt, ap);
	va_end(ap);
}

static bool
session_exists(const char *id)
{
	json_t	*row;

	if (session_find(id) != NULL)
		return true;
	if ((row = session_db_json(id)) == NULL)
		return false;
	json_decref(row);
	return true;
}

/* ---- policies -------------------------------------------------------- */

#define POLICY_COLUMNS "p.id, p.name, p.description, p.enabled, p.priority, " \
	"p.session_id, p.rules_json, p.created_at, p.updated_at"

/*
 * A policies row as the API shows it. compact: the effective-policies
 * listing, where a global policy has no sessionId key at all.
 */
static json_t *
policy_row_json(sqlite3_stmt *stmt, bool compact)
{
	char	 c[ISO_TIME_LEN], u[ISO_TIME_LEN];
	json_t	*o, *rules;

	rules = db_column_json(stmt, 6);
	if (rules == NULL)
		rules = json_array();
	o = json_pack("{s:s,s:s}", "id", db_column_text(stmt, 0), "name",
	    db_column_text(stmt, 1));
	if (db_column_text(stmt, 2) != NULL)
		json_object_set_new(o, "description",
		    json_string(db_column_text(stmt, 2)));
	json_object_set_new(o, "enabled",
	    json_boolean(sqlite3_column_int(stmt, 3) != 0));
	json_object_set_new(o, "priority",
	    json_integer(sqlite3_column_int64(stmt, 4)));
	if (db_column_text(stmt, 5) != NULL)
		json_object_set_new(o, "sessionId",
		    json_string(db_column_text(stmt, 5)));
	else if (!compact)
		json_object_set_new(o, "sessionId", json_null());
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "createdAt",
	    json_string(iso_time(sqlite3_column_int64(stmt, 7), c)));
	json_object_set_new(o, "updatedAt",
	    json_string(iso_time(sqlite3_column_int64(stmt, 8), u)));
	return o;
}

json_t *
policy_get(const char *id)
{
	sqlite3_stmt	*stmt;
	json_t		*o = NULL;

	stmt = db_stmt("SELECT " POLICY_COLUMNS " FROM policies p WHERE p.id = ?");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		o = policy_row_json(stmt, false);
	db_stmt_done(stmt);
	return o;
}

bool
policy_exists(const char *id)
{
	sqlite3_stmt	*stmt;
	bool		 found;

	stmt = db_stmt("SELECT 1 FROM policies WHERE id = ?");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	db_stmt_done(stmt);
	return found;
}

json_t *
policy_list(int enabled, enum policy_scope scope, const char *session_id)
{
	sqlite3_stmt	*stmt;
	json_t		*list = json_array();

	/* ?1: enabled filter (-1 any); ?2: scope; ?3: the session. */
	stmt = db_stmt("SELECT " POLICY_COLUMNS " FROM policies p WHERE "
	    "(?1 < 0 OR p.enabled = ?1) AND "
	    "(?2 = 0 OR (?2 = 1 AND p.session_id IS NULL) OR "
	    "(?2 = 2 AND p.session_id = ?3)) "
	    "ORDER BY p.priority DESC, p.created_at DESC, p.id");
	sqlite3_bind_int(stmt, 1, enabled);
	sqlite3_bind_int(stmt, 2, (int)scope);
	db_bind_text(stmt, 3, session_id);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, policy_row_json(stmt, false));
	db_stmt_done(stmt);
	return list;
}

static int
insert_policy(const struct policy_fields *f, int64_t now)
{
	sqlite3_stmt	*stmt;
	char		*rules;
	int		 rc;

	rules = json_dumps(f->rules, JSON_COMPACT);
	stmt = db_stmt("INSERT INTO policies (id, name, description, enabled, "
	    "priority, session_id, rules_json, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(stmt, 1, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, f->name, -1, SQLITE_STATIC);
	db_bind_text(stmt, 3, f->description);
	sqlite3_bind_int(stmt, 4, f->enabled ? 1 : 0);
	sqlite3_bind_int64(stmt, 5, f->priority);
	db_bind_text(stmt, 6, f->session_id);
	sqlite3_bind_text(stmt, 7, rules != NULL ? rules : "[]", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, now);
	sqlite3_bind_int64(stmt, 9, now);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	if (rc != 0)
		log_warn("insert_policy %s: %s", f->id, db_errmsg());
	db_stmt_done(stmt);
	free(rules);
	return rc;
}

int
policy_create(const struct policy_fields *f, json_t **out, int *status,
    char **error)
{
	if (f->session_id != NULL && !session_exists(f->session_id)) {
		set_error(status, error, 404, "Session not found: %s",
		    f->session_id);
		return -1;
	}
	if (policy_exists(f->id)) {
		set_error(status, error, 409, "Policy already exists: %s",
		    f->id);
		return -1;
	}
	if (insert_policy(f, now_ms()) != 0) {
		set_error(status, error, 422,
		    "Policy references a missing related record");
		return -1;
	}
	changed();
	*out = policy_get(f->id);
	return 0;
}

int
policy_update(const char *id, const struct policy_changes *c, json_t **out,
    int *status, char **error)
{
	sqlite3_stmt	*stmt;
	char		*rules = NULL;
	int		 rc;

	if (!policy_exists(id)) {
		set_error(status, error, 404, "Policy not found: %s", id);
		return -1;
	}
	if (c->rules != NULL)
		rules = json_dumps(c->rules, JSON_COMPACT);
	stmt = db_stmt("UPDATE policies SET name = COALESCE(?1, name), "
	    "description = CASE WHEN ?2 THEN ?3 ELSE description END, "
	    "enabled = CASE WHEN ?4 THEN ?5 ELSE enabled END, "
	    "priority = CASE WHEN ?6 THEN ?7 ELSE priority END, "
	    "rules_json = COALESCE(?8, rules_json), "
	    "updated_at = MAX(?9, updated_at + 1) WHERE id = ?10");
	db_bind_text(stmt, 1, c->name);
	sqlite3_bind_int(stmt, 2, c->has_description);
	db_bind_text(stmt, 3, c->description);
	sqlite3_bind_int(stmt, 4, c->has_enabled);
	sqlite3_bind_int(stmt, 5, c->enabled);
	sqlite3_bind_int(stmt, 6, c->has_priority);
	sqlite3_bind_int64(stmt, 7, c->priority);
	db_bind_text(stmt, 8, rules);
	sqlite3_bind_int64(stmt, 9, now_ms());
	sqlite3_bind_text(stmt, 10, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	db_stmt_done(stmt);
	free(rules);
	if (rc != 0) {
		log_warn("policy_update %s: %s", id, db_errmsg());
		set_error(status, error, 500, "Updating policy %s failed",
		    id);
		return -1;
	}
	changed();
	*out = policy_get(id);
	return 0;
}

int
policy_delete(const char *id)
{
	sqlite3_stmt	*stmt;
	int		 n;

	stmt = db_stmt("DELETE FROM policies WHERE id = ?");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		log_warn("policy_delete %s: %s", id, db_errmsg());
	db_stmt_done(stmt);
	n = sqlite3_changes(db_handle());
	if (n > 0)
		changed();
	return n > 0 ? 0 : -1;
}

int
policy_session_put(const char *session_id, json_t *policy, const char **action,
    char **policy_id)
{
	struct policy_changes	 c;
	struct policy_fields	 f;
	sqlite3_stmt		*stmt;
	json_t			*v, *out = NULL;
	char			*existing = NULL, *error = NULL;
	int			 status, rc;

	stmt = db_stmt("SELECT id FROM policies WHERE session_id = ? "
	    "ORDER BY priority DESC, created_at DESC LIMIT 1");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		existing = xstrdup(db_column_text(stmt, 0));
	db_stmt_done(stmt);

	if (existing != NULL) {
		memset(&c, 0, sizeof c);
		c.name = json_string_value(json_object_get(policy, "name"));
		c.rules = json_object_get(policy, "rules");
		if ((v = json_object_get(policy, "description")) != NULL) {
			c.has_description = true;
			c.description = json_string_value(v);
		}
		if (json_is_boolean(v = json_object_get(policy, "enabled"))) {
			c.has_enabled = true;
			c.enabled = json_is_true(v);
		}
		if (json_is_integer(v = json_object_get(policy, "priority"))) {
			c.has_priority = true;
			c.priority = json_integer_value(v);
		}
		rc = policy_update(existing, &c, &out, &status, &error);
		*action = "updated";
		*policy_id = existing;
	} else {
		memset(&f, 0, sizeof f);
		*policy_id = xprintf("%s-policy", session_id);
		f.id = *policy_id;
		f.name = json_string_value(json_object_get(policy, "name"));
		f.description = json_string_value(json_object_get(policy,
		    "description"));
		v = json_object_get(policy, "enabled");
		f.enabled = json_is_boolean(v) ? json_is_true(v) : true;
		v = json_object_get(policy, "priority");
		f.priority = json_is_integer(v) ? json_integer_value(v) : 50;
		f.session_id = session_id;
		f.rules = json_object_get(policy, "rules");
		rc = policy_create(&f, &out, &status, &error);
		*action = "created";
	}
	if (out != NULL)
		json_decref(out);
	if (rc != 0) {
		log_warn("session %s policy: %s", session_id, error);
		free(*policy_id);
		*policy_id = NULL;
	}
	free(error);
	return rc;
}

char *
policy_glob_escape(const char *s)
{
	static const char special[] = "\\*?[]{}()!+@|";
	size_t	 n = strlen(s), i, o = 0;
	char	*out = xmalloc(2 * n + 1);

	for (i = 0; i < n; i++) {
		/* A leading "./" is dropped by the matcher; keep the dot literal. */
		if (strchr(special, s[i]) != NULL || (i == 0 && s[i] == '.'))
			out[o++] = '\\';
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

static bool
same_rule(json_t *a, json_t *b)
{
	return json_equal(json_object_get(a, "tool"), json_object_get(b, "tool")) &&
	    json_equal(json_object_get(a, "args"), json_object_get(b, "args")) &&
	    json_equal(json_object_get(a, "action"), json_object_get(b, "action"));
}

int
policy_remember(const char *session_id, const char *tool, const char *key,
    const char *value, char **policy_id)
{
	struct policy_changes	 c;
	struct policy_fields	 f;
	json_t			*policy, *rules, *rule, *r, *out = NULL;
	char			*id, *name, *desc, *pattern, *rule_id, *error = NULL;
	size_t			 i;
	int			 status, rc;

	id = xprintf("remember-%s-%s", session_id, tool);
	for (i = 0; id[i] != '\0'; i++) {
		if (!is_valid_id((char[]){ id[i], '\0' }))
			id[i] = '-';
	}
	pattern = policy_glob_escape(tool);
	rule = json_pack("{s:s,s:s,s:s}", "action", "allow", "tool", pattern,
	    "reason", "Always allowed by the user");
	free(pattern);
	if (key != NULL && value != NULL) {
		pattern = policy_glob_escape(value);
		json_object_set_new(rule, "args", json_pack("{s:s}", key,
		    pattern));
		free(pattern);
	}

	if ((policy = policy_get(id)) == NULL) {
		json_object_set_new(rule, "id", json_string("r1"));
		rules = json_pack("[O]", rule);
		name = xprintf("Always allow %s", tool);
		desc = xprintf("Saved from an approval in session %.8s",
		    session_id);
		memset(&f, 0, sizeof f);
		f.id = id;
		f.name = name;
		f.description = desc;
		f.enabled = true;
		f.priority = 60;
		f.session_id = session_id;
		f.rules = rules;
		rc = policy_create(&f, &out, &status, &error);
		free(name);
		free(desc);
	} else {
		rules = json_deep_copy(json_object_get(policy, "rules"));
		if (!json_is_array(rules)) {
			json_decref(rules);
			rules = json_array();
		}
		rc = 0;
		json_array_foreach(rules, i, r) {
			if (same_rule(r, rule))
				goto done;	/* already remembered */
		}
		rule_id = xprintf("r%zu", json_array_size(rules) + 1);
		json_object_set_new(rule, "id", json_string(rule_id));
		free(rule_id);
		json_array_append(rules, rule);
		memset(&c, 0, sizeof c);
		c.rules = rules;
		c.has_enabled = true;
		c.enabled = true;
		rc = policy_update(id, &c, &out, &status, &error);
	}
done:
	if (out != NULL)
		json_decref(out);
	if (policy != NULL)
		json_decref(policy);
	json_decref(rules);
	json_decref(rule);
	if (rc != 0) {
		log_warn("remembering a rule for session %s: %s", session_id,
		    error);
		free(id);
		id = NULL;
	}
	free(error);
	*policy_id = id;
	return rc;
}

/* ---- policy sets ----------------------------------------------------- */

bool
policy_set_exists(const char *id)
{
	sqlite3_stmt	*stmt;
	bool		 found;

	stmt = db_stmt("SELECT 1 FROM policy_sets WHERE id = ?");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	db_stmt_done(stmt);
	return found;
}

static bool
set_name_taken(const char *name, const char *except_id)
{
	sqlite3_stmt	*stmt;
	bool		 found;

	stmt = db_stmt("SELECT 1 FROM policy_sets WHERE name = ? AND id != ?");
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, except_id != NULL ? except_id : "", -1,
	    SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	db_stmt_done(stmt);
	return found;
}

#define SET_SUMMARY_COLUMNS "s.id, s.name, s.description, s.is_default, " \
	"s.created_at, s.updated_at, " \
	"(SELECT COUNT(*) FROM policy_set_members m WHERE m.policy_set_id = s.id), " \
	"(SELECT COUNT(*) FROM session_policy_sets b WHERE b.policy_set_id = s.id)"

static json_t *
set_row_json(sqlite3_stmt *stmt, bool summary)
{
	char	 c[ISO_TIME_LEN], u[ISO_TIME_LEN];
	json_t	*o;

	o = json_pack("{s:s,s:s}", "id", db_column_text(stmt, 0), "name",
	    db_column_text(stmt, 1));
	if (db_column_text(stmt, 2) != NULL)
		json_object_set_new(o, "description",
		    json_string(db_column_text(stmt, 2)));
	json_object_set_new(o, "isDefault",
	    json_boolean(sqlite3_column_int(stmt, 3) != 0));
	if (summary) {
		json_object_set_new(o, "policyCount",
		    json_integer(sqlite3_column_int64(stmt, 6)));
		json_object_set_new(o, "sessionCount",
		    json_integer(sqlite3_column_int64(stmt, 7)));
	}
	json_object_set_new(o, "createdAt",
	    json_string(iso_time(sqlite3_column_int64(stmt, 4), c)));
	json_object_set_new(o, "updatedAt",
	    json_string(iso_time(sqlite3_column_int64(stmt, 5), u)));
	return o;
}

json_t *
policy_set_list(void)
{
	sqlite3_stmt	*stmt;
	json_t		*list = json_array();

	stmt = db_stmt("SELECT " SET_SUMMARY_COLUMNS " FROM policy_sets s "
	    "ORDER BY s.name");
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, set_row_json(stmt, true));
	db_stmt_done(stmt);
	return list;
}

json_t *
policy_set_get(const char *id)
{
	sqlite3_stmt	*stmt;
	json_t		*o = NULL, *members;

	stmt = db_stmt("SELECT " SET_SUMMARY_COLUMNS " FROM policy_sets s "
	    "WHERE s.id = ?");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		o = set_row_json(stmt, false);
	db_stmt_done(stmt);
	if (o == NULL)
		return NULL;
	members = json_array();
	stmt = db_stmt("SELECT " POLICY_COLUMNS " FROM policies p "
	    "JOIN policy_set_members m ON m.policy_id = p.id "
	    "WHERE m.policy_set_id = ? ORDER BY p.priority DESC, p.name");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(members, policy_row_json(stmt, false));
	db_stmt_done(stmt);
	json_object_set_new(o, "policies", members);
	return o;
}

static int
clear_default_sets(const char *except_id)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = db_stmt("UPDATE policy_sets SET is_default = 0 "
	    "WHERE is_default = 1 AND id != ?");
	sqlite3_bind_text(stmt, 1, except_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	db_stmt_done(stmt);
	return rc;
}

static int
insert_member(const char *set_id, const char *policy_id, int64_t now)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = db_stmt("INSERT OR IGNORE INTO policy_set_members "
	    "(policy_set_id, policy_id, added_at) VALUES (?, ?, ?)");
	sqlite3_bind_text(stmt, 1, set_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, policy_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	db_stmt_done(stmt);
	return rc;
}

int
policy_set_create(const char *id, const char *name, const char *description,
    bool is_default, json_t *policy_ids, json_t **out, int *status,
    char **error)
{
	sqlite3_stmt	*stmt;
	json_t		*v;
	int64_t		 now = now_ms();
	size_t		 i;

	if (policy_set_exists(id)) {
		set_error(status, error, 409, "Policy set already exists: %s",
		    id);
		return -1;
	}
	if (set_name_taken(name, NULL)) {
		set_error(status, error, 409, "Policy set already exists: %s",
		    name);
		return -1;
	}
	if (db_begin() != 0)
		goto fail;
	if (is_default && clear_default_sets(id) != 0)
		goto rollback;
	stmt = db_stmt("INSERT INTO policy_sets (id, name, description, "
	    "is_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	db_bind_text(stmt, 3, description);
	sqlite3_bind_int(stmt, 4, is_default ? 1 : 0);
	sqlite3_bind_int64(stmt, 5, now);
	sqlite3_bind_int64(stmt, 6, now);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		db_stmt_done(stmt);
		goto rollback;
	}
	db_stmt_done(stmt);
	json_array_foreach(policy_ids, i, v) {
		if (insert_member(id, json_string_value(v), now) != 0)
			goto rollback;
	}
	if (db_commit() != 0)
		goto rollback;
	changed();
	*out = policy_set_get(id);
	return 0;

rollback:
	log_warn("policy_set_create %s: %s", id, db_errmsg());
	db_rollback();
fail:
	set_error(status, error, 500, "Creating policy set %s failed", id);
	return -1;
}

int
policy_set_update(const char *id, const char *name, bool description_set,
    const char *description, const bool *is_default, json_t **out,
    int *status, char **error)
{
	sqlite3_stmt	*stmt;

	if (!policy_set_exists(id)) {
		set_error(status, error, 404, "Policy set not found: %s", id);
		return -1;
	}
	if (name != NULL && set_name_taken(name, id)) {
		set_error(status, error, 409,
		    "Policy set name already exists: %s", name);
		return -1;
	}
	if (db_begin() != 0)
		goto fail;
	if (is_default != NULL && *is_default && clear_default_sets(id) != 0)
		goto rollback;
	stmt = db_stmt("UPDATE policy_sets SET name = COALESCE(?1, name), "
	    "description = CASE WHEN ?2 THEN ?3 ELSE description END, "
	    "is_default = CASE WHEN ?4 THEN ?5 ELSE is_default END, "
	    "updated_at = MAX(?6, updated_at + 1) WHERE id = ?7");
	db_bind_text(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, description_set);
	db_bind_text(stmt, 3, description);
	sqlite3_bind_int(stmt, 4, is_default != NULL);
	sqlite3_bind_int(stmt, 5, is_default != NULL && *is_default);
	sqlite3_bind_int64(stmt, 6, now_ms());
	sqlite3_bind_text(stmt, 7, id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		db_stmt_done(stmt);
		goto rollback;
	}
	db_stmt_done(stmt);
	if (db_commit() != 0)
		goto rollback;
	changed();
	*out = policy_set_get(id);
	return 0;

rollback:
	log_warn("policy_set_update %s: %s", id, db_errmsg());
	db_rollback();
fail:
	set_error(status, error, 500, "Updating policy set %s failed", id);
	return -1;
}

int
policy_set_delete(const char *id)
{
	sqlite3_stmt	*stmt;
	int		 n;

	stmt = db_stmt("DELETE FROM policy_sets WHERE id = ?");
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		log_warn("policy_set_delete %s: %s", id, db_errmsg());
	db_stmt_done(stmt);
	n = sqlite3_changes(db_handle());
	if (n > 0)
		changed();
	return n > 0 ? 0 : -1;
}

static bool
is_member(const char *set_id, const char *policy_id)
{
	sqlite3_stmt	*stmt;
	bool		 found;

	stmt = db_stmt("SELECT 1 FROM policy_set_members WHERE "
	    "policy_set_id = ? AND policy_id = ?");
	sqlite3_bind_text(stmt, 1, set_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, policy_id, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	db_stmt_done(stmt);
	return found;
}

/* 404 for whichever of the set and the policy is missing, set first. */
static int
set_and_policy_exist(const char *set_id, const char *policy_id, int *status,
    char **error)
{
	if (!policy_set_exists(set_id)) {
		set_error(status, error, 404, "Policy set not found: %s",
		    set_id);
		return -1;
	}
	if (!policy_exists(policy_id)) {
		set_error(status, error, 404, "Policy not found: %s",
		    policy_id);
		return -1;
	}
	return 0;
}

int
policy_set_add_member(const char *set_id, const char *policy_id, int *status,
    char **error)
{
	if (set_and_policy_exist(set_id, policy_id, status, error) != 0)
		return -1;
	if (is_member(set_id, policy_id)) {
		set_error(status, error, 409,
		    "Policy %s is already a member of set %s", policy_id, set_id);
		return -1;
	}
	if (insert_member(set_id, policy_id, now_ms()) != 0) {
		set_error(status, error, 500, "Adding policy %s to set %s failed",
		    policy_id, set_id);
		return -1;
	}
	changed();
	return 0;
}

int
policy_set_remove_member(const char *set_id, const char *policy_id,
    int *status, char **error)
{
	sqlite3_stmt	*stmt;

	if (set_and_policy_exist(set_id, policy_id, status, error) != 0)
		return -1;
	if (!is_member(set_id, policy_id)) {
		set_error(status, error, 404,
		    "Policy %s is not a member of set %s", policy_id, set_id);
		return -1;
	}
	stmt = db_stmt("DELETE FROM policy_set_members WHERE policy_set_id = ? "
	    "AND policy_id = ?");
	sqlite3_bind_text(stmt, 1, set_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, policy_id, -1, SQLITE_STATIC);
	sqlite3_step(stmt);
	db_stmt_done(stmt);
	changed();
	return 0;
}

json_t *
session_policy_sets(const char *session_id)
{
	sqlite3_stmt	*stmt;
	json_t		*list = json_array();

	stmt = db_stmt("SELECT " SET_SUMMARY_COLUMNS " FROM policy_sets s "
	    "JOIN session_policy_sets x ON x.policy_set_id = s.id "
	    "WHERE x.session_id = ? ORDER BY s.name");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, set_row_json(stmt, true));
	db_stmt_done(stmt);
	return list;
}

static bool
is_bound(const char *session_id, const char *set_id)
{
	sqlite3_stmt	*stmt;
	bool		 found;

	stmt = db_stmt("SELECT 1 FROM session_policy_sets WHERE "
	    "session_id = ? AND policy_set_id = ?");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, set_id, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	db_stmt_done(stmt);
	return found;
}

static int
bind_set(const char *session_id, const char *set_id)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = db_stmt("INSERT OR IGNORE INTO session_policy_sets "
	    "(session_id, policy_set_id, applied_at) VALUES (?, ?, ?)");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, set_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now_ms());
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	db_stmt_done(stmt);
	if (rc == 0)
		changed();
	return rc;
}

/* 404 for whichever of the session and the set is missing, session first. */
static int
session_and_set_exist(const char *session_id, const char *set_id,
    int *status, char **error)
{
	if (!session_exists(session_id)) {
		set_error(status, error, 404, "Session not found: %s",
		    session_id);
		return -1;
	}
	if (!policy_set_exists(set_id)) {
		set_error(status, error, 404, "Policy set not found: %s",
		    set_id);
		return -1;
	}
	return 0;
}

int
session_policy_set_add(const char *session_id, const char *set_id,
    int *status, char **error)
{
	if (session_and_set_exist(session_id, set_id, status, error) != 0)
		return -1;
	if (is_bound(session_id, set_id)) {
		set_error(status, error, 409,
		    "Policy set %s is already applied to session %s", set_id,
		    session_id);
		return -1;
	}
	if (bind_set(session_id, set_id) != 0) {
		set_error(status, error, 500,
		    "Applying policy set %s to session %s failed", set_id,
		    session_id);
		return -1;
	}
	return 0;
}

int
session_policy_set_remove(const char *session_id, const char *set_id,
    int *status, char **error)
{
	sqlite3_stmt	*stmt;

	if (session_and_set_exist(session_id, set_id, status, error) != 0)
		return -1;
	if (!is_bound(session_id, set_id)) {
		set_error(status, error, 404,
		    "Policy set %s is not applied to session %s", set_id,
		    session_id);
		return -1;
	}
	stmt = db_stmt("DELETE FROM session_policy_sets WHERE session_id = ? "
	    "AND policy_set_id = ?");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, set_id, -1, SQLITE_STATIC);
	sqlite3_step(stmt);
	db_stmt_done(stmt);
	changed();
	return 0;
}

void
policy_sets_bind_default(const char *session_id)
{
	sqlite3_stmt	*stmt;
	char		*set_id = NULL;

	stmt = db_stmt("SELECT id FROM policy_sets WHERE is_default = 1 LIMIT 1");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		set_id = xstrdup(db_column_text(stmt, 0));
	db_stmt_done(stmt);
	if (set_id == NULL)
		return;
	if (bind_set(session_id, set_id) != 0)
		log_warn("session %s: binding the default policy set: %s",
		    session_id, db_errmsg());
	free(set_id);
}

/* ---- effective policies and the compiled cache ------------------------ */

static void
append_unique(json_t *list, json_t *seen, json_t *policy)
{
	const char	*id = json_string_value(json_object_get(policy, "id"));

	if (json_object_get(seen, id) != NULL) {
		json_decref(policy);
		return;
	}
	json_object_set_new(seen, id, json_true());
	json_array_append_new(list, policy);
}

/* Stable insertion sort by priority, descending; lists are small. */
static void
sort_by_priority(json_t *list)
{
	size_t	 i, j, n = json_array_size(list);
	json_t	*a, *b;

	for (i = 1; i < n; i++) {
		for (j = i; j > 0; j--) {
			a = json_array_get(list, j - 1);
			b = json_array_get(list, j);
			if (json_integer_value(json_object_get(a, "priority")) >=
			    json_integer_value(json_object_get(b, "priority")))
				break;
			json_incref(a);
			json_array_set(list, j - 1, b);
			json_array_set_new(list, j, a);
		}
	}
}

json_t *
policy_effective(const char *session_id)
{
	sqlite3_stmt	*stmt;
	json_t		*list = json_array(), *seen = json_object();

	stmt = db_stmt("SELECT " POLICY_COLUMNS " FROM policies p WHERE "
	    "p.session_id = ? AND p.enabled = 1 "
	    "ORDER BY p.priority DESC, p.created_at DESC");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		append_unique(list, seen, policy_row_json(stmt, true));
	db_stmt_done(stmt);

	stmt = db_stmt("SELECT " POLICY_COLUMNS " FROM policies p "
	    "JOIN policy_set_members m ON m.policy_id = p.id "
	    "JOIN session_policy_sets b ON b.policy_set_id = m.policy_set_id "
	    "WHERE b.session_id = ? AND p.enabled = 1 "
	    "ORDER BY p.priority DESC, p.name");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		append_unique(list, seen, policy_row_json(stmt, true));
	db_stmt_done(stmt);

	stmt = db_stmt("SELECT " POLICY_COLUMNS " FROM policies p WHERE "
	    "p.session_id IS NULL AND p.enabled = 1 "
	    "ORDER BY p.priority DESC, p.created_at DESC");
	while (sqlite3_step(stmt) == SQLITE_ROW)
		append_unique(list, seen, policy_row_json(stmt, true));
	db_stmt_done(stmt);

	json_decref(seen);
	sort_by_priority(list);
	return list;
}

const struct policy_set_compiled *
policy_compiled_for(const char *session_id)
{
	struct compiled_entry	*e;
	json_t			*policies;
	char			*cause = NULL;

	LIST_FOREACH(e, &compiled_cache, entry) {
		if (strcmp(e->session_id, session_id) == 0)
			break;
	}
	if (e != NULL && e->generation == generation)
		return e->set;
	if (e == NULL) {
		e = xcalloc(1, sizeof *e);
		e->session_id = xstrdup(session_id);
		LIST_INSERT_HEAD(&compiled_cache, e, entry);
	}
	policy_compiled_free(e->set);
	policies = policy_effective(session_id);
	if ((e->set = policy_compile(policies, &cause)) == NULL) {
		/* Only a malformed array fails; rows always give one. */
		log_error("compiling the policies of session %s: %s", session_id,
		    cause);
		free(cause);
	}
	json_decref(policies);
	e->generation = generation;
	return e->set;
}

void
policy_compiled_forget(const char *session_id)
{
	struct compiled_entry	*e;

	LIST_FOREACH(e, &compiled_cache, entry) {
		if (strcmp(e->session_id, session_id) == 0) {
			entry_free(e);
			return;
		}
	}
}

enum policy_action
policy_default_action(void)
{
	const char	*v = settings_string("defaultPolicyAction");

	return v != NULL && strcmp(v, "deny") == 0 ? POLICY_ACTION_DENY :
	    POLICY_ACTION_ASK;
}
