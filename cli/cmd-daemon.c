/*
 * codepiper daemon [start|stop|status] (cli.md §2 "daemon").
 *
 * start execs agentd (next to this program, or $CODEPIPER_AGENTD) with the
 * flags passed through. --detach forks it into its own session with output
 * in <data dir>/daemon.log and waits until it answers GET /health on its
 * socket (not a fixed delay), or reports that it died or never answered.
 * stop and status go by the PID file agentd writes in its data directory.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper daemon [start] [options]\n"
"       codepiper daemon stop\n"
"       codepiper daemon status [--json]\n"
"\n"
"Start agentd in the foreground (or detached), stop it, or show its state.\n"
"\n"
"Options (start):\n"
"  -s, --socket <path>  CLI socket (default: $CODEPIPER_SOCKET, else\n"
"                       " CLI_DEFAULT_SOCKET ")\n"
"      --web            also run the web dashboard\n"
"      --port <n>       web port (default 3000)\n"
"      --host <addr>    web address (default 127.0.0.1)\n"
"      --web-dir <dir>  dashboard files to serve\n"
"  -v, --verbose        debug logging\n"
"      --detach         run in the background; wait until it answers\n"
"\n"
"Environment: CODEPIPER_SOCKET, CODEPIPER_HOME (data directory, default\n"
"~/.codepiper), CODEPIPER_DB_PATH, CODEPIPER_TMUX_SOCKET (tmux server\n"
"name, default codepiper), CODEPIPER_AGENTD (the agentd program).\n";

/* How long --detach waits for the daemon to answer, and how often it asks. */
#define DETACH_READY_MS		10000
#define DETACH_POLL_MS		25
#define HEALTH_TIMEOUT_MS	2000
/* stop: SIGTERM, then this long (polling) before SIGKILL. */
#define STOP_GRACE_MS		10000
#define STOP_POLL_MS		200

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Does pid exist and is it not a zombie waiting for its parent? */
static int
process_alive(pid_t pid)
{
	char	 path[64], buf[256], *paren;
	FILE	*f;
	size_t	 n;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')'. */
	if ((paren = strrchr(buf, ')')) != NULL && paren[1] == ' ' &&
	    paren[2] == 'Z')
		return 0;
	return 1;
}

/* The PID in path: 1 found, 0 no file, -1 unreadable (message printed). */
static int
read_pid_file(const char *path, pid_t *pid)
{
	char		 buf[32];
	const char	*errstr;
	long long	 n;
	ssize_t		 len;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	len = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (len < 0)
		len = 0;
	buf[len] = '\0';
	if (cli_parse_int(buf, 1, INT_MAX, &n, &errstr) != 0) {
		cli_error("%s does not hold a PID", path);
		return -1;
	}
	*pid = (pid_t)n;
	return 1;
}

/* GET /health: 0 and the parsed reply when the daemon answered 2xx. */
static int
health(const char *socket, json_t **reply)
{
	struct cli_response	 response;
	char			*cause = NULL;
	int			 ok;

	*reply = NULL;
	if (cli_call(socket, "GET", "/health", NULL, HEALTH_TIMEOUT_MS,
	    &response, &cause) != 0) {
		free(cause);
		return -1;
	}
	ok = response.status >= 200 && response.status <= 299;
	if (ok && response.json != NULL)
		*reply = json_incref(response.json);
	cli_response_free(&response);
	return ok ? 0 : -1;
}

