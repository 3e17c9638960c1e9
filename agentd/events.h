/*
 * The events table: everything recorded about a session (hook payloads,
 * transcript lines, input decisions), and its paged listing.
 */
#ifndef CODEPIPER_EVENTS_H
#define CODEPIPER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Insert an event and publish it on "session:<id>:events". Returns the new
 * id or -1. payload is borrowed. */
int64_t	 event_record(const char *session_id, const char *source,
	     const char *type, json_t *payload);

/*
 * The same with the payload as JSON text (valid, len bytes, stored as it
 * is): for transcript lines, which arrive as text and are large. It is
 * parsed for publishing only when publish is true and someone subscribes.
 */
int64_t	 event_record_text(const char *session_id, const char *source,
	     const char *type, const char *payload, size_t len, bool publish);

struct event_query {
	const char	*session_id;
	const char	*source;	/* or NULL */
	const char	*type;		/* or NULL */
	int64_t		 since;		/* id > since, or -1 */
	int64_t		 before;	/* id < before, or -1 */
	int64_t		 limit;		/* 1..1000 */
	int		 descending;
};
/* {"events":[...],"hasMore":bool}; the caller owns it. */
json_t	*event_list(const struct event_query *q);

#endif
