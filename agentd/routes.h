/*
 * The route table: every resource's routes, registered in one place
 * (routes.c). Each routes-*.c file exports one NULL-terminated array.
 */
#ifndef CODEPIPER_ROUTES_H
#define CODEPIPER_ROUTES_H

#include "httpd.h"

extern const struct route routes_system[];
extern const struct route routes_sessions[];
extern const struct route routes_auth[];
extern const struct route routes_settings[];
extern const struct route routes_workspaces[];
extern const struct route routes_envsets[];

extern const struct route routes_stream[];
extern const struct route routes_hooks[];
extern const struct route routes_policies[];
extern const struct route routes_audit[];
extern const struct route routes_analytics[];
extern const struct route routes_conversation[];
extern const struct route routes_model[];
extern const struct route routes_budget[];
extern const struct route routes_notifications[];
/* A NULL-terminated array of route arrays. */
const struct route *const *routes_all(void);

#endif
