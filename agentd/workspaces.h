/*
 * Workspaces (settings-workspaces-envsets.md §2): saved directories the
 * dashboard offers as shortcuts for new sessions. Owns the workspaces
 * table. They scope nothing: sessions never refer to them.
 *
 * Paths are checked and stored canonical (improvement: the reference stored
 * them verbatim and accepted regular files).
 *
 * Calls that can fail return 0, or -1 with *status (400, 404, 409, 500) and
 * *error, a message for the API the caller frees. JSON returned through
 * *out or as a return value is a new reference.
 */
#ifndef CODEPIPER_WORKSPACES_H
#define CODEPIPER_WORKSPACES_H

#include <jansson.h>

/* {"workspaces":[...]} sorted by name. */
json_t	*workspaces_list_json(void);
/* The record, or NULL when there is none. */
json_t	*workspace_json(const char *id);
/* name is already validated (validate.h); path is checked here. */
int	 workspace_create(const char *name, const char *path, json_t **out,
	     int *status, char **error);
/* NULL leaves a field as it is. */
int	 workspace_update(const char *id, const char *name, const char *path,
	     json_t **out, int *status, char **error);
int	 workspace_delete(const char *id, int *status, char **error);

#endif
