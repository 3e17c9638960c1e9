/*
 * codepiper logs <id> (alias events): GET /sessions/:id/events (cli.md §2
 * "logs"). Improvement over the reference: the newest N events are asked
 * for (order=desc&limit=N) and printed oldest first, so --tail means tail.
 * --follow polls every second for events after the last id seen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper logs <session-id> [options]\n"
"\n"
"Show a session's events (hooks, transcript lines, ...), oldest first.\n"
"\n"
"Options:\n"
"  -n, --tail <N>         the last N events (default 100, max 1000)\n"
"      --since <id>       only events after this event id\n"
"      --format <f>       pretty (default) | json | text\n"
"      --json             same as --format json\n"
"      --source <s>       only this source: hook, transcript, pty, statusline\n"
"      --type <t>         only this event type\n"
"  -m, --messages         only user and assistant messages (--format text)\n"
"  -f, --follow           keep printing new events (json: one per line)\n"
"  -s, --socket <path>    daemon socket\n";

#define LOGS_DEFAULT_TAIL	100
#define LOGS_MAX_TAIL		1000
/* Page size while following: enough to catch up in a few requests. */
#define LOGS_FOLLOW_PAGE	200
#define LOGS_FOLLOW_MS		1000
#define PREVIEW_CHARS		200
#define COMPACT_MAX		100

enum logs_format {
	LOGS_PRETTY,
	LOGS_JSON,
	LOGS_TEXT,
};

struct logs {
	const char		*socket;
	const char		*id;
	const char		*source;
	const char		*type;
	enum logs_format	 format;
	int			 follow;
	long long		 last_id;
	size_t			 printed;
};

/* The first max characters of s (UTF-8), with "..." when cut. */
static char *
preview(const char *s, size_t max)
{
	const char	*p = s;
	size_t		 chars = 0;

	while (*p != '\0') {
		if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == max)
			return xprintf("%.*s...", (int)(p - s), s);
		p++;
	}
	return xstrdup(s);
}

/* The text of message.content: the string, or its text blocks joined. */
static char *
message_text(json_t *payload)
{
	json_t		*content, *block;
	const char	*type, *text;
	char		*out = NULL, *next;
	size_t		 i;

	content = json_object_get(json_object_get(payload, "message"),
	    "content");
	if (json_is_string(content))
		return xstrdup(json_string_value(content));
	json_array_foreach(content, i, block) {
		type = json_string_value(json_object_get(block, "type"));
		text = json_string_value(json_object_get(block, "text"));
		if (type == NULL || strcmp(type, "text") != 0 || text == NULL)
			continue;
		if (out == NULL)
			out = xstrdup(text);
		else {
			next = xprintf("%s\n%s", out, text);
			free(out);
			out = next;
		}
	}
	return out;
}

/* A transcript user or assistant line? Returns the role's label. */
static const char *
message_role(json_t *event)
{
	const char	*source, *type;

	source = json_string_value(json_object_get(event, "source"));
	type = json_string_value(json_object_get(event, "type"));
	if (source == NULL || type == NULL || strcmp(source, "transcript") != 0)
		return NULL;
	if (strcmp(type, "user") == 0)
		return "User";
	if (strcmp(type, "assistant") == 0)
		return "Assistant";
	return NULL;
}

static void
print_pretty(json_t *event)
{
	json_t		*payload = json_object_get(event, "payload");
	const char	*source, *type, *role, *name;
	char		*when, *text, *shown;

	source = json_string_value(json_object_get(event, "source"));
	type = json_string_value(json_object_get(event, "type"));
	when = cli_format_time(json_string_value(json_object_get(event,
	    "timestamp")));
	printf("%s%s%s [%-10s] %s%-20s%s\n", cli_sgr(CLI_DIM), when,
	    cli_sgr(CLI_RESET), source != NULL ? source : "?",
	    cli_sgr(CLI_BOLD), type != NULL ? type : "?", cli_sgr(CLI_RESET));
	free(when);

	role = message_role(event);
	if (role != NULL) {
		if ((text = message_text(payload)) != NULL) {
			shown = preview(text, PREVIEW_CHARS);
			printf("  %s %s\n", *role == 'U' ? "👤" : "📝", shown);
			free(shown);
			free(text);
		}
	} else if (source != NULL && strcmp(source, "hook") == 0) {
		name = json_string_value(json_object_get(payload,
		    "hook_event_name"));
		if (name == NULL)
			name = json_string_value(json_object_get(payload,
			    "event"));
		printf("  🪝 Event: %s\n", name != NULL ? name :
		    (type != NULL ? type : "?"));
	} else if (json_is_object(payload) && json_object_size(payload) == 0)
		;	/* nothing worth a line */
	else if (payload != NULL) {
		text = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text != NULL && strlen(text) < COMPACT_MAX)
			printf("  %s\n", text);
		else if (text != NULL) {
			free(text);
			text = json_dumps(payload, JSON_INDENT(2) |
			    JSON_ENCODE_ANY);
			printf("%s\n", text);
		}
		free(text);
	}
	putchar('\n');
}

