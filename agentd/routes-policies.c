/*
 * Policy routes (hooks-and-policies.md §6-§9): /policies, the legacy
 * per-session policy, effective policies, /policy-sets and a session's
 * policy sets. Parse and validate in the spec's order, call policy-store,
 * render.
 */
#include <stdlib.h>
#include <string.h>

#include "policy-rules.h"
#include "policy-store.h"
#include "routes.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

/* JavaScript's idea of a missing value: absent, null, false, 0, "". */
static bool
falsy(json_t *v)
{
	return v == NULL || json_is_null(v) || json_is_false(v) ||
	    (json_is_integer(v) && json_integer_value(v) == 0) ||
	    (json_is_real(v) && json_real_value(v) == 0) ||
	    (json_is_string(v) && json_string_length(v) == 0);
}

static bool
session_in_db(const char *id)
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
reply_failure(struct request *req, int status, char *error)
{
	reply_error(req, status, "%s", error);
	free(error);
}

/* Rules as the write routes accept them: an array of valid rules. */
static bool
rules_ok(struct request *req, json_t *rules)
{
	char	*cause = NULL;

	if (policy_rules_validate(rules, &cause) != 0) {
		reply_failure(req, 400, cause);
		return false;
	}
	return true;
}

/* ---- /policies ------------------------------------------------------- */

static void
get_policies(struct request *req)
{
	char			*enabled = request_query(req, "enabled");
	char			*session = request_query(req, "sessionId");
	enum policy_scope	 scope = POLICY_SCOPE_ANY;
	int			 which = -1;

	if (enabled != NULL)
		which = strcmp(enabled, "true") == 0 ? 1 : 0;
	if (session != NULL && *session != '\0')
		scope = strcmp(session, "null") == 0 ? POLICY_SCOPE_GLOBAL :
		    POLICY_SCOPE_SESSION;
	reply_json(req, 200, json_pack("{s:o}", "policies", policy_list(which,
	    scope, scope == POLICY_SCOPE_SESSION ? session : NULL)));
	free(enabled);
	free(session);
}

