#!/usr/bin/env bash
#
# t0600-web-auth: the web edge end to end. `agentd --web --port <free>`
# starts the real nginx and codepiper-fcgi itself; everything below goes
# through them as a browser would (curl on 127.0.0.1:<port>), except where a
# test speaks to agentd's web socket directly as codepiper-fcgi would (to be
# a second client address) or to the CLI socket.
#
# Covers spec/auth.md (bootstrap, onboarding, MFA, login, cookies, logout,
# revoke-all, recovery codes, TOTP replay, brute force, CSRF, CLI-only
# routes, the WebSocket authorize call), the settings, workspaces and env
# sets of spec/settings-workspaces-envsets.md with their error messages,
# secrets at rest, and supervision of the children.
#
# Needs: $CODEPIPER_BIN/{agentd,codepiper,codepiper-fcgi},
# $CODEPIPER_TOOLS/totp, nginx, curl, jq, perl, sqlite3.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agentd.sh"

NGINX=${NGINX:-/usr/sbin/nginx}
TOTP=$CODEPIPER_TOOLS/totp
CLI=$CODEPIPER_BIN/codepiper
[ -x "$CODEPIPER_BIN/codepiper-fcgi" ] || skip_all "no codepiper-fcgi (make)"
[ -x "$TOTP" ] || skip_all "no $TOTP (make)"
[ -x "$NGINX" ] || skip_all "no nginx at $NGINX"
for tool in curl jq perl sqlite3; do
	command -v $tool >/dev/null || skip_all "$tool not installed"
done

T=$tmp
WEB_SOCK=$CODEPIPER_HOME/web.sock
DB=$CODEPIPER_HOME/codepiper.db

free_port() {
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(Listen => 1,
	        LocalAddr => "127.0.0.1", LocalPort => 0) or die "$!\n";
	    print $s->sockport, "\n";'
}

# --- helpers ----------------------------------------------------------------

# web METHOD PATH [JSON] [CURL ARGS...]: through nginx. Sets STATUS, BODY,
# HEAD (response headers, CR stripped).
web() {
	local method=$1 path=$2 body=${3-}
	shift 3 2>/dev/null || shift $#
	local args=(-s --max-time 30 -o "$T/body" -D "$T/head" -w '%{http_code}'
	    -X "$method")
	if [[ -n $body ]]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	STATUS=$(curl "${args[@]}" "$@" "$B/api$path")
	BODY=$(cat "$T/body")
	HEAD=$(tr -d '\r' <"$T/head")
}

# direct ADDR METHOD PATH [JSON] [CURL ARGS...]: straight to agentd's web
# socket, saying (as codepiper-fcgi would) that the client is ADDR.
direct() {
	local addr=$1 method=$2 path=$3 body=${4-}
	shift 4 2>/dev/null || shift $#
	local args=(-s --max-time 30 -o "$T/body" -D "$T/head" -w '%{http_code}'
	    --unix-socket "$WEB_SOCK" -X "$method"
	    -H "X-CodePiper-Client-Addr: $addr" -H "X-CodePiper-Scheme: http")
	if [[ -n $body ]]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	STATUS=$(curl "${args[@]}" "$@" "http://127.0.0.1:$port$path")
	BODY=$(cat "$T/body")
	HEAD=$(tr -d '\r' <"$T/head")
}

j() { jq -r "$1" <<<"$BODY"; }
jc() { jq -c "$1" <<<"$BODY"; }
header() { grep -i "^$1:" <<<"$HEAD" | head -n 1 | sed 's/^[^:]*: *//'; }
# The value a Set-Cookie header gives cookie $1 ("" when cleared).
set_cookie() {
	grep -i "^set-cookie: $1=" <<<"$HEAD" | head -n 1 |
	    sed -e "s/^[^:]*: *$1=//" -e 's/;.*//'
}
session_cookie() { printf 'Cookie: codepiper_session=%s' "$1"; }

# expect STATUS ERROR MSG: the last answer had this status and error text.
expect() {
	is "$STATUS $(j .error)" "$1 $2" "$3"
}

login() { # PASSWORD [CODE] [CURL ARGS...]
	local pw=$1 code=${2-}
	shift 2 2>/dev/null || shift $#
	if [[ -n $code ]]; then
		web POST /auth/login "$(jq -nc --arg p "$pw" --arg c "$code" \
		    '{password:$p,totpCode:$c}')" "$@"
	else
		web POST /auth/login "$(jq -nc --arg p "$pw" '{password:$p}')" "$@"
	fi
}

# --- start ------------------------------------------------------------------

mkdir -p "$T/work" "$T/ws1" "$T/ws2"
: >"$T/a-file"
for attempt in 1 2 3; do
	port=$(free_port)
	start_agentd --web --port "$port" || bail_out "agentd did not start"
	B="http://127.0.0.1:$port"
	if wait_for -t 20 curl -sf -o /dev/null "$B/api/health"; then
		break
	fi
	diag "nothing on port $port; retrying"
	stop_agentd TERM
