#!/usr/bin/env bash
# Hooks and policies end to end, with the stand-in claude running its hooks
# from --settings the way Claude Code does (strict mode: only the
# hookSpecificOutput form counts): installation, the secret, allow, deny,
# compound commands, ask (answered through the API, remembered, refused, and
# left to time out), PreToolUse denies, statuses, notifications, an agent
# trying to approve itself, adoption after a restart, codex input preflight,
# the CLI, and the audit chain catching an edited row.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

export CODEPIPER_ASK_TIMEOUT_MS=6000
start_agentd || bail_out "agentd did not start"
work=$tmp/work
mkdir -p "$work"
db=$CODEPIPER_HOME/codepiper.db
cp_cli() { "$CODEPIPER_BIN/codepiper" -s "$SOCK" "$@"; }

session_status() { api GET "/sessions/$1" | jq -r .session.status; }
pane_has_line() { session_output "$1" | grep -qE -- "$2"; }
# Type a prompt into a session (through the API, as a user would).
say() { call POST "/sessions/$1/send" "$(jq -nc --arg t "$2" '{text: $t}')"; }
decisions() { api GET "/policy-decisions?sessionId=$1&limit=${2:-1}"; }
last_decision() { decisions "$1" | jq -c '.decisions[0] | [.toolName, .decision, .policyId, .ruleId, .reason]'; }
pending_count() { api GET /policy-decisions/pending | jq '.pending | length'; }

new_claude() {
	call POST /sessions "$(jq -nc --arg cwd "$work" --arg log "$tmp/hooks.log" \
		'{provider: "claude-code", cwd: $cwd, env: {CLAUDE_STANDIN_STRICT: "1", CLAUDE_STANDIN_HOOK_LOG: $log}}')"
	jq -r .session.id <<<"$BODY"
}
ready() { wait_for eval 'session_output '"$1"' | grep -q "^> *$"'; }

# ------------------------------------------------------------ installation
a=$(new_claude)
ready "$a"
ok $? "a claude-code session reaches its prompt"
dir=$CODEPIPER_HOME/sessions/$a
script=$dir/$a.hook-forward.sh
settings=$dir/$a.json
is "$(stat -c %a "$dir")" 700 "runtime folder is 0700"
is "$(stat -c %a "$settings")" 600 "settings file is 0600"
is "$(stat -c %a "$script")" 700 "hook script is 0700"
is "$(jq -c '.hooks | keys' "$settings")" '["Notification","PermissionRequest","PreToolUse","SessionStart","Stop"]' \
	"five hook events installed"
is "$(jq -r '[.hooks[][].hooks[].command] | unique | .[]' "$settings")" "sh '$script'" \
	"every hook runs the session's script"
is "$(jq -r '.hooks.PermissionRequest[0].hooks[0].timeout' "$settings")" 60 "PermissionRequest hook timeout 60 s"
is "$(sed -n "s/^export CODEPIPER_UNIX_SOCK='\(.*\)'$/\1/p" "$script")" "$SOCK" "script uses the socket agentd listens on"
is "$(sed -n "s/^export CODEPIPER_SESSION='\(.*\)'$/\1/p" "$script")" "$a" "script carries the session id"
secret_a=$(sed -n "s/^export CODEPIPER_SECRET='\(.*\)'$/\1/p" "$script")
like "$secret_a" '^[0-9a-f]{64}$' "a random 256-bit secret"
is "$(sed -n 's/^exec \(.*\) hook-forward$/\1/p' "$script")" "'$CODEPIPER_BIN/codepiper'" \
	"script execs the codepiper next to agentd"
ps_args=$(tmx display-message -p -t "codepiper-$a" '#{pane_pid}' | xargs -I{} cat /proc/{}/cmdline | tr '\0' ' ')
like "$ps_args" "--settings $settings" "claude started with --settings"
ok "! grep -q '$secret_a' '$AGENTD_LOG'" "the secret is not in agentd's log"
ok "! sqlite3 '$db' .dump | grep -q '$secret_a'" "nor in the database"
is "$(sqlite3 "$db" "SELECT secret_hash FROM session_hook_secrets WHERE session_id = '$a'")" \
	"$(printf %s "$secret_a" | sha256sum | cut -d' ' -f1)" "only its SHA-256 is stored"

