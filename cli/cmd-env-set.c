/*
 * codepiper env-set list|get|create|update|delete (cli.md §2 "env-set").
 * Values are sent, never shown: the daemon only returns them masked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper env-set list [--json]\n"
"       codepiper env-set get <id> [--json]\n"
"       codepiper env-set create --name <name> --var KEY=VALUE [--var ...]\n"
"                                [--from-env NAME ...] [--description <d>]\n"
"       codepiper env-set update <id> [--name <n>] [--description <d>]\n"
"                                [--var KEY=VALUE ...] [--from-env NAME ...]\n"
"       codepiper env-set delete <id>\n"
"\n"
"Named groups of environment variables, encrypted at rest, given to\n"
"sessions started with --env-set <id>. update --var replaces the whole set.\n"
"\n"
"Options:\n"
"  -n, --name <name>        set name (at most 100 characters)\n"
"  -d, --description <d>    description\n"
"      --var KEY=VALUE      a variable (repeatable)\n"
"      --from-env NAME      a variable with its value taken from this\n"
"                           shell's environment, so that it never appears\n"
"                           on a command line (repeatable)\n"
"      --json               print JSON\n"
"  -s, --socket <path>      daemon socket\n";

static char *
target(const char *id)
{
	char	*escaped, *t;

	escaped = cli_url_escape(id);
	t = xprintf("/env-sets/%s", escaped);
	free(escaped);
	return t;
}

/* The variables given; NULL (message printed) on a malformed one. */
static json_t *
collect_vars(const struct cli_strings *vars, const struct cli_strings *from_env)
{
	json_t		*out = json_object();
	const char	*eq, *value;
	char		*key;
	size_t		 i;

	for (i = 0; i < vars->n; i++) {
		if ((eq = strchr(vars->items[i], '=')) == NULL ||
		    eq == vars->items[i]) {
			cli_error("Invalid variable format: %s. Expected "
			    "KEY=VALUE", vars->items[i]);
			json_decref(out);
			return NULL;
		}
		key = xstrndup(vars->items[i], (size_t)(eq - vars->items[i]));
		json_object_set_new(out, key, json_string(eq + 1));
		free(key);
	}
	for (i = 0; i < from_env->n; i++) {
		if ((value = getenv(from_env->items[i])) == NULL) {
			cli_error("%s is not set in the environment",
			    from_env->items[i]);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, from_env->items[i], json_string(value));
	}
	return out;
}

static void
print_set(json_t *set)
{
	const char	*key, *description;
	json_t		*value;
	char		*created = cli_format_time(json_string_value(
			    json_object_get(set, "createdAt")));

	printf("ID:          %s\n", json_string_value(json_object_get(set,
	    "id")));
	printf("Name:        %s\n", json_string_value(json_object_get(set,
	    "name")));
	if ((description = json_string_value(json_object_get(set,
	    "description"))) != NULL)
		printf("Description: %s\n", description);
	printf("Created:     %s\n", created);
	printf("Variables:   %lld\n", (long long)json_integer_value(
	    json_object_get(set, "varCount")));
	json_object_foreach(json_object_get(set, "maskedVars"), key, value)
		printf("  %s=%s\n", key, json_string_value(value));
	free(created);
}

