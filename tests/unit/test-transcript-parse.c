/*
 * Unit tests for transcript-parse: real Claude Code transcript lines (shapes
 * observed with Claude Code 2.1.332 and its stand-in) and the odd ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "transcript-parse.h"

static int
parse(const char *text, struct transcript_line *line)
{
	return transcript_parse_line(text, strlen(text), line, NULL);
}

static void
test_user_prompt(void **state)
{
	struct transcript_line l;

	assert_int_equal(parse("{\"parentUuid\":null,\"isSidechain\":false,"
	    "\"promptId\":\"887d\",\"type\":\"user\",\"message\":{\"role\":\"user\","
	    "\"content\":\"hello there\"},\"uuid\":\"e4cb\",\"timestamp\":"
	    "\"2026-11-29T20:48:52.593Z\",\"permissionMode\":\"auto\"}", &l),
	    TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "user");
	assert_true(l.is_message);
	assert_false(l.has_usage);
	assert_int_equal(l.ntool_uses, 0);
	assert_int_equal(l.ntool_results, 0);
	assert_int_equal(l.timestamp, 1795985332593LL);
	transcript_line_free(&l);
}

static void
test_assistant_usage(void **state)
{
	struct transcript_line l;

	assert_int_equal(parse("{\"message\":{\"id\":\"msg_fake_1\",\"type\":"
	    "\"message\",\"role\":\"assistant\",\"model\":\"claude-opus-5-5\","
	    "\"content\":[{\"type\":\"text\",\"text\":\"Echo: hello there\"}],"
	    "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":12,"
	    "\"cache_creation_input_tokens\":20,\"cache_read_input_tokens\":30,"
	    "\"output_tokens\":6,\"output_tokens_details\":{\"thinking_tokens\":0},"
	    "\"service_tier\":\"standard\",\"cache_creation\":"
	    "{\"ephemeral_1h_input_tokens\":0}}},\"requestId\":\"req_fake_1\","
	    "\"type\":\"assistant\",\"uuid\":\"0c57\",\"timestamp\":"
	    "\"2026-11-29T20:48:52.799Z\"}", &l), TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "assistant");
	assert_true(l.has_usage);
	assert_string_equal(l.message_id, "msg_fake_1");
	assert_string_equal(l.model, "claude-opus-5-5");
	assert_int_equal(l.usage.prompt, 12);
	assert_int_equal(l.usage.completion, 6);
	assert_int_equal(l.usage.cache_creation, 20);
	assert_int_equal(l.usage.cache_read, 30);
	transcript_line_free(&l);
}

static void
test_assistant_tool_use(void **state)
{
	struct transcript_line l;

	assert_int_equal(parse("{\"message\":{\"id\":\"msg_2\",\"model\":"
	    "\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},"
	    "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":"
	    "{\"command\":\"ls -la\"}},{\"type\":\"tool_use\",\"id\":\"toolu_2\","
	    "\"name\":\"\"},{\"type\":\"tool_use\",\"id\":\"toolu_3\",\"name\":"
	    "\"Read\"}],\"usage\":{\"input_tokens\":1}},\"type\":\"assistant\"}",
	    &l), TRANSCRIPT_LINE_OK);
	/* Blocks without a name do not count as tool uses. */
	assert_int_equal(l.ntool_uses, 2);
	assert_string_equal(l.tool_uses[0].name, "Bash");
	assert_string_equal(l.tool_uses[0].id, "toolu_1");
	assert_string_equal(l.tool_uses[1].name, "Read");
	/* Absent usage fields are 0. */
	assert_int_equal(l.usage.completion, 0);
	assert_int_equal(l.timestamp, -1);
	transcript_line_free(&l);
}

static void
test_tool_result(void **state)
{
	struct transcript_line l;

	assert_int_equal(parse("{\"type\":\"user\",\"message\":{\"role\":\"user\","
	    "\"content\":[{\"tool_use_id\":\"toolu_1\",\"type\":\"tool_result\","
	    "\"content\":\"total 8\",\"is_error\":false},{\"tool_use_id\":"
	    "\"toolu_2\",\"type\":\"tool_result\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"denied\"}],\"is_error\":true}]},\"toolUseResult\":"
	    "{\"stdout\":\"total 8\"}}", &l), TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "user");
	assert_int_equal(l.ntool_results, 2);
	assert_string_equal(l.tool_results[0].tool_use_id, "toolu_1");
	assert_false(l.tool_results[0].is_error);
	assert_true(l.tool_results[1].is_error);
	assert_false(l.has_usage);
	transcript_line_free(&l);
}

