/*
 * Relay of one /api request: FastCGI params and stdin in, HTTP/1.1 to
 * agentd's web socket, the answer back as a FastCGI response.
 *
 * What goes to agentd: the method; the request target with the "/api" prefix
 * stripped (query kept); the body; a fixed list of request headers (agentd
 * decides which of the proxy headers to trust); and three headers of our own
 * that describe the connection nginx saw (client address, scheme) and a
 * request id for log correlation. A client cannot forge ours: only the
 * listed headers are copied.
 *
 * What comes back: status and every header except hop-by-hop ones (and
 * Date/Server, which nginx sets), then the security headers of auth.md §10
 * for any the daemon did not set itself, and the body.
 */
#include "fcgi-relay.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "unix-http.h"
#include "xmalloc.h"

/* Read and write the FastCGI streams in pieces of this size. */
#define STREAM_CHUNK		(64 * 1024)
/* What a relayed reason phrase may hold; otherwise we use our own. */
#define SAFE_REASON_CHARS	"abcdefghijklmnopqrstuvwxyz" \
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -'."

struct relay {
	const struct relay_config	*config;
	struct unix_http_conn		*backend;
};

/* Request headers copied to agentd, from the FastCGI param nginx sets. */
static const struct {
	const char	*param;
	const char	*name;
} forwarded_headers[] = {
	{ "CONTENT_TYPE", "Content-Type" },
	{ "HTTP_HOST", "Host" },
	{ "HTTP_COOKIE", "Cookie" },
	{ "HTTP_AUTHORIZATION", "Authorization" },
	{ "HTTP_ORIGIN", "Origin" },
	{ "HTTP_REFERER", "Referer" },
	{ "HTTP_USER_AGENT", "User-Agent" },
	{ "HTTP_ACCEPT", "Accept" },
	/* The hook endpoint's shared secret (hooks-and-policies.md). */
	{ "HTTP_X_CODEPIPER_SECRET", "X-CodePiper-Secret" },
	{ "HTTP_X_FORWARDED_FOR", "X-Forwarded-For" },
	{ "HTTP_X_FORWARDED_PROTO", "X-Forwarded-Proto" },
	{ "HTTP_X_REAL_IP", "X-Real-IP" },
	{ "HTTP_FORWARDED", "Forwarded" },
};
#define NFORWARDED (sizeof forwarded_headers / sizeof forwarded_headers[0])

/* Response headers that describe one hop, not the message (RFC 9110 7.6.1). */
static const char *const hop_by_hop_headers[] = {
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
	/* Framing and identity that this hop sets itself. */
	"Content-Length", "Status", "Date", "Server",
};

/*
 * auth.md §10, with the improvement microphone=(self) so that the
 * dashboard's voice input works. nginx.conf.template sends the same set
 * for static files.
 */
static const struct unix_http_header security_headers[] = {
	{ "Cache-Control", "no-store" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "strict-origin-when-cross-origin" },
	{ "Permissions-Policy", "geolocation=(), microphone=(self), "
	    "camera=(), payment=(), usb=()" },
	{ "Content-Security-Policy", "default-src 'self'; script-src 'self'; "
	    "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; "
	    "img-src 'self' data: blob:; "
	    "font-src 'self' data: https://fonts.gstatic.com; "
	    "connect-src 'self' ws://localhost:* wss://localhost:* "
	    "ws://127.0.0.1:* wss://127.0.0.1:*; worker-src 'self' blob:; "
	    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'" },
};
#define NSECURITY (sizeof security_headers / sizeof security_headers[0])

static atomic_ullong next_request_id;

struct relay *
relay_new(const struct relay_config *config)
{
	struct relay	*relay;

	relay = xcalloc(1, sizeof *relay);
	relay->config = config;
	relay->backend = unix_http_conn_new(config->backend_path);
	return relay;
}

void
relay_free(struct relay *relay)
{
	if (relay == NULL)
		return;
	unix_http_conn_free(relay->backend);
	free(relay);
}

static const char *
status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Unknown";
}

static void
put_string(FCGX_Stream *out, const char *s)
{
	FCGX_PutStr(s, (int)strlen(s), out);
}

static void
put_bytes(FCGX_Stream *out, const char *data, size_t len)
{
	size_t	n;

	while (len > 0) {
		n = len < STREAM_CHUNK ? len : STREAM_CHUNK;
		if (FCGX_PutStr(data, (int)n, out) != (int)n)
			return;		/* nginx went away; nothing to do */
		data += n;
		len -= n;
	}
}

static void
put_header(FCGX_Stream *out, const char *name, const char *value)
{
	put_string(out, name);
	put_string(out, ": ");
	put_string(out, value);
	put_string(out, "\r\n");
}

