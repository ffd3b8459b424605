#!/usr/bin/env bats
# art-infer continuous batching, prefix cache and the model pool: the same envelopes give
# the same answers whatever --batch, --prefix-cache, -t and --max-models are; output in
# input order unless --unordered; local models chosen by route.
load common

M=models/stories260K-f32.gguf
Q=models/stories260K-ffn192-q8_0.gguf
REF=models/expected/stories260K-f32.greedy.jsonl

# what must not change between runs (timings and events do)
proj() { jq -c '{id, status, text: .output.text, finish: .output.finish_reason, in: .output.usage.input_tokens,
	out: .output.usage.output_tokens, err: .error.code}'; }

# 16 envelopes: the 8 reference prompts (greedy, 64 tokens) interleaved with other
# max_tokens, stop sequences, an expired deadline, seeded sampling and a bad param
mk16() {
	sed -n '1,8p' "$SHARED/models/expected/prompts.txt" | art new --lines --id g -n 64 --temp 0 >"$T/g"
	{
		art new --id x1 -n 5 --temp 0 'Once upon a time'
		art new --id x2 --temp 0 'Once upon a time' | jq -c '.params.stop = ["Lily"]'
		art new --id x3 -n 17 --temp 0 'The little dog'
		art new --id x4 --deadline 2000-01-01T00:00:00Z 'The little dog'
		art new --id x5 -n 40 --temp 1 --seed 7 'Once upon a time'
		art new --id x6 -n 1 --temp 0 'Lily and Tom went to the park'
		art new --id x7 'Once upon a time' | jq -c '.params.temperature = -1'
		art new --id x8 -n 64 --temp 0 'The sun' | jq -c '.params.stop = ["."]'
	} >"$T/x"
	paste -d '\n' "$T/g" "$T/x" >"$T/in16"
}

