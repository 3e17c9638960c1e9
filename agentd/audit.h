/*
 * The policy_decisions table: the tamper-evident audit log of every policy
 * decision (hook PermissionRequest, dangerous-mode bypass, input preflight,
 * an ask answered through the API). Owns the table's SQL and its hash chain.
 *
 * Chain: each row's hash is SHA-256 (hex) over
 *   prev_hash "\n" canonical
 * where prev_hash is the hash of the row before it ("" for the first chained
 * row) and canonical is the compact JSON array audit_canonical() builds from
 * the row's own fields. Editing, reordering or deleting a row breaks the
 * link at that row or the next one; audit_verify() finds the first break.
 * Rows written before the chain existed (a reference database opened in
 * place: hash NULL) are skipped until the first chained row. Removing the
 * newest rows cannot be seen from inside the table: audit_verify() returns
 * the head hash so that an operator can keep it elsewhere.
 */
#ifndef CODEPIPER_AUDIT_H
#define CODEPIPER_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define AUDIT_HASH_LEN	65	/* 64 hex digits + NUL */

struct audit_entry {
	const char	*session_id;
	int64_t		 event_id;	/* <= 0: none */
	const char	*policy_id;	/* NULL: the default decided */
	const char	*rule_id;	/* NULL: none */
	const char	*tool_name;
	json_t		*args;		/* borrowed; NULL is stored as {} */
	const char	*decision;	/* the raw engine action */
	const char	*reason;	/* NULL: none */
	int64_t		 timestamp;	/* epoch ms; 0: now */
};

/* Insert one chained row; its id, or -1 (logged). Runs in the caller's
 * transaction when there is one. */
int64_t	 audit_record(const struct audit_entry *entry);

struct audit_query {
	const char	*session_id;	/* NULL: all */
	const char	*decision;	/* NULL: all */
	int64_t		 limit;		/* 1..1000 */
	int64_t		 offset;	/* >= 0 */
	int64_t		 before;	/* id < before, or -1 */
	bool		 ascending;	/* default newest first */
};
/* {"decisions":[...],"total":N}; the caller owns it. */
json_t	*audit_list(const struct audit_query *query);

struct audit_verify_result {
	bool	 ok;
	int64_t	 checked;		/* chained rows verified */
	int64_t	 first_broken_id;	/* 0 when ok */
	char	 reason[128];		/* why the link is broken */
	char	 head[AUDIT_HASH_LEN];	/* hash of the newest row, "" if none */
};
int	 audit_verify(struct audit_verify_result *out);

/*
 * Pure parts, for tests. audit_canonical returns the canonical text of a row
 * (the caller frees); args_json is the stored args text. audit_hash writes
 * the hex SHA-256 of prev "\n" canonical into out.
 */
char	*audit_canonical(const char *session_id, int64_t timestamp,
	    const char *tool_name, const char *args_json, const char *decision,
	    const char *reason, const char *policy_ref, const char *rule_id);
void	 audit_hash(const char *prev, const char *canonical,
	    char out[AUDIT_HASH_LEN]);

#endif
