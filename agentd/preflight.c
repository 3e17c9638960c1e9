/*
 * Codex input preflight with coalesced auditing; see preflight.h.
 */
#include "preflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <sodium.h>

#include "audit.h"
#include "daemon.h"
#include "db.h"
#include "events.h"
#include "httpd.h"
#include "log.h"
#include "policy-rules.h"
#include "policy-store.h"
#include "provider.h"
#include "session.h"
#include "stream.h"
#include "util.h"
#include "xmalloc.h"

#define FALLBACK_REASON "No matching policy rule found (default ask fallback " \
	"for no-hook provider)"
#define ASK_REASON "Policy returned ask, but this provider does not support " \
	"interactive policy approvals"
#define DENY_REASON "Input blocked by policy"

/* The decisions of one session not yet written, all with one outcome. */
struct batch {
	char				*session_id;
	char				*provider;
	bool				 keys;		/* terminal_keys */
	char				*policy_action;
	char				*effective_action;
	char				*policy_id;
	char				*rule_id;
	char				*reason;
	bool				 newline;	/* of the last input */
	int64_t				 count;
	int64_t				 amount;	/* bytes or keys */
	int64_t				 first_ms;
	crypto_hash_sha256_state	 hash;
	struct event			*timer;
	LIST_ENTRY(batch)		 entry;
};

static LIST_HEAD(, batch) batches = LIST_HEAD_INITIALIZER(batches);

static void	session_ended(struct session *);

static const struct session_listener listener = {
	.ended = session_ended,
};

static bool
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Write a batch as one event and one audit row, and free it. */
static void
batch_flush(struct batch *b)
{
	struct audit_entry	 a;
	unsigned char		 digest[crypto_hash_sha256_BYTES];
	char			 hex[crypto_hash_sha256_BYTES * 2 + 1];
	json_t			*payload, *args;
	int64_t			 event_id;

	LIST_REMOVE(b, entry);
	crypto_hash_sha256_final(&b->hash, digest);
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	payload = json_pack("{s:s,s:s,s:s,s:s,s:I}", "provider", b->provider,
	    "tool", b->keys ? "terminal_keys" : "terminal_input",
	    "policyAction", b->policy_action, "effectiveAction",
	    b->effective_action, "count", (json_int_t)b->count);
	if (b->policy_id != NULL)
		json_object_set_new(payload, "policyId",
		    json_string(b->policy_id));
	if (b->rule_id != NULL)
		json_object_set_new(payload, "ruleId", json_string(b->rule_id));
	if (b->reason != NULL)
		json_object_set_new(payload, "reason", json_string(b->reason));
	if (b->keys) {
		args = json_pack("{s:s,s:I,s:s}", "provider", b->provider,
		    "keysCount", (json_int_t)b->amount, "keysHash", hex);
		json_object_set_new(payload, "keysCount",
		    json_integer(b->amount));
		json_object_set_new(payload, "keysHash", json_string(hex));
	} else {
		args = json_pack("{s:s,s:b,s:I,s:s}", "provider", b->provider,
		    "newline", b->newline, "inputBytes", (json_int_t)b->amount,
		    "inputHash", hex);
		json_object_set_new(payload, "newline", json_boolean(b->newline));
		json_object_set_new(payload, "inputBytes",
		    json_integer(b->amount));
		json_object_set_new(payload, "inputHash", json_string(hex));
	}
	if (b->count > 1)
		json_object_set_new(args, "count", json_integer(b->count));

	db_begin();
	event_id = event_record(b->session_id, "pty", "InputPolicyDecision",
	    payload);
	memset(&a, 0, sizeof a);
	a.session_id = b->session_id;
	a.event_id = event_id;
	a.policy_id = b->policy_id;
	a.rule_id = b->rule_id;
	a.tool_name = b->keys ? "terminal_keys" : "terminal_input";
	a.args = args;
	a.decision = b->policy_action;
	a.reason = b->reason;
	a.timestamp = b->first_ms;
	audit_record(&a);
	db_commit();

	json_decref(payload);
	json_decref(args);
	if (b->timer != NULL)
		event_free(b->timer);
	free(b->session_id);
	free(b->provider);
	free(b->policy_action);
	free(b->effective_action);
	free(b->policy_id);
	free(b->rule_id);
	free(b->reason);
	free(b);
}

