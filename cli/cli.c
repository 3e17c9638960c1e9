/*
 * Helpers shared by the codepiper subcommands; see cli.h.
 */
#include "cli.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unix-http.h"
#include "xmalloc.h"

const char *cli_command_name = "";

/* ---------------------------------------------------------------- options */

void
cli_strings_add(struct cli_strings *list, const char *s)
{
	list->items = xreallocarray(list->items, list->n + 1,
	    sizeof *list->items);
	list->items[list->n++] = s;
}

void
cli_args_free(struct cli_args *args)
{
	free(args->positional.items);
	free(args->rest.items);
	args->positional.items = args->rest.items = NULL;
	args->positional.n = args->rest.n = 0;
}

static const struct cli_option *
find_option(const struct cli_option *options, const char *token,
    const char **inline_value)
{
	const struct cli_option	*o;
	const char		*name, *eq;
	size_t			 len;

	*inline_value = NULL;
	if (token[1] != '-') {
		if (token[1] == '\0' || token[2] != '\0')
			return NULL;
		for (o = options; o->long_name != NULL; o++) {
			if (o->short_name != 0 && o->short_name == token[1])
				return o;
		}
		return NULL;
	}
	name = token + 2;
	eq = strchr(name, '=');
	len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	for (o = options; o->long_name != NULL; o++) {
		if (strlen(o->long_name) == len &&
		    strncmp(o->long_name, name, len) == 0) {
			if (eq != NULL)
				*inline_value = eq + 1;
			return o;
		}
	}
	return NULL;
}

int
cli_parse(int argc, char **argv, const struct cli_option *options,
    const char *usage, int flags, struct cli_args *out)
{
	const struct cli_option	*o;
	const char		*token, *value;
	int			 i;

	memset(out, 0, sizeof *out);
	for (i = 1; i < argc; i++) {
		token = argv[i];
		if (strcmp(token, "--") == 0) {
			for (i++; i < argc; i++) {
				cli_strings_add((flags & CLI_PARSE_REST) ?
				    &out->rest : &out->positional, argv[i]);
			}
			break;
		}
		if (token[0] != '-' || token[1] == '\0') {
			cli_strings_add(&out->positional, token);
			continue;
		}
		if (strcmp(token, "-h") == 0 || strcmp(token, "--help") == 0) {
			fputs(usage, stdout);
			out->exit_status = CLI_EXIT_OK;
			goto stop;
		}
		/* Unknown options are ignored, as in the reference (§1.2). */
		if ((o = find_option(options, token, &value)) == NULL)
			continue;
		if (o->type == CLI_FLAG) {
			*(int *)o->target = 1;
			continue;
		}
		if (value == NULL) {
			if (i + 1 >= argc) {
				out->exit_status = cli_usage_error(
				    "%s requires a value", token);
				goto stop;
			}
			value = argv[++i];
		}
		if (o->type == CLI_VALUE)
			*(const char **)o->target = value;
		else
			cli_strings_add(o->target, value);
	}
	return 0;

stop:
	cli_args_free(out);
	return -1;
}

int
cli_parse_int(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	long long	 n;
	char		*end;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*errstr = "not a number";
		return -1;
	}
	errno = 0;
	n = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0') {
		*errstr = "not a number";
		return -1;
	}
	if ((errno == ERANGE && n == LLONG_MIN) || n < min) {
		*errstr = "too small";
		return -1;
	}
	if ((errno == ERANGE && n == LLONG_MAX) || n > max) {
		*errstr = "too large";
		return -1;
	}
	*out = n;
	return 0;
}

/* ---------------------------------------------------------------- messages */

/* One line on stderr: the prefix, then the formatted message. */
static void
print_stderr_line(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	print_stderr_line("Error: ", fmt, ap);
	va_end(ap);
}

void
cli_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	print_stderr_line("Warning: ", fmt, ap);
	va_end(ap);
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	print_stderr_line("Error: ", fmt, ap);
	va_end(ap);
	if (*cli_command_name != '\0')
		fprintf(stderr, "Run 'codepiper %s --help' for usage.\n",
		    cli_command_name);
	return CLI_EXIT_USAGE;
}

