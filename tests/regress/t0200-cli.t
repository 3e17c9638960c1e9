#!/usr/bin/env bash
# The codepiper CLI against the real agentd on a private socket, tmux server
# and HOME: every session command, output formats, exit codes (0 ok, 1 the
# daemon said no or is unreachable, 2 bad arguments), daemon start/stop, and
# hook-forward (against agentd, and against a small fake daemon for the
# decision paths agentd does not serve yet).
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
[[ -x $CODEPIPER_BIN/codepiper && -x $CODEPIPER_BIN/agentd ]] ||
	skip_all "codepiper/agentd not built in $CODEPIPER_BIN"

. "$(dirname "$0")/agentd.sh"

CP=$CODEPIPER_BIN/codepiper
export CODEPIPER_SOCKET=$SOCK NO_COLOR=1
export CODEPIPER_AGENTD=$CODEPIPER_BIN/agentd
proj=$tmp/proj
mkdir -p "$proj"

# run ARGS...: codepiper ARGS with $out, $err, $rc set; stdin from $input.
input=""
run() {
	out=$(printf '%s' "$input" | "$CP" "$@" 2>"$tmp/err")
	rc=$?
	err=$(<"$tmp/err")
	cat "$tmp/err" >>"$tmp/all-stderr"
	input=""
}
screen_has() { "$CP" output "$1" 2>/dev/null | grep -Eq -- "$2"; }

start_agentd || bail_out "agentd did not start"

# ------------------------------------------------------------ dispatch, usage
run
is "$rc" 0 "no arguments: overview, exit 0"
like "$out" 'Usage: codepiper <command>' "overview has usage"
run --help
like "$out" 'hook-forward' "overview lists hook-forward"
run start --help
is "$rc" 0 "start --help exits 0"
like "$out" 'Usage: codepiper start -p <provider>' "start --help prints its usage"
run help sessions
like "$out" 'Usage: codepiper sessions' "help <cmd> prints that command's usage"
run frobnicate
is "$rc" 1 "unknown command exits 1"
is "$err" "Error: Unknown command 'frobnicate'
Run 'codepiper --help' for usage information." "unknown command message"
run workflow list
is "$rc" 1 "reserved command exits 1"
like "$err" "not available yet" "reserved command says not available yet"

# ------------------------------------------------------------ usage errors: 2
run start
is "$rc:$err" "2:Error: --provider is required
Run 'codepiper start --help' for usage." "start without --provider: exit 2"
run start -p vim
is "$rc" 2 "start with a bad provider: exit 2"
like "$err" 'Invalid provider: vim. Valid options: claude-code, codex' "bad provider message"
run start -p claude -b free
like "$rc:$err" '^2:Error: Invalid billing mode: free' "bad billing mode: exit 2"
run start -p claude --dir
like "$rc:$err" '^2:Error: --dir requires a value' "option without its value: exit 2"
run sessions -f xml
like "$rc:$err" '^2:Error: Invalid format: xml. Valid options: table, json' "sessions bad format: exit 2"
run status
like "$rc:$err" '^2:Error: session-id is required' "status without id: exit 2"
run resize abc 80
like "$rc:$err" '^2:Error: Usage: codepiper resize' "resize with 2 arguments: exit 2"
run resize abc 80 0
like "$rc:$err" '^2:Error: cols and rows must be positive integers' "resize 0 rows: exit 2"
run logs abc --format xml
like "$rc:$err" '^2:Error: Invalid format: xml. Valid options: pretty, json, text' "logs bad format: exit 2"
run logs abc --tail 0
is "$rc" 2 "logs --tail 0: exit 2"
run keys abc
like "$rc:$err" '^2:Error: at least one key is required' "keys without keys: exit 2"
run send abc
like "$rc:$err" '^2:Error: text or --image is required' "send without text: exit 2"

# ------------------------------------------------------------ connection failures: 1
run sessions -s "$tmp/nothing.sock"
is "$rc:$err" "1:Error: Failed to connect to daemon at $tmp/nothing.sock. Is the daemon running?" \
	"missing socket: exit 1 and the connection message"
: >"$tmp/stale.sock"
CODEPIPER_SOCKET=$tmp/stale.sock run providers
is "$rc:$err" "1:Error: Failed to connect to daemon at $tmp/stale.sock. Is the daemon running?" \
	"\$CODEPIPER_SOCKET honoured; refused connection gets the same message"
