/*
 * Numbers in API replies as JavaScript writes them (transcripts-and-
 * analytics.md §6): integral values without a fraction ("50", not "50.0"),
 * others in their shortest decimal form ("0.08", not jansson's default
 * "0.080000000000000002").
 */
#ifndef CODEPIPER_DECIMAL_H
#define CODEPIPER_DECIMAL_H

#include <jansson.h>

/* A new JSON number: an integer when x is integral, else a real. */
json_t	*json_decimal(double x);
/*
 * Compact JSON text of value, reals with fifteen significant digits: every
 * value the API rounds (cents, tenths) prints exactly and without noise.
 * NULL when value cannot be encoded; the caller frees.
 */
char	*json_dumps_decimal(const json_t *value);

#endif
