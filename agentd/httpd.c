#include "httpd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "log.h"
#include "routes.h"
#include "util.h"
#include "xmalloc.h"

/* Bodies: 1 MiB for JSON (the reference's limit), 8 MiB for hook payloads,
 * 10 MiB + 1 KiB for image uploads. evhttp itself stops at the largest. */
#define BODY_LIMIT_DEFAULT	(1024 * 1024)
#define BODY_LIMIT_HOOK		(8 * 1024 * 1024)
#define BODY_LIMIT_UPLOAD	(10 * 1024 * 1024 + 1024)

struct listener_ctx {
	struct httpd		*httpd;
	enum listener_kind	 kind;
	struct evhttp		*http;
	char			*path;
};

struct httpd {
	struct event_base	*base;
	struct listener_ctx	*listeners[4];
	size_t			 nlisteners;
};

struct stream_ctx {
	struct request	*req;
	void		(*on_close)(struct request *, void *);
	void		*arg;
};

static int (*web_gate)(struct request *);
static int (*identity_check)(struct request *);

void
httpd_set_web_gate(int (*gate)(struct request *))
{
	web_gate = gate;
}

void
httpd_set_identity_check(int (*check)(struct request *))
{
	identity_check = check;
}

static void
request_free(struct request *req)
{
	size_t i;

	free(req->path);
	free(req->query);
	free(req->body);
	if (req->json != NULL)
		json_decref(req->json);
	for (i = 0; i < ROUTE_MAX_PARAMS; i++)
		free(req->param_values[i]);
	free(req->agent_session_id);
	free(req->auth_session_id);
	free(req);
}

static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:	return "GET";
	case EVHTTP_REQ_POST:	return "POST";
	case EVHTTP_REQ_PUT:	return "PUT";
	case EVHTTP_REQ_DELETE:	return "DELETE";
	case EVHTTP_REQ_PATCH:	return "PATCH";
	case EVHTTP_REQ_HEAD:	return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	default:		return "OTHER";
	}
}

static const char *
status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default:  return "Status";
	}
}

/*
 * Match path segments against a pattern; ":name" segments capture ids of
 * [A-Za-z0-9-]+ only, so anything else falls through to 404 as the spec says.
 */
static bool
route_match(const char *pattern, const char *path, struct request *req)
{
	const char *p = pattern, *s = path;
	size_t nparams = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p != '/' || *s != '/')
			return false;
		p++, s++;
		const char *pend = strchrnul(p, '/');
		const char *send = strchrnul(s, '/');
		if (*p == ':') {
			char *value = xstrndup(s, (size_t)(send - s));
			if (!is_valid_id(value) || nparams == ROUTE_MAX_PARAMS) {
				free(value);
				return false;
			}
			if (req != NULL) {
				req->param_names[nparams] = p + 1;
				req->param_values[nparams] = value;
			} else
				free(value);
			nparams++;
		} else if ((size_t)(pend - p) != (size_t)(send - s) ||
		    strncmp(p, s, (size_t)(pend - p)) != 0)
			return false;
		p = pend;
		s = send;
	}
	return *p == '\0' && *s == '\0';
}

const char *
request_param(struct request *req, const char *name)
{
	size_t i, len;

	for (i = 0; i < ROUTE_MAX_PARAMS && req->param_names[i] != NULL; i++) {
		len = strcspn(req->param_names[i], "/");
		if (strlen(name) == len &&
		    strncmp(req->param_names[i], name, len) == 0)
			return req->param_values[i];
	}
	return NULL;
}

char *
request_query(struct request *req, const char *name)
{
	struct evkeyvalq args;
	const char *v;
	char *copy = NULL;

	if (req->query == NULL)
		return NULL;
	TAILQ_INIT(&args);
	if (evhttp_parse_query_str(req->query, &args) != 0) {
		evhttp_clear_headers(&args);
		return NULL;
	}
	if ((v = evhttp_find_header(&args, name)) != NULL)
		copy = xstrdup(v);
	evhttp_clear_headers(&args);
	return copy;
}

const char *
request_header(struct request *req, const char *name)
{
	if (req->ev == NULL)
		return NULL;
	return evhttp_find_header(evhttp_request_get_input_headers(req->ev), name);
}

bool
request_is_gone(struct request *req)
{
	struct evhttp_connection *conn;
	struct bufferevent *bev;
	ssize_t n;
	char c;
	int fd;

	if (req->ev == NULL ||
	    (conn = evhttp_request_get_connection(req->ev)) == NULL)
		return true;
	/* While a reply is held libevent does not read the connection, so it
	 * never sees the peer's EOF: peek at the socket. */
	if ((bev = evhttp_connection_get_bufferevent(conn)) == NULL ||
	    (fd = bufferevent_getfd(bev)) == -1)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

json_t *
request_object(struct request *req)
{
	if (req->json == NULL || !json_is_object(req->json)) {
		reply_error(req, 400, "Request body must be a JSON object");
		return NULL;
	}
	return req->json;
}

void
reply_add_header(struct request *req, const char *name, const char *value)
{
	if (req->ev != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req->ev),
		    name, value);
}

