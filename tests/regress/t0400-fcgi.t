#!/usr/bin/env bash
#
# t0400-fcgi: the embedded web edge relays /api to agentd's web socket.
#
# Starts, all under a private temporary directory: echo-http standing in for
# agentd (web.sock) and for codepiper-ws (ws.sock), codepiper-fcgi, and the
# real nginx with nginx/nginx.conf.template rendered for a free port. Then
# checks with curl what reaches the backend and what comes back.
#
# Binaries come from $CODEPIPER_BIN (default build/san/bin) and
# $CODEPIPER_TOOLS (default build/san/tests/tools). TAP helpers: lib.sh.

here=$(cd "$(dirname "$0")" && pwd)
: "${CODEPIPER_BIN:=$here/../../build/san/bin}"
: "${CODEPIPER_TOOLS:=$(dirname "$CODEPIPER_BIN")/tests/tools}"
. "$here/lib.sh"

ROOT=$REPO_ROOT
NGINX=${NGINX:-/usr/sbin/nginx}
FCGI=$CODEPIPER_BIN/codepiper-fcgi
ECHO=$CODEPIPER_TOOLS/echo-http

[ -x "$FCGI" ] || skip_all "no $FCGI (make san)"
[ -x "$ECHO" ] || skip_all "no $ECHO (make san)"
[ -x "$NGINX" ] || skip_all "no nginx at $NGINX"
for tool in curl jq perl; do
	command -v $tool >/dev/null || skip_all "$tool not installed"
done

# lib.sh's private directory; short enough for Unix socket paths (107 bytes).
T=$tmp
echo_pid= ws_pid= fcgi_pid= nginx_pid=

stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
stop_all() {
	stop "$nginx_pid"
	stop "$fcgi_pid"
	stop "$echo_pid"
	stop "$ws_pid"
}
at_exit stop_all

# contains GOT SUBSTRING MSG: like(), for a literal string.
contains() {
	[[ $1 == *"$2"* ]]
	ok $? "$3" && return 0
	diag "         got: '$1'"
	diag "    expected to contain: '$2'"
	return 1
}
# check MSG CMD...: pass when CMD succeeds.
check() {
	local msg=$1
	shift
	"$@"
	ok $? "$msg"
}

# --- helpers --------------------------------------------------------------

# req ARGS...: curl; status to stdout, headers in $T/head, body in $T/body.
req() {
	curl -s --max-time 30 -o "$T/body" -D "$T/head" -w '%{http_code}' "$@"
}
# Value of header $1 in the last response (first one; CR stripped).
header() {
	tr -d '\r' <"$T/head" | grep -i "^$1:" | head -n 1 | sed 's/^[^:]*: *//'
}
header_count() {
	tr -d '\r' <"$T/head" | grep -ci "^$1:"
}
# jq filter on the last body.
body() {
	jq -r "$1" <"$T/body"
}

start_echo() {
	"$ECHO" --socket "$T/web.sock" 2>>"$T/echo.err" &
	echo_pid=$!
	wait_for -t 10 curl -sf -o /dev/null --unix-socket "$T/web.sock" http://x/ready
}

start_fcgi() {
	"$FCGI" --socket "$T/fcgi.sock" --backend "$T/web.sock" --threads 2 \
	    --timeout 2 2>>"$T/fcgi.err" &
	fcgi_pid=$!
	wait_for -t 10 test -S "$T/fcgi.sock"
}

free_port() {
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(Listen => 1,
	        LocalAddr => "127.0.0.1", LocalPort => 0) or die "$!\n";
	    print $s->sockport, "\n";'
}

render_nginx() {
	sed -e "s|@LISTEN@|127.0.0.1:$1|g" \
	    -e "s|@STATIC_ROOT@|$T/www|g" \
	    -e "s|@FCGI_SOCKET@|$T/fcgi.sock|g" \
	    -e "s|@WS_SOCKET@|$T/ws.sock|g" \
	    -e "s|@PID_FILE@|$T/nginx.pid|g" \
	    -e "s|@LOG_DIR@|$T/logs|g" \
	    -e "s|@TMP_DIR@|$T/tmp|g" \
	    "$ROOT/nginx/nginx.conf.template" >"$T/nginx.conf"
}

nginx_answers() {
	curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$port/"
}

