/*
 * Unit tests for agentd/auth-crypto.c: password policy and scrypt, generated
 * passwords, TOTP (RFC 6238 vectors, window edges, replay), the QR data URI,
 * recovery codes and tokens.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libscrypt.h>
#include <liboath/oath.h>
#include <sodium.h>

#include "auth-crypto.h"
#include "xmalloc.h"

/* RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" in base32. */
#define RFC_SECRET	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
/* A quarter of a 64-character token. */
#define HEX16		"0123456789abcdef"

static int
setup_crypto(void **state)
{
	char	*cause = NULL;

	if (auth_crypto_init(&cause) != 0) {
		free(cause);
		return -1;
	}
	return 0;
}

static void
expect_validate_error(const char *password, const char *message,
    const char *expected_code)
{
	const char	*code = "unset";
	char		*cause = NULL;

	assert_int_equal(auth_password_validate(password, &code, &cause), -1);
	assert_string_equal(cause, message);
	if (expected_code == NULL)
		assert_null(code);
	else
		assert_string_equal(code, expected_code);
	free(cause);
}

static void
expect_validate_ok(const char *password)
{
	const char	*code = "unset";
	char		*cause = NULL;

	assert_int_equal(auth_password_validate(password, &code, &cause), 0);
	assert_null(cause);
	assert_null(code);
}

