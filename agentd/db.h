/*
 * The one SQLite connection of agentd (WAL, foreign keys on). Owns opening,
 * migrating and the cache of prepared statements.
 *
 * db_stmt() returns a cached statement, reset and with bindings cleared; it
 * stays owned by the cache (never finalize it). Keep the SQL a string literal
 * so the cache hits on the pointer. Call db_stmt_done() when finished stepping
 * if the statement may be reused before its next db_stmt() — in practice only
 * for nested use; db_stmt() resets anyway.
 */
#ifndef CODEPIPER_DB_H
#define CODEPIPER_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include <jansson.h>

int		 db_open(const char *path, char **cause);
void		 db_close(void);
sqlite3		*db_handle(void);
sqlite3_stmt	*db_stmt(const char *sql);
void		 db_stmt_done(sqlite3_stmt *stmt);

int		 db_begin(void);
int		 db_commit(void);
void		 db_rollback(void);
int		 db_exec(const char *sql);
const char	*db_errmsg(void);

/* Column helpers: NULL-aware reads. The returned pointer is SQLite's. */
const char	*db_column_text(sqlite3_stmt *stmt, int col);
/* A TEXT column holding JSON, parsed; NULL when NULL or invalid. */
json_t		*db_column_json(sqlite3_stmt *stmt, int col);
/* Bind a string or NULL. */
int		 db_bind_text(sqlite3_stmt *stmt, int idx, const char *s);

/*
 * Errors of tables whose rows have an id and a unique name; "what" names a
 * row in messages ("Workspace"). Both return 0 or -1 with *status and a heap
 * *error the caller frees.
 *
 * db_delete_by_id binds id to ?1 of a DELETE and steps it: 500 with SQLite's
 * message, or 404 "<what> not found: <id>" when no row went.
 * db_write_failed turns a failed INSERT or UPDATE into 409 "<what> name
 * already exists: <name>" (unique constraint) or 500, logged under log_tag.
 */
int		 db_delete_by_id(sqlite3_stmt *stmt, const char *id,
		    const char *what, int *status, char **error);
int		 db_write_failed(const char *what, const char *log_tag,
		    const char *name, int *status, char **error);

#endif
