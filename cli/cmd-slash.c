/*
 * codepiper slash <id> <command> [args...]: POST /sessions/:id/slash, which
 * agentd types as "/<command> <args>" followed by Enter.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper slash <session-id> <command> [args...] [-- args...]\n"
"\n"
"Run a slash command in a session, e.g. `codepiper slash <id> model opus`.\n"
"\n"
"Options:\n"
"  -s, --socket <path>  daemon socket\n"
"  --                   the rest are arguments, even words starting with '-'\n";

int
cmd_slash(int argc, char **argv)
{
	const char		*socket_flag = NULL, *command;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, NULL, 0, NULL },
	};
	char			*target, *line, *next;
	json_t			*body, *list, *reply;
	size_t			 i;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	if (args.positional.n < 2) {
		cli_args_free(&args);
		return cli_usage_error("command is required");
	}
	command = args.positional.items[1];
	if (*command == '/')
		command++;
	body = json_pack("{s:s}", "command", command);
	line = xprintf("/%s", command);
	if (args.positional.n > 2) {
		list = json_array();
		for (i = 2; i < args.positional.n; i++) {
			json_array_append_new(list,
			    json_string(args.positional.items[i]));
			next = xprintf("%s %s", line, args.positional.items[i]);
			free(line);
			line = next;
		}
		json_object_set_new(body, "args", list);
	}
	target = cli_session_target(args.positional.items[0], "slash");
	reply = cli_api(cli_socket_path(socket_flag), "POST", target, body);
	free(target);
	if (reply != NULL)
		printf("Slash command sent to session %s: %s\n",
		    args.positional.items[0], line);
	json_decref(reply);
	free(line);
	cli_args_free(&args);
	return reply != NULL ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
