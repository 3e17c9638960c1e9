/*
 * Model prices and the cost estimate (transcripts-and-analytics.md §5):
 * USD per million tokens for each price key, the first-match mapping from a
 * model name to a key, and the rounding the API shows. Pure functions, no
 * state.
 */
#ifndef CODEPIPER_PRICING_H
#define CODEPIPER_PRICING_H

#include <stdint.h>

struct model_price {
	const char	*key;		/* "opus-4.6" */
	double		 input;		/* USD per 1,000,000 tokens */
	double		 output;
	double		 cache_write;
	double		 cache_read;
};

struct token_counts {
	int64_t	prompt;
	int64_t	completion;
	int64_t	cache_creation;
	int64_t	cache_read;
};

/* The price row for a model name; unknown models get sonnet-4.5's rates.
 * Never NULL; static. */
const struct model_price *pricing_for_model(const char *model);
/* Unrounded USD for these tokens of one model. */
double	pricing_cost(const char *model, const struct token_counts *tokens);
/* JavaScript's Math.round(x * 100) / 100 and Math.round(x * 10) / 10. */
double	pricing_round_cents(double usd);
double	pricing_round_tenths(double x);
/* The whole table, ended by a row whose key is NULL. */
const struct model_price *pricing_table(void);

#endif
