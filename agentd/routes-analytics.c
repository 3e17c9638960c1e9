/*
 * Every GET /analytics/ route (transcripts-and-analytics.md §7): the range
 * from the "range" query value, the numbers from analytics.c. No errors
 * beyond the router's: an unknown range is the default one.
 */
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "decimal.h"
#include "routes.h"
#include "util.h"

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

typedef json_t *(*analytics_fn)(const struct analytics_range *);

static void
reply_analytics(struct request *req, analytics_fn fn)
{
	struct analytics_range r;
	char *range = request_query(req, "range");

	analytics_range(range, now_ms(), &r);
	free(range);
	reply_decimal(req, 200, fn(&r));
}

static void
get_overview(struct request *req)
{
	reply_analytics(req, analytics_overview);
}

static void
get_activity_timeline(struct request *req)
{
	reply_analytics(req, analytics_activity_timeline);
}

static void
get_tokens_by_model(struct request *req)
{
	reply_analytics(req, analytics_tokens_by_model);
}

static void
get_token_usage(struct request *req)
{
	reply_analytics(req, analytics_token_usage);
}

static void
get_sessions_by_provider(struct request *req)
{
	reply_analytics(req, analytics_sessions_by_provider);
}

static void
get_tool_usage(struct request *req)
{
	reply_analytics(req, analytics_tool_usage);
}

static void
get_policy_decisions(struct request *req)
{
	reply_analytics(req, analytics_policy_decisions);
}

const struct route routes_analytics[] = {
	{ "GET", "/analytics/overview", get_overview, 0 },
	{ "GET", "/analytics/activity-timeline", get_activity_timeline, 0 },
	{ "GET", "/analytics/tokens-by-model", get_tokens_by_model, 0 },
	{ "GET", "/analytics/token-usage", get_token_usage, 0 },
	{ "GET", "/analytics/sessions-by-provider", get_sessions_by_provider, 0 },
	{ "GET", "/analytics/tool-usage", get_tool_usage, 0 },
	{ "GET", "/analytics/policy-decisions", get_policy_decisions, 0 },
	{ NULL, NULL, NULL, 0 },
};
