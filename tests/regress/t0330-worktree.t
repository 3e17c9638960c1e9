#!/usr/bin/env bash
# Folder validation and worktree sessions (libgit2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
repo=$tmp/repo
git init -q -b main "$repo" && echo one >"$repo/a.txt" && git -C "$repo" add a.txt &&
	git -C "$repo" commit -qm first && git -C "$repo" branch existing
start_agentd || bail_out "agentd did not start"

call POST /sessions/validate "{\"cwd\":\"$tmp/nope\"}"
is "$(jq -c . <<<"$BODY")" "{\"valid\":false,\"directoryExists\":false,\"isGitRepo\":false,\"errors\":[\"Directory does not exist: $tmp/nope\"],\"warnings\":[]}" "validate: missing folder"
call POST /sessions/validate "{\"cwd\":\"$repo\"}"
is "$(jq -c '[.valid, .isGitRepo, .gitInfo.currentBranch, .gitInfo.branches]' <<<"$BODY")" '[true,true,"main",["existing","main"]]' "validate: a repository"
call POST /sessions/validate '{}'
is "$(jq -r .error <<<"$BODY")" "Missing required field: cwd" "validate needs cwd"
call POST /sessions/validate-git "{\"cwd\":\"$repo\",\"branch\":\"existing\",\"createBranch\":true}"
is "$(jq -r '.errors[0]' <<<"$BODY")" "Branch already exists: existing. Uncheck 'Create branch' to use it." "validate-git: exists"
call POST /sessions/validate-git "{\"cwd\":\"$repo\",\"branch\":\"x\"}"
is "$(jq -r .error <<<"$BODY")" "Missing required field: createBranch" "validate-git needs createBranch"

call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$repo\",\"worktree\":{\"branch\":\"feat\",\"createBranch\":true}}"
is "$STATUS" 201 "worktree session created"
id=$(jq -r .session.id <<<"$BODY")
wt=$(jq -r .session.metadata.worktree.worktreePath <<<"$BODY")
is "$wt" "$tmp/repo-worktrees/$id" "worktree path per spec"
is "$(jq -r .session.cwd <<<"$BODY")" "$wt" "the session runs in the worktree"
is "$(git -C "$wt" rev-parse --abbrev-ref HEAD)" feat "on the new branch"
call POST /sessions "{\"provider\":\"codex\",\"cwd\":\"$repo\",\"worktree\":{\"branch\":\"feat\"}}"
is "$STATUS" 422 "a branch checked out elsewhere is refused"
like "$(jq -r .error <<<"$BODY")" "^Branch 'feat' is already checked out in " "with the spec's message"
echo change >>"$wt/a.txt"
call POST "/sessions/$id/stop"
is "$STATUS" 200 "stop"
ok "[ ! -d '$wt' ]" "the worktree is removed on stop"
like "$(git -C "$repo" stash list)" "codepiper-session-$id" "its uncommitted change was stashed"
call POST "/sessions/$id/resume"
is "$STATUS" 400 "resume after the worktree was removed fails clearly"
like "$(jq -r .error <<<"$BODY")" "^Working directory does not exist" "saying why"

agentd_clean_exit
done_testing
