/*
 * codepiper start: POST /sessions (cli.md §2 "start"), with the improvements:
 * -d resolved to an absolute real path here, --branch for an existing
 * branch, --validate asking the daemon to check the directory (and the
 * branch) before creating anything, --workspace supplying the directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper start -p <provider> [options] [-- provider-args...]\n"
"\n"
"Start an agent session in its own tmux window.\n"
"\n"
"Options:\n"
"  -p, --provider <p>     claude-code (or claude), codex (required)\n"
"  -d, --dir <dir>        working directory (default: the current one)\n"
"  -b, --billing <mode>   subscription | api\n"
"      --dangerous        skip the agent's permission prompts\n"
"      --env-set <id>     inject an environment set (repeatable)\n"
"      --worktree         run in a new git worktree (needs a branch)\n"
"      --create-branch <b> worktree on a new branch b\n"
"      --branch <b>       worktree on the existing branch b\n"
"      --workspace <id>   use a workspace (its path is the default --dir)\n"
"      --validate         check the directory (and branch) first\n"
"      --json             print the created session as JSON\n"
"  -s, --socket <path>    daemon socket\n"
"  --                     everything after goes to the agent CLI\n";

/* A string field of the session, "-" when absent. Borrowed. */
static const char *
field(json_t *session, const char *key)
{
	const char	*value = json_string_value(json_object_get(session, key));

	return value != NULL ? value : "-";
}

void
start_print_session(json_t *session)
{
	const char	*id, *home;
	char		*data_dir, *log;
	json_t		*pid;
	size_t		 home_len;

	id = field(session, "id");
	cli_success("Session created successfully!");
	printf("  ID:        %s\n", id);
	printf("  Provider:  %s\n", field(session, "provider"));
	printf("  Directory: %s\n", field(session, "cwd"));
	printf("  Status:    %s\n", field(session, "status"));
	pid = json_object_get(session, "pid");
	if (json_is_integer(pid))
		printf("  PID:       %lld\n", (long long)json_integer_value(pid));

	data_dir = cli_data_dir();
	log = xprintf("%s/sessions/%s/output.log", data_dir, id);
	home = getenv("HOME");
	home_len = home != NULL ? strlen(home) : 0;
	if (home_len > 1 && strncmp(log, home, home_len) == 0 &&
	    log[home_len] == '/')
		printf("  Output:    ~%s\n", log + home_len);
	else
		printf("  Output:    %s\n", log);
	free(log);
	free(data_dir);

	printf("\nNext steps:\n"
	    "  codepiper attach %s\n"
	    "  codepiper send %s \"prompt\"\n"
	    "  codepiper logs %s\n", id, id, id);
}

/* Print what /sessions/validate(-git) found; 0 when valid. */
static int
report_validation(json_t *result)
{
	json_t	*item;
	size_t	 i;

	json_array_foreach(json_object_get(result, "warnings"), i, item)
		cli_warn("%s", json_string_value(item));
	if (json_is_true(json_object_get(result, "valid")))
		return 0;
	json_array_foreach(json_object_get(result, "errors"), i, item)
		cli_error("%s", json_string_value(item));
	if (json_array_size(json_object_get(result, "errors")) == 0)
		cli_error("Validation failed");
	return -1;
}

static int
validate(const char *socket, const char *cwd, const char *branch,
    int create_branch)
{
	json_t	*result;
	int	 rc;

	result = cli_api(socket, "POST", "/sessions/validate",
	    json_pack("{s:s}", "cwd", cwd));
	if (result == NULL)
		return -1;
	rc = report_validation(result);
	json_decref(result);
	if (rc != 0 || branch == NULL)
		return rc;
	result = cli_api(socket, "POST", "/sessions/validate-git",
	    json_pack("{s:s,s:s,s:b}", "cwd", cwd, "branch", branch,
	    "createBranch", create_branch));
	if (result == NULL)
		return -1;
	rc = report_validation(result);
	json_decref(result);
	return rc;
}

/* The path of workspace id, from the daemon; NULL after an error. */
static char *
workspace_path(const char *socket, const char *id)
{
	json_t		*reply;
	char		*escaped, *target, *path = NULL;
	const char	*value;

	escaped = cli_url_escape(id);
	target = xprintf("/workspaces/%s", escaped);
	reply = cli_api(socket, "GET", target, NULL);
	free(target);
	free(escaped);
	if (reply == NULL)
		return NULL;
	value = json_string_value(json_object_get(json_object_get(reply,
	    "workspace"), "path"));
	if (value == NULL)
		cli_error("Workspace %s has no path", id);
	else
		path = xstrdup(value);
	json_decref(reply);
	return path;
}

