/* GET /health, GET /version, GET /providers. */
#include <stdlib.h>

#include "provider.h"
#include "routes.h"
#include "session.h"
#include "version.h"

static void
get_health(struct request *req)
{
	reply_json(req, 200, json_pack("{s:s,s:i}", "status", "ok",
	    "zombieSessionCount", sessions_zombie_count()));
}

static void
get_version(struct request *req)
{
	reply_json(req, 200, json_pack("{s:s,s:s}", "version", CODEPIPER_VERSION,
	    "build", "c11 " __DATE__));
}

static void
get_providers(struct request *req)
{
	reply_json(req, 200, provider_list_json());
}

const struct route routes_system[] = {
	{ "GET", "/health", get_health, ROUTE_PUBLIC | ROUTE_AGENT_OK },
	{ "GET", "/version", get_version, ROUTE_PUBLIC | ROUTE_AGENT_OK },
	{ "GET", "/providers", get_providers, 0 },
	{ NULL, NULL, NULL, 0 },
};
