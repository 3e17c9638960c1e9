/*
 * Cost caps: one per session and one per day (all sessions together, the
 * daemon's local day). Caps are daemon settings ("budgetDailyUsd", and
 * "budgetSessionUsd" as every session's default) or a session's own
 * (metadata.budget.capUsd).
 *
 * At 80 % of a cap: an event (source "budget", type "BudgetWarning") and a
 * notification on the "notifications" topic, once per cap value (and per
 * day for the daily cap). At 100 %: the agent is interrupted (Escape), the
 * session is marked budget-paused (metadata.budget.paused, event
 * "BudgetPaused", notification) and interrupted again whenever it still
 * spends. The pause ends when the cap no longer holds (raised, removed, a
 * new day) or the user resumes it (that acknowledges this cap: no new pause
 * until it changes).
 *
 * Everything here runs on the event loop; costs are those of analytics.h.
 */
#ifndef CODEPIPER_BUDGET_H
#define CODEPIPER_BUDGET_H

#include <stdbool.h>

#include <jansson.h>

struct session;

/* New usage was committed for this session (transcript.c calls it). */
void	 budget_usage_added(const char *session_id);

/* GET /budgets: the caps, today's spend and every live session's state. */
json_t	*budget_overview(void);
/*
 * PUT /budgets: update holds "dailyUsd" and/or "sessionUsd", each a
 * positive number or null (no cap); validated by the caller. Re-evaluates
 * every live session. 0 or -1.
 */
int	 budget_set_caps(json_t *update);

/* One session's budget as GET /sessions/:id/budget shows it. */
json_t	*budget_session_json(struct session *s);
/* The session's own cap (cap < 0: none, the default applies). */
void	 budget_set_session_cap(struct session *s, double cap);
/* The user resumes a budget-paused session: -1 when it is not paused. */
int	 budget_resume(struct session *s);

#endif