void
cli_success(const char *fmt, ...)
{
	va_list	ap;

	printf("%s✓%s ", cli_sgr(CLI_GREEN), cli_sgr(CLI_RESET));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---------------------------------------------------------------- paths */

const char *
cli_socket_path(const char *flag)
{
	const char	*env;

	if (flag != NULL && *flag != '\0')
		return flag;
	env = getenv("CODEPIPER_SOCKET");
	if (env != NULL && *env != '\0')
		return env;
	return CLI_DEFAULT_SOCKET;
}

char *
cli_data_dir(void)
{
	const char	*home = getenv("CODEPIPER_HOME");

	if (home != NULL && *home != '\0')
		return xstrdup(home);
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = "/tmp";
	return xprintf("%s/.codepiper", home);
}

char *
cli_agentd_path(void)
{
	const char	*env = getenv("CODEPIPER_AGENTD");
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) == -1)
		return xstrdup("agentd");
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return xstrdup("agentd");
	*slash = '\0';
	return xprintf("%s/agentd", self);
}

/* ---------------------------------------------------------------- requests */

/* The connection kept between calls (follow loops poll over one socket). */
static struct unix_http_conn	*kept_conn;
static char			*kept_path;

static struct unix_http_conn *
connection_for(const char *socket)
{
	if (kept_conn != NULL && strcmp(kept_path, socket) == 0)
		return kept_conn;
	cli_disconnect();
	kept_conn = unix_http_conn_new(socket);
	kept_path = xstrdup(socket);
	return kept_conn;
}

void
cli_disconnect(void)
{
	unix_http_conn_free(kept_conn);
	free(kept_path);
	kept_conn = NULL;
	kept_path = NULL;
}

/*
 * Why a connect to path fails now: the client library reports a failed
 * connect only as text, and the message the user sees depends on errno.
 * Runs only after a failure, so the extra connect costs nothing normally.
 */
static int
connect_errno(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, error = 0;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		error = errno;
	close(fd);
	return error;
}

char *
cli_connection_failure(const char *socket, int result, const char *cause)
{
	int	error;

	if (result == UNIX_HTTP_ETIMEOUT)
		return xprintf("Request to daemon at %s timed out", socket);
	if (result != UNIX_HTTP_EUNSENT)
		return xprintf("Lost connection to daemon at %s: %s", socket,
		    cause);
	error = connect_errno(socket);
	if (error == 0 || error == ENOENT || error == ECONNREFUSED)
		return xprintf("Failed to connect to daemon at %s. "
		    "Is the daemon running?", socket);
	return xprintf("Failed to connect to daemon at %s: %s", socket,
	    strerror(error));
}

int
cli_call_raw(const char *socket, const char *method, const char *target,
    const char *content_type, const void *body, size_t body_len,
    int timeout_ms, struct cli_response *out, char **cause)
{
	struct unix_http_response	response;
	struct unix_http_header		header = { "Content-Type", content_type };
	struct unix_http_conn		*conn = connection_for(socket);
	char				*why = NULL;
	int				 rc;

	memset(out, 0, sizeof *out);
	memset(&response, 0, sizeof response);
	rc = unix_http_request(conn, method, target, &header,
	    content_type != NULL ? 1 : 0, body, body_len, timeout_ms,
	    &response, &why);
	if (rc != UNIX_HTTP_OK) {
		*cause = cli_connection_failure(socket, rc, why);
		free(why);
		unix_http_response_free(&response);
		return -1;
	}
	out->status = response.status;
	out->reason = xstrdup(response.reason);
	out->body = xmalloc(response.body_len + 1);
	memcpy(out->body, response.body, response.body_len);
	out->body[response.body_len] = '\0';
	out->body_len = response.body_len;
	out->json = json_loadb(out->body, out->body_len, JSON_DECODE_ANY, NULL);
	unix_http_response_free(&response);
	return 0;
}