@test "16 envelopes: the same answers with --batch 1/4/8, --prefix-cache 0/4, -t 1/2/3; greedy = reference" {
	mk16
	art-infer -m "$SHARED/$M" --batch 1 --prefix-cache 0 -t 1 <"$T/in16" >"$T/base" || [ $? -eq 1 ]
	[ "$(lines_of "$T/base")" -eq 16 ]
	proj <"$T/base" >"$T/want"
	for cfg in "4 0 2" "4 4 3" "8 0 3" "8 4 1" "8 4 2" "1 4 2"; do
		set -- $cfg
		art-infer -m "$SHARED/$M" --batch "$1" --prefix-cache "$2" -t "$3" <"$T/in16" >"$T/out" || [ $? -eq 1 ]
		proj <"$T/out" >"$T/got"
		diff "$T/want" "$T/got" || { echo "differs with --batch $1 --prefix-cache $2 -t $3"; false; }
	done
	# input order, the reference texts, and what each odd envelope asked for
	[ "$(jq -r .id "$T/base" | tr '\n' ' ')" = "$(jq -r .id "$T/in16" | tr '\n' ' ')" ]
	[ "$(jq -c 'select(.id | startswith("g")) | .text' "$T/want")" = "$(jq -c .text "$SHARED/$REF")" ]
	jq -se 'map({(.id): .}) | add | .x1.out == 5 and .x1.finish == "length"
		and .x2.text == ", there was a little girl named " and .x2.finish == "stop"
		and .x3.out == 17 and .x4.err == "deadline_exceeded" and .x5.out > 0 and .x6.out == 1
		and .x7.err == (if (env.ART_STRICT // "0") != "0" then "bad_envelope" else "bad_request" end) and .x8.finish == "stop" and (.x8.text | contains(".") | not)' "$T/want"
}

@test "--unordered: the same set of lines; without it output keeps input order" {
	mk16
	art-infer -m "$SHARED/$M" --batch 8 -t 2 <"$T/in16" >"$T/a" || [ $? -eq 1 ]
	art-infer -m "$SHARED/$M" --batch 8 -t 2 --unordered <"$T/in16" >"$T/b" || [ $? -eq 1 ]
	[ "$(lines_of "$T/b")" -eq 16 ]
	[ "$(jq -r .id "$T/a" | tr '\n' ' ')" = "$(jq -r .id "$T/in16" | tr '\n' ' ')" ]
	diff <(proj <"$T/a" | sort) <(proj <"$T/b" | sort)
	# errors need no generation: unordered, they come out before the long greedy ones
	[ "$(jq -r .id "$T/b" | head -1)" != g-1 ]
}

@test "envelopes sharing a long system prompt reuse its KV state; answers do not change" {
	sys="You are a storyteller for small children. Tell short happy stories about animals, friends and parks, with simple words, a kind ending and no scary parts. Every story has a name for the hero."
	printf '%s\n' 'Once upon a time' 'The little dog' 'Lily and Tom' 'The sun' 'A cat' 'Tim' |
		art new --lines --id s --system "$sys" -n 24 --temp 0 >"$T/in"
	art-infer -m "$SHARED/$M" --batch 2 --prefix-cache 0 --stats <"$T/in" >"$T/a" 2>"$T/a.err"
	art-infer -m "$SHARED/$M" --batch 2 --prefix-cache 2 --stats <"$T/in" >"$T/b" 2>"$T/b.err"
	diff <(proj <"$T/a") <(proj <"$T/b")
	n=$(jq -r .output.usage.input_tokens "$T/b" | head -1)
	[ "$n" -gt 40 ]
	# no reuse without the cache; with it, every one after the first (the second waits
	# for the first prompt to be in) starts from a cached prefix as long as the system prompt
	[ "$(jq -s 'map(.output.usage.cached_tokens // 0) | add' "$T/a")" -eq 0 ]
	[ "$(jq -s --argjson n "$n" 'map(select(.output.usage.cached_tokens >= ($n / 2))) | length' "$T/b")" -eq 5 ]
	grep -q '(0 from the prefix cache)' "$T/a.err"
	! grep -q '(0 from the prefix cache)' "$T/b.err"
	jq -se 'map(.events[-1].attrs.cached_tokens // 0) | any(. > 0)' "$T/b"
}

# routes.json: local models a (f32) and b (ffn192 q8_0) and gone (a missing file),
# chosen by task
write_local_routes() {
	cat >"$1" <<JSON
{
  "version": 1,
  "strategy": "priority",
  "models": [
    { "name": "a", "provider": "local", "path": "$SHARED/$M",
      "capabilities": { "tools": false, "json": false, "context": 512, "max_output": 512 }, "boundary": "local" },
    { "name": "b", "provider": "local", "path": "$SHARED/$Q",
      "capabilities": { "tools": false, "json": false, "context": 512, "max_output": 512 }, "boundary": "local" },
    { "name": "gone", "provider": "local", "path": "$T/missing.gguf",
      "capabilities": { "tools": false, "json": false, "context": 512, "max_output": 512 }, "boundary": "local" }
  ],
  "rules": [
    { "task": "ta", "models": ["a"] },
    { "task": "tb", "models": ["b"] },
    { "task": "tm", "models": ["gone"] }
  ]
}
JSON
}

@test "local models by route: each envelope answered by its route's model, as with -m" {
	write_local_routes "$T/routes.json"
	i=0
	while read -r p; do
		i=$((i + 1))
		t=ta; [ $((i % 2)) -eq 0 ] && t=tb
		art new --id "r$i" --task "$t" -n 64 --temp 0 "$p"
	done < <(sed -n '1,8p' "$SHARED/models/expected/prompts.txt") >"$T/in"
	art-route -r "$T/routes.json" <"$T/in" >"$T/routed"
	jq -se 'map(.route.provider) | all(. == "local")' "$T/routed"
	# default model is the other one: the route must win over -m
	art-infer -m "$SHARED/$Q" --batch 4 <"$T/routed" >"$T/out"
	jq 'select(.route.model == "a")' "$T/routed" | jq -c 'del(.route)' | art-infer -m "$SHARED/$M" >"$T/wa"
	jq 'select(.route.model == "b")' "$T/routed" | jq -c 'del(.route)' | art-infer -m "$SHARED/$Q" >"$T/wb"
	diff <(cat "$T/wa" "$T/wb" | proj | sort) <(proj <"$T/out" | sort)
	[ "$(jq -r .id "$T/out" | tr '\n' ' ')" = "r1 r2 r3 r4 r5 r6 r7 r8 " ]
	# the models answer prompts 4 and 8 differently: neither alone gives the routed answers
	jq -c 'del(.route)' "$T/routed" | art-infer -m "$SHARED/$M" | proj >"$T/all_a"
	jq -c 'del(.route)' "$T/routed" | art-infer -m "$SHARED/$Q" | proj >"$T/all_b"
	! diff -q "$T/all_a" <(proj <"$T/out")
	! diff -q "$T/all_b" <(proj <"$T/out")
	# one model open at a time, alternating: same answers
	art-infer -m "$SHARED/$Q" --batch 4 --max-models 1 --stats <"$T/routed" >"$T/one" 2>"$T/one.err"
	diff <(proj <"$T/out") <(proj <"$T/one")
	grep -Eq '[0-9]+ models opened' "$T/one.err"
	[ "$(grep -Eo '[0-9]+ models opened' "$T/one.err" | cut -d' ' -f1)" -gt 2 ]
}

@test "a route to a missing model file: error model_load for that envelope, the next one succeeds" {
	write_local_routes "$T/routes.json"
	{
		art new --id m1 --task ta -n 8 --temp 0 'Once upon a time'
		art new --id m2 --task tm -n 8 --temp 0 'Once upon a time'
		art new --id m3 --task tb -n 8 --temp 0 'Once upon a time'
	} | art-route -r "$T/routes.json" >"$T/routed"
	printf 'not a model' >"$T/bad.gguf"
	jq -c 'select(.id == "m2") | .id = "m4" | .route.endpoint = "'"$T/bad.gguf"'"' "$T/routed" >>"$T/routed"
	run art-infer -m "$SHARED/$M" <"$T/routed"
	assert_failure 1
	[ "${#lines[@]}" -eq 4 ]
	echo "${lines[0]}" | jq -e '.status == "ok"'
	echo "${lines[1]}" | jq -e '.status == "error" and .error.code == "model_load" and (.error.message | contains("missing.gguf"))'
	echo "${lines[2]}" | jq -e '.status == "ok" and .output.usage.output_tokens == 8'
	echo "${lines[3]}" | jq -e '.status == "error" and .error.code == "model_load" and (.error.message | contains("bad.gguf"))'
}

@test "a relative model path in a routes file is taken from the routes file's directory" {
	mkdir -p "$T/cfg" "$T/models" "$T/elsewhere"
	cp "$SHARED/$Q" "$T/models/q.gguf"
	jq -n '{version: 1, models: [{name: "q", provider: "local", path: "../models/q.gguf", boundary: "local",
		capabilities: {tools: false, json: false, context: 512, max_output: 512}}]}' >"$T/cfg/routes.json"
	art new --id rel -n 64 --temp 0 'Once upon a time there was' >"$T/in"
	(cd "$T/elsewhere" && art-route -r ../cfg/routes.json <"$T/in" >"$T/routed")
	jq -e '.route.endpoint | endswith("cfg/../models/q.gguf")' "$T/routed"
	(cd / && art-infer -m "$SHARED/$M" <"$T/routed") | proj >"$T/got"
	art-infer -m "$SHARED/$Q" <"$T/in" | proj >"$T/want"
	diff "$T/want" "$T/got"
	jq -e '.status == "ok"' "$T/got"
}