static void
batch_quiet(evutil_socket_t fd, short what, void *arg)
{
	batch_flush(arg);
}

static struct batch *
batch_find(const char *session_id)
{
	struct batch	*b;

	LIST_FOREACH(b, &batches, entry) {
		if (strcmp(b->session_id, session_id) == 0)
			return b;
	}
	return NULL;
}

static void
record(const char *session_id, const char *provider, bool keys,
    const struct policy_result *res, const char *effective,
    const char *reason, const void *data, size_t len, int64_t amount,
    bool newline)
{
	struct timeval	 quiet = { PREFLIGHT_QUIET_MS / 1000,
	    (PREFLIGHT_QUIET_MS % 1000) * 1000 };
	struct batch	*b = batch_find(session_id);
	int64_t		 now = now_ms();

	if (b != NULL && (b->keys != keys ||
	    !same(b->policy_action, res->action) ||
	    !same(b->effective_action, effective) ||
	    !same(b->policy_id, res->policy_id) ||
	    !same(b->rule_id, res->rule_id) ||
	    now - b->first_ms > PREFLIGHT_SPAN_MS)) {
		batch_flush(b);
		b = NULL;
	}
	if (b == NULL) {
		b = xcalloc(1, sizeof *b);
		b->session_id = xstrdup(session_id);
		b->provider = xstrdup(provider);
		b->keys = keys;
		b->policy_action = xstrdup(res->action != NULL ? res->action :
		    "ask");
		b->effective_action = xstrdup(effective);
		b->policy_id = res->policy_id ? xstrdup(res->policy_id) : NULL;
		b->rule_id = res->rule_id ? xstrdup(res->rule_id) : NULL;
		b->reason = reason != NULL ? xstrdup(reason) : NULL;
		b->first_ms = now;
		crypto_hash_sha256_init(&b->hash);
		b->timer = evtimer_new(daemon_base, batch_quiet, b);
		LIST_INSERT_HEAD(&batches, b, entry);
	}
	crypto_hash_sha256_update(&b->hash, data, len);
	b->count++;
	b->amount += amount;
	b->newline = newline;
	/* A denial is worth a row of its own, now. */
	if (strcmp(effective, "deny") == 0)
		batch_flush(b);
	else
		evtimer_add(b->timer, &quiet);
}

static void
decide(const char *session_id, bool keys, json_t *args, const void *data,
    size_t len, int64_t amount, bool newline, struct preflight_verdict *out)
{
	struct policy_request	 preq;
	struct policy_result	 res;
	struct session		*s = session_find(session_id);
	const struct provider	*p;
	json_t			*row = NULL, *meta;
	const char		*cwd, *effective, *reason;

	memset(out, 0, sizeof *out);
	out->allowed = true;
	if (s != NULL) {
		p = s->provider;
		meta = s->metadata;
		cwd = s->cwd;
	} else {
		if ((row = session_db_json(session_id)) == NULL)
			return;
		p = provider_find(json_string_value(json_object_get(row,
		    "provider")));
		meta = json_object_get(row, "metadata");
		cwd = json_string_value(json_object_get(row, "cwd"));
	}
	if (p == NULL || p->policy_channel == NULL ||
	    strcmp(p->policy_channel, "input-preflight") != 0 ||
	    json_is_true(json_object_get(json_object_get(meta, "security"),
	    "dangerousMode")))
		goto out;

	json_object_set_new(args, "provider", json_string(p->id));
	memset(&preq, 0, sizeof preq);
	preq.channel = keys ? POLICY_CHANNEL_KEYS : POLICY_CHANNEL_INPUT;
	preq.tool = keys ? "terminal_keys" : "terminal_input";
	preq.args = args;
	preq.session_id = session_id;
	preq.cwd = cwd != NULL ? cwd : "/";
	preq.default_action = policy_default_action();
	policy_evaluate(policy_compiled_for(session_id), &preq, &res);

	reason = res.reason;
	if (res.decision == POLICY_ACTION_ALLOW)
		effective = "allow";
	else if (res.decision == POLICY_ACTION_ASK && res.is_default) {
		effective = "allow";
		reason = FALLBACK_REASON;
	} else
		effective = "deny";
	out->provider = p->id;
	if (strcmp(effective, "deny") == 0) {
		out->allowed = false;
		if (res.decision == POLICY_ACTION_DENY) {
			out->status = 403;
			out->policy_action = "deny";
			out->error = xstrdup(reason != NULL && *reason != '\0' ?
			    reason : DENY_REASON);
		} else {
			out->status = 409;
			out->policy_action = "ask";
			out->error = xstrdup(reason != NULL && *reason != '\0' ?
			    reason : ASK_REASON);
		}
	}
	record(session_id, p->id, keys, &res, effective, reason, data, len,
	    amount, newline);
out:
	if (row != NULL)
		json_decref(row);
}

