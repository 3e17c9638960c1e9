/* libFuzzer: policy glob patterns compiled and matched (first line is the
 * pattern, the rest the value). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	struct policy_pattern *pattern;
	json_t *text;
	char *value, *cause = NULL;
	size_t plen = nl ? (size_t)(nl - (const char *)data) : size;

	text = json_stringn((const char *)data, plen);
	if (text == NULL)
		return 0;	/* not UTF-8 */
	pattern = policy_pattern_compile(text, &cause);
	json_decref(text);
	free(cause);
	if (pattern == NULL)
		return 0;
	value = strndup(nl ? nl + 1 : "", nl ? size - plen - 1 : 0);
	policy_pattern_match(pattern, value);
	free(value);
	policy_pattern_free(pattern);
	return 0;
}