run -s "$tmp/nothing.sock" sessions
is "$rc" 1 "-s before the command applies to it"

# ------------------------------------------------------------ daemon status
run daemon status
is "$rc" 0 "daemon status exits 0"
like "$out" "PID:      $AGENTD_PID" "daemon status shows agentd's PID"
like "$out" 'Health:   ok' "daemon status: health ok"
run daemon status --json
is "$(jq -c '[.running, .pid, .health]' <<<"$out")" "[true,$AGENTD_PID,\"ok\"]" "daemon status --json"

# ------------------------------------------------------------ start
run sessions
is "$out" "No sessions found." "no sessions yet"
out=$(cd "$tmp" && printf '' | "$CP" start -p claude -d proj -- --verbose 2>"$tmp/err")
rc=$?
is "$rc" 0 "start exits 0"
like "$out" "Starting claude-code session in $proj\.\.\." "start resolves -d to an absolute path"
like "$out" '✓ Session created successfully!' "start success line"
id=$(sed -n 's/^  ID: *//p' <<<"$out")
like "$id" '^[0-9a-f]{8}-[0-9a-f]{4}-' "start prints the session id"
like "$out" "codepiper attach $id" "start prints next steps"
ok "wait_for screen_has $id '^>'" "the stand-in claude shows its prompt"

run start -p codex -d "$tmp/no-such-dir"
like "$rc:$err" "^1:Error: Directory $tmp/no-such-dir: No such file or directory" \
	"start with a missing directory: exit 1"
run start -p claude -d "$proj" --validate --branch nope
is "$rc" 1 "--validate refuses a worktree outside git"
like "$err" 'Not a git repository' "--validate prints the daemon's validation errors"

# ------------------------------------------------------------ sessions, status
run sessions
like "$out" "^ID +PROVIDER +STATUS +DIRECTORY +CREATED" "sessions table header"
like "$out" "${id:0:8}  claude-code   (STARTING|RUNNING)" "sessions table row"
like "$out" 'Total: 1 session\(s\) \(1 (running|starting)\)' "sessions footer"
run sessions --json
is "$(jq -r '.[0].id' <<<"$out")" "$id" "sessions --json"
run sessions -f json -p codex
is "$out" "[]" "sessions -p codex filters"
run sessions -f json --status stopped
is "$out" "[]" "sessions --status filters (case-insensitive)"
run status "$id"
like "$out" "Session $id" "status header"
like "$out" "Directory: +$proj" "status shows the directory"
like "$out" "Arguments: +--verbose" "status shows the agent arguments"
run status "$id" --json
is "$(jq -r '[.id, .provider, .metadata.launch.args[0]] | join(" ")' <<<"$out")" \
	"$id claude-code --verbose" "status --json"
run status 00000000-0000-4000-8000-000000000000
is "$rc:$err" "1:Error: Session not found: 00000000-0000-4000-8000-000000000000" \
	"status of an unknown session: exit 1 with the daemon's error"

# ------------------------------------------------------------ send, keys, slash, output
run send "$id" hello from the cli
is "$rc:$out" "0:Sent to session $id" "send"
ok "wait_for screen_has $id '^echo: hello from the cli\$'" "sent text reached the agent"
run send "$id" -- -5 apples
ok "wait_for screen_has $id '^echo: -5 apples\$'" "send -- passes words starting with -"
run send "$id" --no-newline typed only
ok "wait_for screen_has $id '^> typed only\$'" "send --no-newline types without Enter"
run keys "$id" enter
is "$out" "Keys sent to session $id: enter" "keys"
ok "wait_for screen_has $id '^echo: typed only\$'" "keys enter submitted the line"
run slash "$id" model opus
is "$out" "Slash command sent to session $id: /model opus" "slash"
ok "wait_for screen_has $id 'Set model to opus'" "slash command reached the agent"
run output "$id" --json
like "$(jq -r .output <<<"$out")" 'echo: hello from the cli' "output --json"
printf '\x89PNG\r\n\x1a\nnot really' >"$tmp/shot.png"
run send "$id" --image "$tmp/shot.png"
is "$rc:$out" "0:Sent to session $id" "send --image uploads to agentd"
ok "wait_for screen_has $id 'images/upload-[0-9]+-shot\.png\$'" "the stored image path reached the agent"
run send "$id" --image "$tmp/missing.png"
is "$rc:$err" "1:Error: Image file not found: $tmp/missing.png" "send --image with a missing file"
run send 00000000-0000-4000-8000-000000000000 hi
is "$rc:$err" "1:Error: Session not found: 00000000-0000-4000-8000-000000000000" \
	"send to an unknown session: exit 1"

