#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "session.h"
#include "transcript-parse.h"
#include "util.h"
#include "xmalloc.h"

/*
 * One read of 1 MiB is one transaction: large enough that a catch-up over
 * a big file is a few hundred commits, small enough to keep memory flat.
 * A line longer than the buffer grows it (Claude Code writes lines of tens
 * of kilobytes, tool results of megabytes) up to LINE_MAX; a longer line is
 * skipped with a warning.
 */
#define READ_CHUNK	(1024 * 1024)
#define LINE_MAX_BYTES	(64 * 1024 * 1024)
/* Per turn of the event loop, so that a long catch-up never stalls it. */
#define READ_BUDGET	(8 * 1024 * 1024)
/* After a database error, try again this much later. */
#define RETRY_MS	1000
/* Claude Code shortens the encoded folder name to this many characters. */
#define CLAUDE_PROJECT_NAME_MAX 200

#define FILE_MASK	(IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define DIR_MASK	(IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
			 IN_ONLYDIR)

struct tailer {
	char		*session_id;
	char		*path;
	int64_t		 offset;	/* committed; just past a complete line */
	uint64_t	 inode;		/* of the file offset belongs to; 0: unknown */
	int		 file_wd;	/* -1: the file is not watched */
	int		 dir_wd;	/* -1: no folder watched */
	char		*dir;		/* the folder watched while the file is missing */
	bool		 watch;		/* false: catch-up only, no inotify */
	bool		 draining;	/* read to the end, then go */
	bool		 discovered;	/* the path was guessed, not reported */
	bool		 seen;		/* the file existed once */
	bool		 reported_missing;
	bool		 failing;	/* a read error was logged */
	struct event	*read_ev;
	struct event	*retry_ev;
	LIST_ENTRY(tailer) entry;
};
LIST_HEAD(tailer_list, tailer);

static struct {
	struct event_base	*base;
	int			 inotify_fd;
	struct event		*inotify_ev;
	struct tailer_list	 tailers;
	char			*buf;
	size_t			 cap;
} tr = { .inotify_fd = -1 };

static void	tailer_schedule(struct tailer *);
static void	tailer_free(struct tailer *);

/* ---- paths ------------------------------------------------------------- */

char *
transcript_claude_path(const char *cwd, const char *claude_session_id)
{
	const char *config = getenv("CLAUDE_CONFIG_DIR"), *home;
	char *encoded, *base, *path, *p;

	if (config != NULL && *config != '\0')
		base = xstrdup(config);
	else {
		if ((home = getenv("HOME")) == NULL || *home == '\0')
			home = "/tmp";
		base = xprintf("%s/.claude", home);
	}
	encoded = xstrndup(cwd, CLAUDE_PROJECT_NAME_MAX);
	for (p = encoded; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')))
			*p = '-';
	}
	path = xprintf("%s/projects/%s/%s.jsonl", base, encoded, claude_session_id);
	free(encoded);
	free(base);
	return path;
}

/* The nearest folder on the way up from path that exists. */
static char *
existing_ancestor(const char *path)
{
	char *dir = xstrdup(path), *slash;
	struct stat st;

	for (;;) {
		if ((slash = strrchr(dir, '/')) == NULL) {
			free(dir);
			return xstrdup("/");
		}
		if (slash == dir) {
			slash[1] = '\0';
			return dir;
		}
		*slash = '\0';
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
	}
}

/* ---- the stored offset ------------------------------------------------- */

static void
offset_load(struct tailer *t)
{
	sqlite3_stmt *stmt = db_stmt("SELECT byte_offset, inode FROM "
	    "transcript_offsets WHERE session_id = ? AND path = ?");

	sqlite3_bind_text(stmt, 1, t->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, t->path, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		t->offset = sqlite3_column_int64(stmt, 0);
		t->inode = (uint64_t)sqlite3_column_int64(stmt, 1);
	}
	db_stmt_done(stmt);
}

static int
offset_store(const struct tailer *t, int64_t offset)
{
	sqlite3_stmt *stmt = db_stmt("INSERT INTO transcript_offsets (session_id, "
	    "path, byte_offset, inode) VALUES (?, ?, ?, ?) ON CONFLICT "
	    "(session_id, path) DO UPDATE SET byte_offset = excluded.byte_offset, "
	    "inode = excluded.inode");
	int rc;

	sqlite3_bind_text(stmt, 1, t->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, t->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, offset);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)t->inode);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	db_stmt_done(stmt);
	return rc;
}

