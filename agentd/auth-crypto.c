/*
 * Cryptographic primitives for web authentication. See auth-crypto.h for the
 * contract and docs/security.md for the reasoning behind each parameter.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libscrypt.h>
#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "auth-crypto.h"
#include "xmalloc.h"

/*
 * Limits for a stored scrypt hash. Ours costs 2^15 * 8 * 128 B = 32 MiB; the
 * limits admit 8x that memory and 16x that work, so hashes made by a stronger
 * future default still verify, while a tampered row cannot make one login
 * allocate gigabytes or run for minutes.
 */
#define SCRYPT_MAX_MEMORY	(256ull << 20)
#define SCRYPT_MAX_WORK	\
	(16ull * AUTH_SCRYPT_N * AUTH_SCRYPT_R * AUTH_SCRYPT_P)
#define SCRYPT_MCF_PREFIX	"$s1$"

/* Fewer than 80 bits of TOTP key is below anything an app generates. */
#define TOTP_SECRET_MIN_BYTES	10

/* Character classes of generated passwords: no I, O, l to avoid misreading. */
static const char password_upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
static const char password_lower[] = "abcdefghijkmnopqrstuvwxyz";
static const char password_digits[] = "23456789";
static const char password_symbols[] = "!@#$%^&*_-+=";

static pthread_once_t	auth_crypto_once = PTHREAD_ONCE_INIT;
static int		auth_crypto_status = -1;

static void
auth_crypto_init_once(void)
{
	/* sodium_init returns 1 when already initialised by someone else. */
	if (sodium_init() < 0)
		return;
	if (oath_init() != OATH_OK)
		return;
	auth_crypto_status = 0;
}

int
auth_crypto_init(char **cause)
{
	pthread_once(&auth_crypto_once, auth_crypto_init_once);
	if (auth_crypto_status != 0) {
		*cause = xstrdup("cannot initialise libsodium or liboath");
		return -1;
	}
	return 0;
}

/*
 * Without a CSPRNG nothing here can be made safe, so a failed lazy
 * initialisation is fatal, like running out of memory.
 */
static void
auth_crypto_ensure_init(void)
{
	char	*cause;

	if (auth_crypto_init(&cause) != 0) {
		fprintf(stderr, "auth-crypto: %s\n", cause);
		abort();
	}
}

void
auth_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	sodium_memzero(secret, strlen(secret));
	free(secret);
}

int
auth_secret_equal(const char *a, const char *b)
{
	size_t	len = strlen(a);

	if (len != strlen(b))
		return 0;
	if (len == 0)
		return 1;
	return sodium_memcmp(a, b, len) == 0;
}

void
auth_sha256_hex(char out[AUTH_SHA256_HEX_LENGTH + 1], const void *data,
    size_t len)
{
	unsigned char	digest[crypto_hash_sha256_BYTES];

	auth_crypto_ensure_init();
	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(out, AUTH_SHA256_HEX_LENGTH + 1, digest, sizeof digest);
}

/* --- Passwords ------------------------------------------------------------ */

/*
 * Length in UTF-16 code units, which is what the reference's JavaScript
 * `password.length` counts: one per code point, two for code points outside
 * the BMP (4-byte UTF-8 sequences). The input is valid UTF-8 (jansson
 * guarantees it), so counting lead bytes suffices.
 */
static size_t
password_utf16_length(const char *password)
{
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)password; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		n += *p >= 0xf0 ? 2 : 1;
	}
	return n;
}

int
auth_password_validate(const char *password, const char **code, char **cause)
{
	if (code != NULL)
		*code = NULL;
	if (password == NULL || *password == '\0') {
		*cause = xstrdup(AUTH_PASSWORD_REQUIRED);
		return -1;
	}
	if (code != NULL)
		*code = AUTH_WEAK_PASSWORD;
	if (strlen(password) > AUTH_PASSWORD_MAX_BYTES) {
		*cause = xstrdup(AUTH_PASSWORD_TOO_LONG);
		return -1;
	}
	if (password_utf16_length(password) < AUTH_PASSWORD_MIN_LENGTH) {
		*cause = xstrdup(AUTH_PASSWORD_TOO_SHORT);
		return -1;
	}
	if (code != NULL)
		*code = NULL;
	return 0;
}