# ------------------------------------------------------------ resize
run resize "$id" 100 40
is "$rc:$out" "0:✓ Session ${id:0:8}... resized to 100x40" "resize"
is "$(tmux -L "$tmux_name" display-message -p -t "=codepiper-$id:" '#{window_width}x#{window_height}')" \
	"100x40" "the tmux window has the new size"

# ------------------------------------------------------------ providers, doctor, logs
run providers
like "$out" 'claude-code +tmux +yes +native-hooks +transcript +yes +yes' "providers table"
run providers --json
is "$(jq -r 'map(.id) | join(",")' <<<"$out")" "claude-code,codex" "providers --json"
run doctor
is "$rc" 0 "doctor exits 0 with the daemon up and a provider installed"
like "$out" '✓ tmux: tmux [0-9]' "doctor: tmux version"
like "$out" '✓ Claude Code: 2\.1\.[0-9]+ \(Claude Code stand-in\)' "doctor: claude --version"
like "$out" "✓ Daemon: running on $SOCK" "doctor: daemon reachable"
run doctor -s "$tmp/nothing.sock"
is "$rc" 1 "doctor exits 1 when the daemon is unreachable"
like "$out" "✗ Daemon: Failed to connect to daemon at $tmp/nothing.sock" "doctor: ✗ daemon line"
PATH=/usr/bin:/bin run doctor
is "$rc" 1 "doctor exits 1 when no agent CLI is on PATH"
run tail "$id" -n 5
is "$rc" 0 "tail exits 0 (with or without an output.log)"
run tail ../etc
is "$rc" 2 "tail refuses an id that is not one path component"
run logs "$id"
is "$rc" 0 "logs exits 0"
run logs "$id" --json
is "$(jq -r type <<<"$out")" "array" "logs --json is an array"
"$CP" events "$id" --follow >"$tmp/follow.out" 2>&1 &
follow_pid=$!
ok "wait_for grep -q 'Press Ctrl+C to stop' $tmp/follow.out" "events --follow starts"
kill -INT $follow_pid
wait $follow_pid
is "$?" 0 "events --follow exits 0 on Ctrl+C"
like "$(<"$tmp/follow.out")" 'Stopping\.\.\.' "events --follow says Stopping..."

# ------------------------------------------------------------ attach (in a pane of a second tmux server)
# agentd's tmux server is $tmux_name; a terminal for the attaching client
# comes from another server, as it would from a real terminal.
outer() { tmux -L "$tmux_name-att" -f /dev/null "$@"; }
outer_has() { outer capture-pane -p -J -t att 2>/dev/null | grep -Eq -- "$1"; }
at_exit "tmux -L '$tmux_name-att' kill-server"
# The pane waits for $tmp/go so that pipe-pane records everything it prints.
outer new-session -d -s att -x 120 -y 40 \
	"while [ ! -e '$tmp/go' ]; do sleep 0.02; done; env CODEPIPER_SOCKET='$SOCK' CODEPIPER_TMUX_SOCKET='$tmux_name' '$CP' attach $id; echo attach-exit=\$?; sleep 60" ||
	bail_out "cannot start the attach pane"
outer pipe-pane -t att -o "cat >>'$tmp/attach.log'"
touch "$tmp/go"
ok "wait_for outer_has 'echo: hello from the cli'" "attach shows the agent's screen"
outer send-keys -t att -l "from attach" && outer send-keys -t att Enter
ok "wait_for screen_has $id '^echo: from attach\$'" "keys typed while attached reach the agent"
outer send-keys -t att C-b d
ok "wait_for outer_has 'attach-exit=0'" "prefix + d detaches, exit 0"
like "$(tr -d '\r' <"$tmp/attach.log")" $'Mode: interactive\nDetach with Ctrl\\+b then d' "attach printed its mode and how to detach"
run attach "$id" </dev/null
like "$rc:$err" '^1:Error: attach needs a terminal' "attach without a terminal: exit 1"