static int
print_message(json_t *event)
{
	const char	*role = message_role(event);
	char		*when, *text;
	int		 i;

	if (role == NULL)
		return 0;
	when = cli_format_time(json_string_value(json_object_get(event,
	    "timestamp")));
	text = message_text(json_object_get(event, "payload"));
	printf("%s[%s]%s %s%s:%s\n%s\n%s", cli_sgr(CLI_DIM), when,
	    cli_sgr(CLI_RESET), cli_sgr(CLI_BOLD), role, cli_sgr(CLI_RESET),
	    text != NULL ? text : "", cli_sgr(CLI_DIM));
	for (i = 0; i < 80; i++)
		fputs("─", stdout);
	printf("%s\n", cli_sgr(CLI_RESET));
	free(when);
	free(text);
	return 1;
}

static void
print_event(struct logs *logs, json_t *event)
{
	char	*line;

	switch (logs->format) {
	case LOGS_JSON:
		/* Following prints a stream: one compact object per line. */
		line = json_dumps(event, JSON_COMPACT);
		puts(line);
		free(line);
		logs->printed++;
		break;
	case LOGS_TEXT:
		logs->printed += print_message(event);
		break;
	case LOGS_PRETTY:
		print_pretty(event);
		logs->printed++;
		break;
	}
}

/* The events page for a query; NULL after printing an error. */
static json_t *
fetch(struct logs *logs, const char *query)
{
	char	*target, *suffix, *escaped;
	json_t	*reply, *events;

	suffix = xprintf("events?%s", query);
	if (logs->source != NULL) {
		escaped = cli_url_escape(logs->source);
		target = xprintf("%s&source=%s", suffix, escaped);
		free(suffix);
		free(escaped);
		suffix = target;
	}
	if (logs->type != NULL) {
		escaped = cli_url_escape(logs->type);
		target = xprintf("%s&type=%s", suffix, escaped);
		free(suffix);
		free(escaped);
		suffix = target;
	}
	target = cli_session_target(logs->id, suffix);
	free(suffix);
	reply = cli_api(logs->socket, "GET", target, NULL);
	free(target);
	if (reply == NULL)
		return NULL;
	/* The reference answers with a bare array; agentd with an object. */
	events = json_is_array(reply) ? reply : json_object_get(reply, "events");
	if (!json_is_array(events)) {
		cli_error("Invalid response from daemon: no events array");
		json_decref(reply);
		return NULL;
	}
	json_incref(events);
	json_decref(reply);
	return events;
}

static void
note_id(struct logs *logs, json_t *event)
{
	json_t	*id = json_object_get(event, "id");

	if (json_is_integer(id) && json_integer_value(id) > logs->last_id)
		logs->last_id = json_integer_value(id);
}

static int
follow(struct logs *logs, long long page)
{
	json_t	*events, *event;
	char	*query;
	size_t	 i, n;

	cli_catch_interrupt();
	fprintf(logs->format == LOGS_JSON ? stderr : stdout,
	    "Following logs for session %s...\nPress Ctrl+C to stop.\n",
	    logs->id);
	fflush(stdout);
	while (!cli_interrupted()) {
		do {
			query = xprintf("since=%lld&limit=%lld", logs->last_id,
			    page);
			events = fetch(logs, query);
			free(query);
			if (events == NULL)
				return cli_interrupted() ? CLI_EXIT_OK :
				    CLI_EXIT_FAIL;
			n = json_array_size(events);
			json_array_foreach(events, i, event) {
				print_event(logs, event);
				note_id(logs, event);
			}
			json_decref(events);
			fflush(stdout);
		} while (n == (size_t)page && !cli_interrupted());
		cli_sleep_ms(LOGS_FOLLOW_MS);
	}
	fprintf(logs->format == LOGS_JSON ? stderr : stdout, "Stopping...\n");
	return CLI_EXIT_OK;
}

