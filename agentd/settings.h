/*
 * Daemon settings (settings-workspaces-envsets.md §1): one JSON document in
 * the daemon_settings row, read once and cached; defaults fill what is unset.
 * This module owns the keys, their defaults and their validation.
 */
#ifndef CODEPIPER_SETTINGS_H
#define CODEPIPER_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

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

/*
 * Validate a PUT /settings/daemon body against the spec's rules, all before
 * any write. Returns the update to pass to settings_update() (a new
 * reference: terminalFeatures merged with the current values, canary
 * percentages rounded, unknown keys dropped), or NULL with *error, the 400
 * message of the first rule that fails (the caller frees it).
 */
json_t	*settings_validate(json_t *body, char **error);
/*
 * Top-level keys whose new value in update only takes effect after a
 * restart, as a new JSON array (possibly empty).
 */
json_t	*settings_restart_required(json_t *update);
/* The API object: settings_all() plus "updatedAt"; a new reference. */
json_t	*settings_json(void);

#endif
