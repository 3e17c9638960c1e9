/*
 * Git pre-flight checks and worktree sessions through libgit2; see git.h.
 */
#include "git.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "util.h"
#include "xmalloc.h"

/* <root>-worktrees/<session id>: next to the repository, not inside it, so
 * the main work tree never sees the sessions' folders as untracked files. */
#define WORKTREES_SUFFIX	"-worktrees"

/* Stash entries are named after the session so a user can find the work a
 * stopped session left behind in `git stash list`. */
#define STASH_MESSAGE_PREFIX	"codepiper-session-"

/* The git CLI falls back to an identity guessed from the host when user.name
 * and user.email are unset; libgit2 refuses instead. A stop must not fail for
 * that, so the stash is then signed with this. */
#define STASH_FALLBACK_NAME	"CodePiper"
#define STASH_FALLBACK_EMAIL	"codepiper@localhost"

/*
 * Worktrees are added and removed one at a time in this process. libgit2 1.5
 * cannot add a worktree while another is being added or removed in the same
 * repository: git_worktree_add asks git_branch_is_checked_out, which visits
 * every worktree, and a precedence slip there (`error = f() < 0`) turns a
 * worktree it cannot read yet into "reference is already checked out".
 * Both operations are rare and short; the read-only validators, which do
 * not use that function, are not serialised.
 */
static pthread_mutex_t worktree_lock = PTHREAD_MUTEX_INITIALIZER;

#define UNBORN_MESSAGE \
	"the current branch does not have any commits yet"
#define UNCOMMITTED_WARNING	"Repository has uncommitted changes"
#define UNCOMMITTED_BRANCH_WARNING \
	"Repository has uncommitted changes. " \
	"These will remain in the original working tree."

void
git_module_init(void)
{
	git_libgit2_init();
}

void
git_module_shutdown(void)
{
	git_libgit2_shutdown();
}

/* libgit2's message for the last failure on this thread. */
static const char *
last_error(void)
{
	const git_error *e = git_error_last();

	return e != NULL && e->message != NULL ? e->message : "unknown error";
}

/* libgit2 hands folders back with a trailing '/'; the API shows them as
 * `git rev-parse --show-toplevel` does, without. */
static char *
strip_slash(const char *dir)
{
	char *s = xstrdup(dir);
	size_t len = strlen(s);

	if (len > 1 && s[len - 1] == '/')
		s[len - 1] = '\0';
	return s;
}

static bool
path_is_inside(const char *path, const char *dir)
{
	char *a = strip_slash(path), *b = strip_slash(dir);
	size_t len = strlen(b);
	bool inside;

	inside = strncmp(a, b, len) == 0 && (a[len] == '\0' || a[len] == '/');
	free(a);
	free(b);
	return inside;
}

/*
 * What `git rev-parse --is-inside-work-tree` calls true: cwd is in a
 * repository that is not bare, and not inside its .git folder (libgit2 opens
 * a repository from there too).
 */
static int
open_work_tree(git_repository **out, const char *cwd)
{
	git_repository *repo = NULL;
	char *real = NULL;

	*out = NULL;
	if (git_repository_open_ext(&repo, cwd, 0, NULL) != 0 ||
	    git_repository_is_bare(repo) ||
	    (real = realpath(cwd, NULL)) == NULL)
		goto fail;
	if (path_is_inside(real, git_repository_path(repo)) ||
	    path_is_inside(real, git_repository_commondir(repo)))
		goto fail;
	free(real);
	*out = repo;
	return 0;
fail:
	free(real);
	git_repository_free(repo);
	return -1;
}

/* `git status --porcelain` prints something: staged, unstaged or untracked
 * changes; ignored files do not count. 1, 0, or -1 on a libgit2 error. */
static int
is_dirty(git_repository *repo)
{
	git_status_options opts;
	git_status_list *list;
	int dirty;

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED;
	if (git_status_list_new(&list, repo, &opts) != 0)
		return -1;
	dirty = git_status_list_entrycount(list) > 0;
	git_status_list_free(list);
	return dirty;
}

