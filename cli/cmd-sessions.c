/*
 * codepiper sessions: GET /sessions as a table or JSON (cli.md §2
 * "sessions"). The filters go to the daemon and are applied here too, so
 * the answer is right whether or not the daemon honours them.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper sessions [-f table|json] [-p provider] [--status S]\n"
"\n"
"List sessions, newest last-known state first.\n"
"\n"
"Options:\n"
"  -f, --format <f>     table (default) | json\n"
"      --json           same as -f json\n"
"  -p, --provider <p>   only this provider (claude-code, codex)\n"
"      --status <S>     only this status (RUNNING, STOPPED, ...)\n"
"  -s, --socket <path>  daemon socket\n";

#define DIRECTORY_WIDTH	35

/* A path shortened to DIRECTORY_WIDTH columns: "..." + its tail. */
static char *
short_directory(const char *cwd)
{
	size_t	len = strlen(cwd), keep = DIRECTORY_WIDTH - 3;
	const char *tail;

	if (cli_display_width(cwd) <= DIRECTORY_WIDTH)
		return xstrdup(cwd);
	/* Back up to keep whole UTF-8 characters. */
	tail = cwd + len;
	while (tail > cwd && keep > 0) {
		tail--;
		if (((unsigned char)*tail & 0xc0) != 0x80)
			keep--;
	}
	return xprintf("...%s", tail);
}

/* Status counts in first-seen order: "3 running, 1 stopped". */
static char *
status_summary(json_t *sessions)
{
	const char	**names = NULL, *status;
	size_t		 *counts = NULL, n = 0, i, j;
	json_t		 *session;
	char		 *out = xstrdup(""), *next, *lower;

	json_array_foreach(sessions, i, session) {
		status = json_string_value(json_object_get(session, "status"));
		if (status == NULL)
			continue;
		for (j = 0; j < n && strcmp(names[j], status) != 0; j++)
			;
		if (j == n) {
			names = xreallocarray(names, n + 1, sizeof *names);
			counts = xreallocarray(counts, n + 1, sizeof *counts);
			names[n] = status;
			counts[n++] = 0;
		}
		counts[j]++;
	}
	for (j = 0; j < n; j++) {
		lower = xstrdup(names[j]);
		for (i = 0; lower[i] != '\0'; i++)
			lower[i] = (char)tolower((unsigned char)lower[i]);
		next = xprintf("%s%s%zu %s", out, j > 0 ? ", " : "", counts[j],
		    lower);
		free(lower);
		free(out);
		out = next;
	}
	free(names);
	free(counts);
	return out;
}

static void
print_table(json_t *sessions)
{
	static const char *const headers[] = {
		"ID", "PROVIDER", "STATUS", "DIRECTORY", "CREATED",
	};
	struct cli_table	*table;
	json_t			*session;
	const char		*status, *cwd;
	char			 id[9], *colored, *directory, *created, *summary;
	size_t			 i;

	if (json_array_size(sessions) == 0) {
		printf("No sessions found.\n");
		return;
	}
	table = cli_table_new(5, headers);
	cli_table_min_width(table, 1, 12);
	cli_table_min_width(table, 2, 8);
	json_array_foreach(sessions, i, session) {
		snprintf(id, sizeof id, "%s",
		    json_string_value(json_object_get(session, "id")));
		status = json_string_value(json_object_get(session, "status"));
		cwd = json_string_value(json_object_get(session, "cwd"));
		colored = xprintf("%s%s%s", cli_sgr(cli_status_style(status)),
		    status != NULL ? status : "-", cli_sgr(CLI_RESET));
		directory = short_directory(cwd != NULL ? cwd : "-");
		created = cli_format_time(json_string_value(json_object_get(
		    session, "createdAt")));
		cli_table_add(table, id, json_string_value(json_object_get(
		    session, "provider")), colored, directory, created);
		free(colored);
		free(directory);
		free(created);
	}
	cli_table_print(table, stdout);
	cli_table_free(table);
	summary = status_summary(sessions);
	printf("\nTotal: %zu session(s) (%s)\n", json_array_size(sessions),
	    summary);
	free(summary);
}

int
cmd_sessions(int argc, char **argv)
{
	const char		*format = NULL, *provider = NULL, *status = NULL;
	const char		*socket_flag = NULL, *value;
	int			 json = 0, rc = CLI_EXIT_FAIL;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 'f', "format", CLI_VALUE, &format },
		{ 'p', "provider", CLI_VALUE, &provider },
		{ 0, "status", CLI_VALUE, &status },
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	char			*target, *query_provider = NULL;
	char			*query_status = NULL, *upper = NULL;
	json_t			*reply, *all, *kept, *session;
	size_t			 i;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	cli_args_free(&args);
	if (format != NULL && strcmp(format, "table") != 0 &&
	    strcmp(format, "json") != 0)
		return cli_usage_error("Invalid format: %s. Valid options: "
		    "table, json", format);
	if (format != NULL && strcmp(format, "json") == 0)
		json = 1;
	if (provider != NULL && strcmp(provider, "claude") == 0)
		provider = "claude-code";

	/* Statuses are upper case; let people type them either way. */
	if (status != NULL) {
		upper = xstrdup(status);
		for (i = 0; upper[i] != '\0'; i++)
			upper[i] = (char)toupper((unsigned char)upper[i]);
		status = upper;
	}
	query_provider = cli_url_escape(provider != NULL ? provider : "");
	query_status = cli_url_escape(status != NULL ? status : "");
	if (provider != NULL || status != NULL)
		target = xprintf("/sessions?provider=%s&status=%s",
		    query_provider, query_status);
	else
		target = xstrdup("/sessions");
	reply = cli_api(cli_socket_path(socket_flag), "GET", target, NULL);
	free(target);
	free(query_provider);
	free(query_status);
	if (reply == NULL) {
		free(upper);
		return CLI_EXIT_FAIL;
	}

	all = json_object_get(reply, "sessions");
	if (!json_is_array(all)) {
		cli_error("Invalid response from daemon: no sessions array");
		goto out;
	}
	kept = json_array();
	json_array_foreach(all, i, session) {
		value = json_string_value(json_object_get(session, "provider"));
		if (provider != NULL && (value == NULL ||
		    strcmp(value, provider) != 0))
			continue;
		value = json_string_value(json_object_get(session, "status"));
		if (status != NULL && (value == NULL ||
		    strcmp(value, status) != 0))
			continue;
		json_array_append(kept, session);
	}
	if (json)
		cli_print_json(kept);
	else
		print_table(kept);
	json_decref(kept);
	rc = CLI_EXIT_OK;
out:
	json_decref(reply);
	free(upper);
	return rc;
}
