/*
 * codepiper analytics [overview|tokens|costs|tools|activity|sessions|usage|
 * policy] (cli.md §3 "analytics"): GET /analytics/<view>?range=... as text
 * or JSON. "costs" is the spend per model with its parts and the total.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper analytics [view] [--range today|7d|30d|all] [--days N] [--json]\n"
"\n"
"Views:\n"
"  overview   sessions, tokens, messages, cache hit rate, cost (default)\n"
"  tokens     tokens per model\n"
"  costs      estimated spend per model: input, output, cache write, cache read\n"
"  tools      tool calls per tool (top 15)\n"
"  activity   user and assistant messages per day\n"
"  sessions   sessions per provider\n"
"  usage      tokens per day\n"
"  policy     policy decisions per day\n"
"\n"
"Options:\n"
"      --range <r>      today | 7d (default) | 30d | all\n"
"      --days <n>       1 = today, 30 = 30d, 0 = all, anything else 7d\n"
"      --json           print the daemon's JSON\n"
"  -s, --socket <path>  daemon socket\n"
"\n"
"Days are UTC dates; costs are estimates from list prices.\n";

struct view {
	const char	*name;
	const char	*path;
	const char	*noun;		/* "No <noun> data available." */
};

static const struct view views[] = {
	{ "overview",	"/analytics/overview",		"overview" },
	{ "tokens",	"/analytics/tokens-by-model",	"token" },
	{ "costs",	"/analytics/tokens-by-model",	"cost" },
	{ "tools",	"/analytics/tool-usage",	"tool usage" },
	{ "activity",	"/analytics/activity-timeline",	"activity" },
	{ "sessions",	"/analytics/sessions-by-provider", "session" },
	{ "usage",	"/analytics/token-usage",	"token usage" },
	{ "policy",	"/analytics/policy-decisions",	"policy decision" },
	{ NULL,		NULL,				NULL },
};

/* JSON as the daemon means it: 0.08, not 0.080000000000000002. */
static void
print_json(const json_t *value)
{
	char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15));

	if (text != NULL)
		puts(text);
	free(text);
}

static long long
integer(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) :
	    (long long)json_number_value(v);
}

/* 1234567 -> "1,234,567" */
static char *
grouped(long long n)
{
	char digits[32], out[48];
	size_t len, i, o = 0;
	int neg = n < 0;

	snprintf(digits, sizeof digits, "%llu", neg ? 0ULL - (unsigned long long)n :
	    (unsigned long long)n);
	len = strlen(digits);
	if (neg)
		out[o++] = '-';
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return xstrdup(out);
}

static char *
grouped_key(json_t *o, const char *key)
{
	return grouped(integer(o, key));
}

static char *
dollars(double usd)
{
	return xprintf("$%.2f", usd);
}

static void
print_overview(json_t *o, const char *range)
{
	char *total = grouped_key(o, "totalTokens");
	char *in = grouped_key(o, "inputTokens"), *out = grouped_key(o,
	    "outputTokens");
	char *cw = grouped_key(o, "cacheCreationTokens");
	char *cr = grouped_key(o, "cacheReadTokens");

	printf("%sAnalytics Overview (range: %s)%s\n\n", cli_sgr(CLI_BOLD),
	    range, cli_sgr(CLI_RESET));
	printf("Total sessions:   %lld\n", integer(o, "sessionsCount"));
	printf("Active sessions:  %lld\n", integer(o, "activeSessions"));
	printf("Total tokens:     %s\n", total);
	printf("  input %s, output %s, cache write %s, cache read %s\n", in, out,
	    cw, cr);
	printf("Total messages:   %lld\n", integer(o, "totalMessages"));
	printf("Cache hit rate:   %g%%\n", json_number_value(json_object_get(o,
	    "cacheHitRate")));
	printf("Estimated cost:   $%.2f\n", json_number_value(json_object_get(o,
	    "costEstimate")));
	free(total);
	free(in);
	free(out);
	free(cw);
	free(cr);
}

static void
print_tokens(json_t *list)
{
	static const char *const headers[] = {
		"MODEL", "TOTAL", "PROMPT", "COMPLETION", "REQUESTS", "COST",
	};
	struct cli_table *table = cli_table_new(6, headers);
	json_t *row;
	size_t i;

	json_array_foreach(list, i, row) {
		char *total = grouped_key(row, "tokens");
		char *prompt = grouped_key(row, "prompt_tokens");
		char *completion = grouped_key(row, "completion_tokens");
		char *requests = grouped_key(row, "requests");
		char *cost = dollars(json_number_value(json_object_get(row,
		    "costEstimate")));

		cli_table_add(table, json_string_value(json_object_get(row,
		    "model")), total, prompt, completion, requests, cost);
		free(total);
		free(prompt);
		free(completion);
		free(requests);
		free(cost);
	}
	cli_table_print(table, stdout);
	cli_table_free(table);
}

static void
print_costs(json_t *list, json_t *overview)
{
	static const char *const headers[] = {
		"MODEL", "REQUESTS", "INPUT", "OUTPUT", "CACHE WRITE",
		"CACHE READ", "COST",
	};
	struct cli_table *table = cli_table_new(7, headers);
	json_t *row;
	size_t i;

	json_array_foreach(list, i, row) {
		char *requests = grouped_key(row, "requests");
		char *in = grouped_key(row, "prompt_tokens");
		char *out = grouped_key(row, "completion_tokens");
		char *cw = grouped_key(row, "cache_creation");
		char *cr = grouped_key(row, "cache_read");
		char *cost = dollars(json_number_value(json_object_get(row,
		    "costEstimate")));

		cli_table_add(table, json_string_value(json_object_get(row,
		    "model")), requests, in, out, cw, cr, cost);
		free(requests);
		free(in);
		free(out);
		free(cw);
		free(cr);
		free(cost);
	}
	cli_table_print(table, stdout);
	cli_table_free(table);
	printf("\nTotal estimated cost: $%.2f\n", json_number_value(
	    json_object_get(overview, "costEstimate")));
}

