/*
 * codepiper resize <id> <cols> <rows>: POST /sessions/:id/resize. Unlike the
 * reference, {"success":false} (the session is not live) is an error.
 */
#include <stdlib.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper resize <session-id> <cols> <rows>\n"
"\n"
"Resize a session's terminal (1 to 1000 columns and rows).\n"
"\n"
"Options:\n"
"  -s, --socket <path>  daemon socket\n";

/* agentd's bound (sessions.md resize improvement). */
#define RESIZE_MAX	1000

int
cmd_resize(int argc, char **argv)
{
	const char		*socket_flag = NULL, *errstr, *id;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, NULL, 0, NULL },
	};
	long long		 cols, rows;
	char			*target;
	json_t			*reply;
	int			 status = CLI_EXIT_FAIL;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 3) {
		cli_args_free(&args);
		return cli_usage_error("Usage: codepiper resize <session-id> "
		    "<cols> <rows>");
	}
	if (cli_parse_int(args.positional.items[1], 1, RESIZE_MAX, &cols,
	    &errstr) != 0 || cli_parse_int(args.positional.items[2], 1,
	    RESIZE_MAX, &rows, &errstr) != 0) {
		cli_args_free(&args);
		return cli_usage_error("cols and rows must be positive integers "
		    "(1 to %d)", RESIZE_MAX);
	}
	id = args.positional.items[0];
	target = cli_session_target(id, "resize");
	reply = cli_api(cli_socket_path(socket_flag), "POST", target,
	    json_pack("{s:I,s:I}", "cols", (json_int_t)cols, "rows",
	    (json_int_t)rows));
	free(target);
	if (reply == NULL)
		goto out;
	if (json_is_false(json_object_get(reply, "success")))
		cli_error("Session %s could not be resized (is it running?)", id);
	else {
		cli_success("Session %.8s... resized to %lldx%lld", id, cols,
		    rows);
		status = CLI_EXIT_OK;
	}
	json_decref(reply);
out:
	cli_args_free(&args);
	return status;
}
