#include "session-request.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "xmalloc.h"

static bool
is_env_key(const char *k)
{
	if (!(isalpha((unsigned char)*k) || *k == '_'))
		return false;
	for (k++; *k != '\0'; k++) {
		if (!(isalnum((unsigned char)*k) || *k == '_'))
			return false;
	}
	return true;
}

static bool
is_truthy(json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_number(v))
		return json_number_value(v) != 0;
	return true;
}

int
session_request_check_cwd(json_t *cwd, char **error)
{
	const char *path, *seg;
	size_t len;

	if (!json_is_string(cwd)) {
		*error = xstrdup("cwd must be a string");
		return -1;
	}
	path = json_string_value(cwd);
	len = json_string_length(cwd);
	if (len > 4096) {
		xasprintf(error, "cwd path too long (%zu chars, max 4096)", len);
		return -1;
	}
	if (path[0] != '/') {
		*error = xstrdup("cwd must be an absolute path (start with /)");
		return -1;
	}
	if (strlen(path) != len) {
		*error = xstrdup("cwd contains invalid null byte");
		return -1;
	}
	for (seg = path; seg != NULL; seg = strchr(seg + 1, '/')) {
		const char *s = seg + 1;
		if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0')) {
			*error = xstrdup("cwd must not contain '..' path traversal");
			return -1;
		}
	}
	return 0;
}

static int
check_env(json_t *env, char **error)
{
	const char *key;
	json_t *value;

	if (env == NULL || json_is_null(env))
		return 0;
	if (!json_is_object(env)) {
		*error = xstrdup("env must be an object");
		return -1;
	}
	if (json_object_size(env) > 1000) {
		xasprintf(error, "too many environment variables (%zu, max 1000)",
		    json_object_size(env));
		return -1;
	}
	json_object_foreach(env, key, value) {
		if (!json_is_string(value)) {
			xasprintf(error, "env value for key \"%s\" must be a string", key);
			return -1;
		}
		if (strlen(key) > 256) {
			xasprintf(error, "env key too long: \"%.50s...\" (max 256 chars)",
			    key);
			return -1;
		}
		if (!is_env_key(key)) {
			xasprintf(error, "env key \"%.50s\" contains invalid characters "
			    "(must match [a-zA-Z_][a-zA-Z0-9_]*)", key);
			return -1;
		}
		if (json_string_length(value) > 65536) {
			xasprintf(error, "env value for key \"%s\" too long (max 64KB)",
			    key);
			return -1;
		}
		if (strlen(json_string_value(value)) != json_string_length(value)) {
			xasprintf(error, "env value for key \"%s\" contains a null byte",
			    key);
			return -1;
		}
	}
	return 0;
}

static int
check_args(json_t *args, char **error)
{
	json_t *arg;
	size_t i;

	if (args == NULL || json_is_null(args))
		return 0;
	if (!json_is_array(args)) {
		*error = xstrdup("args must be an array");
		return -1;
	}
	if (json_array_size(args) > 100) {
		xasprintf(error, "too many arguments (%zu, max 100)",
		    json_array_size(args));
		return -1;
	}
	json_array_foreach(args, i, arg) {
		if (!json_is_string(arg)) {
			xasprintf(error, "args[%zu] must be a string", i);
			return -1;
		}
		if (json_string_length(arg) > 10240) {
			xasprintf(error, "args[%zu] too long (max 10KB)", i);
			return -1;
		}
		if (strlen(json_string_value(arg)) != json_string_length(arg)) {
			xasprintf(error, "args[%zu] contains a null byte", i);
			return -1;
		}
	}
	return 0;
}

static int
check_worktree(json_t *wt, struct session_spec *spec, char **error)
{
	json_t *branch, *create, *start;

	if (wt == NULL || json_is_null(wt))
		return 0;
	if (!json_is_object(wt)) {
		*error = xstrdup("worktree must be an object");
		return -1;
	}
	branch = json_object_get(wt, "branch");
	if (!json_is_string(branch) || json_string_length(branch) == 0) {
		*error = xstrdup("worktree.branch is required");
		return -1;
	}
	create = json_object_get(wt, "createBranch");
	if (create != NULL && !json_is_boolean(create)) {
		*error = xstrdup("worktree.createBranch must be a boolean");
		return -1;
	}
	start = json_object_get(wt, "startPoint");
	if (start != NULL && !json_is_null(start) && !json_is_string(start)) {
		*error = xstrdup("worktree.startPoint must be a string");
		return -1;
	}
	spec->worktree_branch = json_string_value(branch);
	spec->worktree_create_branch = json_is_true(create);
	spec->worktree_start_point = json_string_value(start);
	return 0;
}