static void
post_policies(struct request *req)
{
	struct policy_fields	 f;
	json_t			*body, *id, *name, *enabled, *priority, *sid;
	json_t			*rules, *desc, *out;
	char			*error = NULL;
	int			 status;

	if ((body = request_object(req)) == NULL)
		return;
	id = json_object_get(body, "id");
	name = json_object_get(body, "name");
	enabled = json_object_get(body, "enabled");
	priority = json_object_get(body, "priority");
	sid = json_object_get(body, "sessionId");
	rules = json_object_get(body, "rules");
	desc = json_object_get(body, "description");
	if (falsy(id)) {
		reply_error(req, 400, "Missing required field: id");
		return;
	}
	if (falsy(name)) {
		reply_error(req, 400, "Missing required field: name");
		return;
	}
	if (enabled == NULL) {
		reply_error(req, 400, "Missing required field: enabled");
		return;
	}
	if (priority == NULL) {
		reply_error(req, 400, "Missing required field: priority");
		return;
	}
	if (sid == NULL) {
		reply_error(req, 400, "Missing required field: sessionId");
		return;
	}
	if (falsy(rules)) {
		reply_error(req, 400, "Missing required field: rules");
		return;
	}
	if (!json_is_array(rules)) {
		reply_error(req, 400, "Field 'rules' must be an array");
		return;
	}
	if (!json_is_boolean(enabled)) {
		reply_error(req, 400, "Field 'enabled' must be a boolean");
		return;
	}
	if (!json_is_integer(priority)) {
		reply_error(req, 400, "Field 'priority' must be an integer");
		return;
	}
	if (!json_is_null(sid) && !json_is_string(sid)) {
		reply_error(req, 400,
		    "Field 'sessionId' must be a string or null");
		return;
	}
	/* Improvements: ids the router can reach, typed fields, valid rules. */
	if (!json_is_string(id) || !is_valid_id(json_string_value(id))) {
		reply_error(req, 400, "Field 'id' must be a string of letters, "
		    "digits and '-'");
		return;
	}
	if (!json_is_string(name)) {
		reply_error(req, 400, "Field 'name' must be a string");
		return;
	}
	if (desc != NULL && !json_is_null(desc) && !json_is_string(desc)) {
		reply_error(req, 400,
		    "Field 'description' must be a string or null");
		return;
	}
	if (!rules_ok(req, rules))
		return;
	memset(&f, 0, sizeof f);
	f.id = json_string_value(id);
	f.name = json_string_value(name);
	f.description = json_string_value(desc);
	f.enabled = json_is_true(enabled);
	f.priority = json_integer_value(priority);
	f.session_id = json_string_value(sid);
	f.rules = rules;
	if (policy_create(&f, &out, &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 201, json_pack("{s:o}", "policy", out));
}

static void
get_policy(struct request *req)
{
	const char	*id = request_param(req, "id");
	json_t		*p;

	if ((p = policy_get(id)) == NULL) {
		reply_error(req, 404, "Policy not found: %s", id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "policy", p));
}

static void
put_policy(struct request *req)
{
	struct policy_changes	 c;
	const char		*id = request_param(req, "id");
	json_t			*body, *v, *out;
	char			*error = NULL;
	int			 status;

	if ((body = request_object(req)) == NULL)
		return;
	memset(&c, 0, sizeof c);
	if ((v = json_object_get(body, "rules")) != NULL) {
		if (!json_is_array(v)) {
			reply_error(req, 400, "Field 'rules' must be an array");
			return;
		}
		if (!rules_ok(req, v))
			return;
		c.rules = v;
	}
	if ((v = json_object_get(body, "name")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) == 0) {
			reply_error(req, 400, "Field 'name' must be a string");
			return;
		}
		c.name = json_string_value(v);
	}
	if ((v = json_object_get(body, "description")) != NULL) {
		if (!json_is_string(v) && !json_is_null(v)) {
			reply_error(req, 400,
			    "Field 'description' must be a string or null");
			return;
		}
		c.has_description = true;
		c.description = json_string_value(v);
	}
	if ((v = json_object_get(body, "enabled")) != NULL) {
		if (!json_is_boolean(v)) {
			reply_error(req, 400, "Field 'enabled' must be a boolean");
			return;
		}
		c.has_enabled = true;
		c.enabled = json_is_true(v);
	}
	if ((v = json_object_get(body, "priority")) != NULL) {
		if (!json_is_integer(v)) {
			reply_error(req, 400,
			    "Field 'priority' must be an integer");
			return;
		}
		c.has_priority = true;
		c.priority = json_integer_value(v);
	}
	if (policy_update(id, &c, &out, &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "policy", out));
}

static void
delete_policy(struct request *req)
{
	const char	*id = request_param(req, "id");

	if (policy_delete(id) != 0) {
		reply_error(req, 404, "Policy not found: %s", id);
		return;
	}
	reply_success(req);
}

/* ---- a session's policies -------------------------------------------- */

static void
get_session_policy(struct request *req)
{
	const char	*id = request_param(req, "id");

	if (session_find(id) == NULL) {
		reply_error(req, 404, "Session not found: %s", id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "policies", policy_list(-1,
	    POLICY_SCOPE_SESSION, id)));
}

static void
put_session_policy(struct request *req)
{
	const char	*id = request_param(req, "id"), *action;
	json_t		*body, *policy, *name, *rules, *v;
	char		*policy_id = NULL;

	if (session_find(id) == NULL) {
		reply_error(req, 404, "Session not found: %s", id);
		return;
	}
	if ((body = request_object(req)) == NULL)
		return;
	policy = json_object_get(body, "policy");
	if (!json_is_object(policy)) {
		reply_error(req, 400, "Missing or invalid 'policy' field");
		return;
	}
	name = json_object_get(policy, "name");
	rules = json_object_get(policy, "rules");
	if (falsy(name) || !json_is_string(name) || !json_is_array(rules)) {
		reply_error(req, 400,
		    "Policy must have 'name' (string) and 'rules' (array)");
		return;
	}
	if (!rules_ok(req, rules))
		return;
	if ((v = json_object_get(policy, "enabled")) != NULL &&
	    !json_is_boolean(v)) {
		reply_error(req, 400, "Field 'enabled' must be a boolean");
		return;
	}
	if ((v = json_object_get(policy, "priority")) != NULL &&
	    !json_is_integer(v)) {
		reply_error(req, 400, "Field 'priority' must be an integer");
		return;
	}
	if ((v = json_object_get(policy, "description")) != NULL &&
	    !json_is_null(v) && !json_is_string(v)) {
		reply_error(req, 400,
		    "Field 'description' must be a string or null");
		return;
	}
	if (policy_session_put(id, policy, &action, &policy_id) != 0) {
		reply_error(req, 500, "Saving the session policy failed");
		return;
	}
	reply_json(req, 200, json_pack("{s:b,s:s,s:s}", "success", 1,
	    "policyId", policy_id, "action", action));
	free(policy_id);
}