int
cmd_start(int argc, char **argv)
{
	const char		*provider = NULL, *dir = NULL, *socket_flag = NULL;
	const char		*billing = NULL, *create_branch = NULL;
	const char		*branch = NULL, *workspace = NULL, *socket;
	int			 dangerous = 0, worktree = 0, check = 0, json = 0;
	struct cli_strings	 env_sets = { NULL, 0 };
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 'p', "provider", CLI_VALUE, &provider },
		{ 'd', "dir", CLI_VALUE, &dir },
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'b', "billing", CLI_VALUE, &billing },
		{ 0, "dangerous", CLI_FLAG, &dangerous },
		{ 0, "env-set", CLI_LIST, &env_sets },
		{ 0, "worktree", CLI_FLAG, &worktree },
		{ 0, "create-branch", CLI_VALUE, &create_branch },
		{ 0, "branch", CLI_VALUE, &branch },
		{ 0, "workspace", CLI_VALUE, &workspace },
		{ 0, "validate", CLI_FLAG, &check },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	char			 resolved[PATH_MAX], *from_workspace = NULL;
	json_t			*body, *list, *tree, *reply;
	size_t			 i;
	int			 status = CLI_EXIT_USAGE;

	if (cli_parse(argc, argv, options, usage, CLI_PARSE_REST, &args) != 0) {
		free(env_sets.items);
		return args.exit_status;
	}
	if (provider == NULL) {
		cli_usage_error("--provider is required");
		goto out;
	}
	if (strcmp(provider, "claude") == 0 || strcmp(provider,
	    "claude-code") == 0)
		provider = "claude-code";
	else if (strcmp(provider, "codex") != 0) {
		cli_usage_error("Invalid provider: %s. Valid options: "
		    "claude-code, codex", provider);
		goto out;
	}
	if (billing != NULL && strcmp(billing, "subscription") != 0 &&
	    strcmp(billing, "api") != 0) {
		cli_usage_error("Invalid billing mode: %s. Must be "
		    "\"subscription\" or \"api\"", billing);
		goto out;
	}
	if (branch != NULL && create_branch != NULL) {
		cli_usage_error("--branch and --create-branch exclude each "
		    "other");
		goto out;
	}
	if (args.positional.n > 0) {
		cli_usage_error("Unexpected argument: %s (agent arguments go "
		    "after --)", args.positional.items[0]);
		goto out;
	}
	status = CLI_EXIT_FAIL;
	socket = cli_socket_path(socket_flag);

	if (dir == NULL && workspace != NULL) {
		if ((from_workspace = workspace_path(socket, workspace)) == NULL)
			goto out;
		dir = from_workspace;
	}
	if (dir == NULL)
		dir = ".";
	if (realpath(dir, resolved) == NULL) {
		cli_error("Directory %s: %s", dir, strerror(errno));
		goto out;
	}

	if (check && validate(socket, resolved, create_branch != NULL ?
	    create_branch : branch, create_branch != NULL) != 0)
		goto out;

	body = json_pack("{s:s,s:s}", "provider", provider, "cwd", resolved);
	if (args.rest.n > 0) {
		list = json_array();
		for (i = 0; i < args.rest.n; i++)
			json_array_append_new(list,
			    json_string(args.rest.items[i]));
		json_object_set_new(body, "args", list);
	}
	if (billing != NULL)
		json_object_set_new(body, "billingMode", json_string(billing));
	if (dangerous)
		json_object_set_new(body, "dangerousMode", json_true());
	if (env_sets.n > 0) {
		list = json_array();
		for (i = 0; i < env_sets.n; i++)
			json_array_append_new(list,
			    json_string(env_sets.items[i]));
		json_object_set_new(body, "envSetIds", list);
	}
	if (worktree || branch != NULL || create_branch != NULL) {
		tree = json_pack("{s:b}", "enabled", 1);
		if (create_branch != NULL) {
			json_object_set_new(tree, "branch",
			    json_string(create_branch));
			json_object_set_new(tree, "createBranch", json_true());
		} else if (branch != NULL) {
			json_object_set_new(tree, "branch", json_string(branch));
			json_object_set_new(tree, "createBranch", json_false());
		}
		json_object_set_new(body, "worktree", tree);
	}
	if (workspace != NULL)
		json_object_set_new(body, "workspaceId", json_string(workspace));
	if (check)
		json_object_set_new(body, "validate", json_true());

	if (!json) {
		if (dangerous)
			printf("%s⚠ Dangerous mode: the agent will run tools "
			    "without asking for permission.%s\n",
			    cli_sgr(CLI_YELLOW), cli_sgr(CLI_RESET));
		printf("Starting %s session in %s...\n", provider, resolved);
		fflush(stdout);
	}
	if ((reply = cli_api(socket, "POST", "/sessions", body)) == NULL)
		goto out;
	if (json)
		cli_print_json(json_object_get(reply, "session"));
	else
		start_print_session(json_object_get(reply, "session"));
	json_decref(reply);
	status = CLI_EXIT_OK;

out:
	free(from_workspace);
	free(env_sets.items);
	cli_args_free(&args);
	return status;
}
