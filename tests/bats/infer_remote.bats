#!/usr/bin/env bats
# art-infer with both kinds of model in one stream: envelopes routed to the local GGUF run
# here, envelopes routed to an OpenAI-compatible endpoint (aimock) run remotely; one line
# out per line in, in input order.

load remote_helper
load common

FX="$BATS_TEST_DIRNAME/../fixtures/aimock/remote.json"

setup_file() {
	start_mock "$FX"
	export MOCK_PORT MOCK_PID
	write_routes "$BATS_FILE_TMPDIR/routes.json"
}

teardown_file() {
	stop_mock
}

@test "local and remote envelopes in one art-infer stream, in input order" {
	export ART_TEST_OPENAI_KEY=sk-art-test-mixed
	R=$BATS_FILE_TMPDIR/routes.json
	LOCAL='{"provider":"local","model":"stories260K"}'
	GPT='{"provider":"openai","model":"gpt"}'
	{
		envelope m1 "Once upon a time" "$LOCAL"
		envelope m2 hello "$GPT"
		envelope m3 "The little dog" "$LOCAL"
		envelope m4 hello "$GPT"
	} >"$T/in"
	art-infer -m "$SHARED/models/stories260K-f32.gguf" -r "$R" -n 16 --temp 0 <"$T/in" >"$T/out"
	[ "$(lines_of "$T/out")" -eq 4 ]
	jq -se 'map(.id) == ["m1","m2","m3","m4"] and all(.status == "ok")' "$T/out"
	jq -se '.[1].output.text == "Hello from the mock." and .[3].output.provider == "openai"' "$T/out"
	jq -se '(.[0].output.text | startswith(", there was")) and .[0].output.usage.output_tokens == 16' "$T/out"
	! grep -q sk-art-test-mixed "$T/out"
}

@test "remote only: no local model needed; a local envelope then fails clearly" {
	export ART_TEST_OPENAI_KEY=sk-art-test-mixed
	R=$BATS_FILE_TMPDIR/routes.json
	{
		envelope r1 hello '{"provider":"openai","model":"gpt"}'
		envelope r2 "Once upon a time" '{"provider":"local","model":"stories260K"}'
	} | ART_MODEL= art-infer -r "$R" >"$T/out" && rc=0 || rc=$?
	[ "$rc" -eq 1 ]
	jq -se '.[0].status == "ok" and .[1].status == "error" and .[1].error.code == "no_local_model"' "$T/out"
}

@test "local model sees recalled context: it is rendered first, as a system message" {
	art new --id c1 "Lily" >"$T/a"
	jq -c '.context = [{"id":"kb-1","source":"faq.md","text":"Tom had a red ball."}]' "$T/a" >"$T/b"
	n0=$(art-infer -m "$SHARED/models/stories260K-f32.gguf" -n 4 --temp 0 <"$T/a" | jq .output.usage.input_tokens)
	n1=$(art-infer -m "$SHARED/models/stories260K-f32.gguf" -n 4 --temp 0 <"$T/b" | jq .output.usage.input_tokens)
	# "Context:\n[kb-1] Tom had a red ball.\n" adds its tokens to the prompt
	[ "$n1" -gt $((n0 + 8)) ]
}

@test "context that would leave no room to answer is left out, and the event says so" {
	art new --id c2 "Lily" | jq -c '.context = [{"id":"big","text":"'"$(printf 'word %.0s' $(seq 200))"'"}]' >"$T/a"
	art-infer -m "$SHARED/models/stories260K-f32.gguf" -n 8 --temp 0 <"$T/a" >"$T/out"
	jq -e '.status == "ok" and .events[-1].attrs.context_used == false and .output.usage.input_tokens < 20' "$T/out"
}
