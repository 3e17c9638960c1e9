/*
 * codepiper resume <id>: POST /sessions/:id/resume, the provider's native
 * resume under the same session id; printed like start.
 */
#include "cli.h"

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
	return session_command(argc, argv, usage, "POST", "resume", "Resuming",
	    start_print_session);
}