static void
test_hook_attachment(void **state)
{
	struct transcript_line l;

	assert_int_equal(parse("{\"parentUuid\":\"2c10\",\"attachment\":{\"type\":"
	    "\"hook_success\",\"hookName\":\"PreToolUse:Bash\",\"toolUseID\":"
	    "\"toolu_fake_2\",\"hookEvent\":\"PreToolUse\",\"content\":\"pre\","
	    "\"stdout\":\"pre\\n\",\"stderr\":\"\",\"exitCode\":0,\"command\":"
	    "\"echo pre\",\"durationMs\":18},\"type\":\"attachment\",\"uuid\":"
	    "\"9ced\",\"timestamp\":\"2026-11-29T20:49:24.901Z\"}", &l),
	    TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "attachment");
	assert_false(l.is_message);
	assert_false(l.has_usage);
	transcript_line_free(&l);
}

static void
test_synthetic_is_not_usage(void **state)
{
	struct transcript_line l;

	assert_int_equal(parse("{\"type\":\"assistant\",\"message\":{\"id\":\"m\","
	    "\"model\":\"<synthetic>\",\"content\":[],\"usage\":{\"input_tokens\":0,"
	    "\"output_tokens\":0}}}", &l), TRANSCRIPT_LINE_OK);
	assert_false(l.has_usage);
	transcript_line_free(&l);
}

static void
test_types_and_odd_lines(void **state)
{
	struct transcript_line l;
	char *cause = NULL;

	assert_int_equal(parse("", &l), TRANSCRIPT_LINE_SKIP);
	assert_int_equal(parse("   \r", &l), TRANSCRIPT_LINE_SKIP);
	assert_int_equal(parse("null", &l), TRANSCRIPT_LINE_SKIP);
	assert_int_equal(transcript_parse_line("not json", 8, &l, &cause),
	    TRANSCRIPT_LINE_INVALID);
	assert_non_null(cause);
	free(cause);
	/* Half a line is not JSON. */
	assert_int_equal(parse("{\"type\":\"assistant\",\"mess", &l),
	    TRANSCRIPT_LINE_INVALID);
	/* No type, an empty one or a non-string one: "unknown". */
	assert_int_equal(parse("{\"summary\":\"x\"}", &l), TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "unknown");
	transcript_line_free(&l);
	assert_int_equal(parse("{\"type\":\"\"}", &l), TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "unknown");
	transcript_line_free(&l);
	assert_int_equal(parse("[1,2]", &l), TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "unknown");
	transcript_line_free(&l);
	assert_int_equal(parse("{\"type\":\"summary\",\"summary\":\"s\"}", &l),
	    TRANSCRIPT_LINE_OK);
	assert_string_equal(l.type, "summary");
	transcript_line_free(&l);
	/* An assistant line whose message is not an object. */
	assert_int_equal(parse("{\"type\":\"assistant\",\"message\":\"x\"}", &l),
	    TRANSCRIPT_LINE_OK);
	assert_false(l.has_usage);
	transcript_line_free(&l);
}

static void
test_numbers_and_nul(void **state)
{
	struct transcript_line l;
	static const char text[] = "{\"type\":\"assistant\",\"message\":{"
	    "\"model\":\"m\",\"content\":\"a\\u0000b\",\"usage\":{\"input_tokens\":"
	    "5.0,\"output_tokens\":-3,\"cache_read_input_tokens\":\"7\"}}}";

	assert_int_equal(transcript_parse_line(text, sizeof text - 1, &l, NULL),
	    TRANSCRIPT_LINE_OK);
	assert_true(l.has_usage);
	assert_null(l.message_id);
	assert_int_equal(l.usage.prompt, 5);
	assert_int_equal(l.usage.completion, 0);	/* negatives are 0 */
	assert_int_equal(l.usage.cache_read, 0);	/* strings are not counts */
	transcript_line_free(&l);
}


static void
expect_invalid(const char *text, size_t len)
{
	struct transcript_line l;

	if (transcript_parse_line(text, len, &l, NULL) != TRANSCRIPT_LINE_INVALID)
		fail_msg("accepted: %.*s", (int)len, text);
}

