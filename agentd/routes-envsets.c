/*
 * Env-set routes (settings-workspaces-envsets.md §3): validate the body's
 * shape, call envsets.c, render JSON. Values are never in a response.
 */
#include <stdlib.h>

#include "envsets.h"
#include "routes.h"
#include "validate.h"

static void
reply_failure(struct request *req, int status, char *error)
{
	reply_error(req, status, "%s", error);
	free(error);
}

static void
get_envsets(struct request *req)
{
	reply_json(req, 200, envsets_list_json());
}

static void
post_envset(struct request *req)
{
	json_t *body, *description, *vars, *out;
	const char *bad;
	char *error;
	int status;

	if ((body = request_object(req)) == NULL)
		return;
	if ((bad = name_check_create(json_object_get(body, "name"))) != NULL) {
		reply_error(req, 400, "%s", bad);
		return;
	}
	description = json_object_get(body, "description");
	if (description != NULL && !json_is_string(description) &&
	    !json_is_null(description)) {
		reply_error(req, 400,
		    "Field 'description' must be a string or null");
		return;
	}
	vars = json_object_get(body, "vars");
	if (!json_is_object(vars)) {
		reply_error(req, 400,
		    "Missing required field: vars (must be an object)");
		return;
	}
	if ((error = envset_vars_check(vars)) != NULL) {
		reply_failure(req, 400, error);
		return;
	}
	if (envset_create(json_string_value(json_object_get(body, "name")),
	    description, vars, &out, &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 201, json_pack("{s:o}", "envSet", out));
}

static void
get_envset(struct request *req)
{
	const char *id = request_param(req, "id");
	json_t *set;

	if ((set = envset_json(id)) == NULL) {
		reply_error(req, 404, "Env set not found: %s", id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "envSet", set));
}

static void
put_envset(struct request *req)
{
	const char *id = request_param(req, "id"), *bad;
	json_t *body, *name, *description, *vars, *out;
	char *error;
	int status;

	if ((body = request_object(req)) == NULL)
		return;
	if ((out = envset_json(id)) == NULL) {
		reply_error(req, 404, "Env set not found: %s", id);
		return;
	}
	json_decref(out);
	name = json_object_get(body, "name");
	description = json_object_get(body, "description");
	vars = json_object_get(body, "vars");
	if (name != NULL && (bad = name_check_update(name)) != NULL) {
		reply_error(req, 400, "%s", bad);
		return;
	}
	if (description != NULL && !json_is_string(description) &&
	    !json_is_null(description)) {
		reply_error(req, 400, "description must be a string or null");
		return;
	}
	if (vars != NULL && !json_is_object(vars)) {
		reply_error(req, 400, "vars must be an object");
		return;
	}
	if (vars != NULL && (error = envset_vars_check(vars)) != NULL) {
		reply_failure(req, 400, error);
		return;
	}
	if (name == NULL && description == NULL && vars == NULL) {
		reply_error(req, 422, "At least one field must be provided: "
		    "name, description, or vars");
		return;
	}
	if (envset_update(id, json_string_value(name), description != NULL,
	    description, vars, &out, &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "envSet", out));
}

static void
delete_envset(struct request *req)
{
	char *error;
	int status;

	if (envset_delete(request_param(req, "id"), &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_success(req);
}

const struct route routes_envsets[] = {
	{ "GET", "/env-sets", get_envsets, 0 },
	{ "POST", "/env-sets", post_envset, ROUTE_JSON },
	{ "GET", "/env-sets/:id", get_envset, 0 },
	{ "PUT", "/env-sets/:id", put_envset, ROUTE_JSON },
	{ "DELETE", "/env-sets/:id", delete_envset, 0 },
	{ NULL, NULL, NULL, 0 },
};
