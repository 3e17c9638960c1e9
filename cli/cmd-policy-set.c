/*
 * codepiper policy-set: policy sets and their members (cli.md §3
 * "policy-set"): list, get, create, update, delete, add-policy,
 * remove-policy.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper policy-set <subcommand> [options]\n"
"\n"
"Subcommands:\n"
"  list                                   list policy sets (ls)\n"
"  get <id>                               a set and its policies (show)\n"
"  create --name N [--description D] [--default]\n"
"  update <id> [--name N] [--description D] [--default]\n"
"  delete <id>                            (rm)\n"
"  add-policy <set-id> <policy-id>\n"
"  remove-policy <set-id> <policy-id>\n"
"\n"
"The default set is applied to every new session.\n"
"Options: --json, -s/--socket <path>.\n";

struct opts {
	const char	*socket;
	const char	*name;
	const char	*description;
	int		 is_default;
	int		 json;
};

static const char *
str(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static char *
set_target(const char *id, const char *suffix)
{
	char	*q = cli_url_escape(id), *t;

	t = xprintf("/policy-sets/%s%s", q, suffix != NULL ? suffix : "");
	free(q);
	return t;
}

static int
list_sets(const struct opts *o)
{
	static const char *const headers[] = {
		"ID", "NAME", "DEFAULT", "POLICIES", "DESCRIPTION", "CREATED",
	};
	struct cli_table	*table;
	json_t			*reply, *list, *s;
	char			 id[9], count[32], *created;
	size_t			 i;

	reply = cli_api(cli_socket_path(o->socket), "GET", "/policy-sets",
	    NULL);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	list = json_object_get(reply, "policySets");
	if (o->json)
		cli_print_json(list);
	else if (json_array_size(list) == 0)
		printf("No policy sets found.\n");
	else {
		table = cli_table_new(6, headers);
		json_array_foreach(list, i, s) {
			snprintf(id, sizeof id, "%s", str(s, "id"));
			snprintf(count, sizeof count, "%lld", (long long)
			    json_integer_value(json_object_get(s,
			    "policyCount")));
			created = cli_format_time(str(s, "createdAt"));
			cli_table_add(table, id, str(s, "name"),
			    json_is_true(json_object_get(s, "isDefault")) ?
			    "yes" : "no", count, str(s, "description"), created);
			free(created);
		}
		cli_table_print(table, stdout);
		cli_table_free(table);
		printf("\nTotal: %zu policy set(s)\n", json_array_size(list));
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
get_set(const struct opts *o, const char *id)
{
	static const char *const headers[] = { "ID", "NAME", "ENABLED", "PRI" };
	struct cli_table	*table;
	json_t			*reply, *set, *policies, *p;
	char			*target = set_target(id, NULL), pid[9], pri[32];
	size_t			 i;

	reply = cli_api(cli_socket_path(o->socket), "GET", target, NULL);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	set = json_object_get(reply, "policySet");
	if (o->json) {
		cli_print_json(set);
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	printf("%sPolicy set %s%s%s\n", cli_sgr(CLI_BOLD), str(set, "name"),
	    json_is_true(json_object_get(set, "isDefault")) ? " (default)" : "",
	    cli_sgr(CLI_RESET));
	printf("  ID: %s\n", str(set, "id"));
	if (json_is_string(json_object_get(set, "description")))
		printf("  Description: %s\n", str(set, "description"));
	printf("\n");
	policies = json_object_get(set, "policies");
	if (json_array_size(policies) == 0)
		printf("No policies in this set.\n");
	else {
		table = cli_table_new(4, headers);
		json_array_foreach(policies, i, p) {
			snprintf(pid, sizeof pid, "%s", str(p, "id"));
			snprintf(pri, sizeof pri, "%lld", (long long)
			    json_integer_value(json_object_get(p, "priority")));
			cli_table_add(table, pid, str(p, "name"),
			    json_is_true(json_object_get(p, "enabled")) ? "yes" :
			    "no", pri);
		}
		cli_table_print(table, stdout);
		cli_table_free(table);
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
create_set(const struct opts *o)
{
	json_t	*body, *reply;
	char	*id;

	if (o->name == NULL || *o->name == '\0') {
		cli_error("--name is required");
		return CLI_EXIT_USAGE;
	}
	id = cli_new_uuid();
	body = json_pack("{s:s,s:s}", "id", id, "name", o->name);
	if (o->description != NULL)
		json_object_set_new(body, "description",
		    json_string(o->description));
	if (o->is_default)
		json_object_set_new(body, "isDefault", json_true());
	reply = cli_api(cli_socket_path(o->socket), "POST", "/policy-sets",
	    body);
	if (reply != NULL)
		cli_success("Policy set created: %s (ID: %s)", o->name, id);
	free(id);
	json_decref(reply);
	return reply != NULL ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
update_set(const struct opts *o, const char *id)
{
	json_t	*body = json_object(), *reply;
	char	*target;

	if (o->name != NULL)
		json_object_set_new(body, "name", json_string(o->name));
	if (o->description != NULL)
		json_object_set_new(body, "description",
		    json_string(o->description));
	if (o->is_default)
		json_object_set_new(body, "isDefault", json_true());
	if (json_object_size(body) == 0) {
		json_decref(body);
		cli_error("Nothing to update: give --name, --description or "
		    "--default");
		return CLI_EXIT_USAGE;
	}
	target = set_target(id, NULL);
	reply = cli_api(cli_socket_path(o->socket), "PUT", target, body);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	cli_success("Policy set #%s updated", id);
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
simple(const struct opts *o, const char *method, char *target, json_t *body,
    const char *fmt, const char *a, const char *b)
{
	json_t	*reply;

	reply = cli_api(cli_socket_path(o->socket), method, target, body);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	cli_success(fmt, a, b);
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_policy_set(int argc, char **argv)
{
	struct opts		 o;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &o.socket },
		{ 0, "name", CLI_VALUE, &o.name },
		{ 0, "description", CLI_VALUE, &o.description },
		{ 0, "default", CLI_FLAG, &o.is_default },
		{ 0, "json", CLI_FLAG, &o.json },
		{ 0, NULL, 0, NULL },
	};
	const char		*sub, *id, *policy;
	char			*q, *suffix;
	int			 rc;

	memset(&o, 0, sizeof o);
	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("subcommand required (list, get, create, "
		    "update, delete, add-policy, remove-policy)");
	}
	sub = args.positional.items[0];
	id = args.positional.n > 1 ? args.positional.items[1] : NULL;
	policy = args.positional.n > 2 ? args.positional.items[2] : NULL;
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
		rc = list_sets(&o);
	else if (strcmp(sub, "create") == 0 || strcmp(sub, "add") == 0)
		rc = create_set(&o);
	else if (strcmp(sub, "get") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "update") != 0 && strcmp(sub, "delete") != 0 &&
	    strcmp(sub, "rm") != 0 && strcmp(sub, "add-policy") != 0 &&
	    strcmp(sub, "remove-policy") != 0)
		rc = cli_usage_error("Unknown policy-set subcommand: %s", sub);
	else if (id == NULL)
		rc = cli_usage_error("Policy set ID is required");
	else if (strcmp(sub, "get") == 0 || strcmp(sub, "show") == 0)
		rc = get_set(&o, id);
	else if (strcmp(sub, "update") == 0)
		rc = update_set(&o, id);
	else if (strcmp(sub, "delete") == 0 || strcmp(sub, "rm") == 0)
		rc = simple(&o, "DELETE", set_target(id, NULL), NULL,
		    "Policy set #%s deleted%s", id, "");
	else if (policy == NULL)
		rc = cli_usage_error("Policy ID is required");
	else if (strcmp(sub, "add-policy") == 0)
		rc = simple(&o, "POST", set_target(id, "/policies"),
		    json_pack("{s:s}", "policyId", policy),
		    "Policy #%s added to set #%s", policy, id);
	else {
		q = cli_url_escape(policy);
		suffix = xprintf("/policies/%s", q);
		rc = simple(&o, "DELETE", set_target(id, suffix), NULL,
		    "Policy #%s removed from set #%s", policy, id);
		free(suffix);
		free(q);
	}
	cli_args_free(&args);
	return rc;
}
