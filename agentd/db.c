#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "migrations.h"
#include "xmalloc.h"

struct cached_stmt {
	const char		*sql;
	sqlite3_stmt		*stmt;
	struct cached_stmt	*next;
};

static sqlite3 *db;
static struct cached_stmt *stmt_cache;

static int
db_migrate(char **cause)
{
	sqlite3_stmt *stmt;
	int current = 0;
	size_t i;

	if (db_exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at INTEGER NOT NULL)") != 0)
		goto fail;
	if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM "
	    "schema_migrations", -1, &stmt, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		current = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);

	for (i = 0; i < migrations_count; i++) {
		const struct migration *m = &migrations[i];
		char *record;

		if (m->version <= current)
			continue;
		if (db_begin() != 0)
			goto fail;
		if (db_exec(m->sql) != 0) {
			xasprintf(cause, "migration %s: %s", m->name, db_errmsg());
			db_rollback();
			return -1;
		}
		record = sqlite3_mprintf("INSERT INTO schema_migrations VALUES "
		    "(%d, %Q, strftime('%%s','now') * 1000)", m->version, m->name);
		if (db_exec(record) != 0 || db_commit() != 0) {
			sqlite3_free(record);
			db_rollback();
			goto fail;
		}
		sqlite3_free(record);
		log_info("applied migration %s", m->name);
	}
	return 0;

fail:
	xasprintf(cause, "migrating the database: %s", db_errmsg());
	return -1;
}

int
db_open(const char *path, char **cause)
{
	static const char *suffixes[] = { "", "-wal", "-shm" };
	size_t i;
	int fd;

	/* Create the file owner-only before SQLite does, whatever the umask. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		xasprintf(cause, "opening %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	/* No allocation statistics: nobody reads them, and keeping them takes
	 * a global mutex on every allocation (12 % of a transcript catch-up).
	 * Only possible before SQLite initialises; harmless after. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "opening %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	/*
	 * temp_store: statement journals in memory. A statement that may
	 * abort (a foreign key, a trigger) inside a larger transaction keeps
	 * one; on disk it costs a write per page, and transcript batches are
	 * such transactions (2.4 million writes for a 100 MB transcript on
	 * disk, 0.15 million in memory).
	 */
	if (db_exec("PRAGMA journal_mode = WAL") != 0 ||
	    db_exec("PRAGMA synchronous = NORMAL") != 0 ||
	    db_exec("PRAGMA foreign_keys = ON") != 0 ||
	    db_exec("PRAGMA temp_store = MEMORY") != 0) {
		xasprintf(cause, "configuring %s: %s", path, db_errmsg());
		db_close();
		return -1;
	}
	if (db_migrate(cause) != 0) {
		db_close();
		return -1;
	}
	for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char *p = xprintf("%s%s", path, suffixes[i]);
		chmod(p, 0600);
		free(p);
	}
	return 0;
}

void
db_close(void)
{
	struct cached_stmt *c, *next;

	for (c = stmt_cache; c != NULL; c = next) {
		next = c->next;
		sqlite3_finalize(c->stmt);
		free(c);
	}
	stmt_cache = NULL;
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
}

sqlite3 *
db_handle(void)
{
	return db;
}

sqlite3_stmt *
db_stmt(const char *sql)
{
	struct cached_stmt *c;

	for (c = stmt_cache; c != NULL; c = c->next) {
		if (c->sql == sql || strcmp(c->sql, sql) == 0) {
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return c->stmt;
		}
	}
	c = xcalloc(1, sizeof *c);
	c->sql = sql;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt,
	    NULL) != SQLITE_OK) {
		log_error("preparing \"%s\": %s", sql, sqlite3_errmsg(db));
		BUG("invalid SQL in a prepared statement");
	}
	c->next = stmt_cache;
	stmt_cache = c;
	return c->stmt;
}

void
db_stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
}

int
db_exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warn("sql: %s", err != NULL ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int
db_begin(void)
{
	return db_exec("BEGIN IMMEDIATE");
}

int
db_commit(void)
{
	return db_exec("COMMIT");
}

void
db_rollback(void)
{
	if (!sqlite3_get_autocommit(db))
		db_exec("ROLLBACK");
}

const char *
db_errmsg(void)
{
	return sqlite3_errmsg(db);
}

const char *
db_column_text(sqlite3_stmt *stmt, int col)
{
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(stmt, col);
}

json_t *
db_column_json(sqlite3_stmt *stmt, int col)
{
	const char *text = db_column_text(stmt, col);

	if (text == NULL)
		return NULL;
	return json_loads(text, JSON_DECODE_ANY, NULL);
}

int
db_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT);
}

int
db_delete_by_id(sqlite3_stmt *stmt, const char *id, const char *what,
    int *status, char **error)
{
	int rc;

	db_bind_text(stmt, 1, id);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		*status = 500;
		*error = xstrdup(db_errmsg());
		return -1;
	}
	if (sqlite3_changes(db) == 0) {
		*status = 404;
		*error = xprintf("%s not found: %s", what, id);
		return -1;
	}
	return 0;
}

int
db_write_failed(const char *what, const char *log_tag, const char *name,
    int *status, char **error)
{
	if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE) {
		*status = 409;
		*error = xprintf("%s name already exists: %s", what, name);
	} else {
		log_error("%s: %s", log_tag, db_errmsg());
		*status = 500;
		*error = xstrdup(db_errmsg());
	}
	return -1;
}