static bool
branch_name_is_valid(const char *branch)
{
	int valid = 0;

	return git_branch_name_is_valid(&valid, branch) == 0 && valid;
}

/* The short name of HEAD, "HEAD" when detached. A branch without commits is
 * an error, as it is for `git rev-parse --abbrev-ref HEAD`. */
static int
current_branch(git_repository *repo, char **out, char **cause)
{
	git_reference *head = NULL;
	int error;

	*out = NULL;
	if ((error = git_repository_head(&head, repo)) == GIT_EUNBORNBRANCH)
		*cause = xstrdup(UNBORN_MESSAGE);
	else if (error != 0)
		*cause = xstrdup(last_error());
	else if (git_repository_head_detached(repo) == 1)
		*out = xstrdup("HEAD");
	else
		*out = xstrdup(git_reference_shorthand(head));
	git_reference_free(head);
	return *out != NULL ? 0 : -1;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Local branch names in byte order, as `git branch` lists them. */
static json_t *
local_branches(git_repository *repo)
{
	git_branch_iterator *it = NULL;
	git_reference *ref;
	git_branch_t type;
	char **names = NULL;
	size_t count = 0, i;
	json_t *array = NULL;
	int error = -1;

	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_LOCAL) != 0)
		goto out;
	while ((error = git_branch_next(&ref, &type, it)) == 0) {
		names = xreallocarray(names, count + 1, sizeof *names);
		names[count++] = xstrdup(git_reference_shorthand(ref));
		git_reference_free(ref);
	}
	if (error != GIT_ITEROVER)
		goto out;
	qsort(names, count, sizeof *names, compare_names);
	array = json_array();
	for (i = 0; i < count; i++)
		json_array_append_new(array, json_string(names[i]));
out:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	git_branch_iterator_free(it);
	return array;
}

static json_t *
repo_info(git_repository *repo, char **cause)
{
	json_t *info, *branches = NULL;
	char *branch = NULL, *root;
	int dirty;

	if (current_branch(repo, &branch, cause) != 0)
		goto fail;
	if ((dirty = is_dirty(repo)) == -1 ||
	    (branches = local_branches(repo)) == NULL) {
		*cause = xstrdup(last_error());
		goto fail;
	}
	root = strip_slash(git_repository_workdir(repo));
	info = json_pack("{s:s, s:s, s:b, s:o}", "repoRoot", root,
	    "currentBranch", branch, "hasUncommittedChanges", dirty,
	    "branches", branches);
	free(root);
	free(branch);
	if (info == NULL)
		*cause = xstrdup("a path or branch name is not valid UTF-8");
	return info;
fail:
	json_decref(branches);
	free(branch);
	return NULL;
}

json_t *
git_repo_info(const char *cwd, char **cause)
{
	git_repository *repo;
	json_t *info;

	if (open_work_tree(&repo, cwd) != 0) {
		*cause = xprintf("Not a git repository: %s", cwd);
		return NULL;
	}
	info = repo_info(repo, cause);
	git_repository_free(repo);
	return info;
}

/* Append a message, which is consumed, to body's array `key`. */
static void
add_message(json_t *body, const char *key, char *message)
{
	json_array_append_new(json_object_get(body, key),
	    json_string(message));
	free(message);
}

static json_t *
dir_refused(bool exists, char *error)
{
	json_t *body;

	body = json_pack("{s:b, s:b, s:b, s:[s], s:[]}", "valid", 0,
	    "directoryExists", exists, "isGitRepo", 0, "errors", error,
	    "warnings");
	free(error);
	return body;
}

json_t *
git_validate_dir(const char *cwd)
{
	struct stat st;
	git_repository *repo;
	json_t *body, *info;
	char *cause = NULL;

	if (stat(cwd, &st) != 0)
		return dir_refused(false,
		    xprintf("Directory does not exist: %s", cwd));
	if (!S_ISDIR(st.st_mode))
		return dir_refused(true,
		    xprintf("Path is not a directory: %s", cwd));
	body = json_pack("{s:b, s:b, s:b, s:[], s:[]}", "valid", 1,
	    "directoryExists", 1, "isGitRepo", 0, "errors", "warnings");
	if (open_work_tree(&repo, cwd) != 0)
		return body;
	json_object_set_new(body, "isGitRepo", json_true());
	if ((info = repo_info(repo, &cause)) == NULL)
		add_message(body, "warnings",
		    xprintf("Could not read git info: %s", cause));
	else {
		if (json_is_true(json_object_get(info,
		    "hasUncommittedChanges")))
			add_message(body, "warnings",
			    xstrdup(UNCOMMITTED_WARNING));
		json_object_set_new(body, "gitInfo", info);
	}
	free(cause);
	git_repository_free(repo);
	return body;
}

