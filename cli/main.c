/*
 * codepiper: the command-line client of agentd. main() only dispatches; each
 * subcommand lives in its own cmd-<name>.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "version.h"

/*
 * Every command, in the order the overview lists them. An entry whose fn is
 * NULL is reserved for a command that is not built yet: adding it is one
 * file, one prototype in cli.h and filling fn here.
 */
static const struct cli_command commands[] = {
	{ "daemon",	 cmd_daemon,	"Start, stop or inspect the daemon" },
	{ "start",	 cmd_start,	"Start a new agent session" },
	{ "sessions",	 cmd_sessions,	"List sessions" },
	{ "status",	 cmd_status,	"Show one session" },
	{ "attach",	 cmd_attach,	"Attach your terminal to a session (tmux)" },
	{ "send",	 cmd_send,	"Type text (or an image path) into a session" },
	{ "keys",	 cmd_keys,	"Send named keys (enter, esc, ctrl+c ...)" },
	{ "slash",	 cmd_slash,	"Run a slash command in a session" },
	{ "output",	 cmd_output,	"Print a session's current screen" },
	{ "tail",	 cmd_tail,	"Print or follow a session's screen" },
	{ "resize",	 cmd_resize,	"Resize a session's terminal" },
	{ "stop",	 cmd_stop,	"Stop a session gracefully" },
	{ "kill",	 cmd_kill,	"Kill a session" },
	{ "resume",	 cmd_resume,	"Resume a stopped session" },
	{ "logs",	 cmd_logs,	"Show a session's events" },
	{ "events",	 cmd_logs,	"Alias of logs" },
	{ "providers",	 cmd_providers,	"List the agent providers" },
	{ "doctor",	 cmd_doctor,	"Check the installation" },
	{ "hook-forward", cmd_hook_forward, "(internal) forward a Claude Code hook" },
	{ "auth",	 cmd_auth,	"Dashboard password, MFA and logins" },
	{ "policy",	 cmd_policy,	"Permission policies and pending asks" },
	{ "policy-set",	 cmd_policy_set, "Policy sets" },
	{ "audit",	 cmd_audit,	"Policy decisions and their hash chain" },
	{ "analytics",	 cmd_analytics,	"Token, tool and activity analytics" },
	{ "workspace",	 cmd_workspace,	"Workspaces" },
	{ "env-set",	 cmd_env_set,	"Environment variable sets" },
	{ "settings",	 cmd_settings,	"Daemon settings" },
	{ "model",	 cmd_model,	"Show or switch a session's model" },
	{ "budget",	 cmd_budget,	"Cost caps per day and per session" },
	{ "workflow",	 NULL,		"Multi-session workflows" },
	{ NULL,		 NULL,		NULL },
};

static void
print_overview(void)
{
	const struct cli_command	*c;

	printf("codepiper %s - run AI coding agents in tmux, side by side\n\n"
	    "Usage: codepiper <command> [options]\n\nCommands:\n",
	    CODEPIPER_VERSION);
	for (c = commands; c->name != NULL; c++) {
		if (c->fn != NULL)
			printf("  %-14s%s\n", c->name, c->summary);
	}
	printf("\nNot available yet:\n ");
	for (c = commands; c->name != NULL; c++) {
		if (c->fn == NULL)
			printf(" %s", c->name);
	}
	printf("\n\nCommon options:\n"
	    "  -s, --socket <path>  daemon socket (default: $CODEPIPER_SOCKET, "
	    "else " CLI_DEFAULT_SOCKET ")\n"
	    "  --json               print data as JSON where a command has data\n"
	    "  -h, --help           help for a command\n\n"
	    "Exit status: 0 ok, 1 the daemon refused or could not be reached,"
	    " 2 bad arguments.\n"
	    "Run 'codepiper <command> --help' for a command's options.\n");
}

static const struct cli_command *
find_command(const char *name)
{
	const struct cli_command	*c;

	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct cli_command	*c;
	int				 status;

	/*
	 * The hook forwarder runs inside the agent on every permission prompt
	 * and turn end: nothing may run before it.
	 */
	if (argc >= 2 && strcmp(argv[1], "hook-forward") == 0)
		return cmd_hook_forward(argc - 1, argv + 1);

	/*
	 * "codepiper -s PATH <command>": a socket given before the command
	 * applies to it as if from $CODEPIPER_SOCKET (its own -s still wins).
	 */
	while (argc >= 3 && (strcmp(argv[1], "-s") == 0 ||
	    strcmp(argv[1], "--socket") == 0)) {
		setenv("CODEPIPER_SOCKET", argv[2], 1);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		print_overview();
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("codepiper %s\n", CODEPIPER_VERSION);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3 || (c = find_command(argv[2])) == NULL ||
		    c->fn == NULL) {
			print_overview();
			return CLI_EXIT_OK;
		}
		cli_command_name = c->name;
		return c->fn(2, (char *[]){ argv[2], (char *)"--help", NULL });
	}
	if ((c = find_command(argv[1])) == NULL) {
		if (argc > 2 && (strcmp(argv[2], "-h") == 0 ||
		    strcmp(argv[2], "--help") == 0)) {
			print_overview();
			return CLI_EXIT_OK;
		}
		fprintf(stderr, "Error: Unknown command '%s'\n"
		    "Run 'codepiper --help' for usage information.\n", argv[1]);
		return CLI_EXIT_FAIL;
	}
	if (c->fn == NULL) {
		fprintf(stderr, "Error: 'codepiper %s' (%s) is not available "
		    "yet in this build\n", c->name, c->summary);
		return CLI_EXIT_FAIL;
	}
	cli_command_name = c->name;
	status = c->fn(argc - 1, argv + 1);
	cli_disconnect();
	if (fflush(stdout) != 0 && status == CLI_EXIT_OK) {
		perror("codepiper: stdout");
		status = CLI_EXIT_FAIL;
	}
	return status;
}