static int
daemon_start(int argc, char **argv)
{
	const char		*socket_flag = NULL, *port = NULL, *host = NULL;
	const char		*web_dir = NULL, *errstr, *socket;
	int			 web = 0, verbose = 0, detach = 0, fd, devnull;
	int			 status, wstatus;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "web", CLI_FLAG, &web },
		{ 0, "port", CLI_VALUE, &port },
		{ 0, "host", CLI_VALUE, &host },
		{ 0, "web-dir", CLI_VALUE, &web_dir },
		{ 'v', "verbose", CLI_FLAG, &verbose },
		{ 0, "detach", CLI_FLAG, &detach },
		{ 0, NULL, 0, NULL },
	};
	const char		*child_argv[16];
	char			*agentd, *data_dir, *log = NULL;
	long long		 n, deadline;
	json_t			*reply;
	size_t			 i = 0;
	pid_t			 pid;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	cli_args_free(&args);
	if (port != NULL && cli_parse_int(port, 1, 65535, &n, &errstr) != 0)
		return cli_usage_error("--port must be a number from 1 to "
		    "65535");

	agentd = cli_agentd_path();
	child_argv[i++] = agentd;
	if (socket_flag != NULL) {
		child_argv[i++] = "--socket";
		child_argv[i++] = socket_flag;
	}
	if (web)
		child_argv[i++] = "--web";
	if (port != NULL) {
		child_argv[i++] = "--port";
		child_argv[i++] = port;
	}
	if (host != NULL) {
		child_argv[i++] = "--host";
		child_argv[i++] = host;
	}
	if (web_dir != NULL) {
		child_argv[i++] = "--web-dir";
		child_argv[i++] = web_dir;
	}
	if (verbose)
		child_argv[i++] = "--verbose";
	child_argv[i] = NULL;

	if (access(agentd, X_OK) != 0) {
		cli_error("Cannot run the daemon %s: %s (set CODEPIPER_AGENTD)",
		    agentd, strerror(errno));
		free(agentd);
		return CLI_EXIT_FAIL;
	}
	if (!detach) {
		printf("Starting CodePiper daemon...\n");
		fflush(stdout);
		execv(agentd, (char *const *)child_argv);
		cli_error("Cannot run the daemon %s: %s", agentd,
		    strerror(errno));
		free(agentd);
		return CLI_EXIT_FAIL;
	}

	socket = cli_socket_path(socket_flag);
	if (health(socket, &reply) == 0) {
		json_decref(reply);
		cli_error("A daemon is already running on %s", socket);
		free(agentd);
		return CLI_EXIT_FAIL;
	}
	data_dir = cli_data_dir();
	if (mkdir(data_dir, 0700) == -1 && errno != EEXIST)
		log = xstrdup("/dev/null");
	else
		log = xprintf("%s/daemon.log", data_dir);
	free(data_dir);

	printf("Starting CodePiper daemon (detached)...\n");
	fflush(stdout);
	if ((pid = fork()) == -1) {
		cli_error("fork: %s", strerror(errno));
		status = CLI_EXIT_FAIL;
		goto out;
	}
	if (pid == 0) {
		setsid();
		devnull = open("/dev/null", O_RDONLY);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (devnull != -1)
			dup2(devnull, STDIN_FILENO);
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(agentd, (char *const *)child_argv);
		dprintf(STDERR_FILENO, "codepiper: cannot run %s: %s\n",
		    agentd, strerror(errno));
		_exit(127);
	}

	deadline = now_ms() + DETACH_READY_MS;
	for (;;) {
		if (waitpid(pid, &wstatus, WNOHANG) == pid) {
			n = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
			    128 + WTERMSIG(wstatus);
			cli_error("Failed to start daemon in background (exit "
			    "code: %lld). See %s", n, log);
			status = n != 0 ? (int)n : CLI_EXIT_FAIL;
			goto out;
		}
		if (health(socket, &reply) == 0) {
			json_decref(reply);
			break;
		}
		if (now_ms() >= deadline) {
			cli_error("Daemon (PID: %d) did not answer on %s within "
			    "%d s. See %s", (int)pid, socket,
			    DETACH_READY_MS / 1000, log);
			status = CLI_EXIT_FAIL;
			goto out;
		}
		sleep_ms(DETACH_POLL_MS);
	}
	printf("Daemon started in background (PID: %d)\n", (int)pid);
	printf("Listening on %s; log in %s\n", socket, log);
	status = CLI_EXIT_OK;
out:
	free(log);
	free(agentd);
	return status;
}

