#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

size_t
utf16_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p != '\0') {
		if (*p < 0x80)
			p++, n++;
		else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80)
			p += 2, n++;
		else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 &&
		    (p[2] & 0xc0) == 0x80)
			p += 3, n++;
		else if ((*p & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 &&
		    (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80)
			p += 4, n += 2;	/* a surrogate pair */
		else
			p++, n++;
	}
	return n;
}

static size_t
space_at(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	    *s == '\v' || *s == '\f')
		return 1;
	if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return 2;
	return 0;
}

static size_t
space_before(const char *s, size_t len)
{
	if (len >= 1 && space_at(s + len - 1) == 1)
		return 1;
	if (len >= 2 && space_at(s + len - 2) == 2)
		return 2;
	return 0;
}

bool
has_outer_space(const char *s)
{
	return *s != '\0' && (space_at(s) > 0 || space_before(s, strlen(s)) > 0);
}

char *
trimmed_copy(const char *s)
{
	size_t n, len;

	while ((n = space_at(s)) > 0)
		s += n;
	len = strlen(s);
	while ((n = space_before(s, len)) > 0)
		len -= n;
	return xstrndup(s, len);
}

static bool
blank(const char *s)
{
	char *t = trimmed_copy(s);
	bool empty = *t == '\0';

	free(t);
	return empty;
}

const char *
name_check_create(json_t *value)
{
	const char *s = json_string_value(value);

	if (s == NULL || *s == '\0')
		return "Missing required field: name";
	if (blank(s))
		return "Field 'name' must not be empty";
	if (utf16_length(s) > RESOURCE_NAME_MAX)
		return "Name too long (max 100 chars)";
	return NULL;
}

const char *
name_check_update(json_t *value)
{
	const char *s = json_string_value(value);

	if (s == NULL)
		return "name must be a string";
	if (blank(s))
		return "name must not be empty";
	if (utf16_length(s) > RESOURCE_NAME_MAX)
		return "Name too long (max 100 chars)";
	return NULL;
}
