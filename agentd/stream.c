/*
 * Streams: one per browser WebSocket, opened by codepiper-ws with
 * GET /stream. This file owns the list of streams, sending (with the
 * backpressure checks), topic subscriptions and the broadcast fan-out,
 * revocation, and the dispatch of client messages with the control
 * operations of websocket.md §4.1-4.2 and the rate limits of §8. Terminal
 * input is in stream-input.c, terminal output in stream-pty.c.
 */
#include "stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "broadcast.h"
#include "daemon.h"
#include "log.h"
#include "session.h"
#include "settings.h"
#include "stream-internal.h"
#include "util.h"
#include "xmalloc.h"

/* websocket.md §8: fixed 10 s windows, all classes reset together. */
#define RATE_WINDOW_MS		10000
static const int rate_limits[RATE_CLASSES] = {
	[RATE_CONTROL] = 120,
	[RATE_INPUT] = 600,
	[RATE_KEY] = 2000,
	[RATE_PASTE] = 600,
};
/* How often a stream with a subscriber behind checks whether it drained. */
#define DRAIN_CHECK_MS		20

struct stream_counters stream_counters;

static TAILQ_HEAD(, stream) streams = TAILQ_HEAD_INITIALIZER(streams);
static int nstreams;
static int broadcast_handle;
static bool shutting_down;

/* ---- sending --------------------------------------------------------- */

void
stream_put_line(struct stream *st, const char *line, size_t len)
{
	char stack[2048], *buf;

	if (st->ended || st->req == NULL)
		return;
	/*
	 * Terminal output is only sent below PTY_HIGH_WATER (stream-pty.c
	 * checks stream_is_behind() first), so it never closes a stream here:
	 * the pty code walks its subscribers while sending and relies on it.
	 */
	if (stream_pending(st->req) > STREAM_HARD_LIMIT) {
		log_info("stream %.8s: client too far behind, closing", st->id);
		stream_counters.closed_backpressure++;
		stream_close(st, 1013, "Backpressure");
		return;
	}
	/* One chunk per message: the line and its newline together. */
	buf = len < sizeof stack ? stack : xmalloc(len + 1);
	memcpy(buf, line, len);
	buf[len] = '\n';
	stream_send(st->req, buf, len + 1);
	if (buf != stack)
		free(buf);
}

void
stream_put(struct stream *st, json_t *msg)
{
	char *text;

	if (msg == NULL) {
		log_error("stream_put: no message (invalid UTF-8?)");
		return;
	}
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (text == NULL) {
		log_error("stream_put: cannot encode a message");
		return;
	}
	stream_put_line(st, text, strlen(text));
	free(text);
}

void
stream_put_error(struct stream *st, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	xvasprintf(&text, fmt, ap);
	va_end(ap);
	stream_put(st, json_pack("{s:s}", "error", text));
	free(text);
}

static void
drain_check(evutil_socket_t fd, short what, void *arg)
{
	struct stream *st = arg;
	struct timeval tv = { 0, DRAIN_CHECK_MS * 1000 };

	if (st->ended || st->req == NULL)
		return;
	if (stream_pending(st->req) > PTY_LOW_WATER) {
		evtimer_add(st->drain_timer, &tv);
		return;
	}
	pty_stream_drained(st);
}

bool
stream_is_behind(struct stream *st)
{
	struct timeval tv = { 0, DRAIN_CHECK_MS * 1000 };

	if (st->ended || st->req == NULL)
		return true;
	if (stream_pending(st->req) <= PTY_HIGH_WATER)
		return false;
	if (st->drain_timer == NULL)
		st->drain_timer = evtimer_new(daemon_base, drain_check, st);
	if (!evtimer_pending(st->drain_timer, NULL))
		evtimer_add(st->drain_timer, &tv);
	return true;
}

/* ---- lifetime -------------------------------------------------------- */

struct stream *
stream_find(const char *id)
{
	struct stream *st;

	if (id == NULL || strlen(id) != STREAM_ID_LEN)
		return NULL;
	TAILQ_FOREACH(st, &streams, entry) {
		if (sodium_memcmp(st->id, id, STREAM_ID_LEN) == 0)
			return st;
	}
	return NULL;
}

static void
sub_free(struct stream_sub *sub)
{
	if (sub->pty != NULL)
		pty_unsubscribe(sub->pty);
	free(sub->topic);
	free(sub);
}