/* The offset row follows a tailer whose file is the same under a new name. */
static int
offset_rename(const struct tailer *t, const char *path)
{
	sqlite3_stmt *stmt = db_stmt("UPDATE OR REPLACE transcript_offsets "
	    "SET path = ? WHERE session_id = ? AND path = ?");
	int rc;

	sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, t->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, t->path, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	db_stmt_done(stmt);
	return rc;
}

static bool
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

/* ---- recording one line ------------------------------------------------ */

static int
record_usage(const char *session_id, int64_t event_id, int64_t ts,
    const struct transcript_line *line)
{
	/* A message seen again replaces its usage (the last one is final). */
	sqlite3_stmt *stmt = db_stmt("INSERT INTO token_usage (session_id, "
	    "event_id, timestamp, model, prompt_tokens, completion_tokens, "
	    "cache_creation_input_tokens, cache_read_input_tokens, total_tokens, "
	    "message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
	    "(session_id, message_id) WHERE message_id IS NOT NULL DO UPDATE SET "
	    "event_id = excluded.event_id, model = excluded.model, "
	    "prompt_tokens = excluded.prompt_tokens, "
	    "completion_tokens = excluded.completion_tokens, "
	    "cache_creation_input_tokens = excluded.cache_creation_input_tokens, "
	    "cache_read_input_tokens = excluded.cache_read_input_tokens, "
	    "total_tokens = excluded.total_tokens");
	const struct token_counts *u = &line->usage;
	int rc;

	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, event_id);
	sqlite3_bind_int64(stmt, 3, ts);
	sqlite3_bind_text(stmt, 4, line->model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, u->prompt);
	sqlite3_bind_int64(stmt, 6, u->completion);
	sqlite3_bind_int64(stmt, 7, u->cache_creation);
	sqlite3_bind_int64(stmt, 8, u->cache_read);
	sqlite3_bind_int64(stmt, 9, u->prompt + u->completion +
	    u->cache_creation + u->cache_read);
	db_bind_text(stmt, 10, line->message_id);
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
	db_stmt_done(stmt);
	return rc;
}

static int
record_tools(const char *session_id, int64_t event_id, int64_t ts,
    const struct transcript_line *line)
{
	sqlite3_stmt *stmt;
	size_t i;

	for (i = 0; i < line->ntool_uses; i++) {
		stmt = db_stmt("INSERT OR IGNORE INTO tool_uses (session_id, "
		    "tool_use_id, name, ts, event_id) VALUES (?, ?, ?, ?, ?)");
		sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
		db_bind_text(stmt, 2, line->tool_uses[i].id);
		sqlite3_bind_text(stmt, 3, line->tool_uses[i].name, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 4, ts);
		sqlite3_bind_int64(stmt, 5, event_id);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			return -1;
		db_stmt_done(stmt);
	}
	for (i = 0; i < line->ntool_results; i++) {
		stmt = db_stmt("UPDATE tool_uses SET result_event_id = ?, "
		    "is_error = ? WHERE session_id = ? AND tool_use_id = ?");
		sqlite3_bind_int64(stmt, 1, event_id);
		sqlite3_bind_int(stmt, 2, line->tool_results[i].is_error);
		sqlite3_bind_text(stmt, 3, session_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, line->tool_results[i].tool_use_id, -1,
		    SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			return -1;
		db_stmt_done(stmt);
	}
	return 0;
}

/* One line: 0 recorded or skipped, -1 on a database error. */
static int
record_line(struct tailer *t, const char *p, size_t len, bool publish,
    struct transcript_stats *stats)
{
	struct transcript_line line;
	char *cause = NULL;
	int64_t event_id, ts;
	int rc;

	rc = transcript_parse_line(p, len, &line, &cause);
	if (rc == TRANSCRIPT_LINE_SKIP)
		return 0;
	if (rc == TRANSCRIPT_LINE_INVALID) {
		log_warn("session %s: transcript line at %s skipped: %s",
		    t->session_id, t->path, cause);
		free(cause);
		return 0;
	}
	ts = line.timestamp >= 0 ? line.timestamp : now_ms();
	if ((event_id = event_record_text(t->session_id, "transcript", line.type,
	    line.json, line.json_len, publish)) < 0)
		goto fail;
	if (line.has_usage) {
		if (record_usage(t->session_id, event_id, ts, &line) != 0)
			goto fail;
		stats->usage_rows++;
	}
	if (record_tools(t->session_id, event_id, ts, &line) != 0)
		goto fail;
	transcript_line_free(&line);
	return 0;

fail:
	log_warn("session %s: recording a transcript line: %s", t->session_id,
	    db_errmsg());
	transcript_line_free(&line);
	return -1;
}

/*
 * len bytes of complete lines (the last byte is '\n') starting at t->offset:
 * their rows and the new offset in one transaction. publish: announce the
 * events live (not while catching up on a backlog, see tailer_read).
 */
static int
record_batch(struct tailer *t, const char *buf, size_t len, bool publish,
    struct transcript_stats *stats)
{
	const char *p = buf, *end = buf + len, *nl;
	struct transcript_stats batch = { 0 };

	if (db_begin() != 0)
		return -1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (record_line(t, p, (size_t)(nl - p), publish, &batch) != 0)
			goto fail;
		batch.lines++;
		p = nl + 1;
	}
	if (offset_store(t, t->offset + (int64_t)len) != 0 || db_commit() != 0)
		goto fail;
	t->offset += (int64_t)len;
	batch.bytes = (int64_t)len;
	stats->lines += batch.lines;
	stats->bytes += batch.bytes;
	stats->usage_rows += batch.usage_rows;
	if (batch.usage_rows > 0)
		budget_usage_added(t->session_id);
	return 0;

fail:
	db_rollback();
	return -1;
}