done
curl -sf -o /dev/null "$B/api/health" || bail_out "the web edge did not come up"

is "$(stat -c %a "$WEB_SOCK")" 600 "web socket is 0600"
is "$(stat -c %a "$CODEPIPER_HOME/web/fcgi.sock")" 600 "FastCGI socket is 0600"
is "$(stat -c %a "$CODEPIPER_HOME/web")" 700 "web dir is 0700"
is "$(stat -c %a "$CODEPIPER_HOME/web/nginx.conf")" 600 "nginx.conf is 0600"
like "$(cat "$AGENTD_LOG")" "dashboard password; it is in $CODEPIPER_HOME/bootstrap-password" \
    "not a TTY: the bootstrap password's file is named"
PW0=$(cat "$CODEPIPER_HOME/bootstrap-password")
is "$(stat -c %a "$CODEPIPER_HOME/bootstrap-password")" 600 "bootstrap file is 0600"
is "${#PW0}" 24 "bootstrap password has 24 characters"
unlike "$(cat "$AGENTD_LOG")" "$PW0" "bootstrap password not in the log"
is "$(stat -c %a "$CODEPIPER_HOME/secretbox.key")" 600 "key file is 0600"

# --- anonymous --------------------------------------------------------------

web GET /health
is "$STATUS $(j .status)" "200 ok" "GET /api/health is public"
is "$(header x-frame-options)" DENY "API answers carry the security headers"
web GET /sessions
expect 401 "Authentication required" "GET /api/sessions needs a session"
is "$(jc '[.setupRequired,.mfaSetupRequired]')" '[false,true]' \
    "401 says onboarding is pending"
web GET /auth/status
is "$(jc '[.setupRequired,.mfaEnabled,.mfaSetupRequired,.onboardingPending,.authenticated]')" \
    '[false,false,false,true,false]' "status: onboarding pending, anonymous"
status=$(curl -s -o "$T/index" -w '%{http_code}' "$B/")
is "$status" 200 "nginx serves the dashboard"
web POST /auth/setup '{"password":"abcdefghij"}'
expect 400 "Password is already configured" "setup after bootstrap is refused"

# --- onboarding: password, then MFA -------------------------------------------

login "wrong-password-1"
is "$STATUS $(jc .)" '401 {"error":"Invalid credentials","code":"INVALID_CREDENTIALS"}' \
    "wrong password"
login ""
expect 400 "Password is required" "empty password"
web POST /auth/login '{'
expect 400 "Invalid JSON in request body" "login with bad JSON"
login "$PW0"
is "$STATUS $(jc .)" '401 {"mfaSetupRequired":true}' "right password: onboarding"
ONB=$(set_cookie codepiper_onboarding)
like "$ONB" '^[0-9a-f]{64}$' "onboarding cookie issued"
like "$(grep -i '^set-cookie: codepiper_onboarding=' <<<"$HEAD")" \
    'HttpOnly; SameSite=Strict; Path=/; Max-Age=86400$' "onboarding cookie attributes"
is "$(grep -ci '^set-cookie: codepiper_session=; .*Max-Age=0' <<<"$HEAD")" 1 \
    "... and the session cookie is cleared"
web GET /auth/status '' -H "Cookie: codepiper_onboarding=$ONB"
is "$(j .mfaSetupRequired)" true "status sees the onboarding cookie"
web POST /auth/mfa/setup
is "$STATUS" 401 "MFA setup without a cookie is refused"
web GET /sessions '' -H "Cookie: codepiper_onboarding=$ONB"
is "$STATUS" 401 "the onboarding cookie is not a session"
web POST /auth/mfa/setup '' -H "Cookie: codepiper_onboarding=$ONB"
is "$STATUS" 200 "MFA setup with the onboarding cookie"
SECRET=$(j .secret)
like "$SECRET" '^[A-Z2-7]{32}$' "TOTP secret is 32 base32 characters"
is "$(j .otpauthUri)" "otpauth://totp/CodePiper:admin?issuer=CodePiper&secret=$SECRET&algorithm=SHA1&digits=6&period=30" \
    "otpauth URI"
like "$(j .qrDataUrl)" '^data:image/svg\+xml;base64,' "QR code is an SVG data URI"
web POST /auth/mfa/verify '{}' -H "Cookie: codepiper_onboarding=$ONB"
expect 400 "TOTP code is required" "verify without a code"
web POST /auth/mfa/verify '{"totpCode":"000000x"}' -H "Cookie: codepiper_onboarding=$ONB"
is "$STATUS $(j .code)" "400 INVALID_TOTP" "verify with a wrong code"
ENROL_CODE=$("$TOTP" "$SECRET")
web POST /auth/mfa/verify "{\"totpCode\":\"$ENROL_CODE\"}" \
    -H "Cookie: codepiper_onboarding=$ONB; codepiper_session=$(printf 'a%.0s' {1..64})"