static void
test_strict_json(void **state)
{
	struct transcript_line l;
	static const char *bad[] = {
		"{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]",
		"{\"a\":1}x", "tru", "nul", "01", "-", "1.", "1e", "+1", ".5",
		"\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\ud800\\u0041\"", "\"a\tb\"", "{'a':1}", "[1]]", "\"abc",
		"\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xff\"", NULL,
	};
	static const char *good[] = {
		"{}", "[]", "0", "-0.5e+3", "\"\\ud83d\\ude00\"", "\"\xc3\xa9\"",
		"\"\xf0\x9f\x98\x80\"", " { \"a\" : [ 1 , { } , \"x\" ] } \r",
		"\"\\u0000\"", "true", "false", NULL,
	};
	char deep[5000];
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		expect_invalid(bad[i], strlen(bad[i]));
	/* A NUL byte itself is never part of JSON text. */
	expect_invalid("\"a\0b\"", 5);
	for (i = 0; good[i] != NULL; i++) {
		if (transcript_parse_line(good[i], strlen(good[i]), &l, NULL) !=
		    TRANSCRIPT_LINE_OK)
			fail_msg("refused: %s", good[i]);
		transcript_line_free(&l);
	}
	/* Nesting: jansson's limit of 2048. */
	memset(deep, '[', 2048);
	memset(deep + 2048, ']', 2048);
	assert_int_equal(transcript_parse_line(deep, 4096, &l, NULL),
	    TRANSCRIPT_LINE_OK);
	transcript_line_free(&l);
	memset(deep, '[', 2049);
	memset(deep + 2049, ']', 2049);
	expect_invalid(deep, 4098);
}

static void
test_escaped_keys_and_duplicates(void **state)
{
	struct transcript_line l;
	static const char text[] = "{\"type\":\"user\",\"t\\u0079pe\":"
	    "\"assistant\",\"message\":{\"model\":\"a\\\"b\",\"id\":\"m1\","
	    "\"id\":\"m2\",\"usage\":{\"input_tokens\":1}},\"timestamp\":"
	    "\"1970-01-01T00:00:01Z\"}";

	assert_int_equal(parse(text, &l), TRANSCRIPT_LINE_OK);
	/* As jansson reads it: the last duplicate wins, escapes decoded. */
	assert_string_equal(l.type, "assistant");
	assert_string_equal(l.model, "a\"b");
	assert_string_equal(l.message_id, "m2");
	assert_int_equal(l.timestamp, 1000);
	assert_int_equal((int)l.json_len, (int)strlen(text));
	transcript_line_free(&l);
}

/*
 * Against jansson: real lines, and the same lines with bytes changed,
 * dropped or doubled. Both must accept the same ones, and read the same
 * type, model, message id, usage and tool calls from the accepted.
 */
static const char *corpus[] = {
	"{\"parentUuid\":null,\"type\":\"user\",\"message\":{\"role\":\"user\","
	"\"content\":[{\"tool_use_id\":\"toolu_1\",\"type\":\"tool_result\","
	"\"content\":\"total 8\\ndrwx\",\"is_error\":false}]},\"uuid\":\"c45\","
	"\"timestamp\":\"2026-11-29T20:48:58.293Z\"}",
	"{\"message\":{\"id\":\"msg_2\",\"model\":\"claude-opus-5-5\",\"content\":"
	"[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":"
	"{\"command\":\"ls -la\"}}],\"usage\":{\"input_tokens\":14,"
	"\"cache_creation_input_tokens\":20,\"cache_read_input_tokens\":30,"
	"\"output_tokens\":9,\"server_tool_use\":{\"web_search_requests\":0}}},"
	"\"type\":\"assistant\",\"uuid\":\"eed\"}",
	"{\"attachment\":{\"type\":\"hook_success\",\"hookEvent\":\"PreToolUse\","
	"\"stdout\":\"pr\\u00e9\\n\",\"exitCode\":0,\"durationMs\":18},"
	"\"type\":\"attachment\",\"rendered\":[{\"content\":\"x\"}]}",
};

struct seen {
	char	type[64], model[64], id[64];
	long long in, out, cw, cr;
	int	tools;
};

static long long
count(json_t *usage, const char *key)
{
	json_t *v = json_object_get(usage, key);
	double d = json_is_integer(v) ? (double)json_integer_value(v) :
	    json_is_real(v) ? json_real_value(v) : 0;

	return d > 0 ? (long long)d : 0;
}

static void
from_jansson(json_t *j, struct seen *s)
{
	json_t *m = json_object_get(j, "message"), *u, *b;
	const char *type = json_string_value(json_object_get(j, "type"));
	size_t i;

	memset(s, 0, sizeof *s);
	snprintf(s->type, sizeof s->type, "%s", type && *type ? type : "unknown");
	if (strcmp(s->type, "assistant") != 0 || !json_is_object(m))
		return;
	snprintf(s->model, sizeof s->model, "%s", json_string_value(
	    json_object_get(m, "model")) && *json_string_value(json_object_get(m,
	    "model")) ? json_string_value(json_object_get(m, "model")) : "unknown");
	snprintf(s->id, sizeof s->id, "%s", json_string_value(json_object_get(m,
	    "id")) ? json_string_value(json_object_get(m, "id")) : "");
	u = json_object_get(m, "usage");
	if (json_is_object(u)) {
		/* Negative counts read as 0. */
		s->in = count(u, "input_tokens");
		s->out = count(u, "output_tokens");
		s->cw = count(u, "cache_creation_input_tokens");
		s->cr = count(u, "cache_read_input_tokens");
	}
	json_array_foreach(json_object_get(m, "content"), i, b) {
		const char *t = json_string_value(json_object_get(b, "type"));
		const char *n = json_string_value(json_object_get(b, "name"));

		if (t && strcmp(t, "tool_use") == 0 && n && *n)
			s->tools++;
	}
}

