/*
 * Session routes (sessions.md §6): parse and validate, call session.c,
 * render JSON. Errors are 4xx with the spec's messages.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "git.h"
#include "keys.h"
#include "multipart.h"
#include "preflight.h"
#include "routes.h"
#include "session-request.h"
#include "session.h"
#include "terminal.h"
#include "uploads.h"
#include "util.h"
#include "workers.h"
#include "xmalloc.h"

#define SEND_TEXT_MAX	(1024 * 1024)
#define KEYS_MAX	100

static void
reply_session(struct session *s, int status, const char *error, void *arg)
{
	struct request *req = arg;

	if (status >= 300) {
		reply_error(req, status, "%s", error);
		return;
	}
	if (s != NULL)
		reply_json(req, status, json_pack("{s:o}", "session",
		    session_to_json(s)));
	else
		reply_success(req);
}

static void
post_sessions(struct request *req)
{
	struct session_spec spec;
	json_t *body;
	char *error = NULL, *trimmed = NULL;
	int status;

	if ((body = request_object(req)) == NULL)
		return;
	if (session_request_parse(body, &spec, &status, &error) != 0) {
		reply_error(req, status, "%s", error);
		free(error);
		return;
	}
	if (spec.resume_id != NULL) {
		const char *s = spec.resume_id, *e;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		trimmed = xstrndup(s, (size_t)(e - s));
		spec.resume_id = trimmed;
	}
	session_create(&spec, reply_session, req);
	free(trimmed);
}

/* Git checks read the repository (libgit2, possibly large): off the loop. */
struct git_check {
	struct request	*req;
	char		*cwd;
	char		*branch;	/* NULL: POST /sessions/validate */
	bool		 create_branch;
	json_t		*result;
};

static void
git_check_work(void *arg)
{
	struct git_check *job = arg;

	if (job->branch == NULL)
		job->result = git_validate_dir(job->cwd);
	else
		job->result = git_validate_branch(job->cwd, job->branch,
		    job->create_branch);
}

static void
git_check_done(void *arg)
{
	struct git_check *job = arg;

	reply_json(job->req, 200, job->result);
	free(job->cwd);
	free(job->branch);
	free(job);
}

static void
submit_git_check(struct request *req, const char *cwd, const char *branch,
    bool create_branch)
{
	struct git_check *job = xcalloc(1, sizeof *job);

	job->req = req;
	job->cwd = xstrdup(cwd);
	job->branch = branch != NULL ? xstrdup(branch) : NULL;
	job->create_branch = create_branch;
	if (workers_submit(git_check_work, git_check_done, job) != 0) {
		/* The pool is busy or down: answer on the loop rather than fail. */
		git_check_work(job);
		git_check_done(job);
	}
}

static void
post_validate(struct request *req)
{
	json_t *body, *cwd;

	if ((body = request_object(req)) == NULL)
		return;
	cwd = json_object_get(body, "cwd");
	if (!json_is_string(cwd)) {
		reply_error(req, 400, "Missing required field: cwd");
		return;
	}
	submit_git_check(req, json_string_value(cwd), NULL, false);
}

static void
post_validate_git(struct request *req)
{
	json_t *body, *cwd, *branch, *create;

	if ((body = request_object(req)) == NULL)
		return;
	cwd = json_object_get(body, "cwd");
	branch = json_object_get(body, "branch");
	create = json_object_get(body, "createBranch");
	if (!json_is_string(cwd)) {
		reply_error(req, 400, "Missing required field: cwd");
		return;
	}
	if (!json_is_string(branch)) {
		reply_error(req, 400, "Missing required field: branch");
		return;
	}
	if (!json_is_boolean(create)) {
		reply_error(req, 400, "Missing required field: createBranch");
		return;
	}
	submit_git_check(req, json_string_value(cwd), json_string_value(branch),
	    json_is_true(create));
}

static void
get_sessions(struct request *req)
{
	char *provider = request_query(req, "provider");
	char *status = request_query(req, "status");

	reply_json(req, 200, session_list_json(provider && *provider ? provider : NULL,
	    status && *status ? status : NULL));
	free(provider);
	free(status);
}

static void
reply_not_found(struct request *req, const char *id)
{
	reply_error(req, 404, "Session not found: %s", id);
}

/* Answer 200 with the session if it is live; false (no reply) if not. */
static bool
reply_live_session(struct request *req, const char *id)
{
	struct session *s = session_find(id);

	if (s == NULL)
		return false;
	reply_json(req, 200, json_pack("{s:o}", "session", session_to_json(s)));
	return true;
}

