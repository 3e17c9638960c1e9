#include "xmalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
fatal_oom(const char *what, size_t size)
{
	fprintf(stderr, "fatal: %s: out of memory allocating %zu bytes\n", what, size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *ptr;

	if (size == 0)
		size = 1;
	if ((ptr = malloc(size)) == NULL)
		fatal_oom("xmalloc", size);
	return ptr;
}

void *
xcalloc(size_t count, size_t size)
{
	void *ptr;

	if (count == 0 || size == 0)
		count = size = 1;
	if ((ptr = calloc(count, size)) == NULL)
		fatal_oom("xcalloc", count * size);
	return ptr;
}

void *
xrealloc(void *ptr, size_t size)
{
	return xreallocarray(ptr, 1, size);
}

void *
xreallocarray(void *ptr, size_t count, size_t size)
{
	void *new_ptr;

	if (count == 0 || size == 0)
		count = size = 1;
	if (count > SIZE_MAX / size)
		fatal_oom("xreallocarray (overflow)", SIZE_MAX);
	if ((new_ptr = realloc(ptr, count * size)) == NULL)
		fatal_oom("xreallocarray", count * size);
	return new_ptr;
}

char *
xstrdup(const char *s)
{
	char *copy;

	if ((copy = strdup(s)) == NULL)
		fatal_oom("xstrdup", strlen(s) + 1);
	return copy;
}

char *
xstrndup(const char *s, size_t n)
{
	char *copy;

	if ((copy = strndup(s, n)) == NULL)
		fatal_oom("xstrndup", n + 1);
	return copy;
}

int
xvasprintf(char **out, const char *fmt, va_list ap)
{
	int len;

	if ((len = vasprintf(out, fmt, ap)) < 0)
		fatal_oom("xvasprintf", 0);
	return len;
}

int
xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = xvasprintf(out, fmt, ap);
	va_end(ap);
	return len;
}

char *
xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	return s;
}
