/*
 * Unit tests for pricing (the model -> price mapping, the cost estimate and
 * its rounding) and decimal (numbers as the API prints them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decimal.h"
#include "pricing.h"

static void
expect_key(const char *model, const char *key)
{
	const struct model_price *p = pricing_for_model(model);

	if (strcmp(p->key, key) != 0)
		fail_msg("%s maps to %s, want %s", model ? model : "(null)",
		    p->key, key);
}

static void
test_model_keys(void **state)
{
	expect_key("claude-opus-4-6", "opus-4.6");
	expect_key("claude-opus-4.6-20260101", "opus-4.6");
	expect_key("claude-opus-4-5-20251101", "opus-4.5");
	expect_key("claude-opus-4-1-20250805", "opus-4.1");
	expect_key("claude-opus-4-20250514", "opus-4");
	expect_key("opus", "opus-4");
	expect_key("claude-opus-5-5", "opus-4");
	expect_key("claude-sonnet-4-5-20250929", "sonnet-4.5");
	expect_key("claude-sonnet-4-20250514", "sonnet-4");
	expect_key("claude-3-7-sonnet", "sonnet-4");
	expect_key("claude-haiku-4-5", "haiku-4.5");
	expect_key("claude-3-5-haiku-20241022", "haiku-3");	/* "haiku-3-5" only */
	expect_key("claude-haiku-3-5", "haiku-3.5");
	expect_key("claude-3-haiku", "haiku-3");
	/* Case-sensitive, and anything else is priced as sonnet-4.5. */
	expect_key("Claude-OPUS-4-6", "sonnet-4.5");
	expect_key("unknown", "sonnet-4.5");
	expect_key("gpt-5", "sonnet-4.5");
	expect_key(NULL, "sonnet-4.5");
}

static void
test_worked_example(void **state)
{
	struct token_counts t = { 1000, 2000, 3000, 4000 };
	double cost = pricing_cost("claude-opus-4-6", &t);

	/* 0.005 + 0.05 + 0.01875 + 0.002 */
	assert_true(cost > 0.075749 && cost < 0.075751);
	assert_true(pricing_round_cents(cost) == 0.08);
}

static void
test_every_rate(void **state)
{
	struct token_counts million_each = { 1000000, 1000000, 1000000, 1000000 };
	const struct model_price *p;

	for (p = pricing_table(); p->key != NULL; p++) {
		char model[64];
		double want = p->input + p->output + p->cache_write + p->cache_read;
		double got;

		/* Each key is reachable through a model name. */
		strcpy(model, "claude-");
		strcat(model, p->key);
		got = pricing_cost(model, &million_each);
		if (got < want - 1e-9 || got > want + 1e-9)
			fail_msg("%s: %f, want %f", p->key, got, want);
	}
	p = pricing_for_model("claude-haiku-3");
	assert_true(p->input == 0.25 && p->output == 1.25 && p->cache_write == 0.3 &&
	    p->cache_read == 0.03);
}

static void
test_rounding(void **state)
{
	assert_true(pricing_round_cents(0) == 0);
	assert_true(pricing_round_cents(0.004999) == 0);
	assert_true(pricing_round_cents(0.005) == 0.01);	/* half up */
	assert_true(pricing_round_cents(1.234) == 1.23);
	assert_true(pricing_round_cents(12.345678) == 12.35);
	assert_true(pricing_round_tenths(47.619) == 47.6);
	assert_true(pricing_round_tenths(50) == 50);
	assert_true(pricing_round_tenths(33.35) == 33.4);
}

static void
expect_json(json_t *value, const char *want)
{
	char *text = json_dumps_decimal(value);

	if (strcmp(text, want) != 0)
		fail_msg("printed %s, want %s", text, want);
	free(text);
	json_decref(value);
}

static void
test_decimal(void **state)
{
	expect_json(json_decimal(50), "50");
	expect_json(json_decimal(0), "0");
	expect_json(json_decimal(0.08), "0.08");
	expect_json(json_decimal(12.3), "12.3");
	expect_json(json_decimal(pricing_round_cents(0.07575)), "0.08");
	expect_json(json_decimal(pricing_round_cents(1234567.891)), "1234567.89");
	expect_json(json_decimal(-2), "-2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_keys),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_every_rate),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_decimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
