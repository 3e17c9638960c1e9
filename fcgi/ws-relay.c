/*
 * The relay of codepiper-ws (ws-relay.h): libwebsockets callbacks for the
 * browser side (protocol "codepiper-ws") and for the HTTP client
 * connections to agentd (protocol "codepiper-agentd").
 *
 * A struct conn is one browser connection, the opaque user data of its
 * wsi. Its client connections to agentd (the stream, and the POST in
 * flight) are lws children of the browser's wsi, so lws closes them first
 * when the browser goes; the conn is freed when the browser's wsi is
 * destroyed.
 */
#include "ws-relay.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <jansson.h>

#include "unix-http.h"
#include "xmalloc.h"

/* A line from agentd longer than this is a protocol error (a snapshot of a
 * 1000x1000 screen with colours fits). */
#define RELAY_LINE_MAX		(16 * 1024 * 1024)
/* What lws hands us per read of agentd's stream. */
#define RELAY_READ_CHUNK	(64 * 1024)
#define RELAY_MAX_HEADERS	12
/* RFC 6455's registry; lws 4.1 has no name for it. */
#define CLOSE_TRY_AGAIN_LATER	1013

struct message {
	STAILQ_ENTRY(message)	 entry;
	size_t			 len;
	unsigned char		 buf[];	/* LWS_PRE bytes of headroom, the data */
};
STAILQ_HEAD(message_list, message);

struct header {
	const char	*name;		/* static, "Cookie" */
	char		*value;
};

struct conn {
	struct lws		*wsi;		/* the browser's WebSocket */
	struct lws_context	*context;
	/* Connections to agentd are made from here, never from inside a
	 * callback that is parsing input: lws builds a client's request in
	 * the buffer it is parsing from. */
	lws_sorted_usec_list_t	 kick;
	bool			 stream_requested;
	struct lws		*stream_wsi;	/* GET /stream */
	struct lws		*post_wsi;	/* the POST in flight */
	LIST_ENTRY(conn)	 entry;
	char			 stream_id[64];
	char			 post_path[96];
	char			*client_addr;	/* nginx's X-CodePiper-Client-Addr */
	/* Forwarded to GET /stream; freed once it is open. */
	struct header		 headers[RELAY_MAX_HEADERS];
	size_t			 nheaders;
	/* agentd -> browser */
	struct message_list	 out;
	size_t			 out_bytes;
	bool			 stream_paused;
	char			*line;
	size_t			 line_len, line_cap;
	/* browser -> agentd */
	struct message_list	 in;
	int			 in_count;
	bool			 browser_paused;
	bool			 post_completed;
	int			 post_status;
	unsigned char		*rx;
	size_t			 rx_len, rx_cap;
	bool			 rx_too_large;
	/* Closing: flush what is queued, then close with this. */
	bool			 closing;
	int			 close_code;
	char			 close_reason[124];
};

/*
 * Which of a conn's client connections a wsi is: its lws opaque user data
 * points at one of these (a browser wsi's points at its conn).
 */
enum client_kind {
	CLIENT_NONE,
	CLIENT_STREAM,
	CLIENT_POST,
};
static const enum client_kind client_stream = CLIENT_STREAM;
static const enum client_kind client_post = CLIENT_POST;

static enum client_kind
kind_of(struct lws *wsi)
{
	const void *tag = lws_get_opaque_user_data(wsi);

	return tag == &client_stream ? CLIENT_STREAM : tag == &client_post ?
	    CLIENT_POST : CLIENT_NONE;
}

static char *backend_address;		/* "+/path" for lws */
static struct unix_http_conn *auth_backend;
static LIST_HEAD(, conn) conns = LIST_HEAD_INITIALIZER(conns);
static int nconns;

/* Our HTTP connections to agentd are quiet for long stretches: no idle
 * rules for them (the browser side has its pings, set on the vhost). */
static const lws_retry_bo_t client_policy = { 0 };

