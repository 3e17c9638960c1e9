/*
 * Workspace routes (settings-workspaces-envsets.md §2): validate the body's
 * shape, call workspaces.c, render JSON.
 */
#include <stdlib.h>

#include "routes.h"
#include "validate.h"
#include "workspaces.h"

static void
reply_failure(struct request *req, int status, char *error)
{
	reply_error(req, status, "%s", error);
	free(error);
}

static void
get_workspaces(struct request *req)
{
	reply_json(req, 200, workspaces_list_json());
}

static void
post_workspace(struct request *req)
{
	json_t *body, *path, *out;
	const char *bad;
	char *error;
	int status;

	if ((body = request_object(req)) == NULL)
		return;
	if ((bad = name_check_create(json_object_get(body, "name"))) != NULL) {
		reply_error(req, 400, "%s", bad);
		return;
	}
	path = json_object_get(body, "path");
	if (!json_is_string(path) || json_string_length(path) == 0) {
		reply_error(req, 400, "Missing required field: path");
		return;
	}
	if (workspace_create(json_string_value(json_object_get(body, "name")),
	    json_string_value(path), &out, &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 201, json_pack("{s:o}", "workspace", out));
}

static void
get_workspace(struct request *req)
{
	const char *id = request_param(req, "id");
	json_t *w;

	if ((w = workspace_json(id)) == NULL) {
		reply_error(req, 404, "Workspace not found: %s", id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "workspace", w));
}

static void
put_workspace(struct request *req)
{
	const char *id = request_param(req, "id"), *bad;
	json_t *body, *name, *path, *out;
	char *error;
	int status;

	if ((body = request_object(req)) == NULL)
		return;
	if ((out = workspace_json(id)) == NULL) {
		reply_error(req, 404, "Workspace not found: %s", id);
		return;
	}
	json_decref(out);
	name = json_object_get(body, "name");
	path = json_object_get(body, "path");
	if (name != NULL && (bad = name_check_update(name)) != NULL) {
		reply_error(req, 400, "%s", bad);
		return;
	}
	if (path != NULL && !json_is_string(path)) {
		reply_error(req, 400, "path must be a string");
		return;
	}
	if (name == NULL && path == NULL) {
		reply_error(req, 422,
		    "At least one field must be provided: name or path");
		return;
	}
	if (workspace_update(id, json_string_value(name),
	    json_string_value(path), &out, &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "workspace", out));
}

static void
delete_workspace(struct request *req)
{
	char *error;
	int status;

	if (workspace_delete(request_param(req, "id"), &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_success(req);
}

const struct route routes_workspaces[] = {
	{ "GET", "/workspaces", get_workspaces, 0 },
	{ "POST", "/workspaces", post_workspace, ROUTE_JSON },
	{ "GET", "/workspaces/:id", get_workspace, 0 },
	{ "PUT", "/workspaces/:id", put_workspace, ROUTE_JSON },
	{ "DELETE", "/workspaces/:id", delete_workspace, 0 },
	{ NULL, NULL, NULL, 0 },
};
