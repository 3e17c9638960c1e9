#include "multipart.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

/* The value of a `name=value` or `name="value"` parameter in a header. */
static char *
header_param(const char *header, size_t header_len, const char *name)
{
	size_t nlen = strlen(name), i;

	for (i = 0; i + nlen + 1 < header_len; i++) {
		const char *p = header + i, *end, *v;
		if ((i > 0 && isalnum((unsigned char)p[-1])) ||
		    strncasecmp(p, name, nlen) != 0 || p[nlen] != '=')
			continue;
		v = p + nlen + 1;
		if (*v == '"') {
			v++;
			end = memchr(v, '"', (size_t)(header + header_len - v));
			if (end == NULL)
				return NULL;
		} else {
			end = v;
			while (end < header + header_len && *end != ';' &&
			    !isspace((unsigned char)*end))
				end++;
		}
		return xstrndup(v, (size_t)(end - v));
	}
	return NULL;
}

static const char *
find_bytes(const char *hay, size_t hay_len, const char *needle, size_t nlen)
{
	return memmem(hay, hay_len, needle, nlen);
}

int
multipart_find(const char *content_type, const char *body, size_t len,
    const char *field, struct multipart_part *out)
{
	char *boundary, *delim;
	const char *p, *end = body + len;
	size_t dlen;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (content_type == NULL ||
	    strncasecmp(content_type, "multipart/form-data", 19) != 0)
		return -1;
	boundary = header_param(content_type, strlen(content_type), "boundary");
	if (boundary == NULL || *boundary == '\0' || strlen(boundary) > 200) {
		free(boundary);
		return -1;
	}
	delim = xprintf("--%s", boundary);
	dlen = strlen(delim);
	p = find_bytes(body, len, delim, dlen);
	while (p != NULL) {
		const char *headers, *headers_end, *data, *next;
		char *name = NULL;

		p += dlen;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			rc = rc == -1 ? 1 : rc;	/* closing delimiter */
			break;
		}
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		headers = p + 2;
		headers_end = find_bytes(headers, (size_t)(end - headers),
		    "\r\n\r\n", 4);
		if (headers_end == NULL)
			break;
		data = headers_end + 4;
		next = find_bytes(data, (size_t)(end - data), delim, dlen);
		if (next == NULL || next - data < 2)
			break;
		name = header_param(headers, (size_t)(headers_end - headers), "name");
		if (name != NULL && strcmp(name, field) == 0) {
			const char *ct = NULL;
			size_t hl = (size_t)(headers_end - headers);
			const char *h;
			for (h = headers; h < headers_end; h++) {
				if ((h == headers || h[-1] == '\n') &&
				    (size_t)(headers_end - h) > 13 &&
				    strncasecmp(h, "content-type:", 13) == 0) {
					ct = h + 13;
					break;
				}
			}
			if (ct != NULL) {
				const char *ce = ct;
				while (*ct == ' ' || *ct == '\t')
					ct++;
				ce = ct;
				while (ce < headers_end && *ce != '\r' && *ce != ';')
					ce++;
				out->content_type = xstrndup(ct, (size_t)(ce - ct));
			}
			out->filename = header_param(headers, hl, "filename");
			out->is_file = out->filename != NULL;
			out->data = data;
			out->len = (size_t)(next - 2 - data);	/* CRLF before delim */
			free(name);
			rc = 0;
			break;
		}
		free(name);
		rc = 1;
		p = next;
	}
	free(boundary);
	free(delim);
	if (rc != 0)
		multipart_part_free(out);
	return rc;
}

void
multipart_part_free(struct multipart_part *part)
{
	free((char *)part->filename);
	free(part->content_type);
	memset(part, 0, sizeof *part);
}
