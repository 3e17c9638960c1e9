/*
 * Hook installation, per-session hook secrets and hook events; see hooks.h
 * and docs/hooks.md.
 */
#include "hooks.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "notifications.h"
#include "permission.h"
#include "policy-store.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

#define HASH_HEX	(crypto_hash_sha256_BYTES * 2 + 1)

/* Claude Code's hook timeout for PermissionRequest: above hook-forward's
 * own 55 s, so that hook-forward's answer (or error) always arrives. */
#define PERMISSION_HOOK_TIMEOUT_S	60
/* PreToolUse runs on every tool call and only records: keep it short. */
#define PRETOOLUSE_HOOK_TIMEOUT_S	10

const char hooks_valid_events[] =
    "SessionStart, Notification, Stop, PermissionRequest, PreToolUse";

/* The secret hash of every session we know to be live (or starting). */
struct secret_entry {
	char			*session_id;
	char			 hash[HASH_HEX];
	/* A SessionStart that beat tmux's answer to our new-session. */
	json_t			*early_start;
	LIST_ENTRY(secret_entry) entry;
};
static LIST_HEAD(, secret_entry) secrets = LIST_HEAD_INITIALIZER(secrets);
static char harness_hash[HASH_HEX];	/* of CODEPIPER_SECRET, or "" */

static void	session_started(struct session *);
static void	session_ended(struct session *);

static const struct session_listener listener = {
	.started = session_started,
	.ended = session_ended,
};

static void
secret_hash(const char *secret, char out[HASH_HEX])
{
	unsigned char	digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)secret,
	    strlen(secret));
	sodium_bin2hex(out, HASH_HEX, digest, sizeof digest);
	sodium_memzero(digest, sizeof digest);
}

static struct secret_entry *
secret_find(const char *session_id)
{
	struct secret_entry	*e;

	LIST_FOREACH(e, &secrets, entry) {
		if (strcmp(e->session_id, session_id) == 0)
			return e;
	}
	return NULL;
}

static struct secret_entry *
secret_remember(const char *session_id, const char *hash)
{
	struct secret_entry	*e;

	if ((e = secret_find(session_id)) == NULL) {
		e = xcalloc(1, sizeof *e);
		e->session_id = xstrdup(session_id);
		LIST_INSERT_HEAD(&secrets, e, entry);
	}
	snprintf(e->hash, sizeof e->hash, "%s", hash);
	return e;
}

static void
secret_forget(const char *session_id)
{
	struct secret_entry	*e;

	if ((e = secret_find(session_id)) != NULL) {
		LIST_REMOVE(e, entry);
		if (e->early_start != NULL)
			json_decref(e->early_start);
		free(e->session_id);
		free(e);
	}
}

static void
secret_store(const char *session_id, const char *hash)
{
	sqlite3_stmt	*stmt;

	stmt = db_stmt("INSERT INTO session_hook_secrets (session_id, "
	    "secret_hash, created_at) VALUES (?, ?, ?) ON CONFLICT(session_id) "
	    "DO UPDATE SET secret_hash = excluded.secret_hash, "
	    "created_at = excluded.created_at");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now_ms());
	if (sqlite3_step(stmt) != SQLITE_DONE)
		log_warn("session %s: storing the hook secret hash: %s",
		    session_id, db_errmsg());
	db_stmt_done(stmt);
}

/* The stored hash of a session's secret; false when there is none. */
static bool
secret_load(const char *session_id, char out[HASH_HEX])
{
	sqlite3_stmt	*stmt;
	const char	*hash;
	bool		 found = false;

	stmt = db_stmt("SELECT secret_hash FROM session_hook_secrets "
	    "WHERE session_id = ?");
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    (hash = db_column_text(stmt, 0)) != NULL &&
	    strlen(hash) == HASH_HEX - 1) {
		memcpy(out, hash, HASH_HEX);
		found = true;
	}
	db_stmt_done(stmt);
	return found;
}

static bool
hash_equal(const char *a, const char *b)
{
	return sodium_memcmp(a, b, HASH_HEX - 1) == 0;
}

bool
hooks_secret_ok(const char *session_id, const char *presented, bool *harness)
{
	struct secret_entry	*e;
	char			 given[HASH_HEX], stored[HASH_HEX];
	bool			 ok = false;

	*harness = false;
	if (presented == NULL || *presented == '\0')
		return false;
	secret_hash(presented, given);
	if (harness_hash[0] != '\0' && hash_equal(given, harness_hash)) {
		*harness = true;
		return true;
	}
	if (session_id == NULL)
		return false;
	if ((e = secret_find(session_id)) != NULL)
		ok = hash_equal(given, e->hash);
	else if (secret_load(session_id, stored))
		ok = hash_equal(given, stored);
	return ok;
}

/* ---- installation ---------------------------------------------------- */

char *
hooks_shell_quote(const char *s)
{
	size_t	 n = strlen(s), i, o = 0;
	char	*out = xmalloc(5 * n + 3);	/* each ' becomes 5 bytes */

	out[o++] = '\'';
	for (i = 0; i < n; i++) {
		if (s[i] == '\'') {
			memcpy(out + o, "'\"'\"'", 5);
			o += 5;
		} else
			out[o++] = s[i];
	}
	out[o++] = '\'';
	out[o] = '\0';
	return out;
}

