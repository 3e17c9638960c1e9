#!/usr/bin/env bash
#
# t0800-stream: agentd's stream endpoint (what codepiper-ws bridges a
# browser's WebSocket to) on the CLI socket, with curl -N: GET /stream is
# chunked NDJSON, POST /stream/<id> carries one client message. Checks the
# raw terminal form (a snapshot, then every chunk of pane output with its
# sequence number), input in order with acks, a reconnect with lastSeq
# receiving exactly the missed bytes, a stale lastSeq getting a snapshot,
# the reference's pty_output screens, and protocol errors.
#
# The agent is a plain shell (what is typed is echoed), not the stand-in.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

for tool in curl jq base64; do
	command -v $tool >/dev/null || skip_all "$tool not installed"
done

mkdir -p "$tmp/bin" "$tmp/work"
cat >"$tmp/bin/claude" <<'EOF'
#!/usr/bin/env bash
rc=$(mktemp)
printf '%s\n' "PS1='$ '" "bind 'set enable-bracketed-paste off' 2>/dev/null" "unset HISTFILE" >"$rc"
exec bash --rcfile "$rc" -i
EOF
chmod +x "$tmp/bin/claude"
export PATH=$tmp/bin:$PATH

start_agentd || bail_out "agentd did not start"

# open_stream NAME: GET /stream into $tmp/NAME.out; sets ${NAME}_ID, ${NAME}_PID.
open_stream() {
	local name=$1 out=$tmp/$1.out pid
	curl -sN --unix-socket "$SOCK" http://localhost/stream >"$out" &
	pid=$!
	at_exit "kill $pid"
	wait_for grep -q '"relay":"ready"' "$out" || return 1
	printf -v "${name}_PID" %s "$pid"
	printf -v "${name}_ID" %s "$(head -n 1 "$out" | jq -r .streamId)"
}

# post ID JSON: one client message; $STATUS and $BODY are the answer.
post() {
	STATUS=$(curl -s -o "$tmp/post.body" -w '%{http_code}' --unix-socket "$SOCK" \
	    -X POST --data-binary "$2" "http://localhost/stream/$1")
	BODY=$(cat "$tmp/post.body")
}

# lines NAME JQ_FILTER: the stream's messages through a jq filter.
lines() { jq -c "$2" "$tmp/$1.out" 2>/dev/null; }
# raw_text NAME [MIN_SEQ]: decoded pty_raw bytes with seq > MIN_SEQ.
raw_text() {
	local d
	for d in $(jq -r --argjson min "${2:-0}" \
	    'select(.type=="pty_raw" and .seq > $min) | .data' "$tmp/$1.out"); do
		base64 -d <<<"$d"
	done
}
last_seq() {
	jq -s '[.[] | select(.type=="pty_raw" or .type=="pty_snapshot") | .seq] | max // 0' \
	    "$tmp/$1.out"
}
# quiet NAME: wait until no new line arrived for 300 ms.
quiet() {
	local before after
	while :; do
		before=$(wc -l <"$tmp/$1.out")
		sleep 0.3
		after=$(wc -l <"$tmp/$1.out")
		[[ $before == "$after" ]] && return 0
	done
}

# ---- opening
open_stream s1 || bail_out "GET /stream did not open"
like "$s1_ID" '^[0-9a-f]{32}$' "a stream opens with its id"
post 0123456789abcdef0123456789abcdef '{"op":"ping"}'
is "$STATUS $(jq -r .error <<<"$BODY")" "404 Stream not found" "unknown stream id is 404"
post "$s1_ID" '{"op":"hello","version":1,"ptyMode":"raw"}'
is "$STATUS $(jq -c . <<<"$BODY")" '200 {"ok":true}' "a message is taken"
wait_for grep -q hello_ack "$tmp/s1.out"
is "$(lines s1 'select(.op=="hello_ack") | [.ptyMode, .negotiated.ptyMode, .features.ptyReplay]')" \
    '["raw","raw",true]' "hello_ack: raw mode"

# ---- a session, its snapshot, then raw bytes
call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$tmp/work\"}"
is "$STATUS" 201 "session created"
sid=$(jq -r .session.id <<<"$BODY")
wait_for eval 'session_output "$sid" | grep -q "^\\$"'
ok $? "the shell shows its prompt"

