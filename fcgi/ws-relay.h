/*
 * codepiper-ws's relay: one browser WebSocket bridged to one agentd stream
 * (agentd/stream.h) over agentd's web socket.
 *
 *   upgrade    POST /internal/ws-authorize with the browser's Cookie,
 *              Authorization, Origin, Host and the client address nginx set;
 *              anything but 200 is the browser's answer (401, 403) and no
 *              upgrade happens.
 *   agentd -> browser   GET /stream (chunked NDJSON, same headers): every
 *              line is one text message, except agentd's own lines
 *              ({"relay":"ready","streamId":...}, {"relay":"close",...}).
 *   browser -> agentd   each message, at most 64 KiB (else close 1009), is
 *              POST /stream/<streamId>, one at a time and in order.
 *
 * Everything runs on libwebsockets' event loop; only the upgrade check
 * waits for agentd (a local socket, bounded by RELAY_AUTH_TIMEOUT_MS),
 * because lws must decide on the upgrade inside the callback. The relay
 * keeps nothing but its open connections: no sessions, no secrets (the
 * Cookie of a connection is held only until its stream is open), no log of
 * headers or messages.
 *
 * Memory is bounded per connection: when RELAY_QUEUE_HIGH bytes wait for a
 * slow browser, the relay stops reading the stream and agentd sees its
 * output buffer grow (it then drops that client to snapshots); when the
 * browser sends faster than agentd takes it, the relay stops reading the
 * browser.
 */
#ifndef CODEPIPER_WS_RELAY_H
#define CODEPIPER_WS_RELAY_H

#include <libwebsockets.h>

/* websocket.md §8. */
#define RELAY_MESSAGE_MAX	(64 * 1024)
/* Bytes queued for a browser before the relay stops reading agentd. */
#define RELAY_QUEUE_HIGH	(512 * 1024)
#define RELAY_QUEUE_LOW		(128 * 1024)
/* Messages from a browser waiting for agentd before the relay stops
 * reading the browser. */
#define RELAY_INPUT_HIGH	64
#define RELAY_AUTH_TIMEOUT_MS	5000
/* A PING after this much silence, a hang-up after this much more
 * (websocket.md §7: ping every 30 s, close after two missed pongs). */
#define RELAY_PING_SECS		30
#define RELAY_HANGUP_SECS	75

struct relay_config {
	const char	*backend_path;	/* agentd's web socket */
};

/* The protocols for lws_create_context: the browser side first. */
extern const struct lws_protocols relay_protocols[];

/* Set before the context is created; must outlive it. */
void	relay_init(const struct relay_config *config);
/* Close every browser connection with 1001 "Server shutting down". */
void	relay_shutdown_connections(void);
/* Open connections, for the shutdown loop. */
int	relay_connection_count(void);
void	relay_free(void);

#endif
