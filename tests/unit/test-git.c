/*
 * Unit tests for agentd/git.c: pre-flight validation bodies, worktree
 * creation and teardown, against real repositories made with the git CLI in
 * a private temporary folder. The git CLI also checks that what libgit2 wrote
 * is what git itself would have (`git worktree list`, `git stash list`).
 *
 * Neither git nor libgit2 may read the user's configuration: HOME points at
 * the temporary folder, the system file is off, and libgit2's search paths
 * are set there too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <git2.h>
#include <jansson.h>

#include "git.h"
#include "xmalloc.h"

#define SESSION_A	"11111111-1111-4111-8111-111111111111"
#define SESSION_B	"22222222-2222-4222-8222-222222222222"
#define UUID_TEXT_LEN	37

static char	*tmp_root;
static int	 repo_count;

static void
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *
sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command that must succeed, its output thrown away. */
static void
sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *quiet;
	int status;

	va_start(ap, fmt);
	xvasprintf(&cmd, fmt, ap);
	va_end(ap);
	quiet = xprintf("(%s) >/dev/null 2>&1", cmd);
	status = system(quiet);
	if (status != 0)
		fail_msg("command failed (%d): %s", status, cmd);
	free(quiet);
	free(cmd);
}

/* Run a shell command that must succeed; its stdout, which the caller frees. */
static char *
sh_out(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *out = xstrdup("");
	char buf[4096];
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	xvasprintf(&cmd, fmt, ap);
	va_end(ap);
	assert_non_null(f = popen(cmd, "r"));
	while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
		char *more;

		buf[n] = '\0';
		more = xprintf("%s%s", out, buf);
		free(out);
		out = more;
	}
	assert_int_equal(pclose(f), 0);
	free(cmd);
	return out;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A new repository on branch main with one commit (two when asked), plus a
 * branch "existing" at the first commit. The caller frees the path. */
static char *
make_repo(bool with_commits)
{
	char *dir = xprintf("%s/repo%d", tmp_root, ++repo_count);

	sh("git init -q -b main %s", dir);
	sh("git -C %s config user.name Tester && "
	    "git -C %s config user.email tester@example.com", dir, dir);
	if (!with_commits)
		return dir;
	sh("cd %s && echo one > a.txt && echo '*.log' > .gitignore && "
	    "git add . && git commit -q -m first && git branch existing && "
	    "echo two > b.txt && git add b.txt && git commit -q -m second",
	    dir);
	return dir;
}

/* Compare a body rendered compactly, keys in insertion order, and free it. */
static void
assert_json(json_t *body, const char *expected)
{
	char *text;

	assert_non_null(body);
	text = json_dumps(body, JSON_COMPACT);
	assert_string_equal(text, expected);
	free(text);
	json_decref(body);
}

static int
setup_all(void **state)
{
	char template[] = "/tmp/test-git-XXXXXX";
	int level;

	if (mkdtemp(template) == NULL)
		return -1;
	/* libgit2 returns canonical paths; compare against the same. */
	tmp_root = realpath(template, NULL);
	setenv("HOME", tmp_root, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	git_module_init();
	for (level = GIT_CONFIG_LEVEL_PROGRAMDATA;
	    level <= GIT_CONFIG_LEVEL_GLOBAL; level++)
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, tmp_root);
	return 0;
}

static int
teardown_all(void **state)
{
	sh("rm -rf %s", tmp_root);
	free(tmp_root);
	git_module_shutdown();
	return 0;
}

static void
test_validate_dir_missing(void **state)
{
	char *cwd = xprintf("%s/nowhere", tmp_root);
	char *expected = xprintf("{\"valid\":false,\"directoryExists\":false,"
	    "\"isGitRepo\":false,\"errors\":[\"Directory does not exist: %s\"],"
	    "\"warnings\":[]}", cwd);

	assert_json(git_validate_dir(cwd), expected);
	free(expected);
	free(cwd);
}

static void
test_validate_dir_not_a_directory(void **state)
{
	char *cwd = xprintf("%s/plain-file", tmp_root);
	char *expected = xprintf("{\"valid\":false,\"directoryExists\":true,"
	    "\"isGitRepo\":false,\"errors\":[\"Path is not a directory: %s\"],"
	    "\"warnings\":[]}", cwd);

	write_text(cwd, "x\n");
	assert_json(git_validate_dir(cwd), expected);
	free(expected);
	free(cwd);
}