# SessionStart as Claude Code sends it: recorded, path remembered.
wait_for eval '[[ $(api GET /sessions/'"$a"' | jq -r .session.transcriptPath) == /* ]]'
ok $? "SessionStart gave the transcript path"
call GET "/sessions/$a"
is "$(jq -r .session.transcriptPath <<<"$BODY")" "$HOME/.claude/projects/${work//[^a-zA-Z0-9]/-}/$a.jsonl" \
	"transcript path is the one claude reported"
is "$(jq -r .session.status <<<"$BODY")" RUNNING "status RUNNING after SessionStart"
call GET "/sessions/$a/events?source=hook"
is "$(jq -r '.events[0] | [.type, .payload.hook_event_name, .payload.source, (.payload.transcript_path | length > 0)] | join(" ")' <<<"$BODY")" \
	"SessionStart SessionStart startup true" "SessionStart event stored with Claude's payload"

# ------------------------------------------------------------ /hooks/claude checks
b=$(new_claude)
ready "$b"
secret_b=$(sed -n "s/^export CODEPIPER_SECRET='\(.*\)'$/\1/p" "$CODEPIPER_HOME/sessions/$b/$b.hook-forward.sh")
isnt "$secret_b" "$secret_a" "each session has its own secret"
hook() { # SECRET BODY
	STATUS=$(curl -s -o "$tmp/hook.out" -w '%{http_code}' --unix-socket "$SOCK" \
		-H 'Content-Type: application/json' ${1:+-H "X-CodePiper-Secret: $1"} \
		--data-binary "$2" http://localhost/hooks/claude)
	BODY=$(cat "$tmp/hook.out")
}
hook "" "{\"sessionId\":\"$a\",\"event\":\"Stop\",\"data\":{}}"
is "$STATUS:$(jq -r .error <<<"$BODY")" "403:Invalid or missing hook secret" "no secret: 403"
hook "nope" "{\"sessionId\":\"$a\",\"event\":\"Stop\",\"data\":{}}"
is "$STATUS" 403 "wrong secret: 403"
hook "$secret_b" "{\"sessionId\":\"$a\",\"event\":\"Stop\",\"data\":{}}"
is "$STATUS" 403 "another session's secret: 403"
hook "$secret_a" "{\"sessionId\":\"$a\",\"data\":{}}"
is "$STATUS:$(jq -r .error <<<"$BODY")" "400:Missing required field: event" "missing event: 400"
hook "$secret_a" "{\"sessionId\":\"$a\",\"event\":\"PostToolUse\"}"
is "$(jq -r .error <<<"$BODY")" \
	"Unknown event type: PostToolUse. Valid types: SessionStart, Notification, Stop, PermissionRequest, PreToolUse" \
	"unknown event: 400 with the list"
hook "$secret_a" "{\"sessionId\":\"$a\",\"event\":\"Stop\",\"data\":\"x\"}"
is "$STATUS:$BODY" '200:{"success":true}' "a non-object data is taken as {}"

# ------------------------------------------------------------ allow and deny
call POST /policies '{"id":"shell","name":"Shell","enabled":true,"priority":10,"sessionId":null,"rules":[
	{"id":"ls","action":"allow","tool":"Bash","args":{"command":"ls *"},"reason":"listing is fine"},
	{"id":"rm","action":"deny","tool":"Bash","args":{"command":"rm *"},"reason":"no rm here"},
	{"id":"sh","action":"allow","tool":"Bash","args":{"command":"sh *"}},
	{"id":"secret","action":"deny","tool":"Read","args":{"file_path":"*secret*"},"reason":"secrets stay put"}]}'
is "$STATUS" 201 "policy created"

say "$a" "run: ls -d $work"
wait_for pane_has_line "$a" "^ALLOWED: ls -d $work\$"
ok $? "allow: the command ran"
ok "pane_has_line $a 'Allowed by PermissionRequest hook'" "allow: decided by our hook, no dialog"
is "$(last_decision "$a")" '["Bash","allow","shell","ls","listing is fine"]' "allow audited with policy and rule"

# A deny rule answers already at PreToolUse (before Claude Code's own
# permission logic, which auto mode skips altogether).
say "$a" "run: rm -rf $work/keep"
wait_for pane_has_line "$a" '^DENIED: no rm here$'
ok $? "deny rule: refused with our message"
ok "pane_has_line $a 'Denied by PreToolUse hook'" "deny rule: decided at PreToolUse"
is "$(last_decision "$a")" '["Bash","deny","shell","rm","no rm here"]' "deny audited"