int
cli_call(const char *socket, const char *method, const char *target,
    json_t *body, int timeout_ms, struct cli_response *out, char **cause)
{
	char	*text = NULL;
	int	 rc;

	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(body);
		if (text == NULL)
			abort();	/* only on out-of-memory */
	}
	rc = cli_call_raw(socket, method, target,
	    text != NULL ? "application/json" : NULL, text,
	    text != NULL ? strlen(text) : 0, timeout_ms, out, cause);
	free(text);
	return rc;
}

void
cli_response_free(struct cli_response *response)
{
	free(response->reason);
	free(response->body);
	json_decref(response->json);
	memset(response, 0, sizeof *response);
}

char *
cli_response_error(const struct cli_response *response)
{
	const char	*error;

	error = json_string_value(json_object_get(response->json, "error"));
	if (error != NULL && *error != '\0')
		return xstrdup(error);
	return xprintf("HTTP %d: %s", response->status, response->reason);
}

json_t *
cli_api(const char *socket, const char *method, const char *target,
    json_t *body)
{
	struct cli_response	 response;
	char			*cause = NULL;
	json_t			*value;

	if (cli_call(socket, method, target, body, CLI_TIMEOUT_MS, &response,
	    &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return NULL;
	}
	if (response.status < 200 || response.status > 299) {
		cause = cli_response_error(&response);
		cli_error("%s", cause);
		free(cause);
		cli_response_free(&response);
		return NULL;
	}
	if (response.json != NULL)
		value = json_incref(response.json);
	else if (response.body_len == 0)
		value = json_null();
	else {
		cli_error("Invalid JSON in response to %s %s", method, target);
		value = NULL;
	}
	cli_response_free(&response);
	return value;
}

char *
cli_url_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *p;
	unsigned char		 c;

	p = out = xcalloc(3, strlen(s) + 1);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

char *
cli_session_target(const char *id, const char *suffix)
{
	char	*escaped = cli_url_escape(id), *target;

	if (suffix != NULL)
		target = xprintf("/sessions/%s/%s", escaped, suffix);
	else
		target = xprintf("/sessions/%s", escaped);
	free(escaped);
	return target;
}

/* ---------------------------------------------------------------- output */

int
cli_color(void)
{
	static int	 color = -1;
	const char	*no_color;

	if (color == -1) {
		no_color = getenv("NO_COLOR");
		color = isatty(STDOUT_FILENO) &&
		    (no_color == NULL || *no_color == '\0');
	}
	return color;
}

const char *
cli_sgr(enum cli_style style)
{
	static const char *const codes[] = {
		[CLI_RESET] = "\033[0m",
		[CLI_BOLD] = "\033[1m",
		[CLI_DIM] = "\033[2m",
		[CLI_RED] = "\033[31m",
		[CLI_GREEN] = "\033[32m",
		[CLI_YELLOW] = "\033[33m",
		[CLI_BLUE] = "\033[34m",
		[CLI_CYAN] = "\033[36m",
		[CLI_GRAY] = "\033[90m",
	};

	return cli_color() ? codes[style] : "";
}

enum cli_style
cli_status_style(const char *status)
{
	if (status == NULL)
		return CLI_RESET;
	if (strcmp(status, "RUNNING") == 0)
		return CLI_GREEN;
	if (strcmp(status, "STARTING") == 0)
		return CLI_YELLOW;
	if (strcmp(status, "STOPPED") == 0)
		return CLI_GRAY;
	if (strcmp(status, "CRASHED") == 0)
		return CLI_RED;
	if (strcmp(status, "NEEDS_PERMISSION") == 0)
		return CLI_BLUE;
	if (strcmp(status, "NEEDS_INPUT") == 0)
		return CLI_CYAN;
	return CLI_RESET;
}

void
cli_print_json(const json_t *value)
{
	char	*text;

	text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY);
	if (text == NULL)
		abort();
	puts(text);
	free(text);
}

