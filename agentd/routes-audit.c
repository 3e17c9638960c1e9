/*
 * The audit log and pending asks (hooks-and-policies.md §11, docs/hooks.md):
 * GET /policy-decisions, GET /policy-decisions/verify,
 * GET /policy-decisions/pending, POST /policy-decisions/pending/:id.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "permission.h"
#include "routes.h"
#include "xmalloc.h"

/* JavaScript's parseInt: leading blanks, a sign, digits; the rest ignored. */
static int
parse_int_prefix(const char *s, int64_t *out)
{
	int64_t	v = 0;
	int	neg = 0, digits = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s); s++, digits++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (digits == 0)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

static void
get_policy_decisions(struct request *req)
{
	struct audit_query	 q;
	char			*session = request_query(req, "sessionId");
	char			*decision = request_query(req, "decision");
	char			*limit = request_query(req, "limit");
	char			*offset = request_query(req, "offset");
	char			*order = request_query(req, "order");
	char			*before = request_query(req, "before");

	memset(&q, 0, sizeof q);
	q.limit = 100;
	q.before = -1;
	if (session != NULL && *session != '\0')
		q.session_id = session;
	if (decision != NULL && *decision != '\0') {
		if (strcmp(decision, "allow") != 0 &&
		    strcmp(decision, "deny") != 0 && strcmp(decision, "ask") != 0) {
			reply_error(req, 422, "Query param 'decision' must be one "
			    "of: allow, deny, ask");
			goto out;
		}
		q.decision = decision;
	}
	if (limit != NULL && (parse_int_prefix(limit, &q.limit) != 0 ||
	    q.limit < 1 || q.limit > 1000)) {
		reply_error(req, 422, "Query param 'limit' must be an integer "
		    "between 1 and 1000");
		goto out;
	}
	if (offset != NULL && (parse_int_prefix(offset, &q.offset) != 0 ||
	    q.offset < 0)) {
		reply_error(req, 422, "Query param 'offset' must be a "
		    "non-negative integer");
		goto out;
	}
	if (before != NULL && (parse_int_prefix(before, &q.before) != 0 ||
	    q.before < 1)) {
		reply_error(req, 422, "Query param 'before' must be a positive "
		    "integer");
		goto out;
	}
	if (order != NULL) {
		if (strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
			reply_error(req, 422, "Query param 'order' must be asc "
			    "or desc");
			goto out;
		}
		q.ascending = strcmp(order, "asc") == 0;
	}
	reply_json(req, 200, audit_list(&q));
out:
	free(session);
	free(decision);
	free(limit);
	free(offset);
	free(order);
	free(before);
}

static void
get_policy_decisions_verify(struct request *req)
{
	struct audit_verify_result	 r;
	json_t				*o;

	if (audit_verify(&r) != 0) {
		reply_error(req, 500, "Reading the audit log failed");
		return;
	}
	o = json_pack("{s:b,s:I}", "ok", r.ok, "checked", (json_int_t)r.checked);
	if (!r.ok) {
		json_object_set_new(o, "firstBrokenId",
		    json_integer(r.first_broken_id));
		json_object_set_new(o, "reason", json_string(r.reason));
	}
	if (r.head[0] != '\0')
		json_object_set_new(o, "head", json_string(r.head));
	reply_json(req, 200, o);
}

static void
get_pending(struct request *req)
{
	char	*session = request_query(req, "sessionId");

	reply_json(req, 200, permission_pending_list(session != NULL &&
	    *session != '\0' ? session : NULL));
	free(session);
}

static void
post_pending(struct request *req)
{
	json_t		*body, *decision, *remember, *out;
	const char	*d;
	char		*error = NULL;
	int		 status;

	if ((body = request_object(req)) == NULL)
		return;
	decision = json_object_get(body, "decision");
	d = json_string_value(decision);
	if (d == NULL || (strcmp(d, "allow") != 0 && strcmp(d, "deny") != 0)) {
		reply_error(req, 400, "Field 'decision' must be allow or deny");
		return;
	}
	remember = json_object_get(body, "remember");
	if (remember != NULL && !json_is_boolean(remember) &&
	    !json_is_null(remember)) {
		reply_error(req, 400, "Field 'remember' must be a boolean");
		return;
	}
	if (permission_pending_answer(request_param(req, "id"),
	    strcmp(d, "allow") == 0, json_is_true(remember), &out, &status,
	    &error) != 0) {
		reply_error(req, status, "%s", error);
		free(error);
		return;
	}
	reply_json(req, 200, out);
}

const struct route routes_audit[] = {
	{ "GET",  "/policy-decisions", get_policy_decisions, 0 },
	{ "GET",  "/policy-decisions/verify", get_policy_decisions_verify, 0 },
	{ "GET",  "/policy-decisions/pending", get_pending, 0 },
	{ "POST", "/policy-decisions/pending/:id", post_pending, ROUTE_JSON },
	{ NULL, NULL, NULL, 0 },
};
