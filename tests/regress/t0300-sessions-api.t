#!/usr/bin/env bash
# The sessions API on the CLI socket: every route, and every bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

start_agentd || bail_out "agentd did not start"
work=$tmp/work
mkdir -p "$work"

# ---- system routes
call GET /health
is "$STATUS" 200 "GET /health"
is "$(jq -c . <<<"$BODY")" '{"status":"ok","zombieSessionCount":0}' "health body"
call GET /version
like "$(jq -r .version <<<"$BODY")" '^[0-9]+\.[0-9]+\.[0-9]+$' "GET /version has a version"
call GET /providers
is "$(jq -r '[.providers[].id] | join(",")' <<<"$BODY")" "claude-code,codex" "providers in order"
is "$(jq -r '.providers[1].capabilities.policyChannel' <<<"$BODY")" "input-preflight" "codex policy channel"
call GET /nope
is "$STATUS" 404 "unknown path is 404"
is "$(jq -r .error <<<"$BODY")" "Not found: /nope" "404 message"
call DELETE /health
is "$STATUS" 405 "wrong method is 405"
is "$(jq -r .error <<<"$BODY")" "Method DELETE not allowed for /health" "405 message"
call GET /sessions/bad_id
is "$STATUS" 404 "ids outside [A-Za-z0-9-] do not match a route"

# ---- bad create inputs: status and message
bad() {
	local body=$1 status=$2 msg=$3
	call POST /sessions "$body"
	is "$STATUS" "$status" "create $body -> $status"
	is "$(jq -r .error <<<"$BODY")" "$msg" "message for $body"
}
bad '{' 400 'Invalid JSON in request body'
bad 'null' 400 'Request body must be a JSON object'
bad '[]' 400 'Request body must be a JSON object'
bad '{}' 400 'Missing required field: provider'
bad '{"provider":"claude-code"}' 400 'Missing required field: cwd'
bad '{"provider":"vim","cwd":"/tmp"}' 400 'Invalid provider: vim. Must be one of: claude-code, codex'
bad '{"provider":"codex","cwd":5}' 400 'cwd must be a string'
bad '{"provider":"codex","cwd":"rel/dir"}' 400 'cwd must be an absolute path (start with /)'
bad '{"provider":"codex","cwd":"/tmp/../etc"}' 400 "cwd must not contain '..' path traversal"
bad '{"provider":"codex","cwd":"/tmp/a\u0000b"}' 400 'cwd contains invalid null byte'
bad '{"provider":"codex","cwd":"/tmp","env":"x"}' 400 'env must be an object'
bad '{"provider":"codex","cwd":"/tmp","env":{"A":1}}' 400 'env value for key "A" must be a string'
bad '{"provider":"codex","cwd":"/tmp","env":{"1A":"x"}}' 400 'env key "1A" contains invalid characters (must match [a-zA-Z_][a-zA-Z0-9_]*)'
bad '{"provider":"codex","cwd":"/tmp","args":"x"}' 400 'args must be an array'
bad '{"provider":"codex","cwd":"/tmp","args":["a",2]}' 400 'args[1] must be a string'
bad '{"provider":"codex","cwd":"/tmp","billingMode":"free"}' 400 'Invalid billingMode: free. Must be one of: subscription, api'
bad '{"provider":"codex","cwd":"/tmp","dangerousMode":"yes"}' 400 'dangerousMode must be a boolean'
bad '{"provider":"codex","cwd":"/tmp","envSetIds":"x"}' 400 'envSetIds must be an array of strings'
bad '{"provider":"codex","cwd":"/tmp","envSetIds":["nope"]}' 404 'Env set not found: nope'
bad '{"provider":"codex","cwd":"/tmp","worktree":1}' 400 'worktree must be an object'
bad '{"provider":"codex","cwd":"/tmp","worktree":{}}' 400 'worktree.branch is required'
bad '{"provider":"codex","cwd":"/tmp","worktree":{"branch":"b","createBranch":"y"}}' 400 'worktree.createBranch must be a boolean'
bad '{"provider":"codex","cwd":"/tmp","providerResume":{"providerSessionId":"  "}}' 400 'providerResume.providerSessionId must not be empty'
bad '{"provider":"codex","cwd":"/tmp","providerResume":{"providerSessionId":"x","mode":"clone"}}' 400 'providerResume.mode must be either "resume" or "fork"'
bad "{\"provider\":\"codex\",\"cwd\":\"$tmp/missing\"}" 400 "Working directory does not exist: $tmp/missing"
call GET /sessions
is "$(jq '.sessions | length' <<<"$BODY")" 0 "nothing half-created after bad inputs"
is "$(ls "$CODEPIPER_HOME/sessions" 2>/dev/null | wc -l)" 0 "no runtime dirs left behind"

