/*
 * codepiper hook-forward (cli.md §4): the command Claude Code runs, through
 * the per-session hook script, on session start, notifications, every
 * permission prompt and every end of turn. It forwards the hook's stdin to
 * agentd and turns a PermissionRequest answer into Claude Code's decision.
 *
 * It runs synchronously inside the agent, so it is the hot path: main()
 * dispatches here before anything else, there is no config, no locale, one
 * connect, one request, one write. stdin is parsed only to check that it is a
 * JSON object and to read the event name; the raw bytes are embedded in the
 * request as "data". Whatever it prints on stdout reaches the model's
 * context, so stdout carries the decision JSON and nothing else.
 *
 * Exit status: 0 forwarded (allow, ask or no decision), 2 deny, 1 anything
 * that went wrong (Claude Code then goes on as if there were no hook).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "unix-http.h"
#include "xmalloc.h"

/* agentd accepts 8 MiB on /hooks/claude; more cannot succeed. */
#define HOOK_INPUT_MAX		(8 * 1024 * 1024)
#define HOOK_CONNECT_MS		1000
#define HOOK_RESPONSE_MS	10000
/* Below Claude Code's default 60 s hook timeout, so our error wins. */
#define HOOK_PERMISSION_MS	55000

#define HOOK_EXIT_DENY		2

static const char *const hook_env[] = {
	"CODEPIPER_UNIX_SOCK", "CODEPIPER_SESSION", "CODEPIPER_SECRET",
};