is "$STATUS $(j .error)" "401 Session expired" \
    "a stale session token disables the onboarding bypass"
web POST /auth/mfa/verify "{\"totpCode\":\"$ENROL_CODE\"}" -H "Cookie: codepiper_onboarding=$ONB"
is "$STATUS" 200 "MFA verified"
is "$(j '.recoveryCodes | length')" 8 "8 recovery codes"
like "$(j '.recoveryCodes[0]')" '^[0-9a-f]{4}-[0-9a-f]{4}$' "recovery code format"
mapfile -t RECOVERY < <(j '.recoveryCodes[]')
S1=$(set_cookie codepiper_session)
is "$S1" "$(j .token)" "session cookie = token"
like "$S1" '^[0-9a-f]{64}$' "session token is 64 hex"
like "$(grep -i '^set-cookie: codepiper_session=' <<<"$HEAD")" \
    'HttpOnly; SameSite=Strict; Path=/; Max-Age=604800$' "session cookie attributes (no Secure on http)"
web GET /sessions '' -H "$(session_cookie "$S1")"
is "$STATUS" 200 "the session cookie opens the API"
web GET /auth/status '' -H "$(session_cookie "$S1")"
is "$(jc '[.mfaEnabled,.onboardingPending,.authenticated]')" '[true,false,true]' \
    "status: MFA on, signed in"
web POST /auth/mfa/verify "{\"totpCode\":\"$ENROL_CODE\"}" -H "Cookie: codepiper_onboarding=$ONB"
is "$STATUS $(j .code)" "400 MFA_SETUP_NOT_PENDING" "the onboarding cookie is spent"

# --- login with TOTP ----------------------------------------------------------

login "$PW0"
is "$STATUS $(jc .)" '401 {"mfaRequired":true}' "password alone asks for the code"
login "$PW0" "$ENROL_CODE"
is "$STATUS $(j .code)" "401 INVALID_CREDENTIALS" "the enrolment code cannot log in (replay)"
CODE2=$("$TOTP" "$SECRET" 30)
login "$PW0" "$CODE2" -A "Mozilla/5.0 t0600 Firefox/140.0"
is "$STATUS $(j .ok)" "200 true" "password + next TOTP code logs in"
S2=$(j .token)
is "$(set_cookie codepiper_session)" "$S2" "login sets the session cookie"
login "$PW0" "$CODE2"
is "$STATUS $(j .code)" "401 INVALID_CREDENTIALS" "the same TOTP code twice is refused"
web GET /sessions '' -H "Authorization: Bearer $S2"
is "$STATUS" 200 "Bearer token works"
web GET /sessions '' -H "Authorization: Bearer $(printf 'b%.0s' {1..64})" -H "$(session_cookie "$S2")"
expect 401 "Session expired" "an unknown well-formed Bearer wins over a good cookie"
web GET /sessions '' -H "Cookie: xcodepiper_session=$S2"
is "$STATUS" 401 "cookie names are matched exactly"
web GET /auth/sessions '' -H "$(session_cookie "$S2")"
is "$STATUS $(j '.sessions | length')" "200 2" "two signed-in sessions listed"
is "$(j '.sessions[0].userAgent')" "Mozilla/5.0 t0600 Firefox/140.0" "... newest first, with its user agent"
is "$(j '.sessions[0].ipAddress')" 127.0.0.1 "... and its client address"
unlike "$BODY" "$S2|token" "no token or hash in the list"

# --- the WebSocket relay's question --------------------------------------------

direct 127.0.0.1 POST /internal/ws-authorize '' -H "$(session_cookie "$S1")" \
    -H "Origin: http://localhost:5173"
is "$STATUS $(j .ok)" "200 true" "ws-authorize: valid cookie, local origin"
WS_ID=$(j .authSessionId)
like "$WS_ID" '^[0-9a-f-]{36}$' "ws-authorize names the auth session (not its token)"
direct 127.0.0.1 POST /internal/ws-authorize '' -H "$(session_cookie "$S1")" \
    -H "Origin: https://evil.example"
expect 403 "Origin not allowed" "ws-authorize: foreign origin"
direct 127.0.0.1 POST /internal/ws-authorize '' -H "Origin: null"
expect 403 "Invalid Origin header" "ws-authorize: unparseable origin"
direct 127.0.0.1 POST /internal/ws-authorize ''
expect 401 "Authentication required" "ws-authorize: no session"
call POST /internal/ws-authorize
is "$STATUS" 404 "ws-authorize does not exist on the CLI socket"

# --- logout, recovery codes, revoke-all ----------------------------------------

web POST /auth/logout '' -H "$(session_cookie "$S1")"
is "$STATUS $(j .ok)" "200 true" "logout"
is "$(grep -ci '^set-cookie: codepiper_\(session\|onboarding\)=; .*Max-Age=0' <<<"$HEAD")" 2 \
    "logout clears both cookies"