# ---- create, get, list
call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$work\",\"args\":[\"--verbose\",\"x y\"]}"
is "$STATUS" 201 "create claude-code session"
id=$(jq -r .session.id <<<"$BODY")
like "$id" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "id is a UUID v4"
is "$(jq -r .session.status <<<"$BODY")" STARTING "created STARTING"
is "$(jq -c .session.metadata.launch <<<"$BODY")" '{"args":["--verbose","x y"],"billingMode":"subscription","envSetIds":[]}' "launch metadata"
wait_for eval '[[ $(api GET /sessions/'"$id"' | jq -r .session.status) == RUNNING ]]'
ok $? "session becomes RUNNING"
wait_for eval 'session_output '"$id"' | grep -q "Welcome to Claude Code"'
ok $? "the stand-in's banner shows in /output"
ok "session_output $id | grep -q 'session: $id'" "claude's own session id is the CodePiper id"

call GET /sessions
is "$(jq -r '.sessions[0].id' <<<"$BODY")" "$id" "listed"
call GET "/sessions?provider=codex"
is "$(jq '.sessions | length' <<<"$BODY")" 0 "provider filter honoured"
call GET /sessions/00000000-0000-0000-0000-000000000000
is "$STATUS" 404 "unknown session is 404"
is "$(jq -r .error <<<"$BODY")" "Session not found: 00000000-0000-0000-0000-000000000000" "404 message names the id"

# ---- name
call PUT "/sessions/$id/name" '{"name":"  Operator Alpha  "}'
is "$(jq -r .session.metadata.ui.customName <<<"$BODY")" "Operator Alpha" "name set, trimmed"
call PUT "/sessions/$id/name" '{"name":"a\u0001"}'
is "$STATUS" 400 "control characters refused"
call PUT "/sessions/$id/name" '{}'
is "$(jq -r .error <<<"$BODY")" "Missing required field: name" "name required"
call PUT "/sessions/$id/name" '{"name":null}'
is "$(jq -r '.session.metadata.ui // "cleared"' <<<"$BODY")" cleared "null clears the name"

