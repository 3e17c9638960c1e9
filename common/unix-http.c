/*
 * Blocking HTTP/1.1 client over a Unix stream socket; see unix-http.h.
 *
 * The socket is non-blocking and every wait goes through poll() against one
 * monotonic deadline per call, so a silent server costs at most timeout_ms.
 * Received bytes go through one read buffer per connection; the header
 * section is parsed from a private copy that the response keeps as storage.
 */
#include "unix-http.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

/* Read buffer granularity; also the size above which bodies bypass it. */
#define READ_CHUNK		(16 * 1024)
/* A chunk-size line is a hex number plus extensions; nothing needs more. */
#define MAX_CHUNK_LINE		1024
/* While the listener's backlog is full, retry connect() this often. */
#define CONNECT_RETRY_MS	10

struct unix_http_conn {
	char		*path;
	int		 fd;
	size_t		 max_body;
	unsigned long	 connects;

	char		*rbuf;		/* unread bytes are rbuf[rstart, rend) */
	size_t		 rsize;
	size_t		 rstart;
	size_t		 rend;
};

/* Growable byte string for request heads and response bodies. */
struct byte_buffer {
	char	*data;
	size_t	 len;
	size_t	 size;
};

enum body_framing {
	BODY_NONE,
	BODY_LENGTH,
	BODY_CHUNKED,
	BODY_UNTIL_CLOSE,
};

static long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
deadline_after(int timeout_ms)
{
	if (timeout_ms <= 0)
		return -1;
	return clock_ms() + timeout_ms;
}