static void
test_validate_dir_not_a_repo(void **state)
{
	char *cwd = xprintf("%s/plain-dir", tmp_root);

	sh("mkdir -p %s", cwd);
	assert_json(git_validate_dir(cwd), "{\"valid\":true,"
	    "\"directoryExists\":true,\"isGitRepo\":false,\"errors\":[],"
	    "\"warnings\":[]}");
	free(cwd);
}

static void
test_validate_dir_clean(void **state)
{
	char *repo = make_repo(true), *sub = xprintf("%s/src", repo);
	char *expected = xprintf("{\"valid\":true,\"directoryExists\":true,"
	    "\"isGitRepo\":true,\"errors\":[],\"warnings\":[],\"gitInfo\":"
	    "{\"repoRoot\":\"%s\",\"currentBranch\":\"main\","
	    "\"hasUncommittedChanges\":false,\"branches\":[\"Zeta\","
	    "\"existing\",\"main\"]}}", repo);

	sh("git -C %s branch Zeta", repo);
	/* Ignored files and empty folders are not changes. */
	sh("mkdir -p %s/empty %s && echo x > %s/debug.log", repo, sub, repo);
	assert_json(git_validate_dir(repo), expected);
	/* From a sub-folder the root is still the top of the work tree. */
	assert_json(git_validate_dir(sub), expected);
	free(expected);
	free(sub);
	free(repo);
}

static void
expect_dirty_dir(const char *repo)
{
	json_t *body = git_validate_dir(repo);

	assert_non_null(body);
	assert_true(json_is_true(json_object_get(body, "valid")));
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(body, "warnings"), 0)),
	    "Repository has uncommitted changes");
	assert_int_equal(json_array_size(json_object_get(body, "warnings")), 1);
	assert_true(json_is_true(json_object_get(json_object_get(body,
	    "gitInfo"), "hasUncommittedChanges")));
	json_decref(body);
}

static void
test_validate_dir_dirty(void **state)
{
	char *repo = make_repo(true);

	sh("echo new > %s/untracked.txt", repo);
	expect_dirty_dir(repo);
	sh("rm %s/untracked.txt && echo changed > %s/a.txt", repo, repo);
	expect_dirty_dir(repo);
	sh("git -C %s add a.txt", repo);
	expect_dirty_dir(repo);
	free(repo);
}

static void
test_validate_dir_unborn(void **state)
{
	char *repo = make_repo(false);
	char *expected = xprintf("{\"valid\":true,\"directoryExists\":true,"
	    "\"isGitRepo\":true,\"errors\":[],\"warnings\":[\"Could not read "
	    "git info: the current branch does not have any commits yet\"]}");

	assert_json(git_validate_dir(repo), expected);
	free(expected);
	free(repo);
}

static void
test_validate_dir_detached(void **state)
{
	char *repo = make_repo(true);
	json_t *body;

	sh("git -C %s checkout -q --detach HEAD~1", repo);
	body = git_validate_dir(repo);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    body, "gitInfo"), "currentBranch")), "HEAD");
	json_decref(body);
	free(repo);
}

static void
test_validate_dir_inside_dot_git(void **state)
{
	char *repo = make_repo(true), *dot = xprintf("%s/.git/refs", repo);

	assert_json(git_validate_dir(dot), "{\"valid\":true,"
	    "\"directoryExists\":true,\"isGitRepo\":false,\"errors\":[],"
	    "\"warnings\":[]}");
	free(dot);
	free(repo);
}

static void
test_repo_info(void **state)
{
	char *repo = make_repo(true), *cause = NULL;
	char *expected = xprintf("{\"repoRoot\":\"%s\",\"currentBranch\":"
	    "\"main\",\"hasUncommittedChanges\":false,\"branches\":"
	    "[\"existing\",\"main\"]}", repo);

	assert_json(git_repo_info(repo, &cause), expected);
	assert_null(cause);
	assert_null(git_repo_info(tmp_root, &cause));
	assert_non_null(cause);
	assert_true(strncmp(cause, "Not a git repository: ", 22) == 0);
	free(cause);
	free(expected);
	free(repo);
}

