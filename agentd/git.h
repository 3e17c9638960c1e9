/*
 * Git pre-flight checks and worktree sessions, through libgit2 (never the git
 * CLI, never an argv built from user input).
 *
 * Every function opens its own repository handles and closes them before
 * returning, so they may run on any worker thread at the same time (libgit2
 * is thread-safe as long as a handle is not shared, and its error state is
 * per thread); worktree creation and teardown are serialised inside the
 * module (see worktree_lock in git.c). They block on disk I/O: never call
 * them on the event loop.
 *
 * Ownership: every json_t returned is a new reference the caller must
 * json_decref(); every *cause is a heap string the caller logs and frees; a
 * filled struct git_worktree_info is released with git_worktree_info_free().
 *
 * Worktree layout: a session's worktree for the work tree rooted at /src/app
 * is /src/app-worktrees/<session id>, and libgit2's administrative name for it
 * (.git/worktrees/<name>) is the session id, as `git worktree add` would name
 * it. `git worktree list` in the repository shows it.
 */
#ifndef CODEPIPER_GIT_H
#define CODEPIPER_GIT_H

#include <stdbool.h>

#include <jansson.h>

/* What POST /sessions records as metadata.worktree. All strings owned. */
struct git_worktree_info {
	char	*repo_root;	/* top level of the work tree cwd was in */
	char	*worktree_path;	/* the new worktree, the session's cwd */
	char	*branch;
	bool	 created_branch;
	char	*original_cwd;	/* cwd as the client sent it */
};

/* libgit2's global state: init once before any other call (main, or a
 * test's setup), shutdown once at exit. */
void	 git_module_init(void);
void	 git_module_shutdown(void);

/* {"repoRoot","currentBranch","hasUncommittedChanges","branches":[...]} for
 * the work tree containing cwd; branches are the local ones in byte order,
 * currentBranch is "HEAD" when detached. NULL with *cause when cwd is not in
 * a work tree ("Not a git repository: <cwd>") or when git could not be read
 * (an unborn branch counts: there is no commit to branch from). */
json_t	*git_repo_info(const char *cwd, char **cause);

/* The body of POST /sessions/validate (always a 200). */
json_t	*git_validate_dir(const char *cwd);

/* The body of POST /sessions/validate-git (always a 200). */
json_t	*git_validate_branch(const char *cwd, const char *branch,
	     bool create_branch);

/*
 * `git worktree add [-b <branch>] <path> [<start_point>|<branch>]` for a
 * session: with create_branch the branch is made from start_point (NULL means
 * HEAD) and must not exist; without it the branch must exist and be checked
 * out nowhere. The folder <root>-worktrees is created when missing.
 * 0 and *out filled, or -1 and *cause (the API's error text), with nothing
 * left behind: no folder, no administrative entry, no new branch.
 */
int	 git_worktree_create(const char *cwd, const char *branch,
	     bool create_branch, const char *start_point,
	     const char *session_id, struct git_worktree_info *out,
	     char **cause);
void	 git_worktree_info_free(struct git_worktree_info *info);

/*
 * Remove a session's worktree: its folder and the repository's entry for it
 * (`git worktree list` no longer shows it). The branch and the -worktrees
 * folder stay.
 * force false (stop): tracked changes are first stashed in the shared stash
 * as "codepiper-session-<id>"; a worktree that still holds untracked files,
 * or is locked, is left on disk and -1 returned with *cause.
 * force true (kill): removed whatever it holds, locked or not.
 * A worktree folder that is already gone only has its stale entry pruned.
 * Refuses (-1) a path that is not the top of a linked worktree, so a main
 * repository is never deleted.
 */
int	 git_worktree_teardown(const char *worktree_path,
	     const char *session_id, bool force, char **cause);

#endif
