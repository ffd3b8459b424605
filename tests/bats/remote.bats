#!/usr/bin/env bats
# art-remote against aimock on 127.0.0.1: OpenAI (JSON and SSE) and Ollama (NDJSON),
# retries, Retry-After, fallbacks, malformed and truncated streams, deadlines, keys,
# 200 concurrent requests.

load remote_helper

FX="$BATS_TEST_DIRNAME/../fixtures/aimock/remote.json"
SECRET=sk-art-test-SECRET-7f3a9c0d

setup_file() {
	start_mock "$FX"
	export MOCK_PORT MOCK_PID
	write_routes "$BATS_FILE_TMPDIR/routes.json"
}

teardown_file() {
	stop_mock
}

setup() {
	R=$BATS_FILE_TMPDIR/routes.json
	export ART_TEST_OPENAI_KEY=$SECRET
	GPT='{"provider":"openai","model":"gpt"}'
	OLL='{"provider":"ollama","model":"oll"}'
}

@test "openai streaming: text, usage, cost with its per-million prices, one attempt event" {
	envelope r1 hello "$GPT" | art-remote -r "$R" >"$BATS_TEST_TMPDIR/out"
	run jq -r '[.status, .output.text, .output.finish_reason, .output.usage.input_tokens,
		.output.usage.output_tokens, .output.cost.amount, .output.cost.per_million.output,
		.output.model, .output.provider, (.events | length), .events[0].attrs.outcome,
		.events[0].attrs.http_status] | @tsv' "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'ok\tHello from the mock.\tstop\t9\t5\t2.9e-05\t4\tgpt\topenai\t1\tok\t200')" ]
}

@test "openai non-streaming (--no-stream) gives the same answer" {
	run bash -c "envelope r2 hello '$GPT' | art-remote --no-stream -r '$R' | jq -r '.output.text, .output.usage.output_tokens'"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'Hello from the mock.\n5')" ]
}

@test "cost = usage x the route's per-million prices (cached-rate pricing: unit test_provider)" {
	run bash -c "envelope r3 cached '$GPT' | art-remote -r '$R' --no-stream | jq -r '.output.usage.input_tokens, .output.usage.cached_tokens, .output.cost.amount'"
	[ "$status" -eq 0 ]
	# (1000 in * 1.0 + 10 out * 4.0) / 1e6; aimock does not send prompt_tokens_details
	[ "$output" = "$(printf '1000\n0\n0.00104')" ]
}

@test "without a routes config the price table comes from the route (art-route writes it)" {
	run bash -c "envelope r3b hello '{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"endpoint\":\"http://127.0.0.1:$MOCK_PORT/v1\",\"price\":{\"input\":2,\"output\":10,\"currency\":\"EUR\"}}' |
		art-remote | jq -r '[.output.cost.amount, .output.cost.currency, .output.cost.per_million.cached] | @tsv'"
	[ "$status" -eq 0 ]
	# (9 * 2 + 5 * 10) / 1e6; cached defaults to the input price
	[ "$output" = "$(printf '6.8e-05\tEUR\t2')" ]
}

@test "ollama NDJSON: tool call with object arguments" {
	run bash -c "envelope r4 weather '$OLL' | art-remote -r '$R' | jq -c '[.status, .output.finish_reason, .output.tool_calls[0].name, .output.tool_calls[0].arguments]'"
	[ "$status" -eq 0 ]
	[ "$output" = '["ok","tool_calls","get_weather",{"city":"Paris","unit":"C"}]' ]
}

@test "openai SSE: tool call JSON-string arguments are parsed into an object" {
	run bash -c "envelope r5 weather '$GPT' | art-remote -r '$R' | jq -c '[.output.finish_reason, .output.tool_calls[0].name, .output.tool_calls[0].arguments, (.output.tool_calls[0].id | length > 0)]'"
	[ "$status" -eq 0 ]
	[ "$output" = '["tool_calls","get_weather",{"city":"Paris","unit":"C"},true]' ]
}

@test "response_schema is sent as response_format json_schema" {
	run bash -c "envelope r6 structured '$GPT' | jq -c '.response_schema = {type:\"object\",properties:{answer:{type:\"integer\"}}}' | art-remote -r '$R' | jq -r .output.text"
	[ "$status" -eq 0 ]
	[ "$output" = '{"answer":42}' ]
}

