#include "workspaces.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "log.h"
#include "util.h"
#include "validate.h"
#include "xmalloc.h"

static json_t *
row_json(sqlite3_stmt *stmt)
{
	char created[ISO_TIME_LEN], updated[ISO_TIME_LEN];

	return json_pack("{s:s,s:s,s:s,s:s,s:s}",
	    "id", db_column_text(stmt, 0), "name", db_column_text(stmt, 1),
	    "path", db_column_text(stmt, 2),
	    "createdAt", iso_time(sqlite3_column_int64(stmt, 3), created),
	    "updatedAt", iso_time(sqlite3_column_int64(stmt, 4), updated));
}

json_t *
workspaces_list_json(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT id, name, path, created_at, "
	    "updated_at FROM workspaces ORDER BY name");
	json_t *list = json_array(), *row;

	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if ((row = row_json(stmt)) != NULL)
			json_array_append_new(list, row);
	}
	db_stmt_done(stmt);
	return json_pack("{s:o}", "workspaces", list);
}

json_t *
workspace_json(const char *id)
{
	sqlite3_stmt *stmt = db_stmt("SELECT id, name, path, created_at, "
	    "updated_at FROM workspaces WHERE id = ?");
	json_t *row = NULL;

	db_bind_text(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		row = row_json(stmt);
	db_stmt_done(stmt);
	return row;
}

/* The canonical directory for path, or NULL with the 400 message. */
static char *
canonical_dir(const char *path, char **error)
{
	char resolved[PATH_MAX];
	struct stat st;

	if (*path != '/') {
		*error = xstrdup("Path must be an absolute path");
		return NULL;
	}
	if (realpath(path, resolved) == NULL || stat(resolved, &st) != 0) {
		*error = xprintf("Directory does not exist: %s", path);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		*error = xprintf("Not a directory: %s", path);
		return NULL;
	}
	return xstrdup(resolved);
}

int
workspace_create(const char *name, const char *path, json_t **out,
    int *status, char **error)
{
	sqlite3_stmt *stmt;
	char id[UUID_LEN], *dir, *trimmed;
	int64_t now = now_ms();
	int rc;

	*out = NULL;
	if ((dir = canonical_dir(path, error)) == NULL) {
		*status = 400;
		return -1;
	}
	uuid_v4(id);
	trimmed = trimmed_copy(name);
	stmt = db_stmt("INSERT INTO workspaces (id, name, path, created_at, "
	    "updated_at) VALUES (?, ?, ?, ?, ?)");
	db_bind_text(stmt, 1, id);
	db_bind_text(stmt, 2, trimmed);
	db_bind_text(stmt, 3, dir);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int64(stmt, 5, now);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	free(dir);
	if (rc != SQLITE_DONE) {
		rc = db_write_failed("Workspace", "workspaces", trimmed, status,
		    error);
		free(trimmed);
		return rc;
	}
	free(trimmed);
	*out = workspace_json(id);
	return 0;
}

int
workspace_update(const char *id, const char *name, const char *path,
    json_t **out, int *status, char **error)
{
	sqlite3_stmt *stmt;
	json_t *current;
	char *dir = NULL, *trimmed = NULL;
	int rc;

	*out = NULL;
	if ((current = workspace_json(id)) == NULL) {
		*status = 404;
		*error = xprintf("Workspace not found: %s", id);
		return -1;
	}
	json_decref(current);
	if (path != NULL && (dir = canonical_dir(path, error)) == NULL) {
		*status = 400;
		return -1;
	}
	if (name != NULL)
		trimmed = trimmed_copy(name);
	stmt = db_stmt("UPDATE workspaces SET name = COALESCE(?, name), "
	    "path = COALESCE(?, path), updated_at = ? WHERE id = ?");
	db_bind_text(stmt, 1, trimmed);
	db_bind_text(stmt, 2, dir);
	sqlite3_bind_int64(stmt, 3, now_ms());
	db_bind_text(stmt, 4, id);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	free(dir);
	if (rc != SQLITE_DONE) {
		rc = db_write_failed("Workspace", "workspaces",
		    trimmed != NULL ? trimmed : "", status, error);
		free(trimmed);
		return rc;
	}
	free(trimmed);
	*out = workspace_json(id);
	return 0;
}

int
workspace_delete(const char *id, int *status, char **error)
{
	return db_delete_by_id(db_stmt("DELETE FROM workspaces WHERE id = ?"), id,
	    "Workspace", status, error);
}