web GET /sessions '' -H "$(session_cookie "$S1")"
expect 401 "Session expired" "a logged-out cookie is refused"
direct 127.0.0.1 POST /internal/ws-authorize '' -H "$(session_cookie "$S1")"
is "$STATUS" 401 "ws-authorize refuses it too"
web POST /auth/logout
is "$STATUS" 401 "anonymous logout is 401"

R0=${RECOVERY[0]}
login "$PW0" "$(tr -d - <<<"${R0^^}")"
is "$STATUS $(j .ok)" "200 true" "recovery code logs in (normalised: upper case, no dash)"
S3=$(j .token)
login "$PW0" "$R0"
is "$STATUS $(j .code)" "401 INVALID_CREDENTIALS" "a recovery code is single use"
login "$PW0" "${RECOVERY[1]}"
S4=$(j .token)
is "$STATUS" 200 "another recovery code logs in"
web POST /auth/sessions/revoke-all '' -H "$(session_cookie "$S3")"
is "$STATUS $(j .ok)" "200 true" "revoke-all"
web GET /sessions '' -H "$(session_cookie "$S2")"
is "$STATUS" 401 "revoke-all signed the others out"
web GET /sessions '' -H "$(session_cookie "$S4")"
is "$STATUS" 401 "... all of them"
web GET /sessions '' -H "$(session_cookie "$S3")"
is "$STATUS" 200 "... but not the caller"

# --- CSRF and CLI-only routes ---------------------------------------------------

web POST /auth/logout '' -H "$(session_cookie "$S3")" -H "Origin: https://evil.example"
expect 403 "Cross-site request blocked" "cross-origin POST refused"
web POST /auth/logout '' -H "$(session_cookie "$S3")" -H "Origin: null"
expect 403 "Invalid Origin/Referer header" "Origin: null refused"
web POST /auth/logout '' -H "$(session_cookie "$S3")" -H "Referer: http://localhost:$port/x"
expect 403 "Cross-site request blocked" "another origin in Referer refused"
web PUT /settings/daemon '{}' -H "$(session_cookie "$S3")" -H "Origin: http://127.0.0.1:$port"
is "$STATUS" 200 "same-origin PUT passes"
web POST /auth/login '{"password":"x"}' -H "Origin: https://evil.example"
expect 403 "Cross-site request blocked" "cross-origin login refused before anything else"
web GET /sessions '' -H "$(session_cookie "$S3")" -H "Origin: https://evil.example"
is "$STATUS" 200 "GET is not subject to the origin check"
web GET /sessions '' -H "$(session_cookie "$S3")" -H "Host: rebind.evil.example"
expect 403 "Host not allowed" "a foreign DNS name in Host is refused (rebinding)"
web POST /auth/cli/reset-password '{"generate":true}' -H "$(session_cookie "$S3")"
is "$STATUS $(jc .)" '404 {"error":"Not found"}' "CLI-only reset-password is 404 over HTTP"
web POST /auth/cli/reset-mfa '' -H "$(session_cookie "$S3")"
is "$STATUS $(jc .)" '404 {"error":"Not found"}' "CLI-only reset-mfa is 404 over HTTP"
direct 127.0.0.1 POST /auth/cli/reset-mfa ''
is "$STATUS" 404 "... and on the web socket whatever the headers"

# --- settings -------------------------------------------------------------------

A=(-H "$(session_cookie "$S3")")
web GET /settings/daemon '' "${A[@]}"
is "$STATUS" 200 "GET settings"
is "$(jc '.settings | [.preserveSessions,.defaultPolicyAction,.forwardSshAuthSock,.notificationSoundsEnabled,.terminalFeatures.wsPtyPasteCanaryPercent,.terminalFeatures.diagnosticsPanelCanaryPercent,.notificationEventDefaults,.notificationSoundMap]')" \
    '[false,"ask",true,true,100,0,{},{}]' "settings defaults"
