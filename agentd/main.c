/*
 * agentd: the CodePiper daemon. One libevent loop owns tmux (through one
 * control-mode client), SQLite, and the HTTP listeners.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "auth.h"
#include "daemon.h"
#include "db.h"
#include "envsets.h"
#include "git.h"
#include "hooks.h"
#include "httpd.h"
#include "identity.h"
#include "launch.h"
#include "log.h"
#include "origin.h"
#include "permission.h"
#include "policy-store.h"
#include "preflight.h"
#include "ratelimit.h"
#include "secretbox.h"
#include "session.h"
#include "settings.h"
#include "stream.h"
#include "transcript.h"
#include "util.h"
#include "version.h"
#include "web.h"
#include "workers.h"
#include "xmalloc.h"

struct daemon_config daemon_config;
struct event_base *daemon_base;

static struct httpd *httpd;
static struct secretbox_key *secrets_key;	/* TOTP, recovery codes, env sets */
static bool restart_requested;
static char **saved_argv;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: agentd [--socket PATH] [--web] [--port N] [--host H] "
	    "[--web-dir DIR] [--verbose]\n"
	    "environment: CODEPIPER_SOCKET, CODEPIPER_HOME, CODEPIPER_DB_PATH, "
	    "CODEPIPER_TMUX_SOCKET\n");
	exit(2);
}

