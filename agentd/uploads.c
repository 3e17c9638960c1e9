#include "uploads.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "util.h"
#include "xmalloc.h"

char *
upload_sanitize_name(const char *client_name)
{
	const char *base = client_name, *p;
	char *out, *o;

	for (p = client_name; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			base = p + 1;
	}
	out = o = xmalloc(strlen(base) + 1);
	for (p = base; *p != '\0'; p++) {
		char c = isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
		    *p == '-' ? *p : '_';
		if (c == '.' && o > out && o[-1] == '.')
			continue;	/* runs of dots collapse */
		if (c == '.' && o == out)
			continue;	/* no leading dot */
		*o++ = c;
	}
	*o = '\0';
	if (*out == '\0') {
		free(out);
		return xstrdup("image");
	}
	return out;
}

const char *
upload_check_image(const char *type, const void *data, size_t len)
{
	const unsigned char *b = data;

	if (strcmp(type, "image/png") == 0)
		return len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 ? NULL :
		    "File content is not a PNG image";
	if (strcmp(type, "image/jpeg") == 0)
		return len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff ?
		    NULL : "File content is not a JPEG image";
	if (strcmp(type, "image/gif") == 0)
		return len >= 6 && (memcmp(b, "GIF87a", 6) == 0 ||
		    memcmp(b, "GIF89a", 6) == 0) ? NULL :
		    "File content is not a GIF image";
	if (strcmp(type, "image/webp") == 0)
		return len >= 12 && memcmp(b, "RIFF", 4) == 0 &&
		    memcmp(b + 8, "WEBP", 4) == 0 ? NULL :
		    "File content is not a WebP image";
	return "unsupported";
}

int
upload_store(const char *session_id, const char *sanitized, const void *data,
    size_t len, char **path, char **cause)
{
	char *dir = session_runtime_dir(session_id);
	char *images = xprintf("%s/images", dir);

	free(dir);
	if (mkdir_private(images) != 0) {
		xasprintf(cause, "Creating %s: %s", images, strerror(errno));
		free(images);
		return -1;
	}
	*path = xprintf("%s/upload-%lld-%s", images, (long long)now_ms(), sanitized);
	free(images);
	if (write_file_atomic(*path, data, len, 0600) != 0) {
		xasprintf(cause, "Saving the image: %s", strerror(errno));
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}