/* A line longer than LINE_MAX_BYTES: move the offset past it, alone. */
static int
skip_long_line(struct tailer *t, int fd)
{
	int64_t pos = t->offset + (int64_t)tr.cap;
	ssize_t n;
	char *nl;

	for (;;) {
		if ((n = pread(fd, tr.buf, tr.cap, pos)) <= 0)
			return 1;	/* not complete yet */
		if ((nl = memchr(tr.buf, '\n', (size_t)n)) != NULL)
			break;
		pos += n;
	}
	pos += nl - tr.buf + 1;
	log_warn("session %s: skipping a transcript line of %lld bytes in %s",
	    t->session_id, (long long)(pos - t->offset), t->path);
	if (db_begin() != 0)
		return -1;
	if (offset_store(t, pos) != 0 || db_commit() != 0) {
		db_rollback();
		return -1;
	}
	t->offset = pos;
	return 0;
}

static void
buffer_reserve(size_t cap)
{
	if (tr.cap == cap)
		return;
	free(tr.buf);
	tr.buf = xmalloc(cap);
	tr.cap = cap;
}

/* ---- reading ----------------------------------------------------------- */

enum read_result {
	READ_DONE,	/* everything complete is recorded */
	READ_MORE,	/* the budget ran out first */
	READ_MISSING,	/* no file */
	READ_ERROR,	/* database or I/O error: retry later */
};

static enum read_result
tailer_read(struct tailer *t, size_t budget, struct transcript_stats *stats)
{
	enum read_result result = READ_DONE;
	bool publish;
	size_t done = 0;
	struct stat st;
	ssize_t n;
	char *nl;
	int fd, rc;

	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR) {
			if (t->seen && !t->reported_missing)
				log_warn("Transcript file was deleted: %s", t->path);
			t->reported_missing = t->seen;
			return READ_MISSING;
		}
		if (!t->failing)
			log_warn("session %s: opening %s: %s", t->session_id,
			    t->path, strerror(errno));
		t->failing = true;
		return READ_ERROR;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return READ_ERROR;
	}
	if ((t->inode != 0 && (uint64_t)st.st_ino != t->inode) ||
	    st.st_size < t->offset) {
		log_info("session %s: %s was replaced or truncated; reading it "
		    "from the start", t->session_id, t->path);
		t->offset = 0;
	}
	t->inode = (uint64_t)st.st_ino;
	t->seen = true;
	t->reported_missing = false;
	t->failing = false;
	buffer_reserve(READ_CHUNK);
	for (;;) {
		if (done >= budget) {
			result = READ_MORE;
			break;
		}
		if ((n = pread(fd, tr.buf, tr.cap, t->offset)) == -1) {
			log_warn("session %s: reading %s: %s", t->session_id,
			    t->path, strerror(errno));
			result = READ_ERROR;
			break;
		}
		if (n == 0)
			break;
		if ((nl = memrchr(tr.buf, '\n', (size_t)n)) == NULL) {
			if ((size_t)n < tr.cap)
				break;		/* a partial last line: later */
			if (tr.cap < LINE_MAX_BYTES) {
				buffer_reserve(tr.cap * 2);
				continue;
			}
			if ((rc = skip_long_line(t, fd)) < 0)
				result = READ_ERROR;
			if (rc != 0)
				break;
			continue;
		}
		/*
		 * Lines are published live as they come; a backlog (a file
		 * that grew while agentd was away) is only recorded: its
		 * readers page through GET /sessions/:id/events.
		 */
		publish = st.st_size - t->offset - (nl - tr.buf + 1) < READ_CHUNK;
		if (record_batch(t, tr.buf, (size_t)(nl - tr.buf + 1), publish,
		    stats) != 0) {
			result = READ_ERROR;
			break;
		}
		done += (size_t)(nl - tr.buf + 1);
	}
	close(fd);
	/* A huge line grew the buffer: give the memory back. */
	if (tr.cap > READ_CHUNK)
		buffer_reserve(READ_CHUNK);
	return result;
}