char *
hooks_script_text(const char *socket, const char *session_id,
    const char *secret, const char *codepiper)
{
	char	*q_socket = hooks_shell_quote(socket);
	char	*q_id = hooks_shell_quote(session_id);
	char	*q_secret = hooks_shell_quote(secret);
	char	*q_exe = hooks_shell_quote(codepiper);
	char	*text;

	text = xprintf("#!/bin/sh\n"
	    "# Written by agentd for CodePiper session %s: Claude Code runs it\n"
	    "# for every hook. It holds this session's hook secret.\n"
	    "set -eu\n"
	    "export CODEPIPER_UNIX_SOCK=%s\n"
	    "export CODEPIPER_SESSION=%s\n"
	    "export CODEPIPER_SECRET=%s\n"
	    "exec %s hook-forward\n",
	    session_id, q_socket, q_id, q_secret, q_exe);
	sodium_memzero(q_secret, strlen(q_secret));
	free(q_socket);
	free(q_id);
	free(q_secret);
	free(q_exe);
	return text;
}

json_t *
hooks_settings_json(const char *script_path)
{
	static const char *const events[] = {
		"SessionStart", "Notification", "PermissionRequest",
		"PreToolUse", "Stop",
	};
	json_t	*hooks = json_object(), *hook;
	char	*quoted = hooks_shell_quote(script_path);
	char	*command = xprintf("sh %s", quoted);
	size_t	 i;

	for (i = 0; i < sizeof events / sizeof events[0]; i++) {
		hook = json_pack("{s:s,s:s}", "type", "command", "command",
		    command);
		if (strcmp(events[i], "PermissionRequest") == 0)
			json_object_set_new(hook, "timeout",
			    json_integer(PERMISSION_HOOK_TIMEOUT_S));
		else if (strcmp(events[i], "PreToolUse") == 0)
			json_object_set_new(hook, "timeout",
			    json_integer(PRETOOLUSE_HOOK_TIMEOUT_S));
		json_object_set_new(hooks, events[i],
		    json_pack("[{s:[o]}]", "hooks", hook));
	}
	free(quoted);
	free(command);
	return json_pack("{s:o}", "hooks", hooks);
}