int
auth_password_hash(char **out, const char *password, char **cause)
{
	char	mcf[SCRYPT_MCF_LEN];

	if (strlen(password) > AUTH_PASSWORD_MAX_BYTES) {
		*cause = xstrdup(AUTH_PASSWORD_TOO_LONG);
		return -1;
	}
	errno = 0;
	if (libscrypt_hash(mcf, password, AUTH_SCRYPT_N, AUTH_SCRYPT_R,
	    AUTH_SCRYPT_P) != 1) {
		*cause = xprintf("scrypt hashing failed: %s",
		    errno != 0 ? strerror(errno) : "unknown error");
		return -1;
	}
	*out = xstrdup(mcf);
	return 0;
}

/*
 * Parses "$s1$PPPPPP$salt$hash" where PPPPPP is hex of log2(N) << 16 | r << 8
 * | p (libscrypt's layout). libscrypt_check trusts these fields; checking the
 * shape and bounds here first keeps a damaged row from costing more than a
 * bounded amount of memory and time.
 */
static int
scrypt_mcf_parse(const char *mcf, unsigned *log2_n, unsigned *r, unsigned *p)
{
	const char	*salt, *hash;
	unsigned long	 params;
	char		 hex[7];
	size_t		 i;

	if (strlen(mcf) >= SCRYPT_MCF_LEN)
		return -1;
	if (strncmp(mcf, SCRYPT_MCF_PREFIX, strlen(SCRYPT_MCF_PREFIX)) != 0)
		return -1;
	for (i = 0; i < 6; i++) {
		hex[i] = mcf[4 + i];
		if (!isxdigit((unsigned char)hex[i]))
			return -1;
	}
	hex[6] = '\0';
	if (mcf[10] != '$')
		return -1;
	salt = mcf + 11;
	hash = strchr(salt, '$');
	if (hash == NULL || hash == salt || hash[1] == '\0' ||
	    strchr(hash + 1, '$') != NULL)
		return -1;

	params = strtoul(hex, NULL, 16);
	*log2_n = (params >> 16) & 0xff;
	*r = (params >> 8) & 0xff;
	*p = params & 0xff;
	return 0;
}

static int
scrypt_params_acceptable(unsigned log2_n, unsigned r, unsigned p)
{
	unsigned long long	n;

	if (log2_n < 1 || log2_n > 24 || r == 0 || p == 0)
		return 0;
	n = 1ull << log2_n;
	if (128ull * r * n > SCRYPT_MAX_MEMORY)
		return 0;
	if (n * r * p > SCRYPT_MAX_WORK)
		return 0;
	return 1;
}

int
auth_password_verify(const char *stored, const char *password, char **cause)
{
	unsigned	 log2_n, r, p;
	char		*copy;
	int		 rc;

	if (strncmp(stored, "$argon2", 7) == 0) {
		*cause = xstrdup("password hash is Argon2 "
		    "(from CodePiper 0.2.1), which this build cannot verify; "
		    "run `codepiper auth reset-password`");
		return -1;
	}
	if (scrypt_mcf_parse(stored, &log2_n, &r, &p) != 0) {
		*cause = xstrdup("password hash is not a scrypt MCF string");
		return -1;
	}
	if (!scrypt_params_acceptable(log2_n, r, p)) {
		*cause = xprintf("scrypt parameters out of bounds "
		    "(N=2^%u, r=%u, p=%u)", log2_n, r, p);
		return -1;
	}
	/* Longer passwords are never stored, so they cannot match. */
	if (strlen(password) > AUTH_PASSWORD_MAX_BYTES)
		return 0;

	/*
	 * libscrypt_check tokenises its argument in place. It recomputes the
	 * hash with the stored salt and parameters and compares the base64
	 * forms with slow_equals(), which runs over the whole string without
	 * an early exit.
	 */
	copy = xstrdup(stored);
	rc = libscrypt_check(copy, password);
	free(copy);
	if (rc < 0) {
		*cause = xstrdup("scrypt verification failed");
		return -1;
	}
	return rc > 0;
}

