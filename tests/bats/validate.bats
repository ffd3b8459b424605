#!/usr/bin/env bats
# art-validate: JSON lines against a JSON Schema file; one verdict line per input line.
load common
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	cat >"$T/s.json" <<'JSON'
{"type": "object", "required": ["a"],
 "properties": {"a": {"type": "string"}, "d": {"format": "date"},
                "n": {"$ref": "#/$defs/small"}},
 "$defs": {"small": {"type": "integer", "maximum": 9}}}
JSON
	mkdir -p "$T/defs/sub"
	echo '{"$defs": {"id": {"type": "string", "pattern": "^req-"}}}' >"$T/defs/sub/common.json"
	echo '{"properties": {"id": {"$ref": "https://x.test/sch/sub/common.json#/$defs/id"}}}' >"$T/r.json"
	echo '{"properties": {"id": {"$ref": "defs/sub/common.json#/$defs/id"}}}' >"$T/rel.json"
	echo '{"$ref": "defs/missing.json"}' >"$T/relmissing.json"
	echo '{"$ref": "#/$defs/nope"}' >"$T/badref.json"
	echo '{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}' >"$T/cycle.json"
	echo '{"minLength": "three"}' >"$T/badtype.json"
	echo '{"pattern": "(oops"}' >"$T/badre.json"
	echo '{"type": "object"' >"$T/notjson.json"
}

# table: args | stdin (printf %b) | expected stdout (printf %b) | exit status
@test "art-validate: table of inputs, verdict lines and exit codes" {
	while IFS='|' read -r args in want rc; do
		[ -z "$args" ] && continue
		printf '%b' "$in" >"$T/in"
		eval "set -- $args"
		run --separate-stderr art-validate "$@" <"$T/in"
		[ "$status" -eq "$rc" ] || { echo "args: $args stdin: $in: status $status, want $rc; stderr: $stderr"; false; }
		[ "$output" = "$(printf '%b' "$want")" ] || { echo "args: $args stdin: $in"; echo "got:  $output"; echo "want: $(printf '%b' "$want")"; false; }
	done <<'TABLE'
$T/s.json|{"a":"x"}\n|{"valid":true}|0
$T/s.json|{"a":"x"}\n{"a":"y","n":3}\n|{"valid":true}\n{"valid":true}|0
$T/s.json|{"a":1}\n|{"valid":false,"errors":[{"instanceLocation":"/a","keywordLocation":"/properties/a/type","message":"expected string, got integer"}]}|1
$T/s.json|{"a":"x","n":10}\n|{"valid":false,"errors":[{"instanceLocation":"/n","keywordLocation":"/properties/n/$ref/maximum","message":"10 is greater than the maximum 9"}]}|1
$T/s.json|[]\n|{"valid":false,"errors":[{"instanceLocation":"","keywordLocation":"/type","message":"expected object, got array"}]}|1
$T/s.json|{"b":1}\n{"a":"x"}\n|{"valid":false,"errors":[{"instanceLocation":"","keywordLocation":"/required","message":"required property \\"a\\" is missing"}]}\n{"valid":true}|1
$T/s.json|not json\n|{"valid":false,"errors":[{"instanceLocation":"","keywordLocation":"","message":"line 1 is not one JSON value (error at byte 0)"}]}|1
$T/s.json|{"a":"x"}\n\n|{"valid":true}\n{"valid":false,"errors":[{"instanceLocation":"","keywordLocation":"","message":"line 2 is empty; expected one JSON value"}]}|1
$T/s.json|{"a":"\377"}\n|{"valid":false,"errors":[{"instanceLocation":"","keywordLocation":"","message":"line 1 is not valid UTF-8 (byte 6)"}]}|1
$T/s.json|{"a":"x"}\r\n{"a":"y"}|{"valid":true}\n{"valid":true}|0
$T/s.json|{"a":"x","d":"2026-02-30"}\n|{"valid":true}|0
--format-assert $T/s.json|{"a":"x","d":"2026-02-30"}\n|{"valid":false,"errors":[{"instanceLocation":"/d","keywordLocation":"/properties/d/format","message":"string is not a valid date"}]}|1
--format-assert $T/s.json|{"a":"x","d":"2026-02-28"}\n|{"valid":true}|0
--ref-dir https://x.test/sch/=$T/defs $T/r.json|{"id":"req-1"}\n{"id":"r1"}\n|{"valid":true}\n{"valid":false,"errors":[{"instanceLocation":"/id","keywordLocation":"/properties/id/$ref/pattern","message":"string does not match the pattern \\"^req-\\""}]}|1
$T/rel.json|{"id":"req-2"}\n{"id":"x"}\n|{"valid":true}\n{"valid":false,"errors":[{"instanceLocation":"/id","keywordLocation":"/properties/id/$ref/pattern","message":"string does not match the pattern \\"^req-\\""}]}|1
$T/s.json|||0
TABLE
}

