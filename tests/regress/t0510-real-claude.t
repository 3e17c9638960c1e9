#!/usr/bin/env bash
# The real Claude Code (pinned by scripts/install-real-claude.sh) in a
# CodePiper session against the fake Messages API: our hooks installed with
# --settings, SessionStart recorded with the transcript path, a permission
# request allowed by our policy (the command runs), a deny rule refusing one
# with our message (at PreToolUse), the default action deny refusing one at
# PermissionRequest, and the durationMs Claude Code itself records for our
# PreToolUse hook. SKIPs loudly when Claude Code cannot be installed.
. "$(dirname "$0")/lib.sh"

if ! claude=$(sh "$REPO_ROOT/scripts/install-real-claude.sh" 2>"$tmp/install.err"); then
	skip_all "SKIP: real Claude Code could not be installed: $(tail -n 1 "$tmp/install.err")"
fi
command -v node >/dev/null 2>&1 || skip_all "SKIP: node is needed for the fake Messages API"
version=$("$claude" --version 2>/dev/null | sed -n '1s/^\([0-9][0-9.]*\).*/\1/p')

. "$(dirname "$0")/agentd.sh"
# The real claude first on the daemon's PATH (agentd.sh put the stand-ins there).
export PATH=$(dirname "$claude"):$PATH
start_fake_anthropic --log "$tmp/api.log" || bail_out "fake Messages API did not start"

work=$tmp/proj
mkdir -p "$work"
key=sk-ant-api03-codepiper-test-key-0123456789abcdefghij
jq -n --arg v "$version" --arg k "${key: -20}" --arg cwd "$work" '{
	hasCompletedOnboarding: true, lastOnboardingVersion: $v,
	customApiKeyResponses: {approved: [$k], rejected: []},
	projects: {($cwd): {hasTrustDialogAccepted: true, allowedTools: []}}}' >"$HOME/.claude.json"

start_agentd || bail_out "agentd did not start"
note "Claude Code $version ($claude), fake API at $FAKE_ANTHROPIC_URL"

session_status() { api GET "/sessions/$1" | jq -r .session.status; }
# The screen without colours (GET /output keeps the escape sequences).
screen() { session_output "$id" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'; }
screen_has() { screen | grep -qE -- "$1"; }
say() { call POST "/sessions/$id/send" "$(jq -nc --arg t "$1" '{text: $t}')"; }
last_decision() {
	api GET "/policy-decisions?sessionId=$id&limit=1" |
		jq -c '.decisions[0] | [.toolName, .decision, .policyId, .ruleId, .reason]'
}

call POST /policies "$(jq -nc --arg w "$work" '{id: "real", name: "real claude", enabled: true,
	priority: 10, sessionId: null, rules: [
	{id: "ok", action: "allow", tool: "Bash", args: {command: ("touch " + $w + "/allowed*")}, reason: "allowed by CodePiper"},
	{id: "echo", action: "allow", tool: "Bash", args: {command: "echo *"}},
	{id: "no", action: "deny", tool: "Bash", args: {command: ("touch " + $w + "/denied*")}, reason: "CodePiper policy says no"}]}')"
is "$STATUS" 201 "policy created"

