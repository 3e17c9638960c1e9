/*
 * Small helpers every agentd module uses: clocks, ids, ISO-8601 rendering,
 * owner-only files and folders, bounded number parsing.
 */
#ifndef CODEPIPER_UTIL_H
#define CODEPIPER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

int64_t	 now_ms(void);		/* wall clock, epoch milliseconds */
int64_t	 monotonic_us(void);	/* for durations only */

/* "2026-02-15T10:04:05.123Z"; buf must hold ISO_TIME_LEN bytes. */
#define ISO_TIME_LEN 32
char	*iso_time(int64_t epoch_ms, char buf[ISO_TIME_LEN]);

/* A random UUID v4, lowercase; buf must hold UUID_LEN bytes. */
#define UUID_LEN 37
void	 uuid_v4(char buf[UUID_LEN]);
/* Random lowercase hex of 2*nbytes characters; the caller frees. */
char	*random_hex(size_t nbytes);

/* Path ids accepted by the router: [A-Za-z0-9-]+ */
bool	 is_valid_id(const char *s);

/* mkdir -p with mode 0700 for every folder it creates; 0 or -1 with errno. */
int	 mkdir_private(const char *path);
/* Remove a folder and everything in it; missing is not an error. */
int	 remove_tree(const char *path);
/* Write a whole file atomically (temp file + rename) with the given mode. */
int	 write_file_atomic(const char *path, const void *data, size_t len,
	     int mode);
/* Read a whole file; NULL with errno on failure. The caller frees. */
char	*read_file(const char *path, size_t max_len, size_t *out_len);

/* Parse a decimal integer within [min, max]; -1 and *errstr on failure. */
int	 parse_int64(const char *s, int64_t min, int64_t max, int64_t *out,
	     const char **errstr);

/* The absolute path of the running executable; the caller frees. */
char	*self_exe_path(void);

#endif
