/*
 * Inbox notifications derived from hook events (hooks-and-policies.md §12):
 * the session_notifications table. This module creates records and counts
 * unread ones; routes that list and mark them read belong with it.
 */
#ifndef CODEPIPER_NOTIFICATIONS_H
#define CODEPIPER_NOTIFICATIONS_H

#include <stdint.h>

#include <jansson.h>

/*
 * Create the notification a hook event calls for (Stop -> turn completed,
 * Notification permission_prompt / idle_prompt -> permission / input
 * required) when notificationsEnabled is on, the session's preference is
 * not off and notificationEventDefaults does not disable the type.
 * Deduplicated on (event_id, type); publishes notification_created and
 * notification_counts_updated on "notifications". data is borrowed.
 */
void	 notification_from_hook(const char *session_id, const char *event,
	     json_t *data, int64_t event_id);

/* {"totalUnread":n,"bySession":{"<id>":n}}; the caller owns it. */
json_t	*notification_counts(void);

/* The label notifications use for a session: its custom name, else the
 * base name of its folder, else "session <first 8 of id>". Caller frees. */
char	*notification_session_label(const char *id, const char *cwd,
	    json_t *metadata);

#endif