/* ---- watching ---------------------------------------------------------- */

static bool
wd_in_use(int wd, const struct tailer *except)
{
	struct tailer *t;

	LIST_FOREACH(t, &tr.tailers, entry) {
		if (t != except && (t->file_wd == wd || t->dir_wd == wd))
			return true;
	}
	return false;
}

static void
unwatch(struct tailer *t, int *wd)
{
	if (*wd >= 0 && !wd_in_use(*wd, t))
		inotify_rm_watch(tr.inotify_fd, *wd);
	*wd = -1;
}

static void
unwatch_dir(struct tailer *t)
{
	unwatch(t, &t->dir_wd);
	free(t->dir);
	t->dir = NULL;
}

/*
 * Watch the file, or while it does not exist its nearest existing folder.
 * Each new folder watch is followed by another look, so that a file or a
 * folder created just before the watch is not missed.
 */
static void
tailer_arm(struct tailer *t)
{
	char *dir;
	int wd, i;

	if (!t->watch || t->file_wd >= 0 || tr.inotify_fd < 0)
		return;
	for (i = 0; i < 64; i++) {
		if ((wd = inotify_add_watch(tr.inotify_fd, t->path, FILE_MASK)) >= 0) {
			t->file_wd = wd;
			unwatch_dir(t);
			return;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			if (!t->failing)
				log_warn("session %s: watching %s: %s", t->session_id,
				    t->path, strerror(errno));
			t->failing = true;
			return;
		}
		dir = existing_ancestor(t->path);
		if (t->dir != NULL && t->dir_wd >= 0 && strcmp(dir, t->dir) == 0) {
			free(dir);
			return;
		}
		unwatch_dir(t);
		if ((wd = inotify_add_watch(tr.inotify_fd, dir, DIR_MASK)) < 0) {
			log_warn("session %s: watching %s: %s", t->session_id, dir,
			    strerror(errno));
			free(dir);
			return;
		}
		t->dir = dir;
		t->dir_wd = wd;
	}
}

/* The first sight of a discovered transcript: the session learns its path. */
static void
adopt_discovered_path(struct tailer *t)
{
	struct session *s;

	if (!t->discovered || !t->seen)
		return;
	t->discovered = false;
	if ((s = session_find(t->session_id)) == NULL || s->transcript_path != NULL)
		return;
	s->transcript_path = xstrdup(t->path);
	session_save(s);
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tailer *t = arg;
	struct transcript_stats stats = { 0 };
	struct timeval tv = { RETRY_MS / 1000, (RETRY_MS % 1000) * 1000 };
	enum read_result r;

	tailer_arm(t);
	r = tailer_read(t, READ_BUDGET, &stats);
	if (r == READ_MISSING && t->file_wd >= 0) {
		/* Deleted since the watch was set: wait for it again. */
		unwatch(t, &t->file_wd);
		tailer_arm(t);
	}
	switch (r) {
	case READ_MORE:
		tailer_schedule(t);
		break;
	case READ_ERROR:
		evtimer_add(t->retry_ev, &tv);
		break;
	case READ_DONE:
	case READ_MISSING:
		if (t->draining) {
			tailer_free(t);
			return;
		}
		break;
	}
	adopt_discovered_path(t);
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	tailer_schedule(arg);
}

static void
tailer_schedule(struct tailer *t)
{
	/* Coalesced: a read asked for while one is pending is the same read. */
	event_active(t->read_ev, EV_TIMEOUT, 0);
}

