/*
 * codepiper-fcgi: the FastCGI responder nginx hands every /api request to.
 *
 * It listens on a Unix socket (0600) and runs a fixed number of worker
 * threads. Each worker accepts one FastCGI request at a time and relays it to
 * agentd's web socket over its own persistent HTTP/1.1 connection
 * (fcgi-relay.c). The process holds no state and no secrets; agentd decides
 * everything about auth.
 *
 * Signals are blocked in every thread; the main thread waits for them with
 * sigwait(). On SIGTERM or SIGINT it shuts the listening socket down, which
 * wakes the worker blocked in accept(); workers finish the request in hand
 * and exit, and the process exits 0.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi-relay.h"
#include "socket-file.h"
#include "xmalloc.h"

#define DEFAULT_THREADS		4
#define MAX_THREADS		256
/*
 * An exchange with agentd may include a speech-to-text run (45 s by
 * default) or git work on a large repository; nginx's fastcgi_read_timeout
 * in nginx.conf.template is 120 s, so stay below it and answer with our own
 * 504 first.
 */
#define DEFAULT_TIMEOUT_S	110
#define MAX_TIMEOUT_S		3600
/* Pending connections nginx may queue while every worker is busy. */
#define LISTEN_BACKLOG		128
/* Pause after accept() fails for lack of descriptors or memory. */
#define ACCEPT_BACKOFF_MS	100

struct worker {
	pthread_t	 thread;
	int		 listen_fd;
	struct relay	*relay;
};

static pthread_mutex_t	accept_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int	stopping;
static atomic_int	failed;

static void
usage(FILE *f)
{
	fprintf(f,
"usage: codepiper-fcgi --socket PATH [--backend PATH] [--threads N]\n"
"                      [--timeout SECONDS]\n"
"\n"
"  --socket PATH      FastCGI socket to listen on (created 0600)\n"
"                     [$CODEPIPER_FCGI_SOCKET]\n"
"  --backend PATH     agentd's web socket [$CODEPIPER_WEB_SOCKET]\n"
"  --threads N        worker threads, each with its own agentd connection\n"
"                     (1-%d, default %d)\n"
"  --timeout SECONDS  limit on one exchange with agentd (1-%d, default %d)\n",
	    MAX_THREADS, DEFAULT_THREADS, MAX_TIMEOUT_S, DEFAULT_TIMEOUT_S);
}

