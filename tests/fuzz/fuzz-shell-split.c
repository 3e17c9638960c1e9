/* libFuzzer: Bash commands through the policy engine's splitter. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shell-split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *command = malloc(size + 1), **parts;
	size_t count;

	memcpy(command, data, size);
	command[size] = '\0';
	if (shell_split(command, &parts, &count) == 0)
		shell_split_free(parts, count);
	free(command);
	return 0;
}
