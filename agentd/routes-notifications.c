/*
 * The notification routes (settings-workspaces-envsets.md §8,
 * hooks-and-policies.md §12): the inbox, read marks, per-session
 * preferences and Web Push status and subscriptions. Push messages are
 * never sent (no sender yet): push/test reports them skipped.
 *
 * The routes with an optional body take an empty one as {} (the spec's
 * improvement; the reference answered 400 invalid JSON).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notifications.h"
#include "routes.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

/* The body as an object, {} when there is none; NULL after a 400 reply.
 * The caller decrefs. */
static json_t *
optional_body(struct request *req)
{
	json_t	*body;

	if (req->body == NULL || req->body_len == 0)
		return json_object();
	body = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, NULL);
	if (body == NULL) {
		reply_error(req, 400, "Invalid JSON in request body");
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		reply_error(req, 400, "Request body must be a JSON object");
		return NULL;
	}
	return body;
}

/* Length as the reference counts it (JavaScript: UTF-16 code units). */
static size_t
utf16_length(const char *s)
{
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		n += *p >= 0xf0 ? 2 : 1;
	}
	return n;
}

static bool
session_known(const char *id)
{
	json_t	*row;

	if (session_find(id) != NULL)
		return true;
	if ((row = session_db_json(id)) == NULL)
		return false;
	json_decref(row);
	return true;
}

/* The body's readSource, or fallback when it is absent or null; NULL after
 * a 400 reply. Borrowed from body. */
static const char *
read_source(struct request *req, json_t *body, const char *fallback)
{
	json_t		*v = json_object_get(body, "readSource");
	const char	*s;

	if (v == NULL || json_is_null(v))
		return fallback;
	if (!json_is_string(v) || *(s = json_string_value(v)) == '\0') {
		reply_error(req, 400, "readSource must be a non-empty string");
		return NULL;
	}
	if (utf16_length(s) > 64) {
		reply_error(req, 400, "readSource must be <= 64 characters");
		return NULL;
	}
	return s;
}

static int
positive_query(struct request *req, const char *name, int64_t *out)
{
	char		*v = request_query(req, name);
	const char	*errstr;
	int		 rc = 0;

	*out = 0;
	if (v == NULL)
		return 0;
	if (parse_int64(v, 1, INT64_MAX, out, &errstr) != 0) {
		reply_error(req, 400, "%s must be a positive integer", name);
		rc = -1;
	}
	free(v);
	return rc;
}

static void
list_notifications(struct request *req)
{
	struct notification_filter	 f = { 0 };
	char				*session_id, *event_type, *unread;
	json_t				*list;

	session_id = request_query(req, "sessionId");
	event_type = request_query(req, "eventType");
	unread = request_query(req, "unreadOnly");
	if (unread != NULL && strcmp(unread, "true") != 0 &&
	    strcmp(unread, "false") != 0) {
		reply_error(req, 400, "unreadOnly must be \"true\" or \"false\"");
		goto out;
	}
	f.unread_only = unread != NULL && strcmp(unread, "true") == 0;
	if (positive_query(req, "before", &f.before) != 0 ||
	    positive_query(req, "limit", &f.limit) != 0)
		goto out;
	if (f.limit > 200) {
		reply_error(req, 400, "limit must be <= 200");
		goto out;
	}
	if (session_id != NULL && *session_id != '\0') {
		if (!session_known(session_id)) {
			reply_error(req, 404, "Session not found: %s",
			    session_id);
			goto out;
		}
		f.session_id = session_id;
	}
	if (event_type != NULL && *event_type != '\0')
		f.event_type = event_type;
	if ((list = notification_list(&f)) == NULL)
		reply_error(req, 500, "Failed to list notifications");
	else
		reply_json(req, 200, json_pack("{s:o}", "notifications", list));
out:
	free(session_id);
	free(event_type);
	free(unread);
}

static void
get_counts(struct request *req)
{
	reply_json(req, 200, json_pack("{s:o}", "counts",
	    notification_counts()));
}