char *
cli_format_time(const char *iso)
{
	struct tm	tm;
	time_t		t;
	int		year, month, day, hour, minute, second, n = 0, hour12;

	if (iso == NULL)
		return xstrdup("-");
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day,
	    &hour, &minute, &second, &n) != 6 || n == 0)
		return xstrdup(iso);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second;
	t = timegm(&tm);
	if (localtime_r(&t, &tm) == NULL)
		return xstrdup(iso);
	hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
	return xprintf("%d/%d/%d, %d:%02d:%02d %s", tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_year + 1900, hour12, tm.tm_min, tm.tm_sec,
	    tm.tm_hour < 12 ? "AM" : "PM");
}

/* Length of the escape sequence at s (which starts with ESC). */
static size_t
ansi_length(const char *s)
{
	size_t	i;

	if (s[1] == '[') {
		/* CSI: parameters and intermediates, then a final byte. */
		for (i = 2; s[i] != '\0'; i++) {
			if ((unsigned char)s[i] >= 0x40 &&
			    (unsigned char)s[i] <= 0x7e)
				return i + 1;
		}
		return i;
	}
	if (s[1] == ']') {
		/* OSC: up to BEL or ESC \. */
		for (i = 2; s[i] != '\0'; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == '\033' && s[i + 1] == '\\')
				return i + 2;
		}
		return i;
	}
	return s[1] != '\0' ? 2 : 1;
}

size_t
cli_display_width(const char *s)
{
	size_t	width = 0;

	while (*s != '\0') {
		if (*s == '\033') {
			s += ansi_length(s);
			continue;
		}
		/* Count code points: every byte that is not a continuation. */
		if (((unsigned char)*s & 0xc0) != 0x80)
			width++;
		s++;
	}
	return width;
}

char *
cli_strip_ansi(const char *s)
{
	char	*out, *p;

	p = out = xmalloc(strlen(s) + 1);
	while (*s != '\0') {
		if (*s == '\033') {
			s += ansi_length(s);
			continue;
		}
		*p++ = *s++;
	}
	*p = '\0';
	return out;
}

struct cli_table {
	size_t	  ncolumns;
	char	**headers;
	size_t	 *min_width;
	char	***rows;
	size_t	  nrows;
};

struct cli_table *
cli_table_new(size_t ncolumns, const char *const *headers)
{
	struct cli_table	*table;
	size_t			 i;

	table = xcalloc(1, sizeof *table);
	table->ncolumns = ncolumns;
	table->headers = xcalloc(ncolumns, sizeof *table->headers);
	table->min_width = xcalloc(ncolumns, sizeof *table->min_width);
	for (i = 0; i < ncolumns; i++)
		table->headers[i] = xstrdup(headers[i]);
	return table;
}

void
cli_table_min_width(struct cli_table *table, size_t column, size_t width)
{
	table->min_width[column] = width;
}

void
cli_table_add(struct cli_table *table, ...)
{
	va_list		  ap;
	char		**row;
	const char	 *cell;
	size_t		  i;

	row = xcalloc(table->ncolumns, sizeof *row);
	va_start(ap, table);
	for (i = 0; i < table->ncolumns; i++) {
		cell = va_arg(ap, const char *);
		row[i] = xstrdup(cell != NULL ? cell : "");
	}
	va_end(ap);
	table->rows = xreallocarray(table->rows, table->nrows + 1,
	    sizeof *table->rows);
	table->rows[table->nrows++] = row;
}

size_t
cli_table_rows(const struct cli_table *table)
{
	return table->nrows;
}

static void
print_cell(FILE *f, const char *cell, size_t width, int last)
{
	size_t	w = cli_display_width(cell);

	fputs(cell, f);
	if (last)
		return;
	for (; w < width + 2; w++)
		fputc(' ', f);
}

