/*
 * codepiper-ws: the WebSocket relay nginx proxies /ws to (ws-relay.h).
 *
 *   codepiper-ws --socket PATH --backend PATH
 *
 * It listens on a Unix socket (0600) and serves every connection on
 * libwebsockets' event loop. On SIGTERM or SIGINT it closes each browser
 * connection with 1001 (the dashboard reconnects), gives them a moment to
 * go, removes its socket and exits 0.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "socket-file.h"
#include "ws-relay.h"
#include "xmalloc.h"

/* How long open connections get to close when we are told to stop. */
#define SHUTDOWN_GRACE_MS	2000

static volatile sig_atomic_t stopping;
static struct lws_context *context;

static void
usage(FILE *f)
{
	fprintf(f,
"usage: codepiper-ws --socket PATH --backend PATH\n"
"\n"
"  --socket PATH    Unix socket nginx proxies /ws to (created 0600)\n"
"                   [$CODEPIPER_WS_SOCKET]\n"
"  --backend PATH   agentd's web socket [$CODEPIPER_WEB_SOCKET]\n");
}

static void
on_signal(int sig)
{
	stopping = 1;
	if (context != NULL)
		lws_cancel_service(context);
}

static void
on_lws_log(int level, const char *line)
{
	fprintf(stderr, "codepiper-ws: lws: %s", line);
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const lws_retry_bo_t browser_policy = {
		.secs_since_valid_ping = RELAY_PING_SECS,
		.secs_since_valid_hangup = RELAY_HANGUP_SECS,
	};
	struct lws_context_creation_info info;
	struct relay_config config;
	const char *socket_path, *backend_path;
	struct sigaction sa;
	struct stat sb;
	char *cause = NULL;
	mode_t old_mask;
	ino_t inode = 0;
	int64_t deadline;
	int ch;

	socket_path = getenv("CODEPIPER_WS_SOCKET");
	backend_path = getenv("CODEPIPER_WEB_SOCKET");
	while ((ch = getopt_long(argc, argv, "s:b:h", options, NULL)) != -1) {
		switch (ch) {
		case 's':
			socket_path = optarg;
			break;
		case 'b':
			backend_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || socket_path == NULL || *socket_path == '\0' ||
	    backend_path == NULL || *backend_path == '\0') {
		usage(stderr);
		return 2;
	}
	/*
	 * lws binds the socket itself (and would unlink whatever is at the
	 * path): refuse a live listener or a non-socket there first.
	 */
	if (socket_file_check(socket_path, &cause) == -1) {
		fprintf(stderr, "codepiper-ws: %s\n", cause);
		free(cause);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);

	lws_set_log_level(LLL_ERR | LLL_WARN, on_lws_log);
	config.backend_path = backend_path;
	relay_init(&config);

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_UNIX_SOCK |
	    LWS_SERVER_OPTION_DISABLE_IPV6;
	info.iface = socket_path;
	info.port = 0;
	info.protocols = relay_protocols;
	info.gid = -1;
	info.uid = -1;
	/* Cookie, Origin and the forwarded headers; nginx caps its own. */
	info.max_http_header_data = 16384;
	info.retry_and_idle_policy = &browser_policy;
	/* No window in which the socket exists with a wider mode. */
	old_mask = umask(0177);
	context = lws_create_context(&info);
	umask(old_mask);
	if (context == NULL) {
		fprintf(stderr, "codepiper-ws: cannot listen on %s\n", socket_path);
		relay_free();
		return 1;
	}
	if (stat(socket_path, &sb) == 0)
		inode = sb.st_ino;
	chmod(socket_path, 0600);
	fprintf(stderr, "codepiper-ws: listening on %s, backend %s\n",
	    socket_path, backend_path);

	while (!stopping) {
		if (lws_service(context, 0) < 0)
			break;
	}

	relay_shutdown_connections();
	deadline = monotonic_ms() + SHUTDOWN_GRACE_MS;
	while (relay_connection_count() > 0 && monotonic_ms() < deadline) {
		if (lws_service(context, 0) < 0)
			break;
	}
	lws_context_destroy(context);
	context = NULL;
	relay_free();
	if (inode != 0)
		socket_file_remove_own(socket_path, inode);
	return 0;
}
