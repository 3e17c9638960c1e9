/*
 * Policy storage (hooks-and-policies.md §5-§9): the policies, policy_sets,
 * policy_set_members and session_policy_sets tables, the effective policies
 * of a session, and the cache of their compiled form.
 *
 * Every write here is one transaction and bumps a generation counter; the
 * compiled policies of a session (policy_compiled_for) are rebuilt the first
 * time they are asked for after a write, never on every hook.
 *
 * JSON returned is the API's shape and a new reference (the caller's).
 * Functions that can fail for a reason the client must see return -1 with an
 * HTTP status in *status and a message in *error (the caller frees it).
 * Callers validate field types first (routes-policies.c); this module checks
 * what needs the database (existence, duplicates, references).
 */
#ifndef CODEPIPER_POLICY_STORE_H
#define CODEPIPER_POLICY_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "policy-rules.h"

void	 policy_store_init(void);
void	 policy_store_shutdown(void);

/* ---- policies */

struct policy_fields {
	const char	*id;
	const char	*name;
	const char	*description;	/* NULL: none */
	bool		 enabled;
	int64_t		 priority;
	const char	*session_id;	/* NULL: global */
	json_t		*rules;		/* array, validated; borrowed */
};

/* What PUT /policies/:id may change; NULL / has_* false: unchanged. */
struct policy_changes {
	const char	*name;
	bool		 has_description;
	const char	*description;	/* NULL clears it */
	bool		 has_enabled;
	bool		 enabled;
	bool		 has_priority;
	int64_t		 priority;
	json_t		*rules;
};

enum policy_scope {
	POLICY_SCOPE_ANY,
	POLICY_SCOPE_GLOBAL,
	POLICY_SCOPE_SESSION,
};

json_t	*policy_get(const char *id);
bool	 policy_exists(const char *id);
/* enabled: -1 any, 0 disabled only, 1 enabled only. Priority desc. */
json_t	*policy_list(int enabled, enum policy_scope scope,
	    const char *session_id);
int	 policy_create(const struct policy_fields *fields, json_t **out,
	     int *status, char **error);
int	 policy_update(const char *id, const struct policy_changes *changes,
	     json_t **out, int *status, char **error);
/* 0, or -1 when there is no such policy. */
int	 policy_delete(const char *id);

/*
 * PUT /sessions/:id/policy (§8): update the session's first policy or
 * create "<sessionId>-policy". *action is "updated" or "created" (static);
 * *policy_id is the caller's.
 */
int	 policy_session_put(const char *session_id, json_t *policy,
	     const char **action, char **policy_id);

/*
 * "Always allow this here": append an allow rule for tool (and, when key is
 * set, args.<key> equal to value exactly) to the session's remembered
 * policy, creating it. *policy_id is the caller's.
 */
int	 policy_remember(const char *session_id, const char *tool,
	     const char *key, const char *value, char **policy_id);
/* A glob pattern matching exactly s (every special character escaped). */
char	*policy_glob_escape(const char *s);

/* ---- policy sets */

bool	 policy_set_exists(const char *id);
json_t	*policy_set_list(void);				/* [summary] */
json_t	*policy_set_get(const char *id);		/* detail or NULL */
/* policy_ids: array of existing policy ids (duplicates ignored) or NULL. */
int	 policy_set_create(const char *id, const char *name,
	     const char *description, bool is_default, json_t *policy_ids,
	     json_t **out, int *status, char **error);
/* description_set with description NULL clears it; is_default NULL: kept. */
int	 policy_set_update(const char *id, const char *name,
	     bool description_set, const char *description,
	     const bool *is_default, json_t **out, int *status, char **error);
int	 policy_set_delete(const char *id);
int	 policy_set_add_member(const char *set_id, const char *policy_id,
	     int *status, char **error);
int	 policy_set_remove_member(const char *set_id, const char *policy_id,
	     int *status, char **error);

json_t	*session_policy_sets(const char *session_id);	/* [summary] */
int	 session_policy_set_add(const char *session_id, const char *set_id,
	     int *status, char **error);
int	 session_policy_set_remove(const char *session_id, const char *set_id,
	     int *status, char **error);
/* Bind the default set (if any) to a newly created session. */
void	 policy_sets_bind_default(const char *session_id);

/* ---- evaluation */

/* §6: the session's effective policies, API shape, evaluation order. */
json_t	*policy_effective(const char *session_id);
/*
 * The compiled effective policies of a session. Borrowed: valid until the
 * next write to any policy table (so: use it at once, never keep it).
 */
const struct policy_set_compiled *policy_compiled_for(const char *session_id);
/* Forget a session's compiled policies (the session ended). */
void	 policy_compiled_forget(const char *session_id);
/* The daemon setting defaultPolicyAction: ask (default) or deny. */
enum policy_action policy_default_action(void);

#endif
