#include "analytics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "decimal.h"
#include "pricing.h"

/* ---- ranges ------------------------------------------------------------ */

static void
utc_date(int64_t ms, char out[16])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static int64_t
local_midnight(int64_t now)
{
	time_t t = (time_t)(now / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

void
analytics_range_between(int64_t from, int64_t to, struct analytics_range *r)
{
	int64_t first = from / DAY_MS * DAY_MS, last = to / DAY_MS * DAY_MS;

	memset(r, 0, sizeof *r);
	r->from = from;
	r->to = to;
	if (first == last && to - from + 1 <= DAY_MS / 2) {
		/* Less than half of one day: the raw rows alone. */
		r->add_from = from;
		r->add_to = to + 1;
		return;
	}
	/* The last day: its roll-up, less what comes after the range. */
	utc_date(last + DAY_MS, r->day_to);
	r->sub_from[1] = to + 1;
	r->sub_to[1] = last + DAY_MS;
	/* The first day: whole, or the smaller of the two corrections. */
	if (from == first ||
	    (first != last && from - first <= first + DAY_MS - from)) {
		utc_date(first, r->day_from);
		r->sub_from[0] = first;
		r->sub_to[0] = from;
	} else if (first != last) {
		utc_date(first + DAY_MS, r->day_from);
		r->add_from = from;
		r->add_to = first + DAY_MS;
	} else {
		/* One day, mostly covered: its roll-up less both ends. */
		utc_date(first, r->day_from);
		r->sub_from[0] = first;
		r->sub_to[0] = from;
	}
}

void
analytics_range(const char *name, int64_t now, struct analytics_range *r)
{
	const char *canonical;
	int64_t from;

	if (name != NULL && strcmp(name, "today") == 0) {
		canonical = "today";
		from = local_midnight(now);
	} else if (name != NULL && strcmp(name, "30d") == 0) {
		canonical = "30d";
		from = now - 30 * DAY_MS;
	} else if (name != NULL && strcmp(name, "all") == 0) {
		canonical = "all";
		from = 0;
	} else {
		canonical = "7d";
		from = now - 7 * DAY_MS;
	}
	analytics_range_between(from > 0 ? from : 0, now, r);
	r->name = canonical;
}

/* Binds ?1..?10: the roll-up days, the added and the two taken windows. */
static void
bind_range(sqlite3_stmt *stmt, const struct analytics_range *r)
{
	sqlite3_bind_text(stmt, 1, r->day_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, r->day_to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, r->add_from);
	sqlite3_bind_int64(stmt, 4, r->add_to);
	sqlite3_bind_int64(stmt, 5, r->sub_from[0]);
	sqlite3_bind_int64(stmt, 6, r->sub_to[0]);
	sqlite3_bind_int64(stmt, 7, r->sub_from[1]);
	sqlite3_bind_int64(stmt, 8, r->sub_to[1]);
}

/* ---- token usage ------------------------------------------------------- */

/* Raw token_usage columns, counted in (+) or out (-). */
#define USAGE_COLUMNS(sign)						\
	"model, " sign "prompt_tokens, " sign "completion_tokens, "	\
	sign "cache_creation_input_tokens, " sign "cache_read_input_tokens, " \
	sign "total_tokens, " sign "1"

#define USAGE_BY_MODEL_SQL						\
	"SELECT model, SUM(p), SUM(c), SUM(cw), SUM(cr), SUM(t), SUM(n) FROM ("	\
	"SELECT model, prompt_tokens AS p, completion_tokens AS c, "	\
	"cache_creation_input_tokens AS cw, cache_read_input_tokens AS cr, " \
	"total_tokens AS t, requests AS n FROM usage_daily "		\
	"WHERE day >= ?1 AND day < ?2 "					\
	"UNION ALL SELECT " USAGE_COLUMNS("") " FROM token_usage "	\
	"WHERE timestamp >= ?3 AND timestamp < ?4 "			\
	"UNION ALL SELECT " USAGE_COLUMNS("-") " FROM token_usage "	\
	"WHERE timestamp >= ?5 AND timestamp < ?6 "			\
	"UNION ALL SELECT " USAGE_COLUMNS("-") " FROM token_usage "	\
	"WHERE timestamp >= ?7 AND timestamp < ?8) "			\
	"GROUP BY model HAVING SUM(n) > 0 ORDER BY SUM(t) DESC, model"

struct model_usage {
	struct token_counts	tokens;
	int64_t			total;
	int64_t			requests;
};

static void
read_usage_row(sqlite3_stmt *stmt, struct model_usage *u)
{
	u->tokens.prompt = sqlite3_column_int64(stmt, 1);
	u->tokens.completion = sqlite3_column_int64(stmt, 2);
	u->tokens.cache_creation = sqlite3_column_int64(stmt, 3);
	u->tokens.cache_read = sqlite3_column_int64(stmt, 4);
	u->total = sqlite3_column_int64(stmt, 5);
	u->requests = sqlite3_column_int64(stmt, 6);
}

json_t *
analytics_tokens_by_model(const struct analytics_range *r)
{
	sqlite3_stmt *stmt = db_stmt(USAGE_BY_MODEL_SQL);
	json_t *list = json_array();
	struct model_usage u;

	bind_range(stmt, r);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *model = db_column_text(stmt, 0);

		read_usage_row(stmt, &u);
		json_array_append_new(list, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,"
		    "s:I,s:o}", "model", model,
		    "tokens", (json_int_t)u.total,
		    "prompt_tokens", (json_int_t)u.tokens.prompt,
		    "completion_tokens", (json_int_t)u.tokens.completion,
		    "cache_read", (json_int_t)u.tokens.cache_read,
		    "cache_creation", (json_int_t)u.tokens.cache_creation,
		    "requests", (json_int_t)u.requests,
		    "costEstimate", json_decimal(pricing_round_cents(
		    pricing_cost(model, &u.tokens)))));
	}
	db_stmt_done(stmt);
	return list;
}