int
auth_password_needs_rehash(const char *stored)
{
	unsigned long long	n, ours_memory, ours_work;
	unsigned		log2_n, r, p;

	if (scrypt_mcf_parse(stored, &log2_n, &r, &p) != 0 ||
	    !scrypt_params_acceptable(log2_n, r, p))
		return 1;
	n = 1ull << log2_n;
	ours_memory = (unsigned long long)AUTH_SCRYPT_N * AUTH_SCRYPT_R;
	ours_work = ours_memory * AUTH_SCRYPT_P;
	return n * r < ours_memory || n * r * p < ours_work;
}

char *
auth_password_generate(void)
{
	const char	*classes[] = {
		password_upper, password_lower, password_digits,
		password_symbols
	};
	char		 all[sizeof password_upper + sizeof password_lower +
			     sizeof password_digits + sizeof password_symbols];
	char		*password, tmp;
	size_t		 nall, i, j;

	auth_crypto_ensure_init();
	snprintf(all, sizeof all, "%s%s%s%s", password_upper, password_lower,
	    password_digits, password_symbols);
	nall = strlen(all);

	password = xmalloc(AUTH_GENERATED_PASSWORD_LENGTH + 1);
	/* One of each class first so that every class is present... */
	for (i = 0; i < 4; i++) {
		j = randombytes_uniform(strlen(classes[i]));
		password[i] = classes[i][j];
	}
	for (; i < AUTH_GENERATED_PASSWORD_LENGTH; i++)
		password[i] = all[randombytes_uniform(nall)];
	/* ...then a Fisher-Yates shuffle so that their positions are not. */
	for (i = AUTH_GENERATED_PASSWORD_LENGTH - 1; i > 0; i--) {
		j = randombytes_uniform(i + 1);
		tmp = password[i];
		password[i] = password[j];
		password[j] = tmp;
	}
	password[AUTH_GENERATED_PASSWORD_LENGTH] = '\0';
	return password;
}

/* --- TOTP ----------------------------------------------------------------- */

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

char *
auth_totp_secret_generate(void)
{
	unsigned char	 key[AUTH_TOTP_SECRET_BYTES];
	char		*secret;
	size_t		 i, bit;

	auth_crypto_ensure_init();
	randombytes_buf(key, sizeof key);

	/* 20 bytes are exactly 32 groups of 5 bits: RFC 4648, no padding. */
	secret = xmalloc(AUTH_TOTP_SECRET_LENGTH + 1);
	for (i = 0; i < AUTH_TOTP_SECRET_LENGTH; i++) {
		unsigned	group = 0;

		for (bit = i * 5; bit < i * 5 + 5; bit++) {
			group <<= 1;
			group |= (key[bit / 8] >> (7 - bit % 8)) & 1;
		}
		secret[i] = base32_alphabet[group];
	}
	secret[AUTH_TOTP_SECRET_LENGTH] = '\0';
	sodium_memzero(key, sizeof key);
	return secret;
}

char *
auth_totp_uri(const char *secret)
{
	return xprintf("otpauth://totp/%s:%s?issuer=%s&secret=%s"
	    "&algorithm=SHA1&digits=%d&period=%d", AUTH_TOTP_ISSUER,
	    AUTH_TOTP_ACCOUNT, AUTH_TOTP_ISSUER, secret, AUTH_TOTP_DIGITS,
	    AUTH_TOTP_PERIOD);
}

int64_t
auth_totp_step(time_t now)
{
	if (now < 0)
		return -1;
	return (int64_t)now / AUTH_TOTP_PERIOD;
}

