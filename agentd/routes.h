/*
 * The route table: every resource's routes, registered in one place
 * (routes.c). Each routes-*.c file exports one NULL-terminated array.
 */
#ifndef CODEPIPER_ROUTES_H
#define CODEPIPER_ROUTES_H

#include "httpd.h"

extern const struct route routes_system[];
extern const struct route routes_sessions[];

/* A NULL-terminated array of route arrays. */
const struct route *const *routes_all(void);

#endif