# With the default action deny, an unmatched request is refused by the
# PermissionRequest hook itself (exit 2 and the JSON).
call PUT /settings/daemon '{"defaultPolicyAction":"deny"}'
say "$a" "run: touch $work/by-default"
wait_for pane_has_line "$a" '^DENIED: No matching policy rule found \(default deny\)$'
ok $? "default deny: refused with the reason"
ok "pane_has_line $a 'Denied by PermissionRequest hook'" "default deny: decided by our PermissionRequest hook"
is "$(last_decision "$a")" '["Bash","deny",null,null,"No matching policy rule found (default deny)"]' "default deny audited"
is "$(jq -r 'select(.event == "PermissionRequest") | .exitCode' "$tmp/hooks.log" | sort -u | tr '\n' ' ')" "0 2 " \
	"hook-forward exits 0 on allow, 2 on deny"
call PUT /settings/daemon '{"defaultPolicyAction":"ask"}'

# Compound commands: every part must be allowed; any denied part denies.
say "$a" "run: ls -d $work && rm -rf $work/keep"
wait_for pane_has_line "$a" '^DENIED: no rm here$' 
n_denied=$(session_output "$a" | grep -c '^DENIED: no rm here$')
is "$n_denied" 2 "compound: a denied part denies the whole command"
say "$a" "run: ls -d $work | ls -d /tmp; ls -d \$(ls -d /)"
wait_for pane_has_line "$a" '^ALLOWED: ls -d .* \| ls -d /tmp'
ok $? "compound: every part allowed -> allowed"

# PreToolUse: a deny rule holds before Claude Code decides anything.
say "$a" "tool: Read $work/secret.txt"
wait_for pane_has_line "$a" '^DENIED: secrets stay put$'
ok $? "PreToolUse deny: a deny rule refuses the tool at PreToolUse"
ok "pane_has_line $a 'Denied by PreToolUse hook'" "decided by the PreToolUse hook"
is "$(last_decision "$a")" '["Read","deny","shell","secret","secrets stay put"]' "PreToolUse deny audited"
is "$(jq -r 'select(.event == "PreToolUse" and (.stdout | contains("deny") | not)) | .stdout' "$tmp/hooks.log" | sort -u)" "{}" \
	"PreToolUse without a deny prints {} (no decision)"

# ------------------------------------------------------------ ask
say "$a" "run: touch $work/made-by-api"
wait_for eval '[[ $(pending_count) == 1 ]]'
ok $? "ask: the request is pending"
call GET /policy-decisions/pending
pid=$(jq -r '.pending[0].id' <<<"$BODY")
is "$(jq -c '.pending[0] | [.sessionId, .toolName, .toolInput.command, .command, (.createdAt | length > 0)]' <<<"$BODY")" \
	"[\"$a\",\"Bash\",\"touch $work/made-by-api\",\"touch $work/made-by-api\",true]" "pending shows tool, input and command"
is "$(session_status "$a")" NEEDS_PERMISSION "session NEEDS_PERMISSION while it waits"
is "$(last_decision "$a" | jq -c '.[1:3]')" '["ask",null]' "the ask is audited (default)"
call POST "/policy-decisions/pending/$pid" '{"decision":"maybe"}'
is "$STATUS:$(jq -r .error <<<"$BODY")" "400:Field 'decision' must be allow or deny" "answer validated"
call POST "/policy-decisions/pending/nope" '{"decision":"allow"}'
is "$STATUS:$(jq -r .error <<<"$BODY")" "404:Pending decision not found: nope" "unknown pending id: 404"
call POST "/policy-decisions/pending/$pid" '{"decision":"allow","remember":true}'
is "$STATUS" 200 "answered allow through the API"
remembered=$(jq -r .policyId <<<"$BODY")
is "$remembered" "remember-$a-Bash" "remember saved a session policy"
wait_for pane_has_line "$a" "^ALLOWED: touch $work/made-by-api\$"
ok $? "the held hook answered allow: the command ran"
ok "[ -e '$work/made-by-api' ]" "and its file exists"
wait_for eval '[[ $(session_status '"$a"') == RUNNING ]]'
ok $? "session back to RUNNING"
is "$(pending_count)" 0 "nothing pending any more"
call GET "/policies/$remembered"
is "$(jq -c '[.policy.sessionId, .policy.rules[0].action, .policy.rules[0].tool, .policy.rules[0].args.command]' <<<"$BODY")" \
	"[\"$a\",\"allow\",\"Bash\",\"touch $work/made-by-api\"]" "remembered rule: this tool, this exact command, this session"