/* A table of keys from each row: integers grouped, strings as they are. */
static void
print_rows(json_t *list, size_t n, const char *const *headers,
    const char *const *keys)
{
	struct cli_table *table = cli_table_new(n, headers);
	const char *cells[8];
	char *owned[8];
	json_t *row, *v;
	size_t i, j;

	json_array_foreach(list, i, row) {
		for (j = 0; j < n; j++) {
			v = json_object_get(row, keys[j]);
			owned[j] = json_is_string(v) ? xstrdup(json_string_value(v)) :
			    grouped(integer(row, keys[j]));
			cells[j] = owned[j];
		}
		switch (n) {
		case 2:
			cli_table_add(table, cells[0], cells[1]);
			break;
		case 3:
			cli_table_add(table, cells[0], cells[1], cells[2]);
			break;
		case 4:
			cli_table_add(table, cells[0], cells[1], cells[2], cells[3]);
			break;
		default:
			cli_table_add(table, cells[0], cells[1], cells[2], cells[3],
			    cells[4]);
			break;
		}
		for (j = 0; j < n; j++)
			free(owned[j]);
	}
	cli_table_print(table, stdout);
	cli_table_free(table);
}

static void
print_view(const struct view *v, json_t *reply)
{
	if (strcmp(v->name, "tokens") == 0)
		print_tokens(reply);
	else if (strcmp(v->name, "tools") == 0)
		print_rows(reply, 2, (const char *const[]){ "TOOL", "USES" },
		    (const char *const[]){ "tool", "count" });
	else if (strcmp(v->name, "activity") == 0)
		print_rows(reply, 4, (const char *const[]){ "DATE", "USER",
		    "ASSISTANT", "TOTAL" }, (const char *const[]){ "date",
		    "user_messages", "assistant_messages", "total" });
	else if (strcmp(v->name, "sessions") == 0)
		print_rows(reply, 2, (const char *const[]){ "PROVIDER",
		    "SESSIONS" }, (const char *const[]){ "provider", "count" });
	else if (strcmp(v->name, "usage") == 0)
		print_rows(reply, 5, (const char *const[]){ "DATE", "PROMPT",
		    "COMPLETION", "CACHE WRITE", "CACHE READ" },
		    (const char *const[]){ "date", "prompt", "completion",
		    "cacheCreation", "cacheRead" });
	else if (strcmp(v->name, "policy") == 0)
		print_rows(reply, 3, (const char *const[]){ "DATE", "DECISION",
		    "COUNT" }, (const char *const[]){ "date", "decision",
		    "count" });
}

static const char *
range_of(const char *range, const char *days)
{
	long long n;
	const char *errstr;

	if (range != NULL)
		return range;
	if (days == NULL)
		return "7d";
	if (cli_parse_int(days, 0, 100000, &n, &errstr) != 0)
		return "7d";
	return n == 1 ? "today" : n == 30 ? "30d" : n == 0 ? "all" : "7d";
}

int
cmd_analytics(int argc, char **argv)
{
	const char		*socket_flag = NULL, *range_flag = NULL;
	const char		*days = NULL, *name = "overview", *range, *socket;
	int			 json = 0, status = CLI_EXIT_FAIL;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "range", CLI_VALUE, &range_flag },
		{ 'd', "days", CLI_VALUE, &days },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	const struct view	*v;
	json_t			*reply = NULL, *overview = NULL;
	char			*target = NULL;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n > 0)
		name = args.positional.items[0];
	for (v = views; v->name != NULL; v++) {
		if (strcmp(v->name, name) == 0)
			break;
	}
	if (v->name == NULL) {
		cli_error("Unknown analytics subcommand: %s. Use: overview, tokens, "
		    "costs, tools, activity, sessions, usage, policy", name);
		goto out;
	}
	range = range_of(range_flag, days);
	if (strcmp(range, "today") != 0 && strcmp(range, "7d") != 0 &&
	    strcmp(range, "30d") != 0 && strcmp(range, "all") != 0) {
		status = cli_usage_error("Invalid range: %s. Use: today, 7d, 30d, "
		    "all", range);
		goto out;
	}
	socket = cli_socket_path(socket_flag);
	target = xprintf("%s?range=%s", v->path, range);
	if ((reply = cli_api(socket, "GET", target, NULL)) == NULL)
		goto out;
	if (strcmp(v->name, "costs") == 0) {
		free(target);
		target = xprintf("/analytics/overview?range=%s", range);
		if ((overview = cli_api(socket, "GET", target, NULL)) == NULL)
			goto out;
	}
	status = CLI_EXIT_OK;
	if (json) {
		if (overview != NULL) {
			json_t *both = json_pack("{s:O,s:O}", "models", reply,
			    "costEstimate", json_object_get(overview,
			    "costEstimate"));
			print_json(both);
			json_decref(both);
		} else
			print_json(reply);
		goto out;
	}
	if (strcmp(v->name, "overview") == 0) {
		print_overview(reply, range);
		goto out;
	}
	if (json_array_size(reply) == 0) {
		printf("No %s data available.\n", v->noun);
		goto out;
	}
	if (strcmp(v->name, "costs") == 0)
		print_costs(reply, overview);
	else
		print_view(v, reply);
out:
	json_decref(reply);
	json_decref(overview);
	free(target);
	cli_args_free(&args);
	return status;
}
