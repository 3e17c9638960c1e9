/*
 * Pure parts of the hook machinery: shell quoting of the hook script, the
 * script and the settings document, the /proc/<pid>/stat parser of the
 * caller-identity check, and the exact-match globs "always allow this"
 * rules are saved with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "daemon.h"
#include "hooks.h"
#include "identity.h"
#include "policy-rules.h"
#include "policy-store.h"

/* agentd's main.c defines these; the tests link agentd without it. */
struct daemon_config daemon_config;
struct event_base *daemon_base;

void
daemon_request_stop(bool restart)
{
	(void)restart;
}

static void
expect_quote(const char *in, const char *want)
{
	char	*got = hooks_shell_quote(in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_shell_quote(void **state)
{
	expect_quote("/a/b", "'/a/b'");
	expect_quote("", "''");
	expect_quote("it's", "'it'\"'\"'s'");
	expect_quote("$(rm -rf /) `x` \"y\" \\", "'$(rm -rf /) `x` \"y\" \\'");
	expect_quote("''", "''\"'\"''\"'\"''");
}

static void
test_script(void **state)
{
	char	*s = hooks_script_text("/tmp/a b.sock", "id-1", "s'cret",
	    "/usr/bin/codepiper");

	assert_non_null(strstr(s, "#!/bin/sh\n"));
	assert_non_null(strstr(s, "\nset -eu\n"));
	assert_non_null(strstr(s, "\nexport CODEPIPER_UNIX_SOCK='/tmp/a b.sock'\n"));
	assert_non_null(strstr(s, "\nexport CODEPIPER_SESSION='id-1'\n"));
	assert_non_null(strstr(s, "\nexport CODEPIPER_SECRET='s'\"'\"'cret'\n"));
	assert_non_null(strstr(s, "\nexec '/usr/bin/codepiper' hook-forward\n"));
	free(s);
}

static void
test_settings(void **state)
{
	static const char *const events[] = { "SessionStart", "Notification",
	    "PermissionRequest", "PreToolUse", "Stop" };
	json_t		*doc = hooks_settings_json("/d/it's.sh"), *hooks, *h;
	const char	*key;
	size_t		 i;

	hooks = json_object_get(doc, "hooks");
	assert_int_equal(json_object_size(hooks), 5);
	for (i = 0; i < 5; i++) {
		h = json_object_get(hooks, events[i]);
		assert_int_equal(json_array_size(h), 1);
		h = json_array_get(json_object_get(json_array_get(h, 0), "hooks"), 0);
		assert_string_equal(json_string_value(json_object_get(h, "type")),
		    "command");
		assert_string_equal(json_string_value(json_object_get(h,
		    "command")), "sh '/d/it'\"'\"'s.sh'");
	}
	json_object_foreach(hooks, key, h)
		assert_null(json_object_get(json_array_get(h, 0), "matcher"));
	h = json_array_get(json_object_get(json_array_get(json_object_get(hooks,
	    "PermissionRequest"), 0), "hooks"), 0);
	assert_int_equal(json_integer_value(json_object_get(h, "timeout")), 60);
	json_decref(doc);
}

static void
test_parse_stat(void **state)
{
	pid_t			ppid, sid;
	unsigned long long	start;

	assert_int_equal(identity_parse_stat("4242 (a) b) (c) S 100 4242 77 "
	    "34816 4242 4194560 120 0 0 0 1 2 0 0 20 0 1 0 987654 1000 20 "
	    "18446744073709551615\n", &ppid, &sid, &start), 0);
	assert_int_equal(ppid, 100);
	assert_int_equal(sid, 77);
	assert_true(start == 987654ULL);
	/* Truncated or mangled text is refused, not half-read. */
	assert_int_equal(identity_parse_stat("4242 (x) S 100 4242", &ppid, &sid,
	    &start), -1);
	assert_int_equal(identity_parse_stat("4242 x S 1 2 3", &ppid, &sid,
	    &start), -1);
	assert_int_equal(identity_parse_stat("", &ppid, &sid, &start), -1);
	assert_int_equal(identity_parse_stat("1 (x) S 0 1 1 0 -1 4194560 a 0 "
	    "0 0 0 0 0 0 20 0 1 0 5", &ppid, &sid, &start), -1);
}

/* The escaped pattern matches exactly its text and nothing else. */
static void
expect_exact(const char *text, const char *near_miss)
{
	struct policy_pattern	*pp;
	char			*pattern = policy_glob_escape(text), *cause = NULL;
	json_t			*j = json_string(pattern);

	pp = policy_pattern_compile(j, &cause);
	assert_non_null(pp);
	assert_true(policy_pattern_match(pp, text));
	if (near_miss != NULL)
		assert_false(policy_pattern_match(pp, near_miss));
	policy_pattern_free(pp);
	json_decref(j);
	free(pattern);
}

static void
test_glob_escape(void **state)
{
	expect_exact("rm -rf build/tmp", "rm -rf build/tmpx");
	expect_exact("echo *", "echo hello");
	expect_exact("ls [ab]", "ls a");
	expect_exact("ls ?", "ls x");
	expect_exact("./build.sh --all", "build.sh --all");
	expect_exact("!important", "important");
	expect_exact("cp a{b,c} d", "cp ab d");
	expect_exact("x | y", NULL);
	expect_exact("f(1) @(a) +(b) *(c)", "f1 a b c");
	expect_exact("back\\slash", "backslash");
	expect_exact("cat .env", "cat x.env");
	expect_exact("echo 'a b' && c", NULL);
	expect_exact("npm test -- --watch=false", "npm test");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_glob_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
