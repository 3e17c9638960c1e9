#!/usr/bin/env bash
# The stand-in agent CLIs (tests/bin/claude, tests/bin/codex) in a real tmux
# pane: typing, bracketed paste, hooks from --settings and their decisions,
# the transcript, exit codes.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"

plan 42

home=$tmp/home
proj=$tmp/proj
hooks=$tmp/hooks
mkdir -p "$home" "$proj" "$hooks"
sid=5ebd0c1e-7a2b-4c3d-9e8f-0123456789ab

# Hook: records each payload as hooks/<event>.<ns>.json; the PermissionRequest
# answer is chosen by the file hooks/mode.
cat >"$tmp/hook.sh" <<'EOF'
#!/bin/sh
dir=$1
f=$(mktemp "$dir/payload.XXXXXX")
cat >"$f"
ev=$(jq -r .hook_event_name "$f")
mv "$f" "$dir/$ev.$(date +%s%N).json"
[ "$ev" = PermissionRequest ] || exit 0
case $(cat "$dir/mode" 2>/dev/null) in
allow) echo '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}' ;;
deny) echo "blocked by test policy" >&2; exit 2 ;;
json-deny) echo '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"no from json"}}}' ;;
*) ;; # no decision: the agent asks
esac
exit 0
EOF
hookcmd="sh '$tmp/hook.sh' '$hooks'"
jq -n --arg c "$hookcmd" '{hooks: (["SessionStart","Notification","PermissionRequest","Stop","SessionEnd"]
	| map({key: ., value: [{hooks: [{type: "command", command: $c, stdin: "event"}]}]}) | from_entries)}' \
	>"$tmp/settings.json"

# newest payload file of an event
last_payload() { ls "$hooks/$1".*.json 2>/dev/null | tail -n 1; }
count_payloads() { ls "$hooks/$1".*.json 2>/dev/null | wc -l; }
type_line() { tmx send-keys -t "$1" -l -- "$2" && tmx send-keys -t "$1" Enter; }
dead_status() { tmx display-message -p -t "$1" '#{pane_dead} #{pane_dead_status}' 2>/dev/null; }
# polled conditions (wait_for re-runs them; no $(...) in its arguments)
has_payload() { [ -n "$(last_payload "$1")" ]; }
more_payloads() { [ "$(count_payloads "$1")" -gt "$2" ]; }
# The pane's shell prints the exit status: tmux 3.3 sometimes leaves a dead
# pane's process unreaped (pane_dead 1, empty pane_dead_status) until some
# other child exits, so #{pane_dead_status} cannot be polled reliably.
exited_with() { pane_has "$1" "^\\[exited $2\\]\$"; }
why() { # what a pane shows and runs
	local pid
	pid=$(tmx display-message -p -t "$1" '#{pane_pid}')
	pane_text "$1"
	echo "pane $1: $(dead_status "$1"), processes:"
	ps -o pid,ppid,pgid,tpgid,stat,wchan:24,args -g "$pid" 2>/dev/null
}
q() { printf '%q' "$1"; }

tmx new-session -d -s t -n idle -x 160 -y 60 "sleep 600" \; set-option -g remain-on-exit on \
	|| bail_out "cannot start tmux"
run_in() { # window-name cwd command...
	local name=$1 cwd=$2
	shift 2
	tmx new-window -d -t t -n "$name" -c "$cwd" \
		"env HOME=$(q "$home") PATH=$(q "$STANDIN_BIN:$PATH") $*; echo \"[exited \$?]\""
}

# ------------------------------------------------------------------ claude
run_in claude "$proj" claude --session-id $sid --settings "$(q "$tmp/settings.json")" --model sonnet
W=t:claude
ok "wait_for pane_has $W 'Welcome to Claude Code'" "claude: banner"
ok "wait_for pane_has $W '^> ?\$'" "claude: prompt"

ok "wait_for has_payload SessionStart" "claude: SessionStart hook ran"
p=$(last_payload SessionStart)
tpath=$home/.claude/projects/${proj//[^a-zA-Z0-9]/-}/$sid.jsonl
is "$(jq -r '[.hook_event_name, .session_id, .source, .cwd] | join(" ")' "$p" 2>/dev/null)" \
	"SessionStart $sid startup $proj" "claude: SessionStart payload"
is "$(jq -r .transcript_path "$p" 2>/dev/null)" "$tpath" "claude: transcript_path"
like "$(jq -r .model "$p" 2>/dev/null)" '^claude-' "claude: model in SessionStart"

type_line $W "hello world"
ok "wait_for pane_has $W '^echo: hello world\$'" "claude: typed line echoed"
ok "wait_for test -s $(q "$tpath")" "claude: transcript written"
is "$(jq -r 'select(.type == "user") | .message.content' "$tpath" 2>/dev/null | head -n 1)" "hello world" \
	"claude: transcript user line"
is "$(jq -c 'select(.type == "assistant") | [.message.role, .message.content[0].text,
	(.message.id | startswith("msg_")), (.message.model | startswith("claude-")),
	(.message.usage | [.input_tokens, .output_tokens, .cache_creation_input_tokens, .cache_read_input_tokens]
	| map(type == "number") | all), .sessionId == "'$sid'"]' "$tpath" 2>/dev/null | head -n 1)" \
	'["assistant","echo: hello world",true,true,true,true]' "claude: transcript assistant line with usage"
