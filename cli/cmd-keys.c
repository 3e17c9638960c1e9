/*
 * codepiper keys <id> <key...>: POST /sessions/:id/keys. The daemon maps
 * the names (enter, esc, tab, ctrl+c, f1 ...); see sessions.md §6.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper keys <session-id> <key...> [-- key...]\n"
"\n"
"Press named keys in a session, in order: enter, escape (esc), tab,\n"
"shift+tab, backspace, delete, insert, up, down, left, right, home, end,\n"
"pageup, pagedown, f1..f12, ctrl+<x>, alt+<x>; anything else is typed by\n"
"tmux as given (lower-cased).\n"
"\n"
"Options:\n"
"  -s, --socket <path>  daemon socket\n"
"  --                   the rest are keys, even words starting with '-'\n";

int
cmd_keys(int argc, char **argv)
{
	const char		*socket_flag = NULL;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, NULL, 0, NULL },
	};
	char			*target, *list, *next;
	json_t			*keys, *reply;
	size_t			 i;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	if (args.positional.n < 2) {
		cli_args_free(&args);
		return cli_usage_error("at least one key is required");
	}
	keys = json_array();
	list = xstrdup("");
	for (i = 1; i < args.positional.n; i++) {
		json_array_append_new(keys, json_string(args.positional.items[i]));
		next = xprintf("%s%s%s", list, i > 1 ? ", " : "",
		    args.positional.items[i]);
		free(list);
		list = next;
	}
	target = cli_session_target(args.positional.items[0], "keys");
	reply = cli_api(cli_socket_path(socket_flag), "POST", target,
	    json_pack("{s:o}", "keys", keys));
	free(target);
	if (reply != NULL)
		printf("Keys sent to session %s: %s\n", args.positional.items[0],
		    list);
	json_decref(reply);
	free(list);
	cli_args_free(&args);
	return reply != NULL ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