/* Stop all terminal work for a stream that sends nothing more. */
static void
stream_drop_pty(struct stream *st)
{
	struct stream_sub *sub;

	TAILQ_FOREACH(sub, &st->subs, entry) {
		if (sub->pty != NULL) {
			pty_unsubscribe(sub->pty);
			sub->pty = NULL;
		}
	}
	if (st->drain_timer != NULL)
		evtimer_del(st->drain_timer);
}

/* The relay's connection closed (or the daemon is freeing it). */
static void
stream_closed(struct request *req, void *arg)
{
	struct stream *st = arg;
	struct stream_sub *sub;

	log_debug("stream %.8s closed", st->id);
	TAILQ_REMOVE(&streams, st, entry);
	nstreams--;
	st->req = NULL;
	while ((sub = TAILQ_FIRST(&st->subs)) != NULL) {
		TAILQ_REMOVE(&st->subs, sub, entry);
		sub_free(sub);
	}
	stream_pastes_free(st);
	pty_stream_gone(st);
	if (st->drain_timer != NULL)
		event_free(st->drain_timer);
	free(st->auth_session_id);
	free(st);
}

void
stream_close(struct stream *st, int code, const char *reason)
{
	char line[256];
	int n;

	if (st->ended || st->req == NULL)
		return;
	n = snprintf(line, sizeof line,
	    "{\"relay\":\"close\",\"code\":%d,\"reason\":\"%s\"}\n", code, reason);
	stream_send(st->req, line, (size_t)n);
	st->ended = true;
	stream_drop_pty(st);
	stream_end(st->req);
}

void
stream_open(struct request *req)
{
	struct stream *st;
	char *id, line[128];
	int n;

	if (shutting_down) {
		reply_error(req, 503, "Server shutting down");
		return;
	}
	st = xcalloc(1, sizeof *st);
	id = random_hex(STREAM_ID_LEN / 2);

	memcpy(st->id, id, STREAM_ID_LEN);
	free(id);
	st->req = req;
	st->listener = req->listener;
	if (req->auth_session_id != NULL)
		st->auth_session_id = xstrdup(req->auth_session_id);
	st->mode = PTY_MODE_FRAMES;
	st->rate_window_ms = now_ms();
	TAILQ_INIT(&st->subs);
	TAILQ_INIT(&st->pastes);
	TAILQ_INSERT_TAIL(&streams, st, entry);
	nstreams++;
	stream_start(req, stream_closed, st);
	n = snprintf(line, sizeof line, "{\"relay\":\"ready\",\"streamId\":\"%s\"}",
	    st->id);
	stream_put_line(st, line, (size_t)n);
	log_debug("stream %.8s opened on the %s socket", st->id,
	    st->listener == LISTENER_WEB ? "web" : "CLI");
}

/* ---- topics and broadcasts ------------------------------------------- */

static struct stream_sub *
sub_find(struct stream *st, const char *topic)
{
	struct stream_sub *sub;

	TAILQ_FOREACH(sub, &st->subs, entry) {
		if (strcmp(sub->topic, topic) == 0)
			return sub;
	}
	return NULL;
}

enum topic_kind {
	TOPIC_INVALID,
	TOPIC_PLAIN,		/* sessions, notifications, session:<id>:events */
	TOPIC_PTY,		/* session:<id>:pty */
};

/* websocket.md §4.2; *session_id (caller frees) for session topics. */
static enum topic_kind
topic_parse(const char *topic, char **session_id)
{
	const char *id, *colon;
	enum topic_kind kind;

	*session_id = NULL;
	if (strcmp(topic, "sessions") == 0 || strcmp(topic, "notifications") == 0)
		return TOPIC_PLAIN;
	if (strncmp(topic, "session:", 8) != 0)
		return TOPIC_INVALID;
	id = topic + 8;
	if ((colon = strchr(id, ':')) == NULL)
		return TOPIC_INVALID;
	if (strcmp(colon, ":events") == 0)
		kind = TOPIC_PLAIN;
	else if (strcmp(colon, ":pty") == 0)
		kind = TOPIC_PTY;
	else
		return TOPIC_INVALID;
	*session_id = xstrndup(id, (size_t)(colon - id));
	if (!is_valid_id(*session_id)) {
		free(*session_id);
		*session_id = NULL;
		return TOPIC_INVALID;
	}
	return kind;
}