/* Request headers that describe the browser, relayed to agentd. */
static const struct {
	const char		*name;
	int			 token;		/* -1: a custom header */
	const char		*custom;	/* lws's lowercase "name:" */
} forwarded[] = {
	{ "Cookie", WSI_TOKEN_HTTP_COOKIE, NULL },
	{ "Authorization", WSI_TOKEN_HTTP_AUTHORIZATION, NULL },
	{ "Origin", WSI_TOKEN_ORIGIN, NULL },
	{ "User-Agent", WSI_TOKEN_HTTP_USER_AGENT, NULL },
	{ "X-Forwarded-For", WSI_TOKEN_X_FORWARDED_FOR, NULL },
	{ "X-CodePiper-Client-Addr", -1, "x-codepiper-client-addr:" },
	{ "X-CodePiper-Scheme", -1, "x-codepiper-scheme:" },
	{ "X-Forwarded-Proto", -1, "x-forwarded-proto:" },
	{ "X-Real-IP", -1, "x-real-ip:" },
	{ "Forwarded", -1, "forwarded:" },
};
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])

/* ---- helpers --------------------------------------------------------- */

/* One line per failure, naming the stream; never a header or a message. */
static void __attribute__((format(printf, 2, 3)))
log_conn(const struct conn *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "codepiper-ws: stream %.8s: ", c->stream_id[0] != '\0' ?
	    c->stream_id : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A header's value (all fragments), or NULL; the caller frees. */
static char *
header_value(struct lws *wsi, size_t i)
{
	char *value;
	int len;

	if (forwarded[i].token >= 0)
		len = lws_hdr_total_length(wsi,
		    (enum lws_token_indexes)forwarded[i].token);
	else
		len = lws_hdr_custom_length(wsi, forwarded[i].custom,
		    (int)strlen(forwarded[i].custom));
	if (len <= 0 || len > UNIX_HTTP_MAX_FIELD_VALUE)
		return NULL;
	value = xmalloc((size_t)len + 1);
	if (forwarded[i].token >= 0)
		len = lws_hdr_copy(wsi, value, len + 1,
		    (enum lws_token_indexes)forwarded[i].token);
	else
		len = lws_hdr_custom_copy(wsi, value, len + 1,
		    forwarded[i].custom, (int)strlen(forwarded[i].custom));
	if (len <= 0 || strpbrk(value, "\r\n") != NULL) {
		free(value);
		return NULL;
	}
	return value;
}

/* The forwarded headers of the request on wsi; returns how many. */
static size_t
collect_headers(struct lws *wsi, struct header *out)
{
	size_t i, n = 0;
	char *value;

	for (i = 0; i < NFORWARDED && n < RELAY_MAX_HEADERS; i++) {
		if ((value = header_value(wsi, i)) == NULL)
			continue;
		out[n].name = forwarded[i].name;
		out[n].value = value;
		n++;
	}
	return n;
}

static void
headers_free(struct header *headers, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		/* The Cookie is a credential: do not leave it in freed memory. */
		memset(headers[i].value, 0, strlen(headers[i].value));
		free(headers[i].value);
	}
	*n = 0;
}

static struct message *
message_new(const void *data, size_t len)
{
	struct message *m = xmalloc(sizeof *m + LWS_PRE + len);

	m->len = len;
	memcpy(m->buf + LWS_PRE, data, len);
	return m;
}

static void
messages_free(struct message_list *list)
{
	struct message *m;

	while ((m = STAILQ_FIRST(list)) != NULL) {
		STAILQ_REMOVE_HEAD(list, entry);
		free(m);
	}
}

/* ---- the upgrade check ----------------------------------------------- */