static void
get_session(struct request *req)
{
	const char *id = request_param(req, "id");
	json_t *row;

	if (reply_live_session(req, id))
		return;
	if ((row = session_db_json(id)) == NULL) {
		reply_not_found(req, id);
		return;
	}
	reply_json(req, 200, json_pack("{s:o}", "session", row));
}

static void
put_session_name(struct request *req)
{
	const char *id = request_param(req, "id");
	json_t *body, *name, *out = NULL;
	const char *text = NULL, *p;
	char *trimmed = NULL;
	size_t len;

	if ((body = request_object(req)) == NULL)
		return;
	if ((name = json_object_get(body, "name")) == NULL) {
		reply_error(req, 400, "Missing required field: name");
		return;
	}
	if (!json_is_string(name) && !json_is_null(name)) {
		reply_error(req, 400, "name must be a string or null");
		return;
	}
	if (json_is_string(name)) {
		text = json_string_value(name);
		while (isspace((unsigned char)*text))
			text++;
		len = strlen(text);
		while (len > 0 && isspace((unsigned char)text[len - 1]))
			len--;
		trimmed = xstrndup(text, len);
		for (p = trimmed; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				reply_error(req, 400,
				    "name must not contain control characters");
				free(trimmed);
				return;
			}
		}
		/* Characters, not bytes: count UTF-8 lead bytes. */
		size_t chars = 0;
		for (p = trimmed; *p != '\0'; p++)
			chars += ((unsigned char)*p & 0xc0) != 0x80;
		if (chars > 80) {
			reply_error(req, 400, "name must be 80 characters or fewer");
			free(trimmed);
			return;
		}
	}
	if (session_set_name(id, trimmed, &out) != 0) {
		free(trimmed);
		reply_not_found(req, id);
		return;
	}
	free(trimmed);
	reply_json(req, 200, json_pack("{s:o}", "session", out));
}

static void
post_stop(struct request *req)
{
	session_stop(request_param(req, "id"), false, reply_session, req);
}

static void
post_kill(struct request *req)
{
	session_stop(request_param(req, "id"), true, reply_session, req);
}

static void
post_resume(struct request *req)
{
	session_resume(request_param(req, "id"), reply_session, req);
}

static void
post_recover(struct request *req)
{
	const char *id = request_param(req, "id");
	json_t *row;

	if (reply_live_session(req, id))
		return;
	if ((row = session_db_json(id)) == NULL) {
		reply_error(req, 400, "Session not found: %s", id);
		return;
	}
	json_decref(row);
	/* Startup adopts every live runtime; one not in memory now is gone. */
	reply_error(req, 400, "Tmux session codepiper-%s is no longer running", id);
}

/* The live session for an input or output route, or a reply and NULL. */
static struct session *
live_session(struct request *req)
{
	const char *id = request_param(req, "id");
	struct session *s = session_find(id);

	if (s == NULL)
		reply_not_found(req, id);
	else if (s->closing) {
		reply_error(req, 409, "Session %s is closed", id);
		s = NULL;
	}
	return s;
}

static void
post_send(struct request *req)
{
	struct session *s;
	json_t *body, *text, *newline;

	if ((body = request_object(req)) == NULL)
		return;
	text = json_object_get(body, "text");
	if (!json_is_string(text)) {
		reply_error(req, 400, "Missing required field: text");
		return;
	}
	if (json_string_length(text) > SEND_TEXT_MAX) {
		reply_error(req, 400, "text too long (%zu chars, max 1MB)",
		    json_string_length(text));
		return;
	}
	newline = json_object_get(body, "newline");
	if (newline != NULL && !json_is_boolean(newline) && !json_is_null(newline)) {
		reply_error(req, 400, "newline must be a boolean");
		return;
	}
	if ((s = live_session(req)) == NULL)
		return;
	if (preflight_refuse_text(req, s->id, json_string_value(text),
	    json_string_length(text), newline == NULL || json_is_null(newline) ||
	    json_is_true(newline)))
		return;
	session_send_text(s, json_string_value(text), json_string_length(text),
	    newline == NULL || json_is_null(newline) || json_is_true(newline));
	reply_success(req);
}

