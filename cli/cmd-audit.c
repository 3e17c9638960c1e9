/*
 * codepiper audit: the policy decisions log (cli.md §3 "audit") and the
 * check of its hash chain (docs/hooks.md): list, verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper audit [list] [--session <id>] [--limit N] [--offset N]\n"
"                       [--decision allow|deny|ask] [--json]\n"
"       codepiper audit verify [--json]\n"
"\n"
"list (the default) shows policy decisions, newest first. verify checks the\n"
"hash chain that links every decision to the one before and reports the\n"
"first row that was changed, reordered or removed; it exits 1 then.\n"
"\n"
"Options:\n"
"  -s, --socket <path>  daemon socket\n";

static const char *
str(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static enum cli_style
decision_style(const char *d)
{
	if (strcmp(d, "allow") == 0)
		return CLI_GREEN;
	if (strcmp(d, "deny") == 0)
		return CLI_RED;
	return CLI_YELLOW;
}

static int
list_decisions(const char *socket, const char *session, const char *limit,
    const char *offset, const char *decision, int json)
{
	static const char *const headers[] = {
		"TIMESTAMP", "SESSION", "TOOL", "DECISION", "POLICY", "REASON",
	};
	struct cli_table	*table;
	json_t			*reply, *list, *d;
	const char		*errstr;
	long long		 n;
	char			*target, *q, *next, sid[9], *when, *col, *pol;
	size_t			 i;

	if (limit != NULL && cli_parse_int(limit, 1, 1000, &n, &errstr) != 0)
		return cli_usage_error("--limit %s is %s (1..1000)", limit,
		    errstr);
	if (offset != NULL && cli_parse_int(offset, 0, 1LL << 40, &n,
	    &errstr) != 0)
		return cli_usage_error("--offset %s is %s", offset, errstr);
	target = xprintf("/policy-decisions?limit=%s", limit != NULL ? limit :
	    "50");
	if (session != NULL) {
		q = cli_url_escape(session);
		next = xprintf("%s&sessionId=%s", target, q);
		free(q);
		free(target);
		target = next;
	}
	if (decision != NULL) {
		q = cli_url_escape(decision);
		next = xprintf("%s&decision=%s", target, q);
		free(q);
		free(target);
		target = next;
	}
	if (offset != NULL) {
		next = xprintf("%s&offset=%s", target, offset);
		free(target);
		target = next;
	}
	reply = cli_api(cli_socket_path(socket), "GET", target, NULL);
	free(target);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	list = json_object_get(reply, "decisions");
	if (json)
		cli_print_json(list);
	else if (json_array_size(list) == 0)
		printf("No policy decisions found.\n");
	else {
		table = cli_table_new(6, headers);
		json_array_foreach(list, i, d) {
			snprintf(sid, sizeof sid, "%s", str(d, "sessionId"));
			when = cli_format_time(str(d, "timestamp"));
			col = xprintf("%s%s%s", cli_sgr(decision_style(
			    str(d, "decision"))), str(d, "decision"),
			    cli_sgr(CLI_RESET));
			pol = json_is_string(json_object_get(d, "policyId")) ?
			    xprintf("#%s", str(d, "policyId")) : xstrdup("-");
			cli_table_add(table, when, sid, str(d, "toolName"), col,
			    pol, str(d, "reason"));
			free(when);
			free(col);
			free(pol);
		}
		cli_table_print(table, stdout);
		cli_table_free(table);
		printf("\nTotal: %zu decision(s)\n", json_array_size(list));
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
verify(const char *socket, int json)
{
	json_t	*reply;
	int	 ok;

	reply = cli_api(cli_socket_path(socket), "GET",
	    "/policy-decisions/verify", NULL);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	ok = json_is_true(json_object_get(reply, "ok"));
	if (json)
		cli_print_json(reply);
	else if (ok)
		cli_success("Audit chain intact: %lld decision(s) checked%s%s",
		    (long long)json_integer_value(json_object_get(reply,
		    "checked")), json_is_string(json_object_get(reply, "head")) ?
		    ", head " : "", str(reply, "head"));
	else
		cli_error("Audit chain broken at decision #%lld: %s "
		    "(%lld checked before it)", (long long)json_integer_value(
		    json_object_get(reply, "firstBrokenId")), str(reply, "reason"),
		    (long long)json_integer_value(json_object_get(reply,
		    "checked")));
	json_decref(reply);
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cmd_audit(int argc, char **argv)
{
	const char		*socket = NULL, *session = NULL, *limit = NULL;
	const char		*offset = NULL, *decision = NULL, *sub;
	int			 json = 0, rc;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket },
		{ 0, "session", CLI_VALUE, &session },
		{ 'n', "limit", CLI_VALUE, &limit },
		{ 0, "offset", CLI_VALUE, &offset },
		{ 0, "decision", CLI_VALUE, &decision },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	sub = args.positional.n > 0 ? args.positional.items[0] : "list";
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
		rc = list_decisions(socket, session, limit, offset, decision,
		    json);
	else if (strcmp(sub, "verify") == 0)
		rc = verify(socket, json);
	else
		rc = cli_usage_error("Unknown audit subcommand: %s", sub);
	cli_args_free(&args);
	return rc;
}
