#include "budget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics.h"
#include "broadcast.h"
#include "db.h"
#include "decimal.h"
#include "events.h"
#include "log.h"
#include "notifications.h"
#include "pricing.h"
#include "session.h"
#include "settings.h"
#include "util.h"
#include "xmalloc.h"

#define WARN_FRACTION	0.8
#define KIND_SESSION	"session"
#define KIND_DAILY	"daily"

struct caps {
	double	session;	/* < 0: none */
	const char *session_source;	/* "session", "default" or NULL */
	double	daily;		/* < 0: none */
};

/* ---- caps and costs ---------------------------------------------------- */

static double
setting_cap(const char *key)
{
	json_t *v = json_object_get(settings_all(), key);

	return json_is_number(v) && json_number_value(v) > 0 ?
	    json_number_value(v) : -1;
}

static json_t *
budget_object(struct session *s, bool create)
{
	json_t *b = json_object_get(s->metadata, "budget");

	if (!json_is_object(b) && create) {
		b = json_object();
		json_object_set_new(s->metadata, "budget", b);
	}
	return json_is_object(b) ? b : NULL;
}

static void
caps_of(struct session *s, struct caps *c)
{
	json_t *own = json_object_get(budget_object(s, false), "capUsd");

	c->daily = setting_cap("budgetDailyUsd");
	c->session_source = NULL;
	if (json_is_number(own) && json_number_value(own) > 0) {
		c->session = json_number_value(own);
		c->session_source = "session";
	} else if ((c->session = setting_cap("budgetSessionUsd")) > 0)
		c->session_source = "default";
}

static void
local_day(char out[16])
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static double
today_cost(void)
{
	struct analytics_range r;

	analytics_range("today", now_ms(), &r);
	return analytics_cost(&r);
}

/* What a warning or an acknowledgement is about: this cap (on this day). */
static char *
cap_key(const char *kind, double cap)
{
	char day[16];

	if (strcmp(kind, KIND_DAILY) == 0) {
		local_day(day);
		return xprintf("%s:%.6g", day, cap);
	}
	return xprintf("%.6g", cap);
}

static double
percent(double cost, double cap)
{
	return cap > 0 ? pricing_round_tenths(cost / cap * 100) : 0;
}

/* ---- events and notifications ------------------------------------------ */

/*
 * An event on the session and a notification. all: the daily cap, which is
 * about every session (the notification names none).
 */
static void
announce(struct session *s, bool all, const char *event, const char *note_type,
    const char *kind, double cost, double cap, const char *text)
{
	json_t *payload, *note;
	char stamp[ISO_TIME_LEN], *label, *title;

	payload = json_pack("{s:s,s:o,s:o,s:o}", "kind", kind,
	    "costUsd", json_decimal(pricing_round_cents(cost)),
	    "capUsd", json_decimal(cap),
	    "percent", json_decimal(percent(cost, cap)));
	event_record(s->id, "budget", event, payload);
	label = all ? xstrdup("All sessions") :
	    notification_session_label(s->id, s->cwd, s->metadata);
	title = xprintf("%s: %s", label, text);
	note = json_deep_copy(payload);
	json_object_set_new(note, "title", json_string(title));
	json_object_set_new(note, "createdAt", json_string(iso_time(now_ms(),
	    stamp)));
	if (!all) {
		json_object_set_new(note, "sessionId", json_string(s->id));
		json_object_set_new(note, "sessionLabel", json_string(label));
	}
	broadcast_publish("notifications", json_pack("{s:s,s:s,s:o}",
	    "topic", "notifications", "type", note_type, "data", note));
	log_info("budget: %s", title);
	free(title);
	free(label);
	json_decref(payload);
}

static bool
marked(json_t *b, const char *what, const char *kind, const char *key)
{
	const char *v = json_string_value(json_object_get(json_object_get(b, what),
	    kind));

	return v != NULL && strcmp(v, key) == 0;
}

static void
mark(json_t *b, const char *what, const char *kind, const char *key)
{
	json_t *o = json_object_get(b, what);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(b, what, o);
	}
	json_object_set_new(o, kind, json_string(key));
}

/* ---- the daily cap's warning, once a day for everyone ------------------ */

static bool
daily_warned(const char *key)
{
	sqlite3_stmt *stmt = db_stmt("SELECT value FROM budget_state WHERE "
	    "key = 'daily_warned'");
	bool warned = false;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		warned = strcmp(db_column_text(stmt, 0), key) == 0;
	db_stmt_done(stmt);
	return warned;
}