/* Decodes the base32 secret; *key is liboath's malloc, zero and free() it. */
static int
totp_secret_decode(char **key, size_t *keylen, const char *secret,
    char **cause)
{
	int	rc;

	auth_crypto_ensure_init();
	*key = NULL;
	*keylen = 0;
	rc = oath_base32_decode(secret, strlen(secret), key, keylen);
	if (rc != OATH_OK) {
		*cause = xprintf("TOTP secret is not valid base32: %s",
		    oath_strerror(rc));
		return -1;
	}
	if (*keylen < TOTP_SECRET_MIN_BYTES) {
		if (*key != NULL)
			sodium_memzero(*key, *keylen);
		free(*key);
		*key = NULL;
		*cause = xprintf("TOTP secret is too short (%zu bytes)",
		    *keylen);
		return -1;
	}
	return 0;
}

static void
totp_key_free(char *key, size_t keylen)
{
	if (key != NULL)
		sodium_memzero(key, keylen);
	free(key);
}

/* The code for one time step; steps are turned back into a time for liboath. */
static int
totp_code_for_step(char out[AUTH_TOTP_DIGITS + 1], const char *key,
    size_t keylen, int64_t step, char **cause)
{
	int	rc;

	rc = oath_totp_generate(key, keylen, (time_t)(step * AUTH_TOTP_PERIOD),
	    AUTH_TOTP_PERIOD, 0, AUTH_TOTP_DIGITS, out);
	if (rc != OATH_OK) {
		*cause = xprintf("TOTP generation failed: %s",
		    oath_strerror(rc));
		return -1;
	}
	return 0;
}

int
auth_totp_code(char out[AUTH_TOTP_DIGITS + 1], const char *secret,
    time_t now, char **cause)
{
	char	*key;
	size_t	 keylen;
	int	 rc;

	if (now < 0) {
		*cause = xstrdup("clock is before the epoch");
		return -1;
	}
	if (totp_secret_decode(&key, &keylen, secret, cause) != 0)
		return -1;
	rc = totp_code_for_step(out, key, keylen, auth_totp_step(now), cause);
	totp_key_free(key, keylen);
	return rc;
}

/* Keeps exactly AUTH_TOTP_DIGITS digits of the input, ignoring spaces. */
static int
totp_code_normalize(char out[AUTH_TOTP_DIGITS + 1], const char *code)
{
	size_t	n = 0;

	for (; *code != '\0'; code++) {
		if (*code == ' ' || *code == '\t')
			continue;
		if (*code < '0' || *code > '9' || n == AUTH_TOTP_DIGITS)
			return -1;
		out[n++] = *code;
	}
	out[n] = '\0';
	return n == AUTH_TOTP_DIGITS ? 0 : -1;
}

/*
 * liboath's oath_totp_validate* stop at the first step that matches, trying
 * now, +1, -1 in that order, and compare with strcmp. With replay protection
 * that is not enough: in the rare case that the typed code is also the code
 * of an already used step, the first match could be that step and a valid
 * login would be refused. So every step in the window is generated with
 * liboath and compared in constant time, and the earliest unused match wins.
 */