/* HEAD of repo is the symbolic ref refname: that branch is checked out
 * there, whether it has commits yet or not. */
static bool
head_is(git_repository *repo, const char *refname)
{
	git_reference *head;
	const char *target;
	bool is;

	if (git_reference_lookup(&head, repo, "HEAD") != 0)
		return false;
	target = git_reference_symbolic_target(head);
	is = target != NULL && strcmp(target, refname) == 0;
	git_reference_free(head);
	return is;
}

/* .git/worktrees/<name>: libgit2's administrative folder for a worktree. */
static char *
admin_dir(git_repository *repo, const char *name)
{
	char *common = strip_slash(git_repository_commondir(repo));
	char *dir = xprintf("%s/worktrees/%s", common, name);

	free(common);
	return dir;
}

/*
 * A linked worktree's HEAD is read from its administrative folder, not by
 * opening the worktree: one whose folder was deleted by hand still holds its
 * branch for git (`git worktree list` shows it as prunable, `git worktree
 * add` refuses the branch), and libgit2 cannot open it.
 */
static char *
linked_checkout(git_repository *repo, const char *name, const char *refname)
{
	git_worktree *wt = NULL;
	char *admin, *head_file, *head = NULL, *where = NULL;
	size_t len = 0;

	if (git_worktree_lookup(&wt, repo, name) != 0)
		return NULL;
	admin = admin_dir(repo, name);
	head_file = xprintf("%s/HEAD", admin);
	if ((head = read_file(head_file, PATH_MAX, &len)) != NULL) {
		while (len > 0 &&
		    (head[len - 1] == '\n' || head[len - 1] == '\r'))
			head[--len] = '\0';
		if (strncmp(head, "ref: ", 5) == 0 &&
		    strcmp(head + 5, refname) == 0)
			where = strip_slash(git_worktree_path(wt));
	}
	free(head);
	free(head_file);
	free(admin);
	git_worktree_free(wt);
	return where;
}

/* The work tree (main or linked) where refname is checked out, as
 * `git worktree list --porcelain` shows it; NULL when nowhere. */
static char *
find_checkout(git_repository *repo, const char *refname)
{
	git_repository *main_repo = NULL;
	git_strarray names = { NULL, 0 };
	char *where = NULL;
	size_t i;

	if (git_repository_open(&main_repo,
	    git_repository_commondir(repo)) == 0 &&
	    !git_repository_is_bare(main_repo) && head_is(main_repo, refname))
		where = strip_slash(git_repository_workdir(main_repo));
	git_repository_free(main_repo);
	if (where != NULL || git_worktree_list(&names, repo) != 0)
		return where;
	for (i = 0; i < names.count && where == NULL; i++)
		where = linked_checkout(repo, names.strings[i], refname);
	git_strarray_dispose(&names);
	return where;
}

static bool
ref_exists(git_repository *repo, const char *refname)
{
	git_reference *ref;

	if (git_reference_lookup(&ref, repo, refname) != 0)
		return false;
	git_reference_free(ref);
	return true;
}