static void
mark_read(struct request *req)
{
	const char	*errstr, *source;
	json_t		*body;
	int64_t		 id;
	int		 changed;

	if (parse_int64(request_param(req, "id"), 1, INT64_MAX, &id,
	    &errstr) != 0) {
		reply_error(req, 400, "notificationId must be a positive integer");
		return;
	}
	if ((body = optional_body(req)) == NULL)
		return;
	if ((source = read_source(req, body, "click")) != NULL) {
		if ((changed = notification_mark_read(id, source)) < 0)
			reply_error(req, 500, "Failed to mark notification read");
		else
			reply_json(req, 200, json_pack("{s:b,s:b}", "success",
			    1, "changed", changed));
	}
	json_decref(body);
}

static void
mark_all_read(struct request *req)
{
	const char	*source, *session_id = NULL;
	json_t		*body, *v;
	int64_t		 updated;

	if ((body = optional_body(req)) == NULL)
		return;
	v = json_object_get(body, "sessionId");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || *json_string_value(v) == '\0') {
			reply_error(req, 400,
			    "sessionId must be a non-empty string");
			goto out;
		}
		session_id = json_string_value(v);
	}
	if ((source = read_source(req, body, "bulk")) == NULL)
		goto out;
	if (session_id != NULL && !session_known(session_id)) {
		reply_error(req, 404, "Session not found: %s", session_id);
		goto out;
	}
	if ((updated = notification_mark_all_read(session_id, source)) < 0)
		reply_error(req, 500, "Failed to mark notifications read");
	else
		reply_json(req, 200, json_pack("{s:b,s:I}", "success", 1,
		    "updated", (json_int_t)updated));
out:
	json_decref(body);
}

static void
get_prefs(struct request *req)
{
	const char	*id = request_param(req, "id");
	json_t		*prefs;

	if (!session_known(id)) {
		reply_error(req, 404, "Session not found: %s", id);
		return;
	}
	if ((prefs = notification_prefs(id)) == NULL)
		reply_error(req, 500, "Failed to read notification preferences");
	else
		reply_json(req, 200, json_pack("{s:o}", "prefs", prefs));
}

static void
put_prefs(struct request *req)
{
	const char	*id = request_param(req, "id");
	json_t		*body, *v, *prefs;

	if ((body = optional_body(req)) == NULL)
		return;
	v = json_object_get(body, "enabled");
	if (v == NULL)
		reply_error(req, 400, "Missing required field: enabled");
	else if (!json_is_boolean(v) && !json_is_null(v))
		reply_error(req, 400, "enabled must be a boolean or null");
	else if (!session_known(id))
		reply_error(req, 404, "Session not found: %s", id);
	else if ((prefs = notification_prefs_set(id, json_is_null(v) ? -1 :
	    json_is_true(v))) == NULL)
		reply_error(req, 500, "Failed to save notification preferences");
	else
		reply_json(req, 200, json_pack("{s:o}", "prefs", prefs));
	json_decref(body);
}

static void
get_push_status(struct request *req)
{
	reply_json(req, 200, json_pack("{s:o}", "status", push_status()));
}

/* An optional string field of at most max characters; -1 after a 400. */
static int
optional_string(struct request *req, json_t *body, const char *name,
    size_t max)
{
	json_t	*v = json_object_get(body, name);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		reply_error(req, 400, "%s must be a string", name);
		return -1;
	}
	if (utf16_length(json_string_value(v)) > max) {
		reply_error(req, 400, "%s must be <= %zu characters", name, max);
		return -1;
	}
	return 0;
}

static void
push_test(struct request *req)
{
	json_t	*body;

	if ((body = optional_body(req)) == NULL)
		return;
	if (optional_string(req, body, "title", 120) != 0 ||
	    optional_string(req, body, "body", 500) != 0 ||
	    optional_string(req, body, "sessionId", 120) != 0)
		goto out;
	/* Nothing is ever delivered: agentd has no Web Push sender yet. */
	reply_json(req, 200, json_pack("{s:{s:i,s:i,s:i,s:i,s:b,s:s}}",
	    "result", "attempted", 0, "delivered", 0, "expired", 0, "failed", 0,
	    "skipped", 1, "reason", push_configured() &&
	    push_subscription_count() == 0 ? "no_subscriptions" :
	    "not_available"));
out:
	json_decref(body);
}

