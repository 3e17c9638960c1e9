/*
 * Daemon settings routes (settings-workspaces-envsets.md §1): GET and PUT
 * /settings/daemon, POST /settings/daemon/restart.
 */
#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>

#include "daemon.h"
#include "routes.h"
#include "settings.h"

/* Long enough for the 202 to leave before the listeners close. */
#define RESTART_DELAY_MS	25

static struct event *restart_timer;

static void
get_settings(struct request *req)
{
	reply_json(req, 200, json_pack("{s:o}", "settings", settings_json()));
}

static void
put_settings(struct request *req)
{
	json_t *body, *update, *restart;
	char *error = NULL;

	if ((body = request_object(req)) == NULL)
		return;
	if ((update = settings_validate(body, &error)) == NULL) {
		reply_error(req, 400, "%s", error);
		free(error);
		return;
	}
	restart = settings_restart_required(update);
	if (settings_update(update) != 0) {
		json_decref(update);
		json_decref(restart);
		reply_error(req, 500, "Internal server error");
		return;
	}
	json_decref(update);
	body = json_pack("{s:o}", "settings", settings_json());
	/* Improvement: say which changes wait for a restart. */
	if (json_array_size(restart) > 0)
		json_object_set(body, "restartRequired", restart);
	json_decref(restart);
	reply_json(req, 200, body);
}

static void
restart_now(evutil_socket_t fd, short what, void *arg)
{
	event_free(restart_timer);
	restart_timer = NULL;
	daemon_request_stop(true);
}

static void
post_restart(struct request *req)
{
	struct timeval delay = { 0, RESTART_DELAY_MS * 1000 };
	bool preserve = settings_bool("preserveSessions");

	/* Repeated calls while a restart is pending change nothing. */
	if (restart_timer == NULL) {
		restart_timer = evtimer_new(daemon_base, restart_now, NULL);
		evtimer_add(restart_timer, &delay);
	}
	reply_json(req, 202, json_pack("{s:b,s:b,s:s}", "restarting", 1,
	    "preserveSessions", preserve, "message", preserve ?
	    "Daemon restart scheduled. Active sessions will be preserved." :
	    "Daemon restart scheduled. Active sessions will be stopped."));
}

const struct route routes_settings[] = {
	{ "GET", "/settings/daemon", get_settings, 0 },
	{ "PUT", "/settings/daemon", put_settings, ROUTE_JSON },
	{ "POST", "/settings/daemon/restart", post_restart, 0 },
	{ NULL, NULL, NULL, 0 },
};