static void
check_branch(json_t *body, git_repository *repo, const char *branch,
    bool create_branch)
{
	char *refname = xprintf("refs/heads/%s", branch), *where = NULL;
	bool exists = ref_exists(repo, refname);

	if (exists)
		where = find_checkout(repo, refname);
	json_object_set_new(body, "branchExists", json_boolean(exists));
	json_object_set_new(body, "branchCheckedOut", json_boolean(where));
	if (where != NULL)
		json_object_set_new(body, "checkedOutIn", json_string(where));
	if (create_branch && exists)
		add_message(body, "errors", xprintf("Branch already exists: "
		    "%s. Uncheck 'Create branch' to use it.", branch));
	else if (!create_branch && !exists)
		add_message(body, "errors", xprintf("Branch does not exist: "
		    "%s. Enable 'Create branch' to create it.", branch));
	else if (!create_branch && where != NULL)
		add_message(body, "errors", xprintf("Branch '%s' is already "
		    "checked out in %s. Choose a different branch or create a "
		    "new one.", branch, where));
	free(where);
	free(refname);
}

json_t *
git_validate_branch(const char *cwd, const char *branch, bool create_branch)
{
	git_repository *repo;
	json_t *body;
	bool valid;
	int dirty;

	body = json_pack("{s:b, s:[], s:[], s:b, s:b}", "valid", 0,
	    "errors", "warnings", "branchExists", 0, "branchCheckedOut", 0);
	if (open_work_tree(&repo, cwd) != 0) {
		add_message(body, "errors", xstrdup("Not a git repository"));
		json_object_set_new(body, "uncommittedChanges", json_false());
		return body;
	}
	if (!branch_name_is_valid(branch))
		add_message(body, "errors",
		    xprintf("Invalid branch name: %s", branch));
	else
		check_branch(body, repo, branch, create_branch);
	if ((dirty = is_dirty(repo)) == -1)
		add_message(body, "warnings",
		    xprintf("Could not read git status: %s", last_error()));
	json_object_set_new(body, "uncommittedChanges",
	    json_boolean(dirty == 1));
	if (dirty == 1)
		add_message(body, "warnings",
		    xstrdup(UNCOMMITTED_BRANCH_WARNING));
	valid = json_array_size(json_object_get(body, "errors")) == 0;
	json_object_set_new(body, "valid", json_boolean(valid));
	git_repository_free(repo);
	return body;
}

/*
 * git_worktree_add leaves a half-made entry behind when it fails. Refusing a
 * name or folder that already exists means everything present after a failure
 * is ours to remove. Also makes <root>-worktrees.
 */
static int
prepare_worktree_slot(git_repository *repo, const char *name,
    const char *parent, const char *path, char **why)
{
	struct stat st;
	char *admin = admin_dir(repo, name);

	if (lstat(path, &st) == 0)
		*why = xprintf("'%s' already exists", path);
	else if (lstat(admin, &st) == 0)
		*why = xprintf("a worktree named '%s' already exists", name);
	else if (mkdir(parent, 0777) != 0 && errno != EEXIST)
		*why = xprintf("cannot create %s: %s", parent, strerror(errno));
	free(admin);
	return *why == NULL ? 0 : -1;
}

/* The existing local branch, or a new one at start_point (NULL: HEAD). */
static int
worktree_branch(git_repository *repo, const char *branch, bool create_branch,
    const char *start_point, git_reference **ref, char **why)
{
	git_object *start = NULL, *commit = NULL;
	int error;

	if (!create_branch)
		error = git_branch_lookup(ref, repo, branch, GIT_BRANCH_LOCAL);
	else if ((error = git_revparse_single(&start, repo,
	    start_point != NULL ? start_point : "HEAD")) == 0 &&
	    (error = git_object_peel(&commit, start, GIT_OBJECT_COMMIT)) == 0)
		error = git_branch_create(ref, repo, branch,
		    (git_commit *)commit, 0);
	if (error != 0)
		*why = xstrdup(last_error());
	git_object_free(commit);
	git_object_free(start);
	return error != 0 ? -1 : 0;
}

/* Add the worktree on ref; on failure undo everything, including a branch
 * made for it (deleted last: libgit2 refuses while a HEAD names it). */
