/*
 * The codepiper command-line client: what every subcommand shares.
 *
 * One file per subcommand (cmd-start.c -> cmd_start), one dispatch table in
 * main.c. A command returns its exit status; it never calls exit() itself,
 * so that everything it allocated can be freed on the way out. The pieces
 * here are:
 *
 * - option parsing (cli_parse): hand-rolled like the reference, table driven;
 * - socket resolution and one request to agentd over its Unix socket
 *   (cli_call, cli_api), with the spec's error and connection messages;
 * - output: colours (only on a TTY, never with NO_COLOR), tables, JSON, dates.
 *
 * Ownership: every char * a function here returns is the caller's to free();
 * json_t * returns are new references. Strings stored by cli_parse point into
 * argv (borrowed); the arrays holding them are freed by cli_args_free.
 */
#ifndef CODEPIPER_CLI_H
#define CODEPIPER_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Exit statuses. 1 is everything the user cannot fix by retyping the command
 * (the daemon refused, no connection, a file is missing); 2 is a command line
 * that is wrong in itself (unknown value, missing argument). hook-forward
 * keeps cli.md §4's meaning instead: 2 there is a deny decision.
 */
#define CLI_EXIT_OK	0
#define CLI_EXIT_FAIL	1
#define CLI_EXIT_USAGE	2

#define CLI_DEFAULT_SOCKET	"/tmp/codepiper.sock"
/* Per request; follow loops make many requests and run until interrupted. */
#define CLI_TIMEOUT_MS		30000

/* ---------------------------------------------------------------- commands */

/*
 * One entry of the dispatch table. fn NULL means "not available yet": the
 * name is reserved and listed, running it says so.
 */
struct cli_command {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	const char	*summary;
};

int	cmd_analytics(int, char **);
int	cmd_attach(int, char **);
int	cmd_audit(int, char **);
int	cmd_auth(int, char **);
int	cmd_budget(int, char **);
int	cmd_daemon(int, char **);
int	cmd_doctor(int, char **);
int	cmd_env_set(int, char **);
int	cmd_hook_forward(int, char **);
int	cmd_keys(int, char **);
int	cmd_kill(int, char **);
int	cmd_logs(int, char **);
int	cmd_model(int, char **);
int	cmd_output(int, char **);
int	cmd_policy(int, char **);
int	cmd_policy_set(int, char **);
int	cmd_providers(int, char **);
int	cmd_resize(int, char **);
int	cmd_resume(int, char **);
int	cmd_send(int, char **);
int	cmd_sessions(int, char **);
int	cmd_settings(int, char **);
int	cmd_slash(int, char **);
int	cmd_start(int, char **);
int	cmd_status(int, char **);
int	cmd_stop(int, char **);
int	cmd_tail(int, char **);
int	cmd_workspace(int, char **);

/* cmd-start.c: the "session created" block that start and resume print. */
void	start_print_session(json_t *session);
/*
 * cmd-status.c: the body of "codepiper <cmd> <session-id> [--json]" (status,
 * resume): METHOD /sessions/<id>[/suffix], then the reply's session as JSON
 * or through print. announce, if not NULL, is printed first without --json
 * ("Resuming" prints "Resuming session <id>...").
 */
int	session_command(int argc, char **argv, const char *help,
	    const char *method, const char *suffix, const char *announce,
	    void (*print)(json_t *));
/* cmd-policy.c: a random UUID v4 for the ids create commands choose. */
char	*cli_new_uuid(void);

/* ---------------------------------------------------------------- options */

enum cli_option_type {
	CLI_FLAG,	/* int *target set to 1 */
	CLI_VALUE,	/* const char **target: the next token, whatever it is */
	CLI_LIST,	/* struct cli_strings *target: repeatable value */
};

/* A growable array of borrowed strings. */
struct cli_strings {
	const char	**items;
	size_t		  n;
};

struct cli_option {
	char			 short_name;	/* 'p' for -p; 0 for none */
	const char		*long_name;	/* "provider" for --provider; NULL ends */
	enum cli_option_type	 type;
	void			*target;
};

/* Parse flags. */
#define CLI_PARSE_REST	0x1	/* after "--" the tokens go to rest, not positional */

struct cli_args {
	struct cli_strings	positional;
	struct cli_strings	rest;
	int			exit_status;	/* set when cli_parse returns -1 */
};

/*
 * Parse argv[1..argc) (argv[0] is the command name) against options, a table
 * ended by an entry whose long_name is NULL. Tokens starting with '-' are
 * options (unknown ones are ignored, as in the reference); "--" ends options;
 * "--name=value" is accepted for value options. -h/--help prints usage to
 * stdout. Returns 0, or -1 when the command must stop now with
 * out->exit_status (0 after help, 2 after an error printed to stderr).
 */
int	cli_parse(int argc, char **argv, const struct cli_option *options,
	    const char *usage, int flags, struct cli_args *out);
void	cli_args_free(struct cli_args *args);
void	cli_strings_add(struct cli_strings *list, const char *s);

/*
 * Parse a decimal integer in [min, max]. 0, or -1 with *errstr a static
 * description ("not a number", "too small", "too large").
 */
int	cli_parse_int(const char *s, long long min, long long max,
	    long long *out, const char **errstr);

/* ---------------------------------------------------------------- messages */

