/*
 * A session's conversation as its transcript recorded it: the user and
 * assistant lines (events of source "transcript"), newest page first, then
 * pages before or after a cursor. Tool calls carry their result (found
 * through tool_uses), so a page reads on its own. Works for ended sessions:
 * it reads only the database.
 */
#ifndef CODEPIPER_CONVERSATION_H
#define CODEPIPER_CONVERSATION_H

#include <stdint.h>

#include <jansson.h>

#define CONVERSATION_LIMIT_DEFAULT	50
#define CONVERSATION_LIMIT_MAX		200
/* Tool results and long texts are cut to this many bytes in a page. */
#define CONVERSATION_TEXT_MAX		(16 * 1024)

struct conversation_query {
	const char	*session_id;
	int64_t		 before;	/* ids < before, newest of those; or -1 */
	int64_t		 after;		/* ids > after, oldest of those; or -1 */
	int64_t		 limit;
};

/*
 * {"sessionId","messages":[... oldest first ...],"hasMore":bool,
 *  "oldestId":n|null,"newestId":n|null}. hasMore: older messages exist
 * (newest page, before=) or newer ones (after=). The caller owns it.
 */
json_t	*conversation_page(const struct conversation_query *q);

#endif
