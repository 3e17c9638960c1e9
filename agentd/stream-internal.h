/*
 * What stream.c (connections, topics, the protocol), stream-input.c
 * (terminal input, pastes, resize) and stream-pty.c (terminal output) share.
 * Not for other modules: they use stream.h.
 *
 * Ownership: a struct stream belongs to stream.c and lives until its HTTP
 * connection closes. Its subscriptions (struct stream_sub) belong to it. A
 * pty subscription (struct pty_sub) is owned by its stream_sub and linked
 * into the per-session terminal state of stream-pty.c, which outlives no
 * subscriber: pty_unsubscribe() unlinks it.
 */
#ifndef CODEPIPER_STREAM_INTERNAL_H
#define CODEPIPER_STREAM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <jansson.h>

#include "httpd.h"
#include "stream.h"

#define STREAM_ID_LEN		32	/* hex of 16 random bytes */
#define STREAM_MAX_TOPICS	200	/* websocket.md §8 */
#define STREAM_MESSAGE_MAX	(64 * 1024)

/*
 * Backpressure, in bytes waiting in the stream connection's output buffer
 * (what the relay has not read yet: the relay stops reading when its own
 * queue to the browser is full). Above PTY_HIGH_WATER a subscriber stops
 * receiving terminal output; once below PTY_LOW_WATER it catches up from the
 * ring or gets a snapshot. Other messages are small and rare: only past
 * STREAM_HARD_LIMIT is the client hopeless, and the connection is closed
 * with 1013 (websocket.md §6.2).
 */
#define PTY_HIGH_WATER		(256 * 1024)
#define PTY_LOW_WATER		(64 * 1024)
#define STREAM_HARD_LIMIT	(4 * 1024 * 1024)

enum pty_mode {
	PTY_MODE_FRAMES,	/* the reference's pty_output screens (default) */
	PTY_MODE_RAW,		/* pty_snapshot, then pty_raw chunks */
};

enum pty_sub_status {
	PTY_SUB_WAITING,	/* the session is not live (yet, or any more) */
	PTY_SUB_SNAPSHOT,	/* raw: waiting for a capture to start from */
	PTY_SUB_LIVE,		/* receiving output as it comes */
	PTY_SUB_BEHIND,		/* the client is slow: nothing sent until it drains */
};

struct pty_state;
struct paste;

struct pty_sub {
	struct stream		*stream;
	struct pty_state	*state;
	enum pty_sub_status	 status;
	/* Raw: the last chunk sent. Frames: the last frame sent (0: none). */
	uint64_t		 sent_seq;
	/* Behind: a snapshot (raw) or the newest frame is owed on drain. */
	bool			 need_snapshot;
	TAILQ_ENTRY(pty_sub)	 entry;		/* in the state's list */
};

struct stream_sub {
	char			*topic;
	struct pty_sub		*pty;		/* for session:<id>:pty only */
	TAILQ_ENTRY(stream_sub)	 entry;
};
TAILQ_HEAD(stream_sub_list, stream_sub);

enum rate_class {
	RATE_CONTROL,		/* hello, subscribe, unsubscribe, ping, resize, unknown */
	RATE_INPUT,
	RATE_KEY,
	RATE_PASTE,
	RATE_CLASSES,
};

TAILQ_HEAD(paste_list, paste);

struct stream {
	char			 id[STREAM_ID_LEN + 1];
	struct request		*req;
	enum listener_kind	 listener;
	char			*auth_session_id;	/* NULL on the CLI socket */
	bool			 ended;		/* closed by us: send nothing more */
	enum pty_mode		 mode;
	bool			 paste_supported;	/* hello: supports.ptyPaste */
	struct stream_sub_list	 subs;
	int			 nsubs;
	int64_t			 rate_window_ms;
	int			 rate_count[RATE_CLASSES];
	struct paste_list	 pastes;
	int			 npastes;
	struct event		*drain_timer;	/* armed while a subscriber is behind */
	TAILQ_ENTRY(stream)	 entry;
};

/* Counters of stream_stats(). */
struct stream_counters {
	uint64_t	chunks;		/* pty_raw messages sent */
	uint64_t	frames;		/* pty_output messages sent */
	uint64_t	snapshots;	/* pty_snapshot messages sent */
	uint64_t	captures;	/* capture-pane runs */
	uint64_t	replayed;	/* chunks sent from the ring on subscribe */
	uint64_t	behind;		/* times a subscriber fell behind */
	uint64_t	closed_backpressure;
};
extern struct stream_counters stream_counters;

/* stream.c */
struct stream	*stream_find(const char *id);
/* Send one message line (a JSON text without the newline). */
void		 stream_put_line(struct stream *st, const char *line, size_t len);
/* Send a JSON message; steals msg. */
void		 stream_put(struct stream *st, json_t *msg);
void		 stream_put_error(struct stream *st, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));
/* Ask the relay to close the WebSocket with code and reason, and end. */
void		 stream_close(struct stream *st, int code, const char *reason);
/* Is the client too far behind for terminal output? Arms the drain timer. */
bool		 stream_is_behind(struct stream *st);
bool		 stream_paste_enabled(void);

/* stream-input.c: the input operations of websocket.md §4.3-4.6 and resize. */
void		 stream_op_input(struct stream *st, json_t *msg);
void		 stream_op_key(struct stream *st, json_t *msg);
void		 stream_op_paste(struct stream *st, json_t *msg);
void		 stream_op_resize(struct stream *st, json_t *msg);
void		 stream_pastes_free(struct stream *st);
extern stream_input_check stream_input_checker;
/* "Invalid message: <why>" checks shared with stream.c; NULL when fine. */
const char	*stream_check_request_id(json_t *v);

/* stream-pty.c: terminal output per session. */
void		 pty_module_init(void);
void		 pty_module_shutdown(void);
/* last_seq < 0: none given. */
struct pty_sub	*pty_subscribe(struct stream *st, const char *session_id,
		     int64_t last_seq);
/* Re-subscribing with a sequence number: resume from it again. */
void		 pty_resume(struct pty_sub *ps, int64_t last_seq);
void		 pty_unsubscribe(struct pty_sub *ps);
/* The stream's mode changed (hello): restart its subscriptions. */
void		 pty_mode_changed(struct stream *st);
/* The stream's backlog drained: catch its subscribers up. */
void		 pty_stream_drained(struct stream *st);
/* The stream is going away: forget its sizes and ownership. */
void		 pty_stream_gone(struct stream *st);
/*
 * Terminal sizing (docs/websocket.md): the stream that last sent input to a
 * session owns its size. pty_note_input() makes st the owner (applying the
 * size it asked for, if any) before its input is delivered.
 */
void		 pty_note_input(struct stream *st, struct session *s);
/* A resize request: applied now when st owns the size or nobody does;
 * otherwise remembered for when st types. done(applied, cols, rows) runs
 * once tmux has taken it (or at once when not applied). */
void		 pty_request_resize(struct stream *st, struct session *s,
		     int cols, int rows,
		     void (*done)(bool applied, int cols, int rows, void *arg),
		     void *arg);

#endif
