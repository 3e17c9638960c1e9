/*
 * auth-crypto: the pure cryptographic primitives behind web authentication
 * (spec/auth.md sections 3, 4, 6.3, 6.4, 6.12): password hashing and the
 * password policy, generated passwords, TOTP with replay protection, the
 * enrolment QR code, recovery codes, and session/onboarding tokens.
 *
 * This module owns no state. It does no I/O besides reading the kernel's
 * CSPRNG; the auth module keeps the database rows and calls these functions.
 * docs/security.md explains the parameters and why they were chosen.
 *
 * Memory: every char * handed back, as a return value or through an
 * out-parameter, is the caller's. Anything that is itself a credential
 * (generated passwords, TOTP secrets, otpauth URIs and their QR codes, recovery
 * codes, tokens) should be released with auth_secret_free(), which zeroes it
 * first. A cause (char **cause) is an ordinary heap string for the log, freed
 * with free(); it never contains a secret. Fixed-size out buffers (hashes,
 * TOTP codes) are the caller's and hold nothing that needs zeroing except a
 * TOTP code.
 *
 * Threads: every function is reentrant and may run on a worker thread (the
 * password functions take ~70 ms, so they should; see DESIGN.md).
 */
#ifndef CODEPIPER_AUTH_CRYPTO_H
#define CODEPIPER_AUTH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Password policy (auth.md section 3). The minimum counts UTF-16 code units,
 * as the reference does; the maximum bounds the work one request can cause.
 */
#define AUTH_PASSWORD_MIN_LENGTH	8
#define AUTH_PASSWORD_MAX_BYTES		1024
#define AUTH_PASSWORD_REQUIRED		"Password is required"
#define AUTH_PASSWORD_TOO_SHORT	\
	"Password must be at least 8 characters"
#define AUTH_PASSWORD_TOO_LONG	\
	"Password must be at most 1024 bytes"
#define AUTH_WEAK_PASSWORD		"WEAK_PASSWORD"

/* scrypt cost for new hashes: 32 MiB and ~68 ms (docs/security.md). */
#define AUTH_SCRYPT_N			(1u << 15)
#define AUTH_SCRYPT_R			8
#define AUTH_SCRYPT_P			1

#define AUTH_GENERATED_PASSWORD_LENGTH	24

/* TOTP (auth.md 6.12): RFC 6238, HMAC-SHA1, 6 digits, 30 s, +-1 step. */
#define AUTH_TOTP_SECRET_BYTES		20
#define AUTH_TOTP_SECRET_LENGTH		32	/* base32, unpadded */
#define AUTH_TOTP_DIGITS		6
#define AUTH_TOTP_PERIOD		30
#define AUTH_TOTP_WINDOW		1
#define AUTH_TOTP_ISSUER		"CodePiper"
#define AUTH_TOTP_ACCOUNT		"admin"
/* last_step value meaning "no code accepted yet"; real steps are >= 0. */
#define AUTH_TOTP_NO_STEP		((int64_t)-1)

/* Recovery codes: 8 codes of 4 random bytes shown as "xxxx-xxxx". */
#define AUTH_RECOVERY_CODE_COUNT	8
#define AUTH_RECOVERY_CODE_LENGTH	9	/* "xxxx-xxxx" */
#define AUTH_RECOVERY_CODE_NORMALIZED_LENGTH 8	/* "xxxxxxxx" */

/* Session and onboarding tokens: 32 CSPRNG bytes as 64 lowercase hex. */
#define AUTH_TOKEN_BYTES		32
#define AUTH_TOKEN_LENGTH		64
#define AUTH_SHA256_HEX_LENGTH		64

/*
 * Initialises libsodium and liboath once per process. Every function below
 * does this on first use too; calling it at startup turns a broken CSPRNG into
 * a clean start-up error instead of an abort later.
 */
int	 auth_crypto_init(char **cause);

/* Zeroes a NUL-terminated secret, then frees it. NULL is ignored. */
void	 auth_secret_free(char *secret);

/*
 * Constant-time equality of two NUL-terminated strings (hook secret, tokens).
 * Only the lengths, which are public, influence the running time.
 */
int	 auth_secret_equal(const char *a, const char *b);

/* --- Passwords ------------------------------------------------------------ */

/*
 * Applies the password policy. Returns 0 if acceptable. Otherwise returns -1,
 * sets *cause to the spec's exact error message (AUTH_PASSWORD_REQUIRED,
 * AUTH_PASSWORD_TOO_SHORT, AUTH_PASSWORD_TOO_LONG) and, if code is not NULL,
 * *code to the static error code for the JSON body (AUTH_WEAK_PASSWORD, or
 * NULL for "Password is required", which has none).
 */
int	 auth_password_validate(const char *password, const char **code,
	    char **cause);

/*
 * Hashes a password into a libscrypt MCF string ("$s1$0f0801$salt$hash") with
 * AUTH_SCRYPT_N/R/P and a fresh 16-byte salt. *out is the caller's (free()).
 */
int	 auth_password_hash(char **out, const char *password, char **cause);

