/*
 * PermissionRequest decisions and pending asks; see permission.h.
 */
#include "permission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "audit.h"
#include "broadcast.h"
#include "daemon.h"
#include "db.h"
#include "events.h"
#include "httpd.h"
#include "log.h"
#include "policy-rules.h"
#include "policy-store.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

#define DANGEROUS_REASON "Dangerous mode bypassed CodePiper policy checks"
/* How often a held hook is checked for a client that hung up. */
#define GONE_CHECK_MS	1000

struct pending {
	char			 id[UUID_LEN];
	char			*session_id;
	char			*tool;
	json_t			*tool_input;
	json_t			*args;		/* what the policies saw */
	char			*command;	/* what to show; NULL if none */
	int64_t			 created_at;
	struct request		*req;
	struct event		*timer;
	TAILQ_ENTRY(pending)	 entry;
};
TAILQ_HEAD(pending_list, pending);

static struct pending_list pendings = TAILQ_HEAD_INITIALIZER(pendings);
static struct event *gone_timer;
static int ask_timeout_ms = PERMISSION_ASK_TIMEOUT_MS;

/*
 * A decision's event and audit row. Allow and deny are answered first and
 * written right after, in the next turn of the loop (one transaction for
 * whatever queued up), so that an SQLite checkpoint never sits between a
 * hook and its answer; asks and people's answers are written at once. The
 * queue keeps the order, and is written out at shutdown.
 */
struct record {
	char			*session_id;
	char			*type;
	json_t			*payload;
	bool			 audit;
	char			*policy_id;
	char			*rule_id;
	char			*tool;
	char			*decision;
	char			*reason;
	json_t			*args;
	int64_t			 timestamp;
	TAILQ_ENTRY(record)	 entry;
};
static TAILQ_HEAD(, record) records = TAILQ_HEAD_INITIALIZER(records);
static struct event *records_event;