static int
add_worktree(git_repository *repo, const char *name, const char *path,
    git_reference *ref, bool created_branch, char **why)
{
	git_worktree_add_options opts;
	git_worktree *wt = NULL;
	char *admin;

	git_worktree_add_options_init(&opts, GIT_WORKTREE_ADD_OPTIONS_VERSION);
	opts.ref = ref;
	/* The folder is new and empty: write every file, as git does. */
	opts.checkout_options.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (git_worktree_add(&wt, repo, name, path, &opts) == 0) {
		git_worktree_free(wt);
		return 0;
	}
	*why = xstrdup(last_error());
	admin = admin_dir(repo, name);
	remove_tree(path);
	remove_tree(admin);
	free(admin);
	if (created_branch)
		git_branch_delete(ref);
	return -1;
}

static int
create_worktree(const char *cwd, const char *branch, bool create_branch,
    const char *start_point, const char *session_id,
    struct git_worktree_info *out, char **cause)
{
	const char *prefix = create_branch ?
	    "Failed to create worktree with new branch" :
	    "Failed to create worktree";
	git_repository *repo = NULL;
	git_reference *ref = NULL;
	char *root = NULL, *parent = NULL, *path = NULL, *refname = NULL;
	char *where = NULL, *why = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (open_work_tree(&repo, cwd) != 0) {
		*cause = xprintf("Not a git repository: %s", cwd);
		goto out;
	}
	if (!branch_name_is_valid(branch)) {
		*cause = xprintf("Invalid branch name: %s", branch);
		goto out;
	}
	root = strip_slash(git_repository_workdir(repo));
	parent = xprintf("%s" WORKTREES_SUFFIX, root);
	path = xprintf("%s/%s", parent, session_id);
	refname = xprintf("refs/heads/%s", branch);
	if (!create_branch && (where = find_checkout(repo, refname)) != NULL) {
		*cause = xprintf("Branch '%s' is already checked out in %s",
		    branch, where);
		goto out;
	}
	if (prepare_worktree_slot(repo, session_id, parent, path, &why) != 0 ||
	    worktree_branch(repo, branch, create_branch, start_point, &ref,
	    &why) != 0 ||
	    add_worktree(repo, session_id, path, ref, create_branch,
	    &why) != 0) {
		*cause = xprintf("%s: %s", prefix, why);
		goto out;
	}
	out->repo_root = root;
	out->worktree_path = path;
	out->branch = xstrdup(branch);
	out->created_branch = create_branch;
	out->original_cwd = xstrdup(cwd);
	root = path = NULL;
	rc = 0;
out:
	free(why);
	free(where);
	free(refname);
	free(path);
	free(parent);
	free(root);
	git_reference_free(ref);
	git_repository_free(repo);
	return rc;
}

int
git_worktree_create(const char *cwd, const char *branch, bool create_branch,
    const char *start_point, const char *session_id,
    struct git_worktree_info *out, char **cause)
{
	int rc;

	pthread_mutex_lock(&worktree_lock);
	rc = create_worktree(cwd, branch, create_branch, start_point,
	    session_id, out, cause);
	pthread_mutex_unlock(&worktree_lock);
	return rc;
}

void
git_worktree_info_free(struct git_worktree_info *info)
{
	free(info->repo_root);
	free(info->worktree_path);
	free(info->branch);
	free(info->original_cwd);
	memset(info, 0, sizeof *info);
}

/* path must be the top of a linked worktree: never a main work tree, never
 * a folder inside one. */