static void
list_subscriptions(struct request *req)
{
	json_t	*list;

	if ((list = push_subscriptions()) == NULL)
		reply_error(req, 500, "Failed to list push subscriptions");
	else
		reply_json(req, 200, json_pack("{s:o}", "subscriptions", list));
}

static void
put_subscription(struct request *req)
{
	const char	*error, *p256dh, *auth;
	json_t		*body, *keys, *expiration, *saved;

	if ((body = optional_body(req)) == NULL)
		return;
	if ((error = push_endpoint_error(json_string_value(json_object_get(body,
	    "endpoint")))) != NULL) {
		reply_error(req, 400, "%s", error);
		goto out;
	}
	keys = json_object_get(body, "keys");
	if (!json_is_object(keys)) {
		reply_error(req, 400, "keys must be an object");
		goto out;
	}
	p256dh = json_string_value(json_object_get(keys, "p256dh"));
	auth = json_string_value(json_object_get(keys, "auth"));
	if (p256dh == NULL || *p256dh == '\0') {
		reply_error(req, 400, "keys.p256dh must be a non-empty string");
		goto out;
	}
	if (auth == NULL || *auth == '\0') {
		reply_error(req, 400, "keys.auth must be a non-empty string");
		goto out;
	}
	if (utf16_length(p256dh) > 512 || utf16_length(auth) > 512) {
		reply_error(req, 400, "push keys must be at most 512 characters");
		goto out;
	}
	expiration = json_object_get(body, "expirationTime");
	if (expiration != NULL && !json_is_null(expiration) &&
	    !json_is_number(expiration)) {
		reply_error(req, 400, "expirationTime must be a number or null");
		goto out;
	}
	if (json_is_number(expiration) && json_number_value(expiration) < 0) {
		reply_error(req, 400,
		    "expirationTime must be greater than or equal to 0");
		goto out;
	}
	if ((saved = push_subscription_upsert(json_string_value(
	    json_object_get(body, "endpoint")), p256dh, auth, expiration)) == NULL)
		reply_error(req, 500, "Failed to save push subscription");
	else
		reply_json(req, 200, json_pack("{s:o}", "subscription", saved));
out:
	json_decref(body);
}

static void
delete_subscription(struct request *req)
{
	const char	*endpoint;
	json_t		*body;
	int		 deleted;

	if ((body = optional_body(req)) == NULL)
		return;
	endpoint = json_string_value(json_object_get(body, "endpoint"));
	if (endpoint == NULL || *endpoint == '\0')
		reply_error(req, 400, "endpoint must be a non-empty string");
	else if ((deleted = push_subscription_delete(endpoint)) < 0)
		reply_error(req, 500, "Failed to delete push subscription");
	else
		reply_json(req, 200, json_pack("{s:b,s:b}", "success", 1,
		    "deleted", deleted));
	json_decref(body);
}

const struct route routes_notifications[] = {
	{ "GET", "/notifications", list_notifications, 0 },
	{ "GET", "/notifications/counts", get_counts, 0 },
	{ "POST", "/notifications/read", mark_all_read, 0 },
	{ "POST", "/notifications/:id/read", mark_read, 0 },
	{ "GET", "/sessions/:id/notifications/prefs", get_prefs, 0 },
	{ "PUT", "/sessions/:id/notifications/prefs", put_prefs, 0 },
	{ "GET", "/notifications/push/status", get_push_status, 0 },
	{ "POST", "/notifications/push/test", push_test, 0 },
	{ "GET", "/notifications/push/subscriptions", list_subscriptions, 0 },
	{ "PUT", "/notifications/push/subscriptions", put_subscription, 0 },
	{ "DELETE", "/notifications/push/subscriptions", delete_subscription,
	    0 },
	{ NULL, NULL, NULL, 0 },
};