/*
 * Checks a password against a stored hash, using the parameters recorded in
 * the hash. Returns 1 on a match, 0 on a mismatch, -1 with *cause when the
 * stored string cannot be verified: not a scrypt MCF (an Argon2id hash from a
 * CodePiper 0.2.1 database is reported as such; the operator must run
 * `codepiper auth reset-password`), or parameters so costly that they can only
 * come from a tampered row. The hash comparison is constant-time.
 */
int	 auth_password_verify(const char *stored, const char *password,
	    char **cause);

/* 1 if the stored hash is weaker than the current parameters or unusable. */
int	 auth_password_needs_rehash(const char *stored);

/*
 * A 24-character password for bootstrap and `reset-password --generate`: one
 * character from each class, the rest uniform over their union, shuffled.
 * Free with auth_secret_free().
 */
char	*auth_password_generate(void);

/* --- TOTP ----------------------------------------------------------------- */

/* A new TOTP secret: 20 CSPRNG bytes as 32 base32 characters. */
char	*auth_totp_secret_generate(void);

/*
 * The URI an authenticator app scans:
 *   otpauth://totp/CodePiper:admin?issuer=CodePiper&secret=<secret>
 *   &algorithm=SHA1&digits=6&period=30          (one line, no spaces)
 * The secret must be base32 (A-Z, 2-7), as auth_totp_secret_generate()
 * makes it, so it needs no escaping. auth_secret_free().
 */
char	*auth_totp_uri(const char *secret);

/* The time step that contains now (floor(now / 30)); -1 before the epoch. */
int64_t	 auth_totp_step(time_t now);

/* The code for the step containing now, into out. -1 on a bad secret. */
int	 auth_totp_code(char out[AUTH_TOTP_DIGITS + 1], const char *secret,
	    time_t now, char **cause);

/*
 * Verifies a user-typed code against the steps now-1, now, now+1. Spaces in
 * the input are ignored ("287 082", as apps display it). A code is accepted
 * only for a step greater than last_step (AUTH_TOTP_NO_STEP if none), which
 * refuses replay. Returns 1 and sets *matched_step (may be NULL) to the
 * accepted step, which the caller stores as the new last_step; returns 0 for a
 * wrong, malformed or replayed code; -1 with *cause if the secret is not valid
 * base32 of at least 10 bytes, or now is before the epoch. At enrolment
 * (/auth/mfa/verify) pass AUTH_TOTP_NO_STEP and store the matched step too,
 * so the code that finished enrolment cannot then be used to log in.
 */
int	 auth_totp_verify(const char *secret, const char *code, time_t now,
	    int64_t last_step, int64_t *matched_step, char **cause);

/*
 * Renders text (the otpauth URI) as a QR code and returns it as
 * "data:image/svg+xml;base64,..." in *out: error correction M, a 4-module
 * quiet zone, dark modules as one path of rectangles, 212x212 px. The result
 * encodes the secret: auth_secret_free() it. -1 with *cause if libqrencode
 * fails (text too long for any QR version, or empty).
 */
int	 auth_totp_qr_data_uri(char **out, const char *text, char **cause);

/* --- Recovery codes ------------------------------------------------------- */

/*
 * n distinct codes "xxxx-xxxx" (4 CSPRNG bytes, lowercase hex) in a new
 * array. Free with auth_recovery_codes_free().
 */
char	**auth_recovery_codes_generate(size_t n);
void	 auth_recovery_codes_free(char **codes, size_t n);

/*
 * Normalises user input: drops '-' and white space, lowercases. Returns 0 and
 * the 8 hex characters in out if what remains is exactly 8 hex digits, else -1
 * (out is then empty).
 */
int	 auth_recovery_code_normalize(
	    char out[AUTH_RECOVERY_CODE_NORMALIZED_LENGTH + 1],
	    const char *input);

/* sha256_hex(normalised code), the stored form. -1 if input is malformed. */
int	 auth_recovery_code_hash(char out[AUTH_SHA256_HEX_LENGTH + 1],
	    const char *input);

/*
 * Looks input up among the stored hashes, comparing in constant time against
 * every slot (no early exit). Returns the index of the matching slot, or -1.
 * Single use is the caller's: it removes that slot and stores the rest.
 */
int	 auth_recovery_code_match(const char *input,
	    const char *const *hashes, size_t n);

/* --- Tokens --------------------------------------------------------------- */

/* A session or onboarding token: 64 lowercase hex characters. */
char	*auth_token_generate(void);

/* 1 if s matches ^[a-f0-9]{64}$, the only shape looked up (auth.md 3). */
int	 auth_token_is_wellformed(const char *s);

/* The stored form of a token: sha256_hex of its 64 ASCII characters. */
void	 auth_token_hash(char out[AUTH_SHA256_HEX_LENGTH + 1],
	    const char *token);

/* Lowercase hex SHA-256 of len bytes. */
void	 auth_sha256_hex(char out[AUTH_SHA256_HEX_LENGTH + 1],
	    const void *data, size_t len);

#endif