/* An HTTP answer of our own on a connection that will not be upgraded. */
static int
respond(struct lws *wsi, unsigned int status, const char *content_type,
    const char *body)
{
	size_t len = strlen(body);
	unsigned char *buf = xmalloc(LWS_PRE + 1024 + len);
	unsigned char *start = buf + LWS_PRE, *p = start, *end = start + 1024;

	if (lws_add_http_common_headers(wsi, status | LWSAHH_FLAG_NO_SERVER_NAME,
	    content_type, len, &p, end) != 0 ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)
	    "cache-control:", (const unsigned char *)"no-store", 8, &p, end) != 0 ||
	    lws_finalize_write_http_header(wsi, start, &p, end) != 0) {
		free(buf);
		return -1;
	}
	memcpy(start, body, len);
	if (lws_write(wsi, start, len, LWS_WRITE_HTTP_FINAL) != (int)len) {
		free(buf);
		return -1;
	}
	free(buf);
	return 1;
}

/*
 * Ask agentd whether this upgrade may proceed (websocket.md §2: Origin,
 * then the session). 0 when allowed; otherwise *status and *body (the
 * caller frees) are the answer for the browser.
 */
static int
authorize(struct lws *wsi, unsigned int *status, char **body)
{
	struct unix_http_header headers[RELAY_MAX_HEADERS + 1];
	struct unix_http_response response;
	struct header collected[RELAY_MAX_HEADERS];
	char *cause = NULL, host[256];
	size_t i, n, ncollected;
	int rc;

	n = ncollected = collect_headers(wsi, collected);
	for (i = 0; i < n; i++) {
		headers[i].name = collected[i].name;
		headers[i].value = collected[i].value;
	}
	if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0 &&
	    strpbrk(host, "\r\n") == NULL) {
		headers[n].name = "Host";
		headers[n].value = host;
		n++;
	}
	rc = unix_http_request(auth_backend, "POST", "/internal/ws-authorize",
	    headers, n, NULL, 0, RELAY_AUTH_TIMEOUT_MS, &response, &cause);
	/* The check changes nothing: safe to repeat on a fresh connection. */
	if (rc == UNIX_HTTP_EUNSENT || rc == UNIX_HTTP_ENORESPONSE) {
		free(cause);
		cause = NULL;
		rc = unix_http_request(auth_backend, "POST",
		    "/internal/ws-authorize", headers, n, NULL, 0,
		    RELAY_AUTH_TIMEOUT_MS, &response, &cause);
	}
	headers_free(collected, &ncollected);

	if (rc != UNIX_HTTP_OK) {
		fprintf(stderr, "codepiper-ws: upgrade check: %s: %s\n",
		    unix_http_result_name(rc), cause != NULL ? cause : "");
		*status = rc == UNIX_HTTP_ETIMEOUT ? 504 : 502;
		*body = xstrdup("{\"error\":\"CodePiper daemon is not reachable\"}");
		rc = -1;
	} else if (response.status == 200)
		rc = 0;
	else if (response.status == 401 || response.status == 403 ||
	    response.status == 429) {
		*status = (unsigned int)response.status;
		*body = xstrdup(response.body_len > 0 && response.body[0] == '{' ?
		    response.body : response.status == 401 ?
		    "{\"error\":\"Authentication required\"}" :
		    "{\"error\":\"Forbidden\"}");
		rc = -1;
	} else {
		fprintf(stderr, "codepiper-ws: upgrade check: agentd answered "
		    "%d\n", response.status);
		*status = 502;
		*body = xstrdup("{\"error\":\"CodePiper daemon refused the "
		    "WebSocket check\"}");
		rc = -1;
	}
	unix_http_response_free(&response);
	free(cause);
	return rc;
}

static bool
is_ws_path(struct lws *wsi)
{
	char uri[16];

	return lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) > 0 &&
	    strcmp(uri, "/ws") == 0;
}

static int
confirm_upgrade(struct lws *wsi)
{
	unsigned int status;
	char *body;
	int rc;

	if (!is_ws_path(wsi))
		return respond(wsi, 400, "text/plain",
		    "WebSocket endpoint only - use /ws");
	if (authorize(wsi, &status, &body) == 0)
		return 0;
	rc = respond(wsi, status, "application/json", body);
	free(body);
	return rc;
}

