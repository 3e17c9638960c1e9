/*
 * Terminal output for streams, per session: the sequence numbers and the
 * ring of recent chunks, captures (snapshots and the reference's screens),
 * the subscribers of each session's pty topic, and who owns its size.
 *
 * Nothing here runs on a timer of its own. Work starts when tmux reports
 * output (%output, through the session listener), when a client subscribes,
 * or when a slow client has drained; the one timer spaces screen captures
 * FRAME_INTERVAL_US apart, and it is armed only by output.
 *
 * Sequence numbers: chunk seqs start, for every run of a session (start,
 * resume, adoption after a restart), at the wall clock in microseconds
 * (milliseconds * 1000), so numbers of one run never meet those of another
 * and a client that reconnects to a new run with an old number gets a fresh
 * snapshot instead of someone else's bytes. They stay below 2^53 (exact in
 * JavaScript) for centuries. Frame seqs (pty_output) start at 1 per run, as
 * in the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "daemon.h"
#include "log.h"
#include "session.h"
#include "stream-internal.h"
#include "tmux.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Output kept per session for clients that reconnect: 256 KiB is several
 * full redraws of a large screen and about a minute of a busy agent; a
 * client away longer gets a snapshot, which is what it needs then anyway.
 */
#define RING_BYTES		(256 * 1024)
/* At most 60 screens a second (websocket.md §10: 16-33 ms). */
#define FRAME_INTERVAL_US	16667
/* websocket.md §5.1: frame seqs wrap to 1 after 2^53 - 1. */
#define FRAME_SEQ_MAX		9007199254740991ULL

struct pty_chunk {
	uint64_t		 seq;
	size_t			 len;
	TAILQ_ENTRY(pty_chunk)	 entry;
	unsigned char		 data[];
};
TAILQ_HEAD(pty_chunk_list, pty_chunk);
TAILQ_HEAD(pty_sub_list, pty_sub);

/* The size a stream asked for a session (its last resize). */
struct pty_size {
	struct stream		*stream;
	int			 cols, rows;
	TAILQ_ENTRY(pty_size)	 entry;
};

struct pty_state {
	char			*session_id;
	struct session		*session;	/* NULL while not live */
	uint64_t		 epoch;		/* bumped at every start and end */
	uint64_t		 seq;		/* the last chunk's */
	struct pty_chunk_list	 ring;
	size_t			 ring_bytes;
	struct pty_sub_list	 subs;
	/* A capture is in flight; more output came after it was asked. */
	bool			 capturing;
	bool			 output_since_capture;
	int64_t			 last_capture_us;
	struct event		*frame_timer;
	/* The last screen sent as pty_output. */
	uint64_t		 frame_seq;
	char			*frame;
	int			 cursor_x, cursor_y;
	bool			 cursor_visible;
	/* Sizing: the stream that typed last, and what each stream asked. */
	struct stream		*owner;
	TAILQ_HEAD(, pty_size)	 sizes;
	TAILQ_ENTRY(pty_state)	 entry;
};

static TAILQ_HEAD(, pty_state) states = TAILQ_HEAD_INITIALIZER(states);
/* Epochs are unique across states, so that a capture answered after its
 * session ended and started again is never taken for the new run's. */
static uint64_t last_epoch;
/* After pty_module_shutdown(): tmux may still report output while
 * sessions shut down; nothing is kept for it. */
static bool shut_down;

static void	capture_start(struct pty_state *);
static void	frame_request(struct pty_state *);
static void	sub_start(struct pty_sub *, int64_t);

/* ---- state ----------------------------------------------------------- */

static struct pty_state *
state_find(const char *session_id)
{
	struct pty_state *state;

	TAILQ_FOREACH(state, &states, entry) {
		if (strcmp(state->session_id, session_id) == 0)
			return state;
	}
	return NULL;
}