static void
inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	struct tailer *t;
	ssize_t n;
	char *p;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (p = buf; p < buf + n; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			LIST_FOREACH(t, &tr.tailers, entry) {
				if (ev->mask & IN_Q_OVERFLOW) {
					tailer_schedule(t);
					continue;
				}
				if (ev->wd == t->file_wd) {
					/* Gone or moved away: look for it again. */
					if (ev->mask & IN_IGNORED)
						t->file_wd = -1;
					else if (ev->mask & (IN_DELETE_SELF |
					    IN_MOVE_SELF))
						unwatch(t, &t->file_wd);
					tailer_schedule(t);
				} else if (ev->wd == t->dir_wd) {
					if (ev->mask & IN_IGNORED) {
						t->dir_wd = -1;
						free(t->dir);
						t->dir = NULL;
					}
					tailer_schedule(t);
				}
			}
		}
	}
}

/* ---- tailers ----------------------------------------------------------- */

/* The tailer following a live session (not one that is draining). */
static struct tailer *
tailer_find(const char *session_id)
{
	struct tailer *t;

	LIST_FOREACH(t, &tr.tailers, entry) {
		if (!t->draining && strcmp(t->session_id, session_id) == 0)
			return t;
	}
	return NULL;
}

/* Any tailer of this session on this file, draining or not. */
static struct tailer *
tailer_find_path(const char *session_id, const char *path)
{
	struct tailer *t;

	LIST_FOREACH(t, &tr.tailers, entry) {
		if (strcmp(t->session_id, session_id) == 0 &&
		    strcmp(t->path, path) == 0)
			return t;
	}
	return NULL;
}

static struct tailer *
tailer_new(const char *session_id, const char *path, bool watch)
{
	struct tailer *t = xcalloc(1, sizeof *t);

	t->session_id = xstrdup(session_id);
	t->path = xstrdup(path);
	t->file_wd = t->dir_wd = -1;
	t->watch = watch;
	offset_load(t);
	if (tr.base != NULL) {
		t->read_ev = event_new(tr.base, -1, 0, read_cb, t);
		t->retry_ev = evtimer_new(tr.base, retry_cb, t);
	}
	LIST_INSERT_HEAD(&tr.tailers, t, entry);
	return t;
}

static void
tailer_free(struct tailer *t)
{
	LIST_REMOVE(t, entry);
	if (tr.inotify_fd >= 0) {
		/* Removed from the list first: wd_in_use sees only the others. */
		if (t->file_wd >= 0 && !wd_in_use(t->file_wd, NULL))
			inotify_rm_watch(tr.inotify_fd, t->file_wd);
		if (t->dir_wd >= 0 && !wd_in_use(t->dir_wd, NULL))
			inotify_rm_watch(tr.inotify_fd, t->dir_wd);
	}
	if (t->read_ev != NULL)
		event_free(t->read_ev);
	if (t->retry_ev != NULL)
		event_free(t->retry_ev);
	free(t->session_id);
	free(t->path);
	free(t->dir);
	free(t);
}

/* ---- sessions ---------------------------------------------------------- */

/* Where a session's transcript is, as far as we know now; NULL: nowhere. */
static char *
session_transcript_path(struct session *s, bool *discovered)
{
	json_t *ps = json_object_get(s->metadata, "providerSession");
	const char *id = json_string_value(json_object_get(ps, "id"));
	const char *mode = json_string_value(json_object_get(ps, "mode"));

	*discovered = false;
	if (s->transcript_path != NULL)
		return xstrdup(s->transcript_path);
	/* A fork writes under a new id that only its hook will tell. */
	if (id == NULL || (mode != NULL && strcmp(mode, "fork") == 0))
		return NULL;
	*discovered = true;
	return transcript_claude_path(s->cwd, id);
}

static void
session_follow(struct session *s)
{
	struct tailer *t;
	bool discovered;
	char *path;

	if (!s->provider->supports_transcript_tailing || s->closing)
		return;
	t = tailer_find(s->id);
	if (t != NULL && s->transcript_path == NULL)
		return;		/* already following the discovered path */
	if ((path = session_transcript_path(s, &discovered)) == NULL)
		return;
	if (t != NULL && strcmp(t->path, path) == 0) {
		t->discovered = false;
		free(path);
		return;
	}
	if (t != NULL && same_file(t->path, path)) {
		/* One file, two spellings (a symlink in the folder): keep
		 * reading where we are, under the reported name. */
		if (offset_rename(t, path) == 0) {
			free(t->path);
			t->path = path;
			t->discovered = false;
			return;
		}
	}
	if (t != NULL) {
		log_info("session %s: transcript is now %s", s->id, path);
		tailer_free(t);
	}
	/*
	 * A resumed session whose file is still being drained takes that
	 * tailer back: two readers of one file would both record its lines.
	 */
	if ((t = tailer_find_path(s->id, path)) != NULL) {
		t->draining = false;
		t->watch = true;
	} else
		t = tailer_new(s->id, path, true);
	t->discovered = discovered;
	log_debug("session %s: following %s%s from byte %lld", s->id, path,
	    discovered ? " (discovered)" : "", (long long)t->offset);
	free(path);
	tailer_schedule(t);
}