is "$(last_decision "$a")" "[\"Bash\",\"allow\",\"$remembered\",null,\"Allowed by the user\"]" "the user's answer is audited"

say "$a" "run: touch $work/made-by-api"
wait_for eval '[[ $(session_output '"$a"' | grep -c "^ALLOWED: touch '"$work"'/made-by-api$") == 2 ]]'
ok $? "the remembered rule allows the same command at once"
is "$(pending_count)" 0 "without asking"
is "$(last_decision "$a")" "[\"Bash\",\"allow\",\"$remembered\",\"r1\",\"Always allowed by the user\"]" "decided by the remembered rule"

say "$a" "run: touch $work/refused"
wait_for eval '[[ $(pending_count) == 1 ]]'
pid=$(api GET /policy-decisions/pending | jq -r '.pending[0].id')
call POST "/policy-decisions/pending/$pid" '{"decision":"deny"}'
wait_for pane_has_line "$a" '^DENIED: Denied by the user$'
ok $? "answered deny through the API: refused"
ok "[ ! -e '$work/refused' ]" "nothing ran"

# Nobody answers: after the timeout the hook answers ask and Claude's own
# dialog takes over (here: the stand-in's; the user says yes in it).
say "$a" "run: touch $work/after-timeout"
wait_for eval '[[ $(pending_count) == 1 ]]'
ok $? "another ask pending"
wait_for -t 15 pane_has_line "$a" 'Do you want to proceed\?'
ok $? "timeout: Claude's own prompt takes over"
is "$(pending_count)" 0 "the pending ask is gone"
is "$(session_status "$a")" NEEDS_PERMISSION "still NEEDS_PERMISSION while the dialog shows"
call POST "/sessions/$a/keys" '{"keys":["1"]}'
wait_for pane_has_line "$a" "^ALLOWED: touch $work/after-timeout\$"
ok $? "answered in the agent's own dialog"
wait_for eval '[[ $(session_status '"$a"') == RUNNING ]]'
ok $? "the Stop hook sets RUNNING again"

# ------------------------------------------------------------ notifications and statuses
call PUT /settings/daemon '{"notificationsEnabled":true}'
say "$a" "notify: permission"
wait_for eval '[[ $(session_status '"$a"') == NEEDS_PERMISSION ]]'
ok $? "Notification permission_prompt -> NEEDS_PERMISSION"
say "$a" "notify: idle"
wait_for eval '[[ $(session_status '"$a"') == NEEDS_INPUT ]]'
ok $? "Notification idle_prompt (notification_type) -> NEEDS_INPUT"
say "$a" "hello"
wait_for eval '[[ $(session_status '"$a"') == RUNNING ]]'
ok $? "Stop -> RUNNING"
n=$(sqlite3 "$db" "SELECT group_concat(event_type, ' ') FROM (SELECT event_type FROM session_notifications WHERE session_id = '$a' ORDER BY id)")
is "$n" "session.permission_required session.input_required session.turn_completed" "notifications created when enabled"
label=$(basename "$work")
is "$(sqlite3 "$db" "SELECT body FROM session_notifications WHERE session_id = '$a' ORDER BY id LIMIT 1")" \
	"$label is waiting for permission approval in Claude Code." "notification body"
call PUT /settings/daemon '{"notificationsEnabled":false}'

# ------------------------------------------------------------ the agent tries to approve itself
call POST /policies "{\"id\":\"sh-$a\",\"name\":\"a may run sh\",\"enabled\":true,\"priority\":5,\"sessionId\":\"$a\",
	\"rules\":[{\"action\":\"allow\",\"tool\":\"Bash\",\"args\":{\"command\":\"sh *\"}}]}"