@test "429 then 200: retried once after Retry-After, both attempts recorded" {
	envelope r7 rate-limit-once "$GPT" | art-remote -r "$R" --backoff 10 >"$BATS_TEST_TMPDIR/out"
	run jq -r '[.status, .output.text, (.events | length),
		.events[0].attrs.http_status, .events[0].attrs.outcome, .events[0].attrs.error, .events[0].attrs.retry_after_ms,
		.events[1].attrs.http_status, .events[1].attrs.outcome, .events[1].attrs.attempt] | @tsv' "$BATS_TEST_TMPDIR/out"
	[ "$output" = "$(printf 'ok\tanswered after the 429\t2\t429\tretry\trate_limited\t1000\t200\tok\t2')" ]
	# Retry-After: 1 was honoured (backoff alone would be ~10 ms)
	gap=$(jq '(.events[1].start_us - .events[0].end_us) / 1000 | floor' "$BATS_TEST_TMPDIR/out")
	[ "$gap" -ge 950 ]
}

@test "Retry-After past the deadline is not waited for: next fallback, then rate_limited" {
	dl=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
	start=$(date +%s%N)
	envelope r8 rate-limit-always "$GPT" | jq -c --arg d "$dl" '.deadline = $d | .route.fallbacks = [{provider:"ollama",model:"oll"}]' |
		art-remote -r "$R" >"$BATS_TEST_TMPDIR/out" || true
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$ms" -lt 2500 ]
	run jq -r '[.status, .error.code, ([.events[].attrs.model] | join(",")), ([.events[].attrs.outcome] | join(","))] | @tsv' "$BATS_TEST_TMPDIR/out"
	[ "$output" = "$(printf 'error\trate_limited\tgpt,oll\tfallback,failed')" ]
}

@test "fallback: a 500 is retried, then the next fallback answers; every attempt is an event" {
	envelope r9 hello '{"provider":"openai","model":"gpt-500","fallbacks":[{"provider":"openai","model":"gpt"}]}' |
		art-remote -r "$R" --retries 1 --backoff 10 >"$BATS_TEST_TMPDIR/out"
	run jq -r '[.status, .output.model, ([.events[] | "\(.attrs.model):\(.attrs.http_status):\(.attrs.outcome)"] | join(" "))] | @tsv' "$BATS_TEST_TMPDIR/out"
	[ "$output" = "$(printf 'ok\tgpt\tgpt-500:500:retry gpt-500:500:fallback gpt:200:ok')" ]
}

@test "a 400 goes to the next fallback without a retry" {
	run bash -c "envelope r10 hello '{\"provider\":\"openai\",\"model\":\"always-400\",\"endpoint\":\"http://127.0.0.1:$MOCK_PORT/v1\",\"fallbacks\":[{\"provider\":\"ollama\",\"model\":\"oll\"}]}' |
		art-remote -r '$R' | jq -r '[.status, ([.events[] | \"\(.attrs.model):\(.attrs.http_status):\(.attrs.outcome)\"] | join(\" \"))] | @tsv'"
	[ "$output" = "$(printf 'ok\talways-400:400:fallback oll:200:ok')" ]
}

@test "malformed response body: bad_response after the retries" {
	run bash -c "envelope r11 malformed '$GPT' | art-remote -r '$R' --retries 1 --backoff 10"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.error.code')" = bad_response ]
	[ "$(echo "$output" | jq -r '[.events[].attrs.error] | join(",")')" = "bad_response,bad_response" ]
}

@test "disconnected response (chaos): network_error, retried, then the error" {
	run bash -c "envelope r14 disconnect '$GPT' | art-remote -r '$R' --retries 1 --backoff 10"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.error.code')" = network_error ]
	[ "$(echo "$output" | jq -r '[.events[].attrs.outcome] | join(",")')" = "retry,failed" ]
}

@test "truncated SSE stream (no [DONE]): stream_truncated" {
	run bash -c "envelope r12 truncated '$GPT' | art-remote -r '$R' --retries 0"
	[ "$status" -eq 1 ]
	code=$(echo "$output" | jq -r '.error.code')
	[ "$code" = stream_truncated ] || [ "$code" = network_error ]
}

@test "deadline expiry mid-stream: deadline_exceeded with the partial text and finish_reason deadline" {
	# 400 ms between 20-character chunks; the deadline (set just before art-remote starts)
	# falls after the first chunks and before the end
	run bash -c "envelope r13 slow-stream '$GPT' |
		jq -c '.deadline = (now + 1.5 | (floor | todate | .[0:19]) + \".\" + ((. * 1000 | floor) % 1000 + 1000 | tostring | .[1:]) + \"Z\")' |
		art-remote -r '$R'"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '[.error.code, .output.finish_reason] | @tsv')" = "$(printf 'deadline_exceeded\tdeadline')" ]
	text=$(echo "$output" | jq -r .output.text)
	[ -n "$text" ]
	[[ "one two three four five six seven eight nine ten eleven twelve thirteen fourteen" == "$text"* ]]
	[ "$text" != "one two three four five six seven eight nine ten eleven twelve thirteen fourteen" ]
}