int
cmd_logs(int argc, char **argv)
{
	const char		*socket_flag = NULL, *tail = NULL, *since = NULL;
	const char		*format = NULL, *errstr;
	int			 json = 0, messages = 0, follow_flag = 0;
	int			 status = CLI_EXIT_OK;
	struct logs		 logs;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'n', "tail", CLI_VALUE, &tail },
		{ 0, "since", CLI_VALUE, &since },
		{ 0, "format", CLI_VALUE, &format },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, "source", CLI_VALUE, &logs.source },
		{ 0, "type", CLI_VALUE, &logs.type },
		{ 'm', "messages", CLI_FLAG, &messages },
		{ 'f', "follow", CLI_FLAG, &follow_flag },
		{ 0, NULL, 0, NULL },
	};
	long long		 limit = LOGS_DEFAULT_TAIL, since_id = -1;
	json_t			*events, *ordered, *event;
	char			*query;
	size_t			 i;

	memset(&logs, 0, sizeof logs);
	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	logs.id = args.positional.items[0];
	logs.format = LOGS_PRETTY;
	if (format != NULL) {
		if (strcmp(format, "json") == 0)
			logs.format = LOGS_JSON;
		else if (strcmp(format, "text") == 0)
			logs.format = LOGS_TEXT;
		else if (strcmp(format, "pretty") != 0) {
			cli_args_free(&args);
			return cli_usage_error("Invalid format: %s. Valid "
			    "options: pretty, json, text", format);
		}
	}
	if (json)
		logs.format = LOGS_JSON;
	if (messages)
		logs.format = LOGS_TEXT;
	if (tail != NULL && cli_parse_int(tail, 1, LOGS_MAX_TAIL, &limit,
	    &errstr) != 0) {
		cli_args_free(&args);
		return cli_usage_error("--tail must be a number from 1 to %d",
		    LOGS_MAX_TAIL);
	}
	if (since != NULL && cli_parse_int(since, 0, INT64_MAX, &since_id,
	    &errstr) != 0) {
		cli_args_free(&args);
		return cli_usage_error("--since must be an event id (a number "
		    ">= 0)");
	}
	logs.socket = cli_socket_path(socket_flag);
	logs.follow = follow_flag;
	logs.last_id = since_id >= 0 ? since_id : 0;

	if (since_id >= 0)
		query = xprintf("order=desc&limit=%lld&since=%lld", limit,
		    since_id);
	else
		query = xprintf("order=desc&limit=%lld", limit);
	events = fetch(&logs, query);
	free(query);
	if (events == NULL) {
		cli_args_free(&args);
		return CLI_EXIT_FAIL;
	}
	/* Newest first from the daemon: print oldest first. */
	ordered = json_array();
	for (i = json_array_size(events); i > 0; i--)
		json_array_append(ordered, json_array_get(events, i - 1));
	json_decref(events);
	json_array_foreach(ordered, i, event)
		note_id(&logs, event);
	if (logs.format == LOGS_JSON && !logs.follow)
		cli_print_json(ordered);
	else {
		json_array_foreach(ordered, i, event)
			print_event(&logs, event);
	}
	if (logs.format == LOGS_TEXT && !logs.follow) {
		if (logs.printed == 0)
			printf("No messages found.\n");
		else
			printf("Total: %zu message(s)\n", logs.printed);
	} else if (logs.format == LOGS_PRETTY && !logs.follow) {
		if (logs.printed == 0)
			printf("No events found.\n");
		else
			printf("Total: %zu event(s)\n", logs.printed);
	}
	json_decref(ordered);
	if (logs.follow)
		status = follow(&logs, limit > LOGS_FOLLOW_PAGE ? limit :
		    LOGS_FOLLOW_PAGE);
	cli_args_free(&args);
	return status;
}
