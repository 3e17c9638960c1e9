/*
 * Live messages for the dashboard and the WebSocket relay: a topic
 * ("sessions", "session:<id>:events", "notifications", ...) and a JSON
 * message. Subscribers register a callback; publishing with nobody listening
 * costs one check.
 */
#ifndef CODEPIPER_BROADCAST_H
#define CODEPIPER_BROADCAST_H

#include <stdbool.h>

#include <jansson.h>

typedef void (*broadcast_cb)(const char *topic, json_t *msg, void *arg);

/* Whether anyone listens: lets a publisher skip building a message. */
bool	broadcast_has_subscribers(void);
/* Steals msg. */
void	broadcast_publish(const char *topic, json_t *msg);
int	broadcast_subscribe(broadcast_cb cb, void *arg);	/* returns a handle */
void	broadcast_unsubscribe(int handle);

#endif