static struct pty_state *
state_get(const char *session_id)
{
	struct pty_state *state = state_find(session_id);

	if (state != NULL)
		return state;
	state = xcalloc(1, sizeof *state);
	state->session_id = xstrdup(session_id);
	TAILQ_INIT(&state->ring);
	TAILQ_INIT(&state->subs);
	TAILQ_INIT(&state->sizes);
	TAILQ_INSERT_TAIL(&states, state, entry);
	return state;
}

static void
ring_clear(struct pty_state *state)
{
	struct pty_chunk *c;

	while ((c = TAILQ_FIRST(&state->ring)) != NULL) {
		TAILQ_REMOVE(&state->ring, c, entry);
		free(c);
	}
	state->ring_bytes = 0;
}

static void
state_free(struct pty_state *state)
{
	struct pty_size *sz;

	TAILQ_REMOVE(&states, state, entry);
	ring_clear(state);
	while ((sz = TAILQ_FIRST(&state->sizes)) != NULL) {
		TAILQ_REMOVE(&state->sizes, sz, entry);
		free(sz);
	}
	if (state->frame_timer != NULL)
		event_free(state->frame_timer);
	free(state->frame);
	free(state->session_id);
	free(state);
}

/* A state lives while its session does or while someone refers to it. */
static void
state_release(struct pty_state *state)
{
	if (state->session == NULL && TAILQ_EMPTY(&state->subs) &&
	    TAILQ_EMPTY(&state->sizes))
		state_free(state);
}

static void
ring_append(struct pty_state *state, const unsigned char *data, size_t len)
{
	struct pty_chunk *c = xmalloc(sizeof *c + len);

	c->seq = ++state->seq;
	c->len = len;
	memcpy(c->data, data, len);
	TAILQ_INSERT_TAIL(&state->ring, c, entry);
	state->ring_bytes += len;
	while (state->ring_bytes > RING_BYTES &&
	    (c = TAILQ_FIRST(&state->ring)) != TAILQ_LAST(&state->ring,
	    pty_chunk_list)) {
		TAILQ_REMOVE(&state->ring, c, entry);
		state->ring_bytes -= c->len;
		free(c);
	}
}

/* ---- messages -------------------------------------------------------- */

