#!/usr/bin/env bats
# art front command and the envelope contract shared by every stage.
load common

@test "art new writes one valid envelope with the question" {
	run art new "Once upon a time" --tenant acme --actor alice --scope tools:read --task story --risk low --deadline 30s -n 64 --temp 0
	assert_success
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	echo "$output" | jq -e '.art == 1 and (.id | startswith("req-")) and .tenant == "acme"
		and .actor.id == "alice" and .actor.scopes == ["tools:read"] and .task == "story"
		and .messages[-1] == {"role":"user","content":"Once upon a time"}
		and .params.max_tokens == 64 and .params.temperature == 0 and .status == "ok"
		and (.trace.trace_id | test("^[0-9a-f]{32}$")) and (.deadline | test("Z$"))'
}

@test "art new --lines makes one envelope per input line" {
	run bash -c 'printf "q one\nq two\nq three" | art new --lines --id batch --tenant t'
	assert_success
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	echo "$output" | jq -se 'map(.id) == ["batch-1","batch-2","batch-3"] and .[2].messages[0].content == "q three"'
}

@test "art new rejects bad option values with exit 2" {
	# table: args | message fragment
	while IFS='|' read -r args frag; do
		run art new q $args
		assert_failure 2
		assert_output --partial "$frag"
	done <<'TABLE'
--risk extreme|not one of low
--deadline soon|neither an RFC 3339 time
-n 0|not an integer in [1
-n 12x|not an integer
--temp nan|not a number
--bogus|unknown option '--bogus'
--tenant|needs an argument
TABLE
	run art new
	assert_failure 2
}

@test "art show prints question, answer and errors for people" {
	run bash -c 'art new "Why?" --tenant acme --actor bob | jq -c ".output={text:\"Because.\"}" | art show'
	assert_success
	assert_output --partial "Q: Why?"
	assert_output --partial "A: Because."
	assert_output --partial "tenant acme, actor bob"
	run bash -c 'printf "junk\n" | art check | art show'
	assert_failure 1
	assert_output --partial "error: bad_json (art-check)"
	assert_output --partial "[input line 1]"
}

@test "art --help, --version, unknown commands" {
	run art --help
	assert_success
	assert_output --partial "Usage: art COMMAND"
	run art --version
	assert_success
	assert_output --regexp '^art [0-9]+\.[0-9]+\.[0-9]+$'
	run art new --help
	assert_success
	assert_output --partial "--tenant NAME"
	run art frobnicate
	assert_failure 2
	assert_output --partial "'frobnicate' is not an art command"
	run art
	assert_failure 2
}

@test "bad input lines become error envelopes with stable codes and line numbers" {
	# table: input line | expected error.code   (each on its own run; line 2 of the input)
	while IFS='|' read -r line code; do
		printf '{"art":1,"id":"first"}\n%b\n' "$line" >"$T/in"
		run art check <"$T/in"
		assert_failure 1
		[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
		printf '%s\n' "$output" | sed -n 2p | jq -e --arg c "$code" '.status == "error" and .error.code == $c and .error.line == 2 and .error.stage == "art-check" and (.error.input_sha256 | length) == 64'
	done <<'TABLE'
not json|bad_json
|bad_json
[1,2,3]|bad_envelope
{"art":1}|bad_envelope
{"art":9,"id":"x"}|bad_envelope
{"art":1,"id":"x","status":"sleeping"}|bad_envelope
{"art":1,"id":"\xff\xfe"}|bad_utf8
{"art":1,"id":"x"} {"art":1,"id":"y"}|bad_json
TABLE
}

@test "the raw bad line is never copied into the error envelope" {
	printf 'sk-secret-key-1234567890 not json\n' >"$T/in"
	run art check <"$T/in"
	assert_failure 1
	refute_output --partial "sk-secret"
}

@test "truncated last line without newline is still processed" {
	printf '{"art":1,"id":"a"}\n{"art":1,"id":"b"}' | art check >"$T/out"
	[ "$(lines_of "$T/out")" -eq 2 ]
	jq -se 'map(.id) == ["a","b"]' "$T/out"
}

@test "a 10 MB envelope line passes through intact" {
	awk 'BEGIN { printf "{\"art\":1,\"id\":\"big\",\"blob\":\""; for (i = 0; i < 163840; i++) printf "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"; print "\"}" }' >"$T/in"
	[ "$(stat -c %s "$T/in")" -gt 10000000 ]
	art check <"$T/in" >"$T/out"
	cmp "$T/in" "$T/out"
}

@test "unknown fields survive a stage untouched" {
	printf '{"art":1,"id":"a","future_field":{"nested":[1,"two",{"three":null}]},"x-vendor":true}\n' >"$T/in"
	art check <"$T/in" >"$T/out"
	cmp "$T/in" "$T/out"
}

@test "100,000 mixed good and bad lines give exactly 100,000 lines out, bad ones naming their line" {
	"$REPO/scripts/gen-envelopes" 100000 7 >"$T/in"
	[ "$(lines_of "$T/in")" -eq 100000 ]
	run bash -c "art check <'$T/in' >'$T/out'"
	assert_failure 1
	[ "$(lines_of "$T/out")" -eq 100000 ]
	# every 7th input line is bad: its output line is an error envelope naming that line number
	awk 'NR % 7 == 0 && index($0, "\"line\":" NR ",") == 0 { bad++ } NR % 7 == 0 { n++ } END { if (bad || n != 14285) { print "mismatch", bad, n; exit 1 } }' "$T/out"
	# and the good ones come through in order
	[ "$(grep -c '"status":"ok"' "$T/out")" -eq $((100000 - 14285)) ]
	sed -n 1p "$T/out" | jq -e '.id == "req-00000001"'
	# every envelope written, error envelopes included, validates against the contract
	art-validate --format-assert "$REPO/schemas/envelope.schema.json" <"$T/out" >"$T/v"
	[ "$(grep -c '^{"valid":true}$' "$T/v")" -eq 100000 ]
}

@test "closed stdout ends the pipeline quietly (EPIPE is a normal end)" {
	"$REPO/scripts/gen-envelopes" 20000 >"$T/in"
	run bash -c "set -o pipefail; art check <'$T/in' | head -1 >/dev/null; echo \"rc=\${PIPESTATUS[0]}\""
	assert_output --partial "rc=0"
	refute_output --partial "error writing"
}

@test "write errors other than EPIPE are reported with exit 4" {
	[ -w /dev/full ] || skip "no /dev/full"
	run bash -c "printf '{\"art\":1,\"id\":\"a\"}\n' | art check >/dev/full"
	assert_failure 4
	assert_output --partial "art: "
}

@test "output to a file is block-buffered and complete" {
	"$REPO/scripts/gen-envelopes" 5000 >"$T/in"
	art check <"$T/in" >"$T/out"
	cmp "$T/in" "$T/out"
}

@test "art check --strict holds envelopes to the full schema" {
	# table: envelope | fragment of the error message (empty: valid)
	while IFS='|' read -r env frag; do
		run bash -c "printf '%s\n' '$env' | art check --strict"
		if [ -z "$frag" ]; then
			assert_success
		else
			assert_failure 1
			echo "$output" | jq -e '.error.code == "bad_envelope" and (.error.details | length) > 0'
			assert_output --partial "$frag"
		fi
	done <<'TABLE'
{"art":1,"id":"ok","risk":"low","deadline":"2030-01-01T00:00:00Z","messages":[{"role":"user","content":"hi"}]}|
{"art":1,"id":"r","risk":"extreme"}|/risk
{"art":1,"id":"d","deadline":"tomorrow"}|/deadline
{"art":1,"id":"t","trace":{"trace_id":"XYZ"}}|/trace
{"art":1,"id":"m","messages":[{"role":"robot"}]}|/messages/0/role
{"art":1,"id":"e","status":"error","error":{"code":"Bad Code","stage":"x","message":"m"}}|/error/code
TABLE
	# everything art new makes is valid under --strict
	art new "hello" --tenant a --actor b --scope s --risk high --deadline 1m --task t -n 5 --temp 0.5 --seed 3 | art check --strict >/dev/null
	"$REPO/scripts/gen-envelopes" 200 | art check --strict >/dev/null
}
