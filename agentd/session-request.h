/*
 * Validation of POST /sessions bodies (sessions.md, the create table), in the
 * spec's order and with its messages. Pure: no I/O, unit-tested.
 */
#ifndef CODEPIPER_SESSION_REQUEST_H
#define CODEPIPER_SESSION_REQUEST_H

#include <jansson.h>

#include "session.h"

/* Fill spec from body (borrowed pointers into body). 0, or -1 with a 4xx
 * status and a message the caller frees. */
int	session_request_parse(json_t *body, struct session_spec *spec,
	    int *status, char **error);

/* The checks shared by create, validate and the CLI: cwd rules. */
int	session_request_check_cwd(json_t *cwd, char **error);

#endif
