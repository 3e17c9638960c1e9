/*
 * Encryption at rest with crypto_secretbox and the key file that goes with
 * it. See secretbox.h for the contract and docs/security.md for the choices.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "secretbox.h"
#include "xmalloc.h"

struct secretbox_key {
	unsigned char	bytes[SECRETBOX_KEY_BYTES];
};

#define SECRETBOX_HEADER_BYTES	(crypto_secretbox_NONCEBYTES + \
				 crypto_secretbox_MACBYTES)

/* Reads exactly len bytes; -1 with errno on error or early end of file. */
static int
read_full(int fd, unsigned char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_full(int fd, const unsigned char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Loads an existing key file. Returns 0 and fills key, 1 if the file does not
 * exist, -1 with *cause otherwise. O_NOFOLLOW: the key file is ours, a
 * symlink there means someone is trying to point us at another file.
 */
static int
key_file_load(unsigned char key[SECRETBOX_KEY_BYTES], const char *path,
    char **cause)
{
	struct stat	sb;
	int		fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 1;
		*cause = xprintf("open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0) {
		*cause = xprintf("stat %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		*cause = xprintf("%s is not a regular file", path);
		goto fail;
	}
	if (sb.st_size != SECRETBOX_KEY_BYTES) {
		/* Never "repair" it: a new key would orphan every secret. */
		*cause = xprintf("%s holds %lld bytes, expected %d", path,
		    (long long)sb.st_size, SECRETBOX_KEY_BYTES);
		goto fail;
	}
	if ((sb.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
		*cause = xprintf("chmod 0600 %s: %s", path, strerror(errno));
		goto fail;
	}
	if (read_full(fd, key, SECRETBOX_KEY_BYTES) != 0) {
		*cause = xprintf("read %s: %s", path, strerror(errno));
		sodium_memzero(key, SECRETBOX_KEY_BYTES);
		goto fail;
	}
	close(fd);
	return 0;

fail:
	close(fd);
	return -1;
}

/*
 * Writes a new key to a private temporary file and links it to path. link()
 * rather than rename(): rename would silently replace a key another process
 * created in the meantime (and may already have used), link fails with EEXIST
 * instead. Returns 0 on success, 1 if path appeared meanwhile, -1 with *cause.
 */
static int
key_file_create(const unsigned char key[SECRETBOX_KEY_BYTES], const char *dir,
    const char *path, char **cause)
{
	char	*tmp;
	int	 fd, dirfd, rc = -1;

	tmp = xprintf("%s/.%s.tmp-%ld-%08x", dir, SECRETBOX_KEY_FILE,
	    (long)getpid(), (unsigned)randombytes_random());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		*cause = xprintf("create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* The umask may have removed bits we need, never added any. */
	if (fchmod(fd, 0600) != 0 ||
	    write_full(fd, key, SECRETBOX_KEY_BYTES) != 0 || fsync(fd) != 0) {
		*cause = xprintf("write %s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) != 0) {
		*cause = xprintf("close %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) != 0) {
		if (errno == EEXIST)
			rc = 1;
		else
			*cause = xprintf("link %s: %s", path, strerror(errno));
		goto out;
	}
	/* Make the new directory entry durable: losing it loses the key. */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd != -1) {
		fsync(dirfd);
		close(dirfd);
	}
	rc = 0;

out:
	unlink(tmp);
	free(tmp);
	return rc;
}

int
secretbox_key_load_or_create(struct secretbox_key **out, const char *dir,
    char **cause)
{
	unsigned char	 key[SECRETBOX_KEY_BYTES];
	struct stat	 sb;
	char		*path;
	int		 rc, attempt;

	*out = NULL;
	if (sodium_init() < 0) {
		*cause = xstrdup("cannot initialise libsodium");
		return -1;
	}
	if (stat(dir, &sb) != 0) {
		*cause = xprintf("key directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		*cause = xprintf("key directory %s is not a directory", dir);
		return -1;
	}
	path = xprintf("%s/%s", dir, SECRETBOX_KEY_FILE);

	/*
	 * Two rounds: if creation loses a race to another process, the second
	 * round loads the winner's key.
	 */
	for (attempt = 0; attempt < 2; attempt++) {
		rc = key_file_load(key, path, cause);
		if (rc == 0)
			break;
		if (rc < 0)
			goto fail;
		randombytes_buf(key, sizeof key);
		rc = key_file_create(key, dir, path, cause);
		if (rc == 0)
			break;
		sodium_memzero(key, sizeof key);
		if (rc < 0)
			goto fail;
	}
	if (rc != 0) {
		*cause = xprintf("%s keeps changing while being created", path);
		goto fail;
	}

	*out = secretbox_key_from_bytes(key);
	sodium_memzero(key, sizeof key);
	free(path);
	return 0;

fail:
	sodium_memzero(key, sizeof key);
	free(path);
	return -1;
}

struct secretbox_key *
secretbox_key_from_bytes(const unsigned char bytes[SECRETBOX_KEY_BYTES])
{
	struct secretbox_key	*key;

	key = xmalloc(sizeof *key);
	memcpy(key->bytes, bytes, SECRETBOX_KEY_BYTES);
	return key;
}

void
secretbox_key_free(struct secretbox_key *key)
{
	if (key == NULL)
		return;
	sodium_memzero(key, sizeof *key);
	free(key);
}

char *
secretbox_encrypt(const struct secretbox_key *key, const void *plaintext,
    size_t len)
{
	unsigned char	*box;
	char		*encoded;
	size_t		 boxlen, encodedlen;

	if (len > SIZE_MAX / 2 - SECRETBOX_HEADER_BYTES)
		abort();
	boxlen = SECRETBOX_HEADER_BYTES + len;
	box = xmalloc(boxlen);
	/* 24 random bytes: collisions are negligible, no counter to keep. */
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plaintext, len,
	    box, key->bytes);

	encodedlen = sodium_base64_ENCODED_LEN(boxlen,
	    sodium_base64_VARIANT_ORIGINAL);
	encoded = xmalloc(encodedlen);
	sodium_bin2base64(encoded, encodedlen, box, boxlen,
	    sodium_base64_VARIANT_ORIGINAL);
	free(box);
	return encoded;
}

int
secretbox_decrypt(void **out, size_t *outlen, const struct secretbox_key *key,
    const char *encoded, char **cause)
{
	unsigned char	*box, *plaintext;
	const char	*end;
	size_t		 len, boxlen, maxlen;

	*out = NULL;
	*outlen = 0;

	/* The reference stores {"iv":…,"tag":…,"ciphertext":…} (AES-GCM). */
	if (encoded[0] == '{') {
		*cause = xstrdup("value was encrypted by CodePiper 0.2.1 "
		    "(AES-256-GCM), which this build cannot read");
		return -1;
	}

	len = strlen(encoded);
	maxlen = len / 4 * 3 + 3;
	box = xmalloc(maxlen);
	if (sodium_base642bin(box, maxlen, encoded, len, NULL, &boxlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || *end != '\0') {
		*cause = xstrdup("encrypted value is not valid base64");
		free(box);
		return -1;
	}
	if (boxlen < SECRETBOX_HEADER_BYTES) {
		*cause = xprintf("encrypted value is too short (%zu bytes)",
		    boxlen);
		free(box);
		return -1;
	}

	len = boxlen - SECRETBOX_HEADER_BYTES;
	plaintext = xmalloc(len + 1);
	if (crypto_secretbox_open_easy(plaintext,
	    box + crypto_secretbox_NONCEBYTES,
	    boxlen - crypto_secretbox_NONCEBYTES, box, key->bytes) != 0) {
		*cause = xstrdup("decryption failed: "
		    "wrong key or altered data");
		secretbox_plaintext_free(plaintext, len);
		free(box);
		return -1;
	}
	plaintext[len] = '\0';
	free(box);
	*out = plaintext;
	*outlen = len;
	return 0;
}

void
secretbox_plaintext_free(void *plaintext, size_t len)
{
	if (plaintext == NULL)
		return;
	sodium_memzero(plaintext, len);
	free(plaintext);
}