@test "200 concurrent requests: all answered, in input order" {
	seq 200 | sed 's/^/question /' | art new --lines --id c --tenant acme |
		jq -c --argjson r "$GPT" '.route = $r' >"$BATS_TEST_TMPDIR/in"
	start=$(date +%s%N)
	art-remote -r "$R" --parallel 200 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "# 200 concurrent: ${ms} ms" >&3
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 200 ]
	[ "$(jq -r 'select(.status == "ok") | .id' "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 200 ]
	diff <(jq -r .id "$BATS_TEST_TMPDIR/in") <(jq -r .id "$BATS_TEST_TMPDIR/out")
}

@test "the API key value never appears in output, events, errors or stderr" {
	{
		envelope k1 hello "$GPT"
		envelope k2 malformed "$GPT"
		envelope k3 hello '{"provider":"openai","model":"gpt-500","fallbacks":[{"provider":"openai","model":"gpt"}]}'
	} | art-remote -r "$R" --retries 0 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || true
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 3 ]
	! grep -q "$SECRET" "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	! grep -q "7f3a9c0d" "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
}

@test "an unset api_key_env is missing_api_key naming the variable, not a value" {
	unset ART_TEST_OPENAI_KEY
	run bash -c "envelope k4 hello '$GPT' | art-remote -r '$R'"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .error.code)" = missing_api_key ]
	echo "$output" | jq -r .error.message | grep -q ART_TEST_OPENAI_KEY
}

@test "the key is sent as a Bearer token: a server requiring it accepts it and rejects another" {
	local port pid
	port=$(free_port)
	AIMOCK_API_KEYS=$SECRET "$ART_NPM_BIN/llmock" -h 127.0.0.1 -p "$port" -f "$FX" --log-level silent >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.05; done
	sed "s/127.0.0.1:$MOCK_PORT/127.0.0.1:$port/g" "$R" >"$BATS_TEST_TMPDIR/routes.json"
	ok=$(envelope k5 hello "$GPT" | art-remote -r "$BATS_TEST_TMPDIR/routes.json" | jq -r .status)
	bad=$(envelope k6 hello "$GPT" | ART_TEST_OPENAI_KEY=sk-wrong art-remote -r "$BATS_TEST_TMPDIR/routes.json" | jq -r '.error.code') || true
	kill "$pid"; wait "$pid" 2>/dev/null || true
	[ "$ok" = ok ]
	[ "$bad" = provider_rejected ]
}

@test "one line out per line in: local routes pass through, no route is no_route, bad JSON is bad_json" {
	{
		envelope p1 hello '{"provider":"local","model":"stories","endpoint":"x.gguf"}'
		art new --id p2 hello
		echo '{not json'
		envelope p4 hello "$GPT"
	} >"$BATS_TEST_TMPDIR/in"
	run art-remote -r "$R" <"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | wc -l)" -eq 4 ]
	[ "$(echo "$output" | sed -n 1p)" = "$(sed -n 1p "$BATS_TEST_TMPDIR/in")" ]
	[ "$(echo "$output" | jq -r '.error.code // .status' | tr '\n' ' ')" = "ok no_route bad_json ok " ]
}

@test "usage: bad option is exit 2, bad routes config is exit 3" {
	run art-remote --parallel 0
	[ "$status" -eq 2 ]
	echo '{"models": []}' >"$BATS_TEST_TMPDIR/bad.json"
	run art-remote -r "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"models"* ]]
}

@test "answers stream out while input is still open; a closed output ends it cleanly" {
	start=$(date +%s%N)
	{ envelope s1 hello "$OLL"; sleep 2; envelope s2 hello "$OLL"; } | art-remote -r "$R" |
		while read -r l; do echo "$(( ($(date +%s%N) - start) / 1000000 )) $(echo "$l" | jq -r .id)"; done >"$BATS_TEST_TMPDIR/t"
	[ "$(awk '{print $2}' "$BATS_TEST_TMPDIR/t" | tr '\n' ' ')" = "s1 s2 " ]
	[ "$(awk 'NR == 1 {print $1}' "$BATS_TEST_TMPDIR/t")" -lt 1800 ]
	seq 50 | art new --lines --id x --tenant acme | jq -c --argjson r "$OLL" '.route = $r' >"$BATS_TEST_TMPDIR/in"
	run bash -c "art-remote -r '$R' -p 4 <'$BATS_TEST_TMPDIR/in' | head -1 | jq -r .output.text; exit \${PIPESTATUS[0]}"
	[ "$status" -eq 0 ]
	[ "$output" = "Hello from the mock." ]
}
