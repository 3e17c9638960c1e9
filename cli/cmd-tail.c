/*
 * codepiper tail <id>: the last lines of the session's output.log, the
 * screen snapshot agentd keeps in <data dir>/sessions/<id>/ (cli.md §2
 * "tail"). --follow uses GET /sessions/:id/output instead of re-reading the
 * file, which agentd rewrites rather than appends (the reference's follow
 * garbled it): on a terminal each change redraws the screen; in a pipe only
 * the text past what was already printed is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper tail <session-id> [-n|--lines N] [-f|--follow]\n"
"\n"
"Print the last lines of a session's screen (from its output.log), or\n"
"follow the screen live.\n"
"\n"
"Options:\n"
"  -n, --lines <N>      how many lines (default 50)\n"
"  -f, --follow         keep printing as the screen changes\n"
"  -s, --socket <path>  daemon socket (for --follow)\n";

#define TAIL_DEFAULT_LINES	50
#define TAIL_MAX_LINES		100000
#define TAIL_FOLLOW_MS		250

static int
print_last_lines(const char *id, long long lines)
{
	char	*dir, *path, *text = NULL, *start;
	FILE	*f;
	size_t	 len = 0;
	ssize_t	 n;
	long long count = 0;
	int	 error;

	dir = cli_data_dir();
	path = xprintf("%s/sessions/%s/output.log", dir, id);
	free(dir);
	if ((f = fopen(path, "r")) == NULL) {
		error = errno;
		if (error == ENOENT)
			fprintf(stderr, "%sNo output log found at: %s%s\n",
			    cli_sgr(CLI_DIM), path, cli_sgr(CLI_RESET));
		else
			cli_error("%s: %s", path, strerror(error));
		free(path);
		return error == ENOENT ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	n = getdelim(&text, &len, '\0', f);
	fclose(f);
	free(path);
	if (n <= 0) {
		free(text);
		return CLI_EXIT_OK;
	}
	/* Walk back over lines; a final newline does not start a line. */
	start = text + n;
	if (start > text && start[-1] == '\n')
		start--;
	while (start > text) {
		if (start[-1] == '\n' && ++count == lines)
			break;
		start--;
	}
	printf("Last %lld lines for session %.8s...\n", lines, id);
	fputs(start, stdout);
	if (text[n - 1] != '\n')
		putchar('\n');
	free(text);
	return CLI_EXIT_OK;
}

static int
follow(const char *socket, const char *id)
{
	struct cli_response	 response;
	const char		*screen;
	char			*target, *cause = NULL, *last = NULL;
	size_t			 common;
	int			 tty = isatty(STDOUT_FILENO);
	int			 status = CLI_EXIT_OK;

	cli_catch_interrupt();
	printf("Following output for session %.8s...\nPress Ctrl+C to stop\n",
	    id);
	fflush(stdout);
	target = cli_session_target(id, "output");
	while (!cli_interrupted()) {
		if (cli_call(socket, "GET", target, NULL, CLI_TIMEOUT_MS,
		    &response, &cause) != 0) {
			if (!cli_interrupted()) {
				cli_error("%s", cause);
				status = CLI_EXIT_FAIL;
			}
			free(cause);
			break;
		}
		if (response.status == 404 || response.status == 409) {
			/* The session ended: nothing more will come. */
			cli_response_free(&response);
			break;
		}
		screen = json_string_value(json_object_get(response.json,
		    "output"));
		if (response.status != 200 || screen == NULL) {
			cause = cli_response_error(&response);
			cli_error("%s", cause);
			free(cause);
			cli_response_free(&response);
			status = CLI_EXIT_FAIL;
			break;
		}
		if (last == NULL || strcmp(last, screen) != 0) {
			if (tty)
				printf("\033[H\033[2J%s", screen);
			else {
				common = 0;
				while (last != NULL && last[common] != '\0' &&
				    last[common] == screen[common])
					common++;
				fputs(screen + common, stdout);
			}
			fflush(stdout);
			free(last);
			last = xstrdup(screen);
		}
		cli_response_free(&response);
		cli_sleep_ms(TAIL_FOLLOW_MS);
	}
	if (cli_interrupted())
		printf("\nStopped following output\n");
	free(last);
	free(target);
	return status;
}

int
cmd_tail(int argc, char **argv)
{
	const char		*socket_flag = NULL, *lines_text = NULL, *errstr;
	int			 follow_flag = 0, status;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'n', "lines", CLI_VALUE, &lines_text },
		{ 'f', "follow", CLI_FLAG, &follow_flag },
		{ 0, NULL, 0, NULL },
	};
	long long		 lines = TAIL_DEFAULT_LINES;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	/* The id names a directory: keep it one path component. */
	if (strspn(args.positional.items[0], "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
	    strlen(args.positional.items[0])) {
		cli_args_free(&args);
		return cli_usage_error("Invalid session id");
	}
	if (lines_text != NULL && cli_parse_int(lines_text, 1, TAIL_MAX_LINES,
	    &lines, &errstr) != 0) {
		cli_args_free(&args);
		return cli_usage_error("--lines must be a number from 1 to %d",
		    TAIL_MAX_LINES);
	}
	if (follow_flag)
		status = follow(cli_socket_path(socket_flag),
		    args.positional.items[0]);
	else
		status = print_last_lines(args.positional.items[0], lines);
	cli_args_free(&args);
	return status;
}