double
analytics_cost(const struct analytics_range *r)
{
	sqlite3_stmt *stmt = db_stmt(USAGE_BY_MODEL_SQL);
	struct model_usage u;
	double cost = 0;

	bind_range(stmt, r);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		read_usage_row(stmt, &u);
		cost += pricing_cost(db_column_text(stmt, 0), &u.tokens);
	}
	db_stmt_done(stmt);
	return cost;
}

double
analytics_session_cost(const char *session_id)
{
	sqlite3_stmt *stmt = db_stmt("SELECT model, SUM(prompt_tokens), "
	    "SUM(completion_tokens), SUM(cache_creation_input_tokens), "
	    "SUM(cache_read_input_tokens), SUM(total_tokens), COUNT(*) "
	    "FROM token_usage WHERE session_id = ? GROUP BY model");
	struct model_usage u;
	double cost = 0;

	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		read_usage_row(stmt, &u);
		cost += pricing_cost(db_column_text(stmt, 0), &u.tokens);
	}
	db_stmt_done(stmt);
	return cost;
}

json_t *
analytics_token_usage(const struct analytics_range *r)
{
#define DAY_USAGE(sign) "SELECT date(timestamp / 1000, 'unixepoch'), "	\
	sign "prompt_tokens, " sign "completion_tokens, "		\
	sign "cache_creation_input_tokens, " sign "cache_read_input_tokens, " \
	sign "1 FROM token_usage "
	sqlite3_stmt *stmt = db_stmt("SELECT day, SUM(p), SUM(c), SUM(cw), "
	    "SUM(cr) FROM ("
	    "SELECT day, prompt_tokens AS p, completion_tokens AS c, "
	    "cache_creation_input_tokens AS cw, cache_read_input_tokens AS cr, "
	    "requests AS n FROM usage_daily WHERE day >= ?1 AND day < ?2 "
	    "UNION ALL " DAY_USAGE("") "WHERE timestamp >= ?3 AND timestamp < ?4 "
	    "UNION ALL " DAY_USAGE("-") "WHERE timestamp >= ?5 AND timestamp < ?6 "
	    "UNION ALL " DAY_USAGE("-") "WHERE timestamp >= ?7 AND timestamp < ?8) "
	    "GROUP BY day HAVING SUM(n) > 0 ORDER BY day");
#undef DAY_USAGE
	json_t *list = json_array();

	bind_range(stmt, r);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s,s:I,s:I,s:I,s:I}",
		    "date", db_column_text(stmt, 0),
		    "prompt", (json_int_t)sqlite3_column_int64(stmt, 1),
		    "completion", (json_int_t)sqlite3_column_int64(stmt, 2),
		    "cacheCreation", (json_int_t)sqlite3_column_int64(stmt, 3),
		    "cacheRead", (json_int_t)sqlite3_column_int64(stmt, 4)));
	db_stmt_done(stmt);
	return list;
}

