#include "decimal.h"

#include <math.h>

/* Beyond 2^53 a double no longer holds every integer. */
#define EXACT_INTEGER_MAX 9007199254740992.0

json_t *
json_decimal(double x)
{
	if (!isfinite(x))
		return json_integer(0);
	if (x == floor(x) && fabs(x) <= EXACT_INTEGER_MAX)
		return json_integer((json_int_t)x);
	return json_real(x);
}

char *
json_dumps_decimal(const json_t *value)
{
	return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15));
}
