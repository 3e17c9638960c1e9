/*
 * codepiper settings [get|set|restart]: the daemon settings of
 * settings-workspaces-envsets.md §1 (GET/PUT /settings/daemon,
 * POST /settings/daemon/restart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper settings [get] [--json]\n"
"       codepiper settings set <key> <value>\n"
"       codepiper settings restart\n"
"\n"
"Show or change the daemon settings, or restart the daemon.\n"
"<key> is a setting name (preserveSessions, defaultPolicyAction, ...) or\n"
"terminalFeatures.<name>; <value> is JSON (true, 42, {\"a\":true}) or else\n"
"taken as a string (ask).\n"
"\n"
"Options:\n"
"      --json           print JSON\n"
"  -s, --socket <path>  daemon socket\n";

static void
print_settings(json_t *settings, const char *prefix)
{
	const char	*key;
	json_t		*value;
	char		*text, *nested;

	json_object_foreach(settings, key, value) {
		if (json_is_object(value) && strcmp(key, "terminalFeatures") == 0) {
			nested = xprintf("%s%s.", prefix, key);
			print_settings(value, nested);
			free(nested);
			continue;
		}
		text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%s%s: %s\n", prefix, key, text != NULL ? text : "?");
		free(text);
	}
}

static int
settings_get(const char *socket, int json)
{
	json_t	*reply;

	if ((reply = cli_api(socket, "GET", "/settings/daemon", NULL)) == NULL)
		return CLI_EXIT_FAIL;
	if (json)
		cli_print_json(json_object_get(reply, "settings"));
	else
		print_settings(json_object_get(reply, "settings"), "");
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
settings_set(const char *socket, const char *key, const char *text)
{
	json_t		*value, *body, *reply;
	const char	*dot;
	char		*top;

	value = json_loads(text, JSON_DECODE_ANY, NULL);
	if (value == NULL)
		value = json_string(text);
	if ((dot = strchr(key, '.')) != NULL) {
		top = xstrndup(key, (size_t)(dot - key));
		body = json_pack("{s:{s:o}}", top, dot + 1, value);
		free(top);
	} else
		body = json_pack("{s:o}", key, value);
	if ((reply = cli_api(socket, "PUT", "/settings/daemon", body)) == NULL)
		return CLI_EXIT_FAIL;
	cli_success("%s set to %s", key, text);
	if (json_array_size(json_object_get(reply, "restartRequired")) > 0)
		printf("This takes effect after a restart "
		    "(codepiper settings restart).\n");
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_settings(int argc, char **argv)
{
	const char		*socket_flag = NULL, *sub = "get", *socket;
	int			 json = 0, status;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	json_t			*reply;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n > 0)
		sub = args.positional.items[0];
	socket = cli_socket_path(socket_flag);
	if (strcmp(sub, "get") == 0)
		status = settings_get(socket, json);
	else if (strcmp(sub, "set") == 0) {
		if (args.positional.n != 3)
			status = cli_usage_error("set needs <key> <value>");
		else
			status = settings_set(socket, args.positional.items[1],
			    args.positional.items[2]);
	} else if (strcmp(sub, "restart") == 0) {
		reply = cli_api(socket, "POST", "/settings/daemon/restart",
		    NULL);
		status = reply != NULL ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		if (reply != NULL)
			cli_success("%s", json_string_value(json_object_get(
			    reply, "message")));
		json_decref(reply);
	} else {
		cli_error("Unknown settings subcommand: %s. Use: get, set, "
		    "restart", sub);
		status = CLI_EXIT_FAIL;
	}
	cli_args_free(&args);
	return status;
}