static char *
copy(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
records_flush(evutil_socket_t fd, short what, void *arg)
{
	struct audit_entry	 a;
	struct record		*r;
	int64_t			 t0 = monotonic_us(), event_id;
	int			 n = 0;

	if (TAILQ_EMPTY(&records))
		return;
	db_begin();
	while ((r = TAILQ_FIRST(&records)) != NULL) {
		TAILQ_REMOVE(&records, r, entry);
		event_id = event_record(r->session_id, "hook", r->type,
		    r->payload);
		if (r->audit) {
			memset(&a, 0, sizeof a);
			a.session_id = r->session_id;
			a.event_id = event_id;
			a.policy_id = r->policy_id;
			a.rule_id = r->rule_id;
			a.tool_name = r->tool;
			a.args = r->args;
			a.decision = r->decision;
			a.reason = r->reason;
			a.timestamp = r->timestamp;
			audit_record(&a);
		}
		free(r->session_id);
		free(r->type);
		json_decref(r->payload);
		free(r->policy_id);
		free(r->rule_id);
		free(r->tool);
		free(r->decision);
		free(r->reason);
		if (r->args != NULL)
			json_decref(r->args);
		free(r);
		n++;
	}
	db_commit();
	log_debug("hook records: %d written in %lld us", n,
	    (long long)(monotonic_us() - t0));
}

void
permission_flush(void)
{
	records_flush(-1, 0, NULL);
}

/*
 * Queue an event (payload stolen) and, with a, its audit row; now: write
 * everything queued at once (the caller needs it in the database).
 */
static void
record(const char *session_id, const char *type, json_t *payload,
    const struct audit_entry *a, bool now)
{
	struct timeval	 zero = { 0, 0 };
	struct record	*r = xcalloc(1, sizeof *r);

	r->session_id = xstrdup(session_id);
	r->type = xstrdup(type);
	r->payload = payload;
	if (a != NULL) {
		r->audit = true;
		r->policy_id = copy(a->policy_id);
		r->rule_id = copy(a->rule_id);
		r->tool = copy(a->tool_name);
		r->decision = copy(a->decision);
		r->reason = copy(a->reason);
		r->args = a->args != NULL ? json_incref(a->args) : NULL;
		r->timestamp = now_ms();
	}
	TAILQ_INSERT_TAIL(&records, r, entry);
	if (now || daemon_base == NULL) {
		records_flush(-1, 0, NULL);
		return;
	}
	if (records_event == NULL)
		records_event = evtimer_new(daemon_base, records_flush, NULL);
	if (!evtimer_pending(records_event, NULL))
		evtimer_add(records_event, &zero);
}

void
permission_init(void)
{
	const char	*env = getenv("CODEPIPER_ASK_TIMEOUT_MS"), *errstr;
	int64_t		 ms;

	TAILQ_INIT(&pendings);
	if (env != NULL && parse_int64(env, 100, 55000, &ms, &errstr) == 0)
		ask_timeout_ms = (int)ms;
}

/* ---- replies --------------------------------------------------------- */

static void
reply_decision(struct request *req, const char *decision, const char *message)
{
	bool	 allow = strcmp(decision, "allow") == 0;
	json_t	*o;

	o = json_pack("{s:s,s:b}", "decision", decision, "allow", allow);
	if (message != NULL && *message != '\0') {
		json_object_set_new(o, "message", json_string(message));
		if (strcmp(decision, "deny") == 0)
			json_object_set_new(o, "denialMessage",
			    json_string(message));
	}
	reply_json(req, 200, o);
}

/* Publish msg on "notifications" and on the session's event topic. */
static void
publish_both(const char *session_id, const char *type, json_t *data)
{
	char	*topic = xprintf("session:%s:events", session_id);

	broadcast_publish("notifications", json_pack("{s:s,s:s,s:O}", "topic",
	    "notifications", "type", type, "data", data));
	broadcast_publish(topic, json_pack("{s:s,s:s,s:O}", "topic", topic,
	    "type", type, "data", data));
	free(topic);
	json_decref(data);
}

/* ---- pending asks ---------------------------------------------------- */

static json_t *
pending_json(const struct pending *p)
{
	char	 stamp[ISO_TIME_LEN];
	json_t	*o;

	o = json_pack("{s:s,s:s,s:s,s:O,s:s}", "id", p->id, "sessionId",
	    p->session_id, "toolName", p->tool, "toolInput", p->tool_input,
	    "createdAt", iso_time(p->created_at, stamp));
	if (p->command != NULL)
		json_object_set_new(o, "command", json_string(p->command));
	return o;
}

static bool
session_has_pending(const char *session_id)
{
	struct pending	*p;

	TAILQ_FOREACH(p, &pendings, entry) {
		if (strcmp(p->session_id, session_id) == 0)
			return true;
	}
	return false;
}

static void
pending_free(struct pending *p)
{
	if (p->timer != NULL)
		event_free(p->timer);
	free(p->session_id);
	free(p->tool);
	json_decref(p->tool_input);
	json_decref(p->args);
	free(p->command);
	free(p);
}

/*
 * End a pending ask: answer the held hook (decision allow, deny or ask),
 * tell the dashboards, and put the session back to RUNNING when nothing is
 * waiting any more (an ask left to the agent's own dialog keeps
 * NEEDS_PERMISSION: the dialog is what the user sees now).
 */
static void
pending_finish(struct pending *p, const char *decision, const char *message,
    const char *resolution)
{
	struct session	*s;

	TAILQ_REMOVE(&pendings, p, entry);
	if (p->req != NULL) {
		reply_decision(p->req, decision, message);
		p->req = NULL;
	}
	publish_both(p->session_id, "policy_resolved", json_pack(
	    "{s:s,s:s,s:s,s:s}", "id", p->id, "sessionId", p->session_id,
	    "decision", decision, "resolution", resolution));
	s = session_find(p->session_id);
	if (s != NULL && !s->closing && strcmp(decision, "ask") != 0 &&
	    !session_has_pending(p->session_id) &&
	    s->status == STATUS_NEEDS_PERMISSION)
		session_set_status(s, STATUS_RUNNING);
	log_info("session %s: pending ask %s resolved (%s: %s)", p->session_id,
	    p->id, resolution, decision);
	pending_free(p);
}

static void
pending_timeout(evutil_socket_t fd, short what, void *arg)
{
	char	*message;

	message = xprintf("No answer within %d s; Claude Code's own prompt "
	    "takes over", ask_timeout_ms / 1000);
	pending_finish(arg, "ask", message, "timeout");
	free(message);
}

static void
check_gone(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 tv = { GONE_CHECK_MS / 1000,
	    (GONE_CHECK_MS % 1000) * 1000 };
	struct pending	*p, *next;

	TAILQ_FOREACH_SAFE(p, &pendings, entry, next) {
		if (p->req != NULL && request_is_gone(p->req))
			pending_finish(p, "ask", NULL, "hook gone");
	}
	if (!TAILQ_EMPTY(&pendings))
		evtimer_add(gone_timer, &tv);
}

/* A short description of what the tool acts on, for people to read. */
static const char *
input_summary(json_t *input, const char **key)
{
	static const char *const keys[] = {
		"command", "file_path", "notebook_path", "path", "url",
		"pattern", NULL,
	};
	const char	*v;
	size_t		 i;

	for (i = 0; keys[i] != NULL; i++) {
		v = json_string_value(json_object_get(input, keys[i]));
		if (v != NULL && *v != '\0') {
			if (key != NULL)
				*key = keys[i];
			return v;
		}
	}
	return NULL;
}

static struct pending *
pending_start(struct request *req, const char *session_id, const char *tool,
    json_t *tool_input, json_t *args)
{
	struct timeval	 tv = { ask_timeout_ms / 1000,
	    (ask_timeout_ms % 1000) * 1000 };
	struct timeval	 check = { GONE_CHECK_MS / 1000,
	    (GONE_CHECK_MS % 1000) * 1000 };
	struct pending	*p = xcalloc(1, sizeof *p);
	const char	*summary = input_summary(tool_input, NULL);

	uuid_v4(p->id);
	p->session_id = xstrdup(session_id);
	p->tool = xstrdup(tool);
	p->tool_input = json_is_object(tool_input) ? json_incref(tool_input) :
	    json_object();
	p->args = json_incref(args);
	p->command = summary != NULL ? xstrdup(summary) : NULL;
	p->created_at = now_ms();
	p->req = req;
	p->timer = evtimer_new(daemon_base, pending_timeout, p);
	evtimer_add(p->timer, &tv);
	TAILQ_INSERT_TAIL(&pendings, p, entry);
	if (gone_timer == NULL)
		gone_timer = evtimer_new(daemon_base, check_gone, NULL);
	if (!evtimer_pending(gone_timer, NULL))
		evtimer_add(gone_timer, &check);
	publish_both(session_id, "policy_pending", pending_json(p));
	log_info("session %s: %s waits for an answer (pending %s)", session_id,
	    tool, p->id);
	return p;
}

json_t *
permission_pending_list(const char *session_id)
{
	struct pending	*p;
	json_t		*list = json_array();

	TAILQ_FOREACH(p, &pendings, entry) {
		if (session_id == NULL || strcmp(session_id, p->session_id) == 0)
			json_array_append_new(list, pending_json(p));
	}
	return json_pack("{s:o}", "pending", list);
}

int
permission_pending_answer(const char *id, bool allow, bool remember,
    json_t **out, int *status, char **error)
{
	struct audit_entry	 a;
	struct pending		*p;
	const char		*decision = allow ? "allow" : "deny", *key = NULL;
	const char		*value, *reason;
	char			*policy_id = NULL;
	json_t			*payload;

	TAILQ_FOREACH(p, &pendings, entry) {
		if (strcmp(p->id, id) == 0)
			break;
	}
	if (p == NULL) {
		*status = 404;
		xasprintf(error, "Pending decision not found: %s", id);
		return -1;
	}
	if (p->req != NULL && request_is_gone(p->req)) {
		pending_finish(p, "ask", NULL, "hook gone");
		*status = 409;
		*error = xstrdup("The agent is no longer waiting for this decision");
		return -1;
	}
	if (allow && remember) {
		value = input_summary(p->tool_input, &key);
		if (policy_remember(p->session_id, p->tool, key, value,
		    &policy_id) != 0) {
			*status = 500;
			*error = xstrdup("Saving the rule failed");
			return -1;
		}
	}
	reason = allow ? "Allowed by the user" : "Denied by the user";
	payload = json_pack("{s:s,s:O,s:s,s:s,s:b,s:s}", "tool_name", p->tool,
	    "tool_input", p->tool_input, "decision", decision, "source", "user",
	    "remember", allow && remember, "pendingId", p->id);
	if (policy_id != NULL)
		json_object_set_new(payload, "policyId", json_string(policy_id));
	memset(&a, 0, sizeof a);
	a.policy_id = policy_id;
	a.tool_name = p->tool;
	a.args = p->args;
	a.decision = decision;
	a.reason = reason;
	record(p->session_id, "PermissionDecision", payload, &a, true);

	*out = json_pack("{s:b,s:s}", "success", 1, "decision", decision);
	if (policy_id != NULL)
		json_object_set_new(*out, "policyId", json_string(policy_id));
	pending_finish(p, decision, allow ? NULL : reason, "api");
	free(policy_id);
	return 0;
}

void
permission_settle(const char *session_id, const char *why)
{
	struct pending	*p, *next;
	char		*message;

	TAILQ_FOREACH_SAFE(p, &pendings, entry, next) {
		if (strcmp(p->session_id, session_id) != 0)
			continue;
		message = xprintf("Answered in the agent's own prompt (%s)", why);
		pending_finish(p, "ask", message, "agent");
		free(message);
	}
}

void
permission_session_ended(const char *session_id)
{
	struct pending	*p, *next;

	TAILQ_FOREACH_SAFE(p, &pendings, entry, next) {
		if (strcmp(p->session_id, session_id) == 0)
			pending_finish(p, "ask", "The session ended", "ended");
	}
}

void
permission_shutdown(void)
{
	struct pending	*p;

	while ((p = TAILQ_FIRST(&pendings)) != NULL)
		pending_finish(p, "ask", "agentd is stopping", "shutdown");
	if (gone_timer != NULL)
		event_free(gone_timer);
	gone_timer = NULL;
	records_flush(-1, 0, NULL);
	if (records_event != NULL)
		event_free(records_event);
	records_event = NULL;
}

/* ---- the decision ---------------------------------------------------- */

/* §4 "Improvement": the request as the policies see it. */
static const char *
request_tool(json_t *data)
{
	const char	*tool;
	json_t		*perms;

	perms = json_object_get(data, "requestedPermissions");
	tool = json_string_value(json_object_get(json_array_get(perms, 0),
	    "operation"));
	if (tool == NULL)
		tool = json_string_value(json_object_get(data, "tool_name"));
	return tool != NULL && *tool != '\0' ? tool : "unknown";
}

static json_t *
request_args(json_t *data)
{
	json_t	*input = json_object_get(data, "tool_input"), *args, *legacy;

	args = json_is_object(input) ? json_deep_copy(input) : json_object();
	if ((legacy = json_object_get(data, "input")) != NULL)
		json_object_set(args, "input", legacy);
	return args;
}

/* The session's cwd, metadata and provider: live, else its row (*row). */
static void
session_facts(const char *session_id, json_t **row, const char **cwd,
    json_t **meta, const char **provider)
{
	struct session	*s = session_find(session_id);

	*row = NULL;
	if (s != NULL) {
		*meta = s->metadata;
		*cwd = s->cwd;
		*provider = s->provider->id;
		return;
	}
	*row = session_db_json(session_id);
	*meta = json_object_get(*row, "metadata");
	*cwd = json_string_value(json_object_get(*row, "cwd"));
	*provider = json_string_value(json_object_get(*row, "provider"));
}

static bool
dangerous_mode(json_t *meta)
{
	return json_is_true(json_object_get(json_object_get(meta, "security"),
	    "dangerousMode"));
}

json_t *
permission_pretool(const char *session_id, json_t *data)
{
	struct policy_request	 preq;
	struct policy_result	 res;
	struct audit_entry	 a;
	json_t			*row, *meta, *args, *payload, *reply;
	const char		*cwd, *provider, *tool, *reason;
	bool			 deny = false;

	session_facts(session_id, &row, &cwd, &meta, &provider);
	tool = request_tool(data);
	args = request_args(data);
	memset(&res, 0, sizeof res);
	if (!dangerous_mode(meta)) {
		memset(&preq, 0, sizeof preq);
		preq.channel = POLICY_CHANNEL_HOOK;
		preq.tool = tool;
		preq.args = args;
		preq.session_id = session_id;
		preq.cwd = cwd != NULL ? cwd : "/";
		preq.default_action = policy_default_action();
		policy_evaluate(policy_compiled_for(session_id), &preq, &res);
		deny = res.decision == POLICY_ACTION_DENY && !res.is_default;
	}
	reply = json_pack("{s:b}", "success", 1);
	if (!deny) {
		record(session_id, "PreToolUse", json_incref(data), NULL, false);
		goto out;
	}
	reason = res.reason != NULL ? res.reason : "Denied by CodePiper policy";
	payload = json_deep_copy(data);
	json_object_set_new(payload, "decision", json_string("deny"));
	json_object_set_new(payload, "policyAction", json_string("deny"));
	if (res.policy_id != NULL)
		json_object_set_new(payload, "policyId",
		    json_string(res.policy_id));
	if (res.rule_id != NULL)
		json_object_set_new(payload, "ruleId", json_string(res.rule_id));
	memset(&a, 0, sizeof a);
	a.policy_id = res.policy_id;
	a.rule_id = res.rule_id;
	a.tool_name = tool;
	a.args = args;
	a.decision = "deny";
	a.reason = reason;
	record(session_id, "PreToolUse", payload, &a, false);
	json_object_set_new(reply, "permissionDecision", json_string("deny"));
	json_object_set_new(reply, "permissionDecisionReason",
	    json_string(reason));
out:
	json_decref(args);
	if (row != NULL)
		json_decref(row);
	return reply;
}

void
permission_request(struct request *req, const char *session_id, json_t *data)
{
	struct policy_request	 preq;
	struct policy_result	 res;
	struct audit_entry	 a;
	struct session		*s = session_find(session_id);
	json_t			*row, *meta, *payload, *args, *audit_args;
	const char		*tool, *cwd, *action, *provider;
	bool			 dangerous;

	session_facts(session_id, &row, &cwd, &meta, &provider);
	dangerous = dangerous_mode(meta);
	tool = request_tool(data);
	args = request_args(data);

	memset(&res, 0, sizeof res);
	if (dangerous) {
		res.decision = POLICY_ACTION_ALLOW;
		res.action = "allow";
		res.reason = DANGEROUS_REASON;
	} else {
		memset(&preq, 0, sizeof preq);
		preq.channel = POLICY_CHANNEL_HOOK;
		preq.tool = tool;
		preq.args = args;
		preq.session_id = session_id;
		preq.cwd = cwd != NULL ? cwd : "/";
		preq.default_action = policy_default_action();
		policy_evaluate(policy_compiled_for(session_id), &preq, &res);
	}
	action = res.action != NULL ? res.action : "ask";

	payload = json_deep_copy(data);
	json_object_set_new(payload, "decision", json_string(action));
	json_object_set_new(payload, "policyAction", json_string(action));
	if (dangerous)
		json_object_set_new(payload, "dangerousMode", json_true());
	if (res.policy_id != NULL)
		json_object_set_new(payload, "policyId",
		    json_string(res.policy_id));
	if (res.rule_id != NULL)
		json_object_set_new(payload, "ruleId", json_string(res.rule_id));

	memset(&a, 0, sizeof a);
	a.policy_id = res.policy_id;
	a.rule_id = res.rule_id;
	audit_args = dangerous ? json_pack("{s:s}", "provider",
	    provider != NULL ? provider : "claude-code") : json_incref(args);
	a.tool_name = dangerous ? "dangerous_mode_bypass" : tool;
	a.args = audit_args;
	a.decision = action;
	a.reason = res.reason;
	/* An ask is on the record before anyone can be asked. */
	record(session_id, "PermissionRequest", payload, &a,
	    res.decision == POLICY_ACTION_ASK);
	json_decref(audit_args);

	if (res.decision == POLICY_ACTION_ASK) {
		if (s != NULL && !s->closing)
			session_set_status(s, STATUS_NEEDS_PERMISSION);
		pending_start(req, session_id, tool, json_object_get(data,
		    "tool_input"), args);
	} else {
		if (s != NULL && !s->closing &&
		    s->status == STATUS_NEEDS_PERMISSION &&
		    !session_has_pending(session_id))
			session_set_status(s, STATUS_RUNNING);
		reply_decision(req, action, res.reason);
	}
	json_decref(args);
	if (row != NULL)
		json_decref(row);
}