/* The codepiper binary installed next to agentd; NULL if missing. */
static char *
codepiper_path(void)
{
	char	*self = self_exe_path(), *dir, *path;

	if (self == NULL)
		return NULL;
	dir = dirname(self);
	path = xprintf("%s/codepiper", dir);
	free(self);
	if (access(path, X_OK) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

char *
hooks_prepare(struct session *s, const char *runtime_dir, char **cause)
{
	char	*exe, *script = NULL, *settings = NULL, *text = NULL;
	char	 hash[HASH_HEX];
	json_t	*doc;

	if (s->hook_secret == NULL || *s->hook_secret == '\0') {
		*cause = xstrdup("No hook secret for the session");
		return NULL;
	}
	if ((exe = codepiper_path()) == NULL) {
		*cause = xstrdup("The codepiper program is not installed next "
		    "to agentd; hooks cannot be installed");
		return NULL;
	}
	script = xprintf("%s/%s.hook-forward.sh", runtime_dir, s->id);
	text = hooks_script_text(daemon_config.cli_socket, s->id,
	    s->hook_secret, exe);
	if (write_file_atomic(script, text, strlen(text), 0700) != 0) {
		xasprintf(cause, "Writing %s: %s", script, strerror(errno));
		goto fail;
	}
	settings = xprintf("%s/%s.json", runtime_dir, s->id);
	doc = hooks_settings_json(script);
	sodium_memzero(text, strlen(text));
	free(text);
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (write_file_atomic(settings, text, strlen(text), 0600) != 0) {
		xasprintf(cause, "Writing %s: %s", settings, strerror(errno));
		goto fail;
	}
	/* The row may not exist yet: the hash is stored once it started. */
	secret_hash(s->hook_secret, hash);
	secret_remember(s->id, hash);
	free(text);
	free(script);
	free(exe);
	return settings;

fail:
	if (text != NULL)
		sodium_memzero(text, strlen(text));
	free(text);
	free(script);
	free(settings);
	free(exe);
	return NULL;
}

static bool	remember_provider_session(struct session *, json_t *);

static void
session_started(struct session *s)
{
	struct secret_entry	*e;
	char			 hash[HASH_HEX];

	if ((e = secret_find(s->id)) != NULL) {
		secret_store(s->id, e->hash);	/* created or resumed */
		if (e->early_start != NULL) {
			if (remember_provider_session(s, e->early_start))
				session_save(s);
			session_set_status(s, STATUS_RUNNING);
			json_decref(e->early_start);
			e->early_start = NULL;
		}
	} else if (secret_load(s->id, hash))
		secret_remember(s->id, hash);	/* adopted after a restart */
	/* The default policy set goes to new sessions only; a resumed one
	 * keeps its creation time, an adopted one is RUNNING already. */
	if (s->status == STATUS_STARTING && now_ms() - s->created_at < 60000)
		policy_sets_bind_default(s->id);
}

static void
session_ended(struct session *s)
{
	permission_session_ended(s->id);
	policy_compiled_forget(s->id);
	secret_forget(s->id);
}

void
hooks_init(void)
{
	static const struct session_providers providers = {
		.prepare = hooks_prepare,
	};
	const char	*env = getenv("CODEPIPER_SECRET");

	LIST_INIT(&secrets);
	harness_hash[0] = '\0';
	if (env != NULL && *env != '\0')
		secret_hash(env, harness_hash);
	session_set_providers(&providers);
	session_add_listener(&listener);
}

void
hooks_shutdown(void)
{
	struct secret_entry	*e;

	while ((e = LIST_FIRST(&secrets)) != NULL)
		secret_forget(e->session_id);
}

/* ---- events ---------------------------------------------------------- */

bool
hooks_event_known(const char *event)
{
	return strcmp(event, "SessionStart") == 0 ||
	    strcmp(event, "Notification") == 0 ||
	    strcmp(event, "Stop") == 0 ||
	    strcmp(event, "PermissionRequest") == 0 ||
	    strcmp(event, "PreToolUse") == 0;
}

/* Remember what the hook tells about the provider's own session. */
static bool
remember_provider_session(struct session *s, json_t *data)
{
	const char	*path, *id, *old;
	json_t		*ps;
	bool		 changed = false;

	path = json_string_value(json_object_get(data, "transcript_path"));
	if (path != NULL && *path != '\0' && (s->transcript_path == NULL ||
	    strcmp(s->transcript_path, path) != 0)) {
		free(s->transcript_path);
		s->transcript_path = xstrdup(path);
		changed = true;
	}
	id = json_string_value(json_object_get(data, "session_id"));
	if (id != NULL && *id != '\0') {
		ps = json_object_get(s->metadata, "providerSession");
		old = json_string_value(json_object_get(ps, "id"));
		if (old == NULL || strcmp(old, id) != 0) {
			if (!json_is_object(ps)) {
				ps = json_object();
				json_object_set_new(s->metadata,
				    "providerSession", ps);
			}
			json_object_set_new(ps, "id", json_string(id));
			if (json_object_get(ps, "mode") == NULL)
				json_object_set_new(ps, "mode",
				    json_string("resume"));
			json_object_set_new(ps, "source",
			    json_string("claude-hook"));
			changed = true;
		}
	}
	return changed;
}

static const char *
notification_kind(json_t *data)
{
	const char	*kind;

	kind = json_string_value(json_object_get(data, "notification_type"));
	if (kind == NULL)
		kind = json_string_value(json_object_get(data, "type"));
	return kind;
}

json_t *
hooks_apply(const char *session_id, const char *event, json_t *data)
{
	struct session		*s = session_find(session_id);
	struct secret_entry	*e;
	const char	*kind;
	int64_t		 event_id = -1;

	if (s != NULL && s->closing)
		s = NULL;
	if (strcmp(event, "PreToolUse") == 0) {
		/* Every tool call: no more than the decision needs. */
		permission_settle(session_id, "the agent moved on");
		if (s != NULL)
			session_set_status(s, STATUS_RUNNING);
		if (s != NULL && s->transcript_path == NULL &&
		    remember_provider_session(s, data))
			session_save(s);
		return permission_pretool(session_id, data);
	}
	permission_flush();
	event_id = event_record(session_id, "hook", event, data);
	if (s == NULL && strcmp(event, "SessionStart") == 0 &&
	    (e = secret_find(session_id)) != NULL && session_find(session_id) ==
	    NULL) {
		/* The agent is faster than tmux's reply: apply it once started. */
		if (e->early_start != NULL)
			json_decref(e->early_start);
		e->early_start = json_incref(data);
	}
	if (s != NULL && strcmp(event, "SessionStart") == 0) {
		if (remember_provider_session(s, data))
			session_save(s);
		session_set_status(s, STATUS_RUNNING);
	} else if (s != NULL && s->transcript_path == NULL &&
	    json_is_string(json_object_get(data, "transcript_path"))) {
		/* SessionStart was missed (agentd restarted meanwhile). */
		if (remember_provider_session(s, data))
			session_save(s);
	}

	if (strcmp(event, "Notification") == 0) {
		kind = notification_kind(data);
		if (kind != NULL && strcmp(kind, "permission_prompt") == 0) {
			if (s != NULL)
				session_set_status(s, STATUS_NEEDS_PERMISSION);
		} else if (kind != NULL && strcmp(kind, "idle_prompt") == 0) {
			permission_settle(session_id, "the agent is idle");
			if (s != NULL)
				session_set_status(s, STATUS_NEEDS_INPUT);
		}
	} else if (strcmp(event, "Stop") == 0) {
		permission_settle(session_id, "the turn ended");
		if (s != NULL)
			session_set_status(s, STATUS_RUNNING);
	}
	if (strcmp(event, "Notification") == 0 || strcmp(event, "Stop") == 0)
		notification_from_hook(session_id, event, data, event_id);
	return json_pack("{s:b}", "success", 1);
}