static void
test_validate_branch_not_a_repo(void **state)
{
	assert_json(git_validate_branch(tmp_root, "x", true),
	    "{\"valid\":false,\"errors\":[\"Not a git repository\"],"
	    "\"warnings\":[],\"branchExists\":false,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":false}");
}

static void
test_validate_branch(void **state)
{
	char *repo = make_repo(true), *expected;

	assert_json(git_validate_branch(repo, "feature", true),
	    "{\"valid\":true,\"errors\":[],\"warnings\":[],"
	    "\"branchExists\":false,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":false}");
	assert_json(git_validate_branch(repo, "existing", true),
	    "{\"valid\":false,\"errors\":[\"Branch already exists: existing. "
	    "Uncheck 'Create branch' to use it.\"],\"warnings\":[],"
	    "\"branchExists\":true,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":false}");
	assert_json(git_validate_branch(repo, "feature", false),
	    "{\"valid\":false,\"errors\":[\"Branch does not exist: feature. "
	    "Enable 'Create branch' to create it.\"],\"warnings\":[],"
	    "\"branchExists\":false,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":false}");
	assert_json(git_validate_branch(repo, "existing", false),
	    "{\"valid\":true,\"errors\":[],\"warnings\":[],"
	    "\"branchExists\":true,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":false}");
	expected = xprintf("{\"valid\":false,\"errors\":[\"Branch 'main' is "
	    "already checked out in %s. Choose a different branch or create a "
	    "new one.\"],\"warnings\":[],\"branchExists\":true,"
	    "\"branchCheckedOut\":true,\"checkedOutIn\":\"%s\","
	    "\"uncommittedChanges\":false}", repo, repo);
	assert_json(git_validate_branch(repo, "main", false), expected);
	free(expected);
	assert_json(git_validate_branch(repo, "-bad", true), "{\"valid\":false,"
	    "\"errors\":[\"Invalid branch name: -bad\"],\"warnings\":[],"
	    "\"branchExists\":false,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":false}");
	sh("echo new > %s/untracked.txt", repo);
	assert_json(git_validate_branch(repo, "feature", true),
	    "{\"valid\":true,\"errors\":[],\"warnings\":[\"Repository has "
	    "uncommitted changes. These will remain in the original working "
	    "tree.\"],"
	    "\"branchExists\":false,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":true}");
	free(repo);
}

/* A branch checked out in a worktree the git CLI made, seen from the main
 * work tree and from inside the worktree itself. */
static void
test_validate_branch_linked_checkout(void **state)
{
	char *repo = make_repo(true), *wt = xprintf("%s-cli-wt", repo);
	char *expected = xprintf("{\"valid\":false,\"errors\":[\"Branch "
	    "'existing' is already checked out in %s. Choose a different "
	    "branch or create a new one.\"],\"warnings\":[],"
	    "\"branchExists\":true,\"branchCheckedOut\":true,"
	    "\"checkedOutIn\":\"%s\","
	    "\"uncommittedChanges\":false}", wt, wt);

	sh("git -C %s worktree add -q %s existing", repo, wt);
	assert_json(git_validate_branch(repo, "existing", false), expected);
	assert_json(git_validate_branch(wt, "existing", false), expected);
	free(expected);
	expected = xprintf("{\"valid\":false,\"errors\":[\"Branch 'main' is "
	    "already checked out in %s. Choose a different branch or create a "
	    "new one.\"],\"warnings\":[],\"branchExists\":true,"
	    "\"branchCheckedOut\":true,\"checkedOutIn\":\"%s\","
	    "\"uncommittedChanges\":false}", repo, repo);
	assert_json(git_validate_branch(wt, "main", false), expected);
	free(expected);
	free(wt);
	free(repo);
}

