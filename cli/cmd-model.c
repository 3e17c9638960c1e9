/*
 * codepiper model <id> [model] (cli.md §2 "model"): show a session's model,
 * or switch it (the daemon types /model <m> into the agent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
"Usage: codepiper model <session-id> [model]\n"
"\n"
"Without a model: print the session's model (as switched through CodePiper)\n"
"and the model its transcript last reported. With one: switch to it.\n"
"\n"
"Claude models: sonnet, opus, haiku, opusplan, claude-sonnet-4-5,\n"
"claude-opus-4-6, claude-haiku-4-5 (others are sent as they are).\n"
"\n"
"Options:\n"
"      --json           print JSON (show only)\n"
"  -s, --socket <path>  daemon socket (else $CODEPIPER_SOCKET,\n"
"                       $CODEPIPER_UNIX_SOCK, /tmp/codepiper.sock)\n";

static const char *const known_models[] = {
	"sonnet", "opus", "haiku", "opusplan", "claude-sonnet-4-5",
	"claude-opus-4-6", "claude-haiku-4-5", NULL,
};

static int
show(const char *socket, const char *id, int json)
{
	struct cli_response	 r;
	char			*target = cli_session_target(id, "model"), *cause;
	const char		*model, *reported;
	int			 status = CLI_EXIT_FAIL;

	if (cli_call(socket, "GET", target, NULL, CLI_TIMEOUT_MS, &r, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		free(target);
		return CLI_EXIT_FAIL;
	}
	free(target);
	if (r.status / 100 != 2 || !json_is_object(r.json)) {
		cli_error("Failed to get model: %s", r.body);
		goto out;
	}
	status = CLI_EXIT_OK;
	if (json) {
		cli_print_json(r.json);
		goto out;
	}
	model = json_string_value(json_object_get(r.json, "model"));
	reported = json_string_value(json_object_get(r.json, "reportedModel"));
	printf("Current model: %s\n", model != NULL ? model : "unknown");
	if (reported != NULL)
		printf("Transcript reports: %s\n", reported);
	if (!json_is_true(json_object_get(r.json, "supportsModelSwitch")))
		printf("Model switching is not supported for provider %s in this "
		    "session.\n", json_string_value(json_object_get(r.json,
		    "provider")));
out:
	cli_response_free(&r);
	return status;
}

static int
set(const char *socket, const char *id, const char *model)
{
	struct cli_response	 r;
	char			*target, *cause;
	size_t			 i;
	int			 status = CLI_EXIT_FAIL;

	for (i = 0; known_models[i] != NULL; i++) {
		if (strcmp(known_models[i], model) == 0)
			break;
	}
	if (known_models[i] == NULL)
		cli_warn("'%s' is not in the default Claude model list; sending "
		    "as-is.", model);
	target = cli_session_target(id, "model");
	if (cli_call(socket, "PUT", target, json_pack("{s:s}", "model", model),
	    CLI_TIMEOUT_MS, &r, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		free(target);
		return CLI_EXIT_FAIL;
	}
	free(target);
	if (r.status / 100 != 2)
		cli_error("Failed to switch model: %s", r.body);
	else {
		cli_success("Switched model to %s for session %s", model, id);
		status = CLI_EXIT_OK;
	}
	cli_response_free(&r);
	return status;
}

int
cmd_model(int argc, char **argv)
{
	const char		*socket_flag = NULL, *socket;
	int			 json = 0, status;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n == 0) {
		fputs(usage, stderr);
		cli_args_free(&args);
		return CLI_EXIT_FAIL;
	}
	socket = socket_flag;
	if (socket == NULL && getenv("CODEPIPER_SOCKET") == NULL)
		socket = getenv("CODEPIPER_UNIX_SOCK");
	socket = cli_socket_path(socket != NULL && *socket != '\0' ? socket : NULL);
	if (args.positional.n == 1)
		status = show(socket, args.positional.items[0], json);
	else
		status = set(socket, args.positional.items[0],
		    args.positional.items[1]);
	cli_args_free(&args);
	return status;
}