int
auth_totp_verify(const char *secret, const char *code, time_t now,
    int64_t last_step, int64_t *matched_step, char **cause)
{
	char	 typed[AUTH_TOTP_DIGITS + 1];
	char	 expected[AUTH_TOTP_DIGITS + 1];
	char	*key;
	size_t	 keylen;
	int64_t	 step, candidate, found = -1;
	int	 equal;

	if (now < 0) {
		*cause = xstrdup("clock is before the epoch");
		return -1;
	}
	if (totp_secret_decode(&key, &keylen, secret, cause) != 0)
		return -1;
	if (totp_code_normalize(typed, code) != 0) {
		totp_key_free(key, keylen);
		sodium_memzero(typed, sizeof typed);
		return 0;
	}

	step = auth_totp_step(now);
	for (candidate = step - AUTH_TOTP_WINDOW;
	    candidate <= step + AUTH_TOTP_WINDOW; candidate++) {
		if (candidate < 0)
			continue;
		if (totp_code_for_step(expected, key, keylen, candidate,
		    cause) != 0) {
			totp_key_free(key, keylen);
			sodium_memzero(typed, sizeof typed);
			sodium_memzero(expected, sizeof expected);
			return -1;
		}
		equal = sodium_memcmp(expected, typed, AUTH_TOTP_DIGITS) == 0;
		if (equal && candidate > last_step && found == -1)
			found = candidate;
	}
	totp_key_free(key, keylen);
	sodium_memzero(typed, sizeof typed);
	sodium_memzero(expected, sizeof expected);

	if (found == -1)
		return 0;
	if (matched_step != NULL)
		*matched_step = found;
	return 1;
}

/* A growing string for the SVG; aborts on overflow like xmalloc. */
struct svg_buffer {
	char	*data;
	size_t	 len;
	size_t	 size;
};

static void svg_append(struct svg_buffer *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
svg_append(struct svg_buffer *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < b->size - b->len)
			break;
		b->size = b->size * 2 + (size_t)n;
		b->data = xrealloc(b->data, b->size);
	}
	b->len += (size_t)n;
}

/*
 * Renders the QR matrix as SVG: a white background over the whole image
 * (including the 4-module quiet zone the standard requires) and one path in
 * which each horizontal run of dark modules is one rectangle. Runs keep the
 * document small (a few KiB for an otpauth URI) and crispEdges keeps the
 * module borders sharp when the 212 px image is scaled.
 */
static char *
qr_render_svg(const QRcode *qr, size_t *len)
{
	struct svg_buffer	 b;
	const int		 quiet = 4;
	int			 size = qr->width + 2 * quiet, x, y, run;

	b.size = 1024;
	b.len = 0;
	b.data = xmalloc(b.size);
	svg_append(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"212\" height=\"212\" "
	    "shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", size, size, size, size);
	for (y = 0; y < qr->width; y++) {
		for (x = 0; x < qr->width; x += run) {
			run = 0;
			while (x + run < qr->width &&
			    (qr->data[y * qr->width + x + run] & 1))
				run++;
			if (run == 0) {
				run = 1;
				continue;
			}
			svg_append(&b, "M%d %dh%dv1h-%dz",
			    x + quiet, y + quiet, run, run);
		}
	}
	svg_append(&b, "\"/></svg>");
	*len = b.len;
	return b.data;
}

int
auth_totp_qr_data_uri(char **out, const char *text, char **cause)
{
	static const char	 prefix[] = "data:image/svg+xml;base64,";
	QRcode			*qr;
	char			*svg, *uri;
	size_t			 svglen, b64len;

	auth_crypto_ensure_init();
	if (*text == '\0') {
		*cause = xstrdup("QR encoding failed: empty text");
		return -1;
	}
	errno = 0;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL) {
		if (errno == ENOMEM)
			abort();
		*cause = xprintf("QR encoding failed: %s", errno == ERANGE ?
		    "text too long for a QR code" : strerror(errno));
		return -1;
	}
	svg = qr_render_svg(qr, &svglen);
	/* The matrix encodes the TOTP secret too. */
	sodium_memzero(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);

	b64len = sodium_base64_ENCODED_LEN(svglen,
	    sodium_base64_VARIANT_ORIGINAL);
	uri = xmalloc(sizeof prefix - 1 + b64len);
	memcpy(uri, prefix, sizeof prefix - 1);
	sodium_bin2base64(uri + sizeof prefix - 1, b64len,
	    (const unsigned char *)svg, svglen, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(svg, svglen);
	free(svg);
	*out = uri;
	return 0;
}

/* --- Recovery codes ------------------------------------------------------- */

