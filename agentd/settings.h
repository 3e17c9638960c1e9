/*
 * Daemon settings (settings-workspaces-envsets.md §1): one JSON document in
 * the daemon_settings row, read once and cached; defaults fill what is unset.
 */
#ifndef CODEPIPER_SETTINGS_H
#define CODEPIPER_SETTINGS_H

#include <stdbool.h>

#include <jansson.h>

int	 settings_load(void);
void	 settings_unload(void);
/* The full settings object (defaults applied); borrowed. */
json_t	*settings_all(void);
bool	 settings_bool(const char *key);
const char *settings_string(const char *key);
/* Replace stored values with those in update (already validated). */
int	 settings_update(json_t *update);
int64_t	 settings_updated_at(void);

#endif
