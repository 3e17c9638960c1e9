/*
 * GET /sessions/:id/conversation?before=&after=&limit= : a session's
 * transcript messages, newest page first (no cursor), older ones with
 * before=<oldestId>, new ones since the last look with after=<newestId>.
 */
#include <stdlib.h>

#include "conversation.h"
#include "routes.h"
#include "session.h"
#include "util.h"

/* 0 with *out (fallback when absent), -1 when present and not in range. */
static int
query_number(struct request *req, const char *name, int64_t min, int64_t max,
    int64_t fallback, int64_t *out)
{
	char *v = request_query(req, name);
	const char *errstr;
	int rc = 0;

	*out = fallback;
	if (v != NULL && parse_int64(v, min, max, out, &errstr) != 0)
		rc = -1;
	free(v);
	return rc;
}

static void
get_conversation(struct request *req)
{
	const char *id = request_param(req, "id");
	struct conversation_query q = { .session_id = id };
	json_t *row;

	if (session_find(id) == NULL) {
		if ((row = session_db_json(id)) == NULL) {
			reply_error(req, 404, "Session not found: %s", id);
			return;
		}
		json_decref(row);
	}
	if (query_number(req, "before", 0, INT64_MAX, -1, &q.before) != 0 ||
	    query_number(req, "after", 0, INT64_MAX, -1, &q.after) != 0) {
		reply_error(req, 400, "before and after must be message ids "
		    "(non-negative integers)");
		return;
	}
	if (q.before >= 0 && q.after >= 0) {
		reply_error(req, 400, "Give before or after, not both");
		return;
	}
	if (query_number(req, "limit", 1, CONVERSATION_LIMIT_MAX,
	    CONVERSATION_LIMIT_DEFAULT, &q.limit) != 0) {
		reply_error(req, 400, "limit must be an integer from 1 to %d",
		    CONVERSATION_LIMIT_MAX);
		return;
	}
	reply_json(req, 200, conversation_page(&q));
}

const struct route routes_conversation[] = {
	{ "GET", "/sessions/:id/conversation", get_conversation, 0 },
	{ NULL, NULL, NULL, 0 },
};