static char *
recovery_code_new(void)
{
	unsigned char	 bytes[4];
	char		*code;

	randombytes_buf(bytes, sizeof bytes);
	code = xprintf("%02x%02x-%02x%02x", bytes[0], bytes[1], bytes[2],
	    bytes[3]);
	sodium_memzero(bytes, sizeof bytes);
	return code;
}

char **
auth_recovery_codes_generate(size_t n)
{
	char	**codes;
	size_t	  i, j;
	int	  duplicate;

	auth_crypto_ensure_init();
	codes = xcalloc(n, sizeof *codes);
	for (i = 0; i < n; i++) {
		/* Distinct, so that using one never consumes two slots. */
		do {
			codes[i] = recovery_code_new();
			duplicate = 0;
			for (j = 0; j < i; j++) {
				if (strcmp(codes[i], codes[j]) == 0)
					duplicate = 1;
			}
			if (duplicate)
				auth_secret_free(codes[i]);
		} while (duplicate);
	}
	return codes;
}

void
auth_recovery_codes_free(char **codes, size_t n)
{
	size_t	i;

	if (codes == NULL)
		return;
	for (i = 0; i < n; i++)
		auth_secret_free(codes[i]);
	free(codes);
}

int
auth_recovery_code_normalize(char out[AUTH_RECOVERY_CODE_NORMALIZED_LENGTH + 1],
    const char *input)
{
	size_t	n = 0;
	char	c;

	out[0] = '\0';
	for (; *input != '\0'; input++) {
		c = *input;
		if (c == '-' || c == ' ' || c == '\t' || c == '\r' ||
		    c == '\n')
			continue;
		if (c >= 'A' && c <= 'F')
			c = c - 'A' + 'a';
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) ||
		    n == AUTH_RECOVERY_CODE_NORMALIZED_LENGTH) {
			sodium_memzero(out, n);
			out[0] = '\0';
			return -1;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	if (n != AUTH_RECOVERY_CODE_NORMALIZED_LENGTH) {
		sodium_memzero(out, n);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
auth_recovery_code_hash(char out[AUTH_SHA256_HEX_LENGTH + 1], const char *input)
{
	char	normalized[AUTH_RECOVERY_CODE_NORMALIZED_LENGTH + 1];

	if (auth_recovery_code_normalize(normalized, input) != 0)
		return -1;
	auth_sha256_hex(out, normalized, AUTH_RECOVERY_CODE_NORMALIZED_LENGTH);
	sodium_memzero(normalized, sizeof normalized);
	return 0;
}

int
auth_recovery_code_match(const char *input, const char *const *hashes,
    size_t n)
{
	char	hash[AUTH_SHA256_HEX_LENGTH + 1];
	size_t	i;
	int	found = -1, equal;

	if (auth_recovery_code_hash(hash, input) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (hashes[i] == NULL ||
		    strlen(hashes[i]) != AUTH_SHA256_HEX_LENGTH)
			continue;
		equal = sodium_memcmp(hash, hashes[i],
		    AUTH_SHA256_HEX_LENGTH) == 0;
		if (equal && found == -1)
			found = (int)i;
	}
	return found;
}

/* --- Tokens --------------------------------------------------------------- */

char *
auth_token_generate(void)
{
	unsigned char	 bytes[AUTH_TOKEN_BYTES];
	char		*token;

	auth_crypto_ensure_init();
	randombytes_buf(bytes, sizeof bytes);
	token = xmalloc(AUTH_TOKEN_LENGTH + 1);
	sodium_bin2hex(token, AUTH_TOKEN_LENGTH + 1, bytes, sizeof bytes);
	sodium_memzero(bytes, sizeof bytes);
	return token;
}

int
auth_token_is_wellformed(const char *s)
{
	size_t	i;

	for (i = 0; i < AUTH_TOKEN_LENGTH; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[AUTH_TOKEN_LENGTH] == '\0';
}

void
auth_token_hash(char out[AUTH_SHA256_HEX_LENGTH + 1], const char *token)
{
	auth_sha256_hex(out, token, strlen(token));
}