/* ---- messages, sessions, tools, decisions ------------------------------ */

/* Transcript user/assistant events, counted in (+) or out (-). */
#define MESSAGE_ROWS(day, sign) "SELECT " day sign "(type = 'user'), "	\
	sign "(type = 'assistant') FROM events WHERE source = 'transcript' " \
	"AND type IN ('user', 'assistant') "

static void
message_counts(const struct analytics_range *r, int64_t *user,
    int64_t *assistant)
{
	sqlite3_stmt *stmt = db_stmt("SELECT COALESCE(SUM(u), 0), "
	    "COALESCE(SUM(a), 0) FROM ("
	    "SELECT user_messages AS u, assistant_messages AS a FROM activity_daily "
	    "WHERE day >= ?1 AND day < ?2 "
	    "UNION ALL " MESSAGE_ROWS("", "") "AND ts >= ?3 AND ts < ?4 "
	    "UNION ALL " MESSAGE_ROWS("", "-") "AND ts >= ?5 AND ts < ?6 "
	    "UNION ALL " MESSAGE_ROWS("", "-") "AND ts >= ?7 AND ts < ?8)");

	*user = *assistant = 0;
	bind_range(stmt, r);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*user = sqlite3_column_int64(stmt, 0);
		*assistant = sqlite3_column_int64(stmt, 1);
	}
	db_stmt_done(stmt);
}

static int64_t
count_query(sqlite3_stmt *stmt)
{
	int64_t n = 0;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	db_stmt_done(stmt);
	return n;
}

json_t *
analytics_overview(const struct analytics_range *r)
{
	sqlite3_stmt *stmt;
	struct model_usage u, sum = { 0 };
	int64_t sessions, active, user, assistant, denominator;
	double cost = 0, hit_rate = 0;

	stmt = db_stmt("SELECT COUNT(*) FROM sessions WHERE created_at >= ? "
	    "AND created_at <= ?");
	sqlite3_bind_int64(stmt, 1, r->from);
	sqlite3_bind_int64(stmt, 2, r->to);
	sessions = count_query(stmt);
	stmt = db_stmt("SELECT COUNT(*) FROM sessions WHERE status IN "
	    "('RUNNING', 'STARTING', 'NEEDS_INPUT', 'NEEDS_PERMISSION')");
	active = count_query(stmt);

	stmt = db_stmt(USAGE_BY_MODEL_SQL);
	bind_range(stmt, r);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		read_usage_row(stmt, &u);
		sum.tokens.prompt += u.tokens.prompt;
		sum.tokens.completion += u.tokens.completion;
		sum.tokens.cache_creation += u.tokens.cache_creation;
		sum.tokens.cache_read += u.tokens.cache_read;
		sum.total += u.total;
		cost += pricing_cost(db_column_text(stmt, 0), &u.tokens);
	}
	db_stmt_done(stmt);
	message_counts(r, &user, &assistant);

	denominator = sum.tokens.prompt + sum.tokens.cache_creation +
	    sum.tokens.cache_read;
	if (denominator > 0)
		hit_rate = pricing_round_tenths((double)sum.tokens.cache_read /
		    (double)denominator * 100);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}",
	    "sessionsCount", (json_int_t)sessions,
	    "activeSessions", (json_int_t)active,
	    "totalTokens", (json_int_t)sum.total,
	    "inputTokens", (json_int_t)sum.tokens.prompt,
	    "outputTokens", (json_int_t)sum.tokens.completion,
	    "cacheReadTokens", (json_int_t)sum.tokens.cache_read,
	    "cacheCreationTokens", (json_int_t)sum.tokens.cache_creation,
	    "totalMessages", (json_int_t)(user + assistant),
	    "cacheHitRate", json_decimal(hit_rate),
	    "costEstimate", json_decimal(pricing_round_cents(cost)));
}

