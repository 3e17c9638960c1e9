/*
 * Terminal input from streams (websocket.md §4.3-4.6) and resize.
 *
 * Everything a client types goes through session.c, which queues it on the
 * single tmux control channel: text, keys and pastes of a session reach the
 * agent in the order they arrived, whoever sent them (the reference's keys
 * could overtake its text). An ack is sent once tmux has run the input: a
 * no-op command queued after it answers only then.
 *
 * Typed text is split at control characters: printable runs go as text
 * (session_send_text: a bracketed paste when the agent asked for one, so a
 * TUI never mistakes fast typing for a paste burst) and control characters
 * and escape sequences as the bytes a terminal sends (send-keys -l), so
 * "\r" is Enter and "\x1b[A" is Up. A pty_paste is one paste.
 */
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "session.h"
#include "stream-internal.h"
#include "tmux.h"
#include "util.h"
#include "xmalloc.h"

#define REQUEST_ID_MAX		128
#define KEY_MAX			128
#define PASTE_MAX_CHUNKS	512
#define PASTE_MAX_BYTES		(2 * 1024 * 1024)
#define PASTE_CHUNK_MAX		(64 * 1024)
#define PASTE_MAX_CONCURRENT	8
#define PASTE_TIMEOUT_MS	30000
#define SIZE_MAX_CELLS		1000

struct paste {
	char			*request_id;
	char			*session_id;
	int64_t			 count;
	int64_t			 next;
	char			*data;
	size_t			 len;
	int64_t			 started_ms;
	TAILQ_ENTRY(paste)	 entry;
};

stream_input_check stream_input_checker;
static stream_key_check key_checker;

void
stream_set_input_check(stream_input_check check)
{
	stream_input_checker = check;
}

void
stream_set_key_check(stream_key_check check)
{
	key_checker = check;
}

/* ---- validation ------------------------------------------------------ */

static void
invalid(struct stream *st, const char *why)
{
	stream_put_error(st, "Invalid message: %s", why);
}

static bool
is_string_without_nul(json_t *v)
{
	return json_is_string(v) &&
	    strlen(json_string_value(v)) == json_string_length(v);
}

static const char *
check_session_id(json_t *v)
{
	if (!json_is_string(v) || json_string_length(v) == 0)
		return "'sessionId' must be a non-empty string";
	if (!is_string_without_nul(v) || !is_valid_id(json_string_value(v)))
		return "'sessionId' format is invalid";
	return NULL;
}

const char *
stream_check_request_id(json_t *v)
{
	const char *s;

	if (!json_is_string(v))
		return "'requestId' must be a string";
	if (json_string_length(v) == 0)
		return "'requestId' must not be empty";
	if (json_string_length(v) > REQUEST_ID_MAX)
		return "'requestId' exceeds max length";
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") != strlen(s))
		return "'requestId' format is invalid";
	return NULL;
}

