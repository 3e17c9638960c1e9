/*
 * validate: the input rules several resources share (workspaces, env sets,
 * settings): string lengths counted as the reference counts them (UTF-16
 * code units, JavaScript's String.length) and the rules for names.
 */
#ifndef CODEPIPER_VALIDATE_H
#define CODEPIPER_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define RESOURCE_NAME_MAX	100

/* Length of UTF-8 s in UTF-16 code units (invalid bytes count one each). */
size_t	 utf16_length(const char *s);
/* Leading or trailing white space (ASCII and U+00A0)? */
bool	 has_outer_space(const char *s);
/* A copy of s without leading and trailing white space; caller frees. */
char	*trimmed_copy(const char *s);

/*
 * The name of a new workspace or env set (spec settings-workspaces-envsets.md
 * §2, §3): NULL if acceptable, else the static 400 message.
 */
const char *name_check_create(json_t *value);
/* The same rules for an update, with the update's messages. */
const char *name_check_update(json_t *value);

#endif
