#include "transcript-parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xmalloc.h"

/* Claude Code's own messages (API errors, interruptions) carry this model
 * and zero usage: no API call was made, so nothing is counted. */
#define SYNTHETIC_MODEL "<synthetic>"

static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
transcript_parse_time(const char *s)
{
	int y, mo, d, h, mi, sec, ms = 0, oh, om, sign, n;
	int64_t t;

	if (s == NULL || strlen(s) < 19 || digits(s, 4, &y) != 0 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) != 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) != 0 || (s[10] != 'T' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) != 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) != 0 || s[16] != ':' ||
	    digits(s + 17, 2, &sec) != 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		/* Milliseconds: the first three fraction digits, padded. */
		for (s++, n = 0; isdigit((unsigned char)*s); s++, n++) {
			if (n < 3)
				ms = ms * 10 + (*s - '0');
		}
		if (n == 0)
			return -1;
		for (; n < 3; n++)
			ms *= 10;
	}
	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (digits(s + 1, 2, &oh) != 0 || s[3] != ':' ||
		    digits(s + 4, 2, &om) != 0)
			return -1;
		t -= sign * (oh * 3600 + om * 60);
		s += 6;
	}
	if (*s != '\0')
		return -1;
	return t * 1000 + ms;
}

/* ---- a validating scanner ---------------------------------------------- */

/* jansson's limit, so that the same lines are accepted. */
#define DEPTH_MAX	2048

enum kind { J_NONE, J_OBJECT, J_ARRAY, J_STRING, J_NUMBER, J_TRUE, J_FALSE,
	J_NULL };

/* A value inside the line: its first byte and length (quotes included). */
struct span {
	const char	*p;
	size_t		 n;
	enum kind	 kind;
};

struct scanner {
	const char	*p, *end;
	int		 depth;
	const char	*error;
};

/* Members of the top-level object that are kept while validating. */
struct top_members {
	struct span	type, timestamp, message;
};

static int	scan_value(struct scanner *, struct span *, struct top_members *);

static void
skip_ws(struct scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' ||
	    *s->p == '\r'))
		s->p++;
}

static int
fail(struct scanner *s, const char *error)
{
	if (s->error == NULL)
		s->error = error;
	return -1;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* One UTF-8 sequence starting at a byte >= 0x80: its length, 0 if bad. */
static size_t
utf8_sequence(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], cp;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Bytes that stand for themselves in a string: printable ASCII but '"'
 * and '\\'. Most of a transcript is such runs; a table keeps them fast. */
static const unsigned char plain_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static int
scan_string(struct scanner *s, struct span *out)
{
	const unsigned char *p;
	const char *start = s->p;
	unsigned cp, low;
	size_t n;

	s->p++;		/* the opening quote */
	for (;;) {
		/* The common case: plain ASCII runs. */
		p = (const unsigned char *)s->p;
		while (p + 4 <= (const unsigned char *)s->end && plain_byte[p[0]] &&
		    plain_byte[p[1]] && plain_byte[p[2]] && plain_byte[p[3]])
			p += 4;
		while (p < (const unsigned char *)s->end && plain_byte[*p])
			p++;
		s->p = (const char *)p;
		if (s->p >= s->end)
			return fail(s, "unterminated string");
		if (*s->p == '"')
			break;
		if (*s->p == '\\') {
			if (s->end - s->p < 2)
				return fail(s, "unterminated string");
			switch (s->p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				s->p += 2;
				continue;
			case 'u':
				break;
			default:
				return fail(s, "invalid escape");
			}
			if (s->end - s->p < 6 || hex4(s->p + 2, &cp) != 0)
				return fail(s, "invalid \\u escape");
			s->p += 6;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(s, "invalid Unicode surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (s->end - s->p < 6 || s->p[0] != '\\' ||
				    s->p[1] != 'u' || hex4(s->p + 2, &low) != 0 ||
				    low < 0xdc00 || low > 0xdfff)
					return fail(s, "invalid Unicode surrogate");
				s->p += 6;
			}
			continue;
		}
		if ((unsigned char)*s->p < 0x20)
			return fail(s, "control character in a string");
		if ((n = utf8_sequence((const unsigned char *)s->p,
		    (const unsigned char *)s->end)) == 0)
			return fail(s, "invalid UTF-8");
		s->p += n;
	}
	s->p++;
	out->p = start;
	out->n = (size_t)(s->p - start);
	out->kind = J_STRING;
	return 0;
}

