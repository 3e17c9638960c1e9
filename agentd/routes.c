#include "routes.h"

#include <stddef.h>

static const struct route *const route_tables[] = {
	routes_system,
	routes_sessions,
	routes_auth,
	routes_settings,
	routes_workspaces,
	routes_envsets,
	routes_stream,
	routes_analytics,
	routes_conversation,
	routes_model,
	routes_budget,
	routes_notifications,
	routes_hooks,
	routes_policies,
	routes_audit,
	NULL,
};

const struct route *const *
routes_all(void)
{
	return route_tables;
}