/* A request that is not an upgrade: the same checks, then 400. */
static int
plain_http(struct lws *wsi)
{
	unsigned int status;
	char *body;
	int rc;

	if (!is_ws_path(wsi))
		rc = respond(wsi, 400, "text/plain",
		    "WebSocket endpoint only - use /ws");
	else if (authorize(wsi, &status, &body) != 0) {
		rc = respond(wsi, status, "application/json", body);
		free(body);
	} else
		rc = respond(wsi, 400, "text/plain", "WebSocket upgrade failed");
	if (rc < 0 || lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}

/* ---- connections ----------------------------------------------------- */

static struct conn *
conn_new(struct lws *wsi)
{
	struct conn *c = xcalloc(1, sizeof *c);
	size_t i;

	STAILQ_INIT(&c->out);
	STAILQ_INIT(&c->in);
	c->nheaders = collect_headers(wsi, c->headers);
	for (i = 0; i < c->nheaders; i++) {
		if (strcmp(c->headers[i].name, "X-CodePiper-Client-Addr") == 0)
			c->client_addr = xstrdup(c->headers[i].value);
	}
	LIST_INSERT_HEAD(&conns, c, entry);
	nconns++;
	return c;
}

static void
conn_free(struct conn *c)
{
	lws_sul_cancel(&c->kick);
	LIST_REMOVE(c, entry);
	nconns--;
	headers_free(c->headers, &c->nheaders);
	messages_free(&c->out);
	messages_free(&c->in);
	free(c->client_addr);
	free(c->line);
	free(c->rx);
	free(c);
}

/* Send what is queued to the browser, then close it with code. */
static void
conn_close(struct conn *c, int code, const char *reason)
{
	if (c->closing || c->wsi == NULL)
		return;
	c->closing = true;
	c->close_code = code;
	snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
	lws_callback_on_writable(c->wsi);
}

int
relay_connection_count(void)
{
	return nconns;
}

void
relay_shutdown_connections(void)
{
	struct conn *c;

	LIST_FOREACH(c, &conns, entry)
		conn_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "Server shutting down");
}

static struct lws *
client_connect(struct conn *c, const char *method, const char *path,
    enum client_kind kind)
{
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof info);
	info.context = lws_get_context(c->wsi);
	info.address = backend_address;
	info.port = 0;
	info.path = path;
	info.host = "localhost";
	info.method = method;
	info.local_protocol_name = relay_protocols[1].name;
	info.parent_wsi = c->wsi;
	info.userdata = c;
	info.opaque_user_data = (void *)(kind == CLIENT_STREAM ? &client_stream :
	    &client_post);
	info.retry_and_idle_policy = &client_policy;
	return lws_client_connect_via_info(&info);
}

/* Open the stream, then send the next browser message to agentd: one at
 * a time, in order. */
static void
conn_work(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, kick);

	if (c->closing || c->wsi == NULL)
		return;
	if (!c->stream_requested) {
		c->stream_requested = true;
		c->stream_wsi = client_connect(c, "GET", "/stream",
		    CLIENT_STREAM);
		if (c->stream_wsi == NULL) {
			log_conn(c, "cannot connect to agentd");
			conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
			    "Server unavailable");
		}
		return;
	}
	if (c->post_wsi != NULL || c->stream_id[0] == '\0' ||
	    STAILQ_EMPTY(&c->in))
		return;
	c->post_completed = false;
	c->post_status = 0;
	c->post_wsi = client_connect(c, "POST", c->post_path, CLIENT_POST);
	if (c->post_wsi == NULL) {
		log_conn(c, "cannot connect to agentd");
		conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
		    "Server unavailable");
	}
}

static void
conn_kick(struct conn *c)
{
	lws_sul_schedule(c->context, 0, &c->kick, conn_work, 1);
}

static void
queue_in(struct conn *c, const unsigned char *data, size_t len)
{
	struct message *m = message_new(data, len);

	STAILQ_INSERT_TAIL(&c->in, m, entry);
	if (++c->in_count >= RELAY_INPUT_HIGH && !c->browser_paused) {
		c->browser_paused = true;
		lws_rx_flow_control(c->wsi, 0);
	}
	if (c->post_wsi == NULL)
		conn_kick(c);
}