static int
digits_run(struct scanner *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start ? 0 : -1;
}

static int
scan_number(struct scanner *s, struct span *out)
{
	const char *start = s->p;

	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (digits_run(s) != 0)
		return fail(s, "invalid number");
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits_run(s) != 0)
			return fail(s, "invalid number");
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits_run(s) != 0)
			return fail(s, "invalid number");
	}
	out->p = start;
	out->n = (size_t)(s->p - start);
	out->kind = J_NUMBER;
	return 0;
}

static int
scan_literal(struct scanner *s, const char *word, enum kind kind,
    struct span *out)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "invalid token");
	out->p = s->p;
	out->n = n;
	out->kind = kind;
	s->p += n;
	return 0;
}

static bool
span_is_key(const struct span *key, const char *want)
{
	size_t n = strlen(want);

	/* Our keys have no escapes; an escaped key is compared decoded. */
	if (key->n == n + 2 && memcmp(key->p + 1, want, n) == 0)
		return true;
	if (memchr(key->p, '\\', key->n) != NULL) {
		json_t *k = json_loadb(key->p, key->n, JSON_DECODE_ANY, NULL);
		bool same = k != NULL && strcmp(json_string_value(k), want) == 0;

		json_decref(k);
		return same;
	}
	return false;
}

static int
scan_container(struct scanner *s, struct span *out, struct top_members *top)
{
	const char *start = s->p;
	char close = *s->p == '{' ? '}' : ']';
	struct span key = { NULL, 0, J_NONE }, value;

	if (++s->depth > DEPTH_MAX)
		return fail(s, "too deeply nested");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close)
		goto done;
	for (;;) {
		if (close == '}') {
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "string or '}' expected");
			if (scan_string(s, &key) != 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "':' expected");
			s->p++;
			skip_ws(s);
		}
		if (scan_value(s, &value, NULL) != 0)
			return -1;
		/* The last of duplicate keys wins, as in jansson. */
		if (top != NULL) {
			if (span_is_key(&key, "type"))
				top->type = value;
			else if (span_is_key(&key, "timestamp"))
				top->timestamp = value;
			else if (span_is_key(&key, "message"))
				top->message = value;
		}
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == close)
			break;
		return fail(s, close == '}' ? "',' or '}' expected" :
		    "',' or ']' expected");
	}
done:
	s->p++;
	s->depth--;
	out->p = start;
	out->n = (size_t)(s->p - start);
	out->kind = close == '}' ? J_OBJECT : J_ARRAY;
	return 0;
}

static int
scan_value(struct scanner *s, struct span *out, struct top_members *top)
{
	if (s->p >= s->end)
		return fail(s, "value expected");
	switch (*s->p) {
	case '{':
		return scan_container(s, out, top);
	case '[':
		return scan_container(s, out, NULL);
	case '"':
		return scan_string(s, out);
	case 't':
		return scan_literal(s, "true", J_TRUE, out);
	case 'f':
		return scan_literal(s, "false", J_FALSE, out);
	case 'n':
		return scan_literal(s, "null", J_NULL, out);
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_number(s, out);
		return fail(s, "invalid token");
	}
}

/* ---- reading validated values ------------------------------------------ */

/* Past the string whose opening quote is at p (validated JSON). */
static const char *
string_end(const char *p, const char *end)
{
	const char *q, *b;

	for (p++;; p = q + 1) {
		q = memchr(p, '"', (size_t)(end - p));
		/* Escaped when preceded by an odd number of backslashes. */
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
	}
}

/* Past the value at p (validated JSON): no checks, just structure. */
static const char *
skip_value(const char *p, const char *end)
{
	int depth = 0;

	do {
		switch (*p) {
		case '"':
			p = string_end(p, end);
			break;
		case '{': case '[':
			depth++;
			p++;
			break;
		case '}': case ']':
			depth--;
			p++;
			break;
		default:
			/* Literals, numbers, blanks, ':' and ',' inside. */
			if (depth == 0) {
				while (p < end && *p != ',' && *p != '}' &&
				    *p != ']' && *p != ' ' && *p != '\t' &&
				    *p != '\n' && *p != '\r')
					p++;
				return p;
			}
			p++;
		}
	} while (depth > 0 && p < end);
	return p;
}

