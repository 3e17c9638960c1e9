/* POST /sessions validation: order and messages of sessions.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "session-request.h"

static void
expect_error(const char *body_text, int want_status, const char *want)
{
	json_t *body = json_loads(body_text, JSON_ALLOW_NUL, NULL);
	struct session_spec spec;
	char *error = NULL;
	int status = 0;

	assert_non_null(body);
	assert_int_equal(session_request_parse(body, &spec, &status, &error), -1);
	assert_int_equal(status, want_status);
	assert_string_equal(error, want);
	free(error);
	json_decref(body);
}

static void
test_required_fields_in_order(void **state)
{
	expect_error("{}", 400, "Missing required field: provider");
	expect_error("{\"cwd\":\"/x\"}", 400, "Missing required field: provider");
	expect_error("{\"provider\":\"\"}", 400, "Missing required field: provider");
	expect_error("{\"provider\":\"codex\"}", 400, "Missing required field: cwd");
	expect_error("{\"provider\":\"x\",\"cwd\":\"rel\"}", 400,
	    "Invalid provider: x. Must be one of: claude-code, codex");
}

static void
test_cwd_rules(void **state)
{
	char *long_body;
	char path[5000];

	expect_error("{\"provider\":\"codex\",\"cwd\":\"rel\"}", 400,
	    "cwd must be an absolute path (start with /)");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/a/../b\"}", 400,
	    "cwd must not contain '..' path traversal");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/a/b/..\"}", 400,
	    "cwd must not contain '..' path traversal");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/a\\u0000\"}", 400,
	    "cwd contains invalid null byte");
	memset(path, 'a', sizeof path);
	path[0] = '/';
	path[4097] = '\0';
	long_body = NULL;
	assert_true(asprintf(&long_body, "{\"provider\":\"codex\",\"cwd\":\"%s\"}",
	    path) > 0);
	expect_error(long_body, 400, "cwd path too long (4097 chars, max 4096)");
	free(long_body);
}

static void
test_optional_fields(void **state)
{
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"env\":[]}", 400,
	    "env must be an object");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"args\":[\"a\",{}]}",
	    400, "args[1] must be a string");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"billingMode\":1}", 400,
	    "Invalid billingMode: 1. Must be one of: subscription, api");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"dangerousMode\":1}",
	    400, "dangerousMode must be a boolean");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"envSetIds\":[1]}", 400,
	    "envSetIds must be an array of strings");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"worktree\":"
	    "{\"branch\":\"\"}}", 400, "worktree.branch is required");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"worktree\":"
	    "{\"branch\":\"b\",\"startPoint\":2}}", 400,
	    "worktree.startPoint must be a string");
	expect_error("{\"provider\":\"codex\",\"cwd\":\"/\",\"providerResume\":"
	    "{\"providerSessionId\":3}}", 400,
	    "providerResume.providerSessionId must be a string");
}

static void
test_valid_request(void **state)
{
	json_t *body = json_loads("{\"provider\":\"claude-code\",\"cwd\":\"/tmp\","
	    "\"env\":{\"A\":\"1\"},\"args\":[\"--x\"],\"billingMode\":\"api\","
	    "\"dangerousMode\":true,\"envSetIds\":[\"e1\"],\"worktree\":"
	    "{\"branch\":\"feat\",\"createBranch\":true},\"providerResume\":"
	    "{\"providerSessionId\":\"p1\",\"mode\":\"fork\"},\"workspaceId\":\"w\"}",
	    0, NULL);
	struct session_spec spec;
	char *error = NULL;
	int status;

	assert_int_equal(session_request_parse(body, &spec, &status, &error), 0);
	assert_string_equal(spec.provider->id, "claude-code");
	assert_string_equal(spec.cwd, "/tmp");
	assert_string_equal(spec.billing_mode, "api");
	assert_true(spec.dangerous_mode);
	assert_string_equal(spec.worktree_branch, "feat");
	assert_true(spec.worktree_create_branch);
	assert_string_equal(spec.resume_id, "p1");
	assert_string_equal(spec.resume_mode, "fork");
	assert_int_equal(json_array_size(spec.env_set_ids), 1);
	json_decref(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_fields_in_order),
		cmocka_unit_test(test_cwd_rules),
		cmocka_unit_test(test_optional_fields),
		cmocka_unit_test(test_valid_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