/* The git CLI sees the worktree: listed on its branch, clean, on disk. */
static void
assert_cli_worktree(const char *repo, const char *path, const char *branch)
{
	char *list = sh_out("git -C %s worktree list --porcelain", repo);
	char *line = xprintf("worktree %s\n", path);
	char *ref = xprintf("branch refs/heads/%s\n", branch);
	char *status = sh_out("git -C %s status --porcelain", path);
	char *head = sh_out("git -C %s rev-parse --abbrev-ref HEAD", path);
	char *want_head = xprintf("%s\n", branch);
	char *file = xprintf("%s/a.txt", path);

	assert_non_null(strstr(list, line));
	assert_non_null(strstr(strstr(list, line), ref));
	assert_string_equal(status, "");
	assert_string_equal(head, want_head);
	assert_true(exists(file));
	free(file);
	free(want_head);
	free(head);
	free(status);
	free(ref);
	free(line);
	free(list);
}

static void
assert_cli_no_worktree(const char *repo, const char *path)
{
	char *list = sh_out("git -C %s worktree list --porcelain", repo);
	char *line = xprintf("worktree %s\n", path);

	assert_null(strstr(list, line));
	assert_false(exists(path));
	free(line);
	free(list);
}

static void
test_worktree_create_new_branch(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *path, *sub;

	path = xprintf("%s-worktrees/%s", repo, SESSION_A);
	sub = xprintf("%s/src", repo);
	sh("mkdir -p %s", sub);
	assert_int_equal(git_worktree_create(sub, "feature", true, NULL,
	    SESSION_A, &info, &cause), 0);
	assert_null(cause);
	assert_string_equal(info.repo_root, repo);
	assert_string_equal(info.worktree_path, path);
	assert_string_equal(info.branch, "feature");
	assert_true(info.created_branch);
	assert_string_equal(info.original_cwd, sub);
	assert_cli_worktree(repo, path, "feature");
	git_worktree_info_free(&info);
	assert_null(info.worktree_path);
	free(sub);
	free(path);
	free(repo);
}

static void
test_worktree_create_existing_branch(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *path;

	path = xprintf("%s-worktrees/%s", repo, SESSION_A);
	assert_int_equal(git_worktree_create(repo, "existing", false, NULL,
	    SESSION_A, &info, &cause), 0);
	assert_false(info.created_branch);
	assert_string_equal(info.worktree_path, path);
	assert_cli_worktree(repo, path, "existing");
	git_worktree_info_free(&info);
	free(path);
	free(repo);
}

static void
test_worktree_create_start_point(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *want, *got;

	assert_int_equal(git_worktree_create(repo, "from-first", true, "HEAD~1",
	    SESSION_A, &info, &cause), 0);
	want = sh_out("git -C %s rev-parse main~1", repo);
	got = sh_out("git -C %s rev-parse HEAD", info.worktree_path);
	assert_string_equal(got, want);
	assert_cli_worktree(repo, info.worktree_path, "from-first");
	free(got);
	free(want);
	git_worktree_info_free(&info);
	free(repo);
}

static void
expect_create_error(const char *cwd, const char *branch, bool create_branch,
    const char *start_point, const char *message)
{
	struct git_worktree_info info;
	char *cause = NULL;

	assert_int_equal(git_worktree_create(cwd, branch, create_branch,
	    start_point, SESSION_B, &info, &cause), -1);
	assert_non_null(cause);
	if (strncmp(cause, message, strlen(message)) != 0)
		fail_msg("cause \"%s\" does not start \"%s\"", cause, message);
	assert_null(info.worktree_path);
	free(cause);
}

static void
test_worktree_create_errors(void **state)
{
	char *repo = make_repo(true), *message, *path, *list, *branches;

	message = xprintf("Not a git repository: %s", tmp_root);
	expect_create_error(tmp_root, "x", true, NULL, message);
	free(message);
	message = xprintf("Branch 'main' is already checked out in %s", repo);
	expect_create_error(repo, "main", false, NULL, message);
	free(message);
	expect_create_error(repo, "missing", false, NULL,
	    "Failed to create worktree: ");
	expect_create_error(repo, "existing", true, NULL,
	    "Failed to create worktree with new branch: ");
	expect_create_error(repo, "never", true, "no-such-ref",
	    "Failed to create worktree with new branch: ");
	expect_create_error(repo, "-x", true, NULL, "Invalid branch name: -x");
	/* The folder is taken: no branch is made, nothing is touched. */
	path = xprintf("%s-worktrees/%s", repo, SESSION_B);
	sh("mkdir -p %s && echo keep > %s/keep.txt", path, path);
	expect_create_error(repo, "never", true, NULL,
	    "Failed to create worktree with new branch: ");
	sh("test -f %s/keep.txt", path);
	/* Nothing left behind by any failure. */
	branches = sh_out("git -C %s branch --format='%%(refname:short)'",
	    repo);
	assert_string_equal(branches, "existing\nmain\n");
	list = sh_out("git -C %s worktree list --porcelain | "
	    "grep -c '^worktree'", repo);
	assert_string_equal(list, "1\n");
	sh("test ! -e %s/.git/worktrees/%s", repo, SESSION_B);
	free(list);
	free(branches);
	free(path);
	free(repo);
}

