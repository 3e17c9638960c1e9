/* libFuzzer: one transcript line of any bytes through the tailer's parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "transcript-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transcript_line line;
	char *cause = NULL;

	if (transcript_parse_line((const char *)data, size, &line, &cause) == 0)
		transcript_line_free(&line);
	free(cause);
	return 0;
}