/* Milliseconds left before deadline for poll(): -1 for none, 0 when past. */
static int
deadline_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - clock_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/*
 * Wait until fd is ready for events (or reports an error or hang-up, which
 * the following I/O call turns into errno). 0 when ready, -1 with errno set
 * (ETIMEDOUT once the deadline has passed).
 */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd	pfd;
	int		left, n;

	for (;;) {
		left = deadline_left(deadline);
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

static void
byte_buffer_reserve(struct byte_buffer *b, size_t more)
{
	size_t	need;

	if (more > SIZE_MAX - b->len - 1)
		abort();
	need = b->len + more + 1;	/* room for a terminating NUL */
	if (need <= b->size)
		return;
	if (b->size == 0)
		b->size = 256;
	while (b->size < need)
		b->size = b->size > SIZE_MAX / 2 ? need : b->size * 2;
	b->data = xrealloc(b->data, b->size);
}

static void
byte_buffer_add(struct byte_buffer *b, const void *data, size_t len)
{
	byte_buffer_reserve(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void
byte_buffer_add_string(struct byte_buffer *b, const char *s)
{
	byte_buffer_add(b, s, strlen(s));
}

static int
is_token_char(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_token(const char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max || !is_token_char((unsigned char)s[i]))
			return 0;
	}
	return i > 0;
}

/* Field values: HTAB, SP, visible ASCII, obs-text; no CR, LF, NUL or DEL. */
static int
is_field_value(const char *s, size_t max)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (i >= max || (c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Does a comma-separated header value contain token (case-insensitive)? */
static int
list_has_token(const char *value, const char *token)
{
	size_t		 tlen = strlen(token), n;
	const char	*p = value;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(p, token, n) == 0)
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

/* The last coding of a Transfer-Encoding list is chunked. */
static int
list_ends_with_chunked(const char *value)
{
	const char	*last = value, *p;
	size_t		 n;

	for (p = value; *p != '\0'; p++) {
		if (*p == ',')
			last = p + 1;
	}
	while (*last == ' ' || *last == '\t')
		last++;
	n = strlen(last);
	while (n > 0 && (last[n - 1] == ' ' || last[n - 1] == '\t'))
		n--;
	return n == 7 && strncasecmp(last, "chunked", 7) == 0;
}

static void
conn_close_socket(struct unix_http_conn *conn)
{
	if (conn->fd != -1)
		close(conn->fd);
	conn->fd = -1;
	conn->rstart = conn->rend = 0;
}

static int
conn_open(struct unix_http_conn *conn, long long deadline, char **cause)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd, error, left;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(conn->path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: socket path too long", conn->path);
		return -1;
	}
	memcpy(sun.sun_path, conn->path, strlen(conn->path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		if (errno == EAGAIN) {
			/*
			 * The listener's backlog is full. A Unix socket
			 * cannot be polled for this, so try again shortly,
			 * within the deadline.
			 */
			left = deadline_left(deadline);
			if (left == 0) {
				errno = ETIMEDOUT;
				goto fail;
			}
			poll(NULL, 0, left < 0 || left > CONNECT_RETRY_MS ?
			    CONNECT_RETRY_MS : left);
			continue;
		}
		if (errno != EINPROGRESS && errno != EINTR)
			goto fail;
		if (wait_fd(fd, POLLOUT, deadline) != 0)
			goto fail;
		len = sizeof error;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
			goto fail;
		if (error != 0) {
			errno = error;
			goto fail;
		}
		break;
	}
	conn->fd = fd;
	conn->rstart = conn->rend = 0;
	conn->connects++;
	return 0;

fail:
	xasprintf(cause, "connect %s: %s", conn->path, strerror(errno));
	close(fd);
	return -1;
}

/*
 * An idle keep-alive connection is stale when the server has closed it (or
 * sent something unasked): reading shows EOF or data where none is due.
 */
static int
conn_is_stale(struct unix_http_conn *conn)
{
	struct pollfd	pfd;

	if (conn->rend > conn->rstart)
		return 1;
	pfd.fd = conn->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) != 0;
}

struct unix_http_conn *
unix_http_conn_new(const char *path)
{
	struct unix_http_conn	*conn;

	conn = xcalloc(1, sizeof *conn);
	conn->path = xstrdup(path);
	conn->fd = -1;
	conn->max_body = UNIX_HTTP_DEFAULT_MAX_BODY;
	return conn;
}

struct unix_http_conn *
unix_http_connect(const char *path, int timeout_ms, char **cause)
{
	struct unix_http_conn	*conn;

	conn = unix_http_conn_new(path);
	if (conn_open(conn, deadline_after(timeout_ms), cause) != 0) {
		unix_http_conn_free(conn);
		return NULL;
	}
	return conn;
}

void
unix_http_conn_free(struct unix_http_conn *conn)
{
	if (conn == NULL)
		return;
	conn_close_socket(conn);
	free(conn->rbuf);
	free(conn->path);
	free(conn);
}

void
unix_http_conn_set_max_body(struct unix_http_conn *conn, size_t max_body)
{
	conn->max_body = max_body;
}

unsigned long
unix_http_conn_connects(const struct unix_http_conn *conn)
{
	return conn->connects;
}

/* Write every byte of iov. 0, or -1 with errno (ETIMEDOUT on timeout). */
static int
write_all(int fd, struct iovec *iov, int iovcnt, long long deadline)
{
	struct msghdr	msg;
	ssize_t		n;

	while (iovcnt > 0) {
		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = iov;
		msg.msg_iovlen = iovcnt;
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			if (wait_fd(fd, POLLOUT, deadline) != 0)
				return -1;
			continue;
		}
		while (n > 0) {
			if ((size_t)n >= iov->iov_len) {
				n -= iov->iov_len;
				iov->iov_len = 0;
				iov++;
				iovcnt--;
			} else {
				iov->iov_base = (char *)iov->iov_base + n;
				iov->iov_len -= n;
				n = 0;
			}
		}
	}
	return 0;
}

/*
 * Read more bytes into the connection's buffer: 1 when some arrived, 0 at
 * end of stream, -1 with errno (ETIMEDOUT on timeout).
 */
static int
conn_fill(struct unix_http_conn *conn, long long deadline)
{
	ssize_t	n;

	if (conn->rstart == conn->rend)
		conn->rstart = conn->rend = 0;
	else if (conn->rstart > 0 && conn->rend == conn->rsize) {
		memmove(conn->rbuf, conn->rbuf + conn->rstart,
		    conn->rend - conn->rstart);
		conn->rend -= conn->rstart;
		conn->rstart = 0;
	}
	if (conn->rend == conn->rsize) {
		conn->rsize = conn->rsize == 0 ? READ_CHUNK : conn->rsize * 2;
		conn->rbuf = xrealloc(conn->rbuf, conn->rsize);
	}
	for (;;) {
		n = recv(conn->fd, conn->rbuf + conn->rend,
		    conn->rsize - conn->rend, 0);
		if (n > 0) {
			conn->rend += n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (wait_fd(conn->fd, POLLIN, deadline) != 0)
			return -1;
	}
}

/* Turn a conn_fill result of 0 or -1 into a result code and cause. */
static int
read_failure(int filled, const char *what, char **cause)
{
	if (filled == 0) {
		xasprintf(cause, "connection closed %s", what);
		return UNIX_HTTP_EPROTO;
	}
	if (errno == ETIMEDOUT) {
		xasprintf(cause, "timed out %s", what);
		return UNIX_HTTP_ETIMEOUT;
	}
	xasprintf(cause, "read %s: %s", what, strerror(errno));
	return UNIX_HTTP_EPROTO;
}

/*
 * The next line (without its CR LF) from the buffer, at most max bytes:
 * *line points into the read buffer and stays valid until the next read.
 */
static int
read_line(struct unix_http_conn *conn, size_t max, long long deadline,
    const char **line, size_t *len, char **cause)
{
	char	*start, *newline;
	size_t	 avail;
	int	 filled;

	for (;;) {
		start = conn->rbuf + conn->rstart;
		avail = conn->rend - conn->rstart;
		newline = avail > 0 ? memchr(start, '\n', avail) : NULL;
		if (newline != NULL) {
			*line = start;
			*len = newline - start;
			if (*len > 0 && start[*len - 1] == '\r')
				(*len)--;
			conn->rstart += newline - start + 1;
			if (*len > max)
				break;
			return UNIX_HTTP_OK;
		}
		/* + 1: the line's CR may be here while its LF is not. */
		if (avail > max + 1)
			break;
		if ((filled = conn_fill(conn, deadline)) != 1)
			return read_failure(filled, "in chunked body", cause);
	}
	xasprintf(cause, "malformed chunked body");
	return UNIX_HTTP_EPROTO;
}

/* Read exactly len bytes of body into b. */
static int
read_exact(struct unix_http_conn *conn, struct byte_buffer *b, size_t len,
    long long deadline, char **cause)
{
	size_t	avail, take;
	ssize_t	n;
	int	filled;

	byte_buffer_reserve(b, len);
	while (len > 0) {
		avail = conn->rend - conn->rstart;
		if (avail > 0) {
			take = avail < len ? avail : len;
			memcpy(b->data + b->len, conn->rbuf + conn->rstart, take);
			conn->rstart += take;
			b->len += take;
			len -= take;
			continue;
		}
		if (len < READ_CHUNK) {
			if ((filled = conn_fill(conn, deadline)) != 1)
				return read_failure(filled, "in body", cause);
			continue;
		}
		/* Large remainders go straight into the body. */
		n = recv(conn->fd, b->data + b->len, len, 0);
		if (n > 0) {
			b->len += n;
			len -= n;
		} else if (n == 0)
			return read_failure(0, "in body", cause);
		else if (errno == EAGAIN) {
			if (wait_fd(conn->fd, POLLIN, deadline) != 0)
				return read_failure(-1, "in body", cause);
		} else if (errno != EINTR)
			return read_failure(-1, "in body", cause);
	}
	b->data[b->len] = '\0';
	return UNIX_HTTP_OK;
}

static int
parse_content_length(const char *value, size_t *out)
{
	unsigned long long	n;
	char			*end;

	/* Digits only: strtoull would accept signs and leading space. */
	if (*value < '0' || *value > '9' || strlen(value) > 19)
		return -1;
	errno = 0;
	n = strtoull(value, &end, 10);
	if (errno != 0 || *end != '\0' || n > SIZE_MAX)
		return -1;
	*out = n;
	return 0;
}

static int
read_chunked(struct unix_http_conn *conn, struct byte_buffer *b,
    long long deadline, char **cause)
{
	const char		*line;
	char			 hex[17];
	size_t			 len, n, trailer_bytes = 0;
	unsigned long long	 size;
	char			*end;
	int			 rc;

	for (;;) {
		rc = read_line(conn, MAX_CHUNK_LINE, deadline, &line, &len,
		    cause);
		if (rc != UNIX_HTTP_OK)
			return rc;
		n = 0;
		while (n < len && n < sizeof hex - 1 &&
		    strchr("0123456789abcdefABCDEF", line[n]) != NULL &&
		    line[n] != '\0')
			n++;
		if (n == 0 || (n < len && line[n] != ';' && line[n] != ' ' &&
		    line[n] != '\t')) {
			xasprintf(cause, "invalid chunk size line");
			return UNIX_HTTP_EPROTO;
		}
		memcpy(hex, line, n);
		hex[n] = '\0';
		size = strtoull(hex, &end, 16);
		if (size == 0)
			break;
		if (size > conn->max_body || b->len > conn->max_body - size) {
			xasprintf(cause, "response body larger than %zu bytes",
			    conn->max_body);
			return UNIX_HTTP_EPROTO;
		}
		rc = read_exact(conn, b, size, deadline, cause);
		if (rc != UNIX_HTTP_OK)
			return rc;
		/* The chunk's data ends with an empty line. */
		rc = read_line(conn, 0, deadline, &line, &len, cause);
		if (rc != UNIX_HTTP_OK)
			return rc;
	}
	/* Trailer fields are read and dropped. */
	for (;;) {
		rc = read_line(conn, UNIX_HTTP_MAX_HEADER_BYTES, deadline,
		    &line, &len, cause);
		if (rc != UNIX_HTTP_OK)
			return rc;
		if (len == 0)
			break;
		trailer_bytes += len;
		if (trailer_bytes > UNIX_HTTP_MAX_HEADER_BYTES) {
			xasprintf(cause, "chunked trailer too large");
			return UNIX_HTTP_EPROTO;
		}
	}
	return UNIX_HTTP_OK;
}

static int
read_until_close(struct unix_http_conn *conn, struct byte_buffer *b,
    long long deadline, char **cause)
{
	size_t	avail;
	int	filled;

	for (;;) {
		avail = conn->rend - conn->rstart;
		if (avail > conn->max_body - b->len) {
			xasprintf(cause, "response body larger than %zu bytes",
			    conn->max_body);
			return UNIX_HTTP_EPROTO;
		}
		byte_buffer_add(b, conn->rbuf + conn->rstart, avail);
		conn->rstart = conn->rend;
		filled = conn_fill(conn, deadline);
		if (filled == 0)
			return UNIX_HTTP_OK;
		if (filled == -1)
			return read_failure(-1, "in body", cause);
	}
}

/*
 * Length of the header section at the start of p (through its empty line),
 * or 0 if it is not complete yet. Lines end in LF, optionally after CR.
 */
static size_t
header_section_length(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < len && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/*
 * Parse a header section (NUL-terminated, modified in place) into out.
 * *keep_alive says whether the server allows another request afterwards.
 */
static int
parse_header_section(char *head, struct unix_http_response *out,
    int *keep_alive, char **cause)
{
	char		*line, *next, *colon, *value, *end;
	size_t		 n;
	int		 minor, i;
	const char	*connection;

	for (line = head; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\r', n) != NULL) {
			xasprintf(cause, "bare CR in response header");
			return UNIX_HTTP_EPROTO;
		}
		if (line == head) {
			/* HTTP/1.x SP 3DIGIT [SP reason] */
			if (n < 12 || strncmp(line, "HTTP/1.", 7) != 0 ||
			    (line[7] != '0' && line[7] != '1') ||
			    line[8] != ' ' || (n > 12 && line[12] != ' ')) {
				xasprintf(cause, "invalid status line");
				return UNIX_HTTP_EPROTO;
			}
			minor = line[7] - '0';
			out->status = 0;
			for (i = 9; i < 12; i++) {
				if (line[i] < '0' || line[i] > '9') {
					xasprintf(cause, "invalid status code");
					return UNIX_HTTP_EPROTO;
				}
				out->status = out->status * 10 + line[i] - '0';
			}
			if (out->status < 100) {
				xasprintf(cause, "invalid status code");
				return UNIX_HTTP_EPROTO;
			}
			out->reason = n > 12 ? line + 13 : "";
			*keep_alive = minor == 1;
			continue;
		}
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t') {
			xasprintf(cause, "folded response header");
			return UNIX_HTTP_EPROTO;
		}
		if ((colon = strchr(line, ':')) == NULL) {
			xasprintf(cause, "response header without a colon");
			return UNIX_HTTP_EPROTO;
		}
		*colon = '\0';
		if (!is_token(line, SIZE_MAX)) {
			xasprintf(cause, "invalid response header name");
			return UNIX_HTTP_EPROTO;
		}
		value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		end = value + strlen(value);
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!is_field_value(value, SIZE_MAX)) {
			xasprintf(cause, "invalid response header value");
			return UNIX_HTTP_EPROTO;
		}
		if (out->nheaders == UNIX_HTTP_MAX_HEADERS) {
			xasprintf(cause, "more than %d response headers",
			    UNIX_HTTP_MAX_HEADERS);
			return UNIX_HTTP_EPROTO;
		}
		out->headers = xreallocarray(out->headers, out->nheaders + 1,
		    sizeof *out->headers);
		out->headers[out->nheaders].name = line;
		out->headers[out->nheaders].value = value;
		out->nheaders++;
	}

	connection = unix_http_response_header(out, "Connection");
	if (connection != NULL) {
		if (list_has_token(connection, "close"))
			*keep_alive = 0;
		else if (list_has_token(connection, "keep-alive"))
			*keep_alive = 1;
	}
	return UNIX_HTTP_OK;
}

/* Drop a parsed header section (an interim 1xx, or after a failure). */
static void
response_reset(struct unix_http_response *out)
{
	free(out->headers);
	free(out->storage);
	free(out->body);
	memset(out, 0, sizeof *out);
}

/*
 * Read one final response. *got_bytes tells whether any byte of it arrived,
 * which separates "no response" from "broken response".
 */
static int
read_response(struct unix_http_conn *conn, int is_head, long long deadline,
    struct unix_http_response *out, int *reusable, int *got_bytes,
    char **cause)
{
	struct byte_buffer	 body = { NULL, 0, 0 };
	enum body_framing	 framing;
	const char		*te, *cl;
	size_t			 len, length = 0, i, value;
	int			 filled, keep_alive = 0, rc;

	*reusable = 0;
	*got_bytes = conn->rend > conn->rstart;
	for (;;) {
		len = header_section_length(conn->rbuf + conn->rstart,
		    conn->rend - conn->rstart);
		if (len == 0) {
			if (conn->rend - conn->rstart > UNIX_HTTP_MAX_HEADER_BYTES) {
				xasprintf(cause, "response header section "
				    "larger than %d bytes",
				    UNIX_HTTP_MAX_HEADER_BYTES);
				return UNIX_HTTP_EPROTO;
			}
			filled = conn_fill(conn, deadline);
			if (filled == 1) {
				*got_bytes = 1;
				continue;
			}
			if (!*got_bytes && filled == 0) {
				xasprintf(cause, "connection closed before "
				    "a response");
				return UNIX_HTTP_ENORESPONSE;
			}
			/*
			 * A Unix socket reports a reset only when its peer
			 * closed with bytes of ours still unread: the server
			 * never read the whole request.
			 */
			if (!*got_bytes && errno == ECONNRESET) {
				xasprintf(cause, "connection reset before the "
				    "request was read");
				return UNIX_HTTP_EUNSENT;
			}
			return read_failure(filled, "in response header", cause);
		}
		if (len > UNIX_HTTP_MAX_HEADER_BYTES) {
			xasprintf(cause, "response header section larger "
			    "than %d bytes", UNIX_HTTP_MAX_HEADER_BYTES);
			return UNIX_HTTP_EPROTO;
		}

		out->storage = xstrndup(conn->rbuf + conn->rstart, len);
		if (strlen(out->storage) != len) {
			xasprintf(cause, "NUL in response header");
			return UNIX_HTTP_EPROTO;
		}
		conn->rstart += len;
		rc = parse_header_section(out->storage, out, &keep_alive,
		    cause);
		if (rc != UNIX_HTTP_OK)
			return rc;
		if (out->status == 101) {
			xasprintf(cause, "unexpected protocol switch");
			return UNIX_HTTP_EPROTO;
		}
		if (out->status >= 200)
			break;
		response_reset(out);	/* interim 1xx: wait for the final one */
	}

	/* How the body is delimited (RFC 9112 section 6.3). */
	te = unix_http_response_header(out, "Transfer-Encoding");
	cl = NULL;
	for (i = 0; i < out->nheaders; i++) {
		if (strcasecmp(out->headers[i].name, "Content-Length") != 0)
			continue;
		if (parse_content_length(out->headers[i].value, &value) != 0 ||
		    (cl != NULL && value != length)) {
			xasprintf(cause, "invalid Content-Length");
			return UNIX_HTTP_EPROTO;
		}
		cl = out->headers[i].value;
		length = value;
	}
	if (is_head || out->status == 204 || out->status == 304)
		framing = BODY_NONE;
	else if (te != NULL) {
		framing = list_ends_with_chunked(te) ? BODY_CHUNKED :
		    BODY_UNTIL_CLOSE;
		if (cl != NULL)
			keep_alive = 0;
	} else if (cl != NULL)
		framing = BODY_LENGTH;
	else
		framing = BODY_UNTIL_CLOSE;

	switch (framing) {
	case BODY_NONE:
		rc = UNIX_HTTP_OK;
		break;
	case BODY_LENGTH:
		if (length > conn->max_body) {
			xasprintf(cause, "response body larger than %zu bytes",
			    conn->max_body);
			return UNIX_HTTP_EPROTO;
		}
		rc = read_exact(conn, &body, length, deadline, cause);
		break;
	case BODY_CHUNKED:
		rc = read_chunked(conn, &body, deadline, cause);
		break;
	case BODY_UNTIL_CLOSE:
		keep_alive = 0;
		rc = read_until_close(conn, &body, deadline, cause);
		break;
	}
	if (rc != UNIX_HTTP_OK) {
		free(body.data);
		return rc;
	}
	if (body.data == NULL)
		body.data = xstrdup("");
	out->body = body.data;
	out->body_len = body.len;

	/* Bytes beyond the response mean the stream is out of step. */
	*reusable = keep_alive && conn->rend == conn->rstart;
	return UNIX_HTTP_OK;
}

/* Header names the client sets itself and callers may not pass. */
static int
is_framing_header(const char *name)
{
	static const char *const names[] = {
		"Content-Length", "Transfer-Encoding", "Connection",
		"Keep-Alive", "TE", "Upgrade", "Trailer",
	};
	size_t	i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	}
	return 0;
}