static void
post_finished(struct conn *c)
{
	struct message *m;

	if (!c->post_completed || c->post_status != 200) {
		log_conn(c, "agentd did not take a message (status %d)",
		    c->post_status);
		conn_close(c, c->post_status == 429 ? CLOSE_TRY_AGAIN_LATER :
		    LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, c->post_status == 429 ?
		    "Try again later" : "Server unavailable");
		return;
	}
	if ((m = STAILQ_FIRST(&c->in)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->in, entry);
		free(m);
		c->in_count--;
	}
	if (c->browser_paused && c->in_count <= RELAY_INPUT_HIGH / 2) {
		c->browser_paused = false;
		lws_rx_flow_control(c->wsi, 1);
	}
	if (!STAILQ_EMPTY(&c->in))
		conn_kick(c);
}

static void
queue_out(struct conn *c, const char *data, size_t len)
{
	struct message *m = message_new(data, len);

	STAILQ_INSERT_TAIL(&c->out, m, entry);
	c->out_bytes += len;
	if (c->out_bytes > RELAY_QUEUE_HIGH && !c->stream_paused &&
	    c->stream_wsi != NULL) {
		/* agentd sees its buffer grow and drops this client to
		 * snapshots instead of queueing without bound. */
		c->stream_paused = true;
		lws_rx_flow_control(c->stream_wsi, 0);
	}
	lws_callback_on_writable(c->wsi);
}

/* agentd's own lines: the stream id, and a close with its reason. */
static void
relay_line(struct conn *c, const char *line, size_t len)
{
	json_t *msg = json_loadb(line, len, 0, NULL);
	const char *kind = json_string_value(json_object_get(msg, "relay"));
	const char *id, *reason;
	json_int_t code;

	if (kind != NULL && strcmp(kind, "ready") == 0) {
		id = json_string_value(json_object_get(msg, "streamId"));
		if (id != NULL && strlen(id) < sizeof c->stream_id &&
		    strspn(id, "0123456789abcdef") == strlen(id)) {
			snprintf(c->stream_id, sizeof c->stream_id, "%s", id);
			snprintf(c->post_path, sizeof c->post_path,
			    "/stream/%s", id);
			/* The Cookie is not needed any more. */
			headers_free(c->headers, &c->nheaders);
			conn_kick(c);
		}
	} else if (kind != NULL && strcmp(kind, "close") == 0) {
		code = json_integer_value(json_object_get(msg, "code"));
		reason = json_string_value(json_object_get(msg, "reason"));
		conn_close(c, code >= 1000 && code < 5000 ? (int)code :
		    LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
		    reason != NULL ? reason : "");
	}
	json_decref(msg);
}

/* Bytes of agentd's stream: split into lines, each one message. */
static void
stream_data(struct conn *c, const char *data, size_t len)
{
	const char *nl;
	size_t n;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) : len;
		if (c->line_len + n > RELAY_LINE_MAX) {
			log_conn(c, "agentd sent an oversized line");
			conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
			    "Server error");
			return;
		}
		if (nl != NULL && c->line_len == 0) {
			/* The common case: a whole line in the buffer. */
			if (n > 9 && memcmp(data, "{\"relay\":", 9) == 0)
				relay_line(c, data, n);
			else if (n > 0 && !c->closing)
				queue_out(c, data, n);
		} else {
			if (c->line_len + n > c->line_cap) {
				c->line_cap = (c->line_len + n) * 2;
				c->line = xrealloc(c->line, c->line_cap);
			}
			memcpy(c->line + c->line_len, data, n);
			c->line_len += n;
			if (nl != NULL) {
				if (c->line_len > 9 &&
				    memcmp(c->line, "{\"relay\":", 9) == 0)
					relay_line(c, c->line, c->line_len);
				else if (!c->closing)
					queue_out(c, c->line, c->line_len);
				c->line_len = 0;
			}
		}
		if (nl == NULL)
			break;
		data += n + 1;
		len -= n + 1;
	}
}

