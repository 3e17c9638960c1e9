#!/usr/bin/env bash
# Inbox notifications (hooks-and-policies.md §12, settings-workspaces-envsets.md
# §8): created from the stand-in claude's Notification and Stop hooks, listed
# with filters and paging, counted, marked read one by one and in bulk, the
# per-session preference and notificationEventDefaults, the live messages on
# the "notifications" topic, and the Web Push status and subscriptions
# (stored only; nothing is sent).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

start_agentd || bail_out "agentd did not start"
work=$tmp/proj
mkdir -p "$work"
db=$CODEPIPER_HOME/codepiper.db

say() { call POST "/sessions/$1/send" "$(jq -nc --arg t "$2" '{text: $t}')"; }
new_claude() {
	call POST /sessions "$(jq -nc --arg cwd "$work" '{provider: "claude-code", cwd: $cwd}')"
	jq -r .session.id <<<"$BODY"
}
ready() { wait_for eval 'session_output '"$1"' | grep -q "^> *$"'; }
total() { api GET /notifications | jq '.notifications | length'; }
# How many times the pane shows the stand-in's "Notification: <type>" line.
notified() { session_output "$1" | grep -c "^Notification: $2\$"; }
err() { printf '%s:%s' "$STATUS" "$(jq -r .error <<<"$BODY")"; }

curl -sN --unix-socket "$SOCK" http://localhost/stream >"$tmp/stream.out" 2>/dev/null &
at_exit "kill $!"
wait_for grep -q '"relay":"ready"' "$tmp/stream.out"
stream_id=$(head -1 "$tmp/stream.out" | jq -r .streamId)
call POST "/stream/$stream_id" '{"op":"subscribe","topic":"notifications"}'
stream() { jq -sc "[.[] | select(.topic == \"notifications\" and (.type | startswith(\"notification_\")))] | $1" "$tmp/stream.out"; }

a=$(new_claude)
b=$(new_claude)
ready "$a" && ready "$b"
ok $? "two claude-code sessions at their prompts"

# ------------------------------------------------------------ creation
call GET /notifications
is "$STATUS:$BODY" '200:{"notifications":[]}' "empty inbox"
say "$a" "notify: idle"
wait_for eval '[[ $(notified '"$a"' idle_prompt) == 1 ]]'
is "$(total)" 0 "notificationsEnabled off (the default): nothing created"

call PUT /settings/daemon '{"notificationsEnabled":true}'
say "$a" "notify: permission"
wait_for eval '[[ $(total) == 1 ]]'
ok $? "permission_prompt -> a notification"
say "$a" "notify: idle"
wait_for eval '[[ $(total) == 2 ]]'
say "$b" "notify: idle"
wait_for eval '[[ $(total) == 3 ]]'
say "$a" "hello"
wait_for eval '[[ $(total) == 4 ]]'
ok $? "idle_prompt and Stop -> notifications"

call GET /notifications
is "$(jq -c '[.notifications[].eventType]' <<<"$BODY")" \
	'["session.turn_completed","session.input_required","session.input_required","session.permission_required"]' \
	"newest first"
is "$(jq -c '[.notifications[].id] | . == (sort | reverse)' <<<"$BODY")" true "ids descending"
n1=$(jq '.notifications[3].id' <<<"$BODY")
n2=$(jq '.notifications[2].id' <<<"$BODY")
n3=$(jq '.notifications[1].id' <<<"$BODY")
n4=$(jq '.notifications[0].id' <<<"$BODY")
is "$(jq -c '.notifications[3] | keys' <<<"$BODY")" \
	'["body","createdAt","eventType","id","payload","provider","readAt","readSource","sessionId","sourceEventId","title"]' \
	"record fields"
label=$(basename "$work")
is "$(jq -c '.notifications[3] | [.sessionId, .provider, .title, .body, .readAt, .readSource]' <<<"$BODY")" \
	"[\"$a\",\"claude-code\",\"Permission required\",\"$label is waiting for permission approval in Claude Code.\",null,null]" \
	"permission record"
is "$(jq -c '.notifications[3].payload | [.sessionLabel, .hookEvent, .notificationType, .message]' <<<"$BODY")" \
	"[\"$label\",\"Notification\",\"permission_prompt\",\"Claude needs your permission\"]" "its payload"
is "$(jq -c '.notifications[0] | [.title, .body, .payload.hookEvent]' <<<"$BODY")" \
	"[\"Turn completed\",\"$label is ready for your next prompt.\",\"Stop\"]" "turn completed record"
like "$(jq -r '.notifications[0].createdAt' <<<"$BODY")" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' "createdAt is ISO"
src=$(jq '.notifications[3].sourceEventId' <<<"$BODY")
is "$(api GET "/sessions/$a/events?source=hook" | jq --argjson s "$src" '[.events[] | select(.id == $s) | .type][0]')" \
	'"Notification"' "sourceEventId is the hook event"