static int
build_request_head(struct byte_buffer *head, const char *method,
    const char *target, const struct unix_http_header *headers,
    size_t nheaders, size_t body_len, char **cause)
{
	size_t	i;
	int	has_host = 0;
	char	number[32];

	if (!is_token(method, 32)) {
		xasprintf(cause, "invalid request method");
		return -1;
	}
	if (target[0] != '/' || strlen(target) > UNIX_HTTP_MAX_TARGET) {
		xasprintf(cause, "invalid request target");
		return -1;
	}
	for (i = 0; target[i] != '\0'; i++) {
		if ((unsigned char)target[i] <= 0x20 ||
		    (unsigned char)target[i] >= 0x7f) {
			xasprintf(cause, "invalid byte in request target");
			return -1;
		}
	}
	byte_buffer_add_string(head, method);
	byte_buffer_add_string(head, " ");
	byte_buffer_add_string(head, target);
	byte_buffer_add_string(head, " HTTP/1.1\r\n");
	for (i = 0; i < nheaders; i++) {
		if (!is_token(headers[i].name, 256) ||
		    is_framing_header(headers[i].name)) {
			xasprintf(cause, "invalid request header name: %.64s",
			    headers[i].name);
			return -1;
		}
		if (!is_field_value(headers[i].value, UNIX_HTTP_MAX_FIELD_VALUE)) {
			xasprintf(cause, "invalid value for request header %s",
			    headers[i].name);
			return -1;
		}
		if (strcasecmp(headers[i].name, "Host") == 0)
			has_host = 1;
		byte_buffer_add_string(head, headers[i].name);
		byte_buffer_add_string(head, ": ");
		byte_buffer_add_string(head, headers[i].value);
		byte_buffer_add_string(head, "\r\n");
	}
	if (!has_host)
		byte_buffer_add_string(head, "Host: localhost\r\n");
	if (body_len > 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
		snprintf(number, sizeof number, "%zu", body_len);
		byte_buffer_add_string(head, "Content-Length: ");
		byte_buffer_add_string(head, number);
		byte_buffer_add_string(head, "\r\n");
	}
	byte_buffer_add_string(head, "\r\n");
	return 0;
}