static char *
default_data_dir(void)
{
	const char *home = getenv("CODEPIPER_HOME");

	if (home != NULL && *home != '\0')
		return xstrdup(home);
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = "/tmp";
	return xprintf("%s/.codepiper", home);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket",	required_argument, NULL, 's' },
		{ "web",	no_argument,	   NULL, 'w' },
		{ "port",	required_argument, NULL, 'p' },
		{ "host",	required_argument, NULL, 'H' },
		{ "web-dir",	required_argument, NULL, 'd' },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env, *errstr;
	int64_t port;
	int c;

	daemon_config.web_port = 3000;
	daemon_config.web_host = xstrdup("127.0.0.1");
	while ((c = getopt_long(argc, argv, "s:wp:H:d:vh", options, NULL)) != -1) {
		switch (c) {
		case 's':
			free(daemon_config.cli_socket);
			daemon_config.cli_socket = xstrdup(optarg);
			break;
		case 'w':
			daemon_config.web = true;
			break;
		case 'p':
			if (parse_int64(optarg, 1, 65535, &port, &errstr) != 0) {
				fprintf(stderr, "agentd: --port %s is %s\n", optarg,
				    errstr);
				exit(2);
			}
			daemon_config.web_port = (int)port;
			break;
		case 'H':
			free(daemon_config.web_host);
			daemon_config.web_host = xstrdup(optarg);
			break;
		case 'd':
			daemon_config.web_dir = xstrdup(optarg);
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (daemon_config.cli_socket == NULL) {
		env = getenv("CODEPIPER_SOCKET");
		daemon_config.cli_socket = xstrdup(env != NULL && *env != '\0' ?
		    env : "/tmp/codepiper.sock");
	}
	daemon_config.data_dir = default_data_dir();
	env = getenv("CODEPIPER_DB_PATH");
	daemon_config.db_path = env != NULL && *env != '\0' ? xstrdup(env) :
	    xprintf("%s/codepiper.db", daemon_config.data_dir);
	env = getenv("CODEPIPER_TMUX_SOCKET");
	daemon_config.tmux_socket = xstrdup(env != NULL && *env != '\0' ?
	    env : "codepiper");
	daemon_config.web_socket = xprintf("%s/web.sock", daemon_config.data_dir);
	daemon_config.pid_file = xprintf("%s/daemon.pid", daemon_config.data_dir);
}

void
daemon_request_stop(bool restart)
{
	restart_requested = restart;
	event_base_loopexit(daemon_base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("received %s, shutting down", strsignal((int)sig));
	daemon_request_stop(false);
}

static void
sessions_ready(void)
{
	char *cause = NULL;

	/* Adoption is done: what is not live now has ended. */
	transcripts_catch_up();
	if (httpd_listen_unix(httpd, daemon_config.cli_socket, LISTENER_CLI,
	    &cause) != 0) {
		log_error("%s", cause);
		free(cause);
		daemon_request_stop(false);
		return;
	}
	log_info("agentd %s listening on %s (data in %s, tmux -L %s)",
	    CODEPIPER_VERSION, daemon_config.cli_socket, daemon_config.data_dir,
	    daemon_config.tmux_socket);
	if (!daemon_config.web)
		return;
	/* The web edge: every request on this socket is web traffic. */
	if (httpd_listen_unix(httpd, daemon_config.web_socket, LISTENER_WEB,
	    &cause) != 0 || web_start(daemon_base, &cause) != 0) {
		log_error("--web: %s", cause);
		free(cause);
		daemon_request_stop(false);
	}
}

static void
write_pid_file(void)
{
	char *text = xprintf("%d\n", (int)getpid());

	if (write_file_atomic(daemon_config.pid_file, text, strlen(text), 0600) != 0)
		log_warn("writing %s: %s", daemon_config.pid_file, strerror(errno));
	free(text);
}

int
main(int argc, char **argv)
{
	struct event *sigint, *sigterm;
	char *cause = NULL;
	int status = 0;

	if (argc == 3 && strcmp(argv[1], "--launch") == 0)
		_exit(launch_exec(argv[2]));	/* no leak report in the pane */

	saved_argv = argv;
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	if (sodium_init() < 0) {
		fprintf(stderr, "agentd: libsodium failed to initialise\n");
		return 1;
	}
	if (mkdir_private(daemon_config.data_dir) != 0) {
		fprintf(stderr, "agentd: cannot create %s: %s\n",
		    daemon_config.data_dir, strerror(errno));
		return 1;
	}
	chmod(daemon_config.data_dir, 0700);

	/* Worker threads wake the loop (workers.h). */
	evthread_use_pthreads();
	daemon_base = event_base_new();
	httpd = httpd_new(daemon_base);
	/* Fail before touching tmux when another daemon owns the socket. */
	if (httpd_socket_in_use(daemon_config.cli_socket)) {
		fprintf(stderr, "agentd: another daemon is already listening on %s\n",
		    daemon_config.cli_socket);
		return 1;
	}
	if (db_open(daemon_config.db_path, &cause) != 0) {
		fprintf(stderr, "agentd: %s\n", cause);
		free(cause);
		return 1;
	}
	settings_load();
	if (secretbox_key_load_or_create(&secrets_key, daemon_config.data_dir,
	    &cause) != 0 || workers_init(daemon_base, 2, &cause) != 0 ||
	    auth_init(secrets_key, daemon_config.web, daemon_config.data_dir,
	    &cause) != 0) {
		fprintf(stderr, "agentd: %s\n", cause);
		free(cause);
		workers_shutdown();
		secretbox_key_free(secrets_key);
		db_close();
		return 1;
	}
	envsets_init(secrets_key);
	origin_init(daemon_config.web_host);
	ratelimit_init();
	httpd_set_web_gate(auth_web_gate);
	git_module_init();
	/* Before sessions_init: adopted sessions are announced to it. */
	stream_module_init();
	policy_store_init();
	permission_init();
	hooks_init();
	preflight_init();
	identity_init();
	if (transcripts_init(daemon_base) != 0)
		log_warn("transcripts will not be read (no inotify)");
	if (sessions_init(daemon_base, daemon_config.data_dir,
	    daemon_config.tmux_socket, sessions_ready) != 0) {
		db_close();
		return 1;
	}
	write_pid_file();

	sigint = evsignal_new(daemon_base, SIGINT, on_signal, NULL);
	sigterm = evsignal_new(daemon_base, SIGTERM, on_signal, NULL);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);

	event_base_dispatch(daemon_base);

	stream_module_shutdown();
	permission_shutdown();
	sessions_shutdown(settings_bool("preserveSessions"));
	transcripts_shutdown();
	preflight_shutdown();
	hooks_shutdown();
	identity_shutdown();
	policy_store_shutdown();
	/* Answer what the workers finished, then close, then stop the edge. */
	workers_shutdown();
	httpd_free(httpd);
	web_stop();
	auth_shutdown();
	origin_shutdown();
	ratelimit_shutdown();
	secretbox_key_free(secrets_key);
	settings_unload();
	git_module_shutdown();
	db_close();
	event_free(sigint);
	event_free(sigterm);
	event_base_free(daemon_base);
	unlink(daemon_config.pid_file);
	if (restart_requested) {
		log_info("restarting");
		execv("/proc/self/exe", saved_argv);
		log_error("restart failed: %s", strerror(errno));
		status = 1;
	}
	free(daemon_config.data_dir);
	free(daemon_config.db_path);
	free(daemon_config.cli_socket);
	free(daemon_config.web_socket);
	free(daemon_config.tmux_socket);
	free(daemon_config.pid_file);
	free(daemon_config.web_host);
	free(daemon_config.web_dir);
	return status;
}