# table: args | exit status | stderr fragment
@test "art-validate: bad schemas and usage exit 2 with a clear message" {
	while IFS='|' read -r args rc frag; do
		eval "set -- $args"
		run --separate-stderr art-validate "$@" </dev/null
		[ "$status" -eq "$rc" ] || { echo "$args: status $status, want $rc"; false; }
		[[ "$stderr" == *"$frag"* ]] || { echo "$args: stderr: $stderr; want: $frag"; false; }
		[ -z "$output" ] || { echo "$args: unexpected stdout: $output"; false; }
	done <<'TABLE'
|2|expected one SCHEMA_FILE
$T/s.json $T/s.json|2|expected one SCHEMA_FILE
$T/missing.json|2|No such file or directory
$T/notjson.json|2|not valid JSON
$T/badref.json|2|no schema at that JSON Pointer
$T/relmissing.json|2|cannot resolve
$T/relmissing.json|2|missing.json: No such file or directory
$T/cycle.json|2|$ref cycle
$T/badtype.json|2|minLength must be a non-negative integer
$T/badre.json|2|is not a valid regex
--ref-dir nodir $T/s.json|2|--ref-dir wants BASE_URI=DIR
--ref-dir x:/=$T/none $T/s.json|2|--ref-dir
--bogus $T/s.json|2|bogus
TABLE
}

@test "art-validate --stats reports parse and validate time on stderr" {
	printf '{"a":"x"}\n{"a":2}\n' >"$T/in"
	run --separate-stderr art-validate --stats "$T/s.json" <"$T/in"
	assert_equal "$status" 1
	[[ "$stderr" == *"2 lines, 1 valid, 1 invalid; parse "*" s, validate "*" s, validate/parse "* ]]
}

@test "art validate runs art-validate" {
	printf '{"a":"x"}\n' >"$T/in"
	run art validate "$T/s.json" <"$T/in"
	assert_success
	assert_output '{"valid":true}'
}

@test "art-validate checks generated envelopes against the envelope schema" {
	"$REPO/scripts/gen-envelopes" 200 >"$T/env.jsonl"
	run art-validate "$REPO/schemas/envelope.schema.json" <"$T/env.jsonl"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^{"valid":true}$')" -eq 200 ]
	"$REPO/scripts/gen-envelopes" 50 5 >"$T/bad.jsonl"
	run art-validate "$REPO/schemas/envelope.schema.json" <"$T/bad.jsonl"
	assert_failure 1
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 50 ]
	[ "$(printf '%s\n' "$output" | grep -c '"valid":false')" -eq 10 ]
}

@test "art-validate: a write error exits 4, a closed pipe ends quietly" {
	printf '{"a":"x"}\n' >"$T/in"
	run bash -c "art-validate '$T/s.json' <'$T/in' >/dev/full"
	assert_failure 4
	assert_output --partial "No space left on device"
	"$REPO/scripts/gen-envelopes" 20000 >"$T/many.jsonl"
	run bash -o pipefail -c "art-validate '$REPO/schemas/envelope.schema.json' <'$T/many.jsonl' | head -1"
	assert_success
	assert_output '{"valid":true}'
}