/* All of stdin; NULL and a message printed when it is unreadable or huge. */
static char *
read_stdin(size_t *len)
{
	char	*buf = NULL;
	size_t	 size = 0, used = 0;
	ssize_t	 n;

	for (;;) {
		if (used == size) {
			if (size >= HOOK_INPUT_MAX) {
				cli_error("Input too large (max %d MiB)",
				    HOOK_INPUT_MAX / (1024 * 1024));
				free(buf);
				return NULL;
			}
			size = size == 0 ? 16384 : size * 2;
			buf = xrealloc(buf, size + 1);
		}
		n = read(STDIN_FILENO, buf + used, size - used);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			cli_error("Reading stdin: %s", strerror(errno));
			free(buf);
			return NULL;
		}
		used += n;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

static int
all_space(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (!isspace((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* The event name: "event" (legacy) or "hook_event_name". Borrowed. */
static const char *
event_name(json_t *input)
{
	const char	*name;

	name = json_string_value(json_object_get(input, "event"));
	if (name == NULL || *name == '\0')
		name = json_string_value(json_object_get(input,
		    "hook_event_name"));
	return name != NULL && *name != '\0' ? name : NULL;
}

/* {"sessionId":..,"event":..,"data":<raw stdin>}; NULL if not UTF-8. */
static char *
request_body(const char *session, const char *event, const char *raw,
    size_t raw_len, size_t *len)
{
	json_t	*s = json_string(session), *e = json_string(event);
	char	*session_json = NULL, *event_json = NULL, *body = NULL;
	int	 n;

	if (s != NULL && e != NULL) {
		session_json = json_dumps(s, JSON_ENCODE_ANY);
		event_json = json_dumps(e, JSON_ENCODE_ANY);
		n = xasprintf(&body, "{\"sessionId\":%s,\"event\":%s,\"data\":",
		    session_json, event_json);
		body = xrealloc(body, n + raw_len + 2);
		memcpy(body + n, raw, raw_len);
		body[n + raw_len] = '}';
		body[n + raw_len + 1] = '\0';
		*len = n + raw_len + 1;
	}
	json_decref(s);
	json_decref(e);
	free(session_json);
	free(event_json);
	return body;
}

/*
 * The answer to a PermissionRequest as Claude Code reads it: only its
 * documented hookSpecificOutput. The reference's flat {"decision":"allow"}
 * must not stand beside it: Claude Code (2.1.x) rejects the whole object
 * when a top-level "decision" is anything but approve/block, and falls back
 * to its dialog (tests/fake-anthropic/README.md). A deny still exits 2 with
 * the message on stderr, as cli.md says; the JSON wins either way.
 * Returns the exit status.
 */
static int
print_decision(json_t *reply)
{
	json_t		*out, *hook, *decision, *input, *permissions;
	const char	*verdict, *message;
	char		*text;
	int		 status = CLI_EXIT_OK;

	verdict = json_string_value(json_object_get(reply, "decision"));
	if (verdict == NULL) {
		if (json_is_false(json_object_get(reply, "allow")))
			verdict = "deny";
		else if (json_is_true(json_object_get(reply, "allow")))
			verdict = "allow";
	}
	if (verdict == NULL || (strcmp(verdict, "allow") != 0 &&
	    strcmp(verdict, "deny") != 0))
		return CLI_EXIT_OK;	/* ask: Claude Code shows its prompt */

	input = json_object_get(reply, "updatedInput");
	permissions = json_object_get(reply, "updatedPermissions");
	message = json_string_value(json_object_get(reply, "denialMessage"));
	if (message == NULL)
		message = json_string_value(json_object_get(reply, "message"));

	out = json_object();
	decision = json_object();
	json_object_set_new(decision, "behavior", json_string(verdict));
	if (input != NULL)
		json_object_set(decision, "updatedInput", input);
	if (permissions != NULL)
		json_object_set(decision, "updatedPermissions", permissions);
	if (strcmp(verdict, "deny") == 0) {
		status = HOOK_EXIT_DENY;
		json_object_set_new(decision, "message", json_string(message != NULL ?
		    message : "Denied by CodePiper policy"));
		/* Claude Code shows stderr when a hook exits 2. */
		fprintf(stderr, "%s\n", message != NULL ? message :
		    "Denied by CodePiper policy");
	}
	hook = json_pack("{s:s,s:o}", "hookEventName", "PermissionRequest",
	    "decision", decision);
	json_object_set_new(out, "hookSpecificOutput", hook);
	text = json_dumps(out, JSON_COMPACT);
	if (text == NULL)
		abort();
	fputs(text, stdout);
	fputc('\n', stdout);
	if (fflush(stdout) != 0)
		status = CLI_EXIT_FAIL;
	free(text);
	json_decref(out);
	return status;
}

/*
 * PreToolUse (installed by agentd, docs/hooks.md): a deny rule of the
 * session's policies refuses the tool before Claude Code decides anything
 * itself (auto mode asks nobody). Otherwise "{}": no decision, and Claude
 * Code records the hook's run, with its duration, in the transcript (it
 * keeps no record of a hook that printed nothing). Always exit 0.
 */
static int
print_pretool(const struct unix_http_response *response)
{
	json_t		*reply, *out;
	const char	*reason;
	char		*text = NULL;

	reply = json_loadb(response->body, response->body_len, 0, NULL);
	if (json_is_object(reply) && json_is_string(json_object_get(reply,
	    "permissionDecision")) && strcmp(json_string_value(
	    json_object_get(reply, "permissionDecision")), "deny") == 0) {
		reason = json_string_value(json_object_get(reply,
		    "permissionDecisionReason"));
		out = json_pack("{s:{s:s,s:s,s:s}}", "hookSpecificOutput",
		    "hookEventName", "PreToolUse", "permissionDecision", "deny",
		    "permissionDecisionReason", reason != NULL ? reason :
		    "Denied by CodePiper policy");
		text = json_dumps(out, JSON_COMPACT);
		json_decref(out);
	}
	json_decref(reply);
	fputs(text != NULL ? text : "{}", stdout);
	fputc('\n', stdout);
	free(text);
	return fflush(stdout) != 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int
cmd_hook_forward(int argc, char **argv)
{
	struct unix_http_header		headers[2];
	struct unix_http_response	response;
	struct unix_http_conn		*conn;
	json_error_t			 error;
	json_t				*input = NULL, *reply;
	const char			*value[3], *event, *error_text;
	char				*raw = NULL, *body = NULL, *cause = NULL;
	char				*message;
	size_t				 raw_len = 0, body_len = 0, i;
	int				 rc, status = CLI_EXIT_FAIL, permission;

	memset(&response, 0, sizeof response);
	for (i = 0; i < 3; i++) {
		value[i] = getenv(hook_env[i]);
		if (value[i] == NULL || *value[i] == '\0') {
			cli_error("%s environment variable is required. This "
			    "should be set by the daemon when spawning the "
			    "session.", hook_env[i]);
			return CLI_EXIT_FAIL;
		}
	}

	if ((raw = read_stdin(&raw_len)) == NULL)
		return CLI_EXIT_FAIL;
	if (all_space(raw, raw_len)) {
		cli_error("No input received from stdin");
		goto out;
	}
	if ((input = json_loadb(raw, raw_len, 0, &error)) == NULL) {
		cli_error("Invalid JSON input: %s", error.text);
		goto out;
	}
	if (!json_is_object(input) || (event = event_name(input)) == NULL) {
		cli_error("Missing required field: event or hook_event_name");
		goto out;
	}
	permission = strcmp(event, "PermissionRequest") == 0;
	if ((body = request_body(value[1], event, raw, raw_len,
	    &body_len)) == NULL) {
		cli_error("CODEPIPER_SESSION and the event name must be UTF-8");
		goto out;
	}

	if ((conn = unix_http_connect(value[0], HOOK_CONNECT_MS,
	    &cause)) == NULL) {
		message = cli_connection_failure(value[0], UNIX_HTTP_EUNSENT,
		    cause);
		cli_error("%s", message);
		free(message);
		goto out;
	}
	headers[0].name = "Content-Type";
	headers[0].value = "application/json";
	headers[1].name = "X-CodePiper-Secret";
	headers[1].value = value[2];
	rc = unix_http_request(conn, "POST", "/hooks/claude", headers, 2, body,
	    body_len, permission ? HOOK_PERMISSION_MS : HOOK_RESPONSE_MS,
	    &response, &cause);
	unix_http_conn_free(conn);
	if (rc == UNIX_HTTP_EINVAL) {
		/* Never echo the cause: it could quote the secret. */
		cli_error("CODEPIPER_SECRET holds characters a header cannot "
		    "carry");
		goto out;
	}
	if (rc != UNIX_HTTP_OK) {
		message = cli_connection_failure(value[0], rc, cause);
		cli_error("%s", message);
		free(message);
		goto out;
	}

	if (response.status < 200 || response.status > 299) {
		reply = json_loadb(response.body, response.body_len, 0, NULL);
		error_text = json_string_value(json_object_get(reply, "error"));
		if (error_text != NULL && *error_text != '\0')
			cli_error("%s", error_text);
		else
			cli_error("HTTP %d: %s", response.status,
			    response.reason);
		json_decref(reply);
		goto out;
	}
	if (strcmp(event, "PreToolUse") == 0) {
		status = print_pretool(&response);
		goto out;
	}
	if (!permission) {
		status = CLI_EXIT_OK;
		goto out;
	}
	if ((reply = json_loadb(response.body, response.body_len, 0,
	    NULL)) == NULL || !json_is_object(reply)) {
		cli_error("Invalid response from daemon");
		json_decref(reply);
		goto out;
	}
	status = print_decision(reply);
	json_decref(reply);

out:
	unix_http_response_free(&response);
	json_decref(input);
	free(cause);
	free(body);
	free(raw);
	return status;
}