static void
post_slash(struct request *req)
{
	struct session *s;
	json_t *body, *command, *args, *arg;
	char *line, *next;
	size_t i;

	if ((body = request_object(req)) == NULL)
		return;
	command = json_object_get(body, "command");
	if (!json_is_string(command) || json_string_length(command) == 0) {
		reply_error(req, 400, "Missing required field: command");
		return;
	}
	args = json_object_get(body, "args");
	if (args != NULL && !json_is_null(args) && !json_is_array(args)) {
		reply_error(req, 400, "args must be an array");
		return;
	}
	if ((s = live_session(req)) == NULL)
		return;
	xasprintf(&line, "/%s", json_string_value(command) +
	    (json_string_value(command)[0] == '/'));
	json_array_foreach(args, i, arg) {
		if (!json_is_string(arg))
			continue;
		xasprintf(&next, "%s %s", line, json_string_value(arg));
		free(line);
		line = next;
	}
	session_send_text(s, line, strlen(line), true);
	free(line);
	reply_success(req);
}

static void
post_keys(struct request *req)
{
	struct session *s;
	json_t *body, *keys, *key, *mapped;
	size_t i;

	if ((body = request_object(req)) == NULL)
		return;
	keys = json_object_get(body, "keys");
	if (!json_is_array(keys)) {
		reply_error(req, 400, "keys must be an array");
		return;
	}
	if (json_array_size(keys) == 0) {
		reply_error(req, 400, "keys array cannot be empty");
		return;
	}
	if (json_array_size(keys) > KEYS_MAX) {
		reply_error(req, 400, "too many keys (%zu, max 100)",
		    json_array_size(keys));
		return;
	}
	json_array_foreach(keys, i, key) {
		if (!json_is_string(key)) {
			reply_error(req, 400, "all keys must be strings");
			return;
		}
	}
	if ((s = live_session(req)) == NULL)
		return;
	if (preflight_refuse_keys(req, s->id, keys))
		return;
	mapped = json_array();
	json_array_foreach(keys, i, key) {
		char *k = key_to_tmux(json_string_value(key));
		if (k != NULL)
			json_array_append_new(mapped, json_string(k));
		free(k);
	}
	session_send_keys(s, mapped);
	json_decref(mapped);
	reply_success(req);
}

static void
output_done(bool ok, const char *text, void *arg)
{
	struct request *req = arg;

	if (!ok)
		reply_error(req, 500, "Failed to capture output: %s", text);
	else
		reply_json(req, 200, json_pack("{s:s}", "output", text));
}

static void
get_output(struct request *req)
{
	const char *id = request_param(req, "id");
	struct session *s = session_find(id);
	json_t *row;

	if (s == NULL) {
		if ((row = session_db_json(id)) == NULL) {
			reply_not_found(req, id);
			return;
		}
		char *msg = xprintf("Session is not actively managed: %s", id);
		reply_json(req, 409, json_pack("{s:s,s:O}", "error", msg, "status",
		    json_object_get(row, "status")));
		free(msg);
		json_decref(row);
		return;
	}
	session_capture(s, output_done, req);
}

static void
resize_done(bool ok, void *arg)
{
	reply_json(arg, 200, json_pack("{s:b}", "success", ok));
}

static bool
dimension(json_t *v, int *out)
{
	double d;

	if (!json_is_number(v))
		return false;
	d = json_number_value(v);
	if (d < 1 || d > 1000 || d != (double)(int)d)
		return false;
	*out = (int)d;
	return true;
}

static void
post_resize(struct request *req)
{
	struct session *s;
	json_t *body;
	int cols, rows;

	if ((body = request_object(req)) == NULL)
		return;
	if (!dimension(json_object_get(body, "cols"), &cols) ||
	    !dimension(json_object_get(body, "rows"), &rows)) {
		reply_error(req, 400, "cols and rows must be positive numbers "
		    "(integers from 1 to 1000)");
		return;
	}
	if ((s = session_find(request_param(req, "id"))) == NULL || s->closing) {
		reply_json(req, 200, json_pack("{s:b}", "success", 0));
		return;
	}
	session_resize(s, cols, rows, resize_done, req);
}

static int64_t
query_int(struct request *req, const char *name, int64_t fallback, bool *bad)
{
	char *v = request_query(req, name);
	const char *errstr;
	int64_t n = fallback;

	if (v != NULL && *v != '\0' &&
	    parse_int64(v, INT64_MIN, INT64_MAX, &n, &errstr) != 0)
		*bad = true;
	free(v);
	return n;
}