post "$s1_ID" "{\"op\":\"subscribe\",\"topic\":\"session:$sid:pty\"}"
wait_for grep -q pty_snapshot "$tmp/s1.out"
snap=$(lines s1 'select(.type=="pty_snapshot")' | head -n 1)
is "$(jq -r '[.topic, .sessionId] | join(" ")' <<<"$snap")" "session:$sid:pty $sid" \
    "the snapshot names its topic and session"
like "$(jq -r '[.cols, .rows, .cursorX, .cursorY] | join(" ")' <<<"$snap")" \
    '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "... with the size and the cursor"
snap_seq=$(jq .seq <<<"$snap")
like "$snap_seq" '^[0-9]+$' "... and a sequence number"
snap_text=$(jq -r .data <<<"$snap" | base64 -d)
like "$snap_text" '^\$' "its data is the screen (capture-pane -e), the prompt first"
is "$(jq -r .data <<<"$snap" | base64 -d | grep -c $'\r$')" \
    "$(($(jq .rows <<<"$snap") - 1))" "rows joined by CRLF"

post "$s1_ID" "{\"op\":\"pty_input\",\"sessionId\":\"$sid\",\"data\":\"echo t0800-\$((40+2))\\r\",\"requestId\":\"in-1\"}"
wait_for eval 'raw_text s1 | grep -q "^t0800-42"'
ok $? "typed input is echoed and runs, as pty_raw chunks"
like "$(raw_text s1 | head -n 1)" 'echo t0800-\$\(\(40\+2\)\)' "the keystrokes come back first"
wait_for grep -q pty_input_ack "$tmp/s1.out"
is "$(lines s1 'select(.op=="pty_input_ack") | [.sessionId, .requestId]')" "[\"$sid\",\"in-1\"]" \
    "the input is acked with its requestId"
seqs=$(jq -s -c "[.[] | select(.type==\"pty_raw\") | .seq - $snap_seq]" "$tmp/s1.out")
is "$(jq -c '. == [range(1; length + 1)]' <<<"$seqs")" true \
    "chunk seqs follow the snapshot's one by one ($seqs)"

# Text, then Enter as a key: in that order (the reference sent the key first).
post "$s1_ID" "{\"op\":\"pty_input\",\"sessionId\":\"$sid\",\"data\":\"echo in-order\"}"
post "$s1_ID" "{\"op\":\"pty_key\",\"sessionId\":\"$sid\",\"key\":\"enter\"}"
wait_for eval 'raw_text s1 | grep -q "^in-order"'
ok $? "text then Enter: the command runs"

# ---- reconnect with lastSeq
open_stream obs
post "$obs_ID" '{"op":"hello","ptyMode":"raw"}'
post "$obs_ID" "{\"op\":\"subscribe\",\"topic\":\"session:$sid:pty\"}"
wait_for grep -q pty_snapshot "$tmp/obs.out"
quiet s1
seen=$(last_seq s1)
kill "$s1_PID"
wait "$s1_PID" 2>/dev/null
call POST "/sessions/$sid/send" '{"text":"for i in 1 2 3; do echo gap-$i; sleep 0.05; done"}'
is "$STATUS" 200 "output while the first stream is gone"
wait_for eval 'raw_text obs | grep -q "^gap-3"'
quiet obs
upto=$(last_seq obs)
ok "(( upto > seen + 2 ))" "several chunks were missed ($seen -> $upto)"