static void
test_password_policy(void **state)
{
	char	*big;

	expect_validate_error(NULL, "Password is required", NULL);
	expect_validate_error("", "Password is required", NULL);
	expect_validate_error("1234567",
	    "Password must be at least 8 characters", "WEAK_PASSWORD");
	expect_validate_ok("12345678");
	expect_validate_ok("        ");	/* no complexity rule */

	/* Seven accented letters are 14 bytes but 7 UTF-16 units. */
	expect_validate_error("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9", "Password must be at least 8 characters",
	    "WEAK_PASSWORD");
	/* Each emoji outside the BMP counts twice: 4 of them make 8. */
	expect_validate_ok("\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	    "\xf0\x9f\x94\x91");
	expect_validate_error("\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	    "a", "Password must be at least 8 characters", "WEAK_PASSWORD");

	/* The cap: 1024 bytes pass, 1025 do not. */
	big = xmalloc(AUTH_PASSWORD_MAX_BYTES + 2);
	memset(big, 'x', AUTH_PASSWORD_MAX_BYTES);
	big[AUTH_PASSWORD_MAX_BYTES] = '\0';
	expect_validate_ok(big);
	big[AUTH_PASSWORD_MAX_BYTES] = 'x';
	big[AUTH_PASSWORD_MAX_BYTES + 1] = '\0';
	expect_validate_error(big, "Password must be at most 1024 bytes",
	    "WEAK_PASSWORD");
	free(big);

	/* code is optional. */
	{
		char	*cause = NULL;

		assert_int_equal(auth_password_validate("short", NULL, &cause),
		    -1);
		free(cause);
	}
}

static void
test_password_hash_round_trip(void **state)
{
	char	*hash = NULL, *hash2 = NULL, *copy, *cause = NULL;

	assert_int_equal(auth_password_hash(&hash, "correct horse battery",
	    &cause), 0);
	/* $s1$, log2(N)=15, r=8, p=1. */
	assert_memory_equal(hash, "$s1$0f0801$", 11);
	copy = xstrdup(hash);

	assert_int_equal(auth_password_verify(hash, "correct horse battery",
	    &cause), 1);
	assert_int_equal(auth_password_verify(hash, "correct horse batterz",
	    &cause), 0);
	assert_int_equal(auth_password_verify(hash, "", &cause), 0);
	assert_null(cause);
	/* Verification must not consume the stored string. */
	assert_string_equal(hash, copy);
	assert_int_equal(auth_password_needs_rehash(hash), 0);

	/* A fresh salt every time. */
	assert_int_equal(auth_password_hash(&hash2, "correct horse battery",
	    &cause), 0);
	assert_string_not_equal(hash, hash2);
	assert_int_equal(auth_password_verify(hash2, "correct horse battery",
	    &cause), 1);

	free(copy);
	free(hash);
	free(hash2);
}

static void
test_password_verify_uses_stored_parameters(void **state)
{
	char	mcf[SCRYPT_MCF_LEN], *cause = NULL;

	/* A weaker hash (N=2^10) still verifies, and is flagged for rehash. */
	assert_int_equal(libscrypt_hash(mcf, "old password", 1u << 10, 8, 1),
	    1);
	assert_int_equal(auth_password_verify(mcf, "old password", &cause), 1);
	assert_int_equal(auth_password_verify(mcf, "old passworD", &cause), 0);
	assert_int_equal(auth_password_needs_rehash(mcf), 1);
	assert_null(cause);
}

static void
expect_verify_error(const char *stored, const char *needle)
{
	char	*cause = NULL;

	assert_int_equal(auth_password_verify(stored, "whatever1", &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, needle));
	/* The password never appears in a cause. */
	assert_null(strstr(cause, "whatever1"));
	free(cause);
}

static void
test_password_verify_rejects_unusable_hashes(void **state)
{
	expect_verify_error("$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA",
	    "reset-password");
	expect_verify_error("", "not a scrypt MCF");
	expect_verify_error("plaintext", "not a scrypt MCF");
	expect_verify_error("$s1$0f0801$", "not a scrypt MCF");
	expect_verify_error("$s1$0f0801$salt", "not a scrypt MCF");
	expect_verify_error("$s1$0f0801$$hash", "not a scrypt MCF");
	expect_verify_error("$s1$0f08zz$c2FsdA==$aGFzaA==", "not a scrypt MCF");
	expect_verify_error("$s1$0f0801$c2FsdA==$aGFzaA==$x",
	    "not a scrypt MCF");
	/* Tampered costs are refused before any work: N=2^30, r=255, p=255. */
	expect_verify_error("$s1$1e0801$c2FsdA==$aGFzaA==", "out of bounds");
	expect_verify_error("$s1$0fff01$c2FsdA==$aGFzaA==", "out of bounds");
	expect_verify_error("$s1$0f08ff$c2FsdA==$aGFzaA==", "out of bounds");
	expect_verify_error("$s1$000801$c2FsdA==$aGFzaA==", "out of bounds");
	assert_int_equal(auth_password_needs_rehash("$argon2id$v=19$x"), 1);
}

static int
in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

static void
test_password_generate(void **state)
{
	const char	*upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
	const char	*lower = "abcdefghijkmnopqrstuvwxyz";
	const char	*digits = "23456789";
	const char	*symbols = "!@#$%^&*_-+=";
	char		 all[128];
	int		 seen[256] = { 0 };
	char		*password, *cause = NULL;
	size_t		 i, round;
	int		 has[4];

	snprintf(all, sizeof all, "%s%s%s%s", upper, lower, digits, symbols);
	assert_int_equal(strlen(all), 69);

	for (round = 0; round < 300; round++) {
		password = auth_password_generate();
		assert_int_equal(strlen(password), 24);
		memset(has, 0, sizeof has);
		for (i = 0; i < 24; i++) {
			assert_true(in_set(password[i], all));
			has[0] |= in_set(password[i], upper);
			has[1] |= in_set(password[i], lower);
			has[2] |= in_set(password[i], digits);
			has[3] |= in_set(password[i], symbols);
			seen[(unsigned char)password[i]]++;
		}
		assert_true(has[0] && has[1] && has[2] && has[3]);
		assert_int_equal(auth_password_validate(password, NULL,
		    &cause), 0);
		auth_secret_free(password);
	}
	/* 7200 draws over 69 symbols: every symbol shows up. */
	for (i = 0; all[i] != '\0'; i++)
		assert_true(seen[(unsigned char)all[i]] > 0);
	assert_int_equal(seen['I'] + seen['O'] + seen['l'] + seen['0'] +
	    seen['1'], 0);
}

/* RFC 6238 appendix B (SHA-1), truncated to our 6 digits. */
static void
test_totp_rfc6238_vectors(void **state)
{
	static const struct {
		time_t		 when;
		const char	*code;
	} vectors[] = {
		{ 59, "287082" },		/* 94287082 */
		{ 1111111109, "081804" },	/* 07081804 */
		{ 1111111111, "050471" },	/* 14050471 */
		{ 1234567890, "005924" },	/* 89005924 */
		{ 2000000000, "279037" },	/* 69279037 */
		{ (time_t)20000000000LL, "353130" },	/* 65353130 */
	};
	char	code[AUTH_TOTP_DIGITS + 1], *cause = NULL;
	int64_t	step;
	size_t	i;

	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		assert_int_equal(auth_totp_code(code, RFC_SECRET,
		    vectors[i].when, &cause), 0);
		assert_string_equal(code, vectors[i].code);
		step = -2;
		assert_int_equal(auth_totp_verify(RFC_SECRET, vectors[i].code,
		    vectors[i].when, AUTH_TOTP_NO_STEP, &step, &cause), 1);
		assert_int_equal(step, vectors[i].when / 30);
	}
	/* Lowercase base32 is the same key. */
	assert_int_equal(auth_totp_verify(
	    "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "287082", 59,
	    AUTH_TOTP_NO_STEP, NULL, &cause), 1);
	assert_null(cause);
}

static void
code_at_step(char code[AUTH_TOTP_DIGITS + 1], const char *secret, int64_t step)
{
	char	*cause = NULL;

	assert_int_equal(auth_totp_code(code, secret, (time_t)(step * 30),
	    &cause), 0);
}

static void
test_totp_window_edges(void **state)
{
	const int64_t	step = 1111111111 / 30;	/* 37037037 */
	char		code[AUTH_TOTP_DIGITS + 1], *cause = NULL;
	int64_t		matched, offset;
	time_t		now;

	assert_int_equal(auth_totp_step(59), 1);
	assert_int_equal(auth_totp_step(60), 2);
	assert_int_equal(auth_totp_step(0), 0);
	assert_int_equal(auth_totp_step(-1), -1);

	/* Both ends of the current step, +-1 accepted, +-2 refused. */
	for (now = (time_t)(step * 30); now <= (time_t)(step * 30 + 29);
	    now += 29) {
		for (offset = -2; offset <= 2; offset++) {
			code_at_step(code, RFC_SECRET, step + offset);
			matched = -2;
			if (offset >= -1 && offset <= 1) {
				assert_int_equal(auth_totp_verify(RFC_SECRET,
				    code, now, AUTH_TOTP_NO_STEP, &matched,
				    &cause), 1);
				assert_int_equal(matched, step + offset);
			} else {
				assert_int_equal(auth_totp_verify(RFC_SECRET,
				    code, now, AUTH_TOTP_NO_STEP, &matched,
				    &cause), 0);
				assert_int_equal(matched, -2);
			}
		}
	}

	/* One second later the previous step is two steps old. */
	code_at_step(code, RFC_SECRET, step - 1);
	assert_int_equal(auth_totp_verify(RFC_SECRET, code,
	    (time_t)(step * 30 + 30), AUTH_TOTP_NO_STEP, NULL, &cause), 0);

	/* Near the epoch there is no step -1. */
	code_at_step(code, RFC_SECRET, 0);
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, 5,
	    AUTH_TOTP_NO_STEP, &matched, &cause), 1);
	assert_int_equal(matched, 0);
	assert_null(cause);
}

