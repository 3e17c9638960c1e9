/*
 * GET and PUT /sessions/:id/model (providers.md §5), with the spec's
 * improvements: names limited to model-name characters, the model the
 * transcript reports ("reportedModel"), and GET for sessions that only
 * exist in the database.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "provider.h"
#include "routes.h"
#include "session.h"
#include "xmalloc.h"

static void
get_model(struct request *req)
{
	const char *id = request_param(req, "id");
	struct session *s = session_find(id);
	const struct provider *p;
	json_t *row = NULL, *metadata, *o;
	char *reported;

	if (s != NULL) {
		p = s->provider;
		metadata = s->metadata;
	} else if ((row = session_db_json(id)) != NULL) {
		p = provider_find(json_string_value(json_object_get(row,
		    "provider")));
		metadata = json_object_get(row, "metadata");
	} else {
		reply_error(req, 404, "Session not found: %s", id);
		return;
	}
	o = json_object();
	if (json_is_string(json_object_get(metadata, "currentModel")))
		json_object_set(o, "model", json_object_get(metadata,
		    "currentModel"));
	if (p != NULL) {
		json_object_set_new(o, "provider", json_string(p->id));
		json_object_set_new(o, "supportsModelSwitch",
		    json_boolean(p->supports_model_switch));
	} else {
		json_object_set(o, "provider", json_object_get(row, "provider"));
		json_object_set_new(o, "supportsModelSwitch", json_false());
	}
	if ((reported = model_reported(id)) != NULL) {
		json_object_set_new(o, "reportedModel", json_string(reported));
		free(reported);
	}
	if (row != NULL)
		json_decref(row);
	reply_json(req, 200, o);
}

static void
put_model(struct request *req)
{
	const char *id = request_param(req, "id"), *error;
	struct session *s = session_find(id);
	json_t *body, *model;
	char *buf = NULL;

	if (s == NULL || s->closing) {
		reply_error(req, 404, "Session not found: %s", id);
		return;
	}
	/* Before the body is even read, as the reference does. */
	if (!s->provider->supports_model_switch) {
		char *msg = xprintf("Model switching is not supported for provider "
		    "%s", s->provider->id);
		reply_json(req, 409, json_pack("{s:s,s:s,s:b}", "error", msg,
		    "provider", s->provider->id, "supportsModelSwitch", 0));
		free(msg);
		return;
	}
	body = json_loadb(req->body != NULL ? req->body : "", req->body_len, 0,
	    NULL);
	if (body == NULL) {
		reply_error(req, 400, "Invalid JSON in request body");
		return;
	}
	model = json_object_get(body, "model");
	if (!json_is_string(model)) {
		reply_error(req, 400, "Missing required field: model");
		json_decref(body);
		return;
	}
	if ((error = model_name_error(json_string_value(model), &buf)) != NULL) {
		reply_error(req, 400, "%s", error);
		free(buf);
		json_decref(body);
		return;
	}
	if (model_switch(s, json_string_value(model)) != 0)
		reply_error(req, 500, "Failed to switch model for session %s: "
		    "the session is closing", id);
	else
		reply_success(req);
	json_decref(body);
}

const struct route routes_model[] = {
	{ "GET", "/sessions/:id/model", get_model, ROUTE_AGENT_OK },
	{ "PUT", "/sessions/:id/model", put_model, 0 },
	{ NULL, NULL, NULL, 0 },
};
