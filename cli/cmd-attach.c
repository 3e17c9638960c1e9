/*
 * codepiper attach <id>: put this terminal on the session's tmux session
 * (improvement over the reference's 100 ms polling of /output): after the
 * API confirms the session is live, exec
 *   tmux -L <server> attach-session [-r] -t =codepiper-<id>
 * on agentd's private tmux server ($CODEPIPER_TMUX_SOCKET, else codepiper).
 * Keys go straight to the agent, Ctrl+C included; the tmux prefix + d
 * detaches. --follow attaches read-only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper attach <session-id> [-f|--follow]\n"
"\n"
"Attach this terminal to a session's tmux window. Everything you type\n"
"goes to the agent (Ctrl+C too); detach with the tmux prefix then d\n"
"(Ctrl+b d unless configured otherwise).\n"
"\n"
"Options:\n"
"  -f, --follow         watch only (read-only client)\n"
"  -r, --read-only      same as --follow\n"
"  -s, --socket <path>  daemon socket\n";

#define PREFIX_QUERY_MS	2000

/* The tmux server name agentd uses. Borrowed. */
static const char *
tmux_server(void)
{
	const char	*name = getenv("CODEPIPER_TMUX_SOCKET");

	return name != NULL && *name != '\0' ? name : "codepiper";
}

/* The server's prefix key as a person would press it: "Ctrl+b". */
static char *
prefix_key(const char *tmux)
{
	char	*argv[] = { (char *)tmux, (char *)"-L", (char *)tmux_server(),
		    (char *)"show-options", (char *)"-gv", (char *)"prefix",
		    NULL };
	char	*output = NULL, *key;
	size_t	 len;

	if (cli_run_capture(argv, PREFIX_QUERY_MS, &output) != 0 ||
	    (len = strcspn(output, "\r\n")) == 0) {
		free(output);
		return xstrdup("Ctrl+b");
	}
	output[len] = '\0';
	if (strncmp(output, "C-", 2) == 0 && output[2] != '\0')
		key = xprintf("Ctrl+%s", output + 2);
	else if (strncmp(output, "M-", 2) == 0 && output[2] != '\0')
		key = xprintf("Alt+%s", output + 2);
	else
		key = xstrdup(output);
	free(output);
	return key;
}

int
cmd_attach(int argc, char **argv)
{
	const char		*socket_flag = NULL, *id, *status;
	int			 follow = 0, read_only = 0;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'f', "follow", CLI_FLAG, &follow },
		{ 'r', "read-only", CLI_FLAG, &read_only },
		{ 0, NULL, 0, NULL },
	};
	char			*target, *tmux = NULL, *prefix, *name = NULL;
	char			*tmux_argv[9];
	json_t			*reply;
	size_t			 i = 0;
	int			 rc = CLI_EXIT_FAIL;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	id = args.positional.items[0];
	follow |= read_only;

	target = cli_session_target(id, NULL);
	reply = cli_api(cli_socket_path(socket_flag), "GET", target, NULL);
	free(target);
	if (reply == NULL)
		goto out;
	status = json_string_value(json_object_get(json_object_get(reply,
	    "session"), "status"));
	if (status != NULL && (strcmp(status, "STOPPED") == 0 ||
	    strcmp(status, "CRASHED") == 0)) {
		cli_error("Session %s is not running (%s). Resume it with "
		    "`codepiper resume %s`", id, status, id);
		goto out;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_error("attach needs a terminal; use `codepiper output %s` "
		    "to print the screen", id);
		goto out;
	}
	if ((tmux = cli_find_program("tmux")) == NULL) {
		cli_error("tmux not found on PATH");
		goto out;
	}

	prefix = prefix_key(tmux);
	printf("Attaching to session %s...\n", id);
	printf("Mode: %s\n", follow ? "follow (read-only)" : "interactive");
	printf("Detach with %s then d.\n\n", prefix);
	fflush(stdout);
	free(prefix);

	name = xprintf("=codepiper-%s", id);
	tmux_argv[i++] = tmux;
	tmux_argv[i++] = (char *)"-L";
	tmux_argv[i++] = (char *)tmux_server();
	tmux_argv[i++] = (char *)"attach-session";
	if (follow)
		tmux_argv[i++] = (char *)"-r";
	tmux_argv[i++] = (char *)"-t";
	tmux_argv[i++] = name;
	tmux_argv[i] = NULL;
	cli_disconnect();
	execv(tmux, tmux_argv);
	cli_error("Cannot run %s: %s", tmux, strerror(errno));
out:
	free(name);
	free(tmux);
	json_decref(reply);
	cli_args_free(&args);
	return rc;
}
