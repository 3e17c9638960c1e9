/*
 * codepiper doctor: check what CodePiper needs and print one ✓/⚠/✗ line
 * per check (cli.md §3 "doctor"): platform, tmux and its version, each agent
 * CLI on PATH with its --version, ANTHROPIC_API_KEY (presence only), and
 * the daemon (GET /health and /version). Exit 1 when the daemon cannot be
 * reached or no agent CLI is installed.
 */
#include <sys/utsname.h>

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper doctor [--json]\n"
"\n"
"Check the installation: tmux, the agent CLIs, the daemon.\n"
"\n"
"Options:\n"
"      --json           print the checks as JSON\n"
"  -s, --socket <path>  daemon socket\n";

/* A CLI that hangs on --version must not hang the doctor. */
#define VERSION_TIMEOUT_MS	5000
#define DAEMON_TIMEOUT_MS	5000

enum check_level {
	CHECK_OK,
	CHECK_WARN,
	CHECK_FAIL,
};

struct doctor {
	int	 json;
	json_t	*checks;
};

static void
report(struct doctor *d, enum check_level level, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
report(struct doctor *d, enum check_level level, const char *name,
    const char *fmt, ...)
{
	static const char *const marks[] = { "✓", "⚠", "✗" };
	static const char *const levels[] = { "ok", "warning", "error" };
	static const enum cli_style styles[] = {
		CLI_GREEN, CLI_YELLOW, CLI_RED,
	};
	va_list	 ap;
	char	*detail;

	va_start(ap, fmt);
	xvasprintf(&detail, fmt, ap);
	va_end(ap);
	if (d->json)
		json_array_append_new(d->checks, json_pack("{s:s,s:s,s:s}",
		    "name", name, "status", levels[level], "detail", detail));
	else
		printf("%s%s%s %s: %s\n", cli_sgr(styles[level]), marks[level],
		    cli_sgr(CLI_RESET), name, detail);
	free(detail);
}

/* The first line of a program's output, trimmed; "" if none. */
static char *
first_line(char *text)
{
	size_t	len;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	len = strcspn(text, "\r\n");
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	return xstrndup(text, len);
}

static void
check_platform(struct doctor *d)
{
	struct utsname	u;
	int		known_os, known_arch;

	if (uname(&u) == -1) {
		report(d, CHECK_WARN, "Platform", "unknown");
		return;
	}
	known_os = strcmp(u.sysname, "Linux") == 0 ||
	    strcmp(u.sysname, "Darwin") == 0;
	known_arch = strcmp(u.machine, "x86_64") == 0 ||
	    strcmp(u.machine, "aarch64") == 0 ||
	    strcmp(u.machine, "arm64") == 0;
	report(d, known_os && known_arch ? CHECK_OK : CHECK_WARN, "Platform",
	    "%s %s%s", u.sysname, u.machine, known_os && known_arch ? "" :
	    " (untested)");
}

static void
check_tmux(struct doctor *d)
{
	char		*path, *output = NULL, *line, *major_text, *argv[3];
	const char	*errstr;
	long long	 major;
	int		 rc;

	if ((path = cli_find_program("tmux")) == NULL) {
		report(d, CHECK_FAIL, "tmux", "not found on PATH (install tmux "
		    "3.0 or newer, e.g. apt install tmux)");
		return;
	}
	argv[0] = path;
	argv[1] = (char *)"-V";
	argv[2] = NULL;
	rc = cli_run_capture(argv, VERSION_TIMEOUT_MS, &output);
	line = first_line(output);
	if (rc != 0 || strncmp(line, "tmux ", 5) != 0)
		report(d, CHECK_WARN, "tmux", "%s: `tmux -V` failed%s%s", path,
		    *line != '\0' ? ": " : "", line);
	else {
		/* "tmux 3.3a": control mode needs 3 or newer. */
		major_text = xstrndup(line + 5, strspn(line + 5, "0123456789"));
		if (cli_parse_int(major_text, 0, 1000, &major, &errstr) != 0 ||
		    major < 3)
			report(d, CHECK_WARN, "tmux", "%s (%s; version 3 or "
			    "newer recommended)", line, path);
		else
			report(d, CHECK_OK, "tmux", "%s (%s)", line, path);
		free(major_text);
	}
	free(line);
	free(output);
	free(path);
}

/* One agent CLI: 1 when found. */
static int
check_provider(struct doctor *d, const char *program, const char *label,
    char **detail)
{
	char	*path, *output = NULL, *line, *argv[3];
	int	 rc;

	if ((path = cli_find_program(program)) == NULL) {
		*detail = xprintf("`%s` not found on PATH", program);
		return 0;
	}
	argv[0] = path;
	argv[1] = (char *)"--version";
	argv[2] = NULL;
	rc = cli_run_capture(argv, VERSION_TIMEOUT_MS, &output);
	line = first_line(output);
	if (rc == 0)
		report(d, CHECK_OK, label, "%s (%s)", *line != '\0' ? line :
		    "installed", path);
	else
		report(d, CHECK_WARN, label, "%s: `%s --version` exited %d%s%s",
		    path, program, rc, *line != '\0' ? ": " : "", line);
	free(line);
	free(output);
	free(path);
	*detail = NULL;
	return 1;
}

static int
check_providers(struct doctor *d)
{
	char	*claude_missing, *codex_missing;
	int	 claude, codex;

	claude = check_provider(d, "claude", "Claude Code", &claude_missing);
	codex = check_provider(d, "codex", "Codex", &codex_missing);
	if (!claude)
		report(d, codex ? CHECK_WARN : CHECK_FAIL, "Claude Code",
		    "%s (npm install -g @anthropic-ai/claude-code)",
		    claude_missing);
	if (!codex)
		report(d, claude ? CHECK_WARN : CHECK_FAIL, "Codex",
		    "%s (npm install -g @openai/codex)", codex_missing);
	free(claude_missing);
	free(codex_missing);
	return claude || codex;
}

static void
check_api_key(struct doctor *d)
{
	const char	*key = getenv("ANTHROPIC_API_KEY");

	/* Presence only: never print a secret. */
	if (key != NULL && *key != '\0')
		report(d, CHECK_OK, "ANTHROPIC_API_KEY", "set (used by "
		    "sessions started with --billing api)");
	else
		report(d, CHECK_OK, "ANTHROPIC_API_KEY", "not set (fine with "
		    "subscription billing)");
}

static int
check_daemon(struct doctor *d, const char *socket)
{
	struct cli_response	 response;
	char			*cause = NULL, *version = NULL;
	json_int_t		 zombies;

	if (cli_call(socket, "GET", "/health", NULL, DAEMON_TIMEOUT_MS,
	    &response, &cause) != 0) {
		report(d, CHECK_FAIL, "Daemon", "%s Start it with `codepiper "
		    "daemon start`.", cause);
		free(cause);
		return 0;
	}
	if (response.status != 200 || !json_is_object(response.json)) {
		cause = cli_response_error(&response);
		report(d, CHECK_FAIL, "Daemon", "GET /health on %s: %s", socket,
		    cause);
		free(cause);
		cli_response_free(&response);
		return 0;
	}
	zombies = json_integer_value(json_object_get(response.json,
	    "zombieSessionCount"));
	cli_response_free(&response);
	if (cli_call(socket, "GET", "/version", NULL, DAEMON_TIMEOUT_MS,
	    &response, &cause) == 0) {
		if (json_string_value(json_object_get(response.json,
		    "version")) != NULL)
			version = xstrdup(json_string_value(json_object_get(
			    response.json, "version")));
		cli_response_free(&response);
	} else
		free(cause);
	report(d, zombies > 0 ? CHECK_WARN : CHECK_OK, "Daemon",
	    "running on %s (version %s, %lld zombie session(s))", socket,
	    version != NULL ? version : "unknown", (long long)zombies);
	free(version);
	return 1;
}

int
cmd_doctor(int argc, char **argv)
{
	const char		*socket_flag = NULL;
	int			 json = 0, providers, daemon;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	struct doctor		 d;
	json_t			*out;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	cli_args_free(&args);
	d.json = json;
	d.checks = json_array();
	if (!json)
		printf("%sCodePiper Diagnostics%s\n\n", cli_sgr(CLI_BOLD),
		    cli_sgr(CLI_RESET));
	check_platform(&d);
	check_tmux(&d);
	providers = check_providers(&d);
	check_api_key(&d);
	daemon = check_daemon(&d, cli_socket_path(socket_flag));
	if (json) {
		out = json_pack("{s:b,s:O}", "ok", providers && daemon,
		    "checks", d.checks);
		cli_print_json(out);
		json_decref(out);
	} else
		printf("\nDiagnostics complete.\n");
	json_decref(d.checks);
	return providers && daemon ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
