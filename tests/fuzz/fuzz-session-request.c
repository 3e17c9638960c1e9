/* libFuzzer: POST /sessions bodies through parsing and validation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "session-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_spec spec;
	json_t *body;
	char *error = NULL;
	int status;

	body = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL);
	if (body != NULL && json_is_object(body)) {
		session_request_parse(body, &spec, &status, &error);
		free(error);
	}
	json_decref(body);
	return 0;
}