void
preflight_text(const char *session_id, const char *text, size_t len,
    bool newline, struct preflight_verdict *out)
{
	json_t	*args;

	args = json_pack("{s:s%,s:b}", "input", text, len, "newline", newline);
	if (args == NULL)	/* not UTF-8: the send route rejects it anyway */
		args = json_pack("{s:s,s:b}", "input", "", "newline", newline);
	decide(session_id, false, args, text, len, (int64_t)len, newline, out);
	json_decref(args);
}

void
preflight_keys(const char *session_id, json_t *keys,
    struct preflight_verdict *out)
{
	json_t	*args;
	char	*text;

	args = json_pack("{s:O}", "keys", keys);
	text = json_dumps(keys, JSON_COMPACT | JSON_ENCODE_ANY);
	decide(session_id, true, args, text, strlen(text),
	    (int64_t)json_array_size(keys), false, out);
	free(text);
	json_decref(args);
}

json_t *
preflight_error_json(const struct preflight_verdict *v)
{
	return json_pack("{s:s,s:s,s:s}", "error", v->error != NULL ? v->error :
	    DENY_REASON, "policyAction", v->policy_action != NULL ?
	    v->policy_action : "deny", "provider", v->provider != NULL ?
	    v->provider : "codex");
}

void
preflight_clear(struct preflight_verdict *v)
{
	free(v->error);
	v->error = NULL;
}

static bool
refuse(struct request *req, struct preflight_verdict *v)
{
	bool	refused = !v->allowed;

	if (refused)
		reply_json(req, v->status, preflight_error_json(v));
	preflight_clear(v);
	return refused;
}

bool
preflight_refuse_text(struct request *req, const char *session_id,
    const char *text, size_t len, bool newline)
{
	struct preflight_verdict	v;

	preflight_text(session_id, text, len, newline, &v);
	return refuse(req, &v);
}

bool
preflight_refuse_keys(struct request *req, const char *session_id,
    json_t *keys)
{
	struct preflight_verdict	v;

	preflight_keys(session_id, keys, &v);
	return refuse(req, &v);
}

static void
session_ended(struct session *s)
{
	struct batch	*b;

	if ((b = batch_find(s->id)) != NULL)
		batch_flush(b);
}

/* The WebSocket terminal's pty_input / pty_paste (stream.h). */
static int
stream_check(struct session *s, const char *text, size_t len, json_t **reply)
{
	struct preflight_verdict	v;
	bool				newline;

	newline = memchr(text, '\r', len) != NULL ||
	    memchr(text, '\n', len) != NULL;
	preflight_text(s->id, text, len, newline, &v);
	if (v.allowed) {
		preflight_clear(&v);
		return 0;
	}
	*reply = preflight_error_json(&v);
	json_object_set_new(*reply, "code", json_string("policy_blocked"));
	json_object_set_new(*reply, "status", json_integer(v.status));
	preflight_clear(&v);
	return -1;
}

void
preflight_init(void)
{
	LIST_INIT(&batches);
	session_add_listener(&listener);
	stream_set_input_check(stream_check);
}

void
preflight_shutdown(void)
{
	while (!LIST_EMPTY(&batches))
		batch_flush(LIST_FIRST(&batches));
}
