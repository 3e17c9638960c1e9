#include "routes.h"

#include <stddef.h>

static const struct route *const route_tables[] = {
	routes_system,
	routes_sessions,
	NULL,
};

const struct route *const *
routes_all(void)
{
	return route_tables;
}
