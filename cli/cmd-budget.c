/*
 * codepiper budget: cost caps per day and per session, and lifting a
 * budget pause. GET/PUT /budgets, GET/PUT /sessions/<id>/budget,
 * POST /sessions/<id>/budget/resume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper budget [show] [--json]\n"
"       codepiper budget set [--daily <usd>|none] [--session <usd>|none]\n"
"       codepiper budget session <id> [--cap <usd>|none] [--json]\n"
"       codepiper budget resume <id>\n"
"\n"
"Cost caps in USD (estimates from list prices). --daily caps all sessions\n"
"together per local day; --session is every session's default cap, and\n"
"'budget session <id> --cap' a session's own. At 80% of a cap you are\n"
"notified; at 100% the agent is interrupted and the session paused until\n"
"the cap is raised or you resume it.\n"
"\n"
"Options:\n"
"      --daily <usd>     daily cap, or none\n"
"      --session <usd>   default cap per session, or none\n"
"      --cap <usd>       this session's cap, or none (the default applies)\n"
"      --json            print JSON\n"
"  -s, --socket <path>   daemon socket\n";

static void
print_json(const json_t *value)
{
	char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15));

	if (text != NULL)
		puts(text);
	free(text);
}

/* "none" -> JSON null; a positive amount -> a number; else -1. */
static int
parse_cap(const char *flag, const char *text, json_t **out)
{
	char *end;
	double v;

	if (strcmp(text, "none") == 0 || strcmp(text, "off") == 0) {
		*out = json_null();
		return 0;
	}
	v = strtod(text[0] == '$' ? text + 1 : text, &end);
	if (end == text || *end != '\0' || !(v > 0) || v >= 1e9) {
		cli_usage_error("%s must be an amount in USD (e.g. 5 or 2.50) or "
		    "none", flag);
		return -1;
	}
	*out = json_real(v);
	return 0;
}

static char *
money(json_t *v)
{
	return json_is_number(v) ? xprintf("$%.2f", json_number_value(v)) :
	    xstrdup("none");
}

static void
print_session_line(json_t *s)
{
	char *cap = money(json_object_get(s, "effectiveCapUsd"));
	char *cost = money(json_object_get(s, "costUsd"));
	json_t *pct = json_object_get(s, "percent");
	const char *source = json_string_value(json_object_get(s, "capSource"));

	printf("Session %s\n", json_string_value(json_object_get(s, "sessionId")));
	printf("  Cap:     %s%s%s%s\n", cap, source != NULL ? " (" : "",
	    source != NULL ? (strcmp(source, "session") == 0 ? "its own" :
	    "the default") : "", source != NULL ? ")" : "");
	if (json_is_number(pct))
		printf("  Spent:   %s (%g%%)\n", cost, json_number_value(pct));
	else
		printf("  Spent:   %s\n", cost);
	printf("  State:   %s\n", json_is_true(json_object_get(s, "paused")) ?
	    "paused by its budget" : "running");
	free(cap);
	free(cost);
}

