/* libFuzzer: upload bodies through the multipart reader. */
#include <stddef.h>
#include <stdint.h>

#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct multipart_part part;

	if (multipart_find("multipart/form-data; boundary=XyZ", (const char *)data,
	    size, "image", &part) == 0)
		multipart_part_free(&part);
	return 0;
}
