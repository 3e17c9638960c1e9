/*
 * Unit tests for ratelimit: the login lock tiers and their escalation, the
 * in-flight allowance, the global second-factor limit and the API window.
 * Time is passed in, so nothing here sleeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ratelimit.h"

#define MIN	(60 * 1000LL)
#define HOUR	(60 * MIN)

static int
teardown(void **state)
{
	ratelimit_shutdown();
	return 0;
}

static void
fail_n(const char *key, int n, int64_t now)
{
	int retry, i;

	for (i = 0; i < n; i++) {
		assert_int_equal(login_limit_begin(key, now, &retry), 0);
		login_limit_failure(key, now);
	}
}

static void
test_five_failures_lock_for_15_minutes(void **state)
{
	int64_t t = 1000 * HOUR;
	int retry = 0;

	fail_n("10.0.0.1", 5, t);
	assert_int_equal(login_limit_begin("10.0.0.1", t, &retry), -1);
	assert_int_equal(retry, 900);
	assert_int_equal(login_limit_begin("10.0.0.1", t + 60000, &retry), -1);
	assert_int_equal(retry, 840);
	/* Another client is not affected. */
	assert_int_equal(login_limit_begin("10.0.0.2", t, &retry), 0);
	login_limit_neutral("10.0.0.2");
	/* The lock ends after 15 minutes. */
	assert_int_equal(login_limit_begin("10.0.0.1", t + 15 * MIN, &retry), 0);
	login_limit_neutral("10.0.0.1");
}

static void
test_tiers_escalate(void **state)
{
	int64_t t = 2000 * HOUR;
	int retry = 0;

	fail_n("k", 5, t);
	t += 15 * MIN;
	/* Counts are kept: the next failure locks again at once. */
	fail_n("k", 1, t);
	assert_int_equal(login_limit_begin("k", t, &retry), -1);
	assert_int_equal(retry, 900);
	for (int i = 7; i <= 10; i++) {
		t += 15 * MIN;
		fail_n("k", 1, t);
	}
	assert_int_equal(login_limit_begin("k", t, &retry), -1);
	assert_int_equal(retry, 3600);
	for (int i = 11; i <= 20; i++) {
		t += HOUR;
		fail_n("k", 1, t);
	}
	assert_int_equal(login_limit_begin("k", t, &retry), -1);
	assert_int_equal(retry, 24 * 3600);
}

static void
test_success_forgets(void **state)
{
	int64_t t = 3000 * HOUR;
	int retry;

	fail_n("s", 4, t);
	assert_int_equal(login_limit_begin("s", t, &retry), 0);
	login_limit_success("s");
	fail_n("s", 4, t);
	assert_int_equal(login_limit_begin("s", t, &retry), 0);
	login_limit_neutral("s");
}

static void
test_failures_forgotten_after_a_day(void **state)
{
	int64_t t = 4000 * HOUR;
	int retry;

	fail_n("d", 4, t);
	t += 24 * HOUR;
	fail_n("d", 4, t);
	assert_int_equal(login_limit_begin("d", t, &retry), 0);
	login_limit_neutral("d");
}

static void
test_inflight_counts_as_failures(void **state)
{
	int64_t t = 5000 * HOUR;
	int retry, i;

	fail_n("f", 2, t);
	/* Three attempts may run at once: 2 + 3 = the lock threshold. */
	for (i = 0; i < 3; i++)
		assert_int_equal(login_limit_begin("f", t, &retry), 0);
	assert_int_equal(login_limit_begin("f", t, &retry), -1);
	assert_int_equal(retry, 1);
	for (i = 0; i < 3; i++)
		login_limit_neutral("f");
	assert_int_equal(login_limit_begin("f", t, &retry), 0);
	login_limit_neutral("f");
}

static void
test_second_factor_is_global(void **state)
{
	int64_t t = 6000 * HOUR;
	int retry, i;

	for (i = 0; i < LOGIN_SECOND_FACTOR_MAX; i++) {
		assert_int_equal(second_factor_limit_check(t, &retry), 0);
		second_factor_limit_failure(t);
	}
	assert_int_equal(second_factor_limit_check(t, &retry), -1);
	assert_int_equal(retry, 900);
	assert_int_equal(second_factor_limit_check(t +
	    LOGIN_SECOND_FACTOR_WINDOW_MS, &retry), 0);
}

static void
test_api_window(void **state)
{
	int64_t t = 7000 * HOUR;
	int retry = 0, i;

	setenv("CODEPIPER_API_RATE_LIMIT_MAX", "3", 1);
	setenv("CODEPIPER_API_RATE_LIMIT_WINDOW_MS", "10000", 1);
	ratelimit_init();
	for (i = 0; i < 3; i++)
		assert_int_equal(api_limit_hit("a", t + i, &retry), 0);
	assert_int_equal(api_limit_hit("a", t + 2500, &retry), -1);
	assert_int_equal(retry, 8);	/* ceil(7.5 s) */
	assert_int_equal(api_limit_hit("b", t, &retry), 0);
	assert_int_equal(api_limit_hit("a", t + 10000, &retry), 0);
	/* Not a positive integer: the default (300). */
	setenv("CODEPIPER_API_RATE_LIMIT_MAX", "-4", 1);
	ratelimit_init();
	for (i = 0; i < 300; i++)
		assert_int_equal(api_limit_hit("c", t, &retry), 0);
	assert_int_equal(api_limit_hit("c", t, &retry), -1);
	unsetenv("CODEPIPER_API_RATE_LIMIT_MAX");
	unsetenv("CODEPIPER_API_RATE_LIMIT_WINDOW_MS");
	ratelimit_init();
}

static void
test_table_is_bounded(void **state)
{
	int64_t t = 8000 * HOUR;
	char key[32];
	int retry, i;

	/* More clients than the table holds still get an answer each. */
	for (i = 0; i < RATELIMIT_MAX_KEYS + 100; i++) {
		snprintf(key, sizeof key, "192.0.2.%d", i);
		assert_int_equal(api_limit_hit(key, t, &retry), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_five_failures_lock_for_15_minutes,
		    teardown),
		cmocka_unit_test_teardown(test_tiers_escalate, teardown),
		cmocka_unit_test_teardown(test_success_forgets, teardown),
		cmocka_unit_test_teardown(test_failures_forgotten_after_a_day,
		    teardown),
		cmocka_unit_test_teardown(test_inflight_counts_as_failures,
		    teardown),
		cmocka_unit_test(test_second_factor_is_global),
		cmocka_unit_test_teardown(test_api_window, teardown),
		cmocka_unit_test_teardown(test_table_is_bounded, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
