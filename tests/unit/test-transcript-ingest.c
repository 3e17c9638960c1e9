/*
 * Unit tests for transcript ingestion and analytics on a real database:
 * the stored offset only ever passes complete lines, a message id is
 * counted once, a replaced file is read again without counting twice, and
 * the daily roll-ups plus raw edges give the same numbers as the raw rows
 * for any range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analytics.h"
#include "daemon.h"
#include "db.h"
#include "transcript.h"
#include "util.h"
#include "xmalloc.h"

/* main.c's globals, which the library refers to. */
struct daemon_config daemon_config;
struct event_base *daemon_base;

static char dir[] = "/tmp/cp-test-ingest.XXXXXX";
static char *path;

static int
setup(void **state)
{
	char *db, *cause = NULL;

	if (mkdtemp(dir) == NULL)
		return -1;
	db = xprintf("%s/test.db", dir);
	path = xprintf("%s/t.jsonl", dir);
	if (db_open(db, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		free(db);
		return -1;
	}
	free(db);
	return db_exec("INSERT INTO sessions (id, provider, cwd, status, "
	    "created_at, updated_at) VALUES ('s1', 'claude-code', '/tmp', "
	    "'RUNNING', 1, 1)");
}

static int
teardown(void **state)
{
	db_close();
	unlink(path);
	free(path);
	remove_tree(dir);
	return 0;
}

static void
append(const char *text)
{
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int64_t
query_int(const char *sql)
{
	sqlite3_stmt *stmt = db_stmt(sql);
	int64_t n = -1;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	db_stmt_done(stmt);
	return n;
}

#define ASSISTANT(id, in, out) "{\"type\":\"assistant\",\"timestamp\":" \
	"\"2026-02-15T10:00:00.000Z\",\"message\":{\"id\":\"" id "\",\"model\":" \
	"\"claude-opus-4-6\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t-" id \
	"\",\"name\":\"Bash\"}],\"usage\":{\"input_tokens\":" #in \
	",\"output_tokens\":" #out ",\"cache_creation_input_tokens\":3," \
	"\"cache_read_input_tokens\":4}}}\n"

static void
test_exactly_once(void **state)
{
	struct transcript_stats st = { 0 };
	int64_t size;

	/* Claude Code repeats a message over several lines: one count. */
	append(ASSISTANT("m1", 100, 10));
	append(ASSISTANT("m1", 100, 10));
	append("{\"type\":\"user\",\"message\":{\"content\":[{\"type\":"
	    "\"tool_result\",\"tool_use_id\":\"t-m1\",\"content\":\"ok\"}]}}\n");
	append("not json at all\n");
	append("\n");
	append("{\"type\":\"assistant\",\"message\":{\"id\":\"m2\"");	/* half */
	assert_int_equal(transcript_ingest_file("s1", path, &st), 0);
	assert_int_equal(st.lines, 5);
	assert_int_equal(query_int("SELECT COUNT(*) FROM token_usage"), 1);
	assert_int_equal(query_int("SELECT SUM(total_tokens) FROM token_usage"),
	    117);
	assert_int_equal(query_int("SELECT COUNT(*) FROM events"), 3);
	assert_int_equal(query_int("SELECT COUNT(*) FROM tool_uses WHERE "
	    "result_event_id IS NOT NULL"), 1);
	size = query_int("SELECT byte_offset FROM transcript_offsets");
	assert_int_equal(size, st.bytes);

	/* Nothing new: nothing happens. */
	memset(&st, 0, sizeof st);
	assert_int_equal(transcript_ingest_file("s1", path, &st), 0);
	assert_int_equal(st.lines, 0);

	/* The half line completed. */
	append(",\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":7}}}\n");
	assert_int_equal(transcript_ingest_file("s1", path, &st), 0);
	assert_int_equal(st.lines, 1);
	assert_int_equal(query_int("SELECT COUNT(*) FROM token_usage"), 2);
	assert_int_equal(query_int("SELECT SUM(total_tokens) FROM token_usage"),
	    124);
	assert_int_equal(query_int("SELECT SUM(requests) FROM usage_daily"), 2);
	assert_int_equal(query_int("SELECT SUM(total_tokens) FROM usage_daily"),
	    124);

	/* A replaced file is read from its start; usage stays counted once. */
	unlink(path);
	append(ASSISTANT("m1", 200, 20));
	assert_int_equal(transcript_ingest_file("s1", path, &st), 0);
	assert_int_equal(query_int("SELECT COUNT(*) FROM token_usage"), 2);
	/* The last usage of a message id is the one that counts. */
	assert_int_equal(query_int("SELECT SUM(total_tokens) FROM token_usage"),
	    227 + 7);
	assert_int_equal(query_int("SELECT SUM(total_tokens) FROM usage_daily"),
	    227 + 7);
	assert_int_equal(query_int("SELECT SUM(requests) FROM usage_daily"), 2);
	assert_int_equal(query_int("SELECT SUM(count) FROM tool_daily"), 1);
}