void
cli_table_print(const struct cli_table *table, FILE *f)
{
	size_t	*width, i, r, total = 0, w;

	width = xcalloc(table->ncolumns, sizeof *width);
	for (i = 0; i < table->ncolumns; i++) {
		width[i] = cli_display_width(table->headers[i]);
		if (width[i] < table->min_width[i])
			width[i] = table->min_width[i];
		for (r = 0; r < table->nrows; r++) {
			w = cli_display_width(table->rows[r][i]);
			if (w > width[i])
				width[i] = w;
		}
		total += width[i] + (i + 1 < table->ncolumns ? 2 : 0);
	}
	fputs(cli_sgr(CLI_BOLD), f);
	for (i = 0; i < table->ncolumns; i++)
		print_cell(f, table->headers[i], width[i],
		    i + 1 == table->ncolumns);
	fprintf(f, "%s\n%s", cli_sgr(CLI_RESET), cli_sgr(CLI_DIM));
	for (i = 0; i < total; i++)
		fputs("─", f);
	fprintf(f, "%s\n", cli_sgr(CLI_RESET));
	for (r = 0; r < table->nrows; r++) {
		for (i = 0; i < table->ncolumns; i++)
			print_cell(f, table->rows[r][i], width[i],
			    i + 1 == table->ncolumns);
		fputc('\n', f);
	}
	free(width);
}

void
cli_table_free(struct cli_table *table)
{
	size_t	i, r;

	if (table == NULL)
		return;
	for (r = 0; r < table->nrows; r++) {
		for (i = 0; i < table->ncolumns; i++)
			free(table->rows[r][i]);
		free(table->rows[r]);
	}
	for (i = 0; i < table->ncolumns; i++)
		free(table->headers[i]);
	free(table->rows);
	free(table->headers);
	free(table->min_width);
	free(table);
}

/* ---------------------------------------------------------------- processes */

char *
cli_find_program(const char *name)
{
	const char	*path, *start, *end;
	char		*candidate;
	struct stat	 st;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (start = path;; start = end + 1) {
		end = strchr(start, ':');
		if (end == NULL)
			end = start + strlen(start);
		/* An empty PATH element means the current directory. */
		if (end == start)
			candidate = xprintf("./%s", name);
		else
			candidate = xprintf("%.*s/%s", (int)(end - start),
			    start, name);
		if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(candidate, X_OK) == 0)
			return candidate;
		free(candidate);
		if (*end == '\0')
			return NULL;
	}
}

#define CAPTURE_MAX	(64 * 1024)

static long long
monotonic_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cli_run_capture(char *const argv[], int timeout_ms, char **output)
{
	struct pollfd	 pfd;
	char		 buf[4096], *text = NULL;
	size_t		 len = 0;
	long long	 deadline = monotonic_ms() + timeout_ms, left;
	ssize_t		 n;
	pid_t		 pid;
	int		 fds[2], devnull, status, killed = 0;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		*output = xprintf("pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		*output = xprintf("fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		if (devnull != -1)
			dup2(devnull, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	text = xmalloc(1);
	for (;;) {
		left = deadline - monotonic_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd.revents == 0)
			continue;
		n = read(fds[0], buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < CAPTURE_MAX) {
			if ((size_t)n > CAPTURE_MAX - len)
				n = (ssize_t)(CAPTURE_MAX - len);
			text = xrealloc(text, len + n + 1);
			memcpy(text + len, buf, n);
			len += n;
		}
	}
	text[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			*output = text;
			return -1;
		}
	}
	*output = text;
	if (killed || WIFSIGNALED(status))
		return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL);
	return WEXITSTATUS(status);
}

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t	interrupted;

static void
on_interrupt(int sig)
{
	interrupted = 1;
}

void
cli_catch_interrupt(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	/* A second Ctrl+C kills, in case a request is stuck. */
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
cli_interrupted(void)
{
	return interrupted;
}

void
cli_sleep_ms(int ms)
{
	struct timespec	ts;

	if (interrupted)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	/* Returns early with EINTR when the signal arrives. */
	nanosleep(&ts, NULL);
}
