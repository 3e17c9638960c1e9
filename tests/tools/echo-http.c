/*
 * echo-http: a throwaway HTTP/1.1 server on a Unix socket that stands in
 * for agentd in regress tests. It answers each request with a JSON
 * description of what arrived:
 *
 *   {"method":..., "target":..., "conn":N, "seq":N,
 *    "headers":{"lower-case-name":"value", ...},
 *    "bodyLength":N, "bodyFnv":"16 hex digits"}
 *
 * conn numbers connections in accept order (from 1) and seq the requests on
 * one connection (from 1), so a test can see keep-alive reuse. Repeated
 * header fields are joined with ", ". Some paths change the behaviour:
 *
 *   /echo-body           the request body back, with its Content-Type
 *   /status/N            the description with status N
 *   /cookies             two Set-Cookie fields and hop-by-hop fields that a
 *                        proxy must not relay
 *   /chunked             the description in chunked encoding
 *   /close               the description with Connection: close, then close
 *   /drop-once/KEY       close without answering the first time KEY is seen
 *   /sleep/MS            answer after MS milliseconds (at most 60000)
 *   /big/N               N bytes of 'x' (at most 64 MiB)
 *
 * and a request with an "X-Test-Upgrade" header gets 101 Switching
 * Protocols, after which every byte received is sent back until EOF.
 *
 * usage: echo-http --socket PATH
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "xmalloc.h"

#define MAX_HEAD	(64 * 1024)
#define MAX_BODY	((size_t)64 * 1024 * 1024)
#define MAX_SLEEP_MS	60000
#define MAX_DROP_KEYS	1024

struct client {
	int	 fd;
	int	 id;
	char	*buf;
	size_t	 len;
	size_t	 size;
};

static atomic_int	next_conn_id;
static pthread_mutex_t	drop_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*drop_keys[MAX_DROP_KEYS];
static size_t		 ndrop_keys;

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, data, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

/* Make sure at least want bytes are buffered. 0, or -1 at EOF/error. */
static int
client_fill(struct client *c, size_t want)
{
	ssize_t	n;

	if (want > c->size) {
		c->size = want;
		c->buf = xrealloc(c->buf, c->size);
	}
	while (c->len < want) {
		n = recv(c->fd, c->buf + c->len, c->size - c->len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->len += n;
	}
	return 0;
}

static void
client_consume(struct client *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

static int
parse_size(const char *s, unsigned long long max, unsigned long long *out)
{
	char			*end;
	unsigned long long	 n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*out = n;
	return 0;
}

static uint64_t
fnv1a(const char *data, size_t len)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Has KEY been seen before? Records it. */
static int
drop_key_seen(const char *key)
{
	size_t	i;
	int	seen = 0;

	pthread_mutex_lock(&drop_lock);
	for (i = 0; i < ndrop_keys; i++) {
		if (strcmp(drop_keys[i], key) == 0)
			seen = 1;
	}
	if (!seen && ndrop_keys < MAX_DROP_KEYS)
		drop_keys[ndrop_keys++] = xstrdup(key);
	pthread_mutex_unlock(&drop_lock);
	return seen;
}

static int
send_response(int fd, int status, const char *extra_headers,
    const char *content_type, const char *body, size_t body_len, int chunked,
    int is_head)
{
	char	*head;
	int	 rc;

	if (chunked) {
		xasprintf(&head, "HTTP/1.1 %d Echo\r\n%s"
		    "Content-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n",
		    status, extra_headers, content_type);
	} else {
		xasprintf(&head, "HTTP/1.1 %d Echo\r\n%s"
		    "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
		    status, extra_headers, content_type, body_len);
	}
	rc = write_all(fd, head, strlen(head));
	free(head);
	if (rc != 0 || is_head)
		return rc;
	if (!chunked)
		return write_all(fd, body, body_len);

	/* Three chunks and a trailer, to exercise the client's parser. */
	while (body_len > 0 && rc == 0) {
		size_t	n = body_len > 7 ? body_len / 3 + 1 : body_len;
		char	line[32];

		snprintf(line, sizeof line, "%zx;ext=1\r\n", n);
		rc = write_all(fd, line, strlen(line));
		if (rc == 0)
			rc = write_all(fd, body, n);
		if (rc == 0)
			rc = write_all(fd, "\r\n", 2);
		body += n;
		body_len -= n;
	}
	if (rc == 0)
		rc = write_all(fd, "0\r\nX-Trailer: t\r\n\r\n", 19);
	return rc;
}

/* After a 101: echo raw bytes, starting with any already buffered. */
static void
relay_upgraded(struct client *c)
{
	static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
	char	buf[4096];
	ssize_t	n;

	if (write_all(c->fd, switching, sizeof switching - 1) != 0)
		return;
	if (c->len > 0 && write_all(c->fd, c->buf, c->len) != 0)
		return;
	c->len = 0;
	for (;;) {
		n = recv(c->fd, buf, sizeof buf, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || write_all(c->fd, buf, n) != 0)
			return;
	}
}

/* Serve one request. 0 to keep the connection, -1 to close it. */
static int
serve_one(struct client *c, int seq)
{
	json_t			*description, *headers, *old;
	unsigned long long	 content_length = 0, n;
	char			*end, *line, *next, *colon, *value, *lower;
	char			*method, *target, *version, *text, *combined;
	char			 digest[17], *body, *path;
	const char		*content_type = "application/json", *s;
	size_t			 head_len, i;
	int			 status = 200, keep = 1, bad_length = 0;
	int			 is_head, rc;

	for (;;) {
		end = c->len > 0 ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
		if (end != NULL)
			break;
		if (c->len >= MAX_HEAD || client_fill(c, c->len + 1) != 0)
			return -1;
	}
	head_len = end - c->buf + 4;
	text = xstrndup(c->buf, head_len - 2);
	client_consume(c, head_len);

	line = text;
	next = strstr(line, "\r\n");
	*next = '\0';
	next += 2;
	method = line;
	if ((target = strchr(method, ' ')) == NULL) {
		free(text);
		return -1;
	}
	*target++ = '\0';
	if ((version = strchr(target, ' ')) == NULL) {
		free(text);
		return -1;
	}
	*version++ = '\0';
	is_head = strcmp(method, "HEAD") == 0;

	headers = json_object();
	for (line = next; *line != '\0'; line = next) {
		next = strstr(line, "\r\n");
		*next = '\0';
		next += 2;
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		lower = xstrdup(line);
		for (i = 0; lower[i] != '\0'; i++) {
			if (lower[i] >= 'A' && lower[i] <= 'Z')
				lower[i] += 'a' - 'A';
		}
		if (strcmp(lower, "content-length") == 0 &&
		    parse_size(value, MAX_BODY, &content_length) != 0)
			bad_length = 1;
		if (strcmp(lower, "connection") == 0 &&
		    strcasecmp(value, "close") == 0)
			keep = 0;
		old = json_object_get(headers, lower);
		if (old != NULL) {
			xasprintf(&combined, "%s, %s", json_string_value(old),
			    value);
			json_object_set_new(headers, lower,
			    json_string(combined));
			free(combined);
		} else
			json_object_set_new(headers, lower, json_string(value));
		free(lower);
	}
	if (bad_length || json_object_get(headers, "transfer-encoding")) {
		static const char bad[] = "HTTP/1.1 400 Bad\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n";

		json_decref(headers);
		free(text);
		write_all(c->fd, bad, sizeof bad - 1);
		return -1;
	}

	if (client_fill(c, content_length) != 0) {
		json_decref(headers);
		free(text);
		return -1;
	}
	body = xmalloc(content_length + 1);
	memcpy(body, c->buf, content_length);
	client_consume(c, content_length);
	snprintf(digest, sizeof digest, "%016llx",
	    (unsigned long long)fnv1a(body, content_length));

	description = json_pack("{s:s, s:s, s:i, s:i, s:o, s:I, s:s}",
	    "method", method, "target", target, "conn", c->id, "seq", seq,
	    "headers", headers, "bodyLength", (json_int_t)content_length,
	    "bodyFnv", digest);
	path = xstrdup(target);
	free(text);
	text = NULL;
	target = path;

	if (strncmp(target, "/drop-once/", 11) == 0 &&
	    !drop_key_seen(target + 11)) {
		rc = -1;
		goto out;
	}
	if (json_object_get(headers, "x-test-upgrade") != NULL) {
		relay_upgraded(c);
		rc = -1;
		goto out;
	}
	if (strncmp(target, "/sleep/", 7) == 0 &&
	    parse_size(target + 7, MAX_SLEEP_MS, &n) == 0)
		poll(NULL, 0, (int)n);

	if (strcmp(target, "/echo-body") == 0) {
		s = json_string_value(json_object_get(headers, "content-type"));
		rc = send_response(c->fd, 200, "",
		    s != NULL ? s : "application/octet-stream", body,
		    content_length, 0, is_head);
		goto out;
	}
	if (strncmp(target, "/big/", 5) == 0 &&
	    parse_size(target + 5, MAX_BODY, &n) == 0) {
		char *big = xmalloc(n + 1);

		memset(big, 'x', n);
		rc = send_response(c->fd, 200, "", "text/plain", big, n, 0,
		    is_head);
		free(big);
		goto out;
	}

	text = json_dumps(description, JSON_COMPACT | JSON_SORT_KEYS);
	if (strncmp(target, "/status/", 8) == 0 &&
	    parse_size(target + 8, 599, &n) == 0 && n >= 200)
		status = (int)n;
	if (strcmp(target, "/cookies") == 0) {
		rc = send_response(c->fd, status,
		    "Set-Cookie: a=1; HttpOnly; Path=/\r\n"
		    "Set-Cookie: b=2; Path=/\r\n"
		    "X-Backend: yes\r\n"
		    "Keep-Alive: timeout=5\r\n"
		    "Connection: keep-alive, X-Hop\r\n"
		    "X-Hop: must-not-pass\r\n"
		    "Proxy-Authenticate: Basic\r\n"
		    "Server: echo-http\r\n"
		    "X-Frame-Options: SAMEORIGIN\r\n",
		    content_type, text, strlen(text), 0, is_head);
	} else if (strcmp(target, "/chunked") == 0) {
		rc = send_response(c->fd, status, "", content_type, text,
		    strlen(text), 1, is_head);
	} else if (strcmp(target, "/close") == 0) {
		send_response(c->fd, status, "Connection: close\r\n",
		    content_type, text, strlen(text), 0, is_head);
		rc = -1;
	} else {
		rc = send_response(c->fd, status, "", content_type, text,
		    strlen(text), 0, is_head);
	}

out:
	json_decref(description);
	free(body);
	free(text);
	free(path);
	return rc != 0 || !keep ? -1 : 0;
}

static void *
client_main(void *arg)
{
	struct client	*c = arg;
	int		 seq;

	for (seq = 1; serve_one(c, seq) == 0; seq++)
		;
	close(c->fd);
	free(c->buf);
	free(c);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un	 sun;
	struct client		*c;
	pthread_t		 thread;
	pthread_attr_t		 attr;
	const char		*path = NULL;
	int			 ch, fd, cfd;

	while ((ch = getopt_long(argc, argv, "s:", options, NULL)) != -1) {
		if (ch != 's') {
			fprintf(stderr, "usage: echo-http --socket PATH\n");
			return 2;
		}
		path = optarg;
	}
	if (path == NULL || strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "usage: echo-http --socket PATH\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    listen(fd, 64) != 0) {
		fprintf(stderr, "echo-http: %s: %s\n", path, strerror(errno));
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		if ((cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "echo-http: accept: %s\n",
			    strerror(errno));
			return 1;
		}
		c = xcalloc(1, sizeof *c);
		c->fd = cfd;
		c->id = atomic_fetch_add(&next_conn_id, 1) + 1;
		if (pthread_create(&thread, &attr, client_main, c) != 0) {
			close(cfd);
			free(c);
		}
	}
}