say "$b" "run: touch $work/b-wants-this"
wait_for eval '[[ $(pending_count) == 1 ]]'
pending_b=$(api GET /policy-decisions/pending | jq -r '.pending[0].id')
cat >"$tmp/agent-try.sh" <<EOF
try() { u=\$1; shift; printf '%s %s\n' "\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$SOCK' "\$@" "\$u")" "\$u"; }
{
try http://localhost/policy-decisions/pending/$pending_b -X POST -H 'Content-Type: application/json' -d '{"decision":"allow"}'
try http://localhost/policy-decisions/pending
try http://localhost/policies -X POST -H 'Content-Type: application/json' -d '{"id":"evil","name":"evil","enabled":true,"priority":99,"sessionId":null,"rules":[{"action":"allow"}]}'
try http://localhost/policies/shell -X PUT -H 'Content-Type: application/json' -d '{"enabled":false}'
try http://localhost/settings/daemon -X PUT -H 'Content-Type: application/json' -d '{"defaultPolicyAction":"deny"}'
try http://localhost/sessions/$b/keys -X POST -H 'Content-Type: application/json' -d '{"keys":["1"]}'
try http://localhost/sessions/$a/send -X POST -H 'Content-Type: application/json' -d '{"text":"x"}'
try http://localhost/sessions/$b
try http://localhost/sessions/$a
try http://localhost/hooks/claude -H 'Content-Type: application/json' -H 'X-CodePiper-Secret: $secret_b' -d '{"sessionId":"$b","event":"Stop","data":{}}'
'$CODEPIPER_BIN/codepiper' -s '$SOCK' policy approve $pending_b >/dev/null 2>'$tmp/agent-cli.err'; echo "cli \$?"
} >'$tmp/agent-try.out' 2>&1
EOF
say "$a" "run: sh $tmp/agent-try.sh"
wait_for eval '[[ -s '"$tmp/agent-try.out"' ]] && grep -q "^cli" '"$tmp/agent-try.out"
ok $? "the stand-in agent ran its attempts"
try_status() { grep " $1\$" "$tmp/agent-try.out" | head -1 | cut -d' ' -f1; }
is "$(try_status "http://localhost/policy-decisions/pending/$pending_b")" 403 "agent cannot approve a pending ask"
is "$(try_status http://localhost/policy-decisions/pending)" 403 "agent cannot list pending asks"
is "$(try_status http://localhost/policies)" 403 "agent cannot create a policy"
is "$(try_status http://localhost/policies/shell)" 403 "agent cannot disable a policy"
is "$(try_status http://localhost/settings/daemon)" 403 "agent cannot change the default action"
is "$(try_status "http://localhost/sessions/$b/keys")" 403 "agent cannot send keys to another session"
is "$(try_status "http://localhost/sessions/$a/send")" 403 "agent cannot type into its own session"
is "$(try_status "http://localhost/sessions/$b")" 403 "agent cannot read another session"
is "$(try_status "http://localhost/sessions/$a")" 200 "agent may read its own session"
is "$(try_status http://localhost/hooks/claude)" 403 "agent cannot post hooks for another session"
is "$(grep '^cli' "$tmp/agent-try.out")" "cli 1" "codepiper policy approve from the agent fails"
like "$(cat "$tmp/agent-cli.err")" "Agents may not call this endpoint" "with the reason"
is "$(pending_count)" 1 "b's request is still pending"
call GET /policies/shell
is "$(jq -r .policy.enabled <<<"$BODY")" true "policy untouched"
call GET /policies/evil
is "$STATUS" 404 "no policy was created"
call POST "/policy-decisions/pending/$pending_b" '{"decision":"allow"}'
wait_for pane_has_line "$b" "^ALLOWED: touch $work/b-wants-this\$"
ok $? "a person can still approve it"

# ------------------------------------------------------------ the hook exactly as Claude Code runs it
out=$(printf '%s' "{\"session_id\":\"$a\",\"hook_event_name\":\"PermissionRequest\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls -la\"}}" | sh "$script")
is "$out" '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}' \
	"the script prints Claude Code's hookSpecificOutput form"

# ------------------------------------------------------------ restart: secrets survive adoption
call PUT /settings/daemon '{"preserveSessions":true}'
stop_agentd KILL
start_agentd || bail_out "agentd did not restart"
wait_for eval '[[ $(session_status '"$a"') == RUNNING ]]'
say "$a" "run: ls -d /"
wait_for pane_has_line "$a" '^ALLOWED: ls -d /$'
ok $? "after a restart the adopted session's hooks are still accepted"
hook "$secret_a" "{\"sessionId\":\"$a\",\"event\":\"Stop\",\"data\":{}}"
is "$STATUS" 200 "its secret checks against the stored hash"

