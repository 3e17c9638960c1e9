/*
 * codepiper policy: permission policies (cli.md §3 "policy") and the asks
 * waiting for an answer (docs/hooks.md): list, get, create, update, delete,
 * toggle, default, pending, approve, deny.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper policy <subcommand> [options]\n"
"\n"
"Subcommands:\n"
"  list [--session <id>]            list policies (ls)\n"
"  get <id>                         show one policy and its rules (show)\n"
"  create --name N --rules '<json>' [--priority P] [--session S]\n"
"         [--description D]         create a policy (add)\n"
"  update <id> [--name N] [--rules '<json>'] [--priority P]\n"
"         [--enabled true|false] [--description D]\n"
"  delete <id>                      delete a policy (rm)\n"
"  toggle <id>                      enable or disable a policy\n"
"  default [ask|deny]               show or set the default action\n"
"  pending [--session <id>]         permission requests waiting for you\n"
"  approve <pending-id> [--remember] allow one (--remember: always, here)\n"
"  deny <pending-id>                refuse one\n"
"\n"
"Rules: [{\"id\":\"r1\",\"action\":\"allow|deny|ask\",\"tool\":\"Bash\",\n"
"        \"args\":{\"command\":\"npm test*\"},\"reason\":\"...\"}]\n"
"(docs/policies.md). Options: --json, -s/--socket <path>.\n";

struct opts {
	const char	*socket;
	const char	*name;
	const char	*rules;
	const char	*priority;
	const char	*session;
	const char	*description;
	const char	*enabled;
	int		 remember;
	int		 json;
};

char *
cli_new_uuid(void)
{
	unsigned char	b[16];
	int		fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1 ||
	    read(fd, b, sizeof b) != (ssize_t)sizeof b) {
		/* Not reached on Linux; an id clash is then a 409, not harm. */
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)(rand() ^ getpid());
	}
	if (fd != -1)
		close(fd);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	return xprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static const char *
