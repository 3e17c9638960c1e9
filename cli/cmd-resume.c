/*
 * codepiper resume <id>: POST /sessions/:id/resume, the provider's native
 * resume under the same session id; printed like start.
 */
#include <stdlib.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper resume <session-id> [--json]\n"
"\n"
"Reopen a stopped or crashed session with the agent's own resume\n"
"(claude --resume, codex resume), keeping its id, arguments and settings.\n"
"\n"
"Options:\n"
"      --json           print the session as JSON\n"
"  -s, --socket <path>  daemon socket\n";

int
cmd_resume(int argc, char **argv)
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

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	if (!json) {
		printf("Resuming session %s...\n", args.positional.items[0]);
		fflush(stdout);
	}
	target = cli_session_target(args.positional.items[0], "resume");
	cli_args_free(&args);
	reply = cli_api(cli_socket_path(socket_flag), "POST", target, NULL);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	if (json)
		cli_print_json(json_object_get(reply, "session"));
	else
		start_print_session(json_object_get(reply, "session"));
	json_decref(reply);
	return CLI_EXIT_OK;
}