static void
session_started(struct session *s)
{
	session_follow(s);
}

static void
session_updated(struct session *s)
{
	session_follow(s);
}

static void
session_ended(struct session *s)
{
	struct tailer *t = tailer_find(s->id);

	if (t == NULL)
		return;
	/* The agent is gone: what it wrote is complete; read it, then stop. */
	t->draining = true;
	t->watch = false;
	tailer_schedule(t);
}

static const struct session_listener listener = {
	.started = session_started,
	.updated = session_updated,
	.ended = session_ended,
};

int
transcripts_init(struct event_base *base)
{
	LIST_INIT(&tr.tailers);
	tr.base = base;
	tr.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (tr.inotify_fd == -1) {
		log_error("inotify: %s", strerror(errno));
		return -1;
	}
	tr.inotify_ev = event_new(base, tr.inotify_fd, EV_READ | EV_PERSIST,
	    inotify_cb, NULL);
	event_add(tr.inotify_ev, NULL);
	session_add_listener(&listener);
	return 0;
}

void
transcripts_catch_up(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT s.id, s.transcript_path, "
	    "COALESCE(o.byte_offset, 0), COALESCE(o.inode, 0) FROM sessions s "
	    "LEFT JOIN transcript_offsets o ON o.session_id = s.id AND "
	    "o.path = s.transcript_path WHERE s.transcript_path IS NOT NULL "
	    "AND s.status IN ('STOPPED', 'CRASHED')");
	struct { char *id, *path; } *todo = NULL;
	size_t ntodo = 0, i;
	struct stat st;

	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *path = db_column_text(stmt, 1);

		if (session_find(db_column_text(stmt, 0)) != NULL ||
		    stat(path, &st) != 0)
			continue;
		if (st.st_size == sqlite3_column_int64(stmt, 2) &&
		    (uint64_t)st.st_ino == (uint64_t)sqlite3_column_int64(stmt, 3))
			continue;
		todo = xreallocarray(todo, ntodo + 1, sizeof *todo);
		todo[ntodo].id = xstrdup(db_column_text(stmt, 0));
		todo[ntodo].path = xstrdup(path);
		ntodo++;
	}
	db_stmt_done(stmt);
	for (i = 0; i < ntodo; i++) {
		struct tailer *t = tailer_new(todo[i].id, todo[i].path, false);

		t->draining = true;
		log_info("session %s: reading what %s gained while agentd was down",
		    t->session_id, t->path);
		tailer_schedule(t);
		free(todo[i].id);
		free(todo[i].path);
	}
	free(todo);
}

void
transcripts_shutdown(void)
{
	struct tailer *t;

	while ((t = LIST_FIRST(&tr.tailers)) != NULL)
		tailer_free(t);
	if (tr.inotify_ev != NULL)
		event_free(tr.inotify_ev);
	if (tr.inotify_fd >= 0)
		close(tr.inotify_fd);
	free(tr.buf);
	tr.buf = NULL;
	tr.cap = 0;
	tr.inotify_ev = NULL;
	tr.inotify_fd = -1;
	tr.base = NULL;
}

int
transcript_ingest_file(const char *session_id, const char *path,
    struct transcript_stats *stats)
{
	struct transcript_stats local = { 0 };
	struct tailer *t;
	enum read_result r;

	if (tr.tailers.lh_first == NULL)
		LIST_INIT(&tr.tailers);
	t = tailer_new(session_id, path, false);
	do
		r = tailer_read(t, SIZE_MAX, stats != NULL ? stats : &local);
	while (r == READ_MORE);
	tailer_free(t);
	if (tr.base == NULL) {
		free(tr.buf);
		tr.buf = NULL;
		tr.cap = 0;
	}
	return r == READ_ERROR || r == READ_MISSING ? -1 : 0;
}