# ------------------------------------------------------------ filters and paging
is "$(api GET "/notifications?sessionId=$a" | jq -c '[.notifications[].id]')" "[$n4,$n2,$n1]" "sessionId filter"
is "$(api GET "/notifications?sessionId=$b" | jq -c '[.notifications[].id]')" "[$n3]" "the other session"
is "$(api GET '/notifications?eventType=session.input_required' | jq -c '[.notifications[].id]')" "[$n3,$n2]" "eventType filter"
is "$(api GET '/notifications?limit=2' | jq -c '[.notifications[].id]')" "[$n4,$n3]" "limit"
is "$(api GET "/notifications?limit=2&before=$n3" | jq -c '[.notifications[].id]')" "[$n2,$n1]" "before: the next page"
is "$(api GET "/notifications?before=$n1" | jq -c '.notifications')" "[]" "past the last page"
is "$(api GET "/notifications?unreadOnly=false&limit=200" | jq '.notifications | length')" 4 "unreadOnly=false, limit=200"
for q in 'unreadOnly=yes:400:unreadOnly must be "true" or "false"' \
	'unreadOnly=:400:unreadOnly must be "true" or "false"' \
	'before=0:400:before must be a positive integer' \
	'before=x:400:before must be a positive integer' \
	'limit=0:400:limit must be a positive integer' \
	'limit=-3:400:limit must be a positive integer' \
	'limit=1.5:400:limit must be a positive integer' \
	'limit=201:400:limit must be <= 200' \
	'sessionId=nope:404:Session not found: nope'; do
	call GET "/notifications?${q%%:*}"
	is "$(err)" "${q#*:}" "GET /notifications?${q%%:*}"
done

call GET /notifications/counts
is "$(jq -cS . <<<"$BODY")" "$(jq -cS . <<<"{\"counts\":{\"totalUnread\":4,\"bySession\":{\"$a\":3,\"$b\":1}}}")" "counts"

# ------------------------------------------------------------ marking read
call POST "/notifications/$n1/read"
is "$STATUS:$BODY" '200:{"success":true,"changed":true}' "mark one read (no body: readSource click)"
call POST "/notifications/$n1/read" '{"readSource":"toast"}'
is "$BODY" '{"success":true,"changed":false}' "again: idempotent, unchanged"
is "$(api GET "/notifications?sessionId=$a" | jq -c '.notifications[2] | [.id, .readSource, (.readAt | test("Z$"))]')" \
	"[$n1,\"click\",true]" "readAt and readSource kept"
call POST "/notifications/$n2/read" '{"readSource":"toast"}'
is "$BODY" '{"success":true,"changed":true}' "with a readSource"
is "$(sqlite3 "$db" "SELECT read_source FROM session_notifications WHERE id = $n2")" toast "stored"
call POST /notifications/999999/read '{}'
is "$STATUS:$BODY" '200:{"success":true,"changed":false}' "an unknown id: unchanged"
is "$(api GET '/notifications?unreadOnly=true' | jq -c '[.notifications[].id]')" "[$n4,$n3]" "unreadOnly=true"
call GET /notifications/counts
is "$(jq -cS . <<<"$BODY")" "$(jq -cS . <<<"{\"counts\":{\"totalUnread\":2,\"bySession\":{\"$a\":1,\"$b\":1}}}")" "counts follow"
long=$(printf 'x%.0s' {1..65})
for c in "abc|{}|notificationId must be a positive integer" \
	"0|{}|notificationId must be a positive integer" \
	"$n3|{\"readSource\":\"\"}|readSource must be a non-empty string" \
	"$n3|{\"readSource\":5}|readSource must be a non-empty string" \
	"$n3|{\"readSource\":\"$long\"}|readSource must be <= 64 characters" \
	"$n3|[]|Request body must be a JSON object" \
	"$n3|{x|Invalid JSON in request body"; do
	IFS='|' read -r id json msg <<<"$c"
	call POST "/notifications/$id/read" "$json"
	is "$(err)" "400:$msg" "POST /notifications/$id/read $json"
done
call POST "/notifications/$n3/read" "{\"readSource\":\"${long:1}\"}"
is "$BODY" '{"success":true,"changed":true}' "64 characters are fine"

for c in '{"sessionId":""}|400:sessionId must be a non-empty string' \
	'{"sessionId":7}|400:sessionId must be a non-empty string' \
	'{"readSource":""}|400:readSource must be a non-empty string' \
	'{"sessionId":"nope"}|404:Session not found: nope'; do
	call POST /notifications/read "${c%%|*}"
	is "$(err)" "${c#*|}" "POST /notifications/read ${c%%|*}"