static int
list(const char *socket, int json)
{
	static const char *const headers[] = {
		"ID", "NAME", "VARS", "DESCRIPTION", "CREATED",
	};
	struct cli_table	*table;
	json_t			*reply, *items, *s;
	const char		*description;
	char			*created, count[32];
	size_t			 i;

	if ((reply = cli_api(socket, "GET", "/env-sets", NULL)) == NULL)
		return CLI_EXIT_FAIL;
	items = json_object_get(reply, "envSets");
	if (json)
		cli_print_json(items);
	else if (json_array_size(items) == 0)
		printf("No env sets found.\n");
	else {
		table = cli_table_new(5, headers);
		json_array_foreach(items, i, s) {
			created = cli_format_time(json_string_value(
			    json_object_get(s, "createdAt")));
			snprintf(count, sizeof count, "%lld", (long long)
			    json_integer_value(json_object_get(s, "varCount")));
			description = json_string_value(json_object_get(s,
			    "description"));
			cli_table_add(table,
			    json_string_value(json_object_get(s, "id")),
			    json_string_value(json_object_get(s, "name")),
			    count, description != NULL ? description : "-",
			    created);
			free(created);
		}
		cli_table_print(table, stdout);
		printf("\nTotal: %zu env set(s)\n", cli_table_rows(table));
		cli_table_free(table);
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_env_set(int argc, char **argv)
{
	const char		*socket_flag = NULL, *name = NULL;
	const char		*description = NULL, *sub = "list", *id = NULL;
	const char		*socket;
	struct cli_strings	 vars = { NULL, 0 }, from_env = { NULL, 0 };
	int			 json = 0, status = CLI_EXIT_FAIL;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'n', "name", CLI_VALUE, &name },
		{ 'd', "description", CLI_VALUE, &description },
		{ 0, "var", CLI_LIST, &vars },
		{ 0, "from-env", CLI_LIST, &from_env },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	json_t			*reply = NULL, *body, *map = NULL;
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
	if (strcmp(sub, "create") == 0 || strcmp(sub, "update") == 0) {
		if ((map = collect_vars(&vars, &from_env)) == NULL)
			goto out;
	}
	if (strcmp(sub, "create") == 0) {
		if (name == NULL) {
			status = cli_usage_error("create needs --name");
			goto out;
		}
		if (json_object_size(map) == 0) {
			status = cli_usage_error("At least one --var KEY=VALUE "
			    "is required");
			goto out;
		}
		body = json_pack("{s:s,s:O}", "name", name, "vars", map);
		if (description != NULL)
			json_object_set_new(body, "description",
			    json_string(description));
		if ((reply = cli_api(socket, "POST", "/env-sets", body)) == NULL)
			goto out;
		body = json_object_get(reply, "envSet");
		cli_success("Env set created: %s (ID: %s, %lld variable(s))",
		    json_string_value(json_object_get(body, "name")),
		    json_string_value(json_object_get(body, "id")),
		    (long long)json_integer_value(json_object_get(body,
		    "varCount")));
		status = CLI_EXIT_OK;
		goto out;
	}
	if (strcmp(sub, "get") != 0 && strcmp(sub, "update") != 0 &&
	    strcmp(sub, "delete") != 0) {
		cli_error("Unknown env-set subcommand: %s. Use: list, get, "
		    "create, update, delete", sub);
		goto out;
	}
	if (id == NULL) {
		status = cli_usage_error("%s needs an env set id", sub);
		goto out;
	}
	t = target(id);
	if (strcmp(sub, "get") == 0) {
		if ((reply = cli_api(socket, "GET", t, NULL)) == NULL)
			goto out;
		if (json)
			cli_print_json(json_object_get(reply, "envSet"));
		else
			print_set(json_object_get(reply, "envSet"));
	} else if (strcmp(sub, "update") == 0) {
		body = json_object();
		if (name != NULL)
			json_object_set_new(body, "name", json_string(name));
		if (description != NULL)
			json_object_set_new(body, "description",
			    json_string(description));
		if (json_object_size(map) > 0)
			json_object_set(body, "vars", map);
		if ((reply = cli_api(socket, "PUT", t, body)) == NULL)
			goto out;
		cli_success("Env set %s updated", id);
	} else {
		if ((reply = cli_api(socket, "DELETE", t, NULL)) == NULL)
			goto out;
		cli_success("Env set %s deleted", id);
	}
	status = CLI_EXIT_OK;
out:
	json_decref(reply);
	json_decref(map);
	free(t);
	free(vars.items);
	free(from_env.items);
	cli_args_free(&args);
	return status;
}
