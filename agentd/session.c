#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broadcast.h"
#include "db.h"
#include "git.h"
#include "log.h"
#include "settings.h"
#include "tmux.h"
#include "util.h"
#include "workers.h"
#include "xmalloc.h"

/* The agent prints nothing for a moment while it starts; call it running
 * once it printed something or after this long with its pane alive. */
#define STARTING_GRACE_MS	150
/* A graceful stop: Ctrl+D, Ctrl+C, then this long before the kill. */
#define STOP_GRACE_MS		500
/* output.log (the last screen, read by `codepiper tail`) is rewritten once
 * output has been quiet this long, or at least this often while it flows:
 * an idle pane costs nothing. */
#define OUTPUT_LOG_QUIET_MS	1000
#define OUTPUT_LOG_MAX_AGE_MS	5000
/* tmux chunks: a command line stays well below any pipe or parser limit. */
#define PASTE_CHUNK		(16 * 1024)

struct pending_close {
	session_done_cb	 done;
	void		*arg;
	bool		 force;
};

static struct {
	struct event_base	*base;
	char			*data_dir;
	char			*tmux_socket;
	char			*tmux_config;
	char			*tag;		/* marks the tmux sessions we made */
	char			*self_exe;
	struct session_list	 live;
	int			 nlive;
	struct session_providers providers;
	const struct session_listener *listeners[16];
	size_t			 nlisteners;
	void			(*ready)(void);
	struct event		*restart_timer;
	struct event		*subscribe_timer;
	int			 worktrees_creating;
	TAILQ_HEAD(, worktree_close) closing;	/* worktrees being removed */
} sessions;

static const char *status_names[] = {
	"STARTING", "RUNNING", "NEEDS_PERMISSION", "NEEDS_INPUT", "STOPPED",
	"CRASHED",
};

static void	tmux_output(const char *, const unsigned char *, size_t);
static void	tmux_pane_dead(const char *, int);
static void	tmux_lost(void);

static const struct tmux_events tmux_event_handlers = {
	.output = tmux_output,
	.pane_dead = tmux_pane_dead,
	.lost = tmux_lost,
};

const char *
session_status_name(enum session_status status)
{
	return status_names[status];
}

static int
status_from_name(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof status_names / sizeof *status_names; i++) {
		if (strcmp(status_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

static bool
status_is_live(const char *name)
{
	int s = status_from_name(name);

	return s >= 0 && s != STATUS_STOPPED && s != STATUS_CRASHED;
}

/* Additive: each module sets its own provider, NULL fields keep theirs. */
void
session_set_providers(const struct session_providers *providers)
{
	if (providers->prepare != NULL)
		sessions.providers.prepare = providers->prepare;
	if (providers->resolve_env_sets != NULL)
		sessions.providers.resolve_env_sets = providers->resolve_env_sets;
}

void
session_add_listener(const struct session_listener *listener)
{
	if (sessions.nlisteners == sizeof sessions.listeners /
	    sizeof sessions.listeners[0])
		BUG("too many session listeners");
	sessions.listeners[sessions.nlisteners++] = listener;
}

#define NOTIFY(event, ...) do {						\
	size_t i_;							\
	for (i_ = 0; i_ < sessions.nlisteners; i_++) {			\
		if (sessions.listeners[i_]->event != NULL)		\
			sessions.listeners[i_]->event(__VA_ARGS__);	\
	}								\
} while (0)

const char *
session_data_dir(void)
{
	return sessions.data_dir;
}

char *
session_runtime_dir(const char *id)
{
	return xprintf("%s/sessions/%s", sessions.data_dir, id);
}

struct session_list *
sessions_live(void)
{
	return &sessions.live;
}

int
sessions_live_count(void)
{
	return sessions.nlive;
}

struct session *
session_find(const char *id)
{
	struct session *s;

	TAILQ_FOREACH(s, &sessions.live, entry) {
		if (strcmp(s->id, id) == 0)
			return s;
	}
	return NULL;
}

struct session *
session_find_by_pane(const char *pane_id)
{
	struct session *s;

	TAILQ_FOREACH(s, &sessions.live, entry) {
		if (s->pane_id != NULL && strcmp(s->pane_id, pane_id) == 0)
			return s;
	}
	return NULL;
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *
session_json_common(const char *id, const char *provider, const char *cwd,
    const char *status, int64_t created, int64_t updated, pid_t pid,
    const char *transcript, json_t *metadata)
{
	char c[ISO_TIME_LEN], u[ISO_TIME_LEN];
	json_t *o;

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", id, "provider", provider,
	    "cwd", cwd, "status", status, "createdAt", iso_time(created, c),
	    "updatedAt", iso_time(updated, u));
	if (pid > 0)
		json_object_set_new(o, "pid", json_integer(pid));
	if (transcript != NULL)
		json_object_set_new(o, "transcriptPath", json_string(transcript));
	if (metadata != NULL)
		json_object_set(o, "metadata", metadata);
	return o;
}

json_t *
session_to_json(const struct session *s)
{
	return session_json_common(s->id, s->provider->id, s->cwd,
	    status_names[s->status], s->created_at, s->updated_at, s->pid,
	    s->transcript_path, s->metadata);
}

static json_t *
row_json(sqlite3_stmt *stmt)
{
	json_t *metadata = db_column_json(stmt, 8), *o;

	o = session_json_common(db_column_text(stmt, 0), db_column_text(stmt, 1),
	    db_column_text(stmt, 2), db_column_text(stmt, 3),
	    sqlite3_column_int64(stmt, 4), sqlite3_column_int64(stmt, 5),
	    (pid_t)sqlite3_column_int(stmt, 6), db_column_text(stmt, 7), metadata);
	if (metadata != NULL)
		json_decref(metadata);
	return o;
}

#define SESSION_COLUMNS "id, provider, cwd, status, created_at, updated_at, " \
	"pid, transcript_path, metadata_json"

json_t *
session_db_json(const char *id)
{
	sqlite3_stmt *stmt = db_stmt("SELECT " SESSION_COLUMNS
	    " FROM sessions WHERE id = ?");
	json_t *o = NULL;

	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		o = row_json(stmt);
	db_stmt_done(stmt);
	return o;
}

json_t *
session_list_json(const char *provider, const char *status)
{
	sqlite3_stmt *stmt;
	json_t *list = json_array();
	struct session *s;

	TAILQ_FOREACH(s, &sessions.live, entry) {
		if ((provider == NULL || strcmp(provider, s->provider->id) == 0) &&
		    (status == NULL || strcmp(status, status_names[s->status]) == 0))
			json_array_append_new(list, session_to_json(s));
	}
	stmt = db_stmt("SELECT " SESSION_COLUMNS " FROM sessions "
	    "ORDER BY created_at DESC");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *id = db_column_text(stmt, 0);
		if (session_find(id) != NULL)
			continue;
		if (provider != NULL && strcmp(provider, db_column_text(stmt, 1)) != 0)
			continue;
		if (status != NULL && strcmp(status, db_column_text(stmt, 3)) != 0)
			continue;
		json_array_append_new(list, row_json(stmt));
	}
	db_stmt_done(stmt);
	return json_pack("{s:o}", "sessions", list);
}

int
sessions_zombie_count(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT id FROM sessions WHERE status IN "
	    "('RUNNING', 'STARTING', 'NEEDS_PERMISSION', 'NEEDS_INPUT')");
	int n = 0;

	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if (session_find(db_column_text(stmt, 0)) == NULL)
			n++;
	}
	db_stmt_done(stmt);
	return n;
}