void
reply_raw(struct request *req, int status, const char *content_type,
    const void *data, size_t len)
{
	struct evbuffer *buf;

	if (req->ev != NULL) {
		buf = evbuffer_new();
		evbuffer_add(buf, data, len);
		evhttp_add_header(evhttp_request_get_output_headers(req->ev),
		    "Content-Type", content_type);
		evhttp_send_reply(req->ev, status, status_reason(status), buf);
		evbuffer_free(buf);
	}
	log_debug("%s %s -> %d (%lld us)", req->method, req->path, status,
	    (long long)(monotonic_us() - req->started_us));
	request_free(req);
}

void
reply_json(struct request *req, int status, json_t *body)
{
	char *text;

	text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (text == NULL) {
		log_error("reply_json: cannot encode a reply for %s", req->path);
		text = xstrdup("{\"error\":\"Internal server error\"}");
		status = 500;
	}
	reply_raw(req, status, "application/json", text, strlen(text));
	free(text);
}

void
reply_error(struct request *req, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	reply_json(req, status, json_pack("{s:s}", "error", msg));
	free(msg);
}

void
reply_success(struct request *req)
{
	reply_json(req, 200, json_pack("{s:b}", "success", 1));
}

static void
stream_closed(struct evhttp_connection *conn, void *arg)
{
	struct stream_ctx *ctx = arg;
	struct request *req = ctx->req;

	/* Once: freeing the connection below must not call us again. */
	evhttp_connection_set_closecb(conn, NULL, NULL);
	if (ctx->on_close != NULL)
		ctx->on_close(req, ctx->arg);
	/* The request was detached from the dying connection; end frees it.
	 * One that stream_end() finished is libevent's (req->ev is NULL). */
	if (req->ev != NULL)
		evhttp_send_reply_end(req->ev);
	req->ev = NULL;
	request_free(req);
	free(ctx);
}

void
stream_start(struct request *req, void (*on_close)(struct request *, void *),
    void *arg)
{
	struct stream_ctx *ctx = xcalloc(1, sizeof *ctx);
	struct evhttp_connection *conn;

	ctx->req = req;
	ctx->on_close = on_close;
	ctx->arg = arg;
	req->streaming = true;
	evhttp_add_header(evhttp_request_get_output_headers(req->ev),
	    "Content-Type", "application/x-ndjson");
	evhttp_send_reply_start(req->ev, 200, "OK");
	conn = evhttp_request_get_connection(req->ev);
	evhttp_connection_set_closecb(conn, stream_closed, ctx);
}

void
stream_send(struct request *req, const char *data, size_t len)
{
	struct evbuffer *buf;

	if (req->ev == NULL || evhttp_request_get_connection(req->ev) == NULL)
		return;
	buf = evbuffer_new();
	evbuffer_add(buf, data, len);
	evhttp_send_reply_chunk(req->ev, buf);
	evbuffer_free(buf);
}

size_t
stream_pending(struct request *req)
{
	struct evhttp_connection *conn;
	struct bufferevent *bev;

	if (req->ev == NULL ||
	    (conn = evhttp_request_get_connection(req->ev)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(conn)) == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(bev));
}

void
stream_end(struct request *req)
{
	struct evhttp_connection *conn;

	if (req->ev != NULL &&
	    (conn = evhttp_request_get_connection(req->ev)) != NULL) {
		/* The close callback frees the request when the peer goes. */
		evhttp_send_reply_end(req->ev);
		evhttp_connection_free_on_completion(conn);
	}
	/* libevent frees its request once the end is sent: no more use. */
	req->ev = NULL;
}

static void
read_peer_cred(struct request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req->ev);
	struct bufferevent *bev;
	struct ucred cred;
	socklen_t len = sizeof cred;
	int fd;

	if (conn == NULL || (bev = evhttp_connection_get_bufferevent(conn)) == NULL)
		return;
	if ((fd = bufferevent_getfd(bev)) == -1)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		req->peer.valid = true;
		req->peer.pid = cred.pid;
		req->peer.uid = cred.uid;
		req->peer.gid = cred.gid;
	}
}

static size_t
body_limit(int flags)
{
	if (flags & ROUTE_UPLOAD)
		return BODY_LIMIT_UPLOAD;
	if (flags & ROUTE_BODY_8M)
		return BODY_LIMIT_HOOK;
	return BODY_LIMIT_DEFAULT;
}