json_t *
analytics_activity_timeline(const struct analytics_range *r)
{
#define DAY "date(ts / 1000, 'unixepoch'), "
	sqlite3_stmt *stmt = db_stmt("SELECT day, SUM(u), SUM(a) FROM ("
	    "SELECT day, user_messages AS u, assistant_messages AS a "
	    "FROM activity_daily WHERE day >= ?1 AND day < ?2 "
	    "UNION ALL " MESSAGE_ROWS(DAY, "") "AND ts >= ?3 AND ts < ?4 "
	    "UNION ALL " MESSAGE_ROWS(DAY, "-") "AND ts >= ?5 AND ts < ?6 "
	    "UNION ALL " MESSAGE_ROWS(DAY, "-") "AND ts >= ?7 AND ts < ?8) "
	    "GROUP BY day HAVING SUM(u) + SUM(a) > 0 ORDER BY day");
#undef DAY
	json_t *list = json_array();

	bind_range(stmt, r);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t u = sqlite3_column_int64(stmt, 1);
		int64_t a = sqlite3_column_int64(stmt, 2);

		json_array_append_new(list, json_pack("{s:s,s:I,s:I,s:I}",
		    "date", db_column_text(stmt, 0), "user_messages", (json_int_t)u,
		    "assistant_messages", (json_int_t)a, "total", (json_int_t)(u + a)));
	}
	db_stmt_done(stmt);
	return list;
}

/* Rows of (name, count) from a bound statement: [{name_key, "count"}]. */
static json_t *
name_count_rows(sqlite3_stmt *stmt, const char *name_key)
{
	json_t *list = json_array();

	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s,s:I}",
		    name_key, db_column_text(stmt, 0),
		    "count", (json_int_t)sqlite3_column_int64(stmt, 1)));
	db_stmt_done(stmt);
	return list;
}

json_t *
analytics_sessions_by_provider(const struct analytics_range *r)
{
	sqlite3_stmt *stmt = db_stmt("SELECT provider, COUNT(*) FROM sessions "
	    "WHERE created_at >= ? AND created_at <= ? GROUP BY provider "
	    "ORDER BY COUNT(*) DESC, provider");

	sqlite3_bind_int64(stmt, 1, r->from);
	sqlite3_bind_int64(stmt, 2, r->to);
	return name_count_rows(stmt, "provider");
}

/* The top 15, most used first; ties in the order they were first used. */
json_t *
analytics_tool_usage(const struct analytics_range *r)
{
	/* Rows taken away do not move first use (it only orders ties). */
	sqlite3_stmt *stmt = db_stmt("SELECT tool, SUM(n), MIN(f) FROM ("
	    "SELECT tool, count AS n, first_seen AS f FROM tool_daily "
	    "WHERE day >= ?1 AND day < ?2 "
	    "UNION ALL SELECT name, 1, ts FROM tool_uses WHERE ts >= ?3 AND ts < ?4 "
	    "UNION ALL SELECT name, -1, NULL FROM tool_uses WHERE ts >= ?5 AND ts < ?6 "
	    "UNION ALL SELECT name, -1, NULL FROM tool_uses WHERE ts >= ?7 AND ts < ?8) "
	    "GROUP BY tool HAVING SUM(n) > 0 ORDER BY SUM(n) DESC, MIN(f), tool "
	    "LIMIT 15");

	bind_range(stmt, r);
	return name_count_rows(stmt, "tool");
}

json_t *
analytics_policy_decisions(const struct analytics_range *r)
{
	sqlite3_stmt *stmt = db_stmt("SELECT date(timestamp / 1000, 'unixepoch') "
	    "AS d, decision, COUNT(*) FROM policy_decisions WHERE timestamp >= ? "
	    "AND timestamp <= ? GROUP BY d, decision ORDER BY d, decision");
	json_t *list = json_array();

	sqlite3_bind_int64(stmt, 1, r->from);
	sqlite3_bind_int64(stmt, 2, r->to);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s,s:s,s:I}",
		    "date", db_column_text(stmt, 0),
		    "decision", db_column_text(stmt, 1),
		    "count", (json_int_t)sqlite3_column_int64(stmt, 2)));
	db_stmt_done(stmt);
	return list;
}