static void
test_totp_replay_refused(void **state)
{
	const time_t	now = 1234567890;
	const int64_t	step = now / 30;
	char		code[AUTH_TOTP_DIGITS + 1], *cause = NULL;
	int64_t		matched = -2, last;

	code_at_step(code, RFC_SECRET, step);
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, now,
	    AUTH_TOTP_NO_STEP, &matched, &cause), 1);
	assert_int_equal(matched, step);
	last = matched;

	/* The same code again, now or later within its window: refused. */
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, now, last,
	    &matched, &cause), 0);
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, now + 30, last,
	    &matched, &cause), 0);
	/* An older code than the last accepted one: refused. */
	code_at_step(code, RFC_SECRET, step - 1);
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, now, last,
	    &matched, &cause), 0);
	/* The next code is fine. */
	code_at_step(code, RFC_SECRET, step + 1);
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, now, last,
	    &matched, &cause), 1);
	assert_int_equal(matched, step + 1);
	/* And the current one is refused after the next was used. */
	last = matched;
	code_at_step(code, RFC_SECRET, step);
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, now, last,
	    &matched, &cause), 0);
	/* Last accepted one step earlier: the current code is accepted. */
	assert_int_equal(auth_totp_verify(RFC_SECRET, code, now, step - 1,
	    &matched, &cause), 1);
	assert_int_equal(matched, step);
	assert_null(cause);
}