static void
set_daily_warned(const char *key)
{
	sqlite3_stmt *stmt = db_stmt("INSERT INTO budget_state (key, value) "
	    "VALUES ('daily_warned', ?) ON CONFLICT (key) DO UPDATE SET "
	    "value = excluded.value");

	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_step(stmt);
	db_stmt_done(stmt);
}

/* ---- evaluation -------------------------------------------------------- */

static void
interrupt(struct session *s)
{
	json_t *keys = json_pack("[s]", "Escape");

	session_send_keys(s, keys);
	json_decref(keys);
}

static void
unpause(struct session *s, json_t *b, const char *why)
{
	json_t *kind = json_incref(json_object_get(b, "pausedReason"));
	json_t *payload = json_pack("{s:s,s:O?}", "reason", why, "kind", kind);

	json_object_del(b, "paused");
	json_object_del(b, "pausedReason");
	json_object_del(b, "pausedAt");
	event_record(s->id, "budget", "BudgetResumed", payload);
	json_decref(payload);
	broadcast_publish("notifications", json_pack("{s:s,s:s,s:{s:s,s:s,s:O?}}",
	    "topic", "notifications", "type", "budget_resumed", "data",
	    "sessionId", s->id, "reason", why, "kind", kind));
	json_decref(kind);
}

static void
pause_session(struct session *s, json_t *b, const char *kind, double cost,
    double cap)
{
	char stamp[ISO_TIME_LEN];

	json_object_set_new(b, "paused", json_true());
	json_object_set_new(b, "pausedReason", json_string(kind));
	json_object_set_new(b, "pausedAt", json_string(iso_time(now_ms(), stamp)));
	interrupt(s);
	announce(s, false, "BudgetPaused", "budget_paused", kind, cost, cap,
	    strcmp(kind, KIND_DAILY) == 0 ?
	    "today's budget is spent; the agent was interrupted" :
	    "the session budget is spent; the agent was interrupted");
}

/*
 * One cap of a session: warn at 80 %, pause at 100 % unless the user
 * resumed under this very cap. Returns whether its metadata changed.
 */
static bool
check_cap(struct session *s, const char *kind, double cost, double cap,
    bool *paused)
{
	bool daily = strcmp(kind, KIND_DAILY) == 0, changed = false;
	json_t *b;
	char *key;

	if (cap < 0 || cost < WARN_FRACTION * cap)
		return false;
	key = cap_key(kind, cap);
	b = budget_object(s, true);
	if (daily && !daily_warned(key)) {
		/* One warning for all sessions, once a day. */
		set_daily_warned(key);
		announce(s, true, "BudgetWarning", "budget_warning", kind, cost,
		    cap, "80% of today's budget spent");
	} else if (!daily && !marked(b, "warned", kind, key)) {
		mark(b, "warned", kind, key);
		changed = true;
		announce(s, false, "BudgetWarning", "budget_warning", kind, cost,
		    cap, "80% of the session budget spent");
	}
	if (!*paused && cost >= cap && !marked(b, "acknowledged", kind, key)) {
		pause_session(s, b, kind, cost, cap);
		*paused = true;
		changed = true;
	}
	free(key);
	return changed;
}

/*
 * One session against its caps. spent: new usage of this very session was
 * just recorded (a paused session that still spends is interrupted again).
 * Returns whether its metadata changed.
 */
static bool
evaluate(struct session *s, double session_cost, double day_cost, bool spent)
{
	json_t *b = budget_object(s, false);
	const char *reason;
	bool changed = false, paused, holds;
	struct caps c;

	caps_of(s, &c);
	paused = json_is_true(json_object_get(b, "paused"));
	if (paused) {
		reason = json_string_value(json_object_get(b, "pausedReason"));
		if (reason != NULL && strcmp(reason, KIND_DAILY) == 0)
			holds = c.daily > 0 && day_cost >= c.daily;
		else
			holds = c.session > 0 && session_cost >= c.session;
		if (!holds) {
			unpause(s, b, "the cap no longer holds");
			paused = false;
			changed = true;
		} else if (spent) {
			interrupt(s);
			return changed;
		}
	}
	changed |= check_cap(s, KIND_SESSION, session_cost, c.session, &paused);
	changed |= check_cap(s, KIND_DAILY, day_cost, c.daily, &paused);
	return changed;
}