static int
show(const char *socket, int json)
{
	static const char *const headers[] = {
		"SESSION", "CAP", "SPENT", "USED", "STATE",
	};
	struct cli_table	*table;
	json_t			*reply, *today, *s;
	char			*daily, *session, *cost, *cap, *spent, pct[32];
	size_t			 i;

	if ((reply = cli_api(socket, "GET", "/budgets", NULL)) == NULL)
		return CLI_EXIT_FAIL;
	if (json) {
		print_json(reply);
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	today = json_object_get(reply, "today");
	daily = money(json_object_get(reply, "dailyUsd"));
	session = money(json_object_get(reply, "sessionUsd"));
	cost = money(json_object_get(today, "costUsd"));
	printf("Daily cap:        %s\n", daily);
	printf("Session default:  %s\n", session);
	if (json_is_number(json_object_get(today, "percent")))
		printf("Spent today:      %s (%g%% of the daily cap)\n", cost,
		    json_number_value(json_object_get(today, "percent")));
	else
		printf("Spent today:      %s\n", cost);
	free(daily);
	free(session);
	free(cost);
	if (json_array_size(json_object_get(reply, "sessions")) > 0) {
		printf("\n");
		table = cli_table_new(5, headers);
		json_array_foreach(json_object_get(reply, "sessions"), i, s) {
			char id[9];

			snprintf(id, sizeof id, "%s", json_string_value(
			    json_object_get(s, "sessionId")));
			cap = money(json_object_get(s, "effectiveCapUsd"));
			spent = money(json_object_get(s, "costUsd"));
			if (json_is_number(json_object_get(s, "percent")))
				snprintf(pct, sizeof pct, "%g%%", json_number_value(
				    json_object_get(s, "percent")));
			else
				snprintf(pct, sizeof pct, "-");
			cli_table_add(table, id, cap, spent, pct,
			    json_is_true(json_object_get(s, "paused")) ?
			    "paused" : "running");
			free(cap);
			free(spent);
		}
		cli_table_print(table, stdout);
		cli_table_free(table);
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_budget(int argc, char **argv)
{
	const char		*socket_flag = NULL, *daily = NULL, *session = NULL;
	const char		*cap = NULL, *sub = "show", *id = NULL, *socket;
	int			 json = 0, status = CLI_EXIT_FAIL;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "daily", CLI_VALUE, &daily },
		{ 0, "session", CLI_VALUE, &session },
		{ 0, "cap", CLI_VALUE, &cap },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	json_t			*body = NULL, *reply = NULL, *v;
	char			*target = NULL;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n > 0)
		sub = args.positional.items[0];
	if (args.positional.n > 1)
		id = args.positional.items[1];
	socket = cli_socket_path(socket_flag);

	if (strcmp(sub, "show") == 0) {
		status = show(socket, json);
	} else if (strcmp(sub, "set") == 0) {
		body = json_object();
		if (daily != NULL) {
			if (parse_cap("--daily", daily, &v) != 0) {
				status = CLI_EXIT_USAGE;
				goto out;
			}
			json_object_set_new(body, "dailyUsd", v);
		}
		if (session != NULL) {
			if (parse_cap("--session", session, &v) != 0) {
				status = CLI_EXIT_USAGE;
				goto out;
			}
			json_object_set_new(body, "sessionUsd", v);
		}
		if (json_object_size(body) == 0) {
			status = cli_usage_error("set needs --daily and/or --session");
			goto out;
		}
		reply = cli_api(socket, "PUT", "/budgets", body);
		body = NULL;
		if (reply == NULL)
			goto out;
		cli_success("Budget updated");
		status = show(socket, 0);
	} else if (strcmp(sub, "session") == 0 || strcmp(sub, "resume") == 0) {
		if (id == NULL) {
			status = cli_usage_error("%s needs a session id", sub);
			goto out;
		}
		if (strcmp(sub, "resume") == 0) {
			target = cli_session_target(id, "budget/resume");
			if ((reply = cli_api(socket, "POST", target, NULL)) == NULL)
				goto out;
			cli_success("Session %s resumed; its current cap will not "
			    "pause it again", id);
			status = CLI_EXIT_OK;
			goto out;
		}
		target = cli_session_target(id, "budget");
		if (cap != NULL) {
			if (parse_cap("--cap", cap, &v) != 0) {
				status = CLI_EXIT_USAGE;
				goto out;
			}
			reply = cli_api(socket, "PUT", target, json_pack("{s:o}",
			    "capUsd", v));
		} else
			reply = cli_api(socket, "GET", target, NULL);
		if (reply == NULL)
			goto out;
		if (json)
			print_json(reply);
		else
			print_session_line(reply);
		status = CLI_EXIT_OK;
	} else
		cli_error("Unknown budget subcommand: %s. Use: show, set, session, "
		    "resume", sub);
out:
	json_decref(body);
	json_decref(reply);
	free(target);
	cli_args_free(&args);
	return status;
}