like "$(j .settings.updatedAt)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' "updatedAt is ISO"
bad_setting() {
	web PUT /settings/daemon "$1" "${A[@]}"
	expect 400 "$2" "settings $1"
}
bad_setting '{"preserveSessions":"yes"}' "preserveSessions must be a boolean"
bad_setting '{"defaultPolicyAction":"allow"}' 'defaultPolicyAction must be "ask" or "deny"'
bad_setting '{"notificationsEnabled":1}' "notificationsEnabled must be a boolean"
bad_setting '{"terminalFeatures":[]}' "terminalFeatures must be an object"
bad_setting '{"terminalFeatures":{"latencyProbesEnabled":"x"}}' "latencyProbesEnabled must be a boolean"
bad_setting '{"terminalFeatures":{"wsPtyPasteCanaryPercent":"5"}}' "wsPtyPasteCanaryPercent must be a number"
bad_setting '{"terminalFeatures":{"wsPtyPasteCanaryPercent":100.6}}' "wsPtyPasteCanaryPercent must be between 0 and 100"
bad_setting '{"notificationEventDefaults":{"a":1}}' "notificationEventDefaults must be an object with boolean values"
bad_setting '{"notificationEventDefaults":{" a":true}}' "notificationEventDefaults keys must not have leading or trailing whitespace"
bad_setting '{"notificationEventDefaults":{"":true}}' "notificationEventDefaults keys must not be empty"
bad_setting '{"notificationSoundMap":{"x":""}}' "notificationSoundMap values must not be empty"
bad_setting '{"notificationSoundMap":{"a\u0001":"x"}}' "notificationSoundMap keys must not contain control characters"
bad_setting 'null' "Request body must be a JSON object"
bad_setting '{"preserveSessions":true,"defaultPolicyAction":"x"}' 'defaultPolicyAction must be "ask" or "deny"'
web GET /settings/daemon '' "${A[@]}"
is "$(j .settings.preserveSessions)" false "a refused update wrote nothing"
web PUT /settings/daemon '{"notificationsEnabled":true,"defaultPolicyAction":"deny","terminalFeatures":{"latencyProbesCanaryPercent":42.6},"notificationEventDefaults":{"session.turn_completed":false}}' "${A[@]}"
is "$STATUS" 200 "valid update"
is "$(jc '.settings | [.notificationsEnabled,.defaultPolicyAction,.terminalFeatures.latencyProbesCanaryPercent,.terminalFeatures.wsPtyPasteEnabled,.notificationEventDefaults]')" \
    '[true,"deny",43,true,{"session.turn_completed":false}]' \
    "update applied; percent rounded; other features kept"
web PUT /settings/daemon '{"terminalFeatures":{"wsPtyPasteEnabled":false}}' "${A[@]}"
is "$(jc .restartRequired)" '["terminalFeatures.wsPtyPasteEnabled"]' "says what waits for a restart"
web PUT /settings/daemon '{"defaultPolicyAction":"ask","terminalFeatures":{"wsPtyPasteEnabled":true}}' "${A[@]}"

# --- workspaces -----------------------------------------------------------------

bad_ws() { # METHOD PATH BODY STATUS MSG
	web "$1" "$2" "$3" "${A[@]}"
	expect "$4" "$5" "workspace $1 $3"
}
web POST /workspaces "{\"name\":\"proj\",\"path\":\"$T/ws1\"}" "${A[@]}"
is "$STATUS" 201 "create workspace"
WS1=$(j .workspace.id)
is "$(jc '.workspace | [.name, .path]')" "[\"proj\",\"$(realpath "$T/ws1")\"]" "workspace record"
bad_ws POST /workspaces "{\"path\":\"$T/ws1\"}" 400 "Missing required field: name"
bad_ws POST /workspaces "{\"name\":\"   \",\"path\":\"$T/ws1\"}" 400 "Field 'name' must not be empty"
bad_ws POST /workspaces "{\"name\":\"$(printf 'n%.0s' {1..101})\",\"path\":\"$T/ws1\"}" 400 "Name too long (max 100 chars)"
bad_ws POST /workspaces '{"name":"x"}' 400 "Missing required field: path"
bad_ws POST /workspaces '{"name":"x","path":"rel/dir"}' 400 "Path must be an absolute path"
bad_ws POST /workspaces '{"name":"x","path":"/nope/nowhere"}' 400 "Directory does not exist: /nope/nowhere"
bad_ws POST /workspaces "{\"name\":\"x\",\"path\":\"$T/a-file\"}" 400 "Not a directory: $T/a-file"
bad_ws POST /workspaces "{\"name\":\"proj\",\"path\":\"$T/ws2\"}" 409 "Workspace name already exists: proj"
bad_ws POST /workspaces '[1]' 400 "Request body must be a JSON object"
web POST /workspaces "{\"name\":\"alpha\",\"path\":\"$T/ws2\"}" "${A[@]}"
WS2=$(j .workspace.id)
web GET /workspaces '' "${A[@]}"
is "$(jc '[.workspaces[].name]')" '["alpha","proj"]' "workspaces sorted by name"
web GET "/workspaces/$WS1" '' "${A[@]}"
is "$STATUS $(j .workspace.name)" "200 proj" "get workspace"
bad_ws GET /workspaces/0000 '' 404 "Workspace not found: 0000"
bad_ws PUT "/workspaces/$WS1" '{}' 422 "At least one field must be provided: name or path"
bad_ws PUT /workspaces/0000 '{"name":"z"}' 404 "Workspace not found: 0000"
bad_ws PUT "/workspaces/$WS1" '{"name":5}' 400 "name must be a string"
bad_ws PUT "/workspaces/$WS1" '{"name":" "}' 400 "name must not be empty"
bad_ws PUT "/workspaces/$WS1" '{"path":1}' 400 "path must be a string"
bad_ws PUT "/workspaces/$WS1" '{"name":"alpha"}' 409 "Workspace name already exists: alpha"
web PUT "/workspaces/$WS1" "{\"name\":\"proj2\",\"path\":\"$T/ws2\"}" "${A[@]}"
is "$STATUS $(jc '.workspace | [.name,.path]')" "200 [\"proj2\",\"$(realpath "$T/ws2")\"]" "update workspace"
web DELETE "/workspaces/$WS2" '' "${A[@]}"
is "$STATUS $(jc .)" '200 {"success":true}' "delete workspace"
bad_ws DELETE "/workspaces/$WS2" '' 404 "Workspace not found: $WS2"
bad_ws GET /workspaces/bad_id '' 404 "Not found: /workspaces/bad_id"

