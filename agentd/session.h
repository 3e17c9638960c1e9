/*
 * Agent sessions: each one a tmux session `codepiper-<id>` whose window is
 * linked into the hub so its output reaches our control client. This module
 * owns the live sessions (at most SESSION_MAX), their lifecycle (create,
 * stop, kill, natural exit, resume, adoption after a restart) and the
 * sessions table. The status in memory and in the database are one value.
 *
 * Operations that wait on tmux finish through a callback; the callback gets
 * an HTTP-ish status (2xx ok) and an error message when not ok. Worktree
 * creation and removal (libgit2, blocking) run on the worker pool, so a
 * worktree create or stop answers later, and the spec passed to
 * session_create need only live until the call returns.
 */
#ifndef CODEPIPER_SESSION_H
#define CODEPIPER_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#include "provider.h"

#ifndef TAILQ_FOREACH_SAFE	/* BSD's, missing from glibc */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST((head));				\
	    (var) && ((tvar) = TAILQ_NEXT((var), field), 1);		\
	    (var) = (tvar))
#endif

#define SESSION_MAX 50

enum session_status {
	STATUS_STARTING,
	STATUS_RUNNING,
	STATUS_NEEDS_PERMISSION,
	STATUS_NEEDS_INPUT,
	STATUS_STOPPED,
	STATUS_CRASHED,
};

struct session {
	char			*id;
	const struct provider	*provider;
	char			*cwd;
	enum session_status	 status;
	int64_t			 created_at;
	int64_t			 updated_at;
	pid_t			 pid;
	char			*transcript_path;
	json_t			*metadata;
	int			 cols, rows;
	char			*tmux_session_id;	/* "$3" */
	char			*window_id;		/* "@3" */
	char			*pane_id;		/* "%3" */
	char			*hook_secret;		/* never logged */
	bool			 closing;		/* stop/kill under way */
	struct event		*timer;
	struct pending_close	*pending_close;
	uint64_t		 output_bytes;
	struct event		*output_log_timer;
	int64_t			 output_log_pending_since;	/* ms */
	TAILQ_ENTRY(session)	 entry;
};
TAILQ_HEAD(session_list, session);

/* What POST /sessions asks for, validated by the route. */
struct session_spec {
	const char	*id;		/* NULL: new id; resume passes the old one */
	const struct provider *provider;
	const char	*cwd;
	json_t		*env;		/* object or NULL */
	json_t		*args;		/* array of strings or NULL */
	const char	*billing_mode;
	bool		 dangerous_mode;
	json_t		*env_set_ids;	/* array of strings or NULL */
	const char	*worktree_branch;	/* NULL: no worktree */
	bool		 worktree_create_branch;
	const char	*worktree_start_point;
	const char	*resume_id;
	const char	*resume_mode;
	const char	*resume_source;	/* "user-supplied" */
};

typedef void (*session_done_cb)(struct session *s, int status,
    const char *error, void *arg);

/* Startup: start tmux, adopt what survived, kill our orphans; then ready(). */
int	 sessions_init(struct event_base *base, const char *data_dir,
	     const char *tmux_socket, void (*ready)(void));
void	 sessions_shutdown(bool preserve);

struct session	*session_find(const char *id);
struct session	*session_find_by_pane(const char *pane_id);
struct session_list *sessions_live(void);
int	 sessions_live_count(void);
int	 sessions_zombie_count(void);

void	 session_create(const struct session_spec *spec, session_done_cb done,
	     void *arg);
void	 session_stop(const char *id, bool force, session_done_cb done, void *arg);
void	 session_resume(const char *id, session_done_cb done, void *arg);

/* Input: text as a bracketed paste (then Enter when newline), keys by name. */
int	 session_send_text(struct session *s, const char *text, size_t len,
	     bool newline);
int	 session_send_keys(struct session *s, json_t *tmux_keys);
/* Bytes typed as a terminal sends them (control characters and escape
 * sequences keep their meaning: "\r" is Enter, "\x1b[A" is Up). */
int	 session_send_literal(struct session *s, const char *data, size_t len);
void	 session_capture(struct session *s,
	     void (*done)(bool ok, const char *text, void *arg), void *arg);
void	 session_resize(struct session *s, int cols, int rows,
	     void (*done)(bool ok, void *arg), void *arg);

void	 session_set_status(struct session *s, enum session_status status);
/* Rename (metadata.ui.customName); NULL or "" clears. For live or DB rows. */
int	 session_set_name(const char *id, const char *name, json_t **out);

const char *session_status_name(enum session_status status);
json_t	*session_to_json(const struct session *s);
/* The stored row as the API object; NULL when there is none. */
json_t	*session_db_json(const char *id);
json_t	*session_list_json(const char *provider, const char *status);

/* The data dir and per-session runtime dir ($data/sessions/<id>). */
const char *session_data_dir(void);
char	*session_runtime_dir(const char *id);

/*
 * Other modules plug in here. Providers (one each): prepare writes a claude
 * session's settings and hook script and returns the settings path (NULL
 * with *cause on failure); resolve_env_sets merges env sets (-1 with a cause
 * and *status, 404 for an unknown id). Listeners (any number, called in
 * registration order): started (created, resumed or adopted), ended (before
 * the session is freed), output (every chunk of pane output), updated
 * (status or metadata changed). session_set_providers is additive: only
 * the non-NULL fields are installed, so each module sets its own.
 */
struct session_providers {
	char	*(*prepare)(struct session *s, const char *runtime_dir,
		    char **cause);
	int	 (*resolve_env_sets)(json_t *ids, json_t **vars, int *status,
		    char **cause);
};
void	 session_set_providers(const struct session_providers *providers);

struct session_listener {
	void	(*started)(struct session *s);
	void	(*ended)(struct session *s);
	void	(*output)(struct session *s, const unsigned char *data,
		    size_t len);
	void	(*updated)(struct session *s);
};
void	 session_add_listener(const struct session_listener *listener);

/* Persist s->metadata and s->transcript_path (after a hook changed them). */
void	 session_save(struct session *s);

#endif