/* ---- persistence ----------------------------------------------------- */

static void
db_set_status(const char *id, const char *status)
{
	sqlite3_stmt *stmt = db_stmt("UPDATE sessions SET status = ?, "
	    "updated_at = ? WHERE id = ?");

	sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now_ms());
	sqlite3_bind_text(stmt, 3, id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		log_warn("session %s: saving status: %s", id, db_errmsg());
	db_stmt_done(stmt);
}

static int
db_save(struct session *s, bool insert)
{
	sqlite3_stmt *stmt;
	char *metadata = json_dumps(s->metadata, JSON_COMPACT);
	int rc;

	if (insert)
		stmt = db_stmt("INSERT INTO sessions (provider, cwd, status, "
		    "created_at, updated_at, pid, metadata_json, pty_cols, pty_rows, "
		    "transcript_path, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	else
		stmt = db_stmt("UPDATE sessions SET provider = ?, cwd = ?, "
		    "status = ?, created_at = ?, updated_at = ?, pid = ?, "
		    "metadata_json = ?, pty_cols = ?, pty_rows = ?, "
		    "transcript_path = ? WHERE id = ?");
	sqlite3_bind_text(stmt, 1, s->provider->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, s->cwd, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, status_names[s->status], -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, s->created_at);
	sqlite3_bind_int64(stmt, 5, s->updated_at);
	if (s->pid > 0)
		sqlite3_bind_int(stmt, 6, s->pid);
	sqlite3_bind_text(stmt, 7, metadata, -1, SQLITE_STATIC);
	if (s->cols > 0) {
		sqlite3_bind_int(stmt, 8, s->cols);
		sqlite3_bind_int(stmt, 9, s->rows);
	}
	db_bind_text(stmt, 10, s->transcript_path);
	sqlite3_bind_text(stmt, 11, s->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	if (rc != 0)
		log_warn("session %s: saving: %s", s->id, db_errmsg());
	db_stmt_done(stmt);
	free(metadata);
	return rc;
}

static void
publish_session(const char *type, struct session *s, json_t *obj)
{
	json_t *msg = json_pack("{s:s,s:s,s:o}", "topic", "sessions", "type", type,
	    "session", obj != NULL ? obj : session_to_json(s));

	broadcast_publish("sessions", msg);
}

void
session_set_status(struct session *s, enum session_status status)
{
	if (s->status == status)
		return;
	s->status = status;
	s->updated_at = now_ms();
	db_set_status(s->id, status_names[status]);
	publish_session("session_updated", s, NULL);
	NOTIFY(updated, s);
}

void
session_save(struct session *s)
{
	s->updated_at = now_ms();
	db_save(s, false);
	publish_session("session_updated", s, NULL);
	NOTIFY(updated, s);
}

/* ---- lifecycle ------------------------------------------------------- */

static struct session *
session_new(const char *id, const struct provider *p, const char *cwd)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->id = xstrdup(id);
	s->provider = p;
	s->cwd = xstrdup(cwd);
	s->created_at = s->updated_at = now_ms();
	s->metadata = json_object();
	return s;
}

static void
session_free(struct session *s)
{
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->output_log_timer != NULL)
		event_free(s->output_log_timer);
	free(s->id);
	free(s->cwd);
	free(s->transcript_path);
	json_decref(s->metadata);
	free(s->tmux_session_id);
	free(s->window_id);
	free(s->pane_id);
	if (s->hook_secret != NULL) {
		explicit_bzero(s->hook_secret, strlen(s->hook_secret));
		free(s->hook_secret);
	}
	free(s->pending_close);
	free(s);
}

static void
session_attach_live(struct session *s)
{
	TAILQ_INSERT_TAIL(&sessions.live, s, entry);
	sessions.nlive++;
}

static void
session_detach_live(struct session *s)
{
	TAILQ_REMOVE(&sessions.live, s, entry);
	sessions.nlive--;
}

static void
remove_runtime_files(const char *id, bool keep_output_log)
{
	char *dir = session_runtime_dir(id), *path;
	const char *names[] = { "images", "launch", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		path = xprintf("%s/%s", dir, names[i]);
		remove_tree(path);
		free(path);
	}
	path = xprintf("%s/%s.json", dir, id);
	unlink(path);
	free(path);
	path = xprintf("%s/%s.hook-forward.sh", dir, id);
	unlink(path);
	free(path);
	if (!keep_output_log)
		remove_tree(dir);
	free(dir);
}

static void
kill_tmux_runtime(struct session *s)
{
	/* A linked window survives its session: kill the window everywhere. */
	if (s->window_id != NULL && s->tmux_session_id != NULL) {
		tmux_command(NULL, NULL, "kill-window -t %s", s->window_id);
		tmux_command(NULL, NULL, "kill-session -t %s", s->tmux_session_id);
	} else
		tmux_command(NULL, NULL, "kill-session -t =codepiper-%s", s->id);
}

/*
 * A stop or kill of a worktree session: libgit2 stashes and removes the
 * worktree on a worker (it may take long on a large repository), and the
 * stop is answered once it is done. The session is freed meanwhile, so the
 * job holds copies. Listed while in flight: a resume is refused meanwhile.
 */
struct worktree_close {
	char			*session_id;
	char			*path;
	bool			 force;
	int			 rc;
	char			*cause;
	struct pending_close	*pc;
	TAILQ_ENTRY(worktree_close) entry;
};

static bool
worktree_closing(const char *id)
{
	struct worktree_close *wc;

	TAILQ_FOREACH(wc, &sessions.closing, entry) {
		if (strcmp(wc->session_id, id) == 0)
			return true;
	}
	return false;
}

static void
worktree_close_work(void *arg)
{
	struct worktree_close *wc = arg;

	wc->rc = git_worktree_teardown(wc->path, wc->session_id, wc->force,
	    &wc->cause);
}

static void
worktree_closed(void *arg)
{
	struct worktree_close *wc = arg;

	/* After sessions_shutdown (workers_shutdown runs us) the list is gone. */
	if (sessions.base != NULL)
		TAILQ_REMOVE(&sessions.closing, wc, entry);
	if (wc->rc != 0)
		log_warn("session %s: removing worktree %s: %s", wc->session_id,
		    wc->path, wc->cause);
	wc->pc->done(NULL, 200, NULL, wc->pc->arg);
	free(wc->pc);
	free(wc->session_id);
	free(wc->path);
	free(wc->cause);
	free(wc);
}

/* Answers the stop or kill, after removing the session's worktree if any. */
static void
close_worktree_then_reply(struct session *s, struct pending_close *pc)
{
	json_t *wt = json_object_get(s->metadata, "worktree");
	const char *path = json_string_value(json_object_get(wt, "worktreePath"));
	struct worktree_close *wc;

	if (path == NULL) {
		pc->done(NULL, 200, NULL, pc->arg);
		free(pc);
		return;
	}
	wc = xcalloc(1, sizeof *wc);
	wc->session_id = xstrdup(s->id);
	wc->path = xstrdup(path);
	wc->force = pc->force;
	wc->pc = pc;
	TAILQ_INSERT_TAIL(&sessions.closing, wc, entry);
	if (workers_submit(worktree_close_work, worktree_closed, wc) != 0) {
		/* The pool is busy or down: do it here rather than not at all. */
		worktree_close_work(wc);
		worktree_closed(wc);
	}
}

