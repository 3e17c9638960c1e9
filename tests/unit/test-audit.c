/*
 * The audit chain's pure parts: the canonical form of a row and the hash
 * that links it to the one before (vectors computed independently with
 * Python's json and hashlib).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit.h"

static void
test_canonical(void **state)
{
	char	*c;

	c = audit_canonical("s1", 1700000000000LL, "Bash", "{\"command\":\"ls\"}",
	    "allow", "ok", "p1", "r1");
	assert_string_equal(c, "[\"v1\",\"s1\",1700000000000,\"Bash\","
	    "\"{\\\"command\\\":\\\"ls\\\"}\",\"allow\",\"ok\",\"p1\",\"r1\"]");
	free(c);
	/* NULL columns are JSON nulls, so "no reason" differs from "". */
	c = audit_canonical("s1", 1700000000001LL, "unknown", "{}", "ask", NULL,
	    NULL, NULL);
	assert_string_equal(c, "[\"v1\",\"s1\",1700000000001,\"unknown\",\"{}\","
	    "\"ask\",null,null,null]");
	free(c);
	c = audit_canonical("s1", 5, "Bash", "{}", "deny", "caf\xc3\xa9", NULL,
	    NULL);
	assert_string_equal(c, "[\"v1\",\"s1\",5,\"Bash\",\"{}\",\"deny\","
	    "\"caf\xc3\xa9\",null,null]");
	free(c);
}

static void
test_chain(void **state)
{
	char	 h1[AUDIT_HASH_LEN], h2[AUDIT_HASH_LEN], *c;

	c = audit_canonical("s1", 1700000000000LL, "Bash", "{\"command\":\"ls\"}",
	    "allow", "ok", "p1", "r1");
	audit_hash(NULL, c, h1);
	free(c);
	assert_string_equal(h1,
	    "b41136bf8dad8f244945190197e198193ff8ce3af4d96275416fc7fd7814ff0b");
	c = audit_canonical("s1", 1700000000001LL, "unknown", "{}", "ask", NULL,
	    NULL, NULL);
	audit_hash(h1, c, h2);
	assert_string_equal(h2,
	    "473dfe63a7a8727788287460d5d4c20fcfc7b46009877b21033e5cc20fece94f");
	/* The same row after another predecessor hashes differently. */
	audit_hash("", c, h2);
	assert_string_not_equal(h2,
	    "473dfe63a7a8727788287460d5d4c20fcfc7b46009877b21033e5cc20fece94f");
	free(c);
}

static void
test_any_field_changes_the_hash(void **state)
{
	char	 base[AUDIT_HASH_LEN], other[AUDIT_HASH_LEN], *c;

	c = audit_canonical("s", 1, "Bash", "{}", "deny", "r", "p", "x");
	audit_hash("prev", c, base);
	free(c);
#define DIFFERS(...) do {						\
	c = audit_canonical(__VA_ARGS__);				\
	audit_hash("prev", c, other);					\
	free(c);							\
	assert_string_not_equal(base, other);				\
} while (0)
	DIFFERS("t", 1, "Bash", "{}", "deny", "r", "p", "x");
	DIFFERS("s", 2, "Bash", "{}", "deny", "r", "p", "x");
	DIFFERS("s", 1, "Read", "{}", "deny", "r", "p", "x");
	DIFFERS("s", 1, "Bash", "{\"a\":1}", "deny", "r", "p", "x");
	DIFFERS("s", 1, "Bash", "{}", "allow", "r", "p", "x");
	DIFFERS("s", 1, "Bash", "{}", "deny", NULL, "p", "x");
	DIFFERS("s", 1, "Bash", "{}", "deny", "r", NULL, "x");
	DIFFERS("s", 1, "Bash", "{}", "deny", "r", "p", NULL);
#undef DIFFERS
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_any_field_changes_the_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
