#!/usr/bin/env bash
# agentd killed with -9 and restarted: live sessions are adopted with their
# ids, names and state and stay controllable; agents that died meanwhile are
# marked with their exit status; a graceful stop stops the sessions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

start_agentd || bail_out "agentd did not start"
work=$tmp/work
mkdir -p "$work"

call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$work\"}"
a=$(jq -r .session.id <<<"$BODY")
call POST /sessions "{\"provider\":\"codex\",\"cwd\":\"$work\"}"
b=$(jq -r .session.id <<<"$BODY")
call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$work\"}"
c=$(jq -r .session.id <<<"$BODY")
call PUT "/sessions/$a/name" '{"name":"Survivor"}'
for id in $a $b $c; do
	wait_for eval '[[ $(api GET /sessions/'"$id"' | jq -r .session.status) == RUNNING ]]'
done
wait_for eval 'session_output '"$c"' | grep -q "^> *$"'
ok $? "three sessions running"

stop_agentd KILL
is "$AGENTD_STATUS" 137 "agentd killed with -9"
ok "tmx has-session -t codepiper-$a" "its tmux sessions live on"
# While agentd is down, one agent exits with status 3.
tmx send-keys -t "codepiper-$c" crash Enter
wait_for eval '[[ $(tmx display-message -p -t codepiper-'"$c"' "#{pane_dead}") == 1 ]]'
ok $? "an agent died while agentd was down"

start_agentd || bail_out "agentd did not restart"
call GET /sessions
is "$(jq -r --arg a "$a" '.sessions[] | select(.id == $a) | .status' <<<"$BODY")" RUNNING "adopted session is RUNNING"
is "$(jq -r --arg a "$a" '.sessions[] | select(.id == $a) | .metadata.ui.customName' <<<"$BODY")" Survivor "its name survived"
is "$(jq -r --arg b "$b" '.sessions[] | select(.id == $b) | .status' <<<"$BODY")" RUNNING "the codex session too"
is "$(jq -r --arg c "$c" '.sessions[] | select(.id == $c) | .status' <<<"$BODY")" CRASHED "the dead agent is CRASHED (exit 3)"
ok "! tmx has-session -t codepiper-$c 2>/dev/null" "its runtime was cleaned up"
call GET /health
is "$(jq -r .zombieSessionCount <<<"$BODY")" 0 "no zombies"

call POST "/sessions/$a/send" '{"text":"after restart"}'
is "$STATUS" 200 "adopted session takes input"
wait_for eval 'session_output '"$a"' | grep -q "^echo: after restart$"'
ok $? "and its output streams again"

# A second daemon on the same socket refuses to start and touches nothing.
"$CODEPIPER_BIN/agentd" --socket "$SOCK" >"$tmp/second.log" 2>&1
is "$?" 1 "a second daemon on a live socket exits 1"
like "$(cat "$tmp/second.log")" "already listening" "and says why"
call GET "/sessions/$a"
is "$(jq -r .session.status <<<"$BODY")" RUNNING "the first daemon's session is untouched"

# Pane death is an event: the status flips without anybody asking.
call POST "/sessions/$b/send" '{"text":"exit"}'
wait_for eval '[[ $(api GET /sessions/'"$b"' | jq -r .session.status) == STOPPED ]]'
ok $? "codex exiting 0 after adoption is STOPPED"

# Graceful shutdown without preserveSessions stops what is live.
agentd_clean_exit
ok "! tmx has-session -t codepiper-$a 2>/dev/null" "SIGTERM stopped the live session's runtime"
start_agentd || bail_out "agentd did not restart"
call GET "/sessions/$a"
is "$(jq -r .session.status <<<"$BODY")" STOPPED "and it is STOPPED after the restart"
agentd_clean_exit
done_testing
