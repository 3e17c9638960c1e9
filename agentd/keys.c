#include "keys.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static const struct {
	const char	*name;
	const char	*tmux;
} named_keys[] = {
	{ "enter", "Enter" }, { "return", "Enter" },
	{ "escape", "Escape" }, { "esc", "Escape" },
	{ "tab", "Tab" }, { "shift+tab", "BTab" },
	{ "backspace", "BSpace" }, { "delete", "DC" }, { "insert", "IC" },
	{ "up", "Up" }, { "down", "Down" }, { "left", "Left" }, { "right", "Right" },
	{ "home", "Home" }, { "end", "End" },
	{ "pageup", "PageUp" }, { "pagedown", "PageDown" },
	{ "space", "Space" },
	{ "f1", "F1" }, { "f2", "F2" }, { "f3", "F3" }, { "f4", "F4" },
	{ "f5", "F5" }, { "f6", "F6" }, { "f7", "F7" }, { "f8", "F8" },
	{ "f9", "F9" }, { "f10", "F10" }, { "f11", "F11" }, { "f12", "F12" },
};

static const char *
lookup_named(const char *lower)
{
	size_t i;

	for (i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++) {
		if (strcmp(named_keys[i].name, lower) == 0)
			return named_keys[i].tmux;
	}
	return NULL;
}

/* A key without modifier: a named key, or the text as typed (one upper-case
 * letter stays upper-case; longer names are lowercased like the reference). */
static char *
map_base(const char *original, const char *lower)
{
	const char *named = lookup_named(lower);

	if (named != NULL)
		return xstrdup(named);
	if (strlen(original) == 1)
		return xstrdup(original);
	return xstrdup(lower);
}

char *
key_to_tmux(const char *name)
{
	const char *start = name, *end;
	char *trimmed, *lower, *result, *p;

	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	if (end == start)
		return NULL;
	trimmed = xstrndup(start, (size_t)(end - start));
	lower = xstrdup(trimmed);
	for (p = lower; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);

	if (strncmp(lower, "ctrl+", 5) == 0 || strncmp(lower, "alt+", 4) == 0) {
		size_t skip = lower[0] == 'c' ? 5 : 4;
		const char *prefix = lower[0] == 'c' ? "C-" : "M-";
		char *base;

		/* ctrl+a and ctrl+A are the same key; case matters only for alt. */
		if (lower[0] == 'c')
			base = map_base(lower + skip, lower + skip);
		else
			base = map_base(trimmed + skip, lower + skip);
		result = xprintf("%s%s", prefix, base);
		free(base);
	} else
		result = map_base(trimmed, lower);
	free(trimmed);
	free(lower);
	return result;
}