static int
check_resume(json_t *pr, struct session_spec *spec, char **error)
{
	json_t *id, *mode;
	const char *m;

	if (pr == NULL || json_is_null(pr))
		return 0;
	if (!json_is_object(pr)) {
		*error = xstrdup("providerResume must be an object");
		return -1;
	}
	id = json_object_get(pr, "providerSessionId");
	if (!json_is_string(id)) {
		*error = xstrdup("providerResume.providerSessionId must be a string");
		return -1;
	}
	mode = json_object_get(pr, "mode");
	m = mode == NULL ? "resume" : json_string_value(mode);
	if (m == NULL || (strcmp(m, "resume") != 0 && strcmp(m, "fork") != 0)) {
		*error = xstrdup("providerResume.mode must be either \"resume\" or "
		    "\"fork\"");
		return -1;
	}
	spec->resume_id = json_string_value(id);
	spec->resume_mode = m;
	spec->resume_source = "user-supplied";
	return 0;
}

int
session_request_parse(json_t *body, struct session_spec *spec, int *status,
    char **error)
{
	json_t *provider = json_object_get(body, "provider");
	json_t *cwd = json_object_get(body, "cwd");
	json_t *billing = json_object_get(body, "billingMode");
	json_t *dangerous = json_object_get(body, "dangerousMode");
	json_t *sets = json_object_get(body, "envSetIds"), *v;
	size_t i;

	memset(spec, 0, sizeof *spec);
	*status = 400;
	if (!is_truthy(provider)) {
		*error = xstrdup("Missing required field: provider");
		return -1;
	}
	if (!is_truthy(cwd)) {
		*error = xstrdup("Missing required field: cwd");
		return -1;
	}
	if (!json_is_string(provider) ||
	    (spec->provider = provider_find(json_string_value(provider))) == NULL) {
		char *text = json_is_string(provider) ?
		    xstrdup(json_string_value(provider)) :
		    json_dumps(provider, JSON_ENCODE_ANY | JSON_COMPACT);
		xasprintf(error, "Invalid provider: %s. Must be one of: claude-code, "
		    "codex", text);
		free(text);
		return -1;
	}
	if (session_request_check_cwd(cwd, error) != 0)
		return -1;
	spec->cwd = json_string_value(cwd);
	if (check_env(json_object_get(body, "env"), error) != 0)
		return -1;
	if (json_is_object(json_object_get(body, "env")))
		spec->env = json_object_get(body, "env");
	if (check_args(json_object_get(body, "args"), error) != 0)
		return -1;
	if (json_is_array(json_object_get(body, "args")))
		spec->args = json_object_get(body, "args");
	spec->billing_mode = "subscription";
	if (billing != NULL && !json_is_null(billing)) {
		const char *b = json_string_value(billing);
		if (b == NULL || (strcmp(b, "subscription") != 0 &&
		    strcmp(b, "api") != 0)) {
			char *text = b != NULL ? xstrdup(b) :
			    json_dumps(billing, JSON_ENCODE_ANY | JSON_COMPACT);
			xasprintf(error, "Invalid billingMode: %s. Must be one of: "
			    "subscription, api", text);
			free(text);
			return -1;
		}
		spec->billing_mode = b;
	}
	if (dangerous != NULL && !json_is_null(dangerous)) {
		if (!json_is_boolean(dangerous)) {
			*error = xstrdup("dangerousMode must be a boolean");
			return -1;
		}
		spec->dangerous_mode = json_is_true(dangerous);
		if (spec->dangerous_mode && !spec->provider->supports_dangerous_mode) {
			xasprintf(error, "dangerousMode is not supported for provider %s",
			    spec->provider->id);
			return -1;
		}
	}
	if (sets != NULL && !json_is_null(sets)) {
		if (!json_is_array(sets))
			goto bad_sets;
		json_array_foreach(sets, i, v) {
			if (!json_is_string(v) || !is_truthy(v))
				goto bad_sets;
		}
		spec->env_set_ids = sets;
	}
	if (check_worktree(json_object_get(body, "worktree"), spec, error) != 0)
		return -1;
	if (check_resume(json_object_get(body, "providerResume"), spec, error) != 0)
		return -1;
	if (spec->resume_id != NULL) {
		/* Trimmed; blank is refused. */
		const char *s = spec->resume_id;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0') {
			*error = xstrdup("providerResume.providerSessionId must not be "
			    "empty");
			return -1;
		}
	}
	return 0;

bad_sets:
	*error = xstrdup("envSetIds must be an array of strings");
	return -1;
}