done
call POST /notifications/read "{\"sessionId\":\"$b\"}"
is "$BODY" '{"success":true,"updated":0}' "bulk for a session with nothing unread"
call POST /notifications/read "{\"sessionId\":\"$a\"}"
is "$BODY" '{"success":true,"updated":1}' "bulk for one session"
is "$(sqlite3 "$db" "SELECT read_source FROM session_notifications WHERE id = $n4")" bulk "readSource defaults to bulk"
call POST /notifications/read
is "$STATUS:$BODY" '200:{"success":true,"updated":0}' "bulk with no body and nothing unread"
is "$(api GET /notifications/counts | jq -c .)" '{"counts":{"totalUnread":0,"bySession":{}}}' "all read"

# ------------------------------------------------------------ live messages
wait_for eval '[[ $(stream "map(select(.type == \"notification_read\")) | length") == 4 ]]'
ok $? "the stream got every read"
is "$(stream 'map(select(.type == "notification_created") | .data.id)')" "[$n1,$n2,$n3,$n4]" "notification_created, one each"
is "$(stream 'map(select(.type == "notification_created"))[0].data | [.sessionId, .eventType, .sourceEventId, .readAt, .readSource]')" \
	"[\"$a\",\"session.permission_required\",$src,null,null]" "created carries the record"
is "$(stream 'map(select(.type == "notification_read"))[0].data | [.id, .readSource, (.readAt | test("Z$"))]')" \
	"[$n1,\"click\",true]" "notification_read {id, readAt, readSource}"
is "$(stream 'map(select(.type == "notification_read"))[3].data | [.id, .readSource, .sessionId, .bulk, .updated]')" \
	"[null,\"bulk\",\"$a\",true,1]" "bulk notification_read"
is "$(stream 'map(select(.type == "notification_counts_updated"))[3].data' | jq -cS .)" \
	"$(jq -cS . <<<"{\"totalUnread\":4,\"bySession\":{\"$a\":3,\"$b\":1}}")" "counts after the fourth creation"
is "$(stream 'map(select(.type == "notification_counts_updated")) | last.data')" \
	'{"totalUnread":0,"bySession":{}}' "counts after the last read"

# ------------------------------------------------------------ per-session preference
call GET "/sessions/$a/notifications/prefs"
is "$STATUS:$(jq -c . <<<"$BODY")" \
	"200:{\"prefs\":{\"sessionId\":\"$a\",\"enabled\":null,\"updatedAt\":\"1970-01-01T00:00:00.000Z\"}}" "unset prefs"
call PUT "/sessions/$a/notifications/prefs" '{"enabled":false}'
is "$STATUS:$(jq -c '.prefs | [.sessionId, .enabled]' <<<"$BODY")" "200:[\"$a\",false]" "turned off"
like "$(jq -r .prefs.updatedAt <<<"$BODY")" '^20' "updatedAt set"
is "$(api GET "/sessions/$a/notifications/prefs" | jq -c .prefs.enabled)" false "GET shows it"
say "$a" "notify: idle"
wait_for eval '[[ $(notified '"$a"' idle_prompt) == 3 ]]'
say "$b" "notify: idle"
wait_for eval '[[ $(total) == 5 ]]'
is "$(api GET /notifications?limit=1 | jq -c '.notifications[0].sessionId')" "\"$b\"" "off for a, still on for b"
call PUT "/sessions/$a/notifications/prefs" '{"enabled":null}'
is "$(jq -c .prefs.enabled <<<"$BODY")" null "back to following the global setting"
for c in '{}|400:Missing required field: enabled' \
	'|400:Missing required field: enabled' \
	'{"enabled":"no"}|400:enabled must be a boolean or null' \
	'{"enabled":0}|400:enabled must be a boolean or null'; do
	call PUT "/sessions/$a/notifications/prefs" "${c%%|*}"
	is "$(err)" "${c#*|}" "PUT prefs '${c%%|*}'"
done
call GET /sessions/nope/notifications/prefs
is "$(err)" "404:Session not found: nope" "GET prefs of an unknown session"
call PUT /sessions/nope/notifications/prefs '{"enabled":true}'
is "$(err)" "404:Session not found: nope" "PUT prefs of an unknown session"

# notificationEventDefaults switches one type off everywhere.
call PUT /settings/daemon '{"notificationEventDefaults":{"session.input_required":false}}'
say "$b" "notify: idle"
wait_for eval '[[ $(notified '"$b"' idle_prompt) == 3 ]]'
say "$b" "notify: permission"
wait_for eval '[[ $(total) == 6 ]]'
is "$(api GET /notifications?limit=2 | jq -c '[.notifications[].eventType]')" \
	'["session.permission_required","session.input_required"]' "input_required off by notificationEventDefaults"

