/* Key names of POST /sessions/:id/keys to tmux key names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "keys.h"

static void
expect_key(const char *name, const char *want)
{
	char *got = key_to_tmux(name);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_named_keys(void **state)
{
	expect_key("enter", "Enter");
	expect_key("ENTER", "Enter");
	expect_key(" esc ", "Escape");
	expect_key("escape", "Escape");
	expect_key("tab", "Tab");
	expect_key("shift+tab", "BTab");
	expect_key("backspace", "BSpace");
	expect_key("delete", "DC");
	expect_key("insert", "IC");
	expect_key("up", "Up");
	expect_key("PageDown", "PageDown");
	expect_key("home", "Home");
	expect_key("f1", "F1");
	expect_key("F12", "F12");
}

static void
test_modifiers(void **state)
{
	expect_key("ctrl+c", "C-c");
	expect_key("Ctrl+C", "C-c");
	expect_key("ctrl+space", "C-Space");
	expect_key("ctrl+enter", "C-Enter");
	expect_key("alt+x", "M-x");
	expect_key("alt+X", "M-X");
	expect_key("alt+left", "M-Left");
}

static void
test_letters_keep_case(void **state)
{
	expect_key("a", "a");
	expect_key("X", "X");
	expect_key("space", "Space");
	expect_key("bogus", "bogus");
	expect_key("ABC", "abc");
}

static void
test_empty(void **state)
{
	assert_null(key_to_tmux(""));
	assert_null(key_to_tmux("   "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_keys),
		cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_letters_keep_case),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