/* The end of a live session: final status, files, memory. */
static void
session_finish(struct session *s, enum session_status final)
{
	struct pending_close *pc = s->pending_close;

	s->pending_close = NULL;
	kill_tmux_runtime(s);
	NOTIFY(ended, s);
	session_set_status(s, final);
	remove_runtime_files(s->id, true);
	session_detach_live(s);
	log_info("session %s ended (%s)", s->id, status_names[final]);
	if (pc != NULL)
		close_worktree_then_reply(s, pc);
	session_free(s);
}

static void
starting_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	if (s->status == STATUS_STARTING && !s->closing)
		session_set_status(s, STATUS_RUNNING);
}

static void
arm_timer(struct session *s, int ms, event_callback_fn fn)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (s->timer != NULL)
		event_free(s->timer);
	s->timer = evtimer_new(sessions.base, fn, s);
	evtimer_add(s->timer, &tv);
}

/* ---- tmux events ----------------------------------------------------- */

static void
output_log_captured(bool ok, const char *text, void *arg)
{
	char *id = arg, *dir, *path;

	if (ok && session_find(id) != NULL) {
		dir = session_runtime_dir(id);
		path = xprintf("%s/output.log", dir);
		if (write_file_atomic(path, text, strlen(text), 0600) != 0)
			log_debug("session %s: writing output.log: %s", id,
			    strerror(errno));
		free(path);
		free(dir);
	}
	free(id);
}

static void
output_log_due(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	session_capture(s, output_log_captured, xstrdup(s->id));
}

static void
schedule_output_log(struct session *s)
{
	struct timeval quiet = { OUTPUT_LOG_QUIET_MS / 1000,
	    (OUTPUT_LOG_QUIET_MS % 1000) * 1000 };

	if (s->output_log_timer == NULL)
		s->output_log_timer = evtimer_new(sessions.base, output_log_due, s);
	if (!evtimer_pending(s->output_log_timer, NULL))
		s->output_log_pending_since = now_ms();
	else if (now_ms() - s->output_log_pending_since > OUTPUT_LOG_MAX_AGE_MS)
		return;	/* flowing for a while: let the pending write happen */
	evtimer_add(s->output_log_timer, &quiet);
}

static void
tmux_output(const char *pane_id, const unsigned char *data, size_t len)
{
	struct session *s = session_find_by_pane(pane_id);

	if (s == NULL)
		return;
	s->output_bytes += len;
	schedule_output_log(s);
	if (s->status == STATUS_STARTING && !s->closing)
		session_set_status(s, STATUS_RUNNING);
	NOTIFY(output, s, data, len);
}

static void
exit_status_unknown(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	log_warn("session %s: agent exited, tmux never reported its status",
	    s->id);
	session_finish(s, s->closing ? STATUS_STOPPED : STATUS_CRASHED);
}

static void
tmux_pane_dead(const char *pane_id, int exit_status)
{
	struct session *s = session_find_by_pane(pane_id);

	if (s == NULL)
		return;
	if (exit_status < 0) {
		/*
		 * tmux 3.3 sometimes leaves a dead pane's process unreaped until
		 * another of its children exits. Give it one: the reap brings
		 * the real status in the next subscription report. Give up
		 * after a few seconds rather than show a dead agent as live.
		 */
		tmux_command(NULL, NULL, "run-shell -b true");
		if (s->pending_close == NULL)
			arm_timer(s, 5000, exit_status_unknown);
		return;
	}
	log_info("session %s: agent exited with status %d", s->id, exit_status);
	if (s->pending_close != NULL || s->closing)
		session_finish(s, STATUS_STOPPED);
	else
		session_finish(s, exit_status == 0 ? STATUS_STOPPED : STATUS_CRASHED);
}

static void	tmux_restart(evutil_socket_t, short, void *);

static void
tmux_lost(void)
{
	struct session *s, *next;
	struct timeval tv = { 1, 0 };

	/* The tmux server is gone, and every agent with it. */
	TAILQ_FOREACH_SAFE(s, &sessions.live, entry, next)
		session_finish(s, s->closing ? STATUS_STOPPED : STATUS_CRASHED);
	if (sessions.restart_timer == NULL)
		sessions.restart_timer = evtimer_new(sessions.base, tmux_restart, NULL);
	evtimer_add(sessions.restart_timer, &tv);
}

static void	subscribe_pane_death(void);

static void
subscribe_retry(evutil_socket_t fd, short what, void *arg)
{
	subscribe_pane_death();
}

/* tmux refuses the subscription until our client has finished attaching
 * to the hub (when the hub already existed); try again shortly. */
static void
subscribed(bool ok, const char *out, void *arg)
{
	struct timeval tv = { 0, 50 * 1000 };

	if (ok) {
		log_info("tmux control client ready on server -L %s",
		    sessions.tmux_socket);
		return;
	}
	if (!tmux_is_running())
		return;
	log_debug("tmux subscription not accepted yet (%s); retrying", out);
	if (sessions.subscribe_timer == NULL)
		sessions.subscribe_timer = evtimer_new(sessions.base,
		    subscribe_retry, NULL);
	evtimer_add(sessions.subscribe_timer, &tv);
}

/* Pane death as an event: tmux re-evaluates this once a second and reports
 * only changes. */
static void
subscribe_pane_death(void)
{
	tmux_command(subscribed, NULL,
	    "refresh-client -B \"dead:%%*:#{pane_dead}:#{pane_dead_status}\"");
}

static int
start_tmux(char **cause)
{
	if (tmux_start(sessions.base, sessions.tmux_socket, sessions.tmux_config,
	    &tmux_event_handlers, cause) != 0)
		return -1;
	subscribe_pane_death();
	return 0;
}

static void
tmux_restart(evutil_socket_t fd, short what, void *arg)
{
	char *cause = NULL;

	if (tmux_is_running())
		return;
	if (start_tmux(&cause) != 0) {
		struct timeval tv = { 5, 0 };
		log_warn("restarting tmux: %s", cause);
		free(cause);
		evtimer_add(sessions.restart_timer, &tv);
	}
}

/* ---- create ---------------------------------------------------------- */

struct create_ctx {
	struct session	*session;
	session_done_cb	 done;
	void		*arg;
	bool		 resumed;
	char		*launch_path;
};

