/*
 * codepiper auth [status|reset-password|reset-mfa|sessions|revoke-all]
 * (cli.md §2 "auth"): the dashboard's password, MFA and sign-ins, over the
 * trusted CLI socket. The reset routes exist only there.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper auth [status]\n"
"       codepiper auth reset-password [-g|--generate]\n"
"       codepiper auth reset-mfa [-y|--yes]\n"
"       codepiper auth sessions [--json]\n"
"       codepiper auth revoke-all [-y|--yes]\n"
"\n"
"Manage the web dashboard's sign-in (over the local socket only).\n"
"\n"
"  status          password and MFA state\n"
"  reset-password  set a new password (prompted, or --generate one);\n"
"                  signs every browser out\n"
"  reset-mfa       remove the authenticator and recovery codes; the next\n"
"                  sign-in enrols MFA again; signs every browser out\n"
"  sessions        the signed-in browsers\n"
"  revoke-all      sign every browser out\n"
"\n"
"Options:\n"
"  -g, --generate       reset-password: generate a strong password\n"
"  -y, --yes            do not ask for confirmation\n"
"      --json           sessions: print JSON\n"
"  -s, --socket <path>  daemon socket\n";

#define PASSWORD_MIN	8
#define PASSWORD_MAX	1024

/* One line from stdin without its newline; NULL at EOF. */
static char *
read_line(void)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;

	if ((n = getline(&line, &cap, stdin)) < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* Ask on a TTY with '*' echo; from a pipe, read one line. */
static char *
read_password(const char *prompt)
{
	struct termios	 saved, raw;
	char		*buf;
	size_t		 len = 0;
	int		 c;

	if (!isatty(STDIN_FILENO))
		return read_line();
	fputs(prompt, stdout);
	fflush(stdout);
	tcgetattr(STDIN_FILENO, &saved);
	raw = saved;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	buf = xmalloc(PASSWORD_MAX + 1);
	while ((c = getchar()) != EOF && c != '\n' && c != '\r') {
		if (c == 0x7f || c == '\b') {
			if (len > 0) {
				len--;
				fputs("\b \b", stdout);
			}
		} else if (c == 0x03) {		/* Ctrl+C */
			len = 0;
			c = EOF;
			break;
		} else if (len < PASSWORD_MAX) {
			buf[len++] = (char)c;
			putchar('*');
		}
		fflush(stdout);
	}
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	putchar('\n');
	buf[len] = '\0';
	if (c == EOF && len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void
secret_free(char *s)
{
	if (s != NULL) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static int
confirm(const char *question, int yes)
{
	char	*answer;
	int	 ok;

	if (yes)
		return 1;
	printf("%s (yes/no): ", question);
	fflush(stdout);
	answer = read_line();
	ok = answer != NULL && strcmp(answer, "yes") == 0;
	free(answer);
	if (!ok)
		printf("Cancelled.\n");
	return ok;
}

static int
auth_status(const char *socket)
{
	json_t	*reply;

	if ((reply = cli_api(socket, "GET", "/auth/status", NULL)) == NULL)
		return CLI_EXIT_FAIL;
	printf("Auth Configuration:\n");
	printf("  Password: %s\n", json_is_true(json_object_get(reply,
	    "setupRequired")) ? "Not set (setup required)" : "Configured");
	printf("  MFA: %s\n", json_is_true(json_object_get(reply,
	    "mfaEnabled")) ? "Enabled" : "Disabled");
	if (json_is_true(json_object_get(reply, "onboardingPending")))
		printf("  Onboarding: pending (MFA is set up at the next "
		    "sign-in)\n");
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
reset_password(const char *socket, int generate)
{
	json_t	*reply, *body;
	char	*password = NULL, *again = NULL;
	int	 status = CLI_EXIT_FAIL;

	if (generate)
		body = json_pack("{s:b}", "generate", 1);
	else {
		if ((password = read_password("New password: ")) == NULL) {
			cli_error("No password given");
			return CLI_EXIT_FAIL;
		}
		if (strlen(password) < PASSWORD_MIN) {
			cli_error("Password must be at least %d characters",
			    PASSWORD_MIN);
			goto out;
		}
		if ((again = read_password("Confirm password: ")) == NULL ||
		    strcmp(password, again) != 0) {
			cli_error("Passwords do not match");
			goto out;
		}
		body = json_pack("{s:s}", "password", password);
	}
	reply = cli_api(socket, "POST", "/auth/cli/reset-password", body);
	if (reply == NULL)
		goto out;
	if (json_is_true(json_object_get(reply, "generated"))) {
		cli_success("Password reset.");
		printf("\n  New password: %s\n\n", json_string_value(
		    json_object_get(reply, "password")));
	} else
		cli_success("Password reset.");
	printf("All dashboard sessions were signed out.\n");
	json_decref(reply);
	status = CLI_EXIT_OK;
out:
	secret_free(password);
	secret_free(again);
	return status;
}

static int
reset_mfa(const char *socket, int yes)
{
	json_t	*reply;

	if (!confirm("Are you sure you want to disable MFA?", yes))
		return CLI_EXIT_OK;
	reply = cli_api(socket, "POST", "/auth/cli/reset-mfa", NULL);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	json_decref(reply);
	cli_success("MFA reset. The next sign-in sets it up again; all "
	    "dashboard sessions were signed out.");
	return CLI_EXIT_OK;
}

static const char *
browser_family(const char *ua)
{
	if (ua == NULL)
		return "unknown";
	if (strstr(ua, "Edg/") != NULL)
		return "Edge";
	if (strstr(ua, "Firefox/") != NULL)
		return "Firefox";
	if (strstr(ua, "Chrome/") != NULL || strstr(ua, "Chromium/") != NULL)
		return "Chrome";
	if (strstr(ua, "Safari/") != NULL)
		return "Safari";
	if (strncmp(ua, "curl/", 5) == 0)
		return "curl";
	return "other";
}

/* Epoch milliseconds as the CLI's local date format. */
static char *
format_ms(json_t *value)
{
	char	 iso[32];
	time_t	 t = (time_t)(json_integer_value(value) / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return cli_format_time(iso);
}

static int
auth_sessions(const char *socket, int json)
{
	static const char *const headers[] = {
		"BROWSER", "IP", "CREATED", "LAST ACTIVE",
	};
	struct cli_table	*table;
	json_t			*reply, *list, *s;
	char			*created, *used;
	const char		*ip;
	size_t			 i;

	if ((reply = cli_api(socket, "GET", "/auth/sessions", NULL)) == NULL)
		return CLI_EXIT_FAIL;
	list = json_object_get(reply, "sessions");
	if (json) {
		cli_print_json(list != NULL ? list : json_array());
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	if (json_array_size(list) == 0) {
		printf("No dashboard sessions.\n");
		json_decref(reply);
		return CLI_EXIT_OK;
	}
	table = cli_table_new(4, headers);
	json_array_foreach(list, i, s) {
		created = format_ms(json_object_get(s, "createdAt"));
		used = format_ms(json_object_get(s, "lastUsedAt"));
		ip = json_string_value(json_object_get(s, "ipAddress"));
		cli_table_add(table, browser_family(json_string_value(
		    json_object_get(s, "userAgent"))), ip != NULL ? ip : "-",
		    created, used);
		free(created);
		free(used);
	}
	cli_table_print(table, stdout);
	printf("\nTotal: %zu session(s)\n", cli_table_rows(table));
	cli_table_free(table);
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
revoke_all(const char *socket, int yes)
{
	json_t	*reply;

	if (!confirm("Sign every browser out of the dashboard?", yes))
		return CLI_EXIT_OK;
	reply = cli_api(socket, "POST", "/auth/sessions/revoke-all", NULL);
	if (reply == NULL)
		return CLI_EXIT_FAIL;
	json_decref(reply);
	cli_success("All dashboard sessions were signed out.");
	return CLI_EXIT_OK;
}

int
cmd_auth(int argc, char **argv)
{
	const char		*socket_flag = NULL, *sub = "status", *socket;
	int			 generate = 0, yes = 0, json = 0, status;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'g', "generate", CLI_FLAG, &generate },
		{ 'y', "yes", CLI_FLAG, &yes },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n > 0)
		sub = args.positional.items[0];
	socket = cli_socket_path(socket_flag);
	if (strcmp(sub, "status") == 0)
		status = auth_status(socket);
	else if (strcmp(sub, "reset-password") == 0)
		status = reset_password(socket, generate);
	else if (strcmp(sub, "reset-mfa") == 0)
		status = reset_mfa(socket, yes);
	else if (strcmp(sub, "sessions") == 0)
		status = auth_sessions(socket, json);
	else if (strcmp(sub, "revoke-all") == 0)
		status = revoke_all(socket, yes);
	else {
		cli_error("Unknown auth subcommand: %s. Use: status, "
		    "reset-password, reset-mfa, sessions, revoke-all", sub);
		status = CLI_EXIT_FAIL;
	}
	cli_args_free(&args);
	return status;
}