/*
 * A broadcast as the WebSocket message of websocket.md §5. Messages that
 * carry their topic ("sessions", notifications, policy decisions) go as
 * they are. On session:<id>:events the rest is the message's data: a
 * stored event (events.c publishes {"type":"session_event","event":{...}})
 * becomes {"topic":..., "data":<event>} and a terminal mode change
 * {"topic":..., "data":{"type":"terminal_mode_change",...}} (§5.3).
 * Anything else gets the topic added.
 */
static json_t *
topic_message(const char *topic, json_t *msg)
{
	json_t *event, *out;
	const char *type = json_string_value(json_object_get(msg, "type"));
	size_t len = strlen(topic);

	if (json_object_get(msg, "topic") != NULL)
		return json_incref(msg);
	if (len > 7 && strcmp(topic + len - 7, ":events") == 0) {
		event = json_object_get(msg, "event");
		if (type != NULL && strcmp(type, "session_event") == 0 &&
		    json_is_object(event))
			return json_pack("{s:s,s:O}", "topic", topic, "data",
			    event);
		return json_pack("{s:s,s:O}", "topic", topic, "data", msg);
	}
	out = json_pack("{s:s}", "topic", topic);
	json_object_update(out, msg);
	return out;
}

static bool
id_in(json_t *ids, const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(ids, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return true;
	}
	return false;
}

/* Logout, revoke-all, password change: close the affected WebSockets. */
static void
auth_changed(json_t *msg)
{
	struct stream *st, *next;
	const char *type = json_string_value(json_object_get(msg, "type"));
	json_t *ids = json_object_get(msg, "authSessionIds");
	bool all = json_is_true(json_object_get(msg, "all"));

	if (type == NULL || strcmp(type, "auth_revoked") != 0)
		return;
	for (st = TAILQ_FIRST(&streams); st != NULL; st = next) {
		next = TAILQ_NEXT(st, entry);
		/* CLI-socket streams are trusted by file permission, not by a
		 * sign-in: nothing to revoke. */
		if (st->listener != LISTENER_WEB || st->ended)
			continue;
		if (all || (st->auth_session_id != NULL &&
		    id_in(ids, st->auth_session_id))) {
			log_info("stream %.8s: sign-in revoked, closing", st->id);
			stream_close(st, 1008, "Session revoked");
		}
	}
}

static void
on_broadcast(const char *topic, json_t *msg, void *arg)
{
	struct stream *st, *next;
	char *text = NULL;
	size_t len = 0;

	if (strcmp(topic, "auth") == 0) {
		auth_changed(msg);
		return;
	}
	for (st = TAILQ_FIRST(&streams); st != NULL; st = next) {
		next = TAILQ_NEXT(st, entry);
		if (st->ended || sub_find(st, topic) == NULL)
			continue;
		if (text == NULL) {
			json_t *out = topic_message(topic, msg);
			text = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
			json_decref(out);
			if (text == NULL) {
				log_warn("stream: cannot encode a %s message", topic);
				return;
			}
			len = strlen(text);
		}
		stream_put_line(st, text, len);
	}
	free(text);
}

/* ---- client messages ------------------------------------------------- */

bool
stream_paste_enabled(void)
{
	const char *env = getenv("CODEPIPER_WS_PTY_PASTE");
	json_t *features, *enabled;

	if (env != NULL && strcmp(env, "0") == 0)
		return false;
	/* Read per hello, so that the setting applies without a restart. */
	features = json_object_get(settings_all(), "terminalFeatures");
	enabled = json_object_get(features, "wsPtyPasteEnabled");
	return !json_is_false(enabled);
}