static void
create_fail(struct create_ctx *ctx, int status, const char *error)
{
	struct session *s = ctx->session;

	if (ctx->resumed)
		db_set_status(s->id, "STOPPED");
	else {
		sqlite3_stmt *stmt = db_stmt("DELETE FROM sessions WHERE id = ?");
		sqlite3_bind_text(stmt, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_step(stmt);
		db_stmt_done(stmt);
	}
	if (ctx->launch_path != NULL)
		unlink(ctx->launch_path);
	remove_runtime_files(s->id, ctx->resumed);
	ctx->done(NULL, status, error, ctx->arg);
	session_free(s);
	free(ctx->launch_path);
	free(ctx);
}

static void
create_launched(bool ok, const char *out, void *arg)
{
	struct create_ctx *ctx = arg;
	struct session *s = ctx->session;
	char sid[32], wid[32], pid_text[32], pane[32];
	char *message;

	if (!ok || sscanf(out, "%31s %31s %31s %31s", sid, wid, pane, pid_text) != 4) {
		message = xprintf("Failed to start tmux session codepiper-%s: %s",
		    s->id, *out ? out : "no reply from tmux");
		create_fail(ctx, 500, message);
		free(message);
		return;
	}
	s->tmux_session_id = xstrdup(sid);
	s->window_id = xstrdup(wid);
	s->pane_id = xstrdup(pane);
	s->pid = (pid_t)strtol(pid_text, NULL, 10);
	tmux_command(NULL, NULL, "set-option -t %s @codepiper_daemon %s", sid,
	    sessions.tag);
	tmux_command(NULL, NULL, "link-window -d -s %s -t " TMUX_HUB_SESSION ":",
	    wid);
	s->updated_at = now_ms();
	db_save(s, false);
	session_attach_live(s);
	arm_timer(s, STARTING_GRACE_MS, starting_timer);
	publish_session(ctx->resumed ? "session_updated" : "session_created", s, NULL);
	log_info("session %s started (%s in %s, pid %d)", s->id, s->provider->id,
	    s->cwd, (int)s->pid);
	NOTIFY(started, s);
	ctx->done(s, ctx->resumed ? 200 : 201, NULL, ctx->arg);
	free(ctx->launch_path);
	free(ctx);
}

/*
 * The launch file: what the launcher (agentd --launch FILE) needs to exec
 * the agent: the folder, the environment and the argv, NUL-separated. It
 * keeps secrets out of tmux's command line and the process list, and no
 * byte of a value needs quoting.
 */
static int
write_launch_file(const char *path, const char *cwd, json_t *env, json_t *argv)
{
	size_t cap = 4096, len = 0, i;
	char *buf = xmalloc(cap);
	const char *key;
	json_t *value;
	int rc;

#define PUT(s) do {							\
	size_t n_ = strlen(s) + 1;					\
	while (len + n_ > cap)						\
		buf = xrealloc(buf, cap *= 2);				\
	memcpy(buf + len, (s), n_);					\
	len += n_;							\
} while (0)
	char count[32];

	PUT(cwd);
	snprintf(count, sizeof count, "%zu", json_object_size(env));
	PUT(count);
	json_object_foreach(env, key, value) {
		char *kv = xprintf("%s=%s", key, json_string_value(value));
		PUT(kv);
		explicit_bzero(kv, strlen(kv));
		free(kv);
	}
	snprintf(count, sizeof count, "%zu", json_array_size(argv));
	PUT(count);
	json_array_foreach(argv, i, value)
		PUT(json_string_value(value));
#undef PUT
	rc = write_file_atomic(path, buf, len, 0600);
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

static json_t *
build_metadata(const struct session_spec *spec, struct git_worktree_info *wt)
{
	json_t *m = json_object(), *launch;

	launch = json_pack("{s:o,s:s,s:o}",
	    "args", spec->args != NULL ? json_incref(spec->args) : json_array(),
	    "billingMode", spec->billing_mode,
	    "envSetIds", spec->env_set_ids != NULL ?
	    json_incref(spec->env_set_ids) : json_array());
	json_object_set_new(m, "launch", launch);
	if (spec->resume_id != NULL)
		json_object_set_new(m, "providerSession", json_pack("{s:s,s:s,s:s}",
		    "id", spec->resume_id, "mode", spec->resume_mode,
		    "source", spec->resume_source ? spec->resume_source : "user-supplied"));
	else if (strcmp(spec->provider->id, "claude-code") == 0)
		json_object_set_new(m, "providerSession", json_pack("{s:s,s:s,s:s}",
		    "id", spec->id, "mode", "resume", "source", "codepiper-session-id"));
	else
		json_object_set_new(m, "providerSession", json_pack("{s:s,s:s}",
		    "mode", "resume", "source", "codex-auto-detect-pending"));
	if (spec->dangerous_mode)
		json_object_set_new(m, "security", json_pack("{s:b}",
		    "dangerousMode", 1));
	if (wt != NULL)
		json_object_set_new(m, "worktree", json_pack("{s:s,s:s,s:s,s:b,s:s}",
		    "repoRoot", wt->repo_root, "worktreePath", wt->worktree_path,
		    "branch", wt->branch, "createdBranch", wt->created_branch,
		    "originalCwd", wt->original_cwd));
	return m;
}

/*
 * A creation that passed its checks. It owns copies of the spec's strings
 * and JSON: the spec borrows from the request body or, for a resume, from a
 * row freed as soon as session_create returns, and the worktree step (on a
 * worker thread) outlives both.
 */
struct create_job {
	struct session_spec	 spec;		/* every pointer owned */
	bool			 resumed;
	const char		*cwd;		/* spec.cwd, or wt's worktree */
	json_t			*env;		/* the agent's environment */
	char			*exe;
	struct git_worktree_info wt;
	bool			 have_worktree;
	int			 git_rc;
	char			*cause;
	session_done_cb		 done;
	void			*arg;
};

static char *
strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static json_t *
json_copy_or_null(json_t *j)
{
	return j != NULL ? json_deep_copy(j) : NULL;
}

static struct create_job *
create_job_new(const struct session_spec *spec, session_done_cb done,
    void *arg)
{
	struct create_job *job = xcalloc(1, sizeof *job);
	char id[UUID_LEN];

	job->resumed = spec->id != NULL;
	if (spec->id == NULL)
		uuid_v4(id);
	job->spec = *spec;
	job->spec.id = xstrdup(spec->id != NULL ? spec->id : id);
	job->spec.cwd = xstrdup(spec->cwd);
	job->spec.env = json_copy_or_null(spec->env);
	job->spec.args = json_copy_or_null(spec->args);
	job->spec.billing_mode = strdup_or_null(spec->billing_mode);
	job->spec.env_set_ids = json_copy_or_null(spec->env_set_ids);
	job->spec.worktree_branch = strdup_or_null(spec->worktree_branch);
	job->spec.worktree_start_point = strdup_or_null(spec->worktree_start_point);
	job->spec.resume_id = strdup_or_null(spec->resume_id);
	job->spec.resume_mode = strdup_or_null(spec->resume_mode);
	job->spec.resume_source = strdup_or_null(spec->resume_source);
	job->cwd = job->spec.cwd;
	job->done = done;
	job->arg = arg;
	return job;
}

static void
create_job_free(struct create_job *job)
{
	/* The spec's strings are the job's own copies (create_job_new). */
	free((char *)job->spec.id);
	free((char *)job->spec.cwd);
	json_decref(job->spec.env);
	json_decref(job->spec.args);
	free((char *)job->spec.billing_mode);
	json_decref(job->spec.env_set_ids);
	free((char *)job->spec.worktree_branch);
	free((char *)job->spec.worktree_start_point);
	free((char *)job->spec.resume_id);
	free((char *)job->spec.resume_mode);
	free((char *)job->spec.resume_source);
	json_decref(job->env);
	free(job->exe);
	git_worktree_info_free(&job->wt);
	free(job->cause);
	free(job);
}

/* The folder, the env sets and the executable: job->env and job->exe. */
static int
create_check(struct create_job *job, int *status)
{
	const struct session_spec *spec = &job->spec;
	struct env_options eo = { 0 };
	json_t *set_vars = NULL;
	struct stat st;

	*status = 500;
	if (stat(spec->cwd, &st) == -1 || !S_ISDIR(st.st_mode)) {
		job->cause = xprintf("Working directory does not exist: %s",
		    spec->cwd);
		*status = 400;
		goto fail;
	}
	if (json_array_size(spec->env_set_ids) > 0) {
		if (sessions.providers.resolve_env_sets == NULL) {
			job->cause = xprintf("Env set not found: %s",
			    json_string_value(json_array_get(spec->env_set_ids, 0)));
			*status = 404;
			goto fail;
		}
		if (sessions.providers.resolve_env_sets(spec->env_set_ids,
		    &set_vars, status, &job->cause) != 0)
			goto fail;
	}
	eo.request_env = spec->env;
	eo.env_set_vars = set_vars;
	eo.billing_mode = spec->billing_mode;
	eo.forward_ssh_auth_sock = settings_bool("forwardSshAuthSock");
	job->env = provider_build_env(spec->provider, &eo);
	json_decref(set_vars);
	set_vars = NULL;
	if ((job->exe = provider_find_executable(spec->provider->executable,
	    job->env)) == NULL) {
		job->cause = xprintf("Provider executable not found on PATH: %s",
		    spec->provider->executable);
		*status = 400;
		goto fail;
	}
	return 0;
fail:
	json_decref(set_vars);
	return -1;
}

/* The session, its runtime folder and (with native hooks) settings file. */
static struct session *
create_session_object(struct create_job *job, char **settings)
{
	struct session *s = session_new(job->spec.id, job->spec.provider,
	    job->cwd);
	char *runtime = session_runtime_dir(s->id), *images;

	if (mkdir_private(runtime) != 0) {
		job->cause = xprintf("Creating %s: %s", runtime, strerror(errno));
		goto fail;
	}
	images = xprintf("%s/images", runtime);
	mkdir_private(images);
	free(images);
	s->hook_secret = getenv("CODEPIPER_SECRET") != NULL ?
	    xstrdup(getenv("CODEPIPER_SECRET")) : random_hex(32);
	if (sessions.providers.prepare != NULL &&
	    job->spec.provider->native_hooks) {
		*settings = sessions.providers.prepare(s, runtime, &job->cause);
		if (*settings == NULL && job->cause != NULL) {
			remove_tree(runtime);
			goto fail;
		}
	}
	free(runtime);
	return s;
fail:
	session_free(s);
	free(runtime);
	return NULL;
}

/* The agent's argv; fills in s->metadata to match. */
static json_t *
create_argv(struct create_job *job, struct session *s, const char *settings)
{
	struct launch_options lo = { 0 };
	json_t *argv, *security;

	lo.session_id = s->id;
	lo.settings_path = settings;
	lo.args = job->spec.args;
	lo.dangerous_mode = job->spec.dangerous_mode;
	lo.resume_id = job->spec.resume_id;
	lo.resume_mode = job->spec.resume_mode;
	lo.codex_host_access = settings_bool("codexHostAccessProfileEnabled");
	argv = provider_build_argv(job->spec.provider, &lo);
	json_array_set_new(argv, 0, json_string(job->exe));
	json_decref(s->metadata);
	s->metadata = build_metadata(&job->spec,
	    job->have_worktree ? &job->wt : NULL);
	if (strcmp(job->spec.provider->id, "codex") == 0 && lo.codex_host_access) {
		security = json_object_get(s->metadata, "security");
		if (security == NULL) {
			security = json_object();
			json_object_set_new(s->metadata, "security", security);
		}
		json_object_set_new(security, "codexHostAccessProfileEnabled",
		    json_true());
	}
	return argv;
}

/* Resume keeps the original creation time and cwd. */
static void
keep_original_row(struct session *s)
{
	sqlite3_stmt *stmt = db_stmt("SELECT created_at, cwd FROM sessions "
	    "WHERE id = ?");

	sqlite3_bind_text(stmt, 1, s->id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		s->created_at = sqlite3_column_int64(stmt, 0);
		free(s->cwd);
		s->cwd = xstrdup(db_column_text(stmt, 1));
	}
	db_stmt_done(stmt);
}

static void
start_in_tmux(struct create_ctx *ctx)
{
	char *launcher, *quoted;

	quoted = tmux_quote(ctx->launch_path, strlen(ctx->launch_path));
	launcher = tmux_quote(sessions.self_exe, strlen(sessions.self_exe));
	tmux_command(create_launched, ctx, "new-session -d -s codepiper-%s "
	    "-x 120 -y 30 -P -F \"#{session_id} #{window_id} #{pane_id} "
	    "#{pane_pid}\" -- %s --launch %s", ctx->session->id, launcher,
	    quoted);
	free(launcher);
	free(quoted);
}

/* Everything after the worktree: files, the row, then tmux. Frees job. */
static void
create_launch(struct create_job *job)
{
	struct create_ctx *ctx;
	struct session *s;
	json_t *argv;
	char *settings = NULL, *runtime, *error = NULL;

	if ((s = create_session_object(job, &settings)) == NULL) {
		job->done(NULL, 500, job->cause, job->arg);
		create_job_free(job);
		return;
	}
	argv = create_argv(job, s, settings);
	s->status = STATUS_STARTING;
	ctx = xcalloc(1, sizeof *ctx);
	ctx->session = s;
	ctx->done = job->done;
	ctx->arg = job->arg;
	ctx->resumed = job->resumed;
	runtime = session_runtime_dir(s->id);
	ctx->launch_path = xprintf("%s/launch", runtime);
	free(runtime);
	if (write_launch_file(ctx->launch_path, s->cwd, job->env, argv) != 0) {
		error = xprintf("Writing the launch file: %s", strerror(errno));
		goto fail;
	}
	/* The row exists before the agent starts, so its first hook finds it. */
	if (ctx->resumed)
		keep_original_row(s);
	if (db_save(s, !ctx->resumed) != 0) {
		error = xstrdup("Saving the session failed");
		goto fail;
	}
	start_in_tmux(ctx);
	goto out;
fail:
	create_fail(ctx, 500, error);
out:
	free(error);
	json_decref(argv);
	free(settings);
	create_job_free(job);
}

static void
worktree_create_work(void *arg)
{
	struct create_job *job = arg;

	job->git_rc = git_worktree_create(job->spec.cwd,
	    job->spec.worktree_branch, job->spec.worktree_create_branch,
	    job->spec.worktree_start_point, job->spec.id, &job->wt, &job->cause);
}

/* agentd stopped while git worked (workers_shutdown runs the done
 * callback): nobody will run this session, so leave no worktree behind. */
static void
abandon_worktree(struct create_job *job)
{
	char *cause = NULL;

	if (job->git_rc != 0)
		return;
	if (git_worktree_teardown(job->wt.worktree_path, job->spec.id, true,
	    &cause) != 0) {
		log_warn("session %s: removing worktree %s: %s", job->spec.id,
		    job->wt.worktree_path, cause);
		free(cause);
	}
}

static void
worktree_created(void *arg)
{
	struct create_job *job = arg;
	const char *error = job->cause;
	int status = 422;

	if (sessions.base == NULL) {
		abandon_worktree(job);
		error = "tmux is not running; retry in a moment";
		status = 503;
		goto fail;
	}
	sessions.worktrees_creating--;
	if (job->git_rc != 0)
		goto fail;
	job->have_worktree = true;
	job->cwd = job->wt.worktree_path;
	create_launch(job);
	return;
fail:
	job->done(NULL, status, error, job->arg);
	create_job_free(job);
}

void
session_create(const struct session_spec *spec, session_done_cb done, void *arg)
{
	struct create_job *job;
	int status;

	/* Worktrees in the making count: each is a session a moment later. */
	if (sessions.nlive + sessions.worktrees_creating >= SESSION_MAX) {
		done(NULL, 409, "Maximum concurrent sessions (50) reached. Stop an "
		    "existing session first.", arg);
		return;
	}
	if (!tmux_is_running()) {
		done(NULL, 503, "tmux is not running; retry in a moment", arg);
		return;
	}
	job = create_job_new(spec, done, arg);
	if (create_check(job, &status) != 0) {
		done(NULL, status, job->cause != NULL ? job->cause :
		    "Session creation failed", arg);
		create_job_free(job);
		return;
	}
	if (job->spec.worktree_branch == NULL) {
		create_launch(job);
		return;
	}
	/* libgit2 on a large repository may take seconds: off the loop. */
	sessions.worktrees_creating++;
	if (workers_submit(worktree_create_work, worktree_created, job) != 0) {
		worktree_create_work(job);
		worktree_created(job);
	}
}

/* ---- stop, kill, resume ---------------------------------------------- */

static void
stop_grace_over(evutil_socket_t fd, short what, void *arg)
{
	session_finish(arg, STATUS_STOPPED);
}

void
session_stop(const char *id, bool force, session_done_cb done, void *arg)
{
	struct session *s = session_find(id);
	sqlite3_stmt *stmt;
	char *status = NULL;

	if (s == NULL) {
		stmt = db_stmt("SELECT status FROM sessions WHERE id = ?");
		sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			status = xstrdup(db_column_text(stmt, 0));
		db_stmt_done(stmt);
		if (status == NULL) {
			char *msg = xprintf("Session not found: %s", id);
			done(NULL, 404, msg, arg);
			free(msg);
			return;
		}
		if (status_is_live(status)) {
			db_set_status(id, "STOPPED");
			tmux_command(NULL, NULL, "kill-session -t =codepiper-%s", id);
		}
		free(status);
		done(NULL, 200, NULL, arg);
		return;
	}
	if (s->pending_close != NULL) {
		/* Already closing: a kill hurries a stop along; else just wait. */
		if (force) {
			s->pending_close->force = true;
			session_finish(s, STATUS_STOPPED);
		}
		done(NULL, 200, NULL, arg);
		return;
	}
	s->closing = true;
	s->pending_close = xcalloc(1, sizeof *s->pending_close);
	s->pending_close->done = done;
	s->pending_close->arg = arg;
	s->pending_close->force = force;
	if (force) {
		session_finish(s, STATUS_STOPPED);
		return;
	}
	tmux_command(NULL, NULL, "send-keys -t %s C-d", s->pane_id);
	tmux_command(NULL, NULL, "send-keys -t %s C-c", s->pane_id);
	arm_timer(s, STOP_GRACE_MS, stop_grace_over);
}

void
session_resume(const char *id, session_done_cb done, void *arg)
{
	struct session *live = session_find(id);
	struct session_spec spec = { 0 };
	json_t *row, *meta, *launch, *psession, *security;
	const char *resume_id;
	char *msg;

	if (live != NULL) {
		done(live, 200, NULL, arg);
		return;
	}
	if (worktree_closing(id)) {
		/* Its worktree is being removed: resuming there now would race. */
		msg = xprintf("Session %s is still stopping; retry in a moment", id);
		done(NULL, 409, msg, arg);
		free(msg);
		return;
	}
	if ((row = session_db_json(id)) == NULL) {
		msg = xprintf("Session not found: %s", id);
		done(NULL, 404, msg, arg);
		free(msg);
		return;
	}
	spec.id = id;
	spec.provider = provider_find(json_string_value(json_object_get(row,
	    "provider")));
	if (spec.provider == NULL) {
		done(NULL, 400, "Unknown provider for this session", arg);
		json_decref(row);
		return;
	}
	meta = json_object_get(row, "metadata");
	launch = json_object_get(meta, "launch");
	psession = json_object_get(meta, "providerSession");
	security = json_object_get(meta, "security");
	resume_id = json_string_value(json_object_get(psession, "id"));
	if (resume_id == NULL && strcmp(spec.provider->id, "claude-code") == 0)
		resume_id = id;
	if (resume_id == NULL) {
		msg = xprintf("Provider session id is unavailable for %s. Start a new "
		    "session and set \"Resume by Provider Session ID\" manually.",
		    spec.provider->id);
		done(NULL, 400, msg, arg);
		free(msg);
		json_decref(row);
		return;
	}
	spec.cwd = json_string_value(json_object_get(row, "cwd"));
	spec.args = json_object_get(launch, "args");
	spec.billing_mode = json_string_value(json_object_get(launch, "billingMode"));
	if (spec.billing_mode == NULL)
		spec.billing_mode = "subscription";
	spec.env_set_ids = json_object_get(launch, "envSetIds");
	spec.dangerous_mode = json_is_true(json_object_get(security, "dangerousMode"));
	spec.resume_id = resume_id;
	spec.resume_mode = "resume";
	spec.resume_source = "user-supplied";
	session_create(&spec, done, arg);
	json_decref(row);
}

/* ---- input and output ------------------------------------------------ */

int
session_send_text(struct session *s, const char *text, size_t len, bool newline)
{
	char *buffer = xprintf("cp-%s", s->id), *quoted;
	size_t off, n;

	if (s->closing)
		return -1;
	/* Leave copy mode first, or the paste lands in the scrollback search. */
	tmux_command(NULL, NULL, "if-shell -F -t %s \"#{pane_in_mode}\" "
	    "\"send-keys -t %s -X cancel\"", s->pane_id, s->pane_id);
	for (off = 0; off < len || off == 0; off += n) {
		n = len - off > PASTE_CHUNK ? PASTE_CHUNK : len - off;
		quoted = tmux_quote(text + off, n);
		tmux_command(NULL, NULL, "set-buffer %s-b %s -- %s",
		    off == 0 ? "" : "-a ", buffer, quoted);
		free(quoted);
		if (len == 0)
			break;
	}
	/* -p: a bracketed paste when the agent asked for one, so newlines in
	 * the text stay text and Codex does not take Enter as part of it. */
	tmux_command(NULL, NULL, "paste-buffer -p -d -r -b %s -t %s", buffer,
	    s->pane_id);
	if (newline)
		tmux_command(NULL, NULL, "send-keys -t %s Enter", s->pane_id);
	free(buffer);
	return 0;
}

int
session_send_keys(struct session *s, json_t *tmux_keys)
{
	json_t *key;
	size_t i;
	char *quoted;

	if (s->closing)
		return -1;
	tmux_command(NULL, NULL, "if-shell -F -t %s \"#{pane_in_mode}\" "
	    "\"send-keys -t %s -X cancel\"", s->pane_id, s->pane_id);
	json_array_foreach(tmux_keys, i, key) {
		const char *name = json_string_value(key);
		quoted = tmux_quote(name, strlen(name));
		tmux_command(NULL, NULL, "send-keys -t %s -- %s", s->pane_id, quoted);
		free(quoted);
	}
	return 0;
}

int
session_send_literal(struct session *s, const char *data, size_t len)
{
	size_t off, n;
	char *quoted;

	if (s->closing)
		return -1;
	tmux_command(NULL, NULL, "if-shell -F -t %s \"#{pane_in_mode}\" "
	    "\"send-keys -t %s -X cancel\"", s->pane_id, s->pane_id);
	for (off = 0; off < len; off += n) {
		n = len - off > PASTE_CHUNK ? PASTE_CHUNK : len - off;
		quoted = tmux_quote(data + off, n);
		tmux_command(NULL, NULL, "send-keys -l -t %s -- %s", s->pane_id,
		    quoted);
		free(quoted);
	}
	return 0;
}

struct capture_ctx {
	void	(*done)(bool, const char *, void *);
	void	*arg;
};

static void
capture_done(bool ok, const char *out, void *arg)
{
	struct capture_ctx *ctx = arg;
	size_t len = strlen(out);
	char *text;

	/* Trailing blank lines stripped, exactly one newline at the end. */
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		len--;
	text = xmalloc(len + 2);
	memcpy(text, out, len);
	text[len] = '\n';
	text[len + 1] = '\0';
	ctx->done(ok, ok ? text : out, ctx->arg);
	free(text);
	free(ctx);
}

void
session_capture(struct session *s, void (*done)(bool, const char *, void *),
    void *arg)
{
	struct capture_ctx *ctx = xcalloc(1, sizeof *ctx);

	ctx->done = done;
	ctx->arg = arg;
	tmux_command(capture_done, ctx, "capture-pane -p -e -J -t %s", s->pane_id);
}

struct resize_ctx {
	void	(*done)(bool, void *);
	void	*arg;
};

static void
resize_done(bool ok, const char *out, void *arg)
{
	struct resize_ctx *ctx = arg;

	ctx->done(ok, ctx->arg);
	free(ctx);
}

void
session_resize(struct session *s, int cols, int rows,
    void (*done)(bool, void *), void *arg)
{
	struct resize_ctx *ctx = xcalloc(1, sizeof *ctx);
	sqlite3_stmt *stmt;

	ctx->done = done;
	ctx->arg = arg;
	s->cols = cols;
	s->rows = rows;
	stmt = db_stmt("UPDATE sessions SET pty_cols = ?, pty_rows = ? WHERE id = ?");
	sqlite3_bind_int(stmt, 1, cols);
	sqlite3_bind_int(stmt, 2, rows);
	sqlite3_bind_text(stmt, 3, s->id, -1, SQLITE_STATIC);
	sqlite3_step(stmt);
	db_stmt_done(stmt);
	tmux_command(resize_done, ctx, "resize-window -t %s -x %d -y %d",
	    s->window_id, cols, rows);
}

int
session_set_name(const char *id, const char *name, json_t **out)
{
	struct session *s = session_find(id);
	json_t *metadata, *ui, *row = NULL;
	sqlite3_stmt *stmt;
	char *text;

	if (s != NULL)
		metadata = s->metadata;
	else {
		if ((row = session_db_json(id)) == NULL)
			return -1;
		metadata = json_object_get(row, "metadata");
		if (metadata == NULL) {
			metadata = json_object();
			json_object_set_new(row, "metadata", metadata);
		}
	}
	ui = json_object_get(metadata, "ui");
	if (name != NULL && *name != '\0') {
		if (ui == NULL) {
			ui = json_object();
			json_object_set_new(metadata, "ui", ui);
		}
		json_object_set_new(ui, "customName", json_string(name));
	} else if (ui != NULL) {
		json_object_del(ui, "customName");
		if (json_object_size(ui) == 0)
			json_object_del(metadata, "ui");
	}
	text = json_dumps(metadata, JSON_COMPACT);
	stmt = db_stmt("UPDATE sessions SET metadata_json = ?, updated_at = ? "
	    "WHERE id = ?");
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, now_ms());
	sqlite3_bind_text(stmt, 3, id, -1, SQLITE_STATIC);
	sqlite3_step(stmt);
	db_stmt_done(stmt);
	free(text);
	if (s != NULL) {
		s->updated_at = now_ms();
		publish_session("session_updated", s, NULL);
		*out = session_to_json(s);
	} else {
		json_decref(row);
		*out = session_db_json(id);
	}
	return 0;
}