static void
put_status(FCGX_Stream *out, int status, const char *reason)
{
	char	line[64];

	if (reason == NULL || *reason == '\0' ||
	    strspn(reason, SAFE_REASON_CHARS) != strlen(reason))
		reason = status_reason(status);
	snprintf(line, sizeof line, "%d ", status);
	put_string(out, "Status: ");
	put_string(out, line);
	put_string(out, reason);
	put_string(out, "\r\n");
}

/* Security headers the backend did not send itself (response may be NULL). */
static void
put_security_headers(FCGX_Stream *out,
    const struct unix_http_response *response)
{
	size_t	i;

	for (i = 0; i < NSECURITY; i++) {
		if (response != NULL && unix_http_response_header(response,
		    security_headers[i].name) != NULL)
			continue;
		put_header(out, security_headers[i].name,
		    security_headers[i].value);
	}
}

/* {"error":"<message>"}, escaping what JSON requires. */
static char *
json_error_body(const char *message)
{
	size_t		 i, len = 0;
	char		*body;
	unsigned char	 c;

	body = xmalloc(strlen(message) * 6 + 16);
	len += sprintf(body + len, "{\"error\":\"");
	for (i = 0; message[i] != '\0'; i++) {
		c = (unsigned char)message[i];
		if (c == '"' || c == '\\')
			len += sprintf(body + len, "\\%c", c);
		else if (c < 0x20)
			len += sprintf(body + len, "\\u%04x", c);
		else
			body[len++] = c;
	}
	sprintf(body + len, "\"}");
	return body;
}

/*
 * Read what is left of the request body and drop it, so that nginx is not
 * still writing it when we close the connection: a reset would turn our
 * answer into nginx's 502. nginx never sends more than its
 * client_max_body_size; stop a little after ours in any case.
 */
static void
discard_input(FCGX_Request *request)
{
	char	*scratch;
	size_t	 total = 0;
	int	 n;

	scratch = xmalloc(STREAM_CHUNK);
	while (total <= RELAY_MAX_REQUEST_BODY) {
		n = FCGX_GetStr(scratch, STREAM_CHUNK, request->in);
		if (n <= 0)
			break;
		total += n;
	}
	free(scratch);
}

static void
reply_error(FCGX_Request *request, int status, const char *message)
{
	char	*body, length[32];

	discard_input(request);
	body = json_error_body(message);
	snprintf(length, sizeof length, "%zu", strlen(body));
	put_status(request->out, status, NULL);
	put_header(request->out, "Content-Type", "application/json");
	put_header(request->out, "Content-Length", length);
	put_security_headers(request->out, NULL);
	put_string(request->out, "\r\n");
	put_string(request->out, body);
	free(body);
}

static int
is_hop_by_hop(const char *name, const char *connection)
{
	size_t		 i, n, len;
	const char	*p;

	for (i = 0; i < sizeof hop_by_hop_headers / sizeof *hop_by_hop_headers;
	    i++) {
		if (strcasecmp(name, hop_by_hop_headers[i]) == 0)
			return 1;
	}
	/* Fields that the Connection header names are hop-by-hop too. */
	if (connection == NULL)
		return 0;
	len = strlen(name);
	for (p = connection; *p != '\0'; p += n) {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == len && strncasecmp(p, name, n) == 0)
			return 1;
	}
	return 0;
}

static void
reply_relayed(FCGX_Request *request, const struct unix_http_response *response,
    int is_head)
{
	const char	*connection, *name, *value;
	char		 length[32];
	size_t		 i;

	put_status(request->out, response->status, response->reason);
	connection = unix_http_response_header(response, "Connection");
	for (i = 0; i < response->nheaders; i++) {
		name = response->headers[i].name;
		if (!is_hop_by_hop(name, connection))
			put_header(request->out, name, response->headers[i].value);
	}
	put_security_headers(request->out, response);
	if (is_head) {
		value = unix_http_response_header(response, "Content-Length");
		if (value != NULL)
			put_header(request->out, "Content-Length", value);
	} else if (response->status != 204 && response->status != 304) {
		snprintf(length, sizeof length, "%zu", response->body_len);
		put_header(request->out, "Content-Length", length);
	}
	put_string(request->out, "\r\n");
	if (!is_head)
		put_bytes(request->out, response->body, response->body_len);
}

static int
is_token(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 32 || s[i] <= ' ' || s[i] >= 0x7f ||
		    strchr("\"(),/:;<=>?@[\\]{}", s[i]) != NULL)
			return 0;
	}
	return i > 0;
}

/*
 * A request header value we can forward: not empty, not too long, no
 * control characters (nginx already refuses CR and LF in fields).
 */
