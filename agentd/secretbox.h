/*
 * secretbox: encryption at rest for the secrets agentd keeps in SQLite (the
 * TOTP secret, the recovery-code hashes, env-set variables), with libsodium's
 * crypto_secretbox (XSalsa20-Poly1305, a fresh random 24-byte nonce per
 * message).
 *
 * It owns the 32-byte key file SECRETBOX_KEY_FILE in a directory the caller
 * chooses (the data directory): created once, mode 0600, never rewritten.
 * Losing that file makes every encrypted value unreadable; it must be backed
 * up with the database (docs/security.md).
 *
 * Stored form: base64 (RFC 4648, padded) of nonce || MAC || ciphertext.
 *
 * Memory: a struct secretbox_key is the caller's, freed (and zeroed) with
 * secretbox_key_free(). secretbox_encrypt() returns a string the caller
 * free()s (it is ciphertext, nothing to zero). secretbox_decrypt() hands back
 * plaintext the caller releases with secretbox_plaintext_free(), which zeroes
 * it. A cause is a heap string for the log, free()d by the caller; it never
 * contains key or plaintext bytes.
 *
 * Threads: a loaded key is read-only, so any number of threads may encrypt
 * and decrypt with it at once.
 */
#ifndef CODEPIPER_SECRETBOX_H
#define CODEPIPER_SECRETBOX_H

#include <stddef.h>

#define SECRETBOX_KEY_FILE	"secretbox.key"
#define SECRETBOX_KEY_BYTES	32

struct secretbox_key;

/*
 * Reads dir/SECRETBOX_KEY_FILE, or creates it with a new random key if it
 * does not exist. Creation is atomic and never replaces a key: the bytes go to
 * a temporary file opened O_CREAT|O_EXCL with mode 0600, which is then linked
 * into place; if another process got there first its key is loaded instead.
 * An existing file whose mode is not 0600 is chmod-ed to 0600. Fails with -1
 * and *cause if dir does not exist, the file is a symlink or not a regular
 * file, or it does not hold exactly 32 bytes (it is then left untouched).
 */
int	 secretbox_key_load_or_create(struct secretbox_key **out,
	    const char *dir, char **cause);

/* A key from 32 raw bytes (tests, and importing a key kept elsewhere). */
struct secretbox_key *secretbox_key_from_bytes(
	    const unsigned char bytes[SECRETBOX_KEY_BYTES]);

void	 secretbox_key_free(struct secretbox_key *key);

/* Encrypts len bytes; returns the base64 stored form. Cannot fail. */
char	*secretbox_encrypt(const struct secretbox_key *key,
	    const void *plaintext, size_t len);

/*
 * Decrypts the stored form. Returns 0 with *out (len + 1 bytes, NUL-terminated
 * so text can be used as a string) and *outlen (without the NUL). Returns -1
 * and *cause if encoded is not base64, is too short, was written by CodePiper
 * 0.2.1 (its AES-256-GCM JSON blob), or fails authentication (wrong key or
 * altered data); *out is then NULL.
 */
int	 secretbox_decrypt(void **out, size_t *outlen,
	    const struct secretbox_key *key, const char *encoded, char **cause);

/* Zeroes len bytes of a decrypted plaintext, then frees it. NULL is ignored. */
void	 secretbox_plaintext_free(void *plaintext, size_t len);

#endif