/* ---- startup: adoption and orphans ------------------------------------ */

static char *
load_or_create_tag(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT value FROM daemon_state WHERE "
	    "key = 'tmux_tag'");
	char *tag = NULL;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		tag = xstrdup(db_column_text(stmt, 0));
	db_stmt_done(stmt);
	if (tag != NULL)
		return tag;
	tag = random_hex(8);
	stmt = db_stmt("INSERT INTO daemon_state (key, value) VALUES ('tmux_tag', ?)");
	sqlite3_bind_text(stmt, 1, tag, -1, SQLITE_STATIC);
	sqlite3_step(stmt);
	db_stmt_done(stmt);
	return tag;
}

struct tmux_pane_info {
	char	session_name[128];
	char	session_id[32];
	char	window_id[32];
	char	pane_id[32];
	int	pid;
	int	dead;
	int	dead_status;
	char	tag[64];
};

/* Dead status "s<n>", or "s" while tmux has not reaped the process. */
static int
parse_pane_line(const char *line, struct tmux_pane_info *p)
{
	char status[16];

	memset(p, 0, sizeof *p);
	if (sscanf(line, "%127s %31s %31s %31s %d %d %15s %63s", p->session_name,
	    p->session_id, p->window_id, p->pane_id, &p->pid, &p->dead,
	    status, p->tag) < 7 || status[0] != 's')
		return -1;
	p->dead_status = status[1] != '\0' ? atoi(status + 1) : -1;
	return 0;
}