/* A worktree whose folder was deleted by hand still holds its branch, as
 * git sees it, until it is pruned. */
static void
test_stale_worktree_holds_branch(void **state)
{
	char *repo = make_repo(true), *wt = xprintf("%s-gone", repo);
	char *expected, *message;

	sh("git -C %s worktree add -q %s existing && rm -rf %s", repo, wt, wt);
	expected = xprintf("{\"valid\":false,\"errors\":[\"Branch "
	    "'existing' is already checked out in %s. Choose a different "
	    "branch or create a new one.\"],\"warnings\":[],"
	    "\"branchExists\":true,\"branchCheckedOut\":true,"
	    "\"checkedOutIn\":\"%s\","
	    "\"uncommittedChanges\":false}", wt, wt);
	assert_json(git_validate_branch(repo, "existing", false), expected);
	message = xprintf("Branch 'existing' is already checked out in %s", wt);
	expect_create_error(repo, "existing", false, NULL, message);
	sh("git -C %s worktree prune", repo);
	assert_json(git_validate_branch(repo, "existing", false),
	    "{\"valid\":true,\"errors\":[],\"warnings\":[],"
	    "\"branchExists\":true,\"branchCheckedOut\":false,"
	    "\"uncommittedChanges\":false}");
	free(message);
	free(expected);
	free(wt);
	free(repo);
}

/* Stop on a clean worktree: folder and entry gone, branch kept. */
static void
test_teardown_clean(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *branches;

	assert_int_equal(git_worktree_create(repo, "feature", true, NULL,
	    SESSION_A, &info, &cause), 0);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    false, &cause), 0);
	assert_null(cause);
	assert_cli_no_worktree(repo, info.worktree_path);
	branches = sh_out("git -C %s branch --list feature", repo);
	assert_string_equal(branches, "  feature\n");
	sh("test -d %s-worktrees", repo);
	/* The same branch can be used again by a later session. */
	git_worktree_info_free(&info);
	assert_int_equal(git_worktree_create(repo, "feature", false, NULL,
	    SESSION_B, &info, &cause), 0);
	git_worktree_info_free(&info);
	free(branches);
	free(repo);
}

/* Stop with tracked changes: stashed under the session's name, removed. */
static void
test_teardown_stashes(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *stash, *diff;

	assert_int_equal(git_worktree_create(repo, "feature", true, NULL,
	    SESSION_A, &info, &cause), 0);
	sh("cd %s && echo edited >> a.txt && echo staged > c.txt && "
	    "git add c.txt && echo ignored > x.log", info.worktree_path);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    false, &cause), 0);
	assert_null(cause);
	assert_cli_no_worktree(repo, info.worktree_path);
	stash = sh_out("git -C %s stash list --format=%%s", repo);
	assert_string_equal(stash, "On feature: codepiper-session-" SESSION_A
	    "\n");
	diff = sh_out("git -C %s stash show --name-only stash@{0}", repo);
	assert_string_equal(diff, "a.txt\nc.txt\n");
	free(diff);
	free(stash);
	git_worktree_info_free(&info);
	free(repo);
}

