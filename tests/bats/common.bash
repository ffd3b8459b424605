# common.bash — shared setup for art's bats tests: `load common` at the top of a file.
# Gives bats-support/bats-assert, $SHARED, a per-test scratch dir $T, and helpers.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${SHARED:=../shared}"
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
case "$SHARED" in /*) ;; *) SHARED="$REPO/$SHARED" ;; esac
export SHARED REPO

common_setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/art-bats.XXXXXX")
	export T
}
common_teardown() {
	[ -n "${T:-}" ] && rm -rf "$T"
}
setup() { common_setup; }
teardown() { common_teardown; }

# lines_of FILE: number of newline-terminated lines
lines_of() { wc -l <"$1" | tr -d ' '; }
