/*
 * agentd's HTTP/1.1 + JSON server on its Unix-socket listeners, and the
 * router. Two kinds of listener: the CLI socket (trusted by file permission)
 * and the web socket (behind codepiper-fcgi and codepiper-ws: every request
 * is web traffic). Which listener a request came in on decides its trust;
 * no header can change that.
 *
 * A handler receives a struct request and must, now or later, answer it with
 * exactly one reply_*() call (or start a stream). The request and everything
 * hanging off it are freed by the reply. A handler that answers later keeps
 * the pointer; request_is_gone() tells it the client hung up meanwhile (the
 * reply must still be called, to free it).
 */
#ifndef CODEPIPER_HTTPD_H
#define CODEPIPER_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

enum listener_kind {
	LISTENER_CLI,
	LISTENER_WEB,
};

#define ROUTE_PUBLIC	0x01	/* web: no sign-in needed */
#define ROUTE_CLI_ONLY	0x02	/* refused on the web listener */
#define ROUTE_JSON	0x04	/* body must be valid JSON (req->json) */
#define ROUTE_BODY_8M	0x08	/* hooks: payloads can be large */
#define ROUTE_UPLOAD	0x10	/* 10 MiB + 1 KiB uploads */
#define ROUTE_AGENT_OK	0x20	/* agents may call it, for their own session */
#define ROUTE_STREAM	0x40	/* long-lived streaming response */

#define ROUTE_MAX_PARAMS 4

struct request;
typedef void (*route_handler)(struct request *req);

struct route {
	const char	*method;	/* "GET", "POST", ... */
	const char	*pattern;	/* "/sessions/:id/send" */
	route_handler	 handler;
	int		 flags;
};

struct peer_cred {
	bool	valid;
	pid_t	pid;
	uid_t	uid;
	gid_t	gid;
};

struct request {
	struct evhttp_request	*ev;
	enum listener_kind	 listener;
	const char		*method;
	char			*path;		/* decoded, no query */
	char			*query;		/* raw query or NULL */
	char			*body;		/* NUL-terminated copy */
	size_t			 body_len;
	json_t			*json;		/* with ROUTE_JSON */
	const struct route	*route;
	const char		*param_names[ROUTE_MAX_PARAMS];
	char			*param_values[ROUTE_MAX_PARAMS];
	struct peer_cred	 peer;
	/* Set by the caller-identity check: the session an agent peer belongs to. */
	char			*agent_session_id;
	/* Set by the web gate: the signed-in auth session's id. */
	char			*auth_session_id;
	int64_t			 started_us;
	bool			 streaming;
};

struct httpd;

/* Create the server; routes are looked up in routes_all() (routes.h). */
struct httpd	*httpd_new(struct event_base *base);
void		 httpd_free(struct httpd *httpd);
/* Is a live daemon answering on this socket path? */
bool		 httpd_socket_in_use(const char *path);
/* Bind a Unix socket listener at path (mode 0600). A live peer already
 * listening there is an error; a stale socket file is replaced. */
int		 httpd_listen_unix(struct httpd *httpd, const char *path,
		     enum listener_kind kind, char **cause);

/*
 * Hooks other modules install. The web gate runs before every web request
 * that reaches a route; it returns 0 to continue or replies itself and
 * returns -1. The identity check runs for every CLI request with peer
 * credentials (agents' processes are restricted); same contract.
 */
void		 httpd_set_web_gate(int (*gate)(struct request *req));
void		 httpd_set_identity_check(int (*check)(struct request *req));

/* Request accessors. */
const char	*request_param(struct request *req, const char *name);
/* Query parameter, decoded; the caller frees. NULL when absent. */
char		*request_query(struct request *req, const char *name);
const char	*request_header(struct request *req, const char *name);
bool		 request_is_gone(struct request *req);
/* The body must be a JSON object: replies 400 and returns NULL otherwise. */
json_t		*request_object(struct request *req);

/* Replies: each frees the request. reply_json steals body. */
void		 reply_json(struct request *req, int status, json_t *body);
void		 reply_error(struct request *req, int status, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
void		 reply_success(struct request *req);	/* {"success":true} */
void		 reply_raw(struct request *req, int status, const char *content_type,
		     const void *data, size_t len);
void		 reply_add_header(struct request *req, const char *name,
		     const char *value);

/* Streams: newline-delimited JSON, chunked. */
void		 stream_start(struct request *req,
		     void (*on_close)(struct request *req, void *arg), void *arg);
void		 stream_send(struct request *req, const char *data, size_t len);
void		 stream_end(struct request *req);
/* Bytes of the stream the peer has not read yet (the connection's output
 * buffer): how far behind a slow client is. */
size_t		 stream_pending(struct request *req);

#endif
