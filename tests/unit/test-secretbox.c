/*
 * Unit tests for agentd/secretbox.c: the key file (creation, mode, reuse,
 * refusal of damaged or hostile files) and encryption round trips, including
 * tamper detection.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "secretbox.h"
#include "xmalloc.h"

struct fixture {
	char	*dir;
	char	*path;
};

static int
setup_dir(void **state)
{
	struct fixture	*f;
	const char	*tmpdir = getenv("TMPDIR");

	f = xcalloc(1, sizeof *f);
	f->dir = xprintf("%s/test-secretbox.XXXXXX",
	    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->path = xprintf("%s/%s", f->dir, SECRETBOX_KEY_FILE);
	*state = f;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fixture	*f = *state;
	struct dirent	*de;
	DIR		*d;
	char		*p;

	d = opendir(f->dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			p = xprintf("%s/%s", f->dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static int
count_entries(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static struct secretbox_key *
load_key(const char *dir)
{
	struct secretbox_key	*key = NULL;
	char			*cause = NULL;

	if (secretbox_key_load_or_create(&key, dir, &cause) != 0) {
		fprintf(stderr, "load: %s\n", cause);
		free(cause);
		fail();
	}
	assert_non_null(key);
	return key;
}

static void
expect_load_error(const char *dir, const char *needle)
{
	struct secretbox_key	*key = (struct secretbox_key *)1;
	char			*cause = NULL;

	assert_int_equal(secretbox_key_load_or_create(&key, dir, &cause), -1);
	assert_null(key);
	assert_non_null(cause);
	assert_non_null(strstr(cause, needle));
	free(cause);
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *
decrypt_ok(const struct secretbox_key *key, const char *encoded,
    size_t *len)
{
	void	*out = NULL;
	char	*cause = NULL;

	if (secretbox_decrypt(&out, len, key, encoded, &cause) != 0) {
		fprintf(stderr, "decrypt: %s\n", cause);
		free(cause);
		fail();
	}
	return out;
}

static void
expect_decrypt_error(const struct secretbox_key *key, const char *encoded,
    const char *needle)
{
	void	*out = (void *)1;
	size_t	 len = 99;
	char	*cause = NULL;

	assert_int_equal(secretbox_decrypt(&out, &len, key, encoded, &cause),
	    -1);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(cause);
	assert_non_null(strstr(cause, needle));
	free(cause);
}

static void
test_key_file_created_0600(void **state)
{
	struct fixture		*f = *state;
	struct secretbox_key	*key;
	struct stat		 sb;
	mode_t			 old;

	/* Even a umask that would leave the file unreadable to us. */
	old = umask(0777);
	key = load_key(f->dir);
	umask(old);

	assert_int_equal(lstat(f->path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_size, SECRETBOX_KEY_BYTES);
	/* No temporary file is left behind. */
	assert_int_equal(count_entries(f->dir), 1);
	secretbox_key_free(key);
	secretbox_key_free(NULL);
}

static void
test_key_file_reused(void **state)
{
	struct fixture		*f = *state;
	struct secretbox_key	*first, *second;
	char			*encoded, *plain;
	size_t			 len;

	first = load_key(f->dir);
	encoded = secretbox_encrypt(first, "survives a restart", 18);
	secretbox_key_free(first);

	second = load_key(f->dir);
	plain = decrypt_ok(second, encoded, &len);
	assert_int_equal(len, 18);
	assert_string_equal(plain, "survives a restart");
	secretbox_plaintext_free(plain, len);
	secretbox_key_free(second);
	free(encoded);
}

static void
test_key_file_loose_mode_tightened(void **state)
{
	struct fixture		*f = *state;
	struct secretbox_key	*key, *expected;
	unsigned char		 bytes[SECRETBOX_KEY_BYTES];
	struct stat		 sb;
	char			*encoded, *plain;
	size_t			 len;

	memset(bytes, 0x42, sizeof bytes);
	write_file(f->path, bytes, sizeof bytes, 0644);
	key = load_key(f->dir);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);

	/* The file's bytes are the key. */
	expected = secretbox_key_from_bytes(bytes);
	encoded = secretbox_encrypt(expected, "x", 1);
	plain = decrypt_ok(key, encoded, &len);
	assert_string_equal(plain, "x");
	secretbox_plaintext_free(plain, len);
	free(encoded);
	secretbox_key_free(expected);
	secretbox_key_free(key);
}

static void
test_key_file_refusals(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 bytes[SECRETBOX_KEY_BYTES + 1];
	char		*missing, *target, *file;
	struct stat	 sb;

	missing = xprintf("%s/missing", f->dir);
	expect_load_error(missing, "missing");
	free(missing);

	file = xprintf("%s/plainfile", f->dir);
	write_file(file, "x", 1, 0600);
	expect_load_error(file, "not a directory");
	unlink(file);
	free(file);

	/* Wrong sizes are errors and the file is left as it was. */
	memset(bytes, 7, sizeof bytes);
	write_file(f->path, bytes, SECRETBOX_KEY_BYTES - 1, 0600);
	expect_load_error(f->dir, "expected 32");
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_size, SECRETBOX_KEY_BYTES - 1);
	write_file(f->path, bytes, SECRETBOX_KEY_BYTES + 1, 0600);
	expect_load_error(f->dir, "expected 32");
	write_file(f->path, bytes, 0, 0600);
	expect_load_error(f->dir, "expected 32");
	unlink(f->path);

	/* A symlink in place of the key file is not followed. */
	target = xprintf("%s/elsewhere", f->dir);
	write_file(target, bytes, SECRETBOX_KEY_BYTES, 0600);
	assert_int_equal(symlink(target, f->path), 0);
	expect_load_error(f->dir, SECRETBOX_KEY_FILE);
	unlink(f->path);
	/* A dangling one neither: creation must not write through it. */
	unlink(target);
	assert_int_equal(symlink(target, f->path), 0);
	expect_load_error(f->dir, SECRETBOX_KEY_FILE);
	assert_int_equal(lstat(target, &sb), -1);
	unlink(f->path);
	free(target);

	/* A directory in its place. */
	assert_int_equal(mkdir(f->path, 0700), 0);
	expect_load_error(f->dir, "not a regular file");
	rmdir(f->path);
}