static int
open_linked_worktree(git_repository **repo, git_worktree **wt,
    const char *path)
{
	char *real = NULL, *top = NULL;
	int ok;

	*repo = NULL;
	*wt = NULL;
	ok = git_repository_open_ext(repo, path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0 &&
	    git_repository_is_worktree(*repo) == 1 &&
	    (real = realpath(path, NULL)) != NULL &&
	    (top = strip_slash(git_repository_workdir(*repo))) != NULL &&
	    strcmp(real, top) == 0 &&
	    git_worktree_open_from_repository(wt, *repo) == 0;
	free(top);
	free(real);
	return ok ? 0 : -1;
}

static int
stash_tracked(git_repository *repo, const char *session_id)
{
	git_signature *signature = NULL;
	git_oid oid;
	char *message;
	int error;

	if (git_signature_default(&signature, repo) != 0 &&
	    git_signature_now(&signature, STASH_FALLBACK_NAME,
	    STASH_FALLBACK_EMAIL) != 0)
		return -1;
	message = xprintf(STASH_MESSAGE_PREFIX "%s", session_id);
	error = git_stash_save(&oid, repo, signature, message,
	    GIT_STASH_DEFAULT);
	free(message);
	git_signature_free(signature);
	/* Only untracked files: nothing to stash, as for `git stash push`. */
	return error == 0 || error == GIT_ENOTFOUND ? 0 : -1;
}

/* The stop path: stash tracked changes, then refuse to delete what is left,
 * as `git worktree remove` without --force does. */
static int
stash_then_check_clean(git_repository *repo, const char *path,
    const char *session_id, char **cause)
{
	int dirty;

	if ((dirty = is_dirty(repo)) == 1) {
		if (stash_tracked(repo, session_id) != 0) {
			*cause = xprintf("Failed to stash changes in %s: %s",
			    path, last_error());
			return -1;
		}
		dirty = is_dirty(repo);
	}
	if (dirty == -1)
		*cause = xprintf("Failed to read the status of %s: %s", path,
		    last_error());
	else if (dirty == 1)
		*cause = xprintf("'%s' contains modified or untracked files, "
		    "use --force to delete it", path);
	return dirty == 0 ? 0 : -1;
}

/*
 * The folder is already gone; only the repository's entry for it may be
 * left. The repository is found through the layout <root>-worktrees/<id>.
 * Without GIT_WORKTREE_PRUNE_VALID libgit2 prunes only an entry whose folder
 * is missing, so this never touches a live worktree. Nothing to find is not
 * an error.
 */
static int
prune_missing(const char *path, const char *name, bool force, char **cause)
{
	git_worktree_prune_options opts = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
	git_repository *repo = NULL;
	git_worktree *wt = NULL;
	char *root = xstrdup(path), *slash = strrchr(root, '/');
	size_t len, suffix = strlen(WORKTREES_SUFFIX);
	int rc = 0;

	if (slash != NULL)
		*slash = '\0';
	if (slash == NULL || (len = strlen(root)) <= suffix ||
	    strcmp(root + len - suffix, WORKTREES_SUFFIX) != 0)
		goto out;
	root[len - suffix] = '\0';
	if (git_repository_open_ext(&repo, root,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0 ||
	    git_worktree_lookup(&wt, repo, name) != 0)
		goto out;
	opts.flags = force ? GIT_WORKTREE_PRUNE_LOCKED : 0;
	if (git_worktree_prune(wt, &opts) != 0) {
		*cause = xprintf("Failed to prune worktree %s: %s", path,
		    last_error());
		rc = -1;
	}
out:
	git_worktree_free(wt);
	git_repository_free(repo);
	free(root);
	return rc;
}

static int
teardown_worktree(const char *worktree_path, const char *session_id,
    bool force, char **cause)
{
	git_worktree_prune_options opts = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
	git_repository *repo;
	git_worktree *wt;
	struct stat st;

	if (lstat(worktree_path, &st) != 0 && errno == ENOENT)
		return prune_missing(worktree_path, session_id, force, cause);
	if (open_linked_worktree(&repo, &wt, worktree_path) != 0) {
		*cause = xprintf("Not a git worktree: %s", worktree_path);
		goto fail;
	}
	if (!force &&
	    stash_then_check_clean(repo, worktree_path, session_id, cause) != 0)
		goto fail;
	opts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE;
	if (force)
		opts.flags |= GIT_WORKTREE_PRUNE_LOCKED;
	if (git_worktree_prune(wt, &opts) != 0) {
		*cause = xprintf("Failed to remove worktree %s: %s",
		    worktree_path, last_error());
		goto fail;
	}
	git_worktree_free(wt);
	git_repository_free(repo);
	return 0;
fail:
	git_worktree_free(wt);
	git_repository_free(repo);
	return -1;
}

int
git_worktree_teardown(const char *worktree_path, const char *session_id,
    bool force, char **cause)
{
	int rc;

	pthread_mutex_lock(&worktree_lock);
	rc = teardown_worktree(worktree_path, session_id, force, cause);
	pthread_mutex_unlock(&worktree_lock);
	return rc;
}
