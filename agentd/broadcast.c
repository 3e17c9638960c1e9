#include "broadcast.h"

#include <stdlib.h>

#include "xmalloc.h"

struct subscriber {
	broadcast_cb	 cb;
	void		*arg;
	int		 handle;
};

static struct subscriber *subscribers;
static size_t nsubscribers;
static int next_handle = 1;

bool
broadcast_has_subscribers(void)
{
	return nsubscribers > 0;
}

void
broadcast_publish(const char *topic, json_t *msg)
{
	size_t i;

	for (i = 0; i < nsubscribers; i++)
		subscribers[i].cb(topic, msg, subscribers[i].arg);
	json_decref(msg);
}

int
broadcast_subscribe(broadcast_cb cb, void *arg)
{
	subscribers = xreallocarray(subscribers, nsubscribers + 1,
	    sizeof *subscribers);
	subscribers[nsubscribers].cb = cb;
	subscribers[nsubscribers].arg = arg;
	subscribers[nsubscribers].handle = next_handle;
	nsubscribers++;
	return next_handle++;
}

void
broadcast_unsubscribe(int handle)
{
	size_t i;

	for (i = 0; i < nsubscribers; i++) {
		if (subscribers[i].handle == handle) {
			subscribers[i] = subscribers[--nsubscribers];
			break;
		}
	}
	if (nsubscribers == 0) {
		free(subscribers);
		subscribers = NULL;
	}
}