# Another test may take the port between our probe and nginx's bind: retry.
start_nginx() {
	local attempt
	for attempt in 1 2 3 4 5; do
		port=$(free_port) || return 1
		render_nginx "$port"
		"$NGINX" -e stderr -p "$T/tmp" -c "$T/nginx.conf" \
		    2>>"$T/nginx.err" &
		nginx_pid=$!
		local deadline=$((SECONDS + 10))
		while kill -0 "$nginx_pid" 2>/dev/null; do
			nginx_answers && return 0
			[ $SECONDS -lt $deadline ] || break
			sleep 0.05
		done
		stop "$nginx_pid"
		nginx_pid=
	done
	return 1
}

# --- setup ----------------------------------------------------------------

mkdir -p "$T/www/assets" "$T/logs" "$T/tmp"
echo '<!doctype html><title>CodePiper</title>' >"$T/www/index.html"
echo 'console.log("app")' >"$T/www/assets/app-0123abcd.js"
printf 'body{color:red}%.0s' $(seq 1 200) >"$T/www/assets/style-4567.css"
gzip -k "$T/www/assets/style-4567.css"

render_nginx 3000
check "rendered template passes nginx -t" \
    "$NGINX" -t -q -e stderr -p "$T/tmp" -c "$T/nginx.conf"
check "no placeholder left unreplaced" \
    bash -c "! grep -v '^ *#' '$T/nginx.conf' | grep -q '@[A-Z_]*@'"

start_echo || bail_out "echo-http did not start"
"$ECHO" --socket "$T/ws.sock" 2>>"$T/echo.err" &
ws_pid=$!
wait_for -t 10 curl -sf -o /dev/null --unix-socket "$T/ws.sock" http://x/ready ||
    bail_out "echo-http (ws) did not start"
start_fcgi || bail_out "codepiper-fcgi did not start"
start_nginx || { diag "$(cat "$T/nginx.err")"; bail_out "nginx did not start"; }
B="http://127.0.0.1:$port"

is "$(stat -c %a "$T/fcgi.sock")" 600 "FastCGI socket is mode 0600"

# A second instance refuses a socket that is in use.
"$FCGI" --socket "$T/fcgi.sock" --backend "$T/web.sock" 2>"$T/second.err"
is "$?" 1 "second codepiper-fcgi on a live socket exits 1"
contains "$(cat "$T/second.err")" "another process is listening" "... and says why"

# --- what reaches agentd --------------------------------------------------

status=$(req "$B/api/sessions/abc/output?lines=5&q=a%20b")
is "$status" 200 "GET relayed"
is "$(body .method)" GET "method forwarded"
is "$(body .target)" "/sessions/abc/output?lines=5&q=a%20b" \
    "/api stripped, query kept verbatim"
is "$(body '.headers.host')" "127.0.0.1:$port" "Host forwarded"
is "$(body '.headers["x-codepiper-client-addr"]')" 127.0.0.1 \
    "client address from REMOTE_ADDR"
is "$(body '.headers["x-codepiper-scheme"]')" http "scheme from HTTPS param"
contains "$(body '.headers["x-codepiper-request-id"]')" "" "request id present"
check "request id is a number" \
    test -n "$(body '.headers["x-codepiper-request-id"] | select(test("^[0-9]+$"))')"

status=$(req -X POST "$B/api/auth/login" \
    -H 'Content-Type: application/json' \
    -H 'Cookie: codepiper_session=aa; other=1' \
    -H 'Origin: http://127.0.0.1:3000' \
    -H 'Referer: http://127.0.0.1:3000/login' \
    -H 'User-Agent: t0400/1.0' \
    -H 'Authorization: Bearer 0123' \
    -H 'Accept: application/json' \
    -H 'X-CodePiper-Secret: s3cret' \
    -H 'X-Forwarded-For: 203.0.113.9' \
    -H 'X-Forwarded-Proto: https' \
    -H 'X-Real-IP: 203.0.113.10' \
    -H 'Forwarded: for=203.0.113.11;proto=https' \
    -H 'X-CodePiper-Client-Addr: 6.6.6.6' \
    -H 'X-CodePiper-Scheme: https' \
    -H 'X-Not-Forwarded: 1' \
    -H 'Proxy: http://evil/' \
    --data-binary '{"password":"pw"}')
