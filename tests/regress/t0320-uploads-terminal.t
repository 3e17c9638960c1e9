#!/usr/bin/env bash
# Image uploads and the terminal (copy mode) routes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agentd.sh"

start_agentd || bail_out "agentd did not start"
mkdir -p "$tmp/work"
call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$tmp/work\"}"
id=$(jq -r .session.id <<<"$BODY")
wait_for eval 'session_output '"$id"' | grep -q "Welcome"'

upload() {	# upload FILE TYPE NAME
	STATUS=$(curl -s -o "$tmp/up.json" -w '%{http_code}' --unix-socket "$SOCK" \
		-F "image=@$1;type=$2;filename=$3" "http://localhost/sessions/$id/upload-image")
	BODY=$(cat "$tmp/up.json")
}
printf '\x89PNG\r\n\x1a\n0000' >"$tmp/a.png"
upload "$tmp/a.png" image/png 'my pic (1).png'
is "$STATUS" 200 "PNG upload accepted"
like "$(jq -r .path <<<"$BODY")" "/sessions/$id/images/upload-[0-9]+-my_pic__1_\.png$" "stored under the session with a safe name"
is "$(jq -r .filename <<<"$BODY")" 'my pic (1).png' "client name returned"
is "$(stat -c %a "$(jq -r .path <<<"$BODY")")" 600 "stored owner-only"
upload "$tmp/a.png" image/png '../../..evil.png'
like "$(jq -r .path <<<"$BODY")" "/upload-[0-9]+-evil\.png$" "path traversal in the name is neutralised"
echo 'not an image' >"$tmp/fake.png"
upload "$tmp/fake.png" image/png fake.png
is "$STATUS" 400 "content that is not a PNG is refused"
upload "$tmp/a.png" text/plain a.txt
is "$(jq -r .error <<<"$BODY")" "Invalid image type: text/plain. Allowed: PNG, JPEG, GIF, WebP" "wrong type refused"
: >"$tmp/empty.png"
upload "$tmp/empty.png" image/png e.png
is "$(jq -r .error <<<"$BODY")" "Image file is empty" "empty refused"
STATUS=$(curl -s -o "$tmp/up.json" -w '%{http_code}' --unix-socket "$SOCK" -F "other=x" "http://localhost/sessions/$id/upload-image")
is "$(jq -r .error <"$tmp/up.json")" "Missing required field: image" "missing field"
call POST "/sessions/$id/upload-image" '{"x":1}'
is "$(jq -r .error <<<"$BODY")" "Invalid multipart form data. Send image as 'image' field." "not multipart"
call POST "/sessions/00000000-0000-0000-0000-000000000000/upload-image" '{}'
is "$STATUS" 404 "unknown session"

# Terminal: fill some scrollback, then scroll and search.
for i in $(seq 1 40); do call POST "/sessions/$id/send" "{\"text\":\"line $i\"}"; done
wait_for eval 'session_output '"$id"' | grep -q "^echo: line 40$"'
call GET "/sessions/$id/terminal/info"
is "$(jq -r .mode <<<"$BODY")" interactive "interactive at first"
like "$(jq -r .historySize <<<"$BODY")" '^[1-9][0-9]*$' "history has lines"
call POST "/sessions/$id/terminal/scroll" '{"direction":"up","lines":5}'
is "$STATUS" 200 "scroll up"
call GET "/sessions/$id/terminal/info"
is "$(jq -r .mode <<<"$BODY")" scroll "now in scroll mode"
is "$(jq -r .scrollPosition <<<"$BODY")" 5 "five lines up"
call POST "/sessions/$id/terminal/scroll" '{"direction":"sideways"}'
is "$STATUS" 400 "bad direction refused"
call POST "/sessions/$id/terminal/search" '{"query":"line 3"}'
is "$STATUS" 200 "search"
call POST "/sessions/$id/terminal/search" '{"action":"next"}'
is "$STATUS" 200 "search next"
call POST "/sessions/$id/send" '{"text":"back to typing"}'
wait_for eval 'session_output '"$id"' | grep -q "^echo: back to typing$"'
ok $? "send leaves copy mode first"
call GET "/sessions/$id/terminal/info"
is "$(jq -r .mode <<<"$BODY")" interactive "interactive again"
wait_for eval 'grep -q "^echo: back to typing" "$CODEPIPER_HOME/sessions/'"$id"'/output.log"'
ok $? "output.log holds the last screen once output is quiet"
is "$(stat -c %a "$CODEPIPER_HOME/sessions/$id/output.log")" 600 "owner-only"
call GET "/sessions/00000000-0000-0000-0000-000000000000/terminal/info"
is "$STATUS" 400 "terminal routes answer 400 for unknown sessions"

agentd_clean_exit
done_testing
