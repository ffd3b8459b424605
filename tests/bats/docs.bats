#!/usr/bin/env bats
# Docs: every man page lints clean; every option a program's --help lists is in its man page.
load common

@test "man pages are mandoc -Tlint clean" {
	for m in "$REPO"/man/*.[1-8]; do
		run mandoc -Tlint -Wwarning "$m"
		[ "$status" -eq 0 ] || { echo "$m: $output"; false; }
	done
}

@test "man art-envelope documents every top-level field of the envelope schema" {
	for f in $(jq -r '.properties | keys[]' "$REPO/schemas/envelope.schema.json"); do
		grep -q "^\.It Fa $f\b\|^\.It Fa $f$" "$REPO/man/art-envelope.7" || { echo "undocumented field: $f"; false; }
	done
}

@test "man art-envelope can be read from the build tree" {
	run man -P cat art-envelope
	assert_success
	assert_output --partial "envelope"
}

@test "every long option in --help appears in the program's man page" {
	for p in "$ART_BUILD"/bin/art-*; do
		[ -e "$p" ] || continue
		name=${p##*/}
		page="$REPO/man/$name.1"
		[ -f "$page" ] || { echo "no man page for $name"; false; }
		for o in $("$p" --help 2>/dev/null | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
			[ "$o" = --help ] || [ "$o" = --version ] && continue
			grep -qF -- "${o#--}" "$page" || { echo "$name: $o missing from $page"; false; }
		done
	done
}