static struct session *
adopt_row(sqlite3_stmt *stmt, const struct tmux_pane_info *p)
{
	const struct provider *prov = provider_find(db_column_text(stmt, 1));
	struct session *s;
	json_t *metadata;

	if (prov == NULL || !prov->supports_tmux_adoption)
		return NULL;
	s = session_new(db_column_text(stmt, 0), prov, db_column_text(stmt, 2));
	s->created_at = sqlite3_column_int64(stmt, 4);
	s->pid = p->pid;
	if (db_column_text(stmt, 7) != NULL)
		s->transcript_path = xstrdup(db_column_text(stmt, 7));
	if ((metadata = db_column_json(stmt, 8)) != NULL) {
		json_decref(s->metadata);
		s->metadata = metadata;
	}
	s->tmux_session_id = xstrdup(p->session_id);
	s->window_id = xstrdup(p->window_id);
	s->pane_id = xstrdup(p->pane_id);
	s->status = STATUS_RUNNING;
	s->updated_at = now_ms();
	return s;
}

static void	list_panes_for_adoption(void);

static void
adoption_retry(evutil_socket_t fd, short what, void *arg)
{
	event_free(arg);
	list_panes_for_adoption();
}

static void
adopt_listing(bool ok, const char *out, void *arg)
{
	static int unreaped_retries;
	struct tmux_pane_info *panes = NULL, *p;
	size_t npanes = 0, i;
	char *copy = xstrdup(ok ? out : ""), *line, *save = NULL;
	sqlite3_stmt *stmt;
	int adopted = 0, stopped = 0, orphans = 0;
	bool unreaped = false;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct tmux_pane_info info;
		if (parse_pane_line(line, &info) != 0 ||
		    strncmp(info.session_name, "codepiper-", 10) != 0 ||
		    strcmp(info.session_name, TMUX_HUB_SESSION) == 0)
			continue;
		if (info.dead && info.dead_status < 0)
			unreaped = true;
		panes = xreallocarray(panes, npanes + 1, sizeof *panes);
		panes[npanes++] = info;
	}
	free(copy);
	/*
	 * An agent that died while we were away may not be reaped by tmux yet
	 * (tmux 3.3), so its exit status is unknown. Make tmux reap (any child
	 * exiting does it) and look again, for up to 2 s.
	 */
	if (unreaped && unreaped_retries++ < 20) {
		struct timeval tv = { 0, 100 * 1000 };
		struct event *retry = evtimer_new(sessions.base, adoption_retry,
		    event_self_cbarg());
		free(panes);
		tmux_command(NULL, NULL, "run-shell -b true");
		evtimer_add(retry, &tv);
		return;
	}

	stmt = db_stmt("SELECT " SESSION_COLUMNS " FROM sessions WHERE status IN "
	    "('RUNNING', 'STARTING', 'NEEDS_PERMISSION', 'NEEDS_INPUT')");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *id = db_column_text(stmt, 0);
		char name[128];
		struct session *s = NULL;

		snprintf(name, sizeof name, "codepiper-%s", id);
		for (i = 0, p = NULL; i < npanes; i++) {
			if (strcmp(panes[i].session_name, name) == 0 &&
			    strcmp(panes[i].tag, sessions.tag) == 0) {
				p = &panes[i];
				break;
			}
		}
		if (p != NULL && !p->dead)
			s = adopt_row(stmt, p);
		if (s != NULL) {
			session_attach_live(s);
			NOTIFY(started, s);
			p->tag[0] = '\0';	/* claimed */
			adopted++;
			continue;
		}
		/* The agent died while we were away: its exit status decides. */
		free(s);
		stopped++;
		/* Deferred below: the statement is still being stepped. */
		if (p != NULL) {
			p->tag[0] = p->dead && p->dead_status != 0 ? 'C' : 'S';
			p->tag[1] = '\0';
		}
	}
	db_stmt_done(stmt);

	/* Rows whose runtime is gone or dead. */
	stmt = db_stmt("SELECT id FROM sessions WHERE status IN "
	    "('RUNNING', 'STARTING', 'NEEDS_PERMISSION', 'NEEDS_INPUT')");
	{
		char **ids = NULL;
		size_t nids = 0;
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			if (session_find(db_column_text(stmt, 0)) != NULL)
				continue;
			ids = xreallocarray(ids, nids + 1, sizeof *ids);
			ids[nids++] = xstrdup(db_column_text(stmt, 0));
		}
		db_stmt_done(stmt);
		for (i = 0; i < nids; i++) {
			char name[128];
			const char *final = "STOPPED";
			size_t j;
			snprintf(name, sizeof name, "codepiper-%s", ids[i]);
			for (j = 0; j < npanes; j++) {
				if (strcmp(panes[j].session_name, name) == 0 &&
				    strcmp(panes[j].tag, "C") == 0)
					final = "CRASHED";
			}
			db_set_status(ids[i], final);
			log_info("session %s: agent gone while agentd was down (%s)",
			    ids[i], final);
			free(ids[i]);
		}
		free(ids);
	}
	/* Our own leftovers: tagged by this data dir, not adopted. Never touch
	 * sessions another daemon or the user made. */
	for (i = 0; i < npanes; i++) {
		if (panes[i].tag[0] == '\0')
			continue;
		if (strcmp(panes[i].tag, sessions.tag) == 0 ||
		    strcmp(panes[i].tag, "S") == 0 || strcmp(panes[i].tag, "C") == 0) {
			tmux_command(NULL, NULL, "kill-window -t %s",
			    panes[i].window_id);
			tmux_command(NULL, NULL, "kill-session -t %s",
			    panes[i].session_id);
			orphans++;
		}
	}
	free(panes);
	{
		struct session *s;
		TAILQ_FOREACH(s, &sessions.live, entry)
			db_save(s, false);
	}
	log_info("startup: %d session(s) adopted, %d marked ended, %d leftover "
	    "runtime(s) removed", adopted, stopped, orphans);
	if (sessions.ready != NULL)
		sessions.ready();
}

