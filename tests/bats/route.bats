#!/usr/bin/env bats
# art-route: decisions, explanations, config errors; with art-remote and a shared state
# file against aimock on 127.0.0.1: circuit breaker opening and closing, budget exhaustion.

load remote_helper

FX="$BATS_TEST_DIRNAME/../fixtures/aimock/remote.json"

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
	S=$BATS_TEST_TMPDIR/state.db
	export ART_TEST_OPENAI_KEY=sk-art-test-route
}

@test "route: choice, ordered fallbacks, a reason per rejected model, and a route event" {
	run bash -c "art new --id a1 --tenant acme hello | art-route -r '$R' -s '$S'"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.route.provider, .route.model, .route.strategy, ([.route.fallbacks[].model] | join(","))] | @tsv')" = \
		"$(printf 'openai\tdown\tpriority\tgpt-500,gpt,oll')" ]
	[[ "$(echo "$output" | jq -r .route.reason)" == "priority: highest of 4 candidates"* ]]
	[ "$(echo "$output" | jq -r '.events[-1] | [.stage, .name, .attrs.model] | @tsv')" = "$(printf 'art-route\troute\tdown')" ]
}

@test "--explain prints the decision table on stderr, stdout stays one envelope" {
	art new --id a2 --tenant acme hello | art-route -r "$R" -s "$S" --explain >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 1 ]
	grep -q '^route a2: strategy priority' "$BATS_TEST_TMPDIR/err"
	grep -Eq '^ +1 +down +openai +us .* chosen$' "$BATS_TEST_TMPDIR/err"
	grep -Eq '^ +4 +oll +ollama +local .* fallback$' "$BATS_TEST_TMPDIR/err"
}

@test "no state file: priced models fail closed (budget state unknown)" {
	run bash -c "art new --id a3 --tenant acme hello | art-route -r '$R' | jq -r '.route.rejected[] | \"\(.model): \(.reason)\"'"
	[ "$output" = "gpt: budget state unknown (no state file)" ]
}

@test "no candidate: error no_route naming why each model was rejected, exit 1" {
	run bash -c "art new --id a4 --tenant acme --max-tokens 5000 hello | art-route -r '$R' -s '$S'"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.error.code')" = no_route ]
	[ "$(echo "$output" | jq -r '.error.details.rejected | length')" -eq 4 ]
	echo "$output" | jq -r .error.message | grep -q 'oll: max_tokens 5000 > max_output 1000'
}

