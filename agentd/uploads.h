/*
 * Images attached to a session (POST /sessions/:id/upload-image): checked
 * (type, size, magic bytes), named safely and stored owner-only under the
 * session's runtime dir, where the agent can read them.
 */
#ifndef CODEPIPER_UPLOADS_H
#define CODEPIPER_UPLOADS_H

#include <stddef.h>

#define UPLOAD_IMAGE_MAX (10 * 1024 * 1024)

/* The file name part of a client name, with only [A-Za-z0-9._-]. */
char	*upload_sanitize_name(const char *client_name);
/* NULL when the bytes match the declared type; else why not (static). */
const char *upload_check_image(const char *content_type, const void *data,
	    size_t len);
/* Store; 0 and *path (caller frees) or -1 and *cause. */
int	 upload_store(const char *session_id, const char *sanitized,
	    const void *data, size_t len, char **path, char **cause);

#endif
