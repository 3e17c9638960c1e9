/*
 * Cost caps: GET/PUT /budgets (the daily cap and every session's default),
 * GET/PUT /sessions/:id/budget (one session's own cap) and
 * POST /sessions/:id/budget/resume (lift a budget pause).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "decimal.h"
#include "routes.h"
#include "session.h"

/* reply_json() with reals as JavaScript prints them (decimal.h). */
static void
reply_decimal(struct request *req, int status, json_t *body)
{
	char *text = json_dumps_decimal(body);

	json_decref(body);
	if (text == NULL) {
		reply_error(req, 500, "Internal server error");
		return;
	}
	reply_raw(req, status, "application/json", text, strlen(text));
	free(text);
}

/* Caps are USD: positive and finite, or null for none. */
static bool
cap_ok(json_t *v)
{
	return json_is_null(v) || (json_is_number(v) &&
	    json_number_value(v) > 0 && json_number_value(v) < 1e9);
}

static void
get_budgets(struct request *req)
{
	reply_decimal(req, 200, budget_overview());
}

static void
put_budgets(struct request *req)
{
	json_t *body, *v;
	const char *key;
	size_t n = 0;

	if ((body = request_object(req)) == NULL)
		return;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "dailyUsd") != 0 && strcmp(key, "sessionUsd") != 0) {
			reply_error(req, 400, "Unknown field: %s (use dailyUsd, "
			    "sessionUsd)", key);
			return;
		}
		if (!cap_ok(v)) {
			reply_error(req, 400, "%s must be a positive number of USD "
			    "or null", key);
			return;
		}
		n++;
	}
	if (n == 0) {
		reply_error(req, 400, "Nothing to update: give dailyUsd and/or "
		    "sessionUsd");
		return;
	}
	if (budget_set_caps(body) != 0) {
		reply_error(req, 500, "Saving the budget failed");
		return;
	}
	reply_decimal(req, 200, budget_overview());
}

/* The live session of a per-session budget route, or a reply and NULL. */
static struct session *
budget_session(struct request *req)
{
	const char *id = request_param(req, "id");
	struct session *s = session_find(id);
	json_t *row;

	if (s != NULL && !s->closing)
		return s;
	if ((row = session_db_json(id)) != NULL) {
		json_decref(row);
		reply_error(req, 409, "Session %s is not running", id);
	} else
		reply_error(req, 404, "Session not found: %s", id);
	return NULL;
}

static void
get_session_budget(struct request *req)
{
	struct session *s;

	if ((s = budget_session(req)) != NULL)
		reply_decimal(req, 200, budget_session_json(s));
}

static void
put_session_budget(struct request *req)
{
	struct session *s;
	json_t *body, *cap;

	if ((body = request_object(req)) == NULL)
		return;
	cap = json_object_get(body, "capUsd");
	if (cap == NULL || !cap_ok(cap)) {
		reply_error(req, 400, "capUsd must be a positive number of USD or "
		    "null (the default cap)");
		return;
	}
	if ((s = budget_session(req)) == NULL)
		return;
	budget_set_session_cap(s, json_is_null(cap) ? -1 : json_number_value(cap));
	reply_decimal(req, 200, budget_session_json(s));
}

static void
post_session_budget_resume(struct request *req)
{
	struct session *s;

	if ((s = budget_session(req)) == NULL)
		return;
	if (budget_resume(s) != 0) {
		reply_error(req, 409, "Session %s is not paused by its budget", s->id);
		return;
	}
	reply_decimal(req, 200, budget_session_json(s));
}

const struct route routes_budget[] = {
	{ "GET", "/budgets", get_budgets, 0 },
	{ "PUT", "/budgets", put_budgets, ROUTE_JSON },
	{ "GET", "/sessions/:id/budget", get_session_budget, 0 },
	{ "PUT", "/sessions/:id/budget", put_session_budget, ROUTE_JSON },
	{ "POST", "/sessions/:id/budget/resume", post_session_budget_resume, 0 },
	{ NULL, NULL, NULL, 0 },
};
