/*
 * codepiper workspace list|get|create|update|delete (cli.md §2 "workspace").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper workspace list [--json]\n"
"       codepiper workspace get <id> [--json]\n"
"       codepiper workspace create --name <name> --path <dir>\n"
"       codepiper workspace update <id> [--name <name>] [--path <dir>]\n"
"       codepiper workspace delete <id>\n"
"\n"
"Saved directories offered when starting a session from the dashboard.\n"
"\n"
"Options:\n"
"  -n, --name <name>    workspace name (at most 100 characters)\n"
"  -p, --path <dir>     an existing directory (absolute)\n"
"      --json           print JSON\n"
"  -s, --socket <path>  daemon socket\n";

static char *
target(const char *id)
{
	char	*escaped, *t;

	if (id == NULL)
		return xstrdup("/workspaces");
	escaped = cli_url_escape(id);
	t = xprintf("/workspaces/%s", escaped);
	free(escaped);
	return t;
}

static void
print_workspace(json_t *w)
{
	char	*created = cli_format_time(json_string_value(
		    json_object_get(w, "createdAt")));
	char	*updated = cli_format_time(json_string_value(
		    json_object_get(w, "updatedAt")));

	printf("ID:       %s\n", json_string_value(json_object_get(w, "id")));
	printf("Name:     %s\n", json_string_value(json_object_get(w, "name")));
	printf("Path:     %s\n", json_string_value(json_object_get(w, "path")));
	printf("Created:  %s\n", created);
	printf("Updated:  %s\n", updated);
	free(created);
	free(updated);
}

static int
list(const char *socket, int json)
{
	static const char *const headers[] = { "ID", "NAME", "PATH", "CREATED" };
	struct cli_table	*table;
	json_t			*reply, *items, *w;
	char			*created;
	size_t			 i;

	if ((reply = cli_api(socket, "GET", "/workspaces", NULL)) == NULL)
		return CLI_EXIT_FAIL;
	items = json_object_get(reply, "workspaces");
	if (json)
		cli_print_json(items);
	else if (json_array_size(items) == 0)
		printf("No workspaces found.\n");
	else {
		table = cli_table_new(4, headers);
		json_array_foreach(items, i, w) {
			created = cli_format_time(json_string_value(
			    json_object_get(w, "createdAt")));
			cli_table_add(table,
			    json_string_value(json_object_get(w, "id")),
			    json_string_value(json_object_get(w, "name")),
			    json_string_value(json_object_get(w, "path")),
			    created);
			free(created);
		}
		cli_table_print(table, stdout);
		printf("\nTotal: %zu workspace(s)\n", cli_table_rows(table));
		cli_table_free(table);
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_workspace(int argc, char **argv)
{
	const char		*socket_flag = NULL, *name = NULL, *path = NULL;
	const char		*sub = "list", *id = NULL, *socket;
	int			 json = 0, status = CLI_EXIT_FAIL;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'n', "name", CLI_VALUE, &name },
		{ 'p', "path", CLI_VALUE, &path },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	json_t			*reply, *body;
	char			*t = NULL;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n > 0)
		sub = args.positional.items[0];
	if (args.positional.n > 1)
		id = args.positional.items[1];
	socket = cli_socket_path(socket_flag);

	if (strcmp(sub, "list") == 0) {
		status = list(socket, json);
		goto out;
	}
	if (strcmp(sub, "create") == 0) {
		if (name == NULL || path == NULL) {
			status = cli_usage_error("create needs --name and "
			    "--path");
			goto out;
		}
		body = json_pack("{s:s,s:s}", "name", name, "path", path);
		if ((reply = cli_api(socket, "POST", "/workspaces",
		    body)) == NULL)
			goto out;
		body = json_object_get(reply, "workspace");
		cli_success("Workspace created: %s (ID: %s)",
		    json_string_value(json_object_get(body, "name")),
		    json_string_value(json_object_get(body, "id")));
		json_decref(reply);
		status = CLI_EXIT_OK;
		goto out;
	}
	if (strcmp(sub, "get") != 0 && strcmp(sub, "update") != 0 &&
	    strcmp(sub, "delete") != 0) {
		cli_error("Unknown workspace subcommand: %s. Use: list, get, "
		    "create, update, delete", sub);
		goto out;
	}
	if (id == NULL) {
		status = cli_usage_error("%s needs a workspace id", sub);
		goto out;
	}
	t = target(id);
	if (strcmp(sub, "get") == 0) {
		if ((reply = cli_api(socket, "GET", t, NULL)) == NULL)
			goto out;
		if (json)
			cli_print_json(json_object_get(reply, "workspace"));
		else
			print_workspace(json_object_get(reply, "workspace"));
	} else if (strcmp(sub, "update") == 0) {
		body = json_object();
		if (name != NULL)
			json_object_set_new(body, "name", json_string(name));
		if (path != NULL)
			json_object_set_new(body, "path", json_string(path));
		if ((reply = cli_api(socket, "PUT", t, body)) == NULL)
			goto out;
		cli_success("Workspace %s updated", id);
	} else {
		if ((reply = cli_api(socket, "DELETE", t, NULL)) == NULL)
			goto out;
		cli_success("Workspace %s deleted", id);
	}
	json_decref(reply);
	status = CLI_EXIT_OK;
out:
	free(t);
	cli_args_free(&args);
	return status;
}