static int
write_tmux_config(void)
{
	static const char config[] =
	    "# Written by agentd: the tmux server that runs CodePiper's agents.\n"
	    "set -g remain-on-exit on\n"
	    "set -g history-limit 50000\n"
	    "set -g focus-events on\n"
	    "set -g status off\n"
	    "set -g default-terminal tmux-256color\n"
	    "set -g automatic-rename off\n"
	    "set -g allow-rename off\n"
	    "set -s escape-time 0\n"
	    "set -s exit-empty off\n";

	return write_file_atomic(sessions.tmux_config, config, sizeof config - 1,
	    0600);
}

int
sessions_init(struct event_base *base, const char *data_dir,
    const char *tmux_socket, void (*ready)(void))
{
	char *cause = NULL;

	TAILQ_INIT(&sessions.live);
	TAILQ_INIT(&sessions.closing);
	sessions.base = base;
	sessions.data_dir = xstrdup(data_dir);
	sessions.tmux_socket = xstrdup(tmux_socket);
	sessions.tmux_config = xprintf("%s/tmux.conf", data_dir);
	sessions.self_exe = self_exe_path();
	sessions.tag = load_or_create_tag();
	sessions.ready = ready;
	if (sessions.self_exe == NULL) {
		log_error("cannot find agentd's own executable");
		return -1;
	}
	if (write_tmux_config() != 0) {
		log_error("writing %s: %s", sessions.tmux_config, strerror(errno));
		return -1;
	}
	if (start_tmux(&cause) != 0) {
		log_error("starting tmux: %s", cause);
		free(cause);
		return -1;
	}
	list_panes_for_adoption();
	return 0;
}