open_stream s2
post "$s2_ID" '{"op":"hello","ptyMode":"raw"}'
post "$s2_ID" "{\"op\":\"subscribe\",\"topic\":\"session:$sid:pty\",\"lastSeq\":$seen}"
wait_for eval '(( $(last_seq s2) >= upto ))'
ok $? "the reconnected stream catches up"
is "$(lines s2 'select(.type=="pty_snapshot")' | wc -l)" 0 "... without a snapshot"
is "$(jq -s -c "[.[] | select(.type==\"pty_raw\") | .seq - $seen]" "$tmp/s2.out")" \
    "$(jq -nc "[range(1; $upto - $seen + 1)]")" "... with every seq after lastSeq, in order"
is "$(raw_text s2 "$seen" | od -An -tx1 | tr -d ' \n')" \
    "$(raw_text obs "$seen" | od -An -tx1 | tr -d ' \n')" "... and exactly the missed bytes"
like "$(raw_text s2 | tr -d '\r' | tr '\n' ' ')" 'gap-1 gap-2 gap-3' "... the loop's output"

post "$s2_ID" "{\"op\":\"unsubscribe\",\"topic\":\"session:$sid:pty\"}"
post "$s2_ID" "{\"op\":\"subscribe\",\"topic\":\"session:$sid:pty\",\"lastSeq\":7}"
wait_for grep -q pty_snapshot "$tmp/s2.out"
ok $? "a lastSeq the ring does not hold gets a fresh snapshot"

# ---- the reference's screens
open_stream s3
post "$s3_ID" '{"op":"hello","version":1}'
post "$s3_ID" "{\"op\":\"subscribe\",\"topic\":\"session:$sid:pty\",\"sinceSeq\":0}"
post "$s3_ID" "{\"op\":\"pty_input\",\"sessionId\":\"$sid\",\"data\":\"echo frame-\$((5*5))\\r\"}"
wait_for eval 'lines s3 "select(.type==\"pty_output\") | .data" | grep -q "frame-25"'
ok $? "frame mode: pty_output screens as the reference sends them"
frame=$(lines s3 'select(.type=="pty_output")' | tail -n 1)
is "$(jq -r '.data | endswith("\n")' <<<"$frame")" true "a screen ends with one newline"
is "$(jq -r '.cursor | keys | join(",")' <<<"$frame")" "visible,x,y" "... and carries the cursor"
is "$(lines s3 'select(.type=="pty_raw")' | wc -l)" 0 "no raw bytes in frame mode"

# ---- errors
post "$s3_ID" '{nope'
post "$s3_ID" '{"op":"fly"}'
post "$s3_ID" '{"op":"subscribe","topic":"session:x_y:pty"}'
wait_for eval '(( $(lines s3 "select(.error)" | wc -l) >= 3 ))'
is "$(lines s3 'select(.error) | .error' | tr '\n' '|')" \
    '"Invalid JSON message"|"Unknown operation: fly"|"Invalid topic format: session:x_y:pty"|' \
    "protocol errors as websocket.md words them"

# ---- limits (websocket.md §8): the stream ends with the relay's close line
open_stream s4
for i in $(seq 121); do
	post "$s4_ID" "{\"op\":\"ping\",\"ts\":$i}"
done
wait_for grep -q '"relay":"close"' "$tmp/s4.out"
is "$(tail -n 1 "$tmp/s4.out")" '{"relay":"close","code":1008,"reason":"Rate limit exceeded"}' \
    "the 121st control message in 10 s closes with 1008"
is "$(grep -c '"op":"pong"' "$tmp/s4.out")" 120 "... and is not processed"
wait_for eval 'post "$s4_ID" "{\"op\":\"ping\"}"; [[ $STATUS == 404 ]]'
ok $? "once the client has gone, the stream id is dead (404)"

open_stream s5
head -c 70000 /dev/zero | tr '\0' 'x' | sed 's/^/{"op":"ping","pad":"/; s/$/"}/' >"$tmp/big.json"
post "$s5_ID" "@$tmp/big.json"
wait_for grep -q '"relay":"close"' "$tmp/s5.out"
is "$(tail -n 1 "$tmp/s5.out")" '{"relay":"close","code":1009,"reason":"Message too large"}' \
    "a message over 64 KiB closes with 1009"

call GET /stream/stats
is "$(jq -r '.streams >= 3 and .snapshots >= 3 and .replayed >= 3' <<<"$BODY")" true \
    "stats count streams, snapshots and replayed chunks"

# ---- the daemon stops: streams end with a close line for the relay
stop_agentd TERM
is "$AGENTD_STATUS" 0 "agentd exits 0 on SIGTERM with streams open"
is "$(tail -n 1 "$tmp/s3.out")" '{"relay":"close","code":1001,"reason":"Server shutting down"}' \
    "open streams are told the server is going away"
if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$AGENTD_LOG"; then
	fail "no sanitizer report in agentd's log"
	diag "$(grep -A40 -E 'Sanitizer|runtime error' "$AGENTD_LOG" | head -80)"
else
	pass "no sanitizer report in agentd's log"
fi
done_testing