@test "deadline: models slower than the time left are rejected" {
	dl=$(date -u -d '+20 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
	jq '.models[0].latency_ms = 60000' "$R" >"$BATS_TEST_TMPDIR/r.json"
	run bash -c "art new --id a5 --tenant acme --deadline '$dl' hello | art-route -r '$BATS_TEST_TMPDIR/r.json' -s '$S'"
	[ "$(echo "$output" | jq -r .route.model)" = gpt-500 ]
	echo "$output" | jq -r '.route.rejected[0].reason' | grep -q '< expected latency 60000 ms'
}

@test "strategies: cost and latency rank differently; weighted is repeatable with --seed" {
	jq '.models[1].latency_ms = 5 | .models[2].latency_ms = 1' "$R" >"$BATS_TEST_TMPDIR/r.json"
	cost=$(art new --id a6 --tenant acme hello | art-route -r "$R" -s "$S" --strategy cost | jq -r '[.route.model, (.route.fallbacks | map(.model) | join(","))] | @tsv')
	[ "$cost" = "$(printf 'down\tgpt-500,oll,gpt')" ]
	lat=$(art new --id a6 --tenant acme hello | art-route -r "$BATS_TEST_TMPDIR/r.json" -s "$S" --strategy latency | jq -r .route.model)
	[ "$lat" = gpt ]
	seq 20 | art new --lines --id w --tenant acme | art-route -r "$R" -s "$S" --strategy weighted --seed 3 | jq -r .route.model >"$BATS_TEST_TMPDIR/w1"
	seq 20 | art new --lines --id w --tenant acme | art-route -r "$R" -s "$S" --strategy weighted --seed 3 | jq -r .route.model >"$BATS_TEST_TMPDIR/w2"
	cmp "$BATS_TEST_TMPDIR/w1" "$BATS_TEST_TMPDIR/w2"
	[ "$(sort -u "$BATS_TEST_TMPDIR/w1" | wc -l)" -gt 1 ]
}

@test "a provider down for the whole test: skipped once the breaker opens, picked again after the cooldown" {
	for i in 1 2; do
		art new --id b$i --tenant acme hello | art-route -r "$R" -s "$S" |
			art-remote -r "$R" -s "$S" --retries 0 >"$BATS_TEST_TMPDIR/out$i"
		# down (refused) then gpt-500 (500) fail, gpt answers
		[ "$(jq -r '[.status, .output.model, ([.events[] | select(.name == "attempt") | "\(.attrs.model):\(.attrs.outcome)"] | join(" "))] | @tsv' "$BATS_TEST_TMPDIR/out$i")" = \
			"$(printf 'ok\tgpt\tdown:fallback gpt-500:fallback gpt:ok')" ]
	done
	# 2 failures in the window: both breakers are open now
	art new --id b3 --tenant acme hello | art-route -r "$R" -s "$S" >"$BATS_TEST_TMPDIR/r3"
	jq -c .route "$BATS_TEST_TMPDIR/r3"
	[ "$(jq -r .route.model "$BATS_TEST_TMPDIR/r3")" = gpt ]
	jq -r '.route.rejected[] | "\(.model): \(.reason)"' "$BATS_TEST_TMPDIR/r3" | grep -q '^down: circuit breaker open for'
	jq -r '.route.rejected[] | "\(.model): \(.reason)"' "$BATS_TEST_TMPDIR/r3" | grep -q '^gpt-500: circuit breaker open for'
	sleep 2.1
	# cooldown over: half-open, the down model is picked again (one probe)
	art new --id b4 --tenant acme hello | art-route -r "$R" -s "$S" >"$BATS_TEST_TMPDIR/r4"
	[ "$(jq -r .route.model "$BATS_TEST_TMPDIR/r4")" = down ]
	jq -r .route.reason "$BATS_TEST_TMPDIR/r4" | grep -q 'breaker half-open'
	# the probe fails: open again at once
	art-remote -r "$R" -s "$S" --retries 0 --max-fallbacks 0 <"$BATS_TEST_TMPDIR/r4" >/dev/null || true
	[ "$(art new --id b5 --tenant acme hello | art-route -r "$R" -s "$S" | jq -r .route.model)" = gpt-500 ]
}

@test "budget exhaustion: spend written by art-remote ends the tenant's paid route" {
	jq '.models |= map(select(.name == "gpt" or .name == "oll"))' "$R" >"$BATS_TEST_TMPDIR/r.json"
	R2=$BATS_TEST_TMPDIR/r.json
	# tenant tiny: budget 0.00002 USD/day; one answer costs (9 * 1 + 5 * 4) / 1e6 = 0.000029
	art new --id c1 --tenant tiny --max-tokens 2 hello | art-route -r "$R2" -s "$S" | art-remote -r "$R2" -s "$S" >"$BATS_TEST_TMPDIR/o1"
	[ "$(jq -r '[.status, .output.model, .output.cost.amount] | @tsv' "$BATS_TEST_TMPDIR/o1")" = "$(printf 'ok\tgpt\t2.9e-05')" ]
	art new --id c2 --tenant tiny --max-tokens 2 hello | art-route -r "$R2" -s "$S" >"$BATS_TEST_TMPDIR/o2"
	[ "$(jq -r .route.model "$BATS_TEST_TMPDIR/o2")" = oll ]
	jq -r '.route.rejected[0].reason' "$BATS_TEST_TMPDIR/o2" | grep -q '^budget exhausted: spent 2.9e-05 of 2e-05 USD (day:'
	# only the paid model: no route at all
	jq '.models |= map(select(.name == "gpt"))' "$R" >"$BATS_TEST_TMPDIR/r3.json"
	run bash -c "art new --id c3 --tenant tiny --max-tokens 2 hello | art-route -r '$BATS_TEST_TMPDIR/r3.json' -s '$S'"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .error.code)" = no_route ]
	# another tenant is not affected
	[ "$(art new --id c4 --tenant acme --max-tokens 2 hello | art-route -r "$R2" -s "$S" | jq -r .route.model)" = gpt ]
}

@test "one line out per line in; bad JSON is bad_json; non-ok envelopes pass through" {
	{
		art new --id d1 --tenant acme hello
		echo 'nope'
		art new --id d3 hello | jq -c '.status = "blocked"'
	} | art-route -r "$R" -s "$S" >"$BATS_TEST_TMPDIR/out" || true
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 3 ]
	[ "$(jq -r '.error.code // .status' "$BATS_TEST_TMPDIR/out" | tr '\n' ' ')" = "ok bad_json blocked " ]
	[ "$(sed -n 3p "$BATS_TEST_TMPDIR/out" | jq 'has("route")')" = false ]
}

@test "config errors: exit 3 with the file and the field named" {
	jq '.models[2].api_key = "sk-live-123"' "$R" >"$BATS_TEST_TMPDIR/bad.json"
	run art-route -r "$BATS_TEST_TMPDIR/bad.json" </dev/null
	[ "$status" -eq 3 ]
	[[ "$output" == *"bad.json: models[2].api_key: keys never go in the config"* ]]
	jq '.models[0].provider = "gemini"' "$R" >"$BATS_TEST_TMPDIR/bad.json"
	run art-route -r "$BATS_TEST_TMPDIR/bad.json" </dev/null
	[ "$status" -eq 3 ]
	[[ "$output" == *"models[0] (down).provider: must be local, openai or ollama"* ]]
	run art-route -r "$BATS_TEST_TMPDIR/missing.json" </dev/null
	[ "$status" -eq 3 ]
	run art-route </dev/null
	[ "$status" -eq 2 ]
	run art-route -r "$R" --strategy fastest </dev/null
	[ "$status" -eq 2 ]
}

@test "the example routes config is valid" {
	run bash -c "art new --id e1 --tenant acme --task support.answer hello | art-route -r '$BATS_TEST_DIRNAME/../../examples/routes.json' -s '$S'"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .route.model)" != null ]
}