static enum kind
kind_at(char c)
{
	switch (c) {
	case '{': return J_OBJECT;
	case '[': return J_ARRAY;
	case '"': return J_STRING;
	case 't': return J_TRUE;
	case 'f': return J_FALSE;
	case 'n': return J_NULL;
	default: return J_NUMBER;
	}
}

static const char *
blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/*
 * Iterate a validated object or array span: *cursor starts NULL; each call
 * gives the next member's key (objects) and value. 0, or -1 at the end.
 */
static int
next_member(const struct span *c, const char **cursor, struct span *key,
    struct span *value)
{
	const char *end = c->p + c->n - 1, *p;

	p = blanks(*cursor == NULL ? c->p + 1 : *cursor, end);
	if (p < end && *p == ',')
		p = blanks(p + 1, end);
	if (p >= end)
		return -1;
	if (c->kind == J_OBJECT) {
		key->p = p;
		p = skip_value(p, end);
		key->n = (size_t)(p - key->p);
		key->kind = J_STRING;
		p = blanks(p, end);
		p = blanks(p + 1, end);		/* ':' */
	}
	value->p = p;
	value->kind = kind_at(*p);
	p = skip_value(p, end);
	value->n = (size_t)(p - value->p);
	*cursor = p;
	return 0;
}

/*
 * The values of several keys of a validated object in one pass: out[i] is
 * names[i]'s value (the last one wins, as in jansson), kind J_NONE when
 * absent. names ends with NULL.
 */
static void
members(const struct span *object, const char *const *names, struct span *out)
{
	const char *cursor = NULL;
	struct span key, value;
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		out[i].kind = J_NONE;
	if (object->kind != J_OBJECT)
		return;
	while (next_member(object, &cursor, &key, &value) == 0) {
		for (i = 0; names[i] != NULL; i++) {
			if (span_is_key(&key, names[i]))
				out[i] = value;
		}
	}
}

/* A string value decoded, NUL-terminated; NULL when it is not a string. */
static char *
decode_string(const struct span *v)
{
	json_t *j;
	char *s;

	if (v->kind != J_STRING)
		return NULL;
	if (memchr(v->p, '\\', v->n) == NULL)
		return xstrndup(v->p + 1, v->n - 2);
	if ((j = json_loadb(v->p, v->n, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL)) == NULL)
		return NULL;
	s = xstrdup(json_string_value(j));
	json_decref(j);
	return s;
}

static bool
string_equals(const struct span *v, const char *want)
{
	return v->kind == J_STRING && span_is_key(v, want);
}

/* A token count: a non-negative number (fractions cut), else 0. */
static int64_t
count_of(const struct span *v)
{
	char buf[64];
	double d;

	if (v->kind != J_NUMBER || v->n >= sizeof buf)
		return 0;
	memcpy(buf, v->p, v->n);
	buf[v->n] = '\0';
	if (strpbrk(buf, ".eE") == NULL && v->n < 19)
		return buf[0] == '-' ? 0 : strtoll(buf, NULL, 10);
	d = strtod(buf, NULL);
	return d > 0 && d < 9e18 ? (int64_t)d : 0;
}

/* ---- the transcript line ----------------------------------------------- */

static char *
nonempty_string(const struct span *v)
{
	char *s = decode_string(v);

	if (s != NULL && *s == '\0') {
		free(s);
		s = NULL;
	}
	return s;
}