ok "wait_for has_payload Stop" "claude: Stop hook after the turn"
is "$(jq -r '[.hook_event_name, .session_id, .stop_hook_active, .last_assistant_message] | join("|")' \
	"$(last_payload Stop)" 2>/dev/null)" "Stop|$sid|false|echo: hello world" "claude: Stop payload"

tmux_paste $W "pasted text" && tmx send-keys -t $W Enter
ok "wait_for pane_has $W '^echo: pasted text\$'" "claude: bracketed paste submitted"
unlike "$(pane_text $W)" '200~|201~' "claude: paste markers stripped"

tmux_paste $W $'first line\nsecond line' && tmx send-keys -t $W Enter
ok "wait_for pane_has $W '^echo: first line\$'" "claude: multi-line paste is one prompt"
is "$(jq -r 'select(.type == "user") | .message.content | strings' "$tpath" | tail -n 2 | tr '\n' '|')" \
	"first line|second line|" "claude: multi-line prompt kept its newline"

echo allow >"$hooks/mode"
type_line $W "run: touch allowed.txt"
ok "wait_for pane_has $W '^ALLOWED: touch allowed.txt\$'" "claude: PermissionRequest allow -> ALLOWED"
ok "[ -f $(q "$proj/allowed.txt") ]" "claude: allowed command ran"
p=$(last_payload PermissionRequest)
is "$(jq -c '[.hook_event_name, .session_id, .tool_name, .tool_input.command, (.tool_input.description | type),
	(.permission_suggestions | type), .cwd, (.transcript_path | length > 0)]' "$p" 2>/dev/null)" \
	"[\"PermissionRequest\",\"$sid\",\"Bash\",\"touch allowed.txt\",\"string\",\"array\",\"$proj\",true]" \
	"claude: PermissionRequest payload"

echo deny >"$hooks/mode"
type_line $W "run: touch denied.txt"
ok "wait_for pane_has $W '^DENIED: blocked by test policy\$'" "claude: hook exit 2 -> DENIED with stderr"
ok "[ ! -e $(q "$proj/denied.txt") ]" "claude: denied command did not run"

echo json-deny >"$hooks/mode"
type_line $W "run: touch json.txt"
ok "wait_for pane_has $W '^DENIED: no from json\$'" "claude: hookSpecificOutput deny -> DENIED with message"

echo ask >"$hooks/mode"
type_line $W "run: touch asked.txt"
ok "wait_for pane_has $W 'Do you want to proceed'" "claude: no decision -> own dialog"
tmx send-keys -t $W 1
ok "wait_for pane_has $W '^ALLOWED: touch asked.txt\$'" "claude: dialog answered 1 -> ALLOWED"
ok "[ -f $(q "$proj/asked.txt") ]" "claude: command allowed in the dialog ran"

n=$(count_payloads PermissionRequest)
type_line $W "run: touch escaped.txt"
ok "wait_for more_payloads PermissionRequest $n" "claude: PermissionRequest hook ran again"
ok "wait_for pane_has $W 'Do you want to proceed'" "claude: dialog again"
tmx send-keys -t $W Escape
ok "wait_for pane_has $W '^DENIED: User rejected tool use\$'" "claude: Escape in the dialog -> DENIED"

type_line $W "notify: permission"
ok "wait_for has_payload Notification" "claude: Notification hook ran"
is "$(jq -r '[.hook_event_name, .notification_type, (.message | length > 0)] | join(" ")' \
	"$(last_payload Notification)" 2>/dev/null)" "Notification permission_prompt true" "claude: Notification payload"

type_line $W "/model opus"
ok "wait_for pane_has $W 'Set model to opus'" "claude: /model"

type_line $W "exit"
ok "wait_for exited_with $W 0" "claude: exit -> status 0" || diag "$(why $W)"
ok "wait_for has_payload SessionEnd" "claude: SessionEnd hook on exit"

run_in crash "$proj" claude --settings "$(q "$tmp/settings.json")"
ok "wait_for pane_has t:crash '^> ?\$'" "claude: second session started"
type_line t:crash crash
ok "wait_for exited_with t:crash 3" "claude: crash -> status 3" || diag "$(why t:crash)"

# ------------------------------------------------------------------ codex
uuid_re='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
run_in codex "$proj" codex --no-daemon --sandbox danger-full-access -a on-request
C=t:codex
ok "wait_for pane_has $C 'codex session $uuid_re'" "codex: banner with session id"
cid=$(pane_text $C | grep -Eo "codex session $uuid_re" | head -n 1 | awk '{print $3}')
type_line $C "hi codex"
ok "wait_for pane_has $C '^echo: hi codex\$'" "codex: typed line echoed"
tmux_paste $C "pasted into codex" && tmx send-keys -t $C Enter
ok "wait_for pane_has $C '^echo: pasted into codex\$'" "codex: bracketed paste submitted"
unlike "$(pane_text $C)" '200~|201~' "codex: paste markers stripped"
type_line $C exit
ok "wait_for exited_with $C 0" "codex: exit -> status 0" || diag "$(why $C)"

run_in resumed "$proj" codex resume --model o3 "$cid"
ok "wait_for pane_has t:resumed 'codex session $cid'" "codex: resume keeps the session id"
type_line t:resumed crash
ok "wait_for exited_with t:resumed 3" "codex: crash -> status 3" || diag "$(why t:resumed)"
