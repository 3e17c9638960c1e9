#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static enum log_level min_level = LOG_LEVEL_INFO;
static const char *level_names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level level)
{
	min_level = level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ agentd %s: ", stamp, ts.tv_nsec / 1000000,
	    level_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
log_bug(const char *file, int line, const char *msg)
{
	log_msg(LOG_LEVEL_ERROR, "BUG at %s:%d: %s", file, line, msg);
	abort();
}