# ---- send: any characters arrive intact
call POST "/sessions/$id/send" '{}'
is "$(jq -r .error <<<"$BODY")" "Missing required field: text" "send needs text"
call POST "/sessions/$id/send" '{"text":"quote \" dollar $HOME semi; back \\ tilde ~ é"}'
is "$STATUS" 200 "send accepted"
wait_for eval 'session_output '"$id"' | grep -qF "echo: quote \" dollar \$HOME semi; back \\ tilde ~ é"'
ok $? "text with quotes, \$, ;, backslash, ~ and UTF-8 echoed intact"
# Several 16 KB tmux buffer chunks; the stand-in reads byte by byte, so
# keep the echoed one moderate and check a 1 MB one is taken without harm.
printf '{"text":"%s"}' "$(head -c 20000 /dev/zero | tr '\0' 'x')" >"$tmp/big.json"
call POST "/sessions/$id/send" "@$tmp/big.json"
is "$STATUS" 200 "a 20 KB text is accepted"
transcript=$HOME/.claude/projects/${work//[^a-zA-Z0-9]/-}/$id.jsonl
transcript_has_big_text() {
	jq -r 'select(.type=="user") | .message.content | strings | select(length == 20000)' \
		"$transcript" 2>/dev/null | grep -qx 'x*'
}
wait_for -t 30 transcript_has_big_text
ok $? "the 20 KB text arrives whole (the agent's transcript holds it)"
printf '{"text":"%s"}' "$(head -c 1048577 /dev/zero | tr '\0' 'y')" >"$tmp/huge.json"
call POST "/sessions/$id/send" "@$tmp/huge.json"
is "$STATUS" 413 "a body over 1 MiB is refused"
is "$(jq -r .error <<<"$BODY")" "Request too large" "with the spec's message"
call POST "/sessions/$id/send" '{"text":";"}'
wait_for eval 'session_output '"$id"' | grep -q "^echo: ;$"'
ok $? "a text of exactly ';' arrives"
call POST "/sessions/$id/send" '{"text":"no enter","newline":false}'
is "$STATUS" 200 "send without newline"
call POST "/sessions/$id/keys" '{"keys":["Enter"]}'
wait_for eval 'session_output '"$id"' | grep -q "^echo: no enter$"'
ok $? "newline:false leaves the line until Enter"

# ---- keys
bad_keys() {
	call POST "/sessions/$id/keys" "$1"
	is "$(jq -r .error <<<"$BODY")" "$2" "keys $1"
}
bad_keys '{"keys":"enter"}' 'keys must be an array'
bad_keys '{"keys":[]}' 'keys array cannot be empty'
bad_keys '{"keys":[1]}' 'all keys must be strings'
call POST "/sessions/$id/keys" '{"keys":["H","i","space","X","enter"]}'
wait_for eval 'session_output '"$id"' | grep -q "^echo: Hi X$"'
ok $? "keys typed, upper-case letters included"

# ---- resize, output, events
call POST "/sessions/$id/resize" '{"cols":100,"rows":40}'
is "$(jq -c . <<<"$BODY")" '{"success":true}' "resize"
call POST "/sessions/$id/resize" '{"cols":0,"rows":40}'
is "$STATUS" 400 "resize refuses 0"
call POST "/sessions/$id/resize" '{"cols":1.5,"rows":40}'
is "$STATUS" 400 "resize refuses fractions"
call GET "/sessions/$id/events?limit=abc"
is "$STATUS" 400 "events: bad limit"
call GET "/sessions/$id/events"
is "$(jq -r '.hasMore' <<<"$BODY")" false "events list answers"

# ---- slash
call POST "/sessions/$id/slash" '{"command":"model","args":["opus"]}'
wait_for eval 'session_output '"$id"' | grep -q "Set model to opus"'
ok $? "slash command typed and submitted"

# ---- stop, then resume with the same id
call POST "/sessions/$id/stop"
is "$(jq -c . <<<"$BODY")" '{"success":true}' "stop"
call GET "/sessions/$id"
is "$(jq -r .session.status <<<"$BODY")" STOPPED "stopped"
call GET "/sessions/$id/output"
is "$STATUS" 409 "output of a stopped session is 409"
call POST "/sessions/$id/send" '{"text":"x"}'
is "$STATUS" 404 "send to a stopped session is 404"
call POST "/sessions/$id/stop"
is "$STATUS" 200 "stopping twice is fine"
call POST "/sessions/$id/resume"
is "$STATUS" 200 "resume"
is "$(jq -r .session.id <<<"$BODY")" "$id" "resume keeps the id"
is "$(jq -r .session.metadata.providerSession.source <<<"$BODY")" user-supplied "resume source"
wait_for eval 'session_output '"$id"' | grep -q "session: $id"'
ok $? "claude resumed its own session"

# ---- natural exit: 0 -> STOPPED, non-zero -> CRASHED
call POST "/sessions/$id/send" '{"text":"crash"}'
wait_for eval '[[ $(api GET /sessions/'"$id"' | jq -r .session.status) == CRASHED ]]'
ok $? "an agent exiting 3 is CRASHED"
call POST /sessions "{\"provider\":\"codex\",\"cwd\":\"$work\"}"
cid=$(jq -r .session.id <<<"$BODY")
wait_for eval 'session_output '"$cid"' | grep -q "^›"'
ok $? "codex stand-in started and shows its prompt"
call POST "/sessions/$cid/send" '{"text":"exit"}'
wait_for eval '[[ $(api GET /sessions/'"$cid"' | jq -r .session.status) == STOPPED ]]'
ok $? "an agent exiting 0 is STOPPED"

# ---- kill
call POST /sessions "{\"provider\":\"codex\",\"cwd\":\"$work\",\"dangerousMode\":true}"
kid=$(jq -r .session.id <<<"$BODY")
is "$(jq -r .session.metadata.security.dangerousMode <<<"$BODY")" true "dangerous mode recorded"
call POST "/sessions/$kid/kill"
is "$(jq -c . <<<"$BODY")" '{"success":true}' "kill"
call GET "/sessions/$kid"
is "$(jq -r .session.status <<<"$BODY")" STOPPED "killed session is STOPPED"
ok "! tmx has-session -t codepiper-$kid 2>/dev/null" "its tmux session is gone"

# ---- tmux sessions that are not ours are never touched
tmx new-session -d -s codepiper-foreign sleep 600
call POST "/sessions/$kid/kill"
ok "tmx has-session -t codepiper-foreign" "a foreign codepiper-* session survives"

agentd_clean_exit
done_testing
