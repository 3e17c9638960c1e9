/* libFuzzer: %output payloads from tmux through the unescaper. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);

	memcpy(copy, data, size);
	copy[size] = '\0';
	if (tmux_unescape_output(copy, size) > size)
		abort();
	free(copy);
	return 0;
}