static void
get_effective_policies(struct request *req)
{
	const char	*id = request_param(req, "id");

	if (!session_in_db(id)) {
		reply_error(req, 404, "Session not found: %s", id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "policies",
	    policy_effective(id)));
}

/* ---- /policy-sets ---------------------------------------------------- */

static void
get_policy_sets(struct request *req)
{
	reply_json(req, 200, json_pack("{s:o}", "policySets",
	    policy_set_list()));
}

static bool
string_array(json_t *v)
{
	json_t	*item;
	size_t	 i;

	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return false;
	}
	return true;
}

static void
post_policy_sets(struct request *req)
{
	json_t	*body, *id, *name, *desc, *def, *ids, *missing, *v, *out;
	char	*error = NULL;
	size_t	 i;
	int	 status;

	if ((body = request_object(req)) == NULL)
		return;
	id = json_object_get(body, "id");
	name = json_object_get(body, "name");
	desc = json_object_get(body, "description");
	def = json_object_get(body, "isDefault");
	ids = json_object_get(body, "policyIds");
	if (falsy(id)) {
		reply_error(req, 400, "Missing required field: id");
		return;
	}
	if (falsy(name)) {
		reply_error(req, 400, "Missing required field: name");
		return;
	}
	if (!json_is_string(id)) {
		reply_error(req, 400, "Field 'id' must be a string");
		return;
	}
	if (!json_is_string(name)) {
		reply_error(req, 400, "Field 'name' must be a string");
		return;
	}
	if (!is_valid_id(json_string_value(id))) {
		reply_error(req, 400, "Field 'id' must be a string of letters, "
		    "digits and '-'");
		return;
	}
	if (desc != NULL && !json_is_null(desc) && !json_is_string(desc)) {
		reply_error(req, 400,
		    "Field 'description' must be a string or null");
		return;
	}
	if (def != NULL && !json_is_boolean(def)) {
		reply_error(req, 400, "Field 'isDefault' must be a boolean");
		return;
	}
	if (ids != NULL && !string_array(ids)) {
		reply_error(req, 400,
		    "Field 'policyIds' must be an array of strings");
		return;
	}
	missing = json_array();
	json_array_foreach(ids, i, v) {
		if (!policy_exists(json_string_value(v)))
			json_array_append(missing, v);
	}
	if (json_array_size(missing) > 0) {
		reply_json(req, 422, json_pack("{s:s,s:o}", "error",
		    "One or more referenced policies were not found",
		    "missingPolicyIds", missing));
		return;
	}
	json_decref(missing);
	if (policy_set_create(json_string_value(id), json_string_value(name),
	    json_string_value(desc), json_is_true(def), ids, &out, &status,
	    &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 201, json_pack("{s:o}", "policySet", out));
}

static void
get_policy_set(struct request *req)
{
	const char	*id = request_param(req, "id");
	json_t		*set;

	if ((set = policy_set_get(id)) == NULL) {
		reply_error(req, 404, "Policy set not found: %s", id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "policySet", set));
}

static void
put_policy_set(struct request *req)
{
	const char	*id = request_param(req, "id");
	json_t		*body, *name, *desc, *def, *out;
	char		*error = NULL;
	bool		 is_default;
	int		 status;

	if (!policy_set_exists(id)) {
		reply_error(req, 404, "Policy set not found: %s", id);
		return;
	}
	if ((body = request_object(req)) == NULL)
		return;
	name = json_object_get(body, "name");
	desc = json_object_get(body, "description");
	def = json_object_get(body, "isDefault");
	if (name != NULL && (!json_is_string(name) ||
	    json_string_length(name) == 0)) {
		reply_error(req, 400, "Field 'name' must be a string");
		return;
	}
	if (desc != NULL && !json_is_null(desc) && !json_is_string(desc)) {
		reply_error(req, 400,
		    "Field 'description' must be a string or null");
		return;
	}
	if (def != NULL && !json_is_boolean(def)) {
		reply_error(req, 400, "Field 'isDefault' must be a boolean");
		return;
	}
	if (name == NULL && desc == NULL && def == NULL) {
		reply_error(req, 422, "At least one field must be provided: "
		    "name, description, or isDefault");
		return;
	}
	is_default = json_is_true(def);
	if (policy_set_update(id, json_string_value(name), desc != NULL,
	    json_string_value(desc), def != NULL ? &is_default : NULL, &out,
	    &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "policySet", out));
}

static void
delete_policy_set(struct request *req)
{
	const char	*id = request_param(req, "id");

	if (policy_set_delete(id) != 0) {
		reply_error(req, 404, "Policy set not found: %s", id);
		return;
	}
	reply_success(req);
}

/*
 * Adding and removing a member of a policy set and a set of a session are one
 * shape: the owner is the route's :id, the member a body field or a second
 * route parameter.
 */
typedef int (*link_change_fn)(const char *owner_id, const char *member_id,
    int *status, char **error);

static void
link_from_body(struct request *req, const char *field, link_change_fn add)
{
	json_t	*body, *member;
	char	*error = NULL;
	int	 status;

	if ((body = request_object(req)) == NULL)
		return;
	member = json_object_get(body, field);
	if (falsy(member)) {
		reply_error(req, 400, "Missing required field: %s", field);
		return;
	}
	if (!json_is_string(member)) {
		reply_error(req, 400, "Field '%s' must be a string", field);
		return;
	}
	if (add(request_param(req, "id"), json_string_value(member), &status,
	    &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_success(req);
}

static void
unlink_from_params(struct request *req, const char *param,
    link_change_fn drop)
{
	char	*error = NULL;
	int	 status;

	if (drop(request_param(req, "id"), request_param(req, param),
	    &status, &error) != 0) {
		reply_failure(req, status, error);
		return;
	}
	reply_success(req);
}

static void
post_policy_set_member(struct request *req)
{
	link_from_body(req, "policyId", policy_set_add_member);
}

static void
delete_policy_set_member(struct request *req)
{
	unlink_from_params(req, "policyId", policy_set_remove_member);
}

/* ---- a session's policy sets ----------------------------------------- */

static void
get_session_policy_sets(struct request *req)
{
	const char	*id = request_param(req, "id");

	if (!session_in_db(id)) {
		reply_error(req, 404, "Session not found: %s", id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "policySets",
	    session_policy_sets(id)));
}

static void
post_session_policy_set(struct request *req)
{
	link_from_body(req, "policySetId", session_policy_set_add);
}

static void
delete_session_policy_set(struct request *req)
{
	unlink_from_params(req, "setId", session_policy_set_remove);
}

const struct route routes_policies[] = {
	{ "GET",    "/policies", get_policies, 0 },
	{ "POST",   "/policies", post_policies, ROUTE_JSON },
	{ "GET",    "/policies/:id", get_policy, 0 },
	{ "PUT",    "/policies/:id", put_policy, ROUTE_JSON },
	{ "DELETE", "/policies/:id", delete_policy, 0 },
	{ "GET",    "/sessions/:id/policy", get_session_policy, 0 },
	{ "PUT",    "/sessions/:id/policy", put_session_policy, ROUTE_JSON },
	{ "GET",    "/sessions/:id/effective-policies", get_effective_policies,
	    0 },
	{ "GET",    "/policy-sets", get_policy_sets, 0 },
	{ "POST",   "/policy-sets", post_policy_sets, ROUTE_JSON },
	{ "GET",    "/policy-sets/:id", get_policy_set, 0 },
	{ "PUT",    "/policy-sets/:id", put_policy_set, ROUTE_JSON },
	{ "DELETE", "/policy-sets/:id", delete_policy_set, 0 },
	{ "POST",   "/policy-sets/:id/policies", post_policy_set_member,
	    ROUTE_JSON },
	{ "DELETE", "/policy-sets/:id/policies/:policyId",
	    delete_policy_set_member, 0 },
	{ "GET",    "/sessions/:id/policy-sets", get_session_policy_sets, 0 },
	{ "POST",   "/sessions/:id/policy-sets", post_session_policy_set,
	    ROUTE_JSON },
	{ "DELETE", "/sessions/:id/policy-sets/:setId",
	    delete_session_policy_set, 0 },
	{ NULL, NULL, NULL, 0 },
};