# ------------------------------------------------------------ codex: input preflight
call POST /sessions "{\"provider\":\"codex\",\"cwd\":\"$work\"}"
c=$(jq -r .session.id <<<"$BODY")
wait_for eval 'session_output '"$c"' | grep -q "codex session"'
call POST /policies "{\"id\":\"cx\",\"name\":\"codex guard\",\"enabled\":true,\"priority\":1,\"sessionId\":\"$c\",\"rules\":[
	{\"id\":\"nuke\",\"action\":\"deny\",\"tool\":\"terminal_input\",\"args\":{\"input\":\"*rm -rf*\"},\"reason\":\"not that\"},
	{\"id\":\"esc\",\"action\":\"ask\",\"tool\":\"terminal_keys\",\"args\":{\"keys\":\"*escape*\"}}]}"
call POST "/sessions/$c/send" '{"text":"please rm -rf /"}'
is "$STATUS:$(jq -c . <<<"$BODY")" '403:{"error":"not that","policyAction":"deny","provider":"codex"}' "codex: denied input -> 403"
call POST "/sessions/$c/keys" '{"keys":["escape"]}'
is "$STATUS:$(jq -c . <<<"$BODY")" \
	'409:{"error":"Policy returned ask, but this provider does not support interactive policy approvals","policyAction":"ask","provider":"codex"}' \
	"codex: ask rule on keys -> 409"
for i in 1 2 3 4 5; do call POST "/sessions/$c/send" "{\"text\":\"line $i\"}"; done
is "$STATUS" 200 "codex: allowed input goes through"
wait_for eval '[[ $(api GET "/sessions/'"$c"'/events?type=InputPolicyDecision" | jq "[.events[] | select(.payload.effectiveAction == \"allow\")] | length") -ge 1 ]]'
call GET "/sessions/$c/events?type=InputPolicyDecision"
is "$(jq -c '[.events[] | select(.payload.effectiveAction == "allow") | .payload.count] ' <<<"$BODY")" "[5]" \
	"five inputs coalesced into one decision event"
is "$(jq -r '[.events[] | .payload | select(.policyAction == "deny")][0] | [.tool, .inputBytes, (.inputHash | length)] | join(" ")' <<<"$BODY")" \
	"terminal_input 15 64" "the denial: bytes and hash, never the text"
ok "! sqlite3 '$db' .dump | grep -q 'please rm'" "raw input never stored"
call POST "/sessions/$c/kill"

# ------------------------------------------------------------ policy API validation
bad() { # BODY STATUS MESSAGE
	call POST /policies "$1"
	is "$STATUS:$(jq -r .error <<<"$BODY")" "$2:$3" "POST /policies $1"
}
bad '{"name":"x"}' 400 'Missing required field: id'
bad '{"id":"x","name":"x","priority":1,"sessionId":null,"rules":[]}' 400 'Missing required field: enabled'
bad '{"id":"x","name":"x","enabled":true,"priority":1.5,"sessionId":null,"rules":[]}' 400 "Field 'priority' must be an integer"
bad '{"id":"x","name":"x","enabled":true,"priority":1,"sessionId":null,"rules":{}}' 400 "Field 'rules' must be an array"
bad '{"id":"x","name":"x","enabled":true,"priority":1,"sessionId":null,"rules":[{"action":"maybe"}]}' 400 \
	"Field 'rules[0].action' must be one of: allow, deny, ask"
bad '{"id":"x","name":"x","enabled":true,"priority":1,"sessionId":"nope","rules":[]}' 404 'Session not found: nope'
bad '{"id":"shell","name":"x","enabled":true,"priority":1,"sessionId":null,"rules":[]}' 409 'Policy already exists: shell'
call PUT /policies/shell '{"enabled":"no"}'
is "$STATUS:$(jq -r .error <<<"$BODY")" "400:Field 'enabled' must be a boolean" "PUT validates"
call GET "/sessions/$a/effective-policies"
is "$(jq -c '[.policies[].id]' <<<"$BODY")" "[\"$remembered\",\"shell\",\"sh-$a\"]" "effective policies in priority order"

# ------------------------------------------------------------ CODEPIPER_SECRET (test harnesses)
stop_agentd KILL
CODEPIPER_SECRET=harness-secret-1 start_agentd || bail_out "agentd did not restart"
hook "harness-secret-1" '{"sessionId":"no-such-session","event":"Stop","data":{}}'
is "$STATUS:$(jq -r .error <<<"$BODY")" "404:Session not found: no-such-session" \
	"CODEPIPER_SECRET is accepted for any session id (then 404 for an unknown one)"
hook "$secret_a" "{\"sessionId\":\"$a\",\"event\":\"Stop\",\"data\":{}}"
is "$STATUS" 200 "the session's own secret still works beside it"
ok "! grep -q harness-secret-1 '$AGENTD_LOG'" "CODEPIPER_SECRET is not logged"

# ------------------------------------------------------------ the CLI
out=$(cp_cli policy create --name "CLI made" --rules '[{"action":"deny","tool":"WebFetch"}]' --priority 3)
like "$out" 'Policy created: CLI made \(ID: [0-9a-f-]{36}\)' "policy create"
pol=$(sed -n 's/.*(ID: \(.*\))/\1/p' <<<"$out")
like "$(cp_cli policy list)" "${pol:0:8} +CLI made +yes +3 +global" "policy list"
like "$(cp_cli policy toggle "$pol")" "Policy #$pol disabled" "policy toggle"
like "$(cp_cli policy get "$pol")" 'Enabled: +no' "policy get"
out=$(cp_cli policy-set create --name "Baseline" --default)
like "$out" 'Policy set created: Baseline' "policy-set create"
set=$(sed -n 's/.*(ID: \(.*\))/\1/p' <<<"$out")
like "$(cp_cli policy-set add-policy "$set" "$pol")" "Policy #$pol added to set #$set" "policy-set add-policy"
like "$(cp_cli policy-set get "$set")" "CLI made" "policy-set get lists members"
d=$(new_claude)
ready "$d"
call GET "/sessions/$d/policy-sets"
is "$(jq -r '.policySets[0].name' <<<"$BODY")" Baseline "the default set is bound to a new session"
like "$(cp_cli policy-set remove-policy "$set" "$pol")" "removed from set" "policy-set remove-policy"
like "$(cp_cli policy delete "$pol")" "Policy #$pol deleted" "policy delete"
like "$(cp_cli audit --session "$a" --limit 3)" 'Total: 3 decision\(s\)' "audit list"
like "$(cp_cli policy default)" 'Default policy action: ask' "policy default"

# ------------------------------------------------------------ the audit chain
call GET /policy-decisions/verify
is "$(jq -r .ok <<<"$BODY")" true "audit chain verifies"
checked=$(jq -r .checked <<<"$BODY")
ok "[ '$checked' -ge 10 ]" "every decision checked ($checked)"
like "$(cp_cli audit verify)" "Audit chain intact: $checked decision" "codepiper audit verify: intact"
deny_id=$(api GET "/policy-decisions?decision=deny&limit=1&order=asc" | jq -r '.decisions[0].id')
sqlite3 "$db" "UPDATE policy_decisions SET decision = 'allow' WHERE id = $deny_id"
call GET /policy-decisions/verify
is "$(jq -c '[.ok, .firstBrokenId]' <<<"$BODY")" "[false,$deny_id]" "an edited row breaks the chain at that row"
out=$(cp_cli audit verify 2>&1)
is "$?" 1 "codepiper audit verify exits 1"
like "$out" "Audit chain broken at decision #$deny_id" "and names the row"
sqlite3 "$db" "UPDATE policy_decisions SET decision = 'deny' WHERE id = $deny_id"
call GET /policy-decisions/verify
is "$(jq -r .ok <<<"$BODY")" true "restored row verifies again"
sqlite3 "$db" "DELETE FROM policy_decisions WHERE id = $deny_id"
call GET /policy-decisions/verify
next_id=$(sqlite3 "$db" "SELECT MIN(id) FROM policy_decisions WHERE id > $deny_id")
is "$(jq -c '[.ok, .firstBrokenId]' <<<"$BODY")" "[false,$next_id]" "a deleted row breaks the link of the next one"

call GET "/policy-decisions?limit=0"
is "$STATUS" 422 "limit validated"
call GET "/policy-decisions?sessionId=$a&limit=2&offset=1"
is "$(jq -c '[(.decisions | length), (.total > 2)]' <<<"$BODY")" "[2,true]" "paged with limit, offset and a total"

agentd_clean_exit
done_testing
