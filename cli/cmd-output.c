/*
 * codepiper output <id>: GET /sessions/:id/output, the session's visible
 * screen. Terminal colours are kept on a TTY and stripped otherwise (and
 * with NO_COLOR), unless --raw.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper output <session-id> [--raw] [--json]\n"
"\n"
"Print what a session's terminal shows now.\n"
"\n"
"Options:\n"
"      --raw            keep terminal escape sequences even when piped\n"
"      --json           print {\"output\": ...}\n"
"  -s, --socket <path>  daemon socket\n";

int
cmd_output(int argc, char **argv)
{
	const char		*socket_flag = NULL, *text;
	int			 json = 0, raw = 0;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, "raw", CLI_FLAG, &raw },
		{ 0, NULL, 0, NULL },
	};
	char			*target, *plain;
	json_t			*reply;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	target = cli_session_target(args.positional.items[0], "output");
	cli_args_free(&args);
	reply = cli_api(cli_socket_path(socket_flag), "GET", target, NULL);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	text = json_string_value(json_object_get(reply, "output"));
	if (json)
		cli_print_json(reply);
	else if (text == NULL) {
		cli_error("Invalid response from daemon: no output");
		json_decref(reply);
		return CLI_EXIT_FAIL;
	} else if (raw || cli_color())
		fputs(text, stdout);
	else {
		plain = cli_strip_ansi(text);
		fputs(plain, stdout);
		free(plain);
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}