is "$status" 200 "POST relayed"
is "$(body .method)" POST "POST method forwarded"
is "$(body .target)" /auth/login "POST path forwarded"
is "$(body .bodyLength)" 17 "body forwarded"
is "$(body '.headers["content-length"]')" 17 "Content-Length sent to agentd"
is "$(body '.headers["content-type"]')" application/json "Content-Type forwarded"
is "$(body .headers.cookie)" "codepiper_session=aa; other=1" "Cookie forwarded"
is "$(body .headers.origin)" "http://127.0.0.1:3000" "Origin forwarded"
is "$(body .headers.referer)" "http://127.0.0.1:3000/login" "Referer forwarded"
is "$(body '.headers["user-agent"]')" "t0400/1.0" "User-Agent forwarded"
is "$(body .headers.authorization)" "Bearer 0123" "Authorization forwarded"
is "$(body .headers.accept)" "application/json" "Accept forwarded"
is "$(body '.headers["x-codepiper-secret"]')" s3cret "hook secret forwarded"
is "$(body '.headers["x-forwarded-for"]')" 203.0.113.9 "X-Forwarded-For forwarded"
is "$(body '.headers["x-forwarded-proto"]')" https "X-Forwarded-Proto forwarded"
is "$(body '.headers["x-real-ip"]')" 203.0.113.10 "X-Real-IP forwarded"
is "$(body .headers.forwarded)" "for=203.0.113.11;proto=https" "Forwarded forwarded"
is "$(body '.headers["x-codepiper-client-addr"]')" 127.0.0.1 \
    "client cannot forge X-CodePiper-Client-Addr"
is "$(body '.headers["x-codepiper-scheme"]')" http \
    "client cannot forge X-CodePiper-Scheme"
is "$(body '.headers["x-not-forwarded"]')" null "other headers not forwarded"
is "$(body '.headers.proxy')" null "Proxy header not forwarded"

for method in PUT PATCH DELETE; do
	status=$(req -X $method "$B/api/policies/7" --data-binary '{}')
	is "$status/$(body .method)/$(body .target)/$(body .bodyLength)" \
	    "200/$method//policies/7/2" "$method forwarded with body"
done