/* Stop with untracked files: refused and left on disk; kill then removes. */
static void
test_teardown_untracked_then_kill(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *message, *list;

	assert_int_equal(git_worktree_create(repo, "feature", true, NULL,
	    SESSION_A, &info, &cause), 0);
	sh("cd %s && echo edited >> a.txt && echo new > new.txt",
	    info.worktree_path);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    false, &cause), -1);
	message = xprintf("'%s' contains modified or untracked files, use "
	    "--force to delete it", info.worktree_path);
	assert_string_equal(cause, message);
	free(message);
	free(cause);
	cause = NULL;
	sh("test -f %s/new.txt", info.worktree_path);
	list = sh_out("git -C %s worktree list", repo);
	assert_non_null(strstr(list, info.worktree_path));
	free(list);
	/* The tracked edit went to the stash before the refusal. */
	sh("git -C %s stash list | grep -q codepiper-session-" SESSION_A, repo);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    true, &cause), 0);
	assert_null(cause);
	assert_cli_no_worktree(repo, info.worktree_path);
	git_worktree_info_free(&info);
	free(repo);
}

/* Kill: dirty and locked, removed all the same, nothing stashed. */
static void
test_teardown_kill(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *stash;

	assert_int_equal(git_worktree_create(repo, "feature", true, NULL,
	    SESSION_A, &info, &cause), 0);
	sh("cd %s && echo edited >> a.txt && echo new > new.txt && "
	    "git -C %s worktree lock %s", info.worktree_path, repo,
	    info.worktree_path);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    false, &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	sh("git -C %s stash drop -q", repo);
	sh("cd %s && echo edited-again >> a.txt", info.worktree_path);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    true, &cause), 0);
	assert_null(cause);
	assert_cli_no_worktree(repo, info.worktree_path);
	stash = sh_out("git -C %s stash list", repo);
	assert_string_equal(stash, "");
	free(stash);
	git_worktree_info_free(&info);
	free(repo);
}

/* Locked and clean: stop refuses (as `git worktree remove` does). */
static void
test_teardown_locked_stop(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL;

	assert_int_equal(git_worktree_create(repo, "feature", true, NULL,
	    SESSION_A, &info, &cause), 0);
	sh("git -C %s worktree lock --reason busy %s", repo,
	    info.worktree_path);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    false, &cause), -1);
	assert_non_null(strstr(cause, "locked"));
	free(cause);
	cause = NULL;
	sh("test -f %s/a.txt", info.worktree_path);
	assert_int_equal(git_worktree_teardown(info.worktree_path, SESSION_A,
	    true, &cause), 0);
	assert_cli_no_worktree(repo, info.worktree_path);
	git_worktree_info_free(&info);
	free(repo);
}

/* A folder deleted by hand: its stale entry is pruned, for stop and kill. */
static void
test_teardown_missing_folder(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *list, *path;
	int force;

	for (force = 0; force <= 1; force++) {
		assert_int_equal(git_worktree_create(repo, "feature", !force,
		    NULL, SESSION_A, &info, &cause), 0);
		sh("rm -rf %s", info.worktree_path);
		assert_int_equal(git_worktree_teardown(info.worktree_path,
		    SESSION_A, force, &cause), 0);
		assert_null(cause);
		list = sh_out("git -C %s worktree list --porcelain | "
		    "grep -c '^worktree' || true", repo);
		assert_string_equal(list, "1\n");
		free(list);
		sh("test ! -e %s/.git/worktrees/%s", repo, SESSION_A);
		git_worktree_info_free(&info);
	}
	/* Twice is fine: nothing left to prune. */
	path = xprintf("%s-worktrees/%s", repo, SESSION_A);
	assert_int_equal(git_worktree_teardown(path, SESSION_A, true, &cause),
	    0);
	free(path);
	free(repo);
}

