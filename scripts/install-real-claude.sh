#!/bin/sh
# Install a pinned Claude Code release for the offline end-to-end tests
# (tests/fake-anthropic/README.md) and print the absolute path of its `claude`
# executable on stdout.
#
#   sh scripts/install-real-claude.sh            # pinned version
#   CLAUDE_CODE_VERSION=2.1.x sh scripts/...     # another version
#
# The package goes to ${CODEPIPER_CACHE:-$HOME/.cache/codepiper}/claude-code-<version>
# (outside git). A second run finds it there and does not touch the network.
# `<dir>/bin/claude` is a link to the native executable; put <dir>/bin first on
# PATH to make it the `claude` a session starts. Diagnostics go to stderr;
# exit status is non-zero when nothing usable could be installed.
set -eu

PINNED=2.1.332
VERSION=${CLAUDE_CODE_VERSION:-$PINNED}
CACHE=${CODEPIPER_CACHE:-${HOME:?HOME is not set}/.cache/codepiper}
DIR=$CACHE/claude-code-$VERSION
BIN=$DIR/bin/claude

die() {
	echo "install-real-claude: $*" >&2
	exit 1
}

# The version the executable reports, or nothing.
reported_version() {
	"$1" --version 2>/dev/null </dev/null | sed -n '1s/^\([0-9][0-9.]*\).*/\1/p'
}

if [ -x "$BIN" ] && [ "$(reported_version "$BIN")" = "$VERSION" ]; then
	echo "$BIN"
	exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm not found (install nodejs/npm)"

case "$(uname -s)-$(uname -m)" in
Linux-x86_64) plat=linux-x64 ;;
Linux-aarch64 | Linux-arm64) plat=linux-arm64 ;;
Darwin-x86_64) plat=darwin-x64 ;;
Darwin-arm64) plat=darwin-arm64 ;;
*) die "no Claude Code native package for $(uname -s) $(uname -m)" ;;
esac
# Alpine and other musl systems need the -musl build.
if [ "${plat#linux}" != "$plat" ] && ldd --version 2>&1 | grep -qi musl; then
	plat=$plat-musl
fi

mkdir -p "$CACHE" || die "cannot create $CACHE"
tmp=$(mktemp -d "$CACHE/.claude-code-$VERSION.XXXXXX") || die "cannot create a temporary folder in $CACHE"
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"

echo "install-real-claude: installing @anthropic-ai/claude-code@$VERSION into $DIR" >&2
# --ignore-scripts: the postinstall step only copies the native binary over a
# placeholder (another 400 MB); the link below does the same job. The engines
# field asks for node 22 but nothing here runs under node.
printf '{"name":"codepiper-claude-code","private":true}\n' >"$tmp/package.json"
if ! npm install --prefix "$tmp" --no-audit --no-fund --no-save --prefer-offline \
	--ignore-scripts --loglevel=error \
	"@anthropic-ai/claude-code@$VERSION" "@anthropic-ai/claude-code-$plat@$VERSION" >&2; then
	die "npm install of @anthropic-ai/claude-code@$VERSION failed (no network or registry access?)"
fi

native=$tmp/node_modules/@anthropic-ai/claude-code-$plat/claude
[ -f "$native" ] || die "the package has no native executable at node_modules/@anthropic-ai/claude-code-$plat/claude"
chmod +x "$native"
mkdir -p "$tmp/bin"
ln -s "../node_modules/@anthropic-ai/claude-code-$plat/claude" "$tmp/bin/claude"
got=$(reported_version "$tmp/bin/claude")
[ "$got" = "$VERSION" ] || die "installed executable reports version '${got:-nothing}', expected $VERSION"

# Publish atomically; a concurrent run may have won the race.
[ -e "$DIR" ] && rm -rf "$DIR"
if ! mv -T "$tmp" "$DIR" 2>/dev/null && [ "$(reported_version "$BIN")" != "$VERSION" ]; then
	die "cannot move the installation to $DIR"
fi
[ -x "$BIN" ] || die "$BIN is not executable"
echo "$BIN"
