#!/bin/sh
# scripts/deps.sh — check for, and when root install, the Debian packages art needs.
# Idempotent: does nothing when everything is present. Called by the Makefile.
#   scripts/deps.sh          build dependencies
#   scripts/deps.sh test     build + test dependencies
set -eu

BUILD_PKGS="gcc make pkg-config libcjson-dev libcurl4-openssl-dev libsqlite3-dev libpcre2-dev"
TEST_PKGS="bats bats-assert bats-support jq mandoc nodejs npm parallel"

want="$BUILD_PKGS"
[ "${1:-}" = test ] && want="$want $TEST_PKGS"

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*)
		# node and npm may come from outside Debian (e.g. nodesource); accept the binaries
		case "$p" in
		nodejs) command -v node >/dev/null 2>&1 && continue ;;
		npm) command -v npm >/dev/null 2>&1 && continue ;;
		esac
		missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# a stale or empty package list makes install fail; refresh once
apt-get update -qq >&2 || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
