/*
 * Analytics over the recorded usage (transcripts-and-analytics.md §6, §7):
 * the time ranges and the queries behind every /analytics/ route.
 *
 * A range is read from the daily roll-ups (usage_daily, activity_daily,
 * tool_daily: a year is a few hundred rows) for every UTC day it touches,
 * corrected at its two ends with the raw rows (token_usage, events,
 * tool_uses, through their time indexes): a partial first day is either
 * added from the raw rows or taken from its roll-up minus the part before
 * the range, whichever covers less time; the last day is its roll-up minus
 * what lies after the end of the range, which for a range ending now is
 * nothing. Both sources hold the same numbers, so any range is exact and
 * costs about the same however much history there is.
 *
 * Every json_t * returned is new and the caller's. Reals in them are meant
 * for reply_json_decimal() (decimal.h).
 */
#ifndef CODEPIPER_ANALYTICS_H
#define CODEPIPER_ANALYTICS_H

#include <stdint.h>

#include <jansson.h>

#define DAY_MS	(24 * 60 * 60 * 1000LL)

struct analytics_range {
	const char	*name;		/* "today", "7d", "30d", "all" */
	int64_t		 from;		/* inclusive, epoch ms */
	int64_t		 to;		/* inclusive, epoch ms */
	/* Roll-up days: day_from <= day < day_to ("YYYY-MM-DD", UTC). */
	char		 day_from[16];
	char		 day_to[16];
	/* Raw rows added, [add_from, add_to), and taken away. */
	int64_t		 add_from, add_to;
	int64_t		 sub_from[2], sub_to[2];
};

/*
 * The range a "range" query value names at time now: "today" (local
 * midnight of the daemon's time zone .. now), "7d" (the default, also for
 * NULL or anything unknown), "30d", "all".
 */
void	 analytics_range(const char *name, int64_t now,
	     struct analytics_range *r);
/* Any range [from, to] (epoch ms, from >= 0); name is left NULL. */
void	 analytics_range_between(int64_t from, int64_t to,
	     struct analytics_range *r);

json_t	*analytics_overview(const struct analytics_range *r);
json_t	*analytics_activity_timeline(const struct analytics_range *r);
json_t	*analytics_tokens_by_model(const struct analytics_range *r);
json_t	*analytics_token_usage(const struct analytics_range *r);
json_t	*analytics_sessions_by_provider(const struct analytics_range *r);
json_t	*analytics_tool_usage(const struct analytics_range *r);
json_t	*analytics_policy_decisions(const struct analytics_range *r);

/* Unrounded USD: everything in the range, or one session's whole usage. */
double	 analytics_cost(const struct analytics_range *r);
double	 analytics_session_cost(const char *session_id);

#endif