/* An optional requestId: true if absent or valid (else replied). */
static bool
optional_request_id(struct stream *st, json_t *msg, const char **out)
{
	json_t *v = json_object_get(msg, "requestId");
	const char *why;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if ((why = stream_check_request_id(v)) != NULL) {
		invalid(st, why);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static struct session *
live_session(const char *id)
{
	struct session *s = session_find(id);

	return s != NULL && !s->closing && s->pane_id != NULL ? s : NULL;
}

/* ---- results --------------------------------------------------------- */

static void
input_error(struct stream *st, const char *op, const char *session_id,
    const char *request_id, const char *error)
{
	json_t *msg = json_pack("{s:s+,s:s}", "op", op, "_error", "sessionId",
	    session_id);

	if (request_id != NULL)
		json_object_set_new(msg, "requestId", json_string(request_id));
	json_object_set_new(msg, "error", json_string(error));
	stream_put(st, msg);
}

struct delivery {
	char		 stream_id[STREAM_ID_LEN + 1];
	const char	*op;		/* static */
	const char	*failure;	/* static */
	char		*session_id;
	char		*request_id;
};

static void
delivered(bool ok, const char *out, void *arg)
{
	struct delivery *d = arg;
	struct stream *st = stream_find(d->stream_id);

	if (st != NULL && !st->ended) {
		if (!ok)
			input_error(st, d->op, d->session_id, d->request_id,
			    d->failure);
		else if (d->request_id != NULL)
			stream_put(st, json_pack("{s:s+,s:s,s:s}", "op", d->op,
			    "_ack", "sessionId", d->session_id, "requestId",
			    d->request_id));
	}
	free(d->session_id);
	free(d->request_id);
	free(d);
}

/* Ack (or report) once tmux has run everything queued for s before now. */
static void
confirm(struct stream *st, struct session *s, const char *op,
    const char *failure, const char *request_id)
{
	struct delivery *d = xcalloc(1, sizeof *d);

	memcpy(d->stream_id, st->id, sizeof d->stream_id);
	d->op = op;
	d->failure = failure;
	d->session_id = xstrdup(s->id);
	d->request_id = request_id != NULL ? xstrdup(request_id) : NULL;
	tmux_command(delivered, d, "display-message -p -t %s \"#{pane_id}\"",
	    s->pane_id);
}

/* The input pre-flight (Codex's policy channel): false when blocked.
 * Text is checked with text, a key with keys. */
static bool
input_allowed(struct stream *st, struct session *s, const char *op,
    const char *request_id, const char *text, size_t len, json_t *keys)
{
	json_t *reply = NULL;

	if (keys != NULL ? key_checker == NULL ||
	    key_checker(s, keys, &reply) == 0 : stream_input_checker == NULL ||
	    stream_input_checker(s, text, len, &reply) == 0)
		return true;
	if (reply == NULL)
		reply = json_pack("{s:s}", "error", "Input blocked by policy");
	json_object_set_new(reply, "op", json_pack("s+", op, "_error"));
	json_object_set_new(reply, "sessionId", json_string(s->id));
	if (request_id != NULL)
		json_object_set_new(reply, "requestId", json_string(request_id));
	stream_put(st, reply);
	return false;
}

/* ---- typing ---------------------------------------------------------- */

/* Length of the escape sequence at s (ESC included), at most len. */
static size_t
escape_length(const unsigned char *s, size_t len)
{
	size_t i;

	if (len < 2)
		return len;
	if (s[1] == 'O')	/* SS3: one final byte */
		return len < 3 ? len : 3;
	if (s[1] == '[') {
		/* CSI: parameter and intermediate bytes, then a final byte. */
		for (i = 2; i < len; i++) {
			if (s[i] >= 0x40 && s[i] <= 0x7e)
				return i + 1;
			if (s[i] < 0x20 || s[i] > 0x3f)
				return i;
		}
		return len;
	}
	return 2;	/* Alt+key */
}

static bool
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static void
type_text(struct session *s, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, start;

	while (i < len) {
		start = i;
		if (is_control(p[i])) {
			while (i < len && is_control(p[i]))
				i += p[i] == 0x1b ? escape_length(p + i, len - i) : 1;
			session_send_literal(s, text + start, i - start);
		} else {
			while (i < len && !is_control(p[i]))
				i++;
			session_send_text(s, text + start, i - start, false);
		}
	}
}

void
stream_op_input(struct stream *st, json_t *msg)
{
	json_t *id = json_object_get(msg, "sessionId");
	json_t *data = json_object_get(msg, "data");
	const char *why, *request_id;
	struct session *s;

	if ((why = check_session_id(id)) != NULL) {
		invalid(st, why);
		return;
	}
	if (!json_is_string(data)) {
		invalid(st, "'data' must be a string");
		return;
	}
	if (json_string_length(data) == 0) {
		invalid(st, "'data' must not be empty");
		return;
	}
	if (!optional_request_id(st, msg, &request_id))
		return;
	if ((s = live_session(json_string_value(id))) == NULL) {
		input_error(st, "pty_input", json_string_value(id), request_id,
		    "Failed to deliver PTY input");
		return;
	}
	if (!input_allowed(st, s, "pty_input", request_id,
	    json_string_value(data), json_string_length(data), NULL))
		return;
	pty_note_input(st, s);
	type_text(s, json_string_value(data), json_string_length(data));
	confirm(st, s, "pty_input", "Failed to deliver PTY input", request_id);
}

void
stream_op_key(struct stream *st, json_t *msg)
{
	json_t *id = json_object_get(msg, "sessionId");
	json_t *key = json_object_get(msg, "key"), *keys;
	const char *why, *request_id;
	struct session *s;
	char *tmux_key;

	if ((why = check_session_id(id)) != NULL) {
		invalid(st, why);
		return;
	}
	if (!json_is_string(key) || json_string_length(key) == 0) {
		invalid(st, "'key' must be a non-empty string");
		return;
	}
	if (json_string_length(key) > KEY_MAX) {
		invalid(st, "'key' exceeds max length");
		return;
	}
	if (!optional_request_id(st, msg, &request_id))
		return;
	if ((s = live_session(json_string_value(id))) == NULL ||
	    (tmux_key = key_to_tmux(json_string_value(key))) == NULL) {
		input_error(st, "pty_key", json_string_value(id), request_id,
		    "Failed to deliver PTY key input");
		return;
	}
	keys = json_pack("[O]", key);
	if (!input_allowed(st, s, "pty_key", request_id, NULL, 0, keys)) {
		json_decref(keys);
		free(tmux_key);
		return;
	}
	json_decref(keys);
	pty_note_input(st, s);
	keys = json_pack("[s]", tmux_key);
	session_send_keys(s, keys);
	json_decref(keys);
	free(tmux_key);
	confirm(st, s, "pty_key", "Failed to deliver PTY key input", request_id);
}

/* ---- pastes ---------------------------------------------------------- */

static void
paste_free(struct stream *st, struct paste *p)
{
	TAILQ_REMOVE(&st->pastes, p, entry);
	st->npastes--;
	free(p->request_id);
	free(p->session_id);
	free(p->data);
	free(p);
}

void
stream_pastes_free(struct stream *st)
{
	struct paste *p;

	while ((p = TAILQ_FIRST(&st->pastes)) != NULL)
		paste_free(st, p);
}

static struct paste *
paste_find(struct stream *st, const char *request_id)
{
	struct paste *p;

	TAILQ_FOREACH(p, &st->pastes, entry) {
		if (strcmp(p->request_id, request_id) == 0)
			return p;
	}
	return NULL;
}

static bool
int_field(json_t *v, int64_t min, int64_t max, int64_t *out)
{
	double d;

	if (json_is_integer(v))
		*out = json_integer_value(v);
	else if (json_is_real(v)) {
		/* JavaScript's 3.0 is an integer too. */
		d = json_real_value(v);
		if (!(d >= -9007199254740991.0 && d <= 9007199254740991.0) ||
		    d != (double)(int64_t)d)
			return false;
		*out = (int64_t)d;
	} else
		return false;
	return *out >= min && *out <= max;
}

/* A paste chunk, validated; the paste is delivered with its last chunk. */
void
stream_op_paste(struct stream *st, json_t *msg)
{
	json_t *id = json_object_get(msg, "sessionId");
	json_t *data = json_object_get(msg, "data");
	const char *why, *request_id, *session_id;
	int64_t index, count, now = now_ms();
	struct paste *p, *next;
	struct session *s;

	if (!stream_paste_enabled()) {
		stream_put_error(st, "PTY paste operation is disabled");
		return;
	}
	if ((why = check_session_id(id)) != NULL) {
		invalid(st, why);
		return;
	}
	session_id = json_string_value(id);
	if ((why = stream_check_request_id(json_object_get(msg,
	    "requestId"))) != NULL) {
		invalid(st, why);
		return;
	}
	request_id = json_string_value(json_object_get(msg, "requestId"));
	if (!int_field(json_object_get(msg, "chunkIndex"), 0, INT64_MAX, &index)) {
		invalid(st, "'chunkIndex' must be a non-negative integer");
		return;
	}
	if (!int_field(json_object_get(msg, "chunkCount"), 1, PASTE_MAX_CHUNKS,
	    &count)) {
		invalid(st, "'chunkCount' must be an integer from 1 to 512");
		return;
	}
	if (!json_is_string(data)) {
		invalid(st, "'data' must be a string");
		return;
	}
	if (json_string_length(data) == 0) {
		invalid(st, "'data' must not be empty");
		return;
	}
	if (json_string_length(data) > PASTE_CHUNK_MAX) {
		invalid(st, "'data' exceeds max length");
		return;
	}

	p = paste_find(st, request_id);
	if (p != NULL && now - p->started_ms > PASTE_TIMEOUT_MS) {
		paste_free(st, p);
		invalid(st, "pty_paste assembly timed out");
		return;
	}
	/* Expired assemblies go whenever a new chunk arrives. */
	TAILQ_FOREACH_SAFE(p, &st->pastes, entry, next) {
		if (now - p->started_ms > PASTE_TIMEOUT_MS)
			paste_free(st, p);
	}
	p = paste_find(st, request_id);
	if (p == NULL) {
		if (index != 0) {
			invalid(st, "pty_paste chunk stream must start at index 0");
			return;
		}
		if (st->npastes >= PASTE_MAX_CONCURRENT) {
			stream_put_error(st, "Too many concurrent paste operations");
			return;
		}
		p = xcalloc(1, sizeof *p);
		p->request_id = xstrdup(request_id);
		p->session_id = xstrdup(session_id);
		p->count = count;
		p->started_ms = now;
		TAILQ_INSERT_TAIL(&st->pastes, p, entry);
		st->npastes++;
	} else {
		why = strcmp(p->session_id, session_id) != 0 ?
		    "pty_paste requestId/sessionId mismatch" : p->count != count ?
		    "pty_paste chunkCount mismatch" : index != p->next ?
		    "pty_paste chunks must arrive in order" : NULL;
		if (why != NULL) {
			paste_free(st, p);
			invalid(st, why);
			return;
		}
	}
	if (index >= count) {
		paste_free(st, p);
		invalid(st, "pty_paste chunks must arrive in order");
		return;
	}
	if (p->len + json_string_length(data) > PASTE_MAX_BYTES) {
		paste_free(st, p);
		invalid(st, "pty_paste exceeds 2097152 bytes");
		return;
	}
	p->data = xrealloc(p->data, p->len + json_string_length(data) + 1);
	memcpy(p->data + p->len, json_string_value(data),
	    json_string_length(data));
	p->len += json_string_length(data);
	p->data[p->len] = '\0';
	p->next++;
	if (p->next < p->count)
		return;

	if ((s = live_session(session_id)) == NULL)
		input_error(st, "pty_paste", session_id, request_id,
		    "Failed to deliver PTY paste input");
	else if (input_allowed(st, s, "pty_paste", request_id, p->data,
	    p->len, NULL)) {
		pty_note_input(st, s);
		session_send_text(s, p->data, p->len, false);
		confirm(st, s, "pty_paste", "Failed to deliver PTY paste input",
		    request_id);
	}
	paste_free(st, p);
}

/* ---- resize ---------------------------------------------------------- */

struct resize_reply {
	char	 stream_id[STREAM_ID_LEN + 1];
	char	*session_id;
};

static void
resize_done(bool applied, int cols, int rows, void *arg)
{
	struct resize_reply *r = arg;
	struct stream *st = stream_find(r->stream_id);
	json_t *msg;

	if (st != NULL && !st->ended) {
		msg = json_pack("{s:s,s:s,s:b}", "op", "resize_ack", "sessionId",
		    r->session_id, "applied", applied);
		/* The session's size, which this viewer should lay out for. */
		if (cols > 0 && rows > 0) {
			json_object_set_new(msg, "cols", json_integer(cols));
			json_object_set_new(msg, "rows", json_integer(rows));
		}
		stream_put(st, msg);
	}
	free(r->session_id);
	free(r);
}

void
stream_op_resize(struct stream *st, json_t *msg)
{
	json_t *id = json_object_get(msg, "sessionId");
	struct resize_reply *r;
	struct session *s;
	const char *why;
	int64_t cols, rows;

	if ((why = check_session_id(id)) != NULL) {
		invalid(st, why);
		return;
	}
	if (!int_field(json_object_get(msg, "cols"), 1, SIZE_MAX_CELLS, &cols) ||
	    !int_field(json_object_get(msg, "rows"), 1, SIZE_MAX_CELLS, &rows)) {
		invalid(st, "'cols' and 'rows' must be integers from 1 to 1000");
		return;
	}
	if ((s = live_session(json_string_value(id))) == NULL) {
		stream_put(st, json_pack("{s:s,s:s,s:b,s:s}", "op", "resize_ack",
		    "sessionId", json_string_value(id), "applied", 0, "error",
		    "Session is not running"));
		return;
	}
	r = xcalloc(1, sizeof *r);
	memcpy(r->stream_id, st->id, sizeof r->stream_id);
	r->session_id = xstrdup(s->id);
	pty_request_resize(st, s, (int)cols, (int)rows, resize_done, r);
}