# ------------------------------------------------------------ stop, resume, kill
run stop "$id"
is "$rc:$out" "0:✓ Session ${id:0:8}... stopped" "stop"
run status "$id" --json
is "$(jq -r .status <<<"$out")" "STOPPED" "stopped session is STOPPED"
run resize "$id" 80 24
like "$rc:$err" '^1:Error: Session .* could not be resized' "resize of a stopped session: exit 1"
run attach "$id"
like "$rc:$err" '^1:Error: Session .* is not running \(STOPPED\)' "attach to a stopped session: exit 1"
run resume "$id"
is "$rc" 0 "resume exits 0"
like "$out" "Resuming session $id\.\.\." "resume says what it does"
like "$out" "ID: +$id" "resume prints the session like start"
ok "wait_for screen_has $id '^>'" "the resumed agent shows its prompt"
run kill "$id"
is "$rc:$out" "0:✓ Session ${id:0:8}... killed" "kill"
run stop 00000000-0000-4000-8000-000000000000
is "$rc:$err" "1:Error: Session not found: 00000000-0000-4000-8000-000000000000" "stop unknown: exit 1"

# ------------------------------------------------------------ hook-forward against agentd
payload='{"hook_event_name":"SessionStart","session_id":"x","source":"startup"}'
input=$payload run hook-forward
is "$rc:$err" "1:Error: CODEPIPER_UNIX_SOCK environment variable is required. This should be set by the daemon when spawning the session." \
	"hook-forward without CODEPIPER_UNIX_SOCK: exit 1"
input=$payload CODEPIPER_UNIX_SOCK=$SOCK CODEPIPER_SESSION=$id run hook-forward
like "$rc:$err" '^1:Error: CODEPIPER_SECRET environment variable is required' "hook-forward without the secret: exit 1"
input=$payload CODEPIPER_UNIX_SOCK=$SOCK CODEPIPER_SESSION=$id CODEPIPER_SECRET=wrong-secret-1234 run hook-forward
is "$rc:$out" "1:" "hook-forward with a bad secret: exit 1, nothing on stdout"
like "$err" '^Error: ' "hook-forward bad secret: an error on stderr"
unlike "$err" 'wrong-secret-1234' "hook-forward never prints the secret"
input='' CODEPIPER_UNIX_SOCK=$SOCK CODEPIPER_SESSION=$id CODEPIPER_SECRET=s run hook-forward
is "$rc:$err" "1:Error: No input received from stdin" "hook-forward with empty stdin"
input='{"a":' CODEPIPER_UNIX_SOCK=$SOCK CODEPIPER_SESSION=$id CODEPIPER_SECRET=s run hook-forward
like "$rc:$err" '^1:Error: Invalid JSON input: ' "hook-forward with bad JSON"
input='{"a":1}' CODEPIPER_UNIX_SOCK=$SOCK CODEPIPER_SESSION=$id CODEPIPER_SECRET=s run hook-forward
is "$rc:$err" "1:Error: Missing required field: event or hook_event_name" "hook-forward without an event name"
input=$payload CODEPIPER_UNIX_SOCK=$tmp/nothing.sock CODEPIPER_SESSION=$id CODEPIPER_SECRET=s run hook-forward
is "$rc:$err" "1:Error: Failed to connect to daemon at $tmp/nothing.sock. Is the daemon running?" \
	"hook-forward without a daemon: exit 1"

# ------------------------------------------------------------ a fake daemon: decisions, uploads, log formats
if command -v node >/dev/null 2>&1; then
	fake=$tmp/fake
	mkdir -p "$fake"
	cat >"$tmp/fake-agentd.mjs" <<'EOF'