static void
list_events(struct request *req, const char *forced_source)
{
	struct event_query q = { 0 };
	char *source = request_query(req, "source");
	char *type = request_query(req, "type");
	char *order = request_query(req, "order");
	bool bad = false;

	q.session_id = request_param(req, "id");
	if (forced_source != NULL)
		q.source = forced_source;
	else if (source != NULL && (strcmp(source, "pty") == 0 ||
	    strcmp(source, "hook") == 0 || strcmp(source, "transcript") == 0 ||
	    strcmp(source, "statusline") == 0))
		q.source = source;
	q.type = type != NULL && *type != '\0' ? type : NULL;
	q.since = query_int(req, "since", -1, &bad);
	q.before = query_int(req, "before", -1, &bad);
	q.limit = query_int(req, "limit", 500, &bad);
	q.descending = order != NULL && strcmp(order, "desc") == 0;
	if (bad || q.limit < 1 || q.limit > 1000)
		reply_error(req, 400, "since, before and limit must be integers; "
		    "limit from 1 to 1000");
	else
		reply_json(req, 200, event_list(&q));
	free(source);
	free(type);
	free(order);
}

static void
get_events(struct request *req)
{
	list_events(req, NULL);
}

static void
get_transcript_events(struct request *req)
{
	list_events(req, "transcript");
}

static void
post_upload_image(struct request *req)
{
	static const char *const allowed[] = { "image/png", "image/jpeg",
	    "image/gif", "image/webp", NULL };
	const char *id = request_param(req, "id");
	struct multipart_part part;
	const char *problem;
	char *name = NULL, *path = NULL, *cause = NULL;
	json_t *row;
	size_t i;
	int rc;

	if (session_find(id) == NULL) {
		if ((row = session_db_json(id)) == NULL) {
			reply_not_found(req, id);
			return;
		}
		json_decref(row);
	}
	rc = multipart_find(request_header(req, "Content-Type"), req->body,
	    req->body_len, "image", &part);
	if (rc < 0) {
		reply_error(req, 400, "Invalid multipart form data. Send image as "
		    "'image' field.");
		return;
	}
	if (rc > 0 || !part.is_file) {
		multipart_part_free(&part);
		reply_error(req, 400, "Missing required field: image");
		return;
	}
	if (part.len > UPLOAD_IMAGE_MAX) {
		reply_error(req, 400, "Image too large (%.1fMB, max 10MB)",
		    part.len / (1024.0 * 1024.0));
		goto out;
	}
	if (part.len == 0) {
		reply_error(req, 400, "Image file is empty");
		goto out;
	}
	for (i = 0; allowed[i] != NULL; i++) {
		if (part.content_type != NULL &&
		    strcmp(part.content_type, allowed[i]) == 0)
			break;
	}
	if (allowed[i] == NULL) {
		reply_error(req, 400, "Invalid image type: %s. Allowed: PNG, JPEG, "
		    "GIF, WebP", part.content_type ? part.content_type : "(none)");
		goto out;
	}
	if ((problem = upload_check_image(part.content_type, part.data,
	    part.len)) != NULL) {
		reply_error(req, 400, "%s", problem);
		goto out;
	}
	name = upload_sanitize_name(part.filename);
	if (upload_store(id, name, part.data, part.len, &path, &cause) != 0) {
		reply_error(req, 500, "%s", cause);
		goto out;
	}
	reply_json(req, 200, json_pack("{s:s,s:s}", "path", path,
	    "filename", *part.filename ? part.filename : name));
out:
	multipart_part_free(&part);
	free(name);
	free(path);
	free(cause);
}

/* Terminal routes answer every failure with 400 (spec). */
static struct session *
terminal_session(struct request *req)
{
	const char *id = request_param(req, "id");
	struct session *s = session_find(id);

	if (s == NULL || s->closing) {
		reply_error(req, 400, "Session not found: %s", id);
		return NULL;
	}
	return s;
}

static void
info_done(json_t *info, const char *error, void *arg)
{
	if (info == NULL)
		reply_error(arg, 400, "%s", error);
	else
		reply_json(arg, 200, info);
}

static void
get_terminal_info(struct request *req)
{
	struct session *s;

	if ((s = terminal_session(req)) != NULL)
		terminal_info(s, info_done, req);
}

static void
post_terminal_mode(struct request *req)
{
	struct session *s;
	json_t *body;
	const char *mode;

	if ((body = request_object(req)) == NULL)
		return;
	mode = json_string_value(json_object_get(body, "mode"));
	if (mode == NULL || (strcmp(mode, "scroll") != 0 &&
	    strcmp(mode, "interactive") != 0)) {
		reply_error(req, 400, "mode must be \"scroll\" or \"interactive\"");
		return;
	}
	if ((s = terminal_session(req)) == NULL)
		return;
	terminal_set_mode(s, strcmp(mode, "scroll") == 0);
	reply_json(req, 200, json_pack("{s:b,s:s}", "success", 1, "mode", mode));
}