# --- env sets -------------------------------------------------------------------

SEKRIT=sekrit-value-7f3a9c
web POST /env-sets "{\"name\":\"dev\",\"description\":\"test set\",\"vars\":{\"API_TOKEN\":\"$SEKRIT\",\"FOO\":\"bar\"}}" "${A[@]}"
is "$STATUS" 201 "create env set"
ES1=$(j .envSet.id)
is "$(jc '.envSet | [.name,.description,.maskedVars,.varCount]')" \
    '["dev","test set",{"API_TOKEN":"****","FOO":"****"},2]' "env set record, values masked"
unlike "$BODY" "$SEKRIT|bar\"" "no value in the answer"
bad_es() { # METHOD PATH BODY STATUS MSG
	web "$1" "$2" "$3" "${A[@]}"
	expect "$4" "$5" "env set $1 $3"
}
bad_es POST /env-sets '{"vars":{}}' 400 "Missing required field: name"
bad_es POST /env-sets '{"name":" ","vars":{}}' 400 "Field 'name' must not be empty"
bad_es POST /env-sets '{"name":"x","vars":[]}' 400 "Missing required field: vars (must be an object)"
bad_es POST /env-sets '{"name":"x"}' 400 "Missing required field: vars (must be an object)"
bad_es POST /env-sets '{"name":"x","description":5,"vars":{}}' 400 "Field 'description' must be a string or null"
bad_es POST /env-sets '{"name":"x","vars":{"A":1}}' 400 "All env var keys and values must be strings. Invalid: A"
bad_es POST /env-sets '{"name":"x","vars":{"BAD NAME":"v"}}' 400 "Invalid environment variable name: BAD NAME"
bad_es POST /env-sets '{"name":"x","vars":{"1X":"v"}}' 400 "Invalid environment variable name: 1X"
bad_es POST /env-sets '{"name":"dev","vars":{}}' 409 "Env set name already exists: dev"
web POST /env-sets '{"name":"alpha","vars":{}}' "${A[@]}"
ES2=$(j .envSet.id)
is "$(jc '.envSet | [.varCount, has("description")]')" '[0,false]' "no description: key omitted"
web GET /env-sets '' "${A[@]}"
is "$(jc '[.envSets[].name]')" '["alpha","dev"]' "env sets sorted by name"
web GET "/env-sets/$ES1" '' "${A[@]}"
is "$STATUS $(j .envSet.varCount)" "200 2" "get env set"
bad_es GET /env-sets/0000 '' 404 "Env set not found: 0000"
bad_es PUT "/env-sets/$ES1" '{}' 422 "At least one field must be provided: name, description, or vars"
bad_es PUT "/env-sets/$ES1" '{"vars":"x"}' 400 "vars must be an object"
bad_es PUT "/env-sets/$ES1" '{"description":[]}' 400 "description must be a string or null"
bad_es PUT "/env-sets/$ES1" '{"name":""}' 400 "name must not be empty"
bad_es PUT "/env-sets/$ES1" '{"name":"alpha"}' 409 "Env set name already exists: alpha"
bad_es PUT /env-sets/0000 '{"name":"q"}' 404 "Env set not found: 0000"

# Injected into a session's environment at create (CLI socket, as the CLI).
call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$T/work\",\"envSetIds\":[\"$ES2\",\"$ES1\"]}"
is "$STATUS" 201 "session created with env sets"
SID=$(jq -r .session.id <<<"$BODY")
SPID=$(jq -r .session.pid <<<"$BODY")
wait_for -t 10 test -r "/proc/$SPID/environ"
ok "tr '\\0' '\\n' </proc/$SPID/environ | grep -qx 'API_TOKEN=$SEKRIT'" \
    "the agent's environment holds the env set's variable"
call POST "/sessions/$SID/kill"
call POST /sessions "{\"provider\":\"claude-code\",\"cwd\":\"$T/work\",\"envSetIds\":[\"nope\"]}"
is "$STATUS $(jq -r .error <<<"$BODY")" "404 Env set not found: nope" "unknown env set at create"

web PUT "/env-sets/$ES1" '{"description":null,"vars":{"ONLY":"one"}}' "${A[@]}"
is "$STATUS $(jc '.envSet | [has("description"),.maskedVars,.varCount]')" \
    '200 [false,{"ONLY":"****"},1]' "PUT replaces vars and clears description"
