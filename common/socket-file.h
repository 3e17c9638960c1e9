/*
 * The file of a listening Unix socket, shared by codepiper-fcgi and
 * codepiper-ws: before binding, make sure no live listener or other file is
 * at the path; at exit, remove the socket only if it is still the one we
 * bound (a newer instance may have replaced it).
 *
 * A *cause string is the caller's to free.
 */
#ifndef CODEPIPER_SOCKET_FILE_H
#define CODEPIPER_SOCKET_FILE_H

#include <sys/types.h>

/*
 * 0 when nothing is at path, 1 when a stale socket (no one accepting) is
 * there, -1 with *cause when the path is too long, holds something else or
 * a live listener, or cannot be examined.
 */
int	socket_file_check(const char *path, char **cause);
/* Unlink path if it is still the socket with this inode. */
void	socket_file_remove_own(const char *path, ino_t inode);

#endif