static void
post_terminal_scroll(struct request *req)
{
	struct session *s;
	json_t *body, *lines_value;
	const char *direction, *edge;
	int lines = 1;

	if ((body = request_object(req)) == NULL)
		return;
	edge = json_string_value(json_object_get(body, "edge"));
	direction = json_string_value(json_object_get(body, "direction"));
	lines_value = json_object_get(body, "lines");
	if (edge != NULL) {
		if (strcmp(edge, "top") != 0 && strcmp(edge, "bottom") != 0) {
			reply_error(req, 400, "edge must be \"top\" or \"bottom\"");
			return;
		}
	} else if (direction == NULL || (strcmp(direction, "up") != 0 &&
	    strcmp(direction, "down") != 0)) {
		reply_error(req, 400, "direction must be \"up\" or \"down\"");
		return;
	}
	if (lines_value != NULL) {
		if (!json_is_integer(lines_value) ||
		    json_integer_value(lines_value) < 1 ||
		    json_integer_value(lines_value) > 1000) {
			reply_error(req, 400, "lines must be an integer from 1 to 1000");
			return;
		}
		lines = (int)json_integer_value(lines_value);
	}
	if ((s = terminal_session(req)) == NULL)
		return;
	terminal_scroll(s, direction != NULL && strcmp(direction, "up") == 0, lines,
	    json_is_true(json_object_get(body, "page")), edge);
	reply_success(req);
}

static void
post_terminal_search(struct request *req)
{
	struct session *s;
	json_t *body, *query;
	const char *action;

	if ((body = request_object(req)) == NULL)
		return;
	query = json_object_get(body, "query");
	action = json_string_value(json_object_get(body, "action"));
	if (query != NULL) {
		if (!json_is_string(query) || json_string_length(query) == 0 ||
		    json_string_length(query) > 1000 ||
		    strlen(json_string_value(query)) != json_string_length(query)) {
			reply_error(req, 400, "query must be 1 to 1000 characters");
			return;
		}
	} else if (action == NULL || (strcmp(action, "next") != 0 &&
	    strcmp(action, "previous") != 0 && strcmp(action, "cancel") != 0)) {
		reply_error(req, 400, "Send a query, or an action: next, previous "
		    "or cancel");
		return;
	}
	if ((s = terminal_session(req)) == NULL)
		return;
	if (query != NULL)
		terminal_search(s, json_string_value(query));
	else
		terminal_search_action(s, action);
	reply_success(req);
}

const struct route routes_sessions[] = {
	{ "GET",  "/sessions", get_sessions, 0 },
	{ "POST", "/sessions", post_sessions, ROUTE_JSON },
	{ "POST", "/sessions/validate", post_validate, ROUTE_JSON },
	{ "POST", "/sessions/validate-git", post_validate_git, ROUTE_JSON },
	{ "GET",  "/sessions/:id", get_session, ROUTE_AGENT_OK },
	{ "PUT",  "/sessions/:id/name", put_session_name, ROUTE_JSON },
	{ "POST", "/sessions/:id/stop", post_stop, 0 },
	{ "POST", "/sessions/:id/kill", post_kill, 0 },
	{ "POST", "/sessions/:id/resume", post_resume, 0 },
	{ "POST", "/sessions/:id/recover", post_recover, 0 },
	{ "POST", "/sessions/:id/send", post_send, ROUTE_JSON },
	{ "POST", "/sessions/:id/slash", post_slash, ROUTE_JSON },
	{ "POST", "/sessions/:id/keys", post_keys, ROUTE_JSON },
	{ "GET",  "/sessions/:id/output", get_output, ROUTE_AGENT_OK },
	{ "POST", "/sessions/:id/resize", post_resize, ROUTE_JSON },
	{ "POST", "/sessions/:id/upload-image", post_upload_image, ROUTE_UPLOAD },
	{ "GET",  "/sessions/:id/terminal/info", get_terminal_info, 0 },
	{ "POST", "/sessions/:id/terminal/mode", post_terminal_mode, ROUTE_JSON },
	{ "POST", "/sessions/:id/terminal/scroll", post_terminal_scroll, ROUTE_JSON },
	{ "POST", "/sessions/:id/terminal/search", post_terminal_search, ROUTE_JSON },
	{ "GET",  "/sessions/:id/events", get_events, ROUTE_AGENT_OK },
	{ "GET",  "/sessions/:id/transcript/events", get_transcript_events,
	    ROUTE_AGENT_OK },
	{ NULL, NULL, NULL, 0 },
};
