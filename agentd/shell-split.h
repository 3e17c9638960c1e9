/*
 * shell-split: cut a Bash command line into the simple commands a shell would
 * run, so that the policy engine can judge each of them on its own
 * (docs/policies.md, "Compound Bash commands").
 *
 * Splits on && || ; ;; | |& & and newlines; descends into $( ), backticks,
 * ( ) subshells, <( ) >( ) process substitutions, ${ } expansions and the
 * command string of `bash -c`, `sh -c`, `zsh -c` (any option cluster holding
 * `c`, such as -lc) and `eval`.  Quotes and backslashes are honoured, so an
 * operator inside quotes does not split.  A command that holds a substitution
 * is returned as written, followed by the commands inside it.
 *
 * The split errs towards more parts, never fewer: text that runs is never
 * dropped.  Input it cannot follow (unbalanced quotes or parentheses, a
 * heredoc, a trailing backslash, nesting deeper than 16) makes it return -1;
 * callers treat that as "ask".
 *
 * Ownership: on success *out_parts is a heap array of *out_count heap strings
 * (NULL when the count is 0), all the caller's, freed with shell_split_free().
 * On failure nothing is allocated and *out_parts is NULL.
 */
#ifndef CODEPIPER_SHELL_SPLIT_H
#define CODEPIPER_SHELL_SPLIT_H

#include <stddef.h>

int	shell_split(const char *command, char ***out_parts, size_t *out_count);
void	shell_split_free(char **parts, size_t count);

#endif