static int
daemon_stop(void)
{
	char		*data_dir, *pid_file;
	long long	 deadline;
	pid_t		 pid;
	int		 found, status = CLI_EXIT_OK;

	data_dir = cli_data_dir();
	pid_file = xprintf("%s/daemon.pid", data_dir);
	free(data_dir);
	if ((found = read_pid_file(pid_file, &pid)) <= 0) {
		if (found == 0)
			cli_error("No PID file found at %s. Is the daemon "
			    "running?", pid_file);
		free(pid_file);
		return CLI_EXIT_FAIL;
	}
	if (!process_alive(pid)) {
		unlink(pid_file);
		printf("Daemon (PID: %d) is not running. Cleaned up stale PID "
		    "file.\n", (int)pid);
		free(pid_file);
		return CLI_EXIT_OK;
	}
	printf("Stopping daemon (PID: %d)...\n", (int)pid);
	fflush(stdout);
	if (kill(pid, SIGTERM) == -1) {
		cli_error("Cannot signal PID %d: %s", (int)pid, strerror(errno));
		free(pid_file);
		return CLI_EXIT_FAIL;
	}
	deadline = now_ms() + STOP_GRACE_MS;
	while (process_alive(pid) && now_ms() < deadline)
		sleep_ms(STOP_POLL_MS);
	if (!process_alive(pid))
		cli_success("Daemon stopped");
	else {
		printf("Daemon did not stop gracefully, sending SIGKILL...\n");
		if (kill(pid, SIGKILL) == -1 && errno != ESRCH) {
			cli_error("Cannot kill PID %d: %s", (int)pid,
			    strerror(errno));
			status = CLI_EXIT_FAIL;
		} else
			cli_success("Daemon killed");
	}
	unlink(pid_file);
	free(pid_file);
	return status;
}

static int
daemon_status(int argc, char **argv)
{
	const char		*socket_flag = NULL, *socket, *state;
	int			 json = 0, found, healthy = 0;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 0, "json", CLI_FLAG, &json },
		{ 0, NULL, 0, NULL },
	};
	char			*data_dir, *pid_file;
	json_t			*reply = NULL, *out;
	json_int_t		 zombies = 0;
	pid_t			 pid = 0;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	cli_args_free(&args);
	socket = cli_socket_path(socket_flag);
	data_dir = cli_data_dir();
	pid_file = xprintf("%s/daemon.pid", data_dir);
	free(data_dir);

	found = read_pid_file(pid_file, &pid);
	if (found <= 0)
		state = "not running (no PID file)";
	else if (!process_alive(pid))
		state = "not running (stale PID file)";
	else {
		state = "running";
		if (health(socket, &reply) == 0) {
			healthy = 1;
			zombies = json_integer_value(json_object_get(reply,
			    "zombieSessionCount"));
		}
	}

	if (json) {
		out = json_pack("{s:s,s:s,s:b}", "pidFile", pid_file, "socket",
		    socket, "running", strcmp(state, "running") == 0);
		if (found > 0)
			json_object_set_new(out, "pid", json_integer(pid));
		if (strcmp(state, "running") == 0) {
			json_object_set_new(out, "health", json_string(healthy ?
			    "ok" : "unreachable"));
			if (healthy)
				json_object_set_new(out, "zombieSessionCount",
				    json_integer(zombies));
		}
		cli_print_json(out);
		json_decref(out);
	} else {
		printf("%sDaemon Status%s\n", cli_sgr(CLI_BOLD),
		    cli_sgr(CLI_RESET));
		printf("  PID file: %s\n  Socket:   %s\n", pid_file, socket);
		if (strcmp(state, "running") != 0)
			printf("  Status:   %s\n", state);
		else {
			printf("  PID:      %d\n  Process:  running\n", (int)pid);
			if (!healthy)
				printf("  Health:   unreachable (socket may not "
				    "be ready)\n");
			else
				printf("  Health:   ok\n  Zombie sessions: "
				    "%s%lld%s\n", zombies > 0 ?
				    cli_sgr(CLI_YELLOW) : "", (long long)zombies,
				    zombies > 0 ? cli_sgr(CLI_RESET) : "");
		}
	}
	json_decref(reply);
	free(pid_file);
	return CLI_EXIT_OK;
}

int
cmd_daemon(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "stop") == 0) {
		if (argc >= 3 && (strcmp(argv[2], "-h") == 0 ||
		    strcmp(argv[2], "--help") == 0)) {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
		return daemon_stop();
	}
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return daemon_status(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "start") == 0)
		return daemon_start(argc - 1, argv + 1);
	return daemon_start(argc, argv);
}