# ------------------------------------------------------------ Web Push
call GET /notifications/push/status
is "$(jq -c . <<<"$BODY")" '{"status":{"enabled":false,"configured":false,"reasons":["feature_disabled"],"publicKey":null}}' \
	"push status: disabled"
call POST /notifications/push/test '{}'
is "$(jq -c . <<<"$BODY")" \
	'{"result":{"attempted":0,"delivered":0,"expired":0,"failed":0,"skipped":true,"reason":"not_available"}}' \
	"push test: skipped"
call POST /notifications/push/test "{\"title\":\"$(printf 't%.0s' {1..121})\"}"
is "$(err)" "400:title must be <= 120 characters" "push test: title too long"
call POST /notifications/push/test '{"body":3}'
is "$(err)" "400:body must be a string" "push test: body not a string"

call GET /notifications/push/subscriptions
is "$STATUS:$BODY" '200:{"subscriptions":[]}' "no subscriptions"
ep=https://push.example.com/send/abc
call PUT /notifications/push/subscriptions "{\"endpoint\":\"$ep\",\"keys\":{\"p256dh\":\"pk\",\"auth\":\"au\"}}"
is "$STATUS:$(jq -c '.subscription | [.endpoint, .expirationTime, (.createdAt | test("Z$"))]' <<<"$BODY")" \
	"200:[\"$ep\",null,true]" "subscription stored"
call PUT /notifications/push/subscriptions "{\"endpoint\":\"$ep\",\"keys\":{\"p256dh\":\"pk2\",\"auth\":\"au2\"},\"expirationTime\":1000}"
is "$(jq -c '.subscription.expirationTime' <<<"$BODY")" 1000 "upserted by endpoint"
call PUT /notifications/push/subscriptions '{"endpoint":"http://localhost:8080/p","keys":{"p256dh":"k","auth":"a"},"expirationTime":null}'
is "$STATUS" 200 "http is fine for localhost"
call GET /notifications/push/subscriptions
is "$(jq -c '[.subscriptions[] | keys]' <<<"$BODY")" \
	'[["createdAt","endpoint","expirationTime","updatedAt"],["createdAt","endpoint","expirationTime","updatedAt"]]' \
	"listed without keys"
is "$(sqlite3 "$db" "SELECT p256dh || ' ' || auth FROM push_subscriptions WHERE endpoint = '$ep'")" "pk2 au2" "keys kept in the table"
k513=$(printf 'k%.0s' {1..513})
for c in '{"keys":{"p256dh":"k","auth":"a"}}|endpoint must be a non-empty string' \
	'{"endpoint":"","keys":{}}|endpoint must be a non-empty string' \
	'{"endpoint":"not a url","keys":{}}|endpoint must be a valid URL' \
	'{"endpoint":"https://","keys":{}}|endpoint must be a valid URL' \
	'{"endpoint":"https://u:p@push.example.com/x","keys":{}}|endpoint must not include username or password' \
	'{"endpoint":"http://push.example.com/x","keys":{}}|endpoint must use https (http is allowed only for localhost)' \
	'{"endpoint":"ftp://push.example.com/x","keys":{}}|endpoint must use https (http is allowed only for localhost)' \
	'{"endpoint":"https://p.example/x","keys":[]}|keys must be an object' \
	'{"endpoint":"https://p.example/x"}|keys must be an object' \
	'{"endpoint":"https://p.example/x","keys":{"auth":"a"}}|keys.p256dh must be a non-empty string' \
	'{"endpoint":"https://p.example/x","keys":{"p256dh":"k","auth":""}}|keys.auth must be a non-empty string' \
	"{\"endpoint\":\"https://p.example/x\",\"keys\":{\"p256dh\":\"$k513\",\"auth\":\"a\"}}|push keys must be at most 512 characters" \
	'{"endpoint":"https://p.example/x","keys":{"p256dh":"k","auth":"a"},"expirationTime":"1"}|expirationTime must be a number or null' \
	'{"endpoint":"https://p.example/x","keys":{"p256dh":"k","auth":"a"},"expirationTime":-1}|expirationTime must be greater than or equal to 0'; do
	call PUT /notifications/push/subscriptions "${c%%|*}"
	is "$(err)" "400:${c#*|}" "PUT subscription: ${c#*|}"
done
call DELETE /notifications/push/subscriptions "{\"endpoint\":\"$ep\"}"
is "$BODY" '{"success":true,"deleted":true}' "deleted"
call DELETE /notifications/push/subscriptions "{\"endpoint\":\"$ep\"}"
is "$BODY" '{"success":true,"deleted":false}' "deleting again"
call DELETE /notifications/push/subscriptions '{}'
is "$(err)" "400:endpoint must be a non-empty string" "DELETE without an endpoint"
is "$(api GET /notifications/push/subscriptions | jq '.subscriptions | length')" 1 "one left"

agentd_clean_exit
done_testing
