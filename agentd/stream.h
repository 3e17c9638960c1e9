/*
 * Live streams: what a browser's WebSocket becomes inside agentd.
 *
 * codepiper-ws opens one stream per browser connection (GET /stream, a
 * chunked response of newline-delimited JSON) and posts every message the
 * browser sends to it (POST /stream/:streamId). This module owns the open
 * streams and everything that hangs off them: topic subscriptions, the
 * WebSocket protocol of spec/websocket.md (hello, subscribe, terminal input,
 * chunked pastes, resize, ping, rate limits), and the terminal output of
 * every live session as each subscriber asked for it:
 *
 *   - "raw": a pty_snapshot (capture-pane -e, taken only when a subscriber
 *     needs a starting point) and then every chunk of pane output as tmux
 *     reported it (%output), each with a per-session sequence number;
 *   - "frames" (the reference's pty_output): a full-screen capture taken
 *     only after tmux reported output, at most one per FRAME_INTERVAL.
 *
 * A bounded ring of recent chunks per session lets a client that reconnects
 * with the last sequence number it saw receive exactly what it missed.
 * A client that falls behind (its connection's output buffer grows) stops
 * receiving chunks and gets a fresh snapshot once it has caught up, so a
 * slow client costs bounded memory.
 *
 * Lines whose first key is "relay" are for codepiper-ws itself, never for
 * the browser: {"relay":"ready","streamId":"..."} opens every stream and
 * {"relay":"close","code":N,"reason":"..."} asks the relay to close the
 * WebSocket with that code right before the stream ends.
 *
 * Streams are ended at once when the auth session they were opened with is
 * revoked (broadcast topic "auth": {"type":"auth_revoked",
 * "authSessionIds":[...]} or {"all":true}).
 */
#ifndef CODEPIPER_STREAM_H
#define CODEPIPER_STREAM_H

#include <stddef.h>
#include <stdbool.h>

#include <jansson.h>

#include "httpd.h"

struct session;

/* Register the session listener and the broadcast subscription. */
void	 stream_module_init(void);
/* Close every stream (the relay closes its WebSockets with 1001) and free
 * the terminal state. Call before sessions_shutdown(). */
void	 stream_module_shutdown(void);

/* GET /stream: turn req into a stream (the request is the stream's now). */
void	 stream_open(struct request *req);
/*
 * One client message (the body of POST /stream/:streamId) for the stream
 * with that id opened on the same listener. Replies go down the stream.
 * Returns 0, or -1 when there is no such stream.
 */
int	 stream_post(const char *stream_id, enum listener_kind listener,
	     const char *body, size_t len);

/* Counters for tests and benchmarks: {"streams":n,"snapshots":n,...}. */
json_t	*stream_stats(void);

/*
 * Input pre-flight (Codex sessions' policy channel). When set, it runs
 * before text is typed into a session: 0 lets it through; -1 blocks it, and
 * *reply is the pty_*_error object to send (without op, sessionId and
 * requestId, which are filled in), e.g. {"error":"...","code":
 * "policy_blocked","status":403,"policyAction":"deny","provider":"codex"}.
 */
typedef int (*stream_input_check)(struct session *s, const char *text,
    size_t len, json_t **reply);
void	 stream_set_input_check(stream_input_check check);
/* The same for pty_key: keys is an array of the key names as the client
 * sent them (["enter"]), borrowed. */
typedef int (*stream_key_check)(struct session *s, json_t *keys,
    json_t **reply);
void	 stream_set_key_check(stream_key_check check);

#endif