int
unix_http_request(struct unix_http_conn *conn, const char *method,
    const char *target, const struct unix_http_header *headers,
    size_t nheaders, const void *body, size_t body_len, int timeout_ms,
    struct unix_http_response *out, char **cause)
{
	struct byte_buffer	 head = { NULL, 0, 0 };
	struct iovec		 iov[2];
	long long		 deadline = deadline_after(timeout_ms);
	int			 rc, reusable = 0, got_bytes, write_errno;
	char			*read_cause = NULL;

	memset(out, 0, sizeof *out);
	*cause = NULL;
	if (build_request_head(&head, method, target, headers, nheaders,
	    body_len, cause) != 0) {
		free(head.data);
		return UNIX_HTTP_EINVAL;
	}

	if (conn->fd != -1 && conn_is_stale(conn))
		conn_close_socket(conn);
	if (conn->fd == -1 && conn_open(conn, deadline, cause) != 0) {
		free(head.data);
		return UNIX_HTTP_EUNSENT;
	}

	iov[0].iov_base = head.data;
	iov[0].iov_len = head.len;
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = body != NULL ? body_len : 0;
	if (write_all(conn->fd, iov, 2, deadline) != 0) {
		write_errno = errno;
		free(head.data);
		if (write_errno == ETIMEDOUT) {
			xasprintf(cause, "timed out sending the request");
			rc = UNIX_HTTP_ETIMEOUT;
			goto fail;
		}
		/*
		 * The server may have answered early (say, 413 from the
		 * headers alone) and closed: take that answer if it is whole.
		 */
		rc = read_response(conn, strcmp(method, "HEAD") == 0, deadline,
		    out, &reusable, &got_bytes, &read_cause);
		free(read_cause);
		if (rc == UNIX_HTTP_OK) {
			conn_close_socket(conn);
			return UNIX_HTTP_OK;
		}
		xasprintf(cause, "write: %s", strerror(write_errno));
		rc = UNIX_HTTP_EUNSENT;
		goto fail;
	}
	free(head.data);