static void
dispatch(struct request *req)
{
	const struct route *const *table;
	const struct route *r, *found = NULL;
	bool path_known = false;

	/* auth.md §6.10: the CLI's reset routes do not exist for the web. */
	if (req->listener == LISTENER_WEB &&
	    strncmp(req->path, "/auth/cli/", 10) == 0) {
		reply_error(req, 404, "Not found");
		return;
	}
	for (table = routes_all(); *table != NULL && found == NULL; table++) {
		for (r = *table; r->method != NULL; r++) {
			if (!route_match(r->pattern, req->path, NULL))
				continue;
			path_known = true;
			if (strcmp(r->method, req->method) == 0) {
				found = r;
				break;
			}
		}
	}
	if (found == NULL) {
		if (path_known)
			reply_error(req, 405, "Method %s not allowed for %s",
			    req->method, req->path);
		else
			reply_error(req, 404, "Not found: %s", req->path);
		return;
	}
	route_match(found->pattern, req->path, req);
	req->route = found;

	if (req->listener == LISTENER_WEB) {
		if (found->flags & ROUTE_CLI_ONLY) {
			reply_error(req, 403,
			    "This endpoint is only available on the local CLI socket");
			return;
		}
		if (web_gate != NULL && web_gate(req) != 0)
			return;
	} else if (identity_check != NULL && identity_check(req) != 0)
		return;

	if (req->body_len > body_limit(found->flags)) {
		if (found->flags & ROUTE_UPLOAD)
			reply_error(req, 413, "Upload too large (max 10MB)");
		else
			reply_error(req, 413, "Request too large");
		return;
	}
	if (found->flags & ROUTE_JSON) {
		json_error_t err;
		req->json = json_loadb(req->body, req->body_len,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		if (req->json == NULL) {
			reply_error(req, 400, "Invalid JSON in request body");
			return;
		}
	}
	found->handler(req);
}

static void
on_request(struct evhttp_request *ev, void *arg)
{
	struct listener_ctx *lctx = arg;
	struct request *req = xcalloc(1, sizeof *req);
	const char *uri = evhttp_request_get_uri(ev);
	const char *q;
	struct evbuffer *input;
	char *raw_path;

	req->started_us = monotonic_us();
	req->ev = ev;
	req->listener = lctx->kind;
	req->method = method_name(evhttp_request_get_command(ev));
	if ((q = strchr(uri, '?')) != NULL) {
		raw_path = xstrndup(uri, (size_t)(q - uri));
		req->query = xstrdup(q + 1);
	} else
		raw_path = xstrdup(uri);
	req->path = evhttp_uridecode(raw_path, 0, NULL);
	free(raw_path);
	if (req->path == NULL)
		req->path = xstrdup("/");
	/* "/sessions/" and "/sessions" are the same resource. */
	for (size_t n = strlen(req->path); n > 1 && req->path[n - 1] == '/'; n--)
		req->path[n - 1] = '\0';

	input = evhttp_request_get_input_buffer(ev);
	req->body_len = evbuffer_get_length(input);
	req->body = xmalloc(req->body_len + 1);
	evbuffer_remove(input, req->body, req->body_len);
	req->body[req->body_len] = '\0';
	if (lctx->kind == LISTENER_CLI)
		read_peer_cred(req);
	dispatch(req);
}

struct httpd *
httpd_new(struct event_base *base)
{
	struct httpd *httpd = xcalloc(1, sizeof *httpd);

	httpd->base = base;
	return httpd;
}

void
httpd_free(struct httpd *httpd)
{
	size_t i;

	for (i = 0; i < httpd->nlisteners; i++) {
		struct listener_ctx *l = httpd->listeners[i];
		evhttp_free(l->http);
		unlink(l->path);
		free(l->path);
		free(l);
	}
	free(httpd);
}

bool
httpd_socket_in_use(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;
	bool live;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	strncpy(sun.sun_path, path, sizeof sun.sun_path - 1);
	live = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return live;
}

int
httpd_listen_unix(struct httpd *httpd, const char *path, enum listener_kind kind,
    char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct listener_ctx *l;
	struct evconnlistener *listener;
	mode_t old_umask;
	int fd;

	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "socket path too long: %s", path);
		return -1;
	}
	if (httpd->nlisteners == sizeof httpd->listeners / sizeof httpd->listeners[0])
		BUG("too many listeners");
	if (httpd_socket_in_use(path)) {
		xasprintf(cause, "another daemon is already listening on %s", path);
		return -1;
	}
	unlink(path);	/* stale socket file from a daemon that died */
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		goto fail;
	/* The socket is born 0600: nobody else may ever connect, not even briefly. */
	old_umask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old_umask);
		close(fd);
		goto fail;
	}
	umask(old_umask);
	chmod(path, 0600);
	if (listen(fd, 128) == -1) {
		close(fd);
		goto fail;
	}
	listener = evconnlistener_new(httpd->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (listener == NULL) {
		close(fd);
		goto fail;
	}
	l = xcalloc(1, sizeof *l);
	l->httpd = httpd;
	l->kind = kind;
	l->path = xstrdup(path);
	l->http = evhttp_new(httpd->base);
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(l->http, BODY_LIMIT_UPLOAD + 1);
	evhttp_set_max_headers_size(l->http, 64 * 1024);
	evhttp_set_gencb(l->http, on_request, l);
	if (evhttp_bind_listener(l->http, listener) == NULL) {
		evhttp_free(l->http);
		free(l->path);
		free(l);
		goto fail;
	}
	httpd->listeners[httpd->nlisteners++] = l;
	return 0;

fail:
	xasprintf(cause, "listening on %s: %s", path, strerror(errno));
	return -1;
}