/* "Error: <message>" on stderr. */
void	cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "Warning: <message>" on stderr. */
void	cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_error plus a pointer to the command's help; returns CLI_EXIT_USAGE. */
int	cli_usage_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* A green "✓ " line on stdout. */
void	cli_success(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The command being run (set by main), for messages. */
extern const char *cli_command_name;

/* ---------------------------------------------------------------- daemon */

/* -s value if given, else $CODEPIPER_SOCKET, else the default. Borrowed. */
const char	*cli_socket_path(const char *flag);
/* The data directory agentd uses: $CODEPIPER_HOME or $HOME/.codepiper. */
char		*cli_data_dir(void);
/* Where agentd is: $CODEPIPER_AGENTD or "agentd" next to this program. */
char		*cli_agentd_path(void);

struct cli_response {
	int	 status;
	char	*reason;
	char	*body;		/* NUL-terminated */
	size_t	 body_len;
	json_t	*json;		/* the parsed body, NULL if it is not JSON */
};

/*
 * One request to agentd at socket. body (may be NULL) is sent as is with
 * content_type. 0 when a response came back, whatever its status, with *out
 * filled (free it with cli_response_free); -1 when none did, with *cause:
 * "Failed to connect to daemon at <socket>. Is the daemon running?" when
 * nothing listens there, else what went wrong. timeout_ms <= 0: no limit.
 * The connection is kept open between calls to the same socket.
 */
int	cli_call_raw(const char *socket, const char *method, const char *target,
	    const char *content_type, const void *body, size_t body_len,
	    int timeout_ms, struct cli_response *out, char **cause);
/* The same with a JSON body (consumed; NULL for none). */
int	cli_call(const char *socket, const char *method, const char *target,
	    json_t *body, int timeout_ms, struct cli_response *out,
	    char **cause);
/*
 * The message for a failed unix_http_* call (result, its cause) to socket:
 * the spec's "Failed to connect ..." when nothing listens there.
 */
char	*cli_connection_failure(const char *socket, int result,
	    const char *cause);
void	cli_response_free(struct cli_response *response);
/* The response's error field, else "HTTP <status>: <reason>". */
char	*cli_response_error(const struct cli_response *response);
/*
 * The usual call: on a 2xx answer return its JSON body (an empty body is a
 * JSON null); otherwise print "Error: <message>" and return NULL. body is
 * consumed. Uses CLI_TIMEOUT_MS.
 */
json_t	*cli_api(const char *socket, const char *method, const char *target,
	    json_t *body);
/* Close the kept connection (main calls it before exiting). */
void	 cli_disconnect(void);
/* Percent-encode s for a query string or path segment. */
char	*cli_url_escape(const char *s);
/* "/sessions/<id>" or "/sessions/<id>/<suffix>", id percent-encoded. */
char	*cli_session_target(const char *id, const char *suffix);

/* ---------------------------------------------------------------- output */

enum cli_style {
	CLI_RESET,
	CLI_BOLD,
	CLI_DIM,
	CLI_RED,
	CLI_GREEN,
	CLI_YELLOW,
	CLI_BLUE,
	CLI_CYAN,
	CLI_GRAY,
};

/* True when stdout is a TTY and NO_COLOR is unset or empty. */
int		 cli_color(void);
/* The escape sequence for style, or "" when colour is off. Static. */
const char	*cli_sgr(enum cli_style style);
/* The colour of a session status (RUNNING green ...). */
enum cli_style	 cli_status_style(const char *status);
/* value printed 2-space indented, like JSON.stringify(v, null, 2), + "\n". */
void		 cli_print_json(const json_t *value);
/* An ISO-8601 UTC time as local "M/D/YYYY, h:mm:ss AM"; s itself on error. */
char		*cli_format_time(const char *iso);
/* Display width of s in columns: ANSI sequences skipped, UTF-8 aware. */
size_t		 cli_display_width(const char *s);
/* s without ANSI escape sequences. */
char		*cli_strip_ansi(const char *s);

struct cli_table;

/* A table with ncolumns columns, headers copied. */
struct cli_table *cli_table_new(size_t ncolumns, const char *const *headers);
void		 cli_table_min_width(struct cli_table *table, size_t column,
		    size_t width);
/* One row: exactly ncolumns strings (copied; may hold ANSI colour). */
void		 cli_table_add(struct cli_table *table, ...);
size_t		 cli_table_rows(const struct cli_table *table);
/* Bold header, dim rule, rows; columns padded, two spaces apart. */
void		 cli_table_print(const struct cli_table *table, FILE *f);
void		 cli_table_free(struct cli_table *table);

/* ---------------------------------------------------------------- processes */

/*
 * The absolute path of an executable named name on $PATH (or name itself
 * when it contains a '/'), NULL if none.
 */
char	*cli_find_program(const char *name);
/*
 * Run argv (argv[0] a path) with stdin from /dev/null, capturing stdout and
 * stderr together into *output (at most 64 KiB kept). Killed after
 * timeout_ms. The exit status, 128+signal when killed, -1 when it could not
 * be started (*output then says why).
 */
int	 cli_run_capture(char *const argv[], int timeout_ms, char **output);

/* ---------------------------------------------------------------- signals */

/*
 * Ctrl+C for follow loops: the first SIGINT sets the flag, a second one
 * kills as usual. cli_sleep_ms returns early when it is set.
 */
void	 cli_catch_interrupt(void);
int	 cli_interrupted(void);
void	 cli_sleep_ms(int ms);

#endif