web DELETE "/env-sets/$ES2" '' "${A[@]}"
is "$STATUS $(jc .)" '200 {"success":true}' "delete env set"
bad_es DELETE "/env-sets/$ES2" '' 404 "Env set not found: $ES2"

# --- secrets at rest ------------------------------------------------------------

web POST /env-sets "{\"name\":\"atrest\",\"vars\":{\"K\":\"$SEKRIT\"}}" "${A[@]}"
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1
is "$(cat "$DB"* | grep -ac "$SEKRIT")" 0 "env-set value not in the database files in clear"
is "$(sqlite3 "$DB" .dump | grep -c "$SEKRIT")" 0 "... nor in an SQL dump"
is "$(cat "$DB"* | grep -ac "$SECRET")" 0 "TOTP secret not in the database in clear"
is "$(cat "$DB"* | grep -ac -- "${RECOVERY[2]}")" 0 "recovery codes not in the database in clear"
is "$(cat "$DB"* | grep -ac "$S3")" 0 "session tokens not in the database in clear"
is "$(sqlite3 "$DB" "SELECT count(*) FROM auth_config WHERE password_hash LIKE '\$s1\$%'")" 1 \
    "the password is an scrypt hash"
is "$(stat -c %a "$DB")" 600 "database is 0600"
unlike "$(cat "$AGENTD_LOG")" "$SEKRIT|$SECRET|$S3" "no secret in agentd's log"

# --- password change --------------------------------------------------------------

web POST /auth/password '{"currentPassword":"x"}' "${A[@]}"
expect 400 "Both currentPassword and newPassword are required" "password change needs both"
web POST /auth/password '{"currentPassword":"wrong-one","newPassword":"abcdefghij"}' "${A[@]}"
is "$STATUS $(jc .)" '400 {"error":"Current password is incorrect","code":"INVALID_CREDENTIALS"}' \
    "wrong current password"
web POST /auth/password "$(jq -nc --arg p "$PW0" '{currentPassword:$p,newPassword:"short"}')" "${A[@]}"
is "$STATUS $(jc .)" '400 {"error":"Password must be at least 8 characters","code":"WEAK_PASSWORD"}' \
    "weak new password"
PW1="correct horse battery staple"
web POST /auth/password "$(jq -nc --arg p "$PW0" --arg n "$PW1" '{currentPassword:$p,newPassword:$n}')" "${A[@]}"
is "$STATUS $(j .ok)" "200 true" "password changed"
is "$(grep -ci '^set-cookie: .*Max-Age=0' <<<"$HEAD")" 2 "... cookies cleared"
web GET /sessions '' "${A[@]}"
is "$STATUS" 401 "... every session signed out, the caller's too"
ok "[ ! -e '$CODEPIPER_HOME/bootstrap-password' ]" "bootstrap password file removed"
login "$PW0" "${RECOVERY[2]}"
is "$STATUS" 401 "old password refused"
login "$PW1" "${RECOVERY[3]}"
is "$STATUS" 200 "new password + recovery code logs in"
S5=$(j .token)
A=(-H "$(session_cookie "$S5")")

# --- brute force ------------------------------------------------------------------

codes=
for i in 1 2 3 4 5; do
	login "guess-$i-wrong"
	codes+="$STATUS "
done
is "$codes" "401 401 401 401 401 " "five wrong passwords"
login "$PW1" "${RECOVERY[4]}"
is "$STATUS $(jc .)" '429 {"error":"Too many login attempts","retryAfter":900}' \
    "sixth attempt locked out, even with the right password"
is "$(header retry-after)" 900 "Retry-After: 900"
login "$PW1" "${RECOVERY[4]}" -H "X-Forwarded-For: 203.0.113.$RANDOM"
is "$STATUS" 429 "X-Forwarded-For is not trusted by default"
direct 10.1.2.3 POST /auth/login "$(jq -nc --arg p "wrong" '{password:$p}')"
is "$STATUS" 401 "another client is not locked out"
web GET /sessions '' "${A[@]}"
is "$STATUS" 200 "signed-in sessions keep working"
web POST /auth/password "$(jq -nc --arg p "x-guess" --arg n "$PW1" '{currentPassword:$p,newPassword:$n}')" "${A[@]}"
is "$STATUS" 429 "password change by a locked-out client is refused"

# --- API rate limiter ---------------------------------------------------------------

