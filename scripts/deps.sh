#!/bin/sh
# Debian packages the build, the tests and `make run` need. `check` exits 1 when
# any is missing; `install` installs them (as root) or prints the command.
set -eu
PACKAGES="build-essential pkg-config tmux sqlite3 git nginx-light
libevent-dev libjansson-dev libsqlite3-dev libgit2-dev libsodium-dev
libfcgi-dev libscrypt-dev liboath-dev libqrencode-dev libyaml-dev libwebsockets-dev
libcmocka-dev perl curl jq wrk procps nodejs chromium"

missing() {
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' \
			|| printf '%s ' "$p"
	done
}

case "${1:-check}" in
check)
	m=$(missing)
	[ -z "$m" ] && exit 0
	echo "missing Debian packages: $m" >&2
	exit 1 ;;
install)
	m=$(missing)
	[ -z "$m" ] && { echo "all Debian packages present"; exit 0; }
	if [ "$(id -u)" -ne 0 ]; then
		echo "run as root: apt-get install -y $m" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $m ;;
esac
