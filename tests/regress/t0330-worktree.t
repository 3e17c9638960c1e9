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

# git runs off the event loop: hold libgit2 on a FIFO (it opens
# .git/info/attributes while checking the worktree out, and open() waits for a
# writer) and /health must still answer while the create is pending.
attrs=$repo/.git/info/attributes
mkdir -p "$repo/.git/info" && mkfifo "$attrs"
curl -s -m 30 -o "$tmp/slow.json" -w '%{http_code}' --unix-socket "$SOCK" \
	-X POST -H 'Content-Type: application/json' --data-binary \
	"{\"provider\":\"claude-code\",\"cwd\":\"$repo\",\"worktree\":{\"branch\":\"slow\",\"createBranch\":true}}" \
	http://localhost/sessions >"$tmp/slow.status" &
slow=$!
ok "wait_for -t 20 compgen -G '$repo/.git/worktrees/*/HEAD' >/dev/null" "git is creating the worktree"
health=$(curl -s -m 5 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/health)
is "$health" 200 "GET /health answers while git is blocked"
ok "kill -0 $slow" "the create is still waiting for git meanwhile"
pending=$(basename "$(dirname "$(compgen -G "$repo/.git/worktrees/*/HEAD")")")
call POST "/sessions/$pending/kill"
is "$STATUS" 404 "a kill before the session exists finds no session"
# Let go: O_RDWR never blocks on a FIFO and counts as the writer git waits for.
exec 3<>"$attrs"
rm -f "$attrs"
exec 3>&-
wait "$slow"
is "$(cat "$tmp/slow.status")" 201 "then the worktree session is created"
id=$(jq -r .session.id <"$tmp/slow.json")
is "$id" "$pending" "the one git was making"
wt=$(jq -r .session.metadata.worktree.worktreePath <"$tmp/slow.json")
ok "[ -d '$wt' ]" "in its worktree"
call POST "/sessions/$id/kill"
is "$STATUS" 200 "kill"
ok "[ ! -d '$wt' ]" "the worktree is removed before kill answers"

agentd_clean_exit
done_testing