static int
is_field_value(const char *value)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; value[i] != '\0'; i++) {
		c = (unsigned char)value[i];
		if (i >= UNIX_HTTP_MAX_FIELD_VALUE || (c < 0x20 && c != '\t') ||
		    c == 0x7f)
			return 0;
	}
	return i > 0;
}

static int
is_idempotent(const char *method)
{
	static const char *const methods[] = {
		"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE",
	};
	size_t	i;

	for (i = 0; i < sizeof methods / sizeof *methods; i++) {
		if (strcmp(method, methods[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * The request target as the client sent it (nginx's $request_uri), with
 * bytes outside ASCII percent-encoded, as an HTTP/1.1 request line needs.
 * NULL if it holds a control character or space.
 */
static char *
request_target(FCGX_Request *request)
{
	const char		*uri, *script, *path_info, *query;
	char			*raw, *target;
	size_t			 i, len = 0;
	unsigned char		 c;

	uri = FCGX_GetParam("REQUEST_URI", request->envp);
	if (uri != NULL && *uri != '\0')
		raw = xstrdup(uri);
	else {
		script = FCGX_GetParam("SCRIPT_NAME", request->envp);
		path_info = FCGX_GetParam("PATH_INFO", request->envp);
		query = FCGX_GetParam("QUERY_STRING", request->envp);
		xasprintf(&raw, "%s%s%s%s", script != NULL ? script : "",
		    path_info != NULL ? path_info : "",
		    query != NULL && *query != '\0' ? "?" : "",
		    query != NULL ? query : "");
	}

	target = xmalloc(strlen(raw) * 3 + 1);
	for (i = 0; raw[i] != '\0'; i++) {
		c = (unsigned char)raw[i];
		if (c <= 0x20 || c == 0x7f) {
			free(raw);
			free(target);
			return NULL;
		}
		if (c > 0x7f)
			len += sprintf(target + len, "%%%02X", c);
		else
			target[len++] = c;
	}
	target[len] = '\0';
	free(raw);
	return target;
}

/*
 * Read the request body from FastCGI stdin, bounded by
 * RELAY_MAX_REQUEST_BODY. On failure *status and *message say what to
 * answer.
 */
static int
read_body(FCGX_Request *request, char **out, size_t *out_len, int *status,
    const char **message)
{
	const char		*param;
	char			*body = NULL, *end;
	size_t			 len = 0, size = 0, want;
	unsigned long long	 declared = 0;
	int			 known = 0, n;

	*out = NULL;
	*out_len = 0;
	param = FCGX_GetParam("CONTENT_LENGTH", request->envp);
	if (param != NULL && *param != '\0') {
		errno = 0;
		declared = strtoull(param, &end, 10);
		if (*param < '0' || *param > '9' || *end != '\0' ||
		    errno != 0) {
			*status = 400;
			*message = "Invalid Content-Length";
			return -1;
		}
		if (declared > RELAY_MAX_REQUEST_BODY) {
			*status = 413;
			*message = "Request too large";
			return -1;
		}
		known = 1;
		size = declared;
		body = xmalloc(size + 1);
	}

	for (;;) {
		if (known && len == declared)
			break;
		if (!known && len == size) {
			if (size == RELAY_MAX_REQUEST_BODY + 1)
				goto too_large;
			/* Most bodies of unknown length are empty GETs. */
			size = size == 0 ? 4096 : size * 2;
			if (size > RELAY_MAX_REQUEST_BODY + 1)
				size = RELAY_MAX_REQUEST_BODY + 1;
			body = xrealloc(body, size + 1);
		}
		want = size - len < STREAM_CHUNK ? size - len : STREAM_CHUNK;
		n = FCGX_GetStr(body + len, (int)want, request->in);
		if (n <= 0)
			break;
		len += n;
	}
	if (!known && len > RELAY_MAX_REQUEST_BODY)
		goto too_large;
	if (known && len != declared) {
		free(body);
		*status = 400;
		*message = "Incomplete request body";
		return -1;
	}
	*out = body;
	*out_len = len;
	return 0;

too_large:
	free(body);
	*status = 413;
	*message = "Request too large";
	return -1;
}

/* Request headers for agentd; values borrowed from params or storage. */
static size_t
build_headers(FCGX_Request *request, struct unix_http_header *headers,
    char *client_addr, size_t client_addr_size, char *request_id,
    size_t request_id_size, unsigned long long id)
{
	const char	*value, *https;
	size_t		 i, n = 0;

	for (i = 0; i < NFORWARDED; i++) {
		value = FCGX_GetParam(forwarded_headers[i].param, request->envp);
		if (value == NULL || !is_field_value(value))
			continue;
		headers[n].name = forwarded_headers[i].name;
		headers[n].value = value;
		n++;
	}

	value = FCGX_GetParam("REMOTE_ADDR", request->envp);
	snprintf(client_addr, client_addr_size, "%s",
	    value != NULL && strspn(value, "0123456789abcdefABCDEF.:") ==
	    strlen(value) && *value != '\0' ? value : "unknown");
	headers[n].name = "X-CodePiper-Client-Addr";
	headers[n].value = client_addr;
	n++;

	https = FCGX_GetParam("HTTPS", request->envp);
	headers[n].name = "X-CodePiper-Scheme";
	headers[n].value = https != NULL && strcasecmp(https, "on") == 0 ?
	    "https" : "http";
	n++;

	snprintf(request_id, request_id_size, "%llu", id);
	headers[n].name = "X-CodePiper-Request-Id";
	headers[n].value = request_id;
	n++;
	return n;
}

/* Log line: never the query, body, cookies or other headers. */
static void
log_failure(unsigned long long id, const char *method, const char *target,
    int result, const char *cause)
{
	size_t	path_len = strcspn(target, "?");

	fprintf(stderr, "codepiper-fcgi: request %llu: %s %.*s: %s: %s\n", id,
	    method, (int)(path_len > 200 ? 200 : path_len), target,
	    unix_http_result_name(result), cause != NULL ? cause : "");
}

void
relay_handle(struct relay *relay, FCGX_Request *request)
{
	struct unix_http_header		 headers[NFORWARDED + 3];
	struct unix_http_response	 response;
	const char			*method, *api_path, *message;
	char				*target = NULL, *body = NULL, *cause = NULL;
	char				*not_found;
	char				 client_addr[64], request_id[32];
	size_t				 body_len, nheaders;
	unsigned long long		 id;
	int				 status, rc;

	id = atomic_fetch_add(&next_request_id, 1) + 1;

	method = FCGX_GetParam("REQUEST_METHOD", request->envp);
	if (method == NULL || !is_token(method)) {
		reply_error(request, 400, "Invalid request method");
		return;
	}
	if ((target = request_target(request)) == NULL) {
		reply_error(request, 400, "Invalid request target");
		return;
	}
	if (strlen(target) > UNIX_HTTP_MAX_TARGET) {
		reply_error(request, 414, "Request target too long");
		free(target);
		return;
	}
	/*
	 * Strip "/api" as a plain prefix (auth.md §2): "/api/x" is "/x".
	 * "/api" alone or "/apifoo" names API path "" or "foo", which exists
	 * nowhere, and cannot be sent as an origin-form target.
	 */
	if (strncmp(target, "/api", 4) != 0 || target[4] != '/') {
		api_path = strncmp(target, "/api", 4) == 0 ? target + 4 : target;
		xasprintf(&not_found, "Not found: %.*s",
		    (int)strcspn(api_path, "?"), api_path);
		reply_error(request, 404, not_found);
		free(not_found);
		free(target);
		return;
	}
	api_path = target + 4;

	if (read_body(request, &body, &body_len, &status, &message) != 0) {
		reply_error(request, status, message);
		free(target);
		return;
	}

	nheaders = build_headers(request, headers, client_addr,
	    sizeof client_addr, request_id, sizeof request_id, id);
	rc = unix_http_request(relay->backend, method, api_path, headers,
	    nheaders, body, body_len, relay->config->timeout_ms, &response,
	    &cause);
	/*
	 * Retry once on a fresh connection when the request cannot have been
	 * acted on, or when it is idempotent and the daemon dropped the
	 * connection without answering (it restarted, say).
	 */
	if (rc == UNIX_HTTP_EUNSENT || (rc == UNIX_HTTP_ENORESPONSE &&
	    is_idempotent(method))) {
		free(cause);
		cause = NULL;
		rc = unix_http_request(relay->backend, method, api_path,
		    headers, nheaders, body, body_len,
		    relay->config->timeout_ms, &response, &cause);
	}

	switch (rc) {
	case UNIX_HTTP_OK:
		reply_relayed(request, &response, strcmp(method, "HEAD") == 0);
		break;
	case UNIX_HTTP_EUNSENT:
		reply_error(request, 502, "CodePiper daemon is not reachable");
		break;
	case UNIX_HTTP_ENORESPONSE:
		reply_error(request, 502,
		    "CodePiper daemon closed the connection without answering");
		break;
	case UNIX_HTTP_ETIMEOUT:
		reply_error(request, 504, "CodePiper daemon did not answer in time");
		break;
	case UNIX_HTTP_EPROTO:
		reply_error(request, 502, "CodePiper daemon sent an invalid response");
		break;
	default:
		reply_error(request, 500, "Internal server error");
		break;
	}
	if (rc != UNIX_HTTP_OK)
		log_failure(id, method, api_path, rc, cause);

	unix_http_response_free(&response);
	free(cause);
	free(body);
	free(target);
}
