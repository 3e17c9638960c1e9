/*
 * codepiper status <id>: GET /sessions/:id, as labelled lines or JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper status <session-id> [--json]\n"
"\n"
"Show one session: provider, status, directory, process, worktree, model.\n"
"\n"
"Options:\n"
"      --json           print the session object\n"
"  -s, --socket <path>  daemon socket\n";

static void
line(const char *label, const char *value)
{
	if (value != NULL && *value != '\0')
		printf("  %-12s %s\n", label, value);
}

static void
time_line(const char *label, json_t *session, const char *key)
{
	char	*text;

	text = cli_format_time(json_string_value(json_object_get(session, key)));
	line(label, text);
	free(text);
}

static void
print_session(json_t *session)
{
	json_t		*metadata, *launch, *worktree, *value, *arg;
	const char	*status;
	char		*text, *next;
	size_t		 i;

	metadata = json_object_get(session, "metadata");
	launch = json_object_get(metadata, "launch");
	worktree = json_object_get(metadata, "worktree");
	status = json_string_value(json_object_get(session, "status"));

	printf("%sSession %s%s\n", cli_sgr(CLI_BOLD),
	    json_string_value(json_object_get(session, "id")),
	    cli_sgr(CLI_RESET));
	line("Name:", json_string_value(json_object_get(json_object_get(
	    metadata, "ui"), "customName")));
	line("Provider:", json_string_value(json_object_get(session,
	    "provider")));
	text = xprintf("%s%s%s", cli_sgr(cli_status_style(status)),
	    status != NULL ? status : "-", cli_sgr(CLI_RESET));
	line("Status:", text);
	free(text);
	line("Directory:", json_string_value(json_object_get(session, "cwd")));
	value = json_object_get(session, "pid");
	if (json_is_integer(value)) {
		text = xprintf("%lld", (long long)json_integer_value(value));
		line("PID:", text);
		free(text);
	}
	time_line("Created:", session, "createdAt");
	time_line("Updated:", session, "updatedAt");
	line("Model:", json_string_value(json_object_get(metadata,
	    "currentModel")));
	line("Billing:", json_string_value(json_object_get(launch,
	    "billingMode")));
	if (json_array_size(json_object_get(launch, "args")) > 0) {
		text = xstrdup("");
		json_array_foreach(json_object_get(launch, "args"), i, arg) {
			next = xprintf("%s%s%s", text, i > 0 ? " " : "",
			    json_string_value(arg) != NULL ?
			    json_string_value(arg) : "?");
			free(text);
			text = next;
		}
		line("Arguments:", text);
		free(text);
	}
	if (json_is_true(json_object_get(json_object_get(metadata, "security"),
	    "dangerousMode")))
		line("Dangerous:", "yes (permission prompts skipped)");
	if (worktree != NULL) {
		text = xprintf("%s (%s)", json_string_value(json_object_get(
		    worktree, "branch")), json_string_value(json_object_get(
		    worktree, "worktreePath")));
		line("Worktree:", text);
		free(text);
	}
	line("Transcript:", json_string_value(json_object_get(session,
	    "transcriptPath")));
}

int
session_command(int argc, char **argv, const char *help, const char *method,
    const char *suffix, const char *announce, void (*print)(json_t *))
{
	const char		*socket_flag = NULL;
	int			 json = 0;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	char			*target;
	json_t			*reply;

	if (cli_parse(argc, argv, options, help, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	if (announce != NULL && !json) {
		printf("%s session %s...\n", announce, args.positional.items[0]);
		fflush(stdout);
	}
	target = cli_session_target(args.positional.items[0], suffix);
	cli_args_free(&args);
	reply = cli_api(cli_socket_path(socket_flag), method, target, NULL);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	if (json)
		cli_print_json(json_object_get(reply, "session"));
	else
		print(json_object_get(reply, "session"));
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_status(int argc, char **argv)
{
	return session_command(argc, argv, usage, "GET", NULL, NULL,
	    print_session);
}