str(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static char *
colored(enum cli_style style, const char *text)
{
	return xprintf("%s%s%s", cli_sgr(style), text, cli_sgr(CLI_RESET));
}

static int
list_policies(const struct opts *o)
{
	static const char *const headers[] = {
		"ID", "NAME", "ENABLED", "PRI", "SCOPE", "CREATED",
	};
	struct cli_table	*table;
	json_t			*reply, *list, *p;
	char			*target, *q, id[9], scope[9], pri[32], *en, *created;
	size_t			 i;

	if (o->session != NULL) {
		q = cli_url_escape(o->session);
		target = xprintf("/policies?sessionId=%s", q);
		free(q);
	} else
		target = xstrdup("/policies");
	reply = cli_api(cli_socket_path(o->socket), "GET", target, NULL);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	list = json_object_get(reply, "policies");
	if (o->json)
		cli_print_json(list);
	else if (json_array_size(list) == 0)
		printf("No policies found.\n");
	else {
		table = cli_table_new(6, headers);
		json_array_foreach(list, i, p) {
			snprintf(id, sizeof id, "%s", str(p, "id"));
			snprintf(scope, sizeof scope, "%s",
			    json_is_string(json_object_get(p, "sessionId")) ?
			    str(p, "sessionId") : "global");
			snprintf(pri, sizeof pri, "%lld", (long long)
			    json_integer_value(json_object_get(p, "priority")));
			en = json_is_true(json_object_get(p, "enabled")) ?
			    colored(CLI_GREEN, "yes") : colored(CLI_GRAY, "no");
			created = cli_format_time(str(p, "createdAt"));
			cli_table_add(table, id, str(p, "name"), en, pri, scope,
			    created);
			free(en);
			free(created);
		}
		cli_table_print(table, stdout);
		cli_table_free(table);
		printf("\nTotal: %zu policy(s)\n", json_array_size(list));
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

static json_t *
fetch_policy(const struct opts *o, const char *id)
{
	char	*q = cli_url_escape(id), *target = xprintf("/policies/%s", q);
	json_t	*reply;

	reply = cli_api(cli_socket_path(o->socket), "GET", target, NULL);
	free(q);
	free(target);
	return reply;
}

static int
get_policy(const struct opts *o, const char *id)
{
	json_t	*reply, *p;
	char	*created, *updated;

	if ((reply = fetch_policy(o, id)) == NULL)
		return CLI_EXIT_FAIL;
	p = json_object_get(reply, "policy");
	if (o->json) {
		cli_print_json(p);
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	created = cli_format_time(str(p, "createdAt"));
	updated = cli_format_time(str(p, "updatedAt"));
	printf("%sPolicy %.8s%s\n", cli_sgr(CLI_BOLD), str(p, "id"),
	    cli_sgr(CLI_RESET));
	printf("  ID:          %s\n", str(p, "id"));
	printf("  Name:        %s\n", str(p, "name"));
	if (json_is_string(json_object_get(p, "description")))
		printf("  Description: %s\n", str(p, "description"));
	printf("  Enabled:     %s\n", json_is_true(json_object_get(p,
	    "enabled")) ? "yes" : "no");
	printf("  Priority:    %lld\n", (long long)json_integer_value(
	    json_object_get(p, "priority")));
	printf("  Scope:       %s\n", json_is_string(json_object_get(p,
	    "sessionId")) ? str(p, "sessionId") : "global");
	printf("  Created:     %s\n", created);
	printf("  Updated:     %s\n", updated);
	printf("  Rules:\n");
	cli_print_json(json_object_get(p, "rules"));
	free(created);
	free(updated);
	json_decref(reply);
	return CLI_EXIT_OK;
}

/* --rules: a JSON array; NULL after printing an error. */
static json_t *
parse_rules(const char *text)
{
	json_t	*rules = json_loads(text, JSON_DECODE_ANY, NULL);

	if (rules == NULL) {
		cli_error("--rules must be valid JSON");
		return NULL;
	}
	return rules;
}

static int
parse_priority(const char *text, long long *out)
{
	const char	*errstr;

	if (cli_parse_int(text, -1000000, 1000000, out, &errstr) != 0) {
		cli_error("--priority %s is %s", text, errstr);
		return -1;
	}
	return 0;
}

static int
create_policy(const struct opts *o)
{
	json_t		*body, *rules, *reply;
	long long	 priority = 0;
	char		*id;

	if (o->name == NULL || *o->name == '\0') {
		cli_error("--name is required");
		return CLI_EXIT_USAGE;
	}
	if (o->rules == NULL) {
		cli_error("--rules is required (JSON string)");
		return CLI_EXIT_USAGE;
	}
	if ((rules = parse_rules(o->rules)) == NULL)
		return CLI_EXIT_USAGE;
	if (o->priority != NULL && parse_priority(o->priority, &priority) != 0) {
		json_decref(rules);
		return CLI_EXIT_USAGE;
	}
	id = cli_new_uuid();
	body = json_pack("{s:s,s:s,s:o,s:b,s:I,s:o}", "id", id, "name", o->name,
	    "rules", rules, "enabled", 1, "priority", (json_int_t)priority,
	    "sessionId", o->session != NULL ? json_string(o->session) :
	    json_null());
	if (o->description != NULL)
		json_object_set_new(body, "description",
		    json_string(o->description));
	reply = cli_api(cli_socket_path(o->socket), "POST", "/policies", body);
	if (reply != NULL) {
		if (o->json)
			cli_print_json(json_object_get(reply, "policy"));
		else
			cli_success("Policy created: %s (ID: %s)", o->name, id);
	}
	free(id);
	json_decref(reply);
	return reply != NULL ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
put_policy(const struct opts *o, const char *id, json_t *body)
{
	char	*q = cli_url_escape(id), *target = xprintf("/policies/%s", q);
	json_t	*reply;

	reply = cli_api(cli_socket_path(o->socket), "PUT", target, body);
	free(q);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
update_policy(const struct opts *o, const char *id)
{
	json_t		*body = json_object(), *rules;
	long long	 priority;
	int		 rc;

	if (o->name != NULL)
		json_object_set_new(body, "name", json_string(o->name));
	if (o->description != NULL)
		json_object_set_new(body, "description",
		    json_string(o->description));
	if (o->rules != NULL) {
		if ((rules = parse_rules(o->rules)) == NULL)
			goto usage;
		json_object_set_new(body, "rules", rules);
	}
	if (o->priority != NULL) {
		if (parse_priority(o->priority, &priority) != 0)
			goto usage;
		json_object_set_new(body, "priority", json_integer(priority));
	}
	if (o->enabled != NULL) {
		if (strcmp(o->enabled, "true") != 0 &&
		    strcmp(o->enabled, "false") != 0) {
			cli_error("--enabled must be true or false");
			goto usage;
		}
		json_object_set_new(body, "enabled",
		    json_boolean(strcmp(o->enabled, "true") == 0));
	}
	if (json_object_size(body) == 0) {
		cli_error("Nothing to update: give --name, --rules, --priority, "
		    "--enabled or --description");
		goto usage;
	}
	if ((rc = put_policy(o, id, body)) == CLI_EXIT_OK)
		cli_success("Policy #%s updated", id);
	return rc;
usage:
	json_decref(body);
	return CLI_EXIT_USAGE;
}

static int
delete_policy(const struct opts *o, const char *id)
{
	char	*q = cli_url_escape(id), *target = xprintf("/policies/%s", q);
	json_t	*reply;

	reply = cli_api(cli_socket_path(o->socket), "DELETE", target, NULL);
	free(q);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	cli_success("Policy #%s deleted", id);
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
toggle_policy(const struct opts *o, const char *id)
{
	json_t	*reply;
	bool	 enable;
	int	 rc;

	if ((reply = fetch_policy(o, id)) == NULL)
		return CLI_EXIT_FAIL;
	enable = !json_is_true(json_object_get(json_object_get(reply, "policy"),
	    "enabled"));
	json_decref(reply);
	rc = put_policy(o, id, json_pack("{s:b}", "enabled", enable));
	if (rc == CLI_EXIT_OK)
		cli_success("Policy #%s %s", id, enable ? "enabled" : "disabled");
	return rc;
}

static int
default_action(const struct opts *o, const char *value)
{
	json_t	*reply;

	if (value == NULL) {
		reply = cli_api(cli_socket_path(o->socket), "GET",
		    "/settings/daemon", NULL);
		if (reply == NULL)
			return CLI_EXIT_FAIL;
		printf("Default policy action: %s\n", str(json_object_get(reply,
		    "settings"), "defaultPolicyAction"));
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	if (strcmp(value, "ask") != 0 && strcmp(value, "deny") != 0) {
		cli_error("action must be \"ask\" or \"deny\"");
		return CLI_EXIT_USAGE;
	}
	reply = cli_api(cli_socket_path(o->socket), "PUT", "/settings/daemon",
	    json_pack("{s:s}", "defaultPolicyAction", value));
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	cli_success("Default policy action set to %s", value);
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
list_pending(const struct opts *o)
{
	static const char *const headers[] = {
		"ID", "SESSION", "TOOL", "COMMAND", "WAITING SINCE",
	};
	struct cli_table	*table;
	json_t			*reply, *list, *p;
	char			*target, *q, session[9], *since;
	size_t			 i;

	if (o->session != NULL) {
		q = cli_url_escape(o->session);
		target = xprintf("/policy-decisions/pending?sessionId=%s", q);
		free(q);
	} else
		target = xstrdup("/policy-decisions/pending");
	reply = cli_api(cli_socket_path(o->socket), "GET", target, NULL);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	list = json_object_get(reply, "pending");
	if (o->json)
		cli_print_json(list);
	else if (json_array_size(list) == 0)
		printf("No agent is waiting for an answer.\n");
	else {
		table = cli_table_new(5, headers);
		json_array_foreach(list, i, p) {
			snprintf(session, sizeof session, "%s",
			    str(p, "sessionId"));
			since = cli_format_time(str(p, "createdAt"));
			cli_table_add(table, str(p, "id"), session,
			    str(p, "toolName"), str(p, "command"), since);
			free(since);
		}
		cli_table_print(table, stdout);
		cli_table_free(table);
		printf("\nAnswer with: codepiper policy approve|deny <id>\n");
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
answer_pending(const struct opts *o, const char *id, bool allow)
{
	char	*q = cli_url_escape(id);
	char	*target = xprintf("/policy-decisions/pending/%s", q);
	json_t	*reply;

	reply = cli_api(cli_socket_path(o->socket), "POST", target,
	    json_pack("{s:s,s:b}", "decision", allow ? "allow" : "deny",
	    "remember", allow && o->remember));
	free(q);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	if (json_is_string(json_object_get(reply, "policyId")))
		cli_success("Allowed, and saved as policy #%s",
		    str(reply, "policyId"));
	else
		cli_success("%s", allow ? "Allowed" : "Denied");
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_policy(int argc, char **argv)
{
	struct opts		 o;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &o.socket },
		{ 0, "name", CLI_VALUE, &o.name },
		{ 0, "rules", CLI_VALUE, &o.rules },
		{ 0, "priority", CLI_VALUE, &o.priority },
		{ 0, "session", CLI_VALUE, &o.session },
		{ 0, "description", CLI_VALUE, &o.description },
		{ 0, "enabled", CLI_VALUE, &o.enabled },
		{ 0, "remember", CLI_FLAG, &o.remember },
		{ 0, "json", CLI_FLAG, &o.json },
		{ 0, NULL, 0, NULL },
	};
	const char		*sub, *id;
	int			 rc;

	memset(&o, 0, sizeof o);
	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("subcommand required (list, get, create, "
		    "update, delete, toggle, default, pending, approve, deny)");
	}
	sub = args.positional.items[0];
	id = args.positional.n > 1 ? args.positional.items[1] : NULL;
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
		rc = list_policies(&o);
	else if (strcmp(sub, "create") == 0 || strcmp(sub, "add") == 0)
		rc = create_policy(&o);
	else if (strcmp(sub, "default") == 0)
		rc = default_action(&o, id);
	else if (strcmp(sub, "pending") == 0)
		rc = list_pending(&o);
	else if (strcmp(sub, "get") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "update") != 0 && strcmp(sub, "delete") != 0 &&
	    strcmp(sub, "rm") != 0 && strcmp(sub, "toggle") != 0 &&
	    strcmp(sub, "approve") != 0 && strcmp(sub, "deny") != 0)
		rc = cli_usage_error("Unknown policy subcommand: %s", sub);
	else if (id == NULL)
		rc = cli_usage_error("%s ID is required", strcmp(sub, "approve")
		    == 0 || strcmp(sub, "deny") == 0 ? "Pending decision" :
		    "Policy");
	else if (strcmp(sub, "get") == 0 || strcmp(sub, "show") == 0)
		rc = get_policy(&o, id);
	else if (strcmp(sub, "update") == 0)
		rc = update_policy(&o, id);
	else if (strcmp(sub, "toggle") == 0)
		rc = toggle_policy(&o, id);
	else if (strcmp(sub, "approve") == 0)
		rc = answer_pending(&o, id, true);
	else if (strcmp(sub, "deny") == 0)
		rc = answer_pending(&o, id, false);
	else
		rc = delete_policy(&o, id);
	cli_args_free(&args);
	return rc;
}