call POST /sessions "$(jq -nc --arg cwd "$work" --arg key "$key" --arg url "$FAKE_ANTHROPIC_URL" '{
	provider: "claude-code", cwd: $cwd, billingMode: "api",
	args: ["--permission-mode", "default"],
	env: {ANTHROPIC_API_KEY: $key, ANTHROPIC_BASE_URL: $url, DISABLE_TELEMETRY: "1",
	      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", LANG: "C.UTF-8"}}')"
is "$STATUS" 201 "claude-code session created"
id=$(jq -r .session.id <<<"$BODY")

wait_for -t 90 screen_has '^❯'
if ! ok $? "real Claude Code reaches its prompt"; then
	diag "$(screen | tail -n 30)"
	bail_out "Claude Code did not start"
fi

# SessionStart: recorded, with the transcript path Claude Code reported.
wait_for -t 30 eval '[[ $(api GET /sessions/'"$id"' | jq -r .session.transcriptPath) == /* ]]'
ok $? "SessionStart hook arrived"
transcript=$(api GET "/sessions/$id" | jq -r .session.transcriptPath)
like "$transcript" "^$HOME/.claude/projects/.*/$id\\.jsonl\$" "transcript path recorded: $transcript"
call GET "/sessions/$id/events?source=hook&type=SessionStart"
is "$(jq -r '.events[0].payload | [.hook_event_name, .session_id, .source] | join(" ")' <<<"$BODY")" \
	"SessionStart $id startup" "SessionStart event holds Claude Code's own payload"

# Allowed by our policy: the command runs, no dialog.
say "RUN_BASH: touch $work/allowed-file && echo done"
wait_for -t 60 eval '[[ -e '"$work/allowed-file"' ]]'
ok $? "allow: the command ran"
wait_for -t 10 screen_has 'Allowed by PermissionRequest hook'
ok $? "allow: Claude Code says our PermissionRequest hook allowed it"
is "$(last_decision)" '["Bash","allow","real","ok","allowed by CodePiper"]' "allow: audited with policy and rule"
wait_for -t 30 eval '[[ $(api GET "/sessions/'"$id"'/events?type=Stop&source=hook" | jq ".events | length") -ge 1 ]]'
ok $? "the turn ended (Stop hook)"

# A deny rule: refused with our message, at PreToolUse.
say "RUN_BASH: touch $work/denied-file"
wait_for -t 60 screen_has 'CodePiper policy says no'
ok $? "deny rule: Claude Code shows our message"
ok "[ ! -e '$work/denied-file' ]" "deny rule: the command did not run"
is "$(last_decision)" '["Bash","deny","real","no","CodePiper policy says no"]' "deny rule: audited"
wait_for -t 30 eval '[[ $(api GET "/sessions/'"$id"'/events?type=Stop&source=hook" | jq ".events | length") -ge 2 ]]'

# The default action deny: refused by our PermissionRequest hook.
call PUT /settings/daemon '{"defaultPolicyAction":"deny"}'
say "RUN_BASH: touch $work/unmatched-file"
wait_for -t 60 screen_has 'Denied by PermissionRequest hook'
ok $? "default deny: refused by our PermissionRequest hook"
ok "screen_has 'default deny'" "with our reason"
ok "[ ! -e '$work/unmatched-file' ]" "default deny: the command did not run"
is "$(last_decision)" '["Bash","deny",null,null,"No matching policy rule found (default deny)"]' "default deny: audited"
call PUT /settings/daemon '{"defaultPolicyAction":"ask"}'
is "$(session_status "$id")" RUNNING "status RUNNING after the decisions"

# Ask (no rule matches, default ask): the request waits for a person.
# Claude Code shows its own dialog meanwhile; the API's answer wins.
pending_count() { api GET "/policy-decisions/pending?sessionId=$id" | jq '.pending | length'; }
say "RUN_BASH: touch $work/asked-file"
wait_for -t 60 eval '[[ $(pending_count) == 1 ]]'
ok $? "ask: the permission request is pending"
is "$(session_status "$id")" NEEDS_PERMISSION "ask: session NEEDS_PERMISSION"
pid=$(api GET "/policy-decisions/pending?sessionId=$id" | jq -r '.pending[0].id')
call POST "/policy-decisions/pending/$pid" '{"decision":"allow"}'
is "$STATUS" 200 "ask: answered allow through the API"
wait_for -t 30 eval '[[ -e '"$work/asked-file"' ]]'
ok $? "ask: the command ran"

# Answered in Claude Code's own dialog instead: the next hook settles it.
say "RUN_BASH: touch $work/dialog-file"
wait_for -t 60 eval '[[ $(pending_count) == 1 ]]'
wait_for -t 30 screen_has 'Do you want to proceed'
ok $? "ask: Claude Code's dialog shows while our hook waits"
# Claude Code ignores keys for a moment after its dialog appears (observed:
# an immediate "1" is dropped), so press 1 until it takes.
press_yes() { [[ -e $work/dialog-file ]] && return 0; call POST "/sessions/$id/keys" '{"keys":["1"]}'; return 1; }
wait_for -t 30 -i 1 press_yes
ok $? "dialog: answered yes in Claude Code's own dialog, the command ran"
wait_for -t 30 eval '[[ $(pending_count) == 0 ]]'
ok $? "dialog: the pending ask was settled by the next hook"

# What our hooks cost, measured by Claude Code itself.
wait_for -t 10 eval 'jq -e "select(.attachment.hookEvent == \"PreToolUse\" and .attachment.durationMs != null)" "'"$transcript"'" >/dev/null 2>&1'
durations=$(jq -r 'select(.type == "attachment" and .attachment.hookEvent == "PreToolUse") | .attachment.durationMs // empty' "$transcript" | tr '\n' ' ')
ok "[ -n '$durations' ]" "Claude Code recorded durationMs for our PreToolUse hook"
note "PreToolUse hook durationMs as recorded by Claude Code $version: $durations"
stop_ms=$(jq -r 'select(.subtype == "stop_hook_summary") | .hookInfos[].durationMs' "$transcript" | tr '\n' ' ')
note "Stop hook durationMs (stop_hook_summary): $stop_ms"

call POST "/sessions/$id/kill"
agentd_clean_exit
done_testing
