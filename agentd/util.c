#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "xmalloc.h"

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

char *
iso_time(int64_t epoch_ms, char buf[ISO_TIME_LEN])
{
	time_t secs = (time_t)(epoch_ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&secs, &tm);
	n = strftime(buf, ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, ISO_TIME_LEN - n, ".%03dZ", (int)(epoch_ms % 1000));
	return buf;
}

void
uuid_v4(char buf[UUID_LEN])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(buf, UUID_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
}

char *
random_hex(size_t nbytes)
{
	unsigned char *b = xmalloc(nbytes);
	char *hex = xmalloc(nbytes * 2 + 1);

	randombytes_buf(b, nbytes);
	sodium_bin2hex(hex, nbytes * 2 + 1, b, nbytes);
	sodium_memzero(b, nbytes);
	free(b);
	return hex;
}

bool
is_valid_id(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	}
	return true;
}

int
mkdir_private(const char *path)
{
	char *copy = xstrdup(path);
	char *p;

	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int
remove_tree(const char *path)
{
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == -1 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

int
write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
	char *tmp;
	const char *p = data;
	int fd, saved;

	xasprintf(&tmp, "%s.tmp.%d", path, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) == -1)
		goto fail;
	if (fchmod(fd, mode) == -1)
		goto fail_close;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail_close;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) == -1)
		goto fail_unlink;
	if (rename(tmp, path) == -1)
		goto fail_unlink;
	free(tmp);
	return 0;

fail_close:
	saved = errno;
	close(fd);
	errno = saved;
fail_unlink:
	saved = errno;
	unlink(tmp);
	errno = saved;
fail:
	free(tmp);
	return -1;
}

char *
read_file(const char *path, size_t max_len, size_t *out_len)
{
	FILE *f;
	char *buf;
	size_t len = 0, cap = 4096;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		size_t n;
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > max_len) {
			fclose(f);
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (out_len != NULL)
		*out_len = len;
	return buf;
}

int
parse_int64(const char *s, int64_t min, int64_t max, int64_t *out,
    const char **errstr)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno == EINVAL) {
		*errstr = "invalid";
		return -1;
	}
	if (errno == ERANGE || v < min) {
		*errstr = v < min ? "too small" : "out of range";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

char *
self_exe_path(void)
{
	char buf[PATH_MAX];
	ssize_t n;

	if ((n = readlink("/proc/self/exe", buf, sizeof buf - 1)) == -1)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}