status=$(req -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T/www/assets/style-4567.css" "$B/api/upload")
is "$status/$(body .bodyLength)" "200/$(stat -c %s "$T/www/assets/style-4567.css")" \
    "chunked request body forwarded whole"

status=$(req -X POST "$B/api/notifications/read")
is "$status/$(body '.headers["content-length"]')" 200/0 \
    "empty POST sends Content-Length: 0"

status=$(req -I "$B/api/health")
is "$status" 200 "HEAD relayed"
check "HEAD keeps the daemon's Content-Length ($(header Content-Length))" \
    test "$(header Content-Length)" -gt 0

# --- what comes back ------------------------------------------------------

status=$(req "$B/api/status/201")
is "$status" 201 "status relayed (201)"
status=$(req "$B/api/status/404")
is "$status" 404 "status relayed (404)"
is "$(body .target)" /status/404 "body relayed with the error status"

status=$(req "$B/api/cookies")
is "$status" 200 "multi-cookie response relayed"
is "$(header_count Set-Cookie)" 2 "both Set-Cookie headers relayed"
contains "$(tr -d '\r' <"$T/head" | grep -i '^Set-Cookie:' | tr '\n' '|')" \
    "Set-Cookie: a=1; HttpOnly; Path=/|Set-Cookie: b=2; Path=/|" \
    "Set-Cookie values and order kept"
is "$(header X-Backend)" yes "other backend headers relayed"
is "$(header_count X-Hop)" 0 "header named by Connection not relayed"
is "$(header_count Proxy-Authenticate)" 0 "hop-by-hop header not relayed"
is "$(header Server)" nginx "backend Server header not relayed"
is "$(header_count X-Frame-Options)" 1 "backend's own security header not duplicated"
is "$(header X-Frame-Options)" SAMEORIGIN "... and the backend's value wins"

status=$(req "$B/api/echo")
is "$(header Content-Type)" application/json "Content-Type relayed"
is "$(header Cache-Control)" no-store "API response: Cache-Control no-store"
is "$(header X-Content-Type-Options)" nosniff "API response: nosniff"
is "$(header X-Frame-Options)" DENY "API response: X-Frame-Options"
is "$(header Referrer-Policy)" strict-origin-when-cross-origin "API response: Referrer-Policy"
contains "$(header Permissions-Policy)" "microphone=(self)" "API response: Permissions-Policy"
contains "$(header Content-Security-Policy)" "frame-ancestors 'none'" "API response: CSP"

status=$(req "$B/api/chunked")
is "$status/$(body .target)" 200//chunked "chunked backend response decoded"
is "$(header Content-Length)" "$(stat -c %s "$T/body")" "... and relayed with a Content-Length"

status=$(req "$B/api/big/3000000")
is "$status/$(stat -c %s "$T/body")" 200/3000000 "3 MB response relayed"

status=$(req "$B/api")
is "$status/$(body .error)" "404/Not found: " "/api alone is a JSON 404"
status=$(req "$B/apifoo?x=1")
is "$status/$(body .error)" "404/Not found: foo" "/apifoo is API path foo: JSON 404"

# --- bodies ---------------------------------------------------------------

head -c 5000000 /dev/urandom >"$T/5mb"
status=$(req -H 'Content-Type: application/octet-stream' \
    --data-binary @"$T/5mb" "$B/api/echo-body")
is "$status" 200 "5 MB body accepted"
check "5 MB body arrives intact" cmp -s "$T/5mb" "$T/body"

status=$(req -X POST --data-binary @"$T/5mb" "$B/apifoo")
is "$status/$(body .error)" "404/Not found: foo" \
    "early JSON error with a 5 MB body unread still reaches the client"

head -c 12000000 /dev/zero >"$T/12mb"
status=$(req -H 'Content-Type: application/octet-stream' \
    --data-binary @"$T/12mb" "$B/api/echo-body")
is "$status" 413 "12 MB body refused by nginx"
is "$(header Content-Type)/$(body .error)" "application/json/Request too large" \
    "... with a JSON error"

# --- keep-alive -----------------------------------------------------------

conns=
for i in 1 2 3 4 5 6 7 8; do
	req "$B/api/echo/$i" >/dev/null
	conns="$conns $(body .conn):$(body .seq)"
done
distinct=$(tr ' ' '\n' <<<"$conns" | sed -n 's/:.*//p' | sort -u | wc -l)
maxseq=$(tr ' ' '\n' <<<"$conns" | sed -n 's/.*://p' | sort -n | tail -n 1)
check "8 requests use at most 2 backend connections (2 threads):$conns" \
    test "$distinct" -le 2
check "backend connections are reused (a seq of 4 or more)" test "$maxseq" -ge 4

status=$(req "$B/api/close")
is "$status" 200 "response with Connection: close relayed"
status=$(req "$B/api/close")
is "$status" 200 "... and the next requests reconnect"
status=$(req "$B/api/echo")
is "$status" 200 "... every time"

# The daemon drops the connection without answering: GET is retried once
# on a new connection, POST is not.
status=$(req "$B/api/drop-once/get")
is "$status/$(body .target)" 200//drop-once/get "idempotent GET retried after a drop"
status=$(req -X POST "$B/api/drop-once/post" --data-binary '{}')
is "$status" 502 "POST not retried after a drop"
is "$(body .error)" "CodePiper daemon closed the connection without answering" \
    "... JSON error says so"
status=$(req -X POST "$B/api/drop-once/post" --data-binary '{}')
is "$status" 200 "... and the next POST works"

status=$(req "$B/api/sleep/3000")
is "$status" 504 "slow daemon: 504 after --timeout"
is "$(body .error)" "CodePiper daemon did not answer in time" "... with a JSON error"

# --- agentd restarts and goes away -----------------------------------------

stop "$echo_pid"
echo_pid=
start_echo || bail_out "echo-http did not restart"
status=$(req -X POST "$B/api/after-restart" --data-binary '{}')
is "$status/$(body .target)" 200//after-restart \
    "POST after a daemon restart goes through (stale connection replaced)"

stop "$echo_pid"
echo_pid=
status=$(req "$B/api/sessions")
is "$status" 502 "daemon down: 502"
is "$(header Content-Type)" application/json "... application/json"
is "$(cat "$T/body")" '{"error":"CodePiper daemon is not reachable"}' \
    "... {\"error\":\"CodePiper daemon is not reachable\"}"
is "$(header X-Frame-Options)" DENY "... with security headers"
status=$(req -X POST "$B/api/sessions" --data-binary '{}')
is "$status" 502 "daemon down: 502 for POST too"

start_echo || bail_out "echo-http did not restart"
status=$(req "$B/api/sessions")
is "$status" 200 "daemon back: requests flow again"

# --- WebSocket location ---------------------------------------------------

status=$(req "$B/ws" -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
    -H 'Origin: http://127.0.0.1:3000' -H 'Cookie: codepiper_session=aa' \
    -H 'X-CodePiper-Client-Addr: 6.6.6.6')
is "$status/$(body .target)" 200//ws "/ws proxied to the relay socket"
is "$(body .headers.upgrade)" websocket "Upgrade forwarded"
is "$(body .headers.connection)" upgrade "Connection: upgrade forwarded"
is "$(body .headers.origin)/$(body .headers.cookie)" \
    "http://127.0.0.1:3000/codepiper_session=aa" "Origin and Cookie forwarded"
is "$(body '.headers["x-codepiper-client-addr"]')" 127.0.0.1 \
    "relay gets the client address, not a forged one"

# A real upgrade: 101 comes back and bytes flow both ways afterwards.
got=$(perl -MIO::Socket::INET -e '
	$SIG{ALRM} = sub { print "timeout\n"; exit 1 };
	alarm 10;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or die;
	$s->autoflush(1);
	print $s "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n",
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n",
	    "X-Test-Upgrade: 1\r\n\r\n";
	my $head = "";
	$head .= getc($s) until $head =~ /\r\n\r\n$/;
	my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
	print $s "ping-123";
	my $echo = "";
	read($s, $echo, 8);
	print "$status|$echo\n";' "$port")
is "$got" "101|ping-123" "/ws upgrade: 101 and bytes relayed both ways"

# --- static files ---------------------------------------------------------

status=$(req "$B/")
is "$status" 200 "/ serves the dashboard"
contains "$(cat "$T/body")" "<title>CodePiper</title>" "... index.html"
is "$(header Cache-Control)" no-cache "index.html: no-cache"
is "$(header X-Frame-Options)" DENY "static: X-Frame-Options"
is "$(header X-Content-Type-Options)" nosniff "static: nosniff"
is "$(header Referrer-Policy)" strict-origin-when-cross-origin "static: Referrer-Policy"
contains "$(header Permissions-Policy)" "microphone=(self)" "static: Permissions-Policy"
contains "$(header Content-Security-Policy)" "img-src 'self' data: blob:" "static: CSP allows data: images"
contains "$(header Content-Security-Policy)" "ws://127.0.0.1:*" "static: CSP allows ws:"

status=$(req "$B/sessions/1234/terminal")
is "$status" 200 "client-side route falls back to index.html"
contains "$(cat "$T/body")" "<title>CodePiper</title>" "... with index.html"
contains "$(header Content-Type)" text/html "... as text/html"
is "$(header Cache-Control)" no-cache "... no-cache"

status=$(req "$B/assets/app-0123abcd.js")
is "$status" 200 "hashed asset served"
is "$(header Cache-Control)" "public, max-age=31536000, immutable" "hashed asset: immutable"
contains "$(header Content-Type)" application/javascript "hashed asset: JavaScript type"
contains "$(header Content-Security-Policy)" "default-src 'self'" "hashed asset: CSP"
status=$(req "$B/assets/missing-0000.js")
is "$status" 404 "missing asset is a 404, not index.html"

status=$(req -H 'Accept-Encoding: gzip' "$B/assets/style-4567.css")
is "$status/$(header Content-Encoding)" 200/gzip "precompressed .gz served (gzip_static)"
is "$(header Cache-Control)" "public, max-age=31536000, immutable" "... still immutable"

# --- shutdown -------------------------------------------------------------

kill -TERM "$fcgi_pid"
wait "$fcgi_pid"
is "$?" 0 "codepiper-fcgi exits 0 on SIGTERM"
fcgi_pid=
check "... and removes its socket" test ! -e "$T/fcgi.sock"

status=$(req "$B/api/sessions")
is "$status/$(header Content-Type)" 502/application/json \
    "codepiper-fcgi down: nginx answers a JSON 502"

! grep -qE 'AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error' \
    "$T/fcgi.err"
ok $? "no sanitizer report from codepiper-fcgi" || diag "$(cat "$T/fcgi.err")"
check "codepiper-fcgi never logs cookies or bodies" \
    bash -c "! grep -qE 'codepiper_session|s3cret|password' '$T/fcgi.err'"
note "codepiper-fcgi said:"
note "$(cat "$T/fcgi.err")"

done_testing
