/* multipart/form-data parsing and upload naming. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "multipart.h"
#include "uploads.h"

static const char body[] =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
    "hello\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"image\"; filename=\"a b.png\"\r\n"
    "Content-Type: image/png\r\n\r\n"
    "\x89PNG\r\n\x1a\nDATA\r\n"
    "--XyZ--\r\n";

static void
test_finds_file_part(void **state)
{
	struct multipart_part p;

	assert_int_equal(multipart_find("multipart/form-data; boundary=XyZ", body,
	    sizeof body - 1, "image", &p), 0);
	assert_string_equal(p.filename, "a b.png");
	assert_string_equal(p.content_type, "image/png");
	assert_int_equal(p.len, 12);
	assert_memory_equal(p.data, "\x89PNG\r\n\x1a\nDATA", 12);
	assert_null(upload_check_image("image/png", p.data, p.len));
	multipart_part_free(&p);
}

static void
test_missing_and_malformed(void **state)
{
	struct multipart_part p;

	assert_int_equal(multipart_find("multipart/form-data; boundary=XyZ", body,
	    sizeof body - 1, "video", &p), 1);
	assert_int_equal(multipart_find("application/json", body, sizeof body - 1,
	    "image", &p), -1);
	assert_int_equal(multipart_find("multipart/form-data", body,
	    sizeof body - 1, "image", &p), -1);
	assert_int_equal(multipart_find("multipart/form-data; boundary=XyZ",
	    "--XyZ\r\nbroken", 14, "image", &p), -1);
}

static void
test_sanitize(void **state)
{
	char *n;

	n = upload_sanitize_name("my pic (1).png");
	assert_string_equal(n, "my_pic__1_.png");
	free(n);
	n = upload_sanitize_name("../../..evil.png");
	assert_string_equal(n, "evil.png");
	free(n);
	n = upload_sanitize_name("C:\\x\\shot...png");
	assert_string_equal(n, "shot.png");
	free(n);
	n = upload_sanitize_name("");
	assert_string_equal(n, "image");
	free(n);
}

static void
test_magic(void **state)
{
	assert_null(upload_check_image("image/jpeg", "\xff\xd8\xff\xe0", 4));
	assert_non_null(upload_check_image("image/jpeg", "GIF89a", 6));
	assert_null(upload_check_image("image/gif", "GIF89a..", 8));
	assert_null(upload_check_image("image/webp", "RIFF....WEBPVP8 ", 16));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_file_part),
		cmocka_unit_test(test_missing_and_malformed),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_magic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