/* Never delete a main work tree, a plain folder, or part of a worktree. */
static void
test_teardown_refuses(void **state)
{
	struct git_worktree_info info;
	char *repo = make_repo(true), *cause = NULL, *sub;

	assert_int_equal(git_worktree_teardown(repo, SESSION_A, true, &cause),
	    -1);
	assert_non_null(strstr(cause, "Not a git worktree"));
	free(cause);
	cause = NULL;
	assert_int_equal(git_worktree_teardown(tmp_root, SESSION_A, true,
	    &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(git_worktree_create(repo, "feature", true, NULL,
	    SESSION_A, &info, &cause), 0);
	sub = xprintf("%s/sub", info.worktree_path);
	sh("mkdir %s", sub);
	assert_int_equal(git_worktree_teardown(sub, SESSION_A, true, &cause),
	    -1);
	free(cause);
	sh("test -f %s/a.txt && test -f %s/a.txt", repo, info.worktree_path);
	free(sub);
	git_worktree_info_free(&info);
	free(repo);
}

/* Sessions of one repository created and stopped at the same time, as the
 * worker pool does: the first worktrees of a repository, and the shared
 * stash, are contended. */
#define PARALLEL	4

struct parallel_job {
	const char			*repo;
	char				 id[UUID_TEXT_LEN];
	char				 branch[32];
	struct git_worktree_info	 info;
	int				 rc;
	char				*cause;
};

static void *
parallel_create(void *arg)
{
	struct parallel_job *job = arg;

	json_decref(git_validate_branch(job->repo, job->branch, true));
	job->rc = git_worktree_create(job->repo, job->branch, true, NULL,
	    job->id, &job->info, &job->cause);
	return NULL;
}

static void *
parallel_stop(void *arg)
{
	struct parallel_job *job = arg;

	job->rc = git_worktree_teardown(job->info.worktree_path, job->id,
	    false, &job->cause);
	return NULL;
}

static void
run_parallel(struct parallel_job *jobs, void *(*fn)(void *))
{
	pthread_t threads[PARALLEL];
	int i;

	for (i = 0; i < PARALLEL; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, fn,
		    &jobs[i]), 0);
	for (i = 0; i < PARALLEL; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < PARALLEL; i++)
		if (jobs[i].rc != 0)
			fail_msg("job %d: %s", i, jobs[i].cause);
}

static void
test_parallel_sessions(void **state)
{
	struct parallel_job jobs[PARALLEL];
	char *repo = make_repo(true), *count;
	int i;

	memset(jobs, 0, sizeof jobs);
	for (i = 0; i < PARALLEL; i++) {
		jobs[i].repo = repo;
		snprintf(jobs[i].id, sizeof jobs[i].id,
		    "33333333-3333-4333-8333-33333333333%c", '0' + i);
		snprintf(jobs[i].branch, sizeof jobs[i].branch, "par-%d", i);
	}
	run_parallel(jobs, parallel_create);
	count = sh_out("git -C %s worktree list | wc -l", repo);
	assert_int_equal(atoi(count), PARALLEL + 1);
	free(count);
	for (i = 0; i < PARALLEL; i++)
		sh("echo edit >> %s/a.txt", jobs[i].info.worktree_path);
	run_parallel(jobs, parallel_stop);
	count = sh_out("git -C %s stash list | grep -c codepiper-session-",
	    repo);
	assert_int_equal(atoi(count), PARALLEL);
	free(count);
	for (i = 0; i < PARALLEL; i++) {
		assert_cli_no_worktree(repo, jobs[i].info.worktree_path);
		git_worktree_info_free(&jobs[i].info);
	}
	free(repo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_dir_missing),
		cmocka_unit_test(test_validate_dir_not_a_directory),
		cmocka_unit_test(test_validate_dir_not_a_repo),
		cmocka_unit_test(test_validate_dir_clean),
		cmocka_unit_test(test_validate_dir_dirty),
		cmocka_unit_test(test_validate_dir_unborn),
		cmocka_unit_test(test_validate_dir_detached),
		cmocka_unit_test(test_validate_dir_inside_dot_git),
		cmocka_unit_test(test_repo_info),
		cmocka_unit_test(test_validate_branch_not_a_repo),
		cmocka_unit_test(test_validate_branch),
		cmocka_unit_test(test_validate_branch_linked_checkout),
		cmocka_unit_test(test_worktree_create_new_branch),
		cmocka_unit_test(test_worktree_create_existing_branch),
		cmocka_unit_test(test_worktree_create_start_point),
		cmocka_unit_test(test_worktree_create_errors),
		cmocka_unit_test(test_stale_worktree_holds_branch),
		cmocka_unit_test(test_teardown_clean),
		cmocka_unit_test(test_teardown_stashes),
		cmocka_unit_test(test_teardown_untracked_then_kill),
		cmocka_unit_test(test_teardown_kill),
		cmocka_unit_test(test_teardown_locked_stop),
		cmocka_unit_test(test_teardown_missing_folder),
		cmocka_unit_test(test_teardown_refuses),
		cmocka_unit_test(test_parallel_sessions),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