static void
from_scanner(const struct transcript_line *l, struct seen *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->type, sizeof s->type, "%s", l->type);
	if (strcmp(l->type, "assistant") != 0 || l->model == NULL)
		return;
	snprintf(s->model, sizeof s->model, "%s", l->model);
	snprintf(s->id, sizeof s->id, "%s", l->message_id ? l->message_id : "");
	s->in = l->usage.prompt;
	s->out = l->usage.completion;
	s->cw = l->usage.cache_creation;
	s->cr = l->usage.cache_read;
	s->tools = (int)l->ntool_uses;
}

static void
compare_with_jansson(const char *text, size_t len)
{
	struct transcript_line l;
	struct seen a, b;
	json_error_t error;
	json_t *j;
	int rc;

	j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
	/* Out-of-range numbers are jansson's own limit, not JSON's. */
	if (j == NULL && (strstr(error.text, "too big") != NULL ||
	    strstr(error.text, "overflow") != NULL))
		return;
	rc = transcript_parse_line(text, len, &l, NULL);
	if ((j == NULL) != (rc == TRANSCRIPT_LINE_INVALID))
		fail_msg("jansson %s, scanner %s: %.*s", j ? "accepts" : "refuses",
		    rc == TRANSCRIPT_LINE_INVALID ? "refuses" : "accepts",
		    (int)len, text);
	if (j == NULL || rc != TRANSCRIPT_LINE_OK) {
		json_decref(j);
		return;
	}
	from_jansson(j, &a);
	from_scanner(&l, &b);
	if (memcmp(&a, &b, sizeof a) != 0)
		fail_msg("read differently: %.*s", (int)len, text);
	json_decref(j);
	transcript_line_free(&l);
}

static void
test_same_as_jansson(void **state)
{
	static const char replacements[] = "{}[]\":,\\ u0e-.tn\x80\xc3\x01";
	char buf[1024];
	size_t i, n, len, pos;
	unsigned seed = 12345;

	for (i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
		len = strlen(corpus[i]);
		compare_with_jansson(corpus[i], len);
		for (n = 0; n < 20000; n++) {
			seed = seed * 1103515245 + 12345;
			pos = (seed >> 8) % len;
			memcpy(buf, corpus[i], len);
			switch ((seed >> 4) % 3) {
			case 0:		/* change a byte */
				buf[pos] = replacements[(seed >> 16) %
				    (sizeof replacements - 1)];
				compare_with_jansson(buf, len);
				break;
			case 1:		/* drop one */
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				compare_with_jansson(buf, len - 1);
				break;
			default:	/* double one */
				memmove(buf + pos + 1, buf + pos, len - pos);
				compare_with_jansson(buf, len + 1);
				break;
			}
		}
	}
}

static void
test_time(void **state)
{
	assert_int_equal(transcript_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(transcript_parse_time("1970-01-01T00:00:01.5Z"), 1500);
	assert_int_equal(transcript_parse_time("2026-02-15T10:00:02.422Z"),
	    1771149602422LL);
	assert_int_equal(transcript_parse_time("2026-02-15T10:00:02.422123Z"),
	    1771149602422LL);
	assert_int_equal(transcript_parse_time("2026-02-15T12:00:02+02:00"),
	    1771149602000LL);
	assert_int_equal(transcript_parse_time("2024-02-29T00:00:00Z"),
	    1709164800000LL);
	assert_int_equal(transcript_parse_time(NULL), -1);
	assert_int_equal(transcript_parse_time(""), -1);
	assert_int_equal(transcript_parse_time("2026-13-01T00:00:00Z"), -1);
	assert_int_equal(transcript_parse_time("2026-02-15T10:00:02.Z"), -1);
	assert_int_equal(transcript_parse_time("2026-02-15T10:00:02Zjunk"), -1);
	assert_int_equal(transcript_parse_time("yesterday"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_prompt),
		cmocka_unit_test(test_assistant_usage),
		cmocka_unit_test(test_assistant_tool_use),
		cmocka_unit_test(test_tool_result),
		cmocka_unit_test(test_hook_attachment),
		cmocka_unit_test(test_synthetic_is_not_usage),
		cmocka_unit_test(test_types_and_odd_lines),
		cmocka_unit_test(test_numbers_and_nul),
		cmocka_unit_test(test_strict_json),
		cmocka_unit_test(test_escaped_keys_and_duplicates),
		cmocka_unit_test(test_same_as_jansson),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
