/* Provider command lines and session environments (providers.md §2, §3). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "provider.h"

static void
expect_argv(json_t *argv, const char *want)
{
	char *got = json_dumps(argv, JSON_COMPACT);

	assert_string_equal(got, want);
	free(got);
	json_decref(argv);
}

static void
test_claude_new_session(void **state)
{
	json_t *args = json_pack("[s,s]", "--verbose", "x y");
	struct launch_options o = { .session_id = "abc", .settings_path = "/s.json",
	    .args = args };

	expect_argv(provider_build_argv(provider_find("claude-code"), &o),
	    "[\"claude\",\"--session-id\",\"abc\",\"--settings\",\"/s.json\","
	    "\"--verbose\",\"x y\"]");
	json_decref(args);
}

static void
test_claude_resume_fork_dangerous(void **state)
{
	struct launch_options o = { .session_id = "abc", .resume_id = "r1",
	    .resume_mode = "fork", .dangerous_mode = true };

	expect_argv(provider_build_argv(provider_find("claude-code"), &o),
	    "[\"claude\",\"--resume\",\"r1\",\"--fork-session\","
	    "\"--dangerously-skip-permissions\"]");
}

static void
test_codex(void **state)
{
	json_t *args = json_pack("[s,s]", "--model", "o3");
	struct launch_options o = { .session_id = "abc", .args = args,
	    .resume_id = "019c", .resume_mode = "resume" };
	struct launch_options host = { .session_id = "abc", .resume_id = "abc",
	    .resume_mode = "fork", .codex_host_access = true };
	struct launch_options both = { .session_id = "abc",
	    .codex_host_access = true, .dangerous_mode = true };

	expect_argv(provider_build_argv(provider_find("codex"), &o),
	    "[\"codex\",\"resume\",\"--model\",\"o3\",\"019c\"]");
	expect_argv(provider_build_argv(provider_find("codex"), &host),
	    "[\"codex\",\"--sandbox\",\"danger-full-access\",\"-a\",\"on-request\","
	    "\"fork\",\"abc\"]");
	expect_argv(provider_build_argv(provider_find("codex"), &both),
	    "[\"codex\",\"--dangerously-bypass-approvals-and-sandbox\"]");
	json_decref(args);
}

static void
test_unknown_provider(void **state)
{
	assert_null(provider_find("vim"));
	assert_non_null(provider_find("codex"));
}

static void
test_env(void **state)
{
	json_t *request = json_pack("{s:s,s:s,s:s}", "FOO", "request",
	    "ANTHROPIC_API_KEY", "from-request", "CLAUDECODE", "1");
	json_t *sets = json_pack("{s:s}", "FOO", "set");
	struct env_options o = { .request_env = request, .env_set_vars = sets,
	    .billing_mode = "subscription", .forward_ssh_auth_sock = false };
	json_t *env;

	setenv("PATH", "/usr/bin:/bin", 1);
	setenv("SSH_AUTH_SOCK", "/tmp/agent.sock", 1);
	setenv("SECRET_DAEMON_VAR", "leak", 1);
	env = provider_build_env(provider_find("claude-code"), &o);
	assert_string_equal(json_string_value(json_object_get(env, "FOO")), "set");
	assert_string_equal(json_string_value(json_object_get(env, "PATH")),
	    "/usr/bin:/bin");
	assert_null(json_object_get(env, "ANTHROPIC_API_KEY"));
	assert_null(json_object_get(env, "CLAUDECODE"));
	assert_null(json_object_get(env, "SSH_AUTH_SOCK"));
	assert_null(json_object_get(env, "SECRET_DAEMON_VAR"));
	json_decref(env);

	o.billing_mode = "api";
	o.forward_ssh_auth_sock = true;
	env = provider_build_env(provider_find("claude-code"), &o);
	assert_string_equal(json_string_value(json_object_get(env,
	    "ANTHROPIC_API_KEY")), "from-request");
	assert_string_equal(json_string_value(json_object_get(env,
	    "SSH_AUTH_SOCK")), "/tmp/agent.sock");
	json_decref(env);
	json_decref(request);
	json_decref(sets);
}

static void
test_providers_json(void **state)
{
	json_t *list = provider_list_json();
	json_t *claude = json_array_get(json_object_get(list, "providers"), 0);

	assert_string_equal(json_string_value(json_object_get(claude, "id")),
	    "claude-code");
	assert_true(json_is_true(json_object_get(json_object_get(claude,
	    "capabilities"), "nativeHooks")));
	json_decref(list);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claude_new_session),
		cmocka_unit_test(test_claude_resume_fork_dangerous),
		cmocka_unit_test(test_codex),
		cmocka_unit_test(test_unknown_provider),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_providers_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