/* ---- the browser side ------------------------------------------------ */

static int
browser_writeable(struct conn *c, struct lws *wsi)
{
	struct message *m;

	while ((m = STAILQ_FIRST(&c->out)) != NULL) {
		if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
		    (int)m->len)
			return -1;
		STAILQ_REMOVE_HEAD(&c->out, entry);
		c->out_bytes -= m->len;
		free(m);
		if (lws_send_pipe_choked(wsi))
			break;
	}
	if (c->stream_paused && c->out_bytes < RELAY_QUEUE_LOW &&
	    c->stream_wsi != NULL) {
		c->stream_paused = false;
		lws_rx_flow_control(c->stream_wsi, 1);
	}
	if (!STAILQ_EMPTY(&c->out)) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (c->closing) {
		lws_close_reason(wsi, (enum lws_close_status)c->close_code,
		    (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	return 0;
}

static int
browser_receive(struct conn *c, struct lws *wsi, const void *in, size_t len)
{
	bool last = lws_is_final_fragment(wsi) &&
	    lws_remaining_packet_payload(wsi) == 0;

	if (lws_is_first_fragment(wsi)) {
		c->rx_len = 0;
		c->rx_too_large = false;
	}
	/*
	 * Too large: read the rest of it without keeping it, then close
	 * with 1009 (closing with unread input would reset the connection
	 * before the browser reads why).
	 */
	if (c->rx_too_large || c->rx_len + len > RELAY_MESSAGE_MAX) {
		c->rx_too_large = true;
		if (last)
			conn_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
			    "Message too large");
		return 0;
	}
	if (c->rx_len + len > c->rx_cap) {
		/* Most messages are keystrokes: grow only as needed. */
		c->rx_cap = c->rx_len + len < 1024 ? 1024 : c->rx_len + len;
		c->rx = xrealloc(c->rx, c->rx_cap);
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (!last)
		return 0;
	if (!c->closing)
		queue_in(c, c->rx, c->rx_len);
	c->rx_len = 0;
	return 0;
}

static int	agentd_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static int
browser_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct conn *c;

	/* lws hands a client connection's first and last callbacks to the
	 * vhost's first protocol, before and after its own is bound. */
	if (kind_of(wsi) != CLIENT_NONE)
		return agentd_callback(wsi, reason, user, in, len);
	c = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(wsi);
	case LWS_CALLBACK_HTTP:
		return plain_http(wsi);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (c == NULL)
			lws_set_opaque_user_data(wsi, conn_new(wsi));
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		if (c == NULL)
			return -1;
		c->wsi = wsi;
		c->context = lws_get_context(wsi);
		conn_kick(c);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return c != NULL ? browser_receive(c, wsi, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c != NULL ? browser_writeable(c, wsi) : -1;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* The browser is leaving: lws answers its close; nothing more
		 * to send, and its streams ending is no failure. */
		if (c != NULL)
			c->closing = true;
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c != NULL) {
			lws_set_opaque_user_data(wsi, NULL);
			conn_free(c);
		}
		return 0;
	default:
		return 0;
	}
}

/* ---- the agentd side ------------------------------------------------- */