static char *
base64(const unsigned char *data, size_t len)
{
	size_t size = sodium_base64_encoded_len(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *out = xmalloc(size);

	sodium_bin2base64(out, size, data, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

static char *
raw_line(struct pty_state *state, uint64_t seq, const unsigned char *data,
    size_t len)
{
	char *b64 = base64(data, len), *line;

	/* Session ids are [A-Za-z0-9-]+: nothing to escape. */
	xasprintf(&line, "{\"topic\":\"session:%s:pty\",\"type\":\"pty_raw\","
	    "\"sessionId\":\"%s\",\"seq\":%llu,\"data\":\"%s\"}",
	    state->session_id, state->session_id, (unsigned long long)seq, b64);
	free(b64);
	return line;
}

/* Replace bytes that are not UTF-8 with U+FFFD, so JSON can carry them. */
static char *
utf8_clean(const char *s)
{
	size_t len = strlen(s), i = 0, o = 0, n, k;
	unsigned char c;
	char *out = xmalloc(len * 3 + 1);

	while (i < len) {
		c = (unsigned char)s[i];
		n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 :
		    (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;
		for (k = 1; n > 1 && k < n; k++) {
			if (i + k >= len || ((unsigned char)s[i + k] & 0xc0) != 0x80)
				n = 0;
		}
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

static void
send_frame(struct pty_sub *ps)
{
	struct pty_state *state = ps->state;
	char *topic, *text;

	if (state->frame == NULL || ps->sent_seq == state->frame_seq)
		return;
	if (stream_is_behind(ps->stream)) {
		ps->status = PTY_SUB_BEHIND;
		ps->need_snapshot = true;
		stream_counters.behind++;
		return;
	}
	xasprintf(&topic, "session:%s:pty", state->session_id);
	text = utf8_clean(state->frame);
	stream_put(ps->stream, json_pack("{s:s,s:s,s:s,s:I,s:{s:i,s:i,s:b}}",
	    "topic", topic, "type", "pty_output", "data", text,
	    "seq", (json_int_t)state->frame_seq, "cursor",
	    "x", state->cursor_x, "y", state->cursor_y,
	    "visible", state->cursor_visible));
	free(text);
	free(topic);
	ps->sent_seq = state->frame_seq;
	stream_counters.frames++;
}

/* ---- raw subscribers ------------------------------------------------- */

static void
request_snapshot(struct pty_sub *ps)
{
	struct pty_state *state = ps->state;

	ps->need_snapshot = false;
	if (state->session == NULL) {
		ps->status = PTY_SUB_WAITING;
		return;
	}
	ps->status = PTY_SUB_SNAPSHOT;
	if (!state->capturing)
		capture_start(state);
}

static bool
ring_holds_after(struct pty_state *state, uint64_t seq)
{
	struct pty_chunk *first = TAILQ_FIRST(&state->ring);

	if (seq == state->seq)
		return true;
	return first != NULL && seq < state->seq && first->seq <= seq + 1;
}

/* Send what the subscriber has not had yet from the ring. */
static void
catch_up(struct pty_sub *ps)
{
	struct pty_state *state = ps->state;
	struct pty_chunk *c;
	char *line;

	if (!ring_holds_after(state, ps->sent_seq)) {
		request_snapshot(ps);
		return;
	}
	ps->status = PTY_SUB_LIVE;
	TAILQ_FOREACH(c, &state->ring, entry) {
		if (c->seq <= ps->sent_seq)
			continue;
		if (stream_is_behind(ps->stream)) {
			ps->status = PTY_SUB_BEHIND;
			stream_counters.behind++;
			return;
		}
		line = raw_line(state, c->seq, c->data, c->len);
		stream_put_line(ps->stream, line, strlen(line));
		free(line);
		ps->sent_seq = c->seq;
		stream_counters.replayed++;
	}
}

/* ---- captures -------------------------------------------------------- */

struct capture {
	char		*session_id;
	uint64_t	 epoch;
	bool		 ok;
	char		*text;
	uint64_t	 seq;		/* the last chunk the capture includes */
};

/* The state a capture was taken for, if it is still the same run. */
static struct pty_state *
capture_state(struct capture *cap)
{
	struct pty_state *state = state_find(cap->session_id);

	return state != NULL && state->epoch == cap->epoch ? state : NULL;
}

static void
capture_text_done(bool ok, const char *out, void *arg)
{
	struct capture *cap = arg;
	struct pty_state *state = capture_state(cap);

	cap->ok = ok && state != NULL;
	if (cap->ok) {
		cap->text = xstrdup(out);
		/*
		 * tmux writes a pane's %output before the reply of a command
		 * that ran after that output was parsed: every chunk we have
		 * now is in the capture, and none that comes later is.
		 */
		cap->seq = state->seq;
	}
}

/* The reference's screen: trailing blank lines dropped, one final \n. */
static char *
frame_text(const char *text)
{
	const char *end = text + strlen(text), *line;
	char *out;
	size_t len;

	for (;;) {
		line = end;
		while (line > text && line[-1] != '\n')
			line--;
		if (line == text || strspn(line, " \t") != (size_t)(end - line))
			break;
		end = line - 1;		/* drop the blank line and its \n */
	}
	if (strspn(text, " \t") == (size_t)(end - text))
		end = text;
	len = (size_t)(end - text);
	out = xmalloc(len + 2);
	memcpy(out, text, len);
	out[len] = '\n';
	out[len + 1] = '\0';
	return out;
}

static void
frame_update(struct pty_state *state, const char *text, int x, int y,
    bool visible)
{
	struct pty_sub *ps, *next;
	char *frame = frame_text(text);

	if (state->frame != NULL && strcmp(frame, state->frame) == 0 &&
	    state->cursor_x == x && state->cursor_y == y &&
	    state->cursor_visible == visible) {
		free(frame);
		return;
	}
	free(state->frame);
	state->frame = frame;
	state->cursor_x = x;
	state->cursor_y = y;
	state->cursor_visible = visible;
	state->frame_seq = state->frame_seq >= FRAME_SEQ_MAX ? 1 :
	    state->frame_seq + 1;
	TAILQ_FOREACH_SAFE(ps, &state->subs, entry, next) {
		if (ps->stream->mode == PTY_MODE_FRAMES &&
		    ps->status == PTY_SUB_LIVE)
			send_frame(ps);
	}
}

static void
send_snapshot(struct pty_sub *ps, const char *line, size_t len, uint64_t seq)
{
	stream_put_line(ps->stream, line, len);
	stream_counters.snapshots++;
	ps->sent_seq = seq;
	catch_up(ps);
}

static char *
snapshot_line(struct pty_state *state, struct capture *cap, int cx, int cy,
    bool visible, int cols, int rows)
{
	const char *p;
	char *crlf, *b64, *line;
	size_t n = 0;

	/* Rows joined by \r\n: written to a fresh terminal of the same size,
	 * each row starts at the left margin and nothing scrolls. */
	crlf = xmalloc(strlen(cap->text) * 2 + 1);
	for (p = cap->text; *p != '\0'; p++) {
		if (*p == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *p;
	}
	b64 = base64((unsigned char *)crlf, n);
	xasprintf(&line, "{\"topic\":\"session:%s:pty\",\"type\":\"pty_snapshot\","
	    "\"sessionId\":\"%s\",\"seq\":%llu,\"data\":\"%s\",\"cols\":%d,"
	    "\"rows\":%d,\"cursorX\":%d,\"cursorY\":%d,\"cursorVisible\":%s}",
	    state->session_id, state->session_id, (unsigned long long)cap->seq,
	    b64, cols, rows, cx, cy, visible ? "true" : "false");
	free(b64);
	free(crlf);
	return line;
}

static void
capture_cursor_done(bool ok, const char *out, void *arg)
{
	struct capture *cap = arg;
	struct pty_state *state = capture_state(cap);
	struct pty_sub *ps, *next;
	char *line = NULL;
	int cx = 0, cy = 0, flag = 1, cols = 0, rows = 0;
	bool frames = false;

	if (state == NULL)
		goto out;
	state->capturing = false;
	if (!cap->ok || !ok || sscanf(out, "%d %d %d %d %d", &cx, &cy, &flag,
	    &cols, &rows) != 5) {
		log_debug("session %s: capture failed", state->session_id);
		goto out;
	}
	TAILQ_FOREACH(ps, &state->subs, entry) {
		if (ps->stream->mode == PTY_MODE_FRAMES && ps->status != PTY_SUB_WAITING)
			frames = true;
	}
	if (frames)
		frame_update(state, cap->text, cx, cy, flag != 0);
	TAILQ_FOREACH_SAFE(ps, &state->subs, entry, next) {
		if (ps->stream->mode != PTY_MODE_RAW ||
		    ps->status != PTY_SUB_SNAPSHOT)
			continue;
		if (stream_is_behind(ps->stream)) {
			ps->status = PTY_SUB_BEHIND;
			ps->need_snapshot = true;
			stream_counters.behind++;
			continue;
		}
		if (line == NULL)
			line = snapshot_line(state, cap, cx, cy, flag != 0, cols,
			    rows);
		send_snapshot(ps, line, strlen(line), cap->seq);
	}
	free(line);
	if (state->output_since_capture && frames)
		frame_request(state);
	else {
		/* A snapshot asked for while this capture was on its way
		 * is served by it; one asked during the callbacks above is
		 * not (catch_up found the ring short). */
		TAILQ_FOREACH(ps, &state->subs, entry) {
			if (ps->status == PTY_SUB_SNAPSHOT && !state->capturing)
				capture_start(state);
		}
	}
out:
	free(cap->text);
	free(cap->session_id);
	free(cap);
}

static void
capture_start(struct pty_state *state)
{
	struct capture *cap;
	const char *pane = state->session != NULL ? state->session->pane_id : NULL;

	if (pane == NULL || state->capturing)
		return;
	cap = xcalloc(1, sizeof *cap);
	cap->session_id = xstrdup(state->session_id);
	cap->epoch = state->epoch;
	state->capturing = true;
	state->output_since_capture = false;
	state->last_capture_us = monotonic_us();
	stream_counters.captures++;
	/* Two commands, run back to back by tmux with no pane output parsed
	 * in between: the text and the cursor agree. */
	tmux_command(capture_text_done, cap, "capture-pane -p -e -J -t %s", pane);
	tmux_command(capture_cursor_done, cap, "display-message -p -t %s "
	    "\"#{cursor_x} #{cursor_y} #{cursor_flag} #{pane_width} "
	    "#{pane_height}\"", pane);
}

static void
frame_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct pty_state *state = arg;

	if (!state->capturing)
		capture_start(state);
	else
		state->output_since_capture = true;
}

/* A screen is due: capture now, or once FRAME_INTERVAL_US has passed. */
static void
frame_request(struct pty_state *state)
{
	struct timeval tv;
	int64_t wait;

	if (state->session == NULL)
		return;
	if (state->capturing) {
		state->output_since_capture = true;
		return;
	}
	if (state->frame_timer != NULL &&
	    evtimer_pending(state->frame_timer, NULL))
		return;
	wait = state->last_capture_us + FRAME_INTERVAL_US - monotonic_us();
	if (wait <= 0) {
		capture_start(state);
		return;
	}
	if (state->frame_timer == NULL)
		state->frame_timer = evtimer_new(daemon_base, frame_timer_fired,
		    state);
	tv.tv_sec = 0;
	tv.tv_usec = (suseconds_t)wait;
	evtimer_add(state->frame_timer, &tv);
}

/* ---- subscriptions --------------------------------------------------- */

static void
sub_start(struct pty_sub *ps, int64_t last_seq)
{
	struct pty_state *state = ps->state;

	ps->need_snapshot = false;
	if (state->session == NULL) {
		ps->status = PTY_SUB_WAITING;
		return;
	}
	if (ps->stream->mode == PTY_MODE_RAW) {
		if (last_seq >= 0 && ring_holds_after(state, (uint64_t)last_seq)) {
			ps->sent_seq = (uint64_t)last_seq;
			catch_up(ps);
		} else
			request_snapshot(ps);
		return;
	}
	/* Frames: the newest screen if the client has an older one, and a
	 * fresh capture, which becomes a frame only if the screen moved. */
	ps->status = PTY_SUB_LIVE;
	ps->sent_seq = last_seq >= 0 ? (uint64_t)last_seq : 0;
	if (last_seq >= 0 && state->frame != NULL &&
	    state->frame_seq > (uint64_t)last_seq) {
		ps->sent_seq = 0;
		send_frame(ps);
	} else if (last_seq < 0)
		ps->sent_seq = state->frame_seq;
	frame_request(state);
}

struct pty_sub *
pty_subscribe(struct stream *st, const char *session_id, int64_t last_seq)
{
	struct pty_sub *ps = xcalloc(1, sizeof *ps);

	ps->stream = st;
	ps->state = state_get(session_id);
	TAILQ_INSERT_TAIL(&ps->state->subs, ps, entry);
	sub_start(ps, last_seq);
	return ps;
}

void
pty_resume(struct pty_sub *ps, int64_t last_seq)
{
	sub_start(ps, last_seq);
}

void
pty_unsubscribe(struct pty_sub *ps)
{
	struct pty_state *state = ps->state;

	TAILQ_REMOVE(&state->subs, ps, entry);
	free(ps);
	state_release(state);
}

void
pty_mode_changed(struct stream *st)
{
	struct stream_sub *sub;

	TAILQ_FOREACH(sub, &st->subs, entry) {
		if (sub->pty != NULL)
			sub_start(sub->pty, -1);
	}
}

void
pty_stream_drained(struct stream *st)
{
	struct stream_sub *sub;
	struct pty_sub *ps;

	TAILQ_FOREACH(sub, &st->subs, entry) {
		if ((ps = sub->pty) == NULL || ps->status != PTY_SUB_BEHIND)
			continue;
		if (st->mode == PTY_MODE_RAW) {
			if (ps->need_snapshot)
				request_snapshot(ps);
			else
				catch_up(ps);
		} else {
			ps->status = PTY_SUB_LIVE;
			ps->need_snapshot = false;
			send_frame(ps);
		}
	}
}

void
pty_stream_gone(struct stream *st)
{
	struct pty_state *state, *next;
	struct pty_size *sz;

	for (state = TAILQ_FIRST(&states); state != NULL; state = next) {
		next = TAILQ_NEXT(state, entry);
		if (state->owner == st)
			state->owner = NULL;
		TAILQ_FOREACH(sz, &state->sizes, entry) {
			if (sz->stream == st) {
				TAILQ_REMOVE(&state->sizes, sz, entry);
				free(sz);
				break;
			}
		}
		state_release(state);
	}
}

/* ---- sizing ---------------------------------------------------------- */

struct resize_ctx {
	char		*session_id;
	struct stream	*origin;	/* compared, never dereferenced */
	bool		 changed;
	int		 cols, rows;
	void		(*done)(bool, int, int, void *);
	void		*arg;
};

static void
resize_applied(bool ok, void *arg)
{
	struct resize_ctx *ctx = arg;
	struct pty_state *state = state_find(ctx->session_id);
	struct pty_sub *ps, *next;

	/*
	 * Other viewers' terminals have the old size: a snapshot carries the
	 * new one (cols, rows) and a screen laid out for it. The owner's
	 * terminal has it already and follows from the bytes.
	 */
	if (ok && ctx->changed && state != NULL) {
		TAILQ_FOREACH_SAFE(ps, &state->subs, entry, next) {
			if (ps->stream != ctx->origin &&
			    ps->stream->mode == PTY_MODE_RAW &&
			    (ps->status == PTY_SUB_LIVE ||
			    ps->status == PTY_SUB_BEHIND))
				request_snapshot(ps);
		}
	}
	if (ctx->done != NULL)
		ctx->done(ok, ctx->cols, ctx->rows, ctx->arg);
	free(ctx->session_id);
	free(ctx);
}

static void
apply_size(struct session *s, struct stream *origin, int cols, int rows,
    void (*done)(bool, int, int, void *), void *arg)
{
	struct resize_ctx *ctx = xcalloc(1, sizeof *ctx);

	ctx->session_id = xstrdup(s->id);
	ctx->origin = origin;
	ctx->changed = s->cols != cols || s->rows != rows;
	ctx->cols = cols;
	ctx->rows = rows;
	ctx->done = done;
	ctx->arg = arg;
	session_resize(s, cols, rows, resize_applied, ctx);
}

static struct pty_size *
size_find(struct pty_state *state, struct stream *st)
{
	struct pty_size *sz;

	TAILQ_FOREACH(sz, &state->sizes, entry) {
		if (sz->stream == st)
			return sz;
	}
	return NULL;
}

void
pty_note_input(struct stream *st, struct session *s)
{
	struct pty_state *state = state_get(s->id);
	struct pty_size *sz;

	if (state->owner == st)
		return;
	state->owner = st;
	sz = size_find(state, st);
	if (sz != NULL && (sz->cols != s->cols || sz->rows != s->rows))
		apply_size(s, st, sz->cols, sz->rows, NULL, NULL);
}

void
pty_request_resize(struct stream *st, struct session *s, int cols, int rows,
    void (*done)(bool, int, int, void *), void *arg)
{
	struct pty_state *state = state_get(s->id);
	struct pty_size *sz = size_find(state, st);

	if (sz == NULL) {
		sz = xcalloc(1, sizeof *sz);
		sz->stream = st;
		TAILQ_INSERT_TAIL(&state->sizes, sz, entry);
	}
	sz->cols = cols;
	sz->rows = rows;
	if (state->owner != NULL && state->owner != st) {
		done(false, s->cols, s->rows, arg);
		return;
	}
	state->owner = st;
	apply_size(s, st, cols, rows, done, arg);
}

/* ---- session events -------------------------------------------------- */

static struct pty_state *
state_of(struct session *s)
{
	struct pty_state *state;

	TAILQ_FOREACH(state, &states, entry) {
		if (state->session == s)
			return state;
	}
	return NULL;
}

static void
on_started(struct session *s)
{
	struct pty_state *state;
	uint64_t base = (uint64_t)now_ms() * 1000;
	struct pty_sub *ps, *next;

	if (shut_down)
		return;
	state = state_get(s->id);
	state->session = s;
	state->epoch = ++last_epoch;
	state->seq = base > state->seq ? base : state->seq + 1;
	ring_clear(state);
	state->capturing = false;
	state->frame_seq = 0;
	free(state->frame);
	state->frame = NULL;
	/* Whoever waited for this session starts from its first screen. */
	TAILQ_FOREACH_SAFE(ps, &state->subs, entry, next)
		sub_start(ps, -1);
}

static void
on_ended(struct session *s)
{
	struct pty_state *state = state_of(s);
	struct pty_sub *ps;

	if (state == NULL)
		return;
	state->session = NULL;
	state->epoch = ++last_epoch;
	state->capturing = false;
	state->owner = NULL;
	ring_clear(state);
	if (state->frame_timer != NULL)
		evtimer_del(state->frame_timer);
	TAILQ_FOREACH(ps, &state->subs, entry)
		ps->status = PTY_SUB_WAITING;
	state_release(state);
}

static void
on_output(struct session *s, const unsigned char *data, size_t len)
{
	struct pty_state *state = state_of(s);
	struct pty_sub *ps, *next;
	char *line = NULL;
	size_t line_len = 0;
	bool frames = false, snapshot = false;

	if (state == NULL) {
		if (shut_down)
			return;
		on_started(s);
		state = state_of(s);
	}
	ring_append(state, data, len);
	TAILQ_FOREACH_SAFE(ps, &state->subs, entry, next) {
		if (ps->stream->mode == PTY_MODE_FRAMES) {
			frames |= ps->status == PTY_SUB_LIVE ||
			    ps->status == PTY_SUB_BEHIND;
			continue;
		}
		if (ps->status == PTY_SUB_SNAPSHOT)
			snapshot = true;
		if (ps->status != PTY_SUB_LIVE)
			continue;
		if (ps->sent_seq + 1 != state->seq) {
			catch_up(ps);
			continue;
		}
		if (stream_is_behind(ps->stream)) {
			ps->status = PTY_SUB_BEHIND;
			stream_counters.behind++;
			continue;
		}
		if (line == NULL) {
			line = raw_line(state, state->seq, data, len);
			line_len = strlen(line);
		}
		stream_put_line(ps->stream, line, line_len);
		ps->sent_seq = state->seq;
		stream_counters.chunks++;
	}
	free(line);
	if (frames)
		frame_request(state);
	else if (snapshot && !state->capturing)
		capture_start(state);
	else if (state->capturing)
		state->output_since_capture = true;
}

static const struct session_listener pty_listener = {
	.started = on_started,
	.ended = on_ended,
	.output = on_output,
};

void
pty_module_init(void)
{
	session_add_listener(&pty_listener);
}

void
pty_module_shutdown(void)
{
	struct pty_state *state;

	shut_down = true;
	while ((state = TAILQ_FIRST(&states)) != NULL) {
		/* Subscribers were dropped by stream_module_shutdown(). */
		state->session = NULL;
		state_free(state);
	}
}