static bool
any_cap(void)
{
	struct session *s;
	struct caps c;

	if (setting_cap("budgetDailyUsd") > 0 || setting_cap("budgetSessionUsd") > 0)
		return true;
	TAILQ_FOREACH(s, sessions_live(), entry) {
		caps_of(s, &c);
		if (c.session > 0 || json_is_true(json_object_get(budget_object(s,
		    false), "paused")))
			return true;
	}
	return false;
}

/* Every live session (or one when only it changed); spent_id: whose usage
 * was just recorded. */
static void
evaluate_all(const char *spent_id)
{
	struct session *s, *next;
	double day;

	if (!any_cap())
		return;
	day = today_cost();
	TAILQ_FOREACH_SAFE(s, sessions_live(), entry, next) {
		if (s->closing)
			continue;
		if (evaluate(s, analytics_session_cost(s->id), day,
		    spent_id != NULL && strcmp(spent_id, s->id) == 0))
			session_save(s);
	}
}

void
budget_usage_added(const char *session_id)
{
	evaluate_all(session_id);
}

/* ---- API --------------------------------------------------------------- */

static json_t *
cap_json(double cap)
{
	return cap > 0 ? json_decimal(cap) : json_null();
}

json_t *
budget_session_json(struct session *s)
{
	struct caps c;
	json_t *b = budget_object(s, false), *own, *o;
	double cost = analytics_session_cost(s->id);

	caps_of(s, &c);
	own = json_object_get(b, "capUsd");
	o = json_pack("{s:s,s:o,s:o,s:s?,s:o,s:o,s:b}", "sessionId", s->id,
	    "capUsd", json_is_number(own) ? json_decimal(json_number_value(own)) :
	    json_null(), "effectiveCapUsd", cap_json(c.session),
	    "capSource", c.session_source,
	    "costUsd", json_decimal(pricing_round_cents(cost)),
	    "percent", c.session > 0 ? json_decimal(percent(cost, c.session)) :
	    json_null(),
	    "paused", json_is_true(json_object_get(b, "paused")));
	if (json_object_get(b, "pausedReason") != NULL)
		json_object_set(o, "pausedReason", json_object_get(b,
		    "pausedReason"));
	if (json_object_get(b, "pausedAt") != NULL)
		json_object_set(o, "pausedAt", json_object_get(b, "pausedAt"));
	return o;
}

json_t *
budget_overview(void)
{
	double daily = setting_cap("budgetDailyUsd"), cost = today_cost();
	json_t *sessions = json_array();
	struct session *s;
	char day[16];

	TAILQ_FOREACH(s, sessions_live(), entry)
		json_array_append_new(sessions, budget_session_json(s));
	local_day(day);
	return json_pack("{s:o,s:o,s:{s:s,s:o,s:o},s:o}",
	    "dailyUsd", cap_json(daily),
	    "sessionUsd", cap_json(setting_cap("budgetSessionUsd")),
	    "today", "date", day, "costUsd",
	    json_decimal(pricing_round_cents(cost)),
	    "percent", daily > 0 ? json_decimal(percent(cost, daily)) : json_null(),
	    "sessions", sessions);
}

int
budget_set_caps(json_t *update)
{
	json_t *settings = json_object(), *v;

	if ((v = json_object_get(update, "dailyUsd")) != NULL)
		json_object_set(settings, "budgetDailyUsd", v);
	if ((v = json_object_get(update, "sessionUsd")) != NULL)
		json_object_set(settings, "budgetSessionUsd", v);
	if (settings_update(settings) != 0) {
		json_decref(settings);
		return -1;
	}
	json_decref(settings);
	evaluate_all(NULL);
	return 0;
}

void
budget_set_session_cap(struct session *s, double cap)
{
	json_t *b = budget_object(s, true);

	if (cap > 0)
		json_object_set_new(b, "capUsd", json_decimal(cap));
	else
		json_object_del(b, "capUsd");
	session_save(s);
	evaluate_all(NULL);
}

int
budget_resume(struct session *s)
{
	json_t *b = budget_object(s, false);
	const char *kind;
	struct caps c;
	char *key;

	if (!json_is_true(json_object_get(b, "paused")))
		return -1;
	kind = json_string_value(json_object_get(b, "pausedReason"));
	if (kind == NULL)
		kind = KIND_SESSION;
	caps_of(s, &c);
	/* Resuming accepts this cap: no new pause until it changes. */
	key = cap_key(kind, strcmp(kind, KIND_DAILY) == 0 ? c.daily : c.session);
	mark(b, "acknowledged", kind, key);
	free(key);
	unpause(s, b, "resumed by the user");
	session_save(s);
	return 0;
}
