/*
 * Unit tests for shell-split: how a Bash command line is cut into the simple
 * commands the policy engine judges one by one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shell-split.h"
#include "xmalloc.h"

#define END	NULL

/* Split command and compare with the expected parts (NULL-terminated). */
static void
expect_parts(const char *command, ...)
{
	va_list		 ap;
	const char	*want;
	char		**parts;
	size_t		 count, i = 0;

	if (shell_split(command, &parts, &count) != 0)
		fail_msg("shell_split failed for: %s", command);
	va_start(ap, command);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= count)
			fail_msg("%s: missing part %zu (%s)", command, i, want);
		if (strcmp(parts[i], want) != 0) {
			fail_msg("%s: part %zu is [%s], want [%s]", command, i,
			    parts[i], want);
		}
		i++;
	}
	va_end(ap);
	if (i != count)
		fail_msg("%s: %zu parts, want %zu", command, count, i);
	shell_split_free(parts, count);
}

static void
expect_failure(const char *command)
{
	char	**parts = (char **)1;
	size_t	  count = 99;

	if (shell_split(command, &parts, &count) != -1)
		fail_msg("shell_split should fail for: %s", command);
	assert_null(parts);
	assert_int_equal(count, 0);
}

static void
test_simple_command(void **state)
{
	expect_parts("ls -la", "ls -la", END);
	expect_parts("  git status  ", "git status", END);
	expect_parts("", END);
	expect_parts("   \t ", END);
	expect_parts("; ;", END);
}

static void
test_operators(void **state)
{
	expect_parts("a && b", "a", "b", END);
	expect_parts("a || b", "a", "b", END);
	expect_parts("a; b;c", "a", "b", "c", END);
	expect_parts("a | b", "a", "b", END);
	expect_parts("a |& b", "a", "b", END);
	expect_parts("a & b &", "a", "b", END);
	expect_parts("a\nb\n\nc", "a", "b", "c", END);
	expect_parts("a;;b", "a", "b", END);
	expect_parts("a&&b||c|d;e&f", "a", "b", "c", "d", "e", "f", END);
}

static void
test_quotes_do_not_split(void **state)
{
	expect_parts("echo 'a && b' && c", "echo 'a && b'", "c", END);
	expect_parts("echo \"a || b; c | d\"", "echo \"a || b; c | d\"", END);
	expect_parts("echo \"it's\" | wc", "echo \"it's\"", "wc", END);
	expect_parts("echo 'say \"hi\"; bye'", "echo 'say \"hi\"; bye'", END);
	expect_parts("echo $'a\\'b && c' && d", "echo $'a\\'b && c'", "d", END);
	expect_parts("echo \"a \\\" && b\"", "echo \"a \\\" && b\"", END);
}

static void
test_backslash_escapes(void **state)
{
	expect_parts("find . -exec rm {} \\; && ls",
	    "find . -exec rm {} \\;", "ls", END);
	expect_parts("echo a\\&\\&b", "echo a\\&\\&b", END);
	expect_parts("echo a\\|b", "echo a\\|b", END);
	/* \> is a literal, so the & after it sends echo to the background. */
	expect_parts("echo \\>& ls", "echo \\>", "ls", END);
}

static void
test_redirections_are_not_separators(void **state)
{
	expect_parts("make 2>&1 | tee log", "make 2>&1", "tee log", END);
	expect_parts("a &> f & b", "a &> f", "b", END);
	expect_parts("a &>> f", "a &>> f", END);
	expect_parts("a >& f", "a >& f", END);
	expect_parts("a <&3", "a <&3", END);
	expect_parts("a >| f", "a >| f", END);
	expect_parts("cat <<< word", "cat <<< word", END);
}

static void
test_command_substitution(void **state)
{
	expect_parts("echo $(rm -rf /)", "echo $(rm -rf /)", "rm -rf /", END);
	expect_parts("echo $(a && echo $(b))",
	    "echo $(a && echo $(b))", "a", "echo $(b)", "b", END);
	expect_parts("echo \"$(rm -rf /)\"", "echo \"$(rm -rf /)\"",
	    "rm -rf /", END);
	expect_parts("x=$(whoami); echo $x", "x=$(whoami)", "whoami",
	    "echo $x", END);
	expect_parts("echo ${HOME:-$(id)}", "echo ${HOME:-$(id)}", "id", END);
	expect_parts("echo $(echo ')')", "echo $(echo ')')", "echo ')'", END);
}

static void
test_backticks(void **state)
{
	expect_parts("echo `id`", "echo `id`", "id", END);
	expect_parts("echo `a; b` && c", "echo `a; b`", "a", "b", "c", END);
	expect_parts("echo \"`id`\"", "echo \"`id`\"", "id", END);
	expect_parts("echo `echo \\`id\\``", "echo `echo \\`id\\``",
	    "echo `id`", "id", END);
}

static void
test_subshells_and_groups(void **state)
{
	expect_parts("(cd /tmp && ls) > out", "cd /tmp", "ls", END);
	expect_parts("(a; (b | c))", "a", "b", "c", END);
	expect_parts("{ ls; pwd; } > out", "ls", "pwd", END);
	expect_parts("diff <(ls a) <(ls b)", "diff <(ls a) <(ls b)", "ls a",
	    "ls b", END);
	expect_parts("tee >(gzip > f)", "tee >(gzip > f)", "gzip > f", END);
	/* A function body is looked at even though nothing calls it yet. */
	expect_parts("f() { rm -rf /; }; f", "f()", "rm -rf /", "f", END);
	/* Arithmetic is taken conservatively as a subshell. */
	expect_parts("echo $((1+2))", "echo $((1+2))", "1+2", END);
}