// Answers every request from $dir/reply<path with non-alphanumerics as _>.json
// ({"status":N,"body":...}) and appends what arrived to $dir/requests.jsonl.
import http from 'node:http';
import fs from 'node:fs';
const [sock, dir] = process.argv.slice(2);
http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const body = Buffer.concat(chunks).toString('latin1');
		fs.appendFileSync(`${dir}/requests.jsonl`, JSON.stringify({
			method: req.method, url: req.url, headers: req.headers, body }) + '\n');
		const key = req.url.split('?')[0].replace(/[^A-Za-z0-9]/g, '_');
		let reply = { status: 404, body: { error: `Not found: ${req.url}` } };
		try { reply = JSON.parse(fs.readFileSync(`${dir}/reply${key}.json`, 'utf8')); } catch {}
		res.writeHead(reply.status, { 'Content-Type': 'application/json' });
		res.end(JSON.stringify(reply.body));
	});
}).listen(sock, () => console.log('LISTENING'));
EOF
	node "$tmp/fake-agentd.mjs" "$tmp/fake.sock" "$fake" >"$tmp/fake.out" 2>&1 &
	fake_pid=$!
	at_exit "kill $fake_pid"
	wait_for grep -q LISTENING "$tmp/fake.out" || bail_out "fake daemon did not start"
	reply() { printf '%s' "$2" >"$fake/reply$1.json"; }
	last_request() { tail -n 1 "$fake/requests.jsonl"; }
	hook() { # EVENT-JSON: hook-forward against the fake
		input=$1 CODEPIPER_UNIX_SOCK=$tmp/fake.sock CODEPIPER_SESSION=sess-1 \
			CODEPIPER_SECRET=hook-secret run hook-forward
	}
	perm='{"hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"ls"}}'

	reply _hooks_claude '{"status":200,"body":{"decision":"allow","allow":true}}'
	hook "$perm"
	is "$rc:$out" '0:{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}' \
		"hook-forward allow: flat decision plus hookSpecificOutput, exit 0"
	req=$(last_request)
	is "$(jq -r '[.method, .url, .headers["x-codepiper-secret"], .headers["content-type"]] | join(" ")' <<<"$req")" \
		"POST /hooks/claude hook-secret application/json" "hook-forward request line and headers"
	is "$(jq -c '.body | fromjson | [.sessionId, .event, .data]' <<<"$req")" \
		"[\"sess-1\",\"PermissionRequest\",$perm]" "hook-forward body embeds stdin as data"

	reply _hooks_claude '{"status":200,"body":{"decision":"deny","allow":false,"message":"no exec"}}'
	hook "$perm"
	is "$rc:$out" '2:{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"no exec"}}}' \
		"hook-forward deny: exit 2 with the message"
	is "$err" "no exec" "hook-forward deny: the message on stderr too"
	reply _hooks_claude '{"status":200,"body":{"allow":false}}'
	hook "$perm"
	like "$rc:$out" '^2:\{"hookSpecificOutput":\{"hookEventName":"PermissionRequest","decision":\{"behavior":"deny"' "hook-forward: allow:false alone is a deny"
	reply _hooks_claude '{"status":200,"body":{"decision":"allow","updatedInput":{"command":"ls -a"},"updatedPermissions":[1]}}'
	hook "$perm"
	is "$out" '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow","updatedInput":{"command":"ls -a"},"updatedPermissions":[1]}}}' \
		"hook-forward allow with updatedInput/updatedPermissions, in order"
	reply _hooks_claude '{"status":200,"body":{"decision":"ask","allow":false}}'
	hook "$perm"
	is "$rc:$out:$err" "0::" "hook-forward ask: nothing printed, exit 0"
	reply _hooks_claude '{"status":200,"body":{"success":true}}'
	hook '{"event":"Stop","session_id":"x"}'
	is "$rc:$out:$err" "0::" "hook-forward Stop (legacy event field): silent, exit 0"
	is "$(jq -r '.body | fromjson | .event' <<<"$(last_request)")" "Stop" "legacy event name forwarded"
	reply _hooks_claude '{"status":403,"body":{"error":"Invalid or missing hook secret"}}'
	hook "$perm"
	is "$rc:$out:$err" "1::Error: Invalid or missing hook secret" "hook-forward 403: exit 1 with the error"
	reply _hooks_claude '{"status":500,"body":{}}'
	hook "$perm"
	is "$rc:$err" "1:Error: HTTP 500: Internal Server Error" "hook-forward error without a message"

	# send --image: multipart upload, then the stored path is sent
	printf '\x89PNG\r\n\x1a\nfake image' >"$tmp/pic one.png"
	reply _sessions_s1_upload_image '{"status":200,"body":{"path":"/stored/upload-1-pic.png","filename":"pic one.png"}}'
	reply _sessions_s1_send '{"status":200,"body":{"success":true}}'
	CODEPIPER_SOCKET=$tmp/fake.sock run send s1 look at this --image "$tmp/pic one.png"
	is "$rc:$out" "0:Sent to session s1" "send --image"
	upload=$(tail -n 2 "$fake/requests.jsonl" | head -n 1)
	like "$(jq -r '.headers["content-type"]' <<<"$upload")" '^multipart/form-data; boundary=' "upload is multipart"
	like "$(jq -r .body <<<"$upload")" 'name="image"; filename="pic one.png"' "upload names the field and file"
	like "$(jq -r .body <<<"$upload")" 'Content-Type: image/png' "upload part type from the extension"
	is "$(jq -r '.body | fromjson | .text' <<<"$(last_request)")" "look at this

