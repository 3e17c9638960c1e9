/*
 * Allocation wrappers that abort on out-of-memory or size overflow, so that
 * ordinary code never checks for NULL and never leaks on a half-handled failure
 * (the tmux idiom). Everything returned is the caller's to free().
 */
#ifndef CODEPIPER_XMALLOC_H
#define CODEPIPER_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t count, size_t size);
void	*xrealloc(void *ptr, size_t size);
void	*xreallocarray(void *ptr, size_t count, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
int	 xasprintf(char **out, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **out, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Like xasprintf but returns the string, for use inside expressions. */
char	*xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
