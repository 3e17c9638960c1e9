/*
 * POST /hooks/claude (hooks-and-policies.md §3): what hook-forward posts for
 * every Claude Code hook. Checks the secret, validates, and hands the event
 * to hooks.c, or a PermissionRequest to permission.c (which may hold the
 * reply while an ask is pending).
 */
#include <stdlib.h>
#include <string.h>

#include "hooks.h"
#include "permission.h"
#include "routes.h"
#include "session.h"

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

static void
post_hooks_claude(struct request *req)
{
	const char	*secret, *session_id, *event;
	json_t		*body, *data, *empty = NULL;
	bool		 harness;

	/* The secret first: nothing else is told to an unknown caller. */
	secret = request_header(req, "X-CodePiper-Secret");
	if (secret == NULL || *secret == '\0') {
		reply_error(req, 403, "Invalid or missing hook secret");
		return;
	}
	if ((body = request_object(req)) == NULL)
		return;
	session_id = json_string_value(json_object_get(body, "sessionId"));
	if (session_id != NULL && *session_id == '\0')
		session_id = NULL;
	if (!hooks_secret_ok(session_id, secret, &harness)) {
		reply_error(req, 403, "Invalid or missing hook secret");
		return;
	}
	if (session_id == NULL) {
		reply_error(req, 400, "Missing required field: sessionId");
		return;
	}
	/* An agent posts hooks for its own session only (identity.c). */
	if (req->agent_session_id != NULL &&
	    strcmp(req->agent_session_id, session_id) != 0) {
		reply_error(req, 403, "Agents may not call this endpoint");
		return;
	}
	event = json_string_value(json_object_get(body, "event"));
	if (event == NULL || *event == '\0') {
		reply_error(req, 400, "Missing required field: event");
		return;
	}
	if (!hooks_event_known(event)) {
		reply_error(req, 400, "Unknown event type: %s. Valid types: %s",
		    event, hooks_valid_events);
		return;
	}
	if (!session_known(session_id)) {
		reply_error(req, 404, "Session not found: %s", session_id);
		return;
	}
	data = json_object_get(body, "data");
	if (!json_is_object(data))
		data = empty = json_object();
	if (strcmp(event, "PermissionRequest") == 0)
		permission_request(req, session_id, data);
	else
		reply_json(req, 200, hooks_apply(session_id, event, data));
	if (empty != NULL)
		json_decref(empty);
}

const struct route routes_hooks[] = {
	{ "POST", "/hooks/claude", post_hooks_claude,
	    ROUTE_BODY_8M | ROUTE_JSON | ROUTE_PUBLIC | ROUTE_AGENT_OK },
	{ NULL, NULL, NULL, 0 },
};
