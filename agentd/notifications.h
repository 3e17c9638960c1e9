/*
 * Inbox notifications derived from hook events (hooks-and-policies.md §12):
 * the tables session_notifications, session_notification_prefs and
 * push_subscriptions. This module creates, lists and marks records read,
 * keeps the per-session preference and the Web Push subscriptions, and
 * publishes every change on the "notifications" topic (websocket.md §5.4).
 * Routes: routes-notifications.c.
 *
 * Web Push is stored, never sent: there is no sender yet, so push/test
 * always reports skipped.
 */
#ifndef CODEPIPER_NOTIFICATIONS_H
#define CODEPIPER_NOTIFICATIONS_H

#include <stdbool.h>
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

/* What GET /notifications selects; zero values mean "no filter". */
struct notification_filter {
	const char	*session_id;
	const char	*event_type;
	bool		 unread_only;
	int64_t		 before;	/* only ids below this */
	int64_t		 limit;		/* at most this many rows */
};

/* The matching records, newest id first; NULL on a database error.
 * The caller owns the array. */
json_t	*notification_list(const struct notification_filter *filter);

/*
 * Mark one notification read: 1 when it changed, 0 when it was already
 * read or does not exist, -1 on a database error. Publishes
 * notification_read and notification_counts_updated when it changed.
 */
int	 notification_mark_read(int64_t id, const char *read_source);

/* Mark every unread notification (of one session when session_id is not
 * NULL) read: how many changed, or -1. Publishes a bulk notification_read
 * and the counts when any did. */
int64_t	 notification_mark_all_read(const char *session_id,
	     const char *read_source);

/* {"sessionId","enabled":null|bool,"updatedAt"}: updatedAt is the epoch
 * when never set. enabled < 0 stores null (follow the global setting).
 * The caller owns the result; NULL on a database error. */
json_t	*notification_prefs(const char *session_id);
json_t	*notification_prefs_set(const char *session_id, int enabled);

/* {"enabled","configured","reasons":[…],"publicKey"} from the environment
 * (CODEPIPER_PUSH_ENABLED, CODEPIPER_PUSH_PUBLIC_KEY/PRIVATE_KEY). */
json_t	*push_status(void);
bool	 push_configured(void);

/* Why endpoint cannot be a push subscription endpoint (the spec's message),
 * or NULL when it can. */
const char *push_endpoint_error(const char *endpoint);

/* Subscriptions as {"endpoint","expirationTime","createdAt","updatedAt"}
 * (keys never leave the table). The caller owns the results. upsert takes
 * expiration null or a number >= 0 (borrowed). delete: 1 deleted, 0 none,
 * -1 error. */
json_t	*push_subscriptions(void);
int64_t	 push_subscription_count(void);
json_t	*push_subscription_upsert(const char *endpoint, const char *p256dh,
	     const char *auth, json_t *expiration);
int	 push_subscription_delete(const char *endpoint);

#endif