	rc = read_response(conn, strcmp(method, "HEAD") == 0, deadline, out,
	    &reusable, &got_bytes, cause);
	if (rc != UNIX_HTTP_OK)
		goto fail;
	if (!reusable)
		conn_close_socket(conn);
	return UNIX_HTTP_OK;

fail:
	response_reset(out);
	conn_close_socket(conn);
	return rc;
}

int
unix_http_fetch(const char *path, const char *method, const char *target,
    const struct unix_http_header *headers, size_t nheaders, const void *body,
    size_t body_len, int timeout_ms, struct unix_http_response *out,
    char **cause)
{
	struct unix_http_conn	*conn;
	int			 rc;

	conn = unix_http_conn_new(path);
	rc = unix_http_request(conn, method, target, headers, nheaders, body,
	    body_len, timeout_ms, out, cause);
	unix_http_conn_free(conn);
	return rc;
}

const char *
unix_http_response_header(const struct unix_http_response *response,
    const char *name)
{
	size_t	i;

	for (i = 0; i < response->nheaders; i++) {
		if (strcasecmp(response->headers[i].name, name) == 0)
			return response->headers[i].value;
	}
	return NULL;
}

void
unix_http_response_free(struct unix_http_response *response)
{
	if (response != NULL)
		response_reset(response);
}

const char *
unix_http_result_name(int result)
{
	switch (result) {
	case UNIX_HTTP_OK:
		return "ok";
	case UNIX_HTTP_EINVAL:
		return "invalid request";
	case UNIX_HTTP_EUNSENT:
		return "not delivered";
	case UNIX_HTTP_ENORESPONSE:
		return "no response";
	case UNIX_HTTP_ETIMEOUT:
		return "timed out";
	case UNIX_HTTP_EPROTO:
		return "bad response";
	}
	return "unknown";
}