static int
parse_number(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/*
 * Bind and listen on path with mode 0600. An existing socket nobody listens
 * on is a leftover and is replaced; anything else at path is refused.
 */
static int
listener_open(const char *path, ino_t *inode, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	mode_t			 old_mask;
	int			 fd, found;

	if ((found = socket_file_check(path, cause)) == -1)
		return -1;
	if (found == 1 && unlink(path) != 0) {
		xasprintf(cause, "unlink %s: %s", path, strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	/* No window in which the socket exists with a wider mode. */
	old_mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old_mask);
		xasprintf(cause, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old_mask);
	if (listen(fd, LISTEN_BACKLOG) != 0 || stat(path, &sb) != 0) {
		xasprintf(cause, "listen %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	*inode = sb.st_ino;
	return fd;
}

static int
accept_error_is_transient(int error)
{
	return error == EMFILE || error == ENFILE || error == ENOMEM ||
	    error == ENOBUFS || error == EINTR || error == ECONNABORTED;
}

static void *
worker_main(void *arg)
{
	struct worker	*worker = arg;
	FCGX_Request	 request;
	int		 rc;

	if (FCGX_InitRequest(&request, worker->listen_fd, 0) != 0) {
		fprintf(stderr, "codepiper-fcgi: FCGX_InitRequest failed\n");
		atomic_store(&failed, 1);
		kill(getpid(), SIGTERM);
		return NULL;
	}
	for (;;) {
		/* One accepting thread at a time, as libfcgi's threaded example. */
		pthread_mutex_lock(&accept_lock);
		if (atomic_load(&stopping)) {
			pthread_mutex_unlock(&accept_lock);
			break;
		}
		rc = FCGX_Accept_r(&request);
		pthread_mutex_unlock(&accept_lock);

		if (rc < 0) {
			if (atomic_load(&stopping))
				break;
			fprintf(stderr, "codepiper-fcgi: accept: %s\n",
			    rc == -9999 ? "FastCGI protocol error" :
			    strerror(-rc));
			if (rc != -9999 && !accept_error_is_transient(-rc)) {
				atomic_store(&failed, 1);
				kill(getpid(), SIGTERM);
				break;
			}
			poll(NULL, 0, ACCEPT_BACKOFF_MS);
			continue;
		}
		relay_handle(worker->relay, &request);
		FCGX_Finish_r(&request);
	}
	FCGX_Free(&request, 1);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "threads", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct relay_config	 config;
	struct worker		*workers;
	const char		*socket_path, *backend_path;
	char			*cause = NULL;
	long long		 threads = DEFAULT_THREADS;
	long long		 timeout_s = DEFAULT_TIMEOUT_S;
	sigset_t		 signals;
	ino_t			 inode;
	int			 ch, listen_fd, sig, error;
	long long		 i, started;

	socket_path = getenv("CODEPIPER_FCGI_SOCKET");
	backend_path = getenv("CODEPIPER_WEB_SOCKET");
	while ((ch = getopt_long(argc, argv, "s:b:t:T:h", options, NULL)) != -1) {
		switch (ch) {
		case 's':
			socket_path = optarg;
			break;
		case 'b':
			backend_path = optarg;
			break;
		case 't':
			if (parse_number(optarg, 1, MAX_THREADS, &threads) != 0) {
				fprintf(stderr, "codepiper-fcgi: --threads must "
				    "be 1 to %d\n", MAX_THREADS);
				return 2;
			}
			break;
		case 'T':
			if (parse_number(optarg, 1, MAX_TIMEOUT_S,
			    &timeout_s) != 0) {
				fprintf(stderr, "codepiper-fcgi: --timeout must "
				    "be 1 to %d seconds\n", MAX_TIMEOUT_S);
				return 2;
			}
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
	 * Block the signals we wait for before any thread exists, so that
	 * every thread inherits the mask and only sigwait() sees them.
	 * SIGPIPE is ignored: a vanished peer is an error return instead.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	sigaddset(&signals, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);

	if (FCGX_Init() != 0) {
		fprintf(stderr, "codepiper-fcgi: FCGX_Init failed\n");
		return 1;
	}
	if ((listen_fd = listener_open(socket_path, &inode, &cause)) == -1) {
		fprintf(stderr, "codepiper-fcgi: %s\n", cause);
		free(cause);
		return 1;
	}

	config.backend_path = backend_path;
	config.timeout_ms = (int)(timeout_s * 1000);
	workers = xcalloc(threads, sizeof *workers);
	for (started = 0; started < threads; started++) {
		workers[started].listen_fd = listen_fd;
		workers[started].relay = relay_new(&config);
		error = pthread_create(&workers[started].thread, NULL,
		    worker_main, &workers[started]);
		if (error != 0) {
			fprintf(stderr, "codepiper-fcgi: pthread_create: %s\n",
			    strerror(error));
			relay_free(workers[started].relay);
			atomic_store(&failed, 1);
			kill(getpid(), SIGTERM);
			break;
		}
	}
	fprintf(stderr, "codepiper-fcgi: listening on %s, %lld threads, "
	    "backend %s\n", socket_path, started, backend_path);

	for (;;) {
		if (sigwait(&signals, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT)
			break;
		/* SIGHUP, SIGUSR1: nothing to reload. */
	}

	atomic_store(&stopping, 1);
	FCGX_ShutdownPending();
	/* Wakes the worker blocked in accept(); the others see stopping. */
	shutdown(listen_fd, SHUT_RDWR);
	for (i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		relay_free(workers[i].relay);
	}
	free(workers);
	close(listen_fd);
	socket_file_remove_own(socket_path, inode);
	return atomic_load(&failed) ? 1 : 0;
}