static void
test_shell_dash_c(void **state)
{
	expect_parts("bash -c 'rm -rf / && x'", "bash -c 'rm -rf / && x'",
	    "rm -rf /", "x", END);
	expect_parts("sh -c \"ls; pwd\"", "sh -c \"ls; pwd\"", "ls", "pwd", END);
	expect_parts("bash -lc 'make test'", "bash -lc 'make test'",
	    "make test", END);
	expect_parts("zsh -ic 'a|b'", "zsh -ic 'a|b'", "a", "b", END);
	expect_parts("/bin/bash -c 'id'", "/bin/bash -c 'id'", "id", END);
	expect_parts("bash -o pipefail -c 'a | b'",
	    "bash -o pipefail -c 'a | b'", "a", "b", END);
	expect_parts("bash --norc -c id", "bash --norc -c id", "id", END);
	expect_parts("sudo -u root sh -c 'whoami'", "sudo -u root sh -c 'whoami'",
	    "whoami", END);
	expect_parts("env A=1 bash -c 'x && y'", "env A=1 bash -c 'x && y'", "x",
	    "y", END);
	expect_parts("FOO=1 bash -c \"id\"", "FOO=1 bash -c \"id\"", "id", END);
	expect_parts("bash -c \"echo \\\"a && b\\\"\"",
	    "bash -c \"echo \\\"a && b\\\"\"", "echo \"a && b\"", END);
	expect_parts("eval 'rm -rf /; ls'", "eval 'rm -rf /; ls'", "rm -rf /",
	    "ls", END);
	/* Not a command string: a script and its arguments. */
	expect_parts("bash script.sh -c x", "bash script.sh -c x", END);
	expect_parts("bash -x script.sh", "bash -x script.sh", END);
}

static void
test_reserved_words(void **state)
{
	expect_parts("if [ -f x ]; then rm x; fi", "[ -f x ]", "rm x", END);
	expect_parts("while read l; do echo $l; done < f", "read l", "echo $l",
	    END);
	expect_parts("for f in *.c; do cc -c $f; done", "for f in *.c",
	    "cc -c $f", END);
	expect_parts("! grep -q x f", "grep -q x f", END);
	expect_parts("if a; then b; else c; fi", "a", "b", "c", END);
	/* Only a closing word with redirections is dropped. */
	expect_parts("x { } rm -rf /", "x", "} rm -rf /", END);
	expect_parts("ifconfig; done2", "ifconfig", "done2", END);
}

static void
test_comments(void **state)
{
	expect_parts("ls # && rm -rf /", "ls", END);
	expect_parts("# note\ngit status", "git status", END);
	expect_parts("echo a#b; c", "echo a#b", "c", END);
	expect_parts("echo '#'; c", "echo '#'", "c", END);
	expect_parts("echo \\#x; c", "echo \\#x", "c", END);
	expect_parts("ls # it's fine", "ls", END);
}

static void
test_unbalanced_input_fails(void **state)
{
	expect_failure("echo \"unterminated");
	expect_failure("echo 'unterminated");
	expect_failure("echo `id");
	expect_failure("echo $(id");
	expect_failure("(cd /tmp");
	expect_failure("ls )");
	expect_failure("echo ${x");
	expect_failure("echo $'x");
	expect_failure("ls \\");
	expect_failure("bash -c 'echo \"x'");
	expect_failure(NULL);
}

static void
test_heredoc_is_refused(void **state)
{
	expect_failure("cat <<EOF\nhi\nEOF");
	expect_failure("git commit -m \"$(cat <<'EOF'\nmsg\nEOF\n)\"");
	expect_failure("cat <<-EOF\n\tx\n\tEOF");
}

static void
test_nesting_limit(void **state)
{
	char	 deep[256] = "", *p = deep;
	int	 i;

	for (i = 0; i < 20; i++)
		p += sprintf(p, "$(");
	p += sprintf(p, "id");
	for (i = 0; i < 20; i++)
		p += sprintf(p, ")");
	expect_failure(deep);
	expect_parts("echo $($($(id)))", "echo $($($(id)))", "$($(id))",
	    "$(id)", "id", END);
}

static void
test_trailing_whitespace_and_empty_parts(void **state)
{
	expect_parts("a ;  ; b  ", "a", "b", END);
	expect_parts("\n\na\n\n", "a", END);
	expect_parts("a &&\n b", "a", "b", END);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_command),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_quotes_do_not_split),
		cmocka_unit_test(test_backslash_escapes),
		cmocka_unit_test(test_redirections_are_not_separators),
		cmocka_unit_test(test_command_substitution),
		cmocka_unit_test(test_backticks),
		cmocka_unit_test(test_subshells_and_groups),
		cmocka_unit_test(test_shell_dash_c),
		cmocka_unit_test(test_reserved_words),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_unbalanced_input_fails),
		cmocka_unit_test(test_heredoc_is_refused),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_trailing_whitespace_and_empty_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
