/*
 * totp: print the RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32
 * secret, for tests that sign in with MFA (t0600-web-auth.t).
 *
 *   totp SECRET            the code for now
 *   totp SECRET OFFSET     the code for now + OFFSET seconds (may be < 0)
 *   totp --step            the current time step (floor(now / 30))
 *
 * Linked with liboath, independent of agentd's own TOTP code.
 */
#include <liboath/oath.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
	char code[7], *decoded = NULL, *end;
	size_t len = 0;
	long offset = 0;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--step") == 0) {
		printf("%lld\n", (long long)(time(NULL) / 30));
		return 0;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: totp SECRET [OFFSET] | totp --step\n");
		return 2;
	}
	if (argc == 3) {
		errno = 0;
		offset = strtol(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0' || errno != 0) {
			fprintf(stderr, "totp: bad offset %s\n", argv[2]);
			return 2;
		}
	}
	if (oath_init() != OATH_OK)
		return 1;
	rc = oath_base32_decode(argv[1], strlen(argv[1]), &decoded, &len);
	if (rc != OATH_OK) {
		fprintf(stderr, "totp: %s\n", oath_strerror(rc));
		return 1;
	}
	rc = oath_totp_generate(decoded, len, time(NULL) + offset, 30, 0, 6,
	    code);
	free(decoded);
	oath_done();
	if (rc != OATH_OK) {
		fprintf(stderr, "totp: %s\n", oath_strerror(rc));
		return 1;
	}
	printf("%s\n", code);
	return 0;
}