static int
append_headers(struct conn *c, struct lws *wsi, unsigned char **p,
    unsigned char *end)
{
	char name[64], length[32];
	size_t i, k;
	struct message *m;

	if (kind_of(wsi) == CLIENT_POST) {
		m = STAILQ_FIRST(&c->in);
		snprintf(length, sizeof length, "%zu", m != NULL ? m->len : 0);
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)
		    "content-type:", (const unsigned char *)"application/json",
		    16, p, end) != 0 ||
		    lws_add_http_header_by_name(wsi, (const unsigned char *)
		    "content-length:", (const unsigned char *)length,
		    (int)strlen(length), p, end) != 0)
			return -1;
		/* Who is typing, for agentd's per-client accounting. */
		if (c->client_addr != NULL && lws_add_http_header_by_name(wsi,
		    (const unsigned char *)"x-codepiper-client-addr:",
		    (const unsigned char *)c->client_addr,
		    (int)strlen(c->client_addr), p, end) != 0)
			return -1;
		lws_client_http_body_pending(wsi, 1);
		lws_callback_on_writable(wsi);
		return 0;
	}
	for (i = 0; i < c->nheaders; i++) {
		for (k = 0; c->headers[i].name[k] != '\0' && k < sizeof name - 2;
		    k++)
			name[k] = (char)tolower((unsigned char)c->headers[i].name[k]);
		name[k++] = ':';
		name[k] = '\0';
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name,
		    (unsigned char *)c->headers[i].value,
		    (int)strlen(c->headers[i].value), p, end) != 0)
			return -1;
	}
	return 0;
}

static int
post_body(struct conn *c, struct lws *wsi)
{
	struct message *m = STAILQ_FIRST(&c->in);

	if (m == NULL)
		return -1;
	if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_HTTP_FINAL) !=
	    (int)m->len)
		return -1;
	lws_client_http_body_pending(wsi, 0);
	return 0;
}

/* One of c's client connections ended (closed, failed or never made). */
static void
client_gone(struct conn *c, struct lws *wsi, const char *why)
{
	enum client_kind kind = kind_of(wsi);

	if (kind == CLIENT_STREAM) {
		if (c->stream_wsi != wsi && c->stream_wsi != NULL)
			return;
		c->stream_wsi = NULL;
		if (!c->closing && why != NULL)
			log_conn(c, "stream to agentd lost: %s", why);
		conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
		    "Server unavailable");
	} else if (kind == CLIENT_POST) {
		if (c->post_wsi != wsi && c->post_wsi != NULL)
			return;
		c->post_wsi = NULL;
		if (!c->closing)
			post_finished(c);
	}
}

static int
agentd_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	static char buf[LWS_PRE + RELAY_READ_CHUNK];
	struct conn *c = user;
	char *p;
	int n;

	if (c == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_headers(c, wsi, (unsigned char **)in,
		    (unsigned char *)*(unsigned char **)in + len);
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		return kind_of(wsi) == CLIENT_POST ? post_body(c, wsi) : 0;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		n = (int)lws_http_client_http_response(wsi);
		if (kind_of(wsi) == CLIENT_POST)
			c->post_status = n;
		else if (n != 200) {
			log_conn(c, "agentd refused the stream (status %d)", n);
			conn_close(c, n == 401 || n == 403 ?
			    LWS_CLOSE_STATUS_POLICY_VIOLATION :
			    LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, n == 401 ||
			    n == 403 ? "Authentication required" :
			    "Server unavailable");
			return -1;
		}
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		p = buf + LWS_PRE;
		n = RELAY_READ_CHUNK;
		return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (kind_of(wsi) == CLIENT_STREAM)
			stream_data(c, in, len);
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (kind_of(wsi) == CLIENT_POST)
			c->post_completed = true;
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		client_gone(c, wsi, in != NULL ? in : "connection failed");
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		client_gone(c, wsi, NULL);
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols relay_protocols[] = {
	/* The conn hangs off the wsi (opaque user data), which stays the
	 * same object through the upgrade. */
	{ "codepiper-ws", browser_callback, 0, RELAY_MESSAGE_MAX, 0, NULL, 0 },
	{ "codepiper-agentd", agentd_callback, 0, RELAY_READ_CHUNK, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

void
relay_init(const struct relay_config *c)
{
	xasprintf(&backend_address, "+%s", c->backend_path);
	auth_backend = unix_http_conn_new(c->backend_path);
}

void
relay_free(void)
{
	unix_http_conn_free(auth_backend);
	auth_backend = NULL;
	free(backend_address);
	backend_address = NULL;
}