/stored/upload-1-pic.png" "send text then the stored image path"

	# logs: newest N asked for, printed oldest first, in each format
	reply _sessions_s1_events '{"status":200,"body":{"hasMore":false,"events":[
	{"id":3,"sessionId":"s1","timestamp":"2026-02-15T10:00:03.000Z","source":"transcript","type":"assistant","payload":{"message":{"content":[{"type":"text","text":"echo: hi"}]}}},
	{"id":2,"sessionId":"s1","timestamp":"2026-02-15T10:00:02.000Z","source":"transcript","type":"user","payload":{"message":{"content":"hi"}}},
	{"id":1,"sessionId":"s1","timestamp":"2026-02-15T10:00:01.000Z","source":"hook","type":"SessionStart","payload":{"hook_event_name":"SessionStart"}}]}}'
	CODEPIPER_SOCKET=$tmp/fake.sock run logs s1 -n 3
	like "$(jq -r .url <<<"$(last_request)")" '^/sessions/s1/events\?order=desc&limit=3$' "logs asks for the newest N"
	is "$(grep -E '🪝|👤|📝' <<<"$out" | tr -d ' ' | tr '\n' '|')" "🪝Event:SessionStart|👤hi|📝echo:hi|" \
		"logs pretty: oldest first with hook/user/assistant lines"
	like "$out" 'Total: 3 event\(s\)' "logs footer"
	CODEPIPER_SOCKET=$tmp/fake.sock run logs s1 --json
	is "$(jq -c 'map(.id)' <<<"$out")" "[1,2,3]" "logs --json oldest first"
	CODEPIPER_SOCKET=$tmp/fake.sock run logs s1 -m
	is "$(grep -cE '\] (User|Assistant):' <<<"$out"):$(tail -n 1 <<<"$out")" "2:Total: 2 message(s)" "logs -m prints messages only"
else
	skip 22 "node not installed (fake daemon)"
fi

# ------------------------------------------------------------ daemon stop / start --detach
run daemon stop
is "$rc" 0 "daemon stop exits 0"
like "$out" "Stopping daemon \(PID: $AGENTD_PID\)\.\.\..*✓ Daemon stopped" "daemon stop output"
wait "$AGENTD_PID"
is "$?" 0 "agentd exited 0 after daemon stop"
AGENTD_PID=
run daemon status
like "$out" 'Status:   not running \(no PID file\)' "daemon status after stop"
run daemon stop
like "$rc:$err" "^1:Error: No PID file found at $CODEPIPER_HOME/daemon.pid" "daemon stop without a daemon: exit 1"

run daemon start --detach --socket "$tmp/detached.sock"
is "$rc" 0 "daemon start --detach exits 0 once the daemon answers"
detached_pid=$(sed -n 's/^Daemon started in background (PID: \([0-9]*\))$/\1/p' <<<"$out")
[[ -n $detached_pid ]] && at_exit "kill $detached_pid"
like "$out" 'Starting CodePiper daemon \(detached\)\.\.\.' "detach announces itself"
run sessions -s "$tmp/detached.sock" --json
is "$rc:$(jq -r '.[0].id' <<<"$out")" "0:$id" "the detached daemon serves its socket at once"
run daemon start --detach --socket "$tmp/detached.sock"
like "$rc:$err" "^1:Error: A daemon is already running on $tmp/detached.sock" "second detached start refused"
run daemon stop
like "$out" "✓ Daemon stopped" "daemon stop stops the detached daemon"
ok "wait_for -t 5 sh -c '! kill -0 $detached_pid 2>/dev/null'" "detached daemon is gone"
if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$AGENTD_LOG" "$CODEPIPER_HOME/daemon.log" 2>/dev/null; then
	fail "no sanitizer report from agentd"
else
	pass "no sanitizer report from agentd"
fi

# ------------------------------------------------------------ the CLI itself stayed clean
if grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$tmp/all-stderr"; then
	fail "no sanitizer report from codepiper"
	diag "$(grep -A30 -E 'Sanitizer|runtime error' "$tmp/all-stderr" | head -60)"
else
	pass "no sanitizer report from codepiper"
fi

done_testing