static void
test_round_trip(void **state)
{
	struct fixture		*f = *state;
	struct secretbox_key	*key;
	unsigned char		*big;
	const unsigned char	 binary[] = { 0, 1, 2, 0, 255, 0 };
	char			*encoded, *encoded2, *plain;
	size_t			 len, i;

	key = load_key(f->dir);

	/* Text. */
	encoded = secretbox_encrypt(key, "{\"API_TOKEN\":\"abc\"}", 19);
	assert_null(strstr(encoded, "API_TOKEN"));
	plain = decrypt_ok(key, encoded, &len);
	assert_int_equal(len, 19);
	assert_string_equal(plain, "{\"API_TOKEN\":\"abc\"}");
	secretbox_plaintext_free(plain, len);

	/* A fresh nonce every time: the same plaintext never repeats. */
	encoded2 = secretbox_encrypt(key, "{\"API_TOKEN\":\"abc\"}", 19);
	assert_string_not_equal(encoded, encoded2);
	free(encoded);
	free(encoded2);

	/* Empty. */
	encoded = secretbox_encrypt(key, "", 0);
	plain = decrypt_ok(key, encoded, &len);
	assert_int_equal(len, 0);
	assert_string_equal(plain, "");
	secretbox_plaintext_free(plain, len);
	free(encoded);

	/* Binary with NULs. */
	encoded = secretbox_encrypt(key, binary, sizeof binary);
	plain = decrypt_ok(key, encoded, &len);
	assert_int_equal(len, sizeof binary);
	assert_memory_equal(plain, binary, sizeof binary);
	secretbox_plaintext_free(plain, len);
	free(encoded);

	/* Large. */
	big = xmalloc(300000);
	for (i = 0; i < 300000; i++)
		big[i] = (unsigned char)(i * 7);
	encoded = secretbox_encrypt(key, big, 300000);
	plain = decrypt_ok(key, encoded, &len);
	assert_int_equal(len, 300000);
	assert_memory_equal(plain, big, 300000);
	secretbox_plaintext_free(plain, len);
	free(encoded);
	free(big);

	secretbox_plaintext_free(NULL, 0);
	secretbox_key_free(key);
}

/* Flips one bit of the decoded blob at offset and re-encodes it. */
static char *
tamper(const char *encoded, size_t offset)
{
	unsigned char	*bin;
	char		*out;
	size_t		 binlen, max = strlen(encoded), outlen;

	bin = xmalloc(max);
	assert_int_equal(sodium_base642bin(bin, max, encoded, strlen(encoded),
	    NULL, &binlen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_true(offset < binlen);
	bin[offset] ^= 0x01;
	outlen = sodium_base64_ENCODED_LEN(binlen,
	    sodium_base64_VARIANT_ORIGINAL);
	out = xmalloc(outlen);
	sodium_bin2base64(out, outlen, bin, binlen,
	    sodium_base64_VARIANT_ORIGINAL);
	free(bin);
	return out;
}

static void
test_tamper_detected(void **state)
{
	struct fixture		*f = *state;
	struct secretbox_key	*key, *other;
	unsigned char		 other_bytes[SECRETBOX_KEY_BYTES];
	const size_t		 offsets[] = { 0, 23, 24, 39, 40, 45 };
	char			*encoded, *bad;
	size_t			 i;

	key = load_key(f->dir);
	encoded = secretbox_encrypt(key, "GEZDGNBVGY", 10);

	/* Nonce (0-23), MAC (24-39), ciphertext (40-49). */
	for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		bad = tamper(encoded, offsets[i]);
		expect_decrypt_error(key, bad, "wrong key or altered data");
		free(bad);
	}

	/* Truncated: still base64, but the MAC no longer fits. */
	bad = xstrdup(encoded);
	bad[strlen(bad) - 4] = '\0';
	expect_decrypt_error(key, bad, "wrong key or altered data");
	free(bad);
	expect_decrypt_error(key, "AAAA", "too short");
	expect_decrypt_error(key, "", "too short");

	/* Not base64. */
	expect_decrypt_error(key, "not base64!", "not valid base64");
	bad = xprintf("%s\n", encoded);
	expect_decrypt_error(key, bad, "not valid base64");
	free(bad);

	/* Another key. */
	memset(other_bytes, 0x11, sizeof other_bytes);
	other = secretbox_key_from_bytes(other_bytes);
	expect_decrypt_error(other, encoded, "wrong key or altered data");
	secretbox_key_free(other);

	/* A blob written by the reference implementation. */
	expect_decrypt_error(key, "{\"iv\":\"000000000000000000000000\","
	    "\"tag\":\"00000000000000000000000000000000\","
	    "\"ciphertext\":\"00\"}", "CodePiper 0.2.1");

	free(encoded);
	secretbox_key_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_file_created_0600,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_key_file_reused,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(
		    test_key_file_loose_mode_tightened,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_key_file_refusals,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_round_trip,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_tamper_detected,
		    setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
