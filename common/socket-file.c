/* The file of a listening Unix socket; see socket-file.h. */
#include "socket-file.h"

#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unix-http.h"
#include "xmalloc.h"

/* How long a live listener gets to accept the probe connection. */
#define PROBE_TIMEOUT_MS	1000

int
socket_file_check(const char *path, char **cause)
{
	struct unix_http_conn	*probe;
	struct stat		 sb;
	char			*probe_cause = NULL;

	if (strlen(path) >= sizeof ((struct sockaddr_un *)NULL)->sun_path) {
		xasprintf(cause, "%s: socket path too long", path);
		return -1;
	}
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		xasprintf(cause, "%s: exists and is not a socket", path);
		return -1;
	}
	probe = unix_http_connect(path, PROBE_TIMEOUT_MS, &probe_cause);
	free(probe_cause);
	if (probe != NULL) {
		unix_http_conn_free(probe);
		xasprintf(cause, "%s: another process is listening", path);
		return -1;
	}
	return 1;
}

void
socket_file_remove_own(const char *path, ino_t inode)
{
	struct stat	sb;

	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_ino == inode)
		unlink(path);
}
