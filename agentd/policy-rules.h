/*
 * policy-rules: the pure, in-memory policy engine (hooks-and-policies.md §5,
 * docs/policies.md).  No I/O: the caller loads policies, turns them into the
 * API's JSON shape and hands them over.
 *
 * policy_compile() reads a JSON array of policies once, drops disabled ones,
 * sorts the rest by priority (stable) and compiles every pattern, so that
 * policy_evaluate() only matches.  The compiled set copies what it needs: the
 * caller keeps and frees its json_t.  The set is immutable and may be shared
 * by threads; free it with policy_compiled_free().
 *
 * A struct policy_result holds pointers borrowed from the compiled set (ids,
 * action, reason) or static strings (default reasons): valid until the set is
 * freed, never to be freed by the caller.
 *
 * Patterns are micromatch 4 globs with {bash: true} (see docs/policies.md for
 * the dialect and where it differs); policy_pattern_* expose matchPattern()
 * on its own.
 */
#ifndef CODEPIPER_POLICY_RULES_H
#define CODEPIPER_POLICY_RULES_H

#include <stddef.h>

#include <jansson.h>

enum policy_action {
	POLICY_ACTION_ALLOW,
	POLICY_ACTION_DENY,
	POLICY_ACTION_ASK,
	/* A stored rule whose action is not one of the three (reference quirk). */
	POLICY_ACTION_OTHER
};

/* Where a request comes from (§5.4); informational for the engine. */
enum policy_channel {
	POLICY_CHANNEL_HOOK,		/* PermissionRequest hook */
	POLICY_CHANNEL_INPUT,		/* input preflight: terminal_input */
	POLICY_CHANNEL_KEYS		/* input preflight: terminal_keys */
};

struct policy_request {
	enum policy_channel	 channel;
	const char		*tool;		/* NULL is treated as "" */
	json_t			*args;		/* object or NULL; borrowed */
	const char		*session_id;	/* NULL is treated as "" */
	const char		*cwd;		/* NULL is treated as "" */
	/* The daemon's defaultPolicyAction: ask or deny (allow is read as ask). */
	enum policy_action	 default_action;
};

struct policy_result {
	enum policy_action	 decision;
	/*
	 * "allow", "deny", "ask", or the deciding rule's own action string
	 * when decision is POLICY_ACTION_OTHER (NULL if the rule had none).
	 */
	const char		*action;
	const char		*reason;	/* NULL when the rule has none */
	const char		*policy_id;	/* NULL for the default */
	const char		*rule_id;	/* NULL for the default or no id */
	int			 rule_index;	/* in its policy; -1 for default */
	int			 is_default;	/* no rule matched */
	/*
	 * For a compound Bash command: the index, in shell_split() order, of
	 * the part that decided; -1 when the whole request decided.
	 */
	int			 part_index;
};

struct policy_set_compiled;
struct policy_pattern;

/*
 * policies: array of {id, name?, enabled?, priority?, sessionId?, rules}.
 * enabled defaults to true and priority to 0.  Fails (NULL, *cause set) only
 * when the array itself is malformed; a malformed rule inside a policy is
 * kept and answers "ask" (or the default when that is deny) when reached.
 */
struct policy_set_compiled *policy_compile(json_t *policies, char **cause);
void	policy_compiled_free(struct policy_set_compiled *set);
/* Number of enabled policies kept. */
size_t	policy_compiled_count(const struct policy_set_compiled *set);

/*
 * Decide a request.  A NULL set evaluates as no policies.  Returns -1 only
 * when request or out is NULL.
 */
int	policy_evaluate(const struct policy_set_compiled *set,
	    const struct policy_request *request, struct policy_result *out);

/*
 * Validate a rules array as POST/PUT /policies receive it.  Returns -1 with
 * the exact 400 message in *cause (the caller frees it).
 */
int	policy_rules_validate(json_t *rules, char **cause);

const char *policy_action_name(enum policy_action action);
/* "allow" | "deny" | "ask" -> 0; anything else -> -1. */
int	policy_action_parse(const char *name, enum policy_action *out);
/* "No matching policy rule found (default ask|deny)". */
const char *policy_default_reason(enum policy_action default_action);

/*
 * matchPattern(value, pattern | list): pattern is a JSON string or an array
 * of strings.  Fails (NULL, *cause set) on any other JSON.
 */
struct policy_pattern *policy_pattern_compile(json_t *pattern, char **cause);
int	policy_pattern_match(const struct policy_pattern *pattern,
	    const char *value);
void	policy_pattern_free(struct policy_pattern *pattern);

/*
 * How a request argument becomes the string patterns see: missing or null ->
 * "", strings as they are, numbers and booleans as JavaScript's String(v),
 * objects and arrays as compact JSON.  The result is the caller's to free.
 */
char	*policy_value_string(json_t *value);

#endif
