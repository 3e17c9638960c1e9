/*
 * codepiper providers: GET /providers as a capability table or JSON.
 */
#include <string.h>

#include "cli.h"

static const char usage[] =
"Usage: codepiper providers [-f table|json]\n"
"\n"
"List the agent providers the daemon can run and what each supports.\n"
"\n"
"Options:\n"
"  -f, --format <f>     table (default) | json\n"
"      --json           same as -f json\n"
"  -s, --socket <path>  daemon socket\n";

static const char *
yes_no(json_t *capabilities, const char *key)
{
	return json_is_true(json_object_get(capabilities, key)) ? "yes" : "no";
}

int
cmd_providers(int argc, char **argv)
{
	static const char *const headers[] = {
		"ID", "RUNTIME", "HOOKS", "POLICY", "METRICS", "MODEL",
		"DANGEROUS",
	};
	const char		*socket_flag = NULL, *format = NULL;
	int			 json = 0;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'f', "format", CLI_VALUE, &format },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	struct cli_table	*table;
	json_t			*reply, *list, *provider, *caps;
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
	reply = cli_api(cli_socket_path(socket_flag), "GET", "/providers",
	    NULL);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	list = json_object_get(reply, "providers");
	if (json) {
		if (json_is_array(list))
			cli_print_json(list);
		else
			puts("[]");
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	if (json_array_size(list) == 0) {
		printf("No providers reported by daemon.\n");
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	printf("%sAvailable Providers%s\n\n", cli_sgr(CLI_BOLD),
	    cli_sgr(CLI_RESET));
	table = cli_table_new(7, headers);
	json_array_foreach(list, i, provider) {
		caps = json_object_get(provider, "capabilities");
		cli_table_add(table,
		    json_string_value(json_object_get(provider, "id")),
		    json_string_value(json_object_get(provider, "runtime")),
		    yes_no(caps, "nativeHooks"),
		    json_string_value(json_object_get(caps, "policyChannel")),
		    json_string_value(json_object_get(caps, "metricsChannel")),
		    yes_no(caps, "supportsModelSwitch"),
		    yes_no(caps, "supportsDangerousMode"));
	}
	cli_table_print(table, stdout);
	cli_table_free(table);
	json_decref(reply);
	return CLI_EXIT_OK;
}