static void
list_panes_for_adoption(void)
{
	tmux_command(adopt_listing, NULL, "list-panes -a -F \"#{session_name} "
	    "#{session_id} #{window_id} #{pane_id} #{pane_pid} #{pane_dead} "
	    "s#{pane_dead_status} "
	    "#{?@codepiper_daemon,#{@codepiper_daemon},-}\"");
}

void
sessions_shutdown(bool preserve)
{
	struct session *s, *next;

	TAILQ_FOREACH_SAFE(s, &sessions.live, entry, next) {
		if (!preserve) {
			/* Closing agentd without preserveSessions stops them. */
			kill_tmux_runtime(s);
			db_set_status(s->id, "STOPPED");
			remove_runtime_files(s->id, true);
		}
		session_detach_live(s);
		session_free(s);
	}
	if (sessions.restart_timer != NULL)
		event_free(sessions.restart_timer);
	if (sessions.subscribe_timer != NULL)
		event_free(sessions.subscribe_timer);
	sessions.restart_timer = sessions.subscribe_timer = NULL;
	tmux_drain(2000);
	tmux_stop();
	free(sessions.data_dir);
	free(sessions.tmux_socket);
	free(sessions.tmux_config);
	free(sessions.tag);
	free(sessions.self_exe);
	memset(&sessions, 0, sizeof sessions);
}