static void
test_history_survives_the_session(void **state)
{
	int64_t before = query_int("SELECT SUM(total_tokens) FROM token_usage");

	assert_int_equal(db_exec("DELETE FROM sessions WHERE id = 's1'"), 0);
	assert_int_equal(query_int("SELECT COUNT(*) FROM events"), 0);
	assert_int_equal(query_int("SELECT SUM(total_tokens) FROM token_usage"),
	    before);
	assert_int_equal(query_int("SELECT COUNT(*) FROM token_usage WHERE "
	    "event_id IS NOT NULL"), 0);
	assert_int_equal(db_exec("INSERT INTO sessions (id, provider, cwd, "
	    "status, created_at, updated_at) VALUES ('s1', 'claude-code', "
	    "'/tmp', 'RUNNING', 1, 1)"), 0);
}

static void
test_ranges(void **state)
{
	struct analytics_range r;
	/* 2026-02-15T10:00:00Z */
	const int64_t now = 1771149600000LL, midnight = 1771113600000LL;

	/* 7d: 2026-02-08T10:00Z .. now. The first day is mostly inside: its
	 * roll-up less its first 10 hours; the last less what follows now. */
	analytics_range("7d", now, &r);
	assert_string_equal(r.name, "7d");
	assert_int_equal(r.from, now - 7 * DAY_MS);
	assert_string_equal(r.day_from, "2026-02-08");
	assert_string_equal(r.day_to, "2026-02-16");
	assert_int_equal(r.add_to - r.add_from, 0);
	assert_int_equal(r.sub_from[0], midnight - 7 * DAY_MS);
	assert_int_equal(r.sub_to[0], now - 7 * DAY_MS);
	assert_int_equal(r.sub_from[1], now + 1);
	assert_int_equal(r.sub_to[1], midnight + DAY_MS);

	analytics_range("nonsense", now, &r);
	assert_string_equal(r.name, "7d");
	analytics_range(NULL, now, &r);
	assert_string_equal(r.name, "7d");

	analytics_range("all", now, &r);
	assert_int_equal(r.from, 0);
	assert_string_equal(r.day_from, "1970-01-01");
	assert_string_equal(r.day_to, "2026-02-16");
	assert_int_equal(r.sub_to[0] - r.sub_from[0], 0);

	/* Late in the day the first day is mostly outside: added raw. */
	analytics_range_between(now + 12 * 3600 * 1000LL - 30 * DAY_MS,
	    now + 12 * 3600 * 1000LL, &r);
	assert_string_equal(r.day_from, "2026-01-17");
	assert_int_equal(r.add_from, r.from);
	assert_int_equal(r.add_to, midnight - 29 * DAY_MS);

	/* A short range inside one day: raw rows only. */
	analytics_range_between(now - 3600 * 1000, now, &r);
	assert_string_equal(r.day_from, "");
	assert_int_equal(r.add_from, now - 3600 * 1000);
	assert_int_equal(r.add_to, now + 1);

	analytics_range("today", now, &r);
	assert_true(r.from <= now && r.from > now - DAY_MS);
}

static int64_t
raw_count(const char *sql, int64_t from, int64_t to)
{
	sqlite3_stmt *stmt = db_stmt(sql);
	int64_t n;

	sqlite3_bind_int64(stmt, 1, from);
	sqlite3_bind_int64(stmt, 2, to);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	db_stmt_done(stmt);
	return n;
}

