/*
 * A small blocking HTTP/1.1 client over a Unix stream socket: what the CLI,
 * the hook forwarder and codepiper-fcgi use to talk to agentd.
 *
 * One struct unix_http_conn is one persistent (keep-alive) connection to one
 * socket path. It is not thread-safe: give each thread its own. The
 * connection is opened lazily and reopened transparently when the previous
 * exchange left it closed or when the server closed it while it was idle, so a
 * caller can keep one conn for its whole life and never reconnect by hand.
 *
 * Every wait (connect, write, read) is bounded by the timeout_ms given to the
 * call; timeout_ms <= 0 means no limit. Request bodies are sent with
 * Content-Length; responses may use Content-Length, chunked encoding or
 * end-of-connection framing. Response sizes are bounded (headers to
 * UNIX_HTTP_MAX_HEADER_BYTES, the body to the conn's max body) so that a
 * broken server cannot make the client allocate without limit.
 *
 * Ownership: what unix_http_conn_new/unix_http_connect return is the caller's,
 * freed by unix_http_conn_free. A response filled by unix_http_request or
 * unix_http_fetch is the caller's, freed by unix_http_response_free (also
 * safe after a failed call, which leaves the response empty). Header names
 * and values, the reason phrase and the body point into storage owned by the
 * response. A *cause string is the caller's to free.
 */
#ifndef CODEPIPER_UNIX_HTTP_H
#define CODEPIPER_UNIX_HTTP_H

#include <stddef.h>

/* Largest status line plus header section accepted from a server. */
#define UNIX_HTTP_MAX_HEADER_BYTES	(64 * 1024)
/* Most header fields accepted in one response. */
#define UNIX_HTTP_MAX_HEADERS		128
/* Longest request target and header value a request may carry. */
#define UNIX_HTTP_MAX_TARGET		(64 * 1024)
#define UNIX_HTTP_MAX_FIELD_VALUE	(64 * 1024)
/* Default bound on a response body (see unix_http_conn_set_max_body). */
#define UNIX_HTTP_DEFAULT_MAX_BODY	((size_t)256 * 1024 * 1024)

/*
 * Results of unix_http_request and unix_http_fetch. The distinctions exist so
 * that a caller can decide whether a retry is safe.
 */
enum unix_http_result {
	UNIX_HTTP_OK = 0,
	/* Bad arguments (method, target or a header); nothing was sent. */
	UNIX_HTTP_EINVAL = -1,
	/*
	 * The server never read the whole request (connect failed, the write
	 * failed part-way, or the server closed with our bytes unread) and
	 * no response came: it cannot have acted on it. Safe to retry for
	 * any method.
	 */
	UNIX_HTTP_EUNSENT = -2,
	/*
	 * The request was sent but the server closed the connection before
	 * the first byte of a response. It may or may not have acted on it:
	 * retry only idempotent methods.
	 */
	UNIX_HTTP_ENORESPONSE = -3,
	/* The timeout expired. */
	UNIX_HTTP_ETIMEOUT = -4,
	/* Malformed or oversized response, or I/O error mid-response. */
	UNIX_HTTP_EPROTO = -5,
};

/* One header field. In a request both strings are borrowed from the caller. */
struct unix_http_header {
	const char	*name;
	const char	*value;
};

struct unix_http_response {
	int			 status;
	const char		*reason;	/* may be "" */
	struct unix_http_header	*headers;	/* in the order received */
	size_t			 nheaders;
	char			*body;		/* NUL-terminated, never NULL after success */
	size_t			 body_len;
	char			*storage;	/* private: backs reason and headers */
};

struct unix_http_conn;

/* A connection to path that connects on first use. Never fails. */
struct unix_http_conn	*unix_http_conn_new(const char *path);
/* A connection to path, connected now; NULL and *cause on failure. */
struct unix_http_conn	*unix_http_connect(const char *path, int timeout_ms,
			    char **cause);
void			 unix_http_conn_free(struct unix_http_conn *conn);
/* Bound on a response body; larger bodies fail with UNIX_HTTP_EPROTO. */
void			 unix_http_conn_set_max_body(struct unix_http_conn *conn,
			    size_t max_body);
/* How many times this conn has connected (a reuse counter for tests, stats). */
unsigned long		 unix_http_conn_connects(const struct unix_http_conn *conn);

/*
 * Send one request and read its response into *out. method is a token
 * ("GET"), target an origin-form request target ("/sessions?x=1", printable
 * ASCII only). headers must not contain framing fields (Content-Length,
 * Transfer-Encoding, Connection, Keep-Alive, TE, Trailer, Upgrade): the
 * client owns framing. Host defaults to "localhost" unless given. A
 * Content-Length is sent when body_len > 0 or the method is POST, PUT or
 * PATCH.
 *
 * Returns UNIX_HTTP_OK or a negative enum unix_http_result with *cause set.
 * After a failure other than UNIX_HTTP_EINVAL the socket is closed; the next
 * call reconnects. Any HTTP status is success at this level.
 */
int			 unix_http_request(struct unix_http_conn *conn,
			    const char *method, const char *target,
			    const struct unix_http_header *headers, size_t nheaders,
			    const void *body, size_t body_len, int timeout_ms,
			    struct unix_http_response *out, char **cause);

/* One-shot: connect to path, one request, close. Same contract as above. */
int			 unix_http_fetch(const char *path, const char *method,
			    const char *target, const struct unix_http_header *headers,
			    size_t nheaders, const void *body, size_t body_len,
			    int timeout_ms, struct unix_http_response *out,
			    char **cause);

/* First value of header name (case-insensitive), borrowed; NULL if absent. */
const char		*unix_http_response_header(
			    const struct unix_http_response *response,
			    const char *name);
void			 unix_http_response_free(struct unix_http_response *response);

/* A static name for a result code, for log lines. */
const char		*unix_http_result_name(int result);

#endif
