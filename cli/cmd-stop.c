/*
 * codepiper stop <id> and codepiper kill <id>: POST /sessions/:id/stop
 * (graceful: Ctrl+D, Ctrl+C, then the tmux session goes) and /kill
 * (immediately).
 */
#include <stdlib.h>

#include "cli.h"
#include "xmalloc.h"

static const char stop_usage[] =
"Usage: codepiper stop <session-id>\n"
"\n"
"Stop a session gracefully: the agent gets Ctrl+D and Ctrl+C, then its\n"
"tmux session is closed. A worktree is stashed and removed.\n"
"\n"
"Options:\n"
"  -s, --socket <path>  daemon socket\n";

static const char kill_usage[] =
"Usage: codepiper kill <session-id>\n"
"\n"
"Kill a session now (no graceful exit; a worktree is force-removed).\n"
"\n"
"Options:\n"
"  -s, --socket <path>  daemon socket\n";

static int
end_session(int argc, char **argv, const char *usage, const char *action,
    const char *done)
{
	const char		*socket_flag = NULL;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
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
	target = cli_session_target(args.positional.items[0], action);
	reply = cli_api(cli_socket_path(socket_flag), "POST", target, NULL);
	free(target);
	if (reply != NULL)
		cli_success("Session %.8s... %s", args.positional.items[0], done);
	json_decref(reply);
	cli_args_free(&args);
	return reply != NULL ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cmd_stop(int argc, char **argv)
{
	return end_session(argc, argv, stop_usage, "stop", "stopped");
}

int
cmd_kill(int argc, char **argv)
{
	return end_session(argc, argv, kill_usage, "kill", "killed");
}