/* A JSON integer, or a real with an integral value (JavaScript's 1.0). */
static bool
json_int_value(json_t *v, int64_t *out)
{
	double d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	d = json_real_value(v);
	if (d != d || d < -9007199254740991.0 || d > 9007199254740991.0 ||
	    d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

static void
op_hello(struct stream *st, json_t *msg)
{
	json_t *version = json_object_get(msg, "version");
	json_t *supports = json_object_get(msg, "supports");
	const char *mode_name = json_string_value(json_object_get(msg, "ptyMode"));
	enum pty_mode mode;
	bool paste;
	int64_t v;

	if (version != NULL) {
		if (!json_int_value(version, &v) || v < 1) {
			stream_put_error(st, "Invalid message: 'version' must be a "
			    "positive integer");
			return;
		}
		if (v != 1) {
			stream_put_error(st, "Unsupported protocol version: %lld "
			    "(server=1)", (long long)v);
			return;
		}
	}
	st->paste_supported = json_is_true(json_object_get(supports, "ptyPaste"));
	mode = mode_name != NULL && strcmp(mode_name, "raw") == 0 ?
	    PTY_MODE_RAW : PTY_MODE_FRAMES;
	paste = stream_paste_enabled();
	mode_name = mode == PTY_MODE_RAW ? "raw" : "frames";
	stream_put(st, json_pack("{s:s,s:i,s:{s:b,s:b,s:b,s:b,s:b},"
	    "s:{s:b,s:b,s:b,s:s},s:s}",
	    "op", "hello_ack", "version", 1,
	    "features", "ptyReplay", 1, "ptyPatch", 0, "ptyBinary", 0,
	    "ptyPaste", paste, "ptyRaw", 1,
	    "negotiated", "ptyPatch", 0, "ptyBinary", 0,
	    "ptyPaste", paste && st->paste_supported, "ptyMode", mode_name,
	    "ptyMode", mode_name));
	if (mode != st->mode) {
		st->mode = mode;
		pty_mode_changed(st);
	}
}

/* sinceSeq / lastSeq: absent (-1) or a non-negative integer; -2 if bad. */
static int64_t
seq_field(struct stream *st, json_t *msg, const char *name)
{
	json_t *v = json_object_get(msg, name);
	int64_t n;

	if (v == NULL || json_is_null(v))
		return -1;
	if (!json_int_value(v, &n) || n < 0) {
		stream_put_error(st, "Invalid message: '%s' must be a non-negative "
		    "integer", name);
		return -2;
	}
	return n;
}

static void
op_subscribe(struct stream *st, json_t *msg, bool subscribe)
{
	json_t *topic_value = json_object_get(msg, "topic");
	struct stream_sub *sub;
	const char *topic;
	char *session_id;
	enum topic_kind kind;
	int64_t since, last;

	if (!json_is_string(topic_value) || json_string_length(topic_value) == 0) {
		stream_put_error(st, "Invalid message: missing 'topic' field");
		return;
	}
	topic = json_string_value(topic_value);
	kind = strlen(topic) == json_string_length(topic_value) ?
	    topic_parse(topic, &session_id) : (session_id = NULL, TOPIC_INVALID);
	if (kind == TOPIC_INVALID) {
		stream_put_error(st, "Invalid topic format: %s", topic);
		return;
	}
	sub = sub_find(st, topic);
	if (!subscribe) {
		if (sub != NULL) {
			TAILQ_REMOVE(&st->subs, sub, entry);
			st->nsubs--;
			sub_free(sub);
		}
		free(session_id);
		return;
	}
	/* Ours: lastSeq, the last raw chunk seen; the reference's sinceSeq
	 * means the same for frames. The dashboard sends both. */
	if ((since = seq_field(st, msg, "sinceSeq")) == -2 ||
	    (last = seq_field(st, msg, "lastSeq")) == -2) {
		free(session_id);
		return;
	}
	if (last < 0)
		last = since;
	if (sub != NULL) {
		/* A set: subscribing again changes nothing, except that a
		 * terminal resumes from the sequence number given. */
		if (sub->pty != NULL && last >= 0)
			pty_resume(sub->pty, last);
		free(session_id);
		return;
	}
	if (st->nsubs >= STREAM_MAX_TOPICS) {
		stream_put_error(st, "Too many subscriptions (max %d)",
		    STREAM_MAX_TOPICS);
		free(session_id);
		return;
	}
	sub = xcalloc(1, sizeof *sub);
	sub->topic = xstrdup(topic);
	TAILQ_INSERT_TAIL(&st->subs, sub, entry);
	st->nsubs++;
	if (kind == TOPIC_PTY)
		sub->pty = pty_subscribe(st, session_id, last);
	free(session_id);
}

static void
op_ping(struct stream *st, json_t *msg)
{
	json_t *ts = json_object_get(msg, "ts");
	json_t *pong = json_pack("{s:s}", "op", "pong");

	if (ts != NULL)
		json_object_set(pong, "ts", ts);
	stream_put(st, pong);
}

static enum rate_class
rate_class_of(const char *op)
{
	if (strcmp(op, "pty_input") == 0)
		return RATE_INPUT;
	if (strcmp(op, "pty_key") == 0)
		return RATE_KEY;
	if (strcmp(op, "pty_paste") == 0)
		return RATE_PASTE;
	return RATE_CONTROL;
}

/* Count one message; false when it exceeds its class's quota. */
static bool
rate_allow(struct stream *st, enum rate_class class)
{
	int64_t now = now_ms();

	if (now - st->rate_window_ms >= RATE_WINDOW_MS) {
		st->rate_window_ms = now;
		memset(st->rate_count, 0, sizeof st->rate_count);
	}
	return ++st->rate_count[class] <= rate_limits[class];
}

static void
handle_message(struct stream *st, const char *body, size_t len)
{
	json_error_t err;
	json_t *msg, *op_value;
	const char *op;

	if (len > STREAM_MESSAGE_MAX) {
		stream_close(st, 1009, "Message too large");
		return;
	}
	msg = json_loadb(body, len, JSON_DECODE_ANY, &err);
	op_value = json_object_get(msg, "op");
	op = json_is_string(op_value) && json_string_length(op_value) > 0 ?
	    json_string_value(op_value) : NULL;
	if (!rate_allow(st, op != NULL ? rate_class_of(op) : RATE_CONTROL)) {
		/* The message over the quota is not processed (§8). */
		stream_close(st, 1008, "Rate limit exceeded");
		json_decref(msg);
		return;
	}
	if (msg == NULL)
		stream_put_error(st, "Invalid JSON message");
	else if (!json_is_object(msg))
		stream_put_error(st, "Invalid message: expected JSON object");
	else if (op == NULL)
		stream_put_error(st, "Invalid message: missing 'op' field");
	else if (strcmp(op, "hello") == 0)
		op_hello(st, msg);
	else if (strcmp(op, "subscribe") == 0)
		op_subscribe(st, msg, true);
	else if (strcmp(op, "unsubscribe") == 0)
		op_subscribe(st, msg, false);
	else if (strcmp(op, "pty_input") == 0)
		stream_op_input(st, msg);
	else if (strcmp(op, "pty_key") == 0)
		stream_op_key(st, msg);
	else if (strcmp(op, "pty_paste") == 0)
		stream_op_paste(st, msg);
	else if (strcmp(op, "resize") == 0)
		stream_op_resize(st, msg);
	else if (strcmp(op, "ping") == 0)
		op_ping(st, msg);
	else
		stream_put_error(st, "Unknown operation: %s", op);
	json_decref(msg);
}

int
stream_post(const char *stream_id, enum listener_kind listener,
    const char *body, size_t len)
{
	struct stream *st = stream_find(stream_id);

	if (st == NULL || st->listener != listener)
		return -1;
	if (!st->ended)
		handle_message(st, body, len);
	return 0;
}

/* ---- module ---------------------------------------------------------- */

json_t *
stream_stats(void)
{
	struct stream *st;
	json_int_t subs = 0;

	TAILQ_FOREACH(st, &streams, entry)
		subs += st->nsubs;
	return json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "streams", nstreams, "subscriptions", subs,
	    "chunks", (json_int_t)stream_counters.chunks,
	    "frames", (json_int_t)stream_counters.frames,
	    "snapshots", (json_int_t)stream_counters.snapshots,
	    "captures", (json_int_t)stream_counters.captures,
	    "replayed", (json_int_t)stream_counters.replayed,
	    "behind", (json_int_t)stream_counters.behind,
	    "closedBackpressure", (json_int_t)stream_counters.closed_backpressure);
}

void
stream_module_init(void)
{
	pty_module_init();
	broadcast_handle = broadcast_subscribe(on_broadcast, NULL);
}

void
stream_module_shutdown(void)
{
	struct stream *st, *next;
	int i;

	shutting_down = true;
	for (st = TAILQ_FIRST(&streams); st != NULL; st = next) {
		next = TAILQ_NEXT(st, entry);
		/* Streams already ended still hold their subscriptions'
		 * memory; the pty side is dropped in both cases. */
		stream_drop_pty(st);
		stream_close(st, 1001, "Server shutting down");
	}
	/* The loop has stopped: give the close lines a chance to reach the
	 * relay, which then closes its WebSockets with 1001, not 1011. */
	for (i = 0; nstreams > 0 && i < 5; i++)
		event_base_loop(daemon_base, EVLOOP_NONBLOCK);
	pty_module_shutdown();
	broadcast_unsubscribe(broadcast_handle);
}