static void
test_totp_malformed_input(void **state)
{
	static const char *bad[] = {
		"", "28708", "2870822", "28708a", "-287082", "287082\n",
		"２８７０８２", "0x1234",
	};
	char	*cause = NULL;
	size_t	 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(auth_totp_verify(RFC_SECRET, bad[i], 59,
		    AUTH_TOTP_NO_STEP, NULL, &cause), 0);
	/* Spaces are how apps display codes. */
	assert_int_equal(auth_totp_verify(RFC_SECRET, " 287 082 ", 59,
	    AUTH_TOTP_NO_STEP, NULL, &cause), 1);
	assert_null(cause);

	/* A broken secret is an error, not a wrong code. */
	assert_int_equal(auth_totp_verify("!!!!", "287082", 59,
	    AUTH_TOTP_NO_STEP, NULL, &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_equal(auth_totp_verify("GEZDGNBV", "287082", 59,
	    AUTH_TOTP_NO_STEP, NULL, &cause), -1);
	assert_non_null(strstr(cause, "too short"));
	free(cause);
	cause = NULL;
	assert_int_equal(auth_totp_verify(RFC_SECRET, "287082", -1,
	    AUTH_TOTP_NO_STEP, NULL, &cause), -1);
	free(cause);
}

static void
test_totp_secret_and_uri(void **state)
{
	char	*secret, *other, *uri, *key = NULL, *cause = NULL;
	char	 code[AUTH_TOTP_DIGITS + 1];
	size_t	 keylen = 0, i;
	int64_t	 matched;

	secret = auth_totp_secret_generate();
	assert_int_equal(strlen(secret), 32);
	for (i = 0; i < 32; i++)
		assert_true(in_set(secret[i],
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
	/* Our encoder agrees with liboath's decoder: 20 bytes. */
	assert_int_equal(oath_base32_decode(secret, strlen(secret), &key,
	    &keylen), OATH_OK);
	assert_int_equal(keylen, 20);
	free(key);

	other = auth_totp_secret_generate();
	assert_string_not_equal(secret, other);

	/* A generated secret works end to end. */
	assert_int_equal(auth_totp_code(code, secret, 1700000000, &cause), 0);
	assert_int_equal(auth_totp_verify(secret, code, 1700000000,
	    AUTH_TOTP_NO_STEP, &matched, &cause), 1);
	assert_int_equal(matched, 1700000000 / 30);

	uri = auth_totp_uri("AUZF23CQYFR2HJ4JODHCP3RDKBZARPIC");
	assert_string_equal(uri, "otpauth://totp/CodePiper:admin?"
	    "issuer=CodePiper&secret=AUZF23CQYFR2HJ4JODHCP3RDKBZARPIC"
	    "&algorithm=SHA1&digits=6&period=30");
	auth_secret_free(uri);
	auth_secret_free(secret);
	auth_secret_free(other);
}

/* Our verifier and liboath's own validator agree on random keys and times. */
static void
test_totp_agrees_with_liboath(void **state)
{
	char		 code[AUTH_TOTP_DIGITS + 1];
	char		*secret, *key, *cause = NULL;
	size_t		 keylen, round;
	int64_t		 matched, offset;
	uint64_t	 counter;
	int		 pos, rc;
	time_t		 now;

	for (round = 0; round < 50; round++) {
		secret = auth_totp_secret_generate();
		key = NULL;
		assert_int_equal(oath_base32_decode(secret, strlen(secret),
		    &key, &keylen), OATH_OK);
		now = (time_t)(1500000000 + randombytes_uniform(400000000));
		offset = (int64_t)randombytes_uniform(3) - 1;
		code_at_step(code, secret, now / 30 + offset);

		rc = oath_totp_validate3(key, keylen, now, 30, 0, 1, &pos,
		    &counter, code);
		assert_true(rc >= 0);
		assert_int_equal(auth_totp_verify(secret, code, now,
		    AUTH_TOTP_NO_STEP, &matched, &cause), 1);
		assert_int_equal((uint64_t)matched, counter);
		assert_int_equal(matched, now / 30 + offset);
		free(key);
		auth_secret_free(secret);
	}
}

static unsigned char *
base64_decode(const char *b64, size_t *len)
{
	unsigned char	*out;
	size_t		 max = strlen(b64);

	out = xmalloc(max + 1);
	assert_int_equal(sodium_base642bin(out, max, b64, strlen(b64), NULL,
	    len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	out[*len] = '\0';
	return out;
}

static void
test_totp_qr_svg(void **state)
{
	const char	*prefix = "data:image/svg+xml;base64,";
	char		*uri, *data = NULL, *cause = NULL, *big;
	unsigned char	*svg;
	size_t		 len;
	int		 size;

	uri = auth_totp_uri("AUZF23CQYFR2HJ4JODHCP3RDKBZARPIC");
	assert_int_equal(auth_totp_qr_data_uri(&data, uri, &cause), 0);
	assert_memory_equal(data, prefix, strlen(prefix));
	svg = base64_decode(data + strlen(prefix), &len);

	assert_memory_equal(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 ", 52);
	/* A 120-byte URI at level M is a version 6 or 7 code plus 8. */
	assert_int_equal(sscanf((char *)svg + 52, "%d", &size), 1);
	assert_true(size == 41 + 8 || size == 45 + 8);
	assert_non_null(strstr((char *)svg, "width=\"212\" height=\"212\""));
	/* The first run is the top row of the top-left finder pattern. */
	assert_non_null(strstr((char *)svg,
	    "<path fill=\"#000\" d=\"M4 4h7v1h-7z"));
	assert_string_equal((char *)svg + len - 9, "\"/></svg>");
	/* Small: a few KiB, no raster, no script, no external reference. */
	assert_true(len < 8192);
	assert_null(strstr((char *)svg, "<script"));
	assert_null(strstr((char *)svg, "href"));
	free(svg);
	auth_secret_free(data);
	auth_secret_free(uri);

	/* Beyond what a QR code can hold. */
	big = xmalloc(4001);
	memset(big, 'a', 4000);
	big[4000] = '\0';
	data = NULL;
	assert_int_equal(auth_totp_qr_data_uri(&data, big, &cause), -1);
	assert_non_null(cause);
	assert_null(data);
	free(cause);
	cause = NULL;
	free(big);
	assert_int_equal(auth_totp_qr_data_uri(&data, "", &cause), -1);
	free(cause);
}

static int
recovery_code_wellformed(const char *code)
{
	size_t	i;

	if (strlen(code) != 9 || code[4] != '-')
		return 0;
	for (i = 0; i < 9; i++) {
		if (i != 4 && !in_set(code[i], "0123456789abcdef"))
			return 0;
	}
	return 1;
}

static void
test_recovery_code_generate_and_hash(void **state)
{
	char	**codes, hash[AUTH_SHA256_HEX_LENGTH + 1];
	size_t	  i, j;

	codes = auth_recovery_codes_generate(AUTH_RECOVERY_CODE_COUNT);
	for (i = 0; i < AUTH_RECOVERY_CODE_COUNT; i++) {
		assert_true(recovery_code_wellformed(codes[i]));
		for (j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
	auth_recovery_codes_free(codes, AUTH_RECOVERY_CODE_COUNT);
	auth_recovery_codes_free(NULL, 0);

	/* Stored form: sha256_hex("fed809bf"), as the reference stores it. */
	assert_int_equal(auth_recovery_code_hash(hash, "fed8-09bf"), 0);
	assert_string_equal(hash,
	    "6053044057063a29bdfd675b2b10bdb48a46de4425c82204cb03c7739ce3f6d4");
	assert_int_equal(auth_recovery_code_hash(hash, "fed8-09b"), -1);
}

static void
test_recovery_code_normalize(void **state)
{
	static const char *same[] = {
		"fed8-09bf", "FED809BF", "fed809bf", "FED8-09BF", " fed8 09bf ",
		"fe-d8-09-bf", "Fed8-09Bf\n",
	};
	static const char *bad[] = {
		"", "fed8-09b", "fed8-09bf0", "fed8-09bg", "fed8_09bf",
		"ged8-09bf", "fed8–09bf",
	};
	char	out[AUTH_RECOVERY_CODE_NORMALIZED_LENGTH + 1];
	size_t	i;

	for (i = 0; i < sizeof same / sizeof same[0]; i++) {
		assert_int_equal(auth_recovery_code_normalize(out, same[i]), 0);
		assert_string_equal(out, "fed809bf");
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(auth_recovery_code_normalize(out, bad[i]), -1);
		assert_string_equal(out, "");
	}
}

static void
test_recovery_code_match_single_use(void **state)
{
	char	**codes, *hashes[AUTH_RECOVERY_CODE_COUNT], upper[16];
	size_t	  i, n = AUTH_RECOVERY_CODE_COUNT;

	codes = auth_recovery_codes_generate(n);
	for (i = 0; i < n; i++) {
		hashes[i] = xmalloc(AUTH_SHA256_HEX_LENGTH + 1);
		assert_int_equal(auth_recovery_code_hash(hashes[i], codes[i]),
		    0);
	}

	for (i = 0; i < n; i++) {
		assert_int_equal(auth_recovery_code_match(codes[i],
		    (const char *const *)hashes, n), (int)i);
	}
	/* As typed from paper: uppercase, no dash. */
	snprintf(upper, sizeof upper, "%.4s%.4s", codes[5], codes[5] + 5);
	for (i = 0; upper[i] != '\0'; i++) {
		if (upper[i] >= 'a' && upper[i] <= 'f')
			upper[i] = upper[i] - 'a' + 'A';
	}
	assert_int_equal(auth_recovery_code_match(upper,
	    (const char *const *)hashes, n), 5);

	/* Not a code at all, or a code of another set. */
	assert_int_equal(auth_recovery_code_match("287082",
	    (const char *const *)hashes, n), -1);
	assert_int_equal(auth_recovery_code_match("0000-0000",
	    (const char *const *)hashes, n), -1);

	/* The caller removes the used slot; the code then no longer matches. */
	free(hashes[5]);
	hashes[5] = hashes[n - 1];
	n--;
	assert_int_equal(auth_recovery_code_match(upper,
	    (const char *const *)hashes, n), -1);
	assert_int_equal(auth_recovery_code_match(codes[7],
	    (const char *const *)hashes, n), 5);

	/* Damaged slots are skipped, not over-read. */
	hashes[0][10] = '\0';
	assert_int_equal(auth_recovery_code_match(codes[0],
	    (const char *const *)hashes, n), -1);
	assert_int_equal(auth_recovery_code_match(codes[1],
	    (const char *const *)hashes, n), 1);

	for (i = 0; i < n; i++)
		free(hashes[i]);
	auth_recovery_codes_free(codes, AUTH_RECOVERY_CODE_COUNT);
}

static void
test_tokens(void **state)
{
	char	*a, *b, hash[AUTH_SHA256_HEX_LENGTH + 1];

	a = auth_token_generate();
	b = auth_token_generate();
	assert_int_equal(strlen(a), 64);
	assert_true(auth_token_is_wellformed(a));
	assert_string_not_equal(a, b);

	/* Stored form: sha256 of the 64 ASCII characters. */
	auth_token_hash(hash, HEX16 HEX16 HEX16 HEX16);
	assert_string_equal(hash,
	    "a8ae6e6ee929abea3afcfc5258c8ccd6f85273e0d4626d26c7279f3250f77c8e");
	auth_token_hash(hash, a);
	assert_true(auth_token_is_wellformed(hash));

	assert_false(auth_token_is_wellformed(""));
	assert_false(auth_token_is_wellformed(
	    HEX16 HEX16 HEX16 "0123456789abcde"));
	assert_false(auth_token_is_wellformed(HEX16 HEX16 HEX16 HEX16 "0"));
	assert_false(auth_token_is_wellformed(
	    "0123456789ABCDEF" HEX16 HEX16 HEX16));
	assert_false(auth_token_is_wellformed(
	    "0123456789abcdeg" HEX16 HEX16 HEX16));

	auth_secret_free(a);
	auth_secret_free(b);
	auth_secret_free(NULL);
}

static void
test_secret_equal(void **state)
{
	assert_true(auth_secret_equal("", ""));
	assert_true(auth_secret_equal("hook-secret", "hook-secret"));
	assert_false(auth_secret_equal("hook-secret", "hook-secreT"));
	assert_false(auth_secret_equal("hook-secret", "hook-secre"));
	assert_false(auth_secret_equal("", "x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_policy),
		cmocka_unit_test(test_password_hash_round_trip),
		cmocka_unit_test(test_password_verify_uses_stored_parameters),
		cmocka_unit_test(test_password_verify_rejects_unusable_hashes),
		cmocka_unit_test(test_password_generate),
		cmocka_unit_test(test_totp_rfc6238_vectors),
		cmocka_unit_test(test_totp_window_edges),
		cmocka_unit_test(test_totp_replay_refused),
		cmocka_unit_test(test_totp_malformed_input),
		cmocka_unit_test(test_totp_secret_and_uri),
		cmocka_unit_test(test_totp_agrees_with_liboath),
		cmocka_unit_test(test_totp_qr_svg),
		cmocka_unit_test(test_recovery_code_generate_and_hash),
		cmocka_unit_test(test_recovery_code_normalize),
		cmocka_unit_test(test_recovery_code_match_single_use),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_secret_equal),
	};

	return cmocka_run_group_tests(tests, setup_crypto, NULL);
}