static int64_t
sum_of(json_t *list, const char *key)
{
	json_t *row;
	int64_t n = 0;
	size_t i;

	json_array_foreach(list, i, row)
		n += json_integer_value(json_object_get(row, key));
	json_decref(list);
	return n;
}

/* Roll-ups with their corrections against the raw rows, for many ranges. */
static void
test_rollups_equal_raw(void **state)
{
	const int64_t now = 1771149600000LL;
	sqlite3_stmt *stmt;
	int64_t t, from, to;
	unsigned seed = 7;
	int n = 0, i;

	/* Every 7 hours and a bit over 40 days: usage, messages, tools. */
	db_begin();
	for (t = now - 40 * DAY_MS; t <= now; t += 7 * 3600 * 1000 + 12345) {
		stmt = db_stmt("INSERT INTO token_usage (session_id, timestamp, "
		    "model, prompt_tokens, completion_tokens, "
		    "cache_creation_input_tokens, cache_read_input_tokens, "
		    "total_tokens) VALUES ('s1', ?, ?, ?, 2, 3, 4, ? + 9)");
		sqlite3_bind_int64(stmt, 1, t);
		sqlite3_bind_text(stmt, 2, n % 3 ? "claude-opus-4-6" :
		    "claude-haiku-4-5", -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 3, 1000 + n);
		sqlite3_bind_int(stmt, 4, 1000 + n);
		assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
		db_stmt_done(stmt);
		stmt = db_stmt("INSERT INTO events (session_id, ts, source, type, "
		    "payload_json) VALUES ('s1', ?, 'transcript', ?, '{}')");
		sqlite3_bind_int64(stmt, 1, t);
		sqlite3_bind_text(stmt, 2, n % 2 ? "user" : "assistant", -1,
		    SQLITE_STATIC);
		assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
		db_stmt_done(stmt);
		stmt = db_stmt("INSERT INTO tool_uses (session_id, tool_use_id, "
		    "name, ts) VALUES ('s1', ?, 'Bash', ?)");
		sqlite3_bind_int(stmt, 1, n);
		sqlite3_bind_int64(stmt, 2, t);
		assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
		db_stmt_done(stmt);
		n++;
	}
	db_commit();
	for (i = 0; i < 300; i++) {
		struct analytics_range r;
		int64_t rolled, raw;

		seed = seed * 1103515245 + 12345;
		from = now - 42 * DAY_MS + (int64_t)(seed >> 4) % (42 * DAY_MS);
		seed = seed * 1103515245 + 12345;
		to = from + (int64_t)(seed >> 4) % (i % 3 ? DAY_MS : 20 * DAY_MS);
		if (i % 5 == 0)
			to = now;
		analytics_range_between(from, to, &r);
		rolled = sum_of(analytics_tokens_by_model(&r), "tokens");
		raw = raw_count("SELECT COALESCE(SUM(total_tokens), 0) FROM "
		    "token_usage WHERE timestamp >= ? AND timestamp <= ?", from, to);
		if (rolled != raw)
			fail_msg("tokens %lld..%lld: %lld, raw %lld", (long long)from,
			    (long long)to, (long long)rolled, (long long)raw);
		rolled = sum_of(analytics_activity_timeline(&r), "total");
		raw = raw_count("SELECT COUNT(*) FROM events WHERE ts >= ? AND "
		    "ts <= ?", from, to);
		if (rolled != raw)
			fail_msg("messages %lld..%lld: %lld, raw %lld", (long long)from,
			    (long long)to, (long long)rolled, (long long)raw);
		rolled = sum_of(analytics_tool_usage(&r), "count");
		raw = raw_count("SELECT COUNT(*) FROM tool_uses WHERE ts >= ? AND "
		    "ts <= ?", from, to);
		if (rolled != raw)
			fail_msg("tools %lld..%lld: %lld, raw %lld", (long long)from,
			    (long long)to, (long long)rolled, (long long)raw);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exactly_once),
		cmocka_unit_test(test_history_survives_the_session),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_rollups_equal_raw),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