static void
parse_assistant(struct transcript_line *line, const struct span *message)
{
	static const char *const message_keys[] = { "model", "id", "usage",
	    "content", NULL };
	static const char *const usage_keys[] = { "input_tokens",
	    "output_tokens", "cache_creation_input_tokens",
	    "cache_read_input_tokens", NULL };
	static const char *const block_keys[] = { "type", "name", "id", NULL };
	struct span m[4], u[4], b[3], block, unused;
	const char *cursor = NULL;

	members(message, message_keys, m);
	if ((line->model = nonempty_string(&m[0])) == NULL)
		line->model = xstrdup("unknown");
	line->message_id = nonempty_string(&m[1]);
	if (m[2].kind == J_OBJECT && strcmp(line->model, SYNTHETIC_MODEL) != 0) {
		members(&m[2], usage_keys, u);
		line->has_usage = true;
		line->usage.prompt = count_of(&u[0]);
		line->usage.completion = count_of(&u[1]);
		line->usage.cache_creation = count_of(&u[2]);
		line->usage.cache_read = count_of(&u[3]);
	}
	if (m[3].kind != J_ARRAY)
		return;
	while (next_member(&m[3], &cursor, &unused, &block) == 0) {
		struct transcript_tool_use *tu;
		char *tool;

		members(&block, block_keys, b);
		if (!string_equals(&b[0], "tool_use") ||
		    (tool = nonempty_string(&b[1])) == NULL)
			continue;
		line->tool_uses = xreallocarray(line->tool_uses,
		    line->ntool_uses + 1, sizeof *line->tool_uses);
		tu = &line->tool_uses[line->ntool_uses++];
		tu->name = tool;
		tu->id = decode_string(&b[2]);
	}
}

static void
parse_user(struct transcript_line *line, const struct span *message)
{
	static const char *const message_keys[] = { "content", NULL };
	static const char *const block_keys[] = { "type", "tool_use_id",
	    "is_error", NULL };
	struct span m[1], b[3], block, unused;
	const char *cursor = NULL;

	members(message, message_keys, m);
	if (m[0].kind != J_ARRAY)
		return;
	while (next_member(&m[0], &cursor, &unused, &block) == 0) {
		struct transcript_tool_result *tr;
		char *id;

		members(&block, block_keys, b);
		if (!string_equals(&b[0], "tool_result") ||
		    (id = decode_string(&b[1])) == NULL)
			continue;
		line->tool_results = xreallocarray(line->tool_results,
		    line->ntool_results + 1, sizeof *line->tool_results);
		tr = &line->tool_results[line->ntool_results++];
		tr->tool_use_id = id;
		tr->is_error = b[2].kind == J_TRUE;
	}
}

int
transcript_parse_line(const char *buf, size_t len, struct transcript_line *out,
    char **cause)
{
	struct scanner s = { .p = buf, .end = buf + len };
	struct top_members top;
	struct span value;
	char *stamp;

	memset(out, 0, sizeof *out);
	memset(&top, 0, sizeof top);
	out->timestamp = -1;
	if (cause != NULL)
		*cause = NULL;
	skip_ws(&s);
	if (s.p == s.end)
		return TRANSCRIPT_LINE_SKIP;
	if (scan_value(&s, &value, &top) == 0) {
		skip_ws(&s);
		if (s.p != s.end)
			fail(&s, "end of line expected");
	}
	if (s.error != NULL) {
		if (cause != NULL)
			xasprintf(cause, "byte %zu: %s", (size_t)(s.p - buf) + 1,
			    s.error);
		return TRANSCRIPT_LINE_INVALID;
	}
	if (value.kind == J_NULL)
		return TRANSCRIPT_LINE_SKIP;
	out->json = value.p;
	out->json_len = value.n;
	out->type = decode_string(&top.type);
	if (out->type == NULL || *out->type == '\0') {
		free(out->type);
		out->type = xstrdup("unknown");
	}
	if ((stamp = decode_string(&top.timestamp)) != NULL) {
		out->timestamp = transcript_parse_time(stamp);
		free(stamp);
	}
	if (strcmp(out->type, "assistant") == 0) {
		out->is_message = true;
		if (top.message.kind == J_OBJECT)
			parse_assistant(out, &top.message);
	} else if (strcmp(out->type, "user") == 0) {
		out->is_message = true;
		if (top.message.kind == J_OBJECT)
			parse_user(out, &top.message);
	}
	return TRANSCRIPT_LINE_OK;
}

void
transcript_line_free(struct transcript_line *line)
{
	size_t i;

	for (i = 0; i < line->ntool_uses; i++) {
		free(line->tool_uses[i].id);
		free(line->tool_uses[i].name);
	}
	for (i = 0; i < line->ntool_results; i++)
		free(line->tool_results[i].tool_use_id);
	free(line->tool_uses);
	free(line->tool_results);
	free(line->type);
	free(line->message_id);
	free(line->model);
	memset(line, 0, sizeof *line);
}