# As codepiper-fcgi would send them (its request id marks /api traffic).
codes=$(curl -s --unix-socket "$WEB_SOCK" -H "X-CodePiper-Client-Addr: 198.51.100.7" \
    -H "X-CodePiper-Request-Id: 1" \
    -w '\n%{http_code}\n' $(printf "http://127.0.0.1:$port/health %.0s" {1..301}) |
    grep -E '^[0-9]{3}$' | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
is "$codes" "200:300 429:1 " "API limiter: 300 requests per window, then 429"
direct 198.51.100.7 GET /health '' -H "X-CodePiper-Request-Id: 2"
is "$STATUS $(j .error) $(header retry-after)" "429 Too many requests $(j .retryAfter)" \
    "429 body and Retry-After"
direct 198.51.100.8 GET /health '' -H "X-CodePiper-Request-Id: 3"
is "$STATUS" 200 "... per client"
direct 198.51.100.7 GET /health
is "$STATUS" 200 "... and only for /api traffic (not the WebSocket relay's calls)"

# --- the CLI ----------------------------------------------------------------------

export CODEPIPER_SOCKET=$SOCK
out=$("$CLI" auth status)
like "$out" "Password: Configured" "codepiper auth status: password"
like "$out" "MFA: Enabled" "codepiper auth status: MFA"
out=$("$CLI" auth sessions)
like "$out" "Firefox|curl" "codepiper auth sessions lists them"
out=$("$CLI" workspace create --name cli-ws --path "$T/ws1")
like "$out" "Workspace created: cli-ws" "codepiper workspace create"
like "$("$CLI" workspace list)" "cli-ws" "codepiper workspace list"
out=$(CLI_SECRET_VALUE=$SEKRIT "$CLI" env-set create --name cli-set --from-env CLI_SECRET_VALUE --var B=2)
like "$out" "Env set created: cli-set .*2 variable" "codepiper env-set create --from-env"
out=$("$CLI" env-set list)
like "$out" "cli-set" "codepiper env-set list"
unlike "$out" "$SEKRIT" "... without values"
out=$("$CLI" settings set notificationsEnabled false)
like "$out" "notificationsEnabled set to false" "codepiper settings set"
like "$("$CLI" settings)" "notificationsEnabled: false" "codepiper settings"
out=$("$CLI" auth reset-mfa --yes)
like "$out" "MFA reset" "codepiper auth reset-mfa"
web GET /sessions '' "${A[@]}"
is "$STATUS" 401 "reset-mfa signed everyone out"
web GET /auth/status
is "$(jc '[.mfaEnabled,.onboardingPending]')" '[false,true]' "... and MFA enrolment is pending again"
out=$("$CLI" auth reset-password --generate)
PW2=$(sed -n 's/^ *New password: //p' <<<"$out")
is "${#PW2}" 24 "codepiper auth reset-password --generate prints a new password"
direct 10.9.9.9 POST /auth/login "$(jq -nc --arg p "$PW2" '{password:$p}')"
is "$STATUS $(jc .)" '401 {"mfaSetupRequired":true}' "the generated password works (onboarding next)"
out=$(printf 'short\nshort\n' | "$CLI" auth reset-password 2>&1)
like "$out" "at least 8 characters" "interactive reset checks the length"
call POST /auth/cli/reset-password '{"password":"another-good-one"}'
is "$STATUS $(j .ok)" "200 true" "reset-password over the CLI socket"
call POST /auth/cli/reset-password ''
is "$STATUS" 400 "reset-password needs a body"

# --- restart ----------------------------------------------------------------------

call POST /settings/daemon/restart
is "$STATUS $(jq -c . <<<"$BODY")" '202 {"restarting":true,"preserveSessions":false,"message":"Daemon restart scheduled. Active sessions will be stopped."}' \
    "restart scheduled"
sleep 0.5
wait_for -t 30 curl -sf -o /dev/null "$B/api/health"
ok $? "after the restart the web edge answers again"
is "$(cat "$CODEPIPER_HOME/daemon.pid")" "$AGENTD_PID" "restarted in place (same pid)"
direct 10.9.9.10 POST /auth/login '{"password":"another-good-one"}'
is "$STATUS $(jc .)" '401 {"mfaSetupRequired":true}' "credentials survive the restart"

# --- supervision ----------------------------------------------------------------

nginx_pid=$(cat "$CODEPIPER_HOME/web/nginx.pid")
kill -KILL "$nginx_pid"
wait_for -t 15 curl -sf -o /dev/null "$B/api/health"
ok $? "nginx killed: agentd restarts it"
like "$(cat "$AGENTD_LOG")" "nginx exited on signal 9" "... and says so"
fcgi_pid=$(pgrep -f "codepiper-fcgi --socket $CODEPIPER_HOME/web/fcgi.sock" | head -n 1)
kill -KILL "$fcgi_pid"
wait_for -t 15 curl -sf -o /dev/null "$B/api/health"
ok $? "codepiper-fcgi killed: agentd restarts it"

# --- restart and shutdown ---------------------------------------------------------

agentd_clean_exit
ok "! pgrep -f 'nginx.*$CODEPIPER_HOME/web/nginx.conf' >/dev/null" "nginx stopped with agentd"
ok "! pgrep -f 'codepiper-fcgi --socket $CODEPIPER_HOME/web' >/dev/null" "codepiper-fcgi stopped with agentd"
ok "! curl -s -o /dev/null --max-time 2 '$B/'" "nothing listens on the port any more"

done_testing
