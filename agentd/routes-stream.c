/*
 * Stream routes: what codepiper-ws uses to bridge a browser's WebSocket to
 * agentd (stream.h). GET /stream opens a stream; POST /stream/:streamId
 * carries one client message; GET /stream/stats reports counters (CLI
 * socket only, for tests and benchmarks).
 *
 * On the web socket GET /stream needs a signed-in session like any other
 * route (the web gate runs first and records which one, so that a logout
 * can close the stream). POST /stream/:streamId is public: the stream id is
 * 128 random bits known only to agentd and the relay that opened the
 * stream, and the per-message rate limits are the stream's own
 * (websocket.md §8), not the API's. Neither is for the FastCGI path:
 * codepiper-fcgi marks every request it relays with X-CodePiper-Request-Id,
 * which clients cannot set, and those are refused.
 *
 * The upgrade itself is checked by POST /internal/ws-authorize
 * (routes-auth.c) before the relay accepts it.
 */
#include <stdbool.h>

#include "routes.h"
#include "stream.h"

static bool
from_fcgi(struct request *req)
{
	return req->listener == LISTENER_WEB &&
	    request_header(req, "X-CodePiper-Request-Id") != NULL;
}

static void
get_stream(struct request *req)
{
	if (from_fcgi(req)) {
		reply_error(req, 404, "Not found: %s", req->path);
		return;
	}
	stream_open(req);
}

static void
post_stream(struct request *req)
{
	if (from_fcgi(req)) {
		reply_error(req, 404, "Not found: %s", req->path);
		return;
	}
	if (stream_post(request_param(req, "streamId"), req->listener,
	    req->body, req->body_len) != 0) {
		reply_error(req, 404, "Stream not found");
		return;
	}
	reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void
get_stream_stats(struct request *req)
{
	reply_json(req, 200, stream_stats());
}

const struct route routes_stream[] = {
	{ "GET",  "/stream", get_stream, ROUTE_STREAM },
	{ "GET",  "/stream/stats", get_stream_stats, ROUTE_CLI_ONLY },
	{ "POST", "/stream/:streamId", post_stream, ROUTE_PUBLIC },
	{ NULL, NULL, NULL, 0 },
};
