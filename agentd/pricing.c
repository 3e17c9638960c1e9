#include "pricing.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const struct model_price prices[] = {
	{ "opus-4.6",	5,	25,	6.25,	0.5 },
	{ "opus-4.5",	5,	25,	6.25,	0.5 },
	{ "opus-4.1",	15,	75,	18.75,	1.5 },
	{ "opus-4",	15,	75,	18.75,	1.5 },
	{ "sonnet-4.5",	3,	15,	3.75,	0.3 },
	{ "sonnet-4",	3,	15,	3.75,	0.3 },
	{ "haiku-4.5",	1,	5,	1.25,	0.1 },
	{ "haiku-3.5",	0.8,	4,	1,	0.08 },
	{ "haiku-3",	0.25,	1.25,	0.3,	0.03 },
	{ NULL,		0,	0,	0,	0 },
};

/*
 * The reference's mapping: the first rule one of whose substrings occurs in
 * the model name wins, so "opus-4-6" must be tested before the bare "opus".
 */
static const struct {
	const char	*needles[2];
	const char	*key;
} rules[] = {
	{ { "opus-4-6", "opus-4.6" }, "opus-4.6" },
	{ { "opus-4-5", "opus-4.5" }, "opus-4.5" },
	{ { "opus-4-1", "opus-4.1" }, "opus-4.1" },
	{ { "opus", NULL }, "opus-4" },
	{ { "sonnet-4-5", "sonnet-4.5" }, "sonnet-4.5" },
	{ { "sonnet", NULL }, "sonnet-4" },
	{ { "haiku-4-5", "haiku-4.5" }, "haiku-4.5" },
	{ { "haiku-3-5", "haiku-3.5" }, "haiku-3.5" },
	{ { "haiku", NULL }, "haiku-3" },
};

#define DEFAULT_KEY "sonnet-4.5"

static const struct model_price *
price_by_key(const char *key)
{
	const struct model_price *p;

	for (p = prices; p->key != NULL; p++) {
		if (strcmp(p->key, key) == 0)
			return p;
	}
	return NULL;
}

const struct model_price *
pricing_for_model(const char *model)
{
	size_t i, j;

	for (i = 0; model != NULL && i < sizeof rules / sizeof rules[0]; i++) {
		for (j = 0; j < 2 && rules[i].needles[j] != NULL; j++) {
			if (strstr(model, rules[i].needles[j]) != NULL)
				return price_by_key(rules[i].key);
		}
	}
	return price_by_key(DEFAULT_KEY);
}

double
pricing_cost(const char *model, const struct token_counts *t)
{
	const struct model_price *p = pricing_for_model(model);

	return (double)t->prompt / 1e6 * p->input +
	    (double)t->completion / 1e6 * p->output +
	    (double)t->cache_creation / 1e6 * p->cache_write +
	    (double)t->cache_read / 1e6 * p->cache_read;
}

double
pricing_round_cents(double usd)
{
	return floor(usd * 100 + 0.5) / 100;
}

double
pricing_round_tenths(double x)
{
	return floor(x * 10 + 0.5) / 10;
}

const struct model_price *
pricing_table(void)
{
	return prices;
}
