/*
 * Environment sets (settings-workspaces-envsets.md §3): named groups of
 * environment variables injected into sessions at creation. Owns the
 * env_sets table and the session provider resolve_env_sets.
 *
 * The variables are stored only as secretbox ciphertext of their JSON object
 * (key: the daemon's secretbox key, borrowed at init) and are never returned
 * by the API: records show each value as "****" (improvement: the reference
 * revealed the last four characters). Plaintext exists only while a record
 * is rendered or a session's environment is built; the decrypted buffer is
 * zeroed, the strings jansson parses out of it are freed but not zeroed.
 *
 * Calls that can fail return 0, or -1 with *status (400, 404, 409, 500) and
 * *error, an API message the caller frees. JSON returned is a new reference.
 */
#ifndef CODEPIPER_ENVSETS_H
#define CODEPIPER_ENVSETS_H

#include <jansson.h>

struct secretbox_key;

/* Limits (improvement: the reference had none and accepted any name). */
#define ENVSET_MAX_VARS		256
#define ENVSET_MAX_VALUE_BYTES	32768
#define ENVSET_MAX_NAME_BYTES	256

/* Registers the session provider; key must outlive the module. */
void	 envsets_init(const struct secretbox_key *key);

/*
 * NULL if vars is an acceptable variable map, else the 400 message (caller
 * frees): values must be strings, names ^[A-Za-z_][A-Za-z0-9_]*$, limits.
 */
char	*envset_vars_check(json_t *vars);

/* {"envSets":[...]} sorted by name. */
json_t	*envsets_list_json(void);
json_t	*envset_json(const char *id);
/* description: a string, JSON null or NULL (none). */
int	 envset_create(const char *name, json_t *description, json_t *vars,
	     json_t **out, int *status, char **error);
/*
 * NULL name / vars leave them as they are; description is changed only when
 * set_description (to a string, or cleared by JSON null).
 */
int	 envset_update(const char *id, const char *name, int set_description,
	     json_t *description, json_t *vars, json_t **out, int *status,
	     char **error);
int	 envset_delete(const char *id, int *status, char **error);

/*
 * The session provider: the variables of the sets named by ids (array of
 * strings), merged in order, later sets winning, into *vars (a new object).
 * -1 with *status 404 "Env set not found: <id>" or 500 and *cause.
 */
int	 envsets_resolve(json_t *ids, json_t **vars, int *status,
	     char **cause);

#endif
